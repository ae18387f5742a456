/* SPDX-License-Identifier: MIT */
/*
 * Copy-on-write: fork of a user range and the write fault that ends the
 * sharing. The parent's downgrade (W removed) needs a flush; the child's new
 * mappings and a returned W (an upgrade: at worst one spurious fault, which
 * itself invalidates) do not. Moving a page to a new frame is a remap: the
 * old translation is flushed before the old frame's reference is dropped.
 *
 * Fork is all or nothing: it fills the child first (what can fail: table
 * allocations) and downgrades the parent last (4 KiB leaves only: cannot
 * fail), so a failure only has the child to undo.
 */
#include "bbm.h"
#include "compiler.h"
#include "flush_site.h"
#include "node.h"
#include "vmspace_op.h"

#include <pt/debug.h>

struct fork_ctx {
	struct vms_op p, c;             /* parent, child */
	pt_vaddr_t end;                 /* va + len, not wrapped (user half) */
	uint64_t tracked;               /* tracked pages mapped into the child */
};

PT_MUST_CHECK static enum pt_err child_map_range(struct fork_ctx *x, const struct pt_query *q, pt_vaddr_t va,
				   pt_vaddr_t end)
{
	enum pt_err err = pt_cursor_jump(&x->c.m.c, va);
	if (err != PT_OK)
		return err;
	return pt_cursor_map_range(&x->c.m, q->item.pa + (va - q->va), end - va, q->item.prop);
}

/*
 * One tracked 4 KiB page at @va, mapped read-only in the child with one more
 * reference. Undoing the copy takes one by one only the pages of the (at most
 * two) level-1 tables that straddle the range's ends, and their references
 * must wait for the child's flush: room to keep them is reserved first.
 */
PT_MUST_CHECK static enum pt_err child_map_page(struct fork_ctx *x, const struct pt_query *q, pt_vaddr_t va)
{
	const struct pt_env *env = x->p.m.c.table->env;
	uint64_t undo_max = 2 * (uint64_t)pt_fmt_nr_entries(env->fmt);
	struct pt_item item = q->item;
	enum pt_err err = pt_cursor_jump(&x->c.m.c, va);
	if (err == PT_OK)
		err = pt_flusher_reserve(&x->c.f, x->tracked < undo_max ? x->tracked + 1 : undo_max);
	if (err != PT_OK)
		return err;
	item.prop.flags &= (uint16_t)~PT_W;
	env->mem.ops->frame_get(env->mem.ctx, item.pa);
	err = pt_cursor_map(&x->c.m, &item);
	if (err != PT_OK) {
		env->mem.ops->frame_put(env->mem.ctx, item.pa);
		return err;
	}
	x->tracked++;
	return PT_OK;
}

/* The parent's tracked page at @va loses W; 4 KiB, so nothing is split or allocated. */
PT_MUST_CHECK static enum pt_err parent_downgrade(struct fork_ctx *x, const struct pt_query *q, pt_vaddr_t va)
{
	struct pt_protect op = { .clear = PT_W, .cache = -1 };
	pt_vaddr_t got;
	uint64_t got_len;
	bool found;
	if (!(q->item.prop.flags & PT_W))
		return PT_OK;
	enum pt_err err = pt_cursor_protect_next(&x->p.m, PT_PAGE_SIZE, op, &got, &got_len, &found);
	if (err == PT_OK && flush_site_on(x->p.f.env, PT_SITE_FORK))
		pt_flusher_issue(&x->p.f, va, PT_PAGE_SIZE);
	return err;
}

PT_MUST_CHECK static enum pt_err fork_leaf(struct fork_ctx *x, const struct pt_query *q, pt_vaddr_t va,
			     pt_vaddr_t next, bool parent_pass)
{
	if (parent_pass)
		return q->item.tracked ? parent_downgrade(x, q, va) : PT_OK;
	if (q->item.tracked)
		return child_map_page(x, q, va);
	return child_map_range(x, q, va, next);
}

/* Visit every leaf of the parent's range: copy it into the child, or downgrade it. */
PT_MUST_CHECK static enum pt_err fork_walk(struct fork_ctx *x, bool parent_pass)
{
	struct pt_cursor *pc = &x->p.m.c;
	enum pt_err err = pt_cursor_jump(pc, pc->start);
	while (err == PT_OK) {
		pt_vaddr_t va, next;
		bool ok;
		struct pt_query q;
		err = pt_cursor_find_next(pc, x->end - pc->va, &va, &ok);
		if (err != PT_OK || !ok)
			return err;
		err = pt_cursor_query(pc, &q);
		if (err != PT_OK)
			return err;
		next = q.va + q.len > x->end || q.va + q.len < q.va ? x->end : q.va + q.len;
		err = fork_leaf(x, &q, va, next, parent_pass);
		if (err != PT_OK || next == x->end)
			return err;
		err = pt_cursor_jump(pc, next);
	}
	return err;
}

/*
 * Remove everything in the child's range, flushing it: the empty tables found
 * before the copy (a huge leaf may need their slot) or a failed copy. Every
 * child leaf lies inside the range, so nothing is split, and room for the
 * tracked frames taken one by one was reserved: nothing can fail.
 */
static void child_clear(struct fork_ctx *x)
{
	struct pt_cursor *c = &x->c.m.c;
	pt_discard(pt_cursor_jump(c, c->start));
	for (;;) {
		struct pt_frag frag;
		enum pt_err err = pt_cursor_take_next(&x->c.m, c->size - (c->va - c->start), &frag);
		pt_assert(err == PT_OK);
		if (err != PT_OK || frag.kind == PT_FRAG_NONE)
			return;
		if (frag.kind == PT_FRAG_TABLE)
			pt_flusher_keep_table(&x->c.f, frag.table);
		else if (frag.item.tracked)
			err = pt_flusher_keep_frame(&x->c.f, frag.item.pa);
		pt_assert(err == PT_OK);
		if (flush_site_on(x->c.f.env, frag.kind == PT_FRAG_TABLE ? PT_SITE_UNMAP_TABLE : PT_SITE_UNMAP))
			pt_flusher_issue(&x->c.f, frag.va, frag.len);
	}
}

/* Copy into the child first, so a failure leaves the parent untouched; then downgrade. */
PT_MUST_CHECK static enum pt_err fork_locked(struct fork_ctx *x)
{
	struct pt_cursor *c = &x->c.m.c;
	pt_vaddr_t found;
	bool ok;
	enum pt_err err = pt_cursor_find_next(c, c->size, &found, &ok);
	if (err != PT_OK)
		return err;
	if (ok)
		return PT_ERR_MAPPED;
	child_clear(x);
	err = fork_walk(x, false);
	if (err != PT_OK) {
		child_clear(x);
		return err;
	}
	return fork_walk(x, true);
}

/*
 * Lock both ranges in the global order across tables: ascending root
 * address (pt/cursor.h). Two forks in opposite directions between the same
 * address spaces then wait for each other instead of deadlocking.
 */
PT_MUST_CHECK static enum pt_err lock_both(struct fork_ctx *x, struct pt_vmspace *parent,
			     struct pt_vmspace *child, pt_vaddr_t va, uint64_t len)
{
	bool parent_first = parent->table.root->pa < child->table.root->pa;
	struct vms_op *first = parent_first ? &x->p : &x->c;
	struct vms_op *second = parent_first ? &x->c : &x->p;
	enum pt_err err = pt_vms_op_begin(first, parent_first ? parent : child, va, len);
	if (err != PT_OK)
		return err;
	err = pt_vms_op_begin(second, parent_first ? child : parent, va, len);
	if (err != PT_OK)
		pt_vms_op_end(first);
	return err;
}

enum pt_err pt_vmspace_fork(struct pt_vmspace *parent, struct pt_vmspace *child, pt_vaddr_t va,
			    uint64_t len)
{
	if (!vms_is(parent, PT_VMSPACE_USER) || !vms_is(child, PT_VMSPACE_USER) ||
	    parent->table.root == child->table.root)
		return PT_ERR_INVAL;
	struct fork_ctx x = { .end = va + len };
	enum pt_err err = lock_both(&x, parent, child, va, len);
	if (err != PT_OK)
		return err;
	err = fork_locked(&x);
	/* Both dispatched before either cursor goes, both synced after. */
	pt_flusher_dispatch(&x.p.f);
	pt_flusher_dispatch(&x.c.f);
	pt_cursor_mut_drop(&x.c.m);
	pt_cursor_mut_drop(&x.p.m);
	pt_flusher_sync(&x.p.f);
	pt_flusher_sync(&x.c.f);
	return err;
}

/* The frame has other sharers: copy it into @spare and remap. */
PT_MUST_CHECK static enum pt_err cow_copy(struct pt_cursor_mut *m, struct pt_flusher *f,
			    const struct pt_query *q, pt_paddr_t spare)
{
	const struct pt_physmem *mem = &m->c.table->env->mem;
	struct pt_frag frag;
	enum pt_err err = pt_flusher_reserve(f, 1);
	if (err != PT_OK)
		return err;
	__builtin_memcpy(mem->ops->phys_to_virt(mem->ctx, spare),
			 mem->ops->phys_to_virt(mem->ctx, q->item.pa), PT_PAGE_SIZE);
	err = pt_cursor_take_next(m, PT_PAGE_SIZE, &frag);
	if (err != PT_OK)
		return err;
	/* Broken by take_next: complete the invalidation before the make. */
	if (m->c.fmt->bbm)
		pt_bbm_invalidate(m->c.table, q->va, PT_PAGE_SIZE, false, PT_BBM_COW);
	struct pt_item item = frag.item;
	item.pa = spare;
	item.prop.flags |= PT_W;
	pt_discard(pt_cursor_jump(&m->c, q->va));  /* inside the range */
	/* The level-1 table stays: this map allocates nothing. */
	err = pt_cursor_map(m, &item);
	if (err != PT_OK)
		return err;
	pt_discard(pt_flusher_keep_frame(f, frag.item.pa));  /* reserved above */
	if (flush_site_on(f->env, PT_SITE_COW_COPY))
		pt_flusher_issue(f, q->va, PT_PAGE_SIZE);
	return PT_OK;
}

PT_MUST_CHECK static enum pt_err cow_resolve(struct pt_cursor_mut *m, struct pt_flusher *f, pt_paddr_t spare,
			       bool *spare_used)
{
	const struct pt_physmem *mem = &m->c.table->env->mem;
	struct pt_query q;
	enum pt_err err = pt_cursor_query(&m->c, &q);
	if (err != PT_OK)
		return err;
	if (!q.mapped)
		return PT_ERR_NOT_MAPPED;
	if (!q.item.tracked)
		return PT_ERR_INVAL;
	if (q.item.prop.flags & PT_W)
		return PT_OK;
	uint32_t refs = mem->ops->frame_refcount ? mem->ops->frame_refcount(mem->ctx, q.item.pa) : 2;
	if (refs == 1) {
		struct pt_protect op = { .set = PT_W, .cache = -1 };
		pt_vaddr_t va;
		uint64_t len;
		bool found;
		return pt_cursor_protect_next(m, PT_PAGE_SIZE, op, &va, &len, &found);
	}
	err = cow_copy(m, f, &q, spare);
	*spare_used = err == PT_OK;
	return err;
}

enum pt_err pt_vmspace_cow_fault(struct pt_vmspace *vs, pt_vaddr_t va, pt_paddr_t spare,
				 bool *spare_used)
{
	struct vms_op op;
	if (!spare_used)
		return PT_ERR_INVAL;
	*spare_used = false;
	if (!vs || !vs->table.root || vs->kind == PT_VMSPACE_KERNEL)
		return PT_ERR_INVAL;
	va &= ~(PT_PAGE_SIZE - 1);
	struct pt_item leaf;
	pt_paddr_t pa;
	/* A cursor inside a huge leaf would split it: those are never COW. */
	if (pt_table_translate(&vs->table, va, &pa, &leaf) == PT_OK && leaf.level > 1)
		return PT_ERR_INVAL;
	enum pt_err err = pt_vms_op_begin(&op, vs, va, PT_PAGE_SIZE);
	if (err != PT_OK)
		return err;
	err = cow_resolve(&op.m, &op.f, spare, spare_used);
	pt_vms_op_end(&op);
	return err;
}
