/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * route: the dial plan. Routes are tried in file order; the first whose
 * `from` matches the call's source and whose number test passes wins:
 *  - `prefix`: the number starts with it ("" or absent: any number);
 *  - `pattern`: the whole number matches an Asterisk-style pattern: "_"
 *    then, per digit, X (0-9), Z (1-9), N (2-9), [1-5,8] (a set, with
 *    ranges), or a literal 0-9 * # +; a final "." stands for one or more
 *    further characters, a final "!" for zero or more. Without "_" the
 *    pattern is a literal number that must match exactly;
 *  - `regex`: the whole number matches a PCRE2 regular expression;
 * and, when it has them, whose time conditions hold (days of the week,
 * hours, dates, in its time zone: conf.h).
 * The number is then rewritten (strip, then prepend) and the target
 * resolved: a URI gets ${number} replaced by the rewritten number (every
 * occurrence). A strip longer than the number leaves it empty; a route that
 * would leave an empty number with nothing to prepend is skipped and the
 * scan goes on.
 *
 * Digit collection (FXS phones): gw_route_collect() says, for the digits
 * dialled so far, whether the first matching route is certain (no earlier
 * route could still match once more digits come, and this one takes no
 * more: dial now), whether more digits could still change the outcome
 * (wait), or whether no route can ever match (reject at once).
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "gateway/conf.h"

struct gw_route_result {
	const struct gw_conf_route *route;
	char number[64]; /* after strip/prepend */
	char uri[512];	 /* GW_ROUTE_TO_URI: the resolved URI */
	/*
	 * The port the call goes to when the route fixes one: "fxo:NAME" /
	 * "fxs:NAME", or for plain "fxs" the FXS port whose extension equals
	 * the rewritten number (NULL if none has it: the caller rejects the
	 * call, e.g. 404). NULL for plain "fxo" (any idle FXO port) and URIs.
	 */
	const struct gw_conf_port *port;
};

/*
 * Find the route for `number` dialled from `from`. Returns 0 and fills *res,
 * -ENOENT if no route matches, -EINVAL for a number with characters other
 * than 0-9 * # + or longer than 63 (or `from` not SIP/FXS/FXO),
 * -ENAMETOOLONG if the matching route's rewritten number (63) or URI (511)
 * would not fit. *res is written only on success.
 */
int gw_route_lookup(const struct gw_conf *conf, enum gw_conf_route_from from,
		    const char *number, struct gw_route_result *res);
/*
 * Failover (routeact.h): the next route after routes[after] that takes
 * `number`, now. As gw_route_lookup().
 */
int gw_route_lookup_next(const struct gw_conf *conf,
			 enum gw_conf_route_from from, const char *number,
			 int after, struct gw_route_result *res);
/* The same at time `when` (routes with time conditions, conf.h). */
int gw_route_lookup_at(const struct gw_conf *conf,
		       enum gw_conf_route_from from, const char *number,
		       time_t when, struct gw_route_result *res);

enum gw_route_collect {
	GW_ROUTE_NOMATCH = 0,  /* no route matches, nor ever will */
	GW_ROUTE_MORE,	       /* more digits could still change it */
	GW_ROUTE_COMPLETE,     /* a route matches and that is final */
};

enum gw_route_collect gw_route_collect(const struct gw_conf *conf,
				       enum gw_conf_route_from from,
				       const char *digits);

/*
 * Explain the decision for `number` from `from` (copperctl route test):
 * one line per route tried, saying why it was skipped or what it does,
 * then the outcome and, for a phone, what digit collection would do.
 * Writes at most `size` bytes (NUL-terminated); returns
 * gw_route_lookup()'s result.
 */
int gw_route_explain(const struct gw_conf *conf, enum gw_conf_route_from from,
		     const char *number, time_t when, char *buf, size_t size);

/*
 * Check an Asterisk-style pattern: 0, or -EINVAL with the reason in why
 * (for the configuration error).
 */
int gw_route_pattern_check(const char *pattern, char *why, size_t size);

/*
 * Match `s` against a pattern: true if it matches as a whole; *more (if
 * not NULL) says whether some longer string starting with s would match.
 */
bool gw_route_pattern_match(const char *pattern, const char *s, bool *more);

#endif
