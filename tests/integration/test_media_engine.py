# SPDX-License-Identifier: GPL-2.0-or-later
"""Media engine (gateway/media.c) end to end: a fax call switches its
channel to the voice-band-data profile (the gateway logs each fax tone
with its direction) and the media thread still makes no heap call while
it does."""
import os
import re

from gwtest import alloccount_env, alloccount_result, wait_until
from test_calls import Rig, FXS1, free_udp
from test_fax import fax_line_to_sip


def test_media_vbd_fax_never_allocates(tmp):
    """The phone on port 1 sends a 3-page fax to the SIP fax peer, with
    the heap-call counter on the media thread (tests/alloccount.c). The
    first fax tone (the peer's CED, "fax/modem tone ANS from the network
    ... voice-band data") switches the call to VBD once; the fax arrives
    intact and the media thread made no malloc/free through detection,
    the switch and the fax itself."""
    env = alloccount_env(tmp)
    log = fax_line_to_sip(tmp, extra_env=env)
    tones = [(m.group(1), m.group(2), "voice-band data" in m.group(0))
             for m in re.finditer(r"fax/modem tone (\S+(?: preamble)?) from the "
                                  r"(line|network)[^\n]*", log)]
    print("VBD events: %s" % ["%s from the %s%s" % (t, d, " (switch)" if s else "")
                              for t, d, s in tones])
    assert tones, "no fax/modem tone logged:\n" + log[-3000:]
    assert sum(1 for t in tones if t[2]) == 1 and tones[0][2], \
        "expected one switch to VBD, on the first tone: %s" % tones
    # the answering peer's CED; the line's CNG if the sender sends one
    assert ("ANS", "network") in [(t, d) for t, d, _ in tones], tones
    got = alloccount_result(tmp)
    print("media thread through a fax call: %s" % got)
    assert got == "allocs=0 frees=0", got


def test_rtp_timeout_hangs_up(tmp):
    """sip.rtp_timeout_s = 3: SIPp calls the milliwatt line 91004 and
    sends no RTP (nor RTCP); 3 s after the answer the gateway hangs up
    (BYE, which SIPp's scenario waits for), says why, and the line goes
    back on-hook."""
    import time
    from peers import sipp
    from test_calls import FXO1, free_udp_even

    def edit(text):
        return text.replace("rtp_ports =", "rtp_timeout_s = 3;\n\trtp_ports =", 1)
    with Rig(tmp, conf_edit=edit) as r:
        u = sipp(tmp, "uac_far_hangup.xml", r.uri, "91004", free_udp(),
                 media_port=free_udp_even(), limit=40)
        r.gw.wait_port("fxo1", "talking", 10)
        t0 = time.monotonic()
        rc = u.wait(20)
        dt = time.monotonic() - t0
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        log = r.gw.log()
        m = re.search(r"no RTP or RTCP from the network for (\d+) s", log)
        assert m and m.group(1) == "3", log[-2000:]
        print("hung up %.1f s after the answer: %s" % (dt, m.group(0)))
        assert 2.5 <= dt <= 6.0, dt
        r.gw.assert_all_idle()
        assert r.ls.status(FXO1)["hook"] == "onhook"


def test_hold_suspends_rtp_timeout(tmp):
    """sip.rtp_timeout_s = 2, and the SIP side sends no RTP nor RTCP: SIPp
    calls the milliwatt line 91004, holds the call 1 s after the answer
    (re-INVITE a=sendonly, answered a=recvonly), keeps it held for 4 s
    (twice the limit: the call must survive, and the gateway sends no RTP
    while held), resumes it (a=sendrecv) and then gets the gateway's BYE
    about 2 s later, the limit counted afresh from the resume. RTP from
    the gateway is recorded on our own socket: packets before the hold,
    none while held, packets again after the resume, the first with the
    marker."""
    import socket
    import threading
    import time
    from peers import sipp
    from test_calls import FXO1

    def edit(text):
        return text.replace("rtp_ports =", "rtp_timeout_s = 2;\n\trtp_ports =", 1)
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    rtp.settimeout(0.1)
    got, stop = [], threading.Event()

    def record():
        while not stop.is_set():
            try:
                data = rtp.recv(2048)
            except socket.timeout:
                continue
            if len(data) >= 12 and data[0] >> 6 == 2:
                got.append((time.monotonic(), bool(data[1] & 0x80)))
    th = threading.Thread(target=record, daemon=True)
    th.start()
    try:
        with Rig(tmp, conf_edit=edit) as r:
            u = sipp(tmp, "uac_hold_resume.xml", r.uri, "91004", free_udp(),
                     extra=["-key", "rtp_port", str(rtp.getsockname()[1])],
                     limit=40)
            r.gw.wait_port("fxo1", "talking", 10)
            rc = u.wait(30)
            assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
            log = r.gw.log()
            t = {}
            for what in ("held", "resumed"):
                m = re.search(r"%s by the peer \((\w+)\)" % what, log)
                assert m, "no '%s' in the log:\n%s" % (what, log[-3000:])
                print(m.group(0))
            m = re.search(r"no RTP or RTCP from the network for (\d+) s", log)
            assert m and m.group(1) == "2", log[-2000:]
            r.gw.assert_all_idle()
            assert r.ls.status(FXO1)["hook"] == "onhook"
    finally:
        stop.set()
        th.join(2)
        rtp.close()
    # the hold and the resume, from the recorded stream: the longest gap
    assert len(got) > 100, len(got)
    gaps = [(got[i + 1][0] - got[i][0], i + 1) for i in range(len(got) - 1)]
    gap, at = max(gaps)
    before, after = at, len(got) - at
    print("RTP from the gateway: %d packets before the hold, none for %.2f s, "
          "%d after the resume (marker on the first: %s)"
          % (before, gap, after, got[at][1]))
    assert 3.5 <= gap <= 5.0, gap
    assert before >= 40 and after >= 50, (before, after)
    assert got[at][1], "no marker on the first packet after the resume"
    # nothing else paused the stream
    assert sorted(g for g, _ in gaps)[-2] < 0.2, sorted(g for g, _ in gaps)[-5:]


def test_fax_tone_reinvites_to_g711(tmp):
    """baresip calls a line (91005) with G.722 first, which the gateway
    takes (sip.codecs G722 first); a fax machine answers on the line
    (2100 Hz): the gateway switches the call to voice-band data and
    re-INVITEs baresip to G.711; baresip accepts PCMU, the status shows
    it, and the tone goes on in PCMU on the wire."""
    import time
    from peers import Baresip, tone_wav
    from test_calls import FXO1

    def edit(text):
        return text.replace("rtp_ports =",
                            'codecs = [ "G722", "PCMU", "PCMA" ];\n\trtp_ports =', 1)
    from gwtest import analyze
    from test_calls import _ulaw_decode as _ulaw
    from test_rfc4733 import Capture
    cap = Capture(tmp)
    b = None
    try:
        with Rig(tmp, conf_edit=edit) as r:
            b = Baresip(tmp, "alice", "aufile," + tone_wav(os.path.join(tmp, "q.wav"), 300, -60, 20),
                        seconds=20, dial="sip:91005@" + r.uri,
                        codecs="G722/16000/1,PCMU/8000/1", modules=["g722.so"])
            r.gw.wait_port("fxo1", "talking", 10)
            c = list(r.gw.status()["calls"].values())[0]
            assert c["codec"] == "G722", c
            gw_rtp = int(c["rtp"])
            r.ls.cmd("play %d tone 2100 -12" % FXO1)
            wait_until(lambda: list(r.gw.status()["calls"].values())[0]["codec"]
                       == "PCMU", 8, what="the codec to become PCMU")
            time.sleep(1.5)
            log = r.gw.log()
            for want in ("voice-band data", "re-INVITE to G.711",
                         "re-INVITE answered: PCMU from now on"):
                assert want in log, want + " not in:\n" + log[-3000:]
            print([l for l in log.splitlines() if "re-INVITE" in l or
                   "voice-band" in l])
            b.stop()
            r.gw.assert_all_idle(10)
        # baresip's recorder stops at its decoder switch: look at the
        # gateway's PCMU packets on the wire instead
        pcmu = cap.payloads(gw_rtp, 0)
        assert pcmu is not None, "no packet capture"
        x = [_ulaw(v) for pl in pcmu[-25:] for v in pl]
        f, l = analyze(x, 8000, 0, 0.4)
        print("after the re-INVITE: %d PCMU packets from the gateway, "
              "%d Hz at %.1f dBm0" % (len(pcmu), f, l))
        assert len(pcmu) >= 25, len(pcmu)
        assert abs(f - 2100) <= 40 and abs(l + 12) <= 3, (f, l)
    finally:
        if b:
            b.stop()
        cap.stop()


def test_fax_tone_reinvites_srtp_call(tmp):
    """The same on an SRTP call (baresip srtp-mand, G.722 first): the
    gateway's re-INVITE to G.711 offers RTP/SAVP with the key in use
    (RFC 4568 §7.1.4); baresip accepts PCMU, and afterwards every SRTP
    packet of baresip's still authenticates at the gateway (a new key of
    baresip's would have been taken into the receive context) while PCMU
    packets keep coming from the gateway (RTP header in the clear)."""
    import time
    from peers import Baresip, tone_wav
    from test_calls import FXO1
    from test_rfc4733 import Capture

    def edit(text):
        return text.replace("rtp_ports =",
                            'codecs = [ "G722", "PCMU", "PCMA" ];\n\trtp_ports =', 1)
    cap = Capture(tmp)
    b = None
    try:
        with Rig(tmp, conf_edit=edit) as r:
            b = Baresip(tmp, "alice", "aufile," + tone_wav(os.path.join(tmp, "q.wav"), 300, -60, 20),
                        seconds=20, dial="sip:91005@" + r.uri,
                        codecs="G722/16000/1,PCMU/8000/1",
                        modules=["g722.so", "srtp.so"], account=";mediaenc=srtp-mand")
            r.gw.wait_port("fxo1", "talking", 10)
            c = list(r.gw.status()["calls"].values())[0]
            assert c["codec"] == "G722" and c.get("srtp", "-") != "-", c
            gw_rtp = int(c["rtp"])
            r.ls.cmd("play %d tone 2100 -12" % FXO1)
            wait_until(lambda: list(r.gw.status()["calls"].values())[0]["codec"]
                       == "PCMU", 8, what="the codec to become PCMU")
            c1 = list(r.gw.status()["calls"].values())[0]
            time.sleep(2.0)
            c2 = list(r.gw.status()["calls"].values())[0]
            log = r.gw.log()
            for want in ("voice-band data", "re-INVITE to G.711",
                         "re-INVITE answered: PCMU from now on"):
                assert want in log, want + " not in:\n" + log[-3000:]
            print("after the switch: rx %s -> %s, srtp=%s auth_fail %s -> %s; %s"
                  % (c1["rx"], c2["rx"], c2["srtp"], c1["srtp_auth_fail"],
                     c2["srtp_auth_fail"],
                     "peer's new key taken" if "peer's new key" in log
                     else "keys kept"))
            assert int(c2["rx"]) - int(c1["rx"]) >= 80, (c1, c2)
            assert c2["srtp_auth_fail"] == "0", c2
            b.stop()
            r.gw.assert_all_idle(10)
        pcmu = cap.count(gw_rtp, 0)
        assert pcmu is not None, "no packet capture"
        print("%d SRTP packets with PT 0 from the gateway after the switch"
              % pcmu)
        assert pcmu >= 50, pcmu
        bl = b.proc.text()
        bad = [l for l in bl.splitlines() if "srtp" in l.lower() and
               ("fail" in l.lower() or "error" in l.lower())]
        assert not bad, bad[:5]
    finally:
        if b:
            b.stop()
        cap.stop()
