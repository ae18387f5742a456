/* SPDX-License-Identifier: MIT */
#include "node.h"

#include "frames.h"

struct pt_node *pt_node_init(const struct pt_env *env, pt_paddr_t pa, pt_level_t level)
{
	struct pt_node *n = node_of(env, pa);
	atomic_init(&n->lock, 0);
	atomic_init(&n->handles, 0);
	n->nr_children = 0;
	n->nr_tracked = 0;
	n->level = (uint8_t)level;
	n->stray = false;
	n->pa = pa;
	n->ptes = env->mem.ops->phys_to_virt(env->mem.ctx, pa);
	n->env = env;
	atomic_init(&n->hint, NULL);
	return n;
}

void pt_node_lock_wait(struct pt_node *n)
{
	pt_relax_fn relax = n->env->relax;
	unsigned spins = 0;
	do {
		while (atomic_load_explicit(&n->lock, memory_order_relaxed)) {
			if (relax)
				relax(spins);
			spins++;
		}
	} while (!node_trylock(n));
}

enum pt_err pt_node_alloc(const struct pt_env *env, pt_level_t level, struct pt_node **out)
{
	pt_paddr_t pa;
	enum pt_err err = env->mem.ops->table_alloc(env->mem.ctx, &pa);
	if (err != PT_OK)
		return err;
	*out = pt_node_init(env, pa, level);
	return PT_OK;
}

void pt_node_free_unpublished(struct pt_node *n)
{
	n->env->mem.ops->table_free(n->env->mem.ctx, n->pa);
}

#define PUT_BATCH 64

/*
 * The addresses of the tracked leaves among entries [i, end) of @n, stored
 * in @batch; returns how many. The address terms of pt_fmt_pte_addr are
 * arguments so that a caller passing constants gets them folded.
 */
static inline uint32_t gather_tracked(const struct pt_node *n, unsigned i, unsigned end,
				      pt_pte_t tracked, pt_pte_t addr, unsigned addr_shift,
				      unsigned page_shift, pt_paddr_t *batch)
{
	pt_paddr_t *out = batch;
	for (; i < end; i++) {
		pt_pte_t pte = node_load(n, i);
		if (pte & tracked)
			*out++ = ((pte & addr) >> addr_shift) << page_shift;
	}
	return (uint32_t)(out - batch);
}

/* A batch at a time; where the address field starts at page_shift (x86, Arm), without shifts. */
static void put_tracked_leaves(const struct pt_node *n)
{
	const struct pt_format *f = node_fmt(n);
	const struct pt_physmem *mem = &n->env->mem;
	const pt_pte_t tracked = f->lv[1].tracked, addr = f->lv[1].leaf_addr_mask;
	const unsigned as = f->lv[1].addr_shift, ps = f->page_shift;
	unsigned nr = pt_fmt_nr_entries(f);
	pt_paddr_t batch[PUT_BATCH];

	for (unsigned i = 0; i < nr; i += PUT_BATCH) {
		unsigned end = nr - i < PUT_BATCH ? nr : i + PUT_BATCH;
		uint32_t k = as == ps ? gather_tracked(n, i, end, tracked, addr, 0, 0, batch)
				      : gather_tracked(n, i, end, tracked, addr, as, ps, batch);
		if (k)
			pt_put_frames(mem, batch, k);
	}
}

/* Runs after the grace period: nobody can reach the sub-tree any more. */
static void free_subtree(struct pt_node *n)
{
	const struct pt_format *f = node_fmt(n);
	unsigned nr = pt_fmt_nr_entries(f);

	if (n->level == 1) {
		if (n->nr_tracked)
			put_tracked_leaves(n);
	} else if (n->nr_children) {
		for (unsigned i = 0; i < nr; i++) {
			pt_pte_t pte = node_load(n, i);
			/* Huge leaves are never tracked: nothing to drop. */
			if (node_is_table(n, pte))
				free_subtree(node_child(n, pte));
		}
	}
	n->env->mem.ops->table_free(n->env->mem.ctx, n->pa);
}

static void free_subtree_cb(struct pt_defer *d)
{
	struct pt_node *n = (struct pt_node *)((char *)d - offsetof(struct pt_node, defer));
	free_subtree(n);
}

void pt_node_free_deferred(struct pt_node *n)
{
	const struct pt_reclaim *r = &n->env->reclaim;
	n->defer.fn = free_subtree_cb;
	r->ops->defer(r->ctx, &n->defer);
}

void pt_node_mark_stray_and_unlock(struct pt_node *n)
{
	const struct pt_format *f = node_fmt(n);
	unsigned nr = pt_fmt_nr_entries(f);

	if (n->level > 1) {
		for (unsigned i = nr; i-- > 0;) {
			pt_pte_t pte = node_load(n, i);
			if (node_is_table(n, pte))
				pt_node_mark_stray_and_unlock(node_child(n, pte));
		}
	}
	n->stray = true;
	node_unlock(n);
}

uint64_t pt_node_count_frames(const struct pt_node *n)
{
	const struct pt_format *f = node_fmt(n);
	unsigned nr = pt_fmt_nr_entries(f);
	uint64_t frames = 0;

	if (n->level == 1)
		return n->nr_children;
	for (unsigned i = 0; i < nr; i++) {
		pt_pte_t pte = node_load(n, i);
		if (node_is_table(n, pte))
			frames += pt_node_count_frames(node_child(n, pte));
	}
	return frames;
}

pt_pte_t pt_node_split(struct pt_node *parent, unsigned idx, struct pt_node *child)
{
	const struct pt_format *f = node_fmt(parent);
	pt_level_t level = parent->level - 1u;
	struct pt_pte_info leaf = f->decode(node_load(parent, idx), parent->level);

	unsigned nr = pt_fmt_nr_entries(f);
	pt_pte_t pte = f->encode_leaf(0, leaf.prop, false, level) |
		       pt_fmt_addr_bits(f, leaf.pa, level);
	pt_pte_t step = pt_fmt_addr_bits(f, pt_fmt_page_size(f, level), level);
	node_set_leaves(child, false, 0, nr, pte, step);
	node_lock(child);
	return f->encode_table(child->pa, parent->level);
}

