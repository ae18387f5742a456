/* SPDX-License-Identifier: MIT */
/*
 * Cursors across threads: disjoint sub-trees proceed in parallel, overlapping
 * ranges serialize; and the stray-node retry of cursor creation, driven by
 * the core's test hook.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "core_util.h"
#include "../src/core/node.h"

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };
	nanosleep(&ts, NULL);
}

/* Wait up to @ms for @flag; true if it was set. */
static bool wait_flag(atomic_int *flag, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		if (atomic_load(flag))
			return true;
		sleep_ms(1);
	}
	return atomic_load(flag) != 0;
}

struct worker {
	struct pt_table *t;
	pt_vaddr_t va;
	atomic_int done;
	enum pt_err err;
	bool saw_mapped;        /* what the worker's query found at va */
	pt_paddr_t saw_pa;
};

/* Map one page at w->va + 4K after querying w->va, all through one cursor. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pt_cursor_mut m;
	struct pt_query q;
	w->err = pt_cursor_mut_new(&m, w->t, w->va, 0x2000);
	if (w->err == PT_OK) {
		w->err = pt_cursor_query(&m.c, &q);
		w->saw_mapped = q.mapped;
		w->saw_pa = q.item.pa;
		struct pt_item it = { w->va + 0x1000, 1, RW, false };
		if (w->err == PT_OK)
			w->err = pt_cursor_jump(&m.c, w->va + 0x1000);
		if (w->err == PT_OK)
			w->err = pt_cursor_map(&m, &it);
		pt_cursor_mut_drop(&m);
	}
	atomic_store(&w->done, 1);
	return NULL;
}

static void disjoint_runs_overlapping_blocks(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut a;
	pthread_t tb, tc;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	struct worker b = { .t = &e, .va = 1 * GiB + 4 * MiB };
	struct worker c = { .t = &e, .va = 512 * MiB };
	atomic_init(&b.done, 0);
	atomic_init(&c.done, 0);
	/* Once tables exist below the slots: a cursor in a fresh region locks the lowest node there is. */
	assert_int_equal(th_map_range(&e, 256 * MiB, 0x5000, 0x1000, RW), PT_OK);
	assert_int_equal(th_map_range(&e, 1 * GiB + 256 * MiB, 0x6000, 0x1000, RW), PT_OK);

	assert_int_equal(pt_cursor_mut_new(&a, &e, 0, 1 * GiB), PT_OK);
	assert_int_equal(pthread_create(&tb, NULL, worker_main, &b), 0);
	assert_true(wait_flag(&b.done, 5000));     /* B finished while A holds [0, 1G) */
	assert_int_equal(pthread_join(tb, NULL), 0);
	assert_int_equal(b.err, PT_OK);

	assert_int_equal(pthread_create(&tc, NULL, worker_main, &c), 0);
	sleep_ms(50);
	assert_false(atomic_load(&c.done));         /* C waits for A */
	struct pt_item it = { 0x77000, 1, RW, false };
	assert_int_equal(pt_cursor_jump(&a.c, 512 * MiB), PT_OK);
	assert_int_equal(pt_cursor_map(&a, &it), PT_OK);
	sleep_ms(10);
	assert_false(atomic_load(&c.done));
	pt_cursor_mut_drop(&a);
	assert_true(wait_flag(&c.done, 5000));
	assert_int_equal(pthread_join(tc, NULL), 0);
	assert_int_equal(c.err, PT_OK);
	/* C ran after A entirely: it saw A's mapping. */
	assert_true(c.saw_mapped);
	assert_int_equal(c.saw_pa, 0x77000);
	th_assert_maps(&e, b.va + 0x1000, b.va + 0x1000, 1, PT_RW);
	th_assert_maps(&e, c.va + 0x1000, c.va + 0x1000, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

#define NR_THREADS 4
#define ROUNDS 200

struct churn {
	struct pt_table *t;
	pt_vaddr_t base;
	atomic_int failures;
};

/* Map, check and unmap 2M-aligned windows of a private 1G region, many times. */
static void *churn_main(void *arg)
{
	struct churn *w = arg;
	for (unsigned r = 0; r < ROUNDS; r++) {
		pt_vaddr_t va = w->base + (r % 8) * 2 * MiB + (r % 3) * 0x1000;
		pt_paddr_t pa;
		if (th_map_range(w->t, va, va, 0x3000, RW) != PT_OK ||
		    pt_table_translate(w->t, va + 0x2000, &pa, NULL) != PT_OK || pa != va + 0x2000)
			atomic_fetch_add(&w->failures, 1);
		struct pt_cursor_mut m;
		struct pt_frag f;
		if (pt_cursor_mut_new(&m, w->t, va, 0x3000) != PT_OK) {
			atomic_fetch_add(&w->failures, 1);
			continue;
		}
		for (unsigned i = 0; i < 3; i++) {
			if (pt_cursor_take_next(&m, 0x3000 - i * 0x1000, &f) != PT_OK ||
			    f.kind != PT_FRAG_MAPPED)
				atomic_fetch_add(&w->failures, 1);
		}
		pt_cursor_mut_drop(&m);
	}
	return NULL;
}

static void disjoint_threads_make_progress(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	pthread_t tid[NR_THREADS];
	struct churn w[NR_THREADS];
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	for (unsigned i = 0; i < NR_THREADS; i++) {
		w[i].t = &e;
		w[i].base = (i + 1) * GiB;
		atomic_init(&w[i].failures, 0);
		assert_int_equal(pthread_create(&tid[i], NULL, churn_main, &w[i]), 0);
	}
	for (unsigned i = 0; i < NR_THREADS; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(atomic_load(&w[i].failures), 0);
	}
	assert_int_equal(cu_count_leaves(&e, 0, 8 * GiB, 0), 0);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

struct detach_ctx {
	unsigned calls;
	enum pt_err err;
	struct pt_frag frag;
};

/* Runs once, before the first cursor locks its covering node: detach that node. */
static void detach_hook(struct pt_table *t, void *arg)
{
	struct detach_ctx *d = arg;
	struct pt_cursor_mut m;
	t->env->hooks->before_guard_lock = NULL;
	d->calls++;
	d->err = pt_cursor_mut_new(&m, t, 0, 8 * MiB);
	if (d->err != PT_OK)
		return;
	d->err = pt_cursor_take_next(&m, 8 * MiB, &d->frag);
	struct pt_frag copy = d->frag;
	pt_frag_release(t->env, &copy);
	pt_cursor_mut_drop(&m);
}

static void stray_node_retry(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct detach_ctx d = { 0, PT_ERR_INVAL, { 0 } };
	struct pt_hooks hooks = { .arg = &d };
	th_init(&h, 64 * MiB);
	h.env.hooks = &hooks;
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB, 0x5000, 0x1000, RW), PT_OK);
	hooks.before_guard_lock = detach_hook;
	enum pt_err err = pt_cursor_mut_new(&m, &e, 4 * MiB, 0x2000);
	hooks.before_guard_lock = NULL;
	assert_int_equal(err, PT_OK);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err, PT_OK);
	assert_int_equal(d.frag.kind, PT_FRAG_TABLE);     /* the level-1 table at 4M went */
	assert_int_equal(d.frag.va, 4 * MiB);
	assert_int_equal(d.frag.nr_frames, 1);
	assert_int_equal(atomic_load(&hooks.stray_retries), 1);
	/* The cursor works on the live tree, not on the detached table. */
	struct pt_query q;
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_false(q.mapped);
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB + 0x1000), PT_OK);
	struct pt_item it = { 0x9000, 1, RW, false };
	assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	pt_cursor_mut_drop(&m);
	th_assert_maps(&e, 4 * MiB + 0x1000, 0x9000, 1, PT_RW);
	th_assert_unmapped(&e, 4 * MiB);
	assert_int_equal(cu_count_leaves(&e, 0, 1 * GiB, 0), 1);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disjoint_runs_overlapping_blocks),
		cmocka_unit_test(disjoint_threads_make_progress),
		cmocka_unit_test(stray_node_retry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
