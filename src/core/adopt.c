/* SPDX-License-Identifier: MIT */
/*
 * Adopting a boot-built tree (pt/adopt.h). Three passes, so that a refused
 * tree is left exactly as it was:
 *  1. check: walk the tree, decide for every entry whether the format can
 *     represent it, mark each table frame in its metadata slot (the only
 *     thing written) and count the frames pass 3 will need;
 *  2. reserve: allocate them; on failure free them and remove the marks;
 *  3. commit: turn each marked frame into a node, write table entries in
 *     the format's own form, give each further entry to a sub-table a copy
 *     of it. Cannot fail.
 * A mark is a metadata slot no live node can have (no entry pointer, a
 * magic lock word) naming this frame and environment; while marked, the
 * handles word holds the frames of the sub-tree once unshared.
 */
#include <pt/adopt.h>

#include "compiler.h"
#include "node.h"
#include "table_init.h"

#define ADOPT_MARK 0x41444f50u

struct adopt {
	const struct pt_env *env;
	const struct pt_format *f;
	enum pt_table_kind kind;
	uint64_t copies;           /* frames of copies of shared sub-tables */
	uint64_t fill;             /* empty children a kernel root still needs */
	struct pt_node *pool;      /* reserved frames, linked through defer.priv[0] */
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static bool is_marked(const struct adopt *a, struct pt_node *n, pt_paddr_t pa)
{
	return !n->ptes && n->pa == pa && n->env == a->env &&
	       atomic_load_explicit(&n->lock, memory_order_relaxed) == ADOPT_MARK;
}

/* A slot that already holds a node of this environment: another table's frame. */
static bool is_live(const struct adopt *a, struct pt_node *n, pt_paddr_t pa,
		    _Atomic pt_pte_t *ptes)
{
	return n->ptes == ptes && n->pa == pa && n->env == a->env;
}

static pt_pte_t raw_load(_Atomic pt_pte_t *ptes, unsigned i)
{
	return atomic_load_explicit(&ptes[i], memory_order_relaxed);
}

/* The metadata slot and entries of the table frame at @pa; PT_ERR_PADDR if it has none. */
PT_MUST_CHECK static enum pt_err frame_of(const struct adopt *a, pt_paddr_t pa, struct pt_node **n,
			    _Atomic pt_pte_t **ptes)
{
	const struct pt_physmem *mem = &a->env->mem;
	*n = mem->ops->table_meta(mem->ctx, pa);
	*ptes = mem->ops->phys_to_virt(mem->ctx, pa);
	return *n && *ptes ? PT_OK : PT_ERR_PADDR;
}

/* Root slots the handle manages: everything else must be absent. */
static void managed_slots(const struct adopt *a, pt_level_t level, unsigned *lo, unsigned *hi)
{
	unsigned nr = pt_fmt_nr_entries(a->f);
	*lo = 0;
	*hi = nr;
	if (level == a->f->levels) {
		*lo = a->kind == PT_TABLE_KERNEL ? nr / 2 : 0;
		*hi = a->kind == PT_TABLE_KERNEL ? nr : nr / 2;
	}
}

PT_MUST_CHECK static enum pt_err check_table(struct adopt *a, pt_paddr_t pa, pt_level_t level,
			       uint64_t *frames);

/* Pass 1 for one entry at @level; adds the frames below it to @frames. */
PT_MUST_CHECK static enum pt_err check_entry(struct adopt *a, pt_pte_t pte, pt_level_t level,
			       uint64_t *frames)
{
	const struct pt_format *f = a->f;
	struct pt_pte_info info = f->decode(pte, level);
	uint64_t below = 0;
	enum pt_err err;

	switch (info.kind) {
	case PT_PTE_TABLE:
		if (level == 1 || !pt_fmt_is_table(f, pte, level))
			return PT_ERR_LEVEL;
		if ((pte & ~f->table_ignored) != f->encode_table(info.pa, level))
			return PT_ERR_INVAL;
		err = check_table(a, info.pa, level - 1u, &below);
		*frames = sat_add(*frames, below);
		return err;
	case PT_PTE_LEAF:
		if (level > f->max_leaf_level)
			return PT_ERR_LEVEL;
		if (info.tracked || !pt_fmt_prop_ok(f, info.prop) ||
		    f->encode_leaf(info.pa, info.prop, false, level) != pte)
			return PT_ERR_INVAL;
		return PT_OK;
	default:
		return PT_ERR_INVAL;   /* not zero, yet absent: bits the format cannot decode */
	}
}

/* Pass 1 for the table frame at @pa: mark it, or count a copy if marked already. */
PT_MUST_CHECK static enum pt_err check_table(struct adopt *a, pt_paddr_t pa, pt_level_t level,
			       uint64_t *frames)
{
	struct pt_node *n;
	_Atomic pt_pte_t *ptes;
	enum pt_err err = frame_of(a, pa, &n, &ptes);
	if (err != PT_OK)
		return err;
	if (is_marked(a, n, pa)) {
		if (n->level != level)
			return PT_ERR_LEVEL;
		*frames = atomic_load_explicit(&n->handles, memory_order_relaxed);
		a->copies = sat_add(a->copies, *frames);
		return PT_OK;
	}
	if (is_live(a, n, pa, ptes))
		return PT_ERR_BUSY;

	n->ptes = NULL;
	n->pa = pa;
	n->env = a->env;
	n->level = (uint8_t)level;
	atomic_store_explicit(&n->handles, 0, memory_order_relaxed);
	atomic_store_explicit(&n->lock, ADOPT_MARK, memory_order_relaxed);

	unsigned lo, hi, nr = pt_fmt_nr_entries(a->f);
	managed_slots(a, level, &lo, &hi);
	uint64_t total = 1;
	for (unsigned i = 0; i < nr; i++) {
		pt_pte_t pte = raw_load(ptes, i);
		if (!pte) {
			if (level == a->f->levels && a->kind == PT_TABLE_KERNEL && i >= lo)
				a->fill++;
			continue;
		}
		if (i < lo || i >= hi)
			return PT_ERR_RANGE;
		err = check_entry(a, pte, level, &total);
		if (err != PT_OK)
			return err;
	}
	atomic_store_explicit(&n->handles, total > UINT32_MAX ? UINT32_MAX : (unsigned)total,
			      memory_order_relaxed);
	*frames = total;
	return PT_OK;
}

/* Remove the marks of pass 1 from the frame at @pa and everything marked below it. */
static void unmark(const struct adopt *a, pt_paddr_t pa)
{
	struct pt_node *n;
	_Atomic pt_pte_t *ptes;
	if (frame_of(a, pa, &n, &ptes) != PT_OK || !is_marked(a, n, pa))
		return;
	/* Marked frames were checked at the level they were marked with. */
	pt_level_t level = n->level;
	atomic_store_explicit(&n->lock, 0, memory_order_relaxed);
	if (level == 1)
		return;
	for (unsigned i = 0; i < pt_fmt_nr_entries(a->f); i++) {
		struct pt_pte_info info = a->f->decode(raw_load(ptes, i), level);
		if (info.kind == PT_PTE_TABLE)
			unmark(a, info.pa);
	}
}

/* Pass 2. */
PT_MUST_CHECK static enum pt_err reserve(struct adopt *a)
{
	for (uint64_t i = 0; i < a->copies + a->fill; i++) {
		struct pt_node *n;
		enum pt_err err = pt_node_alloc(a->env, 1, &n);
		if (err != PT_OK) {
			while (a->pool) {
				n = a->pool;
				a->pool = n->defer.priv[0];
				pt_node_free_unpublished(n);
			}
			return err;
		}
		n->defer.priv[0] = a->pool;
		a->pool = n;
	}
	return PT_OK;
}

static struct pt_node *take(struct adopt *a, pt_level_t level)
{
	struct pt_node *n = a->pool;
	pt_assert(n);
	a->pool = n->defer.priv[0];
	n->level = (uint8_t)level;
	return n;
}

/* A fresh copy of the (adopted) sub-tree at @src, from the pool. */
static struct pt_node *copy_subtree(struct adopt *a, const struct pt_node *src)
{
	struct pt_node *c = take(a, src->level);
	for (unsigned i = 0; i < pt_fmt_nr_entries(a->f); i++) {
		pt_pte_t pte = node_load(src, i);
		if (node_is_table(src, pte))
			node_set_child(c, i, a->f->encode_table(copy_subtree(a, node_child(src, pte))->pa,
								src->level));
		else if (pte)
			node_set_leaf(c, i, pte, false);
	}
	return c;
}

/* Pass 3 for the marked frame at @pa: a node, its table entries in the format's form. */
static struct pt_node *commit(struct adopt *a, pt_paddr_t pa, pt_level_t level)
{
	const struct pt_format *f = a->f;
	struct pt_node *n = pt_node_init(a->env, pa, level);
	for (unsigned i = 0; i < pt_fmt_nr_entries(f); i++) {
		pt_pte_t pte = node_load(n, i);
		if (!pte)
			continue;
		node_count(n, 1, 0);
		if (!node_is_table(n, pte))
			continue;
		pt_paddr_t child_pa = f->decode(pte, level).pa;
		struct pt_node *child = node_of(a->env, child_pa);
		child = is_marked(a, child, child_pa) ? commit(a, child_pa, level - 1u)
						      : copy_subtree(a, child);
		pt_pte_t want = f->encode_table(child->pa, level);
		if (pte != want)
			node_rewrite(n, i, want);
	}
	return n;
}

/* A kernel table's upper root entries all point at children (pt/table.h). */
static void fill_kernel_half(struct adopt *a, struct pt_node *root)
{
	unsigned lo, hi;
	managed_slots(a, root->level, &lo, &hi);
	for (unsigned i = lo; i < hi; i++) {
		if (node_load(root, i))
			continue;
		struct pt_node *child = take(a, root->level - 1u);
		node_set_child(root, i, a->f->encode_table(child->pa, root->level));
	}
}

PT_MUST_CHECK static enum pt_err adopt(struct pt_table *t, const struct pt_env *env, pt_paddr_t root_pa,
			 enum pt_table_kind kind)
{
	if (!t || !env || table_env_check(env) != PT_OK)
		return PT_ERR_INVAL;
	const struct pt_format *f = env->fmt;
	if (root_pa & (((pt_paddr_t)1 << f->page_shift) - 1))
		return PT_ERR_UNALIGNED;
	if (f->pa_bits < 64 && root_pa >> f->pa_bits)
		return PT_ERR_PADDR;
	if (kind == PT_TABLE_KERNEL && f->split_root)
		return PT_ERR_INVAL;

	struct adopt a = { env, f, kind, 0, 0, NULL };
	uint64_t frames = 0;
	enum pt_err err = check_table(&a, root_pa, f->levels, &frames);
	if (err == PT_OK && a.copies > PT_ADOPT_MAX_COPIES)
		err = PT_ERR_INVAL;
	if (err == PT_OK)
		err = reserve(&a);
	if (err != PT_OK) {
		unmark(&a, root_pa);
		return err;
	}

	struct pt_node *root = commit(&a, root_pa, f->levels);
	if (kind == PT_TABLE_KERNEL)
		fill_kernel_half(&a, root);
	pt_assert(!a.pool);
	pt_table_init_handle(t, env, kind, root);
	return PT_OK;
}

enum pt_err pt_table_adopt_kernel(struct pt_table *t, const struct pt_env *env,
				  pt_paddr_t root_pa)
{
	return adopt(t, env, root_pa, PT_TABLE_KERNEL);
}

enum pt_err pt_table_adopt_empty(struct pt_table *t, const struct pt_env *env,
				 pt_paddr_t root_pa)
{
	return adopt(t, env, root_pa, PT_TABLE_EMPTY);
}
