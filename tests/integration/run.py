#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Integration test runner.

Runs every function named test_* in tests/integration/test_*.py, in file
and definition order. Each test gets a fresh scratch directory as its only
argument. A test fails by raising (AssertionError with a message, or any
exception). Prints one PASS/FAIL line per case, then "N passed, N failed".

  run.py [-k SUBSTRING]...    run only tests whose name contains one of them
  run.py -l                   list the tests

The build directory (holding copperline, copperline-linesim, ...) comes from
$GW_BUILDDIR, default the current directory.
"""
import importlib.util
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


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


def main():
    args = sys.argv[1:]
    filters = []
    while args:
        a = args.pop(0)
        if a == "-l":
            for name, _ in collect():
                print(name)
            return 0
        if a == "-k" and args:
            filters.append(args.pop(0))
    passed = failed = 0
    keep = os.environ.get("GW_KEEP_TMP")
    for name, fn in collect():
        if filters and not any(f in name for f in filters):
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
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
