/* SPDX-License-Identifier: MIT */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#define ADDR_MASK 0x000ffffffffff000ull

struct fx *fx_new(const struct pt_sim_machine_config *cfg)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->m = pt_sim_machine_create(cfg);
	assert_non_null(f->m);
	f->ram = pt_sim_machine_ram(f->m);
	f->cpu = pt_sim_cpu_enter(f->m, 0);
	assert_non_null(f->cpu);
	f->levels = (pt_sim_cpu_regs(f->cpu).cr4 & PT_SIM_CR4_LA57) ? 5 : 4;
	f->root = fx_table(f);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root), PT_SIM_EXC_NONE);
	return f;
}

void fx_free(struct fx *f)
{
	for (unsigned i = 0; i < pt_sim_machine_nr_cpus(f->m); i++) {
		struct pt_sim_cpu *c = pt_sim_machine_cpu(f->m, i);
		if (pt_sim_cpu_current() == c)
			pt_sim_cpu_leave(c);
	}
	pt_sim_machine_destroy(f->m);
	free(f);
}

pt_paddr_t fx_table(struct fx *f)
{
	pt_paddr_t pa;
	assert_int_equal(pt_sim_ram_alloc(f->ram, PT_FRAME_TABLE, &pa), PT_OK);
	return pa;
}

pt_paddr_t fx_data(struct fx *f)
{
	pt_paddr_t pa;
	assert_int_equal(pt_sim_ram_alloc(f->ram, PT_FRAME_DATA, &pa), PT_OK);
	return pa;
}

unsigned fx_idx(pt_vaddr_t va, unsigned level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
}

pt_paddr_t fx_slot_in(struct fx *f, pt_paddr_t root, pt_vaddr_t va, unsigned level)
{
	pt_paddr_t table = root;
	for (unsigned l = f->levels; l > level; l--) {
		pt_paddr_t slot = table + 8ull * fx_idx(va, l);
		uint64_t e = pt_sim_ram_load64(f->ram, slot);
		if (e == 0) {
			e = fx_table(f) | FX_NONLEAF;
			pt_sim_ram_store64(f->ram, slot, e);
		}
		table = e & ADDR_MASK;
	}
	return table + 8ull * fx_idx(va, level);
}

pt_paddr_t fx_slot(struct fx *f, pt_vaddr_t va, unsigned level)
{
	return fx_slot_in(f, f->root, va, level);
}

pt_paddr_t fx_map_in(struct fx *f, pt_paddr_t root, pt_vaddr_t va, pt_paddr_t pa,
		     unsigned level, uint64_t bits)
{
	pt_paddr_t slot = fx_slot_in(f, root, va, level);
	pt_sim_ram_store64(f->ram, slot, pa | bits | (level > 1 ? PT_SIM_PTE_PS : 0));
	return slot;
}

pt_paddr_t fx_map(struct fx *f, pt_vaddr_t va, pt_paddr_t pa, unsigned level, uint64_t bits)
{
	return fx_map_in(f, f->root, va, pa, level, bits);
}

uint64_t fx_get(struct fx *f, pt_vaddr_t va, unsigned level)
{
	return pt_sim_ram_load64(f->ram, fx_slot(f, va, level));
}

void fx_set(struct fx *f, pt_vaddr_t va, unsigned level, uint64_t val)
{
	pt_sim_ram_store64(f->ram, fx_slot(f, va, level), val);
}

void fx_or(struct fx *f, pt_vaddr_t va, unsigned level, uint64_t bits)
{
	fx_set(f, va, level, fx_get(f, va, level) | bits);
}

void fx_clear(struct fx *f, pt_vaddr_t va, unsigned level, uint64_t bits)
{
	fx_set(f, va, level, fx_get(f, va, level) & ~bits);
}

void fx_clear_upper_a(struct fx *f, pt_vaddr_t va, unsigned leaf_level)
{
	for (unsigned l = f->levels; l > leaf_level; l--)
		fx_clear(f, va, l, PT_SIM_PTE_A);
}

void fx_cr4_set(struct fx *f, uint64_t bits)
{
	assert_int_equal(pt_sim_cpu_write_cr4(f->cpu, pt_sim_cpu_regs(f->cpu).cr4 | bits),
			 PT_SIM_EXC_NONE);
}

void fx_cr4_clear(struct fx *f, uint64_t bits)
{
	assert_int_equal(pt_sim_cpu_write_cr4(f->cpu, pt_sim_cpu_regs(f->cpu).cr4 & ~bits),
			 PT_SIM_EXC_NONE);
}

size_t fx_tlb_has(struct fx *f, pt_vaddr_t va, uint16_t pcid)
{
	struct pt_sim_tlb_entry e[8];
	return pt_sim_tlb_lookup(f->cpu, va, pcid, e, 8);
}

size_t fx_harmful(struct fx *f)
{
	struct pt_sim_coherence c;
	assert_true(pt_sim_coherence_check(f->m, 0, &c));
	size_t n = c.harmful;
	pt_sim_coherence_free(&c);
	return n;
}

size_t fx_stale_kind(struct fx *f, enum pt_sim_stale_kind kind)
{
	struct pt_sim_coherence c;
	assert_true(pt_sim_coherence_check(f->m, 0, &c));
	size_t n = c.by_kind[kind];
	pt_sim_coherence_free(&c);
	return n;
}
