/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * route: the dial plan. Routes are tried in file order; the first whose
 * `from` matches the call's source and whose `prefix` starts the number
 * wins. The number is then rewritten (strip, then prepend) and the target
 * resolved: a URI gets ${number} replaced by the rewritten number.
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

#include "gateway/conf.h"

struct gw_route_result {
	const struct gw_conf_route *route;
	char number[64]; /* after strip/prepend */
	char uri[512];	 /* GW_ROUTE_TO_URI: the resolved URI */
};

/*
 * Find the route for `number` dialled from `from`. Returns 0 and fills *res,
 * -ENOENT if no route matches, -EINVAL for a number with characters other
 * than 0-9 * # + or longer than 63.
 */
int gw_route_lookup(const struct gw_conf *conf, enum gw_conf_route_from from,
		    const char *number, struct gw_route_result *res);

#endif
