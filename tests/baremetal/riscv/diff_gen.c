/* SPDX-License-Identifier: MIT */
/* The differential's scenario generator (diff_gen.h); freestanding, no libc. */
#include "diff_gen.h"

#define V (1ull << 0)
#define R (1ull << 1)
#define W (1ull << 2)
#define X (1ull << 3)
#define U (1ull << 4)
#define G (1ull << 5)
#define A (1ull << 6)
#define D (1ull << 7)
#define PPN_SHIFT 10

static const struct {
	uint64_t bits;
	const char *name;
} toggles[] = {
	{ V, "V" }, { R, "R" }, { W, "W" }, { X, "X" }, { U, "U" }, { G, "G" }, { A, "A" },
	{ D, "D" }, { 1ull << 8, "RSW8" }, { 1ull << 9, "RSW9" }, { 1ull << 10, "PPN0" },
	{ 1ull << 54, "b54" }, { 1ull << 60, "b60" }, { 1ull << 61, "PBMT1" },
	{ 2ull << 61, "PBMT2" }, { 3ull << 61, "PBMT3" }, { 1ull << 63, "N" },
};
#define NR_TOGGLES (sizeof(toggles) / sizeof(toggles[0]))

static const struct {
	uint64_t bits;
	const char *name;
} pointer_toggles[] = {
	{ R, "R" }, { W, "W" }, { X, "X" }, { U, "U" }, { G, "G" }, { A, "A" }, { D, "D" },
	{ 1ull << 54, "b54" }, { 1ull << 61, "PBMT1" }, { 1ull << 63, "N" },
};
#define NR_PTOGGLES (sizeof(pointer_toggles) / sizeof(pointer_toggles[0]))

static const uint64_t perms[] = { R, R | W, X, R | X, R | W | X };
static const char *const perm_names[] = { "R", "RW", "X", "RX", "RWX" };
#define NR_PERMS 5u
#define MATRIX (NR_PERMS * 2 * 2 * 2 * 2 * 3)   /* perm, U, user, SUM, MXR, access */

static const char *const access_names[] = { "load", "store", "fetch" };

static unsigned fam_leaf(unsigned levels)
{
	return levels * (unsigned)NR_TOGGLES * 3;
}

static unsigned fam_pointer(unsigned levels)
{
	return (levels - 1) * (unsigned)NR_PTOGGLES;
}

static unsigned fam_ad(unsigned levels)
{
	return levels * 3;
}

unsigned diff_count(unsigned levels)
{
	return fam_leaf(levels) + fam_pointer(levels) + fam_ad(levels) + 2 * MATRIX;
}

static void put(char **p, char *end, const char *s)
{
	while (*s && *p < end - 1)
		*(*p)++ = *s++;
	**p = 0;
}

static void put_num(char **p, char *end, unsigned v)
{
	char buf[12];
	int n = 0;
	do
		buf[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n && *p < end - 1)
		*(*p)++ = buf[--n];
	**p = 0;
}

/* The physical base a leaf at spec level @leaf points at, and the VA offset
 * that makes page @page of the data region its target. */
static uint64_t leaf_base(unsigned leaf, unsigned page)
{
	if (leaf == 0)
		return DIFF_DATA + (uint64_t)page * 0x1000;
	if (leaf == 1)
		return DIFF_DATA;
	return leaf == 2 ? DIFF_RAM_GIB : 0;
}

static uint64_t va_offset(unsigned leaf)
{
	if (leaf < 2)
		return 0;
	return leaf == 2 ? DIFF_DATA - DIFF_RAM_GIB : DIFF_DATA;
}

/* The path for a leaf at @leaf with bits @leaf_bits (PPN filled in). */
static void build(unsigned levels, struct diff_scen *s, unsigned leaf, unsigned page,
		  uint64_t leaf_bits)
{
	s->leaf = leaf;
	s->va = (1ull << (12 + 9 * (levels - 1))) + va_offset(leaf) + (uint64_t)page * 0x1000 +
		DIFF_OFF;
	for (unsigned i = 0; i < 4; i++)
		s->pte[i] = 0;
	for (unsigned i = levels - 1; i > leaf; i--)
		s->pte[i] = (DIFF_TABLE(levels, i - 1) >> 12) << PPN_SHIFT | V;
	s->pte[leaf] = (leaf_base(leaf, page) >> 12) << PPN_SHIFT | leaf_bits;
}

uint64_t diff_pte_pa(unsigned levels, const struct diff_scen *s, unsigned i)
{
	unsigned idx = (unsigned)(s->va >> (12 + 9 * i)) & 511;
	return DIFF_TABLE(levels, i) + idx * 8ull;
}

static void describe(struct diff_scen *s, const char *family, const char *bit, unsigned level)
{
	char *p = s->what, *end = s->what + sizeof(s->what);
	put(&p, end, family);
	put(&p, end, bit);
	put(&p, end, " L");
	put_num(&p, end, level);
	put(&p, end, s->user ? " U-mode " : " S-mode ");
	put(&p, end, access_names[s->access]);
	if (s->sum)
		put(&p, end, " SUM");
	if (s->mxr)
		put(&p, end, " MXR");
}

void diff_scenario(unsigned levels, unsigned idx, struct diff_scen *s)
{
	unsigned page = idx % DIFF_PAGES;
	s->user = s->sum = s->mxr = false;
	if (idx < fam_leaf(levels)) {
		unsigned t = idx / 3 % NR_TOGGLES, leaf = idx / 3 / NR_TOGGLES;
		s->access = idx % 3;
		build(levels, s, leaf, page, V | R | W | X | A | D);
		s->pte[leaf] ^= toggles[t].bits;
		describe(s, "leaf RWXAD ^", toggles[t].name, leaf);
		return;
	}
	idx -= fam_leaf(levels);
	if (idx < fam_pointer(levels)) {
		unsigned t = idx % NR_PTOGGLES, at = 1 + idx / NR_PTOGGLES;
		s->access = DIFF_LOAD;
		build(levels, s, 0, page, V | R | W | X | A | D);
		s->pte[at] ^= pointer_toggles[t].bits;
		describe(s, "pointer ^", pointer_toggles[t].name, at);
		return;
	}
	idx -= fam_pointer(levels);
	if (idx < fam_ad(levels)) {
		s->access = idx % 3;
		build(levels, s, idx / 3, page, V | R | W | X);
		describe(s, "leaf RWX, A D clear", "", idx / 3);
		return;
	}
	idx -= fam_ad(levels);
	unsigned leaf = idx < MATRIX ? 0 : levels - 1, m = idx % MATRIX;
	s->access = m % 3;
	s->mxr = m / 3 % 2;
	s->sum = m / 6 % 2;
	s->user = m / 12 % 2;
	bool u = m / 24 % 2;
	unsigned perm = m / 48;
	build(levels, s, leaf, page, V | A | D | perms[perm] | (u ? U : 0));
	describe(s, u ? "matrix U " : "matrix ", perm_names[perm], leaf);
}

uint64_t diff_code_word(uint32_t n)
{
	uint32_t lui = (n & 0xfffffu) << 12 | 10u << 7 | 0x37u;   /* lui a0, n */
	return (uint64_t)0x00008067u << 32 | lui;                 /* ret */
}
