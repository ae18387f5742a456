/* SPDX-License-Identifier: MIT */
/* The platform a table lives on: its format and the three service interfaces. */
#ifndef PT_ENV_H
#define PT_ENV_H

#include <pt/format.h>
#include <pt/hooks.h>
#include <pt/physmem.h>
#include <pt/reclaim.h>
#include <pt/tlb.h>

/*
 * How a thread waits for a page-table node lock another thread holds: called
 * only on that contended path, once per failed look at the lock, with the
 * number of looks so far in this wait (0, 1, ...). A kernel passes PAUSE
 * (cpu_relax); a hosted platform pauses, then yields the CPU after a bounded
 * number of spins so a descheduled holder can run. NULL: spin bare. It must
 * not take a node lock or enter the core.
 */
typedef void (*pt_relax_fn)(unsigned spins);

/* Must outlive every table created on it and every deferred free it issued. */
struct pt_env {
	const struct pt_format *fmt;
	struct pt_physmem mem;
	struct pt_reclaim reclaim;
	struct pt_tlb tlb;          /* optional until tables are activated */
	pt_relax_fn relax;          /* contended node-lock waiting; may be NULL */
	struct pt_hooks *hooks;     /* tests only (pt/hooks.h); NULL otherwise */
};

#endif
