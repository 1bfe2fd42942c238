// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * progress: call-progress tone detection by frequency and cadence.
 *
 * Stage 1 classifies each 20 ms block (160 samples) with four spandsp
 * Goertzel filters against the block's energy:
 *   SILENT  the block is quieter than SILENT_DBM0;
 *   a PAIR  (dial 350+440, ringback 440+480, busy/congestion 480+620) when
 *           the two tones together hold at least PAIR_SHARE of the energy,
 *           each tone at least TONE_SHARE of it (so one strong tone is not a
 *           pair) and at least TONE_MIN_DBM0;
 *   OTHER   anything else (speech, music, DTMF, a test tone).
 * With 160-sample blocks 440 and 480 Hz are only 0.8 bin apart; each leaks
 * about -12.6 dB into the other's filter, and the leak adds to or takes
 * from the measured tone depending on the two tones' relative phase, which
 * changes every block: each ringback tone reads a share of 0.40-0.62 and
 * the pair 0.82-1.23 (dial and busy: 0.46-0.56 each, 0.93-1.10 the pair).
 * PAIR_SHARE and TONE_SHARE leave room below that for line noise and a
 * few dB of twist.
 *
 * Stage 2 turns blocks into runs of equal class. A single OTHER block
 * between runs is the block in which a tone starts or stops: it is added to
 * the run in progress instead of starting a run of its own, so run lengths
 * are exact to one block.
 *
 * Stage 3 matches runs to cadences (in blocks of 20 ms):
 *   dial        a 350+440 run reaches 1 s: heard while it lasts;
 *   ringback    a 440+480 run reaches 1.5 s (so it is reported during the
 *               first on period); heard through off periods of 3-4.5 s
 *               and on periods of 1.5-2.5 s;
 *   busy        on 0.4-0.6 s, off 0.4-0.6 s, on 0.4-0.6 s, then the second
 *               off reaches 0.4 s (reported at about 1.9 s);
 *   congestion  the same at 0.2-0.3 s (reported at about 0.95 s).
 * A cadenced tone stays heard while each on and off run stays in range; a
 * run out of range, another pair, or two OTHER blocks end it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/level.h"
#include "dsp/progress.h"

#define BLOCK 160 /* samples: 20 ms */
#define MS(ms) ((ms) / 20) /* ms to blocks */

/* Block classifier limits (shares are of the block's energy). */
#define SILENT_DBM0 (-45.0)
#define TONE_MIN_DBM0 (-40.0)
#define PAIR_SHARE 0.7
#define TONE_SHARE 0.2

enum freq { F350, F440, F480, F620, NFREQ };
static const float freq_hz[NFREQ] = { 350.0f, 440.0f, 480.0f, 620.0f };

enum cls {
	C_SILENT,
	C_DIAL, /* 350+440 */
	C_RING, /* 440+480 */
	C_BUSY, /* 480+620, busy and congestion */
	C_OTHER,
};

static const struct {
	enum freq a, b;
	enum cls cls;
} pairs[] = {
	{ F350, F440, C_DIAL },
	{ F440, F480, C_RING },
	{ F480, F620, C_BUSY },
};

struct run {
	enum cls cls;
	int blocks;
};

#define HISTORY 3

struct gw_progress_det {
	goertzel_descriptor_t desc[NFREQ];
	goertzel_state_t g[NFREQ];
	double energy; /* sum of squares in the block so far */
	int fill; /* samples in the block so far */

	struct run cur; /* run in progress */
	struct run hist[HISTORY]; /* completed runs, [0] the most recent */
	int pending_other; /* an OTHER block held back (0 or 1) */
	enum gw_tone tone; /* tone heard now */
};

int gw_progress_det_alloc(struct gw_progress_det **ret)
{
	struct gw_progress_det *det;
	int i;

	det = calloc(1, sizeof(*det));
	if (!det)
		return -ENOMEM;
	for (i = 0; i < NFREQ; i++)
		make_goertzel_descriptor(&det->desc[i], freq_hz[i], BLOCK);
	gw_progress_det_reset(det);
	*ret = det;
	return 0;
}

void gw_progress_det_free(struct gw_progress_det *det)
{
	free(det);
}

void gw_progress_det_reset(struct gw_progress_det *det)
{
	int i;

	for (i = 0; i < NFREQ; i++)
		goertzel_init(&det->g[i], &det->desc[i]); /* in place */
	det->energy = 0.0;
	det->fill = 0;
	det->cur.cls = C_SILENT;
	det->cur.blocks = 0;
	for (i = 0; i < HISTORY; i++) {
		det->hist[i].cls = C_SILENT;
		det->hist[i].blocks = 0;
	}
	det->pending_other = 0;
	det->tone = GW_TONE_NONE;
}

enum gw_tone gw_progress_det_current(const struct gw_progress_det *det)
{
	return det->tone;
}

static enum cls classify(struct gw_progress_det *det)
{
	/* Energy of a 0 dBm0 sine over one block. */
	static const double ref = GW_LEVEL_0DBM0_RMS * GW_LEVEL_0DBM0_RMS *
				  BLOCK;
	double e = det->energy, share[NFREQ], best = 0.0;
	enum cls cls = C_OTHER;
	size_t i;

	for (i = 0; i < NFREQ; i++) {
		/* goertzel_result() also restarts the filter. */
		double g = goertzel_result(&det->g[i]);

		/* For a pure tone at the filter's frequency, g == BLOCK * e. */
		share[i] = e > 0.0 ? g / (BLOCK * e) : 0.0;
	}
	if (e < ref * pow(10.0, SILENT_DBM0 / 10.0))
		return C_SILENT;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		double sa = share[pairs[i].a], sb = share[pairs[i].b];
		double min_share = ref * pow(10.0, TONE_MIN_DBM0 / 10.0) / e;

		if (sa < TONE_SHARE || sb < TONE_SHARE || sa < min_share ||
		    sb < min_share || sa + sb < PAIR_SHARE || sa + sb <= best)
			continue;
		best = sa + sb;
		cls = pairs[i].cls;
	}
	return cls;
}

static int in(int blocks, int min_ms, int max_ms)
{
	return blocks >= MS(min_ms) && blocks <= MS(max_ms);
}

/* Cadence limits per tone, in ms. */
struct cadence {
	enum gw_tone tone;
	enum cls cls;
	int on_min, on_max, off_min, off_max;
};

static const struct cadence cadences[] = {
	{ GW_TONE_RINGBACK, C_RING, 1500, 2500, 3000, 4500 },
	{ GW_TONE_BUSY, C_BUSY, 400, 600, 400, 600 },
	{ GW_TONE_CONGESTION, C_BUSY, 200, 300, 200, 300 },
};

static const struct cadence *cadence_of(enum gw_tone tone)
{
	size_t i;

	for (i = 0; i < sizeof(cadences) / sizeof(cadences[0]); i++)
		if (cadences[i].tone == tone)
			return &cadences[i];
	return NULL;
}

/* Is the tone heard now still consistent with the run in progress? */
static int still_heard(const struct gw_progress_det *det)
{
	const struct cadence *c = cadence_of(det->tone);
	const struct run *r = &det->cur;

	if (det->tone == GW_TONE_DIAL)
		return r->cls == C_DIAL;
	if (!c)
		return 0;
	if (r->cls == c->cls)
		return r->blocks <= MS(c->on_max);
	if (r->cls == C_SILENT)
		return r->blocks <= MS(c->off_max);
	return 0;
}

/* Has the run just completed (hist[0]) broken the cadence? */
static int completed_ok(const struct gw_progress_det *det)
{
	const struct cadence *c = cadence_of(det->tone);
	const struct run *r = &det->hist[0];

	if (!c)
		return 0;
	if (r->cls == c->cls)
		return in(r->blocks, c->on_min, c->on_max);
	if (r->cls == C_SILENT)
		return in(r->blocks, c->off_min, c->off_max);
	return 0;
}

static enum gw_tone recognise(const struct gw_progress_det *det)
{
	const struct run *r = &det->cur, *h = det->hist;
	size_t i;

	if (r->cls == C_DIAL && r->blocks >= MS(1000))
		return GW_TONE_DIAL;
	if (r->cls == C_RING && r->blocks == MS(1500))
		return GW_TONE_RINGBACK;
	if (r->cls != C_SILENT)
		return GW_TONE_NONE;
	/* on, off, on completed and the second off long enough */
	for (i = 0; i < sizeof(cadences) / sizeof(cadences[0]); i++) {
		const struct cadence *c = &cadences[i];

		if (c->tone == GW_TONE_RINGBACK || r->blocks != MS(c->off_min))
			continue;
		if (h[0].cls == c->cls &&
		    in(h[0].blocks, c->on_min, c->on_max) &&
		    h[1].cls == C_SILENT &&
		    in(h[1].blocks, c->off_min, c->off_max) &&
		    h[2].cls == c->cls &&
		    in(h[2].blocks, c->on_min, c->on_max))
			return c->tone;
	}
	return GW_TONE_NONE;
}

static void end_run(struct gw_progress_det *det, enum cls next)
{
	memmove(&det->hist[1], &det->hist[0],
		(HISTORY - 1) * sizeof(det->hist[0]));
	det->hist[0] = det->cur;
	det->cur.cls = next;
	det->cur.blocks = 0;
	if (det->tone != GW_TONE_NONE && !completed_ok(det))
		det->tone = GW_TONE_NONE;
}

static void block_done(struct gw_progress_det *det, enum cls cls)
{
	enum gw_tone t;

	if (cls == C_OTHER && !det->pending_other && det->cur.cls != C_OTHER) {
		/* Maybe the edge of a tone: decide with the next block. */
		det->pending_other = 1;
		return;
	}
	if (det->pending_other) {
		det->pending_other = 0;
		if (cls == C_OTHER) {
			/* Two OTHER blocks: a real OTHER run. */
			end_run(det, C_OTHER);
			det->cur.blocks = 1;
		} else {
			det->cur.blocks++; /* the edge block */
		}
	}
	if (cls != det->cur.cls)
		end_run(det, cls);
	det->cur.blocks++;

	if (det->tone != GW_TONE_NONE && !still_heard(det))
		det->tone = GW_TONE_NONE;
	t = recognise(det);
	if (t != GW_TONE_NONE)
		det->tone = t;
}

int gw_progress_det_process(struct gw_progress_det *det, const int16_t *amp,
			    int samples)
{
	enum gw_tone before = det->tone;
	int i, n;

	while (samples > 0) {
		n = BLOCK - det->fill;
		if (n > samples)
			n = samples;
		for (i = 0; i < NFREQ; i++)
			goertzel_update(&det->g[i], amp, n);
		for (i = 0; i < n; i++)
			det->energy += (double)amp[i] * amp[i];
		det->fill += n;
		amp += n;
		samples -= n;
		if (det->fill == BLOCK) {
			block_done(det, classify(det));
			det->energy = 0.0;
			det->fill = 0;
		}
	}
	return det->tone != before ? (int)det->tone : -1;
}
