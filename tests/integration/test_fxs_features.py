# SPDX-License-Identifier: GPL-2.0-or-later
"""FXS port features seen from the phone."""
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXS1, Rig, free_udp, free_udp_even


def test_reverse_polarity_on_answer(tmp):
    """fxs1 with reverse_polarity = true dials 5551234: the battery stays
    forward through dialling and ringback, is reversed when the SIP side
    answers, and goes back to forward when the phone hangs up."""
    def edit(text):
        return text.replace('extension = "201";',
                            'extension = "201"; reverse_polarity = true;', 1)
    peer = free_udp()
    with Rig(tmp, peer_port=peer, conf_edit=edit) as r:
        u = sipp(tmp, "uas_check_ruri.xml", "", "5551234", peer,
                 media_port=free_udp_even(), extra=["-rtp_echo"], limit=60)
        time.sleep(0.5)
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: r.ls.cmd("hears %d" % FXS1)["tone"] == "dial", 5,
                   what="dial tone")
        assert r.ls.status(FXS1)["polarity"] == "fwd"
        r.ls.cmd("dial %d 5551234" % FXS1)
        r.gw.wait_port("fxs1", "talking", 15)
        wait_until(lambda: r.ls.status(FXS1)["polarity"] == "rev", 2,
                   what="the battery reversed on answer")
        r.ls.cmd("onhook %d" % FXS1)
        assert u.wait(15) == 0, u.text()[-2000:]
        wait_until(lambda: r.ls.status(FXS1)["polarity"] == "fwd", 3,
                   what="the battery forward again")
        assert "INVITE sip:5551234@" in sipp_messages(tmp, "uas_check_ruri")
        assert "answered: battery reversed" in r.gw.log()
        r.gw.assert_all_idle()
        print("polarity: forward while dialling, reversed on answer, "
              "forward after hang-up")
