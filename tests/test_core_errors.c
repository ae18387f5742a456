/* SPDX-License-Identifier: MIT */
/*
 * Every error class of the core: each failing call must return its code and
 * leave the table exactly as it was (same hash of every reachable frame, same
 * frame and node counts), and the cursor where it stood.
 */
#include "core_util.h"

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

/* Cursor creation on @t must fail with @want and change nothing. */
static void expect_new(struct th *h, struct pt_table *t, pt_vaddr_t va, uint64_t len,
		       enum pt_err want)
{
	struct th_snap before = th_snapshot(h, t);
	struct pt_cursor c;
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_new(&c, t, va, len), want);
	assert_int_equal(pt_cursor_mut_new(&m, t, va, len), want);
	th_assert_same(before, th_snapshot(h, t));
}

static void expect_new_ok(struct pt_table *t, pt_vaddr_t va, uint64_t len)
{
	struct pt_cursor c;
	assert_int_equal(pt_cursor_new(&c, t, va, len), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&c), va);
	pt_cursor_drop(&c);
}

static void range_matrix_user(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u, e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_vaddr_t top = cu_user_end(), kbase = th_kernel_base();
	struct pt_table *tabs[] = { &u, &e };
	for (unsigned i = 0; i < 2; i++) {
		struct pt_table *t = tabs[i];
		expect_new(&h, t, 0x1000, 0, PT_ERR_RANGE);                 /* empty */
		expect_new(&h, t, 0x5000, 0ull - 0x1000, PT_ERR_RANGE);     /* wraps: "reversed" */
		expect_new(&h, t, 0x5000, UINT64_MAX, PT_ERR_RANGE);
		expect_new(&h, t, 0x1001, 0x1000, PT_ERR_UNALIGNED);
		expect_new(&h, t, 0x1000, 0x1001, PT_ERR_UNALIGNED);
		expect_new(&h, t, 0x1000, 0x800, PT_ERR_UNALIGNED);
		expect_new(&h, t, kbase, 0x1000, PT_ERR_RANGE);             /* other half */
		expect_new(&h, t, 0ull - 0x1000, 0x1000, PT_ERR_RANGE);
		expect_new(&h, t, top, 0x1000, PT_ERR_NONCANONICAL);        /* the hole */
		expect_new(&h, t, top - 0x1000, 0x2000, PT_ERR_NONCANONICAL);
		expect_new(&h, t, top - 0x1000, kbase + 0x1000 - (top - 0x1000), PT_ERR_RANGE);
		expect_new(&h, t, 0, kbase + 0x1000, PT_ERR_RANGE);         /* crosses the split */
		expect_new_ok(t, 0, 0x1000);                                 /* VA 0 */
		expect_new_ok(t, top - 0x1000, 0x1000);                      /* last user page */
		expect_new_ok(t, 0, top);                                    /* the whole half */
	}
	struct pt_cursor c;
	assert_int_equal(pt_cursor_new(NULL, &u, 0, 0x1000), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_new(&c, NULL, 0, 0x1000), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_mut_new(NULL, &u, 0, 0x1000), PT_ERR_INVAL);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void range_matrix_kernel(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	pt_vaddr_t top = cu_user_end(), kbase = th_kernel_base();
	expect_new(&h, &k, 0, 0x1000, PT_ERR_RANGE);                   /* user half */
	expect_new(&h, &k, top - 0x1000, 0x1000, PT_ERR_RANGE);
	expect_new(&h, &k, kbase - 0x1000, 0x1000, PT_ERR_NONCANONICAL);
	expect_new(&h, &k, kbase - 0x1000, 0x2000, PT_ERR_NONCANONICAL);
	expect_new(&h, &k, 0ull - 0x1000, 0x2000, PT_ERR_RANGE);       /* wraps past 2^64 */
	expect_new(&h, &k, 0ull - 0x1000, 0, PT_ERR_RANGE);
	expect_new(&h, &k, 0ull - 0x1000, 0x1800, PT_ERR_RANGE);
	expect_new(&h, &k, 0ull - 0x2000, 0x1800, PT_ERR_UNALIGNED);
	expect_new(&h, &k, kbase + 0x10, 0x1000, PT_ERR_UNALIGNED);
	/* Ranges ending at 2^64 - 4K and at 2^64 itself. */
	expect_new_ok(&k, 0ull - 0x2000, 0x1000);
	expect_new_ok(&k, 0ull - 0x1000, 0x1000);
	expect_new_ok(&k, 0ull - 2 * MiB, 2 * MiB);
	expect_new_ok(&k, kbase, 0ull - kbase);
	expect_new_ok(&k, kbase, 0x1000);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

/* A user table with a 4K page at 4M, a 2M leaf at 8M and an empty level-1 table at 12M. */
struct fixture {
	struct th h;
	struct pt_table k, u;
	pt_paddr_t frame;
};

static void fixture_init(struct fixture *fx)
{
	th_init(&fx->h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&fx->k, &fx->h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&fx->u, &fx->k), PT_OK);
	fx->frame = th_frame(&fx->h);
	struct pt_item it = cu_item(fx->frame, 1, PT_RW | PT_USER, true);
	cu_map(&fx->u, 4 * MiB, &it);
	cu_map_in(&fx->u, 0, 1 * GiB, 8 * MiB, 2 * MiB, 2 * MiB, RW);
	/* An empty level-1 table at 12M: a page mapped and taken out again. */
	struct pt_cursor_mut m;
	struct pt_frag f;
	cu_map(&fx->u, 12 * MiB, &(struct pt_item){ 0x3000, 1, RW, false });
	assert_int_equal(pt_cursor_mut_new(&m, &fx->u, 12 * MiB, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	pt_cursor_mut_drop(&m);
}

static void fixture_fini(struct fixture *fx)
{
	assert_int_equal(pt_table_destroy(&fx->u), PT_OK);
	assert_int_equal(pt_table_destroy(&fx->k), PT_OK);
	th_fini(&fx->h);
}

/* pt_cursor_map of @it at @va must fail with @want, changing neither table nor cursor. */
static void expect_map(struct fixture *fx, struct pt_cursor_mut *m, pt_vaddr_t va,
		       struct pt_item it, enum pt_err want)
{
	assert_int_equal(pt_cursor_jump(&m->c, va), PT_OK);
	struct th_snap before = th_snapshot(&fx->h, &fx->u);
	assert_int_equal(pt_cursor_map(m, &it), want);
	th_assert_same(before, th_snapshot(&fx->h, &fx->u));
	assert_int_equal(pt_cursor_virt_addr(&m->c), va);
}

static void map_errors(void **state)
{
	(void)state;
	struct fixture fx;
	struct pt_cursor_mut m;
	fixture_init(&fx);
	pt_paddr_t lim = cu_pa_limit();
	assert_int_equal(pt_cursor_mut_new(&m, &fx.u, 0, 512 * MiB), PT_OK);
	expect_map(&fx, &m, 4 * MiB, cu_item(0x1000, 1, PT_RW, false), PT_ERR_MAPPED);
	expect_map(&fx, &m, 8 * MiB, cu_item(0x1000, 1, PT_RW, false), PT_ERR_MAPPED);
	expect_map(&fx, &m, 9 * MiB, cu_item(0x1000, 1, PT_RW, false), PT_ERR_MAPPED);
	expect_map(&fx, &m, 8 * MiB, cu_item(0, 2, PT_RW, false), PT_ERR_MAPPED);
	expect_map(&fx, &m, 12 * MiB, cu_item(0, 2, PT_RW, false), PT_ERR_MAPPED); /* empty table */
	expect_map(&fx, &m, 4 * MiB, cu_item(0, 2, PT_RW, false), PT_ERR_MAPPED);  /* table */
	expect_map(&fx, &m, 0, cu_item(0, 0, PT_RW, false), PT_ERR_LEVEL);
	/* Sv48 has 512G leaves: one runs past the cursor. */
	expect_map(&fx, &m, 0, cu_item(0, 4, PT_RW, false),
		   th_fmt->max_leaf_level >= 4 ? PT_ERR_LENGTH : PT_ERR_LEVEL);
	expect_map(&fx, &m, 0, cu_item(0, 3, PT_RW, false), PT_ERR_LENGTH);        /* past the range */
	expect_map(&fx, &m, 0, cu_item(0, 2, PT_RW, true), PT_ERR_TRACKED_HUGE);
	expect_map(&fx, &m, 0, cu_item(0, 1, PT_RW | PT_GLOBAL, false), PT_ERR_GLOBAL_USER);
	expect_map(&fx, &m, 0, cu_item(0, 1, PT_FLAGS_ALL + 1, false), PT_ERR_INVAL);
	struct pt_item bad_cache = { 0, 1, { PT_RW, PT_CACHE__COUNT }, false };
	expect_map(&fx, &m, 0, bad_cache, PT_ERR_INVAL);
	expect_map(&fx, &m, 0x1000, cu_item(0, 2, PT_RW, false), PT_ERR_UNALIGNED);
	expect_map(&fx, &m, 0, cu_item(0x1000, 2, PT_RW, false), PT_ERR_UNALIGNED);
	expect_map(&fx, &m, 0, cu_item(lim, 1, PT_RW, false), PT_ERR_PADDR);
	expect_map(&fx, &m, 0, cu_item(lim, 2, PT_RW, false), PT_ERR_PADDR);
	expect_map(&fx, &m, 0, cu_item(0ull - 2 * MiB, 2, PT_RW, false), PT_ERR_PADDR);
	/* The highest encodable frame is fine. */
	struct pt_item last = cu_item(lim - 0x1000, 1, PT_RW, false);
	assert_int_equal(pt_cursor_jump(&m.c, 16 * MiB), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &last), PT_OK);
	th_assert_maps(&fx.u, 16 * MiB, lim - 0x1000, 1, PT_RW);
	/* After a query went down into the level-1 table, a 2M map must come back up. */
	struct pt_query q;
	assert_int_equal(pt_cursor_jump(&m.c, 12 * MiB), PT_OK);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_false(q.mapped);
	assert_int_equal(q.len, 0x1000);
	struct th_snap before = th_snapshot(&fx.h, &fx.u);
	struct pt_item huge = cu_item(0, 2, PT_RW, false);
	assert_int_equal(pt_cursor_map(&m, &huge), PT_ERR_MAPPED);
	th_assert_same(before, th_snapshot(&fx.h, &fx.u));
	pt_cursor_mut_drop(&m);
	fixture_fini(&fx);
}

/* Length, end-of-range and level-above-guard errors of map need special cursors. */
static void map_errors_cursor_bounds(void **state)
{
	(void)state;
	struct fixture fx;
	struct pt_cursor_mut m;
	fixture_init(&fx);
	/* [2M - 4K, 2M + 4K): covering node is a level-2 table, 2M does not fit. */
	assert_int_equal(pt_cursor_mut_new(&m, &fx.u, 2 * MiB - 0x1000, 0x2000), PT_OK);
	assert_int_equal(m.c.guard_level, 2);
	expect_map(&fx, &m, 2 * MiB, cu_item(0, 2, PT_RW, false), PT_ERR_LENGTH);
	struct pt_item it = cu_item(0x1000, 1, PT_RW, false);
	assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 2 * MiB + 0x1000);
	struct th_snap before = th_snapshot(&fx.h, &fx.u);
	assert_int_equal(pt_cursor_map(&m, &it), PT_ERR_VADDR);                    /* at the end */
	assert_int_equal(pt_cursor_map_range(&m, 0, 0x1000, RW), PT_ERR_LENGTH);
	th_assert_same(before, th_snapshot(&fx.h, &fx.u));
	pt_cursor_mut_drop(&m);
	/* A cursor on one page: a 2M leaf runs past it, whatever tables exist. */
	assert_int_equal(pt_cursor_mut_new(&m, &fx.u, 32 * MiB, 0x1000), PT_OK);
	expect_map(&fx, &m, 32 * MiB, cu_item(0, 2, PT_RW, false), PT_ERR_LENGTH);
	pt_cursor_mut_drop(&m);
	assert_int_equal(pt_cursor_mut_new(&m, &fx.u, 4 * MiB + 0x1000, 0x1000), PT_OK);
	assert_int_equal(m.c.guard_level, 1);
	expect_map(&fx, &m, 4 * MiB + 0x1000, cu_item(0, 2, PT_RW, false), PT_ERR_UNALIGNED);
	pt_cursor_mut_drop(&m);
	fixture_fini(&fx);
}

static void expect_map_range(struct fixture *fx, struct pt_cursor_mut *m, pt_vaddr_t va,
			     pt_paddr_t pa, uint64_t len, struct pt_prop prop, enum pt_err want)
{
	assert_int_equal(pt_cursor_jump(&m->c, va), PT_OK);
	struct th_snap before = th_snapshot(&fx->h, &fx->u);
	assert_int_equal(pt_cursor_map_range(m, pa, len, prop), want);
	th_assert_same(before, th_snapshot(&fx->h, &fx->u));
	assert_int_equal(pt_cursor_virt_addr(&m->c), va);
}

static void map_range_errors(void **state)
{
	(void)state;
	struct fixture fx;
	struct pt_cursor_mut m;
	fixture_init(&fx);
	pt_paddr_t lim = cu_pa_limit();
	struct pt_prop glb = { PT_RW | PT_GLOBAL, PT_CACHE_WB };
	struct pt_prop bad = { PT_RW | (PT_FLAGS_ALL + 1), PT_CACHE_WB };
	struct pt_prop badc = { PT_RW, PT_CACHE__COUNT };
	assert_int_equal(pt_cursor_mut_new(&m, &fx.u, 0, 1 * GiB), PT_OK);
	/* Overlaps found after slots that would need new tables: nothing is built. */
	expect_map_range(&fx, &m, 0, 0, 4 * MiB + 0x1000, RW, PT_ERR_MAPPED);
	expect_map_range(&fx, &m, 6 * MiB, 0, 2 * MiB + 0x1000, RW, PT_ERR_MAPPED);
	expect_map_range(&fx, &m, 12 * MiB, 0, 2 * MiB, RW, PT_ERR_MAPPED);      /* empty table */
	expect_map_range(&fx, &m, 4 * MiB, 0x1000, 2 * MiB, RW, PT_ERR_MAPPED);  /* whole L1 */
	assert_int_equal(pt_cursor_jump(&m.c, 20 * MiB - 0x1000), PT_OK);
	assert_int_equal(pt_cursor_map_range(&m, 0, 0x2000, RW), PT_OK);
	th_assert_maps(&fx.u, 20 * MiB - 0x1000, 0, 1, PT_RW);
	/* 4K pages fill the empty level-1 table at 12M (PA forbids a 2M leaf). */
	assert_int_equal(pt_cursor_jump(&m.c, 12 * MiB), PT_OK);
	assert_int_equal(pt_cursor_map_range(&m, 0x1000, 2 * MiB, RW), PT_OK);
	th_assert_maps(&fx.u, 14 * MiB - 1, 2 * MiB + 0xfff, 1, PT_RW);
	expect_map_range(&fx, &m, 16 * MiB, 0, 0, RW, PT_ERR_RANGE);
	expect_map_range(&fx, &m, 16 * MiB, 0, 0x1800, RW, PT_ERR_UNALIGNED);
	expect_map_range(&fx, &m, 16 * MiB, 0x800, 0x1000, RW, PT_ERR_UNALIGNED);
	expect_map_range(&fx, &m, 16 * MiB, 0, 1 * GiB, RW, PT_ERR_LENGTH);
	expect_map_range(&fx, &m, 16 * MiB, 0, 0x1000, glb, PT_ERR_GLOBAL_USER);
	expect_map_range(&fx, &m, 16 * MiB, 0, 0x1000, bad, PT_ERR_INVAL);
	expect_map_range(&fx, &m, 16 * MiB, 0, 0x1000, badc, PT_ERR_INVAL);
	expect_map_range(&fx, &m, 16 * MiB, lim, 0x1000, RW, PT_ERR_PADDR);
	expect_map_range(&fx, &m, 16 * MiB, lim - 0x1000, 0x2000, RW, PT_ERR_PADDR);
	expect_map_range(&fx, &m, 16 * MiB, 0ull - 0x1000, 0x2000, RW, PT_ERR_PADDR);
	pt_cursor_mut_drop(&m);
	fixture_fini(&fx);
}

/* find_next, take_next and protect_next: length and alignment of @len. */
static void scan_errors(void **state)
{
	(void)state;
	struct fixture fx;
	struct pt_cursor_mut m;
	struct pt_frag f;
	pt_vaddr_t va, found;
	uint64_t len;
	bool ok;
	struct pt_protect ro = { PT_W, 0, -1 };
	fixture_init(&fx);
	assert_int_equal(pt_cursor_mut_new(&m, &fx.u, 4 * MiB, 8 * MiB), PT_OK);
	struct th_snap before = th_snapshot(&fx.h, &fx.u);
	uint64_t lens[] = { 8 * MiB + 0x1000, 16 * MiB, UINT64_MAX & ~0xfffull, 0x800, 0x1001 };
	enum pt_err want[] = { PT_ERR_LENGTH, PT_ERR_LENGTH, PT_ERR_LENGTH, PT_ERR_UNALIGNED,
			       PT_ERR_UNALIGNED };
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(pt_cursor_find_next(&m.c, lens[i], &found, &ok), want[i]);
		assert_int_equal(pt_cursor_take_next(&m, lens[i], &f), want[i]);
		assert_int_equal(pt_cursor_protect_next(&m, lens[i], ro, &va, &len, &ok), want[i]);
		assert_int_equal(pt_cursor_virt_addr(&m.c), 4 * MiB);
	}
	/* Past the middle, the remaining length shrinks. */
	assert_int_equal(pt_cursor_jump(&m.c, 10 * MiB), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 2 * MiB + 0x1000, &f), PT_ERR_LENGTH);
	assert_int_equal(pt_cursor_find_next(&m.c, 2 * MiB + 0x1000, &found, &ok), PT_ERR_LENGTH);
	th_assert_same(before, th_snapshot(&fx.h, &fx.u));
	pt_cursor_mut_drop(&m);
	fixture_fini(&fx);
}

static void protect_errors(void **state)
{
	(void)state;
	struct fixture fx;
	struct pt_cursor_mut m;
	pt_vaddr_t va = 0;
	uint64_t len = 0;
	bool ok;
	fixture_init(&fx);
	struct pt_protect ops[] = {
		{ 0, PT_GLOBAL, -1 },
		{ 0, PT_FLAGS_ALL + 1, -1 },
		{ PT_FLAGS_ALL + 1, 0, -1 },
		{ 0, 0, PT_CACHE__COUNT },
		{ 0, 0, -2 },
		{ PT_W, PT_GLOBAL, PT_CACHE_UC },
	};
	enum pt_err want[] = { PT_ERR_GLOBAL_USER, PT_ERR_INVAL, PT_ERR_INVAL, PT_ERR_INVAL,
			       PT_ERR_INVAL, PT_ERR_GLOBAL_USER };
	assert_int_equal(pt_cursor_mut_new(&m, &fx.u, 4 * MiB, 8 * MiB), PT_OK);
	struct th_snap before = th_snapshot(&fx.h, &fx.u);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		assert_int_equal(pt_cursor_protect_next(&m, 8 * MiB, ops[i], &va, &len, &ok), want[i]);
		assert_int_equal(pt_cursor_virt_addr(&m.c), 4 * MiB);
	}
	th_assert_same(before, th_snapshot(&fx.h, &fx.u));
	pt_cursor_mut_drop(&m);
	/* GLOBAL is fine in the kernel table. */
	pt_vaddr_t kva = th_kernel_base() + 4 * MiB;
	assert_int_equal(th_map_range(&fx.k, kva, 0, 0x1000, RW), PT_OK);
	struct pt_protect glb = { 0, PT_GLOBAL, -1 };
	assert_int_equal(th_protect(&fx.k, kva, 0x1000, glb), 1);
	th_assert_maps(&fx.u, kva, 0, 1, PT_RW | PT_GLOBAL);
	assert_int_equal(th_unmap(&fx.k, kva, 0x1000), 1);
	fixture_fini(&fx);
}

/* Properties the format has no encoding for (RISC-V: SW1; WT, WP, UC-) are
 * refused by map, map_range and protect, and nothing changes. */
static void unheld_properties(void **state)
{
	(void)state;
	struct fixture fx;
	struct pt_cursor_mut m;
	struct pt_prop held[(PT_FLAGS_ALL + 1) * PT_CACHE__COUNT];
	unsigned refused = 0;
	fixture_init(&fx);
	assert_int_equal(pt_cursor_mut_new(&m, &fx.u, 0, 1 * GiB), PT_OK);
	for (unsigned flags = 0; flags <= PT_FLAGS_ALL; flags++)
		for (unsigned cache = 0; cache < PT_CACHE__COUNT; cache++) {
			struct pt_prop p = pt_prop_make((uint16_t)flags, (enum pt_cache)cache);
			if (pt_fmt_prop_ok(th_fmt, p))
				continue;
			refused++;
			struct pt_item it = { 0x1000, 1, p, false };
			expect_map(&fx, &m, 16 * MiB, it, PT_ERR_INVAL);
			expect_map_range(&fx, &m, 16 * MiB, 0, 0x2000, p, PT_ERR_INVAL);
			struct pt_protect op = { 0, p.flags, (int8_t)p.cache };
			pt_vaddr_t va;
			uint64_t len;
			bool ok;
			assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB), PT_OK);
			struct th_snap before = th_snapshot(&fx.h, &fx.u);
			assert_int_equal(pt_cursor_protect_next(&m, 8 * MiB, op, &va, &len, &ok),
					 PT_ERR_INVAL);
			th_assert_same(before, th_snapshot(&fx.h, &fx.u));
			assert_int_equal(pt_cursor_virt_addr(&m.c), 4 * MiB);
		}
	assert_int_equal(refused, (PT_FLAGS_ALL + 1) * PT_CACHE__COUNT - cu_props(held));
	/* Clearing a flag the format cannot hold is no error. */
	struct pt_protect clear = { PT_SW1, 0, -1 };
	pt_vaddr_t va;
	uint64_t len;
	bool ok;
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB), PT_OK);
	assert_int_equal(pt_cursor_protect_next(&m, 8 * MiB, clear, &va, &len, &ok), PT_OK);
	assert_true(ok);
	assert_int_equal(va, 4 * MiB);
	pt_cursor_mut_drop(&m);
	fixture_fini(&fx);
}

static void jump_and_query_errors(void **state)
{
	(void)state;
	struct fixture fx;
	struct pt_cursor c;
	struct pt_query q;
	fixture_init(&fx);
	assert_int_equal(pt_cursor_new(&c, &fx.u, 4 * MiB, 8 * MiB), PT_OK);
	assert_int_equal(pt_cursor_jump(&c, 4 * MiB + 0x10), PT_ERR_UNALIGNED);
	assert_int_equal(pt_cursor_jump(&c, 12 * MiB), PT_ERR_VADDR);
	assert_int_equal(pt_cursor_jump(&c, 4 * MiB - 0x1000), PT_ERR_VADDR);
	assert_int_equal(pt_cursor_jump(&c, 0), PT_ERR_VADDR);
	assert_int_equal(pt_cursor_virt_addr(&c), 4 * MiB);
	pt_vaddr_t found;
	bool ok;
	assert_int_equal(pt_cursor_jump(&c, 10 * MiB), PT_OK);
	assert_int_equal(pt_cursor_find_next(&c, 2 * MiB, &found, &ok), PT_OK);
	assert_false(ok);
	assert_int_equal(pt_cursor_virt_addr(&c), 12 * MiB);
	assert_int_equal(pt_cursor_query(&c, &q), PT_ERR_VADDR);
	assert_int_equal(pt_cursor_find_next(&c, 0x1000, &found, &ok), PT_ERR_LENGTH);
	assert_int_equal(pt_cursor_find_next(&c, 0, &found, &ok), PT_OK);
	assert_false(ok);
	pt_cursor_drop(&c);
	fixture_fini(&fx);
}

static void table_handle_errors(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, e, u, copy;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(NULL, &h.env), PT_ERR_INVAL);
	assert_int_equal(pt_table_create_empty(&e, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_table_create_kernel(NULL, &h.env), PT_ERR_INVAL);
	assert_int_equal(pt_table_create_kernel(&k, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &e), PT_ERR_INVAL);
	assert_int_equal(pt_table_create_user(NULL, &e), PT_ERR_INVAL);
	assert_int_equal(pt_table_create_user(&u, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_shallow_copy(&copy, &k), PT_ERR_INVAL);
	assert_int_equal(pt_table_shallow_copy(NULL, &e), PT_ERR_INVAL);
	assert_int_equal(pt_table_shallow_copy(&copy, NULL), PT_ERR_INVAL);
	/* A shallow copy shares the tree: the last handle frees it. */
	assert_int_equal(th_map_range(&e, 0x1000, 0x1000, 0x1000, RW), PT_OK);
	assert_int_equal(pt_table_shallow_copy(&copy, &e), PT_OK);
	assert_int_equal(pt_table_root_paddr(&copy), pt_table_root_paddr(&e));
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_drain(&h);
	th_assert_maps(&copy, 0x1000, 0x1000, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&copy), PT_OK);
	assert_int_equal(pt_table_destroy(&copy), PT_ERR_INVAL);
	struct pt_cursor c;
	assert_int_equal(pt_cursor_new(&c, &copy, 0, 0x1000), PT_ERR_INVAL);
	assert_int_equal(pt_table_destroy(NULL), PT_ERR_INVAL);
	/* The same for a user table: its kernel stays busy until the last handle goes. */
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	assert_int_equal(pt_table_shallow_copy(&copy, &u), PT_OK);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_ERR_BUSY);
	assert_int_equal(pt_table_destroy(&copy), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

/*
 * Format variants the interface allows but no shipped format uses: a 64-bit
 * physical width (overflow is the only limit) and zero-extended addresses.
 */
static void format_variants(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, e;
	th_init(&h, 64 * MiB);
	struct pt_format wide = *th_fmt;
	wide.pa_bits = 64;
	wide.va_sign_extend = false;
	h.env.fmt = &wide;
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &e, 0, 1 * GiB), PT_OK);
	struct th_snap before = th_snapshot(&h, &e);
	assert_int_equal(pt_cursor_map_range(&m, 0ull - 0x1000, 0x2000, RW), PT_ERR_PADDR);
	th_assert_same(before, th_snapshot(&h, &e));
	assert_int_equal(pt_cursor_map_range(&m, 0x1000, 0x2000, RW), PT_OK);
	pt_cursor_mut_drop(&m);
	th_assert_maps(&e, 0x1000, 0x2000, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_drain(&h);   /* frees run asynchronously: settle the frame count */
	/* Without sign extension the upper half starts at 2^(va_bits-1), unextended. */
	pt_vaddr_t half = 1ull << (wide.va_bits - 1);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	expect_new(&h, &k, th_kernel_base(), 0x1000, PT_ERR_NONCANONICAL);
	assert_int_equal(th_map_range(&k, half + 0x1000, 0x1000, 0x1000, RW), PT_OK);
	th_assert_maps(&k, half + 0x1000, 0x1000, 1, PT_RW);
	expect_new(&h, &k, half - 0x1000, 0x1000, PT_ERR_RANGE);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

static void error_strings(void **state)
{
	(void)state;
	for (int e = 0; e < PT_ERR__COUNT; e++) {
		const char *s = pt_strerror((enum pt_err)e);
		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (int o = 0; o < e; o++)
			assert_string_not_equal(s, pt_strerror((enum pt_err)o));
	}
	assert_string_equal(pt_strerror(PT_ERR__COUNT), "unknown error");
	assert_string_equal(pt_strerror((enum pt_err)-1), "unknown error");
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(range_matrix_user),
		cmocka_unit_test(range_matrix_kernel),
		cmocka_unit_test(map_errors),
		cmocka_unit_test(map_errors_cursor_bounds),
		cmocka_unit_test(map_range_errors),
		cmocka_unit_test(scan_errors),
		cmocka_unit_test(protect_errors),
		cmocka_unit_test(unheld_properties),
		cmocka_unit_test(jump_and_query_errors),
		cmocka_unit_test(table_handle_errors),
		cmocka_unit_test(format_variants),
		cmocka_unit_test(error_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
