/* SPDX-License-Identifier: MIT */
/*
 * One test per flush site of the core: with exactly that site disabled
 * (vmf_hooks.flush_off), the simulator observes a stale translation, so the
 * coherence oracle would catch the bug. Beside each, the same scenario with
 * the site on is coherent. Also: PCID scenarios (reference vector 67 from
 * the core's side, id reuse, destroying a table a CPU switched away from).
 */
#include "vm_fixture.h"

#include <stdlib.h>

#define UVA 0x400000ull
#define KVA 0xffff800000200000ull

static struct vmf *f;
static struct pt_vmspace t, u;

static void boot(unsigned cpus, bool pcide)
{
	f = vmf_new(cpus, pcide);
	vmf_user(f, &t);
	vmf_user(f, &u);
}

static int teardown(void **state)
{
	(void)state;
	vmf_hooks.flush_off = 0;
	vmf_run_everywhere(f, &f->kernel, 0);
	assert_int_equal(pt_vmspace_destroy(&t), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&u), PT_OK);
	vmf_free(f);
	return 0;
}

static void site_off(enum pt_flush_site s)
{
	vmf_hooks.flush_off = 1u << s;
}

/* Run @t on every CPU with 4 written pages at UVA. */
static void four_pages(pt_paddr_t *pas)
{
	vmf_run_everywhere(f, &t, f->pcide ? 1 : 0);
	vmf_map_frames(f, &t, UVA, 4, VMF_USER_RW, pas);
	for (unsigned c = 0; c < f->nr_cpus; c++)
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(vmf_access(f, c, UVA + i * VMF_PAGE, PT_SIM_WRITE, PT_SIM_USER,
						    NULL), PT_SIM_EXC_NONE);
}

static bool cpu0_caches_poison(pt_vaddr_t va, uint16_t pcid)
{
	struct pt_sim_tlb_entry e[4];
	size_t n = pt_sim_tlb_lookup(pt_sim_machine_cpu(f->m, 0), va, pcid, e, 4);
	for (size_t i = 0; i < n && i < 4; i++)
		if (pt_sim_ram_is_poisoned(f->ram, e[i].pa))
			return true;
	return false;
}

static void test_unmap_site(void **state)
{
	(void)state;
	boot(2, false);
	pt_paddr_t pas[4];
	four_pages(pas);
	site_off(PT_SITE_UNMAP);
	assert_int_equal(pt_vmspace_unmap(&t, UVA, 4 * VMF_PAGE, NULL, NULL), PT_OK);
	assert_true(vmf_harmful(f) > 0);
	/* The frames are freed and poisoned while CPU 0 still reaches them. */
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	assert_true(cpu0_caches_poison(UVA, 0));
}

static void test_unmap_table_site(void **state)
{
	(void)state;
	boot(2, false);
	vmf_run_everywhere(f, &t, 0);
	vmf_map_frames(f, &t, 4 * VMF_2M, 512, VMF_USER_RW, NULL);
	vmf_map_frames(f, &t, 5 * VMF_2M, 1, VMF_USER_RW, NULL);
	vmf_touch_all(f, 4 * VMF_2M, 2, PT_SIM_USER);
	site_off(PT_SITE_UNMAP_TABLE);
	/* The cursor's node covers both level-1 tables: each is detached whole. */
	assert_int_equal(pt_vmspace_unmap(&t, 4 * VMF_2M, 2 * VMF_2M, NULL, NULL), PT_OK);
	assert_true(vmf_harmful(f) > 0);
}

static void test_protect_site(void **state)
{
	(void)state;
	boot(2, false);
	four_pages(NULL);
	site_off(PT_SITE_PROTECT);
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&t, UVA, 4 * VMF_PAGE, ro), PT_OK);
	assert_true(vmf_harmful(f) > 0);
	assert_int_equal(vmf_access(f, 1, UVA, PT_SIM_WRITE, PT_SIM_USER, NULL), PT_SIM_EXC_NONE);
}

/* A huge leaf split with nothing changed: its 2 MiB entry is the wrong size. */
static void split_scenario(bool off)
{
	boot(2, false);
	vmf_run_everywhere(f, &t, 0);
	/* Wider than 2 MiB: a cursor of exactly 2 MiB stands in a 4 KiB table. */
	vmf_map_range(&t, 4 * VMF_2M, 8 * VMF_2M, 2 * VMF_2M, PT_RW | PT_USER | PT_ACCESSED);
	vmf_touch_all(f, 4 * VMF_2M, 1, PT_SIM_USER);
	if (off)
		site_off(PT_SITE_SPLIT);
	struct pt_protect same = { .clear = PT_X, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&t, 4 * VMF_2M, VMF_PAGE, same), PT_OK);
}

static void test_split_site(void **state)
{
	(void)state;
	split_scenario(true);
	assert_true(vmf_harmful(f) > 0);
}

static void test_split_site_on(void **state)
{
	(void)state;
	split_scenario(false);
	assert_int_equal(vmf_harmful(f), 0);
}

/* Global kernel pages on every CPU; more than the threshold of them is one
 * flush of everything (globals included) per CPU. */
static void kernel_scenario(unsigned pages, bool off)
{
	boot(2, true);
	vmf_run_everywhere(f, &t, 1);
	vmf_map_range(&f->kernel, KVA, 16 * VMF_2M, pages * VMF_PAGE,
		      PT_RW | PT_GLOBAL | PT_ACCESSED | PT_DIRTY);
	for (unsigned c = 0; c < f->nr_cpus; c++)
		for (unsigned i = 0; i < pages; i++)
			assert_int_equal(vmf_access(f, c, KVA + i * VMF_PAGE, PT_SIM_WRITE,
						    PT_SIM_SUPERVISOR, NULL), PT_SIM_EXC_NONE);
	if (off)
		site_off(PT_SITE_KERNEL_PROTECT);
	vmf_reset_counters(f);
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect_flush_tlb(&f->kernel, KVA, pages * VMF_PAGE, ro), PT_OK);
}

static void test_kernel_protect_site(void **state)
{
	(void)state;
	kernel_scenario(4, true);
	assert_true(vmf_harmful(f) > 0);
	assert_int_equal(vmf_access(f, 1, KVA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, NULL), PT_SIM_EXC_NONE);
}

static void test_kernel_protect(void **state)
{
	(void)state;
	kernel_scenario(4, false);
	assert_int_equal(vmf_harmful(f), 0);
	assert_int_equal(vmf_flushes(f, 1, PT_SIM_FLUSH_INVLPG), 4);
	for (unsigned c = 0; c < f->nr_cpus; c++)
		assert_int_equal(vmf_access(f, c, KVA, PT_SIM_WRITE, PT_SIM_SUPERVISOR, NULL), PT_SIM_EXC_PF);
	/* A user switch (a CR3 write) does not drop globals: the flush did. */
	assert_int_equal(pt_vmspace_protect_flush_tlb(&u, KVA, VMF_PAGE,
						    (struct pt_protect){ .cache = -1 }),
			 PT_ERR_INVAL);
}

static void test_kernel_protect_full(void **state)
{
	(void)state;
	kernel_scenario(40, false);
	assert_int_equal(vmf_harmful(f), 0);
	for (unsigned c = 0; c < f->nr_cpus; c++) {
		assert_int_equal(vmf_flushes(f, c, PT_SIM_FLUSH_INVLPG), 0);
		assert_int_equal(vmf_flushes(f, c, PT_SIM_FLUSH_INVPCID2), 1);
	}
}

static void test_remote_site(void **state)
{
	(void)state;
	boot(2, false);
	four_pages(NULL);
	site_off(PT_SITE_REMOTE);
	assert_int_equal(pt_vmspace_unmap(&t, UVA, VMF_PAGE, NULL, NULL), PT_OK);
	struct pt_sim_coherence c0, c1;
	assert_true(pt_sim_coherence_check(f->m, 0, &c0));
	assert_true(pt_sim_coherence_check(f->m, 1, &c1));
	assert_int_equal(c0.harmful, 0);
	assert_true(c1.harmful > 0);
	pt_sim_coherence_free(&c0);
	pt_sim_coherence_free(&c1);
}

/* CPU 0 runs T under PCID 1 and caches UVA, then switches to U (PCID 2). */
static void switched_away(void)
{
	boot(1, true);
	vmf_map_frames(f, &t, UVA, 1, VMF_USER_RW, NULL);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	vmf_touch_all(f, UVA, 1, PT_SIM_USER);
	assert_int_equal(pt_vmspace_activate_asid(&u, 2), PT_OK);
}

/* Vector 67 from the core's side: T's change reaches CPU 0 although it runs
 * U; switching back with the no-flush bit then sees the new entry. */
static void test_pcid_switched_away(void **state)
{
	(void)state;
	switched_away();
	assert_int_equal(pt_vmspace_targets(&t), 1);
	assert_int_equal(pt_vmspace_unmap(&t, UVA, VMF_PAGE, NULL, NULL), PT_OK);
	assert_int_equal(vmf_flushes(f, 0, PT_SIM_FLUSH_INVPCID0), 1);
	assert_int_equal(vmf_harmful(f), 0);
	vmf_reset_counters(f);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	assert_int_equal(vmf_flushes(f, 0, PT_SIM_FLUSH_CR3_NOFLUSH), 1);
	assert_int_equal(vmf_access(f, 0, UVA, PT_SIM_READ, PT_SIM_USER, NULL), PT_SIM_EXC_PF);
}

static void test_stale_target_site(void **state)
{
	(void)state;
	site_off(PT_SITE_STALE_TARGET);
	switched_away();
	assert_int_equal(pt_vmspace_unmap(&t, UVA, VMF_PAGE, NULL, NULL), PT_OK);
	assert_true(vmf_harmful(f) > 0);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	assert_int_equal(vmf_access(f, 0, UVA, PT_SIM_READ, PT_SIM_USER, NULL), PT_SIM_EXC_NONE);
}

/* Giving PCID 1 to U after T flushes it. */
static void asid_reuse(bool off)
{
	boot(1, true);
	vmf_map_frames(f, &t, UVA, 1, VMF_USER_RW, NULL);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	vmf_touch_all(f, UVA, 1, PT_SIM_USER);
	if (off)
		site_off(PT_SITE_ASID_REUSE);
	assert_int_equal(pt_vmspace_activate_asid(&u, 1), PT_OK);
}

static void test_asid_reuse(void **state)
{
	(void)state;
	asid_reuse(false);
	assert_int_equal(vmf_harmful(f), 0);
	assert_int_equal(vmf_access(f, 0, UVA, PT_SIM_READ, PT_SIM_USER, NULL), PT_SIM_EXC_PF);
}

static void test_asid_reuse_site(void **state)
{
	(void)state;
	asid_reuse(true);
	assert_true(vmf_harmful(f) > 0);
	assert_int_equal(vmf_access(f, 0, UVA, PT_SIM_READ, PT_SIM_USER, NULL), PT_SIM_EXC_NONE);
}

/* Destroying T while CPU 0 still holds its PCID-1 entries. */
static void destroy_switched_away(bool off)
{
	switched_away();
	assert_int_equal(pt_vmspace_destroy(&t), PT_OK);
	vmf_user(f, &t); /* for the teardown */
	(void)off;
}

static void test_destroy(void **state)
{
	(void)state;
	destroy_switched_away(false);
	vmf_assert_no_poison(f);
}

static void test_destroy_site(void **state)
{
	(void)state;
	site_off(PT_SITE_DESTROY);
	destroy_switched_away(true);
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	assert_true(cpu0_caches_poison(UVA, 1));
}

/* A table active on a CPU is not destroyed; the CPU's reference keeps the
 * tree while another handle to it goes. */
static void test_active_busy(void **state)
{
	(void)state;
	boot(2, false);
	struct pt_vmspace copy;
	vmf_run_everywhere(f, &t, 0);
	assert_int_equal(pt_vmspace_destroy(&t), PT_ERR_BUSY);
	assert_int_equal(pt_vmspace_create_shared(&copy, &t), PT_OK);
	assert_int_equal(pt_vmspace_activate_asid(&copy, 0), PT_OK);
	assert_int_equal(pt_vmspace_activate_asid(&copy, 3), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_activate_asid(&t, PT_MAX_ASIDS), PT_ERR_INVAL);
	assert_ptr_equal(pt_cpu_active_vmspace(&f->env, 0), &copy);
	assert_int_equal(pt_vmspace_targets(&t), 2);
	assert_int_equal(pt_vmspace_activate_asid(&t, 0), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&copy), PT_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_unmap_site, teardown),
		cmocka_unit_test_teardown(test_unmap_table_site, teardown),
		cmocka_unit_test_teardown(test_protect_site, teardown),
		cmocka_unit_test_teardown(test_split_site, teardown),
		cmocka_unit_test_teardown(test_split_site_on, teardown),
		cmocka_unit_test_teardown(test_kernel_protect_site, teardown),
		cmocka_unit_test_teardown(test_kernel_protect, teardown),
		cmocka_unit_test_teardown(test_kernel_protect_full, teardown),
		cmocka_unit_test_teardown(test_remote_site, teardown),
		cmocka_unit_test_teardown(test_pcid_switched_away, teardown),
		cmocka_unit_test_teardown(test_stale_target_site, teardown),
		cmocka_unit_test_teardown(test_asid_reuse, teardown),
		cmocka_unit_test_teardown(test_asid_reuse_site, teardown),
		cmocka_unit_test_teardown(test_destroy, teardown),
		cmocka_unit_test_teardown(test_destroy_site, teardown),
		cmocka_unit_test_teardown(test_active_busy, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
