// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_route: gateway/route. The dial plans are built in memory (not
 * parsed) so that these cases test the lookup alone.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "gateway/fwd.h"
#include "gateway/route.h"
#include "gateway/routeact.h"
#include "tests/test.h"

static struct gw_conf *plan(void)
{
	struct gw_conf *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	return c;
}

static void port(struct gw_conf *c, const char *name, int channel,
		 enum gw_conf_port_type type, const char *extension)
{
	struct gw_conf_port *p = &c->ports[c->nports++];

	strcpy(p->name, name);
	p->channel = channel;
	p->type = type;
	strcpy(p->extension, extension);
}

/* `to`: "fxo", "fxs", "fxo:NAME", "fxs:NAME" or a URI, as in the file. */
static struct gw_conf_route *route(struct gw_conf *c,
				   enum gw_conf_route_from from,
				   const char *prefix, int strip,
				   const char *prepend, const char *to)
{
	struct gw_conf_route *r = &c->routes[c->nroutes++];

	memset(r, 0, sizeof(*r));
	r->from = from;
	strcpy(r->prefix, prefix);
	r->strip = strip;
	strcpy(r->prepend, prepend);
	r->line = c->nroutes;
	if (strncmp(to, "sip:", 4) == 0) {
		r->to = GW_ROUTE_TO_URI;
		strcpy(r->uri, to);
	} else {
		r->to = strncmp(to, "fxo", 3) == 0 ? GW_ROUTE_TO_FXO
						   : GW_ROUTE_TO_FXS;
		if (to[3] == ':')
			strcpy(r->port_name, to + 4);
	}
	return r;
}

/* The same with a pattern or a regex instead of the prefix. */
static struct gw_conf_route *route_pat(struct gw_conf *c,
				       enum gw_conf_route_from from,
				       const char *pattern, const char *to)
{
	struct gw_conf_route *r = route(c, from, "", 0, "", to);

	strcpy(r->pattern, pattern);
	return r;
}

static struct gw_conf_route *route_re(struct gw_conf *c,
				      enum gw_conf_route_from from,
				      const char *regex, const char *to)
{
	struct gw_conf_route *r = route(c, from, "", 0, "", to);
	PCRE2_SIZE off;
	int err;

	strcpy(r->regex, regex);
	r->regex_code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED,
				      PCRE2_ANCHORED, &err, &off, NULL);
	if (!r->regex_code)
		abort();
	return r;
}

static struct gw_conf *demo_plan(void)
{
	struct gw_conf *c = plan();

	port(c, "fxs1", 1, GW_CONF_PORT_FXS, "201");
	port(c, "fxs2", 2, GW_CONF_PORT_FXS, "202");
	port(c, "fxo1", 3, GW_CONF_PORT_FXO, "");
	port(c, "fxo2", 4, GW_CONF_PORT_FXO, "");
	route(c, GW_ROUTE_FROM_SIP, "9", 1, "", "fxo");
	route(c, GW_ROUTE_FROM_SIP, "2", 0, "", "fxs");
	route(c, GW_ROUTE_FROM_FXS, "", 0, "", "sip:${number}@127.0.0.1:5070");
	return c;
}

/* Asterisk-style patterns: matches, "more digits could match", checks. */
static int patterns(void)
{
	static const struct {
		const char *pat, *s;
		bool match, more;
	} t[] = {
		{ "_9NXXNXXXXXX", "92125551234", true, false },
		{ "_9NXXNXXXXXX", "9212555", false, true },
		{ "_9NXXNXXXXXX", "91125551234", false, false }, /* N: 2-9 */
		{ "_9NXXNXXXXXX", "921255512345", false, false },
		{ "_X.", "1", false, true },
		{ "_X.", "12", true, true },
		{ "_X!", "1", true, true },
		{ "_ZXX", "011", false, false },
		{ "_[1-35]XX", "301", true, false },
		{ "_[1-35]XX", "401", false, false },
		{ "_[1-35]XX", "5", false, true },
		{ "_[0,8]XX", "800", true, false },
		{ "_*XX#", "*72#", true, false },
		{ "112", "112", true, false },
		{ "112", "11", false, true },
		{ "112", "1120", false, false },
		{ "_00.", "0044", true, true },
	};
	static const char *const bad[] = { "", "_", "_9Y", "_[]", "_[1-",
					   "_.X", "12a", "_[a]" };
	char why[96];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool more = !t[i].more;

		TEST_EQ_INT(gw_route_pattern_check(t[i].pat, why,
						   sizeof(why)), 0);
		TEST_EQ_INT(gw_route_pattern_match(t[i].pat, t[i].s, &more),
			    t[i].match);
		TEST_EQ_INT(more, t[i].more);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TEST_EQ_INT(gw_route_pattern_check(bad[i], why, sizeof(why)),
			    -EINVAL);
		printf("  pattern \"%s\": %s\n", bad[i], why);
	}
	return 0;
}

/* Lookup with pattern and regex routes, in file order. */
static int pattern_routes(void)
{
	struct gw_conf *c = plan();
	struct gw_route_result res;

	route_pat(c, GW_ROUTE_FROM_FXS, "_1XX", "sip:short-${number}@h");
	route_re(c, GW_ROUTE_FROM_FXS, "0[1-9][0-9]{8}", "sip:nat-${number}@h");
	route_pat(c, GW_ROUTE_FROM_FXS, "_X.", "sip:any-${number}@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "123", &res), 0);
	TEST_EQ_STR(res.uri, "sip:short-123@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "0301234567", &res),
		    0);
	TEST_EQ_STR(res.uri, "sip:nat-0301234567@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "1234", &res), 0);
	TEST_EQ_STR(res.uri, "sip:any-1234@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "030123456", &res),
		    0); /* one digit short of the regex: the catch-all */
	TEST_EQ_STR(res.uri, "sip:any-030123456@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "123", &res),
		    -ENOENT);
	pcre2_code_free(c->routes[1].regex_code);
	free(c);
	return 0;
}

/* Digit collection: dial at once, wait, or reject. */
static int collect(void)
{
	struct gw_conf *c = plan();

	route_pat(c, GW_ROUTE_FROM_FXS, "_2XX", "fxs");
	route_pat(c, GW_ROUTE_FROM_FXS, "112", "sip:sos@h");
	route_re(c, GW_ROUTE_FROM_FXS, "9[2-9][0-9]{6}", "fxo");
	route_pat(c, GW_ROUTE_FROM_SIP, "_X.", "fxo");
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "2"),
		    GW_ROUTE_MORE);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "201"),
		    GW_ROUTE_COMPLETE);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "11"),
		    GW_ROUTE_MORE);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "112"),
		    GW_ROUTE_COMPLETE);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "113"),
		    GW_ROUTE_NOMATCH);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "9555"),
		    GW_ROUTE_MORE);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "95551234"),
		    GW_ROUTE_COMPLETE);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "91"),
		    GW_ROUTE_NOMATCH);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "5"),
		    GW_ROUTE_NOMATCH);
	/* an earlier route that may still match with more digits wins */
	route_pat(c, GW_ROUTE_FROM_FXS, "_X!", "sip:x@h");
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "5"),
		    GW_ROUTE_MORE);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "11"),
		    GW_ROUTE_MORE);
	/* a prefix takes any longer number: never complete */
	c->nroutes = 0;
	route(c, GW_ROUTE_FROM_FXS, "", 0, "", "sip:${number}@h");
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "5551234"),
		    GW_ROUTE_MORE);
	/* ... but one it does not start: no match, reject at once (DISA's
	 * number collection, gateway/disa.h, uses the same) */
	c->nroutes = 0;
	route(c, GW_ROUTE_FROM_DISA, "9", 1, "", "fxo");
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_DISA, "6"),
		    GW_ROUTE_NOMATCH);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_DISA, "91"),
		    GW_ROUTE_MORE);
	TEST_EQ_INT(gw_route_collect(c, GW_ROUTE_FROM_FXS, "91"),
		    GW_ROUTE_NOMATCH);
	pcre2_code_free(c->routes[2].regex_code); /* set before the reset */
	free(c);
	return 0;
}

/* Seconds since the epoch of a UTC date and time. */
static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi };

	return timegm(&tm);
}

/* Time conditions: office hours in Berlin, a holiday, a night shift. */
static int time_conditions(void)
{
	struct gw_conf *c = plan();
	struct gw_conf_route *r;
	struct gw_route_result res;
	char buf[2048];

	/* 1: Christmas (any year), 2: weekdays 08-18 Berlin, 3: the night */
	r = route(c, GW_ROUTE_FROM_SIP, "", 0, "", "sip:closed@h");
	strcpy(r->dates, "12-24..12-26");
	r->date_from = 1224;
	r->date_to = 1226;
	r = route(c, GW_ROUTE_FROM_SIP, "", 0, "", "sip:office@h");
	strcpy(r->days, "mon-fri");
	r->day_mask = 0x3e;
	strcpy(r->hours, "08:00-18:00");
	r->min_from = 8 * 60;
	r->min_to = 18 * 60;
	strcpy(r->timezone, "Europe/Berlin");
	r = route(c, GW_ROUTE_FROM_SIP, "", 0, "", "sip:night@h");
	strcpy(r->hours, "22:00-06:00");
	r->min_from = 22 * 60;
	r->min_to = 6 * 60;
	r->day_mask = 0;
	route(c, GW_ROUTE_FROM_SIP, "", 0, "", "sip:other@h");
	/* the system's zone is UTC here (TZ below), the office's Berlin */
	const char *uri[6] = { "sip:office@h", "sip:other@h", "sip:night@h",
			       "sip:night@h", "sip:closed@h", "sip:other@h" };
	time_t when[6] = {
		utc(2026, 11, 24, 7, 30),  /* Tue 08:30 in Berlin (CET) */
		utc(2026, 11, 24, 17, 30), /* 18:30 in Berlin: closed */
		utc(2026, 11, 24, 23, 0),  /* the night, in UTC */
		utc(2026, 11, 25, 5, 59),
		utc(2026, 12, 25, 9, 0),   /* Christmas */
		utc(2026, 11, 28, 9, 0),   /* Saturday */
	};
	setenv("TZ", "UTC", 1);
	tzset();
	for (int i = 0; i < 6; i++) {
		TEST_EQ_INT(gw_route_lookup_at(c, GW_ROUTE_FROM_SIP, "1",
					       when[i], &res), 0);
		printf("  %d: %s\n", i, res.uri);
		TEST_EQ_STR(res.uri, uri[i]);
	}
	TEST_EQ_INT(gw_route_explain(c, GW_ROUTE_FROM_SIP, "1", when[1], buf,
				     sizeof(buf)), 0);
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "skipped: not now (days mon-fri hours "
				"08:00-18:00 Europe/Berlin)"));
	TEST_ASSERT(strstr(buf, "skipped: not now (dates 12-24..12-26)"));
	unsetenv("TZ");
	tzset();
	free(c);
	return 0;
}

/*
 * Time conditions across the daylight-saving changes of 2026: the same
 * UTC instant falls inside Berlin's office hours on one side of a change
 * and outside on the other; New York's changes fall on other dates.
 */
static int time_dst(void)
{
	struct gw_conf *c = plan();
	struct gw_conf_route *r;
	struct gw_route_result res;
	static const struct {
		const char *num;
		int y, mo, d, h, mi;
		const char *uri;
		const char *why;
	} cases[] = {
#define B "4930123456"
#define NY "12125550100"
		{ B, 2026, 3, 27, 6, 30, "sip:other@h", "Fri 07:30 CET" },
		{ B, 2026, 3, 30, 6, 30, "sip:berlin@h", "Mon 08:30 CEST" },
		{ B, 2026, 3, 27, 16, 30, "sip:berlin@h", "Fri 17:30 CET" },
		{ B, 2026, 3, 30, 16, 30, "sip:other@h", "Mon 18:30 CEST" },
		{ B, 2026, 10, 23, 16, 30, "sip:other@h", "Fri 18:30 CEST" },
		{ B, 2026, 10, 26, 16, 30, "sip:berlin@h", "Mon 17:30 CET" },
		{ B, 2026, 10, 23, 6, 30, "sip:berlin@h", "Fri 08:30 CEST" },
		{ B, 2026, 10, 26, 6, 30, "sip:other@h", "Mon 07:30 CET" },
		/* the nights Berlin changes: 22:00-06:00 local */
		{ B, 2026, 3, 29, 1, 30, "sip:night@h", "Sun 03:30 CEST" },
		{ B, 2026, 3, 29, 4, 30, "sip:other@h", "Sun 06:30 CEST" },
		{ B, 2026, 10, 25, 4, 30, "sip:night@h", "Sun 05:30 CET" },
		/* New York: EDT from 8 March, EST from 1 November */
		{ NY, 2026, 3, 6, 13, 30, "sip:ny@h", "Fri 08:30 EST" },
		{ NY, 2026, 3, 9, 12, 30, "sip:ny@h", "Mon 08:30 EDT" },
		{ NY, 2026, 3, 9, 22, 30, "sip:other@h", "Mon 18:30 EDT" },
		{ NY, 2026, 3, 6, 12, 30, "sip:other@h", "Fri 07:30 EST" },
		{ NY, 2026, 11, 2, 22, 30, "sip:ny@h", "Mon 17:30 EST" },
		{ NY, 2026, 10, 30, 22, 30, "sip:other@h", "Fri 18:30 EDT" },
#undef B
#undef NY
	};

	r = route(c, GW_ROUTE_FROM_SIP, "49", 0, "", "sip:berlin@h");
	strcpy(r->days, "mon-fri");
	r->day_mask = 0x3e;
	strcpy(r->hours, "08:00-18:00");
	r->min_from = 8 * 60;
	r->min_to = 18 * 60;
	strcpy(r->timezone, "Europe/Berlin");
	r = route(c, GW_ROUTE_FROM_SIP, "1", 0, "", "sip:ny@h");
	strcpy(r->days, "mon-fri");
	r->day_mask = 0x3e;
	strcpy(r->hours, "08:00-18:00");
	r->min_from = 8 * 60;
	r->min_to = 18 * 60;
	strcpy(r->timezone, "America/New_York");
	r = route(c, GW_ROUTE_FROM_SIP, "49", 0, "", "sip:night@h");
	strcpy(r->hours, "22:00-06:00");
	r->min_from = 22 * 60;
	r->min_to = 6 * 60;
	strcpy(r->timezone, "Europe/Berlin");
	route(c, GW_ROUTE_FROM_SIP, "", 0, "", "sip:other@h");
	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_t t = utc(cases[i].y, cases[i].mo, cases[i].d, cases[i].h,
			       cases[i].mi);

		TEST_EQ_INT(gw_route_lookup_at(c, GW_ROUTE_FROM_SIP, cases[i].num, t,
					       &res), 0);
		printf("  %s at %04d-%02d-%02d %02d:%02d UTC (%s): %s\n",
		       cases[i].num, cases[i].y, cases[i].mo, cases[i].d, cases[i].h,
		       cases[i].mi, cases[i].why, res.uri);
		TEST_EQ_STR(res.uri, cases[i].uri);
	}
	unsetenv("TZ");
	tzset();
	free(c);
	return 0;
}

/* copperctl route test: every route tried, and the outcome. */
static int explain(void)
{
	struct gw_conf *c = plan();
	char buf[2048];

	port(c, "fxo1", 3, GW_CONF_PORT_FXO, "");
	route(c, GW_ROUTE_FROM_SIP, "9", 1, "", "fxo");
	route_pat(c, GW_ROUTE_FROM_FXS, "_2XX", "fxs");
	route(c, GW_ROUTE_FROM_FXS, "", 0, "", "sip:${number}@pbx");
	TEST_EQ_INT(gw_route_explain(c, GW_ROUTE_FROM_FXS, "20", 0, buf,
				     sizeof(buf)), 0);
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "route 0 (line 1, from sip, prefix 9): "
				"skipped: not from fxs\n"));
	TEST_ASSERT(strstr(buf, "route 1 (line 2, from fxs, pattern _2XX): "
				"no match (yet: more digits could)\n"));
	TEST_ASSERT(strstr(buf, "route 2 (line 3, from fxs, any number): "
				"matches\nresult: number 20 -> SIP sip:20@pbx"));
	TEST_ASSERT(strstr(buf, "waits for more digits"));
	TEST_EQ_INT(gw_route_explain(c, GW_ROUTE_FROM_SIP, "90301", 0, buf,
				     sizeof(buf)), 0);
	TEST_ASSERT(strstr(buf, "result: number 0301 -> any idle FXO line"));
	TEST_EQ_INT(gw_route_explain(c, GW_ROUTE_FROM_FXO, "1", 0, buf,
				     sizeof(buf)), -ENOENT);
	TEST_ASSERT(strstr(buf, "result: no route"));
	TEST_EQ_INT(gw_route_explain(c, GW_ROUTE_FROM_SIP, "12a", 0, buf,
				     sizeof(buf)), -EINVAL);
	TEST_ASSERT(strstr(buf, "error: '12a'"));
	free(c);
	return 0;
}

static int demo(void)
{
	struct gw_conf *c = demo_plan();
	struct gw_route_result res;

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "90301234", &res),
		    0);
	TEST_ASSERT(res.route == &c->routes[0]);
	TEST_EQ_STR(res.number, "0301234");
	TEST_ASSERT(!res.port);

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "202", &res), 0);
	TEST_ASSERT(res.route == &c->routes[1]);
	TEST_EQ_STR(res.number, "202");
	TEST_ASSERT(res.port == &c->ports[1]);

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "100", &res), 0);
	TEST_ASSERT(res.route == &c->routes[2]);
	TEST_EQ_STR(res.uri, "sip:100@127.0.0.1:5070");
	TEST_ASSERT(!res.port);
	free(c);
	return 0;
}

/* Routes are tried in file order and the first match wins. */
static int first_match(void)
{
	struct gw_conf *c = plan();
	struct gw_route_result res;

	route(c, GW_ROUTE_FROM_SIP, "123", 0, "", "sip:a@h");
	route(c, GW_ROUTE_FROM_SIP, "12", 0, "", "sip:b@h");
	route(c, GW_ROUTE_FROM_SIP, "1", 0, "", "sip:c@h");
	route(c, GW_ROUTE_FROM_SIP, "", 0, "", "sip:d@h");
	route(c, GW_ROUTE_FROM_SIP, "1", 0, "", "sip:never@h");

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "1234", &res), 0);
	TEST_EQ_STR(res.uri, "sip:a@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "123", &res), 0);
	TEST_EQ_STR(res.uri, "sip:a@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "129", &res), 0);
	TEST_EQ_STR(res.uri, "sip:b@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "19", &res), 0);
	TEST_EQ_STR(res.uri, "sip:c@h");
	TEST_ASSERT(res.route == &c->routes[2]);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "2", &res), 0);
	TEST_EQ_STR(res.uri, "sip:d@h");
	/* a prefix longer than the number does not match */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "12", &res), 0);
	TEST_EQ_STR(res.uri, "sip:b@h");

	/* order, not specificity: a catch-all first shadows the rest */
	c->nroutes = 0;
	route(c, GW_ROUTE_FROM_SIP, "", 0, "", "sip:all@h");
	route(c, GW_ROUTE_FROM_SIP, "5", 0, "", "sip:five@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "55", &res), 0);
	TEST_EQ_STR(res.uri, "sip:all@h");
	free(c);
	return 0;
}

static int from_filter(void)
{
	struct gw_conf *c = plan();
	struct gw_route_result res;

	route(c, GW_ROUTE_FROM_FXS, "1", 0, "", "sip:fxs@h");
	route(c, GW_ROUTE_FROM_FXO, "1", 0, "", "sip:fxo@h");
	route(c, GW_ROUTE_FROM_ANY, "1", 0, "", "sip:any@h");
	route(c, GW_ROUTE_FROM_SIP, "1", 0, "", "sip:sip@h");
	route(c, GW_ROUTE_FROM_SIP, "2", 0, "", "sip:sip2@h");

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "1", &res), 0);
	TEST_EQ_STR(res.uri, "sip:fxs@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXO, "1", &res), 0);
	TEST_EQ_STR(res.uri, "sip:fxo@h");
	/* "any" comes before the sip-only route: it wins for SIP too */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "1", &res), 0);
	TEST_EQ_STR(res.uri, "sip:any@h");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "2", &res), 0);
	TEST_EQ_STR(res.uri, "sip:sip2@h");
	/* a sip-only route is not reachable from a phone or a line */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "2", &res), -ENOENT);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXO, "2", &res), -ENOENT);
	/* the query names a real source */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_ANY, "1", &res), -EINVAL);
	free(c);
	return 0;
}

static int rewrite(void)
{
	struct gw_conf *c = plan();
	struct gw_route_result res;

	route(c, GW_ROUTE_FROM_SIP, "00", 2, "+", "fxo");
	route(c, GW_ROUTE_FROM_SIP, "0", 1, "+49", "fxo");
	route(c, GW_ROUTE_FROM_SIP, "7", 0, "0", "fxo");
	route(c, GW_ROUTE_FROM_SIP, "8", 5, "", "fxo");
	route(c, GW_ROUTE_FROM_SIP, "6", 63, "100", "fxo");
	route(c, GW_ROUTE_FROM_SIP, "8", 0, "", "sip:eight@h");

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "0033123", &res), 0);
	TEST_EQ_STR(res.number, "+33123");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "030123", &res), 0);
	TEST_EQ_STR(res.number, "+4930123");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "7123", &res), 0);
	TEST_EQ_STR(res.number, "07123");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "8123456", &res), 0);
	TEST_EQ_STR(res.number, "56");
	TEST_ASSERT(res.route == &c->routes[3]);
	/* strip all, prepend: a hotline */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "6", &res), 0);
	TEST_EQ_STR(res.number, "100");
	/* strip leaves nothing and nothing is prepended: next route */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "812", &res), 0);
	TEST_ASSERT(res.route == &c->routes[5]);
	TEST_EQ_STR(res.number, "812");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "81234", &res), 0);
	TEST_ASSERT(res.route == &c->routes[5]);
	/* a rewritten number that does not fit */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP,
				    "0123456789012345678901234567890123456789"
				    "0123456789012345678901",
				    &res),
		    -ENAMETOOLONG);
	free(c);
	return 0;
}

static int uri(void)
{
	struct gw_conf *c = plan();
	struct gw_route_result res;
	char big[300];
	int n;

	route(c, GW_ROUTE_FROM_FXS, "1", 0, "",
	      "sip:${number}@h;user=phone?X-N=${number}&Y=${number}");
	route(c, GW_ROUTE_FROM_FXS, "2", 1, "", "sip:fixed@h");
	route(c, GW_ROUTE_FROM_FXS, "3", 0, "", "sip:$number${number}$");
	memset(big, 'a', sizeof(big));
	n = snprintf(big, sizeof(big), "sip:");
	memcpy(big + n, "${number}${number}${number}", 27);
	big[255] = '\0';
	route(c, GW_ROUTE_FROM_FXS, "4", 0, "", big);

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "123", &res), 0);
	TEST_EQ_STR(res.uri, "sip:123@h;user=phone?X-N=123&Y=123");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "234", &res), 0);
	TEST_EQ_STR(res.uri, "sip:fixed@h");
	TEST_EQ_STR(res.number, "34");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "3#", &res), 0);
	TEST_EQ_STR(res.uri, "sip:$number3#$");
	/* 228 + 3 * 10 characters fit in 511 */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "4123456789", &res),
		    0);
	TEST_EQ_INT(strlen(res.uri), 255 - 27 + 30);
	TEST_ASSERT(strncmp(res.uri, "sip:412345678941234567894123456789aaa",
			    37) == 0);
	/* 228 + 3 * 63 = 417 fits; a 511-byte template would not */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS,
				    "4000000000000000000000000000000000000000"
				    "00000000000000000000000",
				    &res),
		    0);
	TEST_EQ_INT(strlen(res.uri), 255 - 27 + 3 * 63);
	free(c);
	return 0;
}

/* A URI that no longer fits after substitution is an error. */
static int uri_too_long(void)
{
	struct gw_conf *c = plan();
	struct gw_route_result res = { .number = "untouched" };
	char tmpl[256];
	int n;

	n = snprintf(tmpl, sizeof(tmpl), "sip:");
	while (n + 9 < (int)sizeof(tmpl))
		n += snprintf(tmpl + n, sizeof(tmpl) - (size_t)n, "${number}");
	route(c, GW_ROUTE_FROM_FXS, "", 0, "", tmpl);
	/* 27 occurrences: 27 * 18 + 4 = 490 fits, 27 * 19 + 4 = 517 not */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS,
				    "123456789012345678", &res),
		    0);
	TEST_EQ_INT(strlen(res.uri), 490);
	memset(&res, 0, sizeof(res));
	strcpy(res.number, "untouched");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS,
				    "1234567890123456789", &res),
		    -ENAMETOOLONG);
	TEST_EQ_STR(res.number, "untouched");
	free(c);
	return 0;
}

static int no_match(void)
{
	struct gw_conf *c = demo_plan();
	struct gw_route_result res;

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "5", &res), -ENOENT);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "", &res), -ENOENT);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXO, "201", &res),
		    -ENOENT);
	/* "9" alone strips to nothing: no route places that call */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "9", &res), -ENOENT);
	/* an empty plan */
	c->nroutes = 0;
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "1", &res), -ENOENT);
	free(c);
	return 0;
}

static int bad_number(void)
{
	struct gw_conf *c = demo_plan();
	struct gw_route_result res;
	char longnum[65];

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "12a", &res),
		    -EINVAL);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "1 2", &res),
		    -EINVAL);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "1@h", &res),
		    -EINVAL);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, NULL, &res),
		    -EINVAL);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "1", NULL), -EINVAL);
	memset(longnum, '1', 64);
	longnum[64] = '\0';
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, longnum, &res),
		    -EINVAL);
	longnum[63] = '\0';
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, longnum, &res), 0);
	TEST_EQ_STR(res.number, longnum);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "*#+0", &res), 0);
	TEST_EQ_STR(res.uri, "sip:*#+0@127.0.0.1:5070");
	free(c);
	return 0;
}

static int port_targets(void)
{
	struct gw_conf *c = demo_plan();
	struct gw_route_result res;

	c->nroutes = 0;
	route(c, GW_ROUTE_FROM_SIP, "0", 0, "", "fxo:fxo2");
	route(c, GW_ROUTE_FROM_SIP, "100", 0, "", "fxs:fxs2");
	route(c, GW_ROUTE_FROM_SIP, "2", 0, "", "fxs");
	route(c, GW_ROUTE_FROM_FXO, "", 0, "", "fxs:fxs1");

	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "0301", &res), 0);
	TEST_EQ_INT(res.route->to, GW_ROUTE_TO_FXO);
	TEST_ASSERT(res.port == &c->ports[3]);
	TEST_EQ_STR(res.number, "0301");
	/* fxs:NAME rings that phone whatever the number */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "100", &res), 0);
	TEST_ASSERT(res.port == &c->ports[1]);
	/* plain fxs: the phone whose extension is the number */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "201", &res), 0);
	TEST_ASSERT(res.port == &c->ports[0]);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "202", &res), 0);
	TEST_ASSERT(res.port == &c->ports[1]);
	/* no such extension: the route matched, no port */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "299", &res), 0);
	TEST_ASSERT(res.route == &c->routes[2]);
	TEST_ASSERT(!res.port);
	/* a line call with caller ID rings fxs1 */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXO, "5551234", &res),
		    0);
	TEST_ASSERT(res.port == &c->ports[0]);
	free(c);
	return 0;
}

/* ---- actions (gateway/routeact.h): parsed, as a user writes them ---- */

static struct gw_conf *load_plan(const char *text)
{
	char path[] = "/tmp/gwrouteXXXXXX", err[256] = "";
	struct gw_conf *c = NULL;
	int fd = mkstemp(path);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		abort();
	close(fd);
	if (gw_conf_load(&c, path, err, sizeof(err)) < 0)
		fprintf(stderr, "load_plan: %s\n", err);
	unlink(path);
	return c;
}

#define ACT_PORTS                                                              \
	"card = { driver = \"sim\"; };\n"                                      \
	"ports = ( { name = \"fxs1\"; channel = 1; type = \"fxs\";"            \
	" extension = \"201\"; },\n"                                           \
	" { name = \"fxs2\"; channel = 2; type = \"fxs\";"                     \
	" extension = \"202\"; },\n"                                           \
	" { name = \"fxo1\"; channel = 3; type = \"fxo\"; },\n"                \
	" { name = \"fxo2\"; channel = 4; type = \"fxo\"; },\n"                \
	" { name = \"fxo3\"; channel = 5; type = \"fxo\"; } );\n"

static int act_rewrite(void)
{
	struct gw_conf *c = load_plan(ACT_PORTS
		"routes = (\n"
		/* s/// then strip, prepend */
		" { from = \"fxs\"; prefix = \"00\"; rewrite = \"s/^00/+/\";"
		" to = \"sip:${number}@127.0.0.1:5070\"; },\n"
		" { from = \"fxs\"; prefix = \"*\"; rewrite = \"s/\\\\*/#/g\";"
		" strip = 1; prepend = \"9\"; to = \"sip:${number}@h\"; },\n"
		/* regex + replace: groups */
		" { from = \"sip\"; regex = \"0([1-9])([0-9]+)\";"
		" replace = \"\\\\2\\\\1\"; to = \"fxo\"; },\n"
		/* a result that is not a number skips the route */
		" { from = \"sip\"; prefix = \"7\"; rewrite = \"s/7/x/\";"
		" to = \"fxo\"; },\n"
		" { from = \"sip\"; prefix = \"7\"; to = \"fxo:fxo2\"; } );\n");
	struct gw_route_result res;
	char buf[2048];

	TEST_ASSERT(c);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "0049301234", &res),
		    0);
	TEST_EQ_STR(res.number, "+49301234");
	TEST_EQ_STR(res.uri, "sip:+49301234@127.0.0.1:5070");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "*1*2", &res), 0);
	TEST_EQ_STR(res.number, "91#2"); /* #1#2, strip 1, prepend 9 */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "012345", &res), 0);
	TEST_EQ_STR(res.number, "23451");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "712", &res), 0);
	TEST_ASSERT(res.route == &c->routes[4]);
	TEST_EQ_STR(res.number, "712");
	gw_route_explain(c, GW_ROUTE_FROM_FXS, "0049301234", 0, buf,
			 sizeof(buf));
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "rewrite: s/^00/+/\n"));
	TEST_ASSERT(strstr(buf, "result: number +49301234 -> SIP "
				"sip:+49301234@127.0.0.1:5070"));
	gw_conf_free(c);
	return 0;
}

static int act_caller_reject(void)
{
	struct gw_conf *c = load_plan(ACT_PORTS
		"routes = (\n"
		" { from = \"any\"; prefix = \"1900\"; reject = 403; },\n"
		" { from = \"sip\"; prefix = \"55\"; reject = \"busy\"; },\n"
		" { from = \"fxs\"; prefix = \"\"; caller_number = \"+4930111\";"
		" caller_name = \"Office\"; to = \"sip:${number}@h\"; } );\n");
	struct gw_route_result res;
	char buf[2048];

	TEST_ASSERT(c);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "1900123", &res), 0);
	TEST_EQ_INT(gw_routeact_reject(res.route), 403);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "1900123", &res), 0);
	TEST_EQ_INT(gw_routeact_reject(res.route), 403);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "5512", &res), 0);
	TEST_EQ_INT(gw_routeact_reject(res.route), 486);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "5512", &res), 0);
	TEST_EQ_INT(gw_routeact_reject(res.route), 0);
	TEST_EQ_STR(gw_routeact_caller_number(res.route), "+4930111");
	TEST_EQ_STR(gw_routeact_caller_name(res.route), "Office");
	TEST_EQ_STR(gw_routeact_caller_number(&c->routes[0]), "");
	gw_route_explain(c, GW_ROUTE_FROM_SIP, "1900123", 0, buf,
			 sizeof(buf));
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "result: rejected with 403 (Reason: "
				"Q.850;cause=21;"));
	gw_route_explain(c, GW_ROUTE_FROM_SIP, "5512", 0, buf, sizeof(buf));
	TEST_ASSERT(strstr(buf, "result: rejected with 486 (Reason: "
				"Q.850;cause=17;"));
	gw_route_explain(c, GW_ROUTE_FROM_FXS, "5512", 0, buf, sizeof(buf));
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "caller ID: \"Office\" +4930111\n"));
	gw_conf_free(c);
	return 0;
}

/* redirect = URI: 302 from SIP (gateway/fwd.h); errors. */
static int act_redirect(void)
{
	struct gw_conf *c = load_plan(ACT_PORTS
		"routes = (\n"
		" { from = \"any\"; prefix = \"55\"; strip = 2;"
		" redirect = \"sip:${number}@192.0.2.9:5070\"; },\n"
		" { from = \"sip\"; prefix = \"2\"; to = \"fxs\"; } );\n");
	struct gw_route_result res;
	char buf[2048];

	TEST_ASSERT(c);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "551234", &res), 0);
	TEST_ASSERT(gw_routeact_redirect(res.route));
	TEST_EQ_INT(res.route->to, GW_ROUTE_TO_URI);
	TEST_EQ_STR(res.uri, "sip:1234@192.0.2.9:5070");
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "201", &res), 0);
	TEST_ASSERT(!gw_routeact_redirect(res.route));
	gw_route_explain(c, GW_ROUTE_FROM_SIP, "551234", 0, buf, sizeof(buf));
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "result: 302 Moved Temporarily, Contact "
				"<sip:1234@192.0.2.9:5070>, Diversion "
				"reason=unconditional\n"));
	/* a phone cannot follow a 302: its call goes to the URI */
	gw_route_explain(c, GW_ROUTE_FROM_FXS, "551234", 0, buf, sizeof(buf));
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "a phone's call goes to the URI"));
	TEST_ASSERT(strstr(buf, "result: number 1234 -> SIP "
				"sip:1234@192.0.2.9:5070\n"));
	gw_conf_free(c);
	/* errors: not a URI, with to, with reject, a bad variable */
	static const char *const bad[] = {
		"redirect = \"fxo\";",
		"redirect = \"sip:a@b\"; to = \"fxo\";",
		"redirect = \"sip:a@b\"; reject = 403;",
		"redirect = \"sip:${num}@b\";",
		"redirect = 302;",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512];

		snprintf(text, sizeof(text), ACT_PORTS "routes = ( { from = "
			 "\"sip\"; %s } );\n", bad[i]);
		c = load_plan(text);
		TEST_ASSERT(c == NULL);
	}
	return 0;
}

/* Diversion / History-Info (gateway/fwd.h). */
static int fwd_headers(void)
{
	char buf[1024], user[32];
	int hops;

	TEST_ASSERT(gw_fwd_headers(buf, sizeof(buf), GW_FWD_HDR_DIVERSION,
				   "201", "192.0.2.1:5060", GW_FWD_BUSY, 2,
				   "Diversion: <sip:9@x>;counter=1",
				   "sip:300@h") > 0);
	TEST_EQ_STR(buf, "Diversion: <sip:201@192.0.2.1:5060>;reason="
			 "user-busy;counter=2\r\nDiversion: <sip:9@x>;"
			 "counter=1");
	TEST_ASSERT(gw_fwd_headers(buf, sizeof(buf), GW_FWD_HDR_HISTORY,
				   "201", "h:1", GW_FWD_NOANSWER, 1, "",
				   "sip:300@h") > 0);
	TEST_EQ_STR(buf, "History-Info: <sip:201@h:1?Reason=SIP%3Bcause%3D"
			 "408>;index=1,<sip:300@h;cause=408>;index=1.1;mp=1");
	TEST_ASSERT(gw_fwd_headers(buf, sizeof(buf), GW_FWD_HDR_BOTH, "201",
				   "h:1", GW_FWD_ALWAYS, 1, "", "sip:3@h") > 0);
	TEST_ASSERT(strstr(buf, "reason=unconditional;counter=1\r\n"
				"History-Info: "));
	TEST_EQ_INT(gw_fwd_headers(buf, sizeof(buf), GW_FWD_HDR_NONE, "201",
				   "h:1", GW_FWD_ALWAYS, 1, "", "sip:3@h"), 0);
	TEST_EQ_STR(buf, "");
	TEST_EQ_INT(gw_fwd_headers(buf, 20, GW_FWD_HDR_DIVERSION, "201",
				   "h:1", GW_FWD_ALWAYS, 1, "", "sip:3@h"),
		    -ENAMETOOLONG);
	/* received: counters, entries, the redirecting number */
	TEST_EQ_INT(gw_fwd_parse("<sip:5551000@a>;reason=user-busy;counter=3",
				 false, &hops, user, sizeof(user)), 1);
	TEST_EQ_INT(hops, 3);
	TEST_EQ_STR(user, "5551000");
	TEST_EQ_INT(gw_fwd_parse("\"A, B\" <sip:1@a>;reason=x, <sip:2@b>",
				 false, &hops, user, sizeof(user)), 2);
	TEST_EQ_INT(hops, 2); /* no counter: one per entry */
	TEST_EQ_STR(user, "1");
	TEST_EQ_INT(gw_fwd_parse("<sip:1@a>;index=1,<sip:2@b;cause=302>;"
				 "index=1.1", true, &hops, user, sizeof(user)),
		    2);
	TEST_EQ_INT(hops, 1);
	TEST_ASSERT(gw_fwd_names("<sip:201@h>;counter=1", "201"));
	TEST_ASSERT(!gw_fwd_names("<sip:2011@h>;counter=1", "201"));
	return 0;
}

static unsigned busy_mask;

static bool idle_port(void *ctx, const char *name)
{
	(void)ctx;
	return !(busy_mask & (1u << (name[3] - '1'))); /* "fxoN" */
}

static int act_hunt(void)
{
	struct gw_conf *c = load_plan(ACT_PORTS
		"groups = (\n"
		" { name = \"lin\"; ports = [ \"fxo1\", \"fxo2\", \"fxo3\" ]; },\n"
		" { name = \"circ\"; ports = [ \"fxo1\", \"fxo2\", \"fxo3\" ];"
		" strategy = \"circular\"; },\n"
		" { name = \"rr\"; ports = [ \"fxo1\", \"fxo2\", \"fxo3\" ];"
		" strategy = \"round-robin\"; },\n"
		" { name = \"phones\"; ports = [ \"fxs2\", \"fxs1\" ];"
		" strategy = \"ring-all\"; } );\n"
		"routes = ( { from = \"sip\"; prefix = \"9\"; strip = 1;"
		" to = \"group:lin\"; },\n"
		" { from = \"sip\"; prefix = \"2\"; to = \"group:phones\"; } );\n");
	struct gw_route_result res;
	struct gw_route_group *g;
	char buf[2048];
	int seq[8];

	TEST_ASSERT(c);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "9123", &res), 0);
	g = gw_routeact_group(c, res.route);
	TEST_ASSERT(g && !strcmp(g->name, "lin"));
	TEST_ASSERT(!res.port);
	TEST_EQ_INT(res.route->to, GW_ROUTE_TO_FXO);
	/* linear: always the first idle one */
	busy_mask = 0;
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 0);
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 0);
	busy_mask = 1;
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 1);
	busy_mask = 7;
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), -EBUSY);
	/* circular: after the last one taken */
	g = &c->groups[1];
	busy_mask = 0;
	for (int i = 0; i < 4; i++)
		seq[i] = gw_routeact_hunt(g, idle_port, NULL);
	TEST_ASSERT(seq[0] == 0 && seq[1] == 1 && seq[2] == 2 && seq[3] == 0);
	busy_mask = 2; /* fxo2 busy: 0 -> 2 */
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 2);
	/* round-robin: the least recently used idle one */
	g = &c->groups[2];
	busy_mask = 0;
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 0);
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 1);
	busy_mask = 4; /* fxo3 busy: fxo1 is the least recently used */
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 0);
	busy_mask = 0; /* fxo3 never used: first */
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 2);
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 1);
	/* an FXS group: the route rings a phone, not the extension */
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "201", &res), 0);
	TEST_EQ_INT(res.route->to, GW_ROUTE_TO_FXS);
	TEST_ASSERT(!res.port);
	g = gw_routeact_group(c, res.route);
	TEST_EQ_STR(g->name, "phones");
	TEST_EQ_INT(g->strategy, GW_GROUP_RING_ALL);
	/* ring-all rings them all (call.c); its first: the first idle */
	busy_mask = 0;
	TEST_EQ_INT(gw_routeact_hunt(g, idle_port, NULL), 0);
	gw_route_explain(c, GW_ROUTE_FROM_SIP, "201", 0, buf, sizeof(buf));
	TEST_ASSERT(strstr(buf, "hunt group phones (ring-all): fxs2 fxs1\n"));
	gw_route_explain(c, GW_ROUTE_FROM_SIP, "9123", 0, buf, sizeof(buf));
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "hunt group lin (linear): fxo1 fxo2 fxo3\n"));
	TEST_ASSERT(strstr(buf, "result: number 123 -> hunt group lin\n"));
	gw_conf_free(c);
	return 0;
}

/* to = [ ... ]: the next target only after the one before (fork.h). */
static int act_chain(void)
{
	struct gw_conf *c = load_plan(ACT_PORTS
		"sip = { registrar = true; users = ( { name = \"alice\";"
		" password = \"pw-alice-1\"; } ); };\n"
		"trunks = ( { name = \"prov\"; proxy = \"sip:10.0.0.1\";"
		" username = \"u\"; password = \"pw\"; } );\n"
		"routes = (\n"
		" { from = \"fxs\"; prefix = \"7\"; ring_timeout_s = 15;"
		" to = [ \"user:alice\", \"trunk:prov\", \"sip:${number}@x\" ]; },\n"
		" { from = \"fxs\"; prefix = \"7\"; to = \"sip:${number}@last\"; },\n"
		" { from = \"sip\"; prefix = \"3\"; strip = 1;"
		" to = [ \"fxs:fxs1\", \"fxo:fxo2\" ]; } );\n");
	struct gw_route_result res;
	char buf[2048];
	int idx;

	TEST_ASSERT(c);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "712", &res), 0);
	TEST_EQ_INT(res.route->to, GW_ROUTE_TO_USER);
	TEST_EQ_STR(res.uri, "user:alice");
	TEST_ASSERT(gw_routeact_failover(res.route));
	/* busy hunts along a list, not at its end */
	TEST_ASSERT(gw_routeact_hunt_status(res.route, 486));
	TEST_ASSERT(gw_routeact_hunt_status(res.route, 480));
	TEST_ASSERT(!gw_routeact_hunt_status(res.route, 603));
	idx = (int)(res.route - c->routes);
	TEST_EQ_INT(gw_route_lookup_next(c, GW_ROUTE_FROM_FXS, "712", idx,
					 &res), 0);
	TEST_EQ_STR(res.uri, "sip:712@10.0.0.1");
	TEST_EQ_INT(res.route->trunk, 1);
	idx = (int)(res.route - c->routes);
	TEST_EQ_INT(gw_route_lookup_next(c, GW_ROUTE_FROM_FXS, "712", idx,
					 &res), 0);
	TEST_EQ_STR(res.uri, "sip:712@x");
	TEST_ASSERT(!gw_routeact_failover(res.route)); /* the list's end */
	TEST_ASSERT(!gw_routeact_hunt_status(res.route, 486));
	TEST_ASSERT(gw_routeact_hunt_status(res.route, 503));
	/* the next route is not the list's: plain lookups skip entries */
	TEST_EQ_INT(gw_route_lookup_next(c, GW_ROUTE_FROM_FXS, "9", 0, &res),
		    -ENOENT);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_SIP, "3201", &res), 0);
	TEST_EQ_STR(res.route->port_name, "fxs1");
	idx = (int)(res.route - c->routes);
	TEST_EQ_INT(gw_route_lookup_next(c, GW_ROUTE_FROM_SIP, "3201", idx,
					 &res), 0);
	TEST_EQ_STR(res.port->name, "fxo2");
	TEST_EQ_INT(gw_route_lookup_next(c, GW_ROUTE_FROM_SIP, "3201",
					 (int)(res.route - c->routes), &res),
		    -ENOENT);
	TEST_EQ_INT(gw_route_explain(c, GW_ROUTE_FROM_FXS, "712", 0, buf,
				     sizeof(buf)), 0);
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "result: number 712 -> every registered "
			   "contact of user alice at once"));
	TEST_ASSERT(strstr(buf, "targets in order (the next on busy, 5xx, "
			   "408, 480 or no answer): 1. user:alice 2. "
			   "trunk:prov 3. sip:${number}@x\n"));
	TEST_ASSERT(strstr(buf, "ring_timeout_s: 15"));
	gw_route_explain(c, GW_ROUTE_FROM_SIP, "3201", 0, buf, sizeof(buf));
	printf("%s", buf);
	/* the list's other entries are not routes of their own */
	TEST_ASSERT(!strstr(buf, "route 1 (line"));
	TEST_ASSERT(strstr(buf, "route 3 (line"));
	TEST_ASSERT(strstr(buf, "1. fxs:fxs1 2. fxo:fxo2\n"));
	gw_conf_free(c);
	return 0;
}

/* RFC 3261 §16.7 step 6: the status a forked call fails with. */
static int fork_best(void)
{
	static const int busy2[] = { 486, 486 }, mixed[] = { 503, 486, 0 },
			 six[] = { 404, 603, 486 }, none[] = { 0, 0 },
			 three[] = { 500, 302, 486 };

	TEST_EQ_INT(gw_routeact_best_status(busy2, 2), 0);
	TEST_EQ_INT(gw_routeact_best_status(mixed, 3), 1); /* the lowest class */
	TEST_EQ_INT(gw_routeact_best_status(six, 3), 1);	/* a 6xx wins */
	TEST_EQ_INT(gw_routeact_best_status(none, 2), -1);
	TEST_EQ_INT(gw_routeact_best_status(three, 3), 1);
	return 0;
}

static int act_failover(void)
{
	struct gw_conf *c = load_plan(ACT_PORTS
		"routes = (\n"
		" { from = \"fxs\"; prefix = \"5\"; failover = true;"
		" max_calls = 3; max_duration_s = 60;"
		" to = \"sip:${number}@a\"; },\n"
		" { from = \"fxs\"; prefix = \"6\"; to = \"sip:${number}@x\"; },\n"
		" { from = \"fxs\"; prefix = \"55\"; failover = true;"
		" prepend = \"0\"; to = \"sip:${number}@b\"; },\n"
		" { from = \"fxs\"; prefix = \"5\"; to = \"sip:${number}@c\"; } );\n");
	struct gw_route_result res;
	char buf[2048];
	int idx;

	TEST_ASSERT(c);
	TEST_EQ_INT(gw_route_lookup(c, GW_ROUTE_FROM_FXS, "5512", &res), 0);
	TEST_EQ_STR(res.uri, "sip:5512@a");
	TEST_ASSERT(gw_routeact_failover(res.route));
	TEST_EQ_INT(gw_routeact_max_calls(res.route), 3);
	TEST_EQ_INT(gw_routeact_max_duration(res.route), 60);
	idx = (int)(res.route - c->routes);
	/* the chain: a -> b (skipping 6) -> c, then the end */
	TEST_EQ_INT(gw_route_lookup_next(c, GW_ROUTE_FROM_FXS, "5512", idx,
					 &res), 0);
	TEST_EQ_STR(res.uri, "sip:05512@b");
	TEST_ASSERT(gw_routeact_failover(res.route));
	idx = (int)(res.route - c->routes);
	TEST_EQ_INT(gw_route_lookup_next(c, GW_ROUTE_FROM_FXS, "5512", idx,
					 &res), 0);
	TEST_EQ_STR(res.uri, "sip:5512@c");
	TEST_ASSERT(!gw_routeact_failover(res.route));
	TEST_EQ_INT(gw_route_lookup_next(c, GW_ROUTE_FROM_FXS, "5512", 3,
					 &res), -ENOENT);
	/* 5xx and 408 fail over; 486, 404 do not */
	TEST_ASSERT(gw_routeact_failover_status(503));
	TEST_ASSERT(gw_routeact_failover_status(500));
	TEST_ASSERT(gw_routeact_failover_status(408));
	TEST_ASSERT(!gw_routeact_failover_status(486));
	TEST_ASSERT(!gw_routeact_failover_status(404));
	TEST_ASSERT(!gw_routeact_failover_status(603));
	gw_route_explain(c, GW_ROUTE_FROM_FXS, "5512", 0, buf, sizeof(buf));
	printf("%s", buf);
	TEST_ASSERT(strstr(buf, "  failover: on 5xx, timeout or all lines "
				"busy the next matching route\n"));
	TEST_ASSERT(strstr(buf, "  at most 3 calls at once\n"));
	TEST_ASSERT(strstr(buf, "  hung up 60 s after the answer\n"));
	gw_conf_free(c);
	return 0;
}

/* reload's report: the same actions, or not */
static int act_same(void)
{
	static const char *const plans[] = {
		ACT_PORTS "groups = ( { name = \"g\"; ports = [ \"fxo1\" ]; } );\n"
		"routes = ( { from = \"sip\"; rewrite = \"s/0/1/\";"
		" to = \"group:g\"; } );\n",
		ACT_PORTS "groups = ( { name = \"g\"; ports = [ \"fxo2\" ]; } );\n"
		"routes = ( { from = \"sip\"; rewrite = \"s/0/1/\";"
		" to = \"group:g\"; } );\n",
		ACT_PORTS "groups = ( { name = \"g\"; ports = [ \"fxo1\" ]; } );\n"
		"routes = ( { from = \"sip\"; rewrite = \"s/0/2/\";"
		" to = \"group:g\"; } );\n",
		ACT_PORTS "routes = ( { from = \"sip\"; to = \"fxo\"; } );\n",
	};
	struct gw_conf *c[4], *d = load_plan(plans[0]);

	TEST_ASSERT(d);
	for (int i = 0; i < 4; i++) {
		c[i] = load_plan(plans[i]);
		TEST_ASSERT(c[i]);
		TEST_EQ_INT(gw_routeact_same(d, &d->routes[0], c[i],
					     &c[i]->routes[0]), i == 0);
	}
	for (int i = 0; i < 4; i++)
		gw_conf_free(c[i]);
	gw_conf_free(d);
	return 0;
}

const struct gw_test_case gw_test_cases_route[] = {
	{ "route_act_same", act_same },
	{ "route_act_failover", act_failover },
	{ "route_act_chain", act_chain },
	{ "route_fork_best", fork_best },
	{ "route_act_rewrite", act_rewrite },
	{ "route_act_caller_reject", act_caller_reject },
	{ "route_act_redirect", act_redirect },
	{ "route_fwd_headers", fwd_headers },
	{ "route_act_hunt", act_hunt },
	{ "route_demo", demo },
	{ "route_patterns", patterns },
	{ "route_pattern_routes", pattern_routes },
	{ "route_collect", collect },
	{ "route_explain", explain },
	{ "route_time_conditions", time_conditions },
	{ "route_time_dst", time_dst },
	{ "route_first_match", first_match },
	{ "route_from", from_filter },
	{ "route_rewrite", rewrite },
	{ "route_uri", uri },
	{ "route_uri_too_long", uri_too_long },
	{ "route_no_match", no_match },
	{ "route_bad_number", bad_number },
	{ "route_port_targets", port_targets },
	{ NULL, NULL },
};
