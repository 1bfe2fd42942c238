// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copperctl: the control CLI. Sends one request to the daemon's control
 * socket and prints the reply. Exit status 0 if the reply ends "ok".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"

#define DEFAULT_SOCKET "/run/copperline/copperctl.sock"

static void usage(FILE *f)
{
	fprintf(f, "usage: copperctl [-s SOCKET] COMMAND [ARGS]\n"
		   "  -s, --socket PATH   control socket (default " DEFAULT_SOCKET ")\n"
		   "commands:\n"
		   "  status              ports with their state, calls in progress\n"
		   "  route test SOURCE NUMBER [YYYY-MM-DDTHH:MM]\n"
		   "                      explain the dial plan's decision for NUMBER\n"
		   "                      from SOURCE (sip, fxs or fxo), now or at\n"
		   "                      that local time\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_SOCKET;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[256], reply[65536];
	size_t got = 0;
	int opt, fd;
	ssize_t n;

	while ((opt = getopt_long(argc, argv, "s:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("copperctl %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "status") == 0 && optind == argc - 1) {
		snprintf(req, sizeof(req), "status\n");
	} else if (strcmp(argv[optind], "route") == 0 &&
		   (optind + 4 == argc || optind + 5 == argc) &&
		   strcmp(argv[optind + 1], "test") == 0) {
		if (snprintf(req, sizeof(req), "route test %s %s %s\n",
			     argv[optind + 2], argv[optind + 3],
			     optind + 5 == argc ? argv[optind + 4] : "") >=
		    (int)sizeof(req)) {
			fprintf(stderr, "copperctl: arguments too long\n");
			return 2;
		}
	} else {
		fprintf(stderr, "copperctl: unknown command or arguments: '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
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
		return 1;
	}
	if (write(fd, req, strlen(req)) < 0) {
		fprintf(stderr, "copperctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (got < sizeof(reply) - 1 &&
	       (n = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	reply[got] = 0;
	fputs(reply, stdout);
	return got >= 3 && strcmp(reply + got - 3, "ok\n") == 0 ? 0 : 1;
}
