/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evq: a card backend's queue of pending line events, filled as the
 * backend learns of them (in wait(), read(), write()) and emptied by its
 * event() member (hw.h). Fixed size, no allocation, media thread only;
 * when full, the oldest events win and the new one is dropped.
 */
#ifndef GW_HW_EVQ_H
#define GW_HW_EVQ_H

#include <stdbool.h>

#include "hw/hw.h"

#define GW_HW_EVQ_LEN 256

struct gw_hw_evq {
	struct gw_hw_event q[GW_HW_EVQ_LEN];
	int head, count;
};

/* Queue an event; false when the queue was full (the event is lost). */
static inline bool gw_hw_evq_push(struct gw_hw_evq *e, int chan,
				  enum gw_hw_event_type type, int value)
{
	if (e->count == GW_HW_EVQ_LEN)
		return false;
	e->q[(e->head + e->count) % GW_HW_EVQ_LEN] = (struct gw_hw_event){
		.chan = chan, .type = type, .value = value
	};
	e->count++;
	return true;
}

/* The oldest event: 1 and *ev filled, or 0 when there is none. */
static inline int gw_hw_evq_pop(struct gw_hw_evq *e, struct gw_hw_event *ev)
{
	if (e->count == 0)
		return 0;
	*ev = e->q[e->head];
	e->head = (e->head + 1) % GW_HW_EVQ_LEN;
	e->count--;
	return 1;
}

#endif
