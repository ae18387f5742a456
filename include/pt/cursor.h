/* SPDX-License-Identifier: MIT */
/*
 * Cursors: exclusive access to a range of a table. Creating one locks every
 * page-table node inside the range (waiting for any overlapping cursor to be
 * dropped); all operations of one cursor happen before or after all of
 * another's. A cursor lives inside a read-side section of the reclamation
 * interface: do not drain reclamation while holding one, and do not open two
 * cursors on one table from one thread if their ranges may share a node (in
 * a fresh region even disjoint ranges may: see Granularity).
 *
 * Lock order across tables: a thread that holds cursors on two tables opens
 * them in ascending order of pt_table_root_paddr (pt_vmspace_fork does), and
 * calls no pt_vm_* function on a table while it holds a cursor on another
 * (those open their own cursor, and sync). Handles sharing one tree (shallow
 * copies) are one table: their ranges must not share a node either.
 *
 * Items: a tracked item is one 4 KiB data frame; mapping it moves the
 * caller's reference into the table, and taking it out hands a reference
 * back. An untracked item is a bare physical range (linear map, MMIO, IOMMU)
 * at any leaf level.
 *
 * Granularity: a cursor locks the lowest *existing* node covering its
 * range and every existing node below it inside the range; creating one
 * allocates nothing. "Covering" means the range lies inside one slot of the
 * node's parent and is smaller than that slot: a cursor over exactly one
 * aligned 2 MiB (or 1 GiB) slot stands in the node holding that slot, so it
 * can map a leaf of that size there (where the format has one) or detach
 * the table below it whole. A map creates the tables it needs below the
 * locked node while holding it; they stay locked until the cursor is
 * dropped. Parallelism: once the tables exist, cursors on neighbouring
 * slots lock different nodes and run in parallel. In a fresh region (no
 * table yet below some level) a cursor locks the lowest node that does
 * exist, possibly a user table's root (a kernel table's root children
 * always exist), so cursors there serialise until the first map has built
 * the tables.
 *
 * Errors: every failed call leaves the translations, the tracked frames'
 * references and the table's frames exactly as they were; this includes
 * PT_ERR_NOMEM from pt_cursor_map and pt_cursor_map_range (every table is
 * allocated before any is linked in) and from the splits of take_next and
 * protect_next. query, find_next, jump and creating a cursor allocate
 * nothing, and take_next and protect_next allocate only to split a huge
 * leaf sticking out of their range, so over never-mapped space none of
 * them can return PT_ERR_NOMEM. A huge leaf is never placed over a child
 * table, even an empty one left by earlier unmaps: that is PT_ERR_MAPPED
 * (take the table out first, e.g. with pt_cursor_unmap over the slot, which
 * frees it after the flush). Argument errors never move the cursor; after
 * PT_ERR_NOMEM from a scan its address is somewhere in [old address, old
 * address + len]: jump to go back. Every call given a NULL or dropped
 * cursor returns PT_ERR_INVAL before any other check.
 */
#ifndef PT_CURSOR_H
#define PT_CURSOR_H

#include <stdatomic.h>

#include <pt/table.h>

struct pt_cursor {
	struct pt_table *table;
	const struct pt_format *fmt;    /* table->env->fmt, one load away */
	pt_vaddr_t start;           /* first address of the locked range */
	uint64_t size;              /* bytes in it; start + size may wrap to 0 */
	pt_vaddr_t va;              /* current address: va - start is in [0, size] */
	uint8_t level;              /* level of the node the cursor stands in */
	uint8_t guard_level;        /* level of the locked node covering the whole range */
	uint8_t full_level;         /* guard_level once every table on the way exists */
	struct pt_node *path[PT_MAX_LEVELS + 1];
	/* The leaf encoding of the last mapped property: map's per-page fast path. */
	struct {
		struct pt_prop prop;
		uint8_t level;         /* 0: empty */
		bool tracked;
		pt_pte_t pte;          /* the leaf at physical address 0 */
	} leaf_cache;
	/* Tables reserved for splits (by pt_cursor_protect), used before allocating. */
	struct pt_node *spares;
	/* The leaf table a next_leaf or take_next call last stood in, and its
	 * entries: while path[1] is that node, the next call's per-page path
	 * reads its inner slots (neither the first nor the last). */
	struct {
		const struct pt_node *node;
		const _Atomic pt_pte_t *ptes;   /* from its second slot on */
		pt_vaddr_t base;        /* the address that slot maps */
		uint64_t span;          /* bytes from there to its last slot */
	} scan;
};

/* A cursor that may change the table. */
struct pt_cursor_mut {
	struct pt_cursor c;
};

struct pt_item {
	pt_paddr_t pa;
	pt_level_t level;           /* 1 = base page */
	struct pt_prop prop;
	bool tracked;
};

struct pt_query {
	pt_vaddr_t va;              /* start of the whole slot holding the cursor's address */
	uint64_t len;               /* its size: may extend past the cursor's range */
	bool mapped;
	struct pt_item item;        /* valid when mapped */
};

enum pt_frag_kind {
	PT_FRAG_NONE,               /* nothing was mapped in the scanned range */
	PT_FRAG_MAPPED,             /* one leaf was removed */
	PT_FRAG_TABLE,              /* a whole child table was detached */
};

/*
 * What take_next removed. A tracked item's reference now belongs to the
 * caller. Only the fields of the kind are written: item for PT_FRAG_MAPPED,
 * table and nr_frames for PT_FRAG_TABLE, none but kind for PT_FRAG_NONE.
 */
struct pt_frag {
	enum pt_frag_kind kind;
	pt_vaddr_t va;              /* start of the removed slot */
	uint64_t len;               /* its size */
	struct pt_item item;        /* PT_FRAG_MAPPED */
	struct pt_node *table;      /* PT_FRAG_TABLE: the detached sub-tree */
	uint64_t nr_frames;         /* PT_FRAG_TABLE: leaves in its level-1 tables */
};

/*
 * Lock [va, va + len) of @t (len may reach the top of the address space);
 * allocates nothing. PT_ERR_RANGE (empty, wrapping or outside the table's
 * window), PT_ERR_NONCANONICAL, PT_ERR_UNALIGNED.
 */
PT_MUST_CHECK enum pt_err pt_cursor_new(struct pt_cursor *c, struct pt_table *t, pt_vaddr_t va, uint64_t len);
/* Unlock the range and leave the read-side section. A NULL or dropped cursor: no-op. */
void pt_cursor_drop(struct pt_cursor *c);

/* The same for a cursor that may change the table (a NULL @m stays NULL). */
PT_MUST_CHECK static inline enum pt_err pt_cursor_mut_new(struct pt_cursor_mut *m, struct pt_table *t,
							 pt_vaddr_t va, uint64_t len)
{
	return pt_cursor_new(m ? &m->c : NULL, t, va, len);
}

static inline void pt_cursor_mut_drop(struct pt_cursor_mut *m)
{
	pt_cursor_drop(m ? &m->c : NULL);
}

/* The cursor's current address. */
pt_vaddr_t pt_cursor_virt_addr(const struct pt_cursor *c);
/* Describe the slot at the current address; does not move. PT_ERR_VADDR at the end. */
PT_MUST_CHECK enum pt_err pt_cursor_query(struct pt_cursor *c, struct pt_query *q);
/* Move to @va in [start, start + size). PT_ERR_UNALIGNED, PT_ERR_VADDR. */
PT_MUST_CHECK enum pt_err pt_cursor_jump(struct pt_cursor *c, pt_vaddr_t va);
/*
 * Move to the first mapped address in [va, va + len) and store it in @found;
 * *found_ok tells whether one was found (else the cursor ends at va + len).
 * PT_ERR_UNALIGNED, PT_ERR_LENGTH (past the range).
 */
PT_MUST_CHECK enum pt_err pt_cursor_find_next(struct pt_cursor *c, uint64_t len, pt_vaddr_t *found,
				bool *found_ok);

/* A leaf found by pt_cursor_next_leaf: its whole slot and what it maps. */
struct pt_found {
	bool found;                 /* false: nothing mapped in the scanned range */
	pt_vaddr_t va;              /* start of the leaf's slot (may precede the cursor's range) */
	uint64_t len;               /* its size */
	struct pt_item item;
	pt_vaddr_t next;            /* the cursor's address after the call, found or not */
};

/* pt_cursor_next_leaf without its inline part (the same contract). */
PT_MUST_CHECK enum pt_err pt_cursor_next_leaf_call(struct pt_cursor *c, uint64_t len, struct pt_found *r);

/*
 * find_next and query in one call: find the first leaf overlapping
 * [va, va + len), describe it in *r and move past it (to va + len at most);
 * r->found false if none (the cursor ends at va + len). r->next is where
 * the cursor stands after the call, so a scan loop needs no
 * pt_cursor_virt_addr. Changes nothing, allocates nothing. PT_ERR_INVAL,
 * PT_ERR_UNALIGNED, PT_ERR_LENGTH (*r untouched).
 *
 * Inline, so a scan loop pays no call per base page: the next slot of the
 * leaf table the previous call stood in (neither its first nor its last),
 * holding a base page of the property in the cursor's leaf cache, is read
 * here; anything else, every error too, is pt_cursor_next_leaf_call's.
 */
PT_MUST_CHECK static inline enum pt_err pt_cursor_next_leaf(struct pt_cursor *c, uint64_t len, struct pt_found *r)
{
	if (__builtin_expect(!c || !c->table || !r || c->level != 1 || c->scan.node != c->path[1] ||
			     (len & (PT_PAGE_SIZE - 1)) || len - 1 >= c->size - (c->va - c->start), 0))
		return pt_cursor_next_leaf_call(c, len, r);
	const struct pt_format *f = c->fmt;
	pt_vaddr_t va = c->va;
	uint64_t off = va - c->scan.base;
	if (__builtin_expect(off >= c->scan.span || c->leaf_cache.level != 1, 0))
		return pt_cursor_next_leaf_call(c, len, r);
	pt_pte_t pte = atomic_load_explicit(&c->scan.ptes[off >> PT_PAGE_SHIFT], memory_order_relaxed);
	if (__builtin_expect((pte & ~f->lv[1].leaf_addr_mask) != c->leaf_cache.pte, 0))
		return pt_cursor_next_leaf_call(c, len, r);
	r->found = true;
	r->va = va;
	r->len = PT_PAGE_SIZE;
	r->item.pa = pt_fmt_pte_addr(f, pte, 1, true);
	r->item.level = 1;
	r->item.prop = c->leaf_cache.prop;
	r->item.tracked = c->leaf_cache.tracked;
	r->next = va + PT_PAGE_SIZE;
	c->va = va + PT_PAGE_SIZE;
	return PT_OK;
}

/*
 * Map @item at the current address and advance past it, creating the
 * tables down to its level. Any level up to the format's highest leaf level
 * is allowed if the page fits the range, whatever tables exist. Checked in
 * this order: PT_ERR_VADDR (cursor at its end), PT_ERR_LEVEL (0, above the
 * format's highest leaf level, or a kernel table's root level),
 * PT_ERR_TRACKED_HUGE, PT_ERR_INVAL (unknown flag or cache value),
 * PT_ERR_GLOBAL_USER, PT_ERR_UNALIGNED (address or pa), PT_ERR_PADDR,
 * PT_ERR_LENGTH (the page runs past the range); then PT_ERR_MAPPED (the
 * slot, or a huge leaf above it, holds a mapping, or the slot holds a
 * table, even an empty one) and PT_ERR_NOMEM (nothing was allocated or
 * changed).
 */
PT_MUST_CHECK enum pt_err pt_cursor_map(struct pt_cursor_mut *m, const struct pt_item *item);
/*
 * Map [va, va + len) to [pa, pa + len) untracked with the largest pages that
 * VA and PA alignment and the format allow (so an aligned 2 MiB range is one
 * 2 MiB leaf even through a cursor over exactly it; never at a kernel
 * table's root, whose entries are shared), and advance past it. All or nothing: on any error no translation was added and
 * no table was left behind. Checked in this order: PT_ERR_UNALIGNED (len),
 * PT_ERR_LENGTH (past the range: any len > 0 at its end), PT_ERR_RANGE (len 0,
 * wherever the cursor stands, its end included),
 * PT_ERR_UNALIGNED (pa), PT_ERR_INVAL, PT_ERR_GLOBAL_USER, PT_ERR_PADDR; then
 * PT_ERR_MAPPED (anything mapped or any table where a leaf would go) and
 * PT_ERR_NOMEM.
 */
PT_MUST_CHECK enum pt_err pt_cursor_map_range(struct pt_cursor_mut *m, pt_paddr_t pa, uint64_t len,
				struct pt_prop prop);
/*
 * Remove the first mapping in [va, va + len): a leaf, or a child table lying
 * wholly inside the range, which is detached whole; a huge leaf partly inside
 * is split first. Advances past what was removed. A PT_FRAG_TABLE must be
 * released with pt_frag_release once no CPU can cache its translations.
 * PT_ERR_UNALIGNED, PT_ERR_LENGTH, PT_ERR_NOMEM (split; nothing changed).
 */
PT_MUST_CHECK enum pt_err pt_cursor_take_next(struct pt_cursor_mut *m, uint64_t len, struct pt_frag *f);
/*
 * Apply @op to the first mapping in [va, va + len) (splitting a huge leaf
 * partly inside), rewriting it only if its property changes; store its range
 * in *va_out / *len_out and advance. *found is false if nothing was mapped.
 * Checked in this order, the first failing check's code returned: PT_ERR_INVAL
 * (NULL output, unknown flag or cache value), PT_ERR_GLOBAL_USER (the
 * operation first, whatever the length), PT_ERR_UNALIGNED, PT_ERR_LENGTH; then
 * PT_ERR_NOMEM (a split; nothing changed).
 */
PT_MUST_CHECK enum pt_err pt_cursor_protect_next(struct pt_cursor_mut *m, uint64_t len, struct pt_protect op,
				   pt_vaddr_t *va_out, uint64_t *len_out, bool *found);

/* pt_frag_release without its inline part. */
void pt_frag_release_call(const struct pt_env *env, struct pt_frag *f);

/*
 * Release what @f holds and make it PT_FRAG_NONE: a tracked leaf's frame
 * reference is put; a detached table is freed after a grace period (with
 * its tracked frames). Inline for a leaf. A NULL @f is ignored.
 */
static inline void pt_frag_release(const struct pt_env *env, struct pt_frag *f)
{
	if (!f || f->kind != PT_FRAG_MAPPED) {
		pt_frag_release_call(env, f);
		return;
	}
	f->kind = PT_FRAG_NONE;
	if (f->item.tracked)
		env->mem.ops->frame_put(env->mem.ctx, f->item.pa);
}

#endif
