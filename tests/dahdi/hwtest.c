// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hwtest: hw/dahdi.c against the real DAHDI driver, inside the qemu guest
 * of tests/dahdi/run.sh. Two dahdi_dynamic_loc spans are wired back to
 * back: DAHDI channels 1-4 are fxoks (gateway FXS ports, a "phone" behind
 * each), 5-8 fxsks (gateway FXO ports, a "CO line" behind each), and
 * channel k is wired to channel k + 4. The program opens "1-8,12" through
 * gw_hw_dahdi_ops (12 does not exist until the last case creates a third
 * span) and drives the card like the media thread: wait, events, read,
 * write, flush, every 20 ms.
 *
 * Prints figures indented, then "PASS name" / "FAIL name" per case and
 * "N passed, N failed"; exits 1 if any case failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <dahdi/user.h>

#include "dsp/level.h"
#include "hw/hw.h"

#define NCH 12
#define LATE 12 /* listed, created by the last case */
#define FS GW_HW_FRAME_SAMPLES
#define PAIR(k) ((k) + 4)

static const struct gw_hw_ops *ops = &gw_hw_dahdi_ops;
static struct gw_hw_card *card;
static int passed, failed;
static struct timespec t0;

struct rec {
	double ms;
	struct gw_hw_event ev;
};
static struct rec evlog[2048];
static int nev;

struct gen {
	double freq;
	float peak;
	double phase;
	bool noise;
};
static struct gen gen[NCH + 1];
static int16_t rx[NCH + 1][FS], tx[NCH + 1][FS];
static int echo_from, echo_to; /* far-end echo: rx of from -> tx of to */
static float echo_mul;

#define CAP_MAX (8000 * 4)
static int cap_chan;
static int16_t cap[CAP_MAX], cap_tx[CAP_MAX];
static int cap_len;
static float blk_min = 99, blk_max = -99; /* per-block level, capture */

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6;
}

static uint32_t lcg = 12345;

static void make_tx(int ch)
{
	struct gen *g = &gen[ch];

	memset(tx[ch], 0, sizeof(tx[ch]));
	if (ch == echo_to) {
		for (int i = 0; i < FS; i++)
			tx[ch][i] = (int16_t)lrintf(rx[echo_from][i] * echo_mul);
		return;
	}
	if (g->peak <= 0)
		return;
	for (int i = 0; i < FS; i++) {
		if (g->noise) {
			/* uniform noise, peak g->peak */
			lcg = lcg * 1103515245u + 12345u;
			tx[ch][i] = (int16_t)(((int)(lcg >> 16) - 32768) *
					      g->peak / 32768);
		} else {
			tx[ch][i] = (int16_t)lrint(g->peak * sin(g->phase));
			g->phase += 2 * M_PI * g->freq / GW_HW_RATE_HZ;
		}
	}
	if (g->phase > 2 * M_PI * 1000)
		g->phase = fmod(g->phase, 2 * M_PI);
}

static void tick(void)
{
	struct gw_hw_event ev;

	if (ops->wait(card) < 0) {
		printf("  wait() failed\n");
		return;
	}
	while (ops->event(card, &ev) == 1) {
		double ms = now_ms();

		if (nev < (int)(sizeof(evlog) / sizeof(evlog[0])))
			evlog[nev++] = (struct rec){ .ms = ms, .ev = ev };
		printf("  [%8.1f ms] chan %d: %s\n", ms, ev.chan,
		       gw_hw_event_name(ev.type));
	}
	for (int ch = 1; ch <= NCH; ch++)
		ops->read(card, ch, rx[ch]);
	for (int ch = 1; ch <= NCH; ch++) {
		make_tx(ch);
		ops->write(card, ch, tx[ch]);
	}
	if (cap_chan && cap_len + FS <= CAP_MAX) {
		float l = gw_level_dbm0(rx[cap_chan], FS);

		memcpy(cap + cap_len, rx[cap_chan], sizeof(rx[0]));
		memcpy(cap_tx + cap_len, tx[cap_chan], sizeof(tx[0]));
		cap_len += FS;
		if (l < blk_min)
			blk_min = l;
		if (l > blk_max)
			blk_max = l;
	}
	ops->flush(card);
}

static void run_ms(int ms)
{
	for (int i = 0; i < ms / 20; i++)
		tick();
}

/* Start of a measurement: events from here on count, times from now. */
static int mark_i;
static double mark_t;

static void mark(void)
{
	mark_i = nev;
	mark_t = now_ms();
}

/* Run until event (chan, type) is logged after the mark; its time after
 * the mark in ms, or -1 if none came within timeout_ms of the call. */
static double wait_ev(int chan, enum gw_hw_event_type type, int timeout_ms)
{
	double start = now_ms();

	for (;;) {
		for (int i = mark_i; i < nev; i++)
			if (evlog[i].ev.chan == chan && evlog[i].ev.type == type)
				return evlog[i].ms - mark_t;
		if (now_ms() - start > timeout_ms)
			return -1;
		tick();
	}
}

/* Events (chan, type) logged since index from. */
static int count_ev(int from, int chan, enum gw_hw_event_type type)
{
	int n = 0;

	for (int i = from; i < nev; i++)
		n += evlog[i].ev.chan == chan && evlog[i].ev.type == type;
	return n;
}

static uint64_t stat(const char *name)
{
	uint64_t v = 0;

	ops->stat(card, name, &v);
	return v;
}

/* Capture chan for ms after warm_ms; level (dBm0) and frequency (Hz). */
static void measure(int chan, int warm_ms, int ms, float *level, double *freq)
{
	double first = -1, last = -1;
	int n = 0;

	run_ms(warm_ms);
	cap_chan = chan;
	cap_len = 0;
	blk_min = 99;
	blk_max = -99;
	run_ms(ms);
	cap_chan = 0;
	*level = gw_level_dbm0(cap, cap_len);
	for (int i = 1; i < cap_len; i++)
		if (cap[i - 1] < 0 && cap[i] >= 0) {
			double t = i - 1 + (double)-cap[i - 1] /
						  (cap[i] - cap[i - 1]);
			if (first < 0)
				first = t;
			last = t;
			n++;
		}
	*freq = n > 1 ? (n - 1) * GW_HW_RATE_HZ / (last - first) : 0;
}

static void result(const char *name, bool ok)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", name);
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static void silence_all(void)
{
	memset(gen, 0, sizeof(gen));
	echo_from = echo_to = 0;
}

static void case_types(void)
{
	bool ok = true;

	for (int ch = 1; ch <= NCH; ch++) {
		enum gw_hw_chan_type want = ch <= 4 ? GW_HW_CHAN_FXS :
					    ch <= 8 ? GW_HW_CHAN_FXO :
						      GW_HW_CHAN_NONE;
		enum gw_hw_chan_type t = ops->chan_type(card, ch);

		if (t != want)
			ok = false;
		if (ch <= 8 || ch == LATE)
			printf("  chan %d: %s (want %s)\n", ch,
			       gw_hw_chan_type_name(t),
			       gw_hw_chan_type_name(want));
	}
	result("types", ok);
}

static void case_lineop_types(void)
{
	int a = ops->lineop(card, 5, GW_HW_OP_RING_START);
	int b = ops->lineop(card, 1, GW_HW_OP_OFFHOOK);
	int c = ops->lineop(card, 9, GW_HW_OP_OFFHOOK);
	int d = ops->hookflash(card, 1, 0);
	int e = ops->onhook_transfer(card, 5, 100);

	printf("  RING_START on fxo 5: %d, OFFHOOK on fxs 1: %d, OFFHOOK on unlisted 9: %d,"
	       " flash on fxs 1: %d, on-hook transfer on fxo 5: %d\n",
	       a, b, c, d, e);
	result("lineop_types", a == -EINVAL && b == -EINVAL && c == -ENODEV &&
				       d == -EINVAL && e == -EINVAL);
}

static void case_missing(void)
{
	int al = 0;

	run_ms(100);
	al = count_ev(0, LATE, GW_HW_EV_ALARM);
	printf("  chan %d: %d alarm event(s), type %s, OFFHOOK -> %d\n", LATE,
	       al, gw_hw_chan_type_name(ops->chan_type(card, LATE)),
	       ops->lineop(card, LATE, GW_HW_OP_OFFHOOK));
	result("missing_channel_alarm",
	       al == 1 && ops->chan_type(card, LATE) == GW_HW_CHAN_NONE &&
		       count_ev(0, 1, GW_HW_EV_ALARM) == 0);
}

static void case_ring(void)
{
	double b, e, quiet;
	int from, r, s;

	/* DAHDI ignores ring starts for 2 s after an FXS-signalled channel
	 * was opened or went on-hook: start after that */
	run_ms(2100);
	mark();
	r = ops->lineop(card, 1, GW_HW_OP_RING_START);
	b = wait_ev(5, GW_HW_EV_RING_BEGIN, 3000);
	e = b >= 0 ? wait_ev(5, GW_HW_EV_RING_END, 4000) : -1;
	s = ops->lineop(card, 1, GW_HW_OP_RING_STOP);
	from = nev;
	quiet = now_ms();
	run_ms(4600); /* the US cadence would ring again 4 s after */
	quiet = now_ms() - quiet;
	printf("  RING_START %d; RING_BEGIN after %.0f ms, RING_END after %.0f ms (on %.0f ms);"
	       " RING_STOP %d; %d rings in the next %.0f ms\n",
	       r, b, e, e - b, s, count_ev(from, 5, GW_HW_EV_RING_BEGIN),
	       quiet);
	result("ring", r == 0 && b >= 0 && b < 500 && e - b > 1500 &&
			       e - b < 3000 && s == 0 &&
			       count_ev(from, 5, GW_HW_EV_RING_BEGIN) == 0);
}

static void case_ring_answer(void)
{
	double b, off, end;
	int r, from;

	/* the phone behind chan 1 answers during the ring */
	mark();
	r = ops->lineop(card, 1, GW_HW_OP_RING_START);
	b = wait_ev(5, GW_HW_EV_RING_BEGIN, 3000);
	run_ms(500);
	ops->lineop(card, 5, GW_HW_OP_OFFHOOK);
	off = wait_ev(1, GW_HW_EV_OFFHOOK, 2000);
	end = wait_ev(5, GW_HW_EV_RING_END, 3000);
	from = nev;
	run_ms(6000); /* no further rings */
	printf("  RING_START %d; RING_BEGIN %.0f ms; answered at %.0f ms -> OFFHOOK; RING_STOP %d;"
	       " %d ring starts in the next 6 s\n",
	       r, b, off, ops->lineop(card, 1, GW_HW_OP_RING_STOP),
	       count_ev(from, 5, GW_HW_EV_RING_BEGIN));
	(void)end;
	ops->lineop(card, 5, GW_HW_OP_ONHOOK);
	mark();
	wait_ev(1, GW_HW_EV_ONHOOK, 3000);
	result("ring_answer", r == 0 && b >= 0 && off >= 0 &&
				      count_ev(from, 5, GW_HW_EV_RING_BEGIN) ==
					      0);
}

static void case_hook(void)
{
	int a, b;
	double off, on;

	mark();
	a = ops->lineop(card, 5, GW_HW_OP_OFFHOOK);
	off = wait_ev(1, GW_HW_EV_OFFHOOK, 2000);
	mark();
	b = ops->lineop(card, 5, GW_HW_OP_ONHOOK);
	on = wait_ev(1, GW_HW_EV_ONHOOK, 3000);

	printf("  fxo 5 OFFHOOK %d -> fxs 1 OFFHOOK after %.0f ms; ONHOOK %d -> ONHOOK after %.0f ms"
	       " (DAHDI's 1250 ms flash window)\n",
	       a, off, b, on);
	result("hook", a == 0 && b == 0 && off >= 0 && off < 200 && on >= 0);
}

static bool check_tone(const char *what, int from, int to, double f,
		       int others_chan)
{
	float lvl, other;
	double fr, dummy;

	silence_all();
	gen[from] = (struct gen){ .freq = f, .peak = gw_level_dbm0_to_peak(-10) };
	measure(to, 300, 1000, &lvl, &fr);
	measure(others_chan, 0, 200, &other, &dummy);
	printf("  %s chan %d -> %d: %.2f dBm0 at %.2f Hz (sent -10.00 dBm0 at %.0f Hz);"
	       " chan %d hears %.1f dBm0\n",
	       what, from, to, lvl, fr, f, others_chan, other);
	silence_all();
	return fabsf(lvl + 10) <= 0.5f && fabs(fr - f) <= f * 0.01 &&
	       other < -60;
}

static void case_audio(void)
{
	bool a, b;

	ops->lineop(card, 5, GW_HW_OP_OFFHOOK);
	a = check_tone("fxs->fxo", 1, 5, 1004, 6);
	b = check_tone("fxo->fxs", 6, 2, 2004, 1);
	mark();
	ops->lineop(card, 5, GW_HW_OP_ONHOOK);
	result("audio_fxs_to_fxo", a);
	result("audio_fxo_to_fxs", b);
	wait_ev(1, GW_HW_EV_ONHOOK, 3000);
}

static void capture_start(int chan)
{
	cap_chan = chan;
	cap_len = 0;
	blk_min = 99;
	blk_max = -99;
}

static void case_elast(void)
{
	uint64_t er0 = stat("elast_read"), ew0 = stat("elast_write");
	uint64_t err0 = stat("rx_errors") + stat("tx_errors");
	uint64_t u0 = stat("rx_underrun");
	float l1, min1, max1, l6, min6, max6;
	int ev1, ev6;

	/* a tone into chan 1 while chan 1's off-hook event arrives */
	silence_all();
	gen[5] = (struct gen){ .freq = 1004, .peak = gw_level_dbm0_to_peak(-10) };
	run_ms(300);
	capture_start(1);
	mark();
	ops->lineop(card, 5, GW_HW_OP_OFFHOOK);
	run_ms(1000);
	ev1 = count_ev(mark_i, 1, GW_HW_EV_OFFHOOK);
	cap_chan = 0;
	l1 = gw_level_dbm0(cap, cap_len);
	min1 = blk_min;
	max1 = blk_max;
	/* a tone into chan 6 while its ring begins and ends */
	silence_all();
	gen[2] = (struct gen){ .freq = 1004, .peak = gw_level_dbm0_to_peak(-10) };
	run_ms(300);
	capture_start(6);
	mark();
	ops->lineop(card, 2, GW_HW_OP_RING_START);
	wait_ev(6, GW_HW_EV_RING_BEGIN, 3000);
	run_ms(300);
	ops->lineop(card, 2, GW_HW_OP_RING_STOP);
	wait_ev(6, GW_HW_EV_RING_END, 3000);
	run_ms(200);
	cap_chan = 0;
	ev6 = count_ev(mark_i, 6, GW_HW_EV_RING_BEGIN) +
	      count_ev(mark_i, 6, GW_HW_EV_RING_END);
	l6 = gw_level_dbm0(cap, cap_len);
	min6 = blk_min;
	max6 = blk_max;
	silence_all();
	mark();
	ops->lineop(card, 5, GW_HW_OP_ONHOOK);
	wait_ev(1, GW_HW_EV_ONHOOK, 3000);

	uint64_t er = stat("elast_read") - er0, ew = stat("elast_write") - ew0;
	uint64_t err = stat("rx_errors") + stat("tx_errors") - err0;
	uint64_t u = stat("rx_underrun") - u0;

	printf("  chan 1: %d event(s) during a tone: %.2f dBm0, 20 ms blocks %.2f..%.2f dBm0\n",
	       ev1, l1, min1, max1);
	printf("  chan 6: %d event(s) during a tone: %.2f dBm0, 20 ms blocks %.2f..%.2f dBm0\n",
	       ev6, l6, min6, max6);
	printf("  ELAST handled: %llu on read, %llu on write; errors %llu; rx underruns %llu\n",
	       (unsigned long long)er, (unsigned long long)ew,
	       (unsigned long long)err, (unsigned long long)u);
	/*
	 * Audio goes on through the events: the level over the second is
	 * right and no 20 ms block dropped out (under qemu's TCG a block may
	 * now and then be a little short, so a block may dip a few dB).
	 */
	result("elast", ev1 == 1 && ev6 == 2 && er + ew >= 3 && err == 0 &&
				l1 > -10.5f && l1 < -9.5f && min1 > -13.0f &&
				max1 < -9.0f && l6 > -10.5f && l6 < -9.5f &&
				min6 > -13.0f && max6 < -9.0f);
}

static void case_flash(void)
{
	int from;
	double f;
	int r;

	mark();
	ops->lineop(card, 7, GW_HW_OP_OFFHOOK);
	wait_ev(3, GW_HW_EV_OFFHOOK, 2000);
	r = ops->hookflash(card, 7, 0);
	printf("  hookflash right after seizing: %d (DAHDI's 600 ms debounce)\n",
	       r);
	run_ms(700);
	from = nev;
	mark();
	r = ops->hookflash(card, 7, 0);
	f = wait_ev(3, GW_HW_EV_FLASH, 3000);
	printf("  hookflash(7, default) %d -> chan 3 FLASH after %.0f ms, %d ONHOOK\n",
	       r, f, count_ev(from, 3, GW_HW_EV_ONHOOK));
	run_ms(200);
	mark();
	ops->lineop(card, 7, GW_HW_OP_ONHOOK);
	wait_ev(3, GW_HW_EV_ONHOOK, 3000);
	result("hookflash", r == 0 && f >= 0 &&
				    count_ev(from, 3, GW_HW_EV_ONHOOK) == 1);
}

static void case_disconnect(void)
{
	double d, on;
	int r;

	mark();
	ops->lineop(card, 6, GW_HW_OP_OFFHOOK);
	wait_ev(2, GW_HW_EV_OFFHOOK, 2000);
	run_ms(700);
	mark();
	r = ops->disconnect(card, 2, 500); /* DAHDI times it itself */
	d = wait_ev(6, GW_HW_EV_LOOP_DROP, 2000);
	run_ms(400); /* the CO side notices and hangs up after a moment */
	ops->lineop(card, 6, GW_HW_OP_ONHOOK);
	on = wait_ev(2, GW_HW_EV_ONHOOK, 3000);
	printf("  disconnect(2) %d -> chan 6 LOOP_DROP after %.0f ms; chan 6 on-hook -> chan 2 ONHOOK at %.0f ms\n",
	       r, d, on);
	result("disconnect_loop_drop", r == 0 && d >= 0 && on >= 0);
}

/*
 * Rotary dialling across the wire: the FXO port (8) seizes and dials
 * "305" by the driver (DAHDI_DIAL "P": 10 pps, 60 % break, 700 ms between
 * digits), then reports DIAL_DONE; on the other end the kernel counts the
 * breaks for the FXS port (4): PULSE_DIGIT '3', '0' (ten breaks), '5', and
 * no break is taken for a hang-up or a flash.
 */
static void case_pulse(void)
{
	const struct gw_hw_pulse pt = {
		.pps = 10, .break_pct = 60, .interdigit_ms = 700
	};
	char got[8];
	int n = 0, r, from, hangups, flashes;
	double done;

	mark();
	ops->lineop(card, 8, GW_HW_OP_OFFHOOK);
	wait_ev(4, GW_HW_EV_OFFHOOK, 2000);
	run_ms(700); /* DAHDI's off-hook debounce */
	from = nev;
	mark();
	r = ops->dial_pulse(card, 8, "305", &pt);
	done = wait_ev(8, GW_HW_EV_DIAL_DONE, 8000);
	run_ms(500); /* the kernel's pulse timeout ends the last digit */
	for (int i = from; i < nev && n < 7; i++)
		if (evlog[i].ev.chan == 4 &&
		    evlog[i].ev.type == GW_HW_EV_PULSE_DIGIT)
			got[n++] = (char)evlog[i].ev.value;
	got[n] = 0;
	hangups = count_ev(from, 4, GW_HW_EV_ONHOOK);
	flashes = count_ev(from, 4, GW_HW_EV_FLASH);
	printf("  dial_pulse(8, \"305\", 10 pps 60 %%) %d -> DIAL_DONE after %.0f ms; chan 4 PULSE_DIGIT \"%s\", %d ONHOOK, %d FLASH\n",
	       r, done, got, hangups, flashes);
	ops->lineop(card, 8, GW_HW_OP_ONHOOK);
	wait_ev(4, GW_HW_EV_ONHOOK, 3000);
	result("pulse_dialling", r == 0 && done >= 0 && !strcmp(got, "305") &&
					 !hangups && !flashes);
}

static void case_unsupported(void)
{
	int p = ops->lineop(card, 1, GW_HW_OP_POLARITY_REV);
	int q = ops->lineop(card, 1, GW_HW_OP_POLARITY_FWD);
	int o = ops->onhook_transfer(card, 1, 300);

	printf("  dahdi_dynamic has no analog ioctls: POLARITY_REV %d (%s), POLARITY_FWD %d,"
	       " on-hook transfer %d (%s)\n",
	       p, strerror(-p), q, o, strerror(-o));
	/* the driver's answer is passed up cleanly, nothing else happens */
	result("polarity_onhooktransfer_errors_passed_up",
	       p < 0 && q < 0 && o < 0 && p != -EINVAL);
}

static void case_gains(void)
{
	float l0, l1, l2;
	double f;
	int a, b, c;

	silence_all();
	gen[3] = (struct gen){ .freq = 1004, .peak = gw_level_dbm0_to_peak(-10) };
	measure(7, 300, 600, &l0, &f);
	a = ops->set_gains(card, 7, 6, 0);
	measure(7, 300, 600, &l1, &f);
	b = ops->set_gains(card, 3, 0, -6);
	measure(7, 300, 600, &l2, &f);
	c = ops->set_gains(card, 7, 0, 0) | ops->set_gains(card, 3, 0, 0);
	silence_all();
	printf("  chan 7 hears %.2f dBm0; rx gain +6 dB on 7: %.2f dBm0 (%+.2f dB);"
	       " then tx gain -6 dB on 3: %.2f dBm0 (%+.2f dB); rc %d %d %d; bad %d\n",
	       l0, l1, l1 - l0, l2, l2 - l1, a, b, c,
	       ops->set_gains(card, 7, 30, 0));
	result("gains", a == 0 && b == 0 && c == 0 &&
				fabsf(l1 - l0 - 6) <= 0.5f &&
				fabsf(l2 - l1 + 6) <= 0.5f);
}

/* delay (samples) of cap vs cap_tx by cross-correlation, and its peak */
static int echo_delay(double *corr)
{
	int best = 0;
	double bestv = 0;

	for (int d = 0; d < 2000 && d < cap_len; d += 1) {
		double s = 0;

		for (int i = d; i < cap_len; i += 2)
			s += (double)cap[i] * cap_tx[i - d];
		if (fabs(s) > bestv) {
			bestv = fabs(s);
			best = d;
		}
	}
	*corr = bestv;
	return best;
}

static void case_echocan(void)
{
	float tx_l, off_l, on_l, dummy;
	double f, corr;
	int r1, r2, r3, r0, delay, taps = 1024;

	/* the far end (chan 4, fxoks) returns what it hears at -14 dB, a
	 * hybrid's echo (below 6 dB MG2's Geigel detector sees double talk) */
	silence_all();
	echo_from = 4;
	echo_to = 4;
	echo_mul = 0.2f;
	gen[8] = (struct gen){ .noise = true,
			       .peak = gw_level_dbm0_to_peak(-12) };
	r0 = ops->set_echo(card, 8, 0);
	measure(8, 400, 1500, &off_l, &f);
	tx_l = gw_level_dbm0(cap_tx, cap_len);
	delay = echo_delay(&corr);
	r1 = ops->set_echo(card, 8, 100);
	r2 = ops->set_echo(card, 8, taps);
	uint64_t u0 = stat("rx_underrun");
	measure(8, 3000, 1000, &on_l, &f);
	printf("  rx underruns while adapting: %llu\n",
	       (unsigned long long)(stat("rx_underrun") - u0));
	r3 = ops->set_echo(card, 8, 0);
	measure(8, 400, 600, &dummy, &f);
	silence_all();
	printf("  chan 8 sends noise at %.2f dBm0; echo back (via chan 4, -14 dB) %.2f dBm0, delay %d samples (%.1f ms)\n",
	       tx_l, off_l, delay, delay / 8.0);
	printf("  MG2 on chan 8, %d taps: rc %d (off %d, 100 taps %d); echo after 3 s: %.2f dBm0"
	       " (ERLE %.1f dB); off again %d: %.2f dBm0\n",
	       taps, r2, r0, r1, on_l, off_l - on_l, r3, dummy);
	result("echocan_enable", r0 == 0 && r1 == -EINVAL && r2 == 0 &&
					 r3 == 0);
	result("echocan_effect", off_l - on_l >= 10 && dummy > off_l - 2);
}

/* Create two more looped spans (2:0 channels 9-12, 2:1 channels 13-16),
 * as dahdi_cfg would: returns the first one's span number. */
static int late_spans(void)
{
	struct dahdi_dynamic_span ds[2] = { { .numchans = 4 },
					    { .numchans = 4 } };
	int fd = open("/dev/dahdi/ctl", O_RDWR), e = 0;

	if (fd < 0)
		return -errno;
	for (int i = 0; i < 2 && !e; i++) {
		strcpy(ds[i].driver, "loc");
		snprintf(ds[i].addr, sizeof(ds[i].addr), "2:%d", i);
		if (ioctl(fd, DAHDI_DYNAMIC_CREATE, &ds[i]) < 0)
			e = -errno;
	}
	for (int ch = 9; ch <= 16 && !e; ch++) {
		struct dahdi_chanconfig cc = {
			.chan = ch,
			.sigtype = ch <= 12 ? DAHDI_SIG_FXOKS : DAHDI_SIG_FXSKS
		};
		if (ioctl(fd, DAHDI_CHANCONFIG, &cc) < 0)
			e = -errno;
	}
	close(fd);
	return e ? e : ds[0].spanno;
}

static void case_late(void)
{
	double t0ms = now_ms(), t;
	int span = late_spans();

	mark();
	t = wait_ev(LATE, GW_HW_EV_NOALARM, 6000);
	printf("  created spans %d-%d (channels 9-12 fxoks, 13-16 fxsks) at %.0f ms; chan %d NOALARM after %.0f ms, type %s\n",
	       span, span + 1,
	       t0ms, LATE, t,
	       gw_hw_chan_type_name(ops->chan_type(card, LATE)));
	result("late_span_noalarm",
	       span > 0 && t >= 0 &&
		       ops->chan_type(card, LATE) == GW_HW_CHAN_FXS);
}

int main(void)
{
	int e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = ops->open(&card, "1-8,12");
	printf("  open(\"1-8,12\"): %d\n", e);
	if (e) {
		result("open", false);
		printf("%d passed, %d failed\n", passed, failed);
		return 1;
	}
	case_types();
	case_lineop_types();
	case_missing();
	case_hook();
	case_ring();
	case_ring_answer();
	case_audio();
	case_elast();
	case_flash();
	case_disconnect();
	case_pulse();
	case_unsupported();
	case_gains();
	case_echocan();
	case_late();
	printf("  ticks %llu, card clock timeouts %llu, rx underruns %llu, tx overruns %llu, DAHDI events %llu\n",
	       (unsigned long long)stat("ticks"),
	       (unsigned long long)stat("clock_timeouts"),
	       (unsigned long long)stat("rx_underrun"),
	       (unsigned long long)stat("tx_overrun"),
	       (unsigned long long)stat("dahdi_events"));
	ops->close(card);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
