// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dsp: unit cases for dsp/ (G.711, DTMF, tone generation, call-progress
 * detection, levels). Signals are generated here or by dsp/ itself. The
 * G.711 code points are from ITU-T G.711 (11/88) tables 1a (A-law) and 2a
 * (µ-law), written on the 16-bit linear scale the coders use: the tables'
 * 13-bit A-law values x 8 and 14-bit µ-law values x 4.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dtmf.h"
#include "dsp/g711.h"
#include "dsp/level.h"
#include "dsp/progress.h"
#include "dsp/tone.h"
#include "tests/test.h"
#include "tests/testsig.h"

#define RATE 8000
#define BLOCK 160

/* ---- helpers ---------------------------------------------------------- */

static uint32_t rng_state;

/* Sine at level_dbm0 by the definition (a full-scale sine is +3.14 dBm0),
 * independent of dsp/level. */
static void sine(int16_t *x, int n, double freq_hz, double level_dbm0)
{
	double peak = 32767.0 * pow(10.0, (level_dbm0 - 3.14) / 20);
	int i;

	for (i = 0; i < n; i++)
		x[i] = gw_testsig_sat16(
			peak * sin(2.0 * M_PI * freq_hz * i / RATE + 0.3));
}

/* ---- G.711 ------------------------------------------------------------ */

/*
 * G.711 table 2a (µ-law): (decoder output x 4, code as sent). Segments are
 * numbered 0-7 here as in the code's segment bits (the table's 1-8).
 */
static const struct {
	int16_t linear;
	uint8_t code;
} ulaw_points[] = {
	{ 0, 0xFF },	  /* zero */
	{ 8, 0xFE },	  /* 2: first step of segment 0 (step 2) */
	{ 120, 0xF0 },	  /* 30: last value of segment 0 */
	{ 132, 0xEF },	  /* 33: first value of segment 1 (step 4) */
	{ 372, 0xE0 },	  /* 93: last value of segment 1 */
	{ 396, 0xDF },	  /* 99: first value of segment 2 (step 8) */
	{ 4092, 0xAF },	  /* 1023: first value of segment 5 */
	{ 32124, 0x80 },  /* 8031: largest */
	{ -8, 0x7E },	  /* -2 */
	{ -132, 0x6F },	  /* -33 */
	{ -32124, 0x00 }, /* -8031: most negative */
};

/* G.711 table 1a (A-law): 13-bit values x 8, codes as sent (even bits
 * inverted). */
static const struct {
	int16_t linear;
	uint8_t code;
} alaw_points[] = {
	{ 8, 0xD5 },	  /* 1: smallest positive, raw 0x80 */
	{ 248, 0xDA },	  /* 31: last value of segment 0 (step 2) */
	{ 264, 0xC5 },	  /* 33: first value of segment 1 (step 2) */
	{ 528, 0xF5 },	  /* 66: first value of segment 2 (step 4) */
	{ 32256, 0xAA },  /* 4032: largest, raw 0xFF */
	{ -8, 0x55 },	  /* -1, raw 0x00 */
	{ -264, 0x45 },	  /* -33 */
	{ -32256, 0x2A }, /* -4032: most negative, raw 0x7F */
};

static int test_g711_ulaw_codes(void)
{
	int16_t lin;
	uint8_t code;
	size_t i;

	TEST_EQ_INT(gw_g711_silence(GW_G711_ULAW), 0xFF);
	for (i = 0; i < sizeof(ulaw_points) / sizeof(ulaw_points[0]); i++) {
		gw_g711_encode(GW_G711_ULAW, &code, &ulaw_points[i].linear, 1);
		TEST_EQ_INT(code, ulaw_points[i].code);
		gw_g711_decode(GW_G711_ULAW, &lin, &ulaw_points[i].code, 1);
		TEST_EQ_INT(lin, ulaw_points[i].linear);
	}
	/* Decision values (table 2a) at segment edges, 14-bit x 4. */
	static const struct {
		int16_t linear;
		uint8_t code;
	} decisions[] = {
		{ 3, 0xFF },	/* below decision value 1 */
		{ 4, 0xFE },	/* decision value 1 */
		{ 123, 0xF0 },	/* below 31: end of segment 0 */
		{ 124, 0xEF },	/* 31: segment 1 starts */
		{ 379, 0xE0 },	/* below 95 */
		{ 380, 0xDF },	/* 95: segment 2 starts */
		{ 32767, 0x80 }, /* beyond the last decision value: clipped */
		{ -32768, 0x00 },
		{ -4, 0x7E },
		{ -3, 0x7F },	/* negative zero */
	};
	for (i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++) {
		gw_g711_encode(GW_G711_ULAW, &code, &decisions[i].linear, 1);
		TEST_EQ_INT(code, decisions[i].code);
	}
	/* Negative zero decodes to 0. */
	code = 0x7F;
	gw_g711_decode(GW_G711_ULAW, &lin, &code, 1);
	TEST_EQ_INT(lin, 0);
	return 0;
}

static int test_g711_alaw_codes(void)
{
	int16_t lin;
	uint8_t code;
	size_t i;

	TEST_EQ_INT(gw_g711_silence(GW_G711_ALAW), 0xD5);
	lin = 0;
	gw_g711_encode(GW_G711_ALAW, &code, &lin, 1);
	TEST_EQ_INT(code, 0xD5);
	for (i = 0; i < sizeof(alaw_points) / sizeof(alaw_points[0]); i++) {
		gw_g711_encode(GW_G711_ALAW, &code, &alaw_points[i].linear, 1);
		TEST_EQ_INT(code, alaw_points[i].code);
		gw_g711_decode(GW_G711_ALAW, &lin, &alaw_points[i].code, 1);
		TEST_EQ_INT(lin, alaw_points[i].linear);
	}
	static const struct {
		int16_t linear;
		uint8_t code;
	} decisions[] = {
		{ 255, 0xDA },	 /* below 32 (x 8): end of segment 0 */
		{ 256, 0xC5 },	 /* 32: segment 1 starts */
		{ 511, 0xCA },	 /* below 64 */
		{ 512, 0xF5 },	 /* 64: segment 2 starts */
		{ 32767, 0xAA }, /* clipped */
		{ -1, 0x55 },
		{ -32768, 0x2A },
	};
	for (i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++) {
		gw_g711_encode(GW_G711_ALAW, &code, &decisions[i].linear, 1);
		TEST_EQ_INT(code, decisions[i].code);
	}
	/*
	 * Even-bit inversion: the code sent is the sign-segment-quantisation
	 * value XOR 0x55. For positive x the raw code is 0x80 | seg << 4 | q,
	 * with seg the segment and q the top 4 bits below the leading 1.
	 */
	for (int x = 0; x < 32768; x += 7) {
		int mag = x >> 3; /* 13-bit scale, 12-bit magnitude */
		int seg = 0, q, raw;

		while (seg < 7 && mag >= (32 << seg))
			seg++;
		q = seg ? (mag >> seg) & 0x0F : (mag >> 1) & 0x0F;
		raw = 0x80 | seg << 4 | q;
		lin = (int16_t)x;
		gw_g711_encode(GW_G711_ALAW, &code, &lin, 1);
		if (code != (raw ^ 0x55))
			TEST_FAIL("A-law(%d) = 0x%02X, raw 0x%02X ^ 0x55 = "
				  "0x%02X",
				  x, code, raw, raw ^ 0x55);
	}
	return 0;
}

static int test_g711_roundtrip(void)
{
	uint8_t codes[256], again[256];
	int16_t lin[256];
	int i;

	for (i = 0; i < 256; i++)
		codes[i] = (uint8_t)i;
	gw_g711_decode(GW_G711_ALAW, lin, codes, 256);
	gw_g711_encode(GW_G711_ALAW, again, lin, 256);
	for (i = 0; i < 256; i++)
		if (again[i] != codes[i])
			TEST_FAIL("A-law 0x%02X -> %d -> 0x%02X", i, lin[i],
				  again[i]);

	gw_g711_decode(GW_G711_ULAW, lin, codes, 256);
	gw_g711_encode(GW_G711_ULAW, again, lin, 256);
	for (i = 0; i < 256; i++) {
		/* µ-law has two zeros; 0x7F (-0) comes back as 0xFF (+0). */
		uint8_t want = i == 0x7F ? 0xFF : (uint8_t)i;

		if (again[i] != want)
			TEST_FAIL("u-law 0x%02X -> %d -> 0x%02X", i, lin[i],
				  again[i]);
	}
	return 0;
}

static int test_g711_monotonic(void)
{
	static const enum gw_g711_law laws[] = { GW_G711_ULAW, GW_G711_ALAW };
	static int16_t lin[65536], out[65536];
	static uint8_t code[65536];

	for (int i = 0; i < 65536; i++)
		lin[i] = (int16_t)(i - 32768);
	for (size_t l = 0; l < 2; l++) {
		gw_g711_encode(laws[l], code, lin, 65536);
		gw_g711_decode(laws[l], out, code, 65536);
		for (int i = 1; i < 65536; i++) {
			if (out[i] < out[i - 1])
				TEST_FAIL("law %d: decode(encode(%d)) = %d < "
					  "decode(encode(%d)) = %d",
					  laws[l], lin[i], out[i], lin[i - 1],
					  out[i - 1]);
		}
		/* Quantisation error: at most half a step, about 3 %. */
		for (int i = 0; i < 65536; i++) {
			int x = lin[i], err = abs(out[i] - x);

			if (abs(x) <= 32000 && err > abs(x) / 30 + 8)
				TEST_FAIL("law %d: %d -> %d", laws[l], x,
					  out[i]);
		}
	}
	return 0;
}

/* ---- DTMF ------------------------------------------------------------- */

static const char all_digits[] = "0123456789*#ABCD";

/*
 * Send `digits` with the given level and timing through gw_dtmf_tx into
 * gw_dtmf_rx in 160-sample blocks, plus 200 ms of silence; the digits
 * received go to got.
 */
static int dtmf_loop(const char *digits, int level_dbm0, int on_ms,
		     int off_ms, char *got, int got_size, float *on_level)
{
	struct gw_dtmf_tx *tx = NULL;
	struct gw_dtmf_rx *rx = NULL;
	int16_t amp[BLOCK];
	int len = 0, room, n, total = 0, idle = 0, rc = -1;
	long want_total;

	got[0] = '\0';
	if (gw_dtmf_tx_alloc(&tx, level_dbm0, on_ms, off_ms) != 0 ||
	    gw_dtmf_rx_alloc(&rx) != 0)
		goto out;
	if (gw_dtmf_tx_put(tx, digits) != 0)
		goto out;
	if (!gw_dtmf_tx_busy(tx))
		goto out;
	*on_level = -99.0f;
	while (idle < 10) {
		n = gw_dtmf_tx_process(tx, amp, BLOCK);
		if (total == 0 && on_ms >= 20)
			*on_level = gw_level_dbm0(amp, on_ms * 8 < BLOCK ?
						       on_ms * 8 : BLOCK);
		total += n;
		if (!gw_dtmf_tx_busy(tx))
			idle++;
		gw_dtmf_rx_process(rx, amp, BLOCK);
		/* small reads, to exercise the queue */
		room = got_size - len < 3 ? got_size - len : 3;
		len += gw_dtmf_rx_get(rx, got + len, room);
	}
	want_total = (long)strlen(digits) * (on_ms + off_ms) * 8;
	if (total != want_total) {
		fprintf(stderr, "tx wrote %d samples, expected %ld\n", total,
			want_total);
		goto out;
	}
	rc = 0;
out:
	gw_dtmf_tx_free(tx);
	gw_dtmf_rx_free(rx);
	return rc;
}

static int dtmf_roundtrip(int level_dbm0)
{
	char got[64];
	float on_level;

	TEST_EQ_INT(dtmf_loop(all_digits, level_dbm0, 100, 100, got,
			      sizeof(got), &on_level),
		    0);
	TEST_EQ_STR(got, all_digits);
	/* Each of the two tones at level_dbm0: +3 dB together. */
	TEST_NEAR(on_level, level_dbm0 + 3.01, 0.5);
	return 0;
}

static int test_dtmf_roundtrip_m10(void)
{
	return dtmf_roundtrip(-10);
}

static int test_dtmf_roundtrip_m25(void)
{
	return dtmf_roundtrip(-25);
}

static int test_dtmf_short_rejected(void)
{
	char got[64];
	float on_level;

	/* 20 ms tones are too short (Q.24: at most 20 ms must be rejected). */
	TEST_EQ_INT(dtmf_loop(all_digits, -10, 20, 80, got, sizeof(got),
			      &on_level),
		    0);
	TEST_EQ_STR(got, "");
	/* 40 ms tones (Q.24's shortest that must be accepted) are heard. */
	TEST_EQ_INT(dtmf_loop(all_digits, -10, 40, 60, got, sizeof(got),
			      &on_level),
		    0);
	TEST_EQ_STR(got, all_digits);
	return 0;
}

static int test_dtmf_put(void)
{
	struct gw_dtmf_tx *tx;
	struct gw_dtmf_rx *rx;
	int16_t amp[BLOCK];
	char big[200], buf[8];

	TEST_EQ_INT(gw_dtmf_tx_alloc(&tx, 10, 100, 100), -EINVAL);
	TEST_EQ_INT(gw_dtmf_tx_alloc(&tx, -10, 0, 100), -EINVAL);
	TEST_EQ_INT(gw_dtmf_tx_alloc(&tx, -10, 100, 100), 0);
	TEST_EQ_INT(gw_dtmf_tx_put(tx, "12X"), -EINVAL);
	TEST_EQ_INT(gw_dtmf_tx_put(tx, "a"), -EINVAL);
	TEST_EQ_INT(gw_dtmf_tx_put(tx, " "), -EINVAL);
	TEST_EQ_INT(gw_dtmf_tx_put(tx, "1,2"), -EINVAL);
	TEST_ASSERT(!gw_dtmf_tx_busy(tx));
	/* nothing was queued: the block is idle and silent */
	memset(amp, 0x55, sizeof(amp));
	TEST_EQ_INT(gw_dtmf_tx_process(tx, amp, BLOCK), 0);
	for (int i = 0; i < BLOCK; i++)
		TEST_EQ_INT(amp[i], 0);

	/* A string that does not fit is refused whole. */
	memset(big, '5', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	TEST_EQ_INT(gw_dtmf_tx_put(tx, big), -ENOSPC);
	TEST_ASSERT(!gw_dtmf_tx_busy(tx));
	big[100] = '\0';
	TEST_EQ_INT(gw_dtmf_tx_put(tx, big), 0);
	TEST_EQ_INT(gw_dtmf_tx_put(tx, big), -ENOSPC);
	TEST_ASSERT(gw_dtmf_tx_busy(tx));
	gw_dtmf_tx_reset(tx);
	TEST_ASSERT(!gw_dtmf_tx_busy(tx));
	TEST_EQ_INT(gw_dtmf_tx_process(tx, amp, BLOCK), 0);

	/* One digit: exactly 200 ms of output, then idle. */
	TEST_EQ_INT(gw_dtmf_tx_put(tx, "7"), 0);
	for (int i = 0; i < 10; i++) {
		TEST_ASSERT(gw_dtmf_tx_busy(tx));
		TEST_EQ_INT(gw_dtmf_tx_process(tx, amp, BLOCK), BLOCK);
	}
	TEST_ASSERT(!gw_dtmf_tx_busy(tx));
	TEST_EQ_INT(gw_dtmf_tx_process(tx, amp, BLOCK), 0);
	gw_dtmf_tx_free(tx);
	gw_dtmf_tx_free(NULL);

	/* rx: get with a tiny buffer, and reset forgets queued digits. */
	TEST_EQ_INT(gw_dtmf_rx_alloc(&rx), 0);
	TEST_EQ_INT(gw_dtmf_tx_alloc(&tx, -10, 60, 60), 0);
	TEST_EQ_INT(gw_dtmf_tx_put(tx, "95"), 0);
	while (gw_dtmf_tx_busy(tx)) {
		gw_dtmf_tx_process(tx, amp, BLOCK);
		gw_dtmf_rx_process(rx, amp, BLOCK);
	}
	TEST_EQ_INT(gw_dtmf_rx_get(rx, buf, 0), 0);
	TEST_EQ_INT(gw_dtmf_rx_get(rx, buf, 1), 0);
	TEST_EQ_STR(buf, "");
	TEST_EQ_INT(gw_dtmf_rx_get(rx, buf, 2), 1);
	TEST_EQ_STR(buf, "9");
	gw_dtmf_rx_reset(rx);
	TEST_EQ_INT(gw_dtmf_rx_get(rx, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "");
	gw_dtmf_tx_free(tx);
	gw_dtmf_rx_free(rx);
	gw_dtmf_rx_free(NULL);
	return 0;
}

/* ---- tone generation -------------------------------------------------- */

static const struct {
	enum gw_tone tone;
	const char *name;
	int f1_hz, f2_hz, level_dbm0, on_ms, off_ms;
} us_tones[] = {
	{ GW_TONE_DIAL, "dial", 350, 440, -13, 0, 0 },
	{ GW_TONE_RINGBACK, "ringback", 440, 480, -19, 2000, 4000 },
	{ GW_TONE_BUSY, "busy", 480, 620, -24, 500, 500 },
	{ GW_TONE_CONGESTION, "congestion", 480, 620, -24, 250, 250 },
};

#define NTONES (sizeof(us_tones) / sizeof(us_tones[0]))

/* Generate `n` samples of `tone` in 160-sample blocks into x. */
static int gen_tone(enum gw_tone tone, int16_t *x, int n)
{
	struct gw_tone_gen *gen;
	int i;

	if (gw_tone_gen_alloc(&gen) != 0)
		return -1;
	gw_tone_gen_set(gen, tone);
	if (gw_tone_gen_current(gen) != tone) {
		gw_tone_gen_free(gen);
		return -1;
	}
	for (i = 0; i < n; i += BLOCK)
		gw_tone_gen_process(gen, x + i, n - i < BLOCK ? n - i : BLOCK);
	gw_tone_gen_free(gen);
	return 0;
}

static int test_tone_frequencies(void)
{
	/* 200 ms: frequencies on exact 5 Hz bins, tones fully resolved. */
	static int16_t x[1600];
	static const double probes[] = { 350, 440, 480, 620, 1004 };

	for (size_t t = 0; t < NTONES; t++) {
		TEST_EQ_INT(gen_tone(us_tones[t].tone, x, 1600), 0);
		TEST_EQ_STR(gw_tone_name(us_tones[t].tone), us_tones[t].name);
		for (size_t p = 0; p < sizeof(probes) / sizeof(probes[0]);
		     p++) {
			double s = gw_testsig_tone_share(x, 1600, probes[p]);
			int expected = probes[p] == us_tones[t].f1_hz ||
				       probes[p] == us_tones[t].f2_hz;

			if (expected ? fabs(s - 0.5) > 0.02 : s > 0.01)
				TEST_FAIL("%s: share at %.0f Hz = %.3f",
					  us_tones[t].name, probes[p], s);
		}
	}
	return 0;
}

static int test_tone_levels(void)
{
	static int16_t x[4000];

	for (size_t t = 0; t < NTONES; t++) {
		TEST_EQ_INT(gen_tone(us_tones[t].tone, x, 4000), 0);
		/* first 200 ms: inside the on period of every tone */
		TEST_NEAR(gw_level_dbm0(x, 1600),
			  us_tones[t].level_dbm0 + 3.01, 0.5);
	}
	return 0;
}

/*
 * On and off periods over 14 s: off periods are exact zeros, on periods
 * have no run of 16 zeros. Each must be within one block of nominal.
 */
static int test_tone_cadence(void)
{
	static int16_t x[14 * RATE];
	const int n = 14 * RATE;

	for (size_t t = 0; t < NTONES; t++) {
		int on_len = us_tones[t].on_ms * 8;
		int off_len = us_tones[t].off_ms * 8;
		int i = 0, periods = 0;

		TEST_EQ_INT(gen_tone(us_tones[t].tone, x, n), 0);
		while (i < n) {
			int start = i, zero_run = 0, on, off;

			/* on: until 16 consecutive zeros */
			while (i < n && zero_run < 16) {
				zero_run = x[i] ? 0 : zero_run + 1;
				i++;
			}
			on = i - start - zero_run;
			start = i - zero_run;
			while (i < n && x[i] == 0)
				i++;
			off = i - start;
			if (i >= n)
				break; /* last, truncated period */
			if (!off_len)
				TEST_FAIL("%s: gap of %d samples at %d",
					  us_tones[t].name, off, start);
			if (abs(on - on_len) > BLOCK ||
			    abs(off - off_len) > BLOCK)
				TEST_FAIL("%s: on %d off %d samples, expected "
					  "%d/%d",
					  us_tones[t].name, on, off, on_len,
					  off_len);
			periods++;
		}
		if (off_len)
			TEST_ASSERT(periods >= n / (on_len + off_len) - 1);
		else
			TEST_EQ_INT(periods, 0);
	}
	return 0;
}

static int test_tone_custom(void)
{
	struct gw_tone_gen *gen;
	static int16_t x[RATE];

	TEST_EQ_INT(gw_tone_gen_alloc(&gen), 0);
	TEST_EQ_INT(gw_tone_gen_current(gen), GW_TONE_NONE);
	memset(x, 0x55, sizeof(x));
	gw_tone_gen_process(gen, x, BLOCK);
	for (int i = 0; i < BLOCK; i++)
		TEST_EQ_INT(x[i], 0);
	/* CUSTOM before any custom tone was given: nothing */
	gw_tone_gen_set(gen, GW_TONE_CUSTOM);
	TEST_EQ_INT(gw_tone_gen_current(gen), GW_TONE_NONE);

	TEST_EQ_INT(gw_tone_gen_custom(gen, 0, 0, -10, 0, 0), -EINVAL);
	TEST_EQ_INT(gw_tone_gen_custom(gen, 4000, 0, -10, 0, 0), -EINVAL);
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1000, -5, -10, 0, 0), -EINVAL);
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1000, 0, 5, 0, 0), -EINVAL);
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1000, 1200, 0, 0, 0), -EINVAL);
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1000, 0, -10, 0, 100), -EINVAL);
	TEST_EQ_INT(gw_tone_gen_current(gen), GW_TONE_NONE);

	/* 1000 Hz test tone at 0 dBm0, continuous */
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1000, 0, 0, 0, 0), 0);
	TEST_EQ_INT(gw_tone_gen_current(gen), GW_TONE_CUSTOM);
	for (int i = 0; i < RATE; i += BLOCK)
		gw_tone_gen_process(gen, x + i, BLOCK);
	TEST_NEAR(gw_level_dbm0(x, RATE), 0.0, 0.1);
	TEST_NEAR(gw_testsig_tone_share(x, RATE, 1000), 1.0, 0.01);

	/* 1400+2060 Hz, -20 dBm0 each, 100 ms on 300 ms off */
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1400, 2060, -20, 100, 300), 0);
	for (int i = 0; i < RATE; i += BLOCK)
		gw_tone_gen_process(gen, x + i, BLOCK);
	TEST_NEAR(gw_level_dbm0(x, 800), -20 + 3.01, 0.5);
	TEST_NEAR(gw_testsig_tone_share(x, 800, 1400), 0.5, 0.02);
	TEST_NEAR(gw_testsig_tone_share(x, 800, 2060), 0.5, 0.02);
	TEST_EQ_INT(gw_level_dbm0(x + 800, 2400), -99);
	TEST_NEAR(gw_level_dbm0(x + 3200, 800), -20 + 3.01, 0.5);

	/* set() restarts the custom tone from the start of its cadence */
	gw_tone_gen_set(gen, GW_TONE_NONE);
	gw_tone_gen_set(gen, GW_TONE_CUSTOM);
	TEST_EQ_INT(gw_tone_gen_current(gen), GW_TONE_CUSTOM);
	gw_tone_gen_process(gen, x, 800);
	TEST_NEAR(gw_level_dbm0(x, 800), -20 + 3.01, 0.5);

	gw_tone_gen_set(gen, GW_TONE_NONE);
	gw_tone_gen_process(gen, x, BLOCK);
	TEST_EQ_INT(gw_level_dbm0(x, BLOCK), -99);
	gw_tone_gen_set(gen, (enum gw_tone)99);
	TEST_EQ_INT(gw_tone_gen_current(gen), GW_TONE_NONE);
	TEST_EQ_STR(gw_tone_name(GW_TONE_NONE), "none");
	TEST_EQ_STR(gw_tone_name(GW_TONE_CUSTOM), "custom");
	TEST_EQ_STR(gw_tone_name((enum gw_tone)99), "unknown");
	gw_tone_gen_free(gen);
	gw_tone_gen_free(NULL);
	return 0;
}

/* ---- call-progress detection ----------------------------------------- */

/*
 * Feed x[0..n) in chunks of `chunk` samples. Returns the first time (ms)
 * at which the detector reported `expect` (or -1), and fails if it ever
 * reported another tone, or let go of `expect` after reporting it before
 * `hold_ms`.
 */
static int run_progress(const int16_t *x, int n, int chunk,
			enum gw_tone expect, int hold_ms, int *first_ms)
{
	struct gw_progress_det *det;
	int pos, rc = 0;

	*first_ms = -1;
	if (gw_progress_det_alloc(&det) != 0)
		return -1;
	for (pos = 0; pos < n && rc == 0; pos += chunk) {
		int len = n - pos < chunk ? n - pos : chunk;
		int r = gw_progress_det_process(det, x + pos, len);
		enum gw_tone cur = gw_progress_det_current(det);
		int t_ms = (pos + len) / 8;

		if (r != -1 && r != (int)cur) {
			fprintf(stderr, "process returned %d, current %d\n", r,
				cur);
			rc = -1;
		}
		if (cur == expect && expect != GW_TONE_NONE && *first_ms < 0) {
			*first_ms = t_ms;
			if (r != (int)expect) {
				fprintf(stderr, "change not reported\n");
				rc = -1;
			}
		}
		if (cur != GW_TONE_NONE && cur != expect) {
			fprintf(stderr, "at %d ms: heard %s, expected %s\n",
				t_ms, gw_tone_name(cur), gw_tone_name(expect));
			rc = -1;
		}
		if (*first_ms >= 0 && cur != expect && t_ms <= hold_ms) {
			fprintf(stderr, "at %d ms: lost %s\n", t_ms,
				gw_tone_name(expect));
			rc = -1;
		}
	}
	gw_progress_det_free(det);
	return rc;
}

/*
 * Generated `tone` must be heard between min_ms (its cadence cannot have
 * been seen sooner) and limit_ms, and held for 20 s.
 */
static int progress_tone(enum gw_tone tone, int min_ms, int limit_ms)
{
	static int16_t x[20 * RATE];
	const int n = 20 * RATE;
	int first_ms;

	TEST_EQ_INT(gen_tone(tone, x, n), 0);
	TEST_EQ_INT(run_progress(x, n, BLOCK, tone, 20000, &first_ms), 0);
	if (first_ms < min_ms || first_ms > limit_ms)
		TEST_FAIL("%s heard at %d ms, expected %d-%d ms",
			  gw_tone_name(tone), first_ms, min_ms, limit_ms);
	/* odd chunk sizes give the same answer to within a block */
	int first2;

	TEST_EQ_INT(run_progress(x, n, 37, tone, 20000, &first2), 0);
	TEST_ASSERT(abs(first2 - first_ms) <= 20);
	return 0;
}

static int test_progress_dial(void)
{
	return progress_tone(GW_TONE_DIAL, 1000, 1200);
}

static int test_progress_ringback(void)
{
	return progress_tone(GW_TONE_RINGBACK, 1500, 2000);
}

static int test_progress_busy(void)
{
	return progress_tone(GW_TONE_BUSY, 1800, 2200);
}

static int test_progress_congestion(void)
{
	return progress_tone(GW_TONE_CONGESTION, 900, 1200);
}

/* Tone stops: heard no longer after its cadence is broken. */
static int test_progress_stop(void)
{
	static int16_t x[6 * RATE];
	struct gw_progress_det *det;
	static const struct {
		enum gw_tone tone;
		int stop_ms, lost_within_ms;
	} cases[] = {
		{ GW_TONE_DIAL, 3000, 60 },
		{ GW_TONE_BUSY, 3000, 700 },
		{ GW_TONE_CONGESTION, 2500, 400 },
	};

	TEST_EQ_INT(gw_progress_det_alloc(&det), 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int stop = cases[c].stop_ms * 8, lost_ms = -1;

		TEST_EQ_INT(gen_tone(cases[c].tone, x, 6 * RATE), 0);
		memset(x + stop, 0, (size_t)(6 * RATE - stop) * sizeof(x[0]));
		gw_progress_det_reset(det);
		TEST_EQ_INT(gw_progress_det_current(det), GW_TONE_NONE);
		for (int pos = 0; pos < 6 * RATE; pos += BLOCK) {
			gw_progress_det_process(det, x + pos, BLOCK);
			if (pos + BLOCK == stop)
				TEST_EQ_INT(gw_progress_det_current(det),
					    cases[c].tone);
			if (pos >= stop && lost_ms < 0 &&
			    gw_progress_det_current(det) == GW_TONE_NONE)
				lost_ms = (pos + BLOCK - stop) / 8;
		}
		if (lost_ms < 0 || lost_ms > cases[c].lost_within_ms)
			TEST_FAIL("%s: lost %d ms after it stopped",
				  gw_tone_name(cases[c].tone), lost_ms);
	}
	gw_progress_det_free(det);
	gw_progress_det_free(NULL);
	return 0;
}

/* Busy at other levels, through the custom generator: -35 dBm0 per tone is
 * heard, -46 dBm0 is below the detector's floor. */
static int test_progress_levels(void)
{
	static int16_t x[6 * RATE];
	struct gw_tone_gen *gen;
	int first_ms;

	TEST_EQ_INT(gw_tone_gen_alloc(&gen), 0);
	TEST_EQ_INT(gw_tone_gen_custom(gen, 480, 620, -35, 500, 500), 0);
	gw_tone_gen_process(gen, x, 6 * RATE);
	TEST_EQ_INT(run_progress(x, 6 * RATE, BLOCK, GW_TONE_BUSY, 6000,
				 &first_ms),
		    0);
	TEST_ASSERT(first_ms > 0 && first_ms <= 2200);
	TEST_EQ_INT(gw_tone_gen_custom(gen, 480, 620, -46, 500, 500), 0);
	gw_tone_gen_process(gen, x, 6 * RATE);
	TEST_EQ_INT(run_progress(x, 6 * RATE, BLOCK, GW_TONE_NONE, 0,
				 &first_ms),
		    0);
	/* single 440 Hz tone, continuous: not dial tone */
	TEST_EQ_INT(gw_tone_gen_custom(gen, 440, 0, -10, 0, 0), 0);
	gw_tone_gen_process(gen, x, 6 * RATE);
	TEST_EQ_INT(run_progress(x, 6 * RATE, BLOCK, GW_TONE_NONE, 0,
				 &first_ms),
		    0);
	/* dial tone with white noise 20 dB below it: still dial */
	gw_tone_gen_set(gen, GW_TONE_DIAL);
	gw_tone_gen_process(gen, x, 6 * RATE);
	rng_state = 7;
	for (int i = 0; i < 6 * RATE; i++)
		x[i] = gw_testsig_sat16(
			x[i] + gw_testsig_uniform(&rng_state, -1, 1) * 1100.0);
	TEST_EQ_INT(run_progress(x, 6 * RATE, BLOCK, GW_TONE_DIAL, 6000,
				 &first_ms),
		    0);
	TEST_ASSERT(first_ms > 0 && first_ms <= 1200);
	gw_tone_gen_free(gen);
	return 0;
}

static int no_progress(const int16_t *x, int n)
{
	int first_ms;

	TEST_EQ_INT(run_progress(x, n, BLOCK, GW_TONE_NONE, 0, &first_ms), 0);
	return 0;
}

#define NEG_SECONDS 20

static int test_progress_silence(void)
{
	static int16_t x[NEG_SECONDS * RATE];

	memset(x, 0, sizeof(x));
	if (no_progress(x, NEG_SECONDS * RATE))
		return -1;
	/* quiet line noise at about -60 dBm0 */
	rng_state = 1;
	for (int i = 0; i < NEG_SECONDS * RATE; i++)
		x[i] = gw_testsig_sat16(
			gw_testsig_uniform(&rng_state, -1, 1) * 28.0);
	return no_progress(x, NEG_SECONDS * RATE);
}

static int test_progress_1004hz(void)
{
	static int16_t x[NEG_SECONDS * RATE];

	sine(x, NEG_SECONDS * RATE, 1004, -10);
	if (no_progress(x, NEG_SECONDS * RATE))
		return -1;
	sine(x, NEG_SECONDS * RATE, 1004, 0);
	return no_progress(x, NEG_SECONDS * RATE);
}

static int test_progress_dtmf(void)
{
	static int16_t x[NEG_SECONDS * RATE];
	struct gw_dtmf_tx *tx;
	int pos = 0;

	/* digit strings of 100 ms tones at -10 dBm0 with pauses */
	TEST_EQ_INT(gw_dtmf_tx_alloc(&tx, -10, 100, 100), 0);
	while (pos < NEG_SECONDS * RATE) {
		if (!gw_dtmf_tx_busy(tx))
			TEST_EQ_INT(gw_dtmf_tx_put(tx, all_digits), 0);
		gw_dtmf_tx_process(tx, x + pos, BLOCK);
		pos += BLOCK;
	}
	gw_dtmf_tx_free(tx);
	if (no_progress(x, NEG_SECONDS * RATE))
		return -1;
	/* long (1 s) digits, no pause: still not a progress tone */
	TEST_EQ_INT(gw_dtmf_tx_alloc(&tx, -10, 1000, 0), 0);
	for (pos = 0; pos < NEG_SECONDS * RATE; pos += BLOCK) {
		if (!gw_dtmf_tx_busy(tx))
			TEST_EQ_INT(gw_dtmf_tx_put(tx, all_digits), 0);
		gw_dtmf_tx_process(tx, x + pos, BLOCK);
	}
	gw_dtmf_tx_free(tx);
	return no_progress(x, NEG_SECONDS * RATE);
}

/* Band-limited noise (300-3000 Hz) under a syllabic envelope. */
static void speech_noise(int16_t *x, int n)
{
	struct gw_testsig_syllables syl = { 0, 0, 0 };
	double hp = 0.0, lp = 0.0, prev = 0.0;

	for (int i = 0; i < n; i++) {
		double w = gw_testsig_uniform(&rng_state, -1, 1), env;

		hp = 0.8 * (hp + w - prev); /* high-pass, about 300 Hz */
		prev = w;
		lp += 0.7 * (hp - lp); /* low-pass, about 3 kHz */
		env = gw_testsig_syllable_env(&syl, &rng_state);
		x[i] = gw_testsig_sat16(lp * 12000.0 * env);
	}
}

static int test_progress_speech(void)
{
	static int16_t x[60 * RATE];
	const int n = 60 * RATE;

	rng_state = 12345;
	gw_testsig_speech_multitone(x, n, 2, &rng_state);
	TEST_ASSERT(gw_level_dbm0(x, n) > -30 && gw_level_dbm0(x, n) < -5);
	if (no_progress(x, n))
		TEST_FAIL("multitone");
	gw_testsig_speech_voiced(x, n, &rng_state);
	TEST_ASSERT(gw_level_dbm0(x, n) > -30 && gw_level_dbm0(x, n) < -5);
	if (no_progress(x, n))
		TEST_FAIL("voiced");
	speech_noise(x, n);
	TEST_ASSERT(gw_level_dbm0(x, n) > -30 && gw_level_dbm0(x, n) < -5);
	if (no_progress(x, n))
		TEST_FAIL("noise");
	return 0;
}

/* ---- level and gain --------------------------------------------------- */

static int test_level_sine(void)
{
	static int16_t x[RATE];

	sine(x, RATE, 1000, 0);
	TEST_NEAR(gw_level_dbm0(x, RATE), 0.0, 0.1);
	sine(x, RATE, 1000, -10);
	TEST_NEAR(gw_level_dbm0(x, RATE), -10.0, 0.1);
	sine(x, RATE, 1000, -40);
	TEST_NEAR(gw_level_dbm0(x, RATE), -40.0, 0.1);
	/* 0 dBm0: RMS 16140.6, peak 3.14 dB below full scale */
	TEST_NEAR(gw_level_dbm0_to_peak(0), GW_LEVEL_0DBM0_RMS * M_SQRT2, 0.5);
	TEST_NEAR(gw_level_dbm0_to_peak(3.14f), 32767, 2);
	TEST_NEAR(gw_level_dbm0_to_peak(-20), GW_LEVEL_0DBM0_RMS * M_SQRT2 / 10,
		  0.1);
	memset(x, 0, sizeof(x));
	TEST_EQ_INT(gw_level_dbm0(x, RATE), -99);
	TEST_EQ_INT(gw_level_dbm0(x, 0), -99);
	return 0;
}

static int test_level_gain(void)
{
	int16_t x[6] = { 1000, -1000, 0, 20000, -20000, 32767 };
	int16_t y[RATE];

	gw_level_gain(x, 6, 6.0f);
	TEST_NEAR(x[0], 2000, 10);
	TEST_NEAR(x[1], -2000, 10);
	TEST_EQ_INT(x[2], 0);
	TEST_EQ_INT(x[3], 32767);  /* saturated, not wrapped */
	TEST_EQ_INT(x[4], -32768);
	TEST_EQ_INT(x[5], 32767);
	gw_level_gain(x, 2, -6.0f);
	TEST_NEAR(x[0], 1000, 5);
	TEST_NEAR(x[1], -1000, 5);

	/* +6 dB on a -10 dBm0 sine: -4 dBm0, amplitude doubled */
	sine(y, RATE, 1000, -10);
	gw_level_gain(y, RATE, 6.0f);
	TEST_NEAR(gw_level_dbm0(y, RATE), -4.0, 0.1);
	/* +20 dB on a 0 dBm0 sine: clipped at full scale, never wrapped */
	sine(y, RATE, 1000, 0);
	gw_level_gain(y, RATE, 20.0f);
	for (int i = 1; i < RATE; i++) {
		double s = sin(2.0 * M_PI * 1000 * i / RATE + 0.3);

		if ((s > 0.2 && y[i] < 10000) || (s < -0.2 && y[i] > -10000))
			TEST_FAIL("sample %d wrapped: %d", i, y[i]);
	}
	TEST_EQ_INT(y[2], 32767);
	return 0;
}

const struct gw_test_case gw_test_cases_dsp[] = {
	{ "dsp_g711_ulaw_codes", test_g711_ulaw_codes },
	{ "dsp_g711_alaw_codes", test_g711_alaw_codes },
	{ "dsp_g711_roundtrip", test_g711_roundtrip },
	{ "dsp_g711_monotonic", test_g711_monotonic },
	{ "dsp_dtmf_roundtrip_m10", test_dtmf_roundtrip_m10 },
	{ "dsp_dtmf_roundtrip_m25", test_dtmf_roundtrip_m25 },
	{ "dsp_dtmf_short_rejected", test_dtmf_short_rejected },
	{ "dsp_dtmf_put", test_dtmf_put },
	{ "dsp_tone_frequencies", test_tone_frequencies },
	{ "dsp_tone_levels", test_tone_levels },
	{ "dsp_tone_cadence", test_tone_cadence },
	{ "dsp_tone_custom", test_tone_custom },
	{ "dsp_progress_dial", test_progress_dial },
	{ "dsp_progress_ringback", test_progress_ringback },
	{ "dsp_progress_busy", test_progress_busy },
	{ "dsp_progress_congestion", test_progress_congestion },
	{ "dsp_progress_stop", test_progress_stop },
	{ "dsp_progress_levels", test_progress_levels },
	{ "dsp_progress_silence", test_progress_silence },
	{ "dsp_progress_1004hz", test_progress_1004hz },
	{ "dsp_progress_dtmf", test_progress_dtmf },
	{ "dsp_progress_speech", test_progress_speech },
	{ "dsp_level_sine", test_level_sine },
	{ "dsp_level_gain", test_level_gain },
	{ NULL, NULL },
};
