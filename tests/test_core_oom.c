/* SPDX-License-Identifier: MIT */
/*
 * Out-of-memory at every allocation of the core: cursor creation, map,
 * map_range, splits in take_next and protect_next, and table creation. Each
 * failure is injected with pt_sim_ram_fail_nth(k) for k = 1, 2, ... until the
 * operation succeeds; no failure may change a translation or leak a frame.
 */
#include "core_util.h"

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

/* The largest number of allocations any single operation below may need. */
#define MAX_K 16

/* Map one tracked page with a cursor standing in a level-3 node of a fresh user table. */
PT_MUST_CHECK static enum pt_err try_map(struct pt_table *u, pt_vaddr_t va, const struct pt_item *it,
			   struct pt_sim_ram *ram, unsigned n)
{
	struct pt_cursor_mut m;
	pt_sim_ram_fail_nth(ram, n);
	enum pt_err err = pt_cursor_mut_new(&m, u, 4 * GiB, 4 * GiB);
	if (err == PT_OK) {
		assert_int_equal(pt_cursor_jump(&m.c, va), PT_OK);
		err = pt_cursor_map(&m, it);
		pt_cursor_mut_drop(&m);
	}
	pt_sim_ram_fail_nth(ram, 0);
	return err;
}

static void oom_cursor_and_map(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	pt_paddr_t frame = th_frame(&h);
	pt_vaddr_t va = 5 * GiB + 3 * MiB + 0x7000;
	struct pt_item it = cu_item(frame, 1, PT_RW | PT_USER, true);
	unsigned n;
	for (n = 1; n <= MAX_K; n++) {
		assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
		enum pt_err err = try_map(&u, va, &it, h.ram, n);
		if (err == PT_OK)
			break;
		assert_int_equal(err, PT_ERR_NOMEM);
		th_assert_unmapped(&u, va);
		/* The caller keeps its reference when map fails. */
		assert_int_equal(pt_sim_ram_refcount(h.ram, frame), 1);
		/* Empty tables may remain; destroying the table must free them. */
		assert_int_equal(pt_table_destroy(&u), PT_OK);
		th_drain(&h);
		assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use,
				 1 + th_kernel_slots());
		assert_false(pt_sim_ram_is_poisoned(h.ram, frame));
	}
	/* The levels below the root down to L3 (cursor creation), L2 and L1 (map). */
	assert_int_equal(n, h.fmt->levels);
	th_assert_maps(&u, va + 0x123, frame + 0x123, 1, PT_RW | PT_USER);
	assert_int_equal(th_unmap(&u, 0, cu_wide()), 1);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_drain(&h);
	assert_true(pt_sim_ram_is_poisoned(h.ram, frame));   /* the unmap released our only ref */
	th_fini(&h);
}

/* map_range is all or nothing: the table is exactly unchanged after each failure. */
static void oom_map_range(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	/* Something already there, so the range reuses one table and needs new ones. */
	assert_int_equal(th_map_range(&e, 1 * GiB - 4 * MiB, 0, 0x1000, RW), PT_OK);
	pt_vaddr_t va = 1 * GiB - 2 * MiB - 0x2000;
	uint64_t len = 1 * GiB + 4 * MiB + 0x4000;
	pt_paddr_t pa = 8 * MiB - 0x2000;
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &e, va, len), PT_OK);
	struct th_snap before = th_snapshot(&h, &e);
	unsigned failures = 0;
	enum pt_err err = PT_ERR_NOMEM;
	for (unsigned n = 1; n <= MAX_K; n++) {
		pt_sim_ram_fail_nth(h.ram, n);
		err = pt_cursor_map_range(&m, pa, len, RW);
		pt_sim_ram_fail_nth(h.ram, 0);
		if (err == PT_OK)
			break;
		assert_int_equal(err, PT_ERR_NOMEM);
		failures++;
		th_assert_same(before, th_snapshot(&h, &e));
		assert_int_equal(pt_cursor_virt_addr(&m.c), va);
		th_assert_unmapped(&e, va);
		th_assert_unmapped(&e, va + len - 1);
	}
	assert_int_equal(err, PT_OK);
	/* L2 at 1G, L1 at 1G-2M, L1 at 2G: the L2 at 0 and the L1 at 1G-4M exist. */
	assert_int_equal(failures, 3);
	pt_cursor_mut_drop(&m);
	for (uint64_t off = 0; off < len; off += 1 * MiB)
		th_assert_maps(&e, va + off, pa + off, 0, PT_RW);
	th_assert_maps(&e, va + len - 1, pa + len - 1, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* One split-needing operation: take_next (unmap) or protect_next of 4K inside a 1G leaf. */
PT_MUST_CHECK static enum pt_err split_op(struct pt_cursor_mut *m, bool unmap, struct pt_frag *f)
{
	if (unmap)
		return pt_cursor_take_next(m, 0x1000, f);
	struct pt_protect ro = { PT_W, 0, -1 };
	pt_vaddr_t va;
	uint64_t len;
	bool found;
	enum pt_err err = pt_cursor_protect_next(m, 0x1000, ro, &va, &len, &found);
	if (err == PT_OK) {
		assert_true(found);
		assert_int_equal(len, 0x1000);
	}
	return err;
}

static void oom_split(bool unmap)
{
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	/* Two 1G leaves (a cursor on exactly one 1G slot would stand below it). */
	assert_int_equal(th_map_range(&e, 1 * GiB, 1 * GiB, 2 * GiB, RW), PT_OK);
	th_assert_maps(&e, 1 * GiB, 1 * GiB, 3, PT_RW);
	pt_vaddr_t va = 1 * GiB + 6 * MiB + 0x3000;
	unsigned failures = 0;
	enum pt_err err = PT_ERR_NOMEM;
	for (unsigned n = 1; n <= MAX_K; n++) {
		struct pt_cursor_mut m;
		struct pt_frag f;
		assert_int_equal(pt_cursor_mut_new(&m, &e, va, 0x1000), PT_OK);
		struct th_snap before = th_snapshot(&h, &e);
		pt_sim_ram_fail_nth(h.ram, n);
		err = split_op(&m, unmap, &f);
		pt_sim_ram_fail_nth(h.ram, 0);
		if (err == PT_OK) {
			if (unmap) {
				assert_int_equal(f.kind, PT_FRAG_MAPPED);
				assert_int_equal(f.va, va);
				assert_int_equal(f.item.pa, va);
				pt_frag_release(e.env, &f);
			}
			pt_cursor_mut_drop(&m);
			break;
		}
		assert_int_equal(err, PT_ERR_NOMEM);
		failures++;
		th_assert_same(before, th_snapshot(&h, &e));
		pt_cursor_mut_drop(&m);
		th_assert_maps(&e, va, va, 3, PT_RW);
	}
	assert_int_equal(err, PT_OK);
	assert_int_equal(failures, 2);          /* 1G -> 2M table, 2M -> 4K table */
	if (unmap)
		th_assert_unmapped(&e, va);
	else
		th_assert_maps(&e, va, va, 1, PT_R);
	th_assert_maps(&e, va + 0x1000, va + 0x1000, 1, PT_RW);
	th_assert_maps(&e, va + 2 * MiB, va + 2 * MiB, 2, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void oom_take_next_split(void **state)
{
	(void)state;
	oom_split(true);
}

static void oom_protect_next_split(void **state)
{
	(void)state;
	oom_split(false);
}

static void oom_table_creation(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u, e;
	th_init(&h, 64 * MiB);
	unsigned n;
	for (n = 1; n <= 1024; n++) {
		pt_sim_ram_fail_nth(h.ram, n);
		enum pt_err err = pt_table_create_kernel(&k, &h.env);
		pt_sim_ram_fail_nth(h.ram, 0);
		if (err == PT_OK)
			break;
		assert_int_equal(err, PT_ERR_NOMEM);
		assert_int_equal(pt_sim_ram_stats(h.ram).frames_in_use, 0);   /* nothing leaked */
	}
	assert_int_equal(n, 2 + th_kernel_slots());       /* root + the upper half */
	uint64_t tables = pt_sim_ram_stats(h.ram).tables_in_use;
	pt_sim_ram_fail_nth(h.ram, 1);
	assert_int_equal(pt_table_create_user(&u, &k), PT_ERR_NOMEM);
	pt_sim_ram_fail_nth(h.ram, 1);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_ERR_NOMEM);
	pt_sim_ram_fail_nth(h.ram, 0);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables);
	assert_int_equal(pt_table_destroy(&k), PT_OK);                       /* no user counted */
	th_fini(&h);
}

/* Frames mapped when the table is destroyed: the table drops its references. */
static void destroy_drops_tracked_frames(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	pt_paddr_t only = th_frame(&h), shared = th_frame(&h), kframe = th_frame(&h);
	struct pt_item a = cu_item(only, 1, PT_RW | PT_USER, true);
	struct pt_item b = cu_item(shared, 1, PT_R | PT_USER, true);
	struct pt_item kc = cu_item(kframe, 1, PT_RW, true);
	cu_map(&u, 0x10000, &a);
	pt_sim_ram_get(h.ram, shared);
	cu_map(&u, 3 * GiB, &b);
	cu_map(&k, th_kernel_base() + 0x10000, &kc);
	assert_int_equal(pt_sim_ram_refcount(h.ram, shared), 2);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	th_drain(&h);
	assert_true(pt_sim_ram_is_poisoned(h.ram, only));
	assert_false(pt_sim_ram_is_poisoned(h.ram, shared));
	assert_int_equal(pt_sim_ram_refcount(h.ram, shared), 1);
	assert_int_equal(pt_sim_ram_refcount(h.ram, kframe), 1);   /* the kernel half is not freed */
	pt_sim_ram_put(h.ram, shared);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_drain(&h);
	assert_true(pt_sim_ram_is_poisoned(h.ram, kframe));
	th_fini(&h);
}

/* A detached fragment holding tracked frames drops them when released. */
static void released_fragment_drops_frames(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_paddr_t fr[3];
	for (unsigned i = 0; i < 3; i++) {
		fr[i] = th_frame(&h);
		struct pt_item it = cu_item(fr[i], 1, PT_RW, true);
		cu_map(&e, 2 * GiB + 2 * MiB * i + 0x1000 * i, &it);
	}
	pt_sim_ram_get(h.ram, fr[1]);
	struct pt_cursor_mut m;
	struct pt_frag f;
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0, cu_wide()), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, cu_wide(), &f), PT_OK);
	/* A cursor covering a whole 512G slot detaches the table below it whole. */
	bool whole = cu_wide() == cu_size(4);
	assert_int_equal(f.kind, PT_FRAG_TABLE);
	assert_int_equal(f.va, whole ? 0 : 2 * GiB);
	assert_int_equal(f.len, whole ? cu_wide() : 1 * GiB);
	assert_int_equal(f.nr_frames, 3);
	pt_frag_release(e.env, &f);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	pt_cursor_mut_drop(&m);
	th_drain(&h);
	assert_true(pt_sim_ram_is_poisoned(h.ram, fr[0]));
	assert_int_equal(pt_sim_ram_refcount(h.ram, fr[1]), 1);
	assert_true(pt_sim_ram_is_poisoned(h.ram, fr[2]));
	pt_sim_ram_put(h.ram, fr[1]);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oom_cursor_and_map),
		cmocka_unit_test(oom_map_range),
		cmocka_unit_test(oom_take_next_split),
		cmocka_unit_test(oom_protect_next_split),
		cmocka_unit_test(oom_table_creation),
		cmocka_unit_test(destroy_drops_tracked_frames),
		cmocka_unit_test(released_fragment_drops_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
