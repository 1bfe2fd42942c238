/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sip: the Sofia-SIP user agent (nua) on the control thread. Media is
 * disabled in nua (NUTAG_MEDIA_ENABLE(0)): SDP is ours (gateway/sdp.c).
 * Transports (UDP, TCP, TLS, each bound on its own), rport and the
 * external address: gateway/transport.h. Events go to call.c.
 */
#ifndef GW_SIP_H
#define GW_SIP_H

#include "gateway/app.h"

int gw_sip_start(struct gw_app *app);
/* Shut nua down (ends calls), waiting at most a few seconds. */
void gw_sip_stop(struct gw_app *app);

#endif
