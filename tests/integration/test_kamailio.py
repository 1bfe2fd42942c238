# SPDX-License-Identifier: GPL-2.0-or-later
"""Kamailio (Debian's kamailio 5.6) as a real registrar and stateful proxy
for the gateway's trunk: the trunk registers with digest authentication
(401), a callee (SIPp) registers its contact there too, and a phone on the
gateway calls that callee through the trunk: kamailio challenges the
INVITE (407), looks the callee up in its location table, record-routes,
and the phone's hang-up is relayed as BYE along the route set."""
import re
import time

from gwtest import Linesim, free_port, wait_until
from peers import Gateway, free_udp_pair, sipp, sipp_messages
from kamailio_peer import Kamailio

FXS1 = 1
CALLEE = "555"


def kam_trunk(kport):
    return """
trunks = (
	{ name = "kam"; proxy = [ "sip:127.0.0.1:%d" ]; domain = "kam.test";
	  username = "gw"; password = "trunkpw"; expires = 120; }
);
""" % kport


def _edit(section, route):
    def f(text):
        text = text.replace("routes = (\n", "routes = (\n\t%s,\n" % route, 1)
        return text + section
    return f


def _trunk_state(gw):
    rc, text = gw.ctl("trunks")
    assert rc == 0, "copperctl trunks failed (%d): %s" % (rc, text)
    for line in text.splitlines():
        w = line.split()
        if len(w) > 1 and w[0] == "trunk" and w[1] == "kam":
            return {k: v.strip('"') for k, v in
                    re.findall(r'(\w+)=("[^"]*"|\S+)', line)}
    return {}


def test_kamailio_trunk_register_and_call(tmp):
    """Trunk registration at kamailio with digest, then a phone -> trunk
    -> kamailio (407, location lookup) -> registered SIPp callee call,
    answered and torn down from the phone; kamailio's transactions all
    end and the gateway is idle afterwards."""
    kam = Kamailio(tmp, auth=True)
    ls = gw = uas = None
    try:
        # the callee: a SIPp UAS whose contact another SIPp registers
        uas_port = free_port()
        uas = sipp(tmp, "kam_uas_answer.xml", "", "x", uas_port,
                   media_port=free_udp_pair(), extra=["-rtp_echo"], limit=60)
        reg = sipp(tmp, "kam_reg.xml", "127.0.0.1:%d" % kam.port, CALLEE,
                   free_port(), extra=["-au", CALLEE, "-ap", "calleepw",
                                       "-key", "contact_port", str(uas_port)],
                   limit=30)
        rc = reg.wait(20)
        assert rc == 0, "callee REGISTER at kamailio failed (%s):\n%s\n%s" % (
            rc, reg.text()[-2000:], kam.log()[-2000:])

        ls = Linesim(tmp)
        t0 = time.monotonic()
        gw = Gateway(tmp, ls, conf_edit=_edit(
            kam_trunk(kam.port),
            '{ from = "fxs"; prefix = "0"; strip = 1; to = "trunk:kam"; }'))
        wait_until(lambda: _trunk_state(gw).get("state") == "registered", 15,
                   what="trunk registered at kamailio (now %s)" % _trunk_state(gw))
        treg = time.monotonic() - t0
        regs = kam.registered()
        print("kamailio ul.dump: %s; trunk registered %.2f s after the "
              "gateway started; copperctl: %s" % (
                  regs, treg, {k: _trunk_state(gw).get(k) for k in
                               ("state", "registrar", "granted", "expires_in")}))
        assert any(a.startswith("gw") for a in regs), regs
        assert any(a.startswith(CALLEE) for a in regs), regs
        klog = kam.log()
        assert "REGISTER gw@kam.test" in klog and "challenged" in klog, klog[-2000:]
        assert re.search(r"REGISTER gw@kam.test .*authenticated", klog), klog[-2000:]

        # the call
        ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone")
        ls.cmd("dial %d 0%s" % (FXS1, CALLEE))
        t1 = time.monotonic()
        gw.wait_port("fxs1", "talking", 20)
        print("phone -> trunk -> kamailio -> callee: answered %.1f s after "
              "dialling (includes the 3 s digit timeout and a 407 round trip)"
              % (time.monotonic() - t1))
        # media flows end to end: SIPp (-rtp_echo) returns the gateway's RTP
        ls.cmd("play %d tone 1004 -10" % FXS1)

        def rtp():
            calls = gw.status()["calls"]
            c = next(iter(calls.values()), {})
            return int(c.get("tx", 0)), int(c.get("rx", 0))
        wait_until(lambda: rtp()[1] >= 50, 10,
                   what="50 RTP packets back from the callee (tx/rx %s)" % (rtp(),))
        print("RTP through the call: tx=%d rx=%d packets" % rtp())
        ls.cmd("onhook %d" % FXS1)
        rc = uas.wait(20)
        msgs = sipp_messages(tmp, "kam_uas_answer")
        assert rc == 0, "callee SIPp failed (%s):\n%s\n%s" % (
            rc, uas.text()[-2000:], msgs[-3000:])
        # what reached the callee came through kamailio, record-routed
        assert re.search(r"^INVITE sip:%s@127\.0\.0\.1:%d" % (CALLEE, uas_port),
                         msgs, re.M), msgs[-3000:]
        assert "Record-Route: <sip:127.0.0.1:%d;lr>" % kam.port in msgs, msgs[-3000:]
        assert re.search(r"^BYE sip:", msgs, re.M), msgs[-3000:]
        assert "From: <sip:gw@kam.test>" in msgs or "sip:gw@kam.test" in msgs, \
            msgs[-3000:]
        klog = kam.log()
        assert re.search(r"INVITE sip:%s@kam.test from gw@kam.test: challenged"
                         % CALLEE, klog), klog[-2000:]
        assert re.search(r"INVITE sip:%s@kam.test from gw@kam.test: authenticated"
                         % CALLEE, klog), klog[-2000:]
        assert "trunkpw" not in msgs
        gw.assert_all_idle()

        def tm_done():
            s = kam.tm_stats()
            return s.get("current") == "0"
        # completed transactions stay for tm's wait timer (5 s)
        wait_until(tm_done, 15, what="kamailio transactions ended (%s)"
                   % kam.tm_stats())
        print("kamailio tm.stats after the call: %s" % kam.tm_stats())
    finally:
        try:
            if gw:
                gw.stop()
        finally:
            if ls:
                ls.stop()
            if uas:
                uas.stop()
            kam.stop()
