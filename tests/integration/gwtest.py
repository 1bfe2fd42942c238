# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the integration tests: processes bounded in time,
audio analysis, and drivers for copperline-linesim and the gateway.

Everything runs on 127.0.0.1; every process is started with a hard time
limit and killed by PID when the test ends.
"""
import cmath
import math
import os
import signal
import socket
import struct
import subprocess
import time
import wave

BUILDDIR = os.path.abspath(os.environ.get("GW_BUILDDIR", "."))
SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# RMS of a 0 dBm0 sine in 16-bit linear (dsp/level.h).
DBM0_RMS = 16140.6


def binpath(name):
    """Path of a built program (copperline, copperctl, copperline-linesim)."""
    p = os.path.join(BUILDDIR, name)
    if not os.path.exists(p):
        raise AssertionError("%s not built (GW_BUILDDIR=%s)" % (name, BUILDDIR))
    return p


def wait_until(cond, timeout, step=0.05, what="condition"):
    """Poll cond() until it returns a true value; raise after timeout s."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(step)


class Proc:
    """A background process with a hard time limit, output to a log file."""

    def __init__(self, argv, log, limit=120, env=None, cwd=None):
        self.log = log
        self.logf = open(log, "ab")
        # `timeout` makes itself a process group leader (no --foreground):
        # stop() kills that group, the program with it (killing the
        # wrapper alone orphans the program, which then runs on unlimited)
        self.p = subprocess.Popen(["timeout", "-s", "KILL", str(limit)] + list(argv),
                                  stdin=subprocess.DEVNULL, stdout=self.logf,
                                  stderr=subprocess.STDOUT, env=env, cwd=cwd)

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig_wait=5):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(sig_wait)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait()
        self.logf.close()
        return self.p.returncode

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        finally:
            pass

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---------------------------------------------------------------- audio

def read_wav(path):
    """(rate, samples of channel 0) of a 16-bit PCM WAV."""
    w = wave.open(path)
    sr, ch, n = w.getframerate(), w.getnchannels(), w.getnframes()
    if w.getsampwidth() != 2:
        raise AssertionError("%s: not 16-bit PCM" % path)
    x = struct.unpack("<%dh" % (n * ch), w.readframes(n))[::ch]
    return sr, list(x)


def write_wav(path, samples, rate=8000):
    w = wave.open(path, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(struct.pack("<%dh" % len(samples),
                              *[max(-32768, min(32767, int(v))) for v in samples]))
    w.close()


def sine(freq, level_dbm0, seconds, rate=8000):
    amp = DBM0_RMS * math.sqrt(2) * 10 ** (level_dbm0 / 20.0)
    return [amp * math.sin(2 * math.pi * freq * i / rate) for i in range(int(seconds * rate))]


def speech_like(seconds, level_dbm0, rate=8000, seed=1):
    """A speech-like test signal: voiced syllables (a pitch 90-250 Hz with
    harmonics under formant-like peaks and a syllabic envelope) and short
    pauses, scaled so that its RMS over the whole signal is level_dbm0."""
    import random
    rnd = random.Random(seed)
    out, t = [], 0
    total = int(seconds * rate)
    while len(out) < total:
        syl = int(rate * rnd.uniform(0.12, 0.35))
        f0 = rnd.uniform(90, 250)
        formants = [rnd.uniform(300, 900), rnd.uniform(900, 2300), rnd.uniform(2300, 3200)]
        harms = []
        h = 1
        while h * f0 < 3600:
            f = h * f0
            a = sum(1.0 / (1 + ((f - fm) / 120.0) ** 2) for fm in formants) / h ** 0.5
            harms.append((f, a, rnd.uniform(0, 6.28)))
            h += 1
        for i in range(syl):
            env = math.sin(math.pi * i / syl) ** 0.7
            v = sum(a * math.sin(2 * math.pi * f * (t + i) / rate + ph) for f, a, ph in harms)
            out.append(env * v)
        t += syl
        pause = int(rate * rnd.uniform(0.03, 0.15))
        out.extend([0.0] * pause)
        t += pause
    out = out[:total]
    r = math.sqrt(sum(v * v for v in out) / len(out))
    k = DBM0_RMS * 10 ** (level_dbm0 / 20.0) / r
    return [v * k for v in out]


def rms(seg):
    return math.sqrt(sum(v * v for v in seg) / max(len(seg), 1))


def level_dbm0(seg):
    r = rms(seg)
    return 20 * math.log10(r / DBM0_RMS) if r > 0 else -99.0


def _mag(f, s, sr):
    w = -2j * math.pi * f / sr
    return abs(sum(v * cmath.exp(w * i) for i, v in enumerate(s)))


def peak_freq(seg, sr):
    """Dominant frequency of seg (resolution 1 Hz, 50 Hz .. sr/2)."""
    short = seg[:sr // 25]
    coarse = max(range(50, sr // 2 - 25, 25), key=lambda f: _mag(f, short, sr))
    seg = seg[:sr // 4]
    fine = max(range(coarse - 25, coarse + 26), key=lambda f: _mag(f, seg, sr))
    return fine


def analyze(samples, sr, skip=0.0, dur=0.5):
    """(dominant Hz, level dBm0) of samples[skip : skip + dur] seconds."""
    seg = samples[int(skip * sr):int((skip + dur) * sr)]
    if len(seg) < sr // 25:
        raise AssertionError("audio too short to analyze (%d samples)" % len(seg))
    return peak_freq(seg, sr), level_dbm0(seg)


def assert_tone(samples, sr, freq, level, skip, dur=0.5, ftol=0.02, ltol=3.0, what="tone"):
    f, l = analyze(samples, sr, skip, dur)
    if abs(f - freq) > freq * ftol or abs(l - level) > ltol:
        raise AssertionError("%s: got %d Hz at %.1f dBm0, expected %d Hz (+-%d%%) "
                             "at %.1f dBm0 (+-%.0f dB)"
                             % (what, f, l, freq, ftol * 100, level, ltol))
    return f, l


# ---------------------------------------------------------------- linesim

class Linesim:
    """copperline-linesim with its card and control sockets in `tmp`."""

    def __init__(self, tmp, ports="fxs,fxs,fxo,fxo", extra=(), limit=300):
        self.card = os.path.join(tmp, "linesim.card")
        self.control = os.path.join(tmp, "linesim.ctl")
        self.proc = Proc([binpath("copperline-linesim"), "--card", self.card,
                          "--control", self.control, "--ports", ports] + list(extra),
                         os.path.join(tmp, "linesim.log"), limit=limit)
        wait_until(lambda: os.path.exists(self.control) or not self.proc.alive(), 5,
                   what="linesim control socket")
        if not self.proc.alive():
            raise AssertionError("linesim exited:\n" + self.proc.text())

    def cmd(self, line, check=True):
        """Send one command; return the reply's key=value pairs as a dict
        (the reply's first word, ok/err, is under key "")."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.control)
        s.sendall((line + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        s.close()
        reply = buf.decode().strip()
        words = reply.split(" ")
        d = {"": words[0], "_reply": reply}
        for w in words[1:]:
            k, _, v = w.partition("=")
            d[k] = v
        if check and words[0] != "ok":
            raise AssertionError("linesim: %r -> %r" % (line, reply))
        return d

    def status(self, port):
        return self.cmd("status %d" % port)

    def wait_status(self, port, key, value, timeout=10):
        return wait_until(lambda: self.status(port).get(key) == value, timeout,
                          what="linesim port %d %s=%s (now %s)" % (
                              port, key, value, self.status(port).get(key)))

    def phone_dial(self, port, number, timeout=5):
        """The phone on `port` goes off-hook, waits for dial tone and dials
        `number` (DTMF)."""
        self.cmd("offhook %d" % port)
        wait_until(lambda: self.cmd("hears %d" % port)["tone"] == "dial", timeout,
                   what="dial tone on port %d" % port)
        self.cmd("dial %d %s" % (port, number))

    def stop(self):
        return self.proc.stop()


# ---------------------------------------------------------------- fake card
# The gateway's end of the simulated card (hw/simproto.h), for driving
# copperline-linesim directly: every step() sends one frame (20 ms) and
# waits for linesim's answer, so tests run as fast as linesim answers.

import array  # noqa: E402

GW_SIM_VERSION = 2
GW_SIM_MSG_HELLO, GW_SIM_MSG_FRAME, GW_SIM_MSG_SIGNAL = 1, 2, 3
GW_HW_FRAME_SAMPLES = 160
GW_HW_MAX_CHANS = 32
GW_HW_CHAN_FXS, GW_HW_CHAN_FXO = 1, 2
# enum gw_hw_event_type (linesim -> gateway)
EV_OFFHOOK, EV_ONHOOK, EV_RING_BEGIN, EV_RING_END = 1, 2, 3, 4
EV_POLARITY, EV_LOOP_DROP, EV_ALARM, EV_NOALARM = 5, 6, 7, 8
# enum gw_hw_lineop (gateway -> linesim)
OP_OFFHOOK, OP_ONHOOK, OP_RING_START, OP_RING_STOP = 1, 2, 3, 4
OP_POLARITY_REV, OP_POLARITY_FWD = 5, 6
EVENT_NAMES = {1: "offhook", 2: "onhook", 3: "ring-begin", 4: "ring-end",
               5: "polarity", 6: "loop-drop", 7: "alarm", 8: "noalarm"}

_SIM_HDR = struct.Struct("<HHI")
_SIM_FRAME_HDR = struct.Struct("<HHIII")   # header + seq + nchans
_SIM_SIGNAL = struct.Struct("<HHIIII")     # header + chan + code + offset


def sim_frame_len(nchans):
    """GW_SIM_FRAME_LEN(n) of hw/simproto.h."""
    return _SIM_FRAME_HDR.size + nchans * GW_HW_FRAME_SAMPLES * 2


class ToneSource:
    """Sum of sines (each at level_dbm0), optionally cadenced (on_s/off_s;
    off_s 0 = continuous), for `seconds` (None = forever)."""

    def __init__(self, freqs, level_dbm0, on_s=1.0, off_s=0.0, seconds=None,
                 rate=8000):
        self.freqs = list(freqs)
        self.amp = DBM0_RMS * math.sqrt(2) * 10 ** (level_dbm0 / 20.0)
        self.on = int(on_s * rate)
        self.cycle = self.on + int(off_s * rate)
        self.end = None if seconds is None else int(seconds * rate)
        self.rate = rate
        self.n = 0

    def take(self, count):
        out = []
        w = [2 * math.pi * f / self.rate for f in self.freqs]
        for _ in range(count):
            i = self.n
            self.n += 1
            if (self.end is not None and i >= self.end) or \
                    (self.cycle > self.on and i % self.cycle >= self.on):
                out.append(0)
                continue
            out.append(int(sum(self.amp * math.sin(k * i) for k in w)))
        return out


class SampleSource:
    """Plays a list of samples once, then silence."""

    def __init__(self, samples):
        self.s = [int(v) for v in samples]
        self.pos = 0

    def take(self, count):
        out = self.s[self.pos:self.pos + count]
        self.pos += count
        return out + [0] * (count - len(out))


DTMF_ROWS = (697, 770, 852, 941)
DTMF_COLS = (1209, 1336, 1477, 1633)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")


def dtmf_samples(digits, level_dbm0=-10, on_ms=100, off_ms=100, rate=8000):
    """DTMF for `digits` (each tone at level_dbm0), on_ms/off_ms timing."""
    out = []
    for d in digits:
        r = next(i for i, row in enumerate(DTMF_KEYS) if d in row)
        c = DTMF_KEYS[r].index(d)
        t = ToneSource((DTMF_ROWS[r], DTMF_COLS[c]), level_dbm0, rate=rate)
        out += t.take(rate * on_ms // 1000) + [0] * (rate * off_ms // 1000)
    return out


def goertzel(seg, freq, rate=8000):
    """Power of seg at freq, normalised so a sine of RMS r gives ~r*r."""
    coef = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in seg:
        s1, s2 = x + coef * s1 - s2, s1
    n = max(len(seg), 1)
    return (s1 * s1 + s2 * s2 - coef * s1 * s2) * 2 / (n * n)


def tone_powers(seg, freqs, rate=8000):
    """{freq: level in dBm0 of that component} for each of freqs."""
    out = {}
    for f in freqs:
        p = goertzel(seg, f, rate)
        out[f] = 10 * math.log10(p / DBM0_RMS ** 2) if p > 0 else -99.0
    return out


def dtmf_decode(samples, rate=8000, min_level=-40.0):
    """DTMF digits in samples: 20 ms blocks, a digit counts when both its
    row and column tones hold most of the block's energy in two
    consecutive blocks."""
    blk = rate // 50
    digits = []
    prev = cand = None
    for i in range(0, len(samples) - blk + 1, blk):
        seg = samples[i:i + blk]
        e = sum(v * v for v in seg) / blk
        d = None
        if e > 0 and 10 * math.log10(e / DBM0_RMS ** 2) > min_level:
            rows = [goertzel(seg, f, rate) for f in DTMF_ROWS]
            cols = [goertzel(seg, f, rate) for f in DTMF_COLS]
            r = max(range(4), key=lambda k: rows[k])
            c = max(range(4), key=lambda k: cols[k])
            if rows[r] > 0.25 * e and cols[c] > 0.25 * e:
                d = DTMF_KEYS[r][c]
        if d is not None and d == cand and d != prev:
            digits.append(d)
            prev = d
        if d is None:
            prev = None
        cand = d
    return "".join(digits)


class FakeCard:
    """The gateway's side of linesim's card socket.

    sources[chan] is what the card sends on a channel (an object with
    take(160), e.g. ToneSource/SampleSource; silence if absent); rx[chan]
    collects what linesim sent back; events collects (frame, chan, code)
    of linesim's line events, frame being the index of the frame during
    which it arrived (0-based)."""

    def __init__(self, path, timeout=5):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(timeout)
        self.s.connect(path)
        msg = self.s.recv(65536)
        typ, ver, ln = _SIM_HDR.unpack_from(msg)
        if typ != GW_SIM_MSG_HELLO or ver != GW_SIM_VERSION or ln != len(msg):
            raise AssertionError("bad HELLO: type %d version %d len %d/%d"
                                 % (typ, ver, ln, len(msg)))
        self.nchans = struct.unpack_from("<I", msg, 8)[0]
        self.types = list(msg[12:12 + self.nchans])
        self.seq = 1000
        self.frame = 0
        self.sources = {}
        self.rx = {c: [] for c in range(1, self.nchans + 1)}
        self.events = []
        self.signals = []  # (sample, chan, code): events with their sample

    def close(self):
        self.s.close()

    def signal(self, chan, op):
        """Send a line operation (OP_*) on chan."""
        self.s.send(_SIM_SIGNAL.pack(GW_SIM_MSG_SIGNAL, GW_SIM_VERSION,
                                     _SIM_SIGNAL.size, chan, op, 0))

    def send(self, chan, source):
        """What the card sends on chan from now on (None: silence)."""
        if source is None:
            self.sources.pop(chan, None)
        else:
            self.sources[chan] = source

    def _recv(self):
        msg = self.s.recv(65536)
        if not msg:
            raise AssertionError("linesim closed the card connection")
        typ, ver, ln = _SIM_HDR.unpack_from(msg)
        if ver != GW_SIM_VERSION or ln != len(msg):
            raise AssertionError("bad message: type %d version %d len %d/%d"
                                 % (typ, ver, ln, len(msg)))
        return typ, msg

    def step(self, frames=1):
        """Send `frames` frames, each answered before the next is sent."""
        n = self.nchans
        for _ in range(frames):
            self.seq = (self.seq + 1) & 0xffffffff
            pcm = array.array("h")
            for c in range(1, n + 1):
                src = self.sources.get(c)
                blk = src.take(GW_HW_FRAME_SAMPLES) if src else None
                if blk:
                    pcm.extend(max(-32768, min(32767, int(v))) for v in blk)
                else:
                    pcm.extend([0] * GW_HW_FRAME_SAMPLES)
            self.s.send(_SIM_FRAME_HDR.pack(GW_SIM_MSG_FRAME, GW_SIM_VERSION,
                                            sim_frame_len(n), self.seq, n)
                        + pcm.tobytes())
            while True:
                typ, msg = self._recv()
                if typ == GW_SIM_MSG_SIGNAL:
                    _, _, _, chan, code, off = _SIM_SIGNAL.unpack_from(msg)
                    self.events.append((self.frame, chan, code))
                    self.signals.append((self.frame * GW_HW_FRAME_SAMPLES + off,
                                         chan, code))
                    continue
                if typ != GW_SIM_MSG_FRAME:
                    raise AssertionError("unexpected message type %d" % typ)
                _, _, ln, seq, nch = _SIM_FRAME_HDR.unpack_from(msg)
                if seq != self.seq or ln != sim_frame_len(nch):
                    raise AssertionError("frame reply seq %d (sent %d), "
                                         "len %d, nchans %d"
                                         % (seq, self.seq, ln, nch))
                got = array.array("h")
                got.frombytes(msg[_SIM_FRAME_HDR.size:])
                for c in range(1, min(nch, n) + 1):
                    self.rx[c].extend(got[(c - 1) * GW_HW_FRAME_SAMPLES:
                                          c * GW_HW_FRAME_SAMPLES])
                break
            self.frame += 1

    def step_until(self, cond, max_frames, what="condition"):
        """Step until cond() is true; return the frames stepped."""
        for i in range(max_frames + 1):
            if cond():
                return i
            self.step()
        raise AssertionError("no %s within %d frames" % (what, max_frames))

    def wait_event(self, chan, code, max_frames=100):
        """Step until event `code` on chan arrives; return its frame index
        (and remove it from self.events)."""
        def find():
            for e in self.events:
                if e[1] == chan and e[2] == code:
                    return e
            return None
        self.step_until(lambda: find() is not None, max_frames,
                        "%s event on channel %d" % (EVENT_NAMES.get(code), chan))
        e = find()
        self.events.remove(e)
        return e[0]

    def events_of(self, chan):
        """[(frame, code)] of chan's events so far."""
        return [(f, code) for f, c, code in self.events if c == chan]

    def audio(self, chan, frames=None):
        """What linesim sent on chan: all of it, or the last `frames`."""
        if frames is None:
            return list(self.rx[chan])
        return list(self.rx[chan][-frames * GW_HW_FRAME_SAMPLES:])

    def clear(self):
        for c in self.rx:
            self.rx[c] = []
        self.events = []
        self.signals = []


def alloccount_env(tmp):
    """An environment that counts heap calls on the media threads
    (tests/alloccount.c, preloaded); alloccount_result() reads them."""
    so = os.path.join(tmp, "alloccount.so")
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", so,
                    os.path.join(SRCDIR, "tests", "alloccount.c")], check=True)
    return dict(os.environ, LD_PRELOAD=so,
                ALLOCCOUNT_FILE=os.path.join(tmp, "counts"))


def alloccount_result(tmp, prog="copperline"):
    """"allocs=N frees=N" of prog's media threads, once it has exited."""
    with open(os.path.join(tmp, "counts")) as f:
        lines = [l.split(" ", 1) for l in f.read().splitlines()]
    got = [rest for p, rest in lines if p == prog]
    assert len(got) == 1, "no count from %s: %r" % (prog, lines)
    return got[0]
