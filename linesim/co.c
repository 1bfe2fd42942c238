// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * co: the central office behind an FXO port, and its test exchange.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dsp/tone.h"
#include "linesim/card.h"
#include "linesim/cid.h"
#include "linesim/fax.h"
#include "linesim/linesim.h"

#define NUMBER_DIGITS 4			  /* a number is complete at 4 digits */
#define INTERDIGIT_FRAMES LS_FRAMES(3000) /* ... or 3 s after the last */
#define NODIGIT_FRAMES LS_FRAMES(10000)	  /* no first digit: congestion */

/* Test exchange numbers. */
#define RINGS_BUSY 2	/* 1486: ringback for two rings, then busy */
#define RINGS_ANSWER 3	/* other numbers: answer after three rings */

void ls_co_init(struct ls_port *p)
{
	memset(&p->co, 0, sizeof(p->co));
}

const char *ls_co_state_name(enum ls_co_state s)
{
	switch (s) {
	case LS_CO_IDLE:
		return "idle";
	case LS_CO_DIALTONE:
		return "dialtone";
	case LS_CO_COLLECTING:
		return "collecting";
	case LS_CO_RINGING_OUT:
		return "ringing-out";
	case LS_CO_ANSWERED:
		return "answered";
	case LS_CO_BUSY:
		return "busy";
	case LS_CO_INCOMING:
		return "incoming";
	case LS_CO_CONNECTED:
		return "connected";
	case LS_CO_HUNGUP:
		return "hungup";
	}
	return "unknown";
}

static void enter(struct ls_port *p, enum ls_co_state s)
{
	p->co.state = s;
	p->co.t = 0;
}

static void stop_ringing(struct ls_port *p)
{
	if (p->co.ring_on)
		ls_port_event(p, GW_HW_EV_RING_END);
	p->co.ring_on = false;
}

void ls_co_reset(struct ls_port *p)
{
	struct ls_co *co = &p->co;

	co->seized = false;
	co->ring_on = false;
	co->hook.on = false; /* its figures stay for `status` */
	co->hook.pulses = 0;
	co->digit_t = 0;
	co->congestion = false;
	enter(p, LS_CO_IDLE);
	gw_tone_gen_set(p->gen, GW_TONE_NONE);
	ls_fax_idle(p);
	ls_far_reset(p);
	ls_cid_co_stop(p);
}

static void go_idle(struct ls_port *p)
{
	ls_co_reset(p);
	ls_port_idle(p);
}

static void go_busy(struct ls_port *p, bool congestion)
{
	p->co.congestion = congestion;
	enter(p, LS_CO_BUSY);
	gw_tone_gen_set(p->gen,
			congestion ? GW_TONE_CONGESTION : GW_TONE_BUSY);
}

static void answer(struct ls_port *p)
{
	struct ls_co *co = &p->co;

	enter(p, LS_CO_ANSWERED);
	gw_tone_gen_set(p->gen, GW_TONE_NONE);
	switch (co->line) {
	case LS_LINE_MILLIWATT:
		gw_tone_gen_custom(p->gen, 1004, 0, -10, 1000, 0);
		break;
	case LS_LINE_ANNOUNCE:
		gw_tone_gen_custom(p->gen, 440, 0, -15, 1000, 1000);
		break;
	default:
		break;
	}
	ls_far_answered(p);
	ls_log("port %d: %s answers%s", p->chan, co->number,
	       p->far.answer_quiet ? " (no battery reversal)" : "");
}

int ls_co_answer(struct ls_port *p)
{
	if (p->co.state != LS_CO_RINGING_OUT)
		return -EALREADY;
	if (p->co.line == LS_LINE_BUSY || p->co.line == LS_LINE_HELD)
		p->co.line = LS_LINE_SILENT;
	answer(p);
	return 0;
}

/* The gateway finished dialling: route the number. */
static void route(struct ls_port *p)
{
	struct ls_co *co = &p->co;

	ls_log("port %d: gateway dialled %s", p->chan, co->number);
	co->rings = 0;
	if (!strcmp(co->number, "1004")) {
		co->line = LS_LINE_MILLIWATT;
		answer(p);
	} else if (!strcmp(co->number, "1000")) {
		co->line = LS_LINE_ECHO;
		answer(p);
	} else if (!strcmp(co->number, "1005")) {
		co->line = LS_LINE_SILENT;
		answer(p);
	} else if (!strcmp(co->number, "1999")) {
		co->line = LS_LINE_HELD; /* rings until `answer` */
		enter(p, LS_CO_RINGING_OUT);
		gw_tone_gen_set(p->gen, GW_TONE_RINGBACK);
	} else {
		co->line = strcmp(co->number, "1486") ? LS_LINE_ANNOUNCE
						       : LS_LINE_BUSY;
		enter(p, LS_CO_RINGING_OUT);
		gw_tone_gen_set(p->gen, GW_TONE_RINGBACK);
	}
}

static void add_digits(struct ls_port *p, const char *digits)
{
	struct ls_co *co = &p->co;

	for (; *digits; digits++) {
		if (co->state != LS_CO_DIALTONE &&
		    co->state != LS_CO_COLLECTING)
			return;
		if (co->state == LS_CO_DIALTONE) {
			enter(p, LS_CO_COLLECTING);
			gw_tone_gen_set(p->gen, GW_TONE_NONE);
		}
		co->number[co->nlen++] = *digits;
		co->number[co->nlen] = '\0';
		co->digit_t = 0;
		ls_dbg("port %d: digit %c", p->chan, *digits);
		if (co->nlen == NUMBER_DIGITS)
			route(p);
	}
}

static void ringout_tick(struct ls_port *p)
{
	struct ls_co *co = &p->co;
	int t = co->t % LS_RING_CYCLE;

	if (t == 0) {
		co->rings++;
		ls_log("port %d: ringback ring %d", p->chan, co->rings);
	} else if (t == LS_RING_ON) {
		if (co->line == LS_LINE_BUSY && co->rings == RINGS_BUSY) {
			go_busy(p, false);
			ls_log("port %d: %s busy", p->chan, co->number);
		} else if (co->line != LS_LINE_BUSY &&
			   co->line != LS_LINE_HELD &&
			   co->rings == RINGS_ANSWER) {
			answer(p);
		}
	}
}

static void incoming_tick(struct ls_port *p)
{
	struct ls_co *co = &p->co;
	int t = co->t % LS_RING_CYCLE;

	if (ls_cid_co_incoming(p)) /* cadence and caller ID of `call` */
		return;

	if (t == 0) {
		co->rings++;
		co->ring_on = true;
		ls_port_event(p, GW_HW_EV_RING_BEGIN);
		ls_log("port %d: ring %d to the gateway", p->chan, co->rings);
	} else if (t == LS_RING_ON) {
		co->ring_on = false;
		ls_port_event(p, GW_HW_EV_RING_END);
	}
}

static void state_tick(struct ls_port *p)
{
	struct ls_co *co = &p->co;

	switch (co->state) {
	case LS_CO_DIALTONE:
		if (co->t >= NODIGIT_FRAMES) {
			ls_log("port %d: no digit in 10 s, congestion",
			       p->chan);
			go_busy(p, true);
		}
		break;
	case LS_CO_COLLECTING:
		if (++co->digit_t >= INTERDIGIT_FRAMES)
			route(p);
		break;
	case LS_CO_RINGING_OUT:
		ringout_tick(p);
		break;
	case LS_CO_INCOMING:
		incoming_tick(p);
		break;
	default:
		break;
	}
}

/* What the line sends in this frame. */
static void output(struct ls_port *p, const int16_t *in, int16_t *out)
{
	struct ls_co *co = &p->co;
	bool talk = co->state == LS_CO_CONNECTED ||
		    co->state == LS_CO_ANSWERED;

	/* A fax terminal: the calling party if this line rang the gateway. */
	if (talk && ls_fax_active(p)) {
		ls_fax_process(p, co->state == LS_CO_CONNECTED, in, out);
		return;
	}
	if (talk && p->play.type != LS_SRC_AUTO) {
		ls_source_process(&p->play, in, out);
		return;
	}
	switch (co->state) {
	case LS_CO_CONNECTED:
		ls_source_loop(&p->play, in, out);
		break;
	case LS_CO_ANSWERED:
		if (co->line == LS_LINE_ECHO)
			ls_source_loop(&p->play, in, out);
		else
			gw_tone_gen_process(p->gen, out, LS_FRAME);
		break;
	case LS_CO_DIALTONE:
	case LS_CO_RINGING_OUT:
	case LS_CO_BUSY:
	case LS_CO_HUNGUP:
		gw_tone_gen_process(p->gen, out, LS_FRAME);
		break;
	case LS_CO_INCOMING:
		ls_cid_co_output(p, out); /* caller ID, else silence */
		break;
	default:
		memset(out, 0, LS_FRAME * sizeof(*out));
		break;
	}
}

/* ---- the gateway's hook: dial pulses, hook-flash, release ---- */

#define SPMS (GW_HW_RATE_HZ / 1000)

/* How long an on-hook may last in this state before it is a release. */
static uint32_t break_window(const struct ls_co *co)
{
	switch (co->state) {
	case LS_CO_DIALTONE:
	case LS_CO_COLLECTING:
		return LS_CO_BREAK_MAX_MS * SPMS;
	case LS_CO_RINGING_OUT:
	case LS_CO_ANSWERED:
	case LS_CO_CONNECTED:
		return LS_CO_FLASH_MAX_MS * SPMS;
	default:
		return 0;
	}
}

static bool dialling(const struct ls_co *co)
{
	return co->state == LS_CO_DIALTONE || co->state == LS_CO_COLLECTING;
}

static void span(uint32_t v, uint32_t *lo, uint32_t *hi)
{
	if (!*lo || v < *lo)
		*lo = v;
	if (hi && v > *hi)
		*hi = v;
}

void ls_co_lineop_at(struct ls_port *p, enum gw_hw_lineop op, uint64_t t)
{
	struct ls_co *co = &p->co;
	struct ls_co_hook *h = &co->hook;
	uint32_t d = t > h->t ? (uint32_t)(t - h->t) : 0;

	if (ls_cid_co_hook(p, op)) /* JCLIP handshake (cid.h) */
		return;
	if (op == GW_HW_OP_ONHOOK && co->seized && !h->on &&
	    break_window(co)) {
		if (h->pulses)
			span(d, &h->make_min, &h->make_max);
		else if (h->digits)
			span(d, &h->pause_min, NULL);
		h->on = true;
		h->t = t;
		return;
	}
	if (op == GW_HW_OP_OFFHOOK && co->seized && h->on) {
		h->on = false;
		h->t = t;
		if (dialling(co)) {
			h->pulses++;
			span(d, &h->brk_min, &h->brk_max);
			co->digit_t = 0;
			if (co->state == LS_CO_DIALTONE) {
				enter(p, LS_CO_COLLECTING);
				gw_tone_gen_set(p->gen, GW_TONE_NONE);
			}
		} else if (d >= LS_CO_FLASH_MIN_MS * SPMS) {
			h->flashes++;
			h->flash_len = d;
			ls_log("port %d: gateway flashed the hook (%.1f ms)",
			       p->chan, (double)d / SPMS);
		}
		return;
	}
	if (op == GW_HW_OP_OFFHOOK && !co->seized) {
		memset(h, 0, sizeof(*h));
		h->t = t;
	}
	ls_co_lineop(p, op);
}

/* Once a frame: a digit whose pulses are over, an on-hook that lasted. */
static void hook_tick(struct ls_port *p)
{
	struct ls_co *co = &p->co;
	struct ls_co_hook *h = &co->hook;
	uint64_t now = ls_card_frames(p->sim->card) * LS_FRAME;
	uint64_t d = now > h->t ? now - h->t : 0;

	if (h->on && d > break_window(co)) {
		h->on = false;
		h->pulses = 0;
		ls_co_lineop(p, GW_HW_OP_ONHOOK);
	} else if (!h->on && h->pulses && d >= LS_CO_DIGIT_GAP_MS * SPMS) {
		char digit[2] = { (char)('0' + h->pulses % 10), 0 };

		if (h->pulses > 10) {
			ls_log("port %d: %d dial pulses: no digit", p->chan,
			       h->pulses);
		} else {
			ls_log("port %d: pulse digit %c (%d breaks)", p->chan,
			       digit[0], h->pulses);
			h->digits++;
			add_digits(p, digit);
		}
		h->pulses = 0;
	}
}

static void ms_span(char *buf, size_t len, uint32_t lo, uint32_t hi)
{
	if (!lo)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f-%.1f", (double)lo / SPMS,
			 (double)hi / SPMS);
}

void ls_co_hook_status(const struct ls_port *p, char *buf, size_t len)
{
	const struct ls_co_hook *h = &p->co.hook;
	char brk[32], mk[32], pause[32], flash[32];

	ms_span(brk, sizeof(brk), h->brk_min, h->brk_max);
	ms_span(mk, sizeof(mk), h->make_min, h->make_max);
	if (h->pause_min)
		snprintf(pause, sizeof(pause), "%.1f",
			 (double)h->pause_min / SPMS);
	else
		snprintf(pause, sizeof(pause), "-");
	if (h->flashes)
		snprintf(flash, sizeof(flash), "%.1f",
			 (double)h->flash_len / SPMS);
	else
		snprintf(flash, sizeof(flash), "-");
	snprintf(buf, len,
		 "pulse_digits=%d break_ms=%s make_ms=%s pause_ms=%s "
		 "flashes=%d flash_ms=%s",
		 h->digits, brk, mk, pause, h->flashes, flash);
}

void ls_co_tick(struct ls_port *p, const int16_t *in, int16_t *out,
		const char *digits)
{
	struct ls_co *co = &p->co;

	enum ls_co_state s;
	int guard = 0;

	if (co->seized)
		hook_tick(p);
	add_digits(p, digits);
	/* A state entered during this frame runs its first frame now. */
	do {
		s = co->state;
		state_tick(p);
	} while (co->state != s && ++guard < 3);
	output(p, in, out);
	ls_far_tick(p, out);
	co->t++;
}

void ls_co_lineop(struct ls_port *p, enum gw_hw_lineop op)
{
	struct ls_co *co = &p->co;

	switch (op) {
	case GW_HW_OP_OFFHOOK:
		if (co->seized)
			break;
		co->seized = true;
		if (co->state == LS_CO_INCOMING) {
			co->ring_on = false;
			enter(p, LS_CO_CONNECTED);
			ls_log("port %d: gateway answered after %d ring(s)",
			       p->chan, co->rings);
			break;
		}
		co->nlen = 0;
		co->number[0] = '\0';
		co->digit_t = 0;
		co->rings = 0;
		enter(p, LS_CO_DIALTONE);
		gw_tone_gen_set(p->gen, GW_TONE_DIAL);
		ls_log("port %d: gateway off-hook, dial tone", p->chan);
		break;
	case GW_HW_OP_ONHOOK:
		if (!co->seized)
			break;
		ls_log("port %d: gateway on-hook (was %s)", p->chan,
		       ls_co_state_name(co->state));
		go_idle(p);
		break;
	default:
		ls_log("port %d: lineop %s ignored (CO port)", p->chan,
		       ls_lineop_name(op));
		break;
	}
}

int ls_co_call(struct ls_port *p, const char *caller)
{
	struct ls_co *co = &p->co;

	if (co->state != LS_CO_IDLE || co->seized)
		return -EBUSY;
	snprintf(co->caller, sizeof(co->caller), "%s", caller);
	co->rings = 0;
	enter(p, LS_CO_INCOMING);
	ls_log("port %d: calling the gateway%s%s", p->chan,
	       *caller ? " from " : "", caller);
	return 0;
}

int ls_co_hangup(struct ls_port *p)
{
	struct ls_co *co = &p->co;

	if (co->state == LS_CO_INCOMING) {
		stop_ringing(p);
		ls_log("port %d: caller abandoned after %d ring(s)", p->chan,
		       co->rings);
		go_idle(p);
		return 0;
	}
	if (!co->seized || co->state == LS_CO_HUNGUP)
		return -EALREADY;
	ls_port_event(p, GW_HW_EV_LOOP_DROP);
	enter(p, LS_CO_HUNGUP);
	gw_tone_gen_set(p->gen, GW_TONE_BUSY);
	ls_log("port %d: far end hung up (loop drop)", p->chan);
	return 0;
}

const char *ls_co_sending(const struct ls_port *p)
{
	const struct ls_co *co = &p->co;

	switch (co->state) {
	case LS_CO_DIALTONE:
		return "dial";
	case LS_CO_RINGING_OUT:
		return "ringback";
	case LS_CO_BUSY:
		return co->congestion ? "congestion" : "busy";
	case LS_CO_HUNGUP:
		return "busy";
	case LS_CO_CONNECTED:
		return "echo";
	case LS_CO_ANSWERED:
		switch (co->line) {
		case LS_LINE_MILLIWATT:
			return "tone:1004:-10";
		case LS_LINE_ECHO:
			return "echo";
		case LS_LINE_ANNOUNCE:
			return "announcement";
		default:
			return "silence";
		}
	case LS_CO_COLLECTING:
		return "silence";
	default:
		return "none";
	}
}
