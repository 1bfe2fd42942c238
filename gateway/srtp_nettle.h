/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * srtp_nettle: libsrtp2 crypto primitives on nettle, so that SRTP packet
 * processing never allocates.
 *
 * What it does: supplies libsrtp2's AES-128 ICM (SRTP_AES_ICM_128),
 * AES-128 GCM (SRTP_AES_GCM_128) and HMAC-SHA1 (SRTP_HMAC_SHA1) as
 * srtp_cipher_type_t / srtp_auth_type_t function tables and registers
 * them in place of libsrtp's own with srtp_replace_cipher_type() /
 * srtp_replace_auth_type(). Debian 12's libsrtp2 2.5.0 is built on NSS,
 * whose AES-CM and AES-GCM allocate on every packet; nettle's
 * primitives work on caller-held contexts and never allocate.
 *
 * How: each alloc() makes one heap block holding libsrtp's
 * srtp_cipher_t / srtp_auth_t and the whole nettle state (called when a
 * stream, a template clone or the key derivation is set up); init(),
 * set_iv(), encrypt() etc. only work in that block.
 * - AES-ICM (RFC 3711 §4.1.1): the counter is (salt || 0x0000) XOR the
 *   16-octet IV libsrtp passes (SSRC, index; for the KDF, the label),
 *   keystream blocks E(k, counter), counter incremented per block;
 *   keystream continues across encrypt() calls after one set_iv(); at
 *   most 2^16 blocks per IV (the 16-bit block counter), beyond that
 *   srtp_err_status_terminus. libsrtp's key derivation (RFC 3711 §4.3)
 *   runs through this type too.
 * - AES-GCM (RFC 7714, NIST SP 800-38D): 12-octet IV, AAD given in any
 *   number of set_aad() calls (buffered to whole blocks, as nettle needs),
 *   8- or 16-octet tag (a truncated 16-octet tag); decrypt() takes
 *   ciphertext || tag, checks the tag in constant time and returns
 *   srtp_err_status_auth_fail if it differs.
 * - HMAC-SHA1 (RFC 2104): the keyed state is kept and copied back on
 *   start(), so a packet costs no key schedule; tags of 0..20 octets.
 * The self-test data (libsrtp runs it on registration and in
 * srtp_crypto_kernel_status()) are RFC 3711 B.2, RFC 7714 §16.1.1 and
 * RFC 2202 test case 1; replacing also runs libsrtp's own test data.
 *
 * Threads: gw_srtp_nettle_register() once, after srtp_init() and before
 * any srtp_create() (gw_srtp_global_init() does this). The types are
 * stateless; each context belongs to the thread using its stream.
 */
#ifndef GW_SRTP_NETTLE_H
#define GW_SRTP_NETTLE_H

#include <srtp2/auth.h>
#include <srtp2/cipher.h>

extern const srtp_cipher_type_t gw_srtp_nettle_aes_icm_128;
extern const srtp_cipher_type_t gw_srtp_nettle_aes_gcm_128;
extern const srtp_auth_type_t gw_srtp_nettle_hmac_sha1;

/*
 * Replace libsrtp's SRTP_AES_ICM_128, SRTP_AES_GCM_128 and SRTP_HMAC_SHA1
 * with the types above (libsrtp self-tests each first). Streams created
 * before keep the types they were made with. 0 or -EPROTO.
 */
int gw_srtp_nettle_register(void);

#endif
