/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd: call forwarding of FXS ports and the SIP signalling of diverted
 * calls.
 *
 * What it does: an FXS port with `forward_always`, `forward_busy` or
 * `forward_noanswer` (and `forward_noanswer_s`, default 20 s of ringing)
 * sends a SIP call meant for its phone on through the dial plan, as if
 * the phone had dialled the forward number (source "fxs"): at once
 * (unconditional), when the phone is off-hook or in a call and call
 * waiting does not take the call (user-busy), or after the phone rang
 * forward_noanswer_s unanswered (no-answer: the ringing stops first).
 * The forwarded leg is a second SIP call (direction "forward") whose
 * INVITE carries the caller's SDP offer unchanged; its answer goes back
 * to the caller unchanged: the media flows between the caller and the
 * new target, the gateway stays in the signalling (a B2BUA without
 * media). A BYE, CANCEL or failure on one leg ends or is relayed to the
 * other.
 *
 * Signalling (sip.forward_header): the forwarded INVITE carries
 *  - Diversion (RFC 5806): <sip:EXT@HOST>;reason=unconditional|user-busy|
 *    no-answer;counter=N on top of the Diversion headers the call came
 *    with, where N counts the diversions so far including this one;
 *  - and/or History-Info (RFC 7044 with the RFC 4458 cause: 302, 486,
 *    408): the port's URI with its Reason, then the new target.
 * A received INVITE's Diversion and History-Info headers are logged with
 * the redirecting number; their hops count toward GW_FWD_MAX_HOPS: a
 * forward beyond it is refused with 483, and one back to a port already
 * in the Diversion/History-Info list (A -> B -> A) with 482 (loop).
 *
 * Route action `redirect = "sip:${number}@HOST"` (routeact.h): an INVITE
 * from SIP that matches it is answered 302 Moved Temporarily with that
 * Contact and a Diversion (reason unconditional); a phone's call that
 * matches it is routed to the URI (a phone cannot follow a 302).
 *
 * Control thread only.
 */
#ifndef GW_FWD_H
#define GW_FWD_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

struct gw_app;
struct gw_call;
struct gw_line;
struct gw_conf;
struct gw_conf_ctx;
struct gw_conf_port;
struct gw_route_result;

/* Diversions a call may have been through when we divert it again. */
#define GW_FWD_MAX_HOPS 5

enum gw_fwd_reason {
	GW_FWD_ALWAYS = 0, /* "unconditional", RFC 4458 cause 302 */
	GW_FWD_BUSY,	   /* "user-busy", 486 */
	GW_FWD_NOANSWER,   /* "no-answer", 408 */
};

/* sip.forward_header (struct gw_conf's fwd_header) */
enum gw_fwd_header {
	GW_FWD_HDR_DIVERSION = 0, /* default */
	GW_FWD_HDR_HISTORY,	  /* History-Info only */
	GW_FWD_HDR_BOTH,
	GW_FWD_HDR_NONE,
};

/* Per call (struct gw_call's fwd), NULL when the call has no part in it. */
struct gw_fwd_call;

/* ---- configuration (conf.c) ---- */

/* An FXS port's forward_* keys. 0 or a file:line:key error. */
int gw_fwd_conf_port(struct gw_conf_ctx *c, const config_setting_t *e,
		     const char *base, struct gw_conf_port *p);
/* sip.forward_header. */
int gw_fwd_conf_sip(struct gw_conf_ctx *c, const config_setting_t *sip);

/* ---- wire formats (pure; unit-tested) ---- */

const char *gw_fwd_reason_name(enum gw_fwd_reason why);

/*
 * The extra header lines of a diverted INVITE or 302 (CRLF separated, no
 * final CRLF): per `mode`, our Diversion for `user`@`host` ("ADDR:PORT",
 * "[ADDR6]:PORT") with `counter`
 * on top of `received` (the call's Diversion values, CRLF separated
 * "Diversion: ..." lines, or ""), and/or History-Info from user@host to
 * `target`. Returns the length or -ENAMETOOLONG.
 */
int gw_fwd_headers(char *buf, size_t size, enum gw_fwd_header mode,
		   const char *user, const char *host,
		   enum gw_fwd_reason why, int counter, const char *received,
		   const char *target);

/*
 * What one received Diversion header value (possibly several entries,
 * comma separated) or History-Info value says: the diversions it counts
 * (*hops: the largest counter, at least one per Diversion entry; for
 * History-Info the entries after the first), the first diverting user
 * (redirecting number) into user. Returns the entries seen.
 */
int gw_fwd_parse(const char *value, bool history, int *hops, char *user,
		 size_t usize);
/* Does the header value name sip:USER@ (a loop back to it)? */
bool gw_fwd_names(const char *value, const char *user);

/* ---- at call time (call.c, fxs.c) ---- */

/*
 * A SIP INVITE c that is to ring the FXS line l: log the Diversion and
 * History-Info it came with; keep what forwarding needs when the port
 * has it; forward_always: forward now. True if c was forwarded or refused
 * (the INVITE is answered: ring nothing).
 */
bool gw_fwd_invite(struct gw_call *c, struct gw_line *l, const sip_t *sip);
/* l is busy and call waiting did not take c: forward_busy. True: done. */
bool gw_fwd_busy(struct gw_call *c, struct gw_line *l);
/* How long the phone rings for its call (forward_noanswer_s or max_ms). */
int gw_fwd_ring_ms(const struct gw_line *l, int max_ms);
/* The ring time is up: forward_noanswer (the ringing stops). True: done. */
bool gw_fwd_noanswer(struct gw_line *l);

/* A response on a forwarded leg (the outgoing one). True if handled. */
bool gw_fwd_response(struct gw_call *c, int status, const char *phrase,
		     const sip_t *sip);
/* A re-INVITE on a forwarded leg: answered with the session unchanged. */
bool gw_fwd_reinvite(struct gw_call *c);
/* A leg ended (BYE, CANCEL, terminated): end or answer the other leg. */
void gw_fwd_ended(struct gw_call *c, const char *why);
/* The call is freed: unlink it from its other leg. */
void gw_fwd_free(struct gw_call *c);

/* A route with `redirect` took an INVITE from SIP: answer 302. */
void gw_fwd_redirect(struct gw_app *app, nua_handle_t *nh, const sip_t *sip,
		     const struct gw_route_result *r, const char *user,
		     const char *src);

#endif
