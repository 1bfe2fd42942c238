/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * codec: the voice codecs of the RTP side behind one interface, with the
 * line side always 16-bit linear at 8 kHz.
 *
 * What it does: a descriptor table says, per codec, what SDP and RTP need
 * (rtpmap encoding name and clock rate, static payload type or dynamic)
 * and which packet times the gateway offers; gw_codec_alloc() builds one
 * direction-agnostic codec instance (encoder + decoder) for a ptime, and
 * _encode/_decode turn one packet's worth of line samples into a payload
 * and back.
 *
 * How:
 *  - PCMU/PCMA: dsp/g711.
 *  - G.722: spandsp g722_encode/g722_decode at 64 kbit/s. The codec runs at
 *    16 kHz; the 8 kHz line is resampled 8 -> 16 kHz before the encoder and
 *    16 -> 8 kHz after the decoder by a 63-tap half-band FIR (Kaiser,
 *    beta 6: passband to 3.4 kHz within 0.005 dB, > 65 dB stopband from
 *    4.6 kHz; delay 15.5 samples at 16 kHz each way), polyphase so only the
 *    32 non-zero taps are computed.
 *  - G.726-32: spandsp g726 at 32 kbit/s, linear interworking, packed with
 *    G726_PACKING_RIGHT: the first 4-bit codeword in the four LEAST
 *    significant bits of each octet, as RFC 3551 section 4.5.4 requires
 *    for the "G726-32" encoding name. (G726_PACKING_LEFT -- first codeword
 *    in the most significant bits -- is ITU-T I.366.2 Annex E, which SDP
 *    calls "AAL2-G726-32"; old Asterisk sent that under the name G726-32,
 *    which is why some peers sound garbled.)
 *  - Opus: libopus, OPUS_APPLICATION_VOIP, mono. Narrowband (default) runs
 *    libopus at 8 kHz directly on the line samples; wideband runs it at
 *    16 kHz through the same resampler as G.722. RTP always counts
 *    48 kHz ("opus/48000/2", RFC 7587).
 *  - G.729: Debian's bcg729 (G.729 Annex A), 10 ms frames of 10 bytes;
 *    Annex B (VAD/CNG, 2-byte SID frames) only when asked for.
 * Specs: RFC 3551 (payload types, G.722 clock quirk, G.726 packing),
 * RFC 7587 (Opus), RFC 3551 section 4.5.6 + G.729 Annex B (SID).
 *
 * Allocation only in gw_codec_alloc(); _encode and _decode never allocate
 * (libopus and bcg729 use the stack only) and may run on the media thread.
 */
#ifndef GW_DSP_CODEC_H
#define GW_DSP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_codec_id {
	GW_CODEC_PCMU = 0,
	GW_CODEC_PCMA,
	GW_CODEC_G722,
	GW_CODEC_G726_32,
	GW_CODEC_OPUS,
	GW_CODEC_G729,
	GW_CODEC_COUNT
};

#define GW_CODEC_MAX_PTIMES 8

struct gw_codec_desc {
	enum gw_codec_id id;
	const char *name;   /* rtpmap encoding name, e.g. "PCMU" */
	int rtp_clock_hz;   /* rtpmap clock rate: 8000 for G.722 (RFC
			     * 3551's quirk: it samples at 16 kHz) */
	int rtp_channels;   /* rtpmap channel count (2 for opus) */
	int payload_type;   /* static RTP payload type, -1 if dynamic */
	int sample_rate_hz; /* the codec's own rate (Opus: 8000, or 16000
			     * with gw_codec_options.wideband) */
	int bitrate_bps;    /* nominal (Opus: default for nb) */
	int ptime_default_ms;
	int ptimes_ms[GW_CODEC_MAX_PTIMES]; /* allowed, ascending, 0-ended */
};

/* Options for gw_codec_alloc(); NULL means all defaults (zeroes). */
struct gw_codec_options {
	int bitrate_bps; /* Opus: 6000..510000; 0: 16000 nb / 24000 wb */
	bool wideband;	 /* Opus: 16 kHz (wb) instead of 8 kHz (nb) */
	bool vad;	 /* G.729 Annex B / Opus DTX; default off */
	int complexity;	 /* Opus: 1..10, 0: 5 */
};

struct gw_codec;

/* The descriptor of `id`, or NULL if it is not a codec. */
const struct gw_codec_desc *gw_codec_desc(enum gw_codec_id id);
/* Look up an rtpmap encoding name (case-insensitive) and clock rate.
 * Returns the id, or -ENOENT. */
int gw_codec_find(const char *name, int rtp_clock_hz);
/* True if `id` can be built for ptime_ms. */
bool gw_codec_ptime_valid(enum gw_codec_id id, int ptime_ms);

/*
 * Build a codec instance (encoder and decoder) for packets of ptime_ms.
 * Returns 0, -EINVAL (unknown id, ptime not allowed for the codec, bad
 * options) or -ENOMEM.
 */
int gw_codec_alloc(struct gw_codec **ret, enum gw_codec_id id, int ptime_ms,
		   const struct gw_codec_options *options);
void gw_codec_free(struct gw_codec *c);
/* Forget encoder/decoder history (a new stream); does not allocate.
 * bcg729 cannot be reset: G.729 keeps its history. */
void gw_codec_reset(struct gw_codec *c);

const struct gw_codec_desc *gw_codec_get_desc(const struct gw_codec *c);
int gw_codec_ptime_ms(const struct gw_codec *c);
/* Line samples (8 kHz) per packet: ptime_ms * 8. */
int gw_codec_frame_samples(const struct gw_codec *c);
/* RTP timestamp increment per packet (ptime x rtp clock). */
int gw_codec_rtp_ts_per_frame(const struct gw_codec *c);
/* Largest payload _encode can write (the `max` that always suffices). */
size_t gw_codec_max_bytes(const struct gw_codec *c);

/*
 * Encode exactly gw_codec_frame_samples() line samples into out. Returns
 * the payload length (0 is possible with VAD: send nothing), -EINVAL if
 * `samples` is not the frame size, -ENOBUFS if `max` is too small, -EIO if
 * the codec library fails.
 */
int gw_codec_encode(struct gw_codec *c, const int16_t *line_8k, int samples,
		    uint8_t *out, size_t max);

/*
 * Decode one payload of any length the codec allows (not only this
 * instance's ptime: peers may send other packet sizes) into line samples.
 * Returns the number of samples written, -ENOBUFS if more than `max` would
 * be needed (nothing written), -EINVAL/-EBADMSG for a malformed payload.
 * in == NULL (len 0) asks for the codec's own concealment of one lost
 * packet of this instance's ptime: Opus and G.729 have it; the waveform
 * codecs return -EOPNOTSUPP (use dsp/plc for them).
 */
int gw_codec_decode(struct gw_codec *c, const uint8_t *in, size_t len,
		    int16_t *line_8k, int max);

#endif
