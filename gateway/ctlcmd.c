// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctlcmd: ports, calls, hangup, log, trace and JSON replies for the
 * control socket (ctlcmd.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sofia-sip/tport_tag.h>

#include "config.h"
#include "gateway/call.h"
#include "gateway/ctlcmd.h"
#include "gateway/cw.h"
#include "gateway/guard.h"
#include "gateway/line.h"
#include "gateway/log.h"
#include "gateway/strbuf.h"

static const char *call_state(const struct gw_call *c)
{
	if (c->sip_ending)
		return "ending";
	if (c->line && gw_disa_active(c->line))
		return "disa"; /* PIN or number, or calling it (disa.h) */
	if (c->sip_answered)
		return "talking";
	return "setup";
}

#define RELAXED(x) atomic_load_explicit(&(x), memory_order_relaxed)

static const char *codec_name(const struct gw_call *c)
{
	return gw_codec_desc((enum gw_codec_id)c->remote.codec)->name;
}

void gw_ctlcmd_ports_text(struct gw_app *app, char *buf, size_t size,
			  size_t *len)
{
	for (int i = 0; i < app->nlines; i++) {
		struct gw_line *l = &app->lines[i];

		gw_strbuf_add(buf, size, len, "port %s chan=%d type=%s state=%s",
			      l->conf->name, l->chan,
			      l->type == GW_CONF_PORT_FXS ? "fxs" : "fxo",
			      gw_line_state_name(l->state));
		if (l->call)
			gw_strbuf_add(buf, size, len, " call=%u", l->call->id);
		else
			gw_strbuf_add(buf, size, len, " call=-");
		if (l->conf->extension[0])
			gw_strbuf_add(buf, size, len, " extension=%s",
				      l->conf->extension);
		gw_strbuf_add(buf, size, len, "\n");
	}
}

void gw_ctlcmd_calls_text(struct gw_app *app, char *buf, size_t size,
			  size_t *len)
{
	for (struct gw_call *c = app->calls; c; c = c->next) {
		struct gw_rtp_session *s = c->rtp;

		gw_strbuf_add(buf, size, len,
			      "call %u dir=%s port=%s number=%s peer=%s state=%s duration=%lds",
			      c->id, gw_call_dir_name(c->dir),
			      c->line ? c->line->conf->name : "-",
			      c->number[0] ? c->number : "-",
			      c->peer[0] ? c->peer : "-", call_state(c),
			      (long)(time(NULL) - c->start));
		if (s) {
			gw_strbuf_add(buf, size, len, " rtp=%d", s->local_port);
			if (c->have_remote)
				gw_strbuf_add(buf, size, len,
					      " remote=%s:%d codec=%s",
					      c->remote.addr, c->remote.port,
					      codec_name(c));
			gw_strbuf_add(buf, size, len,
				      " tx=%llu rx=%llu foreign=%llu",
				      (unsigned long long)RELAXED(s->tx_packets),
				      (unsigned long long)RELAXED(s->rx_packets),
				      (unsigned long long)RELAXED(s->rx_foreign));
			gw_strbuf_add(buf, size, len,
				      " loss=%.2f%% jitter=%.1fms rtt=%.0fms mos=%.2f rtcp=%llu/%llu",
				      RELAXED(s->q_loss_ppm) / 10000.0,
				      RELAXED(s->q_jitter_us) / 1000.0,
				      RELAXED(s->q_rtt_us) / 1000.0,
				      RELAXED(s->q_mos_x100) / 100.0,
				      (unsigned long long)RELAXED(s->rtcp_tx),
				      (unsigned long long)RELAXED(s->rtcp_rx));
			if (c->srtp_on && s->srtp) {
				struct gw_srtp_stats ss;

				gw_srtp_get_stats(s->srtp, &ss);
				gw_strbuf_add(buf, size, len,
					      " srtp=%s srtp_auth_fail=%llu srtp_replay=%llu",
					      gw_srtp_suite_name(c->srtp_suite),
					      (unsigned long long)ss.auth_fail,
					      (unsigned long long)ss.replay);
			} else {
				gw_strbuf_add(buf, size, len, " srtp=-");
			}
		}
		if (c->callid[0])
			gw_strbuf_add(buf, size, len, " callid=%s", c->callid);
		gw_strbuf_add(buf, size, len, "\n");
	}
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

#define SET(o, k, v) json_object_set_new(o, k, v)

static json_t *ports_json(struct gw_app *app)
{
	json_t *a = json_array();

	for (int i = 0; i < app->nlines; i++) {
		struct gw_line *l = &app->lines[i];
		json_t *o = json_object();

		SET(o, "name", json_string(l->conf->name));
		SET(o, "chan", json_integer(l->chan));
		SET(o, "type", json_string(l->type == GW_CONF_PORT_FXS ? "fxs" :
									 "fxo"));
		SET(o, "state", json_string(gw_line_state_name(l->state)));
		SET(o, "call", l->call ? json_integer(l->call->id) :
					 json_null());
		SET(o, "extension", str_or_null(l->conf->extension));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *media_json(struct gw_call *c, struct gw_rtp_session *s)
{
	json_t *m = json_object();

	SET(m, "rtp_port", json_integer(s->local_port));
	if (c->have_remote) {
		SET(m, "remote", json_string(c->remote.addr));
		SET(m, "remote_port", json_integer(c->remote.port));
		SET(m, "codec", json_string(codec_name(c)));
	} else {
		SET(m, "remote", json_null());
		SET(m, "remote_port", json_null());
		SET(m, "codec", json_null());
	}
	SET(m, "tx_packets", json_integer((json_int_t)RELAXED(s->tx_packets)));
	SET(m, "rx_packets", json_integer((json_int_t)RELAXED(s->rx_packets)));
	SET(m, "rx_foreign", json_integer((json_int_t)RELAXED(s->rx_foreign)));
	SET(m, "loss_pct", json_real(RELAXED(s->q_loss_ppm) / 10000.0));
	SET(m, "jitter_ms", json_real(RELAXED(s->q_jitter_us) / 1000.0));
	SET(m, "rtt_ms", json_real(RELAXED(s->q_rtt_us) / 1000.0));
	SET(m, "mos", json_real(RELAXED(s->q_mos_x100) / 100.0));
	SET(m, "rtcp_tx", json_integer((json_int_t)RELAXED(s->rtcp_tx)));
	SET(m, "rtcp_rx", json_integer((json_int_t)RELAXED(s->rtcp_rx)));
	if (c->srtp_on && s->srtp) {
		struct gw_srtp_stats ss;
		json_t *o = json_object();

		gw_srtp_get_stats(s->srtp, &ss);
		SET(o, "suite", json_string(gw_srtp_suite_name(c->srtp_suite)));
		SET(o, "auth_fail", json_integer((json_int_t)ss.auth_fail));
		SET(o, "replay", json_integer((json_int_t)ss.replay));
		SET(m, "srtp", o);
	} else {
		SET(m, "srtp", json_null());
	}
	return m;
}

static json_t *call_json(struct gw_call *c)
{
	json_t *o = json_object();

	SET(o, "id", json_integer(c->id));
	SET(o, "dir", json_string(gw_call_dir_name(c->dir)));
	SET(o, "port", c->line ? json_string(c->line->conf->name) :
				 json_null());
	SET(o, "number", str_or_null(c->number));
	SET(o, "caller", str_or_null(c->caller));
	SET(o, "peer", str_or_null(c->peer));
	SET(o, "state", json_string(call_state(c)));
	SET(o, "duration_s", json_integer((json_int_t)(time(NULL) - c->start)));
	SET(o, "callid", str_or_null(c->callid));
	SET(o, "media", c->rtp ? media_json(c, c->rtp) : json_null());
	return o;
}

static json_t *calls_json(struct gw_app *app)
{
	json_t *a = json_array();

	for (struct gw_call *c = app->calls; c; c = c->next)
		json_array_append_new(a, call_json(c));
	return a;
}

/* A value from "k=v": a number when it is all number, else a string. */
static json_t *scalar(const char *v)
{
	char *end;
	long long i;
	double d;

	if (!v[0])
		return json_string(v);
	errno = 0;
	i = strtoll(v, &end, 10);
	if (!*end && !errno)
		return json_integer(i);
	d = strtod(v, &end);
	if (!*end && !errno && strspn(v, "+-0123456789.eE") == strlen(v))
		return json_real(d);
	return json_string(v);
}

/*
 * One line "KIND [NAME] k=v k=\"v w\" ..." into root (ctlcmd.h); false
 * when it has no k=v pair.
 */
static bool line_to_json(json_t *root, const char *line)
{
	char kind[64], name[256] = "", key[64], val[512], plural[72];
	const char *p = line;
	json_t *obj = json_object(), *arr;
	int n = 0;

	if (sscanf(p, "%63s%n", kind, &n) != 1 || strchr(kind, '=') ||
	    strchr(kind, ':'))
		goto no;
	p += n;
	p += strspn(p, " ");
	if (*p && !memchr(p, '=', strcspn(p, " ")) &&
	    sscanf(p, "%255s%n", name, &n) == 1)
		p += n;
	for (p += strspn(p, " "); *p; p += strspn(p, " ")) {
		size_t k = strcspn(p, "= "), vl;

		if (p[k] != '=' || k == 0 || k >= sizeof(key))
			goto no;
		memcpy(key, p, k);
		key[k] = 0;
		p += k + 1;
		if (*p == '"') {
			const char *q = strchr(p + 1, '"');

			if (!q)
				goto no;
			vl = (size_t)(q - p - 1);
			if (vl >= sizeof(val))
				vl = sizeof(val) - 1;
			memcpy(val, p + 1, vl);
			p = q + 1;
		} else {
			vl = strcspn(p, " ");
			if (vl >= sizeof(val))
				vl = sizeof(val) - 1;
			memcpy(val, p, vl);
			p += strcspn(p, " ");
		}
		val[vl] = 0;
		json_object_set_new(obj, key, strcmp(val, "-") ? scalar(val) :
								json_null());
	}
	if (!json_object_size(obj))
		goto no;
	if (!name[0]) {
		json_object_set_new(root, kind, obj);
		return true;
	}
	json_object_set_new(obj, "name", json_string(name));
	snprintf(plural, sizeof(plural), "%ss", kind);
	arr = json_object_get(root, plural);
	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(root, plural, arr);
	}
	json_array_append_new(arr, obj);
	return true;
no:
	json_decref(obj);
	return false;
}

/* Write root (with "ok" and "error" set) and the status line. */
static void json_out(json_t *root, char *buf, size_t size, size_t *len)
{
	json_t *ok = json_object_get(root, "ok");
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_ENSURE_ASCII);

	if (text && strlen(text) + 16 < size - *len)
		gw_strbuf_add(buf, size, len, "%s\n%s\n", text,
			      json_is_true(ok) ? "ok" : "error");
	else
		gw_strbuf_add(buf, size, len,
			      "{\"ok\": false, \"error\": \"reply too long\"}\n"
			      "error\n");
	free(text);
	json_decref(root);
}

void gw_ctlcmd_text_to_json(char *buf, size_t size, size_t *len,
			    const char *array)
{
	json_t *root = json_object(), *lines = json_array();
	char *text = strndup(buf, *len), *line, *save = NULL;
	bool ok = false;

	json_object_set_new(root, "ok", json_false());
	if (array)
		json_object_set_new(root, array, json_array());
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "ok") == 0)
			ok = true;
		else if (strncmp(line, "error: ", 7) == 0)
			json_object_set_new(root, "error",
					    json_string(line + 7));
		else if (!line_to_json(root, line))
			json_array_append_new(lines, json_string(line));
	}
	free(text);
	json_object_set_new(root, "ok", json_boolean(ok));
	json_object_set_new(root, "lines", lines);
	*len = 0;
	buf[0] = 0;
	json_out(root, buf, size, len);
}

static void status_json(struct gw_app *app, double media_cpu, char *buf,
			size_t size, size_t *len)
{
	struct gw_media_stats st;
	json_t *root;
	int ncalls = 0;

	for (struct gw_call *c = app->calls; c; c = c->next)
		ncalls++;
	gw_media_stats_get(app->media, &st);
	root = json_pack("{s:b, s:s, s:I, s:s, s:i, s:i, s:I}", "ok", 1,
		"version", PACKAGE_VERSION,
		"uptime_s", (json_int_t)(time(NULL) - app->started),
		"card", app->hw->name, "nports", app->nlines,
		"calls_in_progress", ncalls,
		"calls_total", (json_int_t)app->calls_total);
	json_object_set_new(root, "media", json_pack(
		"{s:I, s:I, s:f, s:I, s:i, s:b, s:b, s:I, s:i}",
		"ticks", (json_int_t)st.ticks,
		"late_ticks", (json_int_t)st.late_ticks,
		"cpu_pct", media_cpu,
		"busy_max_us", (json_int_t)(st.busy_ns_max / 1000),
		"bridged", st.active_chans, "realtime", (int)st.realtime,
		"mlocked", (int)st.mlocked,
		"ring_overflows", (json_int_t)st.ring_overflows,
		"threads", st.threads));
	if (app->guard) {
		char sec[512];

		gw_guard_format(app->guard, sec, sizeof(sec));
		sec[strcspn(sec, "\n")] = 0;
		line_to_json(root, sec); /* "security k=v ...": an object */
	}
	json_object_set_new(root, "log_level",
			    json_string(gw_log_level_name(gw_log_get_level())));
	json_object_set_new(root, "trace", json_boolean(gw_log_get_trace()));
	json_object_set_new(root, "ports", ports_json(app));
	json_object_set_new(root, "calls", calls_json(app));
	json_out(root, buf, size, len);
}

/* ---- commands ---- */

struct reply {
	bool json;
	json_t *root; /* json: the reply object */
	char *buf;
	size_t size, *len;
};

__attribute__((format(printf, 2, 3))) static void fail(struct reply *r,
						       const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->json) {
		json_object_set_new(r->root, "ok", json_false());
		json_object_set_new(r->root, "error", json_string(msg));
	} else {
		gw_strbuf_add(r->buf, r->size, r->len, "error: %s\n", msg);
	}
}

/* The call named by arg: its number, its SIP Call-ID or its port's. */
static struct gw_call *find_call(struct gw_app *app, const char *arg)
{
	char *end;
	unsigned long id = strtoul(arg, &end, 10);

	for (int i = 0; i < app->nlines; i++)
		if (strcmp(app->lines[i].conf->name, arg) == 0)
			return app->lines[i].call;
	for (struct gw_call *c = app->calls; c; c = c->next)
		if ((!*end && end != arg && c->id == id) ||
		    (c->callid[0] && strcmp(c->callid, arg) == 0))
			return c;
	return NULL;
}

static void hangup(struct gw_app *app, struct reply *r, const char *arg)
{
	struct gw_call *c;
	unsigned id;

	if (!arg[0]) {
		fail(r, "usage: hangup CALL|CALL-ID|PORT");
		return;
	}
	c = find_call(app, arg);
	if (!c) {
		fail(r, "no call '%s' (see copperctl calls)", arg);
		return;
	}
	id = c->id;
	gw_log(GW_LOG_NOTICE, "ctl", "copperctl: hang up call %u%s%s", id,
	       c->callid[0] ? " " : "", c->callid);
	/*
	 * The line first, as when the SIP side ends (gw_call_sip_ended()):
	 * back to idle or the after-call tones, unless call waiting keeps
	 * the port for its other call ...
	 */
	if (c->line && !gw_cw_call_gone(c))
		gw_line_remote_gone(c->line, false);
	/* ... then the SIP side: BYE, CANCEL or 487; may free c */
	gw_call_line_gone(c, 0, "hung up by copperctl");
	if (r->json)
		json_object_set_new(r->root, "hungup", json_integer(id));
	else
		gw_strbuf_add(r->buf, r->size, r->len, "call %u: hung up\nok\n",
			      id);
}

static void log_show(struct reply *r)
{
	json_t *subs = json_object();
	char name[GW_LOG_SUBSYS_LEN + 1];
	int global = gw_log_get_level(), level;

	if (!r->json)
		gw_strbuf_add(r->buf, r->size, r->len,
			      "log level=%s trace=%s\n",
			      gw_log_level_name(global),
			      gw_log_get_trace() ? "on" : "off");
	for (int i = 0; gw_log_subsys_get(i, name, sizeof(name), &level) == 0;
	     i++) {
		int eff = level == GW_LOG_DEFAULT ? global : level;

		if (r->json)
			json_object_set_new(subs, name, json_pack("{s:s, s:b}",
				"level", gw_log_level_name(eff),
				"override", level != GW_LOG_DEFAULT));
		else
			gw_strbuf_add(r->buf, r->size, r->len,
				      "subsys %s level=%s%s\n", name,
				      gw_log_level_name(eff),
				      level == GW_LOG_DEFAULT ? "" :
								" override=yes");
	}
	if (r->json) {
		json_object_set_new(r->root, "level",
				    json_string(gw_log_level_name(global)));
		json_object_set_new(r->root, "trace",
				    json_boolean(gw_log_get_trace()));
		json_object_set_new(r->root, "subsystems", subs);
	} else {
		json_decref(subs);
		gw_strbuf_add(r->buf, r->size, r->len, "ok\n");
	}
}

/* "log", "log LEVEL", "log default", "log SUBSYS LEVEL|default" */
static void log_cmd(struct reply *r, const char *args)
{
	char a[32] = "", b[32] = "", extra[2];
	int n = sscanf(args, "%31s %31s %1s", a, b, extra), level;

	if (n == 1 && strcmp(a, "default") == 0) {
		gw_log_clear_subsys_levels();
		gw_log(GW_LOG_NOTICE, "ctl",
		       "copperctl: every subsystem at the global level");
	} else if (n == 1) {
		level = gw_log_level_parse(a);
		if (level < 0) {
			fail(r, "'%s' is not a level (error, warning, notice, "
				"info, debug) or 'default'", a);
			return;
		}
		gw_log_set_level((enum gw_log_level)level);
		gw_log(GW_LOG_NOTICE, "ctl", "copperctl: log level %s", a);
	} else if (n == 2) {
		int e;

		level = strcmp(b, "default") == 0 ? GW_LOG_DEFAULT :
						    gw_log_level_parse(b);
		if (level < GW_LOG_DEFAULT) {
			fail(r, "'%s' is not a level (error, warning, notice, "
				"info, debug) or 'default'", b);
			return;
		}
		if (!gw_log_subsys_ok(a)) {
			fail(r, "'%s' is not a subsystem name (a-z 0-9 _ -, at "
				"most %d)", a, GW_LOG_SUBSYS_LEN);
			return;
		}
		e = gw_log_set_subsys_level(a, level);
		if (e < 0) {
			fail(r, "subsystem %s: %s", a, strerror(-e));
			return;
		}
		gw_log(GW_LOG_NOTICE, "ctl", "copperctl: log level of %s: %s",
		       a, b);
	} else if (n > 2) {
		fail(r, "usage: log [LEVEL | SUBSYS LEVEL|default | default]");
		return;
	}
	log_show(r);
}

static void trace_cmd(struct gw_app *app, struct reply *r, const char *arg)
{
	bool on;

	if (!arg[0]) {
		on = gw_log_get_trace();
	} else if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0) {
		on = arg[1] == 'n';
		/* tport's message dump: nua -> nta -> tport_set_params() */
		if (app->nua)
			nua_set_params(app->nua, TPTAG_LOG(on), TAG_END());
		gw_log_set_trace(on);
		gw_log(GW_LOG_NOTICE, "ctl", "copperctl: SIP trace %s", arg);
	} else {
		fail(r, "usage: trace [on|off]");
		return;
	}
	if (r->json)
		json_object_set_new(r->root, "trace", json_boolean(on));
	else
		gw_strbuf_add(r->buf, r->size, r->len, "trace %s\nok\n",
			      on ? "on" : "off");
}

static bool word(const char *req, const char *w, const char **args)
{
	size_t n = strlen(w);

	if (strncmp(req, w, n) || (req[n] && req[n] != ' '))
		return false;
	*args = req + n + strspn(req + n, " ");
	return true;
}

bool gw_ctlcmd_request(struct gw_app *app, const char *req, bool json,
		       double media_cpu, char *buf, size_t size, size_t *len)
{
	struct reply r = { .json = json, .buf = buf, .size = size, .len = len };
	const char *args;

	if (strcmp(req, "status") == 0) {
		if (!json)
			return false; /* ctl.c */
		status_json(app, media_cpu, buf, size, len);
		return true;
	}
	if (json)
		r.root = json_pack("{s:b}", "ok", 1);
	if (strcmp(req, "ports") == 0) {
		if (json)
			json_object_set_new(r.root, "ports", ports_json(app));
		else {
			gw_ctlcmd_ports_text(app, buf, size, len);
			gw_strbuf_add(buf, size, len, "ok\n");
		}
	} else if (strcmp(req, "calls") == 0) {
		if (json)
			json_object_set_new(r.root, "calls", calls_json(app));
		else {
			gw_ctlcmd_calls_text(app, buf, size, len);
			gw_strbuf_add(buf, size, len, "ok\n");
		}
	} else if (word(req, "hangup", &args)) {
		hangup(app, &r, args);
	} else if (word(req, "log", &args)) {
		log_cmd(&r, args);
	} else if (word(req, "trace", &args)) {
		trace_cmd(app, &r, args);
	} else {
		json_decref(r.root);
		return false;
	}
	if (json)
		json_out(r.root, buf, size, len);
	return true;
}
