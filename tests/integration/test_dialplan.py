# SPDX-License-Identifier: GPL-2.0-or-later
"""The dial plan ends a phone's dialling as soon as it is sure: a number
that a pattern (or regex) route takes as a whole is dialled at once,
without waiting for the digit timeout; a number no route can take gets
reorder at once."""
import re
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXS1, FXS2, Rig, free_udp, free_udp_even


def plan(text):
    # phones: 555 and four digits by pattern, 0 and four digits by regex,
    # to the same SIP peer as demo.conf's phone route
    m = re.search(r'\{ from = "fxs"; prefix = ""; to = "([^"]+)"; \}', text)
    assert m, "demo.conf's phone route not found"
    return text.replace(m.group(0),
                        '{ from = "fxs"; regex = "0[1-9][0-9]{3}"; to = "%s"; },\n'
                        '\t{ from = "fxs"; pattern = "_555XXXX"; to = "%s"; }'
                        % (m.group(1), m.group(1)))


def test_dialplan_ends_dialling(tmp):
    """demo.conf's phone route becomes two: pattern _555XXXX and regex
    0[1-9][0-9]{3} (digit timeout 3 s). Phone 1 dials 5551234 by DTMF:
    the INVITE for 5551234 leaves as the last digit is heard, long before
    the timeout would end the dialling. Phone 2 dials 03012 by rotary
    dial: the same through the regex. Then phone 1 dials 7: no route can
    ever take it, and it hears reorder at once."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=plan) as r:
        for port, number, how in ((FXS1, "5551234", "dial"),
                                  (FXS2, "03012", "pulse")):
            name = "plan%d" % port
            u = sipp(tmp, "uas_check_ruri.xml", "", number, peer,
                     media_port=free_udp_even(), extra=["-rtp_echo"],
                     name=name, limit=60)
            time.sleep(0.5)
            r.ls.cmd("offhook %d" % port)
            wait_until(lambda: r.ls.cmd("hears %d" % port)["tone"] == "dial",
                       5, what="dial tone on phone %d" % port)
            r.ls.cmd("%s %d %s" % (how, port, number))
            # the phone's dialling ends when its last digit does
            wait_until(lambda: r.ls.status(port)["source"] not in ("dtmf", "pulse"),
                       15, what="the phone to finish dialling")
            t_end = time.monotonic()
            fxs = "fxs%d" % port
            wait_until(lambda: r.gw.port_state(fxs) in ("calling", "talking"),
                       10, what="%s to call" % fxs)
            dt = time.monotonic() - t_end
            print("%s %s by %s: INVITE %.2f s after the last digit "
                  "(digit timeout 3 s)" % (fxs, number, how, dt))
            assert dt < 1.5, dt
            r.gw.wait_port(fxs, "talking", 10)
            r.ls.cmd("onhook %d" % port)
            rc = u.wait(15)
            assert rc == 0, "SIPp UAS failed (%s):\n%s" % (rc, u.text()[-2000:])
            assert ("INVITE sip:%s@" % number) in sipp_messages(tmp, name)
            r.gw.assert_all_idle(10)
        # no route can take 7...
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone")
        t0 = time.monotonic()
        r.ls.cmd("dial %d 7" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "congestion",
                   5, what="reorder on the phone")
        print("dialled 7: reorder after %.2f s" % (time.monotonic() - t0))
        assert time.monotonic() - t0 < 2.0
        log = r.gw.log()
        assert "dialled 7: no route can match: reorder" in log, log[-2000:]
        assert log.count("a route matches: no wait") == 2, log[-3000:]
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)
