/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench: the DSP benchmark's case table. Each tests/bench/bench_*.c
 * exports one table ending with a NULL name. A case runs its block over a
 * fixed signal and returns the cost in ns per sample (wall clock, best of
 * several runs), or a negative value on failure; `note` may describe the
 * configuration (e.g. "1024 taps").
 */
#ifndef GW_BENCH_H
#define GW_BENCH_H

#include <stdint.h>
#include <time.h>

struct gw_bench_case {
	const char *name;
	const char *note;
	double (*fn)(void);
};

static inline double gw_bench_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

extern const struct gw_bench_case gw_bench_cases_echo[];
extern const struct gw_bench_case gw_bench_cases_zone[];
extern const struct gw_bench_case gw_bench_cases_callerid[];
extern const struct gw_bench_case gw_bench_cases_modem[];
extern const struct gw_bench_case gw_bench_cases_codec[];
extern const struct gw_bench_case gw_bench_cases_dtmf[];

#endif
