/* SPDX-License-Identifier: MIT */
/*
 * The TLB flusher: batches flushes of one table (issue), sends them to every
 * CPU that may cache it (dispatch: remote CPUs by the platform's send, the
 * local one directly) and waits for them (sync). Frames and detached tables
 * attached to it are released only after every target flushed and then a
 * grace period passed. A batch of pt_tlb.flush_threshold pages or more
 * becomes one full flush of the table's address space.
 *
 * A flusher belongs to one thread, pinned to its CPU from init to drop.
 * Issue and dispatch may run inside a cursor; sync must not (a CPU whose
 * thread waits for a lock the cursor holds could never take the interrupt).
 */
#ifndef PT_FLUSH_H
#define PT_FLUSH_H

#include <pt/table.h>

#define PT_FLUSHER_RANGES 16

struct pt_node;

/* Receives a tracked frame after its flush; the reference is now the callee's. */
typedef void (*pt_frame_fn)(void *ctx, pt_paddr_t pa);

struct pt_flush_range {
	pt_vaddr_t va;
	uint64_t nr_pages;
};

struct pt_flusher {
	struct pt_table *table;
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

/* An empty flusher for @t; frames attached are released, not given back. */
void pt_flusher_init(struct pt_flusher *f, struct pt_table *t);
/* Flush [va, va + len) (page-aligned) on every target. */
void pt_flusher_issue(struct pt_flusher *f, pt_vaddr_t va, uint64_t len);
/* Flush the table's whole address space (globals too for a kernel table). */
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

/* Test-only: each site where the core flushes; a set bit in pt_test_flush_off skips it. */
enum pt_flush_site {
	PT_SITE_UNMAP,          /* a removed leaf */
	PT_SITE_UNMAP_TABLE,    /* a detached sub-tree */
	PT_SITE_PROTECT,        /* a changed leaf of a user table */
	PT_SITE_SPLIT,          /* a huge leaf split by protect, nothing changed */
	PT_SITE_KERNEL_PROTECT, /* a changed leaf of the kernel table */
	PT_SITE_FORK,           /* the parent's leaf losing W */
	PT_SITE_COW_COPY,       /* a copy-on-write page moved to a new frame */
	PT_SITE_ASID_REUSE,     /* an address-space id given to another table */
	PT_SITE_STALE_TARGET,   /* a CPU that switched away stays a target */
	PT_SITE_DESTROY,        /* a destroyed table's id flushed on its targets */
	PT_SITE_REMOTE,         /* dispatch to remote CPUs */
	PT_SITE__COUNT
};
extern _Atomic uint32_t pt_test_flush_off;
/* Test-only: called instead of trapping when a flusher is dropped with undispatched work. */
extern void (*pt_test_flusher_leak)(struct pt_flusher *f);

#endif
