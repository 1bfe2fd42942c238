/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guard: toll-fraud-safe defaults on the SIP side. Per source address it
 * rate-limits the answers an untrusted, unauthenticated source gets
 * (sip.rate_limit per second), counts authentication failures and bans a
 * source that fails sip.ban_after times within sip.ban_window_s for
 * sip.ban_time_s; and it blocks premium and international prefixes on PSTN
 * dial-out (general.blocked_prefixes, a route's allow_premium).
 *
 * How: the decision is made on the control thread; enforcement of "drop
 * silently" is in the kernel: a classic BPF socket filter (SO_ATTACH_FILTER,
 * no privilege needed) on each socket bound to the SIP port drops every
 * packet from a banned or rate-limited address before Sofia reads it, so
 * those sources get no answer at all (not even 100 Trying). The filter is
 * rebuilt when the set changes; SO_MEMINFO's drop counter gives the count.
 * Requests that were already queued when a source crossed its limit reach
 * nua and get the same answer as any other untrusted request.
 *
 * Security log lines (one format, for fail2ban: doc/internals.md,
 * etc/fail2ban/copperline.conf), subsystem "security":
 *   SECURITY: auth failure from ADDR user "NAME"
 *   SECURITY: banned ADDR for N s (F auth failures)
 *   SECURITY: untrusted ADDR rate limited (N requests in 1 s)
 *   SECURITY: blocked dial-out to NUMBER (prefix P) from ADDR
 *
 * Specs: RFC 3261 §26.1 (threats), §22 (authentication, see auth.h).
 */
#ifndef GW_GUARD_H
#define GW_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct gw_app;
struct gw_conf;
struct gw_conf_ctx;
struct gw_conf_route;

#define GW_GUARD_MAX_USERS 64
#define GW_GUARD_MAX_PREFIXES 32

struct gw_conf_user {
	char name[64];
	char password[128];
};

/* The security keys of the configuration (conf->sec, owned by the conf). */
struct gw_conf_sec {
	struct gw_conf_user users[GW_GUARD_MAX_USERS]; /* sip.users */
	int nusers;
	char realm[64];	  /* sip.realm, default "copperline" */
	int nonce_ttl_s;  /* sip.nonce_ttl_s, 10..86400, default 300 */
	int rate_limit;	  /* sip.rate_limit, 1..1000 per s, default 5 */
	int ban_after;	  /* sip.ban_after, 0 (never)..1000, default 5 */
	int ban_window_s; /* sip.ban_window_s, 1..86400, default 60 */
	int ban_time_s;	  /* sip.ban_time_s, 1..604800, default 600 */
	/* general.blocked_prefixes; default by general.zone */
	char blocked[GW_GUARD_MAX_PREFIXES][16];
	int nblocked;
	bool blocked_set; /* the key was given */
	/* built-in registrar (gateway/registrar.h) */
	bool registrar;	    /* sip.registrar, default false */
	int register_min_s; /* sip.register_min_s, 10..86400, default 60 */
	int register_max_s; /* sip.register_max_s, min..86400, default 3600 */
};

/* conf.c hooks: defaults, sip.* and general.* security keys, zone
 * defaults once all is read, free. */
struct gw_conf_sec *gw_guard_conf_alloc(void);
int gw_guard_conf_sip(struct gw_conf_ctx *c, const void *sip_group);
int gw_guard_conf_general(struct gw_conf_ctx *c, const void *general_group);
int gw_guard_conf_finish(struct gw_conf *conf);
void gw_guard_conf_free(struct gw_conf_sec *sec);

struct gw_guard;

int gw_guard_alloc(struct gw_guard **ret, struct gw_app *app);
void gw_guard_free(struct gw_guard *g);
/* Put the drop filter on the sockets bound to the SIP port (after nua). */
void gw_guard_attach(struct gw_guard *g);

/* Source `sa` is banned or over its rate: the request should be dropped. */
bool gw_guard_blocked(struct gw_guard *g, const struct sockaddr *sa);
/*
 * An untrusted request from `sa` that did not authenticate: counts against
 * the rate limit. Returns true if it may be answered, false once the source
 * is over sip.rate_limit this second (it is then filtered).
 */
bool gw_guard_unauth(struct gw_guard *g, const struct sockaddr *sa,
		     const char *method);
/* A failed authentication (wrong password, unknown user, bad nonce). */
void gw_guard_auth_failed(struct gw_guard *g, const struct sockaddr *sa,
			  const char *user);

/*
 * PSTN dial-out check: the blocked prefix `number` starts with, or NULL if
 * the route may dial it (no match, or the route has allow_premium).
 */
const char *gw_guard_dialout_blocked(const struct gw_conf *conf,
				     const struct gw_conf_route *route,
				     const char *number);

/* One status line "security k=v ..." for copperctl status. */
int gw_guard_format(struct gw_guard *g, char *buf, size_t len);

/* "ADDR" of a sockaddr (no port). */
void gw_guard_addr_str(const struct sockaddr *sa, char *buf, size_t len);

#endif
