/* SPDX-License-Identifier: MIT */
/*
 * The range-locking protocol of cursors.
 *
 * Phase 1 descends lock-free (inside the caller's read-side section) to the
 * lowest node whose range covers the whole cursor range, allocating missing
 * nodes on the way hand over hand, and locks it. A node detached by another
 * cursor between our lock-free read and our lock is marked stray: we then
 * retry from the root. Phase 2 locks every existing node below it inside the
 * range, in pre-order. Release is the exact reverse. Lock order is tree order
 * (parent before child, lower index first), so cursors cannot deadlock.
 */
#include "locking.h"

/* Lock @n unless we hold it already; false if it turned out to be stray. */
static bool lock_live(struct pt_node *n, struct pt_node **held)
{
	if (*held == n)
		return true;
	node_lock(n);
	*held = n;
	if (!n->stray)
		return true;
	node_unlock(n);
	*held = NULL;
	return false;
}

static void drop_held(struct pt_node **held)
{
	if (*held)
		node_unlock(*held);
	*held = NULL;
}

enum descend { DESCEND_STOP, DESCEND_INTO, DESCEND_RETRY };

/*
 * One step of phase 1 at @n for slot @idx: go into the child (allocating it
 * if absent, keeping it locked) or stop at @n.
 */
static enum descend step(struct pt_node **n, unsigned idx, struct pt_node **held,
			 enum pt_err *err)
{
	const struct pt_format *f = node_fmt(*n);
	pt_pte_t pte = node_load_acquire(*n, idx);

	if (pte == 0) {
		if (!lock_live(*n, held))
			return DESCEND_RETRY;
		pte = node_load(*n, idx);
	}
	if (pte && !node_is_table(*n, pte))
		return DESCEND_STOP;
	if (pte) {
		drop_held(held);
		*n = node_child(*n, pte);
		return DESCEND_INTO;
	}

	struct pt_node *child;
	*err = node_alloc((*n)->env, (*n)->level - 1u, &child);
	if (*err != PT_OK)
		return DESCEND_STOP;
	node_lock(child);
	node_store(*n, idx, f->encode_table(child->pa, (*n)->level));
	(*n)->nr_children++;
	drop_held(held);
	*held = child;
	*n = child;
	return DESCEND_INTO;
}

static enum pt_err lock_guard(struct pt_table *t, pt_vaddr_t first, pt_vaddr_t last,
			      struct pt_node **guard)
{
	const struct pt_format *f = t->env->fmt;
	/* Locals: the atomics below make the compiler reload anything in memory. */
	const unsigned page_shift = f->page_shift, index_bits = f->index_bits;
	const pt_vaddr_t index_mask = pt_fmt_nr_entries(f) - 1;
	enum pt_err err = PT_OK;

retry:;
	struct pt_node *n = t->root, *held = NULL;
	for (unsigned level = f->levels; level > 1; level--) {
		unsigned shift = page_shift + index_bits * (level - 1);
		unsigned idx = (unsigned)((first >> shift) & index_mask);
		if (idx != ((last >> shift) & index_mask))
			break;
		enum descend d = step(&n, idx, &held, &err);
		if (d == DESCEND_RETRY) {
			atomic_fetch_add(&pt_stat_stray_retries, 1);
			goto retry;
		}
		if (err != PT_OK) {
			drop_held(&held);
			return err;
		}
		if (d == DESCEND_STOP)
			break;
	}
	if (held != n) {
		drop_held(&held);
		if (pt_test_hook_before_guard_lock)
			pt_test_hook_before_guard_lock(t, pt_test_hook_arg);
	}
	if (!lock_live(n, &held)) {
		atomic_fetch_add(&pt_stat_stray_retries, 1);
		goto retry;
	}
	*guard = n;
	return PT_OK;
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

enum pt_err lock_range(struct pt_table *t, pt_vaddr_t first, pt_vaddr_t last,
		       struct pt_node **guard)
{
	enum pt_err err = lock_guard(t, first, last, guard);
	if (err != PT_OK)
		return err;
	if ((*guard)->level > 1)
		lock_below(*guard, lock_node_base(t->env->fmt, first, (*guard)->level), first, last);
	return PT_OK;
}

void unlock_range(struct pt_node *guard, pt_vaddr_t first, pt_vaddr_t last)
{
	if (guard->level > 1)
		unlock_below(guard, lock_node_base(node_fmt(guard), first, guard->level), first, last);
	node_unlock(guard);
}
