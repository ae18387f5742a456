/* SPDX-License-Identifier: MIT */
/*
 * Each permitted stale behaviour of reference §5.3: the simulator exhibits
 * it, and the invalidation §5.4 requires removes it.
 */
#include "fixture.h"

#define VA 0x00007f1234567000ull
#define VB 0x00007f1234400000ull
#define VG 0xffff800000200000ull

static void invlpg(struct fx *f, pt_vaddr_t va)
{
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, va), PT_SIM_EXC_NONE);
}

static void stale_old_pa_after_remap(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t old = fx_data(f), new = fx_data(f);
	fx_map(f, VA, old, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	fx_set(f, VA, 1, new | FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	assert_int_equal(fx_harmful(f), 1);
	invlpg(f, VA);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, new);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

static void stale_access_after_unmap(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	fx_set(f, VA, 1, 0);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	invlpg(f, VA);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0x6);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

static void stale_rights_after_downgrade(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	fx_clear(f, VA, 1, PT_SIM_PTE_US);         /* user page becomes supervisor-only */
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_RIGHTS), 1);
	invlpg(f, VA);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x5);
	fx_free(f);
}

static void stale_spurious_fault_at_most_once(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF | PT_SIM_PTE_XD);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	fx_clear(f, VA, 1, PT_SIM_PTE_XD);
	EXPECT_PF(f, VA, PT_SIM_FETCH, PT_SIM_USER, 0x15);
	EXPECT_PA(f, VA, PT_SIM_FETCH, PT_SIM_USER, frame);
	EXPECT_PA(f, VA, PT_SIM_FETCH, PT_SIM_USER, frame);
	/* with the optional INVLPG after the upgrade, no spurious fault at all */
	fx_or(f, VA, 1, PT_SIM_PTE_XD);
	invlpg(f, VA);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	fx_clear(f, VA, 1, PT_SIM_PTE_XD);
	invlpg(f, VA);
	EXPECT_PA(f, VA, PT_SIM_FETCH, PT_SIM_USER, frame);
	fx_free(f);
}

static void stale_global_survives_pcid_switch(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_cr4_set(f, PT_SIM_CR4_PCIDE);
	pt_paddr_t root2 = fx_table(f), old = fx_data(f), new = fx_data(f);
	pt_paddr_t leaf = fx_map(f, VG, old, 1, PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_G);
	/* both address spaces share the kernel PDPT, as the core's tables do */
	pt_sim_ram_store64(f->ram, root2 + 8 * 256, pt_sim_ram_load64(f->ram, f->root + 8 * 256));
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | 1), PT_SIM_EXC_NONE);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, old);
	pt_sim_ram_store64(f->ram, leaf, new | PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_G);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, root2 | 2), PT_SIM_EXC_NONE);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, old);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | 1), PT_SIM_EXC_NONE);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, old);
	invlpg(f, VG);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, new);
	/* a PGE toggle also removes it */
	pt_sim_ram_store64(f->ram, leaf, old | PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_G);
	fx_cr4_clear(f, PT_SIM_CR4_PGE);
	fx_cr4_set(f, PT_SIM_CR4_PGE);
	EXPECT_PA(f, VG, PT_SIM_READ, PT_SIM_SUPERVISOR, old);
	fx_free(f);
}

static void stale_pcid_entries_come_back(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_cr4_set(f, PT_SIM_CR4_PCIDE);
	pt_paddr_t root2 = fx_table(f), old = fx_data(f), new = fx_data(f);
	fx_map(f, VA, old, 1, FX_LEAF);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | 1), PT_SIM_EXC_NONE);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, root2 | 2), PT_SIM_EXC_NONE);
	fx_set(f, VA, 1, new | FX_LEAF);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | 1 | PT_SIM_CR3_NOFLUSH), PT_SIM_EXC_NONE);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	/* the fix: flush PCID 1 from elsewhere (INVPCID type 1) before coming back */
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, root2 | 2 | PT_SIM_CR3_NOFLUSH), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_cpu_invpcid(f->cpu, 1, 1, 0), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | 1 | PT_SIM_CR3_NOFLUSH), PT_SIM_EXC_NONE);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, new);
	fx_free(f);
}

static void stale_psc_steers_into_freed_table(void **state)
{
	(void)state;
	for (int correct = 0; correct <= 1; correct++) {
		struct fx *f = fx_new(NULL);
		pt_paddr_t a = fx_data(f), c = fx_data(f);
		fx_map(f, VB, a, 1, FX_LEAF);
		fx_map(f, VB + 9 * KB4, c, 1, FX_LEAF);
		pt_paddr_t pt = fx_get(f, VB, 2) & 0x000ffffffffff000ull;
		EXPECT_PA(f, VB, PT_SIM_READ, PT_SIM_USER, a);
		fx_set(f, VB, 2, 0);
		if (correct)
			invlpg(f, VB);
		pt_sim_ram_free_table(f->ram, pt);
		if (correct) {
			EXPECT_PF(f, VB + 9 * KB4, PT_SIM_READ, PT_SIM_USER, 0x4);
			assert_int_equal(fx_harmful(f), 0);
		} else {
			assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_PSC_POISONED), 1);
			EXPECT_PF(f, VB + 9 * KB4, PT_SIM_READ, PT_SIM_USER, 0xD);
		}
		fx_free(f);
	}
}

static void stale_ad_stay_clear(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	fx_clear(f, VA, 1, PT_SIM_PTE_A | PT_SIM_PTE_D);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 0, 0);
	invlpg(f, VA);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 1, 1);
	fx_free(f);
}

static void stale_both_page_sizes(void **state)
{
	(void)state;
	for (int p = PT_SIM_PICK_OLDEST; p <= PT_SIM_PICK_NEWEST; p++) {
		struct pt_sim_machine_config cfg = { .pick = (enum pt_sim_pick_policy)p };
		struct fx *f = fx_new(&cfg);
		pt_paddr_t a = fx_data(f);
		pt_vaddr_t c = VB + 9 * KB4;
		fx_map(f, VB, a, 1, FX_LEAF);
		EXPECT_PA(f, VB, PT_SIM_READ, PT_SIM_USER, a);
		fx_set(f, VB, 2, 0x800000ull | FX_LEAF | PT_SIM_PTE_PS);
		invlpg(f, c);
		EXPECT_PA(f, c, PT_SIM_READ, PT_SIM_USER, 0x800000ull + 9 * KB4);
		struct pt_sim_tlb_entry e[4];
		assert_int_equal(pt_sim_tlb_lookup(f->cpu, VB, 0, e, 4), 2);
		EXPECT_PA(f, VB, PT_SIM_READ, PT_SIM_USER, p == PT_SIM_PICK_OLDEST ? a : 0x800000ull);
		/* §5.4 merge: INVLPG every 4 KiB page that may be cached */
		invlpg(f, VB);
		EXPECT_PA(f, VB, PT_SIM_READ, PT_SIM_USER, 0x800000ull);
		assert_int_equal(pt_sim_tlb_lookup(f->cpu, VB, 0, e, 4), 1);
		assert_int_equal(fx_harmful(f), 0);
		fx_free(f);
	}
}

static void stale_snapshot_catches_untouched_unmap(void **state)
{
	(void)state;
	for (int correct = 0; correct <= 1; correct++) {
		struct pt_sim_machine_config cfg = { .snapshot_before_overwrite = true };
		struct fx *f = fx_new(&cfg);
		pt_paddr_t frame = fx_data(f);
		pt_paddr_t leaf = fx_map(f, VA, frame, 1, FX_LEAF | PT_SIM_PTE_A);
		assert_int_equal(pt_sim_tlb_count(f->cpu, false), 0);
		pt_sim_machine_pte_store(f->m, leaf, 0);       /* unmap a never-touched page */
		if (correct)
			invlpg(f, VA);
		if (correct) {
			EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x4);
		} else {
			EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
			assert_int_equal(fx_stale_kind(f, PT_SIM_STALE_UNMAPPED), 1);
		}
		fx_free(f);
	}
}

static void stale_snapshot_skips_a0_walks(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .snapshot_before_overwrite = true };
	struct fx *f = fx_new(&cfg);
	pt_paddr_t leaf = fx_map(f, VA, fx_data(f), 1, FX_LEAF);
	pt_sim_machine_pte_store(f->m, leaf, 0);
	assert_int_equal(pt_sim_tlb_count(f->cpu, false), 0);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x4);
	fx_free(f);
}

static void stale_snapshot_of_freed_subtree(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .snapshot_before_overwrite = true };
	struct fx *f = fx_new(&cfg);
	pt_paddr_t a = fx_data(f), c = fx_data(f);
	fx_map(f, VB, a, 1, FX_LEAF | PT_SIM_PTE_A);
	fx_map(f, VB + 9 * KB4, c, 1, FX_LEAF | PT_SIM_PTE_A);
	pt_paddr_t pde = fx_slot(f, VB, 2);
	pt_paddr_t pt = pt_sim_ram_load64(f->ram, pde) & 0x000ffffffffff000ull;
	pt_sim_machine_pte_store(f->m, pde, 0);     /* clear the PDE, no INVLPG */
	pt_sim_ram_free_table(f->ram, pt);
	EXPECT_PA(f, VB + 9 * KB4, PT_SIM_READ, PT_SIM_USER, c);
	assert_true(fx_stale_kind(f, PT_SIM_STALE_PSC_POISONED) >= 1);
	invlpg(f, VB);
	invlpg(f, VB + 9 * KB4);
	EXPECT_PF(f, VB + 9 * KB4, PT_SIM_READ, PT_SIM_USER, 0x4);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stale_old_pa_after_remap),
		cmocka_unit_test(stale_access_after_unmap),
		cmocka_unit_test(stale_rights_after_downgrade),
		cmocka_unit_test(stale_spurious_fault_at_most_once),
		cmocka_unit_test(stale_global_survives_pcid_switch),
		cmocka_unit_test(stale_pcid_entries_come_back),
		cmocka_unit_test(stale_psc_steers_into_freed_table),
		cmocka_unit_test(stale_ad_stay_clear),
		cmocka_unit_test(stale_both_page_sizes),
		cmocka_unit_test(stale_snapshot_catches_untouched_unmap),
		cmocka_unit_test(stale_snapshot_skips_a0_walks),
		cmocka_unit_test(stale_snapshot_of_freed_subtree),
	};
	return cmocka_run_group_tests_name("stale", tests, NULL, NULL);
}
