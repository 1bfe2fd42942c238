/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * progress: call-progress tone detection (US zone for now) by frequency and
 * cadence, with spandsp's Goertzel filters.
 *
 * How: each 20 ms block is classified by the energy at 350, 440, 480 and
 * 620 Hz against the block's total energy (a tone pair must hold most of
 * the energy, so speech does not match). Runs of equal blocks are then
 * matched to each tone's cadence:
 *   dial        350+440, on for >= 1 s continuously
 *   ringback    440+480, an on period of 1.5-2.5 s
 *   busy        480+620, two on/off cycles of 0.4-0.6 s each
 *   congestion  480+620, two on/off cycles of 0.2-0.3 s each
 * gw_progress_det_current() gives the tone being heard now (GW_TONE_NONE
 * when none), and stays on a cadenced tone through its off periods.
 * Each tone must be at least about -40 dBm0. A tone is reported: dial
 * after 1 s; ringback 1.5 s into its first on period; busy and congestion
 * when the second off period reaches its minimum (about 1.9 s and 0.95 s
 * after the tone starts). It is dropped when an on or off period leaves
 * its range (dial: at once when it stops; busy: 0.6 s into silence) or
 * another sound is heard for 40 ms.
 *
 * Allocation only in _alloc.
 */
#ifndef GW_DSP_PROGRESS_H
#define GW_DSP_PROGRESS_H

#include <stdint.h>

#include "dsp/tone.h"

struct gw_progress_det;

int gw_progress_det_alloc(struct gw_progress_det **ret);
void gw_progress_det_free(struct gw_progress_det *det);
void gw_progress_det_reset(struct gw_progress_det *det);
/*
 * Feed any number of samples (internally processed in 20 ms blocks).
 * Returns the tone now heard if it changed during this call, else -1.
 */
int gw_progress_det_process(struct gw_progress_det *det, const int16_t *amp,
			    int samples);
enum gw_tone gw_progress_det_current(const struct gw_progress_det *det);

#endif
