/* SPDX-License-Identifier: MIT */
/*
 * AArch64 TLB glue (Arm ARM D8.13 "TLB maintenance", C5.5 "A64 TLB
 * maintenance instructions"). TLBI by VA with an ASID reaches that ASID's
 * entries and global ones; the VAA forms every ASID. The L forms reach only
 * last-level (leaf) entries: walk-cache entries of a detached table survive
 * them, so requests marked `tables` use the non-L forms. Without ASIDs every
 * user table runs under ASID 0, and each TTBR0 load drops ASID 0's entries.
 */
#include <pt/tlb_aarch64.h>

#define TTBR_ASID_SHIFT 48
#define TTBR_BADDR_MASK 0x0000fffffffffffeull
#define TLBI_VA_MASK ((1ull << 44) - 1)

uint64_t pt_aarch64_ttbr(pt_asid_t asid, pt_paddr_t root_pa)
{
	return (uint64_t)asid << TTBR_ASID_SHIFT | (root_pa & TTBR_BADDR_MASK);
}

uint64_t pt_aarch64_tlbi_va(pt_asid_t asid, pt_vaddr_t va)
{
	return (uint64_t)asid << TTBR_ASID_SHIFT | ((va >> PT_PAGE_SHIFT) & TLBI_VA_MASK);
}

uint64_t pt_aarch64_tlbi_asid(pt_asid_t asid)
{
	return (uint64_t)asid << TTBR_ASID_SHIFT;
}

/* Whether @asid names one address space's entries. */
static bool by_asid(const struct pt_aarch64_tlb *a, pt_asid_t asid)
{
	return a->asids && asid != PT_ASID_ANY;
}

static void whole_space(struct pt_aarch64_tlb *a, pt_asid_t asid, unsigned is)
{
	if (by_asid(a, asid))
		a->arch->tlbi(a->ctx, PT_TLBI_ASIDE1 + is, pt_aarch64_tlbi_asid(asid));
	else
		a->arch->tlbi(a->ctx, PT_TLBI_VMALLE1 + is, 0);
}

static void pages(struct pt_aarch64_tlb *a, const struct pt_flush_req *req, unsigned is)
{
	if (req->nr_pages > PT_AARCH64_MAX_TLBI_PAGES) {
		whole_space(a, req->asid, is);
		return;
	}
	bool tagged = by_asid(a, req->asid);
	enum pt_aarch64_tlbi op = tagged ? (req->tables ? PT_TLBI_VAE1 : PT_TLBI_VALE1)
					 : (req->tables ? PT_TLBI_VAAE1 : PT_TLBI_VAALE1);
	for (uint64_t i = 0; i < req->nr_pages; i++)
		a->arch->tlbi(a->ctx, op + is,
			      pt_aarch64_tlbi_va(tagged ? req->asid : 0, req->va + (i << PT_PAGE_SHIFT)));
}

static void request(struct pt_aarch64_tlb *a, const struct pt_flush_req *req, unsigned is)
{
	switch (req->kind) {
	case PT_FLUSH_PAGES:
		pages(a, req, is);
		break;
	case PT_FLUSH_ASID:
		whole_space(a, req->asid, is);
		break;
	case PT_FLUSH_ALL:
	case PT_FLUSH_ALL_GLOBAL:
		a->arch->tlbi(a->ctx, PT_TLBI_VMALLE1 + is, 0);
		break;
	}
}

void pt_aarch64_tlb_flush_local(struct pt_aarch64_tlb *a, const struct pt_flush_req *req)
{
	a->arch->barrier(a->ctx, PT_DSB_NSHST);
	request(a, req, 0);
	a->arch->barrier(a->ctx, PT_DSB_NSH);
	a->arch->barrier(a->ctx, PT_ISB);
}

void pt_aarch64_tlb_flush_broadcast(struct pt_aarch64_tlb *a, const struct pt_flush_req *req)
{
	a->arch->barrier(a->ctx, PT_DSB_ISHST);
	request(a, req, PT_TLBI_IS);
	a->arch->barrier(a->ctx, PT_DSB_ISH);
	a->arch->barrier(a->ctx, PT_ISB);
}

static unsigned op_current_cpu(void *ctx)
{
	struct pt_aarch64_tlb *a = ctx;
	return a->arch->current_cpu(a->ctx);
}

static void op_flush_local(void *ctx, const struct pt_flush_req *req)
{
	pt_aarch64_tlb_flush_local(ctx, req);
}

/* The broadcast reaches every PE, @cpus among them; it is complete on return. */
static void op_send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	(void)cpus;
	pt_aarch64_tlb_flush_broadcast(ctx, req);
}

static void op_wait(void *ctx, pt_cpumask_t cpus)
{
	(void)ctx;
	(void)cpus;
}

static void op_flush_broadcast(void *ctx, const struct pt_flush_req *req)
{
	pt_aarch64_tlb_flush_broadcast(ctx, req);
}

static void local_tlbi(struct pt_aarch64_tlb *a, enum pt_aarch64_tlbi op, uint64_t xt)
{
	a->arch->barrier(a->ctx, PT_DSB_NSHST);
	a->arch->tlbi(a->ctx, op, xt);
	a->arch->barrier(a->ctx, PT_DSB_NSH);
	a->arch->barrier(a->ctx, PT_ISB);
}

/* The kernel root goes to TTBR1 (TTBR0 to the reserved empty table, as Linux's
 * cpu_set_reserved_ttbr0: no walk may reach a user table that is no longer
 * active); any other root to TTBR0 with its ASID (0 without ASIDs, whose
 * entries every load then drops). @flush drops the space's entries after the
 * write (every entry, for the kernel root). */
static void op_load_root(void *ctx, pt_paddr_t root_pa, pt_asid_t asid, bool flush)
{
	struct pt_aarch64_tlb *a = ctx;
	if (root_pa == a->kernel_root) {
		a->arch->write_ttbr(a->ctx, true, pt_aarch64_ttbr(0, root_pa));
		a->arch->write_ttbr(a->ctx, false, pt_aarch64_ttbr(0, a->reserved_ttbr0));
		a->arch->barrier(a->ctx, PT_ISB);
		if (flush)
			local_tlbi(a, PT_TLBI_VMALLE1, 0);
		return;
	}
	pt_asid_t tag = a->asids ? asid : 0;
	a->arch->write_ttbr(a->ctx, false, pt_aarch64_ttbr(tag, root_pa));
	a->arch->barrier(a->ctx, PT_ISB);
	if (flush || !a->asids)
		local_tlbi(a, PT_TLBI_ASIDE1, pt_aarch64_tlbi_asid(tag));
}

static const struct pt_tlb_ops aarch64_tlb_ops = {
	.current_cpu = op_current_cpu,
	.flush_local = op_flush_local,
	.send = op_send,
	.wait = op_wait,
	.load_root = op_load_root,
	.flush_broadcast = op_flush_broadcast,
};

struct pt_tlb pt_aarch64_tlb(struct pt_aarch64_tlb *a, struct pt_cpus *cpus)
{
	struct pt_tlb tlb = { .ops = &aarch64_tlb_ops, .ctx = a, .cpus = cpus, .tagged = a->asids };
	return tlb;
}
