// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * plc: spandsp's plc_state_t embedded in our object (its type is public in
 * spandsp 0.0.6, so plc_init() on our storage never allocates).
 *
 * spandsp 0.0.6's normalise_history() (run at the start of each loss)
 * rotates the history ring with an overlapping memcpy(), which is
 * undefined behaviour (ASan: memcpy-param-overlap). We rotate it ourselves
 * with memmove() first; spandsp then finds buf_ptr == 0 and skips its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/plc.h"

struct gw_plc {
	plc_state_t s;
};

int gw_plc_alloc(struct gw_plc **ret)
{
	struct gw_plc *plc = calloc(1, sizeof(*plc));

	if (!plc)
		return -ENOMEM;
	plc_init(&plc->s);
	*ret = plc;
	return 0;
}

void gw_plc_free(struct gw_plc *plc)
{
	free(plc);
}

void gw_plc_reset(struct gw_plc *plc)
{
	plc_init(&plc->s);
}

int gw_plc_process(struct gw_plc *plc, int16_t *amp, int samples)
{
	if (samples <= 0)
		return 0;
	return plc_rx(&plc->s, amp, samples);
}

static void normalise_history(plc_state_t *s)
{
	int16_t tmp[PLC_HISTORY_LEN];
	int k = s->buf_ptr;

	if (k <= 0 || k >= PLC_HISTORY_LEN)
		return;
	memcpy(tmp, s->history, sizeof(int16_t) * (size_t)k);
	memmove(s->history, s->history + k,
		sizeof(int16_t) * (size_t)(PLC_HISTORY_LEN - k));
	memcpy(s->history + PLC_HISTORY_LEN - k, tmp,
	       sizeof(int16_t) * (size_t)k);
	s->buf_ptr = 0;
}

int gw_plc_fillin(struct gw_plc *plc, int16_t *amp, int samples)
{
	if (samples <= 0)
		return 0;
	if (plc->s.missing_samples == 0)
		normalise_history(&plc->s);
	samples = plc_fillin(&plc->s, amp, samples);
	/* spandsp counts missing samples in an int without bound; past the
	 * fade-out the count only needs to stay non-zero (hours of loss
	 * would otherwise overflow it). */
	if (plc->s.missing_samples > SAMPLE_RATE)
		plc->s.missing_samples = SAMPLE_RATE;
	return samples;
}
