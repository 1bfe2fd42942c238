/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * media: the real-time media thread (ARCHITECTURE.md §3).
 *
 * Once per card period it runs, for every channel: line events; card frame
 * in -> echo canceller (reference: the frame sent to the card in the
 * period before) -> DTMF and call-progress detectors -> G.711 -> RTP out;
 * RTP in -> jitter buffer -> G.711 -> (DTMF or tone generator when
 * active) -> card. The canceller's adaptation is frozen while the gateway
 * itself sends tones or DTMF to the line.
 *
 * RFC 4733 (when the attached session has a telephone-event payload
 * type): the line input, after the canceller, goes through a DTMF
 * suppressor with 50 ms look-ahead (dsp/dtmf.h); the audio sent is its
 * delayed, digit-muted output, and each digit it detects is sent as
 * telephone-event packets in the audio's stead (gateway/rtp.h). Received
 * events play the digit's two tones (each 3 dB below the signalled volume,
 * the pair's power, clamped to -6..-20 dBm0 per tone) over the jitter buffer's output, from the frame
 * the event arrives in, for the signalled duration. A digit the line
 * sends while we play one to it, or within 250 ms after, is taken for its
 * echo: muted in band but not sent back as an event.
 *
 * The control thread talks to it only through two SPSC rings: commands
 * (gw_media_cmd()) and events (gw_media_ev_get(), woken by the eventfd
 * from gw_media_ev_fd()). Every per-channel DSP state is allocated in
 * gw_media_alloc(); the thread itself never allocates, locks, logs or
 * calls Sofia. An RTP session handed over with GW_MEDIA_CMD_ATTACH belongs
 * to the media thread until the GW_MEDIA_EV_DETACHED event gives it back.
 */
#ifndef GW_MEDIA_H
#define GW_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

#include "dsp/echo.h"
#include "dsp/tone.h"
#include "dsp/zone.h"
#include "gateway/rtp.h"
#include "hw/hw.h"

enum gw_media_cmd_type {
	GW_MEDIA_CMD_ATTACH = 1, /* rtp: start bridging the channel to it */
	GW_MEDIA_CMD_DETACH,	 /* stop bridging; answered by EV_DETACHED */
	GW_MEDIA_CMD_TONE,	 /* tone: play to the line (NONE stops) */
	GW_MEDIA_CMD_DTMF,	 /* digits: dial them on the line */
	GW_MEDIA_CMD_DTMF_RX,	 /* on: report DTMF digits heard on the line */
	GW_MEDIA_CMD_PROGRESS,	 /* on: report call-progress tones heard */
	GW_MEDIA_CMD_LINEOP,	 /* op: hook, ring, polarity */
};

struct gw_media_cmd {
	enum gw_media_cmd_type type;
	int chan;
	union {
		struct gw_rtp_session *rtp;
		enum gw_tone tone;
		char digits[64];
		bool on;
		enum gw_hw_lineop op;
	};
};

enum gw_media_ev_type {
	GW_MEDIA_EV_LINE = 1,	/* hw: a line event from the card */
	GW_MEDIA_EV_DIGIT,	/* digit: DTMF digit heard on the line */
	GW_MEDIA_EV_DTMF_DONE,	/* the digits of CMD_DTMF were sent */
	GW_MEDIA_EV_PROGRESS,	/* tone: call-progress tone now heard */
	GW_MEDIA_EV_DETACHED,	/* rtp: session given back */
	GW_MEDIA_EV_LINEOP_FAILED, /* op, err: a line operation failed */
	GW_MEDIA_EV_ECHO_STATS,	/* echo: the canceller's figures for the
				 * call just detached (sent before DETACHED) */
};

struct gw_media_ev {
	enum gw_media_ev_type type;
	int chan;
	union {
		struct gw_hw_event hw;
		char digit;
		enum gw_tone tone;
		struct gw_rtp_session *rtp;
		struct {
			enum gw_hw_lineop op;
			int err;
		} lineop;
		struct gw_echo_stats echo;
	};
};

/*
 * Tick lateness: how long after its period's deadline the thread woke
 * from the card's wait(). The card has no deadline to ask, so the thread
 * keeps its own grid of period steps, anchored on the first wake-up and
 * moved back to any earlier one (a card running fast), forward by the
 * smallest lateness of every 5 s (a card running slow), and re-anchored
 * after a stall of more than 5 periods. The figure is therefore the
 * wake-up delay over the best wake-up seen, without the constant part
 * (timer slack, interrupt latency) a card with a deadline would show.
 *
 * Histogram of lateness in microseconds, log-spaced: one bucket per µs
 * below 8 µs, then 8 buckets per octave (about 9 % wide) up to 2^21 µs;
 * the last bucket also takes everything above.
 */
#define GW_MEDIA_LATE_BUCKETS 152

/* Bucket of a lateness of `us` microseconds. */
int gw_media_late_bucket(uint64_t us);
/* Lowest lateness (µs) that falls in bucket i (i == BUCKETS: the end). */
uint64_t gw_media_late_bucket_lo_us(int i);
/*
 * The q-quantile (0 < q <= 1) of a lateness histogram, as the upper edge
 * (µs, exclusive) of the bucket that holds it; 0 for an empty histogram.
 */
uint64_t gw_media_late_quantile_us(const uint64_t *hist, double q);

struct gw_media_stats {
	uint64_t ticks;
	uint64_t late_ticks;	 /* periods whose processing overran */
	uint64_t missed_deadlines; /* periods whose work ended after the
				    * next period's deadline (on the grid
				    * above) */
	uint64_t cpu_ns;	 /* media thread CPU time since start */
	uint64_t busy_ns;	 /* wall time spent processing, in total */
	uint64_t busy_ns_max;	 /* longest processing of one period */
	uint64_t late_ns_max;	 /* largest wake-up lateness */
	uint64_t late_hist[GW_MEDIA_LATE_BUCKETS]; /* lateness, see above */
	uint64_t ring_overflows; /* events lost to a full ring */
	int active_chans;	 /* channels with an attached RTP session */
	bool realtime;		 /* running SCHED_FIFO */
	bool mlocked;		 /* memory locked */
};

struct gw_media;

/* Control thread. The card must be open; nchans is its channel count. */
int gw_media_alloc(struct gw_media **ret, const struct gw_hw_ops *ops,
		   struct gw_hw_card *card, int nchans);
int gw_media_start(struct gw_media *m);
/*
 * Control thread, before gw_media_start(): run our line echo canceller on
 * `chan` with a tail of tail_ms (8..128). Returns 0, -EBUSY once started,
 * -EINVAL or -ENOMEM.
 */
int gw_media_set_echo(struct gw_media *m, int chan, int tail_ms);
/*
 * Control thread, before gw_media_start(): play and detect call-progress
 * tones of `zone` (dsp/zone.h) on `chan`. Returns 0, -EBUSY once started,
 * -EINVAL.
 */
int gw_media_set_zone(struct gw_media *m, int chan, const struct gw_zone *zone);
/* Stop the thread; sessions still attached are returned through events. */
void gw_media_stop(struct gw_media *m);
void gw_media_free(struct gw_media *m);

/* Control thread: queue a command. -ENOSPC if the ring is full. */
int gw_media_cmd(struct gw_media *m, const struct gw_media_cmd *cmd);
/* Control thread: the eventfd to wait on, and the next event (1) or 0. */
int gw_media_ev_fd(struct gw_media *m);
int gw_media_ev_get(struct gw_media *m, struct gw_media_ev *ev);
void gw_media_stats_get(struct gw_media *m, struct gw_media_stats *st);

#endif
