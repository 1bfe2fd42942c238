// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfer: REFER received and sent, hook-flash as SIP INFO (gateway/xfer.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/url.h>

#include "gateway/call.h"
#include "gateway/guard.h"
#include "gateway/line.h"
#include "gateway/line_int.h"
#include "gateway/log.h"
#include "gateway/route.h"
#include "gateway/routeact.h"
#include "gateway/trunk.h"
#include "gateway/xfer.h"

#define XLOG(c, lvl, ...) xfer_log(c, lvl, __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static void
xfer_log(const struct gw_call *c, enum gw_log_level lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gw_log(lvl, "xfer", "call %u (port %s%s%s): %s", c->id,
	       c->line ? c->line->conf->name : "-",
	       c->callid[0] ? ", Call-ID " : "", c->callid, msg);
}

/* ---- REFER received ---- */

/* A NOTIFY of the REFER's implicit subscription (RFC 3515 §2.4.4). */
static void notify(struct gw_call *c, int status, const char *phrase)
{
	char frag[96];
	bool final = status >= 200;

	if (!c->nh || c->xf.notify_final || !c->xf.event[0])
		return;
	snprintf(frag, sizeof(frag), "SIP/2.0 %03d %s\r\n", status,
		 phrase && *phrase ? phrase : sip_status_phrase(status));
	c->xf.notify_final = final;
	nua_notify(c->nh, SIPTAG_EVENT_STR(c->xf.event),
		   NUTAG_SUBSTATE(final ? nua_substate_terminated :
					  nua_substate_active),
		   SIPTAG_CONTENT_TYPE_STR("message/sipfrag;version=2.0"),
		   SIPTAG_PAYLOAD_STR(frag), TAG_END());
	XLOG(c, GW_LOG_INFO, "NOTIFY %s: %.*s", c->xf.event,
	     (int)strlen(frag) - 2, frag);
}

static void refuse(struct gw_call *c, nua_t *nua, nua_handle_t *nh,
		   int status, const char *why)
{
	XLOG(c, GW_LOG_NOTICE, "REFER refused (%d %s): %s", status,
	     sip_status_phrase(status), why);
	nua_respond(nh, status, sip_status_phrase(status),
		    NUTAG_WITH_THIS(nua), TAG_END());
}

/* The URL's host without the brackets of an IPv6 reference; false if none. */
static bool url_host(const url_t *u, char *host, size_t len)
{
	size_t n;

	if (!u->url_host)
		return false;
	snprintf(host, len, "%s", u->url_host);
	n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = 0;
	}
	return true;
}

/* Does url name this gateway (host and port of sip.listen)? */
static bool names_us(const struct gw_conf *conf, const url_t *u)
{
	char host[64];
	int port;

	if (!url_host(u, host, sizeof(host)))
		return false;
	port = u->url_port && *u->url_port ? atoi(u->url_port) :
	       u->url_type == url_sips ? 5061 : 5060;
	return !strcasecmp(host, conf->sip_host) && port == conf->sip_port;
}

/* A host that is an address literal in sip.trusted or of a trunk. */
static bool trusted_host(struct gw_app *app, const url_t *u)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char host[64];
	int port;

	if (!url_host(u, host, sizeof(host)))
		return false;
	port = u->url_port && *u->url_port ? atoi(u->url_port) : 5060;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	} else {
		return false; /* a name: not resolved for a trust decision */
	}
	return gw_conf_trusted(app->conf, (struct sockaddr *)&ss) ||
	       gw_trunk_trusted(app, (struct sockaddr *)&ss);
}

/*
 * The target of a REFER on c's line (xfer.h "Which targets"): 0 and
 * uri/trunk/number, or -EPERM with why.
 */
static int target(struct gw_call *c, const url_t *u, char *uri, size_t ulen,
		  int *trunk, char *number, size_t nlen, char *why,
		  size_t wlen)
{
	struct gw_app *app = c->app;
	struct gw_line *l = c->line;
	enum gw_conf_route_from from = l->type == GW_CONF_PORT_FXS ?
					       GW_ROUTE_FROM_FXS :
					       GW_ROUTE_FROM_FXO;
	struct gw_route_result r;
	const char *user = u->url_user ? u->url_user : "";

	*trunk = 0;
	snprintf(number, nlen, "%s", user);
	if (user[0] && !gw_route_lookup(app->conf, from, user, &r) &&
	    r.route->to == GW_ROUTE_TO_URI && !gw_routeact_reject(r.route)) {
		const char *p = gw_guard_dialout_blocked(app->conf, r.route,
							 r.number);

		if (p) {
			snprintf(why, wlen, "blocked prefix %s", p);
			return -EPERM;
		}
		if (r.route->trunk &&
		    !gw_trunk_usable(gw_trunk_get(app, r.route->trunk))) {
			snprintf(why, wlen, "the route's trunk is down");
			return -EPERM;
		}
		snprintf(uri, ulen, "%s", r.uri);
		snprintf(number, nlen, "%s", r.number);
		*trunk = r.route->trunk;
		XLOG(c, GW_LOG_INFO, "Refer-To user %s: route (line %d) as "
		     "dialled from port %s: %s", user, r.route->line,
		     l->conf->name, uri);
		return 0;
	}
	if (trusted_host(app, u)) {
		url_t copy = *u;

		copy.url_headers = NULL;
		url_e(uri, (isize_t)ulen, &copy);
		XLOG(c, GW_LOG_INFO, "Refer-To host is trusted: %s as given",
		     uri);
		return 0;
	}
	snprintf(why, wlen, "'%s' has no route from port %s to SIP and "
		 "the host is not a trusted address", user, l->conf->name);
	return -EPERM;
}

void gw_xfer_sip_refer(struct gw_call *c, nua_t *nua, nua_handle_t *nh,
		       const sip_t *sip, tagi_t const *tags)
{
	struct gw_line *l = c->line;
	const sip_refer_to_t *rt = sip ? sip->sip_refer_to : NULL;
	sip_event_t const *ev = NULL;
	char uri[512], number[64], why[160], hdrs[600], to[512];
	const url_t *by;
	struct gw_call *leg;
	int trunk;

	if (!l || l->call != c || !c->sip_answered || c->sip_ending ||
	    !c->rtp) {
		refuse(c, nua, nh, 481, "no answered call on a line");
		return;
	}
	if (c->xf.leg || c->xf.event[0]) {
		refuse(c, nua, nh, 491, "a transfer is already under way");
		return;
	}
	if (!rt) {
		refuse(c, nua, nh, 400, "no Refer-To");
		return;
	}
	url_e(to, sizeof(to), rt->r_url);
	if (rt->r_url->url_type != url_sip && rt->r_url->url_type != url_sips) {
		refuse(c, nua, nh, 416, "Refer-To scheme is not sip/sips");
		gw_log(GW_LOG_NOTICE, "xfer", "Refer-To was %s", to);
		return;
	}
	if (!rt->r_url->url_host) {
		refuse(c, nua, nh, 400, "Refer-To without a host");
		return;
	}
	if (rt->r_url->url_headers) {
		refuse(c, nua, nh, 501,
		       "Refer-To with headers (attended transfer)");
		return;
	}
	if (names_us(c->app->conf, rt->r_url)) {
		refuse(c, nua, nh, 403, "Refer-To names this gateway: a loop");
		return;
	}
	if (target(c, rt->r_url, uri, sizeof(uri), &trunk, number,
		   sizeof(number), why, sizeof(why)) < 0) {
		gw_log(GW_LOG_WARNING, "security", "SECURITY: REFER to %s "
		       "from the peer of call %u refused: %s", to, c->id, why);
		refuse(c, nua, nh, 403, why);
		return;
	}
	tl_gets(tags, NUTAG_REFER_EVENT_REF(ev), TAG_END());
	if (ev)
		snprintf(c->xf.event, sizeof(c->xf.event), "%s%s%s",
			 ev->o_type, ev->o_id ? ";id=" : "",
			 ev->o_id ? ev->o_id : "");
	else
		snprintf(c->xf.event, sizeof(c->xf.event), "refer");
	c->xf.notify_final = false;
	nua_respond(nh, SIP_202_ACCEPTED, NUTAG_WITH_THIS(nua), TAG_END());
	XLOG(c, GW_LOG_INFO, "REFER to %s accepted (202): calling %s", to,
	     uri);
	notify(c, 100, "Trying");
	/* RFC 3892: who asked for the call */
	by = sip->sip_referred_by ? sip->sip_referred_by->b_url :
				    sip->sip_from->a_url;
	snprintf(hdrs, sizeof(hdrs), "Referred-By: <");
	url_e(hdrs + strlen(hdrs), (isize_t)(sizeof(hdrs) - strlen(hdrs) - 2),
	      by);
	strcat(hdrs, ">");
	leg = gw_call_xfer_invite(c, uri, trunk, number, hdrs);
	if (!leg) {
		XLOG(c, GW_LOG_ERR, "new call to %s not placed", uri);
		notify(c, 503, "Service Unavailable");
		c->xf.event[0] = 0;
	}
}

/* The transfer's new call answered: the line's media goes to it. */
static void move_line(struct gw_call *leg, struct gw_call *old)
{
	struct gw_line *l = old->line;

	old->line = NULL;
	l->call = leg;
	leg->line = l;
	snprintf(leg->port_name, sizeof(leg->port_name), "%s", l->conf->name);
	if (old->rtp_attached)
		old->detach_sent = true; /* CMD_SWAP gives it back */
	leg->rtp_attached = true;
	gw_line_tone(l, GW_TONE_NONE);
	gw_line_cmd(l, (struct gw_media_cmd){
		.type = GW_MEDIA_CMD_SWAP, .rtp = leg->rtp,
		.line_caller = true });
	LOG(l, GW_LOG_INFO, "transferred: media moved from call %u to call "
	    "%u (%s)", old->id, leg->id, leg->peer);
}

void gw_xfer_leg_response(struct gw_call *c, int status, const char *phrase,
			  int err)
{
	struct gw_call *old = c->xf.old;
	struct gw_line *l;

	if (status < 200)
		return; /* only the final status is notified (RFC 3515 §2.4.5) */
	if (status < 300) {
		if (c->sip_answered)
			return; /* a retransmitted 200 */
		c->sip_answered = true;
		c->answer = time(NULL);
		l = old ? old->line : c->line;
		if (err || !c->have_remote || !l || c->sip_ending) {
			XLOG(c, GW_LOG_NOTICE, "transfer target answered but "
			     "%s: hanging up", err || !c->have_remote ?
			     "without usable SDP" : "the line is gone");
			c->sip_ending = true;
			nua_bye(c->nh, TAG_END());
			if (old)
				notify(old, 488, "Not Acceptable Here");
			if (old)
				old->xf.event[0] = 0;
			if (l && !old) /* the line waited with ringback */
				gw_line_remote_gone(l, false);
			return;
		}
		XLOG(c, GW_LOG_INFO, "transfer target %s answered", c->peer);
		if (old) {
			move_line(c, old);
			notify(old, 200, "OK");
			old->xf.bye_after_notify = true;
			old->xf.leg = NULL;
			c->xf.old = NULL;
		} else {
			gw_line_connect(l); /* the old dialog ended before */
		}
		return;
	}
	XLOG(c, GW_LOG_NOTICE, "transfer target refused: %d %s", status,
	     phrase ? phrase : "");
	c->sip_ending = true;
	if (old) {
		notify(old, status, phrase);
		old->xf.leg = NULL;
		old->xf.event[0] = 0; /* another REFER may come */
		c->xf.old = NULL;
		if (old->line)
			XLOG(old, GW_LOG_INFO, "the call goes on");
	} else if (c->line) {
		/* the transferor hung up: nothing to go back to */
		l = c->line;
		gw_line_remote_gone(l, status == 486 || status == 600);
	}
	gw_call_release(c);
}

bool gw_xfer_old_gone(struct gw_call *c)
{
	struct gw_call *leg = c->xf.leg;
	struct gw_line *l = c->line;

	if (!leg || !l || leg->line)
		return false;
	/* the transferor hung up after the 202: the line waits for the
	 * new call, hearing ringback */
	c->xf.leg = NULL;
	leg->xf.old = NULL;
	if (c->rtp_attached && !c->detach_sent) {
		c->detach_sent = true;
		gw_line_cmd(l, (struct gw_media_cmd){
			.type = GW_MEDIA_CMD_DETACH });
	}
	c->line = NULL;
	l->call = leg;
	leg->line = l;
	gw_line_tone(l, GW_TONE_RINGBACK);
	XLOG(leg, GW_LOG_INFO, "transferor of call %u left: the line waits "
	     "for the transfer target", c->id);
	return true;
}

void gw_xfer_line_gone(struct gw_call *c)
{
	struct gw_call *leg = c->xf.leg;

	if (!leg)
		return;
	c->xf.leg = NULL;
	leg->xf.old = NULL;
	notify(c, 487, "Request Terminated");
	XLOG(leg, GW_LOG_INFO, "the transferred line hung up: dropped");
	gw_call_line_gone(leg, 0, "transferred line hung up");
}

void gw_xfer_call_freed(struct gw_call *c)
{
	if (c->xf.leg && c->xf.leg->xf.old == c)
		c->xf.leg->xf.old = NULL;
	if (c->xf.old && c->xf.old->xf.leg == c)
		c->xf.old->xf.leg = NULL;
	c->xf.leg = c->xf.old = NULL;
}

void gw_xfer_notify_answered(struct gw_call *c, int status)
{
	if (status < 200 || !c->xf.notify_final || !c->xf.bye_after_notify)
		return;
	c->xf.bye_after_notify = false;
	if (!c->nh || c->sip_ending)
		return; /* the transferor hung up first */
	XLOG(c, GW_LOG_INFO, "transfer done: BYE");
	gw_call_line_gone(c, 0, "transferred");
}

/* ---- the phone's blind transfer (REFER sent) ---- */

static void line_timer(su_root_magic_t *magic, su_timer_t *t,
		       su_timer_arg_t *arg);

static void collect_stop(struct gw_line *l)
{
	l->xfer.collecting = false;
	if (l->xfer.timer)
		su_timer_reset(l->xfer.timer);
	gw_line_dtmf_rx(l, false);
}

void gw_xfer_line_reset(struct gw_line *l)
{
	if (l->xfer.collecting) {
		collect_stop(l);
		gw_line_tone(l, GW_TONE_NONE);
	}
}

/* Back to the held call: a=sendrecv, media again. */
static void resume(struct gw_line *l, const char *why)
{
	struct gw_call *c = l->call;

	gw_xfer_line_reset(l);
	if (!c)
		return;
	LOG(l, GW_LOG_INFO, "blind transfer: %s: call resumed", why);
	c->cw.held = false;
	gw_call_hold(c, false);
	c->detach_sent = false;
	gw_line_connect(l);
}

static void send_refer(struct gw_line *l)
{
	struct gw_call *c = l->call;
	url_t *u;
	su_home_t home[1] = { SU_HOME_INIT(home) };
	char to[300], by[300];

	collect_stop(l);
	if (!c || !c->nh || c->sip_ending) {
		gw_xfer_line_reset(l);
		return;
	}
	u = url_make(home, c->peer);
	if (!u || !u->url_host) {
		su_home_deinit(home);
		resume(l, "the party's URI has no host");
		return;
	}
	snprintf(to, sizeof(to), "<%s:%s@%s%s%s>",
		 u->url_type == url_sips ? "sips" : "sip", l->xfer.digits,
		 u->url_host, u->url_port ? ":" : "",
		 u->url_port ? u->url_port : "");
	su_home_deinit(home);
	snprintf(by, sizeof(by), "<sip:%s@%s:%d>",
		 l->conf->extension[0] ? l->conf->extension : l->conf->name,
		 c->app->conf->sip_host, c->app->conf->sip_port);
	gw_line_tone(l, GW_TONE_NONE);
	c->xf.refer_sent = true;
	nua_refer(c->nh, SIPTAG_REFER_TO_STR(to), SIPTAG_REFERRED_BY_STR(by),
		  TAG_END());
	LOG(l, GW_LOG_INFO, "blind transfer: REFER Refer-To %s", to);
}

static void line_timer(su_root_magic_t *magic, su_timer_t *t,
		       su_timer_arg_t *arg)
{
	struct gw_line *l = (struct gw_line *)arg;

	(void)magic;
	(void)t;
	if (!l->xfer.collecting)
		return;
	if (!l->xfer.ndigits)
		resume(l, "no digit dialled");
	else
		send_refer(l);
}

void gw_xfer_flash(struct gw_line *l)
{
	struct gw_call *c = l->call;

	if (l->xfer.collecting) {
		if (c && c->rtp_attached) /* its detach not back yet */
			LOG(l, GW_LOG_NOTICE, "hook-flash: too soon, ignored");
		else
			resume(l, "hook-flash again");
		return;
	}
	if (!c || !c->sip_answered || c->sip_ending || !c->nh ||
	    c->xf.refer_sent || c->cw.reinvite) {
		LOG(l, GW_LOG_NOTICE, "hook-flash: no call to transfer now");
		return;
	}
	if (c->rtp_attached && c->detach_sent) {
		LOG(l, GW_LOG_NOTICE, "hook-flash: too soon, ignored");
		return;
	}
	gw_line_unbridge(l);
	c->cw.held = true;
	gw_call_hold(c, true);
	l->xfer.collecting = true;
	l->xfer.ndigits = 0;
	l->xfer.digits[0] = 0;
	gw_line_tone(l, GW_TONE_DIAL);
	gw_line_dtmf_rx(l, true);
	if (l->xfer.timer)
		su_timer_set_interval(l->xfer.timer, line_timer,
				      (su_timer_arg_t *)l,
				      l->conf->first_digit_timeout_ms);
	LOG(l, GW_LOG_INFO, "hook-flash: call %u held, dial tone for a "
	    "blind transfer", c->id);
}

bool gw_xfer_digit(struct gw_line *l, char d)
{
	if (!l->xfer.collecting)
		return false;
	if (d == '#' && l->xfer.ndigits) {
		send_refer(l);
		return true;
	}
	if (!l->xfer.ndigits)
		gw_line_tone(l, GW_TONE_NONE);
	if (l->xfer.ndigits < (int)sizeof(l->xfer.digits) - 1 &&
	    ((d >= '0' && d <= '9') || d == '*')) {
		l->xfer.digits[l->xfer.ndigits++] = d;
		l->xfer.digits[l->xfer.ndigits] = 0;
	}
	if (l->xfer.timer)
		su_timer_set_interval(l->xfer.timer, line_timer,
				      (su_timer_arg_t *)l,
				      l->conf->digit_timeout_ms);
	return true;
}

void gw_xfer_refer_answered(struct gw_call *c, int status, const char *phrase)
{
	struct gw_line *l = c->line;

	if (status < 200 || !c->xf.refer_sent)
		return;
	if (status < 300) {
		XLOG(c, GW_LOG_INFO, "REFER accepted (%d): waiting for its "
		     "NOTIFY", status);
		return;
	}
	XLOG(c, GW_LOG_NOTICE, "REFER refused: %d %s", status,
	     phrase ? phrase : "");
	c->xf.refer_sent = false;
	if (l && l->call == c)
		resume(l, "REFER refused");
}

/* The status line of a message/sipfrag body, or 0. */
static int sipfrag_status(const sip_t *sip)
{
	const char *b;
	int st = 0;

	if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data)
		return 0;
	b = sip->sip_payload->pl_data;
	if (sip->sip_payload->pl_len < 12 || strncmp(b, "SIP/2.0 ", 8))
		return 0;
	for (int i = 8; i < 11; i++) {
		if (b[i] < '0' || b[i] > '9')
			return 0;
		st = st * 10 + (b[i] - '0');
	}
	return st;
}

void gw_xfer_sip_notify(struct gw_call *c, nua_t *nua, nua_handle_t *nh,
			const sip_t *sip)
{
	struct gw_line *l = c->line;
	int st = sipfrag_status(sip);

	nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
	if (!c->xf.refer_sent || !st)
		return;
	XLOG(c, GW_LOG_INFO, "NOTIFY: the transfer is at %d", st);
	if (st < 200)
		return;
	c->xf.refer_sent = false;
	if (st >= 300) {
		if (l && l->call == c)
			resume(l, "the transfer failed");
		return;
	}
	/* done: the call ends, the phone hears the after-call tones */
	if (l && l->call == c) {
		LOG(l, GW_LOG_INFO, "blind transfer done: hanging up");
		gw_xfer_line_reset(l);
		c->cw.held = false;
		gw_line_remote_gone(l, false);
	}
	gw_call_line_gone(c, 0, "blind transfer done");
}

int gw_xfer_line_init(struct gw_line *l)
{
	if (l->type != GW_CONF_PORT_FXS)
		return 0;
	l->xfer.timer = su_timer_create(su_root_task(l->app->root), 0);
	return l->xfer.timer ? 0 : -ENOMEM;
}

void gw_xfer_line_release(struct gw_line *l)
{
	if (l->xfer.timer)
		su_timer_destroy(l->xfer.timer);
	l->xfer.timer = NULL;
}

/* ---- hook-flash as SIP INFO ---- */

bool gw_xfer_flash_info(struct gw_call *c)
{
	if (gw_trunk_flash(c->app->conf, c->trunk) != GW_CONF_FLASH_INFO)
		return false;
	if (!c->nh || c->sip_ending || !c->sip_answered) {
		XLOG(c, GW_LOG_NOTICE, "hook-flash not relayed: call not up");
		return true;
	}
	nua_info(c->nh, SIPTAG_CONTENT_TYPE_STR("application/hook-flash"),
		 SIPTAG_PAYLOAD_STR("signal=hf\r\n"), TAG_END());
	XLOG(c, GW_LOG_INFO, "hook-flash sent as SIP INFO "
	     "application/hook-flash");
	return true;
}
