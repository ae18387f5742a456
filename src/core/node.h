/* SPDX-License-Identifier: MIT */
/*
 * Page-table nodes: one table frame plus the core's metadata, kept in the
 * platform's per-frame metadata slot. A parent entry owns its child node;
 * a cursor only borrows nodes for the duration of its read-side section.
 */
#ifndef PT_CORE_NODE_H
#define PT_CORE_NODE_H

#include <stdatomic.h>

#include <pt/env.h>
#include <pt/table.h>

#pragma GCC visibility push(hidden)

struct pt_node {
	atomic_uint lock;          /* 0 free, 1 held */
	atomic_uint handles;       /* roots only: table handles sharing the tree */
	uint16_t nr_children;      /* non-absent entries; under the lock */
	uint16_t nr_tracked;       /* level 1: tracked leaves; under the lock */
	uint8_t level;
	bool stray;                /* detached from its tree; under the lock */
	pt_paddr_t pa;
	_Atomic pt_pte_t *ptes;
	const struct pt_env *env;
	/* A node in the tree never needs defer: that is for reserved (unpublished)
	 * nodes and for detached ones (stray). A live one uses its room so. */
	union {
		struct pt_defer defer;     /* deferred free; also links reserved nodes */
		struct {
			/* Level 1, once hinted: the first address it maps; under the lock. */
			pt_vaddr_t base;
			/* Roots: the leaf table of the last cursor with a leaf-table guard. */
			_Atomic(struct pt_node *) hint;
		};
	};
};

_Static_assert(sizeof(struct pt_node) <= PT_TABLE_META_SIZE, "node metadata too large");

static inline const struct pt_format *node_fmt(const struct pt_node *n)
{
	return n->env->fmt;
}

static inline struct pt_node *node_of(const struct pt_env *env, pt_paddr_t pa)
{
	return env->mem.ops->table_meta(env->mem.ctx, pa);
}

static inline pt_pte_t node_load(const struct pt_node *n, unsigned idx)
{
	return atomic_load_explicit(&n->ptes[idx], memory_order_relaxed);
}

/* Lock-free readers pair this with the Release of node_store. */
static inline pt_pte_t node_load_acquire(const struct pt_node *n, unsigned idx)
{
	return atomic_load_explicit(&n->ptes[idx], memory_order_acquire);
}

static inline void node_store(struct pt_node *n, unsigned idx, pt_pte_t pte)
{
	atomic_store_explicit(&n->ptes[idx], pte, memory_order_release);
}

/*
 * The entry layer: every change of an entry that adds or removes one goes
 * through these, so nr_children and nr_tracked stay exact. The _fresh forms
 * write a table no walker can see yet (plain stores; publishing it orders them).
 */
static inline void node_count(struct pt_node *n, int children, int tracked)
{
	n->nr_children = (uint16_t)(n->nr_children + children);
	n->nr_tracked = (uint16_t)(n->nr_tracked + tracked);
}

/* Link the child table entry @pte into the absent slot @idx. */
static inline void node_set_child(struct pt_node *n, unsigned idx, pt_pte_t pte)
{
	node_store(n, idx, pte);
	node_count(n, 1, 0);
}

static inline void node_set_child_fresh(struct pt_node *n, unsigned idx, pt_pte_t pte)
{
	((pt_pte_t *)n->ptes)[idx] = pte;
	node_count(n, 1, 0);
}

/* Store the leaf @pte into the absent slot @idx. */
static inline void node_set_leaf(struct pt_node *n, unsigned idx, pt_pte_t pte, bool tracked)
{
	node_store(n, idx, pte);
	n->nr_children++;
	/* A branch, not an add: gcc packs the two counters' updates into SSE otherwise. */
	if (tracked)
		n->nr_tracked++;
}

/* Store @nr leaves from @pte, each @step apart, into absent slots from @idx. */
static inline void node_set_leaves(struct pt_node *n, bool fresh, unsigned idx, unsigned nr,
				   pt_pte_t pte, pt_pte_t step)
{
	_Atomic pt_pte_t *p = n->ptes + idx;
	if (fresh) {
		pt_pte_t *q = (pt_pte_t *)p;
#pragma GCC unroll 4
		for (size_t i = 0; i < nr; i++, pte += step)
			q[i] = pte;
	} else {
		for (unsigned i = 0; i < nr; i++, pte += step)
			atomic_store_explicit(&p[i], pte, memory_order_release);
	}
	node_count(n, (int)nr, 0);
}

/* Make the non-absent slot @slot of @n absent (@tracked: it held a tracked leaf). */
static inline void node_clear_slot(struct pt_node *n, _Atomic pt_pte_t *slot, bool tracked)
{
	atomic_store_explicit(slot, 0, memory_order_release);
	n->nr_children--;
	if (tracked)
		n->nr_tracked--;
}

/* The same by index. */
static inline void node_clear(struct pt_node *n, unsigned idx, bool tracked)
{
	node_clear_slot(n, &n->ptes[idx], tracked);
}

/* Replace the non-absent entry at @idx by another of the same kind and tracking. */
static inline void node_rewrite(struct pt_node *n, unsigned idx, pt_pte_t pte)
{
	node_store(n, idx, pte);
}

/*
 * Rewrite the leaves from slot @i to before @last while each equals @from
 * outside the bits @keep, by flipping the bits @flip; returns the first slot
 * not rewritten. Kinds and tracking are unchanged: no count changes.
 */
static inline unsigned node_flip_run(struct pt_node *n, unsigned i, unsigned last, pt_pte_t keep,
				     pt_pte_t from, pt_pte_t flip)
{
	_Atomic pt_pte_t *p = n->ptes + i, *end = n->ptes + last;
	for (; p < end; p++) {
		pt_pte_t pte = atomic_load_explicit(p, memory_order_relaxed);
		if ((pte & ~keep) != from)
			break;
		atomic_store_explicit(p, pte ^ flip, memory_order_release);
	}
	return (unsigned)(p - n->ptes);
}

/* The contended path of node_lock: wait as the platform says, then try again. */
void pt_node_lock_wait(struct pt_node *n);

static inline bool node_trylock(struct pt_node *n)
{
	unsigned expected = 0;
	return atomic_compare_exchange_strong_explicit(&n->lock, &expected, 1,
						       memory_order_acquire, memory_order_relaxed);
}

static inline void node_lock(struct pt_node *n)
{
	if (!node_trylock(n))
		pt_node_lock_wait(n);
}

/* Whether a cursor holds @n (a racy snapshot: for destroy's busy check). */
static inline bool node_is_locked(const struct pt_node *n)
{
	return atomic_load_explicit(&n->lock, memory_order_relaxed) != 0;
}

static inline void node_unlock(struct pt_node *n)
{
	atomic_store_explicit(&n->lock, 0, memory_order_release);
}

/* True if the entry @pte of @n points at a child table. */
static inline bool node_is_table(const struct pt_node *n, pt_pte_t pte)
{
	return pte && pt_fmt_is_table(node_fmt(n), pte, n->level);
}

/* The child node an entry at @level points to (the entry must be a table). */
static inline struct pt_node *node_child(const struct pt_node *n, pt_pte_t pte)
{
	const struct pt_format *f = node_fmt(n);
	return node_of(n->env, pt_fmt_pte_addr(f, pte, n->level, false));
}

/*
 * The leaf-table hint of a tree (its root's hint): a level-1 node a cursor
 * held as its guard, so the next cursor inside that table skips the descent.
 * Whoever detaches a sub-tree clears it first (before the node can be handed
 * to reclamation), so a hint read inside a read-side section points at a
 * node whose memory lives until the section ends; the reader still trylocks
 * it and checks stray and base under the lock.
 */
static inline void node_hint_clear(struct pt_node *root)
{
	if (atomic_load_explicit(&root->hint, memory_order_relaxed))
		atomic_store_explicit(&root->hint, NULL, memory_order_relaxed);
}

/* Allocate a zeroed node at @level; PT_ERR_NOMEM. */
PT_MUST_CHECK enum pt_err pt_node_alloc(const struct pt_env *env, pt_level_t level, struct pt_node **out);
/* Initialise the metadata of a freshly allocated, zeroed table frame. */
struct pt_node *pt_node_init(const struct pt_env *env, pt_paddr_t pa, pt_level_t level);
/* Free a node that no walker ever saw (an unused reservation). */
void pt_node_free_unpublished(struct pt_node *n);
/* Free @n and everything below it after a grace period, dropping tracked frames. */
void pt_node_free_deferred(struct pt_node *n);
/* Mark @n and all nodes below it stray and unlock them (they were locked by us). */
void pt_node_mark_stray_and_unlock(struct pt_node *n);
/* Leaves held in the level-1 tables of the sub-tree at @n. */
uint64_t pt_node_count_frames(const struct pt_node *n);

/* Fill @child (a fresh node one level down, left locked) with the pieces of the huge
 * leaf in slot @idx of @parent; returns the table entry that replaces the leaf. */
pt_pte_t pt_node_split(struct pt_node *parent, unsigned idx, struct pt_node *child);

#pragma GCC visibility pop
#endif
