/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * progress: call-progress tone detection (dial, ringback, busy, congestion
 * and SIT) for a zone of dsp/zone's table, by frequency and cadence, with
 * spandsp's Goertzel filters. The default zone is "us".
 *
 * How: each 20 ms block is classified by the energy at each of the zone's
 * tone frequencies against the block's total energy: silent, one of the
 * zone's tones (a pair must hold most of the block's energy with each of
 * its tones a good part of it; a single tone most of it), or other (speech,
 * music, DTMF, a test tone). Runs of equal blocks are then matched against
 * each tone's cadence (each on or off period within +-20 %, at least
 * +-40 ms), over as many consecutive periods as it takes to tell the tone
 * from every other tone of the zone, and at least: dial, continuous: one
 * period of 1 s (longer if a cadenced tone of the zone has on periods of
 * the same frequency that long); dial, cadenced: one cycle; ringback:
 * 1.2 s of tone, or one cycle and the next on period; busy and
 * congestion: two on/off cycles (the second off period
 * counted once it reaches its minimum); SIT: its three tones. The repeat
 * count needed is worked out from the zone's table when the zone is set,
 * so that the zone's ringback is never taken for its busy tone and so on.
 * Tones whose cadences cannot be told apart (JP and AU busy/congestion)
 * are reported as the first of them (see gw_progress_det_reported()).
 *
 * In the US zone: dial is reported after 1 s; ringback 1.6 s into its first
 * on period; busy and congestion when the second off period reaches its
 * minimum (about 1.9 s and 0.95 s after the tone starts). A tone is dropped
 * when an on or off period leaves its range (dial: at once when it stops;
 * busy: 0.6 s into silence) or another sound is heard for 40 ms.
 * Each tone must be at least about -40 dBm0.
 *
 * Specs: ITU-T E.180 and Q.35 (tones, SIT), Telcordia GR-506 (US).
 * Allocation only in _alloc; _set_zone and _process never allocate.
 */
#ifndef GW_DSP_PROGRESS_H
#define GW_DSP_PROGRESS_H

#include <stdint.h>

#include "dsp/tone.h"

struct gw_progress_det;
struct gw_zone;

int gw_progress_det_alloc(struct gw_progress_det **ret);
void gw_progress_det_free(struct gw_progress_det *det);
void gw_progress_det_reset(struct gw_progress_det *det);
/*
 * Detect the tones of zone `z` (NULL: the default zone) from now on; also
 * resets. Returns 0, or -EINVAL if the zone has more distinct frequencies
 * or tone classes than the detector holds (the zone is then unchanged).
 */
int gw_progress_det_set_zone(struct gw_progress_det *det,
			     const struct gw_zone *z);
const struct gw_zone *gw_progress_det_zone(const struct gw_progress_det *det);
/*
 * Feed any number of samples (internally processed in 20 ms blocks).
 * Returns the tone now heard if it changed during this call, else -1.
 */
int gw_progress_det_process(struct gw_progress_det *det, const int16_t *amp,
			    int samples);
enum gw_tone gw_progress_det_current(const struct gw_progress_det *det);
/*
 * What the detector reports when the zone's `tone` (dial, ringback, busy,
 * congestion or SIT) is heard: the tone itself, the tone it cannot be told
 * from (JP congestion: busy), or GW_TONE_NONE if it is not detected.
 */
enum gw_tone gw_progress_det_reported(const struct gw_progress_det *det,
				      enum gw_tone tone);
/*
 * Latest time after the zone's `tone` starts (at the start of its first
 * segment) by which it is reported, from its cadence and repeat count:
 * -1 if it is not detected. The number of cadence periods (on and off)
 * this takes is written to *periods if not NULL.
 */
int gw_progress_det_deadline_ms(const struct gw_progress_det *det,
				enum gw_tone tone, int *periods);

/*
 * What the last complete 20 ms block was: silent (below -45 dBm0), one of
 * the zone's tone frequencies (or pairs), or other sound: speech, music,
 * DTMF, a fax or modem tone. For telling speech or fax energy from the
 * call-progress tones (answer supervision by energy); the first and last
 * block of a tone may read OTHER.
 */
enum gw_progress_class {
	GW_PROGRESS_SILENT = 0,
	GW_PROGRESS_TONE,
	GW_PROGRESS_OTHER,
};
enum gw_progress_class
gw_progress_det_block_class(const struct gw_progress_det *det);

#endif
