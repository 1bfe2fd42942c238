# SPDX-License-Identifier: GPL-2.0-or-later
bin_PROGRAMS += copperline-linesim
copperline_linesim_SOURCES = \
	linesim/main.c linesim/linesim.h \
	linesim/port.c linesim/port.h \
	linesim/card.c linesim/card.h \
	linesim/ctl.c linesim/ctl.h \
	linesim/echo.c linesim/echo.h \
	linesim/phone.c linesim/phone.h \
	linesim/co.c linesim/co.h \
	linesim/audio.c linesim/audio.h \
	linesim/fax.c linesim/fax.h \
	linesim/cid.c linesim/cid.h \
	linesim/far.c linesim/far.h \
	linesim/script.c linesim/script.h \
	linesim/loop.c linesim/loop.h \
	linesim/cw.c linesim/cw.h \
	linesim/fskrx.c linesim/fskrx.h
copperline_linesim_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS) $(SNDFILE_CFLAGS)
copperline_linesim_LDADD = libgwdsp.la $(SPANDSP_LIBS) $(SNDFILE_LIBS) -lm

# example scenario files (copperline-linesim --script)
scenariodir = $(pkgdatadir)/scenarios
dist_scenario_DATA = \
	linesim/scenarios/phone-dialtone.scn \
	linesim/scenarios/line-call-to-sip.scn
