/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modem: fax and modem connect-tone detection on one direction of a call.
 *
 * What it does: reports, as events with the sample position at which each
 * was confirmed, the calling fax's CNG (1100 Hz, 0.5 s on / 3 s off), the
 * answering side's 2100 Hz tone in its four forms -- plain ANS (= fax CED),
 * ANS with 180 degree phase reversals every 450 ms (ANS/, G.165 echo
 * canceller disable), ANSam (15 Hz AM, V.8) and ANSam with phase reversals
 * (ANSam/, V.8) -- and the V.21 channel 2 HDLC flag preamble a fax answerer
 * sends (often without any CED before it). Each occurrence is reported once
 * when it starts (on = true) and once when it ends (on = false).
 *
 * How: three spandsp modem_connect_tones_rx detectors run side by side --
 * MODEM_CONNECT_TONES_FAX_CNG, MODEM_CONNECT_TONES_ANS (which spandsp uses
 * for the whole 2100 Hz family: a notch-to-channel energy test, reversal
 * timing for "/" and a 15 Hz band-pass for "am") and
 * MODEM_CONNECT_TONES_FAX_PREAMBLE (spandsp's V.21 FSK receiver counting
 * back-to-back 0x7E flags). Blocks are fed in 5 ms chunks, so positions are
 * exact to 40 samples. A cheap gate (Goertzel bins at the tones'
 * frequencies per chunk) keeps spandsp's per-sample detectors off audio
 * that is nowhere near a connect tone: speech costs a fraction of it. Events go to a callback when one is given, otherwise
 * into a small ring read with gw_modem_rx_get().
 * Specs: ITU-T T.30 (CNG, CED, preamble), V.25 (ANS), G.165/G.168 (ANS/),
 * V.8 (ANSam, ANSam/), V.21.
 *
 * Allocation only in _alloc; _process, _get and _reset never allocate.
 * One object per direction of a call; not thread-safe.
 */
#ifndef GW_DSP_MODEM_H
#define GW_DSP_MODEM_H

#include <stdbool.h>
#include <stdint.h>

enum gw_modem_tone {
	GW_MODEM_NONE = 0,
	GW_MODEM_CNG,	   /* fax calling tone, 1100 Hz */
	GW_MODEM_ANS,	   /* 2100 Hz: V.25 ANS, T.30 CED */
	GW_MODEM_ANS_PR,   /* 2100 Hz with phase reversals (ANS/) */
	GW_MODEM_ANSAM,	   /* 2100 Hz with 15 Hz AM (V.8 ANSam) */
	GW_MODEM_ANSAM_PR, /* ANSam with phase reversals (ANSam/) */
	GW_MODEM_V21,	   /* V.21 ch 2 HDLC flag preamble (fax answerer) */
};

/* Which detectors to run: each costs CPU, and e.g. an echo-canceller
 * disabler needs only GW_MODEM_DETECT_ANS. */
enum gw_modem_detect {
	GW_MODEM_DETECT_CNG = 1 << 0,
	GW_MODEM_DETECT_ANS = 1 << 1, /* ANS, ANS/, ANSam, ANSam/ */
	GW_MODEM_DETECT_V21 = 1 << 2,
	GW_MODEM_DETECT_ALL = 7,
};

struct gw_modem_event {
	enum gw_modem_tone tone;
	bool on;	 /* true: tone confirmed; false: it ended */
	uint64_t sample; /* samples fed before the end of the 5 ms chunk
			  * in which the change was confirmed */
	int level_dbm0;	 /* spandsp's estimate at onset; -99 at the end */
};

typedef void (*gw_modem_event_fn)(void *arg, const struct gw_modem_event *ev);

struct gw_modem_rx;

/*
 * detect: a set of enum gw_modem_detect (0 is -EINVAL). fn: called from
 * _process for each event (may be NULL: events are queued for _get).
 * Returns 0, -EINVAL or -ENOMEM.
 */
int gw_modem_rx_alloc(struct gw_modem_rx **ret, unsigned int detect,
		      gw_modem_event_fn fn, void *arg);
void gw_modem_rx_free(struct gw_modem_rx *rx);
/* Back to the state of a fresh detector (sample position 0, no events). */
void gw_modem_rx_reset(struct gw_modem_rx *rx);
/*
 * Run only the detectors in `detect` of those allocated (e.g. CNG on the
 * calling side, the 2100 Hz family on the answering side: half the cost);
 * no allocation. The others keep their state and report nothing.
 */
void gw_modem_rx_set_active(struct gw_modem_rx *rx, unsigned int detect);
void gw_modem_rx_process(struct gw_modem_rx *rx, const int16_t *amp,
			 int samples);
/*
 * The cheap gate in front of spandsp's detectors: of the 5 ms chunks each
 * active detector was offered since the last reset, how many it ran on
 * (the rest were nowhere near its tone: too quiet, or less than a quarter
 * of their power at its frequencies, for 200 ms or more).
 */
void gw_modem_rx_gate_stats(const struct gw_modem_rx *rx, uint64_t *chunks,
			    uint64_t *fed);
/*
 * Take the oldest queued event (only without a callback). Returns 1 and
 * fills *ev, or 0 when none is queued. The queue holds 16 events; older
 * ones are dropped on overflow and counted by gw_modem_rx_dropped().
 */
int gw_modem_rx_get(struct gw_modem_rx *rx, struct gw_modem_event *ev);
unsigned int gw_modem_rx_dropped(const struct gw_modem_rx *rx);
/* The tone currently present (GW_MODEM_NONE if none); when two are, the
 * 2100 Hz family wins over V.21, which wins over CNG. */
enum gw_modem_tone gw_modem_rx_current(const struct gw_modem_rx *rx);

const char *gw_modem_tone_name(enum gw_modem_tone tone);

#endif
