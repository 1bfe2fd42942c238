/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * strbuf: printf-append into a fixed buffer, for text built piece by
 * piece (SDP, copperctl explanations). Control thread; no allocation.
 */
#ifndef GW_STRBUF_H
#define GW_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * printf at *off in buf (len bytes, always NUL-terminated); false, with
 * *off moved to len, once the text no longer fits.
 */
static inline bool __attribute__((format(printf, 4, 5)))
gw_strbuf_add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off) {
		*off = len;
		return false;
	}
	*off += (size_t)n;
	return true;
}

#endif
