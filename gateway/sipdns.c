// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sipdns: the addresses a set of SIP URIs resolve to (RFC 3263), with
 * Sofia's resolver (see sipdns.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gw_sipdns;
#define SRES_SIP_MAGIC_T struct gw_sipdns

#include <sofia-sip/hostdomain.h>
#include <sofia-sip/sres_sip.h>
#include <sofia-sip/sresolv.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include "gateway/log.h"
#include "gateway/sipdns.h"

struct gw_sipdns {
	su_root_t *root;
	su_timer_t *timer;
	char label[64];
	char resolv_conf[256];
	int refresh_s;
	char uris[GW_SIPDNS_MAX_URIS][128];
	int nuris;
	/* the round under way */
	sres_resolver_t *sres;
	sres_sip_t *srs[GW_SIPDNS_MAX_URIS];
	int pending;
	bool failed; /* a name could not be resolved this round */
	struct sockaddr_storage next[GW_SIPDNS_MAX_ADDRS];
	int nnext;
	/* the result of the last complete round */
	struct sockaddr_storage addrs[GW_SIPDNS_MAX_ADDRS];
	int naddrs;
};

/* Address bytes of sa (::ffff:a.b.c.d as a.b.c.d), or NULL. */
static const uint8_t *addr_bytes(const struct sockaddr *sa, size_t *len)
{
	if (sa->sa_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)sa)
			->sin_addr;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *p = ((const struct sockaddr_in6 *)sa)
					   ->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_V4MAPPED((const void *)p)) {
			*len = 4;
			return p + 12;
		}
		*len = 16;
		return p;
	}
	return NULL;
}

static bool same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	size_t la = 0, lb = 0;
	const uint8_t *pa = addr_bytes(a, &la), *pb = addr_bytes(b, &lb);

	return pa && pb && la == lb && memcmp(pa, pb, la) == 0;
}

static bool in_list(const struct sockaddr_storage *list, int n,
		    const struct sockaddr *sa)
{
	for (int i = 0; i < n; i++)
		if (same_addr((const struct sockaddr *)&list[i], sa))
			return true;
	return false;
}

static void add_next(struct gw_sipdns *d, const struct sockaddr *sa,
		     size_t len)
{
	if (len > sizeof(d->next[0]) || d->nnext >= GW_SIPDNS_MAX_ADDRS ||
	    in_list(d->next, d->nnext, sa))
		return;
	memset(&d->next[d->nnext], 0, sizeof(d->next[0]));
	memcpy(&d->next[d->nnext++], sa, len);
}

static void addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	size_t n = 0;
	const uint8_t *p = addr_bytes(sa, &n);

	if (!p || !inet_ntop(n == 4 ? AF_INET : AF_INET6, p, buf,
			     (socklen_t)len))
		snprintf(buf, len, "?");
}

void gw_sipdns_format(const struct gw_sipdns *d, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; d && i < d->naddrs && off + 1 < len; i++) {
		char a[INET6_ADDRSTRLEN];

		addr_str((const struct sockaddr *)&d->addrs[i], a, sizeof(a));
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i ? " " : "", a);
	}
}

static const char *srs_why(int err)
{
	switch (err) {
	case SRES_SIP_ERR_BAD_URI:
		return "bad URI";
	case SRES_SIP_ERR_NO_NAME:
		return "no such domain";
	case SRES_SIP_ERR_NO_DATA:
		return "no NAPTR, SRV, A or AAAA records";
	case SRES_SIP_ERR_NO_TPORT:
		return "unknown transport";
	case SRES_SIP_ERR_AGAIN:
		return "DNS server did not answer";
	default:
		return "DNS failure";
	}
}

/* The addresses one URI resolved to go to the round's list. */
static void collect(struct gw_sipdns *d, sres_sip_t *srs, const char *uri)
{
	const su_addrinfo_t *ai = sres_sip_results(srs);
	char list[256] = "";
	size_t off = 0;
	int n = 0;

	for (; ai; ai = ai->ai_next) {
		char a[INET6_ADDRSTRLEN];

		if (!ai->ai_addr)
			continue;
		add_next(d, ai->ai_addr, ai->ai_addrlen);
		addr_str(ai->ai_addr, a, sizeof(a));
		if (off + 1 < sizeof(list))
			off += (size_t)snprintf(list + off, sizeof(list) - off,
						"%s%s", n ? " " : "", a);
		n++;
	}
	if (!n) {
		d->failed = true;
		gw_log(GW_LOG_WARNING, "dns", "%s: cannot resolve %s (%s): "
		       "INVITEs from it are not trusted", d->label, uri,
		       srs_why(sres_sip_error(srs)));
		return;
	}
	gw_log(GW_LOG_DEBUG, "dns", "%s: %s resolves to %s", d->label, uri,
	       list);
}

static void round_done(struct gw_sipdns *d)
{
	char was[512], now[512];

	/* a name not resolved this time keeps what it had */
	for (int i = 0; d->failed && i < d->naddrs; i++)
		add_next(d, (const struct sockaddr *)&d->addrs[i],
			 sizeof(d->addrs[i]));
	gw_sipdns_format(d, was, sizeof(was));
	memcpy(d->addrs, d->next, sizeof(d->next[0]) * (size_t)d->nnext);
	d->naddrs = d->nnext;
	gw_sipdns_format(d, now, sizeof(now));
	if (strcmp(was, now))
		gw_log(GW_LOG_INFO, "dns", "%s: INVITEs trusted from %s",
		       d->label, now[0] ? now : "no address");
}

static void on_srs(struct gw_sipdns *d, sres_sip_t *srs, int final)
{
	int i;

	if (!final)
		return;
	for (i = 0; i < d->nuris && d->srs[i] != srs; i++)
		;
	if (i == d->nuris)
		return;
	collect(d, srs, d->uris[i]);
	d->srs[i] = NULL;
	sres_sip_unref(srs);
	if (--d->pending == 0)
		round_done(d);
}

/* A literal address: no DNS. true when `uri` had one. */
static bool numeric(struct gw_sipdns *d, const char *uri)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	url_t *u = url_make(home, uri);
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res = NULL;
	char host[64];
	bool is_ip = false;

	if (u && u->url_host && host_is_ip_address(u->url_host)) {
		snprintf(host, sizeof(host), "%s", u->url_host);
		if (host[0] == '[') { /* [v6] */
			memmove(host, host + 1, strlen(host));
			host[strcspn(host, "]")] = '\0';
		}
		is_ip = true;
		if (getaddrinfo(host, NULL, &hints, &res) == 0) {
			add_next(d, res->ai_addr, res->ai_addrlen);
			freeaddrinfo(res);
		}
	}
	su_home_deinit(home);
	return is_ip;
}

static void round_start(struct gw_sipdns *d)
{
	if (d->pending) /* the last one is still waiting for answers */
		return;
	if (d->sres)
		sres_resolver_destroy(d->sres);
	/* a new resolver each round: answers come from the DNS, and so
	 * through on_srs, never synchronously from a cache */
	d->sres = NULL;
	d->nnext = 0;
	d->failed = false;
	for (int i = 0; i < d->nuris; i++) {
		sres_sip_t *srs;

		if (numeric(d, d->uris[i]))
			continue;
		if (!d->sres) {
			d->sres = sres_resolver_create(d->root,
				d->resolv_conf[0] ? d->resolv_conf : NULL,
				TAG_END());
			if (!d->sres) {
				gw_log(GW_LOG_WARNING, "dns", "%s: no DNS "
				       "resolver: %s", d->label,
				       strerror(errno));
				d->failed = true;
				break;
			}
		}
		srs = sres_sip_new(d->sres, URL_STRING_MAKE(d->uris[i]), NULL,
				   1, 1, on_srs, d);
		if (!srs) {
			d->failed = true;
			continue;
		}
		if (sres_sip_next_step(srs)) { /* waiting for answers */
			d->srs[i] = srs;
			d->pending++;
		} else {
			collect(d, srs, d->uris[i]);
			sres_sip_unref(srs);
		}
	}
	if (!d->pending)
		round_done(d);
}

static void on_timer(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *arg)
{
	struct gw_sipdns *d = (struct gw_sipdns *)arg;

	(void)m;
	round_start(d);
	su_timer_set_interval(t, on_timer, d, (su_duration_t)d->refresh_s *
						 1000);
}

int gw_sipdns_alloc(struct gw_sipdns **ret, su_root_t *root,
		    const char *resolv_conf, const char *label,
		    int refresh_s)
{
	struct gw_sipdns *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->root = root;
	d->refresh_s = refresh_s > 0 ? refresh_s : 300;
	snprintf(d->label, sizeof(d->label), "%s", label);
	snprintf(d->resolv_conf, sizeof(d->resolv_conf), "%s",
		 resolv_conf ? resolv_conf : "");
	d->timer = su_timer_create(su_root_task(root), 0);
	if (!d->timer) {
		free(d);
		return -ENOMEM;
	}
	*ret = d;
	return 0;
}

int gw_sipdns_add(struct gw_sipdns *d, const char *uri)
{
	if (d->nuris >= GW_SIPDNS_MAX_URIS)
		return -ENOSPC;
	snprintf(d->uris[d->nuris++], sizeof(d->uris[0]), "%s", uri);
	return 0;
}

void gw_sipdns_start(struct gw_sipdns *d)
{
	round_start(d);
	su_timer_set_interval(d->timer, on_timer, d,
			      (su_duration_t)d->refresh_s * 1000);
}

bool gw_sipdns_has(const struct gw_sipdns *d, const struct sockaddr *sa)
{
	return d && sa && in_list(d->addrs, d->naddrs, sa);
}

void gw_sipdns_free(struct gw_sipdns *d)
{
	if (!d)
		return;
	su_timer_destroy(d->timer);
	for (int i = 0; i < d->nuris; i++)
		if (d->srs[i])
			sres_sip_unref(d->srs[i]);
	if (d->sres)
		sres_resolver_destroy(d->sres);
	free(d);
}
