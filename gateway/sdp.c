// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include "dsp/codec.h"
#include "gateway/sdp.h"
#include "gateway/strbuf.h"

/* Dynamic payload types we use, clear of telephone-event's 101. */
int gw_sdp_codec_pt(int codec)
{
	const struct gw_codec_desc *d = gw_codec_desc((enum gw_codec_id)codec);

	if (!d)
		return -1;
	if (d->payload_type >= 0)
		return d->payload_type;
	return 96 + codec; /* G726-32 99, opus 100 */
}

int gw_sdp_parse(const char *body, size_t len, struct gw_sdp_audio *out)
{
	return gw_sdp_parse_codecs(body, len,
				   1u << GW_CODEC_PCMU | 1u << GW_CODEC_PCMA,
				   out);
}

int gw_sdp_parse_codecs(const char *body, size_t len, unsigned allowed,
			struct gw_sdp_audio *out)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	sdp_parser_t *p;
	sdp_session_t *sess;
	int err = -EPROTONOSUPPORT;

	out->srtp = false;
	out->ncrypto = 0;
	out->ptime = 0;
	out->cn_pt = -1;
	if (!body || !len)
		return -EBADMSG;
	p = sdp_parse(home, body, (issize_t)len, 0);
	sess = sdp_session(p);
	if (!sess) {
		err = -EBADMSG;
		goto out;
	}
	for (sdp_media_t *m = sess->sdp_media; m; m = m->m_next) {
		sdp_connection_t *c;

		if (m->m_type != sdp_media_audio ||
		    (m->m_proto != sdp_proto_rtp &&
		     m->m_proto != sdp_proto_srtp) ||
		    m->m_port == 0 || m->m_rejected)
			continue;
		c = m->m_connections ? m->m_connections : sess->sdp_connection;
		if (!c || !c->c_address ||
		    strlen(c->c_address) >= sizeof(out->addr) ||
		    (c->c_addrtype != sdp_addr_ip4 &&
		     c->c_addrtype != sdp_addr_ip6))
			continue;
		out->te_pt = -1;
		for (sdp_rtpmap_t *rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
			if (rm->rm_encoding && rm->rm_rate == 8000 &&
			    !strcasecmp(rm->rm_encoding, "telephone-event") &&
			    out->te_pt < 0) {
				out->te_pt = (int)rm->rm_pt;
				continue;
			}
			if (rm->rm_encoding && rm->rm_rate == 8000 &&
			    !strcasecmp(rm->rm_encoding, "CN")) {
				if (out->cn_pt < 0)
					out->cn_pt = (int)rm->rm_pt;
				continue;
			}
			int id = rm->rm_encoding ?
				 gw_codec_find(rm->rm_encoding,
					       (int)rm->rm_rate) : -1;
			if (id < 0 || !(allowed & (1u << id)) || err == 0)
				continue;
			strcpy(out->addr, c->c_address);
			out->port = (int)m->m_port;
			out->pt = (int)rm->rm_pt;
			out->codec = id;
			err = 0;
		}
		if (err) {
			out->te_pt = -1;
			break;
		}
		out->srtp = m->m_proto == sdp_proto_srtp;
		/* the stream's mode; Sofia's default for it is sendrecv */
		out->dir = (enum gw_sdp_dir)(m->m_mode &
			    sdp_attribute_mode(sess->sdp_attributes,
					       sdp_sendrecv));
		if (!strcmp(out->addr, "0.0.0.0"))
			out->dir = GW_SDP_INACTIVE;
		out->ncrypto = 0;
		for (sdp_attribute_t *a = m->m_attributes; a; a = a->a_next)
			if (a->a_name && !strcasecmp(a->a_name, "ptime") &&
			    a->a_value)
				out->ptime = atoi(a->a_value);
		for (sdp_attribute_t *a = m->m_attributes; a; a = a->a_next) {
			if (!a->a_name || strcasecmp(a->a_name, "crypto") ||
			    !a->a_value ||
			    strlen(a->a_value) >= GW_SDP_CRYPTO_LEN ||
			    out->ncrypto == GW_SDP_MAX_CRYPTO)
				continue;
			strcpy(out->crypto[out->ncrypto++], a->a_value);
		}
		break; /* the first audio stream decides */
	}
out:
	sdp_parser_free(p);
	su_home_deinit(home);
	return err;
}

const char *gw_sdp_dir_name(enum gw_sdp_dir dir)
{
	static const char *const names[] = { "inactive", "sendonly",
					      "recvonly", "sendrecv" };

	return names[dir & 3];
}

enum gw_sdp_dir gw_sdp_dir_answer(enum gw_sdp_dir offered)
{
	switch (offered) {
	case GW_SDP_SENDONLY:
		return GW_SDP_RECVONLY;
	case GW_SDP_RECVONLY:
		return GW_SDP_SENDONLY;
	default:
		return offered;
	}
}

int gw_sdp_print(char *buf, size_t len, const char *addr, int port,
		 const int *pts, int npts, int te_pt, uint64_t sess_id,
		 uint64_t sess_version)
{
	return gw_sdp_print_srtp(buf, len, addr, port, pts, npts, te_pt,
				 sess_id, sess_version, NULL, 0);
}

int gw_sdp_print_srtp(char *buf, size_t len, const char *addr, int port,
		      const int *pts, int npts, int te_pt, uint64_t sess_id,
		      uint64_t sess_version, const char *const *crypto,
		      int ncrypto)
{
	struct gw_sdp_fmt f[8];

	if (npts < 0 || npts > 8)
		return -EINVAL;
	for (int i = 0; i < npts; i++) {
		f[i].pt = pts[i];
		f[i].codec = pts[i] == 8 ? GW_CODEC_PCMA : GW_CODEC_PCMU;
	}
	return gw_sdp_print_fmts(buf, len, addr, port, f, npts, te_pt, sess_id,
				 sess_version, crypto, ncrypto,
				 GW_SDP_SENDRECV);
}

int gw_sdp_print_fmts(char *buf, size_t len, const char *addr, int port,
		      const struct gw_sdp_fmt *fmts, int nfmts, int te_pt,
		      uint64_t sess_id, uint64_t sess_version,
		      const char *const *crypto, int ncrypto,
		      enum gw_sdp_dir dir)
{
	const char *ipv = strchr(addr, ':') ? "IP6" : "IP4";
	size_t off = 0;

	gw_strbuf_add(buf, len, &off,
	    "v=0\r\n"
	    "o=copperline %" PRIu64 " %" PRIu64 " IN %s %s\r\n"
	    "s=copperline\r\n"
	    "c=IN %s %s\r\n"
	    "t=0 0\r\n"
	    "m=audio %d %s",
	    sess_id, sess_version, ipv, addr, ipv, addr, port,
	    ncrypto > 0 ? "RTP/SAVP" : "RTP/AVP");
	for (int i = 0; i < nfmts; i++)
		gw_strbuf_add(buf, len, &off, " %d", fmts[i].pt);
	if (te_pt >= 0)
		gw_strbuf_add(buf, len, &off, " %d", te_pt);
	gw_strbuf_add(buf, len, &off, "\r\n");
	for (int i = 0; i < nfmts; i++) {
		const struct gw_codec_desc *d =
			gw_codec_desc((enum gw_codec_id)fmts[i].codec);

		if (fmts[i].codec == GW_SDP_CN) {
			gw_strbuf_add(buf, len, &off, "a=rtpmap:%d CN/8000\r\n",
			    fmts[i].pt);
			continue;
		}
		if (!d)
			return -EINVAL;
		if (d->rtp_channels > 1)
			gw_strbuf_add(buf, len, &off, "a=rtpmap:%d %s/%d/%d\r\n",
			    fmts[i].pt, d->name, d->rtp_clock_hz,
			    d->rtp_channels);
		else
			gw_strbuf_add(buf, len, &off, "a=rtpmap:%d %s/%d\r\n",
			    fmts[i].pt, d->name, d->rtp_clock_hz);
		if (fmts[i].codec == GW_CODEC_G729)
			gw_strbuf_add(buf, len, &off, "a=fmtp:%d annexb=no\r\n",
			    fmts[i].pt);
	}
	if (te_pt >= 0)
		gw_strbuf_add(buf, len, &off,
		    "a=rtpmap:%d telephone-event/8000\r\n"
		    "a=fmtp:%d 0-16\r\n", te_pt, te_pt);
	for (int i = 0; i < ncrypto; i++)
		gw_strbuf_add(buf, len, &off, "a=crypto:%s\r\n", crypto[i]);
	if (!gw_strbuf_add(buf, len, &off, "a=ptime:20\r\na=%s\r\n",
		 gw_sdp_dir_name(dir)))
		return -ENOSPC;
	return (int)off;
}
