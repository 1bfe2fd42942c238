/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tone: call-progress and test tone generation (spandsp's tone_gen).
 *
 * Call-progress tones follow a zone of dsp/zone's table (national tone
 * plans, ITU-T E.180), by default "us" (North American Precise Tone Plan):
 * dial 350+440 Hz at -13 dBm0 per tone, continuous; ringback 440+480 Hz at
 * -19 dBm0, 2 s on 4 s off; busy 480+620 Hz at -24 dBm0, 0.5 s on 0.5 s
 * off; congestion (reorder) 480+620 Hz at -24 dBm0, 0.25 s on 0.25 s off;
 * and the zone's call-waiting, stutter dial, SIT and howler tones.
 * How: spandsp's tone_gen, one descriptor per cadence step of each tone of
 * the zone, built in place when the zone is set; a multi-frequency
 * sequence (SIT) plays its steps one after the other.
 * Specs: ANSI T1.401, Telcordia GR-506 (precise tone plan); see zone.h.
 *
 * Allocation only in _alloc; _set_zone, _set, _custom and _process never
 * allocate.
 */
#ifndef GW_DSP_TONE_H
#define GW_DSP_TONE_H

#include <stdint.h>

enum gw_tone {
	GW_TONE_NONE = 0,
	GW_TONE_DIAL,
	GW_TONE_RINGBACK,
	GW_TONE_BUSY,
	GW_TONE_CONGESTION,
	GW_TONE_CUSTOM, /* set with gw_tone_gen_custom() */
	GW_TONE_CALL_WAITING,
	GW_TONE_STUTTER, /* stutter (message-waiting, recall) dial tone */
	GW_TONE_SIT,	 /* special information tone */
	GW_TONE_HOWLER,	 /* receiver off-hook, after reorder (zone.h) */
	GW_TONE_COUNT
};

struct gw_tone_gen;
struct gw_zone;

int gw_tone_gen_alloc(struct gw_tone_gen **ret);
void gw_tone_gen_free(struct gw_tone_gen *gen);
/*
 * Play the tones of zone `z` from now on (NULL: the default zone). The
 * tone playing, if a zone tone, restarts in the new zone. Returns 0 or
 * -EINVAL if a tone of the zone cannot be generated (a frequency outside
 * 1..3999 Hz, a level outside -60..+3 dBm0, or a pair above -3 dBm0 per
 * tone); the zone is then unchanged.
 */
int gw_tone_gen_set_zone(struct gw_tone_gen *gen, const struct gw_zone *z);
const struct gw_zone *gw_tone_gen_zone(const struct gw_tone_gen *gen);
/*
 * Start `tone` from the beginning of its cadence; GW_TONE_NONE stops, and
 * so does a tone the zone does not have.
 */
void gw_tone_gen_set(struct gw_tone_gen *gen, enum gw_tone tone);
/*
 * Start a custom tone: f1_hz (+ f2_hz unless 0) each at level_dbm0;
 * on_ms/off_ms cadence (off_ms 0: continuous). Returns 0 or -EINVAL
 * (frequencies outside 1..3999 Hz, level_dbm0 outside -60..+3 for one tone
 * or -60..-3 for two, durations outside 0..60000 ms, on_ms 0 with off_ms
 * not 0); on -EINVAL the tone playing is unchanged.
 */
int gw_tone_gen_custom(struct gw_tone_gen *gen, int f1_hz, int f2_hz,
		       int level_dbm0, int on_ms, int off_ms);
enum gw_tone gw_tone_gen_current(const struct gw_tone_gen *gen);
/* Fill amp with the tone (zeros when GW_TONE_NONE). */
void gw_tone_gen_process(struct gw_tone_gen *gen, int16_t *amp, int samples);

const char *gw_tone_name(enum gw_tone tone);

#endif
