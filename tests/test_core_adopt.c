/* SPDX-License-Identifier: MIT */
/*
 * Adopting boot-built trees (pt/adopt.h), on every format: trees written
 * entry by entry as early boot code writes them (identity and linear maps,
 * huge leaves, aliased sub-tables), adopted, then changed through the
 * handle; hostile trees refused with nothing changed and nothing leaked.
 */
#include "core_util.h"

#define RAM (64 * MiB)
#define MAX_RAW 32

static struct pt_prop RW_;
static const struct pt_protect RO = { PT_W, 0, -1 };

/* A tree written with raw entries, and the frames it is made of. */
struct raw {
	struct th *h;
	pt_paddr_t root;
	pt_paddr_t frames[MAX_RAW];
	unsigned nr;
};

static pt_paddr_t raw_frame(struct raw *r)
{
	pt_paddr_t pa;
	assert_true(r->nr < MAX_RAW);
	assert_int_equal(pt_sim_ram_alloc(r->h->ram, PT_FRAME_TABLE, &pa), PT_OK);
	r->frames[r->nr++] = pa;
	return pa;
}

static void raw_init(struct raw *r, struct th *h)
{
	r->h = h;
	r->nr = 0;
	r->root = raw_frame(r);
}

static pt_paddr_t slot(pt_paddr_t table, pt_vaddr_t va, pt_level_t level)
{
	return table + 8 * pt_fmt_index(th_fmt, va, level);
}

static pt_pte_t raw_get(struct raw *r, pt_paddr_t table, pt_vaddr_t va, pt_level_t level)
{
	return pt_sim_ram_load64(r->h->ram, slot(table, va, level));
}

static void raw_set(struct raw *r, pt_paddr_t table, pt_vaddr_t va, pt_level_t level,
		    pt_pte_t pte)
{
	pt_sim_ram_store64(r->h->ram, slot(table, va, level), pte);
}

/* The table at @level covering @va, created on the way down as boot code does. */
static pt_paddr_t raw_walk(struct raw *r, pt_vaddr_t va, pt_level_t level)
{
	pt_paddr_t t = r->root;
	for (pt_level_t l = th_fmt->levels; l > level; l--) {
		pt_pte_t pte = raw_get(r, t, va, l);
		if (!pte) {
			pte = th_fmt->encode_table(raw_frame(r), l);
			raw_set(r, t, va, l, pte);
		}
		t = th_fmt->decode(pte, l).pa;
	}
	return t;
}

/* Map [va, va + len) -> pa with leaves of @level. */
static void raw_map(struct raw *r, pt_vaddr_t va, pt_paddr_t pa, uint64_t len, pt_level_t level,
		    struct pt_prop p)
{
	for (uint64_t off = 0; off < len; off += cu_size(level))
		raw_set(r, raw_walk(r, va + off, level), va + off, level,
			th_fmt->encode_leaf(pa + off, p, false, level));
}

/* Point the level-@level entry for @va at the table the one for @src points at. */
static void raw_alias(struct raw *r, pt_vaddr_t va, pt_vaddr_t src, pt_level_t level)
{
	pt_pte_t pte = raw_get(r, raw_walk(r, src, level), src, level);
	raw_set(r, raw_walk(r, va, level), va, level, pte);
}

/* A hash of every raw frame's entries. */
static uint64_t raw_hash(struct raw *r)
{
	uint64_t h = 14695981039346656037ull;
	for (unsigned i = 0; i < r->nr; i++)
		for (unsigned e = 0; e < pt_fmt_nr_entries(th_fmt); e++)
			h = (h ^ pt_sim_ram_load64(r->h->ram, r->frames[i] + 8 * e)) * 1099511628211ull;
	return h;
}

static void raw_free(struct raw *r)
{
	for (unsigned i = 0; i < r->nr; i++)
		pt_sim_ram_free_table(r->h->ram, r->frames[i]);
}

static uint64_t tables(struct th *h)
{
	return pt_sim_ram_stats(h->ram).tables_in_use;
}

static void count_node(void *ctx, pt_paddr_t pa, pt_level_t level, const pt_pte_t *ptes,
		       unsigned nr)
{
	(void)pa, (void)level, (void)ptes, (void)nr;
	++*(uint64_t *)ctx;
}

static uint64_t nodes(struct pt_table *t)
{
	uint64_t n = 0;
	assert_int_equal(pt_table_for_each_node(t, count_node, &n), PT_OK);
	return n;
}

static uint64_t root_slot_size(void)
{
	return cu_size(th_fmt->levels);
}

/* Identity map: huge leaves, a 1G leaf where the format has one, 4K leaves. */
static void identity_tree(struct raw *r)
{
	struct pt_prop rwx = pt_prop_make(PT_RWX | PT_ACCESSED | PT_DIRTY, PT_CACHE_WB);
	raw_map(r, 0, 0, 4 * cu_size(2), 2, rwx);
	raw_map(r, 8 * MiB, 8 * MiB, 16 * cu_size(1), 1, RW_);
	if (th_fmt->max_leaf_level >= 3 && th_fmt->levels > 3)
		raw_map(r, 1 * GiB, 1 * GiB, cu_size(3), 3, pt_prop_make(PT_RX, PT_CACHE_WB));
}

static void adopt_identity_then_change(void **state)
{
	(void)state;
	struct th h;
	struct raw r;
	struct pt_table t;
	th_init(&h, RAM);
	raw_init(&r, &h);
	identity_tree(&r);

	assert_int_equal(pt_table_adopt_empty(&t, &h.env, r.root), PT_OK);
	assert_int_equal(pt_table_root_paddr(&t), r.root);
	assert_int_equal(tables(&h), r.nr);
	assert_int_equal(nodes(&t), r.nr);
	th_assert_maps(&t, 3 * MiB + 0x123, 3 * MiB + 0x123, 2, PT_RWX | PT_ACCESSED | PT_DIRTY);
	th_assert_maps(&t, 8 * MiB + 0x5008, 8 * MiB + 0x5008, 1, PT_RW);
	th_assert_unmapped(&t, 8 * MiB + 16 * cu_size(1));
	if (th_fmt->max_leaf_level >= 3 && th_fmt->levels > 3)
		th_assert_maps(&t, 1 * GiB + 7 * MiB, 1 * GiB + 7 * MiB, 3, PT_RX);

	/* Map beside, split a huge leaf by unmap, protect the 4K leaves. */
	cu_map_in(&t, 16 * MiB, 2 * cu_size(2), 16 * MiB, 40 * MiB, cu_size(2), RW_);
	th_assert_maps(&t, 16 * MiB + 0x10, 40 * MiB + 0x10, 2, PT_RW);
	assert_int_equal(th_unmap(&t, 2 * MiB + 0x5000, 0x1000), 1);
	th_assert_unmapped(&t, 2 * MiB + 0x5000);
	th_assert_maps(&t, 2 * MiB + 0x6000, 2 * MiB + 0x6000, 1, 0);
	assert_int_equal(th_protect(&t, 8 * MiB, 16 * cu_size(1), RO), 16);
	th_assert_maps(&t, 8 * MiB + 0x5008, 8 * MiB + 0x5008, 1, PT_R);
	assert_int_equal(th_unmap(&t, 0, cu_size(2)), 1);
	th_assert_unmapped(&t, 0x1000);

	assert_int_equal(pt_table_destroy(&t), PT_OK);
	th_fini(&h);
}

/* Split-root formats (AArch64 TTBR1): kernel adoption is refused, nothing changed. */
static bool split_root_refused(struct th *h, struct raw *r)
{
	if (!th_fmt->split_root)
		return false;
	struct pt_table t;
	uint64_t hash = raw_hash(r), before = tables(h);
	assert_int_equal(pt_table_adopt_kernel(&t, &h->env, r->root), PT_ERR_INVAL);
	assert_int_equal(raw_hash(r), hash);
	assert_int_equal(tables(h), before);
	raw_free(r);
	th_fini(h);
	return true;
}

/*
 * A higher-half linear map whose sub-tables are aliased as boot code does:
 * the last root slot points at the linear map's table, and inside it two
 * level-2 entries share one level-1 table. Each alias gets its own copy.
 */
static void adopt_linear_kernel_with_aliases(void **state)
{
	(void)state;
	struct th h;
	struct raw r;
	struct pt_table t, u;
	const struct pt_format *f = th_fmt;
	th_init(&h, RAM);
	raw_init(&r, &h);
	if (split_root_refused(&h, &r))
		return;
	pt_vaddr_t k = th_kernel_base(), top = 0 - root_slot_size();
	raw_map(&r, k, 0, 8 * cu_size(2), 2, RW_);
	raw_map(&r, k + 32 * MiB, 20 * MiB, 8 * cu_size(1), 1, RW_);
	raw_alias(&r, k + 34 * MiB, k + 32 * MiB, 2);
	raw_alias(&r, top, k, f->levels);
	/* What the MMU may set in a table entry is accepted and cleared. */
	pt_pte_t top_entry = raw_get(&r, r.root, top, f->levels);
	raw_set(&r, r.root, top, f->levels, top_entry | f->table_ignored);

	assert_int_equal(pt_table_adopt_kernel(&t, &h.env, r.root), PT_OK);
	uint64_t half = pt_fmt_nr_entries(f) / 2;
	uint64_t copies = 1 + (f->levels - 2) + 2;
	assert_int_equal(tables(&h), r.nr + copies + (half - 2));
	assert_int_equal(nodes(&t), r.nr + copies + (half - 2));
	assert_int_not_equal(raw_get(&r, r.root, top, f->levels), top_entry);
	assert_int_equal(raw_get(&r, r.root, top, f->levels) & f->table_ignored, 0);

	th_assert_maps(&t, k + 5 * MiB, 5 * MiB, 2, PT_RW);
	th_assert_maps(&t, top + 5 * MiB, 5 * MiB, 2, PT_RW);
	th_assert_maps(&t, k + 32 * MiB + 0x3000, 20 * MiB + 0x3000, 1, PT_RW);
	th_assert_maps(&t, k + 34 * MiB + 0x3000, 20 * MiB + 0x3000, 1, PT_RW);
	th_assert_maps(&t, top + 34 * MiB + 0x3000, 20 * MiB + 0x3000, 1, PT_RW);

	/* The aliases are independent now. */
	assert_int_equal(th_unmap(&t, k + 32 * MiB + 0x3000, 0x1000), 1);
	th_assert_unmapped(&t, k + 32 * MiB + 0x3000);
	th_assert_maps(&t, k + 34 * MiB + 0x3000, 20 * MiB + 0x3000, 1, PT_RW);
	th_assert_maps(&t, top + 32 * MiB + 0x3000, 20 * MiB + 0x3000, 1, PT_RW);
	assert_int_equal(th_protect(&t, top, 2 * cu_size(2), RO), 2);
	th_assert_maps(&t, top + 0x10, 0x10, 2, PT_R);
	th_assert_maps(&t, k + 0x10, 0x10, 2, PT_RW);

	/* A kernel table like any other: user tables share its half. */
	assert_int_equal(pt_table_create_user(&u, &t), PT_OK);
	assert_int_equal(th_map_range(&u, 0, 8 * MiB, cu_size(1), RW_), PT_OK);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&t), PT_OK);
	th_fini(&h);
}

/* The first single bit that makes @base at @level decode as @kind but not re-encode; 0 if none. */
static pt_pte_t find_bad_bit(pt_pte_t base, pt_level_t level, enum pt_pte_kind kind)
{
	const struct pt_format *f = th_fmt;
	for (unsigned b = 0; b < 64; b++) {
		pt_pte_t pte = base | (1ull << b);
		if (pte == base)
			continue;
		struct pt_pte_info i = f->decode(pte, level);
		if (i.kind != kind)
			continue;
		if (kind == PT_PTE_ABSENT)
			return pte;
		pt_pte_t again = kind == PT_PTE_TABLE ? f->encode_table(i.pa, level) | (pte & f->table_ignored)
						      : f->encode_leaf(i.pa, i.prop, i.tracked, level);
		if (again != pte && !(kind == PT_PTE_LEAF && i.tracked))
			return pte;
	}
	return 0;
}

/* One hostile entry: where it goes (a table and the address it covers) and what it is. */
struct hostile {
	const char *what;
	pt_paddr_t table;
	pt_vaddr_t va;
	pt_level_t level;
	pt_pte_t pte;
	enum pt_err err;
};

/* Write h->pte into the tree, expect refusal with nothing changed, undo, adopt. */
static void refuse_then_adopt(struct th *h, struct raw *r, const struct hostile *x)
{
	struct pt_table t;
	pt_pte_t saved = raw_get(r, x->table, x->va, x->level);
	raw_set(r, x->table, x->va, x->level, x->pte);
	uint64_t hash = raw_hash(r), before = tables(h);
	assert_int_equal(pt_table_adopt_empty(&t, &h->env, r->root), x->err);
	assert_int_equal(raw_hash(r), hash);
	assert_int_equal(tables(h), before);

	/* Repaired, it adopts with no copies: the refusal left no marks behind. */
	raw_set(r, x->table, x->va, x->level, saved);
	assert_int_equal(pt_table_adopt_empty(&t, &h->env, r->root), PT_OK);
	assert_int_equal(tables(h), before);
	assert_int_equal(nodes(&t), r->nr);
	th_assert_maps(&t, 8 * MiB + 0x2000, 8 * MiB + 0x2000, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&t), PT_OK);
	/* The frames go after a grace period: let them, before the next count. */
	th_drain(h);
}

static void hostile_trees_refused(void **state)
{
	(void)state;
	const struct pt_format *f = th_fmt;
	pt_level_t top = f->levels;
	pt_pte_t leaf4k = f->encode_leaf(8 * MiB, RW_, false, 1);
	struct hostile xs[16];
	unsigned n = 0;
	struct th h;
	th_init(&h, RAM);

	for (unsigned pass = 0;; pass++) {
		struct raw r;
		raw_init(&r, &h);
		identity_tree(&r);
		pt_paddr_t l1 = raw_walk(&r, 8 * MiB, 1), l2 = raw_walk(&r, 8 * MiB, 2);
		pt_paddr_t below_root = raw_walk(&r, 0, top - 1);
		pt_vaddr_t free_4k = 8 * MiB + 100 * cu_size(1);
		pt_paddr_t far = ((pt_paddr_t)1 << (f->pa_bits - 1)) + 2 * MiB;
		n = 0;
		xs[n++] = (struct hostile){ "table entry outside RAM", l2, 8 * MiB, 2,
					    f->encode_table(far, 2), PT_ERR_PADDR };
		xs[n++] = (struct hostile){ "tracked leaf", l1, free_4k, 1,
					    f->encode_leaf(8 * MiB, RW_, true, 1), PT_ERR_INVAL };
		xs[n++] = (struct hostile){ "recursive map", below_root, 40 * cu_size(top - 1),
					    top - 1, f->encode_table(r.root, top - 1), PT_ERR_LEVEL };
		if (!f->split_root) /* a split-root empty table spans its whole root */
			xs[n++] = (struct hostile){ "upper half in an empty table", r.root,
						    th_kernel_base(), top,
						    f->encode_table(below_root, top), PT_ERR_RANGE };
		pt_pte_t bad = find_bad_bit(leaf4k, 1, PT_PTE_LEAF);
		assert_int_not_equal(bad, 0);
		xs[n++] = (struct hostile){ "leaf bits the codec drops", l1, free_4k, 1, bad,
					    PT_ERR_INVAL };
		bad = find_bad_bit(0, 1, PT_PTE_ABSENT);
		assert_int_not_equal(bad, 0);
		xs[n++] = (struct hostile){ "non-zero absent entry", l1, free_4k, 1, bad, PT_ERR_INVAL };
		bad = find_bad_bit(f->encode_table(l1, 2), 2, PT_PTE_TABLE);
		if (bad)
			xs[n++] = (struct hostile){ "rights narrowed in a table entry", l2, 8 * MiB, 2,
						    bad, PT_ERR_INVAL };
		if (f->levels > f->max_leaf_level &&
		    f->decode(f->encode_leaf(0, RW_, false, top), top).kind == PT_PTE_LEAF)
			xs[n++] = (struct hostile){ "leaf above the highest leaf level", r.root,
						    2 * root_slot_size(), top,
						    f->encode_leaf(0, RW_, false, top), PT_ERR_LEVEL };
		if (pass == n) {
			raw_free(&r);
			break;
		}
		print_message("# %s\n", xs[pass].what);
		refuse_then_adopt(&h, &r, &xs[pass]);
	}
	th_fini(&h);
}

/* Out of memory while reserving copies and kernel children: refused, nothing leaked. */
static void adopt_out_of_memory(void **state)
{
	(void)state;
	struct th h;
	struct raw r;
	struct pt_table t;
	th_init(&h, RAM);
	raw_init(&r, &h);
	if (split_root_refused(&h, &r))
		return;
	pt_vaddr_t k = th_kernel_base();
	raw_map(&r, k, 0, 4 * cu_size(2), 2, RW_);
	raw_alias(&r, k + root_slot_size(), k, th_fmt->levels);
	uint64_t hash = raw_hash(&r), before = tables(&h);
	uint64_t half = pt_fmt_nr_entries(th_fmt) / 2;
	uint64_t needed = (th_fmt->levels - 2) + (half - 2);
	uint64_t fail_at[] = { 1, 2, needed / 2, needed };
	for (unsigned i = 0; i < 4; i++) {
		pt_sim_ram_fail_nth(h.ram, fail_at[i]);
		assert_int_equal(pt_table_adopt_kernel(&t, &h.env, r.root), PT_ERR_NOMEM);
		assert_int_equal(raw_hash(&r), hash);
		assert_int_equal(tables(&h), before);
	}
	pt_sim_ram_fail_nth(h.ram, 0);
	assert_int_equal(pt_table_adopt_kernel(&t, &h.env, r.root), PT_OK);
	assert_int_equal(tables(&h), before + needed);
	th_assert_maps(&t, k + root_slot_size() + 0x10, 0x10, 2, PT_RW);
	assert_int_equal(pt_table_destroy(&t), PT_OK);
	th_fini(&h);
}

/* Caller mistakes: bad arguments, a live table's root, a lower-half map as a kernel table. */
static void adopt_bad_calls(void **state)
{
	(void)state;
	struct th h;
	struct raw r;
	struct pt_table t, live;
	th_init(&h, RAM);
	raw_init(&r, &h);
	identity_tree(&r);
	assert_int_equal(pt_table_adopt_empty(NULL, &h.env, r.root), PT_ERR_INVAL);
	assert_int_equal(pt_table_adopt_empty(&t, NULL, r.root), PT_ERR_INVAL);
	assert_int_equal(pt_table_adopt_empty(&t, &h.env, r.root + 8), PT_ERR_UNALIGNED);
	assert_int_equal(pt_table_adopt_empty(&t, &h.env, RAM + 2 * MiB), PT_ERR_PADDR);
	assert_int_equal(pt_table_adopt_kernel(&t, &h.env, r.root),
			 th_fmt->split_root ? PT_ERR_INVAL : PT_ERR_RANGE);

	assert_int_equal(pt_table_create_empty(&live, &h.env), PT_OK);
	assert_int_equal(th_map_range(&live, 0, 0, cu_size(2), RW_), PT_OK);
	struct th_snap s = th_snapshot(&h, &live);
	assert_int_equal(pt_table_adopt_empty(&t, &h.env, pt_table_root_paddr(&live)), PT_ERR_BUSY);
	th_assert_same(s, th_snapshot(&h, &live));
	assert_int_equal(pt_table_destroy(&live), PT_OK);

	assert_int_equal(pt_table_adopt_empty(&t, &h.env, r.root), PT_OK);
	assert_int_equal(pt_table_destroy(&t), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	RW_ = pt_prop_make(PT_RW, PT_CACHE_WB);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(adopt_identity_then_change),
		cmocka_unit_test(adopt_linear_kernel_with_aliases),
		cmocka_unit_test(hostile_trees_refused),
		cmocka_unit_test(adopt_out_of_memory),
		cmocka_unit_test(adopt_bad_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
