#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real-driver test of hw/dahdi.c: boots Debian's kernel under qemu (TCG)
# with the DAHDI modules built from Debian's dahdi-source, two looped-back
# dahdi_dynamic_loc spans (fxoks on channels 1-4, fxsks on 5-8) and runs
# tests/dahdi/hwtest against them; then whole calls: copperline itself on
# channels 1-2 (FXS ports) and 7-8 (FXO ports), tests/dahdi/farend on the
# other ends, and tests/dahdi/sippeer.py on the host as the SIP peer,
# through qemu's user networking. See doc/dahdi.md.
#
#   tests/dahdi/run.sh BUILDDIR
#
# Prints one "PASS name" / "FAIL name" line per case and "N passed, N
# failed"; exits 0 iff all passed. Needs (Debian 12): linux-headers-amd64
# dahdi-source dahdi qemu-system-x86 busybox-static build-essential bzip2
# cpio. vmlinuz comes from /boot if the
# matching linux-image is installed, else from `apt-get download` (once).
#
# Environment: DAHDI_QEMU_CACHE (default /var/cache/copperline-dahdi-qemu,
# or ~/.cache/copperline-dahdi-qemu when /var/cache is not writable):
# built modules and vmlinuz, per kernel version; ACCEL (tcg); TIMEOUT (s,
# default 240); V=1 shows the whole guest console; CALLS=0 skips the
# whole-call test, HWTEST=0 the backend test.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${1:?usage: $0 BUILDDIR}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
KVER=${KVER:-$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -1)}
[ -n "$KVER" ] || { echo "FAIL dahdi_setup: no linux-headers-amd64 in /lib/modules"; echo "0 passed, 1 failed"; exit 1; }
# the cache: /var/cache when we may write there, else the user's own
CACHE=${DAHDI_QEMU_CACHE:-}
if [ -z "$CACHE" ]; then
	CACHE=/var/cache/copperline-dahdi-qemu
	mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] ||
		CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/copperline-dahdi-qemu
fi
CACHE=$CACHE/$KVER
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dahdi-qemu.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$CACHE"
t0=$(date +%s)
fail_setup() {
	echo "FAIL dahdi_setup: $*"
	echo "0 passed, 1 failed"
	exit 1
}

# 1. vmlinuz of the headers' version
KERNEL=/boot/vmlinuz-$KVER
if [ ! -r "$KERNEL" ]; then
	KERNEL=$CACHE/vmlinuz
	if [ ! -s "$KERNEL" ]; then
		(cd "$WORK" && apt-get download "linux-image-$KVER" >/dev/null 2>&1 &&
		 dpkg-deb --fsys-tarfile linux-image-"$KVER"_*.deb |
		 tar x "./boot/vmlinuz-$KVER" && mv "boot/vmlinuz-$KVER" "$KERNEL") ||
			fail_setup "cannot get vmlinuz-$KVER (apt-get download linux-image-$KVER)"
	fi
fi

# the guest's NIC driver (the calls): from /lib/modules if that
# linux-image is installed, else from the package (once)
E1000=/lib/modules/$KVER/kernel/drivers/net/ethernet/intel/e1000/e1000.ko
if [ "${CALLS:-1}" != 0 ] && [ ! -r "$E1000" ]; then
	E1000=$CACHE/e1000.ko
	if [ ! -s "$E1000" ]; then
		(cd "$WORK" && apt-get download "linux-image-$KVER" >/dev/null 2>&1 &&
		 dpkg-deb --fsys-tarfile linux-image-"$KVER"_*.deb |
		 tar x "./lib/modules/$KVER/kernel/drivers/net/ethernet/intel/e1000/e1000.ko" &&
		 mv "lib/modules/$KVER/kernel/drivers/net/ethernet/intel/e1000/e1000.ko" "$E1000") ||
			fail_setup "cannot get e1000.ko (apt-get download linux-image-$KVER)"
	fi
fi

# 2. DAHDI modules, built once per kernel version and dahdi-source version
TARBALL=/usr/src/dahdi.tar.bz2
[ -r "$TARBALL" ] || fail_setup "$TARBALL missing (apt-get install dahdi-source)"
STAMP="$(dpkg-query -W -f '${Version}' dahdi-source 2>/dev/null || echo unknown) $KVER"
KOS="dahdi dahdi_dynamic dahdi_dynamic_loc dahdi_echocan_mg2"
if [ "$(cat "$CACHE/modules.stamp" 2>/dev/null)" != "$STAMP" ]; then
	echo "building DAHDI modules for $KVER (once)"
	tar -C "$WORK" -xjf "$TARBALL"
	D=$WORK/modules/dahdi
	make -C "/lib/modules/$KVER/build" KBUILD_EXTMOD="$D/drivers/dahdi" \
		DAHDI_INCLUDE="$D/include" HOTPLUG_FIRMWARE=yes DAHDI_BUILD_ALL= \
		CONFIG_DAHDI=m CONFIG_DAHDI_DYNAMIC=m CONFIG_DAHDI_DYNAMIC_LOC=m \
		CONFIG_DAHDI_ECHOCAN_MG2=m -j2 modules >"$WORK/modules.log" 2>&1 ||
		{ tail -20 "$WORK/modules.log"; fail_setup "module build failed"; }
	mkdir -p "$CACHE/ko"
	for ko in $KOS; do
		cp "$D/drivers/dahdi/$ko.ko" "$CACHE/ko/" || fail_setup "$ko.ko not built"
	done
	echo "$STAMP" >"$CACHE/modules.stamp"
fi

# 3. the test program, static
CFLAGS="-std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Werror"
R=$WORK/rootfs
mkdir -p "$R/bin" "$R/sbin" "$R/usr/sbin" "$R/lib/dahdi" "$R/proc" "$R/sys" \
	"$R/dev" "$R/etc" "$R/tmp"
gcc $CFLAGS -static -I"$SRC" -I"$BUILD" -I/usr/include -o "$R/bin/hwtest" \
	"$SRC/tests/dahdi/hwtest.c" "$SRC/hw/dahdi.c" "$SRC/hw/hw.c" "$SRC/hw/sim.c" "$SRC/hw/hookseq.c" \
	"$SRC/dsp/level.c" -lm || fail_setup "hwtest does not build"
gcc $CFLAGS -static -I"$SRC" -I"$BUILD" -I/usr/include -o "$R/bin/farend" \
	"$SRC/tests/dahdi/farend.c" "$SRC/hw/dahdi.c" "$SRC/hw/hw.c" "$SRC/hw/sim.c" "$SRC/hw/hookseq.c" \
	"$SRC/dsp/level.c" -lm || fail_setup "farend does not build"

# 4. initramfs: busybox, modules, dahdi_cfg (+ its libs), hwtest, /init
cp /bin/busybox "$R/bin/busybox" || fail_setup "busybox-static missing"
for ko in $KOS; do cp "$CACHE/ko/$ko.ko" "$R/lib/dahdi/"; done
B=/usr/sbin/dahdi_cfg
[ -x $B ] || fail_setup "dahdi_cfg missing (apt-get install dahdi)"
cp $B "$R/usr/sbin/"
BINS=$B
if [ "${CALLS:-1}" != 0 ]; then
	for b in copperline copperctl; do
		[ -x "$BUILD/$b" ] || fail_setup "$BUILD/$b not built"
		mkdir -p "$R/usr/bin" "$R/lib/net"
		cp "$BUILD/$b" "$R/usr/bin/"
		BINS="$BINS $BUILD/$b"
	done
	cp "$E1000" "$R/lib/net/e1000.ko"
	cp "$HERE/call.sh" "$R/bin/calltest"
	chmod +x "$R/bin/calltest"
fi
for lib in $(ldd $BINS | grep -o '/[^ ]*' | grep -v ':$' | sort -u); do
	mkdir -p "$R$(dirname "$lib")"
	cp -L "$lib" "$R$lib"
done
cp "$HERE/init.sh" "$R/init"
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initramfs.cpio.gz"
t1=$(date +%s)

# 5. boot. The calls: qemu's user network (slirp) forwards the host's
# 127.0.0.1 UDP ports SIP and RTP..RTP+3 to the same ports on the
# guest's 127.0.0.1, where copperline listens; the guest reaches the
# host's 127.0.0.1 as 10.0.2.2 (see call.sh).
LOG=$BUILD/tests/dahdi/console.log
RAW=$WORK/console.raw
mkdir -p "$(dirname "$LOG")"
rm -f "$BUILD/tests/dahdi/sippeer.log" "$BUILD/tests/dahdi/sippeer.out"
NET="-nic none"
APPEND="console=ttyS0 panic=-1 loglevel=3 hwtest=${HWTEST:-1}"
if [ "${CALLS:-1}" != 0 ]; then
	PORTS=$(python3 "$HERE/sippeer.py" ports) ||
		fail_setup "no free UDP ports for the calls (python3 sippeer.py ports)"
	set -- $PORTS
	SIP=$1 RTP=$2 UAC=$3 UAS=$4
	FWD="hostfwd=udp:127.0.0.1:$SIP-127.0.0.1:$SIP"
	for p in $RTP $((RTP + 1)) $((RTP + 2)) $((RTP + 3)); do
		FWD="$FWD,hostfwd=udp:127.0.0.1:$p-127.0.0.1:$p"
	done
	NET="-netdev user,id=n0,$FWD -device e1000,netdev=n0"
	APPEND="$APPEND calltest=1 clsip=$SIP clrtp=$RTP clpeer=$UAS"
fi
: >"$RAW"
timeout "${TIMEOUT:-240}" qemu-system-x86_64 -accel "${ACCEL:-tcg}" -m 512 \
	-smp 1 -display none -monitor none -serial "file:$RAW" -no-reboot \
	$NET -kernel "$KERNEL" -initrd "$WORK/initramfs.cpio.gz" \
	-append "$APPEND" </dev/null >"$WORK/qemu.out" 2>&1 &
QEMU=$!
PEER=
if [ "${CALLS:-1}" != 0 ]; then
	timeout "${TIMEOUT:-240}" python3 "$HERE/sippeer.py" run "$RAW" \
		"$SIP" "$UAC" "$UAS" "${TIMEOUT:-240}" >"$WORK/peer.out" 2>&1 &
	PEER=$!
fi
wait $QEMU || true
if [ -n "$PEER" ]; then
	# the guest is gone: give the peer 10 s to finish its analysis
	i=0
	while kill -0 $PEER 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill $PEER 2>/dev/null || true
	wait $PEER || true
fi
t2=$(date +%s)
tr -d '\r' <"$RAW" >"$LOG"
[ -s "$WORK/qemu.out" ] && sed 's/^/qemu: /' "$WORK/qemu.out"
[ -n "${V:-}" ] && cat "$LOG"

# 6. results: the guest's, then the host peer's
grep -E '^(PASS|FAIL|  )' "$LOG" || true
pass=$(grep -c '^PASS ' "$LOG" || true)
fail=$(grep -c '^FAIL ' "$LOG" || true)
if [ "${HWTEST:-1}" != 0 ] && ! grep -q '^HWTEST_RC=' "$LOG"; then
	echo "FAIL dahdi_guest_finished (see $LOG)"
	tail -15 "$LOG"
	fail=$((fail + 1))
fi
if [ -n "$PEER" ]; then
	cat "$WORK/peer.out"
	cp "$WORK/peer.out" "$BUILD/tests/dahdi/sippeer.out"
	cp "$WORK/sippeer.log" "$BUILD/tests/dahdi/" 2>/dev/null || true
	pass=$((pass + $(grep -c '^PASS ' "$WORK/peer.out" || true)))
	fail=$((fail + $(grep -c '^FAIL ' "$WORK/peer.out" || true)))
	if ! grep -q '^CALLTEST_RC=' "$LOG"; then
		echo "FAIL dahdi_calltest_finished (see $LOG)"
		tail -15 "$LOG"
		fail=$((fail + 1))
	fi
fi
echo "(prepare $((t1 - t0)) s, qemu $((t2 - t1)) s; console in $LOG)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
