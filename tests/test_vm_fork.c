/* SPDX-License-Identifier: MIT */
/*
 * Copy-on-write fork and write faults, with exact reference counts; IOMMU
 * tables shared by devices; the flusher's own rules. argv[1]: CPUs.
 */
#include "vm_fixture.h"

#include <pt/sim/reclaim_sync.h>

#include <stdlib.h>
#include <string.h>

#define UVA 0x400000ull

static unsigned nr_cpus = 2;
static struct vmf *f;
static struct pt_vmspace p, c;

static int setup(void **state)
{
	(void)state;
	f = vmf_new(nr_cpus, false);
	vmf_user(f, &p);
	vmf_user(f, &c);
	vmf_run_everywhere(f, &p, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vmf_hooks.flush_off = 0;
	vmf_run_everywhere(f, &f->kernel, 0);
	if (p.table.root)
		assert_int_equal(pt_vmspace_destroy(&p), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&c), PT_OK);
	vmf_free(f);
	return 0;
}

static uint32_t refs(pt_paddr_t pa)
{
	return pt_sim_ram_refcount(f->ram, pa);
}

/* Four written pages in the parent, an untracked 2 MiB range beside them. */
static void parent_pages(pt_paddr_t *pas)
{
	vmf_map_frames(f, &p, UVA, 4, VMF_USER_RW, pas);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t v = 0x1111 * (i + 1);
		pt_sim_ram_write(f->ram, pas[i], &v, sizeof(v));
	}
	for (unsigned cpu = 0; cpu < f->nr_cpus; cpu++)
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(vmf_access(f, cpu, UVA + i * VMF_PAGE, PT_SIM_WRITE, PT_SIM_USER,
						    NULL), PT_SIM_EXC_NONE);
}

/* Fork: the parent loses W on every CPU, each frame has two references. */
static void fork_stage(pt_paddr_t *pas)
{
	parent_pages(pas);
	vmf_map_range(&p, 8 * VMF_2M, 16 * VMF_2M, 2 * VMF_2M, PT_RW | PT_USER | PT_ACCESSED);
	vmf_touch_all(f, 8 * VMF_2M, 1, PT_SIM_USER);

	assert_int_equal(pt_vmspace_fork(&p, &c, 0, 128 * VMF_2M), PT_OK);
	assert_int_equal(vmf_harmful(f), 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(refs(pas[i]), 2);
		for (unsigned cpu = 0; cpu < f->nr_cpus; cpu++)
			assert_int_equal(vmf_access(f, cpu, UVA + i * VMF_PAGE, PT_SIM_WRITE, PT_SIM_USER,
						    NULL), PT_SIM_EXC_PF);
	}
	assert_int_equal(pt_vmspace_fork(&p, &c, UVA, VMF_PAGE), PT_ERR_MAPPED);
}

/* The child runs on the last CPU, reads the shared frame, then writes: a copy. */
static pt_paddr_t child_fault_stage(const pt_paddr_t *pas)
{
	unsigned last = f->nr_cpus - 1;
	pt_paddr_t pa;
	vmf_on(f, last);
	assert_int_equal(pt_vmspace_activate_asid(&c, 0), PT_OK);
	assert_int_equal(vmf_access(f, last, UVA, PT_SIM_READ, PT_SIM_USER, &pa), PT_SIM_EXC_NONE);
	assert_int_equal(pa, pas[0]);
	assert_int_equal(vmf_access(f, last, 8 * VMF_2M + VMF_PAGE, PT_SIM_READ, PT_SIM_USER, &pa),
			 PT_SIM_EXC_NONE);
	assert_int_equal(pa, 16 * VMF_2M + VMF_PAGE);
	assert_int_equal(vmf_access(f, last, UVA, PT_SIM_WRITE, PT_SIM_USER, NULL), PT_SIM_EXC_PF);
	pt_paddr_t spare = vmf_frame(f);
	bool used;
	assert_int_equal(pt_vmspace_cow_fault(&c, UVA, spare, &used), PT_OK);
	assert_true(used);
	assert_int_equal(vmf_harmful(f), 0);
	assert_int_equal(vmf_access(f, last, UVA, PT_SIM_WRITE, PT_SIM_USER, &pa), PT_SIM_EXC_NONE);
	assert_int_equal(pa, spare);
	uint64_t v;
	pt_sim_ram_read(f->ram, spare, &v, sizeof(v));
	assert_int_equal(v, 0x1111);
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	assert_int_equal(refs(pas[0]), 1);
	assert_int_equal(refs(spare), 1);
	return spare;
}

/* The parent's fault on the now unshared frame: W back, no flush, no copy. */
static void parent_fault_stage(const pt_paddr_t *pas)
{
	pt_paddr_t pa;
	bool used;
	vmf_on(f, 0);
	assert_int_equal(pt_vmspace_activate_asid(&p, 0), PT_OK);
	vmf_reset_counters(f);
	pt_paddr_t spare2 = vmf_frame(f);
	assert_int_equal(pt_vmspace_cow_fault(&p, UVA, spare2, &used), PT_OK);
	assert_false(used);
	pt_sim_ram_put(f->ram, spare2);
	for (unsigned cpu = 0; cpu < f->nr_cpus; cpu++) {
		assert_int_equal(vmf_flushes(f, cpu, PT_SIM_FLUSH_INVLPG), 0);
		assert_int_equal(vmf_full_flushes(f, cpu), 0);
	}
	assert_int_equal(vmf_harmful(f), 0);
	assert_int_equal(vmf_access(f, 0, UVA, PT_SIM_WRITE, PT_SIM_USER, &pa), PT_SIM_EXC_NONE);
	assert_int_equal(pa, pas[0]);
	/* A second fault on a writable page changes nothing. */
	assert_int_equal(pt_vmspace_cow_fault(&p, UVA, 0, &used), PT_OK);
	assert_false(used);
	assert_int_equal(pt_vmspace_cow_fault(&p, 8 * VMF_2M, 0, &used), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_cow_fault(&p, UVA + 64 * VMF_PAGE, 0, &used), PT_ERR_NOT_MAPPED);
}

static void test_fork_cow(void **state)
{
	(void)state;
	pt_paddr_t pas[4];
	fork_stage(pas);
	pt_paddr_t spare = child_fault_stage(pas);
	parent_fault_stage(pas);

	/* The parent dies: the child keeps the shared frames alone. */
	for (unsigned cpu = 0; cpu < f->nr_cpus; cpu++) {
		vmf_on(f, cpu);
		assert_int_equal(pt_vmspace_activate_asid(&c, 0), PT_OK);
	}
	vmf_on(f, 0);
	assert_int_equal(pt_vmspace_destroy(&p), PT_OK);
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	assert_true(pt_sim_ram_is_poisoned(f->ram, pas[0]));
	for (unsigned i = 1; i < 4; i++)
		assert_int_equal(refs(pas[i]), 1);
	assert_int_equal(refs(spare), 1);
	vmf_assert_no_poison(f);
}

static void test_fork_site(void **state)
{
	(void)state;
	pt_paddr_t pas[4];
	parent_pages(pas);
	vmf_hooks.flush_off = 1u << PT_SITE_FORK;
	assert_int_equal(pt_vmspace_fork(&p, &c, UVA, 4 * VMF_PAGE), PT_OK);
	assert_true(vmf_harmful(f) > 0);
	/* The parent still writes the frame its child now shares. */
	assert_int_equal(vmf_access(f, 0, UVA, PT_SIM_WRITE, PT_SIM_USER, NULL), PT_SIM_EXC_NONE);
}

static void cow_copy_scenario(bool off)
{
	pt_paddr_t pas[4];
	bool used;
	parent_pages(pas);
	assert_int_equal(pt_vmspace_fork(&p, &c, UVA, 4 * VMF_PAGE), PT_OK);
	vmf_run_everywhere(f, &c, 0);
	vmf_touch_all(f, UVA, 1, PT_SIM_USER);
	if (off)
		vmf_hooks.flush_off = 1u << PT_SITE_COW_COPY;
	vmf_reset_counters(f);
	assert_int_equal(pt_vmspace_cow_fault(&c, UVA, vmf_frame(f), &used), PT_OK);
	assert_true(used);
}

static void test_cow_copy_site(void **state)
{
	(void)state;
	cow_copy_scenario(true);
	assert_true(vmf_harmful(f) > 0);
}

static void test_cow_copy(void **state)
{
	(void)state;
	cow_copy_scenario(false);
	assert_int_equal(vmf_harmful(f), 0);
	for (unsigned cpu = 0; cpu < f->nr_cpus; cpu++)
		assert_int_equal(vmf_flushes(f, cpu, PT_SIM_FLUSH_INVLPG), 1);
}

struct iotlb_log {
	unsigned nr;
	struct pt_flush_req last;
};

static void iotlb_record(void *ctx, const struct pt_flush_req *req)
{
	struct iotlb_log *log = ctx;
	log->nr++;
	log->last = *req;
}

/* One IOMMU domain shared by three devices; it translates through the
 * simulator's walker, has no kernel half, no CPU and no id, its flushes go
 * to the device hook alone, and it goes with its last handle. */
static void test_iommu(void **state)
{
	(void)state;
	struct pt_vmspace dma, dev[3];
	struct iotlb_log log = { 0 };
	pt_paddr_t pas[2], pa;
	assert_int_equal(pt_vmspace_create_iommu(&dma, &f->env, NULL, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_create_iommu(&dma, &f->env, iotlb_record, &log), PT_OK);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pt_vmspace_create_shared(&dev[i], &dma), PT_OK);
	assert_int_equal(pt_table_root_paddr(&dev[2].table), pt_table_root_paddr(&dma.table));
	vmf_map_frames(f, &dev[0], 0x10000, 2, PT_RW | PT_ACCESSED | PT_DIRTY, pas);
	assert_int_equal(pt_vmspace_activate_asid(&dev[1], 0), PT_ERR_INVAL);
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &dma.table, 0xffff800000000000ull, VMF_PAGE), PT_ERR_RANGE);

	/* A device's walk: CPU 0 borrowed, CR3 = the table, then given back. */
	struct pt_sim_cpu *cpu = pt_sim_cpu_current();
	uint64_t cr3 = pt_sim_cpu_regs(cpu).cr3;
	assert_int_equal(pt_sim_cpu_write_cr3(cpu, pt_table_root_paddr(&dev[2].table)), PT_SIM_EXC_NONE);
	assert_int_equal(vmf_access(f, 0, 0x11000, PT_SIM_WRITE, PT_SIM_SUPERVISOR, &pa), PT_SIM_EXC_NONE);
	assert_int_equal(pa, pas[1]);
	assert_int_equal(vmf_access(f, 0, 0x12000, PT_SIM_READ, PT_SIM_SUPERVISOR, NULL), PT_SIM_EXC_PF);
	vmf_reset_counters(f);
	assert_int_equal(pt_vmspace_unmap(&dev[1], 0x10000, 2 * VMF_PAGE, NULL, NULL), PT_OK);
	/* One device invalidation of both pages, nothing sent to a CPU. */
	assert_int_equal(log.nr, 1);
	assert_int_equal(log.last.kind, PT_FLUSH_PAGES);
	assert_int_equal(log.last.va, 0x10000);
	assert_int_equal(log.last.nr_pages, 2);
	for (unsigned i = 0; i < f->nr_cpus; i++)
		assert_int_equal(vmf_flushes(f, i, PT_SIM_FLUSH_INVLPG), 0);
	assert_int_equal(pt_vmspace_fork(&dev[0], &dev[1], 0, VMF_2M), PT_ERR_INVAL);
	assert_int_equal(pt_sim_cpu_write_cr3(cpu, cr3), PT_SIM_EXC_NONE);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pt_vmspace_destroy(&dev[i]), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&dma), PT_OK);
	vmf_assert_no_poison(f);
	assert_true(pt_sim_ram_is_poisoned(f->ram, pas[0]));
}

struct fork_view {
	enum pt_err err;
	pt_paddr_t pa;
	uint16_t flags;
};

static const pt_vaddr_t fork_vas[] = {
	UVA, UVA + VMF_PAGE, UVA + 3 * VMF_PAGE, 8 * VMF_2M, 9 * VMF_2M + 5 * VMF_PAGE,
	VMF_1G + 7 * VMF_PAGE, VMF_1G + 0x30 * VMF_PAGE, VMF_1G + VMF_2M,
};
#define NR_FORK_VAS (sizeof(fork_vas) / sizeof(fork_vas[0]))

static void fork_view(struct pt_vmspace *t, struct fork_view *v)
{
	memset(v, 0, NR_FORK_VAS * sizeof(*v));
	for (size_t i = 0; i < NR_FORK_VAS; i++) {
		struct pt_item leaf = { 0 };
		v[i].err = pt_table_translate(&t->table, fork_vas[i], &v[i].pa, &leaf);
		v[i].flags = leaf.prop.flags;
	}
}

/* Fork fails at every allocation in turn: the parent, every reference and
 * every CPU's view stay as they were, the child range stays unmapped. */
static void test_fork_oom(void **state)
{
	(void)state;
	pt_paddr_t pas[4], far[2];
	struct fork_view before[NR_FORK_VAS], now[NR_FORK_VAS];
	parent_pages(pas);
	vmf_map_range(&p, 8 * VMF_2M, 16 * VMF_2M, 2 * VMF_2M, PT_RW | PT_USER | PT_ACCESSED);
	vmf_map_frames(f, &p, VMF_1G + 7 * VMF_PAGE, 1, VMF_USER_RW, &far[0]);
	vmf_map_frames(f, &p, VMF_1G + 0x30 * VMF_PAGE, 1, PT_R | PT_USER, &far[1]);
	/* An empty child table where the parent has a 2 MiB leaf. */
	assert_int_equal(pt_vmspace_unmap(&c, 9 * VMF_2M, 8 * VMF_PAGE, NULL, NULL), PT_OK);
	if (f->nr_cpus > 1) {
		vmf_on(f, f->nr_cpus - 1);
		assert_int_equal(pt_vmspace_activate_asid(&c, 0), PT_OK);
		vmf_on(f, 0);
	}
	fork_view(&p, before);
	enum pt_err err = PT_ERR_NOMEM;
	unsigned n;
	for (n = 1; err == PT_ERR_NOMEM; n++) {
		pt_sim_ram_fail_nth(f->ram, n);
		err = pt_vmspace_fork(&p, &c, 0, 2 * VMF_1G);
		pt_sim_ram_fail_nth(f->ram, 0);
		if (err != PT_ERR_NOMEM)
			break;
		fork_view(&p, now);
		assert_memory_equal(now, before, sizeof(now));
		fork_view(&c, now);
		for (size_t i = 0; i < NR_FORK_VAS; i++)
			assert_int_equal(now[i].err, PT_ERR_NOT_MAPPED);
		f->env.reclaim.ops->drain(f->env.reclaim.ctx);
		assert_int_equal(refs(pas[0]), 1);
		assert_int_equal(refs(far[1]), 1);
		assert_int_equal(vmf_harmful(f), 0);
		assert_int_equal(vmf_access(f, 0, UVA, PT_SIM_WRITE, PT_SIM_USER, NULL), PT_SIM_EXC_NONE);
	}
	assert_int_equal(err, PT_OK);
	assert_true(n > 2);
	assert_int_equal(before[NR_FORK_VAS - 1].err, PT_ERR_NOT_MAPPED);
	fork_view(&c, now);
	for (size_t i = 0; i < NR_FORK_VAS; i++) {
		assert_int_equal(now[i].err, before[i].err);
		assert_int_equal(now[i].pa, before[i].pa);
	}
	assert_int_equal(refs(pas[0]), 2);
	assert_int_equal(refs(far[1]), 2);
	assert_int_equal(now[3].flags, before[3].flags);
	assert_false(now[0].flags & PT_W);
	assert_int_equal(vmf_harmful(f), 0);
}

/* A failed fork keeps the references of the child pages it took back one by
 * one (in a table straddling the range's start) until the child's CPUs have
 * flushed and a grace period passed. */
static void test_fork_undo_keeps_refs(void **state)
{
	(void)state;
	pt_paddr_t first, last;
	/* Grace periods that end only at drain: what one holds back stays visible. */
	struct pt_sync_reclaim sync = { 0 };
	struct pt_reclaim urcu = f->env.reclaim;
	urcu.ops->drain(urcu.ctx);
	f->env.reclaim = pt_sim_reclaim_sync(&sync);
	vmf_map_frames(f, &p, UVA - VMF_PAGE, 1, VMF_USER_RW, &first);
	vmf_map_frames(f, &p, UVA + VMF_2M, 1, VMF_USER_RW, &last);
	if (f->nr_cpus > 1) {
		vmf_on(f, f->nr_cpus - 1);
		assert_int_equal(pt_vmspace_activate_asid(&c, 0), PT_OK);
		vmf_on(f, 0);
	}
	/* The child's path exists: the allocations left are a keeper page and
	 * two level-1 tables, and the copy fails at each in turn. */
	pt_vaddr_t va = UVA - 2 * VMF_PAGE;
	uint64_t len = VMF_2M + 4 * VMF_PAGE;
	struct pt_cursor cc;
	assert_int_equal(pt_cursor_new(&cc, &c.table, va, len), PT_OK);
	pt_cursor_drop(&cc);
	unsigned held = 0;
	enum pt_err err = PT_ERR_NOMEM;
	for (unsigned n = 1; err == PT_ERR_NOMEM; n++) {
		pt_sim_ram_fail_nth(f->ram, n);
		err = pt_vmspace_fork(&p, &c, va, len);
		pt_sim_ram_fail_nth(f->ram, 0);
		if (err != PT_ERR_NOMEM)
			break;
		held += refs(first) == 2;
		f->env.reclaim.ops->drain(f->env.reclaim.ctx);
		assert_int_equal(refs(first), 1);
		assert_int_equal(refs(last), 1);
		assert_int_equal(vmf_harmful(f), 0);
	}
	assert_int_equal(err, PT_OK);
	assert_true(held > 0);
	assert_int_equal(refs(first), 2);
	assert_int_equal(refs(last), 2);
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	f->env.reclaim = urcu;
}

static unsigned leaks;

static void count_leak(struct pt_flusher *fl)
{
	(void)fl;
	leaks++;
}

/* Dropping a flusher with undispatched work is a bug (trap in debug builds). */
static void test_flusher_leak(void **state)
{
	(void)state;
	struct pt_flusher fl;
	pt_paddr_t pas[1];
	vmf_map_frames(f, &p, UVA, 1, VMF_USER_RW, pas);
	vmf_touch_all(f, UVA, 1, PT_SIM_USER);
	vmf_hooks.flusher_leak = count_leak;
	pt_vmspace_flusher_init(&fl, &p);
	pt_flusher_drop(&fl);
	assert_int_equal(leaks, 0);
	pt_flusher_issue(&fl, UVA, VMF_PAGE);
	pt_flusher_drop(&fl);
	assert_int_equal(leaks, 1);
	pt_vmspace_flusher_init(&fl, &p);
	assert_int_equal(pt_flusher_keep_frame(&fl, vmf_frame(f)), PT_OK);
	pt_flusher_drop(&fl);
	assert_int_equal(leaks, 2);
	vmf_hooks.flusher_leak = NULL;
	assert_int_equal(vmf_harmful(f), 0);
}

/* Issued ranges merge; many separate ones become one full flush. */
static void test_flusher_batching(void **state)
{
	(void)state;
	struct pt_flusher fl;
	pt_vmspace_flusher_init(&fl, &p);
	assert_int_equal(fl.threshold, PT_FLUSH_THRESHOLD_DEFAULT);
	pt_flusher_issue(&fl, UVA, VMF_PAGE);
	pt_flusher_issue(&fl, UVA + VMF_PAGE, 2 * VMF_PAGE);
	assert_int_equal(fl.nr_ranges, 1);
	assert_int_equal(fl.ranges[0].nr_pages, 3);
	for (unsigned i = 0; i < PT_FLUSHER_RANGES; i++)
		pt_flusher_issue(&fl, UVA + (2 * i + 8) * VMF_PAGE, VMF_PAGE);
	assert_true(fl.all);
	vmf_reset_counters(f);
	pt_flusher_dispatch(&fl);
	pt_flusher_sync(&fl);
	for (unsigned cpu = 0; cpu < f->nr_cpus; cpu++)
		assert_int_equal(vmf_full_flushes(f, cpu), 1);
}

int main(int argc, char **argv)
{
	nr_cpus = vmf_arg_cpus(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_cow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_site, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cow_copy_site, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cow_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_oom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_undo_keeps_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iommu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flusher_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flusher_batching, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
