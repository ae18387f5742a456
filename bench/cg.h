/* SPDX-License-Identifier: MIT */
/*
 * Callgrind client requests around each measured timed region: the counts
 * are zeroed before it and dumped after it, named "case=NAME pages=N", so
 * scripts/bench-callgrind can divide instructions by pages. Without the
 * valgrind headers, or when not under callgrind, they do nothing.
 */
#ifndef PTBENCH_CG_H
#define PTBENCH_CG_H

#include <stdbool.h>
#include <stdint.h>

#include <stddef.h>

/* The dump's name for @name and @pages, into @buf. */
void cg_label(char *buf, size_t size, const char *name, uint64_t pages);
/* Whether the program runs under valgrind (false without the valgrind headers). */
bool cg_active(void);
/* Zero callgrind's counts (all threads). */
void cg_zero(void);
/* Dump callgrind's counts since cg_zero under @label. */
void cg_dump(const char *label);

#endif
