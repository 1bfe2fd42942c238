/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * route: the dial plan. Routes are tried in file order; the first whose
 * `from` matches the call's source and whose `prefix` starts the number
 * wins. The number is then rewritten (strip, then prepend) and the target
 * resolved: a URI gets ${number} replaced by the rewritten number (every
 * occurrence). A strip longer than the number leaves it empty; a route that
 * would leave an empty number with nothing to prepend is skipped and the
 * scan goes on.
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

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

#endif
