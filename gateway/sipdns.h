/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipdns: the addresses a set of SIP URIs resolve to, as RFC 3263 finds
 * them (control thread).
 *
 * A trunk names its proxies and registrars by URI; its INVITEs are
 * trusted by their source address, so the trunk must know every address
 * the URIs stand for. Sofia's transaction layer (nta) resolves the URIs
 * itself when it sends (RFC 3263 §4: NAPTR, then SRV, then A/AAAA; with
 * an explicit port, only A/AAAA), and fails over between the SRV targets
 * and addresses it finds; nothing here takes part in sending. This module
 * runs the same look-ups with Sofia's RFC 3263 resolver (sres_sip, on the
 * same resolv.conf as nta: sip.resolv_conf) and keeps the union of the
 * addresses found: every NAPTR → SRV target → A/AAAA address of every
 * URI. A literal address is taken as it is. The look-ups run again every
 * `refresh_s`; a round that fails for a name keeps the addresses learnt
 * before for it, so a DNS hiccup does not turn the trunk's INVITEs away.
 *
 * Specs: RFC 3263 §4.1-4.2 (NAPTR, SRV, A/AAAA), RFC 2782 (SRV), RFC 3403
 * (NAPTR).
 */
#ifndef GW_SIPDNS_H
#define GW_SIPDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <sofia-sip/su_wait.h>

#define GW_SIPDNS_MAX_URIS 12
#define GW_SIPDNS_MAX_ADDRS 32

struct gw_sipdns;

/*
 * A resolver for up to GW_SIPDNS_MAX_URIS URIs on `root`; `label` names
 * it in logs ("trunk prov"); resolv_conf: NULL for /etc/resolv.conf.
 */
int gw_sipdns_alloc(struct gw_sipdns **ret, su_root_t *root,
		    const char *resolv_conf, const char *label,
		    int refresh_s);

/* Add a sip:/sips: URI (before gw_sipdns_start). 0 or -ENOSPC. */
int gw_sipdns_add(struct gw_sipdns *d, const char *uri);

/* First round of look-ups now, then every refresh_s. */
void gw_sipdns_start(struct gw_sipdns *d);

/* Whether `sa` is one of the addresses (port ignored; ::ffff:a.b.c.d is
 * a.b.c.d). */
bool gw_sipdns_has(const struct gw_sipdns *d, const struct sockaddr *sa);

/* The addresses, space separated ("" when none yet). */
void gw_sipdns_format(const struct gw_sipdns *d, char *buf, size_t len);

/* Stop the look-ups and free; NULL is fine. */
void gw_sipdns_free(struct gw_sipdns *d);

#endif
