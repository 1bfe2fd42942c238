# SPDX-License-Identifier: GPL-2.0-or-later
"""JCLIP (NTT number display) start method end to end (issue 5): the CAR
handshake on an FXS port, with its timing, and its fallback.

Two FXS ports with callerid "jclip", phones behind them in
copperline-linesim, a SIPp caller for each:
  s1 (zone jp): the phone answers CAR (primary response: off-hook without
  ringing), decodes the number on the closed loop, goes on-hook; the
  normal ringing (jp: 1 s on / 2 s off) follows and the phone answers it.
  s2: the phone does not respond to CAR (`car 2 off`): after 6 s of CAR
  the gateway rings normally without the number; the phone answers by
  hand and the call completes.
The handshake in the FXO direction (the exchange's CAR, the gateway's
primary response, the number in the INVITE) is in test_callerid's matrix."""
import re
import time

from gwtest import Linesim, free_port, wait_until
from peers import Gateway, free_udp_pair, sipp

PORTS = """ports = (
\t{ name = "s1"; channel = 1; type = "fxs"; extension = "201";
\t  callerid = "jclip"; zone = "jp"; },
\t{ name = "s2"; channel = 2; type = "fxs"; extension = "202";
\t  callerid = "jclip"; }
);"""


def test_jclip_handshake_and_fallback(tmp):
    ls = Linesim(tmp, ports="fxs,fxs")
    gw = None
    figures = []
    try:
        gw = Gateway(tmp, ls, conf_edit=lambda t: re.sub(
            r"ports = \(.*?\n\);", PORTS, t, flags=re.S))
        gw.assert_all_idle(10)
        uri = "127.0.0.1:%d" % gw.sip_port
        ls.cmd("auto 1 on 1")
        ls.cmd("auto 2 off")
        ls.cmd("car 2 off")
        uacs = []
        t0 = time.monotonic()
        for p, num in ((1, "5550301"), (2, "5550302")):
            mp = free_udp_pair()
            uacs.append(sipp(tmp, "uac_cid.xml", uri, "20%d" % p,
                             free_port(), media_port=mp,
                             name="uac-jclip%d" % p,
                             extra=["-d", "1000", "-key", "from",
                                    '"Caller %d" <sip:%s@127.0.0.1>'
                                    % (p, num), "-key", "hdr1", "X-Pad: 1",
                                    "-key", "hdr2", "X-Pad: 2",
                                    "-key", "rtp_port", str(mp)],
                             limit=60))

        # s1: the number through the handshake, then the phone answers
        wait_until(lambda: ls.cmd("cid 1")["received"] != "0", 15,
                   what="s1: number received after CAR")
        t_num = time.monotonic() - t0
        r1 = ls.cmd("cid 1")
        wait_until(lambda: ls.status(1).get("state") == "offhook", 15,
                   what="s1: phone answers the ringing after the handshake")
        t_ans = time.monotonic() - t0
        r1b = ls.cmd("cid 1")

        # s2: no primary response -> normal ringing, no number
        wait_until(lambda: "no primary response" in gw.log(), 15,
                   what="s2: the gateway gives up CAR")
        t_fb = time.monotonic() - t0
        wait_until(lambda: int(ls.cmd("cid 2")["rings"]) >= 2, 15,
                   what="s2: normal ringing after CAR")
        r2 = ls.cmd("cid 2")
        ls.cmd("offhook 2")
        for u in uacs:
            u.wait(30)
        for p in (1, 2):
            ls.cmd("onhook %d" % p, check=False)
        gw.assert_all_idle(20)

        log = gw.log()
        hs = [l for l in log.splitlines() if "JCLIP handshake" in l]
        figures = [l.strip()[-170:] for l in log.splitlines()
                   if "JCLIP" in l]
        print("\nJCLIP, s1 (handshake): number %s method %s standard %s "
              "at %.1f s, CAR responses %s; answered the ringing at "
              "%.1f s, first ring %s ms (%s)" % (
                  r1["number"], r1["method"], r1["standard"], t_num,
                  r1["car_responses"], t_ans, r1b["cadence"],
                  r1b["pattern"]))
        print("JCLIP, s2 (fallback): CAR given up at %.1f s, rings %s, "
              "received %s, CAR responses %s" % (
                  t_fb, r2["rings"], r2["received"], r2["car_responses"]))
        assert r1["number"] == "5550301" and r1["method"] == "car" and \
            r1["standard"] == "jclip", r1["_reply"]
        assert r1["car_responses"] == "1", r1["_reply"]
        assert hs and "port s1" in hs[0], "no handshake figures for s1"
        m = re.search(r"primary response (\d+) ms after CAR began, "
                      r"data (\d+) ms after it", hs[0])
        assert m and 500 <= int(m.group(1)) <= 3000 and \
            50 <= int(m.group(2)) <= 1000, hs[0]
        assert r2["received"] == "0" and r2["car_responses"] == "0", \
            r2["_reply"]
        assert "port s2" in [l for l in log.splitlines()
                             if "no primary response" in l][0]
    finally:
        for f in figures:
            print("  " + f)
        if gw:
            gw.stop()
        ls.stop()
