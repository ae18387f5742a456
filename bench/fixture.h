/* SPDX-License-Identifier: MIT */
/*
 * The state one case runs in: a simulated RAM and a libpt table (or the
 * bound's own table), the jobs' ranges and data frames, and the checks that
 * every repeat leaves nothing behind.
 */
#ifndef PTBENCH_FIXTURE_H
#define PTBENCH_FIXTURE_H

#include "bench.h"

struct bound;

struct fixture {
	const struct case_def *cd;
	const struct bench_opts *opts;
	struct pt_sim_ram *ram;                 /* libpt cases */
	struct pt_env env;
	struct pt_table table;
	bool have_table;
	struct bound *bound;                /* bound cases */
	struct job jobs[BENCH_MAX_THREADS];
	unsigned nr_jobs;
	uint64_t table_frames;              /* peak table frames over the case */
	uint64_t frames_left;               /* frames in use after the last teardown */
};

/* Set up the case's memory (RAM or bound pool). False if out of host memory. */
bool fx_open(struct fixture *fx, const struct case_def *cd, const struct bench_opts *o);
/* Host bytes fx_open and fx_begin would take for @cd at @o->size (RAM, pools, frame lists). */
uint64_t fx_host_bytes(const struct case_def *cd, const struct bench_opts *o);
/* Free what fx_open made. */
void fx_close(struct fixture *fx);
/* Start a repeat: a fresh table, the jobs' ranges and frames, then each job's prepare. NULL or a reason. */
const char *fx_begin(struct fixture *fx);
/* End a repeat: destroy the table, drain, require every frame freed. NULL or a reason. */
const char *fx_end(struct fixture *fx);
/* Wait until every deferred free has run. */
void fx_drain(struct fixture *fx);
/* Record the table frames in use now into the case's peak. */
void fx_sample_tables(struct fixture *fx);
/* Translate @va in the case's table: false if unmapped; level, flags and tracked of the leaf. */
bool fx_translate(struct fixture *fx, pt_vaddr_t va, pt_paddr_t *pa, struct pt_item *leaf);
/* The address and the expected physical address of page @i of @j. */
pt_vaddr_t job_page_va(const struct job *j, uint64_t i);
/* Inline: the per-page cases call it in their timed loop. */
static inline pt_paddr_t job_page_pa(const struct job *j, uint64_t i)
{
	if (j->tracked)
		return j->frames[i];
	return j->pa + i * bench_page_size(j->level);
}
/* Remember the first error a job met. */
void job_note(struct job *j, enum pt_err err);

#endif
