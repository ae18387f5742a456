/* SPDX-License-Identifier: MIT */
/*
 * Splitting huge leaves (partial unmap and protect), what take_next detaches,
 * and copy-on-write fork built from cursor operations.
 */
#include "core_util.h"

/* RW, user, a software bit, a cache policy other than WB (set in main for the format). */
static struct pt_prop RICH;
static const struct pt_protect RO = { PT_W, PT_SW0, -1 };

/* Every 4K page of [va, va + len) maps pa + offset with @prop at @level, except @hole. */
static void assert_linear(struct pt_table *t, pt_vaddr_t va, pt_paddr_t pa, uint64_t len,
			  pt_level_t level, struct pt_prop prop, pt_vaddr_t hole)
{
	for (uint64_t off = 0; off < len; off += 0x1000) {
		if (va + off == hole)
			continue;
		pt_paddr_t got;
		struct pt_item leaf;
		assert_int_equal(pt_table_translate(t, va + off + 0x10, &got, &leaf), PT_OK);
		assert_int_equal(got, pa + off + 0x10);
		assert_int_equal(leaf.level, level);
		assert_true(pt_prop_eq(leaf.prop, prop));
	}
}

/* A 2M leaf loses one page: 511 exact 4K leaves remain, one new table. */
static void split_2m(bool unmap)
{
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_vaddr_t va = 6 * MiB;
	pt_paddr_t pa = 40 * MiB;
	assert_int_equal(th_map_range(&e, va - 2 * MiB, pa - 2 * MiB, 6 * MiB, RICH), PT_OK);
	uint64_t tables = pt_sim_ram_stats(h.ram).tables_in_use;
	pt_vaddr_t hole = va + 0x5000;
	if (unmap)
		assert_int_equal(th_unmap(&e, hole, 0x1000), 1);
	else
		assert_int_equal(th_protect(&e, hole, 0x1000, RO), 1);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables + 1);
	struct pt_prop changed = pt_protect_apply(RO, RICH);
	if (unmap)
		th_assert_unmapped(&e, hole);
	else
		th_assert_maps(&e, hole + 0x20, pa + 0x5020, 1, changed.flags);
	assert_linear(&e, va, pa, 2 * MiB, 1, RICH, hole);
	assert_int_equal(cu_count_leaves(&e, va, 2 * MiB, 1), unmap ? 511 : 512);
	/* The neighbouring 2M leaves are untouched. */
	assert_linear(&e, va - 2 * MiB, pa - 2 * MiB, 2 * MiB, 2, RICH, 0);
	assert_linear(&e, va + 2 * MiB, pa + 2 * MiB, 2 * MiB, 2, RICH, 0);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void split_2m_by_unmap(void **state)
{
	(void)state;
	split_2m(true);
}

static void split_2m_by_protect(void **state)
{
	(void)state;
	split_2m(false);
}

/* A 1G leaf loses one page: split recursively, only the touched 2M slot goes to 4K. */
static void split_1g(bool unmap)
{
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_vaddr_t va = 2 * GiB;
	pt_paddr_t pa = 5 * GiB;
	assert_int_equal(th_map_range(&e, va, pa, 2 * GiB, RICH), PT_OK);
	th_assert_maps(&e, va, pa, 3, RICH.flags);
	uint64_t tables = pt_sim_ram_stats(h.ram).tables_in_use;
	pt_vaddr_t slot = va + 7 * 2 * MiB, hole = slot + 0x3000;
	if (unmap)
		assert_int_equal(th_unmap(&e, hole, 0x1000), 1);
	else
		assert_int_equal(th_protect(&e, hole, 0x1000, RO), 1);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables + 2);
	assert_int_equal(cu_count_leaves(&e, va, 1 * GiB, 2), 511);
	assert_int_equal(cu_count_leaves(&e, va, 1 * GiB, 1), unmap ? 511 : 512);
	for (unsigned i = 0; i < 512; i++) {
		pt_vaddr_t s = va + i * 2 * MiB;
		if (s == slot)
			assert_linear(&e, s, pa + i * 2 * MiB, 2 * MiB, 1, RICH, hole);
		else
			th_assert_maps(&e, s + 0x1234, pa + i * 2 * MiB + 0x1234, 2, RICH.flags);
	}
	if (!unmap)
		th_assert_maps(&e, hole, pa + (hole - va), 1, pt_protect_apply(RO, RICH).flags);
	th_assert_maps(&e, va + 1 * GiB, pa + 1 * GiB, 3, RICH.flags);   /* the next 1G */
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void split_1g_by_unmap(void **state)
{
	(void)state;
	split_1g(true);
}

static void split_1g_by_protect(void **state)
{
	(void)state;
	split_1g(false);
}

/* Removing a 2M-aligned 2M piece of a 1G leaf splits once and takes a 2M leaf. */
static void split_1g_take_2m_piece(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_frag f;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 0, 0, 2 * GiB, RICH), PT_OK);
	uint64_t tables = pt_sim_ram_stats(h.ram).tables_in_use;
	/* The range ends inside the next 2M: that leaf is split too, partly taken. */
	assert_int_equal(pt_cursor_mut_new(&m, &e, 4 * MiB, 2 * MiB + 0x2000), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 2 * MiB + 0x2000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	assert_int_equal(f.va, 4 * MiB);
	assert_int_equal(f.len, 2 * MiB);
	assert_int_equal(f.item.level, 2);
	assert_int_equal(f.item.pa, 4 * MiB);
	assert_true(pt_prop_eq(f.item.prop, RICH));
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pt_cursor_take_next(&m, 0x2000 - i * 0x1000, &f), PT_OK);
		assert_int_equal(f.kind, PT_FRAG_MAPPED);
		assert_int_equal(f.va, 6 * MiB + i * 0x1000);
		assert_int_equal(f.item.level, 1);
		assert_int_equal(f.item.pa, 6 * MiB + i * 0x1000);
	}
	assert_int_equal(pt_cursor_take_next(&m, 0, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	pt_cursor_mut_drop(&m);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables + 2);
	th_assert_maps(&e, 2 * MiB, 2 * MiB, 2, RICH.flags);
	th_assert_unmapped(&e, 5 * MiB);
	th_assert_unmapped(&e, 6 * MiB + 0x1000);
	th_assert_maps(&e, 6 * MiB + 0x2000, 6 * MiB + 0x2000, 1, RICH.flags);
	th_assert_maps(&e, 8 * MiB, 8 * MiB, 2, RICH.flags);
	th_assert_maps(&e, 1 * GiB, 1 * GiB, 3, RICH.flags);
	/* The first page of the other 1G leaf: 2M-aligned but too short, split twice. */
	assert_int_equal(th_unmap(&e, 1 * GiB, 0x1000), 1);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables + 4);
	th_assert_unmapped(&e, 1 * GiB);
	th_assert_maps(&e, 1 * GiB + 0x1000, 1 * GiB + 0x1000, 1, RICH.flags);
	th_assert_maps(&e, 1 * GiB + 2 * MiB, 1 * GiB + 2 * MiB, 2, RICH.flags);
	/* Releasing an empty fragment is a no-op. */
	struct pt_frag none = { .kind = PT_FRAG_NONE };
	pt_frag_release(e.env, &none);
	assert_int_equal(none.kind, PT_FRAG_NONE);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* Protect with no change rewrites nothing but still reports every slot. */
static void protect_unchanged_writes_nothing(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 0x1000, 0x1000, 0x3000, RICH), PT_OK);
	cu_map_in(&e, 0, 1 * GiB, 2 * MiB, 2 * MiB, 2 * MiB, RICH);
	th_assert_maps(&e, 2 * MiB, 2 * MiB, 2, RICH.flags);
	struct th_snap before = th_snapshot(&h, &e);
	struct pt_protect same = { PT_X, PT_USER, (int8_t)RICH.cache };
	assert_int_equal(th_protect(&e, 0, 4 * MiB, same), 4);
	th_assert_same(before, th_snapshot(&h, &e));
	struct pt_protect uc = { 0, 0, PT_CACHE_UC };
	assert_int_equal(th_protect(&e, 0, 4 * MiB, uc), 4);
	pt_paddr_t pa;
	struct pt_item leaf;
	assert_int_equal(pt_table_translate(&e, 3 * MiB, &pa, &leaf), PT_OK);
	assert_int_equal(leaf.prop.cache, PT_CACHE_UC);
	assert_int_equal(leaf.prop.flags, RICH.flags);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void take_next_whole_and_partial_tables(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_frag f;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	/* 1G..2G: three 4K pages in one L1 table and a 2M leaf; 4M: three pages. */
	assert_int_equal(th_map_range(&e, 1 * GiB + 0x1000, 0, 0x3000, RICH), PT_OK);
	cu_map_in(&e, 1 * GiB, 1 * GiB, 1 * GiB + 4 * MiB, 0, 2 * MiB, RICH);
	assert_int_equal(th_map_range(&e, 4 * MiB, 0, 0x3000, RICH), PT_OK);
	/* Partly covered: individual leaves. */
	assert_int_equal(pt_cursor_mut_new(&m, &e, 4 * MiB, 0x2000), PT_OK);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pt_cursor_take_next(&m, 0x2000 - i * 0x1000, &f), PT_OK);
		assert_int_equal(f.kind, PT_FRAG_MAPPED);
		assert_int_equal(f.va, 4 * MiB + i * 0x1000);
		assert_int_equal(f.len, 0x1000);
		assert_int_equal(f.item.pa, i * 0x1000);
	}
	pt_cursor_mut_drop(&m);
	th_assert_maps(&e, 4 * MiB + 0x2000, 0x2000, 1, 0);
	/* Fully covered: one fragment per covered child table. */
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0, 4 * GiB), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 4 * GiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_TABLE);
	assert_int_equal(f.va, 0);
	assert_int_equal(f.len, 1 * GiB);
	assert_int_equal(f.nr_frames, 1);
	pt_frag_release(e.env, &f);
	assert_int_equal(pt_cursor_take_next(&m, 3 * GiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_TABLE);
	assert_int_equal(f.va, 1 * GiB);
	assert_int_equal(f.len, 1 * GiB);
	assert_int_equal(f.nr_frames, 3);      /* the 2M leaf is not counted */
	assert_int_equal(pt_cursor_virt_addr(&m.c), 2 * GiB);
	pt_frag_release(e.env, &f);
	assert_int_equal(pt_cursor_take_next(&m, 2 * GiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 4 * GiB);
	pt_cursor_mut_drop(&m);
	th_assert_unmapped(&e, 1 * GiB + 4 * MiB);
	th_assert_unmapped(&e, 4 * MiB + 0x2000);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* A page mapped and taken out again by a cursor on it alone: its empty tables stay. */
static void leave_empty_table(struct pt_table *t, pt_vaddr_t va)
{
	struct pt_cursor_mut m;
	struct pt_frag f;
	assert_int_equal(th_map_range(t, va, 0x1000, 0x1000, pt_prop_make(PT_RW, PT_CACHE_WB)), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&m, t, va, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	pt_cursor_mut_drop(&m);
}

/* Empty child tables left by unmapping are reclaimed when an unmap covers them. */
static void take_next_reclaims_empty_tables(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	leave_empty_table(&e, 8 * MiB);
	leave_empty_table(&e, 16 * MiB);
	uint64_t tables = pt_sim_ram_stats(h.ram).tables_in_use;
	assert_int_equal(tables, h.fmt->levels + 1);
	/* find_next skips empty tables; take_next detaches them with no frames. */
	assert_int_equal(cu_count_leaves(&e, 0, 1 * GiB, 0), 0);
	struct pt_cursor_mut m;
	struct pt_frag f;
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0, 1 * GiB - 2 * MiB), PT_OK);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t rest = 1 * GiB - 2 * MiB - pt_cursor_virt_addr(&m.c);
		assert_int_equal(pt_cursor_take_next(&m, rest, &f), PT_OK);
		assert_int_equal(f.kind, PT_FRAG_TABLE);
		assert_int_equal(f.va, (8 + 8 * i) * MiB);
		assert_int_equal(f.len, 2 * MiB);
		assert_int_equal(f.nr_frames, 0);
		pt_frag_release(e.env, &f);
	}
	pt_cursor_mut_drop(&m);
	th_drain(&h);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables - 2);
	/* A partly covered empty table is not reclaimed. */
	leave_empty_table(&e, 8 * MiB);
	assert_int_equal(th_unmap(&e, 8 * MiB, 1 * MiB), 0);
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables - 1);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* The kernel's root children are permanent: unmapping everything keeps them. */
static void kernel_root_children_never_detached(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	pt_vaddr_t kb = th_kernel_base();
	uint64_t slot = cu_size(h.fmt->levels);
	struct pt_prop glb = { PT_RW | PT_GLOBAL, PT_CACHE_WB };
	assert_int_equal(th_map_range(&k, kb + 0x1000, 0x1000, 0x1000, glb), PT_OK);
	assert_int_equal(th_map_range(&k, kb + slot + 2 * MiB, 0, 2 * MiB, glb), PT_OK);
	th_assert_maps(&k, kb + slot + 2 * MiB, 0, 2, glb.flags);    /* one 2M leaf */
	uint64_t tables = pt_sim_ram_stats(h.ram).tables_in_use;
	struct pt_cursor_mut m;
	struct pt_frag f;
	assert_int_equal(pt_cursor_mut_new(&m, &k, kb, 0ull - kb), PT_OK);
	unsigned n = 0;
	for (;; n++) {
		uint64_t rest = (0ull - kb) - (pt_cursor_virt_addr(&m.c) - kb);
		assert_int_equal(pt_cursor_take_next(&m, rest, &f), PT_OK);
		if (f.kind == PT_FRAG_NONE)
			break;
		assert_true(f.len < slot);
		pt_frag_release(k.env, &f);
	}
	pt_cursor_mut_drop(&m);
	assert_int_equal(n, 2);
	th_drain(&h);
	th_assert_unmapped(&u, kb + 0x1000);
	/* Below the first root child: levels 2..levels-2; below the second: the 2M leaf's table. */
	assert_int_equal(pt_sim_ram_stats(h.ram).tables_in_use, tables - (h.fmt->levels - 2) - (h.fmt->levels - 3));
	/* The user table still shares the kernel half: later mappings show through. */
	assert_int_equal(th_map_range(&k, kb + 0x5000, 0x5000, 0x1000, glb), PT_OK);
	th_assert_maps(&u, kb + 0x5000, 0x5000, 1, glb.flags);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

/* Copy the mappings of [va, va + len) of @parent into @child copy-on-write. */
static unsigned cow_fork(struct th *h, struct pt_table *parent, struct pt_table *child,
			 pt_vaddr_t va, uint64_t len)
{
	struct pt_cursor_mut pm, cm;
	unsigned copied = 0;
	assert_int_equal(pt_cursor_mut_new(&pm, parent, va, len), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&cm, child, va, len), PT_OK);
	for (;;) {
		pt_vaddr_t at, pva;
		uint64_t plen;
		bool ok;
		struct pt_query q;
		uint64_t rest = len - (pt_cursor_virt_addr(&pm.c) - va);
		assert_int_equal(pt_cursor_find_next(&pm.c, rest, &at, &ok), PT_OK);
		if (!ok)
			break;
		assert_int_equal(pt_cursor_query(&pm.c, &q), PT_OK);
		assert_true(q.mapped && q.item.tracked);
		struct pt_protect nw = { PT_W, 0, -1 };
		assert_int_equal(pt_cursor_protect_next(&pm, q.len, nw, &pva, &plen, &ok), PT_OK);
		assert_true(ok);
		assert_int_equal(pva, at);
		pt_sim_ram_get(h->ram, q.item.pa);
		struct pt_item it = q.item;
		it.prop = pt_protect_apply(nw, it.prop);
		assert_int_equal(pt_cursor_jump(&cm.c, at), PT_OK);
		assert_int_equal(pt_cursor_map(&cm, &it), PT_OK);
		copied++;
	}
	pt_cursor_mut_drop(&cm);
	pt_cursor_mut_drop(&pm);
	return copied;
}

static void cow_fork_from_cursor_ops(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, parent, child, sibling;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&parent, &k), PT_OK);
	assert_int_equal(pt_table_create_user(&child, &k), PT_OK);
	pt_vaddr_t va = 0x400000 + 0x3000;
	pt_paddr_t frame = th_frame(&h);
	struct pt_item it = cu_item(frame, 1, PT_RW | PT_USER, true);
	cu_map(&parent, va, &it);
	assert_int_equal(pt_sim_ram_refcount(h.ram, frame), 1);
	assert_int_equal(cow_fork(&h, &parent, &child, 0, 1 * GiB), 1);
	assert_int_equal(pt_sim_ram_refcount(h.ram, frame), 2);
	th_assert_maps(&parent, va, frame, 1, PT_R | PT_USER);
	th_assert_maps(&child, va, frame, 1, PT_R | PT_USER);
	assert_int_equal(pt_table_destroy(&parent), PT_OK);
	th_drain(&h);
	th_assert_maps(&child, va + 0x10, frame + 0x10, 1, PT_R | PT_USER);
	assert_int_equal(pt_sim_ram_refcount(h.ram, frame), 1);
	assert_false(pt_sim_ram_is_poisoned(h.ram, frame));

	/* The child is now a parent; it unmaps before forking a sibling. */
	assert_int_equal(th_unmap(&child, va, 0x1000), 1);
	assert_true(pt_sim_ram_is_poisoned(h.ram, frame));
	assert_int_equal(pt_table_create_user(&sibling, &k), PT_OK);
	assert_int_equal(cow_fork(&h, &child, &sibling, 0, 1 * GiB), 0);
	th_assert_unmapped(&sibling, va);
	assert_int_equal(pt_table_destroy(&sibling), PT_OK);
	assert_int_equal(pt_table_destroy(&child), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	RICH = cu_rich_prop();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_2m_by_unmap),
		cmocka_unit_test(split_2m_by_protect),
		cmocka_unit_test(split_1g_by_unmap),
		cmocka_unit_test(split_1g_by_protect),
		cmocka_unit_test(split_1g_take_2m_piece),
		cmocka_unit_test(protect_unchanged_writes_nothing),
		cmocka_unit_test(take_next_whole_and_partial_tables),
		cmocka_unit_test(take_next_reclaims_empty_tables),
		cmocka_unit_test(kernel_root_children_never_detached),
		cmocka_unit_test(cow_fork_from_cursor_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
