// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * testsig: test signals and measurements shared by the dsp/ unit cases and
 * benchmarks; see tests/testsig.h.
 */
#include <math.h>
#include <stdint.h>

#include "tests/testsig.h"

#define RATE GW_TESTSIG_RATE

uint32_t gw_testsig_rng(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

double gw_testsig_uniform(uint32_t *state, double lo, double hi)
{
	return lo + (hi - lo) * (gw_testsig_rng(state) / 4294967296.0);
}

int16_t gw_testsig_sat16(double v)
{
	if (v > 32767.0)
		return 32767;
	if (v < -32768.0)
		return -32768;
	return (int16_t)lrint(v);
}

double gw_testsig_tone_share(const int16_t *x, int n, double freq_hz)
{
	double c = 2.0 * cos(2.0 * M_PI * freq_hz / RATE);
	double s1 = 0.0, s2 = 0.0, e = 0.0, p;

	for (int i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
		e += (double)x[i] * x[i];
	}
	p = s1 * s1 + s2 * s2 - c * s1 * s2;
	return e > 0.0 ? 2.0 * p / (n * e) : 0.0;
}

double gw_testsig_syllable_env(struct gw_testsig_syllables *s, uint32_t *rng)
{
	double env;

	if (s->pos >= s->len + s->gap) {
		s->pos = 0;
		s->len = (int)gw_testsig_uniform(rng, 100, 350) * 8;
		s->gap = (int)gw_testsig_uniform(rng, 30, 250) * 8;
		if (gw_testsig_rng(rng) % 6 == 0)
			s->gap += (int)gw_testsig_uniform(rng, 300, 900) * 8;
	}
	env = s->pos < s->len ? 0.5 - 0.5 * cos(2.0 * M_PI * s->pos / s->len)
			      : 0.0;
	s->pos++;
	return env;
}

void gw_testsig_speech_voiced(int16_t *x, int n, uint32_t *rng)
{
	struct gw_testsig_syllables syl = { 0, 0, 0 };
	double f0 = 120, f0_to = 120, ph = 0.0, fm[3] = { 500, 1500, 2500 };
	double lp = 0.0;
	int seg = 0, unvoiced = 0;

	for (int i = 0; i < n; i++) {
		double v = 0.0;

		if (seg-- <= 0) {
			seg = (int)gw_testsig_uniform(rng, 40, 120) * 8;
			f0_to = gw_testsig_uniform(rng, 80, 260);
			fm[0] = gw_testsig_uniform(rng, 250, 900);
			fm[1] = gw_testsig_uniform(rng, 900, 2400);
			fm[2] = gw_testsig_uniform(rng, 2400, 3300);
			unvoiced = gw_testsig_rng(rng) % 5 == 0;
		}
		f0 += (f0_to - f0) * 0.002;
		ph += 2.0 * M_PI * f0 / RATE;
		if (unvoiced) {
			lp = 0.6 * lp + 0.4 * gw_testsig_uniform(rng, -1, 1);
			v = (gw_testsig_uniform(rng, -1, 1) - lp) * 6000.0;
		} else {
			for (int h = 1; h * f0 < 3400; h++) {
				double g = 0.0;

				for (int j = 0; j < 3; j++) {
					double d = (h * f0 - fm[j]) / 120.0;

					g += (j ? 0.5 : 1.0) / (1.0 + d * d);
				}
				v += g * sin(h * ph) * 3000.0;
			}
		}
		x[i] = gw_testsig_sat16(v * gw_testsig_syllable_env(&syl, rng));
	}
}

void gw_testsig_speech_multitone(int16_t *x, int n, int min_tones,
				 uint32_t *rng)
{
	struct gw_testsig_syllables syl = { 0, 0, 0 };
	double f[4] = { 0 }, a[4] = { 0 }, ph[4] = { 0 };
	int k = 0, hop = 0;

	for (int i = 0; i < n; i++) {
		double v = 0.0;

		if (hop-- <= 0) {
			hop = (int)gw_testsig_uniform(rng, 20, 80) * 8;
			k = min_tones + (int)(gw_testsig_rng(rng) % 3);
			for (int j = 0; j < k; j++) {
				f[j] = gw_testsig_uniform(rng, 150, 3400);
				a[j] = gw_testsig_uniform(rng, 0.2, 1.0) *
				       9000.0;
			}
		}
		for (int j = 0; j < k; j++) {
			ph[j] += 2.0 * M_PI * f[j] / RATE;
			v += a[j] * sin(ph[j]);
		}
		x[i] = gw_testsig_sat16(v * gw_testsig_syllable_env(&syl, rng));
	}
}
