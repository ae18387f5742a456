/* SPDX-License-Identifier: MIT */
/*
 * x86-64 TLB glue (reference §5.2, §5.4). INVLPG acts on the current PCID and
 * on global entries; another PCID needs INVPCID, or, without it, a flush at
 * that PCID's next load. Pages of a kernel table (PT_ASID_ANY) may be cached
 * under every PCID used on the CPU, so each live one is flushed too.
 */
#include <pt/tlb_x86_64.h>

#define PCID_MASK 0xfffu

static unsigned cpu_of(struct pt_x86_tlb *x)
{
	return x->arch->current_cpu(x->ctx);
}

static uint16_t cur_pcid(struct pt_x86_tlb *x)
{
	return x->pcide ? (uint16_t)(x->arch->read_cr3(x->ctx) & PCID_MASK) : 0;
}

static uint64_t pcid_bit(uint16_t pcid)
{
	return pcid < 64 ? (uint64_t)1 << pcid : 0;
}

/* The pages of @req in PCID @pcid, which is not the current one. */
static void flush_other_pcid(struct pt_x86_tlb *x, const struct pt_flush_req *req, uint16_t pcid)
{
	if (!x->invpcid) {
		x->deferred[cpu_of(x)] |= pcid_bit(pcid);
		return;
	}
	for (uint64_t i = 0; i < req->nr_pages; i++)
		x->arch->invpcid(x->ctx, 0, pcid, req->va + (i << PT_PAGE_SHIFT));
}

/* req->tables needs nothing more: INVLPG and INVPCID type 0 also drop the
 * paging-structure-cache entries for the address. */
static void flush_pages(struct pt_x86_tlb *x, const struct pt_flush_req *req)
{
	uint16_t cur = cur_pcid(x);
	if (req->asid != PT_ASID_ANY && x->pcide && req->asid != cur) {
		flush_other_pcid(x, req, req->asid);
		return;
	}
	for (uint64_t i = 0; i < req->nr_pages; i++)
		x->arch->invlpg(x->ctx, req->va + (i << PT_PAGE_SHIFT));
	if (req->asid != PT_ASID_ANY || !x->pcide)
		return;
	uint64_t others = x->live[cpu_of(x)] & ~pcid_bit(cur);
	for (uint16_t p = 0; p < 64; p++)
		if (others >> p & 1)
			flush_other_pcid(x, req, p);
}

static void flush_asid(struct pt_x86_tlb *x, pt_asid_t asid)
{
	if (!x->pcide) {
		x->arch->write_cr3(x->ctx, x->arch->read_cr3(x->ctx));
	} else if (x->invpcid) {
		x->arch->invpcid(x->ctx, 1, asid, 0);
	} else if (asid == cur_pcid(x)) {
		x->arch->write_cr3(x->ctx, x->arch->read_cr3(x->ctx));
	} else {
		x->deferred[cpu_of(x)] |= pcid_bit(asid);
	}
}

/* Everything of every PCID: the live set starts over with the current one. */
static void flush_everything(struct pt_x86_tlb *x, bool globals)
{
	if (x->invpcid)
		x->arch->invpcid(x->ctx, globals ? 2 : 3, 0, 0);
	else
		x->arch->toggle_pge(x->ctx);
	x->live[cpu_of(x)] = pcid_bit(cur_pcid(x));
	x->deferred[cpu_of(x)] = 0;
}

void pt_x86_tlb_flush_local(struct pt_x86_tlb *x, const struct pt_flush_req *req)
{
	switch (req->kind) {
	case PT_FLUSH_PAGES:
		flush_pages(x, req);
		break;
	case PT_FLUSH_ASID:
		flush_asid(x, req->asid);
		break;
	case PT_FLUSH_ALL:
		flush_everything(x, false);
		break;
	case PT_FLUSH_ALL_GLOBAL:
		flush_everything(x, true);
		break;
	}
}

static unsigned op_current_cpu(void *ctx)
{
	return cpu_of(ctx);
}

static void op_flush_local(void *ctx, const struct pt_flush_req *req)
{
	pt_x86_tlb_flush_local(ctx, req);
}

static void op_send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	struct pt_x86_tlb *x = ctx;
	x->arch->send(x->ctx, cpus, req);
}

static void op_wait(void *ctx, pt_cpumask_t cpus)
{
	struct pt_x86_tlb *x = ctx;
	x->arch->wait(x->ctx, cpus);
}

static void op_load_root(void *ctx, pt_paddr_t root_pa, pt_asid_t asid, bool flush)
{
	struct pt_x86_tlb *x = ctx;
	if (!x->pcide) {
		x->arch->write_cr3(x->ctx, root_pa);
		return;
	}
	unsigned cpu = cpu_of(x);
	if (x->deferred[cpu] & pcid_bit(asid))
		flush = true;
	x->deferred[cpu] &= ~pcid_bit(asid);
	x->live[cpu] |= pcid_bit(asid);
	x->arch->write_cr3(x->ctx, root_pa | asid | (flush ? 0 : PT_X86_CR3_NOFLUSH));
}

static const struct pt_tlb_ops x86_tlb_ops = {
	.current_cpu = op_current_cpu,
	.flush_local = op_flush_local,
	.send = op_send,
	.wait = op_wait,
	.load_root = op_load_root,
};

struct pt_tlb pt_x86_tlb(struct pt_x86_tlb *x, struct pt_cpus *cpus)
{
	struct pt_tlb tlb = { .ops = &x86_tlb_ops, .ctx = x, .cpus = cpus, .tagged = x->pcide };
	return tlb;
}
