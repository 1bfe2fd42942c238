# SPDX-License-Identifier: GPL-2.0-or-later
check_PROGRAMS += tests/selftest
tests_selftest_SOURCES = \
	tests/selftest.c tests/test.h \
	tests/testsig.c tests/testsig.h \
	tests/test_dsp.c \
	tests/test_conf.c \
	tests/test_route.c \
	tests/test_cdr.c \
	tests/test_media.c \
	tests/test_modem.c \
	tests/test_codec.c \
	tests/test_callerid.c \
	tests/test_dtmfq24.c \
	tests/test_zone.c \
	tests/test_echo.c \
	tests/test_jbuf.c tests/netimpair.c tests/netimpair.h \
	tests/test_rtcp.c \
	tests/test_srtp.c
tests_selftest_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(SPANDSP_CFLAGS) $(SOFIA_CFLAGS) $(SRTP_CFLAGS) $(LIBCONFIG_CFLAGS) $(PCRE2_CFLAGS) $(SQLITE_CFLAGS) \
	$(OPUS_CFLAGS) $(BCG729_CFLAGS)
tests_selftest_LDADD = libgwcore.la libgwhw.la libgwdsp.la \
	$(SOFIA_LIBS) $(SPANDSP_LIBS) $(SRTP_LIBS) $(NETTLE_LIBS) $(LIBCONFIG_LIBS) $(PCRE2_LIBS) $(SQLITE_LIBS) $(SYSTEMD_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS) \
	$(OPUS_LIBS) $(BCG729_LIBS) -lm

# The DSP benchmark (ns/sample per block): built with the tests, run by
# hand or by ./dev.sh bench; it prints figures, it does not judge them.
check_PROGRAMS += tests/bench/bench
tests_bench_bench_SOURCES = \
	tests/bench/bench.c tests/bench/bench.h \
	tests/testsig.c tests/testsig.h \
	tests/bench/bench_modem.c \
	tests/bench/bench_codec.c \
	tests/bench/bench_callerid.c \
	tests/bench/bench_dtmf.c \
	tests/bench/bench_zone.c \
	tests/bench/bench_echo.c
tests_bench_bench_CFLAGS = $(AM_CFLAGS) -O2 $(SPANDSP_CFLAGS) $(OPUS_CFLAGS) $(BCG729_CFLAGS)
tests_bench_bench_LDADD = libgwdsp.la $(SPANDSP_LIBS) $(OPUS_LIBS) $(BCG729_LIBS) -lm
# The media engine benchmark (CPU, tick lateness, delay for 30/120/240
# channels on an in-process card): run by hand or by ./dev.sh bench.
check_PROGRAMS += tests/bench/mediabench
tests_bench_mediabench_SOURCES = \
	tests/bench/mediabench.c \
	tests/bench/benchcard.c tests/bench/benchcard.h
tests_bench_mediabench_CFLAGS = $(AM_CFLAGS) -O2 $(SOFIA_CFLAGS) $(SPANDSP_CFLAGS) $(SRTP_CFLAGS)
tests_bench_mediabench_LDADD = libgwcore.la libgwhw.la libgwdsp.la \
	$(SOFIA_LIBS) $(SPANDSP_LIBS) $(SRTP_LIBS) $(NETTLE_LIBS) $(LIBCONFIG_LIBS) $(PCRE2_LIBS) $(SQLITE_LIBS) $(SYSTEMD_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS) \
	$(FFTW_LIBS) $(OPUS_LIBS) $(BCG729_LIBS) -lm -lpthread

# A SIP + RTP (PCMU) fax terminal on spandsp, the far end of the fax
# passthrough tests (tests/integration/test_fax.py).
check_PROGRAMS += tests/faxpeer
tests_faxpeer_SOURCES = tests/faxpeer.c
tests_faxpeer_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(SPANDSP_CFLAGS) $(TIFF_CFLAGS)
tests_faxpeer_LDADD = $(SOFIA_LIBS) $(SPANDSP_LIBS) $(TIFF_LIBS) -lm

TESTS += tests/selftest
EXTRA_DIST += tests/integration tests/data tests/alloccount.c \
	tests/bench/callrate.py tests/package tests/dahdi
AM_TESTS_ENVIRONMENT = GW_SRCDIR='$(abs_top_srcdir)'; export GW_SRCDIR;
