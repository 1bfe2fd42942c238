// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * line: what FXS and FXO ports share (gateway/line.h): state names, the
 * media commands and timers of a line, going idle, and the dispatch of
 * media events to fxs.c and fxo.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gateway/cid.h"
#include "gateway/line_int.h"
#include "gateway/reload.h"

static const char *const state_names[] = {
	[GW_LINE_IDLE] = "idle",
	[GW_LINE_ALARM] = "alarm",
	[GW_LINE_FXS_DIALTONE] = "dialtone",
	[GW_LINE_FXS_DIGITS] = "digits",
	[GW_LINE_FXS_CALLING] = "calling",
	[GW_LINE_FXS_RINGING] = "ringing",
	[GW_LINE_FXS_TALKING] = "talking",
	[GW_LINE_FXS_DISCONNECTED] = "disconnected",
	[GW_LINE_FXO_SEIZED] = "seized",
	[GW_LINE_FXO_DIALLING] = "dialling",
	[GW_LINE_FXO_EARLY] = "early",
	[GW_LINE_FXO_TALKING] = "talking",
	[GW_LINE_FXO_RINGING] = "ringing",
	[GW_LINE_FXO_IGNORING] = "ignoring",
	[GW_LINE_FXO_DISA] = "disa",
};

const char *gw_line_state_name(enum gw_line_state s)
{
	if ((size_t)s < sizeof(state_names) / sizeof(state_names[0]) &&
	    state_names[s])
		return state_names[s];
	return "unknown";
}

void gw_line_log(struct gw_line *l, enum gw_log_level lvl, const char *fmt,
		 ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->call)
		gw_log(lvl, "line", "port %s (chan %d) call %u: %s",
		       l->conf->name, l->chan, l->call->id, msg);
	else
		gw_log(lvl, "line", "port %s (chan %d): %s", l->conf->name,
		       l->chan, msg);
}

void gw_line_set_state(struct gw_line *l, enum gw_line_state s)
{
	if (l->state != s)
		LOG(l, GW_LOG_DEBUG, "%s -> %s", gw_line_state_name(l->state),
		    gw_line_state_name(s));
	l->state = s;
	if (s == GW_LINE_IDLE) /* a reload's new port settings (reload.h) */
		gw_reload_line_idle(l);
}

void gw_line_cmd(struct gw_line *l, struct gw_media_cmd c)
{
	c.chan = l->chan;
	gw_app_media_cmd(l->app, &c);
}

void gw_line_tone(struct gw_line *l, enum gw_tone t)
{
	gw_line_cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_TONE,
					      .tone = t });
}

void gw_line_lineop(struct gw_line *l, enum gw_hw_lineop op)
{
	gw_line_cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_LINEOP,
					      .op = op });
}

void gw_line_dtmf_rx(struct gw_line *l, bool on)
{
	gw_line_cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_DTMF_RX,
					      .on = on });
}

void gw_line_progress(struct gw_line *l, bool on)
{
	gw_line_cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_PROGRESS,
					      .on = on });
}

static void timer_fired(su_root_magic_t *magic, su_timer_t *t,
			su_timer_arg_t *arg)
{
	struct gw_line *l = arg;

	(void)magic;
	(void)t;
	if (l->type == GW_CONF_PORT_FXS)
		gw_fxs_timer(l);
	else
		gw_fxo_timer(l);
}

void gw_line_timer_start(struct gw_line *l, int ms)
{
	su_timer_set_interval(l->timer, timer_fired, l, ms);
}

void gw_line_timer_stop(struct gw_line *l)
{
	su_timer_reset(l->timer);
}

void gw_line_unbridge(struct gw_line *l)
{
	struct gw_call *c = l->call;

	if (c && c->rtp_attached && !c->detach_sent) {
		c->detach_sent = true;
		gw_line_cmd(l, (struct gw_media_cmd){
					.type = GW_MEDIA_CMD_DETACH });
	}
}

void gw_line_to_idle(struct gw_line *l)
{
	gw_line_timer_stop(l);
	gw_cid_idle(l);
	if (l->type == GW_CONF_PORT_FXS)
		gw_fxs_idle(l);
	gw_line_unbridge(l);
	l->call = NULL;
	gw_line_tone(l, GW_TONE_NONE);
	gw_line_dtmf_rx(l, false);
	gw_line_progress(l, false);
	if (l->type == GW_CONF_PORT_FXO)
		gw_fxo_idle(l);
	l->ndigits = 0;
	l->digits[0] = 0;
	gw_line_set_state(l, GW_LINE_IDLE);
}

void gw_line_ends_call(struct gw_line *l, int status, const char *why)
{
	struct gw_call *c = l->call;

	if (!c)
		return;
	gw_line_unbridge(l);
	l->call = NULL;
	c->line = NULL;
	gw_call_line_gone(c, status, why);
}

int gw_line_init(struct gw_app *app, struct gw_line *l,
		 const struct gw_conf_port *conf)
{
	int err;

	memset(l, 0, sizeof(*l));
	l->app = app;
	l->conf = conf;
	l->chan = conf->channel;
	l->type = conf->type;
	l->timer = su_timer_create(su_root_task(app->root), 0);
	if (!l->timer)
		return -ENOMEM;
	l->state = GW_LINE_IDLE;
	if (l->type == GW_CONF_PORT_FXO && gw_sup_init(l) < 0)
		return -ENOMEM;
	err = gw_cid_line_init(l);
	if (err < 0)
		return err;
	err = gw_xfer_line_init(l); /* blind transfer (xfer.h) */
	if (err < 0)
		return err;
	return gw_cw_line_init(l); /* call waiting (cw.h) */
}

void gw_line_release(struct gw_line *l)
{
	if (l->timer)
		su_timer_destroy(l->timer);
	l->timer = NULL;
	gw_cid_line_release(l);
	gw_sup_release(l);
	gw_cw_line_release(l);
	gw_xfer_line_release(l);
}

struct gw_line *gw_line_by_chan(struct gw_app *app, int chan)
{
	for (int i = 0; i < app->nlines; i++)
		if (app->lines[i].chan == chan)
			return &app->lines[i];
	return NULL;
}

/* ---- events from the media thread ---- */

/* The card reports the port's channel unusable (on) or back. */
static void line_alarm(struct gw_line *l, bool on)
{
	if (on) {
		if (l->state == GW_LINE_ALARM)
			return;
		LOG(l, GW_LOG_WARNING, "alarm: port out of service");
		gw_line_ends_call(l, 503, "card alarm");
		gw_line_to_idle(l);
		gw_line_set_state(l, GW_LINE_ALARM);
	} else if (l->state == GW_LINE_ALARM) {
		LOG(l, GW_LOG_NOTICE, "alarm cleared");
		gw_line_set_state(l, GW_LINE_IDLE);
	}
}

void gw_line_media_event(struct gw_app *app, const struct gw_media_ev *ev)
{
	struct gw_line *l;

	if (ev->type == GW_MEDIA_EV_DETACHED) {
		gw_call_rtp_detached(app, ev->rtp);
		return;
	}
	if (ev->type == GW_MEDIA_EV_LINE && ev->chan == 0) {
		/* the whole card */
		if (ev->hw.type == GW_HW_EV_ALARM ||
		    ev->hw.type == GW_HW_EV_NOALARM)
			for (int i = 0; i < app->nlines; i++)
				line_alarm(&app->lines[i],
					   ev->hw.type == GW_HW_EV_ALARM);
		return;
	}
	l = gw_line_by_chan(app, ev->chan);
	if (!l)
		return; /* a channel no port is configured on */
	if (ev->type == GW_MEDIA_EV_LINE && (ev->hw.type == GW_HW_EV_ALARM ||
					     ev->hw.type == GW_HW_EV_NOALARM)) {
		line_alarm(l, ev->hw.type == GW_HW_EV_ALARM);
		return;
	}
	switch (ev->type) {
	case GW_MEDIA_EV_LINE:
		LOG(l, GW_LOG_DEBUG, "event %s", gw_hw_event_name(ev->hw.type));
		if (l->state == GW_LINE_ALARM)
			break;
		if (l->type == GW_CONF_PORT_FXS)
			gw_fxs_event(l, &ev->hw);
		else
			gw_fxo_event(l, &ev->hw);
		break;
	case GW_MEDIA_EV_DIGIT:
		if (l->type == GW_CONF_PORT_FXS)
			gw_fxs_digit(l, ev->digit);
		else
			gw_disa_digit(l, ev->digit); /* disa.h */
		break;
	case GW_MEDIA_EV_DTMF_DONE:
		if (l->type == GW_CONF_PORT_FXO)
			gw_fxo_dtmf_done(l);
		break;
	case GW_MEDIA_EV_PROGRESS:
		LOG(l, GW_LOG_DEBUG, "hears %s", gw_tone_name(ev->tone));
		if (l->type == GW_CONF_PORT_FXO)
			gw_fxo_progress(l, ev->tone);
		break;
	case GW_MEDIA_EV_LINEOP_FAILED:
		LOG(l, GW_LOG_WARNING, "line operation %d failed: %s",
		    ev->lineop.op, strerror(-ev->lineop.err));
		break;
	case GW_MEDIA_EV_ECHO_STATS:
		LOG(l, GW_LOG_INFO,
		    "echo canceller: ERL %.1f dB, ERLE %.1f dB (%.1f dB with NLP), "
		    "double talk %u ms, %s, tone disabler %s",
		    (double)ev->echo.erl_db, (double)ev->echo.erle_db,
		    (double)ev->echo.erle_nlp_db, ev->echo.doubletalk_ms,
		    ev->echo.converged ? "converged" : "not converged",
		    gw_echo_disabler_name(ev->echo.disabler));
		break;
	case GW_MEDIA_EV_VBD:
		LOG(l, GW_LOG_INFO, "fax/modem tone %s from the %s (%d dBm0)%s%s",
		    gw_modem_tone_name(ev->vbd.tone),
		    gw_media_dir_name(ev->vbd.dir), ev->vbd.level_dbm0,
		    ev->vbd.first ? ": voice-band data (fixed jitter buffer, "
				    "NLP and DTMF off)"
				  : "",
		    ev->vbd.ec_bypass ? ", echo canceller bypassed" : "");
		if (ev->vbd.first && l->call)
			gw_call_vbd(l->call);
		break;
	case GW_MEDIA_EV_CODEC_OLD:
		gw_codec_free(ev->old_codec);
		break;
	case GW_MEDIA_EV_SRTP_OLD:
		gw_srtp_free(ev->srtp);
		break;
	case GW_MEDIA_EV_RTP_TIMEOUT: {
		struct gw_call *c = l->call;

		LOG(l, GW_LOG_WARNING,
		    "disconnect: RTP inactivity: no RTP or RTCP from the "
		    "network for %d s: hanging up (BYE)", ev->seconds);
		if (!c)
			break;
		gw_line_remote_gone(l, false);
		gw_call_line_gone(c, 0, "RTP timeout");
		break;
	}
	case GW_MEDIA_EV_CID:
	case GW_MEDIA_EV_CID_DONE:
		gw_cid_media_event(l, ev);
		break;
	case GW_MEDIA_EV_ENERGY:
		if (l->type == GW_CONF_PORT_FXO)
			gw_sup_energy(l, &ev->energy);
		break;
	case GW_MEDIA_EV_NET_EVENT:
		gw_fxodial_net_event(l, ev->net_event);
		break;
	case GW_MEDIA_EV_CW:
		gw_cw_media_event(l, ev); /* call waiting (cw.h) */
		break;
	case GW_MEDIA_EV_DETACHED:
		break;
	}
}

/* ---- actions from calls ---- */

void gw_line_remote_ringing(struct gw_line *l)
{
	if (l->state == GW_LINE_FXS_CALLING && !(l->call && l->call->rtp_attached))
		gw_line_tone(l, GW_TONE_RINGBACK);
	else if (l->state == GW_LINE_FXO_DISA)
		gw_disa_remote_ringing(l);
}

void gw_line_connect(struct gw_line *l)
{
	struct gw_call *c = l->call;

	if (!c || !c->rtp || !c->have_remote)
		return;
	gw_line_tone(l, GW_TONE_NONE);
	if (!c->rtp_attached) {
		c->rtp_attached = true;
		gw_line_cmd(l, (struct gw_media_cmd){
			.type = GW_MEDIA_CMD_ATTACH, .rtp = c->rtp,
			.line_caller = c->dir == GW_CALL_FXS_TO_SIP ||
				       c->dir == GW_CALL_FXO_TO_SIP });
	}
	if (l->state == GW_LINE_FXS_CALLING && c->sip_answered) {
		gw_line_set_state(l, GW_LINE_FXS_TALKING);
		gw_fxs_answered(l);
	}
}

void gw_line_remote_gone(struct gw_line *l, bool busy)
{
	gw_line_unbridge(l);
	if (l->call)
		l->call->line = NULL;
	l->call = NULL;
	if (l->type == GW_CONF_PORT_FXS)
		gw_fxs_remote_gone(l, busy);
	else
		gw_fxo_remote_gone(l);
}
