/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linesim: copperline-linesim, the far side of every port of the gateway's
 * simulated card.
 *
 * What it does: behind each FXS port (gateway's view) it models an analog
 * phone (phone.c), behind each FXO port the central office of a small test
 * exchange (co.c). The gateway's simulated card connects to the card socket
 * (card.c, wire format in hw/simproto.h); people and tests drive the lines
 * through the control socket (ctl.c).
 *
 * Clock: the gateway's card. Every frame the gateway sends (20 ms of audio
 * per channel) runs each port's model once (ls_port_tick()) and is answered
 * by one frame of what the far side sends back. All timers count frames.
 *
 * Threads: one. main.c runs a single ppoll() loop over the card listen
 * socket, the card connection, the control listen socket and the control
 * clients; nothing blocks on a peer.
 *
 * Ownership: struct ls_sim (main.c) owns the ports, the card and the control
 * server; each port owns its listener, play source, recorder and tone
 * generator.
 */
#ifndef LS_LINESIM_H
#define LS_LINESIM_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/hw.h"
#include "linesim/port.h"

struct ls_card;
struct ls_ctl;

struct ls_sim {
	int nports;
	struct ls_port port[GW_HW_MAX_CHANS];
	struct ls_card *card;
	struct ls_ctl *ctl;
	uint64_t frames; /* frames run since start */
};

/*
 * main.c: logging, one line per line event, "linesim: ..."; and glue.
 */
extern int ls_verbose;
void ls_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void ls_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Create a non-blocking Unix socket of `type` listening at `path`, after
 * removing a stale file there. Returns 0 or a negative errno.
 */
int ls_unix_listen(const char *path, int type, int *ret);

/* Port by 1-based channel number, or NULL. */
struct ls_port *ls_sim_port(struct ls_sim *sim, int chan);
/* Whether a gateway is connected to the card socket now. */
bool ls_sim_card_up(const struct ls_sim *sim);

#endif
