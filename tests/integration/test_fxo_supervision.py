# SPDX-License-Identifier: GPL-2.0-or-later
"""FXO answer and disconnect supervision end to end: SIPp calls out
through the gateway's FXO ports to copperline-linesim's test exchange,
whose far end answers and hangs up in every way it can (linesim/far.h);
the gateway must end each call by the right method (gateway/supervise.h),
log it by name and send BYE.

The disconnect-supervision matrix runs as two rigs, each with one FXO port
per case so that every call runs at once: each method alone (the port has
only that method on), and every method together (each hang-up way still
detected by the method it belongs to), tone methods in the us, uk and de
zones; negative cases with every method on: speech-like audio and DTMF
for 12 s, and loop-current drops shorter than the minimum. A summary
table (method x zone -> detected by, seconds) is printed."""
import os
import re
import time

from gwtest import wait_until
from peers import GwRig, free_udp_pair, sipp, sipp_messages
from gwtest import free_port

ZONES = ("us", "uk", "de")
TONES = ("busy", "reorder", "dialtone", "sit")
# what the gateway logs after "disconnect: " for each method
LOGNAME = {"loop": "loop current drop", "polarity": "polarity reversal",
           "busy": "busy tone", "reorder": "reorder tone",
           "dialtone": "dial tone", "sit": "SIT", "silence": "silence",
           "rtp": "RTP inactivity", "maxdur": "maximum call duration"}
RTP_TIMEOUT_S = 6
SILENCE_S = 4

OFF = {"disconnect_loop_drop_ms": 0, "disconnect_polarity": "false",
       "disconnect_tones": "[]", "disconnect_silence_s": 0,
       "max_call_duration_s": 0}
ALL = {"disconnect_loop_drop_ms": 400, "disconnect_polarity": "true",
       "disconnect_tones": '[ "busy", "reorder", "dialtone", "sit" ]',
       "disconnect_tone_repeat": 2, "disconnect_silence_s": SILENCE_S,
       "max_call_duration_s": 20}


def alone(method):
    keys = dict(OFF)
    if method == "loop":
        keys["disconnect_loop_drop_ms"] = 400
    elif method == "polarity":
        keys["disconnect_polarity"] = "true"
    elif method in TONES:
        keys["disconnect_tones"] = '[ "%s" ]' % method
    elif method == "silence":
        keys["disconnect_silence_s"] = SILENCE_S
    elif method == "maxdur":
        keys["max_call_duration_s"] = 6
    return keys


def conf_editor(ports):
    """The demo config with one FXO port per case (channel i + 1, name
    pNN, zone, keys) and routes 8NN<number> -> that port."""
    def edit(text):
        plist, routes = [], []
        for i, (zone, keys) in enumerate(ports):
            kv = " ".join("%s = %s;" % (k, v) for k, v in keys.items())
            # SIPp's -rtp_echo sends the line's own tones back to the
            # line: a line echo canceller (there is no hybrid echo to
            # cancel here) would take them for their echo and cancel them
            plist.append('{ name = "p%02d"; channel = %d; type = "fxo"; '
                         'zone = "%s"; echo_canceller = false; %s }'
                         % (i + 1, i + 1, zone, kv))
            routes.append('{ from = "sip"; prefix = "8%02d"; strip = 3; '
                          'to = "fxo:p%02d"; }' % (i + 1, i + 1))
        text = re.sub(r"ports = \(.*?\n\);", "ports = (\n%s\n);" % ",\n".join(plist),
                      text, flags=re.S)
        text = re.sub(r"routes = \(.*?\n\);", "routes = (\n%s\n);" % ",\n".join(routes),
                      text, flags=re.S)
        text = text.replace("trusted = [", "rtp_timeout_s = %d;\n\ttrusted = [" % RTP_TIMEOUT_S, 1)
        return text
    return edit


class Rig(GwRig):
    def __init__(self, tmp, ports):
        super().__init__(tmp, ls_kw={"ports": ",".join(["fxo"] * len(ports))},
                         conf_edit=conf_editor(ports))
        for i, (zone, _) in enumerate(ports):
            self.ls.cmd("zone %d %s" % (i + 1, zone))

    def call(self, port, number, media=True):
        """SIPp calls `number` on `port`: 183, 200, then waits for BYE."""
        extra = ["-rtp_echo"] if media else []
        # Ports picked free a moment ago may be taken by the time SIPp
        # binds (20 SIPp processes open sockets at once): start again
        # with other ports when it could not bind.
        for attempt in range(3):
            name = "sipp_p%02d" % port + ("_%d" % attempt if attempt else "")
            p = sipp(self.tmp, "uac_far_hangup.xml", self.uri, "8%02d%s" % (port, number),
                     free_port(), media_port=free_udp_pair(), extra=extra,
                     limit=90, name=name)
            time.sleep(0.2)
            err = os.path.join(self.tmp, name + "_err.log")
            if p.alive() or not (os.path.exists(err) and
                                 "errno = 98" in open(err, errors="replace").read()):
                return p
        return p


def disconnects(log):
    """{port name: what followed 'disconnect: '} from the gateway log."""
    out = {}
    for m in re.finditer(r"port (p\d+) \(chan \d+\)(?: call \d+)?: disconnect: ([^\n]*)", log):
        out.setdefault(m.group(1), m.group(2))
    return out


def run_matrix(tmp, cases, title):
    """cases: list of dicts: method, zone, keys, and optional negative
    actions. Returns rows (case, detected by, seconds)."""
    ports = [(c["zone"], c["keys"]) for c in cases]
    rows = []
    with Rig(tmp, ports) as r:
        answered = {}

        def all_talking():
            # the far end talks from the moment its port is seen answered,
            # polled while the other calls are still being started too:
            # starting and answering 21 calls takes longer than the
            # silence timeout, and a port left silent meanwhile would
            # rightly be ended by silence supervision
            st = r.gw.status()["ports"]
            now = time.monotonic()
            for i in range(len(cases)):
                if st["p%02d" % (i + 1)]["state"] == "talking" and i + 1 not in answered:
                    answered[i + 1] = now
                    r.ls.cmd("talk %d speech -18" % (i + 1))
            return len(answered) == len(cases)
        calls = {}
        for i, c in enumerate(cases):
            calls[i + 1] = r.call(i + 1, "1005", media=c["method"] != "rtp")
            all_talking()
        wait_until(all_talking, 40, step=0.1, what="every port answered")
        t_start = time.monotonic()
        # (seconds after t_start, port, command, is the hang-up)
        sched = []
        for i, c in enumerate(cases):
            p = i + 1
            m = c["method"]
            if c.get("negative") == "speech":
                for k, t in enumerate(range(1, 12, 2)):
                    sched.append((t, p, "talk %d dtmf %s" % (p, "1234567890*#ABCD"[k:k + 5]), False))
                sched.append((12.5, p, "hangup %d loop 600" % p, True))
            elif c.get("negative") == "drop":
                sched.append((1.0, p, "drop %d 200" % p, False))
                sched.append((3.0, p, "drop %d 300" % p, False))
                sched.append((5.0, p, "hangup %d loop 600" % p, True))
            elif m == "loop":
                sched.append((1.0, p, "hangup %d loop 600" % p, True))
            elif m in ("polarity", "silence") or m in TONES:
                sched.append((1.0, p, "hangup %d %s" % (p, m), True))
        sched.sort()
        t0 = {}  # port -> reference time of the detection delay
        for i, c in enumerate(cases):
            if c["method"] in ("rtp", "maxdur") and not c.get("negative"):
                t0[i + 1] = answered[i + 1]
        ended = {}
        deadline = t_start + 40
        while time.monotonic() < deadline and len(ended) < len(cases):
            now = time.monotonic()
            while sched and sched[0][0] <= now - t_start:
                _, p, cmd, hang = sched.pop(0)
                if p in ended:
                    continue
                r.ls.cmd(cmd)
                if hang:
                    t0[p] = time.monotonic()
            st = r.gw.status()["ports"]
            for i in range(len(cases)):
                if i + 1 not in ended and st["p%02d" % (i + 1)]["state"] == "idle":
                    ended[i + 1] = time.monotonic()
            time.sleep(0.1)
        log = r.gw.log()
        disc = disconnects(log)
        failures = []
        for i, c in enumerate(cases):
            p = i + 1
            name = "p%02d" % p
            label = c["method"] + ("(neg:%s)" % c["negative"] if c.get("negative") else "")
            rc = calls[p].wait(20)
            by = disc.get(name, "-")
            secs = ended[p] - t0[p] if p in ended and p in t0 else None
            rows.append((title, label, c["zone"], by, secs))
            if rc != 0:
                failures.append("%s %s: SIPp did not get its BYE (rc %s)" % (label, c["zone"], rc))
            if p not in ended:
                failures.append("%s %s: call never ended" % (label, c["zone"]))
                continue
            if p not in t0:
                failures.append("%s %s: ended (%s) before its hang-up" % (label, c["zone"], by))
                continue
            want = LOGNAME[c["method"]]
            if not by.startswith(want):
                failures.append("%s %s: ended by '%s', expected '%s'" % (label, c["zone"], by, want))
            if c.get("negative") == "drop":
                short = re.findall(r"port %s \(chan \d+\) call \d+: loop current back "
                                   r"after (\d+) ms: shorter" % name, log)
                print("short drops ignored on %s: %s ms" % (name, ", ".join(short)))
                if len(short) != 2:
                    failures.append("drop: %d short drops logged as ignored, expected 2"
                                    % len(short))
            lo, hi = c["window"]
            if not lo <= secs <= hi:
                failures.append("%s %s: detected after %.1f s, expected %.1f..%.1f s"
                                % (label, c["zone"], secs, lo, hi))
        r.gw.assert_all_idle(10)
    print_table(rows)
    if failures:
        raise AssertionError("\n".join(failures))
    return rows


def print_table(rows):
    print("%-6s %-16s %-4s %-60s %s" % ("rig", "method", "zone", "detected by", "s"))
    for title, label, zone, by, secs in rows:
        print("%-6s %-16s %-4s %-60s %s" % (title, label, zone, by[:60],
                                            "%.1f" % secs if secs is not None else "-"))
    print("%d cases" % len(rows))


def window(method, maxdur):
    if method in ("loop", "polarity"):
        return (0.0, 3.0)
    if method in TONES:
        return (0.3, 10.0)
    if method == "silence":
        return (SILENCE_S - 1.0, SILENCE_S + 8.0)
    if method == "rtp":
        return (RTP_TIMEOUT_S - 3.0, RTP_TIMEOUT_S + 8.0)
    # answered[] is when a status poll first saw the port talking, which
    # on a loaded host can lag the gateway's answer by a second or more
    return (maxdur - 2.5, maxdur + 8.0)


def test_disconnect_matrix_alone(tmp):
    """Each disconnect method alone on its port (the others off): the far
    end hangs up that way and the call ends by that method, with BYE."""
    cases = []
    for m in ("loop", "polarity", "silence", "rtp", "maxdur"):
        cases.append({"method": m, "zone": "us", "keys": alone(m), "window": window(m, 6)})
    for m in TONES:
        for z in ZONES:
            cases.append({"method": m, "zone": z, "keys": alone(m), "window": window(m, 6)})
    run_matrix(tmp, cases, "alone")


def test_disconnect_matrix_all(tmp):
    """Every method on at once on every port: each hang-up way is still
    detected by its own method; speech-like audio with DTMF for 12 s (us,
    uk, de) and loop drops of 200 and 300 ms (minimum 400 ms) end no
    call."""
    cases = []
    for m in ("loop", "polarity", "silence", "rtp", "maxdur"):
        cases.append({"method": m, "zone": "us", "keys": ALL, "window": window(m, 20)})
    for m in TONES:
        for z in ZONES:
            cases.append({"method": m, "zone": z, "keys": ALL, "window": window(m, 20)})
    for z in ZONES:
        # ended by the loop drop at 12.5 s: nothing fired before
        cases.append({"method": "loop", "zone": z, "keys": ALL, "negative": "speech",
                      "window": (0.0, 3.0)})
    cases.append({"method": "loop", "zone": "us", "keys": ALL, "negative": "drop",
                  "window": (0.0, 3.0)})
    run_matrix(tmp, cases, "all")


def test_answer_supervision(tmp):
    """The far end (1999: ringback until `answer`) answers 4 s after
    dialling: with polarity supervision by a battery reversal; with
    energy supervision without one, by starting to talk (speech-like);
    with immediate supervision the 200 OK comes at the end of dialling,
    before the far end answers. A polarity port whose far end answers
    without a reversal stays unanswered (183 only). Prints the 200 OK
    (port talking) time after the far end's answer."""
    ports = [("us", {"answer_supervision": '"polarity"'}),
             ("us", {"answer_supervision": '"energy"', "answer_energy_ms": 500}),
             ("us", {"answer_supervision": '"immediate"'}),
             ("us", {"answer_supervision": '"polarity"'})]
    modes = ["polarity", "energy", "immediate", "polarity, quiet far end"]
    with Rig(tmp, ports) as r:
        calls = [r.call(i + 1, "1999") for i in range(len(ports))]
        wait_until(lambda: all(r.ls.status(i + 1)["state"] == "ringing-out"
                               for i in range(len(ports))), 20, step=0.1,
                   what="every line in ringback")
        t_ring = time.monotonic()
        seen = {}

        def poll(until):
            while time.monotonic() < until:
                st = r.gw.status()["ports"]
                for i in range(len(ports)):
                    if st["p%02d" % (i + 1)]["state"] == "talking":
                        seen.setdefault(i + 1, time.monotonic())
                time.sleep(0.05)
        poll(t_ring + 4.0)  # 4 s of ringback
        early = {p: seen.get(p) for p in (1, 2, 4)}
        assert not any(early.values()), "answered during ringback: %s" % early
        assert 3 in seen, "immediate: not answered at the end of dialling"
        r.ls.cmd("answer 1 polarity")
        t_answer = {1: time.monotonic()}
        r.ls.cmd("answer 2 quiet")
        r.ls.cmd("talk 2 speech -18")
        t_answer[2] = time.monotonic()
        # a line without answer supervision: no reversal (with one, the
        # reversal would end the call: disconnect by polarity reversal)
        r.ls.cmd("answer 3 quiet")
        t_answer[3] = time.monotonic()
        r.ls.cmd("answer 4 quiet")
        r.ls.cmd("talk 4 speech -18")
        t_answer[4] = time.monotonic()
        poll(time.monotonic() + 5.0)
        print("%-26s %s" % ("answer supervision", "200 OK after the far end's answer"))
        for i, m in enumerate(modes):
            p = i + 1
            d = seen[p] - t_answer[p] if p in seen else None
            print("%-26s %s" % (m, "%+.2f s" % d if d is not None else "never (183 only)"))
        assert 1 in seen and seen[1] - t_answer[1] < 2.0, "polarity answer late or missing"
        assert 2 in seen and 0.3 <= seen[2] - t_answer[2] < 4.0, \
            "energy answer: %s" % (seen.get(2, 0) - t_answer[2])
        assert seen[3] < t_answer[3] - 3.0, "immediate: 200 OK not before the far end answered"
        assert 4 not in seen, "polarity port answered without a reversal"
        log = r.gw.log()
        assert "answered (speech/fax energy for 500 ms)" in log
        assert "answered (immediate, dialling done)" in log
        for i in range(len(ports)):
            r.ls.cmd("hangup %d loop" % (i + 1))
        for i, u in enumerate(calls[:3]):
            rc = u.wait(20)
            assert rc == 0, "SIPp %d failed (%s)" % (i + 1, rc)
        # the unanswered call ends with a final response (480), not BYE
        calls[3].wait(20)
        msgs = sipp_messages(tmp, "sipp_p04")
        assert "SIP/2.0 480" in msgs, "no 480 for the unanswered call:\n" + msgs[-1500:]
        r.gw.assert_all_idle(10)
