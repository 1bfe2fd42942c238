// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: RTP header coding, jitter buffer, SPSC ring, SDP glue, RFC 4733
 * telephone-event coding and the event sender/receiver state machines; the
 * media thread's fax/modem (VBD) decisions, its in-place jitter-buffer
 * switch, and the real media thread on a scripted in-process card (send
 * sides before receive sides, VBD both ways, RTP inactivity).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <spandsp.h>

#include "dsp/g711.h"
#include "dsp/modem.h"
#include "gateway/jbuf.h"
#include "gateway/media.h"
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

/* Hold and resume: the stream's direction, as offered and as answered. */
static int sdp_direction(void)
{
	static const struct {
		const char *sess, *media, *addr;
		enum gw_sdp_dir dir;
	} cases[] = {
		{ "", "", "127.0.0.1", GW_SDP_SENDRECV },
		{ "", "a=sendonly\r\n", "127.0.0.1", GW_SDP_SENDONLY },
		{ "", "a=recvonly\r\n", "127.0.0.1", GW_SDP_RECVONLY },
		{ "", "a=inactive\r\n", "127.0.0.1", GW_SDP_INACTIVE },
		{ "", "a=sendrecv\r\n", "127.0.0.1", GW_SDP_SENDRECV },
		{ "a=sendonly\r\n", "", "127.0.0.1", GW_SDP_SENDONLY },
		{ "a=inactive\r\n", "", "127.0.0.1", GW_SDP_INACTIVE },
		{ "", "", "0.0.0.0", GW_SDP_INACTIVE }, /* RFC 2543 hold */
	};
	static const struct gw_sdp_fmt pcmu = { 0, GW_CODEC_PCMU };
	struct gw_sdp_audio a;
	char sdp[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(sdp, sizeof(sdp),
			 "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			 "c=IN IP4 %s\r\nt=0 0\r\n%s"
			 "m=audio 6000 RTP/AVP 0\r\n%s", cases[i].addr,
			 cases[i].sess, cases[i].media);
		TEST_EQ_INT(gw_sdp_parse(sdp, strlen(sdp), &a), 0);
		TEST_EQ_INT(a.dir, cases[i].dir);
	}
	TEST_EQ_INT(gw_sdp_dir_answer(GW_SDP_SENDONLY), GW_SDP_RECVONLY);
	TEST_EQ_INT(gw_sdp_dir_answer(GW_SDP_RECVONLY), GW_SDP_SENDONLY);
	TEST_EQ_INT(gw_sdp_dir_answer(GW_SDP_INACTIVE), GW_SDP_INACTIVE);
	TEST_EQ_INT(gw_sdp_dir_answer(GW_SDP_SENDRECV), GW_SDP_SENDRECV);
	/* printed as the attribute, and parsed back */
	TEST_ASSERT(gw_sdp_print_fmts(sdp, sizeof(sdp), "127.0.0.1", 20000,
				      &pcmu, 1, -1, 1, 1, NULL, 0,
				      GW_SDP_RECVONLY) > 0);
	TEST_ASSERT(strstr(sdp, "a=recvonly\r\n"));
	TEST_EQ_INT(gw_sdp_parse(sdp, strlen(sdp), &a), 0);
	TEST_EQ_INT(a.dir, GW_SDP_RECVONLY);
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
				 -1, 1, 1) > 0);
	TEST_ASSERT(strstr(buf, "m=audio 20000 RTP/AVP 0 8\r\n"));
	TEST_ASSERT(strstr(buf, "a=rtpmap:8 PCMA/8000\r\n"));
	/* what we print, we parse */
	TEST_EQ_INT(gw_sdp_parse(buf, strlen(buf), &a), 0);
	TEST_EQ_INT(a.port, 20000);
	TEST_EQ_INT(a.pt, 0);
	TEST_EQ_INT(gw_sdp_print(buf, 40, "127.0.0.1", 20000, pts, 2, -1, 1, 1),
		    -ENOSPC);
	return sdp_direction();
}

static int sdp_telephone_event(void)
{
	const char *offer96 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			      "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			      "m=audio 6000 RTP/AVP 0 96\r\n"
			      "a=rtpmap:96 telephone-event/8000\r\n"
			      "a=fmtp:96 0-15\r\n";
	const char *te_first = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			       "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			       "m=audio 6000 RTP/AVP 100 8\r\n"
			       "a=rtpmap:100 TELEPHONE-EVENT/8000\r\n";
	const char *te16k = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			    "m=audio 6000 RTP/AVP 0 97\r\n"
			    "a=rtpmap:97 telephone-event/16000\r\n";
	const char *noaudio = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			      "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			      "m=audio 6000 RTP/AVP 101\r\n"
			      "a=rtpmap:101 telephone-event/8000\r\n";
	const char *plain = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			    "m=audio 6000 RTP/AVP 0\r\n";
	struct gw_sdp_audio a;
	char buf[512];
	int pts[2] = { 0, 8 };
	int n;

	TEST_EQ_INT(gw_sdp_parse(offer96, strlen(offer96), &a), 0);
	TEST_EQ_INT(a.pt, 0);
	TEST_EQ_INT(a.te_pt, 96);
	TEST_EQ_INT(gw_sdp_parse(te_first, strlen(te_first), &a), 0);
	TEST_EQ_INT(a.pt, 8);
	TEST_EQ_INT(a.te_pt, 100);
	TEST_EQ_INT(gw_sdp_parse(te16k, strlen(te16k), &a), 0);
	TEST_EQ_INT(a.te_pt, -1); /* only the 8 kHz clock goes with G.711 */
	TEST_EQ_INT(gw_sdp_parse(plain, strlen(plain), &a), 0);
	TEST_EQ_INT(a.te_pt, -1);
	TEST_EQ_INT(gw_sdp_parse(noaudio, strlen(noaudio), &a),
		    -EPROTONOSUPPORT);

	/* our offer */
	n = gw_sdp_print(buf, sizeof(buf), "127.0.0.1", 20000, pts, 2,
			 GW_SDP_TE_PT, 1, 1);
	TEST_ASSERT(n > 0);
	printf("offer with telephone-event: %d bytes\n", n);
	TEST_ASSERT(strstr(buf, "m=audio 20000 RTP/AVP 0 8 101\r\n"));
	TEST_ASSERT(strstr(buf, "a=rtpmap:101 telephone-event/8000\r\n"));
	TEST_ASSERT(strstr(buf, "a=fmtp:101 0-16\r\n"));
	TEST_EQ_INT(gw_sdp_parse(buf, strlen(buf), &a), 0);
	TEST_EQ_INT(a.pt, 0);
	TEST_EQ_INT(a.te_pt, 101);
	/* an answer echoing the offerer's payload type */
	TEST_ASSERT(gw_sdp_print(buf, sizeof(buf), "127.0.0.1", 20000, pts, 1,
				 96, 1, 1) > 0);
	TEST_ASSERT(strstr(buf, "m=audio 20000 RTP/AVP 0 96\r\n"));
	TEST_ASSERT(strstr(buf, "a=rtpmap:96 telephone-event/8000\r\n"));
	TEST_ASSERT(!strstr(buf, "PCMA"));
	/* without: no trace of it */
	TEST_ASSERT(gw_sdp_print(buf, sizeof(buf), "127.0.0.1", 20000, pts, 1,
				 -1, 1, 1) > 0);
	TEST_ASSERT(!strstr(buf, "telephone-event"));
	/* too small for the telephone-event lines */
	TEST_EQ_INT(gw_sdp_print(buf, (size_t)n, "127.0.0.1", 20000, pts, 2,
				 GW_SDP_TE_PT, 1, 1), -ENOSPC);
	return 0;
}

static int rtp_event_coding(void)
{
	struct gw_rtp_event e = { .event = 11, .end = true, .volume = 10,
				  .duration = 800 }, d;
	uint8_t buf[4];
	const uint8_t rsv[4] = { 5, 0x4a, 0x01, 0x40 }; /* R bit set */

	TEST_EQ_INT(gw_rtp_event_encode(buf, 4, &e), 4);
	TEST_EQ_INT(buf[0], 11);
	TEST_EQ_INT(buf[1], 0x8a);
	TEST_EQ_INT(buf[2], 0x03);
	TEST_EQ_INT(buf[3], 0x20);
	TEST_EQ_INT(gw_rtp_event_decode(&d, buf, 4), 0);
	TEST_EQ_INT(d.event, 11);
	TEST_ASSERT(d.end);
	TEST_EQ_INT(d.volume, 10);
	TEST_EQ_INT(d.duration, 800);
	TEST_EQ_INT(gw_rtp_event_decode(&d, rsv, 4), 0);
	TEST_EQ_INT(d.event, 5);
	TEST_ASSERT(!d.end);
	TEST_EQ_INT(d.volume, 10); /* the reserved bit is ignored */
	TEST_EQ_INT(d.duration, 320);
	TEST_EQ_INT(gw_rtp_event_decode(&d, buf, 3), -EBADMSG);
	TEST_EQ_INT(gw_rtp_event_encode(buf, 3, &e), -ENOSPC);
	e.volume = 64;
	TEST_EQ_INT(gw_rtp_event_encode(buf, 4, &e), -EINVAL);
	for (int i = 0; i < 16; i++)
		TEST_EQ_INT(gw_rtp_event_of_digit(gw_rtp_digit_of_event(i)), i);
	TEST_EQ_INT(gw_rtp_event_of_digit('*'), 10);
	TEST_EQ_INT(gw_rtp_event_of_digit('#'), 11);
	TEST_EQ_INT(gw_rtp_event_of_digit('D'), 15);
	TEST_EQ_INT(gw_rtp_event_of_digit('x'), -1);
	TEST_EQ_INT(gw_rtp_event_of_digit(0), -1);
	TEST_EQ_INT(gw_rtp_digit_of_event(16), 0);
	return 0;
}

/* One sender frame: the packet it sends, if any. */
struct txpkt {
	int sent;
	bool audio, marker;
	struct gw_rtp_event ev;
	uint32_t ts;
};

static struct txpkt tx_frame(struct gw_rtp_evtx *tx, uint32_t ts)
{
	struct txpkt p;

	p.sent = gw_rtp_evtx_frame(tx, ts, 160, &p.audio, &p.ev, &p.ts,
				   &p.marker);
	return p;
}

static int rtp_event_sender(void)
{
	static struct gw_rtp_evtx tx;
	const uint32_t t0 = 0xfffffe00u; /* the digit spans a wrap */
	struct txpkt p;
	int updates = 0, ends = 0, audio_frames = 0;
	uint32_t ts = t0, last_dur = 0;

	gw_rtp_evtx_reset(&tx);
	/* idle: audio only */
	p = tx_frame(&tx, ts);
	TEST_EQ_INT(p.sent, 0);
	TEST_ASSERT(p.audio);
	ts += 160;
	/* a digit starting 80 samples into the frame after the next */
	gw_rtp_evtx_start(&tx, 5, 10, ts + 160 + 80);
	p = tx_frame(&tx, ts);
	TEST_EQ_INT(p.sent, 0);
	TEST_ASSERT(p.audio);
	ts += 160;
	p = tx_frame(&tx, ts);
	TEST_EQ_INT(p.sent, 1);
	TEST_ASSERT(!p.audio);
	TEST_ASSERT(p.marker);
	TEST_EQ_INT(p.ts, t0 + 400);
	TEST_EQ_INT(p.ev.event, 5);
	TEST_EQ_INT(p.ev.volume, 10);
	TEST_ASSERT(!p.ev.end);
	TEST_EQ_INT(p.ev.duration, 80);
	ts += 160;
	/* 100 ms tone: ends at start + 800 */
	for (int i = 0; i < 20; i++, ts += 160) {
		if (i == 3)
			gw_rtp_evtx_end(&tx, t0 + 400 + 800);
		p = tx_frame(&tx, ts);
		if (!p.sent) {
			TEST_ASSERT(p.audio);
			audio_frames++;
			continue;
		}
		TEST_EQ_INT(p.ts, t0 + 400);
		TEST_ASSERT(!p.marker);
		if (p.ev.end) {
			ends++;
			TEST_EQ_INT(p.ev.duration, 800);
			/* the first end replaces audio, the others go beside */
			TEST_ASSERT(p.audio == (ends > 1));
		} else {
			updates++;
			TEST_ASSERT(!p.audio);
			TEST_ASSERT(p.ev.duration > last_dur);
			last_dur = p.ev.duration;
		}
	}
	printf("100 ms digit: 1 start + %d updates + %d end packets, "
	       "then %d audio-only frames\n", updates, ends, audio_frames);
	TEST_EQ_INT(updates, 4); /* durations 240, 400, 560, 720 */
	TEST_EQ_INT(ends, 3);
	TEST_EQ_INT(tx.digits, 1);
	TEST_EQ_INT(tx.packets, 8);

	/* back to back: the second digit starts while the first is ending */
	gw_rtp_evtx_reset(&tx);
	ts = 1000;
	gw_rtp_evtx_start(&tx, 1, 10, ts);
	p = tx_frame(&tx, ts);
	TEST_ASSERT(p.marker);
	ts += 160;
	gw_rtp_evtx_end(&tx, ts + 100);
	gw_rtp_evtx_start(&tx, 9, 12, ts + 140); /* 5 ms gap */
	gw_rtp_evtx_end(&tx, ts + 140 + 400);
	p = tx_frame(&tx, ts);
	TEST_ASSERT(p.ev.end);
	TEST_EQ_INT(p.ev.event, 1);
	TEST_EQ_INT(p.ev.duration, 260);
	ts += 160;
	/* the second digit's onset is due: its start beats the resends */
	p = tx_frame(&tx, ts);
	TEST_EQ_INT(p.ev.event, 9);
	TEST_ASSERT(p.marker);
	TEST_EQ_INT(p.ts, 1300);
	TEST_EQ_INT(p.ev.volume, 12);
	ts += 160;
	p = tx_frame(&tx, ts);
	TEST_EQ_INT(p.ev.event, 9);
	TEST_ASSERT(!p.ev.end);
	ts += 160;
	p = tx_frame(&tx, ts);
	TEST_ASSERT(p.ev.end);
	TEST_EQ_INT(p.ev.duration, 400);
	TEST_EQ_INT(tx.digits, 2);

	/* a start without an end before the next start: ended there */
	gw_rtp_evtx_reset(&tx);
	gw_rtp_evtx_start(&tx, 2, 10, 0);
	p = tx_frame(&tx, 0);
	gw_rtp_evtx_start(&tx, 3, 10, 500);
	p = tx_frame(&tx, 160);
	TEST_EQ_INT(p.ev.event, 2);
	TEST_ASSERT(!p.ev.end);
	p = tx_frame(&tx, 320);
	TEST_ASSERT(!p.ev.end);
	TEST_EQ_INT(p.ev.duration, 480);
	p = tx_frame(&tx, 480);
	TEST_ASSERT(p.ev.end);
	TEST_EQ_INT(p.ev.event, 2);
	TEST_EQ_INT(p.ev.duration, 500);
	TEST_EQ_INT(tx.digits, 1);
	p = tx_frame(&tx, 640); /* digit 3 is on since 500 */
	TEST_EQ_INT(p.ev.event, 3);
	TEST_ASSERT(p.marker);
	TEST_EQ_INT(p.ts, 500);
	TEST_EQ_INT(p.ev.duration, 300);
	TEST_EQ_INT(tx.digits, 2);
	return 0;
}

/* Feed the receiver one packet; play one 20 ms frame; return samples. */
static int rx_step(struct gw_rtp_evrx *rx, const struct gw_rtp_event *ev,
		   uint32_t ts, int *starts)
{
	bool start;
	int e, v, k;

	if (ev)
		gw_rtp_evrx_packet(rx, 42, ts, ev);
	k = gw_rtp_evrx_tick(rx, 160, &start, &e, &v);
	if (start)
		(*starts)++;
	return k;
}

static int rtp_event_receiver(void)
{
	static struct gw_rtp_evrx rx;
	struct gw_rtp_event ev = { .event = 1, .volume = 10 };
	int starts = 0, played = 0;
	bool start;
	int e = -1, v = -1;

	/* a 150 ms digit: start, updates, three ends, late resends */
	gw_rtp_evrx_reset(&rx);
	for (int d = 160; d < 1200; d += 160)
		played += rx_step(&rx, (ev.duration = (uint16_t)d, &ev), 8000,
				  &starts);
	ev.end = true;
	ev.duration = 1200;
	for (int i = 0; i < 3; i++)
		played += rx_step(&rx, &ev, 8000, &starts);
	for (int i = 0; i < 20; i++)
		played += rx_step(&rx, i == 5 ? &ev : NULL, 8000, &starts);
	printf("150 ms digit with 3 end packets and a late resend: "
	       "%d start, %d samples played\n", starts, played);
	TEST_EQ_INT(starts, 1);
	TEST_EQ_INT(played, 1200);
	TEST_EQ_INT(rx.digits, 1);
	TEST_EQ_INT(rx.dup_packets, 3);

	/* the same digit again, new timestamp: a new digit */
	ev.end = false;
	ev.duration = 160;
	played = rx_step(&rx, &ev, 9600, &starts);
	gw_rtp_evrx_tick(&rx, 0, &start, &e, &v);
	TEST_EQ_INT(e, 1);
	TEST_EQ_INT(v, 10);
	/* an old event's packet does not restart anything */
	played += rx_step(&rx, &ev, 8000, &starts);
	TEST_EQ_INT(starts, 2);
	/* no more packets: stops 200 ms after the last one (first frame) */
	for (int i = 0; i < 30; i++)
		played += rx_step(&rx, NULL, 0, &starts);
	printf("digit with lost end packets: stopped after %d samples\n",
	       played);
	TEST_EQ_INT(played, GW_RTP_EVRX_TIMEOUT_SAMPLES);
	/* its late updates and ends do not play it again */
	ev.end = true;
	ev.duration = 4000;
	TEST_EQ_INT(rx_step(&rx, &ev, 9600, &starts), 0);
	TEST_EQ_INT(starts, 2);

	/* a 10 ms digit plays for the 40 ms minimum, only its end arrives */
	ev.event = 11;
	ev.duration = 80;
	played = 0;
	for (int i = 0; i < 10; i++)
		played += rx_step(&rx, i < 3 ? &ev : NULL, 20000, &starts);
	TEST_EQ_INT(played, GW_RTP_EVRX_MIN_SAMPLES);
	TEST_EQ_INT(starts, 3);
	/* hook flash (16) is not played */
	ev.event = 16;
	TEST_EQ_INT(rx_step(&rx, &ev, 30000, &starts), 0);
	TEST_EQ_INT(rx.digits, 3);
	return 0;
}

/* The sender's packets fed to the receiver: durations survive the trip. */
static int rtp_event_loop(void)
{
	static struct gw_rtp_evtx tx;
	static struct gw_rtp_evrx rx;
	const char *digits = "159#";
	const int on[] = { 400, 800, 680, 1200 }; /* 50..150 ms */
	uint32_t ts = 123456;
	int packets = 0;

	gw_rtp_evtx_reset(&tx);
	gw_rtp_evrx_reset(&rx);
	for (int d = 0; digits[d]; d++) {
		uint32_t start = ts + 37, played = 0;
		int starts = 0, pk = 0;

		gw_rtp_evtx_start(&tx, gw_rtp_event_of_digit(digits[d]), 10,
				  start);
		gw_rtp_evtx_end(&tx, start + (uint32_t)on[d]);
		for (int f = 0; f < 20; f++, ts += 160) {
			struct txpkt p = tx_frame(&tx, ts);
			bool st;
			int e, v;

			if (p.sent) {
				pk++;
				gw_rtp_evrx_packet(&rx, 7, p.ts, &p.ev);
			}
			played += (uint32_t)gw_rtp_evrx_tick(&rx, 160, &st, &e,
							    &v);
			if (st) {
				starts++;
				TEST_EQ_INT(gw_rtp_digit_of_event(e),
					    digits[d]);
			}
		}
		printf("digit %c: %d ms on, %d packets, played %u ms\n",
		       digits[d], on[d] / 8, pk, played / 8);
		TEST_EQ_INT(starts, 1);
		TEST_EQ_INT(played, on[d]);
		packets += pk;
	}
	TEST_EQ_INT(rx.digits, 4);
	TEST_EQ_INT(tx.packets, packets);
	return 0;
}

/* RTP/SAVP offers keep their a=crypto lines; ours print as RTP/SAVP. */
static int sdp_srtp(void)
{
	static const char offer[] =
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/SAVP 0 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
		"inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32\r\n";
	static const char plain[] =
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
	const char *lines[] = {
		"1 AES_CM_128_HMAC_SHA1_80 inline:"
		"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
	};
	struct gw_sdp_audio a;
	char buf[1024];
	int pts[1] = { 0 };

	TEST_EQ_INT(gw_sdp_parse(offer, strlen(offer), &a), 0);
	TEST_ASSERT(a.srtp);
	TEST_EQ_INT(a.ncrypto, 2);
	TEST_ASSERT(strncmp(a.crypto[1], "2 AES_CM_128_HMAC_SHA1_32 inline:",
			    33) == 0);
	TEST_EQ_INT(a.te_pt, 101);
	TEST_EQ_INT(gw_sdp_parse(plain, strlen(plain), &a), 0);
	TEST_ASSERT(!a.srtp);
	TEST_EQ_INT(a.ncrypto, 0);
	TEST_ASSERT(gw_sdp_print_srtp(buf, sizeof(buf), "127.0.0.1", 20000,
				      pts, 1, -1, 1, 1, lines, 1) > 0);
	printf("  our SRTP answer:\n%s", buf);
	TEST_ASSERT(strstr(buf, "m=audio 20000 RTP/SAVP 0\r\n") != NULL);
	TEST_ASSERT(strstr(buf, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:")
		    != NULL);
	TEST_EQ_INT(gw_sdp_parse(buf, strlen(buf), &a), 0);
	TEST_ASSERT(a.srtp && a.ncrypto == 1);
	return 0;
}

/* ---- voice-band data (fax/modem passthrough) ---- */

static unsigned int vstep(struct gw_media_vbd *v, enum gw_media_dir d,
			  enum gw_modem_tone t, bool on)
{
	struct gw_modem_event e = { .tone = t, .on = on, .level_dbm0 = -12 };

	return gw_media_vbd_step(v, d, &e);
}

static int vbd_steps(void)
{
	struct gw_media_vbd v;
	const unsigned int R = GW_MEDIA_VBD_REPORT, S = GW_MEDIA_VBD_SWITCH,
			   B = GW_MEDIA_VBD_BYPASS;

	gw_media_vbd_reset(&v);
	TEST_ASSERT(!v.active && !v.bypass);
	/* an "off" or a non-tone never switches */
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_LINE, GW_MODEM_CNG, false), 0);
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_LINE, GW_MODEM_NONE, true), 0);
	TEST_EQ_INT(vstep(&v, (enum gw_media_dir)2, GW_MODEM_CNG, true), 0);
	TEST_ASSERT(!v.active);
	/* a calling fax on the line: CNG switches, its repeats are quiet */
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_LINE, GW_MODEM_CNG, true), R | S);
	TEST_ASSERT(v.active && !v.bypass);
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_LINE, GW_MODEM_CNG, false), 0);
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_LINE, GW_MODEM_CNG, true), 0);
	/* the same tone the other way is news; CED (ANS) keeps the
	 * canceller (NLP off only); V.21 is reported */
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_NET, GW_MODEM_CNG, true), R);
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_NET, GW_MODEM_ANS, true), R);
	TEST_ASSERT(!v.bypass);
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_NET, GW_MODEM_V21, true), R);
	/* ANS turning into ANS/ (reversals): bypass, once */
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_NET, GW_MODEM_ANS_PR, true), R | B);
	TEST_ASSERT(v.bypass);
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_LINE, GW_MODEM_ANSAM, true), R);
	printf("    seen line 0x%02x network 0x%02x\n", v.seen[0], v.seen[1]);
	TEST_EQ_INT(v.seen[GW_MEDIA_DIR_LINE],
		    (1 << GW_MODEM_CNG) | (1 << GW_MODEM_ANSAM));
	/* a new call: everything afresh; ANSam alone switches and bypasses */
	gw_media_vbd_reset(&v);
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_NET, GW_MODEM_ANSAM, true),
		    R | S | B);
	gw_media_vbd_reset(&v);
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_LINE, GW_MODEM_ANSAM_PR, true),
		    R | S | B);
	gw_media_vbd_reset(&v);
	/* a fax answerer without CED: its V.21 flags switch */
	TEST_EQ_INT(vstep(&v, GW_MEDIA_DIR_NET, GW_MODEM_V21, true), R | S);
	TEST_ASSERT(!v.bypass);
	return 0;
}

/*
 * A jitter buffer playing a continuous 1 kHz tone (20 ms packets, no
 * jitter) is switched to the VBD profile in the middle of it: the tone
 * must go on without a sample lost or concealed (gw_jbuf_init_cfg would
 * restart playout here), the buffer must be fixed at 60 ms with vbd on,
 * and it must reach 60 ms only through a pause (no step within the tone).
 */
static double sine_residual(const int16_t *x, int n, double c2)
{
	double worst = 0;

	for (int i = 2; i < n; i++) {
		double r = fabs((double)x[i] - c2 * x[i - 1] + x[i - 2]);
		if (r > worst)
			worst = r;
	}
	return worst;
}

static int vbd_jbuf_in_place(void)
{
	static struct gw_jbuf jb;
	static int16_t played[400 * 160];
	struct gw_jbuf_stats st, st0;
	const double w = 2 * M_PI * 1000 / 8000;
	int16_t pkt[160];
	uint32_t ts = 12345;
	double phase = 0, worst;
	int k = 0, got = 0;

	TEST_EQ_INT(gw_jbuf_init_cfg(&jb, NULL, NULL), 0);
	for (int f = 0; f < 400; f++) {
		bool tone = f < 300; /* then a 2 s pause */

		for (int i = 0; i < 160; i++) {
			pkt[i] = tone ? (int16_t)lrint(8000 * sin(phase)) : 0;
			phase += w;
		}
		TEST_EQ_INT(gw_jbuf_put(&jb, 0x1234, ts, pkt, 160), 0);
		ts += 160;
		if (f == 150) {
			gw_jbuf_stats(&jb, &st0);
			gw_media_jbuf_vbd(&jb);
		}
		got += gw_jbuf_get(&jb, played + k, 160);
		k += 160;
		if (f == 299) {
			gw_jbuf_stats(&jb, &st);
			printf("    at the switch: delay %.1f ms target %.1f "
			       "ms; at the tone's end: delay %.1f ms "
			       "target %.1f ms\n",
			       st0.delay_ms, st0.target_ms, st.delay_ms,
			       st.target_ms);
			/* no step inside the tone */
			TEST_NEAR(st.delay_ms, st0.delay_ms, 0.2);
		}
	}
	gw_jbuf_stats(&jb, &st);
	/* from shortly after the switch to the tone's end: a clean sine */
	worst = sine_residual(played + 140 * 160, 150 * 160, 2 * cos(w));
	printf("    tone residual across the switch %.1f (of 8000), "
	       "concealed %llu, resyncs %llu, added %llu dropped %llu, "
	       "end delay %.1f ms target %.1f ms\n",
	       worst, (unsigned long long)st.concealed,
	       (unsigned long long)st.resyncs, (unsigned long long)st.added,
	       (unsigned long long)st.dropped, st.delay_ms, st.target_ms);
	TEST_ASSERT(worst < 4);
	TEST_EQ_INT(st.concealed, 0);
	TEST_EQ_INT(st.resyncs, 0);
	TEST_ASSERT(jb.mode == GW_JBUF_FIXED && jb.vbd);
	TEST_NEAR(st.target_ms, GW_MEDIA_VBD_JB_MS, 0.01);
	TEST_NEAR(st.delay_ms, GW_MEDIA_VBD_JB_MS, 2.5); /* grown in the pause */
	TEST_ASSERT(got > 390 * 160);
	return 0;
}

/*
 * The real media thread on a scripted card (runs on the media thread):
 * chan 1: the line sends ANSam/ from tick 50 (a modem answering on the
 * line; canceller on); its far end never sends. chan 2: the far end
 * sends fax CNG over RTP every tick until tick 400, then nothing; the
 * line is silent. chan 3: attached with the inactivity timer off. The
 * timeout is 1 s (50 ticks). Ticks run about every 200 us. The card
 * checks that each media thread reads its channels before it writes any
 * in a period, and that every channel is read and written once per
 * period before the flush.
 */
#define SC_CHANS 3
#define SC_TICKS 700
#define SC_CNG_END 400

struct gw_hw_card {
	atomic_bool go;
	atomic_int tick; /* ticks since go */
	atomic_int periods; /* wait() calls */
	atomic_int order_errors; /* a read() after a write() in a period,
				  * on the same media thread */
	atomic_int reads[SC_CHANS + 1], writes[SC_CHANS + 1], flushes;
	modem_connect_tones_tx_state_t *ansam, *cng;
	int far_fd; /* chan 2's far end */
	struct sockaddr_in to2;
	uint16_t seq;
	uint32_t ts;
	double ansam_peak;
	int16_t written_peak[SC_CHANS + 1];
};

static enum gw_hw_chan_type sc_type(struct gw_hw_card *card, int chan)
{
	(void)card;
	(void)chan;
	return GW_HW_CHAN_FXS;
}

static int sc_wait(struct gw_hw_card *card)
{
	struct timespec t = { 0, 200000 };

	nanosleep(&t, NULL);
	atomic_fetch_add(&card->periods, 1);
	if (!atomic_load(&card->go))
		return 0;
	int tick = atomic_fetch_add(&card->tick, 1);
	if (tick < SC_CNG_END) { /* chan 2's far end: CNG, 20 ms packets */
		int16_t pcm[GW_HW_FRAME_SAMPLES];
		uint8_t pkt[12 + GW_HW_FRAME_SAMPLES];
		struct gw_rtp_hdr h = { .version = 2, .pt = 0,
					.seq = card->seq++, .ts = card->ts,
					.ssrc = 0xfa5 };

		card->ts += GW_HW_FRAME_SAMPLES;
		modem_connect_tones_tx(card->cng, pcm, GW_HW_FRAME_SAMPLES);
		gw_rtp_hdr_encode(pkt, sizeof(pkt), &h);
		gw_g711_encode(GW_G711_ULAW, pkt + 12, pcm,
			       GW_HW_FRAME_SAMPLES);
		sendto(card->far_fd, pkt, sizeof(pkt), 0,
		       (struct sockaddr *)&card->to2, sizeof(card->to2));
	}
	return 0;
}

/* The period in which this media thread last wrote a frame. */
static __thread int sc_written_period = -1;

static int sc_read(struct gw_hw_card *card, int chan, int16_t *frame)
{
	int tick = atomic_load(&card->tick) - 1;

	if (sc_written_period == atomic_load(&card->periods))
		atomic_fetch_add(&card->order_errors, 1);
	atomic_fetch_add(&card->reads[chan], 1);
	memset(frame, 0, GW_HW_FRAME_SAMPLES * sizeof(*frame));
	if (chan == 1 && tick >= 50 && tick < 50 + 165)
		modem_connect_tones_tx(card->ansam, frame,
				       GW_HW_FRAME_SAMPLES);
	return 0;
}

static int sc_write(struct gw_hw_card *card, int chan, const int16_t *frame)
{
	sc_written_period = atomic_load(&card->periods);
	atomic_fetch_add(&card->writes[chan], 1);
	for (int i = 0; i < GW_HW_FRAME_SAMPLES; i++) {
		int16_t a = (int16_t)(frame[i] < 0 ? -frame[i] : frame[i]);
		if (a > card->written_peak[chan])
			card->written_peak[chan] = a;
	}
	return 0;
}

static int sc_flush(struct gw_hw_card *card)
{
	/* every channel read and written once in the period, first */
	for (int i = 1; i <= SC_CHANS; i++)
		if (atomic_load(&card->reads[i]) !=
			    atomic_load(&card->flushes) + 1 ||
		    atomic_load(&card->writes[i]) !=
			    atomic_load(&card->flushes) + 1)
			atomic_fetch_add(&card->order_errors, 1);
	atomic_fetch_add(&card->flushes, 1);
	return 0;
}

static int sc_event(struct gw_hw_card *card, struct gw_hw_event *ev)
{
	(void)card;
	(void)ev;
	return 0;
}

static int sc_lineop(struct gw_hw_card *card, int chan, enum gw_hw_lineop op)
{
	(void)card;
	(void)chan;
	(void)op;
	return 0;
}

static const struct gw_hw_ops sc_ops = {
	.name = "script", .chan_type = sc_type, .wait = sc_wait,
	.read = sc_read, .write = sc_write, .flush = sc_flush,
	.event = sc_event, .lineop = sc_lineop,
};

static int udp_local(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct sc_seen {
	int timeouts[SC_CHANS + 1], timeout_tick[SC_CHANS + 1];
	int timeout_s[SC_CHANS + 1];
	int vbd[SC_CHANS + 1], first_tick[SC_CHANS + 1];
	struct gw_media_vbd_ev first[SC_CHANS + 1];
	bool bypass[SC_CHANS + 1];
	struct gw_rtp_session *back[SC_CHANS + 1];
};

static void sc_events(struct gw_media *m, struct gw_hw_card *card,
		      struct sc_seen *seen)
{
	struct gw_media_ev ev;
	int tick = atomic_load(&card->tick);

	while (gw_media_ev_get(m, &ev) == 1) {
		if (ev.chan < 1 || ev.chan > SC_CHANS)
			continue;
		switch (ev.type) {
		case GW_MEDIA_EV_RTP_TIMEOUT:
			if (!seen->timeouts[ev.chan]++) {
				seen->timeout_tick[ev.chan] = tick;
				seen->timeout_s[ev.chan] = ev.seconds;
			}
			break;
		case GW_MEDIA_EV_VBD:
			printf("    tick %3d chan %d: %s from the %s, %d dBm0"
			       "%s%s\n", tick, ev.chan,
			       gw_modem_tone_name(ev.vbd.tone),
			       gw_media_dir_name(ev.vbd.dir),
			       ev.vbd.level_dbm0,
			       ev.vbd.first ? ", switch to VBD" : "",
			       ev.vbd.ec_bypass ? ", canceller bypassed" : "");
			if (ev.vbd.first) {
				seen->first[ev.chan] = ev.vbd;
				seen->first_tick[ev.chan] = tick;
			}
			seen->bypass[ev.chan] |= ev.vbd.ec_bypass;
			seen->vbd[ev.chan]++;
			break;
		case GW_MEDIA_EV_DETACHED:
			seen->back[ev.chan] = ev.rtp;
			break;
		default:
			break;
		}
	}
}

static int scripted(int threads)
{
	static struct gw_hw_card card;
	struct gw_rtp_session *s[SC_CHANS + 1] = { 0 };
	struct gw_media *m = NULL;
	struct sc_seen seen = { 0 };
	struct sockaddr_in far[SC_CHANS + 1];
	int fds[SC_CHANS + 1] = { -1, -1, -1, -1 };
	int ret = -1;

	memset(&card, 0, sizeof(card));
	card.far_fd = -1;
	card.ansam = modem_connect_tones_tx_init(NULL,
						 MODEM_CONNECT_TONES_ANSAM_PR);
	card.cng = modem_connect_tones_tx_init(NULL,
					       MODEM_CONNECT_TONES_FAX_CNG);
	if (!card.ansam || !card.cng)
		goto out;
	if (gw_media_alloc(&m, &sc_ops, &card, SC_CHANS) ||
	    gw_media_set_echo(m, 1, 64))
		goto out;
	if (gw_media_set_threads(m, 0) != -EINVAL ||
	    gw_media_set_threads(m, GW_MEDIA_MAX_THREADS + 1) != -EINVAL ||
	    gw_media_set_threads(m, threads)) {
		fprintf(stderr, "set_threads\n");
		goto out;
	}
	if (gw_media_set_rtp_timeout(m, -1) != -EINVAL ||
	    gw_media_set_rtp_timeout(m, GW_MEDIA_RTP_TIMEOUT_MAX + 1) !=
		    -EINVAL ||
	    gw_media_set_rtp_timeout(m, 1) ||
	    gw_media_set_vbd_detect(m, 1u << 7) != -EINVAL) {
		fprintf(stderr, "setters\n");
		goto out;
	}
	for (int i = 1; i <= SC_CHANS; i++) {
		char ip[] = "127.0.0.1";

		fds[i] = udp_local(&far[i]);
		if (fds[i] < 0 ||
		    gw_rtp_session_alloc(&s[i], ip, 42000, 42998) ||
		    gw_rtp_session_set_remote(s[i], ip, ntohs(far[i].sin_port),
					      0))
			goto out;
	}
	gw_rtp_session_set_te(s[1], 101); /* the VBD drain path */
	card.far_fd = fds[2];
	card.to2 = far[2];
	card.to2.sin_port = htons((uint16_t)s[2]->local_port);
	if (gw_media_start(m))
		goto out;
	if (gw_media_set_rtp_timeout(m, 5) != -EBUSY ||
	    gw_media_set_threads(m, 1) != -EBUSY) {
		fprintf(stderr, "setters after start\n");
		goto out;
	}
	for (int i = 1; i <= SC_CHANS; i++) {
		struct gw_media_cmd c = { .type = GW_MEDIA_CMD_ATTACH,
					  .chan = i, .rtp = s[i] };
		if (gw_media_cmd(m, &c))
			goto out;
	}
	{
		struct gw_media_cmd c = { .type = GW_MEDIA_CMD_RTP_TIMEOUT,
					  .chan = 3, .seconds = 0 };
		if (gw_media_cmd(m, &c))
			goto out;
	}
	atomic_store(&card.go, true);
	for (int n = 0; atomic_load(&card.tick) < SC_TICKS && n < 20000;
	     n++) {
		struct pollfd p = { .fd = gw_media_ev_fd(m), .events = POLLIN };
		uint64_t v;

		if (poll(&p, 1, 10) == 1 && read(p.fd, &v, sizeof(v)) < 0)
			break;
		sc_events(m, &card, &seen);
	}
	{
		struct gw_media_stats st;

		gw_media_stats_get(m, &st);
		printf("    %d media thread%s, CPU ms each:", st.threads,
		       st.threads == 1 ? "" : "s");
		for (int i = 0; i < st.threads; i++)
			printf(" %.1f", (double)st.thread_cpu_ns[i] / 1e6);
		printf("\n");
		if (st.threads != threads) {
			fprintf(stderr, "%d threads\n", st.threads);
			goto out;
		}
		for (int i = 0; i < threads; i++)
			if (!st.thread_cpu_ns[i]) {
				fprintf(stderr, "thread %d idle\n", i);
				goto out;
			}
	}
	gw_media_stop(m); /* gives the sessions back */
	sc_events(m, &card, &seen);
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "media_thread_scripted: setup failed\n");
	gw_media_free(m);
	printf("    %d ticks, %d flushes; order errors %d; timeouts: chan 1 %d (tick %d, "
	       "%d s) chan 2 %d (tick %d) chan 3 %d; VBD events %d/%d/%d\n",
	       atomic_load(&card.tick), atomic_load(&card.flushes),
	       atomic_load(&card.order_errors),
	       seen.timeouts[1], seen.timeout_tick[1], seen.timeout_s[1],
	       seen.timeouts[2], seen.timeout_tick[2], seen.timeouts[3],
	       seen.vbd[1], seen.vbd[2], seen.vbd[3]);
	for (int i = 1; i <= SC_CHANS && !ret; i++) {
		struct gw_jbuf_stats st;

		if (seen.back[i] != s[i]) {
			fprintf(stderr, "chan %d: session not given back\n", i);
			ret = -1;
			break;
		}
		gw_jbuf_stats(&s[i]->jb, &st);
		printf("    chan %d: jitter buffer %s%s target %.0f ms, "
		       "rx %llu packets\n", i,
		       s[i]->jb.mode == GW_JBUF_FIXED ? "fixed" : "adaptive",
		       s[i]->jb.vbd ? " vbd" : "", st.target_ms,
		       (unsigned long long)atomic_load(&s[i]->rx_packets));
	}
	if (!ret) {
		/* send sides before receive sides, every tick */
		if (atomic_load(&card.order_errors))
			ret = -1;
		/* chan 1: ANSam/ on the line; its far end silent */
		else if (seen.first[1].dir != GW_MEDIA_DIR_LINE ||
			 seen.first[1].tone < GW_MODEM_ANS ||
			 seen.first[1].tone > GW_MODEM_ANSAM_PR ||
			 !seen.bypass[1] || !s[1]->jb.vbd ||
			 s[1]->jb.mode != GW_JBUF_FIXED)
			ret = -1;
		/* chan 2: CNG from the network */
		else if (seen.first[2].dir != GW_MEDIA_DIR_NET ||
			 seen.first[2].tone != GW_MODEM_CNG ||
			 seen.bypass[2] || !s[2]->jb.vbd)
			ret = -1;
		/* chan 3: nothing heard, adaptive still */
		else if (seen.vbd[3] || s[3]->jb.vbd)
			ret = -1;
		/* inactivity: once, after 1 s; chan 2 only once its far
		 * end stopped; chan 3's timer off */
		else if (seen.timeouts[1] != 1 || seen.timeout_s[1] != 1 ||
			 seen.timeout_tick[1] < 50 ||
			 seen.timeouts[2] != 1 ||
			 seen.timeout_tick[2] < SC_CNG_END + 50 ||
			 seen.timeouts[3] != 0)
			ret = -1;
		if (ret)
			fprintf(stderr, "media_thread_scripted: unexpected "
					"events (see above)\n");
	}
	for (int i = 1; i <= SC_CHANS; i++) {
		gw_rtp_session_free(s[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	if (card.ansam)
		modem_connect_tones_tx_free(card.ansam);
	if (card.cng)
		modem_connect_tones_tx_free(card.cng);
	return ret;
}

static int media_thread_scripted(void)
{
	return scripted(1);
}

/* The same over three media threads, one channel each. */
static int media_threads_scripted(void)
{
	return scripted(3);
}

/*
 * CMD_SWAP (a transfer, gateway/xfer.h): chan 3 bridged to session a is
 * switched to b; a comes back (EV_DETACHED) while the channel goes on,
 * b sends from then on, one channel active all along, and stopping gives
 * b back.
 */
static int media_swap(void)
{
	static struct gw_hw_card card;
	struct gw_rtp_session *a = NULL, *b = NULL, *back_a = NULL,
			      *back_b = NULL;
	struct gw_media *m = NULL;
	struct sockaddr_in far;
	struct gw_media_stats st = { 0 };
	int fd = -1, ret = -1, active = -1;
	uint64_t a_tx = 0, b_tx = 0;
	char ip[] = "127.0.0.1";

	memset(&card, 0, sizeof(card));
	card.far_fd = -1;
	card.ansam = modem_connect_tones_tx_init(NULL,
						 MODEM_CONNECT_TONES_ANSAM_PR);
	card.cng = modem_connect_tones_tx_init(NULL,
					       MODEM_CONNECT_TONES_FAX_CNG);
	fd = udp_local(&far);
	if (!card.ansam || !card.cng || fd < 0 ||
	    gw_media_alloc(&m, &sc_ops, &card, SC_CHANS) ||
	    gw_media_set_echo(m, 3, 64) ||
	    gw_rtp_session_alloc(&a, ip, 42000, 42998) ||
	    gw_rtp_session_alloc(&b, ip, 42000, 42998) ||
	    gw_rtp_session_set_remote(a, ip, ntohs(far.sin_port), 0) ||
	    gw_rtp_session_set_remote(b, ip, ntohs(far.sin_port), 0) ||
	    gw_media_start(m))
		goto out;
	if (gw_media_cmd(m, &(struct gw_media_cmd){
			    .type = GW_MEDIA_CMD_ATTACH, .chan = 3, .rtp = a }))
		goto out;
	atomic_store(&card.go, true);
	for (int n = 0; atomic_load(&card.tick) < 20 && n < 2000; n++)
		usleep(1000);
	if (gw_media_cmd(m, &(struct gw_media_cmd){
			    .type = GW_MEDIA_CMD_SWAP, .chan = 3, .rtp = b }))
		goto out;
	for (int n = 0; !back_a && n < 2000; n++) {
		struct gw_media_ev ev;

		usleep(1000);
		while (gw_media_ev_get(m, &ev) == 1)
			if (ev.type == GW_MEDIA_EV_DETACHED && ev.chan == 3)
				back_a = ev.rtp;
	}
	a_tx = atomic_load(&a->tx_packets);
	for (int t0 = atomic_load(&card.tick), n = 0;
	     atomic_load(&card.tick) < t0 + 20 && n < 2000; n++)
		usleep(1000);
	gw_media_stats_get(m, &st);
	active = st.active_chans;
	b_tx = atomic_load(&b->tx_packets);
	gw_media_stop(m);
	{
		struct gw_media_ev ev;

		while (gw_media_ev_get(m, &ev) == 1)
			if (ev.type == GW_MEDIA_EV_DETACHED && ev.chan == 3)
				back_b = ev.rtp;
	}
	printf("    swap: a sent %llu packets, given back %s; b sent %llu "
	       "after, %d channel(s) active; b given back at stop %s\n",
	       (unsigned long long)a_tx, back_a == a ? "yes" : "no",
	       (unsigned long long)b_tx, active, back_b == b ? "yes" : "no");
	if (back_a == a && back_b == b && a_tx > 0 && b_tx >= 10 &&
	    active == 1 && atomic_load(&a->tx_packets) == a_tx)
		ret = 0;
out:
	gw_media_free(m);
	gw_rtp_session_free(a);
	gw_rtp_session_free(b);
	if (fd >= 0)
		close(fd);
	if (card.ansam)
		modem_connect_tones_tx_free(card.ansam);
	if (card.cng)
		modem_connect_tones_tx_free(card.cng);
	return ret;
}

const struct gw_test_case gw_test_cases_media[] = {
	{ "media_rtp_roundtrip", rtp_roundtrip },
	{ "media_rtp_decode_bad", rtp_decode_bad },
	{ "media_jbuf_order_and_delay", jbuf_order_and_delay },
	{ "media_jbuf_ptime_and_resync", jbuf_ptime_and_resync },
	{ "media_spsc_fifo", spsc_fifo },
	{ "media_sdp_offer_answer", sdp_offer_answer },
	{ "media_sdp_telephone_event", sdp_telephone_event },
	{ "media_sdp_srtp", sdp_srtp },
	{ "media_rtp_event_coding", rtp_event_coding },
	{ "media_rtp_event_sender", rtp_event_sender },
	{ "media_rtp_event_receiver", rtp_event_receiver },
	{ "media_rtp_event_loop", rtp_event_loop },
	{ "media_vbd_steps", vbd_steps },
	{ "media_vbd_jbuf_in_place", vbd_jbuf_in_place },
	{ "media_thread_scripted", media_thread_scripted },
	{ "media_threads_scripted", media_threads_scripted },
	{ "media_swap", media_swap },
	{ NULL, NULL },
};
