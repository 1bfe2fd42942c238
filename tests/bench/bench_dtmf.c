// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_dtmf: cost of dsp/dtmf's receiver (on speech-like noise and on
 * digits), transmitter and suppressor, and of spandsp's own dtmf_rx for
 * comparison, in ns per 8 kHz sample, 160-sample blocks, best of 5 runs
 * over 4 s of audio.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/dtmf.h"
#include "tests/bench/bench.h"

extern const struct gw_bench_case gw_bench_cases_dtmf[];

#define RATE 8000
#define SECONDS 4
#define N (SECONDS * RATE)
#define BLOCK 160
#define RUNS 5

static int16_t *noise_sig(void)
{
	int16_t *x = malloc(N * sizeof(*x));
	uint32_t r = 1;

	if (!x)
		return NULL;
	for (int i = 0; i < N; i++) {
		r = r * 1103515245u + 12345u;
		x[i] = (int16_t)(((int)(r >> 16) & 0x3fff) - 0x2000);
	}
	return x;
}

/* Digits 60 ms on, 60 ms off, -10 dBm0, through gw_dtmf_tx. */
static int16_t *digit_sig(void)
{
	int16_t *x = malloc(N * sizeof(*x));
	struct gw_dtmf_tx *tx;

	if (!x || gw_dtmf_tx_alloc(&tx, -10, 60, 60) != 0) {
		free(x);
		return NULL;
	}
	for (int i = 0; i < N; i += BLOCK) {
		if (!gw_dtmf_tx_busy(tx))
			gw_dtmf_tx_put(tx, "123A456B789C*0#D");
		gw_dtmf_tx_process(tx, x + i, BLOCK);
	}
	gw_dtmf_tx_free(tx);
	return x;
}

static double rx_on(int16_t *x)
{
	struct gw_dtmf_rx *rx;
	double best = 1e30;
	char buf[256];

	if (!x || gw_dtmf_rx_alloc(&rx) != 0) {
		free(x);
		return -1;
	}
	for (int r = 0; r < RUNS; r++) {
		double t0 = gw_bench_now_ns();

		for (int i = 0; i < N; i += BLOCK) {
			gw_dtmf_rx_process(rx, x + i, BLOCK);
			gw_dtmf_rx_get(rx, buf, sizeof(buf));
		}
		t0 = (gw_bench_now_ns() - t0) / N;
		if (t0 < best)
			best = t0;
	}
	gw_dtmf_rx_free(rx);
	free(x);
	return best;
}

static double bench_rx_noise(void)
{
	return rx_on(noise_sig());
}

static double bench_rx_digits(void)
{
	return rx_on(digit_sig());
}

static double bench_spandsp_rx(void)
{
	int16_t *x = digit_sig();
	dtmf_rx_state_t *s;
	double best = 1e30;
	char buf[256];

	if (!x || !(s = dtmf_rx_init(NULL, NULL, NULL))) {
		free(x);
		return -1;
	}
	for (int r = 0; r < RUNS; r++) {
		double t0 = gw_bench_now_ns();

		for (int i = 0; i < N; i += BLOCK) {
			dtmf_rx(s, x + i, BLOCK);
			dtmf_rx_get(s, buf, 200);
		}
		t0 = (gw_bench_now_ns() - t0) / N;
		if (t0 < best)
			best = t0;
	}
	dtmf_rx_free(s);
	free(x);
	return best;
}

static double bench_tx(void)
{
	int16_t *x = malloc(N * sizeof(*x));
	struct gw_dtmf_tx *tx;
	double best = 1e30;

	if (!x || gw_dtmf_tx_alloc(&tx, -10, 60, 60) != 0) {
		free(x);
		return -1;
	}
	for (int r = 0; r < RUNS; r++) {
		double t0 = gw_bench_now_ns();

		for (int i = 0; i < N; i += BLOCK) {
			if (!gw_dtmf_tx_busy(tx))
				gw_dtmf_tx_put(tx, "123A456B789C*0#D");
			gw_dtmf_tx_process(tx, x + i, BLOCK);
		}
		t0 = (gw_bench_now_ns() - t0) / N;
		if (t0 < best)
			best = t0;
	}
	gw_dtmf_tx_free(tx);
	free(x);
	return best;
}

static double bench_suppress(void)
{
	int16_t *x = digit_sig(), *y = malloc(N * sizeof(*y));
	struct gw_dtmf_suppress *s;
	struct gw_dtmf_event ev[8];
	double best = 1e30;

	if (!x || !y || gw_dtmf_suppress_alloc(&s, 40) != 0) {
		free(x);
		free(y);
		return -1;
	}
	for (int r = 0; r < RUNS; r++) {
		double t0 = gw_bench_now_ns();

		for (int i = 0; i < N; i += BLOCK)
			gw_dtmf_suppress_process(s, x + i, y + i, BLOCK, ev,
						 8);
		t0 = (gw_bench_now_ns() - t0) / N;
		if (t0 < best)
			best = t0;
	}
	gw_dtmf_suppress_free(s);
	free(x);
	free(y);
	return best;
}

const struct gw_bench_case gw_bench_cases_dtmf[] = {
	{ "dtmf_rx (noise)", "gw_dtmf_rx, no digits", bench_rx_noise },
	{ "dtmf_rx (digits)", "gw_dtmf_rx, 8 digits/s", bench_rx_digits },
	{ "dtmf_rx spandsp (digits)", "spandsp 0.0.6 dtmf_rx, same signal",
	  bench_spandsp_rx },
	{ "dtmf_tx", "gw_dtmf_tx, 8 digits/s", bench_tx },
	{ "dtmf_suppress (digits)", "40 ms look-ahead, 8 digits/s",
	  bench_suppress },
	{ NULL, NULL, NULL },
};
