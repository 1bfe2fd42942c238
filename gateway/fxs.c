// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fxs: the FXS port state machine (gateway/line.h): a phone behind the
 * port. Off-hook -> dial tone (stutter with a message waiting) or the
 * hotline -> digits -> route and INVITE; incoming SIP rings the phone;
 * hook-flash in a call; after the far end left a battery drop
 * (kewlstart), reorder, howler (gateway/fxs.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gateway/cid.h"
#include "gateway/fwd.h"
#include "gateway/line_int.h"
#include "gateway/mwi.h"
#include "gateway/route.h"

#define FXS_RING_MAX_MS 120000

/*
 * reverse_polarity: the battery is reversed while a call the phone made
 * is answered (the answer signal payphones and call meters use), and
 * back to forward when either side ends it.
 */
void gw_fxs_answered(struct gw_line *l)
{
	if (!l->conf->reverse_polarity || l->reversed)
		return;
	l->reversed = true;
	gw_line_lineop(l, GW_HW_OP_POLARITY_REV);
	LOG(l, GW_LOG_INFO, "answered: battery reversed");
}

static void polarity_forward(struct gw_line *l)
{
	if (!l->reversed)
		return;
	l->reversed = false;
	gw_line_lineop(l, GW_HW_OP_POLARITY_FWD);
}

/* After-call tones (fxs.h): reorder (or busy), howler, silence. */
static void after_step(struct gw_line *l, enum gw_fxs_after next)
{
	const struct gw_conf_fxs *f = &l->conf->fxs;

	if (next == GW_FXS_AFTER_REORDER && !f->reorder_s)
		next = GW_FXS_AFTER_HOWLER;
	if (next == GW_FXS_AFTER_HOWLER && !f->howler_s)
		next = GW_FXS_AFTER_SILENT;
	l->fxs.after = next;
	switch (next) {
	case GW_FXS_AFTER_REORDER:
		gw_line_tone(l, l->fxs.after_tone);
		gw_line_timer_start(l, f->reorder_s * 1000);
		break;
	case GW_FXS_AFTER_HOWLER:
		LOG(l, GW_LOG_INFO, "still off-hook: howler for %d s",
		    f->howler_s);
		gw_line_tone(l, GW_TONE_HOWLER);
		gw_line_timer_start(l, f->howler_s * 1000);
		break;
	default:
		LOG(l, GW_LOG_INFO, "still off-hook: silence until on-hook");
		gw_line_tone(l, GW_TONE_NONE);
		break;
	}
}

/*
 * FXS: the call is over but the phone is still off-hook. drop: the far
 * end hung up an answered call: a kewlstart port drops battery first.
 */
static void disconnected(struct gw_line *l, enum gw_tone t, bool drop)
{
	const struct gw_conf_fxs *f = &l->conf->fxs;

	polarity_forward(l);
	gw_line_timer_stop(l);
	gw_line_dtmf_rx(l, false);
	gw_line_set_state(l, GW_LINE_FXS_DISCONNECTED);
	l->fxs.after_tone = t;
	if (drop && f->signalling == GW_CONF_FXS_KEWLSTART) {
		LOG(l, GW_LOG_INFO, "kewlstart: battery dropped for %d ms",
		    f->disconnect_ms);
		gw_line_tone(l, GW_TONE_NONE);
		gw_line_cmd(l, (struct gw_media_cmd){
				       .type = GW_MEDIA_CMD_DISCONNECT,
				       .ms = f->disconnect_ms });
		l->fxs.after = GW_FXS_AFTER_DROP;
		/* the tone starts once battery is back */
		gw_line_timer_start(l, f->disconnect_ms + 100);
		return;
	}
	after_step(l, GW_FXS_AFTER_REORDER);
}

void gw_fxs_idle(struct gw_line *l)
{
	polarity_forward(l);
	l->fxs.after = GW_FXS_AFTER_NONE;
	gw_xfer_line_reset(l);
	gw_cw_line_idle(l);
	gw_mwi_line_idle(l);
}

/* Off-hook from idle: dial tone (stutter with a message waiting), or
 * the hotline at once. */
static void offhook_idle(struct gw_line *l)
{
	const struct gw_conf_fxs *f = &l->conf->fxs;

	l->ndigits = 0;
	l->digits[0] = 0;
	if (f->hotline[0] && !f->hotline_delay_ms) {
		LOG(l, GW_LOG_INFO, "off-hook: hotline %s", f->hotline);
		snprintf(l->digits, sizeof(l->digits), "%s", f->hotline);
		gw_line_set_state(l, GW_LINE_FXS_CALLING);
		gw_call_from_fxs(l, l->digits);
		return;
	}
	LOG(l, GW_LOG_INFO, "off-hook: %s",
	    l->fxs.mwi ? "stutter dial tone (message waiting)" : "dial tone");
	gw_line_set_state(l, GW_LINE_FXS_DIALTONE);
	gw_line_tone(l, l->fxs.mwi ? GW_TONE_STUTTER : GW_TONE_DIAL);
	gw_line_dtmf_rx(l, true);
	gw_line_timer_start(l, f->hotline[0] ? f->hotline_delay_ms :
				  l->conf->first_digit_timeout_ms);
}

void gw_fxs_timer(struct gw_line *l)
{
	switch (l->state) {
	case GW_LINE_FXS_DIALTONE:
		if (l->conf->fxs.hotline[0]) {
			const char *n = l->conf->fxs.hotline;

			LOG(l, GW_LOG_INFO, "no digit in %d ms: hotline %s",
			    l->conf->fxs.hotline_delay_ms, n);
			gw_line_tone(l, GW_TONE_NONE);
			gw_line_dtmf_rx(l, false);
			snprintf(l->digits, sizeof(l->digits), "%s", n);
			l->ndigits = (int)strlen(l->digits);
			gw_line_set_state(l, GW_LINE_FXS_CALLING);
			gw_call_from_fxs(l, l->digits);
			break;
		}
		LOG(l, GW_LOG_INFO, "no digit dialled: reorder");
		disconnected(l, GW_TONE_CONGESTION, false);
		break;
	case GW_LINE_FXS_DISCONNECTED:
		if (l->fxs.after == GW_FXS_AFTER_DROP)
			after_step(l, GW_FXS_AFTER_REORDER);
		else if (l->fxs.after == GW_FXS_AFTER_REORDER)
			after_step(l, GW_FXS_AFTER_HOWLER);
		else if (l->fxs.after == GW_FXS_AFTER_HOWLER)
			after_step(l, GW_FXS_AFTER_SILENT);
		break;
	case GW_LINE_FXS_DIGITS:
		LOG(l, GW_LOG_INFO, "dialled %s", l->digits);
		gw_line_dtmf_rx(l, false);
		gw_line_set_state(l, GW_LINE_FXS_CALLING);
		gw_call_from_fxs(l, l->digits);
		break;
	case GW_LINE_FXS_RINGING:
		if (gw_fwd_noanswer(l)) /* forward_noanswer (fwd.h) */
			break;
		LOG(l, GW_LOG_INFO, "no answer");
		gw_line_lineop(l, GW_HW_OP_RING_STOP);
		gw_line_ends_call(l, 480, "no answer");
		gw_line_to_idle(l);
		break;
	default:
		break;
	}
}

/*
 * The card tells dial pulses, hook-flashes and on-hook apart (hw.h struct
 * gw_hw_hook_timing, from the port's flash_min_ms/flash_max_ms): an
 * ONHOOK is a hang-up.
 */
void gw_fxs_event(struct gw_line *l, const struct gw_hw_event *ev)
{
	enum gw_hw_event_type t = ev->type;

	if (t == GW_HW_EV_FLASH) {
		LOG(l, GW_LOG_INFO, "hook-flash (%d ms on-hook)", ev->value);
		if (gw_cw_flash(l)) { /* call waiting: swap (cw.h) */
			gw_xfer_line_reset(l);
			return;
		}
		if (l->call && l->state == GW_LINE_FXS_TALKING &&
		    l->conf->fxs.flash_relay)
			gw_call_flash(l->call);
		else if (l->state == GW_LINE_FXS_TALKING)
			gw_xfer_flash(l); /* blind transfer (xfer.h) */
		return;
	}
	if (t == GW_HW_EV_PULSE_DIGIT) {
		if (l->state == GW_LINE_FXS_DIALTONE ||
		    l->state == GW_LINE_FXS_DIGITS) {
			LOG(l, GW_LOG_DEBUG, "rotary digit %c", ev->value);
			gw_fxs_digit(l, (char)ev->value);
		} else {
			LOG(l, GW_LOG_DEBUG,
			    "dial pulses (%c) while not dialling: a bounce",
			    ev->value);
		}
		return;
	}
	if (t == GW_HW_EV_OFFHOOK) {
		l->offhook = true;
		switch (l->state) {
		case GW_LINE_IDLE:
			offhook_idle(l);
			break;
		case GW_LINE_FXS_RINGING:
			if (gw_cid_jclip_hook(l, true))
				break; /* JCLIP primary response (cid.h) */
			LOG(l, GW_LOG_INFO, "answered");
			gw_line_timer_stop(l);
			gw_cid_fxs_stop(l);
			gw_line_lineop(l, GW_HW_OP_RING_STOP);
			gw_line_set_state(l, GW_LINE_FXS_TALKING);
			gw_cw_answered(l); /* a held call rung again */
			gw_line_connect(l);
			gw_call_line_answered(l->call);
			break;
		default:
			break;
		}
	} else if (t == GW_HW_EV_ONHOOK) {
		l->offhook = false;
		if (l->state == GW_LINE_FXS_RINGING)
			gw_cid_jclip_hook(l, false); /* JCLIP release */
		if (l->state == GW_LINE_IDLE || l->state == GW_LINE_FXS_RINGING)
			return;
		if (gw_cw_onhook(l)) /* another call: ring again (cw.h) */
			return;
		LOG(l, GW_LOG_INFO, "on-hook");
		gw_line_ends_call(l, 0, "phone hung up");
		gw_line_to_idle(l);
	}
}

void gw_fxs_digit(struct gw_line *l, char d)
{
	if (gw_xfer_digit(l, d)) /* dialling a transfer (xfer.h) */
		return;
	if (l->state != GW_LINE_FXS_DIALTONE && l->state != GW_LINE_FXS_DIGITS)
		return;
	if (l->state == GW_LINE_FXS_DIALTONE) {
		gw_line_tone(l, GW_TONE_NONE);
		gw_line_set_state(l, GW_LINE_FXS_DIGITS);
	}
	if (l->ndigits < (int)sizeof(l->digits) - 1) {
		l->digits[l->ndigits++] = d;
		l->digits[l->ndigits] = 0;
	}
	LOG(l, GW_LOG_DEBUG, "digit %c", d);
	/* the dial plan ends collection as soon as it is sure (route.h) */
	switch (gw_route_collect(l->app->conf, GW_ROUTE_FROM_FXS, l->digits)) {
	case GW_ROUTE_COMPLETE:
		LOG(l, GW_LOG_INFO, "dialled %s (a route matches: no wait)",
		    l->digits);
		gw_line_timer_stop(l);
		gw_line_dtmf_rx(l, false);
		gw_line_set_state(l, GW_LINE_FXS_CALLING);
		gw_call_from_fxs(l, l->digits);
		break;
	case GW_ROUTE_NOMATCH:
		LOG(l, GW_LOG_INFO, "dialled %s: no route can match: reorder",
		    l->digits);
		disconnected(l, GW_TONE_CONGESTION, false);
		break;
	case GW_ROUTE_MORE:
		gw_line_timer_start(l, l->conf->digit_timeout_ms);
		break;
	}
}

int gw_line_fxs_ring(struct gw_line *l, struct gw_call *c,
		     const struct gw_cid_info *ci)
{
	if (l->type != GW_CONF_PORT_FXS || l->state != GW_LINE_IDLE ||
	    l->offhook)
		return -EBUSY;
	l->call = c;
	c->line = l;
	snprintf(c->port_name, sizeof(c->port_name), "%s", l->conf->name);
	LOG(l, GW_LOG_INFO, "ringing");
	gw_mwi_line_busy(l); /* a lamp update being sent is cut off */
	gw_line_set_state(l, GW_LINE_FXS_RINGING);
	gw_cid_fxs_ring(l, ci); /* cadence and caller ID */
	/* forward_noanswer_s (gateway/fwd.h) */
	gw_line_timer_start(l, gw_fwd_ring_ms(l, FXS_RING_MAX_MS));
	return 0;
}

void gw_fxs_remote_gone(struct gw_line *l, bool busy)
{
	switch (l->state) {
	case GW_LINE_FXS_RINGING:
		gw_line_lineop(l, GW_HW_OP_RING_STOP);
		gw_line_to_idle(l);
		break;
	case GW_LINE_FXS_CALLING:
	case GW_LINE_FXS_TALKING:
	case GW_LINE_FXS_DIGITS:
	case GW_LINE_FXS_DIALTONE:
		LOG(l, GW_LOG_INFO, "call ended: %s tone until on-hook",
		    busy ? "busy" : "reorder");
		disconnected(l, busy ? GW_TONE_BUSY : GW_TONE_CONGESTION,
			     l->state == GW_LINE_FXS_TALKING);
		break;
	case GW_LINE_FXS_DISCONNECTED:
	case GW_LINE_IDLE:
	case GW_LINE_ALARM:
		break;
	default:
		gw_line_to_idle(l);
		break;
	}
}
