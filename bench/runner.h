/* SPDX-License-Identifier: MIT */
/* Running one case: warm-up, repeats, timing, checks; and its figures. */
#ifndef PTBENCH_RUNNER_H
#define PTBENCH_RUNNER_H

#include "bench.h"

struct result {
	const struct case_def *cd;
	uint64_t pages;          /* leaves handled per repeat, all threads */
	uint64_t median_ns, min_ns, max_ns;
	double pps;              /* pages per second at the median */
	double bound_pps;        /* the matching bound's; 0 for a bound */
	double speedup;          /* threads > 1: pps over the one-thread case's; else 0 */
	double bound_speedup;    /* the same for the matching bound */
	uint64_t table_frames;   /* peak table frames */
	uint64_t frames_left;    /* frames in use after the last teardown */
	const char *fail;        /* NULL if it ran, translated and freed correctly */
};

/* Run @cd as @o says and fill @r (without the bound and speed-up figures). */
void run_case(const struct case_def *cd, const struct bench_opts *o, struct result *r);

#endif
