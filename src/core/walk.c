/* SPDX-License-Identifier: MIT */
/* Lock-free software walks: translation and a visit of every node. */
#include <pt/debug.h>

#include "node.h"

enum pt_err pt_table_translate(struct pt_table *t, pt_vaddr_t va, pt_paddr_t *pa,
			       struct pt_item *leaf)
{
	const struct pt_format *f = t->env->fmt;
	const struct pt_reclaim *r = &t->env->reclaim;
	if (!pt_fmt_canonical(f, va))
		return PT_ERR_NONCANONICAL;

	/* Outside its window a user table sees its kernel's half, as a CPU
	 * does (shared root entries, or the kernel's own root beside it). */
	if (va - t->va_lo >= t->va_size) {
		if (t->kind != PT_TABLE_USER)
			return PT_ERR_NOT_MAPPED;
		t = t->kernel;
	}
	enum pt_err err = PT_ERR_NOT_MAPPED;
	r->ops->read_lock(r->ctx);
	struct pt_node *n = t->root;
	for (;;) {
		struct pt_pte_info info = f->decode(node_load_acquire(n, pt_fmt_index(f, va, n->level)),
						    n->level);
		if (info.kind == PT_PTE_TABLE) {
			n = node_of(t->env, info.pa);
			continue;
		}
		if (info.kind == PT_PTE_LEAF) {
			uint64_t size = pt_fmt_page_size(f, n->level);
			*pa = info.pa + (va & (size - 1));
			if (leaf) {
				leaf->pa = info.pa;
				leaf->level = n->level;
				leaf->prop = info.prop;
				leaf->tracked = info.tracked;
			}
			err = PT_OK;
		}
		break;
	}
	r->ops->read_unlock(r->ctx);
	return err;
}

static void visit(struct pt_node *n, unsigned lo, unsigned hi, pt_node_visit_fn fn, void *ctx)
{
	const struct pt_format *f = node_fmt(n);
	fn(ctx, n->pa, n->level, (const pt_pte_t *)n->ptes, pt_fmt_nr_entries(f));
	if (n->level == 1)
		return;
	for (unsigned i = lo; i < hi; i++) {
		pt_pte_t pte = node_load_acquire(n, i);
		if (node_is_table(n, pte))
			visit(node_child(n, pte), 0, pt_fmt_nr_entries(f), fn, ctx);
	}
}

void pt_table_for_each_node(struct pt_table *t, pt_node_visit_fn fn, void *ctx)
{
	const struct pt_reclaim *r = &t->env->reclaim;
	r->ops->read_lock(r->ctx);
	visit(t->root, t->top_lo, t->top_hi, fn, ctx);
	r->ops->read_unlock(r->ctx);
}
