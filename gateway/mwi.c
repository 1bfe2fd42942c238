// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mwi: message waiting on FXS ports (gateway/mwi.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_tagarg.h>

#include "gateway/line_int.h"
#include "gateway/mwi.h"

/* A lamp update sent this recently may have been cut off by ringing. */
#define MWI_TX_MS 3000

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/*
 * Send the lamp state if it is behind and the phone can take it now
 * (idle: the line is going idle, its state not yet set).
 */
static void lamp(struct gw_line *l, bool idle)
{
	struct gw_fxs *f = &l->fxs;
	int want = f->mwi ? 1 : -1;
	struct gw_media_cmd c = { .type = GW_MEDIA_CMD_CID_TX };
	enum gw_conf_callerid std = l->conf->callerid;

	if (!f->mwi_lamp && !f->mwi)
		return; /* never set: leave the lamp alone */
	if (f->mwi_lamp == want || (!idle && l->state != GW_LINE_IDLE) ||
	    l->offhook)
		return;
	f->mwi_lamp = want;
	switch (std) {
	case GW_CONF_CID_BELL:
	case GW_CONF_CID_BELL_SDMF:
		break;
	case GW_CONF_CID_ETSI:
	case GW_CONF_CID_ETSI_DTAS:
	case GW_CONF_CID_ETSI_RP:
	case GW_CONF_CID_ETSI_LR:
		c.cid.dtas = true; /* EN 300 659-1: alert, then the data */
		break;
	default:
		LOG(l, GW_LOG_DEBUG,
		    "no visual message waiting with caller ID \"%s\"",
		    gw_conf_callerid_names[std]);
		return;
	}
	c.cid.msg.mwi = (int8_t)want;
	gw_line_cmd(l, c);
	clock_gettime(CLOCK_MONOTONIC, &f->mwi_sent_at);
	LOG(l, GW_LOG_INFO, "message waiting lamp %s (%s FSK)",
	    want > 0 ? "on" : "off", gw_conf_callerid_names[std]);
}

void gw_mwi_set(struct gw_line *l, bool on, int new_msgs, int old_msgs,
		const char *by)
{
	struct gw_fxs *f = &l->fxs;
	char counts[48] = "";

	if (new_msgs >= 0)
		snprintf(counts, sizeof(counts), " (%d new, %d old)",
			 new_msgs, old_msgs);
	LOG(l, GW_LOG_INFO, "message waiting %s%s, from %s", on ? "on" : "off",
	    counts, by);
	f->mwi = on;
	f->mwi_new = new_msgs;
	f->mwi_old = old_msgs;
	if (!f->mwi_lamp && !on)
		f->mwi_lamp = 1; /* an explicit off: make sure the lamp is */
	lamp(l, false);
}

void gw_mwi_line_idle(struct gw_line *l)
{
	lamp(l, true);
}

void gw_mwi_line_busy(struct gw_line *l)
{
	struct gw_fxs *f = &l->fxs;

	if (f->mwi_lamp && ms_since(&f->mwi_sent_at) < MWI_TX_MS)
		f->mwi_lamp = -(f->mwi ? 1 : -1); /* send again when idle */
}

/* ---- SIP (RFC 3842) ---- */

static struct gw_line *fxs_by_extension(struct gw_app *app, const char *ext)
{
	for (int i = 0; i < app->nlines; i++) {
		struct gw_line *l = &app->lines[i];

		if (l->type == GW_CONF_PORT_FXS && l->conf->extension[0] &&
		    strcmp(l->conf->extension, ext) == 0)
			return l;
	}
	return NULL;
}

/* "Name:" at the start of a line of the body: the value, else NULL. */
static const char *header(const char *body, size_t len, const char *name,
			  char *val, size_t vlen)
{
	size_t nlen = strlen(name);
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;

		if ((size_t)(le - p) > nlen &&
		    strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			size_t n;

			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			n = (size_t)(le - v);
			while (n && isspace((unsigned char)v[n - 1]))
				n--;
			if (n >= vlen)
				n = vlen - 1;
			memcpy(val, v, n);
			val[n] = 0;
			return val;
		}
		p = eol ? eol + 1 : end;
	}
	return NULL;
}

static void respond(nua_t *nua, nua_handle_t *nh, int status,
		    const char *phrase)
{
	nua_respond(nh, status, phrase, NUTAG_WITH_THIS(nua), TAG_END());
	nua_handle_destroy(nh);
}

void gw_mwi_sip_notify(struct gw_app *app, nua_t *nua, nua_handle_t *nh,
		       const sip_t *sip)
{
	msg_t *msg = nua_current_request(nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;
	char src[80] = "?", val[64], by[128];
	const char *user = NULL, *body;
	struct gw_line *l;
	int nnew = -1, nold = -1;
	size_t blen;
	bool on;

	if (!sip)
		return;
	if (ai && ai->ai_addr) {
		const struct sockaddr *sa = ai->ai_addr;
		const void *a;

		if (ai->ai_family == AF_INET6)
			a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		else
			a = &((const struct sockaddr_in *)sa)->sin_addr;
		inet_ntop(ai->ai_family, a, src, sizeof(src));
	}
	if (!ai || !gw_conf_trusted(app->conf, ai->ai_addr)) {
		gw_log(GW_LOG_WARNING, "security",
		       "NOTIFY from untrusted source %s rejected (403)", src);
		respond(nua, nh, 403, "Forbidden");
		return;
	}
	if (!sip->sip_event || !sip->sip_event->o_type ||
	    strcasecmp(sip->sip_event->o_type, "message-summary") != 0) {
		gw_log(GW_LOG_INFO, "mwi", "NOTIFY from %s for event %s: 489",
		       src, sip->sip_event && sip->sip_event->o_type ?
				    sip->sip_event->o_type : "(none)");
		respond(nua, nh, 489, "Bad Event");
		return;
	}
	if (sip->sip_request && sip->sip_request->rq_url->url_user)
		user = sip->sip_request->rq_url->url_user;
	else if (sip->sip_to && sip->sip_to->a_url->url_user)
		user = sip->sip_to->a_url->url_user;
	l = user ? fxs_by_extension(app, user) : NULL;
	if (!l) {
		gw_log(GW_LOG_INFO, "mwi",
		       "message-summary from %s for '%s': no FXS port has "
		       "that extension (404)", src, user ? user : "");
		respond(nua, nh, 404, "Not Found");
		return;
	}
	body = sip->sip_payload ? sip->sip_payload->pl_data : NULL;
	blen = sip->sip_payload ? sip->sip_payload->pl_len : 0;
	if (!body ||
	    !header(body, blen, "Messages-Waiting", val, sizeof(val)) ||
	    (strcasecmp(val, "yes") && strcasecmp(val, "no"))) {
		LOG(l, GW_LOG_INFO, "message-summary from %s without "
				    "Messages-Waiting: yes|no (400)", src);
		respond(nua, nh, 400, "Bad Request");
		return;
	}
	on = strcasecmp(val, "yes") == 0;
	if (header(body, blen, "Voice-Message", val, sizeof(val)) &&
	    sscanf(val, "%d/%d", &nnew, &nold) != 2)
		nnew = nold = -1;
	respond(nua, nh, 200, "OK");
	snprintf(by, sizeof(by), "SIP NOTIFY from %s", src);
	gw_mwi_set(l, on, nnew, nold, by);
}

/* ---- copperctl ---- */

void gw_mwi_ctl(struct gw_app *app, const char *args, char *buf, size_t len)
{
	char port[40], state[8];
	struct gw_line *l = NULL;

	if (sscanf(args, "%39s %7s", port, state) != 2 ||
	    (strcmp(state, "on") && strcmp(state, "off"))) {
		snprintf(buf, len, "error: usage: mwi PORT on|off\n");
		return;
	}
	for (int i = 0; i < app->nlines; i++)
		if (strcmp(app->lines[i].conf->name, port) == 0)
			l = &app->lines[i];
	if (!l || l->type != GW_CONF_PORT_FXS) {
		snprintf(buf, len, "error: no FXS port named '%s'\n", port);
		return;
	}
	gw_mwi_set(l, strcmp(state, "on") == 0, -1, -1, "copperctl");
	snprintf(buf, len, "port %s: message waiting %s\nok\n", port, state);
}
