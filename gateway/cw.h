/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cw: call waiting on an FXS port (control thread), the exchange's side
 * of Telcordia GR-571-CORE (call waiting), GR-30-CORE type 2 / SR-TSV-
 * 002476 (call-waiting caller ID, CIDCW) and ETSI EN 300 659-2 (off-hook
 * data transmission); the hold offers follow RFC 3264 §8.4.
 *
 * A SIP call to a port whose phone is in an answered call (state
 * talking) does not get 486 when the port's `call_waiting` is on (the
 * default): it gets 180 Ringing and waits, and the phone hears the
 * call-waiting alert (media.h CMD_CW, gateway/cwseq.h):
 *   - callerid bell / bell-sdmf: SAS, CAS; after the phone's ACK (DTMF
 *     'D' or 'A') the caller's date, number and name in off-hook Bell
 *     202 FSK (MDMF, or SDMF on a bell-sdmf port);
 *   - etsi, etsi-dtas, etsi-rp, etsi-lr: SAS, the 80 ms off-hook DT-AS;
 *     after the ACK the same in V.23 FSK (EN 300 659-3 coding);
 *   - any other standard (and none): the SAS alone.
 * The far party's audio is cut while the alert plays, and so is the
 * phone's audio to it. The SAS (alone) is repeated every
 * GW_CW_REPEAT_MS while the call waits, for at most GW_CW_WAIT_MS, after
 * which the waiting caller gets 480.
 *
 * Hook-flash swaps: the call in progress is put on hold with a
 * re-INVITE whose offer is a=sendonly (RFC 3264 §8.4; the gateway stops
 * its RTP and detaches the call's media from the line), and the other
 * call is connected: the waiting one is answered (200 OK), a held one is
 * resumed with a re-INVITE a=sendrecv. Each further flash swaps back.
 *
 * Hanging up with another call waiting or held ends the call in progress
 * and rings the phone again for the other one (the reminder ring of
 * GR-571), with its caller ID; picking up connects it (a held call is
 * resumed). Should the far end of the call in progress hang up first,
 * the phone stays connected to nothing (still hearing the alert while a
 * call waits) until it flashes (connecting the other call) or hangs up
 * (the reminder ring). The waiting caller giving up (CANCEL) stops the
 * alert; a held party hanging up leaves the call in progress alone.
 * One call waits at a time: a third call gets 486.
 */
#ifndef GW_CW_H
#define GW_CW_H

#include <stdbool.h>

#include <sofia-sip/sip.h>
#include <sofia-sip/su_wait.h>

#include "dsp/callerid.h"

#define GW_CW_REPEAT_MS 10000
#define GW_CW_WAIT_MS 120000

struct gw_app;
struct gw_call;
struct gw_line;
struct gw_media_ev;

/* Per FXS line (struct gw_line cw). */
struct gw_cw {
	struct gw_call *other; /* the call waiting, or the one held */
	su_timer_t *timer;     /* alert repeats and the waiting limit */
	int alerts;	       /* alerts sent for the call waiting */
	bool alerting;	       /* CMD_CW sent, EV_CW not yet */
	struct gw_callerid_msg msg; /* the waiting caller's ID */
	unsigned msg_call;	    /* the call it belongs to */
	char cadence[32];	    /* and the ring it asked for */
};

/* Per call (struct gw_call cw). */
struct gw_cw_call {
	bool held;     /* on hold by us (our a=sendonly offer) */
	bool reinvite; /* our hold or resume re-INVITE awaits its answer */
};

struct gw_cid_info;

/*
 * An incoming SIP call for line l, which is busy: make it wait. Returns
 * 0 (the call is the line's waiting call now: answer 180), or -EBUSY.
 */
int gw_cw_offer(struct gw_line *l, struct gw_call *c,
		const struct gw_cid_info *ci);
/* A hook-flash on l: true when call waiting took it (a swap). */
bool gw_cw_flash(struct gw_line *l);
/* On-hook on l: true when call waiting took it (reminder ring). */
bool gw_cw_onhook(struct gw_line *l);
/* l answered a ring (off-hook): resume the call if it was held by us. */
void gw_cw_answered(struct gw_line *l);
/*
 * The SIP side of c ended: true when call waiting took care of c's
 * line (c was the line's waiting or held call, or c was in progress
 * with another one waiting or held), false for the usual handling.
 */
bool gw_cw_call_gone(struct gw_call *c);
/* The line goes idle: a call still waiting or held is ended. */
void gw_cw_line_idle(struct gw_line *l);
/* GW_MEDIA_EV_CW: the alert is over. */
void gw_cw_media_event(struct gw_line *l, const struct gw_media_ev *ev);
/*
 * gw_line_init(): a port without caller ID still needs the channel's
 * transmitter for the SAS (a Bell one, which sends nothing else).
 */
int gw_cw_line_init(struct gw_line *l);
void gw_cw_line_release(struct gw_line *l);

#endif
