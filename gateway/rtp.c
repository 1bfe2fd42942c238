// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "gateway/rtp.h"

#define JB_DELAY_SAMPLES 320 /* 40 ms fixed playout delay */

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
	if (s->fd < 0) {
		err = -errno;
		free(s);
		return err;
	}
	err = -EADDRINUSE;
	int span = (port_max - port_min) / 2 + 1;
	for (int i = 0; i < span; i++) {
		int port = port_min + 2 * ((next_offset + i) % span);
		parse_addr(host, port, &ss, &sslen);
		if (bind(s->fd, (struct sockaddr *)&ss, sslen) == 0) {
			s->local_port = port;
			next_offset = (next_offset + i + 1) % span;
			err = 0;
			break;
		}
		if (errno != EADDRINUSE) {
			err = -errno;
			break;
		}
	}
	if (err) {
		close(s->fd);
		free(s);
		return err;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, 0x5a, sizeof(rnd));
	s->ssrc = rnd[0];
	s->seq = (uint16_t)rnd[1];
	s->ts = rnd[2];
	s->marker_next = true;
	gw_jbuf_init(&s->jb, JB_DELAY_SAMPLES);
	*ret = s;
	return 0;
}

void gw_rtp_session_free(struct gw_rtp_session *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

int gw_rtp_session_set_remote(struct gw_rtp_session *s, const char *addr,
			      int port, int pt)
{
	if (port <= 0 || port > 65535 || (pt != GW_G711_ULAW && pt != GW_G711_ALAW))
		return -EINVAL;
	s->pt = (uint8_t)pt;
	s->latched = false;
	return parse_addr(addr, port, &s->remote, &s->remote_len);
}

void gw_rtp_session_send(struct gw_rtp_session *s, const int16_t *frame,
			 int samples)
{
	struct gw_rtp_hdr h = { .version = 2, .marker = s->marker_next,
				.pt = s->pt, .seq = s->seq, .ts = s->ts,
				.ssrc = s->ssrc };

	if (samples > (int)sizeof(s->pkt) - GW_RTP_HDR_LEN)
		return;
	gw_rtp_hdr_encode(s->pkt, sizeof(s->pkt), &h);
	gw_g711_encode((enum gw_g711_law)s->pt, s->pkt + GW_RTP_HDR_LEN, frame,
		       samples);
	if (sendto(s->fd, s->pkt, GW_RTP_HDR_LEN + (size_t)samples,
		   MSG_DONTWAIT, (struct sockaddr *)&s->remote,
		   s->remote_len) >= 0)
		atomic_fetch_add_explicit(&s->tx_packets, 1,
					  memory_order_relaxed);
	s->marker_next = false;
	s->seq++;
	s->ts += (uint32_t)samples;
}

static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

void gw_rtp_session_recv(struct gw_rtp_session *s)
{
	for (;;) {
		struct sockaddr_storage src;
		socklen_t srclen = sizeof(src);
		struct gw_rtp_hdr h;
		size_t plen;
		ssize_t n = recvfrom(s->fd, s->pkt, sizeof(s->pkt), MSG_DONTWAIT,
				     (struct sockaddr *)&src, &srclen);
		int off;

		if (n < 0)
			return; /* EAGAIN, or an ICMP error: nothing to read */
		if (s->latched && !same_addr(&src, &s->remote)) {
			atomic_fetch_add_explicit(&s->rx_foreign, 1,
						  memory_order_relaxed);
			continue;
		}
		off = gw_rtp_hdr_decode(&h, s->pkt, (size_t)n, &plen);
		if (off < 0 || h.pt != s->pt || plen == 0 ||
		    plen > sizeof(s->pcm) / sizeof(s->pcm[0])) {
			/* telephone-event and other payloads: later issues */
			atomic_fetch_add_explicit(&s->rx_bad, 1,
						  memory_order_relaxed);
			continue;
		}
		if (!s->latched) {
			s->remote = src;
			s->remote_len = srclen;
			s->latched = true;
		}
		gw_g711_decode((enum gw_g711_law)s->pt, s->pcm, s->pkt + off,
			       (int)plen);
		gw_jbuf_put(&s->jb, h.ssrc, h.ts, s->pcm, (int)plen);
		atomic_fetch_add_explicit(&s->rx_packets, 1,
					  memory_order_relaxed);
	}
}

void gw_rtp_session_play(struct gw_rtp_session *s, int16_t *frame,
			 int samples)
{
	gw_jbuf_get(&s->jb, frame, samples);
}
