/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trunk: SIP trunks to a provider or a PBX (control thread).
 *
 * What it does: each `trunks` entry of the configuration names one or
 * more proxies (tried in order), a SIP domain and an account. When
 * `register` is set the trunk keeps a registration (RFC 3261 §10.2) of
 * sip:USERNAME@DOMAIN at its registrars: nua refreshes it before the
 * granted expiry; a registrar that does not answer within `timeout_s`,
 * or answers 408/5xx/6xx, makes the trunk try the next one at once (RFC
 * 3261 §8.1.3.5 / RFC 3263 §4.3 failover); once every registrar failed
 * it waits retry_s, doubling up to retry_max_s. 403 and 404 (the account
 * is refused or unknown) and refused credentials wait forbidden_retry_s,
 * doubling up to forbidden_retry_max_s, as a provider expects from a
 * misconfigured device. Every failure is logged with its status and the
 * time of the next attempt.
 *
 * Routes reach a trunk with `to = "trunk:NAME"`: the INVITE goes to
 * sip:NUMBER@DOMAIN through the trunk's outbound_proxy, else the proxy
 * that last accepted its registration (else the first one). INVITEs from
 * a trunk's proxy, registrar or outbound proxy addresses are trusted.
 *
 * Digest authentication as UAC (RFC 3261 §22.2, RFC 2617): a 401/407 is
 * answered with the trunk's credentials only (1) on a request the trunk
 * itself sent (its REGISTER or OPTIONS, or an INVITE routed to it), and
 * (2) when every challenge in it is for the trunk's realm: `realm` when
 * configured, else the realm the trunk's registrar challenged with first
 * (learnt once). A challenge from any other realm (a callee, a hop the
 * provider does not own) is never answered with the trunk's password:
 * the call fails (the phone hears the failure) and a warning is logged.
 * One challenge per request is answered (a second one means
 * the credentials are refused, unless the server said stale=true).
 *
 * Port accounts: an FXS port's `account = { trunk = "NAME"; username;
 * auth_username; password | password_file; register; }` registers
 * sip:USERNAME@DOMAIN of that trunk, with Contact user USERNAME, through
 * the trunk's registrars with its expiry, failover and back-off (the
 * same state machine: the account is a struct gw_trunk whose conf is a
 * copy of the trunk's with the account's identity). A call from the
 * phone routed to that trunk goes out as the account (From, and the
 * trunk realm's 401/407 answered with the account's credentials, under
 * the rule above); an INVITE from the trunk's addresses to Request-URI
 * user USERNAME rings the port, whatever the dial plan (as an ATA does).
 *
 * max_calls: calls through a trunk at once, both ways, its accounts'
 * included; one more gets 503 (SIP) or reorder (a phone), or goes to the
 * route's failover.
 *
 * Qualify: with qualify_s > 0, OPTIONS goes to the trunk's proxy every
 * qualify_s seconds; qualify_failures unanswered in a row (no answer
 * within timeout_s, or 408/503/504) mark the trunk down, any answer marks
 * it up again. Calls routed to a trunk that is down are refused at once.
 *
 * Specs: RFC 3261 §10.2 (registration, refresh), §8.1.3.5, §22 (digest
 * as UAC), §11 (OPTIONS); RFC 2617 (digest).
 */
#ifndef GW_TRUNK_H
#define GW_TRUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <libconfig.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include "gateway/app.h"
#include "gateway/conf.h"

#define GW_TRUNK_MAX 16
#define GW_TRUNK_MAX_PROXIES 4

/* One `trunks` entry (conf->trunks[], owned by the conf). */
struct gw_conf_trunk {
	char name[32];
	char proxy[GW_TRUNK_MAX_PROXIES][128];	   /* sip:HOST[:PORT] */
	int nproxies;
	char registrar[GW_TRUNK_MAX_PROXIES][128]; /* default: proxies */
	int nregistrars;
	bool registrar_is_proxy; /* no `registrar` key */
	char outbound_proxy[128]; /* every request through it ("": none) */
	char domain[128];	  /* default: the first proxy's host */
	char username[64];	  /* AOR user, From user of calls */
	char auth_username[64];	  /* default: username */
	char password[128];	  /* or password_file's first line */
	char realm[128];	  /* "": the registrar's, learnt */
	bool reg;		  /* register (default true) */
	int expires_s;		  /* 10..86400, default 3600 */
	int timeout_s;		  /* no answer: next one, 1..32, 8 */
	int retry_s, retry_max_s; /* after a failed round: 30, 600 */
	int forbidden_retry_s, forbidden_retry_max_s; /* 403/404: 300, 3600 */
	int qualify_s;		  /* OPTIONS interval, 0 (off)..3600 */
	int qualify_failures;	  /* down after this many, 1..10, 3 */
	int max_calls;		  /* calls at once, both ways; 0: any */
	/* a port account (conf->trunks[ntrunks...]): 1 + its trunk's index;
	 * name is the port's; 0 for a trunk */
	int parent;
	int channel;		  /* the account's port */
	int flash;		  /* enum gw_conf_flash for a phone's
				   * hook-flash, -1: sip.flash */
	int line;
};

/* Configuration (called by conf.c; see conf_int.h). */
struct gw_conf_ctx;
int gw_trunk_conf_load(struct gw_conf_ctx *c, const config_setting_t *root);
/* A route's to = "trunk:NAME" (name points after "trunk:"). */
int gw_trunk_conf_route(struct gw_conf_ctx *c, const config_setting_t *s,
			const char *base, const char *name,
			struct gw_conf_route *rt);
void gw_trunk_conf_free(struct gw_conf *conf);

/*
 * How a phone's hook-flash goes out on a call through trunk t (NULL: not
 * through a trunk): the trunk's `flash`, else sip.flash.
 */
enum gw_conf_flash gw_trunk_flash(const struct gw_conf *conf,
				  const struct gw_trunk *t);

/* Runtime: app->trunks[], one per conf->trunks[]. */
struct gw_trunk;

/* After gw_sip_start(): start registrations and qualify. */
int gw_trunk_start(struct gw_app *app);
/* Before gw_sip_stop(): timers off (nua_shutdown un-registers). */
void gw_trunk_stop(struct gw_app *app);
/* After gw_sip_stop(). */
void gw_trunk_free(struct gw_app *app);

/*
 * Every nua event goes here first (sip.c): true if it was for one of the
 * trunks' own handles (REGISTER, OPTIONS), which it then handled.
 */
bool gw_trunk_sip_event(struct gw_app *app, nua_event_t event, int status,
			const char *phrase, nua_handle_t *nh,
			const sip_t *sip);

/* True if the address is one of a trunk's proxies (INVITEs accepted). */
bool gw_trunk_trusted(struct gw_app *app, const struct sockaddr *sa);

/* The trunk of route->trunk (1-based), or NULL. */
struct gw_trunk *gw_trunk_get(struct gw_app *app, int index1);
const char *gw_trunk_name(const struct gw_trunk *t);
/* Calls may go to it (not marked down by qualify). */
bool gw_trunk_usable(const struct gw_trunk *t);
/* Where its INVITEs go (outbound proxy, else the current proxy). */
const char *gw_trunk_proxy(const struct gw_trunk *t);
/* The From of a call through it: "DISPLAY" <sip:USERNAME@DOMAIN>. */
void gw_trunk_from(const struct gw_trunk *t, const char *display, char *buf,
		   size_t len);
/*
 * A 401/407 to a request sent through the trunk: answers it with the
 * trunk's credentials (nua_authenticate) when the rule above allows and
 * returns true; else false (the caller ends the request). *tries counts
 * the challenges answered for this request.
 */
bool gw_trunk_challenge(struct gw_trunk *t, nua_handle_t *nh,
			const sip_t *sip, int *tries, char *why,
			size_t why_len);

/*
 * Port accounts: the port's account on trunk t (its channel), else t
 * itself. A call through the result goes out with its From and answers
 * challenges with its credentials (gw_trunk_from, gw_trunk_challenge).
 */
struct gw_trunk *gw_trunk_port_account(struct gw_app *app,
				       struct gw_trunk *t, int channel);
/*
 * An INVITE from `sa` to Request-URI user `user`: the account with that
 * username on a trunk `sa` is a proxy/registrar of, else the first such
 * trunk, else NULL.
 */
struct gw_trunk *gw_trunk_of_source(struct gw_app *app,
				    const struct sockaddr *sa,
				    const char *user);
/* The channel of a port account, 0 for a trunk (or NULL). */
int gw_trunk_port(const struct gw_trunk *t);

/*
 * max_calls: calls through t's trunk now (both ways, its ports' accounts
 * included: struct gw_call's trunk or trunk_in); full when it has
 * max_calls of them (then logged).
 */
int gw_trunk_calls(struct gw_app *app, const struct gw_trunk *t);
bool gw_trunk_full(struct gw_app *app, const struct gw_trunk *t);

/* copperctl trunks: one line per trunk, then one per port account
 * ("account PORT trunk=NAME state=..."). Returns the length written. */
size_t gw_trunk_show(struct gw_app *app, char *buf, size_t len);

#endif
