/* SPDX-License-Identifier: MIT */
#include "world.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <pt/sim/arm_mmu.h>
#include <pt/sim/env.h>
#include "format_scrambled.h"

const struct pt_format *fz_format(uint8_t b)
{
	static bool scrambled_ready;
	if (!scrambled_ready) {
		pt_format_scrambled_init();
		scrambled_ready = true;
	}
	switch (b % 6) {
	case 0:
		return &pt_format_x86_64_4level;
	case 1:
		return &pt_format_x86_64_5level;
	case 2:
		return &pt_format_scrambled;
	case 3:
		return &pt_format_riscv_sv39;
	case 4:
		return &pt_format_riscv_sv48;
	default:
		return &pt_format_aarch64_4k48;
	}
}

struct mtree *fz_model(struct fz_world *w, int h)
{
	return &w->trees[w->h[h].tree].m;
}

static void add_kernel(struct fz_world *w)
{
	const struct pt_format *f = w->f;
	struct fz_tree *tr = &w->trees[0];
	if (pt_table_create_kernel(&w->h[0].t, &w->env) != PT_OK)
		fz_fail("creating the kernel table failed");
	mt_init(&tr->m, f, PT_TABLE_KERNEL);
	for (unsigned i = w->h[0].t.top_lo; i < w->h[0].t.top_hi; i++)
		mt_set(&tr->m, f->levels, tr->m.va_lo + (i - w->h[0].t.top_lo) * m_size(f, f->levels),
		       PT_PTE_TABLE, 0, pt_prop_make(0, PT_CACHE_WB), false);
	tr->live = true;
	tr->handles = 1;
	w->h[0].tree = 0;
	w->kernel = 0;
}

/* The detector's roots: every live handle's (a table may have been destroyed since the last scan). */
static void watch_live_roots(struct pt_sim_arm *m, void *ctx)
{
	struct fz_world *w = ctx;
	m->nr_roots = 0;
	for (int g = 0; g < FZ_HANDLES; g++)
		if (w->h[g].tree >= 0)
			pt_sim_arm_watch_root(m, pt_table_root_paddr(&w->h[g].t),
					   w->h[g].t.kind == PT_TABLE_KERNEL, 0);
}

/*
 * The cursors never flush (no CPU loads a table here), so the detector only
 * demands that no live entry change in place: a split or rewrite must break
 * it, and the completed invalidation the core asks for lets it see the break.
 */
static void add_arm(struct fz_world *w)
{
	w->arm = calloc(1, sizeof(*w->arm));
	w->cpus = calloc(1, sizeof(*w->cpus));
	if (!w->arm || !w->cpus || !pt_sim_arm_init(w->arm, w->ram, 1))
		abort();
	w->arm->bbm_ignore_stale = true;
	w->arm->roots_fn = watch_live_roots;
	w->arm->roots_ctx = w;
	pt_cpus_init(w->cpus);
	w->env.tlb = pt_sim_arm_tlb(w->arm, w->cpus);
}

static void bbm_check(struct fz_world *w)
{
	if (!w->arm || !pt_sim_arm_bbm_check(w->arm))
		return;
	const struct pt_sim_arm_violation *v = &w->arm->first;
	fz_fail("break-before-make: entry %#" PRIx64 " for 0x%" PRIx64 " went %#" PRIx64 " -> %#" PRIx64
		" while live", v->desc_pa, v->va, v->old_desc, v->new_desc);
}

void fz_world_init(struct fz_world *w, const struct pt_format *f)
{
	memset(w, 0, sizeof(*w));
	fz_verbose = getenv("PT_FUZZ_VERBOSE") != NULL;
	w->f = f;
	w->ram = pt_sim_ram_create(256ull << 20);
	if (!w->ram)
		abort();
	w->env = pt_sim_env(f, w->ram);
	w->env.reclaim = pt_sim_reclaim_sync(&w->reclaim);
	for (int i = 0; i < FZ_HANDLES; i++)
		w->h[i].tree = -1;
	w->cur_h = -1;
	if (f->bbm)
		add_arm(w);
	add_kernel(w);
	if (pt_table_create_user(&w->h[1].t, &w->h[0].t) != PT_OK)
		fz_fail("creating a user table failed");
	mt_init(&w->trees[1].m, f, PT_TABLE_USER);
	w->trees[1].live = true;
	w->trees[1].handles = 1;
	w->h[1].tree = 1;
}

void fz_touch(struct fz_world *w, pt_vaddr_t va)
{
	va &= ~(PT_PAGE_SIZE - 1);
	if (!pt_fmt_canonical(w->f, va))
		return;
	for (unsigned i = 0; i < w->nr_touched && i < FZ_TOUCHED; i++)
		if (w->touched[i] == va)
			return;
	w->touched[w->nr_touched++ % FZ_TOUCHED] = va;
}

static void check_shared_half(struct fz_world *w, int h)
{
	const struct pt_table *u = &w->h[h].t, *k = &w->h[w->kernel].t;
	const pt_pte_t *up = pt_sim_ram_frame_ptr(w->ram, pt_table_root_paddr(u));
	const pt_pte_t *kp = pt_sim_ram_frame_ptr(w->ram, pt_table_root_paddr(k));
	if (w->f->split_root) {
		/* Its own root: the kernel's is beside it, not in it. */
		if (up == kp)
			fz_fail("user table %d: shares the kernel table's root", h);
		return;
	}
	for (unsigned i = k->top_lo; i < k->top_hi; i++)
		if (up[i] != kp[i])
			fz_fail("user table %d: shared root entry %u differs from the kernel's", h, i);
}

static void check_handle(struct fz_world *w, int g)
{
	struct pt_table *t = &w->h[g].t;
	bool user = t->kind == PT_TABLE_USER;
	unsigned nr = w->nr_touched < FZ_TOUCHED ? w->nr_touched : FZ_TOUCHED;
	if (user)
		check_shared_half(w, g);
	for (unsigned i = 0; i < nr; i++) {
		pt_vaddr_t va = w->touched[i];
		struct mtree *m = fz_model(w, g);
		if (user && va - w->trees[w->h[w->kernel].tree].m.va_lo < m->va_size)
			m = fz_model(w, w->kernel);
		oc_translate(t, m, va);
		if (m->f == &pt_format_riscv_sv39 || m->f == &pt_format_riscv_sv48)
			oc_hart_walk(t, w->ram, m, va);
		if (m->f == &pt_format_aarch64_4k48)
			oc_arm_walk(t, w->ram, m, va);
	}
}

void fz_check(struct fz_world *w, int h, pt_vaddr_t lo, pt_vaddr_t hi)
{
	if (h >= 0 && w->h[h].tree >= 0)
		oc_walk(&w->h[h].t, w->ram, fz_model(w, h), lo, hi);
	for (int g = 0; g < FZ_HANDLES; g++)
		if (w->h[g].tree >= 0)
			check_handle(w, g);
	bbm_check(w);
}

static int cmp_pa(const void *a, const void *b)
{
	pt_paddr_t x = *(const pt_paddr_t *)a, y = *(const pt_paddr_t *)b;
	return x < y ? -1 : x > y;
}

/* Frames the models account for: table frames plus distinct tracked data frames. */
static uint64_t model_frames(struct fz_world *w)
{
	uint64_t frames = 0, nr = 0, cap = 0;
	pt_paddr_t *pas = NULL;
	for (int i = 0; i < FZ_HANDLES; i++) {
		const struct mtree *m = &w->trees[i].m;
		if (!w->trees[i].live)
			continue;
		frames += 1 + mt_tables(m);
		for (size_t k = 0; k < m->n; k++) {
			if (m->s[k].kind != PT_PTE_LEAF || !m->s[k].tracked)
				continue;
			if (nr == cap && !(pas = realloc(pas, (cap = cap * 2 + 64) * sizeof(*pas))))
				abort();
			pas[nr++] = m->s[k].pa;
		}
	}
	if (nr)
		qsort(pas, nr, sizeof(*pas), cmp_pa);
	for (uint64_t i = 0, run = 1; i < nr; i++, run++) {
		if (i + 1 < nr && pas[i + 1] == pas[i])
			continue;
		if (pt_sim_ram_refcount(w->ram, pas[i]) != run)
			fz_fail("data frame %#" PRIx64 ": %u references, model %" PRIu64, pas[i],
				pt_sim_ram_refcount(w->ram, pas[i]), run);
		frames++;
		run = 0;
	}
	free(pas);
	return frames;
}

void fz_drain_check(struct fz_world *w)
{
	if (w->cur_h >= 0)
		return;
	w->env.reclaim.ops->drain(w->env.reclaim.ctx);
	uint64_t want = model_frames(w), got = pt_sim_ram_stats(w->ram).frames_in_use;
	if (got != want)
		fz_fail("after draining: %" PRIu64 " frames in use, model %" PRIu64, got, want);
}

void fz_world_fini(struct fz_world *w, struct fz_in *order)
{
	if (w->cur_h >= 0)
		fz_op_drop(w);
	for (int g = 0; g < FZ_HANDLES; g++)
		if (w->h[g].tree >= 0)
			oc_walk(&w->h[g].t, w->ram, fz_model(w, g), 0, UINT64_MAX);
	fz_drain_check(w);
	/* The input orders the teardown; whatever it leaves goes users first. */
	for (unsigned i = 0; i < FZ_HANDLES && in_more(order); i++)
		fz_op_destroy(w, order);
	for (int pass = 0; pass < 2; pass++) {
		for (int g = 0; g < FZ_HANDLES; g++) {
			if (w->h[g].tree < 0 || (!pass && g == w->kernel))
				continue;
			if (pt_table_destroy(&w->h[g].t) != PT_OK)
				fz_fail("teardown: destroying handle %d failed", g);
			w->h[g].tree = -1;
		}
	}
	w->env.reclaim.ops->drain(w->env.reclaim.ctx);
	if (pt_sim_ram_stats(w->ram).frames_in_use)
		fz_fail("after teardown: %" PRIu64 " frames still in use",
			pt_sim_ram_stats(w->ram).frames_in_use);
	for (int i = 0; i < FZ_HANDLES; i++)
		mt_fini(&w->trees[i].m);
	if (w->arm)
		pt_sim_arm_destroy(w->arm);
	free(w->arm);
	free(w->cpus);
	pt_sim_ram_destroy(w->ram);
}
