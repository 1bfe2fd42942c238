// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_tagarg.h>

#include "config.h"
#include "gateway/call.h"
#include "gateway/log.h"
#include "gateway/sip.h"

static bool shutdown_done;

static void callback(nua_event_t event, int status, char const *phrase,
		     nua_t *nua, nua_magic_t *magic, nua_handle_t *nh,
		     nua_hmagic_t *hmagic, sip_t const *sip, tagi_t tags[])
{
	struct gw_app *app = magic;
	struct gw_call *c = hmagic;

	gw_log(GW_LOG_DEBUG, "sip", "%s %03d %s", nua_event_name(event),
	       status, phrase ? phrase : "");
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
	case nua_i_bye:
		if (c)
			gw_call_sip_ended(c, "BYE received");
		break;
	case nua_i_cancel:
		if (c)
			gw_call_sip_ended(c, "CANCEL received");
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
	case nua_r_shutdown:
		if (status >= 200)
			shutdown_done = true;
		break;
	case nua_i_options:
	case nua_i_message:
	case nua_i_chat:
	case nua_i_subscribe:
	case nua_i_publish:
	case nua_i_method:
	case nua_i_register:
	case nua_i_refer:
		/* Answered by nua itself; drop the handle it made for us. */
		if (!c && nh)
			nua_handle_destroy(nh);
		break;
	default:
		break;
	}
}

int gw_sip_start(struct gw_app *app)
{
	const struct gw_conf *conf = app->conf;
	bool v6 = strchr(conf->sip_host, ':') != NULL;
	char url[128];

	snprintf(url, sizeof(url), "sip:%s%s%s:%d;transport=udp", v6 ? "[" : "",
		 conf->sip_host, v6 ? "]" : "", conf->sip_port);
	app->nua = nua_create(app->root, callback, app, NUTAG_URL(url),
			      TAG_END());
	if (!app->nua) {
		gw_log(GW_LOG_ERR, "sip", "cannot listen on %s (address in use?)",
		       url);
		return -EADDRINUSE;
	}
	nua_set_params(app->nua, NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOALERT(0),
		       NUTAG_AUTOANSWER(0), NUTAG_AUTOACK(1),
		       NUTAG_ENABLEINVITE(1),
		       SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK"),
		       SIPTAG_USER_AGENT_STR(PACKAGE_NAME "/" PACKAGE_VERSION),
		       TAG_END());
	gw_log(GW_LOG_NOTICE, "sip", "listening on %s", url);
	return 0;
}

void gw_sip_stop(struct gw_app *app)
{
	if (!app->nua)
		return;
	shutdown_done = false;
	nua_shutdown(app->nua);
	for (int i = 0; i < 50 && !shutdown_done; i++)
		su_root_step(app->root, 100);
	nua_destroy(app->nua);
	app->nua = NULL;
}
