/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log: the daemon's logger (the media thread reports through its event
 * ring and never logs; Sofia's own log may call in from its stack thread,
 * so the level table is locked). Lines go to stderr with a syslog-style
 * priority prefix "<N>" (RFC 5424 severities, sd-daemon(3)) that journald
 * understands, followed by the subsystem; call sites put the port and
 * Call-ID in the message.
 *
 * Levels: a global one (general.log_level, -l, copperctl log LEVEL) and
 * per-subsystem overrides (general.log_levels, copperctl log SUBSYS
 * LEVEL|default). A line of subsystem S at priority P is written when P
 * is at most S's override, or the global level when S has none. Every
 * subsystem that has logged or has an override is listed by
 * gw_log_subsys_get(), for copperctl log.
 *
 * SIP trace (copperctl trace on|off): Sofia's tport message dump
 * (TPTAG_LOG) comes in through the su_log redirection as "send/recv N
 * bytes ..." blocks; while the trace is on they are written one line per
 * SIP message line as subsystem "sip-trace" at info priority, whatever
 * the global level (an explicit sip-trace override still applies).
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum gw_log_level {
	GW_LOG_ERR = 3,
	GW_LOG_WARNING = 4,
	GW_LOG_NOTICE = 5,
	GW_LOG_INFO = 6,
	GW_LOG_DEBUG = 7,
};

/* "No override": the subsystem follows the global level. */
#define GW_LOG_DEFAULT (-1)
/* Longest subsystem name, without its NUL. */
#define GW_LOG_SUBSYS_LEN 15

/* Level by name (error, warning, notice, info, debug); -EINVAL if none. */
int gw_log_level_parse(const char *name);
/* Name of a level ("default" for GW_LOG_DEFAULT). */
const char *gw_log_level_name(int level);
void gw_log_set_level(enum gw_log_level level);
enum gw_log_level gw_log_get_level(void);

/* A subsystem name: 1..GW_LOG_SUBSYS_LEN of [a-z0-9_-]. */
bool gw_log_subsys_ok(const char *subsys);
/*
 * Override one subsystem's level (GW_LOG_DEFAULT: follow the global one).
 * -EINVAL: bad name or level; -ENOSPC: too many subsystems.
 */
int gw_log_set_subsys_level(const char *subsys, int level);
/* Drop every override. */
void gw_log_clear_subsys_levels(void);
/*
 * The i-th known subsystem (0, 1, ...): its name and override (or
 * GW_LOG_DEFAULT). 0, or -ENOENT past the last one.
 */
int gw_log_subsys_get(int i, char *name, size_t size, int *level);
/* Whether subsys has logged or has an override. */
bool gw_log_subsys_known(const char *subsys);

void gw_log(enum gw_log_level level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Send Sofia-SIP's own log output through gw_log ("sofia", debug). */
void gw_log_hook_sofia(void);
/* Write (on) or drop (off) the SIP trace lines (the caller turns
 * TPTAG_LOG on and off in the stack). */
void gw_log_set_trace(bool on);
bool gw_log_get_trace(void);

struct gw_conf;
/* Replace the overrides by the configuration's general.log_levels. */
void gw_log_conf_apply(const struct gw_conf *conf);

#endif
