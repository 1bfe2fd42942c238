// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl: the control socket server and its commands.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dsp/dtmf.h"
#include "linesim/card.h"
#include "linesim/cid.h"
#include "linesim/ctl.h"
#include "linesim/cw.h"
#include "linesim/fax.h"
#include "linesim/linesim.h"
#include "linesim/loop.h"

#define MAX_CLIENTS 64
#define LINE_MAX_BYTES 4096
#define OUT_MAX_BYTES (1 << 20) /* a client that reads nothing is dropped */
#define REPLY_MAX 8192
#define MAX_ARGS 8

struct client {
	int fd;
	char in[LINE_MAX_BYTES];
	size_t inlen;
	bool skip; /* discarding the rest of an overlong line */
	char *out;
	size_t outlen;
	bool eof;
};

struct ls_ctl {
	struct ls_sim *sim;
	char *path;
	int lfd;
	struct client *cl[MAX_CLIENTS];
	int ncl;
};

/* ---------------------------------------------------------- commands */

struct args {
	int n;
	char *v[MAX_ARGS];
	const char *rest[MAX_ARGS]; /* line from v[i] to the end */
};

struct cmd {
	const char *name;
	int min, max; /* argument count after the command name */
	const char *usage;
	int (*fn)(struct ls_sim *sim, struct args *a, char *r, size_t len);
};

static int reply(char *r, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reply(char *r, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r, len, fmt, ap);
	va_end(ap);
	return 0;
}

/* An "err ..." reply; returns -EINVAL. */
static int fail(char *r, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *r, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r, len, "err ");
	va_start(ap, fmt);
	vsnprintf(r + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Parse a port argument: *pp on success, else an error reply. */
static int get_port(struct ls_sim *sim, const char *s, struct ls_port **pp,
		    char *r, size_t len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || !(*pp = ls_sim_port(sim, (int)v))) {
		return fail(r, len, "port %s: no such port (ports are 1-%d)",
			    s, sim->nports);
	}
	return 0;
}

static int want(struct ls_port *p, enum ls_kind kind, const char *cmd,
		char *r, size_t len)
{
	if (p->kind == kind)
		return 0;
	return fail(r, len, "port %d: %s applies to %s ports", p->chan, cmd,
		    kind == LS_PHONE ? "phone (fxs)" : "co (fxo)");
}

static int want_card(struct ls_sim *sim, char *r, size_t len)
{
	if (ls_sim_card_up(sim))
		return 0;
	return fail(r, len, "no gateway connected to the card socket");
}

static void source_now(struct ls_port *p, char *buf, size_t len)
{
	const struct ls_phone *ph = &p->phone;
	const struct ls_co *co = &p->co;

	if (p->kind == LS_PHONE) {
		if (ph->state != LS_PHONE_OFFHOOK)
			snprintf(buf, len, "none");
		else if (gw_dtmf_tx_busy(p->dtmf))
			snprintf(buf, len, "dtmf");
		else if (ph->pulsing)
			snprintf(buf, len, "pulse");
		else if (ls_fax_active(p))
			snprintf(buf, len, "fax:%s", ls_fax_mode_name(p));
		else if (p->play.type != LS_SRC_AUTO)
			ls_source_name(&p->play, buf, len);
		else
			snprintf(buf, len, "%s",
				 ph->auto_answered ? "echo" : "silence");
		return;
	}
	if ((co->state == LS_CO_ANSWERED || co->state == LS_CO_CONNECTED) &&
	    ls_fax_active(p))
		snprintf(buf, len, "fax:%s", ls_fax_mode_name(p));
	else if ((co->state == LS_CO_ANSWERED ||
		  co->state == LS_CO_CONNECTED) &&
		 p->play.type != LS_SRC_AUTO)
		ls_source_name(&p->play, buf, len);
	else
		snprintf(buf, len, "%s", ls_co_sending(p));
}

static int c_status(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	char src[LINE_MAX_BYTES + 16], play[LINE_MAX_BYTES + 16], echo[32];
	char hook[160];
	struct ls_port *p;
	struct ls_phone *ph;
	struct ls_co *co;

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	ph = &p->phone;
	co = &p->co;
	source_now(p, src, sizeof(src));
	ls_source_name(&p->play, play, sizeof(play));
	ls_echo_name(&p->echo, echo, sizeof(echo));
	if (p->kind == LS_PHONE)
		return reply(r, len,
			     "ok port=%d kind=phone state=%s hook=%s hears=%s "
			     "ringing=%d bell=%d rings=%d digits=%s dialled=%s "
			     "source=%s play=%s auto=%s auto_rings=%d "
			     "polarity=%s recording=%d echo=%s",
			     p->chan, ls_phone_state_name(ph->state),
			     ph->state == LS_PHONE_OFFHOOK ? "offhook"
							   : "onhook",
			     gw_tone_name(ls_listen_tone(&p->listen)),
			     ph->state == LS_PHONE_RINGING, ph->ring_on,
			     ph->rings, p->listen.digits, ph->dialled, src,
			     play, ph->auto_on ? "on" : "off", ph->auto_rings,
			     ph->polarity_rev ? "rev" : "fwd",
			     p->rec.file != NULL, echo);
	ls_co_hook_status(p, hook, sizeof(hook));
	return reply(r, len,
		     "ok port=%d kind=co state=%s hook=%s hears=%s ringing=%d "
		     "bell=%d rings=%d digits=%s dialled=%s source=%s play=%s "
		     "caller=%s recording=%d echo=%s %s",
		     p->chan, ls_co_state_name(co->state),
		     co->seized && !co->hook.on ? "offhook" : "onhook",
		     gw_tone_name(ls_listen_tone(&p->listen)),
		     co->state == LS_CO_INCOMING, co->ring_on, co->rings,
		     p->listen.digits, co->number, src, play, co->caller,
		     p->rec.file != NULL, echo, hook);
}

static int c_hears(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;
	float level;
	int freq;

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	ls_listen_measure(&p->listen, &freq, &level);
	return reply(r, len, "ok tone=%s freq=%d level=%.1f",
		     gw_tone_name(ls_listen_tone(&p->listen)), freq, level);
}

static int c_digits(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	reply(r, len, "ok digits=%s", p->listen.digits);
	p->listen.ndigits = 0;
	p->listen.digits[0] = '\0';
	return 0;
}

static int c_play(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	char name[LINE_MAX_BYTES + 16], why[LINE_MAX_BYTES + 128];
	const char *what = a->v[1];
	struct ls_port *p;
	double level;
	char *end;
	long freq;
	int err;

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	if (!strcmp(what, "tone") && a->n == 4) {
		errno = 0;
		freq = strtol(a->v[2], &end, 10);
		if (errno || *end || freq < 20 || freq > 3950)
			return fail(r, len,
				     "play: frequency '%s' must be 20 to "
				     "3950 Hz",
				     a->v[2]);
		level = strtod(a->v[3], &end);
		if (*end || end == a->v[3] || !(level >= -60 && level <= 3))
			return fail(r, len,
				     "play: level '%s' must be -60 to 3 "
				     "dBm0",
				     a->v[3]);
		err = ls_source_tone(&p->play, (int)freq, (int)lround(level));
		if (err < 0)
			return fail(r, len, "play: cannot make that tone "
					     "(%s)",
				     strerror(-err));
	} else if (!strcmp(what, "wav") && a->n >= 3) {
		err = ls_source_wav(&p->play, a->rest[2], why, sizeof(why));
		if (err < 0)
			return fail(r, len, "play: %s", why);
	} else if (a->n == 2 && !strcmp(what, "echo")) {
		ls_source_set(&p->play, LS_SRC_ECHO);
	} else if (a->n == 2 && !strcmp(what, "silence")) {
		ls_source_set(&p->play, LS_SRC_SILENCE);
	} else if (a->n == 2 && !strcmp(what, "auto")) {
		ls_source_set(&p->play, LS_SRC_AUTO);
	} else {
		return -EINVAL; /* usage */
	}
	ls_source_name(&p->play, name, sizeof(name));
	ls_log("port %d: play %s", p->chan, name);
	return reply(r, len, "ok port=%d play=%s", p->chan, name);
}

static int c_record(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	char why[LINE_MAX_BYTES + 128];
	struct ls_port *p;
	uint64_t n;
	int err;

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	if (a->n == 2 && !strcmp(a->v[1], "stop")) {
		if (p->rec.file) {
			n = ls_rec_stop(&p->rec);
			ls_log("port %d: recording stopped, %llu samples",
			       p->chan, (unsigned long long)n);
			return reply(r, len, "ok port=%d samples=%llu",
				     p->chan, (unsigned long long)n);
		}
		if (p->rec.closed_idle) {
			p->rec.closed_idle = false;
			return reply(r, len,
				     "ok port=%d samples=%llu closed=idle",
				     p->chan,
				     (unsigned long long)p->rec.last_samples);
		}
		return fail(r, len, "port %d: not recording", p->chan);
	}
	if (p->rec.file)
		return fail(r, len,
			     "port %d: already recording to %s (record %d "
			     "stop first)",
			     p->chan, p->rec.path, p->chan);
	err = ls_rec_start(&p->rec, a->rest[1], why, sizeof(why));
	if (err < 0)
		return fail(r, len, "record: %s", why);
	ls_log("port %d: recording to %s", p->chan, p->rec.path);
	return reply(r, len, "ok port=%d file=%s", p->chan, p->rec.path);
}

static int c_offhook(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "offhook", r, len) || want_card(sim, r, len))
		return -EINVAL;
	if (ls_phone_offhook(p) < 0)
		return fail(r, len, "port %d: already off-hook",
			     p->chan);
	return reply(r, len, "ok port=%d state=offhook", p->chan);
}

static int c_onhook(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "onhook", r, len))
		return -EINVAL;
	if (ls_phone_onhook(p) < 0)
		return fail(r, len, "port %d: already on-hook",
			     p->chan);
	return reply(r, len, "ok port=%d state=idle", p->chan);
}

static int c_flash(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;
	long ms = 300;
	char *end;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "flash", r, len))
		return -EINVAL;
	if (a->n > 1) {
		errno = 0;
		ms = strtol(a->v[1], &end, 10);
		if (errno || end == a->v[1] || *end || ms < 20 || ms > 2000)
			return fail(r, len, "flash: '%s' is not 20..2000 ms",
				    a->v[1]);
	}
	if (ls_phone_flash(p, (int)ms) < 0)
		return fail(r, len, "port %d: not off-hook (or flashing)",
			    p->chan);
	return reply(r, len, "ok port=%d flash=%ld", p->chan, ms);
}

static int c_dial(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;
	char *d;
	int err;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "dial", r, len))
		return -EINVAL;
	for (d = a->v[1]; *d; d++)
		*d = (char)toupper((unsigned char)*d);
	err = ls_phone_dial(p, a->v[1]);
	if (err == -ENOTCONN)
		return fail(r, len,
			     "port %d: phone is on-hook (offhook %d first)",
			     p->chan, p->chan);
	if (err == -ENOSPC)
		return fail(r, len, "port %d: DTMF queue full", p->chan);
	if (err < 0)
		return fail(r, len,
			     "port %d: bad digits '%s' (0-9 * # A-D)",
			     p->chan, a->v[1]);
	return reply(r, len, "ok port=%d queued=%s", p->chan, a->v[1]);
}

/* A whole number in lo..hi from an argument, or -1. */
static long arg_num(const char *v, long lo, long hi)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return -1;
	return n;
}

static int c_pulse(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;
	long pps = 10, brk = 60;
	int err;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "pulse", r, len))
		return -EINVAL;
	if (a->n > 2 && (pps = arg_num(a->v[2], 5, 20)) < 0)
		return fail(r, len, "pulse: '%s' is not 5..20 pulses/s",
			    a->v[2]);
	if (a->n > 3 && (brk = arg_num(a->v[3], 30, 80)) < 0)
		return fail(r, len, "pulse: '%s' is not a 30..80 %% break",
			    a->v[3]);
	err = ls_phone_pulse(p, a->v[1], (int)pps, (int)brk);
	if (err == -ENOTCONN)
		return fail(r, len,
			     "port %d: phone is on-hook (offhook %d first)",
			     p->chan, p->chan);
	if (err == -EBUSY)
		return fail(r, len, "port %d: still dialling", p->chan);
	if (err < 0)
		return fail(r, len, "port %d: bad digits '%s' (0-9, up to 31)",
			    p->chan, a->v[1]);
	return reply(r, len, "ok port=%d pulse=%s pps=%ld break=%ld", p->chan,
		     a->v[1], pps, brk);
}

static int c_auto(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;
	long rings = -1;
	char *end;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "auto", r, len))
		return -EINVAL;
	if (strcmp(a->v[1], "on") && strcmp(a->v[1], "off"))
		return -EINVAL;
	if (a->n == 3) {
		errno = 0;
		rings = strtol(a->v[2], &end, 10);
		if (errno || *end || end == a->v[2] || rings < 0 ||
		    rings > 100)
			return fail(r, len, "auto: RINGS '%s' must be 0 "
					     "to 100",
				     a->v[2]);
		p->phone.auto_rings = (int)rings;
	}
	p->phone.auto_on = !strcmp(a->v[1], "on");
	ls_log("port %d: auto %s, answer after %d ring(s)", p->chan,
	       a->v[1], p->phone.auto_rings);
	return reply(r, len, "ok port=%d auto=%s rings=%d", p->chan, a->v[1],
		     p->phone.auto_rings);
}

static int c_echo(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;
	char spec[96], name[32];

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	if (a->n == 2 && !strcmp(a->v[1], "off")) {
		ls_echo_off(&p->echo);
	} else if (a->n >= 3) {
		snprintf(spec, sizeof(spec), "%s:%s:%s", a->v[1], a->v[2],
			 a->n == 4 ? a->v[3] : "0");
		if (ls_echo_parse(&p->echo, spec) < 0)
			return fail(r, len,
				    "echo: MODEL 2..9 (G.168 Annex D), ERL 0..60 "
				    "dB, DELAY_MS 0..%d",
				    LS_ECHO_MAX_DELAY_MS);
	} else {
		return -EINVAL;
	}
	ls_echo_name(&p->echo, name, sizeof(name));
	ls_log("port %d: hybrid echo %s", p->chan, name);
	return reply(r, len, "ok port=%d echo=%s", p->chan, name);
}

/* `call P CALLER key=value...`: caller ID and cadence (linesim/cid.h). */
static int call_options(struct ls_port *p, struct args *a, const char *caller,
			char *r, size_t len)
{
	struct ls_cid_call o = { .std = "none", .ring = "normal",
				 .zone = "us" };
	char why[128];
	size_t n = 0;

	if (a->n <= 2) {
		ls_cid_co_stop(p);
		return 0;
	}
	if (!strcmp(caller, "private") || !strcmp(caller, "unavailable"))
		o.absence = caller[0] == 'p' ? 'P' : 'O';
	for (const char *c = caller; !o.absence && *c; c++)
		if (isdigit((unsigned char)*c) && n + 1 < sizeof(o.number))
			o.number[n++] = *c;
	for (int i = 2; i < a->n; i++) {
		const char *v = strchr(a->v[i], '=');
		char *dst;
		size_t sz;

		if (!v)
			return fail(r, len, "call: option '%s' is not KEY=VALUE",
				    a->v[i]);
		v++;
		if (!strncmp(a->v[i], "cid=", 4)) {
			dst = o.std;
			sz = sizeof(o.std);
		} else if (!strncmp(a->v[i], "ring=", 5)) {
			dst = o.ring;
			sz = sizeof(o.ring);
		} else if (!strncmp(a->v[i], "zone=", 5)) {
			dst = o.zone;
			sz = sizeof(o.zone);
		} else if (!strncmp(a->v[i], "name=", 5)) {
			dst = o.name;
			sz = sizeof(o.name);
		} else {
			return fail(r, len, "call: unknown option '%s' (cid=, "
					    "ring=, zone=, name=)", a->v[i]);
		}
		if (strlen(v) >= sz)
			return fail(r, len, "call: '%s' too long", a->v[i]);
		for (n = 0; v[n]; n++) /* names: _ for a space */
			dst[n] = v[n] == '_' && dst == o.name ? ' ' : v[n];
		dst[n] = 0;
	}
	if (ls_cid_co_setup(p, &o, why, sizeof(why)) < 0)
		return fail(r, len, "call: %s", why);
	return 0;
}

static int c_call(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	const char *caller = a->n >= 2 ? a->v[1] : "";
	struct ls_port *p;
	const char *c;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_CO, "call", r, len) || want_card(sim, r, len))
		return -EINVAL;
	if (a->n >= 2 && (!strcmp(caller, "private") ||
			  !strcmp(caller, "unavailable") ||
			  !strcmp(caller, "-")))
		caller = "";
	for (c = caller; *c; c++)
		if (!isdigit((unsigned char)*c) && *c != '+')
			return fail(r, len, "call: caller number '%s' "
					     "must be digits",
				     caller);
	if (strlen(caller) >= LS_NUMBER_MAX)
		return fail(r, len, "call: caller number too long");
	if (p->co.state != LS_CO_IDLE || p->co.seized)
		return fail(r, len, "port %d: line busy (state=%s)",
			     p->chan, ls_co_state_name(p->co.state));
	if (call_options(p, a, a->n >= 2 ? a->v[1] : "", r, len) < 0)
		return -EINVAL;
	if (ls_co_call(p, caller) < 0)
		return fail(r, len, "port %d: line busy (state=%s)",
			     p->chan, ls_co_state_name(p->co.state));
	return reply(r, len, "ok port=%d state=incoming caller=%s", p->chan,
		     caller);
}

/* The far end of a CO port's call (linesim/far.h): `name` P ARGS... */
static int c_far(struct ls_sim *sim, struct args *a, char *r, size_t len,
		 const char *name)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_CO, name, r, len))
		return -EINVAL;
	return ls_far_command(p, name, a->n - 1, a->v + 1, r, len);
}

static int c_answer(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	return c_far(sim, a, r, len, "answer");
}

static int c_answermode(struct ls_sim *sim, struct args *a, char *r,
			size_t len)
{
	return c_far(sim, a, r, len, "answermode");
}

static int c_drop(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	return c_far(sim, a, r, len, "drop");
}

static int c_talk(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	return c_far(sim, a, r, len, "talk");
}

static int c_zone(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	return c_far(sim, a, r, len, "zone");
}

static int c_noise(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	return c_far(sim, a, r, len, "noise");
}

static int c_level(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	return c_far(sim, a, r, len, "level");
}

static int c_hangup(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (a->n > 1)
		return c_far(sim, a, r, len, "hangup");
	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_CO, "hangup", r, len))
		return -EINVAL;
	if (ls_co_hangup(p) < 0)
		return fail(r, len,
			     "port %d: no call to hang up (state=%s)",
			     p->chan, ls_co_state_name(p->co.state));
	return reply(r, len, "ok port=%d state=%s", p->chan,
		     ls_co_state_name(p->co.state));
}

static int c_fax(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	char why[LINE_MAX_BYTES + 128];
	enum ls_fax_mode mode;
	struct ls_port *p;
	bool ecm = false;
	int file = 2;

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	if (a->n == 2 && !strcmp(a->v[1], "off")) {
		ls_fax_off(p);
		ls_log("port %d: fax off", p->chan);
		return reply(r, len, "ok port=%d fax=off", p->chan);
	}
	if (!strcmp(a->v[1], "send"))
		mode = LS_FAX_SEND;
	else if (!strcmp(a->v[1], "receive"))
		mode = LS_FAX_RECEIVE;
	else
		return -EINVAL;
	if (a->n >= 4 && !strcmp(a->v[2], "ecm")) {
		ecm = true;
		file = 3;
	}
	if (a->n <= file)
		return -EINVAL;
	if (ls_fax_arm(p, mode, a->rest[file], ecm, why, sizeof(why)) < 0)
		return fail(r, len, "fax: %s", why);
	ls_log("port %d: fax %s%s %s armed", p->chan, a->v[1],
	       ecm ? " (ECM)" : "", a->rest[file]);
	return reply(r, len, "ok port=%d fax=%s ecm=%d file=%s", p->chan,
		     a->v[1], ecm, a->rest[file]);
}

static int c_faxstatus(struct ls_sim *sim, struct args *a, char *r,
		       size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	ls_fax_status(p, r, len);
	return 0;
}

static int c_info(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	char types[GW_HW_MAX_CHANS * 4 + 1] = "";
	int i;

	for (i = 0; i < sim->nports; i++)
		strcat(strcat(types, i ? "," : ""),
		       sim->port[i].kind == LS_PHONE ? "fxs" : "fxo");
	return reply(r, len, "ok version=%s ports=%s card=%s frames=%llu",
		     PACKAGE_VERSION, types,
		     ls_sim_card_up(sim) ? "connected" : "waiting",
		     (unsigned long long)sim->frames);
}

static int c_help(struct ls_sim *sim, struct args *a, char *r, size_t len);

static int c_cid(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len))
		return -EINVAL;
	return ls_cid_report(p, r, len);
}

/* `cw P`: call waiting as the phone saw it (cw.h). */
static int c_cw(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "cw", r, len))
		return -EINVAL;
	return ls_cw_report(p, r, len);
}

/* `car P on|off`: whether the phone answers JCLIP's CAR (cid.h). */
static int c_car(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "car", r, len))
		return -EINVAL;
	if (strcmp(a->v[1], "on") && strcmp(a->v[1], "off"))
		return -EINVAL;
	ls_cid_car_set(p, !strcmp(a->v[1], "on"));
	ls_log("port %d: response to CAR %s", p->chan, a->v[1]);
	return reply(r, len, "ok port=%d car=%s", p->chan, a->v[1]);
}

/* `cwack P on|off`: whether the phone answers the CAS with its ACK. */
static int c_cwack(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "cwack", r, len))
		return -EINVAL;
	if (strcmp(a->v[1], "on") && strcmp(a->v[1], "off"))
		return fail(r, len, "cwack: '%s' is not on or off", a->v[1]);
	ls_cw_set_ack(p, !strcmp(a->v[1], "on"));
	ls_log("port %d: call-waiting ACK %s", p->chan, a->v[1]);
	return reply(r, len, "ok port=%d ack=%s", p->chan, a->v[1]);
}

/* `loop P`: battery drops, what the phone heard, its lamp (loop.h). */
static int c_loop(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	struct ls_port *p;

	if (get_port(sim, a->v[0], &p, r, len) ||
	    want(p, LS_PHONE, "loop", r, len))
		return -EINVAL;
	return ls_loop_report(p, r, len);
}

static const struct cmd cmds[] = {
	{ "status", 1, 1, "status P", c_status },
	{ "hears", 1, 1, "hears P", c_hears },
	{ "digits", 1, 1, "digits P", c_digits },
	{ "play", 2, MAX_ARGS, "play P tone FREQ LEVEL_DBM0 | play P wav FILE"
			       " | play P echo | play P silence | play P auto",
	  c_play },
	{ "record", 2, MAX_ARGS, "record P FILE | record P stop", c_record },
	{ "offhook", 1, 1, "offhook P", c_offhook },
	{ "onhook", 1, 1, "onhook P", c_onhook },
	{ "dial", 2, 2, "dial P DIGITS", c_dial },
	{ "pulse", 2, 4, "pulse P DIGITS [PPS [BREAK%]]", c_pulse },
	{ "flash", 1, 2, "flash P [MS]", c_flash },
	{ "auto", 2, 3, "auto P on|off [RINGS]", c_auto },
	{ "call", 1, MAX_ARGS,
	  "call P [CALLER_NUMBER|private|unavailable|- [cid=STD] [ring=NAME]"
	  " [zone=Z] [name=NAME]]", c_call },
	{ "cid", 1, 1, "cid P", c_cid },
	{ "car", 2, 2, "car P on|off", c_car },
	{ "loop", 1, 1, "loop P", c_loop },
	{ "cw", 1, 1, "cw P", c_cw },
	{ "cwack", 2, 2, "cwack P on|off", c_cwack },
	{ "echo", 2, 4, "echo P off | echo P MODEL ERL_DB [DELAY_MS]", c_echo },
	{ "hangup", 1, 3, "hangup P [loop [MS] | polarity | busy|reorder|"
			  "dialtone|sit [ZONE] | silence]", c_hangup },
	{ "answer", 1, 2, "answer P [polarity|quiet]", c_answer },
	{ "answermode", 2, 2, "answermode P polarity|quiet", c_answermode },
	{ "drop", 2, 2, "drop P MS", c_drop },
	{ "talk", 2, 3, "talk P speech [LEVEL_DBM0] | talk P dtmf DIGITS | "
			"talk P off", c_talk },
	{ "zone", 2, 2, "zone P ZONE", c_zone },
	{ "noise", 2, 2, "noise P LEVEL_DBM0|off", c_noise },
	{ "level", 2, 2, "level P DB", c_level },
	{ "fax", 2, MAX_ARGS, "fax P send [ecm] FILE | fax P receive [ecm] FILE"
			      " | fax P off", c_fax },
	{ "faxstatus", 1, 1, "faxstatus P", c_faxstatus },
	{ "info", 0, 0, "info", c_info },
	{ "help", 0, 0, "help", c_help },
};

static int c_help(struct ls_sim *sim, struct args *a, char *r, size_t len)
{
	size_t i, n;

	n = (size_t)snprintf(r, len, "ok commands=");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && n < len; i++)
		n += (size_t)snprintf(r + n, len - n, "%s%s", i ? "," : "",
				      cmds[i].name);
	return 0;
}

/* Split `line` into words; a->rest[i] points into `orig` (same text). */
static int split(char *line, const char *orig, struct args *a)
{
	char *s = line;

	a->n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return a->n;
		if (a->n == MAX_ARGS)
			return -E2BIG;
		a->v[a->n] = s;
		a->rest[a->n] = orig + (s - line);
		a->n++;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

void ls_ctl_exec(struct ls_sim *sim, char *line, char *r, size_t len)
{
	char orig[LINE_MAX_BYTES + 1];
	const struct cmd *c = NULL;
	struct args all, a;
	size_t i;
	char *e;

	/* Drop trailing blanks so a FILE argument ends at the last byte. */
	e = line + strlen(line);
	while (e > line && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	snprintf(orig, sizeof(orig), "%s", line);
	if (split(line, orig, &all) < 0 || all.n == 0) {
		reply(r, len, "err empty or overlong command; try 'help'");
		return;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(all.v[0], cmds[i].name))
			c = &cmds[i];
	if (!c) {
		reply(r, len,
		      "err unknown command '%s'; commands: status hears digits "
		      "play record offhook onhook dial flash auto call echo hangup "
		      "fax faxstatus info help",
		      all.v[0]);
		return;
	}
	a.n = all.n - 1;
	for (i = 0; i < (size_t)a.n; i++) {
		a.v[i] = all.v[i + 1];
		a.rest[i] = all.rest[i + 1];
	}
	r[0] = '\0';
	if (a.n < c->min || a.n > c->max || c->fn(sim, &a, r, len) < 0) {
		if (!r[0] || strncmp(r, "err", 3))
			reply(r, len, "err usage: %s", c->usage);
	}
}

/* ------------------------------------------------------------ server */

int ls_ctl_open(struct ls_ctl **ret, struct ls_sim *sim, const char *path)
{
	struct ls_ctl *ctl;
	int err;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->sim = sim;
	ctl->lfd = -1;
	ctl->path = strdup(path);
	if (!ctl->path) {
		free(ctl);
		return -ENOMEM;
	}
	err = ls_unix_listen(path, SOCK_STREAM, &ctl->lfd);
	if (err < 0) {
		free(ctl->path);
		free(ctl);
		return err;
	}
	*ret = ctl;
	return 0;
}

static void drop(struct ls_ctl *ctl, int i)
{
	struct client *c = ctl->cl[i];

	close(c->fd);
	free(c->out);
	free(c);
	ctl->cl[i] = ctl->cl[--ctl->ncl];
}

void ls_ctl_close(struct ls_ctl *ctl)
{
	if (!ctl)
		return;
	while (ctl->ncl)
		drop(ctl, 0);
	if (ctl->lfd >= 0) {
		close(ctl->lfd);
		unlink(ctl->path);
	}
	free(ctl->path);
	free(ctl);
}

/* Write what is queued; false if the client is gone. */
static bool flush(struct client *c)
{
	ssize_t n;

	while (c->outlen) {
		n = send(c->fd, c->out, c->outlen, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	return true;
}

static bool queue(struct client *c, const char *s)
{
	size_t n = strlen(s);
	char *o;

	if (c->outlen + n + 1 > OUT_MAX_BYTES)
		return false;
	o = realloc(c->out, c->outlen + n + 1);
	if (!o)
		return false;
	c->out = o;
	memcpy(c->out + c->outlen, s, n);
	c->out[c->outlen + n] = '\n';
	c->outlen += n + 1;
	return flush(c);
}

/* Run the complete lines in c->in; false if the client is to be dropped. */
static bool run_lines(struct ls_ctl *ctl, struct client *c)
{
	char r[REPLY_MAX];
	char *nl;
	size_t used;

	while ((nl = memchr(c->in, '\n', c->inlen))) {
		*nl = '\0';
		used = (size_t)(nl - c->in) + 1;
		if (c->skip) {
			c->skip = false;
		} else if (strspn(c->in, " \t\r") != strlen(c->in)) {
			ls_dbg("control: %s", c->in);
			ls_ctl_exec(ctl->sim, c->in, r, sizeof(r));
			ls_dbg("control: -> %s", r);
			if (!queue(c, r))
				return false;
		}
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
	}
	if (c->inlen == sizeof(c->in)) {
		/* No newline in a full buffer. */
		c->inlen = 0;
		if (!c->skip && !queue(c, "err line too long"))
			return false;
		c->skip = true;
	}
	return true;
}

static bool client_read(struct ls_ctl *ctl, struct client *c)
{
	ssize_t n;

	for (;;) {
		n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
			 MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (n == 0) {
			c->eof = true;
			/* A last command without its newline still counts. */
			if (c->inlen && c->inlen < sizeof(c->in)) {
				c->in[c->inlen++] = '\n';
				if (!run_lines(ctl, c))
					return false;
			}
			return true;
		}
		c->inlen += (size_t)n;
		if (!run_lines(ctl, c))
			return false;
	}
}

static void accept_one(struct ls_ctl *ctl)
{
	struct client *c;
	int fd;

	fd = accept4(ctl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c = ctl->ncl < MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		ls_log("control: too many clients, refusing one");
		close(fd);
		return;
	}
	c->fd = fd;
	ctl->cl[ctl->ncl++] = c;
}

int ls_ctl_pollfds(struct ls_ctl *ctl, struct pollfd *pfd, int max)
{
	int i, n = 0;

	pfd[n++] = (struct pollfd){ .fd = ctl->lfd, .events = POLLIN };
	for (i = 0; i < ctl->ncl && n < max; i++) {
		struct client *c = ctl->cl[i];

		pfd[n++] = (struct pollfd){
			.fd = c->fd,
			.events = (c->eof ? 0 : POLLIN) |
				  (c->outlen ? POLLOUT : 0),
		};
	}
	return n;
}

void ls_ctl_handle(struct ls_ctl *ctl, const struct pollfd *pfd, int n)
{
	struct client *c;
	bool ok;
	int i, j;

	for (i = 1; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		for (j = 0; j < ctl->ncl && ctl->cl[j]->fd != pfd[i].fd; j++)
			;
		if (j == ctl->ncl)
			continue;
		c = ctl->cl[j];
		ok = true;
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			ok = client_read(ctl, c);
		if (ok && (pfd[i].revents & POLLOUT))
			ok = flush(c);
		if (!ok || (c->eof && !c->outlen) ||
		    (pfd[i].revents & POLLERR))
			drop(ctl, j);
	}
	if (n > 0 && pfd[0].revents)
		accept_one(ctl);
}
