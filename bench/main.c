/* SPDX-License-Identifier: MIT */
/*
 * ptbench: see ptbench --help. Exit status 1 if any case failed to run,
 * translated wrongly or leaked; 3 with --check if a measured target was missed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "fixture.h"
#include "meta.h"
#include "options.h"
#include "report.h"
#include "targets.h"

static struct result results[64];
static bool skipped[64];
static bool failed;

_Static_assert(sizeof(results) / sizeof(results[0]) >= 40, "too few result slots");

/* The figures of @r that depend on its bound @b and its one-thread case @s. */
static void relate(struct result *r, const struct result *b, const struct result *s)
{
	if (b) {
		r->bound_pps = b->pps;
		r->bound_cpu_pps = b->cpu_pps;
		r->bound_speedup = b->speedup;
		r->bound_efficiency = b->efficiency;
	}
	if (s && s->pps > 0)
		r->speedup = r->pps / s->pps;
	if (s && s->cpu_pps > 0)
		r->efficiency = r->cpu_pps / s->cpu_pps;
}

/* Run case @i unless done, after the cases it is compared with; then print it. */
static const struct result *ensure(unsigned i, const struct bench_opts *o)
{
	const struct case_def *cd = &bench_cases[i];
	struct result *r = &results[i];
	if (r->cd || skipped[i])
		return skipped[i] ? NULL : r;
	const struct case_def *bcd = cd->bound ? case_find(cd->bound) : NULL;
	const struct case_def *scd = cd->single ? case_find(cd->single) : NULL;
	const struct result *b = bcd ? ensure((unsigned)(bcd - bench_cases), o) : NULL;
	const struct result *s = scd ? ensure((unsigned)(scd - bench_cases), o) : NULL;
	if (fx_host_bytes(cd, o) > o->mem_limit) {
		skipped[i] = true;
		report_skip(cd, o, "needs more host memory than --mem-limit");
		return NULL;
	}
	double free_cores = host_free_cores();
	run_case(cd, o, r);
	r->free_cores = free_cores;
	relate(r, b, s);
	failed |= r->fail != NULL;
	report_case(r, o);
	return r;
}

/* Every selected case and the growth check at @o->size; how many targets were missed. */
static unsigned run_size(const struct bench_opts *o, FILE *targets_json)
{
	struct cycles_result cr = { 0 };
	for (unsigned i = 0; i < bench_nr_cases; i++) {
		result_free(&results[i]);
		skipped[i] = false;
	}
	report_header(o);
	for (unsigned i = 0; i < bench_nr_cases; i++)
		if (!o->only || !strcmp(o->only, bench_cases[i].name))
			ensure(i, o);
	if (o->cycles && (!o->only || !strcmp(o->only, "cycles_4k"))) {
		run_cycles(o, &cr);
		failed |= cr.fail != NULL;
		report_cycles(&cr, o);
	}
	return report_targets(results, &cr, o, targets_json);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	char *tbuf = NULL;
	size_t tlen = 0;
	unsigned missed = 0;
	parse_args(argc, argv, &o);
	if (o.only && !case_find(o.only) && strcmp(o.only, "cycles_4k")) {
		fprintf(stderr, "ptbench: no case %s (see --list)\n", o.only);
		return 2;
	}
	FILE *tjson = open_memstream(&tbuf, &tlen);
	if (!tjson)
		return 1;
	report_begin(&o);
	if (o.targets_only)
		list_targets(&o, tjson);
	for (uint64_t size = o.size; !o.targets_only && size <= (o.sweep ? o.sweep_max : o.size);
	     size *= 2) {
		o.size = size;
		missed += run_size(&o, tjson);
	}
	fclose(tjson);
	report_end(&o, tbuf);
	free(tbuf);
	for (unsigned i = 0; i < bench_nr_cases; i++)
		result_free(&results[i]);
	if (failed)
		return 1;
	if (o.check && missed)
		fprintf(stderr, "ptbench: --check: %u target%s missed\n", missed, missed > 1 ? "s" : "");
	return o.check && missed ? 3 : 0;
}
