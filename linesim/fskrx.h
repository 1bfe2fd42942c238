/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fskrx: the simulated phone's on-hook/off-hook FSK data receiver for
 * caller ID and message waiting: a Bell 202 (MDMF/SDMF) and an ETSI V.23
 * receiver (dsp/callerid.h) run side by side on the line. The two modems
 * are close enough for both to decode the same message, so which one the
 * exchange used is told by their tones' energy (1200/2200 Hz against
 * 1300/2100 Hz, decaying sums), as Telcordia GR-30 and ETSI EN 300 659-1
 * leave a terminal to tell them apart.
 */
#ifndef LS_FSKRX_H
#define LS_FSKRX_H

#include <stdbool.h>
#include <stdint.h>

#include "dsp/callerid.h"

#define LS_FSKRX_N 2

struct ls_fskrx {
	struct gw_callerid_rx *rx[LS_FSKRX_N];
	double e_bell, e_v23; /* decaying */
};

/* mwi: the receivers also take message-waiting messages. */
int ls_fskrx_init(struct ls_fskrx *f, bool mwi);
void ls_fskrx_fini(struct ls_fskrx *f);
void ls_fskrx_reset(struct ls_fskrx *f);
/*
 * One frame of line audio; returns how many receivers decoded a message
 * in it (0..LS_FSKRX_N), the first one in *m.
 */
int ls_fskrx_process(struct ls_fskrx *f, const int16_t *in, int n,
		     struct gw_callerid_msg *m);
/* The modem of the message: "bell202" or "etsi". */
const char *ls_fskrx_std(const struct ls_fskrx *f);

#endif
