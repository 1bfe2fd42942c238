#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dev.sh: copperline's developer entry point (Debian 12).
#   ./dev.sh deps                install the Debian packages needed
#   ./dev.sh build [--sanitize]  build in build/ (or build-san/ with ASan+UBSan)
#   ./dev.sh demo                run the gateway on the simulated card until Ctrl-C
#   ./dev.sh check [ARGS...]     run every test; ARGS go to tests/integration/run.py
#   ./dev.sh bench [NAME...]     print the DSP benchmark (and the media one)
#   ./dev.sh bench media [N...]  the media engine benchmark only
set -euo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$SRCDIR"

# The machine may have another python3 (pyenv, venv) first in PATH.
PYTHON=/usr/bin/python3

PACKAGES=(
    build-essential autoconf automake libtool pkg-config
    libsofia-sip-ua-dev libspandsp-dev libsrtp2-dev libconfig-dev
    libsndfile1-dev libopus-dev libbcg729-dev libfftw3-dev nettle-dev libtiff-dev dahdi-source
    libpcre2-dev libsqlite3-dev libsystemd-dev libjansson-dev libedit-dev
    libssl-dev openssl
    sip-tester baresip baresip-core sox python3 tshark xxd iproute2 procps
    python3-dnslib
    kamailio
    # the real DAHDI driver under qemu (tests/dahdi/run.sh)
    linux-headers-amd64 dahdi qemu-system-x86 busybox-static bzip2 cpio
    # the Debian package: built, checked with lintian, installed, purged
    # (tests/package/run.sh)
    debhelper dpkg-dev fakeroot lintian systemd
)

usage() {
    cat <<EOF
usage: ./dev.sh COMMAND [ARGS]

  deps                install the Debian 12 packages needed to build, run the
                      demo and run the tests (apt-get; sudo when not root)
  build [--sanitize]  build out of tree in build/ (with --sanitize: in
                      build-san/ with ASan and UBSan); warnings are errors
  demo                deps + build, then run copperline on the simulated card
                      (copperline-linesim) with etc/demo.conf until Ctrl-C
  check [ARGS...]     deps + build, then run every test: layering lint, unit
                      tests, unit tests under sanitizers, integration tests,
                      and the DAHDI backend against the real kernel driver
                      under qemu (tests/dahdi/run.sh; about 90 s, whole
                      calls included), and the Debian package (built,
                      lintian, installed, a call, reload, purge; about 1 min).
                      ARGS are passed to tests/integration/run.py (e.g. -k NAME)
                      and leave the DAHDI stage out.
                      Ends with one line "N passed, N failed" (all stages).
  bench [NAME...]     deps + build, then print the DSP benchmark (ns/sample);
                      with no NAME also the media engine benchmark
  bench media [N...]  the media engine benchmark (CPU, lateness, delay)
  bench callrate [ARGS]
                      call-setup rate (SIPp INVITE-200-BYE against 32 simulated
                      phones), direct and through kamailio as a stateful proxy
  help                this text
EOF
}

log() { printf '== %s\n' "$*"; }
die() { printf 'dev.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- deps

cmd_deps() {
    local missing=() p st sudo=()
    for p in "${PACKAGES[@]}"; do
        st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $st == "install ok installed" ]] || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        log "deps: all ${#PACKAGES[@]} packages installed"
        return 0
    fi
    log "deps: installing ${missing[*]}"
    if (($(id -u) != 0)); then
        command -v sudo >/dev/null || die "not root and no sudo: install as root: ${missing[*]}"
        sudo=(sudo)
    fi
    # tshark asks whether non-root users may capture; answer no, unattended.
    echo 'wireshark-common wireshark-common/install-setuid boolean false' |
        "${sudo[@]}" debconf-set-selections || die "debconf-set-selections failed"
    "${sudo[@]}" apt-get update || die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}" ||
        die "apt-get install failed"
}

# ---------------------------------------------------------------- build

# autoreconf when the generated files are missing or older than their inputs.
# (Once configured, make's own rebuild rules keep them up to date as well.)
need_autoreconf() {
    local f g
    for g in configure Makefile.in config.h.in build-aux/ltmain.sh; do
        [[ -e $g ]] || return 0
    done
    for f in configure.ac Makefile.am */local.mk; do
        for g in configure Makefile.in; do
            [[ $f -nt $g ]] && return 0
        done
    done
    return 1
}

# Written without relying on set -e: check runs it inside an "if".
cmd_build() {
    local dir=build opts=(--enable-werror) out checkprogs
    while (($#)); do
        case $1 in
        --sanitize) dir=build-san; opts+=(--enable-sanitizers) ;;
        *) die "build: unknown option '$1' (usage: ./dev.sh build [--sanitize])" ;;
        esac
        shift
    done
    if need_autoreconf; then
        log "autoreconf -fi"
        out=$(autoreconf -fi 2>&1) || { printf '%s\n' "$out" >&2; die "autoreconf failed"; }
        rm -f configure~ # autoconf's backup; not covered by .gitignore
    fi
    mkdir -p "$dir" || die "cannot create $dir/"
    if [[ ! -f $dir/Makefile ]]; then
        log "configure ${opts[*]} (in $dir/)"
        (cd "$dir" && "$SRCDIR/configure" -q "${opts[@]}") ||
            die "configure failed (see $dir/config.log)"
    fi
    log "make (in $dir/)"
    make -C "$dir" --no-print-directory -j"$(nproc)" all || die "build failed in $dir/"
    # Also the test programs ($(check_PROGRAMS)), without running "make check".
    # shellcheck disable=SC2016 # $(check_PROGRAMS) is for make
    checkprogs=$(make -s -C "$dir" --no-print-directory -f Makefile \
        -f <(printf 'dev-print-check-programs:\n\t@echo $(check_PROGRAMS)\n') \
        dev-print-check-programs) || die "cannot read check_PROGRAMS from $dir/Makefile"
    # shellcheck disable=SC2086 # a list of make targets
    make -C "$dir" --no-print-directory -j"$(nproc)" $checkprogs ||
        die "build failed in $dir/"
    log "built in $dir/"
}

# ---------------------------------------------------------------- demo

DEMO_DIR=build/demo-run
DEMO_LS_PID=
DEMO_GW_PID=

demo_cleanup() {
    local i
    if [[ -n $DEMO_GW_PID ]]; then
        # Ctrl-C reached the daemon too: give it a moment to stop by itself.
        for ((i = 0; i < 20; i++)); do
            kill -0 "$DEMO_GW_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -TERM "$DEMO_GW_PID" 2>/dev/null || true
        wait "$DEMO_GW_PID" 2>/dev/null || true
        DEMO_GW_PID=
    fi
    if [[ -n $DEMO_LS_PID ]]; then
        kill -TERM "$DEMO_LS_PID" 2>/dev/null || true
        wait "$DEMO_LS_PID" 2>/dev/null || true
        DEMO_LS_PID=
    fi
    rm -f "$DEMO_DIR/linesim.card" "$DEMO_DIR/linesim.ctl" "$DEMO_DIR/copperctl.sock"
}

udp_busy() { # udp_busy HOST PORT: true if a socket already holds it
    ! "$PYTHON" - "$1" "$2" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
EOF
}

cmd_demo() {
    local i rc=0
    cmd_deps
    cmd_build
    mkdir -p "$DEMO_DIR"
    cat <<EOF

copperline demo: two simulated phones (FXS ports 1-2, extensions 201 and 202)
and two lines to a simulated test exchange (FXO ports 3-4); SIP on
127.0.0.1:5060, accepting calls from 127.0.0.1 only. In another terminal, in
$SRCDIR:

  look:          build/copperctl -s $DEMO_DIR/copperctl.sock status
  be phone 1:    build/copperline-linesim --control $DEMO_DIR/linesim.ctl offhook 1
                 build/copperline-linesim --control $DEMO_DIR/linesim.ctl dial 1 100
                 build/copperline-linesim --control $DEMO_DIR/linesim.ctl onhook 1
                 (a phone's call goes to sip:NUMBER@127.0.0.1:5070: run a softphone there)
  call the line: from a SIP phone or softphone on 127.0.0.1, call
                 sip:91004@127.0.0.1:5060 (the exchange's 1004 Hz milliwatt line),
                 sip:91000@127.0.0.1:5060 (echo), sip:201@127.0.0.1:5060 (rings phone 1)
  simulator log: $DEMO_DIR/linesim.log           more: README.md, "Trying the demo"

Ctrl-C stops the demo.

EOF
    if build/copperctl -s "$DEMO_DIR/copperctl.sock" status >/dev/null 2>&1 ||
        build/copperline-linesim --control "$DEMO_DIR/linesim.ctl" info >/dev/null 2>&1; then
        die "a demo is already running with the sockets in $DEMO_DIR/; stop it first (Ctrl-C)"
    fi
    if udp_busy 127.0.0.1 5060; then
        printf '%s\n' "dev.sh: WARNING: UDP 127.0.0.1:5060 is already in use; copperline cannot listen there:" >&2
        ss -Hlunp 'sport = :5060' >&2 2>/dev/null || true
        printf '%s\n' "dev.sh: stop that program (another SIP server or softphone?) and try again." >&2
    fi

    trap demo_cleanup EXIT
    trap 'demo_cleanup; exit 130' INT
    trap 'demo_cleanup; exit 143' TERM
    rm -f "$DEMO_DIR/linesim.card" "$DEMO_DIR/linesim.ctl" "$DEMO_DIR/copperctl.sock"
    : >"$DEMO_DIR/linesim.log"
    # Its own session, so that Ctrl-C (sent to the whole foreground process
    # group) stops only the daemon, and linesim is stopped after it.
    setsid build/copperline-linesim --card "$DEMO_DIR/linesim.card" --control "$DEMO_DIR/linesim.ctl" \
        --ports fxs,fxs,fxo,fxo --echo 4:6 --log "$DEMO_DIR/linesim.log" &
    DEMO_LS_PID=$!
    for ((i = 0; i < 50; i++)); do
        [[ -S $DEMO_DIR/linesim.card ]] && break
        kill -0 "$DEMO_LS_PID" 2>/dev/null || die "copperline-linesim exited (see $DEMO_DIR/linesim.log)"
        sleep 0.1
    done
    [[ -S $DEMO_DIR/linesim.card ]] || die "copperline-linesim did not create $DEMO_DIR/linesim.card"

    # The daemon runs as a child the script waits for, so that a signal to
    # the script alone (not only Ctrl-C to the whole terminal) stops it too.
    build/copperline -c etc/demo.conf --card-device "$DEMO_DIR/linesim.card" \
        --control-socket "$DEMO_DIR/copperctl.sock" &
    DEMO_GW_PID=$!
    wait "$DEMO_GW_PID" || rc=$?
    DEMO_GW_PID=
    ((rc == 0)) || printf 'dev.sh: copperline exited with status %d\n' "$rc" >&2
    exit "$rc"
}

# ---------------------------------------------------------------- check

STAGES=()
TOTAL_PASS=0
TOTAL_FAIL=0
CHECK_FAILED=0

# record NAME PASSED FAILED SECONDS NOTE
record() {
    STAGES+=("$(printf '%-18s %4d passed, %d failed  (%ds)%s' "$1:" "$2" "$3" "$4" "${5:+  $5}")")
    TOTAL_PASS=$((TOTAL_PASS + $2))
    TOTAL_FAIL=$((TOTAL_FAIL + $3))
}

# run_stage NAME LOGFILE COMMAND...: run a runner that ends with
# "N passed, N failed", keep its output visible and in LOGFILE, count.
run_stage() {
    local name=$1 logf=$2 t0=$SECONDS rc summary p=0 f=0 note=
    shift 2
    log "$name: $*"
    set +e
    "$@" 2>&1 | tee "$logf"
    rc=${PIPESTATUS[0]}
    set -e
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logf" | tail -n 1 || true)
    if [[ -z $summary ]]; then
        f=1
        note="no summary line (exit status $rc)"
    else
        p=${summary%% passed*}
        f=${summary#*, }
        f=${f%% failed}
        if ((rc != 0 && f == 0)); then
            f=1
            note="exit status $rc after the summary"
        fi
    fi
    ((rc == 0 && f == 0)) || CHECK_FAILED=1
    record "$name" "$p" "$f" $((SECONDS - t0)) "$note"
}

lint_runner() {
    if make -C build --no-print-directory lint; then
        echo "PASS lint"
        echo "1 passed, 0 failed"
    else
        echo "FAIL lint"
        echo "0 passed, 1 failed"
        return 1
    fi
}

# build_stage NAME ARGS...: a build that fails counts as one failed case.
build_stage() {
    local name=$1 t0=$SECONDS
    shift
    if (cmd_build "$@"); then
        STAGES+=("$(printf '%-18s built  (%ds)' "$name:" $((SECONDS - t0)))")
        return 0
    fi
    CHECK_FAILED=1
    record "$name" 0 1 $((SECONDS - t0)) "build failed"
    return 1
}

cmd_check() {
    local t0=$SECONDS s
    export PYTHONUNBUFFERED=1
    if ! (cmd_deps); then
        CHECK_FAILED=1
        record deps 0 1 $((SECONDS - t0)) "package installation failed"
    elif build_stage build; then
        run_stage unit build/check-unit.log \
            env GW_SRCDIR="$SRCDIR" build/tests/selftest
        run_stage lint build/check-lint.log lint_runner
        if build_stage build-sanitize --sanitize; then
            run_stage unit-sanitize build/check-unit-sanitize.log \
                env GW_SRCDIR="$SRCDIR" ASAN_OPTIONS=detect_leaks=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                build-san/tests/selftest
        fi
        # two test files at a time (GW_TEST_JOBS=1: one), the ones that
        # measure timing or CPU alone afterwards (run.py's SERIAL)
        run_stage integration build/check-integration.log \
            env GW_BUILDDIR="$SRCDIR/build" "$PYTHON" tests/integration/run.py \
            -j "${GW_TEST_JOBS:-2}" "$@"
        # the real DAHDI driver under qemu: with the whole suite only
        (($#)) || run_stage dahdi build/check-dahdi.log \
            tests/dahdi/run.sh build
        # the Debian package, built and installed on this machine (root)
        (($#)) || run_stage package build/check-package.log \
            tests/package/run.sh
    fi
    echo
    log "summary (logs: build/check-*.log), $((SECONDS - t0)) s in all"
    for s in "${STAGES[@]}"; do
        printf '   %s\n' "$s"
    done
    ((TOTAL_FAIL == 0)) || CHECK_FAILED=1
    printf '%d passed, %d failed\n' "$TOTAL_PASS" "$TOTAL_FAIL"
    return "$CHECK_FAILED"
}

# ---------------------------------------------------------------- main

cmd=${1:-help}
(($#)) && shift
case $cmd in
deps) cmd_deps "$@" ;;
build) cmd_build "$@" ;;
demo) cmd_demo "$@" ;;
check) cmd_check "$@" ;;
bench) cmd_deps; cmd_build
    if [ "${1:-}" = media ]; then
        shift; "$SRCDIR/build/tests/bench/mediabench" "$@"
    elif [ "${1:-}" = callrate ]; then
        shift; GW_BUILDDIR="$SRCDIR/build" "$PYTHON" \
            "$SRCDIR/tests/bench/callrate.py" "$@"
    elif [ $# -gt 0 ]; then
        "$SRCDIR/build/tests/bench/bench" "$@"
    else
        "$SRCDIR/build/tests/bench/bench" && "$SRCDIR/build/tests/bench/mediabench"
    fi ;;
help | -h | --help) usage ;;
*) printf 'dev.sh: unknown command %s\n\n' "$cmd" >&2; usage >&2; exit 2 ;;
esac
