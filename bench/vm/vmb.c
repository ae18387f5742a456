/* SPDX-License-Identifier: MIT */
#include "vmb.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pt/sim/reclaim_urcu.h>

static void die(const char *what, enum pt_err err)
{
	fprintf(stderr, "ptbench-vm: %s: %s\n", what, pt_strerror(err));
	exit(1);
}

uint64_t vmb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vmb_on(struct vmb *b, unsigned cpu)
{
	if (b->on == cpu && pt_sim_cpu_current())
		return;
	if (pt_sim_cpu_current())
		pt_sim_cpu_leave(pt_sim_cpu_current());
	if (!pt_sim_cpu_enter(b->m, cpu))
		die("entering a CPU", PT_ERR_INVAL);
	b->on = cpu;
}

struct vmb *vmb_new(uint64_t ram_size)
{
	struct vmb *b = calloc(1, sizeof(*b));
	struct pt_sim_machine_config cfg = { .nr_cpus = VMB_MAX_CPUS, .ram_size = ram_size };
	if (!b || !(b->m = pt_sim_machine_create(&cfg)))
		die("creating the machine", PT_ERR_NOMEM);
	b->ram = pt_sim_machine_ram(b->m);
	pt_cpus_init(&b->cpus);
	b->env.fmt = &pt_format_x86_64_4level;
	b->env.mem = pt_sim_ram_physmem(b->ram);
	b->env.reclaim = pt_sim_reclaim_urcu();
	b->env.tlb = pt_sim_tlb_init(&b->stlb, b->m, &b->cpus, true);
	enum pt_err err = pt_vmspace_create_kernel(&b->kernel, &b->env);
	if (err != PT_OK)
		die("the kernel address space", err);
	for (unsigned i = VMB_MAX_CPUS; i-- > 0;) {
		vmb_on(b, i);
		struct pt_sim_cpu *cpu = pt_sim_cpu_current();
		if (pt_sim_cpu_write_cr4(cpu, pt_sim_cpu_regs(cpu).cr4 | PT_SIM_CR4_PCIDE) != PT_SIM_EXC_NONE)
			die("CR4.PCIDE", PT_ERR_INVAL);
		err = pt_vmspace_first_activate_unchecked(&b->kernel);
		if (err != PT_OK)
			die("first activation", err);
	}
	return b;
}

void vmb_free(struct vmb *b)
{
	for (unsigned i = 0; i < VMB_MAX_CPUS; i++) {
		vmb_on(b, i);
		pt_cpu_deactivate(&b->env);
	}
	vmb_on(b, 0);
	enum pt_err err = pt_vmspace_destroy(&b->kernel);
	if (err != PT_OK)
		die("destroying the kernel address space", err);
	b->env.reclaim.ops->drain(b->env.reclaim.ctx);
	if (pt_sim_ram_stats(b->ram).frames_in_use)
		die("frames leaked", PT_ERR_BUSY);
	pt_sim_cpu_leave(pt_sim_cpu_current());
	pt_sim_machine_destroy(b->m);
	free(b);
}

void vmb_run_on(struct vmb *b, struct pt_vmspace *vs, unsigned cpus, pt_vaddr_t va, unsigned pages)
{
	for (unsigned i = 0; i < cpus; i++) {
		vmb_on(b, i);
		enum pt_err err = pt_vmspace_activate(vs);
		if (err != PT_OK)
			die("activation", err);
		for (unsigned p = 0; p < pages; p++) {
			struct pt_sim_xlat x;
			if (pt_sim_access(pt_sim_cpu_current(), va + p * PT_PAGE_SIZE, PT_SIM_READ, PT_SIM_USER, &x) !=
			    PT_SIM_EXC_NONE)
				die("a read before the operation faulted", PT_ERR_NOT_MAPPED);
		}
	}
	vmb_on(b, 0);
}

void vmb_run_kernel(struct vmb *b)
{
	for (unsigned i = 0; i < VMB_MAX_CPUS; i++) {
		vmb_on(b, i);
		enum pt_err err = pt_vmspace_activate(&b->kernel);
		if (err != PT_OK)
			die("activating the kernel", err);
	}
	vmb_on(b, 0);
}

void vmb_reset_counters(struct vmb *b)
{
	for (unsigned c = 0; c < VMB_MAX_CPUS; c++)
		pt_sim_cpu_reset_counters(pt_sim_machine_cpu(b->m, c));
}

void vmb_counters(struct vmb *b, struct vmb_sample *s)
{
	s->flushes = s->ipis = 0;
	for (unsigned c = 0; c < VMB_MAX_CPUS; c++) {
		struct pt_sim_counters cnt;
		pt_sim_cpu_counters(pt_sim_machine_cpu(b->m, c), &cnt);
		for (unsigned k = 0; k < PT_SIM_FLUSH__COUNT; k++)
			if (k != PT_SIM_FLUSH_CR3_NOFLUSH && k != PT_SIM_FLUSH_PF && k != PT_SIM_FLUSH_EVICT)
				s->flushes += cnt.flushes[k];
		s->ipis += cnt.ipis;
	}
}
