// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reload: SIGHUP and copperctl reload apply a new configuration without
 * dropping calls (reload.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/app.h"
#include "gateway/auth.h"
#include "gateway/conf.h"
#include "gateway/guard.h"
#include "gateway/line.h"
#include "gateway/log.h"
#include "gateway/notify.h"
#include "gateway/reload.h"
#include "gateway/strbuf.h"
#include "gateway/supervise.h"
#include "gateway/transport.h"
#include "gateway/trunk.h"

/* A replaced configuration some line may still point into. */
struct retired {
	struct gw_conf *conf;
	struct retired *next;
};

static struct {
	struct gw_app *app;
	const char *level, *ctl, *dev; /* command-line overrides */
	struct retired *retired;
	su_timer_t *gc_timer;
} rl;

/* What a reload did: applied parts, and keys that need a restart. */
struct report {
	char applied[1024];
	size_t aoff;
	char restart[4096];
	size_t roff;
	int nrestart;
};

static void applied(struct report *r, const char *what)
{
	gw_strbuf_add(r->applied, sizeof(r->applied), &r->aoff, "%s%s",
		      r->aoff ? ", " : "", what);
}

__attribute__((format(printf, 2, 3))) static void
restart(struct report *r, const char *fmt, ...)
{
	char key[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	gw_log(GW_LOG_WARNING, "reload", "needs a restart: %s", key);
	gw_strbuf_add(r->restart, sizeof(r->restart), &r->roff,
		      "needs a restart: %s\n", key);
	r->nrestart++;
}

static bool conf_owns_port(const struct gw_conf *c,
			   const struct gw_conf_port *p)
{
	return p >= &c->ports[0] && p < &c->ports[GW_CONF_MAX_PORTS];
}

/* Free every replaced configuration no line points into any more. */
static void gc(void)
{
	struct gw_app *app = rl.app;
	struct retired **pp = &rl.retired;

	while (*pp) {
		struct retired *e = *pp;
		bool used = false;

		for (int i = 0; i < app->nlines && !used; i++)
			used = conf_owns_port(e->conf, app->lines[i].conf);
		if (used) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		gw_log(GW_LOG_DEBUG, "reload",
		       "replaced configuration freed (no call uses it)");
		gw_conf_free(e->conf);
		free(e);
	}
}

static void on_gc(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *arg)
{
	gc();
}

int gw_reload_init(struct gw_app *app, const char *level_override,
		   const char *ctl_override, const char *dev_override)
{
	rl.app = app;
	rl.level = level_override;
	rl.ctl = ctl_override;
	rl.dev = dev_override;
	rl.gc_timer = su_timer_create(su_root_task(app->root), 0);
	return rl.gc_timer ? 0 : -ENOMEM;
}

void gw_reload_release(struct gw_app *app)
{
	if (rl.gc_timer)
		su_timer_destroy(rl.gc_timer);
	rl.gc_timer = NULL;
	while (rl.retired) {
		struct retired *e = rl.retired;

		rl.retired = e->next;
		gw_conf_free(e->conf);
		free(e);
	}
}

static bool line_idle(const struct gw_line *l)
{
	return !l->call &&
	       (l->state == GW_LINE_IDLE || l->state == GW_LINE_ALARM);
}

/* Equal but for the line they were read from. */
static bool port_same(const struct gw_conf_port *a,
		      const struct gw_conf_port *b)
{
	struct gw_conf_port x = *a, y = *b;

	x.line = y.line = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* Point line l at its port in the running configuration. */
static void repoint(struct gw_line *l)
{
	struct gw_app *app = l->app;
	int i = (int)(l - app->lines);
	const struct gw_conf_port *np = &app->conf->ports[i];
	const struct gw_conf_port *op = l->conf;
	bool sup_changed;

	if (op == np)
		return;
	sup_changed = l->type == GW_CONF_PORT_FXO &&
		      memcmp(&op->sup, &np->sup, sizeof(op->sup)) != 0;
	l->conf = np;
	if (!port_same(op, np))
		gw_log(GW_LOG_INFO, "reload", "port %s: new settings in use",
		       np->name);
	if (sup_changed) { /* its tone waits are computed at init */
		gw_sup_release(l);
		if (gw_sup_init(l) < 0)
			gw_log(GW_LOG_ERR, "reload",
			       "port %s: supervision: out of memory", np->name);
	}
	if (rl.gc_timer && rl.retired)
		su_timer_set_interval(rl.gc_timer, on_gc, NULL, 0);
}

void gw_reload_line_idle(struct gw_line *l)
{
	if (rl.app && line_idle(l))
		repoint(l);
}

/*
 * Ports: the new conf's ports[i] becomes the port of line i (same name);
 * what cannot change live keeps its running value.
 */
static int reload_ports(struct gw_app *app, struct gw_conf *nc,
			struct report *r)
{
	const struct gw_conf *oc = app->conf;
	struct gw_conf_port *tmp;
	bool used[GW_CONF_MAX_PORTS] = { false };
	char names[512];
	size_t noff = 0;

	tmp = calloc(GW_CONF_MAX_PORTS, sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	names[0] = 0;
	for (int i = 0; i < app->nlines; i++) {
		const struct gw_conf_port *cur = &oc->ports[i];
		const struct gw_conf_port *np = NULL;
		struct gw_conf_port p;

		for (int k = 0; k < nc->nports; k++)
			if (strcmp(nc->ports[k].name, cur->name) == 0) {
				np = &nc->ports[k];
				used[k] = true;
			}
		tmp[i] = *cur;
		if (!np) {
			restart(r, "ports.%s (removed from the file)",
				cur->name);
			continue;
		}
		if (np->channel != cur->channel) {
			restart(r, "ports.%s.channel", cur->name);
			continue;
		}
		if (np->type != cur->type) {
			restart(r, "ports.%s.type", cur->name);
			continue;
		}
		p = *np;
#define KEEP(field, key)                                                \
	do {                                                            \
		if (memcmp(&p.field, &cur->field, sizeof(p.field))) {   \
			restart(r, "ports.%s." key, cur->name);         \
			memcpy(&p.field, &cur->field, sizeof(p.field)); \
		}                                                       \
	} while (0)
		KEEP(zone, "zone");
		KEEP(callerid, "callerid");
		KEEP(echo_canceller, "echo_canceller");
		KEEP(echo_kernel, "echo_canceller");
		KEEP(echo_tail_ms, "echo_tail_ms");
		KEEP(rx_gain_db, "rx_gain_db");
		KEEP(tx_gain_db, "tx_gain_db");
		KEEP(flash_min_ms, "flash_min_ms");
		KEEP(flash_max_ms, "flash_max_ms");
#undef KEEP
		if (!port_same(&p, cur))
			gw_strbuf_add(names, sizeof(names), &noff, " %s",
				      p.name);
		tmp[i] = p;
	}
	for (int k = 0; k < nc->nports; k++)
		if (!used[k])
			restart(r, "ports.%s (added)", nc->ports[k].name);
	memcpy(nc->ports, tmp, sizeof(nc->ports));
	nc->nports = app->nlines;
	free(tmp);
	if (noff) {
		char a[600];

		snprintf(a, sizeof(a), "ports%s", names);
		applied(r, a);
	}
	return 0;
}

static bool trunk_same(const struct gw_conf_trunk *a,
		       const struct gw_conf_trunk *b)
{
	struct gw_conf_trunk x = *a, y = *b;

	x.line = y.line = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* Drop route i (its regex is freed with the conf: kept past nroutes). */
static void drop_route(struct gw_conf *nc, int i)
{
	struct gw_conf_route d = nc->routes[i];

	memmove(&nc->routes[i], &nc->routes[i + 1],
		(size_t)(nc->nroutes - i - 1) * sizeof(nc->routes[0]));
	nc->routes[--nc->nroutes] = d;
}

/* Port accounts (trunk.h) keep running as they started: a changed,
 * added or removed one needs a restart. */
static void reload_accounts(const struct gw_conf *oc,
			    const struct gw_conf *nc, struct report *r)
{
	const struct gw_conf_trunk *a = oc->trunks + oc->ntrunks;
	const struct gw_conf_trunk *b = nc->trunks + nc->ntrunks;

	for (int i = 0; i < oc->naccounts; i++) {
		int k;

		for (k = 0; k < nc->naccounts; k++)
			if (!strcmp(a[i].name, b[k].name))
				break;
		if (k == nc->naccounts)
			restart(r, "ports.%s.account (removed)", a[i].name);
		else if (!trunk_same(&a[i], &b[k]))
			restart(r, "ports.%s.account", a[i].name);
	}
	for (int k = 0; k < nc->naccounts; k++) {
		int i;

		for (i = 0; i < oc->naccounts; i++)
			if (!strcmp(a[i].name, b[k].name))
				break;
		if (i == oc->naccounts)
			restart(r, "ports.%s.account (added)", b[k].name);
	}
}

/*
 * Trunks: the running ones (app->trunks point into the old conf's array)
 * stay; the new conf takes over their array, and its routes are re-pointed
 * by trunk name.
 */
static void reload_trunks(struct gw_app *app, struct gw_conf *nc,
			  struct report *r)
{
	struct gw_conf *oc = app->conf;
	struct gw_conf_trunk *t;
	bool same = oc->ntrunks == nc->ntrunks;
	int n;

	for (int i = 0; same && i < oc->ntrunks; i++)
		same = trunk_same(&oc->trunks[i], &nc->trunks[i]);
	if (!same) {
		for (int i = 0; i < oc->ntrunks; i++) {
			int k;

			for (k = 0; k < nc->ntrunks; k++)
				if (!strcmp(nc->trunks[k].name,
					    oc->trunks[i].name))
					break;
			if (k == nc->ntrunks)
				restart(r, "trunks.%s (removed)",
					oc->trunks[i].name);
			else if (!trunk_same(&oc->trunks[i], &nc->trunks[k]))
				restart(r, "trunks.%s", oc->trunks[i].name);
		}
		for (int k = 0; k < nc->ntrunks; k++) {
			int i;

			for (i = 0; i < oc->ntrunks; i++)
				if (!strcmp(nc->trunks[k].name,
					    oc->trunks[i].name))
					break;
			if (i == oc->ntrunks)
				restart(r, "trunks.%s (added)",
					nc->trunks[k].name);
		}
		for (int i = 0; i < nc->nroutes;) {
			struct gw_conf_route *rt = &nc->routes[i];
			const char *name;
			int k;

			if (!rt->trunk) {
				i++;
				continue;
			}
			name = nc->trunks[rt->trunk - 1].name;
			for (k = 0; k < oc->ntrunks; k++)
				if (!strcmp(oc->trunks[k].name, name))
					break;
			if (k == oc->ntrunks) {
				restart(r, "routes (line %d: trunk %s is not "
					"running; route left out)",
					rt->line, name);
				drop_route(nc, i);
				continue;
			}
			rt->trunk = k + 1;
			snprintf(rt->uri, sizeof(rt->uri), "sip:${number}@%s",
				 oc->trunks[k].domain);
			i++;
		}
	}
	reload_accounts(oc, nc, r);
	/* swap: the running array to the new conf, the new one is freed
	 * with the old conf */
	t = oc->trunks;
	n = oc->ntrunks;
	oc->trunks = nc->trunks;
	oc->ntrunks = nc->ntrunks;
	nc->trunks = t;
	nc->ntrunks = n;
	n = oc->naccounts;
	oc->naccounts = nc->naccounts;
	nc->naccounts = n;
}

/* General, card and SIP keys that keep their running value. */
static void reload_fixed(struct gw_app *app, struct gw_conf *nc,
			 struct report *r)
{
	struct gw_conf *oc = app->conf;
	struct gw_conf_tp *tp;

	if (rl.ctl)
		snprintf(nc->control_socket, sizeof(nc->control_socket), "%s",
			 rl.ctl);
	if (rl.dev)
		snprintf(nc->card_device, sizeof(nc->card_device), "%s",
			 rl.dev);
#define KEEP(field, key)                                                \
	do {                                                            \
		if (memcmp(&nc->field, &oc->field, sizeof(nc->field))) { \
			restart(r, key);                                \
			memcpy(&nc->field, &oc->field, sizeof(nc->field)); \
		}                                                       \
	} while (0)
	KEEP(control_socket, "general.control_socket");
	KEEP(card_driver, "card.driver");
	KEEP(card_device, "card.device");
	KEEP(media_threads, "card.media_threads");
	KEEP(sip_host, "sip.listen");
	KEEP(sip_port, "sip.listen");
	KEEP(rtp_port_min, "sip.rtp_ports");
	KEEP(rtp_port_max, "sip.rtp_ports");
	KEEP(rtp_timeout_s, "sip.rtp_timeout_s");
	KEEP(dtmf_lookahead_ms, "sip.dtmf_lookahead_ms");
	KEEP(session_timer_s, "sip.session_timer_s"); /* nua's (callfeat.c) */
	KEEP(session_min_se_s, "sip.session_min_se_s");
#undef KEEP
	/* transports: nua was created with them; the running set stays */
	if (oc->tp && nc->tp) {
#define KEEP(field, key)                                                \
	do {                                                            \
		if (memcmp(&nc->tp->field, &oc->tp->field,              \
			   sizeof(nc->tp->field)))                      \
			restart(r, key);                                \
	} while (0)
		KEEP(tcp, "sip.tcp");
		KEEP(tls_host, "sip.tls_listen");
		KEEP(tls_port, "sip.tls_listen");
		KEEP(tls_cert, "sip.tls_certificate");
		KEEP(tls_key, "sip.tls_key");
		KEEP(tls_ca, "sip.tls_ca_file");
		KEEP(tls_verify_peer, "sip.tls_verify_peer");
		KEEP(external, "sip.external_address");
		KEEP(keepalive_s, "sip.keepalive_s");
		KEEP(resolv_conf, "sip.resolv_conf");
		KEEP(also_host, "sip.also_listen");
		KEEP(also_port, "sip.also_listen");
#undef KEEP
	} else if (!oc->tp != !nc->tp) {
		restart(r, "sip transports");
	}
	tp = oc->tp;
	oc->tp = nc->tp;
	nc->tp = tp;
}

static void reload_security(struct gw_app *app, struct gw_conf *nc,
			    struct report *r)
{
	const struct gw_conf *oc = app->conf;
	const struct gw_conf_sec *os = oc->sec, *ns = nc->sec;
	struct gw_auth *a;
	int e;

	if (oc->ntrusted != nc->ntrusted ||
	    memcmp(oc->trusted, nc->trusted,
		   (size_t)nc->ntrusted * sizeof(nc->trusted[0])))
		applied(r, "sip.trusted");
	if (!os || !ns || !memcmp(os, ns, sizeof(*os)))
		return;
	applied(r, "security");
	if (os->nusers == ns->nusers && !strcmp(os->realm, ns->realm) &&
	    os->nonce_ttl_s == ns->nonce_ttl_s &&
	    !memcmp(os->users, ns->users,
		    (size_t)ns->nusers * sizeof(ns->users[0])))
		return;
	/* users or realm: a new digest module (built from app->conf) */
	{
		struct gw_conf *keep = app->conf;

		app->conf = nc;
		e = gw_auth_alloc(&a, app);
		app->conf = keep;
	}
	if (e < 0) {
		gw_log(GW_LOG_ERR, "reload", "sip.users: %s: the running "
		       "users stay", strerror(-e));
		restart(r, "sip.users (%s)", strerror(-e));
		return;
	}
	gw_auth_free(app->auth);
	app->auth = a;
}

static void reload_cdr(struct gw_app *app, struct gw_conf *nc,
		       struct report *r)
{
	struct gw_conf *oc = app->conf;
	struct gw_cdr *cdr = NULL;
	char err[256];

	if (!strcmp(oc->cdr_db, nc->cdr_db) && !strcmp(oc->cdr_csv, nc->cdr_csv))
		return;
	if (nc->cdr_db[0] &&
	    gw_cdr_open(&cdr, nc->cdr_db, nc->cdr_csv, err, sizeof(err)) < 0) {
		gw_log(GW_LOG_ERR, "reload", "general.cdr_db: %s: the running "
		       "call records stay", err);
		restart(r, "general.cdr_db (%s)", err);
		snprintf(nc->cdr_db, sizeof(nc->cdr_db), "%s", oc->cdr_db);
		snprintf(nc->cdr_csv, sizeof(nc->cdr_csv), "%s", oc->cdr_csv);
		return;
	}
	gw_cdr_close(app->cdr);
	app->cdr = cdr;
	applied(r, "call records");
}

static bool routes_same(const struct gw_conf *a, const struct gw_conf *b)
{
	if (a->nroutes != b->nroutes)
		return false;
	for (int i = 0; i < a->nroutes; i++) {
		struct gw_conf_route x = a->routes[i], y = b->routes[i];

		x.regex_code = y.regex_code = NULL;
		x.line = y.line = 0;
		if (!gw_routeact_same(a, &x, b, &y)) /* routeact.h */
			return false;
		x.act = y.act = NULL;
		if (memcmp(&x, &y, sizeof(x)))
			return false;
	}
	return true;
}

/* SIP media settings read at each call's set-up. */
static bool callsetup_same(const struct gw_conf *a, const struct gw_conf *b)
{
	return a->srtp == b->srtp && a->rtp_dscp == b->rtp_dscp &&
	       a->te_pt == b->te_pt && a->jitter_fixed == b->jitter_fixed &&
	       a->jitter_delay_ms == b->jitter_delay_ms &&
	       a->jitter_min_ms == b->jitter_min_ms &&
	       a->jitter_max_ms == b->jitter_max_ms &&
	       a->ncodecs == b->ncodecs &&
	       !memcmp(a->codecs, b->codecs, sizeof(a->codecs));
}

static double mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int apply(struct gw_app *app, struct gw_conf *nc, struct report *r,
		 int *waiting)
{
	struct gw_conf *oc = app->conf;
	struct retired *ret;
	const char *lv;
	int level, e;

	ret = calloc(1, sizeof(*ret));
	if (!ret)
		return -ENOMEM;
	e = reload_ports(app, nc, r);
	if (e) {
		free(ret);
		return e;
	}
	reload_fixed(app, nc, r);
	reload_trunks(app, nc, r);
	if (!routes_same(oc, nc))
		applied(r, "dial plan");
	if (!callsetup_same(oc, nc))
		applied(r, "call set-up (codecs, SRTP, jitter buffer, DSCP)");
	reload_security(app, nc, r);
	reload_cdr(app, nc, r);
	lv = rl.level ? rl.level : nc->log_level;
	level = gw_log_level_parse(lv);
	if (level >= 0 && (enum gw_log_level)level != gw_log_get_level()) {
		char a[48];

		gw_log_set_level((enum gw_log_level)level);
		gw_log(GW_LOG_NOTICE, "reload", "log level %s applied", lv);
		snprintf(a, sizeof(a), "log level %s", lv);
		applied(r, a);
	}

	if (oc->nlog_levels != nc->nlog_levels ||
	    memcmp(oc->log_levels, nc->log_levels, sizeof(nc->log_levels))) {
		gw_log_conf_apply(nc); /* general.log_levels */
		applied(r, "log levels");
	}

	/* the swap: from here on everything reads the new conf */
	app->conf = nc;
	ret->conf = oc;
	ret->next = rl.retired;
	rl.retired = ret;
	*waiting = 0;
	for (int i = 0; i < app->nlines; i++) {
		struct gw_line *l = &app->lines[i];

		if (line_idle(l))
			repoint(l);
		else if (!port_same(l->conf, &nc->ports[i]))
			(*waiting)++;
	}
	gc();
	return 0;
}

int gw_reload(struct gw_app *app, char *what, size_t whatlen)
{
	struct gw_conf *nc = NULL;
	struct report *r;
	char err[512];
	double t0 = mono_ms();
	size_t off = 0;
	int e, waiting = 0;

	gw_notify_reloading();
	gw_log(GW_LOG_NOTICE, "reload", "reload requested: reading %s",
	       app->conf->path);
	r = calloc(1, sizeof(*r));
	e = r ? gw_conf_load(&nc, app->conf->path, err, sizeof(err)) : -ENOMEM;
	if (!r)
		snprintf(err, sizeof(err), "out of memory");
	if (!e) {
		e = apply(app, nc, r, &waiting);
		if (e) {
			snprintf(err, sizeof(err), "%s", strerror(-e));
			gw_conf_free(nc);
		}
	}
	if (e) {
		gw_log(GW_LOG_ERR, "reload",
		       "%s; keeping the running configuration", err);
		snprintf(what, whatlen,
			 "reload failed, running configuration kept: %s\n",
			 err);
		gw_notify_reloaded(app, "reload failed, running "
				   "configuration kept");
		free(r);
		return e;
	}
	gw_strbuf_add(what, whatlen, &off,
		      "reloaded %s in %.1f ms: %d ports, %d routes; applied: "
		      "%s; %d ports keep their old settings until their "
		      "call ends; %d keys need a restart\n",
		      nc->path, mono_ms() - t0, nc->nports, nc->nroutes,
		      r->aoff ? r->applied : "nothing changed", waiting,
		      r->nrestart);
	gw_log(GW_LOG_NOTICE, "reload", "%.*s", (int)strcspn(what, "\n"),
	       what);
	{
		char status[256];

		snprintf(status, sizeof(status), "%.*s",
			 (int)strcspn(what, "\n"), what);
		gw_notify_reloaded(app, status);
	}
	gw_strbuf_add(what, whatlen, &off, "%s", r->restart);
	free(r);
	return 0;
}
