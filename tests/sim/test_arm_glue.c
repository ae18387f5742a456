/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 TLB glue (src/backend/tlb_aarch64.c) driving the simulated Arm
 * MMU: each TLBI, DSB and TTBR write the glue issues is performed on sim/arm
 * (two PEs, the strictest legal TLB), with the core building the tables.
 * What QEMU cannot show: a detached table's walk-cache entries survive
 * TLBI VALE1 and the glue's VAE1 removes them; break-before-make through the
 * glue's broadcast is clean, and caught without it; an ASID reused in TTBR0
 * without the glue's ASIDE1 leaves another table's translation live.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include <pt/tlb_aarch64.h>

#include <pt/sim/arm_mmu.h>
#include "harness.h"

#define UVA 0x0000004000000000ull
#define KVA 0xffff800000000000ull
#define OA_MASK 0x0000fffffffff000ull

/* Flush and break-before-make sites this test switches off (pt/hooks.h). */
static struct pt_hooks test_hooks;

struct fx {
	struct pt_sim_ram *ram;
	struct pt_sim_arm m;
	struct pt_cpus cpus;
	struct pt_env env;
	struct pt_aarch64_tlb glue;
	struct pt_vmspace k, u;
};

static const enum pt_sim_arm_tlbi pt_sim_op[] = {
	[PT_TLBI_VAE1] = PT_SIM_TLBI_VAE1, [PT_TLBI_VALE1] = PT_SIM_TLBI_VALE1,
	[PT_TLBI_VAAE1] = PT_SIM_TLBI_VAAE1, [PT_TLBI_VAALE1] = PT_SIM_TLBI_VAALE1,
	[PT_TLBI_ASIDE1] = PT_SIM_TLBI_ASIDE1, [PT_TLBI_VMALLE1] = PT_SIM_TLBI_VMALLE1,
};

/* Xt back to the VA (VA[55:12], bits 63:56 copies of bit 55) and the ASID. */
static void pe_tlbi(void *ctx, enum pt_aarch64_tlbi op, uint64_t xt)
{
	struct pt_sim_arm *m = ctx;
	bool is = op >= PT_TLBI_VAE1IS;
	uint64_t va = (xt & ((1ull << 44) - 1)) << 12;
	if (va >> 55 & 1)
		va |= 0xff00000000000000ull;
	struct pt_sim_arm_tlbi_op o = { pt_sim_op[is ? op - PT_TLBI_IS : op], (uint16_t)(xt >> 48), va, 0 };
	pt_sim_arm_tlbi(m, m->cur, o, is);
}

static void pe_barrier(void *ctx, enum pt_aarch64_barrier b)
{
	struct pt_sim_arm *m = ctx;
	if (b != PT_ISB)
		pt_sim_arm_dsb(m, m->cur);
}

static void pe_write_ttbr(void *ctx, bool upper, uint64_t v)
{
	struct pt_sim_arm *m = ctx;
	struct pt_sim_arm_regs *r = &m->pe[m->cur].r;
	if (upper) {
		r->ttbr1 = v & OA_MASK;
		return;
	}
	r->ttbr0 = v & OA_MASK;
	r->asid = (uint16_t)(v >> 48);
}

static unsigned pe_current(void *ctx)
{
	struct pt_sim_arm *m = ctx;
	return m->cur;
}

static const struct pt_aarch64_arch_ops pe_ops = { pe_tlbi, pe_barrier, pe_write_ttbr, pe_current };

static void on(struct fx *f, unsigned pe)
{
	f->m.cur = pe;
}

static void activate_all(struct fx *f, struct pt_vmspace *t, pt_asid_t asid)
{
	for (unsigned i = 0; i < f->m.nr_pes; i++) {
		on(f, i);
		assert_int_equal(pt_vmspace_activate_asid(t, asid), PT_OK);
	}
	on(f, 0);
}

static pt_paddr_t empty_table(struct fx *f)
{
	pt_paddr_t pa = 0;
	assert_int_equal(f->env.mem.ops->table_alloc(f->env.mem.ctx, &pa), PT_OK);
	return pa;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->ram = pt_sim_ram_create(128 * MiB);
	assert_true(pt_sim_arm_init(&f->m, f->ram, 2));
	pt_cpus_init(&f->cpus);
	f->env = pt_sim_env(&pt_format_aarch64_4k48, f->ram);
	assert_int_equal(pt_vmspace_create_kernel(&f->k, &f->env), PT_OK);
	f->glue = (struct pt_aarch64_tlb){ &pe_ops, &f->m, pt_table_root_paddr(&f->k.table), empty_table(f),
					   true };
	f->env.tlb = pt_aarch64_tlb(&f->glue, &f->cpus);
	f->k.table.env = &f->env;
	f->env.hooks = &test_hooks;
	for (unsigned i = 0; i < f->m.nr_pes; i++) {
		on(f, i);
		assert_int_equal(pt_vmspace_first_activate_unchecked(&f->k), PT_OK);
	}
	assert_int_equal(pt_vmspace_create_user(&f->u, &f->k), PT_OK);
	activate_all(f, &f->u, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	activate_all(f, &f->k, 0);
	assert_int_equal(pt_vmspace_destroy(&f->u), PT_OK);
	for (unsigned i = 0; i < f->m.nr_pes; i++) {
		on(f, i);
		pt_cpu_deactivate(&f->env);
	}
	on(f, 0);
	assert_int_equal(pt_vmspace_destroy(&f->k), PT_OK);
	f->env.mem.ops->table_free(f->env.mem.ctx, f->glue.reserved_ttbr0);
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	assert_int_equal(pt_sim_ram_stats(f->ram).frames_in_use, 0);
	test_hooks.bbm_off = 0;
	pt_sim_arm_destroy(&f->m);
	pt_sim_ram_destroy(f->ram);
	free(f);
	return 0;
}

static void map(struct pt_vmspace *t, pt_vaddr_t va, pt_paddr_t pa, uint64_t len, uint16_t flags)
{
	assert_int_equal(th_map_range(&t->table, va, pa, len, pt_prop_make(flags | PT_ACCESSED | PT_DIRTY,
								   PT_CACHE_WB)), PT_OK);
}

static struct pt_sim_arm_xlat tr(struct fx *f, unsigned pe, uint64_t va, bool el0)
{
	return pt_sim_arm_translate(&f->m, pe, va, PT_SIM_ARM_READ, el0);
}

/* The glue's root loads reach the PE's registers: TTBR0 with the ASID, the empty table. */
static void ttbrs_and_asid(void **state)
{
	struct fx *f = *state;
	for (unsigned pe = 0; pe < 2; pe++) {
		assert_int_equal(f->m.pe[pe].r.ttbr0, pt_table_root_paddr(&f->u.table));
		assert_int_equal(f->m.pe[pe].r.asid, 1);
		assert_int_equal(f->m.pe[pe].r.ttbr1, pt_table_root_paddr(&f->k.table));
	}
	activate_all(f, &f->k, 0);
	assert_int_equal(f->m.pe[1].r.ttbr0, f->glue.reserved_ttbr0);
	map(&f->u, UVA, 0x1000000, 0x1000, PT_RW | PT_USER);
	assert_int_equal(tr(f, 1, UVA, true).fsc, 0x04);
	activate_all(f, &f->u, 1);
	assert_int_equal(tr(f, 1, UVA, true).fault, PT_SIM_ARM_OK);
}

/* A request without `tables` (VALE1IS) drops the leaves but leaves the walk
 * entries, as the architecture allows; with `tables` (VAE1IS) none is left on
 * any PE. Unmapping pages keeps their level-3 table, so VALE1 is
 * enough and both PEs lose the leaves; unmapping a range that covers the
 * table detaches it, and the glue's VAE1IS leaves no walk entry on any PE. */
static void detached_table_leaves_no_walk_entry(void **state)
{
	struct fx *f = *state;
	map(&f->u, UVA, 0x1000000, 0x2000, PT_RW | PT_USER);
	for (unsigned pe = 0; pe < 2; pe++)
		assert_int_equal(tr(f, pe, UVA, true).fault, PT_SIM_ARM_OK);
	assert_true(pt_sim_arm_tlb_count(&f->m, 1, UVA, false) > 0);

	struct pt_flush_req q = { PT_FLUSH_PAGES, 1, UVA, 1, false };
	pt_aarch64_tlb_flush_broadcast(&f->glue, &q);
	assert_int_equal(pt_sim_arm_tlb_count(&f->m, 1, UVA, true), 0);
	assert_true(pt_sim_arm_tlb_count(&f->m, 1, UVA, false) > 0);
	q.tables = true;
	pt_aarch64_tlb_flush_broadcast(&f->glue, &q);
	for (unsigned pe = 0; pe < 2; pe++)
		assert_int_equal(pt_sim_arm_tlb_count(&f->m, pe, UVA, false), 0);

	for (unsigned pe = 0; pe < 2; pe++)
		assert_int_equal(tr(f, pe, UVA + 0x1000, true).fault, PT_SIM_ARM_OK);
	assert_int_equal(pt_vmspace_unmap(&f->u, UVA + 0x1000, 0x1000, NULL, NULL), PT_OK);
	for (unsigned pe = 0; pe < 2; pe++) {
		assert_int_equal(pt_sim_arm_tlb_count(&f->m, pe, UVA + 0x1000, true), 0);
		assert_int_equal(tr(f, pe, UVA + 0x1000, true).fault, PT_SIM_ARM_TRANSLATION);
		assert_int_equal(tr(f, pe, UVA, true).fault, PT_SIM_ARM_OK);
	}

	assert_int_equal(pt_vmspace_unmap(&f->u, UVA, 0x40000000, NULL, NULL), PT_OK);
	for (unsigned pe = 0; pe < 2; pe++) {
		assert_int_equal(pt_sim_arm_tlb_count(&f->m, pe, UVA, false), 0);
		assert_int_equal(pt_sim_arm_tlb_count(&f->m, pe, UVA, true), 0);
		assert_int_equal(tr(f, pe, UVA, true).fault, PT_SIM_ARM_TRANSLATION);
	}
}

typedef void (*site_fn)(struct fx *f);

static void clean_then_caught(void **state, site_fn op, enum pt_bbm_site site)
{
	struct fx *f = *state;
	op(f);
	assert_int_equal(pt_sim_arm_bbm_check(&f->m), 0);
	teardown(state);
	setup(state);
	f = *state;
	test_hooks.bbm_off = 1u << site;
	op(f);
	assert_true(pt_sim_arm_bbm_check(&f->m) > 0);
	test_hooks.bbm_off = 0;
}

/* A 1 GiB kernel block split by unmapping 4 KiB, both PEs holding the block. */
static void split_kernel_block(struct fx *f)
{
	map(&f->k, KVA, 0x40000000, 0x40000000, PT_RW | PT_GLOBAL);
	for (unsigned pe = 0; pe < 2; pe++)
		assert_int_equal(tr(f, pe, KVA + 0x201000, false).fault, PT_SIM_ARM_OK);
	assert_int_equal(pt_vmspace_unmap(&f->k, KVA + 0x201000, 0x1000, NULL, NULL), PT_OK);
	assert_int_equal(tr(f, 1, KVA + 0x201000, false).fsc, 0x07);
	assert_int_equal(tr(f, 1, KVA + 0x202000, false).pa, 0x40202000);
}

static void bbm_split_through_the_glue(void **state)
{
	clean_then_caught(state, split_kernel_block, PT_BBM_SPLIT);
}

/* A 2 MiB user block made uncached: the memory type changes only after a break. */
static void recache_user_block(struct fx *f)
{
	map(&f->u, UVA, 0x1000000, 0x200000, PT_RW | PT_USER);
	for (unsigned pe = 0; pe < 2; pe++)
		assert_int_equal(tr(f, pe, UVA + 0x3000, true).fault, PT_SIM_ARM_OK);
	struct pt_protect uc = { .cache = PT_CACHE_UC };
	assert_int_equal(pt_vmspace_protect(&f->u, UVA, 0x200000, uc), PT_OK);
	for (unsigned pe = 0; pe < 2; pe++)
		assert_int_equal(tr(f, pe, UVA + 0x3000, true).attr_index, 3);
}

static void bbm_protect_through_the_glue(void **state)
{
	clean_then_caught(state, recache_user_block, PT_BBM_PROTECT);
}

/* ASID 1 given to another table: the load with flush (ASIDE1) drops the old
 * table's entries; a TTBR0 write alone, as QEMU would forgive, leaves them. */
static void asid_reuse_needs_aside1(void **state)
{
	struct fx *f = *state;
	struct pt_vmspace v;
	assert_int_equal(pt_vmspace_create_user(&v, &f->k), PT_OK);
	map(&f->u, UVA, 0x1000000, 0x1000, PT_RW | PT_USER);
	map(&v, UVA, 0x2000000, 0x1000, PT_RW | PT_USER);
	assert_int_equal(tr(f, 0, UVA, true).pa, 0x1000000);

	pe_write_ttbr(&f->m, false, pt_aarch64_ttbr(1, pt_table_root_paddr(&v.table)));
	assert_int_equal(tr(f, 0, UVA, true).pa, 0x1000000);

	f->env.tlb.ops->load_root(f->env.tlb.ctx, pt_table_root_paddr(&v.table), 1, true);
	assert_int_equal(tr(f, 0, UVA, true).pa, 0x2000000);
	f->env.tlb.ops->load_root(f->env.tlb.ctx, pt_table_root_paddr(&f->u.table), 1, true);
	assert_int_equal(tr(f, 0, UVA, true).pa, 0x1000000);
	assert_int_equal(pt_vmspace_destroy(&v), PT_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ttbrs_and_asid, setup, teardown),
		cmocka_unit_test_setup_teardown(detached_table_leaves_no_walk_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_split_through_the_glue, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_protect_through_the_glue, setup, teardown),
		cmocka_unit_test_setup_teardown(asid_reuse_needs_aside1, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
