/* SPDX-License-Identifier: MIT */
/* Shared by the row files: bookkeeping, raw descriptor bits, the kernel's own walk. */
#ifndef BM_ROWS_H
#define BM_ROWS_H

#include "bm.h"

/* Raw VMSAv8-64 descriptor bits, spelled out here independently of the core's codec. */
#define X_VALID (1ull << 0)
#define X_PAGE (1ull << 1)           /* page at level 3, table above; clear: block */
#define X_ATTR(n) ((uint64_t)(n) << 2)
#define X_ATTR_MASK X_ATTR(7)
#define X_AP_EL0 (1ull << 6)
#define X_AP_RO (1ull << 7)
#define X_AF (1ull << 10)
#define X_NG (1ull << 11)
#define X_DBM (1ull << 51)
#define X_PXN (1ull << 53)
#define X_UXN (1ull << 54)
#define X_OA_MASK 0x0000fffffffff000ull

/* The test window in the TTBR1 half (level 0 slot 128). */
#define TB 0xffff400000000000ull

struct rows {
	struct pt_vmspace *kvs;      /* the kernel address space */
	struct pt_table *kt;         /* its table */
	bool hafdbs;                /* TCR_EL1.HA/HD work (FEAT_HAFDBS with dirty state) */
	uint64_t tcr;               /* TCR_EL1 as booted */
	unsigned n, passed, failed;
	bool row_bad;
	const char *why;
};

void row_bad(struct rows *s, const char *why);
void row_end(struct rows *s, const char *name);
void row_skip(struct rows *s, const char *name, const char *reason);
/* The leaf descriptor mapping @va under the current TTBRs (*level: Arm level; 4 if none). */
uint64_t raw_walk(uint64_t va, unsigned *level);
/* The exception the last probe took must be @ec with fault status @fsc at FAR @va
 * (fsc 0: none); a data abort from a store must have WnR set. */
void check_fault(struct rows *s, unsigned ec, unsigned fsc, uint64_t va, bool store);
PT_MUST_CHECK enum pt_err row_map(struct pt_table *t, uint64_t va, const struct pt_item *it);
PT_MUST_CHECK enum pt_err row_take(struct pt_table *t, uint64_t va, uint64_t len, struct pt_frag *f);
/* A fresh data frame holding @mark in its first word. */
pt_paddr_t marked_frame(uint64_t mark);
/* Reading @va at EL1 gives @want, else the row fails with @why. */
void expect_read(struct rows *s, uint64_t va, uint64_t want, const char *why);

void rows_table(struct rows *s);
void rows_user(struct rows *s);

#endif
