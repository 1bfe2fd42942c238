# SPDX-License-Identifier: GPL-2.0-or-later
"""CANCEL before and after 180 (RFC 3261 §9): a SIP caller who gives up
while the gateway is still seizing and dialling an FXO line (no
provisional response but 100 yet) and one who gives up while a phone
rings. Each time the CANCEL gets 200, the INVITE 487, the line is
released (the exchange sees the FXO port back on-hook; the phone stops
ringing), the CDR says the caller gave up, and a new call to the same
line works."""
import os
import sqlite3
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXO1, FXO2, FXS1, Rig, free_udp, free_udp_even


def cdr_conf(db):
    def edit(text):
        return text.replace("general = {", 'general = {\n\tcdr_db = "%s";' % db, 1)
    return edit


def cdr_rows(db):
    s = sqlite3.connect(db)
    s.row_factory = sqlite3.Row
    rows = [dict(x) for x in s.execute("SELECT * FROM cdr ORDER BY id")]
    s.close()
    return rows


def call_answered(tmp, r, number, phone=None):
    """SIPp calls number, is answered (by the phone on port `phone`, picked
    up as soon as it rings), hangs up after 1 s; all idle."""
    mp = free_udp_even()
    u = sipp(tmp, "uac_hold.xml", r.uri, number, free_udp(), media_port=mp,
             name="again", extra=["-d", "1000", "-rtp_echo", "-key", "rtp_port", str(mp)],
             limit=40)
    if phone:
        wait_until(lambda: r.ls.status(phone)["ringing"] == "1", 10,
                   what="the phone ringing again")
        r.ls.cmd("offhook %d" % phone)
    assert u.wait(30) == 0, u.text()[-2000:]
    if phone:
        r.ls.cmd("onhook %d" % phone)
    r.gw.assert_all_idle(10)


def test_cancel_before_180_fxo(tmp):
    """SIPp calls 91999 (FXO; 1999 rings until told to answer) and sends
    CANCEL as soon as it has the 100: 200 + 487, no 180/183 before the
    CANCEL; the FXO line goes back on-hook, no call stays; then 91004
    through the same lines is answered (the line is usable again)."""
    db = os.path.join(tmp, "cdr.db")
    with Rig(tmp, conf_edit=cdr_conf(db)) as r:
        mp = free_udp_even()
        t0 = time.monotonic()
        u = sipp(tmp, "uac_cancel_early.xml", r.uri, "91999", free_udp(),
                 media_port=mp, name="early", extra=["-key", "rtp_port", str(mp)],
                 limit=40)
        assert u.wait(30) == 0, u.text()[-2000:]
        msgs = sipp_messages(tmp, "early")
        first_cancel = msgs.find("CANCEL sip:")
        assert first_cancel > 0, msgs[-2000:]
        before = msgs[:first_cancel]
        assert "SIP/2.0 180" not in before and "SIP/2.0 183" not in before, before
        assert "SIP/2.0 487" in msgs, msgs[-2000:]
        r.gw.assert_all_idle(10)
        wait_until(lambda: all(r.ls.status(p)["hook"] == "onhook"
                               for p in (FXO1, FXO2)), 10,
                   what="both FXO lines back on-hook")
        log = r.gw.log()
        assert "CANCEL received" in log, log[-3000:]
        # the CANCEL found the line seized (not before the seizure)
        assert "seize line to dial 1999" in log, log[-3000:]
        print("\n".join(l for l in log.splitlines()
                        if "call 1" in l and ("line:" in l or "CANCEL" in l)))
        print("CANCEL before 180: 200 + 487 in %.1f s, FXO lines on-hook, "
              "exchange dialled %r" % (time.monotonic() - t0,
                                       [r.ls.status(p).get("dialled") for p in (FXO1, FXO2)]))
        # the line is usable again (after the re-seize guard time)
        call_answered(tmp, r, "91004")
    rows = cdr_rows(db)
    print([(x["called"], x["disposition"], x["reason"]) for x in rows])
    assert rows[0]["called"] == "1999" and rows[0]["disposition"] == "cancelled", rows
    assert rows[1]["disposition"] == "answered", rows


def test_cancel_after_180_fxs(tmp):
    """SIPp calls the phone on fxs1 (201), which rings without answering;
    2 s after the 180 the caller sends CANCEL: 200 + 487, the phone stops
    ringing and the port is idle; the CDR says cancelled. A second call is
    answered by the phone."""
    db = os.path.join(tmp, "cdr.db")
    with Rig(tmp, conf_edit=cdr_conf(db)) as r:
        r.ls.cmd("auto %d off" % FXS1)
        mp = free_udp_even()
        u = sipp(tmp, "uac_cw_cancel.xml", r.uri, "201", free_udp(), media_port=mp,
                 name="late", limit=40,
                 extra=["-d", "2000", "-key", "rtp_port", str(mp), "-key", "cid_num",
                        "5550101", "-key", "cid_name", "LATE"])
        wait_until(lambda: r.ls.status(FXS1)["ringing"] == "1", 10,
                   what="the phone ringing")
        assert u.wait(30) == 0, u.text()[-2000:]
        wait_until(lambda: r.ls.status(FXS1)["ringing"] == "0", 5,
                   what="the phone to stop ringing")
        r.gw.assert_all_idle(10)
        st = r.ls.status(FXS1)
        print("CANCEL after 180: phone rang %s time(s), stopped; state %s" %
              (st["rings"], st["state"]))
        assert st["state"] == "idle", st
        call_answered(tmp, r, "201", phone=FXS1)
    rows = cdr_rows(db)
    print([(x["called"], x["disposition"], x["reason"]) for x in rows])
    assert rows[0]["disposition"] == "cancelled" and rows[0]["port"] == "fxs1", rows
    assert rows[1]["disposition"] == "answered", rows
