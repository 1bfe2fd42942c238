/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * routeact: the dial plan's actions beyond strip/prepend/to (route.h).
 *
 *  - `rewrite = "s/REGEX/REPLACEMENT/"` (any delimiter after the "s", a
 *    final "g" for every match): a PCRE2 substitution (pcre2_substitute)
 *    on the dialled number, before strip and prepend; or `replace` on a
 *    route matched by `regex`: the whole number becomes REPLACEMENT, with
 *    the regex's groups. In REPLACEMENT, \1..\9 (or PCRE2's $1, ${1})
 *    insert a group. The result must still be 0-9 * # + (else the route
 *    is skipped).
 *  - `caller_number`, `caller_name`: the caller ID of the call the route
 *    places (the From of the INVITE; the caller ID a phone is rung with).
 *  - `reject = 403` (a SIP status 400..699) or a name ("busy" 486,
 *    "forbidden" 403, "not-found" 404, "unavailable" 480, "congestion"
 *    503, "decline" 603): the call is refused with it, with a Reason
 *    header carrying the ITU-T Q.850 cause (RFC 3326; callfeat.h maps
 *    it); a phone hears reorder.
 *    `to` is then not needed.
 *  - `failover = true`: when the call this route places fails with a
 *    SIP 5xx or 408 (timeout; before an answer), or finds every line of
 *    its target busy, the next route that matches the same number is
 *    tried (a chain: that one may have failover too).
 *  - `max_calls = N`: at most N calls by this route at once; one more is
 *    refused (SIP 503, a phone hears reorder) or, with failover, goes
 *    to the next matching route.
 *  - `max_duration_s = N`: the call is hung up (both sides) N seconds
 *    after its answer.
 *  - `to = "group:NAME"`: a hunt group of ports (top-level `groups`):
 *    the first idle port, in order (linear), after the last one used
 *    (circular) or the least recently used (round-robin); an FXS group
 *    may ring every idle phone at once (ring-all): the first to answer
 *    takes the call, the others stop ringing.
 */
#ifndef GW_ROUTEACT_H
#define GW_ROUTEACT_H
/*
 *  - `redirect = "sip:${number}@HOST"`: SIP callers get 302 Moved
 *    Temporarily to that URI, with a Diversion header (fwd.h); `to` is
 *    then not needed (and not allowed).
 */

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

struct gw_conf;
struct gw_conf_route;
struct gw_conf_ctx;

#define GW_GROUP_MAX_PORTS 32

enum gw_group_strategy {
	GW_GROUP_LINEAR = 0,
	GW_GROUP_CIRCULAR,
	GW_GROUP_ROUND_ROBIN,
	GW_GROUP_RING_ALL, /* FXS groups only */
};

struct gw_route_group {
	char name[32];
	enum gw_group_strategy strategy;
	char ports[GW_GROUP_MAX_PORTS][32];
	int nports;
	bool fxs; /* all FXS ports (else all FXO) */
	/* hunt state (control thread) */
	int last;			     /* index last taken, -1: none */
	unsigned long used[GW_GROUP_MAX_PORTS]; /* when taken (a counter) */
	unsigned long clock;
};

/* Per-route actions: conf->routes[i].act, NULL when the route has none. */
struct gw_route_act {
	char rewrite[160];	/* as written (for copperctl route test) */
	void *rw_code;		/* pcre2_code * of the rewrite, owned */
	char rw_replace[96];	/* in PCRE2's syntax (\N -> ${N}) */
	bool rw_global;
	bool rw_route_regex;	/* `replace` with the route's own regex */
	char caller_number[32];
	char caller_name[64];
	int reject;		/* SIP status, 0: none */
	int group;		/* to = "group:NAME": 1 + index, 0: none */
	bool failover;		/* on failure try the next matching route */
	int max_calls;		/* concurrent calls by the route, 0: any */
	int max_duration_s;	/* hang up this long after the answer */
	bool redirect;		/* redirect = URI: 302 to SIP callers */
};

/*
 * A call's place in the dial plan, for failover: the number as dialled
 * and the route it took (its index), so that the next matching route can
 * be tried on SIP 5xx/408 or when every line is busy.
 */
struct gw_route_try {
	char dialled[64];
	int route; /* 1 + its index in conf->routes, 0: none */
	struct su_timer_s *dur_timer; /* max_duration_s, NULL: none */
	bool ringall; /* other phones may ring for the call (ring-all) */
	struct su_timer_s *ring_timer; /* ring_timeout_s (fork.h) */
};

/* ---- configuration (conf.c calls these) ---- */

/*
 * Read a route's action keys (rewrite, replace, caller_number,
 * caller_name, reject, failover, max_calls, max_duration_s; after its
 * `regex` was compiled). 0 or -EINVAL.
 */
int gw_routeact_conf_route(struct gw_conf_ctx *c, const config_setting_t *e,
			   const char *base, struct gw_conf_route *rt);
/* to = "group:NAME": 0 or a file:line:key error. */
int gw_routeact_conf_to(struct gw_conf_ctx *c, const config_setting_t *s,
			const char *base, const char *name,
			struct gw_conf_route *rt);
/* The top-level `groups` list (after ports). */
int gw_routeact_conf_groups(struct gw_conf_ctx *c,
			    const config_setting_t *root);
void gw_routeact_conf_free(struct gw_conf *conf);

/*
 * Are the actions of route x (in conf a) and route y (in conf b) the same
 * (hunt groups by name, ports and strategy)? For reload's report.
 */
bool gw_routeact_same(const struct gw_conf *a, const struct gw_conf_route *x,
		      const struct gw_conf *b, const struct gw_conf_route *y);

/* ---- at call time ---- */

/*
 * Apply the route's rewrite to `number` into out (size bytes): 1 if it
 * rewrote, 0 if the route has none (out = number), -EINVAL if the result
 * is not a number, -ENAMETOOLONG if it does not fit.
 */
int gw_routeact_rewrite(const struct gw_conf_route *rt, const char *number,
			char *out, size_t size);

/* Does the route fail over to the next match (`failover = true`)? */
bool gw_routeact_failover(const struct gw_conf_route *rt);
/* A SIP final status that fails over: 5xx or 408. */
bool gw_routeact_failover_status(int status);
/*
 * Does a call by route rt that failed with `status` go on to the next
 * target? 5xx, 408 (also our ring_timeout_s), and, when rt's list
 * (to = [ ... ], conf.h) has a next target, 486, 600 and 480 as well.
 */
bool gw_routeact_hunt_status(const struct gw_conf_route *rt, int status);

/*
 * A forked call's outcome (gateway/fork.h; RFC 3261 §16.7 step 6): the
 * index of the best of n final statuses (those below 300 are skipped):
 * a 6xx if any, else the lowest class, the first within it; -1: none.
 */
int gw_routeact_best_status(const int *status, int n);

/* The route's max_calls, 0 for no limit. */
int gw_routeact_max_calls(const struct gw_conf_route *rt);

/* The route's max_duration_s, 0 for no limit. */
int gw_routeact_max_duration(const struct gw_conf_route *rt);

/*
 * `redirect = "sip:${number}@HOST"` (gateway/fwd.h): the route's URI is
 * the redirect target; an INVITE from SIP gets 302 Moved Temporarily
 * with it as Contact and a Diversion, a phone's call goes to it.
 */
bool gw_routeact_redirect(const struct gw_conf_route *rt);

/* The route's reject status, 0 for none. */
int gw_routeact_reject(const struct gw_conf_route *rt);

/* Caller ID set by the route ("" when not set), never NULL. */
const char *gw_routeact_caller_number(const struct gw_conf_route *rt);
const char *gw_routeact_caller_name(const struct gw_conf_route *rt);

/* The route's hunt group, NULL for none. */
struct gw_route_group *gw_routeact_group(const struct gw_conf *conf,
					 const struct gw_conf_route *rt);
/*
 * Hunt: the index in g->ports of the port to take, by g's strategy,
 * asking idle(ctx, port name) which ports are free; -EBUSY when none is.
 * Marks the port taken (for circular and round-robin).
 */
int gw_routeact_hunt(struct gw_route_group *g,
		     bool (*idle)(void *ctx, const char *port), void *ctx);

/* One line on the route's actions for explain (`off` as strbuf.h). */
void gw_routeact_explain(const struct gw_conf *conf,
			 const struct gw_conf_route *rt, char *buf,
			 size_t size, size_t *off);

const char *gw_routeact_strategy_name(enum gw_group_strategy s);

#endif
