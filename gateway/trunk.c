// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trunk: SIP trunks: configuration, registration with failover and
 * back-off, digest authentication as UAC, qualify (see trunk.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/url.h>

#include "gateway/conf_int.h"
#include "gateway/log.h"
#include "gateway/sipdns.h"
#include "gateway/strbuf.h"
#include "gateway/transport.h"
#include "gateway/trunk.h"

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz" \
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."
#define MAX_CHALLENGES 1 /* answered per request (but stale=true) */

enum reg_state {
	REG_OFF = 0,	 /* register = false */
	REG_STARTING,	 /* REGISTER sent, no final answer yet */
	REG_OK,		 /* registered */
	REG_WAITING,	 /* failed: next attempt at next_at */
};

enum fail_class {
	FAIL_TEMP,	/* timeout, 408, 5xx, 6xx: next registrar, back-off */
	FAIL_REFUSED,	/* 403, 404, credentials: the longer back-off */
};

struct gw_trunk {
	struct gw_app *app;
	const struct gw_conf_trunk *conf;
	struct gw_trunk *base; /* itself; a port account: its trunk */
	/* registration */
	enum reg_state reg;
	nua_handle_t *reg_nh;
	su_timer_t *reg_timer; /* attempt timeout, retry, expiry watchdog */
	int reg_idx;	       /* registrar being tried / in use */
	int proxy_cur;	       /* proxy calls go to */
	int temp_fails;	       /* failed rounds in a row */
	int refused_fails;     /* 403/404/credentials in a row */
	int auth_tries;
	char realm[128];       /* learnt from the registrar's challenge */
	time_t expires_at, next_at, registered_at; /* monotonic s */
	int granted_s;
	unsigned registrations, failures;
	char last_error[128];
	/* qualify */
	nua_handle_t *q_nh;
	su_timer_t *q_timer;
	bool down;
	int q_fails;
	struct timespec q_sent;
	int q_rtt_ms;
	/* addresses trusted for INVITEs: what the URIs resolve to */
	struct gw_sipdns *dns;
	bool stopping;
};

/* ---------------------------------------------------------------- conf */

static const char *const trunk_keys[] = {
	"name", "proxy", "registrar", "outbound_proxy", "domain", "username",
	"auth_username", "password", "password_file", "realm", "register",
	"expires", "timeout_s", "retry_s", "retry_max_s", "forbidden_retry_s",
	"forbidden_retry_max_s", "qualify_s", "qualify_failures", "max_calls",
	"flash", NULL
};

/* A port's `account` group (port accounts, trunk.h) */
static const char *const account_keys[] = {
	"trunk", "username", "auth_username", "password", "password_file",
	"register", NULL
};

/* flash = "rfc4733" | "info": a phone's hook-flash on the trunk's calls */
static int load_flash(struct gw_conf_ctx *c, const config_setting_t *e,
		      const char *base, struct gw_conf_trunk *t)
{
	char v[16] = "";
	config_setting_t *s;
	int r = gw_conf_get_str(c, e, base, "flash", v, sizeof(v), &s);

	if (r < 0 || !s)
		return r;
	if (!strcmp(v, "rfc4733"))
		t->flash = GW_CONF_FLASH_RFC4733;
	else if (!strcmp(v, "info"))
		t->flash = GW_CONF_FLASH_INFO;
	else
		return gw_conf_fail(c, s, base, "flash",
				    "must be \"rfc4733\" or \"info\"");
	return 0;
}

/* Host part of a sip:[user@]host[:port][;params] URI. */
static int uri_host(const char *uri, char *host, size_t len)
{
	const char *h = uri + 4, *at = strchr(h, '@'), *end;

	if (at)
		h = at + 1;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return -EINVAL;
		h++;
	} else {
		end = h + strcspn(h, ":;?");
	}
	if (end == h || (size_t)(end - h) >= len)
		return -EINVAL;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = 0;
	return 0;
}

/* A string or a list of 1..GW_TRUNK_MAX_PROXIES strings, all sip: URIs. */
static int get_uris(struct gw_conf_ctx *c, const config_setting_t *e,
		    const char *base, const char *name,
		    char (*dst)[128], int *n)
{
	config_setting_t *s = config_setting_get_member(e, name);
	char key[64], host[128];
	int count;

	if (!s)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		count = 1;
	else if (config_setting_is_array(s) || config_setting_is_list(s))
		count = config_setting_length(s);
	else
		return gw_conf_fail(c, s, base, name,
				    "must be a SIP URI or a list of them");
	if (count < 1 || count > GW_TRUNK_MAX_PROXIES)
		return gw_conf_fail(c, s, base, name, "needs 1 to %d URIs",
				    GW_TRUNK_MAX_PROXIES);
	for (int i = 0; i < count; i++) {
		const config_setting_t *v = config_setting_type(s) ==
			CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, i);
		const char *u = config_setting_type(v) == CONFIG_TYPE_STRING ?
			config_setting_get_string(v) : NULL;

		if (v == s)
			snprintf(key, sizeof(key), "%s", name);
		else
			snprintf(key, sizeof(key), "%s.[%d]", name, i);
		if (!u)
			return gw_conf_fail(c, v, base, key,
					    "must be a string");
		if (strlen(u) >= sizeof(dst[i]))
			return gw_conf_fail(c, v, base, key,
					    "longer than %zu characters",
					    sizeof(dst[i]) - 1);
		if (!gw_conf_uri_ok(u) || uri_host(u, host, sizeof(host)) < 0)
			return gw_conf_fail(c, v, base, key,
					    "\"%s\" is not a SIP URI "
					    "(sip:HOST[:PORT])", u);
		strcpy(dst[i], u);
	}
	*n = count;
	return 0;
}

/* password_file: its first line, relative to the config's folder. */
static int read_password(struct gw_conf_ctx *c, const config_setting_t *s,
			 const char *base, const char *file, char *dst,
			 size_t len)
{
	char path[512], buf[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s%s", file[0] == '/' ? "" :
		 gw_conf_ctx_dir(c), file);
	f = fopen(path, "r");
	if (!f)
		return gw_conf_fail(c, s, base, "password_file", "%s: %s",
				    path, strerror(errno));
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\r\n")] = 0;
	n = strlen(buf);
	if (!n || n >= len) {
		explicit_bzero(buf, sizeof(buf));
		return gw_conf_fail(c, s, base, "password_file",
				    "%s: the first line must hold the password "
				    "(1 to %zu characters)", path, len - 1);
	}
	memcpy(dst, buf, n + 1);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static bool user_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || strchr(":@;<>\"", *s))
			return false;
	return true;
}

/* username, auth_username, password / password_file (trunk or account) */
static int load_creds(struct gw_conf_ctx *c, const config_setting_t *e,
		      const char *base, struct gw_conf_trunk *t)
{
	config_setting_t *s, *pw;
	char file[256];
	int r;

	r = gw_conf_get_str(c, e, base, "username", t->username,
			    sizeof(t->username), &s);
	if (r < 0)
		return r;
	if (!s)
		return gw_conf_fail(c, e, base, "username",
				    "required key is missing");
	if (!t->username[0] || !user_chars(t->username))
		return gw_conf_fail(c, s, base, "username",
				    "\"%s\" is empty or has : @ ; < > \" or "
				    "spaces", t->username);
	r = gw_conf_get_str(c, e, base, "auth_username", t->auth_username,
			    sizeof(t->auth_username), &s);
	if (r < 0)
		return r;
	if (s && (!t->auth_username[0] || !user_chars(t->auth_username)))
		return gw_conf_fail(c, s, base, "auth_username",
				    "\"%s\" is empty or has : @ ; < > \" or "
				    "spaces", t->auth_username);
	if (!s)
		strcpy(t->auth_username, t->username);
	r = gw_conf_get_str(c, e, base, "password", t->password,
			    sizeof(t->password), &pw);
	if (r < 0)
		return r;
	if (pw && !t->password[0])
		return gw_conf_fail(c, pw, base, "password",
				    "must not be empty (leave it out for "
				    "none)");
	r = gw_conf_get_str(c, e, base, "password_file", file, sizeof(file),
			    &s);
	if (r < 0)
		return r;
	if (s && pw)
		return gw_conf_fail(c, s, base, "password_file",
				    "give password or password_file, not both");
	if (s) {
		r = read_password(c, s, base, file, t->password,
				  sizeof(t->password));
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_trunk(struct gw_conf_ctx *c, const config_setting_t *e,
		      const char *base, struct gw_conf_trunk *t,
		      const struct gw_conf_trunk *others, int nothers)
{
	config_setting_t *s;
	int r;

	r = gw_conf_named_entry(c, e, base, trunk_keys, t->name,
				sizeof(t->name), &s);
	if (r < 0)
		return r;
	t->line = (int)config_setting_source_line(e);
	t->reg = true;
	t->expires_s = 3600;
	t->timeout_s = 8;
	t->retry_s = 30;
	t->retry_max_s = 600;
	t->forbidden_retry_s = 300;
	t->forbidden_retry_max_s = 3600;
	t->qualify_failures = 3;
	t->flash = -1;

	if (!t->name[0] || strspn(t->name, NAME_CHARS) != strlen(t->name))
		return gw_conf_fail(c, s, base, "name",
				    "\"%s\" may only contain A-Z a-z 0-9 _ - .",
				    t->name);
	r = gw_conf_name_unique(c, s, base, t->name, others[0].name,
				sizeof(others[0]), nothers, "trunk", "defined");
	if (r < 0)
		return r;
	r = get_uris(c, e, base, "proxy", t->proxy, &t->nproxies);
	if (r < 0)
		return r;
	r = get_uris(c, e, base, "registrar", t->registrar, &t->nregistrars);
	if (r < 0)
		return r;
	if (!t->nproxies && !t->nregistrars)
		return gw_conf_fail(c, e, base, "proxy",
				    "required key is missing (or registrar)");
	if (!t->nproxies) {
		memcpy(t->proxy, t->registrar, sizeof(t->proxy));
		t->nproxies = t->nregistrars;
	}
	if (!t->nregistrars) {
		memcpy(t->registrar, t->proxy, sizeof(t->registrar));
		t->nregistrars = t->nproxies;
		t->registrar_is_proxy = true;
	}
	r = gw_conf_get_str(c, e, base, "outbound_proxy", t->outbound_proxy,
			    sizeof(t->outbound_proxy), &s);
	if (r < 0)
		return r;
	if (s && !gw_conf_uri_ok(t->outbound_proxy))
		return gw_conf_fail(c, s, base, "outbound_proxy",
				    "\"%s\" is not a SIP URI",
				    t->outbound_proxy);
	r = gw_conf_get_str(c, e, base, "domain", t->domain, sizeof(t->domain),
			    &s);
	if (r < 0)
		return r;
	if (s && (!t->domain[0] || !user_chars(t->domain)))
		return gw_conf_fail(c, s, base, "domain",
				    "\"%s\" is not a host name", t->domain);
	if (!s)
		uri_host(t->registrar[0], t->domain, sizeof(t->domain));
	r = load_creds(c, e, base, t);
	if (r < 0)
		return r;
	r = gw_conf_get_str(c, e, base, "realm", t->realm, sizeof(t->realm),
			    &s);
	if (r < 0)
		return r;
	if (s && (!t->realm[0] || strchr(t->realm, '"')))
		return gw_conf_fail(c, s, base, "realm",
				    "must not be empty or hold '\"'");
	r = gw_conf_get_bool(c, e, base, "register", &t->reg);
	if (r < 0)
		return r;
	if (!t->reg && t->password[0] && !t->realm[0])
		return gw_conf_fail(c, e, base, "realm",
				    "required with a password and register = "
				    "false (challenges from any other realm "
				    "are never answered)");
	r = gw_conf_get_int(c, e, base, "expires", 10, 86400, &t->expires_s,
			    NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, e, base, "timeout_s", 1, 32,
				    &t->timeout_s, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, e, base, "retry_s", 1, 3600,
				    &t->retry_s, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, e, base, "retry_max_s", 1, 86400,
				    &t->retry_max_s, &s);
	if (r < 0)
		return r;
	if (t->retry_max_s < t->retry_s)
		return gw_conf_fail(c, s ? s : e, base, "retry_max_s",
				    "must be at least retry_s (%d)",
				    t->retry_s);
	r = gw_conf_get_int(c, e, base, "forbidden_retry_s", 1, 86400,
			    &t->forbidden_retry_s, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, e, base, "forbidden_retry_max_s", 1,
				    86400, &t->forbidden_retry_max_s, &s);
	if (r < 0)
		return r;
	if (t->forbidden_retry_max_s < t->forbidden_retry_s)
		return gw_conf_fail(c, s ? s : e, base, "forbidden_retry_max_s",
				    "must be at least forbidden_retry_s (%d)",
				    t->forbidden_retry_s);
	r = gw_conf_get_int(c, e, base, "qualify_s", 0, 3600, &t->qualify_s,
			    NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, e, base, "qualify_failures", 1, 10,
				    &t->qualify_failures, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, e, base, "max_calls", 0, 10000,
				    &t->max_calls, NULL);
	if (r < 0)
		return r;
	return load_flash(c, e, base, t);
}

/*
 * A port's `account` group: an account of its own on a trunk, which it
 * copies (registrar, proxies, domain, outbound proxy, expiry, retry and
 * back-off) with its own username, credentials and Contact user.
 */
static int load_account(struct gw_conf_ctx *c, const config_setting_t *e,
			const char *base, const struct gw_conf_port *p,
			struct gw_conf *conf)
{
	struct gw_conf_trunk *a = &conf->trunks[conf->ntrunks +
						conf->naccounts];
	config_setting_t *s;
	char tname[32];
	int r, k;

	if (!config_setting_is_group(e))
		return gw_conf_fail(c, e, base, NULL,
				    "must be a group ({ trunk = ...; "
				    "username = ...; password = ...; })");
	r = gw_conf_check_keys(c, e, base, account_keys);
	if (r < 0)
		return r;
	r = gw_conf_get_str(c, e, base, "trunk", tname, sizeof(tname), &s);
	if (r < 0)
		return r;
	if (!s)
		return gw_conf_fail(c, e, base, "trunk",
				    "required key is missing");
	for (k = 0; k < conf->ntrunks; k++)
		if (strcmp(conf->trunks[k].name, tname) == 0)
			break;
	if (k == conf->ntrunks)
		return gw_conf_fail(c, s, base, "trunk",
				    "no trunk named \"%s\"", tname);
	*a = conf->trunks[k];
	explicit_bzero(a->password, sizeof(a->password));
	a->username[0] = a->auth_username[0] = 0;
	a->parent = k + 1;
	a->channel = p->channel;
	snprintf(a->name, sizeof(a->name), "%s", p->name);
	a->qualify_s = 0; /* the trunk qualifies its proxies */
	a->max_calls = 0; /* the trunk's limit counts the port's calls */
	a->reg = true;
	a->line = (int)config_setting_source_line(e);
	r = load_creds(c, e, base, a);
	if (r < 0)
		return r;
	if (!a->password[0])
		return gw_conf_fail(c, e, base, "password",
				    "required key is missing (or "
				    "password_file)");
	r = gw_conf_get_bool(c, e, base, "register", &a->reg);
	if (r < 0)
		return r;
	s = config_setting_get_member(e, "username");
	if (strcmp(a->username, conf->trunks[k].username) == 0)
		return gw_conf_fail(c, s, base, "username",
				    "\"%s\" is trunk %s's own username",
				    a->username, tname);
	for (int i = 0; i < conf->naccounts; i++) {
		const struct gw_conf_trunk *o =
			&conf->trunks[conf->ntrunks + i];

		if (o->parent == a->parent &&
		    strcmp(o->username, a->username) == 0)
			return gw_conf_fail(c, s, base, "username",
					    "\"%s\" on trunk %s is port %s's "
					    "account already", a->username,
					    tname, o->name);
	}
	return 0;
}

int gw_trunk_conf_load(struct gw_conf_ctx *c, const config_setting_t *root)
{
	struct gw_conf *conf = gw_conf_ctx_conf(c);
	config_setting_t *list, *ports = config_setting_get_member(root,
								   "ports");
	int r, n = 0, nacc = 0;

	r = gw_conf_get_list(c, root, "trunks", GW_TRUNK_MAX, &list);
	if (r < 0)
		return r;
	if (list)
		n = config_setting_length(list);
	/* port accounts go after the trunks (conf.c read the ports) */
	for (int i = 0; ports && i < conf->nports; i++)
		if (config_setting_get_member(config_setting_get_elem(ports, i),
					      "account"))
			nacc++;
	if (!n && !nacc)
		return 0;
	conf->trunks = calloc((size_t)(n + nacc), sizeof(*conf->trunks));
	if (!conf->trunks)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		char base[24];

		snprintf(base, sizeof(base), "trunks.[%d]", i);
		r = load_trunk(c, config_setting_get_elem(list, i), base,
			       &conf->trunks[i], conf->trunks, i);
		if (r < 0)
			return r; /* gw_conf_free() frees the array */
		conf->ntrunks++;
	}
	for (int i = 0; ports && i < conf->nports; i++) {
		const config_setting_t *e = config_setting_get_member(
			config_setting_get_elem(ports, i), "account");
		char base[40];

		if (!e)
			continue;
		snprintf(base, sizeof(base), "ports.[%d].account", i);
		r = load_account(c, e, base, &conf->ports[i], conf);
		if (r < 0)
			return r;
		conf->naccounts++;
	}
	return 0;
}

int gw_trunk_conf_route(struct gw_conf_ctx *c, const config_setting_t *s,
			const char *base, const char *name,
			struct gw_conf_route *rt)
{
	const struct gw_conf *conf = gw_conf_ctx_conf(c);

	for (int i = 0; i < conf->ntrunks; i++) {
		const struct gw_conf_trunk *t = &conf->trunks[i];

		if (strcmp(t->name, name) != 0)
			continue;
		rt->to = GW_ROUTE_TO_URI;
		rt->trunk = i + 1;
		if ((size_t)snprintf(rt->uri, sizeof(rt->uri),
				     "sip:${number}@%s", t->domain) >=
		    sizeof(rt->uri))
			return gw_conf_fail(c, s, base, "to",
					    "trunk %s's domain is too long",
					    name);
		return 0;
	}
	return gw_conf_fail(c, s, base, "to", "no trunk named \"%s\"", name);
}

void gw_trunk_conf_free(struct gw_conf *conf)
{
	if (!conf->trunks)
		return;
	for (int i = 0; i < conf->ntrunks + conf->naccounts; i++)
		explicit_bzero(conf->trunks[i].password,
			       sizeof(conf->trunks[i].password));
	free(conf->trunks);
	conf->trunks = NULL;
}

/* ------------------------------------------------------------- runtime */

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

#define TLOG(t, lvl, ...) tlog(t, lvl, __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static void
tlog(const struct gw_trunk *t, enum gw_log_level lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (t->conf->parent) /* a port account */
		gw_log(lvl, "trunk", "port %s's account on trunk %s: %s",
		       t->conf->name, t->base->conf->name, msg);
	else
		gw_log(lvl, "trunk", "trunk %s: %s", t->conf->name, msg);
}

static void timer_set(su_timer_t *timer, su_timer_f f, struct gw_trunk *t,
		      long ms)
{
	su_timer_reset(timer);
	su_timer_set_interval(timer, f, t, (su_duration_t)(ms > 0 ? ms : 1));
}

static void drop_handle(nua_handle_t **nh)
{
	if (*nh) {
		nua_handle_destroy(*nh);
		*nh = NULL;
	}
}

static void reg_start(struct gw_trunk *t);

static void on_reg_timer(su_root_magic_t *m, su_timer_t *timer,
			 su_timer_arg_t *arg);

/* The back-off delay for the n-th failure in a row (0-based). */
static int backoff_s(int base, int max, int n)
{
	long d = base;

	while (n-- > 0 && d < max)
		d *= 2;
	return d > max ? max : (int)d;
}

static void reg_failed(struct gw_trunk *t, int status, const char *why,
		       enum fail_class cls)
{
	const struct gw_conf_trunk *tc = t->conf;
	const char *registrar = tc->registrar[t->reg_idx];
	int delay;

	snprintf(t->last_error, sizeof(t->last_error), "%d %s from %s",
		 status, why, registrar);
	t->failures++;
	drop_handle(&t->reg_nh);
	t->expires_at = 0;
	if (cls == FAIL_TEMP && t->reg_idx + 1 < tc->nregistrars) {
		t->reg_idx++;
		TLOG(t, GW_LOG_WARNING,
		     "registrar %s failed (%d %s): trying %s", registrar,
		     status, why, tc->registrar[t->reg_idx]);
		reg_start(t);
		return;
	}
	if (cls == FAIL_REFUSED) {
		delay = backoff_s(tc->forbidden_retry_s,
				  tc->forbidden_retry_max_s,
				  t->refused_fails++);
		t->temp_fails = 0;
	} else {
		delay = backoff_s(tc->retry_s, tc->retry_max_s,
				  t->temp_fails++);
		t->refused_fails = 0;
	}
	t->reg_idx = 0; /* the next round starts from the first */
	t->reg = REG_WAITING;
	t->next_at = now_s() + delay;
	TLOG(t, GW_LOG_WARNING,
	     "registration failed: %d %s from %s (%s); next attempt in %d s",
	     status, why, registrar,
	     cls == FAIL_REFUSED ? "refused: long back-off" :
				   "no registrar left: back-off",
	     delay);
	timer_set(t->reg_timer, on_reg_timer, t, delay * 1000L);
}

static void on_reg_timer(su_root_magic_t *m, su_timer_t *timer,
			 su_timer_arg_t *arg)
{
	struct gw_trunk *t = arg;

	(void)m;
	(void)timer;
	if (t->stopping)
		return;
	switch (t->reg) {
	case REG_STARTING: {
		char why[64];

		snprintf(why, sizeof(why), "no answer within %d s",
			 t->conf->timeout_s);
		reg_failed(t, 408, why, FAIL_TEMP);
		break;
	}
	case REG_OK:
		reg_failed(t, 408, "registration expired, refresh unanswered",
			   FAIL_TEMP);
		break;
	case REG_WAITING:
		reg_start(t);
		break;
	default:
		break;
	}
}

static void reg_start(struct gw_trunk *t)
{
	const struct gw_conf_trunk *tc = t->conf;
	const char *registrar = tc->registrar[t->reg_idx];
	char aor[256], exp[16];

	drop_handle(&t->reg_nh);
	snprintf(aor, sizeof(aor), "<sip:%s@%s>", tc->username, tc->domain);
	snprintf(exp, sizeof(exp), "%d", tc->expires_s);
	t->reg_nh = nua_handle(t->app->nua, NULL, SIPTAG_TO_STR(aor),
			       SIPTAG_FROM_STR(aor), TAG_END());
	if (!t->reg_nh) {
		reg_failed(t, 500, "no memory", FAIL_TEMP);
		return;
	}
	t->auth_tries = 0;
	t->reg = REG_STARTING;
	nua_register(t->reg_nh, NUTAG_REGISTRAR(URL_STRING_MAKE(registrar)),
		     NUTAG_OUTBOUND(NULL), NUTAG_M_USERNAME(tc->username),
		     TAG_IF(tc->outbound_proxy[0],
			    NUTAG_PROXY(URL_STRING_MAKE(tc->outbound_proxy))),
		     SIPTAG_EXPIRES_STR(exp), TAG_END());
	TLOG(t, GW_LOG_INFO, "REGISTER %s at %s (expires %d s)", aor,
	     tc->registrar[t->reg_idx], tc->expires_s);
	timer_set(t->reg_timer, on_reg_timer, t, tc->timeout_s * 1000L);
}

/* The expiry the registrar granted our binding. */
static int granted(const struct gw_trunk *t, const sip_t *sip)
{
	/* our Contact's host: sip.external_address, else the listen one */
	const char *host = gw_transport_sdp_host(t->app->conf);
	sip_time_t now = sip_now();
	long best = -1;

	for (const sip_contact_t *m = sip ? sip->sip_contact : NULL; m;
	     m = m->m_next) {
		sip_time_t def = (sip_time_t)t->conf->expires_s;
		long d = (long)sip_contact_expires(m, sip->sip_expires,
						   sip->sip_date, def, now);
		bool ours = m->m_url->url_user &&
			    strcmp(m->m_url->url_user, t->conf->username) ==
				    0 &&
			    m->m_url->url_host &&
			    strcmp(m->m_url->url_host, host) == 0;

		if (ours)
			return (int)d;
		if (best < 0 || d < best)
			best = d;
	}
	if (best >= 0)
		return (int)best;
	if (sip && sip->sip_expires)
		return (int)sip->sip_expires->ex_delta;
	return t->conf->expires_s;
}

static void reg_response(struct gw_trunk *t, int status, const char *phrase,
			 const sip_t *sip)
{
	const struct gw_conf_trunk *tc = t->conf;
	char why[160];

	if (status < 200)
		return;
	if (status == 401 || status == 407) {
		if (gw_trunk_challenge(t, t->reg_nh, sip, &t->auth_tries, why,
				       sizeof(why)))
			return;
		reg_failed(t, status, why, FAIL_REFUSED);
		return;
	}
	if (status >= 300) {
		bool refused = status == 403 || status == 404;

		reg_failed(t, status, phrase ? phrase : "", refused ?
			   FAIL_REFUSED : FAIL_TEMP);
		return;
	}
	t->granted_s = granted(t, sip);
	if (t->granted_s <= 0) {
		reg_failed(t, status, "no expiry granted for our contact",
			   FAIL_TEMP);
		return;
	}
	if (t->reg != REG_OK || t->registered_at == 0)
		TLOG(t, GW_LOG_NOTICE,
		     "registered at %s as sip:%s@%s for %d s",
		     tc->registrar[t->reg_idx], tc->username, tc->domain,
		     t->granted_s);
	else
		TLOG(t, GW_LOG_INFO, "registration refreshed at %s for %d s",
		     tc->registrar[t->reg_idx], t->granted_s);
	t->reg = REG_OK;
	t->registrations++;
	t->registered_at = now_s();
	t->expires_at = t->registered_at + t->granted_s;
	t->temp_fails = t->refused_fails = 0;
	t->auth_tries = 0;
	t->next_at = 0;
	if (tc->registrar_is_proxy)
		t->proxy_cur = t->reg_idx;
	/* nua refreshes before expiry; this catches a refresh never made */
	timer_set(t->reg_timer, on_reg_timer, t,
		  (t->granted_s + tc->timeout_s) * 1000L);
}

/* ------------------------------------------------------------- qualify */

static void on_q_timer(su_root_magic_t *m, su_timer_t *timer,
		       su_timer_arg_t *arg);

static void q_result(struct gw_trunk *t, bool alive, const char *what)
{
	const struct gw_conf_trunk *tc = t->conf;
	int wait = tc->qualify_s;

	drop_handle(&t->q_nh);
	if (alive) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t->q_rtt_ms = (int)((ts.tv_sec - t->q_sent.tv_sec) * 1000 +
				    (ts.tv_nsec - t->q_sent.tv_nsec) / 1000000);
		if (t->down)
			TLOG(t, GW_LOG_NOTICE, "up again: %s answered OPTIONS "
			     "(%s) in %d ms", gw_trunk_proxy(t), what,
			     t->q_rtt_ms);
		t->down = false;
		t->q_fails = 0;
	} else {
		t->q_fails++;
		t->q_rtt_ms = -1;
		TLOG(t, GW_LOG_INFO, "OPTIONS to %s: %s (%d in a row)",
		     gw_trunk_proxy(t), what, t->q_fails);
		if (!t->down && t->q_fails >= tc->qualify_failures) {
			t->down = true;
			TLOG(t, GW_LOG_WARNING,
			     "down: %d OPTIONS unanswered; calls to it are "
			     "refused until it answers", t->q_fails);
		}
		wait -= tc->timeout_s < tc->qualify_s ? tc->timeout_s :
							tc->qualify_s - 1;
	}
	timer_set(t->q_timer, on_q_timer, t, wait * 1000L);
}

static void on_q_timer(su_root_magic_t *m, su_timer_t *timer,
		       su_timer_arg_t *arg)
{
	struct gw_trunk *t = arg;
	const struct gw_conf_trunk *tc = t->conf;
	int wait = tc->timeout_s < tc->qualify_s ? tc->timeout_s :
						   tc->qualify_s;

	(void)m;
	(void)timer;
	if (t->stopping)
		return;
	if (t->q_nh) { /* no answer in time */
		char why[48];

		snprintf(why, sizeof(why), "no answer within %d s", wait);
		q_result(t, false, why);
		return;
	}
	t->q_nh = nua_handle(t->app->nua, NULL,
			     SIPTAG_TO_STR(gw_trunk_proxy(t)), TAG_END());
	if (!t->q_nh)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t->q_sent);
	nua_options(t->q_nh, TAG_END());
	timer_set(t->q_timer, on_q_timer, t, wait * 1000L);
}

static void q_response(struct gw_trunk *t, int status, const char *phrase)
{
	char what[80];

	if (status < 200)
		return;
	snprintf(what, sizeof(what), "%d %s", status, phrase ? phrase : "");
	if (status == 401 || status == 407) {
		/* a challenge is an answer: the proxy is there */
		q_result(t, true, what);
		return;
	}
	q_result(t, status != 408 && status != 503 && status != 504, what);
}

/* --------------------------------------------------------- life cycle */

/* The addresses of the proxies, registrars and outbound proxy, looked up
 * as nta does (RFC 3263: NAPTR, SRV, A/AAAA) and again every 5 minutes. */
static int dns_start(struct gw_trunk *t)
{
	const struct gw_conf_trunk *tc = t->conf;
	char label[80];
	int r;

	snprintf(label, sizeof(label), "trunk %s", tc->name);
	r = gw_sipdns_alloc(&t->dns, t->app->root,
			    gw_transport_resolv_conf(t->app->conf), label, 300);
	for (int k = 0; r >= 0 && k < tc->nproxies; k++)
		r = gw_sipdns_add(t->dns, tc->proxy[k]);
	for (int k = 0; r >= 0 && !tc->registrar_is_proxy &&
			k < tc->nregistrars; k++)
		r = gw_sipdns_add(t->dns, tc->registrar[k]);
	if (r >= 0 && tc->outbound_proxy[0])
		r = gw_sipdns_add(t->dns, tc->outbound_proxy);
	if (r < 0)
		return r;
	gw_sipdns_start(t->dns);
	return 0;
}

/* Trunks and the ports' accounts after them */
static int ntotal(const struct gw_app *app)
{
	return app->trunks ? app->conf->ntrunks + app->conf->naccounts : 0;
}

int gw_trunk_start(struct gw_app *app)
{
	const struct gw_conf *conf = app->conf;
	int n = conf->ntrunks + conf->naccounts;

	if (!n)
		return 0;
	app->trunks = calloc((size_t)n, sizeof(*app->trunks));
	if (!app->trunks)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct gw_trunk *t = &app->trunks[i];
		const struct gw_conf_trunk *tc = &conf->trunks[i];

		t->app = app;
		t->conf = tc;
		t->base = tc->parent ? &app->trunks[tc->parent - 1] : t;
		t->q_rtt_ms = -1;
		if (tc->parent) { /* a port account: its trunk's addresses */
			t->reg_timer = su_timer_create(su_root_task(app->root),
						       1000);
			if (!t->reg_timer)
				return -ENOMEM;
			TLOG(t, GW_LOG_INFO, "sip:%s@%s, register %s",
			     tc->username, tc->domain, tc->reg ? "yes" : "no");
			if (tc->reg)
				reg_start(t);
			continue;
		}
		if (dns_start(t) < 0)
			return -ENOMEM;
		t->reg_timer = su_timer_create(su_root_task(app->root), 1000);
		t->q_timer = su_timer_create(su_root_task(app->root), 1000);
		if (!t->reg_timer || !t->q_timer)
			return -ENOMEM;
		TLOG(t, GW_LOG_INFO, "domain %s, %d prox%s, register %s%s",
		     tc->domain, tc->nproxies, tc->nproxies == 1 ? "y" : "ies",
		     tc->reg ? "yes" : "no",
		     tc->qualify_s ? ", qualify on" : "");
		if (tc->reg)
			reg_start(t);
		if (tc->qualify_s)
			timer_set(t->q_timer, on_q_timer, t, 1);
	}
	return 0;
}

void gw_trunk_stop(struct gw_app *app)
{
	for (int i = 0; i < ntotal(app); i++) {
		struct gw_trunk *t = &app->trunks[i];

		t->stopping = true;
		gw_sipdns_free(t->dns);
		t->dns = NULL;
		su_timer_destroy(t->reg_timer);
		su_timer_destroy(t->q_timer);
		t->reg_timer = t->q_timer = NULL;
		drop_handle(&t->q_nh);
		if (t->reg_nh && t->reg == REG_OK) {
			TLOG(t, GW_LOG_INFO, "un-REGISTER");
			t->auth_tries = 0;
			nua_unregister(t->reg_nh, TAG_END());
		}
	}
}

void gw_trunk_free(struct gw_app *app)
{
	free(app->trunks);
	app->trunks = NULL;
}

bool gw_trunk_sip_event(struct gw_app *app, nua_event_t event, int status,
			const char *phrase, nua_handle_t *nh,
			const sip_t *sip)
{
	for (int i = 0; nh && i < ntotal(app); i++) {
		struct gw_trunk *t = &app->trunks[i];
		char why[160];

		if (nh == t->reg_nh) {
			if (event == nua_r_register && !t->stopping)
				reg_response(t, status, phrase, sip);
			else if (event == nua_r_unregister && status >= 200 &&
				 /* challenged: again with credentials */
				 !((status == 401 || status == 407) &&
				   gw_trunk_challenge(t, nh, sip,
						      &t->auth_tries, why,
						      sizeof(why))))
				TLOG(t, GW_LOG_INFO, "un-REGISTER: %d %s",
				     status, phrase ? phrase : "");
			return true;
		}
		if (nh == t->q_nh) {
			if (event == nua_r_options && !t->stopping)
				q_response(t, status, phrase);
			return true;
		}
	}
	return false;
}

bool gw_trunk_trusted(struct gw_app *app, const struct sockaddr *sa)
{
	for (int i = 0; sa && app->trunks && i < app->conf->ntrunks; i++)
		if (gw_sipdns_has(app->trunks[i].dns, sa))
			return true;
	return false;
}

struct gw_trunk *gw_trunk_get(struct gw_app *app, int index1)
{
	if (!app->trunks || index1 < 1 || index1 > app->conf->ntrunks)
		return NULL;
	return &app->trunks[index1 - 1];
}

const char *gw_trunk_name(const struct gw_trunk *t)
{
	return t->conf->name;
}

enum gw_conf_flash gw_trunk_flash(const struct gw_conf *conf,
				  const struct gw_trunk *t)
{
	if (t && t->conf->flash >= 0)
		return (enum gw_conf_flash)t->conf->flash;
	return conf->flash;
}

bool gw_trunk_usable(const struct gw_trunk *t)
{
	return t && !t->base->down;
}

const char *gw_trunk_proxy(const struct gw_trunk *t)
{
	const struct gw_conf_trunk *tc = t->conf;

	return tc->outbound_proxy[0] ? tc->outbound_proxy :
				       tc->proxy[t->proxy_cur < tc->nproxies ?
							 t->proxy_cur : 0];
}

void gw_trunk_from(const struct gw_trunk *t, const char *display, char *buf,
		   size_t len)
{
	char d[64];
	size_t k = 0;

	/* the display name in quotes: no quote or backslash in it */
	for (; display && *display && k + 1 < sizeof(d); display++)
		if (*display != '"' && *display != '\\' &&
		    (unsigned char)*display >= ' ')
			d[k++] = *display;
	d[k] = 0;
	snprintf(buf, len, "\"%s\" <sip:%s@%s>", d, t->conf->username,
		 t->conf->domain);
}

/* The realm of a challenge, unquoted, or "" */
static void challenge_realm(const msg_auth_t *au, char *out, size_t len)
{
	const char *r = msg_params_find(au->au_params, "realm=");
	size_t n;

	out[0] = 0;
	if (!r)
		return;
	if (*r == '"')
		r++;
	n = strcspn(r, "\"");
	if (n >= len)
		n = len - 1;
	memcpy(out, r, n);
	out[n] = 0;
}

bool gw_trunk_challenge(struct gw_trunk *t, nua_handle_t *nh,
			const sip_t *sip, int *tries, char *why,
			size_t why_len)
{
	const struct gw_conf_trunk *tc = t->conf;
	const msg_auth_t *lists[2] = {
		sip ? sip->sip_www_authenticate : NULL,
		sip ? sip->sip_proxy_authenticate : NULL,
	};
	/* a port account that learnt none yet: its trunk's */
	const char *want = tc->realm[0] ? tc->realm :
			   t->realm[0] ? t->realm : t->base->realm;
	char realm[128], cred[352];
	bool stale = false;
	int n = 0;

	snprintf(why, why_len, "challenge not answered");
	if (!tc->password[0]) {
		snprintf(why, why_len, "challenged, but the trunk has no "
			 "password");
		TLOG(t, GW_LOG_WARNING, "%s", why);
		return false;
	}
	for (int l = 0; l < 2; l++) {
		for (const msg_auth_t *au = lists[l]; au; au = au->au_next) {
			if (!au->au_scheme ||
			    strcasecmp(au->au_scheme, "Digest") != 0) {
				snprintf(why, why_len, "challenge scheme %s "
					 "is not Digest", au->au_scheme ?
					 au->au_scheme : "?");
				TLOG(t, GW_LOG_WARNING, "%s: not answered",
				     why);
				return false;
			}
			challenge_realm(au, realm, sizeof(realm));
			if (!want[0] && nh == t->reg_nh && realm[0] &&
			    !strchr(realm, '"')) {
				/* the registrar's realm, learnt once */
				snprintf(t->realm, sizeof(t->realm), "%s",
					 realm);
				want = t->realm;
				TLOG(t, GW_LOG_INFO, "realm \"%s\" learnt from "
				     "the registrar", realm);
			}
			if (!want[0] || strcmp(realm, want) != 0) {
				snprintf(why, why_len,
					 "challenge from realm \"%s\", not "
					 "the trunk's realm \"%s\"", realm,
					 want[0] ? want : "(none learnt yet)");
				TLOG(t, GW_LOG_WARNING,
				     "%d %s: credentials not sent", l ? 407 :
				     401, why);
				return false;
			}
			if (msg_params_find(au->au_params, "stale=") &&
			    strcasecmp(msg_params_find(au->au_params,
						       "stale="), "true") ==
				    0)
				stale = true;
			n++;
		}
	}
	if (!n)
		return false;
	if (!stale && ++*tries > MAX_CHALLENGES) {
		snprintf(why, why_len, "credentials of %s refused by realm "
			 "\"%s\"", tc->auth_username, want);
		TLOG(t, GW_LOG_WARNING, "%s", why);
		return false;
	}
	snprintf(cred, sizeof(cred), "Digest:\"%s\":%s:%s", want,
		 tc->auth_username, tc->password);
	nua_authenticate(nh, NUTAG_AUTH(cred), TAG_END());
	explicit_bzero(cred, sizeof(cred));
	TLOG(t, GW_LOG_INFO, "answering the challenge of realm \"%s\" as %s",
	     want, tc->auth_username);
	return true;
}

static const char *reg_name(const struct gw_trunk *t)
{
	switch (t->reg) {
	case REG_OFF:
		return "off";
	case REG_STARTING:
		return "registering";
	case REG_OK:
		return "registered";
	case REG_WAITING:
		return "failed";
	}
	return "?";
}

size_t gw_trunk_show(struct gw_app *app, char *buf, size_t len)
{
	time_t now = now_s();
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < ntotal(app); i++) {
		const struct gw_trunk *t = &app->trunks[i];
		const struct gw_conf_trunk *tc = t->conf;

		if (tc->parent) /* a port's account (trunk.h) */
			gw_strbuf_add(buf, len, &off, "account %s trunk=%s",
				      tc->name, t->base->conf->name);
		else
			gw_strbuf_add(buf, len, &off, "trunk %s", tc->name);
		gw_strbuf_add(buf, len, &off,
			      " state=%s aor=sip:%s@%s registrar=%s",
			      reg_name(t), tc->username, tc->domain,
			      tc->reg ? tc->registrar[t->reg_idx] : "-");
		if (t->reg == REG_OK)
			gw_strbuf_add(buf, len, &off,
				      " expires_in=%lds granted=%ds",
				      (long)(t->expires_at - now),
				      t->granted_s);
		else
			gw_strbuf_add(buf, len, &off, " expires_in=-");
		if (t->reg == REG_WAITING)
			gw_strbuf_add(buf, len, &off, " retry_in=%lds",
				      (long)(t->next_at - now));
		gw_strbuf_add(buf, len, &off,
			      " registrations=%u failures=%u proxy=%s",
			      t->registrations, t->failures,
			      gw_trunk_proxy(t));
		if (tc->qualify_s)
			gw_strbuf_add(buf, len, &off, " qualify=%s rtt_ms=%d",
				      t->down ? "down" : "up", t->q_rtt_ms);
		else
			gw_strbuf_add(buf, len, &off, " qualify=off");
		if (!tc->parent)
			gw_strbuf_add(buf, len, &off, " calls=%d max_calls=%d",
				      gw_trunk_calls(app, t), tc->max_calls);
		gw_strbuf_add(buf, len, &off, " last_error=\"%s\"\n",
			      t->last_error[0] ? t->last_error : "-");
	}
	return off < len ? off : len;
}

/* ------------------------------------------- port accounts, max_calls */

struct gw_trunk *gw_trunk_port_account(struct gw_app *app,
				       struct gw_trunk *t, int channel)
{
	for (int i = app->conf->ntrunks; t && i < ntotal(app); i++)
		if (app->trunks[i].base == t &&
		    app->trunks[i].conf->channel == channel)
			return &app->trunks[i];
	return t;
}

struct gw_trunk *gw_trunk_of_source(struct gw_app *app,
				    const struct sockaddr *sa,
				    const char *user)
{
	struct gw_trunk *first = NULL;

	for (int i = 0; sa && app->trunks && i < app->conf->ntrunks; i++) {
		struct gw_trunk *t = &app->trunks[i];

		if (!gw_sipdns_has(t->dns, sa))
			continue;
		for (int k = app->conf->ntrunks; user && k < ntotal(app);
		     k++)
			if (app->trunks[k].base == t &&
			    strcmp(app->trunks[k].conf->username, user) == 0)
				return &app->trunks[k];
		if (!first)
			first = t;
	}
	return first;
}

int gw_trunk_port(const struct gw_trunk *t)
{
	return t && t->conf->parent ? t->conf->channel : 0;
}

int gw_trunk_calls(struct gw_app *app, const struct gw_trunk *t)
{
	int n = 0;

	for (const struct gw_call *c = app->calls; c; c = c->next) {
		const struct gw_trunk *ct = c->trunk ? c->trunk : c->trunk_in;

		if (ct && ct->base == t->base && (c->line || !c->sip_ending))
			n++;
	}
	return n;
}

bool gw_trunk_full(struct gw_app *app, const struct gw_trunk *t)
{
	const struct gw_trunk *b = t ? t->base : NULL;
	int n;

	if (!b || !b->conf->max_calls)
		return false;
	n = gw_trunk_calls(app, b);
	if (n < b->conf->max_calls)
		return false;
	TLOG(b, GW_LOG_NOTICE, "has its %d call%s (max_calls): one more "
	     "refused", n, n == 1 ? "" : "s");
	return true;
}
