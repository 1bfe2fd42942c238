// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jbuf: see jbuf.h for the model (transit, base, offset, target) and the
 * time-scale rules. Everything here runs on the media thread and works on
 * the embedded arrays; the only calls out are to the caller's gw_plc.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "dsp/plc.h"
#include "gateway/jbuf.h"

#define MASK  (GW_JBUF_SAMPLES - 1)
#define MS(x) ((int32_t)(x)*8)

enum { EMPTY = 0, VALID, PLAYED };

#define RESYNC_BEHIND	 (GW_JBUF_SAMPLES / 2)
#define AHEAD_LIMIT	 (GW_JBUF_SAMPLES - GW_JBUF_SAMPLES / 8)
#define EVAL_PERIOD	 4000 /* re-estimate every 0.5 s */
#define EVAL_MIN_PACKETS 16   /* before that, keep the start delay */
#define STEP_PERIOD	 4000 /* at most one voiced step per 0.5 s */
#define DEADBAND	 8    /* offset errors below 1 ms are left alone */
#define MARGIN		 16   /* target = percentile + 2 ms */
#define HYSTERESIS	 16   /* lower the target only by more than 2 ms */
#define PCTL_PERMILLE	 5    /* 99.5th percentile */
#define BIN		 4    /* histogram bin, samples */
#define NBINS		 512
#define PITCH_MIN	 40  /* 200 Hz */
#define PITCH_MAX	 120 /* 66 Hz */
#define CORR_MIN	 0.6
#define FORCE		 MS(30)	 /* step regardless of correlation beyond */
#define SILENCE_MS	 10000	 /* mean square below: RMS 100, ~-45 dBm0 */
#define PLC_FADE	 400	 /* gw_plc output is silence after this */
#define PAUSE		 MS(200) /* a longer gap is the sender pausing */
#define SKEW_MIN_SPAN	 240000	 /* report the skew after 30 s */

void gw_jbuf_cfg_default(struct gw_jbuf_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = GW_JBUF_ADAPTIVE;
	cfg->delay_ms = GW_JBUF_DEFAULT_DELAY_MS;
	cfg->min_ms = GW_JBUF_DEFAULT_MIN_MS;
	cfg->max_ms = GW_JBUF_DEFAULT_MAX_MS;
}

int gw_jbuf_init_cfg(struct gw_jbuf *jb, const struct gw_jbuf_cfg *cfg,
		     struct gw_plc *plc)
{
	struct gw_jbuf_cfg def;

	if (!cfg) {
		gw_jbuf_cfg_default(&def);
		cfg = &def;
	}
	if (cfg->mode == GW_JBUF_FIXED) {
		if (cfg->delay_ms > GW_JBUF_MAX_DELAY_MS)
			return -EINVAL;
	} else if (cfg->mode == GW_JBUF_ADAPTIVE) {
		if (cfg->min_ms > cfg->delay_ms ||
		    cfg->delay_ms > cfg->max_ms ||
		    cfg->max_ms > GW_JBUF_MAX_DELAY_MS)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	memset(jb, 0, sizeof(*jb));
	jb->plc = plc;
	jb->mode = cfg->mode;
	jb->vbd = cfg->vbd;
	jb->start = MS(cfg->delay_ms);
	if (cfg->mode == GW_JBUF_FIXED) {
		jb->min = jb->start;
		jb->max = jb->start;
	} else {
		jb->min = MS(cfg->min_ms);
		jb->max = MS(cfg->max_ms);
	}
	jb->target = jb->start;
	if (plc)
		gw_plc_reset(plc);
	return 0;
}

void gw_jbuf_init(struct gw_jbuf *jb, uint32_t delay_samples)
{
	struct gw_jbuf_cfg cfg = {.mode = GW_JBUF_FIXED};

	if (delay_samples > (uint32_t)MS(GW_JBUF_MAX_DELAY_MS))
		delay_samples = (uint32_t)MS(GW_JBUF_MAX_DELAY_MS);
	gw_jbuf_init_cfg(jb, &cfg, NULL);
	jb->start = jb->min = jb->max = jb->target = (int32_t)delay_samples;
}

/* Receiver time minus timestamp, both counted from the last sync. */
static int32_t transit(const struct gw_jbuf *jb, uint32_t ts)
{
	return (int32_t)((jb->now - jb->origin_now) - (ts - jb->origin_ts));
}

static int32_t offset(const struct gw_jbuf *jb)
{
	return transit(jb, jb->play_ts);
}

static void restart(struct gw_jbuf *jb, uint32_t ssrc, uint32_t ts)
{
	memset(jb->state, EMPTY, sizeof(jb->state));
	jb->started = true;
	jb->playing = false;
	jb->last_clean = false;
	jb->ssrc = ssrc;
	jb->origin_now = jb->now;
	jb->origin_ts = ts;
	jb->base = 0;
	jb->play_ts = ts - (uint32_t)jb->target;
	jb->newest_ts = ts;
	jb->missing_run = 0;
	jb->pending = 0;
	jb->pending_frames = 0;
	jb->win_pos = 0;
	jb->win_count = 0;
	jb->evaluated = false;
	jb->next_eval = jb->now + EVAL_PERIOD;
	jb->last_step = jb->now - STEP_PERIOD;
	jb->skew_now0 = 0;
	jb->skew_base0 = 0;
	jb->skew_ppm = 0;
	if (jb->plc)
		gw_plc_reset(jb->plc);
}

static void record(struct gw_jbuf *jb, int32_t t)
{
	jb->win[jb->win_pos] = t;
	jb->win_pos = (jb->win_pos + 1) % GW_JBUF_WIN;
	if (jb->win_count < GW_JBUF_WIN)
		jb->win_count++;
	if (t < jb->base)
		jb->base = t;
}

/*
 * Every sample of [ts, ts + n) already stored, or, behind the play
 * pointer, stored or played. (Slots ahead keep the marks of the previous
 * lap of the store, so "played" counts only behind.)
 */
static bool duplicate(const struct gw_jbuf *jb, uint32_t ts, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t t = ts + (uint32_t)i;
		uint8_t st = jb->state[t & MASK];

		if (st == EMPTY ||
		    (st == PLAYED && (int32_t)(t - jb->play_ts) >= 0))
			return false;
	}
	return true;
}

int gw_jbuf_put(struct gw_jbuf *jb, uint32_t ssrc, uint32_t ts,
		const int16_t *samples, int n)
{
	int32_t ahead;

	if (n <= 0 || n > GW_JBUF_MAX_PACKET)
		return -EINVAL;
	jb->received++;
	if (!jb->started || ssrc != jb->ssrc) {
		if (jb->started)
			jb->resyncs++;
		restart(jb, ssrc, ts);
	}
	ahead = (int32_t)(ts - jb->play_ts);
	if (ahead < -RESYNC_BEHIND || ahead + n > AHEAD_LIMIT) {
		/* The sender restarted its clock, jumped, or we stalled. */
		jb->resyncs++;
		restart(jb, ssrc, ts);
		ahead = (int32_t)(ts - jb->play_ts);
	}
	if (duplicate(jb, ts, n)) {
		jb->duplicates++;
		return -EALREADY;
	}
	record(jb, transit(jb, ts));
	if (ahead < 0) {
		jb->late++;
		return -ETIME;
	}
	if (jb->pending) {
		if (jb->pending <= PAUSE) {
			jb->concealed += jb->pending;
			jb->concealed_frames += jb->pending_frames;
		}
		jb->pending = 0;
		jb->pending_frames = 0;
	}
	for (int i = 0; i < n; i++) {
		uint32_t pos = (ts + (uint32_t)i) & MASK;

		jb->store[pos] = samples[i];
		jb->state[pos] = VALID;
	}
	if ((int32_t)(ts + (uint32_t)n - jb->newest_ts) > 0)
		jb->newest_ts = ts + (uint32_t)n;
	return 0;
}

/* Re-estimate base, jitter and (adaptive) target from the window. */
static void evaluate(struct gw_jbuf *jb)
{
	uint16_t bins[NBINS];
	int32_t base = INT32_MAX, nt;
	int allowed, above = 0, b;

	jb->next_eval = jb->now + EVAL_PERIOD;
	if (jb->win_count < EVAL_MIN_PACKETS)
		return;
	for (int i = 0; i < jb->win_count; i++)
		if (jb->win[i] < base)
			base = jb->win[i];
	jb->base = base;
	memset(bins, 0, sizeof(bins));
	for (int i = 0; i < jb->win_count; i++) {
		int64_t d = ((int64_t)jb->win[i] - base) / BIN;

		bins[d >= NBINS ? NBINS - 1 : d]++;
	}
	allowed = jb->win_count * PCTL_PERMILLE / 1000;
	for (b = NBINS - 1; b > 0; b--) {
		if (above + bins[b] > allowed)
			break;
		above += bins[b];
	}
	jb->jitter = (b + 1) * BIN;
	if (jb->mode == GW_JBUF_ADAPTIVE) {
		nt = jb->jitter + MARGIN;
		if (nt < jb->min)
			nt = jb->min;
		if (nt > jb->max)
			nt = jb->max;
		if (nt > jb->target || nt < jb->target - HYSTERESIS)
			jb->target = nt;
	}
	jb->evaluated = true;
	/* skew: the base's drift, from the first full window on */
	if (jb->win_count == GW_JBUF_WIN) {
		if (!jb->skew_now0) {
			jb->skew_now0 = jb->now | 1;
			jb->skew_base0 = base;
		} else if (jb->now - jb->skew_now0 >= SKEW_MIN_SPAN) {
			jb->skew_ppm = -(double)(base - jb->skew_base0) * 1e6 /
				       (double)(jb->now - jb->skew_now0);
		}
	}
}

static void hist_push(struct gw_jbuf *jb, const int16_t *out, int n)
{
	if (n >= GW_JBUF_HIST) {
		memcpy(jb->hist, out + n - GW_JBUF_HIST, sizeof(jb->hist));
		return;
	}
	memmove(jb->hist, jb->hist + n,
		sizeof(int16_t) * (size_t)(GW_JBUF_HIST - n));
	memcpy(jb->hist + GW_JBUF_HIST - n, out, sizeof(int16_t) * (size_t)n);
}

static void mark(struct gw_jbuf *jb, uint32_t ts, int n, uint8_t st)
{
	for (int i = 0; i < n; i++)
		jb->state[(ts + (uint32_t)i) & MASK] = st;
}

/* Consecutive valid samples from the play pointer, at most max. */
static int avail(const struct gw_jbuf *jb, int max)
{
	int i = 0;

	while (i < max &&
	       jb->state[(jb->play_ts + (uint32_t)i) & MASK] == VALID)
		i++;
	return i;
}

/* No packet data in the next n samples. */
static bool empty_span(const struct gw_jbuf *jb, int n)
{
	for (int i = 0; i < n; i++)
		if (jb->state[(jb->play_ts + (uint32_t)i) & MASK] == VALID)
			return false;
	return true;
}

static int64_t energy(const int16_t *x, int n)
{
	int64_t e = 0;

	for (int i = 0; i < n; i++)
		e += (int32_t)x[i] * x[i];
	return e;
}

/* Normalised correlation of a[0..n) and b[0..n). */
static double corr(const int16_t *a, const int16_t *b, int n)
{
	int64_t ab = 0, aa = 0, bb = 0;

	for (int i = 0; i < n; i++) {
		ab += (int32_t)a[i] * b[i];
		aa += (int32_t)a[i] * a[i];
		bb += (int32_t)b[i] * b[i];
	}
	if (!aa || !bb)
		return 0;
	return (double)ab / sqrt((double)aa * (double)bb);
}

/* Lag in [lo, hi] of best correlation between x[0..n) and x[dir*k..). */
static int pitch(const int16_t *x, int n, int lo, int hi, int dir, double *best)
{
	int bk = 0;

	*best = -2;
	for (int k = lo; k <= hi; k++) {
		double c = corr(x, x + dir * k, n);

		if (c > *best + 1e-9) {
			*best = c;
			bk = k;
		}
	}
	return bk;
}

/* y[i] = x[i] faded into x[i + lag] over the frame. */
static void xfade(int16_t *out, const int16_t *x, int lag, int n)
{
	for (int i = 0; i < n; i++) {
		int32_t a = x[i], b = x[i + lag];

		out[i] = (int16_t)((a * (2 * n - 2 * i - 1) + b * (2 * i + 1)) /
				   (2 * n));
	}
}

/*
 * Conceal n samples at play pointer + at. They count as concealed when a
 * later packet is already here, or (pending) when one comes within
 * PAUSE of the gap's start; a longer silence is the sender pausing.
 * Returns whether they counted at once.
 */
static bool conceal(struct gw_jbuf *jb, int16_t *out, int at, int n)
{
	if (jb->plc)
		gw_plc_fillin(jb->plc, out, n);
	else
		memset(out, 0, sizeof(*out) * (size_t)n);
	jb->missing_run += (uint32_t)n;
	if ((int32_t)(jb->newest_ts - jb->play_ts - (uint32_t)at) > 0) {
		jb->concealed += (uint64_t)n;
		return true;
	}
	if (jb->pending_frame != jb->now) {
		jb->pending_frame = jb->now;
		jb->pending_frames++;
	}
	jb->pending += (uint32_t)n;
	return false;
}

/*
 * One frame with a time-scale step towards err (> 0: drop, < 0: insert).
 * Returns the samples from packets, or -1 when no step fits this frame.
 */
static int step(struct gw_jbuf *jb, int16_t *out, int n, int32_t err)
{
	int16_t x[GW_JBUF_HIST + GW_JBUF_MAX_FRAME + GW_JBUF_MAX_FRAME / 2 +
		  PITCH_MAX];
	int16_t *cur = x + GW_JBUF_HIST;
	int32_t mag = err > 0 ? err : -err;
	int half = n / 2, k, have, extra;
	bool silent, voiced_ok;
	double c;

	/*
	 * No data here: growing the delay only stretches the concealment
	 * (and gives the late packet its chance); shrinking it is free once
	 * the concealment has faded to silence.
	 */
	k = mag < n ? (int)mag : n;
	if ((err < 0 || jb->missing_run >= PLC_FADE) &&
	    empty_span(jb, n + (err > 0 ? k : 0))) {
		if (conceal(jb, out, 0, n))
			jb->concealed_frames++;
		if (err > 0) {
			jb->play_ts += (uint32_t)(n + k);
			jb->dropped += (uint64_t)k;
		} else {
			jb->play_ts += (uint32_t)(n - k);
			jb->added += (uint64_t)k;
		}
		jb->last_clean = false;
		return 0;
	}
	if (!jb->last_clean)
		return -1;
	extra = half > PITCH_MAX ? half : PITCH_MAX;
	have = avail(jb, n + extra);
	if (have < n)
		return -1;
	for (int i = 0; i < have; i++)
		cur[i] = jb->store[(jb->play_ts + (uint32_t)i) & MASK];
	memcpy(x, jb->hist, sizeof(jb->hist));
	voiced_ok =
	    !jb->vbd && (int32_t)(jb->now - jb->last_step) >= STEP_PERIOD;

	if (err > 0) {
		int kmax = have - n;

		if (kmax < DEADBAND)
			return -1;
		silent = energy(cur, have) < (int64_t)SILENCE_MS * have;
		if (silent) {
			k = (int)(mag < half ? mag : half);
			if (k > kmax)
				k = kmax;
		} else {
			int hi = kmax < PITCH_MAX ? kmax : PITCH_MAX;

			if (mag < hi)
				hi = (int)mag; /* never below the target */
			if (!voiced_ok || hi < PITCH_MIN)
				return -1;
			k = pitch(cur, n, PITCH_MIN, hi, 1, &c);
			if (c < CORR_MIN && mag < FORCE)
				return -1;
			jb->last_step = jb->now;
		}
		xfade(out, cur, k, n);
		mark(jb, jb->play_ts, n + k, PLAYED);
		jb->play_ts += (uint32_t)(n + k);
		jb->dropped += (uint64_t)k;
	} else {
		silent = energy(cur - half, n + half) <
			 (int64_t)SILENCE_MS * (n + half);
		if (silent) {
			k = (int)(mag < half ? mag : half);
		} else {
			if (!voiced_ok)
				return -1;
			k = pitch(cur, n, PITCH_MIN, PITCH_MAX, -1, &c);
			if (c < CORR_MIN && mag < FORCE)
				return -1;
			jb->last_step = jb->now;
		}
		/* y[i] = cur[i] faded into cur[i - k]: start from cur - k */
		for (int i = 0; i < n; i++) {
			int32_t a = cur[i], b = cur[i - k];

			out[i] = (int16_t)((a * (2 * n - 2 * i - 1) +
					    b * (2 * i + 1)) /
					   (2 * n));
		}
		mark(jb, jb->play_ts, n - k, PLAYED);
		jb->play_ts += (uint32_t)(n - k);
		jb->added += (uint64_t)k;
	}
	if (jb->plc)
		gw_plc_process(jb->plc, out, n);
	jb->played += (uint64_t)n;
	jb->missing_run = 0;
	return n;
}

/* One frame straight from the store, concealing the gaps. */
static int plain(struct gw_jbuf *jb, int16_t *out, int n)
{
	int got = 0, i = 0;
	bool conc = false;

	while (i < n) {
		int j = i;

		if (jb->state[(jb->play_ts + (uint32_t)i) & MASK] == VALID) {
			for (; j < n; j++) {
				uint32_t pos =
				    (jb->play_ts + (uint32_t)j) & MASK;

				if (jb->state[pos] != VALID)
					break;
				out[j] = jb->store[pos];
				jb->state[pos] = PLAYED;
			}
			if (jb->plc)
				gw_plc_process(jb->plc, out + i, j - i);
			jb->playing = true;
			jb->missing_run = 0;
			got += j - i;
		} else {
			for (; j < n; j++) {
				uint32_t pos =
				    (jb->play_ts + (uint32_t)j) & MASK;

				if (jb->state[pos] == VALID)
					break;
				jb->state[pos] = EMPTY;
			}
			if (jb->playing) {
				if (conceal(jb, out + i, i, j - i))
					conc = true;
			} else {
				memset(out + i, 0,
				       sizeof(*out) * (size_t)(j - i));
			}
		}
		i = j;
	}
	if (conc)
		jb->concealed_frames++;
	jb->played += (uint64_t)got;
	jb->play_ts += (uint32_t)n;
	jb->last_clean = got == n;
	return got;
}

static int frame(struct gw_jbuf *jb, int16_t *out, int n)
{
	int32_t err, gross;
	int got;

	if ((int32_t)(jb->now - jb->next_eval) >= 0)
		evaluate(jb);
	if (jb->evaluated && jb->playing) {
		err = offset(jb) - (jb->base + jb->target);
		gross = jb->max > MS(200) ? jb->max : MS(200);
		if (err > gross) {
			/* far too much buffered (a path got much faster) */
			mark(jb, jb->play_ts,
			     err < GW_JBUF_SAMPLES ? (int)err : GW_JBUF_SAMPLES,
			     EMPTY);
			jb->play_ts += (uint32_t)err;
			jb->dropped += (uint64_t)err;
			jb->last_clean = false;
		} else if (err >= DEADBAND || err <= -DEADBAND) {
			got = step(jb, out, n, err);
			if (got >= 0)
				return got;
		}
	}
	return plain(jb, out, n);
}

int gw_jbuf_get(struct gw_jbuf *jb, int16_t *out, int n)
{
	int got;

	if (n <= 0)
		return 0;
	if (n > GW_JBUF_MAX_FRAME) {
		got = gw_jbuf_get(jb, out, GW_JBUF_MAX_FRAME);
		return got + gw_jbuf_get(jb, out + GW_JBUF_MAX_FRAME,
					 n - GW_JBUF_MAX_FRAME);
	}
	if (!jb->started) {
		memset(out, 0, sizeof(*out) * (size_t)n);
		got = 0;
	} else {
		got = frame(jb, out, n);
	}
	hist_push(jb, out, n);
	jb->now += (uint32_t)n;
	return got;
}

void gw_jbuf_stats(const struct gw_jbuf *jb, struct gw_jbuf_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->received = jb->received;
	st->late = jb->late;
	st->duplicates = jb->duplicates;
	st->resyncs = jb->resyncs;
	st->played = jb->played;
	st->concealed = jb->concealed;
	st->concealed_frames = jb->concealed_frames;
	st->added = jb->added;
	st->dropped = jb->dropped;
	st->target_ms = jb->target / 8.0;
	st->jitter_ms = jb->jitter / 8.0;
	st->skew_ppm = jb->skew_ppm;
	st->play_ts = jb->play_ts;
	if (jb->started)
		st->delay_ms = (offset(jb) - jb->base) / 8.0;
}

void gw_jbuf_set_vbd(struct gw_jbuf *jb, uint32_t min_ms)
{
	int32_t min = (int32_t)(min_ms * 8u);
	int32_t d = jb->target > min ? jb->target : min;

	/* the fields gw_jbuf_init_cfg() derives from a fixed configuration */
	jb->mode = GW_JBUF_FIXED;
	jb->vbd = true;
	jb->start = jb->min = jb->max = jb->target = d;
}
