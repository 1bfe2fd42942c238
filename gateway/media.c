// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dsp/dtmf.h"
#include "dsp/level.h"
#include "dsp/modem.h"
#include "dsp/progress.h"
#include "gateway/media.h"
#include "gateway/spsc.h"

#define CMDQ 256
#define EVQ 1024
#define N GW_HW_FRAME_SAMPLES
/*
 * Digits heard on the line while we play a received digit to it, or
 * within this long after, are its echo (the line's hybrid, a phone
 * looping audio back): not sent back as events (still suppressed). The
 * window covers an echo path up to ~150 ms (the longest canceller tail is
 * 128 ms), the card's frames both ways and the detector's ~40 ms.
 */
#define ECHO_GUARD_SAMPLES (250 * GW_HW_RATE_HZ / 1000)
/*
 * VBD with RFC 4733 on: the suppressor's delay leaves the send path once
 * the line has been quiet (peak below VBD_QUIET_PEAK, about -43 dBm0) for
 * as long as the delay line holds (so what is dropped is quiet), or after
 * VBD_DRAIN_MAX_TICKS at the latest.
 */
#define VBD_QUIET_PEAK 160
#define VBD_DRAIN_MAX_TICKS 50
#define TICKS_PER_S (GW_HW_RATE_HZ / N)
/* RFC 4733 receiving: digit level on the line, dBm0 per tone. */
#define EVENT_LEVEL_MAX (-6)
#define EVENT_LEVEL_MIN (-20)

/* Q.23 frequencies of the digits 0-9 * # A-D (RFC 4733 events 0-15). */
static const short dtmf_low[16] = { 941, 697, 697, 697, 770, 770, 770, 852,
				    852, 852, 941, 941, 697, 770, 852, 941 };
static const short dtmf_high[16] = { 1336, 1209, 1336, 1477, 1209, 1336,
				     1477, 1209, 1336, 1477, 1209, 1477,
				     1633, 1633, 1633, 1633 };

/* Caller ID on a channel: CMD_CID_TX / CMD_CID_RX (media.h). */
struct chan_cid {
	struct gw_callerid_tx *tx; /* NULL: not configured */
	struct gw_callerid_rx *rx;
	bool tx_on, rx_on;
};

static void cid_free(struct chan_cid *k);

/* Line energy on a channel: CMD_ENERGY / EV_ENERGY (media.h). */
struct chan_energy {
	bool on;
	double thresh; /* sum of squares of a frame at the threshold */
	struct {
		bool sound, talk;	  /* as last reported */
		int sound_run, talk_run;  /* frames in a row qualifying */
		int sound_miss, talk_miss; /* frames in a row not */
	} d[2]; /* [enum gw_media_dir] */
};

struct chan {
	int ev_out_ticks; /* periods left of an event we send (CMD_EVENT) */
	struct gw_dtmf_rx *dtmf_rx;
	struct gw_dtmf_tx *dtmf_tx;
	struct gw_tone_gen *tone;
	struct gw_progress_det *prog;
	bool dtmf_rx_on, prog_on, dialling;
	bool disa; /* CMD_DISA: tones to RTP, its digits reported */
	bool ev_mute; /* after CMD_DISA off: the digit in progress (the
		       * number's last) is not played to the line */
	struct gw_rtp_session *rtp;
	struct gw_echo *ec; /* NULL: no canceller on this channel */
	/* RFC 4733: suppressor on the send path, player of received digits */
	struct gw_dtmf_suppress *supp;
	uint64_t supp_pos; /* input samples through supp since attach */
	int supp_delay;	   /* its look-ahead, samples */
	struct gw_tone_gen *evtone;
	bool ev_playing;
	int ev_guard;	   /* samples left of the echo guard */
	bool ev_echo;	   /* the digit being detected is an echo */
	int16_t in[N], out[N], txf[N], evbuf[N];
	int16_t sent[N]; /* what went to the card last period: EC reference */
	/* fax/modem passthrough (media.h), while bridged */
	struct gw_modem_rx *modem[2]; /* [enum gw_media_dir]; NULL: off */
	struct gw_media_vbd vbd;
	bool tx_digit;	 /* an RFC 4733 digit started, its end not sent */
	bool vbd_drain;	 /* VBD: the suppressor's delay still in the path */
	int drain_ticks, quiet_frames;
	/* RTP inactivity */
	uint64_t rx_count; /* packets seen at the last check */
	uint32_t rx_idle;  /* ticks without any */
	uint32_t rx_limit; /* ticks; 0: off */
	bool rx_timeout_sent;
	struct chan_cid *cid; /* caller ID (gw_media_set_callerid()) or NULL */
	struct chan_energy energy; /* CMD_ENERGY */
	struct gw_cwseq cw; /* CMD_CW: call-waiting alert (cwseq.h) */
};

/*
 * One media thread (media.h "Threads"). Worker 0 is the leader: it waits
 * on the card, applies commands, and starts the others each period.
 */
struct worker {
	struct gw_media *m;
	int index;
	pthread_t thread;
	bool started;
	struct gw_spsc evq; /* events of its channels (and 0's card events) */
	struct gw_media_ev evbuf[EVQ];
	bool posted; /* an event was posted this period */
	atomic_uint_fast64_t cpu_ns;
	atomic_uint_fast64_t send_end_ns; /* this period's end of send sides */
};

struct gw_media {
	const struct gw_hw_ops *ops;
	struct gw_hw_card *card;
	int nchans;
	struct chan *chans; /* [nchans], index chan - 1 */

	uint32_t rtp_timeout_ticks; /* default limit per call; 0: off */
	unsigned int vbd_detect; /* GW_MODEM_DETECT_* of the channels' detectors */

	struct gw_spsc cmdq;
	struct gw_media_cmd cmdbuf[CMDQ];
	int evfd;

	int nworkers;
	struct worker *workers; /* [GW_MEDIA_MAX_THREADS] */
	/* period start (futex word, counts periods; the leader bumps it) and
	 * the other workers that finished it (futex word) */
	_Alignas(64) atomic_uint gen;
	_Alignas(64) atomic_uint done;

	bool running;
	bool realtime, mlocked;
	atomic_bool stop; /* control thread -> leader */
	atomic_bool quit; /* leader -> workers, with a period start */

	atomic_uint_fast64_t ticks, late_ticks, busy_ns_max,
		ring_overflows, missed_deadlines, busy_ns, late_ns_max,
		send_ns, send_ns_max;
	atomic_uint_fast64_t late_hist[GW_MEDIA_LATE_BUCKETS];
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
	m->rtp_timeout_ticks = GW_MEDIA_RTP_TIMEOUT_S * TICKS_PER_S;
	m->chans = calloc((size_t)nchans + 1, sizeof(*m->chans));
	m->workers = calloc(GW_MEDIA_MAX_THREADS, sizeof(*m->workers));
	if (!m->chans || !m->workers)
		goto fail;
	m->nworkers = 1;
	for (int i = 0; i < GW_MEDIA_MAX_THREADS; i++) {
		struct worker *w = &m->workers[i];

		w->m = m;
		w->index = i;
		gw_spsc_init(&w->evq, w->evbuf, sizeof(w->evbuf[0]), EVQ);
	}
	for (int i = 0; i < nchans; i++) {
		struct chan *c = &m->chans[i];
		if ((err = gw_dtmf_rx_alloc(&c->dtmf_rx)) ||
		    (err = gw_dtmf_tx_alloc(&c->dtmf_tx, -7, 100, 100)) ||
		    (err = gw_tone_gen_alloc(&c->tone)) ||
		    (err = gw_tone_gen_alloc(&c->evtone)) ||
		    (err = gw_progress_det_alloc(&c->prog)))
			goto fail;
	}
	err = gw_media_set_vbd_detect(m, GW_MEDIA_VBD_DETECT_DEFAULT);
	if (!err)
		err = gw_media_set_dtmf_lookahead(m,
						  GW_MEDIA_DTMF_LOOKAHEAD_MS);
	if (err)
		goto fail;
	gw_spsc_init(&m->cmdq, m->cmdbuf, sizeof(m->cmdbuf[0]), CMDQ);
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
			gw_tone_gen_free(c->evtone);
			gw_dtmf_suppress_free(c->supp);
			gw_progress_det_free(c->prog);
			gw_echo_free(c->ec);
			gw_modem_rx_free(c->modem[0]);
			gw_modem_rx_free(c->modem[1]);
			cid_free(c->cid);
		}
		free(m->chans);
	}
	free(m->workers);
	if (m->evfd >= 0)
		close(m->evfd);
	free(m);
}

/* ---- voice-band data decisions (media.h) ---- */

const char *gw_media_dir_name(enum gw_media_dir dir)
{
	return dir == GW_MEDIA_DIR_NET ? "network" : "line";
}

void gw_media_vbd_reset(struct gw_media_vbd *v)
{
	memset(v, 0, sizeof(*v));
}

unsigned int gw_media_vbd_step(struct gw_media_vbd *v, enum gw_media_dir dir,
			       const struct gw_modem_event *ev)
{
	unsigned int act = 0;
	uint8_t bit;

	if (!ev->on || ev->tone <= GW_MODEM_NONE || ev->tone > GW_MODEM_V21 ||
	    (dir != GW_MEDIA_DIR_LINE && dir != GW_MEDIA_DIR_NET))
		return 0;
	bit = (uint8_t)(1u << ev->tone);
	if (!(v->seen[dir] & bit)) {
		v->seen[dir] |= bit;
		act |= GW_MEDIA_VBD_REPORT;
	}
	if (!v->active) {
		v->active = true;
		act |= GW_MEDIA_VBD_SWITCH;
	}
	/* G.165 / V.8: answer tones that ask echo cancellers out of the way
	 * (issue 4: bypassed for ANSam, NLP off for plain ANS) */
	if (!v->bypass &&
	    (ev->tone == GW_MODEM_ANS_PR || ev->tone == GW_MODEM_ANSAM ||
	     ev->tone == GW_MODEM_ANSAM_PR)) {
		v->bypass = true;
		act |= GW_MEDIA_VBD_BYPASS;
	}
	return act;
}

/* In place (gw_jbuf_set_vbd()): no restart cutting the tone detected. */
void gw_media_jbuf_vbd(struct gw_jbuf *jb)
{
	gw_jbuf_set_vbd(jb, GW_MEDIA_VBD_JB_MS);
}

/* ---- media thread ---- */

/* The worker that runs channel `chan` (1-based; 0, the card: the leader). */
static struct worker *owner(struct gw_media *m, int chan)
{
	return &m->workers[chan > 0 ? (chan - 1) % m->nworkers : 0];
}

/*
 * Events go to the ring of the channel's worker, whichever media thread
 * posts them (the leader applying a command, or the worker itself; never
 * both at once: the period's start and end order them), so that the
 * control thread gets each channel's events in order.
 */
static void post(struct gw_media *m, const struct gw_media_ev *ev)
{
	struct worker *w = owner(m, ev->chan);

	if (gw_spsc_push(&w->evq, ev) < 0)
		atomic_fetch_add_explicit(&m->ring_overflows, 1,
					  memory_order_relaxed);
	else
		w->posted = true;
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
	c->disa = false;
	atomic_fetch_sub_explicit(&m->active_chans, 1, memory_order_relaxed);
	post(m, &ev);
}

/* Everything the session received: RTP, events, comfort noise, RTCP. */
static uint64_t rx_count(struct gw_rtp_session *s)
{
	return atomic_load_explicit(&s->rx_packets, memory_order_relaxed) +
	       atomic_load_explicit(&s->rx_event_packets,
				    memory_order_relaxed) +
	       atomic_load_explicit(&s->rx_cn_packets, memory_order_relaxed) +
	       atomic_load_explicit(&s->rtcp_rx, memory_order_relaxed);
}

/* CMD_ENERGY: start (both directions quiet) or stop watching. */
static void energy_cmd(const struct gw_media_cmd *cmd, struct chan *c)
{
	struct chan_energy *e = &c->energy;
	double r = GW_LEVEL_0DBM0_RMS;
	int db = cmd->energy.threshold_dbm0;

	memset(e, 0, sizeof(*e));
	e->on = cmd->energy.on;
	if (db < -70)
		db = -70;
	if (db > 0)
		db = 0;
	/* 10^(db/10) without pow(): the thread keeps to plain arithmetic */
	e->thresh = r * r * N;
	for (; db <= -10; db += 10)
		e->thresh *= 0.1;
	for (; db < 0; db++)
		e->thresh *= 0.794328234724281; /* -1 dB */
}

/* One state of one direction: on after ON frames, off after HANG. */
static bool energy_step(bool state, bool hit, int *run, int *miss)
{
	const int on = GW_MEDIA_ENERGY_ON_MS / 20, hang =
		GW_MEDIA_ENERGY_HANG_MS / 20;

	*run = hit ? *run + 1 : 0;
	*miss = hit ? 0 : *miss + 1;
	if (!state && *run >= on)
		return true;
	if (state && *miss >= hang)
		return false;
	return state;
}

/* A frame of direction dir (line: after the progress detector). */
static void energy_frame(struct gw_media *m, int chan, struct chan *c,
			 enum gw_media_dir dir, const int16_t *x)
{
	struct chan_energy *e = &c->energy;
	double sum = 0.0;
	bool sound, talk, s2, t2;

	if (!e->on)
		return;
	for (int i = 0; i < N; i++)
		sum += (double)x[i] * x[i];
	sound = sum > e->thresh;
	talk = sound && dir == GW_MEDIA_DIR_LINE &&
	       (!c->prog_on || gw_progress_det_block_class(c->prog) ==
				       GW_PROGRESS_OTHER);
	s2 = energy_step(e->d[dir].sound, sound, &e->d[dir].sound_run,
			 &e->d[dir].sound_miss);
	t2 = energy_step(e->d[dir].talk, talk, &e->d[dir].talk_run,
			 &e->d[dir].talk_miss);
	if (s2 != e->d[dir].sound || t2 != e->d[dir].talk) {
		struct gw_media_ev ev = { .type = GW_MEDIA_EV_ENERGY,
					  .chan = chan,
					  .energy = { .dir = dir, .sound = s2,
						      .talk = t2 } };

		e->d[dir].sound = s2;
		e->d[dir].talk = t2;
		post(m, &ev);
	}
}

/* CMD_CID_TX / CMD_CID_RX: start or stop sending, detection on/off. */
static void cid_cmd(struct gw_media *m, const struct gw_media_cmd *cmd,
		    struct chan *c)
{
	struct gw_media_ev done = { .type = GW_MEDIA_EV_CID_DONE,
				    .chan = cmd->chan };
	struct chan_cid *k = c->cid;

	if (cmd->type == GW_MEDIA_CMD_CID_RX) {
		if (k && k->rx && cmd->on && !k->rx_on)
			gw_callerid_rx_reset(k->rx);
		if (k)
			k->rx_on = k->rx && cmd->on;
		return;
	}
	if (k && k->tx)
		gw_callerid_tx_reset(k->tx);
	if (k)
		k->tx_on = false;
	if (cmd->cid.stop)
		return;
	if (!k || !k->tx) {
		post(m, &done); /* nothing to send: done at once */
		return;
	}
	if (cmd->cid.dtas)
		gw_callerid_tx_alert(k->tx, GW_CALLERID_ALERT_DTAS, 60);
	if (gw_callerid_tx_put(k->tx, &cmd->cid.msg) < 0 && !cmd->cid.dtas) {
		post(m, &done);
		return;
	}
	k->tx_on = true;
	if (m->ops->onhook_transfer)
		m->ops->onhook_transfer(m->card, cmd->chan, 4000);
}

/* Caller ID to the line (over the period's audio), then EV_CID_DONE. */
static void cid_tx(struct gw_media *m, int chan, struct chan *c)
{
	struct gw_media_ev ev = { .type = GW_MEDIA_EV_CID_DONE, .chan = chan };

	if (!c->cid || !c->cid->tx_on)
		return;
	gw_callerid_tx_process(c->cid->tx, c->out, N);
	if (gw_callerid_tx_busy(c->cid->tx))
		return;
	c->cid->tx_on = false;
	post(m, &ev);
}

/* Caller ID from the line: EV_CID with each message decoded. */
static void cid_rx(struct gw_media *m, int chan, struct chan *c)
{
	struct gw_media_ev ev = { .type = GW_MEDIA_EV_CID, .chan = chan };

	if (c->cid && c->cid->rx_on &&
	    gw_callerid_rx_process(c->cid->rx, c->in, N, &ev.cid) == 1)
		post(m, &ev);
}

/* CMD_CW: start (or stop) the call-waiting alert; EV_CW at its end. */
static void cw_cmd(struct gw_media *m, const struct gw_media_cmd *cmd,
		   struct chan *c)
{
	struct gw_media_ev ev = { .type = GW_MEDIA_EV_CW, .chan = cmd->chan };
	int err;

	if (cmd->cw.stop) {
		gw_cwseq_stop(&c->cw);
		return;
	}
	err = gw_cwseq_start(&c->cw, c->cid ? c->cid->tx : NULL, c->dtmf_rx,
			     cmd->cw.cas, cmd->cw.data ? &cmd->cw.msg : NULL);
	if (err < 0) {
		ev.cw.status = err;
		post(m, &ev);
	}
}

/* The call-waiting alert over the period's audio (cwseq.h). */
static void cw_out(struct gw_media *m, int chan, struct chan *c)
{
	struct gw_media_ev ev = { .type = GW_MEDIA_EV_CW, .chan = chan };

	if (gw_cwseq_active(&c->cw) && gw_cwseq_out(&c->cw, c->out, N, &ev.cw))
		post(m, &ev);
}

/* CMD_PULSE, CMD_FLASH, CMD_DISCONNECT: the card times the line changes. */
static void hook_cmd(struct gw_media *m, const struct gw_media_cmd *cmd)
{
	int err = -ENOTSUP;

	if (cmd->type == GW_MEDIA_CMD_PULSE && m->ops->dial_pulse)
		err = m->ops->dial_pulse(m->card, cmd->chan,
					 cmd->pulse.digits,
					 &cmd->pulse.timing);
	else if (cmd->type == GW_MEDIA_CMD_FLASH && m->ops->hookflash)
		err = m->ops->hookflash(m->card, cmd->chan, cmd->flash_ms);
	else if (cmd->type == GW_MEDIA_CMD_DISCONNECT && m->ops->disconnect)
		err = m->ops->disconnect(m->card, cmd->chan, cmd->ms);
	if (err < 0) {
		struct gw_media_ev ev = {
			.type = GW_MEDIA_EV_LINEOP_FAILED,
			.chan = cmd->chan,
			.lineop = { .op = 0, .err = err },
		};
		post(m, &ev);
	}
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
	case GW_MEDIA_CMD_SWAP:
		detach(m, cmd->chan);
		/* a new call: measure afresh; a swap keeps the line's echo
		 * path, which has not changed */
		if (c->ec && cmd->type == GW_MEDIA_CMD_ATTACH)
			gw_echo_reset(c->ec);
		c->rtp = cmd->rtp;
		gw_dtmf_suppress_reset(c->supp);
		c->supp_pos = 0;
		c->tx_digit = false;
		gw_media_vbd_reset(&c->vbd);
		c->vbd_drain = false;
		if (c->ec) {
			gw_echo_set_nlp(c->ec, true);
			gw_echo_set_bypass(c->ec, false);
		}
		for (int d = 0; d < 2; d++) {
			/* the caller's side sends CNG, the answerer's ANS */
			bool caller = (d == GW_MEDIA_DIR_LINE) ==
				      cmd->line_caller;

			if (!c->modem[d])
				continue;
			gw_modem_rx_reset(c->modem[d]);
			gw_modem_rx_set_active(c->modem[d],
					       caller ? GW_MODEM_DETECT_CNG |
							GW_MODEM_DETECT_V21 :
							GW_MODEM_DETECT_ANS |
							GW_MODEM_DETECT_V21);
		}
		c->rx_count = rx_count(c->rtp);
		c->rx_idle = 0;
		c->rx_limit = m->rtp_timeout_ticks;
		c->rx_timeout_sent = false;
		gw_tone_gen_set(c->evtone, GW_TONE_NONE);
		c->ev_playing = false;
		c->ev_out_ticks = 0;
		c->ev_guard = 0;
		c->ev_echo = false;
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
	case GW_MEDIA_CMD_DISA:
		gw_dtmf_rx_reset(c->dtmf_rx);
		c->ev_mute = c->disa && !cmd->on;
		c->disa = cmd->on && c->rtp;
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
	case GW_MEDIA_CMD_RTP_TIMEOUT:
		c->rx_limit = 0; /* off, also for a value out of range */
		if (cmd->seconds > 0 &&
		    cmd->seconds <= GW_MEDIA_RTP_TIMEOUT_MAX)
			c->rx_limit = (uint32_t)cmd->seconds * TICKS_PER_S;
		c->rx_idle = 0;
		break;
	case GW_MEDIA_CMD_CODEC: {
		struct gw_media_ev ev = { .type = GW_MEDIA_EV_CODEC_OLD,
					  .chan = cmd->chan,
					  .old_codec = cmd->codec.codec };

		if (c->rtp)
			ev.old_codec = gw_rtp_session_swap_codec(
				c->rtp, cmd->codec.codec, cmd->codec.pt);
		post(m, &ev);
		break;
	}
	case GW_MEDIA_CMD_SRTP_RX: {
		struct gw_media_ev ev = { .type = GW_MEDIA_EV_SRTP_OLD,
					  .chan = cmd->chan,
					  .srtp = cmd->srtp };

		if (c->rtp && c->rtp->srtp)
			gw_srtp_swap_rx(c->rtp->srtp, cmd->srtp);
		post(m, &ev);
		break;
	}
	case GW_MEDIA_CMD_EVENT:
		if (c->rtp && c->rtp->te_pt >= 0 && !c->tx_digit &&
		    !c->ev_out_ticks && cmd->event.event >= 0 &&
		    cmd->event.event <= 255) {
			gw_rtp_evtx_start(&c->rtp->evtx, cmd->event.event, 10,
					  c->rtp->ts);
			c->ev_out_ticks = cmd->event.ms > 0 ?
				(cmd->event.ms + 19) / 20 : 1;
		}
		break;
	case GW_MEDIA_CMD_CID_TX:
	case GW_MEDIA_CMD_CID_RX:
		cid_cmd(m, cmd, c);
		break;
	case GW_MEDIA_CMD_ENERGY:
		energy_cmd(cmd, c);
		break;
	case GW_MEDIA_CMD_DISCONNECT:
	case GW_MEDIA_CMD_PULSE:
	case GW_MEDIA_CMD_FLASH:
		hook_cmd(m, cmd);
		break;
	case GW_MEDIA_CMD_CW:
		cw_cmd(m, cmd, c);
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

/*
 * RFC 4733 sending: pass the frame through the suppressor and turn the
 * digits it reports into event start/end timestamps on the RTP clock of
 * the (delayed) audio: input sample p leaves the delay line as output
 * sample p + supp_delay, and this period's packet carries output
 * samples supp_pos.. at timestamp rtp->ts. With a short look-ahead the
 * digit is confirmed after its onset has left: the event's timestamp is
 * then that of audio already sent (muted from the first tone-like window
 * on), and its first packet's duration covers the time since the onset
 * (RFC 4733 §2.5.1.2: the timestamp is where the event began).
 */
static void send_with_events(struct chan *c)
{
	struct gw_dtmf_event evs[4];
	struct gw_rtp_session *s = c->rtp;
	int n = gw_dtmf_suppress_process(c->supp, c->in, c->txf, N, evs, 4);

	for (int i = 0; i < n; i++) {
		int64_t off = (int64_t)evs[i].sample + c->supp_delay -
			      (int64_t)c->supp_pos;
		uint32_t ts = s->ts + (uint32_t)off;

		if (c->vbd.active)
			continue; /* draining the delay: no digits any more */
		if (evs[i].type == GW_DTMF_EVENT_START) {
			c->ev_echo = c->ev_playing || c->ev_guard > 0;
			if (!c->ev_echo) {
				gw_rtp_session_dtmf_start(s, evs[i].digit,
							  -evs[i].level_dbm0,
							  ts);
				c->tx_digit = true;
			}
		} else if (!c->ev_echo) {
			gw_rtp_session_dtmf_end(s, ts);
			c->tx_digit = false;
		}
	}
	c->supp_pos += N;
	gw_rtp_session_send(s, c->txf, N);
}

/*
 * RFC 4733 receiving: play the digit the session's events ask for over
 * the first samples of the frame (played at once, not through the jitter
 * buffer).
 */
/* A received RFC 4733 event that is no digit (16: flash): for the line. */
static void net_event(struct gw_media *m, int chan, struct chan *c)
{
	struct gw_media_ev ev = { .type = GW_MEDIA_EV_NET_EVENT, .chan = chan };

	ev.net_event = gw_rtp_evrx_other(&c->rtp->evrx);
	if (ev.net_event >= 0)
		post(m, &ev);
}

static void play_events(struct chan *c)
{
	bool start;
	int ev = 0, vol = 0;
	int k = gw_rtp_session_play_event(c->rtp, N, &start, &ev, &vol);

	if (c->ev_mute && k > 0 && !start)
		return; /* DISA's last digit: not for the line */
	c->ev_mute = false;
	if (k > 0)
		c->ev_guard = ECHO_GUARD_SAMPLES;
	else if (c->ev_guard > 0)
		c->ev_guard -= N;
	if (k <= 0) {
		if (c->ev_playing) {
			gw_tone_gen_set(c->evtone, GW_TONE_NONE);
			c->ev_playing = false;
		}
		return;
	}
	if (start || !c->ev_playing) {
		/* volume: the pair's power (as we send it); each tone 3 dB
		 * below */
		int level = -vol - 3;
		if (level > EVENT_LEVEL_MAX)
			level = EVENT_LEVEL_MAX;
		if (level < EVENT_LEVEL_MIN)
			level = EVENT_LEVEL_MIN;
		if (ev < 0 || ev > 15 ||
		    gw_tone_gen_custom(c->evtone, dtmf_low[ev], dtmf_high[ev],
				       level, 1000, 0) < 0)
			return;
		c->ev_playing = true;
	}
	gw_tone_gen_process(c->evtone, c->evbuf, N);
	memcpy(c->out, c->evbuf, (size_t)k * sizeof(c->out[0]));
	if (k < N) {
		gw_tone_gen_set(c->evtone, GW_TONE_NONE);
		c->ev_playing = false;
	}
}

/* A fax/modem tone event heard on a bridged channel (media.h). */
static void vbd_event(struct gw_media *m, int chan, enum gw_media_dir dir,
		      const struct gw_modem_event *e)
{
	struct chan *c = &m->chans[chan - 1];
	unsigned int act = gw_media_vbd_step(&c->vbd, dir, e);

	if (act & GW_MEDIA_VBD_SWITCH) {
		gw_media_jbuf_vbd(&c->rtp->jb);
		if (c->ec)
			gw_echo_set_nlp(c->ec, false);
		if (c->tx_digit) { /* a "digit" in the tone: end it now */
			gw_rtp_session_dtmf_end(c->rtp, c->rtp->ts);
			c->tx_digit = false;
		}
		c->vbd_drain = c->rtp->te_pt >= 0;
		c->drain_ticks = 0;
		c->quiet_frames = 0;
	}
	if ((act & GW_MEDIA_VBD_BYPASS) && c->ec)
		gw_echo_set_bypass(c->ec, true);
	if (act & GW_MEDIA_VBD_REPORT) {
		struct gw_media_ev ev = {
			.type = GW_MEDIA_EV_VBD,
			.chan = chan,
			.vbd = { .tone = e->tone, .dir = dir,
				 .first = (act & GW_MEDIA_VBD_SWITCH) != 0,
				 .ec_bypass = (act & GW_MEDIA_VBD_BYPASS) &&
					      c->ec,
				 .level_dbm0 = e->level_dbm0 },
		};
		post(m, &ev);
	}
}

static void detect_vbd(struct gw_media *m, int chan, enum gw_media_dir dir,
		       const int16_t *frame)
{
	struct gw_modem_rx *rx = m->chans[chan - 1].modem[dir];
	struct gw_modem_event e;

	if (!rx)
		return;
	gw_modem_rx_process(rx, frame, N);
	while (gw_modem_rx_get(rx, &e) == 1)
		vbd_event(m, chan, dir, &e);
}

static bool quiet(const int16_t *x)
{
	for (int i = 0; i < N; i++)
		if (x[i] > VBD_QUIET_PEAK || x[i] < -VBD_QUIET_PEAK)
			return false;
	return true;
}

/* The send path's audio, RFC 4733 and VBD drain included. */
static void send_audio(struct chan *c)
{
	if (c->rtp->te_pt < 0 || (c->vbd.active && !c->vbd_drain)) {
		gw_rtp_session_send(c->rtp, c->in, N);
		return;
	}
	if (c->vbd_drain) {
		c->quiet_frames = quiet(c->in) ? c->quiet_frames + 1 : 0;
		c->drain_ticks++;
	}
	send_with_events(c);
	/* once the delay line holds only quiet samples (or at the latest),
	 * send undelayed from the next frame on */
	if (c->vbd_drain && (c->quiet_frames >= (c->supp_delay + N - 1) / N ||
			     c->drain_ticks >= VBD_DRAIN_MAX_TICKS))
		c->vbd_drain = false;
}

/*
 * Send side: card frame in -> canceller -> (DTMF suppressor) -> RTP out.
 * Only what the packet needs: the detectors, which leave the audio alone,
 * run in detect_line() once every channel has sent.
 */
static void send_side(struct gw_media *m, int chan)
{
	struct chan *c = &m->chans[chan - 1];

	m->ops->read(m->card, chan, c->in);
	if (c->disa) { /* CMD_DISA: our tone (or silence) to RTP */
		memset(c->in, 0, sizeof(c->in));
		if (gw_tone_gen_current(c->tone) != GW_TONE_NONE)
			gw_tone_gen_process(c->tone, c->in, N);
		gw_rtp_session_send(c->rtp, c->in, N);
		return;
	}
	if (c->ev_out_ticks && c->rtp && --c->ev_out_ticks == 0)
		gw_rtp_evtx_end(&c->rtp->evtx, c->rtp->ts);
	if (c->ec) {
		gw_echo_set_freeze(c->ec,
				   c->dialling || c->ev_playing ||
				   gw_cwseq_active(&c->cw) ||
				   gw_tone_gen_current(c->tone) !=
					   GW_TONE_NONE);
		gw_echo_process(c->ec, c->in, c->sent, c->in, N);
	}
	gw_cwseq_line(&c->cw, c->in, N); /* ACK heard, the line muted */
	if (c->rtp)
		send_audio(c);
}

/* Detectors on the line's frame after the canceller (still in c->in). */
static void detect_line(struct gw_media *m, int chan, struct chan *c)
{
	struct gw_media_ev ev = { .chan = chan };

	if (c->dtmf_rx_on && !c->vbd.active && !c->disa) {
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
	if (c->rtp)
		detect_vbd(m, chan, GW_MEDIA_DIR_LINE, c->in);
	cid_rx(m, chan, c);
	energy_frame(m, chan, c, GW_MEDIA_DIR_LINE, c->in);
}

/* No RTP, telephone-event nor RTCP packet for rx_limit ticks: report. */
static void check_rx(struct gw_media *m, int chan, struct chan *c)
{
	uint64_t n = rx_count(c->rtp);

	if (n != c->rx_count) {
		c->rx_count = n;
		c->rx_idle = 0;
		return;
	}
	if (!c->rx_limit || c->rx_timeout_sent || ++c->rx_idle < c->rx_limit)
		return;
	struct gw_media_ev ev = { .type = GW_MEDIA_EV_RTP_TIMEOUT,
				  .chan = chan,
				  .seconds = (int)(c->rx_idle / TICKS_PER_S) };
	c->rx_timeout_sent = true;
	post(m, &ev);
}

/*
 * The line's detectors, then the receive side: RTP in -> jitter buffer ->
 * detectors -> tones -> card.
 */
/*
 * CMD_DISA: the session's digits, as RFC 4733 events (each reported at
 * its start) or in band, become EV_DIGIT; the line gets silence.
 */
static void disa_recv(struct gw_media *m, int chan, struct chan *c)
{
	static const char names[] = "0123456789*#ABCD";
	struct gw_media_ev ev = { .type = GW_MEDIA_EV_DIGIT, .chan = chan };
	bool start = false;
	int e = -1, vol = 0;

	gw_rtp_session_recv(c->rtp);
	check_rx(m, chan, c);
	gw_rtp_session_play(c->rtp, c->out, N);
	if (gw_rtp_session_play_event(c->rtp, N, &start, &e, &vol) > 0 &&
	    start && e >= 0 && e <= 15) {
		ev.digit = names[e];
		post(m, &ev);
	} else if (c->dtmf_rx_on) {
		char digits[8];

		gw_dtmf_rx_process(c->dtmf_rx, c->out, N);
		int n = gw_dtmf_rx_get(c->dtmf_rx, digits, sizeof(digits));
		for (int i = 0; i < n; i++) {
			ev.digit = digits[i];
			post(m, &ev);
		}
	}
	memset(c->out, 0, sizeof(c->out));
	m->ops->write(m->card, chan, c->out);
	memcpy(c->sent, c->out, sizeof(c->sent));
}

static void recv_side(struct gw_media *m, int chan)
{
	struct chan *c = &m->chans[chan - 1];
	struct gw_media_ev ev = { .chan = chan };

	detect_line(m, chan, c);
	if (c->disa) {
		disa_recv(m, chan, c);
		return;
	}
	if (c->rtp) {
		gw_rtp_session_recv(c->rtp);
		check_rx(m, chan, c);
		gw_rtp_session_play(c->rtp, c->out, N);
		detect_vbd(m, chan, GW_MEDIA_DIR_NET, c->out);
		play_events(c);
		net_event(m, chan, c);
	} else {
		memset(c->out, 0, sizeof(c->out));
	}
	energy_frame(m, chan, c, GW_MEDIA_DIR_NET, c->out);

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
	cw_out(m, chan, c);
	cid_tx(m, chan, c);
	m->ops->write(m->card, chan, c->out);
	memcpy(c->sent, c->out, sizeof(c->sent));
}

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_nsec;
}

/* ---- tick lateness (media.h) ---- */

#define LATE_SUB 8	  /* buckets per octave, and linear ones below */
#define LATE_SUB_LOG2 3
#define DRIFT_TICKS 250 /* 5 s: the grid follows a slow card this often */

int gw_media_late_bucket(uint64_t us)
{
	int e, i;

	if (us < LATE_SUB)
		return (int)us;
	e = 63 - __builtin_clzll(us); /* >= LATE_SUB_LOG2 */
	i = LATE_SUB + (e - LATE_SUB_LOG2) * LATE_SUB +
	    (int)((us >> (e - LATE_SUB_LOG2)) & (LATE_SUB - 1));
	return i < GW_MEDIA_LATE_BUCKETS ? i : GW_MEDIA_LATE_BUCKETS - 1;
}

uint64_t gw_media_late_bucket_lo_us(int i)
{
	int e;

	if (i < LATE_SUB)
		return (uint64_t)(i > 0 ? i : 0);
	e = (i - LATE_SUB) / LATE_SUB + LATE_SUB_LOG2;
	return (uint64_t)(LATE_SUB + (i - LATE_SUB) % LATE_SUB)
	       << (e - LATE_SUB_LOG2);
}

uint64_t gw_media_late_quantile_us(const uint64_t *hist, double q)
{
	uint64_t total = 0, acc = 0;

	for (int i = 0; i < GW_MEDIA_LATE_BUCKETS; i++)
		total += hist[i];
	if (!total)
		return 0;
	for (int i = 0; i < GW_MEDIA_LATE_BUCKETS; i++) {
		acc += hist[i];
		if ((double)acc >= q * (double)total)
			return gw_media_late_bucket_lo_us(i + 1);
	}
	return gw_media_late_bucket_lo_us(GW_MEDIA_LATE_BUCKETS);
}

/*
 * The deadline grid of media.h: `dl` is this period's deadline estimate
 * (0 before the first tick). Returns the lateness of a wake-up at t0.
 */
struct grid {
	uint64_t dl, win_min;
	int win_ticks;
};

static uint64_t grid_wake(struct grid *g, uint64_t t0, uint64_t period_ns)
{
	if (!g->dl || t0 < g->dl || t0 - g->dl > 5 * period_ns) {
		g->dl = t0; /* first tick, card ahead of the grid, or stall */
		g->win_min = UINT64_MAX;
		g->win_ticks = 0;
	}
	return t0 - g->dl;
}

static void grid_next(struct grid *g, uint64_t late, uint64_t period_ns)
{
	if (late < g->win_min)
		g->win_min = late;
	if (++g->win_ticks == DRIFT_TICKS) {
		g->dl += g->win_min; /* card behind the grid: follow it */
		g->win_min = UINT64_MAX;
		g->win_ticks = 0;
	}
	g->dl += period_ns;
}

static void count(atomic_uint_fast64_t *a, uint64_t n)
{
	/* single writer: a relaxed load and store, no locked instruction */
	uint64_t v = atomic_load_explicit(a, memory_order_relaxed);

	atomic_store_explicit(a, v + n, memory_order_relaxed);
}

static long futex(atomic_uint *word, int op, unsigned int val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/*
 * One worker's share of a period: the send sides of its channels, then
 * their receive sides (media.h "Threads" and "Order within a period").
 */
static void work(struct worker *w)
{
	struct gw_media *m = w->m;
	struct timespec ts, cpu;

	for (int i = w->index + 1; i <= m->nchans; i += m->nworkers)
		send_side(m, i);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	atomic_store_explicit(&w->send_end_ns, ns_of(&ts),
			      memory_order_relaxed);
	for (int i = w->index + 1; i <= m->nchans; i += m->nworkers)
		recv_side(m, i);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	atomic_store_explicit(&w->cpu_ns, ns_of(&cpu), memory_order_relaxed);
}

/* Workers 1..n-1: a period's share each time the leader starts one. */
static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct gw_media *m = w->m;
	unsigned int seen = 0, g;

	for (;;) {
		while ((g = atomic_load_explicit(&m->gen,
						 memory_order_acquire)) == seen)
			futex(&m->gen, FUTEX_WAIT_PRIVATE, seen);
		seen = g;
		if (atomic_load_explicit(&m->quit, memory_order_acquire))
			break;
		work(w);
		if (atomic_fetch_add_explicit(&m->done, 1,
					      memory_order_acq_rel) +
			    1 ==
		    (unsigned int)m->nworkers - 1)
			futex(&m->done, FUTEX_WAKE_PRIVATE, 1);
	}
	return NULL;
}

/* Leader: the others' shares of this period, alongside its own. */
static void run_period(struct gw_media *m)
{
	unsigned int others = (unsigned int)m->nworkers - 1, d;

	if (others) {
		atomic_store_explicit(&m->done, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&m->gen, 1, memory_order_release);
		futex(&m->gen, FUTEX_WAKE_PRIVATE, INT_MAX);
	}
	work(&m->workers[0]);
	while (others && (d = atomic_load_explicit(
				  &m->done, memory_order_acquire)) != others)
		futex(&m->done, FUTEX_WAIT_PRIVATE, d);
}

static void *run(void *arg)
{
	struct gw_media *m = arg;
	struct gw_media_cmd cmd;
	struct gw_hw_event hwev;
	struct timespec t0, t1;
	struct grid grid = { 0 };
	const uint64_t period_ns =
		1000000000ULL * GW_HW_FRAME_SAMPLES / GW_HW_RATE_HZ;

	while (!atomic_load_explicit(&m->stop, memory_order_acquire)) {
		if (m->ops->wait(m->card) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		uint64_t late = grid_wake(&grid, ns_of(&t0), period_ns);

		while (gw_spsc_pop(&m->cmdq, &cmd))
			apply(m, &cmd);
		while (m->ops->event(m->card, &hwev) == 1) {
			struct gw_media_ev ev = { .type = GW_MEDIA_EV_LINE,
						  .chan = hwev.chan,
						  .hw = hwev };
			post(m, &ev);
		}
		run_period(m);
		m->ops->flush(m->card);

		bool posted = false;
		uint64_t send_end = 0;
		for (int i = 0; i < m->nworkers; i++) {
			struct worker *w = &m->workers[i];
			uint64_t e = atomic_load_explicit(
				&w->send_end_ns, memory_order_relaxed);

			posted |= w->posted;
			w->posted = false;
			if (e > send_end)
				send_end = e;
		}
		if (posted) {
			uint64_t one = 1;
			ssize_t wr = write(m->evfd, &one, sizeof(one));
			(void)wr; /* a full counter still wakes the reader */
		}

		clock_gettime(CLOCK_MONOTONIC, &t1);
		uint64_t busy = ns_of(&t1) - ns_of(&t0);
		atomic_fetch_add_explicit(&m->ticks, 1, memory_order_relaxed);
		if (busy > atomic_load_explicit(&m->busy_ns_max,
						memory_order_relaxed))
			atomic_store_explicit(&m->busy_ns_max, busy,
					      memory_order_relaxed);
		if (busy > period_ns)
			atomic_fetch_add_explicit(&m->late_ticks, 1,
						  memory_order_relaxed);
		count(&m->busy_ns, busy);
		uint64_t send = send_end - ns_of(&t0);
		count(&m->send_ns, send);
		if (send > atomic_load_explicit(&m->send_ns_max,
						memory_order_relaxed))
			atomic_store_explicit(&m->send_ns_max, send,
					      memory_order_relaxed);
		count(&m->late_hist[gw_media_late_bucket(late / 1000)], 1);
		if (late > atomic_load_explicit(&m->late_ns_max,
						memory_order_relaxed))
			atomic_store_explicit(&m->late_ns_max, late,
					      memory_order_relaxed);
		if (ns_of(&t1) > grid.dl + period_ns)
			count(&m->missed_deadlines, 1);
		grid_next(&grid, late, period_ns);
	}
	/* let the workers go too (also after a fatal card error) */
	atomic_store_explicit(&m->quit, true, memory_order_release);
	atomic_fetch_add_explicit(&m->gen, 1, memory_order_release);
	futex(&m->gen, FUTEX_WAKE_PRIVATE, INT_MAX);
	return NULL;
}

/* ---- control thread ---- */

int gw_media_set_zone(struct gw_media *m, int chan, const struct gw_zone *zone)
{
	struct chan *c;
	int err;

	if (m->running)
		return -EBUSY;
	if (chan < 1 || chan > m->nchans || !zone)
		return -EINVAL;
	c = &m->chans[chan - 1];
	err = gw_tone_gen_set_zone(c->tone, zone);
	if (!err)
		err = gw_progress_det_set_zone(c->prog, zone);
	return err;
}

static void cid_free(struct chan_cid *k)
{
	if (!k)
		return;
	gw_callerid_tx_free(k->tx);
	gw_callerid_rx_free(k->rx);
	free(k);
}

int gw_media_set_callerid(struct gw_media *m, int chan,
			  enum gw_callerid_standard std, bool tx, bool rx)
{
	struct chan_cid *k;
	int err = 0;

	if (m->running)
		return -EBUSY;
	if (chan < 1 || chan > m->nchans || std < 0 ||
	    std >= GW_CALLERID_STANDARD_COUNT)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	if (tx)
		err = gw_callerid_tx_alloc(&k->tx, std);
	if (!err && rx)
		err = gw_callerid_rx_alloc(&k->rx, std);
	if (err) {
		cid_free(k);
		return err;
	}
	k->rx_on = rx; /* detecting from the start (commands need a thread) */
	cid_free(m->chans[chan - 1].cid);
	m->chans[chan - 1].cid = k;
	return 0;
}

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

int gw_media_set_rtp_timeout(struct gw_media *m, int seconds)
{
	if (m->running)
		return -EBUSY;
	if (seconds < 0 || seconds > GW_MEDIA_RTP_TIMEOUT_MAX)
		return -EINVAL;
	m->rtp_timeout_ticks = (uint32_t)seconds * TICKS_PER_S;
	return 0;
}

int gw_media_set_dtmf_lookahead(struct gw_media *m, int ms)
{
	if (m->running)
		return -EBUSY;
	if (ms < 0 || ms > GW_MEDIA_DTMF_LOOKAHEAD_MAX)
		return -EINVAL;
	for (int i = 0; i < m->nchans; i++) {
		struct chan *c = &m->chans[i];
		int err;

		gw_dtmf_suppress_free(c->supp);
		c->supp = NULL;
		err = gw_dtmf_suppress_alloc(&c->supp, ms);
		if (err)
			return err;
		c->supp_delay = ms * GW_HW_RATE_HZ / 1000;
	}
	return 0;
}

int gw_media_set_vbd_detect(struct gw_media *m, unsigned int detect)
{
	if (m->running)
		return -EBUSY;
	if (detect & ~(unsigned int)GW_MODEM_DETECT_ALL)
		return -EINVAL;
	m->vbd_detect = detect;
	for (int i = 0; i < m->nchans; i++) {
		struct chan *c = &m->chans[i];

		for (int d = 0; d < 2; d++) {
			gw_modem_rx_free(c->modem[d]);
			c->modem[d] = NULL;
			if (detect) {
				int err = gw_modem_rx_alloc(&c->modem[d],
							    detect, NULL,
							    NULL);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

int gw_media_set_threads(struct gw_media *m, int n)
{
	if (m->running)
		return -EBUSY;
	if (n < 1 || n > GW_MEDIA_MAX_THREADS)
		return -EINVAL;
	m->nworkers = n;
	return 0;
}

int gw_media_auto_threads(int nchans)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = (nchans + GW_MEDIA_CHANS_PER_THREAD - 1) /
		GW_MEDIA_CHANS_PER_THREAD;

	if (cpus > 0 && n > cpus)
		n = (int)cpus;
	if (n > GW_MEDIA_MAX_THREADS)
		n = GW_MEDIA_MAX_THREADS;
	return n < 1 ? 1 : n;
}

/* Start one media thread: SCHED_FIFO where permitted, else normal. */
static int spawn(struct gw_media *m, struct worker *w)
{
	pthread_attr_t attr;
	struct sched_param sp = { .sched_priority = 50 };
	void *(*fn)(void *) = w->index ? run_worker : run;
	void *arg = w->index ? (void *)w : (void *)m;
	char name[16];
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	err = pthread_create(&w->thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (!w->index)
		m->realtime = err == 0;
	if (err == EPERM) /* no CAP_SYS_NICE / RLIMIT_RTPRIO */
		err = pthread_create(&w->thread, NULL, fn, arg);
	if (err)
		return -err;
	w->started = true;
	/* "gw-media" for the leader, "gw-media1".. for the others */
	if (w->index)
		snprintf(name, sizeof(name), "gw-media%d", w->index);
	else
		snprintf(name, sizeof(name), "gw-media");
	pthread_setname_np(w->thread, name);
	return 0;
}

static void join_all(struct gw_media *m)
{
	for (int i = 0; i < m->nworkers; i++) {
		struct worker *w = &m->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		w->started = false;
	}
}

int gw_media_start(struct gw_media *m)
{
	int err;

	/*
	 * Real-time priority and locked memory where permitted (not under
	 * ASan, whose shadow mappings cannot be locked).
	 */
#ifndef __SANITIZE_ADDRESS__
	m->mlocked = mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
#endif
	atomic_store(&m->stop, false);
	atomic_store(&m->quit, false);
	atomic_store(&m->gen, 0);
	atomic_store(&m->done, 0);
	/*
	 * Where the channel's fax/modem detectors watch both directions for
	 * the 2100 Hz family, they drive the canceller (NLP off, bypass for
	 * phase reversals): its own G.164/G.165 detectors would only repeat
	 * the same work (two more tone detectors per channel).
	 */
	for (int i = 0; i < m->nchans; i++) {
		struct chan *c = &m->chans[i];

		if (c->ec && c->modem[0] && c->modem[1] &&
		    (m->vbd_detect & GW_MODEM_DETECT_ANS))
			gw_echo_set_tone_disabler(c->ec, false);
	}
	/* the workers first: each runs the first period it sees */
	for (int i = m->nworkers - 1; i >= 0; i--) {
		err = spawn(m, &m->workers[i]);
		if (err) {
			/* the leader never ran: release the workers */
			atomic_store(&m->quit, true);
			atomic_fetch_add(&m->gen, 1);
			futex(&m->gen, FUTEX_WAKE_PRIVATE, INT_MAX);
			join_all(m);
			return err;
		}
	}
	m->running = true;
	return 0;
}

void gw_media_stop(struct gw_media *m)
{
	if (!m || !m->running)
		return;
	atomic_store_explicit(&m->stop, true, memory_order_release);
	join_all(m); /* the leader releases the workers as it ends */
	m->running = false;
	/* The threads are gone: give attached sessions back as events. */
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
	for (int i = 0; i < m->nworkers; i++)
		if (gw_spsc_pop(&m->workers[i].evq, ev))
			return 1;
	return 0;
}

void gw_media_stats_get(struct gw_media *m, struct gw_media_stats *st)
{
	st->ticks = atomic_load_explicit(&m->ticks, memory_order_relaxed);
	st->late_ticks =
		atomic_load_explicit(&m->late_ticks, memory_order_relaxed);
	st->cpu_ns = 0;
	st->threads = m->nworkers;
	for (int i = 0; i < GW_MEDIA_MAX_THREADS; i++) {
		st->thread_cpu_ns[i] =
			i < m->nworkers
				? atomic_load_explicit(&m->workers[i].cpu_ns,
						       memory_order_relaxed)
				: 0;
		st->cpu_ns += st->thread_cpu_ns[i];
	}
	st->busy_ns_max =
		atomic_load_explicit(&m->busy_ns_max, memory_order_relaxed);
	st->ring_overflows =
		atomic_load_explicit(&m->ring_overflows, memory_order_relaxed);
	st->missed_deadlines = atomic_load_explicit(&m->missed_deadlines,
						    memory_order_relaxed);
	st->busy_ns = atomic_load_explicit(&m->busy_ns, memory_order_relaxed);
	st->send_ns = atomic_load_explicit(&m->send_ns, memory_order_relaxed);
	st->send_ns_max =
		atomic_load_explicit(&m->send_ns_max, memory_order_relaxed);
	st->late_ns_max =
		atomic_load_explicit(&m->late_ns_max, memory_order_relaxed);
	for (int i = 0; i < GW_MEDIA_LATE_BUCKETS; i++)
		st->late_hist[i] = atomic_load_explicit(&m->late_hist[i],
							memory_order_relaxed);
	st->realtime = m->realtime;
	st->mlocked = m->mlocked;
	st->active_chans =
		atomic_load_explicit(&m->active_chans, memory_order_relaxed);
}
