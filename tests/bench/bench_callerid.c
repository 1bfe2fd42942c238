// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_callerid: cost of caller ID generation and detection per standard
 * and of the DT-AS/CAS detector, in ns per line sample. Transmit cases
 * send messages back to back (a new one as soon as the last ended);
 * receive cases decode 2 s of such a signal; best of 5 runs.
 */
#include <stdlib.h>
#include <string.h>

#include "dsp/callerid.h"
#include "tests/bench/bench.h"

#define SECONDS 2
#define SAMPLES (8000 * SECONDS)
#define RUNS 5
#define BLOCK 160

static int16_t sig[SAMPLES];

static void bench_msg(enum gw_callerid_standard std, struct gw_callerid_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->month = 6;
	m->day = 15;
	m->hour = 12;
	m->minute = 34;
	strcpy(m->number, "0123456789");
	if (gw_callerid_name_max(std))
		strcpy(m->name, "COPPERLINE");
}

/* Fill sig with back-to-back messages; returns the time taken in ns. */
static double tx_fill(enum gw_callerid_standard std)
{
	struct gw_callerid_tx *tx;
	struct gw_callerid_msg m;
	double t0, t1;

	if (gw_callerid_tx_alloc(&tx, std) < 0)
		return -1;
	bench_msg(std, &m);
	t0 = gw_bench_now_ns();
	for (int i = 0; i < SAMPLES; i += BLOCK) {
		if (!gw_callerid_tx_busy(tx))
			gw_callerid_tx_put(tx, &m);
		gw_callerid_tx_process(tx, sig + i, BLOCK);
	}
	t1 = gw_bench_now_ns();
	gw_callerid_tx_free(tx);
	return t1 - t0;
}

static double bench_tx(enum gw_callerid_standard std)
{
	double best = -1;

	for (int r = 0; r < RUNS; r++) {
		double ns = tx_fill(std);

		if (ns < 0)
			return -1;
		if (best < 0 || ns < best)
			best = ns;
	}
	return best / SAMPLES;
}

static double bench_rx(enum gw_callerid_standard std)
{
	double best = -1;

	if (tx_fill(std) < 0)
		return -1;
	for (int r = 0; r < RUNS; r++) {
		struct gw_callerid_rx *rx;
		struct gw_callerid_msg m;
		int got = 0;
		double t0, ns;

		if (gw_callerid_rx_alloc(&rx, std) < 0)
			return -1;
		t0 = gw_bench_now_ns();
		for (int i = 0; i < SAMPLES; i += BLOCK)
			got += gw_callerid_rx_process(rx, sig + i, BLOCK, &m);
		ns = gw_bench_now_ns() - t0;
		gw_callerid_rx_free(rx);
		if (got == 0)
			return -1; /* nothing decoded: not a valid run */
		if (best < 0 || ns < best)
			best = ns;
	}
	return best / SAMPLES;
}

static double bench_alert_rx(void)
{
	struct gw_callerid_tx *tx;
	double best = -1;
	int det = 0;

	/* DT-AS every 250 ms */
	if (gw_callerid_tx_alloc(&tx, GW_CALLERID_ETSI_FSK) < 0)
		return -1;
	for (int i = 0; i < SAMPLES; i += BLOCK) {
		if (!gw_callerid_tx_busy(tx))
			gw_callerid_tx_alert(tx, GW_CALLERID_ALERT_DTAS, 150);
		gw_callerid_tx_process(tx, sig + i, BLOCK);
	}
	gw_callerid_tx_free(tx);
	for (int r = 0; r < RUNS; r++) {
		struct gw_callerid_alert_rx *arx;
		double t0, ns;

		if (gw_callerid_alert_rx_alloc(&arx) < 0)
			return -1;
		det = 0;
		t0 = gw_bench_now_ns();
		for (int i = 0; i < SAMPLES; i += BLOCK)
			det += gw_callerid_alert_rx_process(arx, sig + i,
							    BLOCK) != 0;
		ns = gw_bench_now_ns() - t0;
		gw_callerid_alert_rx_free(arx);
		if (det == 0)
			return -1;
		if (best < 0 || ns < best)
			best = ns;
	}
	return best / SAMPLES;
}

static double tx_bell(void)
{
	return bench_tx(GW_CALLERID_BELL202_MDMF);
}

static double rx_bell(void)
{
	return bench_rx(GW_CALLERID_BELL202_MDMF);
}

static double tx_sdmf(void)
{
	return bench_tx(GW_CALLERID_BELL202_SDMF);
}

static double rx_sdmf(void)
{
	return bench_rx(GW_CALLERID_BELL202_SDMF);
}

static double tx_etsi(void)
{
	return bench_tx(GW_CALLERID_ETSI_FSK);
}

static double rx_etsi(void)
{
	return bench_rx(GW_CALLERID_ETSI_FSK);
}

static double tx_jclip(void)
{
	return bench_tx(GW_CALLERID_JCLIP);
}

static double rx_jclip(void)
{
	return bench_rx(GW_CALLERID_JCLIP);
}

static double tx_dtmf(void)
{
	return bench_tx(GW_CALLERID_DTMF);
}

static double rx_dtmf(void)
{
	return bench_rx(GW_CALLERID_DTMF);
}

const struct gw_bench_case gw_bench_cases_callerid[] = {
	{ "callerid_tx_bell202_mdmf", "spandsp adsi_tx, Bell 202", tx_bell },
	{ "callerid_rx_bell202_mdmf", "spandsp adsi_rx, Bell 202", rx_bell },
	{ "callerid_tx_bell202_sdmf", "spandsp adsi_tx, Bell 202", tx_sdmf },
	{ "callerid_rx_bell202_sdmf", "spandsp adsi_rx, Bell 202", rx_sdmf },
	{ "callerid_tx_etsi_fsk", "spandsp adsi_tx, V.23", tx_etsi },
	{ "callerid_rx_etsi_fsk", "spandsp adsi_rx, V.23", rx_etsi },
	{ "callerid_tx_jclip", "spandsp adsi_tx, V.23", tx_jclip },
	{ "callerid_rx_jclip", "spandsp fsk_rx + our framing", rx_jclip },
	{ "callerid_tx_dtmf", "spandsp adsi_tx (dtmf_tx)", tx_dtmf },
	{ "callerid_rx_dtmf", "spandsp adsi_rx (dtmf_rx)", rx_dtmf },
	{ "callerid_alert_rx", "DT-AS/CAS, 2 Goertzel, 10 ms", bench_alert_rx },
	{ NULL, NULL, NULL },
};
