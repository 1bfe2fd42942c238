// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_codec: cost per 8 kHz line sample of each codec's encode and
 * decode (dsp/codec, 20 ms packets, defaults: Opus complexity 5), PLC on
 * good frames and fill-in (dsp/plc), and dsp/level's precomputed gain and
 * running level meter. Signal: 2 s of a 3-tone mix at -15 dBm0 with white
 * noise; best of 5 runs.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/codec.h"
#include "dsp/level.h"
#include "dsp/plc.h"
#include "tests/bench/bench.h"

#define RATE	8000
#define SAMPLES (2 * RATE)
#define FRAME	160
#define FRAMES	(SAMPLES / FRAME)
#define RUNS	5

static int16_t sig[SAMPLES], out[SAMPLES];
static uint8_t pkts[FRAMES][4000];
static int lens[FRAMES];

static void make_signal(void)
{
	awgn_state_t *g = awgn_init_dbm0(NULL, 7, -40.0f);

	for (int i = 0; i < SAMPLES; i++) {
		double v = 2000 * sin(2 * M_PI * 300 * i / RATE) +
			   3000 * sin(2 * M_PI * 1100 * i / RATE) +
			   1500 * sin(2 * M_PI * 2700 * i / RATE) + awgn(g);

		sig[i] = (int16_t)lrint(v);
	}
	awgn_free(g);
}

static double codec_run(enum gw_codec_id id, int wideband, int decode)
{
	struct gw_codec_options opt = {.wideband = wideband != 0};
	struct gw_codec *c;
	double best = 1e300;

	make_signal();
	if (gw_codec_alloc(&c, id, 20, &opt))
		return -1;
	for (int r = 0; r < RUNS; r++) {
		double t0, t;

		if (decode) {
			for (int f = 0; f < FRAMES; f++)
				lens[f] = gw_codec_encode(c, sig + f * FRAME,
							  FRAME, pkts[f], 4000);
			t0 = gw_bench_now_ns();
			for (int f = 0; f < FRAMES; f++)
				if (gw_codec_decode(c, pkts[f], (size_t)lens[f],
						    out + f * FRAME,
						    FRAME) != FRAME)
					goto fail;
		} else {
			t0 = gw_bench_now_ns();
			for (int f = 0; f < FRAMES; f++)
				if (gw_codec_encode(c, sig + f * FRAME, FRAME,
						    pkts[f], 4000) < 0)
					goto fail;
		}
		t = (gw_bench_now_ns() - t0) / SAMPLES;
		if (t < best)
			best = t;
	}
	gw_codec_free(c);
	return best;
fail:
	gw_codec_free(c);
	return -1;
}

#define CODEC_BENCH(name, id, wb)                                              \
	static double bench_enc_##name(void)                                   \
	{                                                                      \
		return codec_run(id, wb, 0);                                   \
	}                                                                      \
	static double bench_dec_##name(void)                                   \
	{                                                                      \
		return codec_run(id, wb, 1);                                   \
	}

CODEC_BENCH(pcmu, GW_CODEC_PCMU, 0)
CODEC_BENCH(pcma, GW_CODEC_PCMA, 0)
CODEC_BENCH(g722, GW_CODEC_G722, 0)
CODEC_BENCH(g726, GW_CODEC_G726_32, 0)
CODEC_BENCH(opus_nb, GW_CODEC_OPUS, 0)
CODEC_BENCH(opus_wb, GW_CODEC_OPUS, 1)
CODEC_BENCH(g729, GW_CODEC_G729, 0)

static double plc_run(int fill)
{
	struct gw_plc *plc;
	double best = 1e300;

	make_signal();
	if (gw_plc_alloc(&plc))
		return -1;
	for (int r = 0; r < RUNS; r++) {
		double t0, t;

		memcpy(out, sig, sizeof(out));
		t0 = gw_bench_now_ns();
		/* fill-in: one lost frame after every good one, so each
		 * fill-in pays the pitch search of a fresh loss */
		for (int f = 0; f < FRAMES; f++) {
			if (fill && (f & 1))
				gw_plc_fillin(plc, out + f * FRAME, FRAME);
			else
				gw_plc_process(plc, out + f * FRAME, FRAME);
		}
		t = (gw_bench_now_ns() - t0) / SAMPLES;
		if (t < best)
			best = t;
	}
	gw_plc_free(plc);
	return best;
}

static double bench_plc_good(void)
{
	return plc_run(0);
}

static double bench_plc_fill(void)
{
	/* half the frames are good: report per concealed sample */
	double both = plc_run(1), good = plc_run(0);

	return both < 0 || good < 0 ? -1 : 2 * both - good;
}

static double bench_gain(void)
{
	struct gw_level_gain g;
	double best = 1e300;

	make_signal();
	if (gw_level_gain_init(&g, -6.5f))
		return -1;
	for (int r = 0; r < RUNS; r++) {
		double t0, t;

		memcpy(out, sig, sizeof(out));
		t0 = gw_bench_now_ns();
		for (int f = 0; f < FRAMES; f++)
			gw_level_gain_process(&g, out + f * FRAME, FRAME);
		t = (gw_bench_now_ns() - t0) / SAMPLES;
		if (t < best)
			best = t;
	}
	return best;
}

static double bench_meter(void)
{
	struct gw_level_meter m;
	double best = 1e300;

	make_signal();
	if (gw_level_meter_init(&m, 100))
		return -1;
	for (int r = 0; r < RUNS; r++) {
		double t0, t;

		t0 = gw_bench_now_ns();
		for (int f = 0; f < FRAMES; f++)
			gw_level_meter_process(&m, sig + f * FRAME, FRAME);
		t = (gw_bench_now_ns() - t0) / SAMPLES;
		if (t < best)
			best = t;
	}
	return gw_level_meter_dbm0(&m) > -99 ? best : -1;
}

const struct gw_bench_case gw_bench_cases_codec[] = {
    {"codec PCMU encode", "20 ms", bench_enc_pcmu},
    {"codec PCMU decode", "20 ms", bench_dec_pcmu},
    {"codec PCMA encode", "20 ms", bench_enc_pcma},
    {"codec PCMA decode", "20 ms", bench_dec_pcma},
    {"codec G722 encode", "incl. 8->16 kHz resampler", bench_enc_g722},
    {"codec G722 decode", "incl. 16->8 kHz resampler", bench_dec_g722},
    {"codec G726-32 encode", "spandsp", bench_enc_g726},
    {"codec G726-32 decode", "spandsp", bench_dec_g726},
    {"codec opus nb encode", "8 kHz, 16 kbit/s, cx 5", bench_enc_opus_nb},
    {"codec opus nb decode", "8 kHz", bench_dec_opus_nb},
    {"codec opus wb encode", "16 kHz + resampler, 24 kbit/s, cx 5",
     bench_enc_opus_wb},
    {"codec opus wb decode", "16 kHz + resampler", bench_dec_opus_wb},
    {"codec G729 encode", "bcg729 (Annex A)", bench_enc_g729},
    {"codec G729 decode", "bcg729 (Annex A)", bench_dec_g729},
    {"plc good frames", "spandsp plc_rx", bench_plc_good},
    {"plc fill-in", "per concealed sample, 20 ms losses", bench_plc_fill},
    {"level gain", "-6.5 dB, Q-format", bench_gain},
    {"level meter", "tau 100 ms, 160-sample blocks", bench_meter},
    {NULL, NULL, NULL},
};
