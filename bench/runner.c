/* SPDX-License-Identifier: MIT */
#include "runner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cg.h"
#include "fixture.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct worker {
	struct job *job;
	job_fn run;
	pthread_barrier_t *start, *end;
};

/* A thread of a multi-threaded case: wait for the start, run, report the end. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pthread_barrier_wait(w->start);
	w->run(w->job);
	pthread_barrier_wait(w->end);
	return NULL;
}

/* Run every job at once, on threads of their own, between two barriers. */
static uint64_t timed_threads(struct fixture *fx, bool measured)
{
	pthread_barrier_t start, end;
	pthread_t th[BENCH_MAX_THREADS];
	struct worker w[BENCH_MAX_THREADS];
	pthread_barrier_init(&start, NULL, fx->nr_jobs + 1);
	pthread_barrier_init(&end, NULL, fx->nr_jobs + 1);
	for (unsigned t = 0; t < fx->nr_jobs; t++) {
		w[t] = (struct worker){ &fx->jobs[t], fx->cd->run, &start, &end };
		if (pthread_create(&th[t], NULL, worker_main, &w[t]))
			abort();
	}
	if (measured)
		cg_zero();
	uint64_t t0 = bench_now_ns();
	pthread_barrier_wait(&start);
	pthread_barrier_wait(&end);
	if (fx->cd->drain)
		fx_drain(fx);
	uint64_t t1 = bench_now_ns();
	for (unsigned t = 0; t < fx->nr_jobs; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&start);
	pthread_barrier_destroy(&end);
	return t1 - t0;
}

/* The timed region of one repeat; dumps callgrind counts if @measured. */
static uint64_t timed(struct fixture *fx, bool measured, uint64_t pages)
{
	char label[160];
	uint64_t ns;
	cg_label(label, sizeof(label), fx->cd->name, pages);
	if (fx->nr_jobs > 1) {
		ns = timed_threads(fx, measured);
	} else {
		if (measured)
			cg_zero();
		uint64_t t0 = bench_now_ns();
		fx->cd->run(&fx->jobs[0]);
		if (fx->cd->drain)
			fx_drain(fx);
		ns = bench_now_ns() - t0;
	}
	if (measured)
		cg_dump(label);
	return ns;
}

/* Every job's error or failed check, the first one found. */
static const char *check_jobs(struct fixture *fx)
{
	for (unsigned t = 0; t < fx->nr_jobs; t++) {
		const char *why = fx->cd->check(&fx->jobs[t]);
		if (why)
			return why;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median, minimum and maximum of @n timings, and pages per second. */
static void summarize(struct result *r, uint64_t *ns, unsigned n)
{
	if (n == 0)
		return;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	r->min_ns = ns[0];
	r->max_ns = ns[n - 1];
	r->median_ns = n % 2 ? ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2;
	r->pps = r->median_ns ? (double)r->pages * 1e9 / (double)r->median_ns : 0;
}

/* Warm-up and repeats of an opened fixture; timings into @ns; how many were measured. */
static unsigned repeat(struct fixture *fx, const struct bench_opts *o, struct result *r,
		       uint64_t *ns)
{
	unsigned total = o->warmup + o->repeats, done = 0;
	for (unsigned i = 0; i < total && !r->fail; i++) {
		r->fail = fx_begin(fx);
		if (r->fail) {
			fx_end(fx);
			break;
		}
		uint64_t t = timed(fx, i >= o->warmup, r->pages);
		fx_sample_tables(fx);
		r->fail = check_jobs(fx);
		const char *why = fx_end(fx);
		if (!r->fail)
			r->fail = why;
		if (i >= o->warmup)
			ns[done++] = t;
	}
	return done;
}

void run_case(const struct case_def *cd, const struct bench_opts *o, struct result *r)
{
	struct fixture fx;
	memset(r, 0, sizeof(*r));
	r->cd = cd;
	uint64_t *ns = calloc(o->repeats + 1, sizeof(*ns));
	if (!ns || !fx_open(&fx, cd, o)) {
		r->fail = "out of host memory";
		free(ns);
		return;
	}
	for (unsigned t = 0; t < fx.nr_jobs; t++)
		r->pages += fx.jobs[t].pages;
	unsigned n = repeat(&fx, o, r, ns);
	fx_close(&fx);
	r->table_frames = fx.table_frames;
	r->frames_left = fx.frames_left;
	summarize(r, ns, n);
	free(ns);
}
