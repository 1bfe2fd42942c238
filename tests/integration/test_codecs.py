# SPDX-License-Identifier: GPL-2.0-or-later
"""Codecs against baresip: G.711 (PCMA), G.722 and Opus calls both ways,
the audio checked for frequency and level at each end."""
import os
import time

from gwtest import assert_tone, read_wav, wait_until
from peers import Baresip, tone_wav
from test_calls import Rig, fxo_call_both_ways

CASES = [("PCMA/8000/1", "PCMA"), ("G722/16000/1", "G722"),
         ("opus/48000/2", "opus")]


def sip_to_line(tmp, bcodec, name):
    """baresip offering only `bcodec` calls the milliwatt line 91004: the
    gateway answers with that codec; baresip hears 1004 Hz at -10 dBm0."""
    with Rig(tmp) as r:
        quiet = tone_wav(os.path.join(tmp, "quiet.wav"), 300, -60, 8)
        b = Baresip(tmp, "alice", "aufile," + quiet, seconds=8,
                    dial="sip:91004@" + r.uri, codecs=bcodec,
                    modules=["g722.so", "opus.so"])
        wait_until(lambda: any(c.get("state") == "talking"
                               for c in r.gw.status()["calls"].values()), 10,
                   what="the call to be answered")
        c = list(r.gw.status()["calls"].values())[0]
        assert c["codec"].lower() == name.lower(), c
        b.wait(25)
        sr, x = read_wav(b.recording())
        f, l = assert_tone(x, sr, 1004, -10.0, skip=len(x) / sr - 2.0, dur=1.0,
                           what="1004 line through %s" % name)
        print("%s: SIP side hears the 1004 line: %d Hz, %.1f dBm0 (%d Hz file)"
              % (name, f, l, sr))
        r.gw.assert_all_idle()


def line_to_sip(tmp, bcodec, name):
    """The exchange rings FXO port 3; the gateway offers its codec list to
    baresip, which accepts only `bcodec`; 700 Hz from the caller and
    1000 Hz from baresip both arrive at -10 dBm0."""
    b = Baresip(tmp, "bob", "aufile," + tone_wav(os.path.join(tmp, "1k.wav"), 1000, -10, 20),
                account=";answermode=auto", seconds=30, codecs=bcodec,
                modules=["g722.so", "opus.so"])
    try:
        with Rig(tmp, peer_port=b.sip_port, fxo_target_user="bob") as r:
            st = fxo_call_both_ways(tmp, r, b, " through %s" % name)
        assert st["codec"].lower() == name.lower(), st
    finally:
        b.stop()


def test_pcma_sip_to_line(tmp):
    sip_to_line(tmp, *CASES[0])


def test_g722_sip_to_line(tmp):
    sip_to_line(tmp, *CASES[1])


def test_opus_sip_to_line(tmp):
    sip_to_line(tmp, *CASES[2])


def test_g722_line_to_sip(tmp):
    line_to_sip(tmp, *CASES[1])


def test_opus_line_to_sip(tmp):
    line_to_sip(tmp, *CASES[2])
