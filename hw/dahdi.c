// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dahdi: real telephony cards through the DAHDI character devices.
 *
 * What it does: each gateway channel n is DAHDI channel n, opened with
 * /dev/dahdi/channel + DAHDI_SPECIFY, non-blocking, in signed linear mode
 * with 160-sample (20 ms) blocks and four immediate-policy buffers each
 * way. The signalling dahdi_cfg gave the channel decides its gateway type:
 * DAHDI's FXO signalling (fxoks/fxols/fxogs: the card's FXS module, a phone
 * behind it) is a gateway FXS port, DAHDI's FXS signalling (fxsks/fxsls/
 * fxsgs: the card's FXO module, a CO line behind it) a gateway FXO port.
 *
 * How: the card is the clock. wait() polls the first open channel until
 * its next block is readable (one block per 20 ms), then reads one block
 * from every open channel; flush() writes one block to every open channel.
 * A read or write failing with ELAST means DAHDI has a signalling event
 * queued on that channel: it is fetched with DAHDI_GETEVENT, translated and
 * queued, and the transfer retried. If the card stops delivering, wait()
 * keeps a 20 ms period from CLOCK_MONOTONIC. A channel that does not exist
 * (its span is not there yet) is in alarm; wait() tries to open it once a
 * second and reports GW_HW_EV_NOALARM when it appears.
 *
 * Nothing after open() allocates, locks or logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <dahdi/user.h>

#include "hw/evq.h"
#include "hw/hw.h"

#ifndef ELAST
#define ELAST 500 /* DAHDI's "an event is pending" (not in every libc) */
#endif

#define PERIOD_NS (1000000000LL * GW_HW_FRAME_SAMPLES / GW_HW_RATE_HZ)
#define NUMBUFS 4	    /* DAHDI buffers each way: 80 ms of slack */
#define RETRY_TICKS 50	    /* try missing channels once a second */
#define XFER_TRIES 8	    /* ELAST retries per read or write */
#define CHANNEL_DEV "/dev/dahdi/channel"
#define CTL_DEV "/dev/dahdi/ctl"

struct dchan {
	int fd;			   /* -1 while missing */
	bool used;		   /* listed in the spec */
	bool alarm;		   /* reported in alarm */
	bool offhook;		   /* FXO: we hold the line */
	bool ringing;		   /* FXO: RING_BEGIN reported, no END yet */
	bool phone_offhook;	   /* FXS: last hook state reported */
	/*
	 * FXO: the driver is pulse dialling (DAHDI_DIAL "P..." until
	 * DIALCOMPLETE): no audio is written meanwhile, because the driver
	 * cancels its dialling on any write to the channel.
	 */
	bool dialing;
	uint8_t type;		   /* enum gw_hw_chan_type */
	int sig;		   /* DAHDI signalling */
	int law;		   /* DAHDI_LAW_* */
	int16_t rx[GW_HW_FRAME_SAMPLES];
	int16_t tx[GW_HW_FRAME_SAMPLES];
};

struct gw_hw_card {
	int nchans; /* highest channel number we may use */
	struct dchan *ch; /* [1..nchans] */
	int master; /* channel whose read readiness is the clock, 0 none */
	struct timespec next; /* deadline of the next period */
	int retry_ticks;
	int missing; /* listed channels not open */
	struct gw_hw_evq evq;
	struct {
		uint64_t ticks, clock_timeouts, dahdi_events, ev_overflow;
		uint64_t elast_read, elast_write, rx_underrun, rx_short;
		uint64_t rx_errors, tx_overrun, tx_errors;
	} stats;
	struct dahdi_gains gains; /* scratch for set_gains (no stack 516 B) */
};

static void ev_push_value(struct gw_hw_card *c, int chan,
			  enum gw_hw_event_type t, int value)
{
	if (!gw_hw_evq_push(&c->evq, chan, t, value))
		c->stats.ev_overflow++; /* the oldest events win */
}

static void ev_push(struct gw_hw_card *c, int chan, enum gw_hw_event_type t)
{
	ev_push_value(c, chan, t, 0);
}

static void set_alarm(struct gw_hw_card *c, int n, bool alarm)
{
	if (c->ch[n].alarm == alarm)
		return;
	c->ch[n].alarm = alarm;
	ev_push(c, n, alarm ? GW_HW_EV_ALARM : GW_HW_EV_NOALARM);
}

static enum gw_hw_chan_type type_of_sig(int sig)
{
	if (sig & __DAHDI_SIG_FXO)
		return GW_HW_CHAN_FXS; /* DAHDI FXO signalling: phone behind */
	if (sig & __DAHDI_SIG_FXS)
		return GW_HW_CHAN_FXO; /* DAHDI FXS signalling: CO behind */
	return GW_HW_CHAN_NONE;
}

/* Translate one DAHDI event of channel n into gateway events. */
static void dahdi_event(struct gw_hw_card *c, int n, int e)
{
	struct dchan *ch = &c->ch[n];

	c->stats.dahdi_events++;
	switch (e) {
	case DAHDI_EVENT_ALARM:
		set_alarm(c, n, true);
		return;
	case DAHDI_EVENT_NOALARM:
		set_alarm(c, n, false);
		return;
	case DAHDI_EVENT_REMOVED:
		/* the span went away under us: reopen it later */
		close(ch->fd);
		ch->fd = -1;
		c->missing++;
		if (c->master == n)
			c->master = 0;
		set_alarm(c, n, true);
		return;
	}
	if (ch->type == GW_HW_CHAN_FXS) {
		int h;

		switch (e) {
		case DAHDI_EVENT_RINGOFFHOOK:
			/*
			 * Loop closed: put the channel in DAHDI's off-hook
			 * state, as a card's ring trip does. That stops a
			 * ring cadence in progress (DAHDI keeps ringing an
			 * answered robbed-bit channel otherwise) and is what
			 * lets disconnect() drop battery later.
			 */
			ch->phone_offhook = true;
			h = DAHDI_OFFHOOK;
			ioctl(ch->fd, DAHDI_HOOK, &h);
			ev_push(c, n, GW_HW_EV_OFFHOOK);
			break;
		case DAHDI_EVENT_ONHOOK:
			/* back to idle (no battery drop: the loop is open) */
			ch->phone_offhook = false;
			h = DAHDI_ONHOOK;
			ioctl(ch->fd, DAHDI_HOOK, &h);
			ev_push(c, n, GW_HW_EV_ONHOOK);
			break;
		case DAHDI_EVENT_WINKFLASH:
			ev_push(c, n, GW_HW_EV_FLASH);
			break;
		default:
			/* the kernel counted a rotary digit (1..10 pulses) */
			if ((e & ~0xff) == DAHDI_EVENT_PULSEDIGIT) {
				int d = e & 0xff;

				if (d >= '0' && d <= '9')
					ev_push_value(c, n,
						      GW_HW_EV_PULSE_DIGIT, d);
			}
			break;
		}
	} else if (ch->type == GW_HW_CHAN_FXO) {
		switch (e) {
		case DAHDI_EVENT_RINGBEGIN:
			if (!ch->ringing && !ch->offhook) {
				ch->ringing = true;
				ev_push(c, n, GW_HW_EV_RING_BEGIN);
			}
			break;
		case DAHDI_EVENT_RINGOFFHOOK:
			/*
			 * On DAHDI FXS signalling this is "a ring just ended"
			 * (the ring trailer expired). RINGBEGIN is suppressed
			 * for 2 s after the line went on-hook: then only this
			 * one comes, and both edges are reported here.
			 */
			if (ch->offhook)
				break;
			if (!ch->ringing)
				ev_push(c, n, GW_HW_EV_RING_BEGIN);
			ch->ringing = false;
			ev_push(c, n, GW_HW_EV_RING_END);
			break;
		case DAHDI_EVENT_POLARITY:
			ev_push(c, n, GW_HW_EV_POLARITY);
			break;
		case DAHDI_EVENT_DIALCOMPLETE: /* dahdi_dial_pulse() */
			ch->dialing = false;
			ev_push(c, n, GW_HW_EV_DIAL_DONE);
			break;
		case DAHDI_EVENT_ONHOOK:
			/* battery gone while we hold the line: far end left */
			if (ch->offhook)
				ev_push(c, n, GW_HW_EV_LOOP_DROP);
			break;
		}
	}
}

static void fetch_events(struct gw_hw_card *c, int n)
{
	for (int i = 0; i < 16 && c->ch[n].fd >= 0; i++) {
		int e = 0;

		if (ioctl(c->ch[n].fd, DAHDI_GETEVENT, &e) < 0 ||
		    e == DAHDI_EVENT_NONE)
			return;
		dahdi_event(c, n, e);
	}
}

static int chan_open(struct gw_hw_card *c, int n)
{
	struct dchan *ch = &c->ch[n];
	struct dahdi_bufferinfo bi;
	struct dahdi_params p;
	int fd, v, err;

	fd = open(CHANNEL_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	v = n;
	if (ioctl(fd, DAHDI_SPECIFY, &v) < 0)
		goto fail;
	v = GW_HW_FRAME_SAMPLES;
	if (ioctl(fd, DAHDI_SET_BLOCKSIZE, &v) < 0)
		goto fail;
	memset(&bi, 0, sizeof(bi));
	if (ioctl(fd, DAHDI_GET_BUFINFO, &bi) < 0)
		goto fail;
	bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
	bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
	bi.numbufs = NUMBUFS;
	bi.bufsize = GW_HW_FRAME_SAMPLES;
	if (ioctl(fd, DAHDI_SET_BUFINFO, &bi) < 0)
		goto fail;
	v = 1;
	if (ioctl(fd, DAHDI_SETLINEAR, &v) < 0)
		goto fail;
	memset(&p, 0, sizeof(p));
	if (ioctl(fd, DAHDI_GET_PARAMS, &p) < 0)
		goto fail;
	ch->fd = fd;
	ch->sig = p.sigtype;
	ch->law = p.curlaw;
	ch->type = (uint8_t)type_of_sig(p.sigtype);
	ch->offhook = ch->ringing = ch->dialing = false;
	ch->phone_offhook = false;
	if (!c->master)
		c->master = n;
	return p.chan_alarms ? 1 : 0;
fail:
	err = -errno;
	close(fd);
	return err;
}

/* A phone already off-hook when its channel opens: report it now. */
static void offhook_at_open(struct gw_hw_card *c, int n)
{
	struct dahdi_params p;

	memset(&p, 0, sizeof(p));
	if (c->ch[n].type == GW_HW_CHAN_FXS &&
	    ioctl(c->ch[n].fd, DAHDI_GET_PARAMS, &p) == 0 && p.rxisoffhook)
		dahdi_event(c, n, DAHDI_EVENT_RINGOFFHOOK);
}

/* Try to open every listed channel that is not open. */
static void open_missing(struct gw_hw_card *c)
{
	for (int n = 1; n <= c->nchans && c->missing; n++) {
		struct dchan *ch = &c->ch[n];
		int r;

		if (!ch->used || ch->fd >= 0)
			continue;
		r = chan_open(c, n);
		if (r < 0)
			continue;
		c->missing--;
		set_alarm(c, n, r > 0);
		offhook_at_open(c, n);
	}
}

/* Parse "1-4,9": mark channels used. */
static int parse_spec(const char *spec, bool *used, int *maxchan)
{
	const char *s = spec;

	*maxchan = 0;
	while (*s) {
		char *end;
		long a, b;

		while (*s == ' ' || *s == '\t')
			s++;
		a = strtol(s, &end, 10);
		if (end == s)
			return -EINVAL;
		s = end;
		b = a;
		if (*s == '-') {
			s++;
			b = strtol(s, &end, 10);
			if (end == s)
				return -EINVAL;
			s = end;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',')
			s++;
		else if (*s)
			return -EINVAL;
		if (a < 1 || b < a || b > GW_HW_MAX_CHANS)
			return -ERANGE;
		for (long n = a; n <= b; n++)
			used[n] = true;
		if (b > *maxchan)
			*maxchan = (int)b;
	}
	return *maxchan ? 0 : -EINVAL;
}

/* Empty spec: every channel that exists now with FXS or FXO signalling. */
static int probe_all(bool *used, int *maxchan)
{
	int fd = open(CTL_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*maxchan = 0;
	for (int n = 1; n <= GW_HW_MAX_CHANS; n++) {
		struct dahdi_params p;

		memset(&p, 0, sizeof(p));
		p.channo = n;
		if (ioctl(fd, DAHDI_GET_PARAMS, &p) < 0 || p.channo != n)
			continue;
		if (type_of_sig(p.sigtype) == GW_HW_CHAN_NONE)
			continue;
		used[n] = true;
		*maxchan = n;
	}
	close(fd);
	return *maxchan ? 0 : -ENODEV;
}

static void dahdi_close(struct gw_hw_card *c);

static int dahdi_open(struct gw_hw_card **ret, const char *spec)
{
	bool used[GW_HW_MAX_CHANS + 1] = { false };
	struct gw_hw_card *c;
	int maxchan = 0, err;

	err = spec && *spec ? parse_spec(spec, used, &maxchan) :
			      probe_all(used, &maxchan);
	if (err)
		return err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ch = calloc((size_t)maxchan + 1, sizeof(*c->ch));
	if (!c->ch) {
		free(c);
		return -ENOMEM;
	}
	c->nchans = maxchan;
	for (int n = 0; n <= maxchan; n++)
		c->ch[n].fd = -1;
	for (int n = 1; n <= maxchan; n++) {
		int r;

		if (!used[n])
			continue;
		c->ch[n].used = true;
		r = chan_open(c, n);
		if (r == -EACCES || r == -EPERM) {
			err = r; /* not ours to use: fail loudly now */
			goto fail;
		}
		if (r < 0) {
			c->missing++;
			c->ch[n].alarm = true;
			ev_push(c, n, GW_HW_EV_ALARM);
		} else if (r > 0) {
			c->ch[n].alarm = true;
			ev_push(c, n, GW_HW_EV_ALARM);
		}
		if (r >= 0)
			offhook_at_open(c, n);
	}
	clock_gettime(CLOCK_MONOTONIC, &c->next);
	*ret = c;
	return 0;
fail:
	dahdi_close(c);
	return err;
}

static void dahdi_close(struct gw_hw_card *c)
{
	if (!c)
		return;
	for (int n = 1; n <= c->nchans; n++)
		if (c->ch[n].fd >= 0) {
			if (c->ch[n].type == GW_HW_CHAN_FXO &&
			    c->ch[n].offhook) {
				int h = DAHDI_ONHOOK;
				ioctl(c->ch[n].fd, DAHDI_HOOK, &h);
			}
			close(c->ch[n].fd);
		}
	free(c->ch);
	free(c);
}

static enum gw_hw_chan_type dahdi_chan_type(struct gw_hw_card *c, int chan)
{
	if (chan < 1 || chan > c->nchans || c->ch[chan].fd < 0)
		return GW_HW_CHAN_NONE;
	return (enum gw_hw_chan_type)c->ch[chan].type;
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

/* Read one block of channel n into its rx buffer (silence when none). */
static void read_block(struct gw_hw_card *c, int n)
{
	struct dchan *ch = &c->ch[n];

	for (int i = 0; i < XFER_TRIES && ch->fd >= 0; i++) {
		ssize_t r = read(ch->fd, ch->rx, sizeof(ch->rx));

		if (r == (ssize_t)sizeof(ch->rx))
			return;
		if (r >= 0) { /* short block: pad with silence */
			memset((char *)ch->rx + r, 0, sizeof(ch->rx) - (size_t)r);
			c->stats.rx_short++;
			return;
		}
		if (errno == ELAST) {
			c->stats.elast_read++;
			fetch_events(c, n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			c->stats.rx_underrun++;
		else
			c->stats.rx_errors++;
		break;
	}
	memset(ch->rx, 0, sizeof(ch->rx));
}

static int dahdi_wait(struct gw_hw_card *c)
{
	struct timespec now;
	bool ticked = false;

	/* The card's clock: the master channel's next block. */
	while (c->master && c->ch[c->master].fd >= 0) {
		struct pollfd p = { .fd = c->ch[c->master].fd, .events = POLLIN };
		long long left;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ts_diff_ns(&c->next, &now) + PERIOD_NS / 2;
		r = poll(&p, 1, left > 0 ? (int)(left / 1000000) : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 1 && (p.revents & POLLIN)) {
			clock_gettime(CLOCK_MONOTONIC, &c->next);
			ts_add(&c->next, PERIOD_NS);
			ticked = true;
			break;
		}
		if (r == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
			dahdi_event(c, c->master, DAHDI_EVENT_REMOVED);
			continue;
		}
		if (r == 1)
			continue;
		/* timeout: the card is late or dead, keep the period */
		c->stats.clock_timeouts++;
		ts_add(&c->next, PERIOD_NS);
		ticked = true;
		break;
	}
	if (!ticked) { /* no channel open: the monotonic clock */
		if (!c->master)
			for (int n = 1; n <= c->nchans; n++)
				if (c->ch[n].fd >= 0) {
					c->master = n;
					break;
				}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
				       &c->next, NULL) == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_diff_ns(&now, &c->next) > 5 * PERIOD_NS)
			c->next = now; /* stalled: resync */
		ts_add(&c->next, PERIOD_NS);
	}
	c->stats.ticks++;

	if (c->missing && ++c->retry_ticks >= RETRY_TICKS) {
		c->retry_ticks = 0;
		open_missing(c);
	}
	for (int n = 1; n <= c->nchans; n++) {
		struct dchan *ch = &c->ch[n];

		memset(ch->tx, 0, sizeof(ch->tx));
		if (ch->fd >= 0)
			read_block(c, n);
	}
	return 0;
}

static int dahdi_read(struct gw_hw_card *c, int chan, int16_t *frame)
{
	if (chan < 1 || chan > c->nchans) {
		if (chan < 1 || chan > GW_HW_MAX_CHANS)
			return -EINVAL;
		memset(frame, 0, GW_HW_FRAME_SAMPLES * sizeof(int16_t));
		return 0;
	}
	if (c->ch[chan].fd < 0)
		memset(frame, 0, GW_HW_FRAME_SAMPLES * sizeof(int16_t));
	else
		memcpy(frame, c->ch[chan].rx, sizeof(c->ch[chan].rx));
	return 0;
}

static int dahdi_write(struct gw_hw_card *c, int chan, const int16_t *frame)
{
	if (chan < 1 || chan > GW_HW_MAX_CHANS)
		return -EINVAL;
	if (chan > c->nchans)
		return 0; /* not ours: dropped, like a missing channel */
	memcpy(c->ch[chan].tx, frame, sizeof(c->ch[chan].tx));
	return 0;
}

static int dahdi_flush(struct gw_hw_card *c)
{
	for (int n = 1; n <= c->nchans; n++) {
		struct dchan *ch = &c->ch[n];

		for (int i = 0; i < XFER_TRIES && ch->fd >= 0 && !ch->dialing;
		     i++) {
			ssize_t r = write(ch->fd, ch->tx, sizeof(ch->tx));

			if (r >= 0)
				break;
			if (errno == ELAST) {
				c->stats.elast_write++;
				fetch_events(c, n);
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				c->stats.tx_overrun++;
			else
				c->stats.tx_errors++;
			break;
		}
	}
	return 0;
}

static int dahdi_ev(struct gw_hw_card *c, struct gw_hw_event *ev)
{
	return gw_hw_evq_pop(&c->evq, ev);
}

/* The open channel chan of type want, or a negative errno. */
static int chan_fd(struct gw_hw_card *c, int chan, enum gw_hw_chan_type want)
{
	if (chan < 1 || chan > c->nchans || !c->ch[chan].used)
		return -ENODEV;
	if (c->ch[chan].fd < 0)
		return -ENXIO; /* in alarm: not there (yet) */
	if (want != GW_HW_CHAN_NONE && c->ch[chan].type != want)
		return -EINVAL;
	return c->ch[chan].fd;
}

static int xioctl(int fd, unsigned long req, int v)
{
	if (ioctl(fd, req, &v) == 0 || errno == EINPROGRESS)
		return 0;
	return -errno;
}

static int dahdi_lineop(struct gw_hw_card *c, int chan, enum gw_hw_lineop op)
{
	bool fxo_op = op == GW_HW_OP_OFFHOOK || op == GW_HW_OP_ONHOOK;
	int fd = chan_fd(c, chan, fxo_op ? GW_HW_CHAN_FXO : GW_HW_CHAN_FXS);
	int err;

	if (fd < 0)
		return fd;
	switch (op) {
	case GW_HW_OP_OFFHOOK:
		err = xioctl(fd, DAHDI_HOOK, DAHDI_OFFHOOK);
		if (!err) {
			c->ch[chan].offhook = true;
			c->ch[chan].ringing = false;
		}
		return err;
	case GW_HW_OP_ONHOOK:
		err = xioctl(fd, DAHDI_HOOK, DAHDI_ONHOOK);
		if (!err)
			c->ch[chan].offhook = c->ch[chan].dialing = false;
		return err;
	case GW_HW_OP_RING_START:
		return xioctl(fd, DAHDI_HOOK, DAHDI_RING);
	case GW_HW_OP_RING_STOP:
		if (c->ch[chan].phone_offhook)
			return 0; /* the answer tripped the ring already */
		return xioctl(fd, DAHDI_HOOK, DAHDI_RINGOFF);
	case GW_HW_OP_POLARITY_REV:
		return xioctl(fd, DAHDI_SETPOLARITY, 1);
	case GW_HW_OP_POLARITY_FWD:
		return xioctl(fd, DAHDI_SETPOLARITY, 0);
	}
	return -EINVAL;
}

/* G.711 for the gain tables (DAHDI applies gains to law-coded bytes). */
static int ulaw_dec(uint8_t u)
{
	int t;

	u = (uint8_t)~u;
	t = ((u & 0x0f) << 3) + 0x84;
	t <<= (u & 0x70) >> 4;
	return (u & 0x80) ? 0x84 - t : t - 0x84;
}

static uint8_t ulaw_enc(int pcm)
{
	int mask, seg;

	pcm >>= 2;
	if (pcm < 0) {
		pcm = -pcm;
		mask = 0x7f;
	} else {
		mask = 0xff;
	}
	if (pcm > 8159)
		pcm = 8159;
	pcm += 0x21;
	for (seg = 0; seg < 8 && pcm > (0x3f << seg); seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	return (uint8_t)(((seg << 4) | ((pcm >> (seg + 1)) & 0xf)) ^ mask);
}

static int alaw_dec(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

static uint8_t alaw_enc(int pcm)
{
	int mask, seg, aval;

	pcm >>= 3;
	if (pcm >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		pcm = -pcm - 1;
	}
	for (seg = 0; seg < 8 && pcm > (0x1f << seg); seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	aval = seg << 4;
	aval |= seg < 2 ? (pcm >> 1) & 0xf : (pcm >> seg) & 0xf;
	return (uint8_t)(aval ^ mask);
}

static void gain_table(uint8_t *tab, int law, float gain_db)
{
	double f = pow(10.0, gain_db / 20.0);

	for (int i = 0; i < 256; i++) {
		int x = law == DAHDI_LAW_ALAW ? alaw_dec((uint8_t)i) :
						ulaw_dec((uint8_t)i);
		double y = x * f;

		if (y > 32767)
			y = 32767;
		if (y < -32768)
			y = -32768;
		x = (int)lrint(y);
		tab[i] = law == DAHDI_LAW_ALAW ? alaw_enc(x) : ulaw_enc(x);
	}
}

static int dahdi_set_gains(struct gw_hw_card *c, int chan, float rx_db,
			   float tx_db)
{
	int fd = chan_fd(c, chan, GW_HW_CHAN_NONE);
	struct dahdi_gains *g = &c->gains;

	if (fd < 0)
		return fd;
	if (!(rx_db >= -24 && rx_db <= 24 && tx_db >= -24 && tx_db <= 24))
		return -EINVAL;
	g->chan = 0; /* this fd's channel */
	gain_table(g->rxgain, c->ch[chan].law, rx_db);
	gain_table(g->txgain, c->ch[chan].law, tx_db);
	if (ioctl(fd, DAHDI_SETGAINS, g) < 0)
		return -errno;
	return 0;
}

static int dahdi_set_echo(struct gw_hw_card *c, int chan, int tail_taps)
{
	int fd = chan_fd(c, chan, GW_HW_CHAN_NONE);
	struct dahdi_echocanparams ecp = { .tap_length = (__u32)tail_taps };

	if (fd < 0)
		return fd;
	/* DAHDI silently turns other lengths into its default: refuse */
	if (tail_taps != 0 &&
	    (tail_taps < 32 || tail_taps > 1024 ||
	     (tail_taps & (tail_taps - 1))))
		return -EINVAL;
	if (ioctl(fd, DAHDI_ECHOCANCEL_PARAMS, &ecp) < 0)
		return -errno;
	return 0;
}

static int dahdi_hookflash(struct gw_hw_card *c, int chan, int ms)
{
	int fd = chan_fd(c, chan, GW_HW_CHAN_FXO);

	if (fd < 0)
		return fd;
	if (!c->ch[chan].offhook)
		return -EINVAL; /* a flash needs a held line */
	if (ms < 0 || ms > 2000)
		return -EINVAL;
	if (ms) {
		struct dahdi_params p;

		memset(&p, 0, sizeof(p));
		if (ioctl(fd, DAHDI_GET_PARAMS, &p) < 0)
			return -errno;
		if (p.flashtime != ms) {
			p.flashtime = ms;
			if (ioctl(fd, DAHDI_SET_PARAMS, &p) < 0)
				return -errno;
		}
	}
	return xioctl(fd, DAHDI_HOOK, DAHDI_FLASH);
}

/*
 * Pulse dialling by the driver: its pulse timing (DAHDI_SET_PARAMS
 * pulsebreaktime/pulsemaketime/pulseaftertime, ms), then DAHDI_DIAL "P"
 * + digits; DAHDI_EVENT_DIALCOMPLETE ends it (GW_HW_EV_DIAL_DONE). The
 * driver pauses pulseaftertime after each digit's last make, so the
 * inter-digit pause is the make plus that.
 */
static int dahdi_dial_pulse(struct gw_hw_card *c, int chan,
			    const char *digits, const struct gw_hw_pulse *pt)
{
	int fd = chan_fd(c, chan, GW_HW_CHAN_FXO);
	struct dahdi_dialoperation op = { .op = DAHDI_DIAL_OP_REPLACE };
	struct dahdi_params p;
	size_t n = strlen(digits);
	int period;

	if (fd < 0)
		return fd;
	if (!n || n > 31 || strspn(digits, "0123456789") != n ||
	    pt->pps < 8 || pt->pps > 20 || pt->break_pct < 50 ||
	    pt->break_pct > 80 || pt->interdigit_ms < 100 ||
	    pt->interdigit_ms > 2000)
		return -EINVAL;
	period = 1000 / pt->pps;
	memset(&p, 0, sizeof(p));
	if (ioctl(fd, DAHDI_GET_PARAMS, &p) < 0)
		return -errno;
	p.pulsebreaktime = period * pt->break_pct / 100;
	p.pulsemaketime = period - p.pulsebreaktime;
	p.pulseaftertime = pt->interdigit_ms > p.pulsemaketime ?
				   pt->interdigit_ms - p.pulsemaketime : 0;
	if (ioctl(fd, DAHDI_SET_PARAMS, &p) < 0)
		return -errno;
	snprintf(op.dialstr, sizeof(op.dialstr), "P%s", digits);
	if (ioctl(fd, DAHDI_DIAL, &op) < 0)
		return -errno;
	c->ch[chan].dialing = true;
	return 0;
}

static int dahdi_onhook_transfer(struct gw_hw_card *c, int chan, int ms)
{
	int fd = chan_fd(c, chan, GW_HW_CHAN_FXS);

	if (fd < 0)
		return fd;
	if (ms < 0 || ms > 10000)
		return -EINVAL;
	return xioctl(fd, DAHDI_ONHOOKTRANSFER, ms);
}

static int dahdi_disconnect(struct gw_hw_card *c, int chan, int ms)
{
	int fd = chan_fd(c, chan, GW_HW_CHAN_FXS);

	(void)ms; /* the driver's DAHDI_KEWLTIME */
	if (fd < 0)
		return fd;
	/* DAHDI_ONHOOK on an FXO-signalled channel whose phone is off-hook
	 * drops battery for the kewlstart time (DAHDI_KEWLTIME, 500 ms) */
	return xioctl(fd, DAHDI_HOOK, DAHDI_ONHOOK);
}

static int dahdi_stat(struct gw_hw_card *c, const char *name, uint64_t *value)
{
	static const struct {
		const char *name;
		size_t off;
	} tab[] = {
#define S(f) { #f, offsetof(struct gw_hw_card, stats.f) }
		S(ticks),	S(clock_timeouts), S(dahdi_events),
		S(ev_overflow), S(elast_read),	   S(elast_write),
		S(rx_underrun), S(rx_short),	   S(rx_errors),
		S(tx_overrun),	S(tx_errors),
#undef S
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].name, name) == 0) {
			memcpy(value, (const char *)c + tab[i].off,
			       sizeof(*value));
			return 0;
		}
	return -ENOENT;
}

const struct gw_hw_ops gw_hw_dahdi_ops = {
	.name = "dahdi",
	.open = dahdi_open,
	.close = dahdi_close,
	.chan_type = dahdi_chan_type,
	.wait = dahdi_wait,
	.read = dahdi_read,
	.write = dahdi_write,
	.flush = dahdi_flush,
	.event = dahdi_ev,
	.lineop = dahdi_lineop,
	.set_gains = dahdi_set_gains,
	.set_echo = dahdi_set_echo,
	.hookflash = dahdi_hookflash,
	.dial_pulse = dahdi_dial_pulse,
	.onhook_transfer = dahdi_onhook_transfer,
	.disconnect = dahdi_disconnect,
	.stat = dahdi_stat,
};
