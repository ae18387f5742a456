/* SPDX-License-Identifier: MIT */
/*
 * Unmapping: take_next removes one leaf or one whole child table at a time;
 * cur_unmap_range (pt_cursor_unmap) runs one loop per table, keeping each
 * tracked frame on the flusher before its leaf is cleared.
 */
#include "compiler.h"
#include "cursor_scan.h"
#include "flush_site.h"

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

/*
 * Page after page: a base page at the cursor, which stands in its leaf table
 * where a scan would not climb (not at the table's first slot with the
 * table wholly inside @len); *idx its slot.
 */
static inline bool take_here(const struct pt_cursor *c, uint64_t len, unsigned *idx)
{
	return cur_page_step_ok(c, len, idx) &&
	       !(*idx == 0 && c->guard_level > 1 && len >= pt_fmt_page_size(cur_fmt(c), 2));
}

/* Take the base page in slot @idx (frag->item already filled). */
static inline void take_page(struct pt_cursor *c, unsigned idx, struct pt_frag *frag)
{
	frag->kind = PT_FRAG_MAPPED;
	frag->len = PT_PAGE_SIZE;
	frag->va = c->va;
	frag->table = NULL;
	frag->nr_frames = 0;
	node_clear(c->path[1], idx, frag->item.tracked);
	cur_page_step(c, idx);
}

static PT_NOINLINE enum pt_err take_slow(struct pt_cursor *c, uint64_t len, struct pt_frag *frag)
{
	unsigned idx;
	if (c->level == 1 && take_here(c, len, &idx) &&
	    cur_template_page(c, node_load(c->path[1], idx), &frag->item)) {
		take_page(c, idx, frag);
		return PT_OK;
	}
	enum pt_err err = cur_check_len(c, len);
	if (err != PT_OK)
		return err;

	struct scan_res r;
	err = cur_scan(c, (c->va - c->start) + len, SCAN_TAKE, &r);
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
	cur_move_forward(c);
	return PT_OK;
}

enum pt_err pt_cursor_take_next(struct pt_cursor_mut *m, uint64_t len, struct pt_frag *frag)
{
	unsigned idx;
	if (!m || !m->c.table || !frag)
		return PT_ERR_INVAL;
	if (pt_likely(m->c.level == 1 && take_here(&m->c, len, &idx) &&
		      cur_cached_page(&m->c, node_load(m->c.path[1], idx), &frag->item))) {
		take_page(&m->c, idx, frag);
		return PT_OK;
	}
	return take_slow(&m->c, len, frag);
}

void pt_frag_release(const struct pt_env *env, struct pt_frag *frag)
{
	if (frag->kind == PT_FRAG_TABLE)
		node_free_deferred(frag->table);
	else if (frag->kind == PT_FRAG_MAPPED && frag->item.tracked)
		env->mem.ops->frame_put(env->mem.ctx, frag->item.pa);
	frag->kind = PT_FRAG_NONE;
}

/* One bulk unmap: the flusher, the removed run to flush, the frames kept. */
struct unmap_job {
	struct pt_flusher *fl;
	bool flush;                 /* the site of removed leaves is on */
	pt_vaddr_t run_va;          /* removed leaves to flush: [run_va, run_va + run_len) */
	uint64_t run_len;
	uint64_t nr_frames;
};

static void unmap_flush_run(struct unmap_job *j)
{
	if (j->run_len && j->flush)
		pt_flusher_issue(j->fl, j->run_va, j->run_len);
	j->run_len = 0;
}

static void unmap_removed(struct unmap_job *j, pt_vaddr_t va, uint64_t size)
{
	if (j->run_len && j->run_va + j->run_len == va) {
		j->run_len += size;
		return;
	}
	unmap_flush_run(j);
	j->run_va = va;
	j->run_len = size;
}

/*
 * The leaves from the cursor's slot (a leaf wholly inside the range) to the
 * end of its node or of the range at @end; stops early at a table entry, or
 * at a tracked leaf whose frame cannot be kept (PT_ERR_NOMEM, leaf still
 * mapped, cursor on it). Leaves the cursor after the last slot done.
 */
static enum pt_err unmap_node(struct unmap_job *j, struct pt_cursor *c, uint64_t end)
{
	const struct pt_format *f = cur_fmt(c);
	struct pt_node *n = c->path[c->level];
	uint64_t size = pt_fmt_page_size(f, c->level);
	unsigned idx = cur_index(c), nr = pt_fmt_nr_entries(f);
	uint64_t left = (end - (c->va - c->start)) / size;
	unsigned last = left < nr - idx ? idx + (unsigned)left : nr;
	pt_vaddr_t base = c->va - (uint64_t)idx * size;
	unsigned i = idx;

	for (; i < last; i++) {
		pt_pte_t pte = node_load(n, i);
		if (pte == 0)
			continue;
		if (c->level > 1 && pt_fmt_is_table(f, pte, c->level))
			break;
		c->va = base + (uint64_t)i * size;
		struct pt_item item;
		if (c->level != 1 || !cur_cached_page(c, pte, &item))
			item = cur_item_learn(c, pte);
		if (item.tracked) {
			enum pt_err err = pt_flusher_keep_frame(j->fl, item.pa);
			if (err != PT_OK)
				return err;
			j->nr_frames++;
		}
		node_clear(n, i, item.tracked);
		unmap_removed(j, c->va, size);
	}
	c->va = base + (uint64_t)i * size;
	if (i == nr) {
		c->va -= size;
		cur_move_forward(c);
	}
	return PT_OK;
}

/* Detach the child table at the cursor whole and keep it on the flusher. */
static void unmap_table(struct unmap_job *j, struct pt_cursor *c)
{
	struct pt_frag frag;
	take_table(c, &frag);
	unmap_flush_run(j);
	if (flush_site_on(PT_SITE_UNMAP_TABLE))
		pt_flusher_issue(j->fl, frag.va, frag.len);
	pt_flusher_keep_table(j->fl, frag.table);
	j->nr_frames += frag.nr_frames;
	cur_move_forward(c);
}

enum pt_err cur_unmap_range(struct pt_cursor *c, struct pt_flusher *fl, uint64_t end,
			    uint64_t *nr_frames)
{
	struct unmap_job j = { .fl = fl, .flush = flush_site_on(PT_SITE_UNMAP) };
	enum pt_err err = PT_OK;

	while (c->va - c->start < end) {
		struct scan_res r;
		err = cur_scan(c, end, SCAN_TAKE, &r);
		if (err != PT_OK || r.stop == SCAN_END)
			break;
		if (r.stop == SCAN_TABLE) {
			unmap_table(&j, c);
			continue;
		}
		err = unmap_node(&j, c, end);
		if (err != PT_OK)
			break;
	}
	unmap_flush_run(&j);
	*nr_frames = j.nr_frames;
	return err;
}
