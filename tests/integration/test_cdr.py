# SPDX-License-Identifier: GPL-2.0-or-later
"""Call detail records: every call, when it ends, is a row of the SQLite
database general.cdr_db (WAL) and a line of general.cdr_csv."""
import csv
import os
import sqlite3

from peers import sipp
from test_calls import Rig, free_udp, free_udp_even


def test_cdr_answered_and_busy(tmp):
    """SIPp calls the milliwatt line 91004 and holds the call 3 s (SIPp
    hangs up), then calls 91486, which gives busy tone (486). After the
    gateway stops, the database has two rows (answered, PCMU, a MOS, the
    right numbers, billed time; busy with cause 486) and the CSV file the
    same two records under its header. A third call with From 5550000,
    P-Asserted-Identity 5551234 and Privacy: id is recorded with the
    asserted caller 5551234 (privacy hides a number from the called
    party, not from the operator's records)."""
    db = os.path.join(tmp, "cdr.db")
    cdr_csv = os.path.join(tmp, "cdr.csv")

    def edit(text):
        return text.replace("general = {", 'general = {\n\tcdr_db = "%s";\n'
                            '\tcdr_csv = "%s";' % (db, cdr_csv), 1)
    with Rig(tmp, conf_edit=edit) as r:
        mp = free_udp_even()
        u = sipp(tmp, "uac_hold.xml", r.uri, "91004", free_udp(),
                 media_port=mp, name="answered",
                 extra=["-d", "3000", "-rtp_echo", "-key", "rtp_port", str(mp)],
                 limit=40)
        assert u.wait(30) == 0, u.text()[-2000:]
        r.gw.assert_all_idle(10)
        u = sipp(tmp, "uac_expect_busy.xml", r.uri, "91486", free_udp(),
                 media_port=free_udp_even(), name="busy", limit=40)
        assert u.wait(30) == 0, u.text()[-2000:]
        r.gw.assert_all_idle(10)
        mp = free_udp_even()
        u = sipp(tmp, "uac_cid.xml", r.uri, "91004", free_udp(), media_port=mp,
                 name="asserted", limit=40,
                 extra=["-d", "1000", "-key", "from", '"X" <sip:5550000@127.0.0.1>',
                        "-key", "hdr1", "P-Asserted-Identity: <sip:5551234@127.0.0.1>",
                        "-key", "hdr2", "Privacy: id", "-key", "rtp_port", str(mp)])
        assert u.wait(30) == 0, u.text()[-2000:]
        r.gw.assert_all_idle(10)
    s = sqlite3.connect(db)
    assert s.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.row_factory = sqlite3.Row
    rows = [dict(x) for x in s.execute("SELECT * FROM cdr ORDER BY id")]
    s.close()
    for x in rows:
        print({k: x[k] for k in ("id", "direction", "port", "caller", "called",
                                 "disposition", "cause", "reason", "codec",
                                 "duration", "billsec", "loss_pct", "mos")})
    assert len(rows) == 3, rows
    a, b, c = rows
    assert c["caller"] == "5551234" and c["called"] == "1004", c
    assert a["direction"] == "sip-to-fxo" and a["called"] == "1004", a
    assert a["caller"] == "sipp" and a["port"] in ("fxo1", "fxo2"), a
    assert a["disposition"] == "answered" and a["codec"] == "PCMU", a
    assert a["answer"] and 2 <= a["billsec"] <= 6, a
    assert a["mos"] > 4.0 and a["loss_pct"] == 0, a
    assert a["call_id"], a
    assert b["disposition"] == "busy" and b["cause"] == 486, b
    assert b["called"] == "1486" and not b["answer"] and b["billsec"] == 0, b
    with open(cdr_csv) as f:
        lines = list(csv.DictReader(f))
    assert [x["disposition"] for x in lines] == ["answered", "busy", "answered"], lines
    assert lines[0]["called"] == "1004" and lines[1]["cause"] == "486", lines
