// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * audio: listener analysis, play sources and recordings of a linesim port.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "dsp/dtmf.h"
#include "dsp/level.h"
#include "dsp/progress.h"
#include "dsp/tone.h"
#include "linesim/audio.h"

/* A WAV to play may be at most this long (10 min at 8 kHz). */
#define WAV_MAX_SAMPLES (10 * 60 * GW_HW_RATE_HZ)

int ls_listen_init(struct ls_listen *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	err = gw_progress_det_alloc(&l->prog);
	if (err < 0)
		return err;
	err = gw_dtmf_rx_alloc(&l->rx);
	if (err < 0) {
		gw_progress_det_free(l->prog);
		l->prog = NULL;
		return err;
	}
	return 0;
}

void ls_listen_release(struct ls_listen *l)
{
	if (l->prog)
		gw_progress_det_free(l->prog);
	if (l->rx)
		gw_dtmf_rx_free(l->rx);
	l->prog = NULL;
	l->rx = NULL;
}

void ls_listen_reset(struct ls_listen *l)
{
	gw_progress_det_reset(l->prog);
	gw_dtmf_rx_reset(l->rx);
	memset(l->hist, 0, sizeof(l->hist));
	l->hist_pos = 0;
	l->ndigits = 0;
	l->digits[0] = '\0';
}

int ls_listen_process(struct ls_listen *l, const int16_t *in, char *fresh,
		      int max)
{
	int n, i;

	gw_progress_det_process(l->prog, in, GW_HW_FRAME_SAMPLES);
	gw_dtmf_rx_process(l->rx, in, GW_HW_FRAME_SAMPLES);
	n = gw_dtmf_rx_get(l->rx, fresh, max);
	for (i = 0; i < n; i++) {
		/* Keep the newest digits if nobody reads them. */
		if (l->ndigits == LS_DIGITS_MAX - 1) {
			memmove(l->digits, l->digits + 1, LS_DIGITS_MAX - 2);
			l->ndigits--;
		}
		l->digits[l->ndigits++] = fresh[i];
	}
	l->digits[l->ndigits] = '\0';

	for (i = 0; i < GW_HW_FRAME_SAMPLES; i++) {
		l->hist[l->hist_pos] = in[i];
		l->hist_pos = (l->hist_pos + 1) % LS_HIST_SAMPLES;
	}
	return n;
}

enum gw_tone ls_listen_tone(const struct ls_listen *l)
{
	return gw_progress_det_current(l->prog);
}

/* Goertzel power of `x` at `freq` Hz. */
static float power_at(const float *x, int n, float freq)
{
	float coef = 2.0f * cosf(2.0f * (float)M_PI * freq / GW_HW_RATE_HZ);
	float s1 = 0, s2 = 0, s;
	int i;

	for (i = 0; i < n; i++) {
		s = x[i] + coef * s1 - s2;
		s2 = s1;
		s1 = s;
	}
	return s1 * s1 + s2 * s2 - coef * s1 * s2;
}

void ls_listen_measure(const struct ls_listen *l, int *freq_hz,
		       float *level_dbm0)
{
	int16_t lin[LS_HIST_SAMPLES];
	float x[LS_HIST_SAMPLES];
	float best = 0, p;
	int i, f, coarse = 0, fine = 0;

	for (i = 0; i < LS_HIST_SAMPLES; i++) {
		lin[i] = l->hist[(l->hist_pos + i) % LS_HIST_SAMPLES];
		x[i] = lin[i];
	}
	*level_dbm0 = gw_level_dbm0(lin, LS_HIST_SAMPLES);
	*freq_hz = 0;
	if (*level_dbm0 < -70)
		return;
	/* Coarse scan in 25 Hz steps over 40 ms, then 1 Hz over 200 ms. */
	for (f = 50; f <= 3950; f += 25) {
		p = power_at(x, 320, f);
		if (p > best) {
			best = p;
			coarse = f;
		}
	}
	best = 0;
	for (f = coarse - 25; f <= coarse + 25; f++) {
		p = power_at(x, LS_HIST_SAMPLES, f);
		if (p > best) {
			best = p;
			fine = f;
		}
	}
	*freq_hz = fine;
}

int ls_source_init(struct ls_source *s)
{
	memset(s, 0, sizeof(*s));
	return gw_tone_gen_alloc(&s->gen);
}

void ls_source_release(struct ls_source *s)
{
	ls_source_clear(s);
	if (s->gen)
		gw_tone_gen_free(s->gen);
	s->gen = NULL;
}

void ls_source_clear(struct ls_source *s)
{
	free(s->wav);
	free(s->wav_path);
	s->wav = NULL;
	s->wav_path = NULL;
	s->wav_len = 0;
	s->wav_pos = 0;
	s->type = LS_SRC_AUTO;
}

void ls_source_set(struct ls_source *s, enum ls_src_type type)
{
	ls_source_clear(s);
	s->type = type;
}

int ls_source_tone(struct ls_source *s, int freq_hz, int level_dbm0)
{
	int err = gw_tone_gen_custom(s->gen, freq_hz, 0, level_dbm0, 1000, 0);

	if (err < 0)
		return err;
	ls_source_clear(s);
	s->type = LS_SRC_TONE;
	s->freq_hz = freq_hz;
	s->level_dbm0 = level_dbm0;
	return 0;
}

int ls_source_wav(struct ls_source *s, const char *path, char *err,
		  size_t errlen)
{
	SF_INFO info = { 0 };
	SNDFILE *f;
	int16_t *buf;
	sf_count_t n;
	char *p;

	f = sf_open(path, SFM_READ, &info);
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, sf_strerror(NULL));
		return -ENOENT;
	}
	if (info.samplerate != GW_HW_RATE_HZ || info.channels != 1) {
		snprintf(err, errlen,
			 "%s: %d Hz, %d channel(s); need 8000 Hz mono", path,
			 info.samplerate, info.channels);
		sf_close(f);
		return -EINVAL;
	}
	if (info.frames <= 0 || info.frames > WAV_MAX_SAMPLES) {
		snprintf(err, errlen, "%s: %lld samples; need 1 to %d", path,
			 (long long)info.frames, WAV_MAX_SAMPLES);
		sf_close(f);
		return -EINVAL;
	}
	buf = malloc(info.frames * sizeof(*buf));
	p = strdup(path);
	if (!buf || !p) {
		free(buf);
		free(p);
		sf_close(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	n = sf_read_short(f, buf, info.frames);
	sf_close(f);
	if (n <= 0) {
		free(buf);
		free(p);
		snprintf(err, errlen, "%s: cannot read samples", path);
		return -EIO;
	}
	ls_source_clear(s);
	s->type = LS_SRC_WAV;
	s->wav = buf;
	s->wav_len = n;
	s->wav_path = p;
	return 0;
}

void ls_source_loop(struct ls_source *s, const int16_t *in, int16_t *out)
{
	const unsigned mask = LS_LOOP_SAMPLES - 1;

	for (int i = 0; i < GW_HW_FRAME_SAMPLES; i++) {
		s->loop[s->loop_pos & mask] = in[i];
		out[i] = s->loop[(s->loop_pos - LS_LOOP_DELAY_SAMPLES) & mask];
		s->loop_pos++;
	}
}

void ls_source_process(struct ls_source *s, const int16_t *in, int16_t *out)
{
	int i;

	switch (s->type) {
	case LS_SRC_ECHO:
		ls_source_loop(s, in, out);
		break;
	case LS_SRC_TONE:
		gw_tone_gen_process(s->gen, out, GW_HW_FRAME_SAMPLES);
		break;
	case LS_SRC_WAV:
		for (i = 0; i < GW_HW_FRAME_SAMPLES; i++) {
			out[i] = s->wav[s->wav_pos++];
			if (s->wav_pos == s->wav_len)
				s->wav_pos = 0;
		}
		break;
	default:
		memset(out, 0, GW_HW_FRAME_SAMPLES * sizeof(*out));
		break;
	}
}

void ls_source_name(const struct ls_source *s, char *buf, size_t len)
{
	switch (s->type) {
	case LS_SRC_SILENCE:
		snprintf(buf, len, "silence");
		break;
	case LS_SRC_ECHO:
		snprintf(buf, len, "echo");
		break;
	case LS_SRC_TONE:
		snprintf(buf, len, "tone:%d:%d", s->freq_hz, s->level_dbm0);
		break;
	case LS_SRC_WAV:
		snprintf(buf, len, "wav:%s", s->wav_path);
		break;
	default:
		snprintf(buf, len, "auto");
		break;
	}
}

int ls_rec_start(struct ls_rec *r, const char *path, char *err,
		 size_t errlen)
{
	SF_INFO info = {
		.samplerate = GW_HW_RATE_HZ,
		.channels = 1,
		.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16,
	};
	SNDFILE *f;
	char *p;

	p = strdup(path);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f = sf_open(path, SFM_WRITE, &info);
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, sf_strerror(NULL));
		free(p);
		return -EIO;
	}
	r->file = f;
	r->path = p;
	r->samples = 0;
	r->closed_idle = false;
	return 0;
}

void ls_rec_write(struct ls_rec *r, const int16_t *in, int samples)
{
	if (!r->file)
		return;
	r->samples += sf_write_short(r->file, in, samples);
}

uint64_t ls_rec_stop(struct ls_rec *r)
{
	uint64_t n = r->samples;

	if (r->file)
		sf_close(r->file);
	free(r->path);
	r->file = NULL;
	r->path = NULL;
	r->samples = 0;
	return n;
}
