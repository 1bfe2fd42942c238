/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cw: the phone's side of call waiting with caller ID (a type 2 CPE of
 * Telcordia GR-30-CORE / SR-TSV-002476, or an ETSI EN 300 659-2 TE).
 *
 * While off-hook the phone listens to the line for
 *   - the SAS (440 Hz, a run of 200..400 ms in 20 ms frames with most of
 *     the frame's energy at 440 Hz): the call-waiting tone, counted;
 *   - the CAS / off-hook DT-AS (2130 + 2750 Hz, 40..200 ms; the
 *     detector of dsp/callerid.h). On it the phone mutes its handset (it
 *     sends silence) and, unless `cwack P off`, answers with the ACK,
 *     DTMF 'D' of 60 ms at -10 dBm0 per tone, in the next frame (so it
 *     starts within 20..40 ms of the CAS end, inside GR-30's 100 ms);
 *   - for CW_LISTEN_MS after the CAS: the off-hook FSK, with a Bell 202
 *     and a V.23 receiver (the modem told by its tones' energy, as the
 *     lamp does in loop.h). The handset is unmuted when a message is
 *     decoded or the window ends.
 * `cw P` reports the counts, the last message (number, name, date,
 * standard) and its timing: cas_ms (the CAS as measured), data_ms (from
 * the CAS end to the message's last bit decoded).
 */
#ifndef LS_CW_H
#define LS_CW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LS_CW_LISTEN_MS 2000

struct ls_port;

/* Phone ports: 0 or -ENOMEM; ls_cw_free() accepts a port without. */
int ls_cw_alloc(struct ls_port *p);
void ls_cw_free(struct ls_port *p);
/* The phone went off-hook: counts and the last message cleared. */
void ls_cw_offhook(struct ls_port *p);
/*
 * Each off-hook frame (not during a hook-flash or dialling): listen to
 * `in`; returns true when the phone's output is the ACK or the muted
 * handset (written to `out`), false to let the phone send its audio.
 */
bool ls_cw_tick(struct ls_port *p, const int16_t *in, int16_t *out);
/* `cwack P on|off`: whether the phone answers the CAS. */
void ls_cw_set_ack(struct ls_port *p, bool on);
/* `cw P`: "ok port=P ack=on sas=N cas=N ..." */
int ls_cw_report(struct ls_port *p, char *r, size_t len);

#endif
