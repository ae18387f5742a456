/* SPDX-License-Identifier: MIT */
/*
 * The TLB interface on the simulated machine: the x86 glue's architectural
 * operations performed on simulated CPUs, and shoot-downs delivered through
 * the machine's per-CPU interrupt queues.
 */
#ifndef PT_SIM_TLB_SIM_H
#define PT_SIM_TLB_SIM_H

#include <pt/activate.h>
#include <pt/tlb_x86_64.h>

#include <pt/sim/machine/machine.h>

struct pt_sim_tlb {
	struct pt_x86_tlb x86;
	struct pt_sim_machine *m;
};

/*
 * Set up @st for @m and return the TLB interface over it and @cpus (both must
 * outlive it). @pcide: the caller sets CR4.PCIDE on every CPU. The calling
 * thread must be on a CPU for every operation but send and wait.
 */
struct pt_tlb pt_sim_tlb_init(struct pt_sim_tlb *st, struct pt_sim_machine *m, struct pt_cpus *cpus,
			      bool pcide);

#endif
