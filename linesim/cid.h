/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cid: caller ID and ring cadences on both kinds of linesim port.
 *
 * Phone (behind an FXS port): while on-hook it listens to the line with a
 * receiver of every caller-ID standard (Bell 202 SDMF/MDMF, ETSI V.23,
 * JCLIP, DTMF in both variants; dsp/callerid.h) and a DT-AS detector, and
 * notes polarity reversals and ring bursts. It reports (`cid P`) the last
 * message: number, name or their absence, the standard, the start method
 * (dtas: DT-AS before the data; lr: line reversal and DT-AS; rp: a ring
 * pulse; ring: after the first ring; pre: before the first ring with no
 * alert) and when it came relative to the rings; and the cadence of the
 * first ring of the last ringing (on/off ms, the long silence last) with
 * the zone cadences (dsp/zone.h) it matches, within 25 % or 100 ms.
 *
 * Exchange (behind an FXO port): `call P CALLER [cid=STD] [ring=NAME]
 * [zone=Z] [name=NAME...]` rings the gateway with zone Z's cadence NAME
 * (RING_BEGIN/RING_END per burst) and sends caller ID of standard STD
 * (bell, bell-sdmf, etsi, etsi-dtas, etsi-rp, etsi-lr, jclip, dtmf,
 * dtmf-hash, none) at its moment, with the timing of gateway/cid.h
 * (EN 300 659-1, GR-30-CORE). CALLER "private" or "unavailable" sends
 * the reason for absence instead of a number.
 */
#ifndef LS_CID_H
#define LS_CID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_port;
struct ls_cid;

int ls_cid_init(struct ls_port *p);
void ls_cid_release(struct ls_port *p);

/* Phone: every frame while not off-hook; ring bursts as they change. */
void ls_cid_phone_tick(struct ls_port *p, const int16_t *in);
void ls_cid_phone_burst(struct ls_port *p, bool on);
/* A new ringing begins (the phone was idle). */
void ls_cid_phone_session(struct ls_port *p);

/* Exchange: options of the next `call` (0 or -EINVAL with why). */
struct ls_cid_call {
	char std[16];	  /* "none", "bell", ... */
	char ring[16];	  /* zone cadence, "normal" */
	char zone[8];	  /* "us" */
	char number[21];  /* digits, or "" (GW_CALLERID_NUMBER_MAX) */
	char absence;	  /* 'P', 'O' or 0 */
	char name[51];	  /* GW_CALLERID_NAME_MAX */
};
int ls_cid_co_setup(struct ls_port *p, const struct ls_cid_call *c,
		    char *why, size_t len);
/* In LS_CO_INCOMING, each frame: true when cid.c runs the ringing. */
bool ls_cid_co_incoming(struct ls_port *p);
/* What the exchange sends while ringing (caller ID or silence). */
void ls_cid_co_output(struct ls_port *p, int16_t *out);
/* The call ended or was answered. */
void ls_cid_co_stop(struct ls_port *p);

/*
 * JCLIP (NTT number display) handshake. Phone: a first ring burst and
 * pause of 420-620 ms each are CAR; unless `car P off`, the phone then
 * goes off-hook (primary response) without ringing, receives the number
 * on the closed loop and goes back on-hook; the normal ringing follows.
 * Exchange: `call P N cid=jclip` sends CAR (0.5 s on / 0.5 s off) until
 * the gateway's primary response or 6 s, the number 100 ms after it, and
 * rings normally 200 ms after the gateway's release (without the number
 * after 6 s of CAR unanswered).
 */
void ls_cid_car_set(struct ls_port *p, bool on);
/* The phone: no auto answer now (a CAR burst, or in the handshake). */
bool ls_cid_car_wait(struct ls_port *p);
/* A ring burst began: CAR recognised, respond now (once). */
bool ls_cid_car_detected(struct ls_port *p);
/* Off-hook for the number; each frame: true when to go on-hook. */
bool ls_cid_car_loop(struct ls_port *p);
bool ls_cid_car_release(struct ls_port *p);
/* The exchange: the gateway's hook (enum gw_hw_lineop) during the
 * handshake; true when it was the handshake's. */
bool ls_cid_co_hook(struct ls_port *p, int op);

/* `cid P`: the report, "ok ..." */
int ls_cid_report(struct ls_port *p, char *r, size_t len);

#endif
