/* SPDX-License-Identifier: MIT */
/*
 * ptbench-vm: the address-space layer (pt/vmspace.h) on the simulated x86-64
 * machine: unmap and protect with shoot-down on 1, 2, 4 and 8 CPUs running
 * the address space, fork of tracked 4 KiB pages and the COW faults after
 * it. Each case is timed against its lower bound in the same run: the same
 * operation on an address space no CPU runs (the same page-table work, no
 * flush, no IPI). Flush and IPI counts come from the simulated CPUs.
 */
#ifndef PTBENCH_VMB_H
#define PTBENCH_VMB_H

#include <stdbool.h>
#include <stdint.h>

#include <pt/pt.h>

#include <pt/sim/ram.h>
#include <pt/sim/tlb_sim.h>
#include <pt/sim/machine/machine.h>

#define VMB_MAX_CPUS 8
#define VMB_VA 0x40000000ull /* 1 GiB: the cases' ranges start here */

/* The machine: VMB_MAX_CPUS CPUs with PCIDs, the kernel address space on each. */
struct vmb {
	struct pt_sim_machine *m;
	struct pt_sim_ram *ram;
	struct pt_sim_tlb stlb;
	struct pt_cpus cpus;
	struct pt_env env;
	struct pt_vmspace kernel;
	unsigned on;
};

/* What one timed operation cost. */
struct vmb_sample {
	uint64_t ns;
	uint64_t ops;       /* operations timed together (COW faults: many) */
	uint64_t flushes;   /* INVLPGs and full flushes performed by all CPUs */
	uint64_t ipis;      /* shoot-down interrupts taken by all CPUs */
};

struct vmb_case {
	const char *name;
	unsigned cpus;      /* CPUs running the address space (0 for the bound) */
	uint64_t len;       /* bytes of the range */
	/* Set up (untimed), time one operation into @s, check it (returns NULL or what is wrong). */
	const char *(*run)(struct vmb *b, const struct vmb_case *c, unsigned cpus, struct vmb_sample *s);
};

extern const struct vmb_case vmb_cases[];
extern const unsigned vmb_nr_cases;

struct vmb *vmb_new(uint64_t ram_size);
void vmb_free(struct vmb *b);
/* Move the calling thread to CPU @cpu. */
void vmb_on(struct vmb *b, unsigned cpu);
/* Activate @vs on CPUs 0 .. @cpus - 1 and read @pages pages from @va on each (fills TLBs). */
void vmb_run_on(struct vmb *b, struct pt_vmspace *vs, unsigned cpus, pt_vaddr_t va, unsigned pages);
/* Put every CPU back on the kernel address space (the thread returns to CPU 0). */
void vmb_run_kernel(struct vmb *b);
/* Zero / sum the flush and IPI counters of every CPU. */
void vmb_reset_counters(struct vmb *b);
void vmb_counters(struct vmb *b, struct vmb_sample *s);
uint64_t vmb_now_ns(void);

#endif
