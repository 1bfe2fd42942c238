// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modem: three spandsp modem_connect_tones_rx detectors (CNG, the 2100 Hz
 * family, V.21 preamble) behind one event stream.
 *
 * spandsp reports every change of what each detector hears: a tone code
 * when one is confirmed, MODEM_CONNECT_TONES_NONE when it stops. We turn
 * these into on/off events per detector, so one occurrence gives one "on"
 * and one "off" even when spandsp refines its verdict (the 2100 Hz detector
 * may move from ANS to ANS/ when reversals show up: that is reported as ANS
 * off then ANS/ on, both at the same position).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/modem.h"

#define CHUNK 40 /* 5 ms: the resolution of event positions */
#define QUEUE 16 /* power of two */

enum { DET_CNG, DET_ANS, DET_V21, DETS };

struct gw_modem_rx;

struct det {
	struct gw_modem_rx *rx;
	modem_connect_tones_rx_state_t *s;
	enum gw_modem_tone present;
	int hang;  /* chunks still fed after the gate last passed */
	bool fed;  /* spandsp's detector has state from the last run */
};

/*
 * The gate in front of spandsp's detectors (see gw_modem_rx_process).
 * Goertzel bins over one 40-sample chunk are 200 Hz wide: 1100 Hz (CNG),
 * 2100 Hz (the ANS family), 1650 + 1850 Hz (V.21 channel 2 mark and
 * space). A chunk passes for a detector when at least GATE_FRACTION of
 * its power is in that detector's bins and it is louder than
 * GATE_FLOOR_DBM0. spandsp's own tests are far stricter (the tone must
 * hold ~97 % of the power, at -43 dBm0 or more), so any chunk spandsp
 * could count as tone passes.
 */
enum { BIN_1100, BIN_2100, BIN_1650, BIN_1850, BINS };
#define GATE_FRACTION 0.25f
#define GATE_FLOOR_DBM0 (-52.0)
#define GATE_HANG 40 /* chunks (200 ms) fed after the last pass */

struct gw_modem_rx {
	unsigned int detect;
	unsigned int active; /* the detectors run: a subset of detect */
	gw_modem_event_fn fn;
	void *arg;
	struct det det[DETS];
	uint64_t pos; /* samples fed, up to the end of the current chunk */
	uint64_t chunks, chunks_fed; /* gate statistics (detector-chunks) */
	struct gw_modem_event q[QUEUE];
	unsigned int head, tail; /* free-running; tail - head = queued */
	unsigned int dropped;
};

static const int spandsp_type[DETS] = {
    [DET_CNG] = MODEM_CONNECT_TONES_FAX_CNG,
    [DET_ANS] = MODEM_CONNECT_TONES_ANS,
    [DET_V21] = MODEM_CONNECT_TONES_FAX_PREAMBLE,
};

static enum gw_modem_tone from_spandsp(int code)
{
	switch (code) {
	case MODEM_CONNECT_TONES_FAX_CNG:
		return GW_MODEM_CNG;
	case MODEM_CONNECT_TONES_ANS:
		return GW_MODEM_ANS;
	case MODEM_CONNECT_TONES_ANS_PR:
		return GW_MODEM_ANS_PR;
	case MODEM_CONNECT_TONES_ANSAM:
		return GW_MODEM_ANSAM;
	case MODEM_CONNECT_TONES_ANSAM_PR:
		return GW_MODEM_ANSAM_PR;
	case MODEM_CONNECT_TONES_FAX_PREAMBLE:
		return GW_MODEM_V21;
	default:
		return GW_MODEM_NONE;
	}
}

static void emit(struct gw_modem_rx *rx, enum gw_modem_tone tone, bool on,
		 int level)
{
	struct gw_modem_event ev = {
	    .tone = tone,
	    .on = on,
	    .sample = rx->pos,
	    .level_dbm0 = on ? level : -99,
	};

	if (rx->fn) {
		rx->fn(rx->arg, &ev);
		return;
	}
	if (rx->tail - rx->head == QUEUE) {
		rx->head++; /* drop the oldest */
		rx->dropped++;
	}
	rx->q[rx->tail++ % QUEUE] = ev;
}

/* spandsp's tone_report_func_t; `delay` is always 0 in 0.0.6. */
static void report(void *user_data, int code, int level, int delay)
{
	struct det *d = user_data;
	enum gw_modem_tone tone = from_spandsp(code);

	(void)delay;
	if (tone == d->present)
		return;
	if (d->present != GW_MODEM_NONE)
		emit(d->rx, d->present, false, -99);
	d->present = tone;
	if (tone != GW_MODEM_NONE)
		emit(d->rx, tone, true, level);
}

static void init_dets(struct gw_modem_rx *rx)
{
	for (int i = 0; i < DETS; i++) {
		struct det *d = &rx->det[i];

		d->rx = rx;
		d->present = GW_MODEM_NONE;
		d->hang = 0;
		d->fed = false;
		if (d->s) /* in place: does not allocate */
			modem_connect_tones_rx_init(d->s, spandsp_type[i],
						    report, d);
	}
	rx->pos = 0;
	rx->chunks = rx->chunks_fed = 0;
	rx->head = rx->tail = 0;
	rx->dropped = 0;
}

int gw_modem_rx_alloc(struct gw_modem_rx **ret, unsigned int detect,
		      gw_modem_event_fn fn, void *arg)
{
	struct gw_modem_rx *rx;

	if (detect == 0 || (detect & ~(unsigned int)GW_MODEM_DETECT_ALL))
		return -EINVAL;
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	rx->detect = detect;
	rx->active = detect;
	rx->fn = fn;
	rx->arg = arg;
	for (int i = 0; i < DETS; i++) {
		if (!(detect & (1u << i)))
			continue;
		rx->det[i].s = modem_connect_tones_rx_init(
		    NULL, spandsp_type[i], report, &rx->det[i]);
		if (!rx->det[i].s) {
			gw_modem_rx_free(rx);
			return -ENOMEM;
		}
	}
	init_dets(rx);
	*ret = rx;
	return 0;
}

void gw_modem_rx_free(struct gw_modem_rx *rx)
{
	if (!rx)
		return;
	for (int i = 0; i < DETS; i++)
		if (rx->det[i].s)
			modem_connect_tones_rx_free(rx->det[i].s);
	free(rx);
}

void gw_modem_rx_reset(struct gw_modem_rx *rx)
{
	init_dets(rx);
}

void gw_modem_rx_set_active(struct gw_modem_rx *rx, unsigned int detect)
{
	rx->active = detect & rx->detect;
}

/* 2 cos(2 pi f / 8000) of each gate bin */
static const float bin_coef[BINS] = {
	[BIN_1100] = 1.3097214679f, /* 2 cos(2 pi 1100 / 8000) */
	[BIN_2100] = -0.1569762988f,
	[BIN_1650] = 0.5224985647f,
	[BIN_1850] = 0.2506664671f,
};

/*
 * Each bin's share of the chunk's power (1.0 for a pure tone on the bin's
 * frequency): 2 |X(f)|^2 / (n * sum x^2), from a Goertzel run per bin.
 * Returns false when the chunk is below the gate's floor.
 */
static bool gate_bins(const int16_t *amp, int n, unsigned int bins,
		      float share[BINS])
{
	/* the floor as a mean square: 0 dBm0 is a sine of 22827 peak */
	const float floor_ms = (float)(22827.0 * 22827.0 / 2 *
				       pow(10.0, GATE_FLOOR_DBM0 / 10));
	float v1[BINS] = { 0 }, v2[BINS] = { 0 }, e = 0;

	for (int i = 0; i < n; i++) {
		float x = amp[i];

		e += x * x;
		for (int b = 0; b < BINS; b++) {
			float v0 = bin_coef[b] * v1[b] - v2[b] + x;

			v2[b] = v1[b];
			v1[b] = v0;
		}
	}
	if (e < floor_ms * (float)n)
		return false;
	for (int b = 0; b < BINS; b++) {
		float p = v1[b] * v1[b] + v2[b] * v2[b] -
			  bin_coef[b] * v1[b] * v2[b];

		share[b] = (bins & (1u << b)) ? 2 * p / ((float)n * e) : 0;
	}
	return true;
}

static bool gate_pass(int det, const float share[BINS])
{
	switch (det) {
	case DET_CNG:
		return share[BIN_1100] >= GATE_FRACTION;
	case DET_ANS:
		return share[BIN_2100] >= GATE_FRACTION;
	default:
		return share[BIN_1650] + share[BIN_1850] >= GATE_FRACTION;
	}
}

/*
 * spandsp's detectors run sample by sample on every chunk: most of the
 * cost of watching a call for fax. They only see a chunk when the gate
 * passes it, or up to GATE_HANG chunks after it last did, or while their
 * tone is on (so its end is reported where spandsp finds it). A detector
 * the gate shut is reset, so it never joins two runs of tone-like chunks
 * across a gap into one tone; it starts afresh at the next chunk that
 * passes (spandsp's energy estimates settle within 5 ms, well inside its
 * 415-550 ms duration tests).
 */
void gw_modem_rx_process(struct gw_modem_rx *rx, const int16_t *amp,
			 int samples)
{
	while (samples > 0) {
		int n = samples < CHUNK ? samples : CHUNK;
		float share[BINS] = { 0 };
		unsigned int bins = 0;
		bool loud;

		if (rx->active & rx->detect & GW_MODEM_DETECT_CNG)
			bins |= 1u << BIN_1100;
		if (rx->active & rx->detect & GW_MODEM_DETECT_ANS)
			bins |= 1u << BIN_2100;
		if (rx->active & rx->detect & GW_MODEM_DETECT_V21)
			bins |= 1u << BIN_1650 | 1u << BIN_1850;
		loud = bins && gate_bins(amp, n, bins, share);
		rx->pos += (uint64_t)n;
		for (int i = 0; i < DETS; i++) {
			struct det *d = &rx->det[i];

			if (!d->s || !(rx->active & (1u << i)))
				continue;
			rx->chunks++;
			if (loud && gate_pass(i, share))
				d->hang = GATE_HANG;
			else if (d->hang > 0 && d->present == GW_MODEM_NONE)
				d->hang--;
			if (d->hang == 0 && d->present == GW_MODEM_NONE) {
				if (d->fed) { /* in place: no allocation */
					modem_connect_tones_rx_init(
						d->s, spandsp_type[i], report,
						d);
					d->fed = false;
				}
				continue;
			}
			d->fed = true;
			rx->chunks_fed++;
			modem_connect_tones_rx(d->s, amp, n);
		}
		amp += n;
		samples -= n;
	}
}

void gw_modem_rx_gate_stats(const struct gw_modem_rx *rx, uint64_t *chunks,
			    uint64_t *fed)
{
	*chunks = rx->chunks;
	*fed = rx->chunks_fed;
}

int gw_modem_rx_get(struct gw_modem_rx *rx, struct gw_modem_event *ev)
{
	if (rx->tail == rx->head)
		return 0;
	*ev = rx->q[rx->head++ % QUEUE];
	return 1;
}

unsigned int gw_modem_rx_dropped(const struct gw_modem_rx *rx)
{
	return rx->dropped;
}

enum gw_modem_tone gw_modem_rx_current(const struct gw_modem_rx *rx)
{
	if (rx->det[DET_ANS].present != GW_MODEM_NONE)
		return rx->det[DET_ANS].present;
	if (rx->det[DET_V21].present != GW_MODEM_NONE)
		return rx->det[DET_V21].present;
	return rx->det[DET_CNG].present;
}

const char *gw_modem_tone_name(enum gw_modem_tone tone)
{
	switch (tone) {
	case GW_MODEM_NONE:
		return "none";
	case GW_MODEM_CNG:
		return "CNG";
	case GW_MODEM_ANS:
		return "ANS";
	case GW_MODEM_ANS_PR:
		return "ANS/";
	case GW_MODEM_ANSAM:
		return "ANSam";
	case GW_MODEM_ANSAM_PR:
		return "ANSam/";
	case GW_MODEM_V21:
		return "V.21 preamble";
	}
	return "?";
}
