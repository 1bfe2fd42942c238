// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * srtp: SRTP/SRTCP contexts over libsrtp2 and SDES (RFC 4568) a=crypto
 * attributes. See srtp.h for the contract.
 */
#include "gateway/srtp.h"
#include "gateway/srtp_nettle.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <sofia-sip/base64.h>
#include <srtp2/srtp.h>

/* ---- suites ---- */

static const struct {
	const char *name;
	size_t key_len; /* master key || master salt */
	bool aead;
} suites[GW_SRTP_SUITE_COUNT] = {
    [GW_SRTP_AES_CM_128_HMAC_SHA1_80] = {"AES_CM_128_HMAC_SHA1_80", 30, false},
    [GW_SRTP_AES_CM_128_HMAC_SHA1_32] = {"AES_CM_128_HMAC_SHA1_32", 30, false},
    [GW_SRTP_AEAD_AES_128_GCM] = {"AEAD_AES_128_GCM", 28, true},
};

static bool suite_ok(enum gw_srtp_suite s)
{
	return (unsigned int)s < GW_SRTP_SUITE_COUNT;
}

const char *gw_srtp_suite_name(enum gw_srtp_suite suite)
{
	return suite_ok(suite) ? suites[suite].name : NULL;
}

int gw_srtp_suite_of_name(const char *name, size_t len)
{
	for (int i = 0; i < GW_SRTP_SUITE_COUNT; i++)
		if (strlen(suites[i].name) == len &&
		    memcmp(suites[i].name, name, len) == 0)
			return i;
	return -EPROTONOSUPPORT;
}

size_t gw_srtp_suite_key_len(enum gw_srtp_suite suite)
{
	return suite_ok(suite) ? suites[suite].key_len : 0;
}

/* ---- keys ---- */

static int random_fill(uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int gw_srtp_key_generate(struct gw_srtp_key *k, enum gw_srtp_suite suite)
{
	struct gw_srtp_key tmp = {.suite = suite};
	int err;

	if (!suite_ok(suite))
		return -EINVAL;
	err = random_fill(tmp.key, suites[suite].key_len);
	if (err == 0)
		*k = tmp;
	explicit_bzero(&tmp, sizeof(tmp));
	return err;
}

/* ---- SDES a=crypto (RFC 4568 §9.2 grammar) ---- */

#define LIFETIME_MAX (1ULL << 48) /* SRTP's limit, RFC 3711 §9.2 */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       is_digit(c) || c == '+' || c == '/';
}

/*
 * Decimal digits [p, end) into *v; fails on an empty field, a non-digit
 * or a value above max.
 */
static bool parse_dec(const char *p, const char *end, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (p == end)
		return false;
	for (; p < end; p++) {
		if (!is_digit(*p))
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > max)
			return false;
	}
	*v = x;
	return true;
}

/* key-salt: base64 of exactly the suite's length, '=' padding optional. */
static int decode_key(struct gw_srtp_key *k, const char *p, const char *end)
{
	char text[4 * ((GW_SRTP_MAX_KEY_LEN + 2) / 3) + 1];
	char raw[GW_SRTP_MAX_KEY_LEN + 3];
	size_t n = 0, pad = 0, len;
	isize_t got;

	while (p + n < end && is_b64(p[n]))
		n++;
	while (p + n + pad < end && p[n + pad] == '=')
		pad++;
	if (p + n + pad != end || pad > 2 || n % 4 == 1 ||
	    (pad && (n + pad) % 4 != 0))
		return -EILSEQ;
	len = n * 3 / 4;
	if (len != suites[k->suite].key_len || n + 1 > sizeof(text))
		return -EMSGSIZE;
	memcpy(text, p, n);
	text[n] = '\0';
	got = base64_d(raw, sizeof(raw), text);
	if (got < 0 || (size_t)got != len) {
		explicit_bzero(raw, sizeof(raw));
		explicit_bzero(text, sizeof(text));
		return -EILSEQ;
	}
	memcpy(k->key, raw, len);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(text, sizeof(text));
	return 0;
}

/* lifetime = ["2^"] 1*DIGIT */
static int decode_lifetime(struct gw_srtp_key *k, const char *p,
			   const char *end)
{
	uint64_t v;

	if (end - p >= 2 && p[0] == '2' && p[1] == '^') {
		if (!parse_dec(p + 2, end, 48, &v))
			return -ERANGE;
		k->lifetime = 1ULL << v;
		return 0;
	}
	if (!parse_dec(p, end, LIFETIME_MAX, &v) || v == 0)
		return -ERANGE;
	k->lifetime = v;
	return 0;
}

/* mki = mki-value ":" mki-length (1..128 octets; we take 1..4) */
static int decode_mki(struct gw_srtp_key *k, const char *p, const char *end)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	uint64_t v, len;

	if (!colon || !parse_dec(colon + 1, end, 128, &len) || len == 0 ||
	    !parse_dec(p, colon, UINT64_MAX / 10, &v))
		return -EDOM;
	if (len > GW_SRTP_MAX_MKI_LEN)
		return -ENOTSUP;
	if (len < 8 && v >> (8 * len))
		return -EDOM;
	k->mki = (uint32_t)v;
	k->mki_len = (uint8_t)len;
	return 0;
}

/* One session parameter [p, end): WSH and "-" extensions are ignored. */
static int decode_session_param(const char *p, const char *end)
{
	uint64_t v;

	if (*p == '-')
		return 0; /* optional extension: may be ignored (§6.3.7) */
	if (end - p > 4 && memcmp(p, "WSH=", 4) == 0)
		return parse_dec(p + 4, end, UINT32_MAX, &v) ? 0 : -EINVAL;
	return -ENOTSUP;
}

int gw_srtp_sdes_decode(struct gw_srtp_crypto *out, const char *value)
{
	struct gw_srtp_crypto c = {0};
	const char *p = value, *f, *end;
	uint64_t tag;
	int s, err;

	/* tag = 1*9DIGIT */
	for (f = p; is_digit(*p); p++)
		;
	if (p - f > 9 || !parse_dec(f, p, 999999999, &tag) || !is_wsp(*p))
		return -EINVAL;
	c.tag = (uint32_t)tag;
	while (is_wsp(*p))
		p++;

	/* crypto-suite */
	for (f = p; *p && !is_wsp(*p); p++)
		;
	if (p == f || !is_wsp(*p))
		return -EINVAL;
	s = gw_srtp_suite_of_name(f, (size_t)(p - f));
	if (s < 0)
		return s;
	c.key.suite = (enum gw_srtp_suite)s;
	while (is_wsp(*p))
		p++;

	/* key-params: one "inline:" key-info */
	if (strncmp(p, "inline:", 7) != 0)
		return -EINVAL;
	p += 7;
	for (end = p; *end && !is_wsp(*end); end++)
		if (*end == ';')
			return -ENOTSUP; /* several keys */
	f = memchr(p, '|', (size_t)(end - p));
	err = decode_key(&c.key, p, f ? f : end);
	if (err)
		goto out;
	if (f) {
		const char *g = memchr(f + 1, '|', (size_t)(end - f - 1));
		const char *fe = g ? g : end;

		/* one field: lifetime, or MKI if it has a colon */
		if (memchr(f + 1, ':', (size_t)(fe - f - 1)) && !g)
			err = decode_mki(&c.key, f + 1, fe);
		else
			err = decode_lifetime(&c.key, f + 1, fe);
		if (!err && g) {
			if (memchr(g + 1, '|', (size_t)(end - g - 1)))
				err = -EINVAL;
			else
				err = decode_mki(&c.key, g + 1, end);
		}
		if (err)
			goto out;
	}
	p = end;

	/* session-params */
	while (*p) {
		if (!is_wsp(*p)) {
			err = -EINVAL;
			goto out;
		}
		while (is_wsp(*p))
			p++;
		if (!*p)
			break; /* trailing blanks */
		for (f = p; *p && !is_wsp(*p); p++)
			;
		err = decode_session_param(f, p);
		if (err)
			goto out;
	}
	*out = c;
out:
	explicit_bzero(&c, sizeof(c));
	return err;
}

const char *gw_srtp_sdes_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -EINVAL:
		return "syntax error";
	case -EPROTONOSUPPORT:
		return "unknown crypto suite";
	case -EILSEQ:
		return "key is not valid base64";
	case -EMSGSIZE:
		return "wrong key length for the suite";
	case -ERANGE:
		return "bad key lifetime";
	case -EDOM:
		return "bad MKI";
	case -ENOTSUP:
		return "unsupported parameter";
	default:
		return "error";
	}
}

int gw_srtp_sdes_encode(char *buf, size_t size, const struct gw_srtp_crypto *c)
{
	const struct gw_srtp_key *k = &c->key;
	char b64[BASE64_SIZE(GW_SRTP_MAX_KEY_LEN) + 1];
	char life[32] = "", mki[32] = "";
	uint8_t raw[GW_SRTP_MAX_KEY_LEN];
	int n;

	if (!suite_ok(k->suite) || c->tag > 999999999 ||
	    k->lifetime > LIFETIME_MAX || k->mki_len > GW_SRTP_MAX_MKI_LEN ||
	    (k->mki_len && k->mki_len < 4 && k->mki >> (8 * k->mki_len)))
		return -EINVAL;
	memcpy(raw, k->key, suites[k->suite].key_len);
	base64_e(b64, sizeof(b64), raw, (isize_t)suites[k->suite].key_len);
	explicit_bzero(raw, sizeof(raw));
	if (k->lifetime && (k->lifetime & (k->lifetime - 1)) == 0)
		snprintf(life, sizeof(life), "|2^%d",
			 __builtin_ctzll(k->lifetime));
	else if (k->lifetime)
		snprintf(life, sizeof(life), "|%llu",
			 (unsigned long long)k->lifetime);
	if (k->mki_len)
		snprintf(mki, sizeof(mki), "|%u:%u", k->mki, k->mki_len);
	n = snprintf(buf, size, "%u %s inline:%s%s%s", c->tag,
		     suites[k->suite].name, b64, life, mki);
	explicit_bzero(b64, sizeof(b64));
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size) {
		if (size)
			explicit_bzero(buf, size);
		return -ENOSPC;
	}
	return n;
}

int gw_srtp_sdes_choose(const char *const *values, size_t n,
			struct gw_srtp_crypto *remote,
			struct gw_srtp_crypto *local)
{
	for (size_t i = 0; i < n; i++) {
		struct gw_srtp_crypto r, l;
		int err;

		if (!values[i] || gw_srtp_sdes_decode(&r, values[i]) < 0)
			continue;
		l.tag = r.tag;
		err = gw_srtp_key_generate(&l.key, r.key.suite);
		if (err) {
			explicit_bzero(&r, sizeof(r));
			return err;
		}
		*remote = r;
		*local = l;
		explicit_bzero(&r, sizeof(r));
		explicit_bzero(&l, sizeof(l));
		return (int)i;
	}
	return -ENOENT;
}

/* ---- contexts ---- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_err;

static void log_discard(srtp_log_level_t level, const char *msg, void *data)
{
	(void)level;
	(void)msg;
	(void)data;
}

static void global_init(void)
{
	/* libsrtp must never write from the media thread: drop its log */
	srtp_install_log_handler(log_discard, NULL);
	init_err = srtp_init() == srtp_err_status_ok ? 0 : -EPROTO;
	/* nettle's primitives: libsrtp's NSS ones allocate per packet */
	if (!init_err)
		init_err = gw_srtp_nettle_register();
}

int gw_srtp_global_init(void)
{
	pthread_once(&init_once, global_init);
	return init_err;
}

struct gw_srtp {
	srtp_t tx, rx;
	bool tx_mki, rx_mki;
	bool rx_aead;
	uint32_t tx_trailer, tx_trailer_rtcp;
	uint64_t tx_limit, rx_limit; /* 0: none */
	uint64_t tx_used, rx_used;   /* media thread only */
	atomic_uint_least64_t tx_rtp, tx_rtcp, rx_rtp, rx_rtcp;
	atomic_uint_least64_t auth_fail, replay, errors;
};

/* Build a policy for key k in caller storage (keybuf, mki, mk, mkp). */
static int make_policy(srtp_policy_t *p, const struct gw_srtp_key *k,
		       unsigned char *keybuf, unsigned char *mki,
		       srtp_master_key_t *mk, srtp_master_key_t **mkp)
{
	if (!suite_ok(k->suite) || k->mki_len > GW_SRTP_MAX_MKI_LEN)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	switch (k->suite) {
	case GW_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case GW_SRTP_AES_CM_128_HMAC_SHA1_32:
		/* SRTCP keeps the 80-bit tag (RFC 4568 §6.2.2) */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case GW_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		break;
	default:
		return -EINVAL;
	}
	memcpy(keybuf, k->key, suites[k->suite].key_len);
	if (k->mki_len) {
		for (int i = 0; i < k->mki_len; i++)
			mki[i] = (unsigned char)(k->mki >>
						 (8 * (k->mki_len - 1 - i)));
		mk->key = keybuf;
		mk->mki_id = mki;
		mk->mki_size = k->mki_len;
		mkp[0] = mk;
		p->keys = mkp;
		p->num_master_keys = 1;
	} else {
		p->key = keybuf;
	}
	p->window_size = 0; /* libsrtp's default, 128 */
	p->allow_repeat_tx = 0;
	return 0;
}

static int create(srtp_t *s, const struct gw_srtp_key *k, srtp_ssrc_type_t type,
		  uint32_t ssrc)
{
	unsigned char keybuf[GW_SRTP_MAX_KEY_LEN], mki[GW_SRTP_MAX_MKI_LEN];
	srtp_master_key_t mk, *mkp[1];
	srtp_policy_t p;
	srtp_err_status_t st;
	int err;

	err = make_policy(&p, k, keybuf, mki, &mk, mkp);
	if (err)
		return err;
	p.ssrc.type = type;
	p.ssrc.value = ssrc;
	st = srtp_create(s, &p);
	explicit_bzero(keybuf, sizeof(keybuf));
	if (st == srtp_err_status_alloc_fail)
		return -ENOMEM;
	return st == srtp_err_status_ok ? 0 : -EPROTO;
}

int gw_srtp_alloc(struct gw_srtp **ret, const struct gw_srtp_key *tx,
		  const struct gw_srtp_key *rx, uint32_t tx_ssrc)
{
	struct gw_srtp *c;
	int err;

	if (!tx || !rx || !suite_ok(tx->suite) || !suite_ok(rx->suite))
		return -EINVAL;
	err = gw_srtp_global_init();
	if (err)
		return err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = create(&c->tx, tx, ssrc_specific, tx_ssrc);
	if (!err)
		err = create(&c->rx, rx, ssrc_any_inbound, 0);
	if (err)
		goto fail;
	c->tx_mki = tx->mki_len > 0;
	c->rx_mki = rx->mki_len > 0;
	c->rx_aead = suites[rx->suite].aead;
	c->tx_limit = tx->lifetime;
	c->rx_limit = rx->lifetime;
	if (srtp_get_protect_trailer_length(c->tx, c->tx_mki, 0,
					    &c->tx_trailer) ||
	    srtp_get_protect_rtcp_trailer_length(c->tx, c->tx_mki, 0,
						 &c->tx_trailer_rtcp)) {
		err = -EPROTO;
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	gw_srtp_free(c);
	return err;
}

void gw_srtp_swap_rx(struct gw_srtp *ctx, struct gw_srtp *fresh)
{
	srtp_t rx = ctx->rx;
	bool mki = ctx->rx_mki, aead = ctx->rx_aead;
	uint64_t limit = ctx->rx_limit, used = ctx->rx_used;

	ctx->rx = fresh->rx;
	ctx->rx_mki = fresh->rx_mki;
	ctx->rx_aead = fresh->rx_aead;
	ctx->rx_limit = fresh->rx_limit;
	ctx->rx_used = fresh->rx_used;
	fresh->rx = rx;
	fresh->rx_mki = mki;
	fresh->rx_aead = aead;
	fresh->rx_limit = limit;
	fresh->rx_used = used;
}

void gw_srtp_free(struct gw_srtp *ctx)
{
	if (!ctx)
		return;
	if (ctx->tx)
		srtp_dealloc(ctx->tx);
	if (ctx->rx)
		srtp_dealloc(ctx->rx);
	free(ctx);
}

size_t gw_srtp_tx_overhead(const struct gw_srtp *ctx)
{
	return ctx->tx_trailer;
}

size_t gw_srtp_tx_overhead_rtcp(const struct gw_srtp *ctx)
{
	return ctx->tx_trailer_rtcp;
}

#define RTP_MIN	 12 /* fixed RTP header */
#define RTCP_MIN 8  /* RTCP header with the sender's SSRC */

static void count(atomic_uint_least64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* Count a failed packet and map libsrtp's status to our error. */
static int fail(struct gw_srtp *ctx, srtp_err_status_t st, bool rx)
{
	switch (st) {
	case srtp_err_status_auth_fail:
		count(&ctx->auth_fail);
		return -EBADMSG;
	case srtp_err_status_cipher_fail:
		/* NSS reports a GCM tag mismatch as a cipher failure */
		if (rx && ctx->rx_aead) {
			count(&ctx->auth_fail);
			return -EBADMSG;
		}
		break;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		count(&ctx->replay);
		return -EALREADY;
	default:
		break;
	}
	count(&ctx->errors);
	return -EPROTO;
}

static int tx_check(struct gw_srtp *ctx, size_t len, size_t cap,
		    uint32_t trailer, size_t min)
{
	if (len < min || len > (size_t)INT32_MAX) {
		count(&ctx->errors);
		return -EPROTO;
	}
	if (cap < len + trailer) {
		count(&ctx->errors);
		return -ENOSPC;
	}
	if (ctx->tx_limit && ctx->tx_used >= ctx->tx_limit) {
		count(&ctx->errors);
		return -EKEYEXPIRED;
	}
	return 0;
}

static int rx_check(struct gw_srtp *ctx, size_t len, size_t min)
{
	if (len < min || len > (size_t)INT32_MAX) {
		count(&ctx->errors);
		return -EPROTO;
	}
	if (ctx->rx_limit && ctx->rx_used >= ctx->rx_limit) {
		count(&ctx->errors);
		return -EKEYEXPIRED;
	}
	return 0;
}

int gw_srtp_protect(struct gw_srtp *ctx, uint8_t *buf, size_t *len, size_t cap)
{
	int n = (int)*len,
	    err = tx_check(ctx, *len, cap, ctx->tx_trailer, RTP_MIN);
	srtp_err_status_t st;

	if (err)
		return err;
	st = srtp_protect_mki(ctx->tx, buf, &n, ctx->tx_mki, 0);
	if (st)
		return fail(ctx, st, false);
	ctx->tx_used++;
	*len = (size_t)n;
	count(&ctx->tx_rtp);
	return 0;
}

int gw_srtp_unprotect(struct gw_srtp *ctx, uint8_t *buf, size_t *len)
{
	int n = (int)*len, err = rx_check(ctx, *len, RTP_MIN);
	srtp_err_status_t st;

	if (err)
		return err;
	st = srtp_unprotect_mki(ctx->rx, buf, &n, ctx->rx_mki);
	if (st)
		return fail(ctx, st, true);
	ctx->rx_used++;
	*len = (size_t)n;
	count(&ctx->rx_rtp);
	return 0;
}

int gw_srtp_protect_rtcp(struct gw_srtp *ctx, uint8_t *buf, size_t *len,
			 size_t cap)
{
	int n = (int)*len,
	    err = tx_check(ctx, *len, cap, ctx->tx_trailer_rtcp, RTCP_MIN);
	srtp_err_status_t st;

	if (err)
		return err;
	st = srtp_protect_rtcp_mki(ctx->tx, buf, &n, ctx->tx_mki, 0);
	if (st)
		return fail(ctx, st, false);
	ctx->tx_used++;
	*len = (size_t)n;
	count(&ctx->tx_rtcp);
	return 0;
}

int gw_srtp_unprotect_rtcp(struct gw_srtp *ctx, uint8_t *buf, size_t *len)
{
	int n = (int)*len, err = rx_check(ctx, *len, RTCP_MIN);
	srtp_err_status_t st;

	if (err)
		return err;
	st = srtp_unprotect_rtcp_mki(ctx->rx, buf, &n, ctx->rx_mki);
	if (st)
		return fail(ctx, st, true);
	ctx->rx_used++;
	*len = (size_t)n;
	count(&ctx->rx_rtcp);
	return 0;
}

void gw_srtp_get_stats(const struct gw_srtp *ctx, struct gw_srtp_stats *st)
{
	const struct gw_srtp *c = ctx;

	st->tx_rtp = atomic_load_explicit(&c->tx_rtp, memory_order_relaxed);
	st->tx_rtcp = atomic_load_explicit(&c->tx_rtcp, memory_order_relaxed);
	st->rx_rtp = atomic_load_explicit(&c->rx_rtp, memory_order_relaxed);
	st->rx_rtcp = atomic_load_explicit(&c->rx_rtcp, memory_order_relaxed);
	st->auth_fail =
	    atomic_load_explicit(&c->auth_fail, memory_order_relaxed);
	st->replay = atomic_load_explicit(&c->replay, memory_order_relaxed);
	st->errors = atomic_load_explicit(&c->errors, memory_order_relaxed);
}
