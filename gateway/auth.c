// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <sofia-sip/auth_module.h>
#include <sofia-sip/auth_plugin.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tagarg.h>

#include "gateway/app.h"
#include "gateway/auth.h"
#include "gateway/guard.h"
#include "gateway/log.h"

struct gw_auth {
	auth_mod_t *am; /* NULL when there are no users */
};

int gw_auth_alloc(struct gw_auth **ret, struct gw_app *app)
{
	const struct gw_conf_sec *sec = app->conf->sec;
	unsigned char key[32];
	char hex[2 * sizeof(key) + 1];
	struct gw_auth *a;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	if (!sec->nusers) {
		*ret = a;
		return 0;
	}
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		free(a);
		return -EIO;
	}
	for (size_t i = 0; i < sizeof(key); i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	a->am = auth_mod_create(app->root, AUTHTAG_METHOD("Digest"),
				AUTHTAG_REALM(sec->realm), AUTHTAG_QOP("auth"),
				AUTHTAG_EXPIRES(sec->nonce_ttl_s),
				AUTHTAG_NEXT_EXPIRES(0), AUTHTAG_BLACKLIST(0),
				AUTHTAG_MASTER_KEY(hex), TAG_END());
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hex, sizeof(hex));
	if (!a->am) {
		free(a);
		return -ENOMEM;
	}
	for (int i = 0; i < sec->nusers; i++) {
		auth_passwd_t *apw = auth_mod_addpass(a->am,
						      sec->users[i].name,
						      sec->realm);

		if (!apw) {
			gw_auth_free(a);
			return -ENOMEM;
		}
		apw->apw_pass = su_strdup(a->am->am_home,
					  sec->users[i].password);
	}
	*ret = a;
	return 0;
}

void gw_auth_free(struct gw_auth *a)
{
	if (!a)
		return;
	if (a->am)
		auth_mod_destroy(a->am);
	free(a);
}

static const struct sockaddr *source(struct gw_app *app)
{
	msg_t *msg = nua_current_request(app->nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;

	return ai ? ai->ai_addr : NULL;
}

/* The username parameter of the credentials that were checked. */
static void cred_user(const msg_header_t *h, char *buf, size_t len)
{
	const msg_auth_t *au = (const msg_auth_t *)h;
	const char *v = au ? msg_params_find(au->au_params, "username=") :
			     NULL;
	size_t n;

	if (!v) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (*v == '"')
		v++;
	n = strcspn(v, "\"");
	snprintf(buf, len, "%.*s", (int)n, v);
}

/*
 * The digest check both gates share (auth_mod_verify against sip.users):
 * 0 with the authenticated user name in `user`. Otherwise the request is
 * answered and -EACCES returned: a wrong password (not a stale nonce)
 * counts against the source (gw_guard_auth_failed: bans), a stale nonce
 * is logged when `log_stale`, an untrusted source is rate limited, and
 * the answer is 401 with a fresh challenge, or 403. `with` (NULL: the
 * handle's own request) is the nua whose current request is answered.
 */
static int digest_check(struct gw_app *app, nua_t *with, nua_handle_t *nh,
			const sip_t *sip, bool log_stale, char *user,
			size_t len)
{
	const struct sockaddr *sa = source(app);
	struct gw_guard *g = app->guard;
	auth_challenger_t ach = { 401, "Unauthorized",
				  sip_www_authenticate_class,
				  sip_authentication_info_class };
	auth_status_t as[1];
	msg_t *msg = nua_current_request(app->nua);
	msg_t *cur = with ? nua_current_request(with) : NULL;
	char host[64], name[64];

	auth_status_init(as, sizeof(as));
	as->as_method = sip->sip_request->rq_method_name;
	as->as_source = msg ? msg_addrinfo(msg) : NULL;
	auth_mod_verify(app->auth->am, as,
			(msg_auth_t *)sip->sip_authorization, &ach);
	if (as->as_status == 0) {
		snprintf(user, len, "%s", as->as_user ? as->as_user : "");
		AUTH_STATUS_DEINIT(as);
		return 0;
	}
	if (as->as_match && !as->as_stale) {
		cred_user(as->as_match, name, sizeof(name));
		gw_guard_auth_failed(g, sa, name);
	} else if (as->as_stale && log_stale) {
		gw_guard_addr_str(sa, host, sizeof(host));
		gw_log(GW_LOG_INFO, "security",
		       "stale nonce from %s: challenged again", host);
	}
	if (!sa || !gw_conf_trusted(app->conf, sa))
		gw_guard_unauth(g, sa, as->as_method); /* rate limit */
	if (as->as_status == 401 && as->as_response)
		nua_respond(nh, 401, "Unauthorized",
			    TAG_IF(cur, NUTAG_WITH(cur)),
			    SIPTAG_HEADER((sip_header_t *)as->as_response),
			    TAG_END());
	else
		nua_respond(nh, 403, "Forbidden", TAG_IF(cur, NUTAG_WITH(cur)),
			    TAG_END());
	AUTH_STATUS_DEINIT(as);
	return -EACCES;
}

bool gw_auth_invite(struct gw_app *app, nua_handle_t *nh, const sip_t *sip)
{
	const struct sockaddr *sa = source(app);
	struct gw_guard *g = app->guard;
	char host[64], user[64];

	if (sa && gw_conf_trusted(app->conf, sa))
		return true;
	gw_guard_addr_str(sa, host, sizeof(host));
	if (gw_guard_blocked(g, sa) || !app->auth || !app->auth->am) {
		/* one answer for every number: no extension is revealed */
		if (!gw_guard_blocked(g, sa))
			gw_guard_unauth(g, sa, "INVITE");
		gw_log(GW_LOG_DEBUG, "security",
		       "INVITE from untrusted source %s rejected (403)", host);
		nua_respond(nh, 403, "Forbidden", TAG_END());
		return false;
	}
	if (digest_check(app, NULL, nh, sip, true, user, sizeof(user)) < 0)
		return false;
	gw_log(GW_LOG_NOTICE, "security", "user \"%s\" authenticated from %s",
	       user, host);
	return true;
}

void gw_auth_note_request(struct gw_app *app, const sip_t *sip)
{
	const struct sockaddr *sa = source(app);

	if (!sa || gw_conf_trusted(app->conf, sa) ||
	    gw_guard_blocked(app->guard, sa))
		return;
	gw_guard_unauth(app->guard, sa,
			sip && sip->sip_request ?
				sip->sip_request->rq_method_name : "?");
}

/*
 * Digest check of an out-of-dialog REGISTER (gateway/registrar.h): no
 * trusted-address bypass. 0 with the authenticated user in `user`, or the
 * request has been answered (401/403) and -EACCES is returned.
 */
int gw_auth_register(struct gw_app *app, nua_t *nua, nua_handle_t *nh,
		     const sip_t *sip, char *user, size_t len)
{
	const struct sockaddr *sa = source(app);

	if (gw_guard_blocked(app->guard, sa) || !app->auth || !app->auth->am) {
		nua_respond(nh, 403, "Forbidden", NUTAG_WITH_THIS(nua),
			    TAG_END());
		return -EACCES;
	}
	return digest_check(app, nua, nh, sip, false, user, len);
}
