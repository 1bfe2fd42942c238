/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * srtp: SRTP/SRTCP (RFC 3711) for one RTP stream, keyed with SDES
 * (RFC 4568) a=crypto attributes.
 *
 * What it does:
 * - three crypto suites: AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32
 *   (RFC 4568 §6.2; SRTCP keeps the 80-bit tag with _32), and
 *   AEAD_AES_128_GCM (RFC 7714 §12, 16-octet tag);
 * - SDES: gw_srtp_sdes_decode() parses one a=crypto value strictly
 *   ("<tag> <suite> inline:<base64 key||salt>[|lifetime][|MKI:len]
 *   [session-params]") with one error code per kind of fault;
 *   gw_srtp_sdes_encode() prints one; gw_srtp_sdes_choose() takes the
 *   offer's lines and answers the first one we support, with the same tag
 *   and suite and a fresh key of ours (RFC 4568 §7.1.2);
 * - master keys from the kernel's random source (getrandom());
 * - struct gw_srtp: a transmit key and a receive key for one stream,
 *   protecting and unprotecting RTP and RTCP in place. Replay protection
 *   is on (libsrtp's default window: 128 packets for SRTP, 128 for SRTCP).
 *   A packet that fails (authentication, replay, anything else) is
 *   counted and reported to the caller, who drops it; the context stays
 *   usable, so a bad packet never ends a call.
 *
 * How: libsrtp2 (Debian libsrtp2-dev, pkg-config libsrtp2) does SRTP
 * (key derivation, packet formats, replay window, ROC), with its
 * AES-128-ICM, AES-128-GCM and HMAC-SHA1 primitives replaced by nettle
 * ones (gateway/srtp_nettle.h) at srtp_init() time; base64 is Sofia-SIP's <sofia-sip/base64.h> (its decoder
 * skips characters outside the alphabet, so the key is checked here
 * first). srtp_init() runs once per process (pthread_once).
 *
 * Threads: gw_srtp_alloc()/_free() and the SDES functions run on the
 * control thread. gw_srtp_protect*()/_unprotect*() run on the media thread
 * and take no lock; the counters are relaxed atomics that the control
 * thread may read at any time with gw_srtp_get_stats().
 *
 * Allocation (Debian 12, libsrtp2 2.5.0; tests/test_srtp.c, case
 * srtp_no_alloc):
 * - the transmit stream is created at setup for our SSRC (ssrc_specific),
 *   so protecting never creates a stream; a packet with another SSRC is
 *   refused (-EPROTO) and counted;
 * - the receive side is a template for any inbound SSRC (ssrc_any_inbound,
 *   as the peer's SSRC is not known from SDES): libsrtp allocates the
 *   stream for an SSRC when the first packet of that SSRC has passed
 *   authentication, i.e. once per call and once more per SSRC change of
 *   the peer; packets failing authentication never allocate;
 * - libsrtp2's own (NSS) primitives allocate inside NSS on every packet
 *   (28 heap calls per protect + unprotect pair with AES-CM, 10 with
 *   GCM); gw_srtp_global_init() therefore replaces them with nettle ones
 *   whose state lives in the context made at setup (srtp_replace_cipher_
 *   type() / srtp_replace_auth_type()): after a stream's first packet,
 *   protect and unprotect make no heap call, and run ~10x faster.
 */
#ifndef GW_SRTP_H
#define GW_SRTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum gw_srtp_suite {
	GW_SRTP_AES_CM_128_HMAC_SHA1_80 = 0,
	GW_SRTP_AES_CM_128_HMAC_SHA1_32,
	GW_SRTP_AEAD_AES_128_GCM,
	GW_SRTP_SUITE_COUNT
};

/* The SDES name of a suite, or NULL if out of range. */
const char *gw_srtp_suite_name(enum gw_srtp_suite suite);
/* The suite of an SDES name (len octets, exact case), or -EPROTONOSUPPORT. */
int gw_srtp_suite_of_name(const char *name, size_t len);
/* Master key || master salt octets of a suite: 30, 30, 28; 0 if unknown. */
size_t gw_srtp_suite_key_len(enum gw_srtp_suite suite);

#define GW_SRTP_MAX_KEY_LEN 30 /* master key || salt, longest suite */
#define GW_SRTP_MAX_MKI_LEN 4  /* octets of MKI we accept */

/* One master key with its SDES key parameters. */
struct gw_srtp_key {
	enum gw_srtp_suite suite;
	uint8_t key[GW_SRTP_MAX_KEY_LEN]; /* master key || master salt */
	uint64_t lifetime;		  /* packets; 0: not stated (2^48) */
	uint32_t mki;			  /* MKI value when mki_len > 0 */
	uint8_t mki_len;		  /* 0: no MKI */
};

/*
 * Fill k with a fresh random master key for suite (no lifetime, no MKI).
 * Returns 0, -EINVAL (suite) or a negative errno from getrandom().
 */
int gw_srtp_key_generate(struct gw_srtp_key *k, enum gw_srtp_suite suite);

/* A decoded a=crypto attribute: its tag and its (single) key. */
struct gw_srtp_crypto {
	uint32_t tag; /* 0..999999999 */
	struct gw_srtp_key key;
};

/*
 * Parse one a=crypto attribute value (without "a=crypto:"). Strict: the
 * whole string must match. Returns 0 or one of:
 *   -EINVAL           syntax (tag, separators, "inline:", empty fields,
 *                     characters after the last field)
 *   -EPROTONOSUPPORT  unknown crypto suite
 *   -EILSEQ           key is not valid base64
 *   -EMSGSIZE         key || salt has the wrong length for the suite
 *   -ERANGE           lifetime malformed, zero or above 2^48
 *   -EDOM             MKI malformed: length not 1..4 or value too large
 *   -ENOTSUP          session parameters (other than WSH=, ignored) or
 *                     more than one key (';')
 * *out is written only on success. gw_srtp_sdes_strerror() names them.
 */
int gw_srtp_sdes_decode(struct gw_srtp_crypto *out, const char *value);
const char *gw_srtp_sdes_strerror(int err);

/*
 * Print c as an a=crypto value "<tag> <suite> inline:<key>[|MKI:len]"
 * (lifetime printed as "|2^n" when a power of two, else decimal).
 * Returns the length written (NUL excluded), -ENOSPC or -EINVAL.
 */
int gw_srtp_sdes_encode(char *buf, size_t size, const struct gw_srtp_crypto *c);

/*
 * Answerer's choice (RFC 4568 §7.1.2): of the n offered a=crypto values,
 * take the first that decodes; *remote gets it (the peer's key: our rx
 * key) and *local gets our answer (same tag and suite, a fresh key: our
 * tx key). Returns the index of the chosen line, -ENOENT if none is
 * usable, or a getrandom() error.
 */
int gw_srtp_sdes_choose(const char *const *values, size_t n,
			struct gw_srtp_crypto *remote,
			struct gw_srtp_crypto *local);

/* Figures of one context; the media thread writes, anyone reads. */
struct gw_srtp_stats {
	uint64_t tx_rtp, tx_rtcp; /* packets protected */
	uint64_t rx_rtp, rx_rtcp; /* packets unprotected and accepted */
	uint64_t auth_fail; /* authentication failed (tampered, bad key) */
	uint64_t replay;    /* repeated or too old for the window */
	uint64_t errors;    /* anything else (malformed, no room, ...) */
};

struct gw_srtp;

/*
 * srtp_init() once per process (gw_srtp_alloc() calls it too); call it
 * at startup so that the first call does not pay for it. 0 or -EPROTO.
 */
int gw_srtp_global_init(void);

/*
 * A context for one stream: tx protects what we send with our SSRC
 * tx_ssrc, rx unprotects what the peer sends (any SSRC). Both keys must
 * be valid suites; their lifetimes are enforced (a key past its lifetime
 * refuses packets with -EKEYEXPIRED). Returns 0, -EINVAL, -ENOMEM or
 * -EPROTO (libsrtp refused).
 */
int gw_srtp_alloc(struct gw_srtp **ret, const struct gw_srtp_key *tx,
		  const struct gw_srtp_key *rx, uint32_t tx_ssrc);
void gw_srtp_free(struct gw_srtp *ctx);

/* Octets protect adds at most to an RTP / RTCP packet (tag, MKI, index). */
size_t gw_srtp_tx_overhead(const struct gw_srtp *ctx);
size_t gw_srtp_tx_overhead_rtcp(const struct gw_srtp *ctx);

/*
 * In place. buf holds *len octets of RTP (RTCP) and has room for cap;
 * buf should be 4-byte aligned (libsrtp reads the header as words).
 * protect: on success *len grows by the trailer. unprotect: on success
 * *len shrinks to the plain packet. Returns 0 or, with the packet counted
 * and to be dropped (buf contents then unspecified):
 *   -EBADMSG      authentication failed
 *   -EALREADY     replayed or too old
 *   -ENOSPC       cap too small (protect)
 *   -EKEYEXPIRED  the key's lifetime is used up
 *   -EPROTO       anything else (too short, not our SSRC, ...)
 */
int gw_srtp_protect(struct gw_srtp *ctx, uint8_t *buf, size_t *len, size_t cap);
int gw_srtp_unprotect(struct gw_srtp *ctx, uint8_t *buf, size_t *len);
int gw_srtp_protect_rtcp(struct gw_srtp *ctx, uint8_t *buf, size_t *len,
			 size_t cap);
int gw_srtp_unprotect_rtcp(struct gw_srtp *ctx, uint8_t *buf, size_t *len);

void gw_srtp_get_stats(const struct gw_srtp *ctx, struct gw_srtp_stats *st);
/*
 * The peer changed its key (SDES in a re-INVITE answer, RFC 4568 §7.1.4):
 * `ctx` takes the receive side of `fresh` (made with gw_srtp_alloc() on
 * the control thread with the same tx key and the peer's new one) and
 * `fresh` gets ctx's old receive side, to be freed by the control thread.
 * The send side, with its rollover counter, stays as it is. Media thread;
 * no allocation.
 */
void gw_srtp_swap_rx(struct gw_srtp *ctx, struct gw_srtp *fresh);

#endif
