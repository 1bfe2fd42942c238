// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fskrx: Bell 202 and V.23 FSK receivers side by side (linesim/fskrx.h).
 */
#include "config.h"

#include <string.h>

#include "dsp/level.h"
#include "linesim/fskrx.h"

static const enum gw_callerid_standard rx_std[LS_FSKRX_N] = {
	GW_CALLERID_BELL202_MDMF, GW_CALLERID_ETSI_FSK,
};

int ls_fskrx_init(struct ls_fskrx *f, bool mwi)
{
	int err;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < LS_FSKRX_N; i++) {
		err = gw_callerid_rx_alloc(&f->rx[i], rx_std[i]);
		if (err < 0) {
			ls_fskrx_fini(f);
			return err;
		}
		gw_callerid_rx_set_mwi(f->rx[i], mwi);
	}
	return 0;
}

void ls_fskrx_fini(struct ls_fskrx *f)
{
	for (int i = 0; i < LS_FSKRX_N; i++) {
		if (f->rx[i])
			gw_callerid_rx_free(f->rx[i]);
		f->rx[i] = NULL;
	}
}

void ls_fskrx_reset(struct ls_fskrx *f)
{
	f->e_bell = f->e_v23 = 0;
	for (int i = 0; i < LS_FSKRX_N; i++)
		gw_callerid_rx_reset(f->rx[i]);
}

int ls_fskrx_process(struct ls_fskrx *f, const int16_t *in, int n,
		     struct gw_callerid_msg *m)
{
	struct gw_callerid_msg got;
	double e = 0;
	int msgs = 0;

	for (int i = 0; i < n; i++)
		e += (double)in[i] * in[i];
	f->e_bell = 0.8 * f->e_bell + gw_level_tone_share(in, n, 1200, e) +
		    gw_level_tone_share(in, n, 2200, e);
	f->e_v23 = 0.8 * f->e_v23 + gw_level_tone_share(in, n, 1300, e) +
		   gw_level_tone_share(in, n, 2100, e);
	for (int i = 0; i < LS_FSKRX_N; i++) {
		if (gw_callerid_rx_process(f->rx[i], in, n, &got) != 1)
			continue;
		if (!msgs++)
			*m = got;
	}
	return msgs;
}

const char *ls_fskrx_std(const struct ls_fskrx *f)
{
	return f->e_v23 > f->e_bell ? "etsi" : "bell202";
}
