/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dtmf: DTMF detection, generation and in-band suppression.
 *
 * Receiver: feed blocks with gw_dtmf_rx_process(); each detected digit is
 * queued once (when its start is reported) and read with gw_dtmf_rx_get().
 * An optional event handler is told of each digit's START (as soon as it
 * is confirmed) and END (with the tone's duration). Detection is spandsp
 * 0.0.6's Goertzel block detector (102-sample blocks, two agreeing blocks
 * to start, two to stop), re-implemented with a looser energy test so
 * that tones 1.5 % off nominal pass (spandsp's own rejects some), under
 * per-zone parameters (twist, reverse twist, minimum level, spandsp's
 * 350/440 Hz dial-tone notches for FXO lines), plus our own frequency
 * check (phase advance of Hann-windowed DFTs at both nominal frequencies;
 * spandsp's 78 Hz wide bins accept tones 3.5 % off) and minimum duration.
 * Edge times (onset, end) are refined from a 64 ms history to ~1.5 ms,
 * so durations are exact to a few ms rather than to a 12.75 ms block.
 *
 * Transmitter: queue digits with gw_dtmf_tx_put(); gw_dtmf_tx_process()
 * writes tones and inter-digit pauses into the block; level, twist and
 * timing are set at alloc and with gw_dtmf_tx_set().
 *
 * Suppressor: a delay line on the send path with its own receiver. Audio
 * leaves delayed by delay_ms; when a digit is detected, the delayed
 * samples from the tone's onset - 5 ms to its end + 5 ms are replaced by
 * silence, so no digit relayed out of band (RFC 4733) is heard in band.
 * With delay_ms >= 30 the line outlasts the receiver's start latency and
 * the whole tone is muted. Below 30 ms (low-delay mode) the suppressor
 * also mutes early: every 34 samples it tests the last 102 (the
 * receiver's block tests with 3 dB lower level and 2 dB wider twists) and
 * a window that looks like a tone pair mutes at once, from the oldest
 * sample still in the line, until the digit is confirmed (then as above)
 * or, unconfirmed, until the windows stop and the receiver holds no hit.
 * Guarantee: the first window entirely inside a steady tone ends at most
 * 135 samples (16.9 ms) after its onset, so at most 16.9 - delay_ms ms of
 * the tone's start leaves at full level (measured over 16 digits, -3..-30
 * dBm0, twist -4..+3 dB, +-1.5 %, every onset phase: 14.3, 9.3, 3.6 and
 * 0 ms at delay 0, 5, 10 and 20 ms). A receiver needs two blocks (spandsp:
 * ~21 ms of tone, ours ~18 ms) and Q.24 receivers must reject tones under
 * 20 ms, so none detects the digit in band. Costs: tone-like windows that
 * are not confirmed (none in our speech and music stand-ins) drop out;
 * and with delay_ms below ~25, speech that follows a digit without a
 * pause is muted until the receiver reports END (up to ~20 ms late).
 *
 * Specs: ITU-T Q.23 (frequencies), Q.24 (receiver acceptance: level,
 * twist, frequency tolerance, timing), RFC 4733 (why suppression).
 * Allocation only in _alloc; per-block functions never allocate.
 */
#ifndef GW_DSP_DTMF_H
#define GW_DSP_DTMF_H

#include <stdbool.h>
#include <stdint.h>

struct gw_dtmf_rx;
struct gw_dtmf_tx;
struct gw_dtmf_suppress;

/*
 * Receiver acceptance parameters (one set per zone / line type).
 * Twist is "high group level minus low group level" in dB, as in Q.24.
 */
struct gw_dtmf_rx_params {
	/* Notch 350 Hz and 440 Hz before detection (FXO lines, where the
	 * exchange's dial tone may overlap the first digit). */
	bool filter_dialtone;
	/* Largest accepted low-group excess ("normal" twist, spandsp's
	 * twist): a digit with twist < -twist_db is rejected. */
	int twist_db;
	/* Largest accepted high-group excess (reverse twist): a digit with
	 * twist > reverse_twist_db is rejected. */
	int reverse_twist_db;
	/* Weakest accepted level of each tone, dBm0. */
	int min_level_dbm0;
	/* Largest accepted frequency deviation of either tone, in 1/1000
	 * of its nominal frequency; 0 turns our frequency check off. */
	int max_freq_dev_permille;
	/* Shortest accepted tone, ms (0..40): a tone the block detector
	 * confirms is reported only once it has lasted this long (the
	 * detector's two-block rule alone lets some 20 ms tones through). */
	int min_on_ms;
};

/*
 * Defaults: dial-tone filter off, twist 10 dB, reverse twist 6 dB,
 * minimum level -42 dBm0, frequency deviation 25 permille, minimum tone
 * 25 ms; i.e. between the Q.24-style accept points (-8 / +4 dB, 1.5 %,
 * 40 ms) and reject points (-12 / +8 dB, 3.5 %, 20 ms).
 */
void gw_dtmf_rx_params_default(struct gw_dtmf_rx_params *p);

enum gw_dtmf_event_type {
	GW_DTMF_EVENT_START = 1, /* a digit's tone was confirmed */
	GW_DTMF_EVENT_END = 2,	 /* that tone stopped */
};

struct gw_dtmf_event {
	enum gw_dtmf_event_type type;
	char digit; /* 0-9 * # A-D */
	/* Estimated stream position of the edge (START: tone onset, END:
	 * first sample after the tone), in samples since alloc/reset. */
	uint64_t sample;
	/* Stream position at which the detector reported the edge; the
	 * difference to `sample` is the detection latency. */
	uint64_t reported;
	/* START: level of the tone pair, dBm0. END: 0. */
	int level_dbm0;
	/* END: estimated tone duration in samples. START: 0. */
	int duration_samples;
};

/* Called from inside gw_dtmf_rx_process(), on its thread. */
typedef void (*gw_dtmf_event_fn)(void *arg, const struct gw_dtmf_event *ev);

int gw_dtmf_rx_alloc(struct gw_dtmf_rx **ret);
void gw_dtmf_rx_free(struct gw_dtmf_rx *rx);
/* Forget queued digits and detector state (parameters and handler stay). */
void gw_dtmf_rx_reset(struct gw_dtmf_rx *rx);
/* Returns 0 or -EINVAL (twists outside 0..20, level outside -60..0,
 * deviation outside 0..100, min_on_ms outside 0..40); nothing changes on
 * error. */
int gw_dtmf_rx_set_params(struct gw_dtmf_rx *rx,
			  const struct gw_dtmf_rx_params *p);
/* fn NULL removes the handler. Digits are queued for _get() either way. */
void gw_dtmf_rx_set_event_handler(struct gw_dtmf_rx *rx, gw_dtmf_event_fn fn,
				  void *arg);
void gw_dtmf_rx_process(struct gw_dtmf_rx *rx, const int16_t *amp,
			int samples);
/*
 * Copy up to max-1 queued digits into buf, NUL-terminated, removing them
 * from the queue. Returns the number of digits copied.
 */
int gw_dtmf_rx_get(struct gw_dtmf_rx *rx, char *buf, int max);

/*
 * level_dbm0: level of each tone (e.g. -10); on_ms/off_ms: tone and pause
 * durations (e.g. 100/100). Returns 0, -EINVAL (level_dbm0 outside
 * -60..-3, on_ms outside 1..10000, off_ms outside 0..10000) or -ENOMEM.
 */
int gw_dtmf_tx_alloc(struct gw_dtmf_tx **ret, int level_dbm0, int on_ms,
		     int off_ms);
void gw_dtmf_tx_free(struct gw_dtmf_tx *tx);
/* Drop queued digits; level, twist and timing stay as set. */
void gw_dtmf_tx_reset(struct gw_dtmf_tx *tx);
/*
 * Change level (low-group tone, dBm0), twist (high group minus low group,
 * dB) and timing. Each tone must stay within -60..-3 dBm0, twist within
 * -10..10 dB, on_ms 1..10000, off_ms 0..10000: else -EINVAL. -EBUSY while
 * digits are queued (so gw_dtmf_tx_busy() stays exact). 0 on success.
 */
int gw_dtmf_tx_set(struct gw_dtmf_tx *tx, int level_dbm0, int twist_db,
		   int on_ms, int off_ms);
/* Queue digits (0-9 * # A-D). Returns 0, -EINVAL for other characters
 * (nothing queued), -ENOSPC if the queue is full (nothing queued). */
int gw_dtmf_tx_put(struct gw_dtmf_tx *tx, const char *digits);
/*
 * Fill `samples` samples of amp: tones while digits are queued, zeros
 * after. Returns the number of samples that carried DTMF output (tone or
 * inter-digit pause); 0 when idle.
 */
int gw_dtmf_tx_process(struct gw_dtmf_tx *tx, int16_t *amp, int samples);
/* True while digits or their trailing pause remain to be sent. */
bool gw_dtmf_tx_busy(struct gw_dtmf_tx *tx);

/*
 * delay_ms: delay line, 0..100 (0: none, output is the input muted).
 * 30 and more: look-ahead muting only (40 covers spandsp's worst-case
 * start latency of ~38 ms). Below 30: low-delay mode with early muting
 * (see the top); 5 keeps added delay at ptime + 5 ms with at most 11.9 ms
 * of a tone's start passing. Output sample k is input sample k - delay_ms
 * * 8 in both modes. Returns 0, -EINVAL or -ENOMEM.
 */
int gw_dtmf_suppress_alloc(struct gw_dtmf_suppress **ret, int delay_ms);
void gw_dtmf_suppress_free(struct gw_dtmf_suppress *s);
/* Empty the delay line (silence) and reset the detector. */
void gw_dtmf_suppress_reset(struct gw_dtmf_suppress *s);
/* The suppressor's receiver: for gw_dtmf_rx_set_params() and
 * gw_dtmf_rx_get(). Its event handler belongs to the suppressor. */
struct gw_dtmf_rx *gw_dtmf_suppress_rx(struct gw_dtmf_suppress *s);
/*
 * Pass n samples from in to out (may be the same buffer), delayed by
 * delay_ms, with detected DTMF muted. Writes the START/END events found in
 * this block (timestamps in input samples since alloc/reset; subtract
 * nothing: output sample k of the stream is input sample k - delay) to
 * events[0..max-1] and returns their number; events beyond max are lost.
 */
int gw_dtmf_suppress_process(struct gw_dtmf_suppress *s, const int16_t *in,
			     int16_t *out, int n, struct gw_dtmf_event *events,
			     int max);
/* Samples of detected tone that had already left the delay line unmuted
 * when the digit was confirmed: 0 with delay_ms >= 40; in low-delay mode
 * the leading fragment before the early mute (at most 135 - 8 * delay_ms
 * per digit). */
uint64_t gw_dtmf_suppress_leaked(const struct gw_dtmf_suppress *s);

#endif
