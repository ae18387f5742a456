/* SPDX-License-Identifier: MIT */
/* Shared by the scenario table (scenarios.c) and the hand-written rows (scen_extra.c). */
#ifndef BM_SCEN_H
#define BM_SCEN_H

#include "bm.h"

/* Raw x86 entry bits, spelled out here independently of the core's codec. */
#define X_P (1ull << 0)
#define X_W (1ull << 1)
#define X_U (1ull << 2)
#define X_PWT (1ull << 3)
#define X_PCD (1ull << 4)
#define X_A (1ull << 5)
#define X_D (1ull << 6)
#define X_PS (1ull << 7)
#define X_PAT4K (1ull << 7)
#define X_G (1ull << 8)
#define X_PATBIG (1ull << 12)
#define X_NX (1ull << 63)
#define X_ADDR 0x000ffffffffff000ull

/* #PF error code bits. */
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_U 0x4u
#define PF_RSVD 0x8u
#define PF_ID 0x10u

/* Test window in the kernel half (PML4 slot 402; PML5 511 / PML4 402 in 5-level). */
#define TB 0xffffc90000000000ull

struct scen {
	struct pt_table *kt;
	unsigned levels;            /* paging levels of the running CPU */
	bool gbpages;               /* CPUID PDPE1GB */
	unsigned n, passed, failed;
	bool row_bad;               /* a check of the current row failed */
	const char *why;            /* its first failed check */
};

/* Record a failed check (prints a "#" diagnostic line). */
void scen_bad(struct scen *s, const char *why);
/* Print the verdict line of the current row and count it. */
void scen_end(struct scen *s, const char *name);
void scen_skip(struct scen *s, const char *name, const char *reason);
/* The leaf entry mapping @va, by the kernel's own walk of CR3; *level = 0 if none. */
uint64_t raw_walk(unsigned levels, uint64_t va, unsigned *level);
/* The fault the last probe took must be @vec/@err at @cr2 (vec 0: none). */
void check_fault(struct scen *s, unsigned vec, uint64_t err, uint64_t cr2);
/* Map / remove one page through a cursor; PT_OK or the error. */
PT_MUST_CHECK enum pt_err scen_map(struct pt_table *t, uint64_t va, const struct pt_item *it);
PT_MUST_CHECK enum pt_err scen_take(struct pt_table *t, uint64_t va, uint64_t len, struct pt_frag *f);

void scen_table(struct scen *s);
void scen_extra(struct scen *s);
void scen_user(struct scen *s);
void scen_ring3(struct scen *s);

#endif
