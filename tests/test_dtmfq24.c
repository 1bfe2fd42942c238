// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dtmfq24: dsp/dtmf against an ITU-T Q.24-style receiver table
 * (level, twist, frequency tolerance, tone and pause timing), talk-off on
 * synthetic speech and music, start/end event timing, dial-tone filtering,
 * the generator's level/twist/timing and the in-band suppressor.
 *
 * Signals are synthesised here (no vectors): level L dBm0 is a sine of
 * peak 32768 * 10^((L - 3.14) / 20), spandsp's and G.711's 0 dBm0.
 * Every case prints its figures.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/dtmf.h"
#include "tests/test.h"
#include "tests/testsig.h"

extern const struct gw_test_case gw_test_cases_dtmf[];

#define RATE 8000
#define MS (RATE / 1000)
#define BLOCK 160

static const char digits16[] = "123A456B789C*0#D";
static const double row_hz[4] = { 697.0, 770.0, 852.0, 941.0 };
static const double col_hz[4] = { 1209.0, 1336.0, 1477.0, 1633.0 };

/* ---- helpers ---------------------------------------------------------- */

static uint32_t rng_state = 1;

static uint32_t rng(void)
{
	return gw_testsig_rng(&rng_state);
}

static double uni(double lo, double hi)
{
	return gw_testsig_uniform(&rng_state, lo, hi);
}

static double peak(double dbm0)
{
	return 32768.0 * pow(10.0, (dbm0 - 3.14) / 20.0);
}

/* Level in dBm0 of the component at f over x[0..n-1] (rectangular DFT). */
static double goertzel_dbm0(const int16_t *x, int n, double f)
{
	double w = 2.0 * M_PI * f / RATE, re = 0.0, im = 0.0, a;

	for (int i = 0; i < n; i++) {
		re += x[i] * cos(w * i);
		im -= x[i] * sin(w * i);
	}
	a = 2.0 * sqrt(re * re + im * im) / n;
	if (a <= 0.0)
		return -200.0;
	return 20.0 * log10(a / 32768.0) + 3.14;
}

static void digit_hz(char d, double *lo, double *hi)
{
	int i = (int)(strchr(digits16, d) - digits16);

	*lo = row_hz[i / 4];
	*hi = col_hz[i % 4];
}

/* Add a tone pair to x[0..n-1] (saturating). */
static void add_pair(int16_t *x, int n, double f1, double l1, double f2,
		     double l2)
{
	double a1 = peak(l1), a2 = peak(l2);
	double p1 = uni(0, 2 * M_PI), p2 = uni(0, 2 * M_PI);

	for (int i = 0; i < n; i++)
		x[i] = gw_testsig_sat16(
		    x[i] + a1 * sin(2 * M_PI * f1 * i / RATE + p1) +
		    a2 * sin(2 * M_PI * f2 * i / RATE + p2));
}

struct evlog {
	int n;
	struct gw_dtmf_event ev[64];
};

static void log_event(void *arg, const struct gw_dtmf_event *ev)
{
	struct evlog *l = arg;

	if (l->n < 64)
		l->ev[l->n++] = *ev;
}

/* Run x through rx in blocks of `block`, then collect the digits. */
static int run_rx(struct gw_dtmf_rx *rx, const int16_t *x, int n, int block,
		  char *got, int max)
{
	for (int i = 0; i < n; i += block)
		gw_dtmf_rx_process(rx, x + i, n - i < block ? n - i : block);
	return gw_dtmf_rx_get(rx, got, max);
}

/*
 * Detect one burst: lead silence (random 30..60 ms, so every alignment
 * to the detector's blocks occurs), pair for on_ms, 100 ms silence.
 * Returns the digits detected.
 */
static int burst(const struct gw_dtmf_rx_params *p, double f1, double l1,
		 double f2, double l2, int on_ms, char *got, int max)
{
	struct gw_dtmf_rx *rx;
	int lead = 30 * MS + (int)(rng() % (30 * MS));
	int n = lead + on_ms * MS + 100 * MS;
	int16_t *x = calloc((size_t)n, sizeof(*x));
	int r = -1;

	if (!x || gw_dtmf_rx_alloc(&rx) != 0) {
		free(x);
		return -1;
	}
	if (p)
		gw_dtmf_rx_set_params(rx, p);
	add_pair(x + lead, on_ms * MS, f1, l1, f2, l2);
	r = run_rx(rx, x, n, BLOCK, got, max);
	gw_dtmf_rx_free(rx);
	free(x);
	return r;
}

/* 1 if burst() of digit d (shifted by dev_lo/dev_hi percent) gives d. */
static int accepted(const struct gw_dtmf_rx_params *p, char d, double lo_dbm0,
		    double twist_db, double dev_lo, double dev_hi, int on_ms)
{
	double lo, hi;
	char got[8];
	int n;

	digit_hz(d, &lo, &hi);
	n = burst(p, lo * (1 + dev_lo / 100), lo_dbm0, hi * (1 + dev_hi / 100),
		  lo_dbm0 + twist_db, on_ms, got, sizeof(got));
	return n == 1 && got[0] == d;
}

/* ---- Q.24 table -------------------------------------------------------- */

static int test_levels(void)
{
	static const int lv[] = { -3, -10, -20, -30, -36, -40, -48, -55 };
	const int nlv = sizeof(lv) / sizeof(lv[0]);
	int bad = 0;

	rng_state = 11;
	printf("  level per tone (dBm0), twist 0, 60 ms: Y = detected\n");
	printf("  digit");
	for (int j = 0; j < nlv; j++)
		printf(" %4d", lv[j]);
	printf("\n");
	for (int d = 0; d < 16; d++) {
		printf("  %5c", digits16[d]);
		for (int j = 0; j < nlv; j++) {
			int y = accepted(NULL, digits16[d], lv[j], 0, 0, 0, 60);

			printf(" %4s", y ? "Y" : "-");
			/* must accept -3..-36, must reject below -45 */
			if ((lv[j] >= -36 && !y) || (lv[j] <= -48 && y))
				bad++;
		}
		printf("\n");
	}
	printf("  cells outside spec: %d (accept >= -36, reject <= -48)\n",
	       bad);
	TEST_EQ_INT(bad, 0);
	return 0;
}

static int test_twist(void)
{
	static const int tw[] = { -12, -10, -8, -4, 0, 2, 4, 6, 8 };
	static const int base[] = { -10, -24 };
	const int ntw = sizeof(tw) / sizeof(tw[0]);
	int bad = 0;

	rng_state = 12;
	for (int b = 0; b < 2; b++) {
		printf("  low tone %d dBm0, high = low + twist (dB), 60 ms\n",
		       base[b]);
		printf("  digit");
		for (int j = 0; j < ntw; j++)
			printf(" %+4d", tw[j]);
		printf("\n");
		for (int d = 0; d < 16; d++) {
			printf("  %5c", digits16[d]);
			for (int j = 0; j < ntw; j++) {
				int y = accepted(NULL, digits16[d], base[b],
						 tw[j], 0, 0, 60);

				printf(" %4s", y ? "Y" : "-");
				if ((tw[j] >= -8 && tw[j] <= 4 && !y) ||
				    ((tw[j] <= -12 || tw[j] >= 8) && y))
					bad++;
			}
			printf("\n");
		}
	}
	printf("  cells outside spec: %d (accept -8..+4, reject -12, +8)\n",
	       bad);
	TEST_EQ_INT(bad, 0);
	return 0;
}

static int freq_table(const struct gw_dtmf_rx_params *p, int level,
		      int check)
{
	/* {low %, high %}: both shifted alike, then each alone */
	static const double dev[][2] = {
		{ -3.5, -3.5 }, { -1.5, -1.5 }, { 0, 0 },     { 1.5, 1.5 },
		{ 3.5, 3.5 },	{ -1.5, 1.5 },	{ 1.5, -1.5 }, { 3.5, 0 },
		{ -3.5, 0 },	{ 0, 3.5 },	{ 0, -3.5 },
	};
	const int ndev = sizeof(dev) / sizeof(dev[0]);
	int bad = 0, acc35 = 0;

	printf("  level %d dBm0, frequency check %s; columns low/high %%\n",
	       level, check ? "on" : "OFF (block detector alone)");
	printf("  digit");
	for (int j = 0; j < ndev; j++)
		printf(" %+.1f/%+.1f", dev[j][0], dev[j][1]);
	printf("\n");
	for (int d = 0; d < 16; d++) {
		printf("  %5c", digits16[d]);
		for (int j = 0; j < ndev; j++) {
			int y = accepted(p, digits16[d], level, 0, dev[j][0],
					 dev[j][1], 60);
			int far = fabs(dev[j][0]) > 3 || fabs(dev[j][1]) > 3;

			printf(" %9s", y ? "Y" : "-");
			if ((!far && !y) || (far && y))
				bad++;
			if (far && y)
				acc35++;
		}
		printf("\n");
	}
	printf("  cells outside spec: %d; +-3.5 %% accepted: %d\n", bad,
	       acc35);
	return check ? bad : -acc35;
}

/* The same bursts through spandsp 0.0.6's own dtmf_rx, for comparison. */
static void spandsp_freq(void)
{
	static const double dev[] = { -3.5, -1.5, 0, 1.5, 3.5 };
	int acc[5] = { 0 };

	for (int j = 0; j < 5; j++) {
		for (int d = 0; d < 16; d++) {
			dtmf_rx_state_t *st = dtmf_rx_init(NULL, NULL, NULL);
			int16_t x[2000] = { 0 };
			double lo, hi;
			char got[8];

			digit_hz(digits16[d], &lo, &hi);
			add_pair(x + 300 + (int)(rng() % 102), 480,
				 lo * (1 + dev[j] / 100), -10,
				 hi * (1 + dev[j] / 100), -10);
			dtmf_rx(st, x, 2000);
			if (dtmf_rx_get(st, got, 4) == 1 &&
			    got[0] == digits16[d])
				acc[j]++;
			dtmf_rx_free(st);
		}
	}
	printf("  spandsp 0.0.6 dtmf_rx, -10 dBm0, both tones shifted:");
	for (int j = 0; j < 5; j++)
		printf(" %+.1f%% %d/16", dev[j], acc[j]);
	printf("\n");
}

static int test_freq(void)
{
	struct gw_dtmf_rx_params p;
	int off;

	rng_state = 13;
	gw_dtmf_rx_params_default(&p);
	TEST_EQ_INT(freq_table(&p, -10, 1), 0);
	TEST_EQ_INT(freq_table(&p, -33, 1), 0);
	/* For the record: the Goertzel block detector alone accepts many
	 * +-3.5 % tones; that is why dsp/dtmf adds its frequency check. */
	p.max_freq_dev_permille = 0;
	off = freq_table(&p, -10, 0);
	printf("  block detector alone accepted %d of 96 cells at +-3.5 %%\n",
	       -off);
	spandsp_freq();
	return 0;
}

static int test_duration(void)
{
	int acc[4] = { 0 }, n[4] = { 0 };
	static const int ms[4] = { 20, 25, 40, 45 };

	rng_state = 14;
	/* Each digit at 8 random alignments and 2 levels. */
	for (int k = 0; k < 4; k++)
		for (int d = 0; d < 16; d++)
			for (int r = 0; r < 8; r++) {
				acc[k] += accepted(NULL, digits16[d],
						   r & 1 ? -10 : -30, 0, 0, 0,
						   ms[k]);
				n[k]++;
			}
	for (int k = 0; k < 4; k++)
		printf("  tone %2d ms: %3d of %3d detected\n", ms[k], acc[k],
		       n[k]);
	TEST_EQ_INT(acc[0], 0);
	TEST_EQ_INT(acc[2], n[2]);
	TEST_EQ_INT(acc[3], n[3]);
	return 0;
}

/* Same digit twice with a pause of pause_ms; tones 40 ms. */
static int test_pause(void)
{
	static const int pause[] = { 40, 50, 20 };
	int two[3] = { 0 }, tot = 0;

	rng_state = 15;
	for (int k = 0; k < 3; k++) {
		for (int d = 0; d < 16; d++) {
			for (int r = 0; r < 6; r++) {
				struct gw_dtmf_rx *rx;
				int lead = 30 * MS + (int)(rng() % (30 * MS));
				int len = lead + (80 + pause[k] + 100) * MS;
				int16_t *x = calloc((size_t)len, sizeof(*x));
				double lo, hi;
				char got[8];
				int lvl = r & 1 ? -10 : -30;

				TEST_ASSERT(x && gw_dtmf_rx_alloc(&rx) == 0);
				digit_hz(digits16[d], &lo, &hi);
				add_pair(x + lead, 40 * MS, lo, lvl, hi, lvl);
				add_pair(x + lead + (40 + pause[k]) * MS,
					 40 * MS, lo, lvl, hi, lvl);
				if (run_rx(rx, x, len, BLOCK, got,
					   sizeof(got)) == 2 &&
				    got[0] == digits16[d] &&
				    got[1] == digits16[d])
					two[k]++;
				if (k == 0)
					tot++;
				gw_dtmf_rx_free(rx);
				free(x);
			}
		}
	}
	for (int k = 0; k < 3; k++)
		printf("  40 ms + %2d ms pause + 40 ms: two digits in %3d of "
		       "%3d\n",
		       pause[k], two[k], tot);
	TEST_EQ_INT(two[0], tot);
	TEST_EQ_INT(two[1], tot);
	return 0;
}

/* ---- events ----------------------------------------------------------- */

static int test_events(void)
{
	static const int ms[] = { 40, 45, 50, 65, 100, 250, 1000 };
	double max_dur = 0, max_on = 0, max_lat = 0, sum_dur = 0;
	int runs = 0;

	rng_state = 16;
	for (size_t k = 0; k < sizeof(ms) / sizeof(ms[0]); k++) {
		double kmax = 0;

		for (int r = 0; r < 16; r++) {
			struct gw_dtmf_rx *rx;
			struct evlog l = { 0 };
			int lead = 30 * MS + (int)(rng() % (30 * MS));
			int len = lead + ms[k] * MS + 100 * MS;
			int16_t *x = calloc((size_t)len, sizeof(*x));
			double lo, hi, e_on, e_dur, lat;
			char got[8], d = digits16[r];
			int lvl = r & 1 ? -8 : -32, blk = r & 2 ? 160 : 37;

			TEST_ASSERT(x && gw_dtmf_rx_alloc(&rx) == 0);
			gw_dtmf_rx_set_event_handler(rx, log_event, &l);
			digit_hz(d, &lo, &hi);
			add_pair(x + lead, ms[k] * MS, lo, lvl, hi, lvl);
			TEST_EQ_INT(run_rx(rx, x, len, blk, got, sizeof(got)),
				    1);
			TEST_EQ_INT(l.n, 2);
			TEST_EQ_INT(l.ev[0].type, GW_DTMF_EVENT_START);
			TEST_EQ_INT(l.ev[1].type, GW_DTMF_EVENT_END);
			TEST_EQ_INT(l.ev[0].digit, d);
			TEST_EQ_INT(l.ev[1].digit, d);
			e_on = ((double)l.ev[0].sample - lead) / MS;
			e_dur = (double)l.ev[1].duration_samples / MS - ms[k];
			lat = ((double)l.ev[0].reported - lead) / MS;
			TEST_EQ_INT(l.ev[1].duration_samples,
				    l.ev[1].sample - l.ev[0].sample);
			if (fabs(e_dur) > 10.0 || fabs(e_on) > 10.0)
				TEST_FAIL("%c %d ms: onset error %.2f ms, "
					  "duration error %.2f ms",
					  d, ms[k], e_on, e_dur);
			kmax = fmax(kmax, fabs(e_dur));
			max_dur = fmax(max_dur, fabs(e_dur));
			max_on = fmax(max_on, fabs(e_on));
			max_lat = fmax(max_lat, lat);
			sum_dur += fabs(e_dur);
			runs++;
			gw_dtmf_rx_free(rx);
			free(x);
		}
		printf("  tone %4d ms: max |duration error| %.2f ms\n", ms[k],
		       kmax);
	}
	printf("  over %d tones: max |onset error| %.2f ms, max |duration "
	       "error| %.2f ms (mean %.2f), max start latency %.1f ms\n",
	       runs, max_on, max_dur, sum_dur / runs, max_lat);
	return 0;
}

/* ---- talk-off ---------------------------------------------------------- */

/*
 * Speech-like: syllables of 80..350 ms with raised-cosine envelopes and
 * pauses of 0..200 ms; voiced ones are harmonics of a gliding pitch
 * (80..300 Hz) shaped by three gliding formants whose bandwidths reach
 * down to 30 Hz (so one or two harmonics can dominate, the hostile case),
 * unvoiced ones resonator-filtered noise; peaks -35..-3 dBm0.
 */
static void speech_like(int16_t *x, int n)
{
	int i = 0;

	while (i < n) {
		int len = (int)uni(80, 350) * MS, gap = (int)uni(0, 200) * MS;
		double a = peak(uni(-35, -3)), f0a = uni(80, 300);
		double f0b = f0a * uni(0.75, 1.3), ph[64] = { 0 };
		double fa[3], fb[3], bw[3];
		bool voiced = uni(0, 1) < 0.8;
		double r1 = 0, r2 = 0, fr = uni(1800, 3500);

		fa[0] = uni(250, 900);
		fb[0] = fa[0] * uni(0.7, 1.4);
		fa[1] = uni(850, 2400);
		fb[1] = fa[1] * uni(0.7, 1.4);
		fa[2] = uni(2000, 3400);
		fb[2] = fa[2] * uni(0.85, 1.15);
		for (int k = 0; k < 3; k++)
			bw[k] = uni(30, 250);
		for (int k = 0; k < 64; k++)
			ph[k] = uni(0, 2 * M_PI);
		if (i + len > n)
			len = n - i;
		double amp[64] = { 0 }, f0 = f0a;
		int nh = 0;

		for (int t = 0; t < len; t++) {
			double u = (double)t / len;
			double env = a * 0.5 * (1 - cos(2 * M_PI * u));
			double v = 0;

			if (voiced) {
				if (t % 40 == 0) {
					double norm = 0;

					f0 = f0a + (f0b - f0a) * u;
					nh = (int)(3800 / f0);
					if (nh > 64)
						nh = 64;
					for (int h = 0; h < nh; h++) {
						double fh = (h + 1) * f0, g = 0;

						for (int k = 0; k < 3; k++) {
							double fk = fa[k] +
								    (fb[k] - fa[k]) * u;
							double q = (fh - fk) /
								   (bw[k] / 2);

							g += (k == 0 ? 1 : k == 1 ? 0.6 : 0.3) /
							     sqrt(1 + q * q);
						}
						amp[h] = g;
						norm += g * g;
					}
					norm = sqrt(norm / 2);
					for (int h = 0; h < nh; h++)
						amp[h] /= norm;
				}
				for (int h = 0; h < nh; h++) {
					ph[h] += 2 * M_PI * (h + 1) * f0 / RATE;
					v += amp[h] * sin(ph[h]);
				}
				for (int h = 0; h < nh; h++)
					if (ph[h] > 2 * M_PI)
						ph[h] -= 2 * M_PI;
			} else {
				/* noise through a resonator at fr */
				double c = 2 * 0.97 * cos(2 * M_PI * fr / RATE);
				double w = uni(-1, 1);
				double y = w + c * r1 - 0.9409 * r2;

				r2 = r1;
				r1 = y;
				v = y * 0.1;
			}
			x[i + t] = gw_testsig_sat16(env * v + uni(-3, 3));
		}
		i += len;
		for (int t = 0; t < gap && i < n; t++, i++)
			x[i] = gw_testsig_sat16(uni(-3, 3));
	}
}

/*
 * Music-like: one to three equal-tempered notes (MIDI 45..96) at a time,
 * each with a random timbre of 1..6 harmonics (2nd and 3rd -3..-9 dB),
 * attack/decay envelopes, 100..800 ms, slight vibrato; -30..-6 dBm0.
 */
static void music_like(int16_t *x, int n)
{
	int i = 0;

	while (i < n) {
		int len = (int)uni(100, 800) * MS, nn = 1 + (int)(rng() % 3);
		double f[3], hg[3][6], ph[3][6], a = peak(uni(-30, -6));
		double vib = uni(0, 0.006), vr = uni(4, 7);

		if (i + len > n)
			len = n - i;
		for (int k = 0; k < nn; k++) {
			f[k] = 440.0 * pow(2.0, ((int)(rng() % 52) + 45 - 69) /
							12.0);
			int nh = 1 + (int)(rng() % 6);

			for (int h = 0; h < 6; h++) {
				hg[k][h] = h == 0 ? 1.0 :
					   h < nh ? pow(10, -uni(3, 9) / 20) :
					   h < 3  ? pow(10, -uni(3, 9) / 20) :
						    0.0;
				ph[k][h] = uni(0, 2 * M_PI);
			}
		}
		for (int t = 0; t < len; t++) {
			double u = (double)t / len, v = 0;
			double env = a * fmin(1.0, t / (0.03 * RATE)) *
				     exp(-3 * u) / nn;
			double m = 1 + vib * sin(2 * M_PI * vr * t / RATE);

			for (int k = 0; k < nn; k++)
				for (int h = 0; h < 6; h++) {
					double fh = f[k] * (h + 1) * m;

					if (!hg[k][h] || fh > 3900)
						continue;
					ph[k][h] += 2 * M_PI * fh / RATE;
					v += hg[k][h] * sin(ph[k][h]);
				}
			x[i + t] = gw_testsig_sat16(env * v + uni(-3, 3));
		}
		i += len;
	}
}

static int talkoff(const char *what, void (*gen)(int16_t *, int), int sec)
{
	int n = sec * RATE;
	int16_t *x = malloc((size_t)n * sizeof(*x));
	struct gw_dtmf_rx *rx;
	struct gw_dtmf_rx_params p;
	char got[256];
	struct evlog l = { 0 };
	int hits, hits_off;

	TEST_ASSERT(x);
	gen(x, n);
	double e = 0;

	for (int i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	printf("  %s-like signal: %d s, mean power %.1f dBm0\n", what, sec,
	       10 * log10(e / n / (32768.0 * 32768.0 / 2)) + 3.14);
	TEST_ASSERT(gw_dtmf_rx_alloc(&rx) == 0);
	gw_dtmf_rx_set_event_handler(rx, log_event, &l);
	hits = run_rx(rx, x, n, BLOCK, got, sizeof(got));
	printf("  %s-like signal, %d s: %d false digits \"%s\"\n", what, sec,
	       hits, got);
	for (int k = 0; k < l.n; k++)
		printf("    %s %c at %.3f s, level %d dBm0, %.1f ms\n",
		       l.ev[k].type == GW_DTMF_EVENT_START ? "START" : "END",
		       l.ev[k].digit, l.ev[k].sample / (double)RATE,
		       l.ev[k].level_dbm0,
		       l.ev[k].duration_samples / (double)MS);
	gw_dtmf_rx_set_event_handler(rx, NULL, NULL);
	gw_dtmf_rx_params_default(&p);
	p.max_freq_dev_permille = 0;
	gw_dtmf_rx_reset(rx);
	gw_dtmf_rx_set_params(rx, &p);
	hits_off = run_rx(rx, x, n, BLOCK, got, sizeof(got));
	printf("  (same without our frequency check: %d \"%s\")\n", hits_off,
	       got);
	gw_dtmf_rx_free(rx);
	free(x);
	TEST_EQ_INT(hits, 0);
	return 0;
}

static int test_talkoff_speech(void)
{
	rng_state = 17;
	return talkoff("speech", speech_like, 120);
}

static int test_talkoff_music(void)
{
	rng_state = 18;
	return talkoff("music", music_like, 60);
}

/* ---- dial tone --------------------------------------------------------- */

static int test_dialtone(void)
{
	struct gw_dtmf_rx_params p;
	int res[2][3] = { { 0 } };
	static const int dt[3] = { -20, -13, -7 };

	rng_state = 19;
	gw_dtmf_rx_params_default(&p);
	for (int filt = 0; filt < 2; filt++) {
		p.filter_dialtone = filt;
		for (int k = 0; k < 3; k++) {
			for (int d = 0; d < 16; d++) {
				struct gw_dtmf_rx *rx;
				int len = 300 * MS;
				int16_t *x = calloc((size_t)len, sizeof(*x));
				double lo, hi;
				char got[8];

				TEST_ASSERT(x && gw_dtmf_rx_alloc(&rx) == 0);
				gw_dtmf_rx_set_params(rx, &p);
				/* US dial tone 350 + 440 Hz throughout */
				add_pair(x, len, 350, dt[k], 440, dt[k]);
				digit_hz(digits16[d], &lo, &hi);
				add_pair(x + 100 * MS, 60 * MS, lo, -25, hi,
					 -25);
				if (run_rx(rx, x, len, BLOCK, got,
					   sizeof(got)) == 1 &&
				    got[0] == digits16[d])
					res[filt][k]++;
				gw_dtmf_rx_free(rx);
				free(x);
			}
		}
	}
	for (int k = 0; k < 3; k++)
		printf("  dial tone %d dBm0 per tone, digits -25 dBm0: filter "
		       "off %2d/16, on %2d/16\n",
		       dt[k], res[0][k], res[1][k]);
	for (int k = 0; k < 3; k++)
		TEST_EQ_INT(res[1][k], 16);
	return 0;
}

/* ---- generator ------------------------------------------------------- */

static int test_tx(void)
{
	static const struct {
		int level, twist, on, off;
	} cfg[] = {
		{ -7, 0, 100, 100 }, { -10, 2, 70, 50 },
		{ -20, -4, 40, 40 }, { -12, 3, 250, 0 },
	};
	struct gw_dtmf_tx *tx;
	int16_t *buf = malloc(2 * RATE * sizeof(*buf));

	TEST_ASSERT(buf);
	TEST_EQ_INT(gw_dtmf_tx_alloc(&tx, -7, 100, 100), 0);
	TEST_EQ_INT(gw_dtmf_tx_set(tx, -2, 0, 100, 100), -EINVAL);
	TEST_EQ_INT(gw_dtmf_tx_set(tx, -5, 3, 100, 100), -EINVAL);
	TEST_EQ_INT(gw_dtmf_tx_set(tx, -20, 11, 100, 100), -EINVAL);
	TEST_EQ_INT(gw_dtmf_tx_set(tx, -20, 0, 0, 100), -EINVAL);
	for (size_t c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		int on = cfg[c].on * MS, tot, first = -1, last = -1, n;
		double l1, l2;

		if (c > 0)
			TEST_EQ_INT(gw_dtmf_tx_set(tx, cfg[c].level,
						   cfg[c].twist, cfg[c].on,
						   cfg[c].off),
				    0);
		TEST_EQ_INT(gw_dtmf_tx_put(tx, "5"), 0);
		if (c == 1)
			TEST_EQ_INT(gw_dtmf_tx_set(tx, -10, 0, 50, 50),
				    -EBUSY);
		tot = 0;
		while (gw_dtmf_tx_busy(tx) && tot < 2 * RATE - BLOCK) {
			n = gw_dtmf_tx_process(tx, buf + tot, BLOCK);
			tot += n;
		}
		for (int i = 0; i < tot; i++)
			if (buf[i]) {
				if (first < 0)
					first = i;
				last = i;
			}
		l1 = goertzel_dbm0(buf + 8, on - 16, 770);
		l2 = goertzel_dbm0(buf + 8, on - 16, 1336);
		printf("  set %3d dBm0 twist %+d on %3d off %3d: low %.2f "
		       "high %.2f dBm0 (twist %+.2f), on %.2f ms, total "
		       "%.2f ms\n",
		       cfg[c].level, cfg[c].twist, cfg[c].on, cfg[c].off, l1,
		       l2, l2 - l1, (last - first + 1) / (double)MS,
		       tot / (double)MS);
		TEST_NEAR(l1, cfg[c].level, 0.5);
		TEST_NEAR(l2, cfg[c].level + cfg[c].twist, 0.5);
		TEST_NEAR((last - first + 1) / (double)MS, cfg[c].on, 0.5);
		TEST_EQ_INT(tot, (cfg[c].on + cfg[c].off) * MS);
	}
	/* reset keeps the configuration */
	gw_dtmf_tx_reset(tx);
	TEST_ASSERT(!gw_dtmf_tx_busy(tx));
	TEST_EQ_INT(gw_dtmf_tx_put(tx, "1"), 0);
	gw_dtmf_tx_free(tx);
	free(buf);
	return 0;
}

/* ---- receiver API ------------------------------------------------------ */

static int test_rx_api(void)
{
	struct gw_dtmf_rx *rx;
	struct gw_dtmf_rx_params p;
	struct evlog l = { 0 };
	int16_t *x = calloc(2 * RATE, sizeof(*x));
	char got[32];

	TEST_ASSERT(x);
	TEST_EQ_INT(gw_dtmf_rx_alloc(&rx), 0);
	gw_dtmf_rx_params_default(&p);
	p.twist_db = 21;
	TEST_EQ_INT(gw_dtmf_rx_set_params(rx, &p), -EINVAL);
	p.twist_db = 10;
	p.max_freq_dev_permille = 101;
	TEST_EQ_INT(gw_dtmf_rx_set_params(rx, &p), -EINVAL);
	gw_dtmf_rx_params_default(&p);
	/* three digits, one reported START/END pair each, in order */
	rng_state = 20;
	for (int k = 0; k < 3; k++) {
		double lo, hi;

		digit_hz("9*D"[k], &lo, &hi);
		add_pair(x + (100 + 200 * k) * MS, 80 * MS, lo, -15, hi, -15);
	}
	gw_dtmf_rx_set_event_handler(rx, log_event, &l);
	TEST_EQ_INT(run_rx(rx, x, 2 * RATE, 80, got, 3), 2);
	TEST_EQ_STR(got, "9*");
	TEST_EQ_INT(gw_dtmf_rx_get(rx, got, sizeof(got)), 1);
	TEST_EQ_STR(got, "D");
	TEST_EQ_INT(gw_dtmf_rx_get(rx, got, sizeof(got)), 0);
	TEST_EQ_INT(gw_dtmf_rx_get(rx, got, 0), 0);
	TEST_EQ_INT(l.n, 6);
	for (int k = 0; k < 6; k++) {
		TEST_EQ_INT(l.ev[k].type, k % 2 ? GW_DTMF_EVENT_END
						 : GW_DTMF_EVENT_START);
		TEST_EQ_INT(l.ev[k].digit, "9*D"[k / 2]);
	}
	printf("  events: ");
	for (int k = 0; k < 6; k++)
		printf("%s %c @%.1f ms%s", k % 2 ? "END" : "START",
		       l.ev[k].digit, l.ev[k].sample / (double)MS,
		       k < 5 ? ", " : "\n");
	printf("  START level reported %d dBm0 (two tones at -15 each)\n",
	       l.ev[0].level_dbm0);
	/* reset keeps handler and params, clears queue and clock */
	gw_dtmf_rx_reset(rx);
	l.n = 0;
	TEST_EQ_INT(run_rx(rx, x, 2 * RATE, 160, got, sizeof(got)), 3);
	TEST_EQ_INT(l.n, 6);
	TEST_ASSERT(l.ev[0].sample < 101 * MS && l.ev[0].sample > 99 * MS);
	gw_dtmf_rx_set_event_handler(rx, NULL, NULL);
	gw_dtmf_rx_reset(rx);
	TEST_EQ_INT(run_rx(rx, x, 2 * RATE, 160, got, sizeof(got)), 3);
	TEST_EQ_INT(l.n, 6);
	gw_dtmf_rx_free(rx);
	gw_dtmf_rx_free(NULL);
	free(x);
	return 0;
}

/* ---- suppression ------------------------------------------------------- */

struct sup_case {
	const char *name;
	int gap_ms;  /* silence between speech and tone */
	int on_ms;
	int block;
	int delay_ms;
};

static int sup_run(const struct sup_case *c, double *worst_dbm0,
		   int *changed_out, int *events)
{
	static const char dig[] = "50#D";
	int speech = 400 * MS, gap = c->gap_ms * MS, on = c->on_ms * MS;
	int per = speech + 2 * gap + on;
	int n = 4 * per + speech + 100 * MS, d = c->delay_ms * MS;
	int16_t *x = calloc((size_t)n, sizeof(*x));
	int16_t *y = calloc((size_t)n, sizeof(*y));
	int16_t *s = calloc((size_t)n, sizeof(*s));
	uint8_t *near = calloc((size_t)n, 1);
	struct gw_dtmf_suppress *sp;
	struct gw_dtmf_event ev[8];
	int nev = 0, changed = 0;
	double worst = -200;

	TEST_ASSERT(x && y && s && near);
	speech_like(s, n);
	memcpy(x, s, (size_t)n * sizeof(*x));
	for (int k = 0; k < 4; k++) {
		int t0 = k * per + speech + gap;
		double lo, hi;

		/* speech stops for the gap and the tone */
		memset(x + t0 - gap, 0, (size_t)(2 * gap + on) * sizeof(*x));
		digit_hz(dig[k], &lo, &hi);
		add_pair(x + t0, on, lo, -6 - 6 * k, hi, -6 - 6 * k);
		for (int t = t0 - 10 * MS; t < t0 + on + 10 * MS; t++)
			near[t] = 1;
	}
	TEST_EQ_INT(gw_dtmf_suppress_alloc(&sp, c->delay_ms), 0);
	/* in place, in blocks of c->block */
	memcpy(y, x, (size_t)n * sizeof(*x));
	for (int i = 0; i < n; i += c->block) {
		int m = n - i < c->block ? n - i : c->block;
		int e = gw_dtmf_suppress_process(sp, y + i, y + i, m, ev, 8);

		for (int k = 0; k < e; k++) {
			if (k + nev < 8 && (k + nev) % 2 == 0)
				TEST_EQ_INT(ev[k].type, GW_DTMF_EVENT_START);
		}
		nev += e;
	}
	TEST_EQ_INT(gw_dtmf_suppress_leaked(sp), 0);
	/* y[t + d] is x[t] delayed */
	for (int k = 0; k < 4; k++) {
		int t0 = k * per + speech + gap;
		int a = t0 - (gap < 20 * MS ? gap : 20 * MS);
		int b = t0 + on + (gap < 20 * MS ? gap : 20 * MS);

		for (int t = a; t + 80 <= b; t += 8) {
			for (int f = 0; f < 8; f++) {
				double l = goertzel_dbm0(y + t + d, 80,
							 f < 4 ? row_hz[f] :
								 col_hz[f - 4]);

				worst = fmax(worst, l);
			}
		}
	}
	for (int t = 0; t + d < n; t++)
		if (y[t + d] != x[t] && !near[t])
			changed++;
	*worst_dbm0 = worst;
	*changed_out = changed;
	*events = nev;
	gw_dtmf_suppress_free(sp);
	free(x);
	free(y);
	free(s);
	free(near);
	return 0;
}

static int test_suppress(void)
{
	static const struct sup_case cs[] = {
		{ "gap 30 ms, 60 ms tones, 160-sample blocks", 30, 60, 160, 40 },
		{ "gap 30 ms, 40 ms tones, 37-sample blocks", 30, 40, 37, 40 },
		{ "gap 30 ms, 200 ms tones, 1000-sample blocks", 30, 200, 1000,
		  40 },
		{ "no gap, 100 ms tones, 80-sample blocks", 0, 100, 80, 40 },
		{ "no gap, 45 ms tones, 160-sample blocks, 50 ms delay", 0, 45,
		  160, 50 },
	};
	struct gw_dtmf_suppress *sp;

	TEST_EQ_INT(gw_dtmf_suppress_alloc(&sp, -1), -EINVAL);
	TEST_EQ_INT(gw_dtmf_suppress_alloc(&sp, 101), -EINVAL);
	gw_dtmf_suppress_free(NULL);
	rng_state = 21;
	for (size_t k = 0; k < sizeof(cs) / sizeof(cs[0]); k++) {
		double worst;
		int changed, nev;

		TEST_EQ_INT(sup_run(&cs[k], &worst, &changed, &nev), 0);
		printf("  %-52s: max DTMF-frequency level in/around tones "
		       "%.1f dBm0, speech samples changed %d, events %d\n",
		       cs[k].name, worst, changed, nev);
		TEST_EQ_INT(nev, 8);
		TEST_ASSERT(worst < -50.0);
		TEST_EQ_INT(changed, 0);
	}
	return 0;
}

/* ---- low-delay suppression -------------------------------------------- */

/*
 * Suppressor delays below 30 ms mute on the receiver's candidate windows
 * before a digit is confirmed. Each run: the 768 tones of 16 digits x 40,
 * 50, 70, 100 ms x -3, -10, -20, -30 dBm0 (the stronger tone) x twist 0,
 * -4, +3 dB, in random order, each after 60..80 ms of silence (random, so
 * the onset falls on every phase of the detector's 102-sample blocks, of
 * the candidate windows and of the calls), in 160-sample calls or in
 * calls of odd sizes 1..331.
 */
#define FAST_TONES (16 * 4 * 4 * 3)

struct fast_tone {
	int onset, on; /* samples */
	char digit;
};

struct fast_res {
	int leak_max;	      /* longest leading fragment left unmuted */
	double leak_sum;
	int holes;	      /* tone samples passed after the mute began */
	int spandsp, gw, gw0; /* digits detected in the output */
	int spandsp_in, gw_in;
	int bad_events;
	double on_err, dur_err;
	uint64_t leaked; /* gw_dtmf_suppress_leaked() */
};

static int fast_signal(int16_t *x, int n, struct fast_tone *tn, bool dev)
{
	static const int ms[4] = { 40, 50, 70, 100 };
	static const int lv[4] = { -3, -10, -20, -30 };
	static const int tw[3] = { 0, -4, 3 };
	int order[FAST_TONES], pos = 0;

	for (int k = 0; k < FAST_TONES; k++)
		order[k] = k;
	for (int k = FAST_TONES - 1; k > 0; k--) {
		int j = (int)(rng() % (uint32_t)(k + 1)), t = order[k];

		order[k] = order[j];
		order[j] = t;
	}
	memset(x, 0, (size_t)n * sizeof(*x));
	for (int k = 0; k < FAST_TONES; k++) {
		int c = order[k], d = c % 16, dur = ms[c / 16 % 4];
		int l = lv[c / 64 % 4], t = tw[c / 256];
		double lo, hi;

		pos += 60 * MS + (int)(rng() % (20 * MS));
		tn[k].onset = pos;
		tn[k].on = dur * MS;
		tn[k].digit = digits16[d];
		digit_hz(digits16[d], &lo, &hi);
		if (dev) {
			lo *= 1 + uni(-0.015, 0.015);
			hi *= 1 + uni(-0.015, 0.015);
		}
		/* the stronger tone at l, the other |twist| below */
		add_pair(x + pos, dur * MS, lo, t > 0 ? l - t : l, hi,
			 t > 0 ? l : l + t);
		pos += dur * MS;
	}
	pos += 200 * MS;
	return pos <= n ? pos : -1;
}

/* Digits spandsp's dtmf_rx (default parameters) finds in x[0..n). */
static int spandsp_count(const int16_t *x, int n)
{
	dtmf_rx_state_t *st = dtmf_rx_init(NULL, NULL, NULL);
	char got[MAX_DTMF_DIGITS + 1];
	int cnt = 0;

	if (!st)
		return -1;
	for (int i = 0; i < n; i += BLOCK) {
		dtmf_rx(st, x + i, n - i < BLOCK ? n - i : BLOCK);
		cnt += dtmf_rx_get(st, got, 8);
	}
	cnt += dtmf_rx_get(st, got, MAX_DTMF_DIGITS);
	dtmf_rx_free(st);
	return cnt;
}

/* Digits gw_dtmf_rx finds in x[0..n): default parameters, or lenient
 * (no minimum duration, no frequency check). */
static int gw_count(const int16_t *x, int n, bool lenient)
{
	struct gw_dtmf_rx *rx;
	struct gw_dtmf_rx_params p;
	char got[64];
	int cnt = 0;

	if (gw_dtmf_rx_alloc(&rx) != 0)
		return -1;
	gw_dtmf_rx_params_default(&p);
	if (lenient) {
		p.min_on_ms = 0;
		p.max_freq_dev_permille = 0;
	}
	gw_dtmf_rx_set_params(rx, &p);
	for (int i = 0; i < n; i += BLOCK) {
		gw_dtmf_rx_process(rx, x + i, n - i < BLOCK ? n - i : BLOCK);
		cnt += gw_dtmf_rx_get(rx, got, sizeof(got));
	}
	gw_dtmf_rx_free(rx);
	return cnt;
}

static int fast_run(int delay_ms, bool odd_calls, bool dev,
		    struct fast_res *r)
{
	static const int odd[] = { 1, 37, 331, 80, 7, 203, 101, 160, 59, 2 };
	int n = FAST_TONES * 200 * MS, d = delay_ms * MS, len, ne = 0;
	int16_t *x = malloc((size_t)n * sizeof(*x));
	int16_t *y = malloc((size_t)n * sizeof(*y));
	struct fast_tone *tn = malloc(FAST_TONES * sizeof(*tn));
	struct gw_dtmf_event *ev = malloc(3 * FAST_TONES * sizeof(*ev));
	struct gw_dtmf_suppress *sp;

	memset(r, 0, sizeof(*r));
	TEST_ASSERT(x && y && tn && ev);
	len = fast_signal(x, n, tn, dev);
	TEST_ASSERT(len > 0);
	TEST_EQ_INT(gw_dtmf_suppress_alloc(&sp, delay_ms), 0);
	for (int i = 0, c = 0; i < len; c++) {
		int m = odd_calls ? odd[c % 10] : BLOCK;

		if (m > len - i)
			m = len - i;
		ne += gw_dtmf_suppress_process(sp, x + i, y + i, m, ev + ne,
					       3 * FAST_TONES - ne);
		i += m;
	}
	r->leaked = gw_dtmf_suppress_leaked(sp);
	gw_dtmf_suppress_free(sp);

	/* y[t + d] is x[t], unless muted */
	for (int k = 0; k < FAST_TONES; k++) {
		int a = tn[k].onset, b = a + tn[k].on, t = a, l = a;

		/* up to the first muted sample; a tone sample of 0 counts
		 * as leaked only if one after it passed */
		for (; t < b && y[t + d] == x[t]; t++)
			if (x[t])
				l = t + 1;
		r->leak_max = l - a > r->leak_max ? l - a : r->leak_max;
		r->leak_sum += l - a;
		for (; t < b; t++)
			if (y[t + d] != 0)
				r->holes++;
	}
	/* every tone reported once, START then END, in order, on time */
	for (int k = 0; k < FAST_TONES; k++) {
		const struct gw_dtmf_event *s = ev + 2 * k, *e = s + 1;
		double on_err, dur_err;

		if (2 * k + 1 >= ne || s->type != GW_DTMF_EVENT_START ||
		    e->type != GW_DTMF_EVENT_END ||
		    s->digit != tn[k].digit || e->digit != tn[k].digit) {
			r->bad_events++;
			continue;
		}
		on_err = fabs((double)s->sample - tn[k].onset) / MS;
		dur_err = fabs((double)e->duration_samples - tn[k].on) / MS;
		r->on_err = fmax(r->on_err, on_err);
		r->dur_err = fmax(r->dur_err, dur_err);
		if (on_err > 10 || dur_err > 10)
			r->bad_events++;
	}
	if (ne != 2 * FAST_TONES)
		r->bad_events += abs(ne - 2 * FAST_TONES);
	/* in-band detection: the output (aligned), and the input for
	 * reference */
	r->spandsp = spandsp_count(y + d, len - d);
	r->gw = gw_count(y + d, len - d, false);
	r->gw0 = gw_count(y + d, len - d, true);
	if (!odd_calls && !dev) {
		r->spandsp_in = spandsp_count(x, len);
		r->gw_in = gw_count(x, len, false);
	}
	free(x);
	free(y);
	free(tn);
	free(ev);
	return 0;
}

static int test_fast_leak(void)
{
	static const int delays[] = { 0, 5, 10, 20 };
	static const char *const what[3] = {
		"160-sample calls",
		"odd-size calls",
		"160, freq +-1.5 %",
	};

	rng_state = 31;
	printf("  %d tones per run (16 digits x 40/50/70/100 ms x -3/-10/"
	       "-20/-30 dBm0 x twist 0/-4/+3 dB, random onsets); leak = "
	       "tone that left unmuted before the mute\n",
	       FAST_TONES);
	for (size_t k = 0; k < sizeof(delays) / sizeof(delays[0]); k++) {
		int worst = 0;

		for (int v = 0; v < 3; v++) {
			struct fast_res r;

			TEST_EQ_INT(fast_run(delays[k], v == 1, v == 2, &r),
				    0);
			printf("  delay %2d ms, %-17s: leak max %5.2f ms mean "
			       "%.2f ms (leaked() %.2f ms/tone), holes %d; "
			       "in-band digits: spandsp %d, gw %d, gw "
			       "lenient %d; bad events %d (max onset err "
			       "%.2f, dur err %.2f ms)\n",
			       delays[k], what[v], r.leak_max / (double)MS,
			       r.leak_sum / FAST_TONES / MS,
			       (double)r.leaked / FAST_TONES / MS, r.holes,
			       r.spandsp, r.gw, r.gw0, r.bad_events, r.on_err,
			       r.dur_err);
			if (v == 0)
				printf("  (same tones in band, unsuppressed: "
				       "spandsp %d, gw %d of %d)\n",
				       r.spandsp_in, r.gw_in, FAST_TONES);
			TEST_EQ_INT(r.spandsp, 0);
			TEST_EQ_INT(r.gw, 0);
			TEST_EQ_INT(r.gw0, 0);
			TEST_EQ_INT(r.bad_events, 0);
			TEST_EQ_INT(r.holes, 0);
			if (v == 0) {
				TEST_EQ_INT(r.gw_in, FAST_TONES);
				TEST_EQ_INT(r.spandsp_in, FAST_TONES);
			}
			worst = r.leak_max > worst ? r.leak_max : worst;
		}
		/* dtmf.h's bound: (RX_BLOCK + CAND_HOP - 1) - delay */
		printf("  delay %2d ms: longest leak %.2f ms, bound %.2f ms\n",
		       delays[k], worst / (double)MS,
		       fmax(0, 135 - delays[k] * MS) / MS);
		TEST_ASSERT(worst <= (int)fmax(0, 135 - delays[k] * MS));
	}
	return 0;
}

/*
 * Digits inside speech: 16 digits (45 ms, -6..-27 dBm0) each between 300
 * ms of speech-like signal that stops gap_ms before the tone and resumes
 * gap_ms after it. Nothing may be detected in band, every digit must be
 * reported, and speech more than 10 ms from a tone must pass untouched.
 */
static int fast_talk(int delay_ms, int gap_ms, int *leak, int *changed,
		     int *clip, int *inband, int *events)
{
	int speech = 300 * MS, gap = gap_ms * MS, on = 45 * MS;
	int per = speech + 2 * gap + on, n = 16 * per + speech;
	int d = delay_ms * MS, ne = 0, run = 0, last = -2;
	int16_t *x = calloc((size_t)n, sizeof(*x));
	int16_t *y = calloc((size_t)n, sizeof(*y));
	uint8_t *near = calloc((size_t)n, 1);
	struct gw_dtmf_suppress *sp;
	struct gw_dtmf_event ev[8];

	TEST_ASSERT(x && y && near);
	speech_like(x, n);
	*leak = *changed = *clip = 0;
	for (int k = 0; k < 16; k++) {
		int t0 = k * per + speech + gap;
		double lo, hi;

		memset(x + t0 - gap, 0, (size_t)(2 * gap + on) * sizeof(*x));
		digit_hz(digits16[k], &lo, &hi);
		add_pair(x + t0, on, lo, -6 - (k % 8) * 3, hi,
			 -6 - (k % 8) * 3);
		for (int t = t0 - 10 * MS; t < t0 + on + 10 * MS; t++)
			near[t] = 1;
	}
	TEST_EQ_INT(gw_dtmf_suppress_alloc(&sp, delay_ms), 0);
	for (int i = 0; i < n; i += BLOCK)
		ne += gw_dtmf_suppress_process(sp, x + i, y + i,
					       n - i < BLOCK ? n - i : BLOCK,
					       ev, 8);
	gw_dtmf_suppress_free(sp);
	for (int k = 0; k < 16; k++) {
		int t0 = k * per + speech + gap, t = t0, l = t0;

		for (; t < t0 + on && y[t + d] == x[t]; t++)
			if (x[t])
				l = t + 1;
		*leak = l - t0 > *leak ? l - t0 : *leak;
	}
	for (int t = 0; t + d < n; t++)
		if (y[t + d] != x[t] && !near[t]) {
			(*changed)++;
			run = t == last + 1 ? run + 1 : 1;
			last = t;
			*clip = run > *clip ? run : *clip;
		}
	inband[0] = spandsp_count(y + d, n - d);
	inband[1] = gw_count(y + d, n - d, false);
	inband[2] = gw_count(y + d, n - d, true);
	*events = ne;
	free(x);
	free(y);
	free(near);
	return 0;
}

static int test_fast_talk(void)
{
	static const int delays[] = { 0, 5, 10, 20, 50 };

	rng_state = 33;
	for (int g = 0; g < 2; g++) {
		for (size_t k = 0; k < sizeof(delays) / sizeof(delays[0]);
		     k++) {
			int leak, changed, clip, inband[3], nev;

			TEST_EQ_INT(fast_talk(delays[k], g * 30, &leak,
					      &changed, &clip, inband, &nev),
				    0);
			printf("  speech gap %2d ms, delay %2d ms: leak max "
			       "%5.2f ms; speech changed >10 ms from a tone: "
			       "%d samples, longest %.2f ms; events %d; "
			       "in-band digits spandsp %d gw %d gw lenient "
			       "%d\n",
			       g * 30, delays[k], leak / (double)MS, changed,
			       clip / (double)MS, nev, inband[0], inband[1],
			       inband[2]);
			TEST_EQ_INT(nev, 32);
			TEST_EQ_INT(inband[0], 0);
			TEST_EQ_INT(inband[1], 0);
			TEST_EQ_INT(inband[2], 0);
			/* With a pause, nothing; without, the mute waits
			 * for END (two blocks after the tone) when the line
			 * is shorter than that. */
			if (g)
				TEST_EQ_INT(changed, 0);
			TEST_ASSERT(clip <= 20 * MS);
			TEST_ASSERT(leak <=
				    (int)fmax(0, 135 - delays[k] * MS));
		}
	}
	return 0;
}

/*
 * False mutes: speech and music through the low-delay suppressor. A muted
 * sample is one whose output differs from its input (input not 0); runs
 * closer than 1 ms are one mute. Mutes that overlap a digit the
 * suppressor reported (talk-off: a tone pair it relays) are counted
 * apart; the others are false mutes.
 */
static void voiced(int16_t *x, int n)
{
	gw_testsig_speech_voiced(x, n, &rng_state);
}

static void multitone(int16_t *x, int n)
{
	gw_testsig_speech_multitone(x, n, 2, &rng_state);
}

struct fast_mutes {
	double frac;	   /* muted share of the samples (all mutes) */
	double false_frac; /* ... in false mutes */
	int runs, longest; /* false mutes, longest (samples) */
	int digit_runs;	   /* mutes around reported digits */
	int events;
};

/* The muted run [a, b] closes: file it as false or around a digit. */
static void mute_run(struct fast_mutes *m, const struct gw_dtmf_event *ev,
		     int nev, int a, int b)
{
	for (int k = 0; k + 1 < nev; k += 2)
		if (a <= (int)ev[k + 1].sample + 10 * MS &&
		    b >= (int)ev[k].sample - 10 * MS) {
			m->digit_runs++;
			return;
		}
	m->runs++;
	m->false_frac += b - a + 1;
	if (b - a + 1 > m->longest)
		m->longest = b - a + 1;
}

static int fast_mutes(const int16_t *x, int n, int delay_ms,
		      struct fast_mutes *m)
{
	int16_t *y = malloc((size_t)n * sizeof(*y));
	struct gw_dtmf_suppress *sp;
	struct gw_dtmf_event ev[64];
	int d = delay_ms * MS, muted = 0, start = -1, last = -MS;

	memset(m, 0, sizeof(*m));
	TEST_ASSERT(y);
	TEST_EQ_INT(gw_dtmf_suppress_alloc(&sp, delay_ms), 0);
	for (int i = 0; i < n; i += BLOCK)
		m->events += gw_dtmf_suppress_process(
			sp, x + i, y + i, n - i < BLOCK ? n - i : BLOCK,
			ev + (m->events < 56 ? m->events : 56), 8);
	gw_dtmf_suppress_free(sp);
	TEST_ASSERT(m->events < 56);
	for (int t = 0; t + d < n; t++) {
		if (y[t + d] == x[t])
			continue;
		muted++;
		if (t - last > MS) {
			if (start >= 0)
				mute_run(m, ev, m->events, start, last);
			start = t;
		}
		last = t;
	}
	if (start >= 0)
		mute_run(m, ev, m->events, start, last);
	m->frac = (double)muted / n;
	m->false_frac /= n;
	free(y);
	return 0;
}

static int test_fast_speech(void)
{
	static const struct {
		const char *name;
		void (*gen)(int16_t *, int);
		int sec;
		bool check;
	} sig[] = {
		{ "speech-like (narrow formants)", speech_like, 120, true },
		{ "voiced speech model (testsig)", voiced, 120, true },
		{ "music-like", music_like, 60, true },
		{ "2..4 hopping tones (testsig)", multitone, 60, false },
	};
	static const int delays[] = { 5, 10 };

	rng_state = 32;
	for (size_t k = 0; k < sizeof(sig) / sizeof(sig[0]); k++) {
		int n = sig[k].sec * RATE;
		int16_t *x = malloc((size_t)n * sizeof(*x));

		TEST_ASSERT(x);
		sig[k].gen(x, n);
		for (size_t j = 0; j < sizeof(delays) / sizeof(delays[0]);
		     j++) {
			struct fast_mutes m;

			TEST_EQ_INT(fast_mutes(x, n, delays[j], &m), 0);
			printf("  %-30s %3d s, delay %2d ms: muted %.3f %%; "
			       "false mutes %d (%.1f per min, %.3f %%), "
			       "longest %.1f ms; digit events %d, mutes "
			       "around them %d\n",
			       sig[k].name, sig[k].sec, delays[j],
			       100 * m.frac, m.runs,
			       m.runs * 60.0 / sig[k].sec,
			       100 * m.false_frac, m.longest / (double)MS,
			       m.events, m.digit_runs);
			if (sig[k].check) {
				TEST_ASSERT(m.frac < 0.005);
				TEST_EQ_INT(m.events, 0);
			}
		}
		free(x);
	}
	return 0;
}

const struct gw_test_case gw_test_cases_dtmf[] = {
	{ "dtmf_q24_levels", test_levels },
	{ "dtmf_q24_twist", test_twist },
	{ "dtmf_q24_freq", test_freq },
	{ "dtmf_q24_duration", test_duration },
	{ "dtmf_q24_pause", test_pause },
	{ "dtmf_events", test_events },
	{ "dtmf_talkoff_speech", test_talkoff_speech },
	{ "dtmf_talkoff_music", test_talkoff_music },
	{ "dtmf_dialtone", test_dialtone },
	{ "dtmf_tx_set", test_tx },
	{ "dtmf_rx_api", test_rx_api },
	{ "dtmf_suppress", test_suppress },
	{ "dtmf_suppress_fast_leak", test_fast_leak },
	{ "dtmf_suppress_fast_talk", test_fast_talk },
	{ "dtmf_suppress_fast_speech", test_fast_speech },
	{ NULL, NULL },
};
