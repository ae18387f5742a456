/* SPDX-License-Identifier: MIT */
/*
 * libpt's TLB interface on the simulated Arm MMU. Arm needs no interrupt to
 * invalidate another PE's TLB: a request sent to CPUs is a TLBI performed
 * on each of them, and the break-before-make invalidation is one broadcast
 * TLBI ...IS and the DSB that completes it, issued by the calling PE.
 */
#include "internal.h"

/* PT_FLUSH_PAGES: by VA, last level only unless a table entry changed. */
static struct pt_sim_arm_tlbi_op op_of(const struct pt_flush_req *req)
{
	struct pt_sim_arm_tlbi_op op = { PT_SIM_TLBI_VMALLE1, req->asid, 0, 0 };
	switch (req->kind) {
	case PT_FLUSH_PAGES:
		if (req->asid == PT_ASID_ANY)
			op.op = req->tables ? PT_SIM_TLBI_VAAE1 : PT_SIM_TLBI_VAALE1;
		else
			op.op = req->tables ? PT_SIM_TLBI_VAE1 : PT_SIM_TLBI_VALE1;
		op.va = req->va;
		op.len = req->nr_pages * PT_PAGE_SIZE;
		break;
	case PT_FLUSH_ASID:
		op.op = PT_SIM_TLBI_ASIDE1;
		break;
	case PT_FLUSH_ALL:
	case PT_FLUSH_ALL_GLOBAL:
		break;
	}
	return op;
}

static unsigned arm_current_cpu(void *ctx)
{
	struct pt_sim_arm *m = ctx;
	return m->cur;
}

static void arm_flush_local(void *ctx, const struct pt_flush_req *req)
{
	struct pt_sim_arm *m = ctx;
	pt_sim_arm_tlbi(m, m->cur, op_of(req), false);
	pt_sim_arm_dsb(m, m->cur);
}

static void arm_send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	struct pt_sim_arm *m = ctx;
	for (unsigned i = 0; i < m->nr_pes; i++)
		if (cpus >> i & 1) {
			pt_sim_arm_tlbi(m, i, op_of(req), false);
			pt_sim_arm_dsb(m, i);
		}
}

static void arm_wait(void *ctx, pt_cpumask_t cpus)
{
	(void)ctx;
	(void)cpus;
}

static void arm_load_root(void *ctx, pt_paddr_t root_pa, pt_asid_t asid, bool flush)
{
	struct pt_sim_arm *m = ctx;
	struct pt_sim_arm_regs *r = &m->pe[m->cur].r;
	if (root_pa == m->kernel_root) {
		r->ttbr1 = root_pa;
		r->ttbr0 = 0;
	} else {
		r->ttbr0 = root_pa;
		r->asid = asid;
	}
	if (flush) {
		struct pt_sim_arm_tlbi_op op = { PT_SIM_TLBI_ASIDE1, r->asid, 0, 0 };
		pt_sim_arm_tlbi(m, m->cur, op, false);
		pt_sim_arm_dsb(m, m->cur);
	}
}

static void arm_flush_broadcast(void *ctx, const struct pt_flush_req *req)
{
	struct pt_sim_arm *m = ctx;
	pt_sim_arm_tlbi(m, m->cur, op_of(req), true);
	pt_sim_arm_dsb(m, m->cur);
}

static const struct pt_tlb_ops arm_tlb_ops = {
	.current_cpu = arm_current_cpu,
	.flush_local = arm_flush_local,
	.send = arm_send,
	.wait = arm_wait,
	.load_root = arm_load_root,
	.flush_broadcast = arm_flush_broadcast,
};

struct pt_tlb pt_sim_arm_tlb(struct pt_sim_arm *m, struct pt_cpus *cpus)
{
	struct pt_tlb tlb = { .ops = &arm_tlb_ops, .ctx = m, .cpus = cpus, .tagged = true };
	return tlb;
}
