/* SPDX-License-Identifier: MIT */
#include "reclaim.h"

/*
 * One list per thread, drained by that thread, as a kernel runs RCU
 * callbacks per CPU: a 2-thread case reclaims in parallel, like its bound.
 */
static _Thread_local struct pt_defer *pending;

/* Push @d on the calling thread's pending list. */
static void br_defer(void *ctx, struct pt_defer *d)
{
	(void)ctx;
	d->priv[0] = pending;
	pending = d;
}

/* Run the calling thread's pending callbacks, including those they defer. */
static void br_drain(void *ctx)
{
	(void)ctx;
	struct pt_defer *d;
	while ((d = pending)) {
		pending = NULL;
		while (d) {
			struct pt_defer *next = d->priv[0];
			d->fn(d);
			d = next;
		}
	}
}

/* The read side is @inner's own functions, not wrappers: cursors pay what they would pay. */
static struct pt_reclaim_ops bench_reclaim_ops = {
	.defer = br_defer,
	.drain = br_drain,
};

struct pt_reclaim bench_reclaim(struct pt_reclaim in)
{
	bench_reclaim_ops.read_lock = in.ops->read_lock;
	bench_reclaim_ops.read_unlock = in.ops->read_unlock;
	struct pt_reclaim r = { &bench_reclaim_ops, in.ctx };
	return r;
}
