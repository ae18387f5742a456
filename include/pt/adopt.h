/* SPDX-License-Identifier: MIT */
/*
 * Adopting a tree that a kernel's early boot code built with raw entries
 * (identity or linear maps, huge leaves) as a table handle, in place: the
 * root keeps its physical address, so the CPU may keep running on it.
 *
 * What the tree must be, else the call fails and changes nothing:
 *  - every table frame has a metadata slot (table_meta) and a pointer
 *    (phys_to_virt); either NULL: PT_ERR_PADDR. The slots belong to the core
 *    from then on, and table_free will later receive these frames (when an
 *    unmap detaches them, or the table is destroyed) although table_alloc
 *    never returned them: the platform must accept them;
 *  - every entry is one the format encodes: a table entry exactly as
 *    encode_table writes it, apart from the format's table_ignored bits
 *    (rights narrowed in a table entry are refused: in libpt the leaves
 *    decide); a leaf that decodes and re-encodes to itself, untracked (the
 *    boot tree owns no frame references). Else PT_ERR_INVAL;
 *  - leaves only at levels up to max_leaf_level, each table frame used at one
 *    level only (no recursive maps). Else PT_ERR_LEVEL;
 *  - nothing mapped outside the half the handle manages: PT_ERR_RANGE;
 *  - no frame already a node of a table on @env: PT_ERR_BUSY.
 * A sub-table reached by more than one entry (boot code often points the
 * identity and the higher-half slots at one table) is kept for its first
 * entry and copied, with everything below it, for each further one; more
 * than PT_ADOPT_MAX_COPIES frames of copies: PT_ERR_INVAL. Copies, and the
 * upper-half children a kernel table must have, come from table_alloc:
 * PT_ERR_NOMEM (nothing leaked, nothing changed).
 *
 * On success the tree translates every address as before, but table entries
 * may have been rewritten (ignored bits cleared, copies linked in): flush
 * every TLB that cached the tree, global entries included, before relying on
 * changes made through the handle. Nobody else may write the tree, or use
 * its frames' metadata slots, during the call. Not thread-safe.
 */
#ifndef PT_ADOPT_H
#define PT_ADOPT_H

#include <pt/table.h>

/* The most frames adoption allocates to unshare sub-tables. */
#define PT_ADOPT_MAX_COPIES 512

/* Adopt the tree at @root_pa as a kernel table (upper half; absent upper
 * root entries get empty children). Errors above, PT_ERR_UNALIGNED for an
 * unaligned root; PT_ERR_INVAL on a split-root format (pt_format.split_root:
 * a TTBR1 kernel root is not adoptable yet). */
PT_MUST_CHECK enum pt_err pt_table_adopt_kernel(struct pt_table *t, const struct pt_env *env,
				  pt_paddr_t root_pa);
/* Adopt the tree at @root_pa as an empty table (lower half). Errors as above. */
PT_MUST_CHECK enum pt_err pt_table_adopt_empty(struct pt_table *t, const struct pt_env *env,
				 pt_paddr_t root_pa);

#endif
