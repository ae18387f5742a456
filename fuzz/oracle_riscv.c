/* SPDX-License-Identifier: MIT */
/*
 * On the RISC-V formats, a hart's walk (sim/riscv_walk.c, written from the
 * specification and sharing nothing with the codec) of every touched page
 * must agree with the model: which accesses fault, and for the others the
 * physical address, the memory type and G. The walk is Svade (a clear A or
 * D faults) so it never writes the table.
 */
#include "oracle.h"

#include <inttypes.h>

#include "riscv_walk.h"

static unsigned pbmt_of(uint8_t cache)
{
	return cache == PT_CACHE_WC ? SIM_RV_PBMT_NC : cache == PT_CACHE_UC ? SIM_RV_PBMT_IO : 0;
}

/* What a Svade hart allows for a leaf of @flags, in the page's own mode. */
static bool allowed(uint16_t flags, enum sim_rv_access a)
{
	static const uint16_t need[] = { [SIM_RV_LOAD] = PT_R | PT_ACCESSED,
					 [SIM_RV_STORE] = PT_R | PT_W | PT_ACCESSED | PT_DIRTY,
					 [SIM_RV_FETCH] = PT_R | PT_X | PT_ACCESSED };
	return (flags & need[a]) == need[a];
}

void oc_hart_walk(struct pt_table *t, struct pt_ram *ram, const struct mtree *m, pt_vaddr_t va)
{
	const struct mslot *s = mt_leaf_at(m, va);
	bool user = s && (s->prop.flags & PT_USER);
	for (enum sim_rv_access a = SIM_RV_LOAD; a <= SIM_RV_FETCH; a++) {
		struct sim_rv_xlat x;
		enum sim_rv_exc e = sim_rv_walk(ram, m->f->levels, pt_table_root_paddr(t), va, a,
						user, false, false, false, &x);
		bool want = s && allowed(s->prop.flags, a);
		if ((e == SIM_RV_OK) != want)
			fz_fail("hart walk 0x%" PRIx64 " access %d: %s, model %s", va, (int)a,
				e == SIM_RV_OK ? "allowed" : "faults", want ? "allows" : "faults");
		if (e != SIM_RV_OK)
			continue;
		if (x.pa != s->pa + (va - s->va) || x.pbmt != pbmt_of(s->prop.cache) ||
		    x.global != !!(s->prop.flags & PT_GLOBAL))
			fz_fail("hart walk 0x%" PRIx64 ": pa %#" PRIx64 " pbmt %u g %d, model pa %#" PRIx64,
				va, x.pa, (unsigned)x.pbmt, x.global, s->pa + (va - s->va));
	}
}
