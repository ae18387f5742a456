/* SPDX-License-Identifier: MIT */
/* Cursor internals shared by the navigation, map, unmap and protect files. */
#ifndef PT_CORE_CURSOR_H
#define PT_CORE_CURSOR_H

#include <pt/cursor.h>

#include "node.h"

#pragma GCC visibility push(hidden)

/* A cursor that exists and was not dropped. */
static inline bool cur_live(const struct pt_cursor *c)
{
	return c && c->table;
}

static inline const struct pt_format *cur_fmt(const struct pt_cursor *c)
{
	return c->fmt;
}

/* Bytes from the cursor's address to the end of its range. */
static inline uint64_t cur_remaining(const struct pt_cursor *c)
{
	return c->size - (c->va - c->start);
}

static inline unsigned cur_index(const struct pt_cursor *c)
{
	return pt_fmt_index(cur_fmt(c), c->va, c->level);
}

static inline pt_pte_t cur_pte(const struct pt_cursor *c)
{
	return node_load(c->path[c->level], cur_index(c));
}

/*
 * The level the guard would have in a full tree: descending from level L is
 * right while [first, last] lies inside one slot of L and is smaller than it.
 */
static inline unsigned cur_target_level(const struct pt_format *f, pt_vaddr_t first,
					pt_vaddr_t last)
{
	pt_vaddr_t diff = first ^ last, span = last - first;
	unsigned shift = f->page_shift + f->index_bits;
	/* Inside one level-1 table and smaller than it: the common case, and monotone upwards. */
	if (!(diff >> shift) && span != ((pt_vaddr_t)1 << shift) - 1)
		return 1;
	unsigned level = f->levels;
	shift = f->page_shift + f->index_bits * (level - 1u);
	while (level > 1 && !(diff >> shift) && span != ((pt_vaddr_t)1 << shift) - 1) {
		level--;
		shift -= f->index_bits;
	}
	return level;
}

/*
 * After a map built the tables down to the node covering the cursor's range
 * (the guard was higher: a fresh region), hold only that node: unlock the
 * nodes above it, so cursors on neighbouring ranges need not wait for us.
 */
void pt_cur_lower_guard(struct pt_cursor *c);
/* Check a length for the scanning operations. */
PT_MUST_CHECK enum pt_err pt_cur_check_len(const struct pt_cursor *c, uint64_t len);
/* Go down into the child table of the current slot. */
void pt_cur_descend(struct pt_cursor *c, pt_pte_t table_pte);
/*
 * Climb while the address is at the start of the current node, so a scan
 * sees the largest slot beginning there whatever query or map left the
 * cursor's level at: the result of an operation never depends on it.
 */
void pt_cur_rise(struct pt_cursor *c);
/* Advance to the end of the current slot, popping out of finished nodes. */
void pt_cur_move_forward(struct pt_cursor *c);
/* Place the cursor at @va (inside the range) at the covering node's level. */
void pt_cur_reset(struct pt_cursor *c, pt_vaddr_t va);

#pragma GCC visibility pop
#endif
