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
#include "linesim/fskrx.h"
#include "linesim/loop.h"

#define MS(f) ((int)(f) * 20) /* frames -> ms */
#define STUTTER_WINDOW LS_FRAMES(1600)
#define HOWLER_HOLD LS_FRAMES(300) /* over the tone's 0.1 s gaps */
#define SOUND_RMS 150.0		   /* about -43 dBm0 */
#define LOG_MAX 1024

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
	struct ls_fskrx fsk;
	int lamp; /* 1 on, 0 off, -1 not told yet */
	unsigned long mwi_msgs;
	const char *lamp_std;
	int64_t msg_t;	      /* frame of the last message */
};

int ls_loop_alloc(struct ls_port *p)
{
	struct ls_loop *lp = calloc(1, sizeof(*lp));
	int err;

	if (!lp)
		return -ENOMEM;
	lp->lamp = -1;
	lp->heard = "none";
	err = ls_fskrx_init(&lp->fsk, true);
	if (err < 0) {
		free(lp);
		return err;
	}
	p->phone.loop = lp;
	return 0;
}

void ls_loop_free(struct ls_port *p)
{
	struct ls_loop *lp = p->phone.loop;

	if (!lp)
		return;
	ls_fskrx_fini(&lp->fsk);
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

	if (ls_fskrx_process(&lp->fsk, in, LS_FRAME, &m) && m.mwi) {
		if (lp->mwi_msgs && lp->t - lp->msg_t < LS_FRAMES(500))
			return; /* the other receiver's copy */
		lp->msg_t = lp->t;
		lp->lamp = m.mwi > 0;
		lp->mwi_msgs++;
		lp->lamp_std = ls_fskrx_std(&lp->fsk);
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
