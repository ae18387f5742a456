/* SPDX-License-Identifier: MIT */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "bound.h"
#include "reclaim.h"

struct bound *job_bound(const struct job *j)
{
	return j->fx->bound;
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* Lay out job @tid's range: disjoint, each starting on a 1 GiB boundary. */
static void job_layout(struct fixture *fx, struct job *j, unsigned tid)
{
	const struct case_def *cd = fx->cd;
	uint64_t len = cd->level == 3 ? round_up(fx->opts->size, GiB) : fx->opts->size;
	uint64_t cursor_len = cd->big_cursor && len < 2 * GiB ? 2 * GiB : len;
	uint64_t stride = round_up(cursor_len, GiB);
	uint64_t pa_off = cd->pa_mode == PA_OFF_4K ? 4 * KiB : cd->pa_mode == PA_OFF_2M ? 2 * MiB : 0;

	memset(j, 0, sizeof(*j));
	j->fx = fx;
	j->tid = tid;
	j->va = BENCH_VA_BASE + tid * stride;
	j->len = len;
	j->cursor_len = cursor_len;
	j->pa = BENCH_PA_BASE + tid * stride + pa_off;
	j->level = cd->level;
	j->tracked = cd->tracked;
	j->pages = len / bench_page_size(cd->level);
}

uint64_t fx_host_bytes(const struct case_def *cd, const struct bench_opts *o)
{
	uint64_t len = cd->level == 3 ? round_up(o->size, GiB) : o->size;
	uint64_t tables = cd->threads * (len / (2 * MiB) + len / GiB + 8) + 4096;
	uint64_t bytes = tables * PT_PAGE_SIZE;
	if (cd->tracked)
		bytes += cd->threads * (len / PT_PAGE_SIZE) * (PT_PAGE_SIZE + sizeof(pt_paddr_t));
	return bytes;
}

bool fx_open(struct fixture *fx, const struct case_def *cd, const struct bench_opts *o)
{
	memset(fx, 0, sizeof(*fx));
	fx->cd = cd;
	fx->opts = o;
	fx->nr_jobs = cd->threads;
	for (unsigned t = 0; t < fx->nr_jobs; t++)
		job_layout(fx, &fx->jobs[t], t);
	uint64_t len = fx->jobs[0].len;
	if (cd->is_bound) {
		fx->bound = bound_create(cd->threads, len);
		return fx->bound != NULL;
	}
	uint64_t frames = cd->threads * (len / (2 * MiB) + len / GiB + 8) + 4096;
	if (cd->tracked)
		frames += cd->threads * (len / PT_PAGE_SIZE);
	fx->ram = pt_sim_ram_create(round_up(frames * PT_PAGE_SIZE, 2 * MiB));
	if (!fx->ram)
		return false;
	/* The lower bound returns tables to its pool as they are; so does the RAM here. */
	pt_sim_ram_set_poison(fx->ram, o->poison);
	/* Its pool is pre-faulted too: back every chunk of RAM before timing. */
	for (pt_paddr_t pa = 0; pa < pt_sim_ram_size(fx->ram); pa += 2 * MiB)
		pt_sim_ram_frame_ptr(fx->ram, pa);
	fx->env = pt_sim_env(&pt_format_x86_64_4level, fx->ram);
	if (!o->urcu)
		fx->env.reclaim = bench_reclaim(fx->env.reclaim);
	return true;
}

void fx_close(struct fixture *fx)
{
	if (fx->ram) {
		fx->table_frames = pt_sim_ram_stats(fx->ram).peak_tables;
		pt_sim_ram_destroy(fx->ram);
	}
	bound_destroy(fx->bound);
	fx->ram = NULL;
	fx->bound = NULL;
}

void fx_drain(struct fixture *fx)
{
	if (fx->ram)
		fx->env.reclaim.ops->drain(fx->env.reclaim.ctx);
}

void fx_sample_tables(struct fixture *fx)
{
	if (!fx->bound)
		return;
	uint64_t n = bound_frames_in_use(fx->bound);
	if (n > fx->table_frames)
		fx->table_frames = n;
}

/* Allocate one data frame per page of @j (tracked cases). */
static const char *alloc_frames(struct fixture *fx, struct job *j)
{
	j->frames = malloc(j->pages * sizeof(*j->frames));
	if (!j->frames)
		return "out of host memory";
	for (uint64_t i = 0; i < j->pages; i++)
		if (pt_sim_ram_alloc(fx->ram, PT_FRAME_DATA, &j->frames[i]) != PT_OK)
			return "simulated RAM too small for the data frames";
	return NULL;
}

const char *fx_begin(struct fixture *fx)
{
	const struct case_def *cd = fx->cd;
	if (fx->bound) {
		bound_reset(fx->bound, fx->jobs, fx->nr_jobs);
	} else {
		if (pt_table_create_empty(&fx->table, &fx->env) != PT_OK)
			return "pt_table_create_empty failed";
		fx->have_table = true;
	}
	for (unsigned t = 0; t < fx->nr_jobs; t++) {
		struct job *j = &fx->jobs[t];
		j->fail = NULL;
		j->counted = 0;
		if (cd->tracked) {
			const char *why = alloc_frames(fx, j);
			if (why)
				return why;
		}
		if (cd->prepare)
			cd->prepare(j);
		if (j->fail)
			return j->fail;
	}
	fx_drain(fx);
	fx_sample_tables(fx);
	return NULL;
}

const char *fx_end(struct fixture *fx)
{
	for (unsigned t = 0; t < fx->nr_jobs; t++) {
		free(fx->jobs[t].frames);
		fx->jobs[t].frames = NULL;
	}
	if (fx->bound)
		return NULL;
	if (fx->have_table && pt_table_destroy(&fx->table) != PT_OK)
		return "pt_table_destroy failed";
	fx->have_table = false;
	fx_drain(fx);
	fx->frames_left = pt_sim_ram_stats(fx->ram).frames_in_use;
	return fx->frames_left ? "frames left in use after teardown" : NULL;
}

bool fx_translate(struct fixture *fx, pt_vaddr_t va, pt_paddr_t *pa, struct pt_item *leaf)
{
	if (fx->bound)
		return bound_translate(fx->bound, va, pa, leaf);
	return pt_table_translate(&fx->table, va, pa, leaf) == PT_OK;
}

pt_vaddr_t job_page_va(const struct job *j, uint64_t i)
{
	return j->va + i * bench_page_size(j->level);
}


void job_note(struct job *j, enum pt_err err)
{
	if (err != PT_OK && !j->fail)
		j->fail = pt_strerror(err);
}
