/* SPDX-License-Identifier: MIT */
/*
 * Cursor navigation: query, jump, find_next (creation and drop are in
 * locking.c, next to the protocol they run).
 *
 * The cursor stands at c->va in the node path[level]; path[l] for every l
 * from level up to guard_level is the locked node on va's path. Addresses
 * are compared as offsets from the range start, so a range that ends at the
 * top of the address space never overflows.
 */
#include "cursor.h"

pt_vaddr_t pt_cursor_virt_addr(const struct pt_cursor *c)
{
	return c->va;
}

void pt_cur_descend(struct pt_cursor *c, pt_pte_t table_pte)
{
	struct pt_node *child = node_child(c->path[c->level], table_pte);
	c->level--;
	c->path[c->level] = child;
}

void pt_cur_rise(struct pt_cursor *c)
{
	const struct pt_format *f = cur_fmt(c);
	while (c->level < c->guard_level && pt_fmt_index(f, c->va, c->level) == 0)
		c->level++;
}

void pt_cur_move_forward(struct pt_cursor *c)
{
	uint64_t size = pt_fmt_page_size(cur_fmt(c), c->level);
	c->va = (c->va & ~(size - 1)) + size;
	pt_cur_rise(c);
}

void pt_cur_reset(struct pt_cursor *c, pt_vaddr_t va)
{
	c->va = va;
	c->level = c->guard_level;
}

enum pt_err pt_cur_check_len(const struct pt_cursor *c, uint64_t len)
{
	if (len & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	if (len > cur_remaining(c))
		return PT_ERR_LENGTH;
	return PT_OK;
}

enum pt_err pt_cursor_query(struct pt_cursor *c, struct pt_query *q)
{
	if (!cur_live(c) || !q)
		return PT_ERR_INVAL;
	if (cur_remaining(c) == 0)
		return PT_ERR_VADDR;
	const struct pt_format *f = cur_fmt(c);
	for (;;) {
		pt_pte_t pte = cur_pte(c);
		struct pt_pte_info info = f->decode(pte, c->level);
		if (info.kind == PT_PTE_TABLE) {
			pt_cur_descend(c, pte);
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
	if (!cur_live(c))
		return PT_ERR_INVAL;
	if (va & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	if (va - c->start >= c->size)
		return PT_ERR_VADDR;
	pt_cur_reset(c, va);
	return PT_OK;
}

enum pt_err pt_cursor_find_next(struct pt_cursor *c, uint64_t len, pt_vaddr_t *found,
				bool *found_ok)
{
	if (!cur_live(c) || !found || !found_ok)
		return PT_ERR_INVAL;
	enum pt_err err = pt_cur_check_len(c, len);
	if (err != PT_OK)
		return err;
	uint64_t end = (c->va - c->start) + len;

	pt_cur_rise(c);
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
			pt_cur_descend(c, pte);
		else
			pt_cur_move_forward(c);
	}
	pt_cur_reset(c, c->start + end);
	return PT_OK;
}
