/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * registrar: the built-in registrar for local SIP users (softphones, a
 * PBX) so that a call from the PSTN can ring a user wherever they are
 * registered (RFC 3261 §10, personal mobility). Enabled by sip.registrar;
 * the users and passwords are sip.users (digest, gateway/auth.h).
 *
 * REGISTER: digest-challenged like an INVITE (a wrong password counts as
 * an authentication failure for the bans of gateway/guard.h, trusted
 * addresses get no free pass); the To (address-of-record) user must be the
 * authenticated user, else 403. Each Contact is bound for its expires
 * parameter, else the Expires header, else sip.register_max_s; a non-zero
 * value below sip.register_min_s gets 423 with Min-Expires (§10.3 step 7),
 * one above sip.register_max_s is lowered to it. Expires 0 removes the
 * binding, "Contact: *" with Expires 0 all of the user's. The 200 OK lists
 * every current binding of the user with its remaining expires.
 *
 * NAT: the binding remembers the source address and port of the REGISTER;
 * when it differs from the Contact's host:port (a private address behind a
 * NAT, or a wrong Contact) calls go to the source address and port instead,
 * keeping the Contact's user part and transport parameter (like Kamailio's
 * fix_nated_register with received). Bindings live in memory only (lost on
 * restart; the phones register again) and expire lazily: an expired one is
 * dropped the next time the table is read.
 *
 * Calls: an FXO port's target "user:NAME", or a route's to = "user:NAME",
 * rings every registered contact of NAME at once (gateway/fork.h); not
 * registered: an FXO line is left ringing, unanswered (the caller hears
 * ringing until they give up), a phone hears reorder, a SIP caller gets
 * 480.
 */
#ifndef GW_REGISTRAR_H
#define GW_REGISTRAR_H

#include <stdbool.h>
#include <stddef.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

struct gw_app;
struct gw_registrar;

int gw_registrar_alloc(struct gw_registrar **ret, struct gw_app *app);
void gw_registrar_free(struct gw_registrar *r);

/* nua_i_register (sip.c): answers the request and destroys nh. */
void gw_registrar_request(struct gw_app *app, nua_t *nua, nua_handle_t *nh,
			  const sip_t *sip);

/*
 * The URI to call for target "user:NAME" (0), or -ENOENT if NAME has no
 * live binding, -EINVAL if target is not a user: target.
 */
int gw_registrar_resolve(struct gw_app *app, const char *target, char *uri,
			 size_t len);

/*
 * The URIs to call for user NAME (without "user:"), newest binding first,
 * at most max: how many (0: not registered).
 */
int gw_registrar_contacts(struct gw_app *app, const char *user,
			  char (*uris)[256], int max);

/* "binding user=NAME contact=URI call=URI source=ADDR:PORT expires_in=Ns"
 * lines for copperctl registrations / trunks. */
size_t gw_registrar_show(struct gw_app *app, char *buf, size_t len);

#endif
