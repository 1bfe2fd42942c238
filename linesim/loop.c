// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop: battery drops, what the phone hears after off-hook, and the
 * message-waiting lamp (linesim/loop.h).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/level.h"
#include "dsp/callerid.h"
#include "linesim/linesim.h"
#include "linesim/loop.h"

#define MS(f) ((int)(f) * 20) /* frames -> ms */
#define STUTTER_WINDOW LS_FRAMES(1600)
#define HOWLER_HOLD LS_FRAMES(300) /* over the tone's 0.1 s gaps */
#define SOUND_RMS 150.0		   /* about -43 dBm0 */
#define LOG_MAX 1024
#define NRX 2

struct ls_loop {
	int64_t t; /* frames since start */
	/* battery */
	bool off;
	int64_t off_t;
	int drops;
	int last_drop_ms;
	/* after off-hook */
	int64_t offhook_t;
	int breaks; /* sound -> silence in the first STUTTER_WINDOW */
	bool sound;
	int howler_hold;
	const char *heard; /* last logged */
	char log[LOG_MAX];
	size_t loglen;
	/* lamp */
	struct gw_callerid_rx *rx[NRX];
	int lamp; /* 1 on, 0 off, -1 not told yet */
	unsigned long mwi_msgs;
	const char *lamp_std;
	/* Bell 202 and V.23 are close enough for both receivers to decode
	 * the same message: the modem is told by its tones' energy */
	double e_bell, e_v23; /* decaying */
	int64_t msg_t;	      /* frame of the last message */
};

static const enum gw_callerid_standard rx_std[NRX] = {
	GW_CALLERID_BELL202_MDMF, GW_CALLERID_ETSI_FSK,
};
static const char *const rx_name[NRX] = { "bell202", "etsi" };

int ls_loop_alloc(struct ls_port *p)
{
	struct ls_loop *lp = calloc(1, sizeof(*lp));
	int err;

	if (!lp)
		return -ENOMEM;
	lp->lamp = -1;
	lp->heard = "none";
	for (int i = 0; i < NRX; i++) {
		err = gw_callerid_rx_alloc(&lp->rx[i], rx_std[i]);
		if (err < 0) {
			p->phone.loop = lp;
			ls_loop_free(p);
			return err;
		}
		gw_callerid_rx_set_mwi(lp->rx[i], true);
	}
	p->phone.loop = lp;
	return 0;
}

void ls_loop_free(struct ls_port *p)
{
	struct ls_loop *lp = p->phone.loop;

	if (!lp)
		return;
	for (int i = 0; i < NRX; i++)
		if (lp->rx[i])
			gw_callerid_rx_free(lp->rx[i]);
	free(lp);
	p->phone.loop = NULL;
}

static void log_add(struct ls_loop *lp, const char *what)
{
	int n;

	if (lp->loglen >= LOG_MAX - 40)
		return;
	n = snprintf(lp->log + lp->loglen, LOG_MAX - lp->loglen, "%s%s@%d",
		     lp->loglen ? "," : "", what, MS(lp->t - lp->offhook_t));
	if (n > 0)
		lp->loglen += (size_t)n;
}

void ls_loop_reset(struct ls_port *p)
{
	struct ls_loop *lp = p->phone.loop;

	if (lp)
		lp->off = false;
}

void ls_loop_battery(struct ls_port *p, bool on)
{
	struct ls_loop *lp = p->phone.loop;

	if (!lp || lp->off == !on)
		return;
	lp->off = !on;
	if (!on) {
		lp->off_t = lp->t;
		log_add(lp, "battery-off");
		ls_log("port %d: battery dropped", p->chan);
		return;
	}
	lp->drops++;
	lp->last_drop_ms = MS(lp->t - lp->off_t);
	log_add(lp, "battery-on");
	ls_log("port %d: battery back after %d ms", p->chan, lp->last_drop_ms);
}

bool ls_loop_battery_off(const struct ls_port *p)
{
	return p->phone.loop && p->phone.loop->off;
}

void ls_loop_offhook(struct ls_port *p)
{
	struct ls_loop *lp = p->phone.loop;

	if (!lp)
		return;
	lp->offhook_t = lp->t;
	lp->breaks = 0;
	lp->sound = false;
	lp->howler_hold = 0;
	lp->heard = "none";
	lp->loglen = 0;
	lp->log[0] = 0;
}

static void heard_tick(struct ls_port *p, const int16_t *in)
{
	struct ls_loop *lp = p->phone.loop;
	double e = 0;
	const char *now;
	bool sound;

	for (int i = 0; i < LS_FRAME; i++)
		e += (double)in[i] * in[i];
	sound = sqrt(e / LS_FRAME) > SOUND_RMS;
	if (lp->t - lp->offhook_t < STUTTER_WINDOW && lp->sound && !sound)
		lp->breaks++;
	lp->sound = sound;
	if (sound && gw_level_tone_share(in, LS_FRAME, 1400, e) > 0.25 &&
	    gw_level_tone_share(in, LS_FRAME, 2060, e) > 0.25)
		lp->howler_hold = HOWLER_HOLD;
	else if (lp->howler_hold > 0)
		lp->howler_hold--;
	now = lp->howler_hold ? "howler" :
			       gw_tone_name(ls_listen_tone(&p->listen));
	if (strcmp(now, lp->heard)) {
		lp->heard = now;
		log_add(lp, now);
	}
}

static void lamp_tick(struct ls_port *p, const int16_t *in)
{
	struct ls_loop *lp = p->phone.loop;
	struct gw_callerid_msg m;

	double e = 0;

	for (int i = 0; i < LS_FRAME; i++)
		e += (double)in[i] * in[i];
	lp->e_bell = 0.8 * lp->e_bell +
		    gw_level_tone_share(in, LS_FRAME, 1200, e) +
		    gw_level_tone_share(in, LS_FRAME, 2200, e);
	lp->e_v23 = 0.8 * lp->e_v23 +
		   gw_level_tone_share(in, LS_FRAME, 1300, e) +
		   gw_level_tone_share(in, LS_FRAME, 2100, e);
	for (int i = 0; i < NRX; i++) {
		if (gw_callerid_rx_process(lp->rx[i], in, LS_FRAME, &m) != 1 ||
		    !m.mwi)
			continue;
		if (lp->mwi_msgs && lp->t - lp->msg_t < LS_FRAMES(500))
			continue; /* the other receiver's copy */
		lp->msg_t = lp->t;
		lp->lamp = m.mwi > 0;
		lp->mwi_msgs++;
		lp->lamp_std = lp->e_v23 > lp->e_bell ? rx_name[1] : rx_name[0];
		ls_log("port %d: message waiting lamp %s (%s FSK)", p->chan,
		       lp->lamp ? "on" : "off", lp->lamp_std);
	}
}

void ls_loop_tick(struct ls_port *p, const int16_t *in, bool offhook)
{
	struct ls_loop *lp = p->phone.loop;

	if (!lp)
		return;
	lp->t++;
	if (offhook)
		heard_tick(p, in);
	else
		lamp_tick(p, in);
}

int ls_loop_report(struct ls_port *p, char *r, size_t len)
{
	struct ls_loop *lp = p->phone.loop;

	if (!lp) {
		snprintf(r, len, "err port %d: no loop state", p->chan);
		return -EINVAL;
	}
	snprintf(r, len,
		 "ok battery=%s drops=%d last_drop_ms=%d breaks=%d "
		 "stutter=%d lamp=%s mwi_msgs=%lu lamp_std=%s heard=%s log=%s",
		 lp->off ? "off" : "on", lp->drops, lp->last_drop_ms,
		 lp->breaks, lp->breaks >= 3,
		 lp->lamp < 0 ? "unknown" : lp->lamp ? "on" : "off",
		 lp->mwi_msgs, lp->lamp_std ? lp->lamp_std : "-", lp->heard,
		 lp->loglen ? lp->log : "-");
	return 0;
}
