/* SPDX-License-Identifier: MIT */
/*
 * RISC-V TLB glue (privileged spec, "Supervisor Memory-Management Fence
 * Instruction" and satp). SFENCE.VMA with rs2 = ASID leaves global mappings
 * alone, rs2 = x0 reaches every address space and global mappings: kernel
 * pages (PT_ASID_ANY) and harts without ASIDs use rs2 = x0. There is no
 * "every ASID but not global" fence, so PT_FLUSH_ALL drops global entries too.
 * A satp write orders nothing by itself: without ASIDs every load is followed
 * by a full fence, since the old table's entries carry the same ASID 0.
 */
#include <pt/tlb_riscv.h>

#define SATP_MODE_SHIFT 60
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK 0xffffull
#define SATP_PPN_MASK ((1ull << 44) - 1)

uint64_t pt_riscv_satp(unsigned mode, pt_asid_t asid, pt_paddr_t root_pa)
{
	return (uint64_t)mode << SATP_MODE_SHIFT | ((uint64_t)asid & SATP_ASID_MASK) << SATP_ASID_SHIFT |
	       ((root_pa >> PT_PAGE_SHIFT) & SATP_PPN_MASK);
}

/* Whether a fence for @asid names it in rs2. */
static bool by_asid(const struct pt_riscv_tlb *r, pt_asid_t asid)
{
	return r->asids && asid != PT_ASID_ANY;
}

static void fence(struct pt_riscv_tlb *r, bool has_va, pt_vaddr_t va, pt_asid_t asid)
{
	bool tagged = by_asid(r, asid);
	r->arch->sfence_vma(r->ctx, has_va, va, tagged, tagged ? asid : 0);
}

static void flush_pages(struct pt_riscv_tlb *r, const struct pt_flush_req *req)
{
	if (req->tables) {
		fence(r, false, 0, req->asid);
		return;
	}
	for (uint64_t i = 0; i < req->nr_pages; i++)
		fence(r, true, req->va + (i << PT_PAGE_SHIFT), req->asid);
}

void pt_riscv_tlb_flush_local(struct pt_riscv_tlb *r, const struct pt_flush_req *req)
{
	switch (req->kind) {
	case PT_FLUSH_PAGES:
		flush_pages(r, req);
		break;
	case PT_FLUSH_ASID:
		fence(r, false, 0, req->asid);
		break;
	case PT_FLUSH_ALL:
	case PT_FLUSH_ALL_GLOBAL:
		fence(r, false, 0, PT_ASID_ANY);
		break;
	}
}

void pt_riscv_tlb_fault_fence(struct pt_riscv_tlb *r, pt_vaddr_t va, pt_asid_t asid)
{
	fence(r, true, va & ~(pt_vaddr_t)(PT_PAGE_SIZE - 1), asid);
}

/* @req as one SBI remote fence: a range, or the whole address space. */
static void remote_fence(struct pt_riscv_tlb *r, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	pt_asid_t asid = req->kind == PT_FLUSH_PAGES || req->kind == PT_FLUSH_ASID ? req->asid
										   : PT_ASID_ANY;
	if (!by_asid(r, asid))
		asid = PT_ASID_ANY;
	if (req->kind == PT_FLUSH_PAGES && !req->tables)
		r->arch->remote_sfence(r->ctx, cpus, req->va, req->nr_pages << PT_PAGE_SHIFT, asid);
	else
		r->arch->remote_sfence(r->ctx, cpus, 0, PT_RISCV_SIZE_ALL, asid);
}

static unsigned op_current_cpu(void *ctx)
{
	struct pt_riscv_tlb *r = ctx;
	return r->arch->current_cpu(r->ctx);
}

static void op_flush_local(void *ctx, const struct pt_flush_req *req)
{
	pt_riscv_tlb_flush_local(ctx, req);
}

static void op_send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	struct pt_riscv_tlb *r = ctx;
	if (r->arch->remote_sfence)
		remote_fence(r, cpus, req);
	else
		r->arch->send(r->ctx, cpus, req);
}

static void op_wait(void *ctx, pt_cpumask_t cpus)
{
	struct pt_riscv_tlb *r = ctx;
	if (!r->arch->remote_sfence)
		r->arch->wait(r->ctx, cpus);
}

/* With ASIDs, @flush drops only @asid's entries; without, every load must. */
static void op_load_root(void *ctx, pt_paddr_t root_pa, pt_asid_t asid, bool flush)
{
	struct pt_riscv_tlb *r = ctx;
	r->arch->write_satp(r->ctx, pt_riscv_satp(r->satp_mode, r->asids ? asid : 0, root_pa));
	if (!r->asids)
		fence(r, false, 0, PT_ASID_ANY);
	else if (flush)
		fence(r, false, 0, asid);
}

static const struct pt_tlb_ops riscv_tlb_ops = {
	.current_cpu = op_current_cpu,
	.flush_local = op_flush_local,
	.send = op_send,
	.wait = op_wait,
	.load_root = op_load_root,
};

struct pt_tlb pt_riscv_tlb(struct pt_riscv_tlb *r, struct pt_cpus *cpus)
{
	struct pt_tlb tlb = { .ops = &riscv_tlb_ops, .ctx = r, .cpus = cpus, .tagged = r->asids };
	return tlb;
}
