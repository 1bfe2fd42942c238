/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdp: SDP offer/answer for the audio stream (RFC 3264), parsed with
 * Sofia-SIP's SDP parser; our own SDP is printed directly.
 *
 * Codecs are dsp/codec.h's (rtpmap names and clocks from its table): an
 * offer lists the configured ones (static payload types, else 96 + the
 * codec's number); parsing picks the first format, in the m= line's
 * order, whose codec the caller allows. RFC 4733
 * telephone-event: offered as GW_SDP_TE_PT (101) with "a=fmtp:101 0-16";
 * an offer's or answer's telephone-event/8000 payload type (any number)
 * is taken as it is and echoed in our answer. SRTP: an RTP/SAVP stream's
 * a=crypto lines (RFC 4568) are handed over as they are (gateway/srtp.h
 * parses and chooses); our SRTP SDP is RTP/SAVP with our a=crypto lines.
 * Our ptime is 20 ms (the card period); other packet sizes are accepted.
 */
#ifndef GW_SDP_H
#define GW_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_SDP_MAX_CRYPTO 8 /* a=crypto lines kept from one stream */
#define GW_SDP_CRYPTO_LEN 192

/* Stream direction, as RFC 3264 §5.1 (the sender's view of its SDP). */
enum gw_sdp_dir {
	GW_SDP_INACTIVE = 0,
	GW_SDP_SENDONLY = 1,
	GW_SDP_RECVONLY = 2,
	GW_SDP_SENDRECV = 3,
};

/* "sendrecv", ...: the attribute's name. */
const char *gw_sdp_dir_name(enum gw_sdp_dir dir);
/* The direction that answers `offered` (sendonly <-> recvonly). */
enum gw_sdp_dir gw_sdp_dir_answer(enum gw_sdp_dir offered);

struct gw_sdp_audio {
	char addr[64]; /* connection address of the audio stream */
	int port;
	int pt; /* chosen payload type */
	int codec; /* its codec (enum gw_codec_id, dsp/codec.h) */
	int te_pt; /* telephone-event/8000 payload type, -1 if none */
	int ptime; /* a=ptime in ms, 0 if absent */
	int cn_pt; /* CN/8000 (RFC 3389) payload type, -1 if none */
	bool srtp; /* RTP/SAVP */
	/*
	 * a=sendonly/recvonly/inactive/sendrecv of the stream (else of the
	 * session; default sendrecv); a connection address of 0.0.0.0 (RFC
	 * 2543 hold) counts as inactive.
	 */
	enum gw_sdp_dir dir;
	int ncrypto; /* its a=crypto values (after "crypto:") */
	char crypto[GW_SDP_MAX_CRYPTO][GW_SDP_CRYPTO_LEN];
};

#define GW_SDP_TE_PT 101 /* the telephone-event payload type we offer */

/*
 * Parse an offer or answer. Returns 0 and fills *out with the first audio
 * stream's address, port, first G.711 payload type and telephone-event
 * payload type (-1 if none); -EBADMSG if the SDP
 * does not parse; -EPROTONOSUPPORT if it has no usable audio stream or no
 * G.711 (answer 488).
 */
int gw_sdp_parse(const char *body, size_t len, struct gw_sdp_audio *out);
/*
 * The same, choosing the first format (in the m= line's order) whose
 * codec is in `allowed` (a bit mask of 1 << enum gw_codec_id);
 * -EPROTONOSUPPORT if none is.
 */
int gw_sdp_parse_codecs(const char *body, size_t len, unsigned allowed,
			struct gw_sdp_audio *out);

/* A format of our m= line: payload type and codec. */
struct gw_sdp_fmt {
	int pt;
	int codec; /* enum gw_codec_id; GW_SDP_CN: comfort noise (RFC 3389) */
};

#define GW_SDP_CN (-1)
#define GW_SDP_CN_PT 13 /* CN's static payload type */

/* The payload type we use for a codec: its static one, else dynamic. */
int gw_sdp_codec_pt(int codec);

/*
 * Print our SDP for `addr`:`port`. pts lists the payload types to put on
 * the m= line in order (an offer: 0 and 8; an answer: the chosen one);
 * te_pt, unless -1, adds telephone-event/8000 with that payload type and
 * events 0-16. Returns the length, or -ENOSPC.
 */
int gw_sdp_print(char *buf, size_t len, const char *addr, int port,
		 const int *pts, int npts, int te_pt, uint64_t sess_id,
		 uint64_t sess_version);
/*
 * The same for SRTP when ncrypto > 0: RTP/SAVP and one a=crypto line per
 * value in crypto (each "TAG SUITE inline:KEY...").
 */
int gw_sdp_print_srtp(char *buf, size_t len, const char *addr, int port,
		      const int *pts, int npts, int te_pt, uint64_t sess_id,
		      uint64_t sess_version, const char *const *crypto,
		      int ncrypto);
/*
 * The general form: any codecs (rtpmap from dsp/codec.h's table), and the
 * stream's direction attribute.
 */
int gw_sdp_print_fmts(char *buf, size_t len, const char *addr, int port,
		      const struct gw_sdp_fmt *fmts, int nfmts, int te_pt,
		      uint64_t sess_id, uint64_t sess_version,
		      const char *const *crypto, int ncrypto,
		      enum gw_sdp_dir dir);

#endif
