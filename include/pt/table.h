/* SPDX-License-Identifier: MIT */
/*
 * Table handles. A table owns its page-table frames and one reference on
 * every tracked frame it maps. The kernel table pre-allocates every child of
 * its upper root half and never detaches them; user tables point their upper
 * root entries at those children, so kernel mappings are visible in every
 * user table at once. On a split-root format (pt_format.split_root, Arm) the
 * kernel table has a root of its own for the upper half (TTBR1) whose every
 * entry is likewise pre-allocated and permanent; a user table's root covers
 * the lower half only (TTBR0) and holds no kernel entry, and the kernel table
 * passed to pt_table_create_user is only counted as its user. A table knows
 * nothing of CPUs: what a CPU loads, and what TLB flushes are for, is an
 * address space owning a table (pt/vmspace.h). Handles are caller-allocated; functions on one handle
 * are not thread-safe against pt_table_destroy of the same handle. A
 * destroyed handle (root NULL) is PT_ERR_INVAL to every function that returns
 * an error.
 *
 * Lock order across tables: ascending pt_table_root_paddr (pt/cursor.h).
 */
#ifndef PT_TABLE_H
#define PT_TABLE_H

#include <pt/env.h>

struct pt_node;

enum pt_table_kind {
	PT_TABLE_EMPTY,    /* lower half only, no kernel half (IOMMU, tests) */
	PT_TABLE_KERNEL,   /* upper half; its root children are permanent */
	PT_TABLE_USER,     /* lower half; upper half shared with a kernel table */
};

struct pt_table {
	const struct pt_env *env;
	struct pt_node *root;
	enum pt_table_kind kind;
	unsigned top_lo, top_hi;   /* root slots this table manages: [top_lo, top_hi) */
	pt_vaddr_t va_lo;          /* first address of the managed window */
	uint64_t va_size;          /* its size; va_lo + va_size may wrap to 0 */
	struct pt_table *kernel;   /* user tables: the table whose half they share */
	_Atomic unsigned nr_users; /* kernel tables: user tables sharing its half */
	/* The cursors' shared leaf-encoding cache (cursor_map.c); 0: empty. */
	_Atomic pt_pte_t leaf_tmpl;
};

/* An empty table over the lower half. PT_ERR_NOMEM; PT_ERR_INVAL for a break-before-make
 * format on a TLB interface without flush_broadcast (also for the two below). */
PT_MUST_CHECK enum pt_err pt_table_create_empty(struct pt_table *t, const struct pt_env *env);
/* A kernel table: every upper-half root entry populated. PT_ERR_NOMEM (nothing leaked). */
PT_MUST_CHECK enum pt_err pt_table_create_kernel(struct pt_table *t, const struct pt_env *env);
/* A user table sharing @kernel's upper half; @kernel must outlive it.
 * PT_ERR_INVAL (NULL, destroyed or not a kernel table), PT_ERR_NOMEM. */
PT_MUST_CHECK enum pt_err pt_table_create_user(struct pt_table *t, struct pt_table *kernel);
/* A second handle @dst to @src's tree (reference-counted). PT_ERR_INVAL for
 * NULL, a destroyed or a kernel table. */
PT_MUST_CHECK enum pt_err pt_table_shallow_copy(struct pt_table *dst, struct pt_table *src);
/*
 * Drop the handle; the last one frees the tree after a grace period, dropping
 * the references of tracked frames and leaving a shared kernel half alone.
 * It flushes no TLB: a table an address space owns is destroyed through
 * pt_vmspace_destroy. PT_ERR_BUSY, and nothing changed:
 * a kernel table with live users, or a cursor open
 * on the tree (through any handle sharing it). Open cursors are not counted:
 * destroy looks at the lock of every node of the table's half (a cursor
 * holds its covering node's lock while open), so the cursor's path pays
 * nothing. A cursor being opened concurrently is the caller's race.
 */
PT_MUST_CHECK enum pt_err pt_table_destroy(struct pt_table *t);
/* The physical address of the root, for CR3, satp or an IOMMU context entry;
 * 0 for NULL or a destroyed handle. */
pt_paddr_t pt_table_root_paddr(const struct pt_table *t);

#endif
