// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copperctl: the control CLI. Sends one request to the daemon's control
 * socket and prints the reply. Exit status 0 if the reply ends "ok".
 * With --json the request goes as "json REQUEST" and the daemon answers
 * a JSON object, then a line "ok" or "error" that is not printed
 * (gateway/ctlcmd.h). Without a command: an interactive prompt with line
 * editing and history (libedit) on a terminal, else one command per line
 * of standard input.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <editline/readline.h>

#include "config.h"

#define DEFAULT_SOCKET "/run/copperline/copperctl.sock"

static void usage(FILE *f)
{
	fprintf(f, "usage: copperctl [-s SOCKET] [-j] COMMAND [ARGS]\n"
		   "       copperctl [-s SOCKET] [-j] [-i]   (commands from a prompt\n"
		   "                      or, not on a terminal, from stdin)\n"
		   "  -s, --socket PATH   control socket (default " DEFAULT_SOCKET ")\n"
		   "  -j, --json          the reply as JSON (every command)\n"
		   "  -i, --interactive   prompt even when stdin is not a terminal\n"
		   "commands:\n"
		   "  status              ports with their state, calls in progress\n"
		   "  ports               ports: state, call, extension\n"
		   "  calls               calls in progress with live media figures\n"
		   "                      (codec, packets, loss, jitter, MOS)\n"
		   "  hangup CALL|PORT    end a call (number from calls, its SIP\n"
		   "                      Call-ID, or its port): BYE to the SIP\n"
		   "                      side, line back to idle\n"
		   "  log                 log levels: global, per subsystem\n"
		   "  log LEVEL           set the global level (error, warning,\n"
		   "                      notice, info, debug)\n"
		   "  log SUBSYS LEVEL|default\n"
		   "                      one subsystem's level (sip, call, line,\n"
		   "                      media, security, trunk, sofia, ...);\n"
		   "                      \"log default\" drops every override\n"
		   "  trace on|off        SIP message trace in the log (subsystem\n"
		   "                      sip-trace)\n"
		   "  trunks              SIP trunks: registration state, expiry\n"
		   "                      left, failures, last error, qualify\n"
		   "                      (also: registrations)\n"
		   "  route test SOURCE NUMBER [YYYY-MM-DDTHH:MM]\n"
		   "                      explain the dial plan's decision for NUMBER\n"
		   "                      from SOURCE (sip, fxs or fxo), now or at\n"
		   "                      that local time\n"
		   "  mwi PORT on|off     message waiting on FXS port PORT (lamp,\n"
		   "                      stutter dial tone)\n"
		   "  reload              re-read the configuration: apply what\n"
		   "                      can change live, list what needs a\n"
		   "                      restart (calls in progress stay up)\n");
}

/* The request line for the command words argv[0..argc-1]; 2 if none. */
static int build(int argc, char **argv, char *req, size_t size)
{
	if (strcmp(argv[0], "status") == 0 && argc == 1) {
		snprintf(req, size, "status\n");
	} else if ((strcmp(argv[0], "trunks") == 0 ||
		    strcmp(argv[0], "registrations") == 0) &&
		   argc == 1) {
		snprintf(req, size, "trunks\n");
	} else if (strcmp(argv[0], "route") == 0 &&
		   (argc == 4 || argc == 5) &&
		   strcmp(argv[1], "test") == 0) {
		if (snprintf(req, size, "route test %s %s %s\n",
			     argv[2], argv[3],
			     argc == 5 ? argv[4] : "") >=
		    (int)size) {
			fprintf(stderr, "copperctl: arguments too long\n");
			return 2;
		}
	} else if (strcmp(argv[0], "reload") == 0 && argc == 1) {
		snprintf(req, size, "reload\n");
	} else if (strcmp(argv[0], "mwi") == 0 && argc == 3) {
		if (snprintf(req, size, "mwi %s %s\n", argv[1],
			     argv[2]) >= (int)size) {
			fprintf(stderr, "copperctl: arguments too long\n");
			return 2;
		}
	} else if (((strcmp(argv[0], "ports") == 0 ||
		     strcmp(argv[0], "calls") == 0) && argc == 1) ||
		   (strcmp(argv[0], "hangup") == 0 && argc == 2) ||
		   (strcmp(argv[0], "log") == 0 && argc <= 3) ||
		   (strcmp(argv[0], "trace") == 0 && argc <= 2)) {
		size_t off = 0; /* gateway/ctlcmd.h: the words as they are */

		for (int i = 0; i < argc && off < size; i++)
			off += (size_t)snprintf(req + off, size - off, "%s%s",
						i ? " " : "", argv[i]);
		if (off + 2 > size) {
			fprintf(stderr, "copperctl: arguments too long\n");
			return 2;
		}
		strcpy(req + off, "\n");
	} else {
		fprintf(stderr, "copperctl: unknown command or arguments: '%s'\n",
			argv[0]);
		return 2;
	}
	return 0;
}

/* Send one request and print the reply; the exit status it deserves. */
static int send_req(const char *path, const char *req, bool json)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char reply[65536];
	size_t got = 0;
	bool ok;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "copperctl: socket path too long: %s\n", path);
		return 2;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr,
			"copperctl: cannot connect to %s: %s (is copperline running?)\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if ((json && write(fd, "json ", 5) != 5) ||
	    write(fd, req, strlen(req)) < 0) {
		fprintf(stderr, "copperctl: %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	while (got < sizeof(reply) - 1 &&
	       (n = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	reply[got] = 0;
	ok = got >= 3 && strcmp(reply + got - 3, "ok\n") == 0;
	if (json && got && reply[0] == '{') {
		/* the last line is the status, not part of the JSON */
		char *last;

		reply[got - 1] = 0;
		last = strrchr(reply, '\n');
		if (last)
			last[1] = 0;
		else
			reply[0] = 0;
	}
	fputs(reply, stdout);
	fflush(stdout);
	return ok ? 0 : 1;
}

/* Split line into words (spaces; "double quotes" group); the count. */
static int split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	while (argc < max) {
		p += strspn(p, " \t\r\n");
		if (!*p)
			break;
		if (*p == '"') {
			argv[argc++] = ++p;
			p += strcspn(p, "\"");
		} else {
			argv[argc++] = p;
			p += strcspn(p, " \t\r\n");
		}
		if (*p)
			*p++ = 0;
	}
	return argc;
}

/* One line of the interactive or stdin mode; -1 to stop. */
static int run_line(const char *path, bool json, char *line)
{
	char *argv[16], req[256];
	int argc = split(line, argv, 16), r;
	bool j = json;

	if (argc && (strcmp(argv[0], "--json") == 0 ||
		     strcmp(argv[0], "-j") == 0)) {
		j = true;
		argc--;
		memmove(argv, argv + 1, (size_t)argc * sizeof(argv[0]));
	}
	if (!argc || argv[0][0] == '#')
		return 0;
	if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0)
		return -1;
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return 0;
	}
	r = build(argc, argv, req, sizeof(req)); /* says what is wrong */
	return r ? r : send_req(path, req, j);
}

static char *history_path(void)
{
	const char *home = getenv("HOME");
	char *p;

	if (!home || !home[0] || asprintf(&p, "%s/.copperctl_history",
					  home) < 0)
		return NULL;
	return p;
}

/* Commands from a prompt (libedit) or from stdin; 0 if all were ok. */
static int interactive(const char *path, bool json, bool prompt)
{
	char *line = NULL, *hist = NULL;
	size_t cap = 0;
	int r, status = 0;

	if (prompt) {
		hist = history_path();
		using_history();
		stifle_history(500);
		if (hist)
			read_history(hist);
	}
	for (;;) {
		if (prompt) {
			free(line);
			line = readline("copperctl> ");
			if (!line)
				break;
			if (line[strspn(line, " \t")])
				add_history(line);
		} else if (getline(&line, &cap, stdin) < 0) {
			break;
		}
		r = run_line(path, json, line);
		if (r < 0)
			break;
		if (r)
			status = 1;
	}
	if (prompt && hist)
		write_history(hist);
	free(hist);
	free(line);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_SOCKET;
	bool json = false, prompt = false;
	char req[256];
	int opt, r;

	while ((opt = getopt_long(argc, argv, "+s:jihV", opts, NULL)) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case 'j': json = true; break;
		case 'i': prompt = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("copperctl %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc)
		return interactive(path, json, prompt || isatty(0));
	r = build(argc - optind, argv + optind, req, sizeof(req));
	if (r) {
		usage(stderr);
		return r;
	}
	return send_req(path, req, json);
}
