/* SPDX-License-Identifier: MIT */
/*
 * The bulk loops behind pt_cursor_protect and pt_cursor_unmap: one scan to
 * each leaf table, then a loop over its entries; changed or removed runs
 * are issued to the flusher as one range each.
 *
 * Protect: a leaf's rewrite depends only on its property (the codec is
 * affine in the address), so the loop learns it from the codec once per
 * property met: the leaf at pa 0 with the old property, and the bits that
 * differ in the one with the new. Leaves equal to that pattern outside
 * their address bits are flipped by a mask; the others, and changes the
 * format must break before making, go through the codec one by one.
 *
 * Unmap: each tracked frame is kept on the flusher before its leaf is
 * cleared, so a keeper page failing leaves that leaf mapped.
 */
#include "vm_bulk.h"

#include "bbm.h"
#include "flush_site.h"

/* Changed or removed leaves to flush, [va, va + len), issued when the run breaks. */
struct flush_run {
	struct pt_flusher *fl;
	bool on;                    /* the flush site of these leaves is on */
	pt_vaddr_t va;
	uint64_t len;
};

static void run_flush(struct flush_run *r)
{
	if (r->len && r->on)
		pt_flusher_issue(r->fl, r->va, r->len);
	r->len = 0;
}

static void run_add(struct flush_run *r, pt_vaddr_t va, uint64_t size)
{
	if (r->len && r->va + r->len == va) {
		r->len += size;
		return;
	}
	run_flush(r);
	r->va = va;
	r->len = size;
}

/* One bulk protect: the operation, the pattern last learnt, the changed run. */
struct prot_job {
	struct pt_protect op;
	pt_level_t level;           /* of the pattern; 0: none yet */
	pt_pte_t from;              /* a leaf at pa 0 with the old property */
	pt_pte_t flip;              /* from ^ the leaf with the new: 0 if it does not change */
	bool bbm;                   /* the change must be broken first */
	struct flush_run run;
};

/* Learn the rewrite of the property of @item (a leaf at the cursor's level). */
static void learn(struct prot_job *j, const struct pt_cursor *c, const struct pt_item *item)
{
	const struct pt_format *f = cur_fmt(c);
	struct pt_prop to = pt_protect_apply(j->op, item->prop);
	j->level = c->level;
	j->from = f->encode_leaf(0, item->prop, item->tracked, c->level);
	j->flip = j->from ^ f->encode_leaf(0, to, item->tracked, c->level);
	j->bbm = bbm_prop_change(f, item->prop, to);
}

/* A leaf the mask does not cover (other bits set, or break-before-make): through the codec. */
static PT_NOINLINE void protect_odd(struct prot_job *j, struct pt_cursor *c, pt_pte_t pte)
{
	struct pt_item item = cur_item(c, pte);
	struct pt_prop to = pt_protect_apply(j->op, item.prop);
	if (pt_prop_eq(to, item.prop))
		return;
	pt_cur_rewrite(c, &item, to);
	run_add(&j->run, c->va, pt_fmt_page_size(cur_fmt(c), c->level));
}

/*
 * The leaves from the cursor's slot (a leaf wholly inside the range) to the
 * end of its node or of the range at @end; stops early at a table entry.
 * Leaves the cursor after the last slot done.
 */
static void protect_node(struct prot_job *j, struct pt_cursor *c, uint64_t end)
{
	const struct pt_format *f = cur_fmt(c);
	struct pt_node *n = c->path[c->level];
	uint64_t size = pt_fmt_page_size(f, c->level);
	pt_pte_t amask = f->lv[c->level].leaf_addr_mask;
	unsigned idx = cur_index(c), nr = pt_fmt_nr_entries(f);
	uint64_t left = (end - (c->va - c->start)) / size;
	unsigned last = left < nr - idx ? idx + (unsigned)left : nr;
	pt_vaddr_t base = c->va - (uint64_t)idx * size;
	unsigned i = idx;

	while (i < last) {
		pt_pte_t pte = node_load(n, i);
		if (pte == 0) {
			i++;
			continue;
		}
		if (c->level > 1 && pt_fmt_is_table(f, pte, c->level))
			break;
		c->va = base + (uint64_t)i * size;
		if (j->level != c->level || (pte & ~amask) != j->from) {
			struct pt_item item = cur_item(c, pte);
			learn(j, c, &item);
		}
		if (!j->flip) {
			i++;
			continue;
		}
		if (j->bbm || (pte & ~amask) != j->from) {
			protect_odd(j, c, pte);
			i++;
			continue;
		}
		/* The run of leaves matching the pattern: a load, a compare and a store each. */
		unsigned first = i;
		i = node_flip_run(n, i, last, amask, j->from, j->flip);
		run_add(&j->run, c->va, (uint64_t)(i - first) * size);
	}
	c->va = base + (uint64_t)i * size;
	if (i == nr) {
		c->va -= size;
		pt_cur_move_forward(c);
	}
}

enum pt_err pt_vm_protect_range(struct pt_cursor *c, struct pt_flusher *fl, uint64_t end,
			      struct pt_protect op, enum pt_flush_site site)
{
	struct prot_job j = { .op = op, .run = { .fl = fl, .on = flush_site_on(fl->env, site) } };
	enum pt_err err = PT_OK;

	while (c->va - c->start < end) {
		struct scan_res r;
		err = pt_cur_scan(c, end, SCAN_PROTECT, &r);
		if (err != PT_OK || r.stop == SCAN_END)
			break;
		if (r.split && flush_site_on(fl->env, PT_SITE_SPLIT)) {
			struct pt_item item = cur_item(c, cur_pte(c));
			if (pt_prop_eq(pt_protect_apply(op, item.prop), item.prop))
				pt_flusher_issue(fl, c->va, pt_fmt_page_size(cur_fmt(c), c->level));
		}
		protect_node(&j, c, end);
	}
	run_flush(&j.run);
	return err;
}

/* One bulk unmap: the removed run to flush (its flusher also keeps the frames), the frames kept. */
struct unmap_job {
	struct flush_run run;
	uint64_t nr_frames;
};

/*
 * The leaves from the cursor's slot (a leaf wholly inside the range) to the
 * end of its node or of the range at @end; stops early at a table entry, or
 * at a tracked leaf whose frame cannot be kept (PT_ERR_NOMEM, leaf still
 * mapped, cursor on it). Leaves the cursor after the last slot done.
 */
PT_MUST_CHECK static enum pt_err unmap_node(struct unmap_job *j, struct pt_cursor *c, uint64_t end)
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
			enum pt_err err = pt_flusher_keep_frame(j->run.fl, item.pa);
			if (err != PT_OK)
				return err;
			j->nr_frames++;
		}
		node_clear(n, i, item.tracked);
		run_add(&j->run, c->va, size);
	}
	c->va = base + (uint64_t)i * size;
	if (i == nr) {
		c->va -= size;
		pt_cur_move_forward(c);
	}
	return PT_OK;
}

/* Detach the child table at the cursor whole and keep it on the flusher. */
static void unmap_table(struct unmap_job *j, struct pt_cursor *c)
{
	struct pt_frag frag;
	pt_cur_take_table(c, &frag);
	run_flush(&j->run);
	if (flush_site_on(j->run.fl->env, PT_SITE_UNMAP_TABLE))
		pt_flusher_issue(j->run.fl, frag.va, frag.len);
	pt_flusher_keep_table(j->run.fl, frag.table);
	j->nr_frames += frag.nr_frames;
	pt_cur_move_forward(c);
}

enum pt_err pt_vm_unmap_range(struct pt_cursor *c, struct pt_flusher *fl, uint64_t end,
			    uint64_t *nr_frames)
{
	struct unmap_job j = { .run = { .fl = fl, .on = flush_site_on(fl->env, PT_SITE_UNMAP) } };
	enum pt_err err = PT_OK;

	while (c->va - c->start < end) {
		struct scan_res r;
		err = pt_cur_scan(c, end, SCAN_TAKE, &r);
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
	run_flush(&j.run);
	*nr_frames = j.nr_frames;
	return err;
}
