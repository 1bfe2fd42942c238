# SPDX-License-Identifier: GPL-2.0-or-later
"""SRTP with SDES keys (RFC 4568) against baresip's srtp module, both
ways: the audio gets through encrypted, a plain offer is refused when
SRTP is mandatory, and packets that fail authentication are dropped and
counted without ending the call."""
import os
import re
import socket
import struct
import time

from gwtest import assert_tone, read_wav, wait_until
from peers import Baresip, tone_wav
from test_calls import Rig, fxo_call_both_ways


def srtp_mode(mode):
    def edit(text):
        return text.replace('rtp_ports =', 'srtp = "%s";\n\trtp_ports =' % mode, 1)
    return edit


def send_spoofed(src_port, dst_port, count):
    """UDP packets to 127.0.0.1:dst_port that claim to come from
    127.0.0.1:src_port (raw socket: needs CAP_NET_RAW, as CI has)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    try:
        for i in range(count):
            payload = bytes([0x80, 0]) + (40000 + i).to_bytes(2, "big") + \
                bytes(8) + os.urandom(170)
            hdr = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0)
            s.sendto(hdr + payload, ("127.0.0.1", 0))
    finally:
        s.close()
    return count


def call_status(r):
    calls = r.gw.status()["calls"]
    return list(calls.values())[0] if calls else None


def test_srtp_sip_to_line(tmp):
    """baresip (mediaenc=srtp-mand: RTP/SAVP with AES_CM_128_HMAC_SHA1_80
    first) calls the milliwatt line 91004 (sip.srtp optional, the
    default): the gateway answers with SRTP; baresip hears 1004 Hz at
    -10 dBm0 and reports SRTP; forged packets from baresip's own address
    fail authentication, are counted, and the call goes on."""
    with Rig(tmp) as r:
        quiet = tone_wav(os.path.join(tmp, "quiet.wav"), 300, -60, 9)
        b = Baresip(tmp, "alice", "aufile," + quiet, seconds=9,
                    dial="sip:91004@" + r.uri, modules=["srtp.so"],
                    account=";mediaenc=srtp-mand")
        c = wait_until(lambda: (call_status(r) or {}).get("state") == "talking"
                       and call_status(r), 10, what="the call to be answered")
        assert c.get("srtp", "-") != "-", c
        # forged SRTP packets from the latched address (baresip's RTP
        # port, spoofed with a raw socket): right source, wrong key
        host, port = c["remote"].rsplit(":", 1)
        time.sleep(1.0)
        forged = send_spoofed(int(port), int(c["rtp"]), 20)
        time.sleep(0.5)
        c2 = call_status(r)
        print("status after %d forged packets: srtp=%s auth_fail=%s"
              % (forged, c2.get("srtp"), c2.get("srtp_auth_fail")))
        assert c2["state"] == "talking", c2
        b.wait(30)
        r.gw.assert_all_idle()  # the call's figures are logged by then
        log = r.gw.log()
        assert "SRTP AES_CM_128_HMAC_SHA1_80" in log, log[-2000:]
        sr, x = read_wav(b.recording())
        f, l = assert_tone(x, sr, 1004, -10.0, skip=len(x) / sr - 2.0, dur=1.0,
                           what="1004 line through SRTP")
        print("SRTP call: 1004 line at the SIP side: %d Hz, %.1f dBm0" % (f, l))
        bl = b.proc.text()
        assert re.search(r"srtp.*(Enabled|enabled)", bl), bl[-2000:]
        m = re.search(r"SRTP: protected (\d+) RTP, accepted (\d+) RTP, "
                      r"(\d+) failed authentication, (\d+) replayed", log)
        assert m, log[-2000:]
        print(m.group(0), "(forged from the peer's address: %d)" % forged)
        assert int(m.group(1)) > 300 and int(m.group(2)) > 300, m.group(0)
        assert int(m.group(3)) >= forged, m.group(0)
        assert int(c2["srtp_auth_fail"]) >= forged, c2
        r.gw.assert_all_idle()


def test_srtp_line_to_sip_mandatory(tmp):
    """sip.srtp = "mandatory": the exchange rings FXO port 3; the gateway
    offers RTP/SAVP with three suites to baresip (srtp-mand), which
    answers; audio both ways through SRTP."""
    b = Baresip(tmp, "bob", "aufile," + tone_wav(os.path.join(tmp, "1k.wav"), 1000, -10, 20),
                account=";answermode=auto;mediaenc=srtp-mand", seconds=30,
                modules=["srtp.so"])
    try:
        with Rig(tmp, peer_port=b.sip_port, fxo_target_user="bob",
                 conf_edit=srtp_mode("mandatory")) as r:
            st = fxo_call_both_ways(tmp, r, b, " through SRTP")
            log = r.gw.log()
        print("status: srtp=%s" % st.get("srtp"))
        assert re.search(r"SRTP (AES_CM_128_HMAC_SHA1_80|AES_CM_128_HMAC_SHA1_32|"
                         r"AEAD_AES_128_GCM)", log), log[-2000:]
    finally:
        b.stop()


def test_srtp_mandatory_refuses_plain(tmp):
    """sip.srtp = "mandatory": a plain RTP/AVP offer gets 488 and the
    gateway says why."""
    with Rig(tmp, conf_edit=srtp_mode("mandatory")) as r:
        b = Baresip(tmp, "alice", "aufile," + tone_wav(os.path.join(tmp, "q.wav"), 300, -60, 3),
                    seconds=4, dial="sip:91004@" + r.uri)
        b.wait(15)
        log = r.gw.log()
        assert "plain RTP offered, SRTP required" in log, log[-2000:]
        assert "488" in log, log[-2000:]
        r.gw.assert_all_idle()
