#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Integration test runner.

Runs every function named test_* in tests/integration/test_*.py, in file
and definition order. Each test gets a fresh scratch directory as its only
argument. A test fails by raising (AssertionError with a message, or any
exception). Prints one PASS/FAIL line per case, then "N passed, N failed".

  run.py [-k SUBSTRING]...    run only tests whose name contains one of them
  run.py -l                   list the tests
  run.py -j N [-k ...]        N workers at once (1..3): the test files are
                              shared out between N processes, except the
                              ones in SERIAL, which run afterwards, alone;
                              each worker's lines are printed when it ends

The build directory (holding copperline, copperline-linesim, ...) comes from
$GW_BUILDDIR, default the current directory.
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

# Test files that run alone even with -j: they measure CPU time, timing
# or audio that a second test's load would disturb (media engine, fax,
# echo, 21 calls at once, the rate limit, RTP captures on lo), or they
# give peers loopback addresses of their own (127.0.0.2...).
SERIAL = ("test_calls", "test_dns", "test_echo_e2e", "test_fax",
          "test_fxo_supervision", "test_kamailio", "test_media_engine",
          "test_port_accounts", "test_rfc4733", "test_security")


def collect():
    cases = []
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(HERE, fn))
        mod = importlib.util.module_from_spec(spec)
        sys.path.insert(0, HERE)
        spec.loader.exec_module(mod)
        for name, obj in vars(mod).items():
            if name.startswith("test_") and callable(obj):
                cases.append(("%s.%s" % (fn[:-3], name), obj))
    return cases


def run_parallel(names, jobs):
    """names: the selected cases in order. Returns (passed, failed)."""
    serial = [n for n in names if n.split(".")[0] in SERIAL]
    files = []
    for n in names:
        f = n.split(".")[0]
        if f not in SERIAL and f not in files:
            files.append(f)
    shards = [[] for _ in range(jobs)]
    per_file = {f: [n for n in names if n.split(".")[0] == f] for f in files}
    # the biggest files first, each to the worker with the fewest cases
    for f in sorted(files, key=lambda f: -len(per_file[f])):
        min(shards, key=len).extend(per_file[f])
    passed = failed = 0
    procs = []
    for i, shard in enumerate(shards):
        if not shard:
            continue
        out = tempfile.TemporaryFile(mode="w+")
        lst = tempfile.NamedTemporaryFile(mode="w", delete=False)
        lst.write("\n".join(shard) + "\n")
        lst.close()
        env = dict(os.environ, GW_TEST_WORKER=str(i + 1))
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                              "--cases", lst.name], stdout=out,
                             stderr=subprocess.STDOUT, env=env)
        procs.append((i, p, out, lst.name, len(shard)))
    print("%d worker(s) for %d cases of %d files; then %d case(s) alone"
          % (len(procs), sum(x[4] for x in procs), len(files), len(serial)),
          flush=True)
    for i, p, out, lst, n in procs:
        p.wait()
        os.unlink(lst)
        out.seek(0)
        text = out.read()
        print("==== worker %d (%d cases)" % (i + 1, n), flush=True)
        sys.stdout.write(text)
        m = re.findall(r"^(\d+) passed, (\d+) failed$", text, re.M)
        if m:
            passed += int(m[-1][0])
            failed += int(m[-1][1])
        else:
            print("FAIL worker %d ended without its count (exit %s)"
                  % (i + 1, p.returncode), flush=True)
            failed += n
    if serial:
        print("==== alone", flush=True)
        a, b = run_cases(serial)
        passed += a
        failed += b
    return passed, failed


def main():
    args = sys.argv[1:]
    filters = []
    only = None
    jobs = 1
    while args:
        a = args.pop(0)
        if a == "-l":
            for name, _ in collect():
                print(name)
            return 0
        if a == "-k" and args:
            filters.append(args.pop(0))
        elif a == "-j" and args:
            jobs = max(1, min(3, int(args.pop(0))))
        elif a == "--cases" and args:  # a worker of -j: exact names
            with open(args.pop(0)) as f:
                only = set(l.strip() for l in f if l.strip())
    names = [n for n, _ in collect()
             if (not filters or any(f in n for f in filters))
             and (only is None or n in only)]
    if jobs > 1:
        passed, failed = run_parallel(names, jobs)
    else:
        passed, failed = run_cases(names)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


def run_cases(names):
    passed = failed = 0
    keep = os.environ.get("GW_KEEP_TMP")
    for name, fn in collect():
        if name not in names:
            continue
        tmp = tempfile.mkdtemp(prefix="gwit-")
        t0 = time.monotonic()
        try:
            fn(tmp)
            ok = True
        except Exception:
            ok = False
            print("---- %s failed:" % name, flush=True)
            traceback.print_exc(file=sys.stdout)
            print("---- scratch dir: %s" % tmp, flush=True)
        dt = time.monotonic() - t0
        print("%s %s (%.1f s)" % ("PASS" if ok else "FAIL", name, dt), flush=True)
        if ok:
            passed += 1
            if not keep:
                shutil.rmtree(tmp, ignore_errors=True)
        else:
            failed += 1
    return passed, failed


if __name__ == "__main__":
    sys.exit(main())
