# SPDX-License-Identifier: GPL-2.0-or-later
"""copperctl's operations commands as an operator uses them on a running
gateway: log levels per subsystem, the SIP trace, calls with live media
figures, hangup, --json on every command, and the interactive mode."""
import json
import os
import pty
import re
import select
import subprocess
import time

from gwtest import Linesim, binpath, free_port, wait_until
from peers import Gateway, free_udp_pair, sipp
from peers import GwRig as Rig

FXO1 = 3


def ctl(gw, *args, stdin=None):
    r = subprocess.run([binpath("copperctl"), "-s", gw.control] + list(args),
                       capture_output=True, text=True, timeout=15, input=stdin)
    return r.returncode, r.stdout, r.stderr


def ctl_json(gw, *args):
    rc, out, err = ctl(gw, "--json", *args)
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise AssertionError("copperctl --json %s: not JSON (%s): %r %r"
                             % (" ".join(args), e, out, err))
    assert isinstance(doc, dict) and "ok" in doc, doc
    return rc, doc


def options(tmp, gw, user, name):
    """One SIPp OPTIONS to USER@gateway; waits for its 200."""
    u = sipp(tmp, "uac_options.xml", "127.0.0.1:%d" % gw.sip_port, user,
             free_port(), limit=20, name=name)
    rc = u.wait(15)
    assert rc == 0, "SIPp OPTIONS failed (%s):\n%s" % (rc, u.text()[-2000:])


def journald_lines_only(text):
    """Every line of the daemon's log has a priority prefix <3>..<7>."""
    bad = [l for l in text.splitlines() if l and not re.match(r"<[3-7]>\d\d:", l)]
    assert not bad, "lines without a journald priority: %r" % bad[:5]


def test_ctl_log_levels(tmp):
    """The gateway runs at debug (-l debug). `copperctl log warning`
    silences info and debug lines; `log sip debug` brings back the sip
    subsystem's debug lines alone (an OPTIONS shows them), `log sip
    default` removes them again; the levels are listed in text and JSON;
    bad levels and names are refused; general.log_levels applies at
    start and, when changed, at a reload."""
    def conf(text):
        return text.replace("general = {", 'general = {\n\tlog_levels = { '
                            'call = "error"; trunk = "notice"; };', 1)
    with Rig(tmp, conf_edit=conf) as r:
        gw = r.gw
        rc, out, err = ctl(gw, "log")
        print(out)
        assert rc == 0 and "log level=debug trace=off" in out, out + err
        assert "subsys call level=error override=yes" in out, out
        assert "subsys trunk level=notice override=yes" in out, out
        assert "subsys sip level=debug\n" in out, out
        rc, out, err = ctl(gw, "log", "warning")
        assert rc == 0 and "log level=warning" in out, out + err
        rc, out, err = ctl(gw, "log", "sip", "debug")
        assert rc == 0 and "subsys sip level=debug override=yes" in out, out
        mark = len(gw.log())
        options(tmp, gw, "lv1", "lv1")
        wait_until(lambda: "sip: nua_i_options" in gw.log()[mark:], 5,
                   what="sip debug line of the OPTIONS")
        assert "<7>" in gw.log()[mark:]
        rc, out, err = ctl(gw, "log", "sip", "default")
        assert rc == 0 and "subsys sip level=warning\n" in out, out
        mark = len(gw.log())
        options(tmp, gw, "lv2", "lv2")
        time.sleep(1.0)
        tail = gw.log()[mark:]
        print("after 'log sip default':", repr(tail[-300:]))
        assert "nua_i_options" not in tail and "<7>" not in tail and "<6>" not in tail, tail
        rc, doc = ctl_json(gw, "log")
        assert rc == 0 and doc["ok"] and doc["level"] == "warning", doc
        assert doc["subsystems"]["call"] == {"level": "error", "override": True}, doc
        assert doc["subsystems"]["sip"] == {"level": "warning", "override": False}, doc
        rc, out, err = ctl(gw, "log", "loud")
        assert rc == 1 and "'loud' is not a level" in out, out
        rc, out, err = ctl(gw, "log", "SIP", "debug")
        assert rc == 1 and "not a subsystem name" in out, out
        rc, out, err = ctl(gw, "log", "default")
        assert rc == 0 and "override=yes" not in out, out
        rc, out, err = ctl(gw, "log", "debug")
        assert rc == 0
        # a reload applies general.log_levels when the file's list changed
        with open(gw.conf) as f:
            text = f.read()
        with open(gw.conf, "w") as f:
            f.write(text.replace('call = "error"', 'call = "info"'))
        rc, out, err = ctl(gw, "reload")
        print(out)
        assert rc == 0 and "log levels" in out, out + err
        rc, out, err = ctl(gw, "log")
        assert "subsys call level=info override=yes" in out, out
        assert "subsys trunk level=notice override=yes" in out, out
        journald_lines_only(gw.log())


def test_ctl_sip_trace(tmp):
    """`copperctl trace on`: the OPTIONS a SIPp sends and the 200 the
    gateway answers appear in the log line by line (subsystem sip-trace),
    even at log level warning; `trace off`: the next OPTIONS leaves no
    trace line."""
    with Rig(tmp) as r:
        gw = r.gw
        assert ctl(gw, "log", "warning")[0] == 0
        rc, out, err = ctl(gw, "trace", "on")
        assert rc == 0 and out == "trace on\nok\n", out + err
        rc, doc = ctl_json(gw, "trace")
        assert doc == {"ok": True, "trace": True}, doc
        options(tmp, gw, "trace-on", "t1")

        def traced():
            lines = [l for l in gw.log().splitlines() if " sip-trace: " in l]
            return lines if any("OPTIONS sip:trace-on@" in l for l in lines) and \
                any("SIP/2.0 200 OK" in l for l in lines) else None
        lines = wait_until(traced, 5, what="the OPTIONS and its 200 in the trace")
        print("\n".join(lines[:14]))
        assert any(re.search(r"sip-trace: recv \d+ bytes from udp/", l) for l in lines)
        assert any(re.search(r"sip-trace: send \d+ bytes to udp/", l) for l in lines)
        assert any(l.startswith("<6>") and "  CSeq: 1 OPTIONS" in l for l in lines)
        n_on = len(lines)
        rc, out, err = ctl(gw, "trace", "off")
        assert rc == 0 and out == "trace off\nok\n", out + err
        options(tmp, gw, "trace-off", "t2")
        time.sleep(1.0)
        lines = [l for l in gw.log().splitlines() if " sip-trace: " in l]
        print("trace lines: %d while on, %d after off" % (n_on, len(lines) - n_on))
        assert not any("trace-off" in l for l in lines), lines[n_on:]
        assert len(lines) == n_on, lines[n_on:]
        journald_lines_only(gw.log())


def test_ctl_calls_hangup_json(tmp):
    """A SIPp call to 91004 (the exchange's 1004 Hz line behind fxo1):
    `copperctl calls` shows it with codec and live packet counts, `--json
    status` parses and has the ports and the call; `hangup fxo1` sends
    BYE (SIPp must receive it) and puts the line on-hook; a second call is
    hung up by its number with --json. Every command answers JSON."""
    with Rig(tmp) as r:
        gw, ls = r.gw, r.ls
        for n, how in ((1, "port"), (2, "id")):
            u = sipp(tmp, "uac_far_hangup.xml", "127.0.0.1:%d" % gw.sip_port,
                     "91004", free_port(), media_port=free_udp_pair(),
                     extra=["-rtp_echo"], limit=60, name="call%d" % n)
            st = wait_until(lambda: [c for c in gw.status()["calls"].values()
                                     if c.get("state") == "talking"], 15,
                            what="call %d talking" % n)
            port = st[0]["port"]

            def flowing():
                rc, out, err = ctl(gw, "calls")
                m = re.search(r"tx=(\d+) rx=(\d+)", out)
                return out if rc == 0 and m and int(m.group(1)) > 20 and \
                    int(m.group(2)) > 20 else None
            out = wait_until(flowing, 10, what="RTP both ways in copperctl calls")
            print(out.strip())
            assert re.search(r"^call \d+ dir=sip-to-fxo port=%s number=1004 " % port,
                             out, re.M), out
            assert "codec=PCMU" in out and "loss=" in out and "mos=" in out, out
            rc, doc = ctl_json(gw, "status")
            assert rc == 0 and doc["ok"], doc
            assert len(doc["ports"]) == 4 and len(doc["calls"]) == 1, doc
            call = doc["calls"][0]
            assert call["port"] == port and call["state"] == "talking", call
            assert call["media"]["codec"] == "PCMU", call
            assert call["media"]["tx_packets"] > 0 and \
                call["media"]["rx_packets"] > 0, call
            print("json call: id %d, %s, tx %d rx %d, loss %.2f %%, jitter %.1f ms, "
                  "MOS %.2f" % (call["id"], call["media"]["codec"],
                                call["media"]["tx_packets"],
                                call["media"]["rx_packets"],
                                call["media"]["loss_pct"],
                                call["media"]["jitter_ms"], call["media"]["mos"]))
            p = [x for x in doc["ports"] if x["name"] == port][0]
            assert p["call"] == call["id"] and p["type"] == "fxo", p
            rc, doc = ctl_json(gw, "calls")
            assert rc == 0 and doc["calls"][0]["id"] == call["id"], doc
            rc, doc = ctl_json(gw, "ports")
            assert rc == 0 and [x["name"] for x in doc["ports"]] == \
                ["fxs1", "fxs2", "fxo1", "fxo2"], doc
            if how == "port":
                rc, out, err = ctl(gw, "hangup", port)
                assert rc == 0 and "call %d: hung up" % call["id"] in out, out + err
            else:
                rc, doc = ctl_json(gw, "hangup", str(call["id"]))
                assert rc == 0 and doc == {"ok": True, "hungup": call["id"]}, doc
            rc = u.wait(20)
            assert rc == 0, "SIPp did not get BYE (%s):\n%s" % (rc, u.text()[-2000:])
            gw.assert_all_idle(10)
            wait_until(lambda: ls.status(FXO1 + (1 if port == "fxo2" else 0))
                       ["hook"] == "onhook", 5, what="the line on-hook")
        assert "hung up by copperctl" in gw.log()
        # errors, and the other commands' JSON
        rc, out, err = ctl(gw, "hangup", "fxo1")
        assert rc == 1 and "no call 'fxo1'" in out, out
        rc, doc = ctl_json(gw, "hangup", "99")
        assert rc == 1 and doc["ok"] is False and "no call" in doc["error"], doc
        rc, doc = ctl_json(gw, "trunks")
        assert rc == 0 and doc["trunks"] == [], doc
        rc, doc = ctl_json(gw, "route", "test", "sip", "91004")
        assert rc == 0 and any("result: number 1004" in l for l in doc["lines"]), doc
        rc, doc = ctl_json(gw, "route", "test", "pstn", "1")
        assert rc == 1 and "is not sip, fxs, fxo or disa" in doc["error"], doc
        rc, doc = ctl_json(gw, "mwi", "fxs1", "on")
        assert rc == 0 and doc["ok"], doc
        rc, doc = ctl_json(gw, "mwi", "fxo1", "on")
        assert rc == 1 and "no FXS port" in doc["error"], doc
        rc, doc = ctl_json(gw, "status")
        assert doc["calls"] == [] and doc["media"]["ticks"] > 0, doc
        assert doc["calls_total"] == 2, doc


def test_ctl_interactive(tmp):
    """copperctl without a command: on a pseudo-terminal it prompts
    `copperctl> ` (libedit), runs each line, and `quit` ends it; with
    commands on stdin (not a terminal) it runs them line by line, exit
    status 1 when one failed."""
    ls = Linesim(tmp)
    gw = None
    try:
        gw = Gateway(tmp, ls)
        rc, out, err = ctl(gw, stdin="ports\n--json calls\nbogus\nlog\nquit\nstatus\n")
        print(out)
        assert rc == 1, (rc, out, err)
        assert "port fxs1 chan=1 type=fxs state=idle" in out, out
        assert '"calls": []' in out and "log level=debug" in out, out
        assert "unknown command or arguments: 'bogus'" in err, err
        assert "copperline 0.1.0" not in out, "ran past quit: " + out
        rc, out, err = ctl(gw, stdin="ports\n")
        assert rc == 0, out + err

        env = dict(os.environ, HOME=tmp, TERM="dumb")
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(binpath("copperctl"), ["copperctl", "-s", gw.control], env)
        got = b""

        def read_until(what, timeout=10):
            nonlocal got
            end = time.monotonic() + timeout
            while what not in got:
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("no %r in %r" % (what, got[-500:]))
                if select.select([fd], [], [], left)[0]:
                    try:
                        got += os.read(fd, 4096)
                    except OSError:
                        break
            return got
        read_until(b"copperctl> ")
        os.write(fd, b"ports\n")
        read_until(b"port fxo2 chan=4")
        os.write(fd, b"trace\n")
        read_until(b"trace off")
        os.write(fd, b"quit\n")
        deadline = time.monotonic() + 10
        while True:
            wpid, status = os.waitpid(pid, os.WNOHANG)
            if wpid:
                break
            assert time.monotonic() < deadline, "copperctl did not end on quit"
            try:
                if select.select([fd], [], [], 0.2)[0]:
                    got += os.read(fd, 4096)
            except OSError:
                time.sleep(0.1)
        os.close(fd)
        print(got.decode(errors="replace")[-600:])
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        assert got.count(b"copperctl> ") >= 3, got
        hist = os.path.join(tmp, ".copperctl_history")
        assert os.path.exists(hist) and "ports" in open(hist).read()
    finally:
        if gw:
            gw.stop()
        ls.stop()
