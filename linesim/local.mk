# SPDX-License-Identifier: GPL-2.0-or-later
bin_PROGRAMS += copperline-linesim
copperline_linesim_SOURCES = linesim/main.c
copperline_linesim_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS) $(SNDFILE_CFLAGS)
copperline_linesim_LDADD = libgwdsp.la $(SPANDSP_LIBS) $(SNDFILE_LIBS) -lm
