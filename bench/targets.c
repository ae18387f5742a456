/* SPDX-License-Identifier: MIT */
#include "targets.h"

#include <string.h>

#include "cases.h"
#include "json.h"
#include "report.h"

enum target_kind {
	T_RATIO,        /* ptbench: pages/s over the bound's, >= goal */
	T_EFFICIENCY,   /* ptbench: pages per CPU-second with N threads over 1 thread, >= goal */
	T_INSTR,        /* callgrind: instructions per page, <= goal */
	T_INSTR_RATIO,  /* callgrind: the bound's instructions per page over the case's, >= goal */
	T_FRAMES,       /* ptbench: table frames of the 4 KiB map == the minimum */
	T_GROWTH,       /* ptbench: no table growth over map/unmap cycles */
};

struct target {
	const char *id;
	const char *what;
	const char *name;          /* the case; "<name>_tracked" is shown beside ratio targets */
	enum target_kind kind;
	double goal;
	const char *issue;         /* where the goal comes from */
};

static const struct target targets[] = {
	{ "bulk_map_ratio", "bulk 4 KiB map_range vs bulk bound (warm)", "map_range_4k", T_RATIO,
	  0.8, "15" },
	{ "bulk_map_instr", "bulk 4 KiB map_range: bound's instr/page over its", "map_range_4k",
	  T_INSTR_RATIO, 0.8, "15" },
	{ "bulk_unmap_ratio", "bulk unmap vs bulk bound", "unmap_4k", T_RATIO, 0.5, "first wave" },
	{ "tracked_unmap_ratio", "bulk tracked unmap vs tracked bound", "unmap_4k_tracked", T_RATIO,
	  0.3, "15" },
	{ "page_map_ratio", "per-page map on one cursor vs bulk bound", "page_map_4k", T_RATIO, 0.15,
	  "first wave" },
	{ "cursor_map_instr", "new cursor per page, map: instr/page", "cursor_map_4k", T_INSTR, 250,
	  "14" },
	{ "cursor_map_tracked_instr", "new cursor per page, tracked map: instr/page",
	  "cursor_map_4k_tracked", T_INSTR, 300, "14" },
	{ "cursor_unmap_instr", "new cursor per page, unmap: instr/page", "cursor_unmap_4k", T_INSTR,
	  250, "14" },
	{ "cursor_unmap_tracked_instr", "new cursor per page, tracked unmap: instr/page",
	  "cursor_unmap_4k_tracked", T_INSTR, 300, "14" },
	{ "protect_instr", "protect: instr/page", "protect_4k", T_INSTR, 12, "15" },
	{ "page_unmap_instr", "per-page unmap on one cursor: instr/page", "page_unmap_4k", T_INSTR,
	  80, "15" },
	{ "scan_instr", "scan: instr per leaf found", "scan_4k", T_INSTR, 40, "15" },
	{ "map_range_t2_eff", "2-thread map_range parallel efficiency", "map_range_4k_t2",
	  T_EFFICIENCY, 0.9, "first wave" },
	{ "page_map_t2_eff", "2-thread per-page map parallel efficiency", "page_map_4k_t2",
	  T_EFFICIENCY, 0.9, "first wave" },
	{ "unmap_t2_eff", "2-thread unmap parallel efficiency", "unmap_4k_t2", T_EFFICIENCY, 0.9,
	  "first wave" },
	{ "table_frames", "table frames for the 4 KiB map, root included", "map_range_4k",
	  T_FRAMES, 0, "first wave" },
	{ "no_growth", "no table growth over map/unmap cycles", "cycles_4k", T_GROWTH, 0,
	  "first wave" },
};

#define NR_TARGETS (sizeof(targets) / sizeof(targets[0]))

static const char *const measures[] = {
	[T_RATIO] = "ratio_to_bound", [T_EFFICIENCY] = "efficiency",
	[T_INSTR] = "instr_per_page", [T_INSTR_RATIO] = "instr_ratio_to_bound",
	[T_FRAMES] = "table_frames", [T_GROWTH] = "growth",
};

static bool by_callgrind(const struct target *t)
{
	return t->kind == T_INSTR || t->kind == T_INSTR_RATIO;
}

static const char *cmp_of(const struct target *t)
{
	return t->kind == T_INSTR ? "<=" : t->kind == T_FRAMES || t->kind == T_GROWTH ? "==" : ">=";
}

/* The result of the case called @name, if it ran cleanly. */
static const struct result *find(const struct result *res, const char *name)
{
	for (unsigned i = 0; i < bench_nr_cases; i++)
		if (res[i].cd && !strcmp(res[i].cd->name, name))
			return res[i].fail ? NULL : &res[i];
	return NULL;
}

/* The figure a ptbench target compares with its goal; < 0 if unknown. */
static double figure(const struct result *r, enum target_kind kind)
{
	if (!r)
		return -1;
	if (kind == T_RATIO)
		return r->bound_pps > 0 ? result_ratio(r) : -1;
	if (kind == T_EFFICIENCY)
		return r->efficiency > 0 ? r->efficiency : -1;
	if (kind == T_FRAMES)
		return (double)r->table_frames;
	return -1;
}

/* The tracked variant of @name into @buf ("page_map_4k_t2" -> "page_map_4k_tracked_t2"). */
static void tracked_name(char *buf, size_t size, const char *name)
{
	const char *suffix = strstr(name, "_t2");
	if (suffix)
		snprintf(buf, size, "%.*s_tracked_t2", (int)(suffix - name), name);
	else
		snprintf(buf, size, "%s_tracked", name);
}

/* What a measured target is: its figure, the tracked one, the goal it must reach. */
struct eval {
	double value, tracked, goal;
	const char *status;        /* "met", "missed", "not_measured" */
};

static struct eval evaluate(const struct target *t, const struct result *res,
			    const struct cycles_result *cr, const struct bench_opts *o)
{
	char tname[64];
	struct eval e = { -1, -1, t->goal, "not_measured" };
	if (by_callgrind(t))
		return e;
	if (t->kind == T_GROWTH) {
		if (cr && cr->cycles) {
			e.value = cr->fail ? 1 : 0;
			e.status = cr->fail ? "missed" : "met";
		}
		return e;
	}
	if (t->kind == T_FRAMES)
		e.goal = (double)(2 + (o->size + GiB - 1) / GiB + o->size / (2 * MiB));
	e.value = figure(find(res, t->name), t->kind);
	tracked_name(tname, sizeof(tname), t->name);
	if (t->kind != T_FRAMES)
		e.tracked = figure(find(res, tname), t->kind);
	if (e.value < 0)
		return e;
	bool met = t->kind == T_FRAMES ? e.value == e.goal : e.value >= e.goal;
	e.status = met ? "met" : "missed";
	return e;
}

static void target_json(FILE *f, const struct target *t, const struct eval *e,
			const struct bench_opts *o, bool first)
{
	bool measured = strcmp(e->status, "not_measured");
	fprintf(f, "%s{", first ? "" : ",\n");
	json_key(f, "id"); json_str(f, t->id);
	fputc(',', f); json_key(f, "what"); json_str(f, t->what);
	fputc(',', f); json_key(f, "case"); json_str(f, t->name);
	fputc(',', f); json_key(f, "measure"); json_str(f, measures[t->kind]);
	fputc(',', f); json_key(f, "cmp"); json_str(f, cmp_of(t));
	fputc(',', f); json_key(f, "goal"); json_num(f, e->goal, t->kind != T_FRAMES || e->goal > 0);
	fputc(',', f); json_key(f, "source"); json_str(f, by_callgrind(t) ? "callgrind" : "ptbench");
	fputc(',', f); json_key(f, "issue"); json_str(f, t->issue);
	fputc(',', f); json_key(f, "size"); json_num(f, (double)o->size, !o->targets_only);
	fputc(',', f); json_key(f, "value"); json_num(f, e->value, measured);
	fputc(',', f); json_key(f, "tracked_value"); json_num(f, e->tracked, e->tracked >= 0);
	fputc(',', f); json_key(f, "status"); json_str(f, e->status);
	fputc('}', f);
}

static void target_text(const struct target *t, const struct eval *e)
{
	const char *label = !strcmp(e->status, "met") ? "met" : !strcmp(e->status, "missed") ?
			    "NOT MET" : "-";
	if (t->kind == T_GROWTH) {
		printf("  %-8s %-50s %8s\n", label, t->what, e->value < 0 ? "-" : e->value ? "grew" : "none");
		return;
	}
	if (e->value < 0) {
		printf("  %-8s %-50s %8s (not run)\n", label, t->what, "-");
		return;
	}
	if (t->kind == T_FRAMES) {
		printf("  %-8s %-50s %8.0f (minimum %.0f)\n", label, t->what, e->value, e->goal);
		return;
	}
	printf("  %-8s %-50s %8.3f (goal >= %.2f)", label, t->what, e->value, e->goal);
	if (e->tracked >= 0)
		printf("   tracked: %.3f", e->tracked);
	printf("\n");
}

unsigned report_targets(const struct result *res, const struct cycles_result *cr,
			const struct bench_opts *o, FILE *json)
{
	unsigned missed = 0, by_cg = 0;
	if (!o->json)
		printf("\ntargets at %llu MiB (untracked 4 KiB; tracked beside):\n",
		       (unsigned long long)(o->size / MiB));
	for (unsigned i = 0; i < NR_TARGETS; i++) {
		struct eval e = evaluate(&targets[i], res, cr, o);
		missed += !strcmp(e.status, "missed");
		by_cg += by_callgrind(&targets[i]);
		if (o->json)
			target_json(json, &targets[i], &e, o, ftell(json) == 0);
		else if (!by_callgrind(&targets[i]))
			target_text(&targets[i], &e);
	}
	if (!o->json)
		printf("  (%u instruction targets: scripts/bench-callgrind -b build-rel --check; "
		       "ptbench --targets lists all)\n", by_cg);
	return missed;
}

void list_targets(const struct bench_opts *o, FILE *json)
{
	for (unsigned i = 0; i < NR_TARGETS; i++) {
		const struct target *t = &targets[i];
		struct eval e = { -1, -1, t->goal, "not_measured" };
		if (o->json)
			target_json(json, t, &e, o, i == 0);
		else if (t->kind == T_FRAMES || t->kind == T_GROWTH)
			printf("%-28s %-10s %-24s %s\n", t->id, "ptbench", t->name, t->what);
		else
			printf("%-28s %-10s %-24s %s %s %g\n", t->id,
			       by_callgrind(t) ? "callgrind" : "ptbench", t->name, t->what, cmp_of(t),
			       t->goal);
	}
}
