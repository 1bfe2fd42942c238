# SPDX-License-Identifier: GPL-2.0-or-later
"""The built-in registrar (gateway/registrar.h): a softphone (baresip)
registers as alice with digest authentication; a call from the simulated
PSTN on an FXO port whose target is user:alice rings it wherever it
registered; a wrong password gets 401 again and counts as an auth failure;
after unregistering, the next PSTN call is not answered."""
import os
import re
import time

from gwtest import assert_tone, read_wav, wait_until
from peers import Baresip, tone_wav
from test_calls import FXO1, Rig
from test_rfc4733 import BaresipCtl

PASS = "s3cret-alice-pw"


def registrar_conf(text):
    text = re.sub(r'(trusted = \[[^\]]*\];)',
                  r'\1 registrar = true; register_min_s = 30; '
                  r'register_max_s = 600; ban_after = 100; '
                  r'users = ( { name = "alice"; password = "%s"; } );' % PASS,
                  text, count=1)
    # first FXO port (fxo1) rings alice wherever she is registered
    return re.sub(r'target = "sip:[^"]*";', 'target = "user:alice";', text,
                  count=1)


def bindings(r):
    rc, text = r.gw.ctl("registrations")
    assert rc == 0, text
    return [l for l in text.splitlines() if l.startswith("binding ")]


def test_registered_softphone_rung_from_pstn(tmp):
    with Rig(tmp, conf_edit=registrar_conf) as r:
        gwport = r.gw.sip_port
        aor = "sip:alice@127.0.0.1:%d" % gwport
        b = Baresip(tmp, "alice", "aufile," + tone_wav(
            os.path.join(tmp, "1k.wav"), 1000, -10, 40), aor=aor,
            account=";auth_pass=%s;regint=60;answermode=auto" % PASS,
            seconds=60, limit=90)
        try:
            wait_until(lambda: len(bindings(r)) == 1, 15,
                       what="alice's binding")
            bl = bindings(r)[0]
            print("registrations: " + bl)
            assert "user=alice" in bl
            assert ":%d" % b.sip_port in bl, bl
            exp = int(re.search(r"expires_in=(\d+)s", bl).group(1))
            assert 30 <= exp <= 60, bl  # regint=60, within min/max
            print("binding expires in %d s (asked 60, min 30, max 600)" % exp)
            # a wrong password for alice: 401 again, counted as a failure
            w = Baresip(tmp, "mallory", "ausine,440", aor=aor,
                        account=";auth_pass=wrong-password;regint=60",
                        seconds=20, limit=40)
            try:
                wait_until(lambda: 'auth failure from 127.0.0.1 user "alice"'
                           in r.gw.log(), 15, what="auth failure logged")
                wait_until(lambda: "401" in w.proc.text(), 10,
                           what="mallory's 401")
            finally:
                w.stop()
            fails = r.gw.log().count('auth failure from 127.0.0.1 user "alice"')
            print("wrong password: %d auth failure(s) logged; baresip: %s" % (
                fails, [l for l in w.proc.text().splitlines() if "401" in l][:1]))
            assert len(bindings(r)) == 1, bindings(r)
            # the PSTN calls in on fxo1 -> alice's registered contact
            rec = os.path.join(tmp, "caller.wav")
            r.ls.cmd("play %d tone 700 -10" % FXO1)
            r.ls.cmd("call %d" % FXO1)
            r.gw.wait_port("fxo1", "talking", 15)
            st = list(r.gw.status()["calls"].values())[0]
            print("call while talking: peer=%s codec=%s" % (st["peer"], st["codec"]))
            assert ":%d" % b.sip_port in st["peer"], st
            r.ls.cmd("record %d %s" % (FXO1, rec))
            time.sleep(3)
            r.ls.cmd("record %d stop" % FXO1)
            r.ls.cmd("hangup %d" % FXO1)
            r.gw.assert_all_idle(10)
            sr, x = read_wav(rec)
            f, l = assert_tone(x, sr, 1000, -10.0, skip=len(x) / sr - 1.5,
                               dur=1.0, what="alice's tone at the PSTN caller")
            print("alice -> PSTN caller: %d Hz, %.1f dBm0" % (f, l))
            # alice unregisters (REGISTER expires 0: baresip uadel)
            ctl = BaresipCtl(b.ctrl_port)
            ctl.command("uadel", aor)  # the UA unregisters as it goes
            wait_until(lambda: len(bindings(r)) == 0, 15,
                       what="alice unregistered")
            assert "alice unregistered" in r.gw.log()
            print("after REGISTER expires 0: no binding")
        finally:
            b.stop()
        sr, x = read_wav(b.recording())
        f, l = assert_tone(x, sr, 700, -10.0, skip=1.5, dur=1.0,
                           what="PSTN caller's tone at alice")
        print("PSTN caller -> alice: %d Hz, %.1f dBm0" % (f, l))
        # the next PSTN call: not answered (480 in the log, line rings on)
        r.ls.cmd("call %d" % FXO1)
        wait_until(lambda: "alice is not registered" in r.gw.log(), 15,
                   what="the unregistered user noticed")
        time.sleep(2)
        assert r.ls.status(FXO1)["hook"] == "onhook"
        print("PSTN call with alice unregistered: not answered (480 noted)")
        r.ls.cmd("hangup %d" % FXO1)
        r.gw.assert_all_idle(15)
