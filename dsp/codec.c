// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * codec: G.711 (dsp/g711), G.722 and G.726-32 (spandsp), Opus (libopus)
 * and G.729 (bcg729) behind gw_codec_encode/_decode, with the 8 <-> 16 kHz
 * half-band resampler for the wideband ones.
 *
 * All buffers an encode or decode needs live in struct gw_codec; payloads
 * larger than the scratch buffers are decoded in pieces.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
#include <opus.h>
#include <spandsp.h>

#include "dsp/codec.h"
#include "dsp/g711.h"

/* ---- descriptor table ------------------------------------------------ */

#define PT_10_60                                                               \
	{                                                                      \
		10, 20, 30, 40, 50, 60, 0                                      \
	}

static const struct gw_codec_desc descs[GW_CODEC_COUNT] = {
    [GW_CODEC_PCMU] = {GW_CODEC_PCMU, "PCMU", 8000, 1, 0, 8000, 64000, 20,
		       PT_10_60},
    [GW_CODEC_PCMA] = {GW_CODEC_PCMA, "PCMA", 8000, 1, 8, 8000, 64000, 20,
		       PT_10_60},
    [GW_CODEC_G722] = {GW_CODEC_G722, "G722", 8000, 1, 9, 16000, 64000, 20,
		       PT_10_60},
    [GW_CODEC_G726_32] = {GW_CODEC_G726_32, "G726-32", 8000, 1, -1, 8000, 32000,
			  20, PT_10_60},
    [GW_CODEC_OPUS] = {GW_CODEC_OPUS,
		       "opus",
		       48000,
		       2,
		       -1,
		       8000,
		       16000,
		       20,
		       {10, 20, 40, 60, 0}},
    [GW_CODEC_G729] = {GW_CODEC_G729, "G729", 8000, 1, 18, 8000, 8000, 20,
		       PT_10_60},
};

const struct gw_codec_desc *gw_codec_desc(enum gw_codec_id id)
{
	if ((unsigned int)id >= GW_CODEC_COUNT)
		return NULL;
	return &descs[id];
}

int gw_codec_find(const char *name, int rtp_clock_hz)
{
	for (int i = 0; i < GW_CODEC_COUNT; i++)
		if (strcasecmp(name, descs[i].name) == 0 &&
		    rtp_clock_hz == descs[i].rtp_clock_hz)
			return i;
	return -ENOENT;
}

bool gw_codec_ptime_valid(enum gw_codec_id id, int ptime_ms)
{
	const struct gw_codec_desc *d = gw_codec_desc(id);

	if (!d)
		return false;
	for (int i = 0; i < GW_CODEC_MAX_PTIMES && d->ptimes_ms[i]; i++)
		if (d->ptimes_ms[i] == ptime_ms)
			return true;
	return false;
}

/* ---- 8 <-> 16 kHz half-band resampler -------------------------------- */

/*
 * A 63-tap half-band low-pass h[0..62] (cutoff fs/4 at 16 kHz): h[31] =
 * 1/2, the other odd-indexed taps are 0, the 32 even-indexed ones are
 * stored in hb[]. Interpolation by 2 (zero stuffing, gain 2):
 *   y[2m]   = sum_j 2 hb[j] x[m - j]
 *   y[2m+1] = x[m - 15]
 * Decimation by 2 of w[], with e[i] = w[2i], o[i] = w[2i+1]:
 *   z[m] = sum_j hb[j] e[m - j] + o[m - 16] / 2
 * Loops run tap-outer, sample-inner so the compiler vectorizes them
 * without reassociating float sums.
 */
#define HB	32  /* non-zero even taps */
#define MAX_N8	480 /* 8 kHz samples per resampler call (60 ms) */
#define MAX_N16 (2 * MAX_N8)

struct up2 {
	float buf[HB - 1 + MAX_N8]; /* history, then the new input */
	float acc[MAX_N8];
};

struct down2 {
	float e[HB - 1 + MAX_N8];
	float o[16 + MAX_N8];
	float acc[MAX_N8];
};

static double bessel_i0(double x)
{
	double sum = 1.0, term = 1.0;

	for (int k = 1; k < 40; k++) {
		term *= (x / (2.0 * k)) * (x / (2.0 * k));
		sum += term;
	}
	return sum;
}

static void halfband_design(float hb[HB])
{
	const double beta = 6.0, c = 31.0;
	double sum = 0.0;

	for (int j = 0; j < HB; j++) {
		double n = 2.0 * j - c; /* odd: never 0 */
		double r = n / c;
		double w =
		    bessel_i0(beta * sqrt(1.0 - r * r)) / bessel_i0(beta);
		double h = sin(M_PI * n / 2.0) / (M_PI * n) * w;

		hb[j] = (float)h;
		sum += h;
	}
	/* Exact DC gain: even taps sum to 1/2 (with h[31] = 1/2, total 1). */
	for (int j = 0; j < HB; j++)
		hb[j] = (float)(hb[j] * 0.5 / sum);
}

static inline int16_t sat16f(float v)
{
	v = rintf(v);
	if (v > 32767.0f)
		return 32767;
	if (v < -32768.0f)
		return -32768;
	return (int16_t)v;
}

/* n <= MAX_N8 inputs at 8 kHz -> 2n outputs at 16 kHz. */
static void up2_run(struct up2 *s, const float hb[HB], const int16_t *x, int n,
		    int16_t *y)
{
	float *in = s->buf + HB - 1;

	for (int m = 0; m < n; m++) {
		in[m] = x[m];
		s->acc[m] = 0.0f;
	}
	for (int j = 0; j < HB; j++) {
		const float k = 2.0f * hb[j];
		const float *p = in - j;

		for (int m = 0; m < n; m++)
			s->acc[m] += k * p[m];
	}
	for (int m = 0; m < n; m++) {
		y[2 * m] = sat16f(s->acc[m]);
		y[2 * m + 1] = sat16f(in[m - 15]);
	}
	memmove(s->buf, s->buf + n, sizeof(float) * (HB - 1));
}

/* 2n inputs at 16 kHz (n <= MAX_N8) -> n outputs at 8 kHz. */
static void down2_run(struct down2 *s, const float hb[HB], const int16_t *w,
		      int n, int16_t *z)
{
	float *e = s->e + HB - 1, *o = s->o + 16;

	for (int m = 0; m < n; m++) {
		e[m] = w[2 * m];
		o[m] = w[2 * m + 1];
		s->acc[m] = 0.5f * o[m - 16];
	}
	for (int j = 0; j < HB; j++) {
		const float k = hb[j];
		const float *p = e - j;

		for (int m = 0; m < n; m++)
			s->acc[m] += k * p[m];
	}
	for (int m = 0; m < n; m++)
		z[m] = sat16f(s->acc[m]);
	memmove(s->e, s->e + n, sizeof(float) * (HB - 1));
	memmove(s->o, s->o + n, sizeof(float) * 16);
}

/* ---- the codec object ------------------------------------------------ */

#define G729_FRAME     80
#define OPUS_MAX_WIDE  (120 * 16) /* the longest Opus packet, at 16 kHz */
#define OPUS_MAX_BYTES 4000	  /* libopus' recommended output bound */

struct gw_codec {
	const struct gw_codec_desc *desc;
	struct gw_codec_options opt;
	int ptime_ms;
	int frame_samples; /* line, 8 kHz */
	int rate;	   /* codec's own sample rate */

	g722_encode_state_t *g722e;
	g722_decode_state_t *g722d;
	g726_state_t *g726e;
	g726_state_t *g726d;
	OpusEncoder *opus_enc;
	OpusDecoder *opus_dec;
	bcg729EncoderChannelContextStruct *g729e;
	bcg729DecoderChannelContextStruct *g729d;

	float hb[HB];
	struct up2 up;
	struct down2 down;
	int16_t wide[OPUS_MAX_WIDE]; /* 16 kHz scratch (and Opus nb output) */
};

static int opus_setup(struct gw_codec *c)
{
	int err, bitrate, complexity;

	bitrate = c->opt.bitrate_bps ? c->opt.bitrate_bps
				     : (c->opt.wideband ? 24000 : 16000);
	complexity = c->opt.complexity ? c->opt.complexity : 5;
	c->opus_enc =
	    opus_encoder_create(c->rate, 1, OPUS_APPLICATION_VOIP, &err);
	if (!c->opus_enc)
		return err == OPUS_ALLOC_FAIL ? -ENOMEM : -EINVAL;
	c->opus_dec = opus_decoder_create(c->rate, 1, &err);
	if (!c->opus_dec)
		return err == OPUS_ALLOC_FAIL ? -ENOMEM : -EINVAL;
	if (opus_encoder_ctl(c->opus_enc, OPUS_SET_BITRATE(bitrate)) !=
		OPUS_OK ||
	    opus_encoder_ctl(c->opus_enc, OPUS_SET_COMPLEXITY(complexity)) !=
		OPUS_OK ||
	    opus_encoder_ctl(c->opus_enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) !=
		OPUS_OK ||
	    opus_encoder_ctl(c->opus_enc, OPUS_SET_DTX(c->opt.vad ? 1 : 0)) !=
		OPUS_OK)
		return -EINVAL;
	return 0;
}

static int lib_setup(struct gw_codec *c)
{
	switch (c->desc->id) {
	case GW_CODEC_PCMU:
	case GW_CODEC_PCMA:
		return 0;
	case GW_CODEC_G722:
		c->g722e = g722_encode_init(NULL, 64000, 0);
		c->g722d = g722_decode_init(NULL, 64000, 0);
		return c->g722e && c->g722d ? 0 : -ENOMEM;
	case GW_CODEC_G726_32:
		c->g726e = g726_init(NULL, 32000, G726_ENCODING_LINEAR,
				     G726_PACKING_RIGHT);
		c->g726d = g726_init(NULL, 32000, G726_ENCODING_LINEAR,
				     G726_PACKING_RIGHT);
		return c->g726e && c->g726d ? 0 : -ENOMEM;
	case GW_CODEC_OPUS:
		return opus_setup(c);
	case GW_CODEC_G729:
		c->g729e = initBcg729EncoderChannel(c->opt.vad ? 1 : 0);
		c->g729d = initBcg729DecoderChannel();
		return c->g729e && c->g729d ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}

static void lib_release(struct gw_codec *c)
{
	if (c->g722e)
		g722_encode_free(c->g722e);
	if (c->g722d)
		g722_decode_free(c->g722d);
	if (c->g726e)
		g726_free(c->g726e);
	if (c->g726d)
		g726_free(c->g726d);
	if (c->opus_enc)
		opus_encoder_destroy(c->opus_enc);
	if (c->opus_dec)
		opus_decoder_destroy(c->opus_dec);
	if (c->g729e)
		closeBcg729EncoderChannel(c->g729e);
	if (c->g729d)
		closeBcg729DecoderChannel(c->g729d);
	c->g722e = NULL;
	c->g722d = NULL;
	c->g726e = NULL;
	c->g726d = NULL;
	c->opus_enc = NULL;
	c->opus_dec = NULL;
	c->g729e = NULL;
	c->g729d = NULL;
}

int gw_codec_alloc(struct gw_codec **ret, enum gw_codec_id id, int ptime_ms,
		   const struct gw_codec_options *options)
{
	static const struct gw_codec_options defaults;
	const struct gw_codec_options *o = options ? options : &defaults;
	struct gw_codec *c;
	int rc;

	if (!gw_codec_ptime_valid(id, ptime_ms))
		return -EINVAL;
	if (id == GW_CODEC_OPUS &&
	    ((o->bitrate_bps &&
	      (o->bitrate_bps < 6000 || o->bitrate_bps > 510000)) ||
	     o->complexity < 0 || o->complexity > 10))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->desc = &descs[id];
	c->opt = *o;
	c->ptime_ms = ptime_ms;
	c->frame_samples = ptime_ms * 8;
	c->rate = c->desc->sample_rate_hz;
	if (id == GW_CODEC_OPUS && o->wideband)
		c->rate = 16000;
	halfband_design(c->hb);
	rc = lib_setup(c);
	if (rc) {
		gw_codec_free(c);
		return rc;
	}
	*ret = c;
	return 0;
}

void gw_codec_free(struct gw_codec *c)
{
	if (!c)
		return;
	lib_release(c);
	free(c);
}

void gw_codec_reset(struct gw_codec *c)
{
	/* spandsp's _init on existing storage does not allocate. */
	if (c->g722e)
		g722_encode_init(c->g722e, 64000, 0);
	if (c->g722d)
		g722_decode_init(c->g722d, 64000, 0);
	if (c->g726e)
		g726_init(c->g726e, 32000, G726_ENCODING_LINEAR,
			  G726_PACKING_RIGHT);
	if (c->g726d)
		g726_init(c->g726d, 32000, G726_ENCODING_LINEAR,
			  G726_PACKING_RIGHT);
	if (c->opus_enc)
		opus_encoder_ctl(c->opus_enc, OPUS_RESET_STATE);
	if (c->opus_dec)
		opus_decoder_ctl(c->opus_dec, OPUS_RESET_STATE);
	/* bcg729 has no reset and rebuilding it would allocate: G.729 keeps
	 * its history (it converges within a few frames of a new stream). */
	memset(&c->up, 0, sizeof(c->up));
	memset(&c->down, 0, sizeof(c->down));
}

const struct gw_codec_desc *gw_codec_get_desc(const struct gw_codec *c)
{
	return c->desc;
}

int gw_codec_ptime_ms(const struct gw_codec *c)
{
	return c->ptime_ms;
}

int gw_codec_frame_samples(const struct gw_codec *c)
{
	return c->frame_samples;
}

int gw_codec_rtp_ts_per_frame(const struct gw_codec *c)
{
	return c->ptime_ms * (c->desc->rtp_clock_hz / 1000);
}

size_t gw_codec_max_bytes(const struct gw_codec *c)
{
	switch (c->desc->id) {
	case GW_CODEC_PCMU:
	case GW_CODEC_PCMA:
	case GW_CODEC_G722:
		return (size_t)c->frame_samples;
	case GW_CODEC_G726_32:
		return (size_t)c->frame_samples / 2;
	case GW_CODEC_G729:
		return (size_t)c->frame_samples / 8;
	case GW_CODEC_OPUS:
	default:
		return OPUS_MAX_BYTES;
	}
}

/* ---- encode ---------------------------------------------------------- */

static int encode_opus(struct gw_codec *c, const int16_t *line, int n,
		       uint8_t *out, size_t max)
{
	const int16_t *pcm = line;
	int frame = n, rc;

	if (max > OPUS_MAX_BYTES)
		max = OPUS_MAX_BYTES;
	if (c->rate == 16000) {
		up2_run(&c->up, c->hb, line, n, c->wide);
		pcm = c->wide;
		frame = 2 * n;
	}
	rc = opus_encode(c->opus_enc, pcm, frame, out, (opus_int32)max);
	if (rc == OPUS_BUFFER_TOO_SMALL)
		return -ENOBUFS;
	if (rc < 0)
		return -EIO;
	/* With DTX, a 1-2 byte packet means "nothing worth sending". */
	if (c->opt.vad && rc <= 2)
		return 0;
	return rc;
}

static int encode_g729(struct gw_codec *c, const int16_t *line, int n,
		       uint8_t *out, size_t max)
{
	size_t len = 0;

	if (max < (size_t)n / 8)
		return -ENOBUFS;
	for (int i = 0; i < n; i += G729_FRAME) {
		uint8_t bytes = 0;

		bcg729Encoder(c->g729e, line + i, out + len, &bytes);
		len += bytes;
		/* A SID frame (2 bytes) ends the payload (RFC 3551 4.5.6):
		 * later frames of this packet are sent in the next one. */
		if (bytes == 2)
			break;
	}
	return (int)len;
}

int gw_codec_encode(struct gw_codec *c, const int16_t *line_8k, int samples,
		    uint8_t *out, size_t max)
{
	int n = samples;

	if (samples != c->frame_samples)
		return -EINVAL;
	switch (c->desc->id) {
	case GW_CODEC_PCMU:
	case GW_CODEC_PCMA:
		if (max < (size_t)n)
			return -ENOBUFS;
		gw_g711_encode(c->desc->id == GW_CODEC_PCMU ? GW_G711_ULAW
							    : GW_G711_ALAW,
			       out, line_8k, n);
		return n;
	case GW_CODEC_G722: {
		int len = 0;

		if (max < (size_t)n)
			return -ENOBUFS;
		for (int i = 0; i < n; i += MAX_N8) {
			int k = n - i < MAX_N8 ? n - i : MAX_N8;

			up2_run(&c->up, c->hb, line_8k + i, k, c->wide);
			len += g722_encode(c->g722e, out + len, c->wide, 2 * k);
		}
		return len;
	}
	case GW_CODEC_G726_32:
		if (max < (size_t)n / 2)
			return -ENOBUFS;
		return g726_encode(c->g726e, out, line_8k, n);
	case GW_CODEC_OPUS:
		return encode_opus(c, line_8k, n, out, max);
	case GW_CODEC_G729:
		/* With VAD a SID frame may cut the packet short. */
		return encode_g729(c, line_8k, n, out, max);
	default:
		return -EINVAL;
	}
}

/* ---- decode ---------------------------------------------------------- */

static int decode_opus(struct gw_codec *c, const uint8_t *in, size_t len,
		       int16_t *line, int max)
{
	int wide = c->rate == 16000;
	int n, out;

	if (in) {
		if (len == 0 || len > OPUS_MAX_BYTES)
			return -EINVAL;
		n = opus_decoder_get_nb_samples(c->opus_dec, in,
						(opus_int32)len);
		if (n < 0)
			return -EBADMSG;
	} else {
		n = c->ptime_ms * (c->rate / 1000);
	}
	out = wide ? n / 2 : n;
	if (out > max)
		return -ENOBUFS;
	/* For concealment libopus synthesises exactly frame_size samples. */
	n = opus_decode(c->opus_dec, in, in ? (opus_int32)len : 0,
			wide ? c->wide : line, n, 0);
	if (n < 0)
		return -EBADMSG;
	if (!wide)
		return n;
	for (int i = 0; i < n / 2; i += MAX_N8) {
		int k = n / 2 - i < MAX_N8 ? n / 2 - i : MAX_N8;

		down2_run(&c->down, c->hb, c->wide + 2 * i, k, line + i);
	}
	return n / 2;
}

static int decode_g729(struct gw_codec *c, const uint8_t *in, size_t len,
		       int16_t *line, int max)
{
	int out = 0;

	if (!in) {
		if (c->frame_samples > max)
			return -ENOBUFS;
		for (; out < c->frame_samples; out += G729_FRAME)
			bcg729Decoder(c->g729d, NULL, 0, 1, 0, 0, line + out);
		return out;
	}
	/* 10-byte frames, optionally one 2-byte SID frame at the end. */
	if (len % 10 != 0 && len % 10 != 2)
		return -EINVAL;
	if ((long)(len / 10 + len % 10 / 2) * G729_FRAME > max)
		return -ENOBUFS;
	for (size_t i = 0; i + 10 <= len; i += 10, out += G729_FRAME)
		bcg729Decoder(c->g729d, in + i, 10, 0, 0, 0, line + out);
	if (len % 10 == 2) {
		bcg729Decoder(c->g729d, in + len - 2, 2, 0, 1, 1, line + out);
		out += G729_FRAME;
	}
	return out;
}

int gw_codec_decode(struct gw_codec *c, const uint8_t *in, size_t len,
		    int16_t *line_8k, int max)
{
	if (!in && c->desc->id != GW_CODEC_OPUS && c->desc->id != GW_CODEC_G729)
		return -EOPNOTSUPP;
	if (in && len == 0)
		return 0;
	switch (c->desc->id) {
	case GW_CODEC_PCMU:
	case GW_CODEC_PCMA:
		if (len > (size_t)max)
			return -ENOBUFS;
		gw_g711_decode(c->desc->id == GW_CODEC_PCMU ? GW_G711_ULAW
							    : GW_G711_ALAW,
			       line_8k, in, (int)len);
		return (int)len;
	case GW_CODEC_G722: {
		int out = 0;

		if (len > (size_t)max)
			return -ENOBUFS;
		/* one byte = two 16 kHz samples = one line sample */
		for (size_t i = 0; i < len; i += MAX_N8) {
			int k = len - i < MAX_N8 ? (int)(len - i) : MAX_N8;
			int w = g722_decode(c->g722d, c->wide, in + i, k);

			down2_run(&c->down, c->hb, c->wide, w / 2,
				  line_8k + out);
			out += w / 2;
		}
		return out;
	}
	case GW_CODEC_G726_32:
		if (len > (size_t)max / 2)
			return -ENOBUFS;
		return g726_decode(c->g726d, line_8k, in, (int)len);
	case GW_CODEC_OPUS:
		return decode_opus(c, in, len, line_8k, max);
	case GW_CODEC_G729:
		return decode_g729(c, in, len, line_8k, max);
	default:
		return -EINVAL;
	}
}
