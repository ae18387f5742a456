/* SPDX-License-Identifier: MIT */
/* Unmapping: take_next removes one leaf or one whole child table at a time. */
#include "compiler.h"
#include "cursor_scan.h"
#include "leaf_tmpl.h"

static void take_leaf(struct pt_cursor *c, struct pt_frag *frag)
{
	const struct pt_format *f = cur_fmt(c);
	struct pt_node *n = c->path[c->level];
	unsigned idx = cur_index(c);
	pt_pte_t pte = node_load(n, idx);
	struct pt_pte_info info;
	if (c->level != 1 || !tmpl_decode(c, pte, &info))
		info = f->decode(pte, c->level);

	frag->kind = PT_FRAG_MAPPED;
	frag->len = pt_fmt_page_size(f, c->level);
	frag->va = c->va;
	frag->item.pa = info.pa;
	frag->item.level = c->level;
	frag->item.prop = info.prop;
	frag->item.tracked = info.tracked;
	node_store(n, idx, 0);
	n->nr_children--;
	n->nr_tracked -= info.tracked;
}

static void take_table(struct pt_cursor *c, struct pt_frag *frag)
{
	struct pt_node *n = c->path[c->level];
	unsigned idx = cur_index(c);
	struct pt_node *child = node_child(n, node_load(n, idx));

	frag->kind = PT_FRAG_TABLE;
	frag->len = pt_fmt_page_size(cur_fmt(c), c->level);
	frag->va = c->va;
	frag->table = child;
	frag->nr_frames = pt_node_count_frames(child);
	node_store(n, idx, 0);
	n->nr_children--;
	node_hint_clear(c->table->root);
	pt_node_mark_stray_and_unlock(child);
}

/* pt_cur_move_forward's climb after a page, out of line so take_next_page needs no frame. */
static PT_NOINLINE enum pt_err rise_after_page(struct pt_cursor *c)
{
	pt_cur_rise(c);
	return PT_OK;
}

/*
 * A per-page cursor's unmap (issue 14): a base page at a cursor standing in
 * its leaf table, made from the table's template, where the scan would
 * neither climb (the guard is there, or this is not the table's first slot)
 * nor split. It is taken as take_leaf would. Anything else: the scan.
 */
static inline bool take_next_page(struct pt_cursor *c, uint64_t len, struct pt_frag *frag)
{
	const struct pt_format *f = cur_fmt(c);
	if (c->level != 1 || len < PT_PAGE_SIZE || (len & (PT_PAGE_SIZE - 1)) ||
	    len > cur_remaining(c))
		return false;
	unsigned idx = pt_fmt_index(f, c->va, 1);
	struct pt_node *n = c->path[1];
	pt_pte_t pte = node_load(n, idx);
	struct pt_pte_info info;
	if ((c->guard_level != 1 && idx == 0) || !pte || !tmpl_decode(c, pte, &info))
		return false;
	frag->kind = PT_FRAG_MAPPED;
	frag->len = PT_PAGE_SIZE;
	frag->va = c->va;
	frag->item.pa = info.pa;
	frag->item.level = 1;
	frag->item.prop = info.prop;
	frag->item.tracked = info.tracked;
	frag->table = NULL;
	frag->nr_frames = 0;
	node_store(n, idx, 0);
	n->nr_children--;
	/* A branch, not a subtraction: gcc packs the two counters' updates into SSE otherwise. */
	if (info.tracked)
		n->nr_tracked--;
	c->va += PT_PAGE_SIZE;
	return true;
}

static PT_NOINLINE enum pt_err take_next_scan(struct pt_cursor *c, uint64_t len,
					      struct pt_frag *frag);

enum pt_err pt_cursor_take_next(struct pt_cursor_mut *m, uint64_t len, struct pt_frag *frag)
{
	if (!m || !m->c.table || !frag)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	if (!take_next_page(c, len, frag))
		return take_next_scan(c, len, frag);
	if (pt_fmt_index(cur_fmt(c), c->va, 1) == 0)
		return rise_after_page(c);
	return PT_OK;
}

static PT_NOINLINE enum pt_err take_next_scan(struct pt_cursor *c, uint64_t len,
					      struct pt_frag *frag)
{
	enum pt_err err = pt_cur_check_len(c, len);
	if (err != PT_OK)
		return err;

	enum scan_stop stop;
	err = pt_cur_scan(c, (c->va - c->start) + len, true, &stop);
	if (err != PT_OK)
		return err;
	frag->kind = PT_FRAG_NONE;
	frag->table = NULL;
	frag->nr_frames = 0;
	if (stop == SCAN_END)
		return PT_OK;
	if (stop == SCAN_LEAF)
		take_leaf(c, frag);
	else
		take_table(c, frag);
	pt_cur_move_forward(c);
	return PT_OK;
}

void pt_frag_release(const struct pt_env *env, struct pt_frag *frag)
{
	if (frag->kind == PT_FRAG_TABLE)
		pt_node_free_deferred(frag->table);
	else if (frag->kind == PT_FRAG_MAPPED && frag->item.tracked)
		env->mem.ops->frame_put(env->mem.ctx, frag->item.pa);
	frag->kind = PT_FRAG_NONE;
}
