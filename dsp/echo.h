/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * echo: line echo canceller for the 2-wire hybrid echo of analog lines.
 *
 * What it does: the card's receive signal (rx_line, "near end" or send-in
 * Sin in G.168 terms) carries an echo of what the gateway sent to the card
 * (tx_ref, "far end", receive-in Rin). The canceller models the echo path
 * with an adaptive FIR of up to 1024 taps (128 ms tail, bulk delay
 * included) and subtracts its estimate; the result (send-out, Sout) goes on
 * to the network. A non-linear processor (NLP) replaces the small residual
 * echo by comfort noise matched to the measured background while only the
 * far end talks. A 2100 Hz tone disabler (G.164/G.165) turns NLP off for an
 * answer tone and bypasses the canceller for an answer tone with phase
 * reversals (V.8 ANSam/PR, high-speed modems and fax), and re-enables it
 * once both directions have been quiet for 250 ms.
 *
 * How:
 * - high-pass (2nd-order Butterworth, 100 Hz) on the send path removes DC
 *   and hum before the subtraction;
 * - two filters (Ochiai's two-path structure): a background filter adapts;
 *   the foreground filter, whose output is sent, never adapts, and takes a
 *   copy of the background only when the background's error is clearly
 *   lower over a 5 ms frame and no double talk is seen. Near-end speech
 *   can therefore disturb the background but never the output path; a
 *   background that has diverged is reset from the foreground.
 * - both filters are partitioned frequency-domain filters (uniformly
 *   partitioned overlap-save, as in the MDF canceller): 5 ms partitions,
 *   80-point FFTs (FFTW), so 1024 taps cost about as much as 256 did in
 *   the time domain. No delay is added: whole blocks are filtered when the
 *   caller passes whole 5 ms blocks (the media thread does), otherwise the
 *   current block's partition runs as a 40-tap FIR per sample.
 * - adaptation: frequency-domain NLMS once per 5 ms block, each sample's
 *   error scaled by its own step (full, 18 dB down in double talk, none
 *   when frozen or without far-end signal), normalised per bin by the
 *   far-end power over the tail (lightly smoothed, with a floor 10 dB
 *   under the mean), with per-partition proportionate gains (IPNLMS,
 *   Benesty & Gay 2002, applied per 5 ms partition, alpha 0.8) so that the
 *   sparse responses of hybrids behind a bulk delay converge fast. The
 *   gradient constraint runs on one partition per block in turn.
 * - double talk: both filters' residuals above a tenth of their own echo
 *   estimates while Sin is louder than those estimates (near-end speech
 *   adds to the echo and leaves a residual far above the estimate; a
 *   filter that has learned the path does not) blocks copies at once. If
 *   that lasts 30 ms without a break and a Geigel test fires within it
 *   (0 dB until converged, as an unknown path may have any peak gain,
 *   then the measured mean echo gain) it is double talk: NLP off and the
 *   background's step 18 dB down; 40 ms hangover. The 30 ms are what
 *   tells a far-end syllable at frequencies not learned yet (the
 *   background, still at full step, learns it in 10..25 ms) from
 *   near-end speech (which no filter can cancel), so that such a
 *   syllable neither turns NLP off nor, by cutting the step, keeps
 *   itself unlearned; near-end speech gets through NLP 30 ms late.
 *   Double talk lasting 2 s with a much better background is taken for
 *   an echo path change.
 * - the per-bin loops are plain loops over 48 bins that GCC vectorizes
 *   without -ffast-math; an AVX2+FMA or AVX-512 build of them is chosen
 *   at run time (__builtin_cpu_supports).
 * - tone disabler: spandsp's modem_connect_tones_rx (ANS type) on both
 *   rx_line and tx_ref; ANS/ANSam -> NLP off; ANS/ANSam with phase
 *   reversals -> bypass (Sout = Sin, sample for sample).
 *
 * Specs: ITU-T G.168 (2015) (requirements and test method, echo path
 * models of Annex D), G.164 and G.165 (tone disabler: 2100 Hz, phase
 * reversals every 450 ms, release after 250 +- 150 ms below threshold).
 *
 * Threading: one canceller per channel; all calls from the media thread.
 * Allocation only in gw_echo_alloc(); gw_echo_process() and the controls
 * never allocate.
 */
#ifndef GW_DSP_ECHO_H
#define GW_DSP_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#define GW_ECHO_MAX_TAPS 1024 /* 128 ms at 8 kHz */

struct gw_echo;

/* State of the G.164/G.165 tone disabler. */
enum gw_echo_disabler {
	GW_ECHO_DISABLER_IDLE = 0, /* no tone seen: normal operation */
	GW_ECHO_DISABLER_NLP_OFF,  /* 2100 Hz (ANS) seen: NLP off */
	GW_ECHO_DISABLER_BYPASS,   /* 2100 Hz with phase reversals: bypass */
};

struct gw_echo_stats {
	int tail_taps;
	/* Long-term figures, measured while only the far end talks. */
	float erl_db;	   /* echo return loss: Rin over Sin */
	float erle_db;	   /* linear canceller: Sin over residual */
	float erle_nlp_db; /* with NLP: Sin over Sout */
	float noise_dbm0;  /* background level on the send path */
	uint32_t doubletalk_ms; /* time with double talk detected */
	uint32_t copies;	/* background -> foreground updates */
	/* ERLE >= 14 dB, or residual at the noise from an echo 15 dB above */
	bool converged;
	bool nlp_active; /* NLP is suppressing right now */
	enum gw_echo_disabler disabler;
};

/*
 * Allocate a canceller for a tail of tail_taps samples (1..1024; rounded
 * up to a multiple of 40, one 5 ms partition, internally). Call from the
 * control thread (FFT plans are made on the first call). NLP, comfort noise, high-pass and the
 * tone disabler start on. Returns 0, -EINVAL or -ENOMEM.
 */
int gw_echo_alloc(struct gw_echo **ret, int tail_taps);
void gw_echo_free(struct gw_echo *ec);

/*
 * Cancel the echo of n samples: rx_line is what the card received (near
 * end, with echo), tx_ref what was sent to the card at the same sample
 * instants (far end, the echo's source). Writes the echo-free send-path
 * signal to out (which may be rx_line itself). Any n >= 0.
 */
void gw_echo_process(struct gw_echo *ec, const int16_t *rx_line,
		     const int16_t *tx_ref, int16_t *out, int n);

/* NLP with comfort noise on (default) or off. */
void gw_echo_set_nlp(struct gw_echo *ec, bool on);
/*
 * Freeze adaptation (set while the gateway itself sends tones or caller
 * ID toward the line, whose echo must not train the filter); the filter
 * keeps cancelling.
 */
void gw_echo_set_freeze(struct gw_echo *ec, bool frozen);
/* Bypass: out = rx_line unchanged (history is still kept). */
void gw_echo_set_bypass(struct gw_echo *ec, bool bypass);
/* Send-path high-pass on (default) or off. */
void gw_echo_set_hpf(struct gw_echo *ec, bool on);
/* G.164/G.165 tone disabler on (default) or off. */
void gw_echo_set_tone_disabler(struct gw_echo *ec, bool on);
/* Forget the echo path and all measurements (new call); keeps settings. */
void gw_echo_reset(struct gw_echo *ec);

void gw_echo_get_stats(const struct gw_echo *ec, struct gw_echo_stats *st);
const char *gw_echo_disabler_name(enum gw_echo_disabler d);

#endif
