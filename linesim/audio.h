/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * audio: what a far-side listener hears, what a far-side talker plays, and
 * recordings, for one linesim port.
 *
 * Listener (struct ls_listen): every frame the gateway sends on a port goes
 * through the call-progress detector (dsp/progress) and the DTMF receiver
 * (dsp/dtmf), and into a 200 ms history from which ls_listen_hears() reports
 * the dominant frequency (Goertzel scan) and the level (dsp/level).
 *
 * Source (struct ls_source): what `play` selects: silence, echo of what is
 * heard, a test tone (dsp/tone custom tone), or a looping WAV file (8 kHz
 * mono, read whole into memory by libsndfile when selected).
 *
 * Recorder (struct ls_rec): an 8 kHz mono 16-bit WAV file via libsndfile.
 */
#ifndef LS_AUDIO_H
#define LS_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/tone.h"
#include "hw/hw.h"

struct gw_progress_det;
struct gw_dtmf_rx;
struct gw_dtmf_tx;

/* History kept for `hears`: 200 ms. */
#define LS_HIST_SAMPLES 1600
#define LS_DIGITS_MAX 128

struct ls_listen {
	struct gw_progress_det *prog;
	struct gw_dtmf_rx *rx;
	int16_t hist[LS_HIST_SAMPLES]; /* ring buffer */
	int hist_pos;
	char digits[LS_DIGITS_MAX]; /* heard since the last `digits` */
	int ndigits;
};

int ls_listen_init(struct ls_listen *l);
void ls_listen_release(struct ls_listen *l);
void ls_listen_reset(struct ls_listen *l);
/*
 * Analyse one frame. Digits detected in it are appended to l->digits and
 * copied, NUL-terminated, to `fresh` (size `max`). Returns their count.
 */
int ls_listen_process(struct ls_listen *l, const int16_t *in, char *fresh,
		      int max);
/* Call-progress tone heard now. */
enum gw_tone ls_listen_tone(const struct ls_listen *l);
/* Dominant frequency (Hz, 0 if silent) and level (dBm0) of the last 200 ms. */
void ls_listen_measure(const struct ls_listen *l, int *freq_hz,
		       float *level_dbm0);

enum ls_src_type {
	LS_SRC_AUTO = 0, /* not set: the line model decides */
	LS_SRC_SILENCE,
	LS_SRC_ECHO,
	LS_SRC_TONE,
	LS_SRC_WAV,
};

/*
 * The loop-around delay of `echo`: what the line hears comes back 200 ms
 * later, like a PSTN echo-test line. It is longer than any line echo
 * canceller's tail (128 ms), so a gateway's canceller leaves it alone.
 */
#define LS_LOOP_DELAY_SAMPLES 1600
#define LS_LOOP_SAMPLES 2048 /* a power of two > the delay */

struct ls_source {
	enum ls_src_type type;
	int16_t loop[LS_LOOP_SAMPLES]; /* echo: delay line */
	unsigned loop_pos;
	int freq_hz;		 /* LS_SRC_TONE */
	int level_dbm0;		 /* LS_SRC_TONE */
	struct gw_tone_gen *gen; /* LS_SRC_TONE */
	int16_t *wav;		 /* LS_SRC_WAV: the whole file */
	size_t wav_len, wav_pos;
	char *wav_path;
};

int ls_source_init(struct ls_source *s);
void ls_source_release(struct ls_source *s);
/* Back to LS_SRC_AUTO (frees a loaded file). */
void ls_source_clear(struct ls_source *s);
void ls_source_set(struct ls_source *s, enum ls_src_type type);
/* Returns 0 or -EINVAL. */
int ls_source_tone(struct ls_source *s, int freq_hz, int level_dbm0);
/*
 * Load `path` (8 kHz mono, any format libsndfile reads). On failure returns
 * a negative errno and writes a reason to `err`; the source is unchanged.
 */
int ls_source_wav(struct ls_source *s, const char *path, char *err,
		  size_t errlen);
/* Fill out with the source; `in` is the frame heard (for echo). */
void ls_source_process(struct ls_source *s, const int16_t *in, int16_t *out);
/* The loop-around (echo) of `in`, LS_LOOP_DELAY_SAMPLES later. */
void ls_source_loop(struct ls_source *s, const int16_t *in, int16_t *out);
/* "auto", "silence", "echo", "tone:F:L", "wav:PATH". */
void ls_source_name(const struct ls_source *s, char *buf, size_t len);

struct ls_rec {
	void *file; /* SNDFILE *, NULL when not recording */
	char *path;
	uint64_t samples;
	bool closed_idle;     /* closed because the line went idle */
	uint64_t last_samples; /* of the recording closed that way */
};

/* Returns 0 or a negative errno with a reason in `err`. */
int ls_rec_start(struct ls_rec *r, const char *path, char *err,
		 size_t errlen);
void ls_rec_write(struct ls_rec *r, const int16_t *in, int samples);
/* Close; returns the samples written. */
uint64_t ls_rec_stop(struct ls_rec *r);

#endif
