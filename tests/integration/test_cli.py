# SPDX-License-Identifier: GPL-2.0-or-later
"""The daemon and copperctl as a user meets them: configuration errors,
--check-config, copperctl without a daemon, a card whose line simulator
comes later."""
import os
import subprocess

from gwtest import SRCDIR, Linesim, binpath, wait_until
from peers import Gateway


def run(argv, timeout=20):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def test_check_config_demo_ok(tmp):
    rc, out = run([binpath("copperline"), "--check-config", "-c",
                   os.path.join(SRCDIR, "etc", "demo.conf")])
    assert rc == 0, out
    assert "configuration ok (4 ports, 3 routes)" in out, out


def test_config_errors_name_file_line_key(tmp):
    """A bad config is refused with FILE:LINE: KEY: and the daemon does not
    start; the file on disk is left as it was."""
    with open(os.path.join(SRCDIR, "etc", "demo.conf")) as f:
        demo = f.read()
    cases = [
        # (replace, by, expected key, expected words)
        ('channel = 3; type = "fxo"', 'channel = 2; type = "fxo"',
         "ports.[2].channel", "channel 2"),
        ('listen = "127.0.0.1:5060"', 'listen = "127.0.0.1:99999"',
         "sip.listen", "port"),
        ('to = "fxo"; }', 'to = "fxq"; }', "routes.[0].to", "fxq"),
        ('extension = "201";', 'extension = "201"; colour = "red";',
         "ports.[0].colour", "unknown"),
    ]
    for old, new, key, words in cases:
        assert old in demo, old
        bad = demo.replace(old, new, 1)
        path = os.path.join(tmp, "bad.conf")
        with open(path, "w") as f:
            f.write(bad)
        line = bad[:bad.index(new)].count("\n") + 1
        for argv in ([binpath("copperline"), "--check-config", "-c", path],
                     [binpath("copperline"), "-c", path, "--control-socket",
                      os.path.join(tmp, "x.sock")]):
            rc, out = run(argv)
            assert rc == 1, (argv, rc, out)
            prefix = "%s:" % path
            assert prefix in out and (": %s:" % key) in out and words in out, \
                "expected %s...%s...%s in: %r" % (prefix, key, words, out)
            got_line = int(out.split(prefix, 1)[1].split(":", 1)[0])
            assert abs(got_line - line) <= 1, "line %d, expected %d: %r" % (got_line, line, out)
        with open(path) as f:
            assert f.read() == bad
    rc, out = run([binpath("copperline"), "--check-config", "-c",
                   os.path.join(tmp, "missing.conf")])
    assert rc == 1 and "missing.conf" in out, out


def test_copperctl_errors(tmp):
    rc, out = run([binpath("copperctl"), "-s", os.path.join(tmp, "none.sock"), "status"])
    assert rc == 1 and "cannot connect" in out and "is copperline running" in out, out
    rc, out = run([binpath("copperctl"), "frobnicate"])
    assert rc == 2 and "unknown command" in out, out


def test_copperctl_route_test(tmp):
    """`copperctl route test SOURCE NUMBER` on the demo gateway explains
    the dial plan's decision route by route; bad arguments get a clear
    error and exit status."""
    def weekend(text):
        return text.replace("routes = (", 'routes = (\n\t{ from = "sip"; prefix = "8";'
                            ' days = "sat,sun"; to = "fxs:fxs1"; },', 1)
    ls = Linesim(tmp)
    gw = None
    try:
        gw = Gateway(tmp, ls, conf_edit=weekend)
        ctl = [binpath("copperctl"), "-s", gw.control]
        rc, out = run(ctl + ["route", "test", "sip", "8201", "2026-11-28T10:00"])
        assert rc == 0 and "days sat,sun): matches" not in out, out
        assert "result: number 8201 -> port fxs1" in out, out
        rc, out = run(ctl + ["route", "test", "sip", "8201", "2026-11-24T10:00"])
        assert rc == 0 and "skipped: not now (days sat,sun)" in out, out
        assert "result: no route" in out, out
        rc, out = run(ctl + ["route", "test", "sip", "8201", "tomorrow"])
        assert rc == 1 and "is not YYYY-MM-DDTHH:MM" in out, out
        rc, out = run(ctl + ["route", "test", "sip", "91004"])
        print(out)
        assert rc == 0, out
        assert "route 1 (line" in out and "from sip, prefix 9): matches" in out, out
        assert "result: number 1004 -> any idle FXO line" in out, out
        rc, out = run(ctl + ["route", "test", "fxs", "5551234"])
        assert rc == 0 and "skipped: not from fxs" in out, out
        assert "-> SIP sip:5551234@127.0.0.1:" in out, out
        assert "dialling it on a phone: waits for more digits" in out, out
        rc, out = run(ctl + ["route", "test", "fxo", "1"])
        assert rc == 0 and "result: no route" in out, out
        rc, out = run(ctl + ["route", "test", "pstn", "1"])
        assert rc == 1 and "source 'pstn' is not sip, fxs, fxo or disa" in out, out
        rc, out = run(ctl + ["route", "test", "sip", "12x"])
        assert rc == 1 and "a number is 0-9 * # +" in out, out
        rc, out = run(ctl + ["route", "test", "sip"])
        assert rc == 2 and "unknown command or arguments" in out, out
    finally:
        if gw:
            gw.stop()
        ls.stop()


def test_card_far_side_comes_later(tmp):
    """The gateway starts while the line simulator is not there: ports are
    in alarm; once it starts they become idle, and a call works."""
    class Absent:
        card = os.path.join(tmp, "linesim.card")
    gw = Gateway(tmp, Absent())
    try:
        st = gw.status()
        assert all(p["state"] == "alarm" for p in st["ports"].values()), st["text"]
        assert "not reachable" in gw.log()
        ls = Linesim(tmp)
        try:
            gw.assert_all_idle(5)
            ls.cmd("offhook 1")
            wait_until(lambda: ls.cmd("hears 1")["tone"] == "dial", 5,
                       what="dial tone after the card came up")
            ls.cmd("onhook 1")
            gw.assert_all_idle(5)
        finally:
            ls.stop()
        # the simulator goes away again: alarm
        wait_until(lambda: all(p["state"] == "alarm"
                               for p in gw.status()["ports"].values()), 5,
                   what="ports in alarm after the card went away")
    finally:
        gw.stop()
