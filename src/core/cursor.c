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
#include "compiler.h"
#include "cursor_scan.h"

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
		q->item = (struct pt_item){ info.pa, c->level, info.prop, info.tracked };
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
	struct scan_res r;
	pt_discard(pt_cur_scan(c, (c->va - c->start) + len, SCAN_FIND, &r));  /* a find cannot fail */
	*found_ok = r.stop == SCAN_LEAF;
	if (*found_ok)
		*found = c->va;
	return PT_OK;
}

static void describe(struct pt_cursor *c, pt_pte_t pte, struct pt_found *r)
{
	r->found = true;
	r->len = pt_fmt_page_size(cur_fmt(c), c->level);
	r->va = c->va & ~(r->len - 1);
	r->item = cur_item_learn(c, pte);
}

/* Describe the base page at the cursor (r->item is filled) and step past it; @last: its table's last slot. */
static inline void found_page(struct pt_cursor *c, bool last, struct pt_found *r)
{
	pt_vaddr_t va = c->va;
	r->found = true;
	r->va = va;
	r->len = PT_PAGE_SIZE;
	r->next = va + PT_PAGE_SIZE;
	c->va = va + PT_PAGE_SIZE;
	if (pt_unlikely(last))
		pt_cur_rise(c);         /* the address stays: only the level changes */
}

static PT_NOINLINE enum pt_err next_slow(struct pt_cursor *c, uint64_t len, struct pt_found *r)
{
	struct page_step s;
	if (c->level == 1 && cur_page_step_ok(c, len, &s) &&
	    pt_cur_template_page(c, node_load(c->path[1], s.idx), &r->item)) {
		found_page(c, s.last, r);
		return PT_OK;
	}
	enum pt_err err = pt_cur_check_len(c, len);
	if (err != PT_OK)
		return err;
	uint64_t end = (c->va - c->start) + len;
	struct scan_res res;
	pt_discard(pt_cur_scan(c, end, SCAN_FIND, &res));  /* a find cannot fail */
	r->found = res.stop == SCAN_LEAF;
	if (r->found) {
		describe(c, cur_pte(c), r);
		cur_step_within(c, end);
	}
	r->next = c->va;
	return PT_OK;
}

enum pt_err pt_cursor_next_leaf_call(struct pt_cursor *c, uint64_t len, struct pt_found *r)
{
	struct page_step s;
	if (!cur_live(c) || !r)
		return PT_ERR_INVAL;
	/* A base page of the cached property right at the cursor: no scan, no codec. */
	if (pt_likely(c->level == 1 && cur_page_step_ok(c, len, &s))) {
		if (pt_likely(cur_cached_page(c, node_load(c->path[1], s.idx), &r->item))) {
			found_page(c, s.last, r);
			cur_arm_scan(c);
			return PT_OK;
		}
	}
	enum pt_err err = next_slow(c, len, r);
	cur_arm_scan(c);
	return err;
}
