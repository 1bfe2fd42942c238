# SPDX-License-Identifier: GPL-2.0-or-later
"""SIP trunks (gateway/trunk.h) against SIPp registrars and proxies on
127.0.0.1: registration with digest and refresh, 403 back-off, failover
between registrars, INVITE through the trunk answered 407, a callee's 401
from another realm left unanswered, qualify, and copperctl trunks."""
import os
import re
import socket
import time
from datetime import datetime

from gwtest import free_port, wait_until
from peers import GwRig, sipp, sipp_messages

FXS1 = 1


def trunk_conf(name="prov", proxies=(), extra=""):
    """A trunks section: one trunk `name` with these proxy URIs."""
    plist = ", ".join('"%s"' % p for p in proxies)
    return """
trunks = (
	{ name = "%s"; proxy = [ %s ]; domain = "prov.test";
	  username = "gwuser"; auth_username = "gwauth"; password = "s3cret";
	  %s }
);
""" % (name, plist, extra)


def edit(section, route=None):
    """conf_edit for Gateway: append `section`; put `route` first."""
    def f(text):
        if route:
            text = text.replace("routes = (\n", "routes = (\n\t%s,\n" % route, 1)
        return text + section
    return f


class Rig(GwRig):
    def __init__(self, tmp, section, route=None):
        super().__init__(tmp, conf_edit=edit(section, route))

    def trunks(self):
        rc, text = self.gw.ctl("trunks")
        assert rc == 0, "copperctl trunks failed (%d): %s" % (rc, text)
        out = {}
        for line in text.splitlines():
            w = line.split()
            if w and w[0] == "trunk":
                kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
                out[w[1]] = {k: v.strip('"') for k, v in kv.items()}
        return out


_TS = re.compile(r"^-+ (\d{4}-\d\d-\d\d\t?\s*\d\d:\d\d:\d\d\.\d+)", re.M)


def request_times(tmp, name, method="REGISTER"):
    """Arrival times (s, float) of `method` requests in SIPp's message log."""
    text = sipp_messages(tmp, name)
    times = []
    for block in re.split(r"\n(?=-{10,} )", text):
        m = re.match(r"-+ (\S+)\s+(\S+)", block)
        if not m or "message received" not in block:
            continue
        if re.search(r"^\s*%s sip:" % method, block, re.M):
            stamp = "%s %s" % (m.group(1), m.group(2))
            times.append(datetime.strptime(stamp[:26], "%Y-%m-%d %H:%M:%S.%f").timestamp())
    return times


def test_trunk_register_digest_refresh(tmp):
    """The trunk registers at a SIPp registrar that challenges with 401
    (realm prov.test): the second REGISTER carries Authorization with
    username gwauth, realm prov.test and a response SIPp verifies against
    the password; the registrar grants 20 s and the refresh comes before
    they run out; copperctl trunks shows the registration."""
    port = free_port()
    u = sipp(tmp, "trunk_reg_auth.xml", "", "x", port, limit=60)
    time.sleep(0.5)
    t0 = time.time()
    with Rig(tmp, trunk_conf(proxies=["sip:127.0.0.1:%d" % port],
                             extra="expires = 300;")) as r:
        wait_until(lambda: r.trunks()["prov"]["state"] == "registered", 10,
                   what="trunk registered")
        tr = r.trunks()["prov"]
        print("copperctl trunks: %s" % {k: tr[k] for k in (
            "state", "registrar", "expires_in", "granted", "last_error")})
        assert tr["granted"] == "20s", tr
        assert 10 <= int(tr["expires_in"].rstrip("s")) <= 20, tr
        rc = u.wait(30)
        assert rc == 0, "SIPp registrar failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], sipp_messages(tmp, "trunk_reg_auth")[-3000:])
        times = request_times(tmp, "trunk_reg_auth")
        assert len(times) == 3, times
        refresh = times[2] - times[1]
        print("REGISTER -> 401 -> REGISTER (auth) took %.0f ms; first one %.2f s "
              "after start; refresh %.1f s after the 200 granting 20 s"
              % ((times[1] - times[0]) * 1000, times[0] - t0, refresh))
        assert 4.0 <= refresh < 20.0, refresh
        msgs = sipp_messages(tmp, "trunk_reg_auth")
        assert "Authorization: Digest" in msgs
        assert "s3cret" not in msgs
        wait_until(lambda: r.trunks()["prov"]["registrations"] == "2", 5,
                   what="2 registrations counted")


def test_trunk_register_403_backoff(tmp):
    """A registrar answering 403 Forbidden: the trunk logs the refusal and
    tries again after forbidden_retry_s, doubling each time (1, 2, 4 s
    here): the spacing of the REGISTERs grows; copperctl shows the state
    failed, the last error and the time to the next attempt."""
    port = free_port()
    u = sipp(tmp, "trunk_reg_403.xml", "", "x", port, extra=["-m", "4"], limit=60)
    time.sleep(0.5)
    with Rig(tmp, trunk_conf(proxies=["sip:127.0.0.1:%d" % port],
                             extra="forbidden_retry_s = 1; "
                                   "forbidden_retry_max_s = 8; "
                                   "retry_s = 1;")) as r:
        rc = u.wait(30)
        assert rc == 0, "SIPp registrar failed (%s):\n%s" % (rc, u.text()[-2000:])
        times = request_times(tmp, "trunk_reg_403")
        assert len(times) == 4, times
        gaps = [b - a for a, b in zip(times, times[1:])]
        print("403 back-off: REGISTER spacing %s s" % ", ".join("%.2f" % g for g in gaps))
        assert 0.8 <= gaps[0] <= 2.5, gaps
        assert gaps[1] > gaps[0] * 1.5 and gaps[2] > gaps[1] * 1.5, gaps
        tr = r.trunks()["prov"]
        print("copperctl trunks: %s" % {k: tr[k] for k in (
            "state", "failures", "retry_in", "last_error")})
        assert tr["state"] == "failed" and "403" in tr["last_error"], tr
        assert int(tr["failures"]) >= 4, tr
        log = r.gw.log()
        assert "registration failed: 403 Forbidden" in log
        assert "refused: long back-off" in log


class BlackHole:
    """A UDP socket that reads and never answers (a dead registrar)."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.s.settimeout(0)
        self.port = self.s.getsockname()[1]

    def count(self, word=b"REGISTER "):
        n = 0
        while True:
            try:
                d = self.s.recv(65536)
            except BlockingIOError:
                return n
            n += d.startswith(word)

    def close(self):
        self.s.close()


def test_trunk_register_failover(tmp):
    """Three registrars: the first never answers (a socket that drops
    everything), the second answers 503, the third accepts. The trunk
    gives up on the first after timeout_s (2 s), on the second at once,
    and is registered at the third; copperctl trunks names it and calls
    would go to that proxy."""
    dead = BlackHole()
    busy, ok = free_port(), free_port()
    u503 = sipp(tmp, "trunk_reg_503.xml", "", "x", busy, limit=60)
    uok = sipp(tmp, "trunk_reg_ok.xml", "", "x", ok, limit=60)
    time.sleep(0.5)
    proxies = ["sip:127.0.0.1:%d" % p for p in (dead.port, busy, ok)]
    try:
        t0 = time.monotonic()
        with Rig(tmp, trunk_conf(proxies=proxies,
                                 extra="timeout_s = 2; retry_s = 30;")) as r:
            wait_until(lambda: r.trunks()["prov"]["state"] == "registered", 15,
                       what="registered at the third registrar")
            dt = time.monotonic() - t0
            tr = r.trunks()["prov"]
            print("failover: registered at %s %.1f s after start (timeout_s 2); "
                  "failures=%s last_error=%s" % (tr["registrar"], dt, tr["failures"],
                                                 tr["last_error"]))
            assert tr["registrar"] == proxies[2] and tr["proxy"] == proxies[2], tr
            assert tr["failures"] == "2", tr
            assert "503" in tr["last_error"], tr
            assert dead.count() >= 1, "the dead registrar got no REGISTER"
            for p in (u503, uok):
                assert p.wait(15) == 0, p.text()[-2000:]
            log = r.gw.log()
            assert "registrar %s failed (408 no answer within 2 s): trying %s" % (
                proxies[0], proxies[1]) in log, log[-3000:]
            assert "registrar %s failed (503" % proxies[1] in log
    finally:
        dead.close()


def check_digest(msgs, header, method, user, realm, password):
    """The digest response (RFC 2617, qop=auth) in `header` of the message
    log must be the one computed from the password."""
    import hashlib
    line = re.search(r"^\s*%s: Digest (.*)$" % header, msgs, re.M).group(1)
    p = dict((k, v.strip('"')) for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', line))
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
    assert p["username"] == user and p["realm"] == realm, p
    ha1 = md5("%s:%s:%s" % (user, realm, password))
    ha2 = md5("%s:%s" % (method, p["uri"]))
    want = md5(":".join([ha1, p["nonce"], p["nc"], p["cnonce"], p["qop"], ha2]))
    assert p["response"] == want, "digest response %s, expected %s" % (p["response"], want)
    print("%s: username=%s realm=%s uri=%s response verified" % (
        header, p["username"], p["realm"], p["uri"]))


TRUNK_ROUTE = '{ from = "fxs"; prefix = "0"; strip = 1; to = "trunk:prov"; }'



def dial(r, number):
    r.ls.phone_dial(FXS1, number)


def test_trunk_invite_407(tmp):
    """The phone dials 0555123; the route sends 555123 to trunk prov: the
    INVITE goes to sip:555123@prov.test through the trunk's proxy with
    From sip:gwuser@prov.test; the proxy's 407 (realm prov.test) is
    answered with Proxy-Authorization that SIPp verifies; the call is
    answered and the phone's hang-up sends BYE."""
    port = free_port()
    u = sipp(tmp, "trunk_invite_407.xml", "", "x", port, media_port=free_port() & ~1,
             limit=60)
    time.sleep(0.5)
    with Rig(tmp, trunk_conf(proxies=["sip:127.0.0.1:%d" % port],
                             extra='register = false; realm = "prov.test";'),
             route=TRUNK_ROUTE) as r:
        dial(r, "0555123")
        t0 = time.monotonic()
        r.gw.wait_port("fxs1", "talking", 15)
        print("phone -> trunk: answered %.1f s after dialling (3 s digit timeout, "
              "one 407 round trip)" % (time.monotonic() - t0))
        time.sleep(1)
        r.ls.cmd("onhook %d" % FXS1)
        rc = u.wait(15)
        msgs = sipp_messages(tmp, "trunk_invite_407")
        assert rc == 0, "SIPp proxy failed (%s):\n%s\n%s" % (rc, u.text()[-2000:],
                                                            msgs[-3000:])
        assert "Proxy-Authorization: Digest" in msgs, msgs[-3000:]
        check_digest(msgs, "Proxy-Authorization", "INVITE", "gwauth", "prov.test",
                     "s3cret")
        assert "s3cret" not in msgs
        assert "answering the challenge of realm \"prov.test\" as gwauth" in r.gw.log()
        r.gw.assert_all_idle()


def test_trunk_callee_401_other_realm(tmp):
    """The proxy's 407 (realm prov.test) is answered, but the callee's 401
    from realm callee.test is not: no credentials go to it, the call
    fails cleanly (the phone hears it, no call is left) and a warning
    names both realms."""
    port = free_port()
    u = sipp(tmp, "trunk_invite_401_other.xml", "", "x", port, limit=60)
    time.sleep(0.5)
    with Rig(tmp, trunk_conf(proxies=["sip:127.0.0.1:%d" % port],
                             extra='register = false; realm = "prov.test";'),
             route=TRUNK_ROUTE) as r:
        dial(r, "0555123")
        rc = u.wait(30)
        msgs = sipp_messages(tmp, "trunk_invite_401_other")
        assert rc == 0, "SIPp failed (%s):\n%s\n%s" % (rc, u.text()[-2000:], msgs[-3000:])
        invites = len(re.findall(r"^\s*INVITE sip:", msgs, re.M))
        auths = re.findall(r"^\s*(?:Proxy-)?Authorization:.*$", msgs, re.M)
        print("INVITEs received %d, with credentials %d: %s" % (
            invites, len(auths), [re.search(r'realm="[^"]*"', a).group(0) for a in auths]))
        assert invites == 2 and len(auths) == 1, msgs[-3000:]
        assert "callee.test" not in "".join(auths)
        log = r.gw.log()
        assert ('challenge from realm "callee.test", not the trunk\'s realm '
                '"prov.test"') in log, log[-3000:]
        wait_until(lambda: not r.gw.status()["calls"], 10, what="no call left")
        st = r.gw.port_state("fxs1")
        print("phone after the failed call: port state %s, hears %s" % (
            st, r.ls.cmd("hears %d" % FXS1).get("tone")))
        assert st != "calling" and st != "talking", st
        r.ls.cmd("onhook %d" % FXS1, check=False)  # may have hung up on reorder
        r.gw.assert_all_idle()


def answer_options(sock, code=200):
    """Answer every OPTIONS waiting on sock with `code`; return how many."""
    n = 0
    while True:
        try:
            d, addr = sock.recvfrom(65536)
        except BlockingIOError:
            return n
        text = d.decode(errors="replace")
        if not text.startswith("OPTIONS "):
            continue
        hdrs = [l for l in text.split("\r\n")
                if re.match(r"(?i)(via|from|to|call-id|cseq):", l)]
        sock.sendto(("SIP/2.0 %d OK\r\n%s\r\nContent-Length: 0\r\n\r\n"
                     % (code, "\r\n".join(hdrs))).encode(), addr)
        n += 1


def test_trunk_qualify_down_up(tmp):
    """qualify_s = 1: the trunk's proxy answers no OPTIONS, so after
    qualify_failures (2) the trunk is marked down and a phone's call to
    it is refused at once (no INVITE leaves); once the proxy answers
    OPTIONS again the trunk is up (copperctl shows qualify=up and the
    round trip)."""
    proxy = BlackHole()
    try:
        with Rig(tmp, trunk_conf(proxies=["sip:127.0.0.1:%d" % proxy.port],
                                 extra='register = false; realm = "prov.test"; '
                                       'qualify_s = 1; qualify_failures = 2; '
                                       'timeout_s = 1;'),
                 route=TRUNK_ROUTE) as r:
            t0 = time.monotonic()
            wait_until(lambda: r.trunks()["prov"]["qualify"] == "down", 10,
                       what="trunk marked down")
            print("qualify: marked down %.1f s after start (interval 1 s, "
                  "2 failures)" % (time.monotonic() - t0))
            proxy.count()
            dial(r, "0555")
            wait_until(lambda: "trunk prov is down: call refused" in r.gw.log(), 10,
                       what="call refused")
            assert proxy.count(b"INVITE ") == 0, "an INVITE went to a trunk that is down"
            r.ls.cmd("onhook %d" % FXS1, check=False)
            t1 = time.monotonic()
            wait_until(lambda: answer_options(proxy.s) >= 0 and
                       r.trunks()["prov"]["qualify"] == "up", 10, step=0.1,
                       what="trunk up again")
            tr = r.trunks()["prov"]
            print("qualify: up again %.1f s after the proxy answered, rtt_ms=%s"
                  % (time.monotonic() - t1, tr["rtt_ms"]))
            assert "up again" in r.gw.log()
            r.gw.assert_all_idle()
    finally:
        proxy.close()
