/* SPDX-License-Identifier: MIT */
/*
 * The model's cursor: predicts the result, the outputs and the new cursor
 * position of every cursor operation, following include/pt/cursor.h. The
 * cursor's level (public in struct pt_cursor) is predicted too, since which
 * slot the next scan looks at depends on it.
 */
#ifndef PT_FUZZ_MCURSOR_H
#define PT_FUZZ_MCURSOR_H

#include "model.h"

struct mcur {
	struct mtree *t;
	pt_vaddr_t start;
	uint64_t size;
	pt_vaddr_t va;
	unsigned level, guard;
};

/* Allocation-failure injection as the model sees it: the fail_at-th allocation fails. */
struct malloc_ctx {
	uint64_t fail_at;   /* 0: none */
	uint64_t count;     /* allocations the operation made so far */
};

/* After a map built tables in a fresh region: the guard drops to the range's covering node. */
void mc_lower_guard(struct mcur *c);

/* Results of a scanning operation, for comparison with the real one. */
struct mresult {
	bool found;
	pt_vaddr_t va;
	uint64_t len;
	struct pt_frag frag;    /* take_next */
	struct pt_query q;      /* query */
};

/* The highest level a leaf may take: the format's limit, and never a kernel
 * table's root (its slots are the shared tables). A page that fits the range
 * is never above the guard, so the guard does not enter into it. */
static inline unsigned mc_top_leaf(const struct mcur *c)
{
	const struct pt_format *f = c->t->f;
	unsigned top = f->max_leaf_level;
	return c->t->kind == PT_TABLE_KERNEL && top == f->levels ? top - 1 : top;
}

/* Predict pt_cursor_new on @t (may add path tables, kept even on PT_ERR_NOMEM). */
PT_MUST_CHECK enum pt_err mc_new(struct mcur *c, struct mtree *t, pt_vaddr_t va, uint64_t len,
		   struct malloc_ctx *a);
/* Predict pt_cursor_query. */
PT_MUST_CHECK enum pt_err mc_query(struct mcur *c, struct mresult *r);
/* Predict pt_cursor_jump. */
PT_MUST_CHECK enum pt_err mc_jump(struct mcur *c, pt_vaddr_t va);
/* Predict pt_cursor_find_next. */
PT_MUST_CHECK enum pt_err mc_find_next(struct mcur *c, uint64_t len, struct mresult *r);
/* Predict pt_cursor_next_leaf: r->found, r->q (the leaf) and the cursor past it. */
PT_MUST_CHECK enum pt_err mc_next_leaf(struct mcur *c, uint64_t len, struct mresult *r);
/* Predict pt_cursor_map. */
PT_MUST_CHECK enum pt_err mc_map(struct mcur *c, const struct pt_item *item, struct malloc_ctx *a);
/* Predict pt_cursor_map_range. */
PT_MUST_CHECK enum pt_err mc_map_range(struct mcur *c, pt_paddr_t pa, uint64_t len, struct pt_prop prop,
			 struct malloc_ctx *a);
/* Predict pt_cursor_take_next. */
PT_MUST_CHECK enum pt_err mc_take_next(struct mcur *c, uint64_t len, struct mresult *r, struct malloc_ctx *a);
/* Predict pt_cursor_protect_next. */
PT_MUST_CHECK enum pt_err mc_protect_next(struct mcur *c, uint64_t len, struct pt_protect op,
			    struct mresult *r, struct malloc_ctx *a);

#endif
