# SPDX-License-Identifier: GPL-2.0-or-later
"""Fax passthrough (G.711) end to end: a T.30 fax terminal on a simulated
analog line (copperline-linesim `fax`) and one behind a SIP peer
(tests/faxpeer, PCMU RTP) exchange a 3-page TIFF through the gateway on
the simulated card, with a G.168 hybrid echo on the line and the line
echo canceller on (its G.164/G.165 tone disabler must let the fax pass).
ECM is off, so the image crosses as a plain non-ECM T.4 stream.

Each test checks the T.30 result on both terminals (completion code 0,
3 pages) and compares the received TIFF with the one sent (page count,
page sizes; image rows identical where no packet was lost)."""
import os
import re
import subprocess

from gwtest import Proc, binpath, wait_until
from peers import free_udp_pair
from test_calls import Rig, FXO1, FXS1, free_udp

FAXPEER = os.path.join("tests", "faxpeer")
PAGES = 3
# the line's hybrid: G.168 Annex D model 4, ERL 10 dB, 10 ms bulk delay
LINE_ECHO = "4 10 10"
# a whole fax of 3 short pages takes about 30 s; every step is bounded
FAX_LIMIT = 90


def _make_tiff(tmp):
    path = os.path.join(tmp, "sent.tif")
    r = subprocess.run([binpath(FAXPEER), "--make-tiff", path, str(PAGES)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, "faxpeer --make-tiff failed: %s" % (r.stdout + r.stderr)
    return path


def _compare(sent, received):
    """faxpeer --compare: (its output, {page: diff_rows}, pages received,
    sizes the same, identical)."""
    r = subprocess.run([binpath(FAXPEER), "--compare", sent, received],
                       capture_output=True, text=True, timeout=10)
    out = r.stdout + r.stderr
    m = re.search(r"compare pages=(\d+)/(\d+) sizes=(\w+) identical=(\d)", out)
    assert m, "faxpeer --compare gave no summary:\n" + out
    diffs = {int(a): int(b) for a, b in re.findall(r"page=(\d+) .*diff_rows=(\d+)", out)}
    return out, diffs, int(m.group(2)), m.group(3) == "same", m.group(4) == "1"


class FaxPeer:
    """tests/faxpeer in the background; its log is faxpeer-NAME.log."""

    def __init__(self, tmp, name, args):
        self.name = name
        self.proc = Proc([binpath(FAXPEER), "--timeout", str(FAX_LIMIT),
                          "--rtp-port", str(free_udp_pair())] + list(args),
                         os.path.join(tmp, "faxpeer-%s.log" % name), limit=FAX_LIMIT + 15)

    def wait(self, timeout):
        try:
            return self.proc.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("faxpeer %s did not end within %d s:\n%s"
                                 % (self.name, timeout, self.proc.text()[-3000:]))

    def result(self):
        text = self.proc.text()
        m = re.search(r"faxpeer: result (.*)", text)
        assert m, "faxpeer %s printed no result:\n%s" % (self.name, text[-3000:])
        return dict(w.split("=", 1) for w in m.group(1).split() if "=" in w)

    def stop(self):
        return self.proc.stop()


def _line_done(ls, port):
    st = ls.cmd("faxstatus %d" % port)
    return st if st.get("state") == "done" else None


def _report(what, line, peer, diffs):
    print("%s: line %s pages=%s code=%s (%s) %s bit/s ecm=%s bad_rows=%s "
          "ECM retries %s, %s s; SIP peer %s pages=%s code=%s (%s) ECM retries %s, packets "
          "sent %s (%s dropped), received %s (%s dropped); diff rows %s"
          % (what, line["fax"], line["pages"], line["code"], line["result"],
             line["bit_rate"], line["ecm"], line["bad_rows"], line["ecm_retries"],
             line["seconds"],
             peer["mode"], peer["pages"], peer["code"], peer["result"],
             peer["ecm_retries"], peer["tx_packets"], peer["tx_dropped"],
             peer["rx_packets"], peer["rx_dropped"], diffs))


def _check(tmp, r, fp, sent, received, rc, line, lossless):
    peer = fp.result()
    out, diffs, npages, same, identical = _compare(sent, received)
    _report("fax", line, peer, diffs)
    logs = "\nlinesim faxstatus: %s\nfaxpeer: %s\n%s" % (
        line["_reply"], fp.proc.text()[-1500:], out)
    assert rc == 0, "faxpeer failed (rc %s)%s" % (rc, logs)
    assert line["code"] == "0" and line["pages"] == str(PAGES), \
        "the line's fax terminal did not finish with %d pages%s" % (PAGES, logs)
    assert peer["code"] == "0" and peer["pages"] == str(PAGES), \
        "the SIP fax terminal did not finish with %d pages%s" % (PAGES, logs)
    assert npages == PAGES and same, "received TIFF differs in pages or sizes" + logs
    if lossless:
        assert identical, "no packet lost, yet the received image differs" + logs
    return peer, diffs


def fax_line_to_sip(tmp, **rig):
    """The phone on port 1 (fax sender, calling party) dials 5000; the
    gateway calls the SIP fax peer, which receives the 3 pages; no packet
    loss: every page arrives with identical image rows. Returns the
    gateway's log."""
    sent = _make_tiff(tmp)
    received = os.path.join(tmp, "received.tif")
    peer_port = free_udp()
    with Rig(tmp, peer_port=peer_port, **rig) as r:
        r.ls.cmd("echo %d %s" % (FXS1, LINE_ECHO))
        r.ls.cmd("fax %d send %s" % (FXS1, sent))
        fp = FaxPeer(tmp, "rx", ["--listen", "127.0.0.1:%d" % peer_port,
                                 "--receive", received, "--expect-pages", str(PAGES)])
        try:
            r.ls.cmd("offhook %d" % FXS1)
            wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                       what="dial tone on the phone")
            r.ls.cmd("dial %d 5000" % FXS1)
            r.gw.wait_port("fxs1", "talking", 15)
            rc = fp.wait(FAX_LIMIT + 10)
            line = wait_until(lambda: _line_done(r.ls, FXS1), 10,
                              what="the line's fax terminal to finish")
            # the peer may hang up first: the phone then hears reorder
            # and goes on-hook by itself (auto mode)
            try:
                r.ls.cmd("onhook %d" % FXS1)
            except AssertionError as e:
                if "already on-hook" not in str(e):
                    raise
            _check(tmp, r, fp, sent, received, rc, line, lossless=True)
            r.gw.assert_all_idle()
            return r.gw.log()
        finally:
            fp.stop()


def test_fax_line_to_sip(tmp):
    """fax_line_to_sip(): 3 pages from the phone to the SIP peer, intact."""
    fax_line_to_sip(tmp)


def test_fax_sip_to_line_with_loss(tmp):
    """The SIP fax peer (sender, calling party) calls extension 201; the
    phone on port 1 answers at once and receives. 0.02 % random packet
    loss both ways (fixed seed) plus packets dropped by number during
    the image transfer and the T.30 exchanges. Without ECM a 20 ms gap in
    the V.17/V.29 image carrier cuts the rest of the page off (the
    receiver's modem loses the carrier and the page ends short, yet T.30
    confirms it); so both terminals use ECM (T.30 Annex A), which
    resends the lost frames: the 3 pages arrive identical."""
    sent = _make_tiff(tmp)
    received = os.path.join(tmp, "received.tif")
    with Rig(tmp) as r:
        r.ls.cmd("echo %d %s" % (FXS1, LINE_ECHO))
        r.ls.cmd("auto %d on 0" % FXS1)
        r.ls.cmd("fax %d receive ecm %s" % (FXS1, received))
        # packets of 20 ms: sent 500 ~ 10 s (page 1 image) to 1250 ~ 25 s
        # (page 3), one every 3 s; received 300 ~ 6 s (phase B)
        fp = FaxPeer(tmp, "tx", ["--call", "sip:201@" + r.uri, "--send", sent,
                                 "--ecm", "--expect-pages", str(PAGES),
                                 "--loss", "0.02", "--seed", "4",
                                 "--drop-tx", "500,650,800,950,1100,1250",
                                 "--drop-rx", "300"])
        try:
            rc = fp.wait(FAX_LIMIT + 10)
            line = wait_until(lambda: _line_done(r.ls, FXS1), 10,
                              what="the line's fax terminal to finish")
            peer, _ = _check(tmp, r, fp, sent, received, rc, line, lossless=True)
            assert int(peer["tx_dropped"]) + int(peer["rx_dropped"]) >= 4, \
                "fewer packets lost than asked for: %s" % peer
            assert peer["ecm"] == "1" and line["ecm"] == "1", "ECM not used"
            assert max(int(peer["ecm_retries"]), int(line["ecm_retries"])) >= 1, \
                "no lost packet hit the image data (no ECM frame resent): %s" % peer
            # the peer hung up: the phone hears reorder and hangs up (auto)
            r.gw.assert_all_idle(15)
        finally:
            fp.stop()


def test_fax_exchange_to_sip_with_loss(tmp):
    """The exchange rings FXO port 3 from a fax sender (calling party,
    ECM); the gateway calls the port's SIP target, the fax peer, which
    answers and receives with 0.02 % random loss and packets from the
    gateway dropped by number: ECM resends what was lost; 3 identical
    pages."""
    sent = _make_tiff(tmp)
    received = os.path.join(tmp, "received.tif")
    peer_port = free_udp()
    with Rig(tmp, peer_port=peer_port) as r:
        r.ls.cmd("echo %d %s" % (FXO1, LINE_ECHO))
        r.ls.cmd("fax %d send ecm %s" % (FXO1, sent))
        fp = FaxPeer(tmp, "rx", ["--listen", "127.0.0.1:%d" % peer_port,
                                 "--receive", received, "--ecm",
                                 "--expect-pages", str(PAGES),
                                 "--loss", "0.02", "--seed", "7",
                                 "--drop-rx", "500,650,800,950,1100,1250",
                                 "--drop-tx", "300"])
        try:
            r.ls.cmd("call %d 5551234" % FXO1)
            r.gw.wait_port("fxo1", "talking", 20)
            rc = fp.wait(FAX_LIMIT + 10)
            line = wait_until(lambda: _line_done(r.ls, FXO1), 10,
                              what="the line's fax terminal to finish")
            peer, _ = _check(tmp, r, fp, sent, received, rc, line, lossless=True)
            assert int(peer["tx_dropped"]) + int(peer["rx_dropped"]) >= 4, \
                "fewer packets lost than asked for: %s" % peer
            assert max(int(peer["ecm_retries"]), int(line["ecm_retries"])) >= 1, \
                "no lost packet hit the image data (no ECM frame resent): %s" % peer
            # the peer hung up: the gateway puts the line on-hook
            r.gw.assert_all_idle(15)
            # the exchange releases 1.1 s after an on-hook (a shorter
            # one would be a hook-flash)
            wait_until(lambda: r.ls.status(FXO1)["state"] == "idle", 5,
                       what="the exchange to release the line")
        finally:
            fp.stop()


def test_fax_sip_to_exchange(tmp):
    """The SIP fax peer (sender) calls 91005: the gateway seizes FXO port
    3 and dials 1005, which answers at once with a fax receiver
    (answering party, no ECM); no loss: 3 identical pages."""
    sent = _make_tiff(tmp)
    received = os.path.join(tmp, "received.tif")
    with Rig(tmp) as r:
        r.ls.cmd("echo %d %s" % (FXO1, LINE_ECHO))
        r.ls.cmd("fax %d receive %s" % (FXO1, received))
        fp = FaxPeer(tmp, "tx", ["--call", "sip:91005@" + r.uri, "--send", sent,
                                 "--expect-pages", str(PAGES)])
        try:
            rc = fp.wait(FAX_LIMIT + 10)
            line = wait_until(lambda: _line_done(r.ls, FXO1), 10,
                              what="the line's fax terminal to finish")
            assert r.ls.status(FXO1)["dialled"] == "1005"
            _check(tmp, r, fp, sent, received, rc, line, lossless=True)
            r.gw.assert_all_idle(15)
        finally:
            fp.stop()
