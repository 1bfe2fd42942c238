# SPDX-License-Identifier: GPL-2.0-or-later
"""Call transfer both ways and the hook-flash as SIP INFO (gateway/xfer.h):
a SIP peer REFERs a phone's call to a second SIPp (the phone ends up
talking to it, hearing its audio), a REFER to a busy target (NOTIFY 486,
the call goes on), a REFER naming the gateway (403), the phone's own
blind transfer (flash, digits, REFER to the party), and a trunk whose
flash = "info" relaying the phone's flash as INFO application/hook-flash.
"""
import re
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXO1, FXS1, Rig, free_udp, free_udp_even
from test_trunks import trunk_conf


def no_canceller(extra_port=""):
    """Echo canceller off (the phone's tone comes back through the
    target's -rtp_echo: a steady echo a canceller would learn away)."""
    def f(text):
        for t in ('type = "fxo";', 'type = "fxs";'):
            text = text.replace(t, t + " echo_canceller = false;")
        return text.replace('extension = "201";',
                            'extension = "201"; %s' % extra_port, 1)
    return f


def hears(r, port):
    h = r.ls.cmd("hears %d" % port)
    return int(h["freq"]), float(h["level"])


def notifies(tmp, name):
    """The sipfrag status of each NOTIFY SIPp `name` received, in order."""
    out = []
    for b in sipp_messages(tmp, name).split("\n\n----"):
        if "message received" in b and re.search(r"^\s*NOTIFY sip:", b,
                                                 re.M):
            m = re.search(r"^SIP/2\.0 (\d{3}) ", b, re.M)
            out.append(int(m.group(1)) if m else None)
    return out


def answered_call(tmp, r, scenario, refer_to, name):
    """SIPp `scenario` calls 201; the phone answers and plays 1000 Hz."""
    r.ls.cmd("auto %d off" % FXS1)
    a = sipp(tmp, scenario, r.uri, "201", free_udp(),
             media_port=free_udp_even(), name=name, limit=90,
             extra=["-key", "refer_to", refer_to])
    r.ls.wait_status(FXS1, "state", "ringing", 15)
    r.ls.cmd("offhook %d" % FXS1)
    r.gw.wait_port("fxs1", "talking", 10)
    r.ls.cmd("play %d tone 1000 -10" % FXS1)
    return a


def test_refer_received_moves_the_phone(tmp):
    """SIPp A calls the phone, the phone answers; A sends REFER to
    5551234: 202, NOTIFY 100 Trying, a new INVITE (with Referred-By)
    through the phone's own route to SIPp B, B answers and echoes, NOTIFY
    200, BYE on A's dialog. The phone never goes on-hook: it talks to B
    and hears its own tone back through B's echo."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=no_canceller()) as r:
        b = sipp(tmp, "uas_check_ruri.xml", "", "5551234", peer,
                 media_port=free_udp_even(), extra=["-rtp_echo"],
                 name="xfer_b", limit=90)
        time.sleep(0.3)
        t0 = time.monotonic()
        a = answered_call(tmp, r, "uac_refer.xml",
                          "sip:5551234@127.0.0.1:%d" % peer, "xfer_a")
        time.sleep(0.3)
        before = hears(r, FXS1)[1]
        print("before the transfer the phone hears %.1f dBm0 (A is "
              "silent)" % before)
        assert before < -30
        rc = a.wait(40)
        assert rc == 0, "SIPp A failed (%s):\n%s\n%s" % (
            rc, a.text()[-2000:], r.gw.log()[-3000:])
        n = notifies(tmp, "xfer_a")
        print("A: 202, NOTIFY sipfrags %s, BYE %.1f s after the call" %
              (n, time.monotonic() - t0))
        assert "SIP/2.0 202" in sipp_messages(tmp, "xfer_a")
        assert n == [100, 200], n
        bm = sipp_messages(tmp, "xfer_b")
        assert "INVITE sip:5551234@" in bm and "Referred-By:" in bm, bm[:2000]
        # the phone: still off-hook, in a call with B, hearing B's echo
        st = r.gw.status()
        calls = list(st["calls"].values())
        print("after the transfer: fxs1 %s, calls %s" %
              (st["ports"]["fxs1"]["state"],
               [(c["port"], c["peer"]) for c in calls]))
        assert st["ports"]["fxs1"]["state"] == "talking"
        assert r.ls.status(FXS1)["hook"] == "offhook"
        assert len(calls) == 1 and "5551234" in calls[0]["peer"], calls
        wait_until(lambda: abs(hears(r, FXS1)[0] - 1000) < 20 and
                   hears(r, FXS1)[1] > -20, 10,
                   what="the phone's tone back through B")
        f, lvl = hears(r, FXS1)
        print("phone hears %d Hz at %.1f dBm0 from B" % (f, lvl))
        log = r.gw.log()
        assert "media moved from call" in log
        r.ls.cmd("onhook %d" % FXS1)
        rc = b.wait(20)
        assert rc == 0, "SIPp B failed (%s):\n%s" % (rc, b.text()[-2000:])
        r.gw.assert_all_idle(10)


def test_refer_to_busy_target_keeps_the_call(tmp):
    """A REFERs the phone's call to a target answering 486: NOTIFY 100,
    NOTIFY 486; the phone stays in the call with A, which hangs up 4 s
    later."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=no_canceller()) as r:
        b = sipp(tmp, "uas_486.xml", "", "5550486", peer, name="xfer_busy",
                 limit=60)
        time.sleep(0.3)
        a = answered_call(tmp, r, "uac_refer_fail.xml",
                          "sip:5550486@127.0.0.1:%d" % peer, "xfer_a")
        wait_until(lambda: len(notifies(tmp, "xfer_a")) >= 2, 20,
                   what="two NOTIFYs at A")
        st = r.gw.status()
        calls = list(st["calls"].values())
        print("NOTIFY sipfrags %s; fxs1 %s, calls %s" %
              (notifies(tmp, "xfer_a"), st["ports"]["fxs1"]["state"],
               [c["peer"] for c in calls]))
        assert notifies(tmp, "xfer_a") == [100, 486]
        assert st["ports"]["fxs1"]["state"] == "talking"
        assert len(calls) == 1 and "sipp@" in calls[0]["peer"], calls
        rc = a.wait(30)
        assert rc == 0, "SIPp A failed (%s):\n%s" % (rc, a.text()[-2000:])
        assert b.wait(10) == 0, b.text()[-2000:]
        r.gw.wait_port("fxs1", "disconnected", 10)
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)


def test_refer_loop_refused(tmp):
    """A REFER whose Refer-To names the gateway itself gets 403 with a
    log line; the call goes on until A hangs up."""
    with Rig(tmp, conf_edit=no_canceller()) as r:
        a = answered_call(tmp, r, "uac_refer_reject.xml",
                          "sip:201@127.0.0.1:%d" % r.gw.sip_port, "xfer_a")
        rc = a.wait(30)
        assert rc == 0, "SIPp A failed (%s):\n%s" % (rc, a.text()[-2000:])
        m = re.search(r"REFER refused \(403[^)]*\): ([^\n]*)", r.gw.log())
        assert m, r.gw.log()[-3000:]
        print("REFER to the gateway: 403, logged: %s" % m.group(1))
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)


def call_and_flash(tmp, r, peer, scenario, name, limit):
    """SIPp (scenario) answers on `peer`; the phone on fxs1 calls it
    (5551234), talks, then flashes (400 ms). Returns the SIPp."""
    u = sipp(tmp, scenario, "", "x", peer, media_port=free_udp_even(),
             name=name, limit=limit)
    time.sleep(0.3)
    r.ls.phone_dial(FXS1, "5551234")
    r.gw.wait_port("fxs1", "talking", 15)
    time.sleep(0.5)
    r.ls.cmd("flash %d 400" % FXS1)
    return u


def test_fxs_blind_transfer(tmp):
    """The phone calls 5551234 (SIPp); it flashes: the party gets a hold
    re-INVITE (a=sendonly), the phone dial tone; it dials 2000#: REFER
    Refer-To sip:2000@ the party's host; the party answers 202 and
    NOTIFY 200: the gateway sends BYE; the phone hears the after-call
    tones until it hangs up."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=no_canceller()) as r:
        u = call_and_flash(tmp, r, peer, "uas_xfer_refer.xml", "xfer_party", 90)
        wait_until(lambda: "a=sendonly" in sipp_messages(tmp, "xfer_party"),
                   10, what="the hold re-INVITE")
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="second dial tone")
        t0 = time.monotonic()
        r.ls.cmd("dial %d 2000#" % FXS1)
        wait_until(lambda: "REFER sip:" in sipp_messages(tmp, "xfer_party"),
                   15, what="the REFER")
        m = re.search(r"^Refer-To: *(.*)$", sipp_messages(tmp, "xfer_party"),
                      re.M)
        print("REFER %.1f s after the digits, Refer-To %s" %
              (time.monotonic() - t0, m.group(1) if m else None))
        assert m and m.group(1).strip() == "<sip:2000@127.0.0.1:%d>" % peer
        rc = u.wait(30)
        assert rc == 0, "SIPp failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], r.gw.log()[-3000:])
        r.gw.wait_port("fxs1", "disconnected", 10)
        assert "blind transfer done" in r.gw.log()
        assert not r.gw.status()["calls"]
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)


def test_fxs_flash_resume_without_digits(tmp):
    """flash, then flash again without dialling: the call is resumed
    (a=sendrecv re-INVITE) and no REFER is sent."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=no_canceller()) as r:
        u = call_and_flash(tmp, r, peer, "uas_hold_resume.xml", "xfer_held", 60)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="second dial tone")
        time.sleep(1.5)
        r.ls.cmd("flash %d 400" % FXS1)
        wait_until(lambda: "call resumed" in r.gw.log(), 5,
                   what="the resume")
        msgs = sipp_messages(tmp, "xfer_held")
        tone = r.ls.cmd("hears %d" % FXS1)["tone"]
        print("after the second flash: phone hears %s; INVITEs seen by "
              "the party: %d" % (tone, msgs.count("INVITE sip:")))
        assert "REFER sip:" not in msgs
        assert tone != "dial"
        wait_until(lambda: "a=sendrecv" in sipp_messages(tmp, "xfer_held")
                   .split("a=sendonly", 1)[-1], 10,
                   what="the resume re-INVITE")
        r.ls.cmd("onhook %d" % FXS1)
        rc = u.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle(10)


def test_flash_as_sip_info_on_trunk(tmp):
    """A trunk with flash = "info", the phone (flash = "relay") calls
    through it: its hook-flash reaches the SIPp proxy as INFO
    application/hook-flash with body signal=hf."""
    port = free_udp()
    u = sipp(tmp, "uas_info_flash.xml", "", "x", port,
             media_port=free_udp_even(), name="info_flash", limit=60)
    time.sleep(0.3)
    section = trunk_conf(proxies=["sip:127.0.0.1:%d" % port],
                         extra='register = false; realm = "prov.test"; '
                               'flash = "info";')
    route = '{ from = "fxs"; prefix = "0"; strip = 1; to = "trunk:prov"; }'

    def edit(text):
        text = text.replace('extension = "201";',
                            'extension = "201"; flash = "relay";', 1)
        text = text.replace("routes = (\n", "routes = (\n\t%s,\n" % route, 1)
        return text + section
    with Rig(tmp, conf_edit=edit) as r:
        r.ls.phone_dial(FXS1, "0555123")
        r.gw.wait_port("fxs1", "talking", 15)
        time.sleep(0.5)
        r.ls.cmd("flash %d 400" % FXS1)
        wait_until(lambda: "INFO sip:" in sipp_messages(tmp, "info_flash"),
                   10, what="the INFO")
        msgs = sipp_messages(tmp, "info_flash")
        blk = msgs[msgs.index("INFO sip:"):]
        ct = re.search(r"^Content-Type: *(\S+)", blk, re.M)
        body = re.search(r"^signal=hf", blk, re.M)
        print("INFO received: Content-Type %s, body %s" %
              (ct.group(1) if ct else None, body.group(0) if body else None))
        assert ct and ct.group(1) == "application/hook-flash"
        assert body
        time.sleep(0.5)
        r.ls.cmd("onhook %d" % FXS1)
        rc = u.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle(10)


def test_refer_transferor_leaves_early(tmp):
    """A hangs up right after the 202 and NOTIFY 100: the phone stays
    off-hook with the new call (ringback while B rings) and talks to B
    once it answers, hearing its tone back through B's echo."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=no_canceller()) as r:
        b = sipp(tmp, "uas_check_ruri.xml", "", "5551234", peer,
                 media_port=free_udp_even(), extra=["-rtp_echo"],
                 name="xfer_b", limit=90)
        time.sleep(0.3)
        a = answered_call(tmp, r, "uac_refer_bye.xml",
                          "sip:5551234@127.0.0.1:%d" % peer, "xfer_a")
        rc = a.wait(30)
        assert rc == 0, "SIPp A failed (%s):\n%s" % (rc, a.text()[-2000:])
        st = r.gw.status()
        print("A gone: fxs1 %s, phone %s, hears %s" %
              (st["ports"]["fxs1"]["state"], r.ls.status(FXS1)["hook"],
               r.ls.cmd("hears %d" % FXS1)["tone"]))
        assert st["ports"]["fxs1"]["state"] == "talking"
        wait_until(lambda: abs(hears(r, FXS1)[0] - 1000) < 20 and
                   hears(r, FXS1)[1] > -20, 15,
                   what="the phone's tone back through B")
        calls = list(r.gw.status()["calls"].values())
        print("B answered: calls %s, phone hears %d Hz at %.1f dBm0" %
              (([c["peer"] for c in calls],) + hears(r, FXS1)))
        assert len(calls) == 1 and "5551234" in calls[0]["peer"], calls
        r.ls.cmd("onhook %d" % FXS1)
        rc = b.wait(20)
        assert rc == 0, "SIPp B failed (%s):\n%s" % (rc, b.text()[-2000:])
        r.gw.assert_all_idle(10)


def test_refer_received_on_fxo_line(tmp):
    """SIPp A calls 91004 (an exchange line playing 1004 Hz); A REFERs
    the call to SIPp B at a trusted address (no `from = "fxo"` route:
    the Refer-To is called as given): the line stays seized, B answers
    and echoes, and the exchange hears its own 1004 Hz back through B."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=no_canceller()) as r:
        b = sipp(tmp, "uas_check_ruri.xml", "", "5551234", peer,
                 media_port=free_udp_even(), extra=["-rtp_echo"],
                 name="xfer_b", limit=90)
        time.sleep(0.3)
        a = sipp(tmp, "uac_refer.xml", r.uri, "91004", free_udp(),
                 media_port=free_udp_even(), name="xfer_a", limit=90,
                 extra=["-key", "refer_to",
                        "sip:5551234@127.0.0.1:%d" % peer])
        r.gw.wait_port("fxo1", "talking", 15)
        time.sleep(0.3)
        before = hears(r, FXO1)[1]
        print("before the transfer the exchange hears %.1f dBm0 (A is "
              "silent)" % before)
        assert before < -30
        rc = a.wait(40)
        assert rc == 0, "SIPp A failed (%s):\n%s\n%s" % (
            rc, a.text()[-2000:], r.gw.log()[-3000:])
        assert notifies(tmp, "xfer_a") == [100, 200]
        assert "Refer-To host is trusted" in r.gw.log()
        st = r.gw.status()
        calls = list(st["calls"].values())
        print("FXO line after the transfer: fxo1 %s, exchange side %s, "
              "calls %s" % (st["ports"]["fxo1"]["state"],
                            r.ls.status(FXO1)["hook"],
                            [c["peer"] for c in calls]))
        assert st["ports"]["fxo1"]["state"] == "talking"
        assert len(calls) == 1 and "5551234" in calls[0]["peer"], calls
        wait_until(lambda: abs(hears(r, FXO1)[0] - 1004) < 20 and
                   hears(r, FXO1)[1] > -25, 10,
                   what="the line's 1004 Hz back through B")
        print("exchange hears %d Hz at %.1f dBm0 through B" %
              hears(r, FXO1))
        r.ls.cmd("hangup %d" % FXO1)
        rc = b.wait(20)
        assert rc == 0, "SIPp B failed (%s):\n%s" % (rc, b.text()[-2000:])
        r.gw.assert_all_idle(10)
