/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cardport: a port's card settings applied at start-up through the
 * backend's optional operations (hw/hw.h): the card's gains (rx_gain_db,
 * tx_gain_db; set_gains) and, with echo_canceller = "kernel", the card's
 * (DAHDI: the driver's, DAHDI_ECHOCANCEL_PARAMS) echo canceller with a
 * tail of echo_tail_ms * 8 taps instead of ours. With our canceller on,
 * the card's is switched off (no two cancellers in tandem, G.168 §7).
 *
 * Gains are the card's only: a backend without set_gains cannot honour
 * non-zero gains and the port is refused. A card without a canceller
 * falls back to ours, with a warning. A channel in alarm at start-up
 * keeps the card's defaults (warning).
 */
#ifndef GW_CARDPORT_H
#define GW_CARDPORT_H

#include "gateway/app.h"

/* Control thread, before the media thread starts. 0 or negative errno. */
int gw_cardport_setup(struct gw_app *app, const struct gw_conf_port *p);

#endif
