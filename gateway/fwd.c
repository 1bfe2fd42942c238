// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fwd: call forwarding (gateway/fwd.h): its configuration keys and the
 * Diversion / History-Info wire formats. The call side is fwdcall.c
 * (kept apart so that the config loader and its tests do not pull in
 * the call and line code).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/conf.h"
#include "gateway/conf_int.h"
#include "gateway/fwd.h"


static const char *const reason_names[] = { "unconditional", "user-busy",
					    "no-answer" };
static const int reason_causes[] = { 302, 486, 408 }; /* RFC 4458 */

const char *gw_fwd_reason_name(enum gw_fwd_reason why)
{
	return (size_t)why < 3 ? reason_names[why] : "unknown";
}

/* ---- configuration ---- */

static bool number_ok(const char *s)
{
	return *s && strspn(s, "0123456789*#+") == strlen(s);
}

int gw_fwd_conf_port(struct gw_conf_ctx *c, const config_setting_t *e,
		     const char *base, struct gw_conf_port *p)
{
	static const char *const keys[] = { "forward_always", "forward_busy",
					    "forward_noanswer" };
	char *dst[] = { p->fwd.always, p->fwd.busy, p->fwd.noanswer };
	config_setting_t *s;
	int r;

	p->fwd.noanswer_s = 20;
	for (int i = 0; i < 3; i++) {
		r = gw_conf_get_str(c, e, base, keys[i], dst[i],
				    sizeof(p->fwd.always), &s);
		if (r < 0)
			return r;
		if (s && !number_ok(dst[i]))
			return gw_conf_fail(c, s, base, keys[i],
					    "\"%s\" must be a number (0-9 * "
					    "# +)", dst[i]);
		if (s && p->extension[0] && !strcmp(dst[i], p->extension))
			return gw_conf_fail(c, s, base, keys[i],
					    "forwards the port to its own "
					    "extension %s", dst[i]);
	}
	r = gw_conf_get_int(c, e, base, "forward_noanswer_s", 5, 300,
			    &p->fwd.noanswer_s, &s);
	if (r < 0)
		return r;
	if (s && !p->fwd.noanswer[0])
		return gw_conf_fail(c, s, base, "forward_noanswer_s",
				    "needs forward_noanswer");
	return 0;
}

int gw_fwd_conf_sip(struct gw_conf_ctx *c, const config_setting_t *sip)
{
	static const char *const modes[] = { "diversion", "history-info",
					     "both", "none" };
	struct gw_conf *conf = gw_conf_ctx_conf(c);
	config_setting_t *s;
	char v[16];
	int r;

	conf->fwd_header = GW_FWD_HDR_DIVERSION;
	r = gw_conf_get_str(c, sip, "sip", "forward_header", v, sizeof(v),
			    &s);
	if (r < 0 || !s)
		return r;
	for (int i = 0; i < 4; i++)
		if (!strcmp(v, modes[i])) {
			conf->fwd_header = i;
			return 0;
		}
	return gw_conf_fail(c, s, "sip", "forward_header",
			    "must be \"diversion\", \"history-info\", \"both\""
			    " or \"none\"");
}

/* ---- wire formats ---- */

int gw_fwd_headers(char *buf, size_t size, enum gw_fwd_header mode,
		   const char *user, const char *host,
		   enum gw_fwd_reason why, int counter, const char *received,
		   const char *target)
{
	int n = 0, k;

	buf[0] = 0;
	if (mode == GW_FWD_HDR_DIVERSION || mode == GW_FWD_HDR_BOTH) {
		k = snprintf(buf, size, "Diversion: <sip:%s@%s>;reason=%s;"
			     "counter=%d%s%s", user, host,
			     gw_fwd_reason_name(why), counter,
			     received && *received ? "\r\n" : "",
			     received ? received : "");
		if (k < 0 || (size_t)k >= size)
			return -ENAMETOOLONG;
		n = k;
	}
	if (mode == GW_FWD_HDR_HISTORY || mode == GW_FWD_HDR_BOTH) {
		const char *t = target;
		const char *lt = strchr(t, '<');

		/* RFC 7044 §4: the diverting URI with its Reason, then the
		 * target with the RFC 4458 cause, mp: it was retargeted */
		k = snprintf(buf + n, size - (size_t)n,
			     "%sHistory-Info: <sip:%s@%s?Reason=SIP%%3Bcause"
			     "%%3D%d>;index=1,<%s;cause=%d>;index=1.1;mp=1",
			     n ? "\r\n" : "", user, host, reason_causes[why],
			     lt ? lt + 1 : t, reason_causes[why]);
		if (k < 0 || (size_t)k >= size - (size_t)n)
			return -ENAMETOOLONG;
		n += k;
	}
	return n;
}

/* Next comma-separated entry (commas in <> or "" do not count). */
static const char *next_entry(const char *s, const char **end)
{
	bool q = false;
	int lt = 0;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return NULL;
	for (*end = s; **end; (*end)++) {
		char ch = **end;

		if (ch == '"')
			q = !q;
		else if (!q && ch == '<')
			lt++;
		else if (!q && ch == '>' && lt)
			lt--;
		else if (!q && !lt && ch == ',')
			break;
	}
	return s;
}

int gw_fwd_parse(const char *value, bool history, int *hops, char *user,
		 size_t usize)
{
	const char *e, *end;
	int n = 0;

	*hops = 0;
	if (usize)
		user[0] = 0;
	for (e = next_entry(value, &end); e; e = next_entry(end, &end)) {
		const char *u = strstr(e, "sip:"), *at, *cnt;
		size_t len = (size_t)(end - e);

		n++;
		if (u && u < end && usize && !user[0]) {
			u += 4;
			at = u;
			while (at < end && *at != '@' && *at != '>' &&
			       *at != ';')
				at++;
			if (at < end && *at == '@' && (size_t)(at - u) < usize) {
				memcpy(user, u, (size_t)(at - u));
				user[at - u] = 0;
			}
		}
		if (history)
			continue;
		cnt = NULL;
		for (const char *p = e; p + 8 <= e + len; p++)
			if (!strncasecmp(p, "counter=", 8)) {
				cnt = p + 8;
				break;
			}
		if (cnt) {
			int v = atoi(cnt);

			if (v > *hops)
				*hops = v > 100 ? 100 : v;
		}
	}
	if (history)
		*hops = n > 1 ? n - 1 : 0;
	else if (*hops < n)
		*hops = n;
	return n;
}

bool gw_fwd_names(const char *value, const char *user)
{
	char pat[48];

	if (!user[0])
		return false;
	snprintf(pat, sizeof(pat), "sip:%s@", user);
	return strstr(value, pat) != NULL;
}

