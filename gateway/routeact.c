// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * routeact: the dial plan's actions (see routeact.h): rewrite by regex
 * substitution, caller ID, reject with a cause, hunt groups, failover and
 * per-route limits (the call side of these is in call.c). Control thread
 * only; pcre2_substitute() allocates its match data per call.
 */
#include <errno.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/conf.h"
#include "gateway/conf_int.h"
#include "gateway/routeact.h"
#include "gateway/strbuf.h"

static const struct {
	const char *name;
	int status;
} reject_names[] = {
	{ "busy", 486 },	{ "forbidden", 403 },	{ "not-found", 404 },
	{ "unavailable", 480 }, { "congestion", 503 },	{ "decline", 603 },
};

static bool number_ok(const char *s)
{
	return strspn(s, "0123456789*#+") == strlen(s);
}

/* \N -> ${N}; -ENAMETOOLONG if it does not fit. */
static int pcre_replacement(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in; in++) {
		char tmp[8];
		const char *add = tmp;

		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '9') {
			snprintf(tmp, sizeof(tmp), "${%c}", in[1]);
			in++;
		} else {
			tmp[0] = *in;
			tmp[1] = 0;
		}
		if (n + strlen(add) >= size)
			return -ENAMETOOLONG;
		memcpy(out + n, add, strlen(add));
		n += strlen(add);
	}
	out[n] = 0;
	return 0;
}

static struct gw_route_act *act_of(struct gw_conf_route *rt)
{
	if (!rt->act) {
		rt->act = calloc(1, sizeof(*rt->act));
		if (!rt->act)
			abort();
	}
	return rt->act;
}

/* "s/RE/REPL/[g]" into its parts. */
static int parse_rewrite(struct gw_conf_ctx *c, const config_setting_t *s,
			 const char *base, struct gw_route_act *a)
{
	const char *v = a->rewrite, *p, *q;
	char re[160], repl[96];
	char d;
	int err;
	PCRE2_SIZE off;

	if (v[0] != 's' || !v[1] || strchr("0123456789\\", v[1]))
		goto bad;
	d = v[1];
	p = strchr(v + 2, d);
	if (!p)
		goto bad;
	q = strchr(p + 1, d);
	if (!q || (q[1] && strcmp(q + 1, "g") != 0))
		goto bad;
	snprintf(re, sizeof(re), "%.*s", (int)(p - v - 2), v + 2);
	snprintf(repl, sizeof(repl), "%.*s", (int)(q - p - 1), p + 1);
	if (!re[0])
		goto bad;
	a->rw_global = q[1] == 'g';
	if (pcre_replacement(repl, a->rw_replace, sizeof(a->rw_replace)) < 0)
		return gw_conf_fail(c, s, base, "rewrite",
				    "replacement too long");
	a->rw_code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0,
				   &err, &off, NULL);
	if (!a->rw_code) {
		PCRE2_UCHAR msg[96];

		pcre2_get_error_message(err, msg, sizeof(msg));
		return gw_conf_fail(c, s, base, "rewrite",
				    "\"%s\" at offset %zu: %s", re,
				    (size_t)off, (char *)msg);
	}
	return 0;
bad:
	return gw_conf_fail(c, s, base, "rewrite",
			    "\"%s\" must be s/REGEX/REPLACEMENT/ (or "
			    "s/../../g)", v);
}

static int parse_reject(struct gw_conf_ctx *c, const config_setting_t *s,
			const char *base, struct gw_route_act *a)
{
	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		int v = config_setting_get_int(s);

		if (v < 400 || v > 699)
			return gw_conf_fail(c, s, base, "reject",
					    "%d is out of range 400..699", v);
		a->reject = v;
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(s);

		for (size_t i = 0; i < sizeof(reject_names) /
				       sizeof(reject_names[0]); i++)
			if (strcmp(v, reject_names[i].name) == 0) {
				a->reject = reject_names[i].status;
				return 0;
			}
	}
	return gw_conf_fail(c, s, base, "reject",
			    "must be a SIP status 400..699 or \"busy\", "
			    "\"forbidden\", \"not-found\", \"unavailable\", "
			    "\"congestion\" or \"decline\"");
}

/* redirect = "sip:...": the route's URI, answered as 302 (fwd.h). */
static int parse_redirect(struct gw_conf_ctx *c, const config_setting_t *e,
			  const char *base, struct gw_conf_route *rt)
{
	config_setting_t *s;
	char v[sizeof(rt->uri)];
	int r;

	r = gw_conf_get_str(c, e, base, "redirect", v, sizeof(v), &s);
	if (r < 0 || !s)
		return r;
	if (strncmp(v, "sip:", 4) || !gw_conf_uri_ok(v))
		return gw_conf_fail(c, s, base, "redirect",
				    "\"%s\" is not a valid SIP URI", v);
	for (const char *var = strchr(v, '$'); var;
	     var = strchr(var + 1, '$'))
		if (strncmp(var, "${number}", 9) != 0)
			return gw_conf_fail(c, s, base, "redirect",
					    "only ${number} may follow $");
	if (gw_routeact_reject(rt))
		return gw_conf_fail(c, s, base, "redirect",
				    "only one of reject and redirect");
	if (config_setting_get_member(e, "to"))
		return gw_conf_fail(c, s, base, "redirect",
				    "only one of to and redirect");
	act_of(rt)->redirect = true;
	rt->to = GW_ROUTE_TO_URI;
	strcpy(rt->uri, v);
	return 0;
}

int gw_routeact_conf_route(struct gw_conf_ctx *c, const config_setting_t *e,
			   const char *base, struct gw_conf_route *rt)
{
	config_setting_t *s;
	char tmp[160];
	int r;

	tmp[0] = 0;
	r = gw_conf_get_str(c, e, base, "rewrite", tmp, sizeof(tmp), &s);
	if (r < 0)
		return r;
	if (s) {
		snprintf(act_of(rt)->rewrite, sizeof(rt->act->rewrite), "%s",
			 tmp);
		r = parse_rewrite(c, s, base, rt->act);
		if (r < 0)
			return r;
	}
	r = gw_conf_get_str(c, e, base, "replace", tmp, sizeof(tmp), &s);
	if (r < 0)
		return r;
	if (s) {
		struct gw_route_act *a = act_of(rt);

		if (!rt->regex_code)
			return gw_conf_fail(c, s, base, "replace",
					    "needs the route's regex");
		if (a->rw_code)
			return gw_conf_fail(c, s, base, "replace",
					    "only one of rewrite and replace");
		if (pcre_replacement(tmp, a->rw_replace,
				     sizeof(a->rw_replace)) < 0)
			return gw_conf_fail(c, s, base, "replace",
					    "too long");
		snprintf(a->rewrite, sizeof(a->rewrite), "regex -> %s", tmp);
		a->rw_route_regex = true;
	}
	r = gw_conf_get_str(c, e, base, "caller_number", tmp, 32, &s);
	if (r < 0)
		return r;
	if (s) {
		if (!tmp[0] || !number_ok(tmp))
			return gw_conf_fail(c, s, base, "caller_number",
					    "\"%s\" may only contain 0-9 * # +"
					    " (and not be empty)", tmp);
		strcpy(act_of(rt)->caller_number, tmp);
	}
	r = gw_conf_get_str(c, e, base, "caller_name", tmp, 64, &s);
	if (r < 0)
		return r;
	if (s) {
		if (strpbrk(tmp, "\"\\<>\r\n"))
			return gw_conf_fail(c, s, base, "caller_name",
					    "may not contain \" \\ < > or line"
					    " breaks");
		strcpy(act_of(rt)->caller_name, tmp);
	}
	s = config_setting_get_member(e, "failover");
	if (s) {
		bool fo = false;

		r = gw_conf_get_bool(c, e, base, "failover", &fo);
		if (r < 0)
			return r;
		if (fo)
			act_of(rt)->failover = true;
	}
	s = config_setting_get_member(e, "max_calls");
	if (s) {
		int n = 0;

		r = gw_conf_get_int(c, e, base, "max_calls", 1, 1000, &n,
				    NULL);
		if (r < 0)
			return r;
		act_of(rt)->max_calls = n;
	}
	s = config_setting_get_member(e, "max_duration_s");
	if (s) {
		int n = 0;

		r = gw_conf_get_int(c, e, base, "max_duration_s", 1, 86400,
				    &n, NULL);
		if (r < 0)
			return r;
		act_of(rt)->max_duration_s = n;
	}
	s = config_setting_get_member(e, "reject");
	if (s) {
		r = parse_reject(c, s, base, act_of(rt));
		if (r < 0)
			return r;
	}
	return parse_redirect(c, e, base, rt);
}

int gw_routeact_conf_to(struct gw_conf_ctx *c, const config_setting_t *s,
			const char *base, const char *name,
			struct gw_conf_route *rt)
{
	const struct gw_conf *conf = gw_conf_ctx_conf(c);

	for (int i = 0; i < conf->ngroups; i++) {
		if (strcmp(conf->groups[i].name, name) != 0)
			continue;
		rt->to = conf->groups[i].fxs ? GW_ROUTE_TO_FXS
					     : GW_ROUTE_TO_FXO;
		act_of(rt)->group = i + 1;
		return 0;
	}
	return gw_conf_fail(c, s, base, "to", "no group named \"%s\"", name);
}

static int load_group(struct gw_conf_ctx *c, const config_setting_t *e,
		      const char *base, struct gw_route_group *g)
{
	static const char *const keys[] = { "name", "ports", "strategy",
					    NULL };
	static const char *const strategies[] = { "linear", "circular",
						  "round-robin", "ring-all",
						  NULL };
	config_setting_t *sst;
	const struct gw_conf *conf = gw_conf_ctx_conf(c);
	config_setting_t *s;
	char st[16] = "linear";
	int r, n;

	r = gw_conf_named_entry(c, e, base, keys, g->name, sizeof(g->name),
				&s);
	if (r < 0)
		return r;
	if (!g->name[0])
		return gw_conf_fail(c, e, base, "name", "required key is "
				    "missing");
	/* the groups before it (gw_routeact_conf_groups loads in order) */
	r = gw_conf_name_unique(c, s, base, g->name, conf->groups[0].name,
				sizeof(conf->groups[0]),
				(int)(g - conf->groups), "group", "defined");
	if (r < 0)
		return r;
	r = gw_conf_get_str(c, e, base, "strategy", st, sizeof(st), &sst);
	if (r < 0)
		return r;
	for (r = 0; strategies[r] && strcmp(strategies[r], st); r++)
		;
	if (!strategies[r])
		return gw_conf_fail(c, sst, base, "strategy",
				    "must be \"linear\", \"circular\", "
				    "\"round-robin\" or \"ring-all\"");
	g->strategy = (enum gw_group_strategy)r;
	s = config_setting_get_member(e, "ports");
	if (!s)
		return gw_conf_fail(c, e, base, "ports",
				    "required key is missing");
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return gw_conf_fail(c, s, base, "ports",
				    "must be a list of port names [ ... ]");
	n = config_setting_length(s);
	if (n < 1 || n > GW_GROUP_MAX_PORTS)
		return gw_conf_fail(c, s, base, "ports",
				    "must name 1..%d ports",
				    GW_GROUP_MAX_PORTS);
	for (int i = 0; i < n; i++) {
		const char *pn = config_setting_get_string_elem(s, i);
		const struct gw_conf_port *p = pn ?
			gw_conf_port_by_name(conf, pn) : NULL;

		if (!p)
			return gw_conf_fail(c, s, base, "ports",
					    "no port named \"%s\"",
					    pn ? pn : "(not a string)");
		if (i == 0)
			g->fxs = p->type == GW_CONF_PORT_FXS;
		else if (g->fxs != (p->type == GW_CONF_PORT_FXS))
			return gw_conf_fail(c, s, base, "ports",
					    "mixes FXS and FXO ports (%s)",
					    pn);
		for (int j = 0; j < i; j++)
			if (!strcmp(g->ports[j], pn))
				return gw_conf_fail(c, s, base, "ports",
						    "%s listed twice", pn);
		snprintf(g->ports[i], sizeof(g->ports[i]), "%s", pn);
	}
	g->nports = n;
	g->last = -1;
	if (g->strategy == GW_GROUP_RING_ALL && !g->fxs)
		return gw_conf_fail(c, sst, base, "strategy",
				    "ring-all is for FXS ports (phones)");
	return 0;
}

int gw_routeact_conf_groups(struct gw_conf_ctx *c,
			    const config_setting_t *root)
{
	struct gw_conf *conf = gw_conf_ctx_conf(c);
	config_setting_t *list;
	int r, n;

	r = gw_conf_get_list(c, root, "groups", 64, &list);
	if (r < 0 || !list)
		return r;
	n = config_setting_length(list);
	conf->groups = calloc((size_t)n + 1, sizeof(*conf->groups));
	if (!conf->groups)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		char base[24];

		snprintf(base, sizeof(base), "groups.[%d]", i);
		conf->ngroups = i + 1;
		r = load_group(c, config_setting_get_elem(list, i), base,
			       &conf->groups[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

void gw_routeact_conf_free(struct gw_conf *conf)
{
	for (int i = 0; i < GW_CONF_MAX_ROUTES; i++) {
		struct gw_route_act *a = conf->routes[i].act;

		if (!a || conf->routes[i].chain) /* shared (conf.h) */
			continue;
		pcre2_code_free(a->rw_code);
		free(a);
		conf->routes[i].act = NULL;
	}
	free(conf->groups);
	conf->groups = NULL;
	conf->ngroups = 0;
}

bool gw_routeact_same(const struct gw_conf *a, const struct gw_conf_route *x,
		      const struct gw_conf *b, const struct gw_conf_route *y)
{
	struct gw_route_act p, q;
	const struct gw_route_group *g = gw_routeact_group(a, x);
	const struct gw_route_group *h = gw_routeact_group(b, y);

	if (!x->act || !y->act)
		return !x->act && !y->act;
	if (!g != !h || (g && (strcmp(g->name, h->name) ||
			       g->strategy != h->strategy ||
			       g->nports != h->nports ||
			       memcmp(g->ports, h->ports, sizeof(g->ports)))))
		return false;
	p = *x->act;
	q = *y->act;
	p.rw_code = q.rw_code = NULL;
	p.group = q.group = 0;
	return memcmp(&p, &q, sizeof(p)) == 0;
}

int gw_routeact_rewrite(const struct gw_conf_route *rt, const char *number,
			char *out, size_t size)
{
	const struct gw_route_act *a = rt->act;
	const pcre2_code *code;
	PCRE2_SIZE len = size;
	uint32_t opt = PCRE2_SUBSTITUTE_OVERFLOW_LENGTH;
	int r;

	if (!a || (!a->rw_code && !a->rw_route_regex)) {
		if ((size_t)snprintf(out, size, "%s", number) >= size)
			return -ENAMETOOLONG;
		return 0;
	}
	code = a->rw_route_regex ? rt->regex_code : a->rw_code;
	if (!code)
		return -EINVAL;
	if (a->rw_global)
		opt |= PCRE2_SUBSTITUTE_GLOBAL;
	if (a->rw_route_regex) /* the whole number, as the route matched */
		opt |= PCRE2_ENDANCHORED;
	r = pcre2_substitute(code, (PCRE2_SPTR)number, PCRE2_ZERO_TERMINATED,
			     0, opt, NULL, NULL, (PCRE2_SPTR)a->rw_replace,
			     PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)out, &len);
	if (r == PCRE2_ERROR_NOMEMORY)
		return -ENAMETOOLONG;
	if (r < 0)
		return -EINVAL;
	if (!out[0] || !number_ok(out))
		return -EINVAL;
	return 1;
}

bool gw_routeact_failover(const struct gw_conf_route *rt)
{
	/* to = [ ... ]: the list's next target (conf.h chain) */
	return rt && ((rt->act && rt->act->failover) || rt->chain_next);
}

bool gw_routeact_hunt_status(const struct gw_conf_route *rt, int status)
{
	if (gw_routeact_failover_status(status))
		return true;
	/* a list hunts on busy and on unavailable too */
	return rt && rt->chain_next &&
	       (status == 486 || status == 600 || status == 480);
}

bool gw_routeact_failover_status(int status)
{
	return (status >= 500 && status < 600) || status == 408;
}

int gw_routeact_best_status(const int *status, int n)
{
	int best = -1;

	for (int i = 0; i < n; i++) {
		int s = status[i];

		if (s < 300)
			continue;
		if (best < 0) {
			best = i;
			continue;
		}
		if (status[best] >= 600)
			continue; /* a 6xx is final for all */
		if (s >= 600 || s / 100 < status[best] / 100)
			best = i;
	}
	return best;
}

int gw_routeact_max_calls(const struct gw_conf_route *rt)
{
	return rt && rt->act ? rt->act->max_calls : 0;
}

int gw_routeact_max_duration(const struct gw_conf_route *rt)
{
	return rt && rt->act ? rt->act->max_duration_s : 0;
}

bool gw_routeact_redirect(const struct gw_conf_route *rt)
{
	return rt && rt->act && rt->act->redirect;
}

int gw_routeact_reject(const struct gw_conf_route *rt)
{
	return rt && rt->act ? rt->act->reject : 0;
}

const char *gw_routeact_caller_number(const struct gw_conf_route *rt)
{
	return rt && rt->act ? rt->act->caller_number : "";
}

const char *gw_routeact_caller_name(const struct gw_conf_route *rt)
{
	return rt && rt->act ? rt->act->caller_name : "";
}

struct gw_route_group *gw_routeact_group(const struct gw_conf *conf,
					 const struct gw_conf_route *rt)
{
	if (!conf || !rt || !rt->act || !rt->act->group ||
	    rt->act->group > conf->ngroups)
		return NULL;
	return &conf->groups[rt->act->group - 1];
}

int gw_routeact_hunt(struct gw_route_group *g,
		     bool (*idle)(void *ctx, const char *port), void *ctx)
{
	int best = -1;

	for (int k = 0; k < g->nports; k++) {
		int i = k;

		if (g->strategy == GW_GROUP_CIRCULAR)
			i = (g->last + 1 + k) % g->nports;
		if (!idle(ctx, g->ports[i]))
			continue;
		if (g->strategy != GW_GROUP_ROUND_ROBIN) {
			best = i;
			break;
		}
		if (best < 0 || g->used[i] < g->used[best])
			best = i;
	}
	if (best < 0)
		return -EBUSY;
	g->last = best;
	g->used[best] = ++g->clock;
	return best;
}

const char *gw_routeact_strategy_name(enum gw_group_strategy s)
{
	static const char *const n[] = { "linear", "circular", "round-robin",
					 "ring-all" };

	return (size_t)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

void gw_routeact_explain(const struct gw_conf *conf,
			 const struct gw_conf_route *rt, char *buf,
			 size_t size, size_t *off)
{
	const struct gw_route_act *a = rt->act;
	const struct gw_route_group *g = gw_routeact_group(conf, rt);

	if (!a)
		return;
	if (a->rewrite[0])
		gw_strbuf_add(buf, size, off, "  rewrite: %s\n", a->rewrite);
	if (a->max_calls)
		gw_strbuf_add(buf, size, off, "  at most %d call%s at once\n",
			      a->max_calls, a->max_calls == 1 ? "" : "s");
	if (a->max_duration_s)
		gw_strbuf_add(buf, size, off, "  hung up %d s after the "
			      "answer\n", a->max_duration_s);
	if (a->failover)
		gw_strbuf_add(buf, size, off, "  failover: on 5xx, timeout or "
			      "all lines busy the next matching route\n");
	if (a->redirect)
		gw_strbuf_add(buf, size, off, "  redirect: from SIP 302 Moved "
			      "Temporarily (Contact the URI, with Diversion);"
			      " a phone's call goes to the URI\n");
	if (a->caller_number[0] || a->caller_name[0])
		gw_strbuf_add(buf, size, off, "  caller ID: \"%s\" %s\n",
			      a->caller_name, a->caller_number);
	if (g) {
		gw_strbuf_add(buf, size, off, "  hunt group %s (%s):", g->name,
			      gw_routeact_strategy_name(g->strategy));
		for (int i = 0; i < g->nports; i++)
			gw_strbuf_add(buf, size, off, " %s", g->ports[i]);
		gw_strbuf_add(buf, size, off, "\n");
	}
}
