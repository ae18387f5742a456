/* SPDX-License-Identifier: MIT */
/*
 * Address spaces: a table with the flush target its CPUs and its id make,
 * and the operations that flush it. Every operation is one pattern: open a
 * cursor and a flusher, change the table issuing flushes, dispatch, drop the
 * cursor, then sync (pt_vms_op_begin / pt_vms_op_end).
 */
#include "cursor_scan.h"
#include "flush_site.h"
#include "table_init.h"
#include "vmspace_op.h"

#include <pt/vm.h>

static void init_target(struct pt_vmspace *vs, enum pt_vmspace_kind kind)
{
	vs->kind = kind;
	vs->target = (struct pt_flush_target){ .global = kind == PT_VMSPACE_KERNEL };
	atomic_init(&vs->target.cpus, 0);
	atomic_init(&vs->target.asid, 0);
	atomic_init(&vs->active, 0);
	atomic_init(&vs->id_ticket, 0);
}

enum pt_err pt_vmspace_create_kernel(struct pt_vmspace *vs, const struct pt_env *env)
{
	if (!vs)
		return PT_ERR_INVAL;
	enum pt_err err = pt_table_create_kernel(&vs->table, env);
	if (err == PT_OK)
		init_target(vs, PT_VMSPACE_KERNEL);
	return err;
}

enum pt_err pt_vmspace_create_user(struct pt_vmspace *vs, struct pt_vmspace *kernel)
{
	if (!vs || !vms_is(kernel, PT_VMSPACE_KERNEL))
		return PT_ERR_INVAL;
	enum pt_err err = pt_table_create_user(&vs->table, &kernel->table);
	if (err == PT_OK)
		init_target(vs, PT_VMSPACE_USER);
	return err;
}

enum pt_err pt_vmspace_create_iommu(struct pt_vmspace *vs, const struct pt_env *env,
				    pt_dev_flush_fn flush, void *ctx)
{
	if (!vs || !flush)
		return PT_ERR_INVAL;
	enum pt_err err = pt_table_create_empty(&vs->table, env);
	if (err != PT_OK)
		return err;
	init_target(vs, PT_VMSPACE_IOMMU);
	vs->target.dev_flush = flush;
	vs->target.dev_ctx = ctx;
	return PT_OK;
}

enum pt_err pt_vmspace_create_shared(struct pt_vmspace *dst, struct pt_vmspace *src)
{
	if (!dst || !src || !src->table.root || src->kind == PT_VMSPACE_KERNEL)
		return PT_ERR_INVAL;
	enum pt_err err = pt_table_shallow_copy(&dst->table, &src->table);
	if (err != PT_OK)
		return err;
	init_target(dst, src->kind);
	dst->target.dev_flush = src->target.dev_flush;
	dst->target.dev_ctx = src->target.dev_ctx;
	return PT_OK;
}

/* CPUs that switched away may still cache it under its id: flush that id
 * there. An IOMMU domain's devices may cache it too: one full invalidation. */
static void flush_stale_targets(struct pt_vmspace *vs)
{
	const struct pt_env *env = vs->table.env;
	struct pt_flusher f;
	bool cpus = tlb_present(env) && atomic_load(&vs->target.cpus);
	if (!(cpus || vs->target.dev_flush) || !flush_site_on(env, PT_SITE_DESTROY))
		return;
	pt_flusher_init(&f, env, &vs->target);
	pt_flusher_issue_all(&f);
	pt_flusher_dispatch(&f);
	pt_flusher_sync(&f);
}

enum pt_err pt_vmspace_destroy(struct pt_vmspace *vs)
{
	if (!vs || !vs->table.root)
		return PT_ERR_INVAL;
	if (atomic_load(&vs->active))
		return PT_ERR_BUSY;
	enum pt_err err = pt_table_destroy_check(&vs->table);
	if (err != PT_OK)
		return err;
	/* Before the tree can go: its frames are freed a grace period later,
	 * and a grace period waits for no TLB. */
	flush_stale_targets(vs);
	return pt_table_destroy(&vs->table);
}

struct pt_table *pt_vmspace_table(struct pt_vmspace *vs)
{
	return vs ? &vs->table : NULL;
}

void pt_vmspace_flusher_init(struct pt_flusher *f, struct pt_vmspace *vs)
{
	pt_flusher_init(f, vs->table.env, &vs->target);
}

pt_asid_t pt_vmspace_asid(const struct pt_vmspace *vs)
{
	return pt_flush_target_asid(&vs->target);
}

pt_cpumask_t pt_vmspace_targets(const struct pt_vmspace *vs)
{
	return atomic_load(&vs->target.cpus);
}

enum pt_err pt_vms_op_begin(struct vms_op *op, struct pt_vmspace *vs, pt_vaddr_t va, uint64_t len)
{
	if (!vs || !vs->table.root)
		return PT_ERR_INVAL;
	enum pt_err err = pt_cursor_mut_new(&op->m, &vs->table, va, len);
	if (err == PT_OK)
		pt_vmspace_flusher_init(&op->f, vs);
	return err;
}

void pt_vms_op_end(struct vms_op *op)
{
	pt_flusher_dispatch(&op->f);
	pt_cursor_mut_drop(&op->m);
	pt_flusher_sync(&op->f);
}

enum pt_err pt_vmspace_map(struct pt_vmspace *vs, pt_vaddr_t va, pt_paddr_t pa, uint64_t len,
			   struct pt_prop prop)
{
	struct vms_op op;
	enum pt_err err = pt_vms_op_begin(&op, vs, va, len);
	if (err != PT_OK)
		return err;
	err = pt_cursor_map_range(&op.m, pa, len, prop);
	pt_vms_op_end(&op);
	return err;
}

enum pt_err pt_vmspace_unmap(struct pt_vmspace *vs, pt_vaddr_t va, uint64_t len, pt_frame_fn give,
			     void *ctx)
{
	struct vms_op op;
	enum pt_err err = pt_vms_op_begin(&op, vs, va, len);
	if (err != PT_OK)
		return err;
	op.f.give = give;
	op.f.give_ctx = ctx;
	err = pt_cursor_unmap(&op.m, &op.f, len, NULL);
	pt_vms_op_end(&op);
	return err;
}

enum pt_err pt_vmspace_protect(struct pt_vmspace *vs, pt_vaddr_t va, uint64_t len,
			       struct pt_protect op)
{
	struct vms_op o;
	if (!vs || !vs->table.root)
		return PT_ERR_INVAL;
	enum pt_err err = pt_cur_check_protect(&vs->table, op);
	if (err == PT_OK)
		err = pt_vms_op_begin(&o, vs, va, len);
	if (err != PT_OK)
		return err;
	err = pt_cursor_protect(&o.m, &o.f, len, op);
	pt_vms_op_end(&o);
	return err;
}

enum pt_err pt_vmspace_protect_flush_tlb(struct pt_vmspace *kernel, pt_vaddr_t va, uint64_t len,
					 struct pt_protect op)
{
	if (!vms_is(kernel, PT_VMSPACE_KERNEL))
		return PT_ERR_INVAL;
	return pt_vmspace_protect(kernel, va, len, op);
}
