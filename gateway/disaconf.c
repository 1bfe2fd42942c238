// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * disaconf: the configuration list `disa` (gateway/disa.h). Apart from
 * disa.c so that the configuration loader (and its unit tests) do not
 * pull in the line state machines.
 */
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gateway/conf_int.h"
#include "gateway/disa.h"

static const char *const disa_keys[] = {
	"name", "pins", "pin_file", "tries", "digit_timeout_ms", NULL
};

static bool pin_chars(const char *s)
{
	size_t n = strlen(s);

	return n >= GW_DISA_PIN_MIN && n <= GW_DISA_PIN_MAX &&
	       strspn(s, "0123456789*") == n;
}

static int add_pin(struct gw_conf_ctx *c, const config_setting_t *s,
		   const char *base, const char *key, struct gw_conf_disa *d,
		   const char *pin)
{
	if (!pin_chars(pin))
		return gw_conf_fail(c, s, base, key,
				    "a PIN is %d to %d of 0-9 and * (# ends "
				    "it)", GW_DISA_PIN_MIN, GW_DISA_PIN_MAX);
	if (d->npins == GW_DISA_MAX_PINS)
		return gw_conf_fail(c, s, base, key, "more than %d PINs",
				    GW_DISA_MAX_PINS);
	strcpy(d->pins[d->npins++], pin);
	return 0;
}

static int load_pins(struct gw_conf_ctx *c, const config_setting_t *s,
		     const char *base, struct gw_conf_disa *d)
{
	char key[32];

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return gw_conf_fail(c, s, base, "pins",
				    "must be a list of strings ([ \"...\" ])");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *v = config_setting_get_elem(s, i);
		const char *p = config_setting_type(v) == CONFIG_TYPE_STRING ?
			config_setting_get_string(v) : NULL;
		int r;

		snprintf(key, sizeof(key), "pins.[%d]", i);
		if (!p)
			return gw_conf_fail(c, v, base, key,
					    "must be a string (a leading 0 "
					    "counts)");
		r = add_pin(c, v, base, key, d, p);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * pin_file: one PIN a line (blank lines and lines starting with # are
 * skipped), relative to the config's folder; like a key file it must
 * not be readable or writable by others.
 */
static int load_pin_file(struct gw_conf_ctx *c, const config_setting_t *s,
			 const char *base, const char *file,
			 struct gw_conf_disa *d)
{
	char path[512], buf[128];
	struct stat st;
	FILE *f;
	int r = 0, lineno = 0;

	snprintf(path, sizeof(path), "%s%s",
		 file[0] == '/' ? "" : gw_conf_ctx_dir(c), file);
	f = fopen(path, "r");
	if (!f)
		return gw_conf_fail(c, s, base, "pin_file", "%s: %s", path,
				    strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return gw_conf_fail(c, s, base, "pin_file",
				    "%s: not a regular file", path);
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		fclose(f);
		return gw_conf_fail(c, s, base, "pin_file",
				    "%s: readable or writable by others "
				    "(mode %03o): chmod o-rw", path,
				    (unsigned)(st.st_mode & 0777));
	}
	while (r == 0 && fgets(buf, sizeof(buf), f)) {
		lineno++;
		buf[strcspn(buf, "\r\n")] = 0;
		if (!buf[0] || buf[0] == '#')
			continue;
		if (!pin_chars(buf)) {
			r = gw_conf_fail(c, s, base, "pin_file",
					 "%s:%d: a PIN is %d to %d of 0-9 and *",
					 path, lineno, GW_DISA_PIN_MIN,
					 GW_DISA_PIN_MAX);
			break;
		}
		r = add_pin(c, s, base, "pin_file", d, buf);
	}
	explicit_bzero(buf, sizeof(buf));
	fclose(f);
	if (r == 0 && !d->npins)
		r = gw_conf_fail(c, s, base, "pin_file", "%s: no PIN in it",
				 path);
	return r;
}

static int load_one(struct gw_conf_ctx *c, const config_setting_t *e,
		    const char *base, struct gw_conf_disa *d,
		    const struct gw_conf *conf, int index)
{
	config_setting_t *s, *pf;
	char file[256];
	int r;

	if (!config_setting_is_group(e))
		return gw_conf_fail(c, e, base, NULL,
				    "must be a group ({ ... })");
	r = gw_conf_check_keys(c, e, base, disa_keys);
	if (r < 0)
		return r;
	d->line = (int)config_setting_source_line(e);
	d->tries = 3;
	d->digit_timeout_ms = 5000;
	r = gw_conf_get_str(c, e, base, "name", d->name, sizeof(d->name), &s);
	if (r < 0)
		return r;
	if (!s)
		return gw_conf_fail(c, e, base, "name",
				    "required key is missing");
	if (!d->name[0] ||
	    strspn(d->name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		    strlen(d->name))
		return gw_conf_fail(c, s, base, "name",
				    "\"%s\" may only contain A-Z a-z 0-9 . _ -",
				    d->name);
	for (int i = 0; i < index; i++)
		if (strcmp(conf->disa[i].name, d->name) == 0)
			return gw_conf_fail(c, s, base, "name",
					    "\"%s\" is already used (line %d)",
					    d->name, conf->disa[i].line);
	r = gw_conf_get_int(c, e, base, "tries", 1, 10, &d->tries, NULL);
	if (r < 0)
		return r;
	r = gw_conf_get_int(c, e, base, "digit_timeout_ms", 1000, 60000,
			    &d->digit_timeout_ms, NULL);
	if (r < 0)
		return r;
	s = config_setting_get_member(e, "pins");
	r = gw_conf_get_str(c, e, base, "pin_file", file, sizeof(file), &pf);
	if (r < 0)
		return r;
	if (s && pf)
		return gw_conf_fail(c, pf, base, "pin_file",
				    "give pins or pin_file, not both");
	if (!s && !pf)
		return gw_conf_fail(c, e, base, "pins",
				    "no PIN: give pins or pin_file (there is "
				    "no default PIN)");
	r = s ? load_pins(c, s, base, d) :
		load_pin_file(c, pf, base, file, d);
	if (r == 0 && !d->npins)
		r = gw_conf_fail(c, s, base, "pins", "the list is empty");
	return r;
}

int gw_disa_conf_load(struct gw_conf_ctx *c, const void *root)
{
	struct gw_conf *conf = gw_conf_ctx_conf(c);
	config_setting_t *list;
	int r, n;

	r = gw_conf_get_list(c, root, "disa", GW_DISA_MAX, &list);
	if (r < 0 || !list)
		return r;
	n = config_setting_length(list);
	if (!n)
		return 0;
	conf->disa = calloc((size_t)n, sizeof(*conf->disa));
	if (!conf->disa)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		char base[24];

		snprintf(base, sizeof(base), "disa.[%d]", i);
		conf->ndisa = i + 1;
		r = load_one(c, config_setting_get_elem(list, i), base,
			     &conf->disa[i], conf, i);
		if (r < 0)
			return r;
	}
	return 0;
}

void gw_disa_conf_free(struct gw_conf *conf)
{
	if (!conf->disa)
		return;
	explicit_bzero(conf->disa, (size_t)conf->ndisa * sizeof(*conf->disa));
	free(conf->disa);
	conf->disa = NULL;
	conf->ndisa = 0;
}

const struct gw_conf_disa *gw_disa_conf_find(const struct gw_conf *conf,
					     const char *name)
{
	for (int i = 0; conf && name && i < conf->ndisa; i++)
		if (strcmp(conf->disa[i].name, name) == 0)
			return &conf->disa[i];
	return NULL;
}

const char *gw_disa_target(const char *target)
{
	return strncmp(target, "disa:", 5) == 0 ? target + 5 : NULL;
}
