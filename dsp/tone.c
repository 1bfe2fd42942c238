// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tone: call-progress tone generation with spandsp's tone_gen.
 *
 * One spandsp descriptor per tone is built in _alloc; _set restarts the
 * single preallocated generator state from one of them in place
 * (tone_gen_init() copies the descriptor and allocates nothing when given
 * storage), and _custom rebuilds the custom descriptor in place.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/tone.h"

#define NTONES (GW_TONE_CUSTOM + 1)
/*
 * A continuous tone is one section of this length repeated: spandsp's
 * phase runs on across the repeat, so there is no seam.
 */
#define CONTINUOUS_MS 1000

struct gw_tone_gen {
	tone_gen_descriptor_t *desc[NTONES]; /* [GW_TONE_NONE] unused */
	tone_gen_state_t *state;
	enum gw_tone current;
	bool custom_valid;
};

struct tone_spec {
	int f1_hz, f2_hz, level_dbm0, on_ms, off_ms; /* off_ms 0: continuous */
};

/* North American Precise Tone Plan (see tone.h). */
static const struct tone_spec us_tones[NTONES] = {
	[GW_TONE_DIAL] = { 350, 440, -13, CONTINUOUS_MS, 0 },
	[GW_TONE_RINGBACK] = { 440, 480, -19, 2000, 4000 },
	[GW_TONE_BUSY] = { 480, 620, -24, 500, 500 },
	[GW_TONE_CONGESTION] = { 480, 620, -24, 250, 250 },
	/* placeholder until gw_tone_gen_custom(): 1004 Hz test tone */
	[GW_TONE_CUSTOM] = { 1004, 0, -10, CONTINUOUS_MS, 0 },
};

static tone_gen_descriptor_t *describe(tone_gen_descriptor_t *d,
				       const struct tone_spec *t)
{
	int on_ms = t->off_ms ? t->on_ms : CONTINUOUS_MS;

	return tone_gen_descriptor_init(d, t->f1_hz, t->level_dbm0, t->f2_hz,
					t->level_dbm0, on_ms, t->off_ms, 0, 0,
					1);
}

int gw_tone_gen_alloc(struct gw_tone_gen **ret)
{
	struct gw_tone_gen *gen;
	int i;

	gen = calloc(1, sizeof(*gen));
	if (!gen)
		return -ENOMEM;
	for (i = GW_TONE_DIAL; i < NTONES; i++) {
		gen->desc[i] = describe(NULL, &us_tones[i]);
		if (!gen->desc[i])
			goto fail;
	}
	gen->state = tone_gen_init(NULL, gen->desc[GW_TONE_DIAL]);
	if (!gen->state)
		goto fail;
	gen->current = GW_TONE_NONE;
	*ret = gen;
	return 0;
fail:
	gw_tone_gen_free(gen);
	return -ENOMEM;
}

void gw_tone_gen_free(struct gw_tone_gen *gen)
{
	int i;

	if (!gen)
		return;
	if (gen->state)
		tone_gen_free(gen->state);
	for (i = 0; i < NTONES; i++)
		if (gen->desc[i])
			tone_gen_descriptor_free(gen->desc[i]);
	free(gen);
}

void gw_tone_gen_set(struct gw_tone_gen *gen, enum gw_tone tone)
{
	if (tone <= GW_TONE_NONE || tone >= NTONES ||
	    (tone == GW_TONE_CUSTOM && !gen->custom_valid)) {
		gen->current = GW_TONE_NONE;
		return;
	}
	tone_gen_init(gen->state, gen->desc[tone]);
	gen->current = tone;
}

int gw_tone_gen_custom(struct gw_tone_gen *gen, int f1_hz, int f2_hz,
		       int level_dbm0, int on_ms, int off_ms)
{
	struct tone_spec t = { f1_hz, f2_hz, level_dbm0, on_ms, off_ms };
	/* The sum of the tones' peaks must fit 16 bits. */
	int max_level = f2_hz ? -3 : 3;

	if (f1_hz <= 0 || f1_hz >= SAMPLE_RATE / 2 || f2_hz < 0 ||
	    f2_hz >= SAMPLE_RATE / 2 || level_dbm0 < -60 ||
	    level_dbm0 > max_level || on_ms < 0 || on_ms > 60000 ||
	    off_ms < 0 || off_ms > 60000 || (off_ms > 0 && on_ms == 0))
		return -EINVAL;
	describe(gen->desc[GW_TONE_CUSTOM], &t);
	gen->custom_valid = true;
	gw_tone_gen_set(gen, GW_TONE_CUSTOM);
	return 0;
}

enum gw_tone gw_tone_gen_current(const struct gw_tone_gen *gen)
{
	return gen->current;
}

void gw_tone_gen_process(struct gw_tone_gen *gen, int16_t *amp, int samples)
{
	int n = 0;

	if (samples <= 0)
		return;
	if (gen->current != GW_TONE_NONE)
		n = tone_gen(gen->state, amp, samples);
	if (n < 0)
		n = 0;
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
	}
	return "unknown";
}
