/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_int: conf.c's key readers for configuration sections parsed in
 * other files (trunks: gateway/trunk.c). Same contract as in conf.c:
 * every error is "FILE:LINE: BASE.NAME: what", returned as -EINVAL; an
 * absent optional key leaves the destination untouched (and *out NULL).
 * Only while gw_conf_load() runs (the libconfig tree is alive).
 */
#ifndef GW_CONF_INT_H
#define GW_CONF_INT_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "gateway/conf.h"

struct gw_conf_ctx; /* conf.c's parsing state */

struct gw_conf *gw_conf_ctx_conf(struct gw_conf_ctx *c);
/* The folder of the main file, with its '/' ("" for the current one). */
const char *gw_conf_ctx_dir(struct gw_conf_ctx *c);

int gw_conf_fail(struct gw_conf_ctx *c, const config_setting_t *s,
		 const char *base, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int gw_conf_check_keys(struct gw_conf_ctx *c, const config_setting_t *grp,
		       const char *base, const char *const *allowed);
int gw_conf_get_str(struct gw_conf_ctx *c, const config_setting_t *grp,
		    const char *base, const char *name, char *dst,
		    size_t size, config_setting_t **out);
int gw_conf_get_int(struct gw_conf_ctx *c, const config_setting_t *grp,
		    const char *base, const char *name, int min, int max,
		    int *dst, config_setting_t **out);
int gw_conf_get_bool(struct gw_conf_ctx *c, const config_setting_t *grp,
		     const char *base, const char *name, bool *dst);
/* A root-level list of groups "( {...}, ... )" of at most max entries. */
int gw_conf_get_list(struct gw_conf_ctx *c, const config_setting_t *root,
		     const char *name, int max, config_setting_t **out);
/*
 * The head of one entry of a list of named groups (sip.users, groups,
 * trunks): e must be a group ({ ... }) with only the keys `allowed`, and
 * its "name" (read into name[size]; its setting in *out) is required.
 * The reader then checks what its names may contain, and
 * gw_conf_name_unique().
 */
int gw_conf_named_entry(struct gw_conf_ctx *c, const config_setting_t *e,
			const char *base, const char *const *allowed,
			char *name, size_t size, config_setting_t **out);
/*
 * `name` (setting s) must differ from the names of the n entries before
 * it: `first` is the name member of the array's element 0, the next one
 * `stride` bytes further. Else the error WHAT "NAME" is VERB twice.
 */
int gw_conf_name_unique(struct gw_conf_ctx *c, const config_setting_t *s,
			const char *base, const char *name, const char *first,
			size_t stride, int n, const char *what,
			const char *verb);
/* "ADDR:PORT" or "[ADDR6]:PORT" with a literal address: host (without
 * brackets) and port 1..65535; -EINVAL otherwise. */
int gw_conf_parse_hostport(const char *v, char *host, size_t hostlen,
			   int *port);
/* "sip:" and no space, control character, <, > or ". */
bool gw_conf_uri_ok(const char *s);
/* "user:NAME", NAME of letters, digits and ._-+ (gateway/registrar.h) */
bool gw_conf_user_target_ok(const char *s);

#endif
