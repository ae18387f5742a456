/* SPDX-License-Identifier: MIT */
/* Reference §7 vectors 58-83: the strictest legal TLB, PCIDs, invalidations,
 * paging-structure caches and page-size changes. */
#include "fixture.h"

#define VA 0x00007f1234567000ull
#define VB 0x00007f1234400000ull        /* another 2 MiB region */
#define VG 0xffff800000200000ull        /* kernel (global) page */

static void cr3(struct fx *f, pt_paddr_t root, uint16_t pcid, bool noflush)
{
	uint64_t v = root | pcid | (noflush ? PT_SIM_CR3_NOFLUSH : 0);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, v), PT_SIM_EXC_NONE);
}

static struct fx *pcid_fx(void)
{
	struct fx *f = fx_new(NULL);
	fx_cr4_set(f, PT_SIM_CR4_PCIDE);
	return f;
}

/* Count TLB (@psc false) or PSC entries tagged @pcid (any if < 0), @global. */
static size_t count(struct fx *f, bool psc, int pcid, int global)
{
	struct pt_sim_tlb_entry e[256];
	size_t n = pt_sim_tlb_dump(f->cpu, e, 256), k = 0;
	assert_true(n <= 256);
	for (size_t i = 0; i < n; i++)
		if (e[i].psc == psc && (pcid < 0 || e[i].pcid == pcid) &&
		    (global < 0 || e[i].global == (bool)global))
			k++;
	return k;
}

static void vector_58_global_survives_cr3(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t old = fx_data(f), new = fx_data(f);
	fx_map(f, VG, old, 1, PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_G);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, old);
	fx_set(f, VG, 1, new | PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_G | PT_SIM_PTE_A);
	cr3(f, f->root, 0, false);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, old);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_PA), 1);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VG), PT_SIM_EXC_NONE);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, new);
	fx_free(f);
}

static void vector_59_nonglobal_dropped_by_cr3(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t old = fx_data(f), new = fx_data(f);
	fx_map(f, VA, old, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	fx_set(f, VA, 1, new | FX_LEAF);
	cr3(f, f->root, 0, false);
	assert_int_equal(count(f, false, -1, -1) + count(f, true, -1, -1), 0);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, new);
	fx_free(f);
}

static void vector_60_remap_without_flush(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t old = fx_data(f), new = fx_data(f);
	fx_map(f, VA, old, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	fx_set(f, VA, 1, new | FX_LEAF | PT_SIM_PTE_A);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	struct pt_sim_coherence c;
	assert_true(pt_sim_coherence_check(f->m, 0, &c));
	assert_int_equal(c.count, 1);
	assert_int_equal(c.harmful, 1);
	assert_int_equal(c.items[0].kind, PT_SIM_STALE_PA);
	assert_int_equal(c.items[0].entry.va, VA);
	assert_int_equal(c.items[0].entry.pa, old);
	assert_int_equal(c.items[0].fresh_pa, new);
	pt_sim_coherence_free(&c);
	fx_free(f);
}

static void vector_61_unmap_without_flush(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	fx_clear(f, VA, 1, PT_SIM_PTE_P);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_UNMAPPED), 1);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA), PT_SIM_EXC_NONE);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x4);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

static void vector_62_map_needs_no_flush(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, PT_SIM_PTE_RW | PT_SIM_PTE_US);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x4);
	fx_or(f, VA, 1, PT_SIM_PTE_P);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	fx_free(f);
}

static void vector_63_upgrade_spurious_fault_once(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, PT_SIM_PTE_P | PT_SIM_PTE_US);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	fx_or(f, VA, 1, PT_SIM_PTE_RW);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_UPGRADE), 1);
	assert_int_equal(fx_harmful(f), 0);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0x7);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 1, 1);
	fx_free(f);
}

static void vector_64_downgrade_without_flush(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	fx_clear(f, VA, 1, PT_SIM_PTE_RW);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_RIGHTS), 1);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA), PT_SIM_EXC_NONE);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0x7);
	fx_free(f);
}

static void vector_65_cleared_a_stays_clear(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 1, 0);
	fx_clear(f, VA, 1, PT_SIM_PTE_A);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 0, 0);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_DIRTY), 1);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

static void vector_66_cleared_d_stays_clear(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 1, 1);
	fx_clear(f, VA, 1, PT_SIM_PTE_D);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 1, 0);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_DIRTY), 1);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

static void vector_67_pcid_noflush_returns_stale(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f), old = fx_data(f), new = fx_data(f);
	fx_map(f, VA, old, 1, FX_LEAF);
	cr3(f, f->root, 1, false);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	cr3(f, root2, 2, false);
	fx_set(f, VA, 1, new | FX_LEAF | PT_SIM_PTE_A);
	cr3(f, f->root, 1, true);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	cr3(f, f->root, 1, false);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, new);
	fx_free(f);
}

/* Cache VA in PCID 1 (root) and PCID 2 (root2), plus a global page. */
static void fill_two_pcids(struct fx *f, pt_paddr_t root2)
{
	pt_paddr_t d1 = fx_data(f), d2 = fx_data(f), g = fx_data(f);
	fx_map(f, VA, d1, 1, FX_LEAF);
	fx_map(f, VG, g, 1, PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_G);
	fx_map_in(f, root2, VA, d2, 1, FX_LEAF);
	cr3(f, f->root, 1, false);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, d1);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, g);
	cr3(f, root2, 2, false);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, d2);
	assert_int_equal(count(f, false, 1, 0), 1);
	assert_int_equal(count(f, false, 2, 0), 1);
	assert_int_equal(count(f, false, -1, 1), 1);
	assert_true(count(f, true, 1, -1) > 0);
	assert_true(count(f, true, 2, -1) > 0);
}

static void vector_68_cr3_flushes_only_new_pcid(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f);
	fill_two_pcids(f, root2);
	size_t psc1 = count(f, true, 1, -1);
	cr3(f, root2, 2, false);
	assert_int_equal(count(f, false, 2, -1), 0);
	assert_int_equal(count(f, true, 2, -1), 0);
	assert_int_equal(count(f, false, 1, 0), 1);
	assert_int_equal(count(f, true, 1, -1), psc1);
	assert_int_equal(count(f, false, -1, 1), 1);
	fx_free(f);
}

static void vector_69_invlpg_spares_other_pcid(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f);
	fill_two_pcids(f, root2);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA), PT_SIM_EXC_NONE);
	assert_int_equal(count(f, false, 2, -1), 0);
	assert_int_equal(count(f, true, 2, -1), 0);
	assert_int_equal(count(f, false, 1, 0), 1);
	assert_int_equal(fx_tlb_has(f, VA, 1), 1);
	fx_free(f);
}

static void vector_70_invpcid_single_address(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f), d1 = fx_data(f), g = fx_data(f);
	fx_map(f, VA, d1, 1, FX_LEAF);
	fx_map(f, VA + KB4, d1, 1, FX_LEAF);
	fx_map_in(f, root2, VA, g, 1, FX_LEAF | PT_SIM_PTE_G);
	cr3(f, f->root, 1, false);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, d1);
	EXPECT_PA(f, VA + KB4, PT_SIM_READ, PT_SIM_USER, d1);
	cr3(f, root2, 2, false);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, g);
	assert_int_equal(fx_tlb_has(f, VA, 1), 2);      /* PCID-1 entry and the global */
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 0, 1, VA), PT_SIM_EXC_NONE);
	struct pt_sim_tlb_entry e[4];
	assert_int_equal(pt_sim_tlb_lookup(f->cpu, VA, 1, e, 4), 1);
	assert_true(e[0].global);
	assert_int_equal(fx_tlb_has(f, VA + KB4, 1), 1);
	assert_int_equal(count(f, true, 1, -1), 0);     /* PSC on VA's path dropped */
	fx_free(f);
}

static void vector_71_invpcid_single_context(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f);
	fill_two_pcids(f, root2);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 1, 1, 0), PT_SIM_EXC_NONE);
	assert_int_equal(count(f, false, 1, 0), 0);
	assert_int_equal(count(f, true, 1, -1), 0);
	assert_int_equal(count(f, false, -1, 1), 1);
	assert_int_equal(count(f, false, 2, 0), 1);
	assert_true(count(f, true, 2, -1) > 0);
	fx_free(f);
}

static void vector_72_invpcid_all_with_globals(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f);
	fill_two_pcids(f, root2);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 2, 0, 0), PT_SIM_EXC_NONE);
	assert_int_equal(count(f, false, -1, -1) + count(f, true, -1, -1), 0);
	fx_free(f);
}

static void vector_73_invpcid_all_but_globals(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f);
	fill_two_pcids(f, root2);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 3, 0, 0), PT_SIM_EXC_NONE);
	assert_int_equal(count(f, false, -1, 0), 0);
	assert_int_equal(count(f, true, -1, -1), 0);
	assert_int_equal(count(f, false, -1, 1), 1);
	fx_free(f);
}

static void vector_74_invpcid_gp(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 4, 0, 0), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 1, 1ull << 12, 0), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 0, 1, 0x0000800000000000ull), PT_SIM_EXC_GP);
	pt_sim_cpu_set_cpl(f->cpu, 3);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 2, 0, 0), PT_SIM_EXC_GP);
	pt_sim_cpu_set_cpl(f->cpu, 0);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 2, 0, 0), PT_SIM_EXC_NONE);
	fx_cr4_clear(f, PT_SIM_CR4_PCIDE);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 1, 1, 0), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 1, 0, 0), PT_SIM_EXC_NONE);
	fx_free(f);
}

/* Cache a global page and a non-global one under PCID 0. */
static void fill_global_and_local(struct fx *f)
{
	pt_paddr_t d = fx_data(f), g = fx_data(f);
	fx_map(f, VA, d, 1, FX_LEAF);
	fx_map(f, VG, g, 1, PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_G);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, d);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, g);
	assert_int_equal(count(f, false, -1, 1), 1);
	assert_int_equal(count(f, false, -1, 0), 1);
}

static void vector_75_pge_toggle_flushes_all(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fill_global_and_local(f);
	fx_cr4_clear(f, PT_SIM_CR4_PGE);
	assert_int_equal(count(f, false, -1, -1) + count(f, true, -1, -1), 0);
	fx_cr4_set(f, PT_SIM_CR4_PGE);
	fx_free(f);
}

static void vector_76_pcide_off_flushes_all(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f);
	fill_two_pcids(f, root2);
	cr3(f, f->root, 0, false);
	fx_cr4_clear(f, PT_SIM_CR4_PCIDE);
	assert_int_equal(count(f, false, -1, -1) + count(f, true, -1, -1), 0);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | PT_SIM_CR3_PWT), PT_SIM_EXC_NONE);
	uint64_t cr4 = pt_sim_cpu_regs(f->cpu).cr4;
	assert_int_equal(pt_sim_cpu_write_cr4(f->cpu, cr4 | PT_SIM_CR4_PCIDE), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr4, cr4);
	fx_free(f);
}

static void vector_77_paging_off_flushes_all(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fill_global_and_local(f);
	uint64_t cr0 = pt_sim_cpu_regs(f->cpu).cr0;
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, cr0 & ~PT_SIM_CR0_PG), PT_SIM_EXC_NONE);
	assert_int_equal(count(f, false, -1, -1) + count(f, true, -1, -1), 0);
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, cr0), PT_SIM_EXC_NONE);
	fx_free(f);
}

static void vector_78_smep_on_flushes_current_pcid(void **state)
{
	(void)state;
	struct fx *f = pcid_fx();
	pt_paddr_t root2 = fx_table(f);
	fill_two_pcids(f, root2);
	size_t psc1 = count(f, true, 1, -1);
	fx_cr4_set(f, PT_SIM_CR4_SMEP);
	assert_int_equal(count(f, false, 2, -1), 0);
	assert_int_equal(count(f, true, 2, -1), 0);
	assert_int_equal(count(f, false, 1, 0), 1);
	assert_int_equal(count(f, true, 1, -1), psc1);
	fx_free(f);
}

/* A 2 MiB region at VB whose PT maps pages A, B, C to old frames. */
struct region {
	pt_vaddr_t a, b, c;
	pt_paddr_t pt, old[3];
};

static void make_region(struct fx *f, struct region *r)
{
	r->a = VB;
	r->b = VB + 5 * KB4;
	r->c = VB + 9 * KB4;
	pt_vaddr_t va[3] = { r->a, r->b, r->c };
	for (int i = 0; i < 3; i++) {
		r->old[i] = fx_data(f);
		fx_map(f, va[i], r->old[i], 1, FX_LEAF);
	}
	r->pt = fx_get(f, VB, 2) & 0x000ffffffffff000ull;
}

static void vector_79_pde_repointed_then_invlpg(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	struct region r;
	make_region(f, &r);
	EXPECT_PA(f, r.b, PT_SIM_READ, PT_SIM_USER, r.old[1]);
	pt_paddr_t pt2 = fx_table(f), nb = fx_data(f), nc = fx_data(f), na = fx_data(f);
	pt_sim_ram_store64(f->ram, pt2 + 8 * 0, na | FX_LEAF);
	pt_sim_ram_store64(f->ram, pt2 + 8 * 5, nb | FX_LEAF);
	pt_sim_ram_store64(f->ram, pt2 + 8 * 9, nc | FX_LEAF);
	fx_set(f, VB, 2, pt2 | FX_NONLEAF);
	/* before any INVLPG, the PDE cache still steers C into the old table */
	struct pt_sim_tlb_entry e[4];
	assert_int_equal(pt_sim_tlb_lookup(f->cpu, r.c, 0, e, 4), 0);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, r.a), PT_SIM_EXC_NONE);
	EXPECT_PA(f, r.b, PT_SIM_READ, PT_SIM_USER, r.old[1]);
	EXPECT_PA(f, r.c, PT_SIM_READ, PT_SIM_USER, nc);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_PA), 1);
	fx_free(f);
}

static void vector_80_pde_cleared_table_freed(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	struct region r;
	make_region(f, &r);
	EXPECT_PA(f, r.a, PT_SIM_READ, PT_SIM_USER, r.old[0]);
	fx_set(f, VB, 2, 0);
	pt_sim_ram_free_table(f->ram, r.pt);
	struct pt_sim_coherence c;
	assert_true(pt_sim_coherence_check(f->m, 0, &c));
	assert_int_equal(c.by_kind[PT_SIM_STALE_PSC_POISONED], 1);
	assert_int_equal(c.by_kind[PT_SIM_STALE_UNMAPPED], 1);
	pt_sim_coherence_free(&c);
	/* the stale PDE cache reads the poisoned frame: reserved bits set */
	EXPECT_PF(f, r.c, PT_SIM_READ, PT_SIM_USER, 0xD);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, r.a), PT_SIM_EXC_NONE);
	EXPECT_PF(f, r.c, PT_SIM_READ, PT_SIM_USER, 0x4);
	EXPECT_PF(f, r.a, PT_SIM_READ, PT_SIM_USER, 0x4);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

static void vector_80_pde_cleared_table_reused(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	struct region r;
	make_region(f, &r);
	EXPECT_PA(f, r.a, PT_SIM_READ, PT_SIM_USER, r.old[0]);
	fx_set(f, VB, 2, 0);
	/* the table page now holds data that happens to look like a PTE */
	pt_sim_ram_store64(f->ram, r.pt + 8 * 9, 0x3456000ull | FX_LEAF);
	EXPECT_PA(f, r.c, PT_SIM_READ, PT_SIM_USER, 0x3456000ull);
	assert_true(fx_stale_kind(f, PT_SIM_STALE_PSC_UNREACHABLE) >= 1);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, r.c), PT_SIM_EXC_NONE);
	EXPECT_PF(f, r.c, PT_SIM_READ, PT_SIM_USER, 0x4);
	fx_free(f);
}

static void vector_81_direct_split_keeps_2m(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_map(f, VB, 0x800000ull, 2, FX_LEAF);
	EXPECT_PA(f, VB + KB4, PT_SIM_READ, PT_SIM_USER, 0x801000ull);
	pt_paddr_t pt = fx_table(f);
	for (unsigned i = 0; i < 512; i++)
		pt_sim_ram_store64(f->ram, pt + 8ull * i, (0xc00000ull + i * KB4) | FX_LEAF);
	fx_set(f, VB, 2, pt | FX_NONLEAF);
	EXPECT_PA(f, VB + 7 * KB4 + 3, PT_SIM_READ, PT_SIM_USER, 0x807003ull);
	EXPECT_PA(f, VB + 300 * KB4, PT_SIM_READ, PT_SIM_USER, 0x800000ull + 300 * KB4);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_PA), 1);
	fx_free(f);
}

static void vector_82_split_break_before_make(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_map(f, VB, 0x800000ull, 2, FX_LEAF);
	EXPECT_PA(f, VB + KB4, PT_SIM_READ, PT_SIM_USER, 0x801000ull);
	pt_paddr_t pt = fx_table(f);
	for (unsigned i = 0; i < 512; i++)
		pt_sim_ram_store64(f->ram, pt + 8ull * i, (0xc00000ull + i * KB4) | FX_LEAF);
	fx_clear(f, VB, 2, PT_SIM_PTE_P);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VB + 77 * KB4), PT_SIM_EXC_NONE);
	fx_set(f, VB, 2, pt | FX_NONLEAF);
	for (unsigned i = 0; i < 512; i += 37)
		EXPECT_PA(f, VB + i * KB4, PT_SIM_READ, PT_SIM_USER, 0xc00000ull + i * KB4);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

static void vector_83_merge_without_flush_is_ambiguous(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .pick = PT_SIM_PICK_DIVERGE };
	struct fx *f = fx_new(&cfg);
	struct region r;
	make_region(f, &r);
	EXPECT_PA(f, r.a, PT_SIM_READ, PT_SIM_USER, r.old[0]);
	EXPECT_PA(f, r.b, PT_SIM_READ, PT_SIM_USER, r.old[1]);
	fx_set(f, VB, 2, 0x800000ull | FX_LEAF | PT_SIM_PTE_PS);
	/* INVLPG of C only (drops the PDE cache) lets the 2 MiB leaf in */
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, r.c), PT_SIM_EXC_NONE);
	EXPECT_PA(f, r.c, PT_SIM_READ, PT_SIM_USER, 0x800000ull + 9 * KB4);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, r.b, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.pa, r.old[1]);
	assert_true(x.ambiguous);
	assert_int_equal(x.level, 1);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, r.b), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_access(f->cpu, r.b, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.pa, 0x800000ull + 5 * KB4);
	assert_false(x.ambiguous);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vector_58_global_survives_cr3),
		cmocka_unit_test(vector_59_nonglobal_dropped_by_cr3),
		cmocka_unit_test(vector_60_remap_without_flush),
		cmocka_unit_test(vector_61_unmap_without_flush),
		cmocka_unit_test(vector_62_map_needs_no_flush),
		cmocka_unit_test(vector_63_upgrade_spurious_fault_once),
		cmocka_unit_test(vector_64_downgrade_without_flush),
		cmocka_unit_test(vector_65_cleared_a_stays_clear),
		cmocka_unit_test(vector_66_cleared_d_stays_clear),
		cmocka_unit_test(vector_67_pcid_noflush_returns_stale),
		cmocka_unit_test(vector_68_cr3_flushes_only_new_pcid),
		cmocka_unit_test(vector_69_invlpg_spares_other_pcid),
		cmocka_unit_test(vector_70_invpcid_single_address),
		cmocka_unit_test(vector_71_invpcid_single_context),
		cmocka_unit_test(vector_72_invpcid_all_with_globals),
		cmocka_unit_test(vector_73_invpcid_all_but_globals),
		cmocka_unit_test(vector_74_invpcid_gp),
		cmocka_unit_test(vector_75_pge_toggle_flushes_all),
		cmocka_unit_test(vector_76_pcide_off_flushes_all),
		cmocka_unit_test(vector_77_paging_off_flushes_all),
		cmocka_unit_test(vector_78_smep_on_flushes_current_pcid),
		cmocka_unit_test(vector_79_pde_repointed_then_invlpg),
		cmocka_unit_test(vector_80_pde_cleared_table_freed),
		cmocka_unit_test(vector_80_pde_cleared_table_reused),
		cmocka_unit_test(vector_81_direct_split_keeps_2m),
		cmocka_unit_test(vector_82_split_break_before_make),
		cmocka_unit_test(vector_83_merge_without_flush_is_ambiguous),
	};
	return cmocka_run_group_tests_name("vectors_tlb", tests, NULL, NULL);
}
