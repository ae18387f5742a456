/* SPDX-License-Identifier: MIT */
/*
 * The core's flush sites on RISC-V: simulated harts with the strictest
 * legal TLB (sim/rv_hart.h) under the RISC-V TLB glue. For each site, with
 * exactly that site disabled (test_hooks.flush_off) a hart keeps a harmful
 * stale entry; with it on, none. Also the glue's own rules: a detached
 * table needs a fence of the whole address space (page fences leave cached
 * pointers), and a fault after a new mapping is cured by the fault fence.
 *   test_vm_sites_riscv sv39|sv48 sbi|ipi
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pt/pt.h>

#include <pt/sim/env.h>
#include <pt/sim/ram.h>
#include <pt/sim/rv_hart.h>

#define UVA 0x400000ull
#define KVA 0xffffffc000200000ull
#define PAGE 0x1000ull
#define M2 0x200000ull
#define USER_RW (PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY)

/* Flush and break-before-make sites this test switches off (pt/hooks.h). */
static struct pt_hooks test_hooks;

static const struct pt_format *fmt;
static bool use_sbi;

static struct pt_sim_ram *ram;
static struct pt_sim_rv_machine m;
static struct pt_sim_rv_tlb st;
static struct pt_cpus cpus;
static struct pt_env env;
static struct pt_vmspace kernel, t, u;

static void boot(unsigned harts)
{
	ram = pt_sim_ram_create(128ull << 20);
	assert_non_null(ram);
	pt_sim_ram_set_poison(ram, true);
	pt_sim_rv_machine_init(&m, ram, fmt->levels, harts);
	pt_cpus_init(&cpus);
	env = pt_sim_env(fmt, ram);
	env.tlb = pt_sim_rv_tlb_init(&st, &m, &cpus, use_sbi);
	env.hooks = &test_hooks;
	assert_int_equal(pt_vmspace_create_kernel(&kernel, &env), PT_OK);
	for (unsigned h = 0; h < harts; h++) {
		m.cur = h;
		assert_int_equal(pt_vmspace_first_activate_unchecked(&kernel), PT_OK);
	}
	m.cur = 0;
	assert_int_equal(pt_vmspace_create_user(&t, &kernel), PT_OK);
	assert_int_equal(pt_vmspace_create_user(&u, &kernel), PT_OK);
}

static void drain(void)
{
	env.reclaim.ops->drain(env.reclaim.ctx);
}

static void run_everywhere(struct pt_vmspace *tab, pt_asid_t asid)
{
	for (unsigned h = 0; h < m.nr_harts; h++) {
		m.cur = h;
		assert_int_equal(pt_vmspace_activate_asid(tab, asid), PT_OK);
	}
	m.cur = 0;
}

static int teardown(void **state)
{
	(void)state;
	test_hooks.flush_off = 0;
	run_everywhere(&kernel, 0);
	assert_int_equal(pt_vmspace_destroy(&t), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&u), PT_OK);
	for (unsigned h = 0; h < m.nr_harts; h++) {
		m.cur = h;
		pt_cpu_deactivate(&env);
	}
	m.cur = 0;
	assert_int_equal(pt_vmspace_destroy(&kernel), PT_OK);
	drain();
	assert_int_equal(pt_sim_ram_stats(ram).frames_in_use, 0);
	pt_sim_rv_machine_free(&m);
	pt_sim_ram_destroy(ram);
	return 0;
}

static void site_off(enum pt_flush_site s)
{
	test_hooks.flush_off = 1u << s;
}

static void map_frames(struct pt_vmspace *tab, pt_vaddr_t va, unsigned n, uint16_t flags,
		       pt_paddr_t *pas)
{
	struct pt_cursor_mut c;
	assert_int_equal(pt_cursor_mut_new(&c, &tab->table, va, n * PAGE), PT_OK);
	for (unsigned i = 0; i < n; i++) {
		pt_paddr_t pa;
		assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_DATA, &pa), PT_OK);
		struct pt_item item = { pa, 1, pt_prop_make(flags, PT_CACHE_WB), true };
		if (pas)
			pas[i] = pa;
		assert_int_equal(pt_cursor_map(&c, &item), PT_OK);
	}
	pt_cursor_mut_drop(&c);
}

static void map_range(struct pt_vmspace *tab, pt_vaddr_t va, pt_paddr_t pa, uint64_t len,
		      uint16_t flags)
{
	struct pt_cursor_mut c;
	assert_int_equal(pt_cursor_mut_new(&c, &tab->table, va, len), PT_OK);
	assert_int_equal(pt_cursor_map_range(&c, pa, len, pt_prop_make(flags, PT_CACHE_WB)), PT_OK);
	pt_cursor_mut_drop(&c);
}

static enum pt_sim_rv_exc acc(unsigned h, pt_vaddr_t va, enum pt_sim_rv_access a, bool user)
{
	return pt_sim_rv_access(&m, h, va, a, user, NULL);
}

static void touch_all(pt_vaddr_t va, unsigned n, enum pt_sim_rv_access a, bool user)
{
	for (unsigned h = 0; h < m.nr_harts; h++)
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(acc(h, va + i * PAGE, a, user), PT_SIM_RV_OK);
}

static size_t harmful(void)
{
	size_t n = 0;
	for (unsigned h = 0; h < m.nr_harts; h++)
		n += pt_sim_rv_harmful(&m, h);
	return n;
}

static void four_pages(pt_paddr_t *pas)
{
	run_everywhere(&t, 1);
	map_frames(&t, UVA, 4, USER_RW, pas);
	touch_all(UVA, 4, PT_SIM_RV_STORE, true);
}

static void unmap_scenario(bool off)
{
	boot(2);
	pt_paddr_t pas[4];
	four_pages(pas);
	if (off)
		site_off(PT_SITE_UNMAP);
	assert_int_equal(pt_vmspace_unmap(&t, UVA, 4 * PAGE, NULL, NULL), PT_OK);
	drain();
}

static void test_unmap_site(void **state)
{
	(void)state;
	unmap_scenario(true);
	assert_true(harmful() > 0);
	assert_true(pt_sim_rv_caches_poison(&m, 0));
}

static void test_unmap(void **state)
{
	(void)state;
	unmap_scenario(false);
	assert_int_equal(harmful(), 0);
	assert_false(pt_sim_rv_caches_poison(&m, 0) || pt_sim_rv_caches_poison(&m, 1));
	assert_int_equal(acc(1, UVA, PT_SIM_RV_LOAD, true), PT_SIM_RV_LOAD_PAGE_FAULT);
}

/* Two level-1 tables detached whole; every hart cached pointers into them.
 * The threshold is raised so the batch stays a page range marked `tables`
 * (the glue must fence the whole address space) instead of a full flush. */
static void unmap_table_scenario(bool off)
{
	boot(2);
	env.tlb.flush_threshold = 4096;
	run_everywhere(&t, 1);
	map_frames(&t, 4 * M2, 512, USER_RW, NULL);
	map_frames(&t, 5 * M2, 1, USER_RW, NULL);
	touch_all(4 * M2, 2, PT_SIM_RV_LOAD, true);
	if (off)
		site_off(PT_SITE_UNMAP_TABLE);
	assert_int_equal(pt_vmspace_unmap(&t, 4 * M2, 2 * M2, NULL, NULL), PT_OK);
	drain();
}

static void test_unmap_table_site(void **state)
{
	(void)state;
	unmap_table_scenario(true);
	assert_true(harmful() > 0);
	assert_true(pt_sim_rv_caches_poison(&m, 1));
}

static void test_unmap_table(void **state)
{
	(void)state;
	unmap_table_scenario(false);
	assert_int_equal(harmful(), 0);
	assert_false(pt_sim_rv_caches_poison(&m, 0) || pt_sim_rv_caches_poison(&m, 1));
}

/* Why `tables` means the whole address space: fencing every page of the
 * detached range leaves the harts' cached pointers into the freed tables. */
static void test_tables_need_full_fence(void **state)
{
	(void)state;
	unmap_table_scenario(true);
	for (unsigned h = 0; h < m.nr_harts; h++)
		for (uint64_t va = 4 * M2; va < 6 * M2; va += PAGE)
			pt_sim_rv_sfence(&m, h, true, va, true, 1);
	assert_true(harmful() > 0);
	assert_true(pt_sim_rv_caches_poison(&m, 0));
	for (unsigned h = 0; h < m.nr_harts; h++)
		pt_sim_rv_sfence(&m, h, false, 0, true, 1);
	assert_int_equal(harmful(), 0);
}

static void test_protect_site(void **state)
{
	(void)state;
	boot(2);
	four_pages(NULL);
	site_off(PT_SITE_PROTECT);
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&t, UVA, 4 * PAGE, ro), PT_OK);
	assert_true(harmful() > 0);
	assert_int_equal(acc(1, UVA, PT_SIM_RV_STORE, true), PT_SIM_RV_OK);
}

static void test_protect(void **state)
{
	(void)state;
	boot(2);
	four_pages(NULL);
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&t, UVA, 4 * PAGE, ro), PT_OK);
	assert_int_equal(harmful(), 0);
	assert_int_equal(acc(1, UVA, PT_SIM_RV_STORE, true), PT_SIM_RV_STORE_PAGE_FAULT);
}

/* A 2 MiB leaf split with nothing changed: the cached leaf is the wrong size. */
static void split_scenario(bool off)
{
	boot(2);
	run_everywhere(&t, 1);
	map_range(&t, 4 * M2, 8 * M2, 2 * M2, PT_RW | PT_USER | PT_ACCESSED);
	touch_all(4 * M2, 1, PT_SIM_RV_LOAD, true);
	if (off)
		site_off(PT_SITE_SPLIT);
	struct pt_protect same = { .clear = PT_X, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&t, 4 * M2, PAGE, same), PT_OK);
}

static void test_split_site(void **state)
{
	(void)state;
	split_scenario(true);
	assert_true(harmful() > 0);
}

static void test_split(void **state)
{
	(void)state;
	split_scenario(false);
	assert_int_equal(harmful(), 0);
}

/* Global kernel pages on every hart; past the threshold, one full fence. */
static void kernel_scenario(unsigned pages, bool off)
{
	boot(2);
	run_everywhere(&t, 1);
	map_range(&kernel, KVA, 16 * M2, pages * PAGE, PT_RW | PT_GLOBAL | PT_ACCESSED | PT_DIRTY);
	touch_all(KVA, pages, PT_SIM_RV_STORE, false);
	if (off)
		site_off(PT_SITE_KERNEL_PROTECT);
	for (unsigned h = 0; h < m.nr_harts; h++)
		m.hart[h].fences = m.hart[h].full_fences = 0;
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect_flush_tlb(&kernel, KVA, pages * PAGE, ro), PT_OK);
}

static void test_kernel_protect_site(void **state)
{
	(void)state;
	kernel_scenario(4, true);
	assert_true(harmful() > 0);
	assert_int_equal(acc(1, KVA, PT_SIM_RV_STORE, false), PT_SIM_RV_OK);
}

static void test_kernel_protect(void **state)
{
	(void)state;
	kernel_scenario(4, false);
	assert_int_equal(harmful(), 0);
	assert_int_equal(m.hart[1].fences, 4);
	assert_int_equal(m.hart[1].full_fences, 0);
	for (unsigned h = 0; h < m.nr_harts; h++)
		assert_int_equal(acc(h, KVA, PT_SIM_RV_STORE, false), PT_SIM_RV_STORE_PAGE_FAULT);
}

static void test_kernel_protect_full(void **state)
{
	(void)state;
	kernel_scenario(40, false);
	assert_int_equal(harmful(), 0);
	for (unsigned h = 0; h < m.nr_harts; h++) {
		assert_int_equal(m.hart[h].fences, 1);
		assert_int_equal(m.hart[h].full_fences, 1);
	}
}

static void test_remote_site(void **state)
{
	(void)state;
	boot(2);
	four_pages(NULL);
	site_off(PT_SITE_REMOTE);
	assert_int_equal(pt_vmspace_unmap(&t, UVA, PAGE, NULL, NULL), PT_OK);
	assert_int_equal(pt_sim_rv_harmful(&m, 0), 0);
	assert_true(pt_sim_rv_harmful(&m, 1) > 0);
}

/* Hart 0 runs T under ASID 1 and caches UVA, then switches to U (ASID 2). */
static void switched_away(void)
{
	boot(1);
	map_frames(&t, UVA, 1, USER_RW, NULL);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	touch_all(UVA, 1, PT_SIM_RV_LOAD, true);
	assert_int_equal(pt_vmspace_activate_asid(&u, 2), PT_OK);
}

static void test_asid_switched_away(void **state)
{
	(void)state;
	switched_away();
	assert_int_equal(pt_vmspace_targets(&t), 1);
	assert_int_equal(pt_vmspace_unmap(&t, UVA, PAGE, NULL, NULL), PT_OK);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	assert_int_equal(harmful(), 0);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_LOAD, true), PT_SIM_RV_LOAD_PAGE_FAULT);
}

static void test_stale_target_site(void **state)
{
	(void)state;
	site_off(PT_SITE_STALE_TARGET);
	switched_away();
	assert_int_equal(pt_vmspace_unmap(&t, UVA, PAGE, NULL, NULL), PT_OK);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	assert_true(harmful() > 0);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_LOAD, true), PT_SIM_RV_OK);
}

/* Giving ASID 1 to U after T flushes it. */
static void asid_reuse(bool off)
{
	boot(1);
	map_frames(&t, UVA, 1, USER_RW, NULL);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	touch_all(UVA, 1, PT_SIM_RV_LOAD, true);
	if (off)
		site_off(PT_SITE_ASID_REUSE);
	assert_int_equal(pt_vmspace_activate_asid(&u, 1), PT_OK);
}

static void test_asid_reuse(void **state)
{
	(void)state;
	asid_reuse(false);
	assert_int_equal(harmful(), 0);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_LOAD, true), PT_SIM_RV_LOAD_PAGE_FAULT);
}

static void test_asid_reuse_site(void **state)
{
	(void)state;
	asid_reuse(true);
	assert_true(harmful() > 0);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_LOAD, true), PT_SIM_RV_OK);
}

/* Destroying T while hart 0 still holds its ASID-1 entries. */
static void destroy_switched_away(bool off)
{
	if (off)
		site_off(PT_SITE_DESTROY);
	switched_away();
	assert_int_equal(pt_vmspace_destroy(&t), PT_OK);
	assert_int_equal(pt_vmspace_create_user(&t, &kernel), PT_OK);
	drain();
}

static void test_destroy(void **state)
{
	(void)state;
	destroy_switched_away(false);
	assert_false(pt_sim_rv_caches_poison(&m, 0));
}

static void test_destroy_site(void **state)
{
	(void)state;
	destroy_switched_away(true);
	assert_true(pt_sim_rv_caches_poison(&m, 0));
}

/* Fork: the parent's writable leaves lose W; its harts must not keep W. */
static void test_fork_site(void **state)
{
	(void)state;
	boot(2);
	four_pages(NULL);
	site_off(PT_SITE_FORK);
	assert_int_equal(pt_vmspace_fork(&t, &u, UVA, 4 * PAGE), PT_OK);
	assert_true(harmful() > 0);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_STORE, true), PT_SIM_RV_OK);
}

static void test_fork(void **state)
{
	(void)state;
	boot(2);
	four_pages(NULL);
	assert_int_equal(pt_vmspace_fork(&t, &u, UVA, 4 * PAGE), PT_OK);
	assert_int_equal(harmful(), 0);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_STORE, true), PT_SIM_RV_STORE_PAGE_FAULT);
}

/* A copy-on-write fault in the child moves the page to a new frame. */
static void cow_scenario(bool off)
{
	boot(2);
	four_pages(NULL);
	assert_int_equal(pt_vmspace_fork(&t, &u, UVA, 4 * PAGE), PT_OK);
	run_everywhere(&u, 2);
	touch_all(UVA, 1, PT_SIM_RV_LOAD, true);
	if (off)
		site_off(PT_SITE_COW_COPY);
	pt_paddr_t spare;
	bool used;
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_DATA, &spare), PT_OK);
	assert_int_equal(pt_vmspace_cow_fault(&u, UVA, spare, &used), PT_OK);
	assert_true(used);
}

static void test_cow_copy_site(void **state)
{
	(void)state;
	cow_scenario(true);
	assert_true(harmful() > 0);
}

static void test_cow_copy(void **state)
{
	(void)state;
	cow_scenario(false);
	assert_int_equal(harmful(), 0);
}

/* Without Svvptc a hart may keep the fault it took before a mapping was
 * added (the core issues no flush for one): the fault handler's fence
 * (pt_riscv_tlb_fault_fence) makes the retry see the mapping. */
static void test_fault_fence(void **state)
{
	(void)state;
	boot(1);
	run_everywhere(&t, 1);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_LOAD, true), PT_SIM_RV_LOAD_PAGE_FAULT);
	uint64_t fences = m.hart[0].fences;
	map_frames(&t, UVA, 1, USER_RW, NULL);
	assert_int_equal(m.hart[0].fences, fences);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_LOAD, true), PT_SIM_RV_LOAD_PAGE_FAULT);
	pt_riscv_tlb_fault_fence(&st.rv, UVA + 0x10, 1);
	assert_int_equal(m.hart[0].fences, fences + 1);
	assert_int_equal(acc(0, UVA, PT_SIM_RV_LOAD, true), PT_SIM_RV_OK);
	assert_int_equal(harmful(), 0);
}

static size_t count(bool leaf, bool global, int asid)
{
	size_t n = 0;
	for (size_t i = 0; i < m.hart[0].n; i++) {
		const struct pt_sim_rv_entry *e = &m.hart[0].e[i];
		n += e->leaf == leaf && e->global == global && (asid < 0 || e->asid == asid);
	}
	return n;
}

/* The simulated TLB's own rules, on a global kernel page and a user page of
 * ASID 1: what a satp write and each SFENCE.VMA form leave cached. */
static void test_hart_rules(void **state)
{
	(void)state;
	boot(1);
	run_everywhere(&t, 1);
	map_frames(&t, UVA, 1, USER_RW, NULL);
	map_range(&kernel, KVA, 16 * M2, PAGE, PT_RW | PT_GLOBAL | PT_ACCESSED | PT_DIRTY);
	touch_all(UVA, 1, PT_SIM_RV_LOAD, true);
	touch_all(KVA, 1, PT_SIM_RV_LOAD, false);
	assert_int_equal(count(true, false, 1), 1);
	assert_int_equal(count(true, true, -1), 1);
	assert_int_equal(count(false, false, 1), 2 * (fmt->levels - 1));
	/* A satp write drops nothing. */
	size_t cached = m.hart[0].n;
	assert_int_equal(pt_vmspace_activate_asid(&u, 2), PT_OK);
	assert_int_equal(m.hart[0].n, cached);
	/* rs2 = ASID: that ASID's entries go, global ones stay. */
	pt_sim_rv_sfence(&m, 0, false, 0, true, 1);
	assert_int_equal(count(true, false, 1) + count(false, false, 1), 0);
	assert_int_equal(count(true, true, -1), 1);
	/* rs1 = va: the leaf goes, the pointers above it (now ASID 2's) stay. */
	assert_int_equal(pt_sim_rv_access(&m, 0, KVA, PT_SIM_RV_LOAD, false, NULL), PT_SIM_RV_OK);
	pt_sim_rv_sfence(&m, 0, false, 0, false, 0);
	assert_int_equal(pt_sim_rv_access(&m, 0, KVA, PT_SIM_RV_LOAD, false, NULL), PT_SIM_RV_OK);
	assert_int_equal(count(false, false, 2), fmt->levels - 1);
	pt_sim_rv_sfence(&m, 0, true, KVA, false, 0);
	assert_int_equal(count(true, true, -1), 0);
	assert_int_equal(count(false, false, 2), fmt->levels - 1);
	pt_sim_rv_sfence(&m, 0, false, 0, false, 0);
	assert_int_equal(m.hart[0].n, 0);
}

int main(int argc, char **argv)
{
	fmt = argc > 1 && !strcmp(argv[1], "sv48") ? &pt_format_riscv_sv48 : &pt_format_riscv_sv39;
	use_sbi = !(argc > 2 && !strcmp(argv[2], "ipi"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_unmap_site, teardown),
		cmocka_unit_test_teardown(test_unmap, teardown),
		cmocka_unit_test_teardown(test_unmap_table_site, teardown),
		cmocka_unit_test_teardown(test_unmap_table, teardown),
		cmocka_unit_test_teardown(test_tables_need_full_fence, teardown),
		cmocka_unit_test_teardown(test_protect_site, teardown),
		cmocka_unit_test_teardown(test_protect, teardown),
		cmocka_unit_test_teardown(test_split_site, teardown),
		cmocka_unit_test_teardown(test_split, teardown),
		cmocka_unit_test_teardown(test_kernel_protect_site, teardown),
		cmocka_unit_test_teardown(test_kernel_protect, teardown),
		cmocka_unit_test_teardown(test_kernel_protect_full, teardown),
		cmocka_unit_test_teardown(test_remote_site, teardown),
		cmocka_unit_test_teardown(test_asid_switched_away, teardown),
		cmocka_unit_test_teardown(test_stale_target_site, teardown),
		cmocka_unit_test_teardown(test_asid_reuse, teardown),
		cmocka_unit_test_teardown(test_asid_reuse_site, teardown),
		cmocka_unit_test_teardown(test_destroy, teardown),
		cmocka_unit_test_teardown(test_destroy_site, teardown),
		cmocka_unit_test_teardown(test_fork_site, teardown),
		cmocka_unit_test_teardown(test_fork, teardown),
		cmocka_unit_test_teardown(test_cow_copy_site, teardown),
		cmocka_unit_test_teardown(test_cow_copy, teardown),
		cmocka_unit_test_teardown(test_fault_fence, teardown),
		cmocka_unit_test_teardown(test_hart_rules, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
