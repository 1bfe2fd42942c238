/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test: the unit-test case table and assertion macros of the selftest
 * binary. Each tests/test_*.c file exports one table of cases ending with
 * an entry whose name is NULL; tests/selftest.c lists the tables.
 * A case returns 0 on success; the macros print file:line and return -1.
 */
#ifndef GW_TEST_H
#define GW_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

struct gw_test_case {
	const char *name;
	int (*fn)(void);
};

#define TEST_FAIL(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		return -1;                                                     \
	} while (0)

#define TEST_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			TEST_FAIL("assertion failed: %s", #cond);              \
	} while (0)

#define TEST_EQ_INT(a, b)                                                      \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_)                                                  \
			TEST_FAIL("%s == %lld, expected %s == %lld", #a, a_,   \
				  #b, b_);                                     \
	} while (0)

#define TEST_EQ_STR(a, b)                                                      \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                         \
			TEST_FAIL("%s == \"%s\", expected \"%s\"", #a,         \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");     \
	} while (0)

#define TEST_NEAR(a, b, tol)                                                   \
	do {                                                                   \
		double a_ = (a), b_ = (b);                                     \
		if (!(fabs(a_ - b_) <= (tol)))                                 \
			TEST_FAIL("%s == %g, expected %g +- %g", #a, a_, b_,   \
				  (double)(tol));                              \
	} while (0)

extern const struct gw_test_case gw_test_cases_dsp[];
extern const struct gw_test_case gw_test_cases_conf[];
extern const struct gw_test_case gw_test_cases_route[];
extern const struct gw_test_case gw_test_cases_cdr[];
extern const struct gw_test_case gw_test_cases_media[];
extern const struct gw_test_case gw_test_cases_echo[];
extern const struct gw_test_case gw_test_cases_zone[];
extern const struct gw_test_case gw_test_cases_callerid[];
extern const struct gw_test_case gw_test_cases_modem[];
extern const struct gw_test_case gw_test_cases_codec[];
extern const struct gw_test_case gw_test_cases_dtmf[];
extern const struct gw_test_case gw_test_cases_jbuf[];
extern const struct gw_test_case gw_test_cases_srtp[];
extern const struct gw_test_case gw_test_cases_rtcp[];

#endif
