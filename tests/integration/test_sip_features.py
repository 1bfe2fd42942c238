# SPDX-License-Identifier: GPL-2.0-or-later
"""SIP call features (gateway/callfeat.h) with SIPp as the peer: reliable
provisional responses (RFC 3262), Q.850 causes in Reason headers
(RFC 3326), session timers (RFC 4028) and 3xx redirects followed with a
loop limit (RFC 3261 §8.1.3.4)."""
import re
import time

from peers import sipp, sipp_messages
from gwtest import wait_until
from test_calls import FXS1, Rig, free_udp, free_udp_even


def _messages(tmp, name, first_line):
    """The messages in SIPp's log starting with first_line (a regex)."""
    out = []
    for m in re.split(r"\n-{20,}[^\n]*\n", sipp_messages(tmp, name)):
        for i, line in enumerate(m.splitlines()):
            if line.strip() and re.match(first_line, line.strip()):
                out.append("\n".join(m.splitlines()[i:]))
                break
    return out


def _header(msg, name):
    m = re.search(r"^%s\s*:\s*(.*?)\s*$" % re.escape(name), msg, re.M | re.I)
    return m.group(1) if m else None


def test_prack_and_busy_reason(tmp):
    """SIPp calls 91486 (the exchange rings, then busy tone) with
    Supported: 100rel: the gateway's 183 carries Require: 100rel and an
    RSeq, SIPp's PRACK gets 200, and the busy line ends in 486 with
    Reason: Q.850;cause=17 (SIPp checks each; so does the test)."""
    with Rig(tmp) as r:
        u = sipp(tmp, "uac_prack_busy.xml", r.uri, "91486", free_udp(),
                 media_port=free_udp_even(), name="prack", limit=45)
        rc = u.wait(40)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle()
        log = r.gw.log()
    p183 = _messages(tmp, "prack", r"SIP/2.0 183")
    assert p183, "no 183 in SIPp's log"
    req, rseq = _header(p183[0], "Require"), _header(p183[0], "RSeq")
    assert req and "100rel" in req and rseq and rseq.isdigit(), p183[0]
    ok = [m for m in _messages(tmp, "prack", r"SIP/2.0 200")
          if re.search(r"^CSeq:\s*\d+ PRACK", m, re.M | re.I)]
    assert ok, "no 200 for the PRACK"
    busy = _messages(tmp, "prack", r"SIP/2.0 486")
    assert busy, "no 486"
    reason = _header(busy[0], "Reason")
    assert reason and re.match(r"Q\.850\s*;\s*cause=17\b", reason), busy[0]
    assert "busy tone" in log
    print("183: Require: %s, RSeq: %s (%d sent); PRACK answered 200; "
          "486 Reason: %s" % (req, rseq, len(p183), reason))


def test_no_route_reason(tmp):
    """An INVITE to 777, which no route takes: 404 with Reason:
    Q.850;cause=1 (unallocated number); no port is seized."""
    with Rig(tmp) as r:
        u = sipp(tmp, "uac_noroute.xml", r.uri, "777", free_udp(),
                 media_port=free_udp_even(), name="noroute", limit=20)
        rc = u.wait(15)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle()
    nf = _messages(tmp, "noroute", r"SIP/2.0 404")
    assert nf, "no 404"
    reason = _header(nf[0], "Reason")
    assert reason and re.match(r"Q\.850\s*;\s*cause=1\b", reason), nf[0]
    print("404 Reason: %s" % reason)


def _stamp(tmp, name, first_line):
    """The time (s, from SIPp's log) of the first message starting with
    first_line."""
    text = sipp_messages(tmp, name)
    for m in re.finditer(r"-{20,} \d+-\d+-\d+ (\d+):(\d+):([\d.]+)\n"
                         r"[^\n]*\n\n([^\n]*)", text):
        if re.match(first_line, m.group(4)):
            h, mi, s = m.group(1, 2, 3)
            return int(h) * 3600 + int(mi) * 60 + float(s)
    return None


def test_session_timer_refresh(tmp):
    """RFC 4028: SIPp calls the 1000 echo line asking for a 30 s session
    refreshed by the gateway (refresher=uas; sip.session_min_se_s lowered
    to 30 for the test, 90 as shipped). The gateway's 200 OK has
    Session-Expires: 30;refresher=uas and Require: timer, and it sends a
    refreshing UPDATE before the 30 s are up (RFC 4028 §10: at about half
    the interval); the call stays up through it. About 20 s."""
    def short(text):
        return text.replace("sip = {", "sip = {\n\tsession_min_se_s = 30;", 1)
    with Rig(tmp, conf_edit=short) as r:
        mp = free_udp_even()
        u = sipp(tmp, "uac_session_timer.xml", r.uri, "91000", free_udp(),
                 media_port=mp, name="st",
                 extra=["-rtp_echo", "-key", "rtp_port", str(mp)], limit=60)
        r.gw.wait_port("fxo1", "talking", 15)
        rc = u.wait(55)
        assert rc == 0, "SIPp failed (%s):\n%s" % (rc, u.text()[-2000:])
        r.gw.assert_all_idle()
    ok = _messages(tmp, "st", r"SIP/2.0 200")[0]
    se, req = _header(ok, "Session-Expires"), _header(ok, "Require")
    assert se and re.match(r"30\s*;\s*refresher=uas", se), ok
    assert req and "timer" in req, ok
    up = _messages(tmp, "st", r"UPDATE ")
    assert up, "no UPDATE"
    t200, tup = _stamp(tmp, "st", r"SIP/2.0 200"), _stamp(tmp, "st", r"UPDATE ")
    after = (tup - t200) % 86400
    assert 10 <= after < 30, "UPDATE %.1f s after the 200 OK" % after
    print("200 OK: Session-Expires: %s, Require: %s; UPDATE %.1f s after "
          "it (Session-Expires: %s)" % (se, req, after,
                                        _header(up[0], "Session-Expires")))


def test_302_followed(tmp):
    """The phone on port 1 dials 5551234; the peer the route names
    answers 302 with Contact sip:7779@ another SIPp; the gateway sends
    the same call there (request-URI 7779, the original To), that SIPp
    answers, the phone talks, hangs up: BYE to the second SIPp."""
    peer, target = free_udp(), free_udp()
    with Rig(tmp, peer_port=peer) as r:
        b = sipp(tmp, "uas_check_ruri.xml", "", "7779", target,
                 media_port=free_udp_even(), name="target", limit=60)
        a = sipp(tmp, "uas_redirect.xml", "", "5551234", peer, name="redir",
                 extra=["-key", "redirect_user", "7779",
                        "-key", "redirect_port", str(target)], limit=60)
        time.sleep(0.5)
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone on the phone")
        r.ls.cmd("dial %d 5551234" % FXS1)
        r.gw.wait_port("fxs1", "talking", 20)
        r.ls.cmd("onhook %d" % FXS1)
        for u, n in ((a, "redir"), (b, "target")):
            rc = u.wait(15)
            assert rc == 0, "SIPp %s failed (%s):\n%s" % (n, rc, u.text()[-2000:])
        r.gw.assert_all_idle()
    first = _messages(tmp, "redir", r"INVITE ")
    second = _messages(tmp, "target", r"INVITE ")
    assert len(first) == 1 and second, "INVITEs: %d, %d" % (len(first), len(second))
    ruri = second[0].splitlines()[0]
    assert ruri.startswith("INVITE sip:7779@127.0.0.1:%d" % target), ruri
    to = _header(second[0], "To")
    assert "5551234@" in to, to
    assert _messages(tmp, "target", r"BYE "), "no BYE to the new target"
    cseq = (_header(first[0], "CSeq"), _header(second[0], "CSeq"))
    print("302 followed: %s, To: %s, Call-ID %s, CSeq %s -> %s"
          % (ruri, to, "kept" if _header(first[0], "Call-ID") ==
             _header(second[0], "Call-ID") else "new", cseq[0], cseq[1]))


def test_302_loop_limit(tmp):
    """A peer that answers every INVITE with 302 to yet another URI of its
    own (a redirect loop): the gateway follows 5 redirects (6 INVITEs),
    then gives up; the phone hears the failure, the call ends."""
    import socket
    import threading
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(0.2)
    port = peer.getsockname()[1]
    branches, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                data, src = peer.recvfrom(65535)
            except socket.timeout:
                continue
            msg = data.decode(errors="replace")
            if not msg.startswith("INVITE "):
                continue
            br = re.search(r"branch=([^;\s]+)", msg).group(1)
            if br not in branches:
                branches.append(br)
            hdrs = [l for l in msg.split("\r\n")
                    if re.match(r"(Via|From|To|Call-ID|CSeq):", l, re.I)]
            hdrs = [h + ";tag=loop%d" % len(branches)
                    if h.lower().startswith("to:") and "tag=" not in h else h
                    for h in hdrs]
            resp = ("SIP/2.0 302 Moved Temporarily\r\n" + "\r\n".join(hdrs) +
                    "\r\nContact: <sip:hop%d@127.0.0.1:%d>\r\n"
                    "Content-Length: 0\r\n\r\n" % (len(branches), port))
            peer.sendto(resp.encode(), src)
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with Rig(tmp, peer_port=port) as r:
            r.ls.cmd("offhook %d" % FXS1)
            wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                       what="dial tone on the phone")
            r.ls.cmd("dial %d 5551234" % FXS1)
            wait_until(lambda: "call failed: 302" in r.gw.log(), 20,
                       what="the call to fail on the last 302")
            time.sleep(1)  # nothing more may come
            tone = r.ls.cmd("hears %d" % FXS1)["tone"]
            r.ls.cmd("onhook %d" % FXS1)
            r.gw.assert_all_idle()
    finally:
        stop.set()
        t.join(2)
        peer.close()
    print("redirect loop: %d INVITEs (1 + %d redirects followed), then the "
          "call failed; the phone hears %s" % (len(branches), len(branches) - 1, tone))
    assert len(branches) == 6, "%d INVITEs" % len(branches)
