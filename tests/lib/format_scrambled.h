/* SPDX-License-Identifier: MIT */
#ifndef PT_TEST_FORMAT_SCRAMBLED_H
#define PT_TEST_FORMAT_SCRAMBLED_H

#include <pt/format.h>

/* Test-only: each level encodes entries differently. Call _init once first. */
extern struct pt_format pt_format_scrambled;
void pt_format_scrambled_init(void);

#endif
