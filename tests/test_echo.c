// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_echo: G.168-style cases for dsp/echo.
 *
 * Echo paths are the eight ITU-T G.168 Annex D models from spandsp's
 * g168models.h (d2..d9), normalised to unit energy like linesim/echo.c and
 * then scaled so that the ERL measured on the test signal is exactly the
 * one asked for. The far end is a speech-like signal generated here:
 * Gaussian noise band-limited to 300..3400 Hz with a speech-like tilt and a
 * syllabic envelope (bursts of 120..350 ms at levels +-4 dB, gaps of
 * 20..120 ms), active level -10 dBm0; the near end adds white background
 * noise at -57 dBm0. ERLE is Sin over Sout power (noise included, so it is
 * a lower bound of the echo attenuation) unless a case says "residual":
 * there the high-pass is off so Sout - near-end - noise is exactly the
 * residual echo.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>
#include <spandsp/g168models.h>

#include "dsp/echo.h"
#include "tests/test.h"
#include "tests/testsig.h"

#define RATE 8000
#define BLOCK 160
#define P0 (16140.6 * 16140.6)
#define FAR_DBM0 (-10.0)
#define NOISE_DBM0 (-57.0)

/* ---- signals ----------------------------------------------------------- */

static uint32_t rng_state;

static double uni(void)
{
	return (gw_testsig_rng(&rng_state) + 0.5) / 4294967296.0;
}

static double gauss(void)
{
	return sqrt(-2.0 * log(uni())) * cos(2.0 * M_PI * uni());
}

struct biquad {
	double b0, b1, b2, a1, a2, x1, x2, y1, y2;
};

static void biquad_set(struct biquad *f, int highpass, double fc)
{
	double w0 = 2.0 * M_PI * fc / RATE, c = cos(w0);
	double al = sin(w0) / (2.0 * M_SQRT1_2), a0 = 1.0 + al;

	memset(f, 0, sizeof(*f));
	if (highpass) {
		f->b0 = (1.0 + c) / 2.0 / a0;
		f->b1 = -(1.0 + c) / a0;
	} else {
		f->b0 = (1.0 - c) / 2.0 / a0;
		f->b1 = (1.0 - c) / a0;
	}
	f->b2 = f->b0;
	f->a1 = -2.0 * c / a0;
	f->a2 = (1.0 - al) / a0;
}

static double biquad_run(struct biquad *f, double x)
{
	double y = f->b0 * x + f->b1 * f->x1 + f->b2 * f->x2 - f->a1 * f->y1 -
		   f->a2 * f->y2;

	f->x2 = f->x1;
	f->x1 = x;
	f->y2 = f->y1;
	f->y1 = y;
	return y;
}

/*
 * Speech-like signal: n samples at an active level of level_dbm0 (RMS
 * over the bursts), starting with a burst.
 */
static void speech_like(double *out, int n, double level_dbm0, uint32_t seed)
{
	struct biquad hp, lp;
	double tilt = 0.0, sum = 0.0, k;
	int i = 0, active = 0;

	rng_state = seed;
	biquad_set(&hp, 1, 300.0);
	biquad_set(&lp, 0, 3400.0);
	while (i < n) {
		int on = (int)(RATE * (0.12 + 0.23 * uni()));
		int off = (int)(RATE * (0.02 + 0.10 * uni()));
		int ramp = RATE / 50;
		double g = pow(10.0, (8.0 * uni() - 4.0) / 20.0);

		for (int j = 0; j < on + off && i < n; j++, i++) {
			double v = biquad_run(&lp, biquad_run(&hp, gauss()));
			double env;

			tilt = v + 0.5 * tilt;
			if (j >= on)
				env = 0.0;
			else if (j < ramp)
				env = 0.5 - 0.5 * cos(M_PI * j / ramp);
			else if (j > on - ramp)
				env = 0.5 - 0.5 * cos(M_PI * (on - j) / ramp);
			else
				env = 1.0;
			out[i] = tilt * env * g;
			if (j < on) {
				sum += out[i] * out[i];
				active++;
			}
		}
	}
	k = sqrt(P0 * pow(10.0, level_dbm0 / 10.0) / (sum / active));
	for (i = 0; i < n; i++)
		out[i] *= k;
}

static const struct {
	const char *name;
	const int32_t *c;
	int taps;
} models[] = {
#define M(n, x) { n, x, (int)(sizeof(x) / sizeof(x[0])) }
	M("d2", line_model_d2_coeffs), M("d3", line_model_d3_coeffs),
	M("d4", line_model_d4_coeffs), M("d5", line_model_d5_coeffs),
	M("d6", line_model_d6_coeffs), M("d7", line_model_d7_coeffs),
	M("d8", line_model_d8_coeffs), M("d9", line_model_d9_coeffs),
#undef M
};

/*
 * echo[i] = sum h[k] x[i - delay - k] with h = model m at unit energy,
 * then scaled so that P(x)/P(echo) is erl_db over the whole signal.
 */
static void echo_path(const double *x, double *echo, int n, int m,
		      double erl_db, int delay)
{
	double e = 0.0, px = 0.0, pe = 0.0, k;

	for (int j = 0; j < models[m].taps; j++)
		e += (double)models[m].c[j] * models[m].c[j];
	for (int i = 0; i < n; i++) {
		double acc = 0.0;

		for (int j = 0; j < models[m].taps; j++) {
			int t = i - delay - j;

			if (t >= 0)
				acc += models[m].c[j] * x[t];
		}
		echo[i] = acc / sqrt(e);
		px += x[i] * x[i];
		pe += echo[i] * echo[i];
	}
	k = sqrt(px / pe * pow(10.0, -erl_db / 10.0));
	for (int i = 0; i < n; i++)
		echo[i] *= k;
}

static double ratio_db(double num, double den)
{
	return 10.0 * log10((num + 1e-9) / (den + 1e-9));
}

static double energy16(const int16_t *a, int from, int to)
{
	double s = 0.0;

	for (int i = from; i < to; i++)
		s += (double)a[i] * a[i];
	return s;
}

/* One canceller run; the buffers are owned by the caller. */
struct run {
	int n;
	int16_t *tx, *rx, *out;
	double *near; /* near-end signal (speech + noise) added to rx */
	double *echo;
};

static int run_alloc(struct run *r, int n)
{
	r->n = n;
	r->tx = calloc((size_t)n, sizeof(int16_t));
	r->rx = calloc((size_t)n, sizeof(int16_t));
	r->out = calloc((size_t)n, sizeof(int16_t));
	r->near = calloc((size_t)n, sizeof(double));
	r->echo = calloc((size_t)n, sizeof(double));
	return r->tx && r->rx && r->out && r->near && r->echo ? 0 : -ENOMEM;
}

static void run_free(struct run *r)
{
	free(r->tx);
	free(r->rx);
	free(r->out);
	free(r->near);
	free(r->echo);
}

/* far: far-end signal (double); fills tx, echo, near noise and rx. */
static void run_build(struct run *r, const double *far, int m, double erl_db,
		      int delay, uint32_t noise_seed)
{
	double *x = malloc(sizeof(double) * (size_t)r->n);

	for (int i = 0; i < r->n; i++) {
		r->tx[i] = gw_testsig_sat16(far[i]);
		x[i] = r->tx[i];
	}
	echo_path(x, r->echo, r->n, m, erl_db, delay);
	rng_state = noise_seed;
	for (int i = 0; i < r->n; i++)
		r->near[i] += sqrt(P0 * pow(10.0, NOISE_DBM0 / 10.0)) * gauss();
	for (int i = 0; i < r->n; i++)
		r->rx[i] = gw_testsig_sat16(r->echo[i] + r->near[i]);
	free(x);
}

static void run_process(struct gw_echo *ec, struct run *r, int from, int to)
{
	for (int i = from; i < to; i += BLOCK) {
		int len = to - i < BLOCK ? to - i : BLOCK;

		gw_echo_process(ec, r->rx + i, r->tx + i, r->out + i, len);
	}
}

/* ERLE (Sin over Sout) over [from, to) seconds. */
static double erle_total(const struct run *r, double from, double to)
{
	int a = (int)(from * RATE), b = (int)(to * RATE);

	return ratio_db(energy16(r->rx, a, b), energy16(r->out, a, b));
}

/* Echo over residual echo (Sout - near), high-pass off. */
static double erle_residual(const struct run *r, double from, double to)
{
	int a = (int)(from * RATE), b = (int)(to * RATE);
	double pe = 0.0, pr = 0.0;

	for (int i = a; i < b; i++) {
		double res = r->out[i] - (r->rx[i] - r->echo[i]);

		pe += r->echo[i] * r->echo[i];
		pr += res * res;
	}
	return ratio_db(pe, pr);
}

/* ---- cases ------------------------------------------------------------- */

static int test_alloc(void)
{
	struct gw_echo *ec = NULL;
	struct gw_echo_stats st;

	TEST_EQ_INT(gw_echo_alloc(&ec, 0), -EINVAL);
	TEST_EQ_INT(gw_echo_alloc(&ec, GW_ECHO_MAX_TAPS + 1), -EINVAL);
	TEST_ASSERT(ec == NULL);
	TEST_EQ_INT(gw_echo_alloc(&ec, 100), 0);
	gw_echo_get_stats(ec, &st);
	printf("  tail 100 -> %d taps, converged %d, disabler %s\n",
	       st.tail_taps, st.converged, gw_echo_disabler_name(st.disabler));
	TEST_EQ_INT(st.tail_taps, 120); /* rounded up to 40 */
	TEST_ASSERT(!st.converged);
	gw_echo_free(ec);
	gw_echo_free(NULL);
	return 0;
}

#define G168_SECONDS 8

/* ERLE per model and ERL: 16 combinations, 1024 taps, NLP off. */
static int test_g168_models(void)
{
	const double erls[] = { 6.0, 10.0 };
	int n = G168_SECONDS * RATE, failed = 0;
	double *far = malloc(sizeof(double) * (size_t)n);
	double worst1 = 99.0, worst_ss = 99.0;

	if (!far)
		return -1;
	speech_like(far, n, FAR_DBM0, 12345);
	printf("  far end speech-like %.0f dBm0, near-end noise %.0f dBm0, "
	       "tail 1024 taps, bulk delay 5 ms, NLP off\n",
	       FAR_DBM0, NOISE_DBM0);
	printf("  %-5s %6s %10s %12s %12s %10s %6s %6s\n", "model", "ERL",
	       "ERLE@1s", "ERLE@6-8s", "stats ERLE", "stats ERL", "conv",
	       "dt ms");
	for (int m = 0; m < 8; m++) {
		for (int e = 0; e < 2; e++) {
			struct run r;
			struct gw_echo *ec;
			struct gw_echo_stats st;
			double e1, ess;

			if (run_alloc(&r, n) < 0 ||
			    gw_echo_alloc(&ec, 1024) < 0) {
				run_free(&r);
				free(far);
				return -1;
			}
			run_build(&r, far, m, erls[e], 40, 777 + (uint32_t)m);
			gw_echo_set_nlp(ec, false);
			run_process(ec, &r, 0, n);
			gw_echo_get_stats(ec, &st);
			e1 = erle_total(&r, 1.0, 1.25);
			ess = erle_total(&r, 6.0, 8.0);
			printf("  %-5s %4.0fdB %8.1fdB %10.1fdB %10.1fdB "
			       "%8.1fdB %6s %6u\n",
			       models[m].name, erls[e], e1, ess,
			       (double)st.erle_db, (double)st.erl_db,
			       st.converged ? "yes" : "no",
			       st.doubletalk_ms);
			if (e1 < worst1)
				worst1 = e1;
			if (ess < worst_ss)
				worst_ss = ess;
			/* far end only: no double talk either */
			if (e1 < 20.0 || ess < 30.0 || !st.converged ||
			    st.doubletalk_ms > 0)
				failed++;
			gw_echo_free(ec);
			run_free(&r);
		}
	}
	free(far);
	printf("  worst: ERLE@1s %.1f dB (>= 20), steady %.1f dB (>= 30)\n",
	       worst1, worst_ss);
	TEST_EQ_INT(failed, 0);
	return 0;
}

/*
 * Voiced speech-like signal as tests/integration/gwtest.py speech_like():
 * syllables of 120..350 ms with a pitch of 90..250 Hz and its harmonics
 * under three formant-like peaks, pauses of 30..150 ms of exact zero;
 * RMS over the whole signal level_dbm0.
 */
static void voiced_like(double *out, int n, double level_dbm0, uint32_t seed)
{
	double sum = 0.0, k;
	long t = 0;
	int i = 0;

	rng_state = seed;
	while (i < n) {
		int syl = (int)(RATE * (0.12 + 0.23 * uni()));
		int pause = (int)(RATE * (0.03 + 0.12 * uni()));
		double f0 = 90.0 + 160.0 * uni(), fm[3], f[40], a[40], ph[40];
		int nh = 0;

		fm[0] = 300.0 + 600.0 * uni();
		fm[1] = 900.0 + 1400.0 * uni();
		fm[2] = 2300.0 + 900.0 * uni();
		for (int h = 1; h * f0 < 3600.0 && nh < 40; h++, nh++) {
			f[nh] = h * f0;
			a[nh] = 0.0;
			for (int m = 0; m < 3; m++) {
				double r = (f[nh] - fm[m]) / 120.0;

				a[nh] += 1.0 / (1.0 + r * r);
			}
			a[nh] /= sqrt(h);
			ph[nh] = 6.28 * uni();
		}
		for (int j = 0; j < syl && i < n; j++, i++) {
			double env = pow(sin(M_PI * j / syl), 0.7), v = 0.0;

			for (int h = 0; h < nh; h++)
				v += a[h] * sin(2.0 * M_PI * f[h] * (double)(t + j) /
						RATE + ph[h]);
			out[i] = env * v;
			sum += out[i] * out[i];
		}
		t += syl;
		for (int j = 0; j < pause && i < n; j++, i++)
			out[i] = 0.0;
		t += pause;
	}
	k = sqrt(P0 * pow(10.0, level_dbm0 / 10.0) / (sum / n));
	for (i = 0; i < n; i++)
		out[i] *= k;
}

#define UE_SECONDS 4
#define UE_WIN (RATE / 2)

/*
 * One voiced far-end signal (seed) through the twelve paths of
 * test_unit_energy_path(); prints each run's windows if verbose. Returns
 * the number of failed windows; the worst window from 1.5 s and the
 * double talk detected (there is no near-end speech) go to *worst and
 * *dt_ms.
 */
static int ue_seed(uint32_t seed, int verbose, double *worst,
		   unsigned *dt_ms)
{
	const int mods[] = { 2, 0, 6 }; /* d4, d2, d8 */
	const int delays[] = { 0, 160 };
	const double noises[] = { -999.0, -70.0 };
	int n = UE_SECONDS * RATE, nw = n / UE_WIN, failed = 0;
	double *far = malloc(sizeof(double) * (size_t)n);

	*worst = -999.0;
	*dt_ms = 0;
	if (!far)
		return -1;
	voiced_like(far, n, FAR_DBM0, seed);
	for (int i = 0; i < n; i++)
		far[i] = ulaw_to_linear(
			linear_to_ulaw((int)gw_testsig_sat16(far[i])));
	for (size_t m = 0; m < sizeof(mods) / sizeof(mods[0]); m++) {
		for (int d = 0; d < 2; d++) {
			for (int z = 0; z < 2; z++) {
				struct run r;
				struct gw_echo *ec;
				struct gw_echo_stats st;
				double e = 0.0, g = pow(10.0, -6.0 / 20.0);
				double nz = sqrt(P0 * pow(10.0,
						      noises[z] / 10.0));
				char line[256];
				int len = 0;

				if (run_alloc(&r, n) < 0 ||
				    gw_echo_alloc(&ec, 512) < 0) {
					run_free(&r);
					free(far);
					return -1;
				}
				for (int j = 0; j < models[mods[m]].taps; j++)
					e += (double)models[mods[m]].c[j] *
					     models[mods[m]].c[j];
				for (int i = 0; i < n; i++) {
					double acc = 0.0;

					r.tx[i] = (int16_t)far[i];
					for (int j = 0; j < models[mods[m]].taps;
					     j++) {
						int t = i - delays[d] - j;

						if (t >= 0)
							acc += models[mods[m]]
								       .c[j] *
							       far[t];
					}
					r.echo[i] = acc * g / sqrt(e);
				}
				rng_state = 99 + (uint32_t)m;
				for (int i = 0; i < n; i++) {
					r.near[i] = z ? nz * gauss() : 0.0;
					r.rx[i] = ulaw_to_linear(
					    linear_to_ulaw(gw_testsig_sat16(
						r.echo[i] + r.near[i])));
				}
				run_process(ec, &r, 0, n);
				gw_echo_get_stats(ec, &st);
				*dt_ms += st.doubletalk_ms;
				for (int w = 0; w < nw; w++) {
					double lv = ratio_db(
						energy16(r.out, w * UE_WIN,
							 (w + 1) * UE_WIN) /
							UE_WIN,
						P0);

					len += snprintf(line + len,
							sizeof(line) - (size_t)len,
							" %.0f", lv);
					if (w >= 3 && lv > *worst)
						*worst = lv;
					if (w >= 3 && lv > FAR_DBM0 - 40.0)
						failed++;
				}
				if (!verbose && st.doubletalk_ms == 0)
					goto done;
				printf("  %s delay %3d ms noise %4s:%s | ERLE "
				       "%.1f dB, with NLP %.1f, dt %u ms, "
				       "%sconverged\n",
				       models[mods[m]].name, delays[d] / 8,
				       z ? "-70" : "none", line,
				       (double)st.erle_db,
				       (double)st.erle_nlp_db,
				       st.doubletalk_ms,
				       st.converged ? "" : "NOT ");
done:
				gw_echo_free(ec);
				run_free(&r);
			}
		}
	}
	free(far);
	return failed;
}

/*
 * The gateway's conditions (gateway/media.c, linesim/echo.c): 160-sample
 * blocks, the echo aligned with the block passed as tx_ref, far end voiced
 * speech-like at -10 dBm0 after a G.711 mu-law round trip, echo path the
 * model at unit energy and ERL 6 dB with no other scaling, bulk delay 0 or
 * 20 ms, near end exact digital zero (or -70 dBm0 noise), 512 taps, NLP on.
 * Sout must be 40 dB below the far-end level in every 0.5 s from 1.5 s
 * on, and with no near-end speech no double talk may be detected. One
 * window with NLP wrongly off for 50 ms fails, so the far-end signal is
 * taken with several seeds (syllables of other pitches and formants): the
 * seeds the earlier controls failed (2, 4, 5, 8, 9, 12) are among them.
 */
static int test_unit_energy_path(void)
{
	static const uint32_t seeds[] = { 4711, 1, 2,  3,  4,  5, 6,
					  7,    8, 9, 10, 11, 12 };
	double worst_all = -999.0;
	unsigned dt_all = 0;
	int failed = 0;

	printf("  far end voiced speech-like %.0f dBm0 via mu-law, ERL 6 dB "
	       "(unit-energy model), 512 taps, NLP on; Sout dBm0 per 0.5 s "
	       "(seed %u; other seeds: runs with double talk only):\n",
	       FAR_DBM0, seeds[0]);
	for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		double worst;
		unsigned dt_ms;
		int f = ue_seed(seeds[k], k == 0, &worst, &dt_ms);

		if (f < 0)
			return -1;
		printf("  seed %4u: worst Sout from 1.5 s %.1f dBm0, %d "
		       "windows above %.0f, double talk %u ms\n",
		       seeds[k], worst, f, FAR_DBM0 - 40.0, dt_ms);
		failed += f;
		dt_all += dt_ms;
		if (worst > worst_all)
			worst_all = worst;
	}
	printf("  worst Sout from 1.5 s over all seeds: %.1f dBm0 (<= %.0f); "
	       "false double talk %u ms (0)\n",
	       worst_all, FAR_DBM0 - 40.0, dt_all);
	TEST_EQ_INT(failed, 0);
	TEST_EQ_INT(dt_all, 0);
	return 0;
}

/* Far end throughout, near-end speech at the same level in 4..7 s. */
static int test_doubletalk(void)
{
	const int mods[] = { 0, 6 }; /* d2, d8 */
	int n = 10 * RATE;
	double *far = malloc(sizeof(double) * (size_t)n);
	double *near = malloc(sizeof(double) * (size_t)n);
	int failed = 0;

	if (!far || !near)
		return -1;
	speech_like(far, n, FAR_DBM0, 4242);
	speech_like(near, n, FAR_DBM0, 9191);
	printf("  near-end speech %.0f dBm0 (= far end) in 4..7 s, ERL 6 dB, "
	       "high-pass off, residual-echo ERLE, NLP off\n", FAR_DBM0);
	for (size_t k = 0; k < sizeof(mods) / sizeof(mods[0]); k++) {
		struct run r;
		struct gw_echo *ec;
		struct gw_echo_stats st;
		double before, during, after;

		if (run_alloc(&r, n) < 0 || gw_echo_alloc(&ec, 1024) < 0) {
			run_free(&r);
			return -1;
		}
		for (int i = 4 * RATE; i < 7 * RATE; i++)
			r.near[i] = near[i];
		run_build(&r, far, mods[k], 6.0, 40, 31);
		gw_echo_set_nlp(ec, false);
		gw_echo_set_hpf(ec, false);
		run_process(ec, &r, 0, n);
		gw_echo_get_stats(ec, &st);
		before = erle_residual(&r, 3.0, 4.0);
		during = erle_residual(&r, 4.0, 7.0);
		after = erle_residual(&r, 7.25, 9.0);
		printf("  %s: ERLE before %.1f dB, during double talk %.1f dB "
		       "(loss %.1f), after %.1f dB (loss %.1f); double talk "
		       "detected %u ms of 3000\n",
		       models[mods[k]].name, before, during, before - during,
		       after, before - after, st.doubletalk_ms);
		if (before < 30.0 || before - during >= 3.0 ||
		    before - after >= 3.0)
			failed++;
		gw_echo_free(ec);
		run_free(&r);
	}
	free(far);
	free(near);
	TEST_EQ_INT(failed, 0);
	return 0;
}

/* 100 ms bulk delay within a 128 ms tail. */
static int test_delay_100ms(void)
{
	int n = 8 * RATE, failed = 0;
	double *far = malloc(sizeof(double) * (size_t)n);

	if (!far)
		return -1;
	speech_like(far, n, FAR_DBM0, 5150);
	for (int m = 0; m < 8; m += 3) {
		struct run r;
		struct gw_echo *ec;
		double e1, ess;

		if (run_alloc(&r, n) < 0 || gw_echo_alloc(&ec, 1024) < 0) {
			run_free(&r);
			free(far);
			return -1;
		}
		run_build(&r, far, m, 6.0, 800, 99);
		gw_echo_set_nlp(ec, false);
		run_process(ec, &r, 0, n);
		/* 1 s after the echo first reaches the near end */
		e1 = erle_total(&r, 1.1, 1.35);
		ess = erle_total(&r, 6.0, 8.0);
		printf("  %s, ERL 6 dB, bulk delay 100 ms + %d taps, "
		       "tail 1024: ERLE 1 s after echo onset %.1f dB, "
		       "steady %.1f dB\n",
		       models[m].name, models[m].taps, e1, ess);
		if (e1 < 20.0 || ess < 30.0)
			failed++;
		gw_echo_free(ec);
		run_free(&r);
	}
	free(far);
	TEST_EQ_INT(failed, 0);
	return 0;
}

/* Fill a[from..to) with a spandsp answer tone (zeros once it ends). */
static void answer_tone(int16_t *a, int from, int to, int type)
{
	modem_connect_tones_tx_state_t *tx =
		modem_connect_tones_tx_init(NULL, type);

	for (int i = from; i < to; i += BLOCK) {
		int len = to - i < BLOCK ? to - i : BLOCK;
		int got = modem_connect_tones_tx(tx, a + i, len);

		for (int j = got < 0 ? 0 : got; j < len; j++)
			a[i + j] = 0;
	}
	modem_connect_tones_tx_free(tx);
}

/*
 * Converge on speech for 3 s, then a 2100 Hz tone (ANS from the far end,
 * or ANS with phase reversals from the near end) and quiet; check the
 * disabler state every block.
 */
static int tone_case(int type, int near_side, enum gw_echo_disabler want)
{
	int n = 12 * RATE, t_tone = 3 * RATE, t_quiet = 7 * RATE;
	int t_speech = 9 * RATE;
	double *far = malloc(sizeof(double) * (size_t)n);
	int16_t *tone = calloc((size_t)n, sizeof(int16_t));
	struct run r;
	struct gw_echo *ec;
	struct gw_echo_stats st;
	int first_hit = -1, released = -1, bypass_exact = 1, nlp_on_seen = 0;
	int tone_end = -1;

	if (!far || !tone || run_alloc(&r, n) < 0 ||
	    gw_echo_alloc(&ec, 512) < 0)
		return -1;
	speech_like(far, n, FAR_DBM0, 6060);
	for (int i = t_tone; i < t_speech; i++)
		far[i] = 0.0;
	answer_tone(tone, t_tone, t_quiet, type);
	for (int i = t_quiet - 1; i >= t_tone; i--)
		if (tone[i]) {
			tone_end = i + 1;
			break;
		}
	if (!near_side)
		for (int i = t_tone; i < t_quiet; i++)
			far[i] = tone[i];
	run_build(&r, far, 2, 6.0, 40, 5);
	if (near_side)
		for (int i = t_tone; i < t_quiet; i++)
			r.rx[i] = gw_testsig_sat16(r.rx[i] + (double)tone[i]);
	for (int i = 0; i < n; i += BLOCK) {
		run_process(ec, &r, i, i + BLOCK);
		gw_echo_get_stats(ec, &st);
		if (i >= t_tone && st.disabler == want && first_hit < 0)
			first_hit = i + BLOCK;
		if (first_hit >= 0 && released < 0 && i < t_quiet &&
		    st.disabler == GW_ECHO_DISABLER_BYPASS &&
		    memcmp(r.out + i, r.rx + i, BLOCK * sizeof(int16_t)))
			bypass_exact = 0;
		if (first_hit >= 0 && released < 0 && st.nlp_active)
			nlp_on_seen = 1;
		if (first_hit >= 0 && released < 0 &&
		    st.disabler == GW_ECHO_DISABLER_IDLE)
			released = i + BLOCK;
	}
	printf("  tone %s on the %s side, %.2f..%.2f s: %s after %d ms, "
	       "released %d ms after the tone ended; ERLE on the tone "
	       "%.1f dB; speech after: ERLE %.1f dB\n",
	       modem_connect_tone_to_str(type), near_side ? "near" : "far",
	       t_tone / (double)RATE, tone_end / (double)RATE,
	       gw_echo_disabler_name(want),
	       first_hit < 0 ? -1 : (first_hit - t_tone) / 8,
	       released < 0 ? -1 : (released - tone_end) / 8,
	       near_side ? 0.0 : erle_total(&r, 5.0, 6.0),
	       erle_total(&r, 10.0, 12.0));
	TEST_ASSERT(first_hit >= 0 && first_hit - t_tone <= 2 * RATE);
	TEST_ASSERT(released >= 0);
	TEST_ASSERT(released - tone_end >= 100 * 8 &&
		    released - tone_end <= 450 * 8);
	TEST_ASSERT(!nlp_on_seen);
	if (want == GW_ECHO_DISABLER_BYPASS) {
		printf("  output == input through the bypass: %s\n",
		       bypass_exact ? "yes" : "no");
		TEST_ASSERT(bypass_exact);
	} else {
		/* canceller still on: the tone's echo is cancelled */
		TEST_ASSERT(erle_total(&r, 5.0, 6.0) >= 20.0);
	}
	TEST_ASSERT(erle_total(&r, 10.0, 12.0) >= 20.0);
	gw_echo_free(ec);
	run_free(&r);
	free(tone);
	free(far);
	return 0;
}

static int test_tone_ans(void)
{
	return tone_case(MODEM_CONNECT_TONES_ANS, 0, GW_ECHO_DISABLER_NLP_OFF);
}

static int test_tone_ans_pr(void)
{
	return tone_case(MODEM_CONNECT_TONES_ANS_PR, 1,
			 GW_ECHO_DISABLER_BYPASS);
}

/* NLP: comfort noise at the background level; near-end speech untouched. */
static int test_nlp_cng(void)
{
	int n = 10 * RATE;
	double *far = malloc(sizeof(double) * (size_t)n);
	double *near = malloc(sizeof(double) * (size_t)n);
	struct run r;
	struct gw_echo *ec;
	struct gw_echo_stats st;
	double lvl_out, lvl_noise, lvl_rx, lvl_near_out;
	int a = 4 * RATE, b = 6 * RATE, c = 8 * RATE, d = 10 * RATE;

	if (!far || !near || run_alloc(&r, n) < 0 ||
	    gw_echo_alloc(&ec, 1024) < 0)
		return -1;
	speech_like(far, n, FAR_DBM0, 777);
	speech_like(near, n, -20.0, 888);
	for (int i = 7 * RATE; i < n; i++)
		far[i] = 0.0;
	for (int i = c; i < d; i++)
		r.near[i] = near[i];
	run_build(&r, far, 3, 6.0, 40, 1234);
	run_process(ec, &r, 0, b);
	gw_echo_get_stats(ec, &st);
	run_process(ec, &r, b, n);
	lvl_out = 10.0 * log10(energy16(r.out, a, b) / (b - a) / P0);
	lvl_noise = NOISE_DBM0;
	lvl_rx = 10.0 * log10(energy16(r.rx, c, d) / (d - c) / P0);
	lvl_near_out = 10.0 * log10(energy16(r.out, c, d) / (d - c) / P0);
	printf("  far end only, 4..6 s: Sout %.1f dBm0 (background %.1f, "
	       "measured %.1f); stats ERLE %.1f dB, with NLP %.1f dB\n",
	       lvl_out, lvl_noise, (double)st.noise_dbm0, (double)st.erle_db,
	       (double)st.erle_nlp_db);
	printf("  near end only (-20 dBm0 speech), 8..10 s: Sin %.2f dBm0, "
	       "Sout %.2f dBm0\n", lvl_rx, lvl_near_out);
	TEST_NEAR(lvl_out, lvl_noise, 3.0);
	TEST_NEAR(st.noise_dbm0, lvl_noise, 3.0);
	TEST_ASSERT(st.erle_nlp_db >= st.erle_db);
	TEST_NEAR(lvl_near_out, lvl_rx, 0.5);
	gw_echo_free(ec);
	run_free(&r);
	free(far);
	free(near);
	return 0;
}

/* Freeze, bypass and reset. */
static int test_controls(void)
{
	int n = 6 * RATE;
	double *far = malloc(sizeof(double) * (size_t)n);
	struct run r;
	struct gw_echo *ec;
	double frozen, thawed, after_reset;
	int same = 1;

	if (!far || run_alloc(&r, n) < 0 || gw_echo_alloc(&ec, 256) < 0)
		return -1;
	speech_like(far, n, FAR_DBM0, 31337);
	run_build(&r, far, 5, 6.0, 40, 8);
	gw_echo_set_nlp(ec, false);
	gw_echo_set_freeze(ec, true);
	run_process(ec, &r, 0, 2 * RATE);
	frozen = erle_total(&r, 1.0, 2.0);
	gw_echo_set_freeze(ec, false);
	run_process(ec, &r, 2 * RATE, 4 * RATE);
	thawed = erle_total(&r, 3.0, 4.0);
	gw_echo_set_bypass(ec, true);
	run_process(ec, &r, 4 * RATE, 5 * RATE);
	same = !memcmp(r.out + 4 * RATE, r.rx + 4 * RATE,
		       RATE * sizeof(int16_t));
	gw_echo_set_bypass(ec, false);
	gw_echo_reset(ec);
	run_process(ec, &r, 5 * RATE, n);
	after_reset = erle_total(&r, 5.0, 5.05);
	printf("  frozen from the start: ERLE %.1f dB; 1..2 s after thaw "
	       "%.1f dB; bypass out == in: %s; 50 ms after reset %.1f dB\n",
	       frozen, thawed, same ? "yes" : "no", after_reset);
	TEST_ASSERT(frozen < 1.0);
	TEST_ASSERT(thawed >= 20.0);
	TEST_ASSERT(same);
	TEST_ASSERT(after_reset < 10.0);
	gw_echo_free(ec);
	run_free(&r);
	free(far);
	return 0;
}

/*
 * Calls of any length: the media thread hands over whole 10/20/30 ms
 * frames (every 5 ms block filtered in the frequency domain), but the API
 * takes any n; then the current block's partition runs in time. Both must
 * cancel alike, with no added delay: the same signal through 160-sample
 * calls and through calls of 1..13 samples.
 */
/*
 * A near end that talks from the start of the call as loud as the far end
 * (a phone that already talks during ringback and carries on): the
 * canceller never sees the far end alone, so it never converges; the
 * near end must still be found talking, not muted by NLP as echo.
 * Far end 2004 Hz, near end 1004 Hz, both -10 dBm0, with an echo path of
 * 12 dB and with none (a four-wire line, DAHDI's looped spans).
 */
static int loud_near(double echo_gain, double near_dbm0)
{
	const double amp = 16140.6 * M_SQRT2 * pow(10.0, -10.0 / 20.0);
	const double namp = 16140.6 * M_SQRT2 * pow(10.0, near_dbm0 / 20.0);
	struct gw_echo *ec = NULL;
	struct gw_echo_stats st;
	int16_t x[160], y[160], out[160];
	float hist[160 + 40] = { 0 };
	double pout = 0;
	int n = 0;

	TEST_EQ_INT(gw_echo_alloc(&ec, 512), 0);
	for (int b = 0; b < 150; b++) { /* 3 s */
		for (int i = 0; i < 160; i++) {
			long t = (long)b * 160 + i;

			x[i] = (int16_t)lrint(amp * sin(2 * M_PI * 2004 * t / 8000));
			hist[40 + i] = (float)x[i];
			y[i] = (int16_t)lrint(namp * sin(2 * M_PI * 1004 * t / 8000) +
					      echo_gain * hist[i]);
		}
		memmove(hist, hist + 160, sizeof(float) * 40);
		gw_echo_process(ec, y, x, out, 160);
		if (b >= 100) { /* the last second */
			for (int i = 0; i < 160; i++)
				pout += (double)out[i] * out[i];
			n += 160;
		}
	}
	gw_echo_get_stats(ec, &st);
	double lvl = 10 * log10(pout / n / (16140.6 * 16140.6));
	printf("  near end %.0f dBm0 from the start, echo gain %.2f: Sout "
	       "%.1f dBm0 in the last second, double talk %u ms, %s\n",
	       near_dbm0, echo_gain, lvl, st.doubletalk_ms,
	       st.converged ? "converged" : "not converged");
	gw_echo_free(ec);
	TEST_ASSERT(lvl > near_dbm0 - 3.0);
	return 0;
}

static int test_loud_near_from_start(void)
{
	static const double cases[][2] = {
		{ 0.25, -10 }, { 0.0, -10 }, { 0.0, -11 }, { 0.25, -11 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = loud_near(cases[i][0], cases[i][1]);

		if (rc)
			return rc;
	}
	return 0;
}

static int test_call_sizes(void)
{
	int n = 4 * RATE;
	double *far = malloc(sizeof(double) * (size_t)n);
	struct run a, b;
	struct gw_echo *ea, *eb;
	double ra, rb, diff = 0.0, sig = 0.0;

	if (!far || run_alloc(&a, n) < 0 || run_alloc(&b, n) < 0 ||
	    gw_echo_alloc(&ea, 512) < 0 || gw_echo_alloc(&eb, 512) < 0)
		return -1;
	speech_like(far, n, FAR_DBM0, 777);
	run_build(&a, far, 3, 6.0, 40, 5);
	run_build(&b, far, 3, 6.0, 40, 5);
	gw_echo_set_nlp(ea, false);
	gw_echo_set_nlp(eb, false);
	run_process(ea, &a, 0, n);
	for (int i = 0, k = 0; i < n; k++) {
		int len = 1 + k % 13;

		if (len > n - i)
			len = n - i;
		gw_echo_process(eb, b.rx + i, b.tx + i, b.out + i, len);
		i += len;
	}
	ra = erle_total(&a, 2.0, 4.0);
	rb = erle_total(&b, 2.0, 4.0);
	for (int i = 2 * RATE; i < n; i++) {
		diff += ((double)a.out[i] - b.out[i]) * (a.out[i] - b.out[i]);
		sig += (double)b.rx[i] * b.rx[i];
	}
	printf("  d4, ERL 6 dB, 512 taps, NLP off; 2..4 s ERLE: 160-sample "
	       "calls %.1f dB, 1..13-sample calls %.1f dB; outputs differ "
	       "by %.1f dB below Sin\n",
	       ra, rb, ratio_db(sig, diff + 1e-9));
	TEST_ASSERT(ra >= 30.0);
	TEST_ASSERT(rb >= 30.0);
	TEST_ASSERT(fabs(ra - rb) < 3.0);
	gw_echo_free(ea);
	gw_echo_free(eb);
	run_free(&a);
	run_free(&b);
	free(far);
	return 0;
}

const struct gw_test_case gw_test_cases_echo[] = {
	{ "echo_call_sizes", test_call_sizes },
	{ "echo_alloc", test_alloc },
	{ "echo_g168_models", test_g168_models },
	{ "echo_unit_energy_path", test_unit_energy_path },
	{ "echo_doubletalk", test_doubletalk },
	{ "echo_delay_100ms", test_delay_100ms },
	{ "echo_tone_ans", test_tone_ans },
	{ "echo_tone_ans_pr", test_tone_ans_pr },
	{ "echo_nlp_cng", test_nlp_cng },
	{ "echo_controls", test_controls },
	{ "echo_loud_near_from_start", test_loud_near_from_start },
	{ NULL, NULL },
};
