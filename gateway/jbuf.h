/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jbuf: the receive jitter buffer over decoded 8 kHz samples, indexed by
 * RTP timestamp, so any packet size (10/20/30 ms) plays out in card frames.
 * Adaptive or fixed delay, reordering, duplicate and late-packet handling,
 * loss concealment and clock-skew correction.
 *
 * Timeline. Decoded packets are written into a circular sample store at
 * their timestamp's position; gw_jbuf_get() reads one card frame from the
 * play pointer. The receiver clock is the count of samples read (the card
 * clock: get() is called once per card frame, put() for the packets that
 * arrived since the last get()). Each packet's transit is its arrival
 * time minus its timestamp (both counted from the first packet after a
 * (re)sync, so wrap at 2^32 never matters); the play pointer's "offset" is
 * the same quantity for the sample being played. A packet is in time iff
 * its transit <= the offset. The base is the smallest transit over the
 * last ~10 s (GW_JBUF_WIN packets): the fastest path through the network.
 * The buffer delay is offset - base: how long the fastest packets wait;
 * that is the "current delay" reported, and what the target controls.
 *
 * Target. Fixed mode: the configured delay. Adaptive mode: the 99.5th
 * percentile of (transit - base) over the window plus a 2 ms margin,
 * bounded by [min_ms, max_ms] and re-evaluated every 0.5 s; it rises at
 * the next evaluation when the jitter grows (the new packets dominate the
 * top of the window at once) and falls only once the old packets have
 * left the window (~10 s) and by more than 2 ms (hysteresis). Before the
 * first evaluation the start delay is used.
 *
 * Keeping the offset at base + target: the play pointer only moves by
 * time-scale steps; there is no separate drift loop, so clock skew (the
 * base drifting by 0.8 ms/s per 100 ppm) and target changes are corrected
 * by the same steps:
 *  - silence (frame RMS < ~-45 dBm0): drop or insert up to half a frame
 *    per frame, cross-faded over the frame;
 *  - signal: drop or repeat one pitch period (5-15 ms, the lag of best
 *    normalised correlation, accepted at >= 0.6), cross-faded over the
 *    frame (WSOLA-like), at most one step every 0.5 s, i.e. at most
 *    ~1-3 % speed change, which is not heard; ±100 ppm needs one step
 *    every ~50 s;
 *  - no packet data for the frame: growing the delay just holds the
 *    pointer while the PLC fills in (up to a frame per frame; the late
 *    packet still gets its chance), shrinking it is free once the PLC
 *    has faded to silence (sender paused, or every packet late);
 *  - a gross excess (offset above base + target by more than
 *    max(max_ms, 200 ms)) jumps at once.
 * Steps that grow the delay may overshoot by up to one pitch period;
 * steps that shrink it never go below the target. The samples dropped and
 * inserted are counted (`dropped`, `added`), and the base's drift since
 * the sync gives a skew estimate in ppm.
 *
 * Packets: behind the play pointer: late (counted and dropped; its
 * transit still feeds the estimate), or a duplicate if every sample of it
 * has been played; all samples already in the store: duplicate (counted,
 * not written). A new SSRC, a timestamp more than GW_JBUF_SAMPLES / 2
 * behind the play pointer, or too far ahead to store, restarts playout
 * (resync) at the packet.
 *
 * Concealment: gaps in playout go through dsp/plc (gw_plc_fillin, real
 * samples through gw_plc_process). The caller owns the struct gw_plc
 * (gw_plc_alloc() at session setup, gw_plc_free() after detach) and passes
 * it to gw_jbuf_init_cfg(); with no PLC, gaps play as silence.
 *
 * Media thread only; no allocation (storage is embedded, ~27 KB).
 * Specs: RFC 3550 (timestamps, SSRC, §A.8 transit); the percentile target
 * and time-scale steps are our choice (cf. WebRTC NetEq's relative delay
 * histogram and accelerate/preemptive-expand operations).
 */
#ifndef GW_JBUF_H
#define GW_JBUF_H

#include <stdbool.h>
#include <stdint.h>

struct gw_plc;

#define GW_JBUF_SAMPLES	     8192 /* 1 s of store; a power of two */
#define GW_JBUF_WIN	     512  /* transits kept for the estimate */
#define GW_JBUF_HIST	     256  /* output history for repeat steps */
#define GW_JBUF_MAX_FRAME    480  /* larger get()s are split */
#define GW_JBUF_MAX_PACKET   1024 /* larger put()s are refused */
#define GW_JBUF_MAX_DELAY_MS 500

enum gw_jbuf_mode {
	GW_JBUF_ADAPTIVE = 0, /* target follows the measured jitter */
	GW_JBUF_FIXED,	      /* target = delay_ms */
};

struct gw_jbuf_cfg {
	enum gw_jbuf_mode mode;
	uint32_t delay_ms; /* fixed: the delay; adaptive: the start */
	uint32_t min_ms;   /* adaptive bounds, min <= delay <= max */
	uint32_t max_ms;
	/*
	 * Voice-band data (fax/modem passthrough): no pitch-period steps,
	 * only in silence or dead air, so a modem signal is never cut;
	 * use with GW_JBUF_FIXED and a delay with room for the drift.
	 */
	bool vbd;
};

#define GW_JBUF_DEFAULT_DELAY_MS 40
#define GW_JBUF_DEFAULT_MIN_MS	 20
#define GW_JBUF_DEFAULT_MAX_MS	 200

struct gw_jbuf_stats {
	uint64_t received;	   /* put() calls with a valid packet */
	uint64_t late;		   /* dropped: arrived after their time */
	uint64_t duplicates;	   /* dropped: already stored or played */
	uint64_t resyncs;	   /* playout restarts (SSRC, ts jump) */
	uint64_t played;	   /* samples output from packets */
	uint64_t concealed;	   /* samples concealed within playout:
				    * gaps up to 200 ms that a later
				    * packet closed */
	uint64_t concealed_frames; /* get()s with concealed samples */
	uint64_t added;		   /* samples inserted by time-scale steps */
	uint64_t dropped;	   /* samples dropped by time-scale steps */
	double delay_ms;	   /* current buffer delay (offset - base) */
	double target_ms;	   /* target buffer delay */
	double jitter_ms;	   /* 99.5th percentile of transit - base */
	double skew_ppm;	   /* sender clock vs ours, + = sender fast */
	uint32_t play_ts;	   /* timestamp of the next sample to play */
};

struct gw_jbuf {
	int16_t store[GW_JBUF_SAMPLES];
	uint8_t state[GW_JBUF_SAMPLES]; /* per slot: empty/valid/played */
	int32_t win[GW_JBUF_WIN];	/* transits, a ring */
	int16_t hist[GW_JBUF_HIST];	/* the last samples output */
	struct gw_plc *plc;		/* caller's; NULL: silence */
	/* configuration, in samples */
	enum gw_jbuf_mode mode;
	bool vbd;
	int32_t start, min, max;
	/* playout */
	bool started;
	bool playing;	 /* playout has reached the first packet */
	bool last_clean; /* the previous frame had no concealment */
	uint32_t ssrc;
	uint32_t play_ts;   /* RTP timestamp of the next sample to play */
	uint32_t newest_ts; /* end of the newest packet written */
	uint32_t now;	    /* receiver clock: samples read */
	uint32_t origin_now, origin_ts; /* at the last (re)sync */
	uint32_t missing_run;		/* consecutive samples concealed */
	uint32_t pending;		/* concealed, no later packet yet */
	uint32_t pending_frames, pending_frame;
	uint32_t next_eval; /* receiver time of the next estimate */
	uint32_t last_step; /* receiver time of the last voiced step */
	int32_t base, target, jitter;
	int win_pos, win_count;
	bool evaluated;
	int32_t skew_base0;
	uint32_t skew_now0;
	double skew_ppm;
	/* statistics; late, resyncs and concealed keep their old names */
	uint64_t received, late, duplicates, resyncs, played, concealed,
	    concealed_frames, added, dropped;
};

/* Adaptive, 40 ms start, 20..200 ms. */
void gw_jbuf_cfg_default(struct gw_jbuf_cfg *cfg);

/*
 * Set up (or reset) a buffer: cfg NULL means the defaults; plc (the
 * caller's, may be NULL) conceals gaps and is reset here and at each
 * resync. Returns 0 or -EINVAL (bounds out of order, max above
 * GW_JBUF_MAX_DELAY_MS), leaving *jb untouched then.
 */
int gw_jbuf_init_cfg(struct gw_jbuf *jb, const struct gw_jbuf_cfg *cfg,
		     struct gw_plc *plc);
/*
 * Media thread: switch to voice-band data in place, without restarting
 * playout (a restart would cut the very tone that asked for the switch):
 * fixed mode at the larger of the current target and min_ms, vbd steps.
 */
void gw_jbuf_set_vbd(struct gw_jbuf *jb, uint32_t min_ms);

/* Fixed mode at delay_samples (capped at GW_JBUF_MAX_DELAY_MS), no PLC. */
void gw_jbuf_init(struct gw_jbuf *jb, uint32_t delay_samples);

/*
 * Write a decoded packet that arrived since the last get(). Returns 0,
 * -ETIME if it arrived too late, -EALREADY for a duplicate, -EINVAL for
 * n <= 0 or n > GW_JBUF_MAX_PACKET.
 */
int gw_jbuf_put(struct gw_jbuf *jb, uint32_t ssrc, uint32_t ts,
		const int16_t *samples, int n);
/*
 * Read n samples for playout (advances the receiver clock by n). Returns
 * how many came from packets; the rest are concealment or silence.
 */
int gw_jbuf_get(struct gw_jbuf *jb, int16_t *out, int n);

void gw_jbuf_stats(const struct gw_jbuf *jb, struct gw_jbuf_stats *st);

#endif
