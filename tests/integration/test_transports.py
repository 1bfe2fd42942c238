# SPDX-License-Identifier: GPL-2.0-or-later
"""SIP transports (gateway/transport.h): a SIPp call over TCP to a
simulated phone, an INVITE over IPv6 loopback, baresip over TLS with SRTP
(a throwaway CA and certificate made here with openssl), the static
external address in Contact and SDP, rport and the TCP CRLF keep-alive."""
import os
import re
import socket
import subprocess
import time

from gwtest import Proc, assert_tone, free_port, read_wav, wait_until
from peers import Baresip, sipp, sipp_messages, tone_wav, free_udp_pair, SIPP_DIR
from test_calls import Rig, FXS1

CA_DAYS = "2"


def make_certs(tmp, san="IP:127.0.0.1,IP:::1", cn="127.0.0.1"):
    """A CA and a server certificate for 127.0.0.1 / ::1 (or `san`)
    signed by it (EC P-256 keys, valid CA_DAYS days): (ca.pem, gw.pem,
    gw.key)."""
    d = os.path.join(tmp, "pki")
    os.makedirs(d, exist_ok=True)
    ca, cakey = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    crt, key, csr = (os.path.join(d, n) for n in ("gw.pem", "gw.key", "gw.csr"))
    ext = os.path.join(d, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % san)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for argv in (
            ["openssl", "req", "-x509"] + ec + ["-keyout", cakey, "-out", ca,
             "-days", CA_DAYS, "-subj", "/CN=copperline test CA"],
            ["openssl", "req"] + ec + ["-keyout", key, "-out", csr,
             "-subj", "/CN=%s" % cn],
            ["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey,
             "-CAcreateserial", "-out", crt, "-days", CA_DAYS, "-extfile", ext]):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, "%s: %s" % (" ".join(argv[:3]), r.stderr)
    return ca, crt, key


def sip_edit(lines):
    """conf_edit adding `lines` to the sip group."""
    def edit(text):
        return text.replace("rtp_ports =", lines + "\n\trtp_ports =", 1)
    return edit


def sdp_c(msg_log, status="200"):
    """(Contact header, c= line) of the first `status` response in a SIPp
    message log."""
    m = re.search(r"SIP/2\.0 %s .*?(?=\n\n\n|-{10})" % status, msg_log, re.S)
    assert m, msg_log[-3000:]
    resp = m.group(0)
    contact = re.search(r"^(Contact|m):.*$", resp, re.M | re.I)
    c = re.search(r"^c=.*$", resp, re.M)
    return (contact.group(0).strip() if contact else "",
            c.group(0).strip() if c else "", resp)


def test_tcp_call_to_phone(tmp):
    """SIPp calls extension 201 over TCP (-t t1): the phone on port 1
    rings and answers (auto, 1 ring); SIPp holds 3 s, sends BYE over the
    same connection; the 200 OK's Via and Contact say TCP; all idle."""
    with Rig(tmp) as r:
        r.ls.cmd("auto %d on 1" % FXS1)
        mp = free_udp_pair()
        t0 = time.monotonic()
        u = sipp(tmp, "uac_hold.xml", r.uri, "201", free_port(socket.SOCK_STREAM),
                 media_port=mp, extra=["-t", "t1", "-d", "3000", "-rtp_echo",
                                      "-key", "rtp_port", str(mp)], limit=60)
        r.gw.wait_port("fxs1", "talking", 20)
        rings = int(r.ls.status(FXS1).get("rings", "0"))
        rc = u.wait(40)
        took = time.monotonic() - t0
        log = sipp_messages(tmp, "uac_hold")
        assert rc == 0, "SIPp over TCP failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], log[-3000:])
        contact, c, resp = sdp_c(log)
        print("TCP: phone rang %d time(s), answered; call + BYE in %.1f s" % (rings, took))
        print("TCP: 200 OK %s | %s" % (contact, c))
        assert re.search(r"^Via: SIP/2\.0/TCP ", resp, re.M), resp
        # Sofia pairs the UDP and TCP listeners on one address into one
        # Contact without a transport parameter (reachable either way)
        assert re.search(r"sip:127\.0\.0\.1:%d(;transport=tcp)?>" % r.gw.sip_port,
                         contact, re.I), contact
        assert rings >= 1
        r.gw.assert_all_idle()
        assert r.ls.status(FXS1)["hook"] == "onhook"


def test_ipv6_invite(tmp):
    """sip.listen = "[::1]:PORT": SIPp on ::1 calls 201; the gateway
    answers with c=IN IP6 ::1 and RTP over IPv6 (SIPp echoes it); BYE,
    all idle."""
    def v6(text):
        text = re.sub(r'listen = "127\.0\.0\.1:(\d+)"', r'listen = "[::1]:\1"', text)
        return re.sub(r'trusted = \[[^\]]*\]', 'trusted = [ "::1" ]', text)
    with Rig(tmp, conf_edit=v6) as r:
        r.ls.cmd("auto %d on 1" % FXS1)
        log, call = _sipp_hold_call(tmp, r, "::1", "[::1]:%d" % r.gw.sip_port,
                                    "uac_hold6")
        contact, c, resp = sdp_c(log)
        print("IPv6: 200 OK %s | %s | call %s" % (contact, c, call))
        assert c == "c=IN IP6 ::1", c
        assert "[::1]" in contact, contact
        assert "::1" in call.get("remote", ""), call
        r.gw.assert_all_idle()


def test_tls_srtp_baresip(tmp):
    """baresip calls the milliwatt line 91004 over TLS
    (;transport=tls, trusting our throwaway CA with sip_cafile) with
    mandatory SDES-SRTP: the gateway's TLS listener accepts, answers with
    SRTP, and baresip hears 1004 Hz at -10 dBm0; the gateway's Contact
    keeps the call on TLS."""
    ca, crt, key = make_certs(tmp)
    tls_port = free_port(socket.SOCK_STREAM)
    lines = ('tls_listen = "127.0.0.1:%d";\n\ttls_certificate = "%s";\n\t'
             'tls_key = "%s";\n\ttls_ca_file = "%s";' % (tls_port, crt, key, ca))
    env = dict(os.environ, TPORT_LOG="1")  # Sofia logs each message
    with Rig(tmp, conf_edit=sip_edit(lines), extra_env=env) as r:
        log = r.gw.log()
        assert "sips:127.0.0.1:%d" % tls_port in log, log[-2000:]
        # nothing of the key left behind in the temporary folder
        assert not [d for d in os.listdir(os.environ.get("TMPDIR", "/tmp"))
                    if d.startswith("copperline-tls.")]
        quiet = tone_wav(os.path.join(tmp, "quiet.wav"), 300, -60, 9)
        b = Baresip(tmp, "alice", "aufile," + quiet, seconds=9,
                    dial="sip:91004@127.0.0.1:%d;transport=tls" % tls_port,
                    modules=["srtp.so"], account=";mediaenc=srtp-mand",
                    extra_config="sip_cafile\t\t%s\n" % ca)
        wait_until(lambda: r.gw.port_state("fxo1") == "talking", 20,
                   what="fxo1 talking (the TLS call answered)")
        st = r.gw.status()
        call = list(st["calls"].values())[0] if st["calls"] else {}
        b.wait(30)
        r.gw.assert_all_idle()
        glog = r.gw.log()
        blog = b.proc.text()
        sr, x = read_wav(b.recording())
        f, l = assert_tone(x, sr, 1004, -10.0, skip=len(x) / sr - 2.0, dur=1.0,
                           what="1004 line through TLS + SRTP")
        print("TLS+SRTP: baresip heard %d Hz, %.1f dBm0; call srtp=%s"
              % (f, l, call.get("srtp")))
        assert call.get("srtp", "-") != "-", call
        assert re.search(r"srtp.*(Enabled|enabled)", blog), blog[-2000:]
        # the 200 OK's Contact keeps the dialog on TLS: ACK and BYE came
        # over the TLS connection (Sofia's message log, TPORT_LOG)
        contact = "Contact: <sip:127.0.0.1:%d;transport=tls>" % tls_port
        assert contact in glog, glog[-3000:]
        on_tls = re.findall(r"recv \d+ bytes from tls/\S+ at \S+\n\S+ sip-trace:\s+"
                            r"(INVITE|ACK|BYE) ", glog)
        print("TLS: 200 OK %s; requests received over TLS: %s" % (contact, on_tls))
        assert on_tls == ["INVITE", "ACK", "BYE"], on_tls
        m = re.search(r"SRTP: protected (\d+) RTP, accepted (\d+) RTP", glog)
        assert m and int(m.group(1)) > 300 and int(m.group(2)) > 300, glog[-2000:]
        print(m.group(0))


def test_external_address(tmp):
    """sip.external_address = 192.0.2.10: the 200 OK to SIPp names
    192.0.2.10 in its Contact and SDP (o= and c=), while the gateway
    still listens on 127.0.0.1."""
    with Rig(tmp, conf_edit=sip_edit('external_address = "192.0.2.10";')) as r:
        r.ls.cmd("auto %d on 1" % FXS1)
        mp = free_udp_pair()
        u = sipp(tmp, "uac_hold.xml", r.uri, "201", free_port(), media_port=mp,
                 extra=["-d", "1000", "-key", "rtp_port", str(mp)], limit=60)
        rc = u.wait(40)
        log = sipp_messages(tmp, "uac_hold")
        assert rc == 0, "SIPp failed (%s):\n%s\n%s" % (rc, u.text()[-2000:], log[-3000:])
        contact, c, resp = sdp_c(log)
        o = re.search(r"^o=.*$", resp, re.M).group(0)
        print("external address: 200 OK %s | %s | %s" % (contact, c, o))
        assert "@192.0.2.10:%d" % r.gw.sip_port in contact or \
            "sip:192.0.2.10:%d" % r.gw.sip_port in contact, contact
        assert c == "c=IN IP4 192.0.2.10", c
        assert o.endswith("IN IP4 192.0.2.10"), o
        r.gw.assert_all_idle()


def _options(via, transport="UDP", branch="z9hG4bKtp1"):
    return ("OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n"
            "Via: SIP/2.0/%s %s;branch=%s;rport\r\n"
            "From: <sip:probe@127.0.0.1>;tag=tp1\r\n"
            "To: <sip:probe@127.0.0.1>\r\n"
            "Call-ID: transport-probe-%s@127.0.0.1\r\n"
            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (transport, via, branch, branch)).encode()


def test_rport_and_tcp_keepalive(tmp):
    """rport (RFC 3581): an OPTIONS whose Via names 192.0.2.1:9 is
    answered to the real source port, with received= and rport= filled
    in. TCP keep-alive (sip.keepalive_s = 2): an idle TCP connection gets
    the CRLFCRLF ping, and our CRLFCRLF ping gets a CRLF pong."""
    with Rig(tmp, conf_edit=sip_edit("keepalive_s = 2;")) as r:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        myport = s.getsockname()[1]
        s.sendto(_options("192.0.2.1:9"), ("127.0.0.1", r.gw.sip_port))
        data, _ = s.recvfrom(4096)
        s.close()
        via = re.search(rb"^Via:.*$", data, re.M).group(0).decode()
        print("rport: response came back to port %d: %s" % (myport, via))
        assert data.startswith(b"SIP/2.0 200"), data
        assert "rport=%d" % myport in via and "received=127.0.0.1" in via, via

        t = socket.create_connection(("127.0.0.1", r.gw.sip_port), timeout=5)
        t.sendall(_options("127.0.0.1:%d" % t.getsockname()[1], "TCP", "z9hG4bKtp2"))
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += t.recv(4096)
        assert buf.startswith(b"SIP/2.0 200"), buf
        hdr_end = buf.index(b"\r\n\r\n") + 4
        buf = buf[hdr_end:]
        t0 = time.monotonic()
        t.settimeout(1)
        while b"\r\n\r\n" not in buf and time.monotonic() - t0 < 10:
            try:
                buf += t.recv(64)
            except socket.timeout:
                pass
        ping_after = time.monotonic() - t0
        print("TCP keep-alive: %r after %.1f s idle (keepalive_s = 2)" % (buf[:4], ping_after))
        assert b"\r\n\r\n" in buf, buf
        t.sendall(b"\r\n\r\n")
        pong = b""
        t0 = time.monotonic()
        while b"\r\n" not in pong and time.monotonic() - t0 < 5:
            try:
                pong += t.recv(64)
            except socket.timeout:
                pass
        print("TCP keep-alive: our ping answered with %r" % pong)
        assert pong.startswith(b"\r\n"), pong
        t.close()


def test_tls_config_errors(tmp):
    """A missing certificate and a key that does not belong to the
    certificate are refused by --check-config with FILE:LINE: KEY (Sofia
    itself would only log the second and run a TLS listener that fails
    every handshake)."""
    from gwtest import SRCDIR, binpath
    ca, crt, key = make_certs(tmp)
    other = os.path.join(tmp, "other.key")
    r = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-out", other],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(SRCDIR, "etc", "demo.conf")) as f:
        demo = f.read()
    cases = [
        (os.path.join(tmp, "missing.pem"), key, "sip.tls_certificate",
         "cannot read"),
        (crt, other, "sip.tls_key", "does not match the certificate"),
    ]
    for cert, k, what, words in cases:
        text = demo.replace("rtp_ports =", 'tls_listen = "127.0.0.1:5061";\n\t'
                            'tls_certificate = "%s";\n\ttls_key = "%s";\n\trtp_ports ='
                            % (cert, k), 1)
        path = os.path.join(tmp, "bad.conf")
        with open(path, "w") as f:
            f.write(text)
        line = text[:text.index("tls_certificate" if "certificate" in what
                                else "tls_key =")].count("\n") + 1
        r = subprocess.run([binpath("copperline"), "--check-config", "-c", path],
                           capture_output=True, text=True, timeout=20)
        out = r.stdout + r.stderr
        print("check-config: %s" % out.strip())
        assert r.returncode == 1, out + (
            " (copperline built without OpenSSL, HAVE_OPENSSL: key and "
            "certificate are then not checked against each other)")
        assert "%s:%d: %s: " % (path, line, what) in out and words in out, out


def test_tls_outgoing_verified(tmp):
    """The exchange rings FXO port 3, whose target is baresip over TLS
    (;transport=tls, baresip serving a certificate from our CA): with
    sip.tls_ca_file = that CA the gateway's TLS connection is verified and
    the call carries audio both ways; with another CA the server is
    refused and no call is set up."""
    from test_calls import fxo_call_both_ways, FXO1
    ca, crt, key = make_certs(tmp)
    served = os.path.join(tmp, "pki", "baresip.pem")  # key + certificate
    with open(served, "w") as f:
        f.write(open(key).read() + open(crt).read())
    other_ca, _, _ = make_certs(os.path.join(tmp, "other"))
    for trusted_ca, ok in ((ca, True), (other_ca, False)):
        name = "bob" if ok else "carol"
        b = Baresip(tmp, name, "aufile," + tone_wav(os.path.join(tmp, "1k.wav"), 1000, -10, 20),
                    account=";answermode=auto", seconds=30,
                    extra_config="sip_certificate\t%s\nsip_cafile\t\t%s\n" % (served, ca))
        tls_peer = b.sip_port + 1  # baresip's TLS listener
        lines = ('tls_listen = "127.0.0.1:%d";\n\ttls_certificate = "%s";\n\t'
                 'tls_key = "%s";\n\ttls_ca_file = "%s";'
                 % (free_port(socket.SOCK_STREAM), crt, key, trusted_ca))

        def edit(text, lines=lines, name=name, tls_peer=tls_peer):
            text = re.sub(r'target = "sip:%s@127\.0\.0\.1:\d+"' % name,
                          'target = "sip:%s@127.0.0.1:%d;transport=tls"' % (name, tls_peer),
                          text)
            return sip_edit(lines)(text)
        try:
            with Rig(tmp, peer_port=b.sip_port, fxo_target_user=name,
                     conf_edit=edit) as r:
                if ok:
                    fxo_call_both_ways(tmp, r, b, " over TLS (verified)")
                else:
                    r.ls.cmd("call %d" % FXO1)
                    time.sleep(6)
                    st = r.gw.status()
                    log = r.gw.log()
                    print("TLS to a server from another CA: fxo1 %s, calls %s"
                          % (st["ports"]["fxo1"]["state"], list(st["calls"].values())))
                    assert st["ports"]["fxo1"]["state"] != "talking", st["text"]
                    assert "INVITE sip:%s@127.0.0.1:%d;transport=tls" % (name, tls_peer) in log
                    assert "CALL_ESTABLISHED" not in b.proc.text() and \
                        "Call established" not in b.proc.text(), b.proc.text()[-2000:]
                    # Sofia's TLS refused the chain (gateway log, debug)
                    m = re.search(r"Error with certificate.*\n.*\n.*\n.*err \d+:.*", log)
                    assert m, log[-3000:]
                    print("gateway: %s" % " | ".join(
                        ln.split("sofia:")[-1].strip() for ln in m.group(0).splitlines()))
                    r.ls.cmd("hangup %d" % FXO1)
        finally:
            b.stop()


def test_tls_server_name_checked(tmp):
    """The FXO port's target is sip:NAME@good.example:PORT;transport=tls
    (good.example: A 127.0.0.1 from a DNS server on loopback, through
    sip.resolv_conf). baresip serves a certificate from our CA for
    DNS:wrong.example: the chain is good but the name is not, so the
    gateway refuses the connection and says so (RFC 5922 §7.2); with a
    certificate for DNS:good.example the call is set up."""
    from test_calls import FXO1
    from test_dns import Dns
    dns = Dns(tmp, ["good.example. 60 IN A 127.0.0.1"])
    try:
        for name, host, ok in (("carol", "wrong.example", False),
                               ("bob", "good.example", True)):
            d = os.path.join(tmp, name)
            ca, crt, key = make_certs(d, san="DNS:" + host, cn=host)
            served = os.path.join(d, "pki", "baresip.pem")
            with open(served, "w") as f:
                f.write(open(key).read() + open(crt).read())
            b = Baresip(tmp, name, "aufile," + tone_wav(os.path.join(tmp, "1k.wav"),
                                                        1000, -10, 20),
                        account=";answermode=auto", seconds=30,
                        extra_config="sip_certificate\t%s\nsip_cafile\t\t%s\n"
                        % (served, ca))
            tls_peer = b.sip_port + 1
            lines = ('tls_listen = "127.0.0.1:%d";\n\ttls_certificate = "%s";\n\t'
                     'tls_key = "%s";\n\ttls_ca_file = "%s";\n\tresolv_conf = "%s";'
                     % (free_port(socket.SOCK_STREAM), crt, key, ca, dns.conf))

            def edit(text, lines=lines, name=name, tls_peer=tls_peer):
                text = re.sub(r'target = "sip:%s@127\.0\.0\.1:\d+"' % name,
                              'target = "sip:%s@good.example:%d;transport=tls"'
                              % (name, tls_peer), text)
                return sip_edit(lines)(text)
            try:
                with Rig(tmp, peer_port=b.sip_port, fxo_target_user=name,
                         conf_edit=edit) as r:
                    r.ls.cmd("call %d" % FXO1)
                    if ok:
                        r.gw.wait_port("fxo1", "talking", 15)
                        print("certificate for DNS:%s, URI host good.example: call "
                              "set up over TLS" % host)
                    else:
                        wait_until(lambda: "certificate is not for" in r.gw.log(),
                                   15, what="the name-mismatch warning")
                        time.sleep(1)
                        st = r.gw.status()
                        m = re.search(r"^.*TLS: the server's certificate is not for.*$",
                                      r.gw.log(), re.M)
                        print("certificate for DNS:%s, URI host good.example: fxo1 %s; "
                              "gateway: %s" % (host, st["ports"]["fxo1"]["state"],
                                               m.group(0)))
                        assert '"good.example"' in m.group(0), m.group(0)
                        assert st["ports"]["fxo1"]["state"] != "talking", st["text"]
                        assert "Call established" not in b.proc.text(), \
                            b.proc.text()[-2000:]
                    r.ls.cmd("hangup %d" % FXO1)
                    if ok:
                        r.gw.assert_all_idle(15)
                    # else Sofia (1.12.11) closes the connection without
                    # failing the INVITE queued on it: the call ends at
                    # nta's timer B (32 s), as with a bad chain
            finally:
                b.stop()
    finally:
        dns.stop()


def _sipp_hold_call(tmp, r, local, remote, name, number="201"):
    """SIPp from `local` (an address) calls `number` at `remote`
    ("HOST:PORT") with uac_hold.xml, echoing RTP; returns the message log
    and the call's status line while talking."""
    mp = free_udp_pair() if ":" not in local else free_port()
    argv = ["sipp", remote, "-sf", os.path.join(SIPP_DIR, "uac_hold.xml"),
            "-s", number, "-i", local, "-mi", local, "-p", str(free_port()),
            "-mp", str(mp), "-ci", "127.0.0.1", "-cp", str(free_port()), "-m", "1",
            "-d", "3000", "-rtp_echo", "-key", "rtp_port", str(mp),
            "-nostdin", "-trace_err", "-trace_msg",
            "-error_file", os.path.join(tmp, name + "_err.log"),
            "-message_file", os.path.join(tmp, name + "_msg.log")]
    u = Proc(argv, os.path.join(tmp, name + ".out"), limit=60, cwd=tmp)
    r.gw.wait_port("fxs1", "talking", 20)
    time.sleep(1.5)
    st = r.gw.status()
    call = list(st["calls"].values())[0] if st["calls"] else {}
    rc = u.wait(40)
    log = sipp_messages(tmp, name)
    assert rc == 0, "SIPp from %s failed (%s):\n%s\n%s" % (
        local, rc, u.text()[-2000:], log[-3000:])
    r.gw.assert_all_idle()
    return log, call


def test_dual_stack(tmp):
    """sip.listen = "127.0.0.1:PORT" and sip.also_listen = "[::1]:PORT":
    one daemon takes a call over IPv6 (SIPp on ::1: the answer has
    c=IN IP6 ::1 and RTP flows over IPv6) and then one over IPv4 (SIPp on
    127.0.0.1: c=IN IP4 127.0.0.1), both to phone 201."""
    def both(text):
        port = re.search(r'listen = "127\.0\.0\.1:(\d+)"', text).group(1)
        text = re.sub(r'trusted = \[[^\]]*\]', 'trusted = [ "127.0.0.1", "::1" ]',
                      text)
        return sip_edit('also_listen = "[::1]:%s";' % port)(text)
    with Rig(tmp, conf_edit=both) as r:
        r.ls.cmd("auto %d on 1" % FXS1)
        assert "(the other IP family)" in r.gw.log(), r.gw.log()[-2000:]
        results = []
        for local, remote, name in (("::1", "[::1]:%d" % r.gw.sip_port, "dual6"),
                                    ("127.0.0.1", "127.0.0.1:%d" % r.gw.sip_port,
                                     "dual4")):
            log, call = _sipp_hold_call(tmp, r, local, remote, name)
            contact, c, _ = sdp_c(log)
            print("call from %s: 200 OK %s | %s | remote=%s rx=%s tx=%s" % (
                local, contact, c, call.get("remote"), call.get("rx"), call.get("tx")))
            results.append((local, contact, c, call))
        (_, contact6, c6, call6), (_, contact4, c4, call4) = results
        assert c6 == "c=IN IP6 ::1", c6
        assert "::1" in call6.get("remote", ""), call6
        assert int(call6.get("rx", "0")) > 0, call6
        assert c4 == "c=IN IP4 127.0.0.1", c4
        assert "127.0.0.1" in call4.get("remote", ""), call4
        assert int(call4.get("rx", "0")) > 0, call4
        assert "[::1]" in contact6 and "127.0.0.1" in contact4, (contact6, contact4)
