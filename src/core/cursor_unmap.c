/* SPDX-License-Identifier: MIT */
/* Unmapping: take_next removes one leaf or one whole child table at a time. */
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
	node_clear(n, idx, info.tracked);
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
	frag->nr_frames = node_count_frames(child);
	node_clear(n, idx, false);
	node_mark_stray_and_unlock(child);
}

enum pt_err pt_cursor_take_next(struct pt_cursor_mut *m, uint64_t len, struct pt_frag *frag)
{
	if (!m || !m->c.table || !frag)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	enum pt_err err = cur_check_len(c, len);
	if (err != PT_OK)
		return err;

	enum scan_stop stop;
	err = cur_scan(c, (c->va - c->start) + len, true, &stop);
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
	cur_move_forward(c);
	return PT_OK;
}

void pt_frag_release(const struct pt_env *env, struct pt_frag *frag)
{
	if (frag->kind == PT_FRAG_TABLE)
		node_free_deferred(frag->table);
	else if (frag->kind == PT_FRAG_MAPPED && frag->item.tracked)
		env->mem.ops->frame_put(env->mem.ctx, frag->item.pa);
	frag->kind = PT_FRAG_NONE;
}
