/* SPDX-License-Identifier: MIT */
/*
 * The "strictest legal TLB" of the reference (§5.3): per CPU, TLB entries and
 * paging-structure-cache (PSC) entries tagged by PCID, kept until an
 * architectural invalidation removes them. This header lets tests look into
 * it: a dump of what is cached, a coherence check against fresh walks, and a
 * speculative prefetch. All of these may be called from any thread.
 */
#ifndef PT_SIM_MACHINE_TLB_H
#define PT_SIM_MACHINE_TLB_H

#include <stddef.h>
#include <pt/types.h>

struct pt_sim_cpu;
struct pt_sim_machine;

/* One cached entry: a TLB entry (psc=false) or a PSC entry (psc=true). */
struct pt_sim_tlb_entry {
	bool psc;
	bool global;                /* TLB only: CR4.PGE && G at fill time */
	uint8_t level;              /* TLB: 1/2/3 = 4K/2M/1G; PSC: 2..5 = PDE..PML5E */
	uint16_t pcid;
	pt_vaddr_t va;              /* base of the region one entry of @level covers */
	pt_paddr_t pa;              /* TLB: page frame; PSC: next table */
	bool rw, us, xd;            /* cumulative rights down to this entry */
	bool dirty;                 /* TLB only */
	uint8_t pk;                 /* TLB only */
	uint8_t memtype;            /* TLB: page type; PSC: next table's type */
	pt_paddr_t entry_pa;        /* where the (last) entry it came from sits */
	uint64_t entry_val;         /* its value when read */
	uint64_t epoch;             /* fill order, machine-wide */
};

/* Copy up to @max cached entries of @cpu into @out, oldest first; returns how
 * many are cached. */
size_t pt_sim_tlb_dump(struct pt_sim_cpu *cpu, struct pt_sim_tlb_entry *out, size_t max);
/* The number of cached TLB (@psc=false) or PSC entries of @cpu. */
size_t pt_sim_tlb_count(struct pt_sim_cpu *cpu, bool psc);
/* The TLB entries of @cpu covering @va usable under @pcid (globals included);
 * copies up to @max into @out and returns the count. */
size_t pt_sim_tlb_lookup(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid,
		      struct pt_sim_tlb_entry *out, size_t max);

/* Speculatively cache every valid translation reachable from the current CR3
 * whose walk has A=1 everywhere (legal at any time); returns how many TLB
 * entries were added. Needs the CPU entered. */
size_t pt_sim_cpu_prefetch(struct pt_sim_cpu *cpu);

enum pt_sim_stale_kind {
	PT_SIM_STALE_PA = 0,       /* maps another frame, or a page of another size */
	PT_SIM_STALE_UNMAPPED,     /* the fresh walk faults (not present, reserved) */
	PT_SIM_STALE_RIGHTS,       /* rights, key or memory type differ (not an upgrade) */
	PT_SIM_STALE_UPGRADE,      /* cached rights are only weaker: a spurious #PF at most */
	PT_SIM_STALE_DIRTY,        /* cached D=1 (or an entry) but memory has D=0 / A=0 */
	PT_SIM_STALE_PSC_TABLE,    /* a PSC entry points at another table than memory */
	PT_SIM_STALE_PSC_UNREACHABLE, /* its entry is gone from the current tables */
	PT_SIM_STALE_PSC_POISONED, /* it points into a freed (poisoned) or non-table frame */
	PT_SIM_STALE__COUNT
};

struct pt_sim_stale {
	unsigned cpu;
	enum pt_sim_stale_kind kind;
	bool harmless;              /* the upgrade and A/D cases */
	struct pt_sim_tlb_entry entry;
	pt_paddr_t fresh_pa;        /* what a fresh walk gives (0 if it faults) */
	uint32_t fresh_error;       /* P/RSVD bits of the fresh walk's fault (a supervisor read) */
};

struct pt_sim_coherence {
	size_t count;               /* all stale entries */
	size_t harmful;             /* those with !harmless */
	size_t by_kind[PT_SIM_STALE__COUNT];
	struct pt_sim_stale *items;    /* count of them; free with pt_sim_coherence_free */
};

/* Compare every entry cached by CPU @cpu_idx (or by all CPUs if @cpu_idx < 0)
 * with a fresh walk of the current tables (root of the entry's PCID as last
 * loaded; the current CR3 for globals). Side-effect free; any thread.
 * Returns false only if out of host memory. */
bool pt_sim_coherence_check(struct pt_sim_machine *m, int cpu_idx, struct pt_sim_coherence *out);
void pt_sim_coherence_free(struct pt_sim_coherence *c);
/* A constant name for @kind. */
const char *pt_sim_stale_kind_name(enum pt_sim_stale_kind kind);

#endif
