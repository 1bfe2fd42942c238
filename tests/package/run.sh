#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/package/run.sh: the Debian package, built and used as an admin
# would. On a Debian 12 host, as root (it installs and purges packages):
#
#   build     dpkg-buildpackage -us -uc -b in a clean copy of the tree
#             (git ls-files: tracked and new, not ignored, files); with
#             DEB_BUILD_OPTIONS=nocheck unless PKG_CHECK=1 (the unit
#             tests run in ./dev.sh check anyway)
#   lintian   zero errors and zero warnings on the .changes
#   install   apt-get install ./copperline_*.deb ./copperline-linesim_*.deb:
#             user, groups, conffile, directories, man pages, the unit
#             (systemd-analyze verify; security exposure printed)
#   call      the installed daemon, started directly as user copperline
#             (no systemd as PID 1 here) on a simulated card served by the
#             installed copperline-linesim; SIPp calls extension 201, the
#             simulated phone answers, SIGHUP (reload) in the call, SIPp
#             hangs up; the call record is in /var/lib/copperline
#   reload    SIGHUP with an invalid file keeps the daemon and its config
#   stop      SIGTERM: exit status 0
#   conffile  a modified conffile survives a reinstall and an upgrade whose
#             packaged conffile changed (kept, new one as .dpkg-dist)
#   purge     apt-get purge: nothing the package created is left (the
#             system user copperline stays, as Debian practice is)
#
# Prints PASS/FAIL per check, a summary line per step and at the end
# "N passed, N failed". Exit status 0 when nothing failed.
# Environment: PKG_CHECK=1 runs the unit tests in the build; PKG_KEEP=1
# keeps the work directory and leaves the packages installed.
set -uo pipefail

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d /tmp/copperline-pkgtest.XXXXXX)
chmod 0755 "$WORK"
RUN=$WORK/run # the daemon's scratch directory (sockets, logs)
T0=$SECONDS
PASS=0 FAIL=0 STEP='' STEP_P=0 STEP_F=0 STEP_T=0
LS_PID='' GW_PID=''

log() { printf '== %s\n' "$*"; }
ok() { echo "PASS $STEP: $*"; PASS=$((PASS + 1)); STEP_P=$((STEP_P + 1)); }
bad() { echo "FAIL $STEP: $*"; FAIL=$((FAIL + 1)); STEP_F=$((STEP_F + 1)); }
check() { # check WHAT COMMAND...
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
step_end() {
	[[ -n $STEP ]] && printf '%-9s %d passed, %d failed  (%ds)\n' \
		"$STEP:" "$STEP_P" "$STEP_F" $((SECONDS - STEP_T))
	STEP=
}
step() {
	step_end
	STEP=$1 STEP_P=0 STEP_F=0 STEP_T=$SECONDS
	log "$STEP: $2"
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}
finish() {
	step_end
	echo
	log "tests/package/run.sh: $((SECONDS - T0)) s (work directory $WORK)"
	printf '%d passed, %d failed\n' "$PASS" "$FAIL"
	((FAIL == 0))
	exit
}
abort() { # a step that the next ones need failed
	bad "$*"
	echo "(stopping here: the next steps need this one)"
	finish
}
stop_procs() {
	[[ -n $GW_PID ]] && kill -TERM "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
	[[ -n $LS_PID ]] && kill -TERM "$LS_PID" 2>/dev/null && wait "$LS_PID" 2>/dev/null
	GW_PID='' LS_PID=''
}
cleanup() {
	stop_procs
	if [[ -z ${PKG_KEEP:-} ]]; then
		if dpkg-query -W copperline >/dev/null 2>&1 ||
			dpkg-query -W copperline-linesim >/dev/null 2>&1; then
			DEBIAN_FRONTEND=noninteractive apt-get purge -y -q \
				copperline copperline-linesim >/dev/null 2>&1
		fi
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

((EUID == 0)) || { echo "tests/package/run.sh: run as root (it installs packages)" >&2; exit 2; }
for p in copperline copperline-linesim; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
		echo "tests/package/run.sh: $p is installed; remove it first" >&2
		exit 2
	fi
done
missing=()
for c in dpkg-buildpackage lintian sipp python3 systemd-analyze git; do
	command -v "$c" >/dev/null || missing+=("$c")
done
((${#missing[@]} == 0)) || { echo "tests/package/run.sh: missing: ${missing[*]} (./dev.sh deps)" >&2; exit 2; }

# ------------------------------------------------------------------ build
step build "dpkg-buildpackage -us -uc -b in a clean copy of $SRCDIR"
mkdir -p "$WORK/src"
(cd "$SRCDIR" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' |
	tar --null -T - -cf -) | tar -C "$WORK/src" -xf - ||
	abort "copy of the tree"
opts=nocheck
[[ -n ${PKG_CHECK:-} ]] && opts=
(cd "$WORK/src" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b \
	-j"$(nproc)") >"$WORK/build.log" 2>&1
rc=$?
if ((rc != 0)); then
	tail -n 40 "$WORK/build.log"
	abort "dpkg-buildpackage failed (exit $rc, log $WORK/build.log)"
fi
ok "dpkg-buildpackage (DEB_BUILD_OPTIONS=$opts)"
CHANGES=$(ls "$WORK"/copperline_*.changes)
DEB=$(ls "$WORK"/copperline_*_*.deb)
DEB_LS=$(ls "$WORK"/copperline-linesim_*_*.deb)
DBG=$(ls "$WORK"/copperline-dbgsym_*.deb "$WORK"/copperline-linesim-dbgsym_*.deb 2>/dev/null | wc -l)
ls -l "$WORK"/*.deb | awk '{print "   " $5 " " $9}'
check "copperline and copperline-linesim .debs" test -f "$DEB" -a -f "$DEB_LS"
if ((DBG == 2)); then ok "debug symbols split (2 dbgsym packages)"; else bad "dbgsym packages: $DBG of 2"; fi
check "copperline ships the daemon, copperctl, the conffile, the unit" \
	sh -c "dpkg-deb -c '$DEB' | grep -q ' ./usr/sbin/copperline\$' &&
	       dpkg-deb -c '$DEB' | grep -q ' ./usr/bin/copperctl\$' &&
	       dpkg-deb -c '$DEB' | grep -q ' ./etc/copperline/copperline.conf\$' &&
	       dpkg-deb -c '$DEB' | grep -q 'systemd/system/copperline.service\$'"

# ------------------------------------------------------------------ lintian
step lintian "lintian on $(basename "$CHANGES")"
lintian --info --display-info --pedantic "$CHANGES" >"$WORK/lintian.log" 2>&1
sed 's/^/   /' "$WORK/lintian.log"
nerr=$(grep -c '^E: ' "$WORK/lintian.log")
nwarn=$(grep -c '^W: ' "$WORK/lintian.log")
echo "   lintian: $nerr errors, $nwarn warnings, $(grep -c '^I: ' "$WORK/lintian.log") info, $(grep -c '^P: ' "$WORK/lintian.log") pedantic"
if ((nerr == 0)); then ok "no lintian errors"; else bad "$nerr lintian errors"; fi
if ((nwarn == 0)); then ok "no lintian warnings"; else bad "$nwarn lintian warnings"; fi

# ------------------------------------------------------------------ install
step install "apt-get install ./copperline_*.deb ./copperline-linesim_*.deb"
# What exists before, to tell what the package left behind after purge.
snapshot() {
	find /etc /var/lib /var/spool /var/log /run /usr /lib /opt /srv /home \
		-xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o \
		-path /var/log/apt -o -path /run/user -o -path /var/lib/systemd/deb-systemd-helper-enabled -o \
		-path /var/lib/systemd/deb-systemd-user-helper-enabled -o \
		-path /usr/share/man -o -path /var/lib/ucf -o -path /run/systemd \) -prune -o \
		-print 2>/dev/null | grep -v -E '^/(etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|etc/ld.so.cache$|var/log/(dpkg|alternatives)\.log|usr/lib/python3.*__pycache__)' | sort
}
snapshot >"$WORK/before.txt"
(cd "$WORK" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	"./$(basename "$DEB")" "./$(basename "$DEB_LS")") >"$WORK/install.log" 2>&1 ||
	{ tail -n 30 "$WORK/install.log"; abort "apt-get install failed (log $WORK/install.log)"; }
ok "apt-get install"
check "user copperline (system user, nologin)" \
	sh -c 'getent passwd copperline | awk -F: "\$3 < 1000 && \$7 ~ /nologin|false/ {f=1} END {exit !f}"'
check "copperline is in group dialout" sh -c 'id -nG copperline | grep -qw dialout'
check "/etc/copperline/copperline.conf is a conffile" \
	sh -c "dpkg-query -W -f='\${Conffiles}' copperline | grep -q /etc/copperline/copperline.conf"
check "/var/lib/copperline owned by copperline, 0750" \
	sh -c '[ "$(stat -c %U:%G:%a /var/lib/copperline)" = copperline:copperline:750 ]'
check "/run/copperline from tmpfiles.d" \
	sh -c '[ "$(stat -c %U:%G:%a /run/copperline)" = copperline:copperline:750 ]'
check "man pages copperline(8) copperctl(8) copperline.conf(5) copperline-linesim(1)" \
	sh -c 'for p in 8/copperline 8/copperctl 5/copperline.conf 1/copperline-linesim; do
		  test -f /usr/share/man/man${p%%/*}/${p#*/}.${p%%/*}.gz || exit 1; done'
check "shipped config is valid (copperline --check-config)" /usr/sbin/copperline --check-config
check "shipped config: SIP on loopback, nobody trusted, no port, no route" \
	sh -c "/usr/sbin/copperline --check-config | grep -q '(0 ports, 0 routes)' &&
	       grep -Eq '^[[:space:]]*listen = \"127\.0\.0\.1:5060\";' /etc/copperline/copperline.conf &&
	       grep -Eq '^[[:space:]]*trusted = \[ \];' /etc/copperline/copperline.conf"
UNIT=$(dpkg -L copperline | grep 'systemd/system/copperline.service$')
if systemd-analyze verify "$UNIT" >"$WORK/verify.log" 2>&1; then
	ok "systemd-analyze verify $UNIT"
else
	sed 's/^/   /' "$WORK/verify.log"
	bad "systemd-analyze verify $UNIT"
fi
if systemd-analyze security --offline=yes "$UNIT" >"$WORK/security.log" 2>&1 ||
	grep -q 'Overall exposure level' "$WORK/security.log"; then
	echo "   $(grep 'Overall exposure level' "$WORK/security.log" | sed 's/\x1b\[[0-9;]*m//g')"
	ok "systemd-analyze security (exposure printed above)"
else
	sed 's/^/   /' "$WORK/security.log" | tail -n 5
	bad "systemd-analyze security"
fi

# ------------------------------------------------------------------ call
step call "the installed daemon as user copperline, a SIP call to a simulated phone"
free_udp() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
free_even() {
	local p
	for _ in $(seq 50); do
		p=$(free_udp)
		((p % 2 == 0)) && echo "$p" && return
	done
}
install -d -o copperline -g copperline -m 0750 "$RUN"
SIP_PORT=$(free_udp)
CONF=/etc/copperline/copperline.conf
cp -p "$CONF" "$WORK/copperline.conf.orig"
# The simulated card, ports, dial plan and trusted peer of etc/demo.conf,
# on a free port, with call records in the state directory: written into
# the installed conffile (as an admin does; restored before purge).
sed -e "s/127.0.0.1:5060/127.0.0.1:$SIP_PORT/" \
	-e 's/log_level = "info";/log_level = "info"; cdr_db = "\/var\/lib\/copperline\/cdr.db";/' \
	"$SRCDIR/etc/demo.conf" >"$CONF"
# As the service runs it: user copperline with its groups and the unit's
# ambient capabilities (real-time scheduling, locked memory, port < 1024).
AS_USER="setpriv --reuid=copperline --regid=copperline --init-groups --no-new-privs"
CAPS=+sys_nice,+ipc_lock,+net_bind_service
LS="$AS_USER -- /usr/bin/copperline-linesim --control $RUN/linesim.ctl"
$AS_USER -- /usr/bin/copperline-linesim --card "$RUN/linesim.card" \
	--control "$RUN/linesim.ctl" --ports fxs,fxs,fxo,fxo --log "$RUN/linesim.log" &
LS_PID=$!
wait_for 10 test -S "$RUN/linesim.ctl" || abort "copperline-linesim did not start ($RUN/linesim.log)"
$AS_USER --inh-caps=$CAPS --ambient-caps=$CAPS -- /usr/sbin/copperline --card-device "$RUN/linesim.card" \
	--control-socket "$RUN/copperctl.sock" 2>"$RUN/gateway.log" &
GW_PID=$!
CTL="/usr/bin/copperctl -s $RUN/copperctl.sock"
wait_for 15 $CTL status || { cat "$RUN/gateway.log"; abort "the daemon did not start"; }
ok "daemon up as $(ps -o user= -p "$GW_PID") (pid $GW_PID), SIP 127.0.0.1:$SIP_PORT"
grep -E 'media thread|running' "$RUN/gateway.log" | sed 's/^/   /'
check "running as user copperline" sh -c "[ \"\$(ps -o user= -p $GW_PID)\" = copperline ]"
all_idle() {
	local st
	st=$($CTL status) || return 1
	! grep -q '^call ' <<<"$st" && ! grep -E '^port ' <<<"$st" | grep -qv 'state=idle'
}
check "4 ports idle" wait_for 10 all_idle
$LS auto 1 on 1 >/dev/null
MEDIA=$(free_even)
(cd "$RUN" && timeout 60 sipp "127.0.0.1:$SIP_PORT" -sf "$SRCDIR/tests/integration/sipp/uac_hold.xml" \
	-s 201 -i 127.0.0.1 -mi 127.0.0.1 -p "$(free_udp)" -mp "$MEDIA" -key rtp_port "$MEDIA" \
	-rtp_echo -d 6000 -m 1 -nostdin -trace_err -trace_msg \
	-message_file "$RUN/sipp_msg.log" -error_file "$RUN/sipp_err.log") >"$RUN/sipp.out" 2>&1 &
SIPP_PID=$!
port_state() { $CTL status | grep -E "^port $1 " | grep -q "state=$2"; }
check "the phone rings (fxs1 ringing)" wait_for 10 port_state fxs1 ringing
check "the phone answers (fxs1 talking)" wait_for 15 port_state fxs1 talking
$CTL status | grep -E '^call ' | sed 's/^/   /'
kill -HUP "$GW_PID"
check "reload in the call logged" wait_for 5 grep -q 'reload requested' "$RUN/gateway.log"
sleep 1
check "daemon alive after SIGHUP" kill -0 "$GW_PID"
check "the call survives the reload (fxs1 still talking)" port_state fxs1 talking
wait "$SIPP_PID"
rc=$?
if ((rc == 0)); then ok "SIPp call completed (INVITE, 200, ACK, 6 s, BYE, 200)"; else
	tail -n 20 "$RUN/sipp.out"; bad "SIPp exit status $rc"; fi
check "all ports idle after the call" wait_for 20 all_idle
cdr() {
	python3 - <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:/var/lib/copperline/cdr.db?mode=ro", uri=True)
cols = [r[1] for r in db.execute("pragma table_info(cdr)")]
for row in db.execute("select * from cdr"):
    print(" ".join("%s=%s" % (c, v) for c, v in zip(cols, row)))
EOF
}
cdr >"$RUN/cdr.txt" 2>&1
sed 's/^/   /' "$RUN/cdr.txt"
check "call record in /var/lib/copperline/cdr.db (answered, PCMU)" \
	sh -c "grep -q . '$RUN/cdr.txt' && grep -qi 'pcmu' '$RUN/cdr.txt' && ! grep -qi 'error' '$RUN/cdr.txt'"

# ------------------------------------------------------------------ reload
step reload "SIGHUP with a valid, then an invalid configuration"
n0=$(grep -c 'reload requested' "$RUN/gateway.log")
sed -i 's/log_level = "info";/log_level = "debug";/' "$CONF"
kill -HUP "$GW_PID"
check "valid: reload applied (log level debug)" \
	wait_for 5 grep -q 'log level debug applied' "$RUN/gateway.log"
cp "$CONF" "$WORK/good.conf"
echo 'bogus_key = 1;' >>"$CONF"
kill -HUP "$GW_PID"
check "invalid: error with file:line:key, running configuration kept" \
	wait_for 5 grep -Eq 'copperline.conf:[0-9]+: .*bogus_key.*keeping the running configuration' "$RUN/gateway.log"
grep -E 'reload' "$RUN/gateway.log" | tail -n 3 | sed 's/^/   /'
sleep 0.5
check "daemon alive and answering after both reloads" $CTL status
cp "$WORK/good.conf" "$CONF"
echo "   reloads: $(($(grep -c 'reload requested' "$RUN/gateway.log") - n0)) here, $(grep -c 'reload requested' "$RUN/gateway.log") in all"

# ------------------------------------------------------------------ stop
step stop "SIGTERM"
kill -TERM "$GW_PID"
wait "$GW_PID"
rc=$?
GW_PID=
if ((rc == 0)); then ok "daemon exited with status 0"; else bad "daemon exit status $rc"; fi
check "shutdown logged" grep -q 'shutting down' "$RUN/gateway.log"
kill -TERM "$LS_PID" && wait "$LS_PID"
LS_PID=

# ------------------------------------------------------------------ conffile
step conffile "a modified conffile survives reinstall and upgrade"
cp -p "$WORK/copperline.conf.orig" "$CONF"
echo '# modified by tests/package/run.sh' >>"$CONF"
(cd "$WORK" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall \
	"./$(basename "$DEB")") >>"$WORK/install.log" 2>&1 || bad "apt-get install --reinstall"
check "reinstall keeps the modified conffile" grep -q 'modified by tests/package' "$CONF"
# An upgrade whose packaged conffile changed: the same package, version
# +test1, one line added to its copperline.conf.
mkdir -p "$WORK/up"
dpkg-deb -R "$DEB" "$WORK/up/pkg"
sed -i 's/^Version: \(.*\)$/Version: \1+test1/' "$WORK/up/pkg/DEBIAN/control"
echo '# new in the upgrade' >>"$WORK/up/pkg/etc/copperline/copperline.conf"
(cd "$WORK/up/pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
	xargs -0 md5sum >DEBIAN/md5sums)
dpkg-deb -b --root-owner-group "$WORK/up/pkg" "$WORK/up/copperline_upgrade.deb" >/dev/null
(cd "$WORK/up" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	./copperline_upgrade.deb) >>"$WORK/install.log" 2>&1 || bad "upgrade install"
check "upgraded to $(dpkg-query -W -f='${Version}' copperline)" \
	sh -c "dpkg-query -W -f='\${Version}' copperline | grep -q test1"
check "upgrade keeps the modified conffile" grep -q 'modified by tests/package' "$CONF"
check "the package's new version is beside it (.dpkg-dist)" \
	grep -q 'new in the upgrade' "$CONF.dpkg-dist"

# ------------------------------------------------------------------ purge
step purge "apt-get purge: nothing left behind"
rm -rf "$RUN"
(DEBIAN_FRONTEND=noninteractive apt-get purge -y -q copperline copperline-linesim) \
	>>"$WORK/install.log" 2>&1 || bad "apt-get purge"
check "packages purged" sh -c '! dpkg-query -W -f="\${Status}" copperline copperline-linesim 2>/dev/null | grep -q installed'
for p in /etc/copperline /var/lib/copperline /run/copperline /usr/sbin/copperline \
	/usr/bin/copperctl /usr/bin/copperline-linesim; do
	check "$p gone" test ! -e "$p"
done
snapshot >"$WORK/after.txt"
left=$(comm -13 "$WORK/before.txt" "$WORK/after.txt")
if [[ -z $left ]]; then
	ok "no file or directory left that was not there before install"
else
	sed 's/^/   left: /' <<<"$left"
	bad "$(wc -l <<<"$left") paths left behind"
fi
if getent passwd copperline >/dev/null; then
	echo "   the system user copperline stays (Debian practice; userdel copperline removes it)"
fi

finish
