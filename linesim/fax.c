// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fax: a T.30 fax terminal on a linesim port (see fax.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include "linesim/fax.h"
#include "linesim/linesim.h"

enum run_state {
	FAX_IDLE,    /* armed, waiting for the call */
	FAX_RUNNING, /* terminal built, T.30 in progress */
	FAX_DONE,    /* phase E reached or line gone; result below */
};

struct ls_fax {
	enum ls_fax_mode mode;
	enum run_state state;
	bool ecm;
	bool calling;
	char file[1024];
	fax_state_t *fax;
	bool phase_e; /* set by the phase E handler, acted on after fax_rx */
	/* result */
	int code;	   /* T.30 completion code, -1 while unknown */
	int pages;	   /* transferred: sent or received */
	int pages_in_file; /* send: pages in the TIFF */
	int bit_rate;
	int width, length; /* of the last page */
	int bad_rows;
	int ecm_retries; /* summed over the pages (phase D) */
	bool ecm_used;
	uint64_t frames; /* frames run by the terminal */
	char tag[16];	 /* spandsp log tag */
};

static struct ls_fax faxes[GW_HW_MAX_CHANS + 1];

static struct ls_fax *of(const struct ls_port *p)
{
	if (p->chan < 1 || p->chan > GW_HW_MAX_CHANS)
		return NULL;
	return &faxes[p->chan];
}

static void take_stats(struct ls_fax *f)
{
	t30_stats_t st;

	t30_get_transfer_statistics(fax_get_t30_state(f->fax), &st);
	f->pages = f->mode == LS_FAX_SEND ? st.pages_tx : st.pages_rx;
	f->pages_in_file = st.pages_in_file;
	f->bit_rate = st.bit_rate;
	f->width = st.width;
	f->length = st.length;
	f->bad_rows = st.bad_rows;
	f->ecm_used = st.error_correcting_mode != 0;
}

static void phase_e(t30_state_t *t30, void *user, int code)
{
	struct ls_fax *f = user;

	(void)t30;
	f->code = code;
	f->phase_e = true;
}

static int phase_d(t30_state_t *t30, void *user, int result)
{
	struct ls_fax *f = user;

	t30_stats_t st;

	(void)result;
	take_stats(f);
	t30_get_transfer_statistics(t30, &st);
	f->ecm_retries += st.error_correcting_mode_retries;
	return T30_ERR_OK;
}

/* Free the terminal (closes the TIFF files) and keep the result. */
static void finish(struct ls_port *p, struct ls_fax *f, const char *why)
{
	if (!f->fax)
		return;
	take_stats(f);
	fax_free(f->fax);
	f->fax = NULL;
	f->state = FAX_DONE;
	ls_log("port %d: fax %s %s: %s, %d page(s), code %d (%s)", p->chan,
	       f->mode == LS_FAX_SEND ? "send" : "receive", f->file, why,
	       f->pages, f->code,
	       f->code >= 0 ? t30_completion_code_to_str(f->code) : "none");
}

/* spandsp's log lines (with -v): "fax: [port N] ...". */
static void span_msg(int level, const char *text)
{
	size_t n = strlen(text);

	(void)level;
	while (n && text[n - 1] == '\n')
		n--;
	ls_dbg("fax: %.*s", (int)n, text);
}

static void log_to_us(logging_state_t *l, const char *tag)
{
	span_log_set_message_handler(l, span_msg);
	span_log_set_tag(l, tag);
	span_log_set_level(l, SPAN_LOG_SHOW_TAG | SPAN_LOG_SHOW_PROTOCOL |
				  SPAN_LOG_FLOW);
}

static int start(struct ls_port *p, struct ls_fax *f, bool calling)
{
	t30_state_t *t30;

	f->fax = fax_init(NULL, calling);
	if (!f->fax)
		return -ENOMEM;
	f->calling = calling;
	t30 = fax_get_t30_state(f->fax);
	if (ls_verbose) {
		snprintf(f->tag, sizeof(f->tag), "port %d", p->chan);
		log_to_us(fax_get_logging_state(f->fax), f->tag);
		log_to_us(t30_get_logging_state(t30), f->tag);
	}
	t30_set_tx_ident(t30, "copperline-linesim");
	t30_set_ecm_capability(t30, f->ecm);
	if (f->ecm)
		t30_set_supported_compressions(
		    t30, T30_SUPPORT_T4_1D_COMPRESSION |
			     T30_SUPPORT_T4_2D_COMPRESSION |
			     T30_SUPPORT_T6_COMPRESSION);
	if (f->mode == LS_FAX_SEND)
		t30_set_tx_file(t30, f->file, -1, -1);
	else
		t30_set_rx_file(t30, f->file, -1);
	t30_set_phase_d_handler(t30, phase_d, f);
	t30_set_phase_e_handler(t30, phase_e, f);
	fax_set_transmit_on_idle(f->fax, 1);
	f->state = FAX_RUNNING;
	ls_log("port %d: fax terminal starts (%s, %s party, ECM %s)", p->chan,
	       f->mode == LS_FAX_SEND ? "send" : "receive",
	       calling ? "calling" : "answering", f->ecm ? "on" : "off");
	return 0;
}

int ls_fax_arm(struct ls_port *p, enum ls_fax_mode mode, const char *file,
	       bool ecm, char *err, size_t errlen)
{
	struct ls_fax *f = of(p);
	unsigned char magic[4];
	FILE *in;
	int fd;

	if (!f) {
		snprintf(err, errlen, "no such port");
		return -EINVAL;
	}
	if (strlen(file) >= sizeof(f->file)) {
		snprintf(err, errlen, "file name too long");
		return -ENAMETOOLONG;
	}
	if (mode == LS_FAX_SEND) {
		in = fopen(file, "rb");
		if (!in) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			return -ENOENT;
		}
		if (fread(magic, 1, 4, in) != 4 ||
		    !((magic[0] == 'I' && magic[1] == 'I' && magic[2] == 42 &&
		       magic[3] == 0) ||
		      (magic[0] == 'M' && magic[1] == 'M' && magic[2] == 0 &&
		       magic[3] == 42))) {
			fclose(in);
			snprintf(err, errlen, "%s: not a TIFF file", file);
			return -EINVAL;
		}
		fclose(in);
	} else {
		fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			return -EACCES;
		}
		close(fd);
	}
	ls_fax_off(p);
	f->mode = mode;
	f->ecm = ecm;
	snprintf(f->file, sizeof(f->file), "%s", file);
	f->state = FAX_IDLE;
	f->code = -1;
	f->pages = 0;
	f->pages_in_file = -1;
	f->bit_rate = 0;
	f->width = 0;
	f->length = 0;
	f->bad_rows = 0;
	f->ecm_used = false;
	f->ecm_retries = 0;
	f->frames = 0;
	f->phase_e = false;
	return 0;
}

void ls_fax_off(struct ls_port *p)
{
	struct ls_fax *f = of(p);

	if (!f)
		return;
	if (f->fax)
		finish(p, f, "stopped");
	memset(f, 0, sizeof(*f));
}

bool ls_fax_active(const struct ls_port *p)
{
	const struct ls_fax *f = of(p);

	return f && f->mode != LS_FAX_OFF && f->state != FAX_DONE;
}

void ls_fax_process(struct ls_port *p, bool calling, const int16_t *in,
		    int16_t *out)
{
	struct ls_fax *f = of(p);
	int16_t buf[LS_FRAME];
	int n;

	memset(out, 0, LS_FRAME * sizeof(*out));
	if (!ls_fax_active(p))
		return;
	if (f->state == FAX_IDLE && start(p, f, calling) < 0) {
		ls_log("port %d: fax: cannot start the terminal", p->chan);
		f->state = FAX_DONE;
		return;
	}
	memcpy(buf, in, sizeof(buf)); /* fax_rx takes a non-const buffer */
	fax_rx(f->fax, buf, LS_FRAME);
	n = fax_tx(f->fax, out, LS_FRAME);
	if (n < LS_FRAME)
		memset(out + n, 0, (LS_FRAME - n) * sizeof(*out));
	f->frames++;
	if (f->phase_e)
		finish(p, f, "done");
}

void ls_fax_idle(struct ls_port *p)
{
	struct ls_fax *f = of(p);

	if (f && f->fax)
		finish(p, f, "line went idle");
}

const char *ls_fax_mode_name(const struct ls_port *p)
{
	const struct ls_fax *f = of(p);

	if (!f)
		return "off";
	switch (f->mode) {
	case LS_FAX_SEND:
		return "send";
	case LS_FAX_RECEIVE:
		return "receive";
	default:
		return "off";
	}
}

void ls_fax_status(const struct ls_port *p, char *buf, size_t len)
{
	static const char *const names[] = { "idle", "running", "done" };
	const struct ls_fax *f = of(p);
	char result[64];
	size_t i;

	if (!f || f->mode == LS_FAX_OFF) {
		snprintf(buf, len, "ok port=%d fax=off", p->chan);
		return;
	}
	/* One word: the completion code's text without spaces. */
	snprintf(result, sizeof(result), "%s",
		 f->code >= 0 ? t30_completion_code_to_str(f->code) : "none");
	for (i = 0; result[i]; i++)
		if (result[i] == ' ')
			result[i] = '_';
	snprintf(buf, len,
		 "ok port=%d fax=%s state=%s party=%s pages=%d "
		 "pages_in_file=%d code=%d result=%s bit_rate=%d ecm=%d "
		 "ecm_retries=%d width=%d length=%d bad_rows=%d seconds=%.1f "
		 "file=%s",
		 p->chan, ls_fax_mode_name(p), names[f->state],
		 f->state == FAX_IDLE ? "none"
		 : f->calling	      ? "calling"
				      : "answering",
		 f->pages, f->pages_in_file, f->code, result, f->bit_rate,
		 f->ecm_used, f->ecm_retries, f->width, f->length, f->bad_rows,
		 (double)f->frames * LS_FRAME / GW_HW_RATE_HZ, f->file);
}
