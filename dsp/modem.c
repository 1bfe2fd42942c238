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
};

struct gw_modem_rx {
	unsigned int detect;
	unsigned int active; /* the detectors run: a subset of detect */
	gw_modem_event_fn fn;
	void *arg;
	struct det det[DETS];
	uint64_t pos; /* samples fed, up to the end of the current chunk */
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
		if (d->s) /* in place: does not allocate */
			modem_connect_tones_rx_init(d->s, spandsp_type[i],
						    report, d);
	}
	rx->pos = 0;
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

void gw_modem_rx_process(struct gw_modem_rx *rx, const int16_t *amp,
			 int samples)
{
	while (samples > 0) {
		int n = samples < CHUNK ? samples : CHUNK;

		rx->pos += (uint64_t)n;
		for (int i = 0; i < DETS; i++)
			if (rx->det[i].s && (rx->active & (1u << i)))
				modem_connect_tones_rx(rx->det[i].s, amp, n);
		amp += n;
		samples -= n;
	}
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
