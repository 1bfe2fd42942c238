/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cdr: call detail records. Every call is written, when it ends, as one
 * row of an SQLite database (table `cdr`, created when missing), and
 * optionally as one line of a CSV file with the same columns.
 *
 * How: SQLite (Debian's libsqlite3) in WAL journal mode with synchronous
 * NORMAL: each record is one transaction, so a crash or power loss can
 * lose at most the last records not yet checkpointed, never corrupt the
 * file; readers (sqlite3 on the command line, reports) do not block the
 * gateway. The CSV file (RFC 4180 quoting) is opened for append and
 * written with one write() per record. Control thread only.
 *
 * Columns: id (the gateway's call number), call_id (SIP Call-ID), start,
 * answer, end (UTC, ISO 8601; answer empty if never answered), duration
 * and billsec (seconds from start / answer to end), direction
 * (sip-to-fxo, sip-to-fxs, fxs-to-sip, fxo-to-sip), port, peer (the SIP
 * side's URI), caller and called numbers, disposition (answered, busy,
 * no-answer, failed, cancelled), cause (SIP status of the end, 0 if
 * none), reason (text), codec, loss_pct, jitter_ms, mos (0 when there
 * was no media).
 */
#ifndef GW_CDR_H
#define GW_CDR_H

#include <time.h>

struct gw_cdr_rec {
	unsigned id;
	const char *call_id;
	time_t start, answer, end; /* answer 0: not answered */
	const char *direction;
	const char *port;
	const char *peer;
	const char *caller, *called;
	const char *disposition;
	int cause;
	const char *reason;
	const char *codec;
	double loss_pct, jitter_ms, mos;
};

struct gw_cdr;

/*
 * Open (creating it and its table if needed) the database at db_path, and
 * the CSV file at csv_path ("" or NULL: none). Returns 0 or a negative
 * errno; err gets a message for the log.
 */
int gw_cdr_open(struct gw_cdr **ret, const char *db_path,
		const char *csv_path, char *err, size_t errlen);
/* Accepts NULL. */
void gw_cdr_close(struct gw_cdr *cdr);
/* Write one record: 0, or a negative errno (-EIO: the database refused). */
int gw_cdr_write(struct gw_cdr *cdr, const struct gw_cdr_rec *r);
/* The disposition of a call from what is known at its end. */
const char *gw_cdr_disposition(int answered, int cause, int cancelled);

#endif
