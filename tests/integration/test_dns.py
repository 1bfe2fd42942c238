# SPDX-License-Identifier: GPL-2.0-or-later
"""Trunks named by a host name without a port (sip:prov.example): RFC 3263
resolution by Sofia's resolver against a DNS server on loopback (dnslib,
python3-dnslib) that serves NAPTR -> _sip._udp SRV (two targets, priority
1 and 2) -> A records on 127.0.0.2 and 127.0.0.3; the name itself has no
A record. sip.resolv_conf points the gateway at that server. The trunk
registers at the priority-1 target and fails over to the priority-2 one
when it is gone; a call through the trunk goes to the SRV target; the
INVITEs of the SRV targets' addresses are trusted, another address gets
403."""
import os
import re
import threading
import time

from dnslib import QTYPE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from gwtest import free_port, wait_until
from peers import sipp, sipp_messages
from test_security import collect, invite, udp_from
from test_trunks import Rig, TRUNK_ROUTE, dial, trunk_conf

FXS1 = 1
HOST_A, HOST_B = "127.0.0.2", "127.0.0.3"


class Zone(BaseResolver):
    """Answers from a list of zone-file lines; counts the questions."""

    def __init__(self, lines):
        self.rrs = []
        for line in lines:
            self.rrs += RR.fromZone(line)
        self.asked = []
        self.lock = threading.Lock()

    def resolve(self, request, handler):
        reply = request.reply()
        q = request.q
        with self.lock:
            self.asked.append((QTYPE[q.qtype], str(q.qname)))
        found = False
        for rr in self.rrs:
            if rr.rname == q.qname:
                found = True
                if rr.rtype == q.qtype:
                    reply.add_answer(rr)
        if not found:
            reply.header.rcode = 3  # NXDOMAIN
        return reply

    def count(self, qtype):
        with self.lock:
            return sum(1 for t, _ in self.asked if t == qtype)


def srv_zone(port_a, port_b):
    """NAPTR -> _sip._udp SRV (priority 1: a, 2: b) -> A records."""
    return [
        'prov.example. 60 IN NAPTR 10 50 "s" "SIP+D2U" "" '
        '_sip._udp.prov.example.',
        "_sip._udp.prov.example. 60 IN SRV 1 0 %d a.prov.example." % port_a,
        "_sip._udp.prov.example. 60 IN SRV 2 0 %d b.prov.example." % port_b,
        "a.prov.example. 60 IN A %s" % HOST_A,
        "b.prov.example. 60 IN A %s" % HOST_B,
    ]


class Dns:
    """A DNS server on 127.0.0.1:PORT serving zone-file `lines`, and a
    resolv.conf for Sofia's resolver pointing at it."""

    def __init__(self, tmp, lines):
        self.zone = Zone(lines)
        self.port = free_port()
        self.server = DNSServer(self.zone, port=self.port, address="127.0.0.1",
                                logger=DNSLogger("-recv,-send,-request,-reply,"
                                                 "-truncated,-data,-error",
                                                 prefix=False))
        self.server.start_thread()
        self.conf = os.path.join(tmp, "resolv.conf")
        with open(self.conf, "w") as f:
            # Sofia's resolver takes "port" (sres.c); no search domain
            f.write("nameserver 127.0.0.1\nport %d\n" % self.port)

    def stop(self):
        self.server.stop()


def reg_loop_xml(tmp, name, count=40, expires=6):
    """A registrar scenario accepting `count` REGISTERs (refreshes
    included), each granted `expires` s."""
    step = """  <recv request="REGISTER"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Contact:];expires=%d
      Content-Length: 0
    ]]>
  </send>
""" % expires
    path = os.path.join(tmp, name + ".xml")
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
                '<scenario name="%s">\n%s</scenario>\n' % (name, step * count))
    return path


def registers(tmp, name):
    return len(re.findall(r"^\s*REGISTER sip:", sipp_messages(tmp, name), re.M))


def sipp_at(tmp, scenario, host, port, name, extra=()):
    return sipp(tmp, scenario, "", "x", port, name=name,
                extra=["-i", host, "-mi", host] + list(extra), limit=90)


def dns_section(dns):
    def edit(text):
        return text.replace('trusted = [ "127.0.0.1" ];',
                            'trusted = [ "127.0.0.1" ]; resolv_conf = "%s";'
                            % dns.conf)
    return edit


class DnsRig(Rig):
    """test_trunks' Rig with sip.resolv_conf set."""

    def __init__(self, tmp, dns, section, route=None):
        from gwtest import Linesim
        from peers import Gateway
        from test_trunks import edit
        self.ls = Linesim(tmp)
        self.gw = None
        try:
            base = edit(section, route)
            self.gw = Gateway(tmp, self.ls,
                              conf_edit=lambda t: dns_section(dns)(base(t)))
        except BaseException:
            self.ls.stop()
            raise


def test_dns_srv_register_failover(tmp):
    """proxy = "sip:prov.example": the REGISTER goes to the priority-1 SRV
    target (127.0.0.2); once that registrar is gone (SIPp killed) the
    refresh goes to the priority-2 target (127.0.0.3) and the trunk is
    registered there. The gateway looked up NAPTR and SRV records."""
    pa, pb = free_port(), free_port()
    dns = Dns(tmp, srv_zone(pa, pb))
    ua = sipp_at(tmp, reg_loop_xml(tmp, "reg_a"), HOST_A, pa, "reg_a")
    ub = sipp_at(tmp, reg_loop_xml(tmp, "reg_b"), HOST_B, pb, "reg_b")
    time.sleep(0.5)
    try:
        with DnsRig(tmp, dns, trunk_conf(proxies=["sip:prov.example"],
                                         extra="expires = 10; timeout_s = 3; "
                                               "retry_s = 1;")) as r:
            t0 = time.monotonic()
            wait_until(lambda: registers(tmp, "reg_a") >= 1 and
                       r.trunks()["prov"]["state"] == "registered", 15,
                       what="registered at the priority-1 target")
            print("registered via SRV priority 1 (%s:%d) %.1f s after start; "
                  "REGISTERs at A=%d B=%d; DNS questions NAPTR=%d SRV=%d A=%d" % (
                      HOST_A, pa, time.monotonic() - t0, registers(tmp, "reg_a"),
                      registers(tmp, "reg_b"), dns.zone.count("NAPTR"),
                      dns.zone.count("SRV"), dns.zone.count("A")))
            assert registers(tmp, "reg_b") == 0
            assert dns.zone.count("NAPTR") >= 1 and dns.zone.count("SRV") >= 1
            ua.stop()
            na = registers(tmp, "reg_a")
            t1 = time.monotonic()
            wait_until(lambda: registers(tmp, "reg_b") >= 1, 30,
                       what="a REGISTER at the priority-2 target")
            wait_until(lambda: r.trunks()["prov"]["state"] == "registered", 15,
                       what="registered again")
            tr = r.trunks()["prov"]
            print("priority-1 target killed: REGISTER at priority 2 (%s:%d) "
                  "%.1f s later; REGISTERs at A=%d B=%d; trunk %s" % (
                      HOST_B, pb, time.monotonic() - t1, na,
                      registers(tmp, "reg_b"),
                      {k: tr.get(k) for k in ("state", "registrar", "failures",
                                              "last_error")}))
            log = r.gw.log()
            m = re.search(r"trunk prov: INVITEs trusted from (.*)", log)
            print("gateway log: %s" % (m.group(0) if m else "(no trust line)"))
            assert m and HOST_A in m.group(1) and HOST_B in m.group(1), log[-3000:]
    finally:
        ua.stop()
        ub.stop()
        dns.stop()


def test_dns_srv_call_and_trust(tmp):
    """The priority-1 target is down (nothing listens there): a call
    through the trunk reaches the priority-2 SRV target, which answers;
    an INVITE from the SRV target's address (127.0.0.3, not in
    sip.trusted) is trusted and rings the phone; one from 127.0.0.4 gets
    403."""
    pa, pb = free_port(), free_port()
    dns = Dns(tmp, srv_zone(pa, pb))
    ub = sipp_at(tmp, "uas_check_ruri.xml", HOST_B, pb, "uas_b",
                 extra=["-mp", str(free_port() & ~1)])
    time.sleep(0.5)
    try:
        with DnsRig(tmp, dns, trunk_conf(proxies=["sip:prov.example"],
                                         extra='register = false; realm = "prov.test";'),
                    route=TRUNK_ROUTE) as r:
            wait_until(lambda: "trunk prov: INVITEs trusted from" in r.gw.log(),
                       10, what="the trunk's addresses learnt")
            dial(r, "0555123")
            t0 = time.monotonic()
            r.gw.wait_port("fxs1", "talking", 30)
            print("phone -> trunk sip:prov.example: answered by the SRV "
                  "priority-2 target %s:%d %.1f s after dialling (3 s digit "
                  "timeout, 3 s ringing)" % (HOST_B, pb, time.monotonic() - t0))
            r.ls.cmd("onhook %d" % FXS1)
            rc = ub.wait(20)
            msgs = sipp_messages(tmp, "uas_b")
            assert rc == 0, "SIPp at B failed (%s):\n%s\n%s" % (
                rc, ub.text()[-2000:], msgs[-3000:])
            ruri = re.search(r"^\s*INVITE (\S+)", msgs, re.M).group(1)
            print("INVITE at %s: request-URI %s" % (HOST_B, ruri))
            assert "555123" in ruri, ruri
            r.gw.assert_all_idle()

            got = {}
            for src, cid in ((HOST_B, "fromsrv"), ("127.0.0.4", "other")):
                s = udp_from(src)
                s.sendto(invite("127.0.0.1", r.gw.sip_port, "201", s.getsockname(),
                                cid), ("127.0.0.1", r.gw.sip_port))
                got.update(collect(s, 2))
                s.close()
            print("INVITE to 201 from the SRV target %s -> %s; from 127.0.0.4 "
                  "-> %s; phone 1 rings=%s" % (HOST_B, got.get("fromsrv"),
                                              got.get("other"),
                                              r.ls.status(FXS1)["rings"]))
            assert 403 not in got.get("fromsrv", [403]), got
            assert 180 in got.get("fromsrv", []), got
            other = [c for c in got.get("other", []) if c > 100]
            assert other and set(other) == {403}, got
    finally:
        ub.stop()
        dns.stop()
