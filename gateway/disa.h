/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * disa: Direct Inward System Access, two-stage dialling with a PIN
 * (control thread; per-line state struct gw_disa_line).
 *
 * A call from the exchange to an FXO port whose target is "disa:NAME"
 * is answered by the gateway, which plays the zone's dial tone and
 * collects a PIN in DTMF. The PIN ends with #, when it reaches the
 * longest PIN's length, or after digit_timeout_ms without a digit (so a
 * PIN shorter than the longest needs its #: when the PIN is complete
 * says nothing about which PINs exist).
 * A wrong PIN: reorder for GW_DISA_ERROR_MS, then dial tone again; after
 * `tries` wrong PINs the gateway hangs up. Each failure writes a
 * security line (fail2ban can match it like guard.h's auth failures):
 *   SECURITY: DISA auth failure on port P caller "N" disa "NAME" (try
 *   I of T)
 * The PIN itself is never logged, nor any digit of it.
 * The right PIN: dial tone again (plain: the zone's second dial tone),
 * the number in DTMF, ended by # or digit_timeout_ms, or as soon as the
 * dial plan is sure (route.h gw_route_collect), then routed with source
 * "disa" (routes from = "disa" or "any") to a SIP URI or trunk; the
 * blocked premium/international prefixes (guard.h) apply unless the route
 * has allow_premium. A number no route takes: reorder for
 * GW_DISA_REJECT_MS, then the line is released. The call is one call
 * (fxo-to-sip) from the answer on: copperctl shows it in state "disa"
 * until the destination answers; its record (cdr.h) has the final
 * number and URI.
 *
 * From SIP, a route to = "disa:NAME" (from = "sip" only) answers the
 * INVITE on an idle FXO line (503 if none) and does the same with the
 * caller's RFC 4733 or in-band digits; the number must route from
 * "disa" to an FXO port (fxo, fxo:NAME of that line), which is then
 * seized and dialled (PSTN dial-out); a wrong PIN also counts as an
 * authentication failure of the SIP source (gateway/guard.h bans).
 *
 * Configuration (root list `disa`):
 *   disa = ( { name = "office"; pins = [ "4711", "080015" ];
 *              # or pin_file = "disa.pins";  (one PIN a line; the file
 *              # must not be readable or writable by others)
 *              tries = 3; digit_timeout_ms = 5000; } );
 * PINs are 4 to 16 of 0-9 * (no #: it ends the PIN); there is no
 * default PIN, and an entry without any is an error.
 */
#ifndef GW_DISA_H
#define GW_DISA_H

#include <stdbool.h>
#include <sys/socket.h>

#define GW_DISA_MAX 16	      /* entries in the `disa` list */
#define GW_DISA_MAX_PINS 64   /* PINs per entry */
#define GW_DISA_PIN_MIN 4
#define GW_DISA_PIN_MAX 16
#define GW_DISA_ERROR_MS 1500  /* reorder after a wrong PIN */
#define GW_DISA_REJECT_MS 3000 /* reorder for a number not allowed */

struct gw_conf;
struct gw_conf_ctx;
struct gw_line;

struct gw_conf_disa {
	char name[32];
	char pins[GW_DISA_MAX_PINS][GW_DISA_PIN_MAX + 1];
	int npins;
	int tries;	      /* 1..10, default 3 */
	int digit_timeout_ms; /* 1000..60000, default 5000 */
	int line;
};

enum gw_disa_phase {
	GW_DISA_NONE = 0,
	GW_DISA_PIN,	 /* dial tone, collecting the PIN */
	GW_DISA_ERROR,	 /* reorder after a wrong PIN */
	GW_DISA_NUMBER,	 /* second dial tone, collecting the number */
	GW_DISA_REJECT,	 /* reorder: the number is not allowed */
	GW_DISA_CALLING, /* INVITE sent for the number */
};

/* Per FXO line (struct gw_line member `disa`). */
struct gw_disa_line {
	enum gw_disa_phase phase;
	char name[32];	 /* the entry, looked up again on each use */
	char buf[64];	 /* the PIN or number so far */
	int n;
	int fails;
	bool sip; /* a SIP caller (route to = "disa:NAME") */
	struct sockaddr_storage src; /* its address, for guard.h bans */
};

/* Config (conf.c): the root list `disa`, and freeing it. */
int gw_disa_conf_load(struct gw_conf_ctx *c, const void *root);
void gw_disa_conf_free(struct gw_conf *conf);
const struct gw_conf_disa *gw_disa_conf_find(const struct gw_conf *conf,
					     const char *name);
/* A port target "disa:NAME": NAME, or NULL if the target is not one. */
const char *gw_disa_target(const char *target);

/* fxo.c/call.c: the exchange's call reached the port's DISA target. */
void gw_disa_start(struct gw_line *l, const char *name);
/*
 * call.c: a SIP call answered for DISA on the idle FXO line l (still
 * on-hook; the call's RTP session attached to it): the media thread
 * plays the tones to RTP and reports the caller's digits (media.h
 * GW_MEDIA_CMD_DISA). src: the INVITE's source; each wrong PIN is an
 * authentication failure of it (guard.h: it counts toward a ban). The
 * number is routed from "disa" to the PSTN: the line is then seized and
 * dialled as for a SIP call to "fxo".
 */
void gw_disa_start_sip(struct gw_line *l, const char *name,
		       const struct sockaddr *src, socklen_t srclen);
/* The line is in DISA (any phase before the destination answered). */
bool gw_disa_active(const struct gw_line *l);
/* A DTMF digit heard on the line. */
void gw_disa_digit(struct gw_line *l, char d);
/* The line's timer fired in state GW_LINE_FXO_DISA. */
void gw_disa_timer(struct gw_line *l);
/* A line event in DISA: the caller's hang-up. True if handled. */
bool gw_disa_line_event(struct gw_line *l, int hw_event);
/* The destination rang (180) or answered (200). */
void gw_disa_remote_ringing(struct gw_line *l);
void gw_disa_answered(struct gw_line *l);

#endif
