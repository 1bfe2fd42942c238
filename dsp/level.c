// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * level: block level in dBm0 and gain. The level is the exact mean power of
 * the block (not spandsp's IIR power meter, whose reading depends on what
 * came before), referred to GW_LEVEL_0DBM0_RMS.
 */
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
