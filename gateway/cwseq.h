/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cwseq: the call-waiting alert of an FXS channel, run by the media
 * thread (media.h GW_MEDIA_CMD_CW): the tone the user hears, the CPE
 * alerting signal, the phone's acknowledgement and the off-hook caller
 * ID (call-waiting caller ID, CWCID / CIDCW).
 *
 * What it does, in the order of a Bell sequence (Telcordia GR-30-CORE
 * type 2, SR-TSV-002476; dsp/callerid.h):
 *   1. SAS, 440 Hz for 300 ms: the call-waiting tone the user hears;
 *   2. CAS, 2130 + 2750 Hz for 80 ms, straight after it (with `cas`);
 *   3. the ACK window: the phone (type 2 CPE) mutes its handset and
 *      answers with DTMF 'D' (ADSI sets: 'A') of ~60 ms beginning within
 *      100 ms of the CAS end; a digit the channel's DTMF receiver reports
 *      within GW_CWSEQ_ACK_MS of the CAS end (an ACK starting by ~160 ms
 *      plus the receiver's ~25 ms) is taken, otherwise no data is sent;
 *   4. GW_CWSEQ_FSK_GAP_MS after the ACK was detected (about 60 ms after
 *      a 60 ms ACK ends: GR-30 asks for 50..500 ms), the FSK message with
 *      off-hook framing (no channel seizure, 80 mark bits), in the
 *      channel's caller-ID standard.
 * ETSI EN 300 659-2 (off-hook) is the same shape: the DT-AS there is
 * 2130 + 2750 Hz for 80 ms (the on-hook DT-AS is 100 ms), the TE's ACK is
 * DTMF 'D', then V.23 FSK; a port of another standard gets the SAS alone.
 *
 * While the sequence runs, both directions of the call are cut: the
 * far end's audio to the phone is replaced by the signals and silence
 * (gw_cwseq_out()), the phone's audio to the network by silence
 * (gw_cwseq_line(), which also listens for the ACK first), so the phone
 * hears nothing but the alert and the far party hears neither the ACK
 * nor the echo of the data. A SAS alone cuts them for its 300 ms.
 *
 * The sequencer borrows the channel's caller-ID transmitter and DTMF
 * receiver (the control thread's digit detection is off in a call).
 * Media thread only after gw_cwseq_start(); never allocates.
 */
#ifndef GW_CWSEQ_H
#define GW_CWSEQ_H

#include <stdbool.h>
#include <stdint.h>

#include "dsp/callerid.h"
#include "dsp/dtmf.h"

#define GW_CWSEQ_ACK_MS 200	/* digits reported this long after the
				 * CAS end are an ACK */
#define GW_CWSEQ_FSK_GAP_MS 100 /* from ACK detection to the data */

enum gw_cwseq_phase {
	GW_CWSEQ_IDLE = 0,
	GW_CWSEQ_ALERT, /* SAS (and CAS) playing */
	GW_CWSEQ_ACK,	/* waiting for the ACK digit */
	GW_CWSEQ_GAP,	/* ACK heard, data soon */
	GW_CWSEQ_FSK,	/* the data playing */
};

/* The outcome (media.h GW_MEDIA_EV_CW). */
struct gw_cwseq_result {
	int status;	/* 1: ACK heard and the data sent; 0: the alert
			 * alone (no CAS asked, or no ACK: `ack` 0);
			 * negative errno: nothing could be sent */
	char ack;	/* the ACK digit, 0 if none */
	int ack_ms;	/* its detection after the CAS end, ms */
	int alert_ms;	/* SAS (+ CAS) as played, ms */
	int data_ms;	/* the FSK message, ms */
};

struct gw_cwseq {
	enum gw_cwseq_phase phase;
	struct gw_callerid_tx *tx;
	struct gw_dtmf_rx *rx;
	struct gw_callerid_msg msg;
	bool cas, data; /* CAS, and data after an ACK */
	int t;		/* samples in this phase */
	struct gw_cwseq_result res;
	bool done;	/* res ready for gw_cwseq_out() to hand over */
};

/*
 * Start a sequence on a channel (any running one is dropped): SAS, then
 * with cas the CAS and the ACK window, then with msg (not NULL) the data
 * once the ACK is heard. tx: the channel's caller-ID transmitter (NULL:
 * -ENODEV, nothing to play with); rx: its DTMF receiver (NULL: no ACK
 * can be heard). Returns 0 or a negative errno (the result to report).
 */
int gw_cwseq_start(struct gw_cwseq *s, struct gw_callerid_tx *tx,
		   struct gw_dtmf_rx *rx, bool cas,
		   const struct gw_callerid_msg *msg);
/* Drop the sequence now (nothing is reported). */
void gw_cwseq_stop(struct gw_cwseq *s);
static inline bool gw_cwseq_active(const struct gw_cwseq *s)
{
	return s->phase != GW_CWSEQ_IDLE;
}
/*
 * Send side, each block: listen for the ACK in the line's audio `in`
 * (after the echo canceller), then replace it by silence while active.
 */
void gw_cwseq_line(struct gw_cwseq *s, int16_t *in, int samples);
/*
 * Receive side, each block: write the signals (or silence) over `out`
 * while active. Returns 1 and fills *res when the sequence ended in this
 * block, else 0.
 */
int gw_cwseq_out(struct gw_cwseq *s, int16_t *out, int samples,
		 struct gw_cwseq_result *res);

#endif
