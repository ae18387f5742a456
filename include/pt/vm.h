/* SPDX-License-Identifier: MIT */
/*
 * Operations that do their own TLB flushing: unmap and protect of a range,
 * protect_flush_tlb on the kernel table, a copy-on-write fork of a user range
 * and the resolution of a write fault on a copy-on-write page. Each issues
 * exactly the flushes its changes need (none for an added mapping or an
 * upgrade), dispatches them to the table's targets and, in the pt_vm_* and
 * pt_table_* forms, syncs after dropping its cursor. Callers on a machine
 * with activated tables must be on a CPU. A NULL or destroyed table, cursor
 * or flusher is PT_ERR_INVAL. The pt_vm_* forms open cursors: the caller
 * holds none on another table (lock order, pt/cursor.h).
 */
#ifndef PT_VM_H
#define PT_VM_H

#include <pt/cursor.h>
#include <pt/flush.h>

/*
 * Remove every mapping in [va, va + len) of the cursor's range, issuing a
 * flush for each with its frame or sub-tree attached, then dispatch.
 * *nr_frames (optional) counts the tracked frames removed.
 * PT_ERR_UNALIGNED, PT_ERR_LENGTH, PT_ERR_NOMEM (a split or a keeper page:
 * what was removed before is flushed; the rest is still mapped).
 */
PT_MUST_CHECK enum pt_err pt_cursor_unmap(struct pt_cursor_mut *m, struct pt_flusher *f, uint64_t len,
			    uint64_t *nr_frames);
/* Apply @op to [va, va + len), flushing every changed or split leaf, then
 * dispatch. All or nothing: @op is checked first (PT_ERR_INVAL,
 * PT_ERR_GLOBAL_USER, even over a hole), then the length (PT_ERR_UNALIGNED,
 * PT_ERR_LENGTH), then the tables splitting the range's two ends would take
 * are reserved (PT_ERR_NOMEM: nothing changed). */
PT_MUST_CHECK enum pt_err pt_cursor_protect(struct pt_cursor_mut *m, struct pt_flusher *f, uint64_t len,
			      struct pt_protect op);

/* Unmap [va, va + len) of @t and sync; each tracked frame is handed to @give
 * (its reference then the callee's) after the flush, or released after a
 * grace period if @give is NULL. Errors as pt_cursor_mut_new, pt_cursor_unmap. */
PT_MUST_CHECK enum pt_err pt_vm_unmap(struct pt_table *t, pt_vaddr_t va, uint64_t len, pt_frame_fn give,
			void *ctx);
/* Protect [va, va + len) of @t and sync. @op is checked before the range;
 * then errors as pt_cursor_mut_new, pt_cursor_protect. */
PT_MUST_CHECK enum pt_err pt_vm_protect(struct pt_table *t, pt_vaddr_t va, uint64_t len, struct pt_protect op);
/* The same on a kernel table: flushes reach every online CPU and global
 * entries. PT_ERR_INVAL if @kernel is not a kernel table. */
PT_MUST_CHECK enum pt_err pt_table_protect_flush_tlb(struct pt_table *kernel, pt_vaddr_t va, uint64_t len,
				       struct pt_protect op);
/*
 * Copy [va, va + len) of user table @parent into the same range of @child
 * copy-on-write: writable tracked frames lose W in the parent and are mapped
 * read-only in the child (one more reference each); untracked ranges are
 * mapped again by address, huge leaves as huge leaves (empty child tables in
 * their way are detached and flushed). The parent is flushed. All or nothing:
 * PT_ERR_MAPPED (the child range holds a mapping) and PT_ERR_NOMEM leave the
 * parent and every reference as they were and the child range unmapped
 * (empty tables there may have been freed, or left at its edges).
 * PT_ERR_INVAL (not two distinct user tables), cursor errors. Locks the two
 * ranges in ascending order of root address, so forks between two tables in
 * both directions at once do not deadlock.
 */
PT_MUST_CHECK enum pt_err pt_vm_fork(struct pt_table *parent, struct pt_table *child, pt_vaddr_t va,
		       uint64_t len);
/*
 * Resolve a write fault at @va on a read-only tracked page: if the frame has
 * no other reference, give W back (no flush); otherwise copy it into @spare
 * (a fresh frame with one reference, which moves into the table), map that
 * writable and flush the old translation before its reference is dropped.
 * *spare_used says whether @spare was taken. A page already writable is left
 * alone. PT_ERR_INVAL (NULL @spare_used, a kernel table: kernel pages are
 * never copy-on-write, or untracked), PT_ERR_NOT_MAPPED, PT_ERR_NOMEM.
 */
PT_MUST_CHECK enum pt_err pt_vm_cow_fault(struct pt_table *t, pt_vaddr_t va, pt_paddr_t spare,
			    bool *spare_used);

#endif
