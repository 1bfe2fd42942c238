// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_zone: cost of zone tone generation (dsp/tone) and call-progress
 * detection (dsp/progress) in ns per sample, 20 ms blocks, over 10 s of
 * audio per run, best of 5 runs.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dsp/progress.h"
#include "dsp/tone.h"
#include "dsp/zone.h"
#include "tests/bench/bench.h"

#define RATE	8000
#define BLOCK	160
#define SECONDS 10
#define RUNS	5
#define N	(SECONDS * RATE)

static int16_t audio[N];
static volatile int sink;

static double gen(const char *zone, enum gw_tone tone)
{
	struct gw_tone_gen *g;
	double best = -1;

	if (gw_tone_gen_alloc(&g) ||
	    gw_tone_gen_set_zone(g, gw_zone_find(zone)))
		return -1;
	for (int r = 0; r < RUNS; r++) {
		double t0 = gw_bench_now_ns(), ns;

		gw_tone_gen_set(g, tone);
		for (int i = 0; i < N; i += BLOCK)
			gw_tone_gen_process(g, audio + i, BLOCK);
		ns = (gw_bench_now_ns() - t0) / N;
		if (best < 0 || ns < best)
			best = ns;
	}
	sink = audio[N / 2];
	gw_tone_gen_free(g);
	return best;
}

/* Detector over the zone's own busy tone (generated first). */
static double det(const char *zone)
{
	struct gw_progress_det *d;
	double best = -1;

	if (gen(zone, GW_TONE_BUSY) < 0 || gw_progress_det_alloc(&d))
		return -1;
	if (gw_progress_det_set_zone(d, gw_zone_find(zone))) {
		gw_progress_det_free(d);
		return -1;
	}
	for (int r = 0; r < RUNS; r++) {
		double t0 = gw_bench_now_ns(), ns;

		gw_progress_det_reset(d);
		for (int i = 0; i < N; i += BLOCK)
			gw_progress_det_process(d, audio + i, BLOCK);
		ns = (gw_bench_now_ns() - t0) / N;
		if (best < 0 || ns < best)
			best = ns;
	}
	if (gw_progress_det_current(d) != GW_TONE_BUSY)
		best = -1; /* it must have worked */
	gw_progress_det_free(d);
	return best;
}

static double gen_us_dial(void)
{
	return gen("us", GW_TONE_DIAL);
}

static double gen_uk_ringback(void)
{
	return gen("uk", GW_TONE_RINGBACK);
}

static double gen_it_sit(void)
{
	return gen("it", GW_TONE_SIT);
}

static double gen_au_dial(void)
{
	return gen("au", GW_TONE_DIAL);
}

static double det_us(void)
{
	return det("us");
}

static double det_de(void)
{
	return det("de");
}

static double det_au(void)
{
	return det("au");
}

const struct gw_bench_case gw_bench_cases_zone[] = {
    {"zone_tone_gen_us_dial", "350+440 Hz, continuous", gen_us_dial},
    {"zone_tone_gen_uk_ringback", "400+450 Hz, 4 periods", gen_uk_ringback},
    {"zone_tone_gen_it_sit", "3 tones + silence, step changes", gen_it_sit},
    {"zone_tone_gen_au_dial", "425 Hz AM 25 Hz", gen_au_dial},
    {"zone_progress_us", "7 Goertzel filters, busy tone in", det_us},
    {"zone_progress_de", "4 Goertzel filters, busy tone in", det_de},
    {"zone_progress_au", "4 + 2 x 40 ms AM filters, busy tone in", det_au},
    {NULL, NULL, NULL},
};
