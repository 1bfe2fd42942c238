/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fork: personal mobility and failover chains of the dial plan.
 *
 * Parallel forking (RFC 3261 §16.7 behaviour, done by our UAC side): a
 * call to "user:NAME" (a route's to, an FXO port's target) sends one
 * INVITE, each on its own nua handle, to every contact the built-in
 * registrar has for NAME (gateway/registrar.h), all with the same SDP
 * offer (one RTP session). Ringing (18x) from any branch is ringback for
 * the caller; early media is not taken from a branch. The first 2xx wins:
 * its handle becomes the call's SIP leg, every other branch gets CANCEL,
 * and a 2xx from one of them after that (a race) is ACKed and ended with
 * BYE. A failure (3xx-6xx) of one branch does not end the call while
 * others ring. When every branch has failed, the call fails with the
 * best final status (gw_routeact_best_status(), §16.7 step 6). Not
 * registered: 480.
 *
 * Sequential hunting: a route's to = [ "user:a", "trunk:b", "fxo:p1" ]
 * tries its targets in order (conf.h chain; route.h, routeact.h): the
 * next on 5xx, 408, 486, 600, 480 or when ring_timeout_s passes without
 * an answer; each target's failure is logged with its status. From SIP
 * callers only the port targets hunt (every line busy); a SIP call to a
 * user gets 302 with the user's contacts (no SIP-to-SIP bridge).
 *
 * Handles that no call owns any more (losing branches, an INVITE given
 * up at ring_timeout_s) stay here until nua terminates them.
 */
#ifndef GW_FORK_H
#define GW_FORK_H

#include <stdbool.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

struct gw_app;
struct gw_call;

#define GW_FORK_MAX_BRANCHES 8

/*
 * Ring every contact of user NAME (`target` "user:NAME") for call c,
 * which has its line leg: 0, or -ENOENT when NAME is not registered
 * (nothing sent), -EIO/-ENOMEM when no INVITE could be sent.
 */
int gw_fork_start(struct gw_call *c, const char *target, const char *from,
		  const char *hdrs);

/* The call gives up before an answer: CANCEL every branch, c->fork gone. */
void gw_fork_cancel(struct gw_call *c);

/* Take over nh (an unanswered INVITE of a call that gave up): CANCEL it,
 * BYE a late 2xx, destroy it when nua is done. */
void gw_fork_abandon(struct gw_app *app, nua_handle_t *nh);

/* sip.c: an event on a branch handle; true if it was one of ours. */
bool gw_fork_sip_event(struct gw_app *app, nua_event_t event, int status,
		       const char *phrase, nua_handle_t *nh, const sip_t *sip,
		       tagi_t tags[]);

/* Shutdown: destroy every handle left. */
void gw_fork_shutdown(struct gw_app *app);

/* A SIP call to "user:NAME": 302 with its contacts, or 480. */
void gw_fork_sip_redirect(struct gw_app *app, nua_handle_t *nh,
			  const char *target, const char *src);

#endif
