/* SPDX-License-Identifier: MIT */
/*
 * The differential's scenario table, generated the same way on both machines
 * (the test kernel under QEMU, and sim/arm's walker hosted): a walk path
 * written descriptor by descriptor at fixed physical addresses under TTBR0,
 * one access, and the outcome printed as one line the baremetal suite
 * compares.
 *
 * Each scenario maps va = 512 GiB (level-0 slot 1) + voff + page * 4 KiB +
 * DIFF_OFF, with the leaf at Arm level `leaf` (3 = page, 2 = 2 MiB block,
 * 1 = 1 GiB block) pointing into the data region so that a translation lands
 * on data page `page` at DIFF_OFF. Families: every descriptor bit of
 * interest toggled in a leaf at each level, with each access at EL1 and
 * EL0; bits toggled in each table descriptor above a page (APTable,
 * UXNTable, PXNTable, NSTable, the table bit); AF / DBM / AP[2] with
 * TCR_EL1.HA/HD off, HA only, and both; and the permission matrix AP[2:1] x
 * UXN x PXN x EL x PAN x access.
 */
#ifndef BM_DIFF_GEN_H
#define BM_DIFF_GEN_H

#include <stdbool.h>
#include <stdint.h>

#define DIFF_BASE 0x47000000ull                 /* 16 MiB below the end of RAM */
#define DIFF_TABLE(i) (DIFF_BASE + 0x1000ull * (i))  /* the Arm level-i table */
#define DIFF_STUB_TABLES (DIFF_BASE + 0x10000ull)   /* levels 1-3 for the EL0 stub */
#define DIFF_STUB_PA (DIFF_BASE + 0x20000ull)
#define DIFF_STUB_VA 0x10000000ull
#define DIFF_DATA (DIFF_BASE + 0x200000ull)     /* 512 data pages */
#define DIFF_PAGES 512u
#define DIFF_OFF 0x5a8ull
#define DIFF_RAM_GIB 0x40000000ull              /* the 1 GiB-aligned base of RAM */
#define DIFF_MARK 0x4000u

enum { DIFF_LOAD, DIFF_STORE, DIFF_FETCH };

struct diff_scen {
	uint64_t va;
	unsigned leaf;          /* Arm level of the leaf the path is built for */
	uint64_t d[4];          /* d[i]: the descriptor at level i, i <= leaf */
	unsigned access;
	bool el0, pan, ha, hd;
	char what[80];          /* what the scenario varies */
};

unsigned diff_count(void);
/* Scenario @idx (< diff_count). */
void diff_scenario(unsigned idx, struct diff_scen *s);
/* Where the descriptor at level @i of @s lives. */
uint64_t diff_desc_pa(const struct diff_scen *s, unsigned i);
/* The stub page's descriptors: levels 0-3 of DIFF_STUB_VA (EL0 executable, read-only). */
uint64_t diff_stub_desc(unsigned i);
/* "movz x0, #n; ret": planted at DIFF_OFF of each data page (n = DIFF_MARK | page). */
uint64_t diff_code_word(uint16_t n);

#endif
