// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * far: the far end of a call on a CO port (linesim/far.h).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dtmf.h"
#include "dsp/level.h"
#include "dsp/progress.h"
#include "dsp/tone.h"
#include "dsp/zone.h"
#include "linesim/linesim.h"

#define SPEECH_DEFAULT_DBM0 (-20)
#define FAR_DTMF_DBM0 (-10)
#define TWO_PI 6.283185307179586f

static uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x2545f491u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static float uniform(uint32_t *s, float lo, float hi)
{
	return lo + (hi - lo) * (float)(rng_next(s) >> 8) / 16777216.0f;
}

/* ---- speech-like signal ---------------------------------------------- */

static void speech_start(struct ls_speech *sp, int level_dbm0, uint32_t seed)
{
	memset(sp, 0, sizeof(*sp));
	sp->rng = seed;
	/* the harmonics' sum has the RMS of a sine of this peak */
	sp->gain = gw_level_dbm0_to_peak((float)level_dbm0);
}

static void syllable(struct ls_speech *sp)
{
	float fm[3], sum = 0.0f;
	int h;

	sp->voiced = true;
	sp->pos = 0;
	sp->len = (int)(uniform(&sp->rng, 0.12f, 0.35f) * 8000.0f);
	sp->f0 = sp->f0_to > 0.0f ? sp->f0_to : uniform(&sp->rng, 90, 250);
	sp->f0_to = uniform(&sp->rng, 90, 250);
	fm[0] = uniform(&sp->rng, 300, 900);
	fm[1] = uniform(&sp->rng, 900, 2300);
	fm[2] = uniform(&sp->rng, 2300, 3200);
	sp->nharm = 0;
	for (h = 1; h <= LS_SPEECH_HARMS; h++) {
		float f = (float)h * sp->f0, a = 0.0f;

		if (f > 3600.0f)
			break;
		for (int k = 0; k < 3; k++)
			a += 1.0f / (1.0f + ((f - fm[k]) / 120.0f) *
						    ((f - fm[k]) / 120.0f));
		sp->amp[h - 1] = a / sqrtf((float)h);
		sp->ph[h - 1] = uniform(&sp->rng, 0.0f, TWO_PI);
		sum += sp->amp[h - 1] * sp->amp[h - 1];
		sp->nharm = h;
	}
	/* sum of squares 1: the sum's RMS is that of a unit sine */
	sum = sqrtf(sum);
	for (h = 0; h < sp->nharm; h++)
		sp->amp[h] /= sum > 0.0f ? sum : 1.0f;
}

static void pause_start(struct ls_speech *sp)
{
	sp->voiced = false;
	sp->pos = 0;
	if (++sp->since_pause >= 6) {
		sp->since_pause = 0;
		sp->len = (int)(uniform(&sp->rng, 0.3f, 0.9f) * 8000.0f);
	} else {
		sp->len = (int)(uniform(&sp->rng, 0.04f, 0.25f) * 8000.0f);
	}
}

static void speech_add(struct ls_speech *sp, int16_t *out, int n)
{
	for (int i = 0; i < n; i++) {
		float v = 0.0f, env, f0;

		if (sp->pos >= sp->len) {
			if (sp->voiced)
				pause_start(sp);
			else
				syllable(sp);
		}
		if (!sp->voiced) {
			sp->pos++;
			continue;
		}
		env = sinf(3.14159265f * (float)sp->pos / (float)sp->len);
		env = powf(env, 0.7f);
		f0 = sp->f0 + (sp->f0_to - sp->f0) * (float)sp->pos /
				      (float)sp->len;
		sp->phase += TWO_PI * f0 / 8000.0f;
		if (sp->phase > TWO_PI)
			sp->phase -= TWO_PI;
		for (int h = 0; h < sp->nharm; h++)
			v += sp->amp[h] *
			     sinf((float)(h + 1) * sp->phase + sp->ph[h]);
		v = v * env * sp->gain + (float)out[i];
		out[i] = (int16_t)(v > 32767.0f ? 32767 :
				   v < -32768.0f ? -32768 : v);
		sp->pos++;
	}
}

/* ---- per frame ----------------------------------------------------------- */

void ls_far_answered(struct ls_port *p)
{
	if (!p->far.answer_quiet)
		ls_port_event(p, GW_HW_EV_POLARITY);
}

static void set_zone(struct ls_port *p, const struct gw_zone *z)
{
	gw_tone_gen_set_zone(p->gen, z);
	gw_progress_det_set_zone(p->listen.prog, z);
}

void ls_far_reset(struct ls_port *p)
{
	struct ls_far *f = &p->far;

	if (f->drop_frames)
		ls_log("port %d: loop current back (line idle)", p->chan);
	f->drop_frames = 0;
	f->speech = false;
	if (f->dtmf)
		gw_dtmf_tx_reset(f->dtmf);
	if (p->gen && gw_tone_gen_zone(p->gen) != f->zone &&
	    !(f->zone == NULL && gw_tone_gen_zone(p->gen) == gw_zone_default()))
		set_zone(p, f->zone);
}

void ls_far_release(struct ls_port *p)
{
	if (p->far.dtmf)
		gw_dtmf_tx_free(p->far.dtmf);
	p->far.dtmf = NULL;
}

static bool in_call(const struct ls_port *p)
{
	return p->co.state == LS_CO_ANSWERED || p->co.state == LS_CO_CONNECTED;
}

void ls_far_tick(struct ls_port *p, int16_t *out)
{
	struct ls_far *f = &p->far;

	if (in_call(p) && f->speech)
		speech_add(&f->sp, out, LS_FRAME);
	if (in_call(p) && f->dtmf && gw_dtmf_tx_busy(f->dtmf)) {
		int16_t d[LS_FRAME];

		memset(d, 0, sizeof(d));
		gw_dtmf_tx_process(f->dtmf, d, LS_FRAME);
		for (int i = 0; i < LS_FRAME; i++) {
			int v = out[i] + d[i];

			out[i] = (int16_t)(v > 32767 ? 32767 :
					   v < -32768 ? -32768 : v);
		}
	}
	if (f->level_db)
		gw_level_gain(out, LS_FRAME, (float)f->level_db);
	if (f->noise_dbm0 && p->co.seized) {
		float a = (float)GW_LEVEL_0DBM0_RMS * 1.7320508f *
			  powf(10.0f, (float)f->noise_dbm0 / 20.0f);

		for (int i = 0; i < LS_FRAME; i++) {
			float v = (float)out[i] +
				  uniform(&f->noise_rng, -a, a);

			out[i] = (int16_t)(v > 32767.0f ? 32767 :
					   v < -32768.0f ? -32768 : v);
		}
	}
	if (f->drop_frames) {
		/* no loop current: nothing reaches the gateway */
		memset(out, 0, LS_FRAME * sizeof(*out));
		if (f->drop_frames > 0 && --f->drop_frames == 0) {
			ls_port_event(p, GW_HW_EV_LOOP_BACK);
			ls_log("port %d: loop current back", p->chan);
		}
	}
}

/* ---- commands ------------------------------------------------------------ */

static int ok(char *r, size_t len, struct ls_port *p, const char *what)
{
	snprintf(r, len, "ok port=%d %s state=%s", p->chan, what,
		 ls_co_state_name(p->co.state));
	return 0;
}

static int err(char *r, size_t len, const char *msg, struct ls_port *p)
{
	snprintf(r, len, "err port %d: %s (state=%s)", p->chan, msg,
		 ls_co_state_name(p->co.state));
	return -EINVAL;
}

static bool num(const char *s, long lo, long hi, long *v)
{
	char *end;

	*v = strtol(s, &end, 10);
	return end != s && !*end && *v >= lo && *v <= hi;
}

static bool call_up(const struct ls_port *p)
{
	return p->co.seized && p->co.state != LS_CO_IDLE &&
	       p->co.state != LS_CO_INCOMING;
}

/* The far end leaves: state hungup, `tone` (or silence) afterwards. */
static void gone(struct ls_port *p, enum gw_tone tone)
{
	p->co.state = LS_CO_HUNGUP;
	p->co.t = 0;
	p->far.speech = false;
	if (p->far.dtmf)
		gw_dtmf_tx_reset(p->far.dtmf);
	ls_source_set(&p->play, LS_SRC_AUTO);
	gw_tone_gen_set(p->gen, tone);
}

static int hangup(struct ls_port *p, int argc, char **argv, char *r,
		  size_t len)
{
	static const struct {
		const char *name;
		enum gw_tone tone;
	} tones[] = { { "busy", GW_TONE_BUSY },
		      { "reorder", GW_TONE_CONGESTION },
		      { "dialtone", GW_TONE_DIAL },
		      { "sit", GW_TONE_SIT } };
	char what[64];
	long ms = -1;

	if (!call_up(p) || p->co.state == LS_CO_HUNGUP)
		return err(r, len, "no call to hang up", p);
	if (!strcmp(argv[0], "loop") && argc <= 2) {
		if (argc == 2 && !num(argv[1], 20, 60000, &ms))
			return err(r, len, "loop: MS must be 20..60000", p);
		gone(p, GW_TONE_NONE);
		ls_port_event(p, GW_HW_EV_LOOP_DROP);
		p->far.drop_frames = ms > 0 ? (int)LS_FRAMES(ms) : -1;
		if (ms > 0)
			ls_log("port %d: far end hung up (loop current drop "
			       "%ld ms)", p->chan, ms);
		else
			ls_log("port %d: far end hung up (loop open)",
			       p->chan);
		snprintf(what, sizeof(what), "hangup=loop drop_ms=%ld", ms);
		return ok(r, len, p, what);
	}
	if (!strcmp(argv[0], "polarity") && argc == 1) {
		gone(p, GW_TONE_NONE);
		ls_port_event(p, GW_HW_EV_POLARITY);
		ls_log("port %d: far end hung up (polarity reversal)",
		       p->chan);
		return ok(r, len, p, "hangup=polarity");
	}
	if (!strcmp(argv[0], "silence") && argc == 1) {
		gone(p, GW_TONE_NONE);
		ls_log("port %d: far end hung up (silence)", p->chan);
		return ok(r, len, p, "hangup=silence");
	}
	for (size_t i = 0; i < sizeof(tones) / sizeof(tones[0]); i++) {
		const struct gw_zone *z = p->far.zone;

		if (strcmp(argv[0], tones[i].name) || argc > 2)
			continue;
		if (argc == 2 && !(z = gw_zone_find(argv[1])))
			return err(r, len, "no such zone", p);
		if (!z)
			z = gw_zone_default();
		gone(p, GW_TONE_NONE);
		set_zone(p, z);
		gw_tone_gen_set(p->gen, tones[i].tone);
		ls_log("port %d: far end hung up (%s tone, zone %s)", p->chan,
		       tones[i].name, z->name);
		snprintf(what, sizeof(what), "hangup=%s zone=%s",
			 tones[i].name, z->name);
		return ok(r, len, p, what);
	}
	return -EINVAL;
}

static int talk(struct ls_port *p, int argc, char **argv, char *r,
		size_t len)
{
	struct ls_far *f = &p->far;
	char what[96];
	long lvl = SPEECH_DEFAULT_DBM0;

	if (!strcmp(argv[0], "off") && argc == 1) {
		f->speech = false;
		if (f->dtmf)
			gw_dtmf_tx_reset(f->dtmf);
		return ok(r, len, p, "talk=off");
	}
	if (!strcmp(argv[0], "speech") && argc <= 2) {
		if (argc == 2 && !num(argv[1], -60, 0, &lvl))
			return err(r, len, "speech: LEVEL must be -60..0 dBm0",
				   p);
		speech_start(&f->sp, (int)lvl, 0x9e3779b9u ^ (uint32_t)p->chan);
		f->speech = true;
		ls_log("port %d: far end talks (speech-like, %ld dBm0)",
		       p->chan, lvl);
		snprintf(what, sizeof(what), "talk=speech level=%ld", lvl);
		return ok(r, len, p, what);
	}
	if (!strcmp(argv[0], "dtmf") && argc == 2) {
		if (!f->dtmf && gw_dtmf_tx_alloc(&f->dtmf, FAR_DTMF_DBM0, 100,
						 100) < 0)
			return err(r, len, "out of memory", p);
		if (gw_dtmf_tx_put(f->dtmf, argv[1]) < 0)
			return err(r, len, "bad digits (0-9 * # A-D) or queue "
					   "full", p);
		ls_log("port %d: far end sends DTMF %s", p->chan, argv[1]);
		snprintf(what, sizeof(what), "talk=dtmf queued=%.40s", argv[1]);
		return ok(r, len, p, what);
	}
	return -EINVAL;
}

int ls_far_command(struct ls_port *p, const char *cmd, int argc,
		   char **argv, char *r, size_t len)
{
	struct ls_far *f = &p->far;
	char what[64];
	long v;

	if (!strcmp(cmd, "hangup") && argc >= 1)
		return hangup(p, argc, argv, r, len);
	if (!strcmp(cmd, "talk") && argc >= 1)
		return talk(p, argc, argv, r, len);
	if (!strcmp(cmd, "answer") && argc <= 1) {
		bool quiet = f->answer_quiet;
		int e;

		if (argc == 1 && strcmp(argv[0], "polarity") &&
		    strcmp(argv[0], "quiet"))
			return -EINVAL;
		if (argc == 1)
			f->answer_quiet = !strcmp(argv[0], "quiet");
		e = ls_co_answer(p);
		f->answer_quiet = quiet;
		if (e < 0)
			return err(r, len, "no call in ringback to answer", p);
		return ok(r, len, p, "answered=1");
	}
	if (!strcmp(cmd, "answermode") && argc == 1) {
		if (strcmp(argv[0], "polarity") && strcmp(argv[0], "quiet"))
			return -EINVAL;
		f->answer_quiet = !strcmp(argv[0], "quiet");
		ls_log("port %d: answers %s", p->chan,
		       f->answer_quiet ? "without a battery reversal"
				       : "with a battery reversal");
		snprintf(what, sizeof(what), "answermode=%s", argv[0]);
		return ok(r, len, p, what);
	}
	if (!strcmp(cmd, "drop") && argc == 1) {
		if (!num(argv[0], 20, 60000, &v))
			return err(r, len, "drop: MS must be 20..60000", p);
		if (!call_up(p) || f->drop_frames)
			return err(r, len, "no call, or the loop is already "
					   "open", p);
		ls_port_event(p, GW_HW_EV_LOOP_DROP);
		f->drop_frames = (int)LS_FRAMES(v);
		ls_log("port %d: loop current interrupted for %ld ms",
		       p->chan, v);
		snprintf(what, sizeof(what), "drop_ms=%ld", v);
		return ok(r, len, p, what);
	}
	if (!strcmp(cmd, "zone") && argc == 1) {
		const struct gw_zone *z = gw_zone_find(argv[0]);

		if (!z)
			return err(r, len, "no such zone", p);
		f->zone = z;
		set_zone(p, z);
		ls_log("port %d: tone zone %s", p->chan, z->name);
		snprintf(what, sizeof(what), "zone=%s", z->name);
		return ok(r, len, p, what);
	}
	if (!strcmp(cmd, "noise") && argc == 1) {
		if (!strcmp(argv[0], "off"))
			v = 0;
		else if (!num(argv[0], -90, -20, &v))
			return err(r, len, "noise: LEVEL must be -90..-20 "
					   "dBm0 or off", p);
		f->noise_dbm0 = (int)v;
		f->noise_rng = 0x1234567u + (uint32_t)p->chan;
		snprintf(what, sizeof(what), "noise=%ld", v);
		return ok(r, len, p, what);
	}
	if (!strcmp(cmd, "level") && argc == 1) {
		if (!num(argv[0], -30, 10, &v))
			return err(r, len, "level: DB must be -30..10", p);
		f->level_db = (int)v;
		snprintf(what, sizeof(what), "level=%ld", v);
		return ok(r, len, p, what);
	}
	return -EINVAL;
}
