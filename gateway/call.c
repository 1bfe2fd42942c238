// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/url.h>

#include "gateway/auth.h"
#include "gateway/call.h"
#include "gateway/callfeat.h"
#include "gateway/cid.h"
#include "gateway/cw.h"
#include "gateway/disa.h"
#include "gateway/fork.h"
#include "gateway/fwd.h"
#include "gateway/guard.h"
#include "gateway/line.h"
#include "gateway/log.h"
#include "gateway/registrar.h"
#include "gateway/route.h"
#include "gateway/routeact.h"
#include "gateway/transport.h"
#include "gateway/trunk.h"
#include "gateway/xfer.h"

#define CLOG(c, lvl, ...) call_log(c, lvl, __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static void
call_log(struct gw_call *c, enum gw_log_level lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gw_log(lvl, "call", "call %u (%s%s%s%s%s): %s", c->id,
	       gw_call_dir_name(c->dir), c->line ? ", port " : "",
	       c->line ? c->line->conf->name : "",
	       c->callid[0] ? ", Call-ID " : "", c->callid, msg);
}

const char *gw_call_dir_name(enum gw_call_dir dir)
{
	switch (dir) {
	case GW_CALL_SIP_TO_FXO:
		return "sip-to-fxo";
	case GW_CALL_SIP_TO_FXS:
		return "sip-to-fxs";
	case GW_CALL_FXS_TO_SIP:
		return "fxs-to-sip";
	case GW_CALL_FXO_TO_SIP:
		return "fxo-to-sip";
	case GW_CALL_SIP_TO_SIP:
		return "forward";
	}
	return "?";
}

static struct gw_call *call_new(struct gw_app *app, enum gw_call_dir dir)
{
	struct gw_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->app = app;
	c->id = ++app->next_call_id;
	c->dir = dir;
	c->start = time(NULL);
	c->sdp_version = 1;
	c->sdp_dir = GW_SDP_SENDRECV;
	c->next = app->calls;
	app->calls = c;
	app->calls_total++;
	return c;
}

struct gw_call *gw_call_add(struct gw_app *app, enum gw_call_dir dir)
{
	return call_new(app, dir);
}

/* The user part of the first sip: URI in s ("" if none). */
static void uri_user(const char *s, char *out, size_t size)
{
	const char *u = strstr(s, "sip:"), *at;

	out[0] = 0;
	if (!u)
		return;
	u += 4;
	at = strchr(u, '@');
	if (at && (size_t)(at - u) < size) {
		memcpy(out, u, (size_t)(at - u));
		out[at - u] = 0;
	}
}

/* The first reason the call ends for is the one recorded. */
static void end_note(struct gw_call *c, int status, const char *why)
{
	if (c->end_reason[0])
		return;
	c->end_status = status;
	snprintf(c->end_reason, sizeof(c->end_reason), "%s", why);
}

/* The call detail record (gateway/cdr.h), when the call is over. */
static void write_cdr(struct gw_call *c)
{
	const struct gw_codec_desc *d =
		c->have_remote ? gw_codec_desc((enum gw_codec_id)c->remote.codec)
			       : NULL;
	struct gw_cdr_rec r = {
		.id = c->id,
		.call_id = c->callid,
		.start = c->start,
		.answer = c->answer,
		.end = time(NULL),
		.direction = gw_call_dir_name(c->dir),
		.port = c->port_name,
		.peer = c->peer,
		.caller = c->caller,
		.called = c->number,
		.disposition = gw_cdr_disposition(c->answer != 0,
						  c->end_status, c->cancelled),
		.cause = c->end_status,
		.reason = c->end_reason,
		.codec = d && c->answer ? d->name : "",
		.loss_pct = c->have_quality ? c->q_loss_pct : 0,
		.jitter_ms = c->have_quality ? c->q_jitter_ms : 0,
		.mos = c->have_quality ? c->q_mos : 0,
	};

	if (c->app->cdr && gw_cdr_write(c->app->cdr, &r) < 0)
		gw_log(GW_LOG_ERR, "cdr", "call %u: record not written",
		       c->id);
}

/* Free the call once both legs are done and the media thread let go. */
static void ringall_stop(struct gw_call *c, struct gw_line *keep);

static void maybe_free(struct gw_call *c)
{
	struct gw_call **pp;

	if (c->line || c->nh || c->rtp_attached || c->fork)
		return;
	if (c->rtry.dur_timer) /* max_duration_s (routeact.h) */
		su_timer_destroy(c->rtry.dur_timer);
	if (c->rtry.ring_timer) /* ring_timeout_s (fork.h) */
		su_timer_destroy(c->rtry.ring_timer);
	gw_xfer_call_freed(c); /* transfer (xfer.h) */
	ringall_stop(c, NULL); /* no phone may ring for a freed call */
	write_cdr(c);
	gw_fwd_free(c); /* forwarding (fwd.h) */
	for (pp = &c->app->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	gw_log(GW_LOG_INFO, "call", "call %u: ended after %ld s", c->id,
	       (long)(time(NULL) - c->start));
	gw_rtp_session_free(c->rtp);
	explicit_bzero(c->srtp_mine, sizeof(c->srtp_mine)); /* SRTP keys */
	explicit_bzero(c->srtp_answer, sizeof(c->srtp_answer));
	explicit_bzero(&c->srtp_local, sizeof(c->srtp_local));
	explicit_bzero(&c->srtp_remote, sizeof(c->srtp_remote));
	free(c);
}

void gw_call_maybe_free(struct gw_call *c)
{
	maybe_free(c);
}

static int open_rtp(struct gw_call *c)
{
	const struct gw_conf *conf = c->app->conf;
	int err = gw_rtp_session_alloc(&c->rtp, c->local_host[0] ?
				       c->local_host : conf->sip_host,
				       conf->rtp_port_min, conf->rtp_port_max);
	if (!err) {
		struct gw_jbuf_cfg jc;

		gw_rtp_session_set_dscp(c->rtp, conf->rtp_dscp);
		gw_jbuf_cfg_default(&jc);
		jc.mode = conf->jitter_fixed ? GW_JBUF_FIXED : GW_JBUF_ADAPTIVE;
		jc.delay_ms = (uint32_t)conf->jitter_delay_ms;
		jc.min_ms = (uint32_t)conf->jitter_min_ms;
		jc.max_ms = (uint32_t)conf->jitter_max_ms;
		gw_rtp_session_set_jitter(c->rtp, &jc);
	}
	if (err)
		CLOG(c, GW_LOG_ERR, "no RTP port in %d-%d: %s",
		     conf->rtp_port_min, conf->rtp_port_max, strerror(-err));
	return err;
}

/*
 * SRTP for the stream the remote SDP `a` describes (sip.srtp decides):
 * an offer's a=crypto lines -> our choice (same tag, our fresh key) for
 * the answer; an answer's one line -> the key of ours it took. Keys go
 * into the RTP session once; 0 or -EPROTONOSUPPORT (488 / hang up).
 */
static int srtp_setup(struct gw_call *c, const struct gw_sdp_audio *a,
		      bool offer)
{
	enum gw_conf_srtp policy = c->app->conf->srtp;
	struct gw_srtp_crypto remote, local;
	struct gw_srtp *ctx;
	int err;

	if (c->srtp_on)
		return a->srtp ? 0 : -EPROTONOSUPPORT; /* no downgrade */
	if (!a->srtp) {
		if (offer ? policy == GW_CONF_SRTP_MANDATORY : c->srtp_offer) {
			CLOG(c, GW_LOG_NOTICE, "plain RTP %s, SRTP required",
			     offer ? "offered" : "answered");
			return -EPROTONOSUPPORT;
		}
		return 0;
	}
	if (offer) {
		const char *vals[GW_SDP_MAX_CRYPTO];

		if (policy == GW_CONF_SRTP_OFF) {
			CLOG(c, GW_LOG_NOTICE, "SRTP offered, sip.srtp is off");
			return -EPROTONOSUPPORT;
		}
		for (int i = 0; i < a->ncrypto; i++)
			vals[i] = a->crypto[i];
		err = gw_srtp_sdes_choose(vals, (size_t)a->ncrypto, &remote,
					  &local);
		if (err < 0) {
			CLOG(c, GW_LOG_NOTICE, "no usable a=crypto in %d: %s",
			     a->ncrypto, gw_srtp_sdes_strerror(err));
			return -EPROTONOSUPPORT;
		}
		if (gw_srtp_sdes_encode(c->srtp_answer, sizeof(c->srtp_answer),
					&local) < 0)
			return -EPROTONOSUPPORT;
	} else {
		int i;

		if (!c->srtp_offer || a->ncrypto != 1 ||
		    gw_srtp_sdes_decode(&remote, a->crypto[0]) < 0) {
			CLOG(c, GW_LOG_NOTICE, "unusable SRTP answer");
			return -EPROTONOSUPPORT;
		}
		for (i = 0; i < GW_SRTP_SUITE_COUNT; i++)
			if (c->srtp_mine[i].tag == remote.tag &&
			    c->srtp_mine[i].key.suite == remote.key.suite)
				break;
		if (i == GW_SRTP_SUITE_COUNT) {
			CLOG(c, GW_LOG_NOTICE,
			     "SRTP answer names a tag or suite not offered");
			return -EPROTONOSUPPORT;
		}
		local = c->srtp_mine[i];
	}
	enum gw_srtp_suite suite = remote.key.suite;

	err = gw_srtp_alloc(&ctx, &local.key, &remote.key, c->rtp->ssrc);
	c->srtp_local = local;
	c->srtp_remote = remote;
	explicit_bzero(&remote, sizeof(remote));
	explicit_bzero(&local, sizeof(local));
	if (err < 0) {
		CLOG(c, GW_LOG_ERR, "SRTP context: %s", strerror(-err));
		return -EPROTONOSUPPORT;
	}
	gw_rtp_session_set_srtp(c->rtp, ctx);
	c->srtp_on = true;
	c->srtp_suite = suite;
	CLOG(c, GW_LOG_INFO, "SRTP %s", gw_srtp_suite_name(suite));
	return 0;
}

static unsigned codec_mask(const struct gw_call *c)
{
	const struct gw_conf *conf = c->app->conf;
	unsigned m = 0;

	for (int i = 0; i < conf->ncodecs; i++)
		m |= 1u << conf->codecs[i];
	return m;
}

static int set_remote(struct gw_call *c, const sip_t *sip, bool offer)
{
	struct gw_sdp_audio a;
	int err;

	if (!sip || !sip->sip_payload || !sip->sip_payload->pl_len)
		return -ENODATA;
	err = gw_sdp_parse_codecs(sip->sip_payload->pl_data,
				  sip->sip_payload->pl_len, codec_mask(c), &a);
	if (err)
		return err;
	if (c->rtp_attached &&
	    (strcmp(a.addr, c->remote.addr) || a.port != c->remote.port ||
	     a.pt != c->remote.pt))
		return 0; /* media changes mid-call come with re-INVITE work */
	if (!c->rtp_attached) {
		err = srtp_setup(c, &a, offer);
		if (err)
			return err;
	}
	err = gw_rtp_session_set_remote(c->rtp, a.addr, a.port, a.pt);
	if (err)
		return err;
	if (!c->rtp_attached) {
		err = gw_rtp_session_set_codec(c->rtp,
					       (enum gw_codec_id)a.codec, a.pt);
		if (err)
			return err;
		/* the packet time the peer wants to receive, if we can */
		if (a.ptime && a.ptime != 20 &&
		    gw_rtp_session_set_ptime(c->rtp, a.ptime) < 0)
			CLOG(c, GW_LOG_INFO, "a=ptime:%d not possible: 20 ms",
			     a.ptime);
		gw_rtp_session_set_cn(c->rtp, a.cn_pt);
	}
	if (!c->rtp_attached && gw_rtp_session_set_te(c->rtp, a.te_pt) < 0)
		a.te_pt = -1; /* unusable (clashes with the audio): none */
	c->remote = a;
	c->have_remote = true;
	return 0;
}

/*
 * Our SDP: an offer lists sip.codecs in order and telephone-event as 101;
 * an answer the chosen codec (the offer's first one we have) and the
 * offer's telephone-event, if any and if its clock is the audio's. Our
 * session changes only with our re-INVITE to G.711 for fax (version + 1),
 * so its o= version stays the same in every other copy (183, 200,
 * re-INVITE answers), as RFC 3264 §8 requires.
 */
static int local_sdp(struct gw_call *c, char *buf, size_t len, bool offer)
{
	const struct gw_conf *conf = c->app->conf;
	struct gw_sdp_fmt fmts[10];
	int nfmts = 0;
	int te_pt = conf->te_pt;
	char lines[GW_SRTP_SUITE_COUNT][GW_SDP_CRYPTO_LEN];
	const char *crypto[GW_SRTP_SUITE_COUNT];
	int ncrypto = 0;

	if (!offer) {
		fmts[nfmts].pt = c->remote.pt;
		fmts[nfmts++].codec = c->remote.codec;
		if (c->remote.cn_pt >= 0) {
			fmts[nfmts].pt = c->remote.cn_pt;
			fmts[nfmts++].codec = GW_SDP_CN;
		}
		te_pt = c->rtp->te_pt; /* -1 if unusable with the codec */
		if (c->srtp_on && c->srtp_answer[0])
			crypto[ncrypto++] = c->srtp_answer;
	} else {
		for (int i = 0; i < conf->ncodecs; i++) {
			fmts[nfmts].pt = gw_sdp_codec_pt(conf->codecs[i]);
			fmts[nfmts++].codec = conf->codecs[i];
		}
		fmts[nfmts].pt = GW_SDP_CN_PT; /* we play the peer's CN */
		fmts[nfmts++].codec = GW_SDP_CN;
	}
	if (offer && conf->srtp == GW_CONF_SRTP_MANDATORY) {
		/* one key per suite, made once: every copy offers the same */
		if (!c->srtp_offer) {
			for (int i = 0; i < GW_SRTP_SUITE_COUNT; i++) {
				c->srtp_mine[i].tag = (uint32_t)i + 1;
				if (gw_srtp_key_generate(&c->srtp_mine[i].key,
							 (enum gw_srtp_suite)i))
					return -EIO;
			}
			c->srtp_offer = true;
		}
		for (int i = 0; i < GW_SRTP_SUITE_COUNT; i++) {
			if (gw_srtp_sdes_encode(lines[i], sizeof(lines[i]),
						&c->srtp_mine[i]) < 0)
				return -EIO;
			crypto[ncrypto++] = lines[i];
		}
	}
	return gw_sdp_print_fmts(buf, len,
				 gw_transport_sdp_host_for(conf, c->local_host),
				 c->rtp->local_port,
				 fmts, nfmts, te_pt,
				 (uint64_t)c->id + (uint64_t)c->start * 1000,
				 c->sdp_version, crypto, ncrypto, c->sdp_dir);
}

int gw_call_offer_sdp(struct gw_call *c, char *buf, size_t len)
{
	if (!c->rtp && open_rtp(c))
		return -EIO;
	return local_sdp(c, buf, len, true);
}

static void respond(struct gw_call *c, int status, const char *phrase,
		    bool with_sdp)
{
	char sdp[1024], why[80];
	/* a failure's Q.850 cause (RFC 3326, gateway/callfeat.h) */
	const char *reason = status >= 300 ?
		gw_callfeat_reason(status, why, sizeof(why)) : NULL;

	if (!c->nh)
		return;
	if (with_sdp && local_sdp(c, sdp, sizeof(sdp), false) > 0)
		nua_respond(c->nh, status, phrase,
			    TAG_IF(c->contact[0],
				   SIPTAG_CONTACT_STR(c->contact)),
			    TAG_IF(gw_callfeat_require_timer(c, status),
				   SIPTAG_REQUIRE_STR("timer")),
			    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	else
		nua_respond(c->nh, status, phrase,
			    TAG_IF(c->contact[0],
				   SIPTAG_CONTACT_STR(c->contact)),
			    TAG_IF(reason, SIPTAG_REASON_STR(reason)),
			    TAG_IF(gw_callfeat_require_timer(c, status),
				   SIPTAG_REQUIRE_STR("timer")),
			    TAG_END());
	if (status >= 300)
		c->sip_ending = true;
}

static bool incoming(const struct gw_call *c)
{
	return c->dir == GW_CALL_SIP_TO_FXO || c->dir == GW_CALL_SIP_TO_FXS;
}

/* ---- incoming INVITE ---- */

/* ---- dial plan actions (gateway/routeact.h) ---- */

static bool port_idle(void *ctx, const char *name)
{
	struct gw_app *app = ctx;
	const struct gw_conf_port *p = gw_conf_port_by_name(app->conf, name);
	struct gw_line *l = p ? gw_line_by_chan(app, p->channel) : NULL;

	return l && l->state == GW_LINE_IDLE && !l->call;
}

/*
 * A ring-all group: c rings its line; ring every other idle phone of the
 * group too (l->call = c on each; c->line stays the first one until one
 * answers: gw_call_line_answered()).
 */
static void route_ringall(struct gw_call *c, const struct gw_conf_route *rt,
			  const struct gw_cid_info *ci)
{
	struct gw_app *app = c->app;
	struct gw_route_group *g = gw_routeact_group(app->conf, rt);
	struct gw_line *keep = c->line;
	int n = 1;

	if (!g || g->strategy != GW_GROUP_RING_ALL || !keep)
		return;
	for (int i = 0; i < g->nports; i++) {
		const struct gw_conf_port *p =
			gw_conf_port_by_name(app->conf, g->ports[i]);
		struct gw_line *l = p ? gw_line_by_chan(app, p->channel) : NULL;

		if (l && l != keep && port_idle(app, g->ports[i]) &&
		    gw_line_fxs_ring(l, c, ci) == 0)
			n++;
	}
	c->line = keep;
	snprintf(c->port_name, sizeof(c->port_name), "%s", keep->conf->name);
	c->rtry.ringall = n > 1;
	CLOG(c, GW_LOG_INFO, "ring-all group %s: %d phone%s ringing", g->name,
	     n, n == 1 ? "" : "s");
}

/*
 * Ring-all: stop every phone still ringing for c but `keep` (NULL: all).
 * Their l->call is cleared first, so that nothing of c (its line, its
 * media) is touched.
 */
static void ringall_stop(struct gw_call *c, struct gw_line *keep)
{
	if (!c->rtry.ringall)
		return;
	for (int i = 0; i < c->app->nlines; i++) {
		struct gw_line *l = &c->app->lines[i];

		if (l->call != c || l == keep)
			continue;
		l->call = NULL;
		gw_line_remote_gone(l, false);
	}
}

/* Ring-all: the phone that answered takes the call, the others stop. */
static void ringall_answered(struct gw_call *c)
{
	for (int i = 0; c->rtry.ringall && i < c->app->nlines; i++) {
		struct gw_line *l = &c->app->lines[i];

		if (l->call != c || l->state != GW_LINE_FXS_TALKING)
			continue;
		c->line = l;
		snprintf(c->port_name, sizeof(c->port_name), "%s",
			 l->conf->name);
		CLOG(c, GW_LOG_INFO, "ring-all: answered on %s",
		     l->conf->name);
		ringall_stop(c, l);
		c->rtry.ringall = false;
		return;
	}
}

/* max_duration_s is up: hang up both sides (as copperctl hangup). */
static void route_duration_up(su_root_magic_t *magic, su_timer_t *t,
			      su_timer_arg_t *arg)
{
	struct gw_call *c = (struct gw_call *)arg;

	(void)magic;
	(void)t;
	CLOG(c, GW_LOG_NOTICE, "route's max_duration_s reached: hanging up");
	if (c->line && !gw_cw_call_gone(c))
		gw_line_remote_gone(c->line, false);
	gw_call_line_gone(c, 0, "route max_duration_s");
}

/* At the answer: the route's max_duration_s timer, if it has one. */
static void route_duration_start(struct gw_call *c)
{
	const struct gw_conf *conf = c->app->conf;
	int idx = c->rtry.route - 1, s;

	if (idx < 0 || idx >= conf->nroutes || c->rtry.dur_timer)
		return;
	s = gw_routeact_max_duration(&conf->routes[idx]);
	if (!s)
		return;
	c->rtry.dur_timer = su_timer_create(su_root_task(c->app->root), 0);
	if (c->rtry.dur_timer)
		su_timer_set_interval(c->rtry.dur_timer, route_duration_up,
				      (su_timer_arg_t *)c,
				      (su_duration_t)s * 1000);
}

/* Has the route its max_calls already (routeact.h)? */
static bool route_full(struct gw_app *app, const struct gw_conf_route *rt)
{
	int max = gw_routeact_max_calls(rt), n = 0;
	int id = (int)(rt - app->conf->routes) + 1;

	/* to a trunk that has its max_calls (trunk.h) */
	if (rt->trunk && gw_trunk_full(app, gw_trunk_get(app, rt->trunk)))
		return true;
	if (!max)
		return false;
	for (const struct gw_call *c = app->calls; c; c = c->next)
		if (c->rtry.route == id && (c->line || !c->sip_ending))
			n++;
	return n >= max;
}

/* Has the route a free line to take the call (failover)? */
static bool route_idle(struct gw_app *app, const struct gw_route_result *r)
{
	struct gw_route_group *g = gw_routeact_group(app->conf, r->route);

	if (route_full(app, r->route))
		return false;

	if (g) {
		for (int i = 0; i < g->nports; i++)
			if (port_idle(app, g->ports[i]))
				return true;
		return false;
	}
	if (r->port)
		return port_idle(app, r->port->name);
	if (r->route->to == GW_ROUTE_TO_USER) /* registered? (fork.h) */
		return gw_registrar_resolve(app, r->uri, (char[8]){ 0 }, 8) !=
		       -ENOENT;
	if (r->route->to != GW_ROUTE_TO_FXO)
		return true; /* a URI, or no phone with that extension */
	for (int i = 0; i < app->nlines; i++)
		if (app->lines[i].type == GW_CONF_PORT_FXO &&
		    port_idle(app, app->lines[i].conf->name))
			return true;
	return false;
}

/* A hunt group's next idle line, by its strategy; NULL: all busy. */
static struct gw_line *group_line(struct gw_app *app,
				  struct gw_route_group *g)
{
	int i = gw_routeact_hunt(g, port_idle, app);
	const struct gw_conf_port *p;

	if (i < 0)
		return NULL;
	p = gw_conf_port_by_name(app->conf, g->ports[i]);
	gw_log(GW_LOG_INFO, "call", "hunt group %s (%s): port %s", g->name,
	       gw_routeact_strategy_name(g->strategy), g->ports[i]);
	return p ? gw_line_by_chan(app, p->channel) : NULL;
}

/* A route with `reject`: its status, with a Q.850 Reason (RFC 3326). */
static void route_reject(nua_handle_t *nh, const struct gw_conf_route *rt,
			 const char *user, const char *src)
{
	int st = gw_routeact_reject(rt);
	const char *ph = sip_status_phrase(st);
	char buf[96];
	const char *reason = gw_callfeat_reason(st, buf, sizeof(buf));

	gw_log(GW_LOG_NOTICE, "call",
	       "INVITE from %s to '%s': route (line %d) rejects: %d (%s)",
	       src, user, rt->line, st, reason ? reason : "no Q.850 cause");
	nua_respond(nh, st, ph && *ph ? ph : "Rejected",
		    TAG_IF(reason, SIPTAG_REASON_STR(reason)), TAG_END());
}

/* The route's caller_number / caller_name for a phone's caller ID. */
static void route_cid(const struct gw_conf_route *rt, struct gw_cid_info *ci)
{
	const char *num = gw_routeact_caller_number(rt);
	const char *name = gw_routeact_caller_name(rt);
	size_t k = 0;

	if (num[0]) {
		for (; *num && k + 1 < sizeof(ci->msg.number); num++)
			if (*num >= '0' && *num <= '9')
				ci->msg.number[k++] = *num;
		ci->msg.number[k] = 0;
		ci->msg.number_absence = 0;
	}
	if (name[0]) {
		snprintf(ci->msg.name, sizeof(ci->msg.name), "%s", name);
		ci->msg.name_absence = 0;
	}
}

static void local_uri(struct gw_app *app, const char *user, const char *name,
		      char *buf, size_t len);

/*
 * The route's caller_number / caller_name on an outgoing INVITE: the
 * From (through a trunk its account stays: the number goes in
 * P-Asserted-Identity, RFC 3325), and the call's caller for the CDR.
 */
static void route_caller(struct gw_call *c, const struct gw_conf_route *rt,
			 const char *port, char *from, size_t flen,
			 char *hdrs, size_t hlen)
{
	const char *num = gw_routeact_caller_number(rt);
	const char *name = gw_routeact_caller_name(rt);

	if (!num[0] && !name[0])
		return;
	if (num[0])
		snprintf(c->caller, sizeof(c->caller), "%s", num);
	if (c->trunk) {
		gw_trunk_from(c->trunk, name[0] ? name : c->caller, from,
			      flen);
		if (num[0])
			snprintf(hdrs, hlen, "P-Asserted-Identity: <sip:%s@%s>",
				 num, c->app->conf->sip_host);
	} else {
		local_uri(c->app, c->caller, name[0] ? name : port, from,
			  flen);
	}
	CLOG(c, GW_LOG_INFO, "caller ID set by the route: \"%s\" %s", name,
	     c->caller);
}

/*
 * The line a SIP call goes to: the port the route resolved (a named port,
 * or the FXS port with the dialled extension), else any idle FXO line.
 */
static struct gw_line *route_line(struct gw_app *app,
				  const struct gw_route_result *r)
{
	if (gw_routeact_group(app->conf, r->route)) /* routeact.h */
		return group_line(app, gw_routeact_group(app->conf, r->route));
	if (r->port)
		return gw_line_by_chan(app, r->port->channel);
	if (r->route->to != GW_ROUTE_TO_FXO)
		return NULL;
	for (int i = 0; i < app->nlines; i++) {
		struct gw_line *l = &app->lines[i];
		if (l->type == GW_CONF_PORT_FXO && l->state == GW_LINE_IDLE)
			return l;
	}
	return NULL;
}

/* Premium or international number on a route without allow_premium. */
static bool dialout_blocked(struct gw_call *c,
			    const struct gw_conf_route *route, const char *src)
{
	const char *p = gw_guard_dialout_blocked(c->app->conf, route,
						 c->number);

	if (!p)
		return false;
	gw_log(GW_LOG_WARNING, "security",
	       "SECURITY: blocked dial-out to %s (prefix %s) from %s",
	       c->number, p, src);
	return true;
}

static void reject(nua_handle_t *nh, int status, const char *phrase)
{
	char why[80];
	const char *reason = gw_callfeat_reason(status, why, sizeof(why));

	nua_respond(nh, status, phrase,
		    TAG_IF(reason, SIPTAG_REASON_STR(reason)), TAG_END());
}

/*
 * An INVITE to a port's account (trunk.h): a route of its own to that
 * port, outside the dial plan (no rewrite, group or limit of a route).
 */
static int account_route(struct gw_app *app, const struct gw_trunk *acct,
			 const char *user, struct gw_route_result *r)
{
	static const struct gw_conf_route to_port = {
		.to = GW_ROUTE_TO_FXS,
	};

	memset(r, 0, sizeof(*r));
	r->route = &to_port;
	r->port = gw_conf_port_by_channel(app->conf, gw_trunk_port(acct));
	snprintf(r->number, sizeof(r->number), "%s", user);
	gw_log(GW_LOG_INFO, "call", "INVITE to '%s': port %s's account", user,
	       r->port ? r->port->name : "?");
	return r->port ? 0 : -ENOENT;
}

/*
 * A new call for an INVITE (gw_call_sip_invite, sip_disa): bound to its
 * handle, with the dialog's details, RTP in the family the INVITE came
 * over, the SDP offer taken. false: refused (503 or 488 sent; the call
 * is freed when its transaction ends).
 */
static bool incoming_call(struct gw_call *c, nua_handle_t *nh,
			  const sip_t *sip, const su_addrinfo_t *ai,
			  const char *src, const char *to)
{
	const struct gw_conf *conf = c->app->conf;
	int err;

	c->nh = nh;
	nua_handle_bind(nh, c);
	gw_callfeat_invite(c, sip); /* RFC 4028 (callfeat.h) */
	/* on TLS: a Contact that keeps the dialog there (transport.c) */
	gw_transport_contact(conf, sip, NULL, c->contact, sizeof(c->contact));
	if (sip->sip_call_id)
		snprintf(c->callid, sizeof(c->callid), "%s",
			 sip->sip_call_id->i_id);
	if (sip->sip_from)
		url_e(c->peer, sizeof(c->peer), sip->sip_from->a_url);
	gw_cid_sip_caller(sip, c->caller, sizeof(c->caller));
	CLOG(c, GW_LOG_INFO, "INVITE from %s (%s) to %s", c->peer, src, to);
	/* RTP in the family the INVITE came over (transport.h) */
	gw_transport_local_host(conf, ai && ai->ai_addr ?
				ai->ai_addr->sa_family : 0, NULL,
				c->local_host, sizeof(c->local_host));
	if (!c->contact[0]) /* IPv4 and IPv6 (transport.h) */
		gw_transport_family_contact(conf, c->local_host, c->contact,
					    sizeof(c->contact));
	if (open_rtp(c)) {
		respond(c, 503, "Service Unavailable", false);
		return false;
	}
	err = set_remote(c, sip, true);
	if (err) {
		CLOG(c, GW_LOG_NOTICE, "unusable SDP offer (%s): 488",
		     strerror(-err));
		respond(c, 488, "Not Acceptable Here", false);
		return false;
	}
	return true;
}

/*
 * A route to = "disa:NAME" (disa.h): answer on an idle FXO line, which
 * stays on-hook until the number is known; the PIN and the number come
 * over RTP.
 */
static void sip_disa(struct gw_app *app, nua_handle_t *nh, const sip_t *sip,
		     const struct gw_route_result *r, su_addrinfo_t *ai,
		     const char *src)
{
	struct gw_line *l = NULL;
	struct gw_call *c;

	for (int i = 0; i < app->nlines && !l; i++)
		if (app->lines[i].type == GW_CONF_PORT_FXO &&
		    port_idle(app, app->lines[i].conf->name))
			l = &app->lines[i];
	if (!l) {
		gw_log(GW_LOG_NOTICE, "call", "INVITE from %s for %s: no idle "
		       "FXO line: 503", src, r->route->uri);
		reject(nh, 503, "All Lines Busy");
		return;
	}
	c = call_new(app, GW_CALL_SIP_TO_FXO);
	if (!c) {
		reject(nh, 500, "Server Internal Error");
		return;
	}
	c->rtry.route = (int)(r->route - app->conf->routes) + 1; /* max_calls */
	if (!incoming_call(c, nh, sip, ai, src, r->route->uri))
		return;
	c->line = l;
	l->call = c;
	snprintf(c->port_name, sizeof(c->port_name), "%s", l->conf->name);
	c->sip_answered = true;
	c->answer = time(NULL);
	respond(c, 200, "OK", true);
	gw_disa_start_sip(l, gw_disa_target(r->route->uri),
			  ai ? ai->ai_addr : NULL,
			  ai ? (socklen_t)ai->ai_addrlen : 0);
}

void gw_call_sip_invite(struct gw_app *app, nua_handle_t *nh, const sip_t *sip)
{
	msg_t *msg = nua_current_request(app->nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;
	char src[80] = "?";
	const char *user;
	struct gw_route_result r;
	struct gw_cid_info ci;
	struct gw_call *c;
	struct gw_line *l;
	struct gw_trunk *tin;
	int err;

	if (ai && ai->ai_addr) {
		char host[64];
		const void *a = ai->ai_family == AF_INET6 ?
			(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr :
			(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		inet_ntop(ai->ai_family, a, host, sizeof(host));
		snprintf(src, sizeof(src), "%s:%u", host,
			 ntohs(((struct sockaddr_in *)ai->ai_addr)->sin_port));
	}
	/* a trunk's address, sip.trusted or digest credentials, else
	 * 401/403 whatever the number (gateway/auth.h) */
	if (!(ai && gw_trunk_trusted(app, ai->ai_addr)) &&
	    !gw_auth_invite(app, nh, sip))
		return;
	user = sip->sip_request && sip->sip_request->rq_url->url_user ?
		       sip->sip_request->rq_url->url_user : "";
	/* from a trunk: its max_calls; to a port's account: that port,
	 * whatever the dial plan says (trunk.h) */
	tin = gw_trunk_of_source(app, ai ? ai->ai_addr : NULL, user);
	if (tin && gw_trunk_full(app, tin)) {
		reject(nh, 503, "Service Unavailable");
		return;
	}
	err = gw_trunk_port(tin) ? account_route(app, tin, user, &r) :
				   gw_route_lookup(app->conf,
						   GW_ROUTE_FROM_SIP, user, &r);
	/* failover: every line of the route busy, the next route */
	while (!err && gw_routeact_failover(r.route) &&
	       !gw_routeact_reject(r.route) && !route_idle(app, &r)) {
		gw_log(GW_LOG_NOTICE, "call", "INVITE to '%s': route (line %d)"
		       " all lines busy: failover", user, r.route->line);
		err = gw_route_lookup_next(app->conf, GW_ROUTE_FROM_SIP, user,
					   (int)(r.route - app->conf->routes),
					   &r);
	}
	if (!err && gw_routeact_reject(r.route)) { /* routeact.h */
		route_reject(nh, r.route, user, src);
		return;
	}
	if (!err && gw_routeact_redirect(r.route)) { /* 302 (fwd.h) */
		gw_fwd_redirect(app, nh, sip, &r, user, src);
		return;
	}
	if (!err && route_full(app, r.route)) { /* max_calls */
		gw_log(GW_LOG_NOTICE, "call", "INVITE from %s to '%s': route "
		       "(line %d) has its %d calls: 503", src, user,
		       r.route->line, gw_routeact_max_calls(r.route));
		reject(nh, 503, "Service Unavailable");
		return;
	}
	if (!err && r.route->to == GW_ROUTE_TO_USER) { /* fork.h */
		gw_fork_sip_redirect(app, nh, r.uri, src);
		return;
	}
	if (!err && r.route->to == GW_ROUTE_TO_DISA) { /* disa.h */
		sip_disa(app, nh, sip, &r, ai, src);
		return;
	}
	if (err || r.route->to == GW_ROUTE_TO_URI) {
		gw_log(GW_LOG_NOTICE, "call", "INVITE from %s to '%s': no route",
		       src, user);
		reject(nh, 404, "Not Found");
		return;
	}
	c = call_new(app, r.route->to == GW_ROUTE_TO_FXO ? GW_CALL_SIP_TO_FXO :
							   GW_CALL_SIP_TO_FXS);
	if (!c) {
		reject(nh, 500, "Server Internal Error");
		return;
	}
	c->trunk_in = tin;
	if (!gw_trunk_port(tin)) /* max_calls */
		c->rtry.route = (int)(r.route - app->conf->routes) + 1;
	snprintf(c->rtry.dialled, sizeof(c->rtry.dialled), "%s", user);
	snprintf(c->number, sizeof(c->number), "%s", r.number);
	if (!incoming_call(c, nh, sip, ai, src, user))
		return;
	l = route_line(app, &r);
	if (c->dir == GW_CALL_SIP_TO_FXO && dialout_blocked(c, r.route, src)) {
		respond(c, 403, "Forbidden", false);
		return;
	}
	if (c->dir == GW_CALL_SIP_TO_FXO) {
		if (!l || gw_line_fxo_dial(l, c) < 0) {
			CLOG(c, GW_LOG_NOTICE, "all lines busy: 503");
			respond(c, 503, "All Lines Busy", false);
		}
		return;
	}
	if (!l && gw_routeact_group(app->conf, r.route)) {
		CLOG(c, GW_LOG_NOTICE, "hunt group all busy: 486");
		respond(c, 486, "Busy Here", false);
		return;
	}
	if (!l) {
		respond(c, 404, "Not Found", false);
		return;
	}
	if (gw_fwd_invite(c, l, sip)) /* forward_always (fwd.h) */
		return;
	gw_cid_from_sip(sip, &ci); /* caller ID and ring cadence */
	route_cid(r.route, &ci); /* caller_number/name (routeact.h) */
	if (gw_line_fxs_ring(l, c, &ci) < 0) {
		if (gw_cw_offer(l, c, &ci) == 0) { /* call waiting (cw.h) */
			respond(c, 180, "Ringing", false);
			return;
		}
		if (gw_fwd_busy(c, l)) /* forward_busy (fwd.h) */
			return;
		CLOG(c, GW_LOG_NOTICE, "port %s busy: 486", l->conf->name);
		respond(c, 486, "Busy Here", false);
		return;
	}
	route_ringall(c, r.route, &ci); /* ring-all groups (routeact.h) */
	respond(c, 180, "Ringing", false);
}

/* ---- outgoing INVITE ---- */

/* hdrs: extra header lines (CRLF separated) or NULL */
static int invite(struct gw_call *c, const char *uri, const char *from,
		  const char *hdrs)
{
	char sdp[1024];
	/* through a trunk: its proxy (trunk.c) */
	const char *proxy = c->trunk ? gw_trunk_proxy(c->trunk) : NULL;

	/* RTP in the family of the next hop (transport.h) */
	gw_transport_local_host(c->app->conf, 0, proxy ? proxy : uri,
				c->local_host, sizeof(c->local_host));
	if (open_rtp(c) || local_sdp(c, sdp, sizeof(sdp), true) < 0)
		return -EIO;
	c->nh = nua_handle(c->app->nua, c, SIPTAG_TO_STR(uri), TAG_END());
	if (!c->nh)
		return -ENOMEM;
	snprintf(c->peer, sizeof(c->peer), "%s", uri);
	gw_transport_contact(c->app->conf, NULL, uri, c->contact,
			     sizeof(c->contact)); /* TLS (transport.c) */
	if (!c->contact[0]) /* IPv4 and IPv6 (transport.h) */
		gw_transport_family_contact(c->app->conf, c->local_host,
					    c->contact, sizeof(c->contact));
	nua_invite(c->nh, SIPTAG_FROM_STR(from),
		   TAG_IF(c->contact[0], SIPTAG_CONTACT_STR(c->contact)),
		   /* the Request-URI with its ;transport= (To drops it) */
		   TAG_IF(strstr(uri, ";transport="),
			  NUTAG_URL(URL_STRING_MAKE(uri))),
		   TAG_IF(proxy, NUTAG_PROXY(URL_STRING_MAKE(proxy))),
		   TAG_IF(hdrs && *hdrs, SIPTAG_HEADER_STR(hdrs)),
		   SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	CLOG(c, GW_LOG_INFO, "INVITE %s", uri);
	return 0;
}

static void local_uri(struct gw_app *app, const char *user, const char *name,
		      char *buf, size_t len)
{
	const char *h = app->conf->sip_host;
	bool v6 = strchr(h, ':') != NULL;

	snprintf(buf, len, "\"%s\" <sip:%s@%s%s%s:%d>", name, user,
		 v6 ? "[" : "", h, v6 ? "]" : "", app->conf->sip_port);
}

static void fxs_try(struct gw_line *l, const char *number, int after);

/* ring_timeout_s is up: give the call up as a 408 (fork.h). */
static void ring_timeout(su_root_magic_t *magic, su_timer_t *t,
			 su_timer_arg_t *arg)
{
	struct gw_call *c = (struct gw_call *)arg;

	(void)magic;
	(void)t;
	if (c->sip_answered || c->sip_ending || !c->line)
		return;
	CLOG(c, GW_LOG_NOTICE, "no answer from %s in ring_timeout_s: given "
	     "up", c->peer);
	if (c->fork) {
		gw_fork_cancel(c);
	} else if (c->nh) {
		gw_fork_abandon(c->app, c->nh); /* CANCEL, BYE a late 2xx */
		c->nh = NULL;
	}
	gw_call_sip_response(c, 408, "no answer (ring_timeout_s)", NULL);
}

static void ring_timer_start(struct gw_call *c,
			     const struct gw_conf_route *rt)
{
	if (!rt->ring_timeout_s || c->rtry.ring_timer)
		return;
	c->rtry.ring_timer = su_timer_create(su_root_task(c->app->root), 0);
	if (c->rtry.ring_timer)
		su_timer_set_interval(c->rtry.ring_timer, ring_timeout,
				      (su_timer_arg_t *)c,
				      (su_duration_t)rt->ring_timeout_s * 1000);
}

/*
 * A phone's call to "user:NAME": every contact at once (fork.h); not
 * registered: 480, which hunts on along a list (routeact.h).
 */
static void fxs_user(struct gw_call *c, const struct gw_route_result *r,
		     const char *from, const char *hdrs)
{
	int err = gw_fork_start(c, r->uri, from, hdrs);

	snprintf(c->peer, sizeof(c->peer), "%s", r->uri);
	if (err == -ENOENT) {
		CLOG(c, GW_LOG_NOTICE, "%s is not registered: 480", r->uri + 5);
		gw_call_sip_response(c, 480, "Temporarily Unavailable", NULL);
		return;
	}
	if (err < 0) {
		gw_call_sip_response(c, 500, "Server Internal Error", NULL);
		return;
	}
	ring_timer_start(c, r->route);
}

void gw_call_from_fxs(struct gw_line *l, const char *number)
{
	fxs_try(l, number, -1);
}

/*
 * A phone's call by the first route for `number` after routes[after]
 * (-1: from the start; failover, routeact.h).
 */
static void fxs_try(struct gw_line *l, const char *number, int after)
{
	struct gw_app *app = l->app;
	struct gw_route_result r;
	struct gw_call *c;
	char from[256], hdrs[160] = "";
	int err;

	err = after < 0 ? gw_route_lookup(app->conf, GW_ROUTE_FROM_FXS,
					  number, &r) :
			  gw_route_lookup_next(app->conf, GW_ROUTE_FROM_FXS,
					       number, after, &r);
	if (!err && gw_routeact_reject(r.route)) { /* routeact.h */
		gw_log(GW_LOG_NOTICE, "call", "port %s: '%s': route (line %d)"
		       " rejects: %d", l->conf->name, number, r.route->line,
		       gw_routeact_reject(r.route));
		gw_line_remote_gone(l, false);
		return;
	}
	/* max_calls (routeact.h): the next route, or reorder */
	while (!err && route_full(app, r.route) &&
	       gw_routeact_failover(r.route))
		err = gw_route_lookup_next(app->conf, GW_ROUTE_FROM_FXS,
					   number,
					   (int)(r.route - app->conf->routes),
					   &r);
	if (!err && route_full(app, r.route)) {
		gw_log(GW_LOG_NOTICE, "call", "port %s: '%s': route (line %d)"
		       " has its %d calls", l->conf->name, number,
		       r.route->line, gw_routeact_max_calls(r.route));
		gw_line_remote_gone(l, false);
		return;
	}
	if (err || (r.route->to != GW_ROUTE_TO_URI &&
		    r.route->to != GW_ROUTE_TO_USER)) {
		gw_log(GW_LOG_NOTICE, "call", "port %s: no route for '%s'",
		       l->conf->name, number);
		gw_line_remote_gone(l, false);
		return;
	}
	c = call_new(app, GW_CALL_FXS_TO_SIP);
	if (!c) {
		gw_line_remote_gone(l, false);
		return;
	}
	c->line = l;
	snprintf(c->port_name, sizeof(c->port_name), "%s", l->conf->name);
	l->call = c;
	snprintf(c->number, sizeof(c->number), "%s", r.number);
	snprintf(c->caller, sizeof(c->caller), "%s",
		 l->conf->extension[0] ? l->conf->extension : l->conf->name);
	/* for failover (routeact.h) */
	snprintf(c->rtry.dialled, sizeof(c->rtry.dialled), "%s", number);
	c->rtry.route = (int)(r.route - app->conf->routes) + 1;
	local_uri(app, l->conf->extension[0] ? l->conf->extension :
					       l->conf->name,
		  l->conf->name, from, sizeof(from));
	if (r.route->trunk) { /* to = "trunk:NAME" (trunk.c) */
		c->trunk = gw_trunk_get(app, r.route->trunk);
		if (!gw_trunk_usable(c->trunk) && r.route->chain_next) {
			CLOG(c, GW_LOG_NOTICE, "trunk %s is down: 503",
			     app->conf->trunks[r.route->trunk - 1].name);
			gw_call_sip_response(c, 503, "trunk down", NULL);
			return; /* the list's next target (fork.h) */
		}
		/* the port's own account on it, if it has one */
		c->trunk = gw_trunk_port_account(app, c->trunk,
						 l->conf->channel);
		if (!gw_trunk_usable(c->trunk)) {
			CLOG(c, GW_LOG_NOTICE, "trunk %s is down: call refused",
			     app->conf->trunks[r.route->trunk - 1].name);
			end_note(c, 503, "trunk down");
			c->line = NULL;
			l->call = NULL;
			gw_line_remote_gone(l, false);
			maybe_free(c);
			return;
		}
		gw_trunk_from(c->trunk, c->caller, from, sizeof(from));
	}
	route_caller(c, r.route, l->conf->name, from, sizeof(from), hdrs,
		     sizeof(hdrs));
	if (r.route->to == GW_ROUTE_TO_USER) { /* fork.h */
		fxs_user(c, &r, from, hdrs);
		return;
	}
	if (invite(c, r.uri, from, hdrs) < 0) {
		gw_line_remote_gone(l, false);
		maybe_free(c);
		return;
	}
	ring_timer_start(c, r.route);
}

/*
 * target "user:NAME": every registered contact of the user at once
 * (fork.h; returns 1). Not registered: the call ends (480) and the line
 * is left ringing. 0: target is a URI (in uri).
 */
static int fxo_user_target(struct gw_call *c, const char *conf_target,
			   char *uri, size_t len, const char *from,
			   const char *hdrs)
{
	struct gw_line *l = c->line;
	int err;

	snprintf(uri, len, "%s", conf_target);
	if (strncmp(conf_target, "user:", 5) != 0)
		return 0;
	err = gw_fork_start(c, conf_target, from, hdrs); /* fork.h */
	if (!err)
		return 1;
	if (err != -ENOENT) {
		gw_line_remote_gone(l, false);
		maybe_free(c);
		return err;
	}
	CLOG(c, GW_LOG_NOTICE, "%s is not registered: not answered",
	     conf_target + 5);
	end_note(c, 480, "user not registered");
	c->line = NULL;
	l->call = NULL;
	gw_line_remote_gone(l, false);
	maybe_free(c);
	return err;
}

void gw_call_from_fxo(struct gw_line *l)
{
	struct gw_app *app = l->app;
	struct gw_call *c;
	char from[256], hdrs[512], target[256];
	int err;

	if (!l->conf->target[0]) {
		gw_log(GW_LOG_NOTICE, "call",
		       "port %s: ringing but no target configured: ignored",
		       l->conf->name);
		gw_line_remote_gone(l, false);
		return;
	}
	c = call_new(app, GW_CALL_FXO_TO_SIP);
	if (!c) {
		gw_line_remote_gone(l, false);
		return;
	}
	c->line = l;
	snprintf(c->port_name, sizeof(c->port_name), "%s", l->conf->name);
	l->call = c;
	if (!gw_cid_sip_from(l, from, sizeof(from), hdrs, sizeof(hdrs)))
		local_uri(app, l->conf->name, l->conf->name, from,
			  sizeof(from));
	uri_user(from, c->caller, sizeof(c->caller));
	if (gw_disa_target(l->conf->target)) { /* disa.h: answer, PIN */
		snprintf(c->peer, sizeof(c->peer), "%s", l->conf->target);
		gw_disa_start(l, gw_disa_target(l->conf->target));
		return;
	}
	err = fxo_user_target(c, l->conf->target, target, sizeof(target), from,
			      hdrs);
	if (err)
		return; /* forked, or not registered */
	if (invite(c, target, from, hdrs) < 0) {
		gw_line_remote_gone(l, false);
		maybe_free(c);
	}
}

/*
 * The number a DISA caller keyed passed its route's checks: the call
 * takes it, unless it is a blocked prefix (guard.h); counts for the
 * route's max_calls. -EPERM: refused (noted for the CDR).
 */
static int disa_accept(struct gw_call *c, const struct gw_route_result *r,
		       const char *number, const char *src)
{
	snprintf(c->number, sizeof(c->number), "%s", r->number);
	if (dialout_blocked(c, r->route, src)) {
		end_note(c, 403, "DISA: blocked prefix");
		return -EPERM;
	}
	c->rtry.route = (int)(r->route - c->app->conf->routes) + 1;
	snprintf(c->rtry.dialled, sizeof(c->rtry.dialled), "%s", number);
	return 0;
}

/*
 * A SIP caller's DISA number: a route from "disa" to an FXO port (any,
 * or the line's own), the blocked prefixes, then the line (which the
 * call holds, on-hook) seizes and dials it.
 */
static int disa_fxo(struct gw_call *c, struct gw_line *l, const char *number)
{
	struct gw_app *app = c->app;
	struct gw_route_result r;
	char src[80];
	int err = gw_route_lookup(app->conf, GW_ROUTE_FROM_DISA, number, &r);

	snprintf(src, sizeof(src), "DISA for SIP caller %.50s", c->peer);
	if (err || gw_routeact_reject(r.route) ||
	    r.route->to != GW_ROUTE_TO_FXO || gw_routeact_group(app->conf,
								r.route) ||
	    (r.port && r.port != l->conf && strcmp(r.port->name,
						   l->conf->name))) {
		CLOG(c, GW_LOG_NOTICE, "DISA: '%s' has no route from disa to "
		     "this line (%s)", number, l->conf->name);
		end_note(c, 404, "DISA: number not allowed");
		return -EPERM;
	}
	if (disa_accept(c, &r, number, src))
		return -EPERM;
	return 0; /* disa.c seizes the line and dials c->number */
}

int gw_call_disa_route(struct gw_call *c, const char *number)
{
	struct gw_app *app = c->app;
	struct gw_line *l = c->line;
	struct gw_route_result r;
	char from[256], hdrs[512] = "", src[64];
	int err, st;

	if (!l)
		return -ENOTCONN;
	if (c->dir == GW_CALL_SIP_TO_FXO) /* from SIP: out on its line */
		return disa_fxo(c, l, number);
	snprintf(src, sizeof(src), "DISA on port %s", l->conf->name);
	err = gw_route_lookup(app->conf, GW_ROUTE_FROM_DISA, number, &r);
	while (!err && route_full(app, r.route) &&
	       gw_routeact_failover(r.route)) /* max_calls (routeact.h) */
		err = gw_route_lookup_next(app->conf, GW_ROUTE_FROM_DISA,
					   number,
					   (int)(r.route - app->conf->routes),
					   &r);
	st = err ? 404 : gw_routeact_reject(r.route) ? gw_routeact_reject(
			r.route) : r.route->to != GW_ROUTE_TO_URI ? 404 :
		route_full(app, r.route) ? 503 : 0;
	if (st) {
		CLOG(c, GW_LOG_NOTICE, "DISA: '%s' %s: %d", number,
		     err ? "has no route from disa" :
		     gw_routeact_reject(r.route) ? "rejected by its route" :
		     st == 503 ? "route has its max_calls" :
		     "routes to a port (DISA reaches SIP only)", st);
		end_note(c, st, "DISA: number not allowed");
		return -EPERM;
	}
	if (disa_accept(c, &r, number, src))
		return -EPERM;
	if (!gw_cid_sip_from(l, from, sizeof(from), hdrs, sizeof(hdrs)))
		local_uri(app, l->conf->name, l->conf->name, from,
			  sizeof(from));
	if (r.route->trunk) { /* to = "trunk:NAME" (trunk.c) */
		c->trunk = gw_trunk_get(app, r.route->trunk);
		if (!gw_trunk_usable(c->trunk)) {
			CLOG(c, GW_LOG_NOTICE, "DISA: trunk %s is down",
			     app->conf->trunks[r.route->trunk - 1].name);
			end_note(c, 503, "trunk down");
			return -EAGAIN;
		}
		gw_trunk_from(c->trunk, c->caller[0] ? c->caller :
			      l->conf->name, from, sizeof(from));
	}
	route_caller(c, r.route, l->conf->name, from, sizeof(from), hdrs,
		     sizeof(hdrs));
	err = invite(c, r.uri, from, hdrs);
	if (err < 0)
		end_note(c, 500, "DISA: INVITE failed");
	return err;
}

/* ---- line side ---- */

void gw_call_line_progress(struct gw_call *c)
{
	if (c->dir == GW_CALL_SIP_TO_FXO && !c->sip_answered && !c->sip_ending)
		respond(c, 183, "Session Progress", true);
}

void gw_call_line_answered(struct gw_call *c)
{
	if (c)
		ringall_answered(c); /* ring-all (routeact.h) */
	if (!c || !incoming(c) || c->sip_answered || c->sip_ending)
		return;
	CLOG(c, GW_LOG_INFO, "answered: 200 OK");
	c->sip_answered = true;
	c->answer = time(NULL);
	respond(c, 200, "OK", true);
	route_duration_start(c); /* max_duration_s (routeact.h) */
}

void gw_call_line_gone(struct gw_call *c, int status, const char *why)
{
	ringall_stop(c, NULL); /* ring-all: the other phones (routeact.h) */
	gw_fork_cancel(c); /* forked INVITEs: CANCEL (fork.h) */
	gw_xfer_line_gone(c); /* a transfer's new call (xfer.h) */
	CLOG(c, GW_LOG_INFO, "line side ended: %s", why);
	end_note(c, status, why);
	if (!c->answer && status < 300 && (c->dir == GW_CALL_FXS_TO_SIP ||
					   c->dir == GW_CALL_FXO_TO_SIP))
		c->cancelled = true; /* the line caller gave up (else: the
				      * gateway refused it, e.g. DISA) */
	if (c->nh && !c->sip_ending) {
		char rsn[80]; /* Q.850 cause (RFC 3326, callfeat.h) */

		c->sip_ending = true;
		if (c->sip_answered) {
			nua_bye(c->nh, SIPTAG_REASON_STR(gw_callfeat_reason(
					       200, rsn, sizeof(rsn))),
				TAG_END());
		} else if (incoming(c)) {
			int st = status >= 300 ? status : 487;
			const char *reason =
				gw_callfeat_reason(st, rsn, sizeof(rsn));

			nua_respond(c->nh, st, sip_status_phrase(st),
				    TAG_IF(reason, SIPTAG_REASON_STR(reason)),
				    TAG_END());
		} else {
			nua_cancel(c->nh, TAG_END());
		}
	}
	maybe_free(c);
}

/* ---- SIP side ---- */

static void reinvite_answered(struct gw_call *c, int status,
			      const sip_t *sip);
static void hold_answered(struct gw_call *c, int status);

/*
 * A phone's unanswered call failed with `status`: if its route has
 * failover and the status is one (5xx, 408), end this call and try the
 * next route for the same number with a new one. True if it did.
 */
static bool fxs_failover(struct gw_call *c, int status)
{
	struct gw_line *l = c->line;
	const struct gw_conf *conf = c->app->conf;
	int idx = c->rtry.route - 1;
	char dialled[sizeof(c->rtry.dialled)];

	if (c->dir != GW_CALL_FXS_TO_SIP || c->sip_answered || idx < 0 ||
	    idx >= conf->nroutes || !gw_routeact_failover(&conf->routes[idx]) ||
	    !gw_routeact_hunt_status(&conf->routes[idx], status) ||
	    l->call != c ||
	    c->rtp_attached) /* early media on the line: let it end */
		return false;
	CLOG(c, GW_LOG_NOTICE, "%d from %s: failover to the next route (after"
	     " line %d)", status, c->peer, conf->routes[idx].line);
	snprintf(dialled, sizeof(dialled), "%s", c->rtry.dialled);
	c->line = NULL;
	l->call = NULL;
	maybe_free(c);
	fxs_try(l, dialled, idx);
	return true;
}

void gw_call_sip_response(struct gw_call *c, int status, const char *phrase,
			  const sip_t *sip)
{
	struct gw_line *l = c->line;

	if (!c->callid[0] && sip && sip->sip_call_id)
		snprintf(c->callid, sizeof(c->callid), "%s",
			 sip->sip_call_id->i_id);
	if (c->cw.reinvite) { /* our hold or resume (gw_call_hold()) */
		if (status >= 200)
			hold_answered(c, status);
		return;
	}
	if (c->reinvite_pending) {
		if (status >= 200)
			reinvite_answered(c, status, sip);
		return;
	}
	if ((status == 401 || status == 407) && c->nh) {
		char why[160] = "no credentials for it";

		/* only a trunk's own realm gets its credentials (trunk.h) */
		if (c->trunk && !c->sip_ending &&
		    gw_trunk_challenge(c->trunk, c->nh, sip, &c->trunk_auths,
				       why, sizeof(why)))
			return;
		CLOG(c, GW_LOG_NOTICE, "%d not answered: %s", status, why);
		/* nua waits for credentials that will not come: drop it */
		nua_handle_bind(c->nh, NULL);
		nua_handle_destroy(c->nh);
		c->nh = NULL;
	}
	if (gw_fwd_response(c, status, phrase, sip)) /* forwarded (fwd.h) */
		return;
	if (c->xf.is_leg) {
		/* a transfer's new call (gateway/xfer.h) */
		int err = 0;

		if (status >= 200 && status < 300 && !c->sip_answered)
			err = set_remote(c, sip, false);
		gw_xfer_leg_response(c, status, phrase, err);
		return;
	}
	if (status < 200) {
		if (status < 180)
			return;
		if (sip && sip->sip_payload && !set_remote(c, sip, false) && l &&
		    c->dir == GW_CALL_FXS_TO_SIP)
			gw_line_connect(l); /* early media */
		else if (l)
			gw_line_remote_ringing(l);
		return;
	}
	if (status < 300) {
		if (c->sip_answered)
			return; /* a retransmitted 200 */
		c->sip_answered = true;
		c->answer = time(NULL);
		if (!l || c->sip_ending) {
			/* hung up while the INVITE was pending */
			c->sip_ending = true;
			nua_bye(c->nh, TAG_END());
			return;
		}
		int err = sip && sip->sip_payload ? set_remote(c, sip, false) : 0;
		if (err || !c->have_remote) {
			CLOG(c, GW_LOG_WARNING, "200 OK without usable SDP");
			c->sip_ending = true;
			nua_bye(c->nh, TAG_END());
			gw_line_remote_gone(l, false);
			return;
		}
		CLOG(c, GW_LOG_INFO, "answered by %s", c->peer);
		route_duration_start(c); /* max_duration_s (routeact.h) */
		if (c->dir == GW_CALL_FXO_TO_SIP)
			gw_line_fxo_answer(l);
		else
			gw_line_connect(l);
		return;
	}
	CLOG(c, GW_LOG_INFO, "call failed: %d %s", status, phrase);
	end_note(c, status, phrase ? phrase : "");
	c->sip_ending = true;
	if (l && fxs_failover(c, status))
		return; /* the next route has the phone (routeact.h) */
	if (l)
		gw_line_remote_gone(l, status == 486 || status == 600);
	maybe_free(c);
}

void gw_call_flash(struct gw_call *c)
{
	if (gw_xfer_flash_info(c)) /* SIP INFO (xfer.h) */
		return;
	if (!c->line || !c->rtp || !c->rtp_attached || c->rtp->te_pt < 0) {
		CLOG(c, GW_LOG_NOTICE,
		     "hook-flash not relayed: no telephone-event on the call");
		return;
	}
	gw_app_media_cmd(c->app, &(struct gw_media_cmd){
		.type = GW_MEDIA_CMD_EVENT, .chan = c->line->chan,
		.event = { .event = 16, .ms = 200 } });
	CLOG(c, GW_LOG_INFO, "hook-flash sent as RFC 4733 event 16");
}

void gw_call_vbd(struct gw_call *c)
{
	static const struct gw_sdp_fmt g711[2] = {
		{ 0, GW_CODEC_PCMU }, { 8, GW_CODEC_PCMA },
	};
	const struct gw_codec_desc *d;
	char sdp[1024], line[GW_SDP_CRYPTO_LEN];
	const char *crypto[1] = { line };
	int err;

	if (c->vbd)
		return;
	c->vbd = true;
	if (!c->nh || c->sip_ending || !c->sip_answered || !c->have_remote ||
	    c->remote.codec == GW_CODEC_PCMU ||
	    c->remote.codec == GW_CODEC_PCMA || !c->line)
		return;
	d = gw_codec_desc((enum gw_codec_id)c->remote.codec);
	/* SRTP: the key in use, offered again (RFC 4568 §7.1.4: kept) */
	if (c->srtp_on &&
	    gw_srtp_sdes_encode(line, sizeof(line), &c->srtp_local) < 0)
		return;
	c->sdp_version++;
	err = gw_sdp_print_fmts(sdp, sizeof(sdp),
				gw_transport_sdp_host_for(c->app->conf,
							  c->local_host),
				c->rtp->local_port, g711, 2, -1,
				(uint64_t)c->id + (uint64_t)c->start * 1000,
				c->sdp_version, crypto, c->srtp_on ? 1 : 0,
				c->sdp_dir);
	explicit_bzero(line, sizeof(line));
	if (err < 0)
		return;
	CLOG(c, GW_LOG_INFO, "fax/modem over %s: re-INVITE to G.711",
	     d ? d->name : "?");
	c->reinvite_pending = true;
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	explicit_bzero(sdp, sizeof(sdp));
}

/*
 * SRTP in the answer to our re-INVITE: the same suite and tag as ours,
 * and the peer's key; a new key of the peer's goes to the media thread.
 * 0, or -EPROTO when the answer does not keep SRTP as it was.
 */
static int srtp_reanswer(struct gw_call *c, const struct gw_sdp_audio *a)
{
	struct gw_srtp_crypto remote;
	struct gw_srtp *ctx;
	int err = -EPROTO;

	if (!a->srtp || a->ncrypto != 1 ||
	    gw_srtp_sdes_decode(&remote, a->crypto[0]) < 0)
		return -EPROTO;
	if (remote.tag != c->srtp_local.tag ||
	    remote.key.suite != c->srtp_local.key.suite)
		goto out;
	err = 0;
	if (!memcmp(&remote.key, &c->srtp_remote.key, sizeof(remote.key)))
		goto out; /* kept: the crypto context goes on */
	err = gw_srtp_alloc(&ctx, &c->srtp_local.key, &remote.key,
			    c->rtp->ssrc);
	if (err < 0)
		goto out;
	c->srtp_remote = remote;
	gw_app_media_cmd(c->app, &(struct gw_media_cmd){
		.type = GW_MEDIA_CMD_SRTP_RX, .chan = c->line->chan,
		.srtp = ctx });
	CLOG(c, GW_LOG_INFO, "SRTP: the peer's new key in use");
out:
	explicit_bzero(&remote, sizeof(remote));
	return err;
}

/* The final answer to our re-INVITE to G.711. */
static void reinvite_answered(struct gw_call *c, int status, const sip_t *sip)
{
	struct gw_sdp_audio a;
	struct gw_codec *codec;
	int err;

	c->reinvite_pending = false;
	if (status >= 300) {
		CLOG(c, GW_LOG_NOTICE, "re-INVITE refused (%d): the codec stays",
		     status);
		return;
	}
	err = sip && sip->sip_payload ?
		      gw_sdp_parse_codecs(sip->sip_payload->pl_data,
					  sip->sip_payload->pl_len,
					  1u << GW_CODEC_PCMU |
						  1u << GW_CODEC_PCMA,
					  &a) :
		      -ENODATA;
	if (err || !c->line || !c->rtp_attached ||
	    (c->srtp_on && srtp_reanswer(c, &a) < 0)) {
		CLOG(c, GW_LOG_NOTICE, "re-INVITE answer unusable: codec stays");
		return;
	}
	err = gw_codec_alloc(&codec, (enum gw_codec_id)a.codec,
			     c->rtp->ptime_samples / 8, NULL);
	if (err)
		return;
	c->remote.codec = a.codec;
	c->remote.pt = a.pt;
	gw_app_media_cmd(c->app, &(struct gw_media_cmd){
		.type = GW_MEDIA_CMD_CODEC, .chan = c->line->chan,
		.codec = { .codec = codec, .pt = a.pt } });
	CLOG(c, GW_LOG_INFO, "re-INVITE answered: %s from now on",
	     gw_codec_desc((enum gw_codec_id)a.codec)->name);
}

/*
 * Hold and resume (RFC 3264 §8.4): the peer's sendonly or inactive (or
 * c=0.0.0.0) holds the call: we answer recvonly / inactive, send no RTP,
 * and the RTP inactivity limit is off until it resumes (RTCP may stop
 * too while held); sendrecv or recvonly resumes it with the configured
 * limit, counted afresh.
 */
static void hold(struct gw_call *c, enum gw_sdp_dir offered)
{
	bool held = offered == GW_SDP_SENDONLY || offered == GW_SDP_INACTIVE;
	enum gw_sdp_dir mine = gw_sdp_dir_answer(offered);

	c->sdp_dir = mine;
	atomic_store_explicit(&c->rtp->tx_off, !(mine & GW_SDP_SENDONLY),
			      memory_order_relaxed);
	if (held == c->held)
		return;
	c->held = held;
	CLOG(c, GW_LOG_INFO, "%s by the peer (%s): %s",
	     held ? "held" : "resumed", gw_sdp_dir_name(offered),
	     held ? "RTP inactivity limit off" : "RTP inactivity limit on");
	if (c->line && c->rtp_attached)
		gw_app_media_cmd(c->app, &(struct gw_media_cmd){
			.type = GW_MEDIA_CMD_RTP_TIMEOUT, .chan = c->line->chan,
			.seconds = held ? 0 : c->app->conf->rtp_timeout_s });
}

void gw_call_sip_reinvite(struct gw_call *c, const sip_t *sip)
{
	struct gw_sdp_audio a;

	if (gw_fwd_reinvite(c)) /* a forwarded call (fwd.h) */
		return;
	if (c->rtp && c->have_remote && sip && sip->sip_payload &&
	    sip->sip_payload->pl_len &&
	    !gw_sdp_parse_codecs(sip->sip_payload->pl_data,
				 sip->sip_payload->pl_len, codec_mask(c), &a))
		hold(c, a.dir);
	else
		CLOG(c, GW_LOG_INFO, "re-INVITE: session kept as it is");
	respond(c, 200, "OK", c->rtp && c->have_remote);
}

void gw_call_sip_ended(struct gw_call *c, const char *why)
{
	CLOG(c, GW_LOG_INFO, "SIP side ended: %s", why);
	gw_fwd_ended(c, why); /* the other leg of a forward (fwd.h) */
	ringall_stop(c, c->line); /* ring-all (routeact.h) */
	end_note(c, 0, why);
	if (!c->answer && incoming(c))
		c->cancelled = true; /* the SIP caller gave up */
	c->sip_ending = true;
	if (c->line && !gw_xfer_old_gone(c) && !gw_cw_call_gone(c))
		gw_line_remote_gone(c->line, false);
	maybe_free(c);
}

void gw_call_sip_terminated(struct gw_call *c)
{
	gw_fwd_ended(c, "terminated"); /* forwarding (fwd.h) */
	nua_handle_bind(c->nh, NULL);
	nua_handle_destroy(c->nh);
	c->nh = NULL;
	ringall_stop(c, c->line); /* ring-all (routeact.h) */
	if (c->line && !gw_xfer_old_gone(c) && !gw_cw_call_gone(c))
		gw_line_remote_gone(c->line, false);
	maybe_free(c);
}

/* The session is back from the media thread: its RFC 4733 figures. */
static void log_events(struct gw_call *c, struct gw_rtp_session *s)
{
	CLOG(c, GW_LOG_INFO,
	     "RFC 4733 (PT %d): sent %u digits in %u packets, received %u "
	     "digits in %u packets",
	     s->te_pt, (unsigned)atomic_load(&s->tx_events),
	     (unsigned)atomic_load(&s->tx_event_packets),
	     (unsigned)atomic_load(&s->rx_events),
	     (unsigned)atomic_load(&s->rx_event_packets));
}

/* The session is ours again: RTCP BYE, and the call's receive figures. */
static void log_quality(struct gw_call *c, struct gw_rtp_session *s)
{
	struct gw_rtcp_stats st;

	gw_rtp_session_bye(s, &st);
	c->have_quality = st.expected > 0;
	c->q_loss_pct = st.loss_pct;
	c->q_jitter_ms = st.jitter_ms;
	c->q_mos = st.mos_cq;
	CLOG(c, GW_LOG_INFO,
	     "RTP received %u of %u expected, lost %.2f %%, jitter %.1f ms, "
	     "round trip %s%.0f ms, R %.1f, MOS %.2f; RTCP sent %u, received "
	     "%u (%u bad)",
	     st.received, st.expected, st.loss_pct, st.jitter_ms,
	     st.rtt_valid ? "" : "unknown ", st.rtt_valid ? st.rtt_ms : 0.0,
	     st.r, st.mos_cq,
	     (unsigned)atomic_load(&s->rtcp_tx),
	     (unsigned)atomic_load(&s->rtcp_rx),
	     (unsigned)atomic_load(&s->rtcp_rx_bad));
	if (s->srtp) {
		struct gw_srtp_stats ss;

		gw_srtp_get_stats(s->srtp, &ss);
		CLOG(c, GW_LOG_INFO,
		     "SRTP: protected %llu RTP, accepted %llu RTP, %llu failed "
		     "authentication, %llu replayed, %llu other errors",
		     (unsigned long long)ss.tx_rtp,
		     (unsigned long long)ss.rx_rtp,
		     (unsigned long long)ss.auth_fail,
		     (unsigned long long)ss.replay,
		     (unsigned long long)ss.errors);
	}
}

void gw_call_rtp_detached(struct gw_app *app, struct gw_rtp_session *rtp)
{
	for (struct gw_call *c = app->calls; c; c = c->next) {
		if (c->rtp == rtp) {
			if (c->cw.held) { /* on hold (cw.h): not over yet */
				c->rtp_attached = false;
				maybe_free(c);
				return;
			}
			if (rtp->te_pt >= 0)
				log_events(c, rtp);
			log_quality(c, rtp);
			c->rtp_attached = false;
			maybe_free(c);
			return;
		}
	}
	gw_rtp_session_free(rtp); /* not expected: free what came back */
}

void gw_call_shutdown(struct gw_app *app)
{
	gw_fork_shutdown(app); /* branch handles (fork.h) */
	while (app->calls) {
		struct gw_call *c = app->calls;
		app->calls = c->next;
		if (c->line)
			c->line->call = NULL;
		gw_fwd_free(c);
		if (c->nh) {
			nua_handle_bind(c->nh, NULL);
			nua_handle_destroy(c->nh);
		}
		gw_rtp_session_free(c->rtp);
		explicit_bzero(c->srtp_mine, sizeof(c->srtp_mine));
		explicit_bzero(c->srtp_answer, sizeof(c->srtp_answer));
		explicit_bzero(&c->srtp_local, sizeof(c->srtp_local));
		explicit_bzero(&c->srtp_remote, sizeof(c->srtp_remote));
		free(c);
	}
}

/* ---- call waiting: hold and resume (gateway/cw.h) ---- */

void gw_call_hold(struct gw_call *c, bool hold)
{
	char sdp[1024];

	if (!c->nh || c->sip_ending || !c->sip_answered || !c->rtp ||
	    !c->have_remote)
		return;
	/* our offer: the codec in use, sendonly to hold (RFC 3264 §8.4) */
	c->sdp_dir = hold ? GW_SDP_SENDONLY : GW_SDP_SENDRECV;
	c->sdp_version++;
	if (c->srtp_on && !c->srtp_answer[0] &&
	    gw_srtp_sdes_encode(c->srtp_answer, sizeof(c->srtp_answer),
				&c->srtp_local) < 0)
		return; /* our key, offered again (RFC 4568 §7.1.4) */
	if (local_sdp(c, sdp, sizeof(sdp), false) < 0)
		return;
	CLOG(c, GW_LOG_INFO, "%s: re-INVITE a=%s", hold ? "hold" : "resume",
	     gw_sdp_dir_name(c->sdp_dir));
	c->cw.reinvite = true;
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	explicit_bzero(sdp, sizeof(sdp));
}

static void hold_answered(struct gw_call *c, int status)
{
	c->cw.reinvite = false;
	if (status >= 300)
		CLOG(c, GW_LOG_NOTICE, "%s re-INVITE refused (%d): the call "
		     "stays as it is on our side",
		     c->cw.held ? "hold" : "resume", status);
	else
		CLOG(c, GW_LOG_INFO, "%s: the peer agreed (%d)",
		     c->cw.held ? "held" : "resumed", status);
}

/* ---- transfer (gateway/xfer.h) ---- */

void gw_call_release(struct gw_call *c)
{
	maybe_free(c);
}

struct gw_call *gw_call_xfer_invite(struct gw_call *old, const char *uri,
				    int trunk, const char *number,
				    const char *hdrs)
{
	struct gw_app *app = old->app;
	struct gw_line *l = old->line;
	bool fxs = l->type == GW_CONF_PORT_FXS;
	struct gw_call *c = call_new(app, fxs ? GW_CALL_FXS_TO_SIP :
						GW_CALL_FXO_TO_SIP);
	char from[256];

	if (!c)
		return NULL;
	snprintf(c->port_name, sizeof(c->port_name), "%s", l->conf->name);
	snprintf(c->number, sizeof(c->number), "%s", number);
	/* who is transferred: the phone, or the exchange's party */
	if (fxs)
		snprintf(c->caller, sizeof(c->caller), "%s",
			 l->conf->extension[0] ? l->conf->extension :
						 l->conf->name);
	else
		snprintf(c->caller, sizeof(c->caller), "%s",
			 old->dir == GW_CALL_FXO_TO_SIP ? old->caller :
							  old->number);
	local_uri(app, c->caller[0] ? c->caller : l->conf->name,
		  l->conf->name, from, sizeof(from));
	if (trunk) {
		c->trunk = gw_trunk_get(app, trunk);
		gw_trunk_from(c->trunk, c->caller, from, sizeof(from));
	}
	c->xf.old = old;
	c->xf.is_leg = true;
	old->xf.leg = c;
	if (invite(c, uri, from, hdrs) < 0) {
		c->xf.old = NULL;
		old->xf.leg = NULL;
		maybe_free(c);
		return NULL;
	}
	return c;
}
