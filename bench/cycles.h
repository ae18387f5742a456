/* SPDX-License-Identifier: MIT */
/* The growth check: many map_range/unmap cycles on one table. */
#ifndef PTBENCH_CYCLES_H
#define PTBENCH_CYCLES_H

#include "bench.h"

struct cycles_result {
	unsigned cycles;
	uint64_t pages;              /* per map */
	uint64_t tables_mapped;      /* table frames with the range mapped, first cycle */
	uint64_t tables_unmapped;    /* after its unmap and a drain, first cycle */
	uint64_t peak_tables;        /* over all cycles */
	uint64_t frames_left;        /* after teardown */
	uint64_t ns;                 /* all cycles, wall */
	uint64_t cpu_ns;             /* all cycles, this thread's CPU time */
	const char *fail;            /* NULL if nothing grew and everything was freed */
};

/* Map and unmap the range @o->cycles times, checking the table frames each time. */
void run_cycles(const struct bench_opts *o, struct cycles_result *cr);

#endif
