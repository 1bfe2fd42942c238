// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_jbuf: the jitter buffer (gateway/jbuf) under the impairment shim
 * (tests/netimpair), in simulated time: each 20 ms tick delivers the
 * packets that arrived by then, then reads one card frame.
 *
 * The signal is a 1 kHz tone (8000 peak) plus a ±8 dither keyed by the
 * timestamp, so every sample says which timestamp it belongs to. A frame
 * is "checked" when it came wholly from packets, no time-scale step ran in
 * it and the previous frame was not concealed (the PLC cross-fades the
 * first samples after a loss): it must then equal the signal at the play
 * pointer sample for sample, and the play pointer must have moved by
 * exactly one frame since a checked frame before it (nothing skipped or
 * played twice). Every frame's tone SNR (Goertzel share of 1 kHz) gives
 * the output quality, concealed and stepped frames included.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dsp/plc.h"
#include "gateway/jbuf.h"
#include "tests/netimpair.h"
#include "tests/test.h"
#include "tests/testsig.h"

#define FRAME 160
#define RATE  8000

static struct gw_jbuf jb;
static struct gw_netimpair ni;

static int16_t sig(uint32_t ts)
{
	static const int16_t tone[8] = { 0,     5657,  8000,  5657,
					 0,     -5657, -8000, -5657 };
	uint32_t h = ts * 2654435761u;

	return (int16_t)(tone[ts & 7] + (int)(h >> 28) - 8);
}

/* The tone gated 200 ms on, 200 ms off (dither only in the gaps). */
static bool gated;

static int16_t signal_at(uint32_t ts)
{
	if (gated && (ts / 1600) & 1)
		return (int16_t)((int)((ts * 2654435761u) >> 28) - 8);
	return sig(ts);
}

struct run {
	const char *name;
	struct gw_jbuf_cfg jb;
	struct gw_netimpair_cfg net;
	double seconds;
	double settle; /* seconds before the figures count */
	uint32_t ts0;
	/* optional: net0 until pre_s, then net */
	double pre_s;
	struct gw_netimpair_cfg net0;
	/* optional: new network figures from change_s on */
	double change_s;
	struct gw_netimpair_cfg net2;
	/* optional: new SSRC and timestamp base from packet ssrc_at on */
	uint64_t ssrc_at;
	uint32_t ts0b;
	/* figures, over [settle, seconds) (phase 1 only when change_s) */
	double late_pct, conc_pct, delay_mean, delay_max, delay_min;
	double snr_mean, clean_pct, checked_pct;
	double end_delay; /* mean over the last 2 s */
	double end_target;
	int mismatches, steps;
	struct gw_jbuf_stats mid; /* at the end of the measured span */
	struct gw_jbuf_stats st;  /* at the end */
};

static double frame_snr(const int16_t *x)
{
	double s = gw_testsig_tone_share(x, FRAME, 1000);

	if (s >= 1 - 1e-6)
		return 60;
	if (s <= 0)
		return -60;
	return 10 * log10(s / (1 - s));
}

static double frame_rms(const int16_t *x)
{
	double e = 0;

	for (int i = 0; i < FRAME; i++)
		e += (double)x[i] * x[i];
	return sqrt(e / FRAME);
}

static int simulate(struct run *r)
{
	static struct gw_plc *plc;
	struct gw_netimpair_pkt p;
	struct gw_jbuf_stats a, b, s0;
	int16_t pkt[FRAME], out[FRAME];
	long frames = (long)(r->seconds * RATE / FRAME);
	long settle = (long)(r->settle * RATE / FRAME);
	long change = r->change_s > 0 ? (long)(r->change_s * RATE / FRAME) : -1;
	long stop = change > 0 ? change : frames;
	long n_meas = 0, n_clean = 0, n_quiet = 0, n_checked = 0, n_end = 0;
	uint64_t sent0 = 0, sent1 = 0;
	double dsum = 0, snr_sum = 0, end_sum = 0;
	bool prev_full = false, prev_checked = false;
	uint32_t prev_ts = 0;
	int rc;

	if (!plc && gw_plc_alloc(&plc) < 0)
		return -ENOMEM;
	rc = gw_jbuf_init_cfg(&jb, &r->jb, plc);
	if (rc < 0)
		return rc;
	rc = gw_netimpair_init(&ni, r->pre_s > 0 ? &r->net0 : &r->net);
	if (rc < 0)
		return rc;
	r->mismatches = 0;
	r->delay_max = -1e9;
	r->delay_min = 1e9;
	memset(&s0, 0, sizeof(s0));
	for (long k = 0; k < frames; k++) {
		double now = (double)k * FRAME;
		int got;

		if (r->pre_s > 0 && k == (long)(r->pre_s * RATE / FRAME))
			gw_netimpair_set(&ni, &r->net);
		if (k == change)
			gw_netimpair_set(&ni, &r->net2);
		while (gw_netimpair_next(&ni, now, &p)) {
			uint32_t ssrc = 0x1234, ts;

			ts = r->ts0 + (uint32_t)(p.index * FRAME);
			if (r->ssrc_at && p.index >= r->ssrc_at) {
				ssrc = 0xbeef;
				ts = r->ts0b +
				     (uint32_t)((p.index - r->ssrc_at) * FRAME);
			}
			for (int i = 0; i < FRAME; i++)
				pkt[i] = signal_at(ts + (uint32_t)i);
			gw_jbuf_put(&jb, ssrc, ts, pkt, FRAME);
		}
		if (k == settle) {
			gw_jbuf_stats(&jb, &s0);
			sent0 = ni.sent;
		}
		gw_jbuf_stats(&jb, &a);
		got = gw_jbuf_get(&jb, out, FRAME);
		gw_jbuf_stats(&jb, &b);

		bool stepped = a.added != b.added || a.dropped != b.dropped;
		bool checked = got == FRAME && !stepped && prev_full;

		if (checked) {
			for (int i = 0; i < FRAME; i++)
				if (out[i] !=
				    signal_at(a.play_ts + (uint32_t)i)) {
					if (r->mismatches++ < 3)
						printf("  %s: frame %ld sample "
						       "%d: %d, expected %d "
						       "(ts %u)\n",
						       r->name, k, i, out[i],
						       signal_at(a.play_ts +
								 (uint32_t)i),
						       a.play_ts + (uint32_t)i);
					break;
				}
			if (prev_checked && a.play_ts != prev_ts + FRAME) {
				if (r->mismatches++ < 3)
					printf("  %s: frame %ld: play pointer "
					       "%u after %u\n",
					       r->name, k, a.play_ts, prev_ts);
			}
			prev_ts = a.play_ts;
		}
		prev_checked = checked;
		prev_full = got == FRAME;
		if (stepped)
			r->steps++;
		if (k >= settle && k < stop) {
			double snr = frame_snr(out);
			bool quiet = false;

			if (gated) {
				/* gaps and the on/off edges: no tone to rate */
				int16_t ref[FRAME];

				for (int i = 0; i < FRAME; i++)
					ref[i] = signal_at(b.play_ts - FRAME +
							   (uint32_t)i);
				quiet = frame_rms(out) < 100 ||
					gw_testsig_tone_share(ref, FRAME,
							      1000) < 0.99;
			}

			n_meas++;
			dsum += b.delay_ms;
			if (b.delay_ms > r->delay_max)
				r->delay_max = b.delay_ms;
			if (b.delay_ms < r->delay_min)
				r->delay_min = b.delay_ms;
			if (quiet) {
				n_quiet++;
			} else {
				snr_sum += snr;
				n_clean += snr >= 30;
			}
			n_checked += checked;
			if (k == stop - 1) {
				r->mid = b;
				sent1 = ni.sent;
			}
		}
		if (k >= frames - 2 * RATE / FRAME) {
			end_sum += b.delay_ms;
			n_end++;
		}
	}
	gw_jbuf_stats(&jb, &b);
	r->end_delay = end_sum / (double)n_end;
	r->end_target = b.target_ms;
	if (!n_meas)
		return -EINVAL;
	r->late_pct =
	    100.0 * (double)(r->mid.late - s0.late) / (double)(sent1 - sent0);
	r->conc_pct = 100.0 * (double)(r->mid.concealed - s0.concealed) /
		      (double)(n_meas * FRAME);
	r->delay_mean = dsum / (double)n_meas;
	r->snr_mean = snr_sum / (double)(n_meas - n_quiet);
	r->clean_pct = 100.0 * (double)n_clean / (double)(n_meas - n_quiet);
	r->checked_pct = 100.0 * (double)n_checked / (double)n_meas;
	r->st = b;
	printf(
	    "  %s: late %.2f%% concealed %.2f%% delay mean %.1f min %.1f max "
	    "%.1f ms"
	    " target %.1f jitter %.1f | end: delay %.1f\n"
	    "    steps %d added %llu dropped %llu skew %.1f ppm | snr %.1f dB"
	    " >=30dB %.1f%% checked %.1f%% mismatches %d | rx %llu late %llu"
	    " dup %llu resyncs %llu (net: sent %llu lost %llu dup %llu held "
	    "%llu)\n",
	    r->name, r->late_pct, r->conc_pct, r->delay_mean, r->delay_min,
	    r->delay_max, r->mid.target_ms, r->mid.jitter_ms, r->end_delay,
	    r->steps, (unsigned long long)b.added,
	    (unsigned long long)b.dropped, b.skew_ppm, r->snr_mean,
	    r->clean_pct, r->checked_pct, r->mismatches,
	    (unsigned long long)b.received, (unsigned long long)b.late,
	    (unsigned long long)b.duplicates, (unsigned long long)b.resyncs,
	    (unsigned long long)ni.sent, (unsigned long long)ni.lost,
	    (unsigned long long)ni.dups, (unsigned long long)ni.held);
	return 0;
}

static void adaptive(struct gw_jbuf_cfg *c)
{
	gw_jbuf_cfg_default(c);
}

static void fixed(struct gw_jbuf_cfg *c, uint32_t ms)
{
	gw_jbuf_cfg_default(c);
	c->mode = GW_JBUF_FIXED;
	c->delay_ms = ms;
}

static void net(struct gw_netimpair_cfg *n, uint32_t seed)
{
	memset(n, 0, sizeof(*n));
	n->seed = seed;
	n->ptime = FRAME;
	n->base_ms = 5;
	n->burst = 1;
}

static int loss(const char *name, double rate, double burst, uint32_t seed)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = name;
	adaptive(&r.jb);
	net(&r.net, seed);
	r.net.loss = rate;
	r.net.burst = burst;
	r.net.jitter_ms = 2;
	r.seconds = 120;
	r.settle = 2;
	r.ts0 = 12345;
	TEST_EQ_INT(simulate(&r), 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_EQ_INT(r.st.late, 0);
	TEST_EQ_INT(r.st.resyncs, 0);
	/* concealed share close to the loss rate */
	TEST_NEAR(r.conc_pct, rate * 100, rate * 100 * 0.3);
	/* most frames clean and checked; delay at the minimum */
	TEST_ASSERT(r.checked_pct > 100 - rate * 100 * (2 + burst) - 1);
	TEST_ASSERT(r.delay_max <= 30);
	TEST_ASSERT(r.snr_mean > 30);
	return 0;
}

static int loss_1pct(void)
{
	return loss("1% random", 0.01, 1, 11);
}

static int loss_5pct(void)
{
	int rc = loss("5% random", 0.05, 1, 12);

	return rc ? rc : loss("5% bursts of 3", 0.05, 3, 13);
}

/*
 * Adaptive under jitter: 2 ms for 10 s (the delay settles at the minimum),
 * then jitter_ms for 40 s, then 2 ms for 40 s. Late loss from 5 s after
 * the jitter starts below 1 %, delay within max, and back near the
 * minimum at the end.
 */
static int jitter(const char *name, double ms, bool exp, uint32_t seed)
{
	static struct run r;
	uint64_t late_all;

	memset(&r, 0, sizeof(r));
	r.name = name;
	adaptive(&r.jb);
	net(&r.net0, seed);
	r.net0.jitter_ms = 2;
	r.pre_s = 10;
	r.net = r.net0;
	r.net.jitter_ms = ms;
	r.net.jitter_exp = exp;
	r.seconds = 90;
	r.settle = 15;
	r.change_s = 50;
	r.net2 = r.net0;
	r.ts0 = 777;
	TEST_EQ_INT(simulate(&r), 0);
	late_all = r.st.late;
	printf("  %s: late in all %llu packets (adapting to the step)\n", name,
	       (unsigned long long)late_all);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_ASSERT(r.late_pct < 1);
	TEST_ASSERT(r.delay_max <= GW_JBUF_DEFAULT_MAX_MS + 1);
	/* the delay covered the jitter, then shrank back */
	TEST_ASSERT(r.delay_mean >= ms * (exp ? 0.5 : 0.8));
	TEST_ASSERT(r.end_delay <= GW_JBUF_DEFAULT_MIN_MS + 6);
	TEST_ASSERT(r.snr_mean > 30);
	return 0;
}

/*
 * The same with a tone gated 200 ms on / off: the delay changes mostly
 * in the gaps (half a frame per frame), so it follows faster.
 */
static int silence_steps(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = "gated tone, 2 -> 50 -> 2 ms";
	adaptive(&r.jb);
	net(&r.net0, 91);
	r.net0.jitter_ms = 2;
	r.pre_s = 10;
	r.net = r.net0;
	r.net.jitter_ms = 50;
	r.seconds = 60;
	r.settle = 12;
	r.change_s = 40;
	r.net2 = r.net0;
	gated = true;
	int rc = simulate(&r);

	gated = false;
	TEST_EQ_INT(rc, 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_ASSERT(r.late_pct < 1);
	TEST_ASSERT(r.end_delay <= GW_JBUF_DEFAULT_MIN_MS + 6);
	TEST_ASSERT(r.snr_mean > 30);
	/* steps of more than a pitch period happened: in the gaps */
	TEST_ASSERT(r.steps > 0);
	TEST_ASSERT(r.st.added + r.st.dropped > 0);
	return 0;
}

/*
 * The LAN setting (jitter_min_ms = 0, start 20 ms) at zero network
 * jitter: the buffer falls to the jitter plus the margin, a few ms: with
 * the card's period, RTP -> card stays within ptime + 5 ms.
 */
static int zero_jitter(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = "min 0, start 20 ms, no jitter";
	adaptive(&r.jb);
	r.jb.min_ms = 0;
	r.jb.delay_ms = 20;
	net(&r.net, 5);
	r.net.jitter_ms = 0;
	r.net.loss = 0;
	r.seconds = 30;
	r.settle = 15;
	TEST_EQ_INT(simulate(&r), 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_EQ_INT(r.st.late, 0);
	TEST_EQ_INT(r.st.concealed, 0);
	TEST_ASSERT(r.delay_max <= 5);
	TEST_ASSERT(r.end_delay <= 5);
	TEST_ASSERT(r.snr_mean > 30);
	return 0;
}

static int jitter_20(void)
{
	return jitter("20 ms uniform", 20, false, 21);
}

static int jitter_50(void)
{
	int rc = jitter("50 ms uniform", 50, false, 22);

	return rc ? rc : jitter("50 ms exponential", 50, true, 23);
}

static int fixed_60(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = "fixed 60 ms, 20 ms jitter";
	fixed(&r.jb, 60);
	net(&r.net, 31);
	r.net.jitter_ms = 20;
	r.seconds = 60;
	r.settle = 2;
	TEST_EQ_INT(simulate(&r), 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_EQ_INT(r.st.late, 0);
	TEST_EQ_INT(r.st.concealed, 0);
	TEST_NEAR(r.delay_mean, 62, 5);
	TEST_ASSERT(r.delay_max <= 78);
	TEST_NEAR(r.st.target_ms, 60, 0.01);
	TEST_ASSERT(r.checked_pct > 95);
	return 0;
}

static int reorder(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = "10% held past the next";
	adaptive(&r.jb);
	net(&r.net, 41);
	r.net.jitter_ms = 2;
	r.net.reorder = 0.1;
	r.seconds = 60;
	r.settle = 3;
	TEST_EQ_INT(simulate(&r), 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_ASSERT(r.late_pct < 1);
	TEST_ASSERT(r.conc_pct < 1);
	TEST_ASSERT(r.checked_pct > 95);
	TEST_ASSERT(r.delay_max < 40);
	return 0;
}

static int duplicates(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = "10% duplicated";
	adaptive(&r.jb);
	net(&r.net, 51);
	r.net.dup = 0.1;
	r.seconds = 60;
	r.settle = 1;
	TEST_EQ_INT(simulate(&r), 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_ASSERT(ni.dups > 200);
	TEST_EQ_INT(r.st.duplicates, ni.dups);
	TEST_EQ_INT(r.st.late, 0);
	TEST_EQ_INT(r.st.concealed, 0);
	TEST_EQ_INT(r.st.received, ni.sent + ni.dups - (uint64_t)ni.n);
	/* every sample played once: played + dropped + still buffered */
	TEST_ASSERT(r.checked_pct > 99);
	return 0;
}

/* 10 minutes at ppm, adaptive and fixed 40 ms, 10 ms jitter. */
static int skew(double ppm)
{
	static struct run r;
	const double expect = ppm * 1e-6 * 600 * RATE; /* samples */

	for (int m = 0; m < 2; m++) {
		memset(&r, 0, sizeof(r));
		r.name = m ? "fixed 40 ms" : "adaptive";
		if (m) {
			fixed(&r.jb, 40);
		} else {
			/* a floor of 20 ms, starting at 40: the corrections
			 * are those of the skew, not of a falling target */
			adaptive(&r.jb);
			r.jb.min_ms = 20;
			r.jb.delay_ms = 40;
		}
		net(&r.net, 61 + (uint32_t)m);
		r.net.ppm = ppm;
		r.net.jitter_ms = 10;
		r.net.loss = 0.01;
		r.seconds = 600;
		r.settle = 20;
		r.ts0 = 4000000000u;
		TEST_EQ_INT(simulate(&r), 0);
		printf(
		    "  %s: net correction %lld samples, drift %.0f samples\n",
		    r.name, (long long)r.st.dropped - (long long)r.st.added,
		    expect);
		TEST_EQ_INT(r.mismatches, 0);
		TEST_EQ_INT(r.st.resyncs, 0);
		TEST_ASSERT(r.late_pct < 1);
		TEST_NEAR(r.conc_pct, 1, 0.4);
		/*
		 * Bounded: arrivals are seen per 20 ms tick, so the measured
		 * delay jumps by a frame when the drift carries the arrivals
		 * across a tick; a repeat step overshoots by <= 15 ms.
		 */
		TEST_ASSERT(r.delay_max - r.delay_min <= 36);
		TEST_ASSERT(r.delay_max <= r.st.target_ms + 20);
		TEST_ASSERT(r.delay_min >= r.st.target_ms - 21);
		TEST_NEAR(r.end_delay, r.st.target_ms, 20);
		/* the corrections add up to the drift plus the target's
		 * change from the 40 ms start */
		TEST_NEAR((double)r.st.dropped - (double)r.st.added -
			      (40 - r.st.target_ms) * 8,
			  expect, fabs(expect) * 0.2 + 40);
		TEST_NEAR(r.st.skew_ppm, ppm, 15);
		TEST_ASSERT(r.snr_mean > 30);
	}
	return 0;
}

static int skew_plus(void)
{
	return skew(100);
}

/*
 * Voice-band data: a continuous tone (a modem carrier) at +100 ppm for
 * 60 s in fixed mode: never cut (no step, every frame checked); the
 * buffer just fills by the drift (6 ms; the tick-quantised delay figure
 * shows it as one 20 ms jump).
 */
static int vbd(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = "vbd fixed 40 ms, +100 ppm";
	fixed(&r.jb, 40);
	r.jb.vbd = true;
	net(&r.net, 65);
	r.net.ppm = 100;
	r.net.jitter_ms = 10;
	r.seconds = 60;
	r.settle = 1;
	TEST_EQ_INT(simulate(&r), 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_EQ_INT(r.st.added + r.st.dropped, 0);
	TEST_EQ_INT(r.st.late, 0);
	TEST_ASSERT(r.checked_pct > 99.9);
	return 0;
}

static int skew_minus(void)
{
	return skew(-100);
}

/* Timestamps wrap 5 s in (sequence numbers are rtp.c's business). */
static int wrap(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = "ts wrap";
	adaptive(&r.jb);
	net(&r.net, 71);
	r.net.jitter_ms = 20;
	r.net.loss = 0.01;
	r.seconds = 20;
	r.settle = 2;
	r.ts0 = 0u - 250u * FRAME + 37u;
	TEST_EQ_INT(simulate(&r), 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_EQ_INT(r.st.resyncs, 0);
	TEST_ASSERT(r.late_pct < 1);
	TEST_ASSERT(r.checked_pct > 85);
	return 0;
}

static int ssrc_change(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.name = "new SSRC at 10 s";
	adaptive(&r.jb);
	net(&r.net, 81);
	r.net.jitter_ms = 20;
	r.seconds = 20;
	r.settle = 2;
	r.ts0 = 1000;
	r.ssrc_at = 500;
	r.ts0b = 3000000000u;
	TEST_EQ_INT(simulate(&r), 0);
	TEST_EQ_INT(r.mismatches, 0);
	TEST_EQ_INT(r.st.resyncs, 1);
	TEST_ASSERT(r.checked_pct > 90);
	/* playing the new stream at the end */
	TEST_ASSERT((int32_t)(r.st.play_ts - r.ts0b) > 9 * RATE);
	/* a timestamp jump without a new SSRC restarts too */
	int16_t pkt[FRAME] = {0}, out[FRAME];

	TEST_EQ_INT(
	    gw_jbuf_put(&jb, 0xbeef, r.st.play_ts + 1000000, pkt, FRAME), 0);
	TEST_EQ_INT(jb.resyncs, 2);
	TEST_EQ_INT(
	    gw_jbuf_put(&jb, 0xbeef, r.st.play_ts + 1000000, pkt, FRAME),
	    -EALREADY);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, FRAME), 0);
	return 0;
}

/* Short unit checks of the API edges. */
static int api(void)
{
	static struct gw_jbuf j;
	struct gw_jbuf_cfg c;
	struct gw_jbuf_stats st;
	int16_t pkt[FRAME], out[FRAME];

	gw_jbuf_cfg_default(&c);
	TEST_EQ_INT(c.mode, GW_JBUF_ADAPTIVE);
	TEST_EQ_INT(c.min_ms, 20);
	TEST_EQ_INT(c.max_ms, 200);
	TEST_EQ_INT(c.delay_ms, 40);
	c.min_ms = 50; /* min > start */
	TEST_EQ_INT(gw_jbuf_init_cfg(&j, &c, NULL), -EINVAL);
	c.min_ms = 20;
	c.max_ms = GW_JBUF_MAX_DELAY_MS + 1;
	TEST_EQ_INT(gw_jbuf_init_cfg(&j, &c, NULL), -EINVAL);
	TEST_EQ_INT(gw_jbuf_init_cfg(&j, NULL, NULL), 0); /* the defaults */
	c.max_ms = 200;
	c.delay_ms = 40;
	TEST_EQ_INT(gw_jbuf_init_cfg(&j, &c, NULL), 0);
	TEST_EQ_INT(gw_jbuf_put(&j, 1, 0, pkt, 0), -EINVAL);
	TEST_EQ_INT(gw_jbuf_put(&j, 1, 0, pkt, GW_JBUF_MAX_PACKET + 1),
		    -EINVAL);
	for (int i = 0; i < FRAME; i++)
		pkt[i] = sig((uint32_t)i);
	TEST_EQ_INT(gw_jbuf_put(&j, 1, 0, pkt, FRAME), 0);
	TEST_EQ_INT(gw_jbuf_put(&j, 1, 0, pkt, FRAME), -EALREADY);
	gw_jbuf_stats(&j, &st);
	TEST_EQ_INT(st.received, 2);
	TEST_EQ_INT(st.duplicates, 1);
	TEST_NEAR(st.delay_ms, 40, 0.01);
	TEST_NEAR(st.target_ms, 40, 0.01);
	/* 40 ms of start delay, then the packet */
	TEST_EQ_INT(gw_jbuf_get(&j, out, FRAME), 0);
	TEST_EQ_INT(gw_jbuf_get(&j, out, FRAME), 0);
	TEST_EQ_INT(gw_jbuf_get(&j, out, FRAME), FRAME);
	TEST_EQ_INT(out[7], sig(7));
	/* a duplicate of a played packet: still a duplicate, not late */
	TEST_EQ_INT(gw_jbuf_put(&j, 1, 0, pkt, FRAME), -EALREADY);
	/* a lost packet that turns up after its time: late */
	TEST_EQ_INT(gw_jbuf_get(&j, out, FRAME), 0);
	TEST_EQ_INT(gw_jbuf_put(&j, 1, FRAME, pkt, FRAME), -ETIME);
	gw_jbuf_stats(&j, &st);
	TEST_EQ_INT(st.duplicates, 2);
	TEST_EQ_INT(st.late, 1);
	/* a get() longer than GW_JBUF_MAX_FRAME is split */
	static int16_t big[GW_JBUF_MAX_FRAME * 2 + 10];
	TEST_EQ_INT(gw_jbuf_get(&j, big, GW_JBUF_MAX_FRAME * 2 + 10), 0);
	return 0;
}

/* Cost of one 20 ms put + get in steady state (1 % loss, 20 ms jitter). */
static int cost(void)
{
	static struct gw_plc *plc;
	struct gw_jbuf_cfg c;
	int16_t pkt[FRAME], out[FRAME];
	const int iters = 100000;
	uint32_t rng = 99;
	double t0, t1;
	long got = 0;

	if (!plc)
		TEST_EQ_INT(gw_plc_alloc(&plc), 0);
	gw_jbuf_cfg_default(&c);
	TEST_EQ_INT(gw_jbuf_init_cfg(&jb, &c, plc), 0);
	for (int i = 0; i < FRAME; i++)
		pkt[i] = sig((uint32_t)i);
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0 = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	}
	for (int k = 0; k < iters; k++) {
		uint32_t u = gw_testsig_rng(&rng);

		if (u % 100) /* 1 % loss; arrival within the frame */
			gw_jbuf_put(&jb, 1, (uint32_t)k * FRAME, pkt, FRAME);
		got += gw_jbuf_get(&jb, out, FRAME);
	}
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	}
	printf("  put+get of a 20 ms packet: %.0f ns (%d packets, %.1f%% from "
	       "packets)\n",
	       (t1 - t0) / iters, iters, 100.0 * (double)got / iters / FRAME);
	TEST_ASSERT(got > (long)iters * FRAME * 95 / 100);
	return 0;
}

const struct gw_test_case gw_test_cases_jbuf[] = {
	{ "jbuf_api", api },
	{ "jbuf_loss_1pct", loss_1pct },
	{ "jbuf_loss_5pct", loss_5pct },
	{ "jbuf_zero_jitter_lan", zero_jitter },
	{ "jbuf_jitter_20ms", jitter_20 },
	{ "jbuf_jitter_50ms", jitter_50 },
	{ "jbuf_silence_steps", silence_steps },
	{ "jbuf_fixed_60ms", fixed_60 },
	{ "jbuf_reorder", reorder },
	{ "jbuf_duplicates", duplicates },
	{ "jbuf_skew_plus_100ppm", skew_plus },
	{ "jbuf_skew_minus_100ppm", skew_minus },
	{ "jbuf_vbd_no_steps", vbd },
	{ "jbuf_wrap", wrap },
	{ "jbuf_ssrc_change", ssrc_change },
	{ "jbuf_cost", cost },
	{ NULL, NULL },
};
