// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_conf: gateway/conf. The shipped configs load with the expected
 * values; each class of error names the right file, line and key; the
 * trusted-source check matches IPv4, IPv6 and IPv4-mapped addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsp/codec.h"
#include "gateway/conf.h"
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

const struct gw_test_case gw_test_cases_conf[] = {
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
	{ "conf_err_too_long", err_too_long },
	{ "conf_err_include", err_include },
	{ "conf_echo_keys", echo_keys },
	{ "conf_zone", zone_keys },
	{ "conf_trusted", trusted },
	{ "conf_trusted_any", trusted_any },
	{ "conf_supervision", supervision_keys },
	{ NULL, NULL },
};
