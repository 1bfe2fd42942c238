# SPDX-License-Identifier: GPL-2.0-or-later
"""Call forwarding of FXS ports and its SIP signalling (gateway/fwd.h)
end to end: SIPp calls extension 201 (fxs1), the gateway forwards the
call through the dial plan to a SIPp UAS with a Diversion header
(RFC 5806) and bridges the two; forward_busy while the phone is
off-hook; forward_noanswer after the phone rang (and stopped); a loop
201 -> 202 -> 201 is refused with 482; a route's redirect answers 302
with its Contact and a Diversion; the Diversion a call came with is
logged."""
import os
import re
import sqlite3
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXS1, Rig, free_udp, free_udp_even


def port_keys(text, port, keys):
    """Add `keys` to the demo.conf entry of port `port` (fxs1/fxs2)."""
    ext = {"fxs1": "201", "fxs2": "202"}[port]
    anchor = 'extension = "%s";' % ext
    assert anchor in text, "demo.conf's %s entry not found" % port
    return text.replace(anchor, anchor + " " + keys, 1)


def header(msg, name):
    return [l.split(":", 1)[1].strip() for l in msg.split("\n")
            if l.lower().startswith(name.lower() + ":")]


def first_message(tmp, name, start):
    msgs = sipp_messages(tmp, name)
    i = msgs.find(start)
    assert i >= 0, "no %r in %s's messages:\n%s" % (start, name, msgs[-2000:])
    m = msgs[i:]
    return m[:m.index("\n\n")] if "\n\n" in m else m


def forwarded_call(tmp, r, peer, name, hops=1, before=None):
    """SIPp UAC -> 201; the UAS at `peer` answers the forwarded INVITE.
    Returns the INVITE the UAS got."""
    mp = free_udp_even()
    u = sipp(tmp, "uas_check_ruri.xml", "", "x", peer,
             media_port=mp, name=name + "_uas", limit=90)
    time.sleep(0.5)
    if before:
        before()
    t0 = time.monotonic()
    c = sipp(tmp, "uac_fwd_call.xml", r.uri, "201", free_udp(),
             media_port=free_udp_even(), name=name + "_uac", limit=90,
             extra=["-key", "hops", str(hops)])
    rc = c.wait(60)
    assert rc == 0, "SIPp UAC failed (%s):\n%s\n%s" % (
        rc, c.text()[-1500:], sipp_messages(tmp, name + "_uac")[-2500:])
    rc = u.wait(20)
    assert rc == 0, "SIPp UAS failed (%s):\n%s" % (rc, u.text()[-1500:])
    inv = first_message(tmp, name + "_uas", "INVITE sip:")
    div = header(inv, "Diversion")
    # bridged: the caller got the UAS's answer (its media port), the UAS
    # the caller's BYE
    ok = first_message(tmp, name + "_uac", "SIP/2.0 200")
    assert "m=audio %d " % mp in sipp_messages(tmp, name + "_uac"), ok
    assert "BYE sip:" in sipp_messages(tmp, name + "_uas")
    print("%s: call bridged and ended in %.1f s; UAS got %s, Diversion: %s"
          % (name, time.monotonic() - t0, inv.split("\n")[0].strip(), div))
    return inv, div


def test_forward_always(tmp):
    """fxs1 forward_always = 300: SIPp's INVITE to 201 (with a Diversion
    of its own, counter 1) reaches the UAS as sip:300@... with Diversion
    <sip:201@...>;reason=unconditional;counter=2 on top of the received
    one; the call is answered end to end and the BYE crosses; the phone
    never rings; the CDR has both legs."""
    peer = free_udp()
    db = os.path.join(tmp, "cdr.db")

    def edit(t):
        t = t.replace("general = {", 'general = {\n\tcdr_db = "%s";' % db, 1)
        return port_keys(t, "fxs1", 'forward_always = "300";')
    with Rig(tmp, peer_port=peer, conf_edit=edit) as r:
        inv, div = forwarded_call(tmp, r, peer, "always")
        assert inv.startswith("INVITE sip:300@"), inv
        assert div and re.match(r"<sip:201@127\.0\.0\.1:\d+>;reason="
                                r"unconditional;counter=2$", div[0]), div
        assert len(div) == 2 and "sip:5551000@192.0.2.1" in div[1], div
        assert int(r.ls.status(FXS1)["rings"]) == 0, r.ls.status(FXS1)
        log = r.gw.log()
        assert "received Diversion" in log and "redirecting number 5551000" \
            in log, log[-3000:]
        assert "forwards (unconditional, diversion 2) to 300" in log, \
            log[-3000:]
        r.gw.assert_all_idle(10)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT direction, port, called, disposition FROM "
                       "cdr ORDER BY id").fetchall()
    print("CDR:", rows)
    assert ("sip-to-fxs", "fxs1", "201", "answered") in rows, rows
    assert ("forward", "fxs1", "300", "answered") in rows, rows


def test_forward_busy(tmp):
    """fxs1 forward_busy = 301, call_waiting off, sip.forward_header
    "both": with the phone off-hook, the call goes to the UAS with
    Diversion reason=user-busy and History-Info (RFC 4458 cause 486)."""
    peer = free_udp()

    def edit(t):
        t = t.replace("sip = {", 'sip = {\n\tforward_header = "both";', 1)
        return port_keys(t, "fxs1", 'forward_busy = "301"; '
                         'call_waiting = false;')
    with Rig(tmp, peer_port=peer, conf_edit=edit) as r:
        def offhook():
            r.ls.cmd("offhook %d" % FXS1)
            wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial",
                       5, what="dial tone")
        inv, div = forwarded_call(tmp, r, peer, "busy", before=offhook)
        assert inv.startswith("INVITE sip:301@"), inv
        assert div and "reason=user-busy;counter=2" in div[0], div
        hi = header(inv, "History-Info")
        print("History-Info:", hi)
        assert hi and re.match(r"<sip:201@127\.0\.0\.1:\d+\?Reason=SIP%3B"
                               r"cause%3D486>;index=1,<sip:301@127\.0\.0\.1:"
                               r"\d+;cause=486>;index=1\.1;mp=1$", hi[0]), hi
        assert "forwards (user-busy" in r.gw.log()
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)


def test_forward_noanswer(tmp):
    """fxs1 forward_noanswer = 302 after 5 s: the phone (auto answer
    off) rings, stops ringing after ~5 s, then the UAS gets the INVITE
    with reason=no-answer and answers."""
    peer = free_udp()
    edit = lambda t: port_keys(t, "fxs1", 'forward_noanswer = "302"; '
                               'forward_noanswer_s = 5;')
    with Rig(tmp, peer_port=peer, conf_edit=edit) as r:
        r.ls.cmd("auto %d off" % FXS1)
        seen = {}
        u = sipp(tmp, "uas_check_ruri.xml", "", "x", peer,
                 media_port=free_udp_even(), name="na_uas", limit=90)
        time.sleep(0.5)
        t0 = time.monotonic()
        c = sipp(tmp, "uac_fwd_call.xml", r.uri, "201", free_udp(),
                 media_port=free_udp_even(), name="na_uac", limit=90,
                 extra=["-key", "hops", "1"])
        r.gw.wait_port("fxs1", "ringing", 10)
        wait_until(lambda: r.ls.status(FXS1)["ringing"] == "1", 10,
                   what="the phone to ring")
        seen["ring"] = time.monotonic() - t0
        r.gw.wait_port("fxs1", "idle", 20)
        seen["stop"] = time.monotonic() - t0
        wait_until(lambda: r.ls.status(FXS1)["ringing"] == "0", 10,
                   what="the phone to stop ringing")
        rings = int(r.ls.status(FXS1)["rings"])
        rc = c.wait(60)
        assert rc == 0, "SIPp UAC failed (%s):\n%s" % (
            rc, sipp_messages(tmp, "na_uac")[-2500:])
        rc = u.wait(20)
        assert rc == 0, "SIPp UAS failed (%s):\n%s" % (rc, u.text()[-1500:])
        inv = first_message(tmp, "na_uas", "INVITE sip:")
        div = header(inv, "Diversion")
        print("no answer: phone rang at %.1f s (%d ring bursts), port idle "
              "at %.1f s, UAS got %s, Diversion %s" % (
                  seen["ring"], rings, seen["stop"],
                  inv.split("\n")[0].strip(), div))
        assert inv.startswith("INVITE sip:302@"), inv
        assert div and "reason=no-answer;counter=2" in div[0], div
        assert seen["stop"] - seen["ring"] >= 3.5, seen
        assert rings >= 1
        log = r.gw.log()
        assert "no answer in 5 s: ringing stopped" in log, log[-3000:]
        assert "received Diversion" in log  # logged while ringing the phone
        assert r.ls.status(FXS1)["ringing"] == "0"
        r.gw.assert_all_idle(10)


def test_forward_loop_and_hops(tmp):
    """201 forwards to 202, 202 to 201, through this gateway: the INVITE
    comes back to 201 with 201 in its Diversion: 482 Loop Detected,
    relayed to SIPp. An INVITE that already went through 5 diversions
    gets 483."""
    def edit(text):
        text = port_keys(text, "fxs1", 'forward_always = "202";')
        text = port_keys(text, "fxs2", 'forward_always = "201";')
        m = re.search(r'listen = "127\.0\.0\.1:(\d+)"', text)
        assert m, "sip.listen not found"
        return text.replace("routes = (\n", 'routes = (\n\t{ from = "fxs"; '
                            'prefix = "20"; to = "sip:${number}@127.0.0.1:'
                            '%s"; },\n' % m.group(1), 1)
    with Rig(tmp, conf_edit=edit) as r:
        for hops, want, name in ((1, 482, "loop"), (5, 483, "hops")):
            t0 = time.monotonic()
            c = sipp(tmp, "uac_fwd_fail.xml", r.uri, "201", free_udp(),
                     media_port=free_udp_even(), name=name, limit=60,
                     extra=["-key", "hops", str(hops)])
            rc = c.wait(40)
            assert rc == 0, "SIPp failed (%s):\n%s" % (
                rc, sipp_messages(tmp, name)[-2500:])
            msgs = sipp_messages(tmp, name)
            st = re.findall(r"SIP/2.0 (\d{3}) ([^\n]*)", msgs)
            final = [s for s in st if int(s[0]) >= 300]
            print("%s (Diversion counter %d): %s in %.2f s" % (
                name, hops, final, time.monotonic() - t0))
            assert final and int(final[0][0]) == want, st
        log = r.gw.log()
        assert "forwarding loop: port fxs1 (201)" in log, log[-3000:]
        assert "already diverted 5 times" in log, log[-3000:]
        for p in (1, 2):
            assert int(r.ls.status(p)["rings"]) == 0
        r.gw.assert_all_idle(10)


def test_route_redirect_302(tmp):
    """A route { from any; prefix 55; redirect = sip:${number}@... }:
    SIPp's INVITE to 551234 gets 302 with Contact <sip:551234@...:5999>
    and Diversion <sip:551234@...>;reason=unconditional;counter=2 (it
    came with one diversion); copperctl route test explains it, and
    that a phone dialling 551234 is routed to the URI itself."""
    def edit(text):
        return text.replace("routes = (\n", 'routes = (\n\t{ from = "any"; '
                            'prefix = "55"; redirect = "sip:${number}@'
                            '127.0.0.1:5999"; },\n', 1)
    with Rig(tmp, conf_edit=edit) as r:
        rc, out = r.gw.ctl("route", "test", "sip", "551234")
        print(out)
        assert rc == 0 and "result: 302 Moved Temporarily, Contact " \
            "<sip:551234@127.0.0.1:5999>" in out, out
        rc, out = r.gw.ctl("route", "test", "fxs", "551234")
        assert "SIP sip:551234@127.0.0.1:5999" in out, out
        c = sipp(tmp, "uac_fwd_fail.xml", r.uri, "551234", free_udp(),
                 media_port=free_udp_even(), name="redir", limit=60,
                 extra=["-key", "hops", "1"])
        rc = c.wait(30)
        assert rc == 0, "SIPp failed (%s):\n%s" % (
            rc, sipp_messages(tmp, "redir")[-2500:])
        resp = first_message(tmp, "redir", "SIP/2.0 302")
        contact = header(resp, "Contact")
        div = header(resp, "Diversion")
        print("302: Contact %s, Diversion %s" % (contact, div))
        assert contact and "<sip:551234@127.0.0.1:5999>" in contact[0], resp
        assert div and re.match(r"<sip:551234@127\.0\.0\.1:\d+>;reason="
                                r"unconditional;counter=2$", div[0]), div
        assert "redirects: 302 to sip:551234@127.0.0.1:5999" in r.gw.log()
        r.gw.assert_all_idle(5)


def test_forward_failure_and_cancel(tmp):
    """forward_always = 300: a forward target answering 503 has the 503
    relayed to the caller; one that rings is cancelled when the caller
    cancels (the caller gets 487, the target the CANCEL); all idle."""
    peer = free_udp()
    edit = lambda t: port_keys(t, "fxs1", 'forward_always = "300";')
    with Rig(tmp, peer_port=peer, conf_edit=edit) as r:
        u = sipp(tmp, "uas_503.xml", "", "x", peer, name="f503_uas",
                 limit=60)
        time.sleep(0.5)
        c = sipp(tmp, "uac_fwd_fail.xml", r.uri, "201", free_udp(),
                 media_port=free_udp_even(), name="f503", limit=60,
                 extra=["-key", "hops", "1"])
        rc = c.wait(30)
        assert rc == 0, "SIPp failed (%s):\n%s" % (
            rc, sipp_messages(tmp, "f503")[-2500:])
        assert u.wait(20) == 0, u.text()[-1500:]
        st = re.findall(r"SIP/2.0 (\d{3})", sipp_messages(tmp, "f503"))
        print("target 503: the caller got %s" % st)
        assert "503" in st, st
        r.gw.assert_all_idle(10)
        u = sipp(tmp, "uas_fwd_cancel.xml", "", "x", peer, name="fc_uas",
                 limit=60)
        time.sleep(0.5)
        t0 = time.monotonic()
        c = sipp(tmp, "uac_fwd_cancel.xml", r.uri, "201", free_udp(),
                 media_port=free_udp_even(), name="fc", limit=60,
                 extra=["-key", "hops", "1"])
        rc = c.wait(30)
        assert rc == 0, "SIPp UAC failed (%s):\n%s" % (
            rc, sipp_messages(tmp, "fc")[-2500:])
        rc = u.wait(20)
        assert rc == 0, "SIPp UAS failed (%s):\n%s" % (
            rc, sipp_messages(tmp, "fc_uas")[-2500:])
        print("caller's CANCEL reached the forward target; both ended in "
              "%.1f s" % (time.monotonic() - t0))
        assert "CANCEL sip:" in sipp_messages(tmp, "fc_uas")
        r.gw.assert_all_idle(10)
