/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callerid: caller ID (calling line identity) generation and detection,
 * plus the dual-tone alerting signals that precede it.
 *
 * What it does. The transmitter turns a struct gw_callerid_msg into line
 * audio for one standard; the receiver turns line audio back into the
 * message, delivering it only when its checksum (or CRC, or DTMF
 * terminator) is right. gw_callerid_tx_alert() queues the alerting
 * signals (DT-AS, CAS, SAS) ahead of the data, and struct
 * gw_callerid_alert_rx detects DT-AS/CAS on the receiving side.
 *
 * How. spandsp's adsi_tx/adsi_rx do the modems (Bell 202 or V.23 FSK,
 * async framing, channel seizure and mark preamble, checksum or CRC; or
 * DTMF). The message bodies of the FSK standards are coded here, not with
 * adsi_add_field(): spandsp 0.0.6 doubles any field length byte equal to
 * 0x10 (its JCLIP DLE stuffing leaks into CLASS/CLIP), which would corrupt
 * e.g. a 16-character name. JCLIP fields do go through adsi_add_field(),
 * where the stuffing is right. The alerting tones are generated with
 * spandsp's DDS and detected with our own Goertzel filters in 10 ms blocks.
 *
 * Standards (enum gw_callerid_standard):
 *  - Bell 202, Telcordia GR-30-CORE: SDMF (0x04: date/time + number or
 *    'P'/'O') or MDMF (0x80: date/time 0x01, number 0x02, number absence
 *    0x04, name 0x07, name absence 0x08). On-hook (type 1): 300 bits of
 *    channel seizure + 180 mark bits. Off-hook (type 2, CIDCW, msg
 *    call_waiting): no seizure, 80 mark bits. FSK at -14 dBm0 (spandsp).
 *  - ETSI EN 300 659-1 (on-hook) / -2 (off-hook) with EN 300 659-3 coding,
 *    V.23 FSK: call set-up message 0x80 with date/time 0x01, calling line
 *    identity 0x02, reason for its absence 0x04, calling party name 0x07,
 *    reason for its absence 0x08. Same seizure/mark lengths as above.
 *  - NTT JCLIP ("Japanese CLIP"), V.23, DLE-framed with CRC-16; fields
 *    number 0x02 and number absence 0x04 ('P', 'O', 'C' public phone,
 *    'S' service conflict). No name, no date. spandsp framing defaults.
 *  - DTMF, two of the variants catalogued in spandsp's adsi.h (no single
 *    ETSI document covers them; EN 300 778-1 annex A leaves DTMF to the
 *    networks):
 *    GW_CALLERID_DTMF:      "A<number>C", absence "B00C" (unavailable,
 *                           'O') or "B10C" (private, 'P'); Belgium,
 *                           Brazil, Denmark, Finland, Iceland, India,
 *                           Netherlands, Saudi Arabia, Sweden, Uruguay.
 *    GW_CALLERID_DTMF_HASH: "A<number>#", absence "D1#" (private, 'P'),
 *                           "D3#" (unavailable, 'O'; "D2#", international,
 *                           is received as 'O'); Denmark, Netherlands.
 *    Digits 50 ms on, 55 ms off, -10 dBm0 per tone (spandsp's defaults).
 *
 * Alerting signals (gw_callerid_tx_alert), all -13 dBm0 per tone:
 *  - DT-AS (ETSI "dual tone alerting signal", also BT's "tone alert"):
 *    2130 + 2750 Hz, 100 ms (EN 300 659-1: 100 +- 10 ms).
 *  - CAS (Bell "CPE alerting signal", GR-30 type 2): 2130 + 2750 Hz,
 *    80 ms (75..85 ms).
 *  - SAS (Bell "subscriber alerting signal", the call-waiting tone the
 *    user hears): 440 Hz, 300 ms; it precedes the CAS.
 *
 * Timing around rings and reversals belongs to the line state machine;
 * what each standard expects (figures as recalled from the documents
 * named; check them against the documents when the line work is done):
 *  - Bell, on-hook: FSK between the first and second ring, starting
 *    >= 500 ms after the end of the first ring and ending >= 200 ms before
 *    the second (US cadence 2 s on / 4 s off leaves ~3 s).
 *  - Bell CIDCW (GR-30 type 2 / SR-TSV-002476): SAS 300 ms, then CAS
 *    80 ms; the CPE mutes its handset and answers with the ACK digit,
 *    DTMF 'D' (ADSI CPE: 'A'), 55..65 ms, within 100 ms of the CAS end
 *    (the exchange gives up after ~160 ms without ACK and sends no FSK);
 *    FSK starts 50..500 ms after the ACK ends. Detect the ACK with
 *    gw_dtmf_rx (dsp/dtmf.h); gw_callerid_ack_digit() gives the digit.
 *  - ETSI EN 300 659-1, data before ringing, three start methods:
 *    (a) line reversal + DT-AS: reversal, >= 100 ms, DT-AS 100 ms,
 *        FSK 45..500 ms after the DT-AS end (BT SIN227: 45..75 ms; use
 *        ~60 ms, which suits both), first ring >= 200 ms after the FSK;
 *    (b) DT-AS alone: as (a) without the reversal;
 *    (c) ring pulse (RP-AS): a 200..300 ms ring burst, FSK ~500 ms after
 *        its end (the ring is not audio: only the gap is ours).
 *    Data during ringing (after the first ring): FSK >= 500 ms after the
 *    ring ends, as Bell.
 *  - ETSI EN 300 659-2, off-hook (call waiting): DT-AS as the alert,
 *    ACK DTMF 'D' from the TE, then FSK without seizure (as CIDCW).
 *  - JCLIP: the exchange sends the "CAR" ring, the TE goes off-hook, the
 *    FSK follows, the TE goes on-hook, then normal ringing.
 *  - DTMF: before the first ring, usually after a line reversal; the
 *    receiver's message timeout is 10 s (spandsp).
 *
 * Allocation only in _alloc; _put, _alert and _process never allocate.
 */
#ifndef GW_DSP_CALLERID_H
#define GW_DSP_CALLERID_H

#include <stdbool.h>
#include <stdint.h>

enum gw_callerid_standard {
	GW_CALLERID_BELL202_MDMF = 0, /* GR-30, Bell 202, MDMF 0x80 */
	GW_CALLERID_BELL202_SDMF,     /* GR-30, Bell 202, SDMF 0x04 */
	GW_CALLERID_ETSI_FSK,	      /* EN 300 659, V.23, message 0x80 */
	GW_CALLERID_JCLIP,	      /* NTT JCLIP, V.23, DLE + CRC-16 */
	GW_CALLERID_DTMF,	      /* A<number>C / B00C / B10C */
	GW_CALLERID_DTMF_HASH,	      /* A<number># / D1# / D3# */
	GW_CALLERID_STANDARD_COUNT
};

/* Largest fields any standard carries (ETSI: 20 digits, 50 characters). */
#define GW_CALLERID_NUMBER_MAX 20
#define GW_CALLERID_NAME_MAX 50

/* Reasons for absence of number or name. */
#define GW_CALLERID_PRIVATE 'P'
#define GW_CALLERID_UNAVAILABLE 'O'

struct gw_callerid_msg {
	/* Date and time of the call (local); month 0: not present. */
	uint8_t month;	/* 1..12 */
	uint8_t day;	/* 1..31 */
	uint8_t hour;	/* 0..23 */
	uint8_t minute; /* 0..59 */
	/* Digits 0-9; "" when absent. */
	char number[GW_CALLERID_NUMBER_MAX + 1];
	/* 0, GW_CALLERID_PRIVATE or GW_CALLERID_UNAVAILABLE (JCLIP also 'C'
	 * and 'S'); not 0 only when number is "". */
	char number_absence;
	/* Printable ASCII; "" when absent. */
	char name[GW_CALLERID_NAME_MAX + 1];
	char name_absence; /* as number_absence, for the name */
	/*
	 * tx: send with off-hook (call waiting) framing: no channel seizure,
	 * 80 mark bits (Bell 202 and ETSI). The receiver cannot tell and
	 * leaves it false.
	 */
	bool call_waiting;
	/*
	 * Message waiting (visual indicator) instead of a call set-up: 1
	 * on, -1 off, 0 not an MWI message. Bell 202 MDMF: message 0x82
	 * with the visual indicator parameter 0x0B (0xFF on, 0x00 off);
	 * SDMF: message 0x06, 0x42 0x42 0x42 on, 0x6F 0x6F 0x6F off
	 * (GR-30-CORE, SR-3004); ETSI: message 0x82 (EN 300 659-3
	 * "message waiting indicator") with parameter 0x0B (0xFF / 0x00).
	 * The other fields are ignored. JCLIP and DTMF have none (tx:
	 * -EINVAL). The receiver delivers these only when
	 * gw_callerid_rx_set_mwi() asked for them.
	 */
	int8_t mwi;
};

/* Longest number/name the standard carries (0: no name field). */
int gw_callerid_number_max(enum gw_callerid_standard std);
int gw_callerid_name_max(enum gw_callerid_standard std);
/* The ACK digit the CPE sends after CAS/DT-AS off-hook: 'D'. */
char gw_callerid_ack_digit(enum gw_callerid_standard std);
const char *gw_callerid_standard_name(enum gw_callerid_standard std);

/* ---- transmitter ---- */

enum gw_callerid_alert {
	GW_CALLERID_ALERT_DTAS, /* 2130 + 2750 Hz, 100 ms */
	GW_CALLERID_ALERT_CAS,	/* 2130 + 2750 Hz, 80 ms */
	GW_CALLERID_ALERT_SAS,	/* 440 Hz, 300 ms */
};

struct gw_callerid_tx;

/* Returns 0, -EINVAL (unknown standard) or -ENOMEM. */
int gw_callerid_tx_alloc(struct gw_callerid_tx **ret,
			 enum gw_callerid_standard std);
void gw_callerid_tx_free(struct gw_callerid_tx *tx);
/* Drop queued alerts and any message in progress. */
void gw_callerid_tx_reset(struct gw_callerid_tx *tx);
/*
 * Queue an alerting tone followed by gap_ms of silence (0..1000). Alerts
 * play in order, before a queued message. Returns 0, -EINVAL or -ENOSPC
 * (more than 8 tones queued).
 */
int gw_callerid_tx_alert(struct gw_callerid_tx *tx,
			 enum gw_callerid_alert alert, int gap_ms);
/*
 * Encode msg and queue it (after any queued alerts). Returns 0, -EBUSY (a
 * message is still being sent), -EINVAL (field not valid for the
 * standard: bad date, non-digit number, both number and its absence,
 * unknown absence code) or -EMSGSIZE (number or name longer than
 * gw_callerid_number_max()/name_max(); a name where the standard has
 * none is ignored).
 */
int gw_callerid_tx_put(struct gw_callerid_tx *tx,
		       const struct gw_callerid_msg *msg);
/*
 * Fill `samples` samples of amp: alert tones and gaps, then the message
 * (seizure, marks, data, or DTMF digits), then zeros. Returns the number
 * of samples that carried caller ID output (from the start of amp);
 * 0 when idle.
 */
int gw_callerid_tx_process(struct gw_callerid_tx *tx, int16_t *amp,
			   int samples);
/* True while alerts or a message remain to be sent. */
bool gw_callerid_tx_busy(const struct gw_callerid_tx *tx);

/* ---- receiver ---- */

struct gw_callerid_rx;

/*
 * The receiver of GW_CALLERID_BELL202_* accepts both SDMF and MDMF;
 * GW_CALLERID_DTMF and _DTMF_HASH accept both variants. Returns 0,
 * -EINVAL or -ENOMEM.
 */
int gw_callerid_rx_alloc(struct gw_callerid_rx **ret,
			 enum gw_callerid_standard std);
void gw_callerid_rx_free(struct gw_callerid_rx *rx);
void gw_callerid_rx_reset(struct gw_callerid_rx *rx);
/*
 * Feed line audio. Returns 1 and fills *msg when a complete caller ID
 * message was decoded in this block (checksum/CRC right, fields valid),
 * else 0. A message whose checksum is wrong is dropped silently.
 */
int gw_callerid_rx_process(struct gw_callerid_rx *rx, const int16_t *amp,
			   int samples, struct gw_callerid_msg *msg);
/* Deliver message-waiting messages too (msg.mwi not 0); default off. */
void gw_callerid_rx_set_mwi(struct gw_callerid_rx *rx, bool on);
/* Messages delivered, and messages with a right checksum but of another
 * type (e.g. message waiting) or with invalid fields. */
void gw_callerid_rx_counts(const struct gw_callerid_rx *rx,
			   unsigned long *decoded, unsigned long *rejected);

/* ---- DT-AS / CAS detector ---- */

struct gw_callerid_alert_rx;

/*
 * Detects 2130 + 2750 Hz (DT-AS, CAS): both tones at -40 dBm0 or more,
 * twist within 6 dB, the pair carrying >= 70 % of the energy, in 10 ms
 * blocks; reported when the tone ends, if it lasted 40..200 ms.
 */
int gw_callerid_alert_rx_alloc(struct gw_callerid_alert_rx **ret);
void gw_callerid_alert_rx_free(struct gw_callerid_alert_rx *rx);
void gw_callerid_alert_rx_reset(struct gw_callerid_alert_rx *rx);
/*
 * Feed line audio. Returns the duration in ms (a multiple of 10) of an
 * alert tone that ended in this block, else 0.
 */
int gw_callerid_alert_rx_process(struct gw_callerid_alert_rx *rx,
				 const int16_t *amp, int samples);

#endif
