// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * registrar: see registrar.h (RFC 3261 §10.3 processing of REGISTER).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/url.h>

#include "gateway/app.h"
#include "gateway/auth.h"
#include "gateway/guard.h"
#include "gateway/log.h"
#include "gateway/registrar.h"
#include "gateway/strbuf.h"

#define REG_MAX_BINDINGS 128

struct reg_binding {
	bool used;
	char user[64];
	char contact[256]; /* as registered */
	char call[256];	   /* where calls go (source address when NATed) */
	char source[80];   /* ADDR:PORT the REGISTER came from */
	time_t expires_at;
	unsigned long seq; /* registration order: the highest is the newest */
};

struct gw_registrar {
	struct gw_app *app;
	struct reg_binding b[REG_MAX_BINDINGS];
	unsigned long seq;
};

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int gw_registrar_alloc(struct gw_registrar **ret, struct gw_app *app)
{
	struct gw_registrar *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->app = app;
	*ret = r;
	return 0;
}

void gw_registrar_free(struct gw_registrar *r)
{
	free(r);
}

static void purge(struct gw_registrar *r)
{
	time_t now = now_s();

	for (int i = 0; i < REG_MAX_BINDINGS; i++)
		if (r->b[i].used && r->b[i].expires_at <= now) {
			gw_log(GW_LOG_INFO, "registrar",
			       "binding of %s to %s expired", r->b[i].user,
			       r->b[i].contact);
			r->b[i].used = false;
		}
}

static struct reg_binding *find(struct gw_registrar *r, const char *user,
				const char *contact)
{
	for (int i = 0; i < REG_MAX_BINDINGS; i++)
		if (r->b[i].used && strcmp(r->b[i].user, user) == 0 &&
		    strcmp(r->b[i].contact, contact) == 0)
			return &r->b[i];
	return NULL;
}

static void remove_user(struct gw_registrar *r, const char *user)
{
	for (int i = 0; i < REG_MAX_BINDINGS; i++)
		if (r->b[i].used && strcmp(r->b[i].user, user) == 0)
			r->b[i].used = false;
}

/* host and port of the REGISTER's source; false if unknown */
static bool source_of(struct gw_app *app, char *host, size_t hlen,
		      char *port, size_t plen)
{
	msg_t *msg = nua_current_request(app->nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;

	if (!ai || !ai->ai_addr)
		return false;
	return getnameinfo(ai->ai_addr, (socklen_t)ai->ai_addrlen, host,
			   (socklen_t)hlen, port, (socklen_t)plen,
			   NI_NUMERICHOST | NI_NUMERICSERV) == 0;
}

/*
 * The URI calls go to: the Contact, or, when its host:port is not the
 * source's, sip:USER@SOURCE:PORT with the Contact's transport (NAT).
 */
static void call_uri(const url_t *u, const char *contact, const char *host,
		     const char *port, char *out, size_t len)
{
	const char *uport = u->url_port ? u->url_port : "5060";
	const char *tp = u->url_params ?
				 strstr(u->url_params, "transport=") : NULL;
	bool v6 = strchr(host, ':') != NULL;
	size_t tplen = tp ? strcspn(tp, ";") : 0;

	if (!host[0] || (u->url_host && strcmp(u->url_host, host) == 0 &&
			 strcmp(uport, port) == 0)) {
		snprintf(out, len, "%s", contact);
		return;
	}
	snprintf(out, len, "sip:%s%s%s%s%s:%s%s%.*s",
		 u->url_user ? u->url_user : "", u->url_user ? "@" : "",
		 v6 ? "[" : "", host, v6 ? "]" : "", port, tp ? ";" : "",
		 (int)tplen, tp ? tp : "");
}

static int bind_contact(struct gw_registrar *r, const char *user,
			const sip_contact_t *m, unsigned expires,
			const char *host, const char *port)
{
	char contact[256];
	struct reg_binding *b;

	url_e(contact, sizeof(contact), m->m_url);
	contact[sizeof(contact) - 1] = 0;
	b = find(r, user, contact);
	if (!expires) {
		if (b) {
			b->used = false;
			gw_log(GW_LOG_INFO, "registrar",
			       "%s unregistered %s", user, contact);
		} else {
			gw_log(GW_LOG_DEBUG, "registrar",
			       "%s: no binding to remove for %s", user,
			       contact);
		}
		return 0;
	}
	if (!b) {
		for (int i = 0; i < REG_MAX_BINDINGS && !b; i++)
			if (!r->b[i].used)
				b = &r->b[i];
		if (!b)
			return -ENOSPC;
		memset(b, 0, sizeof(*b));
		b->used = true;
		snprintf(b->user, sizeof(b->user), "%s", user);
		snprintf(b->contact, sizeof(b->contact), "%s", contact);
	}
	snprintf(b->source, sizeof(b->source), "%s%s%s:%s",
		 strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", port);
	call_uri(m->m_url, contact, host, port, b->call, sizeof(b->call));
	b->expires_at = now_s() + expires;
	b->seq = ++r->seq;
	gw_log(GW_LOG_INFO, "registrar",
	       "%s registered %s for %u s from %s (calls to %s)", user,
	       contact, expires, b->source, b->call);
	return 0;
}

/* The Contact header lines of the 200 OK: every binding of user. */
static void contact_list(struct gw_registrar *r, const char *user, char *buf,
			 size_t len)
{
	time_t now = now_s();
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < REG_MAX_BINDINGS; i++)
		if (r->b[i].used && strcmp(r->b[i].user, user) == 0)
			gw_strbuf_add(buf, len, &off,
				      "Contact: <%s>;expires=%ld\r\n",
				      r->b[i].contact,
				      (long)(r->b[i].expires_at - now));
}

void gw_registrar_request(struct gw_app *app, nua_t *nua, nua_handle_t *nh,
			  const sip_t *sip)
{
	const struct gw_conf_sec *sec = app->conf->sec;
	struct gw_registrar *r = app->registrar;
	const char *aor;
	char user[64], host[64] = "", port[16] = "", min[32];
	char *hdrs;
	const sip_contact_t *m;
	int err = 0;

	if (!r || !sip || !sip->sip_to) {
		nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_THIS(nua),
			    TAG_END());
		goto out;
	}
	if (gw_auth_register(app, nua, nh, sip, user, sizeof(user)) < 0) {
		gw_log(GW_LOG_DEBUG, "registrar", "REGISTER challenged");
		goto out; /* answered 401/403 */
	}
	aor = sip->sip_to->a_url->url_user;
	if (!aor || strcmp(aor, user) != 0) {
		gw_log(GW_LOG_NOTICE, "registrar",
		       "user %s may not register %s: 403", user,
		       aor ? aor : "(no user)");
		nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua),
			    TAG_END());
		goto out;
	}
	purge(r);
	source_of(app, host, sizeof(host), port, sizeof(port));
	m = sip->sip_contact;
	if (m && m->m_url->url_type == url_any) { /* "Contact: *" */
		if (!sip->sip_expires || sip->sip_expires->ex_delta != 0) {
			nua_respond(nh, SIP_400_BAD_REQUEST,
				    NUTAG_WITH_THIS(nua), TAG_END());
			goto out;
		}
		remove_user(r, user);
		gw_log(GW_LOG_INFO, "registrar", "%s unregistered all", user);
		m = NULL;
	}
	/* RFC 3261 §10.3 step 7: check every interval before any change */
	for (const sip_contact_t *k = m; k; k = k->m_next) {
		unsigned e = sip->sip_expires ? sip->sip_expires->ex_delta :
						(unsigned)sec->register_max_s;

		if (k->m_expires)
			e = (unsigned)strtoul(k->m_expires, NULL, 10);
		if (e && e < (unsigned)sec->register_min_s) {
			snprintf(min, sizeof(min), "%d", sec->register_min_s);
			nua_respond(nh, SIP_423_INTERVAL_TOO_BRIEF,
				    NUTAG_WITH_THIS(nua),
				    SIPTAG_MIN_EXPIRES_STR(min), TAG_END());
			goto out;
		}
	}
	for (; m && !err; m = m->m_next) {
		unsigned e = sip->sip_expires ? sip->sip_expires->ex_delta :
						(unsigned)sec->register_max_s;

		if (m->m_expires)
			e = (unsigned)strtoul(m->m_expires, NULL, 10);
		if (e > (unsigned)sec->register_max_s)
			e = (unsigned)sec->register_max_s;
		err = bind_contact(r, user, m, e, host, port);
	}
	if (err) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR,
			    NUTAG_WITH_THIS(nua), TAG_END());
		goto out;
	}
	hdrs = malloc(8192);
	if (!hdrs) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR,
			    NUTAG_WITH_THIS(nua), TAG_END());
		goto out;
	}
	contact_list(r, user, hdrs, 8192);
	nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua),
		    TAG_IF(hdrs[0], SIPTAG_HEADER_STR(hdrs)), TAG_END());
	free(hdrs);
out:
	nua_handle_destroy(nh);
}

int gw_registrar_resolve(struct gw_app *app, const char *target, char *uri,
			 size_t len)
{
	struct gw_registrar *r = app->registrar;
	const struct reg_binding *best = NULL;

	if (strncmp(target, "user:", 5) != 0)
		return -EINVAL;
	if (!r)
		return -ENOENT;
	purge(r);
	for (int i = 0; i < REG_MAX_BINDINGS; i++)
		if (r->b[i].used && strcmp(r->b[i].user, target + 5) == 0 &&
		    (!best || r->b[i].seq > best->seq))
			best = &r->b[i];
	if (!best)
		return -ENOENT;
	snprintf(uri, len, "%s", best->call);
	return 0;
}

size_t gw_registrar_show(struct gw_app *app, char *buf, size_t len)
{
	struct gw_registrar *r = app->registrar;
	time_t now = now_s();
	size_t off = 0;

	if (len)
		buf[0] = 0;
	if (!r)
		return 0;
	purge(r);
	for (int i = 0; i < REG_MAX_BINDINGS; i++) {
		const struct reg_binding *b = &r->b[i];

		if (b->used)
			gw_strbuf_add(buf, len, &off,
				      "binding user=%s contact=%s call=%s "
				      "source=%s expires_in=%lds\n",
				      b->user, b->contact, b->call, b->source,
				      (long)(b->expires_at - now));
	}
	return off;
}

int gw_registrar_contacts(struct gw_app *app, const char *user,
			  char (*uris)[256], int max)
{
	struct gw_registrar *r = app->registrar;
	unsigned long below = (unsigned long)-1;
	int n = 0;

	if (!r)
		return 0;
	purge(r);
	while (n < max) { /* newest first: by falling seq */
		const struct reg_binding *best = NULL;

		for (int i = 0; i < REG_MAX_BINDINGS; i++)
			if (r->b[i].used && r->b[i].seq < below &&
			    strcmp(r->b[i].user, user) == 0 &&
			    (!best || r->b[i].seq > best->seq))
				best = &r->b[i];
		if (!best)
			break;
		snprintf(uris[n++], 256, "%s", best->call);
		below = best->seq;
	}
	return n;
}
