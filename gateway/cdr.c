// SPDX-License-Identifier: GPL-2.0-or-later
/* cdr: call detail records in SQLite and CSV (see cdr.h). */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/cdr.h"

struct gw_cdr {
	sqlite3 *db;
	sqlite3_stmt *insert;
	int csv; /* -1: none */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS cdr ("
	" id INTEGER, call_id TEXT, start TEXT, answer TEXT, end TEXT,"
	" duration INTEGER, billsec INTEGER, direction TEXT, port TEXT,"
	" peer TEXT, caller TEXT, called TEXT, disposition TEXT,"
	" cause INTEGER, reason TEXT, codec TEXT, loss_pct REAL,"
	" jitter_ms REAL, mos REAL);"
	"CREATE INDEX IF NOT EXISTS cdr_start ON cdr(start);";

static const char insert_sql[] =
	"INSERT INTO cdr VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
	" ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19);";

#define NCOLS 19
static const char *const header =
	"id,call_id,start,answer,end,duration,billsec,direction,port,peer,"
	"caller,called,disposition,cause,reason,codec,loss_pct,jitter_ms,mos\n";

int gw_cdr_open(struct gw_cdr **ret, const char *db_path,
		const char *csv_path, char *err, size_t errlen)
{
	struct gw_cdr *c = calloc(1, sizeof(*c));
	char *msg = NULL;

	if (!c)
		return -ENOMEM;
	c->csv = -1;
	if (sqlite3_open_v2(db_path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db_path,
			 c->db ? sqlite3_errmsg(c->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 200);
	if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL;"
				"PRAGMA synchronous=NORMAL;",
			 NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(c->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, insert_sql, -1, &c->insert, NULL) !=
		    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db_path,
			 msg ? msg : sqlite3_errmsg(c->db));
		sqlite3_free(msg);
		goto fail;
	}
	if (csv_path && *csv_path) {
		c->csv = open(csv_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0640);
		if (c->csv < 0) {
			int e = errno;

			snprintf(err, errlen, "%s: %s", csv_path, strerror(e));
			gw_cdr_close(c);
			return -e;
		}
		if (lseek(c->csv, 0, SEEK_END) == 0 &&
		    write(c->csv, header, strlen(header)) < 0) {
			int e = errno;

			snprintf(err, errlen, "%s: %s", csv_path, strerror(e));
			gw_cdr_close(c);
			return -e;
		}
	}
	*ret = c;
	return 0;
fail:
	gw_cdr_close(c);
	return -EIO;
}

void gw_cdr_close(struct gw_cdr *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->insert);
	sqlite3_close(c->db);
	if (c->csv >= 0)
		close(c->csv);
	free(c);
}

/* ISO 8601 UTC, or "" for 0. */
static void iso(char *buf, size_t len, time_t t)
{
	struct tm tm;

	buf[0] = 0;
	if (t && gmtime_r(&t, &tm))
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *gw_cdr_disposition(int answered, int cause, int cancelled)
{
	if (answered)
		return "answered";
	if (cancelled)
		return "cancelled";
	if (cause == 486 || cause == 600)
		return "busy";
	if (cause == 480 || cause == 408 || cause == 487)
		return "no-answer";
	return "failed";
}

/* Append s as a CSV field (quoted when it needs to be, RFC 4180). */
static void csv_field(char *buf, size_t len, size_t *off, const char *s,
		      int last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (*off + 1 >= len)
		return;
	if (quote)
		buf[(*off)++] = '"';
	for (; *s && *off + 3 < len; s++) {
		if (*s == '"')
			buf[(*off)++] = '"';
		buf[(*off)++] = *s;
	}
	if (quote && *off + 1 < len)
		buf[(*off)++] = '"';
	if (*off + 1 < len)
		buf[(*off)++] = last ? '\n' : ',';
	buf[*off] = 0;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

int gw_cdr_write(struct gw_cdr *c, const struct gw_cdr_rec *r)
{
	char start[32], answer[32], end[32], num[NCOLS][32], line[4096];
	const char *v[NCOLS];
	long duration = r->end > r->start ? (long)(r->end - r->start) : 0;
	long billsec = r->answer && r->end > r->answer
			       ? (long)(r->end - r->answer) : 0;
	size_t off = 0;
	int rc;

	iso(start, sizeof(start), r->start);
	iso(answer, sizeof(answer), r->answer);
	iso(end, sizeof(end), r->end);
	sqlite3_reset(c->insert);
	sqlite3_bind_int64(c->insert, 1, r->id);
	sqlite3_bind_text(c->insert, 2, str(r->call_id), -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 3, start, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 4, answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 5, end, -1, SQLITE_STATIC);
	sqlite3_bind_int64(c->insert, 6, duration);
	sqlite3_bind_int64(c->insert, 7, billsec);
	sqlite3_bind_text(c->insert, 8, str(r->direction), -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 9, str(r->port), -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 10, str(r->peer), -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 11, str(r->caller), -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 12, str(r->called), -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 13, str(r->disposition), -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(c->insert, 14, r->cause);
	sqlite3_bind_text(c->insert, 15, str(r->reason), -1, SQLITE_STATIC);
	sqlite3_bind_text(c->insert, 16, str(r->codec), -1, SQLITE_STATIC);
	sqlite3_bind_double(c->insert, 17, r->loss_pct);
	sqlite3_bind_double(c->insert, 18, r->jitter_ms);
	sqlite3_bind_double(c->insert, 19, r->mos);
	rc = sqlite3_step(c->insert);
	sqlite3_reset(c->insert);
	if (c->csv >= 0) {
		snprintf(num[0], sizeof(num[0]), "%u", r->id);
		snprintf(num[5], sizeof(num[5]), "%ld", duration);
		snprintf(num[6], sizeof(num[6]), "%ld", billsec);
		snprintf(num[13], sizeof(num[13]), "%d", r->cause);
		snprintf(num[16], sizeof(num[16]), "%.2f", r->loss_pct);
		snprintf(num[17], sizeof(num[17]), "%.1f", r->jitter_ms);
		snprintf(num[18], sizeof(num[18]), "%.2f", r->mos);
		v[0] = num[0], v[1] = str(r->call_id), v[2] = start;
		v[3] = answer, v[4] = end, v[5] = num[5], v[6] = num[6];
		v[7] = str(r->direction), v[8] = str(r->port);
		v[9] = str(r->peer), v[10] = str(r->caller);
		v[11] = str(r->called), v[12] = str(r->disposition);
		v[13] = num[13], v[14] = str(r->reason), v[15] = str(r->codec);
		v[16] = num[16], v[17] = num[17], v[18] = num[18];
		for (int i = 0; i < NCOLS; i++)
			csv_field(line, sizeof(line), &off, v[i], i == NCOLS - 1);
		if (write(c->csv, line, off) != (ssize_t)off)
			return -errno ? -errno : -EIO;
	}
	return rc == SQLITE_DONE ? 0 : -EIO;
}
