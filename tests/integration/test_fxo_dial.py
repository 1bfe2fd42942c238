# SPDX-License-Identifier: GPL-2.0-or-later
"""FXO ports dialling out by loop-disconnect pulses, and hook-flash relayed
from SIP: SIPp calls 9 + a test number; the gateway seizes fxo1, waits for
dial tone and pulse-dials the number (the simulated card times each break
and make to the sample, hw/hookseq.h); the test exchange decodes the
pulses (linesim/co.c) and reports the number and the breaks, makes and
inter-digit pauses it measured. Hook-flash: SIP INFO (application/
hook-flash and application/dtmf-relay Signal=hf) and RFC 4733 event 16
make a timed flash the exchange measures."""
import os
import re
import struct
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXO1, Rig, free_udp, free_udp_even

SIPP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sipp")
NUMBER = "1005"  # 1, 10, 10 and 5 breaks; the exchange answers it at once
RATES = [(10, 60), (8, 64), (12, 58)]


def fxo1_edit(extra):
    def edit(text):
        return text.replace('{ name = "fxo1"; channel = 3; type = "fxo";',
                            '{ name = "fxo1"; channel = 3; type = "fxo"; '
                            + extra, 1)
    return edit


def span(v):
    lo, hi = v.split("-")
    return float(lo), float(hi)


def test_fxo_pulse_dialling(tmp):
    """For 10 pps 60 %, 8 pps 64 % and 12 pps 58 % break: SIPp calls
    91005 on fxo1 with dial_mode pulse; the exchange receives 1005 as 4
    pulse digits, and every break and make it measured is within 0.5 ms of
    1000/pps * break % (and the rest); the pause between digits is the
    configured 700 ms; the call is answered and ends when the exchange
    hangs up."""
    rows = []
    for pps, brk in RATES:
        conf = fxo1_edit('dial_mode = "pulse"; pulse_pps = %d; '
                         'pulse_break_pct = %d; pulse_interdigit_ms = 700;'
                         % (pps, brk))
        name = "pulse%d" % pps
        with Rig(tmp, conf_edit=conf) as r:
            u = sipp(tmp, "uac_far_hangup.xml", r.uri, "9" + NUMBER,
                     free_udp(), media_port=free_udp_even(), name=name,
                     limit=60)
            r.gw.wait_port("fxo1", "talking", 30)
            st = r.ls.status(FXO1)
            r.ls.cmd("hangup %d" % FXO1)
            rc = u.wait(20)
            assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
            r.gw.assert_all_idle()
            log = r.gw.log()
        assert "pulse-dialling %s (%d pps, %d %% break" % (NUMBER, pps, brk) \
            in log, log[-3000:]
        assert st["dialled"] == NUMBER, st
        assert st["pulse_digits"] == "4", st
        b_lo, b_hi = span(st["break_ms"])
        m_lo, m_hi = span(st["make_ms"])
        pause = float(st["pause_ms"])
        want_b = 1000.0 / pps * brk / 100
        want_m = 1000.0 / pps - want_b
        rows.append((pps, brk, want_b, b_lo, b_hi, want_m, m_lo, m_hi,
                     pause))
        for v in (b_lo, b_hi):
            assert abs(v - want_b) <= 0.5, (pps, brk, st)
        for v in (m_lo, m_hi):
            assert abs(v - want_m) <= 0.5, (pps, brk, st)
        assert abs(pause - 700) <= 0.5, st
    for (pps, brk, wb, b_lo, b_hi, wm, m_lo, m_hi, pause) in rows:
        print("%2d pps %d %%: exchange got %s; break %.1f-%.1f ms (want "
              "%.1f), make %.1f-%.1f ms (want %.1f), pause %.1f ms"
              % (pps, brk, NUMBER, b_lo, b_hi, wb, m_lo, m_hi, wm, pause))



def test_fxo_flash_from_sip_info(tmp):
    """SIPp calls 91005 and, once answered, sends INFO application/
    hook-flash, then INFO application/dtmf-relay Signal=hf (both answered
    200) and a text/plain INFO (415): the exchange sees two hook-flashes
    of the port's flash_ms (the us zone's default, 600 ms, within 1 ms),
    and the call goes on until SIPp's BYE."""
    with Rig(tmp) as r:
        u = sipp(tmp, "uac_info_flash.xml", r.uri, "91005", free_udp(),
                 media_port=free_udp_even(), name="info", limit=60)
        rc = u.wait(40)
        msgs = sipp_messages(tmp, "info")
        assert rc == 0, "SIPp failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], msgs[-3000:])
        r.gw.assert_all_idle()
        st = r.ls.status(FXO1)
        log = r.gw.log()
    assert st["flashes"] == "2", st
    assert abs(float(st["flash_ms"]) - 600) <= 1, st
    assert "hook-flash (SIP INFO hook-flash): on-hook for 600 ms" in log
    assert "hook-flash (SIP INFO dtmf-relay): on-hook for 600 ms" in log
    print("INFO hook-flash + dtmf-relay Signal=hf: 200, 200; text/plain: "
          "415; exchange saw %s flashes, last %s ms"
          % (st["flashes"], st["flash_ms"]))


def event_packets(seq, ts, ssrc, event, ms):
    """RFC 4733 packets of one event: every 20 ms a packet with the
    duration so far (marker on the first), then three with the E bit."""
    out = []
    dur = 0
    while dur < ms * 8:
        dur = min(dur + 160, ms * 8)
        end = dur >= ms * 8
        for _ in range(3 if end else 1):
            hdr = struct.pack("!BBHII", 0x80, (0x80 if not out else 0) | 101,
                              seq & 0xffff, ts, ssrc)
            out.append(hdr + struct.pack("!BBH", event,
                                         (0x80 if end else 0) | 10, dur))
            seq += 1
    return out


def test_fxo_flash_from_rtp_event_16(tmp):
    """SIPp calls 91005 with our own socket as its RTP address; once the
    gateway's RTP arrives there we send RFC 4733 event 16 (hook-flash,
    200 ms) back: the exchange sees one flash of flash_ms (configured
    300 ms here, within 1 ms); the call goes on until SIPp's BYE."""
    import socket
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.5)
    port = sock.getsockname()[1]
    try:
        with Rig(tmp, conf_edit=fxo1_edit("flash_ms = 300;")) as r:
            u = sipp(tmp, "uac_rtp_elsewhere.xml", r.uri, "91005",
                     free_udp(), media_port=free_udp_even(), name="ev16",
                     extra=["-set", "rtpport", str(port)], limit=60)
            gw_rtp = None
            deadline = time.monotonic() + 20
            while gw_rtp is None and time.monotonic() < deadline:
                try:
                    _, gw_rtp = sock.recvfrom(2048)
                except socket.timeout:
                    pass
            assert gw_rtp, "no RTP from the gateway"
            for i, pkt in enumerate(event_packets(1000, 160000, 0x1234abcd,
                                                  16, 200)):
                sock.sendto(pkt, gw_rtp)
                time.sleep(0.02 if i < 10 else 0)
            wait_until(lambda: r.ls.status(FXO1)["flashes"] == "1", 10,
                       what="the exchange to see the flash")
            st = r.ls.status(FXO1)
            rc = u.wait(30)
            assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
            r.gw.assert_all_idle()
            log = r.gw.log()
    finally:
        sock.close()
    assert abs(float(st["flash_ms"]) - 300) <= 1, st
    assert "hook-flash (RFC 4733 event 16): on-hook for 300 ms" in log
    print("RFC 4733 event 16 from %s -> gateway RTP %s:%d: exchange saw "
          "%s flash of %s ms" % (port, gw_rtp[0], gw_rtp[1],
                                  st["flashes"], st["flash_ms"]))


def test_card_gains_and_kernel_echo(tmp):
    """fxo1 with rx_gain_db = -6, tx_gain_db = 4 and echo_canceller =
    "kernel": the simulated card applies the gains (hw.h set_gains) and
    takes the canceller setting (set_echo; ours is off). baresip sends
    600 Hz at -20 dBm0 to 91004: the exchange hears it at -16 dBm0
    (+-1.5 dB); baresip hears the 1004 Hz line (-10 dBm0) at -16 dBm0."""
    from gwtest import assert_tone, read_wav
    from peers import Baresip, tone_wav
    conf = fxo1_edit('rx_gain_db = -6; tx_gain_db = 4.0; '
                     'echo_canceller = "kernel"; echo_tail_ms = 64;')
    with Rig(tmp, conf_edit=conf) as r:
        wav = tone_wav(os.path.join(tmp, "600.wav"), 600, -20, 10)
        b = Baresip(tmp, "alice", "aufile," + wav, seconds=8,
                    dial="sip:91004@" + r.uri)
        r.gw.wait_port("fxo1", "talking", 15)
        time.sleep(2)
        h = r.ls.cmd("hears %d" % FXO1)
        b.wait(20)
        sr, x = read_wav(b.recording())
        f, lvl = assert_tone(x, sr, 1004, -16.0, skip=len(x) / sr - 2.0,
                             dur=1.0, ltol=1.5,
                             what="1004 line through rx_gain_db -6")
        r.gw.assert_all_idle()
        log = r.gw.log()
    hf, hl = int(h["freq"]), float(h["level"])
    print("exchange hears %d Hz at %.1f dBm0 (sent -20, tx_gain_db +4); "
          "SIP side hears %d Hz at %.1f dBm0 (line -10, rx_gain_db -6)"
          % (hf, hl, f, lvl))
    assert abs(hf - 600) <= 12 and abs(hl - (-16)) <= 1.5, h
    assert "port fxo1: card gains rx -6.0 dB, tx +4.0 dB" in log
    assert "port fxo1: the card's echo canceller, 512 taps (ours off)" in log
    assert not re.search(r"fxo1 .*echo canceller: ERL", log), \
        "our canceller ran on fxo1"
