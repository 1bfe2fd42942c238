// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fxs: the FXS port state machine (gateway/line.h): a phone behind the
 * port. Off-hook -> dial tone -> digits -> route and INVITE; incoming SIP
 * rings the phone; hook-flash in a call; reorder after the far end left.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gateway/cid.h"
#include "gateway/line_int.h"
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

/* FXS: the call is over but the phone is still off-hook. */
static void disconnected(struct gw_line *l, enum gw_tone t)
{
	polarity_forward(l);
	gw_line_timer_stop(l);
	gw_line_dtmf_rx(l, false);
	gw_line_tone(l, t);
	gw_line_set_state(l, GW_LINE_FXS_DISCONNECTED);
}

void gw_fxs_idle(struct gw_line *l)
{
	polarity_forward(l);
}

void gw_fxs_timer(struct gw_line *l)
{
	switch (l->state) {
	case GW_LINE_FXS_DIALTONE:
		LOG(l, GW_LOG_INFO, "no digit dialled: reorder");
		disconnected(l, GW_TONE_CONGESTION);
		break;
	case GW_LINE_FXS_DIGITS:
		LOG(l, GW_LOG_INFO, "dialled %s", l->digits);
		gw_line_dtmf_rx(l, false);
		gw_line_set_state(l, GW_LINE_FXS_CALLING);
		gw_call_from_fxs(l, l->digits);
		break;
	case GW_LINE_FXS_RINGING:
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
		if (l->call && l->state == GW_LINE_FXS_TALKING)
			gw_call_flash(l->call);
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
			LOG(l, GW_LOG_INFO, "off-hook: dial tone");
			gw_line_set_state(l, GW_LINE_FXS_DIALTONE);
			l->ndigits = 0;
			l->digits[0] = 0;
			gw_line_tone(l, GW_TONE_DIAL);
			gw_line_dtmf_rx(l, true);
			gw_line_timer_start(l, l->conf->first_digit_timeout_ms);
			break;
		case GW_LINE_FXS_RINGING:
			LOG(l, GW_LOG_INFO, "answered");
			gw_line_timer_stop(l);
			gw_cid_fxs_stop(l);
			gw_line_lineop(l, GW_HW_OP_RING_STOP);
			gw_line_set_state(l, GW_LINE_FXS_TALKING);
			gw_line_connect(l);
			gw_call_line_answered(l->call);
			break;
		default:
			break;
		}
	} else if (t == GW_HW_EV_ONHOOK) {
		l->offhook = false;
		if (l->state == GW_LINE_IDLE || l->state == GW_LINE_FXS_RINGING)
			return;
		LOG(l, GW_LOG_INFO, "on-hook");
		gw_line_ends_call(l, 0, "phone hung up");
		gw_line_to_idle(l);
	}
}

void gw_fxs_digit(struct gw_line *l, char d)
{
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
		disconnected(l, GW_TONE_CONGESTION);
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
	gw_line_set_state(l, GW_LINE_FXS_RINGING);
	gw_cid_fxs_ring(l, ci); /* cadence and caller ID */
	gw_line_timer_start(l, FXS_RING_MAX_MS);
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
		disconnected(l, busy ? GW_TONE_BUSY : GW_TONE_CONGESTION);
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
