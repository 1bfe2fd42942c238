/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfeat: SIP call features the Sofia-SIP stack does for us once they
 * are switched on, and the cause mapping between the SIP and the line
 * sides.
 *
 *   - Session timers (RFC 4028): we ask for sip.session_timer_s (Min-SE
 *     90 s, §4; sip.session_min_se_s lowers it for tests), take the peer's Session-Expires and refresher, refresh
 *     with UPDATE without a body when we are the refresher (§7.4, half
 *     the interval) and hang up with BYE when the peer does not refresh
 *     (§10).
 *   - Reliable provisional responses (RFC 3262): a peer's INVITE with
 *     Supported or Require 100rel gets its 180/183 with Require: 100rel
 *     and RSeq, retransmitted until the PRACK, which is answered 200.
 *   - Redirects (RFC 3261 §8.1.3.4): a 3xx to our INVITE is followed by
 *     Sofia (same Call-ID, CSeq + 1, Request-URI the first Contact), at
 *     most GW_CALLFEAT_MAX_REDIRECTS times; then the call fails.
 *   - Q.850 causes in a Reason header (RFC 3326) on our final failure
 *     responses and BYEs (cause 16), mapped from the SIP status as
 *     RFC 3398 §8.2.6.1 / ITU-T Q.1912.5 do (busy 486 = cause 17, no
 *     answer 480 = 19, all lines busy 503 = 34, no route 404 = 1); a
 *     Reason received with a BYE or CANCEL is logged and recorded.
 */
#ifndef GW_CALLFEAT_H
#define GW_CALLFEAT_H

#include <stdbool.h>
#include <stddef.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

struct gw_app;
struct gw_call;

/* Per call (struct gw_call's cf). */
struct gw_callfeat_call {
	bool peer_timer; /* the peer's INVITE: Supported or Require timer */
	bool peer_se;	 /* ... and it had a Session-Expires */
};

/* 3xx followed for one INVITE at most (RFC 3261 §8.1.3.4), and other
 * automatic retries of a request (Sofia's NUTAG_RETRY_COUNT). */
#define GW_CALLFEAT_MAX_REDIRECTS 5

/* The nua parameters for the features above (after nua_create()). */
void gw_callfeat_nua_params(struct gw_app *app);

/* An incoming INVITE: note what its session timer needs. */
void gw_callfeat_invite(struct gw_call *c, const sip_t *sip);

/* Our 2xx to the peer's INVITE needs "Require: timer" (RFC 4028 §9:
 * the peer supports timer and the 2xx has a Session-Expires, which the
 * stack adds when either side asked for a session timer). */
bool gw_callfeat_require_timer(const struct gw_call *c, int status);

/* The Q.850 cause for a SIP failure status (RFC 3398 §8.2.6.1 reversed,
 * Q.1912.5 table 9), 0 if none applies. */
int gw_callfeat_q850_cause(int status);

/* The Reason header value for a SIP failure status (e.g.
 * "Q.850;cause=17;text=\"User busy\"") in buf, or NULL if none. */
const char *gw_callfeat_reason(int status, char *buf, size_t size);

/* The SIP status for a Q.850 cause (RFC 3398 §7.2.4.1), 0 if unknown. */
int gw_callfeat_q850_status(int cause);

/* A BYE or CANCEL from the peer: its Reason header (if any) logged and
 * made the call's recorded end reason (the CDR's reason and cause). */
void gw_callfeat_reason_rx(struct gw_call *c, const sip_t *sip);

/*
 * The end of a session Sofia's session timer decided (RFC 4028 §10),
 * logged and made the call's recorded end reason and cause: a BYE we
 * did not send (nua_r_bye without c->sip_ending: the peer let the
 * session expire, nua sent BYE with Reason: SIP;cause=408), or our
 * refreshing UPDATE answered 408 or 481 (nua then ends the dialog
 * itself, RFC 5057 §5.1, without a BYE). Other events are ignored.
 */
void gw_callfeat_session_end(struct gw_call *c, nua_event_t event,
			     int status, const char *phrase);

#endif
