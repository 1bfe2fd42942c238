/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zone: the call-progress tone zones (national tone plans) and FXS ring
 * cadences, as constant data: for each zone dial tone, ringback, busy,
 * congestion (reorder), call-waiting tone, stutter (message-waiting /
 * special) dial tone, the special information tone (SIT) and the
 * receiver off-hook tone (howler), and the
 * ring cadences of its FXS ports.
 *
 * How: a tone is a list of up to GW_ZONE_SEGS segments, each a duration
 * with one or two frequencies at a level, an amplitude-modulated tone, or
 * silence; the list is played in order and then again (a list of one tone
 * segment and no silence is a continuous tone). A tone may instead play
 * its list `cycles` times and then go on with the continuous segment
 * `then` (the US stutter dial tone: ten 0.1 s bursts, then steady dial
 * tone). dsp/tone generates zone tones with spandsp's tone_gen and
 * dsp/progress detects them by frequency and cadence.
 *
 * Modulated tones (JP ringback 400 Hz x 16 Hz, AU dial and ringback
 * 425 Hz x 25 Hz) are generated as spandsp's AM tone: the carrier at the
 * segment's level, the envelope 1 + m sin(2 pi fm t) with m = am_pct/100,
 * so their power is the carrier's times 1 + m^2/2.
 *
 * Specs: ITU-T E.180 (03/98) and its supplement 2 "Various tones used in
 * national networks" (values per country; SIT per E.180 section 6 and
 * Q.35: 950/1400/1800 Hz, 330 ms each, then 1 s of silence); Telcordia
 * GR-506-CORE (US: precise tone plan, call waiting, recall/stutter dial,
 * distinctive ringing) and ANSI T1.401 (US SIT frequencies 913.8/1370.6/
 * 1776.7 Hz, 274/380 ms); BT SIN 350 (UK); ACIF S002 (AU). Levels are the
 * national figures where the spec gives one (US), otherwise E.180's
 * nominal sending levels: -10 dBm0 for a single tone, -13 dBm0 per tone
 * for a pair, -24 dBm0 per SIT segment. Frequencies are whole Hz (spandsp's
 * tone_gen takes integers): the US SIT's 913.8/1370.6/1776.7 Hz are sent
 * as 914/1371/1777 Hz, inside T1.401's +-1.5 %.
 */
#ifndef GW_DSP_ZONE_H
#define GW_DSP_ZONE_H

#include <stdbool.h>
#include <stdint.h>

#include "dsp/tone.h"

#define GW_ZONE_SEGS	  8 /* segments per tone */
#define GW_ZONE_RINGS	  4 /* ring cadences per zone */
#define GW_ZONE_RING_SEGS 6 /* on/off durations per ring cadence */

/* One segment of a tone; all zero but ms: silence. */
struct gw_zone_seg {
	uint16_t f1_hz;	   /* 0: silence */
	uint16_t f2_hz;	   /* second tone of a pair, 0: none */
	uint8_t am_hz;	   /* not 0: f1 amplitude-modulated at am_hz (no f2) */
	uint8_t am_pct;	   /* modulation depth in percent, 1..100 */
	int8_t level_dbm0; /* of each tone; of the carrier when modulated */
	uint16_t ms;	   /* duration; 0 ends the list */
};

struct gw_zone_tone {
	struct gw_zone_seg seg[GW_ZONE_SEGS];
	uint8_t cycles; /* 0: repeat seg[] forever; else play it this often */
	struct gw_zone_seg then; /* after `cycles`: continuous (silence if
				    then.f1_hz is 0) */
};

/* An FXS ring cadence: ms[] alternates on and off, 0 ends it. */
struct gw_zone_ring {
	const char *name; /* "normal", "dr2", ...; NULL ends the list */
	uint16_t ms[GW_ZONE_RING_SEGS];
};

struct gw_zone {
	const char *name; /* "us", "uk", ... lower case */
	const char *description;
	/* Indexed by enum gw_tone; NONE and CUSTOM are empty. */
	struct gw_zone_tone tone[GW_TONE_COUNT];
	struct gw_zone_ring ring[GW_ZONE_RINGS]; /* [0] the normal ring */
};

/* The zone called `name` (case-insensitive), or NULL. */
const struct gw_zone *gw_zone_find(const char *name);
/* The default zone, "us". */
const struct gw_zone *gw_zone_default(void);
/* Zones by index 0..gw_zone_count()-1, for listing them. */
int gw_zone_count(void);
const struct gw_zone *gw_zone_at(int i);
/* Number of segments of a zone tone (0: the zone has no such tone). */
int gw_zone_tone_segs(const struct gw_zone_tone *t);
/*
 * Does a measured ring pattern (ms[0..n-1], on and off alternating) match
 * the cadence r? Each segment within a quarter of its length (at least
 * 100 ms). final_silence: the pattern includes the cadence's last (off)
 * segment; else it stops before it (a ring measured up to the next one).
 */
bool gw_zone_ring_match(const struct gw_zone_ring *r, const int *ms, int n,
			bool final_silence);

#endif
