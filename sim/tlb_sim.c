/* SPDX-License-Identifier: MIT */
/*
 * Architectural operations on simulated CPUs. An interrupt handler may run in
 * a thread that is on another CPU (a waiter acting for an idle one), so the
 * CPU an operation acts on is the handler's while it runs, else the thread's.
 */
#include <pt/sim/tlb_sim.h>

#include <stdio.h>
#include <stdlib.h>

static _Thread_local struct pt_sim_cpu *acting;

static struct pt_sim_cpu *cur(void)
{
	struct pt_sim_cpu *cpu = acting ? acting : pt_sim_cpu_current();
	if (!cpu) {
		fprintf(stderr, "tlb_sim: TLB operation outside any simulated CPU\n");
		abort();
	}
	return cpu;
}

static uint64_t pt_sim_read_cr3(void *ctx)
{
	(void)ctx;
	return pt_sim_cpu_regs(cur()).cr3;
}

static void pt_sim_write_cr3(void *ctx, uint64_t value)
{
	(void)ctx;
	if (pt_sim_cpu_write_cr3(cur(), value) != PT_SIM_EXC_NONE)
		abort();
}

static void pt_sim_invlpg(void *ctx, pt_vaddr_t va)
{
	(void)ctx;
	pt_sim_cpu_invlpg(cur(), va);
}

static void pt_sim_invpcid(void *ctx, unsigned type, uint16_t pcid, pt_vaddr_t va)
{
	(void)ctx;
	if (pt_sim_cpu_invpcid(cur(), type, pcid, va) != PT_SIM_EXC_NONE)
		abort();
}

static void pt_sim_toggle_pge(void *ctx)
{
	(void)ctx;
	struct pt_sim_cpu *cpu = cur();
	uint64_t cr4 = pt_sim_cpu_regs(cpu).cr4;
	pt_sim_cpu_write_cr4(cpu, cr4 & ~PT_SIM_CR4_PGE);
	pt_sim_cpu_write_cr4(cpu, cr4);
}

static unsigned pt_sim_current_cpu(void *ctx)
{
	(void)ctx;
	return pt_sim_cpu_index(cur());
}

struct pt_sim_req {
	struct pt_sim_tlb *st;
	struct pt_flush_req req;
};

static void on_ipi(struct pt_sim_cpu *cpu, void *arg)
{
	struct pt_sim_req *r = arg;
	struct pt_sim_cpu *prev = acting;
	acting = cpu;
	pt_x86_tlb_flush_local(&r->st->x86, &r->req);
	acting = prev;
	free(r);
}

static void pt_sim_send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	struct pt_sim_tlb *st = ctx;
	for (unsigned i = 0; i < PT_MAX_CPUS; i++) {
		if (!(cpus >> i & 1))
			continue;
		/* Each queue owns its copy until the handler has run. */
		struct pt_sim_req *r = malloc(sizeof(*r));
		if (!r)
			abort();
		r->st = st;
		r->req = *req;
		if (!pt_sim_cpu_post_ipi(st->m, i, on_ipi, r))
			abort();
	}
}

static void pt_sim_wait(void *ctx, pt_cpumask_t cpus)
{
	struct pt_sim_tlb *st = ctx;
	/* Also handles the caller's own CPU's queue: two CPUs shooting each
	 * other down both make progress. */
	pt_sim_machine_wait_ipis(st->m, cpus);
}

static const struct pt_x86_arch_ops pt_sim_arch_ops = {
	.read_cr3 = pt_sim_read_cr3,
	.write_cr3 = pt_sim_write_cr3,
	.invlpg = pt_sim_invlpg,
	.invpcid = pt_sim_invpcid,
	.toggle_pge = pt_sim_toggle_pge,
	.current_cpu = pt_sim_current_cpu,
	.send = pt_sim_send,
	.wait = pt_sim_wait,
};

struct pt_tlb pt_sim_tlb_init(struct pt_sim_tlb *st, struct pt_sim_machine *m, struct pt_cpus *cpus,
			      bool pcide)
{
	*st = (struct pt_sim_tlb){ .m = m };
	st->x86.arch = &pt_sim_arch_ops;
	st->x86.ctx = st;
	st->x86.pcide = pcide;
	st->x86.invpcid = true;
	return pt_x86_tlb(&st->x86, cpus);
}
