# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LTLIBRARIES += libgwhw.la
libgwhw_la_SOURCES = \
	hw/hw.c hw/hw.h hw/evq.h \
	hw/sim.c hw/simproto.h \
	hw/hookseq.c hw/hookseq.h \
	hw/dahdi.c
