# SPDX-License-Identifier: GPL-2.0-or-later
"""Per-port SIP accounts (ports.[].account, gateway/trunk.h), as an ATA
has them, against kamailio as registrar and proxy with digest: each FXS
port registers its own AOR with its own credentials and Contact user, a
phone's call goes out with its port's From and credentials, an INVITE to
a port's AOR rings that port whatever the dial plan, and everything is
un-registered at shutdown. Then sip.external_address in the REGISTER
Contact and INVITE Via/Contact (SIPp traces), and a trunk's max_calls."""
import re
import time

from gwtest import Linesim, free_port, wait_until
from peers import Gateway, free_udp_pair, sipp, sipp_messages
from kamailio_peer import Kamailio

FXS1, FXS2 = 1, 2
CALLEE = "555"


def accounts(trunk, a1="", a2=""):
    """conf_edit: an account on fxs1 (p201, auth a201) and fxs2 (p202)."""
    def f(text):
        text = text.replace(
            'type = "fxs"; extension = "201";',
            'type = "fxs"; extension = "201";\n\t  account = { trunk = "%s"; '
            'username = "p201"; auth_username = "a201"; password = "pw201";'
            ' %s };' % (trunk, a1), 1)
        text = text.replace(
            'type = "fxs"; extension = "202";',
            'type = "fxs"; extension = "202";\n\t  account = { trunk = "%s"; '
            'username = "p202"; password_file = "p202.secret"; %s };'
            % (trunk, a2), 1)
        return text
    return f


def edit(section, route, *more):
    def f(text):
        text = text.replace("routes = (\n", "routes = (\n\t%s,\n" % route, 1)
        for m in more:
            text = m(text)
        return text + section
    return f


def trunks(gw):
    """copperctl trunks: {"trunk NAME" | "account PORT": {key: value}}."""
    rc, text = gw.ctl("trunks")
    assert rc == 0, "copperctl trunks failed (%d): %s" % (rc, text)
    out = {}
    for line in text.splitlines():
        w = line.split()
        if len(w) > 1 and w[0] in ("trunk", "account"):
            out["%s %s" % (w[0], w[1])] = {
                k: v.strip('"') for k, v in
                re.findall(r'(\w+)=("[^"]*"|\S+)', line)}
    return out


def all_registered(gw, names):
    t = trunks(gw)
    return all(t.get(n, {}).get("state") == "registered" for n in names)


def test_port_accounts_kamailio(tmp):
    """Trunk kam (user gw) and accounts p201 (fxs1, auth user a201) and
    p202 (fxs2, password from a file) all register at kamailio with
    digest; kamailio's location table has each AOR with a Contact whose
    user is the account's. The phone on fxs1 calls the callee 555 through
    the trunk: kamailio sees From p201 and credentials a201. A caller at
    kamailio calls sip:p202@kam.test: kamailio forwards to p202's Contact
    and fxs2 rings (no route matches 'p202'); answered and hung up by the
    caller. At shutdown every binding is removed."""
    with open("%s/p202.secret" % tmp, "w") as f:
        f.write("pw202\n")
    kam = Kamailio(tmp, auth=True)
    ls = gw = uas = None
    try:
        uas_port = free_port()
        uas = sipp(tmp, "kam_uas_answer.xml", "", "x", uas_port,
                   media_port=free_udp_pair(), limit=90)
        kam.register(tmp, CALLEE, "calleepw", uas_port)

        ls = Linesim(tmp)
        t0 = time.monotonic()
        gw = Gateway(tmp, ls, conf_edit=edit(
            """
trunks = (
	{ name = "kam"; proxy = [ "sip:127.0.0.1:%d" ]; domain = "kam.test";
	  username = "gw"; password = "trunkpw"; expires = 120; }
);
""" % kam.port,
            '{ from = "fxs"; prefix = "0"; strip = 1; to = "trunk:kam"; }',
            accounts("kam")))
        names = ("trunk kam", "account fxs1", "account fxs2")
        wait_until(lambda: all_registered(gw, names), 20,
                   what="trunk and both accounts registered (%s)" % trunks(gw))
        dt = time.monotonic() - t0
        t = trunks(gw)
        for n in names:
            print("copperctl trunks: %s %s" % (n, {k: t[n].get(k) for k in (
                "trunk", "state", "aor", "registrar", "granted")}))
        assert t["account fxs1"]["aor"] == "sip:p201@kam.test", t
        assert t["account fxs2"]["trunk"] == "kam", t
        regs = kam.registered()
        print("kamailio ul.dump (%.2f s after start): %s" % (dt, regs))
        for user in ("p201", "p202", "gw"):
            aor = [a for a in regs if a.split("@")[0] == user]
            assert aor, (user, regs)
            contacts = regs[aor[0]]
            assert any(c.startswith("sip:%s@127.0.0.1:%d" % (user, gw.sip_port))
                       for c in contacts), (user, contacts)
        klog = kam.log()
        for user, auth in (("p201", "a201"), ("p202", "p202"), ("gw", "gw")):
            m = re.search(r"REGISTER %s@kam.test from \S+: authenticated as "
                          r"(\S+), contact (.*)" % user, klog)
            assert m, (user, klog[-3000:])
            print("kamailio: REGISTER %s: auth user %s, Contact %s"
                  % (user, m.group(1).rstrip(","), m.group(2)))
            assert m.group(1).rstrip(",") == auth, (user, m.group(0))
            assert "<sip:%s@" % user in m.group(2), m.group(0)

        # phone 1 -> trunk -> kamailio (407) -> the callee, as p201
        ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone")
        ls.cmd("dial %d 0%s" % (FXS1, CALLEE))
        gw.wait_port("fxs1", "talking", 20)
        ls.cmd("onhook %d" % FXS1)
        rc = uas.wait(20)
        msgs = sipp_messages(tmp, "kam_uas_answer")
        assert rc == 0, "callee SIPp failed (%s):\n%s" % (rc, msgs[-3000:])
        frm = re.search(r"^From: (.*)$", msgs, re.M).group(1)
        print("the callee's INVITE: From: %s" % frm)
        assert "sip:p201@kam.test" in frm, frm
        klog = kam.log()
        m = re.search(r"INVITE sip:%s@kam.test from (\S+): authenticated as (\S+)"
                      % CALLEE, klog)
        assert m, klog[-3000:]
        print("kamailio: INVITE from %s authenticated as %s" % m.groups())
        assert m.groups() == ("p201@kam.test", "a201"), m.groups()
        assert re.search(r"INVITE sip:%s@kam.test from p201@kam.test: challenged"
                         % CALLEE, klog), klog[-3000:]
        gw.assert_all_idle()

        # a caller at kamailio -> sip:p202@kam.test -> fxs2
        caller = sipp(tmp, "kam_uac_acct.xml", "127.0.0.1:%d" % kam.port,
                      "p202", free_port(), media_port=free_udp_pair(),
                      extra=["-au", CALLEE, "-ap", "calleepw", "-d", "1500"],
                      limit=60)
        gw.wait_port("fxs2", "ringing", 15)
        print("INVITE to sip:p202@kam.test: fxs2 rings; fxs1 %s"
              % gw.port_state("fxs1"))
        assert gw.port_state("fxs1") == "idle"
        ls.cmd("offhook %d" % FXS2)
        gw.wait_port("fxs2", "talking", 10)
        rc = caller.wait(30)
        cmsgs = sipp_messages(tmp, "kam_uac_acct")
        assert rc == 0, "caller SIPp failed (%s):\n%s\n%s" % (
            rc, caller.text()[-2000:], cmsgs[-3000:])
        ls.cmd("onhook %d" % FXS2)
        gw.assert_all_idle()
        log = gw.log()
        m = re.search(r"INVITE to 'p202': port (\S+)'s account", log)
        assert m and m.group(1) == "fxs2", log[-3000:]
        # the INVITE reached the gateway at p202's Contact
        assert re.search(r"INVITE from \S+ \(\S+\) to p202", log), log[-3000:]

        rc = gw.stop()
        gw = None
        left = kam.registered()
        print("kamailio ul.dump after the gateway stopped: %s" % left)
        assert not any(a.split("@")[0] in ("p201", "p202", "gw") for a in left), left
    finally:
        try:
            if gw:
                gw.stop()
        finally:
            if ls:
                ls.stop()
            if uas:
                uas.stop()
            kam.stop()


def test_port_account_external_max_calls(tmp):
    """sip.external_address = 192.0.2.10: the trunk's and port fxs1's
    REGISTERs (SIPp registrar) carry Contact sip:USER@192.0.2.10:PORT and
    both count as registered; the INVITE through the trunk has Via and
    Contact 192.0.2.10 and SDP c=192.0.2.10. Trunk max_calls = 1: while
    phone 1's call is up, phone 2's call through the trunk gets reorder
    and an INVITE from the trunk's address gets 503; copperctl trunks
    shows calls=1 max_calls=1."""
    with open("%s/p202.secret" % tmp, "w") as f:
        f.write("pw202\n")
    reg_port, uas_port, fb_port = free_port(), free_port(), free_port()
    fb = sipp(tmp, "uas_503.xml", "", "x", fb_port, limit=60)
    reg = sipp(tmp, "trunk_reg_ok.xml", "", "x", reg_port,
               extra=["-m", "2"], limit=60)
    uas = sipp(tmp, "kam_uas_answer.xml", "", "x", uas_port,
               media_port=free_udp_pair(), limit=60)
    time.sleep(0.5)
    ls = Linesim(tmp)
    gw = None
    try:
        gw = Gateway(tmp, ls, conf_edit=edit(
            """
trunks = (
	{ name = "prov"; registrar = "sip:127.0.0.1:%d";
	  proxy = "sip:127.0.0.1:%d"; domain = "prov.test";
	  username = "gwuser"; expires = 60; max_calls = 1; }
);
""" % (reg_port, uas_port),
            '{ from = "fxs"; prefix = "0"; strip = 1; to = "trunk:prov"; },\n'
            '\t{ from = "fxs"; prefix = "8"; strip = 1; to = "trunk:prov"; '
            'failover = true; },\n'
            '\t{ from = "fxs"; prefix = "8"; strip = 1; '
            'to = "sip:${number}@127.0.0.1:%d"; }' % fb_port,
            lambda t: t.replace('trusted = [', 'external_address = "192.0.2.10";'
                                '\n\ttrusted = [', 1),
            accounts("prov", a2="register = false;")))
        wait_until(lambda: all_registered(gw, ("trunk prov", "account fxs1")),
                   15, what="trunk and fxs1 registered (%s)" % trunks(gw))
        t = trunks(gw)
        print("copperctl trunks: fxs1 %s, fxs2 %s" % (
            t["account fxs1"]["state"], t["account fxs2"]["state"]))
        assert t["account fxs2"]["state"] == "off", t
        rc = reg.wait(20)
        assert rc == 0, "SIPp registrar failed (%s):\n%s" % (rc, reg.text()[-2000:])
        rmsgs = sipp_messages(tmp, "trunk_reg_ok")
        contacts = re.findall(r"^Contact: (.*)$", rmsgs, re.M)
        print("REGISTER Contacts: %s" % contacts)
        for user in ("gwuser", "p201"):
            assert any(c.startswith("<sip:%s@192.0.2.10:%d" % (user, gw.sip_port))
                       for c in contacts), (user, contacts)

        # phone 1 -> trunk (as p201): the one call max_calls allows
        ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone")
        ls.cmd("dial %d 0%s" % (FXS1, CALLEE))
        gw.wait_port("fxs1", "talking", 20)
        t = trunks(gw)["trunk prov"]
        print("copperctl trunks: prov calls=%s max_calls=%s"
              % (t["calls"], t["max_calls"]))
        assert (t["calls"], t["max_calls"]) == ("1", "1"), t
        # phone 2 -> trunk on a route with failover: the next route
        ls.cmd("offhook %d" % FXS2)
        wait_until(lambda: ls.cmd("hears %d" % FXS2)["tone"] == "dial", 5,
                   what="dial tone")
        ls.cmd("dial %d 8557" % FXS2)
        rc = fb.wait(20)
        fmsgs = sipp_messages(tmp, "uas_503")
        assert rc == 0, "failover SIPp failed (%s):\n%s" % (rc, fb.text()[-2000:])
        assert re.search(r"^INVITE sip:557@127.0.0.1:%d" % fb_port, fmsgs, re.M), \
            fmsgs[-2000:]
        print("phone 2 -> 8557: trunk full, failover to the next route "
              "(INVITE sip:557@127.0.0.1:%d)" % fb_port)
        ls.cmd("onhook %d" % FXS2)
        gw.wait_port("fxs2", "idle", 5)
        # phone 2 -> trunk: refused, reorder
        ls.cmd("offhook %d" % FXS2)
        wait_until(lambda: ls.cmd("hears %d" % FXS2)["tone"] == "dial", 5,
                   what="dial tone")
        ls.cmd("dial %d 0556" % FXS2)
        wait_until(lambda: ls.cmd("hears %d" % FXS2)["tone"] == "congestion",
                   15, what="reorder on phone 2")
        ls.cmd("onhook %d" % FXS2)
        # SIP from the trunk's address: 503
        u = sipp(tmp, "uac_expect_503.xml", "127.0.0.1:%d" % gw.sip_port,
                 "202", free_port(), media_port=free_udp_pair(), limit=30)
        rc = u.wait(20)
        assert rc == 0, "SIPp did not get 503 (%s):\n%s" % (rc, u.text()[-2000:])
        print("phone 2: reorder; INVITE from the trunk's address: 503")
        gw.wait_port("fxs2", "idle", 5)
        log = gw.log()
        assert log.count("has its 1 call (max_calls)") >= 3, log[-3000:]

        ls.cmd("onhook %d" % FXS1)
        rc = uas.wait(20)
        msgs = sipp_messages(tmp, "kam_uas_answer")
        assert rc == 0, "SIPp UAS failed (%s):\n%s" % (rc, msgs[-3000:])
        inv = msgs[msgs.index("INVITE sip:"):]
        inv = inv[:inv.index("\n\n\n") if "\n\n\n" in inv else len(inv)]
        via = re.search(r"^Via: (.*)$", inv, re.M).group(1)
        contact = re.search(r"^Contact: (.*)$", inv, re.M).group(1)
        frm = re.search(r"^From: (.*)$", inv, re.M).group(1)
        cline = re.search(r"^c=(.*)$", inv, re.M).group(1)
        print("INVITE through the trunk: Via %s; Contact %s; From %s; c=%s"
              % (via, contact, frm, cline))
        assert "192.0.2.10:%d" % gw.sip_port in via, via
        assert "@192.0.2.10:%d" % gw.sip_port in contact, contact
        assert "sip:p201@prov.test" in frm, frm
        assert cline.strip() == "IN IP4 192.0.2.10", cline
        gw.assert_all_idle()

        # reload: unchanged accounts need nothing; a changed password, a
        # restart (reported), and the running account stays registered
        rc, out = gw.ctl("reload")
        print("reload (unchanged): %s" % out.splitlines()[0])
        assert rc == 0 and "0 keys need a restart" in out, out
        with open(gw.conf) as f:
            text = f.read()
        with open(gw.conf, "w") as f:
            f.write(text.replace('password = "pw201"', 'password = "pw2x"'))
        rc, out = gw.ctl("reload")
        print("reload (fxs1's password changed): %s" % " | ".join(
            out.splitlines()[:2]))
        assert rc == 0 and "needs a restart: ports.fxs1.account" in out, out
        assert trunks(gw)["account fxs1"]["state"] == "registered"
    finally:
        try:
            if gw:
                gw.stop()
        finally:
            ls.stop()
            reg.stop()
            uas.stop()
            fb.stop()
