/* SPDX-License-Identifier: MIT */
/* Shared by the row files: bookkeeping, raw entry bits, the kernel's own walk. */
#ifndef BM_ROWS_H
#define BM_ROWS_H

#include "bm.h"

/* Raw Sv39/Sv48 entry bits, spelled out here independently of the core's codec. */
#define X_V (1ull << 0)
#define X_R (1ull << 1)
#define X_W (1ull << 2)
#define X_X (1ull << 3)
#define X_U (1ull << 4)
#define X_G (1ull << 5)
#define X_A (1ull << 6)
#define X_D (1ull << 7)
#define X_PBMT_NC (1ull << 61)
#define X_PBMT_IO (2ull << 61)
#define X_PPN_SHIFT 10

/* The test window in the kernel half (Sv39 root slot 256; Sv48 511 / 256). */
#define TB 0xffffffc000000000ull

struct rows {
	struct pt_vmspace *kvs;      /* the kernel address space */
	struct pt_table *kt;         /* its table */
	unsigned levels;
	bool pbmt;                  /* PBMT leaves work (menvcfg.PBMTE) */
	unsigned n, passed, failed;
	bool row_bad;
	const char *why;
};

void row_bad(struct rows *s, const char *why);
void row_end(struct rows *s, const char *name);
void row_skip(struct rows *s, const char *name, const char *reason);
/* The leaf entry mapping @va under the current satp (*level 1 = 4 KiB; 0 if none). */
uint64_t raw_walk(unsigned levels, uint64_t va, unsigned *level);
/* The trap the last probe took must be @cause at stval @va (cause 0: none). */
void check_trap(struct rows *s, uint64_t cause, uint64_t va);
PT_MUST_CHECK enum pt_err row_map(struct pt_table *t, uint64_t va, const struct pt_item *it);
PT_MUST_CHECK enum pt_err row_take(struct pt_table *t, uint64_t va, uint64_t len, struct pt_frag *f);
/* A fresh data frame holding @mark in its first word. */
pt_paddr_t marked_frame(uint64_t mark);
/* Reading @va gives @want, else the row fails with @why. */
void expect_read(struct rows *s, uint64_t va, uint64_t want, const char *why);

void rows_table(struct rows *s);
void rows_extra(struct rows *s);
void rows_user(struct rows *s);

#endif
