// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tests/netimpair.h"
#include "tests/testsig.h"

int gw_netimpair_init(struct gw_netimpair *ni,
		      const struct gw_netimpair_cfg *cfg)
{
	if (!cfg->seed || cfg->ptime <= 0 || cfg->loss < 0 || cfg->loss >= 1 ||
	    cfg->jitter_ms < 0 || cfg->base_ms < 0)
		return -EINVAL;
	memset(ni, 0, sizeof(*ni));
	ni->cfg = *cfg;
	if (ni->cfg.burst < 1)
		ni->cfg.burst = 1;
	ni->rng = cfg->seed;
	return 0;
}

void gw_netimpair_set(struct gw_netimpair *ni,
		      const struct gw_netimpair_cfg *cfg)
{
	struct gw_netimpair_cfg c = *cfg;

	c.seed = ni->cfg.seed;
	c.ptime = ni->cfg.ptime;
	c.ppm = ni->cfg.ppm;
	if (c.burst < 1)
		c.burst = 1;
	ni->cfg = c;
}

double gw_netimpair_send_time(const struct gw_netimpair *ni, uint64_t index)
{
	return (double)index * ni->cfg.ptime / (1.0 + ni->cfg.ppm * 1e-6);
}

static bool before(const struct gw_netimpair *ni, int a, int b)
{
	if (ni->heap[a].p.arrival != ni->heap[b].p.arrival)
		return ni->heap[a].p.arrival < ni->heap[b].p.arrival;
	return ni->heap[a].order < ni->heap[b].order;
}

static void swap(struct gw_netimpair *ni, int a, int b)
{
	__typeof__(ni->heap[0]) t = ni->heap[a];

	ni->heap[a] = ni->heap[b];
	ni->heap[b] = t;
}

static void push(struct gw_netimpair *ni, const struct gw_netimpair_pkt *p)
{
	int i = ni->n;

	if (ni->n == GW_NETIMPAIR_INFLIGHT) {
		ni->overflow++;
		return;
	}
	ni->heap[i].p = *p;
	ni->heap[i].order = ni->order++;
	ni->n++;
	while (i > 0 && before(ni, i, (i - 1) / 2)) {
		swap(ni, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void pop(struct gw_netimpair *ni, struct gw_netimpair_pkt *p)
{
	int i = 0;

	*p = ni->heap[0].p;
	ni->heap[0] = ni->heap[--ni->n];
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < ni->n && before(ni, l, m))
			m = l;
		if (r < ni->n && before(ni, r, m))
			m = r;
		if (m == i)
			break;
		swap(ni, i, m);
		i = m;
	}
}

static double jitter(struct gw_netimpair *ni)
{
	double j, max = ni->cfg.jitter_ms;

	if (max <= 0)
		return 0;
	if (ni->cfg.jitter_exp) {
		double u = gw_testsig_uniform(&ni->rng, 1e-12, 1);

		j = -log(u) * max / 4;
		if (j > max)
			j = max;
	} else {
		j = gw_testsig_uniform(&ni->rng, 0, max);
	}
	return j;
}

/* Send packet next_index into the network. */
static void send_one(struct gw_netimpair *ni)
{
	const struct gw_netimpair_cfg *c = &ni->cfg;
	struct gw_netimpair_pkt p = {.index = ni->next_index++};
	double u, r = 1.0 / c->burst;
	double p_bad = c->loss * r / (1 - c->loss);
	bool held;

	p.sent = gw_netimpair_send_time(ni, p.index);
	ni->sent++;
	/* draws in a fixed order whatever the outcome */
	u = gw_testsig_uniform(&ni->rng, 0, 1);
	ni->bad = ni->bad ? u >= r : u < p_bad;
	p.arrival = p.sent + (c->base_ms + jitter(ni)) * 8;
	u = gw_testsig_uniform(&ni->rng, 0, 1);
	held = u < c->reorder;
	if (held)
		p.arrival += c->ptime + gw_testsig_uniform(&ni->rng, 8, 40);
	u = gw_testsig_uniform(&ni->rng, 0, 1);
	if (ni->bad) {
		ni->lost++;
		return;
	}
	ni->held += held;
	push(ni, &p);
	if (u < c->dup) {
		p.dup = true;
		p.arrival += gw_testsig_uniform(&ni->rng, 0, 320);
		ni->dups++;
		push(ni, &p);
	}
}

int gw_netimpair_next(struct gw_netimpair *ni, double now,
		      struct gw_netimpair_pkt *p)
{
	/* A packet not sent yet arrives after it is sent, so after now. */
	while (gw_netimpair_send_time(ni, ni->next_index) <= now)
		send_one(ni);
	if (!ni->n || ni->heap[0].p.arrival > now)
		return 0;
	pop(ni, p);
	return 1;
}
