# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LTLIBRARIES += libgwcore.la
libgwcore_la_SOURCES = \
	gateway/log.c gateway/log.h \
	gateway/conf.c gateway/conf.h \
	gateway/route.c gateway/route.h \
	gateway/spsc.h gateway/strbuf.h \
	gateway/rtp.c gateway/rtp.h \
	gateway/jbuf.c gateway/jbuf.h \
	gateway/rtcp.c gateway/rtcp.h \
	gateway/srtp.c gateway/srtp.h \
	gateway/srtp_nettle.c gateway/srtp_nettle.h \
	gateway/media.c gateway/media.h \
	gateway/sdp.c gateway/sdp.h \
	gateway/sip.c gateway/sip.h \
	gateway/line.c gateway/line.h gateway/line_int.h \
	gateway/fxs.c gateway/fxo.c \
	gateway/cid.c gateway/cid.h \
	gateway/supervise.c gateway/supervise.h \
	gateway/cdr.c gateway/cdr.h \
	gateway/call.c gateway/call.h \
	gateway/ctl.c gateway/ctl.h \
	gateway/app.h
libgwcore_la_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(SPANDSP_CFLAGS) $(SRTP_CFLAGS) $(NETTLE_CFLAGS) $(LIBCONFIG_CFLAGS) $(PCRE2_CFLAGS) $(SQLITE_CFLAGS)

GW_LIBS = libgwcore.la libgwhw.la libgwdsp.la \
	$(SOFIA_LIBS) $(SPANDSP_LIBS) $(SRTP_LIBS) $(NETTLE_LIBS) $(LIBCONFIG_LIBS) $(PCRE2_LIBS) $(SQLITE_LIBS) -lm

sbin_PROGRAMS += copperline
copperline_SOURCES = gateway/main.c
copperline_CFLAGS = $(libgwcore_la_CFLAGS)
copperline_LDADD = $(GW_LIBS)

bin_PROGRAMS += copperctl
copperctl_SOURCES = gateway/copperctl.c
