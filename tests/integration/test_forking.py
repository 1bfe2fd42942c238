# SPDX-License-Identifier: GPL-2.0-or-later
"""Personal mobility and failover chains (gateway/fork.h): two SIPp UAS
register as the same user of the built-in registrar (REGISTER with digest,
then a UAS on the same port); a call to user:alice from a phone (FXS) or
from the PSTN (FXO target) rings both at once: the first 200 wins and the
other gets CANCEL; one 486 does not end the call while the other rings;
both busy -> the phone hears busy. Not registered: reorder on the phone,
480 to a SIP caller (a registered one gets 302 with the contacts). A list
to = [ "user:alice", "sip:..." ] hunts: alice busy -> the next target."""
import csv
import os
import re
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXO1, FXS1, Rig, free_udp, free_udp_even

PASS = "s3cret-alice-pw"


def fork_conf(peer2=None, cdr_csv=None):
    def edit(text):
        text = re.sub(r'(trusted = \[[^\]]*\];)',
                      r'\1 registrar = true; register_min_s = 30; '
                      r'ban_after = 100; users = ( { name = "alice"; '
                      r'password = "%s"; } );' % PASS, text, count=1)
        # the PSTN on fxo1 rings alice wherever she is registered
        text = re.sub(r'target = "sip:[^"]*";', 'target = "user:alice";',
                      text, count=1)
        routes = ('{ from = "fxs"; prefix = "7"; to = "user:alice"; },\n'
                  '\t{ from = "sip"; prefix = "6"; to = "user:alice"; },\n')
        if peer2:
            routes += ('\t{ from = "fxs"; prefix = "8"; ring_timeout_s = 6;'
                       ' to = [ "user:alice", "sip:${number}@127.0.0.1:%d" ];'
                       ' },\n' % peer2)
        text = text.replace('{ from = "fxs"; prefix = "";',
                            routes + '\t{ from = "fxs"; prefix = "";', 1)
        if cdr_csv:
            text = text.replace("general = {", 'general = {\n\tcdr_db = '
                                '"%s.db"; cdr_csv = "%s";'
                                % (cdr_csv, cdr_csv), 1)
        return text
    return edit


def register(tmp, r, port, name):
    """alice's contact at 127.0.0.1:port (digest through SIPp -au/-ap)."""
    u = sipp(tmp, "uac_register.xml", r.uri, "alice", port, name=name,
             extra=["-au", "alice", "-ap", PASS], limit=30)
    rc = u.wait(20)
    assert rc == 0, "REGISTER failed (%s):\n%s\n%s" % (
        rc, u.text()[-1500:], sipp_messages(tmp, name)[-1500:])


def bindings(r):
    rc, text = r.gw.ctl("registrations")
    assert rc == 0, text
    return [l for l in text.splitlines() if l.startswith("binding ")]


def uas(tmp, scenario, port, name, echo=False):
    return sipp(tmp, scenario, "", "alice", port, name=name,
                media_port=free_udp_even(),
                extra=["-rtp_echo"] if echo else [], limit=60)


def sipp_ok(tmp, u, name):
    rc = u.wait(20)
    assert rc == 0, "SIPp %s failed (%s):\n%s\n%s" % (
        name, rc, u.text()[-1500:], sipp_messages(tmp, name)[-2500:])



def dial(r, number):
    r.ls.phone_dial(FXS1, number)


def test_fork_first_answer_cancels_the_other(tmp):
    """Phone dials 7001 -> user:alice: both contacts get the INVITE, A
    answers after 3 s of ringing, B gets CANCEL; then the PSTN calls in on
    fxo1 (target user:alice) with the roles swapped. CDR rows name the
    contact that answered."""
    pa, pb = free_udp(), free_udp()
    cdr = os.path.join(tmp, "cdr.csv")
    with Rig(tmp, conf_edit=fork_conf(cdr_csv=cdr)) as r:
        register(tmp, r, pa, "rega")
        register(tmp, r, pb, "regb")
        bl = bindings(r)
        print("\n".join(bl))
        assert len(bl) == 2 and all("user=alice" in b for b in bl), bl
        rc, out = r.gw.ctl("route", "test", "fxs", "7001")
        print(out)
        assert "every registered contact of user alice" in out, out

        a = uas(tmp, "uas_check_ruri.xml", pa, "ans1", echo=True)
        b = uas(tmp, "uas_ring_cancel.xml", pb, "can1")
        time.sleep(0.5)
        t0 = time.monotonic()
        dial(r, "7001")
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "ringback",
                   10, what="ringback on the phone")
        r.gw.wait_port("fxs1", "talking", 20)
        print("phone -> user:alice: answered by A %.1f s after dialling"
              % (time.monotonic() - t0))
        sipp_ok(tmp, b, "can1")  # B: INVITE, 180, CANCEL, 487, ACK
        time.sleep(1)
        r.ls.cmd("onhook %d" % FXS1)
        sipp_ok(tmp, a, "ans1")
        log = r.gw.log()
        assert "INVITE sip:alice@127.0.0.1:%d (branch" % pa in log
        assert "INVITE sip:alice@127.0.0.1:%d (branch" % pb in log
        m = re.search(r"answered \(200\) by (\S+): CANCEL to (\d) other", log)
        assert m and m.group(1).endswith(":%d" % pa) and m.group(2) == "1", \
            log[-3000:]
        print("log: " + m.group(0))
        r.gw.assert_all_idle(10)

        # PSTN -> fxo1 -> user:alice: B answers now, A is cancelled
        a = uas(tmp, "uas_ring_cancel.xml", pa, "can2")
        b = uas(tmp, "uas_check_ruri.xml", pb, "ans2", echo=True)
        time.sleep(0.5)
        r.ls.cmd("call %d" % FXO1)
        r.gw.wait_port("fxo1", "talking", 25)
        sipp_ok(tmp, a, "can2")
        st = list(r.gw.status()["calls"].values())[0]
        print("PSTN call talking: peer=%s" % st["peer"])
        assert st["peer"].endswith(":%d" % pb), st
        r.ls.cmd("hangup %d" % FXO1)
        sipp_ok(tmp, b, "ans2")
        r.gw.assert_all_idle(15)
    with open(cdr) as f:
        rows = list(csv.DictReader(f))
    print("CDR: %s" % [(x["direction"], x["disposition"], x["peer"])
                       for x in rows])
    assert [x["disposition"] for x in rows] == ["answered", "answered"], rows
    assert rows[0]["peer"].endswith(":%d" % pa), rows
    assert rows[1]["peer"].endswith(":%d" % pb), rows


def test_fork_busy_contacts(tmp):
    """One contact 486 after 1 s, the other answers at 3 s: answered (a
    486 does not end the call while another rings). Then both 486: the
    phone hears busy, the log has the best status."""
    pa, pb = free_udp(), free_udp()
    with Rig(tmp, conf_edit=fork_conf()) as r:
        register(tmp, r, pa, "rega")
        register(tmp, r, pb, "regb")
        a = uas(tmp, "uas_busy.xml", pa, "busy1")
        b = uas(tmp, "uas_check_ruri.xml", pb, "ans1", echo=True)
        time.sleep(0.5)
        dial(r, "7002")
        r.gw.wait_port("fxs1", "talking", 20)
        sipp_ok(tmp, a, "busy1")
        log = r.gw.log()
        assert re.search(r"branch sip:alice@127.0.0.1:%d: 486" % pa, log), \
            log[-3000:]
        print("one 486, one 200 later: answered")
        r.ls.cmd("onhook %d" % FXS1)
        sipp_ok(tmp, b, "ans1")
        r.gw.assert_all_idle(10)

        a = uas(tmp, "uas_busy.xml", pa, "busy2")
        b = uas(tmp, "uas_busy.xml", pb, "busy3")
        time.sleep(0.5)
        dial(r, "7003")
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "busy", 20,
                   what="busy tone on the phone")
        sipp_ok(tmp, a, "busy2")
        sipp_ok(tmp, b, "busy3")
        m = re.search(r"all 2 branches failed: (\d+)", r.gw.log())
        assert m and m.group(1) == "486", r.gw.log()[-3000:]
        print("both 486: phone hears busy; log: " + m.group(0))
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)


def test_fork_unregistered_and_list(tmp):
    """alice not registered: a SIP caller gets 480, the phone reorder.
    Registered: the SIP caller gets 302 listing her contact. A list
    [ user:alice, sip:...@peer2 ]: alice 486 -> the peer answers; alice
    ringing past ring_timeout_s -> CANCEL, the peer answers."""
    p2, pa = free_udp(), free_udp()
    with Rig(tmp, conf_edit=fork_conf(peer2=p2)) as r:
        u = sipp(tmp, "uac_expect_480.xml", r.uri, "6001", free_udp(),
                 media_port=free_udp_even(), name="u480", limit=30)
        sipp_ok(tmp, u, "u480")
        print("SIP -> user:alice unregistered: 480")
        dial(r, "7004")
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] ==
                   "congestion", 15, what="reorder on the phone")
        assert "alice is not registered: 480" in r.gw.log()
        print("phone -> user:alice unregistered: reorder")
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)

        register(tmp, r, pa, "rega")
        u = sipp(tmp, "uac_expect_302.xml", r.uri, "6001", free_udp(),
                 media_port=free_udp_even(), name="u302", limit=30)
        sipp_ok(tmp, u, "u302")
        msgs = sipp_messages(tmp, "u302")
        m = re.search(r"Contact: *<?(sip:alice@127.0.0.1:%d)" % pa, msgs)
        assert "302 Moved" in msgs and m, msgs[-2000:]
        print("SIP -> user:alice registered: 302 to " + m.group(1))

        rc, out = r.gw.ctl("route", "test", "fxs", "8001")
        print(out)
        assert "1. user:alice 2. sip:${number}@127.0.0.1:%d" % p2 in out, out
        a = uas(tmp, "uas_busy.xml", pa, "busyl")
        g = sipp(tmp, "uas_check_ruri.xml", "", "8001", p2, name="ansl",
                 media_port=free_udp_even(), extra=["-rtp_echo"], limit=60)
        time.sleep(0.5)
        dial(r, "8001")
        r.gw.wait_port("fxs1", "talking", 25)
        sipp_ok(tmp, a, "busyl")
        log = r.gw.log()
        assert "486 from user:alice: failover" in log, log[-3000:]
        print("list: user:alice 486 -> sip:8001@peer2 answered")
        r.ls.cmd("onhook %d" % FXS1)
        sipp_ok(tmp, g, "ansl")
        assert "INVITE sip:8001@" in sipp_messages(tmp, "ansl")
        r.gw.assert_all_idle(10)

        # alice rings but does not answer: ring_timeout_s 6 -> CANCEL, next
        a = uas(tmp, "uas_ring_cancel.xml", pa, "ringl")
        g = sipp(tmp, "uas_check_ruri.xml", "", "8002", p2, name="ansl2",
                 media_port=free_udp_even(), extra=["-rtp_echo"], limit=60)
        time.sleep(0.5)
        dial(r, "8002")
        wait_until(lambda: "in ring_timeout_s: given up" in r.gw.log(), 25,
                   what="ring_timeout_s")
        t0 = time.monotonic()
        sipp_ok(tmp, a, "ringl")
        r.gw.wait_port("fxs1", "talking", 15)
        print("list: user:alice unanswered for ring_timeout_s 6 -> CANCEL, "
              "peer2 answered %.1f s later" % (time.monotonic() - t0))
        assert "408 from user:alice: failover" in r.gw.log()
        r.ls.cmd("onhook %d" % FXS1)
        sipp_ok(tmp, g, "ansl2")
        r.gw.assert_all_idle(10)
