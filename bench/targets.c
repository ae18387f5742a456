/* SPDX-License-Identifier: MIT */
/* The targets, printed against this run's figures (never a failure). */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "cases.h"

enum target_kind { T_RATIO, T_SPEEDUP };

struct target {
	const char *what;
	const char *name;          /* untracked case; "<name>_tracked" is shown beside it */
	enum target_kind kind;
	double goal;
};

static const struct target targets[] = {
	{ "bulk 4 KiB map_range vs bulk bound", "map_range_4k", T_RATIO, 0.5 },
	{ "bulk unmap vs bulk bound", "unmap_4k", T_RATIO, 0.5 },
	{ "per-page map on one cursor vs bulk bound", "page_map_4k", T_RATIO, 0.15 },
	{ "new cursor per page, map vs per-page bound", "cursor_map_4k", T_RATIO, 0.10 },
	{ "new cursor per page, unmap vs per-page bound", "cursor_unmap_4k", T_RATIO, 0.10 },
	{ "2-thread map_range speed-up vs bound's", "map_range_4k_t2", T_SPEEDUP, 0.9 },
	{ "2-thread per-page map speed-up vs bound's", "page_map_4k_t2", T_SPEEDUP, 0.9 },
	{ "2-thread unmap speed-up vs bound's", "unmap_4k_t2", T_SPEEDUP, 0.9 },
};

/* The result of the case called @name, if it ran cleanly. */
static const struct result *find(const struct result *res, const char *name)
{
	for (unsigned i = 0; i < bench_nr_cases; i++)
		if (res[i].cd && !strcmp(res[i].cd->name, name))
			return res[i].fail ? NULL : &res[i];
	return NULL;
}

/* The figure a target compares with its goal; < 0 if unknown. */
static double figure(const struct result *r, enum target_kind kind)
{
	if (!r)
		return -1;
	if (kind == T_RATIO)
		return r->bound_pps > 0 ? r->pps / r->bound_pps : -1;
	return r->bound_speedup > 0 ? r->speedup / r->bound_speedup : -1;
}

/* One target's line, with the tracked variant's figure beside it. */
static void target_line(const struct target *t, const struct result *res)
{
	char tracked[64];
	double v = figure(find(res, t->name), t->kind);
	if (v < 0)
		return;
	snprintf(tracked, sizeof(tracked), "%s_tracked", t->name);
	const char *suffix = strstr(t->name, "_t2");
	if (suffix)
		snprintf(tracked, sizeof(tracked), "%.*s_tracked_t2", (int)(suffix - t->name), t->name);
	double tv = figure(find(res, tracked), t->kind);
	printf("  %-8s %-46s %6.3f (goal >= %.2f)", v >= t->goal ? "met" : "NOT MET", t->what, v,
	       t->goal);
	if (tv >= 0)
		printf("   tracked: %.3f", tv);
	printf("\n");
}

/* The table-frame targets: the minimum for the 4 KiB map, and no growth. */
static void frame_lines(const struct result *res, const struct cycles_result *cr,
			const struct bench_opts *o)
{
	const struct result *r = find(res, "map_range_4k");
	if (r) {
		uint64_t min = 2 + (o->size + GiB - 1) / GiB + o->size / (2 * MiB);
		printf("  %-8s %-46s %6llu (minimum %llu)\n", r->table_frames == min ? "met" : "NOT MET",
		       "table frames for the 4 KiB map, root included",
		       (unsigned long long)r->table_frames, (unsigned long long)min);
	}
	if (cr && cr->cycles)
		printf("  %-8s %-46s %6s (%u cycles)\n", cr->fail ? "NOT MET" : "met",
		       "no table growth over map/unmap cycles", cr->fail ? "grew" : "none", cr->cycles);
}

void report_targets(const struct result *res, const struct cycles_result *cr,
		    const struct bench_opts *o)
{
	if (o->json)
		return;
	printf("\ntargets (benchmark figures, untracked 4 KiB; tracked beside):\n");
	for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		target_line(&targets[i], res);
	frame_lines(res, cr, o);
}
