/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * transport: the SIP transports the gateway listens on, and what it tells
 * peers about its address (NAT), built into one nua_create() call.
 *
 *   sip.listen = "ADDR:PORT"      UDP, and TCP on the same address unless
 *                                 sip.tcp = false (RFC 3261 §18: a UA
 *                                 implements both). "[IPv6]:PORT" for IPv6.
 *   sip.tls_listen = "ADDR:PORT"  TLS (RFC 3261 §26.2, sips:), bound as a
 *                                 separate transport: Debian's sofia-sip
 *                                 1.12.11 must not be given a comma list of
 *                                 transports in one URL, so sip: goes in
 *                                 NUTAG_URL and sips: in NUTAG_SIPS_URL.
 *   sip.tls_certificate           PEM certificate (may hold the key too),
 *                                 or a folder laid out as Sofia's
 *                                 TPTAG_CERTIFICATE wants: agent.pem (key +
 *                                 certificate) and cafile.pem (CAs).
 *   sip.tls_key                   PEM private key, if not in the above.
 *   sip.tls_ca_file               CAs that sign the peers' certificates
 *                                 (default: the system's bundle).
 *   sip.tls_verify_peer           verify the certificate of the servers we
 *                                 connect to over TLS (trunks): the chain,
 *                                 and the host name of the URI against
 *                                 its subjectAltName (RFC 5922 §7.2;
 *                                 Sofia's TPTLS_VERIFY_SUBJECTS_OUT);
 *                                 default true. Clients (phones) are not asked for
 *                                 a certificate.
 *   sip.external_address          a static public address (NAT): put in
 *                                 Via and Contact (the URL's host, the
 *                                 socket bound with ;maddr=) and in SDP
 *                                 o=/c= (RTP still binds the listen
 *                                 address).
 *   sip.keepalive_s               CRLF keep-alive (RFC 5626 §4.4.1) on TCP
 *                                 connections after this long without
 *                                 traffic; 0 off, default 90. We answer a
 *                                 peer's CRLFCRLF ping with a CRLF pong.
 *
 *   sip.also_listen = "ADDR:PORT" a second UDP (and TCP) listener of the
 *                                 other IP family than sip.listen (IPv4
 *                                 and IPv6 at once). nua binds two URLs
 *                                 (NUTAG_URL, NUTAG_SIPS_URL): this one
 *                                 takes the second, so it excludes
 *                                 tls_listen. A call's RTP and SDP use
 *                                 the listen address of the family its
 *                                 SIP goes over.
 *   sip.resolv_conf               the resolv.conf Sofia's DNS resolver
 *                                 reads (default /etc/resolv.conf): RFC
 *                                 3263 NAPTR/SRV/A/AAAA look-ups of the
 *                                 trunks' host names. Sofia's format also
 *                                 takes "port N" (a DNS server on another
 *                                 port than 53).
 *
 * rport (RFC 3581): Sofia adds ;rport to our Vias, and answers requests
 * to the address and port they came from (received=/rport= filled in).
 *
 * The files of sip.tls_certificate/tls_key/tls_ca_file are checked when
 * the configuration is read (FILE:LINE: KEY errors); at start they are
 * assembled into a private folder (mode 0700) for Sofia, read by it while
 * the TLS transport is bound, and removed at once.
 */
#ifndef GW_TRANSPORT_H
#define GW_TRANSPORT_H

#include <stdbool.h>

#include <stddef.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include "gateway/conf.h"

struct gw_conf_ctx; /* gateway/conf_int.h */
struct gw_app;

/* The transport keys of the configuration (conf->tp, owned by the conf;
 * NULL when there is no sip group: defaults). */
struct gw_conf_tp {
	bool tcp;		/* sip.tcp, default true */
	char tls_host[64];	/* sip.tls_listen; "" = no TLS */
	int tls_port;
	char tls_cert[256];	/* sip.tls_certificate (path as resolved) */
	bool tls_cert_dir;	/* ... is a folder for Sofia */
	char tls_key[256];	/* sip.tls_key, "" = in tls_cert */
	char tls_ca[256];	/* sip.tls_ca_file, "" = system bundle */
	bool tls_verify_peer;	/* default true */
	char external[64];	/* sip.external_address, literal IP, "" */
	int keepalive_s;	/* sip.keepalive_s, 0..3600, default 90 */
	char resolv_conf[256];	/* sip.resolv_conf, "" = /etc/resolv.conf */
	char also_host[64];	/* sip.also_listen: the other family, "" */
	int also_port;
};

/* conf.c hooks: the sip.* transport keys; free. */
int gw_transport_conf_sip(struct gw_conf_ctx *c, const void *sip_group);
void gw_transport_conf_free(struct gw_conf_tp *tp);

/*
 * Create app->nua on app->root with every configured transport bound,
 * rport on, keep-alives and TLS parameters set. 0, or a negative errno
 * after logging what could not be bound.
 */
int gw_transport_nua_create(struct gw_app *app, nua_callback_f callback,
			    void *magic);

/*
 * Our Contact for a call whose INVITE came in over TLS (`req`'s top Via)
 * or goes to a ;transport=tls or sips: URI (`uri`): "<sip:HOST:TLSPORT;
 * transport=tls>", so that the dialog stays on TLS (nua would pick its
 * UDP/TCP contact for a sip: URI). "" (0) when nua's own will do.
 */
int gw_transport_contact(const struct gw_conf *conf, const sip_t *req,
			 const char *uri, char *buf, size_t len);

/* sip.resolv_conf for Sofia's resolver (SRESTAG_RESOLV_CONF), or NULL
 * for the system's /etc/resolv.conf. */
const char *gw_transport_resolv_conf(const struct gw_conf *conf);

/*
 * Our address of the IP family a call's signalling uses, for its RTP
 * socket (`buf`): `family` AF_INET/AF_INET6 (the source of an INVITE), or
 * 0 with `uri` (the next hop of an INVITE we send: a literal address
 * picks its family; a name, sip.listen's). sip.listen's address unless
 * sip.also_listen is of that family.
 */
void gw_transport_local_host(const struct gw_conf *conf, int family,
			     const char *uri, char *buf, size_t len);

/*
 * With sip.also_listen, our Contact for a call over `local`'s family
 * (from gw_transport_local_host): "<sip:HOST:PORT>" of that family's
 * listener (nua would give one Contact to both). 0 and "" without
 * sip.also_listen.
 */
int gw_transport_family_contact(const struct gw_conf *conf,
				const char *local, char *buf, size_t len);

/* The address for our SDP of a call whose RTP is bound to `local` (from
 * gw_transport_local_host; "" = sip.listen's): sip.external_address if set
 * and of local's family, else local. */
const char *gw_transport_sdp_host_for(const struct gw_conf *conf,
				      const char *local);

/* The address to put in our SDP (o=, c=): sip.external_address if set,
 * else the listen address. */
const char *gw_transport_sdp_host(const struct gw_conf *conf);

#endif
