// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * route: the dial plan lookup (see route.h). A linear scan of at most
 * GW_CONF_MAX_ROUTES entries; only a regex match allocates (PCRE2's match
 * data), on the control thread.
 */
#include <errno.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/route.h"
#include "gateway/callfeat.h"
#include "gateway/routeact.h"
#include "gateway/strbuf.h"
#include "gateway/trunk.h"

#define VAR "${number}"

static bool valid_number(const char *s)
{
	size_t len = strlen(s);

	return len < sizeof(((struct gw_route_result *)0)->number) &&
	       strspn(s, "0123456789*#+") == len;
}

/* Copy `tmpl` into dst replacing each ${number}; -ENAMETOOLONG if cut. */
static int expand(char *dst, size_t size, const char *tmpl,
		  const char *number)
{
	size_t n = 0, vlen = strlen(VAR), nlen = strlen(number);

	while (*tmpl) {
		const char *src = tmpl;
		size_t len = 1;

		if (strncmp(tmpl, VAR, vlen) == 0) {
			src = number;
			len = nlen;
			tmpl += vlen;
		} else {
			tmpl++;
		}
		if (n + len >= size)
			return -ENAMETOOLONG;
		memcpy(dst + n, src, len);
		n += len;
	}
	dst[n] = '\0';
	return 0;
}

/* ---- Asterisk-style patterns ---- */

/*
 * One element of a pattern at p: does it take character c? *len gets the
 * element's length in the pattern. -1 for a malformed element.
 */
static int element(const char *p, char c, size_t *len)
{
	*len = 1;
	switch (*p) {
	case 'X':
	case 'x':
		return c >= '0' && c <= '9';
	case 'Z':
	case 'z':
		return c >= '1' && c <= '9';
	case 'N':
	case 'n':
		return c >= '2' && c <= '9';
	case '[': {
		const char *q = p + 1;
		bool hit = false;

		while (*q && *q != ']') {
			if (!strchr("0123456789*#+", *q) && *q != ',')
				return -1;
			if (q[1] == '-' && q[2] && q[2] != ']') {
				if (q[2] < q[0] || !strchr("0123456789", q[2]))
					return -1;
				hit |= c >= q[0] && c <= q[2];
				q += 3;
				continue;
			}
			hit |= *q == c;
			q++;
		}
		if (*q != ']' || q == p + 1)
			return -1;
		*len = (size_t)(q - p) + 1;
		return hit;
	}
	default:
		if (!strchr("0123456789*#+", *p))
			return -1;
		return *p == c;
	}
}

/* The pattern part after '_' against s (see gw_route_pattern_match). */
static bool pat(const char *p, const char *s, bool *more)
{
	size_t len;

	for (;;) {
		if (!*p) {
			*more = false;
			return !*s;
		}
		if (*p == '.' && !p[1]) {
			*more = true;
			return *s != 0;
		}
		if (*p == '!' && !p[1]) {
			*more = true;
			return true;
		}
		if (!*s) {
			*more = true; /* the rest of the pattern wants digits */
			return false;
		}
		if (element(p, *s, &len) != 1) {
			*more = false;
			return false;
		}
		p += len;
		s++;
	}
}

bool gw_route_pattern_match(const char *pattern, const char *s, bool *more)
{
	bool m;

	if (!more)
		more = &m;
	if (pattern[0] != '_') {
		size_t n = strlen(s);

		*more = n < strlen(pattern) && !strncmp(pattern, s, n);
		return !strcmp(pattern, s);
	}
	return pat(pattern + 1, s, more);
}

int gw_route_pattern_check(const char *pattern, char *why, size_t size)
{
	const char *p = pattern;
	size_t len;

	if (!*p) {
		snprintf(why, size, "empty");
		return -EINVAL;
	}
	if (*p != '_') {
		if (strspn(p, "0123456789*#+") != strlen(p)) {
			snprintf(why, size, "a number may only contain 0-9 * # +"
					    " (a pattern starts with _)");
			return -EINVAL;
		}
		return 0;
	}
	if (!*++p) {
		snprintf(why, size, "nothing after _");
		return -EINVAL;
	}
	for (; *p; p += len) {
		if ((*p == '.' || *p == '!') && !p[1]) {
			len = 1;
			continue;
		}
		if (element(p, '0', &len) < 0) {
			snprintf(why, size, "bad element at \"%s\" (X Z N [..]"
					    " 0-9 * # +, a final . or !)", p);
			return -EINVAL;
		}
	}
	return 0;
}

/* The broken-down time of `when` in `tz` ("" = the system's zone). */
static void local_tm(const char *tz, time_t when, struct tm *tm)
{
	char *old, saved[128];
	bool had;

	if (!tz[0]) {
		localtime_r(&when, tm);
		return;
	}
	/* glibc has no per-call zone: TZ, briefly (control thread only) */
	old = getenv("TZ");
	had = old != NULL;
	if (had)
		snprintf(saved, sizeof(saved), "%s", old);
	setenv("TZ", tz, 1);
	tzset();
	localtime_r(&when, tm);
	if (had)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
}

/* Do the route's time conditions (conf.h) hold at `when`? */
static bool time_ok(const struct gw_conf_route *rt, time_t when)
{
	struct tm tm;
	int min;
	long date;

	if (!rt->days[0] && !rt->hours[0] && !rt->dates[0])
		return true;
	local_tm(rt->timezone, when, &tm);
	if (rt->days[0] && !(rt->day_mask & (1u << tm.tm_wday)))
		return false;
	min = tm.tm_hour * 60 + tm.tm_min;
	if (rt->hours[0] &&
	    !(rt->min_from < rt->min_to
		      ? min >= rt->min_from && min < rt->min_to
		      : min >= rt->min_from || min < rt->min_to))
		return false;
	if (!rt->dates[0])
		return true;
	date = (long)(tm.tm_mon + 1) * 100 + tm.tm_mday;
	if (rt->date_years)
		date += (long)(tm.tm_year + 1900) * 10000;
	if (rt->date_years || rt->date_from <= rt->date_to)
		return date >= rt->date_from && date <= rt->date_to;
	return date >= rt->date_from || date <= rt->date_to; /* Dec..Jan */
}

/*
 * Does route rt take `number` as a whole (or by prefix)? *more: could a
 * longer number that starts with it be taken too?
 */
static bool route_matches(const struct gw_conf_route *rt, const char *number,
			  bool *more)
{
	if (rt->pattern[0])
		return gw_route_pattern_match(rt->pattern, number, more);
	if (rt->regex_code) {
		pcre2_match_data *md =
			pcre2_match_data_create_from_pattern(rt->regex_code,
							     NULL);
		size_t len = strlen(number);
		int r;
		bool full;

		if (!md) {
			*more = false;
			return false;
		}
		r = pcre2_match(rt->regex_code, (PCRE2_SPTR)number, len, 0,
				PCRE2_ENDANCHORED, md, NULL);
		full = r >= 0;
		r = pcre2_match(rt->regex_code, (PCRE2_SPTR)number, len, 0,
				PCRE2_PARTIAL_HARD, md, NULL);
		*more = r == PCRE2_ERROR_PARTIAL;
		pcre2_match_data_free(md);
		return full;
	}
	{
		size_t n = strlen(number), plen = strlen(rt->prefix);

		if (n < plen) { /* not yet: it may come */
			*more = !strncmp(rt->prefix, number, n);
			return false;
		}
		/* a prefix takes any longer number too, if it has it */
		*more = !strncmp(number, rt->prefix, plen);
		return *more;
	}
}

static enum gw_route_collect collect_at(const struct gw_conf *conf,
					enum gw_conf_route_from from,
					const char *digits, time_t when)
{
	bool earlier_more = false;

	for (int i = 0; i < conf->nroutes; i++) {
		const struct gw_conf_route *rt = &conf->routes[i];
		bool more;

		if (rt->chain) /* a list's further target: as its route */
			continue;
		if ((rt->from != GW_ROUTE_FROM_ANY && rt->from != from) ||
		    !time_ok(rt, when))
			continue;
		if (route_matches(rt, digits, &more))
			return more || earlier_more ? GW_ROUTE_MORE
						    : GW_ROUTE_COMPLETE;
		earlier_more |= more;
	}
	return earlier_more ? GW_ROUTE_MORE : GW_ROUTE_NOMATCH;
}

enum gw_route_collect gw_route_collect(const struct gw_conf *conf,
				       enum gw_conf_route_from from,
				       const char *digits)
{
	return collect_at(conf, from, digits, time(NULL));
}

static const char *from_name(enum gw_conf_route_from f)
{
	static const char *const n[] = { "any", "sip", "fxs", "fxo", "disa" };

	return (size_t)f < sizeof(n) / sizeof(n[0]) ? n[f] : "?";
}

/* What a route tests the number with, for explain(). */
static void describe(const struct gw_conf_route *rt, char *d, size_t size)
{
	if (rt->pattern[0])
		snprintf(d, size, "pattern %s", rt->pattern);
	else if (rt->regex_code)
		snprintf(d, size, "regex %s", rt->regex);
	else if (rt->prefix[0])
		snprintf(d, size, "prefix %s", rt->prefix);
	else
		snprintf(d, size, "any number");
}

/* explain()'s last line for a route that places the call. */
static void result_target(const struct gw_route_result *res, char *buf,
			  size_t size, size_t *off)
{
	gw_strbuf_add(buf, size, off, "result: number %s -> ", res->number);
	if (res->route->to == GW_ROUTE_TO_USER)
		gw_strbuf_add(buf, size, off, "every registered contact of "
			      "user %s at once (SIP callers: 302 to them)\n",
			      res->uri + 5);
	else if (res->route->to == GW_ROUTE_TO_URI)
		gw_strbuf_add(buf, size, off, "SIP %s\n", res->uri);
	else if (res->route->to == GW_ROUTE_TO_DISA)
		gw_strbuf_add(buf, size, off, "%s on an idle FXO line (PIN, "
			      "then a number from disa)\n", res->route->uri);
	else if (res->port)
		gw_strbuf_add(buf, size, off, "port %s\n", res->port->name);
	else if (res->route->to == GW_ROUTE_TO_FXO)
		gw_strbuf_add(buf, size, off, "any idle FXO line\n");
	else
		gw_strbuf_add(buf, size, off, "no phone has extension %s: "
			      "rejected\n", res->number);
}

/* One target of a list, as written. */
static void target_name(const struct gw_conf *conf,
			const struct gw_conf_route *rt, char *d, size_t size)
{
	static const char *const kind[] = {
		[GW_ROUTE_TO_FXO] = "fxo", [GW_ROUTE_TO_FXS] = "fxs",
	};

	if (rt->trunk && rt->trunk <= conf->ntrunks)
		snprintf(d, size, "trunk:%s", conf->trunks[rt->trunk - 1].name);
	else if (rt->to == GW_ROUTE_TO_URI || rt->to == GW_ROUTE_TO_USER)
		snprintf(d, size, "%s", rt->uri);
	else if (rt->port_name[0])
		snprintf(d, size, "%s:%s", kind[rt->to], rt->port_name);
	else
		snprintf(d, size, "%s", kind[rt->to]);
}

/* to = [ ... ]: the targets in the order they are tried (fork.h). */
static void chain_explain(const struct gw_conf *conf,
			  const struct gw_conf_route *rt, char *buf,
			  size_t size, size_t *off)
{
	int i = (int)(rt - conf->routes);
	char d[300];

	if (!rt->chain_next && !rt->chain && !rt->ring_timeout_s)
		return;
	if (rt->chain_next || rt->chain) {
		i -= rt->chain;
		gw_strbuf_add(buf, size, off, "targets in order (the next on "
			      "busy, 5xx, 408, 480 or no answer):");
		do {
			target_name(conf, &conf->routes[i], d, sizeof(d));
			gw_strbuf_add(buf, size, off, " %d. %s",
				      conf->routes[i].chain + 1, d);
		} while (conf->routes[i++].chain_next && i < conf->nroutes);
		gw_strbuf_add(buf, size, off, "\n");
	}
	if (rt->ring_timeout_s)
		gw_strbuf_add(buf, size, off, "ring_timeout_s: %d (unanswered "
			      "after it: the next target, else given up)\n",
			      rt->ring_timeout_s);
}

int gw_route_explain(const struct gw_conf *conf, enum gw_conf_route_from from,
		     const char *number, time_t when, char *buf, size_t size)
{
	static const char *const coll[] = {
		[GW_ROUTE_NOMATCH] = "no route can ever match: reorder at once",
		[GW_ROUTE_MORE] = "waits for more digits (or the digit timeout)",
		[GW_ROUTE_COMPLETE] = "dials at once",
	};
	struct gw_route_result res;
	size_t off = 0;
	int r = gw_route_lookup_at(conf, from, number, when, &res);

	buf[0] = 0;
	if (r == -EINVAL) {
		gw_strbuf_add(buf, size, &off, "error: '%s' from %s: a number is 0-9 * # +"
				     ", at most 63\n", number, from_name(from));
		return r;
	}
	for (int i = 0; i < conf->nroutes; i++) {
		const struct gw_conf_route *rt = &conf->routes[i];
		char d[200];
		bool more;

		if (rt->chain) /* shown with its route (chain_explain) */
			continue;
		describe(rt, d, sizeof(d));
		gw_strbuf_add(buf, size, &off, "route %d (line %d, from %s, %s): ", i,
		    rt->line, from_name(rt->from), d);
		if (rt->from != GW_ROUTE_FROM_ANY && rt->from != from) {
			gw_strbuf_add(buf, size, &off, "skipped: not from %s\n",
			    from_name(from));
			continue;
		}
		if (!time_ok(rt, when)) {
			char w[160];
			size_t wo = 0;

			w[0] = 0;
			if (rt->days[0])
				gw_strbuf_add(w, sizeof(w), &wo, " days %s", rt->days);
			if (rt->hours[0])
				gw_strbuf_add(w, sizeof(w), &wo, " hours %s", rt->hours);
			if (rt->dates[0])
				gw_strbuf_add(w, sizeof(w), &wo, " dates %s", rt->dates);
			if (rt->timezone[0])
				gw_strbuf_add(w, sizeof(w), &wo, " %s", rt->timezone);
			gw_strbuf_add(buf, size, &off, "skipped: not now (%s)\n", w + 1);
			continue;
		}
		if (!route_matches(rt, number, &more)) {
			gw_strbuf_add(buf, size, &off, "no match%s\n",
			    more ? " (yet: more digits could)" : "");
			continue;
		}
		if (r == 0 && res.route == rt)
			break;
		gw_strbuf_add(buf, size, &off, "matches, but leaves no number\n");
	}
	if (r == -ENOENT) {
		gw_strbuf_add(buf, size, &off, "result: no route: the call is rejected\n");
	} else if (r < 0) {
		gw_strbuf_add(buf, size, &off, "result: the rewritten number or URI is too"
				     " long\n");
	} else {
		gw_strbuf_add(buf, size, &off, "matches\n");
		gw_routeact_explain(conf, res.route, buf, size, &off);
		if (gw_routeact_reject(res.route)) {
			char reason[96];

			const char *rs = gw_callfeat_reason(
				gw_routeact_reject(res.route), reason,
				sizeof(reason));

			gw_strbuf_add(buf, size, &off, "result: rejected with "
				      "%d (Reason: %s)\n",
				      gw_routeact_reject(res.route),
				      rs ? rs : "none");
		} else if (gw_routeact_redirect(res.route) &&
			   from == GW_ROUTE_FROM_SIP) { /* fwd.h */
			gw_strbuf_add(buf, size, &off, "result: 302 Moved "
				      "Temporarily, Contact <%s>, Diversion "
				      "reason=unconditional\n", res.uri);
		} else if (gw_routeact_group(conf, res.route)) {
			gw_strbuf_add(buf, size, &off, "result: number %s -> "
				      "hunt group %s\n", res.number,
				      gw_routeact_group(conf,
							res.route)->name);
		} else {
			result_target(&res, buf, size, &off);
			chain_explain(conf, res.route, buf, size, &off);
		}
	}
	if (from == GW_ROUTE_FROM_FXS || from == GW_ROUTE_FROM_DISA)
		gw_strbuf_add(buf, size, &off, "dialling it on a phone: %s\n",
		    coll[collect_at(conf, from, number, when)]);
	return r;
}

/* The FXS/FXO port a route leads to, if one is fixed already. */
static const struct gw_conf_port *target_port(const struct gw_conf *conf,
					      const struct gw_conf_route *rt,
					      const char *number)
{
	if (rt->port_name[0])
		return gw_conf_port_by_name(conf, rt->port_name);
	if (rt->to != GW_ROUTE_TO_FXS || gw_routeact_group(conf, rt))
		return NULL;
	for (int i = 0; i < conf->nports; i++) {
		const struct gw_conf_port *p = &conf->ports[i];

		if (p->type == GW_CONF_PORT_FXS && p->extension[0] &&
		    strcmp(p->extension, number) == 0)
			return p;
	}
	return NULL;
}

int gw_route_lookup(const struct gw_conf *conf, enum gw_conf_route_from from,
		    const char *number, struct gw_route_result *res)
{
	return gw_route_lookup_at(conf, from, number, time(NULL), res);
}

static int lookup_from(const struct gw_conf *conf,
		       enum gw_conf_route_from from, const char *number,
		       time_t when, int first, struct gw_route_result *res);

int gw_route_lookup_at(const struct gw_conf *conf,
		       enum gw_conf_route_from from, const char *number,
		       time_t when, struct gw_route_result *res)
{
	return lookup_from(conf, from, number, when, 0, res);
}

int gw_route_lookup_next(const struct gw_conf *conf,
			 enum gw_conf_route_from from, const char *number,
			 int after, struct gw_route_result *res)
{
	if (after < 0)
		return -EINVAL;
	return lookup_from(conf, from, number, time(NULL), after + 1, res);
}

static int lookup_from(const struct gw_conf *conf,
		       enum gw_conf_route_from from, const char *number,
		       time_t when, int first, struct gw_route_result *res)
{
	struct gw_route_result out;

	if (!conf || !number || !res || from == GW_ROUTE_FROM_ANY ||
	    from > GW_ROUTE_FROM_DISA || !valid_number(number))
		return -EINVAL;

	for (int i = first; i < conf->nroutes; i++) {
		const struct gw_conf_route *rt = &conf->routes[i];
		size_t len;
		size_t strip = (size_t)(rt->strip > 0 ? rt->strip : 0);
		char rw[64];
		bool more;
		int r;

		if (rt->from != GW_ROUTE_FROM_ANY && rt->from != from)
			continue;
		/* a list's further target: only after the one before it */
		if (rt->chain &&
		    !(i == first && conf->routes[i - 1].chain_next))
			continue;
		if (!time_ok(rt, when) || !route_matches(rt, number, &more))
			continue;
		memset(&out, 0, sizeof(out));
		if (gw_routeact_reject(rt)) { /* refused: no number needed */
			snprintf(out.number, sizeof(out.number), "%s", number);
			out.route = rt;
			*res = out;
			return 0;
		}
		/* regex substitution first (routeact.h) */
		r = gw_routeact_rewrite(rt, number, rw, sizeof(rw));
		if (r == -ENAMETOOLONG)
			return r;
		if (r < 0) /* not a number any more: the route cannot */
			continue;
		len = strlen(rw);
		if (strip > len)
			strip = len;
		/* nothing left to dial: this route cannot place the call */
		if (strip == len && !rt->prepend[0])
			continue;

		r = snprintf(out.number, sizeof(out.number), "%s%s",
			     rt->prepend, rw + strip);
		if (r < 0 || (size_t)r >= sizeof(out.number))
			return -ENAMETOOLONG;
		if (rt->to == GW_ROUTE_TO_URI || rt->to == GW_ROUTE_TO_USER) {
			r = expand(out.uri, sizeof(out.uri), rt->uri,
				   out.number);
			if (r < 0)
				return r;
		}
		out.route = rt;
		out.port = target_port(conf, rt, out.number);
		*res = out;
		return 0;
	}
	return -ENOENT;
}
