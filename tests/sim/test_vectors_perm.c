/* SPDX-License-Identifier: MIT */
/* Reference §7 vectors 42-57 (SMEP, SMAP, keys, per-access rights) and
 * 84-90 (memory types, split accesses, control-register checks, AMD). */
#include "fixture.h"

#define VA 0x00007f1234567000ull
#define LINUX_PAT 0x0407050600070106ull

static struct fx *setup(const struct pt_sim_machine_config *cfg, uint64_t leaf_bits,
			pt_paddr_t *frame)
{
	struct fx *f = fx_new(cfg);
	*frame = fx_data(f);
	fx_map(f, VA, *frame, 1, leaf_bits);
	return f;
}

static void set_wp(struct fx *f, bool on)
{
	uint64_t cr0 = pt_sim_cpu_regs(f->cpu).cr0;
	cr0 = on ? cr0 | PT_SIM_CR0_WP : cr0 & ~PT_SIM_CR0_WP;
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, cr0), PT_SIM_EXC_NONE);
}

static void vector_42_smep_sup_fetch_user_page(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF, &frame);
	fx_cr4_set(f, PT_SIM_CR4_SMEP);
	EXPECT_PF(f, VA, PT_SIM_FETCH, PT_SIM_SUPERVISOR, 0x11);
	EXPECT_AD(f, VA, 1, 0, 0);
	fx_free(f);
}

static void vector_43_smep_sup_read_user_page(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF, &frame);
	fx_cr4_set(f, PT_SIM_CR4_SMEP);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	fx_free(f);
}

static void vector_44_smap_ac0_sup_read(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF, &frame);
	fx_cr4_set(f, PT_SIM_CR4_SMAP);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x1);
	EXPECT_AD(f, VA, 1, 0, 0);
	fx_free(f);
}

static void vector_45_smap_ac1_explicit_read(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF, &frame);
	fx_cr4_set(f, PT_SIM_CR4_SMAP);
	pt_sim_cpu_set_ac(f->cpu, true);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	fx_free(f);
}

static void vector_46_smap_ac1_implicit_read(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF, &frame);
	fx_cr4_set(f, PT_SIM_CR4_SMAP);
	pt_sim_cpu_set_ac(f->cpu, true);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_IMPLICIT, 0x1);
	pt_sim_cpu_set_cpl(f->cpu, 3);     /* implicit accesses from CPL3 report U=0 too */
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_IMPLICIT, 0x1);
	fx_free(f);

	struct pt_sim_machine_config qemu = { .qemu_implicit_smap = true };
	f = setup(&qemu, FX_LEAF, &frame);
	fx_cr4_set(f, PT_SIM_CR4_SMAP);
	pt_sim_cpu_set_ac(f->cpu, true);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_IMPLICIT, frame);
	pt_sim_cpu_set_cpl(f->cpu, 3);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_IMPLICIT, 0x1);
	fx_free(f);
}

static void vector_47_smap_beats_wp0(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF, &frame);
	fx_cr4_set(f, PT_SIM_CR4_SMAP);
	set_wp(f, false);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, 0x3);
	EXPECT_AD(f, VA, 1, 0, 0);
	fx_free(f);
}

static void vector_48_smap_sup_read_supervisor_page(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, PT_SIM_PTE_P | PT_SIM_PTE_RW, &frame);
	fx_cr4_set(f, PT_SIM_CR4_SMAP);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	fx_free(f);
}

#define KEY(k) ((uint64_t)(k) << PT_SIM_PTE_PK_SHIFT)
#define AD(k) (1u << (2 * (k)))
#define WD(k) (1u << (2 * (k) + 1))

static void vector_49_pkru_ad_user_read(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF | KEY(5), &frame);
	fx_cr4_set(f, PT_SIM_CR4_PKE);
	pt_sim_cpu_write_pkru(f->cpu, AD(5));
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x25);
	EXPECT_AD(f, VA, 1, 0, 0);
	fx_free(f);
}

static void vector_50_pkru_wd_user(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF | KEY(5), &frame);
	fx_cr4_set(f, PT_SIM_CR4_PKE);
	pt_sim_cpu_write_pkru(f->cpu, WD(5));
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0x27);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	fx_free(f);
}

static void vector_51_pkru_wd_sup_write_wp(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF | KEY(5), &frame);
	fx_cr4_set(f, PT_SIM_CR4_PKE);
	pt_sim_cpu_write_pkru(f->cpu, WD(5));
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, 0x23);
	set_wp(f, false);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, frame);
	EXPECT_AD(f, VA, 1, 1, 1);
	fx_free(f);
}

static void vector_52_pk_ignores_fetch(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF | KEY(5), &frame);
	fx_cr4_set(f, PT_SIM_CR4_PKE);
	pt_sim_cpu_write_pkru(f->cpu, AD(5) | WD(5));
	EXPECT_PA(f, VA, PT_SIM_FETCH, PT_SIM_USER, frame);
	fx_free(f);
}

static void vector_53_pkru_ignores_supervisor_page(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, PT_SIM_PTE_P | PT_SIM_PTE_RW | KEY(5), &frame);
	fx_cr4_set(f, PT_SIM_CR4_PKE);
	pt_sim_cpu_write_pkru(f->cpu, AD(5) | WD(5));
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, frame);
	fx_free(f);
}

static void vector_54_pkrs_ad_sup_read(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, PT_SIM_PTE_P | PT_SIM_PTE_RW | KEY(3), &frame);
	fx_cr4_set(f, PT_SIM_CR4_PKS);
	pt_sim_cpu_write_pkrs(f->cpu, AD(3));
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x21);
	pt_sim_cpu_write_pkrs(f->cpu, AD(2));
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	fx_free(f);
}

static void vector_55_pk_reported_over_rw(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, PT_SIM_PTE_P | PT_SIM_PTE_US | KEY(5), &frame);
	fx_cr4_set(f, PT_SIM_CR4_PKE);
	pt_sim_cpu_write_pkru(f->cpu, WD(5));
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0x27);
	fx_free(f);
}

static void vector_56_wrpkru_needs_no_flush(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF | KEY(5), &frame);
	fx_cr4_set(f, PT_SIM_CR4_PKE);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	assert_int_equal(fx_tlb_has(f, VA, 0), 1);
	pt_sim_cpu_write_pkru(f->cpu, AD(5));
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_PF);
	assert_true(x.tlb_hit);
	assert_int_equal(x.error_code, 0x25);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr2, VA);
	fx_free(f);
}

static void vector_57_wp_cleared_needs_no_flush(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, PT_SIM_PTE_P | PT_SIM_PTE_D, &frame);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, 0x3);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);     /* re-cache after the #PF */
	set_wp(f, false);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, &x), PT_SIM_EXC_NONE);
	assert_true(x.tlb_hit);
	assert_int_equal(x.pa, frame);
	fx_free(f);
}

static uint8_t memtype_of(struct fx *f, pt_vaddr_t va)
{
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, va, PT_SIM_READ, PT_SIM_SUPERVISOR, &x), PT_SIM_EXC_NONE);
	return x.memtype;
}

static void vector_84_4k_pat_bit7(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF | PT_SIM_PTE_PAT_4K | PT_SIM_PTE_PWT, &frame);
	assert_int_equal(memtype_of(f, VA), PT_SIM_MT_WT);
	assert_int_equal(pt_sim_cpu_write_pat(f->cpu, LINUX_PAT), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA), PT_SIM_EXC_NONE);
	assert_int_equal(memtype_of(f, VA), PT_SIM_MT_WP);
	fx_free(f);
}

static void vector_85_2m_pat_bit12(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_map(f, VA & ~(MB2 - 1), 0x800000ull | PT_SIM_PTE_PAT_LARGE | PT_SIM_PTE_PCD, 2, FX_LEAF);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.memtype, PT_SIM_MT_UC_MINUS);
	assert_int_equal(x.level, 2);
	assert_int_equal(x.pa, 0x800000ull | (VA & (MB2 - 1)));
	fx_free(f);
}

static void vector_86_root_memtype_from_cr3(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct pt_sim_xlat x;
	struct fx *f = setup(NULL, FX_LEAF, &frame);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | PT_SIM_CR3_PCD), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.table_memtype[4], PT_SIM_MT_UC_MINUS);
	assert_int_equal(x.table_memtype[3], PT_SIM_MT_WB);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | PT_SIM_CR3_PCD | PT_SIM_CR3_PWT),
			 PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.table_memtype[4], PT_SIM_MT_UC);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root), PT_SIM_EXC_NONE);
	fx_cr4_set(f, PT_SIM_CR4_PCIDE);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | 0x18), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_cpu_pcid(f->cpu), 0x18);
	assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.table_memtype[4], PT_SIM_MT_WB);
	fx_free(f);
}

static void vector_87_split_write_second_page_absent(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup(NULL, FX_LEAF, &frame);
	uint64_t v = 0;
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_store(f->cpu, VA + 0xFFC, 4, 0x11223344, PT_SIM_USER, &x),
			 PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_store(f->cpu, VA + 0xFFC, 8, 0x5566778899aabbccull, PT_SIM_USER, &x),
			 PT_SIM_EXC_PF);
	assert_int_equal(x.error_code, 0x6);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr2, VA + KB4);
	assert_int_equal(pt_sim_load(f->cpu, VA + 0xFFC, 4, PT_SIM_READ, PT_SIM_USER, &v, NULL),
			 PT_SIM_EXC_NONE);
	assert_int_equal(v, 0x11223344);
	/* once the second page exists, the split store lands in both frames */
	pt_paddr_t next = fx_data(f);
	fx_map(f, VA + KB4, next, 1, FX_LEAF);
	assert_int_equal(pt_sim_store(f->cpu, VA + 0xFFC, 8, 0x5566778899aabbccull, PT_SIM_USER, &x),
			 PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_load(f->cpu, VA + 0xFFC, 8, PT_SIM_READ, PT_SIM_USER, &v, NULL),
			 PT_SIM_EXC_NONE);
	assert_int_equal(v, 0x5566778899aabbccull);
	uint32_t lo, hi;
	assert_true(pt_sim_ram_read(f->ram, frame + 0xFFC, &lo, 4));
	assert_true(pt_sim_ram_read(f->ram, next, &hi, 4));
	assert_int_equal(lo, 0x99aabbcc);
	assert_int_equal(hi, 0x55667788);
	fx_free(f);
}

static void vector_88_cr3_bit63_without_pcide(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	uint64_t cr3 = pt_sim_cpu_regs(f->cpu).cr3;
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | PT_SIM_CR3_NOFLUSH), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr3, cr3);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | (1ull << 46)), PT_SIM_EXC_GP);
	fx_cr4_set(f, PT_SIM_CR4_PCIDE);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | PT_SIM_CR3_NOFLUSH | 1), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr3, f->root | 1);
	fx_free(f);
}

static void vector_89_la57_toggle_with_lma(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	uint64_t cr4 = pt_sim_cpu_regs(f->cpu).cr4;
	assert_int_equal(pt_sim_cpu_write_cr4(f->cpu, cr4 | PT_SIM_CR4_LA57), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr4, cr4);
	fx_free(f);
	struct pt_sim_machine_config cfg = { .la57 = true };
	f = fx_new(&cfg);
	cr4 = pt_sim_cpu_regs(f->cpu).cr4;
	assert_int_equal(pt_sim_cpu_write_cr4(f->cpu, cr4 & ~PT_SIM_CR4_LA57), PT_SIM_EXC_GP);
	/* with paging off (LMA=0) LA57 may change */
	uint64_t cr0 = pt_sim_cpu_regs(f->cpu).cr0;
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, cr0 & ~PT_SIM_CR0_PG), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_cpu_write_cr4(f->cpu, cr4 & ~PT_SIM_CR4_LA57), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, cr0), PT_SIM_EXC_NONE);
	assert_true(pt_sim_cpu_regs(f->cpu).efer & PT_SIM_EFER_LMA);
	fx_free(f);
}

static void vector_90_amd_pml4e_bit8(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct pt_sim_machine_config amd = { .vendor = PT_SIM_AMD };
	struct fx *f = setup(&amd, FX_LEAF, &frame);
	fx_or(f, VA, 4, 1ull << 8);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x9);
	fx_clear(f, VA, 4, 1ull << 8);
	fx_or(f, VA, 3, 1ull << 8);     /* not reserved in a PDPTE, even on AMD */
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	fx_free(f);
	f = setup(NULL, FX_LEAF, &frame);
	fx_or(f, VA, 4, 1ull << 8);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vector_42_smep_sup_fetch_user_page),
		cmocka_unit_test(vector_43_smep_sup_read_user_page),
		cmocka_unit_test(vector_44_smap_ac0_sup_read),
		cmocka_unit_test(vector_45_smap_ac1_explicit_read),
		cmocka_unit_test(vector_46_smap_ac1_implicit_read),
		cmocka_unit_test(vector_47_smap_beats_wp0),
		cmocka_unit_test(vector_48_smap_sup_read_supervisor_page),
		cmocka_unit_test(vector_49_pkru_ad_user_read),
		cmocka_unit_test(vector_50_pkru_wd_user),
		cmocka_unit_test(vector_51_pkru_wd_sup_write_wp),
		cmocka_unit_test(vector_52_pk_ignores_fetch),
		cmocka_unit_test(vector_53_pkru_ignores_supervisor_page),
		cmocka_unit_test(vector_54_pkrs_ad_sup_read),
		cmocka_unit_test(vector_55_pk_reported_over_rw),
		cmocka_unit_test(vector_56_wrpkru_needs_no_flush),
		cmocka_unit_test(vector_57_wp_cleared_needs_no_flush),
		cmocka_unit_test(vector_84_4k_pat_bit7),
		cmocka_unit_test(vector_85_2m_pat_bit12),
		cmocka_unit_test(vector_86_root_memtype_from_cr3),
		cmocka_unit_test(vector_87_split_write_second_page_absent),
		cmocka_unit_test(vector_88_cr3_bit63_without_pcide),
		cmocka_unit_test(vector_89_la57_toggle_with_lma),
		cmocka_unit_test(vector_90_amd_pml4e_bit8),
	};
	return cmocka_run_group_tests_name("vectors_perm", tests, NULL, NULL);
}
