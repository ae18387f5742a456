/* SPDX-License-Identifier: MIT */
/* Running one case: warm-up, repeats, wall and per-thread CPU timing, checks; and its figures. */
#ifndef PTBENCH_RUNNER_H
#define PTBENCH_RUNNER_H

#include "bench.h"

/* One measured repeat: the timed region's wall time and each thread's CPU time in it. */
struct sample {
	uint64_t wall_ns;
	uint64_t cpu_ns[BENCH_MAX_THREADS];   /* CLOCK_THREAD_CPUTIME_ID around the job's work */
};

struct result {
	const struct case_def *cd;
	uint64_t size;           /* bytes per thread */
	uint64_t pages;          /* leaves handled per repeat, all threads */
	uint64_t median_ns, min_ns, max_ns;   /* wall */
	uint64_t cpu_ns;         /* median over repeats of the threads' summed CPU time */
	uint64_t thread_cpu_ns[BENCH_MAX_THREADS];   /* each thread's median CPU time */
	double pps;              /* pages per second at the wall median */
	double cpu_pps;          /* pages per CPU-second at the CPU median */
	double bound_pps;        /* the matching bound's; 0 for a bound */
	double bound_cpu_pps;
	double speedup;          /* threads > 1: pps over the one-thread case's; else 0 */
	double bound_speedup;    /* the same for the matching bound */
	double efficiency;       /* threads > 1: cpu_pps over the one-thread case's; else 0 */
	double bound_efficiency; /* the same for the matching bound */
	double free_cores;       /* host cores minus the 1-minute load average, before the case */
	uint64_t table_frames;   /* peak table frames */
	uint64_t frames_left;    /* frames in use after the last teardown */
	struct sample *samples;  /* the measured repeats, in run order */
	unsigned nr_samples;
	const char *fail;        /* NULL if it ran, translated and freed correctly */
};

/* Run @cd as @o says and fill @r (without the bound and speed-up figures). */
void run_case(const struct case_def *cd, const struct bench_opts *o, struct result *r);
/* Free what run_case allocated in @r and clear it. */
void result_free(struct result *r);
/* Nanoseconds of CPU time the calling thread has used. */
uint64_t bench_thread_cpu_ns(void);

#endif
