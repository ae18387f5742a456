/* SPDX-License-Identifier: MIT */
/*
 * The differential's scenario table, generated the same way on both machines
 * (the test kernel under QEMU, and sim/riscv_walk.c hosted): a walk path
 * written entry by entry at fixed physical addresses, one access, and the
 * outcome printed as one line that the baremetal suite compares.
 *
 * Each scenario maps va = VBASE + voff + page * 4 KiB + DIFF_OFF through
 * root slot 1, with the leaf at spec level `leaf` (0 = 4 KiB .. 3 = 512 GiB)
 * pointing into the data region so that a translation lands on data page
 * `page` at DIFF_OFF. Families: every entry bit (and PBMT 3, a misaligned
 * PPN) toggled in a leaf at each level with each access; bits toggled in
 * each pointer above a 4 KiB leaf; A/D both clear at each level; and the
 * permission matrix R/W/X x U x privilege x SUM x MXR x access at 4 KiB and
 * at the root.
 */
#ifndef BM_DIFF_GEN_H
#define BM_DIFF_GEN_H

#include <stdbool.h>
#include <stdint.h>

#define DIFF_BASE 0x87000000ull                 /* 16 MiB below the end of RAM */
#define DIFF_TABLE(levels, i) (DIFF_BASE + 0x1000ull * ((levels) - (i)))  /* spec level i */
#define DIFF_DATA (DIFF_BASE + 0x200000ull)     /* 512 data pages */
#define DIFF_PAGES 512u
#define DIFF_OFF 0x5a8ull
#define DIFF_RAM_GIB 0x80000000ull              /* the 1 GiB-aligned base of RAM */

enum { DIFF_LOAD, DIFF_STORE, DIFF_FETCH };

struct diff_scen {
	uint64_t va;
	unsigned leaf;          /* spec level of the leaf the path is built for */
	uint64_t pte[4];        /* pte[i]: the entry at spec level i, i >= leaf */
	unsigned access;
	bool user, sum, mxr;
	char what[64];          /* what the scenario varies */
};

/* Scenarios for @levels 3 (Sv39) or 4 (Sv48). */
unsigned diff_count(unsigned levels);
/* Scenario @idx (< diff_count). */
void diff_scenario(unsigned levels, unsigned idx, struct diff_scen *s);
/* Where the entry at spec level @i of @s lives. */
uint64_t diff_pte_pa(unsigned levels, const struct diff_scen *s, unsigned i);
/* "lui a0, n; ret": planted at DIFF_OFF of each data page (n = DIFF_MARK | page). */
uint64_t diff_code_word(uint32_t n);
#define DIFF_MARK 0x40000u

#endif
