/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * echo: the 2-wire hybrid echo path of a simulated line.
 *
 * What it does: a real analog line reflects part of what the gateway sends
 * back into what it receives, at the 2-wire/4-wire hybrid. Each port can
 * add such an echo to what its far side sends: the gateway's signal,
 * delayed by a bulk delay, filtered by one of the eight ITU-T G.168 Annex D
 * echo-path models (spandsp's g168models.h, d2..d9) and attenuated by the
 * echo return loss (ERL).
 *
 * How: the model's impulse response is normalised to unit energy (so its
 * white-noise gain is 0 dB) and scaled by 10^(-ERL/20); a history ring of
 * the gateway's samples feeds the FIR. The echo is present while the line
 * is connected (phone off-hook, CO line seized).
 */
#ifndef LS_ECHO_H
#define LS_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#define LS_ECHO_MAX_TAPS 160
#define LS_ECHO_MAX_DELAY_MS 200
#define LS_ECHO_HIST 2048 /* > max delay + taps; a power of two */

struct ls_echo {
	bool on;
	int model;	/* G.168 Annex D model 2..9 */
	float erl_db;
	int delay_ms;
	int taps;
	float h[LS_ECHO_MAX_TAPS];
	int16_t hist[LS_ECHO_HIST];
	unsigned pos;
};

/* Set the path (model 2..9, ERL 0..60 dB, delay 0..200 ms); -EINVAL. */
int ls_echo_set(struct ls_echo *e, int model, float erl_db, int delay_ms);
void ls_echo_off(struct ls_echo *e);
/*
 * Add the echo of `in` (what the gateway sent) to `out` (what the far side
 * sends) when `connected`; the history runs either way.
 */
void ls_echo_process(struct ls_echo *e, const int16_t *in, int16_t *out,
		     int n, bool connected);
/* "d4,6dB,0ms" or "off". */
void ls_echo_name(const struct ls_echo *e, char *buf, int len);
/* Parse "MODEL:ERL[:DELAY_MS]" (MODEL as 4 or d4). */
int ls_echo_parse(struct ls_echo *e, const char *spec);

#endif
