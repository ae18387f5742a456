/* SPDX-License-Identifier: MIT */
/* Unmapping: take_next removes one leaf or one whole child table at a time
 * (the bulk loop is vm_bulk.c). */
#include "compiler.h"
#include "cursor_scan.h"

static void take_leaf(struct pt_cursor *c, struct pt_frag *frag)
{
	struct pt_node *n = c->path[c->level];
	unsigned idx = cur_index(c);

	frag->kind = PT_FRAG_MAPPED;
	frag->len = pt_fmt_page_size(cur_fmt(c), c->level);
	frag->va = c->va;
	frag->item = cur_item_learn(c, node_load(n, idx));
	frag->table = NULL;
	frag->nr_frames = 0;
	node_clear(n, idx, frag->item.tracked);
}

/* pt_cur_take_table, inlined into take_slow. */
static inline __attribute__((always_inline)) void take_table(struct pt_cursor *c,
							     struct pt_frag *frag)
{
	struct pt_node *n = c->path[c->level];
	unsigned idx = cur_index(c);
	struct pt_node *child = node_child(n, node_load(n, idx));

	frag->kind = PT_FRAG_TABLE;
	frag->len = pt_fmt_page_size(cur_fmt(c), c->level);
	frag->va = c->va;
	frag->table = child;
	frag->nr_frames = pt_node_count_frames(child);
	node_clear(n, idx, false);
	node_hint_clear(c->table->root);
	pt_node_mark_stray_and_unlock(child);
}

void pt_cur_take_table(struct pt_cursor *c, struct pt_frag *frag)
{
	take_table(c, frag);
}

/*
 * Page after page: a base page at the cursor, which stands in its leaf table
 * where a scan would not climb (not at the table's first slot with the
 * table wholly inside @len).
 */
static inline bool take_here(const struct pt_cursor *c, uint64_t len, struct page_step *s)
{
	return cur_page_step_ok(c, len, s) &&
	       !(s->idx == 0 && c->guard_level > 1 && len >= pt_fmt_page_size(cur_fmt(c), 2));
}

/* Take the base page of step @s (frag->item already filled). */
static inline void take_page(struct pt_cursor *c, struct page_step s, struct pt_frag *frag)
{
	frag->kind = PT_FRAG_MAPPED;
	frag->len = PT_PAGE_SIZE;
	frag->va = c->va;
	frag->table = NULL;
	frag->nr_frames = 0;
	node_clear(c->path[1], s.idx, frag->item.tracked);
	c->va += PT_PAGE_SIZE;
	if (pt_unlikely(s.last))
		pt_cur_rise(c);
}

static PT_NOINLINE enum pt_err take_slow(struct pt_cursor *c, uint64_t len, struct pt_frag *frag)
{
	enum pt_err err = pt_cur_check_len(c, len);
	if (err != PT_OK)
		return err;

	struct scan_res r;
	err = pt_cur_scan(c, (c->va - c->start) + len, SCAN_TAKE, &r);
	if (err != PT_OK)
		return err;
	if (r.stop == SCAN_END) {
		frag->kind = PT_FRAG_NONE;
		frag->table = NULL;
		frag->nr_frames = 0;
		return PT_OK;
	}
	if (r.stop == SCAN_LEAF)
		take_leaf(c, frag);
	else
		take_table(c, frag);
	pt_cur_move_forward(c);
	return PT_OK;
}

enum pt_err pt_cursor_take_next(struct pt_cursor_mut *m, uint64_t len, struct pt_frag *frag)
{
	struct page_step s;
	if (!m || !m->c.table || !frag)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	if (pt_likely(c->level == 1 && take_here(c, len, &s))) {
		pt_pte_t pte = node_load(c->path[1], s.idx);
		if (pt_likely(cur_cached_page(c, pte, &frag->item)) ||
		    pt_cur_template_page(c, pte, &frag->item)) {
			take_page(c, s, frag);
			return PT_OK;
		}
	}
	return take_slow(c, len, frag);
}

void pt_frag_release_call(const struct pt_env *env, struct pt_frag *frag)
{
	if (!frag)
		return;
	enum pt_frag_kind kind = frag->kind;
	/* First, so what is released is a tail call. */
	frag->kind = PT_FRAG_NONE;
	if (kind == PT_FRAG_MAPPED) {
		if (frag->item.tracked)
			env->mem.ops->frame_put(env->mem.ctx, frag->item.pa);
	} else if (kind == PT_FRAG_TABLE) {
		pt_node_free_deferred(frag->table);
	}
}
