// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_cdr: gateway/cdr. Records are written to a database (and a CSV
 * file) in a scratch folder and read back with SQLite: every column, the
 * WAL journal, CSV quoting, errors for paths that cannot be opened; and a
 * writer killed (SIGKILL) in the middle of its writes, again and again:
 * the database stays intact and keeps every record written before.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gateway/cdr.h"
#include "tests/test.h"

static int cdr_write_read(void)
{
	char dir[] = "/tmp/gwcdrXXXXXX", db[64], csv[64], err[256], line[1024];
	struct gw_cdr *c = NULL;
	sqlite3 *s;
	sqlite3_stmt *st;
	FILE *f;
	int rows = 0;
	struct gw_cdr_rec r = {
		.id = 7, .call_id = "abc@host", .start = 1795478400,
		.answer = 1795478405, .end = 1795478465,
		.direction = "sip-to-fxo", .port = "fxo1",
		.peer = "sip:alice@127.0.0.1", .caller = "alice",
		.called = "1004", .disposition = "answered", .cause = 0,
		.reason = "SIP side ended: BYE, \"bye\"", .codec = "PCMU",
		.loss_pct = 0.5, .jitter_ms = 3.2, .mos = 4.38,
	};

	TEST_ASSERT(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/cdr.db", dir);
	snprintf(csv, sizeof(csv), "%s/cdr.csv", dir);
	TEST_EQ_INT(gw_cdr_open(&c, db, csv, err, sizeof(err)), 0);
	TEST_EQ_INT(gw_cdr_write(c, &r), 0);
	r.id = 8;
	r.answer = 0;
	r.disposition = gw_cdr_disposition(0, 486, 0);
	r.cause = 486;
	r.reason = "Busy Here";
	TEST_EQ_INT(gw_cdr_write(c, &r), 0);
	gw_cdr_close(c);

	TEST_EQ_INT(sqlite3_open(db, &s), SQLITE_OK);
	TEST_EQ_INT(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL),
		    SQLITE_OK);
	TEST_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	TEST_EQ_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	TEST_EQ_INT(sqlite3_prepare_v2(s, "SELECT id, start, answer, duration,"
				       " billsec, disposition, cause, reason,"
				       " mos FROM cdr ORDER BY id", -1, &st,
				       NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int id = sqlite3_column_int(st, 0);

		printf("  row %d: %s %s %d s (%d billed) %s %d '%s' MOS %.2f\n",
		       id, sqlite3_column_text(st, 1),
		       sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
		       sqlite3_column_int(st, 4), sqlite3_column_text(st, 5),
		       sqlite3_column_int(st, 6), sqlite3_column_text(st, 7),
		       sqlite3_column_double(st, 8));
		TEST_EQ_STR((const char *)sqlite3_column_text(st, 1),
			    "2026-11-24T00:00:00Z");
		TEST_EQ_INT(sqlite3_column_int(st, 3), 65);
		TEST_EQ_INT(sqlite3_column_int(st, 4), id == 7 ? 60 : 0);
		TEST_EQ_STR((const char *)sqlite3_column_text(st, 5),
			    id == 7 ? "answered" : "busy");
		rows++;
	}
	sqlite3_finalize(st);
	sqlite3_close(s);
	TEST_EQ_INT(rows, 2);

	f = fopen(csv, "r");
	TEST_ASSERT(f);
	TEST_ASSERT(fgets(line, sizeof(line), f));
	TEST_ASSERT(strncmp(line, "id,call_id,start,", 17) == 0);
	TEST_ASSERT(fgets(line, sizeof(line), f));
	printf("  csv: %s", line);
	TEST_ASSERT(strstr(line, ",\"SIP side ended: BYE, \"\"bye\"\"\",PCMU,"));
	TEST_ASSERT(fgets(line, sizeof(line), f));
	TEST_ASSERT(!fgets(line, sizeof(line), f));
	fclose(f);

	/* reopened: the header is not written twice, rows are added */
	TEST_EQ_INT(gw_cdr_open(&c, db, csv, err, sizeof(err)), 0);
	TEST_EQ_INT(gw_cdr_write(c, &r), 0);
	gw_cdr_close(c);
	f = fopen(csv, "r");
	TEST_ASSERT(f);
	rows = 0;
	while (fgets(line, sizeof(line), f))
		rows += strncmp(line, "id,", 3) == 0;
	fclose(f);
	TEST_EQ_INT(rows, 1);

	/* a path that cannot be opened: an error naming it */
	TEST_ASSERT(gw_cdr_open(&c, "/nonexistent/dir/cdr.db", NULL, err,
				sizeof(err)) < 0);
	printf("  error: %s\n", err);
	TEST_ASSERT(strstr(err, "/nonexistent/dir/cdr.db"));
	TEST_EQ_STR(gw_cdr_disposition(0, 0, 1), "cancelled");
	TEST_EQ_STR(gw_cdr_disposition(0, 480, 0), "no-answer");
	TEST_EQ_STR(gw_cdr_disposition(0, 503, 0), "failed");

	unlink(csv);
	unlink(db);
	snprintf(line, sizeof(line), "%s-wal", db);
	unlink(line);
	snprintf(line, sizeof(line), "%s-shm", db);
	unlink(line);
	rmdir(dir);
	return 0;
}

/* The child: writes records as fast as it can, reporting each id done. */
static void crash_writer(const char *db, int first, int wfd)
{
	struct gw_cdr *c = NULL;
	char err[256];
	struct gw_cdr_rec r = {
		.call_id = "crash@host", .start = 1795478400,
		.answer = 1795478405, .end = 1795478465,
		.direction = "fxs-to-sip", .port = "fxs1", .peer = "sip:x@h",
		.caller = "201", .called = "100", .disposition = "answered",
		.reason = "BYE received", .codec = "PCMU",
	};

	if (gw_cdr_open(&c, db, NULL, err, sizeof(err)) < 0)
		_exit(2);
	for (int id = first;; id++) {
		r.id = (unsigned)id;
		if (gw_cdr_write(c, &r) < 0)
			_exit(3);
		if (write(wfd, &id, sizeof(id)) != sizeof(id))
			_exit(4);
	}
}

static int cdr_crash(void)
{
	char dir[] = "/tmp/gwcdrXXXXXX", db[64], path[80];
	int next = 1, kills = 0, lost = 0;
	sqlite3 *s;
	sqlite3_stmt *st;

	TEST_ASSERT(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/cdr.db", dir);
	for (int round = 0; round < 20; round++) {
		int fds[2], id, last = next - 1, status, rows = 0;
		struct timespec ts = { 0, (round % 5 + 1) * 7000000L };
		pid_t pid;

		TEST_ASSERT(pipe(fds) == 0);
		pid = fork();
		TEST_ASSERT(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			crash_writer(db, next, fds[1]);
		}
		close(fds[1]);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		while (read(fds[0], &id, sizeof(id)) == sizeof(id))
			last = id;
		close(fds[0]);
		TEST_ASSERT(waitpid(pid, &status, 0) == pid);
		TEST_ASSERT(WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL);
		kills++;

		TEST_EQ_INT(sqlite3_open(db, &s), SQLITE_OK);
		TEST_EQ_INT(sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1,
					       &st, NULL), SQLITE_OK);
		TEST_EQ_INT(sqlite3_step(st), SQLITE_ROW);
		TEST_EQ_STR((const char *)sqlite3_column_text(st, 0), "ok");
		sqlite3_finalize(st);
		TEST_EQ_INT(sqlite3_prepare_v2(s, "SELECT count(*), max(id) "
					       "FROM cdr", -1, &st, NULL),
			    SQLITE_OK);
		TEST_EQ_INT(sqlite3_step(st), SQLITE_ROW);
		rows = sqlite3_column_int(st, 0);
		/* every record reported written is there (one more may be
		 * committed without its report) */
		TEST_ASSERT(sqlite3_column_int(st, 1) >= last);
		next = sqlite3_column_int(st, 1) + 1;
		lost += (next - 1) - rows;
		sqlite3_finalize(st);
		sqlite3_close(s);
	}
	printf("  %d writers killed mid-write: database intact, %d records, "
	       "%d missing\n", kills, next - 1, lost);
	TEST_EQ_INT(lost, 0);
	TEST_ASSERT(next > 20); /* the writers did write */
	unlink(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	rmdir(dir);
	return 0;
}

const struct gw_test_case gw_test_cases_cdr[] = {
	{ "cdr_write_read", cdr_write_read },
	{ "cdr_crash", cdr_crash },
	{ NULL, NULL },
};
