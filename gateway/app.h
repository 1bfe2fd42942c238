/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app: the daemon's object tree, control thread only.
 *
 *   struct gw_app            owns everything below; one per process
 *     conf                   the loaded configuration (read-only)
 *     card, media            the hardware backend and the media thread
 *     lines[]                one per configured port (line.c: FXS/FXO
 *                            state machines); a line points to the call
 *                            it is in, if any
 *     calls                  list of calls (call.c); a call joins a line
 *                            leg and a SIP leg (nua handle) and owns the
 *                            RTP session, which the media thread holds
 *                            between attach and the detach acknowledgement
 *
 * A call is freed when both legs are done and its RTP session is back.
 */
#ifndef GW_APP_H
#define GW_APP_H

#include <stdbool.h>
#include <time.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/su_wait.h>

#include "gateway/callfeat.h"
#include "gateway/cdr.h"
#include "gateway/conf.h"
#include "gateway/cw.h"
#include "gateway/disa.h"
#include "gateway/fxodial.h"
#include "gateway/fxs.h"
#include "gateway/media.h"
#include "gateway/routeact.h"
#include "gateway/sdp.h"
#include "gateway/srtp.h"
#include "gateway/supervise.h"
#include "gateway/xfer.h"
#include "hw/hw.h"

enum gw_line_state {
	GW_LINE_IDLE = 0,
	GW_LINE_ALARM,	      /* the card reports the port unusable */
	/* FXS: a phone behind the port */
	GW_LINE_FXS_DIALTONE, /* off-hook, dial tone, no digit yet */
	GW_LINE_FXS_DIGITS,   /* collecting digits */
	GW_LINE_FXS_CALLING,  /* INVITE sent, waiting for answer */
	GW_LINE_FXS_RINGING,  /* ringing the phone for a SIP call */
	GW_LINE_FXS_TALKING,  /* connected */
	GW_LINE_FXS_DISCONNECTED, /* call over, phone still off-hook */
	/* FXO: a CO line behind the port */
	GW_LINE_FXO_SEIZED,   /* off-hook, waiting for dial tone */
	GW_LINE_FXO_DIALLING, /* sending DTMF */
	GW_LINE_FXO_EARLY,    /* dialled, far end not answered yet */
	GW_LINE_FXO_TALKING,  /* connected (outgoing or incoming) */
	GW_LINE_FXO_RINGING,  /* the CO rings us; SIP call in progress */
	GW_LINE_FXO_IGNORING, /* ringing we will not answer: wait for end */
	GW_LINE_FXO_DISA,     /* answered for DISA: PIN, number (disa.h) */
};

struct gw_app;
struct gw_call;
struct gw_fork;
struct gw_trunk;

struct gw_line {
	struct gw_app *app;
	const struct gw_conf_port *conf;
	int chan;
	enum gw_conf_port_type type;
	enum gw_line_state state;
	su_timer_t *timer;
	char digits[64];
	int ndigits;
	int rings;
	bool offhook;  /* FXS: the phone is off-hook */
	bool reversed; /* FXS: battery reversed (reverse_polarity) */
	bool answered; /* FXO: far end answered while we were dialling */
	struct gw_call *call;
	struct gw_line_cid *cid; /* cid.c: caller ID and ringing */
	struct gw_sup sup; /* FXO: answer/disconnect supervision */
	struct gw_fxodial fxodial; /* FXO: pulse dialling, flash, guard */
	struct gw_fxs fxs; /* FXS: after-call tones, message waiting */
	struct gw_cw cw; /* FXS: call waiting (gateway/cw.h) */
	struct gw_xfer_line xfer; /* FXS: blind transfer (gateway/xfer.h) */
	struct gw_disa_line disa; /* FXO: DISA (gateway/disa.h) */
};

enum gw_call_dir {
	GW_CALL_SIP_TO_FXO = 1,
	GW_CALL_SIP_TO_FXS,
	GW_CALL_FXS_TO_SIP,
	GW_CALL_FXO_TO_SIP,
	GW_CALL_SIP_TO_SIP, /* a forwarded call's new leg (gateway/fwd.h) */
};

struct gw_call {
	struct gw_app *app;
	struct gw_call *next;
	unsigned id;
	enum gw_call_dir dir;
	struct gw_line *line; /* NULL once the line leg is released */
	nua_handle_t *nh;     /* NULL once the SIP leg is terminated */
	bool sip_answered;    /* 200 OK sent or received */
	bool sip_ending;      /* BYE/CANCEL/final error sent */
	struct gw_rtp_session *rtp;
	bool rtp_attached; /* held by the media thread (until EV_DETACHED) */
	bool detach_sent;
	struct gw_sdp_audio remote;
	bool have_remote;
	uint64_t sdp_version;
	/* SRTP: our offered keys (one per suite), or the answer's line */
	bool srtp_offer;   /* we offered RTP/SAVP */
	bool srtp_on;	   /* keys are in the RTP session */
	enum gw_srtp_suite srtp_suite; /* the suite, once srtp_on */
	struct gw_srtp_crypto srtp_mine[GW_SRTP_SUITE_COUNT];
	char srtp_answer[GW_SDP_CRYPTO_LEN]; /* our a=crypto in answers */
	/* the keys in use once srtp_on: ours (with its tag), the peer's */
	struct gw_srtp_crypto srtp_local, srtp_remote;
	bool vbd;	       /* fax/modem: the call is voice-band data */
	bool reinvite_pending; /* our re-INVITE awaits its final answer */
	/* hold (RFC 3264 §8.4): our direction, set by the peer's offers */
	enum gw_sdp_dir sdp_dir;
	bool held; /* the peer's last offer was sendonly or inactive */
	char number[64]; /* dialled number after routing */
	char port_name[32]; /* the port the call took, for the record */
	char caller[64]; /* the calling number (SIP From user, caller ID,
			  * the phone's extension) */
	/* for the CDR: how it ended, and its media figures */
	int end_status;	     /* SIP status of the end, 0 if none */
	char end_reason[64]; /* the first reason given */
	bool cancelled;	     /* the caller gave up before an answer */
	bool have_quality;
	double q_loss_pct, q_jitter_ms, q_mos;
	char peer[512];	 /* SIP URI of the other side */
	char callid[128];
	time_t start, answer;
	/* the trunk the INVITE went through (trunk.c), NULL: none */
	struct gw_trunk *trunk;
	int trunk_auths; /* challenges answered with its credentials */
	/* the trunk (or port account) an INVITE came from: max_calls */
	struct gw_trunk *trunk_in;
	struct gw_cw_call cw; /* call waiting: held by us (gateway/cw.h) */
	/* our Contact when the call is on TLS, "" otherwise (transport.h) */
	char contact[128];
	/* our address of the IP family the call's SIP uses (RTP bind,
	 * SDP; gw_transport_local_host); "" until the RTP is opened */
	char local_host[64];
	struct gw_callfeat_call cf; /* session timer (gateway/callfeat.h) */
	struct gw_route_try rtry; /* failover (gateway/routeact.h) */
	struct gw_fork *fork; /* INVITEs to a user's contacts (fork.h) */
	struct gw_fwd_call *fwd; /* forwarding (gateway/fwd.h), NULL: none */
	struct gw_xfer_call xf; /* transfer (gateway/xfer.h) */
};

struct gw_app {
	struct gw_conf *conf;
	su_root_t *root;
	nua_t *nua;
	const struct gw_hw_ops *hw;
	struct gw_hw_card *card;
	struct gw_media *media;
	struct gw_line lines[GW_CONF_MAX_PORTS];
	int nlines;
	struct gw_call *calls;
	unsigned next_call_id;
	struct gw_guard *guard; /* rate limits, bans (gateway/guard.h) */
	struct gw_auth *auth;	/* digest authentication (gateway/auth.h) */
	struct gw_registrar *registrar; /* sip.registrar (registrar.h) */
	struct gw_cdr *cdr; /* NULL: no call records */
	unsigned calls_total;
	time_t started;
	struct gw_trunk *trunks; /* trunk.c: one per conf->trunks[] */
	struct gw_fork *forks; /* branch handles (gateway/fork.h) */
};

/* Send a command to the media thread; logs if the ring is full. */
void gw_app_media_cmd(struct gw_app *app, const struct gw_media_cmd *cmd);

#endif
