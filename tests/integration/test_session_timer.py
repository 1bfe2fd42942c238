# SPDX-License-Identifier: GPL-2.0-or-later
"""Session timers (RFC 4028) ending calls: a peer that lets its session
expire is hung up with BYE (§10), and a refresh the peer refuses with
408 or 481 ends the call (RFC 5057 §5.1). The gateway's Min-SE is
lowered to SE seconds for these tests (sip.session_min_se_s; RFC 4028's
floor is 90 s) so that a session expires in seconds, not minutes."""
import os
import re
import sqlite3
import time

from peers import SIPP_DIR, sipp, sipp_messages
from gwtest import wait_until
from test_calls import FXS1, Rig, free_udp, free_udp_even
from test_sip_features import _header, _messages, _stamp

SE = 20  # the session interval both sides agree on (s)
PHRASE = {408: "Request Timeout", 481: "Call/Transaction Does Not Exist"}


def _rig(tmp, db):
    def edit(text):
        text = text.replace("general = {", 'general = {\n\tcdr_db = "%s";'
                            % db, 1)
        return text.replace("sip = {", "sip = {\n\tsession_min_se_s = %d;"
                            % SE, 1)
    return Rig(tmp, conf_edit=edit)


def _cdrs(db):
    s = sqlite3.connect(db)
    s.row_factory = sqlite3.Row
    rows = [dict(x) for x in s.execute("SELECT * FROM cdr ORDER BY id")]
    s.close()
    for x in rows:
        print("CDR", {k: x[k] for k in ("direction", "port", "called",
                                        "disposition", "cause", "reason",
                                        "billsec")})
    return rows


def test_session_expires_peer_silent(tmp):
    """SIPp calls the phone on fxs1 (201) asking for a SE s session that
    it refreshes itself (refresher=uac), the phone answers, and SIPp
    never refreshes: the gateway sends BYE (Reason: cause 408, session
    timeout) before the SE s are up (RFC 4028 §10: at the latest
    SE - min(32, SE/3) s), the phone hears the far end gone, the port
    is freed, and the CDR tells why."""
    db = os.path.join(tmp, "cdr.db")
    with _rig(tmp, db) as r:
        mp = free_udp_even()
        u = sipp(tmp, "uac_st_expire.xml", r.uri, "201", free_udp(),
                 media_port=mp, name="exp", limit=90,
                 extra=["-rtp_echo", "-key", "rtp_port", str(mp),
                        "-key", "se", str(SE)])
        r.gw.wait_port("fxs1", "ringing", 10)
        r.ls.cmd("offhook %d" % FXS1)
        r.gw.wait_port("fxs1", "talking", 10)
        t0 = time.monotonic()
        wait_until(lambda: r.gw.port_state("fxs1") != "talking", SE + 15,
                   what="the gateway to end the expired session")
        tend = time.monotonic() - t0
        state = r.gw.port_state("fxs1")
        # the far end gone: battery drop, then reorder until on-hook
        # (linesim names it congestion)
        tone = wait_until(lambda: r.ls.cmd("hears %d" % FXS1).get("tone")
                          not in (None, "", "none") and
                          r.ls.cmd("hears %d" % FXS1).get("tone"), 10,
                          what="a tone on the phone after the BYE")
        rc = u.wait(20)
        assert rc == 0, "SIPp failed (%s):\n%s\n%s" % (
            rc, u.text()[-2000:], sipp_messages(tmp, "exp")[-3000:])
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle(10)
        log = r.gw.log()
    ok = _messages(tmp, "exp", r"SIP/2.0 200")[0]
    se = _header(ok, "Session-Expires")
    assert se and re.match(r"%d\s*;\s*refresher=uac" % SE, se), ok
    bye = _messages(tmp, "exp", r"BYE ")
    assert bye, "no BYE from the gateway"
    after = (_stamp(tmp, "exp", r"BYE ") - _stamp(tmp, "exp", r"SIP/2.0 200")) \
        % 86400
    reason = _header(bye[0], "Reason")
    print("200 OK Session-Expires: %s; SIPp never refreshed; the gateway's "
          "BYE %.1f s after the 200 OK (Reason: %s); the phone's port left "
          "talking after %.1f s (now %s, the phone hears %s)"
          % (se, after, reason, tend, state, tone))
    # RFC 4028 §10: BYE before the session expires (nua: at 9/10 of it)
    assert SE / 2 <= after <= SE, "BYE %.1f s after the 200 OK" % after
    assert reason and "408" in reason, bye[0]
    assert tone in ("congestion", "reorder"), tone  # linesim: congestion
    assert not re.search(r"^UPDATE ", sipp_messages(tmp, "exp"), re.M)
    rows = _cdrs(db)
    assert len(rows) == 1, rows
    c = rows[0]
    assert c["disposition"] == "answered" and c["port"] == "fxs1", c
    assert c["billsec"] >= SE / 2, c
    assert c["reason"] == "session expired (408)" and c["cause"] == 408, c
    assert re.search(r"call \d+: session expired: the peer did not refresh",
                     log), log[-3000:]


def test_refresh_refused_408_481(tmp):
    """The gateway is the refresher (SIPp asks refresher=uas, SE s): two
    calls at once to the exchange's echo line (91000, on fxo1 and fxo2);
    each gets the gateway's refreshing UPDATE about SE/2 s after the
    200 OK and answers it 408 (first call) or 481 (second call): the
    gateway ends both calls, frees both lines and records the cause.
    (Sofia 1.12's nua ends the dialog on these answers by itself,
    RFC 5057 §5.1, without a BYE: SIPp takes a BYE if one comes.)"""
    db = os.path.join(tmp, "cdr.db")
    with _rig(tmp, db) as r:
        us = {}
        with open(os.path.join(SIPP_DIR, "uac_st_refresh_fail.xml")) as f:
            text = f.read()
        for code in (408, 481):
            scen = os.path.join(tmp, "uac_st_refresh_%d.xml" % code)
            with open(scen, "w") as f:
                f.write(text.replace("SIP/2.0 408 Request Timeout",
                                     "SIP/2.0 %d %s" % (code, PHRASE[code])))
            mp = free_udp_even()
            us[code] = sipp(tmp, scen, r.uri, "91000",
                            free_udp(), media_port=mp, name="rf%d" % code,
                            limit=90,
                            extra=["-rtp_echo", "-key", "rtp_port", str(mp),
                                   "-key", "se", str(SE)])
            time.sleep(0.5)
        wait_until(lambda: r.gw.port_state("fxo1") == "talking" and
                   r.gw.port_state("fxo2") == "talking", 15,
                   what="both lines talking")
        t0 = time.monotonic()
        wait_until(lambda: not r.gw.status()["calls"], SE + 20,
                   what="both calls ended after the refused refreshes (%s)"
                   % r.gw.status()["text"])
        tend = time.monotonic() - t0
        for code, u in us.items():
            rc = u.wait(30)
            assert rc == 0, "SIPp (%d) failed (%s):\n%s\n%s" % (
                code, rc, u.text()[-2000:],
                sipp_messages(tmp, "rf%d" % code)[-3000:])
        r.gw.assert_all_idle(15)
        log = r.gw.log()
    for code in (408, 481):
        name = "rf%d" % code
        ok = _messages(tmp, name, r"SIP/2.0 200")[0]
        se = _header(ok, "Session-Expires")
        assert se and re.match(r"%d\s*;\s*refresher=uas" % SE, se), ok
        up = _messages(tmp, name, r"UPDATE ")
        assert up, "no UPDATE in call %d" % code
        after = (_stamp(tmp, name, r"UPDATE ") -
                 _stamp(tmp, name, r"SIP/2.0 200")) % 86400
        bye = _messages(tmp, name, r"BYE ")
        print("call answering %d: 200 OK Session-Expires: %s; UPDATE %.1f s "
              "after it, answered %d; %s" % (
                  code, se, after, code,
                  "BYE from the gateway (Reason: %s)"
                  % _header(bye[0], "Reason") if bye else "no BYE"))
        assert SE / 4 <= after < SE, after
    print("both calls ended %.1f s after both lines were talking" % tend)
    rows = _cdrs(db)
    assert len(rows) == 2, rows
    assert all(c["disposition"] == "answered" for c in rows), rows
    assert sorted((c["cause"], c["reason"]) for c in rows) == [
        (408, "session refresh failed (408)"),
        (481, "session refresh failed (481)")], rows
    for code in (408, 481):
        assert re.search(r"session refresh answered %d .*: the session is "
                         r"over" % code, log), log[-3000:]
