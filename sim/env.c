/* SPDX-License-Identifier: MIT */
#include <pt/sim/env.h>

#include <sched.h>

#include <pt/sim/reclaim_urcu.h>

/* Spins before a waiter gives its CPU to a (possibly descheduled) lock holder. */
#define PT_SIM_RELAX_SPINS 64

void pt_sim_relax(unsigned spins)
{
	if (spins < PT_SIM_RELAX_SPINS) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#elif defined(__aarch64__)
		__asm__ volatile("yield");
#endif
		return;
	}
	sched_yield();
}

struct pt_env pt_sim_env(const struct pt_format *fmt, struct pt_sim_ram *ram)
{
	struct pt_env env = {
		.fmt = fmt,
		.mem = pt_sim_ram_physmem(ram),
		.reclaim = pt_sim_reclaim_urcu(),
		.relax = pt_sim_relax,
	};
	return env;
}
