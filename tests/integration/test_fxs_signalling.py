# SPDX-License-Identifier: GPL-2.0-or-later
"""FXS signalling seen from the phone: the kewlstart battery drop and the
after-call tones (reorder, howler) on a remote hang-up, loopstart without
the drop; hotline and warm line; message waiting (lamp by on-hook FSK,
stutter dial tone) from a SIP NOTIFY and from copperctl."""
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXS1, FXS2, Rig, free_udp, free_udp_even


def loop(r, port):
    """linesim's `loop P` report as a dict, the log as [(what, ms)]."""
    st = r.ls.cmd("loop %d" % port)
    log = []
    if st["log"] != "-":
        for e in st["log"].split(","):
            what, ms = e.split("@")
            log.append((what, int(ms)))
    st["events"] = log
    return st


def first(events, what):
    for w, ms in events:
        if w == what:
            return ms
    return None


def set_port(text, ext, extra):
    return text.replace('extension = "%s";' % ext,
                        'extension = "%s"; %s' % (ext, extra), 1)


def test_remote_hangup_kewlstart_and_loopstart(tmp):
    """SIPp calls 201 (kewlstart, disconnect_ms 600) and 202 (loopstart);
    the phones answer; SIPp hangs up after 3 s. The kewlstart phone
    measures a 600 ms battery drop, then hears reorder, after reorder_s
    the howler, after howler_s silence; the loopstart phone the same tones
    with no drop."""
    def edit(text):
        text = set_port(text, "201", 'signalling = "kewlstart"; '
                        'disconnect_ms = 600; reorder_s = 3; howler_s = 3;')
        return set_port(text, "202", 'signalling = "loopstart"; '
                        'reorder_s = 3; howler_s = 3;')
    with Rig(tmp, conf_edit=edit) as r:
        for p in (FXS1, FXS2):
            r.ls.cmd("auto %d off" % p)  # auto mode hangs up on reorder
        calls = []
        for p, ext in ((FXS1, "201"), (FXS2, "202")):
            mp = free_udp_even()
            calls.append(sipp(tmp, "uac_media.xml", r.uri, ext, free_udp(),
                              media_port=mp, name="uac_" + ext,
                              extra=["-d", "3000", "-key", "rtp_port",
                                     str(mp), "-key", "fmts", "0",
                                     "-key", "attr", "a=sendrecv"]))
        for p in (FXS1, FXS2):
            r.ls.wait_status(p, "state", "ringing", 10)
            r.ls.cmd("offhook %d" % p)
        for u in calls:
            assert u.wait(30) == 0, u.text()[-2000:]
        for p in (FXS1, FXS2):
            wait_until(lambda: first(loop(r, p)["events"], "none") and
                       first(loop(r, p)["events"], "howler") is not None and
                       loop(r, p)["heard"] == "none", 20,
                       what="port %d: reorder, howler, then silence" % p)
        k, ls = loop(r, FXS1), loop(r, FXS2)
        print("kewlstart: drops=%s last_drop_ms=%s log=%s" %
              (k["drops"], k["last_drop_ms"], k["log"]))
        print("loopstart: drops=%s log=%s" % (ls["drops"], ls["log"]))
        # kewlstart: one drop of the configured length (20 ms frames)
        assert k["drops"] == "1", k
        assert abs(int(k["last_drop_ms"]) - 600) <= 60, k
        ev = k["events"]
        t_off, t_on = first(ev, "battery-off"), first(ev, "battery-on")
        t_re, t_how = first(ev, "congestion"), first(ev, "howler")
        assert None not in (t_off, t_on, t_re, t_how), ev
        assert t_off < t_on <= t_re < t_how, ev
        # nothing heard while the battery was off
        assert not [w for w, ms in ev if t_off < ms < t_on and
                    w not in ("none", "battery-on")], ev
        # reorder for reorder_s (3 s), howler for howler_s (3 s)
        reorder_s = (t_how - t_on) / 1000.0
        t_quiet = [ms for w, ms in ev if w == "none" and ms > t_how][0]
        howler_s = (t_quiet - t_how) / 1000.0
        print("kewlstart: drop %d ms, reorder %.1f s, howler %.1f s" %
              (t_on - t_off, reorder_s, howler_s))
        assert 2.5 <= reorder_s <= 4.5 and 2.5 <= howler_s <= 4.0, ev
        # loopstart: no drop, reorder then howler
        assert ls["drops"] == "0", ls
        assert first(ls["events"], "battery-off") is None, ls
        assert first(ls["events"], "congestion") < \
            first(ls["events"], "howler"), ls
        log = r.gw.log()
        assert "kewlstart: battery dropped for 600 ms" in log
        for p in (FXS1, FXS2):
            r.ls.cmd("onhook %d" % p)
        r.gw.assert_all_idle()


def test_hotline_and_warm_line(tmp):
    """fxs1 hotline 5551234 at once: off-hook sends the INVITE to 5551234
    with no dial tone. fxs2 warm line 5550000 after 1500 ms: off-hook and
    wait gives dial tone, then the INVITE to 5550000; off-hook and dial
    5551234 within the delay calls 5551234."""
    def edit(text):
        text = set_port(text, "201", 'hotline = "5551234";')
        return set_port(text, "202", 'hotline = "5550000"; '
                        'hotline_delay_ms = 1500;')
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=edit) as r:
        for n, (port, name, number, dial) in enumerate((
                (FXS1, "fxs1", "5551234", None),
                (FXS2, "fxs2", "5550000", None),
                (FXS2, "fxs2", "5551234", "5551234"))):
            r.ls.cmd("auto %d off" % port)
            tag = "uas_hot%d" % n
            u = sipp(tmp, "uas_check_ruri.xml", "", number, peer,
                     media_port=free_udp_even(), limit=60, name=tag)
            time.sleep(0.5)
            t0 = time.monotonic()
            r.ls.cmd("offhook %d" % port)
            if dial:
                wait_until(lambda: r.ls.cmd("hears %d" % port)["tone"] ==
                           "dial", 5, what="dial tone")
                r.ls.cmd("dial %d %s" % (port, dial))
            wait_until(lambda: "INVITE sip:" in sipp_messages(tmp, tag), 15,
                       what="the INVITE")
            t_inv = time.monotonic() - t0
            msgs = sipp_messages(tmp, tag)
            assert "INVITE sip:%s@" % number in msgs, msgs[:600]
            ev = loop(r, port)["events"]
            print("%s: INVITE to %s %.2f s after off-hook; heard %s" %
                  (name, number, t_inv, ev))
            if port == FXS1:
                assert first(ev, "dial") is None, ev  # no dial tone
                assert t_inv < 1.5
            elif not dial:
                assert first(ev, "dial") is not None, ev
                assert t_inv >= 1.4, t_inv
            r.gw.wait_port(name, "talking", 15)
            r.ls.cmd("onhook %d" % port)
            assert u.wait(15) == 0, u.text()[-2000:]
            r.gw.assert_all_idle()
        log = r.gw.log()
        assert "off-hook: hotline 5551234" in log
        assert "no digit in 1500 ms: hotline 5550000" in log


def test_message_waiting(tmp):
    """A voice-mail server's NOTIFY (message-summary, Messages-Waiting: yes)
    to 201 turns fxs1's lamp on by Bell 202 FSK (MDMF 0x82) and its dial
    tone into stutter dial tone; copperctl mwi fxs1 off turns both off.
    fxs2 (ETSI caller ID) gets ETSI FSK: copperctl on, NOTIFY no off."""
    def edit(text):
        return set_port(text, "202", 'callerid = "etsi";')
    with Rig(tmp, conf_edit=edit) as r:
        for p in (FXS1, FXS2):
            r.ls.cmd("auto %d off" % p)
        assert loop(r, FXS1)["lamp"] == "unknown"

        def notify(ext, mw, name):
            u = sipp(tmp, "uac_notify_mwi.xml", r.uri, ext, free_udp(),
                     extra=["-key", "mw", mw], name=name)
            assert u.wait(15) == 0, u.text()[-2000:]
            assert "SIP/2.0 200" in sipp_messages(tmp, name)

        def dialtone(port):
            r.ls.cmd("offhook %d" % port)
            wait_until(lambda: r.ls.cmd("hears %d" % port)["tone"] ==
                       "dial", 6, what="steady dial tone")
            st = loop(r, port)
            r.ls.cmd("onhook %d" % port)
            r.gw.assert_all_idle()
            return st

        notify("201", "yes", "notify_on")
        wait_until(lambda: loop(r, FXS1)["lamp"] == "on", 10,
                   what="fxs1's lamp on")
        on = dialtone(FXS1)
        print("NOTIFY yes: lamp %s (%s), off-hook: %s breaks in 1.6 s, "
              "log %s" % (on["lamp"], on["lamp_std"], on["breaks"],
                          on["log"]))
        assert on["lamp_std"] == "bell202" and on["stutter"] == "1", on
        assert "message waiting on (2 new, 8 old)" in r.gw.log()

        rc, out = r.gw.ctl("mwi", "fxs1", "off")
        assert rc == 0 and "ok" in out, out
        wait_until(lambda: loop(r, FXS1)["lamp"] == "off", 10,
                   what="fxs1's lamp off")
        off = dialtone(FXS1)
        print("copperctl off: lamp %s, off-hook: %s breaks, log %s" %
              (off["lamp"], off["breaks"], off["log"]))
        assert off["stutter"] == "0" and off["breaks"] == "0", off

        rc, out = r.gw.ctl("mwi", "fxs2", "on")
        assert rc == 0 and "ok" in out, out
        wait_until(lambda: loop(r, FXS2)["lamp"] == "on", 10,
                   what="fxs2's lamp on")
        assert loop(r, FXS2)["lamp_std"] == "etsi"
        # off-hook, the lamp waits for the phone to hang up
        r.ls.cmd("offhook %d" % FXS2)
        r.gw.wait_port("fxs2", "dialtone", 5)
        notify("202", "no", "notify_off")
        time.sleep(2)
        assert loop(r, FXS2)["lamp"] == "on", loop(r, FXS2)
        r.ls.cmd("onhook %d" % FXS2)
        wait_until(lambda: loop(r, FXS2)["lamp"] == "off", 10,
                   what="fxs2's lamp off once on-hook")
        print("fxs2 (etsi): lamp on by copperctl, off by NOTIFY (sent "
              "after on-hook): %s messages" % loop(r, FXS2)["mwi_msgs"])
        assert loop(r, FXS1)["mwi_msgs"] == "2"
        r.gw.assert_all_idle()
