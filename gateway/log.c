// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/su_log.h>

#include "gateway/log.h"

static enum gw_log_level cur_level = GW_LOG_INFO;

static const struct {
	const char *name;
	enum gw_log_level level;
} names[] = {
	{ "error", GW_LOG_ERR },   { "warning", GW_LOG_WARNING },
	{ "notice", GW_LOG_NOTICE }, { "info", GW_LOG_INFO },
	{ "debug", GW_LOG_DEBUG },
};

int gw_log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].level;
	return -EINVAL;
}

void gw_log_set_level(enum gw_log_level level)
{
	cur_level = level;
}

enum gw_log_level gw_log_get_level(void)
{
	return cur_level;
}

static void vlog(enum gw_log_level level, const char *subsys, const char *fmt,
		 va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char msg[1024];

	if (level > cur_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "<%d>%02d:%02d:%02d.%03ld %s: %s\n", (int)level,
		tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, subsys,
		msg);
}

void gw_log(enum gw_log_level level, const char *subsys, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, subsys, fmt, ap);
	va_end(ap);
}

static void sofia_logger(void *stream, char const *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	if (n)
		gw_log(GW_LOG_DEBUG, "sofia", "%s", line);
}

void gw_log_hook_sofia(void)
{
	su_log_redirect(NULL, sofia_logger, NULL);
}
