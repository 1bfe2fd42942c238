/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dtmf: DTMF detection and generation (spandsp's dtmf_rx/dtmf_tx).
 *
 * Receiver: feed blocks with gw_dtmf_rx_process(); each detected digit is
 * queued once (at the end of its detection) and read with gw_dtmf_rx_get().
 * Transmitter: queue digits with gw_dtmf_tx_put(); gw_dtmf_tx_process()
 * writes tones and inter-digit pauses into the block.
 * Specs: ITU-T Q.23, Q.24.
 * Allocation only in _alloc; _process never allocates.
 */
#ifndef GW_DSP_DTMF_H
#define GW_DSP_DTMF_H

#include <stdbool.h>
#include <stdint.h>

struct gw_dtmf_rx;
struct gw_dtmf_tx;

int gw_dtmf_rx_alloc(struct gw_dtmf_rx **ret);
void gw_dtmf_rx_free(struct gw_dtmf_rx *rx);
/* Forget queued digits and detector state. */
void gw_dtmf_rx_reset(struct gw_dtmf_rx *rx);
void gw_dtmf_rx_process(struct gw_dtmf_rx *rx, const int16_t *amp,
			int samples);
/*
 * Copy up to max-1 queued digits into buf, NUL-terminated, removing them
 * from the queue. Returns the number of digits copied.
 */
int gw_dtmf_rx_get(struct gw_dtmf_rx *rx, char *buf, int max);

/*
 * level_dbm0: level of each tone (e.g. -10); on_ms/off_ms: tone and pause
 * durations (e.g. 100/100). Returns 0, -EINVAL (level_dbm0 outside
 * -60..-3, on_ms outside 1..10000, off_ms outside 0..10000) or -ENOMEM.
 */
int gw_dtmf_tx_alloc(struct gw_dtmf_tx **ret, int level_dbm0, int on_ms,
		     int off_ms);
void gw_dtmf_tx_free(struct gw_dtmf_tx *tx);
void gw_dtmf_tx_reset(struct gw_dtmf_tx *tx);
/* Queue digits (0-9 * # A-D). Returns 0, -EINVAL for other characters
 * (nothing queued), -ENOSPC if the queue is full (nothing queued). */
int gw_dtmf_tx_put(struct gw_dtmf_tx *tx, const char *digits);
/*
 * Fill `samples` samples of amp: tones while digits are queued, zeros
 * after. Returns the number of samples that carried DTMF output (tone or
 * inter-digit pause); 0 when idle.
 */
int gw_dtmf_tx_process(struct gw_dtmf_tx *tx, int16_t *amp, int samples);
/* True while digits or their trailing pause remain to be sent. */
bool gw_dtmf_tx_busy(struct gw_dtmf_tx *tx);

#endif
