/* SPDX-License-Identifier: MIT */
/*
 * ptbench: throughput of libpt's map, unmap, protect and scan, each measured
 * against a lower-bound page-table loop (bound.c) run the same way in the
 * same process. A case is a set of jobs, one per thread, each on its own
 * disjoint range of one table; the runner times the jobs' run functions
 * (plus draining reclamation for unmap cases) over warm-up and repeats.
 */
#ifndef PTBENCH_BENCH_H
#define PTBENCH_BENCH_H

#include <pt/pt.h>

#include <pt/sim/env.h>
#include <pt/sim/ram.h>

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define BENCH_MAX_THREADS 2
/* Where job 0's range starts: root slot 1, so all ranges share one level-3 node. */
#define BENCH_VA_BASE (512 * GiB)
/* Untracked mappings point here: past any simulated RAM, never touched. */
#define BENCH_PA_BASE (1ull << 44)

struct fixture;
struct job;

/* What a job does (prepare, run) or verifies (check); check returns NULL or a reason. */
typedef void (*job_fn)(struct job *j);
typedef const char *(*check_fn)(struct job *j);

enum pa_mode {
	PA_ALIGNED,   /* PA congruent to VA: the largest pages fit */
	PA_OFF_4K,    /* PA offset by 4 KiB: only 4 KiB pages fit */
	PA_OFF_2M,    /* PA offset by 2 MiB: no 1 GiB page fits */
};

struct case_def {
	const char *name;
	const char *bound;     /* name of the matching lower bound; NULL for a bound */
	const char *single;    /* threads > 1: the same case on one thread */
	unsigned threads;
	pt_level_t level;      /* leaf level the case maps or expects */
	bool tracked;          /* one data frame per 4 KiB page, owned by the table */
	bool is_bound;
	bool drain;            /* the timed region ends by draining reclamation */
	bool big_cursor;       /* the cursor spans >= 2 GiB so 1 GiB leaves fit */
	enum pa_mode pa_mode;
	job_fn prepare;        /* untimed: bring the range into the state run expects */
	job_fn run;            /* timed */
	check_fn check;        /* untimed, after the last repeat */
};

/* One thread's part of a case. */
struct job {
	struct fixture *fx;
	unsigned tid;
	pt_vaddr_t va;         /* first address of the job's range */
	uint64_t len;          /* bytes operated on */
	uint64_t cursor_len;   /* bytes of the cursor opened over the range (>= len) */
	pt_paddr_t pa;         /* untracked: the physical address mapped at va */
	pt_level_t level;
	bool tracked;
	pt_paddr_t *frames;    /* tracked: the data frame of each 4 KiB page */
	uint64_t pages;        /* leaves in the range */
	uint64_t counted;      /* scan: leaves found */
	const char *fail;      /* first libpt error seen by run or prepare */
};

struct bench_opts {
	uint64_t size;         /* bytes per thread (of the size being run, with --sweep) */
	unsigned repeats;
	unsigned warmup;
	unsigned cycles;       /* map/unmap cycles of the growth check */
	bool json;
	bool smoke;
	bool urcu;             /* defer frees through liburcu, as pt_sim_env does */
	bool poison;           /* let the simulated RAM poison freed frames */
	bool check;            /* exit 3 if a measured target is missed */
	bool targets_only;     /* print the targets (--targets) and exit */
	bool sweep;            /* run every size from sweep_min to sweep_max, doubling */
	uint64_t sweep_min, sweep_max;
	uint64_t mem_limit;    /* host bytes a case may take; larger ones are skipped */
	const char *only;      /* run only this case (and what it is compared with) */
	int argc;              /* the command line, for the run's metadata */
	char **argv;
};

/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t bench_now_ns(void);
/* Bytes of one leaf at @level (4-level x86-64 layout). */
static inline uint64_t bench_page_size(pt_level_t level)
{
	return 1ull << (12 + 9 * (level - 1));
}

#endif
