// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of gateway/srtp: RFC 3711 Appendix B vectors, libsrtp's published
 * known-answer packets, RFC 7714 §16.1.1 (AES-GCM), round trips with
 * tampering, replays and wrong keys for the three suites, SDES (RFC 4568)
 * parsing, printing and choosing, and a timing figure.
 *
 * The vectors are written out here, each with its source:
 * - RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation),
 *   https://www.rfc-editor.org/rfc/rfc3711#appendix-B
 * - libsrtp 2.5.0 test/srtp_driver.c, srtp_validate() and
 *   srtp_validate_gcm(): protected packets for a fixed master key (the
 *   B.3 master key for AES-CM) and payload 0xab...
 * - RFC 7714 §16.1.1: AEAD_AES_128_GCM SRTP packet from session key and
 *   salt, https://www.rfc-editor.org/rfc/rfc7714#section-16.1.1
 *
 * The primitives (AES-ICM, AES-GCM, HMAC-SHA1) are reached through the
 * public <srtp2/cipher.h> / <srtp2/auth.h> API: ours on nettle
 * (gateway/srtp_nettle.h), which gw_srtp registers in libsrtp and so are
 * the ones every gw_srtp case exercises, and libsrtp's own (NSS in
 * Debian), compared with ours in srtp_nettle_vs_libsrtp. Libsrtp's type
 * objects are exported by libsrtp2.so.1 but declared only in headers
 * Debian does not install, hence the declarations below.
 *
 * srtp_no_alloc checks that protect/unprotect make no heap call once a
 * stream exists; tests/alloccount.so counts the same for srtp_timing and
 * srtp_no_alloc (their loops run on threads named "gw-media"):
 *   gcc -shared -fPIC -O2 -o alloccount.so tests/alloccount.c
 *   ALLOCCOUNT_FILE=counts LD_PRELOAD=./alloccount.so \
 *	tests/selftest srtp_timing srtp_no_alloc
 *   grep -q 'allocs=0 frees=0' counts
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include "gateway/srtp.h"
#include "gateway/srtp_nettle.h"
#include "tests/test.h"

extern const srtp_cipher_type_t srtp_aes_icm_128;
extern const srtp_cipher_type_t srtp_aes_gcm_128;
extern const srtp_auth_type_t srtp_hmac;
srtp_err_status_t srtp_crypto_kernel_status(void); /* runs all self-tests */

static int unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	for (const char *p = hex; *p; p++) {
		int v;

		if (*p == ' ')
			continue;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v = *p - 'A' + 10;
		else
			return -1;
		if (n / 2 >= cap)
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	return n % 2 ? -1 : (int)(n / 2);
}

/* Compare buf with a hex string; print the first difference. */
static int same_hex(const uint8_t *buf, size_t len, const char *hex)
{
	uint8_t want[256];
	int n = unhex(want, sizeof(want), hex);

	if (n != (int)len) {
		fprintf(stderr, "length %zu, expected %d\n", len, n);
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] != want[i]) {
			fprintf(stderr, "octet %zu: %02x, expected %02x\n", i,
				buf[i], want[i]);
			return 0;
		}
	return 1;
}

/* ---- RFC 3711 Appendix B.2: AES-CM keystream ---- */

/* libsrtp's own type (NSS in Debian) and ours, which gw_srtp uses */
static const srtp_cipher_type_t *const icm_types[] = {
    &gw_srtp_nettle_aes_icm_128,
    &srtp_aes_icm_128,
};

static int b2_keystream(const srtp_cipher_type_t *type)
{
	/* session key || session salt; SSRC 0, ROC 0, SEQ 0 */
	uint8_t key[30], iv[16] = {0};
	const size_t blocks = 0xff02;
	uint8_t *ks = calloc(blocks, 16);
	srtp_cipher_t *c = NULL;
	uint32_t len = (uint32_t)(blocks * 16);
	int ok;

	TEST_ASSERT(ks);
	unhex(key, sizeof(key),
	      "2B7E151628AED2A6ABF7158809CF4F3C"
	      "F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
	ok = srtp_cipher_type_alloc(type, &c, 30, 0) == 0 &&
	     srtp_cipher_init(c, key) == 0 &&
	     srtp_cipher_set_iv(c, iv, srtp_direction_encrypt) == 0 &&
	     srtp_cipher_encrypt(c, ks, &len) == 0;
	if (c)
		srtp_cipher_dealloc(c);
	if (!ok) {
		free(ks);
		TEST_FAIL("%s refused", type->description);
	}
	/* counter F0F1...FD0000 onwards, as listed in B.2 */
	ok = same_hex(ks + 0x0000 * 16, 16,
		      "E03EAD0935C95E80E166B16DD92B4EB4") &&
	     same_hex(ks + 0x0001 * 16, 16,
		      "D23513162B02D0F72A43A2FE4A5F97AB") &&
	     same_hex(ks + 0x0002 * 16, 16,
		      "41E95B3BB0A2E8DD477901E4FCA894C0") &&
	     same_hex(ks + 0xfeff * 16, 16,
		      "EC8CDF7398607CB0F2D21675EA9EA1E4") &&
	     same_hex(ks + 0xff00 * 16, 16,
		      "362B7C3C6773516318A077D7FC5073AE") &&
	     same_hex(ks + 0xff01 * 16, 16, "6A2CC3787889374FBEB4C81B17BA6C44");
	free(ks);
	if (!ok)
		TEST_FAIL("%s: keystream differs", type->description);
	printf("srtp_rfc3711_b2_keystream: %s: %zu keystream blocks, 6 listed "
	       "blocks match\n",
	       type->description, blocks);
	return 0;
}

static int srtp_rfc3711_b2_keystream(void)
{
	TEST_EQ_INT(gw_srtp_global_init(), 0);
	for (size_t i = 0; i < sizeof(icm_types) / sizeof(icm_types[0]); i++)
		if (b2_keystream(icm_types[i]))
			return -1;
	return 0;
}

/* ---- RFC 3711 Appendix B.3: key derivation ---- */

/* The SRTP PRF (RFC 3711 §4.3.3): AES-CM keyed with the master key, IV =
 * (master salt XOR label at octet 7) * 2^16, through libsrtp's AES-ICM. */
static int prf(const srtp_cipher_type_t *type, uint8_t *out, uint32_t len,
	       const uint8_t master[30], uint8_t label)
{
	uint8_t iv[16] = {0};
	srtp_cipher_t *c = NULL;
	int ok;

	iv[7] = label;
	memset(out, 0, len);
	ok = srtp_cipher_type_alloc(type, &c, 30, 0) == 0 &&
	     srtp_cipher_init(c, master) == 0 &&
	     srtp_cipher_set_iv(c, iv, srtp_direction_encrypt) == 0 &&
	     srtp_cipher_encrypt(c, out, &len) == 0;
	if (c)
		srtp_cipher_dealloc(c);
	return ok ? 0 : -1;
}

static const char b3_master[] = "E1F97A0D3E018BE0D64FA32C06DE4139"
				"0EC675AD498AFEEBB6960B3AABE6";
static const char b3_cipher_key[] = "C61E7A93744F39EE10734AFE3FF7A087";
static const char b3_cipher_salt[] = "30CBBC08863D8C85D49DB34A9AE1";
static const char b3_auth_key[] = "CEBE321F6FF7716B6FD4AB49AF256A15"
				  "6D38BAA48F0A0ACF3C34E2359E6CDBCE"
				  "E049646C43D9327AD175578EF7227098"
				  "6371C10C9A369AC2F94A8C5FBCDDDC25"
				  "6D6E919A48B610EF17C2041E47403576"
				  "6B68642C59BBFC2F34DB60DBDFB2";

static int srtp_rfc3711_b3_kdf(void)
{
	uint8_t master[30], out[94];

	TEST_EQ_INT(gw_srtp_global_init(), 0);
	unhex(master, sizeof(master), b3_master);
	for (size_t i = 0; i < sizeof(icm_types) / sizeof(icm_types[0]); i++) {
		const srtp_cipher_type_t *t = icm_types[i];

		TEST_EQ_INT(prf(t, out, 16, master, 0x00), 0);
		TEST_ASSERT(same_hex(out, 16, b3_cipher_key));
		TEST_EQ_INT(prf(t, out, 94, master, 0x01), 0);
		TEST_ASSERT(same_hex(out, 94, b3_auth_key));
		TEST_EQ_INT(prf(t, out, 14, master, 0x02), 0);
		TEST_ASSERT(same_hex(out, 14, b3_cipher_salt));
		printf("srtp_rfc3711_b3_kdf: %s: cipher key 16, salt 14, "
		       "auth key 94 octets match\n",
		       t->description);
	}
	return 0;
}

/* ---- libsrtp's known-answer packets, through gw_srtp ---- */

/* srtp_validate(): SSRC cafebabe, SEQ 1234, 16 x 0xab, key = B.3 master */
static const char kat_rtp_plain[] = "800f1234decafbadcafebabe"
				    "abababababababababababababababab";
static const char kat_srtp[] = "800f1234decafbadcafebabe"
			       "4e55dc4ce79978d88ca4d215949d2402"
			       "b78d6acc99ea179b8dbb";
static const char kat_rtcp_plain[] = "81c8000bcafebabe"
				     "abababababababababababababababab";
static const char kat_srtcp[] = "81c8000bcafebabe"
				"7128035be487b9bdbef89041f977a5a8"
				"80000001993e08cd54d6c1230798";
/* srtp_validate_gcm(): the same packets, AEAD_AES_128_GCM key below */
static const char kat_gcm_key[] = "000102030405060708090a0b0c0d0e0f"
				  "a0a1a2a3a4a5a6a7a8a9aaab";
static const char kat_gcm_srtp[] = "800f1234decafbadcafebabe"
				   "c5002ede04cfdd2eb91159e0880aa06e"
				   "d2976826f796b201df3131a127e8a392";
static const char kat_gcm_srtcp[] = "81c8000bcafebabe"
				    "c98b8b5df0392a55852b6c21ac8e7025"
				    "c52c6fbea2b3b446ea31123ba88ce61e"
				    "80000001";

/* Protect plain with tx, compare with want, unprotect with a fresh rx. */
static int kat_one(const struct gw_srtp_key *k, const char *plain,
		   const char *want, int rtcp)
{
	uint8_t _Alignas(8) buf[128], ref[128];
	struct gw_srtp *tx = NULL, *rx = NULL;
	size_t len = (size_t)unhex(buf, sizeof(buf), plain), plen = len;
	int err;

	memcpy(ref, buf, len);
	err = gw_srtp_alloc(&tx, k, k, 0xcafebabe);
	if (!err)
		err = gw_srtp_alloc(&rx, k, k, 0x01020304);
	if (!err)
		err = rtcp ? gw_srtp_protect_rtcp(tx, buf, &len, sizeof(buf))
			   : gw_srtp_protect(tx, buf, &len, sizeof(buf));
	if (!err && !same_hex(buf, len, want))
		err = -EBADMSG;
	if (!err)
		err = rtcp ? gw_srtp_unprotect_rtcp(rx, buf, &len)
			   : gw_srtp_unprotect(rx, buf, &len);
	if (!err && (len != plen || memcmp(buf, ref, len) != 0))
		err = -EBADMSG;
	gw_srtp_free(tx);
	gw_srtp_free(rx);
	return err;
}

/*
 * AES-CM with the RFC's B.3 session keys, not libsrtp's: decrypt the
 * known-answer packet with the B.3 cipher key and salt (RFC 3711 §4.1.1
 * IV: SSRC at octets 4..7, index at 8..13) and check its tag with
 * HMAC-SHA1 under the B.3 auth key over header || payload || ROC (§4.2).
 */
static int kat_against_b3(void)
{
	uint8_t pkt[64], key[30], akey[94], iv[16] = {0}, tag[20];
	uint8_t msg[64];
	srtp_cipher_t *c = NULL;
	srtp_auth_t *a = NULL;
	uint32_t plen = 16;
	int n = unhex(pkt, sizeof(pkt), kat_srtp), ok;

	unhex(key, 16, b3_cipher_key);
	unhex(key + 16, 14, b3_cipher_salt);
	unhex(akey, sizeof(akey), b3_auth_key);
	memcpy(msg, pkt, 28);
	memset(msg + 28, 0, 4); /* ROC 0 */
	iv[4] = 0xca, iv[5] = 0xfe, iv[6] = 0xba, iv[7] = 0xbe;
	iv[12] = 0x12, iv[13] = 0x34;
	ok = n == 38 &&
	     srtp_cipher_type_alloc(&gw_srtp_nettle_aes_icm_128, &c, 30, 0) ==
		 0 &&
	     srtp_cipher_init(c, key) == 0 &&
	     srtp_cipher_set_iv(c, iv, srtp_direction_decrypt) == 0 &&
	     srtp_cipher_decrypt(c, pkt + 12, &plen) == 0 &&
	     srtp_auth_type_alloc(&gw_srtp_nettle_hmac_sha1, &a, 20, 10) == 0 &&
	     a->type->init(a->state, akey, 20) == 0 &&
	     a->type->start(a->state) == 0 &&
	     a->type->compute(a->state, msg, 32, 10, tag) == 0;
	if (c)
		srtp_cipher_dealloc(c);
	if (a)
		a->type->dealloc(a);
	if (!ok)
		return -1;
	if (!same_hex(pkt, 28, kat_rtp_plain))
		return -2;
	if (memcmp(tag, pkt + 28, 10) != 0)
		return -3;
	return 0;
}

static int srtp_known_answer(void)
{
	struct gw_srtp_key k = {.suite = GW_SRTP_AES_CM_128_HMAC_SHA1_80};
	struct gw_srtp_key g = {.suite = GW_SRTP_AEAD_AES_128_GCM};

	unhex(k.key, sizeof(k.key), b3_master);
	unhex(g.key, sizeof(g.key), kat_gcm_key);
	TEST_EQ_INT(kat_one(&k, kat_rtp_plain, kat_srtp, 0), 0);
	TEST_EQ_INT(kat_one(&k, kat_rtcp_plain, kat_srtcp, 1), 0);
	TEST_EQ_INT(kat_one(&g, kat_rtp_plain, kat_gcm_srtp, 0), 0);
	TEST_EQ_INT(kat_one(&g, kat_rtcp_plain, kat_gcm_srtcp, 1), 0);
	TEST_EQ_INT(kat_against_b3(), 0);
	printf("srtp_known_answer: AES_CM_128_HMAC_SHA1_80 SRTP 38 + SRTCP "
	       "38 octets, AEAD_AES_128_GCM SRTP 44 + SRTCP 44 octets match; "
	       "the SRTP packet decrypts and authenticates with the RFC 3711 "
	       "B.3 session keys\n");
	return 0;
}

/* ---- RFC 7714 §16.1.1: AEAD_AES_128_GCM through libsrtp's AES-GCM ---- */

static int srtp_rfc7714_gcm(void)
{
	static const char plain[] = "8040f17b8041f8d35501a0b2"
				    "47616c6c696120657374206f6d6e6973"
				    "20646976697361 20696e207061727465"
				    "732074726573";
	static const char want[] = "8040f17b8041f8d35501a0b2"
				   "f24de3a3fb34de6cacba861c9d7e4bca"
				   "be633bd50d294e6f42a5f47a51c7d19b"
				   "36de3adf8833"
				   "899d7f27beb16a9152cf765ee4390cce";
	uint8_t pkt[128], key[28], salt[12], iv[12];
	srtp_cipher_t *c = NULL;
	uint32_t len, taglen = 0;
	int n, ok;

	TEST_EQ_INT(gw_srtp_global_init(), 0);
	n = unhex(pkt, sizeof(pkt), plain);
	TEST_EQ_INT(n, 50);
	unhex(key, 16, "000102030405060708090a0b0c0d0e0f");
	unhex(salt, 12, "517569642070726f2071756f");
	memcpy(key + 16, salt, 12);
	/* §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt */
	memset(iv, 0, sizeof(iv));
	memcpy(iv + 2, pkt + 8, 4);
	memcpy(iv + 10, pkt + 2, 2);
	for (int i = 0; i < 12; i++)
		iv[i] ^= salt[i];
	TEST_ASSERT(same_hex(iv, 12, "51753c6580c2726f20718414"));
	len = (uint32_t)n - 12;
	ok = srtp_cipher_type_alloc(&gw_srtp_nettle_aes_gcm_128, &c, 28, 16) ==
		 0 &&
	     srtp_cipher_init(c, key) == 0 &&
	     srtp_cipher_set_iv(c, iv, srtp_direction_encrypt) == 0 &&
	     srtp_cipher_set_aad(c, pkt, 12) == 0 &&
	     srtp_cipher_encrypt(c, pkt + 12, &len) == 0 &&
	     srtp_cipher_get_tag(c, pkt + 12 + len, &taglen) == 0;
	if (c)
		srtp_cipher_dealloc(c);
	TEST_ASSERT(ok);
	TEST_EQ_INT(taglen, 16);
	TEST_ASSERT(same_hex(pkt, 12 + len + taglen, want));
	printf("srtp_rfc7714_gcm: IV, 38-octet ciphertext and 16-octet tag "
	       "match RFC 7714 16.1.1\n");
	return 0;
}

/* ---- round trips ---- */

static size_t make_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq,
		       size_t payload)
{
	buf[0] = 0x80;
	buf[1] = 0;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		buf[4 + i] = (uint8_t)((seq * 160u) >> (24 - 8 * i));
		buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	for (size_t i = 0; i < payload; i++)
		buf[12 + i] = (uint8_t)(seq + i);
	return 12 + payload;
}

static size_t make_rtcp(uint8_t *buf, uint32_t ssrc, uint8_t fill)
{
	/* an empty RR with 20 octets of padding-free filler as an SR body */
	buf[0] = 0x80;
	buf[1] = 200;
	buf[2] = 0;
	buf[3] = 6;
	for (int i = 0; i < 4; i++)
		buf[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	memset(buf + 8, fill, 20);
	return 28;
}

static void print_stats(const char *who, const struct gw_srtp *c)
{
	struct gw_srtp_stats s;

	gw_srtp_get_stats(c, &s);
	printf("  %s: tx rtp %llu rtcp %llu, rx rtp %llu rtcp %llu, "
	       "auth_fail %llu, replay %llu, errors %llu\n",
	       who, (unsigned long long)s.tx_rtp, (unsigned long long)s.tx_rtcp,
	       (unsigned long long)s.rx_rtp, (unsigned long long)s.rx_rtcp,
	       (unsigned long long)s.auth_fail, (unsigned long long)s.replay,
	       (unsigned long long)s.errors);
}

/*
 * One direction: from tx to rx, n good packets; before the last ones a
 * tampered, a replayed and a foreign-key packet; all counted, the stream
 * carries on.
 */
static int one_way(struct gw_srtp *tx, struct gw_srtp *rx,
		   struct gw_srtp *intruder, uint32_t ssrc, int rtcp)
{
	uint8_t _Alignas(8) buf[256], plain[256], keep[256];
	size_t len, plen, keep_len = 0;
	struct gw_srtp_stats before, after;

	gw_srtp_get_stats(rx, &before);
	for (int i = 0; i < 40; i++) {
		int err;

		plen = rtcp ? make_rtcp(plain, ssrc, (uint8_t)i)
			    : make_rtp(plain, ssrc, (uint16_t)(1000 + i), 160);
		memcpy(buf, plain, plen);
		len = plen;
		err = rtcp ? gw_srtp_protect_rtcp(tx, buf, &len, sizeof(buf))
			   : gw_srtp_protect(tx, buf, &len, sizeof(buf));
		if (err)
			TEST_FAIL("protect %d: %d", i, err);
		if (len <= plen || memcmp(buf + 12, plain + 12, 8) == 0)
			TEST_FAIL("packet %d not protected", i);
		if (i == 10) { /* tamper one octet of the payload */
			buf[20] ^= 0x01;
			err = rtcp ? gw_srtp_unprotect_rtcp(rx, buf, &len)
				   : gw_srtp_unprotect(rx, buf, &len);
			TEST_EQ_INT(err, -EBADMSG);
			continue;
		}
		if (i == 20) { /* the same packet under the intruder's key */
			/*
			 * SRTCP: move the intruder's index past ours first;
			 * an index we have seen is refused as a replay
			 * before the tag is checked.
			 */
			for (int j = 0; rtcp && j < 40; j++) {
				len = make_rtcp(buf, ssrc, 0x55);
				gw_srtp_protect_rtcp(intruder, buf, &len,
						     sizeof(buf));
			}
			plen = rtcp ? make_rtcp(buf, ssrc, 0x55)
				    : make_rtp(buf, ssrc, 1020, 160);
			len = plen;
			err = rtcp ? gw_srtp_protect_rtcp(intruder, buf, &len,
							  sizeof(buf))
				   : gw_srtp_protect(intruder, buf, &len,
						     sizeof(buf));
			TEST_EQ_INT(err, 0);
			err = rtcp ? gw_srtp_unprotect_rtcp(rx, buf, &len)
				   : gw_srtp_unprotect(rx, buf, &len);
			TEST_EQ_INT(err, -EBADMSG);
			continue;
		}
		if (i == 5) {
			memcpy(keep, buf, len);
			keep_len = len;
		}
		err = rtcp ? gw_srtp_unprotect_rtcp(rx, buf, &len)
			   : gw_srtp_unprotect(rx, buf, &len);
		if (err)
			TEST_FAIL("unprotect %d: %d", i, err);
		TEST_EQ_INT(len, plen);
		TEST_ASSERT(memcmp(buf, plain, plen) == 0);
		if (i == 30) { /* replay packet 5 */
			len = keep_len;
			memcpy(buf, keep, len);
			err = rtcp ? gw_srtp_unprotect_rtcp(rx, buf, &len)
				   : gw_srtp_unprotect(rx, buf, &len);
			TEST_EQ_INT(err, -EALREADY);
		}
	}
	gw_srtp_get_stats(rx, &after);
	TEST_EQ_INT((rtcp ? after.rx_rtcp - before.rx_rtcp
			  : after.rx_rtp - before.rx_rtp),
		    38);
	TEST_EQ_INT(after.auth_fail - before.auth_fail, 2);
	TEST_EQ_INT(after.replay - before.replay, 1);
	TEST_EQ_INT(after.errors - before.errors, 0);
	return 0;
}

static int round_trip(enum gw_srtp_suite suite)
{
	struct gw_srtp_key ka, kb, kx;
	struct gw_srtp *a = NULL, *b = NULL, *x = NULL;
	int err = -1;

	TEST_EQ_INT(gw_srtp_key_generate(&ka, suite), 0);
	TEST_EQ_INT(gw_srtp_key_generate(&kb, suite), 0);
	TEST_EQ_INT(gw_srtp_key_generate(&kx, suite), 0);
	TEST_ASSERT(memcmp(ka.key, kb.key, sizeof(ka.key)) != 0);
	if (gw_srtp_alloc(&a, &ka, &kb, 0x11111111) ||
	    gw_srtp_alloc(&b, &kb, &ka, 0x22222222) ||
	    gw_srtp_alloc(&x, &kx, &kx, 0x11111111))
		goto out;
	if (one_way(a, b, x, 0x11111111, 0) || one_way(a, b, x, 0x11111111, 1))
		goto out;
	/* the intruder sends with a's SSRC; b->a uses b's */
	gw_srtp_free(x);
	x = NULL;
	if (gw_srtp_alloc(&x, &kx, &kx, 0x22222222) ||
	    one_way(b, a, x, 0x22222222, 0) || one_way(b, a, x, 0x22222222, 1))
		goto out;
	printf("srtp_roundtrip %s: trailer rtp %zu rtcp %zu octets\n",
	       gw_srtp_suite_name(suite), gw_srtp_tx_overhead(a),
	       gw_srtp_tx_overhead_rtcp(a));
	print_stats("a", a);
	print_stats("b", b);
	err = 0;
out:
	gw_srtp_free(a);
	gw_srtp_free(b);
	gw_srtp_free(x);
	return err;
}

/* Send n packets tx -> rx from seq on; 0 iff all pass. */
static int pass_n(struct gw_srtp *tx, struct gw_srtp *rx, uint32_t ssrc,
		  uint16_t seq, int n)
{
	uint8_t _Alignas(8) buf[256];

	for (int i = 0; i < n; i++) {
		size_t len = make_rtp(buf, ssrc, (uint16_t)(seq + i), 160);

		if (gw_srtp_protect(tx, buf, &len, sizeof(buf)) ||
		    gw_srtp_unprotect(rx, buf, &len))
			return -1;
	}
	return 0;
}

/*
 * A peer's new key in a re-INVITE answer (RFC 4568 §7.1.4): a takes the
 * receive side of a context made with its own key and b's new one; b's
 * old key no longer passes, its new one does, and a's sending context
 * goes on through a sequence wrap (its rollover counter kept: b's
 * receiver, which never changed, still accepts it).
 */
static int srtp_swap_rx(void)
{
	const enum gw_srtp_suite suite = GW_SRTP_AES_CM_128_HMAC_SHA1_80;
	struct gw_srtp_key ka, kb, kc;
	struct gw_srtp *a = NULL, *b = NULL, *b2 = NULL, *fresh = NULL;
	struct gw_srtp_stats st;
	uint8_t _Alignas(8) buf[256];
	size_t len;
	int err = -1;

	TEST_EQ_INT(gw_srtp_key_generate(&ka, suite), 0);
	TEST_EQ_INT(gw_srtp_key_generate(&kb, suite), 0);
	TEST_EQ_INT(gw_srtp_key_generate(&kc, suite), 0);
	if (gw_srtp_alloc(&a, &ka, &kb, 0x11111111) ||
	    gw_srtp_alloc(&b, &kb, &ka, 0x22222222) ||
	    gw_srtp_alloc(&b2, &kc, &ka, 0x22222222) ||
	    gw_srtp_alloc(&fresh, &ka, &kc, 0x11111111))
		goto out;
	/* a sends up to just before its sequence number wraps */
	if (pass_n(a, b, 0x11111111, 65500, 20) ||
	    pass_n(b, a, 0x22222222, 100, 20))
		goto out;
	gw_srtp_swap_rx(a, fresh);
	/* b's old key: refused now */
	len = make_rtp(buf, 0x22222222, 120, 160);
	TEST_EQ_INT(gw_srtp_protect(b, buf, &len, sizeof(buf)), 0);
	TEST_EQ_INT(gw_srtp_unprotect(a, buf, &len), -EBADMSG);
	/* b's new key passes; a's stream wraps and b still takes it */
	if (pass_n(b2, a, 0x22222222, 121, 20) ||
	    pass_n(a, b, 0x11111111, 65520, 40)) {
		fprintf(stderr, "srtp_swap_rx: packets refused after the "
				"swap\n");
		goto out;
	}
	gw_srtp_get_stats(a, &st);
	printf("srtp_swap_rx: a accepted %llu, auth failures %llu\n",
	       (unsigned long long)st.rx_rtp,
	       (unsigned long long)st.auth_fail);
	TEST_EQ_INT(st.rx_rtp, 40);
	TEST_EQ_INT(st.auth_fail, 1);
	err = 0;
out:
	gw_srtp_free(a);
	gw_srtp_free(b);
	gw_srtp_free(b2);
	gw_srtp_free(fresh); /* now holding a's old receive side */
	return err;
}

static int srtp_roundtrip_80(void)
{
	return round_trip(GW_SRTP_AES_CM_128_HMAC_SHA1_80);
}

static int srtp_roundtrip_32(void)
{
	return round_trip(GW_SRTP_AES_CM_128_HMAC_SHA1_32);
}

static int srtp_roundtrip_gcm(void)
{
	return round_trip(GW_SRTP_AEAD_AES_128_GCM);
}

/* Trailers, MKI, lifetime, no room, short and foreign-SSRC packets. */
static int srtp_limits(void)
{
	uint8_t _Alignas(8) buf[256];
	struct gw_srtp_key k, m;
	struct gw_srtp *a = NULL, *b = NULL;
	struct gw_srtp_stats st;
	size_t len;

	TEST_EQ_INT(gw_srtp_key_generate(&k, GW_SRTP_AES_CM_128_HMAC_SHA1_32),
		    0);
	TEST_EQ_INT(gw_srtp_alloc(&a, &k, &k, 7), 0);
	TEST_EQ_INT(gw_srtp_tx_overhead(a), 4);
	TEST_EQ_INT(gw_srtp_tx_overhead_rtcp(a), 14); /* index + 80-bit tag */
	len = make_rtp(buf, 7, 1, 160);
	TEST_EQ_INT(gw_srtp_protect(a, buf, &len, 175), -ENOSPC);
	len = make_rtp(buf, 7, 1, 160);
	TEST_EQ_INT(gw_srtp_protect(a, buf, &len, 176), 0);
	TEST_EQ_INT(len, 176);
	len = make_rtp(buf, 8, 2, 160); /* not our SSRC */
	TEST_EQ_INT(gw_srtp_protect(a, buf, &len, sizeof(buf)), -EPROTO);
	len = 11;
	TEST_EQ_INT(gw_srtp_unprotect(a, buf, &len), -EPROTO);
	gw_srtp_get_stats(a, &st);
	TEST_EQ_INT(st.errors, 3);
	TEST_EQ_INT(st.tx_rtp, 1);
	gw_srtp_free(a);
	a = NULL;

	/* MKI 0x01020304 on 4 octets, lifetime 4 packets */
	m = k;
	m.mki = 0x01020304;
	m.mki_len = 4;
	m.lifetime = 4;
	TEST_EQ_INT(gw_srtp_alloc(&a, &m, &m, 9), 0);
	TEST_EQ_INT(gw_srtp_alloc(&b, &m, &m, 10), 0);
	TEST_EQ_INT(gw_srtp_tx_overhead(a), 8);
	for (int i = 0; i < 5; i++) {
		int err;

		len = make_rtp(buf, 9, (uint16_t)i, 160);
		err = gw_srtp_protect(a, buf, &len, sizeof(buf));
		if (i == 4) {
			TEST_EQ_INT(err, -EKEYEXPIRED);
			break;
		}
		TEST_EQ_INT(err, 0);
		TEST_ASSERT(same_hex(buf + 172, 4, "01020304"));
		TEST_EQ_INT(gw_srtp_unprotect(b, buf, &len), 0);
		TEST_EQ_INT(len, 172);
	}
	print_stats("mki+lifetime tx", a);
	print_stats("mki+lifetime rx", b);
	gw_srtp_free(a);
	gw_srtp_free(b);
	gw_srtp_free(NULL);
	printf("srtp_limits: _32 trailer 4/14, MKI trailer 8, lifetime 4 "
	       "stops the 5th packet\n");
	return 0;
}

/* ---- SDES ---- */

static int same_crypto(const struct gw_srtp_crypto *a,
		       const struct gw_srtp_crypto *b)
{
	return a->tag == b->tag && a->key.suite == b->key.suite &&
	       memcmp(a->key.key, b->key.key,
		      gw_srtp_suite_key_len(a->key.suite)) == 0 &&
	       a->key.lifetime == b->key.lifetime && a->key.mki == b->key.mki &&
	       a->key.mki_len == b->key.mki_len;
}

static int srtp_sdes_valid(void)
{
	static const char rfc4568[] =
	    "1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4";
	struct gw_srtp_crypto c, d;
	char line[160];
	int n;

	/* RFC 4568 §4 example */
	TEST_EQ_INT(gw_srtp_sdes_decode(&c, rfc4568), 0);
	TEST_EQ_INT(c.tag, 1);
	TEST_EQ_INT(c.key.suite, GW_SRTP_AES_CM_128_HMAC_SHA1_80);
	TEST_EQ_INT(c.key.lifetime, 1 << 20);
	TEST_EQ_INT(c.key.mki, 1);
	TEST_EQ_INT(c.key.mki_len, 4);
	TEST_ASSERT(same_hex(c.key.key, 30,
			     "3d2d6e40255e7821426a75667239293f"
			     "2c2335685c603d265d7b71695051"));
	n = gw_srtp_sdes_encode(line, sizeof(line), &c);
	TEST_EQ_INT(n, (int)strlen(rfc4568));
	TEST_EQ_STR(line, rfc4568);
	TEST_EQ_INT(gw_srtp_sdes_encode(line, 20, &c), -ENOSPC);

	/* a key of 0..29, printed and read back */
	memset(&c, 0, sizeof(c));
	c.tag = 7;
	c.key.suite = GW_SRTP_AES_CM_128_HMAC_SHA1_32;
	for (int i = 0; i < 30; i++)
		c.key.key[i] = (uint8_t)i;
	TEST_ASSERT(gw_srtp_sdes_encode(line, sizeof(line), &c) > 0);
	TEST_EQ_STR(line, "7 AES_CM_128_HMAC_SHA1_32 "
			  "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd");
	TEST_EQ_INT(gw_srtp_sdes_decode(&d, line), 0);
	TEST_ASSERT(same_crypto(&c, &d));

	/* GCM: 28 octets, with and without padding; lifetime in decimal,
	 * WSH and an optional extension ignored, blanks between fields */
	c.key.suite = GW_SRTP_AEAD_AES_128_GCM;
	c.key.lifetime = 1000000;
	TEST_ASSERT(gw_srtp_sdes_encode(line, sizeof(line), &c) > 0);
	TEST_EQ_STR(line,
		    "7 AEAD_AES_128_GCM "
		    "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==|1000000");
	TEST_EQ_INT(gw_srtp_sdes_decode(&d, line), 0);
	TEST_ASSERT(same_crypto(&c, &d));
	TEST_EQ_INT(gw_srtp_sdes_decode(&d,
					"9  AEAD_AES_128_GCM\tinline:"
					"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw"
					" WSH=128 -X-FOO=1 "),
		    0);
	TEST_EQ_INT(d.tag, 9);
	TEST_ASSERT(memcmp(d.key.key, c.key.key, 28) == 0);

	/* generated keys differ and survive the round trip */
	TEST_EQ_INT(gw_srtp_key_generate(&c.key, GW_SRTP_AEAD_AES_128_GCM), 0);
	TEST_EQ_INT(gw_srtp_key_generate(&d.key, GW_SRTP_AEAD_AES_128_GCM), 0);
	TEST_ASSERT(memcmp(c.key.key, d.key.key, 28) != 0);
	c.tag = 123456789;
	TEST_ASSERT(gw_srtp_sdes_encode(line, sizeof(line), &c) > 0);
	TEST_EQ_INT(gw_srtp_sdes_decode(&d, line), 0);
	TEST_ASSERT(same_crypto(&c, &d));

	for (int s = 0; s < GW_SRTP_SUITE_COUNT; s++)
		TEST_EQ_INT(
		    gw_srtp_suite_of_name(gw_srtp_suite_name(s),
					  strlen(gw_srtp_suite_name(s))),
		    s);
	TEST_ASSERT(gw_srtp_suite_name(GW_SRTP_SUITE_COUNT) == NULL);
	printf("srtp_sdes_valid: RFC 4568 example parsed and printed back; "
	       "3 suites named both ways; last line: %s\n",
	       line);
	return 0;
}

static int srtp_sdes_malformed(void)
{
#define K30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
#define K28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="
	static const struct {
		const char *line;
		int err;
	} cases[] = {
	    {"", -EINVAL},
	    {"x AES_CM_128_HMAC_SHA1_80 inline:" K30, -EINVAL},
	    {"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" K30, -EINVAL},
	    {"1 AES_CM_128_HMAC_SHA1_80", -EINVAL},
	    {"1 AES_CM_128_HMAC_SHA1_80 " K30, -EINVAL},
	    {"1 AES_CM_128_HMAC_SHA1_80 INLINE:" K30, -EINVAL},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4|9", -EINVAL},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " WSH=x", -EINVAL},
	    {"1 F8_128_HMAC_SHA1_80 inline:" K30, -EPROTONOSUPPORT},
	    {"1 aes_cm_128_hmac_sha1_80 inline:" K30, -EPROTONOSUPPORT},
	    {"1 AES_256_CM_HMAC_SHA1_80 inline:" K30, -EPROTONOSUPPORT},
	    {"1 AES_CM_128_HMAC_SHA1_80 "
	     "inline:AAEC!wQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
	     -EILSEQ},
	    {"1 AES_CM_128_HMAC_SHA1_80 "
	     "inline:AAEC=wQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
	     -EILSEQ},
	    {"1 AEAD_AES_128_GCM "
	     "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=",
	     -EILSEQ},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K28, -EMSGSIZE},
	    {"1 AEAD_AES_128_GCM inline:" K30, -EMSGSIZE},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "AAAA", -EMSGSIZE},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^49", -ERANGE},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|0", -ERANGE},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^x", -ERANGE},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|", -ERANGE},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:0", -EDOM},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|256:1", -EDOM},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|x:4", -EDOM},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:129", -EDOM},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:5", -ENOTSUP},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNENCRYPTED_SRTP",
	     -ENOTSUP},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=1", -ENOTSUP},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_ORDER=FEC_SRTP",
	     -ENOTSUP},
	    {"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4;inline:" K30
	     "|2^20|2:4",
	     -ENOTSUP},
	};
	const int codes[] = {-EINVAL,	-EPROTONOSUPPORT, -EILSEQ,
			     -EMSGSIZE, -ERANGE,	  -EDOM,
			     -ENOTSUP};
	int per_code[7] = {0};
	struct gw_srtp_crypto c = {.tag = 4242};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = gw_srtp_sdes_decode(&c, cases[i].line);

		if (err != cases[i].err)
			TEST_FAIL("\"%s\": %d (%s), expected %d (%s)",
				  cases[i].line, err,
				  gw_srtp_sdes_strerror(err), cases[i].err,
				  gw_srtp_sdes_strerror(cases[i].err));
		for (int j = 0; j < 7; j++)
			per_code[j] += err == codes[j];
	}
	TEST_EQ_INT(c.tag, 4242); /* never written on error */
	for (int i = 0; i < 7; i++)
		for (int j = 0; j < i; j++)
			TEST_ASSERT(strcmp(gw_srtp_sdes_strerror(codes[i]),
					   gw_srtp_sdes_strerror(codes[j])));
	printf("srtp_sdes_malformed: %zu lines rejected:",
	       sizeof(cases) / sizeof(cases[0]));
	for (int i = 0; i < 7; i++)
		printf(" %s %d%s", gw_srtp_sdes_strerror(codes[i]), per_code[i],
		       i < 6 ? "," : "\n");
	return 0;
#undef K30
#undef K28
}

static int srtp_sdes_choose(void)
{
	const char *offer[] = {
	    "1 F8_128_HMAC_SHA1_80 inline:"
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
	    "2 AES_CM_128_HMAC_SHA1_80 inline:"
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd UNENCRYPTED_SRTP",
	    "3 AEAD_AES_128_GCM inline:"
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==",
	    "4 AES_CM_128_HMAC_SHA1_80 inline:"
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
	};
	struct gw_srtp_crypto remote, local, back;
	struct gw_srtp *ctx = NULL;
	char line[160];
	int i;

	i = gw_srtp_sdes_choose(offer, 4, &remote, &local);
	TEST_EQ_INT(i, 2);
	TEST_EQ_INT(remote.tag, 3);
	TEST_EQ_INT(local.tag, 3);
	TEST_EQ_INT(remote.key.suite, GW_SRTP_AEAD_AES_128_GCM);
	TEST_EQ_INT(local.key.suite, GW_SRTP_AEAD_AES_128_GCM);
	TEST_ASSERT(memcmp(remote.key.key, local.key.key, 28) != 0);
	TEST_ASSERT(gw_srtp_sdes_encode(line, sizeof(line), &local) > 0);
	TEST_ASSERT(strncmp(line, "3 AEAD_AES_128_GCM inline:", 26) == 0);
	TEST_EQ_INT(gw_srtp_sdes_decode(&back, line), 0);
	TEST_ASSERT(same_crypto(&back, &local));
	/* the answer's keys make a working context */
	TEST_EQ_INT(gw_srtp_alloc(&ctx, &local.key, &remote.key, 1), 0);
	gw_srtp_free(ctx);

	TEST_EQ_INT(gw_srtp_sdes_choose(offer + 3, 1, &remote, &local), 0);
	TEST_EQ_INT(local.tag, 4);
	TEST_EQ_INT(local.key.suite, GW_SRTP_AES_CM_128_HMAC_SHA1_80);
	TEST_EQ_INT(gw_srtp_sdes_choose(offer, 2, &remote, &local), -ENOENT);
	TEST_EQ_INT(gw_srtp_sdes_choose(offer, 0, &remote, &local), -ENOENT);
	printf("srtp_sdes_choose: offer of 4 -> line %d (tag 3, "
	       "AEAD_AES_128_GCM); answer: %.26s<key>\n",
	       i, line);
	return 0;
}

/* ---- timing (and, under tests/alloccount.so, allocations) ---- */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * ns per protect + unprotect of a 12 + 160 octet RTP packet. The loop
 * after the first packet runs with the thread named "gw-media", so that
 * LD_PRELOAD=tests/alloccount.so ALLOCCOUNT_FILE=f counts its heap calls.
 */
static int srtp_timing(void)
{
	const int n = 20000;

	for (int s = 0; s < GW_SRTP_SUITE_COUNT; s++) {
		uint8_t _Alignas(8) buf[256];
		char name[16] = "";
		struct gw_srtp_key k;
		struct gw_srtp *tx = NULL, *rx = NULL;
		long long t0, t1;
		size_t len;
		int bad = 0;

		TEST_EQ_INT(gw_srtp_key_generate(&k, s), 0);
		TEST_EQ_INT(gw_srtp_alloc(&tx, &k, &k, 0x5eed), 0);
		TEST_EQ_INT(gw_srtp_alloc(&rx, &k, &k, 0x1), 0);
		len = make_rtp(buf, 0x5eed, 0, 160);
		bad |= gw_srtp_protect(tx, buf, &len, sizeof(buf));
		bad |= gw_srtp_unprotect(rx, buf, &len); /* creates rx stream */
		prctl(PR_GET_NAME, name, 0, 0, 0);
		prctl(PR_SET_NAME, "gw-media", 0, 0, 0);
		t0 = now_ns();
		for (int i = 1; i <= n; i++) {
			len = make_rtp(buf, 0x5eed, (uint16_t)i, 160);
			bad |= gw_srtp_protect(tx, buf, &len, sizeof(buf));
			bad |= gw_srtp_unprotect(rx, buf, &len);
		}
		t1 = now_ns();
		prctl(PR_SET_NAME, name, 0, 0, 0);
		gw_srtp_free(tx);
		gw_srtp_free(rx);
		TEST_EQ_INT(bad, 0);
		printf("srtp_timing %s: %lld ns per protect+unprotect of a "
		       "172-octet RTP packet (%d packets)\n",
		       gw_srtp_suite_name(s), (t1 - t0) / n, n);
	}
	return 0;
}

/* ---- our nettle primitives against libsrtp's own ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void) /* xorshift64*: reproducible inputs */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* AES-ICM: libsrtp's in one call, ours in three pieces */
static int cmp_icm(void)
{
	uint8_t key[30], iv[16], a[1500], b[1500];
	uint32_t n = rnd() % sizeof(a), n1 = n ? rnd() % n : 0;
	uint32_t n2 = n - n1 ? rnd() % (n - n1) : 0, n3 = n - n1 - n2;
	srtp_cipher_t *ref = NULL, *our = NULL;
	int ok;

	rnd_fill(key, sizeof(key));
	rnd_fill(iv, sizeof(iv));
	iv[14] = iv[15] = 0; /* the block counter, as in SRTP */
	rnd_fill(a, n);
	memcpy(b, a, n);
	ok = srtp_cipher_type_alloc(&srtp_aes_icm_128, &ref, 30, 0) == 0 &&
	     srtp_cipher_type_alloc(&gw_srtp_nettle_aes_icm_128, &our, 30, 0) ==
		 0 &&
	     srtp_cipher_init(ref, key) == 0 &&
	     srtp_cipher_init(our, key) == 0 &&
	     srtp_cipher_set_iv(ref, iv, srtp_direction_encrypt) == 0 &&
	     srtp_cipher_set_iv(our, iv, srtp_direction_encrypt) == 0 &&
	     srtp_cipher_encrypt(ref, a, &n) == 0 &&
	     srtp_cipher_encrypt(our, b, &n1) == 0 &&
	     srtp_cipher_encrypt(our, b + n1, &n2) == 0 &&
	     srtp_cipher_encrypt(our, b + n1 + n2, &n3) == 0 &&
	     n1 + n2 + n3 == n && memcmp(a, b, n) == 0;
	if (ref)
		srtp_cipher_dealloc(ref);
	if (our)
		srtp_cipher_dealloc(our);
	if (!ok)
		TEST_FAIL("AES-ICM differs (%u octets in %u+%u+%u)", n, n1, n2,
			  n3);
	return 0;
}

/* AES-GCM: same ciphertext || tag, our AAD in two pieces; ours opens
 * libsrtp's packet and refuses it with one bit changed */
static int cmp_gcm(unsigned int tag_len)
{
	uint8_t key[28], iv[12], aad[64], a[1516], b[1516], plain[1500];
	uint32_t n = rnd() % sizeof(plain), na = rnd() % sizeof(aad);
	uint32_t na1 = na ? rnd() % na : 0, la = n, lb = n, ta = 0, tb = 0;
	srtp_cipher_t *ref = NULL, *our = NULL;
	int ok, err_tag = -1, err_aad = -1;

	rnd_fill(key, sizeof(key));
	rnd_fill(iv, sizeof(iv));
	rnd_fill(aad, na);
	rnd_fill(plain, n);
	memcpy(a, plain, n);
	memcpy(b, plain, n);
	ok = srtp_cipher_type_alloc(&srtp_aes_gcm_128, &ref, 28,
				    (int)tag_len) == 0 &&
	     srtp_cipher_type_alloc(&gw_srtp_nettle_aes_gcm_128, &our, 28,
				    (int)tag_len) == 0 &&
	     srtp_cipher_init(ref, key) == 0 &&
	     srtp_cipher_init(our, key) == 0 &&
	     srtp_cipher_set_iv(ref, iv, srtp_direction_encrypt) == 0 &&
	     srtp_cipher_set_iv(our, iv, srtp_direction_encrypt) == 0 &&
	     srtp_cipher_set_aad(ref, aad, na) == 0 &&
	     srtp_cipher_set_aad(our, aad, na1) == 0 &&
	     srtp_cipher_set_aad(our, aad + na1, na - na1) == 0 &&
	     srtp_cipher_encrypt(ref, a, &la) == 0 &&
	     srtp_cipher_encrypt(our, b, &lb) == 0 &&
	     srtp_cipher_get_tag(ref, a + la, &ta) == 0 &&
	     srtp_cipher_get_tag(our, b + lb, &tb) == 0 && ta == tag_len &&
	     tb == tag_len && la == n && lb == n &&
	     memcmp(a, b, n + tag_len) == 0;
	/* ours decrypts libsrtp's */
	lb = n + tag_len;
	ok = ok && srtp_cipher_set_iv(our, iv, srtp_direction_decrypt) == 0 &&
	     srtp_cipher_set_aad(our, aad, na) == 0 &&
	     srtp_cipher_decrypt(our, a, &lb) == 0 && lb == n &&
	     memcmp(a, plain, n) == 0;
	/* a changed tag bit, then a changed AAD bit */
	if (ok) {
		memcpy(a, b, n + tag_len);
		a[n + tag_len - 1] ^= 0x80;
		lb = n + tag_len;
		srtp_cipher_set_iv(our, iv, srtp_direction_decrypt);
		srtp_cipher_set_aad(our, aad, na);
		err_tag = srtp_cipher_decrypt(our, a, &lb);
		memcpy(a, b, n + tag_len);
		aad[0] ^= 1;
		lb = n + tag_len;
		srtp_cipher_set_iv(our, iv, srtp_direction_decrypt);
		srtp_cipher_set_aad(our, aad, na ? na : 1);
		err_aad = srtp_cipher_decrypt(our, a, &lb);
	}
	if (ref)
		srtp_cipher_dealloc(ref);
	if (our)
		srtp_cipher_dealloc(our);
	if (!ok)
		TEST_FAIL("AES-GCM/%u differs (%u octets, AAD %u+%u)", tag_len,
			  n, na1, na - na1);
	TEST_EQ_INT(err_tag, srtp_err_status_auth_fail);
	TEST_EQ_INT(err_aad, srtp_err_status_auth_fail);
	return 0;
}

/* HMAC-SHA1: libsrtp's over the message at once, ours in two updates */
static int cmp_hmac(void)
{
	uint8_t key[20], msg[1500], ta[20], tb[20];
	int n = (int)(rnd() % sizeof(msg)), n1 = n ? (int)(rnd() % n) : 0;
	srtp_auth_t *ref = NULL, *our = NULL;
	int ok;

	rnd_fill(key, sizeof(key));
	rnd_fill(msg, (size_t)n);
	ok = srtp_auth_type_alloc(&srtp_hmac, &ref, 20, 20) == 0 &&
	     srtp_auth_type_alloc(&gw_srtp_nettle_hmac_sha1, &our, 20, 20) ==
		 0 &&
	     srtp_auth_init(ref, key) == 0 && srtp_auth_init(our, key) == 0 &&
	     srtp_auth_start(ref) == 0 && srtp_auth_start(our) == 0 &&
	     srtp_auth_compute(ref, msg, n, ta) == 0 &&
	     srtp_auth_update(our, msg, n1) == 0 &&
	     srtp_auth_compute(our, msg + n1, n - n1, tb) == 0 &&
	     memcmp(ta, tb, 20) == 0;
	/* a second message after start(): no state left from the first */
	ok = ok && srtp_auth_start(ref) == 0 && srtp_auth_start(our) == 0 &&
	     srtp_auth_update(our, msg, n1) == 0 && /* abandoned */
	     srtp_auth_start(our) == 0 &&
	     srtp_auth_compute(ref, msg, n1, ta) == 0 &&
	     srtp_auth_compute(our, msg, n1, tb) == 0 &&
	     memcmp(ta, tb, 20) == 0;
	if (ref)
		srtp_auth_dealloc(ref);
	if (our)
		srtp_auth_dealloc(our);
	if (!ok)
		TEST_FAIL("HMAC-SHA1 differs (%d octets, split at %d)", n, n1);
	return 0;
}

static int srtp_nettle_vs_libsrtp(void)
{
	const int rounds = 300;

	TEST_EQ_INT(gw_srtp_global_init(), 0);
	/* our self-test data (RFC 3711 B.2, RFC 7714, RFC 2202) and
	 * libsrtp's on our types */
	TEST_EQ_INT(srtp_cipher_type_self_test(&gw_srtp_nettle_aes_icm_128), 0);
	TEST_EQ_INT(srtp_cipher_type_self_test(&gw_srtp_nettle_aes_gcm_128), 0);
	TEST_EQ_INT(srtp_auth_type_self_test(&gw_srtp_nettle_hmac_sha1), 0);
	TEST_EQ_INT(srtp_cipher_type_test(&gw_srtp_nettle_aes_icm_128,
					  srtp_aes_icm_128.test_data),
		    0);
	TEST_EQ_INT(srtp_cipher_type_test(&gw_srtp_nettle_aes_gcm_128,
					  srtp_aes_gcm_128.test_data),
		    0);
	TEST_EQ_INT(
	    srtp_auth_type_test(&gw_srtp_nettle_hmac_sha1, srtp_hmac.test_data),
	    0);
	/* and libsrtp runs them all in its status check */
	TEST_EQ_INT(srtp_crypto_kernel_status(), 0);
	for (int i = 0; i < rounds; i++)
		if (cmp_icm() || cmp_gcm(16) || cmp_gcm(8) || cmp_hmac())
			return -1;
	printf("srtp_nettle_vs_libsrtp: self-tests pass (ours and libsrtp's "
	       "data); %d random rounds of AES-ICM (split), AES-GCM tag 16 "
	       "and 8 (split AAD, tampered tag and AAD refused), HMAC-SHA1 "
	       "(split) equal libsrtp's (%s, %s, %s)\n",
	       rounds, srtp_aes_icm_128.description,
	       srtp_aes_gcm_128.description, srtp_hmac.description);
	return 0;
}

/* ---- no heap call per packet ---- */

/*
 * Counting heap calls inside the test binary: under ASan/UBSan builds the
 * sanitizer's malloc/free hooks count them exactly; otherwise glibc's
 * mallinfo2() sees any heap call made by a fresh thread (its first
 * malloc or free sets up the thread's tcache, which stays in use), so
 * the loop runs on a new thread and the in-use figure must not move.
 */
typedef void (*malloc_hook_fn)(const volatile void *, size_t);
typedef void (*free_hook_fn)(const volatile void *);
extern int __sanitizer_install_malloc_and_free_hooks(malloc_hook_fn,
						     free_hook_fn)
    __attribute__((weak));

static __thread bool counting;
static atomic_ulong hook_calls;
static bool hooks_on;

static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	if (counting)
		atomic_fetch_add_explicit(&hook_calls, 1, memory_order_relaxed);
}

static void on_free(const volatile void *p)
{
	(void)p;
	if (counting)
		atomic_fetch_add_explicit(&hook_calls, 1, memory_order_relaxed);
}

struct loop {
	struct gw_srtp *tx, *rx;
	const char *thread_name;
	int rtp, rtcp;		   /* packet pairs */
	bool heap_call;		   /* control: one malloc + free in the loop */
	int bad;		   /* failed calls */
	unsigned long calls;	   /* heap calls (hooks) */
	unsigned long first_calls; /* in the first unprotect (hooks) */
	bool grew;		   /* heap in use changed (mallinfo2) */
	long long ns;
};

static void *loop_main(void *arg)
{
	struct loop *l = arg;
	uint8_t _Alignas(8) buf[256];
	struct mallinfo2 m0, m1;
	unsigned long c0;
	long long t0;
	size_t len;

	prctl(PR_SET_NAME, l->thread_name, 0, 0, 0);
	m0 = mallinfo2();
	c0 = atomic_load(&hook_calls);
	counting = true;
	t0 = now_ns();
	for (int i = 1; i <= l->rtp; i++) {
		len = make_rtp(buf, 0x5eed, (uint16_t)i, 160);
		l->bad += gw_srtp_protect(l->tx, buf, &len, sizeof(buf)) != 0;
		l->bad += gw_srtp_unprotect(l->rx, buf, &len) != 0;
		l->bad += len != 172;
	}
	for (int i = 1; i <= l->rtcp; i++) {
		len = make_rtcp(buf, 0x5eed, (uint8_t)i);
		l->bad +=
		    gw_srtp_protect_rtcp(l->tx, buf, &len, sizeof(buf)) != 0;
		l->bad += gw_srtp_unprotect_rtcp(l->rx, buf, &len) != 0;
		l->bad += len != 28;
	}
	if (l->heap_call) {
		void *volatile p = malloc(16);

		free(p);
	}
	l->ns = now_ns() - t0;
	counting = false;
	l->calls = atomic_load(&hook_calls) - c0;
	m1 = mallinfo2();
	l->grew = m1.uordblks != m0.uordblks || m1.arena != m0.arena ||
		  m1.hblkhd != m0.hblkhd;
	return NULL;
}

/* A stream pair of suite s whose first packets have passed (stream set
 * up), then l's loop on a new thread. */
static int run_loop(struct loop *l, enum gw_srtp_suite s)
{
	uint8_t _Alignas(8) buf[256];
	struct gw_srtp_key k;
	pthread_t th;
	size_t len;
	int err;

	l->tx = l->rx = NULL;
	err = gw_srtp_key_generate(&k, s);
	if (!err)
		err = gw_srtp_alloc(&l->tx, &k, &k, 0x5eed);
	if (!err)
		err = gw_srtp_alloc(&l->rx, &k, &k, 0x1);
	len = make_rtp(buf, 0x5eed, 0, 160);
	if (!err)
		err = gw_srtp_protect(l->tx, buf, &len, sizeof(buf));
	if (!err) { /* sets up the receive stream for this SSRC */
		unsigned long c0 = atomic_load(&hook_calls);

		counting = true;
		err = gw_srtp_unprotect(l->rx, buf, &len);
		counting = false;
		l->first_calls = atomic_load(&hook_calls) - c0;
	}
	len = make_rtcp(buf, 0x5eed, 0);
	if (!err)
		err = gw_srtp_protect_rtcp(l->tx, buf, &len, sizeof(buf));
	if (!err)
		err = gw_srtp_unprotect_rtcp(l->rx, buf, &len);
	if (!err)
		err = -pthread_create(&th, NULL, loop_main, l);
	if (!err)
		err = -pthread_join(th, NULL);
	gw_srtp_free(l->tx);
	gw_srtp_free(l->rx);
	return err;
}

static bool heap_touched(const struct loop *l)
{
	return hooks_on ? l->calls > 0 : l->grew;
}

/* libsrtp's own primitives back in the kernel, for the comparison */
static int use_libsrtp_types(bool on)
{
	if (!on)
		return gw_srtp_nettle_register();
	if (srtp_replace_cipher_type(&srtp_aes_icm_128, SRTP_AES_ICM_128) ||
	    srtp_replace_cipher_type(&srtp_aes_gcm_128, SRTP_AES_GCM_128) ||
	    srtp_replace_auth_type(&srtp_hmac, SRTP_HMAC_SHA1))
		return -EPROTO;
	return 0;
}

static int srtp_no_alloc(void)
{
	const int rtp = 1000, rtcp = 100;
	struct loop l;

	TEST_EQ_INT(gw_srtp_global_init(), 0);
	if (!hooks_on && __sanitizer_install_malloc_and_free_hooks)
		hooks_on = __sanitizer_install_malloc_and_free_hooks(
			       on_malloc, on_free) != 0;
	printf("srtp_no_alloc: counting with %s\n",
	       hooks_on ? "the sanitizer's malloc/free hooks (exact)"
			: "mallinfo2() on a fresh thread (any call)");
	/* the counter itself: an idle loop, then one malloc + free */
	l = (struct loop){.thread_name = "srtp-control"};
	TEST_EQ_INT(run_loop(&l, GW_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	if (heap_touched(&l))
		TEST_FAIL("control: an empty loop counted heap calls");
	l = (struct loop){.thread_name = "srtp-control", .heap_call = true};
	TEST_EQ_INT(run_loop(&l, GW_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	if (!heap_touched(&l))
		TEST_FAIL("control: malloc + free not seen");
	/* libsrtp's own (NSS) primitives: figures only */
	TEST_EQ_INT(use_libsrtp_types(true), 0);
	for (int s = 0; s < GW_SRTP_SUITE_COUNT; s++) {
		int err;

		l = (struct loop){.thread_name = "srtp-libsrtp", .rtp = 100};
		err = run_loop(&l, s);
		if (err || l.bad) {
			use_libsrtp_types(false);
			TEST_FAIL("libsrtp's types, %s: %d, %d bad",
				  gw_srtp_suite_name(s), err, l.bad);
		}
		if (hooks_on)
			printf("srtp_no_alloc: libsrtp's own primitives, %s: "
			       "%.1f heap calls, %lld ns per RTP pair\n",
			       gw_srtp_suite_name(s), l.calls / 100.0,
			       l.ns / 100);
		else
			printf("srtp_no_alloc: libsrtp's own primitives, %s: "
			       "heap calls %s, %lld ns per RTP pair\n",
			       gw_srtp_suite_name(s), l.grew ? "seen" : "none",
			       l.ns / 100);
	}
	TEST_EQ_INT(use_libsrtp_types(false), 0);
	/* ours */
	for (int s = 0; s < GW_SRTP_SUITE_COUNT; s++) {
		l = (struct loop){
		    .thread_name = "gw-media", .rtp = rtp, .rtcp = rtcp};
		TEST_EQ_INT(run_loop(&l, s), 0);
		TEST_EQ_INT(l.bad, 0);
		printf("srtp_no_alloc: nettle, %s: %d RTP + %d RTCP pairs, "
		       "heap calls: %s, %lld ns per pair\n",
		       gw_srtp_suite_name(s), rtp, rtcp,
		       hooks_on ? (l.calls ? "some" : "0")
				: (l.grew ? "seen" : "none"),
		       l.ns / (rtp + rtcp));
		if (hooks_on)
			printf("srtp_no_alloc: nettle, %s: %lu heap calls in "
			       "the first unprotect (receive stream set up)\n",
			       gw_srtp_suite_name(s), l.first_calls);
		if (hooks_on)
			TEST_EQ_INT(l.calls, 0);
		else
			TEST_ASSERT(!l.grew);
	}
	return 0;
}

const struct gw_test_case gw_test_cases_srtp[] = {
    {"srtp_rfc3711_b2_keystream", srtp_rfc3711_b2_keystream},
    {"srtp_rfc3711_b3_kdf", srtp_rfc3711_b3_kdf},
    {"srtp_known_answer", srtp_known_answer},
    {"srtp_rfc7714_gcm", srtp_rfc7714_gcm},
    {"srtp_roundtrip_80", srtp_roundtrip_80},
    {"srtp_roundtrip_32", srtp_roundtrip_32},
    {"srtp_roundtrip_gcm", srtp_roundtrip_gcm},
    {"srtp_limits", srtp_limits},
    {"srtp_swap_rx", srtp_swap_rx},
    {"srtp_sdes_valid", srtp_sdes_valid},
    {"srtp_sdes_malformed", srtp_sdes_malformed},
    {"srtp_sdes_choose", srtp_sdes_choose},
    {"srtp_nettle_vs_libsrtp", srtp_nettle_vs_libsrtp},
    {"srtp_no_alloc", srtp_no_alloc},
    {"srtp_timing", srtp_timing},
    {NULL, NULL},
};
