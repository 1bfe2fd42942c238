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
 *
 * RFC 4733 telephone-events (DTMF, events 0-15) share the session's SSRC,
 * sequence numbers and timestamp clock with the audio when the control
 * thread sets a payload type (gw_rtp_session_set_te()):
 * - sending: the media thread reports each digit's start and end, as RTP
 *   timestamps of the (already suppressed, delayed) audio, with
 *   gw_rtp_session_dtmf_start()/_end(); gw_rtp_session_send() then sends,
 *   instead of the audio frames the digit covers (§2.5.1.2), one event
 *   packet per frame: marker and timestamp = digit start on the first,
 *   growing duration on each, and the final duration three times with the
 *   E bit (§2.5.1.4; the first end packet replaces that frame's audio, the
 *   two retransmissions go beside the audio of the following frames).
 * - receiving: event packets bypass the jitter buffer and are played at
 *   once (no shared timeline with the audio: a digit starts up to one
 *   jitter-buffer delay early, which no one hears). A new event (new
 *   timestamp or event code) starts its digit; the E bit ends it once it
 *   has played the signalled duration (at least 40 ms), and so does 200 ms
 *   without any packet for it; retransmitted updates and end packets of a
 *   digit already started or ended are ignored, so each digit plays once.
 *   gw_rtp_session_play_event() tells the media thread what to play.
 * Both directions are split into state machines on plain values
 * (gw_rtp_evtx_*, gw_rtp_evrx_*) that the unit tests drive without
 * sockets.
 */
#ifndef GW_RTP_H
#define GW_RTP_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dsp/codec.h"
#include "dsp/g711.h"
#include "dsp/plc.h"
#include "gateway/jbuf.h"
#include "gateway/rtcp.h"
#include "gateway/srtp.h"

#define GW_RTP_HDR_LEN 12
#define GW_RTP_RX_BATCH 4 /* datagrams per recvmmsg */
#define GW_RTP_ACC_SAMPLES 640 /* packetization buffer: 60 ms + a frame */
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

/* RFC 4733 §2.3 event payload (4 bytes). */
struct gw_rtp_event {
	uint8_t event;	   /* 0-9, 10 '*', 11 '#', 12-15 A-D, 16 flash */
	bool end;	   /* E bit */
	uint8_t volume;	   /* 0..63: -dBm0 */
	uint16_t duration; /* in timestamp units (samples at 8 kHz) */
};

#define GW_RTP_EVENT_LEN 4

/* Returns 4, or -ENOSPC / -EINVAL (volume > 63). */
int gw_rtp_event_encode(uint8_t *buf, size_t len, const struct gw_rtp_event *e);
/* Returns 0 or -EBADMSG (fewer than 4 bytes). */
int gw_rtp_event_decode(struct gw_rtp_event *e, const uint8_t *buf, size_t len);
/* DTMF digit <-> event code: -1 / 0 for anything else. */
int gw_rtp_event_of_digit(char digit);
char gw_rtp_digit_of_event(int event);

/*
 * Sender state machine. Digits come from start()/end() with timestamps on
 * the audio's RTP clock; frame() is called once per outgoing audio frame
 * [ts, ts + n) and says whether to send that frame's audio (*audio) and
 * whether to send an event packet (returns 1 and fills *ev, *ev_ts,
 * *marker) or not (returns 0).
 */
enum gw_rtp_evtx_state {
	GW_RTP_EVTX_IDLE = 0,
	GW_RTP_EVTX_PENDING, /* started at a timestamp still ahead */
	GW_RTP_EVTX_ACTIVE,  /* sending updates */
	GW_RTP_EVTX_ENDING,  /* end packets left to send */
};

struct gw_rtp_evtx {
	enum gw_rtp_evtx_state state;
	uint8_t event, volume;
	uint32_t start_ts, end_ts;
	bool end_known;
	int ends_left;
	bool first;	   /* the next packet is the digit's first */
	uint16_t duration; /* final duration, once ending */
	/* a digit that started while the previous one was still ending */
	bool next, next_end_known;
	uint8_t next_event, next_volume;
	uint32_t next_ts, next_end_ts;
	/* figures */
	uint32_t digits, packets;
};

void gw_rtp_evtx_reset(struct gw_rtp_evtx *tx);
void gw_rtp_evtx_start(struct gw_rtp_evtx *tx, int event, int volume,
		       uint32_t ts);
void gw_rtp_evtx_end(struct gw_rtp_evtx *tx, uint32_t ts);
int gw_rtp_evtx_frame(struct gw_rtp_evtx *tx, uint32_t ts, int n,
		      bool *audio, struct gw_rtp_event *ev, uint32_t *ev_ts,
		      bool *marker);

/* Receiver state machine. */
#define GW_RTP_EVRX_MIN_SAMPLES 320	/* play a digit for >= 40 ms */
#define GW_RTP_EVRX_TIMEOUT_SAMPLES 1600 /* 200 ms without news ends it */

struct gw_rtp_evrx {
	bool playing;
	bool have_last; /* last_*: the newest event started */
	uint32_t last_ssrc, last_ts;
	uint8_t last_event;
	bool ended;	     /* the E bit arrived for it */
	uint32_t target;     /* samples to play once ended */
	uint32_t played;     /* samples played so far */
	uint32_t quiet;	     /* samples since its last packet */
	uint8_t volume;
	bool start;	     /* tick(): a digit to start */
	/* figures */
	uint32_t digits, packets, dup_packets;
	/* the newest event that is no digit (16: flash), not played */
	bool have_other, other_new;
	uint32_t other_ssrc, other_ts;
	uint8_t other_event;
};

void gw_rtp_evrx_reset(struct gw_rtp_evrx *rx);
/* One event packet. Returns 1 if it starts a new digit, else 0. */
int gw_rtp_evrx_packet(struct gw_rtp_evrx *rx, uint32_t ssrc, uint32_t ts,
		       const struct gw_rtp_event *ev);
/*
 * Once per playout frame of n samples: returns how many samples from the
 * frame's start carry the digit (0: none playing); *start is set when the
 * digit begins in this frame, *event and *volume say which and how loud.
 */
int gw_rtp_evrx_tick(struct gw_rtp_evrx *rx, int n, bool *start, int *event,
		     int *volume);
/*
 * An event other than a digit (16..255; RFC 4733 §3.2: 16 = flash) that
 * began since the last call, once per event (its retransmissions and end
 * packets are not new): its code, or -1.
 */
int gw_rtp_evrx_other(struct gw_rtp_evrx *rx);

struct gw_rtp_session {
	int fd;
	int family; /* AF_INET or AF_INET6 */
	int local_port;
	/* set by the control thread before attach */
	struct sockaddr_storage remote;
	socklen_t remote_len;
	uint8_t pt; /* payload type of the audio, both ways */
	struct gw_codec *codec; /* NULL: G.711 by pt (0 PCMU, 8 PCMA) */
	uint32_t ts_mult; /* RTP clock / 8000 (Opus: 6) */
	bool rx_ts_init; /* rx_ts_last/rx_ts_ext valid */
	uint32_t rx_ts_last; /* received RTP timestamp, last packet */
	uint64_t rx_ts_ext; /* ... extended to 64 bits */
	int ptime_samples; /* our packets' length (ptime x 8) */
	int16_t acc[GW_RTP_ACC_SAMPLES]; /* samples waiting for a packet */
	int acc_n;
	uint32_t acc_ts; /* RTP timestamp of acc[0] */
	int cn_pt; /* comfort noise (RFC 3389) payload type, -1 none */
	bool cn_active; /* the peer's last packet was CN */
	float cn_amp; /* its noise level, as a uniform noise's peak */
	uint32_t cn_rng;
	int te_pt;  /* telephone-event payload type, both ways; -1 none */
	/* media thread */
	bool latched;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	bool marker_next;
	struct gw_jbuf jb;
	struct gw_plc *plc; /* the jitter buffer's loss concealment */
	struct gw_srtp *srtp; /* SRTP keys, or NULL: plain RTP */
	_Alignas(8) uint8_t pkt[GW_RTP_MAX_PACKET]; /* what we send */
	_Alignas(8) uint8_t rxbuf[GW_RTP_RX_BATCH][GW_RTP_MAX_PACKET];
	struct sockaddr_storage rxsrc[GW_RTP_RX_BATCH];
	int rtcp_poll; /* periods until the RTCP socket is read again */
	int16_t pcm[GW_RTP_MAX_PACKET];
	struct gw_rtp_evtx evtx;
	struct gw_rtp_evrx evrx;
	/* RTCP (RFC 3550) on local_port + 1, to the remote's port + 1 */
	int rtcp_fd;
	struct sockaddr_storage rtcp_remote;
	socklen_t rtcp_remote_len;
	bool rtcp_latched;
	struct gw_rtcp rtcp;
	uint32_t rtcp_rng;
	_Alignas(8) uint8_t rtcp_pkt[GW_RTCP_MAX_PACKET];
	/* counters, read by the control thread */
	atomic_uint_fast64_t rtcp_tx, rtcp_rx, rtcp_rx_bad;
	/* the latest report's figures, for status (set by the media thread) */
	atomic_uint_fast32_t q_loss_ppm, q_jitter_us, q_rtt_us, q_mos_x100;
	atomic_bool remote_bye;
	/*
	 * Set by the control thread while our direction is recvonly or
	 * inactive (the peer holds the call): no RTP nor event is sent, the
	 * timestamp keeps running and the first packet after has the
	 * marker; RTCP goes on.
	 */
	atomic_bool tx_off;
	atomic_uint_fast64_t tx_events, tx_event_packets, rx_events,
		rx_event_packets;
	atomic_uint_fast64_t tx_packets, rx_packets, rx_foreign, rx_bad;
	atomic_uint_fast64_t rx_cn_packets;
};

/*
 * Control thread: open a socket on `host` at the first free even port in
 * [port_min, port_max]. Returns 0 or a negative errno.
 */
int gw_rtp_session_alloc(struct gw_rtp_session **ret, const char *host,
			 int port_min, int port_max);
void gw_rtp_session_free(struct gw_rtp_session *s);
/*
 * Control thread, before attach: the jitter buffer's mode and delays
 * (gateway/jbuf.h; the default is adaptive 20..200 ms from 40 ms).
 */
int gw_rtp_session_set_jitter(struct gw_rtp_session *s,
			      const struct gw_jbuf_cfg *cfg);
/* Control thread: DSCP (0..63) of our RTP and RTCP packets (default 46). */
int gw_rtp_session_set_dscp(struct gw_rtp_session *s, int dscp);
/* Control thread, before attach. */
int gw_rtp_session_set_remote(struct gw_rtp_session *s, const char *addr,
			      int port, int pt);

/*
 * Control thread, before attach: the audio codec and its payload type
 * (after gw_rtp_session_set_remote()). Without it the session speaks
 * G.711 by the payload type given there. Opus's 48 kHz RTP clock cannot
 * carry our 8 kHz telephone-events: te is turned off for it.
 */
int gw_rtp_session_set_codec(struct gw_rtp_session *s, enum gw_codec_id id,
			     int pt);

/*
 * Media thread, during the call (GW_MEDIA_CMD_CODEC): switch to codec c
 * (made by the control thread for this session's ptime) and payload type
 * pt; returns the codec replaced, for the control thread to free.
 */
struct gw_codec *gw_rtp_session_swap_codec(struct gw_rtp_session *s,
					   struct gw_codec *c, int pt);

/*
 * Control thread, before attach (after set_codec): send packets of `ms`
 * (10..60, a multiple of 10, allowed for the codec); the card's 20 ms
 * frames are cut or gathered to it. Default 20. Returns 0 or -EINVAL.
 */
int gw_rtp_session_set_ptime(struct gw_rtp_session *s, int ms);

/*
 * Control thread, before attach: comfort noise (RFC 3389) payload type
 * the peer may send, or -1; CN packets then play as noise at their level
 * until the next audio.
 */
void gw_rtp_session_set_cn(struct gw_rtp_session *s, int cn_pt);

/*
 * Control thread, before attach: protect the stream (RTP and RTCP) with
 * ctx, which the session then owns (freed with it). NULL: plain RTP.
 */
void gw_rtp_session_set_srtp(struct gw_rtp_session *s, struct gw_srtp *ctx);

/* Control thread, before attach: telephone-event payload type or -1. */
int gw_rtp_session_set_te(struct gw_rtp_session *s, int te_pt);

/*
 * Media thread, with te_pt set: a digit starts / ends at RTP timestamp ts
 * of the audio stream. volume: 0..63 (-dBm0).
 */
void gw_rtp_session_dtmf_start(struct gw_rtp_session *s, char digit,
			       int volume, uint32_t ts);
void gw_rtp_session_dtmf_end(struct gw_rtp_session *s, uint32_t ts);
/*
 * Media thread: what to play for received events this frame; see
 * gw_rtp_evrx_tick().
 */
int gw_rtp_session_play_event(struct gw_rtp_session *s, int n, bool *start,
			      int *event, int *volume);

/*
 * Media thread: send one card frame (GW_HW_FRAME_SAMPLES) as a packet, or
 * the telephone-event packets that replace it.
 */
void gw_rtp_session_send(struct gw_rtp_session *s, const int16_t *frame,
			 int samples);
/*
 * Media thread, once per card period: drain the socket into the jitter
 * buffer, then the RTCP socket, and send our RTCP report when due.
 */
void gw_rtp_session_recv(struct gw_rtp_session *s);
/*
 * Control thread, once the session is back from the media thread: send a
 * last report with BYE; *st gets the call's receive figures.
 */
void gw_rtp_session_bye(struct gw_rtp_session *s, struct gw_rtcp_stats *st);

/* Media thread: one card frame for playout. */
void gw_rtp_session_play(struct gw_rtp_session *s, int16_t *frame,
			 int samples);

#endif
