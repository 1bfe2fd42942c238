# SPDX-License-Identifier: GPL-2.0-or-later
"""RFC 4733 telephone-events through the gateway, with baresip (telephone-
event on by default, PT 101) as the SIP peer and the simulated phone on
FXS port 1 (extension 201, auto answer): digits dialled on the phone reach
baresip as events once each and not in band; digits baresip sends as
events reach the phone as tones once each."""
import json
import os
import re
import shutil
import socket
import subprocess
import time

from gwtest import read_wav, tone_powers, wait_until
from peers import Baresip, tone_wav
from test_calls import Rig

FXS1 = 1
DTMF_FREQS = (697, 770, 852, 941, 1209, 1336, 1477, 1633)


class BaresipCtl:
    """A ctrl_tcp client (netstring JSON, peers.md §2.5); every read is
    bounded by a deadline."""

    def __init__(self, port, timeout=10):
        self.sock = wait_until(lambda: self._connect(port), timeout,
                               what="baresip ctrl_tcp on %d" % port)
        self.buf = b""
        self.events = []  # (time, message)
        self.tok = 0

    @staticmethod
    def _connect(port):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            return None

    def _read(self, deadline):
        """The next message, or None at the deadline."""
        while True:
            n, sep, rest = self.buf.partition(b":")
            if sep and n.isdigit() and len(rest) > int(n):
                msg, self.buf = rest[:int(n)], rest[int(n) + 1:]
                m = json.loads(msg)
                if m.get("event"):
                    self.events.append((time.monotonic(), m))
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                return None
            self.buf += chunk

    def command(self, name, params=""):
        self.tok += 1
        data = json.dumps({"command": name, "params": params,
                           "token": str(self.tok)}).encode()
        self.sock.sendall(b"%d:%s," % (len(data), data))
        end = time.monotonic() + 5
        while True:
            m = self._read(end)
            assert m is not None, "baresip: no response to " + name
            if m.get("response") and m.get("token") == str(self.tok):
                assert m.get("ok"), "baresip: %s failed: %r" % (name, m)
                return m

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while self._read(end) is not None:
            pass

    def wait_event(self, kind, timeout, count=1):
        end = time.monotonic() + timeout
        while len(self.of(kind)) < count:
            if self._read(end) is None and time.monotonic() >= end:
                raise AssertionError("baresip: %d x %s not seen in %g s (%s)"
                                     % (count, kind, timeout,
                                        [m.get("type") for _, m in self.events]))

    def of(self, kind):
        return [(t, m) for t, m in self.events if m.get("type") == kind]

    def close(self):
        self.sock.close()


def tone_runs(x, sr, threshold=-30.0):
    """Lengths (samples) of the stretches where a DTMF frequency is above
    threshold dBm0, in 5 ms blocks."""
    blk = sr // 200
    runs, cur = [], 0
    for i in range(0, len(x) - blk + 1, blk):
        on = max(tone_powers(x[i:i + blk], DTMF_FREQS, sr).values()) > threshold
        if on:
            cur += blk
        elif cur:
            runs.append(cur)
            cur = 0
    if cur:
        runs.append(cur)
    return runs


class Capture:
    """dumpcap on lo (UDP only), if available and permitted; bounded."""

    def __init__(self, tmp, seconds=20):
        self.path = os.path.join(tmp, "lo.pcapng")
        self.p = None
        if not shutil.which("dumpcap") or not shutil.which("tshark"):
            return
        self.p = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-f", "udp",
                                   "-a", "duration:%d" % seconds,
                                   "-w", self.path],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(0.5)

    def _finish(self):
        """Let dumpcap close its file; False if there is no capture."""
        if not self.p:
            return False
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
        return os.path.exists(self.path)

    def events(self):
        """[(src port, seq, ts, marker, event, end, duration, volume)] of the
        RFC 4733 packets seen, or None without a capture."""
        if not self._finish():
            return None
        r = subprocess.run(
            ["tshark", "-r", self.path, "-o", "rtp.heuristic_rtp:TRUE",
             "-Y", "rtpevent", "-T", "fields", "-e", "udp.srcport",
             "-e", "rtp.seq", "-e", "rtp.timestamp", "-e", "rtp.marker",
             "-e", "rtpevent.event_id", "-e", "rtpevent.end_of_event",
             "-e", "rtpevent.duration", "-e", "rtpevent.volume"],
            capture_output=True, text=True, timeout=30)
        out = []
        for line in r.stdout.splitlines():
            w = line.split("\t")
            if len(w) == 8 and all(w):
                out.append((int(w[0]), int(w[1]), int(w[2]),
                            w[3] in ("1", "True"), int(w[4]),
                            w[5] in ("1", "True"), int(w[6]), int(w[7])))
        return out

    def _fields(self, src_port, pt, field):
        if not self._finish():
            return None
        r = subprocess.run(
            ["tshark", "-r", self.path, "-o", "rtp.heuristic_rtp:TRUE",
             "-Y", "rtp && udp.srcport == %d && rtp.p_type == %d" % (src_port, pt),
             "-T", "fields", "-e", field],
            capture_output=True, text=True, timeout=30)
        return [l.strip() for l in r.stdout.splitlines() if l.strip()]

    def payloads(self, src_port, pt):
        """[payload bytes] of the RTP packets with payload type pt sent
        from src_port, in order, or None without a capture."""
        f = self._fields(src_port, pt, "rtp.payload")
        return None if f is None else [bytes.fromhex(l.replace(":", "")) for l in f]

    def count(self, src_port, pt):
        """How many RTP (or SRTP: the header is in the clear) packets
        with payload type pt src_port sent, or None without a capture."""
        f = self._fields(src_port, pt, "frame.number")
        return None if f is None else len(f)

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)


def call_201(tmp, r, seconds):
    """baresip (silence as its source) calls 201; the phone answers."""
    quiet = tone_wav(os.path.join(tmp, "quiet.wav"), 300, -70, seconds)
    r.ls.cmd("auto %d on 1" % FXS1)
    b = Baresip(tmp, "alice", "aufile," + quiet, seconds=seconds + 2,
                dial="sip:201@" + r.uri)
    ctl = BaresipCtl(b.ctrl_port)
    r.gw.wait_port("fxs1", "talking", 10)
    ctl.wait_event("CALL_ESTABLISHED", 5)
    return b, ctl


def test_rfc4733_line_to_sip(tmp):
    """The phone dials 159# (100 ms tones, 100 ms gaps, -8 dBm0) during a
    call from baresip: baresip gets CALL_DTMF_START 1, 5, 9, # once each,
    in order, and hears no DTMF in band (every 20 ms block of its
    recording below -40 dBm0 at each of the 8 DTMF frequencies)."""
    with Rig(tmp) as r:
        cap = Capture(tmp)
        b, ctl = call_201(tmp, r, 8)
        try:
            ctl.pump(0.5)
            # the gateway's RTP port: the capture sees all of loopback
            gw_rtp = int(list(r.gw.status()["calls"].values())[0]["rtp"])
            t0 = time.monotonic()
            r.ls.cmd("dial %d 159#" % FXS1)
            ctl.wait_event("CALL_DTMF_START", 5, count=4)
            ctl.pump(1.0)
            starts = ctl.of("CALL_DTMF_START")
            ends = ctl.of("CALL_DTMF_END")
            digits = "".join(m.get("param", "?") for _, m in starts)
            print("baresip CALL_DTMF_START: %s at %s ms after dial"
                  % (digits, [int((t - t0) * 1000) for t, _ in starts]))
            print("baresip CALL_DTMF_END: %s"
                  % "".join(m.get("param", "?") for _, m in ends))
            assert digits == "159#", "digits at baresip: %r" % digits
            # control: a steady 1209 Hz (one DTMF frequency, not a digit)
            # passes in band, so the analysis below does see such energy
            r.ls.cmd("play %d tone 1209 -10" % FXS1)
            ctl.pump(0.6)
            r.ls.cmd("play %d auto" % FXS1)
        finally:
            ctl.close()
        b.wait(20)
        m = wait_until(lambda: re.search(
            r"RFC 4733 \(PT (\d+)\): sent (\d+) digits in (\d+) packets",
            r.gw.log()), 10, what="the gateway's RFC 4733 summary")
        print("gateway: PT %s, sent %s digits in %s event packets "
              "(%.1f per digit)" % (m.group(1), m.group(2), m.group(3),
                                    int(m.group(3)) / max(int(m.group(2)), 1)))
        assert m.group(2) == "4"
        try:
            evs = cap.events()
        finally:
            cap.stop()
        if evs is None:
            print("no packet capture (dumpcap/tshark unavailable)")
        else:
            # the gateway's events, from its RTP port (baresip sends none
            # in this test; other tests may run on loopback meanwhile)
            # (in the order they were captured: sequence numbers may
            # wrap during the test)
            by_ts = {}
            for e in evs:
                if e[0] == gw_rtp:
                    by_ts.setdefault(e[2], []).append(e)
            for ts, pk in by_ts.items():
                ends = [e for e in pk if e[5]]
                print("event %d: %d packets (marker on first: %s), "
                      "durations %s, %d end packets, final %.1f ms, "
                      "volume %d" % (pk[0][4], len(pk), pk[0][3],
                                     [e[6] for e in pk if not e[5]],
                                     len(ends), ends[-1][6] / 8 if ends else -1,
                                     pk[0][7]))
            assert [pk[0][4] for pk in by_ts.values()] == [1, 5, 9, 11], by_ts
            for pk in by_ts.values():
                ends = [e for e in pk if e[5]]
                assert pk[0][3] and len(ends) == 3, pk
                assert len({e[6] for e in ends}) == 1, pk
                # 100 ms tones: the signalled durations within 15 ms
                assert abs(ends[0][6] - 800) <= 120, pk
        sr, x = read_wav(b.recording())
        blk = sr // 50
        blocks = []  # (time, strongest DTMF component) per 20 ms block
        for i in range(0, len(x) - blk + 1, blk):
            blocks.append((i / sr, max(tone_powers(x[i:i + blk], DTMF_FREQS,
                                                   sr).values())))
        # the control tone: the last loud stretch of the recording
        ctrl = [t for t, p in blocks if p > -20.0]
        assert ctrl, "the 1209 Hz control tone never reached baresip"
        digits_part = [(t, p) for t, p in blocks if t < ctrl[0] - 0.1]
        worst_t, worst = max(digits_part, key=lambda tp: tp[1])
        print("in-band DTMF at baresip: strongest 20 ms block %.1f dBm0 at "
              "%.2f s before the control tone (%.1f dBm0 at %.2f s); the "
              "digits were -8 dBm0"
              % (worst, worst_t, max(p for _, p in blocks), ctrl[0]))
        assert worst < -40.0, "DTMF leaked in band: %.1f dBm0" % worst
        r.gw.assert_all_idle(15)


def test_rfc4733_sip_to_line(tmp):
    """baresip sends 159# as RFC 4733 events (sndcode) during a call to
    201: the phone hears 1, 5, 9, # once each."""
    with Rig(tmp) as r:
        b, ctl = call_201(tmp, r, 8)
        try:
            ctl.pump(0.5)
            r.ls.cmd("digits %d" % FXS1)  # forget anything heard so far
            rec = os.path.join(tmp, "phone1.wav")
            r.ls.cmd("record %d %s" % (FXS1, rec))
            ctl.command("sndcode", "159#")
            ctl.pump(2.0)
            r.ls.cmd("record %d stop" % FXS1)
            heard = r.ls.cmd("digits %d" % FXS1)["digits"]
            print("phone heard: %r" % heard)
            assert heard == "159#", "the phone heard %r" % heard
            # the phone loops what it hears back: the gateway must not
            # take that echo for digits of its own
            back = ctl.of("CALL_DTMF_START")
            assert not back, "digits echoed back to baresip: %r" % back
        finally:
            ctl.close()
        sr, x = read_wav(rec)
        ms = [int(d * 1000 / sr) for d in tone_runs(x, sr)]
        print("tones on the line: %d, lasting %s ms (baresip signals 180)"
              % (len(ms), ms))
        assert len(ms) == 4 and all(150 <= d <= 220 for d in ms), ms
        b.wait(20)
        m = wait_until(lambda: re.search(
            r"sent (\d+) digits in \d+ packets, received (\d+) digits in "
            r"(\d+) packets", r.gw.log()), 10,
            what="the gateway's RFC 4733 summary")
        print("gateway: received %s digits in %s event packets, sent %s"
              % (m.group(2), m.group(3), m.group(1)))
        assert m.group(2) == "4" and m.group(1) == "0"
        r.gw.assert_all_idle(15)


def test_rfc4733_both_ways_never_allocates(tmp):
    """Under the heap-call counting shim (tests/alloccount.c), one call
    carries digits both ways (phone dials 12, baresip sends 34): the media
    thread, suppressor and event sender/receiver included, makes no heap
    call."""
    import subprocess
    from gwtest import SRCDIR
    so = os.path.join(tmp, "alloccount.so")
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", so,
                    os.path.join(SRCDIR, "tests", "alloccount.c")], check=True)
    counts = os.path.join(tmp, "counts")
    env = dict(os.environ, LD_PRELOAD=so, ALLOCCOUNT_FILE=counts)
    with Rig(tmp, extra_env=env) as r:
        b, ctl = call_201(tmp, r, 7)
        try:
            ctl.pump(0.5)
            r.ls.cmd("dial %d 12" % FXS1)
            ctl.wait_event("CALL_DTMF_START", 5, count=2)
            ctl.pump(0.5)
            r.ls.cmd("digits %d" % FXS1)
            ctl.command("sndcode", "34")
            ctl.pump(1.5)
            heard = r.ls.cmd("digits %d" % FXS1)["digits"]
            sent = "".join(m.get("param", "?")
                           for _, m in ctl.of("CALL_DTMF_START"))
        finally:
            ctl.close()
        print("baresip got %r, the phone heard %r" % (sent, heard))
        assert sent == "12" and heard == "34", (sent, heard)
        b.wait(20)
        r.gw.assert_all_idle(15)
    with open(counts) as f:
        lines = [l.split(" ", 1) for l in f.read().splitlines()]
    got = [rest for prog, rest in lines if prog == "copperline"]
    assert len(got) == 1, "no count from copperline: %r" % lines
    print("media thread: %s" % got[0])
    assert got[0] == "allocs=0 frees=0", got[0]


def test_hook_flash_as_event_16(tmp):
    """During a call from baresip to phone 201, the phone flashes the hook
    (on-hook 300 ms): the call stays up and the gateway sends RFC 4733
    event 16 (hook-flash) once, seen on the wire (marker on the first
    packet, three end packets, 200 ms); a 20 ms on-hook is a bounce and
    sends nothing; a real on-hook (longer than flash_max_ms, 800 ms)
    still hangs up. (The port relays its flashes: flash = "relay"; the
    default is a local blind transfer, test_transfer.py.)"""
    def relay(text):
        return text.replace('type = "fxs";', 'type = "fxs"; flash = "relay";')
    with Rig(tmp, conf_edit=relay) as r:
        cap = Capture(tmp)
        b, ctl = call_201(tmp, r, 8)
        try:
            ctl.pump(0.5)
            gw_rtp = int(list(r.gw.status()["calls"].values())[0]["rtp"])
            r.ls.cmd("flash %d 20" % FXS1)
            ctl.pump(0.8)
            r.ls.cmd("flash %d 300" % FXS1)
            ctl.pump(1.5)
            assert r.gw.port_state("fxs1") == "talking"
            log = r.gw.log()
            m = re.search(r"hook-flash \((\d+) ms on-hook\)", log)
            assert m and 250 <= int(m.group(1)) <= 350, log[-2000:]
            assert "a bounce" in log, log[-2000:]
            assert log.count("hook-flash sent as RFC 4733 event 16") == 1, \
                log[-2000:]
            t0 = time.monotonic()
            r.ls.cmd("onhook %d" % FXS1)
            ctl.wait_event("CALL_CLOSED", 5)
            print("hung up %.2f s after on-hook" % (time.monotonic() - t0))
        finally:
            ctl.close()
        b.wait(20)
        r.gw.assert_all_idle(10)
        evs = cap.events()
        cap.stop()
    if evs is None:
        print("no packet capture (dumpcap/tshark unavailable)")
        return
    mine = [e for e in evs if e[0] == gw_rtp]
    print("event packets from the gateway: %s" % [(e[4], e[3], e[5], e[6]) for e in mine])
    assert mine and all(e[4] == 16 for e in mine), mine
    assert mine[0][3], "no marker on the first packet"
    ends = [e for e in mine if e[5]]
    assert len(ends) == 3 and abs(ends[0][6] - 1600) <= 160, ends
