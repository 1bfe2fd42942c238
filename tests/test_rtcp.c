// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: RTCP receiver statistics (RFC 3550 A.1/A.3/A.8), compound
 * packet coding and validation (A.2), round-trip time (§6.4.1), report
 * interval (A.7), RFC 3611 VoIP metrics and burst/gap (A.2), E-model.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/rtcp.h"
#include "tests/test.h"

#define SSRC_A 0x11111111u
#define SSRC_B 0x22222222u
#define T0 ((uint64_t)3900000000u << 32)

static uint64_t ntp_ms(uint64_t base, unsigned ms)
{
	return base + (((uint64_t)ms << 32) / 1000);
}

static int setup(struct gw_rtcp *st, uint32_t ssrc, const char *cname)
{
	struct gw_rtcp_params p = { .ssrc = ssrc, .cname = cname,
				    .clock_rate = 8000, .ptime_ms = 20,
				    .codec = GW_RTCP_CODEC_G711,
				    .session_bw_bps = 80000 };

	return gw_rtcp_init(st, &p);
}

/*
 * Feed a pattern after one probation packet at seq0 - 1: 'r' received,
 * 'l' lost, 'd' received and then discarded by the jitter buffer.
 */
static uint16_t feed(struct gw_rtcp *st, uint32_t ssrc, uint16_t seq0,
		     const char *pat)
{
	uint16_t seq = (uint16_t)(seq0 - 1);

	gw_rtcp_rx_packet(st, ssrc, seq, seq * 160u, seq * 160u);
	for (const char *c = pat; *c; c++) {
		seq++;
		if (*c == 'l')
			continue;
		gw_rtcp_rx_packet(st, ssrc, seq, seq * 160u, seq * 160u);
		if (*c == 'd')
			gw_rtcp_rx_discard(st, seq);
	}
	return seq;
}

static int rtcp_seq_wrap(void)
{
	static struct gw_rtcp st;
	struct gw_rtcp_stats s;
	uint8_t buf[256];
	struct gw_rtcp_info info;
	int n;

	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	for (int i = 0; i < 20; i++) {
		uint16_t seq = (uint16_t)(65530 + i);
		enum gw_rtcp_rx_verdict v =
			gw_rtcp_rx_packet(&st, SSRC_B, seq, 160u * i, 160u * i);

		TEST_EQ_INT(v, i == 0 ? GW_RTCP_RX_HOLD :
			       i == 1 ? GW_RTCP_RX_RESTART : GW_RTCP_RX_OK);
	}
	gw_rtcp_stats(&st, &s);
	printf("  wrap: cycles=0x%x max_seq=%u base=%u expected=%u "
	       "received=%u lost=%d\n", st.cycles, st.max_seq, st.base_seq,
	       s.expected, s.received, s.cum_lost);
	TEST_EQ_INT(st.cycles, 65536);
	TEST_EQ_INT(st.max_seq, 13);
	TEST_EQ_INT(s.expected, 19);
	TEST_EQ_INT(s.received, 19);
	TEST_EQ_INT(s.cum_lost, 0);
	n = gw_rtcp_encode(&st, buf, sizeof(buf), T0, 0, 0, NULL);
	TEST_ASSERT(n > 0);
	TEST_EQ_INT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_B, T0), 2);
	TEST_ASSERT(info.rb);
	TEST_EQ_INT(info.rb_us.ext_max_seq, 0x1000d);
	TEST_EQ_INT(info.rb_us.cum_lost, 0);
	TEST_EQ_INT(info.rb_us.fraction_lost, 0);
	return 0;
}

static int rtcp_reorder_dup(void)
{
	static struct gw_rtcp st, st2;
	struct gw_rtcp_voip_metrics vm, vm2;
	struct gw_rtcp_stats s;
	static const uint16_t seqs[] = { 100, 101, 102, 104, 103, 105, 105,
					 106, 108 };
	static const int want[] = { GW_RTCP_RX_HOLD, GW_RTCP_RX_RESTART,
				    GW_RTCP_RX_OK, GW_RTCP_RX_OK,
				    GW_RTCP_RX_OK, GW_RTCP_RX_OK,
				    GW_RTCP_RX_DUPLICATE, GW_RTCP_RX_OK,
				    GW_RTCP_RX_OK };
	char pat[64];

	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, seqs[i],
					      seqs[i] * 160u, seqs[i] * 160u),
			    want[i]);
	gw_rtcp_stats(&st, &s);
	printf("  101..108 with 104/103 swapped, 105 twice, 107 lost: "
	       "expected=%u received=%u dup=%u cum_lost=%d\n", s.expected,
	       s.received, s.dup_packets, s.cum_lost);
	/* RFC 3550: duplicates count as received, so they hide a loss */
	TEST_EQ_INT(s.expected, 8);
	TEST_EQ_INT(s.received, 8);
	TEST_EQ_INT(s.dup_packets, 1);
	TEST_EQ_INT(s.cum_lost, 0);

	/*
	 * Burst metrics: 40 packets, no loss, with two swaps, equal a clean
	 * stream; the same stream with one real loss does not.
	 */
	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	TEST_EQ_INT(setup(&st2, SSRC_A, "a@test"), 0);
	gw_rtcp_rx_packet(&st, SSRC_B, 9, 0, 0);
	for (uint16_t i = 10; i < 50; i++) {
		uint16_t q = i == 20 ? 21 : i == 21 ? 20 : i == 30 ? 33 :
			     i == 33 ? 30 : i;

		gw_rtcp_rx_packet(&st, SSRC_B, q, q * 160u, q * 160u);
	}
	memset(pat, 'r', 40);
	pat[40] = '\0';
	feed(&st2, SSRC_B, 10, pat);
	gw_rtcp_voip_metrics(&st, &vm);
	gw_rtcp_voip_metrics(&st2, &vm2);
	printf("  reordered: burst density %u duration %u ms, gap %u ms; "
	       "in order: %u %u %u\n", vm.burst_density,
	       vm.burst_duration_ms, vm.gap_duration_ms, vm2.burst_density,
	       vm2.burst_duration_ms, vm2.gap_duration_ms);
	TEST_EQ_INT(vm.burst_density, 0);
	TEST_EQ_INT(vm.loss_rate, 0);
	TEST_EQ_INT(vm.gap_duration_ms, vm2.gap_duration_ms);
	TEST_EQ_INT(vm.gap_duration_ms, 800);
	pat[25] = 'l';
	TEST_EQ_INT(setup(&st2, SSRC_A, "a@test"), 0);
	feed(&st2, SSRC_B, 10, pat);
	gw_rtcp_voip_metrics(&st2, &vm2);
	printf("  one loss: loss rate %u burst density %u duration %u ms\n",
	       vm2.loss_rate, vm2.burst_density, vm2.burst_duration_ms);
	TEST_ASSERT(vm2.burst_density > 0);
	TEST_EQ_INT(vm2.loss_rate, 256 / 40);
	return 0;
}

static int rtcp_dropout_misorder(void)
{
	static struct gw_rtcp st;
	struct gw_rtcp_stats s;

	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	feed(&st, SSRC_B, 1000, "rrrrrrrrr"); /* 1000..1008 */
	/* a jump inside MAX_DROPOUT is loss */
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 3008, 0, 0),
		    GW_RTCP_RX_OK);
	gw_rtcp_stats(&st, &s);
	printf("  jump of 2000: expected=%u received=%u lost=%d\n",
	       s.expected, s.received, s.cum_lost);
	TEST_EQ_INT(s.cum_lost, 1999);
	/* a jump beyond MAX_DROPOUT is held, twice in sequence resyncs */
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 9000, 0, 0),
		    GW_RTCP_RX_HOLD);
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 3009, 0, 0),
		    GW_RTCP_RX_OK);
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 20000, 0, 0),
		    GW_RTCP_RX_HOLD);
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 20001, 0, 0),
		    GW_RTCP_RX_RESTART);
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 20002, 0, 0),
		    GW_RTCP_RX_OK);
	gw_rtcp_stats(&st, &s);
	printf("  after resync: base=%u expected=%u received=%u lost=%d "
	       "resyncs=%u\n", st.base_seq, s.expected, s.received,
	       s.cum_lost, st.resyncs);
	TEST_EQ_INT(st.resyncs, 1);
	TEST_EQ_INT(s.expected, 2);
	TEST_EQ_INT(s.received, 2);
	/* late beyond MAX_MISORDER (but within 64K): a jump, held */
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 19800, 0, 0),
		    GW_RTCP_RX_HOLD);
	/* late within MAX_MISORDER: counted */
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 19950, 0, 0),
		    GW_RTCP_RX_OK);
	return 0;
}

static int rtcp_ssrc_change(void)
{
	static struct gw_rtcp st;
	struct gw_rtcp_stats s;

	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	feed(&st, SSRC_B, 10, "rrrrrlrrrr");
	/* one stray packet of another SSRC changes nothing */
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, 0x33333333, 500, 0, 0),
		    GW_RTCP_RX_HOLD);
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 20, 0, 0), GW_RTCP_RX_OK);
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, 0x33333333, 501, 0, 0),
		    GW_RTCP_RX_HOLD); /* the old one interrupted it */
	gw_rtcp_stats(&st, &s);
	TEST_EQ_INT(st.src_ssrc, SSRC_B);
	TEST_EQ_INT(s.cum_lost, 1);
	/* sustained: two sequential packets switch */
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, 0x33333333, 502, 0, 0),
		    GW_RTCP_RX_RESTART);
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, 0x33333333, 503, 0, 0),
		    GW_RTCP_RX_OK);
	gw_rtcp_stats(&st, &s);
	printf("  after change: ssrc=%08x changes=%u expected=%u "
	       "received=%u lost=%d\n", st.src_ssrc, s.ssrc_changes,
	       s.expected, s.received, s.cum_lost);
	TEST_EQ_INT(st.src_ssrc, 0x33333333);
	TEST_EQ_INT(s.ssrc_changes, 1);
	TEST_EQ_INT(s.expected, 2);
	TEST_EQ_INT(s.received, 2);
	TEST_EQ_INT(s.cum_lost, 0);
	return 0;
}

static int rtcp_loss_fraction(void)
{
	static struct gw_rtcp st;
	struct gw_rtcp_info info;
	uint8_t buf[256];
	int n;

	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	/* probation 0, then 1..100, every seq ending in 5 lost */
	gw_rtcp_rx_packet(&st, SSRC_B, 0, 0, 0);
	for (uint16_t q = 1; q <= 100; q++)
		if (q % 10 != 5)
			gw_rtcp_rx_packet(&st, SSRC_B, q, q * 160u, q * 160u);
	n = gw_rtcp_encode(&st, buf, sizeof(buf), T0, 0, 0, NULL);
	TEST_ASSERT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_B, T0) > 0);
	printf("  interval 1: expected 100 lost 10: fraction %u/256 "
	       "cumulative %d\n", info.rb_us.fraction_lost,
	       info.rb_us.cum_lost);
	TEST_EQ_INT(info.rb_us.fraction_lost, (10 << 8) / 100);
	TEST_EQ_INT(info.rb_us.cum_lost, 10);
	for (uint16_t q = 101; q <= 200; q++)
		if (q != 110 && q != 111 && q != 150 && q != 190)
			gw_rtcp_rx_packet(&st, SSRC_B, q, q * 160u, q * 160u);
	n = gw_rtcp_encode(&st, buf, sizeof(buf), T0, 0, 0, NULL);
	TEST_ASSERT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_B, T0) > 0);
	printf("  interval 2: expected 100 lost 4: fraction %u/256 "
	       "cumulative %d\n", info.rb_us.fraction_lost,
	       info.rb_us.cum_lost);
	TEST_EQ_INT(info.rb_us.fraction_lost, (4 << 8) / 100);
	TEST_EQ_INT(info.rb_us.cum_lost, 14);
	TEST_EQ_INT(info.rb_us.ext_max_seq, 200);
	/* 20 duplicates: negative interval loss reports 0, cumulative < 0 */
	for (int i = 0; i < 20; i++)
		gw_rtcp_rx_packet(&st, SSRC_B, 200, 0, 0);
	n = gw_rtcp_encode(&st, buf, sizeof(buf), T0, 0, 0, NULL);
	TEST_ASSERT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_B, T0) > 0);
	printf("  interval 3: 20 duplicates: fraction %u cumulative %d\n",
	       info.rb_us.fraction_lost, info.rb_us.cum_lost);
	TEST_EQ_INT(info.rb_us.fraction_lost, 0);
	TEST_EQ_INT(info.rb_us.cum_lost, -6);
	/* 999 of 1000 lost in an interval */
	gw_rtcp_rx_packet(&st, SSRC_B, 1200, 0, 0);
	n = gw_rtcp_encode(&st, buf, sizeof(buf), T0, 0, 0, NULL);
	TEST_ASSERT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_B, T0) > 0);
	printf("  interval 4: 999 of 1000 lost: fraction %u cumulative %d\n",
	       info.rb_us.fraction_lost, info.rb_us.cum_lost);
	TEST_EQ_INT(info.rb_us.fraction_lost, (999 << 8) / 1000);
	TEST_EQ_INT(info.rb_us.cum_lost, 993);
	return 0;
}

static int rtcp_jitter(void)
{
	static struct gw_rtcp st;
	double ref = 0, s2 = 0;
	uint32_t rnd = 12345, prev_transit = 0;

	/* alternating 0/80 sample delay: |D| = 80 every packet */
	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	gw_rtcp_rx_packet(&st, SSRC_B, 0, 0, 0);
	for (uint32_t i = 1; i <= 300; i++) {
		uint32_t ts = i * 160, arr = ts + (i % 2 ? 80 : 0) + 1000;

		gw_rtcp_rx_packet(&st, SSRC_B, (uint16_t)i, ts, arr);
		if (i >= 2)
			ref += (80 - ref) / 16; /* A.8, in doubles */
		if (i == 16 || i == 64 || i == 300)
			printf("  alternating 80: after %3u packets jitter %u "
			       "(A.8 in doubles %.2f)\n", i,
			       st.jitter_q4 >> 4, ref);
		if (i == 16 || i == 64) {
			TEST_NEAR(st.jitter_q4 / 16.0, ref, 1.0);
		}
	}
	TEST_NEAR(st.jitter_q4 / 16.0, 80, 0.6);

	/* uniform random delay 0..239 samples: E|D| = 240/3 = 80 */
	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	ref = 0;
	gw_rtcp_rx_packet(&st, SSRC_B, 0, 0, 0);
	for (uint32_t i = 1; i <= 5000; i++) {
		uint32_t ts = i * 160, transit, arr;

		rnd = rnd * 1103515245u + 12345u;
		transit = (rnd >> 16) % 240;
		arr = ts + transit;
		gw_rtcp_rx_packet(&st, SSRC_B, (uint16_t)i, ts, arr);
		if (i >= 2) {
			double d = fabs((double)transit - prev_transit);

			ref += (d - ref) / 16;
			s2 += d;
		}
		prev_transit = transit;
		TEST_NEAR(st.jitter_q4 / 16.0, ref, 1.0);
	}
	printf("  uniform 0..239: jitter %u, A.8 in doubles %.2f, mean |D| "
	       "%.2f (theory 80)\n", st.jitter_q4 >> 4, ref, s2 / 4999);
	TEST_NEAR(s2 / 4999, 80, 3);

	/* telephone-event packets count for loss but not for jitter */
	TEST_EQ_INT(setup(&st, SSRC_A, "a@test"), 0);
	feed(&st, SSRC_B, 1, "rrrrr");
	for (uint16_t q = 6; q < 20; q++)
		TEST_EQ_INT(gw_rtcp_rx_event_packet(&st, SSRC_B, q),
			    GW_RTCP_RX_OK);
	TEST_EQ_INT(gw_rtcp_rx_packet(&st, SSRC_B, 20, 20 * 160, 20 * 160),
		    GW_RTCP_RX_OK);
	printf("  5 audio, 14 event, 1 audio packets: jitter %u lost %d\n",
	       st.jitter_q4 >> 4, (int)(st.cycles + st.max_seq -
					st.base_seq + 1 - st.received));
	TEST_EQ_INT(st.jitter_q4, 0);
	TEST_EQ_INT(st.received, 20);
	return 0;
}

static int rtcp_sr_rr_roundtrip(void)
{
	static struct gw_rtcp a, b;
	struct gw_rtcp_info info;
	uint8_t buf[512];
	uint64_t now = ntp_ms(T0, 1234);
	int n;

	TEST_EQ_INT(setup(&a, SSRC_A, "alice@gw.example"), 0);
	TEST_EQ_INT(setup(&b, SSRC_B, "bob"), 0);
	for (int i = 0; i < 50; i++)
		gw_rtcp_tx_packet(&a, 160);
	feed(&a, SSRC_B, 1000, "rrrlrrrrrrlrrrrrrrrr");
	n = gw_rtcp_encode(&a, buf, sizeof(buf), now, 0xabcdef01, 0, NULL);
	printf("  SR compound: %d bytes\n", n);
	/* SR + block, SDES with "alice@gw.example" */
	TEST_EQ_INT(n, 28 + 24 + 4 + 4 + 20);
	TEST_EQ_INT(buf[0], 0x81);
	TEST_EQ_INT(buf[1], GW_RTCP_SR);
	TEST_EQ_INT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_B, now), 2);
	TEST_EQ_INT(info.ssrc, SSRC_A);
	TEST_ASSERT(info.sr);
	TEST_ASSERT(info.si.ntp == now);
	TEST_EQ_INT(info.si.rtp_ts, 0xabcdef01);
	TEST_EQ_INT(info.si.packets, 50);
	TEST_EQ_INT(info.si.octets, 8000);
	TEST_EQ_INT(info.blocks, 1);
	TEST_ASSERT(info.rb);
	TEST_EQ_INT(info.rb_us.ssrc, SSRC_B);
	TEST_EQ_INT(info.rb_us.fraction_lost, (2 << 8) / 20);
	TEST_EQ_INT(info.rb_us.cum_lost, 2);
	TEST_EQ_INT(info.rb_us.ext_max_seq, 1019);
	TEST_EQ_INT(info.rb_us.jitter, 0);
	TEST_EQ_INT(info.rb_us.lsr, 0);
	TEST_EQ_INT(info.rb_us.dlsr, 0);
	TEST_ASSERT(!info.rtt);
	TEST_EQ_STR(info.cname, "alice@gw.example");
	TEST_ASSERT(!info.bye && !info.xr_voip);
	/* the other side's block is not about us */
	TEST_EQ_INT(gw_rtcp_decode(&info, buf, (size_t)n, 0x999, now), 2);
	TEST_ASSERT(!info.rb);
	/* sent during the previous interval: still SR; then RR */
	n = gw_rtcp_encode(&a, buf, sizeof(buf), now, 0, 0, NULL);
	TEST_EQ_INT(buf[1], GW_RTCP_SR);
	n = gw_rtcp_encode(&a, buf, sizeof(buf), now, 0, 0, NULL);
	TEST_EQ_INT(buf[1], GW_RTCP_RR);
	TEST_EQ_INT(n, 8 + 24 + 4 + 4 + 20);
	TEST_EQ_INT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_B, now), 2);
	TEST_ASSERT(!info.sr);
	TEST_EQ_INT(info.rb_us.cum_lost, 2);
	TEST_EQ_INT(info.rb_us.fraction_lost, 0);
	/* b has received nothing: an RR without blocks */
	n = gw_rtcp_encode(&b, buf, sizeof(buf), now, 0, 0, NULL);
	TEST_EQ_INT(buf[0], 0x80);
	TEST_EQ_INT(buf[1], GW_RTCP_RR);
	TEST_EQ_INT(n, 8 + 4 + 12);
	TEST_EQ_INT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_A, now), 2);
	TEST_EQ_INT(info.blocks, 0);
	TEST_EQ_STR(info.cname, "bob");
	/* no room: -ENOSPC */
	TEST_EQ_INT(gw_rtcp_encode(&b, buf, 19, now, 0, 0, NULL), -ENOSPC);
	return 0;
}

static int rtcp_rtt(void)
{
	static struct gw_rtcp a, b;
	struct gw_rtcp_info info;
	struct gw_rtcp_stats s;
	struct gw_rtcp_voip_metrics vm;
	uint8_t buf[512];
	int n;

	/* a sends SR at T0, b gets it 50 ms later and answers 250 ms after
	 * that; a gets the RR at T0 + 350 ms: RTT 100 ms */
	TEST_EQ_INT(setup(&a, SSRC_A, "a"), 0);
	TEST_EQ_INT(setup(&b, SSRC_B, "b"), 0);
	gw_rtcp_tx_packet(&a, 160);
	feed(&a, SSRC_B, 1, "rrrrr");
	feed(&b, SSRC_A, 1, "rrrrr");
	n = gw_rtcp_encode(&a, buf, sizeof(buf), T0, 0, 0, NULL);
	TEST_EQ_INT(gw_rtcp_rx_rtcp(&b, buf, (size_t)n, ntp_ms(T0, 50),
				    &info), 2);
	TEST_ASSERT(b.have_lsr);
	TEST_EQ_INT(b.lsr, (uint32_t)(T0 >> 16));
	n = gw_rtcp_encode(&b, buf, sizeof(buf), ntp_ms(T0, 300), 0,
			   GW_RTCP_F_XR, NULL);
	TEST_EQ_INT(gw_rtcp_rx_rtcp(&a, buf, (size_t)n, ntp_ms(T0, 350),
				    &info), 3);
	printf("  LSR %08x DLSR %u (%.1f ms) RTT %u/65536 s = %u ms\n",
	       info.rb_us.lsr, info.rb_us.dlsr,
	       info.rb_us.dlsr * 1000.0 / 65536, info.rtt_ntp,
	       gw_rtcp_ntp16_to_ms(info.rtt_ntp));
	TEST_EQ_INT(info.rb_us.lsr, (uint32_t)(T0 >> 16));
	TEST_EQ_INT(info.rb_us.dlsr, 16384); /* 250 ms */
	TEST_ASSERT(info.rtt);
	TEST_NEAR(info.rtt_ntp, 6553.6, 1.0);
	TEST_EQ_INT(gw_rtcp_ntp16_to_ms(info.rtt_ntp), 100);
	gw_rtcp_stats(&a, &s);
	TEST_ASSERT(s.rtt_valid);
	TEST_NEAR(s.rtt_ms, 100, 0.02);
	gw_rtcp_voip_metrics(&a, &vm);
	TEST_EQ_INT(vm.round_trip_delay_ms, 100);
	/* an LSR of 0 means no SR was received: no RTT */
	b.have_lsr = false;
	n = gw_rtcp_encode(&b, buf, sizeof(buf), ntp_ms(T0, 400), 0, 0, NULL);
	TEST_ASSERT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_A,
				   ntp_ms(T0, 500)) > 0);
	TEST_ASSERT(info.rb && !info.rtt);
	return 0;
}

static const uint8_t *dup_buf(const uint8_t *b, size_t n)
{
	static uint8_t *last;

	free(last);
	last = malloc(n ? n : 1);
	if (last && n)
		memcpy(last, b, n);
	return last;
}

/* decode a copy of exactly n bytes, so ASan sees any overrun */
static int dec(const uint8_t *b, size_t n)
{
	struct gw_rtcp_info info;

	return gw_rtcp_decode(&info, dup_buf(b, n), n, SSRC_B, T0);
}

static int rtcp_malformed(void)
{
	static struct gw_rtcp a;
	uint8_t good[512], bad[512];
	size_t bounds[8];
	int n, nb = 0, rejected = 0, accepted = 0;
	uint32_t rnd = 1;

	TEST_EQ_INT(setup(&a, SSRC_A, "alice@gw.example"), 0);
	gw_rtcp_tx_packet(&a, 160);
	feed(&a, SSRC_B, 1000, "rrrrlrrrrrrrrrrrrrrrrrrrrlrr");
	n = gw_rtcp_encode(&a, good, sizeof(good), T0, 0,
			   GW_RTCP_F_XR | GW_RTCP_F_BYE, "hangup");
	TEST_EQ_INT(dec(good, (size_t)n), 4);
	/* packet boundaries */
	for (size_t off = 0; off < (size_t)n;
	     off += 4 * ((size_t)(good[off + 2] << 8 | good[off + 3]) + 1))
		bounds[nb++] = off;
	printf("  compound SR+SDES+XR+BYE: %d bytes, packets at", n);
	for (int i = 0; i < nb; i++)
		printf(" %zu", bounds[i]);
	printf("\n");
	TEST_EQ_INT(nb, 4);
	/* every truncation fails, except at a packet boundary */
	for (size_t len = 0; len < (size_t)n; len++) {
		int rc = dec(good, len), at = 0;

		for (int i = 1; i < nb; i++)
			at |= bounds[i] == len;
		if (at)
			TEST_EQ_INT(rc, (int)(len == bounds[1] ? 1 :
					      len == bounds[2] ? 2 : 3));
		else
			TEST_EQ_INT(rc, -EBADMSG);
	}
#define BAD(what)                                                              \
	do {                                                                   \
		memcpy(bad, good, (size_t)n);                                  \
		what;                                                          \
		TEST_EQ_INT(dec(bad, (size_t)n), -EBADMSG);                    \
	} while (0)
	BAD(bad[0] = 0x41);			  /* version 1 */
	BAD(bad[bounds[1]] ^= 0xc0);		  /* version 1 in SDES */
	BAD(bad[1] = GW_RTCP_SDES);		  /* first not SR/RR */
	BAD(bad[3] += 1);			  /* SR overruns into SDES */
	BAD(bad[bounds[3] + 3] += 1);		  /* BYE overruns the end */
	BAD(bad[bounds[1]] |= 0x20);		  /* padding in SDES */
	BAD(bad[0] |= 0x20);			  /* padding in the first */
	BAD(bad[0] = 0x82);			  /* 2 blocks, room for 1 */
	BAD(bad[bounds[1] + 9] = 200);		  /* CNAME overruns */
	BAD(bad[bounds[2] + 10] = 0; bad[bounds[2] + 11] = 7); /* XR BT 7 */
	BAD(bad[bounds[2] + 11] = 20);		  /* XR block overruns */
	BAD(bad[bounds[3]] = 0x82);		  /* BYE: 2 SSRCs */
	BAD(bad[bounds[3] + 8] = 10);		  /* BYE reason overruns */
	BAD(bad[bounds[3]] |= 0x20; bad[n - 1] = 0); /* padding count 0 */
	BAD(bad[bounds[3]] |= 0x20; bad[n - 1] = 17); /* > the packet */
	TEST_EQ_INT(dec(good, (size_t)n - 2), -EBADMSG); /* not 32-bit */
	/* padding in the last packet is fine */
	memcpy(bad, good, (size_t)n);
	bad[bounds[3]] |= 0x20;
	bad[n - 1] = 1; /* the reason's own pad byte */
	TEST_EQ_INT(dec(bad, (size_t)n), 4);
	/* trailing bytes that are not a packet */
	memcpy(bad, good, (size_t)n);
	memset(bad + n, 0, 4);
	TEST_EQ_INT(dec(bad, (size_t)n + 4), -EBADMSG);
	bad[n] = 0x80;
	bad[n + 1] = 204;
	bad[n + 3] = 5; /* APP claiming 24 bytes */
	TEST_EQ_INT(dec(bad, (size_t)n + 4), -EBADMSG);
	bad[n + 3] = 0; /* an empty APP: a valid extra packet */
	TEST_EQ_INT(dec(bad, (size_t)n + 4), 5);
	/* random corruption never crashes nor reads out of bounds */
	for (int i = 0; i < 20000; i++) {
		int rc;

		memcpy(bad, good, (size_t)n);
		for (int k = 0; k < 1 + i % 4; k++) {
			rnd = rnd * 1103515245u + 12345u;
			bad[(rnd >> 8) % (unsigned)n] = (uint8_t)(rnd >> 24);
		}
		rc = dec(bad, (size_t)n - 4 * (i % 3 == 0));
		if (rc < 0) {
			TEST_EQ_INT(rc, -EBADMSG);
			rejected++;
		} else {
			accepted++;
		}
	}
	printf("  20000 corrupted copies: %d rejected, %d accepted\n",
	       rejected, accepted);
	dup_buf(NULL, 0);
	return 0;
}

#define SAME(f) TEST_EQ_INT(got->f, want->f)

static int same_vm(const struct gw_rtcp_voip_metrics *got,
		   const struct gw_rtcp_voip_metrics *want)
{
	SAME(ssrc); SAME(loss_rate); SAME(discard_rate); SAME(burst_density);
	SAME(gap_density); SAME(burst_duration_ms); SAME(gap_duration_ms);
	SAME(round_trip_delay_ms); SAME(end_system_delay_ms);
	SAME(signal_level); SAME(noise_level); SAME(rerl); SAME(gmin);
	SAME(r_factor); SAME(ext_r_factor); SAME(mos_lq); SAME(mos_cq);
	SAME(rx_config); SAME(jb_nominal_ms); SAME(jb_maximum_ms);
	SAME(jb_abs_max_ms);
	return 0;
}

static int rtcp_xr_roundtrip(void)
{
	static struct gw_rtcp a;
	struct gw_rtcp_voip_metrics want, got;
	struct gw_rtcp_info info;
	uint8_t buf[512];
	int n;

	/* the block alone, every field */
	want = (struct gw_rtcp_voip_metrics){
		.ssrc = 0xdeadbeef, .loss_rate = 12, .discard_rate = 3,
		.burst_density = 200, .gap_density = 5,
		.burst_duration_ms = 60, .gap_duration_ms = 4321,
		.round_trip_delay_ms = 180, .end_system_delay_ms = 45,
		.signal_level = -20, .noise_level = -65, .rerl = 40,
		.gmin = 16, .r_factor = 84, .ext_r_factor = 127,
		.mos_lq = 42, .mos_cq = 41, .rx_config = 0xb0,
		.jb_nominal_ms = 40, .jb_maximum_ms = 120,
		.jb_abs_max_ms = 500 };
	TEST_EQ_INT(gw_rtcp_voip_encode(buf, sizeof(buf), &want), 36);
	TEST_EQ_INT(buf[0], 7);
	TEST_EQ_INT(buf[3], 8);
	TEST_EQ_INT(buf[20], 0xec); /* -20 */
	TEST_EQ_INT(gw_rtcp_voip_decode(&got, buf, 36), 0);
	TEST_EQ_INT(same_vm(&got, &want), 0);
	TEST_EQ_INT(gw_rtcp_voip_decode(&got, buf, 35), -EBADMSG);

	/* from the state, through a compound packet */
	TEST_EQ_INT(setup(&a, SSRC_A, "a"), 0);
	gw_rtcp_set_levels(&a, -20, -65, 40);
	gw_rtcp_set_jb(&a, true, true, 40, 120, 500);
	gw_rtcp_set_end_system_delay(&a, 45);
	feed(&a, SSRC_B, 1, "rrrrrrrrrrrrrrrrrrrrrllrlrrrrrrrrrrrdrrrrrrrrrrrr"
			    "rrrrrrrrrrrrrrrrrrlrrrrrrrrrrrrrrrrrrrrrrrrrr");
	gw_rtcp_voip_metrics(&a, &want);
	n = gw_rtcp_encode(&a, buf, sizeof(buf), T0, 0, GW_RTCP_F_XR, NULL);
	TEST_EQ_INT(gw_rtcp_decode(&info, buf, (size_t)n, SSRC_B, T0), 3);
	TEST_ASSERT(info.xr_voip);
	got = info.xr;
	printf("  XR: loss %u/256 discard %u/256 burst %u/256 %u ms gap "
	       "%u/256 %u ms rtd %u esd %u sig %d noise %d rerl %u gmin %u "
	       "R %u MOS-LQ %u MOS-CQ %u rxc %02x jb %u/%u/%u\n",
	       got.loss_rate, got.discard_rate, got.burst_density,
	       got.burst_duration_ms, got.gap_density, got.gap_duration_ms,
	       got.round_trip_delay_ms, got.end_system_delay_ms,
	       got.signal_level, got.noise_level, got.rerl, got.gmin,
	       got.r_factor, got.mos_lq, got.mos_cq, got.rx_config,
	       got.jb_nominal_ms, got.jb_maximum_ms, got.jb_abs_max_ms);
	TEST_EQ_INT(same_vm(&got, &want), 0);
	TEST_EQ_INT(got.ssrc, SSRC_B);
	TEST_EQ_INT(got.loss_rate, 4 * 256 / 94);
	TEST_EQ_INT(got.discard_rate, 256 / 94);
	TEST_EQ_INT(got.signal_level, -20);
	TEST_EQ_INT(got.rx_config, 0xb0);
	TEST_EQ_INT(got.gmin, 16);
	TEST_EQ_INT(got.ext_r_factor, 127);
	/* 5 of 94 packets gone (4 lost + 1 discarded): R < 93 */
	TEST_ASSERT(got.r_factor < 93 && got.r_factor > 70);
	TEST_ASSERT(got.mos_lq >= got.mos_cq);
	/* not about us: ignored */
	TEST_EQ_INT(gw_rtcp_decode(&info, buf, (size_t)n, 0x999, T0), 3);
	TEST_ASSERT(!info.xr_voip);
	return 0;
}

static int rtcp_bye(void)
{
	static struct gw_rtcp a, b;
	struct gw_rtcp_info info;
	uint8_t buf[512];
	int n;

	TEST_EQ_INT(setup(&a, SSRC_A, "a"), 0);
	TEST_EQ_INT(setup(&b, SSRC_B, "b"), 0);
	feed(&b, SSRC_A, 1, "rrrr");
	n = gw_rtcp_encode(&a, buf, sizeof(buf), T0, 0, GW_RTCP_F_BYE,
			   "call ended");
	TEST_EQ_INT(n, 8 + 12 + 8 + 12);
	TEST_EQ_INT(gw_rtcp_rx_rtcp(&b, buf, (size_t)n, T0, &info), 3);
	printf("  BYE: %u SSRC(s), first %08x; remote_bye=%d\n",
	       info.bye_count, info.bye_ssrc[0], b.remote_bye);
	TEST_ASSERT(info.bye);
	TEST_EQ_INT(info.bye_count, 1);
	TEST_EQ_INT(info.bye_ssrc[0], SSRC_A);
	TEST_ASSERT(b.remote_bye);
	/* a BYE of some other SSRC does not end our source */
	TEST_EQ_INT(setup(&b, SSRC_B, "b"), 0);
	feed(&b, 0x4444, 1, "rrrr");
	TEST_EQ_INT(gw_rtcp_rx_rtcp(&b, buf, (size_t)n, T0, &info), 3);
	TEST_ASSERT(!b.remote_bye);
	return 0;
}

static int emodel(enum gw_rtcp_codec c, double loss, double br, double d,
		  double *r, double *mos)
{
	int rc = gw_rtcp_mos(c, loss, br, d, r, mos);

	printf("  codec %d loss %4.1f%% BurstR %.1f delay %3.0f ms: "
	       "R %6.2f MOS %.3f\n", c, loss, br, d, *r, *mos);
	return rc;
}

static int rtcp_emodel(void)
{
	double r, mos;

	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G711, 0, 1, 0, &r, &mos), 0);
	TEST_NEAR(r, 93.2, 1e-9);
	TEST_NEAR(mos, 4.41, 0.005);
	/* Ie,eff = 95 * 2 / (2 + 25.1) = 7.011 */
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G711, 2, 1, 0, &r, &mos), 0);
	TEST_NEAR(r, 93.2 - 95.0 * 2 / 27.1, 1e-6);
	TEST_NEAR(mos, 4.235, 0.002);
	/* bursty: 95 * 2 / (1 + 25.1) */
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G711, 2, 2, 0, &r, &mos), 0);
	TEST_NEAR(r, 93.2 - 95.0 * 2 / 26.1, 1e-6);
	/* no PLC: 95 * 2 / (2 + 4.3) = 30.16 */
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G711_NOPLC, 2, 1, 0, &r, &mos), 0);
	TEST_NEAR(r, 93.2 - 95.0 * 2 / 6.3, 1e-6);
	/* G.729: 11 + 84 * 1 / (1 + 19) = 15.2 */
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G729, 0, 1, 0, &r, &mos), 0);
	TEST_NEAR(r, 82.2, 1e-6);
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G729, 1, 1, 0, &r, &mos), 0);
	TEST_NEAR(r, 78.0, 1e-6);
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G722, 1, 1, 0, &r, &mos), 0);
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_OPUS, 1, 1, 0, &r, &mos), 0);
	/*
	 * Delay, G.107 defaults (TELR 65 dB, T = Ta): Id = Idte + Idd,
	 * worked by hand: 100 ms 1.96 + 0; 150 ms 2.81 + 0.16;
	 * 400 ms 5.81 + 24.04.
	 */
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G711, 0, 1, 100, &r, &mos), 0);
	TEST_NEAR(93.2 - r, 1.96, 0.05);
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G711, 0, 1, 150, &r, &mos), 0);
	TEST_NEAR(93.2 - r, 2.97, 0.05);
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G711, 0, 1, 400, &r, &mos), 0);
	TEST_NEAR(93.2 - r, 29.85, 0.1);
	TEST_EQ_INT(emodel(GW_RTCP_CODEC_G711, 5, 1, 200, &r, &mos), 0);
	/* Annex B end points */
	TEST_NEAR(gw_rtcp_mos_of_r(0), 1, 1e-9);
	TEST_NEAR(gw_rtcp_mos_of_r(100), 4.5, 1e-9);
	TEST_NEAR(gw_rtcp_mos_of_r(50), 1 + 1.75 + 50 * -10 * 50 * 7e-6, 1e-9);
	TEST_EQ_INT(gw_rtcp_mos(GW_RTCP_CODEC_COUNT, 0, 1, 0, &r, &mos),
		    -EINVAL);
	TEST_EQ_INT(gw_rtcp_mos(GW_RTCP_CODEC_G711, -1, 1, 0, &r, &mos),
		    -EINVAL);
	TEST_EQ_INT(gw_rtcp_mos(GW_RTCP_CODEC_G711, 1, 0, 0, &r, &mos),
		    -EINVAL);
	return 0;
}

static int rtcp_burst_gap(void)
{
	static struct gw_rtcp st;
	struct gw_rtcp_voip_metrics vm;
	struct gw_rtcp_stats s;
	char pat[512];
	int k = 0;

	/*
	 * 50 received, lll rr l (a burst), 100 received, l, 100 received.
	 * RFC 3611 A.2 by hand: c11 150, c13 2, c14 0, c22 1, c23 1, c33 2;
	 * c31 2, c32 1, ctotal 159; p32 = 1/5, p23 = 1/2: burst density
	 * 256 * 0.5 / 0.7 = 182; gap density 0; gap (150 + 0 + 2) * 20 / 2
	 * = 1520 ms; burst 159 * 20 / 2 - 1520 = 70 ms.
	 */
	memset(pat, 'r', 50);
	k = 50;
	k += sprintf(pat + k, "lllrrl");
	memset(pat + k, 'r', 100);
	k += 100;
	pat[k++] = 'l';
	memset(pat + k, 'r', 100);
	k += 100;
	pat[k] = '\0';
	TEST_EQ_INT(setup(&st, SSRC_A, "a"), 0);
	feed(&st, SSRC_B, 1, pat);
	gw_rtcp_voip_metrics(&st, &vm);
	gw_rtcp_stats(&st, &s);
	printf("  burst pattern: loss %u/256 burst %u/256 %u ms gap %u/256 "
	       "%u ms, BurstR %.3f, R %.1f MOS-LQ %.2f\n", vm.loss_rate,
	       vm.burst_density, vm.burst_duration_ms, vm.gap_density,
	       vm.gap_duration_ms, s.burst_ratio, s.r, s.mos_lq);
	TEST_EQ_INT(vm.burst_density, 182);
	TEST_EQ_INT(vm.gap_density, 0);
	TEST_EQ_INT(vm.burst_duration_ms, 70);
	TEST_EQ_INT(vm.gap_duration_ms, 1520);
	TEST_EQ_INT(vm.loss_rate, 5 * 256 / 257);
	/* Gilbert: p = 3/251 (found->lost), q = 3/5 (lost->found) */
	TEST_NEAR(s.burst_ratio, 1 / (3.0 / 251 + 3.0 / 5), 1e-9);

	/*
	 * Isolated losses every 101st packet (the second one a discard),
	 * then 20 more: c11 300, c13 1, c14 2: burst density 255 (the first
	 * loss is a 1-packet burst), gap density 256 * 2 / 302 = 1, gap
	 * (300 + 2 + 1) * 20 = 6060 ms, burst 304 * 20 - 6060 = 20 ms.
	 */
	k = 0;
	for (int i = 0; i < 3; i++) {
		memset(pat + k, 'r', 100);
		k += 100;
		pat[k++] = i == 1 ? 'd' : 'l';
	}
	memset(pat + k, 'r', 20);
	pat[k + 20] = '\0';
	TEST_EQ_INT(setup(&st, SSRC_A, "a"), 0);
	feed(&st, SSRC_B, 65400, pat); /* across the wrap, too */
	gw_rtcp_voip_metrics(&st, &vm);
	gw_rtcp_stats(&st, &s);
	printf("  isolated: loss %u/256 discard %u/256 burst %u/256 %u ms "
	       "gap %u/256 %u ms, BurstR %.3f\n", vm.loss_rate,
	       vm.discard_rate, vm.burst_density, vm.burst_duration_ms,
	       vm.gap_density, vm.gap_duration_ms, s.burst_ratio);
	TEST_EQ_INT(vm.burst_density, 255);
	TEST_EQ_INT(vm.gap_density, 1);
	TEST_EQ_INT(vm.gap_duration_ms, 6060);
	TEST_EQ_INT(vm.burst_duration_ms, 20);
	TEST_EQ_INT(vm.loss_rate, 2 * 256 / 323);
	TEST_EQ_INT(vm.discard_rate, 256 / 323);
	TEST_EQ_INT(st.discarded, 1);
	TEST_EQ_INT(st.cycles, 65536);
	/* Gilbert: p = 3/319, q = 3/3 */
	TEST_NEAR(s.burst_ratio, 1 / (3.0 / 319 + 1), 1e-9);
	return 0;
}

static int rtcp_interval(void)
{
	static struct gw_rtcp st;
	uint32_t lo = gw_rtcp_interval_ms(2, 2, 500, true, 100, false, 0);
	uint32_t hi = gw_rtcp_interval_ms(2, 2, 500, true, 100, false,
					  0xffffffffu);
	uint32_t first = gw_rtcp_interval_ms(2, 2, 500, true, 100, true,
					     0x80000000u);
	uint32_t big = gw_rtcp_interval_ms(1000, 1, 500, false, 100, false,
					   0x80000000u);
	uint64_t t;
	int reports = 0;

	printf("  2 members: %u..%u ms, first %u ms; 1000 members, "
	       "receiver: %u ms\n", lo, hi, first, big);
	TEST_EQ_INT(lo, 2052);	 /* 5 * 0.5 / (e - 1.5) */
	TEST_EQ_INT(hi, 6156);	 /* 5 * 1.5 / (e - 1.5) */
	TEST_EQ_INT(first, 2052); /* 2.5 * 1.0 / (e - 1.5) */
	/* 100 * 999 / (500 * 0.75) = 266.4 s, / (e - 1.5) */
	TEST_NEAR(big, 266400 / 1.21828, 2);
	/* scheduling: about 60 s / 4.1 s reports in a minute */
	TEST_EQ_INT(setup(&st, SSRC_A, "a"), 0);
	for (t = 0; t < 60000; t += 20) {
		if (gw_rtcp_due(&st, t, (uint32_t)(t * 2654435761u))) {
			uint8_t buf[256];

			reports++;
			TEST_ASSERT(gw_rtcp_encode(&st, buf, sizeof(buf), T0,
						   0, 0, NULL) > 0);
		}
	}
	printf("  reports in 60 s: %d\n", reports);
	TEST_ASSERT(reports >= 10 && reports <= 20);
	return 0;
}

/* random arrivals: the window invariant holds and reports decode */
static int rtcp_rx_stress(void)
{
	static struct gw_rtcp a;
	struct gw_rtcp_info info;
	uint8_t buf[512];
	uint32_t rnd = 7;
	uint16_t seq = 0;
	int restarts = 0;

	TEST_EQ_INT(setup(&a, SSRC_A, "a"), 0);
	for (int i = 0; i < 200000; i++) {
		uint32_t ssrc = SSRC_B;
		uint16_t q;

		rnd = rnd * 1103515245u + 12345u;
		switch (rnd >> 28) {
		case 0: /* a jump anywhere */
			q = (uint16_t)(rnd >> 8);
			break;
		case 1: /* late */
			q = (uint16_t)(seq - (rnd >> 8) % 200);
			break;
		case 2: /* a burst of loss */
			seq = (uint16_t)(seq + (rnd >> 8) % 100);
			q = seq;
			break;
		case 3: /* another source now and then */
			ssrc = rnd >> 8 & 1 ? 0x55 : SSRC_B;
			q = ++seq;
			break;
		default:
			q = ++seq;
			break;
		}
		if (gw_rtcp_rx_packet(&a, ssrc, q, rnd, rnd >> 3) ==
		    GW_RTCP_RX_RESTART)
			restarts++;
		if ((rnd & 0xff) < 8)
			gw_rtcp_rx_discard(&a, (uint16_t)(q - (rnd >> 8 & 7)));
		if (a.src_valid) {
			TEST_ASSERT((int32_t)(a.win_top - a.commit_next) >= -1);
			TEST_ASSERT((int32_t)(a.win_top - a.commit_next) < 64);
		}
		if (i % 5000 == 0) {
			int n = gw_rtcp_encode(&a, buf, sizeof(buf), T0, 0,
					       GW_RTCP_F_XR, NULL);

			TEST_ASSERT(n > 0);
			TEST_EQ_INT(gw_rtcp_decode(&info, buf, (size_t)n,
						   a.src_ssrc, T0),
				    a.src_valid ? 3 : 2);
		}
	}
	printf("  200000 random arrivals: %d restarts, %u SSRC changes, "
	       "%u resyncs, %u dups\n", restarts, a.ssrc_changes, a.resyncs,
	       a.dup_packets);
	return 0;
}

const struct gw_test_case gw_test_cases_rtcp[] = {
	{ "rtcp_seq_wrap", rtcp_seq_wrap },
	{ "rtcp_reorder_dup", rtcp_reorder_dup },
	{ "rtcp_dropout_misorder", rtcp_dropout_misorder },
	{ "rtcp_ssrc_change", rtcp_ssrc_change },
	{ "rtcp_loss_fraction", rtcp_loss_fraction },
	{ "rtcp_jitter", rtcp_jitter },
	{ "rtcp_sr_rr_roundtrip", rtcp_sr_rr_roundtrip },
	{ "rtcp_rtt", rtcp_rtt },
	{ "rtcp_malformed", rtcp_malformed },
	{ "rtcp_xr_roundtrip", rtcp_xr_roundtrip },
	{ "rtcp_bye", rtcp_bye },
	{ "rtcp_emodel", rtcp_emodel },
	{ "rtcp_burst_gap", rtcp_burst_gap },
	{ "rtcp_interval", rtcp_interval },
	{ "rtcp_rx_stress", rtcp_rx_stress },
	{ NULL, NULL },
};
