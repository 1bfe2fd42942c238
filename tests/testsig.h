/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testsig: test signals and measurements shared by the dsp/ unit cases and
 * benchmarks (8 kHz, 16-bit linear): a deterministic random number
 * generator, saturation to 16 bits, the share of a block's energy at one
 * frequency, and speech stand-ins under a syllabic envelope.
 *
 * How: the generator is xorshift32 (Marsaglia, "Xorshift RNGs", 2003:
 * shifts 13, 17, 5), the same sequence on every platform. Its state is a
 * uint32_t owned by the caller, so each test file keeps its own stream and
 * a signal depends only on the seed the case sets (a state of 0 stays 0:
 * seed with anything else). Everything that draws random numbers takes
 * that state and draws in a fixed order, so a seed gives a bit-identical
 * signal. The energy share is a Goertzel filter in double precision. No
 * function here allocates.
 */
#ifndef GW_TESTSIG_H
#define GW_TESTSIG_H

#include <stdint.h>

/* Sample rate of every signal here. */
#define GW_TESTSIG_RATE 8000

/* Next xorshift32 value of *state (updated). */
uint32_t gw_testsig_rng(uint32_t *state);

/* Uniform in [lo, hi): lo + (hi - lo) * gw_testsig_rng() / 2^32. */
double gw_testsig_uniform(uint32_t *state, double lo, double hi);

/* v rounded to the nearest integer (lrint) and clipped to int16_t. */
int16_t gw_testsig_sat16(double v);

/*
 * Share of the energy of x[0..n) at freq_hz (Goertzel, double precision):
 * 2 |X(f)|^2 / (n * sum x^2), 1.0 for a pure sine at freq_hz over a whole
 * number of cycles, 0 for digital silence.
 */
double gw_testsig_tone_share(const int16_t *x, int n, double freq_hz);

/*
 * Syllabic envelope, one value per call: raised-cosine syllables of
 * 100-350 ms separated by gaps of 30-250 ms, with a further 300-900 ms
 * pause one time in six. Start from a zeroed struct; each new syllable
 * draws from *rng.
 */
struct gw_testsig_syllables {
	int pos, len, gap;
};

double gw_testsig_syllable_env(struct gw_testsig_syllables *s,
			       uint32_t *rng);

/*
 * Voiced speech model into x[0..n): a harmonic series (3000 per harmonic
 * before shaping) on a pitch gliding to a new 80-260 Hz target every
 * 40-120 ms, shaped by three formants (250-900, 900-2400, 2400-3300 Hz)
 * that move at the same times, with one segment in five unvoiced (noise);
 * all under gw_testsig_syllable_env and saturated.
 */
void gw_testsig_speech_voiced(int16_t *x, int n, uint32_t *rng);

/*
 * Random-frequency-hopping multi-tone into x[0..n): every 20-80 ms a new
 * set of min_tones to min_tones + 2 tones (1 <= min_tones <= 2), each at
 * 150-3400 Hz with an amplitude of 1800-9000, under
 * gw_testsig_syllable_env and saturated.
 */
void gw_testsig_speech_multitone(int16_t *x, int n, int min_tones,
				 uint32_t *rng);

#endif /* GW_TESTSIG_H */
