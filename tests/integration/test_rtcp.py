# SPDX-License-Identifier: GPL-2.0-or-later
"""RTCP (RFC 3550) with a real peer: baresip sends its reports to the
gateway's RTP port + 1 and gets ours; the gateway measures the round trip
from baresip's report blocks and logs the call's receive figures (loss,
jitter, round trip, R-factor and MOS) when the call ends."""
import os
import re

from gwtest import wait_until
from peers import Baresip, tone_wav
from test_calls import Rig


def test_rtcp_reports_both_ways(tmp):
    """A 12 s call to the milliwatt line (91004): the gateway sends SR/RR
    (+XR) reports and accepts baresip's; `copperctl status` shows the
    figures during the call; the call's log line has a round trip, no
    loss and a MOS for G.711."""
    with Rig(tmp) as r:
        quiet = tone_wav(os.path.join(tmp, "quiet.wav"), 300, -60, 14)
        b = Baresip(tmp, "alice", "aufile," + quiet, seconds=14,
                    dial="sip:91004@" + r.uri)

        def reports():
            calls = r.gw.status()["calls"]
            if not calls:
                return False
            c = list(calls.values())[0]
            tx, rx = (int(x) for x in c.get("rtcp", "0/0").split("/"))
            return tx >= 1 and rx >= 1 and c
        c = wait_until(reports, 14, what="RTCP reports both ways")
        print("status during the call: loss=%s jitter=%s rtt=%s mos=%s rtcp=%s"
              % (c["loss"], c["jitter"], c["rtt"], c["mos"], c["rtcp"]))
        b.wait(30)
        r.gw.assert_all_idle()
        log = r.gw.log()
        m = re.search(r"RTP received (\d+) of (\d+) expected, lost ([\d.]+) %, "
                      r"jitter ([\d.]+) ms, round trip (unknown )?(\d+) ms, "
                      r"R ([\d.]+), MOS ([\d.]+); RTCP sent (\d+), received "
                      r"(\d+) \((\d+) bad\)", log)
        assert m, "no call quality line in the gateway log:\n" + log[-3000:]
        print(m.group(0))
        got, exp, lost = int(m.group(1)), int(m.group(2)), float(m.group(3))
        assert exp > 400 and got >= exp - 2, m.group(0)
        assert lost < 1.0, m.group(0)
        assert m.group(5) is None, "no round trip measured: " + m.group(0)
        assert int(m.group(6)) < 100, m.group(0)
        assert float(m.group(8)) > 4.0, m.group(0)  # G.711, no loss
        # baresip's lone APP packets (NAT keep-alives, not a compound
        # starting with SR/RR) fail RFC 3550 A.2 validation: counted bad
        assert int(m.group(9)) >= 2 and int(m.group(10)) >= 1, m.group(0)
