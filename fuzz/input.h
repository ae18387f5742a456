/* SPDX-License-Identifier: MIT */
/* Decoding fuzz input bytes into operation arguments, biased toward page boundaries. */
#ifndef PT_FUZZ_INPUT_H
#define PT_FUZZ_INPUT_H

#include <pt/pt.h>

#include "model.h"

struct fz_in {
	const uint8_t *p;
	size_t n;
};

/* The next byte, or 0 once the input is exhausted. */
uint8_t in_u8(struct fz_in *in);
/* The next 8 bytes, little-endian, zero-padded. */
uint64_t in_u64(struct fz_in *in);
/* True while bytes remain. */
bool in_more(const struct fz_in *in);
/* An address near interesting boundaries of @m's window, sometimes anything at all. */
pt_vaddr_t in_va(struct fz_in *in, const struct mtree *m);
/* A length: a few pages of some level, sometimes off by a page or a byte, or anything. */
uint64_t in_len(struct fz_in *in, const struct pt_format *f);
/* A physical address for untracked items, sometimes unaligned or too wide. */
pt_paddr_t in_pa(struct fz_in *in, const struct pt_format *f);
/* A page property, sometimes GLOBAL or malformed. */
struct pt_prop in_prop(struct fz_in *in);
/* A property change for protect_next, sometimes malformed. */
struct pt_protect in_protect(struct fz_in *in);
/* The allocation the operation should fail at (1 = its first), or 0. */
uint64_t in_fail_at(struct fz_in *in);

#endif
