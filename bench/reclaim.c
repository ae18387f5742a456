/* SPDX-License-Identifier: MIT */
#include "reclaim.h"

#include <stdatomic.h>

static struct pt_reclaim inner;
static _Atomic(struct pt_defer *) pending;

static void br_read_lock(void *ctx)
{
	(void)ctx;
	inner.ops->read_lock(inner.ctx);
}

static void br_read_unlock(void *ctx)
{
	(void)ctx;
	inner.ops->read_unlock(inner.ctx);
}

/* Push @d on the pending list (any thread). */
static void br_defer(void *ctx, struct pt_defer *d)
{
	(void)ctx;
	struct pt_defer *head = atomic_load_explicit(&pending, memory_order_relaxed);
	do
		d->priv[0] = head;
	while (!atomic_compare_exchange_weak_explicit(&pending, &head, d, memory_order_release,
						      memory_order_relaxed));
}

/* Run every pending callback, including those the callbacks defer. */
static void br_drain(void *ctx)
{
	(void)ctx;
	struct pt_defer *d;
	while ((d = atomic_exchange_explicit(&pending, NULL, memory_order_acquire))) {
		while (d) {
			struct pt_defer *next = d->priv[0];
			d->fn(d);
			d = next;
		}
	}
}

static const struct pt_reclaim_ops bench_reclaim_ops = {
	.read_lock = br_read_lock,
	.read_unlock = br_read_unlock,
	.defer = br_defer,
	.drain = br_drain,
};

struct pt_reclaim bench_reclaim(struct pt_reclaim in)
{
	inner = in;
	struct pt_reclaim r = { &bench_reclaim_ops, NULL };
	return r;
}
