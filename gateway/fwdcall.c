// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fwdcall: the call side of forwarding (gateway/fwd.h): forward_always,
 * forward_busy and forward_noanswer of FXS ports as a second SIP leg
 * with the caller's SDP passed through, received Diversion/History-Info,
 * loop and hop limits, and the route action answering 302.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/url.h>

#include "gateway/call.h"
#include "gateway/callfeat.h"
#include "gateway/conf.h"
#include "gateway/fwd.h"
#include "gateway/line_int.h"
#include "gateway/log.h"
#include "gateway/route.h"
#include "gateway/routeact.h"
#include "gateway/transport.h"
#include "gateway/trunk.h"

struct gw_fwd_call {
	struct gw_call *peer; /* the other leg, NULL once it is gone */
	bool out;	      /* the forwarded (outgoing) leg */
	char *offer;	      /* incoming leg: the caller's SDP offer */
	char *sdp;	      /* the SDP we last sent on this leg */
	char received[1024];  /* incoming: its "Diversion: ..." lines */
	char hist[512];	      /* incoming: its History-Info values */
	int hops;	      /* incoming: diversions it went through */
};

/* ---- calls ---- */

static const char *port_user(const struct gw_conf_port *p)
{
	return p->extension[0] ? p->extension : p->name;
}

static bool port_has_fwd(const struct gw_conf_port *p)
{
	return p->fwd.always[0] || p->fwd.busy[0] || p->fwd.noanswer[0];
}

/* The received Diversion and History-Info: logged, kept in f if any. */
static void received(struct gw_call *c, const sip_t *sip,
		     struct gw_fwd_call *f)
{
	char all[1024] = "", hist[512] = "", who[64] = "";
	int hops = 0, n = 0;
	size_t off = 0;

	for (const sip_unknown_t *u = sip ? sip->sip_unknown : NULL; u;
	     u = u->un_next) {
		bool h = !strcasecmp(u->un_name, "History-Info");
		char user[64];
		int k;

		if (!h && strcasecmp(u->un_name, "Diversion"))
			continue;
		gw_fwd_parse(u->un_value, h, &k, user, sizeof(user));
		gw_log(GW_LOG_INFO, "call", "call %u: received %s: %s "
		       "(redirecting number %s, %d hop%s)", c->id, u->un_name,
		       u->un_value, user[0] ? user : "unknown", k,
		       k == 1 ? "" : "s");
		if (!who[0] && !h)
			snprintf(who, sizeof(who), "%s", user);
		if (h) {
			snprintf(hist + strlen(hist), sizeof(hist) -
				 strlen(hist), "%s%s", hist[0] ? "," : "",
				 u->un_value);
			if (k > hops)
				hops = k;
			continue;
		}
		n += k;
		if (off + strlen(u->un_value) + 16 < sizeof(all))
			off += (size_t)snprintf(all + off, sizeof(all) - off,
						"%sDiversion: %s",
						off ? "\r\n" : "",
						u->un_value);
	}
	if (n > hops)
		hops = n;
	if (all[0] || hist[0])
		gw_log(GW_LOG_NOTICE, "call", "call %u: a diverted call "
		       "(redirecting number %s, %d diversion%s so far)",
		       c->id, who[0] ? who : "unknown", hops,
		       hops == 1 ? "" : "s");
	if (!f)
		return;
	snprintf(f->received, sizeof(f->received), "%s", all);
	snprintf(f->hist, sizeof(f->hist), "%s", hist);
	f->hops = hops;
}

static void respond_fail(struct gw_call *c, int status, const char *phrase)
{
	char rsn[96];
	const char *reason = gw_callfeat_reason(status, rsn, sizeof(rsn));

	if (!c->nh || c->sip_ending)
		return;
	c->sip_ending = true;
	if (!c->end_reason[0]) {
		c->end_status = status;
		snprintf(c->end_reason, sizeof(c->end_reason), "%s", phrase);
	}
	nua_respond(c->nh, status, phrase,
		    TAG_IF(reason, SIPTAG_REASON_STR(reason)), TAG_END());
}

/* What the call gets when it cannot be forwarded. */
static int fallback_status(enum gw_fwd_reason why)
{
	return why == GW_FWD_BUSY ? 486 : 480;
}

/*
 * Forward the SIP call c (its line leg already gone) from port p to its
 * forward number for reason `why`: a new SIP leg by the dial plan.
 */
static void fwd_start(struct gw_call *c, const struct gw_conf_port *p,
		      enum gw_fwd_reason why)
{
	struct gw_app *app = c->app;
	struct gw_fwd_call *f = c->fwd, *g;
	const char *num = why == GW_FWD_ALWAYS ? p->fwd.always :
			  why == GW_FWD_BUSY   ? p->fwd.busy :
						 p->fwd.noanswer;
	const char *user = port_user(p);
	struct gw_route_result r;
	struct gw_call *o;
	char from[320], hdrs[2048], host[80];
	const char *proxy;
	int err, st;

	/* the record names the port that forwarded the call */
	snprintf(c->port_name, sizeof(c->port_name), "%s", p->name);
	if (gw_fwd_names(f->received, user) || gw_fwd_names(f->hist, user)) {
		gw_log(GW_LOG_NOTICE, "call", "call %u: forwarding loop: port "
		       "%s (%s) is already in the call's Diversion/History-"
		       "Info: 482 Loop Detected", c->id, p->name, user);
		respond_fail(c, 482, "Loop Detected");
		return;
	}
	if (f->hops + 1 > GW_FWD_MAX_HOPS) {
		gw_log(GW_LOG_NOTICE, "call", "call %u: port %s: %s forward "
		       "refused: already diverted %d times (at most %d): 483",
		       c->id, p->name, gw_fwd_reason_name(why), f->hops,
		       GW_FWD_MAX_HOPS);
		respond_fail(c, 483, "Too Many Hops");
		return;
	}
	err = gw_route_lookup(app->conf, GW_ROUTE_FROM_FXS, num, &r);
	st = err ? fallback_status(why) : gw_routeact_reject(r.route);
	if (!err && !st && r.route->to != GW_ROUTE_TO_URI)
		st = fallback_status(why);
	if (st) {
		gw_log(GW_LOG_NOTICE, "call", "call %u: port %s: %s forward to "
		       "%s: %s: %d", c->id, p->name, gw_fwd_reason_name(why),
		       num, err ? "no route" : "the route does not place it",
		       st);
		respond_fail(c, st, sip_status_phrase(st));
		return;
	}
	o = gw_call_add(app, GW_CALL_SIP_TO_SIP);
	g = o ? calloc(1, sizeof(*g)) : NULL;
	if (!g) {
		if (o)
			gw_call_maybe_free(o);
		respond_fail(c, 500, "Server Internal Error");
		return;
	}
	o->fwd = g;
	g->out = true;
	g->peer = c;
	f->peer = o;
	snprintf(o->port_name, sizeof(o->port_name), "%s", p->name);
	snprintf(o->number, sizeof(o->number), "%s", r.number);
	snprintf(o->caller, sizeof(o->caller), "%s", c->caller);
	o->rtry.route = (int)(r.route - app->conf->routes) + 1;
	snprintf(host, sizeof(host), "%s:%d", app->conf->sip_host,
		 app->conf->sip_port);
	if (strchr(app->conf->sip_host, ':'))
		snprintf(host, sizeof(host), "[%s]:%d", app->conf->sip_host,
			 app->conf->sip_port);
	if (r.route->trunk) {
		o->trunk = gw_trunk_get(app, r.route->trunk);
		if (!gw_trunk_usable(o->trunk)) {
			gw_log(GW_LOG_NOTICE, "call", "call %u: forward: trunk "
			       "down: 503", c->id);
			gw_call_maybe_free(o);
			respond_fail(c, 503, "Service Unavailable");
			return;
		}
		gw_trunk_from(o->trunk, o->caller, from, sizeof(from));
	} else {
		snprintf(from, sizeof(from), "<sip:%s@%s>",
			 o->caller[0] ? o->caller : "anonymous", host);
	}
	if (gw_fwd_headers(hdrs, sizeof(hdrs),
			   (enum gw_fwd_header)app->conf->fwd_header, user,
			   host, why, f->hops + 1, f->received, r.uri) < 0)
		hdrs[0] = 0;
	proxy = o->trunk ? gw_trunk_proxy(o->trunk) : NULL;
	o->nh = nua_handle(app->nua, o, SIPTAG_TO_STR(r.uri), TAG_END());
	if (!o->nh) {
		gw_call_maybe_free(o);
		respond_fail(c, 500, "Server Internal Error");
		return;
	}
	snprintf(o->peer, sizeof(o->peer), "%s", r.uri);
	gw_transport_contact(app->conf, NULL, r.uri, o->contact,
			     sizeof(o->contact));
	g->sdp = f->offer ? strdup(f->offer) : NULL;
	gw_log(GW_LOG_NOTICE, "call", "call %u: port %s forwards (%s, "
	       "diversion %d) to %s: call %u INVITE %s", c->id, p->name,
	       gw_fwd_reason_name(why), f->hops + 1, num, o->id, r.uri);
	nua_invite(o->nh, SIPTAG_FROM_STR(from),
		   TAG_IF(o->contact[0], SIPTAG_CONTACT_STR(o->contact)),
		   TAG_IF(strstr(r.uri, ";transport="),
			  NUTAG_URL(URL_STRING_MAKE(r.uri))),
		   TAG_IF(proxy, NUTAG_PROXY(URL_STRING_MAKE(proxy))),
		   TAG_IF(hdrs[0], SIPTAG_HEADER_STR(hdrs)),
		   TAG_IF(f->offer,
			  SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		   TAG_IF(f->offer, SIPTAG_PAYLOAD_STR(f->offer)), TAG_END());
	if (c->nh && !c->sip_ending)
		nua_respond(c->nh, 181, "Call Is Being Forwarded",
			    TAG_IF(c->contact[0],
				   SIPTAG_CONTACT_STR(c->contact)),
			    TAG_END());
}

/* c leaves its line: no RTP of ours (the media goes end to end). */
static void drop_media(struct gw_call *c)
{
	if (c->rtp && !c->rtp_attached) {
		gw_rtp_session_free(c->rtp);
		c->rtp = NULL;
		c->have_remote = false;
		c->srtp_on = false;
	}
}

bool gw_fwd_invite(struct gw_call *c, struct gw_line *l, const sip_t *sip)
{
	const struct gw_conf_port *p = l->conf;
	struct gw_fwd_call *f;

	if (!port_has_fwd(p)) {
		received(c, sip, NULL);
		return false;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return false;
	c->fwd = f;
	received(c, sip, f);
	if (sip && sip->sip_payload && sip->sip_payload->pl_len)
		f->offer = strndup(sip->sip_payload->pl_data,
				   sip->sip_payload->pl_len);
	if (!p->fwd.always[0])
		return false;
	gw_log(GW_LOG_INFO, "call", "call %u: port %s forwards every call "
	       "(forward_always %s): the phone does not ring", c->id,
	       p->name, p->fwd.always);
	drop_media(c);
	fwd_start(c, p, GW_FWD_ALWAYS);
	return true;
}

bool gw_fwd_busy(struct gw_call *c, struct gw_line *l)
{
	const struct gw_conf_port *p = l->conf;

	if (!c->fwd || !p->fwd.busy[0])
		return false;
	gw_log(GW_LOG_INFO, "call", "call %u: port %s busy (%s): "
	       "forward_busy %s", c->id, p->name,
	       gw_line_state_name(l->state), p->fwd.busy);
	drop_media(c);
	fwd_start(c, p, GW_FWD_BUSY);
	return true;
}

int gw_fwd_ring_ms(const struct gw_line *l, int max_ms)
{
	const struct gw_call *c = l->call;

	if (!c || !c->fwd || !l->conf->fwd.noanswer[0] ||
	    c->dir != GW_CALL_SIP_TO_FXS || c->rtry.ringall)
		return max_ms;
	return l->conf->fwd.noanswer_s * 1000;
}

bool gw_fwd_noanswer(struct gw_line *l)
{
	struct gw_call *c = l->call;
	const struct gw_conf_port *p = l->conf;

	if (gw_fwd_ring_ms(l, -1) < 0)
		return false;
	LOG(l, GW_LOG_INFO, "no answer in %d s: ringing stopped, "
	    "forward_noanswer %s", p->fwd.noanswer_s, p->fwd.noanswer);
	gw_line_lineop(l, GW_HW_OP_RING_STOP);
	l->call = NULL;
	c->line = NULL;
	gw_line_to_idle(l);
	drop_media(c);
	fwd_start(c, p, GW_FWD_NOANSWER);
	return true;
}

/* Relay a final failure of the forwarded leg to the caller. */
static void relay_fail(struct gw_call *in, int status, const char *phrase)
{
	const char *ph = sip_status_phrase(status);

	if (!in || in->sip_ending)
		return;
	gw_log(GW_LOG_INFO, "call", "call %u: the forwarded call failed: "
	       "%d %s", in->id, status, phrase ? phrase : "");
	/* nua_respond() keeps the phrase pointer: a static one, never the
	 * response's own (gone after this callback) */
	respond_fail(in, status, ph && *ph ? ph : "Call Failed");
}

bool gw_fwd_response(struct gw_call *c, int status, const char *phrase,
		     const sip_t *sip)
{
	struct gw_call *in;
	const char *body;

	if (!c->fwd || !c->fwd->out)
		return false;
	in = c->fwd->peer;
	body = sip && sip->sip_payload && sip->sip_payload->pl_len ?
		sip->sip_payload->pl_data : NULL;
	if (status < 200) {
		if (status < 180 || !in || !in->nh || in->sip_ending)
			return true;
		if (body) {
			char *sdp = strndup(body, sip->sip_payload->pl_len);

			if (!sdp)
				return true;
			nua_respond(in->nh, 183, "Session Progress",
				    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
				    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
			free(in->fwd->sdp);
			in->fwd->sdp = sdp;
		} else {
			nua_respond(in->nh, 180, "Ringing", TAG_END());
		}
		return true;
	}
	if (status < 300) {
		char *sdp;

		if (c->sip_answered)
			return true;
		c->sip_answered = true;
		c->answer = time(NULL);
		if (!in || !in->nh || in->sip_ending || !body) {
			gw_log(GW_LOG_NOTICE, "call", "call %u: forwarded call"
			       " answered %s: BYE", c->id, body ?
			       "but the caller is gone" : "without SDP");
			c->sip_ending = true;
			nua_bye(c->nh, TAG_END());
			relay_fail(in, 502, "Bad Gateway");
			return true;
		}
		sdp = strndup(body, sip->sip_payload->pl_len);
		if (!sdp)
			return true;
		free(in->fwd->sdp);
		in->fwd->sdp = sdp;
		in->sip_answered = true;
		in->answer = c->answer;
		gw_log(GW_LOG_INFO, "call", "call %u: forwarded call %u "
		       "answered by %s: 200 OK", in->id, c->id, c->peer);
		nua_respond(in->nh, 200, "OK",
			    TAG_IF(in->contact[0],
				   SIPTAG_CONTACT_STR(in->contact)),
			    TAG_IF(gw_callfeat_require_timer(in, 200),
				   SIPTAG_REQUIRE_STR("timer")),
			    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
		return true;
	}
	gw_log(GW_LOG_INFO, "call", "call %u: forwarded INVITE failed: %d %s",
	       c->id, status, phrase ? phrase : "");
	if (!c->end_reason[0]) {
		c->end_status = status;
		snprintf(c->end_reason, sizeof(c->end_reason), "%s",
			 phrase ? phrase : "");
	}
	c->sip_ending = true;
	relay_fail(in, status, phrase);
	gw_call_maybe_free(c);
	return true;
}

bool gw_fwd_reinvite(struct gw_call *c)
{
	const char *sdp;

	if (!c->fwd || !c->fwd->peer)
		return false;
	/* the session stays as it is: the SDP we sent last, again */
	sdp = c->fwd->sdp;
	gw_log(GW_LOG_INFO, "call", "call %u: re-INVITE on a forwarded call:"
	       " session kept as it is", c->id);
	nua_respond(c->nh, 200, "OK",
		    TAG_IF(c->contact[0], SIPTAG_CONTACT_STR(c->contact)),
		    TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		    TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
	return true;
}

void gw_fwd_ended(struct gw_call *c, const char *why)
{
	struct gw_call *p = c->fwd ? c->fwd->peer : NULL;
	char rsn[80];

	if (!p || !p->nh || p->sip_ending)
		return;
	gw_log(GW_LOG_INFO, "call", "call %u: %s: ending forwarded leg %u",
	       c->id, why, p->id);
	if (p->sip_answered) {
		p->sip_ending = true;
		nua_bye(p->nh, SIPTAG_REASON_STR(gw_callfeat_reason(
				       200, rsn, sizeof(rsn))),
			TAG_END());
	} else if (p->fwd->out) {
		p->sip_ending = true;
		p->cancelled = true;
		nua_cancel(p->nh, TAG_END());
	} else {
		relay_fail(p, 480, "Temporarily Unavailable");
	}
}

void gw_fwd_free(struct gw_call *c)
{
	struct gw_fwd_call *f = c->fwd;

	if (!f)
		return;
	if (f->peer && f->peer->fwd)
		f->peer->fwd->peer = NULL;
	free(f->offer);
	free(f->sdp);
	free(f);
	c->fwd = NULL;
}

void gw_fwd_redirect(struct gw_app *app, nua_handle_t *nh, const sip_t *sip,
		     const struct gw_route_result *r, const char *user,
		     const char *src)
{
	struct gw_fwd_call f = { 0 };
	struct gw_call tmp = { .app = app };
	char hdrs[2048], contact[600], host[80];

	tmp.fwd = &f;
	received(&tmp, sip, &f);
	if (gw_fwd_names(f.received, user) || f.hops + 1 > GW_FWD_MAX_HOPS) {
		int st = f.hops + 1 > GW_FWD_MAX_HOPS ? 483 : 482;

		gw_log(GW_LOG_NOTICE, "call", "INVITE from %s to '%s': route "
		       "(line %d) redirect refused: %s: %d", src, user,
		       r->route->line, st == 482 ? "a loop" :
		       "too many diversions", st);
		nua_respond(nh, st, sip_status_phrase(st), TAG_END());
		return;
	}
	snprintf(host, sizeof(host), strchr(app->conf->sip_host, ':') ?
		 "[%s]:%d" : "%s:%d", app->conf->sip_host,
		 app->conf->sip_port);
	if (gw_fwd_headers(hdrs, sizeof(hdrs),
			   (enum gw_fwd_header)app->conf->fwd_header, user,
			   host, GW_FWD_ALWAYS, f.hops + 1, f.received,
			   r->uri) < 0)
		hdrs[0] = 0;
	snprintf(contact, sizeof(contact), "<%s>", r->uri);
	gw_log(GW_LOG_NOTICE, "call", "INVITE from %s to '%s': route (line %d)"
	       " redirects: 302 to %s", src, user, r->route->line, r->uri);
	nua_respond(nh, 302, "Moved Temporarily", SIPTAG_CONTACT_STR(contact),
		    TAG_IF(hdrs[0], SIPTAG_HEADER_STR(hdrs)), TAG_END());
}
