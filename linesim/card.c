// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * card: the simproto server end.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hw/simproto.h"
#include "linesim/card.h"
#include "linesim/linesim.h"

/* Messages handled per poll round, so control clients are not starved. */
#define BURST 64

struct ls_card {
	struct ls_sim *sim;
	char *path;
	int lfd; /* listening */
	int fd;	 /* the gateway, -1 when none */
	uint64_t frames;
	unsigned long dropped;
	union {
		struct gw_sim_hdr hdr;
		struct gw_sim_frame frame;
		struct gw_sim_signal signal;
		char raw[sizeof(struct gw_sim_frame) + 16];
	} in;
	struct gw_sim_frame out;
};

int ls_card_open(struct ls_card **ret, struct ls_sim *sim, const char *path)
{
	struct ls_card *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sim = sim;
	c->fd = -1;
	c->lfd = -1;
	c->path = strdup(path);
	if (!c->path) {
		free(c);
		return -ENOMEM;
	}
	err = ls_unix_listen(path, SOCK_SEQPACKET, &c->lfd);
	if (err < 0) {
		free(c->path);
		free(c);
		return err;
	}
	*ret = c;
	return 0;
}

static void drop(struct ls_card *c, const char *why)
{
	int i;

	close(c->fd);
	c->fd = -1;
	ls_log("card disconnected (%s) after %llu frames", why,
	       (unsigned long long)c->frames);
	for (i = 0; i < c->sim->nports; i++)
		ls_port_reset(&c->sim->port[i]);
}

void ls_card_close(struct ls_card *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(c->path);
	}
	free(c->path);
	free(c);
}

bool ls_card_connected(const struct ls_card *c)
{
	return c && c->fd >= 0;
}

uint64_t ls_card_frames(const struct ls_card *c)
{
	return c->frames;
}

/* Send one message; false if the connection was dropped. */
static bool put(struct ls_card *c, const void *msg, size_t len)
{
	if (send(c->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return true;
	if (errno == EAGAIN || errno == ENOBUFS) {
		/* The gateway is not reading; it resyncs on the next frame. */
		if (c->dropped++ % 100 == 0)
			ls_log("card: gateway not reading, %lu message(s) "
			       "dropped",
			       c->dropped);
		return true;
	}
	drop(c, strerror(errno));
	return false;
}

void ls_card_event(struct ls_card *c, int chan, enum gw_hw_event_type ev,
		   int offset)
{
	struct gw_sim_signal s = {
		.hdr = { .type = GW_SIM_MSG_SIGNAL,
			 .version = GW_SIM_VERSION,
			 .len = sizeof(s) },
		.chan = (uint32_t)chan,
		.code = (uint32_t)ev,
		.offset = (uint32_t)offset,
	};

	if (c && c->fd >= 0)
		put(c, &s, sizeof(s));
}

static void receive(struct ls_card *c);

static void accept_one(struct ls_card *c)
{
	struct gw_sim_hello h = {
		.hdr = { .type = GW_SIM_MSG_HELLO,
			 .version = GW_SIM_VERSION,
			 .len = sizeof(h) },
	};
	int fd, i;

	fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (c->fd >= 0)
		receive(c); /* notice an old connection's EOF first */
	if (c->fd >= 0) {
		ls_log("card: refusing a second gateway connection");
		close(fd);
		return;
	}
	c->fd = fd;
	c->frames = 0;
	c->dropped = 0;
	h.nchans = (uint32_t)c->sim->nports;
	for (i = 0; i < c->sim->nports; i++)
		h.types[i] = c->sim->port[i].kind == LS_PHONE ? GW_HW_CHAN_FXS
							      : GW_HW_CHAN_FXO;
	ls_log("card connected");
	put(c, &h, sizeof(h));
}

static void on_frame(struct ls_card *c, size_t n)
{
	static const int16_t silence[LS_FRAME];
	struct gw_sim_frame *f = &c->in.frame;
	struct ls_sim *sim = c->sim;
	size_t len = GW_SIM_FRAME_LEN(sim->nports);
	int i;

	if (n < offsetof(struct gw_sim_frame, samples) ||
	    f->nchans > GW_HW_MAX_CHANS || n < GW_SIM_FRAME_LEN(f->nchans)) {
		ls_dbg("card: short frame message (%zu bytes)", n);
		return;
	}
	c->frames++;
	sim->frames++;
	for (i = 0; i < sim->nports; i++) {
		const int16_t *in =
			i < (int)f->nchans ? f->samples[i] : silence;

		ls_port_tick(&sim->port[i], in, c->out.samples[i]);
		if (c->fd < 0)
			return; /* an event send failed */
	}
	c->out.hdr = (struct gw_sim_hdr){ .type = GW_SIM_MSG_FRAME,
					  .version = GW_SIM_VERSION,
					  .len = (uint32_t)len };
	c->out.seq = f->seq;
	c->out.nchans = (uint32_t)sim->nports;
	put(c, &c->out, len);
}

static void on_signal(struct ls_card *c, size_t n)
{
	struct gw_sim_signal *s = &c->in.signal;
	struct ls_port *p;

	if (n < sizeof(*s)) {
		ls_dbg("card: short signal message (%zu bytes)", n);
		return;
	}
	p = ls_sim_port(c->sim, (int)s->chan);
	if (!p) {
		ls_log("card: line operation %u for unknown channel %u",
		       s->code, s->chan);
		return;
	}
	if (p->kind == LS_CO) /* hook changes timed: dial pulses, flash */
		ls_co_lineop_at(p, (enum gw_hw_lineop)s->code,
				c->frames * LS_FRAME + s->offset % LS_FRAME);
	else
		ls_port_lineop(p, (enum gw_hw_lineop)s->code);
}

static void receive(struct ls_card *c)
{
	ssize_t n;
	int i;

	for (i = 0; i < BURST && c->fd >= 0; i++) {
		n = recv(c->fd, &c->in, sizeof(c->in), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			drop(c, n == 0 ? "closed by the gateway"
				       : strerror(errno));
			return;
		}
		if ((size_t)n < sizeof(struct gw_sim_hdr) ||
		    c->in.hdr.version != GW_SIM_VERSION) {
			ls_log("card: ignoring a bad message (%zd bytes, "
			       "version %u)",
			       n, n >= 4 ? c->in.hdr.version : 0);
			continue;
		}
		switch (c->in.hdr.type) {
		case GW_SIM_MSG_FRAME:
			on_frame(c, (size_t)n);
			break;
		case GW_SIM_MSG_SIGNAL:
			on_signal(c, (size_t)n);
			break;
		default:
			ls_dbg("card: ignoring message type %u",
			       c->in.hdr.type);
			break;
		}
	}
}

int ls_card_pollfds(struct ls_card *c, struct pollfd *pfd)
{
	pfd[0] = (struct pollfd){ .fd = c->lfd, .events = POLLIN };
	if (c->fd < 0)
		return 1;
	pfd[1] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	return 2;
}

void ls_card_handle(struct ls_card *c, const struct pollfd *pfd, int n)
{
	int i;

	/* The connection first: a gateway that reconnects closed it. */
	for (i = n - 1; i >= 0; i--) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == c->lfd)
			accept_one(c);
		else if (pfd[i].fd == c->fd)
			receive(c);
	}
}
