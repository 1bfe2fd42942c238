/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf: the configuration file (/etc/copperline/copperline.conf), parsed
 * with libconfig into plain structs the rest of the gateway reads.
 *
 * Format (libconfig syntax; see etc/copperline.conf for the commented
 * reference):
 *
 *   general = { control_socket = "/run/copperline/copperctl.sock";
 *               log_level = "info";     # error|warning|notice|info|debug
 *               log_levels = { sip = "debug"; call = "notice"; };
 *               zone = "us"; };                  # tones: us uk de fr it ...
 *   card = { driver = "sim"; device = "/run/copperline/linesim.card";
 *            media_threads = 0; };             # 0: automatic, else 1..16
 *   sip = { listen = "127.0.0.1:5060";           # UDP, one address
 *           rtp_ports = "20000-20999";
 *           trusted = [ "127.0.0.1", "192.0.2.0/24" ]; };
 *   ports = ( { name = "fxs1"; channel = 1; type = "fxs"; extension = "201";
 *               digit_timeout_ms = 3000; first_digit_timeout_ms = 15000;
 *               echo_canceller = true; echo_tail_ms = 64; zone = "uk"; },
 *             { name = "fxo1"; channel = 3; type = "fxo";
 *               target = "sip:100@127.0.0.1:5070";
 *               dialtone_timeout_ms = 3000; answer_rings = 1; } );
 *   routes = ( { from = "sip"; prefix = "9"; strip = 1; to = "fxo"; },
 *              { from = "sip"; prefix = "2"; to = "fxs"; },
 *              { from = "fxs"; prefix = ""; prepend = "";
 *                to = "sip:${number}@127.0.0.1:5070"; } );
 *
 * Every error names the file, the line and the key:
 *   "demo.conf:14: ports.[1].channel: channel 3 is already used by port fxo1"
 * Unknown keys are errors too (a typo must not silently change behaviour).
 * KEY is a dotted path with 0-based list indexes ("sip.trusted.[2]"),
 * "syntax" for libconfig's own errors and "file" when the file cannot be
 * read. LINE is that of the offending setting; for a missing required key,
 * that of the enclosing group; 0 when there is none (missing `card`,
 * unreadable file).
 *
 * Required: card.driver; each port's name, channel, type; each route's
 * from (any, sip, fxs, fxo, disa) and to. An FXO target "disa:NAME" names
 * an entry of the root list `disa` (gateway/disa.h). fxs-only keys (extension, *digit_timeout_ms) on an fxo port
 * and fxo-only keys (target, dialtone_timeout_ms, answer_rings) on an fxs
 * port are errors. Timeouts are 500..60000 ms, answer_rings 1..20,
 * strip 0..63. Port names are [A-Za-z0-9_.-]; FXS extensions are unique.
 * Trusted entries are ADDR or ADDR/LEN with no host bits set.
 * `@include "file"` is relative to the including file's folder (libconfig
 * 1.5 then cannot open an absolute @include path).
 *
 * Secure defaults: with no `trusted` list no SIP source is trusted, so no
 * INVITE is accepted.
 */
#ifndef GW_CONF_H
#define GW_CONF_H

/* card.media_threads: at most (gateway/media.h GW_MEDIA_MAX_THREADS) */
#define GW_CONF_MAX_THREADS 16

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define GW_CONF_MAX_PORTS 256 /* hw/hw.h GW_HW_MAX_CHANS */
#define GW_CONF_MAX_ROUTES 64
#define GW_CONF_MAX_TRUSTED 32
#define GW_CONF_MAX_LOG_LEVELS 32 /* general.log_levels entries */

/* general.log_levels: one subsystem's level (gateway/log.h). */
struct gw_conf_log_level {
	char subsys[16];
	int level; /* enum gw_log_level */
};
#define GW_CONF_ZONE_LEN 16

enum gw_conf_port_type {
	GW_CONF_PORT_FXS = 1, /* values equal enum gw_hw_chan_type */
	GW_CONF_PORT_FXO = 2,
};

/* Caller-ID standard and start method of a port (key `callerid`). */
enum gw_conf_callerid {
	GW_CONF_CID_NONE = 0,
	GW_CONF_CID_BELL,      /* Bell 202 MDMF, between ring 1 and 2 */
	GW_CONF_CID_BELL_SDMF, /* Bell 202 SDMF, between ring 1 and 2 */
	GW_CONF_CID_ETSI,      /* ETSI V.23, after the first ring */
	GW_CONF_CID_ETSI_DTAS, /* ETSI V.23, DT-AS, before the first ring */
	GW_CONF_CID_ETSI_RP,   /* ETSI V.23, ring pulse, before the ring */
	GW_CONF_CID_ETSI_LR,   /* ETSI V.23, line reversal + DT-AS, before */
	GW_CONF_CID_JCLIP,     /* NTT JCLIP, V.23, before the first ring */
	GW_CONF_CID_DTMF,      /* DTMF A..C, before the first ring */
	GW_CONF_CID_DTMF_HASH, /* DTMF A..#, before the first ring */
	GW_CONF_CID_COUNT
};

/* Config names of enum gw_conf_callerid, indexed by it. */
extern const char *const gw_conf_callerid_names[];

/*
 * FXO answer and disconnect supervision (gateway/supervise.h), keys of
 * FXO ports: answer_supervision, answer_energy_ms, supervision_energy_dbm0,
 * disconnect_loop_drop_ms, disconnect_polarity, disconnect_tones,
 * disconnect_tone_repeat, disconnect_silence_s, max_call_duration_s.
 */
enum gw_conf_answer_sup {
	GW_CONF_ANSWER_POLARITY = 0, /* battery reversal (default) */
	GW_CONF_ANSWER_ENERGY,	     /* speech or fax energy on the line */
	GW_CONF_ANSWER_IMMEDIATE,    /* as soon as dialling ends */
};

/* disconnect_tones: a set of */
#define GW_CONF_DISC_BUSY (1u << 0)
#define GW_CONF_DISC_REORDER (1u << 1)
#define GW_CONF_DISC_DIALTONE (1u << 2)
#define GW_CONF_DISC_SIT (1u << 3)
#define GW_CONF_DISC_ALL_TONES (GW_CONF_DISC_BUSY | GW_CONF_DISC_REORDER | \
				GW_CONF_DISC_DIALTONE | GW_CONF_DISC_SIT)

struct gw_conf_sup {
	enum gw_conf_answer_sup answer; /* default polarity */
	int answer_energy_ms;	/* energy this long answers, default 500 */
	int energy_dbm0;	/* sound above this level, default -40 */
	int loop_drop_ms;	/* shortest drop that hangs up; 0: off;
				 * default 400 */
	bool polarity;		/* reversal after answer hangs up (true) */
	unsigned int tones;	/* GW_CONF_DISC_*, default all */
	int tone_repeat;	/* cadence cycles heard, 1..10, default 2 */
	int silence_s;		/* no sound either way; 0: off (default) */
	int max_duration_s;	/* 0: off; default 14400 (4 h) */
};

/* FXS signalling (gateway/fxs.h): how the loop start ends a call. */
enum gw_conf_fxs_signalling {
	GW_CONF_FXS_KEWLSTART = 0, /* battery drop on a remote hang-up */
	GW_CONF_FXS_LOOPSTART,	   /* no battery drop */
};

/* FXS: signalling, after-call tones and hotline. */
struct gw_conf_fxs {
	enum gw_conf_fxs_signalling signalling; /* default kewlstart */
	int disconnect_ms; /* kewlstart: battery drop, 100..5000, 600 */
	int reorder_s;	   /* reorder before howler, 0..600, default 30 */
	int howler_s;	   /* howler, then silence, 0..600 (0: none), 60 */
	char hotline[32];  /* dialled on off-hook ("" = none) */
	int hotline_delay_ms; /* 0: at once (no dial tone); else dial tone
			       * and a digit in time cancels: warm line */
	bool call_waiting; /* a SIP call to the port while it is in a call
			    * waits (gateway/cw.h) instead of 486; true */
	bool flash_relay; /* flash = "relay": a hook-flash in a call goes
			   * to the SIP party (gw_call_flash()); false,
			   * "transfer" (default): blind transfer
			   * (gateway/xfer.h) */
};

/*
 * FXO outbound dialling and hook-flash (gateway/fxodial.h): keys
 * dial_mode, pulse_pps, pulse_break_pct, pulse_interdigit_ms, flash_ms.
 */
enum gw_conf_dial_mode {
	GW_CONF_DIAL_DTMF = 0, /* default */
	GW_CONF_DIAL_PULSE,    /* loop-disconnect (rotary) pulses */
};

struct gw_conf_fxo_dial {
	enum gw_conf_dial_mode mode;
	int pulse_pps;	     /* 8..20, default 10 */
	int break_pct;	     /* 50..80, default by zone: us 61, uk 67, 60 */
	int interdigit_ms;   /* 100..2000, default 700 */
	int flash_ms;	     /* 50..2000, default by zone: us 600, 100 */
};

/* FXS call forwarding (gateway/fwd.h): the port's forward_* keys. */
struct gw_conf_fwd {
	char always[32], busy[32], noanswer[32]; /* "": none */
	int noanswer_s; /* ring this long first, 5..300, default 20 */
};

struct gw_conf_port {
	char name[32];
	int channel; /* 1-based card channel */
	enum gw_conf_port_type type;
	char extension[32]; /* FXS: number that rings this port ("" = none) */
	char target[256];   /* FXO: SIP URI called for incoming line calls
			     * ("" = none: the line is not answered) */
	int digit_timeout_ms;	    /* FXS: inter-digit timeout, default 4000 */
	int first_digit_timeout_ms; /* FXS: default 15000 */
	bool reverse_polarity; /* FXS: battery reversed while a call the
				* phone made is answered (answer signal) */
	int flash_min_ms, flash_max_ms; /* FXS: an on-hook this long is a
					 * hook-flash (default 100..800 ms);
					 * shorter: a dial pulse */
	int dialtone_timeout_ms;    /* FXO: wait for dial tone, default 3000 */
	int answer_rings;	    /* FXO: rings before answering, default 1 */
	bool echo_canceller;	    /* our line echo canceller, default true */
	bool echo_kernel;	    /* echo_canceller = "kernel": the card's
				     * (driver's) canceller, ours off */
	float rx_gain_db, tx_gain_db; /* the card's gains, -24..24, 0 */
	int echo_tail_ms;	    /* its tail, 8..128 ms, default 64 */
	char zone[GW_CONF_ZONE_LEN]; /* tone zone; default general.zone */
	int line;		    /* line of the port's entry in the file */
	/* caller ID and ringing (gateway/cid.h) */
	enum gw_conf_callerid callerid; /* FXS: sent; FXO: expected.
					 * Default FXS bell, FXO none */
	char ring_cadence[16]; /* FXS: the zone's ring cadence ("normal") */
	struct gw_conf_sup sup; /* FXO: answer/disconnect supervision */
	struct gw_conf_fxs fxs; /* FXS: signalling, tones, hotline */
	struct gw_conf_fxo_dial dial; /* FXO: dialling out, hook-flash */
	struct gw_conf_fwd fwd; /* FXS: call forwarding (gateway/fwd.h) */
};

enum gw_conf_route_from {
	GW_ROUTE_FROM_ANY = 0,
	GW_ROUTE_FROM_SIP,
	GW_ROUTE_FROM_FXS,
	GW_ROUTE_FROM_FXO,
	GW_ROUTE_FROM_DISA, /* the number dialled after a DISA PIN */
};

enum gw_conf_route_to {
	GW_ROUTE_TO_FXO = 1, /* an idle FXO port (port_name: that one only) */
	GW_ROUTE_TO_FXS,     /* the FXS port whose extension is the number
			      * (port_name: that one, whatever the number) */
	GW_ROUTE_TO_URI,     /* a SIP URI; ${number} is replaced */
	GW_ROUTE_TO_USER,    /* "user:NAME": every registered contact of a
			      * user of the built-in registrar (fork.h);
			      * uri is "user:NAME" */
	GW_ROUTE_TO_DISA,    /* from sip: DISA (gateway/disa.h) on an idle
			      * FXO line; uri holds "disa:NAME" */
};

/* to = [ ... ]: at most this many targets in one route's list */
#define GW_CONF_MAX_CHAIN 8

struct gw_conf_route {
	enum gw_conf_route_from from;
	char prefix[32];  /* matches numbers starting with it ("" = all) */
	/*
	 * Or the whole number (gateway/route.h): an Asterisk-style pattern
	 * ("_9NXXNXXXXXX", or a plain number), or a PCRE2 regular
	 * expression (compiled at load, anchored at the start; matched to
	 * the end of the number).
	 */
	char pattern[64];
	char regex[128];
	void *regex_code; /* pcre2_code *, owned by the conf */
	/*
	 * Time conditions (all that are set must hold when the call is
	 * routed): days of the week, a time of day (minutes since midnight,
	 * end exclusive, wrapping past midnight when from > to), a date range
	 * (inclusive; MMDD, or YYYYMMDD when years are given), in `timezone`
	 * (an IANA zone) or the system's.
	 */
	char days[32], hours[16], dates[32], timezone[64];
	unsigned day_mask;     /* bit 0 = Sunday .. bit 6; 0: any day */
	int min_from, min_to;  /* -1: any time */
	long date_from, date_to; /* 0: any date */
	bool date_years;
	int strip;	  /* digits removed from the front after matching */
	char prepend[32]; /* then put in front */
	enum gw_conf_route_to to;
	char port_name[32]; /* "fxo:NAME" / "fxs:NAME", else "" */
	char uri[256];	    /* GW_ROUTE_TO_URI */
	bool allow_premium; /* may dial general.blocked_prefixes (guard.h) */
	int trunk;	    /* to = "trunk:NAME": 1 + its index in
			     * conf->trunks (uri is then
			     * sip:${number}@DOMAIN); 0: none */
	/* rewrite, caller ID, reject, hunt group (gateway/routeact.h);
	 * NULL: none */
	struct gw_route_act *act;
	int line;
	/*
	 * to = [ "user:a", "trunk:b", ... ] (sequential hunting, fork.h):
	 * the route's entry holds the first target (chain 0); each further
	 * target is an entry of its own right after it (chain 1, 2, ...; a
	 * copy sharing the route's regex_code and act, which it does not
	 * own), reached only when the one before it fails. chain_next: the
	 * entry after this one is its next target.
	 */
	int chain;
	bool chain_next;
	int ring_timeout_s; /* give up ringing after it, 0: never (5..600) */
};

/* SRTP (SDES keys, RFC 4568) on SIP calls: sip.srtp */
enum gw_conf_srtp {
	GW_CONF_SRTP_OFF = 0,	/* RTP only: SRTP offers get 488 */
	GW_CONF_SRTP_OPTIONAL,	/* answer SRTP offers with SRTP, offer RTP */
	GW_CONF_SRTP_MANDATORY, /* offer SRTP, refuse plain RTP (488) */
};

/* How a phone's hook-flash is relayed to SIP: sip.flash, trunk flash */
enum gw_conf_flash {
	GW_CONF_FLASH_RFC4733 = 0, /* telephone-event 16 (RFC 4733 §3.2) */
	GW_CONF_FLASH_INFO,	   /* SIP INFO application/hook-flash */
};

struct gw_conf_trunk; /* gateway/trunk.h */
struct gw_conf_tp;    /* gateway/transport.h */

struct gw_conf_net {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefix_len;
};

struct gw_conf {
	char path[256];
	/* general */
	char control_socket[108];
	char cdr_db[256];  /* general.cdr_db: SQLite file, "" = no records */
	char cdr_csv[256]; /* general.cdr_csv: CSV file, "" = none */
	char log_level[16];
	struct gw_conf_log_level log_levels[GW_CONF_MAX_LOG_LEVELS];
	int nlog_levels;
	char zone[GW_CONF_ZONE_LEN]; /* tone zone, default "us" (dsp/zone.h) */
	/* card */
	char card_driver[16];
	char card_device[256]; /* "" = the driver's default */
	int media_threads;     /* 0 = automatic (gateway/media.h) */
	/* sip */
	char sip_host[64]; /* literal IPv4/IPv6 address */
	int sip_port;
	int rtp_port_min, rtp_port_max;
	enum gw_conf_srtp srtp; /* default optional */
	enum gw_conf_flash flash; /* calls not through a trunk: rfc4733 */
	int rtp_dscp; /* DSCP of RTP/RTCP, 0..63, default 46 (EF) */
	int rtp_timeout_s; /* hang up after this long without RTP/RTCP
			    * (0: never), default 30 */
	/* RFC 4028 session interval we ask for (0: off, 90..86400),
	 * default 1800 (gateway/callfeat.h) */
	int session_timer_s;
	/* the smallest session interval accepted (Min-SE), default 90
	 * (RFC 4028 §4); 10..86400, under 90 only for tests */
	int session_min_se_s;
	int te_pt;    /* telephone-event payload type we offer, default 101 */
	int dtmf_lookahead_ms; /* RFC 4733 suppressor look-ahead, 0..100 */
	/* jitter buffer (gateway/jbuf.h): mode, and delays in ms */
	bool jitter_fixed;	/* default adaptive */
	int jitter_delay_ms;	/* fixed delay / adaptive start, default 40 */
	int jitter_min_ms, jitter_max_ms; /* adaptive bounds, 20 / 200 */
	int fwd_header; /* sip.forward_header: enum gw_fwd_header (fwd.h) */
	int codecs[8]; /* enum gw_codec_id, our order of preference */
	int ncodecs;   /* default PCMU, PCMA, G722, opus */
	struct gw_conf_net trusted[GW_CONF_MAX_TRUSTED];
	int ntrusted;
	/* users, rate limit, bans, blocked prefixes (gateway/guard.h) */
	struct gw_conf_sec *sec;
	/* TCP, TLS, external address, keep-alives (gateway/transport.h);
	 * NULL: the defaults */
	struct gw_conf_tp *tp;
	/* ports and routes */
	struct gw_conf_port ports[GW_CONF_MAX_PORTS];
	int nports;
	struct gw_conf_route routes[GW_CONF_MAX_ROUTES];
	int nroutes;
	/* SIP trunks (gateway/trunk.h): an array owned by the conf; the
	 * ports' accounts follow the trunks in it */
	struct gw_conf_trunk *trunks;
	int ntrunks;
	int naccounts;
	/* hunt groups (gateway/routeact.h): an array owned by the conf */
	struct gw_route_group *groups;
	int ngroups;
	/* DISA entries (gateway/disa.h): an array owned by the conf */
	struct gw_conf_disa *disa;
	int ndisa;
};

/*
 * Load and validate `path`. On error returns a negative errno and writes a
 * one-line message "FILE:LINE: KEY: what is wrong" into err.
 */
int gw_conf_load(struct gw_conf **ret, const char *path, char *err,
		 size_t errlen);
void gw_conf_free(struct gw_conf *conf);

/* Port by name or by channel; NULL if none. */
const struct gw_conf_port *gw_conf_port_by_name(const struct gw_conf *conf,
						const char *name);
const struct gw_conf_port *gw_conf_port_by_channel(const struct gw_conf *conf,
						   int channel);

/* True if the source address is in the trusted list. */
bool gw_conf_trusted(const struct gw_conf *conf, const struct sockaddr *sa);

#endif
