// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_modem: fax and modem connect-tone detection (dsp/modem). The tones
 * come from spandsp's own generators -- modem_connect_tones_tx for CNG,
 * ANS, ANS/, ANSam and ANSam/, fsk_tx on V.21 channel 2 sending 0x7E
 * flags for the fax preamble -- rescaled to the level under test and mixed
 * with white noise (spandsp's awgn). The negative cases use speech-like
 * signals (same models as test_dsp), DTMF and dsp/tone call-progress tones.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/dtmf.h"
#include "dsp/level.h"
#include "dsp/modem.h"
#include "dsp/tone.h"
#include "tests/test.h"
#include "tests/testsig.h"

#define RATE	    8000
#define BLOCK	    160
#define PAD	    (RATE / 2) /* noise before each tone */
#define NOISE_DBM0  (-50.0f)   /* white noise under the tones */
#define MAX_SAMPLES (12 * RATE)

/* ---- helpers ---------------------------------------------------------- */

static uint32_t rng_state;

static void add_noise(int16_t *x, int n, float level_dbm0, int seed)
{
	awgn_state_t *g = awgn_init_dbm0(NULL, seed, level_dbm0);

	for (int i = 0; i < n; i++)
		x[i] = gw_testsig_sat16((double)x[i] + awgn(g));
	awgn_free(g);
}

/* Events collected by the callback. */
struct evlog {
	struct gw_modem_event ev[64];
	int n;
};

static void on_event(void *arg, const struct gw_modem_event *ev)
{
	struct evlog *log = arg;

	if (log->n < 64)
		log->ev[log->n++] = *ev;
}

static int run_detector(const int16_t *x, int n, struct evlog *log)
{
	struct gw_modem_rx *rx;
	int rc;

	memset(log, 0, sizeof(*log));
	rc = gw_modem_rx_alloc(&rx, GW_MODEM_DETECT_ALL, on_event, log);
	if (rc)
		return rc;
	for (int i = 0; i < n; i += BLOCK)
		gw_modem_rx_process(rx, x + i, n - i < BLOCK ? n - i : BLOCK);
	gw_modem_rx_free(rx);
	return 0;
}

static int count_on(const struct evlog *log, enum gw_modem_tone tone)
{
	int k = 0;

	for (int i = 0; i < log->n; i++)
		if (log->ev[i].on && log->ev[i].tone == tone)
			k++;
	return k;
}

static int first_on(const struct evlog *log, enum gw_modem_tone tone)
{
	for (int i = 0; i < log->n; i++)
		if (log->ev[i].on && log->ev[i].tone == tone)
			return i;
	return -1;
}

static void print_events(const char *what, const struct evlog *log)
{
	printf("  %s:", what);
	for (int i = 0; i < log->n; i++)
		printf(" %s%s@%.0fms", log->ev[i].on ? "+" : "-",
		       gw_modem_tone_name(log->ev[i].tone),
		       log->ev[i].sample / 8.0);
	printf("%s\n", log->n ? "" : " (none)");
}

/*
 * PAD samples of silence, then spandsp's connect tone `type` (which itself
 * starts with 200 ms of silence for the answer tones) rescaled from its
 * native level to level_dbm0, then noise over everything. Returns the
 * number of samples written; *tone_at is where the tone proper starts.
 */
static int gen_connect(int16_t *x, int max, int type, double seconds,
		       float level_dbm0, int *tone_at)
{
	modem_connect_tones_tx_state_t *tx;
	int native = (type == MODEM_CONNECT_TONES_ANS_PR ||
		      type == MODEM_CONNECT_TONES_ANSAM_PR)
			 ? -12
			 : -11;
	double k = pow(10.0, (level_dbm0 - native) / 20.0);
	int n = (int)(seconds * RATE), got;

	if (n + PAD > max)
		n = max - PAD;
	memset(x, 0, sizeof(*x) * (size_t)(n + PAD));
	tx = modem_connect_tones_tx_init(NULL, type);
	if (!tx)
		return -ENOMEM;
	got = modem_connect_tones_tx(tx, x + PAD, n);
	modem_connect_tones_tx_free(tx);
	for (int i = PAD; i < PAD + got; i++)
		x[i] = gw_testsig_sat16(x[i] * k);
	*tone_at = PAD + (type == MODEM_CONNECT_TONES_FAX_CNG ? 0 : RATE / 5);
	add_noise(x, n + PAD, NOISE_DBM0, 1234 + type);
	return n + PAD;
}

struct flags {
	int bit;
};

static int flag_bit(void *user_data)
{
	struct flags *f = user_data;
	int b = (0x7E >> (f->bit & 7)) & 1;

	f->bit++;
	return b;
}

/* PAD of noise, then `seconds` of V.21 ch 2 HDLC flags at level_dbm0. */
static int gen_v21(int16_t *x, int max, double seconds, float level_dbm0,
		   int *tone_at)
{
	struct flags f = {0};
	fsk_tx_state_t *tx;
	int n = (int)(seconds * RATE);

	if (n + PAD > max)
		n = max - PAD;
	memset(x, 0, sizeof(*x) * PAD);
	tx = fsk_tx_init(NULL, &preset_fsk_specs[FSK_V21CH2], flag_bit, &f);
	if (!tx)
		return -ENOMEM;
	fsk_tx_power(tx, level_dbm0);
	fsk_tx(tx, x + PAD, n);
	fsk_tx_free(tx);
	*tone_at = PAD;
	add_noise(x, n + PAD, NOISE_DBM0, 77);
	return n + PAD;
}

/* ---- positive cases --------------------------------------------------- */

/*
 * Run one connect tone at -10 and -30 dBm0: `want` must be reported (and
 * nothing outside `allowed`); print the time from tone start to detection.
 */
static int check_tone(int type, enum gw_modem_tone want, unsigned int allowed,
		      double seconds, int want_count)
{
	static int16_t x[MAX_SAMPLES];
	static const float levels[] = {-10.0f, -30.0f};

	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		struct evlog log;
		int at, n, i;

		if (want == GW_MODEM_V21)
			n = gen_v21(x, MAX_SAMPLES, seconds, levels[l], &at);
		else
			n = gen_connect(x, MAX_SAMPLES, type, seconds,
					levels[l], &at);
		TEST_ASSERT(n > 0);
		TEST_EQ_INT(run_detector(x, n, &log), 0);
		i = first_on(&log, want);
		if (i < 0) {
			print_events("got", &log);
			TEST_FAIL("%s at %.0f dBm0 not detected",
				  gw_modem_tone_name(want), levels[l]);
		}
		printf("  %-13s %4.0f dBm0 (noise %.0f dBm0): detected after "
		       "%4.0f ms, level %d dBm0, %d occurrence(s)\n",
		       gw_modem_tone_name(want), levels[l], NOISE_DBM0,
		       ((double)log.ev[i].sample - at) / 8.0,
		       log.ev[i].level_dbm0, count_on(&log, want));
		print_events("events", &log);
		TEST_ASSERT(log.ev[i].sample > (uint64_t)at);
		TEST_EQ_INT(count_on(&log, want), want_count);
		for (int j = 0; j < log.n; j++)
			if (log.ev[j].on && !(allowed & (1u << log.ev[j].tone)))
				TEST_FAIL("%s reported for %s",
					  gw_modem_tone_name(log.ev[j].tone),
					  gw_modem_tone_name(want));
	}
	return 0;
}

#define BIT(t) (1u << (t))

static int test_cng(void)
{
	/* 10.5 s: three 0.5 s bursts, each reported once. */
	return check_tone(MODEM_CONNECT_TONES_FAX_CNG, GW_MODEM_CNG,
			  BIT(GW_MODEM_CNG), 10.5, 3);
}

static int test_ced(void)
{
	return check_tone(MODEM_CONNECT_TONES_ANS, GW_MODEM_ANS,
			  BIT(GW_MODEM_ANS), 3.0, 1);
}

static int test_ans_pr(void)
{
	return check_tone(MODEM_CONNECT_TONES_ANS_PR, GW_MODEM_ANS_PR,
			  BIT(GW_MODEM_ANS_PR), 3.6, 1);
}

static int test_ansam(void)
{
	return check_tone(MODEM_CONNECT_TONES_ANSAM, GW_MODEM_ANSAM,
			  BIT(GW_MODEM_ANSAM), 5.3, 1);
}

static int test_ansam_pr(void)
{
	return check_tone(MODEM_CONNECT_TONES_ANSAM_PR, GW_MODEM_ANSAM_PR,
			  BIT(GW_MODEM_ANSAM_PR), 5.3, 1);
}

static int test_v21(void)
{
	return check_tone(0, GW_MODEM_V21, BIT(GW_MODEM_V21), 1.0, 1);
}

static int count_ons(const struct gw_modem_event *ev, int n,
		     enum gw_modem_tone tone)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += ev[i].on && ev[i].tone == tone;
	return k;
}

/* CED then (75 ms gap) V.21 preamble, as a T.30 answerer sends them, with
 * the poll interface: both reported, in order, each once. */
static int test_ced_then_preamble(void)
{
	static int16_t x[MAX_SAMPLES];
	struct gw_modem_rx *rx;
	struct gw_modem_event ev, got[16];
	int at, n, m, k = 0, ced = -1, v21 = -1, v21_ev = -1;

	n = gen_connect(x, MAX_SAMPLES, MODEM_CONNECT_TONES_ANS, 2.8, -15, &at);
	TEST_ASSERT(n > 0);
	memset(x + n, 0, sizeof(*x) * 600);
	add_noise(x + n, 600, NOISE_DBM0, 5);
	n += 600; /* 75 ms gap */
	m = gen_v21(x + n, MAX_SAMPLES - n, 1.0, -15, &at);
	TEST_ASSERT(m > 0);
	n += m;
	TEST_EQ_INT(gw_modem_rx_alloc(&rx, GW_MODEM_DETECT_ALL, NULL, NULL), 0);
	for (int i = 0; i < n; i += BLOCK) {
		gw_modem_rx_process(rx, x + i, n - i < BLOCK ? n - i : BLOCK);
		if (gw_modem_rx_current(rx) == GW_MODEM_V21 && v21 < 0)
			v21 = i;
	}
	while (gw_modem_rx_get(rx, &ev) && k < 16)
		got[k++] = ev;
	TEST_EQ_INT(gw_modem_rx_dropped(rx), 0);
	printf("  poll:");
	for (int i = 0; i < k; i++)
		printf(" %s%s@%.0fms", got[i].on ? "+" : "-",
		       gw_modem_tone_name(got[i].tone), got[i].sample / 8.0);
	printf("\n");
	for (int i = 0; i < k; i++) {
		if (got[i].on && got[i].tone == GW_MODEM_ANS && ced < 0)
			ced = i;
		if (got[i].on && got[i].tone == GW_MODEM_V21 && ced >= 0)
			v21_ev = i;
	}
	TEST_ASSERT(ced >= 0);
	TEST_ASSERT(v21_ev > ced);
	TEST_ASSERT(v21 >= 0); /* also seen through gw_modem_rx_current() */
	TEST_EQ_INT(count_ons(got, k, GW_MODEM_ANS), 1);
	TEST_EQ_INT(count_ons(got, k, GW_MODEM_V21), 1);
	/* +ANS -ANS +V.21 (the flags run to the end: no -V.21) */
	TEST_EQ_INT(k, 3);
	/* Reset forgets the position and the events. */
	gw_modem_rx_reset(rx);
	TEST_EQ_INT(gw_modem_rx_get(rx, &ev), 0);
	TEST_EQ_INT(gw_modem_rx_current(rx), GW_MODEM_NONE);
	gw_modem_rx_free(rx);
	return 0;
}

static int test_api(void)
{
	struct gw_modem_rx *rx = NULL;

	TEST_EQ_INT(gw_modem_rx_alloc(&rx, 0, NULL, NULL), -EINVAL);
	TEST_EQ_INT(gw_modem_rx_alloc(&rx, 8, NULL, NULL), -EINVAL);
	TEST_ASSERT(rx == NULL);
	gw_modem_rx_free(NULL);
	TEST_EQ_STR(gw_modem_tone_name(GW_MODEM_ANSAM_PR), "ANSam/");
	/* Only the ANS detector: CNG is not reported. */
	{
		static int16_t x[MAX_SAMPLES];
		struct gw_modem_event ev;
		int at,
		    n = gen_connect(x, MAX_SAMPLES, MODEM_CONNECT_TONES_FAX_CNG,
				    1.0, -10, &at);

		TEST_EQ_INT(
		    gw_modem_rx_alloc(&rx, GW_MODEM_DETECT_ANS, NULL, NULL), 0);
		gw_modem_rx_process(rx, x, n);
		TEST_EQ_INT(gw_modem_rx_get(rx, &ev), 0);
		gw_modem_rx_free(rx);
	}
	return 0;
}

/* ---- negative cases --------------------------------------------------- */

static int expect_nothing(const char *what, const int16_t *x, int n)
{
	struct evlog log;

	TEST_EQ_INT(run_detector(x, n, &log), 0);
	printf("  %-28s %5.1f s at %6.1f dBm0: %d false event(s)\n", what,
	       (double)n / RATE, gw_level_dbm0(x, n), log.n);
	if (log.n) {
		print_events("false", &log);
		TEST_FAIL("false detection on %s", what);
	}
	return 0;
}

static int test_speech(void)
{
	static int16_t x[20 * RATE];
	const int n = 20 * RATE;

	rng_state = 4242;
	gw_testsig_speech_voiced(x, n, &rng_state);
	add_noise(x, n, -55, 9);
	if (expect_nothing("speech (voiced model)", x, n))
		return -1;
	gw_testsig_speech_multitone(x, n, 2, &rng_state);
	if (expect_nothing("speech (hopping multitone)", x, n))
		return -1;
	return 0;
}

static int test_dtmf_progress(void)
{
	static int16_t x[20 * RATE];
	struct gw_dtmf_tx *dt;
	struct gw_tone_gen *tg;
	static const enum gw_tone tones[] = {GW_TONE_DIAL, GW_TONE_RINGBACK,
					     GW_TONE_BUSY, GW_TONE_CONGESTION};
	int n;

	/* All 16 digits, 4 times, 100 ms on / 100 ms off at -6 dBm0. */
	TEST_EQ_INT(gw_dtmf_tx_alloc(&dt, -6, 100, 100), 0);
	for (int r = 0; r < 4; r++)
		TEST_EQ_INT(gw_dtmf_tx_put(dt, "0123456789*#ABCD"), 0);
	for (n = 0; n + BLOCK <= 20 * RATE && gw_dtmf_tx_busy(dt); n += BLOCK)
		gw_dtmf_tx_process(dt, x + n, BLOCK);
	gw_dtmf_tx_free(dt);
	if (expect_nothing("DTMF 0-9*#A-D x4", x, n))
		return -1;
	TEST_EQ_INT(gw_tone_gen_alloc(&tg), 0);
	for (size_t t = 0; t < sizeof(tones) / sizeof(tones[0]); t++) {
		char what[40];

		gw_tone_gen_set(tg, tones[t]);
		gw_tone_gen_process(tg, x, 10 * RATE);
		add_noise(x, 10 * RATE, NOISE_DBM0, 3);
		snprintf(what, sizeof(what), "%s tone", gw_tone_name(tones[t]));
		if (expect_nothing(what, x, 10 * RATE)) {
			gw_tone_gen_free(tg);
			return -1;
		}
	}
	/* Tones near, but outside, the detectors' bands. */
	static const int near[] = {1000, 1200, 1950, 2250};
	for (size_t t = 0; t < sizeof(near) / sizeof(near[0]); t++) {
		char what[40];

		TEST_EQ_INT(gw_tone_gen_custom(tg, near[t], 0, -10, 0, 0), 0);
		gw_tone_gen_process(tg, x, 4 * RATE);
		snprintf(what, sizeof(what), "%d Hz continuous", near[t]);
		if (expect_nothing(what, x, 4 * RATE)) {
			gw_tone_gen_free(tg);
			return -1;
		}
	}
	gw_tone_gen_free(tg);
	return 0;
}

/*
 * The gate in front of spandsp's detectors: speech reaches them for a
 * small part of the time, while connect tones right after speech are
 * found as they are without it.
 */
static int test_gate(void)
{
	static int16_t x[MAX_SAMPLES];
	struct gw_modem_rx *rx;
	uint64_t chunks, fed;
	const int n = 10 * RATE;

	rng_state = 99;
	gw_testsig_speech_voiced(x, n, &rng_state);
	add_noise(x, n, -55, 4);
	TEST_EQ_INT(gw_modem_rx_alloc(&rx, GW_MODEM_DETECT_ALL, NULL, NULL), 0);
	for (int i = 0; i < n; i += BLOCK)
		gw_modem_rx_process(rx, x + i, BLOCK);
	gw_modem_rx_gate_stats(rx, &chunks, &fed);
	printf("  speech 10 s, 3 detectors: %llu of %llu chunks fed (%.1f %%)\n",
	       (unsigned long long)fed, (unsigned long long)chunks,
	       100.0 * (double)fed / (double)chunks);
	TEST_ASSERT(chunks == 3 * (uint64_t)n / 40);
	TEST_ASSERT(fed * 4 < chunks);
	gw_modem_rx_free(rx);

	/* speech, then each tone at -30 dBm0 (noise -50): found */
	static const struct {
		int type;
		enum gw_modem_tone want;
	} tones[] = {
		{MODEM_CONNECT_TONES_FAX_CNG, GW_MODEM_CNG},
		{MODEM_CONNECT_TONES_ANS, GW_MODEM_ANS},
		{MODEM_CONNECT_TONES_ANSAM_PR, GW_MODEM_ANSAM_PR},
		{0, GW_MODEM_V21},
	};
	for (size_t t = 0; t < sizeof(tones) / sizeof(tones[0]); t++) {
		struct evlog log;
		int at, m, sp = 2 * RATE;

		gw_testsig_speech_voiced(x, sp, &rng_state);
		if (tones[t].want == GW_MODEM_V21)
			m = gen_v21(x + sp, MAX_SAMPLES - sp, 1.0, -30, &at);
		else
			m = gen_connect(x + sp, MAX_SAMPLES - sp, tones[t].type,
					4.0, -30, &at);
		TEST_ASSERT(m > 0);
		TEST_EQ_INT(run_detector(x, sp + m, &log), 0);
		int i = first_on(&log, tones[t].want);
		if (i < 0) {
			print_events("got", &log);
			TEST_FAIL("%s at -30 dBm0 after speech not detected",
				  gw_modem_tone_name(tones[t].want));
		}
		printf("  %-13s -30 dBm0 after 2 s of speech: detected after "
		       "%4.0f ms\n", gw_modem_tone_name(tones[t].want),
		       ((double)log.ev[i].sample - sp - at) / 8.0);
	}
	return 0;
}

const struct gw_test_case gw_test_cases_modem[] = {
    {"modem_gate", test_gate},
    {"modem_api", test_api},
    {"modem_cng", test_cng},
    {"modem_ced", test_ced},
    {"modem_ans_pr", test_ans_pr},
    {"modem_ansam", test_ansam},
    {"modem_ansam_pr", test_ansam_pr},
    {"modem_v21_preamble", test_v21},
    {"modem_ced_then_preamble", test_ced_then_preamble},
    {"modem_no_false_speech", test_speech},
    {"modem_no_false_dtmf_progress", test_dtmf_progress},
    {NULL, NULL},
};
