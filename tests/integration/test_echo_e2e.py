# SPDX-License-Identifier: GPL-2.0-or-later
"""The line echo canceller end to end: a SIP caller, the gateway, and a
simulated line with a G.168 hybrid echo path."""
import os

from gwtest import level_dbm0, read_wav, speech_like, write_wav
from peers import Baresip
from test_calls import FXO1, Rig


def _echo_return(tmp, canceller):
    """Speech-like audio at -10 dBm0 from a SIP caller to 91005 (a silent
    line) with a G.168 model-4 hybrid echo at ERL 6 dB on the line: the
    level of what comes back to the caller after 2 s, in dBm0."""
    with Rig(tmp, canceller=canceller) as r:
        r.ls.cmd("echo %d 4 6" % FXO1)
        wav = os.path.join(tmp, "speech.wav")
        write_wav(wav, speech_like(9, -10, rate=48000), 48000)
        b = Baresip(tmp, "alice", "aufile," + wav, seconds=11, dial="sip:91005@" + r.uri)
        b.wait(25)
        sr, x = read_wav(b.recording())
        r.gw.assert_all_idle()
        log = r.gw.log()
    # the line answers about 1.5 s into the recording; skip 2 s after that
    seg = x[int(4.0 * sr):int((len(x) / sr - 0.5) * sr)]
    stats = [l for l in log.splitlines() if "echo canceller:" in l]
    return level_dbm0(seg), stats


def test_echo_cancelled_end_to_end(tmp):
    """With the canceller on, what the SIP caller gets back from a line
    with hybrid echo is at least 40 dB below what it sends (-10 dBm0);
    with it off, the echo is there at about the line's ERL (6 dB)."""
    on, stats = _echo_return(os.path.join(tmp), True)
    assert stats, "no echo canceller statistics logged for the call"
    off_tmp = os.path.join(tmp, "off")
    os.makedirs(off_tmp)
    off, _ = _echo_return(off_tmp, False)
    print("returned level: canceller off %.1f dBm0, on %.1f dBm0 (sent -10 dBm0)"
          % (off, on))
    print(stats[-1].split("echo canceller: ", 1)[1])
    assert -10 - 6 - 4 <= off <= -10 - 6 + 4, "echo without canceller at %.1f dBm0" % off
    assert on <= -50, "echo with canceller at %.1f dBm0 (need <= -50)" % on
