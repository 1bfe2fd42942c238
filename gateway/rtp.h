/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtp: RTP (RFC 3550) header coding and the per-call G.711 session.
 *
 * A session is one UDP socket bound on the SIP address in the configured
 * port range (even ports, RTCP on port+1 comes with the media issue). The
 * control thread allocates it, sets the remote from SDP, and hands it to
 * the media thread with an attach command; from then until the detach
 * acknowledgement only the media thread touches it, except the relaxed
 * atomic counters the control thread reads for status.
 *
 * Symmetric RTP: we send to the SDP address until the first packet
 * arrives, then latch on that packet's source; after latching, packets
 * from any other source are dropped and counted (injection guard).
 */
#ifndef GW_RTP_H
#define GW_RTP_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dsp/g711.h"
#include "gateway/jbuf.h"

#define GW_RTP_HDR_LEN 12
#define GW_RTP_MAX_PACKET 1500

struct gw_rtp_hdr {
	uint8_t version; /* 2 */
	bool padding;
	bool extension;
	uint8_t cc;
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
};

/* Encode a 12-byte header (cc must be 0). Returns 12 or -ENOSPC/-EINVAL. */
int gw_rtp_hdr_encode(uint8_t *buf, size_t len, const struct gw_rtp_hdr *h);
/*
 * Decode a packet's header. Returns the payload offset (header, CSRCs and
 * extension skipped) and sets *payload_len (padding removed), or -EBADMSG.
 */
int gw_rtp_hdr_decode(struct gw_rtp_hdr *h, const uint8_t *buf, size_t len,
		      size_t *payload_len);

struct gw_rtp_session {
	int fd;
	int local_port;
	/* set by the control thread before attach */
	struct sockaddr_storage remote;
	socklen_t remote_len;
	uint8_t pt; /* 0 PCMU or 8 PCMA, both ways */
	/* media thread */
	bool latched;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	bool marker_next;
	struct gw_jbuf jb;
	uint8_t pkt[GW_RTP_MAX_PACKET];
	int16_t pcm[GW_RTP_MAX_PACKET];
	/* counters, read by the control thread */
	atomic_uint_fast64_t tx_packets, rx_packets, rx_foreign, rx_bad;
};

/*
 * Control thread: open a socket on `host` at the first free even port in
 * [port_min, port_max]. Returns 0 or a negative errno.
 */
int gw_rtp_session_alloc(struct gw_rtp_session **ret, const char *host,
			 int port_min, int port_max);
void gw_rtp_session_free(struct gw_rtp_session *s);
/* Control thread, before attach. */
int gw_rtp_session_set_remote(struct gw_rtp_session *s, const char *addr,
			      int port, int pt);

/* Media thread: send one card frame (GW_HW_FRAME_SAMPLES) as a packet. */
void gw_rtp_session_send(struct gw_rtp_session *s, const int16_t *frame,
			 int samples);
/* Media thread: drain the socket into the jitter buffer. */
void gw_rtp_session_recv(struct gw_rtp_session *s);
/* Media thread: one card frame for playout. */
void gw_rtp_session_play(struct gw_rtp_session *s, int16_t *frame,
			 int samples);

#endif
