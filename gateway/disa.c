// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * disa: Direct Inward System Access on FXO ports (gateway/disa.h): the
 * PIN / number collection between the gateway's answer and the INVITE
 * for the number. The configuration list `disa`: gateway/disaconf.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gateway/disa.h"
#include "gateway/guard.h"
#include "gateway/line_int.h"
#include "gateway/route.h"

#define DISA_ANSWER_WAIT_MS 120000 /* the destination's answer */

/* ---- the line in DISA ---- */

static const struct gw_conf_disa *entry(struct gw_line *l)
{
	return gw_disa_conf_find(l->app->conf, l->disa.name);
}

static void clear(struct gw_disa_line *d)
{
	explicit_bzero(d->buf, sizeof(d->buf));
	d->n = 0;
}

static const char *caller(struct gw_line *l)
{
	return l->call && l->call->caller[0] ? l->call->caller : "";
}

/* End the call and put the line on-hook. */
static void end(struct gw_line *l, int status, const char *why)
{
	clear(&l->disa);
	l->disa.phase = GW_DISA_NONE;
	gw_line_ends_call(l, status, why);
	gw_line_to_idle(l);
}

static void dial_tone(struct gw_line *l, enum gw_disa_phase phase, int ms)
{
	clear(&l->disa);
	l->disa.phase = phase;
	gw_line_tone(l, GW_TONE_DIAL);
	gw_line_dtmf_rx(l, true);
	gw_line_timer_start(l, ms);
}

void gw_disa_start(struct gw_line *l, const char *name)
{
	struct gw_disa_line *d = &l->disa;
	const struct gw_conf_disa *e;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	e = entry(l);
	if (!e) { /* gone with a reload */
		LOG(l, GW_LOG_WARNING, "DISA %s is not configured: not "
		    "answered", name);
		gw_line_ends_call(l, 480, "no such DISA");
		gw_fxo_remote_gone(l);
		return;
	}
	LOG(l, GW_LOG_INFO, "DISA %s: answered: dial tone, PIN please",
	    name);
	gw_line_timer_stop(l);
	gw_line_lineop(l, GW_HW_OP_OFFHOOK);
	gw_line_set_state(l, GW_LINE_FXO_DISA);
	dial_tone(l, GW_DISA_PIN, e->digit_timeout_ms);
}

void gw_disa_start_sip(struct gw_line *l, const char *name,
		       const struct sockaddr *src, socklen_t srclen)
{
	struct gw_disa_line *d = &l->disa;
	const struct gw_conf_disa *e;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->sip = true;
	if (src && srclen <= sizeof(d->src))
		memcpy(&d->src, src, srclen);
	e = entry(l);
	LOG(l, GW_LOG_INFO, "DISA %s for a SIP caller: dial tone, PIN please",
	    name);
	gw_line_set_state(l, GW_LINE_FXO_DISA);
	gw_line_connect(l); /* the call's RTP session on this channel */
	gw_line_cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_DISA,
					      .on = true });
	dial_tone(l, GW_DISA_PIN, e ? e->digit_timeout_ms : 5000);
}

bool gw_disa_active(const struct gw_line *l)
{
	return l->state == GW_LINE_FXO_DISA && l->disa.phase != GW_DISA_NONE;
}

/* Constant time in the PIN's content. */
static bool pin_ok(const struct gw_conf_disa *e, const char *pin)
{
	size_t n = strlen(pin);
	bool ok = false;

	for (int i = 0; i < e->npins; i++) {
		unsigned char diff = strlen(e->pins[i]) != n;

		for (size_t k = 0; k < n && k <= GW_DISA_PIN_MAX; k++)
			diff |= (unsigned char)(e->pins[i][k] ^ pin[k]);
		ok |= !diff;
	}
	return ok;
}

static int longest_pin(const struct gw_conf_disa *e)
{
	int m = 0;

	for (int i = 0; i < e->npins; i++)
		if ((int)strlen(e->pins[i]) > m)
			m = (int)strlen(e->pins[i]);
	return m;
}

static void check_pin(struct gw_line *l)
{
	struct gw_disa_line *d = &l->disa;
	const struct gw_conf_disa *e = entry(l);

	gw_line_timer_stop(l);
	if (!e) {
		end(l, 503, "DISA removed by a reload");
		return;
	}
	if (pin_ok(e, d->buf)) {
		LOG(l, GW_LOG_NOTICE, "DISA %s: PIN accepted: second dial tone",
		    d->name);
		dial_tone(l, GW_DISA_NUMBER, e->digit_timeout_ms);
		return;
	}
	clear(d);
	d->fails++;
	gw_log(GW_LOG_WARNING, "security",
	       "SECURITY: DISA auth failure on port %s caller \"%s\" disa "
	       "\"%s\" (try %d of %d)", l->conf->name, caller(l), d->name,
	       d->fails, e->tries);
	if (d->sip && d->src.ss_family) { /* toward a ban (guard.h) */
		char user[40];

		snprintf(user, sizeof(user), "disa:%s", d->name);
		gw_guard_auth_failed(l->app->guard,
				     (const struct sockaddr *)&d->src, user);
	}
	if (d->fails >= e->tries) {
		gw_log(GW_LOG_WARNING, "security",
		       "SECURITY: DISA %s: %d wrong PINs on port %s caller "
		       "\"%s\": hung up", d->name, d->fails, l->conf->name,
		       caller(l));
		end(l, 403, "DISA: wrong PIN");
		return;
	}
	d->phase = GW_DISA_ERROR;
	gw_line_tone(l, GW_TONE_CONGESTION);
	gw_line_timer_start(l, GW_DISA_ERROR_MS);
}

/* The number is not allowed or the call could not be placed: reorder. */
static void reject(struct gw_line *l)
{
	l->disa.phase = GW_DISA_REJECT;
	gw_line_dtmf_rx(l, false);
	gw_line_tone(l, GW_TONE_CONGESTION);
	gw_line_timer_start(l, GW_DISA_REJECT_MS);
}

static void dial(struct gw_line *l)
{
	struct gw_disa_line *d = &l->disa;

	gw_line_timer_stop(l);
	gw_line_dtmf_rx(l, false);
	gw_line_tone(l, GW_TONE_NONE);
	if (!d->n) {
		LOG(l, GW_LOG_INFO, "DISA %s: no number dialled", d->name);
		reject(l);
		return;
	}
	LOG(l, GW_LOG_INFO, "DISA %s: dialled %s", d->name, d->buf);
	if (!l->call || gw_call_disa_route(l->call, d->buf) < 0) {
		reject(l);
		return;
	}
	if (d->sip) { /* out on this line, as a SIP call to fxo */
		struct gw_call *c = l->call;

		clear(d);
		d->phase = GW_DISA_NONE;
		gw_line_cmd(l, (struct gw_media_cmd){
				       .type = GW_MEDIA_CMD_DISA, .on = false });
		/* idle for gw_line_fxo_dial() only: the line stays ours (no
		 * gw_line_set_state(): a reload must not swap its port) */
		l->state = GW_LINE_IDLE;
		l->call = NULL;
		c->line = NULL;
		if (gw_line_fxo_dial(l, c) < 0) { /* it was ours: cannot */
			l->call = c;
			c->line = l;
			l->state = GW_LINE_FXO_DISA;
			end(l, 503, "DISA: line not available");
		}
		return;
	}
	d->phase = GW_DISA_CALLING;
	gw_line_timer_start(l, DISA_ANSWER_WAIT_MS);
}

void gw_disa_digit(struct gw_line *l, char ch)
{
	struct gw_disa_line *d = &l->disa;
	const struct gw_conf_disa *e = entry(l);

	if (l->state != GW_LINE_FXO_DISA || !e ||
	    (d->phase != GW_DISA_PIN && d->phase != GW_DISA_NUMBER))
		return;
	if (!d->n)
		gw_line_tone(l, GW_TONE_NONE);
	if (ch == '#') {
		if (d->phase == GW_DISA_PIN)
			check_pin(l);
		else
			dial(l);
		return;
	}
	if (d->n < (int)sizeof(d->buf) - 1) {
		d->buf[d->n++] = ch;
		d->buf[d->n] = 0;
	}
	if (d->phase == GW_DISA_PIN) {
		/* never logged; ends at the longest PIN's length */
		if (d->n >= longest_pin(e))
			check_pin(l);
		else
			gw_line_timer_start(l, e->digit_timeout_ms);
		return;
	}
	switch (gw_route_collect(l->app->conf, GW_ROUTE_FROM_DISA, d->buf)) {
	case GW_ROUTE_COMPLETE:
		dial(l);
		break;
	case GW_ROUTE_NOMATCH:
		LOG(l, GW_LOG_NOTICE, "DISA %s: %s: no route from disa can "
		    "match: reorder", d->name, d->buf);
		if (l->call && !l->call->end_reason[0]) {
			l->call->end_status = 404;
			snprintf(l->call->end_reason,
				 sizeof(l->call->end_reason),
				 "DISA: no route for %.40s", d->buf);
		}
		reject(l);
		break;
	case GW_ROUTE_MORE:
		gw_line_timer_start(l, e->digit_timeout_ms);
		break;
	}
}

void gw_disa_timer(struct gw_line *l)
{
	struct gw_disa_line *d = &l->disa;
	const struct gw_conf_disa *e = entry(l);

	switch (d->phase) {
	case GW_DISA_PIN:
		LOG(l, GW_LOG_INFO, "DISA %s: PIN timed out", d->name);
		check_pin(l); /* no digit or too few: a wrong PIN */
		break;
	case GW_DISA_ERROR:
		dial_tone(l, GW_DISA_PIN, e ? e->digit_timeout_ms : 5000);
		break;
	case GW_DISA_NUMBER:
		dial(l);
		break;
	case GW_DISA_REJECT:
		end(l, 404, "DISA: number not allowed");
		break;
	case GW_DISA_CALLING:
		LOG(l, GW_LOG_INFO, "DISA %s: no answer", d->name);
		end(l, 480, "no answer");
		break;
	case GW_DISA_NONE:
		break;
	}
}

bool gw_disa_line_event(struct gw_line *l, int hw_event)
{
	if (!gw_disa_active(l))
		return false;
	if (hw_event == GW_HW_EV_LOOP_DROP && l->conf->sup.loop_drop_ms) {
		LOG(l, GW_LOG_INFO, "DISA %s: loop current drop: the caller "
		    "hung up", l->disa.name);
		end(l, 0, "caller hung up in DISA");
	}
	return true;
}

void gw_disa_remote_ringing(struct gw_line *l)
{
	if (l->disa.phase == GW_DISA_CALLING)
		gw_line_tone(l, GW_TONE_RINGBACK);
}

void gw_disa_answered(struct gw_line *l)
{
	if (l->disa.phase != GW_DISA_CALLING)
		return;
	LOG(l, GW_LOG_INFO, "DISA %s: %s answered: connected", l->disa.name,
	    l->call ? l->call->number : "?");
	clear(&l->disa);
	l->disa.phase = GW_DISA_NONE;
	gw_line_timer_stop(l);
	gw_line_tone(l, GW_TONE_NONE);
	gw_line_progress(l, true);
	gw_line_set_state(l, GW_LINE_FXO_TALKING);
	gw_line_connect(l);
	gw_sup_talking(l);
}
