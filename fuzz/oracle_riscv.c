/* SPDX-License-Identifier: MIT */
/*
 * On the RISC-V formats, a hart's walk (sim/riscv_walk.c, written from the
 * specification and sharing nothing with the codec) of every touched page
 * must agree with the model: which loads, stores and fetches fault, and for
 * the others the physical address, the leaf size, the memory type, G, A and
 * D. The walk takes A and D as set (so it reads every leaf, and writes
 * nothing); an unmapped page must fault in both modes with SUM and MXR.
 */
#include "oracle.h"

#include <inttypes.h>

#include <pt/sim/riscv_walk.h>

static unsigned pbmt_of(uint8_t cache)
{
	return cache == PT_CACHE_WC ? PT_SIM_RV_PBMT_NC : cache == PT_CACHE_UC ? PT_SIM_RV_PBMT_IO : 0;
}

/* What a leaf of @flags allows in its own mode (A and D aside). */
static bool allowed(uint16_t flags, enum pt_sim_rv_access a)
{
	static const uint16_t need[] = { [PT_SIM_RV_LOAD] = PT_R, [PT_SIM_RV_STORE] = PT_R | PT_W,
					 [PT_SIM_RV_FETCH] = PT_R | PT_X };
	return (flags & need[a]) == need[a];
}

static enum pt_sim_rv_exc walk(struct pt_table *t, struct pt_sim_ram *ram, unsigned levels,
			    pt_vaddr_t va, enum pt_sim_rv_access a, bool user, bool lax,
			    struct pt_sim_rv_xlat *x)
{
	return pt_sim_rv_walk(ram, levels, pt_table_root_paddr(t), va, a, user, lax, lax,
			   PT_SIM_RV_AD_AS_SET, x);
}

static void check_unmapped(struct pt_table *t, struct pt_sim_ram *ram, unsigned levels, pt_vaddr_t va)
{
	for (enum pt_sim_rv_access a = PT_SIM_RV_LOAD; a <= PT_SIM_RV_FETCH; a++)
		for (int user = 0; user < 2; user++)
			if (walk(t, ram, levels, va, a, user, true, NULL) == PT_SIM_RV_OK)
				fz_fail("hart walk 0x%" PRIx64 " access %d: allowed, model: not mapped",
					va, (int)a);
}

static bool leaf_matches(const struct pt_sim_rv_xlat *x, const struct mslot *s, pt_vaddr_t va)
{
	uint16_t f = s->prop.flags;
	return x->pa == s->pa + (va - s->va) && x->level + 1 == s->level &&
	       x->pbmt == pbmt_of(s->prop.cache) && x->global == !!(f & PT_GLOBAL) &&
	       !!(x->pte & PT_SIM_RV_PTE_A) == !!(f & PT_ACCESSED) &&
	       !!(x->pte & PT_SIM_RV_PTE_D) == !!(f & PT_DIRTY);
}

void oc_hart_walk(struct pt_table *t, struct pt_sim_ram *ram, const struct mtree *m, pt_vaddr_t va)
{
	const struct mslot *s = mt_leaf_at(m, va);
	if (!s) {
		check_unmapped(t, ram, m->f->levels, va);
		return;
	}
	bool user = s->prop.flags & PT_USER;
	for (enum pt_sim_rv_access a = PT_SIM_RV_LOAD; a <= PT_SIM_RV_FETCH; a++) {
		struct pt_sim_rv_xlat x;
		enum pt_sim_rv_exc e = walk(t, ram, m->f->levels, va, a, user, false, &x);
		bool want = allowed(s->prop.flags, a);
		if ((e == PT_SIM_RV_OK) != want)
			fz_fail("hart walk 0x%" PRIx64 " access %d: %s, model %s", va, (int)a,
				e == PT_SIM_RV_OK ? "allowed" : "faults", want ? "allows" : "faults");
		if (e == PT_SIM_RV_OK && !leaf_matches(&x, s, va))
			fz_fail("hart walk 0x%" PRIx64 ": pa %#" PRIx64 " L%u pbmt %u pte %#" PRIx64
				", model pa %#" PRIx64 " L%u", va, x.pa, x.level + 1, (unsigned)x.pbmt,
				x.pte, s->pa + (va - s->va), (unsigned)s->level);
	}
}
