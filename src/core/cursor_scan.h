/* SPDX-License-Identifier: MIT */
/* The scan engine behind find_next, next_leaf, take_next and protect_next. */
#ifndef PT_CORE_CURSOR_SCAN_H
#define PT_CORE_CURSOR_SCAN_H

#include "compiler.h"
#include "cursor.h"
#include "leaf_tmpl.h"

#pragma GCC visibility push(hidden)

enum scan_stop { SCAN_END, SCAN_LEAF, SCAN_TABLE };

/*
 * What a scan looks for: FIND any leaf overlapping the rest of the range
 * (changing nothing); PROTECT a leaf wholly inside it (splitting one that
 * sticks out); TAKE the same or a wholly covered detachable child table.
 */
enum scan_mode { SCAN_FIND, SCAN_PROTECT, SCAN_TAKE };

struct scan_res {
	enum scan_stop stop;
	bool split;                 /* a huge leaf was split to reach the leaf */
};

/* Check a protect operation against @t: PT_ERR_INVAL, PT_ERR_GLOBAL_USER. */
PT_MUST_CHECK enum pt_err pt_cur_check_protect(const struct pt_table *t, struct pt_protect op);

/*
 * Advance to the next stop of @mode inside [va, start + end) (offsets from the
 * range start); at SCAN_END the cursor is at start + end. PT_ERR_NOMEM if a
 * split failed (the table is unchanged).
 */
PT_MUST_CHECK enum pt_err pt_cur_scan(struct pt_cursor *c, uint64_t end, enum scan_mode mode, struct scan_res *r);

/* Detach the wholly covered child table at the cursor into @frag (PT_FRAG_TABLE). */
void pt_cur_take_table(struct pt_cursor *c, struct pt_frag *frag);
/* Rewrite the leaf @item at the cursor to @prop, broken first if the format needs it. */
void pt_cur_rewrite(struct pt_cursor *c, const struct pt_item *item, struct pt_prop prop);

/* The item held by the leaf @pte at the cursor's level (no codec call for a templated base page). */
static inline struct pt_item cur_item(const struct pt_cursor *c, pt_pte_t pte)
{
	struct pt_pte_info info;
	if (c->level != 1 || !tmpl_decode(c, pte, &info))
		info = cur_fmt(c)->decode(pte, c->level);
	return (struct pt_item){ info.pa, c->level, info.prop, info.tracked };
}

/*
 * cur_item that also fills the cursor's leaf cache from a templated base
 * page (the template passed check_prop on this table, so map's fast path may
 * use it), letting the next page of that property be read without decoding.
 */
static inline void cur_learn(struct pt_cursor *c, pt_pte_t pte, const struct pt_pte_info *info)
{
	c->leaf_cache.pte = pte & ~cur_fmt(c)->lv[1].leaf_addr_mask;
	c->leaf_cache.prop = info->prop;
	c->leaf_cache.level = 1;
	c->leaf_cache.tracked = info->tracked;
}

static inline struct pt_item cur_item_learn(struct pt_cursor *c, pt_pte_t pte)
{
	struct pt_pte_info info;
	if (c->level != 1 || !tmpl_decode(c, pte, &info))
		info = cur_fmt(c)->decode(pte, c->level);
	else
		cur_learn(c, pte, &info);
	return (struct pt_item){ info.pa, c->level, info.prop, info.tracked };
}

/*
 * The base page @pte at the cursor (which stands at level 1) if the leaf
 * cache holds its property: *item filled, no codec call. False otherwise
 * (absent too).
 */
static inline bool cur_cached_page(const struct pt_cursor *c, pt_pte_t pte, struct pt_item *item)
{
	const struct pt_format *f = cur_fmt(c);
	if (c->leaf_cache.level != 1 || (pte & ~f->lv[1].leaf_addr_mask) != c->leaf_cache.pte)
		return false;
	item->pa = pt_fmt_pte_addr(f, pte, 1, true);
	item->level = 1;
	item->prop = c->leaf_cache.prop;
	item->tracked = c->leaf_cache.tracked;
	return true;
}

/*
 * The same through the table's shared template (a fresh cursor), filling
 * the leaf cache unless the cursor's range is this one page.
 */
static inline bool pt_cur_template_page(struct pt_cursor *c, pt_pte_t pte, struct pt_item *item)
{
	struct pt_pte_info info;
	/* An absent @pte fails too: the template's bits outside the address are not 0. */
	if (!tmpl_decode(c, pte, &info))
		return false;
	if (c->size != PT_PAGE_SIZE)
		cur_learn(c, pte, &info);
	*item = (struct pt_item){ info.pa, 1, info.prop, info.tracked };
	return true;
}

/* A base-page step from the cursor (at level 1): its slot, and whether that is the table's last. */
struct page_step {
	unsigned idx;
	bool last;
};

/* Whether a page-sized step from the cursor (at level 1) fits @len, a valid scan length. */
static inline bool cur_page_step_ok(const struct pt_cursor *c, uint64_t len, struct page_step *s)
{
	if ((len & (PT_PAGE_SIZE - 1)) || len - 1 >= cur_remaining(c))
		return false;
	unsigned last = pt_fmt_nr_entries(cur_fmt(c)) - 1;
	s->idx = (unsigned)(c->va >> PT_PAGE_SHIFT) & last;
	s->last = s->idx == last;
	return true;
}

/* Past the slot at the cursor, but not beyond the scan's end @end (an offset). */
static inline void cur_step_within(struct pt_cursor *c, uint64_t end)
{
	uint64_t size = pt_fmt_page_size(cur_fmt(c), c->level);
	uint64_t next = (c->va & ~(size - 1)) - c->start + size;
	if (next > end)
		pt_cur_reset(c, c->start + end);
	else
		pt_cur_move_forward(c);
}

/*
 * Open the scan window on the leaf table the cursor stands in: next_leaf's
 * inline part and take_next's per-page path read it.
 */
static inline void cur_arm_scan(struct pt_cursor *c)
{
	/* At the range's end, va may already be past the leaf table. */
	if (c->level != 1 || c->va - c->start >= c->size)
		return;
	const struct pt_format *f = cur_fmt(c);
	c->scan.node = c->path[1];
	c->scan.ptes = c->path[1]->ptes + 1;
	c->scan.base = (c->va & ~(pt_fmt_page_size(f, 2) - 1)) + PT_PAGE_SIZE;
	c->scan.span = (uint64_t)(pt_fmt_nr_entries(f) - 2) << PT_PAGE_SHIFT;
}

#pragma GCC visibility pop
#endif
