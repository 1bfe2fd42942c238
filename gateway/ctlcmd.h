/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctlcmd: copperctl's operations commands and the JSON form of every
 * reply (control thread; ctl.c owns the socket and calls in here).
 *
 *   ports                      one line per port (as in status)
 *   calls                      one line per call in progress with its
 *                              live media figures (codec, packets, loss,
 *                              jitter, round trip, MOS; as in status)
 *   hangup ID|CALL-ID|PORT     end a call: the line goes back to idle
 *                              (an off-hook phone hears the after-call
 *                              tones), the SIP side gets BYE (answered),
 *                              CANCEL (our INVITE) or 487 (theirs)
 *   log                        global level, SIP trace, known subsystems
 *   log LEVEL                  set the global level
 *   log SUBSYS LEVEL|default   set or drop one subsystem's override
 *   log default                drop every override
 *   trace [on|off]             SIP message trace (gateway/log.h)
 *
 * JSON (a request prefixed "json "): the reply is one JSON object (RFC
 * 8259, written by jansson) with "ok" (and "error" when false), then a
 * last line "ok" or "error" for copperctl's exit status. status, ports,
 * calls, log, trace and hangup have typed members (numbers, booleans);
 * the replies of other commands are converted line by line: a line
 * "KIND NAME k=v k=\"v w\" ..." becomes an object {"name": NAME, k: v}
 * in the array KIND + "s" (numbers as numbers), a line "KIND k=v ..." the
 * object KIND, other lines strings in "lines".
 */
#ifndef GW_CTLCMD_H
#define GW_CTLCMD_H

#include <stdbool.h>
#include <stddef.h>

#include "gateway/app.h"

/*
 * Run req when it is one of the commands above, or status in JSON
 * (media_cpu: the media threads' CPU in % of a core, for it): the reply
 * is appended to buf (size bytes) at *len. false: not one of ours.
 */
bool gw_ctlcmd_request(struct gw_app *app, const char *req, bool json,
		       double media_cpu, char *buf, size_t size, size_t *len);

/*
 * Replace the text reply in buf (*len bytes) by its JSON form; array, if
 * not NULL, is a member that is there even when empty ("trunks").
 */
void gw_ctlcmd_text_to_json(char *buf, size_t size, size_t *len,
			    const char *array);

/* The "port ..." and "call ..." lines of status, ports and calls. */
void gw_ctlcmd_ports_text(struct gw_app *app, char *buf, size_t size,
			  size_t *len);
void gw_ctlcmd_calls_text(struct gw_app *app, char *buf, size_t size,
			  size_t *len);

#endif
