// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hookseq: timed hook changes of an FXO channel (hw/hookseq.h).
 */
#include <errno.h>
#include <string.h>

#include "hw/hookseq.h"

#define SPMS (GW_HW_RATE_HZ / 1000)

int gw_hookseq_pulse(struct gw_hookseq *s, uint64_t now, const char *digits,
		     const struct gw_hw_pulse *p)
{
	size_t n = strlen(digits);
	uint32_t period;

	if (!n || n > GW_HOOKSEQ_DIGITS_MAX || p->pps < 8 || p->pps > 20 ||
	    p->break_pct < 50 || p->break_pct > 80 ||
	    p->interdigit_ms < 100 || p->interdigit_ms > 2000)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (digits[i] < '0' || digits[i] > '9')
			return -EINVAL;
	memset(s, 0, sizeof(*s));
	memcpy(s->digits, digits, n + 1);
	period = (uint32_t)(GW_HW_RATE_HZ / p->pps);
	s->brk = period * (uint32_t)p->break_pct / 100;
	s->mk = period - s->brk;
	s->gap = (uint32_t)p->interdigit_ms * SPMS;
	s->left = s->digits[0] == '0' ? 10 : s->digits[0] - '0';
	s->next = now;
	s->active = true;
	return 0;
}

int gw_hookseq_flash(struct gw_hookseq *s, uint64_t now, int ms)
{
	if (ms < 20 || ms > 5000)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->flash = true;
	s->brk = (uint32_t)ms * SPMS;
	s->left = 1;
	s->next = now;
	s->active = true;
	return 0;
}

void gw_hookseq_cancel(struct gw_hookseq *s)
{
	s->active = false;
}

enum gw_hookseq_ev gw_hookseq_next(struct gw_hookseq *s, uint64_t end,
				   uint64_t *at)
{
	if (!s->active || s->next >= end)
		return GW_HOOKSEQ_NONE;
	*at = s->next;
	if (!s->broken && s->left == 0) {
		/* a digit's pause is over (or a flash's make) */
		if (s->flash || !s->digits[++s->pos]) {
			s->active = false;
			return GW_HOOKSEQ_DONE;
		}
		s->left = s->digits[s->pos] == '0' ? 10
						   : s->digits[s->pos] - '0';
	}
	if (!s->broken) {
		s->broken = true;
		s->left--;
		s->next += s->brk;
		return GW_HOOKSEQ_ONHOOK;
	}
	s->broken = false;
	s->next += s->left ? s->mk : s->flash ? 0 : s->gap;
	return GW_HOOKSEQ_OFFHOOK;
}
