/* SPDX-License-Identifier: MIT */
/*
 * Test fixture for the simulated machine: a machine with CPU 0 entered and a
 * root table loaded, and a small builder that writes raw x86 entries (it
 * computes indices itself, so it shares nothing with the walker).
 * Defaults are those of reference §7: non-leaf entries P|RW|US|A, leaves
 * P|RW|US with A=D=0.
 */
#ifndef TESTS_SIM_FIXTURE_H
#define TESTS_SIM_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pt/sim/machine/machine.h>
#include <pt/sim/ram.h>

#define FX_NONLEAF (PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_US | PT_SIM_PTE_A)
#define FX_LEAF (PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_US)
#define KB4 0x1000ull
#define MB2 0x200000ull
#define GB1 0x40000000ull

struct fx {
	struct pt_sim_machine *m;
	struct pt_sim_ram *ram;
	struct pt_sim_cpu *cpu;
	pt_paddr_t root;
	unsigned levels;
};

/* A machine from @cfg (NULL: defaults), CPU 0 entered, a fresh root in CR3. */
struct fx *fx_new(const struct pt_sim_machine_config *cfg);
void fx_free(struct fx *f);
pt_paddr_t fx_table(struct fx *f);
pt_paddr_t fx_data(struct fx *f);
/* Index of @va at @level (computed here, not by the simulator). */
unsigned fx_idx(pt_vaddr_t va, unsigned level);
/* PA of the entry for @va at @level under @root, creating missing tables
 * (entries FX_NONLEAF) above it. */
pt_paddr_t fx_slot_in(struct fx *f, pt_paddr_t root, pt_vaddr_t va, unsigned level);
pt_paddr_t fx_slot(struct fx *f, pt_vaddr_t va, unsigned level);
/* Map @va to @pa with a leaf at @level (1, 2, 3) holding @bits (PS added for
 * large leaves); returns the leaf's PA. */
pt_paddr_t fx_map_in(struct fx *f, pt_paddr_t root, pt_vaddr_t va, pt_paddr_t pa,
		     unsigned level, uint64_t bits);
pt_paddr_t fx_map(struct fx *f, pt_vaddr_t va, pt_paddr_t pa, unsigned level, uint64_t bits);
uint64_t fx_get(struct fx *f, pt_vaddr_t va, unsigned level);
void fx_set(struct fx *f, pt_vaddr_t va, unsigned level, uint64_t val);
void fx_or(struct fx *f, pt_vaddr_t va, unsigned level, uint64_t bits);
void fx_clear(struct fx *f, pt_vaddr_t va, unsigned level, uint64_t bits);
/* Clear A in every non-leaf entry on @va's path above @leaf_level. */
void fx_clear_upper_a(struct fx *f, pt_vaddr_t va, unsigned leaf_level);
/* Set CR4 bits / clear CR4 bits, asserting no #GP. */
void fx_cr4_set(struct fx *f, uint64_t bits);
void fx_cr4_clear(struct fx *f, uint64_t bits);
/* Number of cached TLB entries for @va usable under @pcid. */
size_t fx_tlb_has(struct fx *f, pt_vaddr_t va, uint16_t pcid);
/* Harmful stale entries of CPU 0 found by the coherence check. */
size_t fx_harmful(struct fx *f);
size_t fx_stale_kind(struct fx *f, enum pt_sim_stale_kind kind);

#define EXPECT_PF(f, va, kind, mode, ec) do { \
	struct pt_sim_xlat x_; \
	assert_int_equal(pt_sim_access((f)->cpu, (va), (kind), (mode), &x_), PT_SIM_EXC_PF); \
	assert_int_equal(x_.error_code, (ec)); \
	assert_int_equal(pt_sim_cpu_regs((f)->cpu).cr2, (va)); \
} while (0)

/* A translation to @want, of memory type WB (every mapping here has
 * PAT=PCD=PWT=0 under the default PAT unless a test checks the type itself). */
#define EXPECT_PA(f, va, kind, mode, want) do { \
	struct pt_sim_xlat x_; \
	assert_int_equal(pt_sim_access((f)->cpu, (va), (kind), (mode), &x_), PT_SIM_EXC_NONE); \
	assert_int_equal(x_.pa, (want)); \
	assert_int_equal(x_.memtype, PT_SIM_MT_WB); \
} while (0)

#define EXPECT_OK(f, va, kind, mode) do { \
	struct pt_sim_xlat x_; \
	assert_int_equal(pt_sim_access((f)->cpu, (va), (kind), (mode), &x_), PT_SIM_EXC_NONE); \
} while (0)

/* A and D of the entry for @va at @level. */
#define EXPECT_AD(f, va, level, a, d) do { \
	uint64_t e_ = fx_get((f), (va), (level)); \
	assert_int_equal(!!(e_ & PT_SIM_PTE_A), (a)); \
	assert_int_equal(!!(e_ & PT_SIM_PTE_D), (d)); \
} while (0)

#endif
