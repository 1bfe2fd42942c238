// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_callerid: caller ID round trips for each standard and start method
 * through a line model, the DT-AS/CAS detector, CIDCW with its ACK digit,
 * checksum rejection and field limits.
 *
 * Line model (one direction): the signal is attenuated by 10 dB, band
 * limited (1-pole high-pass at 150 Hz, 2nd-order Butterworth low-pass at
 * 3400 Hz), and white Gaussian noise at -48 dBm0 is added. A line reversal
 * is a DC step of +-10000 ahead of the high-pass (a click at the receiver).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/callerid.h"
#include "dsp/dtmf.h"
#include "tests/test.h"
#include "tests/testsig.h"

#define FS 8000
#define BLOCK 80 /* 10 ms */
#define MSGS 20
#define RMS0 16140.6 /* 0 dBm0 */
#define NOISE_DBM0 -48.0
#define LOSS_DB 10.0

/* ---- random numbers ---- */

static uint32_t rng_state = 1;

static uint32_t rng(void)
{
	return gw_testsig_rng(&rng_state);
}

static double rng_uniform(void)
{
	return (rng() >> 8) * (1.0 / 16777216.0);
}

static double rng_gauss(void)
{
	double u1 = rng_uniform() + 1e-12, u2 = rng_uniform();

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* ---- line model ---- */

struct line {
	double gain;
	double noise_rms;
	double dc;	     /* loop DC ahead of the high-pass */
	double hp_x1, hp_y1; /* high-pass state */
	double b0, b1, b2, a1, a2;
	double lp_x1, lp_x2, lp_y1, lp_y2;
	double sig_ss, n_sig; /* signal power at the receiver, for figures */
};

static void line_init(struct line *l, double loss_db, double noise_dbm0)
{
	double k = tan(M_PI * 3400.0 / FS), q = sqrt(2.0);
	double norm = 1.0 / (1.0 + q * k + k * k);

	memset(l, 0, sizeof(*l));
	l->gain = pow(10.0, -loss_db / 20.0);
	l->noise_rms = RMS0 * pow(10.0, noise_dbm0 / 20.0);
	l->b0 = k * k * norm;
	l->b1 = 2.0 * l->b0;
	l->b2 = l->b0;
	l->a1 = 2.0 * (k * k - 1.0) * norm;
	l->a2 = (1.0 - q * k + k * k) * norm;
	l->dc = 10000.0;
}

static void line_run(struct line *l, const int16_t *in, int16_t *out, int n)
{
	const double a = 1.0 / (1.0 + 2.0 * M_PI * 150.0 / FS);

	for (int i = 0; i < n; i++) {
		double x = in[i] * l->gain;
		double y, v;

		if (x != 0.0) {
			l->sig_ss += x * x;
			l->n_sig++;
		}
		x += l->dc;
		y = a * (l->hp_y1 + x - l->hp_x1);
		l->hp_x1 = x;
		l->hp_y1 = y;
		v = l->b0 * y + l->b1 * l->lp_x1 + l->b2 * l->lp_x2 -
		    l->a1 * l->lp_y1 - l->a2 * l->lp_y2;
		l->lp_x2 = l->lp_x1;
		l->lp_x1 = y;
		l->lp_y2 = l->lp_y1;
		l->lp_y1 = v;
		out[i] = gw_testsig_sat16(v + l->noise_rms * rng_gauss());
	}
}

static double line_signal_dbm0(const struct line *l)
{
	if (l->n_sig == 0)
		return -99.0;
	return 10.0 * log10(l->sig_ss / l->n_sig / (RMS0 * RMS0));
}

/* ---- messages ---- */

static void rand_digits(char *s, int n)
{
	for (int i = 0; i < n; i++)
		s[i] = (char)('0' + rng() % 10);
	s[n] = 0;
}

static void rand_name(char *s, int n)
{
	for (int i = 0; i < n; i++)
		s[i] = (char)(0x20 + rng() % 95);
	s[n] = 0;
}

static int imin(int a, int b)
{
	return a < b ? a : b;
}

/* Message i of a varied set: privacy, unavailable, maximum lengths,
 * 16-octet fields (0x10, the DLE value), with and without date. */
static void gen_msg(enum gw_callerid_standard std, int i,
		    struct gw_callerid_msg *m)
{
	int nmax = gw_callerid_number_max(std);
	int amax = gw_callerid_name_max(std);

	memset(m, 0, sizeof(*m));
	if (i % 6 != 0) {
		m->month = (uint8_t)(1 + rng() % 12);
		m->day = (uint8_t)(1 + rng() % 31);
		m->hour = (uint8_t)(rng() % 24);
		m->minute = (uint8_t)(rng() % 60);
	}
	switch (i % 10) {
	case 0: /* JCLIP: body of 16 octets */
		rand_digits(m->number, imin(14, nmax));
		break;
	case 1:
		m->number_absence = GW_CALLERID_PRIVATE;
		break;
	case 2:
		m->number_absence = GW_CALLERID_UNAVAILABLE;
		break;
	case 3:
		rand_digits(m->number, nmax);
		break;
	case 5:
		rand_digits(m->number, imin(16, nmax));
		break;
	case 8:
		if (std == GW_CALLERID_JCLIP)
			m->number_absence = 'C';
		else
			rand_digits(m->number, 1);
		break;
	case 9:
		if (std == GW_CALLERID_JCLIP)
			m->number_absence = 'S';
		else
			rand_digits(m->number, 3 + rng() % (nmax - 2));
		break;
	default:
		rand_digits(m->number, 3 + rng() % (nmax - 2));
		break;
	}
	if (!amax)
		return;
	switch (i % 10) {
	case 3:
		rand_name(m->name, amax);
		break;
	case 4:
		m->name_absence = GW_CALLERID_PRIVATE;
		break;
	case 5:
		rand_name(m->name, imin(16, amax));
		break;
	case 6:
		m->name_absence = GW_CALLERID_UNAVAILABLE;
		break;
	case 7:
		break;
	default:
		rand_name(m->name, 1 + rng() % amax);
		break;
	}
}

/* What the receiver should get back for `in` under `std`. */
static void expected(enum gw_callerid_standard std,
		     const struct gw_callerid_msg *in,
		     struct gw_callerid_msg *out)
{
	*out = *in;
	out->call_waiting = false;
	if (std == GW_CALLERID_BELL202_SDMF && !in->number[0] &&
	    !in->number_absence)
		out->number_absence = GW_CALLERID_UNAVAILABLE;
	if (std == GW_CALLERID_JCLIP || std == GW_CALLERID_DTMF ||
	    std == GW_CALLERID_DTMF_HASH)
		out->month = out->day = out->hour = out->minute = 0;
	if (!gw_callerid_name_max(std)) {
		out->name[0] = 0;
		out->name_absence = 0;
	}
}

static int same_msg(const struct gw_callerid_msg *a,
		    const struct gw_callerid_msg *b)
{
	return a->month == b->month && a->day == b->day &&
	       a->hour == b->hour && a->minute == b->minute &&
	       strcmp(a->number, b->number) == 0 &&
	       a->number_absence == b->number_absence &&
	       strcmp(a->name, b->name) == 0 &&
	       a->name_absence == b->name_absence;
}

static void print_msg(const char *tag, const struct gw_callerid_msg *m)
{
	printf("    %s: %02d/%02d %02d:%02d num \"%s\" (%c) name \"%s\" (%c)\n",
	       tag, m->month, m->day, m->hour, m->minute, m->number,
	       m->number_absence ? m->number_absence : '-', m->name,
	       m->name_absence ? m->name_absence : '-');
}

/* ---- one-way round trips with the start methods ---- */

enum start {
	START_NONE,	  /* FSK/DTMF after 200 ms of idle line */
	START_RING_PULSE, /* ETSI RP-AS: FSK 500 ms after the ring burst */
	START_DTAS,	  /* ETSI: DT-AS, 60 ms, FSK */
	START_REV_DTAS,	  /* ETSI: line reversal, 150 ms, DT-AS, 60 ms, FSK */
};

static const char *const start_names[] = {
	"no alert", "ring pulse", "DT-AS", "reversal+DT-AS"
};

struct trip {
	int decoded, alerts, alert_ms_min, alert_ms_max;
	long samples;
	double level_dbm0;
};

static int round_trip(enum gw_callerid_standard std, enum start start,
		      struct trip *t)
{
	struct gw_callerid_tx *tx = NULL;
	struct gw_callerid_rx *rx = NULL;
	struct gw_callerid_alert_rx *arx = NULL;
	struct line line;
	int16_t a[BLOCK], b[BLOCK];
	int rc = -1;

	memset(t, 0, sizeof(*t));
	t->alert_ms_min = 1000;
	line_init(&line, LOSS_DB, NOISE_DBM0);
	if (gw_callerid_tx_alloc(&tx, std) < 0 ||
	    gw_callerid_rx_alloc(&rx, std) < 0 ||
	    gw_callerid_alert_rx_alloc(&arx) < 0) {
		fprintf(stderr, "alloc failed\n");
		goto out;
	}
	for (int i = 0; i < MSGS; i++) {
		struct gw_callerid_msg m, want, got;
		int lead_ms = start == START_RING_PULSE ? 500 : 200;
		int got_n = 0, tail = 0;

		gen_msg(std, i, &m);
		expected(std, &m, &want);
		if (start == START_REV_DTAS) {
			line.dc = -line.dc; /* the reversal */
			lead_ms = 150;
		}
		/* idle line before the alert or data */
		memset(a, 0, sizeof(a));
		for (int k = 0; k < lead_ms / 10; k++) {
			line_run(&line, a, b, BLOCK);
			got_n += gw_callerid_rx_process(rx, b, BLOCK, &got);
			if (gw_callerid_alert_rx_process(arx, b, BLOCK))
				t->alerts += 1000; /* false alert: flagged */
		}
		if (start == START_DTAS || start == START_REV_DTAS)
			gw_callerid_tx_alert(tx, GW_CALLERID_ALERT_DTAS, 60);
		if (gw_callerid_tx_put(tx, &m) < 0) {
			fprintf(stderr, "put failed for message %d\n", i);
			goto out;
		}
		/* until idle, then 300 ms more */
		while (tail < 30) {
			int n = gw_callerid_tx_process(tx, a, BLOCK);
			int ms;

			if (n == 0 && !gw_callerid_tx_busy(tx))
				tail++;
			t->samples += BLOCK;
			line_run(&line, a, b, BLOCK);
			if (gw_callerid_rx_process(rx, b, BLOCK, &got)) {
				got_n++;
				if (!same_msg(&got, &want)) {
					print_msg("sent", &want);
					print_msg("got ", &got);
				} else {
					t->decoded++;
				}
			}
			ms = gw_callerid_alert_rx_process(arx, b, BLOCK);
			if (ms) {
				t->alerts++;
				if (ms < t->alert_ms_min)
					t->alert_ms_min = ms;
				if (ms > t->alert_ms_max)
					t->alert_ms_max = ms;
			}
		}
		if (got_n != 1) {
			printf("    message %d: %d deliveries\n", i, got_n);
			print_msg("sent", &want);
		}
	}
	t->level_dbm0 = line_signal_dbm0(&line);
	rc = 0;
out:
	gw_callerid_tx_free(tx);
	gw_callerid_rx_free(rx);
	gw_callerid_alert_rx_free(arx);
	return rc;
}

static int check_trip(enum gw_callerid_standard std, enum start start)
{
	struct trip t;
	int want_alerts = (start == START_DTAS || start == START_REV_DTAS)
				  ? MSGS
				  : 0;

	rng_state = 0x12345u + (uint32_t)std * 77u + (uint32_t)start;
	if (round_trip(std, start, &t) < 0)
		return -1;
	printf("  %-13s %-15s decoded %2d/%d, signal at rx %.1f dBm0, "
	       "noise %.0f dBm0, %.1f s audio",
	       gw_callerid_standard_name(std), start_names[start], t.decoded,
	       MSGS, t.level_dbm0, NOISE_DBM0, t.samples / (double)FS);
	if (want_alerts)
		printf(", DT-AS detected %d/%d (%d..%d ms)", t.alerts, MSGS,
		       t.alert_ms_min, t.alert_ms_max);
	else
		printf(", false alerts %d", t.alerts);
	printf("\n");
	TEST_EQ_INT(t.decoded, MSGS);
	TEST_EQ_INT(t.alerts, want_alerts);
	return 0;
}

static int test_bell202_sdmf(void)
{
	return check_trip(GW_CALLERID_BELL202_SDMF, START_NONE);
}

static int test_bell202_mdmf(void)
{
	return check_trip(GW_CALLERID_BELL202_MDMF, START_NONE);
}

static int test_etsi_ring_pulse(void)
{
	return check_trip(GW_CALLERID_ETSI_FSK, START_RING_PULSE);
}

static int test_etsi_dtas(void)
{
	return check_trip(GW_CALLERID_ETSI_FSK, START_DTAS);
}

static int test_etsi_reversal_dtas(void)
{
	return check_trip(GW_CALLERID_ETSI_FSK, START_REV_DTAS);
}

static int test_dtmf(void)
{
	return check_trip(GW_CALLERID_DTMF, START_NONE);
}

static int test_dtmf_hash(void)
{
	return check_trip(GW_CALLERID_DTMF_HASH, START_NONE);
}

static int test_dtmf_reversal_dtas(void)
{
	return check_trip(GW_CALLERID_DTMF, START_REV_DTAS);
}

static int test_jclip(void)
{
	return check_trip(GW_CALLERID_JCLIP, START_NONE);
}

/* ---- call waiting: SAS + CAS (or DT-AS), ACK digit, FSK ---- */

static int cidcw(enum gw_callerid_standard std, enum gw_callerid_alert alert)
{
	struct gw_callerid_tx *tx = NULL;	  /* exchange / FXS side */
	struct gw_callerid_rx *rx = NULL;	  /* phone / FXO side */
	struct gw_callerid_alert_rx *arx = NULL;  /* phone */
	struct gw_dtmf_tx *ack_tx = NULL;	  /* phone */
	struct gw_dtmf_rx *ack_rx = NULL;	  /* exchange */
	struct line down, up;
	int16_t a[BLOCK], b[BLOCK], c[BLOCK], d[BLOCK];
	int decoded = 0, cas_seen = 0, acks = 0, rc = -1;
	int ack_ms_max = 0, cas_ms_min = 1000, cas_ms_max = 0;

	rng_state = 0xc1dc3u + (uint32_t)std;
	line_init(&down, LOSS_DB, NOISE_DBM0);
	line_init(&up, LOSS_DB, NOISE_DBM0);
	if (gw_callerid_tx_alloc(&tx, std) < 0 ||
	    gw_callerid_rx_alloc(&rx, std) < 0 ||
	    gw_callerid_alert_rx_alloc(&arx) < 0 ||
	    gw_dtmf_tx_alloc(&ack_tx, -10, 60, 0) < 0 ||
	    gw_dtmf_rx_alloc(&ack_rx) < 0)
		goto out;
	for (int i = 0; i < MSGS; i++) {
		struct gw_callerid_msg m, want, got;
		int t_alert_end = -1, t_ack = -1, t_send = -1;
		int phone_ack_at = -1;
		char digits[8];

		gen_msg(std, i, &m);
		m.call_waiting = true;
		expected(std, &m, &want);
		if (alert == GW_CALLERID_ALERT_CAS)
			gw_callerid_tx_alert(tx, GW_CALLERID_ALERT_SAS, 0);
		gw_callerid_tx_alert(tx, alert, 0);
		/* 2 s per round, 10 ms ticks */
		for (int tick = 0; tick < 200; tick++) {
			int ms;

			/* exchange: alert, wait for ACK <= 160 ms, FSK */
			gw_callerid_tx_process(tx, a, BLOCK);
			if (t_alert_end < 0 && !gw_callerid_tx_busy(tx))
				t_alert_end = tick;
			/* phone: detect the alert, answer the ACK 20 ms on */
			line_run(&down, a, b, BLOCK);
			ms = gw_callerid_alert_rx_process(arx, b, BLOCK);
			if (ms) {
				cas_seen++;
				if (ms < cas_ms_min)
					cas_ms_min = ms;
				if (ms > cas_ms_max)
					cas_ms_max = ms;
				phone_ack_at = tick + 2;
			}
			if (tick == phone_ack_at) {
				char ack[2] = { gw_callerid_ack_digit(std), 0 };

				gw_dtmf_tx_put(ack_tx, ack);
			}
			if (gw_callerid_rx_process(rx, b, BLOCK, &got)) {
				if (same_msg(&got, &want)) {
					decoded++;
				} else {
					print_msg("sent", &want);
					print_msg("got ", &got);
				}
			}
			gw_dtmf_tx_process(ack_tx, c, BLOCK);
			line_run(&up, c, d, BLOCK);
			gw_dtmf_rx_process(ack_rx, d, BLOCK);
			if (gw_dtmf_rx_get(ack_rx, digits, 8) > 0 &&
			    t_ack < 0 && t_alert_end >= 0 &&
			    digits[0] == gw_callerid_ack_digit(std)) {
				t_ack = tick;
				acks++;
				if ((tick - t_alert_end) * 10 > ack_ms_max)
					ack_ms_max = (tick - t_alert_end) * 10;
				/* the exchange waits for the ACK tone to end */
				t_send = tick + 10;
			}
			if (tick == t_send &&
			    (t_ack - t_alert_end) * 10 <= 160 &&
			    gw_callerid_tx_put(tx, &m) < 0)
				goto out;
		}
	}
	printf("  %-13s %s: alert seen %d/%d (%d..%d ms), ACK '%c' at the "
	       "exchange %d/%d (<= %d ms after the alert end), FSK "
	       "decoded %d/%d\n",
	       gw_callerid_standard_name(std),
	       alert == GW_CALLERID_ALERT_CAS ? "SAS+CAS" : "DT-AS",
	       cas_seen, MSGS, cas_ms_min, cas_ms_max,
	       gw_callerid_ack_digit(std), acks, MSGS, ack_ms_max, decoded,
	       MSGS);
	TEST_EQ_INT(cas_seen, MSGS);
	TEST_EQ_INT(acks, MSGS);
	TEST_ASSERT(ack_ms_max <= 160);
	TEST_EQ_INT(decoded, MSGS);
	rc = 0;
out:
	gw_callerid_tx_free(tx);
	gw_callerid_rx_free(rx);
	gw_callerid_alert_rx_free(arx);
	gw_dtmf_tx_free(ack_tx);
	gw_dtmf_rx_free(ack_rx);
	if (rc < 0)
		TEST_FAIL("cidcw run failed");
	return rc;
}

static int test_cidcw_bell(void)
{
	return cidcw(GW_CALLERID_BELL202_MDMF, GW_CALLERID_ALERT_CAS);
}

static int test_cidcw_etsi(void)
{
	return cidcw(GW_CALLERID_ETSI_FSK, GW_CALLERID_ALERT_DTAS);
}

/* ---- checksum: hand-made Bell 202 frames, right and corrupted ---- */

struct raw_fsk {
	const uint8_t *bytes;
	int n;
	int bit; /* bit index over the whole frame */
};

static int raw_get_bit(void *user)
{
	struct raw_fsk *r = user;
	int k = r->bit++;

	if (k < 300)
		return k & 1; /* channel seizure */
	k -= 300;
	if (k < 180)
		return 1; /* marks */
	k -= 180;
	if (k < r->n * 10) {
		int pos = k % 10;

		if (pos == 0)
			return 0;
		if (pos == 9)
			return 1;
		return (r->bytes[k / 10] >> (pos - 1)) & 1;
	}
	k -= r->n * 10;
	if (k < 10)
		return 1;
	return SIG_STATUS_END_OF_DATA;
}

/* Send `bytes` (type, length, body, checksum) raw; return deliveries. */
static int send_raw(const uint8_t *bytes, int n, struct gw_callerid_msg *got,
		    unsigned long *rejected)
{
	struct raw_fsk r = { bytes, n, 0 };
	fsk_tx_state_t *fsk = fsk_tx_init(NULL, &preset_fsk_specs[FSK_BELL202],
					  raw_get_bit, &r);
	struct gw_callerid_rx *rx = NULL;
	struct line line;
	int16_t a[BLOCK], b[BLOCK];
	int count = 0;

	line_init(&line, LOSS_DB, NOISE_DBM0);
	if (!fsk || gw_callerid_rx_alloc(&rx, GW_CALLERID_BELL202_MDMF) < 0) {
		if (fsk)
			fsk_tx_free(fsk);
		return -1;
	}
	for (int tick = 0; tick < 150; tick++) {
		int k = fsk_tx(fsk, a, BLOCK);

		if (k < 0)
			k = 0;
		memset(a + k, 0, (BLOCK - k) * sizeof(a[0]));
		line_run(&line, a, b, BLOCK);
		count += gw_callerid_rx_process(rx, b, BLOCK, got);
	}
	gw_callerid_rx_counts(rx, NULL, rejected);
	gw_callerid_rx_free(rx);
	fsk_tx_free(fsk);
	return count;
}

static int frame_of(uint8_t *frame, uint8_t type, const char *body,
		    int body_len)
{
	int n = 0, sum = 0;

	frame[n++] = type;
	frame[n++] = (uint8_t)body_len;
	memcpy(frame + n, body, body_len);
	n += body_len;
	for (int i = 0; i < n; i++)
		sum += frame[i];
	frame[n++] = (uint8_t)(-sum & 0xff);
	return n;
}

static int test_checksum(void)
{
	static const char body[] = "\x01\x08"
				   "03141526"
				   "\x02\x0a"
				   "5551234567"
				   "\x07\x09"
				   "SPAN DSP!";
	uint8_t frame[64];
	int n, ok, bad, other;
	unsigned long rej_ok, rej_bad, rej_other;
	struct gw_callerid_msg got;

	n = frame_of(frame, 0x80, body, (int)sizeof(body) - 1);
	rng_state = 99;
	memset(&got, 0, sizeof(got));
	ok = send_raw(frame, n, &got, &rej_ok);
	printf("  hand-made MDMF frame, right checksum: %d delivered "
	       "(%02d/%02d %02d:%02d \"%s\" \"%s\")\n",
	       ok, got.month, got.day, got.hour, got.minute, got.number,
	       got.name);
	TEST_EQ_INT(ok, 1);
	TEST_EQ_STR(got.number, "5551234567");
	TEST_EQ_STR(got.name, "SPAN DSP!");
	TEST_EQ_INT(got.month, 3);
	TEST_EQ_INT(got.day, 14);
	TEST_EQ_INT(got.hour, 15);
	TEST_EQ_INT(got.minute, 26);

	frame[n - 1] ^= 0x01; /* checksum off by one bit */
	bad = send_raw(frame, n, &got, &rej_bad);
	frame[n - 1] ^= 0x01;
	frame[12] ^= 0x04; /* a digit of the number: '5' -> '1' */
	bad += send_raw(frame, n, &got, &rej_bad);
	printf("  corrupted checksum / corrupted digit: %d delivered\n", bad);
	TEST_EQ_INT(bad, 0);

	/* right checksum, message-waiting type: not caller ID */
	n = frame_of(frame, 0x82, "\x0b\x01\xff", 3);
	other = send_raw(frame, n, &got, &rej_other);
	printf("  message-waiting frame (0x82): %d delivered, %lu rejected\n",
	       other, rej_other);
	TEST_EQ_INT(other, 0);
	TEST_EQ_INT(rej_other, 1);
	TEST_EQ_INT(rej_ok, 0);
	return 0;
}

/* ---- alert detector ---- */

/* f1 at dbm0, f2 (if not 0) at dbm0 - twist_db */
static void dual(int16_t *x, int n, double f1, double f2, double dbm0,
		 double twist_db)
{
	double amp = RMS0 * sqrt(2.0) * pow(10.0, dbm0 / 20.0);
	double amp2 = f2 > 0 ? amp * pow(10.0, -twist_db / 20.0) : 0;

	for (int i = 0; i < n; i++)
		x[i] = gw_testsig_sat16(amp * sin(2 * M_PI * f1 * i / FS) +
					amp2 * sin(2 * M_PI * f2 * i / FS));
}

/* Feed 200 ms silence, the tone, 200 ms silence through the line model
 * (no loss); return the number of detections and the last duration. */
static int alert_once(double f1, double f2, double dbm0, double twist_db,
		      int ms, int *dur_ms)
{
	static int16_t x[8000], y[8000];
	struct gw_callerid_alert_rx *arx;
	struct line line;
	int n = (400 + ms) * 8, det = 0;

	if (gw_callerid_alert_rx_alloc(&arx) < 0)
		return -1;
	line_init(&line, 0.0, NOISE_DBM0);
	memset(x, 0, sizeof(x));
	dual(x + 1600, ms * 8, f1, f2, dbm0, twist_db);
	*dur_ms = 0;
	line_run(&line, x, y, n);
	for (int i = 0; i + BLOCK <= n; i += BLOCK) {
		int d = gw_callerid_alert_rx_process(arx, y + i, BLOCK);

		if (d) {
			det++;
			*dur_ms = d;
		}
	}
	gw_callerid_alert_rx_free(arx);
	return det;
}

static int test_alert_detector(void)
{
	static const struct {
		double f1, f2, dbm0, twist_db;
		int ms, want;
	} cases[] = {
		{ 2130, 2750, -13, 0, 100, 1 },	 /* DT-AS */
		{ 2130, 2750, -13, 0, 80, 1 },	 /* CAS */
		{ 2130, 2750, -30, 0, 80, 1 },
		{ 2130, 2750, -38, 0, 80, 1 },
		{ 2130, 2750, -50, 0, 80, 0 },	 /* below -40 dBm0 */
		{ 2130, 2750, -13, 0, 30, 0 },	 /* too short */
		{ 2130, 2750, -13, 0, 400, 0 },	 /* too long */
		{ 2141, 2764, -13, 0, 100, 1 },	 /* +0.5 % */
		{ 2119, 2736, -13, 0, 100, 1 },	 /* -0.5 % */
		{ 2130, 2750, -13, 5, 80, 1 },	 /* 2750 Hz 5 dB lower */
		{ 2130, 2750, -13, -5, 80, 1 },	 /* 2750 Hz 5 dB higher */
		{ 2130, 2750, -13, 10, 80, 0 },	 /* twist 10 dB */
		{ 440, 0, -13, 0, 300, 0 },	 /* SAS */
		{ 2130, 0, -13, 0, 100, 0 },	 /* one tone only */
		{ 2750, 0, -13, 0, 100, 0 },
		{ 1200, 2200, -13, 0, 100, 0 }, /* Bell 202 tones */
		{ 1300, 2100, -13, 0, 100, 0 }, /* V.23 tones */
		{ 697, 1633, -13, 0, 100, 0 },	 /* DTMF 'A' */
	};
	int fails = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int dur = 0;
		int det = alert_once(cases[i].f1, cases[i].f2, cases[i].dbm0,
				     cases[i].twist_db, cases[i].ms, &dur);

		printf("  %4.0f+%4.0f Hz %4.0f dBm0 twist %3.0f dB %3d ms: %s",
		       cases[i].f1, cases[i].f2, cases[i].dbm0,
		       cases[i].twist_db, cases[i].ms,
		       det ? "detected" : "not detected");
		if (det)
			printf(" (%d ms)", dur);
		printf("%s\n", det == cases[i].want ? "" : "  <-- WRONG");
		if (det != cases[i].want)
			fails++;
	}
	TEST_EQ_INT(fails, 0);
	return 0;
}

/* Talk-off: 30 s of voiced speech-like signal (harmonics of a 90..250 Hz
 * pitch under two moving formants, syllables of 100..300 ms, -10..-25
 * dBm0) must not look like DT-AS/CAS. */
static int test_alert_talkoff(void)
{
	struct gw_callerid_alert_rx *arx;
	struct line line;
	int16_t x[BLOCK], y[BLOCK];
	int det = 0, left = 0, blocks = 30 * 100;
	double f0 = 120, fm1 = 500, fm2 = 1500, amp = 0, t = 0;

	rng_state = 777;
	TEST_EQ_INT(gw_callerid_alert_rx_alloc(&arx), 0);
	line_init(&line, 0.0, NOISE_DBM0);
	for (int b = 0; b < blocks; b++) {
		if (left-- <= 0) {
			left = 10 + (int)(rng() % 21);
			f0 = 90 + rng() % 160;
			fm1 = 300 + rng() % 700;
			fm2 = 900 + rng() % 2000;
			amp = RMS0 * pow(10.0, -(10.0 + rng() % 16) / 20.0);
			if (rng() % 4 == 0)
				amp = 0; /* pause */
		}
		for (int i = 0; i < BLOCK; i++, t += 1.0 / FS) {
			double v = 0;

			for (int k = 1; k * f0 < 3400; k++) {
				double f = k * f0;
				double d1 = (f - fm1) / 150;
				double d2 = (f - fm2) / 200;
				double g = 1.0 / (1.0 + d1 * d1) +
					   0.5 / (1.0 + d2 * d2);

				v += g * sin(2 * M_PI * f * t + k);
			}
			x[i] = gw_testsig_sat16(amp * v * 0.5);
		}
		line_run(&line, x, y, BLOCK);
		if (gw_callerid_alert_rx_process(arx, y, BLOCK))
			det++;
	}
	gw_callerid_alert_rx_free(arx);
	printf("  speech-like signal, %d s: %d false DT-AS/CAS detections\n",
	       blocks / 100, det);
	TEST_EQ_INT(det, 0);
	return 0;
}

/* ---- field limits and errors ---- */

static int test_limits(void)
{
	static const enum gw_callerid_standard stds[] = {
		GW_CALLERID_BELL202_MDMF, GW_CALLERID_BELL202_SDMF,
		GW_CALLERID_ETSI_FSK,	  GW_CALLERID_JCLIP,
		GW_CALLERID_DTMF,	  GW_CALLERID_DTMF_HASH,
	};

	for (size_t s = 0; s < sizeof(stds) / sizeof(stds[0]); s++) {
		enum gw_callerid_standard std = stds[s];
		struct gw_callerid_tx *tx;
		struct gw_callerid_msg m;
		int nmax = gw_callerid_number_max(std);
		int amax = gw_callerid_name_max(std);

		TEST_EQ_INT(gw_callerid_tx_alloc(&tx, std), 0);
		/* one too many; at the struct's own limit, no NUL at all */
		memset(&m, 0, sizeof(m));
		memset(m.number, '1', imin(nmax + 1, sizeof(m.number)));
		TEST_EQ_INT(gw_callerid_tx_put(tx, &m), -EMSGSIZE);
		memset(m.number, 0, sizeof(m.number));
		rand_digits(m.number, nmax);
		if (amax) {
			memset(m.name, 'N', imin(amax + 1, sizeof(m.name)));
			TEST_EQ_INT(gw_callerid_tx_put(tx, &m), -EMSGSIZE);
			memset(m.name, 0, sizeof(m.name));
			memset(m.name, 'N', amax);
		}
		m.number[0] = 'x';
		TEST_EQ_INT(gw_callerid_tx_put(tx, &m), -EINVAL);
		m.number[0] = '1';
		m.month = 13;
		m.day = 1;
		if (std != GW_CALLERID_JCLIP && std != GW_CALLERID_DTMF &&
		    std != GW_CALLERID_DTMF_HASH)
			TEST_EQ_INT(gw_callerid_tx_put(tx, &m), -EINVAL);
		m.month = 12;
		m.number_absence = 'P';
		TEST_EQ_INT(gw_callerid_tx_put(tx, &m), -EINVAL);
		m.number_absence = 0;
		TEST_EQ_INT(gw_callerid_tx_put(tx, &m), 0);
		TEST_EQ_INT(gw_callerid_tx_put(tx, &m), -EBUSY);
		TEST_ASSERT(gw_callerid_tx_busy(tx));
		printf("  %-13s number <= %2d, name <= %2d: over-long "
		       "-EMSGSIZE, bad digit/date/both -EINVAL, busy -EBUSY\n",
		       gw_callerid_standard_name(std), nmax, amax);
		gw_callerid_tx_reset(tx);
		TEST_ASSERT(!gw_callerid_tx_busy(tx));
		gw_callerid_tx_free(tx);
	}
	{
		struct gw_callerid_tx *tx = NULL;

		enum gw_callerid_standard bad = GW_CALLERID_STANDARD_COUNT;

		TEST_EQ_INT(gw_callerid_tx_alloc(&tx, bad), -EINVAL);
		TEST_ASSERT(tx == NULL);
	}
	return 0;
}

/* Maximum-length fields, clean line and the line model. */
static int test_max_length(void)
{
	static const enum gw_callerid_standard stds[] = {
		GW_CALLERID_BELL202_MDMF, GW_CALLERID_BELL202_SDMF,
		GW_CALLERID_ETSI_FSK,	  GW_CALLERID_JCLIP,
		GW_CALLERID_DTMF,	  GW_CALLERID_DTMF_HASH,
	};

	rng_state = 4242;
	for (size_t s = 0; s < sizeof(stds) / sizeof(stds[0]); s++) {
		enum gw_callerid_standard std = stds[s];
		struct gw_callerid_tx *tx;
		struct gw_callerid_rx *rx;
		struct gw_callerid_msg m, want, got;
		struct line line;
		int16_t a[BLOCK], b[BLOCK];
		int n = 0, samples = 0;

		memset(&m, 0, sizeof(m));
		m.month = 12;
		m.day = 31;
		m.hour = 23;
		m.minute = 59;
		rand_digits(m.number, gw_callerid_number_max(std));
		rand_name(m.name, gw_callerid_name_max(std));
		expected(std, &m, &want);
		line_init(&line, LOSS_DB, NOISE_DBM0);
		TEST_EQ_INT(gw_callerid_tx_alloc(&tx, std), 0);
		TEST_EQ_INT(gw_callerid_rx_alloc(&rx, std), 0);
		TEST_EQ_INT(gw_callerid_tx_put(tx, &m), 0);
		for (int tick = 0; tick < 400; tick++) {
			samples += gw_callerid_tx_process(tx, a, BLOCK);
			line_run(&line, a, b, BLOCK);
			if (gw_callerid_rx_process(rx, b, BLOCK, &got)) {
				n++;
				if (!same_msg(&got, &want)) {
					print_msg("sent", &want);
					print_msg("got ", &got);
					n += 100;
				}
			}
		}
		printf("  %-13s %2zu digits, %2zu characters: %d decoded, "
		       "%.0f ms of signal\n",
		       gw_callerid_standard_name(std), strlen(want.number),
		       strlen(want.name), n, samples / 8.0);
		gw_callerid_tx_free(tx);
		gw_callerid_rx_free(rx);
		TEST_EQ_INT(n, 1);
	}
	return 0;
}

/*
 * Visual message waiting (gw_callerid_msg.mwi): Bell MDMF 0x82/0x0B, SDMF
 * 0x06, ETSI 0x82/0x0B, on and off, through the line model; a receiver
 * that did not ask for them rejects them; JCLIP and DTMF have none.
 */
static int test_mwi(void)
{
	static const enum gw_callerid_standard stds[] = {
		GW_CALLERID_BELL202_MDMF, GW_CALLERID_BELL202_SDMF,
		GW_CALLERID_ETSI_FSK,
	};
	struct gw_callerid_tx *tx;
	struct gw_callerid_msg m = { .mwi = 1 };

	for (size_t i = 0; i < sizeof(stds) / sizeof(stds[0]); i++) {
		for (int on = 1; on >= -1; on -= 2) {
			struct gw_callerid_rx *rx, *plain;
			enum gw_callerid_standard rstd =
				stds[i] == GW_CALLERID_ETSI_FSK ?
					GW_CALLERID_ETSI_FSK :
					GW_CALLERID_BELL202_MDMF;
			struct gw_callerid_msg got;
			int16_t a[BLOCK], b[BLOCK];
			unsigned long rej = 0;
			struct line line;
			int n = 0, np = 0, value = 0;

			TEST_EQ_INT(gw_callerid_tx_alloc(&tx, stds[i]), 0);
			TEST_EQ_INT(gw_callerid_rx_alloc(&rx, rstd), 0);
			TEST_EQ_INT(gw_callerid_rx_alloc(&plain, rstd), 0);
			gw_callerid_rx_set_mwi(rx, true);
			line_init(&line, LOSS_DB, NOISE_DBM0);
			m.mwi = (int8_t)on;
			TEST_EQ_INT(gw_callerid_tx_put(tx, &m), 0);
			for (int t = 0; t < 150; t++) {
				gw_callerid_tx_process(tx, a, BLOCK);
				line_run(&line, a, b, BLOCK);
				if (gw_callerid_rx_process(rx, b, BLOCK,
							   &got)) {
					n++;
					value = got.mwi;
				}
				np += gw_callerid_rx_process(plain, b, BLOCK,
							     &got);
			}
			gw_callerid_rx_counts(plain, NULL, &rej);
			printf("  %-13s MWI %s: %d decoded (%d), plain "
			       "receiver %d, %lu rejected\n",
			       gw_callerid_standard_name(stds[i]),
			       on > 0 ? "on " : "off", n, value, np, rej);
			gw_callerid_tx_free(tx);
			gw_callerid_rx_free(rx);
			gw_callerid_rx_free(plain);
			TEST_EQ_INT(n, 1);
			TEST_EQ_INT(value, on);
			TEST_EQ_INT(np, 0);
			TEST_EQ_INT((int)rej, 1);
		}
	}
	TEST_EQ_INT(gw_callerid_tx_alloc(&tx, GW_CALLERID_JCLIP), 0);
	TEST_EQ_INT(gw_callerid_tx_put(tx, &m), -EINVAL);
	gw_callerid_tx_free(tx);
	TEST_EQ_INT(gw_callerid_tx_alloc(&tx, GW_CALLERID_DTMF), 0);
	TEST_EQ_INT(gw_callerid_tx_put(tx, &m), -EINVAL);
	gw_callerid_tx_free(tx);
	return 0;
}

const struct gw_test_case gw_test_cases_callerid[] = {
	{ "callerid_bell202_sdmf", test_bell202_sdmf },
	{ "callerid_bell202_mdmf", test_bell202_mdmf },
	{ "callerid_etsi_ring_pulse", test_etsi_ring_pulse },
	{ "callerid_etsi_dtas", test_etsi_dtas },
	{ "callerid_etsi_reversal_dtas", test_etsi_reversal_dtas },
	{ "callerid_dtmf", test_dtmf },
	{ "callerid_dtmf_hash", test_dtmf_hash },
	{ "callerid_dtmf_reversal_dtas", test_dtmf_reversal_dtas },
	{ "callerid_jclip", test_jclip },
	{ "callerid_cidcw_bell", test_cidcw_bell },
	{ "callerid_cidcw_etsi", test_cidcw_etsi },
	{ "callerid_checksum", test_checksum },
	{ "callerid_alert_detector", test_alert_detector },
	{ "callerid_alert_talkoff", test_alert_talkoff },
	{ "callerid_limits", test_limits },
	{ "callerid_max_length", test_max_length },
	{ "callerid_mwi", test_mwi },
	{ NULL, NULL },
};
