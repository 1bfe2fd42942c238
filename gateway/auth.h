/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * auth: who may place a call through the gateway. An INVITE is accepted
 * from a trusted address (sip.trusted) or, when sip.users lists users,
 * with HTTP Digest credentials (RFC 3261 §22, RFC 2617: MD5, qop=auth;
 * RFC 7616's SHA-256 is not in Sofia-SIP 1.12). Everything else gets the
 * same answer whatever the Request-URI: 401 with a challenge when users
 * exist, else 403; rate limits and bans are gateway/guard.h's.
 *
 * How: Sofia-SIP's auth_module ("Digest" plugin) builds and checks the
 * challenges. Its nonces are an HMAC-MD5 over the issue time and a
 * counter keyed with a master key read from getrandom(2) at start, so they
 * cannot be forged and die after sip.nonce_ttl_s; an expired nonce with
 * otherwise good credentials gets a fresh challenge with stale=true
 * (RFC 2617 §3.2.1), which is not counted as a failure.
 */
#ifndef GW_AUTH_H
#define GW_AUTH_H

#include <stdbool.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

struct gw_app;
struct gw_auth;

int gw_auth_alloc(struct gw_auth **ret, struct gw_app *app);
void gw_auth_free(struct gw_auth *a);

/*
 * Gate for an incoming out-of-dialog INVITE on handle nh (sip.c/call.c):
 * returns true if the call may proceed (trusted source, or valid
 * credentials); otherwise it has answered (401/403) and returns false.
 */
bool gw_auth_invite(struct gw_app *app, nua_handle_t *nh, const sip_t *sip);

/* Another out-of-dialog request nua answered itself (OPTIONS, ...):
 * counted against the source's rate limit when it is not trusted. */
void gw_auth_note_request(struct gw_app *app, const sip_t *sip);

/*
 * Digest check of a REGISTER for the registrar (gateway/registrar.h): no
 * trusted-address bypass; a failure counts like an INVITE's. 0 with the
 * authenticated user name in `user`, or -EACCES once answered (401/403).
 */
int gw_auth_register(struct gw_app *app, nua_t *nua, nua_handle_t *nh,
		     const sip_t *sip, char *user, size_t len);

#endif
