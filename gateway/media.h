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
 * suppressor with a look-ahead of GW_MEDIA_DTMF_LOOKAHEAD_MS (5 ms;
 * gw_media_set_dtmf_lookahead(), dsp/dtmf.h); the audio sent is its
 * delayed, digit-muted output, and each digit it detects is sent as
 * telephone-event packets in the audio's stead (gateway/rtp.h). Below
 * 30 ms the suppressor mutes from the first 13 ms window that looks like
 * a digit, so at most 17 ms minus the look-ahead of a digit's start
 * leaves in band (12 ms at 5 ms), too short for any DTMF receiver
 * (Q.24 receivers reject tones under 20 ms); from 20 ms nothing leaves.
 * Received
 * events play the digit's two tones (each 3 dB below the signalled volume,
 * the pair's power, clamped to -6..-20 dBm0 per tone) over the jitter buffer's output, from the frame
 * the event arrives in, for the signalled duration. A digit the line
 * sends while we play one to it, or within 250 ms after, is taken for its
 * echo: muted in band but not sent back as an event.
 *
 * Order within a period: first the send side of every channel (card frame
 * in -> canceller -> detectors -> RTP out), then the receive side of
 * every channel (RTP in -> jitter buffer -> card out), so that the delay
 * card -> RTP does not grow with a channel's place in the loop (only by
 * the send sides before it), and packets that arrived while the send
 * sides ran are still played in this period.
 *
 * Voice-band data (fax/modem passthrough, issue 4 item 9): on every
 * bridged channel a dsp/modem.h detector (CNG, the 2100 Hz family, V.21
 * preamble) listens to each direction: the line's after the canceller
 * (whose echo of the network's tones it has removed; an answer tone from
 * the line has already switched the canceller's NLP off through its own
 * G.164/G.165 disabler, which sees the line before the canceller) and the
 * network's as decoded from RTP, before any tone of ours is mixed in. The
 * first tone either way switches the call to the voice-band-data profile
 * until it is detached: jitter buffer fixed at its current target or
 * GW_MEDIA_VBD_JB_MS (60 ms), whichever is longer, with no pitch-period steps
 * (jbuf.h vbd; switched in place, no playout restart), canceller NLP off,
 * and DTMF detection and RFC 4733 suppression off (the suppressor's
 * delay is left out as soon as the line has been quiet for that long,
 * so that no signal is cut, or after 1 s at the latest). ANS/, ANSam or
 * ANSam/ either way also bypass the canceller for the rest of the call.
 * Each tone's first onset per direction is reported (GW_MEDIA_EV_VBD).
 *
 * RTP inactivity: a bridged channel that receives no RTP, telephone-event
 * or RTCP packet for the configured time (gw_media_set_rtp_timeout(),
 * default 30 s) reports GW_MEDIA_EV_RTP_TIMEOUT, once per attach.
 *
 * Threads: the channels can be spread over several media threads (one
 * per core; gw_media_set_threads()), channel c on thread (c - 1) % n. The
 * first, the leader, waits on the card, applies the commands and posts
 * the card's events; then every thread runs its channels' share of the
 * period (send sides, then receive sides) at once, the leader included,
 * and the leader flushes the card when all are done. A period is started
 * and its end collected through two futex words between the media
 * threads alone (no lock is shared with the control thread). Each thread
 * has its own event ring, holding the events of its channels (whichever
 * media thread posts them), so each channel's events stay in order.
 *
 * The control thread talks to it only through SPSC rings: commands
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

#include "dsp/callerid.h"
#include "dsp/echo.h"
#include "dsp/modem.h"
#include "dsp/tone.h"
#include "dsp/zone.h"
#include "gateway/cwseq.h"
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
	GW_MEDIA_CMD_RTP_TIMEOUT, /* seconds: this call's RTP inactivity
				   * limit until detached, restarting the
				   * count (0 or out of range: off; e.g.
				   * while the far end holds the call) */
	GW_MEDIA_CMD_CODEC,	 /* codec: switch the bridged session's
				  * codec; answered by EV_CODEC_OLD */
	GW_MEDIA_CMD_SRTP_RX,	 /* srtp: the peer's new SRTP key, for the
				  * bridged session (gw_srtp_swap_rx());
				  * answered by EV_SRTP_OLD */
	GW_MEDIA_CMD_EVENT,	 /* event: send an RFC 4733 event (e.g. 16,
				  * hook-flash) for event.ms on the bridged
				  * session, if it has telephone-event */
	GW_MEDIA_CMD_CID_TX,	 /* cid: send caller ID to the line now (the
				  * channel's standard, gw_media_set_
				  * callerid()), with on-hook transfer when
				  * the card has it; answered by
				  * EV_CID_DONE. cid.dtas: DT-AS first */
	GW_MEDIA_CMD_CID_RX,	 /* on: decode caller ID heard on the line
				  * (reported by EV_CID); off also drops a
				  * transmission in progress */
	GW_MEDIA_CMD_ENERGY,	 /* energy: watch the line's and the
				  * network's energy ("Line energy" below);
				  * energy.on false stops */
	GW_MEDIA_CMD_DISCONNECT, /* ms: FXS: drop battery that long (hw.h
				  * disconnect); EV_LINEOP_FAILED with op 0
				  * when the card cannot */
	GW_MEDIA_CMD_PULSE,	 /* pulse: FXO: pulse-dial (hw.h dial_pulse;
				  * EV_LINE DIAL_DONE when done) */
	GW_MEDIA_CMD_FLASH,	 /* flash_ms: FXO: flash the hook (hw.h
				  * hookflash). Both: EV_LINEOP_FAILED with
				  * op 0 when the card cannot */
	GW_MEDIA_CMD_SWAP,	 /* rtp: bridge the channel to this session
				  * instead of the one it has (a transfer,
				  * gateway/xfer.h): the old one is given
				  * back by EV_DETACHED, the line side
				  * (echo canceller's adaptation to the
				  * line's hybrid) goes on as it is; as
				  * ATTACH when none is attached */
	GW_MEDIA_CMD_DISA,	 /* on: the bridged channel serves its RTP
				  * session alone (DISA from SIP,
				  * gateway/disa.h): CMD_TONE plays to RTP,
				  * received digits (RFC 4733 events, and
				  * in-band with DTMF_RX on) are reported
				  * as EV_DIGIT and not played; the line
				  * neither hears nor is heard. Off with
				  * DETACH too */
	GW_MEDIA_CMD_CW,	 /* cw: FXS: the call-waiting alert (SAS,
				  * CAS, ACK, off-hook caller ID;
				  * gateway/cwseq.h) with the channel's
				  * caller-ID transmitter; answered by
				  * EV_CW (not when cw.stop drops it) */
};

struct gw_media_cmd {
	enum gw_media_cmd_type type;
	int chan;
	/*
	 * ATTACH: the line side placed the call (phone or exchange calling
	 * out): fax CNG is watched for on the line and the answer tones on
	 * the network side; otherwise the other way round.
	 */
	bool line_caller;
	union {
		struct gw_rtp_session *rtp;
		struct gw_srtp *srtp;
		enum gw_tone tone;
		char digits[64];
		bool on;
		enum gw_hw_lineop op;
		int seconds;
		int ms; /* DISCONNECT */
		struct {
			struct gw_codec *codec; /* made by the control thread */
			int pt;
		} codec;
		struct {
			int event; /* 0..255 (RFC 4733: 16 = hook-flash) */
			int ms;	   /* how long */
		} event;
		struct {
			struct gw_callerid_msg msg;
			bool dtas; /* DT-AS (100 ms) and 60 ms before it */
			bool stop; /* drop what is being sent instead */
		} cid;
		struct {
			bool on;
			int threshold_dbm0; /* -70..0: sound above it */
		} energy;
		struct {
			char digits[32];
			struct gw_hw_pulse timing;
		} pulse;
		int flash_ms;
		struct {
			bool stop; /* drop a sequence under way instead */
			bool cas;  /* CAS and the ACK window after the SAS */
			bool data; /* with cas: msg once the ACK is heard */
			struct gw_callerid_msg msg;
		} cw;
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
	GW_MEDIA_EV_VBD,	/* vbd: a fax/modem tone heard; with .first
				 * the call is now in the voice-band-data
				 * profile */
	GW_MEDIA_EV_RTP_TIMEOUT, /* seconds: no RTP nor RTCP received for
				  * that long (once per attach) */
	GW_MEDIA_EV_CODEC_OLD,	/* old_codec: replaced by CMD_CODEC (or the
				 * new one, not taken): for the control
				 * thread to free */
	GW_MEDIA_EV_SRTP_OLD,	/* srtp: CMD_SRTP_RX's context, now holding
				 * the old receive side (or not taken): for
				 * the control thread to free */
	GW_MEDIA_EV_CID,	/* cid: caller ID decoded on the line */
	GW_MEDIA_EV_CID_DONE,	/* the caller ID of CMD_CID_TX was sent */
	GW_MEDIA_EV_ENERGY,	/* energy: a direction's sound or talk
				 * state changed (CMD_ENERGY) */
	GW_MEDIA_EV_NET_EVENT,	/* net_event: an RFC 4733 event other than
				 * a DTMF digit (16: hook-flash) began in
				 * the received telephone-events */
	GW_MEDIA_EV_CW,		/* cw: the call-waiting alert of CMD_CW
				 * is over (gateway/cwseq.h) */
};

/* Direction of a signal on a bridged channel. */
enum gw_media_dir {
	GW_MEDIA_DIR_LINE = 0, /* heard on the line, going to the network */
	GW_MEDIA_DIR_NET = 1,  /* received from the network (RTP) */
};

const char *gw_media_dir_name(enum gw_media_dir dir); /* "line" / "network" */

struct gw_media_vbd_ev {
	enum gw_modem_tone tone; /* dsp/modem.h; gw_modem_tone_name() */
	enum gw_media_dir dir;
	bool first;	  /* this tone switched the call to VBD */
	bool ec_bypass;	  /* this tone (ANS/, ANSam) bypassed the
			   * channel's canceller */
	int level_dbm0;	  /* the detector's estimate at onset */
};

/*
 * Line energy (CMD_ENERGY; answer and disconnect supervision of FXO
 * ports): a 20 ms frame of a direction is sound when its level is above
 * the threshold; a line frame is talk when it is sound and the call-
 * progress detector (if CMD_PROGRESS is on) takes it for neither silence
 * nor one of the zone's tones: speech, fax or modem tones, DTMF. A state
 * goes on after GW_MEDIA_ENERGY_ON_MS of such frames in a row and off
 * after GW_MEDIA_ENERGY_HANG_MS without one (the pauses of speech keep it
 * on); each change is reported with both flags of its direction. The
 * line is measured after the canceller, the network as decoded (before
 * our tones; silence while not bridged). CMD_ENERGY on restarts both
 * directions quiet.
 */
#define GW_MEDIA_ENERGY_ON_MS 40
#define GW_MEDIA_ENERGY_HANG_MS 400

struct gw_media_energy_ev {
	enum gw_media_dir dir;
	bool sound; /* energy above the threshold */
	bool talk;  /* line: energy that is no call-progress tone */
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
		struct gw_media_vbd_ev vbd;
		int seconds;
		struct gw_codec *old_codec;
		struct gw_srtp *srtp;
		struct gw_callerid_msg cid;
		struct gw_media_energy_ev energy;
		int net_event;
		struct gw_cwseq_result cw;
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

#define GW_MEDIA_MAX_THREADS 16

struct gw_media_stats {
	uint64_t ticks;
	uint64_t late_ticks;	 /* periods whose processing overran */
	uint64_t missed_deadlines; /* periods whose work ended after the
				    * next period's deadline (on the grid
				    * above) */
	uint64_t cpu_ns;	 /* media threads' CPU time since start, all
				  * together */
	int threads;		 /* media threads */
	uint64_t thread_cpu_ns[GW_MEDIA_MAX_THREADS]; /* each one's */
	uint64_t busy_ns;	 /* wall time spent processing, in total */
	uint64_t busy_ns_max;	 /* longest processing of one period */
	uint64_t send_ns;	 /* wall time from wake-up to the end of
				  * the send sides (every packet of the
				  * period sent), in total */
	uint64_t send_ns_max;	 /* the longest of these */
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
/*
 * Control thread, before gw_media_start(): caller ID of standard `std` on
 * `chan`: a transmitter (tx, for CMD_CID_TX) and/or a receiver (rx,
 * detecting from the start; CMD_CID_RX turns it off and on). Returns 0,
 * -EBUSY once started, -EINVAL or -ENOMEM.
 */
int gw_media_set_callerid(struct gw_media *m, int chan,
			  enum gw_callerid_standard std, bool tx, bool rx);
/*
 * Control thread, before gw_media_start(): RTP inactivity limit for every
 * call (seconds, 0 = off; default GW_MEDIA_RTP_TIMEOUT_S). Returns 0,
 * -EBUSY once started, -EINVAL (below 0 or above GW_MEDIA_RTP_TIMEOUT_MAX).
 */
#define GW_MEDIA_RTP_TIMEOUT_S 30
#define GW_MEDIA_RTP_TIMEOUT_MAX 3600
int gw_media_set_rtp_timeout(struct gw_media *m, int seconds);
/*
 * Control thread, before gw_media_start(): which fax/modem tones to
 * detect on bridged channels (enum gw_modem_detect; 0 = no detection, no
 * VBD switching). The default, CNG and the 2100 Hz family, catches every
 * T.30 fax (the caller's CNG, the answerer's CED) and V.25/V.8 modem;
 * GW_MODEM_DETECT_V21 adds answerers that send V.21 flags without CED,
 * at twice the cost of the other two together (spandsp's FSK receiver:
 * ~30 ns/sample against ~15). Returns 0, -EBUSY once started, -EINVAL or
 * -ENOMEM.
 */
#define GW_MEDIA_VBD_DETECT_DEFAULT (GW_MODEM_DETECT_CNG | GW_MODEM_DETECT_ANS)
int gw_media_set_vbd_detect(struct gw_media *m, unsigned int detect);
/*
 * Control thread, before gw_media_start(): the look-ahead of the RFC 4733
 * DTMF suppressor on every channel, 0..GW_MEDIA_DTMF_LOOKAHEAD_MAX ms (the
 * audio of calls with telephone-events is delayed by as much; see above).
 * Returns 0, -EBUSY once started, -EINVAL or -ENOMEM.
 */
#define GW_MEDIA_DTMF_LOOKAHEAD_MS 5
#define GW_MEDIA_DTMF_LOOKAHEAD_MAX 100
int gw_media_set_dtmf_lookahead(struct gw_media *m, int ms);
/*
 * Control thread, before gw_media_start(): run the channels on n media
 * threads (1..GW_MEDIA_MAX_THREADS; default 1), channel c on thread
 * (c - 1) % n. Returns 0, -EBUSY once started, -EINVAL.
 * gw_media_auto_threads(): the count for nchans channels when the config
 * leaves it open: one thread per GW_MEDIA_CHANS_PER_THREAD channels, at
 * most one per online CPU.
 */
#define GW_MEDIA_CHANS_PER_THREAD 60
int gw_media_set_threads(struct gw_media *m, int n);
int gw_media_auto_threads(int nchans);
/* Stop the threads; sessions still attached are returned through events. */
void gw_media_stop(struct gw_media *m);
void gw_media_free(struct gw_media *m);

/* Control thread: queue a command. -ENOSPC if the ring is full. */
int gw_media_cmd(struct gw_media *m, const struct gw_media_cmd *cmd);
/* Control thread: the eventfd to wait on, and the next event (1) or 0. */
int gw_media_ev_fd(struct gw_media *m);
int gw_media_ev_get(struct gw_media *m, struct gw_media_ev *ev);
void gw_media_stats_get(struct gw_media *m, struct gw_media_stats *st);

/*
 * The voice-band-data decisions of one bridged channel, on plain values
 * (exported for the unit tests). gw_media_vbd_step() takes one detector
 * event heard in direction dir and returns what to do, a set of:
 */
enum gw_media_vbd_action {
	GW_MEDIA_VBD_REPORT = 1 << 0, /* first onset of this tone this way */
	GW_MEDIA_VBD_SWITCH = 1 << 1, /* enter the VBD profile (once) */
	GW_MEDIA_VBD_BYPASS = 1 << 2, /* bypass the canceller (once) */
};

struct gw_media_vbd {
	bool active; /* in the VBD profile */
	bool bypass; /* canceller bypassed */
	uint8_t seen[2]; /* per direction: 1 << tone of onsets reported */
};

void gw_media_vbd_reset(struct gw_media_vbd *v);
unsigned int gw_media_vbd_step(struct gw_media_vbd *v, enum gw_media_dir dir,
			       const struct gw_modem_event *ev);
/*
 * Put a jitter buffer into the VBD profile without restarting playout:
 * fixed mode, vbd steps, target max(current target, VBD_JB_MS). Media
 * thread (or with the buffer otherwise unused); never allocates.
 */
#define GW_MEDIA_VBD_JB_MS 60
void gw_media_jbuf_vbd(struct gw_jbuf *jb);

#endif
