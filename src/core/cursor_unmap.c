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
		return PT_OK;
	}
	if (r.stop == SCAN_TABLE) {
		take_table(c, frag);
		pt_cur_move_forward(c);
		return PT_OK;
	}
	take_leaf(c, frag);
	pt_cur_move_forward(c);
	cur_arm_scan(c);
	return PT_OK;
}

/* The last slot of a leaf table was taken: climb out of it. */
static PT_NOINLINE enum pt_err take_rise(struct pt_cursor *c)
{
	pt_cur_rise(c);
	return PT_OK;
}

/* Take the base page of step @s (frag->item already filled); table and nr_frames are left alone. */
static inline void take_page(struct pt_cursor *c, struct page_step s, struct pt_frag *frag)
{
	frag->kind = PT_FRAG_MAPPED;
	frag->len = PT_PAGE_SIZE;
	frag->va = c->va;
	node_clear(c->path[1], s.idx, frag->item.tracked);
	c->va += PT_PAGE_SIZE;
}

/*
 * take_next past its per-page path: a base page the table's template
 * decodes, or a scan. A cursor over more than this page learns the property
 * and opens the scan window, so the next page takes the per-page path.
 */
static PT_NOINLINE enum pt_err take_more(struct pt_cursor *c, uint64_t len, struct pt_frag *frag)
{
	struct page_step s;
	struct pt_pte_info info;
	if (c->level != 1 || !take_here(c, len, &s))
		return take_slow(c, len, frag);
	pt_pte_t pte = node_load(c->path[1], s.idx);
	/* An absent @pte fails too: the template's bits outside the address are not 0. */
	if (!tmpl_decode(c, pte, &info))
		return take_slow(c, len, frag);
	frag->item = (struct pt_item){ info.pa, 1, info.prop, info.tracked };
	take_page(c, s, frag);
	if (pt_unlikely(s.last))
		return take_rise(c);
	if (c->size != PT_PAGE_SIZE) {
		cur_learn(c, pte, &info);
		cur_arm_scan(c);
	}
	return PT_OK;
}

/*
 * The per-page path: a base page of the leaf cache's property in the scan
 * window, neither the window's first slot (where a scan may take the whole
 * table) nor its last (where the cursor climbs). Needs no saved register.
 */
enum pt_err pt_cursor_take_next(struct pt_cursor_mut *m, uint64_t len, struct pt_frag *frag)
{
	if (!m || !m->c.table || !frag)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	struct pt_node *n = c->path[1];
	if (pt_unlikely(n != c->scan.node))
		return take_more(c, len, frag);
	pt_vaddr_t va = c->va;
	if (pt_unlikely(c->level != 1 || (len & (PT_PAGE_SIZE - 1)) || len - 1 >= c->size - (va - c->start)))
		return take_more(c, len, frag);
	uint64_t off = va - c->scan.base;
	if (pt_unlikely(off >= c->scan.span || c->leaf_cache.level != 1))
		return take_more(c, len, frag);
	const struct pt_format *f = cur_fmt(c);
	_Atomic pt_pte_t *slot = &n->ptes[(off >> PT_PAGE_SHIFT) + 1];
	pt_pte_t pte = atomic_load_explicit(slot, memory_order_relaxed);
	if (pt_unlikely((pte & ~f->lv[1].leaf_addr_mask) != c->leaf_cache.pte))
		return take_more(c, len, frag);
	node_clear_slot(n, slot, c->leaf_cache.tracked);
	frag->kind = PT_FRAG_MAPPED;
	frag->va = va;
	frag->len = PT_PAGE_SIZE;
	frag->item.pa = pt_fmt_pte_addr(f, pte, 1, true);
	frag->item.level = 1;
	frag->item.prop = c->leaf_cache.prop;
	frag->item.tracked = c->leaf_cache.tracked;
	c->va = va + PT_PAGE_SIZE;
	return PT_OK;
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
