/* SPDX-License-Identifier: MIT */
/* The list of cases: lower bounds first, then libpt, each naming its bound. */
#ifndef PTBENCH_CASES_H
#define PTBENCH_CASES_H

#include "bench.h"

extern const struct case_def bench_cases[];
extern const unsigned bench_nr_cases;

/* The case called @name, or NULL. */
const struct case_def *case_find(const char *name);

#endif
