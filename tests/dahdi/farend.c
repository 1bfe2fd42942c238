// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * farend: the far side of copperline's lines for the whole-call test in the
 * qemu guest of tests/dahdi/run.sh (driven by tests/dahdi/call.sh, with a
 * SIP peer on the host: tests/dahdi/sippeer.py).
 *
 * The looped spans wire DAHDI channel k to k + 4. copperline holds 1-2
 * (fxoks: its FXS ports) and 7-8 (fxsks: its FXO ports); this program
 * holds the other ends through gw_hw_dahdi_ops, like hwtest:
 *   5, 6  fxsks: the analog phones behind FXS ports 1, 2 (see ring, go
 *         off-hook, see the battery drop);
 *   3, 4  fxoks: the exchange (CO) behind FXO ports 7, 8 (ring the line,
 *         see the gateway seize and release it).
 *
 * Script:
 *   1. sip_to_fxs: the host's SIP peer calls extension 201 (port 1); the
 *      phone on 5 sees the ring, answers, sends 1004 Hz at -10 dBm0 and
 *      measures what it hears (the peer sends 2004 Hz at -10 dBm0), then
 *      hangs up; the peer checks that a BYE came.
 *   2. fxo_to_sip: the CO on 3 rings the line of FXO port 7; copperline
 *      calls the host's peer, which answers; the gateway seizes the line
 *      (off-hook on 3), the CO sends 1004 Hz and measures the peer's
 *      2004 Hz; the peer hangs up and the gateway releases the line
 *      (on-hook on 3).
 *   3. fxs_to_sip: the phone on 6 (FXS port 2) goes off-hook, checks the
 *      dial tone, dials 100 by DTMF; copperline calls the host's peer
 *      (sip:100@...), which answers: tones both ways as above; the peer
 *      hangs up and the phone hears reorder tone, then hangs up.
 *
 * Prints "CALLTEST_READY" once its channels are open, figures indented,
 * "PASS name" / "FAIL name" per check; exits 1 if a check failed. Every
 * wait is bounded.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsp/level.h"
#include "hw/hw.h"

#define FS GW_HW_FRAME_SAMPLES
#define NCH 8
#define PHONE 5	 /* behind FXS port 1 (ext. 201) */
#define CO 3	 /* behind FXO port 7 */
#define PHONE2 6 /* behind FXS port 2 (ext. 202) */
#define TONE_HZ 1004.0
#define PEER_HZ 2004.0
#define LEVEL_DBM0 (-10.0f)

static const struct gw_hw_ops *ops = &gw_hw_dahdi_ops;
static struct gw_hw_card *card;
static int passed, failed;
static struct timespec t0;

static struct {
	double freq, phase, freq2, phase2;
	float peak;
} gen[NCH + 1];
static int16_t rx[NCH + 1][FS], tx[NCH + 1][FS];

#define CAP_MAX (8000 * 3)
static int cap_chan;
static int16_t cap[CAP_MAX];
static int cap_len;

/* events since the last mark */
static struct gw_hw_event evs[256];
static int nev;

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6;
}

static void tick(void)
{
	struct gw_hw_event ev;

	if (ops->wait(card) < 0)
		return;
	while (ops->event(card, &ev) == 1) {
		printf("  farend [%8.1f ms] chan %d: %s\n", now_ms(), ev.chan,
		       gw_hw_event_name(ev.type));
		if (nev < (int)(sizeof(evs) / sizeof(evs[0])))
			evs[nev++] = ev;
	}
	for (int ch = 1; ch <= NCH; ch++)
		ops->read(card, ch, rx[ch]);
	for (int ch = 1; ch <= NCH; ch++) {
		memset(tx[ch], 0, sizeof(tx[ch]));
		for (int i = 0; gen[ch].peak > 0 && i < FS; i++) {
			tx[ch][i] = (int16_t)lrint(
				gen[ch].peak * (sin(gen[ch].phase) +
						sin(gen[ch].phase2)));
			gen[ch].phase += 2 * M_PI * gen[ch].freq /
					 GW_HW_RATE_HZ;
			gen[ch].phase2 += 2 * M_PI * gen[ch].freq2 /
					  GW_HW_RATE_HZ;
		}
		gen[ch].phase = fmod(gen[ch].phase, 2 * M_PI);
		gen[ch].phase2 = fmod(gen[ch].phase2, 2 * M_PI);
		ops->write(card, ch, tx[ch]);
	}
	if (cap_chan && cap_len + FS <= CAP_MAX) {
		memcpy(cap + cap_len, rx[cap_chan], sizeof(rx[0]));
		cap_len += FS;
	}
	ops->flush(card);
}

static void run_ms(int ms)
{
	for (int i = 0; i < ms / 20; i++)
		tick();
}

static int count_ev(int chan, enum gw_hw_event_type type)
{
	int n = 0;

	for (int i = 0; i < nev; i++)
		n += evs[i].chan == chan && evs[i].type == type;
	return n;
}

/* Run until (chan, type) has come since the last mark (nev = 0); ms
 * waited, or -1 after timeout_ms. */
static double wait_ev(int chan, enum gw_hw_event_type type, int timeout_ms)
{
	double start = now_ms();

	while (!count_ev(chan, type)) {
		if (now_ms() - start > timeout_ms)
			return -1;
		tick();
	}
	return now_ms() - start;
}

static void tone(int chan, double hz)
{
	gen[chan].freq = hz;
	gen[chan].freq2 = 0;
	gen[chan].phase = gen[chan].phase2 = 0;
	gen[chan].peak = hz > 0 ? gw_level_dbm0_to_peak(LEVEL_DBM0) : 0;
}

/* Level (dBm0) of the component at hz in s[0..n) (Goertzel). */
static float level_at(const int16_t *s, int n, double hz)
{
	double w = 2 * M_PI * hz / GW_HW_RATE_HZ, c = 2 * cos(w);
	double s1 = 0, s2 = 0, p, amp;

	for (int i = 0; i < n; i++) {
		double s0 = s[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	p = s1 * s1 + s2 * s2 - c * s1 * s2;
	amp = 2 * sqrt(p > 0 ? p : 0) / n; /* peak of that sine */
	return amp > 0 ? (float)(20 * log10(amp / M_SQRT2 /
					    GW_LEVEL_0DBM0_RMS))
		       : -99.0f;
}

/* Dial digits by DTMF (ITU-T Q.23), each tone at -10 dBm0: 100 ms of
 * tone, 100 ms of silence. */
static void dial(int chan, const char *digits)
{
	static const char keys[] = "123A456B789C*0#D";
	static const double row[] = { 697, 770, 852, 941 };
	static const double col[] = { 1209, 1336, 1477, 1633 };

	for (const char *d = digits; *d; d++) {
		const char *k = strchr(keys, *d);

		if (!k)
			continue;
		gen[chan].freq = row[(k - keys) / 4];
		gen[chan].freq2 = col[(k - keys) % 4];
		gen[chan].phase = gen[chan].phase2 = 0;
		gen[chan].peak = gw_level_dbm0_to_peak(-10);
		run_ms(100);
		gen[chan].peak = 0;
		run_ms(100);
	}
}

/* Run until a 20 ms block on chan has a component at hz above
 * min_dbm0; ms waited or -1 after timeout_ms. */
static double wait_tone(int chan, double hz, float min_dbm0, int timeout_ms)
{
	double start = now_ms();

	do {
		tick();
		if (level_at(rx[chan], FS, hz) > min_dbm0)
			return now_ms() - start;
	} while (now_ms() - start < timeout_ms);
	return -1;
}

/* Frequency (Hz, zero crossings) of x[0..n-1]; 0 with too few. */
static double crossings_hz(const int16_t *x, int n)
{
	double first = -1, last = -1;
	int k = 0;

	for (int i = 1; i < n; i++)
		if (x[i - 1] < 0 && x[i] >= 0) {
			double t = i - 1 + (double)-x[i - 1] / (x[i] - x[i - 1]);

			if (first < 0)
				first = t;
			last = t;
			k++;
		}
	return k > 1 ? (k - 1) * GW_HW_RATE_HZ / (last - first) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Level (dBm0) and frequency heard on chan for ms: the median of 100 ms
 * windows, so a block lost or repeated by a slow guest (qemu TCG) moves
 * one window only.
 */
static void measure(int chan, int ms, float *level, double *freq)
{
	double f[64];
	int nw = 0;

	cap_chan = chan;
	cap_len = 0;
	run_ms(ms);
	cap_chan = 0;
	*level = gw_level_dbm0(cap, cap_len);
	for (int w = 0; w + 800 <= cap_len && nw < 64; w += 800)
		f[nw++] = crossings_hz(cap + w, 800);
	qsort(f, (size_t)nw, sizeof(f[0]), cmp_double);
	*freq = nw ? f[nw / 2] : 0;
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

static bool tone_ok(float level, double freq)
{
	return fabsf(level - LEVEL_DBM0) <= 1.0f &&
	       fabs(freq - PEER_HZ) <= PEER_HZ * 0.01;
}

static void call_sip_to_fxs(int wait_s)
{
	double ring, ans;
	float lvl;
	double fr;
	int rings_after;

	nev = 0;
	ring = wait_ev(PHONE, GW_HW_EV_RING_BEGIN, wait_s * 1000);
	printf("  farend: phone on chan %d: ring after %.0f ms of waiting\n",
	       PHONE, ring);
	if (ring < 0) {
		result("call_sip_fxs_ring", false);
		return;
	}
	run_ms(400);
	ops->lineop(card, PHONE, GW_HW_OP_OFFHOOK);
	tone(PHONE, TONE_HZ);
	ans = now_ms();
	nev = 0;
	run_ms(1000);
	measure(PHONE, 1500, &lvl, &fr);
	rings_after = count_ev(PHONE, GW_HW_EV_RING_BEGIN);
	run_ms(600);
	printf("  farend: phone answered, sent %.0f Hz at %.1f dBm0; heard %.2f dBm0 at %.2f Hz"
	       " (SIP peer sends %.0f Hz at %.1f dBm0); %d ring(s) after answering\n",
	       TONE_HZ, LEVEL_DBM0, lvl, fr, PEER_HZ, LEVEL_DBM0,
	       rings_after);
	result("call_sip_fxs_ring", rings_after == 0);
	result("call_sip_fxs_audio_sip_to_phone", tone_ok(lvl, fr));
	/* the phone hangs up: the peer checks the BYE */
	tone(PHONE, 0);
	ops->lineop(card, PHONE, GW_HW_OP_ONHOOK);
	printf("  farend: phone on-hook %.0f ms after answering\n",
	       now_ms() - ans);
	printf("CALLTEST_PHONE_ONHOOK\n");
}

static void call_fxo_to_sip(void)
{
	double off, on;
	float lvl;
	double fr;
	int r;

	nev = 0;
	r = ops->lineop(card, CO, GW_HW_OP_RING_START);
	printf("  farend: CO on chan %d rings the line (RING_START %d)\n", CO,
	       r);
	off = wait_ev(CO, GW_HW_EV_OFFHOOK, 20000);
	ops->lineop(card, CO, GW_HW_OP_RING_STOP);
	printf("  farend: gateway seized the line %.0f ms after the ring started\n",
	       off);
	result("call_fxo_sip_answered", r == 0 && off >= 0);
	if (off < 0)
		return;
	tone(CO, TONE_HZ);
	nev = 0;
	run_ms(1000);
	measure(CO, 1500, &lvl, &fr);
	printf("  farend: CO sent %.0f Hz at %.1f dBm0; heard %.2f dBm0 at %.2f Hz"
	       " (SIP peer sends %.0f Hz at %.1f dBm0)\n",
	       TONE_HZ, LEVEL_DBM0, lvl, fr, PEER_HZ, LEVEL_DBM0);
	result("call_fxo_sip_audio_sip_to_co", tone_ok(lvl, fr));
	/* the peer hangs up: the gateway must release the line */
	on = wait_ev(CO, GW_HW_EV_ONHOOK, 15000);
	tone(CO, 0);
	printf("  farend: gateway released the line %.0f ms after seizing it (DAHDI reports on-hook 1250 ms late)\n",
	       on < 0 ? -1 : on + 2500);
	result("call_fxo_sip_line_released", on >= 0);
}

static void call_fxs_to_sip(void)
{
	float d350, d440, lvl, r480, r620;
	double fr, ans, reorder;
	int drops;

	nev = 0;
	ops->lineop(card, PHONE2, GW_HW_OP_OFFHOOK);
	run_ms(600);
	cap_chan = PHONE2;
	cap_len = 0;
	run_ms(600);
	cap_chan = 0;
	d350 = level_at(cap, cap_len, 350);
	d440 = level_at(cap, cap_len, 440);
	printf("  farend: phone on chan %d off-hook: dial tone 350 Hz %.1f dBm0, 440 Hz %.1f dBm0"
	       " (us: -13 dBm0 each); dials 100\n",
	       PHONE2, d350, d440);
	result("call_fxs_sip_dialtone", fabsf(d350 + 13) <= 1.5f &&
						fabsf(d440 + 13) <= 1.5f);
	dial(PHONE2, "100");
	/* quiet during ringback; the peer's tone tells us the call is
	 * answered, then we talk (see doc/dahdi.md on talking early) */
	ans = wait_tone(PHONE2, PEER_HZ, -20, 15000);
	tone(PHONE2, TONE_HZ);
	printf("  farend: the SIP peer's tone arrived %.0f ms after the last digit\n",
	       ans);
	if (ans < 0) {
		result("call_fxs_sip_audio_sip_to_phone", false);
		tone(PHONE2, 0);
		ops->lineop(card, PHONE2, GW_HW_OP_ONHOOK);
		return;
	}
	run_ms(500);
	measure(PHONE2, 1500, &lvl, &fr);
	printf("  farend: phone sent %.0f Hz at %.1f dBm0; heard %.2f dBm0 at %.2f Hz"
	       " (SIP peer sends %.0f Hz at %.1f dBm0)\n",
	       TONE_HZ, LEVEL_DBM0, lvl, fr, PEER_HZ, LEVEL_DBM0);
	result("call_fxs_sip_audio_sip_to_phone", tone_ok(lvl, fr));
	/* the peer hangs up: reorder tone (480 + 620 Hz) on the line */
	nev = 0;
	reorder = wait_tone(PHONE2, 480, -35, 10000);
	tone(PHONE2, 0);
	cap_chan = PHONE2;
	cap_len = 0;
	run_ms(1000);
	cap_chan = 0;
	r480 = level_at(cap, cap_len, 480);
	r620 = level_at(cap, cap_len, 620);
	drops = count_ev(PHONE2, GW_HW_EV_LOOP_DROP);
	printf("  farend: after the peer's BYE: reorder tone %.0f ms after the measurement,"
	       " 480 Hz %.1f dBm0, 620 Hz %.1f dBm0 over 1 s (us: -24 dBm0 each, 50 %% on);"
	       " %d loop drop(s) (kewlstart battery drop)\n",
	       reorder, r480, r620, drops);
	/* both frequencies there (about -30 dBm0 over the second: the
	 * cadence and the guest's scheduling); a starved guest drops
	 * frames, so only well clear of silence is asked for */
	result("call_fxs_sip_remote_hangup_reorder",
	       reorder >= 0 && r480 > -36 && r620 > -36);
	ops->lineop(card, PHONE2, GW_HW_OP_ONHOOK);
	run_ms(2000); /* DAHDI reports on-hook 1250 ms late */
}

int main(int argc, char **argv)
{
	int wait_s = argc > 1 ? atoi(argv[1]) : 60;
	int e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = ops->open(&card, "3-6");
	if (e) {
		printf("  farend: open(\"3-6\"): %d\n", e);
		result("call_farend_open", false);
		return 1;
	}
	/* DAHDI hides ring starts for 2 s after an FXS-signalled channel
	 * was opened */
	run_ms(2100);
	printf("CALLTEST_READY\n");
	call_sip_to_fxs(wait_s);
	run_ms(3000); /* both sides back to idle */
	call_fxo_to_sip();
	run_ms(3000);
	call_fxs_to_sip();
	ops->close(card);
	return failed ? 1 : 0;
}
