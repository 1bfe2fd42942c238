/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * port: one port of linesim, what phone and CO ports share.
 *
 * Each port owns a listener (what the far side hears: progress tones,
 * DTMF, level; audio.h), a play source set by `play`, a recorder, a tone
 * generator for the line model's own tones and, on phone ports, a DTMF
 * transmitter. ls_port_tick() runs one frame: listener and recorder first,
 * then the line model (phone.c or co.c), which fills the frame sent back.
 * Line events go to the gateway through the card (card.c).
 */
#ifndef LS_PORT_H
#define LS_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/hw.h"
#include "linesim/audio.h"
#include "linesim/co.h"
#include "linesim/echo.h"
#include "linesim/far.h"
#include "linesim/phone.h"

#define LS_FRAME GW_HW_FRAME_SAMPLES
/* Frames in `ms` milliseconds (20 ms each). */
#define LS_FRAMES(ms) ((ms) / 20)

/* Ring cadence, both for a phone being rung and for a CO ringing the
 * gateway, and the US ringback cadence: 2 s on, 4 s off. */
#define LS_RING_ON LS_FRAMES(2000)
#define LS_RING_CYCLE LS_FRAMES(6000)

enum ls_kind {
	LS_PHONE, /* analog phone behind an FXS port */
	LS_CO,	  /* central office behind an FXO port */
};

struct ls_sim;

struct ls_port {
	struct ls_sim *sim;
	int chan; /* 1-based channel number */
	enum ls_kind kind;
	struct ls_listen listen; /* analysis of what the far side hears */
	struct ls_source play;	 /* set by `play`; LS_SRC_AUTO if unset */
	struct ls_rec rec;	 /* `record` */
	struct gw_tone_gen *gen; /* tones the line model plays */
	struct gw_dtmf_tx *dtmf; /* phone: `dial` */
	struct ls_phone phone;
	struct ls_co co;
	struct ls_echo echo; /* hybrid echo added to what we send back */
	struct ls_far far;   /* CO: the far end of calls (far.h) */
	struct ls_cid *cid;  /* caller ID and ring cadences (cid.h) */
};

int ls_port_init(struct ls_port *p, struct ls_sim *sim, int chan,
		 enum ls_kind kind);
void ls_port_release(struct ls_port *p);
/* Back to idle/on-hook (card gone). Keeps the play and auto settings. */
void ls_port_reset(struct ls_port *p);
/* Run one frame: `in` is what the gateway sent, `out` what we send back. */
void ls_port_tick(struct ls_port *p, const int16_t *in, int16_t *out);
/* A line operation from the gateway. */
void ls_port_lineop(struct ls_port *p, enum gw_hw_lineop op);
/* Send a line event to the gateway (dropped if no card is connected). */
void ls_port_event(struct ls_port *p, enum gw_hw_event_type ev);
/* The same, at sample `offset` (0..159) of this frame. */
void ls_port_event_at(struct ls_port *p, enum gw_hw_event_type ev,
		      int offset);
/* The line went idle: close the recording. */
void ls_port_idle(struct ls_port *p);
const char *ls_port_kind_name(const struct ls_port *p);
const char *ls_lineop_name(enum gw_hw_lineop op);
const char *ls_event_name(enum gw_hw_event_type ev);

#endif
