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

/*
 * Share of a block's power at f_hz (Goertzel; 1.0 for a pure tone on that
 * frequency, about 0 far from it): 2 |X(f)|^2 / (n * energy), energy being
 * the block's sum of squares (0: returns 0).
 */
double gw_level_tone_share(const int16_t *x, int n, double f_hz,
			   double energy);

/* Sine amplitude (peak, 16-bit linear) for a level in dBm0. */
float gw_level_dbm0_to_peak(float level_dbm0);

/* Multiply samples by 10^(gain_db/20), saturating. */
void gw_level_gain(int16_t *amp, int samples, float gain_db);

/*
 * Precomputed gain for the per-block path (e.g. a port's rx and tx gain):
 * the factor is held as a 16-bit multiplier and a shift chosen so that the
 * multiplier keeps 15-16 significant bits (gain error < 0.0003 dB), applied
 * with int32 arithmetic, rounded and saturated. No pow() per block; 0 dB
 * is a no-op. Caller storage: embed it, no _release needed.
 */
struct gw_level_gain {
	int32_t mul;   /* Q(shift) factor, 0..65535 */
	int shift;     /* 11..31 */
	float gain_db; /* as set */
};

#define GW_LEVEL_GAIN_MIN_DB (-60.0f)
#define GW_LEVEL_GAIN_MAX_DB 24.0f

/* Returns 0, or -EINVAL for gain_db outside GW_LEVEL_GAIN_MIN_DB..
 * GW_LEVEL_GAIN_MAX_DB or not finite (g is then unchanged). */
int gw_level_gain_init(struct gw_level_gain *g, float gain_db);
void gw_level_gain_process(const struct gw_level_gain *g, int16_t *amp,
			   int samples);

/*
 * Running level meter in dBm0: the mean power is smoothed block by block
 * with an exponential time constant (power of a block of n samples enters
 * with weight 1 - e^(-n/tau)), so the reading does not depend on how the
 * stream is cut into blocks of equal length. The decay for a block length
 * is computed once and cached; _process does no log() and no exp() while
 * the block length stays the same. Caller storage.
 */
struct gw_level_meter {
	float tau_samples;
	int cached_n; /* block length of cached_decay */
	float cached_decay;
	double power; /* smoothed mean square, linear units */
	float peak;   /* largest |sample| since the last peak read */
};

/* tau_ms: 1..10000 (e.g. 100 for a VU-like reading). Returns 0 or
 * -EINVAL. Starts at silence. */
int gw_level_meter_init(struct gw_level_meter *m, int tau_ms);
void gw_level_meter_process(struct gw_level_meter *m, const int16_t *amp,
			    int samples);
/* Current smoothed level in dBm0; -99 for silence. */
float gw_level_meter_dbm0(const struct gw_level_meter *m);
/* Peak since the last reset, in dBm0 of a sine with that peak (-99 if 0),
 * and reset the peak. */
float gw_level_meter_peak_dbm0(struct gw_level_meter *m);

#endif
