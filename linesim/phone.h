/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * phone: the analog phone behind an FXS port of the gateway.
 *
 * The gateway rings it (RING_START/RING_STOP lineops; linesim applies the
 * 2 s on / 4 s off cadence) and it goes off-hook and on-hook, by command
 * (`offhook`, `onhook`) or by itself in auto mode: answer at the end of the
 * Nth ring burst and echo what it hears; hang up after 2 s of busy or
 * congestion tone. `dial` sends DTMF (100 ms on, 100 ms off); `pulse`
 * dials the digits with the hook (rotary dialling: N breaks for digit N,
 * 10 for 0, at a given rate and break ratio, 700 ms between digits), each
 * hook change sent with its sample in the frame. A kewlstart battery
 * drop from the gateway mutes the line for its length; the phone measures
 * it, logs what it hears after off-hook and keeps a message-waiting lamp
 * (linesim/loop.h).
 */
#ifndef LS_PHONE_H
#define LS_PHONE_H

#include <stdbool.h>

#include "hw/hw.h"

struct ls_port;
struct ls_loop;
struct ls_cw;

enum ls_phone_state {
	LS_PHONE_IDLE,
	LS_PHONE_RINGING,
	LS_PHONE_OFFHOOK,
};

struct ls_phone {
	enum ls_phone_state state;
	bool auto_on;	    /* auto answer / auto hang-up */
	int auto_rings;	    /* answer at the end of this ring burst */
	bool auto_answered; /* this call was answered by auto mode */
	int ring_t;	    /* frames since RING_START */
	bool ring_on;	    /* bell ringing in this frame */
	int rings;	    /* rings of the last ringing (bursts less
			     * than 1 s apart make one ring) */
	/* The card's cadence (2 s on, 4 s off) runs until a RING_STOP ends
	 * a burst: from then on the gateway drives the bursts, and 5 s
	 * without one ends the ringing (linesim/cid.h). */
	bool ring_pending;  /* RING_START: a burst starts next frame */
	bool ring_driven;   /* a RING_STOP came in this ringing */
	int ring_gap;	    /* frames since the last burst ended */
	int bursts;	    /* ring bursts of this ringing */
	bool ring_pulse;    /* ring 1 so far is one burst < 400 ms: an
			     * ETSI ring pulse, the next burst is ring 1 */
	int busy_t;	    /* frames of busy/congestion heard */
	bool polarity_rev;
	char dialled[64]; /* `dial` digits since off-hook */
	int flash_t;	  /* frames left of a hook-flash (on-hook) */
	/* `pulse`: rotary dialling in progress */
	bool pulsing;
	bool pulse_break;  /* loop open (a break) now */
	char pulse_digits[32];
	int pulse_idx;	   /* digit being dialled */
	int pulse_left;	   /* its breaks not yet ended */
	int pulse_next;	   /* samples from this frame's start to the next
			    * hook change */
	int pulse_break_len, pulse_make_len, pulse_gap_len; /* samples */
	struct ls_loop *loop; /* battery, tones heard, lamp (loop.h) */
	struct ls_cw *cw; /* call waiting: SAS, CAS, ACK, FSK (cw.h) */
};

void ls_phone_init(struct ls_port *p);
void ls_phone_reset(struct ls_port *p);
void ls_phone_tick(struct ls_port *p, const int16_t *in, int16_t *out);
void ls_phone_lineop(struct ls_port *p, enum gw_hw_lineop op);
/* Commands. Return 0 or a negative errno (-EALREADY, -EINVAL). */
int ls_phone_offhook(struct ls_port *p);
int ls_phone_onhook(struct ls_port *p);
int ls_phone_dial(struct ls_port *p, const char *digits);
/*
 * Rotary dialling: pps 5..20 pulses per second, break_pct 30..80 % of each
 * pulse period on-hook. Returns 0, -ENOTCONN (on-hook), -EBUSY (dialling),
 * -EINVAL.
 */
int ls_phone_pulse(struct ls_port *p, const char *digits, int pps,
		   int break_pct);
/* Hook-flash: on-hook for ms (20..2000), then off-hook again. */
int ls_phone_flash(struct ls_port *p, int ms);
const char *ls_phone_state_name(enum ls_phone_state s);

#endif
