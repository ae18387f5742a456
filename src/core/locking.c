/* SPDX-License-Identifier: MIT */
/*
 * The range-locking protocol of cursors, and cursor creation and drop,
 * which run it.
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
 *
 * A range inside one leaf table first tries the tree's hint (node.h): the
 * leaf table the last such cursor held. It only trylocks it (it may be an
 * unrelated node, perhaps held by this thread's other cursor), then checks
 * under the lock that it is live and maps the range; else the descent runs.
 * (The test hook runs in the descent only; a test that wants it clears the
 * hint.)
 */
#include "compiler.h"
#include "cursor.h"

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

static inline __attribute__((always_inline)) struct pt_node *
lock_guard(struct pt_table *t, pt_vaddr_t first, unsigned target)
{
	const struct pt_env *env = t->env;
	const unsigned top = env->fmt->levels;
	struct pt_node *n = t->root;
	unsigned level = top;

	for (;;) {
		n = descend(env, n, &level, target, first);
		if (pt_unlikely(env->hooks && env->hooks->before_guard_lock))
			env->hooks->before_guard_lock(t, env->hooks->arg);
		node_lock(n);
		if (n->stray) {
			node_unlock(n);
			if (env->hooks)
				atomic_fetch_add(&env->hooks->stray_retries, 1);
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
static pt_vaddr_t lock_node_base(const struct pt_format *f, pt_vaddr_t va, pt_level_t level)
{
	return va & ~(pt_fmt_page_size(f, level + 1u) - 1);
}

static PT_NOINLINE struct pt_node *lock_range(struct pt_table *t, pt_vaddr_t first,
					      pt_vaddr_t last, unsigned target)
{
	struct pt_node *guard = lock_guard(t, first, target);
	if (guard->level > 1)
		lock_below(guard, lock_node_base(t->env->fmt, first, guard->level), first, last);
	return guard;
}

void pt_cur_lower_guard(struct pt_cursor *c)
{
	const struct pt_format *f = cur_fmt(c);
	unsigned target = c->full_level;
	if (c->guard_level <= target)
		return;
	struct pt_node *path[PT_MAX_LEVELS + 1];
	struct pt_node *n = c->path[c->guard_level];
	for (unsigned l = c->guard_level; l > target; l--) {
		pt_pte_t pte = node_load(n, pt_fmt_index(f, c->start, l));
		if (!node_is_table(n, pte))
			return;
		path[l] = n;
		n = node_child(n, pte);
	}
	/* Nothing else below the old guard was ours: the range lay in its one empty slot. */
	for (unsigned l = target + 1u; l <= c->guard_level; l++)
		node_unlock(path[l]);
	c->guard_level = (uint8_t)target;
	c->path[target] = n;
	if (c->level > target)
		c->level = (uint8_t)target;
}

static inline void unlock_range(struct pt_node *guard, pt_vaddr_t first, pt_vaddr_t last)
{
	if (guard->level > 1)
		unlock_below(guard, lock_node_base(node_fmt(guard), first, guard->level), first, last);
	node_unlock(guard);
}

/* The first address of the leaf table holding @va. */
static inline pt_vaddr_t leaf_table_base(const struct pt_format *f, pt_vaddr_t va)
{
	return va & ~(pt_fmt_page_size(f, 2) - 1);
}

/*
 * The hinted leaf table, locked, if it is live and holds @va; else NULL.
 * @shift: log2 of the bytes a leaf table maps.
 */
static inline struct pt_node *lock_hinted(struct pt_table *t, pt_vaddr_t va, unsigned shift)
{
	struct pt_node *h = atomic_load_explicit(&t->root->hint, memory_order_acquire);
	if (!h || !node_trylock(h))
		return NULL;
	if (pt_likely(!h->stray && !((h->base ^ va) >> shift)))
		return h;
	if (h->stray && t->env->hooks)
		atomic_fetch_add(&t->env->hooks->stray_retries, 1);
	node_unlock(h);
	return NULL;
}

/* Make @guard, a live leaf table held as a cursor's guard, the tree's hint. */
static inline void hint_set(struct pt_table *t, struct pt_node *guard, pt_vaddr_t va)
{
	struct pt_node *root = t->root;
	if (atomic_load_explicit(&root->hint, memory_order_relaxed) == guard)
		return;
	guard->base = leaf_table_base(node_fmt(guard), va);
	atomic_store_explicit(&root->hint, guard, memory_order_release);
}

/* The ordered checks, for a range that failed the quick one. */
static PT_NOINLINE enum pt_err check_range_slow(const struct pt_table *t, pt_vaddr_t va,
						uint64_t len)
{
	const struct pt_format *f = t->env->fmt;
	if (len == 0 || len - 1 > UINT64_MAX - va)
		return PT_ERR_RANGE;
	pt_vaddr_t last = va + (len - 1);
	if (!pt_fmt_canonical(f, va) || !pt_fmt_canonical(f, last))
		return PT_ERR_NONCANONICAL;
	if (va - t->va_lo >= t->va_size || last - t->va_lo >= t->va_size)
		return PT_ERR_RANGE;
	if ((va | len) & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	return PT_OK;
}

/* The window is one canonical half: a range inside it is canonical. */
PT_MUST_CHECK static inline enum pt_err check_range(const struct pt_table *t, pt_vaddr_t va, uint64_t len)
{
	uint64_t off = va - t->va_lo;
	/* len 0 wraps len - 1 to the top: refused by the second test too. */
	if (pt_likely(off < t->va_size && len - 1 < t->va_size - off &&
		      !((va | len) & (PT_PAGE_SIZE - 1))))
		return PT_OK;
	return check_range_slow(t, va, len);
}

/* Record @guard, locked, as the guard of @c, whose range would have it at level @full. */
PT_MUST_CHECK static inline enum pt_err cursor_set_guard(struct pt_cursor *c, struct pt_node *guard,
					   unsigned full)
{
	c->level = guard->level;
	c->guard_level = guard->level;
	c->full_level = (uint8_t)full;
	/* Entries below the guard are filled as the cursor descends. take_next
	 * reads path[1] before the level, so it starts NULL, never unset. */
	c->path[1] = NULL;
	c->path[guard->level] = guard;
	return PT_OK;
}

/* The descent for @c's range, when the hint did not serve. */
static PT_NOINLINE enum pt_err cursor_lock_slow(struct pt_cursor *c)
{
	pt_vaddr_t last = c->start + (c->size - 1);
	unsigned full = cur_target_level(c->fmt, c->start, last);
	return cursor_set_guard(c, lock_range(c->table, c->start, last, full), full);
}

enum pt_err pt_cursor_new(struct pt_cursor *c, struct pt_table *t, pt_vaddr_t va, uint64_t len)
{
	if (!c || !t || !t->root)
		return PT_ERR_INVAL;
	enum pt_err err = check_range(t, va, len);
	if (err != PT_OK)
		return err;

	/* Filled in before the call, so only @c stays live across it. */
	c->table = t;
	c->fmt = t->env->fmt;
	c->start = va;
	c->size = len;
	c->va = va;
	c->leaf_cache.level = 0;
	c->spares = NULL;
	c->scan.node = NULL;
	t->env->reclaim.ops->read_lock(t->env->reclaim.ctx);
	/* Inside one leaf table and smaller than it (cur_target_level's 1): both below 2^shift. */
	unsigned shift = c->fmt->page_shift + c->fmt->index_bits;
	va = c->start;
	if (!(((va ^ (va + (c->size - 1))) | c->size) >> shift)) {
		struct pt_node *guard = lock_hinted(c->table, va, shift);
		if (guard) {
			/* A leaf table: every level is 1. */
			c->level = c->guard_level = c->full_level = 1;
			c->path[1] = guard;
			return PT_OK;
		}
	}
	return cursor_lock_slow(c);
}

/* Unlock @c's range, leave the read-side section; @c is dropped. */
static inline void cursor_release(struct pt_cursor *c, struct pt_table *t)
{
	c->table = NULL;
	/* Last, so it is a tail call. */
	t->env->reclaim.ops->read_unlock(t->env->reclaim.ctx);
}

/* A guard above level 1: the nodes below it may be locked too. */
static PT_NOINLINE void cursor_drop_wide(struct pt_cursor *c)
{
	unlock_range(c->path[c->guard_level], c->start, c->start + (c->size - 1));
	cursor_release(c, c->table);
}

void pt_cursor_drop(struct pt_cursor *c)
{
	if (!c || !c->table)
		return;
	if (c->guard_level != 1) {
		cursor_drop_wide(c);
		return;
	}
	struct pt_table *t = c->table;
	struct pt_node *guard = c->path[1];
	hint_set(t, guard, c->start);
	node_unlock(guard);
	cursor_release(c, t);
}

