/* SPDX-License-Identifier: MIT */
#include "cg.h"

#include <stdio.h>

#ifdef PTBENCH_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#endif

bool cg_active(void)
{
#ifdef PTBENCH_HAVE_CALLGRIND
	return RUNNING_ON_VALGRIND;
#else
	return false;
#endif
}

void cg_zero(void)
{
#ifdef PTBENCH_HAVE_CALLGRIND
	if (RUNNING_ON_VALGRIND)
		CALLGRIND_ZERO_STATS;
#endif
}

void cg_dump(const char *label)
{
#ifdef PTBENCH_HAVE_CALLGRIND
	if (RUNNING_ON_VALGRIND)
		CALLGRIND_DUMP_STATS_AT(label);
#else
	(void)label;
#endif
}

void cg_label(char *buf, size_t size, const char *name, uint64_t pages)
{
	snprintf(buf, size, "case=%s pages=%llu", name, (unsigned long long)pages);
}
