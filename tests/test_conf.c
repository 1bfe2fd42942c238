// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_conf: gateway/conf. The shipped configs load with the expected
 * values; each class of error names the right file, line and key; the
 * trusted-source check matches IPv4, IPv6 and IPv4-mapped addresses.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsp/codec.h"
#include "gateway/conf.h"
#include "gateway/fwd.h"
#include "gateway/disa.h"
#include "gateway/transport.h"
#include "gateway/trunk.h"
#include "gateway/guard.h"
#include "gateway/log.h"
#include "gateway/route.h"
#include "gateway/routeact.h"
#include "tests/test.h"

static const char *srcdir(void)
{
	const char *d = getenv("GW_SRCDIR");

	if (d && *d)
		return d;
#ifdef GW_SRCDIR_DEFAULT
	return GW_SRCDIR_DEFAULT;
#else
	return ".";
#endif
}

/* Write `text` to a fresh file under /tmp; 0 or -errno. */
static int write_tmp(char *path, size_t size, const char *text)
{
	size_t len = strlen(text);
	int fd;

	snprintf(path, size, "/tmp/gwconfXXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	return 0;
}

/* Load `text`; the result (conf or error) is left in *conf / err. */
static int load_text(const char *text, struct gw_conf **conf, char *path,
		     size_t psize, char *err, size_t errlen)
{
	int r = write_tmp(path, psize, text);

	if (r < 0)
		return r;
	*conf = NULL;
	r = gw_conf_load(conf, path, err, errlen);
	unlink(path);
	return r;
}

/*
 * `text` must fail to load with an error starting "TMPFILE:line: key: ";
 * `what` (if not NULL) must appear in the message.
 */
static int expect_error(const char *text, int line, const char *key,
			const char *what, const char *file, int fline)
{
	struct gw_conf *conf = NULL;
	char path[64], err[256], want[160];
	int r;

	err[0] = '\0';
	r = load_text(text, &conf, path, sizeof(path), err, sizeof(err));
	if (r >= 0) {
		gw_conf_free(conf);
		fprintf(stderr, "%s:%d: loaded, expected %d: %s\n", file,
			fline, line, key);
		return -1;
	}
	if (conf) {
		fprintf(stderr, "%s:%d: *ret written on error\n", file, fline);
		return -1;
	}
	snprintf(want, sizeof(want), "%s:%d: %s: ", path, line, key);
	if (r != -EINVAL || strncmp(err, want, strlen(want)) != 0 ||
	    strlen(err) == strlen(want) || (what && !strstr(err, what))) {
		fprintf(stderr,
			"%s:%d: got %d \"%s\", expected -EINVAL \"%s%s\"\n",
			file, fline, r, err, want, what ? what : "...");
		return -1;
	}
	return 0;
}

#define EXPECT_ERROR(text, line, key, what)                                    \
	do {                                                                   \
		if (expect_error(text, line, key, what, __FILE__, __LINE__))  \
			return -1;                                             \
	} while (0)

#define CARD "card = { driver = \"sim\"; };\n"
#define FXS1 "{ name = \"fxs1\"; channel = 1; type = \"fxs\"; }"
#define FXO1 "{ name = \"fxo1\"; channel = 3; type = \"fxo\"; }"

static int load_shipped(const char *name, struct gw_conf **conf)
{
	char path[512], err[256];
	int r;

	snprintf(path, sizeof(path), "%s/etc/%s", srcdir(), name);
	err[0] = '\0';
	r = gw_conf_load(conf, path, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "%s: %d: %s\n", path, r, err);
	return r;
}

static int demo(void)
{
	struct gw_conf *c = NULL;
	const struct gw_conf_port *p;

	TEST_EQ_INT(load_shipped("demo.conf", &c), 0);
	TEST_EQ_STR(c->control_socket, "/run/copperline/copperctl.sock");
	TEST_EQ_STR(c->log_level, "info");
	TEST_EQ_STR(c->card_driver, "sim");
	TEST_EQ_STR(c->card_device, "");
	TEST_EQ_STR(c->sip_host, "127.0.0.1");
	TEST_EQ_INT(c->sip_port, 5060);
	TEST_EQ_INT(c->rtp_port_min, 20000);
	TEST_EQ_INT(c->rtp_port_max, 20999);
	TEST_EQ_INT(c->ntrusted, 1);
	TEST_EQ_INT(c->trusted[0].family, AF_INET);
	TEST_EQ_INT(c->trusted[0].prefix_len, 32);
	TEST_EQ_INT(c->nports, 4);

	p = gw_conf_port_by_name(c, "fxs1");
	TEST_ASSERT(p && p == gw_conf_port_by_channel(c, 1));
	TEST_EQ_INT(p->type, GW_CONF_PORT_FXS);
	TEST_EQ_STR(p->extension, "201");
	TEST_EQ_INT(p->digit_timeout_ms, 3000);
	TEST_EQ_INT(p->first_digit_timeout_ms, 15000);
	p = gw_conf_port_by_name(c, "fxs2");
	TEST_ASSERT(p && p->channel == 2 && p->type == GW_CONF_PORT_FXS);
	TEST_EQ_STR(p->extension, "202");
	TEST_EQ_INT(p->digit_timeout_ms, 3000);
	for (int ch = 3; ch <= 4; ch++) {
		p = gw_conf_port_by_channel(c, ch);
		TEST_ASSERT(p);
		TEST_EQ_STR(p->name, ch == 3 ? "fxo1" : "fxo2");
		TEST_EQ_INT(p->type, GW_CONF_PORT_FXO);
		TEST_EQ_STR(p->target, "sip:100@127.0.0.1:5070");
		TEST_EQ_INT(p->dialtone_timeout_ms, 3000);
		TEST_EQ_INT(p->answer_rings, 1);
		TEST_ASSERT(p->line > 0);
	}
	TEST_ASSERT(!gw_conf_port_by_channel(c, 5));
	TEST_ASSERT(!gw_conf_port_by_name(c, "fxo3"));

	TEST_EQ_INT(c->nroutes, 3);
	TEST_EQ_INT(c->routes[0].from, GW_ROUTE_FROM_SIP);
	TEST_EQ_STR(c->routes[0].prefix, "9");
	TEST_EQ_INT(c->routes[0].strip, 1);
	TEST_EQ_INT(c->routes[0].to, GW_ROUTE_TO_FXO);
	TEST_EQ_STR(c->routes[0].port_name, "");
	TEST_EQ_INT(c->routes[1].from, GW_ROUTE_FROM_SIP);
	TEST_EQ_STR(c->routes[1].prefix, "2");
	TEST_EQ_INT(c->routes[1].strip, 0);
	TEST_EQ_INT(c->routes[1].to, GW_ROUTE_TO_FXS);
	TEST_EQ_INT(c->routes[2].from, GW_ROUTE_FROM_FXS);
	TEST_EQ_STR(c->routes[2].prefix, "");
	TEST_EQ_STR(c->routes[2].prepend, "");
	TEST_EQ_INT(c->routes[2].to, GW_ROUTE_TO_URI);
	TEST_EQ_STR(c->routes[2].uri, "sip:${number}@127.0.0.1:5070");
	TEST_ASSERT(c->routes[0].line < c->routes[1].line);
	gw_conf_free(c);
	return 0;
}

static int shipped_default(void)
{
	struct gw_conf *c = NULL;
	struct sockaddr_in sin = { .sin_family = AF_INET };

	TEST_EQ_INT(load_shipped("copperline.conf", &c), 0);
	TEST_EQ_STR(c->control_socket, "/run/copperline/copperctl.sock");
	TEST_EQ_STR(c->log_level, "info");
	TEST_EQ_STR(c->card_driver, "sim");
	TEST_EQ_STR(c->card_device, "/run/copperline/linesim.card");
	TEST_EQ_STR(c->sip_host, "127.0.0.1");
	TEST_EQ_INT(c->sip_port, 5060);
	TEST_EQ_INT(c->rtp_port_min, 20000);
	TEST_EQ_INT(c->rtp_port_max, 20999);
	TEST_EQ_INT(c->ntrusted, 0);
	TEST_EQ_INT(c->nports, 0);
	TEST_EQ_INT(c->nroutes, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	TEST_ASSERT(!gw_conf_trusted(c, (struct sockaddr *)&sin));
	gw_conf_free(c);
	return 0;
}

/* Only card.driver given: every other value is the documented default. */
static int defaults(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "ports = ( " FXS1 ", " FXO1 " );\n", &c,
			      path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_STR(c->path, path);
	TEST_EQ_STR(c->control_socket, "/run/copperline/copperctl.sock");
	TEST_EQ_STR(c->log_level, "info");
	TEST_EQ_STR(c->card_device, "");
	TEST_EQ_STR(c->sip_host, "127.0.0.1");
	TEST_EQ_INT(c->sip_port, 5060);
	TEST_EQ_INT(c->rtp_port_min, 20000);
	TEST_EQ_INT(c->rtp_port_max, 20999);
	TEST_EQ_INT(c->ntrusted, 0);
	TEST_EQ_INT(c->nroutes, 0);
	TEST_EQ_INT(c->nports, 2);
	TEST_EQ_STR(c->ports[0].extension, "");
	TEST_EQ_INT(c->ports[0].digit_timeout_ms, 4000);
	TEST_EQ_INT(c->ports[0].first_digit_timeout_ms, 15000);
	TEST_EQ_STR(c->ports[1].target, "");
	TEST_EQ_INT(c->ports[1].dialtone_timeout_ms, 3000);
	TEST_EQ_INT(c->ports[1].answer_rings, 1);
	TEST_ASSERT(c->ports[0].echo_canceller && c->ports[1].echo_canceller);
	TEST_EQ_INT(c->ports[0].echo_tail_ms, 64);
	gw_conf_free(c);
	return 0;
}

/* Tone zones: general default, per-port override, unknown names. */
static int zone_keys(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "general = { zone = \"DE\"; };\n"
				   "ports = ( " FXS1 ", { name = \"fxo1\"; "
				   "channel = 3; type = \"fxo\"; zone = \"uk\"; } );\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_STR(c->zone, "de");
	TEST_EQ_STR(c->ports[0].zone, "de");
	TEST_EQ_STR(c->ports[1].zone, "uk");
	gw_conf_free(c);
	TEST_EQ_INT(load_text(CARD "ports = ( " FXS1 " );\n", &c, path,
			      sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_STR(c->ports[0].zone, "us");
	gw_conf_free(c);
	EXPECT_ERROR(CARD "general = {\nzone = \"mars\"; };\n", 3,
		     "general.zone", "unknown tone zone \"mars\" (known: us, uk");
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxs\"; zone = \"xx\"; } );\n",
		     3, "ports.[0].zone", "unknown tone zone");
	return 0;
}

/* The echo canceller keys, on either port type. */
static int echo_keys(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxo1\"; channel = 3; "
				   "type = \"fxo\"; echo_canceller = false; "
				   "echo_tail_ms = 128; } );\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_ASSERT(!c->ports[0].echo_canceller);
	TEST_EQ_INT(c->ports[0].echo_tail_ms, 128);
	gw_conf_free(c);
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxs\"; echo_tail_ms = 200; } );\n",
		     3, "ports.[0].echo_tail_ms", "out of range 8..128");
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxs\"; echo_canceller = \"yes\"; } );\n",
		     3, "ports.[0].echo_canceller", "true or false");
	return 0;
}

/* FXO answer and disconnect supervision keys (gateway/supervise.h). */
/* FXO dialling and hook-flash: dial_mode, pulse_*, flash_ms. */
static int fxo_dial_keys(void)
{
	struct gw_conf *conf;
	char path[512], err[256];

	TEST_EQ_INT(load_text(CARD "ports = ( " FXO1 " );\n", &conf, path,
			      sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->ports[0].dial.mode, GW_CONF_DIAL_DTMF);
	TEST_EQ_INT(conf->ports[0].dial.pulse_pps, 10);
	TEST_EQ_INT(conf->ports[0].dial.break_pct, 61); /* zone us */
	TEST_EQ_INT(conf->ports[0].dial.interdigit_ms, 700);
	TEST_EQ_INT(conf->ports[0].dial.flash_ms, 600);
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxo1\"; channel = 3;"
			      " type = \"fxo\"; zone = \"uk\";"
			      " dial_mode = \"pulse\"; pulse_pps = 8; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->ports[0].dial.mode, GW_CONF_DIAL_PULSE);
	TEST_EQ_INT(conf->ports[0].dial.pulse_pps, 8);
	TEST_EQ_INT(conf->ports[0].dial.break_pct, 67);
	TEST_EQ_INT(conf->ports[0].dial.flash_ms, 100);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; dial_mode = \"rotary\"; } );\n", 3,
		     "ports.[0].dial_mode", "must be \"dtmf\" or \"pulse\"");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; pulse_pps = 7; } );\n", 3,
		     "ports.[0].pulse_pps", "out of range 8..20");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; pulse_break_pct = 90; } );\n", 3,
		     "ports.[0].pulse_break_pct", "out of range 50..80");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; pulse_interdigit_ms = 50; } );\n",
		     3, "ports.[0].pulse_interdigit_ms", "out of range");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; flash_ms = 3000; } );\n", 3,
		     "ports.[0].flash_ms", "out of range 50..2000");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; dial_mode = \"pulse\"; } );\n", 3,
		     "ports.[0].dial_mode", "not valid on an fxs port");
	return 0;
}

/* echo_canceller = true / false / "kernel"; rx_gain_db, tx_gain_db. */
static int card_port_keys(void)
{
	struct gw_conf *conf;
	char path[512], err[256];

	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxo1\"; channel = 3;"
			      " type = \"fxo\"; echo_canceller = \"kernel\";"
			      " echo_tail_ms = 128; rx_gain_db = -3.5;"
			      " tx_gain_db = 2; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(conf->ports[0].echo_kernel);
	TEST_ASSERT(!conf->ports[0].echo_canceller);
	TEST_ASSERT(conf->ports[0].rx_gain_db == -3.5f);
	TEST_ASSERT(conf->ports[0].tx_gain_db == 2.0f);
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD "ports = ( " FXS1 " );\n", &conf, path,
			      sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(!conf->ports[0].echo_kernel);
	TEST_ASSERT(conf->ports[0].echo_canceller);
	TEST_ASSERT(conf->ports[0].rx_gain_db == 0);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; echo_canceller = \"card\"; } );\n",
		     3, "ports.[0].echo_canceller",
		     "must be true or false, or \"kernel\"");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; echo_canceller = \"kernel\";\n"
			  " echo_tail_ms = 48; } );\n", 4,
		     "ports.[0].echo_tail_ms", "8, 16, 32, 64 or 128");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; rx_gain_db = 30; } );\n", 3,
		     "ports.[0].rx_gain_db", "out of range -24..24");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; tx_gain_db = \"loud\"; } );\n", 3,
		     "ports.[0].tx_gain_db", "must be a number");
	return 0;
}

static int supervision_keys(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "ports = ( " FXO1 " );\n", &c, path,
			      sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->ports[0].sup.answer, GW_CONF_ANSWER_POLARITY);
	TEST_EQ_INT(c->ports[0].sup.answer_energy_ms, 500);
	TEST_EQ_INT(c->ports[0].sup.energy_dbm0, -40);
	TEST_EQ_INT(c->ports[0].sup.loop_drop_ms, 400);
	TEST_ASSERT(c->ports[0].sup.polarity);
	TEST_EQ_INT(c->ports[0].sup.tones, GW_CONF_DISC_ALL_TONES);
	TEST_EQ_INT(c->ports[0].sup.tone_repeat, 2);
	TEST_EQ_INT(c->ports[0].sup.silence_s, 0);
	TEST_EQ_INT(c->ports[0].sup.max_duration_s, 14400);
	gw_conf_free(c);
	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxo1\"; channel = 3; "
				   "type = \"fxo\"; answer_supervision = "
				   "\"energy\"; answer_energy_ms = 800; "
				   "supervision_energy_dbm0 = -50; "
				   "disconnect_loop_drop_ms = 0; "
				   "disconnect_polarity = false; "
				   "disconnect_tones = [ \"busy\", \"sit\" ]; "
				   "disconnect_tone_repeat = 3; "
				   "disconnect_silence_s = 30; "
				   "max_call_duration_s = 0; } );\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->ports[0].sup.answer, GW_CONF_ANSWER_ENERGY);
	TEST_EQ_INT(c->ports[0].sup.answer_energy_ms, 800);
	TEST_EQ_INT(c->ports[0].sup.energy_dbm0, -50);
	TEST_EQ_INT(c->ports[0].sup.loop_drop_ms, 0);
	TEST_ASSERT(!c->ports[0].sup.polarity);
	TEST_EQ_INT(c->ports[0].sup.tones,
		    GW_CONF_DISC_BUSY | GW_CONF_DISC_SIT);
	TEST_EQ_INT(c->ports[0].sup.tone_repeat, 3);
	TEST_EQ_INT(c->ports[0].sup.silence_s, 30);
	TEST_EQ_INT(c->ports[0].sup.max_duration_s, 0);
	gw_conf_free(c);
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxo\"; answer_supervision = \"voice\"; } );\n",
		     3, "ports.[0].answer_supervision", "\"immediate\"");
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxo\"; disconnect_tones = [ \"busy\", "
			  "\"ringback\" ]; } );\n",
		     3, "ports.[0].disconnect_tones.[1]", "\"sit\"");
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxo\"; disconnect_loop_drop_ms = 10; } );\n",
		     3, "ports.[0].disconnect_loop_drop_ms", "0 (off)");
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxo\"; disconnect_tone_repeat = 11; } );\n",
		     3, "ports.[0].disconnect_tone_repeat", "out of range");
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxo\"; max_call_duration_s = -1; } );\n",
		     3, "ports.[0].max_call_duration_s", "out of range");
	EXPECT_ERROR(CARD "ports = (\n{ name = \"a\"; channel = 1; "
			  "type = \"fxs\"; disconnect_silence_s = 5; } );\n",
		     3, "ports.[0].disconnect_silence_s", "fxs");
	return 0;
}

/* IPv6 listen address, explicit values, a route to a named port. */
static int values(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text("general = { control_socket = \"/tmp/x.sock\";"
			      " log_level = \"debug\"; };\n" CARD
			      "sip = { listen = \"[::1]:5080\";"
			      " rtp_ports = \"30000-30001\"; };\n"
			      "ports = ( " FXO1 " );\n"
			      "routes = ( { from = \"any\"; prefix = \"0\";"
			      " strip = 1; prepend = \"+49\";"
			      " to = \"fxo:fxo1\"; } );\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_STR(c->control_socket, "/tmp/x.sock");
	TEST_EQ_STR(c->log_level, "debug");
	TEST_EQ_STR(c->sip_host, "::1");
	TEST_EQ_INT(c->sip_port, 5080);
	TEST_EQ_INT(c->rtp_port_min, 30000);
	TEST_EQ_INT(c->rtp_port_max, 30001);
	TEST_EQ_INT(c->routes[0].from, GW_ROUTE_FROM_ANY);
	TEST_EQ_STR(c->routes[0].prepend, "+49");
	TEST_EQ_INT(c->routes[0].to, GW_ROUTE_TO_FXO);
	TEST_EQ_STR(c->routes[0].port_name, "fxo1");
	TEST_EQ_INT(c->routes[0].line, 5);
	gw_conf_free(c);
	return 0;
}

static int err_file(void)
{
	struct gw_conf *c = NULL;
	char err[256];
	const char *path = "/nonexistent/copperline.conf";

	TEST_EQ_INT(gw_conf_load(&c, path, err, sizeof(err)), -ENOENT);
	TEST_ASSERT(!c);
	TEST_EQ_STR(err, "/nonexistent/copperline.conf:0: file: "
			 "No such file or directory");
	return 0;
}

static int err_syntax(void)
{
	EXPECT_ERROR(CARD "sip = {\n  listen = ;\n};\n", 3, "syntax", NULL);
	EXPECT_ERROR(CARD "\n\nsip = { listen = = \"1.2.3.4:5\"; };\n", 4,
		     "syntax", NULL);
	/* libconfig rejects a key given twice */
	EXPECT_ERROR(CARD "card = { driver = \"sim\"; };\n", 2, "syntax",
		     "duplicate");
	return 0;
}

static int err_unknown_key(void)
{
	EXPECT_ERROR(CARD "\nsipp = { };\n", 3, "sipp", "unknown key");
	EXPECT_ERROR(CARD "general = {\n log_lvel = \"info\";\n};\n", 3,
		     "general.log_lvel", "unknown key");
	EXPECT_ERROR(CARD "sip = { trusted = [ ];\n listen_port = 5060; };\n",
		     3, "sip.listen_port", "unknown key");
	EXPECT_ERROR("card = { driver = \"sim\"; dev = \"\"; };\n", 1,
		     "card.dev", "unknown key");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ",\n { name = \"b\"; channel = 2;"
		     " type = \"fxs\";\n extensoin = \"1\"; } );\n",
		     4, "ports.[1].extensoin", "unknown key");
	EXPECT_ERROR(CARD "routes = (\n { from = \"sip\"; to = \"fxo\";\n"
		     "   strp = 1; } );\n",
		     4, "routes.[0].strp", "unknown key");
	return 0;
}

static int err_type(void)
{
	EXPECT_ERROR(CARD "general = \"x\";\n", 2, "general", "group");
	EXPECT_ERROR(CARD "sip = { listen = 5060; };\n", 2, "sip.listen",
		     "string");
	EXPECT_ERROR(CARD "sip = { trusted = \"127.0.0.1\"; };\n", 2,
		     "sip.trusted", "list");
	EXPECT_ERROR(CARD "sip = { trusted = [ 1 ]; };\n", 2,
		     "sip.trusted.[0]", "string");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = \"1\";"
		     " type = \"fxs\"; } );\n",
		     2, "ports.[0].channel", "integer");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1.0;"
		     " type = \"fxs\"; } );\n",
		     2, "ports.[0].channel", "integer");
	EXPECT_ERROR(CARD "ports = { };\n", 2, "ports", "list");
	EXPECT_ERROR(CARD "routes = ( \"x\" );\n", 2, "routes.[0]", "group");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; to = 1; } );\n", 2,
		     "routes.[0].to", "string");
	return 0;
}

static int err_missing(void)
{
	EXPECT_ERROR("sip = { };\n", 0, "card.driver", "missing");
	EXPECT_ERROR("\ncard = {\n device = \"\"; };\n", 2, "card.driver",
		     "missing");
	EXPECT_ERROR(CARD "ports = (\n { channel = 1; type = \"fxs\"; } );\n",
		     3, "ports.[0].name", "missing");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ",\n { name = \"b\";"
		     " type = \"fxs\"; } );\n",
		     3, "ports.[1].channel", "missing");
	EXPECT_ERROR(CARD "ports = ( { name = \"b\"; channel = 1; } );\n", 2,
		     "ports.[0].type", "missing");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; } );\n", 2,
		     "routes.[0].to", "missing");
	EXPECT_ERROR(CARD "routes = ( { to = \"fxo\"; } );\n", 2,
		     "routes.[0].from", "missing");
	return 0;
}

static int err_duplicate(void)
{
	EXPECT_ERROR(CARD "ports = ( " FXS1 ",\n { name = \"fxs1\";"
		     " channel = 2; type = \"fxs\"; } );\n",
		     3, "ports.[1].name", "fxs1");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ",\n { name = \"fxo1\";\n"
		     "   channel = 1; type = \"fxo\"; } );\n",
		     4, "ports.[1].channel",
		     "channel 1 is already used by port fxs1");
	EXPECT_ERROR(CARD "ports = (\n { name = \"a\"; channel = 1;"
		     " type = \"fxs\"; extension = \"20\"; },\n"
		     " { name = \"b\"; channel = 2; type = \"fxs\";\n"
		     "   extension = \"20\"; } );\n",
		     5, "ports.[1].extension", "port a");
	return 0;
}

static int err_channel(void)
{
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 0;"
		     " type = \"fxs\"; } );\n",
		     2, "ports.[0].channel", "1..256");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ",\n { name = \"b\"; channel = 257;"
		     " type = \"fxs\"; } );\n",
		     3, "ports.[1].channel", "1..256");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\";\n channel = -1;"
		     " type = \"fxs\"; } );\n",
		     3, "ports.[0].channel", NULL);
	EXPECT_ERROR(CARD "ports = ( { name = \"a\";\n channel = 99999999999;"
		     " type = \"fxs\"; } );\n",
		     3, "ports.[0].channel", NULL);
	return 0;
}

static int err_port_type(void)
{
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;\n"
		     " type = \"FXS\"; } );\n",
		     3, "ports.[0].type", "\"fxs\" or \"fxo\"");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;\n"
		     " type = \"fxsfxsfxsfxsfxsfxsfxsfxsfxsfxsfxsfxs\"; } );\n",
		     3, "ports.[0].type", NULL);
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;\n"
		     " type = 1; } );\n",
		     3, "ports.[0].type", NULL);
	return 0;
}

static int err_fxs_key_on_fxo(void)
{
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxo\";\n extension = \"201\"; } );\n",
		     3, "ports.[0].extension", "fxo");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxo\";\n\n digit_timeout_ms = 3000; } );\n",
		     4, "ports.[0].digit_timeout_ms", NULL);
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxo\";\n first_digit_timeout_ms = 3000; } );\n",
		     3, "ports.[0].first_digit_timeout_ms", NULL);
	return 0;
}

static int err_fxo_key_on_fxs(void)
{
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxs\";\n target = \"sip:1@h\"; } );\n",
		     3, "ports.[0].target", "fxs");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxs\";\n answer_rings = 2; } );\n",
		     3, "ports.[0].answer_rings", NULL);
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxs\";\n dialtone_timeout_ms = 2000; } );\n",
		     3, "ports.[0].dialtone_timeout_ms", NULL);
	return 0;
}

/* callerid (both types) and ring_cadence (FXS, a cadence of the zone) */
static int callerid_keys(void)
{
	struct gw_conf *conf = NULL;
	char path[64], err[256];

	if (load_text(CARD "ports = ( { name = \"a\"; channel = 1; type = "
		      "\"fxs\"; },\n { name = \"b\"; channel = 2; type = "
		      "\"fxs\"; callerid = \"etsi-lr\"; ring_cadence = "
		      "\"dr3\"; },\n { name = \"c\"; channel = 3; type = "
		      "\"fxo\"; },\n { name = \"d\"; channel = 4; type = "
		      "\"fxo\"; callerid = \"dtmf-hash\"; } );\n",
		      &conf, path, sizeof(path), err, sizeof(err)) < 0) {
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, err);
		return -1;
	}
	TEST_EQ_INT(conf->ports[0].callerid, GW_CONF_CID_BELL);
	TEST_EQ_INT(strcmp(conf->ports[0].ring_cadence, "normal"), 0);
	TEST_EQ_INT(conf->ports[1].callerid, GW_CONF_CID_ETSI_LR);
	TEST_EQ_INT(strcmp(conf->ports[1].ring_cadence, "dr3"), 0);
	TEST_EQ_INT(conf->ports[2].callerid, GW_CONF_CID_NONE);
	TEST_EQ_INT(conf->ports[3].callerid, GW_CONF_CID_DTMF_HASH);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxs\";\n callerid = \"clip\"; } );\n",
		     3, "ports.[0].callerid", "bell-sdmf");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxs\";\n callerid = 5; } );\n",
		     3, "ports.[0].callerid", "must be one of");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxs\"; zone = \"uk\";\n ring_cadence = "
		     "\"dr2\"; } );\n", 3, "ports.[0].ring_cadence",
		     "zone uk has no ring cadence");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxo\";\n ring_cadence = \"dr2\"; } );\n",
		     3, "ports.[0].ring_cadence", NULL);
	return 0;
}

static int err_listen(void)
{
	static const char *const bad[] = {
		"127.0.0.1",	 "127.0.0.1:",	   "127.0.0.1:0",
		"127.0.0.1:65536", "localhost:5060", "::1:5060",
		"[::1]5060",	 "[::1]:x",	   "[127.0.0.1]:5060",
		"1.2.3:5060",	 ":5060",	   "127.0.0.1:50 60",
	};
	char text[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 CARD "sip = {\n listen = \"%s\"; };\n", bad[i]);
		EXPECT_ERROR(text, 3, "sip.listen", bad[i]);
	}
	return 0;
}

static int err_rtp_ports(void)
{
	static const char *const bad[] = {
		"20001-20999", "1000-2000",   "20000-20000", "20000-10000",
		"20000-65536", "20000",	      "20000-",	     "-20000",
		"a-b",	       "20000-2x000", "+2000-3000",
	};
	char text[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 CARD "sip = { listen = \"127.0.0.1:5060\";\n"
			      " rtp_ports = \"%s\"; };\n",
			 bad[i]);
		EXPECT_ERROR(text, 3, "sip.rtp_ports", bad[i]);
	}
	return 0;
}

static int err_trusted(void)
{
	static const char *const bad[] = {
		"127.0.0.1/33", "10.0.0.1/8",  "10.0.0.0/",	 "10.0.0.0/x",
		"localhost",	"2001:db8::/129", "2001:db8::1/32", "",
		"1.2.3.4 ",	"10.0.0.0/-1",
	};
	char text[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 CARD "sip = { trusted = [ \"127.0.0.1\",\n"
			      " \"::1\",\n \"%s\" ]; };\n",
			 bad[i]);
		EXPECT_ERROR(text, 4, "sip.trusted.[2]", NULL);
	}
	return 0;
}

/* sip.codecs and sip.srtp: known values, defaults, each error named. */
static int sip_media_keys(void)
{
	struct gw_conf *conf;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "sip = { codecs = [ \"opus\", \"pcma\" ];\n"
			      " srtp = \"mandatory\"; };\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->ncodecs, 2);
	TEST_EQ_INT(conf->codecs[0], GW_CODEC_OPUS);
	TEST_EQ_INT(conf->codecs[1], GW_CODEC_PCMA);
	TEST_EQ_INT(conf->srtp, GW_CONF_SRTP_MANDATORY);
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD, &conf, path, sizeof(path), err,
			      sizeof(err)), 0);
	TEST_EQ_INT(conf->ncodecs, 4);
	TEST_EQ_INT(conf->codecs[2], GW_CODEC_G722);
	TEST_EQ_INT(conf->srtp, GW_CONF_SRTP_OPTIONAL);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "sip = { codecs = [ \"PCMU\",\n \"iLBC\" ]; };\n", 3,
		     "sip.codecs.[1]", "must be one of");
	EXPECT_ERROR(CARD "sip = { codecs = [ \"PCMU\",\n \"pcmu\" ]; };\n", 3,
		     "sip.codecs.[1]", "listed twice");
	EXPECT_ERROR(CARD "sip = {\n codecs = [ ]; };\n", 3, "sip.codecs",
		     "1 to 8");
	EXPECT_ERROR(CARD "sip = {\n srtp = \"yes\"; };\n", 3, "sip.srtp",
		     "must be \"off\", \"optional\" or \"mandatory\"");
	TEST_EQ_INT(load_text(CARD "sip = { jitter_mode = \"fixed\";\n"
			      " jitter_delay_ms = 60; jitter_max_ms = 300;\n"
			      " telephone_event_pt = 96; rtp_dscp = 34; };\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(conf->jitter_fixed);
	TEST_EQ_INT(conf->jitter_delay_ms, 60);
	TEST_EQ_INT(conf->jitter_min_ms, 20);
	TEST_EQ_INT(conf->jitter_max_ms, 300);
	TEST_EQ_INT(conf->te_pt, 96);
	TEST_EQ_INT(conf->rtp_dscp, 34);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "sip = { jitter_min_ms = 50;\n jitter_max_ms = 40; };\n",
		     3, "sip.jitter_max_ms", "jitter_min_ms <= jitter_delay_ms");
	EXPECT_ERROR(CARD "sip = {\n jitter_mode = \"auto\"; };\n", 3,
		     "sip.jitter_mode", "must be \"adaptive\" or \"fixed\"");
	EXPECT_ERROR(CARD "sip = {\n telephone_event_pt = 13; };\n", 3,
		     "sip.telephone_event_pt", NULL);
	EXPECT_ERROR(CARD "sip = {\n rtp_dscp = 64; };\n", 3, "sip.rtp_dscp",
		     NULL);
	EXPECT_ERROR(CARD "sip = {\n dtmf_lookahead_ms = 101; };\n", 3,
		     "sip.dtmf_lookahead_ms", NULL);
	TEST_EQ_INT(load_text(CARD "sip = { dtmf_lookahead_ms = 20; };\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->dtmf_lookahead_ms, 20);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; flash_min_ms = 300;\n"
			  " flash_max_ms = 200; } );\n", 4,
		     "ports.[0].flash_max_ms", "above flash_min_ms");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; flash_max_ms = 200; } );\n", 3,
		     "ports.[0].flash_max_ms", "not valid on an fxo port");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; reverse_polarity = true; } );\n", 3,
		     "ports.[0].reverse_polarity", "not valid on an fxo port");
	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxs1\"; channel = 1;"
			      " type = \"fxs\"; reverse_polarity = true; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(conf->ports[0].reverse_polarity);
	gw_conf_free(conf);
	/* FXS signalling, after-call tones, hotline (struct gw_conf_fxs) */
	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxs1\"; channel = 1;"
			      " type = \"fxs\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->ports[0].fxs.signalling, GW_CONF_FXS_KEWLSTART);
	TEST_EQ_INT(conf->ports[0].fxs.disconnect_ms, 600);
	TEST_EQ_INT(conf->ports[0].fxs.reorder_s, 30);
	TEST_EQ_INT(conf->ports[0].fxs.howler_s, 60);
	TEST_EQ_INT(conf->ports[0].fxs.hotline[0], 0);
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxs1\"; channel = 1;"
			      " type = \"fxs\"; signalling = \"loopstart\";"
			      " disconnect_ms = 900; reorder_s = 5;"
			      " howler_s = 0; hotline = \"911\";"
			      " hotline_delay_ms = 2000; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->ports[0].fxs.signalling, GW_CONF_FXS_LOOPSTART);
	TEST_EQ_INT(conf->ports[0].fxs.disconnect_ms, 900);
	TEST_EQ_INT(conf->ports[0].fxs.reorder_s, 5);
	TEST_EQ_INT(conf->ports[0].fxs.howler_s, 0);
	TEST_EQ_STR(conf->ports[0].fxs.hotline, "911");
	TEST_EQ_INT(conf->ports[0].fxs.hotline_delay_ms, 2000);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; signalling = \"groundstart\"; } );\n",
		     3, "ports.[0].signalling", "\"kewlstart\" or \"loopstart\"");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; disconnect_ms = 50; } );\n", 3,
		     "ports.[0].disconnect_ms", "out of range 100..5000");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; hotline = \"12a\"; } );\n", 3,
		     "ports.[0].hotline", "must be a number");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; hotline = \"1\"; } );\n", 3,
		     "ports.[0].hotline", "not valid on an fxo port");
	/* call waiting (gateway/cw.h): on by default, FXS only */
	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxs1\"; channel = 1;"
			      " type = \"fxs\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(conf->ports[0].fxs.call_waiting);
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxs1\"; channel = 1;"
			      " type = \"fxs\"; call_waiting = false; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(!conf->ports[0].fxs.call_waiting);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; call_waiting = 1; } );\n", 3,
		     "ports.[0].call_waiting", "must be true or false");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; call_waiting = true; } );\n", 3,
		     "ports.[0].call_waiting", "not valid on an fxo port");
	/* flash (gateway/xfer.h): "transfer" by default, FXS only */
	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxs1\"; channel = 1;"
			      " type = \"fxs\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(!conf->ports[0].fxs.flash_relay);
	TEST_EQ_INT(conf->flash, GW_CONF_FLASH_RFC4733);
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD "sip = { flash = \"info\"; };\n"
			      "ports = ( { name = \"fxs1\"; channel = 1;"
			      " type = \"fxs\"; flash = \"relay\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(conf->ports[0].fxs.flash_relay);
	TEST_EQ_INT(conf->flash, GW_CONF_FLASH_INFO);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
			  " type = \"fxs\"; flash = \"swap\"; } );\n", 3,
		     "ports.[0].flash", "must be \"transfer\" or \"relay\"");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
			  " type = \"fxo\"; flash = \"relay\"; } );\n", 3,
		     "ports.[0].flash", "not valid on an fxo port");
	EXPECT_ERROR(CARD "sip = {\n flash = \"sip\"; };\n", 3, "sip.flash",
		     "must be \"rfc4733\" or \"info\"");
	/* card.media_threads: 0 (automatic, the default) or 1..16 */
	TEST_EQ_INT(load_text("card = { driver = \"sim\"; media_threads = 4; };\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->media_threads, 4);
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD, &conf, path, sizeof(path), err,
			      sizeof(err)), 0);
	TEST_EQ_INT(conf->media_threads, 0);
	gw_conf_free(conf);
	EXPECT_ERROR("card = { driver = \"sim\";\n media_threads = 17; };\n", 2,
		     "card.media_threads", NULL);
	EXPECT_ERROR("card = { driver = \"sim\";\n media_threads = -1; };\n", 2,
		     "card.media_threads", NULL);
	/* 240 ports: a full card of 8 E1 spans' worth */
	{
		char *t = malloc(64 * 1024);
		size_t k = 0;

		TEST_ASSERT(t);
		k += (size_t)sprintf(t + k, "%sports = (", CARD);
		for (int i = 1; i <= 240; i++)
			k += (size_t)sprintf(t + k,
					     "%s{ name = \"p%d\"; channel = %d;"
					     " type = \"fxo\"; }\n",
					     i > 1 ? "," : "", i, i);
		sprintf(t + k, ");\n");
		TEST_EQ_INT(load_text(t, &conf, path, sizeof(path), err,
				      sizeof(err)), 0);
		free(t);
		TEST_EQ_INT(conf->nports, 240);
		TEST_EQ_INT(conf->ports[239].channel, 240);
		gw_conf_free(conf);
	}
	return 0;
}

static int route_match_keys(void)
{
	struct gw_conf *conf;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "routes = ( { from = \"fxs\";"
			      " pattern = \"_9NXXXXXX\"; to = \"fxo\"; },\n"
			      " { from = \"fxs\"; regex = \"0[1-9]+\";"
			      " to = \"fxo\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_STR(conf->routes[0].pattern, "_9NXXXXXX");
	TEST_ASSERT(conf->routes[1].regex_code != NULL);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "routes = ( { from = \"fxs\";\n pattern = \"_9Q\";"
		     " to = \"fxo\"; } );\n", 3, "routes.[0].pattern",
		     "bad element at \"Q\"");
	EXPECT_ERROR(CARD "routes = ( { from = \"fxs\";\n regex = \"0[1-\";"
		     " to = \"fxo\"; } );\n", 3, "routes.[0].regex",
		     "at offset");
	EXPECT_ERROR(CARD "routes = ( { from = \"fxs\"; prefix = \"9\";\n"
		     " pattern = \"_9X\"; to = \"fxo\"; } );\n", 3,
		     "routes.[0].pattern", "only one of prefix, pattern and regex");
	/* time conditions */
	TEST_EQ_INT(load_text(CARD "routes = ( { from = \"sip\";"
			      " days = \"fri-mon,wed\"; hours = \"22:00-06:30\";"
			      " dates = \"12-20..01-06\";"
			      " timezone = \"Europe/Berlin\"; to = \"fxo\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->routes[0].day_mask, 0x6b); /* sun mon wed fri sat */
	TEST_EQ_INT(conf->routes[0].min_from, 22 * 60);
	TEST_EQ_INT(conf->routes[0].min_to, 6 * 60 + 30);
	TEST_EQ_INT(conf->routes[0].date_from, 1220);
	TEST_EQ_INT(conf->routes[0].date_to, 106);
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n days = \"mon-frx\";"
		     " to = \"fxo\"; } );\n", 3, "routes.[0].days", "mon-fri");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n hours = \"8-18\";"
		     " to = \"fxo\"; } );\n", 3, "routes.[0].hours",
		     "HH:MM-HH:MM");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " dates = \"2026-12-24..12-26\"; to = \"fxo\"; } );\n",
		     3, "routes.[0].dates", NULL);
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " timezone = \"Mars/Olympus\"; to = \"fxo\"; } );\n", 3,
		     "routes.[0].timezone", "unknown time zone");
	return 0;
}

static int err_route_from(void)
{
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; to = \"fxo\"; },\n"
		     " { from = \"pstn\"; to = \"fxo\"; } );\n",
		     3, "routes.[1].from", "\"sip\"");
	EXPECT_ERROR(CARD "routes = (\n { from = 1; to = \"fxo\"; } );\n", 3,
		     "routes.[0].from", NULL);
	return 0;
}

static int err_route_to(void)
{
	static const char *const bad[] = {
		"fx", "fxo1", "fxs:", "sip", "SIP:1@h", "sip:", "sip:a b",
		"sip:${num}@h", "tel:+491", "",
	};
	char text[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 CARD "routes = (\n { from = \"sip\";\n"
			      "   to = \"%s\"; } );\n",
			 bad[i]);
		EXPECT_ERROR(text, 4, "routes.[0].to", NULL);
	}
	return 0;
}

static int err_route_port(void)
{
	EXPECT_ERROR(CARD "ports = ( " FXS1 ", " FXO1 " );\n"
		     "routes = ( { from = \"sip\"; to = \"fxo:fxo2\"; } );\n",
		     3, "routes.[0].to", "no port named \"fxo2\"");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ", " FXO1 " );\n"
		     "routes = ( { from = \"sip\"; to = \"fxo:fxs1\"; } );\n",
		     3, "routes.[0].to", "not an fxo port");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ", " FXO1 " );\n"
		     "routes = ( { from = \"fxs\"; to = \"fxs:fxo1\"; } );\n",
		     3, "routes.[0].to", "not an fxs port");
	return 0;
}

static int err_strip(void)
{
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; to = \"fxo\";\n"
		     "   strip = -1; } );\n",
		     3, "routes.[0].strip", NULL);
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; to = \"fxo\";\n"
		     "   strip = \"1\"; } );\n",
		     3, "routes.[0].strip", "integer");
	return 0;
}

static int err_digits(void)
{
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; to = \"fxo\";\n"
		     "   prefix = \"9a\"; } );\n",
		     3, "routes.[0].prefix", "0-9");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; to = \"fxo\";\n"
		     "   prepend = \"0 \"; } );\n",
		     3, "routes.[0].prepend", "0-9");
	EXPECT_ERROR(CARD "ports = ( { name = \"a\"; channel = 1;"
		     " type = \"fxs\";\n extension = \"2-01\"; } );\n",
		     3, "ports.[0].extension", "0-9");
	EXPECT_ERROR(CARD "ports = ( { name = \"a b\"; channel = 1;"
		     " type = \"fxs\"; } );\n",
		     2, "ports.[0].name", NULL);
	return 0;
}

/* sip.session_timer_s (gateway/callfeat.h): default, off, RFC 4028 floor. */
static int session_timer_key(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "ports = ( " FXS1 " );\n", &c, path,
			      sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->session_timer_s, 1800);
	gw_conf_free(c);
	TEST_EQ_INT(load_text(CARD "sip = { session_timer_s = 0; };\n", &c,
			      path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->session_timer_s, 0);
	gw_conf_free(c);
	TEST_EQ_INT(load_text(CARD "sip = { session_timer_s = 90; };\n", &c,
			      path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->session_timer_s, 90);
	gw_conf_free(c);
	EXPECT_ERROR(CARD "sip = {\n session_timer_s = 89; };\n", 3,
		     "sip.session_timer_s", "under 90");
	EXPECT_ERROR(CARD "sip = {\n session_timer_s = 86401; };\n", 3,
		     "sip.session_timer_s", "out of range 0..86400");
	EXPECT_ERROR(CARD "sip = {\n session_timer_s = \"long\"; };\n", 3,
		     "sip.session_timer_s", "integer");
	/* sip.session_min_se_s: 90, lowered for tests, the floor of the
	 * session interval */
	TEST_EQ_INT(load_text(CARD "ports = ( " FXS1 " );\n", &c, path,
			      sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->session_min_se_s, 90);
	gw_conf_free(c);
	TEST_EQ_INT(load_text(CARD "sip = { session_min_se_s = 20;\n"
				   " session_timer_s = 30; };\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->session_min_se_s, 20);
	TEST_EQ_INT(c->session_timer_s, 30);
	gw_conf_free(c);
	EXPECT_ERROR(CARD "sip = { session_min_se_s = 30;\n"
			  " session_timer_s = 20; };\n", 3,
		     "sip.session_timer_s", "20 is under 30");
	EXPECT_ERROR(CARD "sip = {\n session_min_se_s = 9; };\n", 3,
		     "sip.session_min_se_s", "out of range 10..86400");
	return 0;
}

/* Call forwarding keys (gateway/fwd.h). */
static int forward_keys(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "ports = ( { name = \"fxs1\"; channel = 1;"
			      " type = \"fxs\"; extension = \"201\";"
			      " forward_busy = \"300\"; forward_noanswer ="
			      " \"+4930\"; forward_noanswer_s = 12; } );\n"
			      "sip = { forward_header = \"both\"; };\n", &c,
			      path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_STR(c->ports[0].fwd.always, "");
	TEST_EQ_STR(c->ports[0].fwd.busy, "300");
	TEST_EQ_STR(c->ports[0].fwd.noanswer, "+4930");
	TEST_EQ_INT(c->ports[0].fwd.noanswer_s, 12);
	TEST_EQ_INT(c->fwd_header, GW_FWD_HDR_BOTH);
	gw_conf_free(c);
	TEST_EQ_INT(load_text(CARD "ports = ( " FXS1 " );\n", &c, path,
			      sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->ports[0].fwd.noanswer_s, 20);
	TEST_EQ_INT(c->fwd_header, GW_FWD_HDR_DIVERSION);
	gw_conf_free(c);
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
		     " type = \"fxs\"; forward_always = \"12a\"; } );\n", 3,
		     "ports.[0].forward_always", "must be a number");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
		     " type = \"fxs\"; extension = \"201\";\n"
		     " forward_busy = \"201\"; } );\n", 4,
		     "ports.[0].forward_busy", "its own extension");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
		     " type = \"fxs\"; forward_noanswer = \"3\";\n"
		     " forward_noanswer_s = 4; } );\n", 4,
		     "ports.[0].forward_noanswer_s", "out of range 5..300");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxs1\"; channel = 1;\n"
		     " type = \"fxs\";\n forward_noanswer_s = 30; } );\n", 4,
		     "ports.[0].forward_noanswer_s", "needs forward_noanswer");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
		     " type = \"fxo\"; forward_always = \"3\"; } );\n", 3,
		     "ports.[0].forward_always", NULL);
	EXPECT_ERROR(CARD "sip = {\n forward_header = \"pai\"; };\n", 3,
		     "sip.forward_header", "\"diversion\"");
	return 0;
}

static int err_timeout(void)
{
	static const char *const bad[] = {
		"digit_timeout_ms = 499", "digit_timeout_ms = 60001",
		"first_digit_timeout_ms = 0", "digit_timeout_ms = -4000",
	};
	static const char *const bad_fxo[] = {
		"dialtone_timeout_ms = 100", "dialtone_timeout_ms = 600000",
		"answer_rings = 0", "answer_rings = 21",
	};
	char text[160], key[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 CARD "ports = ( { name = \"a\"; channel = 1;"
			      " type = \"fxs\";\n %s; } );\n",
			 bad[i]);
		snprintf(key, sizeof(key), "ports.[0].%.*s",
			 (int)strcspn(bad[i], " "), bad[i]);
		EXPECT_ERROR(text, 3, key, "out of range");
	}
	for (size_t i = 0; i < sizeof(bad_fxo) / sizeof(bad_fxo[0]); i++) {
		snprintf(text, sizeof(text),
			 CARD "ports = ( { name = \"a\"; channel = 1;"
			      " type = \"fxo\";\n %s; } );\n",
			 bad_fxo[i]);
		snprintf(key, sizeof(key), "ports.[0].%.*s",
			 (int)strcspn(bad_fxo[i], " "), bad_fxo[i]);
		EXPECT_ERROR(text, 3, key, "out of range");
	}
	return 0;
}

static int err_too_long(void)
{
	char text[1024], s[400];

	memset(s, '1', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	snprintf(text, sizeof(text),
		 CARD "general = {\n control_socket = \"/%.108s\"; };\n", s);
	EXPECT_ERROR(text, 3, "general.control_socket", "107");
	snprintf(text, sizeof(text),
		 CARD "ports = ( { name = \"%.32s\"; channel = 1;"
		      " type = \"fxs\"; } );\n",
		 s);
	EXPECT_ERROR(text, 2, "ports.[0].name", "31");
	snprintf(text, sizeof(text),
		 CARD "routes = ( { from = \"sip\";\n"
		      " to = \"sip:%.252s\"; } );\n",
		 s);
	EXPECT_ERROR(text, 3, "routes.[0].to", "255");
	snprintf(text, sizeof(text),
		 CARD "routes = ( { from = \"sip\"; to = \"fxo\";\n"
		      " prefix = \"%.32s\"; } );\n",
		 s);
	EXPECT_ERROR(text, 3, "routes.[0].prefix", "31");
	snprintf(text, sizeof(text),
		 "card = { driver = \"%.16s\"; };\n", s);
	EXPECT_ERROR(text, 1, "card.driver", "15");
	return 0;
}

/* Exactly at the limit is fine (the error above is not off by one). */
static int max_lengths(void)
{
	struct gw_conf *c = NULL;
	char text[1024], s[400], path[64], err[256];

	memset(s, '1', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	snprintf(text, sizeof(text),
		 CARD "general = { control_socket = \"/%.106s\"; };\n"
		      "routes = ( { from = \"sip\"; to = \"sip:%.251s\";"
		      " prefix = \"%.31s\"; } );\n",
		 s, s, s);
	TEST_EQ_INT(load_text(text, &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(strlen(c->control_socket), 107);
	TEST_EQ_INT(strlen(c->routes[0].uri), 255);
	TEST_EQ_INT(strlen(c->routes[0].prefix), 31);
	gw_conf_free(c);
	return 0;
}

/* Errors inside an @include'd file name that file. */
static int err_include(void)
{
	struct gw_conf *c = NULL;
	char inc[64], text[160], path[64], err[256], want[128];

	TEST_EQ_INT(write_tmp(inc, sizeof(inc),
			      "sip = {\n listen = \"nowhere\"; };\n"),
		    0);
	/* relative to the including file, which is in /tmp too */
	snprintf(text, sizeof(text), CARD "@include \"%s\"\n", inc + 5);
	TEST_EQ_INT(load_text(text, &c, path, sizeof(path), err, sizeof(err)),
		    -EINVAL);
	unlink(inc);
	snprintf(want, sizeof(want), "%s:2: sip.listen: ", inc);
	if (strncmp(err, want, strlen(want)) != 0)
		TEST_FAIL("got \"%s\", expected \"%s...\"", err, want);
	return 0;
}

static int trusted_check(const struct gw_conf *c, const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1)
		return gw_conf_trusted(c, (struct sockaddr *)&sin);
	if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1)
		return gw_conf_trusted(c, (struct sockaddr *)&sin6);
	return -1;
}

static int trusted(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "sip = { trusted = [ \"127.0.0.1\","
				   " \"192.0.2.0/24\", \"10.128.0.0/9\","
				   " \"2001:db8::/32\", \"fe80::1\","
				   " \"::ffff:198.51.100.0/120\" ]; };\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->ntrusted, 6);
	/* IPv4 host and networks */
	TEST_EQ_INT(trusted_check(c, "127.0.0.1"), 1);
	TEST_EQ_INT(trusted_check(c, "127.0.0.2"), 0);
	TEST_EQ_INT(trusted_check(c, "192.0.2.0"), 1);
	TEST_EQ_INT(trusted_check(c, "192.0.2.255"), 1);
	TEST_EQ_INT(trusted_check(c, "192.0.3.1"), 0);
	TEST_EQ_INT(trusted_check(c, "10.128.0.1"), 1);
	TEST_EQ_INT(trusted_check(c, "10.255.255.255"), 1);
	TEST_EQ_INT(trusted_check(c, "10.127.255.255"), 0);
	/* IPv6 */
	TEST_EQ_INT(trusted_check(c, "2001:db8:1::5"), 1);
	TEST_EQ_INT(trusted_check(c, "2001:db9::5"), 0);
	TEST_EQ_INT(trusted_check(c, "fe80::1"), 1);
	TEST_EQ_INT(trusted_check(c, "fe80::2"), 0);
	TEST_EQ_INT(trusted_check(c, "::1"), 0);
	/* IPv4-mapped IPv6 sources match IPv4 entries, and back */
	TEST_EQ_INT(trusted_check(c, "::ffff:127.0.0.1"), 1);
	TEST_EQ_INT(trusted_check(c, "::ffff:192.0.2.77"), 1);
	TEST_EQ_INT(trusted_check(c, "::ffff:127.0.0.2"), 0);
	TEST_EQ_INT(trusted_check(c, "198.51.100.9"), 1);
	TEST_EQ_INT(trusted_check(c, "198.51.101.9"), 0);
	/* not mapped: ::127.0.0.1 is an IPv6 address */
	TEST_EQ_INT(trusted_check(c, "::127.0.0.1"), 0);
	TEST_ASSERT(!gw_conf_trusted(c, NULL));
	TEST_ASSERT(!gw_conf_trusted(NULL, NULL));
	gw_conf_free(c);
	return 0;
}

/* "0.0.0.0/0" trusts everything IPv4, nothing IPv6. */
static int trusted_any(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "sip = { trusted = [ \"0.0.0.0/0\" ]; };\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(trusted_check(c, "203.0.113.1"), 1);
	TEST_EQ_INT(trusted_check(c, "::ffff:203.0.113.1"), 1);
	TEST_EQ_INT(trusted_check(c, "2001:db8::1"), 0);
	gw_conf_free(c);
	return 0;
}

/* sip.users, rate limit, bans, blocked prefixes (gateway/guard.h) */
/*
 * Temporary PEM files: a certificate, its key, both in one file, and an
 * unrelated key. With OpenSSL (the configuration checks them) real ones
 * from the openssl tool; else files that only look like PEM.
 */
static int make_pems(char *cert, char *key, char *both, char *other)
{
	char cmd[1024], *paths[4] = { cert, key, both, other };

	for (int i = 0; i < 4; i++)
		if (write_tmp(paths[i], 64, "") < 0)
			return -1;
#ifdef HAVE_OPENSSL
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt "
		 "ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=t "
		 "-keyout %s -out %s 2>/dev/null && "
		 "openssl genpkey -algorithm EC -pkeyopt "
		 "ec_paramgen_curve:prime256v1 -out %s 2>/dev/null && "
		 "cat %s %s > %s", key, cert, other, key, cert, both);
	return system(cmd) == 0 ? 0 : -1;
#else
	(void)cmd;
	{
		static const char c[] = "-----BEGIN CERTIFICATE-----\nx\n"
					"-----END CERTIFICATE-----\n";
		static const char k[] = "-----BEGIN PRIVATE KEY-----\nx\n"
					"-----END PRIVATE KEY-----\n";
		FILE *f[4];
		int r = 0;

		for (int i = 0; i < 4; i++)
			f[i] = fopen(paths[i], "w");
		if (!f[0] || !f[1] || !f[2] || !f[3])
			r = -1;
		if (!r && (fputs(c, f[0]) < 0 || fputs(k, f[1]) < 0 ||
			   fputs(k, f[2]) < 0 || fputs(c, f[2]) < 0 ||
			   fputs(k, f[3]) < 0))
			r = -1;
		for (int i = 0; i < 4; i++)
			if (f[i] && fclose(f[i]) != 0)
				r = -1;
		return r;
	}
#endif
}

/* sip.tcp, tls_*, external_address, keepalive_s (gateway/transport.h) */
static int transport_keys(void)
{
	struct gw_conf *conf = NULL;
	char path[64], err[256], text[1024], cert[64], key[64], both[64];
	char other[64], ct[160], fc[64];
	int r;

	/* defaults: TCP on, keep-alive 90 s, peers verified, no TLS */
	r = load_text(CARD "sip = { listen = \"127.0.0.1:5060\"; };\n", &conf,
		      path, sizeof(path), err, sizeof(err));
	TEST_ASSERT(r == 0);
	TEST_ASSERT(conf->tp && conf->tp->tcp && conf->tp->keepalive_s == 90 &&
	            conf->tp->tls_verify_peer && !conf->tp->tls_host[0]);
	TEST_ASSERT(strcmp(gw_transport_sdp_host(conf), "127.0.0.1") == 0);
	TEST_ASSERT(gw_transport_resolv_conf(conf) == NULL);
	TEST_ASSERT(gw_transport_contact(conf, NULL,
					 "sip:a@b;transport=tls", ct,
					  sizeof(ct)) == 0 && !ct[0]);
	gw_conf_free(conf);

	TEST_ASSERT(make_pems(cert, key, both, other) == 0);
	snprintf(text, sizeof(text), CARD "sip = { listen = \"[::1]:5060\";\n"
		 " tcp = false; keepalive_s = 30;\n"
		 " external_address = \"203.0.113.5\";\n"
		 " tls_listen = \"[::1]:5061\"; tls_certificate = \"%s\";\n"
		 " tls_key = \"%s\"; tls_ca_file = \"%s\";\n"
		 " tls_verify_peer = false; };\n", cert, key, cert);
	r = load_text(text, &conf, path, sizeof(path), err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	TEST_ASSERT(r == 0);
	TEST_ASSERT(!conf->tp->tcp && conf->tp->keepalive_s == 30 &&
	            !conf->tp->tls_verify_peer && conf->tp->tls_port == 5061 &&
	            strcmp(conf->tp->tls_host, "::1") == 0 &&
	            strcmp(conf->tp->tls_cert, cert) == 0 &&
	            strcmp(conf->tp->tls_key, key) == 0);
	TEST_ASSERT(strcmp(gw_transport_sdp_host(conf), "203.0.113.5") == 0);
	TEST_ASSERT(gw_transport_contact(conf, NULL,
					 "sip:a@b;transport=TLS", ct,
					  sizeof(ct)) > 0);
	TEST_ASSERT(strcmp(ct, "<sip:203.0.113.5:5061;transport=tls>") == 0);
	TEST_ASSERT(gw_transport_contact(conf, NULL, "sip:a@b", ct,
					  sizeof(ct)) == 0 && !ct[0]);
	gw_conf_free(conf);
	/* the key in the certificate file */
	snprintf(text, sizeof(text), CARD "sip = {\n tls_listen = "
		 "\"127.0.0.1:5061\";\n tls_certificate = \"%s\"; };\n", both);
	r = load_text(text, &conf, path, sizeof(path), err, sizeof(err));
	TEST_ASSERT(r == 0 && !conf->tp->tls_key[0]);
	gw_conf_free(conf);

	EXPECT_ERROR(CARD "sip = {\n external_address = \"gw.example\"; };\n",
		     3, "sip.external_address", "not an IPv4 or IPv6");
	EXPECT_ERROR(CARD "sip = {\n keepalive_s = 5000; };\n", 3,
		     "sip.keepalive_s", NULL);
	/* sip.also_listen: the other family; RTP/SDP/Contact per family */
	r = load_text(CARD "sip = { listen = \"127.0.0.1:5060\";\n"
		      " also_listen = \"[::1]:5062\";\n"
		      " external_address = \"203.0.113.5\"; };\n", &conf,
		      path, sizeof(path), err, sizeof(err));
	TEST_ASSERT(r == 0 && strcmp(conf->tp->also_host, "::1") == 0 &&
		    conf->tp->also_port == 5062);
	gw_transport_local_host(conf, AF_INET6, NULL, ct, sizeof(ct));
	TEST_ASSERT(strcmp(ct, "::1") == 0);
	TEST_ASSERT(strcmp(gw_transport_sdp_host_for(conf, ct), "::1") == 0);
	TEST_ASSERT(gw_transport_family_contact(conf, ct, fc,
						sizeof(fc)) > 0 &&
		    strcmp(fc, "<sip:[::1]:5062>") == 0);
	gw_transport_local_host(conf, 0, "sip:201@[::1]:5070", ct, sizeof(ct));
	TEST_ASSERT(strcmp(ct, "::1") == 0);
	gw_transport_local_host(conf, 0, "sip:127.0.0.9:5070", ct, sizeof(ct));
	TEST_ASSERT(strcmp(ct, "127.0.0.1") == 0);
	TEST_ASSERT(strcmp(gw_transport_sdp_host_for(conf, ct),
			   "203.0.113.5") == 0);
	TEST_ASSERT(gw_transport_family_contact(conf, ct, fc,
						sizeof(fc)) > 0 &&
		    strcmp(fc, "<sip:203.0.113.5:5060>") == 0);
	gw_transport_local_host(conf, 0, "sip:prov.example", ct, sizeof(ct));
	TEST_ASSERT(strcmp(ct, "127.0.0.1") == 0);
	gw_conf_free(conf);
	conf = NULL;
	EXPECT_ERROR(CARD "sip = { listen = \"127.0.0.1:5060\";\n"
		     " also_listen = \"127.0.0.2:5060\"; };\n", 3,
		     "sip.also_listen", "same IP family");
	EXPECT_ERROR(CARD "sip = {\n also_listen = \"::1:5060\"; };\n", 3,
		     "sip.also_listen", "ADDRESS:PORT");
	/* sip.resolv_conf: a readable file (Sofia's resolver reads it) */
	snprintf(text, sizeof(text), CARD "sip = {\n resolv_conf = "
		 "\"%s\"; };\n", cert);
	r = load_text(text, &conf, path, sizeof(path), err, sizeof(err));
	TEST_ASSERT(r == 0 && strcmp(gw_transport_resolv_conf(conf), cert) == 0);
	gw_conf_free(conf);
	conf = NULL;
	EXPECT_ERROR(CARD "sip = {\n resolv_conf = \"/nonexistent/r.conf\"; };\n",
		     3, "sip.resolv_conf", "cannot read \"/nonexistent/r.conf\"");
	EXPECT_ERROR(CARD "sip = {\n resolv_conf = \"\"; };\n", 3,
		     "sip.resolv_conf", "must not be empty");
	EXPECT_ERROR(CARD "sip = {\n tcp = 1; };\n", 3, "sip.tcp", NULL);
	EXPECT_ERROR(CARD "sip = {\n tls_listen = \"127.0.0.1\"; };\n", 3,
		     "sip.tls_listen", "ADDRESS:PORT");
	EXPECT_ERROR(CARD "sip = {\n tls_listen = \"127.0.0.1:5061\"; };\n",
		     3, "sip.tls_listen", "needs tls_certificate");
	EXPECT_ERROR(CARD "sip = { tls_listen = \"127.0.0.1:5061\";\n"
		     " tls_certificate = \"/nonexistent/gw.pem\"; };\n", 3,
		     "sip.tls_certificate",
		     "cannot read \"/nonexistent/gw.pem\": No such file");
	/* a certificate without its key, and no tls_key */
	snprintf(text, sizeof(text), CARD "sip = { tls_listen = "
		 "\"127.0.0.1:5061\";\n tls_certificate = \"%s\"; };\n", cert);
	EXPECT_ERROR(text, 3, "sip.tls_certificate", "holds no PEM");
	/* a key where the certificate should be */
	snprintf(text, sizeof(text), CARD "sip = { tls_listen = "
		 "\"127.0.0.1:5061\";\n tls_key = \"%s\";\n"
		 " tls_certificate = \"%s\"; };\n", key, key);
	EXPECT_ERROR(text, 4, "sip.tls_certificate",
		     "holds no PEM -----BEGIN CERTIFICATE-----");
	snprintf(text, sizeof(text), CARD "sip = {\n tls_certificate = "
		 "\"%s\"; };\n", both);
	EXPECT_ERROR(text, 3, "sip.tls_certificate", "without tls_listen");
#ifdef HAVE_OPENSSL
	/* OpenSSL checks what Sofia would only log */
	snprintf(text, sizeof(text), CARD "sip = { tls_listen = "
		 "\"127.0.0.1:5061\";\n tls_key = \"%s\";\n"
		 " tls_certificate = \"%s\"; };\n", other, cert);
	EXPECT_ERROR(text, 3, "sip.tls_key", "does not match the certificate");
#endif
	unlink(cert);
	unlink(key);
	unlink(both);
	unlink(other);
	return 0;
}

static int security_keys(void)
{
	struct gw_conf *conf;
	char path[64], err[256];

	/* defaults: no users, US premium/international list */
	TEST_EQ_INT(load_text(CARD, &conf, path, sizeof(path), err,
			      sizeof(err)), 0);
	TEST_EQ_INT(conf->sec->nusers, 0);
	TEST_EQ_INT(conf->sec->rate_limit, 5);
	TEST_EQ_INT(conf->sec->ban_after, 5);
	TEST_EQ_INT(conf->sec->ban_time_s, 600);
	TEST_EQ_STR(conf->sec->realm, "copperline");
	TEST_EQ_STR(gw_guard_dialout_blocked(conf, NULL, "011441234"), "011");
	TEST_EQ_STR(gw_guard_dialout_blocked(conf, NULL, "19005551212"),
		    "1900");
	TEST_EQ_STR(gw_guard_dialout_blocked(conf, NULL, "+4412345"), "+");
	TEST_ASSERT(!gw_guard_dialout_blocked(conf, NULL, "5551212"));
	gw_conf_free(conf);
	/* another zone, explicit keys, a route that allows */
	TEST_EQ_INT(load_text(CARD "general = { zone = \"de\"; };\n"
			      "sip = { users = ( { name = \"alice\";\n"
			      " password = \"s3cret-pw\"; } );\n"
			      " realm = \"gw\"; rate_limit = 20; ban_after = 3;\n"
			      " ban_window_s = 30; ban_time_s = 120;\n"
			      " nonce_ttl_s = 60; };\n"
			      "ports = ( " FXO1 " );\n"
			      "routes = ( { from = \"sip\"; to = \"fxo\";\n"
			      " allow_premium = true; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(conf->sec->nusers, 1);
	TEST_EQ_STR(conf->sec->users[0].name, "alice");
	TEST_EQ_STR(conf->sec->realm, "gw");
	TEST_EQ_INT(conf->sec->rate_limit, 20);
	TEST_EQ_INT(conf->sec->ban_after, 3);
	TEST_EQ_INT(conf->sec->ban_window_s, 30);
	TEST_EQ_INT(conf->sec->ban_time_s, 120);
	TEST_EQ_INT(conf->sec->nonce_ttl_s, 60);
	TEST_EQ_STR(gw_guard_dialout_blocked(conf, NULL, "0090012"), "00");
	TEST_EQ_STR(gw_guard_dialout_blocked(conf, NULL, "09001234"), "09");
	TEST_ASSERT(!gw_guard_dialout_blocked(conf, NULL, "011441234"));
	TEST_ASSERT(conf->routes[0].allow_premium);
	TEST_ASSERT(!gw_guard_dialout_blocked(conf, &conf->routes[0],
					      "0090012"));
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD "general = { blocked_prefixes = [ ]; };\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(!gw_guard_dialout_blocked(conf, NULL, "011441234"));
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "sip = { users = ( { name = \"bob\";\n"
		     " password = \"bob\"; } ); };\n", 3,
		     "sip.users.[0].password", "at least 8");
	EXPECT_ERROR(CARD "sip = { users = ( { name = \"bob\"; } ); };\n", 2,
		     "sip.users.[0].password", "missing");
	EXPECT_ERROR(CARD "sip = { users = ( { name = \"a b\";\n"
		     " password = \"long-enough\"; } ); };\n", 2,
		     "sip.users.[0].name", "without spaces");
	EXPECT_ERROR(CARD "sip = {\n rate_limit = 0; };\n", 3,
		     "sip.rate_limit", NULL);
	EXPECT_ERROR(CARD "sip = {\n ban_time_s = 0; };\n", 3,
		     "sip.ban_time_s", NULL);
	EXPECT_ERROR(CARD "general = {\n blocked_prefixes = [ \"9x\" ]; };\n",
		     3, "general.blocked_prefixes.[0]", "digits");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; to = \"fxo\";\n"
		     " allow_premium = 1; } );\n", 3,
		     "routes.[0].allow_premium", "true or false");
	return 0;
}

/* The built-in registrar (gateway/registrar.h): keys, user: targets. */
#define ALICE "users = ( { name = \"alice\"; password = \"s3cret-pw\"; } );"
static int registrar_keys(void)
{
	struct gw_conf *conf;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD, &conf, path, sizeof(path), err,
			      sizeof(err)), 0);
	TEST_ASSERT(!conf->sec->registrar);
	TEST_EQ_INT(conf->sec->register_min_s, 60);
	TEST_EQ_INT(conf->sec->register_max_s, 3600);
	gw_conf_free(conf);
	TEST_EQ_INT(load_text(CARD "sip = { registrar = true; " ALICE "\n"
			      " register_min_s = 30; register_max_s = 600; };\n"
			      "ports = ( { name = \"fxo1\"; channel = 3;"
			      " type = \"fxo\"; target = \"user:alice\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	TEST_ASSERT(conf->sec->registrar);
	TEST_EQ_INT(conf->sec->register_min_s, 30);
	TEST_EQ_INT(conf->sec->register_max_s, 600);
	TEST_EQ_STR(conf->ports[0].target, "user:alice");
	gw_conf_free(conf);
	EXPECT_ERROR(CARD "sip = {\n registrar = true; };\n", 3,
		     "sip.registrar", "sip.users");
	EXPECT_ERROR(CARD "sip = {\n registrar = 1; };\n", 3,
		     "sip.registrar", "true or false");
	EXPECT_ERROR(CARD "sip = {\n register_min_s = 5; };\n", 3,
		     "sip.register_min_s", NULL);
	EXPECT_ERROR(CARD "sip = { register_min_s = 600;\n"
		     " register_max_s = 60; };\n", 3, "sip.register_max_s",
		     "below register_min_s");
	EXPECT_ERROR(CARD "ports = ( { name = \"fxo1\"; channel = 3;\n"
		     " type = \"fxo\"; target = \"user:a b\"; } );\n", 3,
		     "ports.[0].target", "user:NAME");
	return 0;
}

/* to = "user:NAME" and to = [ ... ] lists (gateway/fork.h). */
#define CHAIN_HEAD CARD "sip = { registrar = true; " ALICE " };\n" \
	"trunks = ( { name = \"prov\"; proxy = \"sip:10.0.0.1:5070\"; " \
	"username = \"u1\"; password = \"pw\"; } );\n" \
	"ports = ( { name = \"p1\"; channel = 3; type = \"fxo\"; } );\n"
static int route_lists(void)
{
	struct gw_conf *conf;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CHAIN_HEAD "routes = (\n"
			      " { from = \"fxs\"; prefix = \"1\"; ring_timeout_s = 20;"
			      " to = [ \"user:alice\", \"trunk:prov\","
			      " \"sip:${number}@h\" ]; },\n"
			      " { from = \"sip\"; to = \"user:alice\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)), 0);
	/* one route, three targets: three entries */
	TEST_EQ_INT(conf->nroutes, 4);
	TEST_EQ_INT(conf->routes[0].to, GW_ROUTE_TO_USER);
	TEST_EQ_STR(conf->routes[0].uri, "user:alice");
	TEST_EQ_INT(conf->routes[0].ring_timeout_s, 20);
	TEST_ASSERT(conf->routes[0].chain_next && conf->routes[1].chain_next);
	TEST_ASSERT(!conf->routes[2].chain_next);
	TEST_EQ_INT(conf->routes[1].chain, 1);
	TEST_EQ_INT(conf->routes[1].trunk, 1);
	TEST_EQ_INT(conf->routes[2].chain, 2);
	TEST_EQ_STR(conf->routes[2].uri, "sip:${number}@h");
	TEST_EQ_INT(conf->routes[3].chain, 0);
	TEST_EQ_INT(conf->routes[3].to, GW_ROUTE_TO_USER);
	gw_conf_free(conf);
	EXPECT_ERROR(CHAIN_HEAD "routes = ( { from = \"fxs\";\n"
		     " to = [ \"user:alice\",\n \"trunk:nope\" ]; } );\n", 7,
		     "routes.[0].to", "no trunk named \"nope\"");
	EXPECT_ERROR(CHAIN_HEAD "routes = ( { from = \"fxs\";\n"
		     " to = [ \"user:bob\" ]; } );\n", 6,
		     "routes.[0].to", "no user named \"bob\" in sip.users");
	EXPECT_ERROR(CHAIN_HEAD "routes = ( { from = \"fxs\";\n"
		     " to = [ \"trunk:prov\",\n \"fxo:p2\" ]; } );\n", 7,
		     "routes.[0].to", "no port named \"p2\"");
	EXPECT_ERROR(CHAIN_HEAD "routes = ( { from = \"fxs\";\n"
		     " to = [ ]; } );\n", 6, "routes.[0].to", "empty list");
	EXPECT_ERROR(CHAIN_HEAD "routes = ( { from = \"fxs\";\n to = [ "
		     "\"fxo\", \"fxo\", \"fxo\", \"fxo\", \"fxo\", \"fxo\", "
		     "\"fxo\", \"fxo\", \"fxo\" ]; } );\n", 6,
		     "routes.[0].to", "9 targets: at most 8");
	EXPECT_ERROR(CHAIN_HEAD "routes = ( { from = \"fxs\";\n"
		     " to = ( \"fxo\", 5 ); } );\n", 6, "routes.[0].to",
		     "entry 1 is not a string");
	EXPECT_ERROR(CHAIN_HEAD "routes = ( { from = \"fxs\";\n"
		     " ring_timeout_s = 2; to = \"fxo\"; } );\n", 6,
		     "routes.[0].ring_timeout_s", NULL);
	EXPECT_ERROR(CARD "sip = { " ALICE " };\n"
		     "routes = ( { from = \"fxs\";\n"
		     " to = \"user:alice\"; } );\n", 4,
		     "routes.[0].to", "sip.registrar = true");
	return 0;
}

/* SIP trunks (gateway/trunk.h): keys, defaults, routes to them, errors. */
#define TRUNK "trunks = ( { name = \"prov\"; proxy = \"sip:10.0.0.1:5070\"; " \
	      "username = \"u1\"; password = \"pw\"; } );\n"
static int trunk_keys(void)
{
	struct gw_conf *c = NULL;
	const struct gw_conf_trunk *t;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD TRUNK "routes = ( { from = \"fxs\"; "
				   "prefix = \"0\"; to = \"trunk:prov\"; } );\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->ntrunks, 1);
	t = &c->trunks[0];
	TEST_ASSERT(strcmp(t->domain, "10.0.0.1") == 0);
	TEST_ASSERT(strcmp(t->auth_username, "u1") == 0);
	TEST_EQ_INT(t->nregistrars, 1);
	TEST_ASSERT(t->registrar_is_proxy && t->reg);
	TEST_EQ_INT(t->expires_s, 3600);
	TEST_EQ_INT(t->retry_s, 30);
	TEST_EQ_INT(t->forbidden_retry_s, 300);
	TEST_EQ_INT(t->qualify_s, 0);
	TEST_EQ_INT(c->routes[0].trunk, 1);
	TEST_EQ_INT(c->routes[0].to, GW_ROUTE_TO_URI);
	TEST_ASSERT(strcmp(c->routes[0].uri, "sip:${number}@10.0.0.1") == 0);
	gw_conf_free(c);
	TEST_EQ_INT(load_text(CARD "trunks = ( { name = \"p2\"; proxy = [ "
				   "\"sip:a.test\", \"sip:b.test:5080\" ]; "
				   "registrar = \"sip:reg.test\"; "
				   "domain = \"voip.test\"; username = \"u\"; "
				   "realm = \"r\"; register = false; "
				   "expires = 60; timeout_s = 2; retry_s = 5; "
				   "retry_max_s = 50; qualify_s = 10; "
				   "qualify_failures = 2; } );\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	t = &c->trunks[0];
	TEST_EQ_INT(t->nproxies, 2);
	TEST_ASSERT(strcmp(t->proxy[1], "sip:b.test:5080") == 0);
	TEST_ASSERT(!t->registrar_is_proxy && !t->reg);
	TEST_ASSERT(strcmp(t->domain, "voip.test") == 0);
	TEST_EQ_INT(t->qualify_failures, 2);
	TEST_EQ_INT(t->flash, -1); /* sip.flash */
	TEST_EQ_INT(gw_trunk_flash(c, NULL), GW_CONF_FLASH_RFC4733);
	gw_conf_free(c);
	TEST_EQ_INT(load_text(CARD "trunks = ( { name = \"p\"; proxy = "
				   "\"sip:a\"; username = \"u\"; "
				   "flash = \"info\"; } );\n",
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->trunks[0].flash, GW_CONF_FLASH_INFO);
	gw_conf_free(c);
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; proxy = \"sip:a\";\n"
			  "username = \"u\"; flash = \"hf\"; } );\n",
		     3, "trunks.[0].flash", "\"rfc4733\" or \"info\"");

	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; username = \"u\"; } );\n",
		     2, "trunks.[0].proxy", "missing");
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; username = \"u\";\n"
			  "proxy = [ \"sip:a\", \"http://b\" ]; } );\n",
		     3, "trunks.[0].proxy.[1]", "not a SIP URI");
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; proxy = \"sip:a\"; "
			  "username = \"u\";\nexpires = 5; } );\n",
		     3, "trunks.[0].expires", "out of range");
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; proxy = \"sip:a\";\n"
			  "username = \"u\"; password = \"x\"; "
			  "password_file = \"y\"; } );\n",
		     3, "trunks.[0].password_file", "not both");
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; proxy = \"sip:a\";\n"
			  "username = \"u\"; password_file = \"/nonexistent\"; } );\n",
		     3, "trunks.[0].password_file", "No such file");
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; proxy = \"sip:a\";\n"
			  "username = \"u\"; password = \"x\"; register = false; } );\n",
		     2, "trunks.[0].realm", "required");
	EXPECT_ERROR(CARD TRUNK "trunks2 = 1;\n", 3, "trunks2", "unknown");
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; proxy = \"sip:a\"; "
			  "username = \"u\"; },\n{ name = \"p\"; "
			  "proxy = \"sip:b\"; username = \"v\"; } );\n",
		     3, "trunks.[1].name", "twice");
	EXPECT_ERROR(CARD TRUNK "routes = ( { from = \"fxs\";\n"
			  "to = \"trunk:nope\"; } );\n",
		     4, "routes.[0].to", "no trunk named");
	return 0;
}

/* Port accounts and trunk max_calls (gateway/trunk.h). */
#define ACCT(extra) "ports = ( { name = \"fxs1\"; channel = 1; " \
	"type = \"fxs\";\naccount = { trunk = \"prov\"; " extra " }; } );\n"
static int trunk_accounts(void)
{
	struct gw_conf *c = NULL;
	const struct gw_conf_trunk *a;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "trunks = ( { name = \"prov\"; "
				   "proxy = \"sip:10.0.0.1:5070\"; "
				   "domain = \"voip.test\"; username = \"u1\"; "
				   "password = \"pw\"; expires = 120; "
				   "qualify_s = 30; max_calls = 2; } );\n"
				   ACCT("username = \"201\"; "
					"auth_username = \"a201\"; "
					"password = \"p201\";"),
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(c->ntrunks, 1);
	TEST_EQ_INT(c->naccounts, 1);
	TEST_EQ_INT(c->trunks[0].max_calls, 2);
	TEST_EQ_INT(c->trunks[0].parent, 0);
	a = &c->trunks[1];
	TEST_EQ_INT(a->parent, 1);
	TEST_EQ_INT(a->channel, 1);
	TEST_ASSERT(strcmp(a->name, "fxs1") == 0);
	TEST_ASSERT(strcmp(a->username, "201") == 0);
	TEST_ASSERT(strcmp(a->auth_username, "a201") == 0);
	TEST_ASSERT(strcmp(a->password, "p201") == 0);
	TEST_ASSERT(strcmp(a->domain, "voip.test") == 0);
	TEST_EQ_INT(a->expires_s, 120); /* the trunk's */
	TEST_EQ_INT(a->qualify_s, 0);	/* the trunk qualifies */
	TEST_EQ_INT(a->max_calls, 0);
	TEST_ASSERT(a->reg);
	gw_conf_free(c);

	EXPECT_ERROR(CARD TRUNK ACCT("username = \"201\"; password = \"x\";")
			     "ports2 = 1;\n", 5, "ports2", "unknown");
	EXPECT_ERROR(CARD TRUNK "ports = ( { name = \"fxs1\"; channel = 1; "
			  "type = \"fxs\";\naccount = { trunk = \"nope\"; "
			  "username = \"201\"; password = \"x\"; }; } );\n",
		     4, "ports.[0].account.trunk", "no trunk named \"nope\"");
	EXPECT_ERROR(CARD TRUNK ACCT("username = \"201\";"), 4,
		     "ports.[0].account.password", "missing");
	EXPECT_ERROR(CARD TRUNK ACCT("password = \"x\";"), 4,
		     "ports.[0].account.username", "missing");
	EXPECT_ERROR(CARD TRUNK ACCT("username = \"u1\"; password = \"x\";"),
		     4, "ports.[0].account.username", "own username");
	EXPECT_ERROR(CARD TRUNK ACCT("username = \"2 1\"; password = \"x\";"),
		     4, "ports.[0].account.username", "spaces");
	EXPECT_ERROR(CARD TRUNK ACCT("username = \"201\"; password = \"x\"; "
				     "expires = 60;"),
		     4, "ports.[0].account.expires", "unknown");
	EXPECT_ERROR(CARD TRUNK "ports = ( { name = \"fxo1\"; channel = 3; "
			  "type = \"fxo\";\naccount = { trunk = \"prov\"; "
			  "username = \"201\"; password = \"x\"; }; } );\n",
		     4, "ports.[0].account", "not valid on an fxo port");
	EXPECT_ERROR(CARD TRUNK "ports = ( { name = \"fxs1\"; channel = 1; "
			  "type = \"fxs\";\naccount = \"prov\"; } );\n",
		     4, "ports.[0].account", "group");
	EXPECT_ERROR(CARD TRUNK "ports = ( { name = \"fxs1\"; channel = 1; "
			  "type = \"fxs\"; account = { trunk = \"prov\"; "
			  "username = \"201\"; password = \"x\"; }; },\n"
			  "{ name = \"fxs2\"; channel = 2; type = \"fxs\"; "
			  "account = { trunk = \"prov\"; username = \"201\"; "
			  "password = \"y\"; }; } );\n",
		     4, "ports.[1].account.username", "port fxs1's account");
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; proxy = \"sip:a\";\n"
			  "username = \"u\"; max_calls = -1; } );\n",
		     3, "trunks.[0].max_calls", "out of range");
	return 0;
}

/* DISA (gateway/disa.h): entries, PINs, pin_file, targets, errors. */
#define DISA_FXO(t) "ports = ( { name = \"fxo1\"; channel = 3;\n" \
		    " type = \"fxo\"; target = \"" t "\"; } );\n"
static int disa_keys(void)
{
	struct gw_conf *c = NULL;
	const struct gw_conf_disa *d;
	struct gw_route_result rr;
	char path[64], pins[64], err[256], text[512];
	FILE *f;

	TEST_EQ_INT(load_text(CARD "disa = ( { name = \"office\"; pins = "
			      "[ \"0815\", \"12345*6789\" ]; tries = 2;"
			      " digit_timeout_ms = 3000; } );\n"
			      DISA_FXO("disa:office")
			      "routes = ( { from = \"disa\"; prefix = \"0\";"
			      " to = \"sip:${number}@10.0.0.1\"; } );\n",
			      &c, path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(c->ndisa, 1);
	d = gw_disa_conf_find(c, "office");
	TEST_ASSERT(d && d->npins == 2 && d->tries == 2);
	TEST_EQ_STR(d->pins[0], "0815");
	TEST_EQ_STR(d->pins[1], "12345*6789");
	TEST_EQ_INT(d->digit_timeout_ms, 3000);
	TEST_EQ_STR(gw_disa_target(c->ports[0].target), "office");
	TEST_EQ_INT(c->routes[0].from, GW_ROUTE_FROM_DISA);
	TEST_ASSERT(!gw_disa_conf_find(c, "home"));
	/* only the source disa reaches a route from = "disa" (route.h) */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_DISA, "0301", &rr), 0);
	TEST_EQ_STR(rr.uri, "sip:0301@10.0.0.1");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "0301", &rr),
		    -ENOENT);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "0301", &rr),
		    -ENOENT);
	gw_conf_free(c);
	/* defaults */
	TEST_EQ_INT(load_text(CARD "disa = ( { name = \"x\"; pins = "
			      "[ \"4711\" ]; } );\n", &c, path,
			      sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(c->disa[0].tries, 3);
	TEST_EQ_INT(c->disa[0].digit_timeout_ms, 5000);
	gw_conf_free(c);
	/* no PIN: never a default */
	EXPECT_ERROR(CARD "disa = (\n{ name = \"x\"; } );\n", 3,
		     "disa.[0].pins", "no default PIN");
	EXPECT_ERROR(CARD "disa = ( { name = \"x\";\npins = [ ]; } );\n", 3,
		     "disa.[0].pins", "empty");
	EXPECT_ERROR(CARD "disa = ( {\nname = \"x\"; pins = [ \"12#4\" ]; }"
		     " );\n", 3, "disa.[0].pins.[0]", "0-9 and *");
	EXPECT_ERROR(CARD "disa = ( {\nname = \"x\"; pins = [ \"123\" ]; }"
		     " );\n", 3, "disa.[0].pins.[0]", "4 to 16");
	EXPECT_ERROR(CARD "disa = ( {\nname = \"x\"; pins = [ 1234 ]; }"
		     " );\n", 3, "disa.[0].pins.[0]", "string");
	EXPECT_ERROR(CARD "disa = ( {\nname = \"x\"; pins = [ \"1234\" ];"
		     " tries = 0; } );\n", 3, "disa.[0].tries", NULL);
	EXPECT_ERROR(CARD "disa = ( { pins = [ \"1234\" ]; },\n"
		     "{ name = \"x\"; pins = [ \"1234\" ]; pin = 1; } );\n",
		     2, "disa.[0].name", "required");
	EXPECT_ERROR(CARD "disa = ( { name = \"x\"; pins = [ \"1234\" ]; },"
		     "\n{ name = \"x\"; pins = [ \"1234\" ]; } );\n", 3,
		     "disa.[1].name", "already used");
	EXPECT_ERROR(CARD "disa = ( {\nname = \"x\"; pins = [ \"1234\" ];"
		     " pin_file = \"p\"; } );\n", 3, "disa.[0].pin_file",
		     "not both");
	/* unknown disa name in a port target */
	EXPECT_ERROR(CARD "disa = ( { name = \"x\"; pins = [ \"1234\" ]; } );"
		     "\n" DISA_FXO("disa:y"), 4, "ports.[0].target",
		     "no disa entry named \"y\"");
	EXPECT_ERROR(CARD DISA_FXO("disa:x"), 3, "ports.[0].target",
		     "no disa entry");
	/* routes to a DISA: from sip only, a known entry */
	TEST_EQ_INT(load_text(CARD "disa = ( { name = \"x\"; pins = "
			      "[ \"1234\" ]; } );\nroutes = ( { from = \"sip\";"
			      " prefix = \"8\"; to = \"disa:x\"; } );\n", &c,
			      path, sizeof(path), err, sizeof(err)), 0);
	TEST_EQ_INT(c->routes[0].to, GW_ROUTE_TO_DISA);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "8", &rr), 0);
	TEST_EQ_STR(gw_disa_target(rr.route->uri), "x");
	gw_conf_free(c);
	EXPECT_ERROR(CARD "disa = ( { name = \"x\"; pins = [ \"1234\" ]; } );"
		     "\nroutes = ( { from = \"fxs\";\nto = \"disa:x\"; } );\n",
		     4, "routes.[0].to", "from sip only");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\nto = \"disa:x\"; } );"
		     "\n", 3, "routes.[0].to", "no disa entry named \"x\"");
	/* pin_file: one PIN a line, comments; never readable by others */
	TEST_EQ_INT(write_tmp(pins, sizeof(pins), "# office\n4711\n\n"
			      "080015\n"), 0);
	TEST_EQ_INT(chmod(pins, 0640), 0);
	snprintf(text, sizeof(text), CARD "disa = ( { name = \"x\";\n"
		 "pin_file = \"%s\"; } );\n", pins);
	TEST_EQ_INT(load_text(text, &c, path, sizeof(path), err,
			      sizeof(err)), 0);
	TEST_EQ_INT(c->disa[0].npins, 2);
	TEST_EQ_STR(c->disa[0].pins[1], "080015");
	gw_conf_free(c);
	TEST_EQ_INT(chmod(pins, 0644), 0);
	if (expect_error(text, 3, "disa.[0].pin_file", "by others", __FILE__,
			 __LINE__)) {
		unlink(pins);
		return -1;
	}
	f = fopen(pins, "w");
	TEST_ASSERT(f != NULL);
	fputs("4711\n12\n", f);
	fclose(f);
	TEST_EQ_INT(chmod(pins, 0600), 0);
	if (expect_error(text, 3, "disa.[0].pin_file", ":2: a PIN", __FILE__,
			 __LINE__)) {
		unlink(pins);
		return -1;
	}
	unlink(pins);
	return 0;
}

/* Did line (a whole message) reach the log file since *from? */
static bool logged(FILE *f, long *from, const char *msg)
{
	char line[512];
	bool found = false;

	fflush(stderr);
	fseek(f, *from, SEEK_SET);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, msg))
			found = true;
	*from = ftell(f);
	return found;
}

/*
 * general.log_levels: per-subsystem levels (gateway/log.h) load, reach
 * the logger and filter its lines; bad entries name their key.
 */
static int log_level_keys(void)
{
	struct gw_conf *c = NULL;
	char path[64], err[256], name[32];
	int level, fd_saved, found = 0;
	bool l1, l2, l3, l4, l5, l6, l7;
	FILE *f;
	long pos = 0;

	TEST_EQ_INT(load_text("general = { log_level = \"notice\";\n"
			      " log_levels = { sip = \"debug\";"
			      " sip-trace = \"warning\"; call = \"error\"; };"
			      " };\n" CARD,
			      &c, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_STR(c->log_level, "notice");
	TEST_EQ_INT(c->nlog_levels, 3);
	TEST_EQ_STR(c->log_levels[0].subsys, "sip");
	TEST_EQ_INT(c->log_levels[0].level, GW_LOG_DEBUG);
	TEST_EQ_STR(c->log_levels[1].subsys, "sip-trace");
	TEST_EQ_INT(c->log_levels[1].level, GW_LOG_WARNING);
	TEST_EQ_INT(c->log_levels[2].level, GW_LOG_ERR);

	/* applied: the overrides are listed and filter the lines */
	f = tmpfile();
	TEST_ASSERT(f != NULL);
	fflush(stderr);
	fd_saved = dup(2);
	dup2(fileno(f), 2);
	gw_log_set_level(GW_LOG_WARNING);
	gw_log_conf_apply(c);
	for (int i = 0; gw_log_subsys_get(i, name, sizeof(name), &level) == 0;
	     i++) {
		if (strcmp(name, "sip") == 0 && level == GW_LOG_DEBUG)
			found++;
		if (strcmp(name, "call") == 0 && level == GW_LOG_ERR)
			found++;
		if (strcmp(name, "media") == 0 && level == GW_LOG_DEFAULT)
			found++;
	}
	gw_log(GW_LOG_DEBUG, "sip", "t-sip-debug");
	gw_log(GW_LOG_WARNING, "call", "t-call-warning");
	gw_log(GW_LOG_ERR, "call", "t-call-err");
	gw_log(GW_LOG_INFO, "media", "t-media-info");
	gw_log(GW_LOG_WARNING, "media", "t-media-warning");
	l1 = logged(f, &pos, "<7>") && logged(f, &(long){ 0 },
						  "sip: t-sip-debug");
	pos = 0;
	l2 = logged(f, &pos, "t-call-warning");
	pos = 0;
	l3 = logged(f, &pos, "<3>") && logged(f, &(long){ 0 }, "t-call-err");
	pos = 0;
	l4 = logged(f, &pos, "t-media-info");
	pos = 0;
	l5 = logged(f, &pos, "<4>") &&
	     logged(f, &(long){ 0 }, "t-media-warning");
	/* back to the global level; a new subsystem; bad names */
	gw_log_set_subsys_level("sip", GW_LOG_DEFAULT);
	gw_log(GW_LOG_DEBUG, "sip", "t-sip-again");
	l6 = logged(f, &pos, "t-sip-again");
	gw_log_set_subsys_level("brand-new", GW_LOG_DEBUG);
	gw_log(GW_LOG_DEBUG, "brand-new", "t-new-debug");
	l7 = logged(f, &pos, "brand-new: t-new-debug");
	fflush(stderr);
	dup2(fd_saved, 2);
	close(fd_saved);
	fclose(f);
	gw_log_clear_subsys_levels();
	gw_log_set_level(GW_LOG_INFO);
	gw_conf_free(c);
	TEST_EQ_INT(found, 3);
	TEST_ASSERT(l1 && !l2 && l3 && !l4 && l5 && !l6 && l7);
	TEST_EQ_INT(gw_log_set_subsys_level("Sip", GW_LOG_DEBUG), -EINVAL);
	TEST_EQ_INT(gw_log_set_subsys_level("sip", 9), -EINVAL);
	TEST_EQ_INT(gw_log_level_parse("notice"), GW_LOG_NOTICE);
	TEST_EQ_STR(gw_log_level_name(GW_LOG_DEFAULT), "default");

	EXPECT_ERROR(CARD "general = {\n log_levels = { sip = \"loud\"; };"
			  " };\n",
		     3, "general.log_levels.sip", "must be error, warning");
	EXPECT_ERROR(CARD "general = { log_levels = {\n call = 7; }; };\n",
		     3, "general.log_levels.call", "string");
	EXPECT_ERROR(CARD "general = {\n log_levels = \"debug\"; };\n", 3,
		     "general.log_levels", "group");
	EXPECT_ERROR(CARD "general = { log_levels = {\n Sip = \"debug\"; };"
			  " };\n",
		     3, "general.log_levels.Sip", "subsystem name");
	EXPECT_ERROR(CARD "general = {\n log_level = \"loud\"; };\n", 3,
		     "general.log_level", "notice");
	return 0;
}

/* Dial plan actions (gateway/routeact.h) and hunt groups. */
static int route_action_keys(void)
{
	struct gw_conf *conf;
	char path[64], err[256];

	TEST_EQ_INT(load_text(CARD "ports = ( " FXS1 ", " FXO1 ",\n"
			      " { name = \"fxo2\"; channel = 4;"
			      " type = \"fxo\"; } );\n"
			      "groups = ( { name = \"out\";"
			      " ports = [ \"fxo1\", \"fxo2\" ];"
			      " strategy = \"circular\"; } );\n"
			      "routes = ( { from = \"sip\"; prefix = \"00\";"
			      " rewrite = \"s/^00/+/\"; caller_number ="
			      " \"+4930111\"; caller_name = \"Office\";"
			      " max_calls = 2; max_duration_s = 3600;"
			      " to = \"group:out\"; },\n"
			      " { from = \"sip\"; regex = \"0(1[0-9]+)\";"
			      " replace = \"\\\\1\"; failover = true;"
			      " to = \"fxo\"; },\n"
			      " { from = \"sip\"; prefix = \"190\";"
			      " reject = 403; },\n"
			      " { from = \"any\"; prefix = \"8\";"
			      " reject = \"busy\"; } );\n",
			      &conf, path, sizeof(path), err, sizeof(err)),
		    0);
	TEST_EQ_INT(conf->ngroups, 1);
	TEST_EQ_INT(conf->groups[0].strategy, GW_GROUP_CIRCULAR);
	TEST_EQ_INT(conf->groups[0].nports, 2);
	TEST_EQ_STR(conf->groups[0].ports[1], "fxo2");
	TEST_ASSERT(conf->routes[0].act && conf->routes[0].act->rw_code);
	TEST_EQ_STR(conf->routes[0].act->rw_replace, "+");
	TEST_EQ_STR(conf->routes[0].act->caller_number, "+4930111");
	TEST_EQ_STR(conf->routes[0].act->caller_name, "Office");
	TEST_EQ_INT(conf->routes[0].act->group, 1);
	TEST_EQ_INT(conf->routes[0].to, GW_ROUTE_TO_FXO);
	TEST_ASSERT(conf->routes[1].act->rw_route_regex);
	TEST_EQ_STR(conf->routes[1].act->rw_replace, "${1}");
	TEST_EQ_INT(conf->routes[2].act->reject, 403);
	TEST_EQ_INT(conf->routes[3].act->reject, 486);
	TEST_ASSERT(conf->routes[1].act->failover);
	TEST_ASSERT(!conf->routes[0].act->failover);
	TEST_EQ_INT(conf->routes[0].act->max_calls, 2);
	TEST_EQ_INT(conf->routes[0].act->max_duration_s, 3600);
	gw_conf_free(conf);

	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " rewrite = \"00/+/\"; to = \"fxo\"; } );\n", 3,
		     "routes.[0].rewrite", "s/REGEX/REPLACEMENT/");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " rewrite = \"s/0(/+/\"; to = \"fxo\"; } );\n", 3,
		     "routes.[0].rewrite", "offset");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\"; prefix = \"0\";\n"
		     " replace = \"\\\\1\"; to = \"fxo\"; } );\n", 3,
		     "routes.[0].replace", "regex");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " caller_number = \"abc\"; to = \"fxo\"; } );\n", 3,
		     "routes.[0].caller_number", "0-9");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " caller_name = \"a\\\"b\"; to = \"fxo\"; } );\n", 3,
		     "routes.[0].caller_name", "may not contain");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " max_duration_s = 90000; to = \"fxo\"; } );\n", 3,
		     "routes.[0].max_duration_s", "1..86400");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " max_calls = 0; to = \"fxo\"; } );\n", 3,
		     "routes.[0].max_calls", "1..1000");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " failover = 1; to = \"fxo\"; } );\n", 3,
		     "routes.[0].failover", "true or false");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " reject = 200; } );\n", 3, "routes.[0].reject",
		     "400..699");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " reject = \"later\"; } );\n", 3, "routes.[0].reject",
		     "busy");
	EXPECT_ERROR(CARD "routes = ( { from = \"sip\";\n"
		     " to = \"group:none\"; } );\n", 3, "routes.[0].to",
		     "no group named");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ", " FXO1 " );\n"
		     "groups = ( { name = \"g\";\n ports = [ \"fxo1\","
		     " \"fxs1\" ]; } );\n", 4, "groups.[0].ports",
		     "mixes FXS and FXO");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ", " FXO1 " );\n"
		     "groups = ( { name = \"g\";\n ports = [ \"fxo9\" ];"
		     " } );\n", 4, "groups.[0].ports", "no port named");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ", " FXO1 " );\n"
		     "groups = ( { name = \"g\"; ports = [ \"fxo1\" ];\n"
		     " strategy = \"ring-some\"; } );\n", 4,
		     "groups.[0].strategy", "round-robin");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ", " FXO1 " );\n"
		     "groups = ( { name = \"g\"; ports = [ \"fxo1\" ];\n"
		     " strategy = \"ring-all\"; } );\n", 4,
		     "groups.[0].strategy", "ring-all is for FXS");
	EXPECT_ERROR(CARD "ports = ( " FXS1 ", " FXO1 " );\n"
		     "groups = ( { name = \"g\"; ports = [ \"fxo1\" ]; },\n"
		     " { name = \"g\"; ports = [ \"fxo1\" ]; } );\n", 4,
		     "groups.[1].name", "twice");
	return 0;
}

/* The lists of named groups (sip.users, groups, trunks) share their entry
 * head and duplicate check (gw_conf_named_entry, gw_conf_name_unique):
 * the same messages as before, at the same file:line:key. */
static int named_lists(void)
{
	EXPECT_ERROR(CARD "sip = { users = ( { name = \"ann\";\n"
			  " password = \"secret-one\"; },\n"
			  " { name = \"ann\"; password = \"secret-two\"; } ); };\n",
		     4, "sip.users.[1].name", "user \"ann\" is listed twice");
	EXPECT_ERROR(CARD "sip = { users = (\n"
			  " { password = \"secret-one\"; } ); };\n",
		     3, "sip.users.[0].name", "required key is missing");
	EXPECT_ERROR(CARD "sip = { users = ( { name = \"ann\";\n"
			  " password = \"secret-one\"; pin = 1; } ); };\n",
		     3, "sip.users.[0].pin", "unknown");
	EXPECT_ERROR(CARD "sip = { users = ( { name = \"a b\";\n"
			  " password = \"secret-one\"; } ); };\n",
		     2, "sip.users.[0].name", "without spaces");
	EXPECT_ERROR(CARD "sip = { users = ( 1 ); };\n", 2,
		     "sip.users.[0]", "must be a group");
	EXPECT_ERROR(CARD "ports = ( " FXS1 " );\n"
		     "groups = ( { name = \"g\"; ports = [ \"fxs1\" ]; },\n"
		     " { name = \"g\"; ports = [ \"fxs1\" ]; } );\n", 4,
		     "groups.[1].name", "group \"g\" is defined twice");
	EXPECT_ERROR(CARD "ports = ( " FXS1 " );\n"
		     "groups = (\n { ports = [ \"fxs1\" ]; } );\n", 4,
		     "groups.[0].name", "required key is missing");
	EXPECT_ERROR(CARD "ports = ( " FXS1 " );\n"
		     "groups = (\n \"g\" );\n", 4,
		     "groups.[0]", "must be a group");
	EXPECT_ERROR(CARD "trunks = ( { name = \"p\"; proxy = \"sip:a\"; "
			  "username = \"u\"; },\n{ name = \"p\"; "
			  "proxy = \"sip:b\"; username = \"v\"; } );\n",
		     3, "trunks.[1].name", "trunk \"p\" is defined twice");
	EXPECT_ERROR(CARD "trunks = (\n { proxy = \"sip:a\"; "
			  "username = \"u\"; } );\n",
		     3, "trunks.[0].name", "required key is missing");
	EXPECT_ERROR(CARD "trunks = (\n { name = \"p q\"; proxy = \"sip:a\"; "
			  "username = \"u\"; } );\n",
		     3, "trunks.[0].name", "may only contain");
	return 0;
}

const struct gw_test_case gw_test_cases_conf[] = {
	{ "conf_route_actions", route_action_keys },
	{ "conf_log_levels", log_level_keys },
	{ "conf_security", security_keys },
	{ "conf_registrar", registrar_keys },
	{ "conf_route_match_keys", route_match_keys },
	{ "conf_demo", demo },
	{ "conf_default", shipped_default },
	{ "conf_defaults", defaults },
	{ "conf_values", values },
	{ "conf_max_lengths", max_lengths },
	{ "conf_err_file", err_file },
	{ "conf_err_syntax", err_syntax },
	{ "conf_err_unknown_key", err_unknown_key },
	{ "conf_err_type", err_type },
	{ "conf_err_missing", err_missing },
	{ "conf_err_duplicate", err_duplicate },
	{ "conf_err_channel", err_channel },
	{ "conf_err_port_type", err_port_type },
	{ "conf_err_fxs_key_on_fxo", err_fxs_key_on_fxo },
	{ "conf_err_fxo_key_on_fxs", err_fxo_key_on_fxs },
	{ "conf_err_listen", err_listen },
	{ "conf_transport_keys", transport_keys },
	{ "conf_callerid_keys", callerid_keys },
	{ "conf_err_rtp_ports", err_rtp_ports },
	{ "conf_err_trusted", err_trusted },
	{ "conf_sip_media_keys", sip_media_keys },
	{ "conf_err_route_from", err_route_from },
	{ "conf_err_route_to", err_route_to },
	{ "conf_err_route_port", err_route_port },
	{ "conf_err_strip", err_strip },
	{ "conf_err_digits", err_digits },
	{ "conf_err_timeout", err_timeout },
	{ "conf_session_timer", session_timer_key },
	{ "conf_forward", forward_keys },
	{ "conf_named_lists", named_lists },
	{ "conf_err_too_long", err_too_long },
	{ "conf_err_include", err_include },
	{ "conf_echo_keys", echo_keys },
	{ "conf_zone", zone_keys },
	{ "conf_trusted", trusted },
	{ "conf_trusted_any", trusted_any },
	{ "conf_supervision", supervision_keys },
	{ "conf_fxo_dial", fxo_dial_keys },
	{ "conf_card_port", card_port_keys },
	{ "conf_trunks", trunk_keys },
	{ "conf_route_lists", route_lists },
	{ "conf_trunk_accounts", trunk_accounts },
	{ "conf_disa", disa_keys },
	{ NULL, NULL },
};
