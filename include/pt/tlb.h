/* SPDX-License-Identifier: MIT */
/*
 * The TLB interface a platform gives the core: local flush primitives on the
 * current CPU, the current CPU's number, and delivery of a flush request to a
 * set of remote CPUs. x86 implements it with INVLPG, CR3 writes, INVPCID and
 * CR4.PGE; the simulator with the same operations on simulated CPUs.
 */
#ifndef PT_TLB_H
#define PT_TLB_H

#include <pt/types.h>

#define PT_MAX_CPUS 64

/* A set of CPUs, one bit each. */
typedef uint64_t pt_cpumask_t;

/* Address-space identifier (x86 PCID, RISC-V ASID); 0 is "none". */
typedef uint16_t pt_asid_t;

/* Address-space ids the core tracks per CPU: activation takes 0..PT_MAX_ASIDS-1. */
#define PT_MAX_ASIDS 64
/* In a PT_FLUSH_PAGES request: the pages in every address space (kernel tables). */
#define PT_ASID_ANY ((pt_asid_t)0xffff)
/* Default of pt_tlb.flush_threshold: a batch of this many pages becomes a full flush. */
#define PT_FLUSH_THRESHOLD_DEFAULT 32

struct pt_cpus;

enum pt_flush_kind {
	PT_FLUSH_PAGES,        /* va, nr_pages base pages; global entries too */
	PT_FLUSH_ASID,         /* every non-global entry of one address space */
	PT_FLUSH_ALL,          /* every non-global entry of every address space */
	PT_FLUSH_ALL_GLOBAL,   /* everything, global entries included */
};

struct pt_flush_req {
	enum pt_flush_kind kind;
	pt_asid_t asid;        /* PT_FLUSH_PAGES and PT_FLUSH_ASID */
	pt_vaddr_t va;         /* PT_FLUSH_PAGES */
	uint64_t nr_pages;     /* PT_FLUSH_PAGES */
	/* PT_FLUSH_PAGES: a table entry in the batch changed (a sub-tree was
	 * detached), as Linux's mmu_gather.freed_tables. x86 ignores it (INVLPG
	 * drops the paging-structure entries for the address too); a platform
	 * whose page flush reaches only leaf entries (RISC-V SFENCE.VMA with an
	 * address) must flush the whole address space instead. */
	bool tables;
};

struct pt_tlb_ops {
	/* The number of the CPU the caller runs on; stable while it holds a cursor. */
	unsigned (*current_cpu)(void *ctx);
	/* Perform @req on the current CPU, synchronously. */
	void (*flush_local)(void *ctx, const struct pt_flush_req *req);
	/* Queue @req on every CPU in @cpus (never the caller's) and signal them. */
	void (*send)(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req);
	/* Wait until every CPU in @cpus has performed every request sent to it. */
	void (*wait)(void *ctx, pt_cpumask_t cpus);
	/* Load @root_pa with @asid on the current CPU; @flush discards the asid's entries.
	 * On a split-root format the platform loads the kernel table's root into
	 * the upper-half register (Arm TTBR1) and any other into the lower (TTBR0). */
	void (*load_root)(void *ctx, pt_paddr_t root_pa, pt_asid_t asid, bool flush);
	/* Perform @req on every CPU and return once all have (Arm: TLBI ...IS, DSB
	 * ISH), waiting on no other thread: the core calls it under cursor locks
	 * for break-before-make (pt/bbm.h). Required by formats with bbm, else NULL. */
	void (*flush_broadcast)(void *ctx, const struct pt_flush_req *req);
};

struct pt_tlb {
	const struct pt_tlb_ops *ops;
	void *ctx;
	/* Per-CPU activation state (pt/activate.h); required to activate tables. */
	struct pt_cpus *cpus;
	/* Pages from which a flush batch becomes a full flush; 0 = the default. */
	unsigned flush_threshold;
	/* True if load_root keeps other address spaces' entries (x86 PCIDs on). */
	bool tagged;
	/* Ids the hardware has (ids 0 .. nr_asids - 1), for pt_vmspace_activate's
	 * allocator (pt/activate.h); 0 or more than PT_MAX_ASIDS: PT_MAX_ASIDS. */
	unsigned nr_asids;
};

#endif
