/* SPDX-License-Identifier: MIT */
/* A hosted platform for tests and tools: simulated RAM, liburcu, a format. */
#ifndef PT_SIM_ENV_H
#define PT_SIM_ENV_H

#include <pt/env.h>

#include "ram.h"

/* An environment of @fmt on @ram, with liburcu reclamation and no TLB. */
struct pt_env pt_sim_env(const struct pt_format *fmt, struct pt_ram *ram);

#endif
