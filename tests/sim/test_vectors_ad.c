/* SPDX-License-Identifier: MIT */
/* Reference §7 vectors 29-41: canonical checks, indices, translation of large
 * pages, and accessed/dirty updates under both A/D policies. */
#include "fixture.h"

#define VA 0x00007f1234567000ull

static struct fx *setup4k(const struct pt_sim_machine_config *cfg, uint64_t leaf_bits,
			  pt_paddr_t *frame)
{
	struct fx *f = fx_new(cfg);
	*frame = fx_data(f);
	fx_map(f, VA, *frame, 1, leaf_bits);
	return f;
}

static void vector_29_noncanonical_4level(void **state)
{
	(void)state;
	pt_vaddr_t bad = 0x0000800000000000ull;
	struct fx *f = fx_new(NULL);
	fx_map(f, 0x00007ffffffff000ull, fx_data(f), 1, FX_LEAF);
	fx_clear_upper_a(f, 0x00007ffffffff000ull, 1);
	uint64_t root0 = pt_sim_ram_load64(f->ram, f->root), root255 =
		pt_sim_ram_load64(f->ram, f->root + 8 * 255);
	pt_sim_cpu_set_cr2(f->cpu, 0x1234);
	struct pt_sim_counters before, after;
	pt_sim_cpu_counters(f->cpu, &before);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, bad, PT_SIM_READ, PT_SIM_SUPERVISOR, &x), PT_SIM_EXC_GP);
	assert_int_equal(x.exc, PT_SIM_EXC_GP);
	pt_sim_cpu_counters(f->cpu, &after);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr2, 0x1234);
	assert_int_equal(after.walks, before.walks);
	assert_int_equal(after.gp, before.gp + 1);
	assert_int_equal(pt_sim_ram_load64(f->ram, f->root), root0);
	assert_int_equal(pt_sim_ram_load64(f->ram, f->root + 8 * 255), root255);
	assert_int_equal(pt_sim_ram_load64(f->ram, f->root + 8 * 256), 0);
	fx_free(f);
}

/* Build a 5-level path by hand at explicit indices; returns the data frame. */
static pt_paddr_t hand_path5(struct fx *f, const unsigned idx[6])
{
	pt_paddr_t table = f->root, data = fx_data(f);
	for (unsigned l = 5; l > 1; l--) {
		pt_paddr_t next = fx_table(f);
		pt_sim_ram_store64(f->ram, table + 8ull * idx[l], next | FX_NONLEAF);
		table = next;
	}
	pt_sim_ram_store64(f->ram, table + 8ull * idx[1], data | FX_LEAF);
	return data;
}

static void vector_30_la57_canonical_0x800000000000(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .la57 = true };
	struct fx *f = fx_new(&cfg);
	const unsigned idx[6] = { 0, 0, 0, 0, 256, 0 };
	pt_paddr_t data = hand_path5(f, idx);
	EXPECT_PA(f, 0x0000800000000abcull, PT_SIM_READ, PT_SIM_SUPERVISOR, data | 0xabc);
	fx_free(f);
}

static void vector_31_la57_noncanonical(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .la57 = true };
	struct fx *f = fx_new(&cfg);
	pt_sim_cpu_set_cr2(f->cpu, 77);
	assert_int_equal(pt_sim_access(f->cpu, 0xFE00000000000000ull, PT_SIM_READ, PT_SIM_SUPERVISOR, NULL),
			 PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr2, 77);
	fx_free(f);
}

static void vector_32_la57_canonical_high(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .la57 = true };
	struct fx *f = fx_new(&cfg);
	const unsigned idx[6] = { 0, 0, 0, 0, 0, 0x100 };
	pt_paddr_t data = hand_path5(f, idx);
	EXPECT_PA(f, 0xFF00000000000010ull, PT_SIM_READ, PT_SIM_SUPERVISOR, data | 0x10);
	fx_free(f);
}

static void vector_33_indices_and_offset(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t table = f->root, data = fx_data(f);
	const unsigned idx[5] = { 0, 511, 511, 511, 255 };
	for (unsigned l = 4; l > 1; l--) {
		pt_paddr_t next = fx_table(f);
		pt_sim_ram_store64(f->ram, table + 8ull * idx[l], next | FX_NONLEAF);
		table = next;
	}
	pt_sim_ram_store64(f->ram, table + 8ull * idx[1], data | FX_LEAF);
	EXPECT_PA(f, 0x00007FFFFFFFF123ull, PT_SIM_READ, PT_SIM_USER, data | 0x123);
	fx_free(f);
}

static void vector_34_2m_translation(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_map(f, 0x1200000ull, 0x40000000ull, 2, FX_LEAF);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, 0x1234567, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.pa, 0x40034567ull);
	assert_int_equal(x.level, 2);
	fx_free(f);
}

static void vector_35_1g_translation(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_map(f, GB1, 0x80000000ull, 3, FX_LEAF);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, 0x7FFFFFFF, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.pa, 0xBFFFFFFFull);
	assert_int_equal(x.level, 3);
	fx_free(f);
}

static void vector_36_read_sets_a_everywhere(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	fx_clear_upper_a(f, VA, 1);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	for (unsigned l = 4; l >= 1; l--)
		EXPECT_AD(f, VA, l, 1, 0);
	fx_free(f);
}

static void vector_37_write_2m_sets_ad_on_leaf_only(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_vaddr_t va = VA & ~(MB2 - 1);
	fx_map(f, va, 0x600000ull, 2, FX_LEAF);
	fx_clear_upper_a(f, va, 2);
	EXPECT_PA(f, va + 0x1008, PT_SIM_WRITE, PT_SIM_USER, 0x601008ull);
	EXPECT_AD(f, va, 2, 1, 1);
	EXPECT_AD(f, va, 3, 1, 0);
	EXPECT_AD(f, va, 4, 1, 0);
	fx_free(f);
}

static void vector_38_read_then_write_sets_d(void **state)
{
	(void)state;
	pt_paddr_t frame;
	struct fx *f = setup4k(NULL, FX_LEAF, &frame);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 1, 0);
	struct pt_sim_tlb_entry e[4];
	assert_int_equal(pt_sim_tlb_lookup(f->cpu, VA, 0, e, 4), 1);
	assert_false(e[0].dirty);
	EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, frame);
	EXPECT_AD(f, VA, 1, 1, 1);
	assert_int_equal(pt_sim_tlb_lookup(f->cpu, VA, 0, e, 4), 1);
	assert_true(e[0].dirty);
	fx_free(f);
}

static void vector_39_user_write_ro_ad_policies(void **state)
{
	(void)state;
	for (int p = PT_SIM_AD_QEMU; p <= PT_SIM_AD_EXACT; p++) {
		struct pt_sim_machine_config cfg = { .ad_policy = (enum pt_sim_ad_policy)p };
		pt_paddr_t frame;
		struct fx *f = setup4k(&cfg, PT_SIM_PTE_P | PT_SIM_PTE_US, &frame);
		fx_clear_upper_a(f, VA, 1);
		EXPECT_PF(f, VA, PT_SIM_WRITE, PT_SIM_USER, 0x7);
		EXPECT_AD(f, VA, 1, 0, 0);
		for (unsigned l = 4; l >= 2; l--)
			EXPECT_AD(f, VA, l, p == PT_SIM_AD_QEMU, 0);
		fx_free(f);
	}
}

static void vector_40_walk_ends_at_not_present_pte(void **state)
{
	(void)state;
	for (int p = PT_SIM_AD_QEMU; p <= PT_SIM_AD_EXACT; p++) {
		struct pt_sim_machine_config cfg = { .ad_policy = (enum pt_sim_ad_policy)p };
		pt_paddr_t frame;
		struct fx *f = setup4k(&cfg, PT_SIM_PTE_RW | PT_SIM_PTE_US, &frame);
		fx_clear_upper_a(f, VA, 1);
		uint64_t pte = fx_get(f, VA, 1);
		EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_USER, 0x4);
		assert_int_equal(fx_get(f, VA, 1), pte);
		for (unsigned l = 4; l >= 2; l--)
			EXPECT_AD(f, VA, l, p == PT_SIM_AD_QEMU, 0);
		fx_free(f);
	}
}

struct race {
	struct fx *f;
	pt_paddr_t new_frame;
	int fired;
};

static void race_hook(void *arg, struct pt_sim_cpu *cpu, unsigned level, pt_paddr_t pa,
		      uint64_t val)
{
	struct race *r = arg;
	(void)cpu;
	(void)val;
	if (level == 1 && !r->fired++)
		pt_sim_ram_store64(r->f->ram, pa, r->new_frame | FX_LEAF);
}

static void vector_41_pte_changes_before_cas(void **state)
{
	(void)state;
	for (int p = PT_SIM_AD_QEMU; p <= PT_SIM_AD_EXACT; p++) {
		struct pt_sim_machine_config cfg = { .ad_policy = (enum pt_sim_ad_policy)p };
		pt_paddr_t frame;
		struct fx *f = setup4k(&cfg, FX_LEAF, &frame);
		struct race r = { f, fx_data(f), 0 };
		pt_sim_machine_set_walk_hook(f->m, race_hook, &r);
		struct pt_sim_counters c;
		EXPECT_PA(f, VA, PT_SIM_WRITE, PT_SIM_USER, r.new_frame);
		pt_sim_cpu_counters(f->cpu, &c);
		assert_int_equal(c.walk_restarts, 1);
		assert_int_equal(fx_get(f, VA, 1), r.new_frame | FX_LEAF | PT_SIM_PTE_A | PT_SIM_PTE_D);
		pt_sim_machine_set_walk_hook(f->m, NULL, NULL);
		fx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vector_29_noncanonical_4level),
		cmocka_unit_test(vector_30_la57_canonical_0x800000000000),
		cmocka_unit_test(vector_31_la57_noncanonical),
		cmocka_unit_test(vector_32_la57_canonical_high),
		cmocka_unit_test(vector_33_indices_and_offset),
		cmocka_unit_test(vector_34_2m_translation),
		cmocka_unit_test(vector_35_1g_translation),
		cmocka_unit_test(vector_36_read_sets_a_everywhere),
		cmocka_unit_test(vector_37_write_2m_sets_ad_on_leaf_only),
		cmocka_unit_test(vector_38_read_then_write_sets_d),
		cmocka_unit_test(vector_39_user_write_ro_ad_policies),
		cmocka_unit_test(vector_40_walk_ends_at_not_present_pte),
		cmocka_unit_test(vector_41_pte_changes_before_cas),
	};
	return cmocka_run_group_tests_name("vectors_ad", tests, NULL, NULL);
}
