/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netimpair: a deterministic network impairment shim for the jitter-buffer
 * tests. It turns a sender's packet sequence (one packet every ptime
 * samples of the sender's clock, which runs at 8000 Hz x (1 + ppm 1e-6))
 * into an arrival schedule on the receiver's sample clock, with loss
 * (random, or bursty), jitter, extra reordering and duplicates.
 *
 * How: packet i leaves at i * ptime / (1 + ppm 1e-6) receiver samples and
 * arrives base_ms + a jitter draw later (uniform in [0, jitter_ms], or
 * exponential with mean jitter_ms / 4 clipped at jitter_ms). Jitter beyond
 * the packet spacing reorders packets by itself; `reorder` additionally
 * holds a packet back by one ptime + 1..5 ms, so it lands after the next
 * one. Loss is a two-state Gilbert model: the bad state (every packet
 * lost) is entered with p = loss / (burst (1 - loss)) and left with
 * 1 / burst, so the long-run loss rate is `loss` and bursts last `burst`
 * packets on average (burst 1: independent losses). A duplicate arrives
 * 0..40 ms after its original. Packets in flight wait in a binary heap
 * ordered by arrival time (ties: send order); gw_netimpair_next() returns
 * them in arrival order up to a given receiver time. All draws come from
 * the xorshift32 of tests/testsig in a fixed order, so a seed gives the
 * same schedule everywhere. No allocation.
 */
#ifndef GW_NETIMPAIR_H
#define GW_NETIMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#define GW_NETIMPAIR_INFLIGHT 1024

struct gw_netimpair_cfg {
	uint32_t seed;	  /* non-zero */
	int ptime;	  /* samples per packet (160 = 20 ms) */
	double ppm;	  /* sender clock error, + = sender fast */
	double base_ms;	  /* fixed network delay */
	double jitter_ms; /* maximum extra delay */
	bool jitter_exp;  /* exponential (mean jitter_ms / 4), else uniform */
	double loss;	  /* long-run loss rate, 0..1 */
	double burst;	  /* mean loss burst in packets, >= 1 */
	double reorder;	  /* share of packets held back past the next */
	double dup;	  /* share of packets duplicated */
};

struct gw_netimpair_pkt {
	uint64_t index; /* sender's packet number, from 0 */
	double sent;	/* receiver samples */
	double arrival; /* receiver samples */
	bool dup;	/* a second copy */
};

struct gw_netimpair {
	struct gw_netimpair_cfg cfg;
	uint32_t rng;
	bool bad; /* Gilbert state */
	uint64_t next_index;
	uint64_t order; /* tie-break */
	struct {
		struct gw_netimpair_pkt p;
		uint64_t order;
	} heap[GW_NETIMPAIR_INFLIGHT];
	int n;
	/* figures */
	uint64_t sent, lost, dups, held, overflow;
};

/* Returns 0 or -EINVAL. */
int gw_netimpair_init(struct gw_netimpair *ni,
		      const struct gw_netimpair_cfg *cfg);
/* Change jitter/loss/... mid-run (seed, ptime and ppm are kept). */
void gw_netimpair_set(struct gw_netimpair *ni,
		      const struct gw_netimpair_cfg *cfg);
/* Send time of packet index on the receiver clock. */
double gw_netimpair_send_time(const struct gw_netimpair *ni, uint64_t index);
/*
 * The next packet arriving at or before receiver time `now` (samples):
 * returns 1 and fills *p, or 0 when none has arrived yet.
 */
int gw_netimpair_next(struct gw_netimpair *ni, double now,
		      struct gw_netimpair_pkt *p);

#endif
