// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cw: call waiting with caller ID, the phone's side (linesim/cw.h).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/level.h"
#include "dsp/callerid.h"
#include "dsp/dtmf.h"
#include "linesim/cw.h"
#include "linesim/fskrx.h"
#include "linesim/linesim.h"

#define MS(f) ((int)(f) * 20) /* frames -> ms */
#define SOUND_RMS 150.0	      /* about -43 dBm0 */
#define SAS_HZ 440
#define SAS_MIN LS_FRAMES(200)
#define SAS_MAX LS_FRAMES(400)
#define ACK_LEVEL_DBM0 (-10)
#define ACK_MS 60

struct ls_cw {
	bool ack_on;
	int64_t t; /* frames since alloc */
	/* SAS */
	int sas_run; /* frames in a row with 440 Hz */
	unsigned sas, cas, acks, msgs;
	int cas_ms;
	/* after a CAS */
	bool listening;
	int64_t cas_t; /* frame the CAS ended in */
	struct gw_callerid_alert_rx *alert;
	struct gw_dtmf_tx *ack;
	struct ls_fskrx fsk;
	/* the last message */
	struct gw_callerid_msg msg;
	const char *std;
	int data_ms;
};

int ls_cw_alloc(struct ls_port *p)
{
	struct ls_cw *k = calloc(1, sizeof(*k));
	int err;

	if (!k)
		return -ENOMEM;
	p->phone.cw = k;
	k->ack_on = true;
	err = gw_callerid_alert_rx_alloc(&k->alert);
	if (!err)
		err = gw_dtmf_tx_alloc(&k->ack, ACK_LEVEL_DBM0, ACK_MS, 0);
	if (!err)
		err = ls_fskrx_init(&k->fsk, false);
	if (err) {
		ls_cw_free(p);
		return err;
	}
	return 0;
}

void ls_cw_free(struct ls_port *p)
{
	struct ls_cw *k = p->phone.cw;

	if (!k)
		return;
	if (k->alert)
		gw_callerid_alert_rx_free(k->alert);
	if (k->ack)
		gw_dtmf_tx_free(k->ack);
	ls_fskrx_fini(&k->fsk);
	free(k);
	p->phone.cw = NULL;
}

void ls_cw_offhook(struct ls_port *p)
{
	struct ls_cw *k = p->phone.cw;

	if (!k)
		return;
	k->sas_run = 0;
	k->sas = k->cas = k->acks = k->msgs = 0;
	k->cas_ms = 0;
	k->listening = false;
	k->std = NULL;
	k->data_ms = 0;
	memset(&k->msg, 0, sizeof(k->msg));
	gw_callerid_alert_rx_reset(k->alert);
	gw_dtmf_tx_reset(k->ack);
}

void ls_cw_set_ack(struct ls_port *p, bool on)
{
	if (p->phone.cw)
		p->phone.cw->ack_on = on;
}

static void sas_tick(struct ls_port *p, struct ls_cw *k, const int16_t *in,
		     double e)
{
	bool on = sqrt(e / LS_FRAME) > SOUND_RMS &&
		  gw_level_tone_share(in, LS_FRAME, SAS_HZ, e) > 0.6;

	if (on) {
		k->sas_run++;
		return;
	}
	if (k->sas_run >= SAS_MIN && k->sas_run <= SAS_MAX) {
		k->sas++;
		ls_log("port %d: call-waiting tone (SAS, %d ms)", p->chan,
		       MS(k->sas_run));
	}
	k->sas_run = 0;
}

static void fsk_tick(struct ls_port *p, struct ls_cw *k, const int16_t *in)
{
	struct gw_callerid_msg m;

	if (ls_fskrx_process(&k->fsk, in, LS_FRAME, &m)) {
		k->msg = m;
		k->msgs++;
		k->std = ls_fskrx_std(&k->fsk);
		k->data_ms = MS(k->t - k->cas_t);
		k->listening = false; /* the other receiver's copy too */
		ls_log("port %d: call-waiting caller ID (%s FSK, %d ms after "
		       "the CAS): number %s name %s", p->chan, k->std,
		       k->data_ms, m.number[0] ? m.number : "-",
		       m.name[0] ? m.name : "-");
	}
	if (k->listening && k->t - k->cas_t >= LS_FRAMES(LS_CW_LISTEN_MS)) {
		k->listening = false;
		ls_log("port %d: no call-waiting caller ID after the CAS",
		       p->chan);
	}
}

bool ls_cw_tick(struct ls_port *p, const int16_t *in, int16_t *out)
{
	struct ls_cw *k = p->phone.cw;
	double e = 0;
	int ms, n;

	if (!k)
		return false;
	k->t++;
	for (int i = 0; i < LS_FRAME; i++)
		e += (double)in[i] * in[i];
	sas_tick(p, k, in, e);
	if (k->listening)
		fsk_tick(p, k, in);
	ms = gw_callerid_alert_rx_process(k->alert, in, LS_FRAME);
	if (ms > 0) {
		k->cas++;
		k->cas_ms = ms;
		k->cas_t = k->t;
		k->listening = true;
		ls_fskrx_reset(&k->fsk);
		if (k->ack_on && gw_dtmf_tx_put(k->ack, "D") == 0)
			k->acks++;
		ls_log("port %d: CAS (%d ms): handset muted%s", p->chan, ms,
		       k->ack_on ? ", ACK 'D'" : ", no ACK (cwack off)");
	}
	if (gw_dtmf_tx_busy(k->ack)) {
		n = gw_dtmf_tx_process(k->ack, out, LS_FRAME);
		if (n < LS_FRAME)
			memset(out + n, 0, (LS_FRAME - n) * sizeof(*out));
		return true;
	}
	if (k->listening) { /* handset muted until the data is in */
		memset(out, 0, LS_FRAME * sizeof(*out));
		return true;
	}
	return false;
}

static void field(char *dst, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++)
		dst[n++] = *s == ' ' ? '_' : *s;
	dst[n] = 0;
}

int ls_cw_report(struct ls_port *p, char *r, size_t len)
{
	struct ls_cw *k = p->phone.cw;
	const struct gw_callerid_msg *m;
	char name[64], num[32], date[16] = "-";

	if (!k) {
		snprintf(r, len, "err port %d: no call-waiting state", p->chan);
		return -EINVAL;
	}
	m = &k->msg;
	field(name, sizeof(name), m->name[0] ? m->name :
				  m->name_absence == 'P' ? "private" :
				  m->name_absence ? "unavailable" : "-");
	snprintf(num, sizeof(num), "%s", m->number[0] ? m->number :
		 m->number_absence == 'P' ? "private" :
		 m->number_absence ? "unavailable" : "-");
	if (m->month)
		snprintf(date, sizeof(date), "%02u%02u%02u%02u", m->month,
			 m->day, m->hour, m->minute);
	snprintf(r, len,
		 "ok port=%d ack=%s sas=%u cas=%u cas_ms=%d acks=%u msgs=%u "
		 "std=%s number=%s name=%s date=%s data_ms=%d listening=%d",
		 p->chan, k->ack_on ? "on" : "off", k->sas, k->cas, k->cas_ms,
		 k->acks, k->msgs, k->std ? k->std : "-",
		 k->msgs ? num : "-", k->msgs ? name : "-",
		 k->msgs ? date : "-", k->data_ms, k->listening);
	return 0;
}
