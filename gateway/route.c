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
#include <string.h>

#include "gateway/route.h"

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
		*more = true; /* a prefix takes any longer number too */
		return !strncmp(number, rt->prefix, plen);
	}
}

enum gw_route_collect gw_route_collect(const struct gw_conf *conf,
				       enum gw_conf_route_from from,
				       const char *digits)
{
	bool earlier_more = false;

	for (int i = 0; i < conf->nroutes; i++) {
		const struct gw_conf_route *rt = &conf->routes[i];
		bool more;

		if (rt->from != GW_ROUTE_FROM_ANY && rt->from != from)
			continue;
		if (route_matches(rt, digits, &more))
			return more || earlier_more ? GW_ROUTE_MORE
						    : GW_ROUTE_COMPLETE;
		earlier_more |= more;
	}
	return earlier_more ? GW_ROUTE_MORE : GW_ROUTE_NOMATCH;
}

/* The FXS/FXO port a route leads to, if one is fixed already. */
static const struct gw_conf_port *target_port(const struct gw_conf *conf,
					      const struct gw_conf_route *rt,
					      const char *number)
{
	if (rt->port_name[0])
		return gw_conf_port_by_name(conf, rt->port_name);
	if (rt->to != GW_ROUTE_TO_FXS)
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
	struct gw_route_result out;

	if (!conf || !number || !res || from == GW_ROUTE_FROM_ANY ||
	    from > GW_ROUTE_FROM_FXO || !valid_number(number))
		return -EINVAL;

	for (int i = 0; i < conf->nroutes; i++) {
		const struct gw_conf_route *rt = &conf->routes[i];
		size_t len = strlen(number);
		size_t strip = (size_t)(rt->strip > 0 ? rt->strip : 0);
		bool more;
		int r;

		if (rt->from != GW_ROUTE_FROM_ANY && rt->from != from)
			continue;
		if (!route_matches(rt, number, &more))
			continue;
		if (strip > len)
			strip = len;
		/* nothing left to dial: this route cannot place the call */
		if (strip == len && !rt->prepend[0])
			continue;

		memset(&out, 0, sizeof(out));
		r = snprintf(out.number, sizeof(out.number), "%s%s",
			     rt->prepend, number + strip);
		if (r < 0 || (size_t)r >= sizeof(out.number))
			return -ENAMETOOLONG;
		if (rt->to == GW_ROUTE_TO_URI) {
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
