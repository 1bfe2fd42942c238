// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/su_log.h>

#include "gateway/conf.h"
#include "gateway/log.h"

#define MAX_SUBSYS 48

static _Atomic int cur_level = GW_LOG_INFO;
static atomic_bool trace_on;

/* Known subsystems and their overrides; names are never removed. */
static pthread_mutex_t subsys_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char name[GW_LOG_SUBSYS_LEN + 1];
	int level; /* GW_LOG_DEFAULT or an override */
} subsys_tab[MAX_SUBSYS] = {
	/* listed by copperctl log before they first log */
#define S(n) { n, GW_LOG_DEFAULT }
	S("main"), S("sip"), S("sip-trace"), S("sofia"), S("security"),
	S("call"), S("line"), S("media"), S("trunk"), S("mwi"), S("cdr"),
	S("reload"), S("notify"), S("ctl"),
#undef S
};
static int nsubsys = 14;

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

const char *gw_log_level_name(int level)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((int)names[i].level == level)
			return names[i].name;
	return level == GW_LOG_DEFAULT ? "default" : "?";
}

void gw_log_set_level(enum gw_log_level level)
{
	atomic_store_explicit(&cur_level, (int)level, memory_order_relaxed);
}

enum gw_log_level gw_log_get_level(void)
{
	return (enum gw_log_level)atomic_load_explicit(&cur_level,
						       memory_order_relaxed);
}

bool gw_log_subsys_ok(const char *subsys)
{
	size_t n = strlen(subsys);

	if (n == 0 || n > GW_LOG_SUBSYS_LEN)
		return false;
	return strspn(subsys, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The table slot of subsys, added when add and there is room; locked. */
static int slot(const char *subsys, bool add)
{
	for (int i = 0; i < nsubsys; i++)
		if (strcmp(subsys_tab[i].name, subsys) == 0)
			return i;
	if (!add || nsubsys == MAX_SUBSYS || !gw_log_subsys_ok(subsys))
		return -1;
	snprintf(subsys_tab[nsubsys].name, sizeof(subsys_tab[0].name), "%s",
		 subsys);
	subsys_tab[nsubsys].level = GW_LOG_DEFAULT;
	return nsubsys++;
}

int gw_log_set_subsys_level(const char *subsys, int level)
{
	int i, r = 0;

	if (!gw_log_subsys_ok(subsys) ||
	    (level != GW_LOG_DEFAULT &&
	     (level < GW_LOG_ERR || level > GW_LOG_DEBUG)))
		return -EINVAL;
	pthread_mutex_lock(&subsys_lock);
	i = slot(subsys, true);
	if (i < 0)
		r = -ENOSPC;
	else
		subsys_tab[i].level = level;
	pthread_mutex_unlock(&subsys_lock);
	return r;
}

void gw_log_clear_subsys_levels(void)
{
	pthread_mutex_lock(&subsys_lock);
	for (int i = 0; i < nsubsys; i++)
		subsys_tab[i].level = GW_LOG_DEFAULT;
	pthread_mutex_unlock(&subsys_lock);
}

int gw_log_subsys_get(int i, char *name, size_t size, int *level)
{
	int r = -ENOENT;

	pthread_mutex_lock(&subsys_lock);
	if (i >= 0 && i < nsubsys) {
		snprintf(name, size, "%s", subsys_tab[i].name);
		*level = subsys_tab[i].level;
		r = 0;
	}
	pthread_mutex_unlock(&subsys_lock);
	return r;
}

bool gw_log_subsys_known(const char *subsys)
{
	bool known;

	pthread_mutex_lock(&subsys_lock);
	known = slot(subsys, false) >= 0;
	pthread_mutex_unlock(&subsys_lock);
	return known;
}

void gw_log_conf_apply(const struct gw_conf *conf)
{
	gw_log_clear_subsys_levels();
	for (int i = 0; i < conf->nlog_levels; i++)
		gw_log_set_subsys_level(conf->log_levels[i].subsys,
					conf->log_levels[i].level);
}

/*
 * The level subsys logs at: its override, else the global one (or, for
 * the SIP trace while it is on, everything). Registers subsys.
 */
static int threshold(const char *subsys, bool trace)
{
	int i, level = GW_LOG_DEFAULT;

	pthread_mutex_lock(&subsys_lock);
	i = slot(subsys, true);
	if (i >= 0)
		level = subsys_tab[i].level;
	pthread_mutex_unlock(&subsys_lock);
	if (level != GW_LOG_DEFAULT)
		return level;
	if (trace)
		return GW_LOG_DEBUG;
	return atomic_load_explicit(&cur_level, memory_order_relaxed);
}

static void emit(enum gw_log_level level, const char *subsys, const char *msg)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "<%d>%02d:%02d:%02d.%03ld %s: %s\n", (int)level,
		tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, subsys,
		msg);
}

static void vlog(enum gw_log_level level, const char *subsys, const char *fmt,
		 va_list ap)
{
	char msg[1024];

	if ((int)level > threshold(subsys, false))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(level, subsys, msg);
}

void gw_log(enum gw_log_level level, const char *subsys, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, subsys, fmt, ap);
	va_end(ap);
}

void gw_log_set_trace(bool on)
{
	atomic_store_explicit(&trace_on, on, memory_order_relaxed);
}

bool gw_log_get_trace(void)
{
	return atomic_load_explicit(&trace_on, memory_order_relaxed);
}

/*
 * Sofia's output arrives in pieces (tport's message dump writes a stamp
 * line with its separator, then each message line, then a separator),
 * from whichever thread runs the stack: gather whole lines per thread.
 */
static _Thread_local struct {
	char line[2048];
	size_t len;
	/* in a message dump: after its stamp line (1), after the
	 * separator that opens the message (2); else 0 */
	int in_msg;
} sf;

static bool separator(const char *s)
{
	s += strspn(s, " ");
	return strncmp(s, "--------", 8) == 0 && !s[strspn(s, "-")];
}

/* "recv 352 bytes from udp/[127.0.0.1]:5060 at 12:00:00.000000:" */
static bool stamp(const char *s)
{
	unsigned n;
	char dir[8];

	return sscanf(s, "%7s %u bytes", dir, &n) == 2 &&
	       (strcmp(dir, "send") == 0 || strcmp(dir, "recv") == 0) &&
	       strstr(s, " bytes ") != NULL;
}

/*
 * Sofia's TLS refusing a server whose certificate does not name the host
 * we connected to (TPTLS_VERIFY_SUBJECTS_OUT, RFC 5922 §7.2): a debug
 * line of Sofia's, worth a warning of ours.
 */
static void tls_subject_note(const char *line)
{
	const char *p = strstr(line, "Peer Subject Mismatch (");
	char host[128];

	if (!p || sscanf(p, "Peer Subject Mismatch (%127[^)])", host) != 1)
		return;
	gw_log(GW_LOG_WARNING, "sip", "TLS: the server's certificate is not "
	       "for \"%s\" (no subjectAltName matches the host name we "
	       "connected to): connection refused", host);
}

static void sofia_line(char *line)
{
	bool trace = gw_log_get_trace();
	size_t n = strlen(line);

	while (n && line[n - 1] == '\r')
		line[--n] = 0;
	if (!sf.in_msg && stamp(line)) {
		sf.in_msg = 1;
		if (n && line[n - 1] == ':')
			line[--n] = 0;
		if (GW_LOG_INFO <= threshold("sip-trace", trace))
			emit(GW_LOG_INFO, "sip-trace", line);
		return;
	}
	if (sf.in_msg) {
		if (separator(line)) {
			/* the one after the stamp opens, the next closes */
			sf.in_msg = sf.in_msg == 1 ? 2 : 0;
			return;
		}
		if (GW_LOG_INFO <= threshold("sip-trace", trace))
			emit(GW_LOG_INFO, "sip-trace",
			     strncmp(line, "   ", 3) == 0 ? line + 1 : line);
		return;
	}
	if (n && GW_LOG_DEBUG <= threshold("sofia", false))
		emit(GW_LOG_DEBUG, "sofia", line);
	tls_subject_note(line);
}

static void sofia_logger(void *stream, char const *fmt, va_list ap)
{
	char piece[2048], *p, *nl;
	size_t room;

	(void)stream;
	vsnprintf(piece, sizeof(piece), fmt, ap);
	for (p = piece; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		room = sizeof(sf.line) - 1 - sf.len;
		if (!nl) {
			size_t k = strlen(p);

			if (k > room)
				k = room;
			memcpy(sf.line + sf.len, p, k);
			sf.len += k;
			break;
		}
		if ((size_t)(nl - p) < room)
			room = (size_t)(nl - p);
		memcpy(sf.line + sf.len, p, room);
		sf.line[sf.len + room] = 0;
		sf.len = 0;
		sofia_line(sf.line);
	}
}

void gw_log_hook_sofia(void)
{
	su_log_redirect(NULL, sofia_logger, NULL);
}
