/* SPDX-License-Identifier: MIT */
/*
 * Cursors allocate only what they map (issue 14): operations on never-mapped
 * space leave the table's frames as they were and cannot fail for memory,
 * failed calls leave nothing behind, and a cursor over exactly one aligned
 * huge slot places a huge leaf there. Frame counts are read before and
 * after; leaf levels are read back.
 */
#include <pt/vm.h>

#include "core_util.h"
#include "../src/core/node.h"

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

static uint64_t tables(struct th *h)
{
	return pt_sim_ram_stats(h->ram).tables_in_use;
}

/* Unmap from a table no CPU runs: a cursor and a flusher with no target. */
PT_MUST_CHECK static enum pt_err unmap_no_cpu(struct pt_table *t, pt_vaddr_t va, uint64_t len)
{
	struct pt_flush_target none = { 0 };
	struct pt_flusher fl;
	struct pt_cursor_mut m;
	enum pt_err err = pt_cursor_mut_new(&m, t, va, len);
	if (err != PT_OK)
		return err;
	pt_flusher_init(&fl, t->env, &none);
	err = pt_cursor_unmap(&m, &fl, len, NULL);
	pt_cursor_mut_drop(&m);
	pt_flusher_sync(&fl);
	return err;
}

struct kfx {
	struct th h;
	struct pt_vmspace k, u;
};

static void kfx_init(struct kfx *x)
{
	th_init(&x->h, 64 * MiB);
	assert_int_equal(pt_vmspace_create_kernel(&x->k, &x->h.env), PT_OK);
	assert_int_equal(pt_vmspace_create_user(&x->u, &x->k), PT_OK);
}

static void kfx_fini(struct kfx *x)
{
	assert_int_equal(pt_vmspace_destroy(&x->u), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&x->k), PT_OK);
	th_fini(&x->h);
}

/* Every scanning operation over the hole [va, va + len) of @t; none may allocate. */
static void scan_hole(struct th *h, struct pt_vmspace *vs, pt_vaddr_t va, uint64_t len)
{
	struct pt_table *t = &vs->table;
	uint64_t before = tables(h);
	struct pt_cursor c;
	struct pt_cursor_mut m;
	struct pt_query q;
	struct pt_frag f;
	pt_vaddr_t found, got_va;
	uint64_t got_len;
	bool ok;
	struct pt_protect ro = { PT_W, 0, -1 };

	assert_int_equal(pt_cursor_new(&c, t, va, len), PT_OK);
	assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
	assert_false(q.mapped);
	assert_int_equal(pt_cursor_find_next(&c, len, &found, &ok), PT_OK);
	assert_false(ok);
	pt_cursor_drop(&c);
	assert_int_equal(tables(h), before);

	assert_int_equal(pt_cursor_mut_new(&m, t, va, len), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, len, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	assert_int_equal(pt_cursor_jump(&m.c, va), PT_OK);
	assert_int_equal(pt_cursor_protect_next(&m, len, ro, &got_va, &got_len, &ok), PT_OK);
	assert_false(ok);
	pt_cursor_mut_drop(&m);
	assert_int_equal(tables(h), before);

	assert_int_equal(pt_vmspace_unmap(vs, va, len, NULL, NULL), PT_OK);
	assert_int_equal(pt_vmspace_protect(vs, va, len, ro), PT_OK);
	bool used = true;
	pt_paddr_t spare = th_frame(h);
	assert_int_equal(pt_vmspace_cow_fault(vs, va, spare, &used), PT_ERR_NOT_MAPPED);
	assert_false(used);
	pt_sim_ram_put(h->ram, spare);
	th_drain(h);
	assert_int_equal(tables(h), before);
}

/* The issue's holes: a fresh user table, a table with a neighbour, and with failing memory. */
static void holes_allocate_nothing(void **state)
{
	(void)state;
	struct kfx x;
	kfx_init(&x);
	uint64_t fresh = tables(&x.h);
	scan_hole(&x.h, &x.u, 1 * GiB + 0x3000, 0x1000);
	scan_hole(&x.h, &x.u, 6 * MiB, 2 * MiB);
	scan_hole(&x.h, &x.u, 0, cu_wide());
	assert_int_equal(tables(&x.h), fresh);
	/* Next to a mapping: the level-1 table exists, the hole beside it stays a hole. */
	cu_map(&x.u.table, 4 * MiB, &(struct pt_item){ 0x5000, 1, RW, false });
	uint64_t with_page = tables(&x.h);
	assert_int_equal(with_page, fresh + x.h.fmt->levels - 1);
	scan_hole(&x.h, &x.u, 4 * MiB + 0x1000, 0x1000);
	scan_hole(&x.h, &x.u, 8 * MiB, 0x1000);
	scan_hole(&x.h, &x.u, 2 * GiB, 0x1000);
	/* With every allocation failing, nothing changes and nothing fails. */
	pt_sim_ram_fail_nth(x.h.ram, 1);
	uint64_t before = tables(&x.h);
	struct pt_cursor c;
	struct pt_query q;
	assert_int_equal(pt_cursor_new(&c, &x.u.table, 3 * GiB, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
	pt_cursor_drop(&c);
	assert_int_equal(pt_vmspace_unmap(&x.u, 3 * GiB, 0x1000, NULL, NULL), PT_OK);
	assert_int_equal(pt_vmspace_protect(&x.u, 3 * GiB, 0x1000, (struct pt_protect){ PT_W, 0, -1 }),
			 PT_OK);
	pt_sim_ram_fail_nth(x.h.ram, 0);
	assert_int_equal(tables(&x.h), before);
	th_assert_maps(&x.u.table, 4 * MiB, 0x5000, 1, PT_RW);
	kfx_fini(&x);
}

/* A kernel hole: the root's children exist, nothing below them is created. */
static void kernel_hole_allocates_nothing(void **state)
{
	(void)state;
	struct kfx x;
	kfx_init(&x);
	uint64_t before = tables(&x.h);
	pt_vaddr_t kb = th_kernel_base();
	struct pt_cursor c;
	struct pt_query q;
	assert_int_equal(pt_cursor_new(&c, &x.k.table, kb + 2 * MiB, 0x1000), PT_OK);
	assert_int_equal(c.guard_level, x.h.fmt->levels - 1);
	assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
	assert_false(q.mapped);
	pt_cursor_drop(&c);
	assert_int_equal(pt_vmspace_unmap(&x.k, kb + 2 * MiB, 0x1000, NULL, NULL), PT_OK);
	assert_int_equal(tables(&x.h), before);
	kfx_fini(&x);
}

/* Map @it through a cursor over exactly its page; check the leaf and the tables built. */
static void map_exact(struct th *h, struct pt_table *t, pt_vaddr_t va, struct pt_item it,
		      uint64_t new_tables)
{
	uint64_t before = tables(h);
	cu_map(t, va, &it);
	th_assert_maps(t, va, it.pa, it.level, PT_RW);
	th_assert_maps(t, va + cu_size(it.level) - 1, it.pa + cu_size(it.level) - 1, it.level,
		       PT_RW);
	assert_int_equal(tables(h), before + new_tables);
}

/* A cursor over exactly one aligned huge slot maps a huge leaf there (map and map_range). */
static void exact_slot_takes_huge_leaf(void **state)
{
	(void)state;
	struct kfx x;
	kfx_init(&x);
	const struct pt_format *f = x.h.fmt;
	unsigned levels = f->levels;
	for (pt_level_t l = 2; l <= f->max_leaf_level && l < levels; l++) {
		uint64_t size = cu_size(l);
		pt_vaddr_t va = size < 1 * GiB ? 1 * GiB + size : 4 * size;
		if (va + 2 * size > cu_user_end())
			break;
		struct pt_table u;
		assert_int_equal(pt_table_create_user(&u, &x.k.table), PT_OK);
		/* Fresh table: the tables from the root's child down to level l. */
		map_exact(&x.h, &u, va, cu_item(2 * size, l, PT_RW, false), levels - l);
		uint64_t before = tables(&x.h);
		assert_int_equal(th_map_range(&u, va + size, 4 * size, size, RW), PT_OK);
		th_assert_maps(&u, va + size, 4 * size, l, PT_RW);
		assert_int_equal(tables(&x.h), before);
		assert_int_equal(cu_count_leaves(&u, va, 2 * size, 0), 2);
		/* And out again, through the same kind of cursor. */
		assert_int_equal(th_unmap(&u, va, size), 1);
		assert_int_equal(th_unmap(&u, va + size, size), 1);
		th_assert_unmapped(&u, va);
		assert_int_equal(pt_table_destroy(&u), PT_OK);
	}
	/* The kernel-root rule stays: no leaf of the root's level in a kernel table. */
	if (f->max_leaf_level >= levels) {
		struct pt_cursor_mut m;
		pt_vaddr_t kb = th_kernel_base();
		uint64_t before = tables(&x.h);
		assert_int_equal(pt_cursor_mut_new(&m, &x.k.table, kb, cu_size(levels)), PT_OK);
		struct pt_item root_leaf = cu_item(0, levels, PT_RW, false);
		assert_int_equal(pt_cursor_map(&m, &root_leaf), PT_ERR_LEVEL);
		pt_cursor_mut_drop(&m);
		assert_int_equal(tables(&x.h), before);
	}
	kfx_fini(&x);
}

/* The issue's cases: a read-only cursor over [2M, 4M) then a 2M map; map_range of 2M and 1G. */
static void issue_examples(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	uint64_t fresh = tables(&h);
	struct pt_cursor c;
	assert_int_equal(pt_cursor_new(&c, &e, 2 * MiB, 2 * MiB), PT_OK);
	pt_cursor_drop(&c);
	assert_int_equal(tables(&h), fresh);
	cu_map_in(&e, 0, 1 * GiB, 2 * MiB, 8 * MiB, 2 * MiB, RW);
	th_assert_maps(&e, 2 * MiB, 8 * MiB, 2, PT_RW);
	assert_int_equal(tables(&h), fresh + h.fmt->levels - 2);
	/* map_range through a cursor over exactly [4M, 6M): one 2M leaf. */
	assert_int_equal(th_map_range(&e, 4 * MiB, 10 * MiB, 2 * MiB, RW), PT_OK);
	th_assert_maps(&e, 4 * MiB, 10 * MiB, 2, PT_RW);
	assert_int_equal(cu_count_leaves(&e, 0, 1 * GiB, 0), 2);
	/* map_range T 0 0 1G: one 1G leaf where the format has them. */
	if (h.fmt->max_leaf_level >= 3 && 2 * GiB <= cu_user_end()) {
		assert_int_equal(th_map_range(&e, 1 * GiB, 0, 1 * GiB, RW), PT_OK);
		th_assert_maps(&e, 1 * GiB, 0, 3, PT_RW);
		assert_int_equal(cu_count_leaves(&e, 1 * GiB, 1 * GiB, 0), 1);
	}
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* A huge map over an empty child table left from before: PT_ERR_MAPPED, nothing changes. */
static void empty_child_table_blocks_huge_map(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_frag f;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	cu_map(&e, 2 * MiB + 0x1000, &(struct pt_item){ 0x1000, 1, RW, false });
	assert_int_equal(pt_cursor_mut_new(&m, &e, 2 * MiB + 0x1000, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	pt_cursor_mut_drop(&m);
	struct th_snap before = th_snapshot(&h, &e);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 2 * MiB, 2 * MiB), PT_OK);
	struct pt_item huge = cu_item(0, 2, PT_RW, false);
	assert_int_equal(pt_cursor_map(&m, &huge), PT_ERR_MAPPED);
	assert_int_equal(pt_cursor_map_range(&m, 0, 2 * MiB, RW), PT_ERR_MAPPED);
	pt_cursor_mut_drop(&m);
	th_assert_same(before, th_snapshot(&h, &e));
	/* Unmapping the slot takes the table (freed after the flush); then the leaf goes in. */
	uint64_t n = tables(&h);
	assert_int_equal(unmap_no_cpu(&e, 2 * MiB, 2 * MiB), PT_OK);
	th_drain(&h);
	assert_int_equal(tables(&h), n - 1);
	assert_int_equal(th_map_range(&e, 2 * MiB, 0, 2 * MiB, RW), PT_OK);
	th_assert_maps(&e, 2 * MiB, 0, 2, PT_RW);
	assert_int_equal(tables(&h), n - 1);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* PT_ERR_NOMEM from a map at any depth leaves no table behind. */
static void map_nomem_leaves_nothing(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	unsigned need = h.fmt->levels - 1;
	for (unsigned k = 1; k <= need; k++) {
		struct th_snap before = th_snapshot(&h, &e);
		struct pt_cursor_mut m;
		struct pt_item it = cu_item(0x1000, 1, PT_RW, false);
		assert_int_equal(pt_cursor_mut_new(&m, &e, 5 * GiB % cu_user_end(), 0x1000), PT_OK);
		pt_sim_ram_fail_nth(h.ram, k);
		assert_int_equal(pt_cursor_map(&m, &it), PT_ERR_NOMEM);
		pt_sim_ram_fail_nth(h.ram, 0);
		pt_cursor_mut_drop(&m);
		th_assert_same(before, th_snapshot(&h, &e));
	}
	uint64_t before = tables(&h);
	cu_map(&e, 5 * GiB % cu_user_end(), &(struct pt_item){ 0x1000, 1, RW, false });
	assert_int_equal(tables(&h), before + need);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* A fork into a child that holds a mapping fails before touching either table. */
static void failed_fork_leaves_frames(void **state)
{
	(void)state;
	struct kfx x;
	struct pt_vmspace child;
	kfx_init(&x);
	assert_int_equal(pt_vmspace_create_user(&child, &x.k), PT_OK);
	pt_paddr_t fr = th_frame(&x.h);
	cu_map(&x.u.table, 8 * MiB, &(struct pt_item){ fr, 1, { PT_RW | PT_USER, PT_CACHE_WB }, true });
	cu_map(&child.table, 1 * GiB + 0x1000, &(struct pt_item){ 0x3000, 1, RW, false });
	uint64_t before = tables(&x.h);
	struct th_snap parent = th_snapshot(&x.h, &x.u.table);
	assert_int_equal(pt_vmspace_fork(&x.u, &child, 0, 2 * GiB), PT_ERR_MAPPED);
	th_assert_same(parent, th_snapshot(&x.h, &x.u.table));
	assert_int_equal(tables(&x.h), before);
	assert_int_equal(pt_vmspace_destroy(&child), PT_OK);
	kfx_fini(&x);
}

/* A cursor in a fresh region locks the root; once its map built the tables it holds only its leaf table. */
static void fresh_region_guard_drops(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m, n;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 1 * GiB, 0x1000), PT_OK);
	assert_int_equal(m.c.guard_level, h.fmt->levels);
	assert_int_equal(atomic_load(&e.root->lock), 1);
	struct pt_item it = cu_item(0x1000, 1, PT_RW, false);
	assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	assert_int_equal(m.c.guard_level, 1);
	assert_int_equal(atomic_load(&e.root->lock), 0);
	/* The neighbouring page's cursor gets its own lock on the same leaf table only after ours. */
	assert_true(node_trylock(m.c.path[1]) == false);
	pt_cursor_mut_drop(&m);
	assert_int_equal(pt_cursor_mut_new(&n, &e, 1 * GiB + 0x1000, 0x1000), PT_OK);
	assert_int_equal(n.c.guard_level, 1);
	assert_int_equal(atomic_load(&e.root->lock), 0);
	pt_cursor_mut_drop(&n);
	/* map_range in a fresh region does the same. */
	assert_int_equal(pt_cursor_mut_new(&m, &e, 3 * GiB % cu_user_end(), 0x3000), PT_OK);
	assert_int_equal(pt_cursor_map_range(&m, 0, 0x3000, RW), PT_OK);
	assert_int_equal(m.c.guard_level, 1);
	assert_int_equal(atomic_load(&e.root->lock), 0);
	pt_cursor_mut_drop(&m);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(holes_allocate_nothing),
		cmocka_unit_test(kernel_hole_allocates_nothing),
		cmocka_unit_test(exact_slot_takes_huge_leaf),
		cmocka_unit_test(issue_examples),
		cmocka_unit_test(empty_child_table_blocks_huge_map),
		cmocka_unit_test(map_nomem_leaves_nothing),
		cmocka_unit_test(failed_fork_leaves_frames),
		cmocka_unit_test(fresh_region_guard_drops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
