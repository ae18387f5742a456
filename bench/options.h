/* SPDX-License-Identifier: MIT */
/* ptbench's command line: parsing, --help, --list. */
#ifndef PTBENCH_OPTIONS_H
#define PTBENCH_OPTIONS_H

#include "bench.h"

/* Parse the command line into @o; exits for --help, --list and bad input (status 2). */
void parse_args(int argc, char **argv, struct bench_opts *o);

#endif
