// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * phone: the analog phone behind an FXS port.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dsp/dtmf.h"
#include "hw/simproto.h"
#include "linesim/cid.h"
#include "linesim/cw.h"
#include "linesim/fax.h"
#include "linesim/linesim.h"
#include "linesim/loop.h"

static void burst_end(struct ls_port *p);

/* Auto mode hangs up after this much busy or congestion tone. */
#define AUTO_HANGUP_FRAMES LS_FRAMES(2000)

void ls_phone_init(struct ls_port *p)
{
	memset(&p->phone, 0, sizeof(p->phone));
	p->phone.auto_on = true;
	p->phone.auto_rings = 2;
	if (ls_loop_alloc(p) < 0)
		ls_log("port %d: no memory for the loop state", p->chan);
	if (ls_cw_alloc(p) < 0)
		ls_log("port %d: no memory for call waiting", p->chan);
}

void ls_phone_reset(struct ls_port *p)
{
	struct ls_phone *ph = &p->phone;

	ph->state = LS_PHONE_IDLE;
	ph->auto_answered = false;
	ph->ring_on = false;
	ph->ring_t = 0;
	ph->ring_pending = false;
	ph->ring_driven = false;
	ph->busy_t = 0;
	ph->flash_t = 0;
	ph->polarity_rev = false;
	gw_dtmf_tx_reset(p->dtmf);
	ls_fax_idle(p);
	ls_loop_reset(p);
}

const char *ls_phone_state_name(enum ls_phone_state s)
{
	switch (s) {
	case LS_PHONE_IDLE:
		return "idle";
	case LS_PHONE_RINGING:
		return "ringing";
	case LS_PHONE_OFFHOOK:
		return "offhook";
	}
	return "unknown";
}

static void go_offhook(struct ls_port *p, bool by_auto)
{
	struct ls_phone *ph = &p->phone;

	ph->state = LS_PHONE_OFFHOOK;
	ph->ring_on = false;
	ph->auto_answered = by_auto;
	ph->busy_t = 0;
	ph->dialled[0] = '\0';
	ls_loop_offhook(p);
	ls_cw_offhook(p);
	ls_port_event(p, GW_HW_EV_OFFHOOK);
}

static void go_onhook(struct ls_port *p)
{
	p->phone.state = LS_PHONE_IDLE;
	p->phone.auto_answered = false;
	p->phone.pulsing = false;
	gw_dtmf_tx_reset(p->dtmf);
	ls_port_event(p, GW_HW_EV_ONHOOK);
	ls_fax_idle(p);
	ls_port_idle(p);
}

int ls_phone_offhook(struct ls_port *p)
{
	bool ringing = p->phone.state == LS_PHONE_RINGING;

	if (p->phone.state == LS_PHONE_OFFHOOK)
		return -EALREADY;
	go_offhook(p, false);
	ls_log("port %d: off-hook%s", p->chan, ringing ? " (answer)" : "");
	return 0;
}

int ls_phone_onhook(struct ls_port *p)
{
	if (p->phone.state != LS_PHONE_OFFHOOK)
		return -EALREADY;
	go_onhook(p);
	ls_log("port %d: on-hook", p->chan);
	return 0;
}

int ls_phone_flash(struct ls_port *p, int ms)
{
	if (p->phone.state != LS_PHONE_OFFHOOK || p->phone.flash_t)
		return -ENOTCONN;
	if (ms < 20 || ms > 2000)
		return -EINVAL;
	p->phone.flash_t = ms / 20;
	ls_port_event(p, GW_HW_EV_ONHOOK);
	ls_log("port %d: hook-flash, on-hook for %d ms", p->chan, ms);
	return 0;
}

#define PULSE_GAP_MS 700 /* off-hook between two rotary digits */

int ls_phone_pulse(struct ls_port *p, const char *digits, int pps,
		   int break_pct)
{
	struct ls_phone *ph = &p->phone;
	int period;
	size_t n;

	if (ph->state != LS_PHONE_OFFHOOK)
		return -ENOTCONN;
	if (ph->pulsing || ph->flash_t || gw_dtmf_tx_busy(p->dtmf))
		return -EBUSY;
	if (!*digits || strlen(digits) >= sizeof(ph->pulse_digits) ||
	    strspn(digits, "0123456789") != strlen(digits) || pps < 5 ||
	    pps > 20 || break_pct < 30 || break_pct > 80)
		return -EINVAL;
	period = 8000 / pps;
	strcpy(ph->pulse_digits, digits);
	ph->pulse_break_len = period * break_pct / 100;
	ph->pulse_make_len = period - ph->pulse_break_len;
	ph->pulse_gap_len = PULSE_GAP_MS * 8;
	ph->pulse_idx = 0;
	ph->pulse_left = digits[0] == '0' ? 10 : digits[0] - '0';
	ph->pulse_break = false;
	ph->pulse_next = 0;
	ph->pulsing = true;
	n = strlen(ph->dialled);
	snprintf(ph->dialled + n, sizeof(ph->dialled) - n, "%s", digits);
	ls_log("port %d: pulse dialling %s at %d pps, %d %% break", p->chan,
	       digits, pps, break_pct);
	return 0;
}

/* The hook changes of rotary dialling that fall in this frame. */
static void pulse_tick(struct ls_port *p)
{
	struct ls_phone *ph = &p->phone;

	while (ph->pulsing && ph->pulse_next < LS_FRAME) {
		int at = ph->pulse_next;

		if (!ph->pulse_break) {
			ph->pulse_break = true;
			ls_port_event_at(p, GW_HW_EV_ONHOOK, at);
			ph->pulse_next += ph->pulse_break_len;
			continue;
		}
		ph->pulse_break = false;
		ls_port_event_at(p, GW_HW_EV_OFFHOOK, at);
		if (--ph->pulse_left > 0) {
			ph->pulse_next += ph->pulse_make_len;
		} else if (ph->pulse_digits[++ph->pulse_idx]) {
			char d = ph->pulse_digits[ph->pulse_idx];

			ph->pulse_left = d == '0' ? 10 : d - '0';
			ph->pulse_next += ph->pulse_gap_len;
		} else {
			ph->pulsing = false;
			ls_log("port %d: pulse dialling done", p->chan);
		}
	}
	if (ph->pulsing)
		ph->pulse_next -= LS_FRAME;
}

int ls_phone_dial(struct ls_port *p, const char *digits)
{
	size_t n;
	int err;

	if (p->phone.state != LS_PHONE_OFFHOOK)
		return -ENOTCONN;
	err = gw_dtmf_tx_put(p->dtmf, digits);
	if (err < 0)
		return err;
	n = strlen(p->phone.dialled);
	snprintf(p->phone.dialled + n, sizeof(p->phone.dialled) - n, "%s",
		 digits);
	ls_log("port %d: dialling %s", p->chan, digits);
	return 0;
}

void ls_phone_lineop(struct ls_port *p, enum gw_hw_lineop op)
{
	struct ls_phone *ph = &p->phone;

	switch (op) {
	case GW_HW_OP_RING_START:
		if (ph->state == LS_PHONE_OFFHOOK) {
			ls_log("port %d: ring start ignored (off-hook)",
			       p->chan);
			break;
		}
		if (ph->state == LS_PHONE_RINGING && ph->ring_on)
			break;
		if (ph->state != LS_PHONE_RINGING) {
			ph->state = LS_PHONE_RINGING;
			ph->rings = 0;
			ph->bursts = 0;
			ph->ring_pulse = false;
			ph->ring_driven = false;
			ls_cid_phone_session(p);
		}
		ph->ring_pending = true;
		break;
	case GW_HW_OP_RING_STOP:
		if (ph->state != LS_PHONE_RINGING)
			break;
		ph->ring_pending = false;
		ph->ring_driven = true;
		if (ph->ring_on)
			burst_end(p);
		break;
	case GW_HW_OP_POLARITY_REV:
	case GW_HW_OP_POLARITY_FWD:
		ph->polarity_rev = op == GW_HW_OP_POLARITY_REV;
		ls_log("port %d: polarity %s", p->chan,
		       ph->polarity_rev ? "reversed" : "forward");
		break;
	default:
		if ((int)op == GW_SIM_SIG_BATTERY_OFF ||
		    (int)op == GW_SIM_SIG_BATTERY_ON) {
			ls_loop_battery(p, (int)op == GW_SIM_SIG_BATTERY_ON);
			break;
		}
		ls_log("port %d: lineop %s ignored (phone port)", p->chan,
		       ls_lineop_name(op));
		break;
	}
}

/* A ring burst ends (the card's 2 s, or RING_STOP). */
static void burst_end(struct ls_port *p)
{
	struct ls_phone *ph = &p->phone;

	ph->ring_on = false;
	ph->ring_gap = 0;
	ph->ring_pulse = ph->rings == 1 && ph->ring_t < LS_FRAMES(400) &&
			 ph->bursts == 1;
	ls_cid_phone_burst(p, false);
	/* a ring pulse (ETSI RP-AS, < 400 ms) is too short to answer,
	 * a JCLIP CAR burst is not for the user */
	if (ph->auto_on && ph->rings == ph->auto_rings &&
	    ph->ring_t >= LS_FRAMES(400) && !ls_cid_car_wait(p)) {
		/* Ring trip: off-hook stops the ringing. */
		go_offhook(p, true);
		ls_log("port %d: off-hook (auto answer)", p->chan);
	}
}

static void burst_start(struct ls_port *p)
{
	struct ls_phone *ph = &p->phone;

	ph->ring_pending = false;
	if (ph->ring_pulse) {
		ph->ring_pulse = false; /* that was a ring pulse */
		ls_log("port %d: ring 1 (after a ring pulse)", p->chan);
	} else if (ph->rings == 0 || ph->ring_gap >= LS_FRAMES(1000)) {
		ph->rings++;
		ls_log("port %d: ring %d", p->chan, ph->rings);
	}
	ph->bursts++;
	ph->ring_on = true;
	ph->ring_t = 0;
	ls_cid_phone_burst(p, true);
	if (ls_cid_car_detected(p)) { /* JCLIP: primary response */
		ph->ring_on = false;
		ls_port_event(p, GW_HW_EV_OFFHOOK);
		ls_log("port %d: JCLIP CAR: off-hook for the number "
		       "(primary response)", p->chan);
	}
}

static void ring_tick(struct ls_port *p)
{
	struct ls_phone *ph = &p->phone;

	if (ls_cid_car_loop(p)) { /* JCLIP: receiving the number */
		if (ls_cid_car_release(p)) {
			ph->state = LS_PHONE_IDLE; /* the ringing follows */
			ls_port_event(p, GW_HW_EV_ONHOOK);
		}
		return;
	}
	if (ph->auto_on && ph->auto_rings == 0) {
		go_offhook(p, true);
		ls_log("port %d: off-hook (auto answer)", p->chan);
		return;
	}
	if (ph->ring_pending) {
		burst_start(p);
	} else if (ph->ring_on) {
		if (ph->ring_t >= LS_RING_ON) {
			burst_end(p);
			if (ph->state != LS_PHONE_RINGING)
				return;
		}
	} else if (ph->ring_driven) {
		if (++ph->ring_gap >= LS_FRAMES(5000)) {
			ph->state = LS_PHONE_IDLE;
			ls_log("port %d: ringing stopped after %d ring(s)",
			       p->chan, ph->rings);
			return;
		}
	} else if (++ph->ring_gap >= LS_RING_CYCLE - LS_RING_ON) {
		burst_start(p);
	}
	if (ph->ring_on)
		ph->ring_t++;
}

void ls_phone_tick(struct ls_port *p, const int16_t *in, int16_t *out)
{
	struct ls_phone *ph = &p->phone;
	enum gw_tone tone;
	int n;

	if (ph->state == LS_PHONE_RINGING)
		ring_tick(p);
	ls_loop_tick(p, in, ph->state == LS_PHONE_OFFHOOK);
	if (ph->state != LS_PHONE_OFFHOOK) {
		ls_cid_phone_tick(p, in); /* caller ID on-hook */
		memset(out, 0, LS_FRAME * sizeof(*out));
		return;
	}
	if (ls_loop_battery_off(p)) { /* kewlstart drop: no loop current */
		memset(out, 0, LS_FRAME * sizeof(*out));
		return;
	}
	if (ph->pulsing) { /* rotary dialling: no audio */
		memset(out, 0, LS_FRAME * sizeof(*out));
		pulse_tick(p);
		return;
	}
	if (ph->flash_t > 0) { /* on-hook for a hook-flash: no loop */
		memset(out, 0, LS_FRAME * sizeof(*out));
		if (--ph->flash_t == 0) {
			ls_port_event(p, GW_HW_EV_OFFHOOK);
			ls_log("port %d: off-hook (end of hook-flash)", p->chan);
		}
		return;
	}
	if (ls_cw_tick(p, in, out)) /* call waiting: ACK, handset muted */
		return;

	if (ph->auto_on) {
		tone = ls_listen_tone(&p->listen);
		if (tone == GW_TONE_BUSY || tone == GW_TONE_CONGESTION)
			ph->busy_t++;
		else
			ph->busy_t = 0;
		if (ph->busy_t >= AUTO_HANGUP_FRAMES) {
			go_onhook(p);
			ls_log("port %d: on-hook (auto, heard %s)", p->chan,
			       gw_tone_name(tone));
			memset(out, 0, LS_FRAME * sizeof(*out));
			return;
		}
	}

	if (gw_dtmf_tx_busy(p->dtmf)) {
		n = gw_dtmf_tx_process(p->dtmf, out, LS_FRAME);
		if (n < LS_FRAME)
			memset(out + n, 0, (LS_FRAME - n) * sizeof(*out));
		return;
	}
	/* A fax terminal: the calling party if this phone dialled. */
	if (ls_fax_active(p))
		ls_fax_process(p, ph->dialled[0] != '\0', in, out);
	else if (p->play.type != LS_SRC_AUTO)
		ls_source_process(&p->play, in, out);
	else if (ph->auto_answered)
		ls_source_loop(&p->play, in, out);
	else
		memset(out, 0, LS_FRAME * sizeof(*out));
}
