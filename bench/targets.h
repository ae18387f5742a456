/* SPDX-License-Identifier: MIT */
/*
 * The open issues' targets, evaluated against a run. Ratio, efficiency and
 * table-frame targets are measured by ptbench itself; instruction targets
 * only by scripts/bench-callgrind (from the list ptbench --targets --json
 * prints), so ptbench reports them as not measured and --check ignores them.
 */
#ifndef PTBENCH_TARGETS_H
#define PTBENCH_TARGETS_H

#include <stdio.h>

#include "cycles.h"
#include "runner.h"

/*
 * The targets against @res (parallel to bench_cases) at @o->size: a text
 * block, or JSON entries appended to @json (--json). Returns how many
 * targets ptbench measured and found missed.
 */
unsigned report_targets(const struct result *res, const struct cycles_result *cr,
			const struct bench_opts *o, FILE *json);
/* Every target without figures (ptbench --targets): text, or JSON entries into @json. */
void list_targets(const struct bench_opts *o, FILE *json);

#endif
