/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * g711: ITU-T G.711 µ-law and A-law, block encode/decode of 16-bit linear
 * samples, through spandsp's tables-free bit operations.
 * Specs: ITU-T G.711 (11/88), tables 1a/1b and 2a/2b.
 */
#ifndef GW_DSP_G711_H
#define GW_DSP_G711_H

#include <stdint.h>

enum gw_g711_law {
	GW_G711_ULAW = 0, /* RTP payload type 0, PCMU */
	GW_G711_ALAW = 8, /* RTP payload type 8, PCMA */
};

void gw_g711_encode(enum gw_g711_law law, uint8_t *dst, const int16_t *src,
		    int samples);
void gw_g711_decode(enum gw_g711_law law, int16_t *dst, const uint8_t *src,
		    int samples);

/* The code for silence (linear 0) in each law. */
uint8_t gw_g711_silence(enum gw_g711_law law);

#endif
