/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hookseq: a timed sequence of hook changes on an FXO channel, on the
 * card's sample clock: the dial pulses of a number (hw.h struct
 * gw_hw_pulse) or one hook-flash. For cards that time these themselves
 * rather than through a driver (the simulated card; DAHDI's driver has
 * its own pulse dialler and flash timer).
 *
 * How: the sequence is computed as it is played. The card asks, once per
 * frame period, for the changes due before the period's end; each comes
 * with its sample, so the far side can measure breaks and makes to the
 * sample (a 12 pps make is 33 ms, under two 20 ms frames).
 *
 * Timing (pulse dialling as ITU-T Q.23's predecessors and the national
 * CO specifications define it, e.g. BT SIN 351, Telcordia GR-506 §5): a
 * digit n (0 = 10 pulses) is n breaks of break_pct % of the pulse period
 * 1/pps s, each followed by a make of the rest, except that the make
 * after a digit's last break is the inter-digit pause.
 */
#ifndef GW_HW_HOOKSEQ_H
#define GW_HW_HOOKSEQ_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/hw.h"

#define GW_HOOKSEQ_DIGITS_MAX 31

enum gw_hookseq_ev {
	GW_HOOKSEQ_NONE = 0,
	GW_HOOKSEQ_ONHOOK,  /* break the loop */
	GW_HOOKSEQ_OFFHOOK, /* close it again */
	GW_HOOKSEQ_DONE,    /* the sequence is over (pulses: after the last
			     * inter-digit pause) */
};

struct gw_hookseq {
	bool active;
	bool flash;    /* one break of flash samples, no digits */
	bool broken;   /* on-hook now (the next change is OFFHOOK) */
	char digits[GW_HOOKSEQ_DIGITS_MAX + 1];
	int pos;       /* digit being dialled */
	int left;      /* its breaks still to start */
	uint64_t next; /* sample of the next change */
	uint32_t brk, mk, gap; /* samples: break, make, inter-digit pause */
};

/* Start dialling digits ('0'..'9') at sample now. 0 or -EINVAL. */
int gw_hookseq_pulse(struct gw_hookseq *s, uint64_t now, const char *digits,
		     const struct gw_hw_pulse *p);
/* Start a hook-flash of ms (20..5000) at sample now. 0 or -EINVAL. */
int gw_hookseq_flash(struct gw_hookseq *s, uint64_t now, int ms);
/* Drop what is under way (the line went on-hook). */
void gw_hookseq_cancel(struct gw_hookseq *s);
/*
 * The next change due before sample `end`: returns it and its sample in
 * *at (NONE: none due). Call until NONE each period.
 */
enum gw_hookseq_ev gw_hookseq_next(struct gw_hookseq *s, uint64_t end,
				   uint64_t *at);

#endif
