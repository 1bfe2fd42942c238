/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfer: call transfer both ways and the hook-flash relayed as SIP INFO
 * (control thread; per-call state struct gw_xfer_call, per-line struct
 * gw_xfer_line).
 *
 * REFER received (RFC 3515, blind transfer as RFC 5589 §6): the peer of
 * an answered call bridged to a line (FXS phone or FXO line) sends REFER
 * in the call's dialog (out of a dialog: 403). Refused with a log line:
 * no Refer-To (400), a scheme other than sip/sips (416), a Refer-To
 * with headers such as Replaces (attended transfer: 501), a Refer-To
 * naming this gateway (403, a loop), a target the line could not call
 * itself (403, below), a transfer already under way (491). Else 202, a
 * NOTIFY "SIP/2.0 100 Trying" (message/sipfrag, RFC 3515 §2.4.5), and a
 * new INVITE with Referred-By (RFC 3892) to the target. Answered: the
 * line's media moves to the new call (media.h CMD_SWAP: the line stays
 * off-hook, its echo canceller keeps its adaptation), NOTIFY "SIP/2.0
 * 200 OK" ends the subscription, and once that NOTIFY is answered the
 * old dialog gets BYE (unless its peer sent one first). Refused: NOTIFY
 * with the status, and the original call goes on. Should the peer hang
 * up after the 202 (as many transferors do), the line stays with the new
 * call and hears ringback until it answers (or reorder if it fails).
 *
 * Which targets (toll fraud): the REFER comes from a peer that passed
 * the INVITE checks (trusted address or digest), but a transfer places
 * a call from the gateway on its behalf. The target is what the line
 * could call itself: the Refer-To user part is looked up in the dial
 * plan as a number dialled from the line (from = "fxs" for a phone,
 * "fxo" for an exchange line); a route to a URI or trunk takes the call
 * there (the Refer-To host is not used; blocked prefixes, reject and
 * max_calls as for any call). Without such a route, a Refer-To whose
 * host is an address literal in sip.trusted or of a trunk is called as
 * given. Anything else is refused. No transfer ever seizes an FXO port.
 *
 * Blind transfer from a phone (FXS port key flash = "transfer", the
 * default): a hook-flash in an answered call (call waiting first: a
 * waiting or held call takes the flash, gateway/cw.h) holds the SIP
 * party (re-INVITE a=sendonly) and gives dial tone; the digits dialled
 * (ended by '#' or the port's digit_timeout_ms) go to the party in REFER
 * with Refer-To sip:DIGITS@ the party's host (the host[:port] of the
 * call's peer URI: our Request-URI for calls the phone made, the From of
 * calls it took; the party resolves the number in its own plan). On
 * NOTIFY 2xx the call ends (BYE), the phone hears the after-call tones
 * until it hangs up. A flash while dialling (or no digit within
 * first_digit_timeout_ms), a refused REFER or a NOTIFY with a failure
 * resume the call (a=sendrecv). flash = "relay": the flash goes to the
 * party as below instead.
 *
 * Hook-flash relay (gw_xfer_flash_info()): SIP INFO (RFC 6086 legacy
 * usage) Content-Type application/hook-flash, body "signal=hf", as
 * gateway/fxodial.c takes it, on calls whose trunk (or, without a
 * trunk, sip.flash) says "info"; else RFC 4733 event 16.
 */
#ifndef GW_XFER_H
#define GW_XFER_H

#include <stdbool.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/su_wait.h>

struct gw_call;
struct gw_line;

/* Per call (struct gw_call xf). */
struct gw_xfer_call {
	/* REFER received on this call: */
	struct gw_call *leg;	/* the new call placed to the target */
	char event[48];		/* the implicit subscription's Event */
	bool notify_final;	/* the terminating NOTIFY was sent */
	bool bye_after_notify;	/* then end the dialog (transfer done) */
	/* on the new call: */
	struct gw_call *old;	/* the call being transferred */
	bool is_leg;		/* c is a transfer's new call */
	/* REFER sent (the phone's blind transfer) on this call: */
	bool refer_sent;
};

/* Per FXS line (struct gw_line xfer). */
struct gw_xfer_line {
	bool collecting; /* flash taken: dial tone, digits for REFER */
	char digits[32];
	int ndigits;
	su_timer_t *timer;
};

/* sip.c: REFER in c's dialog; tags: the nua_i_refer event's. */
void gw_xfer_sip_refer(struct gw_call *c, nua_t *nua, nua_handle_t *nh,
		       const sip_t *sip, tagi_t const *tags);
/* sip.c: NOTIFY in c's dialog (our REFER's progress); answers it. */
void gw_xfer_sip_notify(struct gw_call *c, nua_t *nua, nua_handle_t *nh,
			const sip_t *sip);
/* sip.c: the answer to our NOTIFY / our REFER on c. */
void gw_xfer_notify_answered(struct gw_call *c, int status);
void gw_xfer_refer_answered(struct gw_call *c, int status,
			    const char *phrase);

/*
 * call.c: a final or provisional answer on a transfer's new call c
 * (c->xf.is_leg); err: set_remote()'s result on a first 2xx.
 */
void gw_xfer_leg_response(struct gw_call *c, int status, const char *phrase,
			  int err);
/*
 * call.c: the SIP side of c ended while c's line was still with it: true
 * when a transfer to a new call takes the line (no hang-up).
 */
bool gw_xfer_old_gone(struct gw_call *c);
/* call.c: the line side of c ended: a transfer's new call is dropped. */
void gw_xfer_line_gone(struct gw_call *c);
/* call.c: c is freed: no other call may point at it. */
void gw_xfer_call_freed(struct gw_call *c);

/* fxs.c: a hook-flash on a phone in an answered call (after cw.h). */
void gw_xfer_flash(struct gw_line *l);
/* fxs.c: a digit while collecting for a transfer: true if taken. */
bool gw_xfer_digit(struct gw_line *l, char d);
/* The line goes idle or call waiting took a flash: stop collecting. */
void gw_xfer_line_reset(struct gw_line *l);
int gw_xfer_line_init(struct gw_line *l);
void gw_xfer_line_release(struct gw_line *l);

/* call.c gw_call_flash(): true when the flash went as SIP INFO. */
bool gw_xfer_flash_info(struct gw_call *c);

#endif
