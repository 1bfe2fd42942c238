// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sim: the simulated card. A monotonic timer gives the 20 ms frame clock;
 * the far side of every channel is copperline-linesim, reached over the
 * SOCK_SEQPACKET socket of hw/simproto.h.
 *
 * Per period: wait() sleeps to the next deadline and drains what linesim
 * sent (frames into a small FIFO, signals into the event queue); read()
 * takes one frame from the FIFO (one block of buffering, as a real card);
 * write() fills the outgoing frame; flush() sends it. When linesim is not
 * there, every channel is in alarm and wait() retries the connection once
 * a second. Nothing here allocates after open().
 *
 * Phones' hooks: linesim reports each raw hook change of a phone with the
 * sample it happened at; like DAHDI's kernel driver, this card turns them
 * into dial pulses (GW_HW_EV_PULSE_DIGIT), hook-flashes (GW_HW_EV_FLASH)
 * and on-hook (held back until it is neither), by the timing of
 * gw_hw_hook_timing (hw.h; sim_hook_timing(), defaults below).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hw/evq.h"
#include "hw/hookseq.h"
#include "hw/hw.h"
#include "hw/simproto.h"

#define PERIOD_NS (1000000000LL * GW_HW_FRAME_SAMPLES / GW_HW_RATE_HZ)
#define RX_FIFO 4	    /* frames of receive buffering */
#define RECONNECT_TICKS 50 /* 1 s */
#define DEFAULT_DEVICE "/run/copperline/linesim.card"
#define SPMS (GW_HW_RATE_HZ / 1000) /* samples per ms */
/* hook timing defaults (hw.h struct gw_hw_hook_timing) */
#define FLASH_MIN_MS 100
#define FLASH_MAX_MS 800
#define PULSE_GAP_MS 300

/* A phone's hook, as the gateway sees it (samples on the card's clock). */
struct hook {
	bool on;	  /* on-hook, as linesim last said */
	bool reported_on; /* the gateway was told ONHOOK */
	uint64_t since;	  /* sample of the last change */
	int pulses;	  /* dial pulses of the digit being dialled */
	uint32_t flash_min, flash_max, pulse_gap; /* samples */
	uint64_t battery_at; /* disconnect: battery back at (0: not off) */
};

struct gw_hw_card {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	int nchans;
	uint8_t types[GW_HW_MAX_CHANS];
	struct timespec next;
	uint32_t seq;
	int ticks_since_try;

	struct gw_sim_frame rx[RX_FIFO];
	int rx_head, rx_count;
	int rx_cur; /* FIFO slot read this period, -1 for silence */

	struct gw_sim_frame tx;

	struct gw_hw_evq evq;

	struct hook hook[GW_HW_MAX_CHANS];
	/* set_gains (linear factors; 0: unity) and set_echo (taps, kept
	 * only: the simulated card has no canceller) */
	float gain_rx[GW_HW_MAX_CHANS], gain_tx[GW_HW_MAX_CHANS];
	int echo_taps[GW_HW_MAX_CHANS];
	/* FXO: dial pulses and hook-flashes under way (fxo_hooks()) */
	struct gw_hookseq fxo_seq[GW_HW_MAX_CHANS];

	union {
		struct gw_sim_hdr hdr;
		struct gw_sim_hello hello;
		struct gw_sim_frame frame;
		struct gw_sim_signal signal;
	} in;
};

static void ev_push_value(struct gw_hw_card *c, int chan,
			  enum gw_hw_event_type t, int value)
{
	gw_hw_evq_push(&c->evq, chan, t, value);
}

static void ev_push(struct gw_hw_card *c, int chan, enum gw_hw_event_type t)
{
	ev_push_value(c, chan, t, 0);
}

/* Now on the card's sample clock. */
static uint64_t now_samples(const struct gw_hw_card *c)
{
	return (uint64_t)c->seq * GW_HW_FRAME_SAMPLES;
}

/* A phone's raw hook change at sample t (hw.h struct gw_hw_hook_timing). */
static void hook_change(struct gw_hw_card *c, int chan, bool on, uint64_t t)
{
	struct hook *h = &c->hook[chan - 1];
	uint64_t dur = t > h->since ? t - h->since : 0;

	if (on == h->on)
		return;
	h->on = on;
	h->since = t;
	if (on)
		return; /* what it is shows when it ends or lasts */
	if (h->reported_on) {
		h->reported_on = false;
		h->pulses = 0;
		ev_push(c, chan, GW_HW_EV_OFFHOOK);
	} else if (dur < h->flash_min) {
		h->pulses++;
	} else {
		h->pulses = 0; /* a flash ends a digit being dialled */
		ev_push_value(c, chan, GW_HW_EV_FLASH, (int)(dur / SPMS));
	}
}

static int send_code(struct gw_hw_card *c, int chan, uint32_t code);

/*
 * Once a period: on-hook that lasted, a digit whose pulses are over, the
 * end of a battery drop.
 */
static void hook_timers(struct gw_hw_card *c)
{
	uint64_t now = now_samples(c);

	for (int i = 0; i < c->nchans; i++) {
		struct hook *h = &c->hook[i];
		uint64_t dur = now > h->since ? now - h->since : 0;
		uint32_t hold = h->flash_max ? h->flash_max : h->flash_min;

		if (c->types[i] != GW_HW_CHAN_FXS)
			continue;
		if (h->battery_at && now >= h->battery_at) {
			h->battery_at = 0;
			send_code(c, i + 1, GW_SIM_SIG_BATTERY_ON);
		}
		if (h->on && !h->reported_on && dur >= hold) {
			h->reported_on = true;
			h->pulses = 0;
			ev_push(c, i + 1, GW_HW_EV_ONHOOK);
		} else if (!h->on && h->pulses && dur >= h->pulse_gap) {
			if (h->pulses <= 10)
				ev_push_value(c, i + 1, GW_HW_EV_PULSE_DIGIT,
					      '0' + h->pulses % 10);
			h->pulses = 0;
		}
	}
}

static void hook_reset(struct gw_hw_card *c)
{
	for (int i = 0; i < GW_HW_MAX_CHANS; i++) {
		struct hook *h = &c->hook[i];

		h->on = true;
		h->reported_on = true;
		h->pulses = 0;
		h->since = 0;
		h->battery_at = 0;
	}
}

static void disconnect(struct gw_hw_card *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
		ev_push(c, 0, GW_HW_EV_ALARM);
	}
	c->rx_count = 0;
	hook_reset(c); /* linesim starts its phones on-hook */
	memset(c->fxo_seq, 0, sizeof(c->fxo_seq));
}

static void handle_msg(struct gw_hw_card *c, ssize_t n)
{
	if (n < (ssize_t)sizeof(struct gw_sim_hdr) ||
	    c->in.hdr.version != GW_SIM_VERSION)
		return;
	switch (c->in.hdr.type) {
	case GW_SIM_MSG_HELLO:
		if (n < (ssize_t)sizeof(struct gw_sim_hello) ||
		    c->in.hello.nchans > GW_HW_MAX_CHANS)
			return;
		c->nchans = (int)c->in.hello.nchans;
		memcpy(c->types, c->in.hello.types, sizeof(c->types));
		ev_push(c, 0, GW_HW_EV_NOALARM);
		break;
	case GW_SIM_MSG_FRAME:
		if (n < (ssize_t)GW_SIM_FRAME_LEN(c->in.frame.nchans) ||
		    c->in.frame.nchans > GW_HW_MAX_CHANS)
			return;
		if (c->rx_count == RX_FIFO) { /* overrun: drop the oldest */
			c->rx_head = (c->rx_head + 1) % RX_FIFO;
			c->rx_count--;
		}
		memcpy(&c->rx[(c->rx_head + c->rx_count) % RX_FIFO],
		       &c->in.frame, (size_t)n);
		c->rx_count++;
		break;
	case GW_SIM_MSG_SIGNAL: {
		int chan = (int)c->in.signal.chan;
		enum gw_hw_event_type t =
			(enum gw_hw_event_type)c->in.signal.code;

		if (n < (ssize_t)sizeof(struct gw_sim_signal) || chan < 1 ||
		    chan > c->nchans || c->in.signal.offset >= GW_HW_FRAME_SAMPLES)
			return;
		if (c->types[chan - 1] == GW_HW_CHAN_FXS &&
		    (t == GW_HW_EV_ONHOOK || t == GW_HW_EV_OFFHOOK))
			hook_change(c, chan, t == GW_HW_EV_ONHOOK,
				    now_samples(c) + c->in.signal.offset);
		else
			ev_push(c, chan, t);
		break;
	}
	}
}

static void drain(struct gw_hw_card *c)
{
	while (c->fd >= 0) {
		ssize_t n = recv(c->fd, &c->in, sizeof(c->in), MSG_DONTWAIT);
		if (n > 0) {
			handle_msg(c, n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		disconnect(c); /* EOF or error: linesim went away */
	}
}

static int try_connect(struct gw_hw_card *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, c->path, sizeof(sa.sun_path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	c->fd = fd;
	c->rx_count = 0;
	return 0;
}

static int sim_open(struct gw_hw_card **ret, const char *spec)
{
	struct gw_hw_card *c;
	const char *path = spec && *spec ? spec : DEFAULT_DEVICE;

	if (strlen(path) >= sizeof(c->path))
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	strcpy(c->path, path);
	c->fd = -1;
	c->rx_cur = -1;
	clock_gettime(CLOCK_MONOTONIC, &c->next);
	hook_reset(c);
	for (int i = 0; i < GW_HW_MAX_CHANS; i++) {
		c->hook[i].flash_min = FLASH_MIN_MS * SPMS;
		c->hook[i].flash_max = FLASH_MAX_MS * SPMS;
		c->hook[i].pulse_gap = PULSE_GAP_MS * SPMS;
	}

	/* Give a linesim that is starting up a moment, and learn its ports. */
	for (int i = 0; i < 20 && c->fd < 0; i++)
		if (try_connect(c) < 0)
			usleep(100000);
	if (c->fd >= 0) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, 2000) == 1)
			drain(c);
		c->evq.count = 0; /* the NOALARM of the HELLO is implied */
	}
	*ret = c;
	return 0;
}

static void sim_close(struct gw_hw_card *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static enum gw_hw_chan_type sim_chan_type(struct gw_hw_card *c, int chan)
{
	if (chan < 1 || chan > c->nchans)
		return GW_HW_CHAN_NONE;
	return (enum gw_hw_chan_type)c->types[chan - 1];
}

static void ts_add(struct timespec *t, long long ns)
{
	ns += t->tv_nsec;
	t->tv_sec += ns / 1000000000LL;
	t->tv_nsec = ns % 1000000000LL;
}

static long long ts_diff_ns(const struct timespec *a, const struct timespec *b)
{
	return (a->tv_sec - b->tv_sec) * 1000000000LL + (a->tv_nsec - b->tv_nsec);
}

static int sim_wait(struct gw_hw_card *c)
{
	struct timespec now;

	ts_add(&c->next, PERIOD_NS);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &c->next,
			       NULL) == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ts_diff_ns(&now, &c->next) > 5 * PERIOD_NS)
		c->next = now; /* stalled (debugger, suspend): resync */
	c->seq++;

	if (c->fd < 0 && ++c->ticks_since_try >= RECONNECT_TICKS) {
		c->ticks_since_try = 0;
		try_connect(c);
	}
	drain(c);
	hook_timers(c);

	/* Take this period's frame; keep one in reserve against jitter. */
	c->rx_cur = -1;
	if (c->rx_count > 0) {
		c->rx_cur = c->rx_head;
		c->rx_head = (c->rx_head + 1) % RX_FIFO;
		c->rx_count--;
		if (c->rx_count > 1) { /* linesim ran ahead: catch up */
			c->rx_cur = c->rx_head;
			c->rx_head = (c->rx_head + 1) % RX_FIFO;
			c->rx_count--;
		}
	}
	memset(c->tx.samples, 0, GW_SIM_FRAME_LEN(c->nchans) -
					 offsetof(struct gw_sim_frame, samples));
	return 0;
}

/* The card's gain (set_gains), saturating as a codec would. */
static void apply_gain(int16_t *out, const int16_t *in, float g)
{
	for (int i = 0; i < GW_HW_FRAME_SAMPLES; i++) {
		float v = in[i] * g;

		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

static int sim_set_gains(struct gw_hw_card *c, int chan, float rx_db,
			 float tx_db)
{
	if (sim_chan_type(c, chan) == GW_HW_CHAN_NONE)
		return -ENODEV;
	if (!(rx_db >= -24 && rx_db <= 24 && tx_db >= -24 && tx_db <= 24))
		return -EINVAL;
	c->gain_rx[chan - 1] = rx_db == 0 ? 0 : powf(10, rx_db / 20);
	c->gain_tx[chan - 1] = tx_db == 0 ? 0 : powf(10, tx_db / 20);
	return 0;
}

/* Accepted as DAHDI would (32..1024 taps, a power of two), not run. */
static int sim_set_echo(struct gw_hw_card *c, int chan, int tail_taps)
{
	if (sim_chan_type(c, chan) == GW_HW_CHAN_NONE)
		return -ENODEV;
	if (tail_taps != 0 && (tail_taps < 32 || tail_taps > 1024 ||
			       (tail_taps & (tail_taps - 1))))
		return -EINVAL;
	c->echo_taps[chan - 1] = tail_taps;
	return 0;
}

static int sim_read(struct gw_hw_card *c, int chan, int16_t *frame)
{
	if (chan < 1 || chan > GW_HW_MAX_CHANS)
		return -EINVAL;
	if (c->rx_cur < 0 || chan > (int)c->rx[c->rx_cur].nchans) {
		memset(frame, 0, GW_HW_FRAME_SAMPLES * sizeof(int16_t));
		return 0;
	}
	memcpy(frame, c->rx[c->rx_cur].samples[chan - 1],
	       GW_HW_FRAME_SAMPLES * sizeof(int16_t));
	if (c->gain_rx[chan - 1] != 0)
		apply_gain(frame, frame, c->gain_rx[chan - 1]);
	return 0;
}

static int sim_write(struct gw_hw_card *c, int chan, const int16_t *frame)
{
	if (chan < 1 || chan > GW_HW_MAX_CHANS)
		return -EINVAL;
	if (c->gain_tx[chan - 1] != 0)
		apply_gain(c->tx.samples[chan - 1], frame,
			   c->gain_tx[chan - 1]);
	else
		memcpy(c->tx.samples[chan - 1], frame,
		       GW_HW_FRAME_SAMPLES * sizeof(int16_t));
	return 0;
}

static void fxo_hooks(struct gw_hw_card *c);

static int sim_flush(struct gw_hw_card *c)
{
	size_t len = GW_SIM_FRAME_LEN(c->nchans);

	if (c->fd < 0)
		return 0;
	fxo_hooks(c);
	c->tx.hdr = (struct gw_sim_hdr){ .type = GW_SIM_MSG_FRAME,
					 .version = GW_SIM_VERSION,
					 .len = (uint32_t)len };
	c->tx.seq = c->seq;
	c->tx.nchans = (uint32_t)c->nchans;
	if (send(c->fd, &c->tx, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN)
		disconnect(c);
	return 0;
}

static int sim_event(struct gw_hw_card *c, struct gw_hw_event *ev)
{
	return gw_hw_evq_pop(&c->evq, ev);
}

/* A signal (lineop or GW_SIM_SIG_*) to linesim. */
static int send_code(struct gw_hw_card *c, int chan, uint32_t code)
{
	struct gw_sim_signal s = {
		.hdr = { .type = GW_SIM_MSG_SIGNAL,
			 .version = GW_SIM_VERSION,
			 .len = sizeof(s) },
		.chan = (uint32_t)chan,
		.code = code,
	};

	if (c->fd < 0)
		return -ENOTCONN;
	if (send(c->fd, &s, sizeof(s), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		int err = -errno;
		if (err != -EAGAIN)
			disconnect(c);
		return err;
	}
	return 0;
}

static int sim_lineop(struct gw_hw_card *c, int chan, enum gw_hw_lineop op)
{
	enum gw_hw_chan_type t = sim_chan_type(c, chan);
	bool fxo_op = op == GW_HW_OP_OFFHOOK || op == GW_HW_OP_ONHOOK;

	if (t == GW_HW_CHAN_NONE)
		return -ENODEV;
	if ((t == GW_HW_CHAN_FXO) != fxo_op)
		return -EINVAL;
	if (t == GW_HW_CHAN_FXO && op == GW_HW_OP_ONHOOK && c->fd >= 0)
		gw_hookseq_cancel(&c->fxo_seq[chan - 1]);
	return send_code(c, chan, (uint32_t)op);
}

/*
 * Kewlstart disconnect: battery off now, back after ms on the card's
 * clock (hook_timers()), as DAHDI's driver times its kewl state.
 */
static int sim_disconnect(struct gw_hw_card *c, int chan, int ms)
{
	struct hook *h;
	int err;

	if (sim_chan_type(c, chan) == GW_HW_CHAN_NONE)
		return -ENODEV;
	if (sim_chan_type(c, chan) != GW_HW_CHAN_FXS || ms < 0 || ms > 10000)
		return -EINVAL;
	h = &c->hook[chan - 1];
	if (!h->battery_at) {
		err = send_code(c, chan, GW_SIM_SIG_BATTERY_OFF);
		if (err < 0)
			return err;
	}
	h->battery_at = now_samples(c) + (uint64_t)(ms ? ms : 500) * SPMS;
	return 0;
}

/*
 * FXO dial pulses and hook-flashes (hw/hookseq.h): each hook change goes
 * to linesim in the period it falls in, before that period's frame, with
 * its sample in `offset` (the gateway -> linesim direction of
 * simproto.h's offset), so that breaks and makes keep their length to
 * the sample.
 */
static void hook_at(struct gw_hw_card *c, int chan, enum gw_hw_lineop op,
		    uint32_t offset)
{
	struct gw_sim_signal s = {
		.hdr = { .type = GW_SIM_MSG_SIGNAL,
			 .version = GW_SIM_VERSION,
			 .len = sizeof(s) },
		.chan = (uint32_t)chan,
		.code = (uint32_t)op,
		.offset = offset,
	};

	if (c->fd >= 0 && send(c->fd, &s, sizeof(s),
			       MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN)
		disconnect(c);
}

static void fxo_hooks(struct gw_hw_card *c)
{
	uint64_t now = now_samples(c), at;
	enum gw_hookseq_ev e;

	for (int i = 0; i < c->nchans && c->fd >= 0; i++) {
		struct gw_hookseq *q = &c->fxo_seq[i];

		while (q->active && (e = gw_hookseq_next(
				q, now + GW_HW_FRAME_SAMPLES, &at))) {
			uint32_t off = at > now ? (uint32_t)(at - now) : 0;

			if (e == GW_HOOKSEQ_DONE && !q->flash)
				ev_push(c, i + 1, GW_HW_EV_DIAL_DONE);
			else if (e == GW_HOOKSEQ_ONHOOK)
				hook_at(c, i + 1, GW_HW_OP_ONHOOK, off);
			else if (e == GW_HOOKSEQ_OFFHOOK)
				hook_at(c, i + 1, GW_HW_OP_OFFHOOK, off);
		}
	}
}

static int fxo_chan(struct gw_hw_card *c, int chan)
{
	if (sim_chan_type(c, chan) == GW_HW_CHAN_NONE)
		return -ENODEV;
	if (sim_chan_type(c, chan) != GW_HW_CHAN_FXO)
		return -EINVAL;
	if (c->fd < 0)
		return -ENXIO;
	return 0;
}

static int sim_dial_pulse(struct gw_hw_card *c, int chan, const char *digits,
			  const struct gw_hw_pulse *p)
{
	int err = fxo_chan(c, chan);

	if (err < 0)
		return err;
	return gw_hookseq_pulse(&c->fxo_seq[chan - 1], now_samples(c), digits,
				p);
}

/* ms 0: the card's default, 600 ms (a North American flash). */
static int sim_hookflash(struct gw_hw_card *c, int chan, int ms)
{
	int err = fxo_chan(c, chan);

	if (err < 0)
		return err;
	return gw_hookseq_flash(&c->fxo_seq[chan - 1], now_samples(c),
				ms ? ms : 600);
}

static int sim_hook_timing(struct gw_hw_card *c, int chan,
			   const struct gw_hw_hook_timing *t)
{
	struct hook *h;

	if (chan < 1 || chan > GW_HW_MAX_CHANS)
		return -ENODEV;
	if (t->flash_min_ms < 20 || t->pulse_gap_ms < 100 ||
	    (t->flash_max_ms && t->flash_max_ms <= t->flash_min_ms))
		return -EINVAL;
	h = &c->hook[chan - 1];
	h->flash_min = (uint32_t)t->flash_min_ms * SPMS;
	h->flash_max = (uint32_t)t->flash_max_ms * SPMS;
	h->pulse_gap = (uint32_t)t->pulse_gap_ms * SPMS;
	return 0;
}

const struct gw_hw_ops gw_hw_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.chan_type = sim_chan_type,
	.wait = sim_wait,
	.read = sim_read,
	.write = sim_write,
	.flush = sim_flush,
	.event = sim_event,
	.lineop = sim_lineop,
	.hook_timing = sim_hook_timing,
	.disconnect = sim_disconnect,
	.dial_pulse = sim_dial_pulse,
	.set_gains = sim_set_gains,
	.set_echo = sim_set_echo,
	.hookflash = sim_hookflash,
};
