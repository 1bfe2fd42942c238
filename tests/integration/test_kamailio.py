# SPDX-License-Identifier: GPL-2.0-or-later
"""Kamailio (Debian's kamailio 5.6) as a real registrar and stateful proxy
for the gateway's trunk: the trunk registers with digest authentication
(401), a callee (SIPp) registers its contact there too, and a phone on the
gateway calls that callee through the trunk: kamailio challenges the
INVITE (407), looks the callee up in its location table, record-routes,
and the phone's hang-up is relayed as BYE along the route set. And the
other direction: a SIP user registered with kamailio calls into the
gateway through it (kamailio's address trusted as the trunk's proxy)."""
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
        kam.register(tmp, CALLEE, "calleepw", uas_port)

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


KAM_ADDR = "127.0.0.2"  # kamailio's own loopback address: trusted as a trunk
CALLER = "alice"


def _kam_inbound_conf(kport):
    """The gateway registered as trunk "kam" at kamailio (127.0.0.2): its
    address is the only trusted one (sip.trusted names an address no test
    uses, so 127.0.0.1 is untrusted and no users exist: 403)."""
    return _edit(kam_trunk(kport).replace("127.0.0.1", KAM_ADDR),
                 '{ from = "fxs"; prefix = "0"; strip = 1; to = "trunk:kam"; }')


def _call_via_kam(tmp, kam, gw, scenario, number, name, caller_port, hold_ms=0):
    mp = free_udp_pair()
    extra = ["-au", CALLER, "-ap", "alicepw", "-key", "user", CALLER,
             "-rtp_echo"]
    if hold_ms:
        extra += ["-d", str(hold_ms)]
    return sipp(tmp, scenario, "%s:%d" % (KAM_ADDR, kam.port), number,
                caller_port, media_port=mp, extra=extra, limit=60, name=name)


def _rx(gw):
    calls = gw.status()["calls"]
    c = next(iter(calls.values()), {})
    return int(c.get("tx", 0)), int(c.get("rx", 0))


def test_kamailio_calls_into_gateway(tmp):
    """The other direction: a SIP user (SIPp "alice") registered with
    kamailio calls numbers kamailio routes statically to the gateway
    (which is registered at kamailio as its trunk, so kamailio's address
    is trusted). 201 rings the phone on fxs1, which answers; RTP flows;
    the caller hangs up (BYE along the record-routed route set). 201
    again, answered, and the phone hangs up: the gateway's BYE goes
    through kamailio to alice. 91000 dials out on an FXO line (the
    exchange's echo line). The same INVITE sent straight to the gateway
    from alice's address (bypassing kamailio) gets 403 and seizes no
    port."""
    ls = gw = None
    # static route of the proxy: unregistered numbers go to the gateway
    # (its SIP port is only known once the Gateway picked it: fixed here)
    gw_port = free_port()
    kam = Kamailio(tmp, auth=True, addr=KAM_ADDR,
                   uas="sip:127.0.0.1:%d" % gw_port)
    try:
        caller_port = free_port()
        kam.register(tmp, CALLER, "alicepw", caller_port)

        ls = Linesim(tmp)

        def conf(text):
            text = _kam_inbound_conf(kam.port)(text)
            return re.sub(r'listen = "127\.0\.0\.1:\d+"',
                          'listen = "127.0.0.1:%d"' % gw_port, text)
        gw = Gateway(tmp, ls, trusted="192.0.2.1", conf_edit=conf)
        wait_until(lambda: _trunk_state(gw).get("state") == "registered", 15,
                   what="trunk registered at kamailio (now %s)" % _trunk_state(gw))
        regs = kam.registered()
        print("kamailio ul.dump: %s" % regs)
        assert any(a.startswith(CALLER) for a in regs), regs
        assert any(a.startswith("gw") for a in regs), regs

        # 1: alice -> kamailio -> gateway -> phone; alice hangs up
        t0 = time.monotonic()
        u = _call_via_kam(tmp, kam, gw, "kam_uac_call.xml", "201", "kin1",
                          caller_port, hold_ms=4000)
        gw.wait_port("fxs1", "ringing", 15)
        wait_until(lambda: int(ls.status(FXS1)["rings"]) >= 1, 10,
                   what="the phone to ring")
        ls.cmd("offhook %d" % FXS1)
        gw.wait_port("fxs1", "talking", 10)
        tans = time.monotonic() - t0
        ls.cmd("play %d tone 1004 -10" % FXS1)
        wait_until(lambda: _rx(gw)[1] >= 50, 10,
                   what="50 RTP packets back from alice (tx/rx %s)" % (_rx(gw),))
        tx, rx = _rx(gw)
        rc = u.wait(30)
        msgs = sipp_messages(tmp, "kin1")
        assert rc == 0, "alice's call 1 failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], msgs[-3000:])
        assert "Record-Route: <sip:%s:%d;lr>" % (KAM_ADDR, kam.port) in msgs, \
            msgs[-3000:]
        assert re.search(r"^BYE sip:\S+ SIP/2.0", msgs, re.M), msgs[-3000:]
        assert re.search(r"^Route: <sip:%s:%d;lr>" % (KAM_ADDR, kam.port),
                         msgs, re.M), msgs[-3000:]
        # the phone hears the far end gone
        wait_until(lambda: gw.port_state("fxs1") != "talking", 10,
                   what="fxs1 released after alice's BYE")
        print("call 1 alice -> kamailio -> gateway -> fxs1: answered %.1f s "
              "after the INVITE, RTP tx=%d rx=%d, alice's BYE through "
              "kamailio ended it (fxs1 now %s)" % (tans, tx, rx,
                                                  gw.port_state("fxs1")))
        ls.cmd("onhook %d" % FXS1)
        gw.assert_all_idle(15)
        # it came from kamailio's address, trusted as the trunk's proxy
        m = re.search(r"INVITE from \S+ \((%s:%d)\) to 201" % (
            re.escape(KAM_ADDR), kam.port), gw.log())
        assert m, gw.log()[-3000:]
        print("the gateway's log: INVITE from %s (kamailio, trusted as "
              "trunk kam's proxy)" % m.group(1))

        # 2: the same, the phone hangs up: the gateway's BYE via kamailio
        u = _call_via_kam(tmp, kam, gw, "kam_uac_wait_bye.xml", "201", "kin2",
                          caller_port)
        gw.wait_port("fxs1", "ringing", 15)
        wait_until(lambda: int(ls.status(FXS1)["rings"]) >= 1, 10,
                   what="the phone to ring")
        ls.cmd("offhook %d" % FXS1)
        gw.wait_port("fxs1", "talking", 10)
        time.sleep(1)
        ls.cmd("onhook %d" % FXS1)
        rc = u.wait(30)
        msgs = sipp_messages(tmp, "kin2")
        assert rc == 0, "alice's call 2 failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], msgs[-3000:])
        # the gateway's BYE came to alice through kamailio: kamailio's Via
        bye = msgs[msgs.find("\nBYE "):]
        assert re.search(r"^Via: SIP/2.0/UDP %s:%d" % (KAM_ADDR, kam.port),
                         bye, re.M), bye[:1500]
        print("call 2: the phone hung up, the gateway's BYE reached alice "
              "through kamailio")
        gw.assert_all_idle(15)

        # 3: alice -> kamailio -> gateway -> FXO line -> exchange 1000
        u = _call_via_kam(tmp, kam, gw, "kam_uac_call.xml", "91000", "kin3",
                          caller_port, hold_ms=3000)
        wait_until(lambda: ls.status(3).get("dialled") == "1000", 15,
                   what="the exchange to receive 1000 on fxo1")
        gw.wait_port("fxo1", "talking", 10)
        rc = u.wait(30)
        assert rc == 0, "alice's call 3 failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], sipp_messages(tmp, "kin3")[-3000:])
        print("call 3 alice -> kamailio -> gateway -> fxo1: the exchange "
              "got 1000, answered; alice's BYE ended it")
        gw.assert_all_idle(15)

        # the same user straight to the gateway, bypassing kamailio: 403
        d = sipp(tmp, "uac_expect_reject.xml", "127.0.0.1:%d" % gw_port,
                 "201", free_port(), media_port=free_udp_pair(), limit=30,
                 name="direct")
        rc = d.wait(20)
        assert rc == 0, "direct INVITE not refused with 403 (%s):\n%s\n%s" % (
            rc, d.text()[-2000:], sipp_messages(tmp, "direct")[-2000:])
        gw.assert_all_idle(5)
        log = gw.log()
        assert "INVITE from untrusted source 127.0.0.1" in log, log[-2000:]
        print("direct INVITE from 127.0.0.1 (not kamailio): 403, no port "
              "seized")

        wait_until(lambda: kam.tm_stats().get("current") == "0", 15,
                   what="kamailio transactions ended (%s)" % kam.tm_stats())
        print("kamailio tm.stats after the calls: %s" % kam.tm_stats())
    finally:
        try:
            if gw:
                gw.stop()
        finally:
            if ls:
                ls.stop()
            kam.stop()
