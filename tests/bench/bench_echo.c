// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_echo: dsp/echo at 256, 512 and 1024 taps, and spandsp 0.0.6's
 * echo_can_update() at 1024 taps in the same run. spandsp prints two debug
 * lines per sample; its loop runs with fd 1 pointed at /dev/null (stdout
 * flushed before and after), so its figure includes that printing, which
 * is what using it would cost. Signal: 1 s of far-end white noise at
 * -16 dBm0 and its echo through a 64-tap decaying path (ERL ~ 10 dB) plus
 * near-end noise, processed in 20 ms blocks; best of 5 runs after one
 * warm-up run.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <spandsp.h>

#include "dsp/echo.h"
#include "tests/bench/bench.h"
#include "tests/testsig.h"

#define RATE 8000
#define N RATE /* 1 s of audio per run */
#define BLOCK 160
#define RUNS 5

static int16_t tx[N], rx[N], out[N];

static void make_signal(void)
{
	static float h[64];
	uint32_t s = 12345;
	float hist[64] = { 0 };

	if (tx[0] || tx[1])
		return;
	for (int k = 0; k < 64; k++)
		h[k] = (float)(0.25 * exp(-k / 10.0) * ((k & 1) ? -1 : 1));
	for (int i = 0; i < N; i++) {
		float acc = 0.0f;

		gw_testsig_rng(&s);
		tx[i] = (int16_t)((int32_t)s >> 20); /* +-2048 */
		for (int k = 63; k > 0; k--)
			hist[k] = hist[k - 1];
		hist[0] = tx[i];
		for (int k = 0; k < 64; k++)
			acc += h[k] * hist[k];
		rx[i] = (int16_t)lrintf(acc + (float)((s >> 8) & 7) - 3.5f);
	}
}

static double bench_ours(int taps)
{
	struct gw_echo *ec;
	double best = 1e30;

	make_signal();
	if (gw_echo_alloc(&ec, taps) < 0)
		return -1.0;
	for (int r = 0; r <= RUNS; r++) {
		double t0 = gw_bench_now_ns(), dt;

		for (int i = 0; i < N; i += BLOCK)
			gw_echo_process(ec, rx + i, tx + i, out + i, BLOCK);
		dt = gw_bench_now_ns() - t0;
		if (r > 0 && dt < best)
			best = dt;
	}
	gw_echo_free(ec);
	return best / N;
}

static double bench_ours_256(void)
{
	return bench_ours(256);
}

static double bench_ours_512(void)
{
	return bench_ours(512);
}

static double bench_ours_1024(void)
{
	return bench_ours(1024);
}

static double bench_spandsp_1024(void)
{
	echo_can_state_t *ec;
	double best = 1e30;
	int devnull, saved;

	make_signal();
	ec = echo_can_init(1024, ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_NLP |
					 ECHO_CAN_USE_CNG |
					 ECHO_CAN_USE_TX_HPF |
					 ECHO_CAN_USE_RX_HPF);
	if (!ec)
		return -1.0;
	fflush(stdout);
	devnull = open("/dev/null", O_WRONLY);
	saved = dup(1);
	if (devnull < 0 || saved < 0 || dup2(devnull, 1) < 0) {
		echo_can_free(ec);
		return -1.0;
	}
	for (int r = 0; r <= RUNS; r++) {
		double t0 = gw_bench_now_ns(), dt;

		for (int i = 0; i < N; i++)
			out[i] = echo_can_update(ec, tx[i], rx[i]);
		dt = gw_bench_now_ns() - t0;
		if (r > 0 && dt < best)
			best = dt;
	}
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(devnull);
	echo_can_free(ec);
	return best / N;
}

const struct gw_bench_case gw_bench_cases_echo[] = {
	{ "echo_gw_256", "dsp/echo, 256 taps (32 ms), adapting",
	  bench_ours_256 },
	{ "echo_gw_512", "dsp/echo, 512 taps (64 ms), adapting",
	  bench_ours_512 },
	{ "echo_gw_1024", "dsp/echo, 1024 taps (128 ms), adapting",
	  bench_ours_1024 },
	{ "echo_spandsp_1024",
	  "spandsp echo_can_update, 1024 taps, stdout -> /dev/null",
	  bench_spandsp_1024 },
	{ NULL, NULL, NULL },
};
