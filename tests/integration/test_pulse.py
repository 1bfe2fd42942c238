# SPDX-License-Identifier: GPL-2.0-or-later
"""Rotary (pulse) dialling on FXS ports: the simulated phone dials with
its hook at 8 to 12 pulses per second and 58 to 64 % break; the card
(hw/sim.c, as DAHDI's driver does) counts the pulses into digits, and the
gateway routes the number to SIP like a DTMF-dialled one."""
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXS1, FXS2, Rig, free_udp, free_udp_even

NUMBER = "109"  # one pulse, ten, nine: the extremes of a digit
RATES = [(8, 58), (8, 64), (12, 58), (12, 64)]  # the corners


def test_pulse_dialling_8_to_12_pps(tmp):
    """For each corner of 8-12 pulses/s and 58-64 % break, a phone goes
    off-hook, hears dial tone, pulse-dials 109; the INVITE reaches the SIP
    peer with 109 as request-URI user; the phone hangs up; all idle. The
    two phones take turns."""
    peer = free_udp()
    results = []
    with Rig(tmp, peer_port=peer, canceller=False) as r:
        for i, (pps, brk) in enumerate(RATES):
            port = (FXS1, FXS2)[i % 2]
            name = "pulse%d" % i
            u = sipp(tmp, "uas_check_ruri.xml", "", NUMBER, peer,
                     media_port=free_udp_even(), extra=["-rtp_echo"],
                     name=name, limit=60)
            time.sleep(0.5)
            r.ls.cmd("offhook %d" % port)
            wait_until(lambda: r.ls.cmd("hears %d" % port)["tone"] == "dial",
                       5, what="dial tone on phone %d" % port)
            t0 = time.monotonic()
            r.ls.cmd("pulse %d %s %d %d" % (port, NUMBER, pps, brk))
            fxs = "fxs%d" % port
            wait_until(lambda: r.gw.port_state(fxs) in ("calling", "talking"),
                       30, what="%s to call (pulses %d/s, %d %% break)"
                       % (fxs, pps, brk))
            dt = time.monotonic() - t0
            r.gw.wait_port(fxs, "talking", 10)
            r.ls.cmd("onhook %d" % port)
            rc = u.wait(15)
            msgs = sipp_messages(tmp, name)
            assert rc == 0, "SIPp UAS failed (%s):\n%s\n%s" % (
                rc, u.text()[-2000:], msgs[:2000])
            ok = ("INVITE sip:%s@" % NUMBER) in msgs
            results.append((pps, brk, ok, dt))
            assert ok, msgs[:2000]
            r.gw.assert_all_idle(10)
        log = r.gw.log()
    for pps, brk, ok, dt in results:
        print("%2d pps, %d %% break: dialled %s -> INVITE sip:%s (%s), "
              "%.1f s from the first pulse to the INVITE"
              % (pps, brk, NUMBER, NUMBER, "ok" if ok else "WRONG", dt))
    digits = log.count("rotary digit")
    print("rotary digits logged by the gateway: %d (expected %d)"
          % (digits, len(NUMBER) * len(RATES)))
    assert digits == len(NUMBER) * len(RATES), digits
