// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * port: what phone and CO ports share: listener, play source, recorder,
 * per-frame dispatch to the line model, and events to the gateway.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dsp/dtmf.h"
#include "dsp/tone.h"
#include "linesim/card.h"
#include "linesim/cid.h"
#include "linesim/cw.h"
#include "linesim/linesim.h"
#include "linesim/loop.h"
#include "linesim/port.h"

/* DTMF the phone dials: level per tone, 100 ms on, 100 ms off. */
#define DIAL_LEVEL_DBM0 -8
#define DIAL_ON_MS 100
#define DIAL_OFF_MS 100

int ls_port_init(struct ls_port *p, struct ls_sim *sim, int chan,
		 enum ls_kind kind)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->sim = sim;
	p->chan = chan;
	p->kind = kind;
	err = ls_listen_init(&p->listen);
	if (err < 0)
		goto fail;
	err = ls_source_init(&p->play);
	if (err < 0)
		goto fail;
	err = gw_tone_gen_alloc(&p->gen);
	if (err < 0)
		goto fail;
	err = ls_cid_init(p);
	if (err < 0)
		goto fail;
	if (kind == LS_PHONE) {
		err = gw_dtmf_tx_alloc(&p->dtmf, DIAL_LEVEL_DBM0, DIAL_ON_MS,
				       DIAL_OFF_MS);
		if (err < 0)
			goto fail;
		ls_phone_init(p);
	} else {
		ls_co_init(p);
	}
	return 0;
fail:
	ls_port_release(p);
	return err;
}

void ls_port_release(struct ls_port *p)
{
	if (p->rec.file)
		ls_rec_stop(&p->rec);
	ls_listen_release(&p->listen);
	ls_source_release(&p->play);
	ls_far_release(p);
	ls_cid_release(p);
	if (p->kind == LS_PHONE) {
		ls_loop_free(p);
		ls_cw_free(p);
	}
	if (p->gen)
		gw_tone_gen_free(p->gen);
	if (p->dtmf)
		gw_dtmf_tx_free(p->dtmf);
	p->gen = NULL;
	p->dtmf = NULL;
}

void ls_port_reset(struct ls_port *p)
{
	if (p->kind == LS_PHONE)
		ls_phone_reset(p);
	else
		ls_co_reset(p);
	ls_listen_reset(&p->listen);
	ls_port_idle(p);
}

void ls_port_idle(struct ls_port *p)
{
	uint64_t n;

	if (!p->rec.file)
		return;
	n = ls_rec_stop(&p->rec);
	p->rec.closed_idle = true;
	p->rec.last_samples = n;
	ls_log("port %d: recording closed (line idle), %llu samples", p->chan,
	       (unsigned long long)n);
}

void ls_port_tick(struct ls_port *p, const int16_t *in, int16_t *out)
{
	char digits[LS_DIGITS_MAX];
	int i, n;

	n = ls_listen_process(&p->listen, in, digits, sizeof(digits));
	for (i = 0; i < n; i++)
		ls_dbg("port %d: heard DTMF %c", p->chan, digits[i]);
	ls_rec_write(&p->rec, in, LS_FRAME);
	if (p->kind == LS_PHONE)
		ls_phone_tick(p, in, out);
	else
		ls_co_tick(p, in, out, digits);
	ls_echo_process(&p->echo, in, out, LS_FRAME,
			p->kind == LS_PHONE ? p->phone.state == LS_PHONE_OFFHOOK
					    : p->co.seized);
}

void ls_port_lineop(struct ls_port *p, enum gw_hw_lineop op)
{
	ls_dbg("port %d: lineop %s", p->chan, ls_lineop_name(op));
	if (p->kind == LS_PHONE)
		ls_phone_lineop(p, op);
	else
		ls_co_lineop(p, op);
}

void ls_port_event_at(struct ls_port *p, enum gw_hw_event_type ev,
		      int offset)
{
	ls_dbg("port %d: event %s", p->chan, ls_event_name(ev));
	ls_card_event(p->sim->card, p->chan, ev, offset);
}

void ls_port_event(struct ls_port *p, enum gw_hw_event_type ev)
{
	ls_port_event_at(p, ev, 0);
}

const char *ls_port_kind_name(const struct ls_port *p)
{
	return p->kind == LS_PHONE ? "phone" : "co";
}

const char *ls_lineop_name(enum gw_hw_lineop op)
{
	switch (op) {
	case GW_HW_OP_OFFHOOK:
		return "offhook";
	case GW_HW_OP_ONHOOK:
		return "onhook";
	case GW_HW_OP_RING_START:
		return "ring-start";
	case GW_HW_OP_RING_STOP:
		return "ring-stop";
	case GW_HW_OP_POLARITY_REV:
		return "polarity-rev";
	case GW_HW_OP_POLARITY_FWD:
		return "polarity-fwd";
	}
	return "unknown";
}

const char *ls_event_name(enum gw_hw_event_type ev)
{
	switch (ev) {
	case GW_HW_EV_OFFHOOK:
		return "offhook";
	case GW_HW_EV_ONHOOK:
		return "onhook";
	case GW_HW_EV_RING_BEGIN:
		return "ring-begin";
	case GW_HW_EV_RING_END:
		return "ring-end";
	case GW_HW_EV_POLARITY:
		return "polarity";
	case GW_HW_EV_LOOP_DROP:
		return "loop-drop";
	case GW_HW_EV_ALARM:
		return "alarm";
	case GW_HW_EV_NOALARM:
		return "noalarm";
	case GW_HW_EV_FLASH:
		return "flash";
	case GW_HW_EV_PULSE_DIGIT:
		return "pulse-digit";
	case GW_HW_EV_LOOP_BACK:
		return "loop-back";
	case GW_HW_EV_DIAL_DONE:
		return "dial-done";
	}
	return "unknown";
}
