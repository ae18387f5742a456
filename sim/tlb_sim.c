/* SPDX-License-Identifier: MIT */
/*
 * Architectural operations on simulated CPUs. An interrupt handler may run in
 * a thread that is on another CPU (a waiter acting for an idle one), so the
 * CPU an operation acts on is the handler's while it runs, else the thread's.
 */
#include <pt/sim/tlb_sim.h>

#include <stdio.h>
#include <stdlib.h>

static _Thread_local struct sim_cpu *acting;

static struct sim_cpu *cur(void)
{
	struct sim_cpu *cpu = acting ? acting : sim_cpu_current();
	if (!cpu) {
		fprintf(stderr, "tlb_sim: TLB operation outside any simulated CPU\n");
		abort();
	}
	return cpu;
}

static uint64_t sim_read_cr3(void *ctx)
{
	(void)ctx;
	return sim_cpu_regs(cur()).cr3;
}

static void sim_write_cr3(void *ctx, uint64_t value)
{
	(void)ctx;
	if (sim_cpu_write_cr3(cur(), value) != SIM_EXC_NONE)
		abort();
}

static void sim_invlpg(void *ctx, pt_vaddr_t va)
{
	(void)ctx;
	sim_cpu_invlpg(cur(), va);
}

static void sim_invpcid(void *ctx, unsigned type, uint16_t pcid, pt_vaddr_t va)
{
	(void)ctx;
	if (sim_cpu_invpcid(cur(), type, pcid, va) != SIM_EXC_NONE)
		abort();
}

static void sim_toggle_pge(void *ctx)
{
	(void)ctx;
	struct sim_cpu *cpu = cur();
	uint64_t cr4 = sim_cpu_regs(cpu).cr4;
	sim_cpu_write_cr4(cpu, cr4 & ~SIM_CR4_PGE);
	sim_cpu_write_cr4(cpu, cr4);
}

static unsigned sim_current_cpu(void *ctx)
{
	(void)ctx;
	return sim_cpu_index(cur());
}

struct sim_req {
	struct pt_sim_tlb *st;
	struct pt_flush_req req;
};

static void on_ipi(struct sim_cpu *cpu, void *arg)
{
	struct sim_req *r = arg;
	struct sim_cpu *prev = acting;
	acting = cpu;
	pt_x86_tlb_flush_local(&r->st->x86, &r->req);
	acting = prev;
	free(r);
}

static void sim_send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	struct pt_sim_tlb *st = ctx;
	for (unsigned i = 0; i < PT_MAX_CPUS; i++) {
		if (!(cpus >> i & 1))
			continue;
		/* Each queue owns its copy until the handler has run. */
		struct sim_req *r = malloc(sizeof(*r));
		if (!r)
			abort();
		r->st = st;
		r->req = *req;
		if (!sim_cpu_post_ipi(st->m, i, on_ipi, r))
			abort();
	}
}

static void sim_wait(void *ctx, pt_cpumask_t cpus)
{
	struct pt_sim_tlb *st = ctx;
	/* Also handles the caller's own CPU's queue: two CPUs shooting each
	 * other down both make progress. */
	sim_machine_wait_ipis(st->m, cpus);
}

static const struct pt_x86_arch_ops sim_arch_ops = {
	.read_cr3 = sim_read_cr3,
	.write_cr3 = sim_write_cr3,
	.invlpg = sim_invlpg,
	.invpcid = sim_invpcid,
	.toggle_pge = sim_toggle_pge,
	.current_cpu = sim_current_cpu,
	.send = sim_send,
	.wait = sim_wait,
};

struct pt_tlb pt_sim_tlb_init(struct pt_sim_tlb *st, struct sim_machine *m, struct pt_cpus *cpus,
			      bool pcide)
{
	*st = (struct pt_sim_tlb){ .m = m };
	st->x86.arch = &sim_arch_ops;
	st->x86.ctx = st;
	st->x86.pcide = pcide;
	st->x86.invpcid = true;
	return pt_x86_tlb(&st->x86, cpus);
}
