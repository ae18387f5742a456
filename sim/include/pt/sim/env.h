/* SPDX-License-Identifier: MIT */
/* A hosted platform for tests and tools: simulated RAM, liburcu, a format. */
#ifndef PT_SIM_ENV_H
#define PT_SIM_ENV_H

#include <pt/env.h>

#include <pt/sim/ram.h>

/* The hosted relax hook: PAUSE for a bounded number of spins, then sched_yield. */
void pt_sim_relax(unsigned spins);
/* An environment of @fmt on @ram, with liburcu reclamation, pt_sim_relax and no TLB. */
struct pt_env pt_sim_env(const struct pt_format *fmt, struct pt_sim_ram *ram);

#endif
