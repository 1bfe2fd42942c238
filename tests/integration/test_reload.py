# SPDX-License-Identifier: GPL-2.0-or-later
"""Reload (SIGHUP and copperctl reload) with calls in progress: four calls
(two SIP -> FXS phones, two SIP -> FXO lines to the exchange's 1004 and
1000 numbers, SIPp with its RTP echo) stay up while the dial plan, a
port's digit timeout, sip.trusted and the log level change; each call
ends with its BYE answered; the new route and the port's new timeout take
effect for the next call; a broken file changes nothing and says
file:line:key; a port's new channel needs a restart."""
import os
import re
import signal
import socket
import time

from gwtest import wait_until
from peers import sipp
from test_calls import FXS1, FXS2, Rig, free_udp, free_udp_even

CALL_MS = 30000  # SIPp's pause between ACK and BYE


def start_conf(text):
    # fxs1: a long inter-digit timeout the reload shortens
    return text.replace("digit_timeout_ms = 3000;", "digit_timeout_ms = 5000;", 1)


def edit_conf(gw, fn):
    with open(gw.conf) as f:
        text = f.read()
    new = fn(text)
    assert new != text, "the edit changed nothing"
    with open(gw.conf, "w") as f:
        f.write(new)


def invite_status(uri_host, sip_port, number, timeout=10):
    """A bare INVITE from 127.0.0.1 (trusted) to NUMBER: its final status
    (the gateway answers before seizing anything when it refuses)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(1)
    lp = s.getsockname()[1]
    mp = free_udp_even()
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
           "t=0 0\r\nm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % mp)
    cid = "reload-%d-%s@127.0.0.1" % (os.getpid(), number)
    head = ("INVITE sip:{n}@127.0.0.1:{p} SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK{b}\r\n"
            "From: <sip:probe@127.0.0.1:{lp}>;tag=t{b}\r\n"
            "To: <sip:{n}@127.0.0.1:{p}>\r\nCall-ID: {cid}\r\n"
            "CSeq: 1 INVITE\r\nContact: <sip:probe@127.0.0.1:{lp}>\r\n"
            "Max-Forwards: 70\r\nContent-Type: application/sdp\r\n"
            "Content-Length: {l}\r\n\r\n").format(
                n=number, p=sip_port, lp=lp, b=int(time.time() * 1000) % 10**9,
                cid=cid, l=len(sdp))
    s.sendto((head + sdp).encode(), ("127.0.0.1", sip_port))
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < timeout:
            try:
                data = s.recv(65535).decode(errors="replace")
            except socket.timeout:
                continue
            m = re.match(r"SIP/2.0 (\d+)", data)
            if m and int(m.group(1)) >= 200:
                to = re.search(r"^To: (.*)$", data, re.M | re.I).group(1).strip()
                ack = ("ACK sip:{n}@127.0.0.1:{p} SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK{b}\r\n"
                       "From: <sip:probe@127.0.0.1:{lp}>;tag=t{b}\r\n"
                       "To: {to}\r\nCall-ID: {cid}\r\nCSeq: 1 ACK\r\n"
                       "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").format(
                           n=number, p=sip_port, lp=lp, to=to, cid=cid,
                           b=re.search(r"branch=z9hG4bK(\d+)", head).group(1))
                s.sendto(ack.encode(), ("127.0.0.1", sip_port))
                return int(m.group(1))
        raise AssertionError("no final answer to INVITE %s" % number)
    finally:
        s.close()


def media_call(tmp, r, number, name, ms):
    mp = free_udp_even()
    return sipp(tmp, "uac_media.xml", r.uri, number, free_udp(), media_port=mp,
                name=name, limit=ms // 1000 + 40,
                extra=["-d", str(ms), "-rtp_echo", "-key", "rtp_port", str(mp),
                       "-key", "fmts", "0", "-key", "attr", "a=sendrecv"])


def talking_calls(gw):
    return {k: v for k, v in gw.status()["calls"].items()
            if v.get("state") == "talking"}


def counters(gw):
    return {k: (int(v.get("tx", 0)), int(v.get("rx", 0)))
            for k, v in gw.status()["calls"].items()}


def digit_wait(r, port, name):
    """Off-hook, dial one digit: seconds until the port stops waiting for
    more (its inter-digit timeout); then on-hook again."""
    gw = r.gw
    r.ls.cmd("offhook %d" % port)
    wait_until(lambda: r.ls.cmd("hears %d" % port)["tone"] == "dial", 5,
               what="dial tone")
    r.ls.cmd("dial %d 5" % port)
    wait_until(lambda: gw.port_state(name) == "digits", 5, step=0.02,
               what="%s collecting digits" % name)
    t0 = time.monotonic()
    wait_until(lambda: gw.port_state(name) != "digits", 10, step=0.02,
               what="%s dialling after its timeout" % name)
    waited = time.monotonic() - t0
    r.ls.cmd("onhook %d" % port)
    gw.assert_all_idle(15)
    return waited


def test_reload_keeps_four_calls(tmp):
    with Rig(tmp, conf_edit=start_conf, log_level=None) as r:
        gw = r.gw
        for p in (FXS1, FXS2):
            r.ls.cmd("auto %d off" % p)
        calls = {}
        for ext, p in (("201", FXS1), ("202", FXS2)):
            calls[ext] = media_call(tmp, r, ext, "uac_" + ext, CALL_MS)
            r.ls.wait_status(p, "state", "ringing", 10)
            r.ls.cmd("offhook %d" % p)
        for num in ("91004", "91000"):
            calls[num] = media_call(tmp, r, num, "uac_" + num, CALL_MS)
            time.sleep(0.3)  # one FXO port each, in order
        wait_until(lambda: len(talking_calls(gw)) == 4, 20,
                   what="4 calls talking:\n" + gw.status()["text"])
        before = talking_calls(gw)
        ports = sorted(v["port"] for v in before.values())
        assert ports == ["fxo1", "fxo2", "fxs1", "fxs2"], before
        dialled = sorted(r.ls.status(p)["dialled"] for p in (3, 4))
        assert dialled == ["1000", "1004"], dialled
        # no route for 7... yet: 404, nothing seized
        assert invite_status("127.0.0.1", gw.sip_port, "71004") == 404

        # the edit: a new first route, fxs1's digit timeout, a trusted
        # network, the log level
        def edit(text):
            text = text.replace("routes = (",
                                'routes = (\n\t{ from = "sip"; prefix = "7"; '
                                'strip = 1; to = "fxo"; },', 1)
            text = text.replace("digit_timeout_ms = 5000;",
                                "digit_timeout_ms = 1000;", 1)
            text = text.replace('trusted = [ "127.0.0.1" ]',
                                'trusted = [ "127.0.0.1", "192.0.2.0/24" ]')
            return text.replace('log_level = "info";', 'log_level = "debug";')
        edit_conf(gw, edit)
        c0 = counters(gw)
        n_before = gw.log().count("reloaded ")
        # to copperline itself: its `timeout` wrapper would pass a signal
        # on twice (to the child and to its process group)
        pid = gw.proc.p.pid
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            os.kill(int(f.read().split()[0]), signal.SIGHUP)
        wait_until(lambda: gw.log().count("reloaded ") > n_before, 10,
                   what="the SIGHUP reload in the log")
        m = re.findall(r"reloaded \S+ in ([\d.]+) ms: (.*)", gw.log())[-1]
        hup_ms, hup_what = float(m[0]), m[1]
        print("SIGHUP reload: %.1f ms: %s" % (hup_ms, hup_what))
        for part in ("dial plan", "sip.trusted", "ports fxs1", "log level debug",
                     "1 ports keep their old settings until their call ends",
                     "0 keys need a restart"):
            assert part in hup_what, (part, hup_what)
        # the same through copperctl: nothing more to change
        t0 = time.monotonic()
        rc, out = gw.ctl("reload")
        ctl_s = time.monotonic() - t0
        print("copperctl reload (%.0f ms round trip):\n%s" % (ctl_s * 1000, out))
        assert rc == 0 and "applied: nothing changed" in out, out
        ctl_ms = float(re.search(r" in ([\d.]+) ms", out).group(1))

        # all four still up, same calls, media still flowing both ways
        time.sleep(2)
        after = talking_calls(gw)
        c1 = counters(gw)
        assert sorted(after) == sorted(before), (before, gw.status()["text"])
        for k in before:
            dtx, drx = c1[k][0] - c0[k][0], c1[k][1] - c0[k][1]
            print("call %s (%s): +%d RTP sent, +%d received in the 2 s after "
                  "the reloads" % (k, after[k]["port"], dtx, drx))
            assert dtx >= 50 and drx >= 50, (k, c0[k], c1[k])
        # the new route is live: 7... now finds a route, and the FXO ports
        # are busy (503, no longer 404)
        assert invite_status("127.0.0.1", gw.sip_port, "71004") == 503
        rc, out = gw.ctl("route", "test", "sip", "71004")
        assert rc == 0 and "1004" in out, out
        assert "debug" in gw.log()[-20000:].lower()

        # each call ends normally: SIPp's BYE answered 200
        for k, u in calls.items():
            rc = u.wait(CALL_MS // 1000 + 30)
            assert rc == 0, "SIPp %s failed (%s):\n%s" % (k, rc, u.text()[-2000:])
        print("calls kept through 2 reloads: %d of 4 (each ended with BYE/200)"
              % len(calls))
        for p in (FXS1, FXS2):
            r.ls.cmd("onhook %d" % p)
        gw.assert_all_idle(15)
        log = gw.log()
        assert "port fxs1: new settings in use" in log
        # the configuration fxs1's call used was freed only after it ended
        assert (log.rfind("replaced configuration freed") >
                log.find("port fxs1: new settings in use")), log[-3000:]

        # the next call takes the new route: 71004 -> 1004 on an FXO line
        u = media_call(tmp, r, "71004", "uac_new_route", 2000)
        wait_until(lambda: "1004" in (r.ls.status(3).get("dialled"),
                                      r.ls.status(4).get("dialled")) and
                   any(v.get("number") == "1004" for v in
                       gw.status()["calls"].values()), 15,
                   what="the 7 route's call on an FXO port")
        assert u.wait(30) == 0, u.text()[-2000:]
        gw.assert_all_idle(15)

        # fxs1's new digit timeout (1000 ms, was 5000) on its next call
        waited = digit_wait(r, FXS1, "fxs1")
        print("fxs1 (busy at the reload) inter-digit timeout: %.2f s (1.0 "
              "set, 5.0 before)" % waited)
        assert waited < 3.5, waited

        # a broken file: nothing changes, the answer names file:line:key
        def broken(text):
            return text.replace("digit_timeout_ms = 3000;",
                                "digit_timeout_ms = 10;", 1)
        edit_conf(gw, broken)
        bad_line = [i + 1 for i, l in enumerate(open(gw.conf))
                    if "digit_timeout_ms = 10;" in l][0]
        rc, out = gw.ctl("reload")
        print("broken file: rc=%d: %s" % (rc, out.strip()))
        assert rc != 0
        assert re.search(r"gw\.conf:%d: ports\.\[1\]\.digit_timeout_ms" % bad_line,
                         out), out
        rc, out = gw.ctl("route", "test", "sip", "71004")
        assert rc == 0 and "1004" in out, "the running dial plan changed: " + out

        # a port's channel: needs a restart, the rest applies
        def channel(text):
            text = text.replace("digit_timeout_ms = 10;",
                                "digit_timeout_ms = 800;", 1)
            text = text.replace('prefix = "7"', 'prefix = "8"', 1)
            return text.replace("channel = 4;", "channel = 5;", 1)
        edit_conf(gw, channel)
        rc, out = gw.ctl("reload")
        print("channel change: rc=%d:\n%s" % (rc, out.strip()))
        assert rc == 0, out
        assert "needs a restart: ports.fxo2.channel" in out, out
        assert "dial plan" in out and "ports fxs2" in out, out
        # fxs2 was idle: its new timeout (800 ms, was 3000) at once
        waited = digit_wait(r, FXS2, "fxs2")
        print("fxs2 (idle at the reload) inter-digit timeout: %.2f s (0.8 "
              "set, 3.0 before)" % waited)
        assert waited < 2.2, waited
        assert gw.status()["ports"]["fxo2"]["chan"] == "4"
        assert invite_status("127.0.0.1", gw.sip_port, "71004") == 404
        print("reload time: SIGHUP %.1f ms, copperctl %.1f ms (4 calls up)"
              % (hup_ms, ctl_ms))
        # every replaced configuration freed once no line used it
        freed = gw.log().count("replaced configuration freed")
        print("configurations replaced and freed: %d of 3" % freed)
        assert freed == 3, freed
        gw.assert_all_idle(10)


TRUNKS = """
trunks = (
	{ name = "prov"; proxy = [ "sip:127.0.0.1:%d" ]; domain = "prov.test";
	  username = "gwuser"; password = "s3cret"; register = false;
	  realm = "prov.test"; }
);
"""


def test_reload_trunks(tmp):
    """An unchanged trunks list keeps running through a reload; a changed
    or added trunk needs a restart (the running one stays, its routes keep
    working), and a route to a trunk that is not running is left out."""
    dead = free_udp()

    def conf(text):
        text = text.replace("routes = (",
                            'routes = (\n\t{ from = "sip"; prefix = "6"; '
                            'strip = 1; to = "trunk:prov"; },', 1)
        return text + TRUNKS % dead
    with Rig(tmp, conf_edit=conf) as r:
        gw = r.gw
        rc, out = gw.ctl("reload")
        print("unchanged trunks:\n" + out.strip())
        assert rc == 0 and "0 keys need a restart" in out, out

        def change(text):
            text = text.replace('username = "gwuser"', 'username = "other"')
            text = text.replace('prefix = "6"; strip = 1; to = "trunk:prov"; },',
                                'prefix = "6"; strip = 1; to = "trunk:prov"; },\n'
                                '\t{ from = "sip"; prefix = "5"; to = "trunk:two"; },')
            return text.replace(
                'realm = "prov.test"; }\n);\n',
                'realm = "prov.test"; },\n\t{ name = "two"; proxy = [ "sip:127.0.0.1:%d" ]; '
                'username = "u2"; register = false; }\n);\n' % dead, 1)
        edit_conf(gw, change)
        rc, out = gw.ctl("reload")
        print("changed trunks:\n" + out.strip())
        assert rc == 0, out
        for k in ("needs a restart: trunks.prov\n",
                  "needs a restart: trunks.two (added)",
                  "trunk two is not running; route left out"):
            assert k in out, (k, out)
        rc, out = gw.ctl("route", "test", "sip", "61234")
        assert rc == 0 and "prov.test" in out, out
        rc, out = gw.ctl("route", "test", "sip", "51234")
        assert "prov.test" not in out and "two" not in out.split("\n")[-2], out
        rc, out = gw.ctl("trunks")
        assert rc == 0 and "prov" in out and "two" not in out, out
        gw.assert_all_idle(5)
