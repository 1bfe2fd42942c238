// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fxs: the FXS port state machine (gateway/line.h): a phone behind the
 * port. Off-hook -> dial tone -> digits -> route and INVITE; incoming SIP
 * rings the phone; hook-flash in a call; reorder after the far end left.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "gateway/line_int.h"

#define FXS_RING_MAX_MS 120000

/* FXS: the call is over but the phone is still off-hook. */
static void disconnected(struct gw_line *l, enum gw_tone t)
{
	if (l->flash_pending) {
		/* the far end left while the phone was on-hook: done */
		l->flash_pending = false;
		su_timer_reset(l->flash_timer);
		gw_line_to_idle(l);
		return;
	}
	gw_line_timer_stop(l);
	gw_line_dtmf_rx(l, false);
	gw_line_tone(l, t);
	gw_line_set_state(l, GW_LINE_FXS_DISCONNECTED);
}

/* On-hook for longer than a hook-flash: the phone hung up. */
static void flash_expired(su_root_magic_t *magic, su_timer_t *t,
			  su_timer_arg_t *arg)
{
	struct gw_line *l = arg;

	(void)magic;
	(void)t;
	if (!l->flash_pending)
		return;
	l->flash_pending = false;
	LOG(l, GW_LOG_INFO, "on-hook");
	gw_line_ends_call(l, 0, "phone hung up");
	gw_line_to_idle(l);
}

void gw_fxs_idle(struct gw_line *l)
{
	l->flash_pending = false;
	su_timer_reset(l->flash_timer);
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

void gw_fxs_event(struct gw_line *l, const struct gw_hw_event *ev)
{
	enum gw_hw_event_type t = ev->type;

	if (t == GW_HW_EV_OFFHOOK && l->flash_pending) {
		struct timespec now;
		long ms;

		l->offhook = true;
		l->flash_pending = false;
		su_timer_reset(l->flash_timer);
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - l->onhook_at.tv_sec) * 1000 +
		     (now.tv_nsec - l->onhook_at.tv_nsec) / 1000000;
		if (ms < l->conf->flash_min_ms) {
			LOG(l, GW_LOG_DEBUG, "on-hook for %ld ms: a bounce", ms);
			return;
		}
		LOG(l, GW_LOG_INFO, "hook-flash (%ld ms on-hook)", ms);
		if (l->call)
			gw_call_flash(l->call);
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
		if (l->state == GW_LINE_FXS_TALKING && l->call &&
		    l->conf->flash_max_ms > 0) {
			/* a hang-up, or a hook-flash if it comes back soon */
			l->flash_pending = true;
			clock_gettime(CLOCK_MONOTONIC, &l->onhook_at);
			su_timer_set_interval(l->flash_timer, flash_expired, l,
					      (su_duration_t)l->conf->flash_max_ms);
			return;
		}
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
	gw_line_timer_start(l, l->conf->digit_timeout_ms);
}

int gw_line_fxs_ring(struct gw_line *l, struct gw_call *c)
{
	if (l->type != GW_CONF_PORT_FXS || l->state != GW_LINE_IDLE ||
	    l->offhook)
		return -EBUSY;
	l->call = c;
	c->line = l;
	LOG(l, GW_LOG_INFO, "ringing");
	gw_line_set_state(l, GW_LINE_FXS_RINGING);
	gw_line_lineop(l, GW_HW_OP_RING_START);
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
