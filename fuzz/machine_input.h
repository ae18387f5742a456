/* SPDX-License-Identifier: MIT */
/* Argument decoding for the machine fuzzer. */
#ifndef PT_FUZZ_MACHINE_INPUT_H
#define PT_FUZZ_MACHINE_INPUT_H

#include "machine.h"

/* A model page index, biased toward 2 MiB and 1 GiB boundaries. */
unsigned fm_in_page(struct fz_in *in);
/* A page count from @idx: a few pages or whole 2 MiB slots, clamped to its window. */
unsigned fm_in_count(struct fz_in *in, unsigned idx);
/* A user table index (1..nr_users). */
int fm_in_user(const struct fm_world *w, struct fz_in *in);
/* Any table index (0 = the kernel). */
int fm_in_table(const struct fm_world *w, struct fz_in *in);

#endif
