// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtcp: RFC 3550 receiver/sender statistics and compound packets, RFC 3611
 * VoIP metrics, ITU-T G.107 E-model. See gateway/rtcp.h.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "gateway/rtcp.h"

#define RTP_SEQ_MOD (1u << 16)
#define NTP_UNIX_OFFSET 2208988800u /* 1900-01-01 to 1970-01-01, s */
#define UDP_IP_OVERHEAD 28

/* ---- byte order ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t ntp_mid(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

uint64_t gw_rtcp_ntp_of_timespec(const struct timespec *ts)
{
	uint64_t sec = (uint64_t)ts->tv_sec + NTP_UNIX_OFFSET;
	uint64_t frac = ((uint64_t)ts->tv_nsec << 32) / 1000000000u;

	return sec << 32 | (frac & 0xffffffffu);
}

uint32_t gw_rtcp_ntp16_to_ms(uint32_t v)
{
	return (uint32_t)(((uint64_t)v * 1000 + 32768) >> 16);
}

/* ---- E-model (ITU-T G.107, G.113 Appendix I) ---- */

static const struct {
	double ie, bpl;
} codecs[GW_RTCP_CODEC_COUNT] = {
	[GW_RTCP_CODEC_G711] = { 0, 25.1 },
	[GW_RTCP_CODEC_G711_NOPLC] = { 0, 4.3 },
	[GW_RTCP_CODEC_G729] = { 11, 19 },
	[GW_RTCP_CODEC_G722] = { 0, 25.1 },
	[GW_RTCP_CODEC_OPUS] = { 0, 20 },
};

/* G.107 §3.2 No, the total noise power, with the default parameters. */
static double g107_no(void)
{
	const double slr = 8, rlr = 2, lstr = 18, ds = 3, ps = 35, pr = 35;
	const double nc = -70, nfor = -64, olr = slr + rlr;
	double pre = pr + 10 * log10(1 + pow(10, (10 - lstr) / 10));
	double nor = rlr - 121 + pre + 0.008 * (pre - 35) * (pre - 35);
	double nos = ps - slr - ds - 100 +
		     0.004 * (ps - olr - ds - 14) * (ps - olr - ds - 14);
	double nfo = nfor + rlr;

	return 10 * log10(pow(10, nc / 10) + pow(10, nos / 10) +
			  pow(10, nor / 10) + pow(10, nfo / 10));
}

/* G.107 §3.4: talker echo impairment, TELR 65 dB, echo delay T. */
static double idte(double t)
{
	const double telr = 65, rlr = 2;
	double roe = -1.5 * (g107_no() - rlr);
	double terv = telr - 40 * log10((1 + t / 10) / (1 + t / 150)) +
		      6 * exp(-0.3 * t * t);
	double re = 80 + 2.5 * (terv - 14);
	double d = roe - re;

	return (d / 2 + sqrt(d * d / 4 + 100) - 1) * (1 - exp(-t));
}

/* G.107 §3.4: impairment of a long absolute delay Ta. */
static double idd(double ta)
{
	double x;

	if (ta <= 100)
		return 0;
	x = log10(ta / 100) / log10(2);
	return 25 * (pow(1 + pow(x, 6), 1.0 / 6) -
		     3 * pow(1 + pow(x / 3, 6), 1.0 / 6) + 2);
}

double gw_rtcp_mos_of_r(double r)
{
	if (r <= 0)
		return 1;
	if (r >= 100)
		return 4.5;
	double mos = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;

	return mos < 1 ? 1 : mos;
}

int gw_rtcp_mos(enum gw_rtcp_codec codec, double loss_pct, double burst_ratio,
		double delay_ms, double *r, double *mos)
{
	double ie, bpl, ppl, ie_eff, id, rr;

	if ((unsigned)codec >= GW_RTCP_CODEC_COUNT || !(loss_pct >= 0) ||
	    !(loss_pct <= 100) || !(burst_ratio > 0) || !(delay_ms >= 0))
		return -EINVAL;
	ie = codecs[codec].ie;
	bpl = codecs[codec].bpl;
	ppl = loss_pct;
	ie_eff = ie + (95 - ie) * ppl / (ppl / burst_ratio + bpl);
	id = delay_ms > 0 ? idte(delay_ms) + idd(delay_ms) : 0;
	rr = 93.2 - id - ie_eff;
	if (rr < 0)
		rr = 0;
	if (rr > 100)
		rr = 100;
	*r = rr;
	*mos = gw_rtcp_mos_of_r(rr);
	return 0;
}

/* ---- report interval (RFC 3550 A.7) ---- */

uint32_t gw_rtcp_interval_ms(int members, int senders, double rtcp_bw_bps,
			     bool we_sent, double avg_rtcp_size, bool initial,
			     uint32_t rnd)
{
	const double min_time = initial ? 2.5 : 5.0;
	const double sender_fraction = 0.25;
	const double compensation = 2.71828 - 1.5;
	double t, bw = rtcp_bw_bps > 0 ? rtcp_bw_bps : 1;
	int n = members < 1 ? 1 : members;

	if (senders <= n * sender_fraction) {
		if (we_sent) {
			bw *= sender_fraction;
			n = senders < 1 ? 1 : senders;
		} else {
			bw *= 1 - sender_fraction;
			n -= senders;
			if (n < 1)
				n = 1;
		}
	}
	t = avg_rtcp_size * n / bw;
	if (t < min_time)
		t = min_time;
	t *= 0.5 + rnd / 4294967296.0;
	t /= compensation;
	return (uint32_t)(t * 1000 + 0.5);
}

/* ---- state ---- */

int gw_rtcp_init(struct gw_rtcp *st, const struct gw_rtcp_params *p)
{
	size_t n;

	if (!st || !p || !p->cname || p->clock_rate == 0 ||
	    (unsigned)p->codec >= GW_RTCP_CODEC_COUNT || p->ptime_ms == 0 ||
	    p->ptime_ms > 1000)
		return -EINVAL;
	n = strlen(p->cname);
	if (n == 0 || n > GW_RTCP_CNAME_MAX)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->ssrc = p->ssrc;
	memcpy(st->cname, p->cname, n + 1);
	st->clock_rate = p->clock_rate;
	st->ptime_ms = p->ptime_ms;
	st->codec = p->codec;
	st->session_bw_bps = p->session_bw_bps ? p->session_bw_bps : 80000;
	st->signal_level = GW_RTCP_UNAVAILABLE;
	st->noise_level = GW_RTCP_UNAVAILABLE;
	st->rerl = GW_RTCP_UNAVAILABLE;
	st->initial = true;
	st->avg_rtcp_size = 128; /* a guess until the first packet */
	return 0;
}

void gw_rtcp_set_end_system_delay(struct gw_rtcp *st, unsigned delay_ms)
{
	st->end_system_delay_ms = (uint16_t)(delay_ms > 65535 ? 65535 :
								 delay_ms);
}

static int8_t level(int v)
{
	if (v == GW_RTCP_UNAVAILABLE)
		return GW_RTCP_UNAVAILABLE;
	return (int8_t)(v < -126 ? -126 : v > 126 ? 126 : v);
}

void gw_rtcp_set_levels(struct gw_rtcp *st, int signal_dbm0, int noise_dbm0,
			int rerl_db)
{
	st->signal_level = level(signal_dbm0);
	st->noise_level = level(noise_dbm0);
	if (rerl_db == GW_RTCP_UNAVAILABLE || rerl_db < 0)
		st->rerl = GW_RTCP_UNAVAILABLE;
	else
		st->rerl = (uint8_t)(rerl_db > 126 ? 126 : rerl_db);
}

static uint16_t ms16(unsigned v)
{
	return (uint16_t)(v > 65535 ? 65535 : v);
}

void gw_rtcp_set_jb(struct gw_rtcp *st, bool adaptive, bool plc,
		    unsigned nominal_ms, unsigned max_ms, unsigned abs_max_ms)
{
	st->rx_config = (uint8_t)((plc ? GW_RTCP_RXC_PLC_STANDARD :
					 GW_RTCP_RXC_PLC_DISABLED) |
				  (adaptive ? GW_RTCP_RXC_JB_ADAPTIVE :
					      GW_RTCP_RXC_JB_FIXED));
	st->jb_nominal_ms = ms16(nominal_ms);
	st->jb_maximum_ms = ms16(max_ms);
	st->jb_abs_max_ms = ms16(abs_max_ms);
}

void gw_rtcp_tx_packet(struct gw_rtcp *st, size_t payload_octets)
{
	st->tx_packets++;
	st->tx_octets += (uint32_t)payload_octets;
	st->sent_this_interval = true;
}

/* ---- burst/gap state machine (RFC 3611 Appendix A.2) ---- */

enum pos_kind { POS_FOUND = 1, POS_LOST, POS_DISCARDED };

static void markov(struct gw_rtcp_burst *b, uint8_t s)
{
	if (b->prev == 1) {
		b->n_from_found++;
		if (s == 2)
			b->n_fl++;
	} else if (b->prev == 2) {
		b->n_from_lost++;
		if (s == 1)
			b->n_lf++;
	}
	b->prev = s;
}

static void commit(struct gw_rtcp_burst *b, enum pos_kind k)
{
	if (k == POS_FOUND) {
		b->pkt++;
		markov(b, 1);
		return;
	}
	if (k == POS_LOST)
		b->loss_count++;
	else
		b->discard_count++;
	if (b->pkt >= GW_RTCP_GMIN) {
		if (b->lost == 1)
			b->c14++;
		else
			b->c13++;
		b->lost = 1;
		b->c11 += b->pkt;
	} else {
		b->lost++;
		if (b->pkt == 0) {
			b->c33++;
		} else {
			b->c23++;
			b->c22 += b->pkt - 1;
		}
	}
	b->pkt = 0;
	markov(b, 2);
}

/* n >= 1 consecutive losses in O(1). */
static void commit_lost_run(struct gw_rtcp_burst *b, uint32_t n)
{
	commit(b, POS_LOST);
	n--;
	b->loss_count += n;
	b->lost += n;
	b->c33 += n;
	b->n_from_lost += n;
}

static enum pos_kind window_kind(const struct gw_rtcp *st, uint32_t pos)
{
	uint32_t back = st->win_top - pos; /* 0..63 */

	if (!(st->win_rx >> back & 1))
		return POS_LOST;
	return st->win_dis >> back & 1 ? POS_DISCARDED : POS_FOUND;
}

/* Move the window's top to new_top, committing what falls out. */
static void advance(struct gw_rtcp *st, uint32_t new_top)
{
	uint32_t end = new_top - (GW_RTCP_WINDOW - 1); /* first one kept */
	uint32_t shift = new_top - st->win_top;

	while ((int32_t)(end - st->commit_next) > 0) {
		uint32_t p = st->commit_next;

		if ((int32_t)(p - st->win_top) > 0) {
			commit_lost_run(&st->burst, end - p);
			st->commit_next = end;
			break;
		}
		commit(&st->burst, window_kind(st, p));
		st->commit_next++;
	}
	if (shift >= GW_RTCP_WINDOW) {
		st->win_rx = 0;
		st->win_dis = 0;
	} else {
		st->win_rx <<= shift;
		st->win_dis <<= shift;
	}
	st->win_top = new_top;
}

/* The state machine as if every position up to the top were settled. */
static void settled_burst(const struct gw_rtcp *st, struct gw_rtcp_burst *b)
{
	*b = st->burst;
	if (!st->src_valid)
		return;
	for (uint32_t p = st->commit_next; (int32_t)(st->win_top - p) >= 0;
	     p++)
		commit(b, window_kind(st, p));
}

/* ---- receiving RTP (RFC 3550 A.1, A.8) ---- */

static void restart_source(struct gw_rtcp *st, uint16_t seq)
{
	/* A.1 init_seq() */
	st->base_seq = seq;
	st->max_seq = seq;
	st->bad_seq = RTP_SEQ_MOD + 1;
	st->cycles = 0;
	st->received = 0;
	st->received_prior = 0;
	st->expected_prior = 0;
	/* and every figure derived from the sequence */
	st->have_transit = false;
	st->jitter_q4 = 0;
	st->win_rx = 0;
	st->win_dis = 0;
	st->win_top = seq;
	st->commit_next = seq;
	memset(&st->burst, 0, sizeof(st->burst));
	st->discarded = 0;
	st->dup_packets = 0;
	st->src_valid = true;
}

static enum gw_rtcp_rx_verdict update_seq(struct gw_rtcp *st, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - st->max_seq);

	if (st->probation) {
		if (seq == (uint16_t)(st->max_seq + 1)) {
			st->probation--;
			st->max_seq = seq;
			if (st->probation == 0) {
				restart_source(st, seq);
				return GW_RTCP_RX_RESTART;
			}
		} else {
			st->probation = GW_RTCP_MIN_SEQUENTIAL - 1;
			st->max_seq = seq;
		}
		return GW_RTCP_RX_HOLD;
	}
	if (udelta < GW_RTCP_MAX_DROPOUT) {
		if (seq < st->max_seq)
			st->cycles += RTP_SEQ_MOD; /* wrapped */
		st->max_seq = seq;
		return GW_RTCP_RX_OK;
	}
	if (udelta <= RTP_SEQ_MOD - GW_RTCP_MAX_MISORDER) {
		if (seq == st->bad_seq) {
			/* two sequential packets after a jump: resync */
			restart_source(st, seq);
			st->resyncs++;
			return GW_RTCP_RX_RESTART;
		}
		st->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
		return GW_RTCP_RX_HOLD;
	}
	return GW_RTCP_RX_OK; /* duplicate or reordered */
}

static void new_source(struct gw_rtcp *st, uint32_t ssrc, uint16_t seq)
{
	st->src_seen = true;
	st->src_valid = false;
	st->src_ssrc = ssrc;
	st->max_seq = (uint16_t)(seq - 1);
	st->bad_seq = RTP_SEQ_MOD + 1;
	st->probation = GW_RTCP_MIN_SEQUENTIAL;
	st->cand_count = 0;
}

static enum gw_rtcp_rx_verdict rx(struct gw_rtcp *st, uint32_t ssrc,
				   uint16_t seq, uint32_t ts, uint32_t arrival,
				   bool timing);

enum gw_rtcp_rx_verdict gw_rtcp_rx_packet(struct gw_rtcp *st, uint32_t ssrc,
					  uint16_t seq, uint32_t ts,
					  uint32_t arrival)
{
	return rx(st, ssrc, seq, ts, arrival, true);
}

enum gw_rtcp_rx_verdict gw_rtcp_rx_event_packet(struct gw_rtcp *st,
						uint32_t ssrc, uint16_t seq)
{
	return rx(st, ssrc, seq, 0, 0, false);
}

static enum gw_rtcp_rx_verdict rx(struct gw_rtcp *st, uint32_t ssrc,
				   uint16_t seq, uint32_t ts, uint32_t arrival,
				   bool timing)
{
	enum gw_rtcp_rx_verdict v;
	uint32_t ext, back;
	bool dup = false;

	if (!st->src_seen) {
		new_source(st, ssrc, seq);
	} else if (ssrc != st->src_ssrc && !st->src_valid) {
		/* the current one never passed probation: no contest */
		new_source(st, ssrc, seq);
	} else if (ssrc != st->src_ssrc) {
		/* a new SSRC must be sustained before it replaces ours */
		if (st->cand_count && st->cand_ssrc == ssrc &&
		    seq == (uint16_t)(st->cand_seq + 1)) {
			st->cand_count++;
		} else {
			st->cand_ssrc = ssrc;
			st->cand_count = 1;
		}
		st->cand_seq = seq;
		if (st->cand_count < GW_RTCP_MIN_SEQUENTIAL)
			return GW_RTCP_RX_HOLD;
		st->ssrc_changes++;
		st->src_ssrc = ssrc;
		st->probation = 0;
		st->cand_count = 0;
		restart_source(st, seq);
		v = GW_RTCP_RX_RESTART;
		goto counted;
	}
	st->cand_count = 0;
	v = update_seq(st, seq);
	if (v == GW_RTCP_RX_HOLD)
		return v;
counted:
	st->received++;
	st->rx_this_interval = true;
	/* window position of this packet */
	back = (uint16_t)(st->max_seq - seq);
	ext = st->cycles + st->max_seq - back;
	if ((int32_t)(ext - st->win_top) > 0) {
		advance(st, ext);
		st->win_rx |= 1;
	} else if ((int32_t)(ext - st->commit_next) >= 0) {
		uint64_t bit = 1ull << (st->win_top - ext);

		if (st->win_rx & bit)
			dup = true;
		st->win_rx |= bit;
	}
	if (dup) {
		st->dup_packets++;
		return GW_RTCP_RX_DUPLICATE;
	}
	/* A.8 interarrival jitter */
	if (timing) {
		uint32_t transit = arrival - ts;

		if (st->have_transit) {
			uint32_t d = transit - st->transit;

			if ((int32_t)d < 0)
				d = -d;
			st->jitter_q4 += d - ((st->jitter_q4 + 8) >> 4);
		}
		st->transit = transit;
		st->have_transit = true;
	}
	return v;
}

void gw_rtcp_rx_discard(struct gw_rtcp *st, uint16_t seq)
{
	uint32_t back, ext;

	if (!st->src_valid)
		return;
	st->discarded++;
	back = (uint16_t)(st->max_seq - seq);
	if (back >= GW_RTCP_WINDOW)
		return;
	ext = st->cycles + st->max_seq - back;
	if ((int32_t)(ext - st->commit_next) >= 0 &&
	    (st->win_rx >> (st->win_top - ext) & 1))
		st->win_dis |= 1ull << (st->win_top - ext);
}

/* ---- figures ---- */

static uint32_t expected_of(const struct gw_rtcp *st)
{
	return st->cycles + st->max_seq - st->base_seq + 1;
}

static int32_t cum_lost_of(const struct gw_rtcp *st)
{
	int64_t lost = (int64_t)expected_of(st) - st->received;

	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	return (int32_t)lost;
}

static double burst_ratio_of(const struct gw_rtcp_burst *b)
{
	double p, q;

	if (!b->n_from_found || !b->n_from_lost)
		return 1;
	p = (double)b->n_fl / b->n_from_found;
	q = (double)b->n_lf / b->n_from_lost;
	if (p + q <= 0)
		return 1;
	return 1 / (p + q);
}

static uint8_t rate256(uint64_t num, uint64_t den)
{
	uint64_t v;

	if (!den)
		return 0;
	v = num * 256 / den;
	return (uint8_t)(v > 255 ? 255 : v);
}

void gw_rtcp_stats(const struct gw_rtcp *st, struct gw_rtcp_stats *out)
{
	struct gw_rtcp_burst b;
	double oneway, r;

	memset(out, 0, sizeof(*out));
	out->ssrc_changes = st->ssrc_changes;
	out->rtt_valid = st->have_rtt;
	out->rtt_ms = st->have_rtt ? st->rtt_ntp * 1000.0 / 65536 : 0;
	out->burst_ratio = 1;
	if (st->src_valid) {
		int32_t lost = cum_lost_of(st);

		out->received = st->received;
		out->expected = expected_of(st);
		out->dup_packets = st->dup_packets;
		out->discarded = st->discarded;
		out->cum_lost = lost;
		out->jitter_ms =
			(st->jitter_q4 >> 4) * 1000.0 / st->clock_rate;
		out->loss_pct = 100.0 *
				((lost > 0 ? lost : 0) + st->discarded) /
				out->expected;
		if (out->loss_pct > 100)
			out->loss_pct = 100;
		settled_burst(st, &b);
		out->burst_ratio = burst_ratio_of(&b);
	}
	oneway = out->rtt_ms / 2 + st->end_system_delay_ms;
	gw_rtcp_mos(st->codec, out->loss_pct, out->burst_ratio, 0, &r,
		    &out->mos_lq);
	gw_rtcp_mos(st->codec, out->loss_pct, out->burst_ratio, oneway,
		    &out->r, &out->mos_cq);
}

void gw_rtcp_voip_metrics(const struct gw_rtcp *st,
			  struct gw_rtcp_voip_metrics *vm)
{
	struct gw_rtcp_burst b;
	struct gw_rtcp_stats s;
	uint32_t expected = st->src_valid ? expected_of(st) : 0;
	int32_t lost = st->src_valid ? cum_lost_of(st) : 0;
	uint64_t m = st->ptime_ms, bursts;

	memset(vm, 0, sizeof(*vm));
	vm->ssrc = st->src_ssrc;
	vm->loss_rate = rate256(lost > 0 ? (uint64_t)lost : 0, expected);
	vm->discard_rate = rate256(st->discarded, expected);
	settled_burst(st, &b);
	/* Appendix A.2's report-time computation */
	{
		double c11 = b.c11, c13 = b.c13, c14 = b.c14, c22 = b.c22,
		       c23 = b.c23, c33 = b.c33, c31 = c13, c32 = c23;
		double ctotal = c11 + c14 + c13 + c22 + c23 + c31 + c32 + c33;
		double p32, p23, gap, burst, bd;

		/*
		 * A stream whose first loss comes before Gmin packets starts
		 * in a burst without a gap-to-burst transition: count it.
		 */
		bursts = b.c13 ? b.c13 :
				 (b.loss_count + b.discard_count ? 1 : 0);
		if (bursts) {
			p32 = c31 + c32 + c33 > 0 ? c32 / (c31 + c32 + c33) : 0;
			p23 = c22 + c23 < 1 ? 1 : 1 - c22 / (c22 + c23);
			bd = p23 + p32 > 0 ? 256 * p23 / (p23 + p32) : 0;
			vm->burst_density = (uint8_t)(bd > 255 ? 255 : bd);
			gap = (c11 + c14 + c13) * (double)m / (double)bursts;
			burst = ctotal * (double)m / (double)bursts - gap;
			vm->gap_duration_ms = ms16((unsigned)(gap + 0.5));
			vm->burst_duration_ms =
				ms16(burst > 0 ? (unsigned)(burst + 0.5) : 0);
		} else {
			/* no loss yet: reception so far is one gap */
			vm->gap_duration_ms = ms16((unsigned)
				((uint64_t)(b.c11 + b.pkt) * m));
		}
		vm->gap_density = rate256(b.c14, (uint64_t)b.c11 + b.c14);
	}
	vm->round_trip_delay_ms = st->have_rtt ?
		ms16(gw_rtcp_ntp16_to_ms(st->rtt_ntp)) : 0;
	vm->end_system_delay_ms = st->end_system_delay_ms;
	vm->signal_level = st->signal_level;
	vm->noise_level = st->noise_level;
	vm->rerl = st->rerl;
	vm->gmin = GW_RTCP_GMIN;
	gw_rtcp_stats(st, &s);
	if (st->src_valid) {
		vm->r_factor = (uint8_t)lround(s.r);
		vm->mos_lq = (uint8_t)lround(s.mos_lq * 10);
		vm->mos_cq = (uint8_t)lround(s.mos_cq * 10);
	} else {
		vm->r_factor = vm->mos_lq = vm->mos_cq = GW_RTCP_UNAVAILABLE;
	}
	vm->ext_r_factor = GW_RTCP_UNAVAILABLE;
	vm->rx_config = st->rx_config;
	vm->jb_nominal_ms = st->jb_nominal_ms;
	vm->jb_maximum_ms = st->jb_maximum_ms;
	vm->jb_abs_max_ms = st->jb_abs_max_ms;
}

/* ---- XR VoIP Metrics block (RFC 3611 §4.7) ---- */

int gw_rtcp_voip_encode(uint8_t *buf, size_t len,
			const struct gw_rtcp_voip_metrics *vm)
{
	if (len < GW_RTCP_VOIP_BLOCK_LEN)
		return -ENOSPC;
	buf[0] = 7;
	buf[1] = 0;
	put16(buf + 2, 8);
	put32(buf + 4, vm->ssrc);
	buf[8] = vm->loss_rate;
	buf[9] = vm->discard_rate;
	buf[10] = vm->burst_density;
	buf[11] = vm->gap_density;
	put16(buf + 12, vm->burst_duration_ms);
	put16(buf + 14, vm->gap_duration_ms);
	put16(buf + 16, vm->round_trip_delay_ms);
	put16(buf + 18, vm->end_system_delay_ms);
	buf[20] = (uint8_t)vm->signal_level;
	buf[21] = (uint8_t)vm->noise_level;
	buf[22] = vm->rerl;
	buf[23] = vm->gmin;
	buf[24] = vm->r_factor;
	buf[25] = vm->ext_r_factor;
	buf[26] = vm->mos_lq;
	buf[27] = vm->mos_cq;
	buf[28] = vm->rx_config;
	buf[29] = 0;
	put16(buf + 30, vm->jb_nominal_ms);
	put16(buf + 32, vm->jb_maximum_ms);
	put16(buf + 34, vm->jb_abs_max_ms);
	return GW_RTCP_VOIP_BLOCK_LEN;
}

int gw_rtcp_voip_decode(struct gw_rtcp_voip_metrics *vm, const uint8_t *buf,
			size_t len)
{
	if (len < GW_RTCP_VOIP_BLOCK_LEN || buf[0] != 7 ||
	    get16(buf + 2) != 8)
		return -EBADMSG;
	vm->ssrc = get32(buf + 4);
	vm->loss_rate = buf[8];
	vm->discard_rate = buf[9];
	vm->burst_density = buf[10];
	vm->gap_density = buf[11];
	vm->burst_duration_ms = get16(buf + 12);
	vm->gap_duration_ms = get16(buf + 14);
	vm->round_trip_delay_ms = get16(buf + 16);
	vm->end_system_delay_ms = get16(buf + 18);
	vm->signal_level = (int8_t)buf[20];
	vm->noise_level = (int8_t)buf[21];
	vm->rerl = buf[22];
	vm->gmin = buf[23];
	vm->r_factor = buf[24];
	vm->ext_r_factor = buf[25];
	vm->mos_lq = buf[26];
	vm->mos_cq = buf[27];
	vm->rx_config = buf[28];
	vm->jb_nominal_ms = get16(buf + 30);
	vm->jb_maximum_ms = get16(buf + 32);
	vm->jb_abs_max_ms = get16(buf + 34);
	return 0;
}

/* ---- encoding ---- */

static void put_hdr(uint8_t *p, unsigned count, unsigned pt, size_t bytes)
{
	p[0] = (uint8_t)(0x80 | (count & 0x1f));
	p[1] = (uint8_t)pt;
	put16(p + 2, (uint16_t)(bytes / 4 - 1));
}

static void put_block(uint8_t *p, const struct gw_rtcp_report_block *rb)
{
	put32(p, rb->ssrc);
	put32(p + 4, (uint32_t)rb->fraction_lost << 24 |
			     ((uint32_t)rb->cum_lost & 0xffffff));
	put32(p + 8, rb->ext_max_seq);
	put32(p + 12, rb->jitter);
	put32(p + 16, rb->lsr);
	put32(p + 20, rb->dlsr);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

int gw_rtcp_encode(struct gw_rtcp *st, uint8_t *buf, size_t len,
		   uint64_t now_ntp, uint32_t now_rtp, unsigned flags,
		   const char *reason)
{
	bool sr = st->sent_this_interval || st->sent_last_interval;
	bool block = st->src_valid;
	size_t cname_len = strlen(st->cname);
	size_t reason_len = reason ? strlen(reason) : 0;
	size_t n_sr = (sr ? 28 : 8) + (block ? 24 : 0);
	size_t n_sdes = 4 + pad4(4 + 2 + cname_len + 1);
	size_t n_xr = (flags & GW_RTCP_F_XR) && block ?
		      8 + GW_RTCP_VOIP_BLOCK_LEN : 0;
	size_t n_bye = 0, total, off;
	struct gw_rtcp_report_block rb = { 0 };
	uint32_t expected = 0, exp_int, rcv_int;

	if (reason_len > 255)
		reason_len = 255;
	if (flags & GW_RTCP_F_BYE)
		n_bye = 8 + (reason_len ? pad4(1 + reason_len) : 0);
	total = n_sr + n_sdes + n_xr + n_bye;
	if (!buf || len < total)
		return -ENOSPC;
	memset(buf, 0, total);

	if (block) {
		int64_t lost_int;

		/* A.3 */
		expected = expected_of(st);
		exp_int = expected - st->expected_prior;
		rcv_int = st->received - st->received_prior;
		lost_int = (int64_t)exp_int - rcv_int;
		rb.ssrc = st->src_ssrc;
		if (exp_int && lost_int > 0) {
			int64_t f = (lost_int << 8) / exp_int;

			rb.fraction_lost = (uint8_t)(f > 255 ? 255 : f);
		}
		rb.cum_lost = cum_lost_of(st);
		rb.ext_max_seq = st->cycles + st->max_seq;
		rb.jitter = st->jitter_q4 >> 4;
		if (st->have_lsr) {
			rb.lsr = st->lsr;
			if (now_ntp > st->lsr_arrival)
				rb.dlsr = ntp_mid(now_ntp - st->lsr_arrival);
		}
	}

	off = 0;
	if (sr) {
		put_hdr(buf, block, GW_RTCP_SR, n_sr);
		put32(buf + 4, st->ssrc);
		put32(buf + 8, (uint32_t)(now_ntp >> 32));
		put32(buf + 12, (uint32_t)now_ntp);
		put32(buf + 16, now_rtp);
		put32(buf + 20, st->tx_packets);
		put32(buf + 24, st->tx_octets);
		off = 28;
	} else {
		put_hdr(buf, block, GW_RTCP_RR, n_sr);
		put32(buf + 4, st->ssrc);
		off = 8;
	}
	if (block) {
		put_block(buf + off, &rb);
		off += 24;
	}

	put_hdr(buf + off, 1, GW_RTCP_SDES, n_sdes);
	put32(buf + off + 4, st->ssrc);
	buf[off + 8] = 1; /* CNAME */
	buf[off + 9] = (uint8_t)cname_len;
	memcpy(buf + off + 10, st->cname, cname_len);
	off += n_sdes; /* END item and padding are the zeros */

	if (n_xr) {
		struct gw_rtcp_voip_metrics vm;

		put_hdr(buf + off, 0, GW_RTCP_XR, n_xr);
		put32(buf + off + 4, st->ssrc);
		gw_rtcp_voip_metrics(st, &vm);
		gw_rtcp_voip_encode(buf + off + 8, GW_RTCP_VOIP_BLOCK_LEN, &vm);
		off += n_xr;
	}
	if (n_bye) {
		put_hdr(buf + off, 1, GW_RTCP_BYE, n_bye);
		put32(buf + off + 4, st->ssrc);
		if (reason_len) {
			buf[off + 8] = (uint8_t)reason_len;
			memcpy(buf + off + 9, reason, reason_len);
		}
		off += n_bye;
	}

	/* a new interval begins */
	if (block) {
		st->expected_prior = expected;
		st->received_prior = st->received;
	}
	st->sent_last_interval = st->sent_this_interval;
	st->sent_this_interval = false;
	st->rx_this_interval = false;
	st->initial = false;
	st->avg_rtcp_size += ((double)(off + UDP_IP_OVERHEAD) -
			      st->avg_rtcp_size) / 16;
	st->tx_reports++;
	return (int)off;
}

/* ---- decoding (RFC 3550 A.2) ---- */

static void get_block(struct gw_rtcp_report_block *rb, const uint8_t *p)
{
	uint32_t w = get32(p + 4);

	rb->ssrc = get32(p);
	rb->fraction_lost = (uint8_t)(w >> 24);
	rb->cum_lost = (int32_t)((w & 0xffffff) ^ 0x800000) - 0x800000;
	rb->ext_max_seq = get32(p + 8);
	rb->jitter = get32(p + 12);
	rb->lsr = get32(p + 16);
	rb->dlsr = get32(p + 20);
}

static void take_blocks(struct gw_rtcp_info *info, const uint8_t *p,
			unsigned count, uint32_t our_ssrc)
{
	for (unsigned i = 0; i < count; i++, p += 24) {
		info->blocks++;
		if (!info->rb && get32(p) == our_ssrc) {
			get_block(&info->rb_us, p);
			info->rb = true;
		}
	}
}

static int parse_sdes(struct gw_rtcp_info *info, const uint8_t *p, size_t n,
		      unsigned count)
{
	size_t off = 0;

	for (unsigned i = 0; i < count; i++) {
		uint32_t ssrc;

		if (n - off < 4)
			return -EBADMSG;
		ssrc = get32(p + off);
		off += 4;
		for (;;) {
			uint8_t type, ilen;

			if (off >= n)
				return -EBADMSG; /* no END item */
			type = p[off];
			if (type == 0) {
				/* END: skip to the next 32-bit boundary */
				off = pad4(off + 1);
				if (off > n)
					return -EBADMSG;
				break;
			}
			if (n - off < 2)
				return -EBADMSG;
			ilen = p[off + 1];
			if (n - off - 2 < ilen)
				return -EBADMSG;
			if (type == 1 && ssrc == info->ssrc &&
			    !info->cname[0]) {
				memcpy(info->cname, p + off + 2, ilen);
				info->cname[ilen] = '\0';
			}
			off += 2 + (size_t)ilen;
		}
	}
	return 0;
}

static int parse_xr(struct gw_rtcp_info *info, const uint8_t *p, size_t n,
		    uint32_t our_ssrc)
{
	size_t off = 4; /* the sender's SSRC */

	if (n < 4)
		return -EBADMSG;
	while (off < n) {
		size_t blen;

		if (n - off < 4)
			return -EBADMSG;
		blen = 4 + 4 * (size_t)get16(p + off + 2);
		if (blen > n - off)
			return -EBADMSG;
		if (p[off] == 7) {
			struct gw_rtcp_voip_metrics vm;

			if (blen != GW_RTCP_VOIP_BLOCK_LEN ||
			    gw_rtcp_voip_decode(&vm, p + off, blen) < 0)
				return -EBADMSG;
			if (!info->xr_voip && vm.ssrc == our_ssrc) {
				info->xr = vm;
				info->xr_voip = true;
			}
		}
		off += blen;
	}
	return 0;
}

int gw_rtcp_decode(struct gw_rtcp_info *info, const uint8_t *buf, size_t len,
		   uint32_t our_ssrc, uint64_t now_ntp)
{
	size_t off = 0;

	if (!info || !buf || len < 8 || len % 4)
		return -EBADMSG;
	memset(info, 0, sizeof(*info));
	/* A.2: the first packet is SR or RR, version 2, no padding */
	if ((buf[0] & 0xe0) != 0x80 ||
	    (buf[1] != GW_RTCP_SR && buf[1] != GW_RTCP_RR))
		return -EBADMSG;
	info->ssrc = get32(buf + 4);
	while (off < len) {
		const uint8_t *h = buf + off, *p;
		size_t plen, n;
		unsigned count, pt;
		int rc = 0;

		if (len - off < 4 || h[0] >> 6 != 2)
			return -EBADMSG;
		count = h[0] & 0x1f;
		pt = h[1];
		plen = 4 * ((size_t)get16(h + 2) + 1);
		if (plen > len - off)
			return -EBADMSG;
		p = h + 4;
		n = plen - 4;
		if (h[0] & 0x20) {
			uint8_t pad;

			if (off + plen != len || n == 0)
				return -EBADMSG; /* padding only in the last */
			pad = h[plen - 1];
			if (pad == 0 || pad > n)
				return -EBADMSG;
			n -= pad;
		}
		switch (pt) {
		case GW_RTCP_SR:
			if (n < 24 + 24 * (size_t)count)
				return -EBADMSG;
			if (!info->sr) {
				info->sr = true;
				info->si.ntp = (uint64_t)get32(p + 4) << 32 |
					       get32(p + 8);
				info->si.rtp_ts = get32(p + 12);
				info->si.packets = get32(p + 16);
				info->si.octets = get32(p + 20);
			}
			take_blocks(info, p + 24, count, our_ssrc);
			break;
		case GW_RTCP_RR:
			if (n < 4 + 24 * (size_t)count)
				return -EBADMSG;
			take_blocks(info, p + 4, count, our_ssrc);
			break;
		case GW_RTCP_SDES:
			rc = parse_sdes(info, p, n, count);
			break;
		case GW_RTCP_BYE:
			if (n < 4 * (size_t)count)
				return -EBADMSG;
			for (unsigned i = 0; i < count; i++) {
				if (info->bye_count < 31)
					info->bye_ssrc[info->bye_count] =
						get32(p + 4 * i);
				info->bye_count++;
			}
			if (n > 4 * (size_t)count &&
			    (size_t)p[4 * count] + 1 > n - 4 * (size_t)count)
				return -EBADMSG; /* reason overruns */
			info->bye = true;
			break;
		case GW_RTCP_XR:
			rc = parse_xr(info, p, n, our_ssrc);
			break;
		default:
			break; /* APP, feedback, unknown: skipped */
		}
		if (rc < 0)
			return rc;
		info->packets++;
		off += plen;
	}
	if (info->rb && info->rb_us.lsr) {
		uint32_t d = ntp_mid(now_ntp) - info->rb_us.lsr;

		if (d >= info->rb_us.dlsr && d < 0x80000000u) {
			info->rtt = true;
			info->rtt_ntp = d - info->rb_us.dlsr;
		} else if (d < 0x80000000u && info->rb_us.dlsr - d < 656) {
			/*
			 * A peer whose DLSR runs up to 10 ms long (its own
			 * processing counted in) on a path shorter than that:
			 * the round trip is about zero, not unknown.
			 */
			info->rtt = true;
			info->rtt_ntp = 0;
		}
	}
	return (int)info->packets;
}

int gw_rtcp_rx_rtcp(struct gw_rtcp *st, const uint8_t *buf, size_t len,
		    uint64_t now_ntp, struct gw_rtcp_info *info)
{
	int rc = gw_rtcp_decode(info, buf, len, st->ssrc, now_ntp);

	if (rc < 0) {
		st->rx_bad++;
		return rc;
	}
	st->rx_reports++;
	st->avg_rtcp_size += ((double)(len + UDP_IP_OVERHEAD) -
			      st->avg_rtcp_size) / 16;
	if (info->sr && (!st->src_seen || info->ssrc == st->src_ssrc)) {
		st->have_lsr = true;
		st->lsr = ntp_mid(info->si.ntp);
		st->lsr_arrival = now_ntp;
	}
	if (info->rb) {
		st->remote_rb = true;
		st->remote = info->rb_us;
	}
	if (info->rtt) {
		st->have_rtt = true;
		st->rtt_ntp = info->rtt_ntp;
	}
	if (info->xr_voip) {
		st->remote_xr = true;
		st->remote_vm = info->xr;
	}
	if (info->bye) {
		uint32_t who = st->src_seen ? st->src_ssrc : info->ssrc;
		unsigned n = info->bye_count < 31 ? info->bye_count : 31;

		for (unsigned i = 0; i < n; i++)
			if (info->bye_ssrc[i] == who)
				st->remote_bye = true;
	}
	return rc;
}

/* ---- scheduling ---- */

bool gw_rtcp_due(struct gw_rtcp *st, uint64_t now_ms, uint32_t rnd)
{
	if (!st->scheduled) {
		bool we_sent = st->sent_this_interval || st->sent_last_interval;
		int senders = (we_sent ? 1 : 0) +
			      (st->rx_this_interval ? 1 : 0);

		double bw = st->session_bw_bps * 0.05 / 8; /* octets/s */

		st->next_report_ms =
			now_ms + gw_rtcp_interval_ms(2, senders, bw, we_sent,
						     st->avg_rtcp_size,
						     st->initial, rnd);
		st->scheduled = true;
		return false;
	}
	if (now_ms < st->next_report_ms)
		return false;
	st->scheduled = false;
	return true;
}
