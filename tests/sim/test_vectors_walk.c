/* SPDX-License-Identifier: MIT */
/* Reference §7 vectors 1-28: faults, error codes, reserved bits, precedence. */
#include "fixture.h"

#include <string.h>

#define VA 0x00007f1234567000ull

static struct fx *setup4k(const struct pt_sim_machine_config *cfg, uint64_t leaf_bits,
			  pt_paddr_t *frame)
{
	struct fx *f = fx_new(cfg);
	*frame = fx_data(f);
	fx_map(f, VA, *frame, 1, leaf_bits);
	return f;
}

static void path_vals(struct fx *f, pt_vaddr_t va, unsigned leaf, uint64_t out[6])
{
	memset(out, 0, 6 * sizeof(*out));
	for (unsigned l = f->levels; l >= leaf; l--)
		out[l] = fx_get(f, va, l);
}

static void expect_path_unchanged(struct fx *f, pt_vaddr_t va, unsigned leaf,
				  const uint64_t before[6])
{
	uint64_t now[6];
	path_vals(f, va, leaf, now);
	for (unsigned l = f->levels; l >= leaf; l--)
		assert_int_equal(now[l], before[l]);
}

/* A leaf fault leaves the leaf's A/D alone and caches nothing for the page. */
static void expect_leaf_untouched(struct fx *f, pt_vaddr_t va)
{
	EXPECT_AD(f, va, 1, 0, 0);
	assert_int_equal(fx_tlb_has(f, va, 0), 0);
}

static void vector_01_user_read_supervisor_leaf(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_P | PT_SIM_PTE_RW, &frame);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x5);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_02_user_write_readonly(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_P | PT_SIM_PTE_US, &frame);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0x7);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_03_user_read_not_present(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_RW | PT_SIM_PTE_US, &frame);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x4);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_04_sup_write_not_present(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_RW | PT_SIM_PTE_US, &frame);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, 0x2);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_05_pml4e_not_present(void **state)
{
	(void)state;
	pt_paddr_t frame;
	uint64_t before[6];
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_clear_upper_a(f, VA, 1);
	fx_clear(f, VA, 4, PT_SIM_PTE_P);
	path_vals(f, VA, 1, before);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x0);
	expect_path_unchanged(f, VA, 1, before);
	assert_int_equal(pt_sim_tlb_count(f->cpu, false) + pt_sim_tlb_count(f->cpu, true), 0);
	fx_free(f);
}

static void vector_06_sup_write_ro_supervisor_wp0(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_P, &frame);
	fx_clear_upper_a(f, VA, 1);
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, pt_sim_cpu_regs(f->cpu).cr0 & ~PT_SIM_CR0_WP),
			 PT_SIM_EXC_NONE);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, frame);
	EXPECT_AD(f, VA, 1, 1, 1);
	for (unsigned l = 4; l >= 2; l--)
		EXPECT_AD(f, VA, l, 1, 0);
	fx_free(f);
}

static void vector_07_sup_write_ro_wp1(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_P, &frame);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, 0x3);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_08_sup_write_ro_user_page_wp0(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_P | PT_SIM_PTE_US, &frame);
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, pt_sim_cpu_regs(f->cpu).cr0 & ~PT_SIM_CR0_WP),
			 PT_SIM_EXC_NONE);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, frame);
	EXPECT_AD(f, VA, 1, 1, 1);
	fx_free(f);
}

static void vector_09_rw_anded_across_levels(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_clear(f, VA, 2, PT_SIM_PTE_RW);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0x7);
	expect_leaf_untouched(f, VA);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	fx_free(f);
}

static void vector_10_us_anded_across_levels(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_clear(f, VA, 4, PT_SIM_PTE_US);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x5);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_11_user_fetch_pde_xd(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_or(f, VA, 2, PT_SIM_PTE_XD);
	EXPECT_PF(f, VA, PT_SIM_FETCH, PT_SIM_USER, 0x15);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_12_sup_fetch_xd_page(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_P | PT_SIM_PTE_RW | PT_SIM_PTE_XD, &frame);
	EXPECT_PF(f, VA, PT_SIM_FETCH, PT_SIM_SUPERVISOR, 0x11);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_13_user_fetch_not_present_id_set(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_RW | PT_SIM_PTE_US, &frame);
	EXPECT_PF(f, VA, PT_SIM_FETCH, PT_SIM_USER, 0x14);
	fx_free(f);
}

static void vector_14_sup_fetch_not_present_nxe0(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_RW | PT_SIM_PTE_US, &frame);
	assert_int_equal(pt_sim_cpu_write_efer(f->cpu, pt_sim_cpu_regs(f->cpu).efer & ~PT_SIM_EFER_NXE),
			 PT_SIM_EXC_NONE);
	EXPECT_PF(f, VA, PT_SIM_FETCH, PT_SIM_SUPERVISOR, 0x0);
	fx_free(f);
}

static void vector_15_nxe0_leaf_bit63_reserved(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF | PT_SIM_PTE_XD, &frame);
	assert_int_equal(pt_sim_cpu_write_efer(f->cpu, pt_sim_cpu_regs(f->cpu).efer & ~PT_SIM_EFER_NXE),
			 PT_SIM_EXC_NONE);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x9);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_16_nxe0_pml4e_bit63_reserved(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_or(f, VA, 4, PT_SIM_PTE_XD);
	assert_int_equal(pt_sim_cpu_write_efer(f->cpu, pt_sim_cpu_regs(f->cpu).efer & ~PT_SIM_EFER_NXE),
			 PT_SIM_EXC_NONE);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0xF);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_17_leaf_bit50_above_maxphyaddr(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF | (1ull << 50), &frame);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0xD);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_18_pk_bits_ignored_without_pke(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF | (0xfull << 59), &frame);
	pt_sim_cpu_write_pkru(f->cpu, 0xffffffffu);
	EXPECT_PA(f, VA | 0x10, PT_SIM_WRITE, PT_SIM_USER, frame | 0x10);
	fx_free(f);
}

static void vector_19_ignored_bits(void **state)
{
	(void)state;
	pt_paddr_t frame;
	uint64_t ign = (0x7full << 52) | (7ull << 9);
	struct fx *f = setup4k(NULL, FX_LEAF | ign, &frame);
	fx_or(f, VA, 2, ign);
	fx_or(f, VA, 4, ign);
	EXPECT_PA(f, VA | 0x234, PT_SIM_READ, PT_SIM_USER, frame | 0x234);
	fx_free(f);
}

static void vector_20_pml4e_ps_reserved(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_or(f, VA, 4, PT_SIM_PTE_PS);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x9);
	expect_leaf_untouched(f, VA);
	fx_free(f);
}

static void vector_21_la57_pml5e_ps_reserved(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .la57 = true };
	pt_paddr_t frame;
	struct fx *f = setup4k(&cfg, FX_LEAF, &frame);
	assert_int_equal(f->levels, 5);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA), PT_SIM_EXC_NONE);
	fx_or(f, VA, 5, PT_SIM_PTE_PS);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x9);
	fx_free(f);
}

static void vector_22_2m_bit13_reserved(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_map(f, VA & ~(MB2 - 1), 0x400000ull | (1ull << 13), 2, FX_LEAF);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x9);
	EXPECT_AD(f, VA, 2, 0, 0);
	fx_free(f);
}

static void vector_23_2m_pat_bit12(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	/* PA4 = WC so that PAT index 4 differs from index 0 */
	assert_int_equal(pt_sim_cpu_write_pat(f->cpu, (PT_SIM_PAT_DEFAULT & ~0xff00000000ull) |
					   ((uint64_t)PT_SIM_MT_WC << 32)), PT_SIM_EXC_NONE);
	fx_map(f, VA & ~(MB2 - 1), 0x400000ull | PT_SIM_PTE_PAT_LARGE, 2, FX_LEAF);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.pa, 0x400000ull | (VA & (MB2 - 1)));
	assert_int_equal(x.memtype, PT_SIM_MT_WC);
	assert_int_equal(x.level, 2);
	fx_free(f);
}

static void vector_24_1g_bit29_reserved(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_map(f, VA & ~(GB1 - 1), GB1 | (1ull << 29), 3, FX_LEAF);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x9);
	EXPECT_AD(f, VA, 3, 0, 0);
	fx_free(f);
}

static void vector_25_1g_without_support(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .no_1g_pages = true };
	struct fx *f = fx_new(&cfg);
	fx_map(f, VA & ~(GB1 - 1), GB1, 3, FX_LEAF);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0xD);
	fx_free(f);
	f = fx_new(NULL);
	fx_map(f, VA & ~(GB1 - 1), GB1, 3, FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, GB1 | (VA & (GB1 - 1)));
	fx_free(f);
}

static void vector_26_reserved_bits_ignored_when_not_present(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, PT_SIM_PTE_RW | PT_SIM_PTE_US | (1ull << 50) | PT_SIM_PTE_PS, &frame);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x0);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x4);
	fx_free(f);
}

static void vector_27_not_present_beats_protection(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_clear(f, VA, 4, PT_SIM_PTE_US);
	fx_clear(f, VA, 2, PT_SIM_PTE_P);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x4);
	fx_free(f);
}

static void vector_28_reserved_beats_protection(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_clear(f, VA, 4, PT_SIM_PTE_US);
	fx_or(f, VA, 2, 1ull << 49);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0xD);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vector_01_user_read_supervisor_leaf),
		cmocka_unit_test(vector_02_user_write_readonly),
		cmocka_unit_test(vector_03_user_read_not_present),
		cmocka_unit_test(vector_04_sup_write_not_present),
		cmocka_unit_test(vector_05_pml4e_not_present),
		cmocka_unit_test(vector_06_sup_write_ro_supervisor_wp0),
		cmocka_unit_test(vector_07_sup_write_ro_wp1),
		cmocka_unit_test(vector_08_sup_write_ro_user_page_wp0),
		cmocka_unit_test(vector_09_rw_anded_across_levels),
		cmocka_unit_test(vector_10_us_anded_across_levels),
		cmocka_unit_test(vector_11_user_fetch_pde_xd),
		cmocka_unit_test(vector_12_sup_fetch_xd_page),
		cmocka_unit_test(vector_13_user_fetch_not_present_id_set),
		cmocka_unit_test(vector_14_sup_fetch_not_present_nxe0),
		cmocka_unit_test(vector_15_nxe0_leaf_bit63_reserved),
		cmocka_unit_test(vector_16_nxe0_pml4e_bit63_reserved),
		cmocka_unit_test(vector_17_leaf_bit50_above_maxphyaddr),
		cmocka_unit_test(vector_18_pk_bits_ignored_without_pke),
		cmocka_unit_test(vector_19_ignored_bits),
		cmocka_unit_test(vector_20_pml4e_ps_reserved),
		cmocka_unit_test(vector_21_la57_pml5e_ps_reserved),
		cmocka_unit_test(vector_22_2m_bit13_reserved),
		cmocka_unit_test(vector_23_2m_pat_bit12),
		cmocka_unit_test(vector_24_1g_bit29_reserved),
		cmocka_unit_test(vector_25_1g_without_support),
		cmocka_unit_test(vector_26_reserved_bits_ignored_when_not_present),
		cmocka_unit_test(vector_27_not_present_beats_protection),
		cmocka_unit_test(vector_28_reserved_beats_protection),
	};
	return cmocka_run_group_tests_name("vectors_walk", tests, NULL, NULL);
}
