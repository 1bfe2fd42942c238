// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fork: parallel INVITEs to a registered user's contacts, and the
 * handles no call owns any more (see fork.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/url.h>

#include "gateway/app.h"
#include "gateway/call.h"
#include "gateway/callfeat.h"
#include "gateway/fork.h"
#include "gateway/log.h"
#include "gateway/registrar.h"
#include "gateway/routeact.h"
#include "gateway/transport.h"

struct fork_branch {
	nua_handle_t *nh; /* NULL once destroyed (or handed to the call) */
	char uri[256];
	char contact[128]; /* our Contact on TLS, "" otherwise */
	int status;	   /* its final status, 0: none yet */
	char phrase[64];
	bool final;
};

struct gw_fork {
	struct gw_app *app;
	struct gw_fork *next;
	struct gw_call *call; /* NULL: answered or given up */
	unsigned call_id;     /* for the log */
	bool rang;
	int n;
	struct fork_branch b[GW_FORK_MAX_BRANCHES];
};

static struct gw_fork *fork_new(struct gw_app *app)
{
	struct gw_fork *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->app = app;
	f->next = app->forks;
	app->forks = f;
	return f;
}

/* Free f once no call waits on it and nua has let go of every handle. */
static void reap(struct gw_fork *f)
{
	struct gw_fork **pp;

	if (f->call)
		return;
	for (int i = 0; i < f->n; i++)
		if (f->b[i].nh)
			return;
	for (pp = &f->app->forks; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	free(f);
}

int gw_fork_start(struct gw_call *c, const char *target, const char *from,
		  const char *hdrs)
{
	struct gw_app *app = c->app;
	char uris[GW_FORK_MAX_BRANCHES][256], sdp[1024];
	struct gw_fork *f;
	int n;

	if (strncmp(target, "user:", 5) != 0)
		return -EINVAL;
	n = gw_registrar_contacts(app, target + 5, uris,
				  GW_FORK_MAX_BRANCHES);
	if (n <= 0)
		return -ENOENT;
	if (gw_call_offer_sdp(c, sdp, sizeof(sdp)) < 0)
		return -EIO;
	f = fork_new(app);
	if (!f)
		return -ENOMEM;
	f->call = c;
	f->call_id = c->id;
	for (int i = 0; i < n; i++) {
		struct fork_branch *b = &f->b[f->n];
		const char *uri = uris[i];

		b->nh = nua_handle(app->nua, NULL, SIPTAG_TO_STR(uri),
				   TAG_END());
		if (!b->nh)
			continue;
		snprintf(b->uri, sizeof(b->uri), "%.255s", uri);
		gw_transport_contact(app->conf, NULL, uri, b->contact,
				     sizeof(b->contact)); /* TLS */
		nua_invite(b->nh, SIPTAG_FROM_STR(from),
			   TAG_IF(b->contact[0],
				  SIPTAG_CONTACT_STR(b->contact)),
			   TAG_IF(strstr(uri, ";transport="),
				  NUTAG_URL(URL_STRING_MAKE(uri))),
			   TAG_IF(hdrs && *hdrs, SIPTAG_HEADER_STR(hdrs)),
			   SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
		f->n++;
		gw_log(GW_LOG_INFO, "call", "call %u: %s: INVITE %s (branch %d "
		       "of %d)", c->id, target, uri, f->n, n);
	}
	explicit_bzero(sdp, sizeof(sdp)); /* may hold SRTP keys */
	if (!f->n) {
		f->call = NULL;
		reap(f);
		return -ENOMEM;
	}
	c->fork = f;
	snprintf(c->peer, sizeof(c->peer), "%s", target);
	return 0;
}

static struct fork_branch *branch_of(struct gw_app *app, nua_handle_t *nh,
				     struct gw_fork **ret)
{
	for (struct gw_fork *f = app->forks; f; f = f->next)
		for (int i = 0; i < f->n; i++)
			if (f->b[i].nh == nh) {
				*ret = f;
				return &f->b[i];
			}
	return NULL;
}

/* CANCEL every branch still waiting for its final answer. */
static void cancel_rest(struct gw_fork *f)
{
	for (int i = 0; i < f->n; i++)
		if (f->b[i].nh && !f->b[i].final)
			nua_cancel(f->b[i].nh, TAG_END());
}

/* Branch b answered first: it becomes the call's SIP leg. */
static void win(struct gw_fork *f, struct fork_branch *b, int status,
		const char *phrase, const sip_t *sip)
{
	struct gw_call *c = f->call;
	int others = 0;

	f->call = NULL;
	c->fork = NULL;
	c->nh = b->nh;
	b->nh = NULL;
	b->final = true;
	nua_handle_bind(c->nh, c);
	snprintf(c->peer, sizeof(c->peer), "%s", b->uri);
	snprintf(c->contact, sizeof(c->contact), "%s", b->contact);
	for (int i = 0; i < f->n; i++)
		others += f->b[i].nh && !f->b[i].final;
	gw_log(GW_LOG_INFO, "call", "call %u: answered (%d) by %s: CANCEL to "
	       "%d other branch%s", f->call_id, status, b->uri, others,
	       others == 1 ? "" : "es");
	cancel_rest(f);
	gw_call_sip_response(c, status, phrase, sip);
}

/* Every branch failed: the call fails with the best status. */
static void fail_all(struct gw_fork *f)
{
	struct gw_call *c = f->call;
	int st[GW_FORK_MAX_BRANCHES], best;
	const char *phrase;

	for (int i = 0; i < f->n; i++)
		st[i] = f->b[i].status;
	best = gw_routeact_best_status(st, f->n);
	f->call = NULL;
	c->fork = NULL;
	phrase = best >= 0 ? f->b[best].phrase : "no answer";
	gw_log(GW_LOG_NOTICE, "call", "call %u: all %d branch%s failed: %d %s",
	       f->call_id, f->n, f->n == 1 ? "" : "es",
	       best >= 0 ? st[best] : 500, phrase);
	gw_call_sip_response(c, best >= 0 ? st[best] : 500, phrase, NULL);
}

static bool all_final(const struct gw_fork *f)
{
	for (int i = 0; i < f->n; i++)
		if (!f->b[i].final)
			return false;
	return true;
}

static void branch_failed(struct gw_fork *f, struct fork_branch *b,
			  int status, const char *phrase)
{
	if (!b->final) {
		b->final = true;
		b->status = status;
		snprintf(b->phrase, sizeof(b->phrase), "%s",
			 phrase ? phrase : "");
		gw_log(GW_LOG_INFO, "call", "call %u: branch %s: %d %s%s",
		       f->call_id, b->uri, status, phrase ? phrase : "",
		       f->call ? "" : " (cancelled)");
	}
	if (b->nh) {
		nua_handle_destroy(b->nh);
		b->nh = NULL;
	}
	if (f->call && all_final(f))
		fail_all(f);
}

bool gw_fork_sip_event(struct gw_app *app, nua_event_t event, int status,
		       const char *phrase, nua_handle_t *nh, const sip_t *sip,
		       tagi_t tags[])
{
	struct gw_fork *f;
	struct fork_branch *b = nh ? branch_of(app, nh, &f) : NULL;
	int state = nua_callstate_init;

	if (!b)
		return false;
	switch (event) {
	case nua_r_invite:
		if (status < 200) {
			if (f->call && status >= 180 && !f->rang) {
				f->rang = true; /* ringback, no early media */
				gw_call_sip_response(f->call, 180, "Ringing",
						     NULL);
			}
			break;
		}
		if (status < 300 && f->call) {
			win(f, b, status, phrase, sip);
			break;
		}
		if (status < 300) { /* a race with our CANCEL: ACK, BYE */
			gw_log(GW_LOG_INFO, "call", "call %u: late %d from %s:"
			       " BYE", f->call_id, status, b->uri);
			b->final = true;
			nua_bye(nh, TAG_END());
			break;
		}
		branch_failed(f, b, status, phrase);
		break;
	case nua_i_state:
		tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (state == nua_callstate_terminated)
			branch_failed(f, b, 500, "terminated");
		break;
	default:
		break;
	}
	reap(f);
	return true;
}

void gw_fork_cancel(struct gw_call *c)
{
	struct gw_fork *f = c->fork;

	if (!f)
		return;
	f->call = NULL;
	c->fork = NULL;
	gw_log(GW_LOG_INFO, "call", "call %u: given up: CANCEL to the "
	       "branches", f->call_id);
	cancel_rest(f);
	reap(f);
}

void gw_fork_abandon(struct gw_app *app, nua_handle_t *nh)
{
	struct gw_fork *f = fork_new(app);

	nua_handle_bind(nh, NULL);
	nua_cancel(nh, TAG_END());
	if (!f) {
		nua_handle_destroy(nh);
		return;
	}
	f->n = 1;
	f->b[0].nh = nh;
	snprintf(f->b[0].uri, sizeof(f->b[0].uri), "(abandoned)");
}

void gw_fork_shutdown(struct gw_app *app)
{
	while (app->forks) {
		struct gw_fork *f = app->forks;

		app->forks = f->next;
		for (int i = 0; i < f->n; i++) /* gone with the stack if
						 * nua_destroy() ran */
			if (f->b[i].nh && app->nua)
				nua_handle_destroy(f->b[i].nh);
		if (f->call)
			f->call->fork = NULL;
		free(f);
	}
}

void gw_fork_sip_redirect(struct gw_app *app, nua_handle_t *nh,
			  const char *target, const char *src)
{
	char uris[GW_FORK_MAX_BRANCHES][256], contact[2200], why[80];
	size_t off = 0;
	int n = gw_registrar_contacts(app, target + 5, uris,
				      GW_FORK_MAX_BRANCHES);

	if (n <= 0) {
		const char *reason = gw_callfeat_reason(480, why, sizeof(why));

		gw_log(GW_LOG_NOTICE, "call", "INVITE from %s to %s: not "
		       "registered: 480", src, target);
		nua_respond(nh, SIP_480_TEMPORARILY_UNAVAILABLE,
			    TAG_IF(reason, SIPTAG_REASON_STR(reason)),
			    TAG_END());
		return;
	}
	contact[0] = 0;
	for (int i = 0; i < n; i++) {
		int r = snprintf(contact + off, sizeof(contact) - off,
				 "%s<%s>", i ? ", " : "", uris[i]);

		if (r < 0 || (size_t)r >= sizeof(contact) - off)
			break;
		off += (size_t)r;
	}
	gw_log(GW_LOG_INFO, "call", "INVITE from %s to %s: 302 to %d "
	       "contact%s", src, target, n, n == 1 ? "" : "s");
	nua_respond(nh, SIP_302_MOVED_TEMPORARILY,
		    SIPTAG_CONTACT_STR(contact), TAG_END());
}
