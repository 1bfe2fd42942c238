# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end calls through every layer on the simulated card: real SIP
peers (baresip for audio, SIPp for signalling) <-> copperline <->
copperline-linesim (phones and the test exchange)."""
import math
import os
import re
import socket
import struct
import time

from gwtest import (analyze, assert_tone, level_dbm0, read_wav,
                    speech_like, wait_until, write_wav)
from peers import Baresip, GwRig, sipp, sipp_messages, tone_wav

FXS1, FXS2, FXO1, FXO2 = 1, 2, 3, 4


def no_canceller(text):
    for t in ('type = "fxo";', 'type = "fxs";'):
        text = text.replace(t, t + " echo_canceller = false;")
    return text


class Rig(GwRig):
    """linesim + gateway, stopped (and checked) at the end of a test."""

    def __init__(self, tmp, peer_port=5070, canceller=True, **kw):
        """canceller=False turns the echo canceller off on every port: the
        loop-around lines (1000, the phones' echo, a peer's -rtp_echo) send
        back what they hear, and a steady tone looped back is exactly what
        a line echo canceller is there to remove."""
        if not canceller:
            kw["conf_edit"] = no_canceller
        super().__init__(tmp, peer_port=peer_port, **kw)


def test_sip_to_fxo_milliwatt(tmp):
    """baresip calls 91004: the gateway seizes an FXO port, waits for dial
    tone, dials 1004; the exchange's 1004 Hz at -10 dBm0 reaches the SIP
    side; baresip hangs up; every port ends idle."""
    with Rig(tmp) as r:
        silence = tone_wav(os.path.join(tmp, "quiet.wav"), 300, -60, 8)
        b = Baresip(tmp, "alice", "aufile," + silence, seconds=10, dial="sip:91004@" + r.uri)
        wait_until(lambda: r.ls.status(FXO1).get("dialled") == "1004", 10,
                   what="the exchange to receive 1004")
        wait_until(lambda: r.gw.port_state("fxo1") == "talking", 10,
                   what="fxo1 talking")
        b.wait(20)
        sr, x = read_wav(b.recording())
        # the line answers ~2 s after the INVITE (dial tone + 4 digits)
        f, l = assert_tone(x, sr, 1004, -10.0, skip=len(x) / sr - 2.0, dur=1.0,
                           what="1004 line heard by the SIP caller")
        print("1004 line at the SIP side: %d Hz, %.1f dBm0" % (f, l))
        r.gw.assert_all_idle()


def test_sip_to_fxo_echo(tmp):
    """baresip sends 1000 Hz at -10 dBm0 to the 1000 echo line; what comes
    back has the same frequency (+-2 %) and level (+-3 dB)."""
    with Rig(tmp, canceller=False) as r:
        wav = tone_wav(os.path.join(tmp, "1k.wav"), 1000, -10, 8)
        b = Baresip(tmp, "alice", "aufile," + wav, seconds=10, dial="sip:91000@" + r.uri)
        b.wait(20)
        sr, x = read_wav(b.recording())
        f, l = assert_tone(x, sr, 1000, -10.0, skip=len(x) / sr - 2.0, dur=1.0,
                           what="echo of the caller's tone")
        print("echo of 1000 Hz / -10 dBm0: %d Hz, %.1f dBm0" % (f, l))
        assert r.ls.status(FXO1)["dialled"] == "1000"
        r.gw.assert_all_idle()


def test_sip_to_fxo_far_end_hangs_up(tmp):
    """SIPp calls 91004 (183 early media, 200 on the line's answer); the
    exchange hangs up (busy tone and loop-current drop): the gateway sends
    BYE, puts the line on-hook, and every port ends idle."""
    with Rig(tmp) as r:
        u = sipp(tmp, "uac_far_hangup.xml", r.uri, "91004", free_udp(),
                 media_port=free_udp_even(), limit=40)
        r.gw.wait_port("fxo1", "talking", 10)
        time.sleep(1)
        r.ls.cmd("hangup %d" % FXO1)
        rc = u.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        assert "loop current drop" in r.gw.log()
        r.gw.assert_all_idle()
        assert r.ls.status(FXO1)["hook"] == "onhook"


def test_sip_to_fxo_busy_line(tmp):
    """91486 rings twice then gives busy tone without answering: the
    gateway detects the busy cadence and answers the INVITE 486."""
    with Rig(tmp) as r:
        u = sipp(tmp, "uac_expect_busy.xml", r.uri, "91486", free_udp(),
                 media_port=free_udp_even(), limit=40)
        rc = u.wait(30)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        assert "busy tone" in r.gw.log()
        r.gw.assert_all_idle()


def test_fxs_to_sip(tmp):
    """The phone on port 1 goes off-hook, hears dial tone, dials 5551234;
    after the inter-digit timeout the INVITE reaches the SIP peer with
    5551234 as request-URI user; the phone hears ringback on 180, then
    its own tone echoed by the peer; the phone hangs up: BYE, all idle."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, canceller=False) as r:
        u = sipp(tmp, "uas_check_ruri.xml", "", "5551234", peer,
                 media_port=free_udp_even(), extra=["-rtp_echo"], limit=60)
        time.sleep(0.5)
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone on the phone")
        r.ls.cmd("dial %d 5551234" % FXS1)
        r.gw.wait_port("fxs1", "calling", 10)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "ringback", 5,
                   what="ringback on the phone")
        r.gw.wait_port("fxs1", "talking", 10)
        rec = os.path.join(tmp, "phone1.wav")
        r.ls.cmd("play %d tone 1000 -10" % FXS1)
        r.ls.cmd("record %d %s" % (FXS1, rec))
        time.sleep(3)
        r.ls.cmd("record %d stop" % FXS1)
        r.ls.cmd("onhook %d" % FXS1)
        rc = u.wait(15)
        assert rc == 0, "SIPp UAS failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], sipp_messages(tmp, "uas_check_ruri")[:2000])
        assert "INVITE sip:5551234@" in sipp_messages(tmp, "uas_check_ruri")
        sr, x = read_wav(rec)
        f, l = assert_tone(x, sr, 1000, -10.0, skip=len(x) / sr - 1.5, dur=1.0,
                           what="phone's tone echoed by the SIP peer")
        print("phone -> SIP echo -> phone: %d Hz, %.1f dBm0" % (f, l))
        r.gw.assert_all_idle()


def test_sip_to_fxs(tmp):
    """baresip calls extension 201: the phone rings, answers (auto, after
    one ring) and echoes; baresip hears its own 1000 Hz back; baresip
    hangs up: the phone hears reorder and hangs up; all idle."""
    with Rig(tmp, canceller=False) as r:
        r.ls.cmd("auto %d on 1" % FXS1)
        wav = tone_wav(os.path.join(tmp, "1k.wav"), 1000, -10, 8)
        b = Baresip(tmp, "alice", "aufile," + wav, seconds=10,
                    dial="sip:201@" + r.uri)
        r.gw.wait_port("fxs1", "ringing", 5)
        wait_until(lambda: int(r.ls.status(FXS1)["rings"]) >= 1, 5,
                   what="the phone to ring")
        r.gw.wait_port("fxs1", "talking", 10)
        b.wait(20)
        sr, x = read_wav(b.recording())
        f, l = assert_tone(x, sr, 1000, -10.0, skip=len(x) / sr - 2.0, dur=1.0,
                           what="the phone's echo at the SIP side")
        print("SIP -> phone echo -> SIP: %d Hz, %.1f dBm0" % (f, l))
        # the phone hears reorder and hangs up by itself (auto mode)
        r.gw.assert_all_idle(15)


def fxo_call_both_ways(tmp, r, b, what=""):
    """The exchange rings FXO port 3 with 700 Hz at -10 dBm0 from the
    caller; the gateway calls baresip `b` (answering, sending 1000 Hz at
    -10 dBm0); 3 s of audio both ways; the caller hangs up; all idle.
    Checks each side hears the other's tone; returns the call's status
    line as it was while talking."""
    rec = os.path.join(tmp, "caller.wav")
    r.ls.cmd("play %d tone 700 -10" % FXO1)
    r.ls.cmd("call %d" % FXO1)
    r.gw.wait_port("fxo1", "talking", 10)
    st = list(r.gw.status()["calls"].values())[0]
    r.ls.cmd("record %d %s" % (FXO1, rec))
    time.sleep(3)
    r.ls.cmd("record %d stop" % FXO1)
    r.ls.cmd("hangup %d" % FXO1)
    r.gw.assert_all_idle(10)
    assert r.ls.status(FXO1)["hook"] == "onhook"
    sr, x = read_wav(rec)
    f, l = assert_tone(x, sr, 1000, -10.0, skip=len(x) / sr - 1.5, dur=1.0,
                       what="SIP side's tone heard by the PSTN caller" + what)
    print("SIP -> PSTN caller%s: %d Hz, %.1f dBm0" % (what, f, l))
    b.stop()
    sr, x = read_wav(b.recording())
    # the call lasted ~3 s; look at its middle
    f, l = assert_tone(x, sr, 700, -10.0, skip=1.5, dur=1.0,
                       what="PSTN caller's tone heard at the SIP side" + what)
    print("PSTN caller -> SIP%s: %d Hz, %.1f dBm0 (%d Hz file)" % (what, f, l, sr))
    return st


def test_fxo_to_sip(tmp):
    """The exchange rings FXO port 3: the gateway calls the port's SIP
    target; baresip answers; the gateway answers the line; audio both
    ways; the caller hangs up (loop-current drop): BYE; all idle."""
    # the port's target is baresip: start it first to know its port
    b = Baresip(tmp, "bob", "aufile," + tone_wav(os.path.join(tmp, "1k.wav"), 1000, -10, 20),
                account=";answermode=auto", seconds=30)
    try:
        with Rig(tmp, peer_port=b.sip_port, fxo_target_user="bob") as r:
            fxo_call_both_ways(tmp, r, b)
    finally:
        b.stop()


def test_untrusted_source_rejected(tmp):
    """An INVITE from 127.0.0.2 (not in the trusted list) gets 403 and
    seizes no port."""
    with Rig(tmp) as r:
        u = sipp(tmp, "uac_expect_reject.xml", r.uri, "91004", free_udp(),
                 media_port=free_udp_even(), extra=["-i", "127.0.0.2", "-mi", "127.0.0.2"],
                 limit=20)
        rc = u.wait(15)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        assert "untrusted source 127.0.0.2" in r.gw.log()
        assert r.ls.status(FXO1)["dialled"] == ""
        assert r.ls.status(FXO1)["hook"] == "onhook"
        r.gw.assert_all_idle()
        assert r.gw.status()["text"].count("0 calls total") == 1


def test_four_ports_in_calls(tmp):
    """All four ports in calls at once (two SIP->FXO, two SIP->FXS), held
    for 10 s, on two media threads (card.media_threads = 2: channels 1
    and 3 on the first, 2 and 4 on the second): every port talking, four
    channels bridged, no late media period, and no heap call on either
    media thread (tests/alloccount.c); prints the media threads' CPU."""
    from gwtest import alloccount_env, alloccount_result

    def two_threads(text):
        return text.replace('device = "";', 'device = "";\n\tmedia_threads = 2;', 1)
    with Rig(tmp, conf_edit=two_threads, extra_env=alloccount_env(tmp)) as r:
        r.ls.cmd("auto %d on 1" % FXS1)
        r.ls.cmd("auto %d on 1" % FXS2)
        calls = []
        for svc in ("91000", "91004", "201", "202"):
            mp = free_udp_even()
            calls.append(sipp(tmp, "uac_hold.xml", r.uri, svc, free_udp(),
                              media_port=mp, name="hold-" + svc,
                              extra=["-d", "14000", "-rtp_echo",
                                     "-key", "rtp_port", str(mp)], limit=60))
        def all_talking():
            st = r.gw.status()
            return all(p["state"] == "talking" for p in st["ports"].values())
        wait_until(all_talking, 15, what="all four ports talking")
        time.sleep(10)
        st = r.gw.status()
        print(st["text"])
        assert st["media"]["threads"] == "2", st["text"]
        assert st["media"]["bridged"] == "4", st["text"]
        assert st["media"]["late"] == "0", st["text"]
        print("media threads' CPU with 4 ports in calls: %s of one core, "
              "longest period %s us" % (st["media"]["cpu"], st["media"]["busy_max_us"]))
        for u in calls:
            rc = u.wait(30)
            assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle(15)
    got = alloccount_result(tmp)
    print("both media threads through four calls: %s" % got)
    assert got == "allocs=0 frees=0", got


def free_udp():
    from gwtest import free_port
    return free_port()


def free_udp_even():
    from peers import free_udp_pair
    return free_udp_pair()


def _ulaw_encode(v):
    v = max(-32635, min(32635, int(v)))
    sign = 0x80 if v < 0 else 0
    v = abs(v) + 0x84
    exp = 7
    while exp > 0 and not (v & (0x4000 >> (7 - exp))):
        exp -= 1
    mant = (v >> (exp + 3)) & 0x0f
    return ~(sign | exp << 4 | mant) & 0xff


def _ulaw_decode(b):
    b = ~b & 0xff
    v = (((b & 0x0f) << 3) + 0x84) << ((b & 0x70) >> 4)
    return (0x84 - v) if b & 0x80 else (v - 0x84)


def test_rtp_stream_and_symmetric_latch(tmp):
    """A Python RTP endpoint on the SIP side of a call to the 1000 echo
    line: the gateway's packets have version 2, PCMU, one SSRC, sequence
    +1 and timestamp +160 per packet, the marker on the first only, one
    every 20 ms; the tone we send comes back (symmetric RTP, answered to
    our source); packets injected from another address are dropped and
    counted, and never reach the line."""
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    rtp.settimeout(0.05)
    port = rtp.getsockname()[1]
    with Rig(tmp, canceller=False) as r:
        u = sipp(tmp, "uac_hold.xml", r.uri, "91000", free_udp(),
                 extra=["-d", "6000", "-key", "rtp_port", str(port)],
                 name="rtp", limit=30)
        r.gw.wait_port("fxo1", "talking", 10)
        sdp = wait_until(lambda: re.search(r"SIP/2.0 200 OK.*?m=audio (\d+) RTP/AVP 0",
                                           sipp_messages(tmp, "rtp"), re.S), 5,
                         what="200 OK with SDP in SIPp's log")
        gw_rtp = ("127.0.0.1", int(sdp.group(1)))
        evil = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        evil.bind(("127.0.0.1", 0))
        pkts, echo = [], []
        seq, ts, t0 = 1000, 5000, time.monotonic()
        n = 0
        while time.monotonic() - t0 < 3.0:
            # 20 ms of 1000 Hz at -10 dBm0 per packet, paced by the clock
            if time.monotonic() - t0 >= n * 0.02:
                amp = 16140.6 * math.sqrt(2) * 10 ** (-10 / 20)
                pl = bytes(_ulaw_encode(amp * math.sin(2 * math.pi * 1000 * (n * 160 + i) / 8000))
                           for i in range(160))
                rtp.sendto(struct.pack("!BBHII", 0x80, 0, seq, ts, 0x1234) + pl, gw_rtp)
                if n > 10:  # after latching: an injected 400 Hz packet
                    bad = bytes(_ulaw_encode(8000 * math.sin(2 * math.pi * 400 * i / 8000))
                                for i in range(160))
                    evil.sendto(struct.pack("!BBHII", 0x80, 0, seq, ts, 0x1234) + bad, gw_rtp)
                seq, ts, n = seq + 1, ts + 160, n + 1
            try:
                data, src = rtp.recvfrom(2048)
            except socket.timeout:
                continue
            assert src == gw_rtp, "RTP from %s, SDP said %s" % (src, gw_rtp)
            pkts.append((time.monotonic(), data))
        st = r.gw.status()
        rc = u.wait(15)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle()
    assert len(pkts) > 120, "only %d packets in 3 s" % len(pkts)
    hdrs = [struct.unpack("!BBHII", d[:12]) for _, d in pkts]
    assert all(h[0] == 0x80 for h in hdrs), "version/padding/extension/CC"
    assert all(h[1] & 0x7f == 0 for h in hdrs), "payload type not PCMU"
    assert len({h[4] for h in hdrs}) == 1, "SSRC changed"
    assert hdrs[0][1] & 0x80, "no marker on the first packet"
    assert not any(h[1] & 0x80 for h in hdrs[1:]), "marker after the first packet"
    for a, b in zip(hdrs, hdrs[1:]):
        assert (b[2] - a[2]) % 65536 == 1, "sequence %d -> %d" % (a[2], b[2])
        assert (b[3] - a[3]) % 2 ** 32 == 160, "timestamp %d -> %d" % (a[3], b[3])
    assert all(len(d) == 172 for _, d in pkts), "payload is not 20 ms"
    span = pkts[-1][0] - pkts[0][0]
    rate = (len(pkts) - 1) / span
    assert abs(rate - 50) < 3, "%.1f packets/s" % rate
    # the echo line sends our tone back; the injected 400 Hz never shows
    x = [_ulaw_decode(b) for _, d in pkts[-50:] for b in d[12:]]
    f, l = analyze(x, 8000, 0, 0.5)
    assert abs(f - 1000) <= 20 and abs(l + 10) <= 3, "echo: %d Hz %.1f dBm0" % (f, l)
    foreign = [int(c["foreign"]) for c in st["calls"].values() if "foreign" in c]
    assert foreign and foreign[0] > 50, "injected packets not counted: %s" % st["text"]
    print("RTP: %d packets, %.1f/s, echo %d Hz %.1f dBm0, %d injected dropped"
          % (len(pkts), rate, f, l, foreign[0]))


def test_media_thread_never_allocates(tmp):
    """With a shim counting heap calls made on the media thread (named
    gw-media), a gateway runs calls in both directions with audio: the
    media thread makes no malloc/calloc/realloc/free call at all."""
    import subprocess
    from gwtest import SRCDIR
    so = os.path.join(tmp, "alloccount.so")
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", so,
                    os.path.join(SRCDIR, "tests", "alloccount.c")], check=True)
    counts = os.path.join(tmp, "counts")
    env = dict(os.environ, LD_PRELOAD=so, ALLOCCOUNT_FILE=counts)
    peer = free_udp()
    with Rig(tmp, peer_port=peer, extra_env=env) as r:
        # SIP -> FXO (echo line) with audio both ways
        wav = tone_wav(os.path.join(tmp, "1k.wav"), 1000, -10, 4)
        b = Baresip(tmp, "alice", "aufile," + wav, seconds=6,
                    dial="sip:91000@" + r.uri)
        # FXS -> SIP at the same time
        u = sipp(tmp, "uas_check_ruri.xml", "", "555", peer,
                 media_port=free_udp_even(), extra=["-rtp_echo"], limit=40)
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone")
        r.ls.cmd("dial %d 555" % FXS1)
        r.gw.wait_port("fxs1", "talking", 12)
        r.ls.cmd("play %d tone 700 -10" % FXS1)
        b.wait(15)
        r.ls.cmd("onhook %d" % FXS1)
        assert u.wait(15) == 0, u.text()[-2000:]
        r.gw.assert_all_idle()
        ticks = int(r.gw.status()["media"]["ticks"])
    with open(counts) as f:
        lines = [l.split(" ", 1) for l in f.read().splitlines()]
    got = [rest for prog, rest in lines if prog == "copperline"]
    assert len(got) == 1, "no count from copperline: %r" % lines
    print("media thread over %d periods with calls: %s" % (ticks, got[0]))
    assert got[0] == "allocs=0 frees=0", got[0]


def test_fxs_tone_zone(tmp):
    """A port configured for another tone zone gives that zone's tones: a
    phone on a "de" port hears 425 Hz dial tone, one on the default "us"
    port 350+440 Hz."""
    edit = lambda t: t.replace('extension = "201";', 'extension = "201"; zone = "de";')
    with Rig(tmp, conf_edit=edit) as r:
        r.ls.cmd("offhook %d" % FXS1)
        r.ls.cmd("offhook %d" % FXS2)
        wait_until(lambda: r.gw.port_state("fxs1") == "dialtone", 5, what="fxs1 dial tone")
        time.sleep(1.0)
        de = r.ls.cmd("hears %d" % FXS1)
        us = r.ls.cmd("hears %d" % FXS2)
        print("dial tone: de %s Hz %s dBm0, us %s Hz %s dBm0 (tone=%s)"
              % (de["freq"], de["level"], us["freq"], us["level"], us["tone"]))
        assert abs(int(de["freq"]) - 425) <= 5, de["_reply"]
        assert abs(float(de["level"]) + 10) <= 1.5, de["_reply"]
        assert us["tone"] == "dial" and int(us["freq"]) in (350, 440), us["_reply"]
        r.ls.cmd("onhook %d" % FXS1)
        r.ls.cmd("onhook %d" % FXS2)
        r.gw.assert_all_idle()
