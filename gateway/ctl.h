/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl: the control socket copperctl talks to (a Unix stream socket, mode
 * 0660). One request line per connection, one reply, then the daemon
 * closes the connection. Requests:
 *   status   daemon, card and media-thread summary, then one line per port
 *            ("port NAME chan=N type=fxs state=idle call=-") and one per
 *            call ("call ID dir=... port=... state=...").
 *   reload   re-read the configuration (gateway/reload.h): what was
 *            applied, then "needs a restart: KEY" lines; or "error: " and
 *            the file:line:key.
 *   ports, calls, hangup, log, trace: gateway/ctlcmd.h
 * Replies end with a line "ok" or "error: ...". A request prefixed
 * "json " is answered in JSON (gateway/ctlcmd.h).
 */
#ifndef GW_CTL_H
#define GW_CTL_H

#include "gateway/app.h"

struct gw_ctl;

int gw_ctl_start(struct gw_ctl **ret, struct gw_app *app, const char *path);
void gw_ctl_stop(struct gw_ctl *ctl);

/* Called once a second: samples media-thread CPU for the status figure. */
void gw_ctl_sample(struct gw_ctl *ctl);

#endif
