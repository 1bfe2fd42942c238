// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Session timers, 100rel, redirects and Q.850 Reason headers
 * (gateway/callfeat.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip_header.h>

#include "gateway/app.h"
#include "gateway/callfeat.h"
#include "gateway/log.h"

void gw_callfeat_nua_params(struct gw_app *app)
{
	unsigned se = (unsigned)app->conf->session_timer_s;
	/* RFC 4028 §4: the smallest Session-Expires we accept (Min-SE),
	 * 90 unless lowered for tests (sip.session_min_se_s) */
	unsigned min_se = (unsigned)app->conf->session_min_se_s;

	/*
	 * "timer" and "100rel" supported: Sofia answers Session-Expires,
	 * refreshes or times the session out, and sends the 18x of an
	 * INVITE that supports 100rel reliably (early media on).
	 * With session_timer_s 0 we neither ask for nor run a timer, but
	 * still honour a peer's (RFC 4028 §9: a UAS that supports timer).
	 */
	nua_set_params(app->nua,
		       NUTAG_SESSION_TIMER(se),
		       NUTAG_MIN_SE(min_se),
		       NUTAG_SESSION_REFRESHER(nua_no_refresher),
		       NUTAG_UPDATE_REFRESH(1),
		       NUTAG_EARLY_MEDIA(1),
		       NUTAG_RETRY_COUNT(GW_CALLFEAT_MAX_REDIRECTS),
		       SIPTAG_SUPPORTED_STR("timer, 100rel"),
		       TAG_END());
	if (se)
		gw_log(GW_LOG_INFO, "sip", "session timers: %u s asked for "
		       "(Min-SE %u); 100rel; up to %d redirects", se,
		       min_se, GW_CALLFEAT_MAX_REDIRECTS);
	else
		gw_log(GW_LOG_INFO, "sip", "session timers: none asked for, "
		       "a peer's honoured (Min-SE %u); 100rel; up to %d "
		       "redirects", min_se, GW_CALLFEAT_MAX_REDIRECTS);
}

void gw_callfeat_invite(struct gw_call *c, const sip_t *sip)
{
	c->cf.peer_timer = sip_has_feature(sip->sip_supported, "timer") ||
			   sip_has_feature(sip->sip_require, "timer");
	c->cf.peer_se = sip->sip_session_expires != NULL;
}

bool gw_callfeat_require_timer(const struct gw_call *c, int status)
{
	return status >= 200 && status < 300 && c->cf.peer_timer &&
	       (c->cf.peer_se || c->app->conf->session_timer_s > 0);
}

struct cause_map {
	int status;
	int cause;
};

/* SIP -> Q.850: RFC 3398 §8.2.6.1, with the gateway's own meanings:
 * 480 is a line that rang unanswered (19), 503 no line free (34). */
static const struct cause_map sip_to_q850[] = {
	{ 400, 41 }, { 401, 21 }, { 402, 21 }, { 403, 21 }, { 404, 1 },
	{ 405, 63 }, { 406, 79 }, { 407, 21 }, { 408, 102 }, { 410, 22 },
	{ 413, 127 }, { 414, 127 }, { 415, 79 }, { 416, 127 }, { 420, 127 },
	{ 421, 127 }, { 423, 127 }, { 480, 19 }, { 481, 41 }, { 482, 25 },
	{ 483, 25 }, { 484, 28 }, { 485, 1 }, { 486, 17 }, { 488, 127 },
	{ 500, 41 }, { 501, 79 }, { 502, 38 }, { 503, 34 }, { 504, 102 },
	{ 505, 127 }, { 580, 47 }, { 600, 17 }, { 603, 21 }, { 604, 1 },
	{ 606, 58 },
};

/* Q.850 -> SIP: RFC 3398 §7.2.4.1. */
static const struct cause_map q850_to_sip[] = {
	{ 404, 1 }, { 404, 2 }, { 404, 3 }, { 486, 17 }, { 408, 18 },
	{ 480, 19 }, { 480, 20 }, { 403, 21 }, { 410, 22 }, { 404, 26 },
	{ 502, 27 }, { 484, 28 }, { 501, 29 }, { 480, 31 }, { 503, 34 },
	{ 503, 38 }, { 503, 41 }, { 503, 42 }, { 503, 47 }, { 403, 55 },
	{ 403, 57 }, { 503, 58 }, { 488, 65 }, { 488, 70 }, { 501, 79 },
	{ 403, 87 }, { 503, 88 }, { 504, 102 }, { 500, 111 }, { 500, 127 },
};

static const char *q850_text(int cause)
{
	switch (cause) {
	case 1: return "Unallocated number";
	case 16: return "Normal call clearing";
	case 17: return "User busy";
	case 18: return "No user responding";
	case 19: return "No answer from user";
	case 21: return "Call rejected";
	case 22: return "Number changed";
	case 25: return "Exchange routing error";
	case 28: return "Invalid number format";
	case 34: return "No circuit/channel available";
	case 38: return "Network out of order";
	case 41: return "Temporary failure";
	case 47: return "Resource unavailable";
	case 58: return "Bearer capability not available";
	case 63: return "Service or option not available";
	case 79: return "Service or option not implemented";
	case 102: return "Recovery on timer expiry";
	case 127: return "Interworking";
	}
	return "";
}

int gw_callfeat_q850_cause(int status)
{
	for (size_t i = 0; i < sizeof(sip_to_q850) / sizeof(*sip_to_q850); i++)
		if (sip_to_q850[i].status == status)
			return sip_to_q850[i].cause;
	return 0;
}

int gw_callfeat_q850_status(int cause)
{
	if (cause == 16)
		return 200; /* normal clearing: not a failure */
	for (size_t i = 0; i < sizeof(q850_to_sip) / sizeof(*q850_to_sip); i++)
		if (q850_to_sip[i].cause == cause)
			return q850_to_sip[i].status;
	return 0;
}

const char *gw_callfeat_reason(int status, char *buf, size_t size)
{
	int cause = status == 200 ? 16 : gw_callfeat_q850_cause(status);
	const char *text = q850_text(cause);

	if (!cause || !size)
		return NULL;
	if (*text)
		snprintf(buf, size, "Q.850;cause=%d;text=\"%s\"", cause, text);
	else
		snprintf(buf, size, "Q.850;cause=%d", cause);
	return buf;
}

void gw_callfeat_reason_rx(struct gw_call *c, const sip_t *sip)
{
	const sip_reason_t *re = sip ? sip->sip_reason : NULL;

	for (; re; re = re->re_next) {
		const char *proto = re->re_protocol ? re->re_protocol : "?";
		const char *cause = re->re_cause ? re->re_cause : "?";
		const char *text = re->re_text ? re->re_text : "";
		int q = strcasecmp(proto, "Q.850") ? 0 : atoi(cause);

		gw_log(GW_LOG_INFO, "call", "call %u: %s with Reason: %s "
		       "cause=%s%s%s", c->id,
		       sip->sip_request ? sip->sip_request->rq_method_name
					: "request",
		       proto, cause, *text ? " text=" : "", text);
		if (!c->end_reason[0] && (q || !re->re_next)) {
			/* the CDR: reason text, and the SIP status the
			 * cause stands for if the call failed with it */
			snprintf(c->end_reason, sizeof(c->end_reason),
				 "%s cause %s%s%s", proto, cause,
				 *text ? " " : "", text);
			if (q && !c->answer)
				c->end_status = gw_callfeat_q850_status(q);
		}
	}
}

void gw_callfeat_session_end(struct gw_call *c, nua_event_t event,
			     int status, const char *phrase)
{
	const char *why;

	if (event == nua_r_bye && !c->sip_ending) {
		c->sip_ending = true; /* the stack's BYE: no other one */
		why = "session expired";
		gw_log(GW_LOG_NOTICE, "call", "call %u: session expired: the "
		       "peer did not refresh it, BYE sent (RFC 4028 §10)",
		       c->id);
		status = 408;
	} else if (event == nua_r_update && (status == 408 || status == 481)) {
		why = "session refresh failed";
		gw_log(GW_LOG_NOTICE, "call", "call %u: session refresh "
		       "answered %d %s: the session is over (RFC 4028 §10)",
		       c->id, status, phrase ? phrase : "");
	} else {
		return;
	}
	if (c->end_reason[0])
		return;
	c->end_status = status;
	snprintf(c->end_reason, sizeof(c->end_reason), "%s (%d)", why,
		 status);
}
