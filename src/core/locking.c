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

/* The child of @n whose slot holds [first, last] but is larger than it, or NULL. */
static inline struct pt_node *inner_child(const struct pt_format *f, const struct pt_node *n,
					  pt_vaddr_t first, pt_vaddr_t last)
{
	if (n->level == 1)
		return NULL;
	unsigned shift = f->page_shift + f->index_bits * (n->level - 1u);
	pt_vaddr_t slot_mask = ((pt_vaddr_t)1 << shift) - 1;
	/* Inside one node, equal bits above shift mean one slot. */
	if (((first ^ last) >> shift) || last - first == slot_mask)
		return NULL;
	unsigned idx = (unsigned)(first >> shift) & (pt_fmt_nr_entries(f) - 1);
	pt_pte_t pte = node_load_acquire(n, idx);
	if (!node_is_table(n, pte))
		return NULL;
	return node_child(n, pte);
}

static struct pt_node *lock_guard(struct pt_table *t, pt_vaddr_t first, pt_vaddr_t last)
{
	const struct pt_format *f = t->env->fmt;
	struct pt_node *n = t->root, *child;

	for (;;) {
		while ((child = inner_child(f, n, first, last)))
			n = child;
		if (pt_test_hook_before_guard_lock)
			pt_test_hook_before_guard_lock(t, pt_test_hook_arg);
		node_lock(n);
		if (n->stray) {
			node_unlock(n);
			atomic_fetch_add(&pt_stat_stray_retries, 1);
			n = t->root;
			continue;
		}
		child = inner_child(f, n, first, last);
		if (!child)
			return n;
		node_unlock(n);
		n = child;
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
