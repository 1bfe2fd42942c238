// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * faxpeer: a SIP fax endpoint for the integration tests.
 *
 * What it does: a SIP user agent (Sofia-SIP nua, UDP on 127.0.0.1) that
 * either answers one INVITE (--listen) or places one call (--call), then
 * runs a T.30 fax terminal (spandsp's fax_rx/fax_tx, ECM off unless --ecm)
 * over G.711 u-law (PCMU, payload type 0) RTP in 20 ms packets paced by
 * CLOCK_MONOTONIC, sending or receiving a TIFF. Packet loss can be
 * simulated both ways: at random with a fixed seed (--loss PERCENT --seed
 * N), and deterministically by packet number (--drop-tx, --drop-rx). Lost
 * received packets are given to the terminal as fill-in (fax_rx_fillin).
 *
 * It prints one result line,
 *   faxpeer: result mode=receive pages=3 code=0 result=OK ...
 * and exits 0 only if T.30 ended with code 0 (T30_ERR_OK) and, with
 * --expect-pages N, exactly N pages were transferred. Each side hangs up
 * (BYE) 2 s after its T.30 phase E; a BYE from the peer ends the call too.
 *
 * Helper modes for the tests (libtiff):
 *   faxpeer --make-tiff FILE PAGES   a multi-page test fax: 1728 pixels
 *       wide, 204x196 dpi, 1 bit, T.4 1D (MH) coded, 300 rows a page with
 *       a pattern that differs on each page
 *   faxpeer --tiff-info FILE          one line per page: size, resolution
 *       and an FNV-1a hash of the decoded rows
 *   faxpeer --compare SENT RECEIVED   per page: size and rows that differ;
 *       exit 0 if the page count and sizes match (identical=0|1 reported)
 *
 * SIP: no 100rel unless --100rel (Sofia's default advertises it; baresip
 * and the SIPp scenarios do not), so a UAS answers with plain 18x.
 *
 * Everything is bounded: --timeout (default 120 s) ends the call and the
 * program; it only talks to the addresses it is given (the tests use
 * 127.0.0.1).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sdp.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_tagarg.h>

#include <spandsp.h>
#include <tiffio.h>

#define FRAME	   160 /* 20 ms at 8 kHz */
#define PERIOD_NS  20000000LL
#define MAX_DROPS  64
#define PAGE_WIDTH 1728
#define PAGE_ROWS  300

struct opts {
	const char *listen; /* HOST:PORT: answer */
	const char *call;   /* URI: call */
	const char *send, *receive;
	bool ecm, verbose;
	bool rel100; /* advertise 100rel (Sofia's default) */
	double loss_pct;
	unsigned seed;
	long drop_tx[MAX_DROPS], drop_rx[MAX_DROPS];
	int ndrop_tx, ndrop_rx;
	int expect_pages;
	int timeout_s;
	int rtp_port;
};

struct peer {
	struct opts *o;
	su_root_t *root;
	nua_t *nua;
	nua_handle_t *nh;
	bool quit;
	bool answered; /* media may flow */
	bool hung_up;  /* BYE sent or received */
	bool bye_rx;
	bool shutdown;	/* nua_shutdown completed */
	int sip_status; /* final response to our INVITE */
	int rtp_fd;
	struct sockaddr_in remote;
	bool have_remote;
	fax_state_t *fax;
	bool phase_e;
	int code;
	int64_t phase_e_ns;
	/* RTP */
	uint16_t seq;
	uint32_t ts, ssrc;
	bool rx_started;
	uint16_t rx_next;
	uint32_t rx_ssrc;
	uint64_t rng;
	long tx_pkts, rx_pkts; /* counted, dropped or not */
	long tx_dropped, rx_dropped, rx_lost, rx_bad;
	int ecm_retries; /* summed over the pages (phase D) */
	int64_t next_tx_ns;
};

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* xorshift64*: a fixed sequence for a seed. */
static double rnd01(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double)((*s * 2685821657736338717ULL) >> 11) /
	       9007199254740992.0;
}

static bool in_list(const long *l, int n, long v)
{
	for (int i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

static int parse_list(const char *s, long *l, int max)
{
	char *end;
	int n = 0;

	while (*s) {
		if (n == max)
			return -1;
		l[n++] = strtol(s, &end, 10);
		if (end == s || (*end && *end != ','))
			return -1;
		s = *end ? end + 1 : end;
	}
	return n;
}

/* ------------------------------------------------------------- TIFF */

/* Pixel (x, y) of page `page` (0-based) of the test fax: 1 is black. */
static int pattern(int page, int x, int y)
{
	if (y < 4 || y >= PAGE_ROWS - 4)
		return 1; /* top and bottom rules */
	if (x < 8 || x >= PAGE_WIDTH - 8)
		return 1; /* side rules */
	/* page number: page + 1 bars, 48 px wide, 96 px apart */
	if (y >= 30 && y < 130 && x >= 100 && x < 100 + 96 * (page + 1) &&
	    (x - 100) % 96 < 48)
		return 1;
	/* a diagonal band whose slope depends on the page */
	if (y >= 150 && y < 290 &&
	    abs(x - 200 - (y - 150) * (page + 2) * 3) < 12)
		return 1;
	/* a checker block, cell size by page */
	if (y >= 150 && y < 270 && x >= 1300 && x < 1660 &&
	    (((x - 1300) / (8 * (page + 1)) + (y - 150) / (8 * (page + 1))) &
	     1))
		return 1;
	return 0;
}

static int make_tiff(const char *path, int pages)
{
	uint8_t row[PAGE_WIDTH / 8];
	TIFF *t;

	if (pages < 1 || pages > 50) {
		fprintf(stderr, "faxpeer: PAGES must be 1 to 50\n");
		return 2;
	}
	t = TIFFOpen(path, "w");
	if (!t) {
		fprintf(stderr, "faxpeer: cannot create %s\n", path);
		return 1;
	}
	for (int p = 0; p < pages; p++) {
		TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, PAGE_WIDTH);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, PAGE_ROWS);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
		TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, 0); /* 1D (MH) */
		TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
		TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0f);
		TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, PAGE_ROWS);
		TIFFSetField(t, TIFFTAG_PAGENUMBER, p, pages);
		TIFFSetField(t, TIFFTAG_SOFTWARE, "copperline faxpeer");
		for (int y = 0; y < PAGE_ROWS; y++) {
			memset(row, 0, sizeof(row));
			for (int x = 0; x < PAGE_WIDTH; x++)
				if (pattern(p, x, y))
					row[x / 8] |=
					    (uint8_t)(0x80 >> (x % 8));
			if (TIFFWriteScanline(t, row, (uint32_t)y, 0) < 0) {
				TIFFClose(t);
				return 1;
			}
		}
		if (!TIFFWriteDirectory(t)) {
			TIFFClose(t);
			return 1;
		}
	}
	TIFFClose(t);
	printf("faxpeer: wrote %s: %d page(s) of %dx%d\n", path, pages,
	       PAGE_WIDTH, PAGE_ROWS);
	return 0;
}

struct page {
	uint32_t width, length;
	float xres, yres;
	uint8_t *rows; /* length * stride bytes, decoded */
	size_t stride;
};

/* Read every page of a TIFF; returns the page count or -1. */
static int read_pages(const char *path, struct page *pg, int max)
{
	TIFF *t = TIFFOpen(path, "r");
	int n = 0;

	if (!t) {
		fprintf(stderr, "faxpeer: cannot open %s\n", path);
		return -1;
	}
	do {
		struct page *p = &pg[n];

		if (n == max)
			break;
		memset(p, 0, sizeof(*p));
		TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &p->width);
		TIFFGetField(t, TIFFTAG_IMAGELENGTH, &p->length);
		TIFFGetField(t, TIFFTAG_XRESOLUTION, &p->xres);
		TIFFGetField(t, TIFFTAG_YRESOLUTION, &p->yres);
		p->stride = (size_t)TIFFScanlineSize(t);
		p->rows = calloc(p->length ? p->length : 1, p->stride);
		if (!p->rows) {
			TIFFClose(t);
			return -1;
		}
		for (uint32_t y = 0; y < p->length; y++)
			if (TIFFReadScanline(t, p->rows + y * p->stride, y, 0) <
			    0)
				break;
		n++;
	} while (TIFFReadDirectory(t));
	TIFFClose(t);
	return n;
}

static uint64_t fnv1a(const uint8_t *d, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= d[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int tiff_info(const char *path)
{
	static struct page pg[64];
	int n = read_pages(path, pg, 64);

	if (n < 0)
		return 1;
	printf("faxpeer: %s pages=%d\n", path, n);
	for (int i = 0; i < n; i++) {
		printf("page=%d width=%u length=%u xres=%.0f yres=%.0f "
		       "hash=%016llx\n",
		       i + 1, pg[i].width, pg[i].length, pg[i].xres, pg[i].yres,
		       (unsigned long long)fnv1a(pg[i].rows,
						 pg[i].length * pg[i].stride));
		free(pg[i].rows);
	}
	return 0;
}

static int compare(const char *a, const char *b)
{
	static struct page pa[64], pb[64];
	int na = read_pages(a, pa, 64), nb = read_pages(b, pb, 64);
	bool sizes = na == nb && na > 0, identical = sizes;

	if (na < 0 || nb < 0)
		return 1;
	for (int i = 0; i < na || i < nb; i++) {
		long diff = 0;

		if (i >= na || i >= nb) {
			printf("page=%d missing in %s\n", i + 1,
			       i >= na ? a : b);
			continue;
		}
		if (pa[i].width != pb[i].width || pa[i].length != pb[i].length)
			sizes = false;
		for (uint32_t y = 0; y < pa[i].length || y < pb[i].length;
		     y++) {
			if (y >= pa[i].length || y >= pb[i].length ||
			    pa[i].stride != pb[i].stride ||
			    memcmp(pa[i].rows + y * pa[i].stride,
				   pb[i].rows + y * pb[i].stride, pa[i].stride))
				diff++;
		}
		if (diff)
			identical = false;
		printf("page=%d sent=%ux%u received=%ux%u yres=%.0f/%.0f "
		       "diff_rows=%ld\n",
		       i + 1, pa[i].width, pa[i].length, pb[i].width,
		       pb[i].length, pa[i].yres, pb[i].yres, diff);
	}
	for (int i = 0; i < na; i++)
		free(pa[i].rows);
	for (int i = 0; i < nb; i++)
		free(pb[i].rows);
	identical = identical && sizes;
	printf("faxpeer: compare pages=%d/%d sizes=%s identical=%d\n", na, nb,
	       sizes ? "same" : "differ", identical);
	return sizes ? 0 : 1;
}

/* -------------------------------------------------------------- SDP */

static void our_sdp(struct peer *pe, char *buf, size_t len)
{
	snprintf(buf, len,
		 "v=0\r\n"
		 "o=faxpeer 1 1 IN IP4 127.0.0.1\r\n"
		 "s=faxpeer\r\n"
		 "c=IN IP4 127.0.0.1\r\n"
		 "t=0 0\r\n"
		 "m=audio %d RTP/AVP 0\r\n"
		 "a=rtpmap:0 PCMU/8000\r\n"
		 "a=ptime:20\r\n"
		 "a=sendrecv\r\n",
		 pe->o->rtp_port);
}

/* Take the remote audio address from an SDP body (Sofia's parser). */
static int remote_sdp(struct peer *pe, const sip_t *sip)
{
	const char *addr = NULL;
	sdp_parser_t *parser;
	sdp_session_t *sess;
	sdp_media_t *m;
	su_home_t home[1] = { SU_HOME_INIT(home) };
	int err = -EPROTO;

	if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data)
		return -ENODATA;
	parser = sdp_parse(home, sip->sip_payload->pl_data,
			   (issize_t)sip->sip_payload->pl_len, 0);
	sess = sdp_session(parser);
	for (m = sess ? sess->sdp_media : NULL; m; m = m->m_next) {
		if (m->m_type != sdp_media_audio || !m->m_port)
			continue;
		if (m->m_connections)
			addr = m->m_connections->c_address;
		else if (sess->sdp_connection)
			addr = sess->sdp_connection->c_address;
		if (!addr)
			break;
		memset(&pe->remote, 0, sizeof(pe->remote));
		pe->remote.sin_family = AF_INET;
		pe->remote.sin_port = htons((uint16_t)m->m_port);
		if (inet_pton(AF_INET, addr, &pe->remote.sin_addr) == 1) {
			pe->have_remote = true;
			err = 0;
			printf("faxpeer: remote media %s:%lu\n", addr,
			       m->m_port);
		}
		break;
	}
	sdp_parser_free(parser);
	su_home_deinit(home);
	return err;
}

/* ------------------------------------------------------------- fax */

static void phase_e(t30_state_t *t30, void *user, int code)
{
	struct peer *pe = user;

	(void)t30;
	pe->phase_e = true;
	pe->code = code;
	pe->phase_e_ns = now_ns();
	printf("faxpeer: T.30 phase E at packet %ld: code %d (%s)\n",
	       pe->tx_pkts, code, t30_completion_code_to_str(code));
	fflush(stdout);
}

static int phase_d(t30_state_t *t30, void *user, int result)
{
	struct peer *pe = user;
	t30_stats_t st;

	t30_get_transfer_statistics(t30, &st);
	pe->ecm_retries += st.error_correcting_mode_retries;
	printf("faxpeer: T.30 phase D at packet %ld: %s, pages tx %d rx %d, "
	       "%d bit/s, %dx%d, bad rows %d, ECM retries %d (this page)\n",
	       pe->tx_pkts, t30_frametype((uint8_t)result), st.pages_tx,
	       st.pages_rx, st.bit_rate, st.width, st.length, st.bad_rows,
	       st.error_correcting_mode_retries);
	fflush(stdout);
	return T30_ERR_OK;
}

static int phase_b(t30_state_t *t30, void *user, int result)
{
	struct peer *pe = user;

	(void)t30;
	printf("faxpeer: T.30 phase B at packet %ld: %s\n", pe->tx_pkts,
	       t30_frametype((uint8_t)result));
	return T30_ERR_OK;
}

static void span_msg(int level, const char *text)
{
	(void)level;
	fputs(text, stdout);
}

static int fax_start(struct peer *pe, bool calling)
{
	t30_state_t *t30;

	pe->fax = fax_init(NULL, calling);
	if (!pe->fax)
		return -ENOMEM;
	t30 = fax_get_t30_state(pe->fax);
	if (pe->o->verbose) {
		int lv = SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL |
			 SPAN_LOG_FLOW;
		span_log_set_message_handler(fax_get_logging_state(pe->fax),
					     span_msg);
		span_log_set_message_handler(t30_get_logging_state(t30),
					     span_msg);
		span_log_set_level(fax_get_logging_state(pe->fax), lv);
		span_log_set_level(t30_get_logging_state(t30), lv);
	}
	t30_set_tx_ident(t30, "copperline-faxpeer");
	t30_set_ecm_capability(t30, pe->o->ecm);
	if (pe->o->ecm)
		t30_set_supported_compressions(
		    t30, T30_SUPPORT_T4_1D_COMPRESSION |
			     T30_SUPPORT_T4_2D_COMPRESSION |
			     T30_SUPPORT_T6_COMPRESSION);
	if (pe->o->send)
		t30_set_tx_file(t30, pe->o->send, -1, -1);
	else
		t30_set_rx_file(t30, pe->o->receive, -1);
	t30_set_phase_b_handler(t30, phase_b, pe);
	t30_set_phase_d_handler(t30, phase_d, pe);
	t30_set_phase_e_handler(t30, phase_e, pe);
	fax_set_transmit_on_idle(pe->fax, 1);
	printf("faxpeer: fax terminal: %s, %s party, ECM %s\n",
	       pe->o->send ? "send" : "receive",
	       calling ? "calling" : "answering", pe->o->ecm ? "on" : "off");
	return 0;
}

/* ------------------------------------------------------------- RTP */

static bool lose(struct peer *pe)
{
	return pe->o->loss_pct > 0 && rnd01(&pe->rng) * 100.0 < pe->o->loss_pct;
}

static void rtp_tx(struct peer *pe)
{
	int16_t pcm[FRAME];
	uint8_t pkt[12 + FRAME];
	int n, i;
	bool drop;

	n = fax_tx(pe->fax, pcm, FRAME);
	for (i = n; i < FRAME; i++)
		pcm[i] = 0;
	pe->tx_pkts++;
	drop = in_list(pe->o->drop_tx, pe->o->ndrop_tx, pe->tx_pkts) | lose(pe);
	pkt[0] = 0x80;
	pkt[1] = (uint8_t)(pe->tx_pkts == 1 ? 0x80 : 0x00); /* M, PT 0 */
	pkt[2] = (uint8_t)(pe->seq >> 8);
	pkt[3] = (uint8_t)pe->seq;
	pkt[4] = (uint8_t)(pe->ts >> 24);
	pkt[5] = (uint8_t)(pe->ts >> 16);
	pkt[6] = (uint8_t)(pe->ts >> 8);
	pkt[7] = (uint8_t)pe->ts;
	pkt[8] = (uint8_t)(pe->ssrc >> 24);
	pkt[9] = (uint8_t)(pe->ssrc >> 16);
	pkt[10] = (uint8_t)(pe->ssrc >> 8);
	pkt[11] = (uint8_t)pe->ssrc;
	for (i = 0; i < FRAME; i++)
		pkt[12 + i] = linear_to_ulaw(pcm[i]);
	pe->seq++;
	pe->ts += FRAME;
	if (drop) {
		pe->tx_dropped++;
		printf("faxpeer: dropped sent packet %ld\n", pe->tx_pkts);
		return;
	}
	if (sendto(pe->rtp_fd, pkt, sizeof(pkt), 0,
		   (struct sockaddr *)&pe->remote, sizeof(pe->remote)) < 0 &&
	    errno != ECONNREFUSED)
		perror("faxpeer: sendto");
}

static void rtp_rx(struct peer *pe)
{
	uint8_t pkt[2048];
	int16_t pcm[FRAME];
	ssize_t n;

	for (;;) {
		size_t hl;
		uint16_t seq;
		int16_t gap;
		int samples;

		n = recv(pe->rtp_fd, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n < 0)
			return;
		if (n < 12 || (pkt[0] >> 6) != 2) {
			pe->rx_bad++;
			continue;
		}
		hl = 12 + 4u * (pkt[0] & 0x0f);
		if ((pkt[0] & 0x10) && (size_t)n >= hl + 4)
			hl += 4 + 4u * ((pkt[hl + 2] << 8) | pkt[hl + 3]);
		if ((pkt[1] & 0x7f) != 0 || (size_t)n <= hl) {
			continue; /* not PCMU (e.g. CN or events): ignore */
		}
		samples = (int)((size_t)n - hl);
		if (samples > FRAME * 4)
			samples = FRAME * 4;
		seq = (uint16_t)((pkt[2] << 8) | pkt[3]);
		if (!pe->rx_started) {
			pe->rx_started = true;
			pe->rx_next = seq;
		}
		gap = (int16_t)(seq - pe->rx_next);
		if (gap < 0)
			continue; /* late or duplicate */
		if (gap > 0 && gap < 50) {
			pe->rx_lost += gap;
			fax_rx_fillin(pe->fax, gap * FRAME);
		}
		pe->rx_next = (uint16_t)(seq + 1);
		pe->rx_pkts++;
		if (in_list(pe->o->drop_rx, pe->o->ndrop_rx, pe->rx_pkts) ||
		    lose(pe)) {
			pe->rx_dropped++;
			printf("faxpeer: dropped received packet %ld\n",
			       pe->rx_pkts);
			fax_rx_fillin(pe->fax, samples);
			continue;
		}
		for (int i = 0; i < samples && i < FRAME * 4; i += FRAME) {
			int k = samples - i < FRAME ? samples - i : FRAME;

			for (int j = 0; j < k; j++)
				pcm[j] = ulaw_to_linear(pkt[hl + i + j]);
			fax_rx(pe->fax, pcm, k);
		}
	}
}

static int rtp_open(struct peer *pe)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	pe->rtp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (pe->rtp_fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)pe->o->rtp_port);
	if (bind(pe->rtp_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(pe->rtp_fd, (struct sockaddr *)&a, &al) < 0)
		return -errno;
	pe->o->rtp_port = ntohs(a.sin_port);
	return 0;
}

/* ------------------------------------------------------------- SIP */

static void hang_up(struct peer *pe, const char *why)
{
	if (pe->hung_up || !pe->nh)
		return;
	pe->hung_up = true;
	printf("faxpeer: hanging up (%s)\n", why);
	if (pe->answered)
		nua_bye(pe->nh, TAG_END());
	else if (pe->o->call)
		nua_cancel(pe->nh, TAG_END());
	else
		nua_respond(pe->nh, 480, "Temporarily Unavailable", TAG_END());
}

static void callback(nua_event_t event, int status, char const *phrase,
		     nua_t *nua, nua_magic_t *magic, nua_handle_t *nh,
		     nua_hmagic_t *hmagic, sip_t const *sip, tagi_t tags[])
{
	struct peer *pe = (struct peer *)magic;
	char sdp[512];

	(void)nua;
	(void)hmagic;
	if (pe->o->verbose)
		printf("faxpeer: sip %s %03d %s\n", nua_event_name(event),
		       status, phrase ? phrase : "");
	switch (event) {
	case nua_i_invite:
		if (pe->nh || pe->o->call) {
			nua_respond(nh, 486, "Busy Here", TAG_END());
			nua_handle_destroy(nh);
			break;
		}
		pe->nh = nh;
		if (remote_sdp(pe, sip) < 0) {
			nua_respond(nh, 488, "Not Acceptable Here", TAG_END());
			pe->hung_up = true;
			pe->quit = true;
			break;
		}
		our_sdp(pe, sdp, sizeof(sdp));
		nua_respond(nh, 200, "OK",
			    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
		printf("faxpeer: answered a call from %s\n",
		       sip && sip->sip_from && sip->sip_from->a_url->url_user
			   ? sip->sip_from->a_url->url_user
			   : "?");
		pe->answered = true;
		break;
	case nua_r_invite:
		if (status < 200)
			break;
		pe->sip_status = status;
		if (status >= 300) {
			printf("faxpeer: call failed: %d %s\n", status,
			       phrase ? phrase : "");
			pe->hung_up = true;
			pe->quit = true;
			break;
		}
		if (remote_sdp(pe, sip) < 0) {
			printf("faxpeer: no usable SDP in the answer\n");
			pe->answered = true;
			hang_up(pe, "bad SDP");
			break;
		}
		printf("faxpeer: call answered\n");
		pe->answered = true;
		break;
	case nua_i_bye:
		printf("faxpeer: BYE received\n");
		pe->bye_rx = true;
		pe->hung_up = true;
		break;
	case nua_i_cancel:
		pe->hung_up = true;
		pe->quit = true;
		break;
	case nua_i_state: {
		int state = nua_callstate_init;

		tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (state == nua_callstate_terminated && nh == pe->nh)
			pe->quit = true;
		break;
	}
	case nua_r_shutdown:
		if (status >= 200)
			pe->shutdown = true;
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------- main */

static void usage(void)
{
	fputs("usage: faxpeer (--listen HOST:PORT | --call URI) "
	      "(--send FILE | --receive FILE)\n"
	      "         [--ecm] [--loss PERCENT] [--seed N] "
	      "[--drop-tx N,M,...] [--drop-rx N,M,...]\n"
	      "         [--expect-pages N] [--timeout S] [--rtp-port P] "
	      "[--100rel] [-v]\n"
	      "       faxpeer --make-tiff FILE PAGES\n"
	      "       faxpeer --tiff-info FILE\n"
	      "       faxpeer --compare SENT RECEIVED\n",
	      stderr);
}

static int parse(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--ecm")) {
			o->ecm = true;
			continue;
		}
		if (!strcmp(a, "-v")) {
			o->verbose = true;
			continue;
		}
		if (!strcmp(a, "--100rel")) {
			o->rel100 = true;
			continue;
		}
		if (!v)
			return -1;
		i++;
		if (!strcmp(a, "--listen"))
			o->listen = v;
		else if (!strcmp(a, "--call"))
			o->call = v;
		else if (!strcmp(a, "--send"))
			o->send = v;
		else if (!strcmp(a, "--receive"))
			o->receive = v;
		else if (!strcmp(a, "--loss"))
			o->loss_pct = atof(v);
		else if (!strcmp(a, "--seed"))
			o->seed = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "--drop-tx")) {
			o->ndrop_tx = parse_list(v, o->drop_tx, MAX_DROPS);
			if (o->ndrop_tx < 0)
				return -1;
		} else if (!strcmp(a, "--drop-rx")) {
			o->ndrop_rx = parse_list(v, o->drop_rx, MAX_DROPS);
			if (o->ndrop_rx < 0)
				return -1;
		} else if (!strcmp(a, "--expect-pages"))
			o->expect_pages = atoi(v);
		else if (!strcmp(a, "--timeout"))
			o->timeout_s = atoi(v);
		else if (!strcmp(a, "--rtp-port"))
			o->rtp_port = atoi(v);
		else
			return -1;
	}
	if (!o->listen == !o->call || !o->send == !o->receive ||
	    o->timeout_s < 1 || o->timeout_s > 3600 || o->loss_pct < 0 ||
	    o->loss_pct > 100)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout_s = 120, .seed = 1, .expect_pages = -1 };
	struct peer pe = { .o = &o, .code = -1, .rtp_fd = -1 };
	char url[256], sdp[512];
	int64_t deadline, t;
	t30_stats_t st;
	bool ok;
	int pages;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "--make-tiff"))
		return make_tiff(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "--tiff-info"))
		return tiff_info(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "--compare"))
		return compare(argv[2], argv[3]);
	if (parse(argc, argv, &o) < 0) {
		usage();
		return 2;
	}
	pe.rng = 0x9e3779b97f4a7c15ULL ^ o.seed;
	pe.ssrc = 0x12345678u ^ o.seed;
	pe.seq = (uint16_t)(o.seed * 7919u);
	if (rtp_open(&pe) < 0) {
		perror("faxpeer: RTP socket");
		return 1;
	}
	if (fax_start(&pe, o.call != NULL) < 0)
		return 1;

	su_init();
	pe.root = su_root_create(NULL);
	if (o.listen)
		snprintf(url, sizeof(url), "sip:%s;transport=udp", o.listen);
	else
		snprintf(url, sizeof(url), "sip:127.0.0.1:*;transport=udp");
	pe.nua = nua_create(pe.root, callback, (nua_magic_t *)&pe,
			    NUTAG_URL(url), TAG_END());
	if (!pe.nua) {
		fprintf(stderr, "faxpeer: cannot listen on %s\n", url);
		return 1;
	}
	nua_set_params(
	    pe.nua, NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOALERT(0),
	    NUTAG_AUTOANSWER(0), NUTAG_AUTOACK(1), NUTAG_ENABLEINVITE(1),
	    SIPTAG_USER_AGENT_STR("copperline-faxpeer"),
	    TAG_IF(!o.rel100, SIPTAG_SUPPORTED_STR("timer")), TAG_END());
	printf("faxpeer: SIP %s, RTP 127.0.0.1:%d\n", url, o.rtp_port);
	if (o.call) {
		our_sdp(&pe, sdp, sizeof(sdp));
		pe.nh =
		    nua_handle(pe.nua, NULL, SIPTAG_TO_STR(o.call), TAG_END());
		nua_invite(pe.nh, SIPTAG_FROM_STR("<sip:fax@127.0.0.1>"),
			   SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
		printf("faxpeer: calling %s\n", o.call);
	}

	deadline = now_ns() + (int64_t)o.timeout_s * 1000000000LL;
	while (!pe.quit) {
		int wait_ms = 20;

		t = now_ns();
		if (t > deadline) {
			printf("faxpeer: timeout after %d s\n", o.timeout_s);
			if (!pe.answered || pe.hung_up)
				break;
			hang_up(&pe, "timeout");
			deadline = t + 3000000000LL; /* let the BYE go */
		}
		if (pe.answered && pe.have_remote && !pe.hung_up) {
			if (!pe.next_tx_ns)
				pe.next_tx_ns = t;
			while (t >= pe.next_tx_ns) {
				rtp_tx(&pe);
				pe.next_tx_ns += PERIOD_NS;
			}
			rtp_rx(&pe);
			wait_ms = (int)((pe.next_tx_ns - t) / 1000000);
			if (wait_ms > 5)
				wait_ms = 5;
			if (pe.phase_e && t - pe.phase_e_ns > 2000000000LL)
				hang_up(&pe, "fax done");
		}
		su_root_step(pe.root, wait_ms < 0 ? 0 : wait_ms);
	}

	/*
	 * The call is over: a T.30 still short of phase E (e.g. the sender
	 * after its final DCN, when the receiver hung up first) ends now with
	 * the status it has (t30_terminate calls the phase E handler).
	 */
	if (!pe.phase_e) {
		t30_terminate(fax_get_t30_state(pe.fax));
		if (pe.phase_e)
			printf("faxpeer: T.30 ended by the call's end\n");
	}
	t30_get_transfer_statistics(fax_get_t30_state(pe.fax), &st);
	pages = o.send ? st.pages_tx : st.pages_rx;
	fax_free(pe.fax); /* closes the TIFF */
	ok = pe.phase_e && pe.code == T30_ERR_OK && pages > 0 &&
	     (o.expect_pages < 0 || pages == o.expect_pages);
	printf("faxpeer: result mode=%s pages=%d pages_in_file=%d code=%d "
	       "result=%s bit_rate=%d ecm=%d ecm_retries=%d width=%d length=%d "
	       "bad_rows=%d tx_packets=%ld tx_dropped=%ld rx_packets=%ld "
	       "rx_dropped=%ld "
	       "rx_lost=%ld sip=%d ok=%d\n",
	       o.send ? "send" : "receive", pages, st.pages_in_file, pe.code,
	       pe.code >= 0 ? t30_completion_code_to_str(pe.code) : "none",
	       st.bit_rate, st.error_correcting_mode, pe.ecm_retries, st.width,
	       st.length, st.bad_rows, pe.tx_pkts, pe.tx_dropped, pe.rx_pkts,
	       pe.rx_dropped, pe.rx_lost, pe.sip_status, ok);

	if (pe.nh)
		nua_handle_destroy(pe.nh);
	nua_shutdown(pe.nua);
	for (int i = 0; i < 30 && !pe.shutdown; i++)
		su_root_step(pe.root, 100);
	nua_destroy(pe.nua);
	su_root_destroy(pe.root);
	su_deinit();
	close(pe.rtp_fd);
	return ok ? 0 : 1;
}
