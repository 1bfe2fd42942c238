// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_modem: cost of the fax/modem connect-tone detector (dsp/modem) on
 * 2 s of white noise at -30 dBm0 with a 2100 Hz ANS/ at -20 dBm0 in its
 * second half, fed in 160-sample blocks; best of 5 runs.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <spandsp.h>

#include "dsp/modem.h"
#include "tests/bench/bench.h"
#include "tests/testsig.h"

#define RATE	8000
#define SAMPLES (2 * RATE)
#define BLOCK	160
#define RUNS	5

static int16_t signal_[SAMPLES];

static void make_signal(void)
{
	awgn_state_t *g = awgn_init_dbm0(NULL, 1, -30.0f);
	modem_connect_tones_tx_state_t *tx =
	    modem_connect_tones_tx_init(NULL, MODEM_CONNECT_TONES_ANS_PR);
	static int16_t tone[SAMPLES / 2];

	modem_connect_tones_tx(tx, tone, SAMPLES / 2);
	for (int i = 0; i < SAMPLES; i++) {
		int v = awgn(g) +
			(i >= SAMPLES / 2 ? tone[i - SAMPLES / 2] / 2 : 0);

		signal_[i] = gw_testsig_sat16(v);
	}
	modem_connect_tones_tx_free(tx);
	awgn_free(g);
}

static double run(unsigned int detect)
{
	struct gw_modem_rx *rx;
	struct gw_modem_event ev;
	double best = 1e300;

	make_signal();
	if (gw_modem_rx_alloc(&rx, detect, NULL, NULL))
		return -1;
	for (int r = 0; r < RUNS; r++) {
		double t0 = gw_bench_now_ns(), t;

		for (int i = 0; i < SAMPLES; i += BLOCK)
			gw_modem_rx_process(rx, signal_ + i, BLOCK);
		t = (gw_bench_now_ns() - t0) / SAMPLES;
		if (t < best)
			best = t;
		while (gw_modem_rx_get(rx, &ev))
			;
	}
	gw_modem_rx_free(rx);
	return best;
}

static double bench_all(void)
{
	return run(GW_MODEM_DETECT_ALL);
}

static double bench_ans(void)
{
	return run(GW_MODEM_DETECT_ANS);
}

static double bench_v21(void)
{
	return run(GW_MODEM_DETECT_V21);
}

const struct gw_bench_case gw_bench_cases_modem[] = {
    {"modem_rx (CNG+ANS+V.21)", "spandsp modem_connect_tones_rx x3", bench_all},
    {"modem_rx (ANS family only)", "2100 Hz, for the EC disabler", bench_ans},
    {"modem_rx (V.21 preamble only)", "spandsp fsk_rx", bench_v21},
    {NULL, NULL, NULL},
};
