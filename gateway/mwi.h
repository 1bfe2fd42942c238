/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mwi: message waiting on FXS ports.
 *
 * What it does: keeps each FXS port's message-waiting state (struct
 * gw_fxs in gateway/fxs.h), set from SIP and from copperctl, and shows it
 * to the phone: stutter dial tone on off-hook while a message waits
 * (fxs.c, the zone's GW_TONE_STUTTER) and the phone's lamp by on-hook FSK
 * (visual MWI, dsp/callerid.h gw_callerid_msg.mwi) in the port's caller-ID
 * standard: Bell 202 MDMF message 0x82 / SDMF 0x06 (GR-30-CORE), sent
 * with on-hook transfer and no alert; ETSI message 0x82 (EN 300 659-3)
 * after a DT-AS (EN 300 659-1 §6.1.2, data without ringing). JCLIP, DTMF
 * and "none" ports get stutter dial tone only. The lamp is updated when
 * the state changes, at once if the port is idle and on-hook, else when
 * it next goes idle.
 *
 * SIP: an unsolicited NOTIFY (RFC 3265 §3.2, as voice-mail servers send
 * without a subscription) with Event: message-summary and an
 * application/simple-message-summary body (RFC 3842 §5: "Messages-Waiting:
 * yes|no", optional "Voice-Message: NEW/OLD"), its Request-URI user the
 * extension of an FXS port, from a trusted source (sip.trusted), is
 * answered 200 and sets that port; an untrusted source gets 403, an
 * unknown extension 404, another event 489 (RFC 3265 §3.2.4), a body
 * without Messages-Waiting 400.
 *
 * Control thread only.
 */
#ifndef GW_MWI_H
#define GW_MWI_H

#include <stdbool.h>
#include <stddef.h>

#include <sofia-sip/nua.h>

struct gw_app;
struct gw_line;

/*
 * Set the port's state; new_msgs/old_msgs: counts, -1 when not known.
 * `by` says who, for the log.
 */
void gw_mwi_set(struct gw_line *l, bool on, int new_msgs, int old_msgs,
		const char *by);
/* The line went idle: update the lamp if it is behind. */
void gw_mwi_line_idle(struct gw_line *l);
/* The line is taken (ringing): an update just sent may be cut off. */
void gw_mwi_line_busy(struct gw_line *l);

/* nua_i_notify (gateway/sip.c). Responds and destroys the handle. */
void gw_mwi_sip_notify(struct gw_app *app, nua_t *nua, nua_handle_t *nh,
		       const sip_t *sip);

/*
 * copperctl "mwi PORT on|off" (args: "PORT on|off"): the reply, ending in
 * "ok\n" on success, into buf.
 */
void gw_mwi_ctl(struct gw_app *app, const char *args, char *buf,
		size_t len);

#endif
