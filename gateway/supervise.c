// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * supervise: FXO answer and disconnect supervision (gateway/supervise.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dsp/progress.h"
#include "dsp/zone.h"
#include "gateway/line_int.h"
#include "gateway/supervise.h"

#define CONT_CYCLE_MS 1000 /* a continuous tone's "cycle" */

const char *gw_sup_answer_name(int answer)
{
	switch (answer) {
	case GW_CONF_ANSWER_POLARITY:
		return "polarity";
	case GW_CONF_ANSWER_ENERGY:
		return "energy";
	case GW_CONF_ANSWER_IMMEDIATE:
		return "immediate";
	}
	return "unknown";
}

static const char *tone_label(enum gw_tone t)
{
	switch (t) {
	case GW_TONE_BUSY:
		return "busy tone";
	case GW_TONE_CONGESTION:
		return "reorder tone";
	case GW_TONE_DIAL:
		return "dial tone";
	case GW_TONE_SIT:
		return "SIT";
	default:
		return gw_tone_name(t);
	}
}

static bool talking(const struct gw_line *l)
{
	return l->state == GW_LINE_FXO_TALKING;
}

static bool outgoing(const struct gw_line *l)
{
	return l->state == GW_LINE_FXO_SEIZED ||
	       l->state == GW_LINE_FXO_DIALLING ||
	       l->state == GW_LINE_FXO_EARLY;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* End the call: log the method, tell the SIP side, line on-hook. */
static void disconnect(struct gw_line *l, int status, const char *why)
{
	LOG(l, GW_LOG_INFO, "disconnect: %s", why);
	gw_line_ends_call(l, talking(l) ? 0 : status, why);
	gw_line_to_idle(l);
}

static void timer_set(su_timer_t *t, su_timer_f f, struct gw_line *l, int ms)
{
	su_timer_set_interval(t, f, l, (su_duration_t)(ms > 0 ? ms : 1));
}

/*
 * From a tone's detection to the end of its tone_repeat-th cycle: the
 * detector reports it gw_progress_det_deadline_ms() after its start.
 */
static void tone_waits(struct gw_line *l)
{
	const struct gw_zone *z = gw_zone_find(l->conf->zone);
	static const enum gw_tone tones[] = { GW_TONE_BUSY,
					      GW_TONE_CONGESTION, GW_TONE_DIAL,
					      GW_TONE_SIT };
	struct gw_progress_det *det;
	struct gw_sup *s = &l->sup;

	if (!z)
		z = gw_zone_default();
	if (gw_progress_det_alloc(&det) < 0)
		return;
	if (gw_progress_det_set_zone(det, z) < 0) {
		gw_progress_det_free(det);
		return;
	}
	for (size_t i = 0; i < sizeof(tones) / sizeof(tones[0]); i++) {
		const struct gw_zone_tone *zt = &z->tone[tones[i]];
		int n = gw_zone_tone_segs(zt), cycle = 0, dl, k;

		for (k = 0; k < n; k++)
			cycle += zt->seg[k].ms;
		if (n <= 1 || zt->cycles)
			cycle = CONT_CYCLE_MS;
		dl = gw_progress_det_deadline_ms(det, tones[i], NULL);
		s->tone_cycle_ms[tones[i]] = cycle;
		k = l->conf->sup.tone_repeat * cycle - (dl > 0 ? dl : 0);
		s->tone_wait_ms[tones[i]] = k > 0 ? k : 0;
	}
	gw_progress_det_free(det);
}

int gw_sup_init(struct gw_line *l)
{
	struct gw_sup *s = &l->sup;

	memset(s, 0, sizeof(*s));
	s->drop_timer = su_timer_create(su_root_task(l->app->root), 0);
	s->tone_timer = su_timer_create(su_root_task(l->app->root), 0);
	s->silence_timer = su_timer_create(su_root_task(l->app->root), 0);
	s->max_timer = su_timer_create(su_root_task(l->app->root), 0);
	s->answer_timer = su_timer_create(su_root_task(l->app->root), 0);
	if (!s->drop_timer || !s->tone_timer || !s->silence_timer ||
	    !s->max_timer || !s->answer_timer)
		return -ENOMEM;
	tone_waits(l);
	return 0;
}

void gw_sup_release(struct gw_line *l)
{
	struct gw_sup *s = &l->sup;
	su_timer_t **t[] = { &s->drop_timer, &s->tone_timer,
			     &s->silence_timer, &s->max_timer,
			     &s->answer_timer };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (*t[i])
			su_timer_destroy(*t[i]);
		*t[i] = NULL;
	}
}

void gw_sup_stop(struct gw_line *l)
{
	struct gw_sup *s = &l->sup;

	if (!s->drop_timer)
		return; /* not an FXO line, or init failed */
	su_timer_reset(s->drop_timer);
	su_timer_reset(s->tone_timer);
	su_timer_reset(s->silence_timer);
	su_timer_reset(s->max_timer);
	su_timer_reset(s->answer_timer);
	s->dropped = false;
	s->tone = GW_TONE_NONE;
	s->sound[0] = s->sound[1] = s->talk = false;
	if (s->energy_on)
		gw_line_cmd(l, (struct gw_media_cmd){
				       .type = GW_MEDIA_CMD_ENERGY,
				       .energy = { .on = false } });
	s->energy_on = false;
}

static void energy_on(struct gw_line *l)
{
	struct gw_sup *s = &l->sup;

	if (s->energy_on)
		return;
	s->energy_on = true;
	s->sound[0] = s->sound[1] = s->talk = false;
	gw_line_cmd(l, (struct gw_media_cmd){
			       .type = GW_MEDIA_CMD_ENERGY,
			       .energy = { .on = true,
					   .threshold_dbm0 =
						   l->conf->sup.energy_dbm0 } });
}

/* ---- timers ---- */

static void drop_fired(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *a)
{
	struct gw_line *l = a;
	char why[64];

	(void)m;
	(void)t;
	if (!l->sup.dropped || !(outgoing(l) || talking(l)))
		return;
	l->sup.dropped = false;
	snprintf(why, sizeof(why), "loop current drop %d ms",
		 l->conf->sup.loop_drop_ms);
	disconnect(l, 480, why);
}

static void tone_fired(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *a)
{
	struct gw_line *l = a;
	enum gw_tone tone = l->sup.tone;
	char why[96];
	int status;

	(void)m;
	(void)t;
	l->sup.tone = GW_TONE_NONE;
	if (tone == GW_TONE_NONE || !(outgoing(l) || talking(l)))
		return;
	status = tone == GW_TONE_BUSY ? 486 :
		 tone == GW_TONE_SIT  ? 404 : 503;
	snprintf(why, sizeof(why), "%s (zone %s, %d cycles of %d ms)",
		 tone_label(tone), l->conf->zone, l->conf->sup.tone_repeat,
		 l->sup.tone_cycle_ms[tone]);
	disconnect(l, status, why);
}

/* A timer that ends a call still in progress, for this reason. */
static void timed_out(struct gw_line *l, const char *fmt, int value)
{
	char why[64];

	if (!talking(l))
		return;
	snprintf(why, sizeof(why), fmt, value);
	disconnect(l, 0, why);
}

static void silence_fired(su_root_magic_t *m, su_timer_t *t,
			  su_timer_arg_t *a)
{
	struct gw_line *l = a;

	(void)m;
	(void)t;
	timed_out(l, "silence %d s (no sound either way)",
		  l->conf->sup.silence_s);
}

static void max_fired(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *a)
{
	struct gw_line *l = a;

	(void)m;
	(void)t;
	timed_out(l, "maximum call duration %d s", l->conf->sup.max_duration_s);
}

static void answer_fired(su_root_magic_t *m, su_timer_t *t,
			 su_timer_arg_t *a)
{
	struct gw_line *l = a;
	char how[64];

	(void)m;
	(void)t;
	if (l->state != GW_LINE_FXO_EARLY || !l->sup.talk)
		return;
	snprintf(how, sizeof(how), "speech/fax energy for %d ms",
		 l->conf->sup.answer_energy_ms);
	gw_sup_answer(l, how);
}

/* Silence either way after answer: start counting, or stop. */
static void silence_check(struct gw_line *l)
{
	struct gw_sup *s = &l->sup;
	int ms = l->conf->sup.silence_s * 1000 - GW_MEDIA_ENERGY_HANG_MS;

	if (!l->conf->sup.silence_s || !talking(l))
		return;
	if (s->sound[GW_MEDIA_DIR_LINE] || s->sound[GW_MEDIA_DIR_NET])
		su_timer_reset(s->silence_timer);
	else if (!su_timer_is_set(s->silence_timer))
		timer_set(s->silence_timer, silence_fired, l, ms);
}

/* ---- from fxo.c and line.c ---- */

void gw_sup_answer(struct gw_line *l, const char *how)
{
	if (l->state != GW_LINE_FXO_EARLY || !l->call)
		return;
	LOG(l, GW_LOG_INFO, "answered (%s)", how);
	gw_line_timer_stop(l);
	su_timer_reset(l->sup.answer_timer);
	gw_line_set_state(l, GW_LINE_FXO_TALKING);
	gw_call_line_answered(l->call);
	gw_sup_talking(l);
}

void gw_sup_early(struct gw_line *l)
{
	energy_on(l);
	if (l->conf->sup.answer == GW_CONF_ANSWER_IMMEDIATE)
		gw_sup_answer(l, "immediate, dialling done");
}

void gw_sup_talking(struct gw_line *l)
{
	const struct gw_conf_sup *c = &l->conf->sup;

	energy_on(l);
	if (c->max_duration_s)
		timer_set(l->sup.max_timer, max_fired, l,
			  c->max_duration_s * 1000);
	silence_check(l);
}

void gw_sup_line_event(struct gw_line *l, const struct gw_hw_event *ev)
{
	const struct gw_conf_sup *c = &l->conf->sup;
	struct gw_sup *s = &l->sup;

	switch (ev->type) {
	case GW_HW_EV_POLARITY:
		if (l->state == GW_LINE_FXO_DIALLING) {
			/* answered before our last digit's pause ended */
			if (c->answer != GW_CONF_ANSWER_IMMEDIATE)
				l->answered = true;
		} else if (l->state == GW_LINE_FXO_EARLY) {
			gw_sup_answer(l, "polarity reversal");
		} else if (talking(l) && c->polarity) {
			disconnect(l, 0, "polarity reversal");
		} else if (talking(l)) {
			LOG(l, GW_LOG_INFO, "polarity reversal ignored "
					    "(disconnect_polarity off)");
		}
		break;
	case GW_HW_EV_LOOP_DROP:
		if (!(outgoing(l) || talking(l)) || s->dropped)
			break;
		if (!c->loop_drop_ms) {
			LOG(l, GW_LOG_INFO, "loop current drop ignored "
					    "(disconnect_loop_drop_ms = 0)");
			break;
		}
		s->dropped = true;
		clock_gettime(CLOCK_MONOTONIC, &s->drop_at);
		timer_set(s->drop_timer, drop_fired, l, c->loop_drop_ms);
		break;
	case GW_HW_EV_LOOP_BACK:
		if (!s->dropped)
			break;
		s->dropped = false;
		su_timer_reset(s->drop_timer);
		LOG(l, GW_LOG_INFO,
		    "loop current back after %ld ms: shorter than %d ms, "
		    "not a disconnect", ms_since(&s->drop_at), c->loop_drop_ms);
		break;
	default:
		break;
	}
}

void gw_sup_progress(struct gw_line *l, enum gw_tone t)
{
	const struct gw_conf_sup *c = &l->conf->sup;
	struct gw_sup *s = &l->sup;
	unsigned int bit = t == GW_TONE_BUSY	   ? GW_CONF_DISC_BUSY :
			   t == GW_TONE_CONGESTION ? GW_CONF_DISC_REORDER :
			   t == GW_TONE_DIAL	   ? GW_CONF_DISC_DIALTONE :
			   t == GW_TONE_SIT	   ? GW_CONF_DISC_SIT : 0;
	bool ends;

	if (!(outgoing(l) || talking(l)))
		return;
	if (talking(l))
		ends = bit & c->tones;
	else /* call progress before answer; dial tone is not */
		ends = l->state == GW_LINE_FXO_EARLY &&
		       (bit & (GW_CONF_DISC_BUSY | GW_CONF_DISC_REORDER |
			       GW_CONF_DISC_SIT));
	if (!ends) {
		if (s->tone != GW_TONE_NONE)
			LOG(l, GW_LOG_DEBUG, "%s stopped before %d cycles",
			    tone_label(s->tone), c->tone_repeat);
		s->tone = GW_TONE_NONE;
		su_timer_reset(s->tone_timer);
		return;
	}
	if (s->tone == t)
		return;
	LOG(l, GW_LOG_DEBUG, "%s heard: %d ms more to %d cycles",
	    tone_label(t), s->tone_wait_ms[t], c->tone_repeat);
	s->tone = t;
	timer_set(s->tone_timer, tone_fired, l, s->tone_wait_ms[t]);
}

void gw_sup_energy(struct gw_line *l, const struct gw_media_energy_ev *e)
{
	const struct gw_conf_sup *c = &l->conf->sup;
	struct gw_sup *s = &l->sup;
	int ms;

	if ((int)e->dir < 0 || e->dir > GW_MEDIA_DIR_NET)
		return;
	LOG(l, GW_LOG_DEBUG, "%s: %s%s", gw_media_dir_name(e->dir),
	    e->sound ? "sound" : "quiet", e->talk ? ", talk" : "");
	s->sound[e->dir] = e->sound;
	if (e->dir == GW_MEDIA_DIR_LINE)
		s->talk = e->talk;
	silence_check(l);
	if (l->state != GW_LINE_FXO_EARLY ||
	    c->answer != GW_CONF_ANSWER_ENERGY)
		return;
	if (!s->talk) {
		su_timer_reset(s->answer_timer);
		return;
	}
	if (su_timer_is_set(s->answer_timer))
		return;
	ms = c->answer_energy_ms - GW_MEDIA_ENERGY_ON_MS;
	timer_set(s->answer_timer, answer_fired, l, ms);
}
