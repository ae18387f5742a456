/* SPDX-License-Identifier: MIT */
/* Core scenarios: tables, map/query/unmap/protect, huge pages and splits, navigation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "harness.h"

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

static void tables_create_and_destroy(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u, e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, 1 + th_kernel_slots());
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_not_equal(pt_table_root_paddr(&u), pt_table_root_paddr(&k));
	assert_int_equal(pt_table_destroy(&k), PT_ERR_BUSY);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void map_query_unmap_tracked(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_paddr_t frame = th_frame(&h);
	struct pt_item item = { frame, 1, { PT_RW | PT_USER, PT_CACHE_WB }, true };

	assert_int_equal(pt_cursor_mut_new(&m, &e, 0x7000, 0x2000), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &item), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 0x8000);
	assert_int_equal(pt_cursor_jump(&m.c, 0x7000), PT_OK);
	struct pt_query q;
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_true(q.mapped);
	assert_int_equal(q.va, 0x7000);
	assert_int_equal(q.len, 0x1000);
	assert_int_equal(q.item.pa, frame);
	assert_true(q.item.tracked);
	assert_int_equal(q.item.prop.flags, PT_RW | PT_USER);
	pt_cursor_mut_drop(&m);

	th_assert_maps(&e, 0x7abc, frame + 0xabc, 1, PT_RW | PT_USER);
	assert_int_equal(pt_sim_ram_refcount(h.ram, frame), 1);

	struct pt_frag f;
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0x7000, 0x2000), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 0x2000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	assert_int_equal(f.va, 0x7000);
	assert_int_equal(f.item.pa, frame);
	assert_true(f.item.tracked);
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	pt_cursor_mut_drop(&m);
	th_assert_unmapped(&e, 0x7000);
	assert_int_equal(pt_sim_ram_refcount(h.ram, frame), 1);   /* handed back to us */
	pt_sim_ram_put(h.ram, frame);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/*
 * A taken table's tracked leaves are put when it is reclaimed, in batches
 * through frame_put_many if the platform has it, one frame_put each if not.
 */
static void release_tracked_table(bool batched)
{
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_frag f;
	enum { PAGES = 300 };       /* more than one batch */
	th_init(&h, 64 * MiB);
	struct pt_physmem_ops ops = *h.env.mem.ops;
	if (!batched)
		ops.frame_put_many = NULL;
	assert_true(batched == (ops.frame_put_many != NULL));
	h.env.mem.ops = &ops;
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_paddr_t frames[PAGES];
	assert_int_equal(pt_cursor_mut_new(&m, &e, 2 * MiB, 2 * MiB), PT_OK);
	for (unsigned i = 0; i < PAGES; i++) {
		frames[i] = th_frame(&h);
		struct pt_item item = { frames[i], 1, RW, true };
		assert_int_equal(pt_cursor_map(&m, &item), PT_OK);
	}
	pt_cursor_mut_drop(&m);
	pt_sim_ram_get(h.ram, frames[7]);       /* still held elsewhere: survives */
	assert_int_equal(pt_sim_ram_stats(h.ram).data_in_use, PAGES);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 2 * MiB, 2 * MiB), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 2 * MiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_TABLE);
	pt_frag_release(e.env, &f);
	pt_cursor_mut_drop(&m);
	th_drain(&h);
	assert_int_equal(pt_sim_ram_stats(h.ram).data_in_use, 1);
	assert_int_equal(pt_sim_ram_refcount(h.ram, frames[7]), 1);
	for (unsigned i = 0; i < PAGES; i++)
		assert_int_equal(pt_sim_ram_kind(h.ram, frames[i]), i == 7 ? PT_FRAME_DATA : PT_FRAME_FREE);
	pt_sim_ram_put(h.ram, frames[7]);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void release_tracked_table_batched(void **state)
{
	(void)state;
	release_tracked_table(true);
}

static void release_tracked_table_per_frame(void **state)
{
	(void)state;
	release_tracked_table(false);
}

/* The decomposition example of the reference: 4K, 2M, 1G, 4K, 4K. */
static void largest_pages_decomposition(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_vaddr_t va = 0x3fdff000, end = 0x80002000;
	assert_int_equal(th_map_range(&e, va, va, end - va, RW), PT_OK);
	th_assert_maps(&e, 0x3fdff000, 0x3fdff000, 1, PT_RW);
	th_assert_maps(&e, 0x3fe00000, 0x3fe00000, 2, PT_RW);
	th_assert_maps(&e, 0x40000000, 0x40000000, 3, PT_RW);
	th_assert_maps(&e, 0x7fffffff, 0x7fffffff, 3, PT_RW);
	th_assert_maps(&e, 0x80000000, 0x80000000, 1, PT_RW);
	th_assert_maps(&e, 0x80001000, 0x80001000, 1, PT_RW);
	th_assert_unmapped(&e, 0x80002000);
	th_assert_unmapped(&e, 0x3fdfe000);
	/* Unmapping a 4K page in the middle of the 1G leaf splits it twice. */
	assert_int_equal(th_unmap(&e, 0x50001000, 0x1000), 1);
	th_assert_unmapped(&e, 0x50001000);
	th_assert_maps(&e, 0x50000000, 0x50000000, 1, PT_RW);
	th_assert_maps(&e, 0x50002000, 0x50002000, 1, PT_RW);
	th_assert_maps(&e, 0x50200000, 0x50200000, 2, PT_RW);
	th_assert_maps(&e, 0x40000000, 0x40000000, 2, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* PA not 1 GiB aligned: no 1 GiB leaf even though VA is. */
static void pa_alignment_limits_page_size(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 1 * GiB, 2 * MiB, 2 * GiB, RW), PT_OK);
	th_assert_maps(&e, 1 * GiB, 2 * MiB, 2, PT_RW);
	th_assert_maps(&e, 3 * GiB - 1, 2 * GiB + 2 * MiB - 1, 2, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void take_next_detaches_covered_table(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_frag f;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 513 * 4 * KiB, 0x100000, 4 * KiB, RW), PT_OK);
	uint64_t tables = pt_sim_ram_stats(h.ram).tables_in_use;
	/* A cursor over [0, 2M + 4M) stands in the level-2 table: the 2M slot's table goes. */
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0, 6 * MiB), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 6 * MiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_TABLE);
	assert_int_equal(f.va, 2 * MiB);
	assert_int_equal(f.len, 2 * MiB);
	assert_int_equal(f.nr_frames, 1);
	pt_frag_release(e.env, &f);
	assert_int_equal(pt_cursor_take_next(&m, 2 * MiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 6 * MiB);
	pt_cursor_mut_drop(&m);
	th_drain(&h);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables - 1);
	/* One over exactly [0, 1G) stands in its parent's slot: the whole level-2 table goes. */
	assert_int_equal(th_map_range(&e, 513 * 4 * KiB, 0x100000, 4 * KiB, RW), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0, 1 * GiB), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 1 * GiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_TABLE);
	assert_int_equal(f.va, 0);
	assert_int_equal(f.len, 1 * GiB);
	assert_int_equal(f.nr_frames, 1);
	pt_frag_release(e.env, &f);
	pt_cursor_mut_drop(&m);
	th_drain(&h);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables - 2);
	th_assert_unmapped(&e, 513 * 4 * KiB);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void protect_splits_huge_leaf(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 1 * GiB - 2 * MiB, 2 * MiB, 1 * GiB + 4 * MiB, RW), PT_OK);
	th_assert_maps(&e, 1 * GiB - 2 * MiB, 2 * MiB, 2, PT_RW);
	struct pt_protect ro = { PT_W, 0, -1 };
	assert_int_equal(th_protect(&e, 1 * GiB - 2 * MiB + 8 * KiB, 8 * KiB, ro), 2);
	th_assert_maps(&e, 1 * GiB - 2 * MiB + 8 * KiB, 2 * MiB + 8 * KiB, 1, PT_R);
	th_assert_maps(&e, 1 * GiB - 2 * MiB + 12 * KiB, 2 * MiB + 12 * KiB, 1, PT_R);
	th_assert_maps(&e, 1 * GiB - 2 * MiB + 4 * KiB, 2 * MiB + 4 * KiB, 1, PT_RW);
	th_assert_maps(&e, 1 * GiB - 2 * MiB + 16 * KiB, 2 * MiB + 16 * KiB, 1, PT_RW);
	th_assert_maps(&e, 1 * GiB, 4 * MiB, 2, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void user_tables_see_later_kernel_mappings(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u1, u2;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u1, &k), PT_OK);
	pt_vaddr_t kva = th_kernel_base() + 5 * GiB;
	struct pt_prop glb = { PT_RW | PT_GLOBAL, PT_CACHE_WB };
	assert_int_equal(th_map_range(&k, kva, 0x200000, 4 * MiB, glb), PT_OK);
	assert_int_equal(pt_table_create_user(&u2, &k), PT_OK);
	th_assert_maps(&u1, kva + 0x1234, 0x201234, 2, PT_RW | PT_GLOBAL);
	th_assert_maps(&u2, kva + 0x1234, 0x201234, 2, PT_RW | PT_GLOBAL);
	/* A user cursor cannot reach the kernel half. */
	struct pt_cursor c;
	assert_int_equal(pt_cursor_new(&c, &u1, kva, 4 * KiB), PT_ERR_RANGE);
	assert_int_equal(th_map_range(&u1, 0x1000, 0x1000, 0x1000, glb), PT_ERR_GLOBAL_USER);
	assert_int_equal(pt_table_destroy(&u1), PT_OK);
	assert_int_equal(pt_table_destroy(&u2), PT_OK);
	th_assert_maps(&k, kva, 0x200000, 2, 0);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

struct root_copy {
	pt_pte_t ptes[512];
	bool seen;
};

static void copy_root(void *ctx, pt_paddr_t pa, pt_level_t level, const pt_pte_t *ptes, unsigned nr)
{
	struct root_copy *rc = ctx;
	if (rc->seen)
		return;
	rc->seen = true;
	for (unsigned i = 0; i < nr && i < 512; i++)
		rc->ptes[i] = ptes[i];
}

/* A user root shares the kernel's upper entries, or on a split-root format holds none. */
static void user_root_kernel_entries(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u;
	struct root_copy kr = { { 0 }, false }, ur = { { 0 }, false };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	assert_int_equal(th_map_range(&u, 0, 0x1000, 0x1000, RW), PT_OK);
	assert_int_equal(pt_table_for_each_node(&k, copy_root, &kr), PT_OK);
	assert_int_equal(pt_table_for_each_node(&u, copy_root, &ur), PT_OK);
	unsigned n = pt_fmt_nr_entries(h.fmt), shared = 0, kernel_slots = 0;
	for (unsigned i = 0; i < n; i++) {
		kernel_slots += kr.ptes[i] != 0;
		shared += kr.ptes[i] && ur.ptes[i] == kr.ptes[i];
	}
	assert_int_equal(kernel_slots, th_kernel_slots());
	assert_int_equal(shared, h.fmt->split_root ? 0 : th_kernel_slots());
	/* The kernel table does not see the user mapping; the user table sees the kernel's. */
	th_assert_unmapped(&k, 0);
	assert_int_equal(th_map_range(&k, th_kernel_base(), 0x2000, 0x1000,
				      pt_prop_make(PT_RW | PT_GLOBAL, PT_CACHE_WB)), PT_OK);
	th_assert_maps(&u, th_kernel_base(), 0x2000, 1, PT_RW | PT_GLOBAL);
	th_assert_maps(&u, 0, 0x1000, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

static void top_of_kernel_space(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k;
	struct pt_cursor_mut m;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	pt_vaddr_t last = 0ull - 4 * KiB;
	assert_int_equal(pt_cursor_mut_new(&m, &k, last - 4 * MiB, 4 * MiB + 4 * KiB), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, last), PT_OK);
	struct pt_item item = { 0x5000, 1, { PT_RW, PT_CACHE_WB }, false };
	assert_int_equal(pt_cursor_map(&m, &item), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 0);
	struct pt_query q;
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_ERR_VADDR);
	assert_int_equal(pt_cursor_jump(&m.c, last - 4 * MiB), PT_OK);
	pt_vaddr_t found;
	bool ok;
	assert_int_equal(pt_cursor_find_next(&m.c, 4 * MiB + 4 * KiB, &found, &ok), PT_OK);
	assert_true(ok);
	assert_int_equal(found, last);
	pt_cursor_mut_drop(&m);
	th_assert_maps(&k, 0ull - 1, 0x5fff, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_create_and_destroy),
		cmocka_unit_test(map_query_unmap_tracked),
		cmocka_unit_test(largest_pages_decomposition),
		cmocka_unit_test(pa_alignment_limits_page_size),
		cmocka_unit_test(take_next_detaches_covered_table),
		cmocka_unit_test(protect_splits_huge_leaf),
		cmocka_unit_test(user_tables_see_later_kernel_mappings),
		cmocka_unit_test(top_of_kernel_space),
		cmocka_unit_test(user_root_kernel_entries),
		cmocka_unit_test(release_tracked_table_batched),
		cmocka_unit_test(release_tracked_table_per_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
