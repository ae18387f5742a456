/* SPDX-License-Identifier: MIT */
/*
 * Contracts of the address-space layer (table.c, vm.c, fork.c, activate.c,
 * flush.c) on every format (issue 12): lock order across tables, protect's
 * checks and all-or-nothing, NULL and destroyed handles, destroy while in
 * use, and the cases the headers used to leave open. Each test builds its
 * own tables through the fixture below, so it moves to an address-space
 * object by changing the fixture alone.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static const struct pt_prop RW = { PT_RW | PT_USER, PT_CACHE_WB };
static const struct pt_protect CLEAR_W = { PT_W, 0, -1 };

/* One CPU that does nothing: enough for activation to hold a table. */
static unsigned fake_cpu(void *ctx) { (void)ctx; return 0; }
static void fake_flush(void *ctx, const struct pt_flush_req *r) { (void)ctx; (void)r; }
static void fake_send(void *ctx, pt_cpumask_t c, const struct pt_flush_req *r)
{
	(void)ctx; (void)c; (void)r;
}
static void fake_wait(void *ctx, pt_cpumask_t c) { (void)ctx; (void)c; }
static void fake_load(void *ctx, pt_paddr_t pa, pt_asid_t asid, bool flush)
{
	(void)ctx; (void)pa; (void)asid; (void)flush;
}
/* One CPU: a broadcast invalidation (break-before-make formats) is a local one. */
static const struct pt_tlb_ops fake_tlb = { fake_cpu, fake_flush, fake_send, fake_wait,
					    fake_load, fake_flush };

/* A kernel table and two user tables on th_fmt, one fake CPU. */
struct ctr {
	struct th h;
	struct pt_cpus cpus;
	struct pt_vmspace k, u, v;
};

static int setup(void **state)
{
	struct ctr *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	th_init(&x->h, 64 * MiB);
	pt_cpus_init(&x->cpus);
	x->h.env.tlb = (struct pt_tlb){ .ops = &fake_tlb, .cpus = &x->cpus };
	assert_int_equal(pt_vmspace_create_kernel(&x->k, &x->h.env), PT_OK);
	assert_int_equal(pt_vmspace_create_user(&x->u, &x->k), PT_OK);
	assert_int_equal(pt_vmspace_create_user(&x->v, &x->k), PT_OK);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ctr *x = *state;
	if (x->u.table.root)
		assert_int_equal(pt_vmspace_destroy(&x->u), PT_OK);
	if (x->v.table.root)
		assert_int_equal(pt_vmspace_destroy(&x->v), PT_OK);
	if (x->k.table.root)
		assert_int_equal(pt_vmspace_destroy(&x->k), PT_OK);
	th_fini(&x->h);
	free(x);
	return 0;
}

static void map_frames(struct ctr *x, struct pt_vmspace *t, pt_vaddr_t va, unsigned n,
		       uint16_t flags)
{
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &t->table, va, n * 4 * KiB), PT_OK);
	for (unsigned i = 0; i < n; i++) {
		struct pt_item item = { th_frame(&x->h), 1, pt_prop_make(flags, PT_CACHE_WB), true };
		assert_int_equal(pt_cursor_map(&m, &item), PT_OK);
	}
	pt_cursor_mut_drop(&m);
}

/* Fails the process if a test does not finish in time (a deadlock hangs). */
static void *watchdog(void *arg)
{
	unsigned secs = *(unsigned *)arg;
	sleep(secs);
	fprintf(stderr, "watchdog: no progress after %u s (deadlock?)\n", secs);
	_exit(1);
	return NULL;
}

/* ---- (1) two tables' locks in one global order ---- */

#define FORK_VA (4 * MiB)
#define FORK_LEN (4 * MiB)
#define FORK_ROUNDS 1000

struct forker {
	struct pt_vmspace *from, *to;
	unsigned ok, mapped;
};

static void *fork_loop(void *arg)
{
	struct forker *w = arg;
	for (unsigned i = 0; i < FORK_ROUNDS; i++) {
		enum pt_err err = pt_vmspace_fork(w->from, w->to, FORK_VA, FORK_LEN);
		if (err == PT_OK) {
			w->ok++;
			/* Give the range back so the other direction can copy again. */
			if (pt_vmspace_unmap(w->to, FORK_VA, FORK_LEN, NULL, NULL) != PT_OK)
				abort();
		} else if (err == PT_ERR_MAPPED) {
			w->mapped++;
		} else {
			abort();
		}
	}
	return NULL;
}

/* fork(P, C) and fork(C, P) at once used to lock P then C against C then P. */
static void test_fork_opposite_directions_no_deadlock(void **state)
{
	struct ctr *x = *state;
	unsigned secs = 120;
	pthread_t dog, a, b;
	map_frames(x, &x->u, FORK_VA + 2 * MiB - 32 * KiB, 16, PT_RW | PT_USER);
	struct forker wa = { &x->u, &x->v, 0, 0 }, wb = { &x->v, &x->u, 0, 0 };
	assert_int_equal(pthread_create(&dog, NULL, watchdog, &secs), 0);
	assert_int_equal(pthread_create(&a, NULL, fork_loop, &wa), 0);
	assert_int_equal(pthread_create(&b, NULL, fork_loop, &wb), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_cancel(dog);
	pthread_join(dog, NULL);
	/* u -> v always finds v empty again; v -> u always finds u's pages. */
	assert_int_equal(wa.ok, FORK_ROUNDS);
	assert_int_equal(wb.mapped, FORK_ROUNDS);
}

/* ---- (2) protect checks its operation first ---- */

static void test_protect_checks_op_over_hole(void **state)
{
	struct ctr *x = *state;
	struct pt_protect unknown = { 0, 1u << 12, -1 }, global = { 0, PT_GLOBAL, -1 };
	struct pt_protect bad_cache = { 0, 0, PT_CACHE__COUNT };
	pt_vaddr_t kva = th_kernel_base() + 4 * MiB;
	struct th_snap before = th_snapshot(&x->h, &x->u.table);
	assert_int_equal(pt_vmspace_protect(&x->u, 8 * MiB, 64 * KiB, unknown), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_protect(&x->u, 8 * MiB, 64 * KiB, bad_cache), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_protect(&x->u, 8 * MiB, 64 * KiB, global), PT_ERR_GLOBAL_USER);
	assert_int_equal(pt_vmspace_protect_flush_tlb(&x->k, kva, 64 * KiB, unknown), PT_ERR_INVAL);
	th_assert_same(before, th_snapshot(&x->h, &x->u.table));

	/* The operation is checked before the range, and in the cursor form too. */
	assert_int_equal(pt_vmspace_protect(&x->u, 8 * MiB + 1, 64 * KiB, unknown), PT_ERR_INVAL);
	struct pt_cursor_mut m;
	struct pt_flusher f;
	assert_int_equal(pt_cursor_mut_new(&m, &x->u.table, 8 * MiB, 64 * KiB), PT_OK);
	pt_vmspace_flusher_init(&f, &x->u);
	assert_int_equal(pt_cursor_protect(&m, &f, 64 * KiB, global), PT_ERR_GLOBAL_USER);
	assert_int_equal(pt_cursor_protect(&m, &f, 128 * KiB, unknown), PT_ERR_INVAL);
	pt_cursor_mut_drop(&m);
	pt_flusher_drop(&f);
}

/* ---- (3) protect is all or nothing on NOMEM ---- */

/* A 1 GiB RW leaf at [1 GiB, 2 GiB) and a 2 MiB RW leaf at 2 GiB + 2 MiB. */
static void map_huge_pair(struct pt_vmspace *t)
{
	struct pt_cursor_mut m;
	struct pt_item g = { 1 * GiB, 3, RW, false }, h = { 2 * GiB + 2 * MiB, 2, RW, false };
	assert_int_equal(pt_cursor_mut_new(&m, &t->table, 0, 4 * GiB), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 1 * GiB), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &g), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 2 * GiB + 2 * MiB), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &h), PT_OK);
	pt_cursor_mut_drop(&m);
}

static void test_protect_nomem_all_or_nothing(void **state)
{
	struct ctr *x = *state;
	pt_vaddr_t va = 1 * GiB + 4 * KiB;
	uint64_t len = 1 * GiB + 4 * MiB - 8 * KiB;
	map_huge_pair(&x->u);
	struct th_snap before = th_snapshot(&x->h, &x->u.table);

	/* The case: the third allocation (the tail's split) fails. */
	pt_sim_ram_fail_nth(x->h.ram, 3);
	assert_int_equal(pt_vmspace_protect(&x->u, va, len, CLEAR_W), PT_ERR_NOMEM);
	pt_sim_ram_fail_nth(x->h.ram, 0);
	th_assert_same(before, th_snapshot(&x->h, &x->u.table));

	unsigned fail = 1;
	for (;; fail++) {
		pt_sim_ram_fail_nth(x->h.ram, fail);
		enum pt_err err = pt_vmspace_protect(&x->u, va, len, CLEAR_W);
		pt_sim_ram_fail_nth(x->h.ram, 0);
		if (err == PT_OK)
			break;
		assert_int_equal(err, PT_ERR_NOMEM);
		th_assert_same(before, th_snapshot(&x->h, &x->u.table));
	}
	assert_true(fail > 3);
	th_assert_maps(&x->u.table, 1 * GiB, 1 * GiB, 1, PT_RW | PT_USER);
	th_assert_maps(&x->u.table, va, va, 1, PT_R | PT_USER);
	th_assert_maps(&x->u.table, 1 * GiB + 2 * MiB, 1 * GiB + 2 * MiB, 2, PT_R | PT_USER);
	th_assert_maps(&x->u.table, 2 * GiB + 4 * MiB - 8 * KiB, 2 * GiB + 4 * MiB - 8 * KiB, 1,
		       PT_R | PT_USER);
	th_assert_maps(&x->u.table, 2 * GiB + 4 * MiB - 4 * KiB, 2 * GiB + 4 * MiB - 4 * KiB, 1,
		       PT_RW | PT_USER);
}

/* ---- (4) NULL and destroyed handles ---- */

static void test_destroyed_handles_inval(void **state)
{
	struct ctr *x = *state;
	struct pt_vmspace t, d, copy;
	struct pt_cursor c;
	pt_paddr_t pa, spare = th_frame(&x->h);
	bool used = true;
	assert_int_equal(pt_vmspace_create_user(&d, &x->k), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&d), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&d), PT_ERR_INVAL);
	assert_int_equal(pt_table_shallow_copy(&copy.table, &d.table), PT_ERR_INVAL);
	assert_int_equal(pt_table_translate(&d.table, 0, &pa, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_table_for_each_node(&d.table, NULL, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_table_root_paddr(&d.table), 0);
	assert_int_equal(pt_cursor_new(&c, &d.table, 0, 4 * KiB), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_protect(&d, 0, 4 * KiB, CLEAR_W), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_cow_fault(&d, 0, spare, &used), PT_ERR_INVAL);
	assert_false(used);
	assert_int_equal(pt_vmspace_activate_asid(&d, 0), PT_ERR_INVAL);

	/* A user table of a destroyed kernel table. */
	assert_int_equal(pt_vmspace_destroy(&x->u), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->v), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->k), PT_OK);
	assert_int_equal(pt_vmspace_create_user(&t, &x->k), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_first_activate_unchecked(&x->k), PT_ERR_INVAL);
	pt_sim_ram_put(x->h.ram, spare);
}

static void test_null_handles_inval(void **state)
{
	struct ctr *x = *state;
	struct pt_cursor c;
	struct pt_query q;
	struct pt_frag frag;
	struct pt_item item = { 0, 1, RW, false };
	struct pt_flusher f;
	pt_paddr_t pa, spare = th_frame(&x->h);
	bool used;
	assert_int_equal(pt_vmspace_create_user(NULL, &x->k), PT_ERR_INVAL);
	assert_int_equal(pt_table_shallow_copy(NULL, &x->u.table), PT_ERR_INVAL);
	assert_int_equal(pt_table_translate(NULL, 0, &pa, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_table_translate(&x->u.table, 0, NULL, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_table_for_each_node(NULL, NULL, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_table_root_paddr(NULL), 0);
	assert_int_equal(pt_cursor_query(NULL, &q), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_jump(NULL, 0), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_map(NULL, &item), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_take_next(NULL, 4 * KiB, &frag), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_map_range(NULL, 0, 4 * KiB, RW), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_unmap(NULL, &f, 4 * KiB, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_protect(NULL, &f, 4 * KiB, CLEAR_W), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_cow_fault(NULL, 0, 0, &used), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_fork(NULL, &x->u, 0, 4 * KiB), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_protect_flush_tlb(NULL, 0, 4 * KiB, CLEAR_W), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_activate_asid(NULL, 0), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_first_activate_unchecked(NULL), PT_ERR_INVAL);
	assert_int_equal(pt_flusher_keep_frame(NULL, 0), PT_ERR_INVAL);
	assert_int_equal(pt_flusher_reserve(NULL, 1), PT_ERR_INVAL);

	/* NULL spare_used, and a cursor used or dropped after its drop. */
	map_frames(x, &x->u, 0, 1, PT_R | PT_USER);
	struct th_snap before = th_snapshot(&x->h, &x->u.table);
	assert_int_equal(pt_vmspace_cow_fault(&x->u, 0, spare, NULL), PT_ERR_INVAL);
	th_assert_same(before, th_snapshot(&x->h, &x->u.table));
	assert_int_equal(pt_cursor_new(&c, &x->u.table, 0, 4 * KiB), PT_OK);
	pt_cursor_drop(&c);
	pt_cursor_drop(&c);
	pt_cursor_drop(NULL);
	pt_cursor_mut_drop(NULL);
	assert_int_equal(pt_cursor_query(&c, &q), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_jump(&c, 0), PT_ERR_INVAL);
	/* The cursor is really gone: another one gets the range. */
	assert_int_equal(pt_cursor_new(&c, &x->u.table, 0, 4 * KiB), PT_OK);
	pt_cursor_drop(&c);
	/* The spare refused above is still the caller's, with its one reference. */
	assert_int_equal(pt_sim_ram_refcount(x->h.ram, spare), 1);
	pt_sim_ram_put(x->h.ram, spare);
}

/* ---- (5) destroy while in use ---- */

static void test_destroy_with_open_cursor_busy(void **state)
{
	struct ctr *x = *state;
	struct pt_cursor c;
	map_frames(x, &x->u, 2 * MiB, 4, PT_RW | PT_USER);
	struct th_snap before = th_snapshot(&x->h, &x->u.table);
	/* Guard deep (a level-1 table) and at the root. */
	pt_vaddr_t vas[] = { 2 * MiB, 0 };
	uint64_t lens[] = { 4 * KiB, x->u.table.va_size };
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pt_cursor_new(&c, &x->u.table, vas[i], lens[i]), PT_OK);
		assert_int_equal(pt_vmspace_destroy(&x->u), PT_ERR_BUSY);
		assert_non_null(x->u.table.root);
		pt_cursor_drop(&c);
		th_assert_same(before, th_snapshot(&x->h, &x->u.table));
	}
	/* A cursor on the kernel half does not make a user table busy. */
	assert_int_equal(pt_cursor_new(&c, &x->k.table, th_kernel_base(), 4 * KiB), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->v), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->u), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->k), PT_ERR_BUSY);
	pt_cursor_drop(&c);
}

static void test_destroy_active_busy(void **state)
{
	struct ctr *x = *state;
	struct th_snap before = th_snapshot(&x->h, &x->u.table);
	assert_int_equal(pt_vmspace_first_activate_unchecked(&x->k), PT_OK);
	assert_int_equal(pt_vmspace_activate_asid(&x->u, 0), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->u), PT_ERR_BUSY);
	th_assert_same(before, th_snapshot(&x->h, &x->u.table));
	assert_int_equal(pt_vmspace_activate_asid(&x->k, 0), PT_OK);
	pt_cpu_deactivate(&x->h.env);
}

static void test_destroy_kernel_with_users_busy(void **state)
{
	struct ctr *x = *state;
	struct th_snap before = th_snapshot(&x->h, &x->k.table);
	assert_int_equal(pt_vmspace_destroy(&x->k), PT_ERR_BUSY);
	th_assert_same(before, th_snapshot(&x->h, &x->k.table));
	assert_int_equal(pt_vmspace_destroy(&x->u), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->k), PT_ERR_BUSY);
	assert_int_equal(pt_vmspace_destroy(&x->v), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->k), PT_OK);
}

/* ---- (6) cases the headers now decide ---- */

static void test_cow_fault_on_kernel_refused(void **state)
{
	struct ctr *x = *state;
	pt_vaddr_t kva = th_kernel_base() + 8 * MiB;
	pt_paddr_t spare = th_frame(&x->h);
	bool used = true;
	map_frames(x, &x->k, kva, 1, PT_R);
	struct th_snap before = th_snapshot(&x->h, &x->k.table);
	assert_int_equal(pt_vmspace_cow_fault(&x->k, kva, spare, &used), PT_ERR_INVAL);
	assert_false(used);
	th_assert_same(before, th_snapshot(&x->h, &x->k.table));
	assert_int_equal(pt_vmspace_unmap(&x->k, kva, 4 * KiB, NULL, NULL), PT_OK);
	pt_sim_ram_put(x->h.ram, spare);
}

/* map_range at the cursor's end: length 0 is PT_ERR_RANGE, any other length PT_ERR_LENGTH. */
static void test_map_range_at_end_quirk(void **state)
{
	struct ctr *x = *state;
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &x->u.table, 0, 8 * KiB), PT_OK);
	assert_int_equal(pt_cursor_map_range(&m, 0, 8 * KiB, RW), PT_OK);
	assert_int_equal(pt_cursor_map_range(&m, 0, 0, RW), PT_ERR_RANGE);
	assert_int_equal(pt_cursor_map_range(&m, 0, 4 * KiB, RW), PT_ERR_LENGTH);
	assert_int_equal(pt_cursor_map_range(&m, 0, 1, RW), PT_ERR_UNALIGNED);
	pt_cursor_mut_drop(&m);
	th_unmap(&x->u.table, 0, 8 * KiB);
}

/* protect_next checks its operation before the length: the operation's code wins. */
static void test_protect_next_two_errors(void **state)
{
	struct ctr *x = *state;
	struct pt_cursor_mut m;
	pt_vaddr_t va;
	uint64_t len;
	bool found;
	struct pt_protect global = { 0, PT_GLOBAL, -1 }, unknown = { 1u << 12, 0, -1 };
	assert_int_equal(pt_cursor_mut_new(&m, &x->u.table, 0, 8 * KiB), PT_OK);
	assert_int_equal(pt_cursor_protect_next(&m, 1, global, &va, &len, &found),
			 PT_ERR_GLOBAL_USER);
	assert_int_equal(pt_cursor_protect_next(&m, 16 * KiB, unknown, &va, &len, &found),
			 PT_ERR_INVAL);
	assert_int_equal(pt_cursor_protect_next(&m, 16 * KiB, CLEAR_W, &va, &len, &found),
			 PT_ERR_LENGTH);
	pt_cursor_mut_drop(&m);
}

/* ---- (5) the address-space object (issue 13) ---- */

static void dev_flush_count(void *ctx, const struct pt_flush_req *req)
{
	(void)req;
	(*(unsigned *)ctx)++;
}

/* Kinds, what each refuses, and map all or nothing. */
static void test_vmspace_kinds(void **state)
{
	struct ctr *x = *state;
	struct pt_vmspace dom, shared, bad;
	unsigned dev_flushes = 0;
	assert_ptr_equal(pt_vmspace_table(&x->u), &x->u.table);
	assert_null(pt_vmspace_table(NULL));
	assert_int_equal(pt_vmspace_create_kernel(NULL, &x->h.env), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_create_user(&bad, &x->u), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_create_shared(&bad, &x->k), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_create_shared(&bad, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_create_iommu(&dom, &x->h.env, NULL, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_create_iommu(&dom, &x->h.env, dev_flush_count, &dev_flushes),
			 PT_OK);
	assert_int_equal(pt_vmspace_create_shared(&shared, &dom), PT_OK);
	assert_int_equal(pt_table_root_paddr(&shared.table), pt_table_root_paddr(&dom.table));
	/* A domain has no CPU: never activated, its flushes go to the hook alone. */
	assert_int_equal(pt_vmspace_activate(&dom), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_activate_asid(&shared, 0), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_protect_flush_tlb(&dom, 0, 4 * KiB, CLEAR_W), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_protect_flush_tlb(&x->u, 0, 4 * KiB, CLEAR_W), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_fork(&dom, &x->u, 0, 4 * KiB), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_fork(&x->u, &x->u, 0, 4 * KiB), PT_ERR_INVAL);

	/* map: no flush; a mapping in the way leaves the range as it was. */
	assert_int_equal(pt_vmspace_map(&dom, 2 * MiB, 0x200000, 2 * MiB, RW), PT_OK);
	assert_int_equal(dev_flushes, 0);
	struct th_snap before = th_snapshot(&x->h, &dom.table);
	assert_int_equal(pt_vmspace_map(&shared, 2 * MiB - 4 * KiB, 0x1000, 8 * KiB, RW),
			 PT_ERR_MAPPED);
	th_assert_same(before, th_snapshot(&x->h, &dom.table));
	assert_int_equal(pt_vmspace_map(NULL, 0, 0, 4 * KiB, RW), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_unmap(&shared, 2 * MiB, 2 * MiB, NULL, NULL), PT_OK);
	assert_int_equal(dev_flushes, 1);
	th_assert_unmapped(&dom.table, 2 * MiB);

	/* Each handle's destroy invalidates the devices once more. */
	assert_int_equal(pt_vmspace_destroy(&shared), PT_OK);
	assert_int_equal(dev_flushes, 2);
	assert_int_equal(pt_vmspace_destroy(&dom), PT_OK);
	assert_int_equal(dev_flushes, 3);
	assert_int_equal(pt_vmspace_destroy(NULL), PT_ERR_INVAL);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	if (getenv("PT_TEST_FILTER"))
		cmocka_set_test_filter(getenv("PT_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fork_opposite_directions_no_deadlock),
		T(test_protect_checks_op_over_hole),
		T(test_protect_nomem_all_or_nothing),
		T(test_destroyed_handles_inval),
		T(test_null_handles_inval),
		T(test_destroy_with_open_cursor_busy),
		T(test_destroy_active_busy),
		T(test_destroy_kernel_with_users_busy),
		T(test_cow_fault_on_kernel_refused),
		T(test_map_range_at_end_quirk),
		T(test_protect_next_two_errors),
		T(test_vmspace_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
