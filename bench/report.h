/* SPDX-License-Identifier: MIT */
/*
 * Output: a readable table, or one JSON document (--json):
 *   {"schema":"ptbench/1","meta":{...},"rows":[{...},...],"targets":[{...},...]}
 * Every row, the growth check's included, has the same keys (README,
 * "Benchmarks"); a key that does not apply to a row is null.
 */
#ifndef PTBENCH_REPORT_H
#define PTBENCH_REPORT_H

#include "cycles.h"
#include "runner.h"

/* The run's opening: metadata (text) or the document's head (--json). */
void report_begin(const struct bench_opts *o);
/* The table's header for the size about to run (nothing with --json). */
void report_header(const struct bench_opts *o);
/* One case: a row and its notes, or a JSON row. */
void report_case(const struct result *r, const struct bench_opts *o);
/* A case not run at this size, and why (a text line; a JSON "skipped" entry). */
void report_skip(const struct case_def *cd, const struct bench_opts *o, const char *why);
/* The growth check: a line or a JSON row. */
void report_cycles(const struct cycles_result *cr, const struct bench_opts *o);
/* Close the document (--json) with the targets' JSON entries @targets_json. */
void report_end(const struct bench_opts *o, const char *targets_json);

/* Pages per second over the bound's; 0 for a bound or when unknown. */
double result_ratio(const struct result *r);
/* The same from CPU time. */
double result_cpu_ratio(const struct result *r);
/* Wall median over the busiest thread's CPU median; 0 if unknown. */
double result_wall_over_cpu(const struct result *r);

#endif
