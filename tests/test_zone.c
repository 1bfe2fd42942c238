// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_zone: unit cases for the call-progress tone zones (dsp/zone), their
 * generation (dsp/tone) and their detection (dsp/progress). Every signal
 * is generated here or by dsp/ itself; the published values spot-checked
 * in zone_table are from the sources named in dsp/zone.h.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dtmf.h"
#include "dsp/level.h"
#include "dsp/progress.h"
#include "dsp/tone.h"
#include "dsp/zone.h"
#include "tests/test.h"
#include "tests/testsig.h"

#define RATE  8000
#define BLOCK 160

/* ---- helpers ---------------------------------------------------------- */

static uint32_t rng_state;

static const enum gw_tone all_tones[] = {
    GW_TONE_DIAL,	  GW_TONE_RINGBACK, GW_TONE_BUSY, GW_TONE_CONGESTION,
    GW_TONE_CALL_WAITING, GW_TONE_STUTTER,  GW_TONE_SIT,
};
#define NALL ((int)(sizeof(all_tones) / sizeof(all_tones[0])))

static const enum gw_tone det_tones[] = {
    GW_TONE_DIAL,	GW_TONE_RINGBACK, GW_TONE_BUSY,
    GW_TONE_CONGESTION, GW_TONE_SIT,
};
#define NDET ((int)(sizeof(det_tones) / sizeof(det_tones[0])))

/* Generate n samples of a zone's tone, in 160-sample blocks. */
static int gen_zone_tone(const struct gw_zone *z, enum gw_tone tone, int16_t *x,
			 int n)
{
	struct gw_tone_gen *gen;

	if (gw_tone_gen_alloc(&gen) != 0)
		return -1;
	if (gw_tone_gen_set_zone(gen, z) != 0) {
		gw_tone_gen_free(gen);
		return -1;
	}
	gw_tone_gen_set(gen, tone);
	if (gw_tone_gen_current(gen) != tone) {
		gw_tone_gen_free(gen);
		return -1;
	}
	for (int i = 0; i < n; i += BLOCK)
		gw_tone_gen_process(gen, x + i, n - i < BLOCK ? n - i : BLOCK);
	gw_tone_gen_free(gen);
	return 0;
}

/* Expected level of a segment in dBm0 (all its tones together). */
static double seg_level(const struct gw_zone_seg *s)
{
	double m = s->am_pct / 100.0;

	if (s->am_hz)
		return s->level_dbm0 + 10.0 * log10(1.0 + m * m / 2.0);
	return s->level_dbm0 + (s->f2_hz ? 10.0 * log10(2.0) : 0.0);
}

/* ---- zone table --------------------------------------------------------- */

static int test_zone_table(void)
{
	static const char *const names[] = {"us", "uk", "de", "fr", "it",
					    "nl", "es", "au", "jp", "itu"};
	const struct gw_zone *z;

	TEST_ASSERT(gw_zone_count() >= 10);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		z = gw_zone_find(names[i]);
		TEST_ASSERT(z != NULL);
		TEST_EQ_STR(z->name, names[i]);
		for (int t = 0; t < NALL; t++)
			if (gw_zone_tone_segs(&z->tone[all_tones[t]]) == 0)
				TEST_FAIL("%s has no %s tone", z->name,
					  gw_tone_name(all_tones[t]));
		TEST_ASSERT(z->ring[0].name && z->ring[0].ms[0] &&
			    z->ring[0].ms[1]);
	}
	TEST_ASSERT(gw_zone_find("US") == gw_zone_find("us"));
	TEST_ASSERT(gw_zone_find("xx") == NULL);
	TEST_ASSERT(gw_zone_find(NULL) == NULL);
	TEST_ASSERT(gw_zone_default() == gw_zone_find("us"));
	TEST_ASSERT(gw_zone_at(-1) == NULL);
	TEST_ASSERT(gw_zone_at(gw_zone_count()) == NULL);

	/* Published values, spot-checked. */
	z = gw_zone_find("us");
	TEST_EQ_INT(z->tone[GW_TONE_BUSY].seg[0].f1_hz, 480);
	TEST_EQ_INT(z->tone[GW_TONE_BUSY].seg[0].f2_hz, 620);
	TEST_EQ_INT(z->tone[GW_TONE_BUSY].seg[0].ms, 500);
	TEST_EQ_INT(z->tone[GW_TONE_BUSY].seg[1].ms, 500);
	TEST_EQ_INT(z->ring[0].ms[0], 2000);
	TEST_EQ_INT(z->ring[0].ms[1], 4000);
	z = gw_zone_find("uk");
	TEST_EQ_INT(z->tone[GW_TONE_RINGBACK].seg[0].f1_hz, 400);
	TEST_EQ_INT(z->tone[GW_TONE_RINGBACK].seg[0].f2_hz, 450);
	TEST_EQ_INT(z->tone[GW_TONE_RINGBACK].seg[2].ms, 400);
	TEST_EQ_INT(z->tone[GW_TONE_RINGBACK].seg[3].ms, 2000);
	TEST_EQ_INT(z->ring[0].ms[3], 2000);
	z = gw_zone_find("de");
	TEST_EQ_INT(z->tone[GW_TONE_BUSY].seg[0].f1_hz, 425);
	TEST_EQ_INT(z->tone[GW_TONE_BUSY].seg[0].ms, 480);
	z = gw_zone_find("fr");
	TEST_EQ_INT(z->tone[GW_TONE_DIAL].seg[0].f1_hz, 440);
	TEST_EQ_INT(gw_zone_tone_segs(&z->tone[GW_TONE_DIAL]), 1);
	z = gw_zone_find("au");
	TEST_EQ_INT(z->tone[GW_TONE_RINGBACK].seg[0].am_hz, 25);
	z = gw_zone_find("itu");
	TEST_EQ_INT(z->tone[GW_TONE_SIT].seg[0].f1_hz, 950);
	TEST_EQ_INT(z->tone[GW_TONE_SIT].seg[1].f1_hz, 1400);
	TEST_EQ_INT(z->tone[GW_TONE_SIT].seg[2].f1_hz, 1800);
	TEST_EQ_INT(z->tone[GW_TONE_SIT].seg[2].ms, 330);

	/* Print each zone's ring cadences. */
	for (int i = 0; i < gw_zone_count(); i++) {
		z = gw_zone_at(i);
		printf("  %-4s %-30s ring:", z->name, z->description);
		for (int r = 0; r < GW_ZONE_RINGS && z->ring[r].name; r++) {
			printf(" %s", z->ring[r].name);
			for (int k = 0;
			     k < GW_ZONE_RING_SEGS && z->ring[r].ms[k]; k++)
				printf("%c%.1f", k ? '/' : ' ',
				       z->ring[r].ms[k] / 1000.0);
			/* on/off pairs: even count, all non-zero */
			int k = 0;

			while (k < GW_ZONE_RING_SEGS && z->ring[r].ms[k])
				k++;
			if (k < 2 || k % 2)
				TEST_FAIL("%s ring %s: %d periods", z->name,
					  z->ring[r].name, k);
		}
		printf("\n");
	}
	return 0;
}

/* ---- generation ------------------------------------------------------- */

/*
 * Check one segment of generated audio x[0..n): silence is exact zeros;
 * a tone has no run of 16 zeros, sound at both ends, its level within
 * 0.5 dB and its frequencies. Returns the level measured (or -99).
 */
static int check_seg(const char *what, const struct gw_zone_seg *s,
		     const int16_t *x, int n, double *level)
{
	int zeros = 0, a, w;

	*level = -99;
	if (!s->f1_hz) {
		for (int i = 0; i < n; i++)
			if (x[i])
				TEST_FAIL("%s: sample %d of %d of a silence "
					  "is %d",
					  what, i, n, x[i]);
		return 0;
	}
	for (int i = 1; i < n; i++) {
		zeros = x[i] ? 0 : zeros + 1;
		if (zeros >= 16)
			TEST_FAIL("%s: gap at %d of %d", what, i, n);
	}
	if (!(x[1] || x[2] || x[3]) || !(x[n - 1] || x[n - 2] || x[n - 3]))
		TEST_FAIL("%s: silent edge", what);
	/* Whole periods of the envelope (AM, or a pair's beat). */
	a = 16; /* skip 2 ms at each end */
	w = n - 2 * a;
	if (s->am_hz || s->f2_hz) {
		int period =
		    s->am_hz
			? RATE / s->am_hz
			: (int)lrint((double)RATE / abs(s->f1_hz - s->f2_hz));

		if (w >= period)
			w -= w % period;
	}
	*level = gw_level_dbm0(x + a, w);
	if (fabs(*level - seg_level(s)) > 0.5)
		TEST_FAIL("%s: level %.2f dBm0, expected %.2f", what, *level,
			  seg_level(s));
	if (s->am_hz) {
		double m = s->am_pct / 100.0;
		double expect = 1.0 / (1.0 + m * m / 2.0);
		double got = gw_testsig_tone_share(x + a, w, s->f1_hz);
		double side = gw_testsig_tone_share(x + a, w,
						    s->f1_hz + s->am_hz);

		if (fabs(got - expect) > 0.05 ||
		    fabs(side - (1 - expect) / 2) > 0.05)
			TEST_FAIL("%s: AM carrier share %.3f, sideband %.3f, "
				  "expected %.3f, %.3f",
				  what, got, side, expect, (1 - expect) / 2);
	} else if (s->f2_hz) {
		double s1 = gw_testsig_tone_share(x + a, w, s->f1_hz);
		double s2 = gw_testsig_tone_share(x + a, w, s->f2_hz);

		if (fabs(s1 - 0.5) > 0.06 || fabs(s2 - 0.5) > 0.06)
			TEST_FAIL("%s: shares %.3f at %d Hz, %.3f at %d Hz",
				  what, s1, s->f1_hz, s2, s->f2_hz);
	} else {
		double s1 = gw_testsig_tone_share(x + a, w, s->f1_hz);

		if (fabs(s1 - 1.0) > 0.03)
			TEST_FAIL("%s: share %.3f at %d Hz", what, s1,
				  s->f1_hz);
	}
	/* nothing at a frequency far from the segment's */
	if (gw_testsig_tone_share(x + a, w, 1004) > 0.01 && s->f1_hz != 1004)
		TEST_FAIL("%s: energy at 1004 Hz", what);
	return 0;
}

#define GEN_SECONDS 16

static int test_zone_generate(void)
{
	static int16_t x[GEN_SECONDS * RATE];

	for (int zi = 0; zi < gw_zone_count(); zi++) {
		const struct gw_zone *z = gw_zone_at(zi);

		printf("  %-4s", z->name);
		for (int ti = 0; ti < NALL; ti++) {
			const struct gw_zone_tone *t = &z->tone[all_tones[ti]];
			int nseg = gw_zone_tone_segs(t), cycle = 0, pos = 0;
			int total = 0, checked = 0, cyc;
			double lvl, max_err = 0;
			char what[64];

			for (int k = 0; k < nseg; k++)
				cycle += t->seg[k].ms * 8;
			/* two cycles and a bit, or the whole stutter */
			total = nseg == 1
				    ? 2 * RATE
				    : cycle * (t->cycles ? t->cycles : 2) +
					  (t->cycles ? RATE : 0);
			if (total > GEN_SECONDS * RATE)
				total = GEN_SECONDS * RATE;
			TEST_EQ_INT(gen_zone_tone(z, all_tones[ti], x, total),
				    0);
			if (nseg == 1) {
				snprintf(what, sizeof(what), "%s %s", z->name,
					 gw_tone_name(all_tones[ti]));
				if (check_seg(what, &t->seg[0], x, total, &lvl))
					return -1;
				max_err = fabs(lvl - seg_level(&t->seg[0]));
				checked = 1;
			}
			for (cyc = 0; nseg > 1 && pos < total; cyc++) {
				if (t->cycles && cyc == t->cycles) {
					/* `then`: continuous to the end */
					snprintf(what, sizeof(what),
						 "%s %s then", z->name,
						 gw_tone_name(all_tones[ti]));
					if (check_seg(what, &t->then, x + pos,
						      total - pos, &lvl))
						return -1;
					checked++;
					break;
				}
				for (int k = 0; k < nseg; k++) {
					int len = t->seg[k].ms * 8;

					if (pos + len > total)
						break;
					snprintf(what, sizeof(what),
						 "%s %s cycle %d seg %d",
						 z->name,
						 gw_tone_name(all_tones[ti]),
						 cyc, k);
					if (check_seg(what, &t->seg[k], x + pos,
						      len, &lvl))
						return -1;
					if (t->seg[k].f1_hz &&
					    fabs(lvl - seg_level(&t->seg[k])) >
						max_err)
						max_err =
						    fabs(lvl -
							 seg_level(&t->seg[k]));
					pos += len;
					checked++;
				}
				if (pos + cycle > total && !t->cycles)
					break;
			}
			TEST_ASSERT(checked >= nseg);
			printf(" %s:%dseg/%.2fdB", gw_tone_name(all_tones[ti]),
			       checked, max_err);
		}
		printf("\n");
	}
	return 0;
}

/* Switching zone and tone keeps one generator; invalid zones refused. */
static int test_zone_generator_api(void)
{
	struct gw_tone_gen *gen;
	static int16_t x[RATE];
	struct gw_zone bad;

	TEST_EQ_INT(gw_tone_gen_alloc(&gen), 0);
	TEST_ASSERT(gw_tone_gen_zone(gen) == gw_zone_find("us"));
	gw_tone_gen_set(gen, GW_TONE_BUSY);
	TEST_EQ_INT(gw_tone_gen_set_zone(gen, gw_zone_find("de")), 0);
	/* the tone playing restarts in the new zone: 425 Hz */
	TEST_EQ_INT(gw_tone_gen_current(gen), GW_TONE_BUSY);
	gw_tone_gen_process(gen, x, 3200);
	TEST_NEAR(gw_testsig_tone_share(x + 80, 3200 - 160, 425), 1.0, 0.03);
	/* a zone with a tone spandsp cannot play is refused whole */
	bad = *gw_zone_find("fr");
	bad.tone[GW_TONE_SIT].seg[1].f1_hz = 5000;
	TEST_EQ_INT(gw_tone_gen_set_zone(gen, &bad), -EINVAL);
	bad = *gw_zone_find("fr");
	bad.tone[GW_TONE_DIAL].seg[0].f2_hz = 500;
	bad.tone[GW_TONE_DIAL].seg[0].level_dbm0 = 0; /* pair would clip */
	TEST_EQ_INT(gw_tone_gen_set_zone(gen, &bad), -EINVAL);
	TEST_ASSERT(gw_tone_gen_zone(gen) == gw_zone_find("de"));
	/* SIT: three rising tones, then silence */
	gw_tone_gen_set(gen, GW_TONE_SIT);
	gw_tone_gen_process(gen, x, RATE);
	TEST_NEAR(gw_testsig_tone_share(x + 100, 2400, 950), 1.0, 0.03);
	TEST_NEAR(gw_testsig_tone_share(x + 2740, 2400, 1400), 1.0, 0.03);
	TEST_NEAR(gw_testsig_tone_share(x + 5380, 2400, 1800), 1.0, 0.03);
	TEST_EQ_INT(gw_level_dbm0(x + 7920, 80), -99);
	/* custom tone still there, NULL zone is the default */
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1004, 0, -10, 0, 0), 0);
	TEST_EQ_INT(gw_tone_gen_set_zone(gen, NULL), 0);
	TEST_EQ_INT(gw_tone_gen_current(gen), GW_TONE_CUSTOM);
	gw_tone_gen_process(gen, x, RATE);
	TEST_NEAR(gw_testsig_tone_share(x, RATE, 1004), 1.0, 0.01);
	TEST_EQ_STR(gw_tone_name(GW_TONE_SIT), "sit");
	TEST_EQ_STR(gw_tone_name(GW_TONE_STUTTER), "stutter");
	TEST_EQ_STR(gw_tone_name(GW_TONE_CALL_WAITING), "call-waiting");
	gw_tone_gen_free(gen);
	return 0;
}

/* ---- detection -------------------------------------------------------- */

/*
 * Feed x[0..n) to a detector set to zone z in chunks. Returns -1 on a
 * failure (printed): a tone other than `expect` reported, or `expect`
 * lost after it was first reported. *first_ms: when it was first heard.
 */
static int run_det(struct gw_progress_det *det, const struct gw_zone *z,
		   const int16_t *x, int n, int chunk, enum gw_tone expect,
		   int *first_ms)
{
	*first_ms = -1;
	if (gw_progress_det_set_zone(det, z) != 0)
		return -1;
	for (int pos = 0; pos < n; pos += chunk) {
		int len = n - pos < chunk ? n - pos : chunk;
		int r = gw_progress_det_process(det, x + pos, len);
		enum gw_tone cur = gw_progress_det_current(det);
		int t_ms = (pos + len) / 8;

		if (r != -1 && r != (int)cur) {
			fprintf(stderr, "process returned %d, current %d\n", r,
				cur);
			return -1;
		}
		if (cur != GW_TONE_NONE && cur != expect) {
			fprintf(stderr, "%s at %d ms: heard %s, expected %s\n",
				z->name, t_ms, gw_tone_name(cur),
				gw_tone_name(expect));
			return -1;
		}
		if (cur == expect && expect != GW_TONE_NONE && *first_ms < 0)
			*first_ms = t_ms;
		if (*first_ms >= 0 && cur != expect) {
			fprintf(stderr, "%s at %d ms: lost %s\n", z->name, t_ms,
				gw_tone_name(expect));
			return -1;
		}
	}
	return 0;
}

#define DET_SECONDS 14

static int test_zone_detect(void)
{
	static int16_t x[DET_SECONDS * RATE];
	const int n = DET_SECONDS * RATE;
	struct gw_progress_det *det;

	TEST_EQ_INT(gw_progress_det_alloc(&det), 0);
	TEST_ASSERT(gw_progress_det_zone(det) == gw_zone_default());
	printf("  zone  tone        reported    heard   limit  periods\n");
	for (int zi = 0; zi < gw_zone_count(); zi++) {
		const struct gw_zone *z = gw_zone_at(zi);

		TEST_EQ_INT(gw_progress_det_set_zone(det, z), 0);
		for (int ti = 0; ti < NDET; ti++) {
			enum gw_tone tone = det_tones[ti], rep;
			int first, first2, limit, periods = 0, cycle = 0;
			const struct gw_zone_tone *t = &z->tone[tone];

			TEST_EQ_INT(gw_progress_det_set_zone(det, z), 0);
			rep = gw_progress_det_reported(det, tone);
			limit =
			    gw_progress_det_deadline_ms(det, tone, &periods);
			/* every tone of every zone is detected (maybe as
			 * the tone it cannot be told from) */
			if (rep == GW_TONE_NONE || limit < 0)
				TEST_FAIL("%s %s not detected", z->name,
					  gw_tone_name(tone));
			/* Ringback is never reported as busy and so on:
			 * only identical cadences are merged. */
			if (rep != tone && !(tone == GW_TONE_CONGESTION &&
					     rep == GW_TONE_BUSY))
				TEST_FAIL("%s %s reported as %s", z->name,
					  gw_tone_name(tone),
					  gw_tone_name(rep));
			for (int k = 0; k < gw_zone_tone_segs(t); k++)
				cycle += t->seg[k].ms;
			/* cadence x repeat count: at most 2 cycles and a
			 * period (continuous dial: 2 s) */
			if (gw_zone_tone_segs(t) > 1 ? limit > 2 * cycle + 1000
						     : limit > 2100)
				TEST_FAIL("%s %s: limit %d ms, cycle %d ms",
					  z->name, gw_tone_name(tone), limit,
					  cycle);
			TEST_EQ_INT(gen_zone_tone(z, tone, x, n), 0);
			if (run_det(det, z, x, n, BLOCK, rep, &first))
				TEST_FAIL("%s %s", z->name, gw_tone_name(tone));
			printf("  %-4s  %-10s  %-10s  %5d  %6d  %d\n", z->name,
			       gw_tone_name(tone), gw_tone_name(rep), first,
			       limit, periods);
			if (first < 0 || first > limit)
				TEST_FAIL("%s %s heard at %d ms, limit %d",
					  z->name, gw_tone_name(tone), first,
					  limit);
			/* odd chunks: the same to within a block */
			if (run_det(det, z, x, n, 37, rep, &first2))
				TEST_FAIL("%s %s (chunks of 37)", z->name,
					  gw_tone_name(tone));
			TEST_ASSERT(abs(first2 - first) <= 20);
		}
	}
	gw_progress_det_free(det);
	return 0;
}

/*
 * Ringback at -30 dBm0 with noise 20 dB below it and a level change
 * halfway: never busy or congestion, in any zone. The other way round,
 * busy and congestion at -30 dBm0 are never ringback.
 */
static int test_zone_ringback_not_busy(void)
{
	static int16_t x[DET_SECONDS * RATE];
	const int n = DET_SECONDS * RATE;
	struct gw_progress_det *det;

	TEST_EQ_INT(gw_progress_det_alloc(&det), 0);
	rng_state = 99;
	for (int zi = 0; zi < gw_zone_count(); zi++) {
		const struct gw_zone *z = gw_zone_at(zi);
		struct gw_zone quiet = *z;
		static const enum gw_tone tones[] = {
		    GW_TONE_RINGBACK, GW_TONE_BUSY, GW_TONE_CONGESTION};
		int first[3];

		for (int ti = 0; ti < 3; ti++) {
			struct gw_zone_tone *t = &quiet.tone[tones[ti]];
			enum gw_tone rep;

			for (int k = 0; k < gw_zone_tone_segs(t); k++)
				if (t->seg[k].f1_hz)
					t->seg[k].level_dbm0 = -30;
			TEST_EQ_INT(gen_zone_tone(&quiet, tones[ti], x, n), 0);
			/* white noise at about -50 dBm0, +6 dB after 7 s */
			for (int i = 0; i < n; i++)
				x[i] = gw_testsig_sat16(
					x[i] * (i > n / 2 ? 2.0 : 1.0) +
					gw_testsig_uniform(&rng_state, -1, 1) *
						88.0);
			TEST_EQ_INT(gw_progress_det_set_zone(det, z), 0);
			rep = gw_progress_det_reported(det, tones[ti]);
			if (run_det(det, z, x, n, BLOCK, rep, &first[ti]) ||
			    first[ti] < 0)
				TEST_FAIL("%s %s at -30 dBm0 in noise: %d",
					  z->name, gw_tone_name(tones[ti]),
					  first[ti]);
		}
		printf("  %-4s ringback %d ms, busy %d ms, congestion %d ms "
		       "(-30 dBm0, noise -50 dBm0)\n",
		       z->name, first[0], first[1], first[2]);
	}
	gw_progress_det_free(det);
	return 0;
}

/* ---- false detections ---------------------------------------------- */

/* Equal-tempered note frequency, MIDI numbering (69 = A4 = 440 Hz). */
static double note_hz(int midi)
{
	return 440.0 * pow(2.0, (midi - 69) / 12.0);
}

#define VOICES 6

/*
 * Music: random notes (MIDI 45-84, 110-1047 Hz) and chords of 2-4 notes,
 * each a harmonic series (flute-like 1, 0.3, 0.1 or string-like 1/h to
 * the 6th) with an attack, a decay and a release, in random rhythms
 * (notes 0.15-1.2 s, rests now and then).
 */
static void music(int16_t *x, int n)
{
	struct voice {
		double f, ph, amp, env, decay;
		int len, age, flute;
	} v[VOICES];
	uint32_t *r = &rng_state;
	int next = 0;

	memset(v, 0, sizeof(v));
	for (int i = 0; i < n; i++) {
		double s = 0.0;

		if (next-- <= 0) {
			int k = gw_testsig_rng(r) % 3 == 0
				    ? 1
				    : 2 + (int)(gw_testsig_rng(r) % 3);
			int len = (int)gw_testsig_uniform(r, 150, 1200) * 8;
			int root = 45 + (int)(gw_testsig_rng(r) % 30);
			static const int steps[] = {0, 4, 7, 12, 3, 9};

			for (int j = 0; j < k && j < VOICES; j++) {
				struct voice *o = &v[j];

				o->f = note_hz(root +
					       steps[gw_testsig_rng(r) % 6] +
					       (j ? 0 : 0));
				o->ph = 0;
				o->amp = gw_testsig_uniform(r, 0.3, 1.0) *
					 7000.0 / k;
				o->env = 0;
				o->decay = gw_testsig_uniform(r, 0.5, 3.0);
				o->len = len;
				o->age = 0;
				o->flute = gw_testsig_rng(r) % 2;
			}
			for (int j = k; j < VOICES; j++)
				v[j].len = 0;
			next = len +
			       (gw_testsig_rng(r) % 4 == 0
				    ? (int)gw_testsig_uniform(r, 100, 600) * 8
				    : 0);
		}
		for (int j = 0; j < VOICES; j++) {
			struct voice *o = &v[j];
			double t, e, w = 0.0;

			if (o->age >= o->len + 400)
				continue;
			t = o->age / (double)RATE;
			e = o->age < 160 ? o->age / 160.0 : exp(-t * o->decay);
			if (o->age > o->len) /* 50 ms release */
				e *= 1.0 - (o->age - o->len) / 400.0;
			o->ph += 2.0 * M_PI * o->f / RATE;
			for (int h = 1; h <= 6 && h * o->f < 3800; h++) {
				double g = o->flute ? (h == 1	? 1.0
						       : h == 2 ? 0.3
						       : h == 3 ? 0.1
								: 0.0)
						    : 1.0 / h;

				w += g * sin(h * o->ph);
			}
			s += o->amp * e * w;
			o->age++;
		}
		x[i] = gw_testsig_sat16(s);
	}
}

#define NEG_SECONDS 20

/* No zone detects anything in x. */
static int none_in_any_zone(const char *what, const int16_t *x, int n)
{
	struct gw_progress_det *det;
	int first;

	TEST_EQ_INT(gw_progress_det_alloc(&det), 0);
	for (int zi = 0; zi < gw_zone_count(); zi++)
		if (run_det(det, gw_zone_at(zi), x, n, BLOCK, GW_TONE_NONE,
			    &first)) {
			gw_progress_det_free(det);
			TEST_FAIL("%s: false detection in zone %s", what,
				  gw_zone_at(zi)->name);
		}
	gw_progress_det_free(det);
	printf("  %s: %d s at %.1f dBm0, no detection in %d zones\n", what,
	       n / RATE, gw_level_dbm0(x, n), gw_zone_count());
	return 0;
}

static int test_zone_speech(void)
{
	static int16_t x[NEG_SECONDS * RATE];
	const int n = NEG_SECONDS * RATE;

	rng_state = 2024;
	gw_testsig_speech_voiced(x, n, &rng_state);
	if (none_in_any_zone("voiced speech", x, n))
		return -1;
	gw_testsig_speech_multitone(x, n, 1, &rng_state);
	return none_in_any_zone("multitone speech", x, n);
}

static int test_zone_music(void)
{
	static int16_t x[NEG_SECONDS * RATE];
	const int n = NEG_SECONDS * RATE;

	for (uint32_t seed = 1; seed <= 12; seed++) {
		char what[32];

		rng_state = seed * 7919;
		music(x, n);
		snprintf(what, sizeof(what), "music (seed %u)", seed);
		if (none_in_any_zone(what, x, n))
			return -1;
	}
	return 0;
}

static int test_zone_dtmf_1004(void)
{
	static int16_t x[NEG_SECONDS * RATE];
	const int n = NEG_SECONDS * RATE;
	static const char digits[] = "0123456789*#ABCD";
	struct gw_tone_gen *gen;
	struct gw_dtmf_tx *tx;

	/* 1004 Hz test tone at -10 and 0 dBm0 */
	TEST_EQ_INT(gw_tone_gen_alloc(&gen), 0);
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1004, 0, -10, 0, 0), 0);
	gw_tone_gen_process(gen, x, n);
	if (none_in_any_zone("1004 Hz at -10 dBm0", x, n))
		return -1;
	/* 1004 Hz, 0.5 s on 0.5 s off: a busy cadence at another frequency */
	TEST_EQ_INT(gw_tone_gen_custom(gen, 1004, 0, -10, 500, 500), 0);
	gw_tone_gen_process(gen, x, n);
	gw_tone_gen_free(gen);
	if (none_in_any_zone("1004 Hz 0.5/0.5 s", x, n))
		return -1;
	/* DTMF: 100 ms digits, 100 ms pauses; then 500 ms digits and
	 * 500 ms pauses (the busy cadence) */
	for (int d = 0; d < 2; d++) {
		int ms = d ? 500 : 100;

		TEST_EQ_INT(gw_dtmf_tx_alloc(&tx, -10, ms, ms), 0);
		for (int pos = 0; pos < n; pos += BLOCK) {
			if (!gw_dtmf_tx_busy(tx))
				TEST_EQ_INT(gw_dtmf_tx_put(tx, digits), 0);
			gw_dtmf_tx_process(tx, x + pos, BLOCK);
		}
		gw_dtmf_tx_free(tx);
		if (none_in_any_zone(d ? "DTMF 500/500 ms" : "DTMF 100/100 ms",
				     x, n))
			return -1;
	}
	return 0;
}

/* A tone that stops is dropped; a zone set later applies at once. */
static int test_zone_stop(void)
{
	static int16_t x[8 * RATE];
	struct gw_progress_det *det;

	TEST_EQ_INT(gw_progress_det_alloc(&det), 0);
	for (int zi = 0; zi < gw_zone_count(); zi++) {
		const struct gw_zone *z = gw_zone_at(zi);
		int stop = 6 * RATE, lost_ms = -1, heard = 0;

		TEST_EQ_INT(gen_zone_tone(z, GW_TONE_BUSY, x, 8 * RATE), 0);
		memset(x + stop, 0, (size_t)(2 * RATE) * sizeof(x[0]));
		TEST_EQ_INT(gw_progress_det_set_zone(det, z), 0);
		for (int pos = 0; pos < 8 * RATE; pos += BLOCK) {
			gw_progress_det_process(det, x + pos, BLOCK);
			if (pos + BLOCK == stop)
				heard = gw_progress_det_current(det) ==
					GW_TONE_BUSY;
			if (pos >= stop && lost_ms < 0 &&
			    gw_progress_det_current(det) == GW_TONE_NONE)
				lost_ms = (pos + BLOCK - stop) / 8;
		}
		printf("  %-4s busy dropped %d ms after it stopped\n", z->name,
		       lost_ms);
		if (!heard || lost_ms < 0 || lost_ms > 1000)
			TEST_FAIL("%s: busy heard %d, lost after %d ms",
				  z->name, heard, lost_ms);
	}
	gw_progress_det_free(det);
	return 0;
}

const struct gw_test_case gw_test_cases_zone[] = {
    {"zone_table", test_zone_table},
    {"zone_generate", test_zone_generate},
    {"zone_generator_api", test_zone_generator_api},
    {"zone_detect", test_zone_detect},
    {"zone_ringback_not_busy", test_zone_ringback_not_busy},
    {"zone_speech", test_zone_speech},
    {"zone_music", test_zone_music},
    {"zone_dtmf_1004", test_zone_dtmf_1004},
    {"zone_stop", test_zone_stop},
    {NULL, NULL},
};
