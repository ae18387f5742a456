/* SPDX-License-Identifier: MIT */
/*
 * Mapping: the edges of the address space, property round trips at every
 * leaf level, and the largest-pages decomposition of map_range.
 */
#include "core_util.h"

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

/* Map a tracked page at @va of @t and check it through query and translate. */
static void map_and_check_page(struct th *h, struct pt_table *t, pt_vaddr_t va, uint16_t flags)
{
	pt_paddr_t frame = th_frame(h);
	struct pt_item it = cu_item(frame, 1, flags, true);
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, t, va, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), va + 0x1000);
	assert_int_equal(pt_cursor_jump(&m.c, va), PT_OK);
	struct pt_query q;
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_true(q.mapped);
	assert_int_equal(q.va, va);
	assert_int_equal(q.len, 0x1000);
	assert_int_equal(q.item.pa, frame);
	pt_cursor_mut_drop(&m);
	th_assert_maps(t, va, frame, 1, flags);
	th_assert_maps(t, va + 0xfff, frame + 0xfff, 1, flags);
	if (pt_fmt_canonical(th_fmt, va - 0x1000))
		th_assert_unmapped(t, va - 0x1000);
	if (va + 0x1000 != 0 && va + 0x1000 != cu_user_end())
		th_assert_unmapped(t, va + 0x1000);
}

static void map_at_va0_and_last_user_page(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u, e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	map_and_check_page(&h, &u, 0, PT_RW | PT_USER);
	map_and_check_page(&h, &u, cu_user_end() - 0x1000, PT_RW | PT_USER);
	map_and_check_page(&h, &e, 0, PT_RW);
	map_and_check_page(&h, &e, cu_user_end() - 0x1000, PT_RX);
	map_and_check_page(&h, &k, th_kernel_base(), PT_RW | PT_GLOBAL);
	map_and_check_page(&h, &k, 0ull - 0x1000, PT_RW | PT_GLOBAL);
	/* The user table sees the kernel pages, the empty table does not. */
	pt_paddr_t pa;
	assert_int_equal(pt_table_translate(&u, 0ull - 1, &pa, NULL), PT_OK);
	th_assert_unmapped(&e, 0ull - 1);
	assert_int_equal(pt_table_translate(&u, cu_user_end(), &pa, NULL), PT_ERR_NONCANONICAL);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

/* The last 1G of the address space: cursor ops at the very top of the kernel half. */
static void top_of_address_space(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k;
	struct pt_cursor_mut m;
	struct pt_query q;
	pt_vaddr_t found;
	bool ok;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	pt_vaddr_t base = 0ull - 1 * GiB;
	assert_int_equal(pt_cursor_mut_new(&m, &k, base, 1 * GiB), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 0ull - 4 * MiB), PT_OK);
	assert_int_equal(pt_cursor_map_range(&m, 6 * MiB, 4 * MiB, RW), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 0);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_ERR_VADDR);
	assert_int_equal(pt_cursor_jump(&m.c, 0ull - 0x1000), PT_OK);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_true(q.mapped);
	assert_int_equal(q.va, 0ull - 2 * MiB);
	assert_int_equal(q.len, 2 * MiB);
	assert_int_equal(q.item.pa, 8 * MiB);
	assert_int_equal(q.item.level, 2);
	assert_int_equal(pt_cursor_jump(&m.c, base), PT_OK);
	assert_int_equal(pt_cursor_find_next(&m.c, 1 * GiB, &found, &ok), PT_OK);
	assert_true(ok);
	assert_int_equal(found, 0ull - 4 * MiB);
	/* Unmap the last page: the top 2M leaf splits, the cursor ends at 0. */
	assert_int_equal(pt_cursor_jump(&m.c, 0ull - 0x1000), PT_OK);
	struct pt_frag f;
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	assert_int_equal(f.va, 0ull - 0x1000);
	assert_int_equal(f.item.pa, 10 * MiB - 0x1000);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 0);
	assert_int_equal(pt_cursor_take_next(&m, 0, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	/* Search to the end of the address space after the last mapping. */
	assert_int_equal(pt_cursor_jump(&m.c, 0ull - 0x2000), PT_OK);
	assert_int_equal(pt_cursor_find_next(&m.c, 0x2000, &found, &ok), PT_OK);
	assert_true(ok);
	assert_int_equal(found, 0ull - 0x2000);
	pt_cursor_mut_drop(&m);
	th_assert_unmapped(&k, 0ull - 1);
	th_assert_maps(&k, 0ull - 0x1001, 10 * MiB - 0x1001, 1, PT_RW);
	th_assert_maps(&k, 0ull - 4 * MiB, 6 * MiB, 2, PT_RW);
	struct pt_protect ro = { PT_W, 0, -1 };
	assert_int_equal(th_protect(&k, 0ull - 2 * MiB, 2 * MiB, ro), 511);
	th_assert_maps(&k, 0ull - 0x1001, 10 * MiB - 0x1001, 1, PT_R);
	/*
	 * Exactly the top 1G slot: its level-2 table (a 2M leaf, the split one's
	 * table) goes whole, unless that slot is a kernel root slot (Sv39).
	 */
	bool root_slot = cu_size(h.fmt->levels) == 1 * GiB;
	assert_int_equal(th_unmap(&k, 0ull - 1 * GiB, 1 * GiB), root_slot ? 2 : 1);
	th_assert_unmapped(&k, 0ull - 4 * MiB);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

#define MAX_PROPS ((PT_FLAGS_ALL + 1) * PT_CACHE__COUNT)

static struct pt_prop props[MAX_PROPS];
static unsigned nr_props;

/*
 * Map @n pages of @level from @base, spreading every property the format can
 * hold over them (all of them if n allows), and read each back twice: by
 * query and by translation.
 */
static void round_trip_level(struct th *h, struct pt_table *t, pt_vaddr_t base,
			     pt_level_t level, bool tracked, uint64_t n)
{
	uint64_t size = cu_size(level);
	pt_paddr_t wrap = cu_pa_limit() / size;
	struct pt_cursor_mut m;
	if (n > nr_props)
		n = nr_props;
	assert_int_equal(pt_cursor_mut_new(&m, t, base, n * size), PT_OK);
	for (uint64_t i = 0; i < n; i++) {
		struct pt_item it = { (i % wrap) * size, level, props[i * nr_props / n], tracked };
		if (tracked)
			it.pa = th_frame(h);
		assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	}
	for (uint64_t i = 0; i < n; i++) {
		pt_vaddr_t va = base + i * size;
		struct pt_query q;
		struct pt_item leaf;
		pt_paddr_t pa;
		assert_int_equal(pt_cursor_jump(&m.c, va), PT_OK);
		assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
		assert_true(q.mapped);
		assert_int_equal(q.va, va);
		assert_int_equal(q.len, size);
		assert_int_equal(q.item.level, level);
		assert_int_equal(q.item.tracked, tracked);
		assert_true(pt_prop_eq(q.item.prop, props[i * nr_props / n]));
		if (!tracked)
			assert_int_equal(q.item.pa, (i % wrap) * size);
		assert_int_equal(pt_table_translate(t, va + size - 8, &pa, &leaf), PT_OK);
		assert_int_equal(pa, q.item.pa + size - 8);
		assert_true(pt_prop_eq(leaf.prop, q.item.prop));
		assert_int_equal(leaf.level, level);
		assert_int_equal(leaf.tracked, tracked);
	}
	pt_cursor_mut_drop(&m);
}

/*
 * Every level below the root in a kernel table, each in its own share of the
 * upper half; leaves in the root (Sv39 1G, Sv48 512G) in an empty table,
 * from its second slot, as many as fit; tracked 4K pages from 0 there.
 */
static void property_round_trip_all_levels(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, e;
	th_init(&h, 64 * MiB);
	nr_props = cu_props(props);
	assert_true(nr_props >= 3 * 256);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_level_t root = h.fmt->levels, top = h.fmt->max_leaf_level;
	uint64_t share = cu_user_end() / top;
	for (pt_level_t l = 1; l <= top && l < root; l++) {
		pt_vaddr_t base = th_kernel_base() + (l - 1) * share;
		round_trip_level(&h, &k, base + (-base & (cu_size(l) - 1)), l, false, MAX_PROPS);
	}
	if (top == root)
		round_trip_level(&h, &e, cu_size(root), root, false, cu_user_end() / cu_size(root) - 1);
	round_trip_level(&h, &e, 0, 1, true, MAX_PROPS);
	assert_int_equal(pt_sim_ram_stats(h.ram).data_in_use, nr_props);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);   /* the tables dropped every tracked frame */
}

/*
 * The decomposition oracle: from the start, the largest page whose size both
 * addresses are aligned to and that fits, up to @max_level. Checked against
 * the leaves found by query, in order.
 */
static void check_decomposition(struct pt_table *t, pt_vaddr_t va, pt_paddr_t pa, uint64_t len,
				pt_level_t max_level, uint64_t counts[4])
{
	struct pt_cursor c;
	assert_int_equal(pt_cursor_new(&c, t, va, len), PT_OK);
	for (uint64_t off = 0; off < len;) {
		pt_level_t l = max_level;
		while (((va + off) | (pa + off)) & (cu_size(l) - 1) || len - off < cu_size(l))
			l--;
		struct pt_query q;
		assert_int_equal(pt_cursor_jump(&c, va + off), PT_OK);
		assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
		assert_true(q.mapped);
		assert_int_equal(q.va, va + off);
		assert_int_equal(q.item.level, l);
		assert_int_equal(q.item.pa, pa + off);
		assert_false(q.item.tracked);
		counts[l]++;
		off += cu_size(l);
	}
	pt_cursor_drop(&c);
}

/* The level of the node covering [va, va + len) in a table with no huge leaves there. */
static pt_level_t covering_level(pt_vaddr_t va, uint64_t len)
{
	pt_level_t l = th_fmt->levels;
	while (l > 1 && pt_fmt_index(th_fmt, va, l) == pt_fmt_index(th_fmt, va + len - 1, l))
		l--;
	return l;
}

/*
 * A kernel table's root slots hold the tables every user table shares, so no
 * leaf goes there even where the format allows one (Sv39 1G, Sv48 512G):
 * map_range across two root slots uses the level below, a root-level item is
 * PT_ERR_LEVEL.
 */
static void kernel_root_slots(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	pt_level_t root = h.fmt->levels;
	pt_level_t top = h.fmt->max_leaf_level < root ? h.fmt->max_leaf_level : root - 1;
	uint64_t slot = cu_size(root);
	pt_vaddr_t base = th_kernel_base();
	struct th_snap before = th_snapshot(&h, &k);
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &k, base, 2 * slot), PT_OK);
	struct pt_item big = { 0, root, pt_prop_make(PT_RW, PT_CACHE_WB), false };
	assert_int_equal(pt_cursor_map(&m, &big), PT_ERR_LEVEL);
	pt_cursor_mut_drop(&m);
	th_assert_same(before, th_snapshot(&h, &k));
	assert_int_equal(th_map_range(&k, base, 0, 2 * slot, RW), PT_OK);
	th_assert_maps(&k, base, 0, top, PT_RW);
	th_assert_maps(&k, base + slot + 0x1234000, slot + 0x1234000, top, PT_RW);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

static void largest_pages_mixed_alignments(void **state)
{
	(void)state;
	static const struct { pt_vaddr_t va; pt_paddr_t pa; uint64_t len; uint64_t n[4]; } cases[] = {
		{ 0x3fdff000, 0x3fdff000, 0x80002000 - 0x3fdff000, { 0, 3, 1, 1 } },
		{ 33 * GiB - 2 * MiB, 2 * MiB, 1 * GiB + 4 * MiB + 8 * KiB, { 0, 2, 514, 0 } },
		{ 4 * GiB, 0x1000, 4 * MiB, { 0, 1024, 0, 0 } },
		{ 8 * GiB + 0x1000, 0x1000, 4 * MiB, { 0, 512, 1, 0 } },
		{ 12 * GiB - 0x1000, 3 * GiB - 0x1000, 2 * GiB + 2 * MiB + 0x2000, { 0, 2, 1, 2 } },
		{ 20 * GiB + 2 * MiB, 2 * MiB + 0x1000, 4 * MiB, { 0, 1024, 0, 0 } },
		{ 24 * GiB, 24 * GiB, 3 * GiB, { 0, 0, 0, 3 } },
		{ 30 * GiB + 6 * MiB, 6 * MiB, 0x1000, { 0, 1, 0, 0 } },
	};
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t counts[4] = { 0 };
		assert_int_equal(th_map_range(&e, cases[i].va, cases[i].pa, cases[i].len, RW), PT_OK);
		pt_level_t max = covering_level(cases[i].va, cases[i].len);
		if (max > h.fmt->max_leaf_level)
			max = h.fmt->max_leaf_level;
		check_decomposition(&e, cases[i].va, cases[i].pa, cases[i].len, max, counts);
		for (unsigned l = 1; l < 4; l++)
			assert_int_equal(counts[l], cases[i].n[l]);
		th_assert_unmapped(&e, cases[i].va - 0x1000);
		th_assert_unmapped(&e, cases[i].va + cases[i].len);
	}
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* Consecutive maps fill consecutive slots; map_range continues where map stopped. */
static void consecutive_maps_advance(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 2 * MiB - 0x3000, 8 * MiB), PT_OK);
	for (unsigned i = 0; i < 3; i++) {
		struct pt_item it = cu_item(0x100000 + i * 0x1000, 1, PT_RW, false);
		assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	}
	assert_int_equal(pt_cursor_virt_addr(&m.c), 2 * MiB);
	struct pt_item huge = cu_item(4 * MiB, 2, PT_RW, false);
	assert_int_equal(pt_cursor_map(&m, &huge), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 4 * MiB);
	pt_paddr_t frame = th_frame(&h);
	struct pt_item tracked = cu_item(frame, 1, PT_R, true);
	struct pt_item small = cu_item(0x7000, 1, PT_R, false);
	assert_int_equal(pt_cursor_map(&m, &tracked), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB), PT_OK);
	struct pt_frag f;
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_true(f.item.tracked);
	pt_frag_release(e.env, &f);
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &small), PT_OK);   /* same property, untracked */
	th_assert_maps(&e, 4 * MiB, 0x7000, 1, PT_R);
	pt_paddr_t pa;
	struct pt_item leaf;
	assert_int_equal(pt_table_translate(&e, 4 * MiB, &pa, &leaf), PT_OK);
	assert_false(leaf.tracked);
	assert_int_equal(pt_cursor_map_range(&m, 0x8000, 2 * MiB - 0x1000, RW), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 6 * MiB);
	assert_int_equal(pt_cursor_map(&m, &huge), PT_OK);
	pt_cursor_mut_drop(&m);
	th_assert_maps(&e, 2 * MiB - 0x3000, 0x100000, 1, PT_RW);
	th_assert_maps(&e, 2 * MiB - 0x1000, 0x102000, 1, PT_RW);
	th_assert_maps(&e, 3 * MiB, 5 * MiB, 2, PT_RW);
	th_assert_maps(&e, 4 * MiB, 0x7000, 1, PT_R);
	th_assert_maps(&e, 6 * MiB - 0x1000, 0x8000 + 2 * MiB - 0x2000, 1, PT_RW);
	th_assert_maps(&e, 6 * MiB, 4 * MiB, 2, PT_RW);
	assert_int_equal(cu_count_leaves(&e, 0, 1 * GiB, 0), 3 + 1 + 512 + 1);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* Take the next leaf within @len at the cursor; assert it is the base page @va -> @pa. */
static void take_expect(struct pt_cursor_mut *m, struct th *h, uint64_t len, pt_vaddr_t va, pt_paddr_t pa,
			uint16_t flags, bool tracked)
{
	struct pt_frag f;
	assert_int_equal(pt_cursor_take_next(m, len, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	assert_int_equal(f.va, va);
	assert_int_equal(f.len, 0x1000);
	assert_int_equal(f.item.pa, pa);
	assert_int_equal(f.item.prop.flags, flags);
	assert_int_equal(f.item.tracked, tracked);
	assert_int_equal(pt_cursor_virt_addr(&m->c), va + 0x1000);
	pt_frag_release(&h->env, &f);
}

/*
 * take_next's per-page path writes the leaf table the cursor stands in, not
 * the one it last took from, and keeps the tables' counts: what is left
 * comes out as a table holding exactly the leaves not taken, and every
 * tracked frame is back (th_fini).
 */
static void take_next_follows_other_moves(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_query q;
	struct pt_frag f;
	pt_paddr_t fr[8];
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 4 * MiB, 0x8000), PT_OK);
	for (unsigned i = 0; i < 8; i++) {
		fr[i] = th_frame(&h);
		struct pt_item it = { fr[i], 1, RW, true };
		assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	}
	pt_cursor_mut_drop(&m);
	assert_int_equal(th_map_range(&e, 8 * MiB, 0x200000, 0x8000, RW), PT_OK);

	assert_int_equal(pt_cursor_mut_new(&m, &e, 4 * MiB, 6 * MiB), PT_OK);
	for (unsigned i = 0; i < 3; i++)
		take_expect(&m, &h, 0x1000, 4 * MiB + i * 0x1000, fr[i], PT_RW, true);
	/* query, not take_next, takes the cursor down into the other leaf table. */
	assert_int_equal(pt_cursor_jump(&m.c, 8 * MiB + 0x1000), PT_OK);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	take_expect(&m, &h, 0x1000, 8 * MiB + 0x1000, 0x201000, PT_RW, false);
	take_expect(&m, &h, 0x1000, 8 * MiB + 0x2000, 0x202000, PT_RW, false);
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB + 0x5000), PT_OK);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	take_expect(&m, &h, 0x1000, 4 * MiB + 0x5000, fr[5], PT_RW, true);
	/* A map of another property on this cursor changes the leaf cache. */
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB + 0x1000), PT_OK);
	struct pt_item ro = { 0x300000, 1, { PT_R, PT_CACHE_WB }, false };
	assert_int_equal(pt_cursor_map(&m, &ro), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB + 0x1000), PT_OK);
	take_expect(&m, &h, 0x1000, 4 * MiB + 0x1000, 0x300000, PT_R, false);
	take_expect(&m, &h, 0x3000, 4 * MiB + 0x3000, fr[3], PT_RW, true);
	take_expect(&m, &h, 0x1000, 4 * MiB + 0x4000, fr[4], PT_RW, true);
	/* Left: slots 6 and 7 of the first table, 0 and 3-7 of the second. */
	for (unsigned i = 0; i < 2; i++) {
		pt_vaddr_t base = i ? 8 * MiB : 4 * MiB;
		assert_int_equal(pt_cursor_jump(&m.c, base), PT_OK);
		assert_int_equal(pt_cursor_take_next(&m, 2 * MiB, &f), PT_OK);
		assert_int_equal(f.kind, PT_FRAG_TABLE);
		assert_int_equal(f.va, base);
		assert_int_equal(f.nr_frames, i ? 6 : 2);
		pt_frag_release(&h.env, &f);
	}
	pt_cursor_mut_drop(&m);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* Take the one page at @va through a cursor over exactly it; check what came out. */
static void take_page_at(struct pt_table *t, pt_vaddr_t va, pt_paddr_t pa, uint16_t flags,
			 bool tracked)
{
	struct pt_cursor_mut m;
	struct pt_frag f;
	assert_int_equal(pt_cursor_mut_new(&m, t, va, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 0x2000, &f), PT_ERR_LENGTH);
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	assert_int_equal(f.va, va);
	assert_int_equal(f.len, 0x1000);
	assert_int_equal(f.item.pa, pa);
	assert_int_equal(f.item.level, 1);
	assert_int_equal(f.item.prop.flags, flags);
	assert_int_equal(f.item.tracked, tracked);
	assert_int_equal(pt_cursor_virt_addr(&m.c), va + 0x1000);
	pt_frag_release(t->env, &f);
	assert_int_equal(pt_cursor_take_next(&m, 0, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	pt_cursor_mut_drop(&m);
	th_assert_unmapped(t, va);
}

/*
 * Per-page cursors unmap what per-page cursors mapped, across a leaf-table
 * boundary, with the table's template property and without it, tracked
 * and not; a wider cursor then finds what is left in order.
 */
static void per_page_cursors_unmap(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_paddr_t frame = th_frame(&h);
	for (unsigned i = 0; i < 6; i++) {
		struct pt_item it = cu_item(0x100000 + i * 0x1000, 1, PT_RW, false);
		cu_map(&e, 2 * MiB - 0x3000 + i * 0x1000, &it);
	}
	struct pt_item ro = cu_item(0x200000, 1, PT_R, false);
	cu_map(&e, 2 * MiB + 0x5000, &ro);                  /* the template is now R */
	struct pt_item tr = cu_item(frame, 1, PT_R, true);
	cu_map(&e, 2 * MiB + 0x6000, &tr);
	take_page_at(&e, 2 * MiB + 0x6000, frame, PT_R, true);
	take_page_at(&e, 2 * MiB + 0x5000, 0x200000, PT_R, false);
	struct pt_item rw = cu_item(0x300000, 1, PT_RW, false);
	cu_map(&e, 2 * MiB + 0x7000, &rw);                  /* RW again */
	take_page_at(&e, 2 * MiB - 0x1000, 0x102000, PT_RW, false);   /* a table's last slot */
	take_page_at(&e, 2 * MiB, 0x103000, PT_RW, false);            /* the next one's first */
	take_page_at(&e, 2 * MiB + 0x7000, 0x300000, PT_RW, false);
	assert_int_equal(cu_count_leaves(&e, 0, 1 * GiB, 0), 4);

	struct pt_cursor_mut m;
	struct pt_frag f;
	pt_vaddr_t want[] = { 2 * MiB - 0x3000, 2 * MiB - 0x2000, 2 * MiB + 0x1000, 2 * MiB + 0x2000 };
	assert_int_equal(pt_cursor_mut_new(&m, &e, 2 * MiB - 0x3000, 0x9000), PT_OK);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pt_cursor_take_next(&m, 2 * MiB + 0x6000 - pt_cursor_virt_addr(&m.c), &f),
				 PT_OK);
		assert_int_equal(f.kind, PT_FRAG_MAPPED);
		assert_int_equal(f.va, want[i]);
		assert_int_equal(f.item.pa, 0x100000 + (want[i] - (2 * MiB - 0x3000)));
		pt_frag_release(e.env, &f);
	}
	assert_int_equal(pt_cursor_take_next(&m, 2 * MiB + 0x6000 - pt_cursor_virt_addr(&m.c), &f),
			 PT_OK);
	assert_int_equal(f.kind, PT_FRAG_NONE);
	pt_cursor_mut_drop(&m);
	assert_int_equal(cu_count_leaves(&e, 0, 1 * GiB, 0), 0);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map_at_va0_and_last_user_page),
		cmocka_unit_test(top_of_address_space),
		cmocka_unit_test(property_round_trip_all_levels),
		cmocka_unit_test(kernel_root_slots),
		cmocka_unit_test(largest_pages_mixed_alignments),
		cmocka_unit_test(consecutive_maps_advance),
		cmocka_unit_test(per_page_cursors_unmap),
		cmocka_unit_test(take_next_follows_other_moves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
