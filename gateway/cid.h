/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cid: caller ID and ringing of a line (control thread).
 *
 * FXS (we ring a phone): gw_cid_fxs_ring() runs the ring cadence of the
 * port's zone (dsp/zone.h) itself, one RING_START/RING_STOP line
 * operation per burst, and sends the caller ID (media.h CMD_CID_TX) at
 * the moment the port's `callerid` standard wants it:
 *   bell, bell-sdmf, etsi: in the first long silence, 500 ms after the
 *     end of the first ring; the second ring waits for the data to end
 *     plus 200 ms (GR-30-CORE; EN 300 659-1 "during ringing");
 *   etsi-dtas: DT-AS, FSK 60 ms after it, first ring 300 ms after the FSK
 *     (EN 300 659-1 start method "DT-AS");
 *   etsi-lr: polarity reversal, 250 ms, then as etsi-dtas; the polarity
 *     goes back to forward 200 ms after the FSK, then the first ring
 *     (EN 300 659-1 "line reversal + DT-AS");
 *   etsi-rp: a 250 ms ring pulse, FSK 500 ms after it, first ring 300 ms
 *     after the FSK (EN 300 659-1 "RP-AS");
 *   jclip, dtmf, dtmf-hash: the data before the first ring, first ring
 *     300 ms after it (JCLIP's off-hook "CAR" handshake is not modelled:
 *     the data goes to the on-hook phone).
 * The cadence is the port's `ring_cadence`, or the one the INVITE's
 * Alert-Info names (gw_cid_from_sip()). Every zone cadence has bursts of
 * at most 2 s, which a card's own RING_START cadence (2 s on) covers.
 *
 * FXO (a CO rings us): ring bursts are grouped into rings (a silence of
 * GW_CID_CYCLE_GAP_MS or more ends a ring), each ring's on/off pattern is
 * matched against the zone's cadences (distinctive ring), a lone burst
 * shorter than 400 ms before the first ring is taken for an ETSI ring
 * pulse alert, and the caller ID detector (CMD_CID_RX) runs while the
 * line is idle and ringing. The INVITE goes out once answer_rings rings
 * are complete and the caller ID is in, or can no longer come: at once
 * for methods before the first ring, at the start of the second ring for
 * those after the first.
 *
 * SIP mapping (both ways): number = the user part of P-Asserted-Identity,
 * else of From (digits only); name = its display name; Privacy: id or
 * header, or an "anonymous" From: private; no number: unavailable.
 */
#ifndef GW_CID_H
#define GW_CID_H

#include <stdbool.h>
#include <stddef.h>

#include <sofia-sip/sip.h>

#include "dsp/callerid.h"
#include "gateway/app.h"

#define GW_CID_CYCLE_GAP_MS 900

/* What an incoming SIP call presents to an FXS port. */
struct gw_cid_info {
	struct gw_callerid_msg msg; /* number, name or their absence */
	char cadence[32];	    /* Alert-Info's ring name, "" if none */
};

/* gw_line_init()/release(): per-line state; FXO detection on. */
int gw_cid_line_init(struct gw_line *l);
void gw_cid_line_release(struct gw_line *l);

/* The caller ID and ring cadence an INVITE asks for. */
void gw_cid_from_sip(const sip_t *sip, struct gw_cid_info *ci);
/*
 * The calling party of an INVITE for the call's records (CDR, copperctl):
 * the P-Asserted-Identity's user (RFC 3325: the identity the network
 * vouches for), else the From's. Privacy hides it from the called phone,
 * not from the operator's records.
 */
void gw_cid_sip_caller(const sip_t *sip, char *out, size_t len);

/* FXS: start ringing (cadence, caller ID); stop it (answer, cancel). */
void gw_cid_fxs_ring(struct gw_line *l, const struct gw_cid_info *ci);
void gw_cid_fxs_stop(struct gw_line *l);
/*
 * FXS, callerid "jclip": the phone's hook while ringing is the NTT number
 * display handshake's (off-hook: primary response to CAR; on-hook: the
 * release after the data). True when it was; false: a real answer.
 */
bool gw_cid_jclip_hook(struct gw_line *l, bool offhook);

/* The line goes idle (gw_line_to_idle()): FXS ringing stops, FXO
 * detection starts afresh. */
void gw_cid_idle(struct gw_line *l);

/* FXO: a ring burst began (true) or ended. */
void gw_cid_fxo_ring(struct gw_line *l, bool begin);

/* media events GW_MEDIA_EV_CID and GW_MEDIA_EV_CID_DONE */
void gw_cid_media_event(struct gw_line *l, const struct gw_media_ev *ev);

/*
 * FXO INVITE: the From (number as user, name as display name, anonymous
 * when private or unavailable) and extra headers (P-Asserted-Identity,
 * Privacy, Alert-Info, CRLF separated; "" when none). Returns true when
 * the port has caller ID to present, false to use the port's own From.
 */
bool gw_cid_sip_from(struct gw_line *l, char *from, size_t from_len,
		     char *hdrs, size_t hdrs_len);

#endif
