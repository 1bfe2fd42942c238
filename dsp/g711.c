// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * g711: block G.711 encode/decode on top of spandsp's inline bit-operation
 * coders (no tables, no state). spandsp works on the 16-bit linear scale:
 * its µ-law values are 4x, its A-law values 8x those of the G.711 tables.
 */
#include <spandsp.h>

#include "dsp/g711.h"

/* Any law other than A-law is treated as µ-law (North America's). */
void gw_g711_encode(enum gw_g711_law law, uint8_t *dst, const int16_t *src,
		    int samples)
{
	int i;

	if (law == GW_G711_ALAW) {
		for (i = 0; i < samples; i++)
			dst[i] = linear_to_alaw(src[i]);
	} else {
		for (i = 0; i < samples; i++)
			dst[i] = linear_to_ulaw(src[i]);
	}
}

void gw_g711_decode(enum gw_g711_law law, int16_t *dst, const uint8_t *src,
		    int samples)
{
	int i;

	if (law == GW_G711_ALAW) {
		for (i = 0; i < samples; i++)
			dst[i] = alaw_to_linear(src[i]);
	} else {
		for (i = 0; i < samples; i++)
			dst[i] = ulaw_to_linear(src[i]);
	}
}

uint8_t gw_g711_silence(enum gw_g711_law law)
{
	/* linear 0: A-law positive zero 0x80 with even bits inverted. */
	return law == GW_G711_ALAW ? 0xD5 : 0xFF;
}
