// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copperline-linesim: the line simulator, the far side of every port of
 * the gateway's simulated card. Server mode runs the lines; client mode
 * (any positional arguments) sends one control command and prints the
 * reply.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "linesim/card.h"
#include "linesim/ctl.h"
#include "linesim/echo.h"
#include "linesim/linesim.h"
#include "linesim/script.h"

#define CLIENT_TIMEOUT_S 10

int ls_verbose;
static FILE *log_file;
static volatile sig_atomic_t quit;

static void vlog(const char *fmt, va_list ap)
{
	FILE *f = log_file ? log_file : stderr;

	fputs("linesim: ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void ls_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void ls_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!ls_verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

struct ls_port *ls_sim_port(struct ls_sim *sim, int chan)
{
	if (chan < 1 || chan > sim->nports)
		return NULL;
	return &sim->port[chan - 1];
}

bool ls_sim_card_up(const struct ls_sim *sim)
{
	return ls_card_connected(sim->card);
}

int ls_unix_listen(const char *path, int type, int *ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) + 4 >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	/*
	 * Listening under a temporary name first, then renamed over the
	 * path (replacing a stale socket): whoever sees the path can
	 * connect at once.
	 */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.new", path);
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (unlink(sa.sun_path) < 0 && errno != ENOENT) {
		err = -errno;
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0 || rename(sa.sun_path, path) < 0) {
		err = -errno;
		unlink(sa.sun_path);
		goto fail;
	}
	*ret = fd;
	return 0;
fail:
	close(fd);
	return err;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: copperline-linesim --card PATH --control PATH "
		"[--ports LIST] [--echo MODEL:ERL[:DELAY]] [--log FILE] [-v]\n"
		"       copperline-linesim --control PATH COMMAND [ARGS...]\n"
		"       copperline-linesim --control PATH --script FILE\n"
		"\n"
		"The line simulator: an analog phone behind each FXS port and "
		"a test exchange\n"
		"behind each FXO port of copperline's simulated card.\n"
		"\n"
		"  --card PATH      card socket the gateway connects to\n"
		"  --control PATH   control socket\n"
		"  --ports LIST     port types as the gateway sees them, "
		"channel 1 first,\n"
		"                   at most %d (default fxs,fxs,fxo,fxo)\n"
		"  --echo MODEL:ERL[:DELAY_MS]\n"
		"                   hybrid echo on every line: G.168 model 2..9,\n"
		"                   echo return loss in dB, bulk delay (e.g. 4:6)\n"
		"  --log FILE       log to FILE instead of stderr\n"
		"  --script FILE    run a scenario file (\"-\": standard input)\n"
		"                   against a running simulator; exit 0 if every\n"
		"                   step passed, 1 if one failed, 2 on a bad file\n"
		"  -v, --verbose    log more (digits, signals, commands)\n"
		"  -h, --help       this help\n"
		"  -V, --version    print the version\n"
		"\n"
		"Commands: status P, hears P, digits P, play P tone FREQ "
		"LEVEL_DBM0,\n"
		"play P wav FILE, play P echo|silence|auto, record P "
		"FILE|stop, offhook P,\n"
		"onhook P, dial P DIGITS, auto P on|off [RINGS], call P "
		"[CALLER], hangup P,\n"
		"echo P off|MODEL ERL [DELAY_MS], "
		"info, help. See doc/copperline-linesim.md.\n",
		GW_HW_MAX_CHANS);
}

/* "fxs,fxs,fxo,fxo" -> kinds; returns the count or -EINVAL. */
static int parse_ports(const char *list, enum ls_kind *kind)
{
	char buf[GW_HW_MAX_CHANS * 8];
	char *tok, *save;
	int n = 0;

	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == GW_HW_MAX_CHANS)
			return -EINVAL;
		if (!strcasecmp(tok, "fxs"))
			kind[n++] = LS_PHONE;
		else if (!strcasecmp(tok, "fxo"))
			kind[n++] = LS_CO;
		else
			return -EINVAL;
	}
	return n ? n : -EINVAL;
}

static int client(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };
	char line[4096], buf[8192];
	size_t n = 0, len = 0;
	ssize_t r;
	int fd, i;

	for (i = 0; i < argc; i++) {
		len = strlen(argv[i]);
		if (n + len + 2 > sizeof(line)) {
			fputs("copperline-linesim: command too long\n", stderr);
			return 1;
		}
		if (i)
			line[n++] = ' ';
		memcpy(line + n, argv[i], len);
		n += len;
	}
	line[n++] = '\n';
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "copperline-linesim: %s: path too long\n",
			path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "copperline-linesim: %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n) {
		fprintf(stderr, "copperline-linesim: %s: send: %s\n", path,
			strerror(errno));
		close(fd);
		return 1;
	}
	len = 0;
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (!memchr(buf, '\n', len)) {
		fprintf(stderr, "copperline-linesim: %s: no reply\n", path);
		return 1;
	}
	fputs(buf, stdout);
	return strncmp(buf, "ok", 2) ? 1 : 0;
}

static void on_signal(int sig)
{
	quit = 1;
}

static int run(struct ls_sim *sim)
{
	struct pollfd pfd[2 + 1 + 70];
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	int nc, nt, r;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (!quit) {
		nc = ls_card_pollfds(sim->card, pfd);
		nt = ls_ctl_pollfds(sim->ctl, pfd + nc,
				    (int)(sizeof(pfd) / sizeof(pfd[0])) - nc);
		r = ppoll(pfd, (nfds_t)(nc + nt), NULL, &orig);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ls_log("poll: %s", strerror(errno));
			return -errno;
		}
		ls_card_handle(sim->card, pfd, nc);
		ls_ctl_handle(sim->ctl, pfd + nc, nt);
	}
	ls_log("exiting on signal");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "control", required_argument, NULL, 'C' },
		{ "ports", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "echo", required_argument, NULL, 'e' },
		{ "script", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *card = NULL, *control = NULL, *ports = "fxs,fxs,fxo,fxo";
	const char *logpath = NULL, *echo = NULL, *script = NULL;
	struct ls_echo echo_path = { 0 };
	enum ls_kind kind[GW_HW_MAX_CHANS];
	static struct ls_sim sim;
	int o, i, n, err, ret = 1;

	while ((o = getopt_long(argc, argv, "+vhV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			card = optarg;
			break;
		case 'C':
			control = optarg;
			break;
		case 'p':
			ports = optarg;
			break;
		case 'l':
			logpath = optarg;
			break;
		case 'e':
			echo = optarg;
			break;
		case 's':
			script = optarg;
			break;
		case 'v':
			ls_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("copperline-linesim %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (script) {
		if (!control || optind < argc) {
			fprintf(stderr, "copperline-linesim: --script needs "
					"--control PATH and no command\n");
			return 2;
		}
		return ls_script_run(control, script);
	}
	if (optind < argc) {
		if (!control) {
			fprintf(stderr, "copperline-linesim: client mode needs "
					"--control PATH\n");
			return 2;
		}
		return client(control, argc - optind, argv + optind);
	}
	if (!card || !control) {
		fprintf(stderr,
			"copperline-linesim: --card and --control are required "
			"(see --help)\n");
		return 2;
	}
	n = parse_ports(ports, kind);
	if (n < 0) {
		fprintf(stderr,
			"copperline-linesim: --ports %s: need a list of 1 "
			"to %d of fxs, fxo\n",
			ports, GW_HW_MAX_CHANS);
		return 2;
	}
	if (echo && ls_echo_parse(&echo_path, echo) < 0) {
		fprintf(stderr,
			"copperline-linesim: --echo %s: need MODEL:ERL[:DELAY_MS] "
			"with MODEL 2..9 (G.168 Annex D), ERL 0..60 dB, "
			"DELAY_MS 0..%d\n",
			echo, LS_ECHO_MAX_DELAY_MS);
		return 2;
	}
	if (logpath) {
		log_file = fopen(logpath, "a");
		if (!log_file) {
			fprintf(stderr, "copperline-linesim: %s: %s\n",
				logpath, strerror(errno));
			return 1;
		}
	}

	for (i = 0; i < n; i++) {
		err = ls_port_init(&sim.port[i], &sim, i + 1, kind[i]);
		if (err < 0) {
			ls_log("port %d: setup failed: %s", i + 1,
			       strerror(-err));
			goto out;
		}
		sim.nports = i + 1;
		if (echo)
			sim.port[i].echo = echo_path;
	}
	err = ls_card_open(&sim.card, &sim, card);
	if (err < 0) {
		ls_log("card socket %s: %s", card, strerror(-err));
		goto out;
	}
	err = ls_ctl_open(&sim.ctl, &sim, control);
	if (err < 0) {
		ls_log("control socket %s: %s", control, strerror(-err));
		goto out;
	}
	ls_log("%d port(s) %s; card socket %s, control socket %s", n, ports,
	       card, control);
	ret = run(&sim) < 0 ? 1 : 0;
out:
	ls_ctl_close(sim.ctl);
	ls_card_close(sim.card);
	for (i = 0; i < sim.nports; i++)
		ls_port_release(&sim.port[i]);
	if (log_file)
		fclose(log_file);
	return ret;
}
