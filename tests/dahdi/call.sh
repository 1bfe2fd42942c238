#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Whole calls in the qemu guest of tests/dahdi/run.sh, after hwtest:
# copperline on DAHDI channels 1-2 (FXS ports) and 7-8 (FXO ports),
# tests/dahdi/farend on 3-6 (the phones and the exchange behind them), a
# SIP peer on the host (tests/dahdi/sippeer.py) through qemu's user
# networking. See doc/dahdi.md, "Whole calls".
#
# Networking: the guest's eth0 is 10.0.2.15 (qemu -netdev user); the host
# is 10.0.2.2 from here. qemu forwards the host's 127.0.0.1:SIP and
# 127.0.0.1:RTP..RTP+3 (UDP) to the guest's 127.0.0.1 on the same ports,
# so copperline listens on 127.0.0.1: its Contact and SDP then carry an
# address and ports the host's peer reaches as they are. For that the
# guest accepts and sends 127.0.0.1 on eth0 (route_localnet). What
# copperline sends to 10.0.2.2:P leaves the host from 127.0.0.1 to
# 127.0.0.1:P, from the same port number (qemu sends it through the
# forwarding's socket), so SIP and RTP are symmetric on both sides.
#
# Ports come from the kernel command line (clsip=, clrtp=, clpeer=).
SIP=${clsip:-5060}
RTP=${clrtp:-20000}
PEER=${clpeer:-5070}
T=${cltime:-90}

echo "=== T+$(cut -d' ' -f1 /proc/uptime)s calltest"
insmod /lib/net/e1000.ko 2>/dev/null || echo "insmod e1000 failed"
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.eth0.route_localnet=1

mkdir -p /etc/copperline /run/copperline /var/log
cat >/etc/copperline/copperline.conf <<CONF
general = { log_level = "info"; zone = "us"; };
card = { driver = "dahdi"; device = "1-2,7-8"; };
sip = {
	listen = "127.0.0.1:$SIP";
	rtp_ports = "$RTP-$((RTP + 3))";
	trusted = [ "10.0.2.2" ];
	codecs = [ "PCMU" ];
};
ports = (
	{ name = "phone1"; channel = 1; type = "fxs"; extension = "201"; },
	{ name = "phone2"; channel = 2; type = "fxs"; extension = "202";
	  digit_timeout_ms = 1500; },
	{ name = "line1"; channel = 7; type = "fxo";
	  target = "sip:100@10.0.2.2:$PEER"; },
	{ name = "line2"; channel = 8; type = "fxo";
	  target = "sip:100@10.0.2.2:$PEER";
	  echo_canceller = "kernel"; echo_tail_ms = 64; }
);
routes = (
	{ from = "sip"; prefix = "2"; to = "fxs"; },
	{ from = "fxs"; prefix = ""; to = "sip:\${number}@10.0.2.2:$PEER"; }
);
CONF
CTL=/run/copperline/copperctl.sock
/usr/bin/copperline -c /etc/copperline/copperline.conf \
	>/var/log/copperline.log 2>&1 &
GW=$!
i=0
while [ ! -S $CTL ] && [ $i -lt 100 ] && kill -0 $GW 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if [ -S $CTL ]; then
	echo "  copperline up after $((i / 10)).$((i % 10)) s"
	/usr/bin/copperctl -s $CTL status | sed 's/^/  ctl: /'
	# line2's echo_canceller = "kernel": DAHDI's canceller on channel 8
	ec=$(cat /proc/dahdi/* 2>/dev/null | grep -E '^[[:space:]]*8[[:space:]]')
	echo "  /proc/dahdi: $ec"
	if echo "$ec" | grep -q 'EC: MG2' &&
	   grep -q "port line2: the card's echo canceller, 512 taps" \
		/var/log/copperline.log; then
		echo "PASS call_kernel_echo_canceller_from_config"
	else
		echo "FAIL call_kernel_echo_canceller_from_config"
		rc_ec=1
	fi
	timeout $T /bin/farend $((T - 30)); rc=$?
	sleep 1
	# every port idle and no call left
	st=$(/usr/bin/copperctl -s $CTL status)
	echo "$st" | sed 's/^/  ctl: /'
	if [ "$(echo "$st" | grep -c '^port .*state=idle')" = 4 ] &&
	   ! echo "$st" | grep -q '^call '; then
		echo "PASS call_all_idle_after"
	else
		echo "FAIL call_all_idle_after"
		rc=1
	fi
	[ -z "$rc_ec" ] || rc=1
else
	echo "FAIL call_gateway_start"
	rc=1
fi
kill $GW 2>/dev/null
i=0
while kill -0 $GW 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 $GW 2>/dev/null
echo "  --- copperline log (warnings, calls) ---"
grep -vE ' (debug|DEBUG) ' /var/log/copperline.log | tail -40 | sed 's/^/  gw: /'
echo "CALLTEST_RC=$rc"
