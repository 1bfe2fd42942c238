/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdp: SDP offer/answer for the audio stream (RFC 3264), parsed with
 * Sofia-SIP's SDP parser; our own SDP is printed directly.
 *
 * For now the gateway speaks G.711 only: it offers PCMU and PCMA, and in an
 * answer picks the first of them in the offerer's order. RFC 4733
 * telephone-event: offered as GW_SDP_TE_PT (101) with "a=fmtp:101 0-16";
 * an offer's or answer's telephone-event/8000 payload type (any number)
 * is taken as it is and echoed in our answer. SRTP: an RTP/SAVP stream's
 * a=crypto lines (RFC 4568) are handed over as they are (gateway/srtp.h
 * parses and chooses); our SRTP SDP is RTP/SAVP with our a=crypto lines.
 * Other codecs and ptime come with the media and SIP issues.
 */
#ifndef GW_SDP_H
#define GW_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_SDP_MAX_CRYPTO 8 /* a=crypto lines kept from one stream */
#define GW_SDP_CRYPTO_LEN 192

struct gw_sdp_audio {
	char addr[64]; /* connection address of the audio stream */
	int port;
	int pt; /* chosen G.711 payload type: 0 or 8 */
	int te_pt; /* telephone-event/8000 payload type, -1 if none */
	bool srtp; /* RTP/SAVP */
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

#endif
