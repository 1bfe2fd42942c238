/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtcp: RTCP (RFC 3550) statistics, report coding and call quality for one
 * RTP session: what we receive from the one remote source, what we send,
 * SR/RR + SDES (+ XR VoIP Metrics, RFC 3611 §4.7) (+ BYE) compound packets
 * out, and the same packets in, and an E-model (ITU-T G.107) R-factor and
 * MOS estimate.
 *
 * What it does not do: sockets, timers, allocation. The caller (the RTP
 * session on the media thread) feeds it every received and sent RTP
 * packet, every received RTCP datagram, and asks it when a report is due;
 * times come from the caller (an NTP timestamp for the wall clock, the RTP
 * timestamp clock for arrivals), so everything here is deterministic and
 * unit-tested without a network. All state is embedded in struct gw_rtcp,
 * which the caller stores (_init, no _release); every call is O(1) per
 * packet (a loss run of any length costs the same as one loss) except the
 * report encoders, which walk at most 64 window positions.
 *
 * How:
 * - Receiver statistics follow RFC 3550 Appendix A: A.1 sequence
 *   validation (probation of MIN_SEQUENTIAL packets for a new source,
 *   MAX_DROPOUT / MAX_MISORDER, a resync after two sequential packets of a
 *   large jump, 16-bit wrap counted in `cycles`), A.3 cumulative and
 *   interval ("fraction") loss, clamped to the 24-bit signed field, and
 *   A.8 interarrival jitter (integer form, scaled by 16). Duplicates count
 *   as received, as the RFC says (so loss can go negative).
 * - A new SSRC does not displace the current source on one packet: it
 *   must send MIN_SEQUENTIAL sequential packets with no packet of the
 *   current source in between (the A.1 probation applied to a change),
 *   then every receiver figure restarts for it.
 * - RFC 3611 burst/gap metrics run the Appendix A.2 state machine with
 *   Gmin = 16 over each sequence position in order: received, lost, or
 *   discarded by the jitter buffer. Positions are held back in a 64-packet
 *   reorder window (a bitmap) before they enter the state machine, so a
 *   reordered packet is not mistaken for a loss and a duplicate is seen as
 *   one; a report evaluates the window as it stands on a copy of the state.
 *   The same stream feeds a two-state (Gilbert) model whose BurstR =
 *   1 / (p + q) goes into the E-model (ITU-T G.113 Appendix I).
 * - Discards: RFC 3611 §4.7.1 counts packets the jitter buffer dropped for
 *   late or early arrival, under-run or overflow, and excludes duplicates;
 *   the jitter buffer reports those with gw_rtcp_rx_discard(), duplicates
 *   are found here (dup_packets) and stay out of the discard rate.
 * - Round-trip time: RFC 3550 §6.4.1, A - LSR - DLSR in 1/65536 s, from a
 *   report block about our SSRC whose LSR is not zero.
 * - Report interval: RFC 3550 §6.3 / A.7 (5 s minimum, 2.5 s for the
 *   first report, randomised by 0.5..1.5 and divided by e - 3/2), with
 *   the random number passed in.
 * - E-model: R = 93.2 - Id - Ie,eff (G.107 with its default parameters,
 *   so Ro - Is - Idle = 93.2, A = 0), Id = Idte + Idd with TELR = 65 dB and
 *   T = Ta = the one-way delay; Ie,eff = Ie + (95 - Ie) Ppl / (Ppl/BurstR
 *   + Bpl); MOS from R by G.107 Annex B. Ie/Bpl: see enum gw_rtcp_codec.
 *   MOS-LQ is the listening quality (Id = 0), MOS-CQ and the R factor are
 *   conversational (Id from RTT/2 + end-system delay).
 * - Decoding validates per RFC 3550 A.2 (version 2, the first packet SR or
 *   RR without padding, padding only in the last packet, lengths summing
 *   exactly to the datagram) and bounds-checks every field, report block,
 *   SDES item, BYE list and XR block; malformed input returns -EBADMSG.
 *
 * No library is used: Debian's RTCP code (libortp, libre) allocates per
 * packet and ties RTCP to its own sessions and sockets, and none of it
 * computes the RFC 3611 VoIP block; the wire formats here are small.
 *
 * Specs: RFC 3550 §6, Appendix A.1/A.2/A.3/A.7/A.8; RFC 3611 §4.7 and
 * Appendix A.2; ITU-T G.107 (06/2015) §3, Annex B; ITU-T G.113 Appendix I.
 */
#ifndef GW_RTCP_H
#define GW_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define GW_RTCP_SR 200
#define GW_RTCP_RR 201
#define GW_RTCP_SDES 202
#define GW_RTCP_BYE 203
#define GW_RTCP_APP 204
#define GW_RTCP_XR 207

#define GW_RTCP_MIN_SEQUENTIAL 2
#define GW_RTCP_MAX_DROPOUT 3000
#define GW_RTCP_MAX_MISORDER 100
#define GW_RTCP_GMIN 16
#define GW_RTCP_WINDOW 64 /* reorder window of the burst/gap metrics */
#define GW_RTCP_CNAME_MAX 255
#define GW_RTCP_MAX_PACKET 1500
/* RFC 3611 §4.7: "unavailable" for the levels, R factors and MOS fields */
#define GW_RTCP_UNAVAILABLE 127

/*
 * Codecs of the E-model, with (Ie, Bpl):
 * - G711: 0, 25.1 (G.113 App. I, G.711 with PLC of G.711 Appendix I)
 * - G711_NOPLC: 0, 4.3 (G.113 App. I, random loss, no concealment)
 * - G729: 11, 19 (G.113 App. I, G.729A + VAD)
 * - G722: 0, 25.1 -- our choice. G.113's wideband values are on the
 *   G.107.1 scale (Rmax 129); on the narrowband scale G.722 at 64 kbit/s
 *   is no worse than G.711, and it is concealed like G.711 with PLC.
 * - OPUS: 0, 20 -- our choice. Opus at the 24+ kbit/s we use is
 *   transparent on the narrowband scale; G.113 lists no Bpl for it, and its
 *   built-in concealment is taken between G.729's 19 and G.711 PLC's 25.1.
 */
enum gw_rtcp_codec {
	GW_RTCP_CODEC_G711 = 0,
	GW_RTCP_CODEC_G711_NOPLC,
	GW_RTCP_CODEC_G729,
	GW_RTCP_CODEC_G722,
	GW_RTCP_CODEC_OPUS,
	GW_RTCP_CODEC_COUNT,
};

/*
 * E-model. loss_pct: packet loss (lost + discarded) in percent, 0..100;
 * burst_ratio: BurstR >= 1 (1 = random loss); delay_ms: one-way absolute
 * delay Ta. Writes R (0..100) and MOS (1..4.5). Returns 0 or -EINVAL.
 */
int gw_rtcp_mos(enum gw_rtcp_codec codec, double loss_pct, double burst_ratio,
		double delay_ms, double *r, double *mos);
/* G.107 Annex B: MOS of a rating R. */
double gw_rtcp_mos_of_r(double r);

/* RFC 3611 §4.7: the VoIP Metrics report block (BT = 7), field by field. */
struct gw_rtcp_voip_metrics {
	uint32_t ssrc;		/* the source reported on */
	uint8_t loss_rate;	/* fraction * 256 since reception began */
	uint8_t discard_rate;	/* likewise */
	uint8_t burst_density;	/* fraction * 256 lost+discarded in bursts */
	uint8_t gap_density;	/* likewise, in gaps */
	uint16_t burst_duration_ms; /* mean */
	uint16_t gap_duration_ms;   /* mean */
	uint16_t round_trip_delay_ms;
	uint16_t end_system_delay_ms;
	int8_t signal_level;	/* dBm0, 127 unavailable */
	int8_t noise_level;	/* dBm0, 127 unavailable */
	uint8_t rerl;		/* residual echo return loss, dB; 127 unav. */
	uint8_t gmin;
	uint8_t r_factor;	/* 0..120, 127 unavailable */
	uint8_t ext_r_factor;	/* 127 unavailable */
	uint8_t mos_lq;		/* MOS * 10, 10..50; 127 unavailable */
	uint8_t mos_cq;
	uint8_t rx_config;	/* PLC(2) JBA(2) JB rate(4), §4.7.6 */
	uint16_t jb_nominal_ms;
	uint16_t jb_maximum_ms;
	uint16_t jb_abs_max_ms;
};

#define GW_RTCP_VOIP_BLOCK_LEN 36

/* rx_config bits */
#define GW_RTCP_RXC_PLC_ENHANCED 0xc0
#define GW_RTCP_RXC_PLC_STANDARD 0x80
#define GW_RTCP_RXC_PLC_DISABLED 0x40
#define GW_RTCP_RXC_JB_ADAPTIVE 0x30
#define GW_RTCP_RXC_JB_FIXED 0x20

/* Encode one block into 36 bytes. Returns 36 or -ENOSPC. */
int gw_rtcp_voip_encode(uint8_t *buf, size_t len,
			const struct gw_rtcp_voip_metrics *vm);
/* Decode a 36-byte block (BT 7, block length 8). 0 or -EBADMSG. */
int gw_rtcp_voip_decode(struct gw_rtcp_voip_metrics *vm, const uint8_t *buf,
			size_t len);

/* RFC 3550 §6.4.1 report block. */
struct gw_rtcp_report_block {
	uint32_t ssrc;
	uint8_t fraction_lost; /* lost/expected * 256 in the interval */
	int32_t cum_lost;      /* 24-bit signed */
	uint32_t ext_max_seq;
	uint32_t jitter;       /* timestamp units */
	uint32_t lsr, dlsr;    /* NTP middle 32 bits; 1/65536 s */
};

struct gw_rtcp_sender_info {
	uint64_t ntp;
	uint32_t rtp_ts, packets, octets;
};

/* What a received compound packet said. */
struct gw_rtcp_info {
	unsigned packets;	/* RTCP packets in the compound */
	uint32_t ssrc;		/* sender, from the first packet */
	bool sr;		/* sender info below is valid */
	struct gw_rtcp_sender_info si;
	unsigned blocks;	/* report blocks in SR/RR, any source */
	bool rb;		/* a block about our SSRC: rb below */
	struct gw_rtcp_report_block rb_us;
	bool rtt;		/* rb had LSR != 0 and now >= LSR + DLSR (or
				 * short of it by < 10 ms: a ~0 round trip) */
	uint32_t rtt_ntp;	/* round trip, 1/65536 s */
	char cname[GW_RTCP_CNAME_MAX + 1]; /* the sender's, "" if none */
	bool bye;
	unsigned bye_count;	/* SSRCs in BYE (at most 31 kept) */
	uint32_t bye_ssrc[31];
	bool xr_voip;		/* a VoIP Metrics block about our SSRC */
	struct gw_rtcp_voip_metrics xr;
};

/*
 * Parse and validate a compound RTCP datagram (RFC 3550 A.2). our_ssrc
 * selects the report block and XR block that concern us; now_ntp is the
 * arrival time (64-bit NTP) for the round-trip time. Returns the number of
 * RTCP packets (>= 1) or -EBADMSG; *info is undefined on error.
 */
int gw_rtcp_decode(struct gw_rtcp_info *info, const uint8_t *buf, size_t len,
		   uint32_t our_ssrc, uint64_t now_ntp);

/* 64-bit NTP timestamp of a CLOCK_REALTIME time. */
uint64_t gw_rtcp_ntp_of_timespec(const struct timespec *ts);
/* 1/65536 s units -> ms (rounded). */
uint32_t gw_rtcp_ntp16_to_ms(uint32_t v);

/*
 * RFC 3550 A.7: the next report interval in ms. members and senders count
 * us; rtcp_bw_bps: the session's RTCP bandwidth in octets/s (5 % of the
 * session bandwidth); avg_rtcp_size in octets with UDP/IP headers;
 * initial: no report sent yet; rnd: a uniform random number (from the
 * kernel's random source; a constant in tests).
 */
uint32_t gw_rtcp_interval_ms(int members, int senders, double rtcp_bw_bps,
			     bool we_sent, double avg_rtcp_size, bool initial,
			     uint32_t rnd);

struct gw_rtcp_params {
	uint32_t ssrc;		/* ours, as in our RTP packets */
	const char *cname;	/* SDES CNAME, at most 255 bytes */
	uint32_t clock_rate;	/* RTP clock, e.g. 8000 */
	unsigned ptime_ms;	/* packet duration, for burst/gap durations */
	enum gw_rtcp_codec codec;
	uint32_t session_bw_bps; /* bits/s incl. headers; RTCP gets 5 % */
};

/* The RFC 3611 A.2 burst/gap state and the Gilbert transition counts. */
struct gw_rtcp_burst {
	uint32_t pkt, lost;	/* A.2's variables */
	uint32_t c11, c13, c14, c22, c23, c33;
	uint32_t loss_count, discard_count;
	uint8_t prev;		/* 0 none yet, 1 found, 2 lost */
	uint32_t n_fl, n_lf, n_from_found, n_from_lost;
};

struct gw_rtcp {
	/* configuration */
	uint32_t ssrc;
	char cname[GW_RTCP_CNAME_MAX + 1];
	uint32_t clock_rate;
	unsigned ptime_ms;
	enum gw_rtcp_codec codec;
	uint32_t session_bw_bps;
	/* sender */
	uint32_t tx_packets, tx_octets;
	bool sent_this_interval, sent_last_interval;
	/* the remote source (RFC 3550 A.1) */
	bool src_seen;		/* a source (maybe on probation) exists */
	bool src_valid;		/* it passed probation */
	uint32_t src_ssrc;
	uint16_t max_seq;
	uint32_t cycles;	/* shifted count of wraps */
	uint32_t base_seq;
	uint32_t bad_seq;
	uint32_t probation;
	uint32_t received;
	uint32_t expected_prior, received_prior;
	bool have_transit;
	uint32_t transit;
	uint32_t jitter_q4;	/* jitter * 16, timestamp units */
	bool rx_this_interval;
	/* a competing SSRC on probation */
	uint32_t cand_ssrc, cand_count;
	uint16_t cand_seq;
	/* burst/gap window and figures */
	uint64_t win_rx, win_dis;
	uint32_t win_top;	/* extended seq of bit 0 */
	uint32_t commit_next;	/* next extended seq entering the machine */
	struct gw_rtcp_burst burst;
	uint32_t discarded, dup_packets;
	uint32_t ssrc_changes, resyncs;
	/* round trip */
	bool have_lsr;
	uint32_t lsr;		/* middle 32 bits of the last SR's NTP */
	uint64_t lsr_arrival;	/* our NTP time when it arrived */
	bool have_rtt;
	uint32_t rtt_ntp;	/* latest round trip, 1/65536 s */
	/* XR inputs from the caller */
	uint16_t end_system_delay_ms;
	int8_t signal_level, noise_level;
	uint8_t rerl;
	uint8_t rx_config;
	uint16_t jb_nominal_ms, jb_maximum_ms, jb_abs_max_ms;
	/* scheduling */
	bool initial;		/* no report sent yet */
	double avg_rtcp_size;
	uint64_t next_report_ms;
	bool scheduled;
	/* what the peer last told us */
	bool remote_rb;
	struct gw_rtcp_report_block remote;
	bool remote_xr;
	struct gw_rtcp_voip_metrics remote_vm;
	bool remote_bye;
	uint32_t rx_reports, tx_reports, rx_bad;
};

/* Setup (control thread). Returns 0 or -EINVAL. */
int gw_rtcp_init(struct gw_rtcp *st, const struct gw_rtcp_params *p);

/* Verdicts of gw_rtcp_rx_packet(). */
enum gw_rtcp_rx_verdict {
	GW_RTCP_RX_HOLD = 0,	/* probation, candidate SSRC or a jump */
	GW_RTCP_RX_OK = 1,
	GW_RTCP_RX_DUPLICATE = 2, /* seen before (within the window) */
	GW_RTCP_RX_RESTART = 3,	/* new source or resync: counted, restart */
};

/*
 * Per received RTP packet of the audio stream (not telephone-events:
 * they share the clock but their timestamps are the event start).
 * arrival: arrival time on the RTP clock (any origin).
 */
enum gw_rtcp_rx_verdict gw_rtcp_rx_packet(struct gw_rtcp *st, uint32_t ssrc,
					  uint16_t seq, uint32_t ts,
					  uint32_t arrival);
/*
 * Per received RFC 4733 telephone-event packet of the same stream: they
 * take sequence numbers from the audio (so they count for loss) but their
 * timestamp is the event's start, so they stay out of the jitter.
 */
enum gw_rtcp_rx_verdict gw_rtcp_rx_event_packet(struct gw_rtcp *st,
						uint32_t ssrc, uint16_t seq);
/*
 * The jitter buffer dropped this packet (late, early, overflow); not for
 * duplicates.
 */
void gw_rtcp_rx_discard(struct gw_rtcp *st, uint16_t seq);
/* Per sent RTP packet (audio and events): payload octets. */
void gw_rtcp_tx_packet(struct gw_rtcp *st, size_t payload_octets);

/* XR inputs; 127 = unavailable for the levels. */
void gw_rtcp_set_end_system_delay(struct gw_rtcp *st, unsigned delay_ms);
void gw_rtcp_set_levels(struct gw_rtcp *st, int signal_dbm0, int noise_dbm0,
			int rerl_db);
void gw_rtcp_set_jb(struct gw_rtcp *st, bool adaptive, bool plc,
		    unsigned nominal_ms, unsigned max_ms, unsigned abs_max_ms);

/*
 * Encode our compound report: SR (if we sent RTP in this or the previous
 * interval, RFC 3550 §6.4) or RR, with one report block for the remote
 * source once it passed probation; SDES CNAME; with GW_RTCP_F_XR an XR
 * packet with a VoIP Metrics block; with GW_RTCP_F_BYE a BYE (reason may
 * be NULL). now_ntp: 64-bit NTP wall clock; now_rtp: our RTP timestamp at
 * that instant. Starts a new report interval. Returns the length, or
 * -ENOSPC (state untouched).
 */
#define GW_RTCP_F_XR 1u
#define GW_RTCP_F_BYE 2u
int gw_rtcp_encode(struct gw_rtcp *st, uint8_t *buf, size_t len,
		   uint64_t now_ntp, uint32_t now_rtp, unsigned flags,
		   const char *reason);

/*
 * Per received RTCP datagram: decode (see gw_rtcp_decode()), then keep
 * the SR time for our next LSR/DLSR, the round-trip time, the peer's
 * report and XR, and remote_bye if the remote source said BYE. Returns
 * the packet count or -EBADMSG (counted in rx_bad).
 */
int gw_rtcp_rx_rtcp(struct gw_rtcp *st, const uint8_t *buf, size_t len,
		    uint64_t now_ntp, struct gw_rtcp_info *info);

/* Our current VoIP metrics about the remote source (what XR would send). */
void gw_rtcp_voip_metrics(const struct gw_rtcp *st,
			  struct gw_rtcp_voip_metrics *vm);

/* Figures for status and CDRs, computed from the state. */
struct gw_rtcp_stats {
	uint32_t received, expected, dup_packets, discarded;
	int32_t cum_lost;
	double loss_pct;	/* (lost + discarded) / expected */
	double jitter_ms;
	double burst_ratio;
	bool rtt_valid;
	double rtt_ms;
	double r, mos_lq, mos_cq;
	uint32_t ssrc_changes;
};

void gw_rtcp_stats(const struct gw_rtcp *st, struct gw_rtcp_stats *out);

/*
 * Scheduling: true when a report is due at now_ms (a monotonic ms clock);
 * the first call schedules the first report. rnd as for
 * gw_rtcp_interval_ms(); after sending, the next poll reschedules.
 */
bool gw_rtcp_due(struct gw_rtcp *st, uint64_t now_ms, uint32_t rnd);

#endif
