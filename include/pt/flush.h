/* SPDX-License-Identifier: MIT */
/*
 * The TLB flusher: batches flushes of one address space (issue), sends them
 * to every CPU that may cache it under its id (dispatch: remote CPUs by the
 * platform's send, the local one directly; an IOMMU domain's one device
 * hook instead) and waits for them (sync). It knows no table: it flushes a
 * set of CPUs for an id, both read from a pt_flush_target at each dispatch.
 * Frames and detached tables attached to it are released only after every
 * target flushed and then a grace period passed. A batch of
 * pt_tlb.flush_threshold pages or more becomes one full flush of the id.
 *
 * A flusher belongs to one thread, pinned to its CPU from init to drop.
 * Issue and dispatch may run inside a cursor; sync must not (a CPU whose
 * thread waits for a lock the cursor holds could never take the interrupt).
 */
#ifndef PT_FLUSH_H
#define PT_FLUSH_H

#include <pt/env.h>

#define PT_FLUSHER_RANGES 16

struct pt_node;

/* Receives a tracked frame after its flush; the reference is now the callee's. */
typedef void (*pt_frame_fn)(void *ctx, pt_paddr_t pa);

/* An IOMMU domain's invalidation: performs @req on every device's IOTLB and
 * page-walk cache before it returns. Requests carry id 0: PT_FLUSH_PAGES for
 * a range, PT_FLUSH_ASID for the whole domain. */
typedef void (*pt_dev_flush_fn)(void *ctx, const struct pt_flush_req *req);

/*
 * Whom a flush reaches; kept by the address space (pt/vmspace.h), which alone
 * changes cpus and asid (pt/activate.h). A CPU's bit is set before it may
 * cache the address space and cleared only when it provably holds nothing.
 */
struct pt_flush_target {
	_Atomic pt_cpumask_t cpus; /* CPUs that may cache it */
	_Atomic uint32_t asid;     /* its id (bits 0-15); above: how many CPUs are in cpus */
	bool global;               /* kernel: pages in every id (PT_ASID_ANY), full flushes with globals */
	pt_dev_flush_fn dev_flush; /* IOMMU domain: no CPU, this hook instead */
	void *dev_ctx;
};

struct pt_flush_range {
	pt_vaddr_t va;
	uint64_t nr_pages;
};

struct pt_flusher {
	const struct pt_env *env;
	struct pt_flush_target *to;
	unsigned threshold;
	unsigned nr_ranges;                    /* buffered page ranges */
	struct pt_flush_range ranges[PT_FLUSHER_RANGES];
	uint64_t pages;                        /* pages in them */
	bool all;                              /* the batch became a full flush */
	bool tables;                           /* the batch holds a detached table */
	pt_paddr_t keep;                       /* keeper pages of issued frames */
	pt_paddr_t spare;                      /* empty keeper pages put aside by reserve */
	struct pt_node *keep_tables;           /* issued detached tables */
	pt_paddr_t sent;                       /* keeper pages dispatched, not synced */
	struct pt_node *sent_tables;
	pt_cpumask_t unsynced;                 /* remote CPUs sent to since the last sync */
	pt_frame_fn give;                      /* NULL: release frames after a grace period */
	void *give_ctx;
	uint64_t nr_dispatched;                /* flush requests performed or sent, for stats */
};

/* The id @to's CPUs cache it under (meaningful while it has CPUs). */
pt_asid_t pt_flush_target_asid(const struct pt_flush_target *to);

/* An empty flusher on @env for the CPUs and id of @to (usually
 * pt_vmspace_flusher_init); frames attached are released, not given back. */
void pt_flusher_init(struct pt_flusher *f, const struct pt_env *env, struct pt_flush_target *to);
/* Flush [va, va + len) (page-aligned) on every target. */
void pt_flusher_issue(struct pt_flusher *f, pt_vaddr_t va, uint64_t len);
/* Flush the whole address space (globals too for a global target). */
void pt_flusher_issue_all(struct pt_flusher *f);
/* Keep the tracked frame @pa (one reference) until the batch holding it is
 * synced. PT_ERR_INVAL (NULL @f), PT_ERR_NOMEM (a keeper page; nothing kept). */
PT_MUST_CHECK enum pt_err pt_flusher_keep_frame(struct pt_flusher *f, pt_paddr_t pa);
/* Make sure @n more frames can be kept without allocating, until the next
 * dispatch (unused room is freed at sync). PT_ERR_INVAL (NULL @f), PT_ERR_NOMEM. */
PT_MUST_CHECK enum pt_err pt_flusher_reserve(struct pt_flusher *f, uint64_t n);
/* Keep a detached sub-tree (a take_next PT_FRAG_TABLE) until synced, then free it. */
void pt_flusher_keep_table(struct pt_flusher *f, struct pt_node *table);
/* Send the batch to every target CPU, flush locally if the caller's CPU is one. */
void pt_flusher_dispatch(struct pt_flusher *f);
/* Wait until every CPU dispatched to has flushed, then release what was kept. */
void pt_flusher_sync(struct pt_flusher *f);
/* Dispatch (a bug in debug builds if anything was left undispatched) and sync. */
void pt_flusher_drop(struct pt_flusher *f);

#endif
