/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fxs: what an FXS port (a phone behind it) keeps besides the common line
 * state (struct gw_line): the tones after a call, and message waiting.
 *
 * After a call (struct gw_conf_fxs; Telcordia GR-506 and the loop-start
 * practice of GR-57): when the far end of an answered call hangs up, a
 * kewlstart port first drops battery for disconnect_ms (the open loop
 * interval a kewlstart phone, answering machine or modem takes for the
 * far end's hang-up; DAHDI's fxoks does the same), a loopstart port does
 * not. Then the phone, still off-hook, hears reorder (busy if the call
 * was refused as busy) for reorder_s, then the receiver off-hook tone
 * (howler) for howler_s, then silence until it hangs up. A phone left
 * off-hook without dialling gets the same tones without the drop.
 *
 * Hotline: a port with a hotline number dials it on off-hook: at once
 * (hotline_delay_ms 0: no dial tone), or after hotline_delay_ms of dial
 * tone unless a digit comes first (a warm line).
 *
 * Message waiting (gateway/mwi.h): stutter dial tone (the zone's) while a
 * message waits, and the phone's lamp set by on-hook FSK.
 *
 * Control thread only.
 */
#ifndef GW_FXS_H
#define GW_FXS_H

#include <stdbool.h>
#include <time.h>

#include "dsp/tone.h"

/* Where a port in GW_LINE_FXS_DISCONNECTED is in the after-call tones. */
enum gw_fxs_after {
	GW_FXS_AFTER_NONE = 0,
	GW_FXS_AFTER_DROP,    /* battery dropped (kewlstart) */
	GW_FXS_AFTER_REORDER, /* reorder or busy */
	GW_FXS_AFTER_HOWLER,  /* receiver off-hook tone */
	GW_FXS_AFTER_SILENT,  /* nothing until on-hook */
};

struct gw_fxs {
	enum gw_fxs_after after;
	enum gw_tone after_tone; /* GW_TONE_CONGESTION or GW_TONE_BUSY */
	/* message waiting (gateway/mwi.c) */
	bool mwi;	      /* a message is waiting */
	int mwi_new, mwi_old; /* voice messages (RFC 3842), -1: not said */
	int mwi_lamp;	      /* the state last sent to the lamp: 1 on,
			       * -1 off, 0 none yet */
	struct timespec mwi_sent_at; /* when it was sent */
};

#endif
