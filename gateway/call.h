/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * call: calls joining a line leg and a SIP leg (ARCHITECTURE.md §5), the
 * four directions, SDP offer/answer and RTP session life.
 */
#ifndef GW_CALL_H
#define GW_CALL_H

#include <sofia-sip/sip.h>

#include "gateway/app.h"

/* Line side (line.c). */
void gw_call_from_fxs(struct gw_line *l, const char *number);
void gw_call_from_fxo(struct gw_line *l);
/*
 * DISA (gateway/disa.h): route the number dialled on the call's FXO line
 * with source "disa" and INVITE it. 0, or a negative errno when no route
 * takes it (or it is blocked, its trunk is down...): the call's end
 * reason is noted, the line keeps the call.
 */
int gw_call_disa_route(struct gw_call *c, const char *number);
void gw_call_line_progress(struct gw_call *c);
void gw_call_line_answered(struct gw_call *c);
/* The line leg ended; status: SIP status for an unanswered incoming call. */
void gw_call_line_gone(struct gw_call *c, int status, const char *why);
/*
 * The media thread switched the call to voice-band data (fax/modem): if
 * the codec is not G.711, re-INVITE the peer to PCMU/PCMA.
 */
void gw_call_vbd(struct gw_call *c);
/*
 * A hook-flash on the call's FXS line (port flash = "relay"): as SIP INFO
 * application/hook-flash when the call's trunk or sip.flash says "info"
 * (gateway/xfer.h), else as RFC 4733 event 16 when the call has
 * telephone-event.
 */
void gw_call_flash(struct gw_call *c);
/*
 * Call waiting (gateway/cw.h): hold the call with a re-INVITE whose
 * offer is a=sendonly, or resume it with a=sendrecv (RFC 3264 §8.4).
 */
void gw_call_hold(struct gw_call *c, bool hold);

/*
 * Transfer (gateway/xfer.h): a new call to `uri` (through trunk, 1 +
 * its index, 0: none) for the line of `old`, with the extra header
 * lines hdrs; the line stays with `old` until xfer.c moves it. NULL if
 * it could not be placed.
 */
struct gw_call *gw_call_xfer_invite(struct gw_call *old, const char *uri,
				    int trunk, const char *number,
				    const char *hdrs);
/* A call whose legs may both be done: free it (call.c maybe_free()). */
void gw_call_release(struct gw_call *c);

/* SIP side (sip.c). */
void gw_call_sip_invite(struct gw_app *app, nua_handle_t *nh,
			const sip_t *sip);
/*
 * Our SDP offer for an outgoing INVITE (gateway/fork.h): opens the RTP
 * session the first time. Its length, or a negative errno.
 */
int gw_call_offer_sdp(struct gw_call *c, char *buf, size_t len);

void gw_call_sip_response(struct gw_call *c, int status, const char *phrase,
			  const sip_t *sip);
/*
 * A re-INVITE: answered with the session as it is, but for hold and
 * resume (the direction of its offer; see call.c hold()).
 */
void gw_call_sip_reinvite(struct gw_call *c, const sip_t *sip);
void gw_call_sip_ended(struct gw_call *c, const char *why);
void gw_call_sip_terminated(struct gw_call *c);

/* Media side: an RTP session came back from the media thread. */
void gw_call_rtp_detached(struct gw_app *app, struct gw_rtp_session *rtp);

/* Release everything at shutdown (media thread already stopped). */
void gw_call_shutdown(struct gw_app *app);

const char *gw_call_dir_name(enum gw_call_dir dir);

/* A new call (forwarding's second leg, gateway/fwd.h), or NULL. */
struct gw_call *gw_call_add(struct gw_app *app, enum gw_call_dir dir);
/* Free the call if both its legs are done and the media let go. */
void gw_call_maybe_free(struct gw_call *c);

#endif
