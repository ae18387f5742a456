/* SPDX-License-Identifier: MIT */
/* The platform a table lives on: its format and the three service interfaces. */
#ifndef PT_ENV_H
#define PT_ENV_H

#include <pt/format.h>
#include <pt/physmem.h>
#include <pt/reclaim.h>
#include <pt/tlb.h>

/* Must outlive every table created on it and every deferred free it issued. */
struct pt_env {
	const struct pt_format *fmt;
	struct pt_physmem mem;
	struct pt_reclaim reclaim;
	struct pt_tlb tlb;          /* optional until tables are activated */
};

#endif
