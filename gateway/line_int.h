/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * line_int: what the line state machines share (line.c: common part and
 * dispatch; fxs.c: FXS ports; fxo.c: FXO ports). Control thread only.
 */
#ifndef GW_LINE_INT_H
#define GW_LINE_INT_H

#include "gateway/call.h"
#include "gateway/line.h"
#include "gateway/log.h"

__attribute__((format(printf, 3, 4))) void
gw_line_log(struct gw_line *l, enum gw_log_level lvl, const char *fmt, ...);
#define LOG(l, lvl, ...) gw_line_log(l, lvl, __VA_ARGS__)

void gw_line_set_state(struct gw_line *l, enum gw_line_state s);
/* A media command for the line's channel. */
void gw_line_cmd(struct gw_line *l, struct gw_media_cmd c);
void gw_line_tone(struct gw_line *l, enum gw_tone t);
void gw_line_lineop(struct gw_line *l, enum gw_hw_lineop op);
void gw_line_dtmf_rx(struct gw_line *l, bool on);
void gw_line_progress(struct gw_line *l, bool on);
/* The line's one-shot timer; on expiry gw_fxs_timer()/gw_fxo_timer(). */
void gw_line_timer_start(struct gw_line *l, int ms);
void gw_line_timer_stop(struct gw_line *l);
/* Stop bridging the line to its call's RTP session. */
void gw_line_unbridge(struct gw_line *l);
/* Back to idle, with no call. */
void gw_line_to_idle(struct gw_line *l);
/* The line leg ends the call (hang-up, no dial tone, busy...). */
void gw_line_ends_call(struct gw_line *l, int status, const char *why);

/* fxs.c */
void gw_fxs_event(struct gw_line *l, const struct gw_hw_event *ev);
void gw_fxs_timer(struct gw_line *l);
void gw_fxs_digit(struct gw_line *l, char d);
void gw_fxs_idle(struct gw_line *l);
/* The far end answered a call the phone made. */
void gw_fxs_answered(struct gw_line *l);
void gw_fxs_remote_gone(struct gw_line *l, bool busy);

/* fxo.c */
void gw_fxo_event(struct gw_line *l, const struct gw_hw_event *ev);
void gw_fxo_timer(struct gw_line *l);
void gw_fxo_progress(struct gw_line *l, enum gw_tone t);
void gw_fxo_dtmf_done(struct gw_line *l);
void gw_fxo_idle(struct gw_line *l);
void gw_fxo_remote_gone(struct gw_line *l);

#endif
