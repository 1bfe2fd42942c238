/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fxodial: an FXO port's hook as the gateway drives it beyond seize and
 * release: dialling by loop-disconnect pulses, hook-flash, and the
 * release guard (control thread; per-line state struct gw_fxodial).
 *
 * Pulse dialling (dial_mode = "pulse"): once dial tone is heard, the
 * number goes to the card's pulse dialler (hw.h dial_pulse) with the
 * port's pulse_pps, pulse_break_pct and pulse_interdigit_ms; the card's
 * GW_HW_EV_DIAL_DONE ends dialling as the last DTMF digit does. Only
 * digits can be pulse-dialled: a number with * # or + fails (484).
 *
 * Hook-flash (flash_ms): relayed from SIP to a held line (the call
 * answered, or in early media): an RFC 4733 event 16 received on the
 * call (RFC 4733 §3.2, "flash"), or a SIP INFO (RFC 6086 legacy usage)
 * of type application/hook-flash, or application/dtmf-relay with
 * Signal=16 or Signal=hf. The card times the break (hw.h hookflash).
 *
 * Release guard: after the gateway puts the line on-hook it stays so
 * for GW_FXODIAL_GUARD_MS before it seizes the line again, so that the
 * exchange, which cannot tell a release from a hook-flash until the
 * on-hook has outlasted a flash (Telcordia GR-506: up to ~1.1 s), sees
 * the next seizure as a new call.
 */
#ifndef GW_FXODIAL_H
#define GW_FXODIAL_H

#include <stdbool.h>
#include <stdint.h>

#define GW_FXODIAL_GUARD_MS 1500

struct gw_line;
struct gw_call;

struct gw_fxodial {
	uint64_t released_ms; /* CLOCK_MONOTONIC ms of our last on-hook */
	bool seize_pending;   /* seized in the guard: off-hook at its end */
	bool pulsing;	      /* the card is pulse-dialling */
};

/*
 * The line is to be seized: 0 to go off-hook now, or the guard's ms left
 * (the line timer is then set; gw_fxodial_guard_over() at its expiry).
 */
int gw_fxodial_guard(struct gw_line *l);
/* In the line's timer: true if it ended the guard (seize now). */
bool gw_fxodial_guard_over(struct gw_line *l);
/* We put the line on-hook. */
void gw_fxodial_released(struct gw_line *l);
/*
 * Dial tone heard: dial the call's number by the port's dial_mode.
 * Returns 0, or a negative errno when the call failed (it is ended).
 */
int gw_fxodial_dial(struct gw_line *l);
/* The line's timer fired while dialling: the card never finished. */
void gw_fxodial_timeout(struct gw_line *l);
/* The card's GW_HW_EV_DIAL_DONE: true if it was ours. */
bool gw_fxodial_done(struct gw_line *l);
/*
 * Flash the hook of the call's FXO line (why: for the log). Returns 0,
 * -ENOTCONN when no line is held, -EINVAL for an FXS line.
 */
int gw_fxodial_flash(struct gw_line *l, const char *why);
/* An RFC 4733 event received on the line's call (gateway/media.h). */
void gw_fxodial_net_event(struct gw_line *l, int event);

/*
 * A SIP INFO in the call's dialog (sip.c): the hook-flash kinds above.
 * Returns the status to answer (200, or 415 for a type we do not take,
 * 400 for a dtmf-relay body without Signal, 481 when the call has no
 * line).
 */
struct sip_s;
int gw_fxodial_sip_info(struct gw_call *c, const struct sip_s *sip);

#endif
