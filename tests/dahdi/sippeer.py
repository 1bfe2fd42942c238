#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The host's SIP peer of the whole-call test of tests/dahdi/run.sh.

copperline runs in the qemu guest on 127.0.0.1 (the guest's); qemu's user
networking forwards the host's 127.0.0.1:SIP and the RTP ports to it, and
the guest reaches this host as 10.0.2.2 (so our Via, Contact and SDP carry
10.0.2.2, and we listen on 127.0.0.1). A minimal UDP user agent (RFC 3261
INVITE/ACK/BYE, one G.711 u-law stream): it sends a 2004 Hz tone at
-10 dBm0, records what it receives and measures the level and frequency
of the far end's 1004 Hz tone. It uses the Contact and SDP addresses the
gateway gives as they are: that is what the test shows reachable.

    sippeer.py ports                   free ports: SIP RTP UAC UAS
    sippeer.py run CONSOLE SIP UAC UAS [TIMEOUT]

`run` waits for "CALLTEST_READY" in the guest's console file, then
  1. sip_to_fxs: INVITE sip:201@127.0.0.1:SIP from UAC; the phone (farend)
     answers, both send tones, the phone hangs up: expects a BYE;
  2. fxo_to_sip: waits on UAS for the INVITE of the FXO port's call
     (target sip:100@10.0.2.2:UAS), answers, both send tones, sends BYE;
  3. fxs_to_sip: the same for the call the phone on FXS port 2 dials
     (100, by DTMF).
Prints figures indented and "PASS name" / "FAIL name" lines.
"""
import math
import os
import random
import re
import select
import socket
import sys
import time
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # G.711 (Python 3.11, Debian 12)

HOST_SEEN = "10.0.2.2"  # this host, as the guest sees it
RMS_0DBM0 = 16140.6      # dsp/level.h
SEND_HZ, SEND_DBM0 = 2004.0, -10.0
WANT_HZ, WANT_DBM0 = 1004.0, -10.0

LOG = None


def log(what, msg):
    if LOG:
        LOG.write("%.3f %s\n%s\n" % (time.monotonic(), what, msg))
        LOG.flush()


def say(line):
    print(line, flush=True)


def result(name, ok, counts):
    say("%s %s" % ("PASS" if ok else "FAIL", name))
    counts[0 if ok else 1] += 1


def free_ports():
    """SIP (with RTP..RTP+3 free too), RTP, UAC, UAS: UDP on 127.0.0.1."""
    socks, out = [], []

    def grab(port=0):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        socks.append(s)
        return s.getsockname()[1]

    for _ in range(100):
        base = random.randrange(21000, 30000, 4)
        try:
            for p in range(base, base + 4):
                grab(p)
            break
        except OSError:
            for s in socks:
                s.close()
            socks.clear()
    sip = grab()
    out = [sip, base, grab(), grab()]
    for s in socks:
        s.close()
    return out


# --- SIP ---------------------------------------------------------------

def parse(data):
    text = data.decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = []
    for ln in lines[1:]:
        if ln[:1] in (" ", "\t") and hdrs:
            hdrs[-1] = (hdrs[-1][0], hdrs[-1][1] + " " + ln.strip())
        elif ":" in ln:
            k, v = ln.split(":", 1)
            hdrs.append((k.strip().lower(), v.strip()))
    short = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
             "l": "content-length", "c": "content-type"}
    hdrs = [(short.get(k, k), v) for k, v in hdrs]
    m = {"start": lines[0], "hdrs": hdrs, "body": body}
    w = lines[0].split(" ", 2)
    if w[0] == "SIP/2.0":
        m["code"] = int(w[1])
    else:
        m["method"], m["uri"] = w[0], w[1]
    return m


def hdr(m, name):
    for k, v in m["hdrs"]:
        if k == name:
            return v
    return None


def hdrs_all(m, name):
    out = []
    for k, v in m["hdrs"]:
        if k == name:
            out += [x.strip() for x in re.split(r",(?![^<]*>)", v)] if k == "via" else [v]
    return out


def uri_hostport(v):
    """host, port of the URI in a Contact/To value or a bare URI."""
    mm = re.search(r"sips?:(?:[^@;>]*@)?([^:;>]+)(?::(\d+))?", v)
    return mm.group(1), int(mm.group(2) or 5060)


def contact_uri(v):
    """The URI of a Contact value (name-addr or addr-spec)."""
    mm = re.search(r"<([^>]*)>", v)
    return mm.group(1) if mm else v.split(";")[0].strip()


def build(start, headers, body=""):
    out = [start] + ["%s: %s" % kv for kv in headers]
    out.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(out) + "\r\n\r\n" + body).encode()


def response(req, code, reason, to_tag=None, contact=None, body=""):
    h = [("Via", v) for v in hdrs_all(req, "via")]
    to = hdr(req, "to")
    if to_tag and "tag=" not in to:
        to += ";tag=" + to_tag
    h += [("From", hdr(req, "from")), ("To", to), ("Call-ID", hdr(req, "call-id")),
          ("CSeq", hdr(req, "cseq"))]
    if contact:
        h.append(("Contact", contact))
    if body:
        h.append(("Content-Type", "application/sdp"))
    return build("SIP/2.0 %d %s" % (code, reason), h, body)


def sdp(rtp_port):
    return ("v=0\r\no=- %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
            "a=sendrecv\r\n" % (random.randrange(1 << 30), HOST_SEEN, HOST_SEEN,
                                rtp_port))


def sdp_dest(body):
    c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    m = re.search(r"^m=audio (\d+)", body, re.M)
    return (c.group(1), int(m.group(1))) if c and m else None


def branch():
    return "z9hG4bK-%08x" % random.randrange(1 << 32)


class UA:
    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.port = port

    def send(self, data, dest):
        log("-> %s:%d" % dest, data.decode(errors="replace"))
        self.sock.sendto(data, dest)

    def recv(self, timeout):
        r, _, _ = select.select([self.sock], [], [], max(0, timeout))
        if not r:
            return None, None
        data, src = self.sock.recvfrom(65536)
        log("<- %s:%d" % src, data.decode(errors="replace"))
        return parse(data), src


# --- RTP ---------------------------------------------------------------

class Media:
    """One PCMU stream: send our tone every 20 ms to dest, record what comes."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.dest = None
        self.seq = random.randrange(1 << 16)
        self.ts = random.randrange(1 << 32)
        self.ssrc = random.randrange(1 << 32)
        self.phase = 0.0
        self.next = None
        self.rx = bytearray()
        self.rx_packets = 0
        self.rx_from = set()
        self.tx_packets = 0

    def _frame(self):
        peak = RMS_0DBM0 * math.sqrt(2) * 10 ** (SEND_DBM0 / 20)
        w = 2 * math.pi * SEND_HZ / 8000
        pcm = bytearray()
        for i in range(160):
            pcm += int(round(peak * math.sin(self.phase + w * i))).to_bytes(
                2, "little", signed=True)
        self.phase = (self.phase + w * 160) % (2 * math.pi)
        return audioop.lin2ulaw(bytes(pcm), 2)

    def service(self, until):
        """Send and receive until the monotonic time `until` or a SIP
        socket is readable (returns then)."""
        while True:
            now = time.monotonic()
            if self.dest and self.next is None:
                self.next = now
            if self.dest and now >= self.next:
                hdr = bytes([0x80, 0x80 if self.tx_packets == 0 else 0]) + \
                    self.seq.to_bytes(2, "big") + self.ts.to_bytes(4, "big") + \
                    self.ssrc.to_bytes(4, "big")
                self.sock.sendto(hdr + self._frame(), self.dest)
                self.tx_packets += 1
                self.seq = (self.seq + 1) & 0xffff
                self.ts = (self.ts + 160) & 0xffffffff
                self.next += 0.02
            wake = min(until, self.next) if self.next else until
            r, _, _ = select.select([self.sock] + self.extra, [], [],
                                    max(0, wake - time.monotonic()))
            if self.sock in r:
                data, src = self.sock.recvfrom(2048)
                if len(data) > 12 and data[1] & 0x7f == 0:
                    cc = data[0] & 0x0f
                    self.rx += data[12 + 4 * cc:]
                    self.rx_packets += 1
                    self.rx_from.add(src)
            if any(s in r for s in self.extra) or time.monotonic() >= until:
                return

    def analyse(self):
        """Level (dBm0) and frequency (Hz) of the received tone: 1 s of
        it, 200 ms after it started (blocks above -40 dBm0)."""
        pcm = audioop.ulaw2lin(bytes(self.rx), 2)
        n = len(pcm) // 2
        s = [int.from_bytes(pcm[2 * i:2 * i + 2], "little", signed=True)
             for i in range(n)]
        start = None
        for b in range(n // 160):
            blk = s[b * 160:(b + 1) * 160]
            rms = math.sqrt(sum(x * x for x in blk) / 160)
            if rms > RMS_0DBM0 * 10 ** (-40 / 20):
                start = b * 160
                break
        if start is None:
            return -99.0, 0.0, 0
        seg = s[start + 1600:start + 1600 + 8000]
        if len(seg) < 4000:
            return -99.0, 0.0, len(seg)
        rms = math.sqrt(sum(x * x for x in seg) / len(seg))
        lvl = 20 * math.log10(max(rms, 1e-9) / RMS_0DBM0)
        # the median of 100 ms windows: a packet lost or repeated by a
        # slow guest (qemu TCG) shifts the phase in one window only
        freqs = []
        for w in range(0, len(seg) - 799, 800):
            first = last = None
            crossings = 0
            for i in range(w + 1, w + 800):
                if seg[i - 1] < 0 <= seg[i]:
                    t = i - 1 + -seg[i - 1] / (seg[i] - seg[i - 1])
                    first = t if first is None else first
                    last = t
                    crossings += 1
            if crossings > 1:
                freqs.append((crossings - 1) * 8000 / (last - first))
        freqs.sort()
        freq = freqs[len(freqs) // 2] if freqs else 0.0
        return lvl, freq, len(seg)


def tone_ok(lvl, freq):
    return abs(lvl - WANT_DBM0) <= 1.0 and abs(freq - WANT_HZ) <= WANT_HZ * 0.01


# --- the calls ---------------------------------------------------------

def wait_console(path, pattern, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
            if pattern in text:
                return True
            if "CALLTEST_RC=" in text or "reboot: " in text:
                return False
        except OSError:
            pass
        time.sleep(0.2)
    return False


def call_sip_to_fxs(sip_port, uac, counts):
    gw = ("127.0.0.1", sip_port)
    media = Media()
    media.extra = [uac.sock]
    callid = "%08x@sippeer" % random.randrange(1 << 32)
    tag = "%08x" % random.randrange(1 << 32)
    me = "<sip:peer@%s:%d>" % (HOST_SEEN, uac.port)
    ruri = "sip:201@127.0.0.1:%d" % sip_port
    inv = build("INVITE %s SIP/2.0" % ruri, [
        ("Via", "SIP/2.0/UDP %s:%d;rport;branch=%s" % (HOST_SEEN, uac.port, branch())),
        ("Max-Forwards", "70"), ("From", me + ";tag=" + tag),
        ("To", "<%s>" % ruri), ("Call-ID", callid), ("CSeq", "1 INVITE"),
        ("Contact", me), ("Content-Type", "application/sdp")], sdp(media.port))
    t0 = time.monotonic()
    uac.send(inv, gw)
    ok200, ringing, resend = None, None, t0 + 0.5
    got_any = False
    while time.monotonic() - t0 < 20 and not ok200:
        m, _ = uac.recv(0.1)
        if not m:
            if not got_any and time.monotonic() > resend:
                uac.send(inv, gw)
                resend = time.monotonic() + 1.0
            continue
        got_any = True
        if m.get("code") == 180 and ringing is None:
            ringing = time.monotonic() - t0
        elif m.get("code", 0) >= 200 and "INVITE" in hdr(m, "cseq"):
            ok200 = m
    if not ok200 or ok200["code"] != 200:
        say("  peer: INVITE 201: %s" % (ok200["start"] if ok200 else "no final answer in 20 s"))
        result("call_sip_fxs_answered", False, counts)
        return
    answered = time.monotonic() - t0
    contact = hdr(ok200, "contact")
    dest = sdp_dest(ok200["body"])
    chost, cport = uri_hostport(contact)
    say("  peer: INVITE 201: 180 after %.2f s, 200 after %.2f s; Contact %s, SDP %s:%d"
        % (ringing or -1, answered, contact, dest[0] if dest else "?",
           dest[1] if dest else 0))
    to = hdr(ok200, "to")
    ack = build("ACK %s SIP/2.0" % contact_uri(contact), [
        ("Via", "SIP/2.0/UDP %s:%d;rport;branch=%s" % (HOST_SEEN, uac.port, branch())),
        ("Max-Forwards", "70"), ("From", me + ";tag=" + tag), ("To", to),
        ("Call-ID", callid), ("CSeq", "1 ACK")])
    uac.send(ack, (chost, cport))
    result("call_sip_fxs_answered", dest is not None and chost == "127.0.0.1", counts)
    media.dest = dest
    # talk until the gateway's BYE (the phone hangs up after ~3.5 s)
    bye_at = None
    end = time.monotonic() + 20
    while time.monotonic() < end and bye_at is None:
        media.service(end)
        m, src = uac.recv(0)
        if not m:
            continue
        if m.get("code") == 200 and "INVITE" in hdr(m, "cseq"):
            uac.send(ack, (chost, cport))  # our ACK was lost
        elif m.get("method") == "BYE":
            uac.send(response(m, 200, "OK"), src)
            bye_at = time.monotonic() - t0 - answered
        elif m.get("method") and m["method"] != "ACK":
            uac.send(response(m, 200, "OK"), src)
    media.dest = None
    lvl, freq, n = media.analyse()
    say("  peer: sent %d packets of %.0f Hz at %.1f dBm0; received %d packets from %s;"
        " heard %.2f dBm0 at %.2f Hz (phone sends %.0f Hz at %.1f dBm0)"
        % (media.tx_packets, SEND_HZ, SEND_DBM0, media.rx_packets,
           ",".join("%s:%d" % a for a in sorted(media.rx_from)) or "-",
           lvl, freq, WANT_HZ, WANT_DBM0))
    say("  peer: BYE from the gateway %.2f s after the answer" % (bye_at or -1))
    result("call_sip_fxs_audio_phone_to_sip", tone_ok(lvl, freq), counts)
    result("call_sip_fxs_phone_hangup_bye", bye_at is not None, counts)


def call_to_sip(uas, counts, timeout, name, source):
    """A call from the gateway (FXO port ringing or phone dialling 100)."""
    media = Media()
    media.extra = [uas.sock]
    t0 = time.monotonic()
    inv = src = None
    while time.monotonic() - t0 < timeout and not inv:
        m, s = uas.recv(0.5)
        if m and m.get("method") == "INVITE":
            inv, src = m, s
    if not inv:
        say("  peer: no INVITE from the %s within %d s" % (source, timeout))
        result(name + "_invite", False, counts)
        return
    dest = sdp_dest(inv["body"])
    contact = hdr(inv, "contact")
    chost, cport = uri_hostport(contact)
    say("  peer: INVITE %s from %s:%d, From %s, Contact %s, SDP %s:%d"
        % (inv["uri"], src[0], src[1], hdr(inv, "from"), contact,
           dest[0] if dest else "?", dest[1] if dest else 0))
    result(name + "_invite", dest is not None and chost == "127.0.0.1"
           and inv["uri"].startswith("sip:100@"), counts)
    tag = "%08x" % random.randrange(1 << 32)
    me = "<sip:100@%s:%d>" % (HOST_SEEN, uas.port)
    uas.send(response(inv, 180, "Ringing", tag, me), src)
    media.service(time.monotonic() + 0.5)
    ok = response(inv, 200, "OK", tag, me, sdp(media.port))
    uas.send(ok, src)
    media.dest = dest
    t_ans = time.monotonic()
    acked, resend, t1 = False, t_ans + 0.5, 0.5
    while time.monotonic() - t_ans < 4.5:
        media.service(min(resend, t_ans + 4.5) if not acked else t_ans + 4.5)
        m, s = uas.recv(0)
        if m and m.get("method") == "ACK":
            acked = True
        elif m and m.get("method") == "BYE":
            uas.send(response(m, 200, "OK"), s)
            say("  peer: the gateway hung up first")
            break
        elif m and m.get("method") == "INVITE":
            uas.send(ok, s)  # retransmission
        if not acked and time.monotonic() >= resend:
            uas.send(ok, src)
            t1 = min(t1 * 2, 4)
            resend = time.monotonic() + t1
    # we hang up
    bye = build("BYE %s SIP/2.0" % contact_uri(contact), [
        ("Via", "SIP/2.0/UDP %s:%d;rport;branch=%s" % (HOST_SEEN, uas.port, branch())),
        ("Max-Forwards", "70"), ("From", hdr(inv, "to") + ";tag=" + tag),
        ("To", hdr(inv, "from")), ("Call-ID", hdr(inv, "call-id")),
        ("CSeq", "1 BYE")])
    media.dest = None
    uas.send(bye, (chost, cport))
    t_bye, ok_bye, resend = time.monotonic(), None, time.monotonic() + 0.5
    while time.monotonic() - t_bye < 8 and ok_bye is None:
        m, s = uas.recv(0.1)
        if m and m.get("code") and "BYE" in hdr(m, "cseq"):
            ok_bye = m["code"]
        elif m and m.get("method") == "BYE":
            uas.send(response(m, 200, "OK"), s)
        elif not m and time.monotonic() > resend:
            uas.send(bye, (chost, cport))
            resend = time.monotonic() + 1
    lvl, freq, n = media.analyse()
    say("  peer: ACK %s; sent %d packets of %.0f Hz at %.1f dBm0; received %d packets from %s;"
        " heard %.2f dBm0 at %.2f Hz (%s sends %.0f Hz at %.1f dBm0); BYE -> %s"
        % ("received" if acked else "missing", media.tx_packets, SEND_HZ, SEND_DBM0,
           media.rx_packets, ",".join("%s:%d" % a for a in sorted(media.rx_from)) or "-",
           lvl, freq, source, WANT_HZ, WANT_DBM0, ok_bye))
    result(name + "_audio_to_sip", acked and tone_ok(lvl, freq), counts)
    result(name + "_bye", ok_bye == 200, counts)


def main():
    global LOG
    if len(sys.argv) == 2 and sys.argv[1] == "ports":
        print(*free_ports())
        return 0
    if len(sys.argv) < 6 or sys.argv[1] != "run":
        print(__doc__, file=sys.stderr)
        return 2
    console, sip, uac_port, uas_port = sys.argv[2], *map(int, sys.argv[3:6])
    timeout = int(sys.argv[6]) if len(sys.argv) > 6 else 200
    counts = [0, 0]
    LOG = open(os.path.join(os.path.dirname(os.path.abspath(console)), "sippeer.log"), "w")
    uac, uas = UA(uac_port), UA(uas_port)
    if not wait_console(console, "CALLTEST_READY", timeout):
        say("  peer: the guest never reported CALLTEST_READY")
        result("call_guest_ready", False, counts)
        return 1
    call_sip_to_fxs(sip, uac, counts)
    call_to_sip(uas, counts, 30, "call_fxo_sip", "CO")
    call_to_sip(uas, counts, 30, "call_fxs_sip", "phone")
    return 1 if counts[1] else 0


if __name__ == "__main__":
    sys.exit(main())
