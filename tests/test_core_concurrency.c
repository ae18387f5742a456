/* SPDX-License-Identifier: MIT */
/*
 * Cursors across threads: disjoint sub-trees proceed in parallel, overlapping
 * ranges serialize; the stray-node retry of cursor creation, driven by
 * the core's test hook; and the leaf-table hint cursor creation tries first.
 */
#include <pthread.h>
#include <sched.h>
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
	/* The hook runs in the descent, which a hinted leaf table would skip. */
	atomic_store(&e.root->hint, NULL);
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

/* Open a cursor over one page at @va, map @pa there, drop it. */
static void map_page(struct pt_table *t, pt_vaddr_t va, pt_paddr_t pa)
{
	struct pt_cursor_mut m;
	struct pt_item it = { pa, 1, RW, false };
	assert_int_equal(pt_cursor_mut_new(&m, t, va, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	pt_cursor_mut_drop(&m);
}

static struct pt_node *hint_of(struct pt_table *t)
{
	return atomic_load(&t->root->hint);
}

/* The hint is the leaf table last held as a guard; a cursor elsewhere never takes it. */
static void hint_names_last_leaf_table(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_null(hint_of(&e));
	map_page(&e, 4 * MiB, 0x5000);
	struct pt_node *x = hint_of(&e);
	assert_non_null(x);
	assert_int_equal(x->level, 1);
	assert_int_equal(x->base, 4 * MiB);
	map_page(&e, 4 * MiB + 0x1000, 0x6000);    /* through the hint */
	assert_ptr_equal(hint_of(&e), x);
	/* A leaf table elsewhere: the hint (unlocked, wrong base) is passed over. */
	map_page(&e, 8 * MiB + 0x3000, 0x7000);
	struct pt_node *y = hint_of(&e);
	assert_ptr_not_equal(y, x);
	assert_int_equal(y->base, 8 * MiB);
	map_page(&e, 4 * MiB + 0x2000, 0x8000);
	assert_ptr_equal(hint_of(&e), x);
	assert_int_equal(cu_count_leaves(&e, 4 * MiB, 2 * MiB, 0), 3);
	assert_int_equal(cu_count_leaves(&e, 8 * MiB, 2 * MiB, 0), 1);
	th_assert_maps(&e, 4 * MiB + 0x2000, 0x8000, 1, PT_RW);
	th_assert_maps(&e, 8 * MiB + 0x3000, 0x7000, 1, PT_RW);
	/* A range not inside one leaf table neither uses nor sets it. */
	assert_int_equal(th_map_range(&e, 6 * MiB - 0x1000, 0x9000, 0x2000, RW), PT_OK);
	assert_ptr_equal(hint_of(&e), x);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* The hinted table is held by this thread's own cursor: creation must not wait for it. */
static void hint_held_by_own_cursor(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut a, b;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	map_page(&e, 8 * MiB, 0x5000);
	map_page(&e, 4 * MiB, 0x6000);
	struct pt_node *x = hint_of(&e);
	assert_int_equal(pt_cursor_mut_new(&a, &e, 4 * MiB + 0x1000, 0x1000), PT_OK);
	assert_ptr_equal(a.c.path[a.c.guard_level], x);
	assert_int_equal(pt_cursor_mut_new(&b, &e, 8 * MiB + 0x1000, 0x1000), PT_OK);
	assert_ptr_not_equal(b.c.path[b.c.guard_level], x);
	struct pt_item it = { 0x7000, 1, RW, false };
	assert_int_equal(pt_cursor_map(&b, &it), PT_OK);
	pt_cursor_mut_drop(&b);
	pt_cursor_mut_drop(&a);
	th_assert_maps(&e, 8 * MiB + 0x1000, 0x7000, 1, PT_RW);
	assert_int_equal(cu_count_leaves(&e, 4 * MiB, 2 * MiB, 0), 1);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* Detaching the hinted table clears the hint before the table can be freed. */
static void hint_cleared_on_detach(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_frag f;
	struct pt_hooks hooks = { 0 };
	th_init(&h, 64 * MiB);
	h.env.hooks = &hooks;
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	map_page(&e, 4 * MiB, 0x5000);
	struct pt_node *x = hint_of(&e);
	assert_non_null(x);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 4 * MiB, 2 * MiB), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 2 * MiB, &f), PT_OK);
	assert_int_equal(f.kind, PT_FRAG_TABLE);
	assert_ptr_equal(f.table, x);
	assert_null(hint_of(&e));
	pt_frag_release(&h.env, &f);
	pt_cursor_mut_drop(&m);
	assert_null(hint_of(&e));
	map_page(&e, 4 * MiB + 0x1000, 0x6000);
	assert_int_equal(atomic_load(&hooks.stray_retries), 0);
	assert_non_null(hint_of(&e));
	th_assert_unmapped(&e, 4 * MiB);
	th_assert_maps(&e, 4 * MiB + 0x1000, 0x6000, 1, PT_RW);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* A hint read just before a detach cleared it: the stray table is passed over. */
static void hint_stray_not_used(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor_mut m;
	struct pt_frag f;
	struct pt_hooks hooks = { 0 };
	th_init(&h, 64 * MiB);
	h.env.hooks = &hooks;
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	map_page(&e, 4 * MiB, 0x5000);
	struct pt_node *x = hint_of(&e);
	assert_int_equal(pt_cursor_mut_new(&m, &e, 4 * MiB, 2 * MiB), PT_OK);
	assert_int_equal(pt_cursor_take_next(&m, 2 * MiB, &f), PT_OK);
	assert_ptr_equal(f.table, x);
	pt_cursor_mut_drop(&m);
	assert_true(x->stray);
	/* What a racing reader may still see (its section keeps x's memory alive). */
	atomic_store(&e.root->hint, x);
	map_page(&e, 4 * MiB + 0x1000, 0x6000);
	assert_int_equal(atomic_load(&hooks.stray_retries), 1);
	assert_ptr_not_equal(hint_of(&e), x);
	assert_false(hint_of(&e)->stray);
	pt_frag_release(&h.env, &f);
	th_assert_unmapped(&e, 4 * MiB);
	th_assert_maps(&e, 4 * MiB + 0x1000, 0x6000, 1, PT_RW);
	assert_int_equal(cu_count_leaves(&e, 4 * MiB, 2 * MiB, 0), 1);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

#define HINT_ROUNDS 2000

struct hint_race {
	struct pt_table *t;
	struct th *h;
	atomic_int stop;
	atomic_int failures;
	unsigned long detached;
};

/* Per-page cursors in [4M, 6M): map a page, take it out again. */
static void *hint_pager(void *arg)
{
	struct hint_race *r = arg;
	for (unsigned i = 0; i < HINT_ROUNDS; i++) {
		pt_vaddr_t va = 4 * MiB + (i % 512) * 0x1000;
		struct pt_cursor_mut m;
		struct pt_item it = { 0x100000 + (i % 512) * 0x1000, 1, RW, false };
		struct pt_frag f;
		if (pt_cursor_mut_new(&m, r->t, va, 0x1000) != PT_OK) {
			atomic_fetch_add(&r->failures, 1);
			continue;
		}
		if (pt_cursor_map(&m, &it) != PT_OK ||
		    pt_cursor_jump(&m.c, va) != PT_OK ||
		    pt_cursor_take_next(&m, 0x1000, &f) != PT_OK || f.kind != PT_FRAG_MAPPED ||
		    f.item.pa != it.pa)
			atomic_fetch_add(&r->failures, 1);
		pt_cursor_mut_drop(&m);
	}
	atomic_store(&r->stop, 1);
	return NULL;
}

/* A cursor over the whole slot detaches whatever leaf table is there, again and again. */
static void *hint_detacher(void *arg)
{
	struct hint_race *r = arg;
	while (!atomic_load(&r->stop)) {
		struct pt_cursor_mut m;
		struct pt_frag f;
		if (pt_cursor_mut_new(&m, r->t, 4 * MiB, 2 * MiB) != PT_OK) {
			atomic_fetch_add(&r->failures, 1);
			continue;
		}
		for (;;) {
			uint64_t rest = 6 * MiB - pt_cursor_virt_addr(&m.c);
			if (!rest || pt_cursor_take_next(&m, rest, &f) != PT_OK || f.kind == PT_FRAG_NONE)
				break;
			r->detached += f.kind == PT_FRAG_TABLE;
			pt_frag_release(r->t->env, &f);
		}
		pt_cursor_mut_drop(&m);
		/* Let the pager in: under Valgrind one thread runs at a time, and the
		 * test env's lock waits spin bare. */
		sched_yield();
	}
	return NULL;
}

/* Hinted creation racing the detach of the hinted table (run it under TSan too). */
static void hint_races_detach(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	pthread_t a, b;
	struct pt_hooks hooks = { 0 };
	th_init(&h, 64 * MiB);
	h.env.hooks = &hooks;
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	struct hint_race r = { .t = &e, .h = &h };
	atomic_init(&r.stop, 0);
	atomic_init(&r.failures, 0);
	assert_int_equal(pthread_create(&b, NULL, hint_detacher, &r), 0);
	assert_int_equal(pthread_create(&a, NULL, hint_pager, &r), 0);
	assert_int_equal(pthread_join(a, NULL), 0);
	assert_int_equal(pthread_join(b, NULL), 0);
	print_message("detached %lu tables, stray retries %lu\n", r.detached,
		      (unsigned long)atomic_load(&hooks.stray_retries));
	assert_int_equal(atomic_load(&r.failures), 0);
	assert_int_equal(cu_count_leaves(&e, 0, 1 * GiB, 0), 0);
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
		cmocka_unit_test(hint_names_last_leaf_table),
		cmocka_unit_test(hint_held_by_own_cursor),
		cmocka_unit_test(hint_cleared_on_detach),
		cmocka_unit_test(hint_stray_not_used),
		cmocka_unit_test(hint_races_detach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
