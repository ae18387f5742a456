/* SPDX-License-Identifier: MIT */
/*
 * Cursor creation, teardown and navigation: query, jump, find_next.
 *
 * The cursor stands at c->va in the node path[level]; path[l] for every l
 * from level up to guard_level is the locked node on va's path. Addresses
 * are compared as offsets from the range start, so a range that ends at the
 * top of the address space never overflows.
 */
#include "cursor.h"

#include "compiler.h"

#include "locking.h"

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
static inline enum pt_err check_range(const struct pt_table *t, pt_vaddr_t va, uint64_t len)
{
	uint64_t off = va - t->va_lo;
	if (len - 1 < t->va_size && off < t->va_size && len - 1 <= t->va_size - 1 - off &&
	    !((va | len) & (PT_PAGE_SIZE - 1)))
		return PT_OK;
	return check_range_slow(t, va, len);
}

enum pt_err pt_cursor_new(struct pt_cursor *c, struct pt_table *t, pt_vaddr_t va, uint64_t len)
{
	if (!c || !t || !t->root)
		return PT_ERR_INVAL;
	enum pt_err err = check_range(t, va, len);
	if (err != PT_OK)
		return err;

	const struct pt_reclaim *r = &t->env->reclaim;
	r->ops->read_lock(r->ctx);
	struct pt_node *guard = lock_range(t, va, va + (len - 1));
	c->table = t;
	c->fmt = t->env->fmt;
	c->start = va;
	c->size = len;
	c->va = va;
	c->level = guard->level;
	c->guard_level = guard->level;
	/* Entries below the guard are filled as the cursor descends. */
	c->path[guard->level] = guard;
	c->leaf_cache.level = 0;
	return PT_OK;
}

enum pt_err pt_cursor_mut_new(struct pt_cursor_mut *m, struct pt_table *t, pt_vaddr_t va,
			      uint64_t len)
{
	return m ? pt_cursor_new(&m->c, t, va, len) : PT_ERR_INVAL;
}

void pt_cursor_drop(struct pt_cursor *c)
{
	const struct pt_reclaim *r = &c->table->env->reclaim;
	unlock_range(c->path[c->guard_level], c->start, c->start + (c->size - 1));
	r->ops->read_unlock(r->ctx);
	c->table = NULL;
}

void pt_cursor_mut_drop(struct pt_cursor_mut *m)
{
	pt_cursor_drop(&m->c);
}

pt_vaddr_t pt_cursor_virt_addr(const struct pt_cursor *c)
{
	return c->va;
}

void cur_descend(struct pt_cursor *c, pt_pte_t table_pte)
{
	struct pt_node *child = node_child(c->path[c->level], table_pte);
	c->level--;
	c->path[c->level] = child;
}

void cur_rise(struct pt_cursor *c)
{
	const struct pt_format *f = cur_fmt(c);
	while (c->level < c->guard_level && pt_fmt_index(f, c->va, c->level) == 0)
		c->level++;
}

void cur_move_forward(struct pt_cursor *c)
{
	uint64_t size = pt_fmt_page_size(cur_fmt(c), c->level);
	c->va = (c->va & ~(size - 1)) + size;
	cur_rise(c);
}

void cur_reset(struct pt_cursor *c, pt_vaddr_t va)
{
	c->va = va;
	c->level = c->guard_level;
}

enum pt_err cur_check_len(const struct pt_cursor *c, uint64_t len)
{
	if (len & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	if (len > cur_remaining(c))
		return PT_ERR_LENGTH;
	return PT_OK;
}

enum pt_err pt_cursor_query(struct pt_cursor *c, struct pt_query *q)
{
	if (!q)
		return PT_ERR_INVAL;
	if (cur_remaining(c) == 0)
		return PT_ERR_VADDR;
	const struct pt_format *f = cur_fmt(c);
	for (;;) {
		pt_pte_t pte = cur_pte(c);
		struct pt_pte_info info = f->decode(pte, c->level);
		if (info.kind == PT_PTE_TABLE) {
			cur_descend(c, pte);
			continue;
		}
		q->len = pt_fmt_page_size(f, c->level);
		q->va = c->va & ~(q->len - 1);
		q->mapped = info.kind == PT_PTE_LEAF;
		q->item.pa = info.pa;
		q->item.level = c->level;
		q->item.prop = info.prop;
		q->item.tracked = info.tracked;
		return PT_OK;
	}
}

enum pt_err pt_cursor_jump(struct pt_cursor *c, pt_vaddr_t va)
{
	if (va & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	if (va - c->start >= c->size)
		return PT_ERR_VADDR;
	cur_reset(c, va);
	return PT_OK;
}

enum pt_err pt_cursor_find_next(struct pt_cursor *c, uint64_t len, pt_vaddr_t *found,
				bool *found_ok)
{
	if (!found || !found_ok)
		return PT_ERR_INVAL;
	enum pt_err err = cur_check_len(c, len);
	if (err != PT_OK)
		return err;
	uint64_t end = (c->va - c->start) + len;

	cur_rise(c);
	*found_ok = false;
	while (c->va - c->start < end) {
		pt_pte_t pte = cur_pte(c);
		struct pt_node *n = c->path[c->level];
		if (pte && !node_is_table(n, pte)) {
			*found = c->va;
			*found_ok = true;
			return PT_OK;
		}
		if (pte && node_child(n, pte)->nr_children)
			cur_descend(c, pte);
		else
			cur_move_forward(c);
	}
	cur_reset(c, c->start + end);
	return PT_OK;
}
