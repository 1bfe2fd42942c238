/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop: the subscriber loop as the phone behind an FXS port sees it, for
 * the gateway's FXS signalling after a call and message waiting.
 *
 * Battery: the gateway's card drops it (kewlstart disconnect, the open
 * loop interval; hw/simproto.h GW_SIM_SIG_BATTERY_OFF/_ON) and the phone
 * measures each drop on its frame clock (20 ms steps).
 *
 * What the phone hears after off-hook: a log of what it heard and when
 * (ms since off-hook): the call-progress tones of the listener
 * (dsp/progress: dial, ringback, busy, congestion, sit), "howler" (the
 * receiver off-hook tone, 1400 + 2060 Hz, recognised here by two Goertzel
 * filters and held over its 0.1 s gaps), "none", and the battery drops.
 * In the first 1.6 s after off-hook it counts the breaks in what it hears
 * (sound to silence): the stutter dial tone of GR-506 (ten 0.1 s bursts)
 * gives about eight, a steady dial tone none.
 *
 * Lamp: while on-hook, receivers of Bell 202 and ETSI V.23 FSK decode
 * message-waiting messages (dsp/callerid.h gw_callerid_msg.mwi: Bell
 * MDMF 0x82 / SDMF 0x06, ETSI 0x82) and set the message-waiting lamp.
 *
 * `loop P` reports all of it (ls_loop_report()).
 */
#ifndef LS_LOOP_H
#define LS_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_port;
struct ls_loop;

/* Allocate the port's loop state (phone ports); 0 or -ENOMEM. */
int ls_loop_alloc(struct ls_port *p);
/* Accepts a port without one. */
void ls_loop_free(struct ls_port *p);
/* The card went away: battery back, lamp kept. */
void ls_loop_reset(struct ls_port *p);
/* GW_SIM_SIG_BATTERY_OFF / _ON from the gateway's card. */
void ls_loop_battery(struct ls_port *p, bool on);
/* Whether the battery is off now (no loop current, no audio). */
bool ls_loop_battery_off(const struct ls_port *p);
/* The phone went off-hook: a new log. */
void ls_loop_offhook(struct ls_port *p);
/* Every frame: what the gateway sent, and whether the phone is off-hook. */
void ls_loop_tick(struct ls_port *p, const int16_t *in, bool offhook);
/* `loop P`: "ok battery=on drops=N last_drop_ms=MS ... log=..." */
int ls_loop_report(struct ls_port *p, char *r, size_t len);

#endif
