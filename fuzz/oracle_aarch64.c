/* SPDX-License-Identifier: MIT */
/*
 * On the AArch64 format, the simulated Arm MMU's walk (sim/arm/walk.c,
 * written from the Arm ARM and sharing nothing with the codec) of every
 * touched page must agree with the model: which reads, writes and fetches
 * fault at EL0 and at EL1, and for the others the physical address, the
 * leaf size, AttrIndx, nG, AF and the dirty state (DBM, AP[2]). The walk
 * runs with HA and HD and writes nothing, so it reads every leaf as the
 * hardware would after its own updates; the user table's TTBR1 is its
 * kernel table's root.
 */
#include "oracle.h"

#include <inttypes.h>

#include <pt/sim/arm_mmu.h>

#define D_AP2 (1ull << 7)
#define D_AF (1ull << 10)
#define D_DBM (1ull << 51)

static const uint8_t attr_index_of[PT_CACHE__COUNT] = {
	[PT_CACHE_WB] = 0, [PT_CACHE_WT] = 1, [PT_CACHE_WC] = 2, [PT_CACHE_UC] = 3,
};

static struct pt_sim_arm_regs regs_for(struct pt_table *t)
{
	struct pt_sim_arm_regs r = { 0 };
	r.ha = r.hd = true;
	if (t->kind == PT_TABLE_KERNEL) {
		r.ttbr1 = pt_table_root_paddr(t);
		return r;
	}
	r.ttbr0 = pt_table_root_paddr(t);
	if (t->kind == PT_TABLE_USER)
		r.ttbr1 = pt_table_root_paddr(t->kernel);
	return r;
}

/* What a leaf of @flags allows at @el0: its own rights in its own mode,
 * data only from EL1 on user pages (PXN), nothing from EL0 on kernel pages. */
static bool allowed(uint16_t flags, enum pt_sim_arm_access a, bool el0)
{
	bool user = flags & PT_USER;
	if (!(flags & PT_R) || (el0 && !user))
		return false;
	if (a == PT_SIM_ARM_WRITE)
		return flags & PT_W;
	if (a == PT_SIM_ARM_FETCH)
		return (flags & PT_X) && user == el0;
	return true;
}

/* The leaf the walk used, with AF and AP[2] as they are in memory (the walk takes them as
 * the hardware would leave them: AF set, AP[2] cleared by a write). */
static bool leaf_matches(struct pt_sim_ram *ram, const struct pt_sim_arm_xlat *x, const struct mslot *s,
			 pt_vaddr_t va)
{
	uint16_t f = s->prop.flags;
	uint64_t d = pt_sim_ram_load64(ram, x->desc_pa);
	bool dirty_hw = (f & PT_W) ? !(d & D_AP2) == !!(f & PT_DIRTY) : true;
	return x->pa == s->pa + (va - s->va) && 4 - x->level == s->level &&
	       x->attr_index == attr_index_of[s->prop.cache] && x->global == !!(f & PT_GLOBAL) &&
	       !!(d & D_AF) == !!(f & PT_ACCESSED) && !!(d & D_DBM) == !!(f & PT_W) && dirty_hw;
}

void oc_arm_walk(struct pt_table *t, struct pt_sim_ram *ram, const struct mtree *m, pt_vaddr_t va)
{
	static struct pt_sim_arm arm;   /* only its RAM is used by a walk */
	arm.ram = ram;
	struct pt_sim_arm_regs r = regs_for(t);
	const struct mslot *s = mt_leaf_at(m, va);
	for (int el0 = 0; el0 < 2; el0++)
		for (enum pt_sim_arm_access a = PT_SIM_ARM_READ; a <= PT_SIM_ARM_FETCH; a++) {
			struct pt_sim_arm_xlat x = pt_sim_arm_walk(&arm, &r, va, a, el0, false);
			bool ok = x.fault == PT_SIM_ARM_OK;
			bool want = s && allowed(s->prop.flags, a, el0);
			if (ok != want)
				fz_fail("arm walk 0x%" PRIx64 " %s access %d: %s (fsc %#x), model %s", va,
					el0 ? "EL0" : "EL1", (int)a, ok ? "allowed" : "faults",
					(unsigned)x.fsc, want ? "allows" : "faults");
			if (!s && x.fault != PT_SIM_ARM_TRANSLATION)
				fz_fail("arm walk 0x%" PRIx64 ": fsc %#x, model: not mapped", va,
					(unsigned)x.fsc);
			if (ok && !leaf_matches(ram, &x, s, va))
				fz_fail("arm walk 0x%" PRIx64 ": pa %#" PRIx64 " L%u attr %u desc %#" PRIx64
					", model pa %#" PRIx64 " L%u flags %#x cache %u", va, x.pa, x.level,
					x.attr_index, x.desc, s->pa + (va - s->va), (unsigned)s->level,
					s->prop.flags, s->prop.cache);
		}
}
