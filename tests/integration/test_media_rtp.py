# SPDX-License-Identifier: GPL-2.0-or-later
"""The RTP side's details with a Python RTP endpoint on a call to the 1000
echo line: packet times asked by a=ptime (10 to 60 ms), comfort noise
(RFC 3389) received and played at its level, and DSCP EF on our packets."""
import math
import re
import socket
import struct
import time

from gwtest import analyze, level_dbm0, wait_until
from peers import sipp, sipp_messages
from test_calls import Rig, _ulaw_decode, _ulaw_encode, free_udp

IP_RECVTOS = getattr(socket, "IP_RECVTOS", 13)


class Endpoint:
    """Our RTP socket: sends PCMU (or CN), receives with the IP TOS."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.s.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
        self.s.settimeout(0.005)
        self.port = self.s.getsockname()[1]
        self.seq, self.ts, self.got = 1000, 5000, []

    def send_tone(self, gw, n, freq=1000, level=-10):
        amp = 16140.6 * math.sqrt(2) * 10 ** (level / 20)
        pl = bytes(_ulaw_encode(amp * math.sin(2 * math.pi * freq * (n * 160 + i) / 8000))
                   for i in range(160))
        self.send(gw, 0, pl, 160)

    def send(self, gw, pt, payload, samples):
        self.s.sendto(struct.pack("!BBHII", 0x80, pt, self.seq, self.ts, 0x4321)
                      + payload, gw)
        self.seq, self.ts = self.seq + 1, self.ts + samples

    def pump(self):
        try:
            data, anc, _, src = self.s.recvmsg(2048, socket.CMSG_SPACE(4))
        except socket.timeout:
            return
        tos = None
        for level, typ, d in anc:
            if level == socket.IPPROTO_IP and typ == socket.IP_TOS:
                tos = d[0]
        self.got.append((time.monotonic(), data, tos))


def call(tmp, r, ep, fmts="0", attr="a=sendrecv", ms=6000):
    u = sipp(tmp, "uac_media.xml", r.uri, "91000", free_udp(),
             extra=["-d", str(ms), "-key", "rtp_port", str(ep.port),
                    "-key", "fmts", fmts, "-key", "attr", attr],
             name="media", limit=30)
    r.gw.wait_port("fxo1", "talking", 10)
    m = wait_until(lambda: re.search(r"SIP/2.0 200 OK.*?(m=audio (\d+) [^\r\n]*)",
                                     sipp_messages(tmp, "media"), re.S), 5,
                   what="200 OK with SDP in SIPp's log")
    return u, ("127.0.0.1", int(m.group(2))), m.group(1)


def run_for(ep, gw, seconds, send=True):
    t0, n = time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        if send and time.monotonic() - t0 >= n * 0.02:
            ep.send_tone(gw, n)
            n += 1
        ep.pump()


def test_ptime_10_to_60(tmp):
    """a=ptime:10 in the offer: our packets carry 80 samples (timestamp
    +80), 100 per second; a=ptime:30: 240 samples, 33 per second; 40 and
    60 ms likewise (two and three card frames gathered per packet); the
    echoed 1000 Hz tone is intact each time; DSCP EF (46) on them."""
    for ptime in (10, 30, 40, 60):
        ep = Endpoint()
        with Rig(tmp, canceller=False) as r:
            u, gw, mline = call(tmp, r, ep, attr="a=ptime:%d" % ptime, ms=4000)
            run_for(ep, gw, 3.0)
            rc = u.wait(15)
            assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
            r.gw.assert_all_idle()
        pk = ep.got[10:]
        hdrs = [struct.unpack("!BBHII", d[:12]) for _, d, _ in pk]
        sizes = {len(d) - 12 for _, d, _ in pk}
        steps = {(b[3] - a[3]) % 2 ** 32 for a, b in zip(hdrs, hdrs[1:])}
        rate = (len(pk) - 1) / (pk[-1][0] - pk[0][0])
        x = [_ulaw_decode(b) for _, d, _ in pk[-40:] for b in d[12:]]
        f, l = analyze(x, 8000, 0, 0.5)
        tos = {t for _, _, t in pk}
        print("ptime %d: payload %s bytes, timestamp steps %s, %.1f packets/s, "
              "echo %d Hz %.1f dBm0, TOS %s" % (ptime, sorted(sizes), sorted(steps),
                                                 rate, f, l, sorted(tos)))
        assert sizes == {ptime * 8}, sizes
        assert steps == {ptime * 8}, steps
        assert abs(rate - 1000 / ptime) < 1000 / ptime * 0.1, rate
        assert abs(f - 1000) <= 20 and abs(l + 10) <= 3, (f, l)
        assert tos == {46 << 2}, tos


def test_comfort_noise_played(tmp):
    """The peer offers PCMU + CN: our answer has CN; the peer sends 1 s of
    tone, then only CN packets at -50 dBov (every 200 ms, RFC 3389 style):
    the line (the echo line sends it back) gets noise at about -50 dBov
    (-46.8 dBm0) instead of silence."""
    ep = Endpoint()
    with Rig(tmp, canceller=False) as r:
        u, gw, mline = call(tmp, r, ep, fmts="0 13", ms=5000)
        assert re.search(r" 0 13\b|\b13\b", mline), "CN not in the answer: " + mline
        run_for(ep, gw, 1.0)
        t0, k = time.monotonic(), 0
        while time.monotonic() - t0 < 2.5:
            if time.monotonic() - t0 >= k * 0.2:
                ep.send(gw, 13, bytes([50]), 1600)
                k += 1
            ep.pump()
        st = r.gw.status()
        rc = u.wait(15)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle()
    # what came back in the last second of the CN phase
    t_end = ep.got[-1][0]
    x = [_ulaw_decode(b) for t, d, _ in ep.got if t_end - 1.2 < t < t_end - 0.2
         for b in d[12:]]
    l = level_dbm0(x)
    print("CN at -50 dBov sent: the line echoes %.1f dBm0 back (expected -46.8)" % l)
    assert abs(l - (-46.8)) <= 3.0, l
