/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * line: the FXS and FXO line state machines (control thread). A line turns
 * card events, digits and detected tones from the media thread into call
 * actions (call.c), and call actions into line operations and tones.
 *
 * FXS: off-hook -> dial tone -> DTMF or rotary digits -> inter-digit timeout ->
 *      route and INVITE; ringback on 180; connected on 200. Incoming SIP
 *      rings the phone; off-hook answers. When the call ends while the
 *      phone is off-hook it hears reorder until it hangs up.
 * FXO: outgoing: seize -> wait for dial tone (fail after the port's
 *      dialtone_timeout_ms) -> DTMF -> early media -> answer on polarity
 *      reversal; ends on loop-current drop or busy/reorder tone.
 *      incoming: rings from the CO -> INVITE to the port's target after
 *      answer_rings rings; off-hook when SIP answers; ringing that stops
 *      for 8 s means the caller gave up.
 */
#ifndef GW_LINE_H
#define GW_LINE_H

#include "gateway/app.h"

/*
 * FXS: the card counts dial pulses into a digit until the phone has been
 * off-hook this long (rotary dials leave 200-800 ms between digits).
 */
#define GW_LINE_PULSE_GAP_MS 300

int gw_line_init(struct gw_app *app, struct gw_line *l,
		 const struct gw_conf_port *conf);
void gw_line_release(struct gw_line *l);
const char *gw_line_state_name(enum gw_line_state s);
struct gw_line *gw_line_by_chan(struct gw_app *app, int chan);

/* From the media thread's event ring. */
void gw_line_media_event(struct gw_app *app, const struct gw_media_ev *ev);

/* From call.c. Each returns 0 or a negative errno (line not idle...). */
int gw_line_fxo_dial(struct gw_line *l, struct gw_call *c);
struct gw_cid_info;
/* ci: the caller ID and cadence to ring with (gateway/cid.h), or NULL */
int gw_line_fxs_ring(struct gw_line *l, struct gw_call *c,
		     const struct gw_cid_info *ci);
void gw_line_fxo_answer(struct gw_line *l);
void gw_line_remote_ringing(struct gw_line *l);
/* Bridge the line to the call's RTP session (early media or answer). */
void gw_line_connect(struct gw_line *l);
/* The SIP side is gone: release the line (the call pointer is cleared). */
void gw_line_remote_gone(struct gw_line *l, bool busy);

#endif
