/* SPDX-License-Identifier: MIT */
/*
 * Regression tests for bugs the fuzzers (fuzz/) found or guard against. Each
 * test names the input shape that triggered it; see fuzz/README.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "harness.h"

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

/* A 1 GiB leaf at [0, 1 GiB) of an empty table. */
static void map_1g_at_zero(struct pt_table *t)
{
	struct pt_cursor_mut m;
	struct pt_item item = { 0, 3, RW, false };
	assert_int_equal(pt_cursor_mut_new(&m, t, 0, 2 * GiB), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &item), PT_OK);
	pt_cursor_mut_drop(&m);
}

/*
 * take_next / protect_next on one 4 KiB page inside a 1 GiB leaf must split
 * it twice (1 GiB -> 2 MiB -> 4 KiB). With the second table allocation
 * failing, the first split used to stay behind: PT_ERR_NOMEM with the table
 * changed, against "every error leaves the table exactly as it was".
 */
static void split_two_levels_nomem_changes_nothing(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	map_1g_at_zero(&e);

	for (uint64_t fail = 1; fail <= 2; fail++) {
		struct pt_cursor_mut m;
		struct pt_frag f;
		pt_vaddr_t va;
		uint64_t len;
		bool found;
		struct pt_protect op = { PT_W, 0, -1 };
		assert_int_equal(pt_cursor_mut_new(&m, &e, 0x1000, 0x1000), PT_OK);
		struct th_snap before = th_snapshot(&h, &e);
		pt_sim_ram_fail_nth(h.ram, fail);
		assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_ERR_NOMEM);
		th_assert_same(before, th_snapshot(&h, &e));
		pt_sim_ram_fail_nth(h.ram, fail);
		assert_int_equal(pt_cursor_protect_next(&m, 0x1000, op, &va, &len, &found),
				 PT_ERR_NOMEM);
		pt_sim_ram_fail_nth(h.ram, 0);
		th_assert_same(before, th_snapshot(&h, &e));
		pt_cursor_mut_drop(&m);
	}
	th_assert_maps(&e, 0x1234, 0x1234, 3, PT_RW);
	assert_int_equal(th_unmap(&e, 0, GiB), 1);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/*
 * take_next used to start scanning at whatever level query had left the
 * cursor: after a query at 0, take_next(2 MiB) removed the 4 KiB leaf but
 * left its empty table, so a 2 MiB map at 0 then failed with PT_ERR_MAPPED.
 * A table lying wholly inside the range is detached whole, always.
 */
static void take_next_after_query_detaches_table(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_query q;
	struct pt_frag f;
	struct pt_item small = { 0x5000, 1, RW, false }, huge = { 0x200000, 2, RW, false };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0, 1 * GiB), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &small), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 0), PT_OK);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_int_equal(q.item.level, 1);
	assert_int_equal(pt_cursor_take_next(&m, 2 * MiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_TABLE);
	assert_int_equal(f.va, 0);
	assert_int_equal(f.len, 2 * MiB);
	assert_int_equal(f.nr_frames, 1);
	pt_frag_release(e.env, &f);
	assert_int_equal(pt_cursor_jump(&m.c, 0), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &huge), PT_OK);
	pt_cursor_mut_drop(&m);
	th_assert_maps(&e, 0x1234, 0x201234, 2, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* Missing output arguments are caller mistakes: an error, not a crash, and no change. */
static void null_arguments_are_errors(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 0x1000, 0x1000, 0x1000, RW), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0, 0x4000), PT_OK);
	struct th_snap before = th_snapshot(&h, &e);
	pt_vaddr_t va;
	uint64_t len;
	bool ok;
	assert_int_equal(pt_cursor_map(&m, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_query(&m.c, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_find_next(&m.c, 0x4000, NULL, &ok), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_find_next(&m.c, 0x4000, &va, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_take_next(&m, 0x4000, NULL), PT_ERR_INVAL);
	struct pt_protect op = { PT_W, 0, -1 };
	assert_int_equal(pt_cursor_protect_next(&m, 0x4000, op, NULL, &len, &ok), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_protect_next(&m, 0x4000, op, &va, &len, NULL), PT_ERR_INVAL);
	th_assert_same(before, th_snapshot(&h, &e));
	assert_int_equal(pt_cursor_virt_addr(&m.c), 0);
	pt_cursor_mut_drop(&m);
	th_assert_maps(&e, 0x1000, 0x1000, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_two_levels_nomem_changes_nothing),
		cmocka_unit_test(take_next_after_query_detaches_table),
		cmocka_unit_test(null_arguments_are_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
