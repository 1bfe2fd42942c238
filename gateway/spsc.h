/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spsc: a bounded single-producer/single-consumer ring of fixed-size
 * records, on C11 atomics with acquire/release ordering. The only channel
 * between the control thread and the media thread (ARCHITECTURE.md §1):
 * commands one way, events the other. Push and pop never block, never
 * allocate and never take a lock; storage is given at init.
 *
 * The producer owns `head`, the consumer owns `tail`; each reads the
 * other's index with acquire and publishes its own with release, so the
 * record bytes written before a push are visible after the matching pop.
 */
#ifndef GW_SPSC_H
#define GW_SPSC_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

struct gw_spsc {
	_Alignas(64) atomic_size_t head; /* next slot to write (producer) */
	_Alignas(64) atomic_size_t tail; /* next slot to read (consumer) */
	_Alignas(64) unsigned char *buf;
	size_t rec_size;
	size_t cap; /* records; a power of two */
};

/* `buf` holds cap * rec_size bytes; cap must be a power of two. */
static inline int gw_spsc_init(struct gw_spsc *r, void *buf, size_t rec_size,
			       size_t cap)
{
	if (!buf || !rec_size || !cap || (cap & (cap - 1)))
		return -EINVAL;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->buf = buf;
	r->rec_size = rec_size;
	r->cap = cap;
	return 0;
}

/* Producer side. Returns 0, or -ENOSPC when full (nothing written). */
static inline int gw_spsc_push(struct gw_spsc *r, const void *rec)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail >= r->cap)
		return -ENOSPC;
	memcpy(r->buf + (head & (r->cap - 1)) * r->rec_size, rec, r->rec_size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return 0;
}

/* Consumer side. Returns 1 and fills *rec, or 0 when empty. */
static inline int gw_spsc_pop(struct gw_spsc *r, void *rec)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (head == tail)
		return 0;
	memcpy(rec, r->buf + (tail & (r->cap - 1)) * r->rec_size, r->rec_size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return 1;
}

#endif
