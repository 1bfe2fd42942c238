// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zone: the table of call-progress tone zones (see zone.h for the format
 * and the sources). Where a national plan offers alternatives, the one
 * most networks use is given; what was simplified is said at the zone.
 */
#include <stddef.h>
#include <stdlib.h>
#include <strings.h>

#include "dsp/zone.h"

/* clang-format cannot lay out nested designated initializers. */
/* clang-format off */
/* Segment constructors: one tone, a pair, an AM tone, silence. */
#define T1(f, l, d) { .f1_hz = (f), .level_dbm0 = (l), .ms = (d) }
#define T2(f1, f2, l, d)                                                       \
	{ .f1_hz = (f1), .f2_hz = (f2), .level_dbm0 = (l), .ms = (d) }
#define AM(f, fm, pct, l, d)                                                   \
	{ .f1_hz = (f), .am_hz = (fm), .am_pct = (pct), .level_dbm0 = (l),     \
	  .ms = (d) }
#define OFF(d) { .ms = (d) }

/* A continuous tone: one segment, no silence (the duration is the length
 * of one spandsp section; the phase runs on across it). */
#define CONT 1000

/* E.180 nominal levels (zone.h). */
#define L1 (-10) /* single tone */
#define L2 (-13) /* each tone of a pair */
#define LSIT (-24)

/* ACIF S002: 425 Hz modulated at 25 Hz. */
#define AU_RING(d) AM(425, 25, 90, L1, (d))

/* ITU-T E.180 / Q.35 SIT: 950, 1400, 1800 Hz, 330 ms each, 1 s silence. */
#define SIT_ITU                                                                \
	{ .seg = { T1(950, LSIT, 330), T1(1400, LSIT, 330),                    \
		   T1(1800, LSIT, 330), OFF(1000) } }

/*
 * Receiver off-hook (howler), after reorder on a line left off-hook: the
 * lower pair of GR-506's four-frequency ROH tone (1400 + 2060 + 2450 +
 * 2600 Hz, 0.1 s on, 0.1 s off), as loud as a pair may be sent here.
 * E.180 lists no such tone; every zone uses this one.
 */
#define HOWLER { .seg = { T2(1400, 2060, -6, 100), OFF(100) } }

static const struct gw_zone zones[] = {
	{
		/*
		 * Telcordia GR-506 precise tone plan. Call waiting: one 0.3 s
		 * burst of 440 Hz, again after 10 s. Stutter (message
		 * waiting): ten 0.1/0.1 s bursts of dial tone, then steady
		 * dial tone. SIT: the "intercept" (IC) code of T1.401,
		 * low/short, low/short, long; the other codes differ in
		 * the first two tones' frequency and length.
		 */
		.name = "us",
		.description = "United States / North America",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T2(350, 440, -13, CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { T2(440, 480, -19, 2000),
							OFF(4000) } },
			[GW_TONE_BUSY] = { .seg = { T2(480, 620, -24, 500),
						    OFF(500) } },
			[GW_TONE_CONGESTION] = { .seg = { T2(480, 620, -24,
							     250),
							  OFF(250) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(440, -13, 300),
							    OFF(9700) } },
			[GW_TONE_STUTTER] = { .seg = { T2(350, 440, -13, 100),
						       OFF(100) },
					      .cycles = 10,
					      .then = T2(350, 440, -13,
							 CONT) },
			[GW_TONE_SIT] = { .seg = { T1(914, LSIT, 274),
						   T1(1371, LSIT, 274),
						   T1(1777, LSIT, 380),
						   OFF(1000) } },
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 2000, 4000 } },
			{ "dr2", { 800, 400, 800, 4000 } },
			{ "dr3", { 400, 200, 400, 200, 800, 4000 } },
			{ "dr4", { 300, 200, 1000, 200, 300, 4000 } },
		},
	},
	{
		/*
		 * BT SIN 350. Stutter: the "special dial tone" (350+440 and
		 * 440 Hz alternating, 0.75 s each). SIT: SIN 350 puts
		 * 15 ms gaps between the three tones; left out here.
		 */
		.name = "uk",
		.description = "United Kingdom",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T2(350, 440, L2, CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { T2(400, 450, L2, 400),
							OFF(200),
							T2(400, 450, L2, 400),
							OFF(2000) } },
			[GW_TONE_BUSY] = { .seg = { T1(400, L1, 375),
						    OFF(375) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(400, L1, 400),
							  OFF(350),
							  T1(400, L1, 225),
							  OFF(525) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(400, L1, 100),
							    OFF(4000) } },
			[GW_TONE_STUTTER] = { .seg = { T2(350, 440, L2, 750),
						       T1(440, L2, 750) } },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 400, 200, 400, 2000 } },
		},
	},
	{
		/* 1TR110 / E.180 supplement. Stutter: the "Sonderwählton"
		 * (400+425 Hz, continuous). */
		.name = "de",
		.description = "Germany",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T1(425, L1, CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { T1(425, L1, 1000),
							OFF(4000) } },
			[GW_TONE_BUSY] = { .seg = { T1(425, L1, 480),
						    OFF(480) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(425, L1, 240),
							  OFF(240) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(425, L1, 200),
							    OFF(200),
							    T1(425, L1, 200),
							    OFF(5000) } },
			[GW_TONE_STUTTER] = { .seg = { T2(400, 425, L2,
							  CONT) } },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 1000, 4000 } },
		},
	},
	{
		/* E.180 supplement (France Télécom). Stutter: six 0.1/0.1 s
		 * bursts, then steady dial tone. */
		.name = "fr",
		.description = "France",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T1(440, L1, CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { T1(440, L1, 1500),
							OFF(3500) } },
			[GW_TONE_BUSY] = { .seg = { T1(440, L1, 500),
						    OFF(500) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(440, L1, 250),
							  OFF(250) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(440, L1, 300),
							    OFF(10000) } },
			[GW_TONE_STUTTER] = { .seg = { T1(440, L1, 100),
						       OFF(100) },
					      .cycles = 6,
					      .then = T1(440, L1, CONT) },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 1500, 3500 } },
		},
	},
	{
		/* E.180 supplement (Telecom Italia): the dial tone is
		 * cadenced. Stutter: the "special dial tone", 470 and 425 Hz
		 * alternating 0.4 s each. */
		.name = "it",
		.description = "Italy",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T1(425, L1, 200), OFF(200),
						    T1(425, L1, 600),
						    OFF(1000) } },
			[GW_TONE_RINGBACK] = { .seg = { T1(425, L1, 1000),
							OFF(4000) } },
			[GW_TONE_BUSY] = { .seg = { T1(425, L1, 500),
						    OFF(500) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(425, L1, 200),
							  OFF(200) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(425, L1, 400),
							    OFF(100),
							    T1(425, L1, 250),
							    OFF(100),
							    T1(425, L1, 150),
							    OFF(14000) } },
			[GW_TONE_STUTTER] = { .seg = { T1(470, L1, 400),
						       T1(425, L1, 400) } },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 1000, 4000 } },
		},
	},
	{
		/* E.180 supplement (KPN). Stutter: the special dial tone,
		 * 0.5 s on 0.05 s off. */
		.name = "nl",
		.description = "Netherlands",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T1(425, L1, CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { T1(425, L1, 1000),
							OFF(4000) } },
			[GW_TONE_BUSY] = { .seg = { T1(425, L1, 500),
						    OFF(500) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(425, L1, 250),
							  OFF(250) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(425, L1, 500),
							    OFF(9500) } },
			[GW_TONE_STUTTER] = { .seg = { T1(425, L1, 500),
						       OFF(50) } },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 1000, 4000 } },
		},
	},
	{
		/* E.180 supplement (Telefónica): congestion is three short
		 * bursts and a longer pause. Stutter: six 0.1/0.1 s bursts,
		 * then steady dial tone. */
		.name = "es",
		.description = "Spain",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T1(425, L1, CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { T1(425, L1, 1500),
							OFF(3000) } },
			[GW_TONE_BUSY] = { .seg = { T1(425, L1, 200),
						    OFF(200) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(425, L1, 200),
							  OFF(200),
							  T1(425, L1, 200),
							  OFF(200),
							  T1(425, L1, 200),
							  OFF(600) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(425, L1, 175),
							    OFF(175),
							    T1(425, L1, 175),
							    OFF(3500) } },
			[GW_TONE_STUTTER] = { .seg = { T1(425, L1, 100),
						       OFF(100) },
					      .cycles = 6,
					      .then = T1(425, L1, CONT) },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 1500, 3000 } },
		},
	},
	{
		/*
		 * ACIF S002: dial and ringback are 425 Hz modulated at 25 Hz
		 * (generated as AM, 90 % depth). Congestion is busy's
		 * 0.375/0.375 s cadence with every other burst 10 dB down:
		 * the same cadence as busy, so the detector reports it as
		 * busy. Distinctive rings: S002's DR1-DR3.
		 */
		.name = "au",
		.description = "Australia",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { AM(425, 25, 90, L1,
						       CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { AU_RING(400),
							OFF(200),
							AU_RING(400),
							OFF(2000) } },
			[GW_TONE_BUSY] = { .seg = { T1(425, L1, 375),
						    OFF(375) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(425, L1, 375),
							  OFF(375),
							  T1(425, L1 - 10, 375),
							  OFF(375) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(425, L1, 200),
							    OFF(200),
							    T1(425, L1, 200),
							    OFF(4400) } },
			[GW_TONE_STUTTER] = { .seg = { AM(425, 25, 90, L1, 100),
						       OFF(40) } },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 400, 200, 400, 2000 } },
			{ "dr1", { 400, 400, 200, 200, 400, 1400 } },
			{ "dr2", { 400, 400, 200, 2000 } },
			{ "dr3", { 200, 200, 400, 2200 } },
		},
	},
	{
		/*
		 * NTT: ringback and call waiting are 400 Hz modulated at
		 * 16 Hz (AM, 90 %). Busy and congestion are both 400 Hz
		 * 0.5/0.5 s (the detector reports either as busy). Japan
		 * does not use the SIT; the ITU one is given.
		 */
		.name = "jp",
		.description = "Japan",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T1(400, L1, CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { AM(400, 16, 90, L1,
							   1000),
							OFF(2000) } },
			[GW_TONE_BUSY] = { .seg = { T1(400, L1, 500),
						    OFF(500) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(400, L1, 500),
							  OFF(500) } },
			[GW_TONE_CALL_WAITING] = { .seg = { AM(400, 16, 90, L1,
							       500),
							    OFF(8000) } },
			[GW_TONE_STUTTER] = { .seg = { T1(400, L1, 100),
						       OFF(100) },
					      .cycles = 6,
					      .then = T1(400, L1, CONT) },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 1000, 2000 } },
		},
	},
	{
		/*
		 * ITU-T E.180 recommended values, for networks without a
		 * zone of their own: 425 Hz; ringback 1 s on 4 s off, busy
		 * 0.5/0.5 s, congestion 0.25/0.25 s; call waiting two
		 * 0.2 s bursts; special dial tone 0.4 s on 0.04 s off.
		 */
		.name = "itu",
		.description = "ITU-T E.180 default",
		.tone = {
			[GW_TONE_DIAL] = { .seg = { T1(425, L1, CONT) } },
			[GW_TONE_RINGBACK] = { .seg = { T1(425, L1, 1000),
							OFF(4000) } },
			[GW_TONE_BUSY] = { .seg = { T1(425, L1, 500),
						    OFF(500) } },
			[GW_TONE_CONGESTION] = { .seg = { T1(425, L1, 250),
							  OFF(250) } },
			[GW_TONE_CALL_WAITING] = { .seg = { T1(425, L1, 200),
							    OFF(200),
							    T1(425, L1, 200),
							    OFF(4400) } },
			[GW_TONE_STUTTER] = { .seg = { T1(425, L1, 400),
						       OFF(40) } },
			[GW_TONE_SIT] = SIT_ITU,
			[GW_TONE_HOWLER] = HOWLER,
		},
		.ring = {
			{ "normal", { 1000, 4000 } },
		},
	},
};
/* clang-format on */

#define NZONES ((int)(sizeof(zones) / sizeof(zones[0])))

const struct gw_zone *gw_zone_find(const char *name)
{
	int i;

	if (!name)
		return NULL;
	for (i = 0; i < NZONES; i++)
		if (strcasecmp(zones[i].name, name) == 0)
			return &zones[i];
	return NULL;
}

const struct gw_zone *gw_zone_default(void)
{
	return &zones[0];
}

int gw_zone_count(void)
{
	return NZONES;
}

const struct gw_zone *gw_zone_at(int i)
{
	return i >= 0 && i < NZONES ? &zones[i] : NULL;
}

int gw_zone_tone_segs(const struct gw_zone_tone *t)
{
	int n = 0;

	while (n < GW_ZONE_SEGS && t->seg[n].ms)
		n++;
	return n;
}

bool gw_zone_ring_match(const struct gw_zone_ring *r, const int *ms, int n,
			bool final_silence)
{
	int segs = 0;

	while (segs < GW_ZONE_RING_SEGS && r->ms[segs])
		segs++;
	if (segs - (final_silence ? 0 : 1) != n)
		return false;
	for (int j = 0; j < n; j++) {
		int tol = r->ms[j] / 4 > 100 ? r->ms[j] / 4 : 100;

		if (abs(ms[j] - r->ms[j]) > tol)
			return false;
	}
	return true;
}
