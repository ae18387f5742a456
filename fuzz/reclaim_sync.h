/* SPDX-License-Identifier: MIT */
/*
 * A deterministic reclamation for the single-threaded fuzzers: read-side
 * sections are counted, deferred frees are queued and run by drain, which
 * refuses to run inside a section. Faster than liburcu's barrier by orders
 * of magnitude, and it catches unbalanced sections.
 */
#ifndef PT_FUZZ_RECLAIM_SYNC_H
#define PT_FUZZ_RECLAIM_SYNC_H

#include <pt/reclaim.h>

struct fz_reclaim {
	unsigned depth;             /* open read-side sections */
	struct pt_defer *queue;     /* deferred frees, linked through priv[0] */
	unsigned long pending;
};

/* The interface backed by @r (zero it first). */
struct pt_reclaim fz_reclaim_sync(struct fz_reclaim *r);

#endif
