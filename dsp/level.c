// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * level: block level in dBm0 and gain. The level is the exact mean power of
 * the block (not spandsp's IIR power meter, whose reading depends on what
 * came before), referred to GW_LEVEL_0DBM0_RMS.
 */
#include <errno.h>
#include <math.h>

#include "dsp/level.h"

float gw_level_dbm0(const int16_t *amp, int samples)
{
	double sum = 0.0;
	int i;

	for (i = 0; i < samples; i++)
		sum += (double)amp[i] * amp[i];
	if (samples <= 0 || sum <= 0.0)
		return -99.0f;
	return (float)(10.0 * log10(sum / samples /
				    (GW_LEVEL_0DBM0_RMS * GW_LEVEL_0DBM0_RMS)));
}

double gw_level_tone_share(const int16_t *x, int n, double f_hz,
			   double energy)
{
	double c = 2.0 * cos(2.0 * M_PI * f_hz / 8000.0);
	double s1 = 0, s2 = 0;

	for (int i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	if (energy <= 0 || n <= 0)
		return 0;
	return 2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / (n * energy);
}

float gw_level_dbm0_to_peak(float level_dbm0)
{
	return (float)(GW_LEVEL_0DBM0_RMS * M_SQRT2 *
		       pow(10.0, level_dbm0 / 20.0));
}

void gw_level_gain(int16_t *amp, int samples, float gain_db)
{
	float k = powf(10.0f, gain_db / 20.0f);
	int i;

	for (i = 0; i < samples; i++) {
		float y = rintf(amp[i] * k);

		if (y > INT16_MAX)
			y = INT16_MAX;
		else if (y < INT16_MIN)
			y = INT16_MIN;
		amp[i] = (int16_t)y;
	}
}

int gw_level_gain_init(struct gw_level_gain *g, float gain_db)
{
	double k;
	int shift;

	if (!isfinite(gain_db) || gain_db < GW_LEVEL_GAIN_MIN_DB ||
	    gain_db > GW_LEVEL_GAIN_MAX_DB)
		return -EINVAL;
	k = pow(10.0, gain_db / 20.0);
	/* Largest shift whose multiplier still fits 16 bits unsigned, so
	 * |sample| * mul < 2^31: exact in int32. */
	for (shift = 31; shift > 11 && ldexp(k, shift) > 65535.0; shift--)
		;
	g->shift = shift;
	g->mul = (int32_t)lrint(ldexp(k, shift));
	if (g->mul > 65535)
		g->mul = 65535;
	g->gain_db = gain_db;
	return 0;
}

void gw_level_gain_process(const struct gw_level_gain *g, int16_t *amp,
			   int samples)
{
	const int32_t mul = g->mul;
	const int shift = g->shift;
	const int64_t round = (int64_t)1 << (shift - 1);
	int i;

	if (g->gain_db == 0.0f)
		return;
	if (shift <= 16) {
		/* gain >= -6 dB: product and rounding fit int32 */
		const int32_t r32 = (int32_t)round;

		for (i = 0; i < samples; i++) {
			int32_t y = (amp[i] * mul + r32) >> shift;

			y = y > INT16_MAX ? INT16_MAX : y;
			y = y < INT16_MIN ? INT16_MIN : y;
			amp[i] = (int16_t)y;
		}
		return;
	}
	/* attenuation: never saturates; 64-bit for the large shifts */
	for (i = 0; i < samples; i++)
		amp[i] = (int16_t)(((int64_t)amp[i] * mul + round) >> shift);
}

int gw_level_meter_init(struct gw_level_meter *m, int tau_ms)
{
	if (tau_ms < 1 || tau_ms > 10000)
		return -EINVAL;
	m->tau_samples = (float)tau_ms * 8.0f;
	m->cached_n = 0;
	m->cached_decay = 0.0f;
	m->power = 0.0;
	m->peak = 0.0f;
	return 0;
}

void gw_level_meter_process(struct gw_level_meter *m, const int16_t *amp,
			    int samples)
{
	int32_t peak = (int32_t)m->peak;
	double sum = 0.0;
	int i;

	if (samples <= 0)
		return;
	for (i = 0; i < samples; i++) {
		int32_t v = amp[i];
		int32_t a = v < 0 ? -v : v;

		sum += (double)(v * v);
		peak = a > peak ? a : peak;
	}
	if (samples != m->cached_n) {
		m->cached_n = samples;
		m->cached_decay = expf(-(float)samples / m->tau_samples);
	}
	m->power = m->cached_decay * m->power +
		   (1.0 - m->cached_decay) * (sum / samples);
	m->peak = (float)peak;
}

float gw_level_meter_dbm0(const struct gw_level_meter *m)
{
	double p = m->power / (GW_LEVEL_0DBM0_RMS * GW_LEVEL_0DBM0_RMS);

	if (p < 1e-10) /* -100 dBm0 */
		return -99.0f;
	return (float)(10.0 * log10(p));
}

float gw_level_meter_peak_dbm0(struct gw_level_meter *m)
{
	float peak = m->peak;

	m->peak = 0.0f;
	if (peak <= 0.0f)
		return -99.0f;
	return (float)(20.0 * log10(peak / (GW_LEVEL_0DBM0_RMS * M_SQRT2)));
}
