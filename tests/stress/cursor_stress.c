/* SPDX-License-Identifier: MIT */
/*
 * Contended cursors: N threads map and unmap pages of ONE level-1 table,
 * each on its own pages, so every cursor locks the same node. The total work
 * is fixed (--ops), split evenly, so the wall time of 2 and 8 threads on the
 * same CPUs can be compared: with a waiter that never yields, an
 * oversubscribed host burns time slices while the holder is descheduled.
 *
 *   pt-stress [--threads N] [--ops TOTAL] [--bare]
 *     --bare  no relax hook (spin without pause or yield)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pt/pt.h>

#include <pt/sim/env.h>

struct worker {
	struct pt_table *t;
	unsigned id, stride;
	unsigned long ops, failures;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	const struct pt_prop rw = { PT_RW, PT_CACHE_WB };
	for (unsigned long i = 0; i < w->ops; i++) {
		pt_vaddr_t va = 2 * 1024 * 1024 + (pt_vaddr_t)((w->id + (i % 8) * w->stride) % 512) * 4096;
		struct pt_cursor_mut m;
		struct pt_frag f;
		struct pt_item it = { va, 1, rw, false };
		if (pt_cursor_mut_new(&m, w->t, va, 4096) != PT_OK) {
			w->failures++;
			continue;
		}
		if (pt_cursor_map(&m, &it) != PT_OK)
			w->failures++;
		if (pt_cursor_jump(&m.c, va) != PT_OK || pt_cursor_take_next(&m, 4096, &f) != PT_OK ||
		    f.kind != PT_FRAG_MAPPED)
			w->failures++;
		pt_cursor_mut_drop(&m);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	unsigned threads = 2;
	unsigned long total = 2000000;
	int bare = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			total = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--bare"))
			bare = 1;
		else {
			fprintf(stderr, "usage: pt-stress [--threads N] [--ops TOTAL] [--bare]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 64)
		return 2;
	struct pt_sim_ram *ram = pt_sim_ram_create(64ull << 20);
	struct pt_env env = pt_sim_env(&pt_format_x86_64_4level, ram);
	if (bare)
		env.relax = NULL;
	struct pt_table t;
	if (!ram || pt_table_create_empty(&t, &env) != PT_OK)
		return 1;
	pthread_t tid[64];
	struct worker w[64];
	double t0 = now(), c0 = cpu_now();
	for (unsigned i = 0; i < threads; i++) {
		w[i] = (struct worker){ &t, i, threads, total / threads, 0 };
		pthread_create(&tid[i], NULL, run, &w[i]);
	}
	unsigned long failures = 0, done = 0;
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		failures += w[i].failures;
		done += w[i].ops;
	}
	double wall = now() - t0, cpu = cpu_now() - c0;
	printf("threads=%u ops=%lu relax=%s wall=%.3fs cpu=%.3fs failures=%lu\n", threads, done,
	       bare ? "none" : "pause+yield", wall, cpu, failures);
	if (pt_table_destroy(&t) != PT_OK)
		failures++;
	env.reclaim.ops->drain(env.reclaim.ctx);
	pt_sim_ram_destroy(ram);
	return failures != 0;
}
