/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fax: a fax machine on a linesim port (phone or CO far end).
 *
 * What it does: `fax P send FILE.tif` or `fax P receive FILE.tif` puts a
 * T.30 fax terminal (ITU-T T.30 over V.21/V.27ter/V.29/V.17 audio, as in a
 * group 3 fax machine) on the port's audio path. While the line talks
 * (phone off-hook and done dialling; CO line answered or connected) the
 * terminal hears what the gateway sends and its audio replaces the port's
 * `play` source; the hybrid echo model still applies. The call itself is
 * made as usual (`offhook` + `dial`, an auto answer, a test number, `call`).
 * `faxstatus P` reports the pages transferred and the T.30 completion code.
 *
 * How: spandsp's fax terminal (fax_init/fax_rx/fax_tx, its T.30 engine with
 * t30_set_tx_file/t30_set_rx_file), 8 kHz linear audio, one 20 ms frame per
 * tick. The terminal is built on the first frame of the call: it is the
 * calling party (CNG) when the port placed the call (a phone that dialled,
 * a CO line ringing the gateway), else the answering party (CED). ECM
 * (T.30 Annex A) is off unless asked for. When phase E ends (the T.30
 * completion code is known) or the line goes idle, the terminal is freed,
 * which closes the TIFF files; the result stays until the next `fax`.
 *
 * State lives in a table in fax.c indexed by channel (linesim has one
 * thread and one simulator).
 */
#ifndef LS_FAX_H
#define LS_FAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_port;

enum ls_fax_mode {
	LS_FAX_OFF = 0,
	LS_FAX_SEND,
	LS_FAX_RECEIVE,
};

/*
 * Arm a fax terminal on the port for its next call. FILE must be a TIFF to
 * send, or a file that can be created to receive into. `ecm` turns on error
 * correction mode. Returns 0 or a negative errno with a reason in `err`.
 */
int ls_fax_arm(struct ls_port *p, enum ls_fax_mode mode, const char *file,
	       bool ecm, char *err, size_t errlen);
/* Disarm: stop a running terminal and forget the setting. */
void ls_fax_off(struct ls_port *p);
/* Whether a fax terminal owns the port's audio (armed and not finished). */
bool ls_fax_active(const struct ls_port *p);
/*
 * One frame while the line talks: `in` is what the gateway sent, `out`
 * receives the terminal's audio. `calling`: the port placed the call.
 */
void ls_fax_process(struct ls_port *p, bool calling, const int16_t *in,
		    int16_t *out);
/* The line went idle: a running terminal ends (result kept). */
void ls_fax_idle(struct ls_port *p);
/* "off", "send", "receive" (for `status`'s source). */
const char *ls_fax_mode_name(const struct ls_port *p);
/* The `faxstatus` reply, "ok port=... ...". */
void ls_fax_status(const struct ls_port *p, char *buf, size_t len);

#endif
