/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * benchcard: an in-process card for the media benchmark (mediabench).
 *
 * What it does: a `struct gw_hw_ops` ("bench") with N FXS channels clocked
 * like hw/sim.c (a 20 ms CLOCK_MONOTONIC absolute-deadline timer), whose
 * far side is not a line simulator but a fixed signal: every channel
 * receives a speech-like signal (a shared 10 s loop at about -20 dBm0,
 * each channel at its own offset, talking 2 s out of 4: see
 * gw_benchcard_talking()) plus an echo of what the gateway sent
 * to it (the frame written two periods before, i.e. played in the period
 * the frame read was captured, through a 4-tap FIR, 2 ms bulk delay, about
 * -10 dB ERL), so the echo canceller adapts and the detectors see sound.
 *
 * Delay markers: once a second per channel (staggered), while the card's
 * side talks (the far side is silent then), the first four samples of a
 * received frame are replaced by a full-scale click of alternating sign
 * (|x| = 28000, far above anything else in the signal, echo included).
 * Its capture time (the frame's deadline minus one period: the first
 * sample of the frame) is published for the reflector to find the click
 * in an RTP packet. When a written frame carries a
 * click (|x| > GW_BENCHCARD_MARK_THRESHOLD), its play-out time (the start
 * of the next period plus the sample's offset: one block of output
 * buffering, as sim.c and a DAHDI card) is compared with the time the
 * reflector sent the packet that carried it (gw_benchcard_mark_sent()).
 *
 * It also measures what the gateway cannot: wake-up lateness against the
 * real deadline, and deadlines missed (the work of a period, up to the
 * next wait(), ended after the next period's deadline).
 *
 * Threads: open/close and the _mark_sent/_stats functions may run on any
 * thread; the gw_hw_ops members run on the media thread. Cross-thread
 * values are atomics. Nothing allocates after open().
 */
#ifndef GW_BENCHCARD_H
#define GW_BENCHCARD_H

#include <stdbool.h>
#include <stdint.h>

#include "gateway/media.h"
#include "hw/hw.h"

#define GW_BENCHCARD_MARK 28000
#define GW_BENCHCARD_MARK_THRESHOLD 20000

extern const struct gw_hw_ops gw_benchcard_ops;

/* A one-way delay's figures, ns. */
struct gw_benchcard_delay {
	uint64_t n, sum_ns, max_ns, min_ns;
};

struct gw_benchcard_stats {
	uint64_t ticks;
	uint64_t missed_deadlines;
	uint64_t late_ns_max;
	uint64_t late_hist[GW_MEDIA_LATE_BUCKETS]; /* media.h buckets */
	struct gw_benchcard_delay to_card; /* reflector send -> card play */
	uint64_t marks_sent;		   /* clicks put into read frames */
};

/*
 * Open: spec is the channel count ("240"). The card's channels are all
 * FXS.
 */

/* Start (true) or stop counting the figures above (any thread). */
void gw_benchcard_measure(struct gw_hw_card *card, bool on);
void gw_benchcard_stats(struct gw_hw_card *card, struct gw_benchcard_stats *st);
/*
 * Reflector side: the capture time (CLOCK_MONOTONIC ns) of the click last
 * put into channel chan's input and not yet claimed, or 0; claiming it
 * clears it, so each click is measured once.
 */
uint64_t gw_benchcard_mark_claim(struct gw_hw_card *card, int chan);
/* Reflector side: a packet carrying chan's click was sent at t_ns. */
void gw_benchcard_mark_sent(struct gw_hw_card *card, int chan, uint64_t t_ns);
/*
 * What the card's own members (read, write, flush for every channel) cost
 * per tick, in CPU ns, measured on the calling thread over `ticks` ticks;
 * the media thread's load includes it. Call before the media thread
 * starts (it runs the members itself).
 */
double gw_benchcard_self_cost_ns(struct gw_hw_card *card, int ticks);

uint64_t gw_benchcard_now_ns(void);

/*
 * n samples of the speech-like signal (different for each seed): -20 dBm0
 * RMS while talking, peaks below 12000, a -55 dBm0 background. Returns 0
 * or -ENOMEM.
 */
int gw_benchcard_speech(int16_t *out, int n, uint32_t seed);

/*
 * Conversation: on each channel the card's side (near) talks for the
 * first half of every GW_BENCHCARD_TURN_MS, the far side (the reflector)
 * for the second half, each channel at its own phase; t_ns is
 * CLOCK_MONOTONIC. Silence on one side lets the canceller adapt.
 */
#define GW_BENCHCARD_TURN_MS 4000
bool gw_benchcard_talking(int chan, uint64_t t_ns, bool near);

#endif
