// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * srtp_nettle: libsrtp2's AES-128-ICM, AES-128-GCM and HMAC-SHA1 on
 * nettle, allocation-free per packet. See srtp_nettle.h.
 */
#include "gateway/srtp_nettle.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/ctr.h>
#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <nettle/macros.h>
#include <nettle/memops.h>
#include <nettle/memxor.h>
#include <nettle/sha1.h>

#define ICM_KEY_LEN   16	/* AES-128 */
#define ICM_SALT_LEN  14	/* RFC 3711 §4.1.1: 112-bit salt */
#define ICM_MAX_BYTES (1 << 20) /* 2^16 blocks per IV: 16-bit counter */
#define GCM_KEY_LEN   16
#define GCM_SALT_LEN  12 /* RFC 7714 §8.1 */

/* ---- AES-128 integer counter mode ---- */

struct icm {
	struct aes128_ctx aes;
	uint8_t offset[AES_BLOCK_SIZE]; /* salt || 0x0000 */
	uint8_t ctr[AES_BLOCK_SIZE];	/* next counter block */
	uint8_t ks[AES_BLOCK_SIZE];	/* keystream of a partial block */
	unsigned int ks_used;		/* octets of ks used; 16: none left */
	uint32_t done;			/* octets of keystream since set_iv */
};

struct icm_cipher {
	srtp_cipher_t c;
	struct icm s;
};

static srtp_err_status_t srtpn_icm_alloc(srtp_cipher_pointer_t *cp, int key_len,
					 int tag_len)
{
	struct icm_cipher *ic;

	(void)tag_len;
	if (key_len != ICM_KEY_LEN + ICM_SALT_LEN)
		return srtp_err_status_bad_param;
	ic = calloc(1, sizeof(*ic));
	if (!ic)
		return srtp_err_status_alloc_fail;
	ic->c.type = &gw_srtp_nettle_aes_icm_128;
	ic->c.state = &ic->s;
	ic->c.key_len = key_len;
	ic->c.algorithm = SRTP_AES_ICM_128;
	ic->s.ks_used = AES_BLOCK_SIZE;
	*cp = &ic->c;
	return srtp_err_status_ok;
}

/* c is the first member of the block that alloc() made (icm, gcm alike) */
static srtp_err_status_t srtpn_cipher_dealloc(srtp_cipher_pointer_t c,
					      size_t size)
{
	if (!c)
		return srtp_err_status_bad_param;
	explicit_bzero(c, size);
	free(c);
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_icm_dealloc(srtp_cipher_pointer_t c)
{
	return srtpn_cipher_dealloc(c, sizeof(struct icm_cipher));
}

static srtp_err_status_t srtpn_icm_init(void *state, const uint8_t *key)
{
	struct icm *s = state;

	aes128_set_encrypt_key(&s->aes, key);
	memset(s->offset, 0, sizeof(s->offset));
	memcpy(s->offset, key + ICM_KEY_LEN, ICM_SALT_LEN);
	memcpy(s->ctr, s->offset, sizeof(s->ctr));
	s->ks_used = AES_BLOCK_SIZE;
	s->done = 0;
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_icm_set_iv(void *state, uint8_t *iv,
					  srtp_cipher_direction_t dir)
{
	struct icm *s = state;

	(void)dir; /* counter mode: the same either way */
	memxor3(s->ctr, s->offset, iv, AES_BLOCK_SIZE);
	s->ks_used = AES_BLOCK_SIZE;
	s->done = 0;
	return srtp_err_status_ok;
}

/* In place, encrypting and decrypting alike; keystream goes on across
 * calls until the next set_iv(). */
static srtp_err_status_t srtpn_icm_crypt(void *state, uint8_t *buf,
					 unsigned int *len)
{
	struct icm *s = state;
	size_t n = *len, full;

	if (n > ICM_MAX_BYTES - s->done)
		return srtp_err_status_terminus;
	s->done += (uint32_t)n;
	while (n && s->ks_used < AES_BLOCK_SIZE) {
		*buf++ ^= s->ks[s->ks_used++];
		n--;
	}
	full = n & ~(size_t)(AES_BLOCK_SIZE - 1);
	if (full) {
		ctr_crypt(&s->aes, (nettle_cipher_func *)aes128_encrypt,
			  AES_BLOCK_SIZE, s->ctr, full, buf, buf);
		buf += full;
		n -= full;
	}
	if (n) {
		aes128_encrypt(&s->aes, AES_BLOCK_SIZE, s->ks, s->ctr);
		INCREMENT(AES_BLOCK_SIZE, s->ctr);
		memxor(buf, s->ks, n);
		s->ks_used = (unsigned int)n;
	}
	return srtp_err_status_ok;
}

/* ---- AES-128 GCM ---- */

struct gcm {
	struct gcm_aes128_ctx gcm;
	uint8_t aad[GCM_BLOCK_SIZE]; /* AAD not yet given to nettle */
	unsigned int aad_len;
	unsigned int tag_len;	     /* 8 or 16 */
	srtp_cipher_direction_t dir; /* of the last set_iv() */
	bool data;		     /* en/decryption begun: AAD closed */
	bool ended;		     /* a partial block went: data closed */
};

struct gcm_cipher {
	srtp_cipher_t c;
	struct gcm s;
};

static srtp_err_status_t srtpn_gcm_alloc(srtp_cipher_pointer_t *cp, int key_len,
					 int tag_len)
{
	struct gcm_cipher *gc;

	if (key_len != GCM_KEY_LEN + GCM_SALT_LEN ||
	    (tag_len != 8 && tag_len != GCM_DIGEST_SIZE))
		return srtp_err_status_bad_param;
	gc = calloc(1, sizeof(*gc));
	if (!gc)
		return srtp_err_status_alloc_fail;
	gc->c.type = &gw_srtp_nettle_aes_gcm_128;
	gc->c.state = &gc->s;
	gc->c.key_len = key_len;
	gc->c.algorithm = SRTP_AES_GCM_128;
	gc->s.tag_len = (unsigned int)tag_len;
	gc->s.dir = srtp_direction_any;
	*cp = &gc->c;
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_gcm_dealloc(srtp_cipher_pointer_t c)
{
	return srtpn_cipher_dealloc(c, sizeof(struct gcm_cipher));
}

/* key: the 16-octet key; the salt that follows is libsrtp's business
 * (it is folded into the IV before set_iv()) */
static srtp_err_status_t srtpn_gcm_init(void *state, const uint8_t *key)
{
	struct gcm *s = state;

	gcm_aes128_set_key(&s->gcm, key);
	s->dir = srtp_direction_any;
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_gcm_set_iv(void *state, uint8_t *iv,
					  srtp_cipher_direction_t dir)
{
	struct gcm *s = state;

	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	gcm_aes128_set_iv(&s->gcm, GCM_IV_SIZE, iv);
	s->dir = dir;
	s->aad_len = 0;
	s->data = false;
	s->ended = false;
	return srtp_err_status_ok;
}

/* nettle wants every AAD chunk but the last in whole blocks: buffer */
static srtp_err_status_t srtpn_gcm_set_aad(void *state, const uint8_t *aad,
					   uint32_t len)
{
	struct gcm *s = state;
	size_t full;

	if (s->dir == srtp_direction_any || s->data)
		return srtp_err_status_bad_param;
	if (s->aad_len) {
		size_t take = GCM_BLOCK_SIZE - s->aad_len;

		if (take > len)
			take = len;
		memcpy(s->aad + s->aad_len, aad, take);
		s->aad_len += (unsigned int)take;
		aad += take;
		len -= (uint32_t)take;
		if (s->aad_len < GCM_BLOCK_SIZE)
			return srtp_err_status_ok;
		gcm_aes128_update(&s->gcm, GCM_BLOCK_SIZE, s->aad);
		s->aad_len = 0;
	}
	full = len & ~(uint32_t)(GCM_BLOCK_SIZE - 1);
	if (full)
		gcm_aes128_update(&s->gcm, full, aad);
	memcpy(s->aad, aad + full, len - full);
	s->aad_len = (unsigned int)(len - full);
	return srtp_err_status_ok;
}

/* Close the AAD; check that data may follow (one partial block at most,
 * and only at the end). */
static srtp_err_status_t srtpn_gcm_begin_data(struct gcm *s, size_t len,
					      srtp_cipher_direction_t dir)
{
	if (s->dir != dir || (s->ended && len))
		return srtp_err_status_bad_param;
	if (!s->data) {
		if (s->aad_len)
			gcm_aes128_update(&s->gcm, s->aad_len, s->aad);
		s->aad_len = 0;
		s->data = true;
	}
	if (len % GCM_BLOCK_SIZE)
		s->ended = true;
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_gcm_encrypt(void *state, uint8_t *buf,
					   unsigned int *len)
{
	struct gcm *s = state;
	srtp_err_status_t err =
	    srtpn_gcm_begin_data(s, *len, srtp_direction_encrypt);

	if (err)
		return err;
	if (*len)
		gcm_aes128_encrypt(&s->gcm, *len, buf, buf);
	return srtp_err_status_ok;
}

/* After encrypt(): the tag, tag_len octets, written at tag. */
static srtp_err_status_t srtpn_gcm_get_tag(void *state, uint8_t *tag,
					   uint32_t *len)
{
	struct gcm *s = state;
	srtp_err_status_t err =
	    srtpn_gcm_begin_data(s, 0, srtp_direction_encrypt);

	if (err)
		return err;
	gcm_aes128_digest(&s->gcm, s->tag_len, tag);
	*len = s->tag_len;
	s->dir = srtp_direction_any; /* a tag per set_iv() */
	return srtp_err_status_ok;
}

/* buf holds ciphertext || tag, *len octets; on success *len loses the tag */
static srtp_err_status_t srtpn_gcm_decrypt(void *state, uint8_t *buf,
					   unsigned int *len)
{
	struct gcm *s = state;
	uint8_t tag[GCM_DIGEST_SIZE];
	srtp_err_status_t err;
	size_t n;
	int same;

	if (*len < s->tag_len)
		return srtp_err_status_bad_param;
	n = *len - s->tag_len;
	err = srtpn_gcm_begin_data(s, n, srtp_direction_decrypt);
	if (err)
		return err;
	if (n)
		gcm_aes128_decrypt(&s->gcm, n, buf, buf);
	gcm_aes128_digest(&s->gcm, s->tag_len, tag);
	s->dir = srtp_direction_any;
	same = memeql_sec(tag, buf + n, s->tag_len);
	explicit_bzero(tag, sizeof(tag));
	if (!same)
		return srtp_err_status_auth_fail;
	*len = (unsigned int)n;
	return srtp_err_status_ok;
}

/* ---- HMAC-SHA1 ---- */

struct hmac {
	struct hmac_sha1_ctx keyed; /* after init(): copied on start() */
	struct hmac_sha1_ctx run;
};

struct hmac_auth {
	srtp_auth_t a;
	struct hmac s;
};

static srtp_err_status_t srtpn_hmac_alloc(srtp_auth_pointer_t *ap, int key_len,
					  int out_len)
{
	struct hmac_auth *ha;

	if (key_len < 0 || out_len < 0 || out_len > SHA1_DIGEST_SIZE)
		return srtp_err_status_bad_param;
	ha = calloc(1, sizeof(*ha));
	if (!ha)
		return srtp_err_status_alloc_fail;
	ha->a.type = &gw_srtp_nettle_hmac_sha1;
	ha->a.state = &ha->s;
	ha->a.out_len = out_len;
	ha->a.key_len = key_len;
	ha->a.prefix_len = 0;
	*ap = &ha->a;
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_hmac_dealloc(srtp_auth_pointer_t a)
{
	if (!a)
		return srtp_err_status_bad_param;
	explicit_bzero(a, sizeof(struct hmac_auth));
	free(a);
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_hmac_init(void *state, const uint8_t *key,
					 int key_len)
{
	struct hmac *s = state;

	if (key_len < 0)
		return srtp_err_status_bad_param;
	hmac_sha1_set_key(&s->keyed, (size_t)key_len, key);
	s->run = s->keyed;
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_hmac_start(void *state)
{
	struct hmac *s = state;

	s->run = s->keyed;
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_hmac_update(void *state, const uint8_t *msg,
					   int len)
{
	struct hmac *s = state;

	if (len < 0)
		return srtp_err_status_bad_param;
	hmac_sha1_update(&s->run, (size_t)len, msg);
	return srtp_err_status_ok;
}

static srtp_err_status_t srtpn_hmac_compute(void *state, const uint8_t *msg,
					    int len, int tag_len, uint8_t *tag)
{
	struct hmac *s = state;
	uint8_t h[SHA1_DIGEST_SIZE];

	if (len < 0 || tag_len < 0 || tag_len > SHA1_DIGEST_SIZE)
		return srtp_err_status_bad_param;
	hmac_sha1_update(&s->run, (size_t)len, msg);
	hmac_sha1_digest(&s->run, SHA1_DIGEST_SIZE, h); /* resets run */
	memcpy(tag, h, (size_t)tag_len);
	explicit_bzero(h, sizeof(h));
	return srtp_err_status_ok;
}

/* ---- self-test data ---- */

/* RFC 3711 Appendix B.2: the first two keystream blocks */
static const uint8_t icm_key[30] = {
    0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7,
    0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c, 0xf0, 0xf1, 0xf2, 0xf3,
    0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static uint8_t icm_iv[16]; /* SSRC 0, index 0 (libsrtp wants non-const) */
static const uint8_t icm_zero[32];
static const uint8_t icm_keystream[32] = {
    0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1,
    0x6d, 0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02,
    0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};

static const srtp_cipher_test_case_t icm_test = {
    .key_length_octets = sizeof(icm_key),
    .key = icm_key,
    .idx = icm_iv,
    .plaintext_length_octets = sizeof(icm_zero),
    .plaintext = icm_zero,
    .ciphertext_length_octets = sizeof(icm_keystream),
    .ciphertext = icm_keystream,
};

/* RFC 7714 §16.1.1: key || salt, IV, RTP header as AAD, ciphertext || tag;
 * the 8-octet tag case is the same packet with the tag cut (§14.2) */
static const uint8_t gcm_key[28] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x51, 0x75, 0x69, 0x64,
    0x20, 0x70, 0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f,
};
static uint8_t gcm_iv[12] = {
    0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2, 0x72, 0x6f, 0x20, 0x71, 0x84, 0x14,
};
static const uint8_t gcm_aad[12] = {
    0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3, 0x55, 0x01, 0xa0, 0xb2,
};
static const uint8_t gcm_plain[38] = {
    0x47, 0x61, 0x6c, 0x6c, 0x69, 0x61, 0x20, 0x65, 0x73, 0x74,
    0x20, 0x6f, 0x6d, 0x6e, 0x69, 0x73, 0x20, 0x64, 0x69, 0x76,
    0x69, 0x73, 0x61, 0x20, 0x69, 0x6e, 0x20, 0x70, 0x61, 0x72,
    0x74, 0x65, 0x73, 0x20, 0x74, 0x72, 0x65, 0x73,
};
static const uint8_t gcm_sealed[54] = {
    0xf2, 0x4d, 0xe3, 0xa3, 0xfb, 0x34, 0xde, 0x6c, 0xac, 0xba, 0x86,
    0x1c, 0x9d, 0x7e, 0x4b, 0xca, 0xbe, 0x63, 0x3b, 0xd5, 0x0d, 0x29,
    0x4e, 0x6f, 0x42, 0xa5, 0xf4, 0x7a, 0x51, 0xc7, 0xd1, 0x9b, 0x36,
    0xde, 0x3a, 0xdf, 0x88, 0x33, 0x89, 0x9d, 0x7f, 0x27, 0xbe, 0xb1,
    0x6a, 0x91, 0x52, 0xcf, 0x76, 0x5e, 0xe4, 0x39, 0x0c, 0xce,
};

static const srtp_cipher_test_case_t gcm_test_8 = {
    .key_length_octets = sizeof(gcm_key),
    .key = gcm_key,
    .idx = gcm_iv,
    .plaintext_length_octets = sizeof(gcm_plain),
    .plaintext = gcm_plain,
    .ciphertext_length_octets = sizeof(gcm_plain) + 8,
    .ciphertext = gcm_sealed,
    .aad_length_octets = sizeof(gcm_aad),
    .aad = gcm_aad,
    .tag_length_octets = 8,
};

static const srtp_cipher_test_case_t gcm_test = {
    .key_length_octets = sizeof(gcm_key),
    .key = gcm_key,
    .idx = gcm_iv,
    .plaintext_length_octets = sizeof(gcm_plain),
    .plaintext = gcm_plain,
    .ciphertext_length_octets = sizeof(gcm_sealed),
    .ciphertext = gcm_sealed,
    .aad_length_octets = sizeof(gcm_aad),
    .aad = gcm_aad,
    .tag_length_octets = 16,
    .next_test_case = &gcm_test_8,
};

/* RFC 2202 §3, test case 1 */
static const uint8_t hmac_key[20] = {
    0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
    0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_data[8] = {'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e'};
static const uint8_t hmac_tag[20] = {
    0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
    0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};

static const srtp_auth_test_case_t hmac_test = {
    .key_length_octets = sizeof(hmac_key),
    .key = hmac_key,
    .data_length_octets = sizeof(hmac_data),
    .data = hmac_data,
    .tag_length_octets = sizeof(hmac_tag),
    .tag = hmac_tag,
};

/* ---- the types ---- */

const srtp_cipher_type_t gw_srtp_nettle_aes_icm_128 = {
    .alloc = srtpn_icm_alloc,
    .dealloc = srtpn_icm_dealloc,
    .init = srtpn_icm_init,
    .set_aad = NULL,
    .encrypt = srtpn_icm_crypt,
    .decrypt = srtpn_icm_crypt,
    .set_iv = srtpn_icm_set_iv,
    .get_tag = NULL,
    .description = "AES-128 integer counter mode (nettle)",
    .test_data = &icm_test,
    .id = SRTP_AES_ICM_128,
};

const srtp_cipher_type_t gw_srtp_nettle_aes_gcm_128 = {
    .alloc = srtpn_gcm_alloc,
    .dealloc = srtpn_gcm_dealloc,
    .init = srtpn_gcm_init,
    .set_aad = srtpn_gcm_set_aad,
    .encrypt = srtpn_gcm_encrypt,
    .decrypt = srtpn_gcm_decrypt,
    .set_iv = srtpn_gcm_set_iv,
    .get_tag = srtpn_gcm_get_tag,
    .description = "AES-128 GCM (nettle)",
    .test_data = &gcm_test,
    .id = SRTP_AES_GCM_128,
};

const srtp_auth_type_t gw_srtp_nettle_hmac_sha1 = {
    .alloc = srtpn_hmac_alloc,
    .dealloc = srtpn_hmac_dealloc,
    .init = srtpn_hmac_init,
    .compute = srtpn_hmac_compute,
    .update = srtpn_hmac_update,
    .start = srtpn_hmac_start,
    .description = "HMAC-SHA1 (nettle)",
    .test_data = &hmac_test,
    .id = SRTP_HMAC_SHA1,
};

int gw_srtp_nettle_register(void)
{
	if (srtp_replace_cipher_type(&gw_srtp_nettle_aes_icm_128,
				     SRTP_AES_ICM_128) ||
	    srtp_replace_cipher_type(&gw_srtp_nettle_aes_gcm_128,
				     SRTP_AES_GCM_128) ||
	    srtp_replace_auth_type(&gw_srtp_nettle_hmac_sha1, SRTP_HMAC_SHA1))
		return -EPROTO;
	return 0;
}
