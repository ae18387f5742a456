/* SPDX-License-Identifier: MIT */
/*
 * The minimum effect of each invalidating event (reference §5.2), as
 * predicates over cached entries. Nothing here removes more than the
 * architecture requires: that is what makes a missing flush observable.
 * Callers hold cpu->lock.
 */
#include "internal.h"

struct inv_arg {
	uint16_t pcid;
	pt_vaddr_t va;
	bool globals;
};

/* INVLPG: page(va) in the current PCID or global; every PSC entry of the PCID. */
static bool pred_page(const struct pt_sim_tlb_entry *e, const void *p)
{
	const struct inv_arg *a = p;
	if (e->psc)
		return e->pcid == a->pcid;
	return (e->pcid == a->pcid || e->global) && pt_sim_entry_covers(e, a->va);
}

/* #PF: page(va) usable in the current PCID, and the PSC entries on va's path. */
static bool pred_pf(const struct pt_sim_tlb_entry *e, const void *p)
{
	const struct inv_arg *a = p;
	if (e->psc)
		return e->pcid == a->pcid && pt_sim_entry_covers(e, a->va);
	return (e->pcid == a->pcid || e->global) && pt_sim_entry_covers(e, a->va);
}

/* MOV CR3, INVPCID type 1: non-global TLB and all PSC entries of one PCID. */
static bool pred_pcid(const struct pt_sim_tlb_entry *e, const void *p)
{
	const struct inv_arg *a = p;
	return e->pcid == a->pcid && (e->psc || !e->global);
}

/* INVPCID type 0: non-global entries of (pcid, va), PSC entries on va's path. */
static bool pred_pcid_addr(const struct pt_sim_tlb_entry *e, const void *p)
{
	const struct inv_arg *a = p;
	return e->pcid == a->pcid && (e->psc || !e->global) && pt_sim_entry_covers(e, a->va);
}

/* INVPCID types 2/3, CR4.PGE, PCIDE 1->0, CR0.PG 1->0. */
static bool pred_all(const struct pt_sim_tlb_entry *e, const void *p)
{
	const struct inv_arg *a = p;
	return a->globals || e->psc || !e->global;
}

/* CR4.SMEP 0->1 or PAE change: everything tagged with the current PCID. */
static bool pred_tagged(const struct pt_sim_tlb_entry *e, const void *p)
{
	const struct inv_arg *a = p;
	return e->pcid == a->pcid;
}

void pt_sim_inv_page(struct pt_sim_cpu *cpu, pt_vaddr_t va)
{
	struct inv_arg a = { pt_sim_cpu_pcid_locked(cpu), va, false };
	pt_sim_cache_remove_if(cpu, pred_page, &a);
}

void pt_sim_inv_pf(struct pt_sim_cpu *cpu, pt_vaddr_t va)
{
	struct inv_arg a = { pt_sim_cpu_pcid_locked(cpu), va, false };
	pt_sim_cache_remove_if(cpu, pred_pf, &a);
	cpu->cnt.flushes[PT_SIM_FLUSH_PF]++;
}

void pt_sim_inv_pcid(struct pt_sim_cpu *cpu, uint16_t pcid)
{
	struct inv_arg a = { pcid, 0, false };
	pt_sim_cache_remove_if(cpu, pred_pcid, &a);
}

void pt_sim_inv_pcid_addr(struct pt_sim_cpu *cpu, uint16_t pcid, pt_vaddr_t va)
{
	struct inv_arg a = { pcid, va, false };
	pt_sim_cache_remove_if(cpu, pred_pcid_addr, &a);
}

void pt_sim_inv_all(struct pt_sim_cpu *cpu, bool globals)
{
	struct inv_arg a = { 0, 0, globals };
	pt_sim_cache_remove_if(cpu, pred_all, &a);
}

void pt_sim_inv_tagged(struct pt_sim_cpu *cpu, uint16_t pcid)
{
	struct inv_arg a = { pcid, 0, false };
	pt_sim_cache_remove_if(cpu, pred_tagged, &a);
}
