/* SPDX-License-Identifier: MIT */
/*
 * A deterministic reclamation for single-threaded users (the fuzzers, tests
 * that must see what a grace period holds back): read-side sections are
 * counted, deferred frees are queued and run only by drain, which refuses to
 * run inside a section. Faster than liburcu's barrier by orders of magnitude,
 * and it catches unbalanced sections (message on stderr, then abort).
 */
#ifndef PT_SIM_RECLAIM_SYNC_H
#define PT_SIM_RECLAIM_SYNC_H

#include <pt/reclaim.h>

struct pt_sync_reclaim {
	unsigned depth;             /* open read-side sections */
	struct pt_defer *queue;     /* deferred frees, linked through priv[0] */
	unsigned long pending;
};

/* The interface backed by @r (zero it first). */
struct pt_reclaim pt_sim_reclaim_sync(struct pt_sync_reclaim *r);

#endif
