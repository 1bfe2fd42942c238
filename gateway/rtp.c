// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "gateway/rtp.h"
#include "hw/hw.h"


int gw_rtp_hdr_encode(uint8_t *buf, size_t len, const struct gw_rtp_hdr *h)
{
	if (len < GW_RTP_HDR_LEN)
		return -ENOSPC;
	if (h->cc || h->pt > 127)
		return -EINVAL;
	buf[0] = (uint8_t)(2 << 6 | (h->padding ? 0x20 : 0) |
			   (h->extension ? 0x10 : 0));
	buf[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->pt);
	buf[2] = (uint8_t)(h->seq >> 8);
	buf[3] = (uint8_t)h->seq;
	for (int i = 0; i < 4; i++) {
		buf[4 + i] = (uint8_t)(h->ts >> (24 - 8 * i));
		buf[8 + i] = (uint8_t)(h->ssrc >> (24 - 8 * i));
	}
	return GW_RTP_HDR_LEN;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int gw_rtp_hdr_decode(struct gw_rtp_hdr *h, const uint8_t *buf, size_t len,
		      size_t *payload_len)
{
	size_t off, end = len;

	if (len < GW_RTP_HDR_LEN || buf[0] >> 6 != 2)
		return -EBADMSG;
	h->version = 2;
	h->padding = buf[0] & 0x20;
	h->extension = buf[0] & 0x10;
	h->cc = buf[0] & 0x0f;
	h->marker = buf[1] & 0x80;
	h->pt = buf[1] & 0x7f;
	h->seq = (uint16_t)(buf[2] << 8 | buf[3]);
	h->ts = be32(buf + 4);
	h->ssrc = be32(buf + 8);
	off = GW_RTP_HDR_LEN + 4u * h->cc;
	if (off > len)
		return -EBADMSG;
	if (h->extension) {
		if (off + 4 > len)
			return -EBADMSG;
		off += 4 + 4u * (size_t)(buf[off + 2] << 8 | buf[off + 3]);
		if (off > len)
			return -EBADMSG;
	}
	if (h->padding) {
		uint8_t pad = buf[len - 1];
		if (pad == 0 || pad > len - off)
			return -EBADMSG;
		end -= pad;
	}
	*payload_len = end - off;
	return (int)off;
}

/* ---- RFC 4733 telephone-events ---- */

int gw_rtp_event_encode(uint8_t *buf, size_t len, const struct gw_rtp_event *e)
{
	if (len < GW_RTP_EVENT_LEN)
		return -ENOSPC;
	if (e->volume > 63)
		return -EINVAL;
	buf[0] = e->event;
	buf[1] = (uint8_t)((e->end ? 0x80 : 0) | e->volume);
	buf[2] = (uint8_t)(e->duration >> 8);
	buf[3] = (uint8_t)e->duration;
	return GW_RTP_EVENT_LEN;
}

int gw_rtp_event_decode(struct gw_rtp_event *e, const uint8_t *buf, size_t len)
{
	if (len < GW_RTP_EVENT_LEN)
		return -EBADMSG;
	e->event = buf[0];
	e->end = buf[1] & 0x80;
	e->volume = buf[1] & 0x3f; /* bit 6 is reserved */
	e->duration = (uint16_t)(buf[2] << 8 | buf[3]);
	return 0;
}

static const char event_digits[] = "0123456789*#ABCD";

int gw_rtp_event_of_digit(char digit)
{
	const char *p = digit ? strchr(event_digits, digit) : NULL;

	return p ? (int)(p - event_digits) : -1;
}

char gw_rtp_digit_of_event(int event)
{
	return event >= 0 && event < 16 ? event_digits[event] : 0;
}

static int32_t ts_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

void gw_rtp_evtx_reset(struct gw_rtp_evtx *tx)
{
	memset(tx, 0, sizeof(*tx));
}

static void evtx_begin(struct gw_rtp_evtx *tx, uint8_t event, uint8_t volume,
		       uint32_t ts)
{
	tx->state = GW_RTP_EVTX_PENDING;
	tx->event = event;
	tx->volume = volume;
	tx->start_ts = ts;
	tx->end_known = false;
	tx->first = true;
	tx->digits++;
}

static void evtx_begin_next(struct gw_rtp_evtx *tx)
{
	tx->next = false;
	evtx_begin(tx, tx->next_event, tx->next_volume, tx->next_ts);
	if (tx->next_end_known) {
		tx->end_known = true;
		tx->end_ts = tx->next_end_ts;
	}
}

void gw_rtp_evtx_end(struct gw_rtp_evtx *tx, uint32_t ts)
{
	if (tx->next) {
		if (!tx->next_end_known) {
			tx->next_end_known = true;
			tx->next_end_ts = ts_diff(ts, tx->next_ts) < 0 ?
				tx->next_ts : ts;
		}
		return;
	}
	if ((tx->state == GW_RTP_EVTX_PENDING ||
	     tx->state == GW_RTP_EVTX_ACTIVE) && !tx->end_known) {
		tx->end_known = true;
		tx->end_ts = ts_diff(ts, tx->start_ts) < 0 ? tx->start_ts : ts;
	}
}

void gw_rtp_evtx_start(struct gw_rtp_evtx *tx, int event, int volume,
		       uint32_t ts)
{
	if (event < 0 || event > 255)
		return;
	if (volume < 0)
		volume = 0;
	if (volume > 63)
		volume = 63;
	if (tx->state == GW_RTP_EVTX_IDLE) {
		evtx_begin(tx, (uint8_t)event, (uint8_t)volume, ts);
		return;
	}
	/* the digit before is still on: it ends where this one starts */
	if (tx->state != GW_RTP_EVTX_ENDING && !tx->end_known)
		gw_rtp_evtx_end(tx, ts);
	tx->next = true;
	tx->next_event = (uint8_t)event;
	tx->next_volume = (uint8_t)volume;
	tx->next_ts = ts;
	tx->next_end_known = false;
}

static uint16_t evtx_duration(uint32_t from, uint32_t to)
{
	int32_t d = ts_diff(to, from);

	if (d < 0)
		return 0;
	return d > 0xffff ? 0xffff : (uint16_t)d; /* no segments (§2.5.1.3) */
}

int gw_rtp_evtx_frame(struct gw_rtp_evtx *tx, uint32_t ts, int n,
		      bool *audio, struct gw_rtp_event *ev, uint32_t *ev_ts,
		      bool *marker)
{
	uint32_t fend = ts + (uint32_t)n;

	*audio = true;
	*marker = false;
	switch (tx->state) {
	case GW_RTP_EVTX_IDLE:
		return 0;
	case GW_RTP_EVTX_ENDING:
		if (tx->next && ts_diff(tx->next_ts, fend) < 0) {
			/* the next digit is on: retransmissions give way */
			evtx_begin_next(tx);
			return gw_rtp_evtx_frame(tx, ts, n, audio, ev, ev_ts,
						 marker);
		}
		*ev = (struct gw_rtp_event){ .event = tx->event, .end = true,
					     .volume = tx->volume,
					     .duration = tx->duration };
		*ev_ts = tx->start_ts;
		tx->packets++;
		if (--tx->ends_left <= 0) {
			tx->state = GW_RTP_EVTX_IDLE;
			if (tx->next)
				evtx_begin_next(tx);
		}
		return 1;
	case GW_RTP_EVTX_PENDING:
		if (ts_diff(tx->start_ts, fend) >= 0)
			return 0; /* starts in a later frame */
		tx->state = GW_RTP_EVTX_ACTIVE;
		/* fall through */
	case GW_RTP_EVTX_ACTIVE:
		break;
	}
	*audio = false;
	*marker = tx->first;
	tx->first = false;
	*ev_ts = tx->start_ts;
	*ev = (struct gw_rtp_event){ .event = tx->event, .volume = tx->volume };
	tx->packets++;
	if (tx->end_known && ts_diff(tx->end_ts, fend) <= 0) {
		tx->duration = evtx_duration(tx->start_ts, tx->end_ts);
		tx->state = GW_RTP_EVTX_ENDING;
		tx->ends_left = 2; /* after this one */
		ev->end = true;
		ev->duration = tx->duration;
		return 1;
	}
	ev->duration = evtx_duration(tx->start_ts, fend);
	return 1;
}

void gw_rtp_evrx_reset(struct gw_rtp_evrx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

int gw_rtp_evrx_packet(struct gw_rtp_evrx *rx, uint32_t ssrc, uint32_t ts,
		       const struct gw_rtp_event *ev)
{
	rx->packets++;
	if (ev->event > 15) { /* hook flash and others: not played */
		if (!rx->have_other || ssrc != rx->other_ssrc ||
		    ts != rx->other_ts || ev->event != rx->other_event) {
			rx->have_other = true;
			rx->other_new = true;
			rx->other_ssrc = ssrc;
			rx->other_ts = ts;
			rx->other_event = ev->event;
		}
		return 0;
	}
	if (rx->have_last && ssrc == rx->last_ssrc) {
		if (ts == rx->last_ts && ev->event == rx->last_event) {
			if (!rx->playing || rx->ended) {
				rx->dup_packets++; /* retransmission */
				return 0;
			}
			rx->quiet = 0;
			if (ev->end) {
				rx->ended = true;
				rx->target = ev->duration;
				if (rx->target < GW_RTP_EVRX_MIN_SAMPLES)
					rx->target = GW_RTP_EVRX_MIN_SAMPLES;
			}
			return 0;
		}
		if (ts_diff(ts, rx->last_ts) < 0) {
			rx->dup_packets++; /* an older event, late */
			return 0;
		}
	}
	rx->have_last = true;
	rx->last_ssrc = ssrc;
	rx->last_ts = ts;
	rx->last_event = ev->event;
	rx->playing = true;
	rx->start = true;
	rx->played = 0;
	rx->quiet = 0;
	rx->volume = ev->volume;
	rx->ended = ev->end;
	rx->target = ev->end ? ev->duration : 0;
	if (rx->ended && rx->target < GW_RTP_EVRX_MIN_SAMPLES)
		rx->target = GW_RTP_EVRX_MIN_SAMPLES;
	rx->digits++;
	return 1;
}

int gw_rtp_evrx_other(struct gw_rtp_evrx *rx)
{
	if (!rx->other_new)
		return -1;
	rx->other_new = false;
	return rx->other_event;
}

int gw_rtp_evrx_tick(struct gw_rtp_evrx *rx, int n, bool *start, int *event,
		     int *volume)
{
	uint32_t k = n > 0 ? (uint32_t)n : 0;

	*start = false;
	if (!rx->playing)
		return 0;
	*start = rx->start;
	rx->start = false;
	*event = rx->last_event;
	*volume = rx->volume;
	if (rx->ended) {
		if (rx->target - rx->played < k)
			k = rx->target - rx->played;
	} else if (rx->quiet + k > GW_RTP_EVRX_TIMEOUT_SAMPLES) {
		k = GW_RTP_EVRX_TIMEOUT_SAMPLES > rx->quiet ?
			GW_RTP_EVRX_TIMEOUT_SAMPLES - rx->quiet : 0;
		rx->ended = true; /* no news: stop it here */
		rx->target = rx->played + k;
	}
	rx->played += k;
	rx->quiet += (uint32_t)n;
	if (rx->ended && rx->played >= rx->target)
		rx->playing = false;
	return (int)k;
}

static int parse_addr(const char *host, int port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

int gw_rtp_session_alloc(struct gw_rtp_session **ret, const char *host,
			 int port_min, int port_max)
{
	struct gw_rtp_session *s;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int err;
	uint32_t rnd[3];
	static int next_offset; /* control thread only: spread port use */

	if (port_min < 1024 || port_max > 65535 || port_min > port_max)
		return -EINVAL;
	err = parse_addr(host, 0, &ss, &sslen);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	s->rtcp_fd = socket(ss.ss_family,
			    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || s->rtcp_fd < 0) {
		err = -errno;
		goto fail;
	}
	/* an even port for RTP and the odd one above it for RTCP */
	err = -EADDRINUSE;
	int span = (port_max - port_min) / 2 + 1;
	for (int i = 0; i < span; i++) {
		int port = port_min + 2 * ((next_offset + i) % span);
		struct sockaddr_storage ss2;
		socklen_t ss2len;

		if (port + 1 > 65535)
			continue;
		parse_addr(host, port, &ss, &sslen);
		parse_addr(host, port + 1, &ss2, &ss2len);
		if (bind(s->fd, (struct sockaddr *)&ss, sslen) == 0) {
			if (bind(s->rtcp_fd, (struct sockaddr *)&ss2,
				 ss2len) == 0) {
				s->local_port = port;
				next_offset = (next_offset + i + 1) % span;
				err = 0;
				break;
			}
			/* RTCP port taken: start again on a new socket */
			close(s->fd);
			s->fd = socket(ss.ss_family, SOCK_DGRAM |
				       SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (s->fd < 0) {
				err = -errno;
				break;
			}
			continue;
		}
		if (errno != EADDRINUSE) {
			err = -errno;
			break;
		}
	}
	if (err)
		goto fail;
	s->family = ss.ss_family;
	gw_rtp_session_set_dscp(s, 46); /* EF: voice */
	{
		int on = 1;

		setsockopt(s->rtcp_fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
			   sizeof(on));
	}
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, 0x5a, sizeof(rnd));
	s->ssrc = rnd[0];
	s->seq = (uint16_t)rnd[1];
	s->ts = rnd[2];
	s->marker_next = true;
	s->te_pt = -1;
	s->ts_mult = 1;
	s->ptime_samples = GW_HW_FRAME_SAMPLES;
	s->cn_pt = -1;
	/* adaptive playout (20..200 ms, from 40 ms) with PLC in the gaps */
	err = gw_plc_alloc(&s->plc);
	if (err)
		goto fail;
	gw_jbuf_init_cfg(&s->jb, NULL, s->plc);
	{
		struct gw_jbuf_cfg jc;
		char cname[40];
		uint32_t r[3];

		gw_jbuf_cfg_default(&jc);
		/* RFC 7022: a random CNAME per session */
		if (getrandom(r, sizeof(r), 0) != sizeof(r))
			memset(r, 0x3c, sizeof(r));
		snprintf(cname, sizeof(cname), "%08x%08x@copperline", r[0],
			 r[1]);
		s->rtcp_rng = r[2] | 1u;
		gw_rtcp_init(&s->rtcp, &(struct gw_rtcp_params){
			.ssrc = s->ssrc, .cname = cname, .clock_rate = 8000,
			.ptime_ms = 20, .codec = GW_RTCP_CODEC_G711,
			.session_bw_bps = (160 + 40) * 8 * 50 });
		gw_rtcp_set_jb(&s->rtcp, jc.mode == GW_JBUF_ADAPTIVE, true,
			       jc.delay_ms, jc.max_ms, GW_JBUF_MAX_DELAY_MS);
		gw_rtcp_set_end_system_delay(&s->rtcp, jc.delay_ms + 20 + 20);
	}
	*ret = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	if (s->rtcp_fd >= 0)
		close(s->rtcp_fd);
	free(s);
	return err;
}

int gw_rtp_session_set_jitter(struct gw_rtp_session *s,
			      const struct gw_jbuf_cfg *cfg)
{
	int err = gw_jbuf_init_cfg(&s->jb, cfg, s->plc);

	if (err)
		return err;
	gw_rtcp_set_jb(&s->rtcp, cfg->mode == GW_JBUF_ADAPTIVE, true,
		       cfg->delay_ms, cfg->max_ms, GW_JBUF_MAX_DELAY_MS);
	gw_rtcp_set_end_system_delay(&s->rtcp, cfg->delay_ms + 20 + 20);
	return 0;
}

int gw_rtp_session_set_dscp(struct gw_rtp_session *s, int dscp)
{
	int tos = dscp << 2, r = 0;

	if (dscp < 0 || dscp > 63)
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		int fd = i ? s->rtcp_fd : s->fd;

		if (s->family == AF_INET6 ?
			    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos,
				       sizeof(tos)) :
			    setsockopt(fd, IPPROTO_IP, IP_TOS, &tos,
				       sizeof(tos)))
			r = -errno;
	}
	return r;
}

void gw_rtp_session_free(struct gw_rtp_session *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->rtcp_fd >= 0)
		close(s->rtcp_fd);
	gw_plc_free(s->plc);
	gw_srtp_free(s->srtp);
	gw_codec_free(s->codec);
	free(s);
}

/* Make c (payload type pt) the session's codec; returns the one before. */
static struct gw_codec *use_codec(struct gw_rtp_session *s,
				  struct gw_codec *c, int pt)
{
	struct gw_codec *old = s->codec;
	enum gw_codec_id id = gw_codec_get_desc(c)->id;

	s->codec = c;
	s->pt = (uint8_t)pt;
	s->ts_mult = (uint32_t)(gw_codec_get_desc(c)->rtp_clock_hz / 8000);
	if (s->ts_mult != 1)
		s->te_pt = -1; /* our events are on an 8 kHz clock */
	s->rx_ts_init = false;
	s->acc_n = 0;
	/* the E-model's impairment figures for the call's MOS */
	s->rtcp.codec = id == GW_CODEC_G729 ? GW_RTCP_CODEC_G729 :
			id == GW_CODEC_G722 ? GW_RTCP_CODEC_G722 :
			id == GW_CODEC_OPUS ? GW_RTCP_CODEC_OPUS :
					      GW_RTCP_CODEC_G711;
	return old;
}

struct gw_codec *gw_rtp_session_swap_codec(struct gw_rtp_session *s,
					   struct gw_codec *c, int pt)
{
	return use_codec(s, c, pt);
}

int gw_rtp_session_set_ptime(struct gw_rtp_session *s, int ms)
{
	if (ms < 10 || ms > GW_RTP_ACC_SAMPLES / 8 - 20 || ms % 10)
		return -EINVAL;
	if (s->codec) {
		const struct gw_codec_desc *d = gw_codec_get_desc(s->codec);
		struct gw_codec *c;

		if (!gw_codec_ptime_valid(d->id, ms) ||
		    gw_codec_alloc(&c, d->id, ms, NULL) < 0)
			return -EINVAL;
		gw_codec_free(s->codec);
		s->codec = c;
	}
	s->ptime_samples = ms * 8;
	s->acc_n = 0;
	return 0;
}

int gw_rtp_session_set_codec(struct gw_rtp_session *s, enum gw_codec_id id,
			     int pt)
{
	const struct gw_codec_desc *d = gw_codec_desc(id);
	struct gw_codec *c;
	int err;

	if (!d || pt < 0 || pt > 127)
		return -EINVAL;
	err = gw_codec_alloc(&c, id, s->ptime_samples / 8, NULL);
	if (err)
		return err;
	gw_codec_free(use_codec(s, c, pt));
	return 0;
}

void gw_rtp_session_set_srtp(struct gw_rtp_session *s, struct gw_srtp *ctx)
{
	if (s->srtp != ctx)
		gw_srtp_free(s->srtp);
	s->srtp = ctx;
}

int gw_rtp_session_set_remote(struct gw_rtp_session *s, const char *addr,
			      int port, int pt)
{
	if (port <= 0 || port > 65535 || pt < 0 || pt > 127)
		return -EINVAL;
	s->pt = (uint8_t)pt;
	s->latched = false;
	s->rtcp_latched = false;
	if (port + 1 <= 65535)
		parse_addr(addr, port + 1, &s->rtcp_remote,
			   &s->rtcp_remote_len);
	return parse_addr(addr, port, &s->remote, &s->remote_len);
}

int gw_rtp_session_set_te(struct gw_rtp_session *s, int te_pt)
{
	if (te_pt < -1 || te_pt > 127 || te_pt == s->pt ||
	    (te_pt >= 0 && s->ts_mult != 1))
		return -EINVAL;
	s->te_pt = te_pt;
	gw_rtp_evtx_reset(&s->evtx);
	gw_rtp_evrx_reset(&s->evrx);
	return 0;
}

void gw_rtp_session_dtmf_start(struct gw_rtp_session *s, char digit,
			       int volume, uint32_t ts)
{
	int ev = gw_rtp_event_of_digit(digit);

	if (s->te_pt < 0 || ev < 0)
		return;
	gw_rtp_evtx_start(&s->evtx, ev, volume, ts);
	atomic_fetch_add_explicit(&s->tx_events, 1, memory_order_relaxed);
}

void gw_rtp_session_dtmf_end(struct gw_rtp_session *s, uint32_t ts)
{
	if (s->te_pt >= 0)
		gw_rtp_evtx_end(&s->evtx, ts);
}

int gw_rtp_session_play_event(struct gw_rtp_session *s, int n, bool *start,
			      int *event, int *volume)
{
	if (s->te_pt < 0) {
		*start = false;
		return 0;
	}
	return gw_rtp_evrx_tick(&s->evrx, n, start, event, volume);
}

static void send_packet(struct gw_rtp_session *s, size_t len)
{
	const size_t payload = len - GW_RTP_HDR_LEN;

	if (s->srtp && gw_srtp_protect(s->srtp, s->pkt, &len,
				       sizeof(s->pkt)) < 0) {
		s->seq++; /* counted by the SRTP context */
		return;
	}
	if (sendto(s->fd, s->pkt, len, MSG_DONTWAIT,
		   (struct sockaddr *)&s->remote, s->remote_len) >= 0) {
		atomic_fetch_add_explicit(&s->tx_packets, 1,
					  memory_order_relaxed);
		gw_rtcp_tx_packet(&s->rtcp, payload);
	}
	s->seq++;
}

/* One audio packet of n line samples starting at RTP timestamp ts. */
static void send_audio(struct gw_rtp_session *s, const int16_t *x, int n,
		       uint32_t ts)
{
	struct gw_rtp_hdr h = { .version = 2, .marker = s->marker_next,
				.pt = s->pt, .seq = s->seq, .ts = ts,
				.ssrc = s->ssrc };

	gw_rtp_hdr_encode(s->pkt, sizeof(s->pkt), &h);
	if (s->codec) {
		int len = gw_codec_encode(s->codec, x, n,
					  s->pkt + GW_RTP_HDR_LEN,
					  sizeof(s->pkt) - GW_RTP_HDR_LEN - 64);

		if (len <= 0)
			return; /* VAD: nothing to send, or an encoder error */
		send_packet(s, GW_RTP_HDR_LEN + (size_t)len);
	} else {
		gw_g711_encode((enum gw_g711_law)s->pt,
			       s->pkt + GW_RTP_HDR_LEN, x, n);
		send_packet(s, GW_RTP_HDR_LEN + (size_t)n);
	}
	s->marker_next = false;
}

void gw_rtp_session_send(struct gw_rtp_session *s, const int16_t *frame,
			 int samples)
{
	const int pt_samples = s->ptime_samples;

	if (samples > GW_RTP_ACC_SAMPLES)
		return;
	if (atomic_load_explicit(&s->tx_off, memory_order_relaxed)) {
		s->acc_n = 0;
		s->marker_next = true;
		s->ts += (uint32_t)samples * s->ts_mult;
		return;
	}
	if (s->te_pt >= 0) {
		struct gw_rtp_event ev;
		uint32_t ev_ts;
		bool audio, marker;
		struct gw_rtp_hdr eh = { .version = 2, .pt = (uint8_t)s->te_pt,
					 .ssrc = s->ssrc };

		if (gw_rtp_evtx_frame(&s->evtx, s->ts, samples, &audio, &ev,
				      &ev_ts, &marker) == 1) {
			eh.marker = marker;
			eh.seq = s->seq;
			eh.ts = ev_ts;
			gw_rtp_hdr_encode(s->pkt, sizeof(s->pkt), &eh);
			gw_rtp_event_encode(s->pkt + GW_RTP_HDR_LEN,
					    sizeof(s->pkt) - GW_RTP_HDR_LEN,
					    &ev);
			send_packet(s, GW_RTP_HDR_LEN + GW_RTP_EVENT_LEN);
			atomic_fetch_add_explicit(&s->tx_event_packets, 1,
						  memory_order_relaxed);
		}
		if (!audio) {
			s->acc_n = 0; /* the event replaces the audio */
			s->ts += (uint32_t)samples * s->ts_mult;
			return;
		}
	}
	if (pt_samples == samples && s->acc_n == 0) {
		send_audio(s, frame, samples, s->ts);
	} else {
		/* other packet times: card frames in, ptime packets out */
		if (s->acc_n == 0)
			s->acc_ts = s->ts;
		memcpy(s->acc + s->acc_n, frame, sizeof(int16_t) * (size_t)samples);
		s->acc_n += samples;
		while (s->acc_n >= pt_samples) {
			send_audio(s, s->acc, pt_samples, s->acc_ts);
			s->acc_ts += (uint32_t)pt_samples * s->ts_mult;
			s->acc_n -= pt_samples;
			memmove(s->acc, s->acc + pt_samples,
				sizeof(int16_t) * (size_t)s->acc_n);
		}
	}
	s->ts += (uint32_t)samples * s->ts_mult;
}

/*
 * A received timestamp in line samples (8 kHz): the RTP clock's count,
 * extended over its 32-bit wrap, divided by the clock's multiple.
 */
static uint32_t line_ts(struct gw_rtp_session *s, uint32_t ts)
{
	if (s->ts_mult == 1)
		return ts;
	if (!s->rx_ts_init) {
		s->rx_ts_init = true;
		s->rx_ts_ext = ts;
	} else {
		s->rx_ts_ext += (uint64_t)(int64_t)(int32_t)(ts - s->rx_ts_last);
	}
	s->rx_ts_last = ts;
	return (uint32_t)(s->rx_ts_ext / s->ts_mult);
}

/* Arrival time in RTP units (8 kHz) from the monotonic clock (vDSO). */
static uint32_t arrival_units(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint32_t)((uint64_t)t.tv_sec * 8000u +
			  (uint64_t)t.tv_nsec / 125000u);
}

static uint64_t ntp_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return gw_rtcp_ntp_of_timespec(&t);
}

static uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static bool same_host(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

/* Same host and port. */
static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (!same_host(a, b))
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port ==
		       ((const struct sockaddr_in *)b)->sin_port;
	return ((const struct sockaddr_in6 *)a)->sin6_port ==
	       ((const struct sockaddr_in6 *)b)->sin6_port;
}

/* Symmetric RTP: the first authentic packet's source is the remote. */
static void latch(struct gw_rtp_session *s, const struct sockaddr_storage *src,
		  socklen_t srclen)
{
	if (s->latched)
		return;
	s->remote = *src;
	s->remote_len = srclen;
	s->latched = true;
}

static void rtcp_publish(struct gw_rtp_session *s)
{
	struct gw_rtcp_stats st;

	gw_rtcp_stats(&s->rtcp, &st);
	atomic_store_explicit(&s->q_loss_ppm,
			      (uint_fast32_t)(st.loss_pct * 10000.0),
			      memory_order_relaxed);
	atomic_store_explicit(&s->q_jitter_us,
			      (uint_fast32_t)(st.jitter_ms * 1000.0),
			      memory_order_relaxed);
	atomic_store_explicit(&s->q_rtt_us,
			      st.rtt_valid ? (uint_fast32_t)(st.rtt_ms * 1000.0)
					   : 0,
			      memory_order_relaxed);
	atomic_store_explicit(&s->q_mos_x100,
			      (uint_fast32_t)(st.mos_cq * 100.0),
			      memory_order_relaxed);
}

/* Our compound report (SRTCP-protected with SRTP keys), if we know where. */
static void rtcp_send(struct gw_rtp_session *s, unsigned flags)
{
	size_t room = sizeof(s->rtcp_pkt) - 64; /* SRTCP index and tag */
	int n = gw_rtcp_encode(&s->rtcp, s->rtcp_pkt, room, ntp_now(), s->ts,
			       flags, NULL);
	size_t len;

	if (n <= 0 || !s->rtcp_remote_len)
		return;
	len = (size_t)n;
	if (s->srtp && gw_srtp_protect_rtcp(s->srtp, s->rtcp_pkt, &len,
					    sizeof(s->rtcp_pkt)) < 0)
		return;
	if (sendto(s->rtcp_fd, s->rtcp_pkt, len, MSG_DONTWAIT,
		   (struct sockaddr *)&s->rtcp_remote, s->rtcp_remote_len) >= 0)
		atomic_fetch_add_explicit(&s->rtcp_tx, 1, memory_order_relaxed);
}

/*
 * RTCP, once per period: reports are taken only from the host the RTP
 * stream latched to (the port is latched from the first one); ours go
 * to the remote's RTP port + 1, or to where its reports come from.
 */
static void rtcp_service(struct gw_rtp_session *s)
{
	struct timespec mono;

	/*
	 * Reports come every few seconds: the socket is read every 5th
	 * period (100 ms), with the kernel's arrival time (SO_TIMESTAMPNS)
	 * for the round trip.
	 */
	if (--s->rtcp_poll > 0)
		goto send;
	s->rtcp_poll = 5;
	for (;;) {
		struct sockaddr_storage src;
		struct gw_rtcp_info info;
		union {
			char buf[CMSG_SPACE(sizeof(struct timespec))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { s->rtcp_pkt, sizeof(s->rtcp_pkt) };
		struct msghdr mh = { .msg_name = &src,
				     .msg_namelen = sizeof(src),
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(s->rtcp_fd, &mh, MSG_DONTWAIT);
		socklen_t srclen = mh.msg_namelen;
		uint64_t arrival = 0;

		if (n < 0)
			break;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				arrival = gw_rtcp_ntp_of_timespec(&ts);
			}
		}
		if (!arrival)
			arrival = ntp_now();
		if (!s->latched || !same_host(&src, &s->remote) ||
		    (s->rtcp_latched && !same_addr(&src, &s->rtcp_remote))) {
			atomic_fetch_add_explicit(&s->rx_foreign, 1,
						  memory_order_relaxed);
			continue;
		}
		if (s->srtp) {
			size_t m = (size_t)n;

			if (gw_srtp_unprotect_rtcp(s->srtp, s->rtcp_pkt, &m) < 0)
				continue;
			n = (ssize_t)m;
		}
		if (gw_rtcp_rx_rtcp(&s->rtcp, s->rtcp_pkt, (size_t)n, arrival,
				    &info) < 0) {
			atomic_fetch_add_explicit(&s->rtcp_rx_bad, 1,
						  memory_order_relaxed);
			continue;
		}
		if (!s->rtcp_latched) {
			s->rtcp_remote = src;
			s->rtcp_remote_len = srclen;
			s->rtcp_latched = true;
		}
		atomic_fetch_add_explicit(&s->rtcp_rx, 1, memory_order_relaxed);
		if (s->rtcp.remote_bye)
			atomic_store_explicit(&s->remote_bye, true,
					      memory_order_relaxed);
	}
send:
	clock_gettime(CLOCK_MONOTONIC, &mono);
	if (!gw_rtcp_due(&s->rtcp, (uint64_t)mono.tv_sec * 1000u +
					   (uint64_t)mono.tv_nsec / 1000000u,
			 xorshift32(&s->rtcp_rng)))
		return;
	rtcp_send(s, GW_RTCP_F_XR);
	rtcp_publish(s);
}

void gw_rtp_session_bye(struct gw_rtp_session *s, struct gw_rtcp_stats *st)
{
	rtcp_send(s, GW_RTCP_F_XR | GW_RTCP_F_BYE);
	if (st)
		gw_rtcp_stats(&s->rtcp, st);
}

/* One datagram from the RTP socket (buf may be modified: SRTP). */
static void rx_packet(struct gw_rtp_session *s, uint8_t *buf, ssize_t n,
		      const struct sockaddr_storage *src, socklen_t srclen)
{
	struct gw_rtp_hdr h;
	size_t plen;
	int off;

	if (s->latched && !same_addr(src, &s->remote)) {
		atomic_fetch_add_explicit(&s->rx_foreign, 1,
					  memory_order_relaxed);
		return;
	}
	if (s->srtp) {
		/* a packet that fails is dropped (and counted there);
		 * only authentic packets can latch */
		size_t m = (size_t)n;

		if (gw_srtp_unprotect(s->srtp, buf, &m) < 0)
			return;
		n = (ssize_t)m;
	}
	off = gw_rtp_hdr_decode(&h, buf, (size_t)n, &plen);
	if (off >= 0 && s->te_pt >= 0 && h.pt == s->te_pt) {
		struct gw_rtp_event e;

		if (gw_rtp_event_decode(&e, buf + off, plen) < 0) {
			atomic_fetch_add_explicit(&s->rx_bad, 1,
						  memory_order_relaxed);
			return;
		}
		latch(s, src, srclen);
		atomic_fetch_add_explicit(&s->rx_event_packets, 1,
					  memory_order_relaxed);
		gw_rtcp_rx_event_packet(&s->rtcp, h.ssrc, h.seq);
		if (gw_rtp_evrx_packet(&s->evrx, h.ssrc, h.ts, &e))
			atomic_fetch_add_explicit(&s->rx_events, 1,
						  memory_order_relaxed);
		return;
	}
	int samples = (int)plen;

	if (off >= 0 && s->cn_pt >= 0 && h.pt == s->cn_pt) {
		/* RFC 3389: noise level in -dBov (spectrum ignored) */
		latch(s, src, srclen);
		/* 0 dBov: a full-scale sine (+3.17 dBm0); uniform noise */
		s->cn_amp = 32767.0f * 0.70710678f * 1.7320508f *
			    powf(10.0f, -(float)(plen >= 1 ? buf[off] & 0x7f
							     : 127) / 20.0f);
		s->cn_active = true;
		gw_rtcp_rx_event_packet(&s->rtcp, h.ssrc, h.seq);
		atomic_fetch_add_explicit(&s->rx_cn_packets, 1,
					  memory_order_relaxed);
		return;
	}
	if (off < 0 || h.pt != s->pt || plen == 0 ||
	    plen > sizeof(s->pcm) / sizeof(s->pcm[0])) {
		/* other payloads: later issues */
		atomic_fetch_add_explicit(&s->rx_bad, 1,
					  memory_order_relaxed);
		return;
	}
	if (s->codec) {
		samples = gw_codec_decode(
			s->codec, buf + off, plen, s->pcm,
			(int)(sizeof(s->pcm) / sizeof(s->pcm[0])));
		if (samples <= 0) {
			atomic_fetch_add_explicit(&s->rx_bad, 1,
						  memory_order_relaxed);
			return;
		}
	} else {
		gw_g711_decode((enum gw_g711_law)s->pt, s->pcm,
			       buf + off, (int)plen);
	}
	latch(s, src, srclen);
	s->cn_active = false;
	uint32_t ts8 = line_ts(s, h.ts);

	gw_rtcp_rx_packet(&s->rtcp, h.ssrc, h.seq, ts8,
			  arrival_units());
	if (gw_jbuf_put(&s->jb, h.ssrc, ts8, s->pcm, samples) ==
	    -ETIME)
		gw_rtcp_rx_discard(&s->rtcp, h.seq);
	atomic_fetch_add_explicit(&s->rx_packets, 1,
				  memory_order_relaxed);
}

void gw_rtp_session_recv(struct gw_rtp_session *s)
{
	/*
	 * recvmmsg: one system call drains the socket (a short batch means
	 * nothing is left), instead of recvfrom until EAGAIN.
	 */
	for (;;) {
		struct mmsghdr mm[GW_RTP_RX_BATCH];
		struct iovec iov[GW_RTP_RX_BATCH];
		int m;

		for (int i = 0; i < GW_RTP_RX_BATCH; i++) {
			iov[i].iov_base = s->rxbuf[i];
			iov[i].iov_len = sizeof(s->rxbuf[i]);
			memset(&mm[i].msg_hdr, 0, sizeof(mm[i].msg_hdr));
			mm[i].msg_hdr.msg_name = &s->rxsrc[i];
			mm[i].msg_hdr.msg_namelen = sizeof(s->rxsrc[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		m = recvmmsg(s->fd, mm, GW_RTP_RX_BATCH, MSG_DONTWAIT, NULL);
		if (m <= 0)
			break; /* EAGAIN, or an ICMP error: nothing to read */
		for (int i = 0; i < m; i++)
			rx_packet(s, s->rxbuf[i], (ssize_t)mm[i].msg_len,
				  &s->rxsrc[i], mm[i].msg_hdr.msg_namelen);
		if (m < GW_RTP_RX_BATCH)
			break;
	}
	rtcp_service(s);
}

void gw_rtp_session_set_cn(struct gw_rtp_session *s, int cn_pt)
{
	s->cn_pt = cn_pt >= 0 && cn_pt <= 127 && cn_pt != s->pt ? cn_pt : -1;
	s->cn_active = false;
	s->cn_rng = 0x9e3779b9u ^ s->ssrc;
}

void gw_rtp_session_play(struct gw_rtp_session *s, int16_t *frame,
			 int samples)
{
	int k = gw_jbuf_get(&s->jb, frame, samples);

	/*
	 * The peer sends CN instead of silence: white noise at its level
	 * while nothing else plays (0 dBov: a full-scale sine, +3.17 dBm0).
	 */
	if (s->cn_active && k == 0) {
		const float a = s->cn_amp;

		for (int i = 0; i < samples; i++)
			frame[i] = (int16_t)(a * ((float)(int32_t)xorshift32(
							  &s->cn_rng) *
						  (1.0f / 2147483648.0f)));
	}
}
