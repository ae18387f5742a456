/* SPDX-License-Identifier: MIT */
#include "env.h"

#include "reclaim_urcu.h"

struct pt_env pt_sim_env(const struct pt_format *fmt, struct pt_ram *ram)
{
	struct pt_env env = {
		.fmt = fmt,
		.mem = pt_ram_physmem(ram),
		.reclaim = pt_reclaim_urcu(),
	};
	return env;
}
