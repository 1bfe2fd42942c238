#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# PID 1 in the qemu guest of tests/dahdi/run.sh: load DAHDI, two looped
# dahdi_dynamic_loc spans (channels 1-4 fxoks, 5-8 fxsks; channel k of
# one is wired to channel k of the other), run hwtest, then the whole-call
# test (call.sh, when run.sh put it in), power off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# dahdi_cfg 3.x takes a POSIX named semaphore: needs /dev/shm
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
M=/lib/dahdi
# Debian patches auto_assign_spans to 0: spans would get no numbers
insmod $M/dahdi.ko auto_assign_spans=1 || echo "insmod dahdi failed"
insmod $M/dahdi_dynamic.ko || echo "insmod dahdi_dynamic failed"
insmod $M/dahdi_dynamic_loc.ko || echo "insmod dahdi_dynamic_loc failed"
insmod $M/dahdi_echocan_mg2.ko || echo "insmod dahdi_echocan_mg2 failed"
mkdir -p /etc/dahdi
# No span= lines: dahdi_cfg sends DAHDI_SPANCONFIG before it creates the
# dynamic spans, so they would fail with ENXIO. timing 0: the DAHDI core
# timer clocks the spans.
cat >/etc/dahdi/system.conf <<'CONF'
dynamic=loc,1:0,4,0
dynamic=loc,1:1,4,0
fxoks=1-4
fxsks=5-8
echocanceller=mg2,1-8
loadzone=us
defaultzone=us
CONF
dahdi_cfg || echo "dahdi_cfg failed rc=$?"
# hwtest=0, calltest=1 come from the kernel command line (run.sh)
if [ "${hwtest:-1}" != 0 ]; then
	echo "=== T+$(cut -d' ' -f1 /proc/uptime)s hwtest"
	/bin/hwtest; rc=$?
	echo "=== T+$(cut -d' ' -f1 /proc/uptime)s hwtest done"
	echo "HWTEST_RC=$rc"
fi
# whole calls: copperline, tests/dahdi/farend, a SIP peer on the host
[ "${calltest:-0}" = 1 ] && [ -x /bin/calltest ] && /bin/calltest
echo "=== T+$(cut -d' ' -f1 /proc/uptime)s done"
dmesg | grep -iE 'oops|bug:|warning:' | head -5
sync
poweroff -f
