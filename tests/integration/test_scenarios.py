# SPDX-License-Identifier: GPL-2.0-or-later
"""copperline-linesim scenario files (--script): the shipped examples in
linesim/scenarios run against the real gateway, and the runner's
failures: a step that does not happen, and a bad file (nothing sent)."""
import os
import subprocess

from gwtest import binpath, wait_until
from peers import Baresip, tone_wav
from test_calls import FXO1, FXS1, Rig

SCN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "linesim", "scenarios")


def run_script(ls, path, timeout=90):
    p = subprocess.run([binpath("copperline-linesim"), "--control", ls.control,
                        "--script", path], capture_output=True, text=True,
                       timeout=timeout)
    print(p.stdout, end="")
    print(p.stderr, end="")
    return p


def scenario(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def bell_cid(text):
    """The demo's FXO ports, with Bell caller ID expected on them."""
    return text.replace('type = "fxo";', 'type = "fxo"; callerid = "bell";')


def test_scenario_phone_dialtone(tmp):
    """linesim/scenarios/phone-dialtone.scn against the gateway: dial
    tone on off-hook, gone after the first digit, idle after on-hook."""
    with Rig(tmp) as r:
        p = run_script(r.ls, os.path.join(SCN_DIR, "phone-dialtone.scn"))
        assert p.returncode == 0, "scenario failed (%d)" % p.returncode
        assert "6 steps passed" in p.stdout
        r.gw.assert_all_idle(10)


def test_scenario_line_call_to_sip(tmp):
    """linesim/scenarios/line-call-to-sip.scn with baresip as the FXO
    port's SIP target (answering, sending 1000 Hz): the exchange's call
    with Bell caller ID reaches baresip, the exchange hears its tone, the
    loop-current drop ends the call; the gateway logs the caller."""
    b = Baresip(tmp, "bob", "aufile," + tone_wav(os.path.join(tmp, "1k.wav"),
                                                 1000, -10, 40),
                account=";answermode=auto", seconds=60)
    try:
        with Rig(tmp, peer_port=b.sip_port, fxo_target_user="bob",
                 conf_edit=bell_cid) as r:
            p = run_script(r.ls, os.path.join(SCN_DIR, "line-call-to-sip.scn"))
            assert p.returncode == 0, "scenario failed (%d)" % p.returncode
            r.gw.assert_all_idle(15)
            assert "2125551234" in r.gw.log(), "caller ID not in the log"
    finally:
        b.stop()


def test_scenario_failures(tmp):
    """A step that does not happen fails the scenario (exit 1) with its
    file:line and the last reply, and later steps do not run; a file with
    bad lines is refused whole (exit 2, each bad line named) and nothing
    is sent."""
    with Rig(tmp) as r:
        bad = scenario(tmp, "bad.scn", "offhook 1\n"
                       "sleep forever\n"
                       "expect 5 status 1 state=offhook\n"
                       "expect 2 status 1 : rings=9..1\n"
                       "expect status 1 : nokey\n")
        p = run_script(r.ls, bad)
        assert p.returncode == 2, p.returncode
        for line, what in ((2, "sleep needs SECONDS"),
                           (3, "expect needs"),
                           (4, "check 'rings=9..1': range needs LO..HI"),
                           (5, "check 'nokey'")):
            assert "bad.scn:%d: %s" % (line, what) in p.stderr, (line, what)
        assert r.ls.status(FXS1)["hook"] == "onhook", "a bad file sent a step"

        fail = scenario(tmp, "fail.scn", "offhook 1\n"
                        "expect 5 hears 1 : tone=dial\n"
                        "expect 1.5 status 3 : state=connected   # never\n"
                        "onhook 1\n")
        p = run_script(r.ls, fail)
        assert p.returncode == 1, p.returncode
        assert "fail.scn:3: expect status 3: not met within 1.5 s; " \
               "last reply: ok port=3 kind=co state=idle" in p.stderr
        assert "FAILED" in p.stdout
        # the step after the failure did not run
        assert r.ls.status(FXS1)["hook"] == "offhook"
        r.ls.cmd("onhook %d" % FXS1)

        unknown = scenario(tmp, "unknown.scn", "ring 1\n")
        p = run_script(r.ls, unknown)
        assert p.returncode == 1 and "unknown.scn:1: ring 1: err unknown " \
            "command" in p.stderr, p.stderr
        p = run_script(r.ls, os.path.join(tmp, "missing.scn"))
        assert p.returncode == 2 and "No such file" in p.stderr
        r.gw.assert_all_idle(10)
        assert r.ls.status(FXO1)["hook"] == "onhook"
