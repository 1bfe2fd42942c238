// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sresolv.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/tport_tag.h>

#include "config.h"
#ifdef HAVE_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#endif

#include "gateway/app.h"
#include "gateway/conf_int.h"
#include "gateway/log.h"
#include "gateway/transport.h"

#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define PEM_MAX (1024 * 1024)

/* ---- configuration ---- */

static const struct gw_conf_tp defaults = {
	.tcp = true,
	.tls_verify_peer = true,
	.keepalive_s = 90,
};

/* Read at most PEM_MAX bytes of `path` into a NUL-terminated buffer. */
static int read_text(const char *path, char **ret)
{
	char *buf = malloc(PEM_MAX + 1);
	size_t n;
	FILE *f;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		free(buf);
		return err;
	}
	n = fread(buf, 1, PEM_MAX, f);
	if (ferror(f))
		err = -EIO;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*ret = buf;
	return 0;
}

/*
 * sip.KEY names a readable PEM file (relative: to the main file's folder)
 * holding each of `markers` (NULL-terminated, any one of a row separated
 * by '|' will do). The resolved path goes to dst.
 */
static int get_pem(struct gw_conf_ctx *c, const config_setting_t *g,
		   const char *key, const char *const *markers, char *dst,
		   size_t size, bool dir_ok, bool *is_dir,
		   config_setting_t **out)
{
	char val[256], path[512], *text = NULL;
	config_setting_t *s;
	struct stat st;
	int r;

	r = gw_conf_get_str(c, g, "sip", key, val, sizeof(val), &s);
	if (r < 0 || !s)
		return r;
	*out = s;
	if (!val[0])
		return gw_conf_fail(c, s, "sip", key, "must not be empty");
	snprintf(path, sizeof(path), "%s%s", val[0] == '/' ? "" :
		 gw_conf_ctx_dir(c), val);
	if (strlen(path) >= size)
		return gw_conf_fail(c, s, "sip", key, "path too long");
	if (stat(path, &st) < 0)
		return gw_conf_fail(c, s, "sip", key, "cannot read \"%s\": %s",
				    path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		char agent[600];

		if (!dir_ok)
			return gw_conf_fail(c, s, "sip", key,
					    "\"%s\" is a folder, not a file",
					    path);
		/* Sofia's layout: agent.pem = key + certificate */
		snprintf(agent, sizeof(agent), "%s/agent.pem", path);
		r = read_text(agent, &text);
		if (r < 0)
			return gw_conf_fail(c, s, "sip", key,
					    "cannot read \"%s\": %s", agent,
					    strerror(-r));
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
			 "/agent.pem");
		*is_dir = true;
	} else {
		r = read_text(path, &text);
		if (r < 0)
			return gw_conf_fail(c, s, "sip", key,
					    "cannot read \"%s\": %s", path,
					    strerror(-r));
		if (is_dir)
			*is_dir = false;
	}
	for (int i = 0; markers[i]; i++) {
		char alt[128], *tok, *save = NULL;
		bool found = false;

		snprintf(alt, sizeof(alt), "%s", markers[i]);
		for (tok = strtok_r(alt, "|", &save); tok && !found;
		     tok = strtok_r(NULL, "|", &save))
			found = strstr(text, tok) != NULL;
		if (!found) {
			free(text);
			return gw_conf_fail(c, s, "sip", key,
					    "\"%s\" holds no PEM %s", path,
					    markers[i]);
		}
	}
	free(text);
	if (*is_dir)
		path[strlen(path) - strlen("/agent.pem")] = '\0';
	strcpy(dst, path);
	return 0;
}

static const char *const cert_markers[] = { "-----BEGIN CERTIFICATE-----",
					    NULL };
static const char *const key_markers[] = {
	"-----BEGIN PRIVATE KEY-----|-----BEGIN RSA PRIVATE KEY-----|"
	"-----BEGIN EC PRIVATE KEY-----|-----BEGIN ENCRYPTED PRIVATE KEY",
	NULL
};
static const char *const both_markers[] = {
	"-----BEGIN CERTIFICATE-----",
	"-----BEGIN PRIVATE KEY-----|-----BEGIN RSA PRIVATE KEY-----|"
	"-----BEGIN EC PRIVATE KEY-----|-----BEGIN ENCRYPTED PRIVATE KEY",
	NULL
};

#ifdef HAVE_OPENSSL
static const char *ssl_why(void)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

/*
 * What Sofia's TLS will do with the files, done now so that a bad file
 * is a FILE:LINE: KEY error and not a listener that fails every
 * handshake (Sofia only logs a key that does not match and goes on).
 */
static int tls_check(struct gw_conf_ctx *c, const struct gw_conf_tp *tp,
		     config_setting_t *sc, config_setting_t *sk,
		     config_setting_t *sa)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	char cert[300];
	const char *key;
	const X509 *x;
	int r = 0;

	if (!ctx)
		return -ENOMEM;
	snprintf(cert, sizeof(cert), "%s%s", tp->tls_cert,
		 tp->tls_cert_dir ? "/agent.pem" : "");
	key = tp->tls_key[0] ? tp->tls_key : cert;
	ERR_clear_error();
	if (SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1)
		r = gw_conf_fail(c, sc, "sip", "tls_certificate",
				 "\"%s\": unusable certificate: %s", cert,
				 ssl_why());
	else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
		 ERR_GET_REASON(ERR_peek_error()) != X509_R_KEY_VALUES_MISMATCH)
		r = gw_conf_fail(c, sk ? sk : sc, "sip",
				 sk ? "tls_key" : "tls_certificate",
				 "\"%s\": unusable private key: %s", key,
				 ssl_why());
	else if (ERR_peek_error() || SSL_CTX_check_private_key(ctx) != 1)
		r = gw_conf_fail(c, sk ? sk : sc, "sip",
				 sk ? "tls_key" : "tls_certificate",
				 "the key in \"%s\" does not match the "
				 "certificate in \"%s\"", key, cert);
	else if ((x = SSL_CTX_get0_certificate(ctx)) &&
		 X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
		r = gw_conf_fail(c, sc, "sip", "tls_certificate",
				 "the certificate in \"%s\" has expired", cert);
	else if (sa &&
		 SSL_CTX_load_verify_locations(ctx, tp->tls_ca, NULL) != 1)
		r = gw_conf_fail(c, sa, "sip", "tls_ca_file",
				 "\"%s\": unusable CA certificates: %s",
				 tp->tls_ca, ssl_why());
	SSL_CTX_free(ctx);
	return r;
}
#endif

static int conf_tls(struct gw_conf_ctx *c, const config_setting_t *g,
		    struct gw_conf_tp *tp)
{
	config_setting_t *s = NULL, *sc = NULL, *sk = NULL, *sa = NULL;
	char buf[96];
	bool dir = false, unused;
	int r;

	r = gw_conf_get_str(c, g, "sip", "tls_listen", buf, sizeof(buf), &s);
	if (r < 0)
		return r;
	if (s && gw_conf_parse_hostport(buf, tp->tls_host, sizeof(tp->tls_host),
				&tp->tls_port) < 0)
		return gw_conf_fail(c, s, "sip", "tls_listen",
				    "\"%s\" is not ADDRESS:PORT (IPv4, or "
				    "[IPv6], and a port 1-65535)", buf);
	r = gw_conf_get_bool(c, g, "sip", "tls_verify_peer",
			     &tp->tls_verify_peer);
	if (r < 0)
		return r;
	/* the key first: whether the certificate must hold one too */
	r = get_pem(c, g, "tls_key", key_markers, tp->tls_key,
		    sizeof(tp->tls_key), false, &unused, &sk);
	if (r < 0)
		return r;
	r = get_pem(c, g, "tls_certificate",
		    sk ? cert_markers : both_markers, tp->tls_cert,
		    sizeof(tp->tls_cert), true, &dir, &sc);
	if (r < 0)
		return r;
	tp->tls_cert_dir = sc && dir;
	if (sk && tp->tls_cert_dir)
		return gw_conf_fail(c, sk, "sip", "tls_key",
				    "not with a tls_certificate folder (its "
				    "agent.pem holds the key)");
	r = get_pem(c, g, "tls_ca_file", cert_markers, tp->tls_ca,
		    sizeof(tp->tls_ca), false, &unused, &sa);
	if (r < 0)
		return r;
	if (s && !sc)
		return gw_conf_fail(c, s, "sip", "tls_listen",
				    "needs tls_certificate (and tls_key)");
	if (!s && (sc || sk))
		return gw_conf_fail(c, sc ? sc : sk, "sip",
				    sc ? "tls_certificate" : "tls_key",
				    "given without tls_listen");
#ifdef HAVE_OPENSSL
	if (sc)
		return tls_check(c, tp, sc, sk, sa);
#endif
	return 0;
}

/* sip.also_listen: the other family than sip.listen, no TLS */
static int conf_also(struct gw_conf_ctx *c, const config_setting_t *g,
		     struct gw_conf_tp *tp)
{
	const struct gw_conf *conf = gw_conf_ctx_conf(c);
	config_setting_t *s;
	char buf[96];
	int r;

	r = gw_conf_get_str(c, g, "sip", "also_listen", buf, sizeof(buf), &s);
	if (r < 0 || !s)
		return r;
	if (gw_conf_parse_hostport(buf, tp->also_host, sizeof(tp->also_host),
				   &tp->also_port) < 0)
		return gw_conf_fail(c, s, "sip", "also_listen",
				    "\"%s\" is not ADDRESS:PORT (IPv4, or "
				    "[IPv6], and a port 1-65535)", buf);
	if (!strchr(tp->also_host, ':') == !strchr(conf->sip_host, ':'))
		return gw_conf_fail(c, s, "sip", "also_listen",
				    "\"%s\" is of the same IP family as "
				    "sip.listen (give the other one)", buf);
	if (tp->tls_host[0])
		return gw_conf_fail(c, s, "sip", "also_listen",
				    "not with tls_listen (Sofia binds two "
				    "URLs through nua: one for each)");
	return 0;
}

/* sip.resolv_conf: a readable file (relative: to the main file's folder) */
static int conf_resolv(struct gw_conf_ctx *c, const config_setting_t *g,
		       struct gw_conf_tp *tp)
{
	config_setting_t *s;
	char val[200];
	FILE *f;
	int r;

	r = gw_conf_get_str(c, g, "sip", "resolv_conf", val, sizeof(val), &s);
	if (r < 0 || !s)
		return r;
	if (!val[0])
		return gw_conf_fail(c, s, "sip", "resolv_conf",
				    "must not be empty");
	snprintf(tp->resolv_conf, sizeof(tp->resolv_conf), "%s%s",
		 val[0] == '/' ? "" : gw_conf_ctx_dir(c), val);
	f = fopen(tp->resolv_conf, "r");
	if (!f)
		return gw_conf_fail(c, s, "sip", "resolv_conf",
				    "cannot read \"%s\": %s", tp->resolv_conf,
				    strerror(errno));
	fclose(f);
	return 0;
}

const char *gw_transport_resolv_conf(const struct gw_conf *conf)
{
	return conf->tp && conf->tp->resolv_conf[0] ? conf->tp->resolv_conf :
						      NULL;
}

int gw_transport_conf_sip(struct gw_conf_ctx *c, const void *sip_group)
{
	const config_setting_t *g = sip_group;
	struct gw_conf *conf = gw_conf_ctx_conf(c);
	struct gw_conf_tp *tp = conf->tp;
	config_setting_t *s;
	unsigned char buf[16];
	int r;

	if (!tp) {
		tp = malloc(sizeof(*tp));
		if (!tp)
			return -ENOMEM;
		*tp = defaults;
		conf->tp = tp;
	}
	r = gw_conf_get_bool(c, g, "sip", "tcp", &tp->tcp);
	if (r >= 0)
		r = gw_conf_get_int(c, g, "sip", "keepalive_s", 0, 3600,
				    &tp->keepalive_s, NULL);
	if (r >= 0)
		r = gw_conf_get_str(c, g, "sip", "external_address",
				    tp->external, sizeof(tp->external), &s);
	if (r < 0)
		return r;
	if (s && inet_pton(AF_INET, tp->external, buf) != 1 &&
	    inet_pton(AF_INET6, tp->external, buf) != 1)
		return gw_conf_fail(c, s, "sip", "external_address",
				    "\"%s\" is not an IPv4 or IPv6 address",
				    tp->external);
	r = conf_resolv(c, g, tp);
	if (r >= 0)
		r = conf_tls(c, g, tp);
	if (r >= 0)
		r = conf_also(c, g, tp);
	return r;
}

void gw_transport_conf_free(struct gw_conf_tp *tp)
{
	free(tp);
}

/* "host" or "[host]" for a URL */
static void url_host(char *buf, size_t len, const char *host)
{
	bool v6 = strchr(host, ':') != NULL;

	snprintf(buf, len, "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
}

static int host_family(const char *h)
{
	return strchr(h, ':') ? AF_INET6 : AF_INET;
}

void gw_transport_local_host(const struct gw_conf *conf, int family,
			     const char *uri, char *buf, size_t len)
{
	const struct gw_conf_tp *tp = conf->tp;

	if (!family && uri) {
		const char *h = strchr(uri, '@');

		h = h ? h + 1 : strchr(uri, ':') ? strchr(uri, ':') + 1 : uri;
		if (*h == '[')
			family = AF_INET6;
		else if (strspn(h, "0123456789.") > 0 &&
			 strcspn(h, ":;>?") == strspn(h, "0123456789."))
			family = AF_INET;
	}
	snprintf(buf, len, "%s", tp && tp->also_host[0] && family &&
		 host_family(tp->also_host) == family ? tp->also_host :
		 conf->sip_host);
}

const char *gw_transport_sdp_host_for(const struct gw_conf *conf,
				      const char *local)
{
	if (!local || !local[0])
		return gw_transport_sdp_host(conf);
	if (conf->tp && conf->tp->external[0] &&
	    host_family(conf->tp->external) == host_family(local))
		return conf->tp->external;
	return local;
}

int gw_transport_family_contact(const struct gw_conf *conf,
				const char *local, char *buf, size_t len)
{
	const struct gw_conf_tp *tp = conf->tp;
	bool also;
	char h[80];

	buf[0] = '\0';
	if (!tp || !tp->also_host[0] || !local || !local[0])
		return 0;
	also = host_family(local) == host_family(tp->also_host);
	url_host(h, sizeof(h), gw_transport_sdp_host_for(conf, local));
	return snprintf(buf, len, "<sip:%s:%d>", h,
			also ? tp->also_port : conf->sip_port);
}

const char *gw_transport_sdp_host(const struct gw_conf *conf)
{
	if (conf->tp && conf->tp->external[0])
		return conf->tp->external;
	return conf->sip_host;
}

/* `needle` (lower case) in `s`, whatever the case of s */
static bool has_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++) {
		size_t i = 0;

		while (i < n && s[i] &&
		       tolower((unsigned char)s[i]) == needle[i])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

int gw_transport_contact(const struct gw_conf *conf, const sip_t *req,
			 const char *uri, char *buf, size_t len)
{
	const struct gw_conf_tp *tp = conf->tp;
	bool tls = false;
	char h[80];

	buf[0] = '\0';
	if (!tp || !tp->tls_host[0])
		return 0;
	if (req && req->sip_via && req->sip_via->v_protocol)
		tls = has_ci(req->sip_via->v_protocol, "tls");
	if (uri)
		tls = tls || strncasecmp(uri, "sips:", 5) == 0 ||
		      has_ci(uri, ";transport=tls");
	if (!tls)
		return 0;
	url_host(h, sizeof(h), tp->external[0] ? tp->external : tp->tls_host);
	return snprintf(buf, len, "<sip:%s:%d;transport=tls>", h,
			tp->tls_port);
}

/* ---- start ---- */

/* The private folder handed to Sofia (TPTAG_CERTIFICATE). */
struct tls_dir {
	char path[256];
	bool temp; /* ours: remove after binding */
};

static int append_file(int fd, const char *path)
{
	char *text;
	size_t len, off = 0;
	int r = read_text(path, &text);

	if (r < 0)
		return r;
	len = strlen(text);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!r && len && text[len - 1] != '\n' && write(fd, "\n", 1) != 1)
		r = -EIO;
	explicit_bzero(text, len); /* may be a private key */
	free(text);
	return r;
}

static int write_pem(const char *dir, const char *name, const char *a,
		     const char *b)
{
	char path[300];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (a)
		r = append_file(fd, a);
	if (!r && b)
		r = append_file(fd, b);
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

static void tls_dir_remove(struct tls_dir *d)
{
	char path[300];

	if (!d->temp)
		return;
	snprintf(path, sizeof(path), "%s/agent.pem", d->path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cafile.pem", d->path);
	unlink(path);
	rmdir(d->path);
	d->temp = false;
}

static int tls_dir_make(const struct gw_conf_tp *tp, struct tls_dir *d)
{
	const char *tmp = getenv("TMPDIR");
	const char *ca;
	int r;

	if (tp->tls_cert_dir) {
		snprintf(d->path, sizeof(d->path), "%s", tp->tls_cert);
		d->temp = false;
		return 0;
	}
	if (!tmp || !tmp[0] || strlen(tmp) > 64)
		tmp = "/tmp";
	snprintf(d->path, sizeof(d->path), "%s/copperline-tls.XXXXXX", tmp);
	if (!mkdtemp(d->path)) /* mode 0700 */
		return -errno;
	d->temp = true;
	ca = tp->tls_ca[0] ? tp->tls_ca :
	     access(SYSTEM_CA_FILE, R_OK) == 0 ? SYSTEM_CA_FILE : tp->tls_cert;
	r = write_pem(d->path, "agent.pem", tp->tls_key[0] ? tp->tls_key :
			NULL, tp->tls_cert);
	if (!r)
		r = write_pem(d->path, "cafile.pem", ca, NULL);
	if (r < 0)
		tls_dir_remove(d);
	return r;
}

/*
 * SCHEME:CANON:PORT[;maddr=LOCAL][;transport=T]: Sofia binds LOCAL (the
 * maddr) and names itself CANON in Via and Contact.
 */
static void bind_url(char *buf, size_t len, const char *scheme,
		     const char *local, int port, const char *external,
		     const char *transport)
{
	char h[80];

	url_host(h, sizeof(h), external[0] ? external : local);
	snprintf(buf, len, "%s:%s:%d%s%s%s%s", scheme, h, port,
		 external[0] ? ";maddr=" : "", external[0] ? local : "",
		 transport ? ";transport=" : "", transport ? transport : "");
}

int gw_transport_nua_create(struct gw_app *app, nua_callback_f callback,
			    void *magic)
{
	const struct gw_conf *conf = app->conf;
	const struct gw_conf_tp *tp = conf->tp ? conf->tp : &defaults;
	bool tls = tp->tls_host[0] != '\0';
	bool also = tp->also_host[0] != '\0';
	struct tls_dir dir = { .temp = false };
	char url[192], surl[192] = "";
	unsigned ka_ms = (unsigned)tp->keepalive_s * 1000u;
	int err;

	/* no transport parameter: Sofia binds UDP and TCP (sip:) */
	bind_url(url, sizeof(url), "sip", conf->sip_host, conf->sip_port,
		 tp->external, tp->tcp ? NULL : "udp");
	if (also) /* sip:, in nua's second slot (no TLS then) */
		bind_url(surl, sizeof(surl), "sip", tp->also_host,
			 tp->also_port, "", tp->tcp ? NULL : "udp");
	if (tls) {
		bind_url(surl, sizeof(surl), "sips", tp->tls_host,
			 tp->tls_port, tp->external, NULL);
		err = tls_dir_make(tp, &dir);
		if (err) {
			gw_log(GW_LOG_ERR, "sip",
			       "TLS: cannot assemble the certificate for "
			       "Sofia: %s", strerror(-err));
			return err;
		}
	}
	app->nua = nua_create(app->root, callback, magic, NUTAG_URL(url),
			      TAG_IF(tls || also, NUTAG_SIPS_URL(surl)),
			      TAG_IF(tls, NUTAG_CERTIFICATE_DIR(dir.path)),
			      /* 0: any TLS version (1 would be TLS 1.0 only) */
			      TAG_IF(tls, TPTAG_TLS_VERSION(0)),
			      /* the chain, and the host name (RFC 5922) */
			      TAG_IF(tls, TPTAG_TLS_VERIFY_POLICY(
					     tp->tls_verify_peer ?
					     TPTLS_VERIFY_SUBJECTS_OUT :
					     TPTLS_VERIFY_NONE)),
			      TAG_IF(tls, TPTAG_TLS_VERIFY_DEPTH(9)),
			      TAG_IF(tp->resolv_conf[0],
				     SRESTAG_RESOLV_CONF(tp->resolv_conf)),
			      NTATAG_CLIENT_RPORT(1), NTATAG_SERVER_RPORT(1),
			      NTATAG_TCP_RPORT(1),
			      TAG_IF(ka_ms, TPTAG_KEEPALIVE(ka_ms)),
			      TPTAG_PONG2PING(1), TAG_END());
	tls_dir_remove(&dir); /* Sofia has read it */
	if (!app->nua) {
		/* which one failed? */
		nua_t *probe = tls ? nua_create(app->root, callback, magic,
						NUTAG_URL(url), TAG_END()) :
				     NULL;

		if (probe) {
			nua_destroy(probe);
			gw_log(GW_LOG_ERR, "sip",
			       "cannot listen on %s: address in use, or "
			       "sip.tls_certificate/tls_key/tls_ca_file not "
			       "usable by Sofia's TLS", surl);
		} else {
			gw_log(GW_LOG_ERR, "sip",
			       "cannot listen on %s (address in use?)", url);
		}
		return -EADDRINUSE;
	}
	gw_log(GW_LOG_NOTICE, "sip", "listening on %s (%s)%s%s%s", url,
	       tp->tcp ? "UDP and TCP" : "UDP", tls || also ? ", " : "",
	       surl, tls ? " (TLS)" : also ? " (the other IP family)" : "");
	if (tp->external[0])
		gw_log(GW_LOG_NOTICE, "sip",
		       "external address %s in Via, Contact and SDP",
		       tp->external);
	if (tls)
		gw_log(GW_LOG_INFO, "sip", "TLS: peer certificates of servers "
		       "%s; CAs from %s", tp->tls_verify_peer ?
		       "verified (chain and host name)" :
		       "NOT verified", tp->tls_ca[0] ? tp->tls_ca :
		       tp->tls_cert_dir ? "the folder's cafile.pem" :
		       SYSTEM_CA_FILE);
	return 0;
}
