// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * progress: call-progress tone detection by frequency and cadence.
 *
 * Setting a zone (gw_progress_det_set_zone) turns the zone's dial,
 * ringback, busy, congestion and SIT into patterns:
 *   - the distinct frequencies of their segments get one spandsp Goertzel
 *     filter each (at most MAXF), and each distinct frequency set (one
 *     tone, or a pair) becomes a block class (at most MAXCLS);
 *   - each tone becomes a cyclic list of (class, duration range) periods,
 *     neighbouring periods of one class merged; a tone of one tone segment
 *     and no silence is continuous;
 *   - for each tone and each starting period ("phase") the number of
 *     consecutive periods to match is the smallest that no other tone of
 *     the zone can produce (checked against each other tone's nominal
 *     cadence, also as heard after a silence of any length), and at least
 *     the tone's base count (progress.h). A tone that another, earlier
 *     tone matches without bound (JP busy and congestion are identical) is
 *     not detected on its own: it is reported as that earlier tone.
 *
 * Stage 1 classifies each 20 ms block (160 samples) against the block's
 * energy:
 *   SILENT  the block is quieter than SILENT_DBM0;
 *   a PAIR  when its two tones together hold at least PAIR_SHARE of the
 *           energy, each tone at least TONE_SHARE of it (so one strong
 *           tone is not a pair) and at least TONE_MIN_DBM0;
 *   a TONE  when it holds at least SINGLE_SHARE of the energy
 *           (AM_SHARE if the zone sends that frequency modulated) and at
 *           least TONE_MIN_DBM0;
 *   OTHER   anything else (speech, music, DTMF, a test tone).
 * With 160-sample blocks 440 and 480 Hz are only 0.8 bin apart; each leaks
 * about -12.6 dB into the other's filter, and the leak adds to or takes
 * from the measured tone depending on the two tones' relative phase, which
 * changes every block: each ringback tone reads a share of 0.40-0.62 and
 * the pair 0.82-1.23 (dial and busy: 0.46-0.56 each, 0.93-1.10 the pair).
 * PAIR_SHARE and TONE_SHARE leave room below that for line noise and a
 * few dB of twist. A single tone's share falls to 0.8 at about 14 Hz from
 * the filter (2.2 % at 425 Hz), so a 440 Hz note is not 425 Hz tone.
 * An AM tone (carrier and two sidebands 16-25 Hz away, 90 % depth) reads
 * 0.70-0.99 over 20 ms depending on where the block falls on the envelope,
 * so a carrier the zone modulates is measured instead over the last 40 ms
 * (two Goertzel filters of 320 samples, started a block apart): there
 * 425 Hz x 25 Hz reads a steady 0.71 (the sidebands are one bin away),
 * 400 Hz x 16 Hz 0.68-0.92, and a 440 Hz note 0.25 at 425 Hz.
 *
 * Stage 2 turns blocks into runs of equal class. A single OTHER block
 * between runs is the block in which a tone starts or stops: it is added to
 * the run in progress instead of starting a run of its own, so run lengths
 * are exact to one block.
 *
 * Stage 3 matches the latest runs, the one in progress counted once it
 * reaches its period's minimum, against each pattern at each phase. A
 * tone heard stays heard while each run completed and the run in progress
 * keep to the cadence; a run out of range or of another class ends it.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/level.h"
#include "dsp/progress.h"
#include "dsp/zone.h"

#define BLOCK	 160 /* samples: 20 ms */
#define BLOCK_MS 20

/* Block classifier limits (shares are of the block's energy). */
#define SILENT_DBM0   (-45.0)
#define TONE_MIN_DBM0 (-40.0)
#define PAIR_SHARE    0.7
#define TONE_SHARE    0.2
#define SINGLE_SHARE  0.8
#define AM_SHARE      0.6 /* over AM_BLOCK samples */
#define AM_BLOCK      (2 * BLOCK)

/* Cadence: each period within +-TOL_PCT %, and at least +-TOL_MIN_MS. */
#define TOL_PCT	   20
#define TOL_MIN_MS 40
/* A continuous tone is heard after this long at least. */
#define CONT_MIN_MS	1000
#define INF_MS		(INT_MAX / 4)
#define RINGBACK_MIN_MS 1200

#define MAXF	12	     /* Goertzel filters */
#define MAXCLS	12	     /* tone classes */
#define MAXAM	2	     /* modulated carriers */
#define MAXLEN	GW_ZONE_SEGS /* periods per pattern */
#define HISTORY 16	     /* completed runs kept */

enum { C_SILENT, C_OTHER, C_TONE0 }; /* block classes; tones from C_TONE0 */

/* The tones detected, in order of precedence. */
static const enum gw_tone det_tones[] = {
    GW_TONE_DIAL,	GW_TONE_RINGBACK, GW_TONE_BUSY,
    GW_TONE_CONGESTION, GW_TONE_SIT,
};

#define NDET ((int)(sizeof(det_tones) / sizeof(det_tones[0])))

struct tcls {
	int fa, fb; /* filter indices; fb -1 for a single tone */
	int am;	    /* the zone sends fa modulated: AM filter index, else -1 */
};

struct period {
	int cls;
	int nom_ms, min_ms, max_ms; /* INF_MS: continuous */
	int min_b, max_b;	    /* the range in blocks */
};

struct pattern {
	int len; /* periods; 0: not detected */
	struct period p[MAXLEN];
	int need[MAXLEN];      /* periods to match from each phase; 0: never */
	enum gw_tone reported; /* what is reported when it matches */
};

struct config {
	const struct gw_zone *zone;
	int nfreq;
	float freq_hz[MAXF];
	goertzel_descriptor_t desc[MAXF];
	int nam;
	goertzel_descriptor_t am_desc[MAXAM]; /* AM_BLOCK long */
	int ncls;
	struct tcls cls[MAXCLS]; /* [c - C_TONE0] */
	struct pattern pat[NDET];
};

struct run {
	int cls;
	int blocks;
};

struct gw_progress_det {
	struct config cfg;
	goertzel_state_t g[MAXF];
	/* AM carriers over 40 ms, two filters a block apart; [blocks & 1]
	 * has the last 40 ms at the end of a block */
	goertzel_state_t am[MAXAM][2];
	unsigned int blocks; /* since the reset */
	double prev_energy;  /* of the block before */
	double energy;	     /* sum of squares in the block so far */
	int fill;	     /* samples in the block so far */

	struct run cur;		  /* run in progress */
	struct run hist[HISTORY]; /* completed runs, [0] the most recent */
	int pending_other;	  /* an OTHER block held back (0 or 1) */
	enum gw_tone tone;	  /* tone heard now */
	int tpat, tidx; /* its pattern, and the period of the run in progress */
	int last_cls;	/* class of the last complete block */
};

/* ---- building a zone's patterns ---------------------------------------- */

static int freq_index(struct config *c, int f_hz)
{
	int i;

	for (i = 0; i < c->nfreq; i++)
		if (c->freq_hz[i] == (float)f_hz)
			return i;
	if (c->nfreq == MAXF)
		return -1;
	c->freq_hz[c->nfreq] = (float)f_hz;
	return c->nfreq++;
}

/* The class of a tone segment, added if new; -1 when full. */
static int class_of(struct config *c, const struct gw_zone_seg *s)
{
	int lo = s->f1_hz, hi = s->f2_hz, fa, fb = -1, i;

	if (hi && hi < lo) {
		lo = s->f2_hz;
		hi = s->f1_hz;
	}
	fa = freq_index(c, lo);
	if (hi)
		fb = freq_index(c, hi);
	if (fa < 0 || (hi && fb < 0))
		return -1;
	for (i = 0; i < c->ncls; i++)
		if (c->cls[i].fa == fa && c->cls[i].fb == fb)
			break;
	if (i == c->ncls) {
		if (c->ncls == MAXCLS)
			return -1;
		c->cls[i].fa = fa;
		c->cls[i].fb = fb;
		c->cls[i].am = -1;
		c->ncls++;
	}
	if (s->am_hz && c->cls[i].am < 0 && !hi) {
		if (c->nam == MAXAM)
			return -1;
		make_goertzel_descriptor(&c->am_desc[c->nam], (float)lo,
					 AM_BLOCK);
		c->cls[i].am = c->nam++;
	}
	return C_TONE0 + i;
}

static void set_range(struct period *p, int min_ms, int max_ms)
{
	p->min_ms = min_ms;
	p->max_ms = max_ms;
	p->min_b = (min_ms + BLOCK_MS - 1) / BLOCK_MS;
	p->max_b = max_ms >= INF_MS ? INT_MAX : max_ms / BLOCK_MS;
}

static int build_pattern(struct config *c, struct pattern *pt,
			 const struct gw_zone_tone *t)
{
	int i, n = gw_zone_tone_segs(t), k = 0;

	memset(pt, 0, sizeof(*pt));
	if (n == 0 || t->cycles)
		return 0; /* no such tone, or not a steady cadence */
	for (i = 0; i < n; i++) {
		const struct gw_zone_seg *s = &t->seg[i];
		int cls = s->f1_hz ? class_of(c, s) : C_SILENT;

		if (cls < 0)
			return -EINVAL;
		if (k && pt->p[k - 1].cls == cls) {
			pt->p[k - 1].nom_ms += s->ms;
			continue;
		}
		pt->p[k].cls = cls;
		pt->p[k].nom_ms = s->ms;
		k++;
	}
	if (k > 1 && pt->p[k - 1].cls == pt->p[0].cls) {
		pt->p[0].nom_ms += pt->p[k - 1].nom_ms; /* cyclic neighbours */
		k--;
	}
	pt->len = k;
	if (k == 1 && pt->p[0].cls == C_SILENT) {
		pt->len = 0;
		return 0;
	}
	if (k == 1) {
		pt->p[0].nom_ms = INF_MS; /* continuous */
		set_range(&pt->p[0], CONT_MIN_MS, INF_MS);
		return 0;
	}
	for (i = 0; i < k; i++) {
		struct period *p = &pt->p[i];
		int tol = p->nom_ms * TOL_PCT / 100;

		if (tol < TOL_MIN_MS)
			tol = TOL_MIN_MS;
		set_range(p, p->nom_ms - tol, p->nom_ms + tol);
	}
	return 0;
}

/*
 * Longest run of consecutive periods of t, from phase ph, that tone q's
 * nominal cadence produces (the last one counted once long enough), also
 * when q starts after a silence of any length (j == -1). Capped at limit.
 */
static int match_len(const struct pattern *t, int ph, const struct pattern *q,
		     int limit)
{
	int best = 0, j, k;

	for (j = -1; j < q->len; j++) {
		for (k = 0; k < limit; k++) {
			const struct period *tp = &t->p[(ph + k) % t->len];
			const struct period *qp;

			if (j < 0 && k == 0) {
				if (tp->cls != C_SILENT)
					break;
				best = best > 1 ? best : 1;
				continue;
			}
			qp = &q->p[(j < 0 ? k - 1 : j + k) % q->len];
			if (qp->cls != tp->cls || qp->nom_ms < tp->min_ms)
				break;
			if (k + 1 > best)
				best = k + 1;
			if (qp->nom_ms > tp->max_ms)
				break;
		}
		if (best >= limit)
			break;
	}
	return best;
}

/* Periods and tone periods a pattern needs at least (progress.h). */
static void base_need(const struct pattern *pt, enum gw_tone tone, int *segs,
		      int *tones)
{
	switch (tone) {
	case GW_TONE_DIAL:
		*segs = pt->len;
		*tones = pt->len > 1 ? 2 : 1;
		break;
	case GW_TONE_BUSY:
	case GW_TONE_CONGESTION:
		*segs = 4;
		*tones = 2;
		break;
	case GW_TONE_SIT:
		*segs = 3;
		*tones = 3;
		break;
	default:
		*segs = 1;
		*tones = 1;
		break;
	}
}

static int tones_in(const struct pattern *pt, int ph, int n)
{
	int k, t = 0;

	for (k = 0; k < n; k++)
		t += pt->p[(ph + k) % pt->len].cls != C_SILENT;
	return t;
}

/*
 * Ringback is matched over RINGBACK_MIN_MS of tone at least, or one cycle
 * and the start of the next: a short burst (UK 0.4 s) or one second of
 * tone (DE) alone is too easily a note of music or a vowel.
 */
static bool long_enough(const struct pattern *pt, int ph, int n)
{
	int k, ms = 0;

	for (k = 0; k < n; k++) {
		const struct period *p = &pt->p[(ph + k) % pt->len];

		if (p->cls != C_SILENT)
			ms += p->min_ms;
	}
	return ms >= RINGBACK_MIN_MS || n > pt->len;
}

static void compute_needs(struct config *c)
{
	const int limit = HISTORY + 1;
	int i, q, ph;

	/* A continuous tone outlasts every period of its class. */
	for (i = 0; i < NDET; i++) {
		struct pattern *t = &c->pat[i];
		int min_ms = CONT_MIN_MS;

		if (t->len != 1)
			continue;
		for (q = 0; q < NDET; q++) {
			const struct pattern *o = &c->pat[q];

			for (ph = 0; q != i && ph < o->len; ph++)
				if (o->len > 1 && o->p[ph].cls == t->p[0].cls &&
				    o->p[ph].max_ms + BLOCK_MS * 2 > min_ms)
					min_ms = o->p[ph].max_ms + BLOCK_MS * 2;
		}
		set_range(&t->p[0], min_ms, INF_MS);
	}
	/* Tones an earlier tone matches without bound are its aliases. */
	for (i = 0; i < NDET; i++) {
		struct pattern *t = &c->pat[i];

		t->reported = t->len ? det_tones[i] : GW_TONE_NONE;
		for (q = 0; t->len && q < i; q++) {
			const struct pattern *o = &c->pat[q];
			bool bounded = false;

			if (!o->len || o->reported != det_tones[q])
				continue;
			for (ph = 0; ph < t->len; ph++)
				if (match_len(t, ph, o, limit) < limit)
					bounded = true;
			if (!bounded)
				t->reported = det_tones[q];
		}
	}
	for (i = 0; i < NDET; i++) {
		struct pattern *t = &c->pat[i];
		int segs, tones;

		if (!t->len || t->reported != det_tones[i])
			continue;
		base_need(t, det_tones[i], &segs, &tones);
		for (ph = 0; ph < t->len; ph++) {
			int amb = 0, n;

			for (q = 0; q < NDET; q++) {
				const struct pattern *o = &c->pat[q];
				int m;

				if (q == i || !o->len ||
				    o->reported != det_tones[q])
					continue;
				m = match_len(t, ph, o, limit);
				if (m > amb)
					amb = m;
			}
			n = amb + 1 > segs ? amb + 1 : segs;
			while (n <= HISTORY &&
			       (tones_in(t, ph, n) < tones ||
				(det_tones[i] == GW_TONE_RINGBACK &&
				 !long_enough(t, ph, n))))
				n++;
			t->need[ph] = n <= HISTORY ? n : 0;
		}
	}
}

static int configure(struct config *c, const struct gw_zone *z)
{
	int i, err;

	memset(c, 0, sizeof(*c));
	c->zone = z;
	for (i = 0; i < NDET; i++) {
		err = build_pattern(c, &c->pat[i], &z->tone[det_tones[i]]);
		if (err)
			return err;
	}
	for (i = 0; i < c->nfreq; i++)
		make_goertzel_descriptor(&c->desc[i], c->freq_hz[i], BLOCK);
	compute_needs(c);
	return 0;
}

/* ---- the detector ------------------------------------------------------- */

int gw_progress_det_alloc(struct gw_progress_det **ret)
{
	struct gw_progress_det *det;
	int err;

	det = calloc(1, sizeof(*det));
	if (!det)
		return -ENOMEM;
	err = gw_progress_det_set_zone(det, NULL);
	if (err) {
		free(det);
		return err;
	}
	*ret = det;
	return 0;
}

void gw_progress_det_free(struct gw_progress_det *det)
{
	free(det);
}

int gw_progress_det_set_zone(struct gw_progress_det *det,
			     const struct gw_zone *z)
{
	struct config c;
	int err;

	err = configure(&c, z ? z : gw_zone_default());
	if (err)
		return err;
	det->cfg = c;
	gw_progress_det_reset(det);
	return 0;
}

const struct gw_zone *gw_progress_det_zone(const struct gw_progress_det *det)
{
	return det->cfg.zone;
}

void gw_progress_det_reset(struct gw_progress_det *det)
{
	int i;

	for (i = 0; i < det->cfg.nfreq; i++)
		goertzel_init(&det->g[i], &det->cfg.desc[i]); /* in place */
	for (i = 0; i < det->cfg.nam; i++) {
		goertzel_init(&det->am[i][0], &det->cfg.am_desc[i]);
		goertzel_init(&det->am[i][1], &det->cfg.am_desc[i]);
	}
	det->blocks = 0;
	det->prev_energy = 0.0;
	det->energy = 0.0;
	det->fill = 0;
	det->cur.cls = C_SILENT;
	det->cur.blocks = 0;
	for (i = 0; i < HISTORY; i++) {
		det->hist[i].cls = C_SILENT;
		det->hist[i].blocks = 0;
	}
	det->pending_other = 0;
	det->last_cls = C_SILENT;
	det->tone = GW_TONE_NONE;
	det->tpat = 0;
	det->tidx = 0;
}

enum gw_tone gw_progress_det_current(const struct gw_progress_det *det)
{
	return det->tone;
}

static int det_index(enum gw_tone tone)
{
	int i;

	for (i = 0; i < NDET; i++)
		if (det_tones[i] == tone)
			return i;
	return -1;
}

enum gw_tone gw_progress_det_reported(const struct gw_progress_det *det,
				      enum gw_tone tone)
{
	int i = det_index(tone);

	return i < 0 ? GW_TONE_NONE : det->cfg.pat[i].reported;
}

int gw_progress_det_deadline_ms(const struct gw_progress_det *det,
				enum gw_tone tone, int *periods)
{
	int i = det_index(tone), ph, k, best = -1, best_n = 0;
	const struct pattern *t, *m;

	if (i < 0 || det->cfg.pat[i].reported == GW_TONE_NONE)
		return -1;
	/* An alias has its own cadence and the need of the tone reported. */
	t = &det->cfg.pat[i];
	m = &det->cfg.pat[det_index(t->reported)];
	if (t->len == 1) {
		if (periods)
			*periods = 1;
		return m->p[0].min_ms + 2 * BLOCK_MS;
	}
	/* Earliest window, from the tone's start, that some phase accepts. */
	for (ph = 0; ph < t->len; ph++) {
		int start = 0, n = m->need[ph % m->len], ms;

		if (!n)
			continue;
		for (k = 0; k < ph; k++)
			start += t->p[k].nom_ms;
		ms = start;
		for (k = 0; k < n - 1; k++)
			ms += t->p[(ph + k) % t->len].nom_ms;
		ms += t->p[(ph + n - 1) % t->len].min_ms;
		if (best < 0 || ms < best) {
			best = ms;
			best_n = n;
		}
	}
	if (best < 0)
		return -1;
	if (periods)
		*periods = best_n;
	return best + 2 * BLOCK_MS;
}

enum gw_progress_class
gw_progress_det_block_class(const struct gw_progress_det *det)
{
	if (det->last_cls == C_SILENT)
		return GW_PROGRESS_SILENT;
	return det->last_cls == C_OTHER ? GW_PROGRESS_OTHER : GW_PROGRESS_TONE;
}

static int classify(struct gw_progress_det *det)
{
	/* Energy of a 0 dBm0 sine over one block. */
	static const double ref =
	    GW_LEVEL_0DBM0_RMS * GW_LEVEL_0DBM0_RMS * BLOCK;
	const struct config *c = &det->cfg;
	double e = det->energy, share[MAXF], am[MAXAM], best = 0.0, min_share;
	double e2 = det->prev_energy + e;
	int cls = C_OTHER, i;

	for (i = 0; i < c->nfreq; i++) {
		/* goertzel_result() also restarts the filter. */
		double g = goertzel_result(&det->g[i]);

		/* For a pure tone at the filter's frequency, g == BLOCK * e. */
		share[i] = e > 0.0 ? g / (BLOCK * e) : 0.0;
	}
	for (i = 0; i < c->nam; i++) {
		/* the filter that has run for the last two blocks */
		double g = goertzel_result(&det->am[i][det->blocks & 1]);

		am[i] = e2 > 0.0 && det->blocks ? g / (AM_BLOCK * e2) : 0.0;
	}
	det->blocks++;
	det->prev_energy = e;
	if (e < ref * pow(10.0, SILENT_DBM0 / 10.0))
		return C_SILENT;
	min_share = ref * pow(10.0, TONE_MIN_DBM0 / 10.0) / e;
	for (i = 0; i < c->ncls; i++) {
		const struct tcls *t = &c->cls[i];
		double sa = share[t->fa], score;

		if (t->fb >= 0) {
			double sb = share[t->fb];

			if (sa < TONE_SHARE || sb < TONE_SHARE ||
			    sa < min_share || sb < min_share ||
			    sa + sb < PAIR_SHARE)
				continue;
			score = sa + sb;
		} else {
			if (t->am >= 0)
				sa = am[t->am]; /* 40 ms: AM_SHARE */
			if (sa < (t->am >= 0 ? AM_SHARE : SINGLE_SHARE) ||
			    sa < min_share)
				continue;
			score = sa;
		}
		if (score > best) {
			best = score;
			cls = C_TONE0 + i;
		}
	}
	return cls;
}

static bool in_period(const struct run *r, const struct period *p)
{
	return r->cls == p->cls && r->blocks >= p->min_b &&
	       r->blocks <= p->max_b;
}

/* Do the latest n runs match pattern pt from phase ph? */
static bool window_ok(const struct gw_progress_det *det,
		      const struct pattern *pt, int ph, int n)
{
	int k;

	if (!in_period(&det->cur, &pt->p[(ph + n - 1) % pt->len]))
		return false;
	for (k = 0; k < n - 1; k++)
		if (!in_period(&det->hist[k],
			       &pt->p[(ph + n - 2 - k) % pt->len]))
			return false;
	return true;
}

static void recognise(struct gw_progress_det *det)
{
	int i, ph;

	if (det->cur.cls == C_OTHER)
		return;
	for (i = 0; i < NDET; i++) {
		const struct pattern *pt = &det->cfg.pat[i];

		if (!pt->len || pt->reported != det_tones[i])
			continue;
		for (ph = 0; ph < pt->len; ph++) {
			int n = pt->need[ph];

			if (!n || !window_ok(det, pt, ph, n))
				continue;
			if (det->tone != det_tones[i]) {
				det->tone = det_tones[i];
				det->tpat = i;
				det->tidx = (ph + n - 1) % pt->len;
			}
			return;
		}
	}
}

/* The run in progress still keeps to the tone heard? */
static bool still_heard(const struct gw_progress_det *det)
{
	const struct period *p = &det->cfg.pat[det->tpat].p[det->tidx];

	return det->cur.cls == p->cls && det->cur.blocks <= p->max_b;
}

static void end_run(struct gw_progress_det *det, int next)
{
	memmove(&det->hist[1], &det->hist[0],
		(HISTORY - 1) * sizeof(det->hist[0]));
	det->hist[0] = det->cur;
	det->cur.cls = next;
	det->cur.blocks = 0;
	if (det->tone != GW_TONE_NONE) {
		const struct pattern *pt = &det->cfg.pat[det->tpat];

		if (!in_period(&det->hist[0], &pt->p[det->tidx])) {
			det->tone = GW_TONE_NONE;
			return;
		}
		det->tidx = (det->tidx + 1) % pt->len;
		if (pt->p[det->tidx].cls != next)
			det->tone = GW_TONE_NONE;
	}
}

static void block_done(struct gw_progress_det *det, int cls)
{
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
	recognise(det);
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
		for (i = 0; i < det->cfg.nfreq; i++)
			goertzel_update(&det->g[i], amp, n);
		for (i = 0; i < det->cfg.nam; i++) {
			goertzel_update(&det->am[i][0], amp, n);
			goertzel_update(&det->am[i][1], amp, n);
		}
		for (i = 0; i < n; i++)
			det->energy += (double)amp[i] * amp[i];
		det->fill += n;
		amp += n;
		samples -= n;
		if (det->fill == BLOCK) {
			det->last_cls = classify(det);
			block_done(det, det->last_cls);
			det->energy = 0.0;
			det->fill = 0;
		}
	}
	return det->tone != before ? (int)det->tone : -1;
}
