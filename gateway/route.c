// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * route: the dial plan lookup (see route.h). A linear scan of at most
 * GW_CONF_MAX_ROUTES entries; nothing is allocated.
 */
#include <errno.h>
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
		size_t len = strlen(number), plen = strlen(rt->prefix);
		size_t strip = (size_t)(rt->strip > 0 ? rt->strip : 0);
		int r;

		if (rt->from != GW_ROUTE_FROM_ANY && rt->from != from)
			continue;
		if (strncmp(number, rt->prefix, plen) != 0)
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
