/* SPDX-License-Identifier: MIT */
/*
 * Address spaces. An address space owns a table and everything a table does
 * not know: the CPUs that may cache its translations, the id (PCID / ASID)
 * they cache them under and where its flushes go. It is what a CPU activates
 * (pt/activate.h) and what the operations below act on when TLBs matter.
 * Calls run one way: address space -> flusher -> cursor -> node -> format.
 *
 * Three kinds: a kernel address space (the kernel table, id 0; its flushes
 * reach every CPU that ever loaded it and its global entries), user address
 * spaces (a user table sharing a kernel's upper half) and IOMMU domains (an
 * empty table that devices walk: no CPU, no id; each flush is one call of
 * the domain's device-invalidation hook).
 *
 * Handles are caller-allocated; functions on one handle are not thread-safe
 * against its destroy. NULL or destroyed: PT_ERR_INVAL. Callers on a machine
 * with activated address spaces must be on a CPU. Operations that open
 * cursors must not be called with a cursor open on another table (lock
 * order, pt/cursor.h): fork locks its two tables itself, in that order.
 */
#ifndef PT_VMSPACE_H
#define PT_VMSPACE_H

#include <pt/cursor.h>
#include <pt/flush.h>

enum pt_vmspace_kind {
	PT_VMSPACE_USER,
	PT_VMSPACE_KERNEL,
	PT_VMSPACE_IOMMU,
};

struct pt_vmspace {
	struct pt_table table;          /* its tree: cursors open on &vs->table */
	enum pt_vmspace_kind kind;
	struct pt_flush_target target;  /* CPUs that may cache it and its id */
	_Atomic pt_cpumask_t active;    /* CPUs where it is loaded; each holds a root reference */
	_Atomic uint64_t id_ticket;     /* pt_vmspace_activate's allocator ticket; 0: none yet */
};

/* The kernel address space over a new kernel table. PT_ERR_NOMEM, PT_ERR_INVAL
 * (as pt_table_create_kernel). */
PT_MUST_CHECK enum pt_err pt_vmspace_create_kernel(struct pt_vmspace *vs, const struct pt_env *env);
/* A user address space over a new user table sharing @kernel's upper half;
 * @kernel must outlive it. PT_ERR_INVAL (NULL, destroyed or not a kernel address space), PT_ERR_NOMEM. */
PT_MUST_CHECK enum pt_err pt_vmspace_create_user(struct pt_vmspace *vs, struct pt_vmspace *kernel);
/* An IOMMU domain over a new empty table: every flush of it is one call of
 * @flush(@ctx, req), made before the operation returns. PT_ERR_INVAL (NULL
 * @flush), PT_ERR_NOMEM. Devices attach to pt_table_root_paddr(&vs->table). */
PT_MUST_CHECK enum pt_err pt_vmspace_create_iommu(struct pt_vmspace *vs, const struct pt_env *env,
				    pt_dev_flush_fn flush, void *ctx);
/* A second address space @dst over @src's tree (pt_table_shallow_copy), of
 * @src's kind and, for an IOMMU domain, with its hook: a domain shared by
 * devices. Its CPUs and id are its own: a change through one is not flushed
 * from CPUs running the other. PT_ERR_INVAL (NULL, destroyed, a kernel). */
PT_MUST_CHECK enum pt_err pt_vmspace_create_shared(struct pt_vmspace *dst, struct pt_vmspace *src);
/*
 * Destroy the address space and its table. CPUs that switched away but may
 * still cache it under its id are shot down first, and waited for; an IOMMU
 * domain's hook gets one full invalidation (detach its devices before).
 * PT_ERR_BUSY, nothing changed: active on a CPU, a kernel with live user
 * address spaces, or a cursor open on its table.
 */
PT_MUST_CHECK enum pt_err pt_vmspace_destroy(struct pt_vmspace *vs);
/* Its table, for cursors and lookups; NULL for NULL. */
struct pt_table *pt_vmspace_table(struct pt_vmspace *vs);
/* A flusher for @vs's CPUs and id (pt/flush.h), for cursor-level operations (pt/vm.h). */
void pt_vmspace_flusher_init(struct pt_flusher *f, struct pt_vmspace *vs);
/* The id its CPUs cache it under (meaningful while it has targets). */
pt_asid_t pt_vmspace_asid(const struct pt_vmspace *vs);
/* The CPUs a shoot-down of @vs must reach now. */
pt_cpumask_t pt_vmspace_targets(const struct pt_vmspace *vs);

/* Map [va, va + len) to [pa, pa + len) untracked with @prop (no flush: only
 * absent entries change). All or nothing; errors as pt_cursor_mut_new, pt_cursor_map_range. */
PT_MUST_CHECK enum pt_err pt_vmspace_map(struct pt_vmspace *vs, pt_vaddr_t va, pt_paddr_t pa, uint64_t len,
			   struct pt_prop prop);
/*
 * Unmap [va, va + len) and wait for its flushes; each tracked frame is
 * handed to @give (its reference then the callee's) after the flush, or
 * released after a grace period if @give is NULL. A documented partial
 * result: PT_ERR_NOMEM (a split or a keeper page) leaves what was removed
 * before it removed and flushed, the rest mapped. Errors first as
 * pt_cursor_mut_new, then pt_cursor_unmap.
 */
PT_MUST_CHECK enum pt_err pt_vmspace_unmap(struct pt_vmspace *vs, pt_vaddr_t va, uint64_t len, pt_frame_fn give,
			     void *ctx);
/* Apply @op to [va, va + len) and wait for its flushes. All or nothing: @op
 * is checked before the range (PT_ERR_INVAL, PT_ERR_GLOBAL_USER), then as
 * pt_cursor_mut_new, pt_cursor_protect. On the kernel address space too. */
PT_MUST_CHECK enum pt_err pt_vmspace_protect(struct pt_vmspace *vs, pt_vaddr_t va, uint64_t len,
			       struct pt_protect op);
/* The seed's protect_flush_tlb: pt_vmspace_protect on the kernel address space
 * (flushes reach every CPU and global entries). PT_ERR_INVAL for another kind. */
PT_MUST_CHECK enum pt_err pt_vmspace_protect_flush_tlb(struct pt_vmspace *kernel, pt_vaddr_t va, uint64_t len,
					 struct pt_protect op);
/*
 * Copy [va, va + len) of user address space @parent into the same range of
 * @child copy-on-write: writable tracked frames lose W in the parent and are
 * mapped read-only in the child (one more reference each); untracked ranges
 * are mapped again by address, huge leaves as huge leaves (empty child
 * tables in their way are detached and flushed). The parent is flushed. All
 * or nothing: PT_ERR_MAPPED (the child range holds a mapping) and
 * PT_ERR_NOMEM leave the parent and every reference as they were and the
 * child range unmapped (empty tables there may have been freed, or left at
 * its edges). PT_ERR_INVAL (not two distinct user address spaces), cursor
 * errors. Locks the two ranges in ascending order of root address, so forks
 * between two address spaces in both directions at once do not deadlock.
 */
PT_MUST_CHECK enum pt_err pt_vmspace_fork(struct pt_vmspace *parent, struct pt_vmspace *child, pt_vaddr_t va,
			    uint64_t len);
/*
 * Resolve a write fault at @va on a read-only tracked page: if the frame has
 * no other reference, give W back (no flush); otherwise copy it into @spare
 * (a fresh frame with one reference, which moves into the table), map that
 * writable and flush the old translation before its reference is dropped.
 * *spare_used says whether @spare was taken. A page already writable is left
 * alone. All or nothing. PT_ERR_INVAL (NULL @spare_used, the kernel address
 * space: kernel pages are never copy-on-write, untracked, a huge leaf), PT_ERR_NOT_MAPPED, PT_ERR_NOMEM.
 */
PT_MUST_CHECK enum pt_err pt_vmspace_cow_fault(struct pt_vmspace *vs, pt_vaddr_t va, pt_paddr_t spare,
				 bool *spare_used);

#endif
