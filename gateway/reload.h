/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reload: what SIGHUP (systemctl reload) and `copperctl reload` do; both
 * call gw_reload(). Control thread only.
 *
 * The configuration file is read again and validated with gw_conf_load();
 * an invalid file is logged (file:line:key) and everything keeps running
 * as it was. A valid one becomes the running configuration (app->conf)
 * at once, except for what cannot change under a running daemon: those
 * keys keep their running value and are logged one by one as "needs a
 * restart: KEY" (general.control_socket, card.*, sip.listen,
 * sip.rtp_ports, sip.rtp_timeout_s, sip.dtmf_lookahead_ms, the transport
 * keys, ports added, removed or with another channel or type, and the
 * port keys the card or the media thread took at start-up: zone,
 * callerid, echo_*, *_gain_db, flash_min_ms, flash_max_ms).
 *
 * Applied live: the dial plan, sip.trusted, sip.users and the other
 * security keys (users and realm re-create the digest module), codecs,
 * SRTP, jitter buffer and DSCP (next call), CDR files (re-opened), the log
 * level, and the per-port settings. Trunks: an unchanged `trunks` list
 * keeps its registrations; a changed one needs a restart (trunk.c has no
 * way to re-register one trunk yet) and routes to a trunk that is not
 * running are left out until then.
 *
 * Calls in progress are never touched. Memory: a line (struct gw_line)
 * points into the configuration it was set up with. An idle line is moved
 * to the new configuration at once; a busy one (any state but idle or
 * alarm, or with a call) when it next becomes idle (gw_reload_line_idle(),
 * from gw_line_set_state()), so its new settings apply from its next call.
 * A replaced configuration is freed once no line points into it (a scan of
 * the lines, from a zero-delay timer so that no caller still holds a
 * pointer into it).
 */
#ifndef GW_RELOAD_H
#define GW_RELOAD_H

#include <stddef.h>

struct gw_app;
struct gw_line;

/*
 * After su_root_create(): the command-line overrides (NULL: none), which
 * win over the file's values on every reload as they did at start.
 */
int gw_reload_init(struct gw_app *app, const char *level_override,
		   const char *ctl_override, const char *dev_override);
/* At shutdown, after the lines are released: frees replaced configs. */
void gw_reload_release(struct gw_app *app);

/*
 * Reload app->conf->path, with sd_notify RELOADING=1 / READY=1 around it.
 * Writes the report into what (several lines: the summary, then one line
 * per key that needs a restart; or the file:line:key error). Returns 0,
 * or the negative errno of gw_conf_load() (nothing changed).
 */
int gw_reload(struct gw_app *app, char *what, size_t whatlen);

/* The line became idle: move it to the running configuration. */
void gw_reload_line_idle(struct gw_line *l);

#endif
