// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mediabench: the media engine's load and delay benchmark (issue 4).
 *
 * Runs the real media thread (gateway/media.c) on an in-process card
 * (tests/bench/benchcard.c: 20 ms CLOCK_MONOTONIC clock, speech-like
 * input with a -10 dB echo of what was played) with N channels, each
 * bridged to a real RTP session (gateway/rtp.c, G.711 u-law, RFC 4733
 * telephone-events on, so the DTMF suppressor/detector runs) on
 * 127.0.0.1. A reflector thread (pinned to the second core, a single
 * media thread to the first; real-time above the media threads when
 * permitted, as a far end on its own machine is never held up by them)
 * answers every packet at once from the address it was sent
 * to, with the far side's speech (talking when the card's side
 * is silent) in the payload, so packets flow both ways and the canceller
 * adapts.
 *
 * Figures per configuration, over a measuring window after a warm-up:
 *  - media CPU: the media thread's CPU time (gw_media_stats.cpu_ns) over
 *    wall time, in % of one core, and per channel per tick;
 *  - tick lateness from gw_media_stats (the thread's deadline grid, see
 *    media.h) and the card's own (against its real deadline);
 *  - missed deadlines (media grid / card);
 *  - card -> RTP: a click put at the first sample of a card frame, from
 *    that sample's capture (frame deadline minus one period) to the
 *    arrival of the packet that carries it at the reflector's socket
 *    (the kernel's SO_TIMESTAMPNS);
 *  - RTP -> card: a click the reflector puts at the first sample of a
 *    packet, from its send to the click's play-out on the card (start of
 *    the period after the one the frame was written in, plus the offset).
 *
 * SRTP rows (RFC 3711 via gateway/srtp.h): each session gets fresh keys
 * (gw_srtp_key_generate(), AES_CM_128_HMAC_SHA1_80, one row with
 * AEAD_AES_128_GCM) with gw_rtp_session_set_srtp(); the reflector holds a
 * mirrored struct gw_srtp per channel (its tx key is the session's rx key
 * and the other way round) and sends with its own SSRC (the session's
 * with the bits flipped: a context must not see its own SSRC come back),
 * so it unprotects each packet, edits it as above and protects it again.
 * Its crypto runs on the second core: the media CPU figure is the
 * gateway's side only. After the run, both sides' SRTP counters
 * (gw_srtp_get_stats()) must show no authentication failure, replay or
 * error, else the row fails.
 *
 * Usage: mediabench [-w WARMUP_S] [-t MEASURE_S] [-q] [-j JITTER_MIN_MS]
 *                   [-T THREADS] [CHANNELS...]
 * (default: 2 s + 6 s per row; for each channel count (default 30, 120,
 * 240) rows without canceller, with a 512-tap one, and with a 512-tap one
 * and SRTP; for the largest also 1024 taps, no RFC 4733 and SRTP with
 * AES-GCM; and, on a machine with more than one core, the SRTP row
 * again over one media thread per core). -T runs every row on THREADS
 * media threads (column "thr"; with one, it is pinned to the first core,
 * with more they are left to the scheduler). Real-time priority is used
 * when permitted (the row says so).
 * The last line checks the goal on the largest count with SRTP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dsp/g711.h"
#include "gateway/media.h"
#include "gateway/rtp.h"
#include "gateway/srtp.h"
#include "tests/bench/benchcard.h"

#define REFL_POLL_NS 500000L /* the reflector reads every 0.5 ms */
#define NREFL 8	   /* reflector sockets (their receive buffers share) */
#define BATCH 64   /* recvmmsg/sendmmsg batch */
#define TE_PT 101  /* telephone-event payload type */
#define PORT_MIN 30000
#define PORT_MAX 39998
#define FAR_SAMPLES (10 * GW_HW_RATE_HZ)
#define MARK_EVERY 50 /* packets: a click once a second per channel */
#define STALE_NS 300000000ULL /* a click's capture this old is lost */

struct row {
	int nchans;
	int ec_tail_ms; /* 0: no canceller */
	bool te;	/* RFC 4733 on: DTMF suppressor (media.h look-ahead) */
	bool srtp;
	enum gw_srtp_suite suite; /* with srtp */
	int threads; /* media threads */
};

struct result {
	double cpu_pct, us_per_chan_tick, busy_pct;
	uint64_t ticks;
	uint64_t lat[4], card_lat[4]; /* p50, p99, p99.9, max (µs) */
	uint64_t missed, card_missed, late_ticks;
	uint64_t late_max_run_us, busy_max_us;
	struct gw_benchcard_delay to_rtp, to_card;
	uint64_t marks_card, marks_refl, marks_stale;
	uint64_t tx, rx, refl_rx, refl_tx, rx_bad, rx_foreign;
	double jb_delay_ms, jb_target_ms;
	uint64_t concealed_frames;
	double erle_db;
	int converged, ec_chans;
	double card_cost_pct;
	bool realtime, mlocked;
	struct gw_srtp_stats srtp_gw, srtp_refl; /* summed over channels */
	uint64_t srtp_refl_drop;
	bool refl_rt; /* the reflector runs SCHED_FIFO */
};

/* ---- reflector ---- */

struct refl {
	int fd[NREFL];
	int port[NREFL];
	int epfd;
	pthread_t thread;
	atomic_bool stop, measuring;
	struct gw_hw_card *card;
	int16_t chan_of_port[65536];
	uint32_t pos[GW_HW_MAX_CHANS + 1]; /* far-end loop position */
	uint32_t pkts[GW_HW_MAX_CHANS + 1];
	/* SRTP rows: the far end's context and SSRC per channel */
	struct gw_srtp *srtp[GW_HW_MAX_CHANS + 1];
	uint32_t ssrc[GW_HW_MAX_CHANS + 1];
	uint64_t srtp_drop; /* packets its unprotect/protect refused */
	uint8_t *far; /* u-law far-end speech loop */
	uint8_t silence, mark_pos, mark_neg;
	int16_t ulaw[256]; /* u-law decode table */
	/* figures (reflector thread; read after join) */
	struct gw_benchcard_delay to_rtp;
	uint64_t rx, tx, marks, stale;
	/* buffers */
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	/* SO_TIMESTAMPNS: the kernel's arrival time of each packet */
	_Alignas(struct cmsghdr) uint8_t ctl[BATCH][CMSG_SPACE(
		sizeof(struct timespec))];
	struct sockaddr_in addr[BATCH];
	_Alignas(8) uint8_t buf[BATCH][GW_RTP_MAX_PACKET]; /* libsrtp: words */
};

static void pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(t, sizeof(set), &set);
}

static void unpin(pthread_t t)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	for (long i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	pthread_setaffinity_np(t, sizeof(set), &set);
}

static void delay_add(struct gw_benchcard_delay *d, uint64_t ns)
{
	if (!d->n || ns < d->min_ns)
		d->min_ns = ns;
	if (ns > d->max_ns)
		d->max_ns = ns;
	d->n++;
	d->sum_ns += ns;
}

/* Put the reflector's SSRC into a packet's header (octets 8..11). */
static void set_ssrc(uint8_t *p, uint32_t ssrc)
{
	for (int k = 0; k < 4; k++)
		p[8 + k] = (uint8_t)(ssrc >> (24 - 8 * k));
}

/*
 * Audio payload pl of plen octets on channel chan: find the card's click
 * (measure card -> RTP), then write the far side's speech (or silence)
 * and, once a second, a click at the first sample.
 */
static void edit(struct refl *r, int chan, uint8_t *pl, size_t plen,
		 bool meas, uint64_t now)
{
	for (size_t k = 0; k < plen; k++) {
		int v = r->ulaw[pl[k]];
		if (v > GW_BENCHCARD_MARK_THRESHOLD ||
		    v < -GW_BENCHCARD_MARK_THRESHOLD) {
			/* cap: when that very sample reached the card */
			uint64_t cap = gw_benchcard_mark_claim(r->card, chan);
			/*
			 * A click that never arrived (clipped on the way)
			 * leaves its capture time behind; a loud sample
			 * much later (the echo of our own click) is not
			 * its delay: over STALE_NS the pair is dropped.
			 */
			if (cap && now > cap && meas && now - cap > STALE_NS)
				r->stale++;
			else if (cap && now > cap && meas) {
				delay_add(&r->to_rtp, now - cap);
				r->marks++;
			}
			break;
		}
	}
	/* the far side's answer: its speech (or silence) and, once a
	 * second, a click at the first sample */
	bool talk = gw_benchcard_talking(chan, now, false);
	for (size_t k = 0; k < plen; k++) {
		pl[k] = talk ? r->far[r->pos[chan]] : r->silence;
		r->pos[chan] = (r->pos[chan] + 1) % FAR_SAMPLES;
	}
	if (++r->pkts[chan] % MARK_EVERY == 0 && plen >= 4) {
		pl[0] = r->mark_pos;
		pl[1] = r->mark_neg;
		pl[2] = r->mark_pos;
		pl[3] = r->mark_neg;
		gw_benchcard_mark_sent(r->card, chan, gw_benchcard_now_ns());
	}
}

/*
 * One received packet in place: measure, then turn it into the answer;
 * *len is the answer's length. Returns false to drop it: a packet from
 * no channel's RTP port (RTCP, strays), or one SRTP refused. With SRTP,
 * audio and events are unprotected, sent back with the reflector's SSRC
 * and protected again; without, events go back as they came.
 */
static bool reflect(struct refl *r, int i, size_t *len, uint64_t now)
{
	uint8_t *p = r->buf[i];
	struct gw_rtp_hdr h;
	size_t plen;
	int chan = r->chan_of_port[ntohs(r->addr[i].sin_port)];
	bool meas = atomic_load_explicit(&r->measuring, memory_order_relaxed);
	struct gw_srtp *srtp = chan > 0 ? r->srtp[chan] : NULL;

	if (chan <= 0)
		return false;
	if (srtp && gw_srtp_unprotect(srtp, p, len) < 0) {
		r->srtp_drop++;
		return false;
	}
	int off = gw_rtp_hdr_decode(&h, p, *len, &plen);
	if (off >= 0 && h.pt == GW_G711_ULAW)
		edit(r, chan, p + off, plen, meas, now);
	if (!srtp)
		return true;
	set_ssrc(p, r->ssrc[chan]);
	if (gw_srtp_protect(srtp, p, len, sizeof(r->buf[i])) < 0) {
		r->srtp_drop++;
		return false;
	}
	return true;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns (SO_TIMESTAMPNS is realtime). */
static int64_t real_minus_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec -
	       (int64_t)gw_benchcard_now_ns();
}

/*
 * A packet's arrival on the monotonic clock, from its SO_TIMESTAMPNS
 * (so that the reflector's own scheduling, e.g. behind a media thread on
 * its core, is not counted as the gateway's delay); `now` without one.
 */
static uint64_t arrival(struct msghdr *h, int64_t real_off, uint64_t now)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec t;
			int64_t v;

			memcpy(&t, CMSG_DATA(c), sizeof(t));
			v = (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec -
			    real_off;
			return v > 0 && (uint64_t)v <= now ? (uint64_t)v : now;
		}
	}
	return now;
}

static void *refl_run(void *arg)
{
	struct refl *r = arg;
	struct epoll_event evs[NREFL];

	struct timespec next;

	(void)evs;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		/*
		 * Poll every REFL_POLL_NS instead of sleeping in epoll_wait:
		 * a far end on its own machine costs the gateway nothing to
		 * wake, but a sleeping reader on loopback is woken from the
		 * media thread's sendto() (an inter-processor wake-up per
		 * packet charged to the media thread's CPU time).
		 */
		next.tv_nsec += REFL_POLL_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		for (int e = 0; e < NREFL; e++) {
			int fd = r->fd[e];
			for (;;) {
				for (int i = 0; i < BATCH; i++) {
					r->iov[i].iov_base = r->buf[i];
					r->iov[i].iov_len = sizeof(r->buf[i]);
					r->msgs[i].msg_hdr = (struct msghdr){
						.msg_name = &r->addr[i],
						.msg_namelen = sizeof(r->addr[i]),
						.msg_iov = &r->iov[i],
						.msg_iovlen = 1,
						.msg_control = r->ctl[i],
						.msg_controllen = sizeof(r->ctl[i]),
					};
				}
				int k = recvmmsg(fd, r->msgs, BATCH,
						 MSG_DONTWAIT, NULL);
				if (k <= 0)
					break;
				uint64_t now = gw_benchcard_now_ns();
				int64_t real_off = real_minus_mono();
				int out = 0; /* answers, packed to the front */
				for (int i = 0; i < k; i++) {
					size_t len = r->msgs[i].msg_len;
					uint64_t at = arrival(&r->msgs[i].msg_hdr,
							      real_off, now);

					if (!reflect(r, i, &len, at))
						continue;
					r->iov[i].iov_len = len;
					r->msgs[out] = r->msgs[i];
					r->msgs[out].msg_hdr.msg_control = NULL;
					r->msgs[out++].msg_hdr.msg_controllen = 0;
				}
				r->rx += (uint64_t)k;
				int s = out ? sendmmsg(fd, r->msgs,
						       (unsigned)out, 0) : 0;
				if (s > 0)
					r->tx += (uint64_t)s;
				if (k < BATCH)
					break;
			}
		}
	}
	return NULL;
}

static int refl_open(struct refl *r)
{
	int16_t far[FAR_SAMPLES];
	int16_t v[3] = { 0, GW_BENCHCARD_MARK, -GW_BENCHCARD_MARK };
	uint8_t u[3], all[256];

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		return -errno;
	for (int i = 0; i < NREFL; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t len = sizeof(sa);
		int big = 4 << 20;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r->fd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (r->fd[i] < 0 ||
		    bind(r->fd[i], (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    getsockname(r->fd[i], (struct sockaddr *)&sa, &len) < 0)
			return -errno;
		setsockopt(r->fd[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		int on = 1;
		setsockopt(r->fd[i], SOL_SOCKET, SO_TIMESTAMPNS, &on,
			   sizeof(on));
		r->port[i] = ntohs(sa.sin_port);
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.fd = r->fd[i] };
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->fd[i], &ev) < 0)
			return -errno;
	}
	r->far = malloc(FAR_SAMPLES);
	if (!r->far || gw_benchcard_speech(far, FAR_SAMPLES, 777) < 0)
		return -ENOMEM;
	gw_g711_encode(GW_G711_ULAW, r->far, far, FAR_SAMPLES);
	gw_g711_encode(GW_G711_ULAW, u, v, 3);
	r->silence = u[0];
	r->mark_pos = u[1];
	r->mark_neg = u[2];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	gw_g711_decode(GW_G711_ULAW, r->ulaw, all, 256);
	return 0;
}

static void refl_close(struct refl *r)
{
	for (int i = 0; i < NREFL; i++)
		if (r->fd[i] > 0)
			close(r->fd[i]);
	if (r->epfd > 0)
		close(r->epfd);
	for (int c = 0; c <= GW_HW_MAX_CHANS; c++)
		gw_srtp_free(r->srtp[c]);
	free(r->far);
}

/* ---- one configuration ---- */

static double ts_ns(void)
{
	return (double)gw_benchcard_now_ns();
}

static void quantiles(const uint64_t *h, uint64_t *q)
{
	q[0] = gw_media_late_quantile_us(h, 0.5);
	q[1] = gw_media_late_quantile_us(h, 0.99);
	q[2] = gw_media_late_quantile_us(h, 0.999);
	q[3] = gw_media_late_quantile_us(h, 1.0);
}

static void sleep_s(double s)
{
	struct timespec t = { .tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/*
 * SRTP on channel chan's session: fresh keys both ways; the reflector
 * gets the mirror image (tx and rx swapped) and sends with the session's
 * SSRC inverted, so neither context sees its own SSRC come in.
 */
static int session_enable_srtp(struct gw_rtp_session *s, struct refl *r,
			       int chan, enum gw_srtp_suite suite)
{
	struct gw_srtp_key tx, rx;
	struct gw_srtp *ctx;
	int err;

	if ((err = gw_srtp_key_generate(&tx, suite)) ||
	    (err = gw_srtp_key_generate(&rx, suite)))
		return err;
	r->ssrc[chan] = ~s->ssrc;
	if ((err = gw_srtp_alloc(&r->srtp[chan], &rx, &tx, r->ssrc[chan])))
		return err;
	if ((err = gw_srtp_alloc(&ctx, &tx, &rx, s->ssrc)))
		return err;
	gw_rtp_session_set_srtp(s, ctx);
	return 0;
}

static void srtp_add(struct gw_srtp_stats *sum, const struct gw_srtp *ctx)
{
	struct gw_srtp_stats st;

	if (!ctx)
		return;
	gw_srtp_get_stats(ctx, &st);
	sum->tx_rtp += st.tx_rtp;
	sum->tx_rtcp += st.tx_rtcp;
	sum->rx_rtp += st.rx_rtp;
	sum->rx_rtcp += st.rx_rtcp;
	sum->auth_fail += st.auth_fail;
	sum->replay += st.replay;
	sum->errors += st.errors;
}

static uint64_t srtp_bad(const struct gw_srtp_stats *st)
{
	return st->auth_fail + st->replay + st->errors;
}

/* -j: the jitter buffer's adaptive minimum and start (default: the
 * gateway's 20 and 40 ms). */
static int jitter_min_ms = -1;

static int run_row(const struct row *row, double warm_s, double meas_s,
		   struct result *res)
{
	static struct refl refl; /* large: not on the stack */
	struct gw_hw_card *card = NULL;
	struct gw_media *m = NULL;
	struct gw_rtp_session *sess[GW_HW_MAX_CHANS + 1] = { 0 };
	struct gw_media_stats *s0 = NULL, *s1 = NULL;
	struct gw_benchcard_stats *c0 = NULL;
	char spec[16];
	int err, n = row->nchans;
	bool refl_up = false;

	memset(res, 0, sizeof(*res));
	memset(&refl, 0, sizeof(refl));
	s0 = calloc(1, sizeof(*s0));
	s1 = calloc(1, sizeof(*s1));
	c0 = calloc(1, sizeof(*c0));
	if (!s0 || !s1 || !c0) {
		err = -ENOMEM;
		goto out;
	}
	snprintf(spec, sizeof(spec), "%d", n);
	err = gw_benchcard_ops.open(&card, spec);
	if (err)
		goto out;
	err = refl_open(&refl);
	if (err)
		goto out;
	refl.card = card;
	err = gw_media_alloc(&m, &gw_benchcard_ops, card, n);
	if (!err)
		err = gw_media_set_threads(m, row->threads);
	if (err)
		goto out;
	for (int c = 1; c <= n; c++) {
		struct gw_rtp_session *s;

		if (row->ec_tail_ms &&
		    (err = gw_media_set_echo(m, c, row->ec_tail_ms)) < 0)
			goto out;
		err = gw_rtp_session_alloc(&s, "127.0.0.1", PORT_MIN, PORT_MAX);
		if (err)
			goto out;
		sess[c] = s;
		err = gw_rtp_session_set_remote(s, "127.0.0.1",
						refl.port[c % NREFL],
						GW_G711_ULAW);
		if (!err && jitter_min_ms >= 0) {
			struct gw_jbuf_cfg jc;

			gw_jbuf_cfg_default(&jc);
			jc.min_ms = (uint32_t)jitter_min_ms;
			jc.delay_ms = (uint32_t)jitter_min_ms; /* start there */
			err = gw_rtp_session_set_jitter(s, &jc);
		}
		if (!err && row->te)
			err = gw_rtp_session_set_te(s, TE_PT);
		if (!err && row->srtp)
			err = session_enable_srtp(s, &refl, c, row->suite);
		if (err)
			goto out;
		refl.chan_of_port[s->local_port] = (int16_t)c;
	}
	res->card_cost_pct = gw_benchcard_self_cost_ns(card, 100) /
			     (1e9 * GW_HW_FRAME_SAMPLES / GW_HW_RATE_HZ) * 100;

	if ((err = -pthread_create(&refl.thread, NULL, refl_run, &refl)))
		goto out;
	refl_up = true;
	pin(refl.thread, 1);
	/* the far end and network should not wait behind other work on
	 * its core, a second media thread included: real-time when
	 * permitted, above the media threads (it takes ~2 % of a core) */
	struct sched_param sp = { .sched_priority = 60 };
	res->refl_rt = pthread_setschedparam(refl.thread, SCHED_FIFO, &sp) == 0;
	if (row->threads == 1)
		pin(pthread_self(), 0); /* the media thread inherits it */
	err = gw_media_start(m);
	unpin(pthread_self());
	if (err)
		goto out;
	for (int c = 1; c <= n; c++) {
		struct gw_media_cmd cmd = { .type = GW_MEDIA_CMD_ATTACH,
					    .chan = c, .rtp = sess[c] };
		while ((err = gw_media_cmd(m, &cmd)) == -ENOSPC)
			sleep_s(0.005);
		if (err)
			goto out;
	}

	sleep_s(warm_s);
	gw_benchcard_measure(card, true);
	atomic_store(&refl.measuring, true);
	double w0 = ts_ns();
	gw_media_stats_get(m, s0);
	gw_benchcard_stats(card, c0);
	sleep_s(meas_s);
	gw_media_stats_get(m, s1);
	double w1 = ts_ns();
	gw_benchcard_measure(card, false);
	atomic_store(&refl.measuring, false);
	gw_benchcard_stats(card, c0);

	/* the figures of the window */
	uint64_t ticks = s1->ticks - s0->ticks;
	double cpu = (double)(s1->cpu_ns - s0->cpu_ns);
	res->ticks = ticks;
	res->cpu_pct = cpu / (w1 - w0) * 100;
	res->busy_pct = (double)(s1->busy_ns - s0->busy_ns) / (w1 - w0) * 100;
	res->us_per_chan_tick = ticks ? cpu / (double)ticks / n / 1000 : 0;
	for (int i = 0; i < GW_MEDIA_LATE_BUCKETS; i++)
		s1->late_hist[i] -= s0->late_hist[i];
	quantiles(s1->late_hist, res->lat);
	quantiles(c0->late_hist, res->card_lat);
	res->missed = s1->missed_deadlines - s0->missed_deadlines;
	res->late_ticks = s1->late_ticks - s0->late_ticks;
	res->card_missed = c0->missed_deadlines;
	res->late_max_run_us = s1->late_ns_max / 1000;
	res->busy_max_us = s1->busy_ns_max / 1000;
	res->to_card = c0->to_card;
	res->marks_card = c0->marks_sent;
	res->realtime = s1->realtime;
	res->mlocked = s1->mlocked;

out:
	if (m) {
		struct gw_media_ev ev;
		double erle = 0;

		gw_media_stop(m); /* gives the sessions back */
		while (gw_media_ev_get(m, &ev) == 1) {
			if (ev.type != GW_MEDIA_EV_ECHO_STATS)
				continue;
			res->ec_chans++;
			erle += ev.echo.erle_db;
			res->converged += ev.echo.converged;
		}
		res->erle_db = res->ec_chans ? erle / res->ec_chans : 0;
	}
	if (refl_up) {
		atomic_store(&refl.stop, true);
		pthread_join(refl.thread, NULL);
		res->to_rtp = refl.to_rtp;
		res->marks_refl = refl.marks;
		res->marks_stale = refl.stale;
		res->refl_rx = refl.rx;
		res->refl_tx = refl.tx;
		res->srtp_refl_drop = refl.srtp_drop;
	}
	for (int c = 1; c <= n; c++)
		srtp_add(&res->srtp_refl, refl.srtp[c]);
	double jbd = 0, jbt = 0;
	int njb = 0;
	for (int c = 1; c <= n; c++) {
		struct gw_rtp_session *s = sess[c];
		struct gw_jbuf_stats js;

		if (!s)
			continue;
		res->tx += atomic_load(&s->tx_packets);
		res->rx += atomic_load(&s->rx_packets);
		res->rx_bad += atomic_load(&s->rx_bad);
		res->rx_foreign += atomic_load(&s->rx_foreign);
		gw_jbuf_stats(&s->jb, &js);
		jbd += js.delay_ms;
		jbt += js.target_ms;
		res->concealed_frames += js.concealed_frames;
		srtp_add(&res->srtp_gw, s->srtp);
		njb++;
		gw_rtp_session_free(s);
	}
	res->jb_delay_ms = njb ? jbd / njb : 0;
	res->jb_target_ms = njb ? jbt / njb : 0;
	gw_media_free(m);
	refl_close(&refl);

	gw_benchcard_ops.close(card);
	free(s0);
	free(s1);
	free(c0);
	return err;
}

/* ---- output ---- */

static void print_head(void)
{
	printf("%5s %3s %4s %-5s %4s %6s %7s | %-27s | %-14s | %-15s | %-15s\n",
	       "chans", "thr", "EC", "SRTP", "4733", "CPU%", "us/ch/t",
	       "tick lateness us p50/99/99.9/max", "missed", "card->RTP ms",
	       "RTP->card ms");
	printf("%5s %3s %4s %-5s %4s %6s %7s | %-27s | %-14s | %-15s | %-15s\n",
	       "", "", "taps", "", "", "1 core", "", "(media grid)",
	       "media/card", "mean/max", "mean/max");
}

static double ms_mean(const struct gw_benchcard_delay *d)
{
	return d->n ? (double)d->sum_ns / (double)d->n / 1e6 : 0;
}

static const char *srtp_name(const struct row *row)
{
	if (!row->srtp)
		return "off";
	return row->suite == GW_SRTP_AEAD_AES_128_GCM ? "gcm" : "cm80";
}

/* SRTP rows: both sides' counters clean and packets through both ways. */
static bool srtp_ok(const struct row *row, const struct result *r)
{
	return !row->srtp ||
	       (!srtp_bad(&r->srtp_gw) && !srtp_bad(&r->srtp_refl) &&
		!r->srtp_refl_drop && r->srtp_gw.rx_rtp && r->srtp_refl.rx_rtp);
}

static void print_row(const struct row *row, const struct result *r)
{
	char lat[40], missed[24], d1[24], d2[24];

	snprintf(lat, sizeof(lat), "%llu/%llu/%llu/%llu",
		 (unsigned long long)r->lat[0], (unsigned long long)r->lat[1],
		 (unsigned long long)r->lat[2], (unsigned long long)r->lat[3]);
	snprintf(missed, sizeof(missed), "%llu/%llu",
		 (unsigned long long)r->missed,
		 (unsigned long long)r->card_missed);
	snprintf(d1, sizeof(d1), "%.1f/%.1f", ms_mean(&r->to_rtp),
		 (double)r->to_rtp.max_ns / 1e6);
	snprintf(d2, sizeof(d2), "%.1f/%.1f", ms_mean(&r->to_card),
		 (double)r->to_card.max_ns / 1e6);
	printf("%5d %3d %4d %-5s %4s %6.1f %7.2f | %-27s | %-14s | %-15s | %-15s\n",
	       row->nchans, row->threads, row->ec_tail_ms * 8, srtp_name(row),
	       row->te ? "on" : "off", r->cpu_pct, r->us_per_chan_tick, lat,
	       missed, d1, d2);
}

static void print_detail(const struct row *row, const struct result *r,
			 bool verbose)
{
	if (!verbose)
		return;
	printf("      card-side lateness us p50/99/99.9/max %llu/%llu/%llu/%llu;"
	       " busy %.1f%% wall, max %llu us; overran %llu; lateness max"
	       " since start %llu us\n",
	       (unsigned long long)r->card_lat[0],
	       (unsigned long long)r->card_lat[1],
	       (unsigned long long)r->card_lat[2],
	       (unsigned long long)r->card_lat[3], r->busy_pct,
	       (unsigned long long)r->busy_max_us,
	       (unsigned long long)r->late_ticks,
	       (unsigned long long)r->late_max_run_us);
	printf("      clicks card->RTP %llu/%llu (%llu lost) min %.1f ms,"
	       " RTP->card %llu min %.1f ms; jbuf delay %.1f ms target %.1f"
	       " ms, concealed frames %llu\n",
	       (unsigned long long)r->marks_refl,
	       (unsigned long long)r->marks_card,
	       (unsigned long long)r->marks_stale,
	       (double)r->to_rtp.min_ns / 1e6,
	       (unsigned long long)r->to_card.n,
	       (double)r->to_card.min_ns / 1e6, r->jb_delay_ms,
	       r->jb_target_ms, (unsigned long long)r->concealed_frames);
	printf("      packets gw tx %llu rx %llu, reflector rx %llu tx %llu,"
	       " bad %llu foreign %llu; card sim %.2f%% of a core included;"
	       " %s%s%s",
	       (unsigned long long)r->tx, (unsigned long long)r->rx,
	       (unsigned long long)r->refl_rx, (unsigned long long)r->refl_tx,
	       (unsigned long long)r->rx_bad,
	       (unsigned long long)r->rx_foreign, r->card_cost_pct,
	       r->realtime ? "SCHED_FIFO" : "normal priority",
	       r->mlocked ? ", mlocked" : "",
	       r->refl_rt ? ", reflector SCHED_FIFO" : "");
	if (row->ec_tail_ms)
		printf("; EC ERLE %.1f dB mean, %d/%d converged", r->erle_db,
		       r->converged, r->ec_chans);
	printf("\n");
	if (!row->srtp)
		return;
	printf("      SRTP %s: gw protected %llu (+%llu RTCP) unprotected %llu"
	       " (+%llu), auth fail/replay/error %llu/%llu/%llu; reflector"
	       " protected %llu unprotected %llu, auth fail/replay/error"
	       " %llu/%llu/%llu\n", gw_srtp_suite_name(row->suite),
	       (unsigned long long)r->srtp_gw.tx_rtp,
	       (unsigned long long)r->srtp_gw.tx_rtcp,
	       (unsigned long long)r->srtp_gw.rx_rtp,
	       (unsigned long long)r->srtp_gw.rx_rtcp,
	       (unsigned long long)r->srtp_gw.auth_fail,
	       (unsigned long long)r->srtp_gw.replay,
	       (unsigned long long)r->srtp_gw.errors,
	       (unsigned long long)r->srtp_refl.tx_rtp,
	       (unsigned long long)r->srtp_refl.rx_rtp,
	       (unsigned long long)r->srtp_refl.auth_fail,
	       (unsigned long long)r->srtp_refl.replay,
	       (unsigned long long)r->srtp_refl.errors);
}

int main(int argc, char **argv)
{
	double warm = 2, meas = 6;
	bool verbose = true;
	int chans[8], nch = 0, opt, failed = 0, threads = 1;
	struct rlimit rl;

	while ((opt = getopt(argc, argv, "w:t:qj:T:")) != -1) {
		switch (opt) {
		case 'T':
			threads = atoi(optarg);
			if (threads < 1 || threads > GW_MEDIA_MAX_THREADS) {
				fprintf(stderr, "mediabench: -T 1..%d\n",
					GW_MEDIA_MAX_THREADS);
				return 2;
			}
			break;
		case 'j':
			jitter_min_ms = atoi(optarg);
			break;
		case 'w':
			warm = atof(optarg);
			break;
		case 't':
			meas = atof(optarg);
			break;
		case 'q':
			verbose = false;
			break;
		default:
			fprintf(stderr, "usage: mediabench [-w WARMUP_S] "
					"[-t MEASURE_S] [-q] [-j JITTER_MIN_MS] "
					"[-T THREADS] [CHANNELS...]\n");
			return 2;
		}
	}
	for (int i = optind; i < argc && nch < 8; i++) {
		int v = atoi(argv[i]);
		if (v < 1 || v > GW_HW_MAX_CHANS) {
			fprintf(stderr, "mediabench: channels 1..%d\n",
				GW_HW_MAX_CHANS);
			return 2;
		}
		chans[nch++] = v;
	}
	if (!nch) {
		chans[0] = 30;
		chans[1] = 120;
		chans[2] = 240;
		nch = 3;
	}
	if (warm < 0 || meas <= 0 || warm + meas > 120) {
		fprintf(stderr, "mediabench: 0 <= warm-up, 0 < measure, sum"
				" <= 120 s\n");
		return 2;
	}
	/* sockets: one per channel plus a few */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024 &&
	    rl.rlim_max >= 1024) {
		rl.rlim_cur = 1024;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	const enum gw_srtp_suite cm = GW_SRTP_AES_CM_128_HMAC_SHA1_80;
	const enum gw_srtp_suite gcm = GW_SRTP_AEAD_AES_128_GCM;
	struct row rows[32];
	int nrows = 0, goal = -1;
	for (int i = 0; i < nch; i++) {
		rows[nrows++] = (struct row){ chans[i], 0, true, false, cm,
					      threads };
		rows[nrows++] = (struct row){ chans[i], 64, true, false, cm,
					      threads };
		rows[nrows++] = (struct row){ chans[i], 64, true, true, cm,
					      threads };
	}
	int top = chans[nch - 1];
	goal = nrows - 1; /* the largest count, 512 taps, SRTP */
	rows[nrows++] = (struct row){ top, 128, true, false, cm, threads };
	rows[nrows++] = (struct row){ top, 64, false, false, cm, threads };
	rows[nrows++] = (struct row){ top, 64, true, true, gcm, threads };
	/* the goal's row again, spread over one media thread per core */
	if (threads == 1 && gw_media_auto_threads(GW_HW_MAX_CHANS) > 1)
		rows[nrows++] = (struct row){ top, 64, true, true, cm,
					      gw_media_auto_threads(
						      GW_HW_MAX_CHANS) };
	if (gw_srtp_global_init() < 0) {
		fprintf(stderr, "mediabench: srtp_init() failed\n");
		return 1;
	}

	printf("mediabench: real media thread, %d ms ticks, G.711u, %.1f s"
	       " warm-up + %.1f s measured per row\n",
	       1000 * GW_HW_FRAME_SAMPLES / GW_HW_RATE_HZ, warm, meas);
	print_head();
	struct result goal_res = { 0 };
	bool goal_run = false;
	for (int i = 0; i < nrows; i++) {
		struct result r;
		int err = run_row(&rows[i], warm, meas, &r);

		if (err) {
			printf("%5d %4d %-5s: FAILED: %s\n", rows[i].nchans,
			       rows[i].ec_tail_ms * 8, srtp_name(&rows[i]),
			       strerror(-err));
			failed++;
			continue;
		}
		print_row(&rows[i], &r);
		print_detail(&rows[i], &r, verbose);
		if (!srtp_ok(&rows[i], &r)) {
			printf("      FAILED: SRTP refused packets (gw auth"
			       " fail/replay/error %llu/%llu/%llu, reflector"
			       " %llu/%llu/%llu, dropped %llu)\n",
			       (unsigned long long)r.srtp_gw.auth_fail,
			       (unsigned long long)r.srtp_gw.replay,
			       (unsigned long long)r.srtp_gw.errors,
			       (unsigned long long)r.srtp_refl.auth_fail,
			       (unsigned long long)r.srtp_refl.replay,
			       (unsigned long long)r.srtp_refl.errors,
			       (unsigned long long)r.srtp_refl_drop);
			failed++;
		}
		if (i == goal) {
			goal_res = r;
			goal_run = srtp_ok(&rows[i], &r);
		}
		fflush(stdout);
	}
	/* issue 4's goal, on the row that has it all */
	if (goal_run)
		printf("goal (%d channels, EC 512 taps, RFC 4733/DTMF, SRTP "
		       "%s: media CPU < 50%% of a core, no missed deadline): "
		       "%.1f%%, missed %llu/%llu: %s\n", rows[goal].nchans,
		       gw_srtp_suite_name(rows[goal].suite), goal_res.cpu_pct,
		       (unsigned long long)goal_res.missed,
		       (unsigned long long)goal_res.card_missed,
		       goal_res.cpu_pct < 50 && !goal_res.missed &&
				       !goal_res.card_missed
			       ? "met"
			       : "NOT met");
	else
		printf("goal: not measured (its row failed)\n");
	return failed ? 1 : 0;
}
