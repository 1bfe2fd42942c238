/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdp: SDP offer/answer for the audio stream (RFC 3264), parsed with
 * Sofia-SIP's SDP parser; our own SDP is printed directly.
 *
 * For now the gateway speaks G.711 only: it offers PCMU and PCMA, and in an
 * answer picks the first of them in the offerer's order. RFC 4733
 * telephone-event: offered as GW_SDP_TE_PT (101) with "a=fmtp:101 0-16";
 * an offer's or answer's telephone-event/8000 payload type (any number)
 * is taken as it is and echoed in our answer. Other codecs, ptime and
 * a=crypto come with the media and SIP issues.
 */
#ifndef GW_SDP_H
#define GW_SDP_H

#include <stddef.h>
#include <stdint.h>

struct gw_sdp_audio {
	char addr[64]; /* connection address of the audio stream */
	int port;
	int pt; /* chosen G.711 payload type: 0 or 8 */
	int te_pt; /* telephone-event/8000 payload type, -1 if none */
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

#endif
