/* SPDX-License-Identifier: MIT */
#include <pt/sim/reclaim_sync.h>

#include <stdio.h>
#include <stdlib.h>

static void misuse(const char *what)
{
	fprintf(stderr, "pt-sim: reclamation misused: %s\n", what);
	abort();
}

static void sync_read_lock(void *ctx)
{
	struct pt_sync_reclaim *r = ctx;
	r->depth++;
}

static void sync_read_unlock(void *ctx)
{
	struct pt_sync_reclaim *r = ctx;
	if (r->depth == 0)
		misuse("read_unlock without a read-side section");
	r->depth--;
}

static void sync_defer(void *ctx, struct pt_defer *d)
{
	struct pt_sync_reclaim *r = ctx;
	d->priv[0] = r->queue;
	r->queue = d;
	r->pending++;
}

static void sync_drain(void *ctx)
{
	struct pt_sync_reclaim *r = ctx;
	if (r->depth)
		misuse("drain inside a read-side section");
	while (r->queue) {
		struct pt_defer *d = r->queue;
		r->queue = d->priv[0];
		r->pending--;
		d->fn(d);
	}
}

static const struct pt_reclaim_ops sync_ops = {
	.read_lock = sync_read_lock,
	.read_unlock = sync_read_unlock,
	.defer = sync_defer,
	.drain = sync_drain,
};

struct pt_reclaim pt_sim_reclaim_sync(struct pt_sync_reclaim *r)
{
	struct pt_reclaim rc = { &sync_ops, r };
	return rc;
}
