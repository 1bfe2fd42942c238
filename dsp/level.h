/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * level: signal levels in dBm0 and gain.
 *
 * 0 dBm0 is the level of a sine whose peak is 3.14 dB below 16-bit full
 * scale (spandsp's convention, after G.711: a full-scale sine is
 * +3.14 dBm0), i.e. an RMS of 32767 * 10^(-3.14/20) / sqrt(2).
 */
#ifndef GW_DSP_LEVEL_H
#define GW_DSP_LEVEL_H

#include <stdint.h>

/* RMS of 0 dBm0 in 16-bit linear units. */
#define GW_LEVEL_0DBM0_RMS 16140.6

/* Level of a block in dBm0; -99 for digital silence. */
float gw_level_dbm0(const int16_t *amp, int samples);

/* Sine amplitude (peak, 16-bit linear) for a level in dBm0. */
float gw_level_dbm0_to_peak(float level_dbm0);

/* Multiply samples by 10^(gain_db/20), saturating. */
void gw_level_gain(int16_t *amp, int samples, float gain_db);

#endif
