// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_tagarg.h>

#include "config.h"
#include "gateway/auth.h"
#include "gateway/call.h"
#include "gateway/callfeat.h"
#include "gateway/fork.h"
#include "gateway/fxodial.h"
#include "gateway/guard.h"
#include "gateway/log.h"
#include "gateway/mwi.h"
#include "gateway/registrar.h"
#include "gateway/sip.h"
#include "gateway/transport.h"
#include "gateway/trunk.h"
#include "gateway/xfer.h"

static bool shutdown_done;

static void callback(nua_event_t event, int status, char const *phrase,
		     nua_t *nua, nua_magic_t *magic, nua_handle_t *nh,
		     nua_hmagic_t *hmagic, sip_t const *sip, tagi_t tags[])
{
	struct gw_app *app = magic;
	struct gw_call *c = hmagic;

	gw_log(GW_LOG_DEBUG, "sip", "%s %03d %s", nua_event_name(event),
	       status, phrase ? phrase : "");
	if (gw_trunk_sip_event(app, event, status, phrase, nh, sip))
		return; /* a trunk's REGISTER or OPTIONS (trunk.c) */
	if (!c && gw_fork_sip_event(app, event, status, phrase, nh, sip, tags))
		return; /* a forked INVITE's branch (fork.h) */
	switch (event) {
	case nua_i_invite:
		if (c)
			gw_call_sip_reinvite(c, sip);
		else
			gw_call_sip_invite(app, nh, sip);
		break;
	case nua_r_invite:
		if (c)
			gw_call_sip_response(c, status, phrase, sip);
		break;
	case nua_r_bye:
	case nua_r_update:
		if (c) /* session timer (RFC 4028 §10, callfeat.h) */
			gw_callfeat_session_end(c, event, status, phrase);
		break;
	case nua_i_bye:
		if (c) {
			gw_callfeat_reason_rx(c, sip); /* RFC 3326 */
			gw_call_sip_ended(c, "BYE received");
		}
		break;
	case nua_i_cancel:
		if (c) {
			gw_callfeat_reason_rx(c, sip);
			gw_call_sip_ended(c, "CANCEL received");
		}
		break;
	case nua_i_info: /* hook-flash to an FXO line (gateway/fxodial.h) */
		if (c) {
			int st = gw_fxodial_sip_info(c, sip);

			nua_respond(nh, st, sip_status_phrase(st),
				    NUTAG_WITH_THIS(nua), TAG_END());
		} else {
			nua_respond(nh, SIP_481_NO_TRANSACTION,
				    NUTAG_WITH_THIS(nua), TAG_END());
		}
		break;
	case nua_i_state: {
		int state = nua_callstate_init;
		tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (state != nua_callstate_terminated)
			break;
		if (c)
			gw_call_sip_terminated(c);
		else
			nua_handle_destroy(nh);
		break;
	}
	case nua_i_notify:
		/* unsolicited NOTIFY (NUTAG_APPL_METHOD below): MWI; in a
		 * call: our REFER's progress (gateway/xfer.h) */
		if (c)
			gw_xfer_sip_notify(c, nua, nh, sip);
		else if (nh)
			gw_mwi_sip_notify(app, nua, nh, sip);
		break;
	case nua_i_refer: /* transfer (gateway/xfer.h) */
		if (c) {
			gw_xfer_sip_refer(c, nua, nh, sip, tags);
			break;
		}
		gw_auth_note_request(app, sip); /* rate limit */
		if (nh) {
			nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua),
				    TAG_END());
			nua_handle_destroy(nh);
		}
		break;
	case nua_r_refer:
		if (c)
			gw_xfer_refer_answered(c, status, phrase);
		break;
	case nua_r_notify:
		if (c)
			gw_xfer_notify_answered(c, status);
		break;
	case nua_r_shutdown:
		if (status >= 200)
			shutdown_done = true;
		break;
	case nua_i_register:
		if (app->registrar && !c && nh) { /* registrar.h */
			gw_registrar_request(app, nua, nh, sip);
			break;
		}
		__attribute__((fallthrough)); /* answered by nua */
	case nua_i_options:
	case nua_i_message:
	case nua_i_chat:
	case nua_i_subscribe:
	case nua_i_publish:
	case nua_i_method:
		/* Answered by nua itself; drop the handle it made for us. */
		if (!c)
			gw_auth_note_request(app, sip); /* rate limit */
		if (!c && nh)
			nua_handle_destroy(nh);
		break;
	default:
		break;
	}
}

/* Digest users and the source guard (gateway/auth.h, guard.h). */
static int sip_guard_start(struct gw_app *app)
{
	int err = gw_guard_alloc(&app->guard, app);

	if (!err)
		err = gw_auth_alloc(&app->auth, app);
	if (err) {
		gw_log(GW_LOG_ERR, "security", "cannot start: %s",
		       strerror(-err));
		return err;
	}
	gw_guard_attach(app->guard);
	return 0;
}

/* The built-in registrar answers REGISTER itself (registrar.h). */
static int sip_registrar_start(struct gw_app *app)
{
	int err;

	if (!app->conf->sec->registrar)
		return 0;
	err = gw_registrar_alloc(&app->registrar, app);
	if (err)
		return err;
	nua_set_params(app->nua, NUTAG_APPL_METHOD("REGISTER"),
		       NUTAG_ALLOW("REGISTER"), TAG_END());
	gw_log(GW_LOG_INFO, "registrar", "built-in registrar enabled");
	return 0;
}

static void sip_guard_stop(struct gw_app *app)
{
	gw_auth_free(app->auth);
	app->auth = NULL;
	gw_registrar_free(app->registrar);
	app->registrar = NULL;
	gw_guard_free(app->guard);
	app->guard = NULL;
}

int gw_sip_start(struct gw_app *app)
{
	/* UDP, TCP, TLS; rport, external address (gateway/transport.c) */
	int err = gw_transport_nua_create(app, callback, app);

	if (err)
		return err;
	nua_set_params(app->nua, NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOALERT(0),
		       NUTAG_AUTOANSWER(0), NUTAG_AUTOACK(1),
		       NUTAG_ENABLEINVITE(1),
		       SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, "
					"NOTIFY, INFO, UPDATE, REFER"),
		       NUTAG_APPL_METHOD("NOTIFY, INFO, REFER"),
		       SIPTAG_USER_AGENT_STR(PACKAGE_NAME "/" PACKAGE_VERSION),
		       TAG_END());
	gw_callfeat_nua_params(app); /* RFC 4028, 3262 (callfeat.h) */
	err = sip_guard_start(app);
	return err ? err : sip_registrar_start(app);
}

void gw_sip_stop(struct gw_app *app)
{
	su_time_t t0 = su_now();

	if (!app->nua)
		return;
	shutdown_done = false;
	nua_shutdown(app->nua);
	/*
	 * Up to 3 s of wall time for nua_r_shutdown (a step returns early
	 * when a timer or message is due, so count time, not steps): a
	 * service manager's stop timeout must not run out. A transaction
	 * stuck on a dead connection may hold the stack longer; destroying
	 * a stack that has not shut down makes Sofia abort, so it is then
	 * left to the exit.
	 */
	while (!shutdown_done && su_duration(su_now(), t0) < 3000)
		su_root_step(app->root, 100);
	if (shutdown_done)
		nua_destroy(app->nua);
	else
		gw_log(GW_LOG_WARNING, "sip",
		       "SIP stack not shut down after 3 s; left to the exit");
	app->nua = NULL;
	sip_guard_stop(app);
}
