/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * co: the central office behind an FXO port of the gateway, with a small
 * test exchange.
 *
 * Outgoing (the gateway seizes the line): dial tone, DTMF collection (the
 * number is complete at 4 digits or 3 s after the last digit; no digit in
 * 10 s gives congestion), then the test exchange's numbers:
 *   1004  answers at once, 1004 Hz at -10 dBm0 (milliwatt-style test line)
 *   1000  answers at once, echoes what it hears
 *   1005  answers at once, silent
 *   1486  ringback for two rings, then busy, never answers
 *   1999  ringback until `answer` (linesim/far.h), then silent
 *   other ringback for three rings, answers, then an announcement-like
 *         pattern: 440 Hz at -15 dBm0, 1 s on / 1 s off
 * Answers are signalled with GW_HW_EV_POLARITY (battery reversal).
 *
 * The gateway's hook while it holds the line (ls_co_lineop_at(), each
 * change timed to the sample): while dial tone or digits are expected an
 * on-hook of up to LS_CO_BREAK_MAX_MS is a dial pulse, counted into a
 * digit once the line has been off-hook LS_CO_DIGIT_GAP_MS (the number
 * is then collected as if dialled by DTMF); once a number is routed an
 * on-hook of LS_CO_FLASH_MIN_MS..LS_CO_FLASH_MAX_MS is a hook-flash. A
 * longer on-hook releases the line when it has lasted that long. Breaks,
 * makes, pauses and flashes are measured and shown by `status`.
 *
 * Incoming (`call`): rings the gateway (RING_BEGIN/RING_END, 2 s on, 4 s
 * off) until it answers; `hangup` abandons the call or drops the loop
 * (GW_HW_EV_LOOP_DROP) and plays busy until the gateway goes on-hook.
 */
#ifndef LS_CO_H
#define LS_CO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/hw.h"

struct ls_port;

enum ls_co_state {
	LS_CO_IDLE,
	LS_CO_DIALTONE,
	LS_CO_COLLECTING,
	LS_CO_RINGING_OUT, /* ringback to the gateway */
	LS_CO_ANSWERED,	   /* a test number answered */
	LS_CO_BUSY,	   /* busy or congestion tone */
	LS_CO_INCOMING,	   /* ringing the gateway */
	LS_CO_CONNECTED,   /* the gateway answered our call */
	LS_CO_HUNGUP,	   /* far end gone, busy until the gateway hangs up */
};

/* What an answered test number sends. */
enum ls_co_line {
	LS_LINE_MILLIWATT,
	LS_LINE_ECHO,
	LS_LINE_SILENT,
	LS_LINE_BUSY,
	LS_LINE_ANNOUNCE,
	LS_LINE_HELD, /* 1999: rings until `answer` (linesim/far.h) */
};

#define LS_NUMBER_MAX 32

#define LS_CO_BREAK_MAX_MS 150	 /* longest dial pulse break */
#define LS_CO_DIGIT_GAP_MS 250	 /* off-hook this long ends a digit */
#define LS_CO_FLASH_MIN_MS 40	 /* shorter breaks after routing: hits */
#define LS_CO_FLASH_MAX_MS 1100 /* longer: the gateway hung up */

/* What the CO measured of the gateway's hook, since it seized the line. */
struct ls_co_hook {
	bool on;	   /* a break under way */
	uint64_t t;	   /* sample of the last change (card clock) */
	int pulses;	   /* breaks of the digit being dialled */
	int digits;	   /* digits dialled by pulses */
	uint32_t brk_min, brk_max;   /* dial pulse breaks, samples */
	uint32_t make_min, make_max; /* makes within a digit */
	uint32_t pause_min;	     /* inter-digit pauses */
	int flashes;
	uint32_t flash_len; /* the last hook-flash, samples */
};

struct ls_co {
	enum ls_co_state state;
	bool seized;	/* gateway off-hook */
	int t;		/* frames in this state */
	int digit_t;	/* frames since the last digit */
	char number[LS_NUMBER_MAX]; /* dialled by the gateway */
	int nlen;
	char caller[LS_NUMBER_MAX]; /* `call` caller number */
	enum ls_co_line line;
	int rings;
	bool ring_on;
	bool congestion; /* LS_CO_BUSY plays congestion, not busy */
	struct ls_co_hook hook;
};

void ls_co_init(struct ls_port *p);
void ls_co_reset(struct ls_port *p);
/* `digits`: DTMF digits detected in this frame. */
void ls_co_tick(struct ls_port *p, const int16_t *in, int16_t *out,
		const char *digits);
void ls_co_lineop(struct ls_port *p, enum gw_hw_lineop op);
/*
 * The same at sample t of the card's clock (frames received * 160 +
 * the signal's offset): the gateway's hook changes, timed.
 */
void ls_co_lineop_at(struct ls_port *p, enum gw_hw_lineop op, uint64_t t);
/* Hook figures for `status` (ms; "-" when none). */
void ls_co_hook_status(const struct ls_port *p, char *buf, size_t len);
/* Commands. Return 0 or a negative errno (-EBUSY, -EALREADY). */
int ls_co_call(struct ls_port *p, const char *caller);
int ls_co_hangup(struct ls_port *p);
/* Answer a call in ringback now (`answer`); -EALREADY if none. */
int ls_co_answer(struct ls_port *p);
const char *ls_co_state_name(enum ls_co_state s);
/* What the CO sends now: "none", "dial", "ringback", ... */
const char *ls_co_sending(const struct ls_port *p);

#endif
