# SPDX-License-Identifier: GPL-2.0-or-later
"""copperline-linesim driven through a fake card (gwtest.FakeCard).

The fake card is the clock: each step() is one 20 ms frame, so these tests
run as fast as linesim answers (no real-time waiting). Frame counts below
are simulated time: 50 frames = 1 s.
"""
import os
import socket
import subprocess

from gwtest import (EV_LOOP_DROP, EV_OFFHOOK, EV_ONHOOK, EV_POLARITY,
                    EV_RING_BEGIN, EV_RING_END, GW_HW_CHAN_FXO,
                    GW_HW_CHAN_FXS, OP_OFFHOOK, OP_ONHOOK, OP_RING_START,
                    OP_RING_STOP, FakeCard, Linesim, SampleSource, ToneSource,
                    assert_tone, binpath, dtmf_decode, dtmf_samples,
                    level_dbm0, read_wav, tone_powers, write_wav)

SR = 8000
SEC = 50  # frames per second


def with_linesim(ports="fxs,fxs,fxo,fxo"):
    """Run the test body as body(ls, card, tmp) with linesim and a fake card
    connected; linesim is always stopped, and its log must be free of
    sanitizer reports (ASan/UBSan builds report at exit)."""
    def deco(body):
        def test(tmp):
            ls = Linesim(tmp, ports=ports)
            try:
                card = FakeCard(ls.card)
                body(ls, card, tmp)
            finally:
                ls.stop()
            log = ls.proc.text()
            if "Sanitizer" in log or "runtime error" in log:
                raise AssertionError("sanitizer report in linesim log:\n" + log)
        test.__name__ = body.__name__
        test.__doc__ = body.__doc__
        return test
    return deco


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expect_components(seg, freqs, level, what, tol=1.5):
    """Each of freqs present at `level` dBm0 (+-tol) in seg."""
    got = tone_powers(seg, freqs)
    for f in freqs:
        expect(abs(got[f] - level) <= tol,
               "%s: %d Hz at %.1f dBm0, expected %.1f (all: %s)"
               % (what, f, got[f], level, got))


def burst(samples, dur_s):
    """dur_s seconds from the start of the first tone burst (after >= 5 ms
    of digital silence) in samples."""
    for i in range(40, len(samples)):
        if samples[i] and not any(samples[i - 40:i]):
            return samples[i:i + int(dur_s * SR)]
    raise AssertionError("no tone burst after a pause")


@with_linesim(ports="fxs,fxo,FXS")
def test_linesim_hello(ls, card, tmp):
    expect(card.types == [GW_HW_CHAN_FXS, GW_HW_CHAN_FXO, GW_HW_CHAN_FXS],
           "HELLO types %s" % card.types)
    info = ls.cmd("info")
    expect(info["ports"] == "fxs,fxo,fxs" and info["card"] == "connected",
           "info: %s" % info["_reply"])
    expect(ls.status(1)["kind"] == "phone" and ls.status(2)["kind"] == "co",
           "status kinds")
    # Frames are answered with the same seq and nchans (checked in step).
    card.step(5)
    expect(len(card.audio(1)) == 5 * 160, "5 frames of audio back")
    # A second gateway is refused while the first is connected.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(2)
    s.connect(ls.card)
    expect(s.recv(100) == b"", "second connection closed without HELLO")
    s.close()
    # Dropping the card resets the lines; a new card gets a fresh HELLO.
    card.signal(2, OP_OFFHOOK)
    card.step(2)
    expect(ls.status(2)["state"] == "dialtone", "CO dial tone")
    card.close()
    card = FakeCard(ls.card)
    expect(ls.status(2)["state"] == "idle", "CO idle after card reconnect")
    card.step(1)
    rc = ls.stop()
    expect(rc == 0, "exit status %s on SIGTERM" % rc)
    expect("card disconnected" in ls.proc.text(), "log: card disconnected")
    expect(not os.path.exists(ls.card) and not os.path.exists(ls.control),
           "socket files removed on exit")


@with_linesim()
def test_linesim_phone_ring_auto_answer_echo(ls, card, tmp):
    card.signal(1, OP_RING_START)
    card.step(1)
    st = ls.status(1)
    expect(st["state"] == "ringing" and st["ringing"] == "1" and
           st["bell"] == "1" and st["rings"] == "1", "ringing: %s" % st["_reply"])
    card.step(2 * SEC)   # 2 s on, then off
    expect(ls.status(1)["bell"] == "0", "bell off after 2 s")
    # Auto answer at the end of the second burst: 2 + 4 + 2 s = frame 400.
    f = card.wait_event(1, EV_OFFHOOK, 8 * SEC)
    expect(f == 8 * SEC, "auto answer at frame %d, expected %d" % (f, 8 * SEC))
    st = ls.status(1)
    expect(st["state"] == "offhook" and st["rings"] == "2" and
           st["source"] == "echo", "answered: %s" % st["_reply"])
    expect("port 1: off-hook (auto answer)" in ls.proc.text(), "log line")
    # It echoes what it hears.
    card.send(1, ToneSource([1000], -12))
    card.step(SEC // 2)
    assert_tone(card.audio(1, 10), SR, 1000, -12, 0, 0.2, ltol=0.5, what="echo")
    # Auto mode hangs up after 2 s of busy (detection takes ~2 s more).
    card.send(1, ToneSource([480, 620], -24, 0.5, 0.5))
    f0 = card.frame
    f = card.wait_event(1, EV_ONHOOK, 8 * SEC)
    expect(2 * SEC <= f - f0 <= 6 * SEC, "auto hang-up after %d frames" % (f - f0))
    expect(ls.status(1)["state"] == "idle", "idle after auto hang-up")
    # Ringing again and stopped by the gateway: no answer.
    ls.cmd("auto 1 on 3")
    card.send(1, None)
    card.signal(1, OP_RING_START)
    card.step(7 * SEC)
    expect(ls.status(1)["rings"] == "2", "two rings in 7 s")
    card.signal(1, OP_RING_STOP)
    card.step(10 * SEC)
    expect(ls.status(1)["state"] == "idle", "idle after ring stop")
    expect(not card.events_of(1), "no events: %s" % card.events_of(1))


@with_linesim()
def test_linesim_phone_pulse(ls, card, tmp):
    """`pulse`: digit N as N breaks (0: ten) at the given rate and break
    ratio, each hook change sent with its sample, 700 ms between digits;
    bad arguments are refused."""
    for bad in ("pulse 2 12", "pulse 1 1a", "pulse 1 12 4", "pulse 1 12 10 90"):
        r = ls.cmd(bad, check=False)
        expect(r[""] == "err", "%r refused: %s" % (bad, r["_reply"]))
    ls.cmd("offhook 1")
    card.wait_event(1, EV_OFFHOOK, 2)
    card.signals = []
    r = ls.cmd("pulse 1 30 12 64")
    expect(r["pps"] == "12" and r["break"] == "64", r["_reply"])
    card.step(4 * SEC)
    ch = [(t, code) for t, c, code in card.signals if c == 1]
    breaks = [(a[0], b[0]) for a, b in zip(ch, ch[1:])
              if a[1] == EV_ONHOOK and b[1] == EV_OFFHOOK]
    makes = [b[0] - a[0] for a, b in zip(ch, ch[1:])
             if a[1] == EV_OFFHOOK and b[1] == EV_ONHOOK]
    lens = sorted({b - a for a, b in breaks})
    print("pulse 30 at 12 pps, 64 %%: %d breaks of %s samples, makes %s"
          % (len(breaks), lens, sorted(set(makes))))
    expect(len(breaks) == 13, "13 breaks (3 + 10), got %d" % len(breaks))
    expect(lens == [8000 // 12 * 64 // 100], "break lengths %s" % lens)
    # the makes within a digit, and one 700 ms gap between the digits
    period = 8000 // 12
    expect(sorted(set(makes)) == [period - period * 64 // 100, 5600],
           "makes %s" % sorted(set(makes)))
    expect(ls.status(1)["dialled"] == "30", "status dialled")
    r = ls.cmd("pulse 1 5", check=False)
    expect(r[""] == "ok", "pulse again once done: %s" % r["_reply"])


@with_linesim()
def test_linesim_phone_manual_dial(ls, card, tmp):
    r = ls.cmd("dial 2 12", check=False)
    expect(r[""] == "err" and "on-hook" in r["_reply"], "dial on-hook: %s" % r["_reply"])
    ls.cmd("offhook 2")
    card.wait_event(2, EV_OFFHOOK, 2)
    card.step(SEC // 2)
    expect(level_dbm0(card.audio(2, 10)) < -90, "manual off-hook sends silence")
    r = ls.cmd("dial 2 159#*0d")
    expect(r["queued"] == "159#*0D", "dial reply %s" % r["_reply"])
    card.step(3 * SEC)
    got = dtmf_decode(card.audio(2))
    expect(got == "159#*0D", "card decoded DTMF %r" % got)
    # Level of one digit (both tones): -6 .. -10 dBm0 per tone + 3 dB.
    lvl = level_dbm0(card.audio(2)[SR // 2 + 80:SR // 2 + 720])
    expect(-8 <= lvl <= -2, "DTMF level %.1f dBm0" % lvl)
    expect(ls.status(2)["dialled"] == "159#*0D", "status dialled")
    ls.cmd("play 2 tone 600 -15")
    card.step(SEC // 2)
    assert_tone(card.audio(2, 10), SR, 600, -15, 0, 0.2, ltol=0.5, what="play tone")
    ls.cmd("onhook 2")
    card.wait_event(2, EV_ONHOOK, 2)
    card.step(2)
    expect(level_dbm0(card.audio(2, 1)) < -90, "on-hook sends nothing")


@with_linesim()
def test_linesim_hears_and_digits(ls, card, tmp):
    # US dial tone: 350+440 Hz, -13 dBm0 each.
    card.send(1, ToneSource([350, 440], -13))
    card.step(int(1.5 * SEC))
    h = ls.cmd("hears 1")
    expect(h["tone"] == "dial", "hears dial: %s" % h["_reply"])
    expect(h["freq"] in ("350", "440") and abs(float(h["level"]) + 10) < 0.5,
           "dial freq/level: %s" % h["_reply"])
    expect(ls.status(1)["hears"] == "dial", "status hears")
    # Busy: 480+620 Hz, 0.5 s on / 0.5 s off.
    card.send(1, ToneSource([480, 620], -24, 0.5, 0.5))
    card.step(3 * SEC)
    expect(ls.cmd("hears 1")["tone"] == "busy", "hears busy")
    # A test tone.
    card.send(1, ToneSource([1234], -20))
    card.step(SEC)
    h = ls.cmd("hears 1")
    expect(abs(int(h["freq"]) - 1234) <= 2 and abs(float(h["level"]) + 20) < 0.3,
           "hears tone: %s" % h["_reply"])
    # DTMF from the card.
    card.send(1, SampleSource(dtmf_samples("12*#")))
    card.step(SEC)
    expect(ls.cmd("digits 1")["digits"] == "12*#", "digits")
    expect(ls.cmd("digits 1")["digits"] == "", "digits cleared")
    card.send(1, None)
    card.step(SEC // 2)
    h = ls.cmd("hears 1")
    expect(h["tone"] == "none" and h["level"] == "-99.0", "silence: %s" % h["_reply"])


def seize_and_dial(card, chan, number):
    card.signal(chan, OP_OFFHOOK)
    card.step(SEC)
    card.send(chan, SampleSource(dtmf_samples(number)))


@with_linesim()
def test_linesim_co_1004(ls, card, tmp):
    card.signal(3, OP_OFFHOOK)
    card.step(SEC)
    st = ls.status(3)
    expect(st["state"] == "dialtone" and st["hook"] == "offhook", st["_reply"])
    expect_components(card.audio(3, 25), [350, 440], -13, "dial tone", 1.0)
    card.send(3, SampleSource(dtmf_samples("1004")))
    f0 = card.frame
    f = card.wait_event(3, EV_POLARITY, SEC)
    expect(f - f0 < SEC, "1004 answered at once")
    st = ls.status(3)
    expect(st["state"] == "answered" and st["dialled"] == "1004", st["_reply"])
    card.step(SEC // 2)
    assert_tone(card.audio(3, 20), SR, 1004, -10, 0, 0.4, ftol=0.002, ltol=1.0,
                what="1004 test line")
    expect("port 3: gateway dialled 1004" in ls.proc.text(), "log line")
    card.signal(3, OP_ONHOOK)
    card.step(2)
    expect(ls.status(3)["hook"] == "onhook", "on-hook at once")
    # an answered line's on-hook may be a hook-flash until it outlasts
    # one (linesim/co.h LS_CO_FLASH_MAX_MS, 1.1 s)
    card.step(SEC * 6 // 5)
    expect(ls.status(3)["state"] == "idle", "idle after on-hook")
    expect(level_dbm0(card.audio(3, 1)) < -90, "idle line silent")


@with_linesim()
def test_linesim_co_1000_echo_and_play(ls, card, tmp):
    seize_and_dial(card, 4, "1000")
    card.wait_event(4, EV_POLARITY, SEC)
    card.send(4, ToneSource([700], -12))
    card.step(SEC // 2)
    assert_tone(card.audio(4, 10), SR, 700, -12, 0, 0.2, ltol=0.5, what="1000 echo")
    # play overrides what the answered line sends.
    ls.cmd("play 4 tone 1500 -20")
    card.step(SEC // 2)
    assert_tone(card.audio(4, 10), SR, 1500, -20, 0, 0.2, ltol=0.5, what="play")
    expect(ls.status(4)["source"] == "tone:1500:-20", "source")
    ls.cmd("play 4 auto")
    card.signal(4, OP_ONHOOK)
    card.step(SEC * 6 // 5)  # released once longer than a hook-flash
    # 1005: silent.
    seize_and_dial(card, 4, "1005")
    card.wait_event(4, EV_POLARITY, SEC)
    card.step(SEC // 2)
    expect(level_dbm0(card.audio(4, 10)) < -90, "1005 silent")


@with_linesim()
def test_linesim_co_1486_busy(ls, card, tmp):
    seize_and_dial(card, 3, "1486")
    card.step_until(lambda: ls.status(3)["state"] == "ringing-out", SEC,
                    "ringing-out")
    f0 = card.frame
    card.step(SEC)
    expect_components(card.audio(3, 25), [440, 480], -19, "ringback", 1.0)
    card.step_until(lambda: ls.status(3)["state"] == "busy", 10 * SEC, "busy")
    dt = card.frame - f0
    # Two rings: 2 s on, 4 s off, 2 s on.
    expect(abs(dt - 8 * SEC) <= 2, "busy after %d frames" % dt)
    expect(ls.status(3)["rings"] == "2", "two rings")
    card.step(SEC // 4)
    expect_components(card.audio(3, 10), [480, 620], -24, "busy", 1.0)
    expect(not [e for e in card.events_of(3) if e[1] == EV_POLARITY],
           "1486 never answers")


@with_linesim()
def test_linesim_co_other_number_and_congestion(ls, card, tmp):
    seize_and_dial(card, 3, "55")
    card.step_until(lambda: ls.status(3)["state"] == "collecting", SEC, "collecting")
    card.step_until(lambda: ls.status(3)["state"] == "ringing-out", 4 * SEC,
                    "number complete 3 s after the last digit")
    expect(ls.status(3)["dialled"] == "55", "dialled 55")
    f0 = card.frame
    f = card.wait_event(3, EV_POLARITY, 16 * SEC)
    expect(abs(f - f0 - 14 * SEC) <= 2, "answer after three rings (%d frames)"
           % (f - f0))
    card.step(int(0.8 * SEC))
    assert_tone(card.audio(3, 30), SR, 440, -15, 0, 0.5, ltol=1.0,
                what="announcement")
    card.step(SEC)
    expect(level_dbm0(card.audio(3, 25)[:SR // 2]) < -90, "announcement pause")
    card.signal(3, OP_ONHOOK)
    # No digit in 10 s: congestion.
    card.signal(4, OP_OFFHOOK)
    card.step(10 * SEC + 5)
    st = ls.status(4)
    expect(st["state"] == "busy" and st["source"] == "congestion", st["_reply"])
    card.step(SEC)
    expect_components(burst(card.audio(4, 50), 0.2), [480, 620], -24, "congestion")


@with_linesim()
def test_linesim_co_call_hangup(ls, card, tmp):
    r = ls.cmd("call 4 5551234")
    expect(r["state"] == "incoming", r["_reply"])
    card.step(13 * SEC)
    evs = card.events_of(4)
    f0 = evs[0][0]
    expect([(f - f0, c) for f, c in evs] ==
           [(0, EV_RING_BEGIN), (100, EV_RING_END), (300, EV_RING_BEGIN),
            (400, EV_RING_END), (600, EV_RING_BEGIN)],
           "ring cadence (2 s on, 4 s off) %s" % evs)
    st = ls.status(4)
    expect(st["state"] == "incoming" and st["ringing"] == "1" and
           st["caller"] == "5551234" and st["rings"] == "3", st["_reply"])
    r = ls.cmd("call 4", check=False)
    expect(r[""] == "err" and "busy" in r["_reply"], "second call: %s" % r["_reply"])
    card.signal(4, OP_OFFHOOK)
    card.step(2)
    expect(ls.status(4)["state"] == "connected", "connected")
    card.send(4, ToneSource([900], -10))
    card.step(SEC // 2)
    assert_tone(card.audio(4, 10), SR, 900, -10, 0, 0.2, ltol=0.5, what="caller echo")
    card.send(4, None)
    card.events.clear()
    ls.cmd("hangup 4")
    card.wait_event(4, EV_LOOP_DROP, 2)
    expect(ls.status(4)["state"] == "hungup", "hungup")
    card.step(SEC // 2)
    # Busy: 0.5 s on from the hang-up.
    expect_components(card.audio(4, 20)[:SR // 4], [480, 620], -24,
                      "busy after hangup")
    card.signal(4, OP_ONHOOK)
    card.step(1)
    expect(ls.status(4)["state"] == "idle", "idle")
    # Caller abandons while ringing: RING_END, back to idle.
    ls.cmd("call 4")
    card.step(SEC)
    ls.cmd("hangup 4")
    card.step(1)
    expect([c for _, c in card.events_of(4)] == [EV_RING_BEGIN, EV_RING_END],
           "abandon events %s" % card.events_of(4))
    expect(ls.status(4)["state"] == "idle", "idle after abandon")


@with_linesim()
def test_linesim_record_and_wav(ls, card, tmp):
    wav = os.path.join(tmp, "in.wav")
    write_wav(wav, [v for v in ToneSource([500], -18).take(SR)])
    bad = os.path.join(tmp, "bad.wav")
    write_wav(bad, [0] * 1600, rate=16000)
    r = ls.cmd("play 1 wav " + bad, check=False)
    expect(r[""] == "err" and "16000 Hz" in r["_reply"] and "8000 Hz mono" in r["_reply"],
           "bad wav: %s" % r["_reply"])
    ls.cmd("play 1 wav " + wav)
    ls.cmd("offhook 1")
    rec = os.path.join(tmp, "rec.wav")
    ls.cmd("record 1 " + rec)
    card.send(1, ToneSource([800], -16))
    card.step(2 * SEC)
    assert_tone(card.audio(1, 25), SR, 500, -18, 0, 0.5, ltol=0.5, what="wav (looped)")
    r = ls.cmd("record 1 stop")
    expect(r["samples"] == str(2 * SR), "recorded %s" % r["_reply"])
    sr, x = read_wav(rec)
    expect(sr == SR and len(x) == 2 * SR, "wav %d Hz %d samples" % (sr, len(x)))
    assert_tone(x, SR, 800, -16, 1.0, 0.5, ltol=0.5, what="recording")
    # Closed when the line goes idle.
    ls.cmd("record 1 " + rec)
    card.step(5)
    ls.cmd("onhook 1")
    expect(ls.status(1)["recording"] == "0", "closed on idle")
    expect(ls.cmd("record 1 stop")["samples"] == "800", "samples after idle")


@with_linesim()
def test_linesim_errors(ls, card, tmp):
    cases = [
        ("status 7", "err port 7: no such port"),
        ("status x", "err port x: no such port"),
        ("offhook 3", "err port 3: offhook applies to phone"),
        ("call 1", "err port 1: call applies to co"),
        ("hangup 3", "err port 3: no call to hang up"),
        ("onhook 1", "err port 1: already on-hook"),
        ("frobnicate 1", "err unknown command 'frobnicate'"),
        ("status", "err usage: status P"),
        ("play 1 tone 1000", "err usage: play P tone FREQ LEVEL_DBM0"),
        ("play 1 tone 99999 -10", "err play: frequency"),
        ("play 1 loud", "err usage: play"),
        ("auto 1 maybe", "err usage: auto P on|off [RINGS]"),
        ("dial 1 12", "err port 1: phone is on-hook"),
        ("record 1 stop", "err port 1: not recording"),
        ("record 1 /nonexistent/dir/x.wav", "err record:"),
        ("play 1 wav /nonexistent.wav", "err play: /nonexistent.wav"),
    ]
    for cmd, want in cases:
        r = ls.cmd(cmd, check=False)["_reply"]
        expect(r.startswith(want), "%r -> %r, expected %r..." % (cmd, r, want))
    ls.cmd("offhook 1")
    r = ls.cmd("dial 1 12x", check=False)["_reply"]
    expect(r.startswith("err port 1: bad digits"), r)
    r = ls.cmd("offhook 1", check=False)["_reply"]
    expect(r.startswith("err port 1: already off-hook"), r)
    # Several commands on one connection, one reply line each.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(ls.control)
    s.sendall(b"status 1\nbogus\r\nhears 2\n")
    buf = b""
    while buf.count(b"\n") < 3:
        chunk = s.recv(4096)
        expect(chunk, "control connection closed early")
        buf += chunk
    s.close()
    lines = buf.decode().splitlines()
    expect(lines[0].startswith("ok port=1") and lines[1].startswith("err") and
           lines[2].startswith("ok tone="), "pipelined: %s" % lines)
    card.close()
    r = ls.cmd("offhook 2", check=False)["_reply"]
    expect(r.startswith("err no gateway connected"), r)


@with_linesim()
def test_linesim_client_cli(ls, card, tmp):
    exe = binpath("copperline-linesim")
    p = subprocess.run([exe, "--control", ls.control, "status", "2"],
                       capture_output=True, text=True, timeout=10)
    expect(p.returncode == 0 and p.stdout.startswith("ok port=2 kind=phone"),
           "client status: %d %r" % (p.returncode, p.stdout))
    p = subprocess.run([exe, "--control", ls.control, "offhook", "3"],
                       capture_output=True, text=True, timeout=10)
    expect(p.returncode == 1 and p.stdout.startswith("err port 3"),
           "client err: %d %r" % (p.returncode, p.stdout))
    p = subprocess.run([exe, "--control", ls.control, "dial", "1", "5"],
                       capture_output=True, text=True, timeout=10)
    expect(p.returncode == 1, "dial on-hook fails")
    p = subprocess.run([exe, "--control", os.path.join(tmp, "nope"), "info"],
                       capture_output=True, text=True, timeout=10)
    expect(p.returncode == 1 and p.stderr, "no server: %r" % p.stderr)
    p = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
    expect(p.returncode == 0 and p.stdout.startswith("copperline-linesim "),
           "--version %r" % p.stdout)
    p = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    expect(p.returncode == 0 and "--control" in p.stdout, "--help")
    p = subprocess.run([exe, "--card", "x", "--control", "y", "--ports", "fxs,abc"],
                       capture_output=True, text=True, timeout=10)
    expect(p.returncode == 2 and "--ports" in p.stderr, "bad --ports: %r" % p.stderr)


@with_linesim()
def test_linesim_echo_path(ls, card, tmp):
    """The hybrid echo: a G.168 model at the chosen ERL and bulk delay,
    present only while the line is connected; `echo P off` removes it."""
    import random
    rnd = random.Random(7)
    noise = [rnd.gauss(0, 5000) for _ in range(SR * 3)]
    r = ls.cmd("echo 1 4 6 50")
    expect(r["echo"] == "d4,6dB,50ms", "echo reply %s" % r["_reply"])
    expect(ls.status(1)["echo"] == "d4,6dB,50ms", "status echo")
    card.send(1, SampleSource(noise))
    card.step(SEC // 2)
    expect(level_dbm0(card.audio(1, 10)) < -90, "no echo while on-hook")
    card.send(1, SampleSource([0] * SR))
    card.step(SEC // 2)
    ls.cmd("offhook 1")
    card.wait_event(1, EV_OFFHOOK, 2)
    # half a second of silence, then noise: its echo starts 50 ms later
    card.send(1, SampleSource([0] * (SR // 2) + noise))
    card.clear()
    card.step(SEC + SEC // 2)
    back = card.audio(1)
    t0 = next(i for i, v in enumerate(back) if v != 0)
    # linesim answers each frame with the same frame's echo: 50 ms = 400
    expect(400 <= t0 - SR // 2 <= 420, "echo begins %d samples after the "
           "noise, bulk delay 400" % (t0 - SR // 2))
    sent_lvl = level_dbm0(noise[:SR])
    erl = sent_lvl - level_dbm0(back[t0 + SR // 5:t0 + SR])
    expect(5.0 <= erl <= 7.0, "measured ERL %.1f dB, configured 6" % erl)
    print("echo path d4: ERL %.1f dB, delay %d samples" % (erl, t0 - SR // 2))
    r = ls.cmd("echo 1 9 70", check=False)
    expect(r[""] == "err" and "MODEL 2..9" in r["_reply"], "bad ERL: %s" % r["_reply"])
    r = ls.cmd("echo 1 1 6", check=False)
    expect(r[""] == "err", "bad model accepted: %s" % r["_reply"])
    ls.cmd("echo 1 off")
    card.clear()
    card.step(SEC // 2)
    expect(level_dbm0(card.audio(1, 10)) < -90, "echo after echo off")
    ls.cmd("onhook 1")
    card.wait_event(1, EV_ONHOOK, 2)
