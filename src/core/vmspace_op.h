/* SPDX-License-Identifier: MIT */
/* One address-space operation: a cursor on its table and a flusher for its CPUs. */
#ifndef PT_CORE_VMSPACE_OP_H
#define PT_CORE_VMSPACE_OP_H

#include <pt/vmspace.h>

#pragma GCC visibility push(hidden)

struct vms_op {
	struct pt_cursor_mut m;
	struct pt_flusher f;
};

/* Whether @vs is a live address space of @kind. */
static inline bool vms_is(const struct pt_vmspace *vs, enum pt_vmspace_kind kind)
{
	return vs && vs->table.root && vs->kind == kind;
}

/* Open a cursor on [va, va + len) of @vs and a flusher for it; errors as pt_cursor_mut_new. */
PT_MUST_CHECK enum pt_err pt_vms_op_begin(struct vms_op *op, struct pt_vmspace *vs, pt_vaddr_t va, uint64_t len);
/* Dispatch what is left, drop the cursor, then wait for the flushes (never under the cursor). */
void pt_vms_op_end(struct vms_op *op);

#pragma GCC visibility pop
#endif
