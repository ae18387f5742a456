/* SPDX-License-Identifier: MIT */
/* Range locking for cursors (see locking.c for the protocol). */
#ifndef PT_CORE_LOCKING_H
#define PT_CORE_LOCKING_H

#include "node.h"

/*
 * Lock the lowest existing node covering [first, last] (the guard, returned)
 * and every node below it inside the range; allocates nothing. The caller is
 * in a read-side section.
 */
struct pt_node *lock_range(struct pt_table *t, pt_vaddr_t first, pt_vaddr_t last);
/* Unlock what lock_range locked, and any node added since, in reverse order. */
void unlock_range(struct pt_node *guard, pt_vaddr_t first, pt_vaddr_t last);
/* The lowest address covered by the node at @level on @va's path. */
pt_vaddr_t lock_node_base(const struct pt_format *f, pt_vaddr_t va, pt_level_t level);

#endif
