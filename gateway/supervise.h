/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * supervise: answer and disconnect supervision of FXO ports (control
 * thread), the decisions behind gateway/fxo.c's outgoing and answered
 * calls, per port (conf.h struct gw_conf_sup).
 *
 * Answer supervision (outgoing calls, after the last digit; the SIP side
 * has 183 with early media until then, 200 OK on answer):
 *   polarity   the first battery reversal (also one during dialling);
 *   energy     the line's talk state (media.h "Line energy": sound that
 *              the call-progress detector does not take for one of the
 *              zone's tones, i.e. speech, fax or modem tones) on for
 *              answer_energy_ms; ringback, busy... never answer; a
 *              reversal answers too;
 *   immediate  as soon as dialling ends.
 *
 * Disconnect supervision, every method enabled at once unless switched
 * off per port; the one that ends a call is logged by name
 * ("disconnect: ..."), and the SIP side gets BYE (after answer) or the
 * matching final response (before):
 *   loop current drop  a LOOP_DROP not followed by LOOP_BACK within
 *                      loop_drop_ms (shorter drops are logged and
 *                      ignored; a card that reports no LOOP_BACK
 *                      makes every drop a hang-up after loop_drop_ms).
 *                      Before answer: 480;
 *   polarity reversal  after answer: a reversal (with polarity answer
 *                      supervision: the second one);
 *   tones              busy (486 before answer), reorder (503), SIT
 *                      (404) in the port's zone, before or after answer,
 *                      and dial tone after answer, each once the tone
 *                      has lasted tone_repeat cadence cycles (a
 *                      continuous tone: seconds) from its start, counted
 *                      by dsp/progress (which needs two cycles of busy
 *                      or reorder, three tones of SIT, 1 s of dial tone
 *                      at least); busy and reorder before answer always
 *                      end the call (call progress); after answer only
 *                      the tones listed in disconnect_tones;
 *   silence            after answer, no sound either way (line and
 *                      network, above supervision_energy_dbm0) for
 *                      silence_s;
 *   RTP inactivity     sip.rtp_timeout_s, reported by the media thread
 *                      (gateway/line.c logs it the same way);
 *   maximum duration   max_call_duration_s after answer, the last resort.
 * Incoming calls (the CO rang us) are supervised the same way once the
 * gateway answered, polarity included.
 *
 * Specs: Telcordia GR-506 and ETSI ES 201 970 (loop current, open loop
 * disconnect, polarity reversal), ITU-T E.180/Q.35 (tones, SIT).
 */
#ifndef GW_SUPERVISE_H
#define GW_SUPERVISE_H

#include <stdbool.h>
#include <time.h>

#include <sofia-sip/su_wait.h>

#include "dsp/tone.h"
#include "gateway/media.h"

/* Per FXO line (struct gw_line member `sup`). */
struct gw_sup {
	su_timer_t *drop_timer;	   /* loop current off for loop_drop_ms */
	su_timer_t *tone_timer;	   /* a disconnect tone's repeat count */
	su_timer_t *silence_timer; /* silence_s of silence */
	su_timer_t *max_timer;	   /* max_duration_s */
	su_timer_t *answer_timer;  /* answer_energy_ms of talk */
	struct timespec drop_at;   /* when the loop current dropped */
	bool dropped;		   /* ... and is not back */
	enum gw_tone tone;	   /* disconnect tone being confirmed */
	int tone_wait_ms[GW_TONE_COUNT]; /* from detection to hang-up */
	int tone_cycle_ms[GW_TONE_COUNT];
	bool sound[2];		   /* [enum gw_media_dir] */
	bool talk;		   /* line talk (media.h) */
	bool energy_on;		   /* CMD_ENERGY sent */
};

struct gw_line;
struct gw_hw_event;

/* gw_line_init()/gw_line_release() of an FXO line. 0 or -ENOMEM. */
int gw_sup_init(struct gw_line *l);
void gw_sup_release(struct gw_line *l);
/* The line goes idle: timers off, energy watch off. */
void gw_sup_stop(struct gw_line *l);
/* Dialling is done (state EARLY, early media): answer supervision. */
void gw_sup_early(struct gw_line *l);
/* The call is answered (either direction): the line is TALKING. */
void gw_sup_talking(struct gw_line *l);
/* Answer an outgoing call; `how` is logged ("polarity reversal"). */
void gw_sup_answer(struct gw_line *l, const char *how);
/* Line events POLARITY, LOOP_DROP, LOOP_BACK. */
void gw_sup_line_event(struct gw_line *l, const struct gw_hw_event *ev);
/* A call-progress tone heard (GW_TONE_NONE: it stopped). */
void gw_sup_progress(struct gw_line *l, enum gw_tone t);
/* GW_MEDIA_EV_ENERGY. */
void gw_sup_energy(struct gw_line *l, const struct gw_media_energy_ev *e);
/* Name of an answer_supervision value. */
const char *gw_sup_answer_name(int answer);

#endif
