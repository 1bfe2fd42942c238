// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gateway/call.h"
#include "gateway/line.h"
#include "gateway/log.h"

#define FXO_RING_ABANDON_MS 8000 /* no ring for this long: caller gone */
#define FXO_ANSWER_WAIT_MS 120000
#define FXS_RING_MAX_MS 120000

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
};

const char *gw_line_state_name(enum gw_line_state s)
{
	if ((size_t)s < sizeof(state_names) / sizeof(state_names[0]) &&
	    state_names[s])
		return state_names[s];
	return "unknown";
}

#define LOG(l, lvl, ...) line_log(l, lvl, __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static void
line_log(struct gw_line *l, enum gw_log_level lvl, const char *fmt, ...)
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

static void set_state(struct gw_line *l, enum gw_line_state s)
{
	if (l->state != s)
		LOG(l, GW_LOG_DEBUG, "%s -> %s", gw_line_state_name(l->state),
		    gw_line_state_name(s));
	l->state = s;
}

static void cmd(struct gw_line *l, struct gw_media_cmd c)
{
	c.chan = l->chan;
	gw_app_media_cmd(l->app, &c);
}

static void tone(struct gw_line *l, enum gw_tone t)
{
	cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_TONE, .tone = t });
}

static void lineop(struct gw_line *l, enum gw_hw_lineop op)
{
	cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_LINEOP, .op = op });
}

static void dtmf_rx(struct gw_line *l, bool on)
{
	cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_DTMF_RX, .on = on });
}

static void progress(struct gw_line *l, bool on)
{
	cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_PROGRESS,
				      .on = on });
}

static void timer_fired(su_root_magic_t *magic, su_timer_t *t,
			su_timer_arg_t *arg);

static void line_ends_call(struct gw_line *l, int status, const char *why);
static void to_idle(struct gw_line *l);

/* On-hook for longer than a hook-flash: the phone hung up. */
static void flash_expired(su_root_magic_t *magic, su_timer_t *t,
			  su_timer_arg_t *arg)
{
	struct gw_line *l = arg;

	(void)magic;
	(void)t;
	if (!l->flash_pending)
		return;
	l->flash_pending = false;
	LOG(l, GW_LOG_INFO, "on-hook");
	line_ends_call(l, 0, "phone hung up");
	to_idle(l);
}

static void timer_start(struct gw_line *l, int ms)
{
	su_timer_set_interval(l->timer, timer_fired, l, ms);
}

static void timer_stop(struct gw_line *l)
{
	su_timer_reset(l->timer);
}

/* Stop bridging the line to its call's RTP session. */
static void unbridge(struct gw_line *l)
{
	struct gw_call *c = l->call;

	if (c && c->rtp_attached && !c->detach_sent) {
		c->detach_sent = true;
		cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_DETACH });
	}
}

/* Put the line back to idle, with no call. */
static void to_idle(struct gw_line *l)
{
	timer_stop(l);
	l->flash_pending = false;
	su_timer_reset(l->flash_timer);
	unbridge(l);
	l->call = NULL;
	tone(l, GW_TONE_NONE);
	dtmf_rx(l, false);
	progress(l, false);
	if (l->type == GW_CONF_PORT_FXO && l->state != GW_LINE_IDLE &&
	    l->state != GW_LINE_FXO_RINGING && l->state != GW_LINE_FXO_IGNORING)
		lineop(l, GW_HW_OP_ONHOOK);
	l->ndigits = 0;
	l->digits[0] = 0;
	l->rings = 0;
	l->answered = false;
	set_state(l, GW_LINE_IDLE);
}

/* The line leg ends the call (hang-up, no dial tone, busy...). */
static void line_ends_call(struct gw_line *l, int status, const char *why)
{
	struct gw_call *c = l->call;

	if (!c)
		return;
	unbridge(l);
	l->call = NULL;
	c->line = NULL;
	gw_call_line_gone(c, status, why);
}

/* FXS: the call is over but the phone is still off-hook. */
static void fxs_disconnected(struct gw_line *l, enum gw_tone t)
{
	if (l->flash_pending) {
		/* the far end left while the phone was on-hook: done */
		l->flash_pending = false;
		su_timer_reset(l->flash_timer);
		to_idle(l);
		return;
	}
	timer_stop(l);
	dtmf_rx(l, false);
	tone(l, t);
	set_state(l, GW_LINE_FXS_DISCONNECTED);
}

int gw_line_init(struct gw_app *app, struct gw_line *l,
		 const struct gw_conf_port *conf)
{
	memset(l, 0, sizeof(*l));
	l->app = app;
	l->conf = conf;
	l->chan = conf->channel;
	l->type = conf->type;
	l->timer = su_timer_create(su_root_task(app->root), 0);
	l->flash_timer = su_timer_create(su_root_task(app->root), 0);
	if (!l->timer || !l->flash_timer)
		return -ENOMEM;
	l->state = GW_LINE_IDLE;
	return 0;
}

void gw_line_release(struct gw_line *l)
{
	if (l->timer)
		su_timer_destroy(l->timer);
	l->timer = NULL;
	if (l->flash_timer)
		su_timer_destroy(l->flash_timer);
	l->flash_timer = NULL;
}

struct gw_line *gw_line_by_chan(struct gw_app *app, int chan)
{
	for (int i = 0; i < app->nlines; i++)
		if (app->lines[i].chan == chan)
			return &app->lines[i];
	return NULL;
}

/* ---- timers ---- */

static void timer_fired(su_root_magic_t *magic, su_timer_t *t,
			su_timer_arg_t *arg)
{
	struct gw_line *l = arg;

	switch (l->state) {
	case GW_LINE_FXS_DIALTONE:
		LOG(l, GW_LOG_INFO, "no digit dialled: reorder");
		fxs_disconnected(l, GW_TONE_CONGESTION);
		break;
	case GW_LINE_FXS_DIGITS:
		LOG(l, GW_LOG_INFO, "dialled %s", l->digits);
		dtmf_rx(l, false);
		set_state(l, GW_LINE_FXS_CALLING);
		gw_call_from_fxs(l, l->digits);
		break;
	case GW_LINE_FXS_RINGING:
		LOG(l, GW_LOG_INFO, "no answer");
		cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_LINEOP,
					      .op = GW_HW_OP_RING_STOP });
		line_ends_call(l, 480, "no answer");
		to_idle(l);
		break;
	case GW_LINE_FXO_SEIZED:
		LOG(l, GW_LOG_WARNING, "no dial tone after %d ms",
		    l->conf->dialtone_timeout_ms);
		line_ends_call(l, 503, "no dial tone on the line");
		to_idle(l);
		break;
	case GW_LINE_FXO_EARLY:
		LOG(l, GW_LOG_INFO, "far end did not answer");
		line_ends_call(l, 480, "no answer");
		to_idle(l);
		break;
	case GW_LINE_FXO_RINGING:
	case GW_LINE_FXO_IGNORING:
		LOG(l, GW_LOG_INFO, "ringing stopped: caller gave up");
		line_ends_call(l, 0, "caller abandoned");
		to_idle(l);
		break;
	default:
		break;
	}
}

/* ---- events from the media thread ---- */

static void fxs_event(struct gw_line *l, enum gw_hw_event_type t)
{
	if (t == GW_HW_EV_OFFHOOK && l->flash_pending) {
		struct timespec now;
		long ms;

		l->offhook = true;
		l->flash_pending = false;
		su_timer_reset(l->flash_timer);
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - l->onhook_at.tv_sec) * 1000 +
		     (now.tv_nsec - l->onhook_at.tv_nsec) / 1000000;
		if (ms < l->conf->flash_min_ms) {
			LOG(l, GW_LOG_DEBUG, "on-hook for %ld ms: a bounce", ms);
			return;
		}
		LOG(l, GW_LOG_INFO, "hook-flash (%ld ms on-hook)", ms);
		if (l->call)
			gw_call_flash(l->call);
		return;
	}
	if (t == GW_HW_EV_OFFHOOK) {
		l->offhook = true;
		switch (l->state) {
		case GW_LINE_IDLE:
			LOG(l, GW_LOG_INFO, "off-hook: dial tone");
			set_state(l, GW_LINE_FXS_DIALTONE);
			l->ndigits = 0;
			l->digits[0] = 0;
			tone(l, GW_TONE_DIAL);
			dtmf_rx(l, true);
			timer_start(l, l->conf->first_digit_timeout_ms);
			break;
		case GW_LINE_FXS_RINGING:
			LOG(l, GW_LOG_INFO, "answered");
			timer_stop(l);
			lineop(l, GW_HW_OP_RING_STOP);
			set_state(l, GW_LINE_FXS_TALKING);
			gw_line_connect(l);
			gw_call_line_answered(l->call);
			break;
		default:
			break;
		}
	} else if (t == GW_HW_EV_ONHOOK) {
		l->offhook = false;
		if (l->state == GW_LINE_IDLE || l->state == GW_LINE_FXS_RINGING)
			return;
		if (l->state == GW_LINE_FXS_TALKING && l->call &&
		    l->conf->flash_max_ms > 0) {
			/* a hang-up, or a hook-flash if it comes back soon */
			l->flash_pending = true;
			clock_gettime(CLOCK_MONOTONIC, &l->onhook_at);
			su_timer_set_interval(l->flash_timer, flash_expired, l,
					      (su_duration_t)l->conf->flash_max_ms);
			return;
		}
		LOG(l, GW_LOG_INFO, "on-hook");
		line_ends_call(l, 0, "phone hung up");
		to_idle(l);
	}
}

static void fxo_event(struct gw_line *l, enum gw_hw_event_type t)
{
	switch (t) {
	case GW_HW_EV_RING_BEGIN:
		if (l->state == GW_LINE_IDLE) {
			set_state(l, GW_LINE_FXO_RINGING);
			l->rings = 0;
		}
		if (l->state != GW_LINE_FXO_RINGING &&
		    l->state != GW_LINE_FXO_IGNORING)
			return;
		l->rings++;
		LOG(l, GW_LOG_INFO, "ring %d", l->rings);
		timer_start(l, FXO_RING_ABANDON_MS);
		if (l->state == GW_LINE_FXO_RINGING && !l->call &&
		    l->rings >= l->conf->answer_rings)
			gw_call_from_fxo(l);
		break;
	case GW_HW_EV_RING_END:
		if (l->state == GW_LINE_FXO_RINGING ||
		    l->state == GW_LINE_FXO_IGNORING)
			timer_start(l, FXO_RING_ABANDON_MS);
		break;
	case GW_HW_EV_POLARITY:
		if (l->state == GW_LINE_FXO_DIALLING) {
			/* Answered before our last digit's pause ended. */
			l->answered = true;
			break;
		}
		if (l->state == GW_LINE_FXO_EARLY) {
			LOG(l, GW_LOG_INFO, "answered (polarity reversal)");
			timer_stop(l);
			set_state(l, GW_LINE_FXO_TALKING);
			gw_call_line_answered(l->call);
		}
		break;
	case GW_HW_EV_LOOP_DROP:
		if (l->state == GW_LINE_FXO_SEIZED ||
		    l->state == GW_LINE_FXO_DIALLING ||
		    l->state == GW_LINE_FXO_EARLY ||
		    l->state == GW_LINE_FXO_TALKING) {
			LOG(l, GW_LOG_INFO,
			    "far end hung up (loop current drop)");
			line_ends_call(l, 480, "loop current drop");
			to_idle(l);
		}
		break;
	default:
		break;
	}
}

static void fxo_progress(struct gw_line *l, enum gw_tone t)
{
	struct gw_call *c = l->call;

	if (l->state == GW_LINE_FXO_SEIZED && t == GW_TONE_DIAL && c) {
		struct gw_media_cmd m = { .type = GW_MEDIA_CMD_DTMF };
		LOG(l, GW_LOG_INFO, "dial tone: dialling %s", c->number);
		timer_stop(l);
		snprintf(m.digits, sizeof(m.digits), "%s", c->number);
		cmd(l, m);
		set_state(l, GW_LINE_FXO_DIALLING);
	} else if ((t == GW_TONE_BUSY || t == GW_TONE_CONGESTION) &&
		   (l->state == GW_LINE_FXO_EARLY ||
		    l->state == GW_LINE_FXO_TALKING)) {
		LOG(l, GW_LOG_INFO, "%s tone: far end busy or gone",
		    gw_tone_name(t));
		line_ends_call(l, l->state == GW_LINE_FXO_EARLY ? 486 : 0,
			       t == GW_TONE_BUSY ? "busy tone" : "reorder tone");
		to_idle(l);
	}
}

static void digit(struct gw_line *l, char d)
{
	if (l->state != GW_LINE_FXS_DIALTONE && l->state != GW_LINE_FXS_DIGITS)
		return;
	if (l->state == GW_LINE_FXS_DIALTONE) {
		tone(l, GW_TONE_NONE);
		set_state(l, GW_LINE_FXS_DIGITS);
	}
	if (l->ndigits < (int)sizeof(l->digits) - 1) {
		l->digits[l->ndigits++] = d;
		l->digits[l->ndigits] = 0;
	}
	LOG(l, GW_LOG_DEBUG, "digit %c", d);
	timer_start(l, l->conf->digit_timeout_ms);
}

static void card_alarm(struct gw_app *app, bool on)
{
	for (int i = 0; i < app->nlines; i++) {
		struct gw_line *l = &app->lines[i];
		if (on) {
			if (l->state == GW_LINE_ALARM)
				continue;
			LOG(l, GW_LOG_WARNING, "card alarm: port out of service");
			line_ends_call(l, 503, "card alarm");
			to_idle(l);
			set_state(l, GW_LINE_ALARM);
		} else if (l->state == GW_LINE_ALARM) {
			LOG(l, GW_LOG_NOTICE, "card alarm cleared");
			set_state(l, GW_LINE_IDLE);
		}
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
		if (ev->hw.type == GW_HW_EV_ALARM ||
		    ev->hw.type == GW_HW_EV_NOALARM)
			card_alarm(app, ev->hw.type == GW_HW_EV_ALARM);
		return;
	}
	l = gw_line_by_chan(app, ev->chan);
	if (!l)
		return; /* a channel no port is configured on */
	switch (ev->type) {
	case GW_MEDIA_EV_LINE:
		LOG(l, GW_LOG_DEBUG, "event %s", gw_hw_event_name(ev->hw.type));
		if (l->state == GW_LINE_ALARM)
			break;
		if (l->type == GW_CONF_PORT_FXS)
			fxs_event(l, ev->hw.type);
		else
			fxo_event(l, ev->hw.type);
		break;
	case GW_MEDIA_EV_DIGIT:
		digit(l, ev->digit);
		break;
	case GW_MEDIA_EV_DTMF_DONE:
		if (l->state == GW_LINE_FXO_DIALLING && l->call) {
			set_state(l, GW_LINE_FXO_EARLY);
			timer_start(l, FXO_ANSWER_WAIT_MS);
			gw_line_connect(l);
			gw_call_line_progress(l->call);
			if (l->answered) {
				LOG(l, GW_LOG_INFO,
				    "answered (polarity reversal while dialling)");
				timer_stop(l);
				set_state(l, GW_LINE_FXO_TALKING);
				gw_call_line_answered(l->call);
			}
		}
		break;
	case GW_MEDIA_EV_PROGRESS:
		LOG(l, GW_LOG_DEBUG, "hears %s", gw_tone_name(ev->tone));
		if (l->type == GW_CONF_PORT_FXO)
			fxo_progress(l, ev->tone);
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
		    "no RTP or RTCP from the network for %d s: hanging up "
		    "(BYE)", ev->seconds);
		if (!c)
			break;
		gw_line_remote_gone(l, false);
		gw_call_line_gone(c, 0, "RTP timeout");
		break;
	}
	case GW_MEDIA_EV_DETACHED:
		break;
	}
}

/* ---- actions from calls ---- */

int gw_line_fxo_dial(struct gw_line *l, struct gw_call *c)
{
	if (l->type != GW_CONF_PORT_FXO || l->state != GW_LINE_IDLE)
		return -EBUSY;
	l->call = c;
	c->line = l;
	LOG(l, GW_LOG_INFO, "seize line to dial %s", c->number);
	set_state(l, GW_LINE_FXO_SEIZED);
	l->answered = false;
	progress(l, true);
	lineop(l, GW_HW_OP_OFFHOOK);
	timer_start(l, l->conf->dialtone_timeout_ms);
	return 0;
}

int gw_line_fxs_ring(struct gw_line *l, struct gw_call *c)
{
	if (l->type != GW_CONF_PORT_FXS || l->state != GW_LINE_IDLE ||
	    l->offhook)
		return -EBUSY;
	l->call = c;
	c->line = l;
	LOG(l, GW_LOG_INFO, "ringing");
	set_state(l, GW_LINE_FXS_RINGING);
	lineop(l, GW_HW_OP_RING_START);
	timer_start(l, FXS_RING_MAX_MS);
	return 0;
}

void gw_line_fxo_answer(struct gw_line *l)
{
	if (l->state != GW_LINE_FXO_RINGING)
		return;
	LOG(l, GW_LOG_INFO, "answer the line");
	timer_stop(l);
	lineop(l, GW_HW_OP_OFFHOOK);
	progress(l, true);
	set_state(l, GW_LINE_FXO_TALKING);
	gw_line_connect(l);
}

void gw_line_remote_ringing(struct gw_line *l)
{
	if (l->state == GW_LINE_FXS_CALLING && !(l->call && l->call->rtp_attached))
		tone(l, GW_TONE_RINGBACK);
}

void gw_line_connect(struct gw_line *l)
{
	struct gw_call *c = l->call;

	if (!c || !c->rtp || !c->have_remote)
		return;
	tone(l, GW_TONE_NONE);
	if (!c->rtp_attached) {
		c->rtp_attached = true;
		cmd(l, (struct gw_media_cmd){
			.type = GW_MEDIA_CMD_ATTACH, .rtp = c->rtp,
			.line_caller = c->dir == GW_CALL_FXS_TO_SIP ||
				       c->dir == GW_CALL_FXO_TO_SIP });
	}
	if (l->state == GW_LINE_FXS_CALLING && c->sip_answered)
		set_state(l, GW_LINE_FXS_TALKING);
}

void gw_line_remote_gone(struct gw_line *l, bool busy)
{
	unbridge(l);
	if (l->call)
		l->call->line = NULL;
	l->call = NULL;
	switch (l->state) {
	case GW_LINE_FXS_RINGING:
		lineop(l, GW_HW_OP_RING_STOP);
		to_idle(l);
		break;
	case GW_LINE_FXS_CALLING:
	case GW_LINE_FXS_TALKING:
	case GW_LINE_FXS_DIGITS:
	case GW_LINE_FXS_DIALTONE:
		LOG(l, GW_LOG_INFO, "call ended: %s tone until on-hook",
		    busy ? "busy" : "reorder");
		fxs_disconnected(l, busy ? GW_TONE_BUSY : GW_TONE_CONGESTION);
		break;
	case GW_LINE_FXO_RINGING:
		set_state(l, GW_LINE_FXO_IGNORING);
		break;
	case GW_LINE_FXO_IGNORING:
	case GW_LINE_FXS_DISCONNECTED:
	case GW_LINE_IDLE:
	case GW_LINE_ALARM:
		break;
	default:
		to_idle(l);
		break;
	}
}
