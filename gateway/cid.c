// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cid: caller ID and ringing of a line (gateway/cid.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dsp/zone.h"
#include "gateway/cid.h"
#include "gateway/line_int.h"

#define RING_PULSE_MS 250	/* etsi-rp: the ring pulse alert */
#define RING_PULSE_MAX_MS 400	/* FXO: a lone burst shorter: a pulse */
#define CID_AFTER_RING_MS 500	/* data this long after the first ring */
#define CID_BEFORE_RING_MS 300	/* first ring this long after the data */
#define CID_RING_GUARD_MS 200	/* next ring at least this after data */
#define CID_STALE_MS 10000	/* caller ID before a ring: kept this long */

/*
 * JCLIP (NTT number display) start: CAR (0.5 s on / 0.5 s off) until the
 * terminal's primary response (off-hook), the data on the closed loop,
 * the terminal's release (on-hook), then the normal ringing (IR).
 */
#define JC_CAR_MS 500		/* CAR burst and pause */
#define JC_CAR_MAX_MS 6000	/* no primary response: ring without data */
#define JC_DATA_DELAY_MS 100	/* primary response -> the data */
#define JC_RELEASE_MAX_MS 7000	/* data end -> terminal on-hook at most */
#define JC_IR_DELAY_MS 200	/* terminal on-hook -> first ring */
#define JC_CAR_MIN_DET_MS 420	/* FXO: a CAR burst or pause, 420-620 ms */
#define JC_CAR_MAX_DET_MS 620
#define JC_LOOP_MAX_MS 5000	/* FXO: off-hook this long without data */

enum jc_phase {
	JC_OFF,	       /* not (yet) a JCLIP handshake */
	JC_CAR,	       /* FXS: CAR bursts; FXO: a CAR-like burst seen */
	JC_WAIT_DATA,  /* FXS: primary response seen, data soon */
	JC_SENDING,    /* FXS: the data under way */
	JC_WAIT_ONHOOK, /* FXS: data out, the terminal to release */
	JC_RELEASED,   /* FXS: released, the normal ring soon */
	JC_LOOP,       /* FXO: off-hook, receiving */
	JC_DONE,       /* handshake over (or not one): normal rings */
};

enum pre_op { OP_CID, OP_CID_DTAS, OP_REV, OP_FWD, OP_RING, OP_SILENT };

struct pre_step {
	enum pre_op op;
	int ms; /* then wait this long (after the data, for OP_CID*) */
};

struct gw_line_cid {
	su_timer_t *timer;
	/* FXS */
	bool active;
	const struct gw_zone_ring *cad;
	int nseg;	   /* segments of cad */
	struct pre_step pre[5];
	int npre, ipre;	   /* prefix steps, next one */
	int seg;	   /* current cadence segment, -1: before the first */
	int cycle;	   /* cycles completed */
	bool ring_on;	   /* RING_START sent, no RING_STOP yet */
	bool reversed;	   /* polarity reversed by us */
	bool cid_after;	   /* send the data in the first long silence */
	bool in_gap_cid;   /* the timer runs to the data's moment */
	bool sending;	   /* CMD_CID_TX sent, EV_CID_DONE not yet */
	bool resume_after; /* on EV_CID_DONE: go on after `after_ms` */
	int after_ms;
	struct gw_callerid_msg msg;
	/* FXO */
	bool rx_on;
	struct timespec on_at, off_at; /* last burst start, end */
	bool in_ring;		       /* bursts of a ring under way */
	bool burst_on;
	int ms[GW_ZONE_RING_SEGS];     /* this ring's on/off pattern */
	int nms;
	int started;		       /* rings begun */
	bool window_over;	       /* the caller ID can no longer come */
	bool have_cid;
	struct gw_callerid_msg rx;
	struct timespec rx_at;
	char when[48];		       /* when the caller ID came */
	const char *cadence;	       /* the first ring's zone cadence */
	char pattern[64];	       /* its measured on/off, ms */
	bool invited;
	/* JCLIP handshake, both port types (jclip_*()) */
	enum jc_phase jc;
	int jc_bursts;
	struct timespec jc_start, jc_resp, jc_data, jc_data_end, jc_rel;
};

static const struct gw_zone *zone_of(const struct gw_line *l)
{
	const struct gw_zone *z = gw_zone_find(l->conf->zone);

	return z ? z : gw_zone_default();
}

static enum gw_callerid_standard standard(enum gw_conf_callerid c)
{
	switch (c) {
	case GW_CONF_CID_BELL_SDMF:
		return GW_CALLERID_BELL202_SDMF;
	case GW_CONF_CID_ETSI:
	case GW_CONF_CID_ETSI_DTAS:
	case GW_CONF_CID_ETSI_RP:
	case GW_CONF_CID_ETSI_LR:
		return GW_CALLERID_ETSI_FSK;
	case GW_CONF_CID_JCLIP:
		return GW_CALLERID_JCLIP;
	case GW_CONF_CID_DTMF:
		return GW_CALLERID_DTMF;
	case GW_CONF_CID_DTMF_HASH:
		return GW_CALLERID_DTMF_HASH;
	default:
		return GW_CALLERID_BELL202_MDMF;
	}
}

/* The data comes after the first ring (else before it, or never). */
static bool after_first_ring(enum gw_conf_callerid c)
{
	return c == GW_CONF_CID_BELL || c == GW_CONF_CID_BELL_SDMF ||
	       c == GW_CONF_CID_ETSI;
}

static long ms_since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - a->tv_sec) * 1000 +
	       (now.tv_nsec - a->tv_nsec) / 1000000;
}

static void rx_set(struct gw_line *l, bool on)
{
	struct gw_line_cid *k = l->cid;

	if (l->conf->callerid == GW_CONF_CID_NONE || k->rx_on == on)
		return;
	k->rx_on = on;
	gw_line_cmd(l, (struct gw_media_cmd){ .type = GW_MEDIA_CMD_CID_RX,
					      .on = on });
}

static void on_timer(su_root_magic_t *magic, su_timer_t *t,
		     su_timer_arg_t *arg);

static void timer_start(struct gw_line *l, int ms)
{
	su_timer_set_interval(l->cid->timer, on_timer, l,
			      (su_duration_t)(ms > 0 ? ms : 1));
}

int gw_cid_line_init(struct gw_line *l)
{
	struct gw_line_cid *k = calloc(1, sizeof(*k));
	enum gw_conf_callerid c = l->conf->callerid;
	int err = 0;

	if (!k)
		return -ENOMEM;
	l->cid = k;
	k->timer = su_timer_create(su_root_task(l->app->root), 0);
	if (!k->timer)
		return -ENOMEM;
	if (c != GW_CONF_CID_NONE && l->app->media)
		err = gw_media_set_callerid(l->app->media, l->chan, standard(c),
					    l->type == GW_CONF_PORT_FXS,
					    l->type == GW_CONF_PORT_FXO);
	if (err) {
		LOG(l, GW_LOG_ERR, "caller ID %s: %s",
		    gw_conf_callerid_names[c], strerror(-err));
		return err;
	}
	/* the receiver starts on (gw_media_set_callerid()) */
	k->rx_on = l->type == GW_CONF_PORT_FXO && c != GW_CONF_CID_NONE;
	return 0;
}

void gw_cid_line_release(struct gw_line *l)
{
	if (!l->cid)
		return;
	if (l->cid->timer)
		su_timer_destroy(l->cid->timer);
	free(l->cid);
	l->cid = NULL;
}

/* ---- SIP -> presentation ---- */

/* Value of the first header called `name` Sofia did not parse, or NULL. */
static const char *unknown_hdr(const sip_t *sip, const char *name)
{
	for (const sip_unknown_t *u = sip->sip_unknown; u; u = u->un_next)
		if (u->un_name && strcasecmp(u->un_name, name) == 0)
			return u->un_value;
	return NULL;
}

/*
 * Parse a name-addr ("Name" <sip:user@host>, Name <tel:+1234>, or a bare
 * URI): display name and the URI's user part.
 */
static void parse_addr(const char *v, char *name, size_t nlen, char *user,
		       size_t ulen)
{
	const char *lt = strchr(v, '<'), *u, *e;
	size_t n;

	name[0] = user[0] = 0;
	if (lt) {
		const char *a = v, *b = lt;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a && *a == '"') {
			a++;
			e = memchr(a, '"', (size_t)(b - a));
			b = e ? e : b;
		}
		n = (size_t)(b - a) < nlen - 1 ? (size_t)(b - a) : nlen - 1;
		memcpy(name, a, n);
		name[n] = 0;
		v = lt + 1;
	}
	u = strchr(v, ':');
	if (!u)
		return;
	u++;
	n = strcspn(u, "@;>?");
	if (u[n] != '@' && strncasecmp(v, "tel:", 4) != 0 &&
	    strncasecmp(v, " tel:", 5) != 0)
		return; /* sip:host without a user */
	if (n > ulen - 1)
		n = ulen - 1;
	memcpy(user, u, n);
	user[n] = 0;
}

/* Keep what the standards carry: digits; printable ASCII. */
static void digits_only(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; *src && n + 1 < len; src++)
		if (isdigit((unsigned char)*src))
			dst[n++] = *src;
	dst[n] = 0;
}

static void printable(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; *src && n + 1 < len; src++)
		if (*src >= 0x20 && *src < 0x7f && *src != '"')
			dst[n++] = *src;
	dst[n] = 0;
}

/* Alert-Info: <uri>;info=NAME, or the URI's last part; Bellcore-drN. */
static void alert_name(const char *v, char *out, size_t len)
{
	const char *p = strcasestr(v, "info=");
	const char *s, *e;
	size_t n;

	out[0] = 0;
	if (p) {
		s = p + 5;
		if (*s == '<' || *s == '"')
			s++;
		e = s + strcspn(s, ";>\", \t");
	} else {
		e = strchr(v, '>');
		if (!e)
			e = v + strlen(v);
		s = e;
		while (s > v && s[-1] != '/' && s[-1] != ':' && s[-1] != '<')
			s--;
	}
	if ((size_t)(e - s) > 9 && strncasecmp(s, "Bellcore-", 9) == 0)
		s += 9;
	n = (size_t)(e - s) < len - 1 ? (size_t)(e - s) : len - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

void gw_cid_sip_caller(const sip_t *sip, char *out, size_t len)
{
	const char *pai = unknown_hdr(sip, "P-Asserted-Identity");
	char name[128];

	out[0] = 0;
	if (pai)
		parse_addr(pai, name, sizeof(name), out, len);
	if (!out[0] && sip->sip_from && sip->sip_from->a_url->url_user)
		snprintf(out, len, "%s", sip->sip_from->a_url->url_user);
}

void gw_cid_from_sip(const sip_t *sip, struct gw_cid_info *ci)
{
	char name[128] = "", user[64] = "", buf[512];
	const char *pai = unknown_hdr(sip, "P-Asserted-Identity");
	const char *ai = unknown_hdr(sip, "Alert-Info");
	bool priv = false;
	time_t now = time(NULL);
	struct tm tm;

	memset(ci, 0, sizeof(*ci));
	if (sip->sip_privacy && sip->sip_privacy->priv_values)
		for (int i = 0; sip->sip_privacy->priv_values[i]; i++) {
			const char *p = sip->sip_privacy->priv_values[i];

			if (!strcasecmp(p, "id") || !strcasecmp(p, "header") ||
			    !strcasecmp(p, "user"))
				priv = true;
		}
	if (pai) {
		parse_addr(pai, name, sizeof(name), user, sizeof(user));
	} else if (sip->sip_from) {
		if (sip->sip_from->a_display)
			parse_addr(sip->sip_from->a_display, name,
				   sizeof(name), buf, sizeof(buf));
		if (sip->sip_from->a_display && !name[0])
			snprintf(name, sizeof(name), "%s",
				 sip->sip_from->a_display);
		if (name[0] == '"') {
			memmove(name, name + 1, strlen(name));
			name[strcspn(name, "\"")] = 0;
		}
		if (sip->sip_from->a_url->url_user)
			snprintf(user, sizeof(user), "%s",
				 sip->sip_from->a_url->url_user);
		if (sip->sip_from->a_url->url_host &&
		    !strcasecmp(sip->sip_from->a_url->url_host,
				"anonymous.invalid"))
			priv = true;
	}
	if (!strcasecmp(user, "anonymous") || !strcasecmp(name, "anonymous"))
		priv = true;
	if (priv) {
		ci->msg.number_absence = GW_CALLERID_PRIVATE;
		ci->msg.name_absence = GW_CALLERID_PRIVATE;
	} else {
		digits_only(ci->msg.number, sizeof(ci->msg.number), user);
		printable(ci->msg.name, sizeof(ci->msg.name), name);
		if (!ci->msg.number[0])
			ci->msg.number_absence = GW_CALLERID_UNAVAILABLE;
		if (!ci->msg.name[0])
			ci->msg.name_absence = GW_CALLERID_UNAVAILABLE;
	}
	localtime_r(&now, &tm);
	ci->msg.month = (uint8_t)(tm.tm_mon + 1);
	ci->msg.day = (uint8_t)tm.tm_mday;
	ci->msg.hour = (uint8_t)tm.tm_hour;
	ci->msg.minute = (uint8_t)tm.tm_min;
	if (ai)
		alert_name(ai, ci->cadence, sizeof(ci->cadence));
}

/* ---- FXS: cadence and caller ID ---- */

static const struct gw_zone_ring *find_ring(const struct gw_line *l,
					    const char *name)
{
	const struct gw_zone *z = zone_of(l);

	for (int i = 0; i < GW_ZONE_RINGS && z->ring[i].name; i++)
		if (name && !strcasecmp(z->ring[i].name, name))
			return &z->ring[i];
	return NULL;
}

static void ring_op(struct gw_line *l, bool on)
{
	struct gw_line_cid *k = l->cid;

	if (k->ring_on == on)
		return;
	k->ring_on = on;
	gw_line_lineop(l, on ? GW_HW_OP_RING_START : GW_HW_OP_RING_STOP);
}

static void send_cid(struct gw_line *l, bool dtas, int after_ms)
{
	struct gw_line_cid *k = l->cid;
	struct gw_media_cmd m = { .type = GW_MEDIA_CMD_CID_TX };

	m.cid.msg = k->msg;
	m.cid.dtas = dtas;
	k->sending = true;
	k->resume_after = true;
	k->after_ms = after_ms;
	LOG(l, GW_LOG_INFO, "caller ID (%s): %s%s%s%s",
	    gw_conf_callerid_names[l->conf->callerid],
	    k->msg.number[0] ? k->msg.number :
	    k->msg.number_absence == 'P' ? "private" : "unavailable",
	    k->msg.name[0] ? " \"" : "", k->msg.name,
	    k->msg.name[0] ? "\"" : "");
	gw_line_cmd(l, m);
}

/* The next step of the ringing: a prefix step, or the next segment. */
static void fxs_step(struct gw_line *l)
{
	struct gw_line_cid *k = l->cid;
	int ms;

	if (!k->active || k->sending)
		return;
	if (k->ipre < k->npre) {
		struct pre_step *s = &k->pre[k->ipre++];

		switch (s->op) {
		case OP_CID:
		case OP_CID_DTAS:
			send_cid(l, s->op == OP_CID_DTAS, s->ms);
			return;
		case OP_REV:
		case OP_FWD:
			k->reversed = s->op == OP_REV;
			gw_line_lineop(l, k->reversed ? GW_HW_OP_POLARITY_REV :
						       GW_HW_OP_POLARITY_FWD);
			break;
		case OP_RING:
		case OP_SILENT:
			ring_op(l, s->op == OP_RING);
			break;
		}
		timer_start(l, s->ms);
		return;
	}
	if (k->in_gap_cid) { /* the data's moment in the first silence */
		k->in_gap_cid = false;
		k->cid_after = false;
		send_cid(l, false, CID_RING_GUARD_MS);
		/* the rest of the silence runs meanwhile */
		k->resume_after = false;
		ms = k->cad->ms[k->seg] - CID_AFTER_RING_MS;
		timer_start(l, ms);
		return;
	}
	if (++k->seg >= k->nseg) {
		k->seg = 0;
		k->cycle++;
	}
	ms = k->cad->ms[k->seg];
	ring_op(l, !(k->seg & 1));
	if (k->cid_after && k->seg == k->nseg - 1 && k->cycle == 0) {
		k->in_gap_cid = true;
		ms = CID_AFTER_RING_MS;
	}
	timer_start(l, ms);
}

static bool jclip_timer(struct gw_line *l);

static void on_timer(su_root_magic_t *magic, su_timer_t *t,
		     su_timer_arg_t *arg)
{
	struct gw_line *l = arg;

	(void)magic;
	(void)t;
	if (jclip_timer(l))
		return;
	if (l->type == GW_CONF_PORT_FXS) {
		struct gw_line_cid *k = l->cid;

		if (k->sending && !k->in_gap_cid) {
			/* the silence is over but the data is not: the next
			 * ring waits for its end plus the guard */
			k->resume_after = true;
			return;
		}
		fxs_step(l);
		return;
	}
	/* FXO: a ring's bursts are over */
	gw_cid_fxo_ring(l, false);
}

void gw_cid_fxs_ring(struct gw_line *l, const struct gw_cid_info *ci)
{
	struct gw_line_cid *k = l->cid;
	enum gw_conf_callerid c = l->conf->callerid;
	const struct gw_zone_ring *r = NULL;

	gw_cid_fxs_stop(l);
	if (ci && ci->cadence[0]) {
		r = find_ring(l, ci->cadence);
		if (!r)
			LOG(l, GW_LOG_INFO,
			    "Alert-Info asks for ring \"%s\": not in zone %s, "
			    "using %s", ci->cadence, zone_of(l)->name,
			    l->conf->ring_cadence);
	}
	if (!r)
		r = find_ring(l, l->conf->ring_cadence);
	if (!r)
		r = &zone_of(l)->ring[0];
	k->cad = r;
	for (k->nseg = 0; k->nseg < GW_ZONE_RING_SEGS && r->ms[k->nseg];)
		k->nseg++;
	k->seg = -1;
	k->cycle = 0;
	k->npre = k->ipre = 0;
	k->cid_after = false;
	k->in_gap_cid = false;
	k->jc = JC_OFF;
	if (ci)
		k->msg = ci->msg;
	else
		memset(&k->msg, 0, sizeof(k->msg));
	if (!ci && c != GW_CONF_CID_NONE)
		k->msg.number_absence = k->msg.name_absence =
			GW_CALLERID_UNAVAILABLE;
	switch (c) {
	case GW_CONF_CID_NONE:
		break;
	case GW_CONF_CID_BELL:
	case GW_CONF_CID_BELL_SDMF:
	case GW_CONF_CID_ETSI:
		k->cid_after = true;
		break;
	case GW_CONF_CID_ETSI_LR:
		k->pre[k->npre++] = (struct pre_step){ OP_REV, 250 };
		k->pre[k->npre++] = (struct pre_step){ OP_CID_DTAS, 200 };
		k->pre[k->npre++] = (struct pre_step){ OP_FWD,
						       CID_BEFORE_RING_MS };
		break;
	case GW_CONF_CID_ETSI_DTAS:
		k->pre[k->npre++] =
			(struct pre_step){ OP_CID_DTAS, CID_BEFORE_RING_MS };
		break;
	case GW_CONF_CID_JCLIP:
		k->jc = JC_CAR; /* CAR first (jclip_fxs_timer()) */
		break;
	case GW_CONF_CID_ETSI_RP:
		k->pre[k->npre++] = (struct pre_step){ OP_RING, RING_PULSE_MS };
		k->pre[k->npre++] =
			(struct pre_step){ OP_SILENT, CID_AFTER_RING_MS };
		/* fall through */
	default:
		k->pre[k->npre++] =
			(struct pre_step){ OP_CID, CID_BEFORE_RING_MS };
		break;
	}
	LOG(l, GW_LOG_INFO, "ring cadence %s (%d/%d ms...), caller ID %s",
	    r->name, r->ms[0], r->ms[1], gw_conf_callerid_names[c]);
	k->active = true;
	if (k->jc == JC_CAR) {
		clock_gettime(CLOCK_MONOTONIC, &k->jc_start);
		k->jc_bursts = 1;
		ring_op(l, true);
		timer_start(l, JC_CAR_MS);
		return;
	}
	fxs_step(l);
}

void gw_cid_fxs_stop(struct gw_line *l)
{
	struct gw_line_cid *k = l->cid;

	if (!k || !k->active)
		return;
	k->active = false;
	k->jc = JC_OFF;
	su_timer_reset(k->timer);
	if (k->sending) {
		struct gw_media_cmd m = { .type = GW_MEDIA_CMD_CID_TX };

		m.cid.stop = true;
		gw_line_cmd(l, m);
		k->sending = false;
	}
	if (k->ring_on && !l->offhook)
		ring_op(l, false);
	k->ring_on = false;
	if (k->reversed) {
		k->reversed = false;
		gw_line_lineop(l, GW_HW_OP_POLARITY_FWD);
	}
}

/* ---- FXO: rings, cadence and caller ID ---- */

void gw_cid_idle(struct gw_line *l)
{
	struct gw_line_cid *k = l->cid;

	if (!k)
		return;
	if (l->type == GW_CONF_PORT_FXS) {
		gw_cid_fxs_stop(l);
		return;
	}
	su_timer_reset(k->timer);
	if (k->jc == JC_LOOP) /* the caller left during the handshake */
		gw_line_lineop(l, GW_HW_OP_ONHOOK);
	k->jc = JC_OFF;
	k->in_ring = k->burst_on = false;
	k->nms = 0;
	k->started = 0;
	k->window_over = false;
	k->have_cid = false;
	k->cadence = NULL;
	k->pattern[0] = 0;
	k->invited = false;
	rx_set(l, true);
}

static void describe(const struct gw_callerid_msg *m, char *buf, size_t len)
{
	snprintf(buf, len, "number %s, name %s%s%s",
		 m->number[0] ? m->number :
		 m->number_absence == 'P' ? "private" : "unavailable",
		 m->name[0] ? "\"" : "",
		 m->name[0] ? m->name :
		 m->name_absence == 'P' ? "private" :
		 m->name_absence ? "unavailable" : "none",
		 m->name[0] ? "\"" : "");
}

static void try_invite(struct gw_line *l)
{
	struct gw_line_cid *k = l->cid;
	enum gw_conf_callerid c = l->conf->callerid;

	if (l->state != GW_LINE_FXO_RINGING || l->call || k->invited ||
	    l->rings < l->conf->answer_rings || k->jc == JC_CAR ||
	    k->jc == JC_LOOP)
		return;
	if (c != GW_CONF_CID_NONE && after_first_ring(c) && !k->have_cid &&
	    !k->window_over)
		return; /* it may still come before the second ring */
	if (c != GW_CONF_CID_NONE && !k->have_cid)
		LOG(l, GW_LOG_INFO, "no caller ID received: unavailable");
	k->invited = true;
	rx_set(l, false);
	gw_call_from_fxo(l);
}

/* Match a ring's on/off pattern (the final silence left out). */
static const char *match_cadence(struct gw_line *l, const int *ms, int n)
{
	const struct gw_zone *z = zone_of(l);

	for (int i = 0; i < GW_ZONE_RINGS && z->ring[i].name; i++)
		if (gw_zone_ring_match(&z->ring[i], ms, n, false))
			return z->ring[i].name;
	return NULL;
}

static void ring_done(struct gw_line *l)
{
	struct gw_line_cid *k = l->cid;
	char pat[64] = "";
	const char *name;

	k->in_ring = false;
	for (int i = 0; i < k->nms; i++)
		snprintf(pat + strlen(pat), sizeof(pat) - strlen(pat), "%s%d",
			 i ? "/" : "", k->ms[i]);
	if (l->rings == 0 && k->nms == 1 && k->ms[0] < RING_PULSE_MAX_MS) {
		LOG(l, GW_LOG_INFO, "ring pulse alert (%d ms)", k->ms[0]);
		k->started--;
		return;
	}
	l->rings++;
	name = match_cadence(l, k->ms, k->nms);
	if (l->rings == 1) {
		k->cadence = name;
		snprintf(k->pattern, sizeof(k->pattern), "%s", pat);
	}
	LOG(l, GW_LOG_INFO, "ring %d: %s ms on/off, cadence %s", l->rings, pat,
	    name ? name : "not recognised");
	try_invite(l);
}

/* ---- JCLIP handshake (NTT number display) ---- */

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* FXS: the next step of the handshake (the cid timer). */
static void jclip_fxs_timer(struct gw_line *l)
{
	struct gw_line_cid *k = l->cid;
	struct gw_hw_event ev = { .type = GW_HW_EV_OFFHOOK };
	struct timespec now;

	switch (k->jc) {
	case JC_CAR:
		if (k->ring_on) {
			ring_op(l, false);
			timer_start(l, JC_CAR_MS);
			return;
		}
		if (k->jc_bursts >= JC_CAR_MAX_MS / (2 * JC_CAR_MS)) {
			LOG(l, GW_LOG_INFO,
			    "JCLIP: no primary response to %d CAR bursts "
			    "(%ld ms): ringing without number display",
			    k->jc_bursts, ms_since(&k->jc_start));
			k->jc = JC_DONE;
			fxs_step(l);
			return;
		}
		k->jc_bursts++;
		ring_op(l, true);
		timer_start(l, JC_CAR_MS);
		return;
	case JC_WAIT_DATA:
		k->jc = JC_SENDING;
		clock_gettime(CLOCK_MONOTONIC, &k->jc_data);
		/* then JC_WAIT_ONHOOK (gw_cid_media_event()) */
		send_cid(l, false, JC_RELEASE_MAX_MS);
		return;
	case JC_WAIT_ONHOOK:
		LOG(l, GW_LOG_INFO,
		    "JCLIP: the terminal stayed off-hook %d ms after the "
		    "data: taken as an answer", JC_RELEASE_MAX_MS);
		k->jc = JC_DONE;
		gw_fxs_event(l, &ev);
		return;
	case JC_RELEASED:
		clock_gettime(CLOCK_MONOTONIC, &now);
		LOG(l, GW_LOG_INFO,
		    "JCLIP handshake: %d CAR burst(s), primary response "
		    "%ld ms after CAR began, data %ld ms after it, "
		    "%ld ms long, on-hook seen %ld ms after its end, "
		    "ringing %ld ms after that",
		    k->jc_bursts, ms_between(&k->jc_start, &k->jc_resp),
		    ms_between(&k->jc_resp, &k->jc_data),
		    ms_between(&k->jc_data, &k->jc_data_end),
		    ms_between(&k->jc_data_end, &k->jc_rel),
		    ms_between(&k->jc_rel, &now));
		k->jc = JC_DONE;
		fxs_step(l);
		return;
	default:
		return;
	}
}

bool gw_cid_jclip_hook(struct gw_line *l, bool offhook)
{
	struct gw_line_cid *k = l->cid;

	if (!k || !k->active || l->type != GW_CONF_PORT_FXS)
		return false;
	switch (k->jc) {
	case JC_CAR:
		if (!offhook)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &k->jc_resp);
		ring_op(l, false);
		k->jc = JC_WAIT_DATA;
		LOG(l, GW_LOG_INFO,
		    "JCLIP: primary response (off-hook) after %d CAR "
		    "burst(s), %ld ms: the number follows", k->jc_bursts,
		    ms_between(&k->jc_start, &k->jc_resp));
		timer_start(l, JC_DATA_DELAY_MS);
		return true;
	case JC_WAIT_DATA:
	case JC_SENDING:
	case JC_WAIT_ONHOOK:
		if (offhook)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &k->jc_rel);
		if (k->sending) {
			struct gw_media_cmd m = { .type = GW_MEDIA_CMD_CID_TX };

			m.cid.stop = true;
			gw_line_cmd(l, m);
			k->sending = false;
			k->jc_data_end = k->jc_rel;
			LOG(l, GW_LOG_INFO,
			    "JCLIP: the terminal released during the data");
		} else if (k->jc == JC_WAIT_DATA) {
			k->jc_data = k->jc_data_end = k->jc_rel;
		}
		k->jc = JC_RELEASED;
		timer_start(l, JC_IR_DELAY_MS);
		return true;
	default:
		return false;
	}
}

static void jclip_fxo_release(struct gw_line *l, const char *why)
{
	struct gw_line_cid *k = l->cid;

	k->jc = JC_DONE;
	su_timer_reset(k->timer);
	gw_line_lineop(l, GW_HW_OP_ONHOOK);
	LOG(l, GW_LOG_INFO,
	    "JCLIP: on-hook (%s) %ld ms after the primary response; "
	    "answer after %d ring(s)", why, ms_since(&k->jc_resp),
	    l->conf->answer_rings);
}

/* The cid timer in a handshake phase: true when it was the handshake's. */
static bool jclip_timer(struct gw_line *l)
{
	struct gw_line_cid *k = l->cid;

	if (k->jc == JC_OFF || k->jc == JC_DONE)
		return false;
	if (l->type == GW_CONF_PORT_FXS) {
		if (!k->active)
			return false;
		jclip_fxs_timer(l);
		return true;
	}
	if (k->jc != JC_LOOP)
		return false; /* JC_CAR: the gap timer of a lone burst */
	jclip_fxo_release(l, "no number received");
	return true;
}

/*
 * FXO: we are the terminal. A first burst of 420-620 ms followed by a
 * pause of 420-620 ms is CAR: off-hook (primary response) and receive;
 * the caller ID's arrival puts us back on-hook (gw_cid_media_event()).
 * True when the ring event was the handshake's.
 */
static bool jclip_fxo_ring(struct gw_line *l, bool begin)
{
	struct gw_line_cid *k = l->cid;
	long gap, on;

	if (k->jc == JC_DONE)
		return false;
	if (k->jc == JC_LOOP)
		return true;
	if (begin) {
		if (k->burst_on || k->jc != JC_CAR)
			return false;
		gap = ms_since(&k->off_at);
		if (gap < JC_CAR_MIN_DET_MS || gap > JC_CAR_MAX_DET_MS) {
			k->jc = JC_DONE;
			return false;
		}
		su_timer_reset(k->timer);
		k->in_ring = k->burst_on = false;
		k->nms = 0;
		k->started = 0;
		l->rings = 0;
		k->jc = JC_LOOP;
		clock_gettime(CLOCK_MONOTONIC, &k->jc_resp);
		LOG(l, GW_LOG_INFO,
		    "JCLIP: CAR (%d ms on, %ld ms off): off-hook for the "
		    "number (primary response)", k->ms[0], gap);
		gw_line_lineop(l, GW_HW_OP_OFFHOOK);
		rx_set(l, true);
		timer_start(l, JC_LOOP_MAX_MS);
		return true;
	}
	if (!k->burst_on || k->jc != JC_OFF)
		return false;
	if (k->started == 1 && k->nms == 0) {
		on = ms_since(&k->on_at);
		k->jc = on >= JC_CAR_MIN_DET_MS && on <= JC_CAR_MAX_DET_MS ?
				JC_CAR : JC_DONE;
	}
	return false;
}

void gw_cid_fxo_ring(struct gw_line *l, bool begin)
{
	struct gw_line_cid *k = l->cid;
	struct timespec now;

	if (l->state != GW_LINE_FXO_RINGING &&
	    l->state != GW_LINE_FXO_IGNORING)
		return;
	if (l->conf->callerid == GW_CONF_CID_JCLIP && jclip_fxo_ring(l, begin))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (begin) {
		su_timer_reset(k->timer);
		if (k->burst_on)
			return;
		if (k->in_ring && k->nms < GW_ZONE_RING_SEGS - 1) {
			k->ms[k->nms++] = (int)ms_since(&k->off_at);
		} else {
			if (k->in_ring)
				ring_done(l);
			k->in_ring = true;
			k->nms = 0;
			if (++k->started == 1 && k->have_cid &&
			    ms_since(&k->rx_at) > CID_STALE_MS) {
				LOG(l, GW_LOG_INFO, "stale caller ID dropped");
				k->have_cid = false;
			}
			if (k->started >= 2 && !k->window_over) {
				k->window_over = true;
				try_invite(l);
			}
		}
		k->burst_on = true;
		k->on_at = now;
		return;
	}
	if (k->burst_on) { /* RING_END */
		k->burst_on = false;
		if (k->nms < GW_ZONE_RING_SEGS)
			k->ms[k->nms++] = (int)ms_since(&k->on_at);
		k->off_at = now;
		timer_start(l, GW_CID_CYCLE_GAP_MS);
		return;
	}
	if (k->in_ring) /* the gap timer: the ring's bursts are over */
		ring_done(l);
}

void gw_cid_media_event(struct gw_line *l, const struct gw_media_ev *ev)
{
	struct gw_line_cid *k = l->cid;
	char d[160];

	if (!k)
		return;
	if (ev->type == GW_MEDIA_EV_CID_DONE) {
		if (!k->sending)
			return;
		k->sending = false;
		if (k->jc == JC_SENDING) {
			k->jc = JC_WAIT_ONHOOK;
			clock_gettime(CLOCK_MONOTONIC, &k->jc_data_end);
		}
		if (k->active && k->resume_after)
			timer_start(l, k->after_ms);
		return;
	}
	if (l->type != GW_CONF_PORT_FXO ||
	    (l->state != GW_LINE_IDLE && l->state != GW_LINE_FXO_RINGING))
		return;
	k->rx = ev->cid;
	k->have_cid = true;
	clock_gettime(CLOCK_MONOTONIC, &k->rx_at);
	if (l->state == GW_LINE_IDLE || k->started == 0)
		snprintf(k->when, sizeof(k->when), "before the first ring");
	else if (k->burst_on)
		snprintf(k->when, sizeof(k->when), "during ring %d",
			 k->started);
	else
		snprintf(k->when, sizeof(k->when),
			 "%ld ms after the end of ring %d",
			 ms_since(&k->off_at), k->started);
	describe(&k->rx, d, sizeof(d));
	LOG(l, GW_LOG_INFO, "caller ID (%s): %s, %s",
	    gw_conf_callerid_names[l->conf->callerid], d, k->when);
	if (k->jc == JC_LOOP)
		jclip_fxo_release(l, "number received");
	try_invite(l);
}

bool gw_cid_sip_from(struct gw_line *l, char *from, size_t from_len,
		     char *hdrs, size_t hdrs_len)
{
	struct gw_line_cid *k = l->cid;
	const char *h = l->app->conf->sip_host;
	bool v6 = strchr(h, ':') != NULL;
	const struct gw_callerid_msg *m = &k->rx;
	size_t n;

	hdrs[0] = 0;
	if (k->cadence)
		snprintf(hdrs, hdrs_len,
			 "Alert-Info: <urn:x-copperline:ring:%s>;info=%s\r\n",
			 k->cadence, k->cadence);
	if (l->conf->callerid == GW_CONF_CID_NONE)
		return false;
	n = strlen(hdrs);
	if (!k->have_cid || !m->number[0]) {
		bool priv = k->have_cid &&
			    m->number_absence == GW_CALLERID_PRIVATE;

		snprintf(from, from_len,
			 "\"%s\" <sip:anonymous@anonymous.invalid>",
			 priv ? "Anonymous" : "Unavailable");
		snprintf(hdrs + n, hdrs_len - n, "Privacy: id");
		return true;
	}
	if (m->name[0])
		snprintf(from, from_len, "\"%s\" <sip:%s@%s%s%s:%d>", m->name,
			 m->number, v6 ? "[" : "", h, v6 ? "]" : "",
			 l->app->conf->sip_port);
	else
		snprintf(from, from_len, "<sip:%s@%s%s%s:%d>", m->number,
			 v6 ? "[" : "", h, v6 ? "]" : "",
			 l->app->conf->sip_port);
	snprintf(hdrs + n, hdrs_len - n, "P-Asserted-Identity: %s", from);
	return true;
}
