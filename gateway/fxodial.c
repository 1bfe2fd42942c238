// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fxodial: pulse dialling, hook-flash and the release guard of FXO ports
 * (gateway/fxodial.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sofia-sip/sip.h>

#include "gateway/fxodial.h"
#include "gateway/line_int.h"

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int gw_fxodial_guard(struct gw_line *l)
{
	struct gw_fxodial *d = &l->fxodial;
	uint64_t since = now_ms() - d->released_ms;

	d->seize_pending = false;
	if (!d->released_ms || since >= GW_FXODIAL_GUARD_MS)
		return 0;
	d->seize_pending = true;
	LOG(l, GW_LOG_INFO, "released %llu ms ago: seizing in %llu ms "
	    "(release guard)", (unsigned long long)since,
	    (unsigned long long)(GW_FXODIAL_GUARD_MS - since));
	gw_line_timer_start(l, (int)(GW_FXODIAL_GUARD_MS - since));
	return (int)(GW_FXODIAL_GUARD_MS - since);
}

bool gw_fxodial_guard_over(struct gw_line *l)
{
	bool was = l->fxodial.seize_pending;

	l->fxodial.seize_pending = false;
	return was;
}

void gw_fxodial_released(struct gw_line *l)
{
	l->fxodial.released_ms = now_ms();
	l->fxodial.seize_pending = false;
	l->fxodial.pulsing = false;
}

int gw_fxodial_dial(struct gw_line *l)
{
	const struct gw_conf_fxo_dial *d = &l->conf->dial;
	struct gw_call *c = l->call;
	struct gw_media_cmd m = { .type = GW_MEDIA_CMD_PULSE };
	size_t n = strlen(c->number);
	int ms;

	if (d->mode != GW_CONF_DIAL_PULSE) {
		m.type = GW_MEDIA_CMD_DTMF;
		snprintf(m.digits, sizeof(m.digits), "%s", c->number);
		LOG(l, GW_LOG_INFO, "dial tone: dialling %s", c->number);
		gw_line_cmd(l, m);
		return 0;
	}
	if (!n || n >= sizeof(m.pulse.digits) ||
	    strspn(c->number, "0123456789") != n) {
		LOG(l, GW_LOG_WARNING, "%s cannot be pulse-dialled (digits "
		    "only, at most %zu)", c->number,
		    sizeof(m.pulse.digits) - 1);
		gw_line_ends_call(l, 484, "number not pulse-diallable");
		gw_line_to_idle(l);
		return -EINVAL;
	}
	memcpy(m.pulse.digits, c->number, n + 1);
	m.pulse.timing = (struct gw_hw_pulse){
		.pps = d->pulse_pps,
		.break_pct = d->break_pct,
		.interdigit_ms = d->interdigit_ms,
	};
	LOG(l, GW_LOG_INFO, "dial tone: pulse-dialling %s (%d pps, %d %% "
	    "break, %d ms between digits)", c->number, d->pulse_pps,
	    d->break_pct, d->interdigit_ms);
	gw_line_cmd(l, m);
	l->fxodial.pulsing = true;
	/* the longest it can take (all zeros), and some: then it failed */
	ms = (int)n * (10 * 1000 / d->pulse_pps + d->interdigit_ms) + 3000;
	gw_line_timer_start(l, ms);
	return 0;
}

void gw_fxodial_timeout(struct gw_line *l)
{
	LOG(l, GW_LOG_WARNING, "pulse dialling did not finish (the card "
	    "has no pulse dialler?)");
	l->fxodial.pulsing = false;
	gw_line_ends_call(l, 503, "pulse dialling failed");
	gw_line_to_idle(l);
}

bool gw_fxodial_done(struct gw_line *l)
{
	if (!l->fxodial.pulsing)
		return false;
	l->fxodial.pulsing = false;
	gw_line_timer_stop(l);
	LOG(l, GW_LOG_INFO, "pulse dialling done");
	return true;
}

int gw_fxodial_flash(struct gw_line *l, const char *why)
{
	if (!l || l->type != GW_CONF_PORT_FXO)
		return -EINVAL;
	if (l->state != GW_LINE_FXO_TALKING && l->state != GW_LINE_FXO_EARLY) {
		LOG(l, GW_LOG_NOTICE, "hook-flash (%s) ignored: the line is "
		    "not held (%s)", why, gw_line_state_name(l->state));
		return -ENOTCONN;
	}
	LOG(l, GW_LOG_INFO, "hook-flash (%s): on-hook for %d ms", why,
	    l->conf->dial.flash_ms);
	gw_line_cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_FLASH,
					      .flash_ms =
						      l->conf->dial.flash_ms });
	return 0;
}

void gw_fxodial_net_event(struct gw_line *l, int event)
{
	if (event == 16 && l->type == GW_CONF_PORT_FXO)
		gw_fxodial_flash(l, "RFC 4733 event 16");
	else
		LOG(l, GW_LOG_DEBUG, "RFC 4733 event %d received: ignored",
		    event);
}

/*
 * application/dtmf-relay (the Cisco/SIP-INFO convention): lines
 * "Signal=X" and "Duration=MS"; X is a digit, or 16 / hf for a flash.
 * Returns the signal's value (after '=' and blanks), or NULL.
 */
static const char *relay_signal(const char *body, size_t len, char *buf,
				size_t size)
{
	size_t i = 0;

	while (i < len) {
		size_t e = i, k = 0;

		while (e < len && body[e] != '\n' && body[e] != '\r')
			e++;
		if (e - i > 6 && !strncasecmp(body + i, "signal", 6)) {
			size_t j = i + 6;

			while (j < e && (body[j] == ' ' || body[j] == '\t'))
				j++;
			if (j < e && body[j] == '=') {
				j++;
				while (j < e && isspace((unsigned char)body[j]))
					j++;
				while (j < e && k + 1 < size &&
				       !isspace((unsigned char)body[j]))
					buf[k++] = body[j++];
				buf[k] = '\0';
				return buf;
			}
		}
		i = e + 1;
	}
	return NULL;
}

int gw_fxodial_sip_info(struct gw_call *c, const sip_t *sip)
{
	const char *type = sip && sip->sip_content_type ?
				   sip->sip_content_type->c_type : NULL;
	const char *body = sip && sip->sip_payload ?
				   sip->sip_payload->pl_data : NULL;
	size_t len = body ? sip->sip_payload->pl_len : 0;
	char sig[16];

	if (!c->line)
		return 481;
	if (!type)
		return 200; /* an empty INFO: a keep-alive probe */
	if (!strcasecmp(type, "application/hook-flash")) {
		gw_fxodial_flash(c->line, "SIP INFO hook-flash");
		return 200;
	}
	if (strcasecmp(type, "application/dtmf-relay"))
		return 415;
	if (!relay_signal(body ? body : "", len, sig, sizeof(sig)))
		return 400;
	if (!strcmp(sig, "16") || !strcasecmp(sig, "hf"))
		gw_fxodial_flash(c->line, "SIP INFO dtmf-relay");
	else
		LOG(c->line, GW_LOG_INFO,
		    "SIP INFO dtmf-relay Signal=%s: not relayed", sig);
	return 200;
}
