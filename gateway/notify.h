/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify: the service manager protocol (systemd's sd_notify(3),
 * sd_watchdog_enabled(3); libsystemd). READY=1 once the card, the media
 * thread, SIP and the control socket are up; STATUS= lines with the ports
 * and calls; RELOADING=1 / READY=1 around a reload; STOPPING=1; and
 * WATCHDOG=1 at half the service's WatchdogSec, sent only while the media
 * thread's tick counter advances (a stuck media thread lets systemd's
 * watchdog restart the service).
 *
 * Control thread only. Without $NOTIFY_SOCKET (not started by systemd)
 * every call does nothing. Built without libsystemd (HAVE_LIBSYSTEMD
 * undefined), these are empty inline functions.
 */
#ifndef GW_NOTIFY_H
#define GW_NOTIFY_H

#include "config.h"

struct gw_app;

#ifdef HAVE_LIBSYSTEMD
/* Everything is up: READY=1, STATUS=, and the watchdog timer if enabled. */
void gw_notify_ready(struct gw_app *app);
/* A reload begins (RELOADING=1) / ended (READY=1, STATUS= with `what`). */
void gw_notify_reloading(void);
void gw_notify_reloaded(struct gw_app *app, const char *what);
/* Shutting down: STOPPING=1; stops the watchdog timer. */
void gw_notify_stopping(void);
#else
static inline void gw_notify_ready(struct gw_app *app)
{
	(void)app;
}
static inline void gw_notify_reloading(void)
{
}
static inline void gw_notify_reloaded(struct gw_app *app, const char *what)
{
	(void)app;
	(void)what;
}
static inline void gw_notify_stopping(void)
{
}
#endif

#endif
