/* SPDX-License-Identifier: MIT */
/*
 * Table handles: creation of empty, kernel and user tables, shallow copies
 * and destruction. Every table manages one half of the address space: the
 * lower half (user, empty) or the upper half (kernel). In one root, these are
 * its two halves; on a split-root format (Arm) each half has a root of its
 * own, every slot of which the table manages, and a user root holds no
 * kernel entry: the kernel table is loaded beside it (TTBR1), not into it.
 */
#include "node.h"
#include "table_init.h"

static pt_vaddr_t sign_extend(const struct pt_format *f, pt_vaddr_t va)
{
	if (!f->va_sign_extend || f->va_bits >= 64)
		return va;
	if (va & ((pt_vaddr_t)1 << (f->va_bits - 1)))
		va |= ~(((pt_vaddr_t)1 << f->va_bits) - 1);
	return va;
}

void pt_table_init_handle(struct pt_table *t, const struct pt_env *env, enum pt_table_kind kind,
		       struct pt_node *root)
{
	const struct pt_format *f = env->fmt;
	unsigned half = pt_fmt_nr_entries(f) / (f->split_root ? 1 : 2);
	uint64_t slot = pt_fmt_page_size(f, f->levels);

	atomic_init(&root->handles, 1);
	t->env = env;
	t->root = root;
	t->kind = kind;
	t->top_lo = kind == PT_TABLE_KERNEL && !f->split_root ? half : 0;
	t->top_hi = t->top_lo + half;
	t->va_lo = sign_extend(f, (pt_vaddr_t)(kind == PT_TABLE_KERNEL ? half : 0) * slot);
	t->va_size = (uint64_t)half * slot;
	t->kernel = NULL;
	atomic_init(&t->nr_users, 0);
	atomic_init(&t->leaf_tmpl, 0);
}

PT_MUST_CHECK static enum pt_err init_handle(struct pt_table *t, const struct pt_env *env,
			       enum pt_table_kind kind)
{
	struct pt_node *root;
	enum pt_err err = table_env_check(env);
	if (err != PT_OK)
		return err;
	err = pt_node_alloc(env, env->fmt->levels, &root);
	if (err != PT_OK)
		return err;
	pt_table_init_handle(t, env, kind, root);
	return PT_OK;
}

enum pt_err pt_table_create_empty(struct pt_table *t, const struct pt_env *env)
{
	if (!t || !env)
		return PT_ERR_INVAL;
	return init_handle(t, env, PT_TABLE_EMPTY);
}

enum pt_err pt_table_create_kernel(struct pt_table *t, const struct pt_env *env)
{
	if (!t || !env)
		return PT_ERR_INVAL;
	enum pt_err err = init_handle(t, env, PT_TABLE_KERNEL);
	if (err != PT_OK)
		return err;

	const struct pt_format *f = env->fmt;
	struct pt_node *root = t->root;
	for (unsigned i = t->top_lo; i < t->top_hi; i++) {
		struct pt_node *child;
		err = pt_node_alloc(env, f->levels - 1u, &child);
		if (err != PT_OK) {
			/* Nobody has seen this table yet: free it at once. */
			for (unsigned j = t->top_lo; j < i; j++)
				pt_node_free_unpublished(node_child(root, node_load(root, j)));
			pt_node_free_unpublished(root);
			return err;
		}
		node_set_child(root, i, f->encode_table(child->pa, f->levels));
	}
	return PT_OK;
}

enum pt_err pt_table_create_user(struct pt_table *t, struct pt_table *kernel)
{
	if (!t || !kernel || !kernel->root || kernel->kind != PT_TABLE_KERNEL)
		return PT_ERR_INVAL;
	enum pt_err err = init_handle(t, kernel->env, PT_TABLE_USER);
	if (err != PT_OK)
		return err;

	/* Share, not copy: the entries point at the kernel's permanent children. */
	for (unsigned i = kernel->top_lo; i < kernel->top_hi && !kernel->env->fmt->split_root; i++)
		node_store(t->root, i, node_load(kernel->root, i));
	t->kernel = kernel;
	atomic_fetch_add(&kernel->nr_users, 1);
	return PT_OK;
}

enum pt_err pt_table_shallow_copy(struct pt_table *dst, struct pt_table *src)
{
	if (!dst || !src || !src->root || src->kind == PT_TABLE_KERNEL)
		return PT_ERR_INVAL;
	atomic_fetch_add(&src->root->handles, 1);
	*dst = *src;
	atomic_init(&dst->nr_users, 0);
	return PT_OK;
}

/* Whether a node of @n's sub-tree in slots [lo, hi) is locked: a cursor is open. */
static bool subtree_locked(struct pt_node *n, unsigned lo, unsigned hi)
{
	if (node_is_locked(n))
		return true;
	if (n->level == 1)
		return false;
	for (unsigned i = lo; i < hi; i++) {
		pt_pte_t pte = node_load_acquire(n, i);
		if (node_is_table(n, pte) &&
		    subtree_locked(node_child(n, pte), 0, pt_fmt_nr_entries(node_fmt(n))))
			return true;
	}
	return false;
}

/* Open cursors are found by their locks, so the cursor's path counts nothing. */
static bool has_open_cursor(struct pt_table *t)
{
	const struct pt_reclaim *r = &t->env->reclaim;
	r->ops->read_lock(r->ctx);
	bool locked = subtree_locked(t->root, t->top_lo, t->top_hi);
	r->ops->read_unlock(r->ctx);
	return locked;
}

enum pt_err pt_table_destroy_check(struct pt_table *t)
{
	if (!t || !t->root)
		return PT_ERR_INVAL;
	if (t->kind == PT_TABLE_KERNEL && atomic_load(&t->nr_users))
		return PT_ERR_BUSY;
	return has_open_cursor(t) ? PT_ERR_BUSY : PT_OK;
}

enum pt_err pt_table_destroy(struct pt_table *t)
{
	enum pt_err err = pt_table_destroy_check(t);
	if (err != PT_OK)
		return err;

	struct pt_node *root = t->root;
	t->root = NULL;
	if (atomic_fetch_sub(&root->handles, 1) != 1)
		return PT_OK;
	if (t->kind == PT_TABLE_USER) {
		struct pt_table *k = t->kernel;
		for (unsigned i = k->top_lo; i < k->top_hi && !k->env->fmt->split_root; i++)
			node_store(root, i, 0);
		atomic_fetch_sub(&k->nr_users, 1);
	}
	pt_node_free_deferred(root);
	return PT_OK;
}

pt_paddr_t pt_table_root_paddr(const struct pt_table *t)
{
	return t && t->root ? t->root->pa : 0;
}
