// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cid: caller ID and ring cadences on linesim's ports (linesim/cid.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dsp/callerid.h"
#include "dsp/zone.h"
#include "linesim/cid.h"
#include "linesim/linesim.h"

#define MS(f) ((int)(f) * 20)	 /* frames -> ms */
#define RING_GAP_FRAMES LS_FRAMES(1000) /* a longer silence ends a ring */
#define PULSE_MAX_FRAMES LS_FRAMES(400)	 /* a lone burst this short: RP-AS */
#define METHOD_WINDOW LS_FRAMES(4000)	 /* alert this close before data */
#define NRX 4
#define PAT_MAX 12

/* Standards by config name; `after`: the data follows the first ring. */
static const struct {
	const char *name;
	enum gw_callerid_standard std;
	bool after, dtas, lr, rp, car;
} stds[] = {
	{ "bell", GW_CALLERID_BELL202_MDMF, true, false, false, false, false },
	{ "bell-sdmf", GW_CALLERID_BELL202_SDMF, true, false, false, false,
	  false },
	{ "etsi", GW_CALLERID_ETSI_FSK, true, false, false, false, false },
	{ "etsi-dtas", GW_CALLERID_ETSI_FSK, false, true, false, false, false },
	{ "etsi-rp", GW_CALLERID_ETSI_FSK, false, false, false, true, false },
	{ "etsi-lr", GW_CALLERID_ETSI_FSK, false, true, true, false, false },
	{ "jclip", GW_CALLERID_JCLIP, false, false, false, false, true },
	{ "dtmf", GW_CALLERID_DTMF, false, false, false, false, false },
	{ "dtmf-hash", GW_CALLERID_DTMF_HASH, false, false, false, false,
	  false },
};
#define NSTDS ((int)(sizeof(stds) / sizeof(stds[0])))

static const enum gw_callerid_standard rx_std[NRX] = {
	GW_CALLERID_BELL202_MDMF, GW_CALLERID_ETSI_FSK, GW_CALLERID_JCLIP,
	GW_CALLERID_DTMF,
};
static const char *const rx_name[NRX] = { "bell202", "etsi", "jclip",
					  "dtmf" };

enum co_op { CO_POL, CO_TX, CO_TX_DTAS, CO_RING, CO_SILENT };

/*
 * JCLIP (NTT number display) handshake, the exchange's side: CAR
 * (0.5 s on / 0.5 s off) until the terminal's primary response
 * (off-hook) or 6 s; the data 100 ms later on the closed loop; the
 * terminal's release (on-hook); the normal ringing 200 ms later.
 */
enum co_car { CAR_OFF, CAR_RING, CAR_DELAY, CAR_SEND, CAR_WAIT_ONHOOK,
	      CAR_IR_DELAY, CAR_DONE };
#define CAR_HALF LS_FRAMES(500)
#define CAR_MAX LS_FRAMES(6000)
#define CAR_DATA_DELAY LS_FRAMES(100)
#define CAR_RELEASE_MAX LS_FRAMES(7000)
#define CAR_IR_DELAY LS_FRAMES(200)
/* the terminal: a burst and a pause of 420-620 ms are CAR */
#define CAR_DET_MIN LS_FRAMES(420)
#define CAR_DET_MAX LS_FRAMES(620)

struct ls_cid {
	/* phone */
	struct gw_callerid_rx *rx[NRX];
	struct gw_callerid_alert_rx *alert;
	int64_t t;			/* frames since start */
	bool pol;			/* polarity seen last frame */
	int64_t rev_t, dtas_t;		/* last reversal, DT-AS end (-1) */
	int64_t burst_t;		/* last burst start or end */
	bool burst_on;
	int64_t session_t;		/* ringing started */
	int rings;			/* rings (not pulses) this ringing */
	bool pulse_seen;		/* a ring pulse opened this ringing */
	int pat[PAT_MAX], npat;		/* first ring: on/off ms */
	bool pat_done;
	int64_t ring1_t;		/* first ring's start (-1) */
	/* last message */
	bool have;
	struct gw_callerid_msg msg;
	const char *std;
	char method[8];
	int64_t msg_t;
	int msg_rings;		/* rings before it */
	int64_t msg_since_ring; /* frames since the last burst ended */
	unsigned long count;
	double e_bell, e_v23; /* FSK energy of each modem, decaying */
	/* exchange */
	bool co_on;
	struct ls_cid_call call;
	struct gw_callerid_tx *tx;
	struct gw_callerid_msg txmsg;
	int si;			/* index in stds */
	struct {
		enum co_op op;
		int frames;
	} pre[4];
	int npre, ipre;
	const struct gw_zone_ring *cad;
	int nseg, seg, cycle;
	int wait;		/* frames left of the current step */
	bool tx_wait;		/* go on when the data is out, + after */
	int after;
	bool gap_cid;		/* the wait runs to the data's moment */
	bool gap_tx;		/* the data is under way in the silence */
	int gap_rest;
	/* phone: the number display terminal's side of JCLIP */
	bool car_off;		/* `car P off`: no response to CAR */
	bool car_cand;		/* the first burst was CAR-like */
	bool car_seen;		/* the second one began: respond */
	bool car_loop;		/* off-hook for the data */
	int64_t car_loop_t;
	unsigned long car_count;
	/* exchange: the JCLIP handshake (enum co_car) */
	int car, car_t, car_bursts;
	bool car_fallback;
	int car_resp, car_delay, car_rel; /* frames, for `cid P` */
};

int ls_cid_init(struct ls_port *p)
{
	struct ls_cid *k = calloc(1, sizeof(*k));
	int err = 0;

	if (!k)
		return -ENOMEM;
	p->cid = k;
	if (p->kind != LS_PHONE)
		return 0;
	for (int i = 0; i < NRX && !err; i++)
		err = gw_callerid_rx_alloc(&k->rx[i], rx_std[i]);
	if (!err)
		err = gw_callerid_alert_rx_alloc(&k->alert);
	k->rev_t = k->dtas_t = k->ring1_t = -1;
	return err;
}

void ls_cid_release(struct ls_port *p)
{
	struct ls_cid *k = p->cid;

	if (!k)
		return;
	for (int i = 0; i < NRX; i++)
		gw_callerid_rx_free(k->rx[i]);
	gw_callerid_alert_rx_free(k->alert);
	gw_callerid_tx_free(k->tx);
	free(k);
	p->cid = NULL;
}

/* ---- phone ---- */

static void describe(const struct gw_callerid_msg *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s \"%s\"",
		 m->number[0] ? m->number :
		 m->number_absence == 'P' ? "private" :
		 m->number_absence ? "unavailable" : "-",
		 m->name[0] ? m->name :
		 m->name_absence == 'P' ? "private" :
		 m->name_absence ? "unavailable" : "");
}

static void decoded(struct ls_port *p, int i, const struct gw_callerid_msg *m)
{
	struct ls_cid *k = p->cid;
	char d[96];

	k->have = true;
	k->count++;
	k->msg = *m;
	k->msg_t = k->t;
	k->std = rx_name[i];
	if (i <= 1) /* both FSK receivers take either modem: which was it */
		k->std = k->e_v23 > k->e_bell ? "etsi" :
			 !m->name[0] && !m->name_absence ? "bell202-sdmf" :
							   "bell202-mdmf";
	k->msg_rings = k->rings;
	k->msg_since_ring = k->burst_on ? 0 : k->t - k->burst_t;
	if (k->car_loop) { /* JCLIP: after CAR, on the closed loop */
		k->msg_rings = 0;
		strcpy(k->method, "car");
	} else if (k->rings == 1 && k->npat == 1 && !k->burst_on &&
	    k->pat[0] < MS(PULSE_MAX_FRAMES)) {
		k->msg_rings = 0; /* after a ring pulse, before ring 1 */
		strcpy(k->method, "rp");
	} else if (k->rings > 0)
		strcpy(k->method, "ring");
	else if (k->dtas_t >= 0 && k->t - k->dtas_t < METHOD_WINDOW)
		strcpy(k->method, k->rev_t >= 0 &&
					  k->t - k->rev_t < METHOD_WINDOW ?
				  "lr" : "dtas");
	else
		strcpy(k->method, "pre");
	describe(m, d, sizeof(d));
	ls_log("port %d: caller ID %s (%s, %s) after %d ring(s)", p->chan, d,
	       k->std, k->method, k->rings);
	ls_dbg("port %d: caller ID at frame %lld: reversal %lld, DT-AS %lld",
	       p->chan, (long long)k->t, (long long)k->rev_t,
	       (long long)k->dtas_t);
}

/* Power of one frame at f (Bell 202 and V.23 marks and spaces). */
static double goertzel(const int16_t *x, int f)
{
	double c = 2.0 * cos(2.0 * M_PI * f / 8000.0), s1 = 0, s2 = 0;

	for (int i = 0; i < LS_FRAME; i++) {
		double s = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

void ls_cid_phone_tick(struct ls_port *p, const int16_t *in)
{
	struct ls_cid *k = p->cid;
	struct gw_callerid_msg m;

	if (!k || p->kind != LS_PHONE)
		return;
	k->t++;
	if (p->phone.polarity_rev != k->pol) {
		k->pol = p->phone.polarity_rev;
		if (k->pol)
			k->rev_t = k->t;
	}
	if (gw_callerid_alert_rx_process(k->alert, in, LS_FRAME) > 0)
		k->dtas_t = k->t;
	k->e_bell = 0.8 * k->e_bell + goertzel(in, 1200) + goertzel(in, 2200);
	k->e_v23 = 0.8 * k->e_v23 + goertzel(in, 1300) + goertzel(in, 2100);
	for (int i = 0; i < NRX; i++)
		if (gw_callerid_rx_process(k->rx[i], in, LS_FRAME, &m) == 1 &&
		    !(i == 1 && k->msg_t == k->t && k->have))
			decoded(p, i, &m);
}

void ls_cid_phone_session(struct ls_port *p)
{
	struct ls_cid *k = p->cid;

	if (!k)
		return;
	k->session_t = k->t;
	k->rings = 0;
	k->pulse_seen = false;
	k->npat = 0;
	k->pat_done = false;
	k->ring1_t = -1;
	k->burst_on = false;
	k->burst_t = k->t;
	k->car_cand = k->car_seen = k->car_loop = false;
	/* a message from before this ringing is its own only if recent */
	if (k->have && k->t - k->msg_t > LS_FRAMES(5000))
		k->have = false;
}

void ls_cid_phone_burst(struct ls_port *p, bool on)
{
	struct ls_cid *k = p->cid;
	int64_t d;

	if (!k)
		return;
	d = k->t - k->burst_t;
	if (on == k->burst_on)
		return;
	/* JCLIP CAR: a first burst and pause of 420-620 ms each */
	if (!on)
		k->car_cand = !k->car_off && k->rings == 1 && k->npat == 0 &&
			      d >= CAR_DET_MIN && d <= CAR_DET_MAX;
	else if (k->car_cand)
		k->car_seen = d >= CAR_DET_MIN && d <= CAR_DET_MAX;
	if (on && !k->car_seen)
		k->car_cand = false;
	if (!on) {
		if (!k->pat_done && k->npat < PAT_MAX)
			k->pat[k->npat++] = MS(d);
	} else if (k->rings == 0) {
		k->rings = 1;
		k->ring1_t = k->t;
		k->npat = 0;
	} else if (d >= RING_GAP_FRAMES) {
		if (k->rings == 1 && k->npat == 1 && !k->pat_done &&
		    k->pat[0] < MS(PULSE_MAX_FRAMES)) {
			k->pulse_seen = true; /* RP-AS: this is ring 1 */
			k->ring1_t = k->t;
			k->npat = 0;
		} else {
			k->rings++;
			if (!k->pat_done && k->npat < PAT_MAX) {
				k->pat[k->npat++] = MS(d);
				k->pat_done = true;
			}
		}
	} else if (!k->pat_done && k->npat < PAT_MAX) {
		k->pat[k->npat++] = MS(d);
	}
	k->burst_on = on;
	k->burst_t = k->t;
}

/* The zone cadences the first ring matches: "us:dr2,..." */
static void match(const struct ls_cid *k, char *buf, size_t len)
{
	buf[0] = 0;
	if (!k->pat_done)
		return;
	for (int z = 0; z < gw_zone_count(); z++) {
		const struct gw_zone *zn = gw_zone_at(z);

		for (int i = 0; i < GW_ZONE_RINGS && zn->ring[i].name; i++)
			if (gw_zone_ring_match(&zn->ring[i], k->pat, k->npat,
					       true))
				snprintf(buf + strlen(buf), len - strlen(buf),
					 "%s%s:%s", buf[0] ? "," : "",
					 zn->name, zn->ring[i].name);
	}
}

static void field(char *dst, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++)
		dst[n++] = *s == ' ' ? '_' : *s;
	dst[n] = 0;
}

int ls_cid_report(struct ls_port *p, char *r, size_t len)
{
	struct ls_cid *k = p->cid;
	char pat[96] = "", zones[160], when[48] = "-", name[64], num[32];

	if (p->kind != LS_PHONE) {
		struct ls_cid_call *c = &k->call;

		char car[64] = "-";

		if (k->car_fallback)
			snprintf(car, sizeof(car), "fallback");
		else if (k->car == CAR_DONE && k->car_rel >= 0)
			snprintf(car, sizeof(car), "%d/%d/%d",
				 MS(k->car_resp), MS(k->car_delay),
				 MS(k->car_rel));
		else if (k->car != CAR_OFF)
			snprintf(car, sizeof(car), "phase%d", k->car);
		return snprintf(r, len,
				"ok port=%d cid=%s ring=%s zone=%s number=%s "
				"name=%s car=%s",
				p->chan, k->co_on ? c->std : "none",
				k->co_on ? c->ring : "normal",
				k->co_on ? c->zone : "us",
				c->number[0] ? c->number : "-",
				c->name[0] ? c->name : "-", car) < 0 ? -EIO
								     : 0;
	}
	for (int i = 0; i < k->npat; i++)
		snprintf(pat + strlen(pat), sizeof(pat) - strlen(pat), "%s%d",
			 i ? "/" : "", k->pat[i]);
	match(k, zones, sizeof(zones));
	if (k->have) {
		if (k->msg_rings == 0 && k->ring1_t >= k->msg_t)
			snprintf(when, sizeof(when), "before:%d",
				 MS(k->ring1_t - k->msg_t));
		else if (k->msg_rings == 0)
			snprintf(when, sizeof(when), "before");
		else
			snprintf(when, sizeof(when), "after%d:%d",
				 k->msg_rings, MS(k->msg_since_ring));
	}
	field(name, sizeof(name), k->msg.name[0] ? k->msg.name :
				  k->msg.name_absence == 'P' ? "private" :
				  k->msg.name_absence ? "unavailable" : "-");
	snprintf(num, sizeof(num), "%s", k->msg.number[0] ? k->msg.number :
		 k->msg.number_absence == 'P' ? "private" :
		 k->msg.number_absence ? "unavailable" : "-");
	snprintf(r, len,
		 "ok port=%d received=%lu number=%s name=%s standard=%s "
		 "method=%s when=%s rings=%d cadence=%s pattern=%s "
		 "car=%s car_responses=%lu",
		 p->chan, k->count, k->have ? num : "-",
		 k->have ? name : "-", k->have ? k->std : "-",
		 k->have ? k->method : "-", when, k->rings,
		 pat[0] ? pat : "-", zones[0] ? zones : "-",
		 k->car_off ? "off" : "on", k->car_count);
	return 0;
}

/* ---- exchange ---- */

static const struct gw_zone_ring *find_ring(const char *zone, const char *name)
{
	const struct gw_zone *z = gw_zone_find(zone);

	for (int i = 0; z && i < GW_ZONE_RINGS && z->ring[i].name; i++)
		if (!strcasecmp(z->ring[i].name, name))
			return &z->ring[i];
	return NULL;
}

int ls_cid_co_setup(struct ls_port *p, const struct ls_cid_call *c, char *why,
		    size_t len)
{
	struct ls_cid *k = p->cid;
	const struct gw_zone_ring *r = find_ring(c->zone, c->ring);
	time_t now = time(NULL);
	struct tm tm;
	int i, err;

	if (!r) {
		snprintf(why, len, "zone %s has no ring cadence %s", c->zone,
			 c->ring);
		return -EINVAL;
	}
	for (i = 0; i < NSTDS; i++)
		if (!strcmp(stds[i].name, c->std))
			break;
	if (i == NSTDS && strcmp(c->std, "none")) {
		snprintf(why, len, "unknown caller ID standard %s", c->std);
		return -EINVAL;
	}
	gw_callerid_tx_free(k->tx);
	k->tx = NULL;
	k->si = i;
	if (i < NSTDS) {
		memset(&k->txmsg, 0, sizeof(k->txmsg));
		localtime_r(&now, &tm);
		k->txmsg.month = (uint8_t)(tm.tm_mon + 1);
		k->txmsg.day = (uint8_t)tm.tm_mday;
		k->txmsg.hour = (uint8_t)tm.tm_hour;
		k->txmsg.minute = (uint8_t)tm.tm_min;
		snprintf(k->txmsg.number, sizeof(k->txmsg.number), "%s",
			 c->number);
		snprintf(k->txmsg.name, sizeof(k->txmsg.name), "%s",
			 c->absence ? "" : c->name);
		if (c->absence)
			k->txmsg.number_absence = k->txmsg.name_absence =
				c->absence;
		else if (!c->number[0])
			k->txmsg.number_absence = 'O';
		if (!c->absence && !c->name[0] &&
		    stds[i].std != GW_CALLERID_BELL202_SDMF)
			k->txmsg.name_absence = 'O';
		err = gw_callerid_tx_alloc(&k->tx, stds[i].std);
		if (!err)
			err = gw_callerid_tx_put(k->tx, &k->txmsg);
		if (err) {
			snprintf(why, len, "caller ID %s: %s", c->std,
				 strerror(-err));
			gw_callerid_tx_free(k->tx);
			k->tx = NULL;
			return err;
		}
		gw_callerid_tx_reset(k->tx); /* sent at its moment */
	}
	k->call = *c;
	k->co_on = true;
	k->cad = r;
	for (k->nseg = 0; k->nseg < GW_ZONE_RING_SEGS && r->ms[k->nseg];)
		k->nseg++;
	k->seg = -1;
	k->cycle = 0;
	k->npre = k->ipre = 0;
	k->wait = 0;
	k->tx_wait = false;
	k->gap_cid = false;
	k->gap_tx = false;
	k->car = i < NSTDS && stds[i].car ? CAR_RING : CAR_OFF;
	k->car_t = k->car_bursts = 0;
	k->car_fallback = false;
	k->car_resp = k->car_delay = k->car_rel = -1;
	if (i < NSTDS && stds[i].lr) {
		k->pre[k->npre].op = CO_POL;
		k->pre[k->npre++].frames = LS_FRAMES(260);
	}
	if (i < NSTDS && stds[i].rp) {
		k->pre[k->npre].op = CO_RING;
		k->pre[k->npre++].frames = LS_FRAMES(260);
		k->pre[k->npre].op = CO_SILENT;
		k->pre[k->npre++].frames = LS_FRAMES(500);
	}
	if (i < NSTDS && !stds[i].after && !stds[i].car) {
		k->pre[k->npre].op = stds[i].dtas ? CO_TX_DTAS : CO_TX;
		k->pre[k->npre++].frames = LS_FRAMES(300);
	}
	return 0;
}

static void ring(struct ls_port *p, bool on)
{
	if (p->co.ring_on == on)
		return;
	p->co.ring_on = on;
	ls_port_event(p, on ? GW_HW_EV_RING_BEGIN : GW_HW_EV_RING_END);
}

static void start_tx(struct ls_port *p, bool dtas, int after)
{
	struct ls_cid *k = p->cid;

	gw_callerid_tx_reset(k->tx);
	if (dtas)
		gw_callerid_tx_alert(k->tx, GW_CALLERID_ALERT_DTAS, 60);
	gw_callerid_tx_put(k->tx, &k->txmsg);
	k->tx_wait = true;
	k->after = after;
	ls_log("port %d: caller ID %s to the gateway", p->chan,
	       stds[k->si].name);
}

/* ---- JCLIP handshake ---- */

void ls_cid_car_set(struct ls_port *p, bool on)
{
	if (p->cid)
		p->cid->car_off = !on;
}

bool ls_cid_car_wait(struct ls_port *p)
{
	struct ls_cid *k = p->cid;

	return k && (k->car_cand || k->car_loop);
}

bool ls_cid_car_detected(struct ls_port *p)
{
	struct ls_cid *k = p->cid;

	if (!k || !k->car_seen)
		return false;
	k->car_seen = k->car_cand = false;
	k->car_loop = true;
	k->car_loop_t = k->t;
	k->car_count++;
	return true;
}

bool ls_cid_car_loop(struct ls_port *p)
{
	return p->cid && p->cid->car_loop;
}

bool ls_cid_car_release(struct ls_port *p)
{
	struct ls_cid *k = p->cid;

	if (!k->car_loop)
		return false;
	if (k->have && k->msg_t > k->car_loop_t) {
		ls_log("port %d: JCLIP: number received %d ms after the "
		       "primary response: on-hook", p->chan,
		       MS(k->msg_t - k->car_loop_t));
	} else if (k->t - k->car_loop_t >= CAR_RELEASE_MAX) {
		ls_log("port %d: JCLIP: no number in %d ms: on-hook", p->chan,
		       MS(CAR_RELEASE_MAX));
	} else {
		return false;
	}
	k->car_loop = false;
	return true;
}

/* The exchange's side, each frame while in the handshake: true: busy. */
static bool car_tick(struct ls_port *p)
{
	struct ls_cid *k = p->cid;
	int t = k->car_t++;

	switch (k->car) {
	case CAR_RING:
		if (t % (2 * CAR_HALF) == 0) {
			if (t >= CAR_MAX) {
				ls_log("port %d: JCLIP: no primary response "
				       "to %d CAR bursts: ringing without the "
				       "number", p->chan, k->car_bursts);
				k->car = CAR_DONE;
				k->car_fallback = true;
				return false;
			}
			k->car_bursts++;
			ring(p, true);
		} else if (t % (2 * CAR_HALF) == CAR_HALF) {
			ring(p, false);
		}
		return true;
	case CAR_DELAY:
		if (t < CAR_DATA_DELAY)
			return true;
		gw_callerid_tx_reset(k->tx);
		gw_callerid_tx_put(k->tx, &k->txmsg);
		k->car_delay = t;
		k->car = CAR_SEND;
		k->car_t = 0;
		ls_log("port %d: JCLIP: the number to the gateway", p->chan);
		return true;
	case CAR_SEND:
		if (gw_callerid_tx_busy(k->tx))
			return true;
		k->car = CAR_WAIT_ONHOOK;
		k->car_t = 0;
		return true;
	case CAR_WAIT_ONHOOK:
		if (t < CAR_RELEASE_MAX)
			return true;
		ls_log("port %d: JCLIP: the gateway stayed off-hook after "
		       "the number: an answer", p->chan);
		k->car = CAR_DONE;
		ls_co_lineop(p, GW_HW_OP_OFFHOOK);
		return true;
	case CAR_IR_DELAY:
		if (t < CAR_IR_DELAY)
			return true;
		k->car = CAR_DONE;
		ls_log("port %d: JCLIP handshake: primary response after %d "
		       "ms of CAR, data %d ms after it, on-hook %d ms after "
		       "its end", p->chan, MS(k->car_resp), MS(k->car_delay),
		       MS(k->car_rel));
		return false;
	default:
		return false;
	}
}

bool ls_cid_co_hook(struct ls_port *p, int op)
{
	struct ls_cid *k = p->cid;

	if (!k || !k->co_on || p->co.state != LS_CO_INCOMING)
		return false;
	switch (k->car) {
	case CAR_RING:
		if (op != GW_HW_OP_OFFHOOK)
			return false;
		ring(p, false);
		k->car_resp = k->car_t;
		k->car = CAR_DELAY;
		k->car_t = 0;
		ls_log("port %d: JCLIP: primary response (gateway off-hook) "
		       "after %d CAR burst(s)", p->chan, k->car_bursts);
		return true;
	case CAR_DELAY:
	case CAR_SEND:
	case CAR_WAIT_ONHOOK:
		if (op == GW_HW_OP_OFFHOOK)
			return true;
		if (op != GW_HW_OP_ONHOOK)
			return false;
		if (gw_callerid_tx_busy(k->tx)) {
			gw_callerid_tx_reset(k->tx);
			ls_log("port %d: JCLIP: released during the number",
			       p->chan);
		}
		k->car_rel = k->car == CAR_WAIT_ONHOOK ? k->car_t : 0;
		k->car = CAR_IR_DELAY;
		k->car_t = 0;
		ls_log("port %d: JCLIP: gateway on-hook after the number",
		       p->chan);
		return true;
	default:
		return false;
	}
}

bool ls_cid_co_incoming(struct ls_port *p)
{
	struct ls_cid *k = p->cid;
	struct ls_co *co = &p->co;

	if (!k || !k->co_on)
		return false;
	if (k->car != CAR_OFF && k->car != CAR_DONE && car_tick(p))
		return true;
	if (k->tx_wait && !k->gap_cid) {
		if (gw_callerid_tx_busy(k->tx))
			return true;
		k->tx_wait = false;
		k->wait = k->after;
	}
	if (k->wait > 0 && --k->wait > 0)
		return true;
	if (k->ipre < k->npre) {
		int i = k->ipre++;

		switch (k->pre[i].op) {
		case CO_POL:
			ls_port_event(p, GW_HW_EV_POLARITY);
			break;
		case CO_RING:
		case CO_SILENT:
			ring(p, k->pre[i].op == CO_RING);
			break;
		case CO_TX:
		case CO_TX_DTAS:
			start_tx(p, k->pre[i].op == CO_TX_DTAS,
				 k->pre[i].frames);
			return true;
		}
		k->wait = k->pre[i].frames;
		return true;
	}
	if (k->gap_cid) { /* the data's moment in the first silence */
		k->gap_cid = false;
		start_tx(p, false, LS_FRAMES(200));
		k->tx_wait = false;
		k->gap_tx = true;
		k->wait = k->gap_rest;
		return true;
	}
	if (k->gap_tx) { /* the silence is over: and the data? */
		if (gw_callerid_tx_busy(k->tx)) {
			k->wait = 1;
			return true;
		}
		k->gap_tx = false;
	}
	if (++k->seg >= k->nseg) {
		k->seg = 0;
		k->cycle++;
	}
	if (!(k->seg & 1) && (k->seg == 0)) {
		co->rings++;
		ls_log("port %d: ring %d to the gateway (%s)", p->chan,
		       co->rings, k->cad->name);
	}
	ring(p, !(k->seg & 1));
	k->wait = LS_FRAMES(k->cad->ms[k->seg]);
	if (k->cycle == 0 && k->seg == k->nseg - 1 && k->si < NSTDS &&
	    stds[k->si].after && k->tx) {
		k->gap_cid = true;
		k->gap_rest = k->wait - LS_FRAMES(500);
		k->wait = LS_FRAMES(500);
	}
	return true;
}

void ls_cid_co_output(struct ls_port *p, int16_t *out)
{
	struct ls_cid *k = p->cid;

	memset(out, 0, LS_FRAME * sizeof(*out));
	if (k && k->co_on && k->tx && gw_callerid_tx_busy(k->tx))
		gw_callerid_tx_process(k->tx, out, LS_FRAME);
}

void ls_cid_co_stop(struct ls_port *p)
{
	struct ls_cid *k = p->cid;

	if (!k)
		return;
	k->co_on = false;
	if (k->tx)
		gw_callerid_tx_reset(k->tx);
}
