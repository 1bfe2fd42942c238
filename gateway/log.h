/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log: the daemon's logger, control thread only (the media thread reports
 * through its event ring and never logs). Lines go to stderr with a
 * syslog-style priority prefix "<N>" that journald understands, followed
 * by the subsystem; call sites put the port and Call-ID in the message.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

enum gw_log_level {
	GW_LOG_ERR = 3,
	GW_LOG_WARNING = 4,
	GW_LOG_NOTICE = 5,
	GW_LOG_INFO = 6,
	GW_LOG_DEBUG = 7,
};

/* Level by name (error, warning, notice, info, debug); -EINVAL if none. */
int gw_log_level_parse(const char *name);
void gw_log_set_level(enum gw_log_level level);
enum gw_log_level gw_log_get_level(void);

void gw_log(enum gw_log_level level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Send Sofia-SIP's own log output through gw_log (debug level). */
void gw_log_hook_sofia(void);

#endif
