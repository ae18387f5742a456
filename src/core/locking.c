/* SPDX-License-Identifier: MIT */
/*
 * The range-locking protocol of cursors.
 *
 * Phase 1 descends lock-free (inside the caller's read-side section) to the
 * lowest existing node covering the cursor range, allocating nothing: it goes
 * into a slot's child table only if the range lies inside that slot without
 * covering it whole (a range covering a whole slot stands in the slot's node,
 * where a leaf of that size can go or the child table can be detached). It
 * locks that node. A node detached by another cursor between our lock-free
 * read and our lock is marked stray: we then retry from the root. A table
 * that appeared in our slot meanwhile (another cursor mapped there) sends us
 * on down. Phase 2 locks every existing node below it inside the range, in
 * pre-order. Nodes a cursor creates below the guard are locked before they
 * are published. Release is the exact reverse. Lock order is tree order
 * (parent before child, lower index first), so cursors cannot deadlock.
 */
#include "locking.h"

#include "compiler.h"

/*
 * The level the guard would have in a full tree: descending from level L is
 * right while [first, last] lies inside one slot of L and is smaller than it.
 */
static inline unsigned target_level(const struct pt_format *f, pt_vaddr_t first,
				   pt_vaddr_t last)
{
	pt_vaddr_t diff = first ^ last, span = last - first;
	unsigned shift = f->page_shift + f->index_bits;
	/* Inside one level-1 table and smaller than it: the common case, and monotone upwards. */
	if (!(diff >> shift) && span != ((pt_vaddr_t)1 << shift) - 1)
		return 1;
	unsigned level = f->levels;
	shift = f->page_shift + f->index_bits * (level - 1u);
	while (level > 1 && !(diff >> shift) && span != ((pt_vaddr_t)1 << shift) - 1) {
		level--;
		shift -= f->index_bits;
	}
	return level;
}

/*
 * Descend lock-free from @n at @level towards @target while the slot on
 * first's path holds a table. Everything it needs is in locals: the acquire
 * loads would make the compiler reload anything in memory.
 */
static inline __attribute__((always_inline)) struct pt_node *
descend(const struct pt_env *env, struct pt_node *n, unsigned *level,
			       unsigned target, pt_vaddr_t first)
{
	const struct pt_format *f = env->fmt;
	void *(*meta)(void *ctx, pt_paddr_t pa) = env->mem.ops->table_meta;
	void *ctx = env->mem.ctx;
	const unsigned page_shift = f->page_shift, index_bits = f->index_bits;
	const unsigned idx_mask = (1u << index_bits) - 1;
	unsigned l = *level, shift = page_shift + index_bits * (l - 1u);
	const struct pt_format_level *lv = &f->lv[l];

	for (; l > target; l--, lv--, shift -= index_bits) {
		unsigned idx = (unsigned)(first >> shift) & idx_mask;
		pt_pte_t pte = atomic_load_explicit(&n->ptes[idx], memory_order_acquire);
		/* Every level above 1 holds tables: table_mask is not 0 there. */
		if (!pte || (pte & lv->table_mask) != lv->table_match)
			break;
		n = meta(ctx, ((pte & lv->table_addr_mask) >> lv->addr_shift) << page_shift);
	}
	*level = l;
	return n;
}

/* The child table in the slot of @n (at @level) on @va's path, or NULL. */
static PT_NOINLINE struct pt_node *table_below(const struct pt_format *f, struct pt_node *n,
					       unsigned level, pt_vaddr_t va)
{
	pt_pte_t pte = node_load(n, pt_fmt_index(f, va, level));
	return node_is_table(n, pte) ? node_child(n, pte) : NULL;
}

static struct pt_node *lock_guard(struct pt_table *t, pt_vaddr_t first, pt_vaddr_t last)
{
	const struct pt_env *env = t->env;
	const unsigned top = env->fmt->levels, target = target_level(env->fmt, first, last);
	struct pt_node *n = t->root;
	unsigned level = top;

	for (;;) {
		n = descend(env, n, &level, target, first);
		if (pt_test_hook_before_guard_lock)
			pt_test_hook_before_guard_lock(t, pt_test_hook_arg);
		node_lock(n);
		if (n->stray) {
			node_unlock(n);
			atomic_fetch_add(&pt_stat_stray_retries, 1);
			n = t->root;
			level = top;
			continue;
		}
		if (level == target)
			return n;
		/* A table may have appeared in our slot before we locked: go on down. */
		struct pt_node *child = table_below(env->fmt, n, level, first);
		if (!child)
			return n;
		node_unlock(n);
		n = child;
		level--;
	}
}

/* First and last slot of @n that intersect [first, last]. */
static void slot_span(const struct pt_node *n, pt_vaddr_t first, pt_vaddr_t last,
		      pt_vaddr_t base, unsigned *lo, unsigned *hi)
{
	const struct pt_format *f = node_fmt(n);
	uint64_t span = pt_fmt_page_size(f, n->level + 1u);
	*lo = (first - base < span) ? pt_fmt_index(f, first, n->level) : 0;
	*hi = (last - base < span) ? pt_fmt_index(f, last, n->level)
				   : pt_fmt_nr_entries(f) - 1;
}

static void lock_below(struct pt_node *n, pt_vaddr_t base, pt_vaddr_t first, pt_vaddr_t last)
{
	const struct pt_format *f = node_fmt(n);
	uint64_t size = pt_fmt_page_size(f, n->level);
	unsigned lo, hi;

	slot_span(n, first, last, base, &lo, &hi);
	for (unsigned i = lo; i <= hi; i++) {
		pt_pte_t pte = node_load(n, i);
		if (!node_is_table(n, pte))
			continue;
		struct pt_node *child = node_child(n, pte);
		node_lock(child);
		if (child->level > 1)
			lock_below(child, base + i * size, first, last);
	}
}

static void unlock_below(struct pt_node *n, pt_vaddr_t base, pt_vaddr_t first, pt_vaddr_t last)
{
	const struct pt_format *f = node_fmt(n);
	uint64_t size = pt_fmt_page_size(f, n->level);
	unsigned lo, hi;

	slot_span(n, first, last, base, &lo, &hi);
	for (unsigned i = hi + 1; i-- > lo;) {
		pt_pte_t pte = node_load(n, i);
		if (!node_is_table(n, pte))
			continue;
		struct pt_node *child = node_child(n, pte);
		if (child->level > 1)
			unlock_below(child, base + i * size, first, last);
		node_unlock(child);
	}
}

/* The lowest address covered by the node at @level on @va's path. */
pt_vaddr_t lock_node_base(const struct pt_format *f, pt_vaddr_t va, pt_level_t level)
{
	return va & ~(pt_fmt_page_size(f, level + 1u) - 1);
}

struct pt_node *lock_range(struct pt_table *t, pt_vaddr_t first, pt_vaddr_t last)
{
	struct pt_node *guard = lock_guard(t, first, last);
	if (guard->level > 1)
		lock_below(guard, lock_node_base(t->env->fmt, first, guard->level), first, last);
	return guard;
}

void unlock_range(struct pt_node *guard, pt_vaddr_t first, pt_vaddr_t last)
{
	if (guard->level > 1)
		unlock_below(guard, lock_node_base(node_fmt(guard), first, guard->level), first, last);
	node_unlock(guard);
}
