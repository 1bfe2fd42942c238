# SPDX-License-Identifier: GPL-2.0-or-later
"""DISA (gateway/disa.h) end to end: the test exchange calls FXO port 3,
whose target is disa:office; the gateway answers with dial tone, takes a
PIN in DTMF (wrong ones: reorder and a security line, three of them: the
gateway hangs up), then a number, which the dial plan routes with source
"disa" to a SIPp UAS; the call bridges and the CDR has its destination."""
import os
import re
import sqlite3
import time

from gwtest import assert_tone, read_wav, wait_until
from peers import Baresip, sipp, sipp_messages, tone_wav
from test_calls import FXO1, Rig, free_udp, free_udp_even

PIN = "314159"


def disa_plan(peer, db=None):
    def edit(text):
        text = text.replace('target = "sip:100@127.0.0.1:%d"; }' % peer,
                            'target = "disa:office"; }', 1)
        text = text.replace(
            "routes = (\n",
            "disa = ( { name = \"office\"; pins = [ \"%s\", \"080015\" ];"
            " digit_timeout_ms = 4000; } );\n"
            "routes = (\n"
            "\t{ from = \"disa\"; pattern = \"_555XXXX\";"
            " to = \"sip:${number}@127.0.0.1:%d\"; },\n"
            "\t{ from = \"disa\"; prefix = \"011\";"
            " to = \"sip:${number}@127.0.0.1:%d\"; },\n"
            "\t{ from = \"disa\"; prefix = \"9\"; strip = 1;"
            " to = \"fxo\"; },\n"
            "\t{ from = \"sip\"; prefix = \"8\"; to = \"disa:office\"; },\n"
            % (PIN, peer, peer),
            1)
        if db:
            text = text.replace("general = {",
                                'general = {\n\tcdr_db = "%s";' % db, 1)
        assert 'target = "disa:office"' in text, text
        return text
    return edit


def hears(r, tone, timeout=8):
    wait_until(lambda: r.ls.status(FXO1)["hears"] == tone, timeout,
               what="the PSTN caller to hear %s (now %s)" % (
                   tone, r.ls.status(FXO1)["hears"]))


def security_lines(r):
    return [l for l in r.gw.log().splitlines()
            if "SECURITY: DISA" in l]


def answered_with_dial_tone(r):
    # a caller who listens (the line's default caller echoes what it
    # hears, dial tone included, 200 ms later, louder than a hybrid)
    r.ls.cmd("play %d silence" % FXO1)
    r.ls.cmd("call %d" % FXO1)
    r.gw.wait_port("fxo1", "disa", 20)
    hears(r, "dial")
    calls = r.gw.status()["calls"]
    assert len(calls) == 1, calls
    c = list(calls.values())[0]
    print("in DISA: call", c)
    assert c["state"] == "disa" and c["dir"] == "fxo-to-sip", c


def test_disa_wrong_then_right_pin(tmp):
    """Wrong PIN 1234: reorder, one security line; dial tone again; the
    right PIN: second dial tone; 5551234#: the UAS gets INVITE
    sip:5551234@, answers; the call is talking; the caller hangs up: BYE
    reaches the UAS; the CDR row has the destination; no PIN in the log."""
    peer = free_udp()
    db = os.path.join(tmp, "cdr.db")
    with Rig(tmp, peer_port=peer, conf_edit=disa_plan(peer, db)) as r:
        out = r.gw.ctl("route", "test", "disa", "5551234")[1]
        print(out)
        assert "result: number 5551234 -> SIP sip:5551234@" in out, out
        u = sipp(tmp, "uas_check_ruri.xml", "", "x", peer,
                 media_port=free_udp_even(), extra=["-rtp_echo"],
                 name="disa_uas", limit=90)
        time.sleep(0.5)
        t0 = time.time()
        answered_with_dial_tone(r)
        print("answered with dial tone after %.1f s" % (time.time() - t0))
        r.ls.cmd("talk %d dtmf 1234#" % FXO1)
        wait_until(lambda: len(security_lines(r)) == 1, 10,
                   what="a security line for the wrong PIN")
        hears(r, "congestion")
        print("wrong PIN:", security_lines(r)[0])
        assert 'disa "office" (try 1 of 3)' in security_lines(r)[0]
        hears(r, "dial")
        r.ls.cmd("talk %d dtmf %s" % (FXO1, PIN))
        wait_until(lambda: "PIN accepted" in r.gw.log(), 10,
                   what="the PIN accepted")
        hears(r, "dial")
        r.ls.cmd("talk %d dtmf 5551234#" % FXO1)
        r.gw.wait_port("fxo1", "talking", 30)
        c = list(r.gw.status()["calls"].values())[0]
        print("bridged:", c)
        assert c["state"] == "talking" and c["number"] == "5551234", c
        time.sleep(1)
        r.ls.cmd("hangup %d" % FXO1)
        rc = u.wait(20)
        assert rc == 0, "SIPp UAS failed (%s):\n%s" % (rc, u.text()[-2000:])
        msgs = sipp_messages(tmp, "disa_uas")
        ruri = msgs[msgs.index("INVITE sip:"):].split("\n")[0]
        print("UAS got:", ruri.strip(), "; BYE" if "BYE sip:" in msgs else "")
        assert ruri.startswith("INVITE sip:5551234@"), ruri
        assert "BYE sip:" in msgs
        r.gw.assert_all_idle(10)
        assert r.ls.status(FXO1)["hook"] == "onhook"
        log = r.gw.log()
        m = re.search(r"RTP received (\d+) of", log)
        print("bridged media: %s" % (m.group(0) if m else "?"))
        assert m and int(m.group(1)) > 0, "no RTP from the UAS"
        assert not re.search(r"\b(%s|1234)\b" % PIN, log), "a PIN in the log"
        assert len(security_lines(r)) == 1, security_lines(r)
    s = sqlite3.connect(db)
    s.row_factory = sqlite3.Row
    rows = [dict(x) for x in s.execute("SELECT * FROM cdr")]
    s.close()
    for x in rows:
        print({k: x[k] for k in ("direction", "port", "called", "peer",
                                 "disposition", "cause", "reason")})
    assert len(rows) == 1, rows
    assert rows[0]["called"] == "5551234" and rows[0]["port"] == "fxo1"
    assert rows[0]["disposition"] == "answered", rows[0]
    assert rows[0]["peer"].startswith("sip:5551234@"), rows[0]


def test_disa_three_wrong_pins_hang_up(tmp):
    """Three wrong PINs (000000 ends at the PIN length, the others with
    #): three security lines and a fourth for the hang-up; the gateway
    goes on-hook; the call record says failed, 403, DISA: wrong PIN."""
    peer = free_udp()
    db = os.path.join(tmp, "cdr.db")
    with Rig(tmp, peer_port=peer, conf_edit=disa_plan(peer, db)) as r:
        answered_with_dial_tone(r)
        for i, pin in enumerate(("000000", "9999#", "31415#")):
            hears(r, "dial")
            r.ls.cmd("talk %d dtmf %s" % (FXO1, pin))
            wait_until(lambda: len(security_lines(r)) >= i + 1, 10,
                       what="security line %d" % (i + 1))
        wait_until(lambda: r.ls.status(FXO1)["hook"] == "onhook", 10,
                   what="the gateway to hang up")
        for l in security_lines(r):
            print(l)
        lines = security_lines(r)
        assert len(lines) == 4 and "3 wrong PINs" in lines[3], lines
        r.gw.assert_all_idle(10)
    s = sqlite3.connect(db)
    row = s.execute("SELECT direction, port, disposition, cause, reason "
                    "FROM cdr").fetchall()
    s.close()
    print("record:", row)
    assert row == [("fxo-to-sip", "fxo1", "failed", 403,
                    "DISA: wrong PIN")], row


def test_disa_number_not_allowed(tmp):
    """The right PIN, then 0114412345# (international: its route exists
    but has no allow_premium) and, on a second call, 6001# (no route from
    disa): reorder, no INVITE leaves, the line is released."""
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=disa_plan(peer)) as r:
        for number, why in (("0114412345#", "blocked dial-out"),
                            ("6001#", "no route from disa can match")):
            n0 = r.gw.log().count("PIN accepted")
            answered_with_dial_tone(r)
            r.ls.cmd("talk %d dtmf %s" % (FXO1, PIN))
            wait_until(lambda: r.gw.log().count("PIN accepted") > n0, 10,
                       what="the PIN accepted")
            hears(r, "dial")
            r.ls.cmd("talk %d dtmf %s" % (FXO1, number))
            hears(r, "congestion")
            wait_until(lambda: r.ls.status(FXO1)["hook"] == "onhook", 15,
                       what="the gateway to release the line")
            r.ls.wait_status(FXO1, "state", "idle", 10)
            r.gw.assert_all_idle(10)
            assert why in r.gw.log(), why
            print("%s: reorder, released (%s); PINs accepted so far %d"
                  % (number, why, n0))
        assert "INVITE sip:" not in r.gw.log(), "an INVITE left"


def test_sip_disa_to_pstn(tmp):
    """baresip calls 8 (route to disa:office): the gateway answers on the
    idle FXO line (still on-hook), in state disa; baresip sends a wrong
    PIN as RFC 4733 events: a DISA security line and an auth failure of
    127.0.0.1 (toward a ban); the right PIN, then 91004#: the route from
    disa (9, strip 1, to fxo) seizes the line and dials 1004, the
    milliwatt line; baresip hears 1004 Hz; its hang-up (BYE) frees all."""
    from test_rfc4733 import BaresipCtl
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=disa_plan(peer)) as r:
        quiet = tone_wav(os.path.join(tmp, "quiet.wav"), 300, -70, 30)
        b = Baresip(tmp, "alice", "aufile," + quiet, seconds=24,
                    dial="sip:8@" + r.uri)
        ctl = BaresipCtl(b.ctrl_port)
        try:
            # answered at once: baresip's CALL_ESTABLISHED may come before
            # its control connection does
            r.gw.wait_port("fxo1", "disa", 10)
            c = list(r.gw.status()["calls"].values())[0]
            print("SIP caller in DISA:", c)
            assert c["state"] == "disa" and c["dir"] == "sip-to-fxo", c
            assert r.ls.status(FXO1)["hook"] == "onhook"
            ctl.pump(1.0)
            ctl.command("sndcode", "1234#")
            wait_until(lambda: "SECURITY: auth failure from 127.0.0.1 user "
                       "\"disa:office\"" in r.gw.log(), 10,
                       what="the SIP source's auth failure")
            print("wrong PIN:", security_lines(r)[0])
            ctl.pump(2.5)  # reorder, then dial tone again
            ctl.command("sndcode", PIN)
            wait_until(lambda: "PIN accepted" in r.gw.log(), 10,
                       what="the PIN accepted")
            ctl.pump(0.5)
            ctl.command("sndcode", "91004#")
            r.ls.wait_status(FXO1, "dialled", "1004", 20)
            r.gw.wait_port("fxo1", "talking", 20)
            print("dialled out:", list(r.gw.status()["calls"].values())[0])
            ctl.pump(3.0)
        finally:
            ctl.close()
        b.wait(30)
        r.gw.assert_all_idle(15)
        assert r.ls.status(FXO1)["hook"] == "onhook"
        assert not re.search(r"\b(%s|1234)\b" % PIN, r.gw.log()), \
            "a PIN in the log"
        sr, x = read_wav(b.recording())
        f, l = assert_tone(x, sr, 1004, -10.0, skip=len(x) / sr - 2.5,
                           dur=1.0, what="the milliwatt line at baresip")
        print("baresip hears the PSTN line: %d Hz, %.1f dBm0" % (f, l))
