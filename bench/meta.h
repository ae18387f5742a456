/* SPDX-License-Identifier: MIT */
/* A run's metadata: the build (commit, compiler, flags), the host and the options. */
#ifndef PTBENCH_META_H
#define PTBENCH_META_H

#include <stdio.h>

#include "bench.h"

/* CPUs this process may run on. */
unsigned host_cores(void);
/* host_cores() minus the 1-minute load average, at least 0. */
double host_free_cores(void);
/* The metadata as one JSON object (no trailing newline). */
void meta_json(FILE *f, const struct bench_opts *o);
/* The metadata as the text report's opening lines. */
void meta_text(FILE *f, const struct bench_opts *o);

#endif
