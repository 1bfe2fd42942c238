// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * callerid: message coding around spandsp's adsi_tx/adsi_rx, the alerting
 * tone generator and the DT-AS/CAS detector.
 *
 * Transmitter: gw_callerid_tx_put() codes the message body into a buffer
 * and hands it to adsi_tx_put_message(), which adds the length and
 * checksum (or, for JCLIP, the DLE framing and CRC). adsi_tx() is called
 * only while a message is queued: spandsp's FSK transmitter is started by
 * adsi_tx_init() already and would otherwise send a preamble with an empty
 * message. The end of the message is seen as adsi_tx() returning fewer
 * samples than asked.
 *
 * Receiver: spandsp calls put_msg with the message, checksum checked (the
 * digit string up to '#' or 'C' for DTMF); it is parsed here into the
 * caller's struct. JCLIP is received with spandsp's fsk_rx and the DLE
 * framing here: spandsp 0.0.6's adsi_rx finds the end of a JCLIP frame by
 * counting octets against the length octet, which breaks when the length
 * octet itself is 0x10 (stuffed to DLE DLE), i.e. for a 14-digit number.
 * We find the end at the unstuffed DLE ETX and check the CRC-16 (spandsp's
 * crc_itu16_calc over the octets from the header to the CRC, as adsi_rx).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/callerid.h"

#define SAMPLES_PER_MS (SAMPLE_RATE / 1000)
#define MAX_SEGMENTS 16
#define ALERT_LEVEL_DBM0 -13.0f

#define DLE 0x10
#define SOH 0x01
#define STX 0x02
#define ETX 0x03

/* Message types and parameter codes (GR-30, EN 300 659-3, JCLIP). */
#define TYPE_SDMF 0x04
#define TYPE_MDMF 0x80
#define TYPE_JCLIP 0x40
#define PARAM_DATETIME 0x01
#define PARAM_NUMBER 0x02
#define PARAM_NUMBER_ABSENCE 0x04
#define PARAM_NAME 0x07
#define PARAM_NAME_ABSENCE 0x08
/* Message waiting (GR-30-CORE / SR-3004, EN 300 659-3). */
#define TYPE_MDMF_MWI 0x82
#define TYPE_SDMF_MWI 0x06
#define PARAM_VISUAL_MWI 0x0B
#define SDMF_MWI_ON 0x42
#define SDMF_MWI_OFF 0x6F

struct segment {
	int32_t rate1, rate2; /* DDS phase rates; 0: no tone */
	int16_t scale;	      /* 0: silence */
	int samples;
};

struct gw_callerid_tx {
	enum gw_callerid_standard std;
	adsi_tx_state_t *adsi;
	struct segment seg[MAX_SEGMENTS];
	int nseg;
	int cur;     /* segment playing */
	int seg_pos; /* samples of it played */
	uint32_t phase1, phase2;
	bool msg_queued; /* handed to adsi_tx, not yet finished */
	uint8_t buf[256];
};

/* JCLIP receive framing (spandsp's adsi_rx miscounts stuffed DLEs). */
enum jclip_state { J_IDLE, J_DLE, J_FRAME, J_CRC };

struct gw_callerid_rx {
	enum gw_callerid_standard std;
	adsi_rx_state_t *adsi; /* all but JCLIP */
	fsk_rx_state_t *fsk;   /* JCLIP */
	/* JCLIP: async character assembly and DLE framing */
	int bit_pos;
	int byte;
	enum jclip_state jstate;
	bool esc;
	int crc_left;
	int raw_len;
	uint8_t raw[256];
	struct gw_callerid_msg msg;
	bool ready;
	bool want_mwi; /* gw_callerid_rx_set_mwi() */
	unsigned long decoded;
	unsigned long rejected;
};

/* ---- per-standard facts ---- */

static int adsi_standard(enum gw_callerid_standard std)
{
	switch (std) {
	case GW_CALLERID_BELL202_MDMF:
	case GW_CALLERID_BELL202_SDMF:
		return ADSI_STANDARD_CLASS;
	case GW_CALLERID_ETSI_FSK:
		return ADSI_STANDARD_CLIP;
	case GW_CALLERID_JCLIP:
		return ADSI_STANDARD_JCLIP;
	case GW_CALLERID_DTMF:
	case GW_CALLERID_DTMF_HASH:
		return ADSI_STANDARD_CLIP_DTMF;
	default:
		return -1;
	}
}

int gw_callerid_number_max(enum gw_callerid_standard std)
{
	switch (std) {
	case GW_CALLERID_BELL202_SDMF:
		return 10; /* GR-30 SDMF: 10 digits */
	case GW_CALLERID_BELL202_MDMF:
		return 15;
	default:
		return GW_CALLERID_NUMBER_MAX;
	}
}

int gw_callerid_name_max(enum gw_callerid_standard std)
{
	switch (std) {
	case GW_CALLERID_BELL202_MDMF:
		return 15; /* GR-30 MDMF name: 15 characters */
	case GW_CALLERID_ETSI_FSK:
		return GW_CALLERID_NAME_MAX; /* EN 300 659-3: 50 */
	default:
		return 0;
	}
}

char gw_callerid_ack_digit(enum gw_callerid_standard std)
{
	(void)std; /* GR-30 CIDCW and EN 300 659-2 both use 'D' */
	return 'D';
}

const char *gw_callerid_standard_name(enum gw_callerid_standard std)
{
	static const char *const names[] = {
		[GW_CALLERID_BELL202_MDMF] = "bell202-mdmf",
		[GW_CALLERID_BELL202_SDMF] = "bell202-sdmf",
		[GW_CALLERID_ETSI_FSK] = "etsi-fsk",
		[GW_CALLERID_JCLIP] = "jclip",
		[GW_CALLERID_DTMF] = "dtmf",
		[GW_CALLERID_DTMF_HASH] = "dtmf-hash",
	};

	if ((unsigned)std >= GW_CALLERID_STANDARD_COUNT)
		return "?";
	return names[std];
}

/* ---- transmitter ---- */

int gw_callerid_tx_alloc(struct gw_callerid_tx **ret,
			 enum gw_callerid_standard std)
{
	struct gw_callerid_tx *tx;
	int astd = adsi_standard(std);

	if (astd < 0)
		return -EINVAL;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->std = std;
	tx->adsi = adsi_tx_init(NULL, astd);
	if (!tx->adsi) {
		free(tx);
		return -ENOMEM;
	}
	*ret = tx;
	return 0;
}

void gw_callerid_tx_free(struct gw_callerid_tx *tx)
{
	if (!tx)
		return;
	if (tx->adsi)
		adsi_tx_free(tx->adsi);
	free(tx);
}

void gw_callerid_tx_reset(struct gw_callerid_tx *tx)
{
	/* In place: adsi_tx_init() on existing storage does not allocate. */
	adsi_tx_init(tx->adsi, adsi_standard(tx->std));
	tx->nseg = tx->cur = tx->seg_pos = 0;
	tx->msg_queued = false;
}

static int add_segment(struct gw_callerid_tx *tx, float f1, float f2,
		       int ms)
{
	struct segment *s;

	if (ms <= 0)
		return 0;
	if (tx->nseg >= MAX_SEGMENTS)
		return -ENOSPC;
	s = &tx->seg[tx->nseg++];
	s->rate1 = f1 > 0 ? dds_phase_rate(f1) : 0;
	s->rate2 = f2 > 0 ? dds_phase_rate(f2) : 0;
	s->scale = f1 > 0 ? dds_scaling_dbm0(ALERT_LEVEL_DBM0) : 0;
	s->samples = ms * SAMPLES_PER_MS;
	return 0;
}

int gw_callerid_tx_alert(struct gw_callerid_tx *tx,
			 enum gw_callerid_alert alert, int gap_ms)
{
	float f1 = 2130.0f, f2 = 2750.0f;
	int ms;

	if (gap_ms < 0 || gap_ms > 1000)
		return -EINVAL;
	switch (alert) {
	case GW_CALLERID_ALERT_DTAS:
		ms = 100;
		break;
	case GW_CALLERID_ALERT_CAS:
		ms = 80;
		break;
	case GW_CALLERID_ALERT_SAS:
		f1 = 440.0f;
		f2 = 0;
		ms = 300;
		break;
	default:
		return -EINVAL;
	}
	/* Once all queued segments played, start the queue afresh. */
	if (tx->cur >= tx->nseg)
		tx->nseg = tx->cur = tx->seg_pos = 0;
	if (tx->nseg + (gap_ms > 0 ? 2 : 1) > MAX_SEGMENTS)
		return -ENOSPC;
	add_segment(tx, f1, f2, ms);
	add_segment(tx, 0, 0, gap_ms);
	return 0;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static bool absence_ok(enum gw_callerid_standard std, char c)
{
	if (c == 0 || c == GW_CALLERID_PRIVATE || c == GW_CALLERID_UNAVAILABLE)
		return true;
	return std == GW_CALLERID_JCLIP && (c == 'C' || c == 'S');
}

static int check_msg(enum gw_callerid_standard std,
		     const struct gw_callerid_msg *m)
{
	size_t nlen = strnlen(m->number, sizeof(m->number));
	size_t alen = strnlen(m->name, sizeof(m->name));
	int name_max = gw_callerid_name_max(std);

	if (nlen >= sizeof(m->number) || alen >= sizeof(m->name))
		return -EMSGSIZE;
	if (m->month &&
	    (m->month > 12 || m->day < 1 || m->day > 31 || m->hour > 23 ||
	     m->minute > 59))
		return -EINVAL;
	if (!all_digits(m->number) || !printable(m->name))
		return -EINVAL;
	if (!absence_ok(std, m->number_absence) ||
	    !absence_ok(std, m->name_absence))
		return -EINVAL;
	if (nlen && m->number_absence)
		return -EINVAL;
	if (name_max && alen && m->name_absence)
		return -EINVAL;
	if ((int)nlen > gw_callerid_number_max(std))
		return -EMSGSIZE;
	if (name_max && (int)alen > name_max)
		return -EMSGSIZE;
	return 0;
}

static int put_param(uint8_t *buf, int len, uint8_t type, const void *body,
		     int body_len)
{
	buf[len++] = type;
	buf[len++] = (uint8_t)body_len;
	memcpy(buf + len, body, body_len);
	return len + body_len;
}

static void datetime_digits(const struct gw_callerid_msg *m, char out[9])
{
	const uint8_t v[4] = { m->month, m->day, m->hour, m->minute };

	for (int i = 0; i < 4; i++) {
		out[2 * i] = (char)('0' + v[i] / 10);
		out[2 * i + 1] = (char)('0' + v[i] % 10);
	}
	out[8] = 0;
}

/* Bell 202 SDMF/MDMF and ETSI bodies: type, length (set by spandsp),
 * parameters. The checksum is appended by adsi_tx_put_message(). */
static int encode_fsk(struct gw_callerid_tx *tx,
		      const struct gw_callerid_msg *m)
{
	uint8_t *b = tx->buf;
	char dt[9];
	int len = 2;
	int nlen = (int)strlen(m->number), alen = (int)strlen(m->name);

	if (tx->std == GW_CALLERID_BELL202_SDMF) {
		b[0] = TYPE_SDMF;
		if (m->month)
			datetime_digits(m, dt);
		else
			memcpy(dt, "00000000", 9);
		memcpy(b + len, dt, 8);
		len += 8;
		if (nlen) {
			memcpy(b + len, m->number, nlen);
			len += nlen;
		} else {
			char c = m->number_absence ? m->number_absence
						   : GW_CALLERID_UNAVAILABLE;

			b[len++] = (uint8_t)c;
		}
		b[1] = (uint8_t)(len - 2);
		return len;
	}
	b[0] = TYPE_MDMF;
	if (m->month) {
		datetime_digits(m, dt);
		len = put_param(b, len, PARAM_DATETIME, dt, 8);
	}
	if (nlen)
		len = put_param(b, len, PARAM_NUMBER, m->number, nlen);
	else if (m->number_absence)
		len = put_param(b, len, PARAM_NUMBER_ABSENCE,
				&m->number_absence, 1);
	if (alen)
		len = put_param(b, len, PARAM_NAME, m->name, alen);
	else if (m->name_absence)
		len = put_param(b, len, PARAM_NAME_ABSENCE, &m->name_absence,
				1);
	b[1] = (uint8_t)(len - 2);
	return len;
}

/* Message waiting, Bell 202 MDMF/SDMF or ETSI (gw_callerid_msg.mwi). */
static int encode_mwi(struct gw_callerid_tx *tx,
		      const struct gw_callerid_msg *m)
{
	uint8_t *b = tx->buf;
	uint8_t v = m->mwi > 0 ? 0xFF : 0x00;

	if (tx->std == GW_CALLERID_BELL202_SDMF) {
		b[0] = TYPE_SDMF_MWI;
		b[1] = 3;
		memset(b + 2, m->mwi > 0 ? SDMF_MWI_ON : SDMF_MWI_OFF, 3);
		return 5;
	}
	b[0] = TYPE_MDMF_MWI;
	b[1] = 3;
	return put_param(b, 2, PARAM_VISUAL_MWI, &v, 1);
}

/* JCLIP: adsi_add_field() stuffs DLEs; adsi_tx_put_message() frames. */
static int encode_jclip(struct gw_callerid_tx *tx,
			const struct gw_callerid_msg *m)
{
	int len = adsi_add_field(tx->adsi, tx->buf, -1, TYPE_JCLIP, NULL, 0);
	int nlen = (int)strlen(m->number);

	if (nlen)
		len = adsi_add_field(tx->adsi, tx->buf, len, PARAM_NUMBER,
				     (const uint8_t *)m->number, nlen);
	else if (m->number_absence)
		len = adsi_add_field(tx->adsi, tx->buf, len,
				     PARAM_NUMBER_ABSENCE,
				     (const uint8_t *)&m->number_absence, 1);
	return len;
}

static int encode_dtmf(struct gw_callerid_tx *tx,
		       const struct gw_callerid_msg *m)
{
	char *b = (char *)tx->buf;
	bool hash = tx->std == GW_CALLERID_DTMF_HASH;
	int nlen = (int)strlen(m->number);
	int len = 0;

	if (nlen) {
		b[len++] = 'A';
		memcpy(b + len, m->number, nlen);
		len += nlen;
	} else {
		bool priv = m->number_absence == GW_CALLERID_PRIVATE;

		if (hash) {
			b[len++] = 'D';
			b[len++] = priv ? '1' : '3';
		} else {
			b[len++] = 'B';
			b[len++] = priv ? '1' : '0';
			b[len++] = '0';
		}
	}
	b[len++] = hash ? '#' : 'C';
	return len;
}

int gw_callerid_tx_put(struct gw_callerid_tx *tx,
		       const struct gw_callerid_msg *msg)
{
	int len, rc;

	if (tx->msg_queued)
		return -EBUSY;
	if (msg->mwi) {
		if (tx->std != GW_CALLERID_BELL202_MDMF &&
		    tx->std != GW_CALLERID_BELL202_SDMF &&
		    tx->std != GW_CALLERID_ETSI_FSK)
			return -EINVAL;
		len = encode_mwi(tx, msg);
		/* on-hook: seizure and marks, as a call set-up */
		adsi_tx_set_preamble(tx->adsi, 300, 180, 5, 1);
		if (adsi_tx_put_message(tx->adsi, tx->buf, len) <= 0)
			return -EBUSY;
		tx->msg_queued = true;
		return 0;
	}
	rc = check_msg(tx->std, msg);
	if (rc < 0)
		return rc;
	switch (tx->std) {
	case GW_CALLERID_BELL202_MDMF:
	case GW_CALLERID_BELL202_SDMF:
	case GW_CALLERID_ETSI_FSK:
		len = encode_fsk(tx, msg);
		/* GR-30 / EN 300 659: on-hook 300 seizure + 180 mark bits;
		 * off-hook no seizure, 80 mark bits. */
		if (msg->call_waiting)
			adsi_tx_set_preamble(tx->adsi, 0, 80, 5, 1);
		else
			adsi_tx_set_preamble(tx->adsi, 300, 180, 5, 1);
		break;
	case GW_CALLERID_JCLIP:
		len = encode_jclip(tx, msg);
		break;
	default:
		len = encode_dtmf(tx, msg);
		break;
	}
	if (adsi_tx_put_message(tx->adsi, tx->buf, len) <= 0)
		return -EBUSY; /* spandsp still holds a message */
	tx->msg_queued = true;
	return 0;
}

static int play_segments(struct gw_callerid_tx *tx, int16_t *amp,
			 int samples)
{
	int done = 0;

	while (done < samples && tx->cur < tx->nseg) {
		struct segment *s = &tx->seg[tx->cur];
		int n = s->samples - tx->seg_pos;

		if (n > samples - done)
			n = samples - done;
		if (s->scale == 0) {
			memset(amp + done, 0, n * sizeof(*amp));
		} else {
			for (int i = 0; i < n; i++) {
				int v = dds_mod(&tx->phase1, s->rate1, s->scale,
						0);
				if (s->rate2)
					v += dds_mod(&tx->phase2, s->rate2,
						     s->scale, 0);
				amp[done + i] = (int16_t)v;
			}
		}
		done += n;
		tx->seg_pos += n;
		if (tx->seg_pos >= s->samples) {
			tx->cur++;
			tx->seg_pos = 0;
			tx->phase1 = tx->phase2 = 0;
		}
	}
	return done;
}

int gw_callerid_tx_process(struct gw_callerid_tx *tx, int16_t *amp,
			   int samples)
{
	int done;

	if (samples <= 0)
		return 0;
	done = play_segments(tx, amp, samples);
	if (done < samples && tx->msg_queued) {
		int want = samples - done;
		int n = adsi_tx(tx->adsi, amp + done, want);

		if (n < 0)
			n = 0;
		if (n < want)
			tx->msg_queued = false;
		done += n;
	}
	if (done < samples)
		memset(amp + done, 0, (samples - done) * sizeof(*amp));
	return done;
}

bool gw_callerid_tx_busy(const struct gw_callerid_tx *tx)
{
	return tx->msg_queued || tx->cur < tx->nseg;
}

/* ---- receiver ---- */

static int digits2(const uint8_t *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static int parse_datetime(struct gw_callerid_msg *m, const uint8_t *p,
			  int len)
{
	int v[4];

	if (len != 8)
		return -1;
	for (int i = 0; i < 4; i++)
		if ((v[i] = digits2(p + 2 * i)) < 0)
			return -1;
	if (v[0] == 0)
		return 0; /* SDMF without a date: "00000000" */
	if (v[0] > 12 || v[1] < 1 || v[1] > 31 || v[2] > 23 || v[3] > 59)
		return -1;
	m->month = (uint8_t)v[0];
	m->day = (uint8_t)v[1];
	m->hour = (uint8_t)v[2];
	m->minute = (uint8_t)v[3];
	return 0;
}

static int copy_digits(char *dst, size_t dst_size, const uint8_t *p,
		       int len)
{
	if (len < 0 || (size_t)len >= dst_size)
		return -1;
	for (int i = 0; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	memcpy(dst, p, len);
	dst[len] = 0;
	return 0;
}

static int copy_text(char *dst, size_t dst_size, const uint8_t *p, int len)
{
	if (len < 0 || (size_t)len >= dst_size)
		return -1;
	for (int i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return -1;
	memcpy(dst, p, len);
	dst[len] = 0;
	return 0;
}

static int parse_absence(char *dst, const uint8_t *p, int len, bool jclip)
{
	if (len != 1)
		return -1;
	if (p[0] != 'P' && p[0] != 'O' &&
	    !(jclip && (p[0] == 'C' || p[0] == 'S')))
		return -1;
	*dst = (char)p[0];
	return 0;
}

/* MDMF-style parameters: type, length, value. Unknown types skipped. */
static int parse_params(struct gw_callerid_msg *m, const uint8_t *p,
			int len, bool jclip)
{
	int pos = 0;

	while (pos < len) {
		int type, plen, rc = 0;

		if (pos + 2 > len)
			return -1;
		type = p[pos];
		plen = p[pos + 1];
		pos += 2;
		if (pos + plen > len)
			return -1;
		switch (type) {
		case PARAM_DATETIME:
			if (!jclip)
				rc = parse_datetime(m, p + pos, plen);
			break;
		case PARAM_NUMBER:
			rc = copy_digits(m->number, sizeof(m->number), p + pos,
					 plen);
			break;
		case PARAM_NUMBER_ABSENCE:
			rc = parse_absence(&m->number_absence, p + pos, plen,
					   jclip);
			break;
		case PARAM_NAME:
			if (!jclip)
				rc = copy_text(m->name, sizeof(m->name),
					       p + pos, plen);
			break;
		case PARAM_NAME_ABSENCE:
			if (!jclip)
				rc = parse_absence(&m->name_absence, p + pos,
						   plen, false);
			break;
		default:
			break;
		}
		if (rc < 0)
			return -1;
		pos += plen;
	}
	return 0;
}

/* msg: type, length, body (spandsp dropped the checksum). */
static int parse_fsk(struct gw_callerid_rx *rx, const uint8_t *msg, int len)
{
	struct gw_callerid_msg *m = &rx->msg;
	const uint8_t *body = msg + 2;
	int blen = len - 2;

	if (len < 2 || msg[1] != blen)
		return -1;
	if (rx->want_mwi && msg[0] == TYPE_MDMF_MWI) {
		for (int i = 0; i + 2 <= blen; i += 2 + body[i + 1]) {
			if (i + 2 + body[i + 1] > blen)
				return -1;
			if (body[i] == PARAM_VISUAL_MWI && body[i + 1] == 1) {
				m->mwi = body[i + 2] ? 1 : -1;
				return 0;
			}
		}
		return -1;
	}
	if (rx->want_mwi && msg[0] == TYPE_SDMF_MWI &&
	    rx->std != GW_CALLERID_ETSI_FSK && blen == 3 &&
	    body[0] == body[1] && body[1] == body[2] &&
	    (body[0] == SDMF_MWI_ON || body[0] == SDMF_MWI_OFF)) {
		m->mwi = body[0] == SDMF_MWI_ON ? 1 : -1;
		return 0;
	}
	if (msg[0] == TYPE_MDMF)
		return parse_params(m, body, blen, false);
	if (msg[0] != TYPE_SDMF || rx->std == GW_CALLERID_ETSI_FSK)
		return -1;
	if (blen < 9 || parse_datetime(m, body, 8) < 0)
		return -1;
	if (blen == 9 && (body[8] == 'P' || body[8] == 'O')) {
		m->number_absence = (char)body[8];
		return 0;
	}
	return copy_digits(m->number, sizeof(m->number), body + 8, blen - 8);
}

/* msg: DLE SOH header DLE STX type length body DLE ETX, parity and CRC
 * removed by spandsp; DLEs inside are doubled. */
static int parse_jclip(struct gw_callerid_rx *rx, const uint8_t *msg,
		       int len)
{
	uint8_t un[256];
	int n = 0, body_raw = 0;

	if (len < 9 || msg[0] != DLE || msg[1] != SOH || msg[3] != DLE ||
	    msg[4] != STX || msg[len - 2] != DLE || msg[len - 1] != ETX)
		return -1;
	for (int i = 5; i < len - 2; i++) {
		un[n++] = msg[i];
		if (msg[i] == DLE) {
			if (i + 1 >= len - 2 || msg[i + 1] != DLE)
				return -1;
			i++;
		}
		if (n == 2)
			body_raw = len - 2 - (i + 1);
	}
	/* spandsp's transmitter counts the stuffed octets in the length;
	 * accept that and the unstuffed count. */
	if (n < 2 || un[0] != TYPE_JCLIP ||
	    (un[1] != n - 2 && un[1] != body_raw))
		return -1;
	return parse_params(&rx->msg, un + 2, n - 2, true);
}

/* "A<digits>C", "B00C", "B10C", "A<digits>#", "D1#", "<digits>#"... */
static int parse_dtmf(struct gw_callerid_rx *rx, const uint8_t *msg,
		      int len)
{
	struct gw_callerid_msg *m = &rx->msg;
	bool hash;
	int pos = 0;

	if (len < 2)
		return -1;
	hash = msg[len - 1] == '#';
	len--; /* drop the terminator */
	while (pos < len) {
		int field = 0, start, n;

		if (msg[pos] < '0' || msg[pos] > '9')
			field = msg[pos++];
		start = pos;
		while (pos < len && msg[pos] >= '0' && msg[pos] <= '9')
			pos++;
		n = pos - start;
		switch (field) {
		case 0:
		case 'A':
			if (copy_digits(m->number, sizeof(m->number),
					msg + start, n) < 0)
				return -1;
			break;
		case 'B': /* C variant: special information */
			if (hash || n != 2)
				return -1;
			if (msg[start] == '1' && msg[start + 1] == '0')
				m->number_absence = GW_CALLERID_PRIVATE;
			else if (msg[start] == '0' && msg[start + 1] == '0')
				m->number_absence = GW_CALLERID_UNAVAILABLE;
			else
				return -1;
			break;
		case 'D':
			if (!hash)
				break; /* C variant: redirecting number */
			if (n != 1 || msg[start] < '1' || msg[start] > '3')
				return -1;
			m->number_absence = msg[start] == '1'
						    ? GW_CALLERID_PRIVATE
						    : GW_CALLERID_UNAVAILABLE;
			break;
		default:
			return -1;
		}
	}
	if (!m->number[0] && !m->number_absence)
		return -1;
	if (m->number[0] && m->number_absence)
		return -1;
	return 0;
}

static void put_msg(void *user_data, const uint8_t *msg, int len)
{
	struct gw_callerid_rx *rx = user_data;
	int rc;

	memset(&rx->msg, 0, sizeof(rx->msg));
	switch (rx->std) {
	case GW_CALLERID_JCLIP:
		rc = parse_jclip(rx, msg, len);
		break;
	case GW_CALLERID_DTMF:
	case GW_CALLERID_DTMF_HASH:
		rc = parse_dtmf(rx, msg, len);
		break;
	default:
		rc = parse_fsk(rx, msg, len);
		break;
	}
	if (rc < 0) {
		rx->rejected++;
		return;
	}
	rx->decoded++;
	rx->ready = true;
}

/* One received JCLIP octet (parity in bit 7). */
static void jclip_octet(struct gw_callerid_rx *rx, int octet)
{
	int c = octet & 0x7f;

	switch (rx->jstate) {
	case J_IDLE:
		if (c == DLE) {
			rx->raw[0] = (uint8_t)octet;
			rx->jstate = J_DLE;
		}
		return;
	case J_DLE:
		if (c == SOH) {
			rx->raw[1] = (uint8_t)octet;
			rx->raw_len = 2;
			rx->esc = false;
			rx->jstate = J_FRAME;
		} else if (c != DLE) {
			rx->jstate = J_IDLE;
		}
		return;
	default:
		break;
	}
	if (rx->raw_len >= (int)sizeof(rx->raw)) {
		rx->jstate = J_IDLE;
		return;
	}
	rx->raw[rx->raw_len++] = (uint8_t)octet;
	if (rx->jstate == J_CRC) {
		if (--rx->crc_left > 0)
			return;
		rx->jstate = J_IDLE;
		if (crc_itu16_calc(rx->raw + 2, rx->raw_len - 2, 0) != 0)
			return; /* CRC failed: dropped like a bad checksum */
		for (int i = 0; i < rx->raw_len - 2; i++)
			rx->raw[i] &= 0x7f;
		put_msg(rx, rx->raw, rx->raw_len - 2);
		return;
	}
	if (rx->esc) {
		rx->esc = false;
		if (c == ETX) {
			rx->jstate = J_CRC;
			rx->crc_left = 2;
		}
	} else if (c == DLE) {
		rx->esc = true;
	}
}

static void jclip_put_bit(void *user_data, int bit)
{
	struct gw_callerid_rx *rx = user_data;

	if (bit < 0) { /* carrier up/down and other status */
		rx->bit_pos = 0;
		rx->jstate = J_IDLE;
		return;
	}
	if (rx->bit_pos == 0) {
		if (!(bit & 1)) /* start bit */
			rx->bit_pos = 1;
	} else if (rx->bit_pos <= 8) {
		rx->byte = (rx->byte >> 1) | ((bit & 1) << 7);
		rx->bit_pos++;
	} else {
		if (bit & 1) /* stop bit */
			jclip_octet(rx, rx->byte);
		else
			rx->jstate = J_IDLE; /* framing error */
		rx->bit_pos = 0;
		rx->byte = 0;
	}
}

static int rx_init_modem(struct gw_callerid_rx *rx, bool alloc)
{
	fsk_rx_state_t *f;
	adsi_rx_state_t *a;

	rx->bit_pos = 0;
	rx->byte = 0;
	rx->jstate = J_IDLE;
	if (rx->std == GW_CALLERID_JCLIP) {
		f = fsk_rx_init(alloc ? NULL : rx->fsk,
				&preset_fsk_specs[FSK_V23CH1],
				FSK_FRAME_MODE_ASYNC, jclip_put_bit, rx);
		if (!f)
			return -ENOMEM;
		rx->fsk = f;
		return 0;
	}
	a = adsi_rx_init(alloc ? NULL : rx->adsi, adsi_standard(rx->std),
			 put_msg, rx);
	if (!a)
		return -ENOMEM;
	rx->adsi = a;
	return 0;
}

int gw_callerid_rx_alloc(struct gw_callerid_rx **ret,
			 enum gw_callerid_standard std)
{
	struct gw_callerid_rx *rx;
	int astd = adsi_standard(std);

	if (astd < 0)
		return -EINVAL;
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	rx->std = std;
	if (rx_init_modem(rx, true) < 0) {
		free(rx);
		return -ENOMEM;
	}
	*ret = rx;
	return 0;
}

void gw_callerid_rx_free(struct gw_callerid_rx *rx)
{
	if (!rx)
		return;
	if (rx->adsi)
		adsi_rx_free(rx->adsi);
	if (rx->fsk)
		fsk_rx_free(rx->fsk);
	free(rx);
}

void gw_callerid_rx_reset(struct gw_callerid_rx *rx)
{
	/* In place: the _init functions on existing storage do not
	 * allocate. */
	rx_init_modem(rx, false);
	rx->ready = false;
}

int gw_callerid_rx_process(struct gw_callerid_rx *rx, const int16_t *amp,
			   int samples, struct gw_callerid_msg *msg)
{
	if (samples <= 0)
		return 0;
	rx->ready = false;
	if (rx->fsk)
		fsk_rx(rx->fsk, amp, samples);
	else
		adsi_rx(rx->adsi, amp, samples);
	if (!rx->ready)
		return 0;
	rx->ready = false;
	*msg = rx->msg;
	return 1;
}

void gw_callerid_rx_set_mwi(struct gw_callerid_rx *rx, bool on)
{
	rx->want_mwi = on;
}

void gw_callerid_rx_counts(const struct gw_callerid_rx *rx,
			   unsigned long *decoded, unsigned long *rejected)
{
	if (decoded)
		*decoded = rx->decoded;
	if (rejected)
		*rejected = rx->rejected;
}

/* ---- DT-AS / CAS detector ---- */

#define ALERT_BLOCK 80		/* 10 ms */
#define ALERT_MIN_BLOCKS 4	/* 40 ms */
#define ALERT_MAX_BLOCKS 20	/* 200 ms */
#define ALERT_MIN_DBM0 -40.0f	/* per tone */
#define ALERT_TWIST_DB 6.0f
#define ALERT_SHARE 0.70f	/* of the block energy in the two tones */

struct gw_callerid_alert_rx {
	float coef1, coef2;	/* 2 cos(2 pi f / fs) */
	float s1a, s1b, s2a, s2b; /* Goertzel states */
	float energy;
	int pos;		/* samples into the block */
	int run;		/* consecutive tone blocks */
	float min_ms;		/* minimum tone mean square */
	float twist;		/* max power ratio between the tones */
};

int gw_callerid_alert_rx_alloc(struct gw_callerid_alert_rx **ret)
{
	struct gw_callerid_alert_rx *rx = calloc(1, sizeof(*rx));
	float rms0 = 32767.0f * powf(10.0f, -3.14f / 20.0f) / sqrtf(2.0f);

	if (!rx)
		return -ENOMEM;
	rx->coef1 = 2.0f * cosf(2.0f * (float)M_PI * 2130.0f / SAMPLE_RATE);
	rx->coef2 = 2.0f * cosf(2.0f * (float)M_PI * 2750.0f / SAMPLE_RATE);
	rx->min_ms = rms0 * rms0 * powf(10.0f, ALERT_MIN_DBM0 / 10.0f);
	rx->twist = powf(10.0f, ALERT_TWIST_DB / 10.0f);
	*ret = rx;
	return 0;
}

void gw_callerid_alert_rx_free(struct gw_callerid_alert_rx *rx)
{
	free(rx);
}

void gw_callerid_alert_rx_reset(struct gw_callerid_alert_rx *rx)
{
	rx->s1a = rx->s1b = rx->s2a = rx->s2b = rx->energy = 0;
	rx->pos = rx->run = 0;
}

/* Mean square of the tone from the Goertzel state over one block. */
static float goertzel_ms(float a, float b, float coef)
{
	float p = a * a + b * b - coef * a * b;

	return 2.0f * p / ((float)ALERT_BLOCK * ALERT_BLOCK);
}

static int alert_block_end(struct gw_callerid_alert_rx *rx)
{
	float t1 = goertzel_ms(rx->s1a, rx->s1b, rx->coef1);
	float t2 = goertzel_ms(rx->s2a, rx->s2b, rx->coef2);
	float total = rx->energy / ALERT_BLOCK;
	bool tone = t1 >= rx->min_ms && t2 >= rx->min_ms &&
		    t1 <= t2 * rx->twist && t2 <= t1 * rx->twist &&
		    t1 + t2 >= ALERT_SHARE * total;
	int ended = 0;

	rx->s1a = rx->s1b = rx->s2a = rx->s2b = rx->energy = 0;
	if (tone) {
		rx->run++;
		return 0;
	}
	if (rx->run >= ALERT_MIN_BLOCKS && rx->run <= ALERT_MAX_BLOCKS)
		ended = rx->run * 10;
	rx->run = 0;
	return ended;
}

int gw_callerid_alert_rx_process(struct gw_callerid_alert_rx *rx,
				 const int16_t *amp, int samples)
{
	int ended = 0;

	for (int i = 0; i < samples; i++) {
		float x = amp[i];
		float v1 = x + rx->coef1 * rx->s1a - rx->s1b;
		float v2 = x + rx->coef2 * rx->s2a - rx->s2b;

		rx->s1b = rx->s1a;
		rx->s1a = v1;
		rx->s2b = rx->s2a;
		rx->s2a = v2;
		rx->energy += x * x;
		if (++rx->pos == ALERT_BLOCK) {
			int e = alert_block_end(rx);

			rx->pos = 0;
			if (e)
				ended = e;
		}
	}
	return ended;
}
