/* SPDX-License-Identifier: MIT */
/* Shared by the Arm MMU's walk, TLB and break-before-make detector. */
#ifndef PT_SIM_ARM_INTERNAL_H
#define PT_SIM_ARM_INTERNAL_H

#include <pt/sim/arm_mmu.h>

#pragma GCC visibility push(hidden)

/* Where a walk starts: a table at an Arm level, with the attributes gathered above it. */
struct pt_sim_arm_walk_state {
	pt_paddr_t table;
	unsigned level;
	uint64_t t;
};

/* Told of each table descriptor a walk follows (the TLB caches them). */
typedef void (*pt_sim_arm_walk_fn)(void *ctx, unsigned level, uint64_t va, uint64_t desc,
				pt_paddr_t desc_pa, uint64_t t);

/* Walk @va from @s; @update: set AF / clear AP[2] in memory by compare-and-swap. */
struct pt_sim_arm_xlat pt_sim_arm_walk_from(struct pt_sim_arm *m, const struct pt_sim_arm_regs *r, uint64_t va,
				      struct pt_sim_arm_walk_state s, enum pt_sim_arm_access access,
				      bool el0, bool update, pt_sim_arm_walk_fn fn, void *ctx);
/* Permissions of a cached leaf; *needs_update: a write needing the dirty update (walk again). */
struct pt_sim_arm_xlat pt_sim_arm_check_cached(const struct pt_sim_arm_regs *r, uint64_t va, unsigned level,
					 uint64_t desc, uint64_t t, enum pt_sim_arm_access access,
					 bool el0, bool *needs_update);

/* Bytes translated by a descriptor at Arm @level. */
static inline uint64_t pt_sim_arm_span(unsigned level)
{
	return 1ull << (12 + 9 * (3 - level));
}

/* True if @op performed on a PE removes a cached entry like @e. */
bool pt_sim_arm_tlbi_covers(const struct pt_sim_arm_tlbi_op *op, bool leaf, bool global, uint16_t asid,
			 uint64_t va, uint64_t size);
/* The detector's part of a TLBI performed on PE @pe. */
void pt_sim_arm_bbm_tlbi(struct pt_sim_arm *m, unsigned pe, const struct pt_sim_arm_tlbi_op *op);

#define PT_SIM_ARM_T_ATTRS (0xfull << 59)   /* PXNTable, UXNTable, APTable[1:0] */
#define PT_SIM_ARM_OA_BITS 0x0000fffffffff000ull

#pragma GCC visibility pop
#endif
