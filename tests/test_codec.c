// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_codec: dsp/codec (descriptor table, ptime validation, round trips
 * of every codec), dsp/plc (concealment vs zero fill under random loss,
 * fade-out of long bursts) and dsp/level's precomputed gain and running
 * level meter. All signals are generated here; figures are printed.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/codec.h"
#include "dsp/g711.h"
#include "dsp/level.h"
#include "dsp/plc.h"
#include "tests/test.h"
#include "tests/testsig.h"

#define RATE 8000
#define SECS 2
#define N    (SECS * RATE)

/* ---- helpers ---------------------------------------------------------- */

static uint32_t rng_state = 1;

static void tones(int16_t *x, int n, const double *f, int k, float dbm0)
{
	double a = gw_level_dbm0_to_peak(dbm0);

	for (int i = 0; i < n; i++) {
		double v = 0.0;

		for (int j = 0; j < k; j++)
			v += a * sin(2.0 * M_PI * f[j] * i / RATE + j);
		x[i] = (int16_t)lrint(v);
	}
}

/* Goertzel power of x at f (normalised: a sine of amplitude A gives A^2). */
static double goertzel(const int16_t *x, int n, double f)
{
	double c = 2.0 * cos(2.0 * M_PI * f / RATE), s1 = 0, s2 = 0;

	for (int i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return 4.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / ((double)n * n);
}

/* Frequency of the strongest component within f0 +- 5 %, 0.5 Hz steps. */
static double peak_freq(const int16_t *x, int n, double f0)
{
	double best = 0, bf = f0;

	for (double f = f0 * 0.95; f <= f0 * 1.05; f += 0.5) {
		double p = goertzel(x, n, f);

		if (p > best) {
			best = p;
			bf = f;
		}
	}
	return bf;
}

/* Lag (0..max_lag) of y behind x with the highest correlation. */
static int best_lag(const int16_t *x, const int16_t *y, int n, int max_lag)
{
	double best = -1e300;
	int lag = 0;

	for (int l = 0; l <= max_lag; l++) {
		double c = 0;

		for (int i = 0; i + l < n; i++)
			c += (double)x[i] * y[i + l];
		if (c > best) {
			best = c;
			lag = l;
		}
	}
	return lag;
}

/* SNR and segmental SNR (20 ms segments, clamped -10..+60 dB) of y vs x. */
static void snr(const int16_t *x, const int16_t *y, int n, double *snr_db,
		double *seg_db)
{
	double se = 0, sn = 0, seg = 0;
	int segs = 0;

	for (int s = 0; s + 160 <= n; s += 160) {
		double e = 0, d = 0, v;

		for (int i = s; i < s + 160; i++) {
			double diff = (double)x[i] - y[i];

			e += (double)x[i] * x[i];
			d += diff * diff;
		}
		se += e;
		sn += d;
		v = d > 0 ? 10 * log10(e / d) : 60;
		seg += v > 60 ? 60 : v < -10 ? -10 : v;
		segs++;
	}
	*snr_db = sn > 0 ? 10 * log10(se / sn) : 99;
	*seg_db = segs ? seg / segs : 0;
}

/* Encode and decode x[0..n) frame by frame; returns 0 or a negative rc. */
static int round_trip(struct gw_codec *c, const int16_t *x, int16_t *y, int n,
		      int *bytes_per_frame)
{
	int fs = gw_codec_frame_samples(c);
	uint8_t pkt[4000];

	for (int i = 0; i + fs <= n; i += fs) {
		int len = gw_codec_encode(c, x + i, fs, pkt, sizeof(pkt));
		int got;

		if (len < 0)
			return len;
		*bytes_per_frame = len;
		got = gw_codec_decode(c, pkt, (size_t)len, y + i, fs);
		if (got != fs)
			return got < 0 ? got : -EPROTO;
	}
	return 0;
}

/* ---- descriptor table and ptime --------------------------------------- */

static int test_desc(void)
{
	const struct gw_codec_desc *d;

	for (int id = 0; id < GW_CODEC_COUNT; id++) {
		d = gw_codec_desc(id);
		TEST_ASSERT(d && d->id == (enum gw_codec_id)id);
		printf("  %-8s rtpmap %s/%d%s  pt %3d  rate %5d  ptimes",
		       d->name, d->name, d->rtp_clock_hz,
		       d->rtp_channels == 2 ? "/2" : "  ", d->payload_type,
		       d->sample_rate_hz);
		for (int i = 0; i < GW_CODEC_MAX_PTIMES && d->ptimes_ms[i]; i++)
			printf(" %d", d->ptimes_ms[i]);
		printf("\n");
		TEST_EQ_INT(gw_codec_find(d->name, d->rtp_clock_hz), id);
	}
	TEST_ASSERT(gw_codec_desc(GW_CODEC_COUNT) == NULL);
	d = gw_codec_desc(GW_CODEC_G722);
	TEST_EQ_INT(d->rtp_clock_hz, 8000); /* RFC 3551 quirk */
	TEST_EQ_INT(d->sample_rate_hz, 16000);
	TEST_EQ_INT(d->payload_type, 9);
	TEST_EQ_INT(gw_codec_desc(GW_CODEC_PCMU)->payload_type, 0);
	TEST_EQ_INT(gw_codec_desc(GW_CODEC_PCMA)->payload_type, 8);
	TEST_EQ_INT(gw_codec_desc(GW_CODEC_G729)->payload_type, 18);
	TEST_EQ_INT(gw_codec_desc(GW_CODEC_G726_32)->payload_type, -1);
	TEST_EQ_INT(gw_codec_desc(GW_CODEC_OPUS)->payload_type, -1);
	TEST_EQ_INT(gw_codec_find("g722", 8000), GW_CODEC_G722);
	TEST_EQ_INT(gw_codec_find("OPUS", 48000), GW_CODEC_OPUS);
	TEST_EQ_INT(gw_codec_find("G722", 16000), -ENOENT);
	TEST_EQ_INT(gw_codec_find("AAL2-G726-32", 8000), -ENOENT);
	return 0;
}

static int test_ptime(void)
{
	static const int bad[] = {-20, 0, 5, 15, 25, 70, 80, 1000};
	static int16_t x[60 * 8], y[60 * 8];
	uint8_t pkt[4000];
	struct gw_codec *c = NULL;

	tones(x, 60 * 8, (const double[]){1000}, 1, -10);
	for (int id = 0; id < GW_CODEC_COUNT; id++) {
		const struct gw_codec_desc *d = gw_codec_desc(id);

		printf("  %-8s", d->name);
		for (int i = 0; i < GW_CODEC_MAX_PTIMES && d->ptimes_ms[i];
		     i++) {
			int p = d->ptimes_ms[i], fs, len, got, want;

			TEST_EQ_INT(gw_codec_alloc(&c, id, p, NULL), 0);
			fs = gw_codec_frame_samples(c);
			TEST_EQ_INT(fs, p * 8);
			TEST_EQ_INT(gw_codec_rtp_ts_per_frame(c),
				    p * d->rtp_clock_hz / 1000);
			len = gw_codec_encode(c, x, fs, pkt, sizeof(pkt));
			TEST_ASSERT(len > 0 &&
				    (size_t)len <= gw_codec_max_bytes(c));
			want = id == GW_CODEC_G726_32 ? fs / 2
			       : id == GW_CODEC_G729  ? fs / 8
			       : id == GW_CODEC_OPUS  ? len
						      : fs;
			TEST_EQ_INT(len, want);
			got = gw_codec_decode(c, pkt, (size_t)len, y, fs);
			TEST_EQ_INT(got, fs);
			/* wrong frame size and too small buffers */
			TEST_EQ_INT(
			    gw_codec_encode(c, x, fs - 8, pkt, sizeof(pkt)),
			    -EINVAL);
			if (id != GW_CODEC_OPUS)
				TEST_EQ_INT(gw_codec_encode(c, x, fs, pkt,
							    (size_t)len - 1),
					    -ENOBUFS);
			TEST_EQ_INT(
			    gw_codec_decode(c, pkt, (size_t)len, y, fs - 1),
			    -ENOBUFS);
			printf(" %d ms=%d B", p, len);
			gw_codec_free(c);
		}
		printf("\n");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			TEST_EQ_INT(gw_codec_alloc(&c, id, bad[i], NULL),
				    -EINVAL);
	}
	TEST_EQ_INT(gw_codec_alloc(&c, GW_CODEC_OPUS, 30, NULL), -EINVAL);
	TEST_EQ_INT(gw_codec_alloc(&c, GW_CODEC_OPUS, 50, NULL), -EINVAL);
	TEST_EQ_INT(gw_codec_alloc(&c, GW_CODEC_COUNT, 20, NULL), -EINVAL);
	TEST_EQ_INT(
	    gw_codec_alloc(&c, GW_CODEC_OPUS, 20,
			   &(struct gw_codec_options){.bitrate_bps = 1000}),
	    -EINVAL);
	gw_codec_free(NULL);
	return 0;
}

/* ---- round trips ------------------------------------------------------ */

struct rt_case {
	enum gw_codec_id id;
	const char *label;
	struct gw_codec_options opt;
	double level_tol_db;
	double min_snr_db; /* waveform codecs: plain SNR */
	double min_share;  /* energy share at the tone(s) (all codecs) */
};

/*
 * One signal through one codec: frequency of each component (+-1 %),
 * output level vs input (+-tol), SNR/segmental SNR after delay alignment,
 * and how much of the output energy is at the test frequencies.
 */
static int rt_signal(const struct rt_case *rc, const double *f, int k,
		     float dbm0)
{
	static int16_t x[N], y[N];
	const int skip = RATE / 4; /* codec start-up */
	const int m = N - skip - 400;
	struct gw_codec *c;
	int lag, bytes = 0, rv;
	double in_db, out_db, s, seg, share = 0, e = 0;

	tones(x, N, f, k, dbm0);
	memset(y, 0, sizeof(y));
	TEST_EQ_INT(gw_codec_alloc(&c, rc->id, 20, &rc->opt), 0);
	rv = round_trip(c, x, y, N, &bytes);
	gw_codec_free(c);
	TEST_EQ_INT(rv, 0);
	lag = best_lag(x + skip, y + skip, m, 200);
	snr(x + skip, y + skip + lag, m, &s, &seg);
	in_db = gw_level_dbm0(x + skip, m);
	out_db = gw_level_dbm0(y + skip + lag, m);
	for (int i = 0; i < m; i++)
		e += (double)y[skip + lag + i] * y[skip + lag + i];
	for (int j = 0; j < k; j++)
		share += goertzel(y + skip + lag, m, f[j]) * m / 2.0;
	share = e > 0 ? share / e : 0;
	printf("  %-9s %d tone(s) %4.0f Hz%s: %3d B/20ms, delay %3d, level "
	       "%+6.2f dBm0 (%+5.2f dB), SNR %5.1f dB, segSNR %5.1f dB, "
	       "tone share %.3f",
	       rc->label, k, f[0], k > 1 ? "+" : " ", bytes, lag, out_db,
	       out_db - in_db, s, seg, share);
	for (int j = 0; j < k; j++) {
		double pf = peak_freq(y + skip + lag, m, f[j]);

		printf(", f%d %.1f Hz", j + 1, pf);
		if (fabs(pf - f[j]) > 0.01 * f[j])
			TEST_FAIL("%s: %g Hz came out at %g Hz", rc->label,
				  f[j], pf);
	}
	printf("\n");
	TEST_NEAR(out_db - in_db, 0.0, rc->level_tol_db);
	TEST_ASSERT(s >= rc->min_snr_db);
	TEST_ASSERT(share >= rc->min_share);
	return 0;
}

static int rt(const struct rt_case *rc)
{
	static const double one[] = {1000}, two[] = {440, 1800};

	if (rt_signal(rc, one, 1, -10))
		return -1;
	if (rt_signal(rc, two, 2, -13))
		return -1;
	return 0;
}

static int test_rt_pcmu(void)
{
	return rt(&(struct rt_case){GW_CODEC_PCMU, "PCMU", {}, 1, 34, 0.99});
}

static int test_rt_pcma(void)
{
	return rt(&(struct rt_case){GW_CODEC_PCMA, "PCMA", {}, 1, 34, 0.99});
}

static int test_rt_g722(void)
{
	static const double hi[] = {3000};
	struct rt_case rc = {GW_CODEC_G722, "G722", {}, 1, 25, 0.99};

	if (rt(&rc))
		return -1;
	/* near the top of the line band: the resampler's passband */
	return rt_signal(&rc, hi, 1, -10);
}

static int test_rt_g726(void)
{
	return rt(
	    &(struct rt_case){GW_CODEC_G726_32, "G726-32", {}, 1, 20, 0.98});
}

static int test_rt_opus(void)
{
	struct rt_case nb = {GW_CODEC_OPUS, "opus nb", {}, 2, -99, 0.95};
	struct rt_case wb = {GW_CODEC_OPUS, "opus wb", {.wideband = true}, 2,
			     -99,	    0.95};

	return rt(&nb) || rt(&wb) ? -1 : 0;
}

static int test_rt_g729(void)
{
	return rt(&(struct rt_case){GW_CODEC_G729, "G729", {}, 2, -99, 0.9});
}

/* PCMU/PCMA through gw_codec are byte-identical to dsp/g711. */
static int test_g711_identical(void)
{
	static int16_t x[480], y[480], y2[480];
	uint8_t a[480], b[480];

	for (int law = 0; law < 2; law++) {
		enum gw_codec_id id = law ? GW_CODEC_PCMA : GW_CODEC_PCMU;
		enum gw_g711_law g = law ? GW_G711_ALAW : GW_G711_ULAW;
		struct gw_codec *c;

		TEST_EQ_INT(gw_codec_alloc(&c, id, 60, NULL), 0);
		for (int r = 0; r < 50; r++) {
			for (int i = 0; i < 480; i++)
				x[i] = (int16_t)(gw_testsig_rng(&rng_state) >>
						 (16 + r % 16));
			TEST_EQ_INT(gw_codec_encode(c, x, 480, a, sizeof(a)),
				    480);
			gw_g711_encode(g, b, x, 480);
			TEST_ASSERT(memcmp(a, b, 480) == 0);
			TEST_EQ_INT(gw_codec_decode(c, a, 480, y, 480), 480);
			gw_g711_decode(g, y2, a, 480);
			TEST_ASSERT(memcmp(y, y2, sizeof(y)) == 0);
		}
		gw_codec_free(c);
	}
	printf("  PCMU and PCMA: 2 x 50 frames of 480 samples identical to "
	       "dsp/g711\n");
	return 0;
}

/* G726-32 uses RFC 3551 packing: first codeword in the low nibble. */
static int test_g726_packing(void)
{
	static int16_t x[160];
	uint8_t pkt[80], codes[160];
	g726_state_t *ref;
	struct gw_codec *c;

	tones(x, 160, (const double[]){700}, 1, -10);
	TEST_EQ_INT(gw_codec_alloc(&c, GW_CODEC_G726_32, 20, NULL), 0);
	TEST_EQ_INT(gw_codec_encode(c, x, 160, pkt, sizeof(pkt)), 80);
	gw_codec_free(c);
	ref = g726_init(NULL, 32000, G726_ENCODING_LINEAR, G726_PACKING_NONE);
	TEST_ASSERT(ref);
	TEST_EQ_INT(g726_encode(ref, codes, x, 160), 160);
	g726_free(ref);
	for (int i = 0; i < 80; i++)
		if (pkt[i] != (codes[2 * i] | codes[2 * i + 1] << 4))
			TEST_FAIL("octet %d: %02x, codes %x %x", i, pkt[i],
				  codes[2 * i], codes[2 * i + 1]);
	printf("  G726-32 octet 0 = %02x for codewords %x,%x (first in the "
	       "low nibble, RFC 3551 4.5.4)\n",
	       pkt[0], codes[0], codes[1]);
	return 0;
}

static int test_conceal(void)
{
	static int16_t y[480];
	static const uint8_t junk[7];
	struct gw_codec *c;

	for (int id = 0; id < GW_CODEC_COUNT; id++) {
		int want = id == GW_CODEC_OPUS || id == GW_CODEC_G729
			       ? 160
			       : -EOPNOTSUPP;

		TEST_EQ_INT(gw_codec_alloc(&c, id, 20, NULL), 0);
		TEST_EQ_INT(gw_codec_decode(c, NULL, 0, y, 480), want);
		gw_codec_reset(c);
		gw_codec_free(c);
	}
	TEST_EQ_INT(gw_codec_alloc(&c, GW_CODEC_G729, 20, NULL), 0);
	TEST_EQ_INT(gw_codec_decode(c, junk, sizeof(junk), y, 480), -EINVAL);
	/* 3 frames + SID: 4 x 80 samples */
	{
		uint8_t p[32] = {0};

		TEST_EQ_INT(gw_codec_decode(c, p, 32, y, 480), 320);
	}
	gw_codec_free(c);
	printf("  Opus and G.729 conceal a lost 20 ms packet; G.711/722/726 "
	       "leave it to dsp/plc\n");
	return 0;
}

/* ---- PLC -------------------------------------------------------------- */

/* 1 kHz tone at -10 dBm0, 20 ms frames lost at random with rate pct:
 * SNR of the concealed stream vs the original, PLC vs zero fill. */
static int plc_loss(int pct, double *snr_plc, double *snr_zero, int *lost)
{
	static int16_t x[10 * RATE], p[10 * RATE], z[10 * RATE];
	const int n = 10 * RATE, f = 160;
	struct gw_plc *plc;
	double seg;

	tones(x, n, (const double[]){1000}, 1, -10);
	TEST_EQ_INT(gw_plc_alloc(&plc), 0);
	rng_state = 99 + (uint32_t)pct;
	*lost = 0;
	for (int i = 0; i < n; i += f) {
		bool loss = i > 0 &&
			    (int)(gw_testsig_rng(&rng_state) % 100) < pct;

		if (loss) {
			TEST_EQ_INT(gw_plc_fillin(plc, p + i, f), f);
			memset(z + i, 0, sizeof(*z) * f);
			(*lost)++;
		} else {
			memcpy(p + i, x + i, sizeof(*p) * f);
			memcpy(z + i, x + i, sizeof(*z) * f);
			TEST_EQ_INT(gw_plc_process(plc, p + i, f), f);
		}
	}
	gw_plc_free(plc);
	snr(x, p, n, snr_plc, &seg);
	snr(x, z, n, snr_zero, &seg);
	return 0;
}

static int test_plc_loss(void)
{
	static const int pcts[] = {5, 10};

	for (size_t i = 0; i < 2; i++) {
		double sp, sz;
		int lost;

		if (plc_loss(pcts[i], &sp, &sz, &lost))
			return -1;
		printf("  1 kHz -10 dBm0, %2d %% loss (%d of 500 frames of 20 "
		       "ms): SNR zero-fill %5.1f dB, PLC %5.1f dB (%+.1f dB)\n",
		       pcts[i], lost, sz, sp, sp - sz);
		TEST_ASSERT(lost > 0);
		TEST_ASSERT(sp >= sz + 6.0);
	}
	return 0;
}

static int test_plc_burst(void)
{
	static int16_t x[RATE], y[400];
	struct gw_plc *plc;
	double lv[20];

	tones(x, RATE, (const double[]){1000}, 1, -10);
	TEST_EQ_INT(gw_plc_alloc(&plc), 0);
	for (int i = 0; i < RATE; i += 160)
		gw_plc_process(plc, x + i, 160);
	printf("  1 kHz -10 dBm0, then 200 ms lost; level per 10 ms:");
	for (int k = 0; k < 20; k++) {
		gw_plc_fillin(plc, y, 80);
		lv[k] = gw_level_dbm0(y, 80);
		printf(" %.0f", lv[k]);
	}
	printf("\n");
	TEST_NEAR(lv[0], -10.0, 3.0); /* first 10 ms: about the original */
	for (int k = 5; k < 20; k++)  /* 50 ms on: silence */
		TEST_ASSERT(lv[k] <= -99.0);
	/* recovery: good frames pass (after the 1/4-pitch cross-fade) */
	memcpy(y, x, sizeof(*y) * 160);
	gw_plc_process(plc, y, 160);
	TEST_ASSERT(memcmp(y + 40, x + 40, sizeof(*y) * 120) == 0);
	gw_plc_reset(plc);
	gw_plc_free(plc);
	gw_plc_free(NULL);
	return 0;
}

/* ---- gain and level meter --------------------------------------------- */

static int test_gain(void)
{
	static const float gains[] = {-60, -30, -12, -6, -3, -0.5,
				      0,   0.5, 3,   6,	 12, 24};
	static int16_t x[RATE], y[RATE], z[RATE];
	struct gw_level_gain g;
	double worst = 0;

	printf("  gain dB -> measured change (on a 0 dBm0 tone for "
	       "attenuation, -30 dBm0 for boost):\n   ");
	for (size_t i = 0; i < sizeof(gains) / sizeof(gains[0]); i++) {
		double d;

		tones(x, RATE, (const double[]){1000}, 1,
		      gains[i] <= 0 ? 0 : -30);

		TEST_EQ_INT(gw_level_gain_init(&g, gains[i]), 0);
		memcpy(y, x, sizeof(y));
		gw_level_gain_process(&g, y, RATE);
		d = gw_level_dbm0(y, RATE) - gw_level_dbm0(x, RATE);
		printf(" %g:%+.3f", gains[i], d);
		if (fabs(d - gains[i]) > worst)
			worst = fabs(d - gains[i]);
		/* same as the float reference within 1 LSB */
		memcpy(z, x, sizeof(z));
		gw_level_gain(z, RATE, gains[i]);
		for (int k = 0; k < RATE; k++)
			TEST_ASSERT(abs(y[k] - z[k]) <= 1);
	}
	printf("\n  worst error %.4f dB\n", worst);
	TEST_ASSERT(worst < 0.02);
	/* saturation: +24 dB on a -10 dBm0 tone clips, never wraps */
	tones(x, RATE, (const double[]){1000}, 1, -10);
	TEST_EQ_INT(gw_level_gain_init(&g, 24), 0);
	gw_level_gain_process(&g, x, RATE);
	for (int k = 0; k < RATE; k++) {
		double v = gw_level_dbm0_to_peak(14) *
			   sin(2.0 * M_PI * 1000 * k / RATE);

		if (v > 32767 && x[k] != 32767)
			TEST_FAIL("sample %d: %d, expected clip", k, x[k]);
		if (v < -32768 && x[k] != -32768)
			TEST_FAIL("sample %d: %d, expected clip", k, x[k]);
	}
	TEST_EQ_INT(gw_level_gain_init(&g, 24.5f), -EINVAL);
	TEST_EQ_INT(gw_level_gain_init(&g, -61), -EINVAL);
	TEST_EQ_INT(gw_level_gain_init(&g, NAN), -EINVAL);
	return 0;
}

static int test_level_meter(void)
{
	static int16_t x[3 * RATE];
	struct gw_level_meter m, m2;
	float a, b, t;

	TEST_EQ_INT(gw_level_meter_init(&m, 100), 0);
	TEST_EQ_INT(gw_level_meter_init(&m2, 100), 0);
	TEST_EQ_INT(gw_level_meter_init(&m, 0), -EINVAL);
	TEST_EQ_INT(gw_level_meter_init(&m, 100), 0);
	TEST_NEAR(gw_level_meter_dbm0(&m), -99.0, 0.0);
	tones(x, 3 * RATE, (const double[]){1000}, 1, -10);
	for (int i = 0; i < RATE; i += 160)
		gw_level_meter_process(&m, x + i, 160);
	for (int i = 0; i < RATE; i += 80)
		gw_level_meter_process(&m2, x + i, 80);
	a = gw_level_meter_dbm0(&m);
	b = gw_level_meter_dbm0(&m2);
	t = gw_level_meter_peak_dbm0(&m);
	printf("  -10 dBm0 tone, tau 100 ms, after 1 s: %.2f dBm0 (160-sample "
	       "blocks), %.2f dBm0 (80), peak %.2f dBm0\n",
	       a, b, t);
	TEST_NEAR(a, -10.0, 0.1);
	TEST_NEAR(b, a, 0.05);
	TEST_NEAR(t, -10.0, 0.1);
	/* step down 20 dB: within 1 dB of -30 after about 5 tau */
	tones(x, 3 * RATE, (const double[]){1000}, 1, -30);
	for (int i = 0; i < RATE; i += 160) {
		gw_level_meter_process(&m, x + i, 160);
		if (i == 100 * 8 || i == 300 * 8 || i == 600 * 8 - 160)
			printf("  after step to -30 dBm0, %d ms: %.2f dBm0\n",
			       i / 8, gw_level_meter_dbm0(&m));
	}
	TEST_NEAR(gw_level_meter_dbm0(&m), -30.0, 0.1);
	memset(x, 0, sizeof(x));
	for (int i = 0; i < 3 * RATE; i += 160)
		gw_level_meter_process(&m, x + i, 160);
	printf("  3 s of silence later: %.1f dBm0\n", gw_level_meter_dbm0(&m));
	TEST_ASSERT(gw_level_meter_dbm0(&m) <= -99.0);
	return 0;
}

const struct gw_test_case gw_test_cases_codec[] = {
    {"codec_desc", test_desc},
    {"codec_ptime", test_ptime},
    {"codec_g711_identical", test_g711_identical},
    {"codec_g726_packing", test_g726_packing},
    {"codec_rt_pcmu", test_rt_pcmu},
    {"codec_rt_pcma", test_rt_pcma},
    {"codec_rt_g722", test_rt_g722},
    {"codec_rt_g726", test_rt_g726},
    {"codec_rt_opus", test_rt_opus},
    {"codec_rt_g729", test_rt_g729},
    {"codec_conceal", test_conceal},
    {"codec_plc_loss", test_plc_loss},
    {"codec_plc_burst", test_plc_burst},
    {"codec_gain", test_gain},
    {"codec_gain_level_meter", test_level_meter},
    {NULL, NULL},
};
