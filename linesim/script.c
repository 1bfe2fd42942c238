// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * script: scenario files run against linesim's control socket (script.h).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "linesim/script.h"

#define MAX_STEPS 1024
#define MAX_LINE 1024
#define MAX_CHECKS 16
#define POLL_NS 100000000L	 /* expect: a command every 100 ms */
#define REPLY_TIMEOUT_S 10
#define MAX_WAIT_S 3600.0

enum step_kind { S_CMD, S_SLEEP, S_EXPECT, S_PRINT };

struct check {
	char key[32];
	char op; /* '=', '~' or 'r' (range) */
	char value[96];
	double lo, hi;
};

struct step {
	enum step_kind kind;
	int line;
	double seconds;	 /* sleep; expect's limit */
	char text[MAX_LINE]; /* command, or text to print */
	int nchecks;
	struct check checks[MAX_CHECKS];
};

struct conn {
	int fd;
	char buf[8192];
	size_t len;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - floor(s)) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "SECONDS": a number in 0..MAX_WAIT_S; false if not. */
static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= MAX_WAIT_S))
		return false;
	*out = v;
	return true;
}

static int parse_check(const char *tok, struct check *c, char *err,
		       size_t errlen)
{
	const char *op = strpbrk(tok, "=~");
	size_t klen;

	if (!op || op == tok) {
		snprintf(err, errlen, "check '%s': need KEY=VALUE, KEY~TEXT "
			 "or KEY=LO..HI", tok);
		return -1;
	}
	klen = (size_t)(op - tok);
	if (klen >= sizeof(c->key) || strlen(op + 1) >= sizeof(c->value)) {
		snprintf(err, errlen, "check '%s': too long", tok);
		return -1;
	}
	memcpy(c->key, tok, klen);
	c->key[klen] = '\0';
	strcpy(c->value, op + 1);
	c->op = *op;
	if (c->op == '=') {
		const char *dots = strstr(c->value, "..");
		char *e1, *e2;

		if (dots) {
			char lo[96];

			/* strtod would take "1." of "1..2" */
			snprintf(lo, sizeof(lo), "%.*s",
				 (int)(dots - c->value), c->value);
			c->lo = strtod(lo, &e1);
			c->hi = strtod(dots + 2, &e2);
			if (*e1 || *e2 || e1 == lo ||
			    e2 == dots + 2 || c->lo > c->hi) {
				snprintf(err, errlen, "check '%s': range "
					 "needs LO..HI, numbers, LO <= HI",
					 tok);
				return -1;
			}
			c->op = 'r';
		}
	}
	return 0;
}

/* One line of the file into *st; 0: a step, 1: nothing (blank, comment),
 * -1: bad line (err says why). */
static int parse_line(char *raw, struct step *st, char *err, size_t errlen)
{
	char *s = trim(raw), *hash;

	if (!*s || *s == '#')
		return 1;
	hash = strstr(s, " #");
	if (hash) {
		*hash = '\0';
		s = trim(s);
	}
	memset(st, 0, sizeof(*st));
	if (strlen(s) >= sizeof(st->text)) {
		snprintf(err, errlen, "line too long");
		return -1;
	}
	if (!strncmp(s, "print", 5) && (!s[5] || s[5] == ' ')) {
		st->kind = S_PRINT;
		strcpy(st->text, trim(s + 5));
		return 0;
	}
	if (!strncmp(s, "sleep", 5) && (!s[5] || s[5] == ' ')) {
		st->kind = S_SLEEP;
		if (!parse_seconds(trim(s + 5), &st->seconds)) {
			snprintf(err, errlen, "sleep needs SECONDS "
				 "(0..%.0f)", MAX_WAIT_S);
			return -1;
		}
		return 0;
	}
	if (!strncmp(s, "expect", 6) && (!s[6] || s[6] == ' ')) {
		char *rest = trim(s + 6), *colon = strstr(rest, " :"), *tok,
		     *save, *sp;

		st->kind = S_EXPECT;
		st->seconds = 10;
		if (!colon) {
			snprintf(err, errlen, "expect needs "
				 "[SECONDS] COMMAND ... : CHECK...");
			return -1;
		}
		*colon = '\0';
		sp = strchr(rest, ' ');
		if (sp) {
			*sp = '\0';
			if (parse_seconds(rest, &st->seconds))
				rest = trim(sp + 1);
			else
				*sp = ' ';
		}
		if (!*trim(rest)) {
			snprintf(err, errlen, "expect: no command");
			return -1;
		}
		strcpy(st->text, trim(rest));
		for (tok = strtok_r(colon + 2, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			if (st->nchecks == MAX_CHECKS) {
				snprintf(err, errlen, "expect: more than %d "
					 "checks", MAX_CHECKS);
				return -1;
			}
			if (parse_check(tok, &st->checks[st->nchecks++], err,
					errlen))
				return -1;
		}
		if (!st->nchecks) {
			snprintf(err, errlen, "expect: no check after ':'");
			return -1;
		}
		return 0;
	}
	st->kind = S_CMD;
	strcpy(st->text, s);
	return 0;
}

static int conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };

	c->len = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(c->fd);
		c->fd = -1;
		return err;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

/* Send one command, read its reply line into reply (no newline). */
static int conn_cmd(struct conn *c, const char *cmd, char *reply,
		    size_t len)
{
	char line[MAX_LINE + 2];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);
	char *nl;

	if (send(c->fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		return -EPIPE;
	while (!(nl = memchr(c->buf, '\n', c->len))) {
		ssize_t r;

		if (c->len == sizeof(c->buf))
			return -EMSGSIZE;
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r <= 0)
			return r == 0 ? -ECONNRESET : -errno;
		c->len += (size_t)r;
	}
	*nl = '\0';
	len = len - 1 < (size_t)(nl - c->buf) ? len - 1 : (size_t)(nl - c->buf);
	memcpy(reply, c->buf, len);
	reply[len] = '\0';
	c->len -= (size_t)(nl + 1 - c->buf);
	memmove(c->buf, nl + 1, c->len);
	return 0;
}

/* KEY's value in an "ok k=v k=v" reply, copied to out; false if absent. */
static bool reply_value(const char *reply, const char *key, char *out,
			size_t len)
{
	size_t klen = strlen(key);
	const char *p = reply;

	while ((p = strstr(p, key))) {
		if ((p == reply || p[-1] == ' ') && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t n = strcspn(v, " ");

			snprintf(out, len, "%.*s", (int)n, v);
			return true;
		}
		p += klen;
	}
	return false;
}

static bool checks_pass(const struct step *st, const char *reply)
{
	char v[256];

	if (strncmp(reply, "ok", 2))
		return false;
	for (int i = 0; i < st->nchecks; i++) {
		const struct check *c = &st->checks[i];
		char *end;
		double d;

		if (!reply_value(reply, c->key, v, sizeof(v)))
			return false;
		switch (c->op) {
		case '=':
			if (strcmp(v, c->value))
				return false;
			break;
		case '~':
			if (!strstr(v, c->value))
				return false;
			break;
		default:
			d = strtod(v, &end);
			if (end == v || d < c->lo || d > c->hi)
				return false;
		}
	}
	return true;
}

static int load(const char *path, struct step **ret, int *nret)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct step *steps;
	char raw[MAX_LINE * 2], err[256];
	int n = 0, line = 0, bad = 0;

	if (!f) {
		fprintf(stderr, "copperline-linesim: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	steps = calloc(MAX_STEPS, sizeof(*steps));
	if (!steps) {
		if (f != stdin)
			fclose(f);
		return -1;
	}
	while (fgets(raw, sizeof(raw), f)) {
		int r;

		line++;
		if (!strchr(raw, '\n') && !feof(f)) {
			fprintf(stderr, "%s:%d: line too long\n", path, line);
			bad++;
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		if (n == MAX_STEPS) {
			fprintf(stderr, "%s:%d: more than %d steps\n", path,
				line, MAX_STEPS);
			bad++;
			break;
		}
		r = parse_line(raw, &steps[n], err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "%s:%d: %s\n", path, line, err);
			bad++;
		} else if (r == 0) {
			steps[n++].line = line;
		}
	}
	if (f != stdin)
		fclose(f);
	if (bad) {
		free(steps);
		return -1;
	}
	*ret = steps;
	*nret = n;
	return 0;
}

int ls_script_run(const char *control, const char *path)
{
	struct conn c = { .fd = -1 };
	struct step *steps;
	char reply[4096] = "";
	int n, err, ret = 0;
	double t0;

	if (load(path, &steps, &n))
		return 2;
	err = conn_open(&c, control);
	if (err) {
		fprintf(stderr, "copperline-linesim: %s: %s\n", control,
			strerror(-err));
		free(steps);
		return 1;
	}
	t0 = now_s();
	for (int i = 0; i < n && !ret; i++) {
		struct step *st = &steps[i];
		double start = now_s();

		printf("[%7.2f] %s:%d: ", start - t0, path, st->line);
		switch (st->kind) {
		case S_PRINT:
			printf("%s\n", st->text);
			break;
		case S_SLEEP:
			printf("sleep %g\n", st->seconds);
			fflush(stdout);
			sleep_s(st->seconds);
			break;
		case S_CMD:
			printf("%s\n", st->text);
			err = conn_cmd(&c, st->text, reply, sizeof(reply));
			if (err || strncmp(reply, "ok", 2)) {
				fprintf(stderr, "%s:%d: %s: %s\n", path,
					st->line, st->text,
					err ? strerror(-err) : reply);
				ret = 1;
			}
			break;
		case S_EXPECT:
			printf("expect %s (up to %g s)\n", st->text,
			       st->seconds);
			fflush(stdout);
			for (;;) {
				err = conn_cmd(&c, st->text, reply,
					       sizeof(reply));
				if (err) {
					fprintf(stderr, "%s:%d: %s: %s\n", path,
						st->line, st->text,
						strerror(-err));
					ret = 1;
					break;
				}
				if (checks_pass(st, reply)) {
					printf("          passed after %.2f s: "
					       "%s\n", now_s() - start, reply);
					break;
				}
				if (now_s() - start >= st->seconds) {
					fprintf(stderr, "%s:%d: expect %s: not "
						"met within %g s; last reply: "
						"%s\n", path, st->line,
						st->text, st->seconds, reply);
					ret = 1;
					break;
				}
				sleep_s(POLL_NS / 1e9);
			}
			break;
		}
		fflush(stdout);
	}
	if (!ret)
		printf("scenario %s: %d steps passed in %.1f s\n", path, n,
		       now_s() - t0);
	else
		printf("scenario %s: FAILED\n", path);
	close(c.fd);
	free(steps);
	return ret;
}
