// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench: prints the cost of each DSP block in ns per sample (8 kHz line
 * samples), one line per case, as a table.
 *   bench [NAME...]   run the cases whose name starts with one of NAME
 */
#include <stdio.h>
#include <string.h>

#include "tests/bench/bench.h"

#pragma weak gw_bench_cases_echo
#pragma weak gw_bench_cases_zone
#pragma weak gw_bench_cases_callerid
#pragma weak gw_bench_cases_modem
#pragma weak gw_bench_cases_codec
#pragma weak gw_bench_cases_dtmf

static const struct gw_bench_case *const tables[] = {
	gw_bench_cases_echo,  gw_bench_cases_zone,  gw_bench_cases_callerid,
	gw_bench_cases_modem, gw_bench_cases_codec,  gw_bench_cases_dtmf,
};

int main(int argc, char **argv)
{
	int failed = 0;

	printf("%-36s %12s  %s\n", "block", "ns/sample", "note");
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		if (!tables[t])
			continue;
		for (const struct gw_bench_case *c = tables[t]; c->name; c++) {
			int sel = argc < 2;
			for (int i = 1; i < argc; i++)
				if (strncmp(c->name, argv[i], strlen(argv[i])) == 0)
					sel = 1;
			if (!sel)
				continue;
			double ns = c->fn();
			if (ns < 0) {
				printf("%-36s %12s  %s\n", c->name, "FAILED",
				       c->note ? c->note : "");
				failed++;
				continue;
			}
			printf("%-36s %12.1f  %s\n", c->name, ns,
			       c->note ? c->note : "");
			fflush(stdout);
		}
	}
	return failed ? 1 : 0;
}
