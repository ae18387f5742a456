/* SPDX-License-Identifier: MIT */
/*
 * Tables the core builds on the Sv39 and Sv48 formats, walked by the RISC-V
 * walker (sim/riscv_walk.c): the codec writes what a hart would read as the
 * property the core was asked for. Every test runs once per mode.
 */
#include "riscv_rig.h"

struct core {
	struct th h;
	unsigned levels;
};

static void core_init(struct core *c, void **state)
{
	const struct variant *v = *state;
	th_fmt = v->fmt;
	th_init(&c->h, 64 * MiB);
	c->levels = v->levels;
}

static enum pt_sim_rv_exc core_walk(struct core *c, struct pt_table *t, uint64_t va,
				 enum pt_sim_rv_access a, bool user, bool sum, bool hw_ad,
				 struct pt_sim_rv_xlat *x)
{
	return pt_sim_rv_walk(c->h.ram, c->levels, pt_table_root_paddr(t), va, a, user, sum, false,
			   hw_ad, x);
}

/* What the core's property promises, on a Svade hart. */
static bool prop_allows(uint16_t flags, enum pt_sim_rv_access a, bool user, bool sum)
{
	if (!(flags & PT_R) || !(flags & PT_ACCESSED))
		return false;
	if (user && !(flags & PT_USER))
		return false;
	if (!user && (flags & PT_USER) && (a == FETCH || !sum))
		return false;
	if (a == STORE)
		return (flags & PT_W) && (flags & PT_DIRTY);
	return a == LOAD || (flags & PT_X);
}

static unsigned pbmt_of(uint8_t cache)
{
	if (cache == PT_CACHE_WC)
		return 1;
	return cache == PT_CACHE_UC ? 2 : 0;
}

static void expect_bit(uint64_t pte, uint64_t bit, bool want)
{
	assert_int_equal(!!(pte & bit), want);
}

/* The leaf a successful walk found holds exactly @p. */
static void expect_leaf_prop(const struct pt_sim_rv_xlat *x, struct pt_prop p)
{
	expect_bit(x->pte, PTE_R, true);
	expect_bit(x->pte, PTE_W, p.flags & PT_W);
	expect_bit(x->pte, PTE_X, p.flags & PT_X);
	expect_bit(x->pte, PTE_U, p.flags & PT_USER);
	expect_bit(x->pte, PTE_G, p.flags & PT_GLOBAL);
	assert_int_equal(x->global, !!(p.flags & PT_GLOBAL));
	expect_bit(x->pte, PTE_A, p.flags & PT_ACCESSED);
	expect_bit(x->pte, PTE_D, p.flags & PT_DIRTY);
	assert_int_equal(x->pbmt, pbmt_of(p.cache));
}

/* The raw entry for @va at level @i of @t, found by following pointer entries. */
static uint64_t raw_entry(struct core *c, struct pt_table *t, uint64_t va, unsigned i)
{
	pt_paddr_t a = pt_table_root_paddr(t);
	for (unsigned l = c->levels - 1; l > i; l--)
		a = pte_addr(pt_sim_ram_load64(c->h.ram, a + vpn(va, l) * 8));
	return pt_sim_ram_load64(c->h.ram, a + vpn(va, i) * 8);
}

/* Every access in every mode to @va does what @p promises, reaching @pa at leaf level @i. */
static void expect_prop(struct core *c, struct pt_table *t, uint64_t va, pt_paddr_t pa,
			unsigned i, struct pt_prop p)
{
	for (int a = LOAD; a <= FETCH; a++)
		for (int m = 0; m < 4; m++) {
			bool user = m & 1, sum = m & 2;
			struct pt_sim_rv_xlat x;
			enum pt_sim_rv_exc got = core_walk(c, t, va, a, user, sum, false, &x);
			if (!prop_allows(p.flags, a, user, sum)) {
				assert_int_equal(got, cause(a));
				continue;
			}
			assert_int_equal(got, PT_SIM_RV_OK);
			assert_int_equal(x.pa, pa);
			assert_int_equal(x.level, i);
			expect_leaf_prop(&x, p);
		}
	/* Apart from A and D: leaves the first loop only saw fault are read too. */
	uint16_t with_ad = p.flags | PT_ACCESSED | PT_DIRTY;
	for (int a = LOAD; a <= FETCH; a++)
		for (int m = 0; m < 4; m++) {
			bool user = m & 1, sum = m & 2;
			struct pt_sim_rv_xlat x;
			enum pt_sim_rv_exc got = pt_sim_rv_walk(c->h.ram, c->levels, pt_table_root_paddr(t),
							  va, a, user, sum, false, PT_SIM_RV_AD_AS_SET, &x);
			assert_int_equal(got, prop_allows(with_ad, a, user, sum) ? PT_SIM_RV_OK : cause(a));
			if (got != PT_SIM_RV_OK)
				continue;
			assert_int_equal(x.pa, pa);
			assert_int_equal(x.level, i);
			expect_leaf_prop(&x, p);
		}
	if (p.flags & PT_R)
		return;
	expect_bit(raw_entry(c, t, va, i), PTE_V, false);
	for (int a = LOAD; a <= FETCH; a++)
		for (int user = 0; user < 2; user++)
			assert_int_equal(pt_sim_rv_walk(c->h.ram, c->levels, pt_table_root_paddr(t), va, a,
						     user, true, true, true, NULL), cause(a));
}

static void expect_unmapped(struct core *c, struct pt_table *t, uint64_t va)
{
	for (int a = LOAD; a <= FETCH; a++)
		for (int m = 0; m < 4; m++)
			assert_int_equal(core_walk(c, t, va, a, m & 1, m & 2, true, NULL), cause(a));
}

/* Map the data frame @pa at @va of @t with pt_cursor_map, handing the table its reference. */
static void map_tracked_page(struct pt_table *t, uint64_t va, pt_paddr_t pa, struct pt_prop p)
{
	struct pt_cursor_mut m;
	struct pt_item it = { pa, 1, p, true };
	assert_int_equal(pt_cursor_mut_new(&m, t, va, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	pt_cursor_mut_drop(&m);
}

#define NR_CACHES 3
static const uint8_t caches[NR_CACHES] = { PT_CACHE_WB, PT_CACHE_WC, PT_CACHE_UC };

/* The @n-th property whose flags are a subset of @vary (flag-major, then cache). */
static struct pt_prop nth_prop(uint16_t vary, unsigned n)
{
	unsigned k = n / NR_CACHES;
	uint16_t flags = 0;
	for (unsigned b = 0; b < 9; b++) {
		if (!(vary & (1u << b)))
			continue;
		if (k & 1)
			flags |= (uint16_t)(1u << b);
		k >>= 1;
	}
	return pt_prop_make(flags, (enum pt_cache)caches[n % NR_CACHES]);
}

static unsigned nr_props(uint16_t vary)
{
	unsigned n = NR_CACHES;
	for (; vary; vary &= (uint16_t)(vary - 1))
		n *= 2;
	return n;
}

/* One 4 KiB page per property built from @vary at @base, mapped by pt_cursor_map. */
static void map_props(struct core *c, struct pt_table *t, uint64_t base, uint16_t vary,
		      bool tracked, pt_paddr_t *pas)
{
	struct pt_cursor_mut m;
	unsigned n = nr_props(vary);
	assert_int_equal(pt_cursor_mut_new(&m, t, base, n * 0x1000ull), PT_OK);
	for (unsigned k = 0; k < n; k++) {
		pas[k] = tracked ? th_frame(&c->h) : 0x00ffff0000000000ull + k * 0x3000ull;
		struct pt_item it = { pas[k], 1, nth_prop(vary, k), tracked };
		assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	}
	pt_cursor_mut_drop(&m);
}

static void check_props(struct core *c, struct pt_table *t, uint64_t base, uint16_t vary,
			const pt_paddr_t *pas)
{
	for (unsigned k = 0; k < nr_props(vary); k++) {
		uint64_t va = base + k * 0x1000ull;
		expect_prop(c, t, va + 0x9a8, pas[k] + 0x9a8, 0, nth_prop(vary, k));
	}
	expect_unmapped(c, t, base - 0x1000);
	expect_unmapped(c, t, base + nr_props(vary) * 0x1000ull);
}

#define VARY_COMMON (PT_R | PT_W | PT_X | PT_ACCESSED | PT_DIRTY | PT_SW0)
#define MAX_PROPS (128 * NR_CACHES)

/* Every flag combination and cache policy, tracked in an empty table and global in a kernel one. */
static void core_properties(void **state)
{
	struct core c;
	struct pt_table e, k;
	static pt_paddr_t pas[MAX_PROPS];
	core_init(&c, state);
	assert_int_equal(pt_table_create_empty(&e, &c.h.env), PT_OK);
	assert_int_equal(pt_table_create_kernel(&k, &c.h.env), PT_OK);
	uint64_t ubase = 3 * GiB + 0x5000, kbase = th_kernel_base() + 7 * GiB;
	map_props(&c, &e, ubase, VARY_COMMON | PT_USER, true, pas);
	check_props(&c, &e, ubase, VARY_COMMON | PT_USER, pas);
	map_props(&c, &k, kbase, VARY_COMMON | PT_GLOBAL, false, pas);
	check_props(&c, &k, kbase, VARY_COMMON | PT_GLOBAL, pas);
	expect_unmapped(&c, &e, kbase);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&c.h);
}

/* Leaves of each level up to the root and back down from one map_range. */
static void core_leaf_levels(void **state)
{
	struct core c;
	struct pt_table e;
	const struct pt_prop p = pt_prop_make(PT_RWX | PT_USER | PT_ACCESSED | PT_DIRTY,
					      PT_CACHE_WC);
	core_init(&c, state);
	assert_int_equal(pt_table_create_empty(&e, &c.h.env), PT_OK);
	unsigned top = c.levels - 1;
	uint64_t below = 0;
	for (unsigned i = 0; i < top; i++)
		below += span(i);
	uint64_t start = 2 * span(top) - below, len = 2 * below + span(top);
	uint64_t delta = (1ull << 55) + 5 * span(top);
	assert_int_equal(th_map_range(&e, start, start + delta, len, p), PT_OK);
	uint64_t va = start;
	for (unsigned s = 0; s < 2 * top + 1; s++) {
		unsigned i = s <= top ? s : 2 * top - s;
		expect_prop(&c, &e, va, va + delta, i, p);
		expect_prop(&c, &e, va + span(i) / 2 + 0x18, va + delta + span(i) / 2 + 0x18, i, p);
		expect_prop(&c, &e, va + span(i) - 1, va + delta + span(i) - 1, i, p);
		va += span(i);
	}
	assert_int_equal(va, start + len);
	expect_unmapped(&c, &e, start - 1);
	expect_unmapped(&c, &e, start + len);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&c.h);
}

/* User tables walk the kernel half through their own root, as it changes. */
static void core_user_sees_kernel(void **state)
{
	struct core c;
	struct pt_table k, u1, u2;
	const struct pt_prop kp = pt_prop_make(PT_RW | PT_GLOBAL | PT_ACCESSED | PT_DIRTY,
					       PT_CACHE_WB);
	const struct pt_prop up = pt_prop_make(PT_RWX | PT_USER | PT_ACCESSED | PT_DIRTY,
					       PT_CACHE_WB);
	core_init(&c, state);
	assert_int_equal(pt_table_create_kernel(&k, &c.h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u1, &k), PT_OK);
	uint64_t kva = th_kernel_base() + 3 * GiB, uva = 0x10000;
	pt_paddr_t kpa = 40 * MiB, upa = th_frame(&c.h);
	assert_int_equal(th_map_range(&k, kva, kpa, 4 * MiB, kp), PT_OK);
	map_tracked_page(&u1, uva, upa, up);
	assert_int_equal(pt_table_create_user(&u2, &k), PT_OK);
	struct pt_table *all[] = { &k, &u1, &u2 };
	for (unsigned t = 0; t < 3; t++) {
		expect_prop(&c, all[t], kva + 0x123, kpa + 0x123, 1, kp);
		expect_prop(&c, all[t], kva + 3 * MiB + 0x8, kpa + 3 * MiB + 0x8, 1, kp);
		expect_unmapped(&c, all[t], kva + 4 * MiB);
	}
	expect_prop(&c, &u1, uva + 0x10, upa + 0x10, 0, up);
	expect_unmapped(&c, &u2, uva);
	expect_unmapped(&c, &k, uva);
	/* A kernel mapping added or removed later shows in every user table at once. */
	uint64_t late = th_kernel_base() + span(c.levels - 1) * 5 + 0x7000;
	assert_int_equal(th_map_range(&k, late, 0x9000, 0x1000, kp), PT_OK);
	expect_prop(&c, &u1, late, 0x9000, 0, kp);
	expect_prop(&c, &u2, late, 0x9000, 0, kp);
	assert_int_equal(th_unmap(&k, kva, 4 * MiB), 2);
	assert_int_equal(th_unmap(&k, late, 0x1000), 1);
	for (unsigned t = 0; t < 3; t++) {
		expect_unmapped(&c, all[t], kva);
		expect_unmapped(&c, all[t], late);
	}
	assert_int_equal(pt_table_destroy(&u1), PT_OK);
	assert_int_equal(pt_table_destroy(&u2), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&c.h);
}

/* protect_next on one page of a 2 MiB leaf, then on all of it; take_next of one page. */
static void core_protect_and_take(void **state)
{
	struct core c;
	struct pt_table e;
	const struct pt_prop p = pt_prop_make(PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY,
					      PT_CACHE_WB);
	core_init(&c, state);
	assert_int_equal(pt_table_create_empty(&e, &c.h.env), PT_OK);
	uint64_t va = 6 * MiB, page = va + 0x17000;
	pt_paddr_t pa = 30 * MiB;
	assert_int_equal(th_map_range(&e, va - 2 * MiB, pa - 2 * MiB, 6 * MiB, p), PT_OK);
	expect_prop(&c, &e, page, pa + 0x17000, 1, p);

	struct pt_cursor_mut m;
	struct pt_protect op = { PT_W, PT_X, PT_CACHE_UC };
	pt_vaddr_t sva;
	uint64_t slen;
	bool found;
	assert_int_equal(pt_cursor_mut_new(&m, &e, page, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_protect_next(&m, 0x1000, op, &sva, &slen, &found), PT_OK);
	assert_true(found);
	pt_cursor_mut_drop(&m);
	expect_prop(&c, &e, page + 0x40, pa + 0x17040, 0, pt_protect_apply(op, p));
	for (uint64_t off = 0; off < 2 * MiB; off += 0x1000)
		if (va + off != page)
			expect_prop(&c, &e, va + off + 0xff8, pa + off + 0xff8, 0, p);
	expect_prop(&c, &e, va - 0x10, pa - 0x10, 1, p);
	expect_prop(&c, &e, va + 2 * MiB, pa + 2 * MiB, 1, p);

	struct pt_protect noaccess = { PT_R, 0, -1 };
	assert_int_equal(th_protect(&e, va, 2 * MiB, noaccess), 512);
	for (uint64_t off = 0; off < 2 * MiB; off += 0x1000)
		expect_unmapped(&c, &e, va + off);
	struct pt_protect back = { 0, PT_R, PT_CACHE_WB };
	assert_int_equal(th_protect(&e, va, 2 * MiB, back), 512);
	expect_prop(&c, &e, va, pa, 0, p);
	expect_prop(&c, &e, page, pa + 0x17000, 0, pt_protect_apply(back, pt_protect_apply(op, p)));

	struct pt_frag f;
	assert_int_equal(pt_cursor_mut_new(&m, &e, va + 0x1000, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	assert_int_equal(f.item.pa, pa + 0x1000);
	pt_cursor_mut_drop(&m);
	pt_frag_release(e.env, &f);
	expect_unmapped(&c, &e, va + 0x1000);
	expect_prop(&c, &e, va + 0x2000, pa + 0x2000, 0, p);
	expect_prop(&c, &e, va + 0xfff, pa + 0xfff, 0, p);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&c.h);
}

/*
 * A root-level leaf (Sv39 1 GiB, Sv48 512 GiB) loses one page: at each level
 * down to the hole, every other slot still maps one level smaller.
 */
static void split_root_leaf(void **state, bool user)
{
	struct core c;
	struct pt_table k, t;
	const struct pt_prop p = pt_prop_make(PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY,
					      PT_CACHE_WC);
	core_init(&c, state);
	if (user) {
		assert_int_equal(pt_table_create_kernel(&k, &c.h.env), PT_OK);
		assert_int_equal(pt_table_create_user(&t, &k), PT_OK);
	} else {
		assert_int_equal(pt_table_create_empty(&t, &c.h.env), PT_OK);
	}
	unsigned top = c.levels - 1;
	uint64_t va = 2 * span(top), delta = 6 * span(top);
	assert_int_equal(th_map_range(&t, va, va + delta, 2 * span(top), p), PT_OK);
	expect_prop(&c, &t, va + 0x1234, va + delta + 0x1234, top, p);

	uint64_t hole = va + 77 * span(top) / 512 + 13 * 0x1000;
	struct pt_cursor_mut m;
	struct pt_frag f;
	assert_int_equal(pt_cursor_mut_new(&m, &t, hole, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 0x1000, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_MAPPED);
	assert_int_equal(f.item.pa, hole + delta);
	pt_cursor_mut_drop(&m);
	pt_frag_release(t.env, &f);

	for (unsigned i = top; i > 0; i--) {
		uint64_t base = hole & ~(span(i) - 1), child = span(i - 1);
		for (uint64_t s = base; s < base + span(i); s += child) {
			if (s == (hole & ~(child - 1)))
				continue;
			expect_prop(&c, &t, s, s + delta, i - 1, p);
			expect_prop(&c, &t, s + child - 8, s + delta + child - 8, i - 1, p);
		}
	}
	expect_unmapped(&c, &t, hole);
	expect_unmapped(&c, &t, hole + 0xfff);
	expect_prop(&c, &t, va + span(top), va + span(top) + delta, top, p);
	assert_int_equal(pt_table_destroy(&t), PT_OK);
	if (user)
		assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&c.h);
}

static void core_split_root_leaf_empty(void **state)
{
	split_root_leaf(state, false);
}

static void core_split_root_leaf_user(void **state)
{
	split_root_leaf(state, true);
}

/* Svadu sets A and D at the bits the core reads as PT_ACCESSED and PT_DIRTY. */
static void core_hw_ad_feedback(void **state)
{
	struct core c;
	struct pt_table e;
	const struct pt_prop p = pt_prop_make(PT_RWX | PT_USER, PT_CACHE_WB);
	core_init(&c, state);
	assert_int_equal(pt_table_create_empty(&e, &c.h.env), PT_OK);
	uint64_t va = 0x40000;
	pt_paddr_t pa = th_frame(&c.h);
	map_tracked_page(&e, va, pa, p);
	expect_prop(&c, &e, va, pa, 0, p);

	struct pt_sim_rv_xlat x;
	pt_paddr_t got;
	struct pt_item leaf;
	assert_int_equal(core_walk(&c, &e, va, LOAD, true, false, true, &x), PT_SIM_RV_OK);
	assert_int_equal(pt_table_translate(&e, va, &got, &leaf), PT_OK);
	assert_int_equal(leaf.prop.flags, p.flags | PT_ACCESSED);
	assert_true(leaf.tracked);
	expect_prop(&c, &e, va, pa, 0, leaf.prop);
	assert_int_equal(core_walk(&c, &e, va, STORE, true, false, true, &x), PT_SIM_RV_OK);
	assert_int_equal(pt_table_translate(&e, va, &got, &leaf), PT_OK);
	assert_int_equal(leaf.prop.flags, p.flags | PT_ACCESSED | PT_DIRTY);
	assert_int_equal(got, pa);
	expect_prop(&c, &e, va + 0x321, pa + 0x321, 0, leaf.prop);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&c.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(core_properties),
		BOTH(core_leaf_levels),
		BOTH(core_user_sees_kernel),
		BOTH(core_protect_and_take),
		BOTH(core_split_root_leaf_empty),
		BOTH(core_split_root_leaf_user),
		BOTH(core_hw_ad_feedback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
