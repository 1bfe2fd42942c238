# SPDX-License-Identifier: GPL-2.0-or-later
"""Caller ID and ringing end to end (issue 5 items 1, 2 and 5): the
caller-ID matrix, every standard and start method both ways, with
private and unavailable callers, and distinctive ring both ways.

One gateway with 13 FXS and 13 FXO ports, one case per port, all at once:
  FXS: SIPp calls each phone with a From (and on every other case a
  P-Asserted-Identity) carrying number and name; the gateway rings the
  phone with the port's standard; copperline-linesim's phone decodes the
  caller ID and must report exactly that number and name (where the
  standard carries a name), then answers.
  FXO: the exchange calls each FXO port with number and name in the
  port's standard and start method; the INVITE the gateway sends to the
  port's target (a SIPp UAS) must carry them in From and
  P-Asserted-Identity.
JCLIP goes through NTT's handshake both ways: CAR, the terminal's
off-hook (primary response), the number on the closed loop, on-hook, then
the normal ringing; the phone must report method "car" and the exchange
the handshake's figures (test_jclip.py has its fallback).
Distinctive ring: two SIP calls with Alert-Info dr2 / dr3 ring two phones
with those cadences (the phones recognise them); the exchange rings two
FXO ports with dr2 / dr4, which the gateway recognises and reports in the
INVITE's Alert-Info."""
import os
import re
import time

from gwtest import Linesim, free_port, wait_until
from peers import Gateway, free_udp_pair, sipp, sipp_messages


_USED = set()


def _unique(get, span):
    """A free port none of this test's other ports is within `span` of
    (13 SIPp processes start at once)."""
    for _ in range(100):
        p = get()
        if all(abs(p - q) >= span for q in _USED):
            _USED.add(p)
            return p
    raise AssertionError("no free port")


def free_udp():
    return _unique(free_port, 4)


def free_udp_even():
    return _unique(free_udp_pair, 4)

STANDARDS = ["bell", "bell-sdmf", "etsi", "etsi-dtas", "etsi-rp", "etsi-lr",
             "jclip", "dtmf", "dtmf-hash"]
# the standard carries a name
NAMED = {"bell", "etsi", "etsi-dtas", "etsi-rp", "etsi-lr"}
# the data comes after the first ring
AFTER = {"bell", "bell-sdmf", "etsi"}
METHOD = {"bell": "ring", "bell-sdmf": "ring", "etsi": "ring",
          "etsi-dtas": "dtas", "etsi-rp": "rp", "etsi-lr": "lr",
          "jclip": "car", "dtmf": "pre", "dtmf-hash": "pre"}


def fxs_cases():
    """(case, callerid, number, name, kind, ring) per FXS port."""
    cases = []
    for i, std in enumerate(STANDARDS):
        cases.append((std, std, "55501%02d" % i, "Caller %s" % std[:6],
                      "pai" if i % 2 else "from", ""))
    cases.append(("private", "bell", "", "", "private", ""))
    cases.append(("unavailable", "etsi-dtas", "", "", "unavailable", ""))
    cases.append(("dr2", "none", "", "", "from", "dr2"))
    cases.append(("dr3", "none", "", "", "from", "dr3"))
    return cases


def fxo_cases():
    """(case, callerid, caller, name, ring) per FXO port."""
    cases = []
    for i, std in enumerate(STANDARDS):
        cases.append((std, std, "44402%02d" % i, "Line %s" % std[:6],
                      "normal"))
    cases.append(("private", "bell", "private", "", "normal"))
    cases.append(("unavailable", "etsi-lr", "unavailable", "", "normal"))
    cases.append(("dr2", "none", "4440300", "", "dr2"))
    cases.append(("dr4", "none", "4440301", "", "dr4"))
    return cases


def conf_ports(fxs, fxo, peer):
    lines = []
    for i, c in enumerate(fxs):
        lines.append('\t{ name = "s%d"; channel = %d; type = "fxs"; '
                     'extension = "2%02d"; callerid = "%s"; },'
                     % (i + 1, i + 1, i + 1, c[1]))
    for i, c in enumerate(fxo):
        ch = len(fxs) + i + 1
        lines.append('\t{ name = "o%d"; channel = %d; type = "fxo"; '
                     'callerid = "%s"; target = "sip:cid-%s@127.0.0.1:%d"; },'
                     % (i + 1, ch, c[1], c[0], peer))
    lines[-1] = lines[-1].rstrip(",")
    return "ports = (\n" + "\n".join(lines) + "\n);"


def invites(tmp, name):
    """The INVITEs in SIPp's message log: {request user: {header: value}}."""
    out = {}
    for block in re.split(r"message (?:received|sent) \[\d+\] bytes :",
                          sipp_messages(tmp, name)):
        m = re.match(r"\s*INVITE sip:([^@]+)@", block)
        if not m:
            continue
        h = {}
        for line in block.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("From", "P-Asserted-Identity", "Privacy", "Alert-Info"):
                h.setdefault(k.strip(), v.strip())
        out[m.group(1)] = h
    return out


def test_callerid_matrix(tmp):
    fxs, fxo = fxs_cases(), fxo_cases()
    peer = free_udp()
    ls = Linesim(tmp, ports=",".join(["fxs"] * len(fxs) + ["fxo"] * len(fxo)))
    gw = None
    rows, failures = [], []
    try:
        gw = Gateway(tmp, ls, peer_port=peer, limit=200, conf_edit=lambda t: re.sub(
            r"ports = \(.*?\n\);", conf_ports(fxs, fxo, peer), t, flags=re.S))
        gw.assert_all_idle(10)
        uri = "127.0.0.1:%d" % gw.sip_port
        uas = sipp(tmp, "uas_check_cid.xml", "", "cid", peer,
                   media_port=free_udp_even(),
                   extra=["-m", str(len(fxo))], limit=90)
        time.sleep(0.5)
        t0 = time.monotonic()
        # FXS: one SIP call per phone
        uacs = []
        for i, (case, std, num, name, kind, ring) in enumerate(fxs):
            p = i + 1
            ls.cmd("auto %d on %d" % (p, 2 if std in AFTER or ring or
                                      std == "none" else 1))
            frm = '"%s" <sip:%s@127.0.0.1>' % (name, num)
            hdr1, hdr2 = "X-Pad: 1", "X-Pad: 2"
            if kind == "pai":
                frm = '"Someone Else" <sip:999@127.0.0.1>'
                hdr1 = 'P-Asserted-Identity: "%s" <sip:%s@127.0.0.1>' % (name, num)
            elif kind == "private":
                frm = '"Anonymous" <sip:anonymous@anonymous.invalid>'
                hdr1 = "Privacy: id"
            elif kind == "unavailable":
                frm = "<sip:gateway@127.0.0.1>"
            if ring:
                hdr2 = "Alert-Info: <http://127.0.0.1/Bellcore-%s>;info=%s" % (ring, ring)
            mp = free_udp_even()
            uacs.append(sipp(tmp, "uac_cid.xml", uri, "2%02d" % p, free_udp(),
                             media_port=mp, name="uac-%s" % case,
                             extra=["-d", "1000", "-key", "from", frm,
                                    "-key", "hdr1", hdr1, "-key", "hdr2", hdr2,
                                    "-key", "rtp_port", str(mp)], limit=60))
        # FXO: the exchange calls every FXO port
        for i, (case, std, caller, name, ring) in enumerate(fxo):
            p = len(fxs) + i + 1
            cmd = "call %d %s cid=%s ring=%s" % (p, caller, std, ring)
            if name:
                cmd += " name=" + name.replace(" ", "_")
            ls.cmd(cmd)

        fxs_done, fxo_done = {}, {}

        def progress():
            now = time.monotonic() - t0
            for i, c in enumerate(fxs):
                if c[0] in fxs_done:
                    continue
                r = ls.cmd("cid %d" % (i + 1))
                if (c[5] and int(r["rings"]) >= 2 and r["pattern"] != "-") or \
                        (not c[5] and int(r["received"]) >= 1):
                    fxs_done[c[0]] = (now, r)
            inv = invites(tmp, "uas_check_cid")
            for c in fxo:
                if c[0] not in fxo_done and "cid-" + c[0] in inv:
                    fxo_done[c[0]] = (now, inv["cid-" + c[0]])
            return len(fxs_done) == len(fxs) and len(fxo_done) == len(fxo)

        try:
            wait_until(progress, 40, what="every caller ID case")
        except AssertionError as e:
            failures.append(str(e))

        # FXS checks
        for i, (case, std, num, name, kind, ring) in enumerate(fxs):
            sec, r = fxs_done.get(case, (None, ls.cmd("cid %d" % (i + 1))))
            ok = True
            got = "%s/%s" % (r.get("number"), r.get("name"))
            if ring:
                ok = ("us:" + ring) in r.get("pattern", "").split(",")
                got = "%s %s" % (r.get("cadence"), r.get("pattern"))
                want = "us:" + ring
            else:
                wn = num or kind
                wname = name.replace(" ", "_") if std in NAMED else "-"
                if kind in ("private", "unavailable"):
                    wname = kind
                want = "%s/%s" % (wn, wname)
                ok = got == want and r.get("method") == METHOD[std]
                got += " %s %s %s" % (r.get("standard"), r.get("method"), r.get("when"))
            rows.append(("fxs", case, std, ok, sec, got))
            if not ok:
                failures.append("FXS %s: want %s, got %s" % (case, want, got))
        # FXO checks
        host = None
        for case, std, caller, name, ring in fxo:
            sec, h = fxo_done.get(case, (None, {}))
            frm, pai = h.get("From", ""), h.get("P-Asserted-Identity", "")
            if ring != "normal":
                ok = ("info=" + ring) in h.get("Alert-Info", "") and \
                     ("cadence " + ring) in gw.log()
                got = h.get("Alert-Info", "-")
            elif std == "jclip":
                # the number came through the CAR handshake
                p = len(fxs) + fxo.index((case, std, caller, name, ring)) + 1
                car = ls.cmd("cid %d" % p).get("car", "-")
                m = re.match(r'(?:"([^"]*)" )?<sip:(\d+)@', frm)
                ok = bool(m) and m.group(2) == caller and \
                    re.match(r"\d+/\d+/\d+$", car) is not None
                got = "From %s | PAI %s | handshake %s ms" % (frm, pai, car)
            elif caller in ("private", "unavailable"):
                disp = "Anonymous" if caller == "private" else "Unavailable"
                ok = ('"%s" <sip:anonymous@anonymous.invalid>' % disp) in frm and \
                    h.get("Privacy") == "id" and not pai
                got = "%s | Privacy: %s" % (frm, h.get("Privacy"))
            else:
                wname = name if std in NAMED else ""
                m = re.match(r'(?:"([^"]*)" )?<sip:(\d+)@', frm)
                mp = re.match(r'(?:"([^"]*)" )?<sip:(\d+)@', pai)
                ok = bool(m and mp) and m.group(2) == caller and \
                    (m.group(1) or "") == wname and mp.group(2) == caller and \
                    (mp.group(1) or "") == wname
                got = "From %s | PAI %s" % (frm, pai)
            rows.append(("fxo", case, std, ok, sec, got))
            if not ok:
                failures.append("FXO %s: got %s" % (case, got))

        for p in range(len(fxs) + 1, len(fxs) + len(fxo) + 1):
            ls.cmd("hangup %d" % p, check=False)
        for u in uacs:
            u.wait(30)
        uas.wait(30)
        gw.assert_all_idle(20)
    finally:
        print("\ncaller-ID matrix (standard x start method x direction):")
        print("%-4s %-12s %-10s %-6s %6s  %s" % ("dir", "case", "callerid",
                                                 "result", "sec", "decoded"))
        for d, case, std, ok, sec, got in rows:
            print("%-4s %-12s %-10s %-6s %6s  %s" % (
                d, case, std, "OK" if ok else "FAIL",
                "%.1f" % sec if sec is not None else "-", got))
        if gw:
            for line in gw.log().splitlines() + ls.proc.text().splitlines():
                if "JCLIP" in line:
                    print("  " + line.strip()[-200:])
        n_ok = sum(1 for r in rows if r[3])
        print("%d of %d cases OK (FXS %d, FXO %d)" % (
            n_ok, len(rows), sum(1 for r in rows if r[0] == "fxs" and r[3]),
            sum(1 for r in rows if r[0] == "fxo" and r[3])))
        if gw:
            gw.stop()
        ls.stop()
    assert not failures, "\n".join(failures)
