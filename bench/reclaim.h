/* SPDX-License-Identifier: MIT */
/*
 * The benchmark's reclamation: liburcu's read-side sections, but deferred
 * frees go on a list that drain runs at once. The runner drains only when no
 * cursor is open and no walker runs, so that is a grace period; what drain
 * then measures is the work of reclaiming, not liburcu's batching delay
 * (its call_rcu thread sleeps 10 ms per wake-up, so every urcu drain costs
 * about 20 ms whatever was freed). --urcu keeps liburcu's own deferral.
 */
#ifndef PTBENCH_RECLAIM_H
#define PTBENCH_RECLAIM_H

#include <pt/reclaim.h>

/* Reclamation reading through @inner, deferring onto the benchmark's list. */
struct pt_reclaim bench_reclaim(struct pt_reclaim inner);

#endif
