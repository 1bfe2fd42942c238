// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tone: call-progress tone generation with spandsp's tone_gen.
 *
 * Each tone of the zone is a program of up to NSTEPS steps; a step is one
 * spandsp descriptor: a tone segment and the silence after it (spandsp's
 * on/off sections). _alloc allocates every descriptor the largest program
 * can need; _set_zone rebuilds them in place (tone_gen_descriptor_init()
 * allocates nothing when given storage), and _set restarts the single
 * preallocated generator state from a program's first step (tone_gen_init()
 * with storage copies the descriptor). _process runs the state and, when a
 * step ends, moves the state to the next step.
 *
 * A program of one step that repeats forever (all of the US tones, any
 * on/off cadence, a continuous tone) is a single descriptor with spandsp's
 * repeat flag, so its phase runs on and it never changes step.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/tone.h"
#include "dsp/zone.h"

#define NSTEPS (GW_ZONE_SEGS + 1) /* the segments' steps and `then` */
/*
 * A continuous tone is one section of this length repeated: spandsp's
 * phase runs on across the repeat, so there is no seam.
 */
#define CONTINUOUS_MS 1000

struct prog {
	tone_gen_descriptor_t *step[NSTEPS]; /* [nsteps] is `then` */
	int nsteps; /* steps per cycle; 0: no such tone */
	int cycles; /* 0: forever */
	bool has_then;
};

struct gw_tone_gen {
	struct prog prog[GW_TONE_COUNT]; /* [GW_TONE_NONE] unused */
	tone_gen_state_t *state;
	const struct gw_zone *zone;
	enum gw_tone current;
	int step, cycle; /* position in prog[current] */
	bool in_then, done;
	bool custom_valid;
};

/* Can spandsp generate segment s without clipping? */
static bool seg_ok(const struct gw_zone_seg *s)
{
	if (!s->f1_hz)
		return !s->f2_hz && !s->am_hz;
	if (s->f1_hz >= SAMPLE_RATE / 2 || s->f2_hz >= SAMPLE_RATE / 2 ||
	    s->level_dbm0 < -60 || s->level_dbm0 > 3)
		return false;
	if (s->am_hz && (s->f2_hz || !s->am_pct || s->am_pct > 100))
		return false;
	/* A pair or an AM tone peaks at twice a tone's peak at most. */
	return !(s->f2_hz || s->am_hz) || s->level_dbm0 <= -3;
}

/* Check a zone tone: NULL-free segments that spandsp can play. */
static bool tone_ok(const struct gw_zone_tone *t)
{
	int i, n = gw_zone_tone_segs(t);

	if (n == 0)
		return t->cycles == 0;
	if (!t->seg[0].f1_hz)
		return false; /* a tone starts with a sound */
	for (i = 0; i < n; i++)
		if (!seg_ok(&t->seg[i]))
			return false;
	return !t->cycles || (t->then.f1_hz ? seg_ok(&t->then) : true);
}

static void describe_seg(tone_gen_descriptor_t *d, const struct gw_zone_seg *s,
			 int on_ms, int off_ms, int repeat)
{
	if (s->am_hz)
		tone_gen_descriptor_init(d, s->f1_hz, s->level_dbm0,
					 -(int)s->am_hz, s->am_pct, on_ms,
					 off_ms, 0, 0, repeat);
	else
		tone_gen_descriptor_init(d, s->f1_hz, s->level_dbm0, s->f2_hz,
					 s->level_dbm0, on_ms, off_ms, 0, 0,
					 repeat);
}

/* Build prog from a checked zone tone, in place. */
static void build(struct prog *p, const struct gw_zone_tone *t)
{
	int i, n = gw_zone_tone_segs(t), k = 0;

	for (i = 0; i < n; i++) {
		const struct gw_zone_seg *s = &t->seg[i];
		int off_ms = 0;

		if (!s->f1_hz)
			continue; /* folded into the step before */
		while (i + 1 < n && !t->seg[i + 1].f1_hz)
			off_ms += t->seg[++i].ms;
		describe_seg(p->step[k++], s, s->ms, off_ms, 0);
	}
	p->nsteps = k;
	p->cycles = t->cycles;
	p->has_then = t->cycles && t->then.f1_hz;
	if (k == 1 && !t->cycles) {
		/* one step forever: let spandsp repeat it */
		const struct gw_zone_seg *s = &t->seg[0];
		int off_ms = 0;

		for (i = 1; i < n; i++)
			off_ms += t->seg[i].ms;
		describe_seg(p->step[0], s, off_ms ? s->ms : CONTINUOUS_MS,
			     off_ms, 1);
	}
	if (p->has_then)
		describe_seg(p->step[k], &t->then, CONTINUOUS_MS, 0, 1);
}

int gw_tone_gen_alloc(struct gw_tone_gen **ret)
{
	struct gw_tone_gen *gen;
	int t, i, err;

	gen = calloc(1, sizeof(*gen));
	if (!gen)
		return -ENOMEM;
	for (t = GW_TONE_DIAL; t < GW_TONE_COUNT; t++) {
		int n = t == GW_TONE_CUSTOM ? 1 : NSTEPS;

		for (i = 0; i < n; i++) {
			/* placeholder until built: 1004 Hz test tone */
			gen->prog[t].step[i] = tone_gen_descriptor_init(
			    NULL, 1004, -10, 0, 0, CONTINUOUS_MS, 0, 0, 0, 1);
			if (!gen->prog[t].step[i])
				goto fail;
		}
	}
	gen->prog[GW_TONE_CUSTOM].nsteps = 1;
	gen->state = tone_gen_init(NULL, gen->prog[GW_TONE_CUSTOM].step[0]);
	if (!gen->state)
		goto fail;
	gen->current = GW_TONE_NONE;
	err = gw_tone_gen_set_zone(gen, NULL);
	if (err) {
		gw_tone_gen_free(gen);
		return err;
	}
	*ret = gen;
	return 0;
fail:
	gw_tone_gen_free(gen);
	return -ENOMEM;
}

void gw_tone_gen_free(struct gw_tone_gen *gen)
{
	int t, i;

	if (!gen)
		return;
	if (gen->state)
		tone_gen_free(gen->state);
	for (t = 0; t < GW_TONE_COUNT; t++)
		for (i = 0; i < NSTEPS; i++)
			if (gen->prog[t].step[i])
				tone_gen_descriptor_free(gen->prog[t].step[i]);
	free(gen);
}

static bool zone_tone(enum gw_tone t)
{
	return t > GW_TONE_NONE && t < GW_TONE_COUNT && t != GW_TONE_CUSTOM;
}

int gw_tone_gen_set_zone(struct gw_tone_gen *gen, const struct gw_zone *z)
{
	int t;

	if (!z)
		z = gw_zone_default();
	for (t = 0; t < GW_TONE_COUNT; t++)
		if (zone_tone(t) && !tone_ok(&z->tone[t]))
			return -EINVAL;
	for (t = 0; t < GW_TONE_COUNT; t++)
		if (zone_tone(t))
			build(&gen->prog[t], &z->tone[t]);
	gen->zone = z;
	if (zone_tone(gen->current))
		gw_tone_gen_set(gen, gen->current);
	return 0;
}

const struct gw_zone *gw_tone_gen_zone(const struct gw_tone_gen *gen)
{
	return gen->zone;
}

void gw_tone_gen_set(struct gw_tone_gen *gen, enum gw_tone tone)
{
	if (tone <= GW_TONE_NONE || tone >= GW_TONE_COUNT ||
	    !gen->prog[tone].nsteps ||
	    (tone == GW_TONE_CUSTOM && !gen->custom_valid)) {
		gen->current = GW_TONE_NONE;
		return;
	}
	tone_gen_init(gen->state, gen->prog[tone].step[0]);
	gen->current = tone;
	gen->step = 0;
	gen->cycle = 0;
	gen->in_then = false;
	gen->done = false;
}

int gw_tone_gen_custom(struct gw_tone_gen *gen, int f1_hz, int f2_hz,
		       int level_dbm0, int on_ms, int off_ms)
{
	/* The sum of the tones' peaks must fit 16 bits. */
	int max_level = f2_hz ? -3 : 3;

	if (f1_hz <= 0 || f1_hz >= SAMPLE_RATE / 2 || f2_hz < 0 ||
	    f2_hz >= SAMPLE_RATE / 2 || level_dbm0 < -60 ||
	    level_dbm0 > max_level || on_ms < 0 || on_ms > 60000 ||
	    off_ms < 0 || off_ms > 60000 || (off_ms > 0 && on_ms == 0))
		return -EINVAL;
	tone_gen_descriptor_init(
	    gen->prog[GW_TONE_CUSTOM].step[0], f1_hz, level_dbm0, f2_hz,
	    level_dbm0, off_ms ? on_ms : CONTINUOUS_MS, off_ms, 0, 0, 1);
	gen->custom_valid = true;
	gw_tone_gen_set(gen, GW_TONE_CUSTOM);
	return 0;
}

enum gw_tone gw_tone_gen_current(const struct gw_tone_gen *gen)
{
	return gen->current;
}

/* The step in progress ended: move to the next one (false: tone over). */
static bool next_step(struct gw_tone_gen *gen)
{
	const struct prog *p = &gen->prog[gen->current];

	if (gen->in_then)
		return false; /* cannot happen: `then` repeats */
	if (++gen->step >= p->nsteps) {
		gen->step = 0;
		if (p->cycles && ++gen->cycle >= p->cycles) {
			if (!p->has_then)
				return false;
			gen->in_then = true;
			tone_gen_init(gen->state, p->step[p->nsteps]);
			return true;
		}
	}
	tone_gen_init(gen->state, p->step[gen->step]);
	return true;
}

void gw_tone_gen_process(struct gw_tone_gen *gen, int16_t *amp, int samples)
{
	int n = 0, k, guard = 0;

	if (samples <= 0)
		return;
	while (gen->current != GW_TONE_NONE && !gen->done && n < samples) {
		k = tone_gen(gen->state, amp + n, samples - n);
		if (k > 0) {
			n += k;
			guard = 0;
		}
		if (n < samples && (!next_step(gen) || ++guard > NSTEPS))
			gen->done = true;
	}
	if (n < samples)
		memset(amp + n, 0, (size_t)(samples - n) * sizeof(*amp));
}

const char *gw_tone_name(enum gw_tone tone)
{
	switch (tone) {
	case GW_TONE_NONE:
		return "none";
	case GW_TONE_DIAL:
		return "dial";
	case GW_TONE_RINGBACK:
		return "ringback";
	case GW_TONE_BUSY:
		return "busy";
	case GW_TONE_CONGESTION:
		return "congestion";
	case GW_TONE_CUSTOM:
		return "custom";
	case GW_TONE_CALL_WAITING:
		return "call-waiting";
	case GW_TONE_STUTTER:
		return "stutter";
	case GW_TONE_SIT:
		return "sit";
	case GW_TONE_HOWLER:
		return "howler";
	case GW_TONE_COUNT:
		break;
	}
	return "unknown";
}
