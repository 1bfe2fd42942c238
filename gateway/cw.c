// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cw: call waiting on an FXS port (gateway/cw.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gateway/cid.h"
#include "gateway/cw.h"
#include "gateway/line_int.h"

/* What the port's caller-ID standard sends after the SAS. */
enum cw_kind {
	CW_SAS_ONLY = 0,
	CW_BELL, /* CAS, ACK, Bell 202 off-hook FSK */
	CW_ETSI, /* 80 ms DT-AS, ACK, V.23 off-hook FSK */
};

static enum cw_kind kind_of(const struct gw_line *l)
{
	switch (l->conf->callerid) {
	case GW_CONF_CID_BELL:
	case GW_CONF_CID_BELL_SDMF:
		return CW_BELL;
	case GW_CONF_CID_ETSI:
	case GW_CONF_CID_ETSI_DTAS:
	case GW_CONF_CID_ETSI_RP:
	case GW_CONF_CID_ETSI_LR:
		return CW_ETSI;
	default:
		return CW_SAS_ONLY;
	}
}

static enum gw_callerid_standard std_of(const struct gw_line *l)
{
	if (l->conf->callerid == GW_CONF_CID_BELL_SDMF)
		return GW_CALLERID_BELL202_SDMF;
	return kind_of(l) == CW_ETSI ? GW_CALLERID_ETSI_FSK :
				       GW_CALLERID_BELL202_MDMF;
}

/*
 * The caller ID fitted to the standard: a number longer than it carries
 * is sent as unavailable, a name is cut to its length (SDMF: none).
 */
static void fit(const struct gw_line *l, struct gw_callerid_msg *m)
{
	enum gw_callerid_standard std = std_of(l);
	size_t nmax = (size_t)gw_callerid_number_max(std);
	size_t amax = (size_t)gw_callerid_name_max(std);

	if (strlen(m->number) > nmax) {
		m->number[0] = 0;
		m->number_absence = GW_CALLERID_UNAVAILABLE;
	}
	if (strlen(m->name) > amax)
		m->name[amax] = 0;
	if (!m->name[0] && !m->name_absence && amax)
		m->name_absence = GW_CALLERID_UNAVAILABLE;
}

static void on_timer(su_root_magic_t *magic, su_timer_t *t,
		     su_timer_arg_t *arg);

static void alert_stop(struct gw_line *l)
{
	struct gw_cw *k = &l->cw;

	if (k->timer)
		su_timer_reset(k->timer);
	if (k->alerting)
		gw_line_cmd(l, (struct gw_media_cmd){
				       .type = GW_MEDIA_CMD_CW,
				       .cw = { .stop = true } });
	k->alerting = false;
}

/*
 * The alert: the first one with CAS and caller ID where the standard has
 * them, the repeats the SAS alone.
 */
static void alert(struct gw_line *l)
{
	struct gw_cw *k = &l->cw;
	struct gw_media_cmd cmd = { .type = GW_MEDIA_CMD_CW };
	bool first = k->alerts == 0;

	if (first && kind_of(l) != CW_SAS_ONLY) {
		cmd.cw.cas = true;
		cmd.cw.data = true;
		cmd.cw.msg = k->msg;
		fit(l, &cmd.cw.msg);
	}
	gw_line_cmd(l, cmd);
	k->alerting = true;
	k->alerts++;
	LOG(l, GW_LOG_INFO, "call %u waiting: alert %d (%s)", k->other->id,
	    k->alerts,
	    cmd.cw.cas ? (kind_of(l) == CW_BELL ? "SAS, CAS, caller ID"
						: "SAS, DT-AS, caller ID")
		       : "SAS");
	su_timer_set_interval(k->timer, on_timer, l, GW_CW_REPEAT_MS);
}

/* The waiting call is not taken: 480 to its caller. */
static void give_up(struct gw_line *l)
{
	struct gw_call *c = l->cw.other;

	alert_stop(l);
	l->cw.other = NULL;
	c->line = NULL;
	LOG(l, GW_LOG_INFO, "call %u waited %d s: not taken (480)", c->id,
	    GW_CW_WAIT_MS / 1000);
	gw_call_line_gone(c, 480, "not taken (call waiting)");
}

static void on_timer(su_root_magic_t *magic, su_timer_t *t,
		     su_timer_arg_t *arg)
{
	struct gw_line *l = arg;
	struct gw_cw *k = &l->cw;

	(void)magic;
	(void)t;
	if (!k->other || k->other->sip_answered)
		return;
	if (k->alerts * GW_CW_REPEAT_MS >= GW_CW_WAIT_MS) {
		give_up(l);
		return;
	}
	alert(l);
}

int gw_cw_offer(struct gw_line *l, struct gw_call *c,
		const struct gw_cid_info *ci)
{
	struct gw_cw *k = &l->cw;

	if (l->type != GW_CONF_PORT_FXS || !l->conf->fxs.call_waiting ||
	    l->state != GW_LINE_FXS_TALKING || !l->call ||
	    !l->call->sip_answered || k->other)
		return -EBUSY;
	if (!k->timer)
		k->timer = su_timer_create(su_root_task(l->app->root), 0);
	if (!k->timer)
		return -EBUSY;
	k->other = c;
	k->alerts = 0;
	k->msg = ci->msg;
	k->msg_call = c->id;
	snprintf(k->cadence, sizeof(k->cadence), "%s", ci->cadence);
	c->line = l;
	snprintf(c->port_name, sizeof(c->port_name), "%s", l->conf->name);
	LOG(l, GW_LOG_INFO, "call %u from %s waits (call waiting)", c->id,
	    c->caller[0] ? c->caller : "?");
	alert(l);
	return 0;
}

void gw_cw_media_event(struct gw_line *l, const struct gw_media_ev *ev)
{
	const struct gw_cwseq_result *r = &ev->cw;

	l->cw.alerting = false;
	if (r->status < 0)
		LOG(l, GW_LOG_WARNING, "call-waiting alert not played: %s",
		    strerror(-r->status));
	else if (r->status > 0)
		LOG(l, GW_LOG_INFO,
		    "call-waiting caller ID: ACK '%c' %d ms after the CAS, "
		    "%s FSK sent (%d ms)", r->ack, r->ack_ms,
		    gw_callerid_standard_name(std_of(l)), r->data_ms);
	else if (kind_of(l) != CW_SAS_ONLY && l->cw.alerts == 1)
		LOG(l, GW_LOG_INFO,
		    "call-waiting caller ID: no ACK within %d ms of the CAS: "
		    "no data sent", GW_CWSEQ_ACK_MS);
	else
		LOG(l, GW_LOG_DEBUG, "call-waiting tone played");
}

/* Put the call on the line on hold (or resume it) by re-INVITE. */
static void set_held(struct gw_call *c, bool hold)
{
	c->cw.held = hold;
	gw_call_hold(c, hold);
}

bool gw_cw_flash(struct gw_line *l)
{
	struct gw_cw *k = &l->cw;
	struct gw_call *cur = l->call, *next = k->other;

	if (!next || l->state != GW_LINE_FXS_TALKING)
		return false;
	if (next->rtp_attached) {
		/* still being handed back by the media thread */
		LOG(l, GW_LOG_NOTICE, "hook-flash: swap too soon, ignored");
		return true;
	}
	alert_stop(l);
	if (cur) {
		gw_line_unbridge(l);
		set_held(cur, true);
	}
	l->call = next;
	k->other = cur;
	next->detach_sent = false;
	if (!next->sip_answered) {
		LOG(l, GW_LOG_INFO, "hook-flash: %s%s, waiting call %u "
		    "answered", cur ? "call on hold: " : "",
		    cur ? "" : "no call in progress", next->id);
		gw_line_connect(l);
		gw_call_line_answered(next);
	} else {
		LOG(l, GW_LOG_INFO, "hook-flash: swap: call %u resumed%s",
		    next->id, cur ? ", the other held" : "");
		set_held(next, false);
		gw_line_connect(l);
	}
	return true;
}

bool gw_cw_onhook(struct gw_line *l)
{
	struct gw_cw *k = &l->cw;
	struct gw_call *next = k->other;
	struct gw_cid_info ci;

	if (!next)
		return false;
	alert_stop(l);
	k->other = NULL;
	LOG(l, GW_LOG_INFO, "on-hook with call %u %s: ringing again for it",
	    next->id, next->sip_answered ? "on hold" : "waiting");
	gw_line_ends_call(l, 0, "phone hung up");
	gw_line_to_idle(l);
	next->line = NULL;
	memset(&ci, 0, sizeof(ci));
	if (next->id == k->msg_call) {
		ci.msg = k->msg;
		snprintf(ci.cadence, sizeof(ci.cadence), "%s", k->cadence);
	} else {
		/* the held call: its number as the caller ID */
		const char *n = next->dir == GW_CALL_FXS_TO_SIP ?
					next->number : next->caller;

		if (n[0] && strlen(n) <= GW_CALLERID_NUMBER_MAX &&
		    strspn(n, "0123456789") == strlen(n))
			snprintf(ci.msg.number, sizeof(ci.msg.number), "%s",
				 n);
		else
			ci.msg.number_absence = GW_CALLERID_UNAVAILABLE;
		ci.msg.name_absence = GW_CALLERID_UNAVAILABLE;
	}
	if (gw_line_fxs_ring(l, next, &ci) < 0)
		gw_call_line_gone(next, 480, "reminder ring failed");
	return true;
}

void gw_cw_answered(struct gw_line *l)
{
	struct gw_call *c = l->call;

	if (!c || !c->cw.held)
		return;
	LOG(l, GW_LOG_INFO, "picked up: call %u resumed", c->id);
	c->detach_sent = false;
	set_held(c, false);
}

bool gw_cw_call_gone(struct gw_call *c)
{
	struct gw_line *l = c->line;

	if (!l || l->type != GW_CONF_PORT_FXS)
		return false;
	if (l->cw.other == c) {
		/* the waiting caller gave up, or the held party left */
		LOG(l, GW_LOG_INFO, "call %u %s ended", c->id,
		    c->sip_answered ? "on hold" : "waiting");
		alert_stop(l);
		l->cw.other = NULL;
		c->line = NULL;
		if (!l->call && l->state == GW_LINE_FXS_TALKING)
			gw_fxs_remote_gone(l, false); /* nothing left */
		return true;
	}
	if (l->call == c && l->cw.other) {
		/* the far end in progress left: the other call stays */
		LOG(l, GW_LOG_INFO, "call %u ended; call %u still %s: flash "
		    "to take it, hang up to be rung", c->id,
		    l->cw.other->id,
		    l->cw.other->sip_answered ? "on hold" : "waiting");
		gw_line_unbridge(l);
		l->call = NULL;
		c->line = NULL;
		return true;
	}
	return false;
}

void gw_cw_line_idle(struct gw_line *l)
{
	struct gw_call *c = l->cw.other;

	if (!c)
		return;
	alert_stop(l);
	l->cw.other = NULL;
	c->line = NULL;
	gw_call_line_gone(c, 480, "line gone idle");
}

int gw_cw_line_init(struct gw_line *l)
{
	int err;

	if (l->type != GW_CONF_PORT_FXS || !l->conf->fxs.call_waiting ||
	    l->conf->callerid != GW_CONF_CID_NONE || !l->app->media)
		return 0;
	err = gw_media_set_callerid(l->app->media, l->chan,
				    GW_CALLERID_BELL202_MDMF, true, false);
	if (err < 0)
		LOG(l, GW_LOG_ERR, "call-waiting tone: %s", strerror(-err));
	return err;
}

void gw_cw_line_release(struct gw_line *l)
{
	if (l->cw.timer)
		su_timer_destroy(l->cw.timer);
	l->cw.timer = NULL;
}
