/* SPDX-License-Identifier: MIT */
/*
 * The reclamation interface: read-side sections and "free after a grace
 * period". A lock-free walker stays inside a read-side section; an object
 * handed to defer() is released only after every section that was open at
 * that moment has closed. Hosted: liburcu. A kernel: its own RCU.
 */
#ifndef PT_RECLAIM_H
#define PT_RECLAIM_H

#include <pt/types.h>

/* Storage embedded in a deferred object; the platform owns its contents. */
struct pt_defer {
	void *priv[2];
	void (*fn)(struct pt_defer *d);
};

struct pt_reclaim_ops {
	/* Enter a read-side section; sections nest. */
	void (*read_lock)(void *ctx);
	void (*read_unlock)(void *ctx);
	/* Call d->fn(d) after a grace period. Callable inside a read-side section. */
	void (*defer)(void *ctx, struct pt_defer *d);
	/* Wait until every deferred call issued so far has run (tests, teardown). */
	void (*drain)(void *ctx);
};

struct pt_reclaim {
	const struct pt_reclaim_ops *ops;
	void *ctx;
};

#endif
