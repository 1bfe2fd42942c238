/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * card: linesim's end of the simulated card (wire format: hw/simproto.h).
 *
 * Listens on a Unix SOCK_SEQPACKET socket; one gateway at a time (a second
 * connection is accepted and closed at once). On connect it sends
 * GW_SIM_MSG_HELLO with the port types; every GW_SIM_MSG_FRAME from the
 * gateway runs each port once and is answered by one frame with the same
 * seq; GW_SIM_MSG_SIGNAL carries line operations in and line events out.
 * When the connection drops every port is reset to idle/on-hook.
 */
#ifndef LS_CARD_H
#define LS_CARD_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/hw.h"

struct ls_card;
struct ls_sim;

/* Unlinks a stale socket file at `path`, then listens on it. */
int ls_card_open(struct ls_card **ret, struct ls_sim *sim, const char *path);
/* Closes the sockets and removes the socket file. Accepts NULL. */
void ls_card_close(struct ls_card *card);
/* Fill up to 2 pollfds; returns how many. */
int ls_card_pollfds(struct ls_card *card, struct pollfd *pfd);
/* Handle the pollfds ls_card_pollfds() filled (`n` of them). */
void ls_card_handle(struct ls_card *card, const struct pollfd *pfd, int n);
/*
 * Send a line event, which happened at sample `offset` (0..159) of the
 * frame being answered; dropped when no gateway is connected.
 */
void ls_card_event(struct ls_card *card, int chan,
		   enum gw_hw_event_type ev, int offset);
bool ls_card_connected(const struct ls_card *card);
/* Frames received from the gateway on the current connection. */
uint64_t ls_card_frames(const struct ls_card *card);

#endif
