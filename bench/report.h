/* SPDX-License-Identifier: MIT */
/* Output: a readable table, or one JSON object per line per case (--json). */
#ifndef PTBENCH_REPORT_H
#define PTBENCH_REPORT_H

#include "cycles.h"
#include "runner.h"

/* The table's header (nothing with --json). */
void report_header(const struct bench_opts *o);
/* One case: a row or a JSON line. */
void report_case(const struct result *r, const struct bench_opts *o);
/* The growth check: a row or a JSON line. */
void report_cycles(const struct cycles_result *cr, const struct bench_opts *o);
/* The targets against the figures (text only); @res is parallel to bench_cases. */
void report_targets(const struct result *res, const struct cycles_result *cr,
		    const struct bench_opts *o);

#endif
