/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jbuf: a fixed-delay jitter buffer over decoded samples, indexed by RTP
 * timestamp, so any packet size (10/20/30 ms) plays out in card frames.
 *
 * How: decoded packets are written into a circular sample store at their
 * timestamp's position; playout reads one card frame per period from a
 * play pointer that starts `delay_samples` behind the first packet. Late
 * packets (behind the play pointer) are dropped and counted; gaps play as
 * silence and are counted as concealed samples; a packet too far ahead, or
 * a new SSRC, restarts playout. The adaptive buffer, PLC and clock-skew
 * handling of the media issue replace the fixed delay.
 *
 * Media thread only; no allocation (storage is embedded).
 */
#ifndef GW_JBUF_H
#define GW_JBUF_H

#include <stdbool.h>
#include <stdint.h>

#define GW_JBUF_SAMPLES 4096 /* 512 ms of store; a power of two */

struct gw_jbuf {
	int16_t store[GW_JBUF_SAMPLES];
	uint8_t valid[GW_JBUF_SAMPLES];
	bool started;
	bool playing; /* playout has reached the first packet */
	uint32_t ssrc;
	uint32_t play_ts;   /* RTP timestamp of the next sample to play */
	uint32_t newest_ts; /* end of the newest packet written */
	uint32_t delay_samples;
	/* statistics */
	uint64_t late;	    /* packets dropped: arrived after their time */
	uint64_t resyncs;   /* playout restarts */
	uint64_t concealed; /* samples played as silence within playout */
	uint64_t played;    /* samples played from packets */
};

void gw_jbuf_init(struct gw_jbuf *jb, uint32_t delay_samples);
/* Write a decoded packet. Returns 0, or -ETIME if it arrived too late. */
int gw_jbuf_put(struct gw_jbuf *jb, uint32_t ssrc, uint32_t ts,
		const int16_t *samples, int n);
/* Read n samples for playout. Returns how many came from packets. */
int gw_jbuf_get(struct gw_jbuf *jb, int16_t *out, int n);

#endif
