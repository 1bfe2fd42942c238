// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "gateway/ctl.h"
#include "gateway/ctlcmd.h"
#include "gateway/guard.h"
#include "gateway/line.h"
#include "gateway/call.h"
#include "gateway/log.h"
#include "gateway/mwi.h"
#include "gateway/registrar.h"
#include "gateway/reload.h"
#include "gateway/route.h"
#include "gateway/trunk.h"

#define SAMPLES 11 /* 10 s window of 1 s samples */

struct gw_ctl {
	struct gw_app *app;
	char path[108];
	int fd;
	su_wait_t wait[1];
	int reg;
	/* media-thread CPU samples: (thread CPU ns, wall ns) */
	uint64_t cpu[SAMPLES], wall[SAMPLES];
	int nsamples, next;
};

struct buf {
	char data[65536]; /* copperctl reads up to 64 KiB */
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void out(struct buf *b,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= sizeof(b->data))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, sizeof(b->data) - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
	if (b->len > sizeof(b->data))
		b->len = sizeof(b->data);
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

void gw_ctl_sample(struct gw_ctl *ctl)
{
	struct gw_media_stats st;

	gw_media_stats_get(ctl->app->media, &st);
	ctl->cpu[ctl->next] = st.cpu_ns;
	ctl->wall[ctl->next] = mono_ns();
	ctl->next = (ctl->next + 1) % SAMPLES;
	if (ctl->nsamples < SAMPLES)
		ctl->nsamples++;
}

/* Media threads' CPU, together, in % of one core over the sample window. */
static double media_cpu(struct gw_ctl *ctl)
{
	int newest = (ctl->next + SAMPLES - 1) % SAMPLES;
	int oldest = ctl->nsamples < SAMPLES ? 0 : ctl->next;

	if (ctl->nsamples < 2)
		return 0;
	uint64_t dw = ctl->wall[newest] - ctl->wall[oldest];
	return dw ? 100.0 * (double)(ctl->cpu[newest] - ctl->cpu[oldest]) /
			    (double)dw :
		    0;
}

/*
 * "route test SOURCE NUMBER [YYYY-MM-DDTHH:MM]": the dial plan's decision,
 * now or at that local time, explained.
 */
static void route_test(struct gw_ctl *ctl, struct buf *b, const char *args)
{
	static const char *const froms[] = { "sip", "fxs", "fxo", "disa" };
	char from[8], number[80], when_s[32] = "", text[8192];
	time_t when = time(NULL);
	int f = -1;

	if (sscanf(args, "%7s %79s %31s", from, number, when_s) < 2) {
		out(b, "error: usage: route test sip|fxs|fxo|disa NUMBER "
		       "[YYYY-MM-DDTHH:MM]\n");
		return;
	}
	if (when_s[0]) {
		struct tm tm = { .tm_isdst = -1 };
		const char *end = strptime(when_s, "%Y-%m-%dT%H:%M", &tm);

		if (!end || *end || (when = mktime(&tm)) == (time_t)-1) {
			out(b, "error: time '%s' is not YYYY-MM-DDTHH:MM\n",
			    when_s);
			return;
		}
	}
	for (int i = 0; i < 4; i++)
		if (strcmp(from, froms[i]) == 0)
			f = i + 1; /* enum gw_conf_route_from order */
	if (f < 0) {
		out(b, "error: source '%s' is not sip, fxs, fxo or disa\n",
		    from);
		return;
	}
	if (gw_route_explain(ctl->app->conf, (enum gw_conf_route_from)f,
			     number, when, text, sizeof(text)) == -EINVAL) {
		out(b, "%s", text);
		return;
	}
	out(b, "%sok\n", text);
}

static void status(struct gw_ctl *ctl, struct buf *b)
{
	struct gw_app *app = ctl->app;
	struct gw_media_stats st;
	int ncalls = 0;

	for (struct gw_call *c = app->calls; c; c = c->next)
		ncalls++;
	gw_media_stats_get(app->media, &st);
	out(b, "copperline %s, up %ld s, card %s, %d ports, %d calls in progress, %u calls total\n",
	    PACKAGE_VERSION, (long)(time(NULL) - app->started),
	    app->hw->name, app->nlines, ncalls, app->calls_total);
	out(b, "media ticks=%llu late=%llu cpu=%.2f%% busy_max_us=%llu bridged=%d realtime=%s mlocked=%s overflows=%llu threads=%d\n",
	    (unsigned long long)st.ticks, (unsigned long long)st.late_ticks,
	    media_cpu(ctl), (unsigned long long)(st.busy_ns_max / 1000),
	    st.active_chans, st.realtime ? "yes" : "no",
	    st.mlocked ? "yes" : "no", (unsigned long long)st.ring_overflows,
	    st.threads);
	if (app->guard) { /* gateway/guard.h */
		char sec[256];

		gw_guard_format(app->guard, sec, sizeof(sec));
		out(b, "%s", sec);
	}
	/* gateway/ctlcmd.c: the same lines as copperctl ports, calls */
	gw_ctlcmd_ports_text(app, b->data, sizeof(b->data), &b->len);
	gw_ctlcmd_calls_text(app, b->data, sizeof(b->data), &b->len);
}

static int on_accept(su_root_magic_t *magic, su_wait_t *w,
		     su_wakeup_arg_t *arg)
{
	struct gw_ctl *ctl = arg;
	struct timeval tv = { .tv_sec = 1 };
	struct buf *b;
	char req[256];
	ssize_t n;
	size_t got = 0;
	bool json;
	int fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(req) - 1) {
		n = read(fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(req, '\n', got))
			break;
	}
	req[got] = 0;
	req[strcspn(req, "\r\n")] = 0;
	b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		return 0;
	}
	/* "json REQUEST": the reply as JSON (gateway/ctlcmd.h) */
	json = strncmp(req, "json ", 5) == 0;
	if (json)
		memmove(req, req + 5, strlen(req + 5) + 1);
	if (gw_ctlcmd_request(ctl->app, req, json, media_cpu(ctl), b->data,
			      sizeof(b->data), &b->len)) {
		json = false; /* written as JSON already */
	} else if (strcmp(req, "status") == 0) {
		status(ctl, b);
		out(b, "ok\n");
	} else if (strncmp(req, "route test ", 11) == 0) {
		route_test(ctl, b, req + 11);
	} else if (strcmp(req, "trunks") == 0) { /* gateway/trunk.c */
		b->len += gw_trunk_show(ctl->app, b->data + b->len,
					sizeof(b->data) - b->len);
		/* the built-in registrar's bindings (registrar.h) */
		b->len += gw_registrar_show(ctl->app, b->data + b->len,
					    sizeof(b->data) - b->len);
		out(b, "ok\n");
	} else if (strcmp(req, "reload") == 0) { /* gateway/reload.h */
		char *r = malloc(sizeof(b->data) - 16);

		if (r && gw_reload(ctl->app, r, sizeof(b->data) - 16) == 0)
			out(b, "%sok\n", r);
		else
			out(b, "error: %s", r ? r : "out of memory\n");
		free(r);
	} else if (strncmp(req, "mwi ", 4) == 0) {
		char r[256];

		gw_mwi_ctl(ctl->app, req + 4, r, sizeof(r));
		out(b, "%s", r);
	} else {
		out(b, "error: unknown request '%s' (try: status, ports, calls, trunks, route test, log, trace, hangup)\n",
		    req);
	}
	if (json)
		gw_ctlcmd_text_to_json(b->data, sizeof(b->data), &b->len,
				       strcmp(req, "trunks") == 0 ? "trunks" :
								    NULL);
	for (size_t off = 0; off < b->len;) {
		n = write(fd, b->data + off, b->len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(b);
	close(fd);
	return 0;
}

int gw_ctl_start(struct gw_ctl **ret, struct gw_app *app, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct gw_ctl *ctl;
	int err;

	if (strlen(path) + 4 >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->app = app;
	ctl->reg = -1;
	strcpy(ctl->path, path);
	/*
	 * Bound and listening under a temporary name, then renamed over the
	 * real one (replacing a stale socket from a previous run): whoever
	 * sees the path can connect to it at once.
	 */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.new", path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0) {
		err = -errno;
		goto fail;
	}
	unlink(sa.sun_path);
	if (bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(ctl->fd, 16) < 0 || chmod(sa.sun_path, 0660) < 0 ||
	    rename(sa.sun_path, path) < 0) {
		err = -errno;
		unlink(sa.sun_path);
		goto fail;
	}
	su_wait_create(ctl->wait, ctl->fd, SU_WAIT_ACCEPT);
	ctl->reg = su_root_register(app->root, ctl->wait, on_accept, ctl, 0);
	if (ctl->reg < 0) {
		err = -ENOMEM;
		goto fail;
	}
	*ret = ctl;
	return 0;
fail:
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl);
	return err;
}

void gw_ctl_stop(struct gw_ctl *ctl)
{
	if (!ctl)
		return;
	if (ctl->reg >= 0)
		su_root_deregister(ctl->app->root, ctl->reg);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}
