// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fxo: the FXO port state machine (gateway/line.h): a line from the
 * central office behind the port. Outgoing: seize, wait for dial tone,
 * dial, early media, answer; incoming: rings -> INVITE, off-hook when SIP
 * answers. Answer and disconnect supervision: gateway/supervise.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gateway/cid.h"
#include "gateway/line_int.h"

#define FXO_RING_ABANDON_MS 8000 /* no ring for this long: caller gone */
#define FXO_ANSWER_WAIT_MS 120000

void gw_fxo_idle(struct gw_line *l)
{
	if (l->state != GW_LINE_IDLE && l->state != GW_LINE_FXO_RINGING &&
	    l->state != GW_LINE_FXO_IGNORING) {
		gw_line_lineop(l, GW_HW_OP_ONHOOK);
		gw_fxodial_released(l);
	}
	l->rings = 0;
	l->answered = false;
	gw_sup_stop(l);
}

/* Off-hook and wait for dial tone. */
static void seize(struct gw_line *l)
{
	gw_line_lineop(l, GW_HW_OP_OFFHOOK);
	gw_line_timer_start(l, l->conf->dialtone_timeout_ms);
}

void gw_fxo_timer(struct gw_line *l)
{
	switch (l->state) {
	case GW_LINE_FXO_SEIZED:
		if (gw_fxodial_guard_over(l)) {
			seize(l);
			break;
		}
		LOG(l, GW_LOG_WARNING, "no dial tone after %d ms",
		    l->conf->dialtone_timeout_ms);
		gw_line_ends_call(l, 503, "no dial tone on the line");
		gw_line_to_idle(l);
		break;
	case GW_LINE_FXO_DIALLING:
		gw_fxodial_timeout(l);
		break;
	case GW_LINE_FXO_EARLY:
		LOG(l, GW_LOG_INFO, "far end did not answer");
		gw_line_ends_call(l, 480, "no answer");
		gw_line_to_idle(l);
		break;
	case GW_LINE_FXO_DISA:
		gw_disa_timer(l); /* disa.h */
		break;
	case GW_LINE_FXO_RINGING:
	case GW_LINE_FXO_IGNORING:
		LOG(l, GW_LOG_INFO, "ringing stopped: caller gave up");
		gw_line_ends_call(l, 0, "caller abandoned");
		gw_line_to_idle(l);
		break;
	default:
		break;
	}
}

void gw_fxo_event(struct gw_line *l, const struct gw_hw_event *ev)
{
	switch (ev->type) {
	case GW_HW_EV_RING_BEGIN:
		if (l->state == GW_LINE_IDLE) {
			gw_line_set_state(l, GW_LINE_FXO_RINGING);
			l->rings = 0;
		}
		if (l->state != GW_LINE_FXO_RINGING &&
		    l->state != GW_LINE_FXO_IGNORING)
			return;
		gw_line_timer_start(l, FXO_RING_ABANDON_MS);
		/* rings, cadence, caller ID, then the INVITE (cid.c) */
		gw_cid_fxo_ring(l, true);
		break;
	case GW_HW_EV_RING_END:
		if (l->state == GW_LINE_FXO_RINGING ||
		    l->state == GW_LINE_FXO_IGNORING) {
			gw_line_timer_start(l, FXO_RING_ABANDON_MS);
			gw_cid_fxo_ring(l, false);
		}
		break;
	case GW_HW_EV_POLARITY:
	case GW_HW_EV_LOOP_DROP:
	case GW_HW_EV_LOOP_BACK:
		if (gw_disa_line_event(l, ev->type)) /* disa.h */
			break;
		gw_sup_line_event(l, ev);
		break;
	case GW_HW_EV_DIAL_DONE: /* the card's pulse dialler finished */
		if (gw_fxodial_done(l))
			gw_fxo_dtmf_done(l);
		break;
	default:
		break;
	}
}

void gw_fxo_progress(struct gw_line *l, enum gw_tone t)
{
	struct gw_call *c = l->call;

	if (l->state == GW_LINE_FXO_SEIZED && t == GW_TONE_DIAL && c &&
	    !l->fxodial.seize_pending) {
		gw_line_timer_stop(l);
		gw_line_set_state(l, GW_LINE_FXO_DIALLING);
		gw_fxodial_dial(l); /* DTMF or pulses, by dial_mode */
	} else {
		gw_sup_progress(l, t);
	}
}

/*
 * The digits of our CMD_DTMF (or the card's dial pulses) are out: early
 * media, wait for the answer.
 */
void gw_fxo_dtmf_done(struct gw_line *l)
{
	if (l->state != GW_LINE_FXO_DIALLING || !l->call)
		return;
	gw_line_set_state(l, GW_LINE_FXO_EARLY);
	gw_line_timer_start(l, FXO_ANSWER_WAIT_MS);
	gw_line_connect(l);
	gw_call_line_progress(l->call);
	if (l->answered)
		gw_sup_answer(l, "polarity reversal while dialling");
	else
		gw_sup_early(l);
}

int gw_line_fxo_dial(struct gw_line *l, struct gw_call *c)
{
	if (l->type != GW_CONF_PORT_FXO || l->state != GW_LINE_IDLE)
		return -EBUSY;
	l->call = c;
	c->line = l;
	snprintf(c->port_name, sizeof(c->port_name), "%s", l->conf->name);
	LOG(l, GW_LOG_INFO, "seize line to dial %s", c->number);
	gw_line_set_state(l, GW_LINE_FXO_SEIZED);
	l->answered = false;
	gw_line_progress(l, true);
	if (!gw_fxodial_guard(l)) /* else seize() when the guard is over */
		seize(l);
	return 0;
}

void gw_line_fxo_answer(struct gw_line *l)
{
	if (l->state == GW_LINE_FXO_DISA) /* already off-hook (disa.h) */
		gw_disa_answered(l);
	if (l->state != GW_LINE_FXO_RINGING)
		return;
	LOG(l, GW_LOG_INFO, "answer the line");
	gw_line_timer_stop(l);
	gw_line_lineop(l, GW_HW_OP_OFFHOOK);
	gw_line_progress(l, true);
	gw_line_set_state(l, GW_LINE_FXO_TALKING);
	gw_line_connect(l);
	gw_sup_talking(l);
}

void gw_fxo_remote_gone(struct gw_line *l)
{
	switch (l->state) {
	case GW_LINE_FXO_RINGING:
		gw_line_set_state(l, GW_LINE_FXO_IGNORING);
		break;
	case GW_LINE_FXO_IGNORING:
	case GW_LINE_IDLE:
	case GW_LINE_ALARM:
		break;
	default:
		gw_line_to_idle(l);
		break;
	}
}
