// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dtmf: thin wrappers around spandsp's dtmf_rx/dtmf_tx.
 *
 * The receiver keeps spandsp's own digit buffer (no callback): spandsp
 * appends a digit once when it confirms it, and dtmf_rx_get() removes what
 * it returns, so every digit is reported exactly once.
 *
 * The transmitter counts the samples still owed (on + off time of every
 * queued digit) so gw_dtmf_tx_busy() needs no look into spandsp's private
 * state: spandsp emits exactly on_ms and off_ms worth of samples per digit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dsp/dtmf.h"

#define SAMPLES_PER_MS (SAMPLE_RATE / 1000)

struct gw_dtmf_rx {
	dtmf_rx_state_t *s;
};

struct gw_dtmf_tx {
	dtmf_tx_state_t *s;
	int level_dbm0;
	int on_ms;
	int off_ms;
	long owed_samples; /* samples of tone + pause still to be written */
};

int gw_dtmf_rx_alloc(struct gw_dtmf_rx **ret)
{
	struct gw_dtmf_rx *rx;

	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	rx->s = dtmf_rx_init(NULL, NULL, NULL);
	if (!rx->s) {
		free(rx);
		return -ENOMEM;
	}
	*ret = rx;
	return 0;
}

void gw_dtmf_rx_free(struct gw_dtmf_rx *rx)
{
	if (!rx)
		return;
	if (rx->s)
		dtmf_rx_free(rx->s);
	free(rx);
}

void gw_dtmf_rx_reset(struct gw_dtmf_rx *rx)
{
	/* In place: dtmf_rx_init() on existing storage does not allocate. */
	dtmf_rx_init(rx->s, NULL, NULL);
}

void gw_dtmf_rx_process(struct gw_dtmf_rx *rx, const int16_t *amp,
			int samples)
{
	if (samples > 0)
		dtmf_rx(rx->s, amp, samples);
}

int gw_dtmf_rx_get(struct gw_dtmf_rx *rx, char *buf, int max)
{
	if (max <= 0)
		return 0;
	/* dtmf_rx_get() writes at most max digits plus a NUL. */
	return (int)dtmf_rx_get(rx->s, buf, max - 1);
}

static int valid_ms(int ms)
{
	return ms >= 0 && ms <= 10000;
}

int gw_dtmf_tx_alloc(struct gw_dtmf_tx **ret, int level_dbm0, int on_ms,
		     int off_ms)
{
	struct gw_dtmf_tx *tx;

	/* A tone pair must fit 16 bits: each tone at most -3 dBm0. */
	if (level_dbm0 < -60 || level_dbm0 > -3 || !valid_ms(on_ms) ||
	    on_ms == 0 || !valid_ms(off_ms))
		return -EINVAL;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->s = dtmf_tx_init(NULL);
	if (!tx->s) {
		free(tx);
		return -ENOMEM;
	}
	tx->level_dbm0 = level_dbm0;
	tx->on_ms = on_ms;
	tx->off_ms = off_ms;
	gw_dtmf_tx_reset(tx);
	*ret = tx;
	return 0;
}

void gw_dtmf_tx_free(struct gw_dtmf_tx *tx)
{
	if (!tx)
		return;
	if (tx->s)
		dtmf_tx_free(tx->s);
	free(tx);
}

void gw_dtmf_tx_reset(struct gw_dtmf_tx *tx)
{
	/* In place: dtmf_tx_init() on existing storage does not allocate. */
	dtmf_tx_init(tx->s);
	dtmf_tx_set_level(tx->s, tx->level_dbm0, 0);
	dtmf_tx_set_timing(tx->s, tx->on_ms, tx->off_ms);
	tx->owed_samples = 0;
}

int gw_dtmf_tx_put(struct gw_dtmf_tx *tx, const char *digits)
{
	static const char valid[] = "0123456789*#ABCD";
	size_t len = strlen(digits);
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(valid, digits[i]))
			return -EINVAL;
	if (len == 0)
		return 0;
	if (len > MAX_DTMF_DIGITS)
		return -ENOSPC;
	/* spandsp loads the whole string or, when it does not fit, nothing
	 * and returns the number of digits that did not fit. */
	if (dtmf_tx_put(tx->s, digits, (int)len) != 0)
		return -ENOSPC;
	tx->owed_samples += (long)len * (tx->on_ms + tx->off_ms) *
			    SAMPLES_PER_MS;
	return 0;
}

int gw_dtmf_tx_process(struct gw_dtmf_tx *tx, int16_t *amp, int samples)
{
	int n;

	if (samples <= 0)
		return 0;
	n = dtmf_tx(tx->s, amp, samples);
	if (n < 0)
		n = 0;
	if (n < samples) {
		memset(amp + n, 0, (size_t)(samples - n) * sizeof(*amp));
		tx->owed_samples = 0; /* spandsp ran dry: nothing is owed */
	} else {
		tx->owed_samples -= n;
		if (tx->owed_samples < 0)
			tx->owed_samples = 0;
	}
	return n;
}

bool gw_dtmf_tx_busy(struct gw_dtmf_tx *tx)
{
	return tx->owed_samples > 0;
}
