/* SPDX-License-Identifier: MIT */
/*
 * The fuzzers' reference model of one page-table tree: an ordered map of
 * slots keyed by (address, level). A slot is a leaf (physical address,
 * property, tracked) or a child table. It knows nothing of the core's code;
 * only the documented semantics of the public API are re-stated on it.
 */
#ifndef PT_FUZZ_MODEL_H
#define PT_FUZZ_MODEL_H

#include <pt/pt.h>

struct mslot {
	pt_vaddr_t va;          /* start of the slot, aligned to its size */
	uint8_t level;          /* level of the node holding the entry */
	uint8_t kind;           /* PT_PTE_LEAF or PT_PTE_TABLE */
	bool tracked;
	struct pt_prop prop;
	pt_paddr_t pa;
};

struct mtree {
	const struct pt_format *f;
	enum pt_table_kind kind;
	pt_vaddr_t va_lo;       /* the managed window, as in struct pt_table */
	uint64_t va_size;
	struct mslot *s;        /* sorted by va ascending, then level descending */
	size_t n, cap;
	size_t npend;           /* mt_append-ed slots after s[n], not yet sorted in */
};

/* Bytes mapped by one entry at @level (level = levels + 1: the whole space). */
uint64_t m_size(const struct pt_format *f, unsigned level);
/* An empty model of a table of @kind on @f (no slots). */
void mt_init(struct mtree *t, const struct pt_format *f, enum pt_table_kind kind);
/* Free the slots. */
void mt_fini(struct mtree *t);
/* Make @dst an independent copy of @src (dst must be initialised or zeroed). */
void mt_copy(struct mtree *dst, const struct mtree *src);
/* The slot of @level holding @va, or NULL when that entry is absent. */
struct mslot *mt_find(const struct mtree *t, unsigned level, pt_vaddr_t va);
/* Insert (or replace) the entry of @level holding @va. */
void mt_set(struct mtree *t, unsigned level, pt_vaddr_t va, uint8_t kind, pt_paddr_t pa,
	    struct pt_prop prop, bool tracked);
/* Add an entry known to be absent, unsorted until mt_flush (lookups do not see it). */
void mt_append(struct mtree *t, unsigned level, pt_vaddr_t va, uint8_t kind, pt_paddr_t pa,
	       struct pt_prop prop, bool tracked);
/* Sort the appended entries in. */
void mt_flush(struct mtree *t);
/* Remove the entry of @level holding @va and everything below it; returns its level-1 leaves. */
uint64_t mt_remove(struct mtree *t, unsigned level, pt_vaddr_t va);
/* Turn the huge leaf of @level holding @va into a table of leaves one level down. */
void mt_split(struct mtree *t, unsigned level, pt_vaddr_t va);
/* Entries held by the node of @level whose range starts at @base. */
size_t mt_node_count(const struct mtree *t, unsigned level, pt_vaddr_t base);
/* The leaf mapping @va, or NULL. */
const struct mslot *mt_leaf_at(const struct mtree *t, pt_vaddr_t va);
/* Number of table entries (each is one table frame). */
size_t mt_tables(const struct mtree *t);

#endif
