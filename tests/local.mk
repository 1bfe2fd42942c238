# SPDX-License-Identifier: GPL-2.0-or-later
check_PROGRAMS += tests/selftest
tests_selftest_SOURCES = \
	tests/selftest.c tests/test.h \
	tests/test_dsp.c \
	tests/test_conf.c \
	tests/test_route.c \
	tests/test_media.c
tests_selftest_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS) $(SOFIA_CFLAGS) $(LIBCONFIG_CFLAGS)
tests_selftest_LDADD = libgwcore.la libgwhw.la libgwdsp.la \
	$(SOFIA_LIBS) $(SPANDSP_LIBS) $(SRTP_LIBS) $(LIBCONFIG_LIBS) -lm
TESTS += tests/selftest
EXTRA_DIST += tests/integration tests/data
AM_TESTS_ENVIRONMENT = GW_SRCDIR='$(abs_top_srcdir)'; export GW_SRCDIR;
