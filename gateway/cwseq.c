// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cwseq: the call-waiting alert and off-hook caller ID of an FXS channel
 * (gateway/cwseq.h).
 */
#include <errno.h>
#include <string.h>

#include "gateway/cwseq.h"

#define SAMPLES_PER_MS 8
#define SAS_MS 300
#define CAS_MS 80

int gw_cwseq_start(struct gw_cwseq *s, struct gw_callerid_tx *tx,
		   struct gw_dtmf_rx *rx, bool cas,
		   const struct gw_callerid_msg *msg)
{
	gw_cwseq_stop(s);
	if (!tx)
		return -ENODEV;
	gw_callerid_tx_reset(tx);
	if (gw_callerid_tx_alert(tx, GW_CALLERID_ALERT_SAS, 0) < 0 ||
	    (cas && gw_callerid_tx_alert(tx, GW_CALLERID_ALERT_CAS, 0) < 0)) {
		gw_callerid_tx_reset(tx);
		return -EINVAL;
	}
	memset(&s->res, 0, sizeof(s->res));
	s->res.alert_ms = SAS_MS + (cas ? CAS_MS : 0);
	s->tx = tx;
	s->rx = rx;
	s->cas = cas;
	s->data = cas && msg;
	if (msg) {
		s->msg = *msg;
		s->msg.call_waiting = true;
		s->msg.mwi = 0;
	}
	s->t = 0;
	s->phase = GW_CWSEQ_ALERT;
	return 0;
}

void gw_cwseq_stop(struct gw_cwseq *s)
{
	if (s->phase != GW_CWSEQ_IDLE && s->tx)
		gw_callerid_tx_reset(s->tx);
	s->phase = GW_CWSEQ_IDLE;
}

void gw_cwseq_line(struct gw_cwseq *s, int16_t *in, int samples)
{
	char digits[8];
	int n;

	if (s->phase == GW_CWSEQ_IDLE)
		return;
	if (s->phase == GW_CWSEQ_ACK) {
		gw_dtmf_rx_process(s->rx, in, samples);
		n = gw_dtmf_rx_get(s->rx, digits, sizeof(digits));
		for (int i = 0; i < n; i++) {
			if (digits[i] != 'D' && digits[i] != 'A')
				continue;
			s->res.ack = digits[i];
			s->res.ack_ms = s->t / SAMPLES_PER_MS;
			s->phase = GW_CWSEQ_GAP;
			s->t = 0;
			break;
		}
	}
	memset(in, 0, (size_t)samples * sizeof(*in));
}

static int finish(struct gw_cwseq *s, int status,
		  struct gw_cwseq_result *res)
{
	s->res.status = status;
	*res = s->res;
	s->phase = GW_CWSEQ_IDLE;
	return 1;
}

int gw_cwseq_out(struct gw_cwseq *s, int16_t *out, int samples,
		 struct gw_cwseq_result *res)
{
	int n, err;

	switch (s->phase) {
	case GW_CWSEQ_IDLE:
		return 0;
	case GW_CWSEQ_ALERT:
		n = gw_callerid_tx_process(s->tx, out, samples);
		if (gw_callerid_tx_busy(s->tx))
			return 0;
		if (!s->cas || !s->rx)
			return finish(s, 0, res);
		gw_dtmf_rx_reset(s->rx);
		s->phase = GW_CWSEQ_ACK;
		s->t = samples - n; /* the CAS ended n samples in */
		return 0;
	case GW_CWSEQ_ACK:
		memset(out, 0, (size_t)samples * sizeof(*out));
		s->t += samples;
		if (s->t >= GW_CWSEQ_ACK_MS * SAMPLES_PER_MS)
			return finish(s, 0, res);
		return 0;
	case GW_CWSEQ_GAP:
		memset(out, 0, (size_t)samples * sizeof(*out));
		if (!s->data)
			return finish(s, 0, res);
		s->t += samples;
		if (s->t < GW_CWSEQ_FSK_GAP_MS * SAMPLES_PER_MS)
			return 0;
		err = gw_callerid_tx_put(s->tx, &s->msg);
		if (err < 0)
			return finish(s, err, res);
		s->phase = GW_CWSEQ_FSK;
		s->t = 0;
		return 0;
	case GW_CWSEQ_FSK:
		n = gw_callerid_tx_process(s->tx, out, samples);
		s->t += n;
		if (gw_callerid_tx_busy(s->tx))
			return 0;
		s->res.data_ms = s->t / SAMPLES_PER_MS;
		return finish(s, 1, res);
	}
	return 0;
}
