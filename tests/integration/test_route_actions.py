# SPDX-License-Identifier: GPL-2.0-or-later
"""Dial plan actions (gateway/routeact.h) end to end: a regex rewrite and
the caller ID a route sets reach the SIP peer; a route's reject answers
the INVITE with its status and a Q.850 Reason; a hunt group spreads two
SIP calls over its FXO lines; `copperctl route test` shows each action."""
import re
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXO1, FXO2, FXS1, FXS2, Rig, free_udp, free_udp_even


def route_test(gw, source, number):
    rc, out = gw.ctl("route", "test", source, number)
    assert rc == 0, out
    return out


def phone_route(text):
    m = re.search(r'\{ from = "fxs"; prefix = ""; to = "([^"]+)"; \}', text)
    assert m, "demo.conf's phone route not found"
    return m


def rewrite_plan(text):
    # 00... -> +..., with the route's caller ID, to the same SIP peer
    m = phone_route(text)
    return text.replace(m.group(0),
                        '{ from = "fxs"; prefix = "00"; rewrite = "s/^00/+/";'
                        ' caller_number = "4930111"; caller_name = "Office";'
                        ' to = "%s"; },\n\t%s' % (m.group(1), m.group(0)))


def test_route_rewrite_and_caller_id(tmp):
    """demo.conf plus a phone route: prefix 00, rewrite s/^00/+/, caller
    number 4930111, name Office. Phone 1 dials 0049301234: the INVITE
    reaches the SIPp UAS as sip:+49301234@..., From "Office"
    <sip:4930111@...>; copperctl route test explains the rewrite."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=rewrite_plan) as r:
        out = route_test(r.gw, "fxs", "0049301234")
        print(out)
        assert "rewrite: s/^00/+/" in out, out
        assert 'caller ID: "Office" 4930111' in out, out
        assert "result: number +49301234 -> SIP sip:+49301234@" in out, out
        u = sipp(tmp, "uas_check_ruri.xml", "", "x", peer,
                 media_port=free_udp_even(), extra=["-rtp_echo"],
                 name="rw", limit=60)
        time.sleep(0.5)
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial",
                   5, what="dial tone")
        r.ls.cmd("dial %d 0049301234" % FXS1)
        r.gw.wait_port("fxs1", "talking", 20)
        r.ls.cmd("onhook %d" % FXS1)
        rc = u.wait(15)
        assert rc == 0, "SIPp UAS failed (%s):\n%s" % (rc, u.text()[-2000:])
        msgs = sipp_messages(tmp, "rw")
        inv = msgs[msgs.index("INVITE sip:"):]
        inv = inv[:inv.index("\n\n") if "\n\n" in inv else len(inv)]
        ruri = inv.split("\n")[0]
        frm = [l for l in inv.split("\n") if l.lower().startswith("from:")]
        print("dialled 0049301234: %s / %s" % (ruri.strip(),
                                               frm[0].strip() if frm else "?"))
        assert ruri.startswith("INVITE sip:+49301234@"), ruri
        assert frm and '"Office"' in frm[0] and "sip:4930111@" in frm[0], frm
        assert "caller ID set by the route" in r.gw.log()
        r.gw.assert_all_idle(10)


def reject_plan(text):
    return text.replace('routes = (\n',
                        'routes = (\n'
                        '\t{ from = "sip"; prefix = "1900"; reject = 403; },\n'
                        '\t{ from = "any"; prefix = "955"; reject = "busy"; },\n',
                        1)


def test_route_reject(tmp):
    """Routes reject = 403 (prefix 1900, from SIP) and reject = "busy"
    (prefix 955, ahead of demo.conf's 9 -> FXO): SIPp's INVITE to 1900123
    gets 403 with Reason Q.850 cause 21, one to 955123 gets 486 with
    cause 17; no FXO line is seized; the phone dialling 955123 hears
    reorder."""
    with Rig(tmp, conf_edit=reject_plan) as r:
        out = route_test(r.gw, "sip", "955123")
        print(out)
        assert "result: rejected with 486 (Reason: Q.850;cause=17" in out, out
        for number, scen, status, cause in (
                ("1900123", "uac_expect_reject.xml", 403, 21),
                ("955123", "uac_expect_busy.xml", 486, 17)):
            name = "rej%d" % status
            t0 = time.monotonic()
            u = sipp(tmp, scen, r.uri, number, free_udp(),
                     media_port=free_udp_even(), name=name, limit=30)
            rc = u.wait(20)
            assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
            msgs = sipp_messages(tmp, name)
            m = re.search(r"SIP/2.0 %d [^\n]*\n(.*?)\n\n" % status, msgs, re.S)
            assert m, msgs[-2000:]
            reason = [l for l in m.group(1).split("\n")
                      if l.lower().startswith("reason:")]
            print("INVITE %s: %d in %.2f s, %s" % (
                number, status, time.monotonic() - t0,
                reason[0].strip() if reason else "no Reason"))
            assert reason and ("cause=%d" % cause) in reason[0], reason
        log = r.gw.log()
        assert "rejects: 403" in log and "rejects: 486" in log, log[-2000:]
        for p in (FXO1, FXO2):
            assert r.ls.status(p)["hook"] == "onhook"
            assert r.ls.status(p)["dialled"] == ""
        # the phone: reorder, no INVITE
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone")
        r.ls.cmd("dial %d 955123" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "congestion",
                   15, what="reorder on the phone")
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)


def group_plan(text):
    text = text.replace("routes = (\n",
                        'groups = ( { name = "out"; ports = [ "fxo1", "fxo2" ];'
                        ' strategy = "linear"; } );\n'
                        'routes = (\n'
                        '\t{ from = "sip"; prefix = "8"; strip = 1;'
                        ' to = "group:out"; },\n', 1)
    return text


def test_route_hunt_group_linear(tmp):
    """groups = out: fxo1, fxo2, linear; route 8 -> group:out. SIPp calls
    81004 twice, the first held up: the first call seizes fxo1, the
    second fxo2 (fxo1 is busy); the exchange hangs both up; then a third
    call takes fxo1 again (linear: first idle in order)."""
    with Rig(tmp, conf_edit=group_plan) as r:
        out = route_test(r.gw, "sip", "81004")
        print(out)
        assert "hunt group out (linear): fxo1 fxo2" in out, out
        calls = []
        for i, (port, fxo) in enumerate(((FXO1, "fxo1"), (FXO2, "fxo2"))):
            u = sipp(tmp, "uac_far_hangup.xml", r.uri, "81004", free_udp(),
                     media_port=free_udp_even(), name="hunt%d" % i, limit=60)
            calls.append(u)
            r.gw.wait_port(fxo, "talking", 15)
            wait_until(lambda: r.ls.status(port).get("dialled") == "1004", 10,
                       what="%s to dial 1004" % fxo)
            print("call %d: %s seized, dialled %s" % (
                i + 1, fxo, r.ls.status(port)["dialled"]))
        for port in (FXO1, FXO2):
            r.ls.cmd("hangup %d" % port)
        for u in calls:
            rc = u.wait(20)
            assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle(10)
        log = r.gw.log()
        hunts = re.findall(r"hunt group out \(linear\): port (\w+)", log)
        print("hunts: %s" % hunts)
        assert hunts == ["fxo1", "fxo2"], hunts
        u = sipp(tmp, "uac_far_hangup.xml", r.uri, "81004", free_udp(),
                 media_port=free_udp_even(), name="hunt3", limit=60)
        r.gw.wait_port("fxo1", "talking", 15)
        r.ls.cmd("hangup %d" % FXO1)
        rc = u.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        hunts = re.findall(r"hunt group out \(linear\): port (\w+)",
                           r.gw.log())
        print("after both ended, call 3: %s" % hunts[-1])
        assert hunts == ["fxo1", "fxo2", "fxo1"], hunts
        r.gw.assert_all_idle(10)


def test_route_failover(tmp):
    """Phone side: routes prefix 5 with failover = true to a SIPp UAS that
    answers 503, then prefix 5 to a second SIPp UAS that answers: phone 1
    dials 5551234, the first INVITE gets 503, the second peer gets the
    call and it is answered. SIP side: route 7 -> fxo:fxo1 with failover,
    then 7 -> fxo:fxo2: with fxo1 held by a first call, a second SIP call
    to 71004 lands on fxo2 (all lines of the first route busy)."""
    p1, p2 = free_udp(), free_udp()

    def plan(text):
        m = phone_route(text)
        return text.replace(
            m.group(0),
            '{ from = "fxs"; prefix = "5"; failover = true;'
            ' to = "sip:${number}@127.0.0.1:%d"; },\n'
            '\t{ from = "fxs"; prefix = "5";'
            ' to = "sip:${number}@127.0.0.1:%d"; },\n'
            '\t{ from = "sip"; prefix = "7"; strip = 1; failover = true;'
            ' to = "fxo:fxo1"; },\n'
            '\t{ from = "sip"; prefix = "7"; strip = 1; to = "fxo:fxo2"; },\n'
            '\t%s' % (p1, p2, m.group(0)))

    with Rig(tmp, peer_port=p2, conf_edit=plan) as r:
        out = route_test(r.gw, "fxs", "5551234")
        print(out)
        assert "failover: on 5xx" in out, out
        bad = sipp(tmp, "uas_503.xml", "", "x", p1, name="fo503", limit=60)
        good = sipp(tmp, "uas_check_ruri.xml", "", "x", p2,
                    media_port=free_udp_even(), extra=["-rtp_echo"],
                    name="fook", limit=60)
        time.sleep(0.5)
        t0 = time.monotonic()
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone")
        r.ls.cmd("dial %d 5551234" % FXS1)
        r.gw.wait_port("fxs1", "talking", 25)
        print("503 from the first peer, answered by the second: talking "
              "%.1f s after off-hook (digit timeout 3 s, 3 s ringing)"
              % (time.monotonic() - t0))
        r.ls.cmd("onhook %d" % FXS1)
        for u, what in ((bad, "503 UAS"), (good, "answering UAS")):
            rc = u.wait(15)
            assert rc == 0, "SIPp %s failed (%s):\n%s" % (what, rc,
                                                          u.text()[-2000:])
        assert "INVITE sip:5551234@" in sipp_messages(tmp, "fo503")
        assert "INVITE sip:5551234@" in sipp_messages(tmp, "fook")
        log = r.gw.log()
        assert "503 from sip:5551234@127.0.0.1:%d: failover" % p1 in log, \
            log[-3000:]
        r.gw.assert_all_idle(10)

        # SIP -> FXO: fxo1 busy, the next route's fxo2
        u1 = sipp(tmp, "uac_far_hangup.xml", r.uri, "71004", free_udp(),
                  media_port=free_udp_even(), name="fo1", limit=60)
        r.gw.wait_port("fxo1", "talking", 15)
        u2 = sipp(tmp, "uac_far_hangup.xml", r.uri, "71004", free_udp(),
                  media_port=free_udp_even(), name="fo2", limit=60)
        r.gw.wait_port("fxo2", "talking", 15)
        print("second SIP call to 71004: fxo1 busy -> fxo2, dialled %s"
              % r.ls.status(FXO2)["dialled"])
        assert r.ls.status(FXO2)["dialled"] == "1004"
        assert "all lines busy: failover" in r.gw.log()
        for p in (FXO1, FXO2):
            r.ls.cmd("hangup %d" % p)
        for u in (u1, u2):
            rc = u.wait(20)
            assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle(10)


def test_route_max_calls(tmp):
    """Route 6 -> fxo with max_calls = 1: with a first SIP call to 61004
    up on fxo1, a second one gets 503 although fxo2 is idle (fxo2 never
    seized); once the first has ended, a third call is taken again."""
    def plan(text):
        return text.replace("routes = (\n",
                            'routes = (\n\t{ from = "sip"; prefix = "6";'
                            ' strip = 1; max_calls = 1; to = "fxo"; },\n', 1)

    with Rig(tmp, conf_edit=plan) as r:
        out = route_test(r.gw, "sip", "61004")
        print(out)
        assert "at most 1 call at once" in out, out
        u1 = sipp(tmp, "uac_far_hangup.xml", r.uri, "61004", free_udp(),
                  media_port=free_udp_even(), name="max1", limit=60)
        r.gw.wait_port("fxo1", "talking", 15)
        u2 = sipp(tmp, "uac_expect_503.xml", r.uri, "61004", free_udp(),
                  media_port=free_udp_even(), name="max2", limit=30)
        rc = u2.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u2.text()[-2000:])
        print("second call while the first is up: 503; fxo2 %s, dialled '%s'"
              % (r.ls.status(FXO2)["hook"], r.ls.status(FXO2)["dialled"]))
        assert r.ls.status(FXO2)["dialled"] == ""
        assert "has its 1 calls: 503" in r.gw.log()
        r.ls.cmd("hangup %d" % FXO1)
        rc = u1.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u1.text()[-2000:])
        r.gw.assert_all_idle(10)
        u3 = sipp(tmp, "uac_far_hangup.xml", r.uri, "61004", free_udp(),
                  media_port=free_udp_even(), name="max3", limit=60)
        r.gw.wait_port("fxo1", "talking", 15)
        print("third call after the first ended: taken (fxo1 talking)")
        r.ls.cmd("hangup %d" % FXO1)
        rc = u3.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u3.text()[-2000:])
        r.gw.assert_all_idle(10)


def test_route_max_duration(tmp):
    """Route 6 -> fxo with max_duration_s = 3: a SIP call to 61004 is
    answered by the line, and the gateway hangs it up (BYE to SIPp, the
    line on-hook) about 3 s after the answer."""
    def plan(text):
        return text.replace("routes = (\n",
                            'routes = (\n\t{ from = "sip"; prefix = "6";'
                            ' strip = 1; max_duration_s = 3; to = "fxo"; },\n',
                            1)

    with Rig(tmp, conf_edit=plan) as r:
        out = route_test(r.gw, "sip", "61004")
        print(out)
        assert "hung up 3 s after the answer" in out, out
        u = sipp(tmp, "uac_far_hangup.xml", r.uri, "61004", free_udp(),
                 media_port=free_udp_even(), name="dur", limit=60)
        r.gw.wait_port("fxo1", "talking", 15)
        t0 = time.monotonic()
        rc = u.wait(30)
        dt = time.monotonic() - t0
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle(10)
        print("hung up by the gateway %.1f s after talking (limit 3 s)" % dt)
        assert 2.0 < dt < 10.0, dt
        assert "max_duration_s reached" in r.gw.log()
        assert r.ls.status(FXO1)["hook"] == "onhook"


def test_route_ring_all(tmp):
    """groups = phones: fxs1, fxs2, ring-all; route 7 -> group:phones.
    SIPp calls 700: both phones ring; phone 2 answers (after one ring),
    phone 1 (never answering) stops ringing and its port goes idle; the
    call is up on fxs2; phone 2 hangs up: BYE to SIPp; all idle. A
    second call, cancelled by the caller while both ring, leaves both
    ports idle."""
    def plan(text):
        return text.replace("routes = (\n",
                            'groups = ( { name = "phones"; ports = [ "fxs1",'
                            ' "fxs2" ]; strategy = "ring-all"; } );\n'
                            'routes = (\n\t{ from = "sip"; prefix = "7";'
                            ' to = "group:phones"; },\n', 1)

    with Rig(tmp, conf_edit=plan) as r:
        out = route_test(r.gw, "sip", "700")
        print(out)
        assert "hunt group phones (ring-all): fxs1 fxs2" in out, out
        r.ls.cmd("auto %d off" % FXS1)
        r.ls.cmd("auto %d on 1" % FXS2)
        u = sipp(tmp, "uac_wait_bye.xml", r.uri, "700", free_udp(),
                 media_port=free_udp_even(), name="ringall", limit=60)
        wait_until(lambda: r.gw.port_state("fxs1") == "ringing" and
                   r.gw.port_state("fxs2") == "ringing", 10,
                   what="both phones ringing")
        wait_until(lambda: int(r.ls.status(FXS1)["rings"]) >= 1 and
                   int(r.ls.status(FXS2)["rings"]) >= 1, 10,
                   what="both bells")
        print("both ringing: fxs1 rings=%s, fxs2 rings=%s" % (
            r.ls.status(FXS1)["rings"], r.ls.status(FXS2)["rings"]))
        r.gw.wait_port("fxs2", "talking", 15)
        t0 = time.monotonic()
        rings = r.ls.status(FXS1)["rings"]
        r.gw.wait_port("fxs1", "idle", 5)
        t1 = time.monotonic() - t0
        # linesim ends a bell 5 s after its last burst (no RING_STOP line)
        wait_until(lambda: r.ls.status(FXS1)["ringing"] == "0", 10,
                   what="phone 1 to stop ringing")
        print("phone 2 answered: port fxs1 idle after %.2f s, its bell off "
              "after %.1f s, rings %s -> %s, hook %s"
              % (t1, time.monotonic() - t0, rings,
                 r.ls.status(FXS1)["rings"], r.ls.status(FXS1)["hook"]))
        assert r.ls.status(FXS1)["rings"] == rings  # no burst after it
        assert r.ls.status(FXS1)["hook"] == "onhook"
        log = r.gw.log()
        assert "ring-all group phones: 2 phones ringing" in log, log[-2000:]
        assert "ring-all: answered on fxs2" in log, log[-2000:]
        time.sleep(1)
        assert r.gw.port_state("fxs2") == "talking"
        r.ls.cmd("onhook %d" % FXS2)
        rc = u.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle(10)
        # the caller gives up while both ring: both stop
        r.ls.cmd("auto %d off" % FXS2)
        u = sipp(tmp, "uac_cw_cancel.xml", r.uri, "700", free_udp(),
                 media_port=free_udp_even(),
                 extra=["-d", "3000", "-key", "cid_name", "Caller",
                        "-key", "rtp_port", str(free_udp_even()),
                        "-key", "cid_num", "5550100"],
                 name="ringall_cancel", limit=40)
        wait_until(lambda: r.gw.port_state("fxs1") == "ringing" and
                   r.gw.port_state("fxs2") == "ringing", 10,
                   what="both phones ringing again")
        rc = u.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle(10)
        print("CANCEL while both rang: 487, both ports idle")
