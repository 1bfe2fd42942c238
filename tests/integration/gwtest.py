# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the integration tests: processes bounded in time,
audio analysis, and drivers for copperline-linesim and the gateway.

Everything runs on 127.0.0.1; every process is started with a hard time
limit and killed by PID when the test ends.
"""
import cmath
import math
import os
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
                self.p.kill()
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

    def stop(self):
        return self.proc.stop()
