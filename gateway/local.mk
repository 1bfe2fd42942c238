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
	gateway/notify.c gateway/notify.h \
	gateway/reload.c gateway/reload.h \
	gateway/auth.c gateway/auth.h \
	gateway/registrar.c gateway/registrar.h \
	gateway/fork.c gateway/fork.h \
	gateway/guard.c gateway/guard.h \
	gateway/trunk.c gateway/trunk.h \
	gateway/sipdns.c gateway/sipdns.h \
	gateway/mwi.c gateway/mwi.h \
	gateway/fxs.h gateway/conf_int.h \
	gateway/cardport.c gateway/cardport.h \
	gateway/fxodial.c gateway/fxodial.h \
	gateway/disa.c gateway/disa.h gateway/disaconf.c \
	gateway/transport.c gateway/transport.h \
	gateway/cw.c gateway/cw.h \
	gateway/xfer.c gateway/xfer.h \
	gateway/cwseq.c gateway/cwseq.h \
	gateway/ctlcmd.c gateway/ctlcmd.h \
	gateway/callfeat.c gateway/callfeat.h \
	gateway/routeact.c gateway/routeact.h \
	gateway/fwd.c gateway/fwd.h gateway/fwdcall.c \
	gateway/app.h
libgwcore_la_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(SPANDSP_CFLAGS) $(SRTP_CFLAGS) $(NETTLE_CFLAGS) $(LIBCONFIG_CFLAGS) $(PCRE2_CFLAGS) $(SQLITE_CFLAGS) $(SYSTEMD_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)

GW_LIBS = libgwcore.la libgwhw.la libgwdsp.la \
	$(SOFIA_LIBS) $(SPANDSP_LIBS) $(SRTP_LIBS) $(NETTLE_LIBS) $(LIBCONFIG_LIBS) $(PCRE2_LIBS) $(SQLITE_LIBS) $(SYSTEMD_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS) -lm

sbin_PROGRAMS += copperline
copperline_SOURCES = gateway/main.c
copperline_CFLAGS = $(libgwcore_la_CFLAGS)
copperline_LDADD = $(GW_LIBS)

bin_PROGRAMS += copperctl
copperctl_SOURCES = gateway/copperctl.c
copperctl_CFLAGS = $(AM_CFLAGS) $(LIBEDIT_CFLAGS)
copperctl_LDADD = $(LIBEDIT_LIBS)
