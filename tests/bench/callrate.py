#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Call-setup rate benchmark: SIPp places short calls (INVITE -> 200 ->
ACK -> hold -> BYE) at a fixed rate to the simulated phones behind the
gateway (copperline-linesim, N FXS ports, every phone answering at once
in auto mode), first directly, then through kamailio as a stateful,
record-routing proxy on the same machine (SIPp -> kamailio -> gateway).
The phones' ports use disconnect_ms = 100 and flash_max_ms = 0 (no
hook-flash: on-hook is a hang-up after 100 ms instead of 800 ms), and a
helper hangs a phone up once the gateway shows its port disconnected (the
caller left): a port is then busy for about hold + 0.4 s, so with P ports
the rate is capped near P / (hold + 0.4 s) by the analog side, not SIP.
Prints one table: calls attempted/succeeded/failed, the sustained answer
rate, and INVITE->200 setup-time percentiles (SIPp's rtd per call).

  callrate.py [--rates 10,20,24] [--seconds 15] [--ports 32] [--hold-ms 1000]
              [--direct-only | --kamailio-only] [--keep]

Needs GW_BUILDDIR (copperline, copperline-linesim, copperctl), sipp and
kamailio (Debian packages sip-tester, kamailio). Loopback only."""
import argparse
import csv
import glob
import os
import re
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INTEG = os.path.join(HERE, "..", "integration")
sys.path.insert(0, INTEG)

from gwtest import Linesim, Proc, free_port  # noqa: E402
from peers import Gateway, SIPP_DIR  # noqa: E402
from kamailio_peer import Kamailio  # noqa: E402

EXT0 = 201


def gw_conf(nports):
    """conf_edit: nports FXS phones (extensions 201...), SIP -> phone."""
    ports = ",\n".join(
        '\t{ name = "fxs%d"; channel = %d; type = "fxs"; extension = "%d";\n\t  disconnect_ms = 100; flash_max_ms = 0; }'
        % (i, i, EXT0 + i - 1) for i in range(1, nports + 1))
    routes = '\t{ from = "sip"; prefix = "2"; to = "fxs"; }'

    def f(text):
        text = re.sub(r"\nports = \(.*?\n\);", "\nports = (\n%s\n);" % ports,
                      text, count=1, flags=re.S)
        text = re.sub(r"\nroutes = \(.*?\n\);", "\nroutes = (\n%s\n);" % routes,
                      text, count=1, flags=re.S)
        return text
    return f


class Hanger(threading.Thread):
    """The user who hangs up when the far end has left: every 100 ms,
    phones whose port the gateway shows as `disconnected` (after the BYE:
    battery drop, then reorder) go on-hook. Without it a phone in auto
    mode stays off-hook until it has heard 2 s of reorder, which holds
    each port ~4 s after the call and caps the rate at ports / 4 s."""

    def __init__(self, gw, ls):
        super().__init__(daemon=True)
        self.gw, self.ls = gw, ls
        self.stop_ev = threading.Event()
        self.hung = 0

    def run(self):
        while not self.stop_ev.wait(0.1):
            try:
                ports = self.gw.status()["ports"]
            except Exception:
                continue
            for name, kv in ports.items():
                if kv.get("state") == "disconnected" and name.startswith("fxs"):
                    self.ls.cmd("onhook %s" % name[3:], check=False)
                    self.hung += 1

    def stop(self):
        self.stop_ev.set()
        self.join(5)


def cpu_ticks(pids):
    t = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                w = f.read().rsplit(")", 1)[1].split()
            t += int(w[11]) + int(w[12])
        except OSError:
            pass
    return t


def tree(pid):
    """pid and its descendants."""
    out = [pid]
    i = 0
    while i < len(out):
        p = out[i]
        i += 1
        for c in glob.glob("/proc/%d/task/*/children" % p):
            try:
                out += [int(x) for x in open(c).read().split()]
            except OSError:
                pass
    return out


def loadavg():
    return open("/proc/loadavg").read().split()[0]


def pct(vals, q):
    if not vals:
        return float("nan")
    s = sorted(vals)
    k = min(len(s) - 1, max(0, int(round(q / 100.0 * (len(s) - 1)))))
    return s[k]


def run_sipp(tmp, target, rate, ncalls, hold_ms, nports, tag):
    inf = os.path.join(tmp, "ext.csv")
    with open(inf, "w") as f:
        f.write("SEQUENTIAL\n")
        for i in range(nports):
            f.write("%d;\n" % (EXT0 + i))
    d = os.path.join(tmp, "sipp-" + tag)
    os.makedirs(d, exist_ok=True)
    limit = int(ncalls / rate + hold_ms / 1000.0 + 60)
    argv = ["sipp", target, "-sf", os.path.join(SIPP_DIR, "callrate_uac.xml"),
            "-inf", inf, "-i", "127.0.0.1", "-mi", "127.0.0.1",
            "-p", str(free_port()), "-ci", "127.0.0.1", "-cp", str(free_port()),
            "-r", str(rate), "-m", str(ncalls), "-d", str(hold_ms),
            "-l", str(nports * 2), "-pause_msg_ign", "-nostdin",
            "-buff_size", "4194304", "-max_invite_retrans", "3",
            "-timeout", str(limit - 10), "-timeout_error",
            "-trace_stat", "-fd", "1", "-trace_rtt", "-rtt_freq", "1",
            "-trace_err", "-error_file", os.path.join(d, "err.log")]
    t0 = time.monotonic()
    p = Proc(argv, os.path.join(d, "sipp.out"), limit=limit, cwd=d)
    rc = p.wait(limit + 5)
    el = time.monotonic() - t0
    p.stop()
    return rc, el, d


def parse(d):
    st = {}
    files = glob.glob(os.path.join(d, "*_[0-9]*_.csv")) or \
        glob.glob(os.path.join(d, "*.csv"))
    statf = [f for f in files if "_rtt" not in f]
    if statf:
        rows = list(csv.reader(open(statf[0]), delimiter=";"))
        if len(rows) >= 2:
            st = dict(zip(rows[0], rows[-1]))
    setup, stamps = [], []
    for f in glob.glob(os.path.join(d, "*_rtt.csv")):
        for row in csv.reader(open(f), delimiter=";"):
            if len(row) < 3 or not row[0][:1].isdigit():
                continue
            if row[2].strip() == "setup":
                stamps.append(float(row[0]))
                setup.append(float(row[1]))
    return st, setup, stamps


def step(tmp, mode, rate, seconds, hold_ms, nports, keep):
    sub = tempfile.mkdtemp(prefix="cr-%s-%s-" % (mode, rate), dir=tmp)
    ls = gw = kam = None
    try:
        ls = Linesim(sub, ports=",".join(["fxs"] * nports))
        for i in range(1, nports + 1):
            ls.cmd("auto %d on 0" % i)
        gw = Gateway(sub, ls, conf_edit=gw_conf(nports), log_level="info")
        pids = tree(gw.proc.p.pid) + tree(ls.proc.p.pid)
        target = "127.0.0.1:%d" % gw.sip_port
        if mode == "kamailio":
            kam = Kamailio(sub, uas="sip:127.0.0.1:%d" % gw.sip_port,
                           shm_mb=256)
            target = "127.0.0.1:%d" % kam.port
            kpids = tree(kam.proc.p.pid)
        else:
            kpids = []
        ncalls = int(rate * seconds)
        hanger = Hanger(gw, ls)
        hanger.start()
        c0 = cpu_ticks(pids)
        k0 = cpu_ticks(kpids)
        la0 = loadavg()
        try:
            rc, el, d = run_sipp(sub, target, rate, ncalls, hold_ms, nports,
                                 mode)
        finally:
            hanger.stop()
        hz = os.sysconf("SC_CLK_TCK")
        gcpu = (cpu_ticks(pids) - c0) / hz / el * 100
        kcpu = (cpu_ticks(kpids) - k0) / hz / el * 100 if kam else None
        st, setup, stamps = parse(d)
        ok = int(st.get("SuccessfulCall(C)", 0) or 0)
        failed = int(st.get("FailedCall(C)", 0) or 0)
        created = int(st.get("TotalCallCreated", 0) or 0)
        span = (max(stamps) - min(stamps)) / 1000.0 if len(stamps) > 1 else 0
        sustained = (len(stamps) - 1) / span if span > 0 else float("nan")
        try:
            gw.assert_all_idle(15)
            idle = "yes"
        except AssertionError:
            idle = "NO"
        return {"mode": mode, "rate": rate, "attempted": created, "ok": ok,
                "failed": failed, "rc": rc, "sustained": sustained,
                "p50": pct(setup, 50), "p90": pct(setup, 90),
                "p99": pct(setup, 99), "max": max(setup) if setup else float("nan"),
                "gwcpu": gcpu, "kamcpu": kcpu, "idle": idle,
                "load": "%s->%s" % (la0, loadavg()), "dir": sub}
    finally:
        for x in (kam, gw, ls):
            try:
                if x:
                    x.stop()
            except AssertionError as e:
                print("warning: %s" % str(e)[:300])
        if not keep:
            shutil.rmtree(sub, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rates", default="10,20,24")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--ports", type=int, default=32)
    ap.add_argument("--hold-ms", type=int, default=1000)
    ap.add_argument("--direct-only", action="store_true")
    ap.add_argument("--kamailio-only", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    modes = ["direct", "kamailio"]
    if a.direct_only:
        modes = ["direct"]
    if a.kamailio_only:
        modes = ["kamailio"]
    tmp = tempfile.mkdtemp(prefix="callrate-")
    print("call-setup rate: SIPp -> %s; %d FXS phones answering at once "
          "(linesim auto 0), hold %d ms, %g s per step; %d CPUs, load %s"
          % (" | ".join(modes), a.ports, a.hold_ms, a.seconds,
             os.cpu_count(), open("/proc/loadavg").read().strip()))
    rows = []
    for rate in [float(x) for x in a.rates.split(",")]:
        rate = int(rate) if rate == int(rate) else rate
        for mode in modes:
            r = step(tmp, mode, rate, a.seconds, a.hold_ms, a.ports, a.keep)
            rows.append(r)
            print("  %-8s %5s cps: %d/%d ok, %d failed, sipp rc %s, idle %s"
                  % (mode, rate, r["ok"], r["attempted"], r["failed"], r["rc"],
                     r["idle"]), flush=True)
    hdr = ("%-9s %6s %9s %6s %6s %10s %8s %8s %8s %8s %7s %7s %5s %s"
           % ("path", "offer", "attempted", "ok", "failed", "sustained",
              "p50 ms", "p90 ms", "p99 ms", "max ms", "gw CPU", "kam CPU",
              "idle", "load 1m"))
    print()
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print("%-9s %6s %9d %6d %6d %10.2f %8.1f %8.1f %8.1f %8.1f %6.0f%% %7s %5s %s"
              % (r["mode"], r["rate"], r["attempted"], r["ok"], r["failed"],
                 r["sustained"], r["p50"], r["p90"], r["p99"], r["max"],
                 r["gwcpu"], "-" if r["kamcpu"] is None else
                 "%.0f%%" % r["kamcpu"], r["idle"], r["load"]))
    best = {}
    for r in rows:
        if r["failed"] == 0 and r["ok"] == r["attempted"] and r["ok"] > 0:
            best[r["mode"]] = max(best.get(r["mode"], 0), r["rate"])
    for m in modes:
        print("highest offered rate with zero failed calls, %s: %s cps"
              % (m, best.get(m, "none")))
    if a.keep:
        print("kept: %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(r["failed"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
