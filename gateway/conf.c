// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf: load and validate copperline.conf (see conf.h for the format).
 *
 * libconfig does the syntax; everything else is checked here, key by key,
 * so that every error can name the file, the line and the dotted key.
 * The result is one calloc'd struct gw_conf with fixed-size fields: the
 * libconfig tree is destroyed before returning.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <netinet/in.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsp/codec.h"
#include "dsp/zone.h"
#include "gateway/conf.h"
#include "gateway/disa.h"
#include "gateway/jbuf.h"
#include "gateway/log.h"
#include "gateway/route.h"
#include "gateway/routeact.h"
#include "gateway/conf_int.h"
#include "gateway/fwd.h"
#include "gateway/guard.h"
#include "gateway/transport.h"
#include "gateway/trunk.h"

#define TIMEOUT_MIN_MS 500
#define TIMEOUT_MAX_MS 60000
#define MAX_STRIP 63
#define MAX_ANSWER_RINGS 20

struct ctx {
	const char *path;
	char incdir[256]; /* libconfig's include dir: this file's folder/ */
	char *err;
	size_t errlen;
	struct gw_conf *conf;
};

static const char *const root_keys[] = {
	"general", "card", "sip", "ports", "trunks", "routes",
	"groups", /* gateway/routeact.c */
	"disa", /* gateway/disa.c */
	NULL
};
static const char *const general_keys[] = {
	"control_socket", "log_level", "log_levels", "zone", "cdr_db", "cdr_csv",
	"blocked_prefixes", NULL
};
static const char *const card_keys[] = { "driver", "device", "media_threads",
					 NULL };
static const char *const sip_keys[] = {
	"listen", "rtp_ports", "rtp_dscp", "srtp", "codecs",
	"telephone_event_pt", "dtmf_lookahead_ms", "rtp_timeout_s",
	"session_timer_s", "session_min_se_s", "jitter_mode",
	"jitter_delay_ms", "jitter_min_ms", "jitter_max_ms", "trusted", "flash",
	/* gateway/guard.h */
	"users", "realm", "nonce_ttl_s", "rate_limit", "ban_after",
	"ban_window_s", "ban_time_s",
	/* gateway/registrar.h */
	"registrar", "register_min_s", "register_max_s",
	/* gateway/transport.h */
	"tcp", "tls_listen", "tls_certificate", "tls_key", "tls_ca_file",
	"tls_verify_peer", "external_address", "keepalive_s", "resolv_conf",
	"also_listen",
	/* gateway/fwd.h */
	"forward_header", NULL
};
static const char *const fxs_keys[] = {
	"extension", "digit_timeout_ms", "first_digit_timeout_ms", "flash_min_ms",
	"flash_max_ms", "ring_cadence", "reverse_polarity",
	"signalling", "disconnect_ms", "reorder_s", "howler_s", "hotline",
	"hotline_delay_ms", "call_waiting", "account", "flash",
	/* gateway/fwd.h */
	"forward_always", "forward_busy", "forward_noanswer",
	"forward_noanswer_s", NULL
};
static const char *const fxo_keys[] = {
	"target", "dialtone_timeout_ms", "answer_rings",
	"answer_supervision", "answer_energy_ms", "supervision_energy_dbm0",
	"disconnect_loop_drop_ms", "disconnect_polarity", "disconnect_tones",
	"disconnect_tone_repeat", "disconnect_silence_s",
	"max_call_duration_s", "dial_mode", "pulse_pps", "pulse_break_pct",
	"pulse_interdigit_ms", "flash_ms", NULL
};
static const char *const port_keys[] = {
	"name", "channel", "type", "extension", "digit_timeout_ms",
	"first_digit_timeout_ms", "flash_min_ms", "flash_max_ms", "target",
	"dialtone_timeout_ms",
	"answer_rings", "echo_canceller", "echo_tail_ms", "zone",
	"callerid", "ring_cadence",
	"answer_supervision", "answer_energy_ms", "supervision_energy_dbm0",
	"disconnect_loop_drop_ms", "disconnect_polarity", "disconnect_tones",
	"disconnect_tone_repeat", "disconnect_silence_s",
	"max_call_duration_s", "reverse_polarity",
	"signalling", "disconnect_ms", "reorder_s", "howler_s", "hotline",
	"hotline_delay_ms", "dial_mode", "pulse_pps", "pulse_break_pct",
	"pulse_interdigit_ms", "flash_ms", "rx_gain_db", "tx_gain_db",
	"call_waiting", "account" /* gateway/trunk.h */, "flash",
	"forward_always", "forward_busy", "forward_noanswer",
	"forward_noanswer_s", NULL
};
static const char *const route_keys[] = {
	"from", "prefix", "pattern", "regex", "strip", "prepend", "to", "days",
	"hours", "dates", "timezone", "allow_premium",
	/* gateway/routeact.h: */
	"rewrite", "replace", "caller_number", "caller_name", "reject",
	"failover", "max_calls", "max_duration_s",
	"ring_timeout_s", /* to = [ ... ], gateway/fork.h */
	"redirect", NULL
};
static const char *const log_levels[] = {
	"error", "warning", "notice", "info", "debug", NULL
};

/*
 * libconfig 1.5 names an included file as written in @include, but opens
 * it in the include dir: the folder (with its '/') to print before `file`.
 */
static const char *incdir(const struct ctx *c, const char *file)
{
	if (file == c->path || strcmp(file, c->path) == 0 || file[0] == '/')
		return "";
	return c->incdir;
}

/*
 * Write "FILE:LINE: KEY: message" and return -EINVAL. The key is
 * base.name (or either alone); the line is that of `s` (0 without one).
 */
static int __attribute__((format(printf, 5, 6)))
fail(struct ctx *c, const config_setting_t *s, const char *base,
     const char *name, const char *fmt, ...)
{
	const char *file = c->path;
	unsigned int line = 0;
	size_t n;
	va_list ap;
	int r;

	if (s) {
		line = config_setting_source_line(s);
		if (config_setting_source_file(s))
			file = config_setting_source_file(s);
	}
	r = snprintf(c->err, c->errlen, "%s%s:%u: %s%s%s: ", incdir(c, file),
		     file, line,
		     base ? base : "", base && *base && name ? "." : "",
		     name ? name : "");
	n = r < 0 ? 0 : (size_t)r;
	if (n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static int check_keys(struct ctx *c, const config_setting_t *grp,
		      const char *base, const char *const *allowed)
{
	int n = config_setting_length(grp);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(grp, i);
		const char *name = config_setting_name(m);

		if (!in_list(name, allowed))
			return fail(c, m, base, name, "unknown key");
	}
	return 0;
}

/* Optional group member; *out is NULL when absent. */
static int get_group(struct ctx *c, const config_setting_t *parent,
		     const char *name, config_setting_t **out)
{
	config_setting_t *s = config_setting_get_member(parent, name);

	*out = s;
	if (s && !config_setting_is_group(s))
		return fail(c, s, NULL, name, "must be a group ({ ... })");
	return 0;
}

static int get_str(struct ctx *c, const config_setting_t *grp,
		   const char *base, const char *name, char *dst, size_t size,
		   config_setting_t **out)
{
	config_setting_t *s = grp ? config_setting_get_member(grp, name) : NULL;
	const char *v;

	if (out)
		*out = s;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(c, s, base, name, "must be a string");
	v = config_setting_get_string(s);
	if (strlen(v) >= size)
		return fail(c, s, base, name, "longer than %zu characters",
			    size - 1);
	strcpy(dst, v);
	return 0;
}

static int get_int(struct ctx *c, const config_setting_t *grp,
		   const char *base, const char *name, int min, int max,
		   int *dst, config_setting_t **out)
{
	config_setting_t *s = config_setting_get_member(grp, name);
	long long v;

	if (out)
		*out = s;
	if (!s)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else
		return fail(c, s, base, name, "must be an integer");
	if (v < min || v > max)
		return fail(c, s, base, name, "%lld is out of range %d..%d", v,
			    min, max);
	*dst = (int)v;
	return 0;
}

static int get_bool(struct ctx *c, const config_setting_t *grp,
		    const char *base, const char *name, bool *dst)
{
	config_setting_t *s = config_setting_get_member(grp, name);

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(c, s, base, name, "must be true or false");
	*dst = config_setting_get_bool(s);
	return 0;
}

/* A string that must be one of `values`; returns its index. */
static int get_enum(struct ctx *c, const config_setting_t *s,
		    const char *base, const char *name,
		    const char *const *values)
{
	const char *v = NULL;
	char list[96] = "";
	int i;

	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		v = config_setting_get_string(s);
	for (i = 0; v && values[i]; i++)
		if (strcmp(v, values[i]) == 0)
			return i;
	for (i = 0; values[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s\"%s\"", i ? (values[i + 1] ? ", " : " or ") : "",
			 values[i]);
	return fail(c, s, base, name, "must be %s", list);
}

static bool dial_chars(const char *s)
{
	return strspn(s, "0123456789*#+") == strlen(s);
}

/* Port names appear in "fxo:NAME" and in copperctl output. */
static bool name_chars(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789_-.";

	return *s && strspn(s, ok) == strlen(s);
}

/* A SIP URI as written in the file: "sip:" and no space or control. */
static bool uri_ok(const char *s)
{
	if (strncmp(s, "sip:", 4) != 0 || !s[4])
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '<' ||
		    *s == '>' || *s == '"')
			return false;
	return true;
}

/* Parse a decimal number of at most 5 digits, nothing else. */
static int parse_u16(const char *s, size_t len)
{
	int v = 0;

	if (!len || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A tone zone name known to dsp/zone ("us", "uk", "de", ...). */
static int get_zone(struct ctx *c, const config_setting_t *grp,
		    const char *base, char *dst)
{
	config_setting_t *s;
	char v[GW_CONF_ZONE_LEN];
	int r = get_str(c, grp, base, "zone", v, sizeof(v), &s);

	if (r < 0 || !s)
		return r;
	const struct gw_zone *z = gw_zone_find(v);

	if (!z) {
		char list[160] = "";
		for (int i = 0; i < gw_zone_count(); i++) {
			const char *n = gw_zone_at(i)->name;
			if (strlen(list) + strlen(n) + 2 < sizeof(list)) {
				strcat(list, i ? ", " : "");
				strcat(list, n);
			}
		}
		return fail(c, s, base, "zone",
			    "unknown tone zone \"%s\" (known: %s)", v, list);
	}
	strcpy(dst, z->name);
	return 0;
}

/* general.log_levels = { SUBSYS = "LEVEL"; ... } (gateway/log.h) */
static int load_log_levels(struct ctx *c, const config_setting_t *g)
{
	static const char base[] = "general.log_levels";
	struct gw_conf *conf = c->conf;
	config_setting_t *s = config_setting_get_member(g, "log_levels");
	int n;

	if (!s)
		return 0;
	if (!config_setting_is_group(s))
		return fail(c, s, "general", "log_levels",
			    "must be a group ({ sip = \"debug\"; ... })");
	n = config_setting_length(s);
	if (n > GW_CONF_MAX_LOG_LEVELS)
		return fail(c, s, "general", "log_levels",
			    "more than %d subsystems", GW_CONF_MAX_LOG_LEVELS);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(s, i);
		const char *name = config_setting_name(m), *v;
		struct gw_conf_log_level *e = &conf->log_levels[i];

		if (!gw_log_subsys_ok(name))
			return fail(c, m, base, name,
				    "a subsystem name is 1-%d of a-z 0-9 _ -",
				    GW_LOG_SUBSYS_LEN);
		if (config_setting_type(m) != CONFIG_TYPE_STRING)
			return fail(c, m, base, name, "must be a string");
		v = config_setting_get_string(m);
		if (!in_list(v, log_levels))
			return fail(c, m, base, name,
				    "\"%s\": must be error, warning, notice, "
				    "info or debug", v);
		snprintf(e->subsys, sizeof(e->subsys), "%s", name);
		e->level = gw_log_level_parse(v);
	}
	conf->nlog_levels = n;
	return 0;
}

static int load_general(struct ctx *c, const config_setting_t *root)
{
	struct gw_conf *conf = c->conf;
	config_setting_t *g, *s;
	int r;

	r = get_group(c, root, "general", &g);
	if (r < 0 || !g)
		return r;
	r = check_keys(c, g, "general", general_keys);
	if (r < 0)
		return r;
	r = get_str(c, g, "general", "control_socket", conf->control_socket,
		    sizeof(conf->control_socket), &s);
	if (r < 0)
		return r;
	if (s && !conf->control_socket[0])
		return fail(c, s, "general", "control_socket",
			    "must not be empty");
	r = get_str(c, g, "general", "log_level", conf->log_level,
		    sizeof(conf->log_level), &s);
	if (r < 0)
		return r;
	if (s && !in_list(conf->log_level, log_levels))
		return fail(c, s, "general", "log_level",
			    "must be error, warning, notice, info or debug");
	r = load_log_levels(c, g);
	if (r < 0)
		return r;
	r = get_str(c, g, "general", "cdr_db", conf->cdr_db,
		    sizeof(conf->cdr_db), NULL);
	if (r < 0)
		return r;
	r = get_str(c, g, "general", "cdr_csv", conf->cdr_csv,
		    sizeof(conf->cdr_csv), &s);
	if (r < 0)
		return r;
	if (s && conf->cdr_csv[0] && !conf->cdr_db[0])
		return fail(c, s, "general", "cdr_csv",
			    "needs cdr_db (the records are written there "
			    "first)");
	r = gw_guard_conf_general((struct gw_conf_ctx *)c, g);
	if (r < 0)
		return r;
	return get_zone(c, g, "general", conf->zone);
}

static int load_card(struct ctx *c, const config_setting_t *root)
{
	struct gw_conf *conf = c->conf;
	config_setting_t *g, *s;
	int r;

	r = get_group(c, root, "card", &g);
	if (r < 0)
		return r;
	if (!g)
		return fail(c, NULL, "card", "driver",
			    "required key is missing");
	r = check_keys(c, g, "card", card_keys);
	if (r < 0)
		return r;
	r = get_str(c, g, "card", "driver", conf->card_driver,
		    sizeof(conf->card_driver), &s);
	if (r < 0)
		return r;
	if (!s)
		return fail(c, g, "card", "driver", "required key is missing");
	if (!name_chars(conf->card_driver))
		return fail(c, s, "card", "driver", "bad driver name \"%s\"",
			    conf->card_driver);
	r = get_str(c, g, "card", "device", conf->card_device,
		    sizeof(conf->card_device), NULL);
	if (r < 0)
		return r;
	return get_int(c, g, "card", "media_threads", 0, GW_CONF_MAX_THREADS,
		       &conf->media_threads, NULL);
}

/* "ADDR:PORT" or "[ADDR6]:PORT" with a literal address. */
int gw_conf_parse_hostport(const char *v, char *host, size_t hostlen,
			   int *port)
{
	const char *colon, *end;
	unsigned char buf[16];
	int family = AF_INET;
	size_t hlen;
	char *e;
	long p;

	if (v[0] == '[') {
		end = strchr(v, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		v++;
		hlen = (size_t)(end - v);
		colon = end + 1;
		family = AF_INET6;
	} else {
		colon = strrchr(v, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - v);
	}
	if (hlen == 0 || hlen >= hostlen)
		return -EINVAL;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (inet_pton(family, host, buf) != 1)
		return -EINVAL;
	errno = 0;
	p = strtol(colon + 1, &e, 10);
	if (errno || e == colon + 1 || *e || p < 1 || p > 65535)
		return -EINVAL;
	*port = (int)p;
	return 0;
}

static int parse_listen(struct gw_conf *conf, const char *v)
{
	char host[sizeof(conf->sip_host)];
	int port;

	if (gw_conf_parse_hostport(v, host, sizeof(host), &port) < 0)
		return -1;
	strcpy(conf->sip_host, host);
	conf->sip_port = port;
	return 0;
}

static int parse_rtp_ports(struct gw_conf *conf, const char *v)
{
	const char *dash = strchr(v, '-');
	int lo, hi;

	if (!dash)
		return -1;
	lo = parse_u16(v, (size_t)(dash - v));
	hi = parse_u16(dash + 1, strlen(dash + 1));
	if (lo < 1024 || hi > 65535 || lo >= hi || lo % 2)
		return -1;
	conf->rtp_port_min = lo;
	conf->rtp_port_max = hi;
	return 0;
}

static bool v4mapped(const uint8_t *a)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

/* "ADDR" or "ADDR/LEN", IPv4 or IPv6; host bits must be zero. */
static int parse_net(struct gw_conf_net *net, const char *v)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	size_t hlen = slash ? (size_t)(slash - v) : strlen(v);
	int bits, len;

	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, host, net->addr) == 1) {
		net->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, host, net->addr) == 1) {
		net->family = AF_INET6;
		bits = 128;
	} else {
		return -1;
	}
	len = bits;
	if (slash) {
		len = parse_u16(slash + 1, strlen(slash + 1));
		if (len < 0 || len > bits)
			return -1;
	}
	net->prefix_len = len;
	for (int i = len; i < bits; i++)
		if (net->addr[i / 8] & (0x80 >> (i % 8)))
			return -2;
	/* ::ffff:a.b.c.d/96+ is an IPv4 network; store it as one. */
	if (net->family == AF_INET6 && len >= 96 && v4mapped(net->addr)) {
		memmove(net->addr, net->addr + 12, 4);
		memset(net->addr + 4, 0, 12);
		net->family = AF_INET;
		net->prefix_len = len - 96;
	}
	return 0;
}

/* sip.codecs: names from dsp/codec.h's table, each at most once. */
static int load_codecs(struct ctx *c, const config_setting_t *list)
{
	struct gw_conf *conf = c->conf;
	int n;

	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return fail(c, list, "sip", "codecs",
			    "must be a list of codec names ([ \"PCMU\", ... ])");
	n = config_setting_length(list);
	if (n < 1 || n > 8)
		return fail(c, list, "sip", "codecs", "needs 1 to 8 codecs");
	conf->ncodecs = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		const char *v = config_setting_type(e) == CONFIG_TYPE_STRING ?
				config_setting_get_string(e) : NULL;
		char key[32];
		int id = -1;

		snprintf(key, sizeof(key), "[%d]", i);
		for (int k = 0; v && k < GW_CODEC_COUNT; k++)
			if (strcasecmp(v, gw_codec_desc(k)->name) == 0)
				id = k;
		if (id < 0)
			return fail(c, e, "sip.codecs", key,
				    "must be one of \"PCMU\", \"PCMA\", "
				    "\"G722\", \"G726-32\", \"opus\" or "
				    "\"G729\"");
		for (int k = 0; k < conf->ncodecs; k++)
			if (conf->codecs[k] == id)
				return fail(c, e, "sip.codecs", key,
					    "\"%s\" is listed twice", v);
		conf->codecs[conf->ncodecs++] = id;
	}
	return 0;
}

static int load_trusted(struct ctx *c, const config_setting_t *list)
{
	struct gw_conf *conf = c->conf;
	int n;

	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return fail(c, list, "sip", "trusted",
			    "must be a list of addresses ([ \"...\", ... ])");
	n = config_setting_length(list);
	if (n > GW_CONF_MAX_TRUSTED)
		return fail(c, list, "sip", "trusted", "more than %d entries",
			    GW_CONF_MAX_TRUSTED);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		char key[32];
		int r;

		snprintf(key, sizeof(key), "[%d]", i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(c, e, "sip.trusted", key,
				    "must be a string");
		r = parse_net(&conf->trusted[i], config_setting_get_string(e));
		if (r == -2)
			return fail(c, e, "sip.trusted", key,
				    "\"%s\" has host bits set after the prefix",
				    config_setting_get_string(e));
		if (r < 0)
			return fail(c, e, "sip.trusted", key,
				    "\"%s\" is not an address or ADDRESS/PREFIX",
				    config_setting_get_string(e));
	}
	conf->ntrusted = n;
	return 0;
}

static int load_sip(struct ctx *c, const config_setting_t *root)
{
	struct gw_conf *conf = c->conf;
	config_setting_t *g, *s;
	char buf[96];
	int r;

	r = get_group(c, root, "sip", &g);
	if (r < 0 || !g)
		return r;
	r = check_keys(c, g, "sip", sip_keys);
	if (r < 0)
		return r;
	r = get_str(c, g, "sip", "listen", buf, sizeof(buf), &s);
	if (r < 0)
		return r;
	if (s && parse_listen(conf, buf) < 0)
		return fail(c, s, "sip", "listen",
			    "\"%s\" is not ADDRESS:PORT (IPv4, or [IPv6], and a port 1-65535)",
			    buf);
	r = get_str(c, g, "sip", "rtp_ports", buf, sizeof(buf), &s);
	if (r < 0)
		return r;
	if (s && parse_rtp_ports(conf, buf) < 0)
		return fail(c, s, "sip", "rtp_ports",
			    "\"%s\" is not MIN-MAX with an even MIN, "
			    "1024 <= MIN < MAX <= 65535", buf);
	r = get_int(c, g, "sip", "rtp_dscp", 0, 63, &conf->rtp_dscp, NULL);
	if (r < 0)
		return r;
	r = get_int(c, g, "sip", "telephone_event_pt", 96, 127, &conf->te_pt,
		    NULL);
	if (r < 0)
		return r;
	r = get_int(c, g, "sip", "dtmf_lookahead_ms", 0, 100,
		    &conf->dtmf_lookahead_ms, NULL);
	if (r < 0)
		return r;
	r = get_int(c, g, "sip", "rtp_timeout_s", 0, 3600,
		    &conf->rtp_timeout_s, NULL);
	if (r < 0)
		return r;
	/* RFC 4028 §4: Min-SE is at least 90 s (gateway/callfeat.h); a
	 * lower one only for tests */
	r = get_int(c, g, "sip", "session_min_se_s", 10, 86400,
		    &conf->session_min_se_s, NULL);
	if (r < 0)
		return r;
	r = get_int(c, g, "sip", "session_timer_s", 0, 86400,
		    &conf->session_timer_s, &s);
	if (r < 0)
		return r;
	if (s && conf->session_timer_s &&
	    conf->session_timer_s < conf->session_min_se_s)
		return fail(c, s, "sip", "session_timer_s",
			    "%d is under %d (the Min-SE: RFC 4028 minimum "
			    "90, sip.session_min_se_s); 0 turns session "
			    "timers off", conf->session_timer_s,
			    conf->session_min_se_s);
	s = config_setting_get_member(g, "jitter_mode");
	if (s) {
		static const char *const modes[] = { "adaptive", "fixed",
						     NULL };

		r = get_enum(c, s, "sip", "jitter_mode", modes);
		if (r < 0)
			return r;
		conf->jitter_fixed = r == 1;
	}
	r = get_int(c, g, "sip", "jitter_delay_ms", 0, 500,
		    &conf->jitter_delay_ms, NULL);
	if (r >= 0)
		r = get_int(c, g, "sip", "jitter_min_ms", 0, 500,
			    &conf->jitter_min_ms, NULL);
	if (r >= 0)
		r = get_int(c, g, "sip", "jitter_max_ms", 10, 500,
			    &conf->jitter_max_ms, &s);
	if (r < 0)
		return r;
	if (conf->jitter_min_ms > conf->jitter_max_ms ||
	    conf->jitter_delay_ms < conf->jitter_min_ms ||
	    conf->jitter_delay_ms > conf->jitter_max_ms)
		return fail(c, s ? s : g, "sip", "jitter_max_ms",
			    "needs jitter_min_ms <= jitter_delay_ms <= "
			    "jitter_max_ms (%d, %d, %d)", conf->jitter_min_ms,
			    conf->jitter_delay_ms, conf->jitter_max_ms);
	s = config_setting_get_member(g, "codecs");
	if (s) {
		r = load_codecs(c, s);
		if (r < 0)
			return r;
	}
	s = config_setting_get_member(g, "srtp");
	if (s) {
		static const char *const modes[] = { "off", "optional",
						     "mandatory", NULL };

		r = get_enum(c, s, "sip", "srtp", modes);
		if (r < 0)
			return r;
		conf->srtp = (enum gw_conf_srtp)r;
	}
	s = config_setting_get_member(g, "flash");
	if (s) {
		static const char *const modes[] = { "rfc4733", "info", NULL };

		r = get_enum(c, s, "sip", "flash", modes);
		if (r < 0)
			return r;
		conf->flash = (enum gw_conf_flash)r;
	}
	s = config_setting_get_member(g, "trusted");
	r = s ? load_trusted(c, s) : 0;
	if (r < 0)
		return r;
	/* TCP, TLS, external address, keep-alives: gateway/transport.c */
	r = gw_transport_conf_sip((struct gw_conf_ctx *)c, g);
	if (r < 0)
		return r;
	/* forwarded calls' headers: gateway/fwd.c */
	r = gw_fwd_conf_sip((struct gw_conf_ctx *)c, g);
	if (r < 0)
		return r;
	/* users, realm, rate limit, bans: gateway/guard.c */
	return gw_guard_conf_sip((struct gw_conf_ctx *)c, g);
}

/* Keys of the other port type present in port `e`? */
static int check_type_keys(struct ctx *c, const config_setting_t *e,
			   const char *base, const char *const *other,
			   const char *type)
{
	for (; *other; other++) {
		config_setting_t *s = config_setting_get_member(e, *other);

		if (s)
			return fail(c, s, base, *other,
				    "not valid on an %s port", type);
	}
	return 0;
}

/* FXS signalling, after-call tones and hotline (struct gw_conf_fxs). */
static int load_port_fxs_sig(struct ctx *c, const config_setting_t *e,
			     const char *base, struct gw_conf_fxs *f)
{
	static const char *const sig_names[] = { "kewlstart", "loopstart",
						 NULL };
	config_setting_t *s;
	int r;

	f->signalling = GW_CONF_FXS_KEWLSTART;
	f->disconnect_ms = 600;
	f->reorder_s = 30;
	f->howler_s = 60;
	f->call_waiting = true;
	r = get_bool(c, e, base, "call_waiting", &f->call_waiting);
	if (r < 0)
		return r;
	s = config_setting_get_member(e, "flash");
	if (s) {
		static const char *const flash_names[] = { "transfer", "relay",
							   NULL };

		r = get_enum(c, s, base, "flash", flash_names);
		if (r < 0)
			return r;
		f->flash_relay = r == 1;
	}
	s = config_setting_get_member(e, "signalling");
	if (s) {
		r = get_enum(c, s, base, "signalling", sig_names);
		if (r < 0)
			return r;
		f->signalling = (enum gw_conf_fxs_signalling)r;
	}
	r = get_int(c, e, base, "disconnect_ms", 100, 5000, &f->disconnect_ms,
		    NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "reorder_s", 0, 600, &f->reorder_s, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "howler_s", 0, 600, &f->howler_s, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "hotline_delay_ms", 0, TIMEOUT_MAX_MS,
		    &f->hotline_delay_ms, NULL);
	if (r < 0)
		return r;
	r = get_str(c, e, base, "hotline", f->hotline, sizeof(f->hotline), &s);
	if (r < 0)
		return r;
	if (s && (!f->hotline[0] || !dial_chars(f->hotline)))
		return fail(c, s, base, "hotline",
			    "\"%s\" must be a number (0-9 * # +)", f->hotline);
	return 0;
}

static int load_port_fxs(struct ctx *c, const config_setting_t *e,
			 const char *base, struct gw_conf_port *p)
{
	config_setting_t *s;
	int r;

	r = check_type_keys(c, e, base, fxo_keys, "fxs");
	if (r < 0)
		return r;
	r = get_str(c, e, base, "extension", p->extension,
		    sizeof(p->extension), &s);
	if (r < 0)
		return r;
	if (s && !dial_chars(p->extension))
		return fail(c, s, base, "extension",
			    "\"%s\" may only contain 0-9 * # +", p->extension);
	if (p->extension[0]) {
		for (int i = 0; i < c->conf->nports; i++) {
			const struct gw_conf_port *o = &c->conf->ports[i];

			if (o->type == GW_CONF_PORT_FXS &&
			    strcmp(o->extension, p->extension) == 0)
				return fail(c, s, base, "extension",
					    "extension %s is already used by port %s",
					    p->extension, o->name);
		}
	}
	r = get_int(c, e, base, "digit_timeout_ms", TIMEOUT_MIN_MS,
		    TIMEOUT_MAX_MS, &p->digit_timeout_ms, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "first_digit_timeout_ms", TIMEOUT_MIN_MS,
		    TIMEOUT_MAX_MS, &p->first_digit_timeout_ms, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "flash_min_ms", 20, 2000, &p->flash_min_ms,
		    NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "flash_max_ms", 0, 2000, &p->flash_max_ms, &s);
	if (r < 0)
		return r;
	r = get_bool(c, e, base, "reverse_polarity", &p->reverse_polarity);
	if (r < 0)
		return r;
	r = gw_fwd_conf_port((struct gw_conf_ctx *)c, e, base, p);
	if (r < 0)
		return r;
	r = load_port_fxs_sig(c, e, base, &p->fxs);
	if (r < 0)
		return r;
	if (p->flash_max_ms && p->flash_max_ms <= p->flash_min_ms)
		return fail(c, s ? s : e, base, "flash_max_ms",
			    "must be above flash_min_ms (%d), or 0 for no "
			    "hook-flash", p->flash_min_ms);
	return 0;
}

static const char *const answer_sup_names[] = { "polarity", "energy",
						"immediate", NULL };
static const char *const disc_tone_names[] = { "busy", "reorder",
					       "dialtone", "sit", NULL };

/* disconnect_tones: a list of disc_tone_names, [] for none. */
static int get_disc_tones(struct ctx *c, const config_setting_t *e,
			  const char *base, unsigned int *tones)
{
	config_setting_t *s = config_setting_get_member(e, "disconnect_tones");
	char key[64];
	int i, n, r;

	if (!s)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return fail(c, s, base, "disconnect_tones",
			    "must be a list of tone names, e.g. [ \"busy\", "
			    "\"reorder\", \"dialtone\", \"sit\" ]");
	*tones = 0;
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		config_setting_t *t = config_setting_get_elem(s, (unsigned)i);

		snprintf(key, sizeof(key), "disconnect_tones.[%d]", i);
		r = get_enum(c, t, base, key, disc_tone_names);
		if (r < 0)
			return r;
		*tones |= 1u << r;
	}
	return 0;
}

/* FXO answer and disconnect supervision (conf.h struct gw_conf_sup). */
static int load_port_sup(struct ctx *c, const config_setting_t *e,
			 const char *base, struct gw_conf_sup *sup)
{
	config_setting_t *s;
	int r;

	sup->answer = GW_CONF_ANSWER_POLARITY;
	sup->answer_energy_ms = 500;
	sup->energy_dbm0 = -40;
	sup->loop_drop_ms = 400;
	sup->polarity = true;
	sup->tones = GW_CONF_DISC_ALL_TONES;
	sup->tone_repeat = 2;
	sup->silence_s = 0;
	sup->max_duration_s = 14400;
	s = config_setting_get_member(e, "answer_supervision");
	if (s) {
		r = get_enum(c, s, base, "answer_supervision",
			     answer_sup_names);
		if (r < 0)
			return r;
		sup->answer = (enum gw_conf_answer_sup)r;
	}
	r = get_int(c, e, base, "answer_energy_ms", 40, 10000,
		    &sup->answer_energy_ms, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "supervision_energy_dbm0", -60, -10,
		    &sup->energy_dbm0, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "disconnect_loop_drop_ms", 0, 10000,
		    &sup->loop_drop_ms, &s);
	if (r < 0)
		return r;
	if (sup->loop_drop_ms && sup->loop_drop_ms < 20)
		return fail(c, s, base, "disconnect_loop_drop_ms",
			    "%d ms is shorter than a frame: 0 (off) or "
			    "20..10000", sup->loop_drop_ms);
	r = get_bool(c, e, base, "disconnect_polarity", &sup->polarity);
	if (r < 0)
		return r;
	r = get_disc_tones(c, e, base, &sup->tones);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "disconnect_tone_repeat", 1, 10,
		    &sup->tone_repeat, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "disconnect_silence_s", 0, 3600,
		    &sup->silence_s, NULL);
	if (r < 0)
		return r;
	return get_int(c, e, base, "max_call_duration_s", 0, 86400,
		       &sup->max_duration_s, NULL);
}

/* FXO dialling and hook-flash (gw_conf_fxo_dial), after the zone. */
static int load_port_dial(struct ctx *c, const config_setting_t *e,
			  const char *base, struct gw_conf_port *p)
{
	static const char *const modes[] = { "dtmf", "pulse", NULL };
	struct gw_conf_fxo_dial *d = &p->dial;
	config_setting_t *s = config_setting_get_member(e, "dial_mode");
	int r;

	d->mode = GW_CONF_DIAL_DTMF;
	d->pulse_pps = 10;
	/* Telcordia GR-506: 61 % nominal; BT SIN 351: 2:1; ITU/ETSI: 60 % */
	d->break_pct = !strcmp(p->zone, "us") ? 61 :
		       !strcmp(p->zone, "uk") ? 67 : 60;
	d->interdigit_ms = 700;
	/* a North American flash; elsewhere the timed-break recall */
	d->flash_ms = !strcmp(p->zone, "us") ? 600 : 100;
	if (s) {
		r = get_enum(c, s, base, "dial_mode", modes);
		if (r < 0)
			return r;
		d->mode = r ? GW_CONF_DIAL_PULSE : GW_CONF_DIAL_DTMF;
	}
	r = get_int(c, e, base, "pulse_pps", 8, 20, &d->pulse_pps, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "pulse_break_pct", 50, 80, &d->break_pct,
		    NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "pulse_interdigit_ms", 100, 2000,
		    &d->interdigit_ms, NULL);
	if (r < 0)
		return r;
	return get_int(c, e, base, "flash_ms", 50, 2000, &d->flash_ms, NULL);
}

/* A gain in dB, integer or float, -24..24 (the card's range, hw.h). */
static int get_gain(struct ctx *c, const config_setting_t *e,
		    const char *base, const char *name, float *dst)
{
	config_setting_t *s = config_setting_get_member(e, name);
	double v;

	if (!s)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else
		return fail(c, s, base, name, "must be a number (dB)");
	if (!(v >= -24 && v <= 24))
		return fail(c, s, base, name, "%g is out of range -24..24", v);
	*dst = (float)v;
	return 0;
}

/*
 * echo_canceller: true (ours), false (none) or "kernel" (the card's,
 * ours off; its tail is echo_tail_ms * 8 taps, a power of two), and the
 * card's gains.
 */
static int load_port_card(struct ctx *c, const config_setting_t *e,
			  const char *base, struct gw_conf_port *p)
{
	config_setting_t *s = config_setting_get_member(e, "echo_canceller");
	int r;

	if (s && config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (strcmp(config_setting_get_string(s), "kernel"))
			return fail(c, s, base, "echo_canceller",
				    "must be true or false, or \"kernel\"");
		p->echo_canceller = false;
		p->echo_kernel = true;
	} else {
		r = get_bool(c, e, base, "echo_canceller", &p->echo_canceller);
		if (r < 0)
			return r;
	}
	r = get_int(c, e, base, "echo_tail_ms", 8, 128, &p->echo_tail_ms, &s);
	if (r < 0)
		return r;
	if (p->echo_kernel && (p->echo_tail_ms & (p->echo_tail_ms - 1)))
		return fail(c, s, base, "echo_tail_ms",
			    "the kernel canceller takes 8, 16, 32, 64 or 128");
	r = get_gain(c, e, base, "rx_gain_db", &p->rx_gain_db);
	if (r < 0)
		return r;
	return get_gain(c, e, base, "tx_gain_db", &p->tx_gain_db);
}

static int load_port_fxo(struct ctx *c, const config_setting_t *e,
			 const char *base, struct gw_conf_port *p)
{
	config_setting_t *s;
	int r;

	r = check_type_keys(c, e, base, fxs_keys, "fxo");
	if (r < 0)
		return r;
	r = get_str(c, e, base, "target", p->target, sizeof(p->target), &s);
	if (r < 0)
		return r;
	/* "user:NAME": a user of the built-in registrar (registrar.h) */
	/* "disa:NAME": an entry of the `disa` list (disa.h) */
	if (s && gw_disa_target(p->target) &&
	    !gw_disa_conf_find(c->conf, gw_disa_target(p->target)))
		return fail(c, s, base, "target", "no disa entry named \"%s\"",
			    gw_disa_target(p->target));
	if (s && p->target[0] && !uri_ok(p->target) &&
	    !gw_conf_user_target_ok(p->target) && !gw_disa_target(p->target))
		return fail(c, s, base, "target",
			    "\"%s\" is not a SIP URI (sip:...), user:NAME or "
			    "disa:NAME", p->target);
	r = get_int(c, e, base, "dialtone_timeout_ms", TIMEOUT_MIN_MS,
		    TIMEOUT_MAX_MS, &p->dialtone_timeout_ms, NULL);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "answer_rings", 1, MAX_ANSWER_RINGS,
		    &p->answer_rings, NULL);
	if (r < 0)
		return r;
	r = load_port_dial(c, e, base, p);
	if (r < 0)
		return r;
	return load_port_sup(c, e, base, &p->sup);
}

const char *const gw_conf_callerid_names[] = {
	[GW_CONF_CID_NONE] = "none",	     [GW_CONF_CID_BELL] = "bell",
	[GW_CONF_CID_BELL_SDMF] = "bell-sdmf", [GW_CONF_CID_ETSI] = "etsi",
	[GW_CONF_CID_ETSI_DTAS] = "etsi-dtas", [GW_CONF_CID_ETSI_RP] = "etsi-rp",
	[GW_CONF_CID_ETSI_LR] = "etsi-lr",   [GW_CONF_CID_JCLIP] = "jclip",
	[GW_CONF_CID_DTMF] = "dtmf",	     [GW_CONF_CID_DTMF_HASH] = "dtmf-hash",
	NULL
};

/* Caller ID (both types) and the FXS ring cadence, after the zone. */
static int load_port_cid(struct ctx *c, const config_setting_t *e,
			 const char *base, struct gw_conf_port *p)
{
	const struct gw_zone *z = gw_zone_find(p->zone);
	config_setting_t *s = config_setting_get_member(e, "callerid");
	char list[160] = "";
	int r, i;

	p->callerid = p->type == GW_CONF_PORT_FXS ? GW_CONF_CID_BELL
						  : GW_CONF_CID_NONE;
	strcpy(p->ring_cadence, "normal");
	if (s) {
		const char *v = config_setting_type(s) == CONFIG_TYPE_STRING ?
					config_setting_get_string(s) : NULL;

		for (i = 0; v && gw_conf_callerid_names[i]; i++)
			if (strcmp(v, gw_conf_callerid_names[i]) == 0)
				break;
		if (!v || !gw_conf_callerid_names[i]) {
			for (i = 0; gw_conf_callerid_names[i]; i++)
				snprintf(list + strlen(list),
					 sizeof(list) - strlen(list), "%s%s",
					 i ? ", " : "",
					 gw_conf_callerid_names[i]);
			return fail(c, s, base, "callerid",
				    "must be one of: %s", list);
		}
		p->callerid = (enum gw_conf_callerid)i;
	}
	r = get_str(c, e, base, "ring_cadence", p->ring_cadence,
		    sizeof(p->ring_cadence), &s);
	if (r < 0 || !s || !z)
		return r;
	for (i = 0; i < GW_ZONE_RINGS && z->ring[i].name; i++)
		if (strcasecmp(z->ring[i].name, p->ring_cadence) == 0)
			return 0;
	for (i = 0; i < GW_ZONE_RINGS && z->ring[i].name; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", z->ring[i].name);
	return fail(c, s, base, "ring_cadence",
		    "zone %s has no ring cadence \"%s\" (it has: %s)",
		    z->name, p->ring_cadence, list);
}

static int load_port(struct ctx *c, const config_setting_t *e,
		     const char *base, struct gw_conf_port *p)
{
	struct gw_conf *conf = c->conf;
	static const char *const port_types[] = { "fxs", "fxo", NULL };
	config_setting_t *sname, *schan, *stype;
	int r;

	if (!config_setting_is_group(e))
		return fail(c, e, base, NULL, "must be a group ({ ... })");
	r = check_keys(c, e, base, port_keys);
	if (r < 0)
		return r;
	p->line = (int)config_setting_source_line(e);
	p->digit_timeout_ms = 4000;
	p->first_digit_timeout_ms = 15000;
	p->flash_min_ms = 100;
	p->flash_max_ms = 800;
	p->dialtone_timeout_ms = 3000;
	p->answer_rings = 1;
	p->echo_canceller = true;
	p->echo_tail_ms = 64;
	strcpy(p->zone, conf->zone);

	r = get_zone(c, e, base, p->zone);
	if (r < 0)
		return r;

	r = load_port_card(c, e, base, p);
	if (r < 0)
		return r;
	r = get_str(c, e, base, "name", p->name, sizeof(p->name), &sname);
	if (r < 0)
		return r;
	if (!sname)
		return fail(c, e, base, "name", "required key is missing");
	if (!name_chars(p->name))
		return fail(c, sname, base, "name",
			    "\"%s\" may only contain letters, digits, _ - .",
			    p->name);
	r = get_int(c, e, base, "channel", 1, GW_CONF_MAX_PORTS, &p->channel,
		    &schan);
	if (r < 0)
		return r;
	if (!schan)
		return fail(c, e, base, "channel", "required key is missing");
	stype = config_setting_get_member(e, "type");
	if (!stype)
		return fail(c, e, base, "type", "required key is missing");
	r = get_enum(c, stype, base, "type", port_types);
	if (r < 0)
		return r;
	p->type = r == 0 ? GW_CONF_PORT_FXS : GW_CONF_PORT_FXO;
	r = load_port_cid(c, e, base, p);
	if (r < 0)
		return r;

	for (int i = 0; i < conf->nports; i++) {
		const struct gw_conf_port *o = &conf->ports[i];

		if (strcmp(o->name, p->name) == 0)
			return fail(c, sname, base, "name",
				    "name %s is already used by the port at line %d",
				    p->name, o->line);
		if (o->channel == p->channel)
			return fail(c, schan, base, "channel",
				    "channel %d is already used by port %s",
				    p->channel, o->name);
	}
	if (p->type == GW_CONF_PORT_FXS)
		return load_port_fxs(c, e, base, p);
	return load_port_fxo(c, e, base, p);
}

static int get_list(struct ctx *c, const config_setting_t *root,
		    const char *name, int max, config_setting_t **out)
{
	config_setting_t *s = config_setting_get_member(root, name);

	*out = s;
	if (!s)
		return 0;
	/* "()" is a list; "[]" an empty array: both mean none. */
	if (!config_setting_is_list(s) &&
	    !(config_setting_is_array(s) && config_setting_length(s) == 0))
		return fail(c, s, NULL, name,
			    "must be a list (( {...}, ... ))");
	if (config_setting_length(s) > max)
		return fail(c, s, NULL, name, "more than %d entries", max);
	return 0;
}

static int load_ports(struct ctx *c, const config_setting_t *root)
{
	struct gw_conf *conf = c->conf;
	config_setting_t *list;
	int r, n;

	r = get_list(c, root, "ports", GW_CONF_MAX_PORTS, &list);
	if (r < 0 || !list)
		return r;
	n = config_setting_length(list);
	for (int i = 0; i < n; i++) {
		char base[24];

		snprintf(base, sizeof(base), "ports.[%d]", i);
		r = load_port(c, config_setting_get_elem(list, i), base,
			      &conf->ports[i]);
		if (r < 0)
			return r;
		conf->nports++;
	}
	return 0;
}

/* to = "user:NAME": a user of sip.users (the built-in registrar's). */
static int parse_to_user(struct ctx *c, const config_setting_t *s,
			 const char *base, const char *v,
			 struct gw_conf_route *rt)
{
	const struct gw_conf_sec *sec = c->conf->sec;
	int i;

	if (!gw_conf_user_target_ok(v) || strlen(v) >= sizeof(rt->uri))
		return fail(c, s, base, "to", "\"%s\" is not a valid user:NAME",
			    v);
	for (i = 0; i < sec->nusers; i++)
		if (strcmp(sec->users[i].name, v + 5) == 0)
			break;
	if (i == sec->nusers)
		return fail(c, s, base, "to", "no user named \"%s\" in "
			    "sip.users", v + 5);
	if (!sec->registrar)
		return fail(c, s, base, "to", "\"%s\" needs sip.registrar = "
			    "true", v);
	rt->to = GW_ROUTE_TO_USER;
	strcpy(rt->uri, v);
	return 0;
}

static int parse_to(struct ctx *c, const config_setting_t *s,
		    const char *base, struct gw_conf_route *rt)
{
	const char *v = config_setting_get_string(s);
	const struct gw_conf_port *p;
	enum gw_conf_port_type want;
	const char *name;

	if (strncmp(v, "sip:", 4) == 0) {
		const char *var;

		if (strlen(v) >= sizeof(rt->uri))
			return fail(c, s, base, "to",
				    "longer than %zu characters",
				    sizeof(rt->uri) - 1);
		if (!uri_ok(v))
			return fail(c, s, base, "to",
				    "\"%s\" is not a valid SIP URI", v);
		for (var = strchr(v, '$'); var; var = strchr(var + 1, '$'))
			if (strncmp(var, "${number}", 9) != 0)
				return fail(c, s, base, "to",
					    "only ${number} may follow $");
		rt->to = GW_ROUTE_TO_URI;
		strcpy(rt->uri, v);
		return 0;
	}
	if (strncmp(v, "trunk:", 6) == 0) /* gateway/trunk.c */
		return gw_trunk_conf_route((struct gw_conf_ctx *)c, s, base,
					   v + 6, rt);
	if (gw_disa_target(v)) { /* gateway/disa.h */
		if (!gw_disa_conf_find(c->conf, gw_disa_target(v)))
			return fail(c, s, base, "to",
				    "no disa entry named \"%s\"",
				    gw_disa_target(v));
		if (rt->from != GW_ROUTE_FROM_SIP)
			return fail(c, s, base, "to",
				    "disa:NAME takes calls from sip only (an "
				    "FXO port has it as its target)");
		rt->to = GW_ROUTE_TO_DISA;
		snprintf(rt->uri, sizeof(rt->uri), "%s", v);
		return 0;
	}
	if (strncmp(v, "group:", 6) == 0) /* gateway/routeact.c */
		return gw_routeact_conf_to((struct gw_conf_ctx *)c, s, base,
					   v + 6, rt);
	if (strncmp(v, "user:", 5) == 0) /* gateway/fork.h */
		return parse_to_user(c, s, base, v, rt);
	if (strncmp(v, "fxo", 3) == 0) {
		rt->to = GW_ROUTE_TO_FXO;
		want = GW_CONF_PORT_FXO;
	} else if (strncmp(v, "fxs", 3) == 0) {
		rt->to = GW_ROUTE_TO_FXS;
		want = GW_CONF_PORT_FXS;
	} else {
		goto bad;
	}
	if (v[3] == '\0')
		return 0;
	if (v[3] != ':')
		goto bad;
	name = v + 4;
	p = gw_conf_port_by_name(c->conf, name);
	if (!p)
		return fail(c, s, base, "to", "no port named \"%s\"", name);
	if (p->type != want)
		return fail(c, s, base, "to", "port %s is not an %.3s port",
			    name, v);
	strcpy(rt->port_name, p->name);
	return 0;
bad:
	return fail(c, s, base, "to",
		    "\"%s\" must be fxo, fxo:NAME, fxs, fxs:NAME, trunk:NAME, "
		    "group:NAME, user:NAME, disa:NAME or sip:URI",
		    v);
}

/* `pattern` or `regex`: one way to match the number per route. */
static int load_route_match(struct ctx *c, const config_setting_t *e,
			    const char *base, struct gw_conf_route *rt,
			    bool has_prefix)
{
	config_setting_t *sp, *sr;
	char why[96];
	int r, err;
	PCRE2_SIZE off;

	r = get_str(c, e, base, "pattern", rt->pattern, sizeof(rt->pattern),
		    &sp);
	if (r < 0)
		return r;
	r = get_str(c, e, base, "regex", rt->regex, sizeof(rt->regex), &sr);
	if (r < 0)
		return r;
	if ((sp != NULL) + (sr != NULL) + has_prefix > 1)
		return fail(c, sp ? sp : sr, base, sp ? "pattern" : "regex",
			    "only one of prefix, pattern and regex per route");
	if (sp && gw_route_pattern_check(rt->pattern, why, sizeof(why)) < 0)
		return fail(c, sp, base, "pattern", "\"%s\": %s", rt->pattern,
			    why);
	if (!sr)
		return 0;
	rt->regex_code = pcre2_compile((PCRE2_SPTR)rt->regex,
				       PCRE2_ZERO_TERMINATED, PCRE2_ANCHORED,
				       &err, &off, NULL);
	if (!rt->regex_code) {
		PCRE2_UCHAR msg[96];

		pcre2_get_error_message(err, msg, sizeof(msg));
		return fail(c, sr, base, "regex", "\"%s\" at offset %zu: %s",
			    rt->regex, (size_t)off, (char *)msg);
	}
	return 0;
}

/* "mon", "mon-fri", "sat,sun", "fri-mon": a mask, bit 0 = Sunday. */
static int parse_days(const char *s, unsigned *mask)
{
	static const char names[] = "sunmontuewedthufrisat";
	char buf[32], *save, *tok;

	*mask = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int d[2], n = 0;
		char *part, *save2;

		for (part = strtok_r(tok, "-", &save2); part && n < 3;
		     part = strtok_r(NULL, "-", &save2), n++) {
			const char *hit;

			if (strlen(part) != 3 || !(hit = strstr(names, part)) ||
			    (hit - names) % 3 || n == 2)
				return -EINVAL;
			d[n] = (int)(hit - names) / 3;
		}
		if (n == 0)
			return -EINVAL;
		if (n == 1)
			d[1] = d[0];
		for (int i = d[0];; i = (i + 1) % 7) {
			*mask |= 1u << i;
			if (i == d[1])
				break;
		}
	}
	return *mask ? 0 : -EINVAL;
}

/* "HH:MM-HH:MM" (24:00 allowed as an end): minutes since midnight. */
static int parse_hours(const char *s, int *from, int *to)
{
	int h1, m1, h2, m2, n = 0;

	if (sscanf(s, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &n) != 4 ||
	    s[n] || h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 ||
	    (h2 == 24 && m2) || h1 < 0 || m1 < 0 || h2 < 0 || m2 < 0)
		return -EINVAL;
	*from = h1 * 60 + m1;
	*to = h2 * 60 + m2;
	return *from == *to ? -EINVAL : 0;
}

/* One date, "MM-DD" or "YYYY-MM-DD": MMDD or YYYYMMDD. */
static long parse_date(const char *s, size_t len, bool *years)
{
	int y = 0, m, d, n = 0;
	char buf[16];

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	*years = len > 5;
	if (*years ? sscanf(buf, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3
		   : sscanf(buf, "%2d-%2d%n", &m, &d, &n) != 2)
		return -1;
	if (buf[n] || m < 1 || m > 12 || d < 1 || d > 31 ||
	    (*years && y < 1970))
		return -1;
	return (long)y * 10000 + m * 100 + d;
}

/* "12-24", "12-24..12-26", "2026-12-24..2027-01-02": inclusive. */
static int parse_dates(const char *s, struct gw_conf_route *rt)
{
	const char *dots = strstr(s, "..");
	bool y1, y2;

	rt->date_from = parse_date(s, dots ? (size_t)(dots - s) : strlen(s),
				   &y1);
	rt->date_to = dots ? parse_date(dots + 2, strlen(dots + 2), &y2)
			   : rt->date_from;
	if (!dots)
		y2 = y1;
	if (rt->date_from < 0 || rt->date_to < 0 || y1 != y2 ||
	    (y1 && rt->date_to < rt->date_from))
		return -EINVAL;
	rt->date_years = y1;
	return 0;
}

/* days, hours, dates, timezone: when the route applies. */
static int load_route_time(struct ctx *c, const config_setting_t *e,
			   const char *base, struct gw_conf_route *rt)
{
	config_setting_t *s;
	char path[128];
	int r;

	rt->min_from = rt->min_to = -1;
	r = get_str(c, e, base, "days", rt->days, sizeof(rt->days), &s);
	if (r < 0)
		return r;
	if (s && parse_days(rt->days, &rt->day_mask) < 0)
		return fail(c, s, base, "days", "\"%s\" is not a list of days "
			    "or ranges (mon, mon-fri, sat,sun)", rt->days);
	r = get_str(c, e, base, "hours", rt->hours, sizeof(rt->hours), &s);
	if (r < 0)
		return r;
	if (s && parse_hours(rt->hours, &rt->min_from, &rt->min_to) < 0)
		return fail(c, s, base, "hours", "\"%s\" is not HH:MM-HH:MM",
			    rt->hours);
	r = get_str(c, e, base, "dates", rt->dates, sizeof(rt->dates), &s);
	if (r < 0)
		return r;
	if (s && parse_dates(rt->dates, rt) < 0)
		return fail(c, s, base, "dates", "\"%s\" is not MM-DD[..MM-DD] "
			    "or YYYY-MM-DD[..YYYY-MM-DD]", rt->dates);
	r = get_str(c, e, base, "timezone", rt->timezone,
		    sizeof(rt->timezone), &s);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", rt->timezone);
	if (s && (!rt->timezone[0] || strstr(rt->timezone, "..") ||
		  rt->timezone[0] == '/' || access(path, R_OK) < 0))
		return fail(c, s, base, "timezone", "unknown time zone \"%s\" "
			    "(an IANA name such as Europe/Berlin)",
			    rt->timezone);
	return 0;
}

/*
 * to = [ "user:a", "trunk:b", "fxo:p1" ]: the first target in rt, each
 * further one in an entry of its own after it (conf.h: chain), sharing
 * rt's regex and actions. Hunt groups are not list members (a group
 * hunts by itself; use failover between routes).
 */
static int load_route_chain(struct ctx *c, const config_setting_t *s,
			    const char *base, struct gw_conf_route *rt)
{
	struct gw_conf *conf = c->conf;
	int n = config_setting_length(s);
	int idx = (int)(rt - conf->routes);

	if (config_setting_is_group(s))
		return fail(c, s, base, "to", "must be a string or a list "
			    "of strings");
	if (n == 0)
		return fail(c, s, base, "to", "an empty list: give at least "
			    "one target");
	if (n > GW_CONF_MAX_CHAIN)
		return fail(c, s, base, "to", "%d targets: at most %d", n,
			    GW_CONF_MAX_CHAIN);
	if (idx + n > GW_CONF_MAX_ROUTES)
		return fail(c, s, base, "to", "too many routes: at most %d, "
			    "counting each target of a list",
			    GW_CONF_MAX_ROUTES);
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s, i);
		struct gw_conf_route *t = rt + i;
		int r;

		if (config_setting_type(el) != CONFIG_TYPE_STRING)
			return fail(c, el, base, "to", "entry %d is not a "
				    "string", i);
		if (i) {
			*t = *rt; /* shares regex_code and act: not owned */
			t->chain = i;
			t->chain_next = false;
			t->uri[0] = t->port_name[0] = 0;
			t->trunk = 0;
		}
		r = parse_to(c, el, base, t);
		if (r < 0) {
			if (i)
				memset(t, 0, sizeof(*t));
			return r;
		}
		if (gw_routeact_group(conf, t))
			return fail(c, el, base, "to", "a hunt group cannot be "
				    "in a list (use failover = true between "
				    "routes)");
		if (i)
			rt[i - 1].chain_next = true;
	}
	return n - 1; /* further entries */
}

static int load_route(struct ctx *c, const config_setting_t *e,
		      const char *base, struct gw_conf_route *rt)
{
	static const char *const froms[] = { "any", "sip", "fxs", "fxo", "disa",
						 NULL };
	config_setting_t *s;
	int r;

	if (!config_setting_is_group(e))
		return fail(c, e, base, NULL, "must be a group ({ ... })");
	r = check_keys(c, e, base, route_keys);
	if (r < 0)
		return r;
	rt->line = (int)config_setting_source_line(e);

	s = config_setting_get_member(e, "from");
	if (!s)
		return fail(c, e, base, "from", "required key is missing");
	r = get_enum(c, s, base, "from", froms);
	if (r < 0)
		return r;
	rt->from = (enum gw_conf_route_from)r; /* froms[] is in enum order */

	r = get_str(c, e, base, "prefix", rt->prefix, sizeof(rt->prefix), &s);
	if (r < 0)
		return r;
	if (s && !dial_chars(rt->prefix))
		return fail(c, s, base, "prefix",
			    "\"%s\" may only contain 0-9 * # +", rt->prefix);
	r = load_route_match(c, e, base, rt, s != NULL);
	if (r < 0)
		return r;
	r = load_route_time(c, e, base, rt);
	if (r < 0)
		return r;
	/* rewrite, caller ID, reject (gateway/routeact.c) */
	r = gw_routeact_conf_route((struct gw_conf_ctx *)c, e, base, rt);
	if (r < 0)
		return r;
	r = get_int(c, e, base, "strip", 0, MAX_STRIP, &rt->strip, &s);
	if (r < 0)
		return r;
	r = get_str(c, e, base, "prepend", rt->prepend, sizeof(rt->prepend),
		    &s);
	if (r < 0)
		return r;
	if (s && !dial_chars(rt->prepend))
		return fail(c, s, base, "prepend",
			    "\"%s\" may only contain 0-9 * # +", rt->prepend);
	r = get_bool(c, e, base, "allow_premium", &rt->allow_premium);
	if (r < 0)
		return r;

	s = config_setting_get_member(e, "to");
	if (gw_routeact_redirect(rt)) /* its URI is set (routeact.c) */
		return 0;
	if (!s && gw_routeact_reject(rt)) { /* refused: goes nowhere */
		rt->to = GW_ROUTE_TO_FXO;
		return 0;
	}
	if (!s)
		return fail(c, e, base, "to", "required key is missing");
	r = get_int(c, e, base, "ring_timeout_s", 5, 600, &rt->ring_timeout_s,
		    NULL);
	if (r < 0)
		return r;
	if (config_setting_is_aggregate(s))
		return load_route_chain(c, s, base, rt);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(c, s, base, "to", "must be a string or a list "
			    "of strings");
	return parse_to(c, s, base, rt);
}

static int load_routes(struct ctx *c, const config_setting_t *root)
{
	struct gw_conf *conf = c->conf;
	config_setting_t *list;
	int r, n;

	r = get_list(c, root, "routes", GW_CONF_MAX_ROUTES, &list);
	if (r < 0 || !list)
		return r;
	n = config_setting_length(list);
	for (int i = 0; i < n; i++) {
		char base[24];

		snprintf(base, sizeof(base), "routes.[%d]", i);
		r = load_route(c, config_setting_get_elem(list, i), base,
			       &conf->routes[conf->nroutes]);
		if (r < 0)
			return r;
		conf->nroutes += 1 + r; /* r: further targets (to = [...]) */
	}
	return 0;
}

static void set_defaults(struct gw_conf *conf)
{
	strcpy(conf->control_socket, "/run/copperline/copperctl.sock");
	strcpy(conf->log_level, "info");
	strcpy(conf->zone, "us");
	strcpy(conf->sip_host, "127.0.0.1");
	conf->sip_port = 5060;
	conf->srtp = GW_CONF_SRTP_OPTIONAL;
	conf->rtp_dscp = 46;
	conf->te_pt = 101;
	conf->dtmf_lookahead_ms = 5; /* gateway/media.h */
	conf->rtp_timeout_s = 30;
	conf->session_timer_s = 1800; /* RFC 4028 §4 recommended */
	conf->session_min_se_s = 90;  /* RFC 4028 §4 minimum */
	conf->jitter_delay_ms = GW_JBUF_DEFAULT_DELAY_MS;
	conf->jitter_min_ms = GW_JBUF_DEFAULT_MIN_MS;
	conf->jitter_max_ms = GW_JBUF_DEFAULT_MAX_MS;
	conf->codecs[0] = GW_CODEC_PCMU;
	conf->codecs[1] = GW_CODEC_PCMA;
	conf->codecs[2] = GW_CODEC_G722;
	conf->codecs[3] = GW_CODEC_OPUS;
	conf->ncodecs = 4;
	conf->rtp_port_min = 20000;
	conf->rtp_port_max = 20999;
}

static int load(struct ctx *c, config_t *cfg)
{
	const config_setting_t *root = config_root_setting(cfg);
	int r;

	r = check_keys(c, root, NULL, root_keys);
	if (r < 0)
		return r;
	r = load_general(c, root);
	if (r < 0)
		return r;
	r = load_card(c, root);
	if (r < 0)
		return r;
	r = load_sip(c, root);
	if (r < 0)
		return r;
	/* DISA before ports: a port's target may name one (disa.c) */
	r = gw_disa_conf_load((struct gw_conf_ctx *)c, root);
	if (r < 0)
		return r;
	/* ports before routes: routes may name ports */
	r = load_ports(c, root);
	if (r < 0)
		return r;
	/* trunks too (gateway/trunk.c) */
	r = gw_trunk_conf_load((struct gw_conf_ctx *)c, root);
	if (r < 0)
		return r;
	/* hunt groups (gateway/routeact.c) */
	r = gw_routeact_conf_groups((struct gw_conf_ctx *)c, root);
	if (r < 0)
		return r;
	return load_routes(c, root);
}

/* Read the file; on error write the message and return -errno. */
static int read_file(struct ctx *c, config_t *cfg)
{
	const char *slash, *file;
	struct stat st;
	FILE *f;
	int r;

	/* fopen first for an errno libconfig does not report */
	f = fopen(c->path, "r");
	if (!f)
		r = -errno;
	else if (fstat(fileno(f), &st) < 0)
		r = -errno;
	else
		r = S_ISDIR(st.st_mode) ? -EISDIR : 0;
	if (f)
		fclose(f);
	if (r < 0) {
		snprintf(c->err, c->errlen, "%s:0: file: %s", c->path,
			 strerror(-r));
		return r;
	}

	/* @include "x.conf" is relative to this file's folder */
	slash = strrchr(c->path, '/');
	if (slash) {
		/* with its '/': "/a/" + "/" + "b.conf" still opens */
		snprintf(c->incdir, sizeof(c->incdir), "%.*s",
			 (int)(slash + 1 - c->path), c->path);
		config_set_include_dir(cfg, c->incdir);
	}
	config_set_auto_convert(cfg, 0);
	if (config_read_file(cfg, c->path))
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
		snprintf(c->err, c->errlen, "%s:0: file: %s", c->path,
			 strerror(EIO));
		return -EIO;
	}
	file = config_error_file(cfg) ? config_error_file(cfg) : c->path;
	snprintf(c->err, c->errlen, "%s%s:%d: syntax: %s", incdir(c, file),
		 file, config_error_line(cfg),
		 config_error_text(cfg) ? config_error_text(cfg) : "error");
	return -EINVAL;
}

int gw_conf_load(struct gw_conf **ret, const char *path, char *err,
		 size_t errlen)
{
	char dummy[1];
	struct ctx c = { .path = path, .err = err, .errlen = errlen };
	config_t cfg;
	int r;

	if (!err || !errlen) {
		c.err = dummy;
		c.errlen = sizeof(dummy);
	}
	c.err[0] = '\0';
	if (!ret || !path)
		return -EINVAL;
	if (strlen(path) >= sizeof(c.conf->path)) {
		snprintf(c.err, c.errlen, "%s:0: file: path too long", path);
		return -ENAMETOOLONG;
	}
	c.conf = calloc(1, sizeof(*c.conf));
	if (!c.conf)
		return -ENOMEM;
	strcpy(c.conf->path, path);
	set_defaults(c.conf);
	c.conf->sec = gw_guard_conf_alloc(); /* gateway/guard.c */
	if (!c.conf->sec) {
		free(c.conf);
		return -ENOMEM;
	}

	config_init(&cfg);
	r = read_file(&c, &cfg);
	if (r == 0)
		r = load(&c, &cfg);
	if (r == 0)
		r = gw_guard_conf_finish(c.conf);
	config_destroy(&cfg);
	if (r < 0) {
		/* all of it: regexes and trunks read before the error too (a
		 * reload of a broken file must not leak them) */
		gw_conf_free(c.conf);
		return r;
	}
	*ret = c.conf;
	return 0;
}

void gw_conf_free(struct gw_conf *conf)
{
	if (!conf)
		return;
	for (int i = 0; i < GW_CONF_MAX_ROUTES; i++)
		if (!conf->routes[i].chain) /* a list's entries share it */
			pcre2_code_free(conf->routes[i].regex_code);
	gw_routeact_conf_free(conf);
	gw_trunk_conf_free(conf);
	gw_disa_conf_free(conf);
	gw_guard_conf_free(conf->sec);
	gw_transport_conf_free(conf->tp);
	free(conf);
}

const struct gw_conf_port *gw_conf_port_by_name(const struct gw_conf *conf,
						const char *name)
{
	if (!conf || !name)
		return NULL;
	for (int i = 0; i < conf->nports; i++)
		if (strcmp(conf->ports[i].name, name) == 0)
			return &conf->ports[i];
	return NULL;
}

const struct gw_conf_port *gw_conf_port_by_channel(const struct gw_conf *conf,
						   int channel)
{
	if (!conf)
		return NULL;
	for (int i = 0; i < conf->nports; i++)
		if (conf->ports[i].channel == channel)
			return &conf->ports[i];
	return NULL;
}

static bool net_match(const struct gw_conf_net *net, const uint8_t *addr)
{
	int full = net->prefix_len / 8, rest = net->prefix_len % 8;

	if (memcmp(net->addr, addr, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	return ((net->addr[full] ^ addr[full]) & (0xff00 >> rest)) == 0;
}

bool gw_conf_trusted(const struct gw_conf *conf, const struct sockaddr *sa)
{
	const uint8_t *addr;
	int family;

	if (!conf || !sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		addr = (const uint8_t *)&sin->sin_addr;
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
			&((const struct sockaddr_in6 *)sa)->sin6_addr;

		addr = a6->s6_addr;
		family = AF_INET6;
		if (v4mapped(addr)) {
			addr += 12;
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (int i = 0; i < conf->ntrusted; i++)
		if (conf->trusted[i].family == family &&
		    net_match(&conf->trusted[i], addr))
			return true;
	return false;
}

/* ---- key readers for sections parsed elsewhere (conf_int.h) ---- */

struct gw_conf *gw_conf_ctx_conf(struct gw_conf_ctx *c)
{
	return ((struct ctx *)c)->conf;
}

const char *gw_conf_ctx_dir(struct gw_conf_ctx *c)
{
	return ((struct ctx *)c)->incdir;
}

int gw_conf_fail(struct gw_conf_ctx *c, const config_setting_t *s,
		 const char *base, const char *name, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail((struct ctx *)c, s, base, name, "%s", msg);
}

int gw_conf_check_keys(struct gw_conf_ctx *c, const config_setting_t *grp,
		       const char *base, const char *const *allowed)
{
	return check_keys((struct ctx *)c, grp, base, allowed);
}

int gw_conf_get_str(struct gw_conf_ctx *c, const config_setting_t *grp,
		    const char *base, const char *name, char *dst,
		    size_t size, config_setting_t **out)
{
	return get_str((struct ctx *)c, grp, base, name, dst, size, out);
}

int gw_conf_get_int(struct gw_conf_ctx *c, const config_setting_t *grp,
		    const char *base, const char *name, int min, int max,
		    int *dst, config_setting_t **out)
{
	return get_int((struct ctx *)c, grp, base, name, min, max, dst, out);
}

int gw_conf_get_bool(struct gw_conf_ctx *c, const config_setting_t *grp,
		     const char *base, const char *name, bool *dst)
{
	return get_bool((struct ctx *)c, grp, base, name, dst);
}

int gw_conf_get_list(struct gw_conf_ctx *c, const config_setting_t *root,
		     const char *name, int max, config_setting_t **out)
{
	return get_list((struct ctx *)c, root, name, max, out);
}

int gw_conf_named_entry(struct gw_conf_ctx *c, const config_setting_t *e,
			const char *base, const char *const *allowed,
			char *name, size_t size, config_setting_t **out)
{
	int r;

	if (!config_setting_is_group(e))
		return gw_conf_fail(c, e, base, NULL,
				    "must be a group ({ ... })");
	r = gw_conf_check_keys(c, e, base, allowed);
	if (r < 0)
		return r;
	r = gw_conf_get_str(c, e, base, "name", name, size, out);
	if (r < 0)
		return r;
	if (!*out)
		return gw_conf_fail(c, e, base, "name",
				    "required key is missing");
	return 0;
}

int gw_conf_name_unique(struct gw_conf_ctx *c, const config_setting_t *s,
			const char *base, const char *name, const char *first,
			size_t stride, int n, const char *what,
			const char *verb)
{
	for (int i = 0; i < n; i++)
		if (strcmp(first + (size_t)i * stride, name) == 0)
			return gw_conf_fail(c, s, base, "name",
					    "%s \"%s\" is %s twice", what,
					    name, verb);
	return 0;
}

bool gw_conf_user_target_ok(const char *s)
{
	return strncmp(s, "user:", 5) == 0 && s[5] &&
	       strspn(s + 5, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+") ==
		       strlen(s + 5);
}

bool gw_conf_uri_ok(const char *s)
{
	return uri_ok(s);
}
