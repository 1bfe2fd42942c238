# SPDX-License-Identifier: GPL-2.0-or-later
"""Safe defaults (issue 6 item 6): digest authentication of untrusted
INVITEs, per-source rate limiting with silent drops, bans after repeated
authentication failures, premium/international dial-out blocking, and the
toll-fraud test: a scanner from an untrusted address places zero calls and
seizes zero ports, and the answers do not depend on the number."""
import os
import re
import socket
import time

from gwtest import free_port, wait_until
from peers import sipp
from test_calls import FXO1, FXO2, FXS1, FXS2, Rig

PASSWORD = "Correct-Horse-42"


def sec_conf(users=True, rate=5, ban_after=5, ban_time=30):
    def edit(text):
        keys = 'rate_limit = %d; ban_after = %d; ban_window_s = 60; ban_time_s = %d;' % (
            rate, ban_after, ban_time)
        if users:
            keys += ' users = ( { name = "alice"; password = "%s"; } );' % PASSWORD
        text = text.replace('trusted = [ "127.0.0.1" ];',
                            'trusted = [ "127.0.0.1" ]; ' + keys)
        # several routes into the PSTN, besides "9" to any FXO line
        text = text.replace(
            '{ from = "sip"; prefix = "9"; strip = 1; to = "fxo"; },',
            '{ from = "sip"; prefix = "9"; strip = 1; to = "fxo"; },\n'
            '\t{ from = "sip"; prefix = "8"; strip = 1; to = "fxo:fxo2"; },\n'
            '\t{ from = "sip"; pattern = "_0."; to = "fxo:fxo1"; },\n'
            '\t{ from = "sip"; prefix = "1"; to = "fxo"; },\n'
            '\t{ from = "sip"; prefix = "7"; strip = 1; to = "fxo"; allow_premium = true; },')
        return text
    return edit


def security(gw):
    m = re.search(r"^security (.*)$", gw.status()["text"], re.M)
    assert m, "no security line in copperctl status:\n" + gw.status()["text"]
    return {k: int(v) for k, v in (x.split("=") for x in m.group(1).split())}


def invite(host, port, number, src, callid, auth=""):
    sdp = ("v=0\r\no=- 1 1 IN IP4 {s}\r\ns=-\r\nc=IN IP4 {s}\r\nt=0 0\r\n"
           "m=audio 6100 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n").format(s=src[0])
    return ("INVITE sip:{n}@{h}:{p} SIP/2.0\r\n"
            "Via: SIP/2.0/UDP {s}:{sp};branch=z9hG4bK{c}\r\n"
            "From: <sip:100@{s}>;tag={c}\r\n"
            "To: <sip:{n}@{h}>\r\n"
            "Call-ID: {c}\r\nCSeq: 1 INVITE\r\n"
            "Contact: <sip:100@{s}:{sp}>\r\n{a}"
            "Max-Forwards: 70\r\nContent-Type: application/sdp\r\n"
            "Content-Length: {l}\r\n\r\n{b}").format(
                n=number, h=host, p=port, s=src[0], sp=src[1], c=callid, a=auth,
                l=len(sdp), b=sdp).encode()


def udp_from(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    s.settimeout(0.2)
    return s


def collect(s, seconds):
    """Responses received for `seconds`: {Call-ID: [status, ...]}."""
    got = {}
    end = time.time() + seconds
    while time.time() < end:
        try:
            data = s.recv(65535).decode(errors="replace")
        except socket.timeout:
            continue
        m = re.match(r"SIP/2.0 (\d+)", data)
        c = re.search(r"^Call-ID: *(\S+)", data, re.M | re.I)
        if m and c:
            got.setdefault(c.group(1), []).append(int(m.group(1)))
    return got


def assert_no_line_used(r, calls=0):
    for p in (FXO1, FXO2):
        st = r.ls.status(p)
        assert st["dialled"] == "" and st["hook"] == "onhook", \
            "exchange port %d was used: %s" % (p, st)
    for p in (FXS1, FXS2):
        st = r.ls.status(p)
        assert st["rings"] == "0" and st["ringing"] == "0", "phone %d rang: %s" % (p, st)
    r.gw.assert_all_idle()
    assert " %d calls total" % calls in r.gw.status()["text"], r.gw.status()["text"]


def sipp_ok(u, what, timeout=60):
    rc = u.wait(timeout)
    assert rc == 0, "%s: SIPp failed (%s):\n%s" % (what, rc, u.text()[-2000:])


def test_auth_inbound_call(tmp):
    """From an untrusted address (127.0.0.2) an INVITE is challenged (401);
    with alice's password the call to 91004 goes through an FXO line; with
    a wrong one it is challenged again and logged as a failure."""
    with Rig(tmp, conf_edit=sec_conf()) as r:
        u = sipp(tmp, "uac_auth_call.xml", r.uri, "91004", free_port(),
                 extra=["-i", "127.0.0.2", "-mi", "127.0.0.2", "-au", "alice",
                        "-ap", PASSWORD, "-d", "3000"], limit=40, name="good")
        wait_until(lambda: r.gw.port_state("fxo1") == "talking", 15,
                   what="fxo1 talking")
        assert "dialling 1004" in r.gw.log()
        sipp_ok(u, "authenticated call")
        assert 'user "alice" authenticated from 127.0.0.2' in r.gw.log()
        u = sipp(tmp, "uac_auth_guess.xml", r.uri, "91004", free_port(),
                 extra=["-i", "127.0.0.2", "-mi", "127.0.0.2", "-au", "alice",
                        "-ap", "wrong-password"], limit=30, name="bad")
        sipp_ok(u, "wrong password")
        assert 'SECURITY: auth failure from 127.0.0.2 user "alice"' in r.gw.log()
        r.gw.assert_all_idle()
        sec = security(r.gw)
        print("authenticated call to 91004 placed; wrong password challenged again; %s" % sec)
        assert sec["auth_failures"] == 1 and sec["bans"] == 0


NUMBERS = [
    "91004", "91000", "9011441234567", "9900555", "91900555", "9976555",
    "81004", "8011441234567", "81900555", "0044201234567", "0900123456",
    "11004", "1900555", "1976555", "011441234567", "71004", "7011441234567",
    "201", "202", "203", "100", "911", "112", "999", "+441234567", "s", "*97",
]


def test_toll_fraud_scan_and_guessing(tmp):
    """A scanner at 127.0.0.3 INVITEs every pattern (PSTN routes 9, 8, 1, 0,
    the premium-allowed 7, international, premium, extensions, emergency)
    and gets the same 401 for each: zero calls, zero seized ports, nothing
    dialled at the exchange. Then guessing alice's password with SIPp gets
    127.0.0.3 banned after 5 failures: the ban is logged and later
    requests are not answered at all."""
    with Rig(tmp, conf_edit=sec_conf(rate=100, ban_after=5, ban_time=30)) as r:
        inf = os.path.join(tmp, "numbers.csv")
        with open(inf, "w") as f:
            f.write("SEQUENTIAL\n" + "".join(n + ";\n" for n in NUMBERS))
        u = sipp(tmp, "uac_probe.xml", r.uri, "x", free_port(),
                 extra=["-i", "127.0.0.3", "-mi", "127.0.0.3", "-inf", inf,
                        "-m", str(len(NUMBERS)), "-r", "10"], limit=60, name="probe")
        sipp_ok(u, "probe")
        log = open(os.path.join(tmp, "probe_msg.log"), errors="replace").read()
        # the final responses as received, with what varies per request
        # (number, tags, Call-ID, branch, nonce) taken out
        finals = []
        for msg in re.split(r"\n-{10,}.*\n", log):
            if "received" not in msg and not msg.lstrip().startswith("SIP/2.0"):
                pass
            m = re.search(r"^SIP/2.0 ([2-6]\d\d .*)$", msg, re.M)
            if not m:
                continue
            norm = []
            for line in msg[m.start():].splitlines():
                line = line.strip()
                if not line or line.lower().startswith(("call-id", "via", "content-length")):
                    continue
                line = re.sub(r'nonce="[^"]*"', 'nonce=N', line)
                line = re.sub(r"tag=[^;>\s]*", "tag=T", line)
                line = re.sub(r"sip:[^@>]*@", "sip:X@", line)
                norm.append(line)
            finals.append("\n".join(norm))
        kinds = set(finals)
        print("probe: %d INVITEs, %d final responses, %d distinct after normalising"
              % (len(NUMBERS), len(finals), len(kinds)))
        assert len(finals) >= len(NUMBERS), "only %d finals:\n%s" % (len(finals), log[-3000:])
        assert len(kinds) == 1, "responses differ by number:\n" + "\n====\n".join(kinds)
        assert next(iter(kinds)).startswith("SIP/2.0 401 "), kinds
        assert_no_line_used(r)

        # credential guessing: 5 wrong passwords, then banned
        u = sipp(tmp, "uac_auth_guess.xml", r.uri, "9011441234567", free_port(),
                 extra=["-i", "127.0.0.3", "-mi", "127.0.0.3", "-au", "alice",
                        "-ap", "guess", "-m", "5", "-r", "5"], limit=60, name="guess")
        sipp_ok(u, "guessing")
        wait_until(lambda: "SECURITY: banned 127.0.0.3 for 30 s" in r.gw.log(), 5,
                   what="the ban log line")
        fails = r.gw.log().count("SECURITY: auth failure from 127.0.0.3")
        before = security(r.gw)
        s = udp_from("127.0.0.3")
        for i in range(10):
            s.sendto(invite("127.0.0.1", r.gw.sip_port, "91004", s.getsockname(),
                            "banned%d" % i), ("127.0.0.1", r.gw.sip_port))
        got = collect(s, 3.0)
        s.close()
        after = security(r.gw)
        print("guessing: 5 SIPp calls, %d failures logged, banned; then 10 INVITEs "
              "-> %d answered, kernel drops %d -> %d; %s"
              % (fails, len(got), before["kernel_drops"], after["kernel_drops"], after))
        assert fails == 5
        assert not got, "a banned source was answered: %s" % got
        assert after["kernel_drops"] - before["kernel_drops"] >= 10
        assert after["bans"] == 1 and after["banned_now"] == 1
        # another address is not affected
        s = udp_from("127.0.0.5")
        s.sendto(invite("127.0.0.1", r.gw.sip_port, "91004", s.getsockname(), "other"),
                 ("127.0.0.1", r.gw.sip_port))
        got = collect(s, 2.0)
        s.close()
        assert got.get("other") and 401 in got["other"], got
        assert_no_line_used(r)


def test_rate_limit_untrusted(tmp):
    """With no users (the shipped default) an untrusted source gets 403 for
    at most sip.rate_limit requests per second; a flood beyond that is
    dropped silently (counted by the kernel filter)."""
    with Rig(tmp, conf_edit=sec_conf(users=False, rate=5)) as r:
        s = udp_from("127.0.0.4")
        n = 200
        t0 = time.time()
        for i in range(n):
            s.sendto(invite("127.0.0.1", r.gw.sip_port, "9%07d" % i, s.getsockname(),
                            "flood%d" % i), ("127.0.0.1", r.gw.sip_port))
            time.sleep(0.005)
        sent_s = time.time() - t0
        got = collect(s, 3.0)
        s.close()
        finals = {c: v for c, v in got.items() if any(x >= 200 for x in v)}
        codes = {x for v in finals.values() for x in v if x >= 200}
        sec = security(r.gw)
        windows = int(sent_s) + 2
        print("flood: %d INVITEs in %.2f s from 127.0.0.4 -> %d answered (%s), "
              "%s" % (n, sent_s, len(finals), sorted(codes), sec))
        assert codes == {403}, codes
        # a few may have been queued before the filter went on
        assert 1 <= len(finals) <= 5 * windows + 10, len(finals)
        assert sec["kernel_drops"] >= n - len(finals) - 20, sec
        assert sec["limited"] >= 1
        assert "SECURITY: untrusted 127.0.0.4 rate limited" in r.gw.log()
        assert_no_line_used(r)


def test_premium_blocked_for_trusted(tmp):
    """Even a trusted peer cannot dial a premium or international number
    into the PSTN (default NANP list: 011, 1900, 900, 976, ...): 403, no
    seizure, a SECURITY line; a route with allow_premium may."""
    with Rig(tmp, conf_edit=sec_conf()) as r:
        s = udp_from("127.0.0.1")
        for i, num in enumerate(["9011441234567", "91900555", "8900555", "1976555"]):
            s.sendto(invite("127.0.0.1", r.gw.sip_port, num, s.getsockname(), "p%d" % i),
                     ("127.0.0.1", r.gw.sip_port))
        got = collect(s, 2.0)
        print("trusted INVITEs to premium/international: %s" % got)
        for i in range(4):
            assert 403 in got.get("p%d" % i, []), got
        assert r.gw.log().count("SECURITY: blocked dial-out to") == 4
        assert_no_line_used(r, calls=4)  # refused before any port
        # route 7 allows it: the exchange is dialled
        s.sendto(invite("127.0.0.1", r.gw.sip_port, "7011441", s.getsockname(), "allow"),
                 ("127.0.0.1", r.gw.sip_port))
        wait_until(lambda: "dialling 011441" in r.gw.log(), 15,
                   what="011441 dialled through the allow_premium route")
        s.close()
        print("allow_premium route dialled 011441")


def stream_request(kind, src, port, data, ca=None, timeout=1.5):
    """Send `data` over a new TCP or TLS ("tcp"/"tls") connection from
    address `src` and read the responses until `timeout` passes quietly:
    (list of status codes, text), or (None, why) when no connection or
    no TLS session could be made."""
    import ssl
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
        if kind == "tls":
            ctx = ssl.create_default_context(cafile=ca)
            ctx.check_hostname = False
            s = ctx.wrap_socket(s)
        s.sendall(data)
        text = ""
        while True:
            try:
                d = s.recv(65535)
            except socket.timeout:
                break
            if not d:
                break
            text += d.decode(errors="replace")
    except (OSError, ssl.SSLError) as e:
        s.close()
        return None, "%s: %s" % (type(e).__name__, e)
    s.close()
    return [int(c) for c in re.findall(r"^SIP/2.0 (\d+)", text, re.M)], text


def stream_invite(kind, src, port, number, callid, auth=""):
    """invite() with a TCP or TLS Via (the port is a placeholder: the
    answer comes back on the connection)."""
    return invite("127.0.0.1", port, number, (src, 5060), callid, auth).replace(
        b"Via: SIP/2.0/UDP", b"Via: SIP/2.0/" + kind.upper().encode())


def digest_auth(text, user, password, uri):
    import hashlib
    m = re.search(r'realm="([^"]*)".*?nonce="([^"]*)"', text, re.S)
    realm, nonce = m.group(1), m.group(2)
    md5 = lambda x: hashlib.md5(x.encode()).hexdigest()
    resp = md5("%s:%s:%s" % (md5("%s:%s:%s" % (user, realm, password)), nonce,
                             md5("INVITE:%s" % uri)))
    return ('Authorization: Digest username="%s", realm="%s", nonce="%s", '
            'uri="%s", response="%s", algorithm=MD5\r\n'
            % (user, realm, nonce, uri, resp))


def test_guard_over_tcp_and_tls(tmp):
    """The source guard covers INVITEs over TCP and TLS like UDP ones:
    untrusted INVITEs over TCP (127.0.0.2) and TLS (127.0.0.3) are
    challenged (401); three wrong passwords over TLS from 127.0.0.3 ban it
    (ban_after = 3): the ban is logged and a new TLS connection from it
    gets no answer (the kernel filter is on the TLS listener too), while
    127.0.0.5 is still challenged over TLS; no call is placed."""
    from test_transports import make_certs, sip_edit
    ca, crt, key = make_certs(tmp)
    tls_port = free_port(socket.SOCK_STREAM)
    lines = ('tls_listen = "127.0.0.1:%d";\n\ttls_certificate = "%s";\n\t'
             'tls_key = "%s";' % (tls_port, crt, key))

    def edit(text):
        return sip_edit(lines)(sec_conf(rate=100, ban_after=3, ban_time=30)(text))
    with Rig(tmp, conf_edit=edit) as r:
        uri = "sip:91004@127.0.0.1:%d" % tls_port
        codes, _ = stream_request("tcp", "127.0.0.2", r.gw.sip_port,
                                  stream_invite("tcp", "127.0.0.2", r.gw.sip_port,
                                                "91004", "tcp1"))
        print("untrusted INVITE over TCP from 127.0.0.2 -> %s" % codes)
        assert codes and 401 in codes and 200 not in codes, codes
        codes, text = stream_request("tls", "127.0.0.3", tls_port,
                                     stream_invite("tls", "127.0.0.3", tls_port,
                                                   "91004", "tls1"), ca=ca)
        print("untrusted INVITE over TLS from 127.0.0.3 -> %s" % codes)
        assert codes and 401 in codes and 200 not in codes, (codes, text)
        for i in range(3):
            auth = digest_auth(text, "alice", "guess%d" % i, uri)
            codes, text2 = stream_request(
                "tls", "127.0.0.3", tls_port,
                stream_invite("tls", "127.0.0.3", tls_port, "91004", "tlsg%d" % i,
                              auth), ca=ca)
            print("wrong password %d over TLS -> %s" % (i + 1, codes))
            assert codes and 200 not in codes, codes
            if codes and 401 in codes:
                text = text2
        wait_until(lambda: "SECURITY: banned 127.0.0.3 for 30 s" in r.gw.log(), 5,
                   what="the ban log line")
        fails = r.gw.log().count("SECURITY: auth failure from 127.0.0.3")
        codes, why = stream_request("tls", "127.0.0.3", tls_port,
                                    stream_invite("tls", "127.0.0.3", tls_port,
                                                  "91004", "tlsb"), ca=ca, timeout=3)
        print("banned 127.0.0.3 after %d failures; a new TLS INVITE from it -> %s"
              % (fails, codes if codes is not None else why))
        assert fails == 3
        assert not codes, "a banned source was answered over TLS: %s" % codes
        codes, _ = stream_request("tls", "127.0.0.5", tls_port,
                                  stream_invite("tls", "127.0.0.5", tls_port,
                                                "91004", "tls5"), ca=ca)
        print("127.0.0.5 over TLS -> %s; %s" % (codes, security(r.gw)))
        assert codes and 401 in codes, codes
        assert_no_line_used(r)
