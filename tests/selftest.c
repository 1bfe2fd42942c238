// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * selftest: copperline's unit tests in one binary.
 *   selftest            run every case
 *   selftest NAME...    run the cases whose name starts with NAME
 *   selftest -l         list the cases
 * Ends with "N passed, N failed"; exits 1 if any case failed.
 */
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

/* Weak, so a developer can link the runner with one test file alone. */
#pragma weak gw_test_cases_dsp
#pragma weak gw_test_cases_conf
#pragma weak gw_test_cases_route
#pragma weak gw_test_cases_cdr
#pragma weak gw_test_cases_media
#pragma weak gw_test_cases_echo
#pragma weak gw_test_cases_zone
#pragma weak gw_test_cases_callerid
#pragma weak gw_test_cases_modem
#pragma weak gw_test_cases_codec
#pragma weak gw_test_cases_dtmf
#pragma weak gw_test_cases_jbuf
#pragma weak gw_test_cases_srtp
#pragma weak gw_test_cases_rtcp

static const struct gw_test_case *const tables[] = {
	gw_test_cases_dsp,
	gw_test_cases_conf,
	gw_test_cases_route,
	gw_test_cases_cdr,
	gw_test_cases_media,
	gw_test_cases_echo,
	gw_test_cases_zone,
	gw_test_cases_callerid,
	gw_test_cases_modem,
	gw_test_cases_codec,
	gw_test_cases_dtmf,
	gw_test_cases_jbuf,
	gw_test_cases_srtp,
	gw_test_cases_rtcp,
};

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strncmp(name, argv[i], strlen(argv[i])) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	int list = argc > 1 && strcmp(argv[1], "-l") == 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		if (!tables[t])
			continue; /* table not linked in (partial build) */
		for (const struct gw_test_case *c = tables[t]; c->name; c++) {
			if (list) {
				printf("%s\n", c->name);
				continue;
			}
			if (!selected(c->name, argc, argv))
				continue;
			int rc = c->fn();
			printf("%s %s\n", rc == 0 ? "PASS" : "FAIL", c->name);
			if (rc == 0)
				passed++;
			else
				failed++;
		}
	}
	if (list)
		return 0;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
