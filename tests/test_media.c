// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: RTP header coding, jitter buffer, SPSC ring, SDP glue. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "gateway/jbuf.h"
#include "gateway/rtp.h"
#include "gateway/sdp.h"
#include "gateway/spsc.h"
#include "tests/test.h"

static int rtp_roundtrip(void)
{
	struct gw_rtp_hdr h = { .version = 2, .marker = true, .pt = 8,
				.seq = 0xfffe, .ts = 0xdeadbeef,
				.ssrc = 0x01020304 }, d;
	uint8_t buf[32] = { 0 };
	size_t plen;

	TEST_EQ_INT(gw_rtp_hdr_encode(buf, sizeof(buf), &h), 12);
	TEST_EQ_INT(buf[0], 0x80);
	TEST_EQ_INT(buf[1], 0x88);
	TEST_EQ_INT(buf[2], 0xff);
	TEST_EQ_INT(buf[3], 0xfe);
	TEST_EQ_INT(buf[8], 0x01);
	TEST_EQ_INT(gw_rtp_hdr_decode(&d, buf, 20, &plen), 12);
	TEST_EQ_INT(plen, 8);
	TEST_ASSERT(d.marker);
	TEST_EQ_INT(d.pt, 8);
	TEST_EQ_INT(d.seq, 0xfffe);
	TEST_EQ_INT(d.ts, 0xdeadbeef);
	TEST_EQ_INT(d.ssrc, 0x01020304);
	TEST_EQ_INT(gw_rtp_hdr_encode(buf, 11, &h), -ENOSPC);
	return 0;
}

static int rtp_decode_bad(void)
{
	uint8_t buf[40] = { 0x80, 0 };
	struct gw_rtp_hdr d;
	size_t plen;

	TEST_EQ_INT(gw_rtp_hdr_decode(&d, buf, 11, &plen), -EBADMSG);
	buf[0] = 0x40; /* version 1 */
	TEST_EQ_INT(gw_rtp_hdr_decode(&d, buf, 20, &plen), -EBADMSG);
	buf[0] = 0x8f; /* 15 CSRCs do not fit in 20 bytes */
	TEST_EQ_INT(gw_rtp_hdr_decode(&d, buf, 20, &plen), -EBADMSG);
	buf[0] = 0x81; /* one CSRC, fits */
	TEST_EQ_INT(gw_rtp_hdr_decode(&d, buf, 20, &plen), 16);
	TEST_EQ_INT(plen, 4);
	buf[0] = 0xa0; /* padding: last byte counts, 0 is invalid */
	buf[19] = 0;
	TEST_EQ_INT(gw_rtp_hdr_decode(&d, buf, 20, &plen), -EBADMSG);
	buf[19] = 3;
	TEST_EQ_INT(gw_rtp_hdr_decode(&d, buf, 20, &plen), 12);
	TEST_EQ_INT(plen, 5);
	buf[0] = 0x90; /* extension of 1 word */
	buf[14] = 0;
	buf[15] = 1;
	TEST_EQ_INT(gw_rtp_hdr_decode(&d, buf, 24, &plen), 20);
	TEST_EQ_INT(plen, 4);
	return 0;
}

static void fill(int16_t *p, int n, int16_t base)
{
	for (int i = 0; i < n; i++)
		p[i] = (int16_t)(base + i);
}

static int jbuf_order_and_delay(void)
{
	static struct gw_jbuf jb;
	int16_t pkt[160], out[160];

	gw_jbuf_init(&jb, 320);
	/* packets 0,2,1 (reordered) at ts 1000,1320,1160 */
	fill(pkt, 160, 0);
	TEST_EQ_INT(gw_jbuf_put(&jb, 7, 1000, pkt, 160), 0);
	fill(pkt, 160, 2000);
	TEST_EQ_INT(gw_jbuf_put(&jb, 7, 1320, pkt, 160), 0);
	fill(pkt, 160, 1000);
	TEST_EQ_INT(gw_jbuf_put(&jb, 7, 1160, pkt, 160), 0);
	/* 40 ms of delay first */
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 0);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 0);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 160);
	TEST_EQ_INT(out[0], 0);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 160);
	TEST_EQ_INT(out[0], 1000);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 160);
	TEST_EQ_INT(out[159], 2159);
	/* a gap plays as silence and counts as concealed */
	fill(pkt, 160, 3000);
	TEST_EQ_INT(gw_jbuf_put(&jb, 7, 1640, pkt, 160), 0);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 0);
	TEST_EQ_INT(jb.concealed, 160);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 160);
	/* a late packet is dropped and counted */
	TEST_EQ_INT(gw_jbuf_put(&jb, 7, 1480, pkt, 160), -ETIME);
	TEST_EQ_INT(jb.late, 1);
	return 0;
}

static int jbuf_ptime_and_resync(void)
{
	static struct gw_jbuf jb;
	int16_t pkt[240], out[160];

	/* 30 ms packets play out in 20 ms frames */
	gw_jbuf_init(&jb, 0);
	fill(pkt, 240, 0);
	TEST_EQ_INT(gw_jbuf_put(&jb, 1, 0, pkt, 240), 0);
	fill(pkt, 240, 240);
	TEST_EQ_INT(gw_jbuf_put(&jb, 1, 240, pkt, 240), 0);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 160);
	TEST_EQ_INT(out[100], 100);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 160);
	TEST_EQ_INT(out[100], 260);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 160);
	TEST_EQ_INT(out[159], 479);
	/* a new SSRC restarts playout at its own timestamps */
	fill(pkt, 160, 5);
	TEST_EQ_INT(gw_jbuf_put(&jb, 2, 900000, pkt, 160), 0);
	TEST_EQ_INT(jb.resyncs, 1);
	TEST_EQ_INT(gw_jbuf_get(&jb, out, 160), 160);
	TEST_EQ_INT(out[0], 5);
	/* a timestamp jump far behind restarts too, not "late forever" */
	TEST_EQ_INT(gw_jbuf_put(&jb, 2, 100, pkt, 160), 0);
	TEST_EQ_INT(jb.resyncs, 2);
	return 0;
}

static int spsc_fifo(void)
{
	static int store[8];
	struct gw_spsc r;
	int v;

	TEST_EQ_INT(gw_spsc_init(&r, store, sizeof(int), 6), -EINVAL);
	TEST_EQ_INT(gw_spsc_init(&r, store, sizeof(int), 8), 0);
	TEST_EQ_INT(gw_spsc_pop(&r, &v), 0);
	for (int i = 0; i < 8; i++)
		TEST_EQ_INT(gw_spsc_push(&r, &i), 0);
	v = 99;
	TEST_EQ_INT(gw_spsc_push(&r, &v), -ENOSPC);
	for (int i = 0; i < 20; i++) {
		TEST_EQ_INT(gw_spsc_pop(&r, &v), 1);
		TEST_EQ_INT(v, i);
		int w = i + 8;
		TEST_EQ_INT(gw_spsc_push(&r, &w), 0);
	}
	return 0;
}

static int sdp_offer_answer(void)
{
	const char *offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			    "c=IN IP4 127.0.0.2\r\nt=0 0\r\n"
			    "m=audio 6000 RTP/AVP 18 8 0 101\r\n"
			    "a=rtpmap:18 G729/8000\r\n"
			    "a=rtpmap:101 telephone-event/8000\r\n";
	const char *nog711 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			     "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			     "m=audio 6000 RTP/AVP 18\r\n";
	const char *media_c = "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nt=0 0\r\n"
			      "m=audio 7000 RTP/AVP 0\r\nc=IN IP6 ::1\r\n";
	struct gw_sdp_audio a;
	char buf[512];
	int pts[2] = { 0, 8 };

	TEST_EQ_INT(gw_sdp_parse(offer, strlen(offer), &a), 0);
	TEST_EQ_STR(a.addr, "127.0.0.2");
	TEST_EQ_INT(a.port, 6000);
	TEST_EQ_INT(a.pt, 8); /* the offerer's order: PCMA before PCMU */
	TEST_EQ_INT(gw_sdp_parse(nog711, strlen(nog711), &a), -EPROTONOSUPPORT);
	TEST_EQ_INT(gw_sdp_parse("garbage", 7, &a), -EBADMSG);
	TEST_EQ_INT(gw_sdp_parse(media_c, strlen(media_c), &a), 0);
	TEST_EQ_STR(a.addr, "::1");
	TEST_EQ_INT(a.pt, 0);

	TEST_ASSERT(gw_sdp_print(buf, sizeof(buf), "127.0.0.1", 20000, pts, 2,
				 1, 1) > 0);
	TEST_ASSERT(strstr(buf, "m=audio 20000 RTP/AVP 0 8\r\n"));
	TEST_ASSERT(strstr(buf, "a=rtpmap:8 PCMA/8000\r\n"));
	/* what we print, we parse */
	TEST_EQ_INT(gw_sdp_parse(buf, strlen(buf), &a), 0);
	TEST_EQ_INT(a.port, 20000);
	TEST_EQ_INT(a.pt, 0);
	TEST_EQ_INT(gw_sdp_print(buf, 40, "127.0.0.1", 20000, pts, 2, 1, 1),
		    -ENOSPC);
	return 0;
}

const struct gw_test_case gw_test_cases_media[] = {
	{ "media_rtp_roundtrip", rtp_roundtrip },
	{ "media_rtp_decode_bad", rtp_decode_bad },
	{ "media_jbuf_order_and_delay", jbuf_order_and_delay },
	{ "media_jbuf_ptime_and_resync", jbuf_ptime_and_resync },
	{ "media_spsc_fifo", spsc_fifo },
	{ "media_sdp_offer_answer", sdp_offer_answer },
	{ NULL, NULL },
};
