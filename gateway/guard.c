// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <sofia-sip/su_wait.h>

#include "gateway/app.h"
#include "gateway/conf_int.h"
#include "gateway/guard.h"
#include "gateway/log.h"
#include "gateway/transport.h"

#define NSRC 1024	/* sources remembered */
#define MAX_FILTERED 200 /* addresses in the kernel filter */
#define MAX_SOCKS 8

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

struct src {
	int family; /* 0: free slot */
	uint8_t addr[16];
	double last;	    /* s, monotonic */
	double win_start;   /* rate window */
	int win_count;
	double rl_until;    /* rate-limited (filtered) until */
	double fail_start;  /* failure window */
	int fail_count;
	double ban_until;
	unsigned long requests, answered;
};

struct gw_guard {
	struct gw_app *app;
	su_timer_t *timer;
	struct src src[NSRC];
	int socks[MAX_SOCKS];
	int nsocks;
	uint32_t drops_base[MAX_SOCKS];
	int nfiltered;
	/* counters */
	unsigned long requests, answered, late, failures, bans, limited;
};

/* ---- configuration ---- */

static const char *const nanp_blocked[] = { "011", "1900", "1976", "900",
					    "976", NULL };
static const char *const itu_blocked[] = { "00", "09", "118", NULL };

static bool digits_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789*#+", *s))
			return false;
	return true;
}

static int load_users(struct gw_conf_ctx *c, struct gw_conf_sec *sec,
		      const config_setting_t *list)
{
	int n;

	if (!config_setting_is_list(list) &&
	    !(config_setting_is_array(list) && config_setting_length(list) == 0))
		return gw_conf_fail(c, list, "sip", "users",
				    "must be a list (( { name = ...; password = ...; }, ... ))");
	n = config_setting_length(list);
	if (n > GW_GUARD_MAX_USERS)
		return gw_conf_fail(c, list, "sip", "users",
				    "more than %d entries", GW_GUARD_MAX_USERS);
	for (int i = 0; i < n; i++) {
		static const char *const keys[] = { "name", "password", NULL };
		const config_setting_t *e = config_setting_get_elem(list, i);
		struct gw_conf_user *u = &sec->users[i];
		config_setting_t *s;
		char base[32];
		int r;

		snprintf(base, sizeof(base), "sip.users.[%d]", i);
		r = gw_conf_named_entry(c, e, base, keys, u->name,
					sizeof(u->name), &s);
		if (r < 0)
			return r;
		if (!u->name[0] || strpbrk(u->name, "\":\\ \t"))
			return gw_conf_fail(c, s, base, "name",
					    "must be a non-empty user name without spaces, quotes or ':'");
		r = gw_conf_name_unique(c, s, base, u->name,
					sec->users[0].name,
					sizeof(sec->users[0]), i, "user",
					"listed");
		if (r < 0)
			return r;
		r = gw_conf_get_str(c, e, base, "password", u->password,
				    sizeof(u->password), &s);
		if (r < 0)
			return r;
		if (!s)
			return gw_conf_fail(c, e, base, "password",
					    "required key is missing");
		/* no default or trivial passwords */
		if (strlen(u->password) < 8 ||
		    strcmp(u->password, u->name) == 0)
			return gw_conf_fail(c, s, base, "password",
					    "must have at least 8 characters and differ from the name");
	}
	sec->nusers = n;
	return 0;
}

struct gw_conf_sec *gw_guard_conf_alloc(void)
{
	struct gw_conf_sec *sec = calloc(1, sizeof(*sec));

	if (!sec)
		return NULL;
	strcpy(sec->realm, "copperline");
	sec->nonce_ttl_s = 300;
	sec->rate_limit = 5;
	sec->ban_after = 5;
	sec->ban_window_s = 60;
	sec->ban_time_s = 600;
	sec->register_min_s = 60;
	sec->register_max_s = 3600;
	return sec;
}

/* sip.registrar, register_min_s, register_max_s (gateway/registrar.h) */
static int conf_registrar(struct gw_conf_ctx *c, const config_setting_t *g,
			  struct gw_conf_sec *sec)
{
	config_setting_t *s;
	int r;

	r = gw_conf_get_bool(c, g, "sip", "registrar", &sec->registrar);
	if (r >= 0)
		r = gw_conf_get_int(c, g, "sip", "register_min_s", 10, 86400,
				    &sec->register_min_s, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, g, "sip", "register_max_s", 10, 86400,
				    &sec->register_max_s, &s);
	if (r >= 0 && sec->register_max_s < sec->register_min_s)
		return gw_conf_fail(c, s ? s : (config_setting_t *)g, "sip",
				    "register_max_s",
				    "%d is below register_min_s (%d)",
				    sec->register_max_s, sec->register_min_s);
	return r;
}

int gw_guard_conf_sip(struct gw_conf_ctx *c, const void *grp)
{
	const config_setting_t *g = grp;
	struct gw_conf *conf = gw_conf_ctx_conf(c);
	struct gw_conf_sec *sec = conf->sec;
	config_setting_t *s;
	int r;

	r = gw_conf_get_str(c, g, "sip", "realm", sec->realm,
			    sizeof(sec->realm), &s);
	if (r < 0)
		return r;
	if (s && (!sec->realm[0] || strpbrk(sec->realm, "\"\\")))
		return gw_conf_fail(c, s, "sip", "realm",
				    "must be non-empty, without quotes");
	r = gw_conf_get_int(c, g, "sip", "nonce_ttl_s", 10, 86400,
			    &sec->nonce_ttl_s, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, g, "sip", "rate_limit", 1, 1000,
				    &sec->rate_limit, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, g, "sip", "ban_after", 0, 1000,
				    &sec->ban_after, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, g, "sip", "ban_window_s", 1, 86400,
				    &sec->ban_window_s, NULL);
	if (r >= 0)
		r = gw_conf_get_int(c, g, "sip", "ban_time_s", 1, 604800,
				    &sec->ban_time_s, NULL);
	if (r >= 0)
		r = conf_registrar(c, g, sec);
	if (r < 0)
		return r;
	s = config_setting_get_member(g, "users");
	r = s ? load_users(c, sec, s) : 0;
	if (r >= 0 && sec->registrar && !sec->nusers)
		return gw_conf_fail(c, config_setting_get_member(g,
								 "registrar"),
				    "sip", "registrar",
				    "needs sip.users (digest credentials)");
	return r;
}

int gw_guard_conf_general(struct gw_conf_ctx *c, const void *grp)
{
	const config_setting_t *g = grp, *list;
	struct gw_conf_sec *sec = gw_conf_ctx_conf(c)->sec;
	int n;

	list = config_setting_get_member(g, "blocked_prefixes");
	if (!list)
		return 0;
	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return gw_conf_fail(c, list, "general", "blocked_prefixes",
				    "must be a list of prefixes ([ \"00\", ... ])");
	n = config_setting_length(list);
	if (n > GW_GUARD_MAX_PREFIXES)
		return gw_conf_fail(c, list, "general", "blocked_prefixes",
				    "more than %d entries",
				    GW_GUARD_MAX_PREFIXES);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		const char *v = config_setting_get_string(e);
		char key[16];

		snprintf(key, sizeof(key), "[%d]", i);
		if (!v || strlen(v) >= sizeof(sec->blocked[0]) ||
		    !digits_ok(v))
			return gw_conf_fail(c, e, "general.blocked_prefixes",
					    key,
					    "must be a string of 1-15 digits, * # +");
		strcpy(sec->blocked[i], v);
	}
	sec->nblocked = n;
	sec->blocked_set = true;
	return 0;
}

int gw_guard_conf_finish(struct gw_conf *conf)
{
	struct gw_conf_sec *sec = conf->sec;
	const char *const *def;

	if (sec->blocked_set)
		return 0;
	def = strcmp(conf->zone, "us") == 0 || strcmp(conf->zone, "ca") == 0 ?
		      nanp_blocked : itu_blocked;
	for (sec->nblocked = 0; def[sec->nblocked]; sec->nblocked++)
		strcpy(sec->blocked[sec->nblocked], def[sec->nblocked]);
	return 0;
}

void gw_guard_conf_free(struct gw_conf_sec *sec)
{
	if (!sec)
		return;
	explicit_bzero(sec->users, sizeof(sec->users));
	free(sec);
}

const char *gw_guard_dialout_blocked(const struct gw_conf *conf,
				     const struct gw_conf_route *route,
				     const char *number)
{
	const struct gw_conf_sec *sec = conf->sec;

	if (!sec || (route && route->allow_premium))
		return NULL;
	if (number[0] == '+') /* E.164 with a plus is international */
		return "+";
	for (int i = 0; i < sec->nblocked; i++)
		if (strncmp(number, sec->blocked[i],
			    strlen(sec->blocked[i])) == 0)
			return sec->blocked[i];
	return NULL;
}

/* ---- runtime ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sa_key(const struct sockaddr *sa, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *a =
			((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0,
						    0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a, mapped, 12) == 0) {
			memcpy(addr, a + 12, 4);
			return AF_INET;
		}
		memcpy(addr, a, 16);
		return AF_INET6;
	}
	return 0;
}

void gw_guard_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	uint8_t a[16];
	int fam = sa ? sa_key(sa, a) : 0;

	if (!fam || !inet_ntop(fam, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void src_str(const struct src *s, char *buf, size_t len)
{
	if (!inet_ntop(s->family, s->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static struct src *lookup(struct gw_guard *g, const struct sockaddr *sa,
			  bool create)
{
	struct src *victim = NULL;
	double now = now_s();
	uint8_t a[16];
	int fam = sa_key(sa, a);

	if (!fam)
		return NULL;
	for (int i = 0; i < NSRC; i++) {
		struct src *s = &g->src[i];

		if (s->family == fam && memcmp(s->addr, a, 16) == 0)
			return s;
		if (!create || (victim && !victim->family))
			continue;
		/* a free slot, else the least recently seen unbanned one */
		if (!s->family || (s->ban_until <= now &&
				   (!victim || s->last < victim->last)))
			victim = s;
	}
	if (!victim)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->family = fam;
	memcpy(victim->addr, a, 16);
	return victim;
}

/* Classic BPF: drop packets whose IP source is in the set (see guard.h). */
static void rebuild_filter(struct gw_guard *g, double now)
{
	struct sock_filter prog[4 + MAX_FILTERED * 9 + 4];
	struct sock_fprog fp = { .filter = prog };
	uint32_t v6start;
	int n = 0, nf = 0, v6jump;

#define INS(c, t, f, k) (prog[n++] = (struct sock_filter)BPF_JUMP(c, k, t, f))
	INS(BPF_LD | BPF_B | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF);
	INS(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0xf0);
	INS(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0x40);
	v6jump = n;
	INS(BPF_JMP | BPF_JA, 0, 0, 0); /* to the IPv6 part */
	INS(BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 12);
	for (int i = 0; i < NSRC && nf < MAX_FILTERED; i++) {
		const struct src *s = &g->src[i];
		uint32_t w;

		if (s->family != AF_INET ||
		    (s->ban_until <= now && s->rl_until <= now))
			continue;
		memcpy(&w, s->addr, 4);
		INS(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, ntohl(w));
		INS(BPF_RET | BPF_K, 0, 0, 0);
		nf++;
	}
	INS(BPF_RET | BPF_K, 0, 0, 0xffffffff);
	v6start = (uint32_t)n;
	prog[v6jump].k = v6start - (uint32_t)v6jump - 1;
	for (int i = 0; i < NSRC && nf < MAX_FILTERED; i++) {
		const struct src *s = &g->src[i];

		if (s->family != AF_INET6 ||
		    (s->ban_until <= now && s->rl_until <= now))
			continue;
		for (int w = 0; w < 4; w++) {
			uint32_t v;

			memcpy(&v, s->addr + 4 * w, 4);
			INS(BPF_LD | BPF_W | BPF_ABS, 0, 0,
			    (uint32_t)SKF_NET_OFF + 8 + 4 * (uint32_t)w);
			INS(BPF_JMP | BPF_JEQ | BPF_K, 0,
			    (uint8_t)(7 - 2 * w), ntohl(v));
		}
		INS(BPF_RET | BPF_K, 0, 0, 0);
		nf++;
	}
	INS(BPF_RET | BPF_K, 0, 0, 0xffffffff);
#undef INS
	fp.len = (unsigned short)n;
	for (int i = 0; i < g->nsocks; i++) {
		int r = nf ? setsockopt(g->socks[i], SOL_SOCKET,
					SO_ATTACH_FILTER, &fp, sizeof(fp)) :
			     setsockopt(g->socks[i], SOL_SOCKET,
					SO_DETACH_FILTER, NULL, 0);

		if (r < 0 && (nf || errno != ENOENT))
			gw_log(GW_LOG_WARNING, "security",
			       "socket filter on fd %d: %s", g->socks[i],
			       strerror(errno));
	}
	g->nfiltered = nf;
}

static bool filtered(const struct src *s, double now)
{
	return s->ban_until > now || s->rl_until > now;
}

static void on_timer(su_root_magic_t *magic, su_timer_t *t,
		     su_timer_arg_t *arg)
{
	struct gw_guard *g = (struct gw_guard *)arg;
	double now = now_s();
	int nf = 0;

	(void)magic;
	(void)t;
	for (int i = 0; i < NSRC; i++)
		if (g->src[i].family && filtered(&g->src[i], now))
			nf++;
	if (nf != g->nfiltered)
		rebuild_filter(g, now);
}

int gw_guard_alloc(struct gw_guard **ret, struct gw_app *app)
{
	struct gw_guard *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->app = app;
	g->timer = su_timer_create(su_root_task(app->root), 500);
	if (!g->timer) {
		free(g);
		return -ENOMEM;
	}
	su_timer_set_for_ever(g->timer, on_timer, (su_timer_arg_t *)g);
	*ret = g;
	return 0;
}

void gw_guard_free(struct gw_guard *g)
{
	if (!g)
		return;
	su_timer_destroy(g->timer);
	free(g);
}

static uint32_t sock_drops(int fd)
{
	uint32_t mi[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mi);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) < 0 ||
	    len <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return 0;
	return mi[SK_MEMINFO_DROPS];
}

void gw_guard_attach(struct gw_guard *g)
{
	const struct gw_conf *conf = g->app->conf;
	/* the TLS listener too: a banned source gets no TLS session */
	int tls_port = conf->tp && conf->tp->tls_host[0] ?
		       conf->tp->tls_port : -1;
	/* and sip.also_listen's (the other IP family) */
	int also_port = conf->tp && conf->tp->also_host[0] ?
			conf->tp->also_port : -1;
	struct rlimit rl;
	int maxfd = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		maxfd = (int)rl.rlim_cur;
	g->nsocks = 0;
	/* Sofia does not hand out its sockets: find those on the SIP (and
	 * TLS) port */
	for (int fd = 3; fd < maxfd && g->nsocks < MAX_SOCKS; fd++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int port;

		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			continue;
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		else
			continue;
		if (port != conf->sip_port && port != tls_port &&
		    port != also_port)
			continue;
		g->drops_base[g->nsocks] = sock_drops(fd);
		g->socks[g->nsocks++] = fd;
	}
	gw_log(GW_LOG_INFO, "security",
	       "%d SIP socket(s) guarded; rate limit %d/s, ban after %d "
	       "failures in %d s for %d s, %d user(s)",
	       g->nsocks, conf->sec->rate_limit, conf->sec->ban_after,
	       conf->sec->ban_window_s, conf->sec->ban_time_s,
	       conf->sec->nusers);
}

bool gw_guard_blocked(struct gw_guard *g, const struct sockaddr *sa)
{
	struct src *s;
	double now;

	if (!g || !sa)
		return false;
	s = lookup(g, sa, false);
	now = now_s();
	if (!s || !filtered(s, now))
		return false;
	/* already queued when the filter went on */
	s->requests++;
	g->requests++;
	g->late++;
	return true;
}

bool gw_guard_unauth(struct gw_guard *g, const struct sockaddr *sa,
		     const char *method)
{
	const struct gw_conf_sec *sec = g ? g->app->conf->sec : NULL;
	double now = now_s();
	char host[64];
	struct src *s;

	if (!g || !sa)
		return true;
	s = lookup(g, sa, true);
	if (!s)
		return true;
	g->requests++;
	s->requests++;
	s->last = now;
	if (now - s->win_start >= 1.0) {
		s->win_start = now;
		s->win_count = 0;
	}
	if (++s->win_count <= sec->rate_limit) {
		s->answered++;
		g->answered++;
		if (s->win_count == 1 && s->requests == 1) {
			src_str(s, host, sizeof(host));
			gw_log(GW_LOG_WARNING, "security",
			       "SECURITY: untrusted %s: %s", host, method);
		}
		return true;
	}
	/* over the limit: filtered for the rest of this second */
	s->rl_until = s->win_start + 1.0;
	g->limited++;
	g->late++;
	src_str(s, host, sizeof(host));
	gw_log(GW_LOG_WARNING, "security",
	       "SECURITY: untrusted %s rate limited (%d requests in 1 s)",
	       host, s->win_count);
	rebuild_filter(g, now);
	return false;
}

void gw_guard_auth_failed(struct gw_guard *g, const struct sockaddr *sa,
			  const char *user)
{
	const struct gw_conf_sec *sec = g ? g->app->conf->sec : NULL;
	double now = now_s();
	char host[64], name[64];
	struct src *s;

	if (!g || !sa)
		return;
	s = lookup(g, sa, true);
	if (!s)
		return;
	g->failures++;
	/* the name as sent, printable and short (it goes to the log) */
	snprintf(name, sizeof(name), "%s", user ? user : "");
	for (char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' ||
		    (unsigned char)*p >= 0x7f)
			*p = '?';
	src_str(s, host, sizeof(host));
	gw_log(GW_LOG_WARNING, "security",
	       "SECURITY: auth failure from %s user \"%s\"", host, name);
	if (!sec->ban_after)
		return;
	if (!s->fail_count || now - s->fail_start > sec->ban_window_s) {
		s->fail_start = now;
		s->fail_count = 0;
	}
	if (++s->fail_count < sec->ban_after)
		return;
	s->ban_until = now + sec->ban_time_s;
	g->bans++;
	gw_log(GW_LOG_WARNING, "security",
	       "SECURITY: banned %s for %d s (%d auth failures)", host,
	       sec->ban_time_s, s->fail_count);
	s->fail_count = 0;
	rebuild_filter(g, now);
}

int gw_guard_format(struct gw_guard *g, char *buf, size_t len)
{
	unsigned long kdrops = 0;
	double now = now_s();
	int banned = 0;

	if (!g)
		return snprintf(buf, len, "security off\n");
	for (int i = 0; i < g->nsocks; i++)
		kdrops += sock_drops(g->socks[i]) - g->drops_base[i];
	for (int i = 0; i < NSRC; i++)
		if (g->src[i].family && g->src[i].ban_until > now)
			banned++;
	return snprintf(buf, len,
			"security requests=%lu answered=%lu late=%lu "
			"limited=%lu kernel_drops=%lu auth_failures=%lu "
			"bans=%lu banned_now=%d filtered=%d sockets=%d\n",
			g->requests, g->answered, g->late, g->limited, kdrops,
			g->failures, g->bans, banned, g->nfiltered, g->nsocks);
}
