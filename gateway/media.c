// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dsp/dtmf.h"
#include "dsp/progress.h"
#include "gateway/media.h"
#include "gateway/spsc.h"

#define CMDQ 256
#define EVQ 1024
#define N GW_HW_FRAME_SAMPLES

struct chan {
	enum gw_hw_chan_type type;
	struct gw_dtmf_rx *dtmf_rx;
	struct gw_dtmf_tx *dtmf_tx;
	struct gw_tone_gen *tone;
	struct gw_progress_det *prog;
	bool dtmf_rx_on, prog_on, dialling;
	struct gw_rtp_session *rtp;
	struct gw_echo *ec; /* NULL: no canceller on this channel */
	int16_t in[N], out[N];
	int16_t sent[N]; /* what went to the card last period: EC reference */
};

struct gw_media {
	const struct gw_hw_ops *ops;
	struct gw_hw_card *card;
	int nchans;
	struct chan *chans; /* [nchans], index chan - 1 */

	struct gw_spsc cmdq, evq;
	struct gw_media_cmd cmdbuf[CMDQ];
	struct gw_media_ev evbuf[EVQ];
	int evfd;

	pthread_t thread;
	bool running;
	bool realtime, mlocked;
	atomic_bool stop;
	bool posted; /* media thread: an event was posted this period */

	atomic_uint_fast64_t ticks, late_ticks, cpu_ns, busy_ns_max,
		ring_overflows;
	atomic_int active_chans;
};

int gw_media_alloc(struct gw_media **ret, const struct gw_hw_ops *ops,
		   struct gw_hw_card *card, int nchans)
{
	struct gw_media *m;
	int err = -ENOMEM;

	if (nchans < 0 || nchans > GW_HW_MAX_CHANS)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->evfd = -1;
	m->ops = ops;
	m->card = card;
	m->nchans = nchans;
	m->chans = calloc((size_t)nchans + 1, sizeof(*m->chans));
	if (!m->chans)
		goto fail;
	for (int i = 0; i < nchans; i++) {
		struct chan *c = &m->chans[i];
		c->type = ops->chan_type(card, i + 1);
		if ((err = gw_dtmf_rx_alloc(&c->dtmf_rx)) ||
		    (err = gw_dtmf_tx_alloc(&c->dtmf_tx, -7, 100, 100)) ||
		    (err = gw_tone_gen_alloc(&c->tone)) ||
		    (err = gw_progress_det_alloc(&c->prog)))
			goto fail;
	}
	gw_spsc_init(&m->cmdq, m->cmdbuf, sizeof(m->cmdbuf[0]), CMDQ);
	gw_spsc_init(&m->evq, m->evbuf, sizeof(m->evbuf[0]), EVQ);
	m->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->evfd < 0) {
		err = -errno;
		goto fail;
	}
	*ret = m;
	return 0;
fail:
	gw_media_free(m);
	return err;
}

void gw_media_free(struct gw_media *m)
{
	if (!m)
		return;
	gw_media_stop(m);
	if (m->chans) {
		for (int i = 0; i < m->nchans; i++) {
			struct chan *c = &m->chans[i];
			gw_dtmf_rx_free(c->dtmf_rx);
			gw_dtmf_tx_free(c->dtmf_tx);
			gw_tone_gen_free(c->tone);
			gw_progress_det_free(c->prog);
			gw_echo_free(c->ec);
		}
		free(m->chans);
	}
	if (m->evfd >= 0)
		close(m->evfd);
	free(m);
}

/* ---- media thread ---- */

static void post(struct gw_media *m, const struct gw_media_ev *ev)
{
	if (gw_spsc_push(&m->evq, ev) < 0)
		atomic_fetch_add_explicit(&m->ring_overflows, 1,
					  memory_order_relaxed);
	else
		m->posted = true;
}

static void detach(struct gw_media *m, int chan)
{
	struct chan *c = &m->chans[chan - 1];
	struct gw_media_ev ev = { .type = GW_MEDIA_EV_DETACHED, .chan = chan };

	if (!c->rtp)
		return;
	if (c->ec) {
		struct gw_media_ev st = { .type = GW_MEDIA_EV_ECHO_STATS,
					  .chan = chan };
		gw_echo_get_stats(c->ec, &st.echo);
		post(m, &st);
	}
	ev.rtp = c->rtp;
	c->rtp = NULL;
	atomic_fetch_sub_explicit(&m->active_chans, 1, memory_order_relaxed);
	post(m, &ev);
}

static void apply(struct gw_media *m, const struct gw_media_cmd *cmd)
{
	struct chan *c;
	int err;

	if (cmd->chan < 1 || cmd->chan > m->nchans)
		return;
	c = &m->chans[cmd->chan - 1];
	switch (cmd->type) {
	case GW_MEDIA_CMD_ATTACH:
		detach(m, cmd->chan);
		if (c->ec)
			gw_echo_reset(c->ec); /* a new call: measure afresh */
		c->rtp = cmd->rtp;
		atomic_fetch_add_explicit(&m->active_chans, 1,
					  memory_order_relaxed);
		break;
	case GW_MEDIA_CMD_DETACH:
		detach(m, cmd->chan);
		break;
	case GW_MEDIA_CMD_TONE:
		gw_tone_gen_set(c->tone, cmd->tone);
		break;
	case GW_MEDIA_CMD_DTMF:
		if (gw_dtmf_tx_put(c->dtmf_tx, cmd->digits) == 0)
			c->dialling = true;
		break;
	case GW_MEDIA_CMD_DTMF_RX:
		if (cmd->on && !c->dtmf_rx_on)
			gw_dtmf_rx_reset(c->dtmf_rx);
		c->dtmf_rx_on = cmd->on;
		break;
	case GW_MEDIA_CMD_PROGRESS:
		if (cmd->on && !c->prog_on)
			gw_progress_det_reset(c->prog);
		c->prog_on = cmd->on;
		break;
	case GW_MEDIA_CMD_LINEOP:
		err = m->ops->lineop(m->card, cmd->chan, cmd->op);
		if (err < 0) {
			struct gw_media_ev ev = {
				.type = GW_MEDIA_EV_LINEOP_FAILED,
				.chan = cmd->chan,
				.lineop = { .op = cmd->op, .err = err },
			};
			post(m, &ev);
		}
		break;
	}
}

static void process_chan(struct gw_media *m, int chan)
{
	struct chan *c = &m->chans[chan - 1];
	struct gw_media_ev ev = { .chan = chan };

	m->ops->read(m->card, chan, c->in);
	if (c->ec) {
		gw_echo_set_freeze(c->ec, c->dialling ||
				   gw_tone_gen_current(c->tone) != GW_TONE_NONE);
		gw_echo_process(c->ec, c->in, c->sent, c->in, N);
	}

	if (c->dtmf_rx_on) {
		char digits[8];
		gw_dtmf_rx_process(c->dtmf_rx, c->in, N);
		int n = gw_dtmf_rx_get(c->dtmf_rx, digits, sizeof(digits));
		for (int i = 0; i < n; i++) {
			ev.type = GW_MEDIA_EV_DIGIT;
			ev.digit = digits[i];
			post(m, &ev);
		}
	}
	if (c->prog_on) {
		int tone = gw_progress_det_process(c->prog, c->in, N);
		if (tone >= 0) {
			ev.type = GW_MEDIA_EV_PROGRESS;
			ev.tone = (enum gw_tone)tone;
			post(m, &ev);
		}
	}

	if (c->rtp) {
		gw_rtp_session_send(c->rtp, c->in, N);
		gw_rtp_session_recv(c->rtp);
		gw_rtp_session_play(c->rtp, c->out, N);
	} else {
		memset(c->out, 0, sizeof(c->out));
	}

	if (c->dialling) {
		gw_dtmf_tx_process(c->dtmf_tx, c->out, N);
		if (!gw_dtmf_tx_busy(c->dtmf_tx)) {
			c->dialling = false;
			ev.type = GW_MEDIA_EV_DTMF_DONE;
			post(m, &ev);
		}
	} else if (gw_tone_gen_current(c->tone) != GW_TONE_NONE) {
		gw_tone_gen_process(c->tone, c->out, N);
	}
	m->ops->write(m->card, chan, c->out);
	memcpy(c->sent, c->out, sizeof(c->sent));
}

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_nsec;
}

static void *run(void *arg)
{
	struct gw_media *m = arg;
	struct gw_media_cmd cmd;
	struct gw_hw_event hwev;
	struct timespec t0, t1, cpu;
	const uint64_t period_ns =
		1000000000ULL * GW_HW_FRAME_SAMPLES / GW_HW_RATE_HZ;

	while (!atomic_load_explicit(&m->stop, memory_order_acquire)) {
		if (m->ops->wait(m->card) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		m->posted = false;

		while (gw_spsc_pop(&m->cmdq, &cmd))
			apply(m, &cmd);
		while (m->ops->event(m->card, &hwev) == 1) {
			struct gw_media_ev ev = { .type = GW_MEDIA_EV_LINE,
						  .chan = hwev.chan,
						  .hw = hwev };
			post(m, &ev);
		}
		for (int i = 1; i <= m->nchans; i++)
			process_chan(m, i);
		m->ops->flush(m->card);

		if (m->posted) {
			uint64_t one = 1;
			ssize_t w = write(m->evfd, &one, sizeof(one));
			(void)w; /* a full counter still wakes the reader */
		}

		clock_gettime(CLOCK_MONOTONIC, &t1);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
		uint64_t busy = ns_of(&t1) - ns_of(&t0);
		atomic_fetch_add_explicit(&m->ticks, 1, memory_order_relaxed);
		atomic_store_explicit(&m->cpu_ns, ns_of(&cpu),
				      memory_order_relaxed);
		if (busy > atomic_load_explicit(&m->busy_ns_max,
						memory_order_relaxed))
			atomic_store_explicit(&m->busy_ns_max, busy,
					      memory_order_relaxed);
		if (busy > period_ns)
			atomic_fetch_add_explicit(&m->late_ticks, 1,
						  memory_order_relaxed);
	}
	return NULL;
}

/* ---- control thread ---- */

int gw_media_set_echo(struct gw_media *m, int chan, int tail_ms)
{
	struct chan *c;
	int err;

	if (m->running)
		return -EBUSY;
	if (chan < 1 || chan > m->nchans || tail_ms < 8 || tail_ms > 128)
		return -EINVAL;
	c = &m->chans[chan - 1];
	gw_echo_free(c->ec);
	c->ec = NULL;
	err = gw_echo_alloc(&c->ec, tail_ms * 8);
	return err;
}

int gw_media_start(struct gw_media *m)
{
	pthread_attr_t attr;
	struct sched_param sp = { .sched_priority = 50 };
	int err;

	/*
	 * Real-time priority and locked memory where permitted (not under
	 * ASan, whose shadow mappings cannot be locked).
	 */
#ifndef __SANITIZE_ADDRESS__
	m->mlocked = mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
#endif
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	atomic_store(&m->stop, false);
	err = pthread_create(&m->thread, &attr, run, m);
	pthread_attr_destroy(&attr);
	m->realtime = err == 0;
	if (err == EPERM) /* no CAP_SYS_NICE / RLIMIT_RTPRIO */
		err = pthread_create(&m->thread, NULL, run, m);
	if (err)
		return -err;
	pthread_setname_np(m->thread, "gw-media");
	m->running = true;
	return 0;
}

void gw_media_stop(struct gw_media *m)
{
	if (!m || !m->running)
		return;
	atomic_store_explicit(&m->stop, true, memory_order_release);
	pthread_join(m->thread, NULL);
	m->running = false;
	/* The thread is gone: give attached sessions back as events. */
	for (int i = 1; i <= m->nchans; i++)
		detach(m, i);
}

int gw_media_cmd(struct gw_media *m, const struct gw_media_cmd *cmd)
{
	if (!m->running && cmd->type != GW_MEDIA_CMD_DETACH)
		return -ESHUTDOWN;
	return gw_spsc_push(&m->cmdq, cmd);
}

int gw_media_ev_fd(struct gw_media *m)
{
	return m->evfd;
}

int gw_media_ev_get(struct gw_media *m, struct gw_media_ev *ev)
{
	return gw_spsc_pop(&m->evq, ev);
}

void gw_media_stats_get(struct gw_media *m, struct gw_media_stats *st)
{
	st->ticks = atomic_load_explicit(&m->ticks, memory_order_relaxed);
	st->late_ticks =
		atomic_load_explicit(&m->late_ticks, memory_order_relaxed);
	st->cpu_ns = atomic_load_explicit(&m->cpu_ns, memory_order_relaxed);
	st->busy_ns_max =
		atomic_load_explicit(&m->busy_ns_max, memory_order_relaxed);
	st->ring_overflows =
		atomic_load_explicit(&m->ring_overflows, memory_order_relaxed);
	st->realtime = m->realtime;
	st->mlocked = m->mlocked;
	st->active_chans =
		atomic_load_explicit(&m->active_chans, memory_order_relaxed);
}
