// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify: READY/STATUS/RELOADING/STOPPING/WATCHDOG to the service manager
 * (notify.h).
 */
#include "config.h"

#ifdef HAVE_LIBSYSTEMD

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "gateway/app.h"
#include "gateway/log.h"
#include "gateway/notify.h"

/* STATUS= refreshed this often (and the watchdog checked, if shorter) */
#define STATUS_MS 2000

static struct {
	struct gw_app *app;
	su_timer_t *timer;   /* watchdog and status, NULL if not enabled */
	uint64_t last_ticks; /* media ticks at the last check */
	bool watchdog;	     /* WatchdogSec= set: WATCHDOG=1 pings */
	char status[256];    /* the last STATUS= sent */
	unsigned stalls;     /* checks in a row with no tick */
} nt;

static void status_text(struct gw_app *app, char *buf, size_t len)
{
	int idle = 0, alarm = 0, calls = 0;

	for (int i = 0; i < app->nlines; i++) {
		idle += app->lines[i].state == GW_LINE_IDLE;
		alarm += app->lines[i].state == GW_LINE_ALARM;
	}
	for (struct gw_call *c = app->calls; c; c = c->next)
		calls++;
	snprintf(buf, len,
		 "%d call%s in progress, %u since start; %d ports: %d idle, %d "
		 "busy, %d in alarm",
		 calls, calls == 1 ? "" : "s", app->calls_total, app->nlines,
		 idle, app->nlines - idle - alarm, alarm);
}

/* STATUS= only when it changed: no needless messages to PID 1. */
static void send_status(struct gw_app *app)
{
	char s[256];

	status_text(app, s, sizeof(s));
	if (strcmp(s, nt.status) == 0)
		return;
	snprintf(nt.status, sizeof(nt.status), "%s", s);
	sd_notifyf(0, "STATUS=%s", s);
}

/* The media thread's tick counter must have moved since the last check. */
static void on_timer(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct gw_app *app = arg;
	struct gw_media_stats st;

	gw_media_stats_get(app->media, &st);
	if (st.ticks != nt.last_ticks) {
		nt.last_ticks = st.ticks;
		if (nt.stalls)
			gw_log(GW_LOG_NOTICE, "notify",
			       "media thread ticking again");
		nt.stalls = 0;
		if (nt.watchdog)
			sd_notify(0, "WATCHDOG=1");
	} else if (nt.stalls++ == 0) {
		gw_log(
		    GW_LOG_ERR, "notify",
		    "media thread not ticking (at tick %llu): watchdog not fed",
		    (unsigned long long)st.ticks);
	}
	send_status(app);
}

void gw_notify_ready(struct gw_app *app)
{
	uint64_t usec = 0;
	su_duration_t ms = STATUS_MS;
	struct gw_media_stats st;
	int e;

	if (!getenv("NOTIFY_SOCKET"))
		return; /* not started by systemd (or another manager) */
	nt.app = app;
	status_text(app, nt.status, sizeof(nt.status));
	sd_notifyf(0, "READY=1\nSTATUS=%s", nt.status);
	e = sd_watchdog_enabled(0, &usec);
	if (e < 0)
		gw_log(GW_LOG_WARNING, "notify", "watchdog: %s", strerror(-e));
	nt.watchdog = e > 0;
	/* check the media thread (and ping) at half the watchdog interval */
	if (nt.watchdog && usec / 2000 < (uint64_t)ms)
		ms = usec / 2000 ? (su_duration_t)(usec / 2000) : 1;
	gw_media_stats_get(app->media, &st);
	nt.last_ticks = st.ticks;
	nt.timer = su_timer_create(su_root_task(app->root), ms);
	if (!nt.timer) {
		gw_log(GW_LOG_ERR, "notify", "cannot create the status timer");
		return;
	}
	su_timer_set_for_ever(nt.timer, on_timer, app);
	if (nt.watchdog)
		gw_log(GW_LOG_INFO, "notify",
		       "watchdog: %llu ms, fed every %ld ms while the media "
		       "thread ticks",
		       (unsigned long long)(usec / 1000), (long)ms);
}

void gw_notify_reloading(void)
{
	if (nt.app)
		sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
}

void gw_notify_reloaded(struct gw_app *app, const char *what)
{
	if (!nt.app)
		return;
	sd_notifyf(0, "READY=1\nSTATUS=%s", what);
	nt.status[0] = 0; /* the next check puts the call status back */
}

void gw_notify_stopping(void)
{
	if (!nt.app)
		return;
	sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
	if (nt.timer)
		su_timer_destroy(nt.timer);
	nt.timer = NULL;
	nt.app = NULL;
}

#endif /* HAVE_LIBSYSTEMD */
