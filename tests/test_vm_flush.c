/* SPDX-License-Identifier: MIT */
/*
 * Flushing operations on 1, 2 or 4 simulated CPUs running one table (argv[1];
 * argv[2] "pcid" runs it under PCID 1 with CR4.PCIDE=1): after each unmap,
 * protect, split and table-freeing operation and its sync, no CPU holds a
 * stale translation, and no CPU caches anything in a freed frame.
 */
#include "vm_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

static unsigned nr_cpus = 2;
static bool pcid;

#define UVA 0x400000ull

struct env {
	struct vmf *f;
	struct pt_vmspace u;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	e->f = vmf_new(nr_cpus, pcid);
	vmf_user(e->f, &e->u);
	vmf_run_everywhere(e->f, &e->u, pcid ? 1 : 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	vmf_hooks.flush_off = 0;
	vmf_run_everywhere(e->f, &e->f->kernel, 0);
	assert_int_equal(pt_vmspace_destroy(&e->u), PT_OK);
	vmf_free(e->f);
	free(e);
	return 0;
}

static void assert_faults_everywhere(struct vmf *f, pt_vaddr_t va, enum pt_sim_access_kind kind)
{
	for (unsigned c = 0; c < f->nr_cpus; c++)
		assert_int_equal(vmf_access(f, c, va, kind, PT_SIM_USER, NULL), PT_SIM_EXC_PF);
}

/* 16 pages: under the threshold, one INVLPG (or INVPCID 0) per page per CPU. */
static void test_unmap_pages(void **state)
{
	struct env *e = *state;
	struct vmf *f = e->f;
	pt_paddr_t pas[16];
	vmf_map_frames(f, &e->u, UVA, 16, VMF_USER_RW, pas);
	vmf_touch_all(f, UVA, 16, PT_SIM_USER);
	vmf_reset_counters(f);
	assert_int_equal(pt_vmspace_unmap(&e->u, UVA, 16 * VMF_PAGE, NULL, NULL), PT_OK);
	assert_int_equal(vmf_harmful(f), 0);
	for (unsigned c = 0; c < f->nr_cpus; c++) {
		assert_int_equal(vmf_flushes(f, c, PT_SIM_FLUSH_INVLPG), 16);
		assert_int_equal(vmf_full_flushes(f, c), 0);
	}
	print_message("16-page unmap: %llu INVLPG, %llu full flushes per CPU\n",
		      (unsigned long long)vmf_flushes(f, 0, PT_SIM_FLUSH_INVLPG),
		      (unsigned long long)vmf_full_flushes(f, 0));
	for (unsigned i = 0; i < 16; i++)
		assert_faults_everywhere(f, UVA + i * VMF_PAGE, PT_SIM_READ);
	vmf_assert_no_poison(f);
	for (unsigned i = 0; i < 16; i++)
		assert_true(pt_sim_ram_is_poisoned(f->ram, pas[i]));
}

/* 1 GiB of 4 KiB pages: one detached sub-tree, one full flush per CPU. */
static void test_unmap_gib(void **state)
{
	struct env *e = *state;
	struct vmf *f = e->f;
	vmf_map_range(&e->u, VMF_1G, VMF_PAGE, VMF_1G, PT_RW | PT_USER | PT_ACCESSED);
	for (unsigned c = 0; c < f->nr_cpus; c++)
		for (pt_vaddr_t off = 0; off < VMF_1G; off += 257 * VMF_2M + 5 * VMF_PAGE)
			vmf_access(f, c, VMF_1G + off, PT_SIM_READ, PT_SIM_USER, NULL);
	vmf_reset_counters(f);
	assert_int_equal(pt_vmspace_unmap(&e->u, VMF_1G, VMF_1G, NULL, NULL), PT_OK);
	assert_int_equal(vmf_harmful(f), 0);
	for (unsigned c = 0; c < f->nr_cpus; c++) {
		assert_int_equal(vmf_flushes(f, c, PT_SIM_FLUSH_INVLPG), 0);
		assert_int_equal(vmf_full_flushes(f, c), 1);
	}
	print_message("1 GiB unmap of 4 KiB pages: %llu INVLPG, %llu full flush per CPU\n",
		      (unsigned long long)vmf_flushes(f, 0, PT_SIM_FLUSH_INVLPG),
		      (unsigned long long)vmf_full_flushes(f, 0));
	assert_faults_everywhere(f, VMF_1G + 5 * VMF_PAGE, PT_SIM_READ);
	vmf_assert_no_poison(f);
}

/* A configurable threshold: at 8 pages, 16 pages become one full flush. */
static void test_threshold(void **state)
{
	struct env *e = *state;
	struct vmf *f = e->f;
	f->env.tlb.flush_threshold = 8;
	vmf_map_frames(f, &e->u, UVA, 16, VMF_USER_RW, NULL);
	vmf_touch_all(f, UVA, 16, PT_SIM_USER);
	vmf_reset_counters(f);
	assert_int_equal(pt_vmspace_unmap(&e->u, UVA, 16 * VMF_PAGE, NULL, NULL), PT_OK);
	f->env.tlb.flush_threshold = 0;
	assert_int_equal(vmf_harmful(f), 0);
	for (unsigned c = 0; c < f->nr_cpus; c++) {
		assert_int_equal(vmf_flushes(f, c, PT_SIM_FLUSH_INVLPG), 0);
		assert_int_equal(vmf_full_flushes(f, c), 1);
	}
	vmf_assert_no_poison(f);
}

static void test_protect(void **state)
{
	struct env *e = *state;
	struct vmf *f = e->f;
	vmf_map_frames(f, &e->u, UVA, 8, VMF_USER_RW, NULL);
	for (unsigned c = 0; c < f->nr_cpus; c++)
		for (unsigned i = 0; i < 8; i++)
			assert_int_equal(vmf_access(f, c, UVA + i * VMF_PAGE, PT_SIM_WRITE, PT_SIM_USER,
						    NULL), PT_SIM_EXC_NONE);
	struct pt_protect op = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&e->u, UVA, 8 * VMF_PAGE, op), PT_OK);
	assert_int_equal(vmf_harmful(f), 0);
	for (unsigned i = 0; i < 8; i++)
		assert_faults_everywhere(f, UVA + i * VMF_PAGE, PT_SIM_WRITE);
	vmf_touch_all(f, UVA, 8, PT_SIM_USER);
	assert_int_equal(pt_vmspace_unmap(&e->u, UVA, 8 * VMF_PAGE, NULL, NULL), PT_OK);
	vmf_assert_no_poison(f);
}

/* Huge leaves split by unmap and by protect (changed or not). */
static void test_split(void **state)
{
	struct env *e = *state;
	struct vmf *f = e->f;
	pt_paddr_t pa;
	vmf_map_range(&e->u, 4 * VMF_2M, 8 * VMF_2M, 3 * VMF_2M, PT_RW | PT_USER | PT_ACCESSED);
	vmf_touch_all(f, 4 * VMF_2M, 1, PT_SIM_USER);
	vmf_touch_all(f, 5 * VMF_2M, 1, PT_SIM_USER);
	vmf_touch_all(f, 6 * VMF_2M, 1, PT_SIM_USER);
	assert_int_equal(pt_vmspace_unmap(&e->u, 4 * VMF_2M + VMF_PAGE, VMF_PAGE, NULL, NULL), PT_OK);
	assert_int_equal(vmf_harmful(f), 0);
	assert_faults_everywhere(f, 4 * VMF_2M + VMF_PAGE, PT_SIM_READ);
	assert_int_equal(vmf_access(f, 0, 4 * VMF_2M + 2 * VMF_PAGE, PT_SIM_READ, PT_SIM_USER, &pa),
			 PT_SIM_EXC_NONE);
	assert_int_equal(pa, 8 * VMF_2M + 2 * VMF_PAGE);

	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&e->u, 5 * VMF_2M, VMF_PAGE, ro), PT_OK);
	assert_int_equal(vmf_harmful(f), 0);
	assert_faults_everywhere(f, 5 * VMF_2M, PT_SIM_WRITE);
	assert_int_equal(vmf_access(f, 0, 5 * VMF_2M + VMF_PAGE, PT_SIM_WRITE, PT_SIM_USER, NULL),
			 PT_SIM_EXC_NONE);

	struct pt_protect same = { .clear = PT_X, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&e->u, 6 * VMF_2M, VMF_PAGE, same), PT_OK);
	assert_int_equal(vmf_harmful(f), 0);
	assert_int_equal(pt_vmspace_unmap(&e->u, 4 * VMF_2M, 3 * VMF_2M, NULL, NULL), PT_OK);
	vmf_assert_no_poison(f);
}

/* A covered level-1 table is detached; the CPUs' PSC entries into it go. */
static void test_table_free(void **state)
{
	struct env *e = *state;
	struct vmf *f = e->f;
	vmf_map_frames(f, &e->u, 4 * VMF_2M, 512, VMF_USER_RW, NULL);
	vmf_map_frames(f, &e->u, 5 * VMF_2M, 1, VMF_USER_RW, NULL);
	vmf_touch_all(f, 4 * VMF_2M, 4, PT_SIM_USER);
	vmf_touch_all(f, 5 * VMF_2M, 1, PT_SIM_USER);
	/* The cursor's node covers both level-1 tables: each is detached whole. */
	assert_int_equal(pt_vmspace_unmap(&e->u, 4 * VMF_2M, 2 * VMF_2M, NULL, NULL), PT_OK);
	assert_int_equal(vmf_harmful(f), 0);
	assert_faults_everywhere(f, 4 * VMF_2M + 3 * VMF_PAGE, PT_SIM_READ);
	assert_faults_everywhere(f, 5 * VMF_2M, PT_SIM_READ);
	vmf_assert_no_poison(f);
}

/* Page-range requests seen by the platform, and those marked "a table changed". */
static const struct pt_tlb_ops *real_ops;
static unsigned page_reqs, table_reqs;

static void note(const struct pt_flush_req *req)
{
	if (req->kind != PT_FLUSH_PAGES)
		return;
	page_reqs++;
	table_reqs += req->tables;
}

static void shim_flush_local(void *ctx, const struct pt_flush_req *req)
{
	note(req);
	real_ops->flush_local(ctx, req);
}

static void shim_send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	note(req);
	real_ops->send(ctx, cpus, req);
}

/* A page-range flush says whether a table entry in it changed: leaf unmaps
 * do not, a detached level-1 table does (what RISC-V needs to know). */
static void test_flush_names_tables(void **state)
{
	struct env *e = *state;
	struct vmf *f = e->f;
	struct pt_tlb_ops shim = *f->env.tlb.ops;
	shim.flush_local = shim_flush_local;
	shim.send = shim_send;
	real_ops = f->env.tlb.ops;
	f->env.tlb.ops = &shim;
	f->env.tlb.flush_threshold = 4096;
	vmf_map_frames(f, &e->u, 4 * VMF_2M, 512, VMF_USER_RW, NULL);
	vmf_map_frames(f, &e->u, 6 * VMF_2M, 4, VMF_USER_RW, NULL);
	vmf_touch_all(f, 4 * VMF_2M, 4, PT_SIM_USER);
	vmf_touch_all(f, 6 * VMF_2M, 4, PT_SIM_USER);
	page_reqs = table_reqs = 0;
	assert_int_equal(pt_vmspace_unmap(&e->u, 6 * VMF_2M, 4 * VMF_PAGE, NULL, NULL), PT_OK);
	assert_true(page_reqs > 0);
	assert_int_equal(table_reqs, 0);
	page_reqs = 0;
	assert_int_equal(pt_vmspace_unmap(&e->u, 4 * VMF_2M, 2 * VMF_2M, NULL, NULL), PT_OK);
	assert_true(page_reqs > 0);
	assert_int_equal(table_reqs, page_reqs);
	assert_int_equal(vmf_harmful(f), 0);
	f->env.tlb.ops = real_ops;
	f->env.tlb.flush_threshold = 0;
	vmf_assert_no_poison(f);
}

struct given {
	pt_paddr_t pa[16];
	unsigned nr;
	struct vmf *f;
};

static void give(void *ctx, pt_paddr_t pa)
{
	struct given *g = ctx;
	/* Handed back only after the flush: no CPU translates to it any more. */
	assert_int_equal(vmf_harmful(g->f), 0);
	g->pa[g->nr++] = pa;
}

/* Tracked frames come back to the caller, after the flush. */
static void test_unmap_gives_frames(void **state)
{
	struct env *e = *state;
	struct given g = { .f = e->f };
	pt_paddr_t pas[4];
	vmf_map_frames(e->f, &e->u, UVA, 4, VMF_USER_RW, pas);
	vmf_touch_all(e->f, UVA, 4, PT_SIM_USER);
	assert_int_equal(pt_vmspace_unmap(&e->u, UVA, 4 * VMF_PAGE, give, &g), PT_OK);
	assert_int_equal(g.nr, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(g.pa[i], pas[i]);
		assert_int_equal(pt_sim_ram_refcount(e->f->ram, pas[i]), 1);
		pt_sim_ram_put(e->f->ram, pas[i]);
	}
	vmf_assert_no_poison(e->f);
}

/* Two threads on CPU 0 and 1 shoot each other down while both wait. */
struct worker {
	struct env *e;
	unsigned cpu;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct vmf *f = w->e->f;
	struct pt_sim_cpu *cpu = pt_sim_cpu_enter(f->m, w->cpu);
	assert_non_null(cpu);
	pt_vaddr_t base = UVA + w->cpu * VMF_2M;
	for (unsigned i = 0; i < 100; i++) {
		struct pt_cursor_mut m;
		struct pt_item item = { 0, 1, pt_prop_make(VMF_USER_RW, PT_CACHE_WB), true };
		assert_int_equal(pt_sim_ram_alloc(f->ram, PT_FRAME_DATA, &item.pa), PT_OK);
		assert_int_equal(pt_cursor_mut_new(&m, &w->e->u.table, base, VMF_PAGE), PT_OK);
		assert_int_equal(pt_cursor_map(&m, &item), PT_OK);
		pt_cursor_mut_drop(&m);
		struct pt_sim_xlat x;
		pt_sim_access(cpu, base, PT_SIM_WRITE, PT_SIM_USER, &x);
		assert_int_equal(pt_vmspace_unmap(&w->e->u, base, VMF_PAGE, NULL, NULL), PT_OK);
	}
	pt_sim_cpu_leave(cpu);
	return NULL;
}

static void test_concurrent_shootdowns(void **state)
{
	struct env *e = *state;
	if (e->f->nr_cpus < 2)
		skip();
	pthread_t th;
	struct worker w1 = { e, 1 }, w0 = { e, 0 };
	assert_int_equal(pthread_create(&th, NULL, work, &w1), 0);
	pt_sim_cpu_leave(pt_sim_cpu_current());
	work(&w0);
	pthread_join(th, NULL);
	assert_non_null(pt_sim_cpu_enter(e->f->m, 0));
	assert_int_equal(vmf_harmful(e->f), 0);
	vmf_assert_no_poison(e->f);
}

struct race {
	struct vmf *f;
	struct pt_vmspace t;
	_Atomic unsigned gate;
	enum pt_err got[2];
};

static void race_wait(struct race *r, unsigned n)
{
	atomic_fetch_add(&r->gate, 1);
	while (atomic_load(&r->gate) < n)
		;
}

/* Both CPUs activate the fresh table at once, each under its own id. */
static void race_side(struct race *r, unsigned cpu)
{
	race_wait(r, 2);
	r->got[cpu] = pt_vmspace_activate_asid(&r->t, (pt_asid_t)(cpu + 1));
	race_wait(r, 4);
	assert_int_equal(pt_vmspace_activate_asid(&r->f->kernel, 0), PT_OK);
}

static void *race_cpu1(void *arg)
{
	struct race *r = arg;
	struct pt_sim_cpu *cpu = pt_sim_cpu_enter(r->f->m, 1);
	race_side(r, 1);
	pt_sim_cpu_leave(cpu);
	return NULL;
}

/* A table's first activations race for its address-space id: one wins, the
 * other is refused, and the table runs under the winner's id only. */
static void test_first_activation_race(void **state)
{
	struct env *e = *state;
	if (e->f->nr_cpus < 2)
		skip();
	vmf_run_everywhere(e->f, &e->f->kernel, 0);
	for (unsigned round = 0; round < 300; round++) {
		struct race r = { .f = e->f };
		pthread_t th;
		vmf_user(e->f, &r.t);
		assert_int_equal(pthread_create(&th, NULL, race_cpu1, &r), 0);
		race_side(&r, 0);
		pthread_join(th, NULL);
		unsigned won = (r.got[0] == PT_OK) + (r.got[1] == PT_OK);
		assert_int_equal(won, 1);
		unsigned winner = r.got[0] == PT_OK ? 0 : 1;
		assert_int_equal(r.got[1 - winner], PT_ERR_INVAL);
		assert_int_equal(pt_vmspace_asid(&r.t), winner + 1);
		assert_int_equal(pt_vmspace_destroy(&r.t), PT_OK);
	}
}

/* The id is the table's while a CPU may cache it: without PCIDs a CPU that
 * switched away holds nothing and a new id may be taken; with them it stays
 * a target under the old id. */
static void test_asid_after_leaving(void **state)
{
	struct env *e = *state;
	struct pt_vmspace t;
	vmf_run_everywhere(e->f, &e->f->kernel, 0);
	vmf_user(e->f, &t);
	assert_int_equal(pt_vmspace_activate_asid(&t, 1), PT_OK);
	assert_int_equal(pt_vmspace_activate_asid(&t, 2), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_activate_asid(&e->f->kernel, 0), PT_OK);
	assert_int_equal(pt_vmspace_activate_asid(&t, 2), pcid ? PT_ERR_INVAL : PT_OK);
	assert_int_equal(pt_vmspace_asid(&t), pcid ? 1 : 2);
	assert_int_equal(pt_vmspace_activate_asid(&e->f->kernel, 0), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&t), PT_OK);
}

int main(int argc, char **argv)
{
	nr_cpus = vmf_arg_cpus(argc, argv);
	pcid = vmf_arg_pcid(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unmap_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_gib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_gives_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_shootdowns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_activation_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_asid_after_leaving, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_names_tables, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
