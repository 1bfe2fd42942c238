# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LTLIBRARIES += libgwdsp.la
libgwdsp_la_SOURCES = \
	dsp/g711.c dsp/g711.h \
	dsp/dtmf.c dsp/dtmf.h \
	dsp/tone.c dsp/tone.h \
	dsp/progress.c dsp/progress.h \
	dsp/level.c dsp/level.h \
	dsp/modem.c dsp/modem.h \
	dsp/plc.c dsp/plc.h \
	dsp/codec.c dsp/codec.h \
	dsp/callerid.c dsp/callerid.h \
	dsp/zone.c dsp/zone.h \
	dsp/echo.c dsp/echo.h
libgwdsp_la_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS) $(FFTW_CFLAGS) $(OPUS_CFLAGS) $(BCG729_CFLAGS)
libgwdsp_la_LIBADD = $(SPANDSP_LIBS) $(FFTW_LIBS) $(OPUS_LIBS) $(BCG729_LIBS) -lm
