/* SPDX-License-Identifier: MIT */
#include "runner.h"

#include <pthread.h>
#include <stdatomic.h>
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

uint64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Helper threads for multi-threaded cases, created once per case so that
 * thread start-up and RCU registration stay out of the timed region. Between
 * repeats a helper sleeps on a condition variable (so it takes no core from
 * the untimed setup); just before the timed region it is armed, reports
 * ready and spins on a generation counter, so no wake-up latency is timed;
 * then it runs its job and counts itself done. The calling thread runs job 0
 * itself, so a 2-thread case keeps exactly two threads busy on a 2-core
 * machine. Under valgrind, where threads run one at a time and a spin would
 * be counted as work, every wait blocks instead.
 */
struct pool {
	struct fixture *fx;
	unsigned nr;                    /* helpers: jobs 1 .. nr */
	pthread_t th[BENCH_MAX_THREADS];
	_Atomic unsigned arm, ready;    /* repeats armed; helpers spinning for them */
	_Atomic unsigned gen, done;     /* repeats started; jobs finished */
	_Atomic bool quit;
	uint64_t cpu_ns[BENCH_MAX_THREADS];   /* each job's CPU time in the last repeat */
	bool block;                     /* wait on cv, not by spinning */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

struct helper {
	struct pool *pool;
	unsigned job;
};

static struct helper helpers[BENCH_MAX_THREADS];

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static bool gen_moved(struct pool *p, unsigned seen)
{
	return atomic_load(&p->gen) != seen || atomic_load(&p->quit);
}

static bool arm_moved(struct pool *p, unsigned seen)
{
	return atomic_load(&p->arm) != seen || atomic_load(&p->quit);
}

static bool all_done(struct pool *p, unsigned target)
{
	return atomic_load(&p->done) >= target;
}

static bool all_ready(struct pool *p, unsigned target)
{
	return atomic_load(&p->ready) >= target;
}

/* Wait until @ready(@p, @arg) holds: by spinning if @spin and not under valgrind. */
static void pool_wait_how(struct pool *p, bool (*ready)(struct pool *, unsigned), unsigned arg,
			  bool spin)
{
	if (spin && !p->block) {
		while (!ready(p, arg))
			relax();
		return;
	}
	pthread_mutex_lock(&p->mu);
	while (!ready(p, arg))
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static void pool_wait(struct pool *p, bool (*ready)(struct pool *, unsigned), unsigned arg)
{
	pool_wait_how(p, ready, arg, true);
}

/* Wake the waiters after a change of arm or quit (they always block). */
static void pool_wake_all(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Wake the waiters after a change of ready, gen or done (they block only under valgrind). */
static void pool_wake(struct pool *p)
{
	if (!p->block)
		return;
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Run job @t of @fx (and drain for unmap cases); its CPU time into @cpu_ns. */
static void run_job(struct fixture *fx, unsigned t, uint64_t *cpu_ns)
{
	uint64_t c0 = bench_thread_cpu_ns();
	fx->cd->run(&fx->jobs[t]);
	/* Each thread reclaims what it detached (see reclaim.c). */
	if (fx->cd->drain)
		fx_drain(fx);
	*cpu_ns = bench_thread_cpu_ns() - c0;
}

/* A helper: wait for each new generation, run its job, report. */
static void *helper_main(void *arg)
{
	struct helper *h = arg;
	struct pool *p = h->pool;
	for (unsigned seen = 0;; seen++) {
		pool_wait_how(p, arm_moved, seen, false);
		if (!atomic_load(&p->quit)) {
			atomic_fetch_add(&p->ready, 1);
			pool_wake(p);
			pool_wait(p, gen_moved, seen);
		}
		if (atomic_load(&p->quit)) {
			fx_drain(p->fx);      /* nothing may stay on this thread's list */
			return NULL;
		}
		run_job(p->fx, h->job, &p->cpu_ns[h->job]);
		atomic_fetch_add(&p->done, 1);
		pool_wake(p);
	}
}

/* Start helpers for jobs 1 .. nr_jobs-1 of @fx. */
static void pool_start(struct pool *p, struct fixture *fx)
{
	memset(p, 0, sizeof(*p));
	p->fx = fx;
	p->nr = fx->nr_jobs - 1;
	p->block = cg_active();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (unsigned t = 0; t < p->nr; t++) {
		helpers[t] = (struct helper){ p, t + 1 };
		if (pthread_create(&p->th[t], NULL, helper_main, &helpers[t]))
			abort();
	}
}

static void pool_stop(struct pool *p)
{
	atomic_store(&p->quit, true);
	pool_wake_all(p);
	for (unsigned t = 0; t < p->nr; t++)
		pthread_join(p->th[t], NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}

/* Run every job at once: job 0 here, the others on the pool's helpers. */
static uint64_t timed_threads(struct pool *p, bool measured)
{
	struct fixture *fx = p->fx;
	unsigned target = (atomic_load(&p->gen) + 1) * p->nr;
	atomic_fetch_add(&p->arm, 1);
	pool_wake_all(p);
	pool_wait(p, all_ready, target);
	if (measured)
		cg_zero();
	uint64_t t0 = bench_now_ns();
	atomic_fetch_add(&p->gen, 1);
	pool_wake(p);
	run_job(fx, 0, &p->cpu_ns[0]);
	pool_wait(p, all_done, target);
	return bench_now_ns() - t0;
}

/* The timed region of one repeat into @s; dumps callgrind counts if @measured. */
static void timed(struct fixture *fx, struct pool *p, bool measured, uint64_t pages,
		  struct sample *s)
{
	char label[160];
	cg_label(label, sizeof(label), fx->cd->name, pages);
	if (fx->nr_jobs > 1) {
		s->wall_ns = timed_threads(p, measured);
	} else {
		if (measured)
			cg_zero();
		uint64_t t0 = bench_now_ns();
		run_job(fx, 0, &p->cpu_ns[0]);
		s->wall_ns = bench_now_ns() - t0;
	}
	if (measured)
		cg_dump(label);
	for (unsigned t = 0; t < fx->nr_jobs; t++)
		s->cpu_ns[t] = p->cpu_ns[t];
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

static uint64_t median(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Wall median, minimum and maximum, CPU medians, and pages per (CPU-)second. */
static void summarize(struct result *r)
{
	unsigned n = r->nr_samples, threads = r->cd->threads;
	uint64_t *v = n ? malloc(n * sizeof(*v)) : NULL;
	if (!v)
		return;
	for (unsigned i = 0; i < n; i++)
		v[i] = r->samples[i].wall_ns;
	r->median_ns = median(v, n);
	r->min_ns = v[0];
	r->max_ns = v[n - 1];
	for (unsigned t = 0; t < threads; t++) {
		for (unsigned i = 0; i < n; i++)
			v[i] = r->samples[i].cpu_ns[t];
		r->thread_cpu_ns[t] = median(v, n);
	}
	for (unsigned i = 0; i < n; i++) {
		v[i] = 0;
		for (unsigned t = 0; t < threads; t++)
			v[i] += r->samples[i].cpu_ns[t];
	}
	r->cpu_ns = median(v, n);
	free(v);
	r->pps = r->median_ns ? (double)r->pages * 1e9 / (double)r->median_ns : 0;
	r->cpu_pps = r->cpu_ns ? (double)r->pages * 1e9 / (double)r->cpu_ns : 0;
}

/* Warm-up and repeats of an opened fixture; the measured ones into r->samples. */
static void repeat(struct fixture *fx, const struct bench_opts *o, struct result *r)
{
	unsigned total = o->warmup + o->repeats;
	struct pool pool;
	pool_start(&pool, fx);
	for (unsigned i = 0; i < total && !r->fail; i++) {
		r->fail = fx_begin(fx);
		if (r->fail) {
			fx_end(fx);
			break;
		}
		struct sample s = { 0 };
		timed(fx, &pool, i >= o->warmup, r->pages, &s);
		fx_sample_tables(fx);
		r->fail = check_jobs(fx);
		const char *why = fx_end(fx);
		if (!r->fail)
			r->fail = why;
		if (i >= o->warmup)
			r->samples[r->nr_samples++] = s;
	}
	pool_stop(&pool);
}

void run_case(const struct case_def *cd, const struct bench_opts *o, struct result *r)
{
	struct fixture fx;
	memset(r, 0, sizeof(*r));
	r->cd = cd;
	r->size = o->size;
	r->samples = calloc(o->repeats + 1, sizeof(*r->samples));
	if (!r->samples || !fx_open(&fx, cd, o)) {
		r->fail = "out of host memory";
		return;
	}
	for (unsigned t = 0; t < fx.nr_jobs; t++)
		r->pages += fx.jobs[t].pages;
	repeat(&fx, o, r);
	fx_close(&fx);
	r->table_frames = fx.table_frames;
	r->frames_left = fx.frames_left;
	summarize(r);
}

void result_free(struct result *r)
{
	free(r->samples);
	memset(r, 0, sizeof(*r));
}
