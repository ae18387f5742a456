/* SPDX-License-Identifier: MIT */
/* The differential's scenario generator (diff_gen.h); freestanding, no libc. */
#include "diff_gen.h"

#define VALID (1ull << 0)
#define PAGE (1ull << 1)
#define SH_INNER (3ull << 8)
#define AP1 (1ull << 6)
#define AP2 (1ull << 7)
#define AF (1ull << 10)
#define DBM (1ull << 51)
#define PXN (1ull << 53)
#define UXN (1ull << 54)
#define TABLE (VALID | PAGE)

struct toggle {
	uint64_t bits;
	const char *name;
};

static const struct toggle leaf_toggles[] = {
	{ VALID, "V" }, { PAGE, "b1" }, { 1ull << 2, "Attr1" }, { 3ull << 2, "Attr3" },
	{ AP1, "AP1" }, { AP2, "AP2" }, { AF, "AF" }, { 1ull << 11, "nG" }, { 1ull << 12, "OA12" },
	{ 1ull << 48, "b48" }, { DBM, "DBM" }, { 1ull << 52, "Cont" }, { PXN, "PXN" },
	{ UXN, "UXN" }, { 1ull << 55, "SW55" }, { 1ull << 63, "b63" },
};
#define NR_LT (sizeof(leaf_toggles) / sizeof(leaf_toggles[0]))

static const struct toggle table_toggles[] = {
	{ VALID, "V" }, { PAGE, "b1" }, { 1ull << 59, "PXNTable" }, { 1ull << 60, "UXNTable" },
	{ 1ull << 61, "APTable0" }, { 1ull << 62, "APTable1" }, { 1ull << 63, "NSTable" },
	{ AF, "b10" }, { 1ull << 52, "b52" },
};
#define NR_TT (sizeof(table_toggles) / sizeof(table_toggles[0]))

#define FAM_LEAF (3u * (unsigned)NR_LT * 6u)      /* level, toggle, EL x access */
#define FAM_TABLE (3u * (unsigned)NR_TT * 6u)     /* level 0-2, toggle, EL x access */
#define FAM_HW (2u * 2u * 2u * 3u * 2u)           /* AF, DBM, AP2, HA/HD, load/store */
#define FAM_PERM (4u * 4u * 2u * 2u * 3u)         /* AP, XN, EL, PAN, access */

static const char *const access_names[] = { "load", "store", "fetch" };

unsigned diff_count(void)
{
	return FAM_LEAF + FAM_TABLE + FAM_HW + FAM_PERM;
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

/* The output address a leaf at @leaf holds so that page @page is its target. */
static uint64_t leaf_base(unsigned leaf, unsigned page)
{
	if (leaf == 3)
		return DIFF_DATA + (uint64_t)page * 0x1000;
	return leaf == 2 ? DIFF_DATA : DIFF_RAM_GIB;
}

static uint64_t va_offset(unsigned leaf)
{
	return leaf == 1 ? DIFF_DATA - DIFF_RAM_GIB : 0;
}

/* The path for a leaf at @leaf with bits @bits (output address filled in). */
static void build(struct diff_scen *s, unsigned leaf, unsigned page, uint64_t bits)
{
	s->leaf = leaf;
	s->va = (1ull << 39) + va_offset(leaf) + (uint64_t)page * 0x1000 + DIFF_OFF;
	for (unsigned i = 0; i < 4; i++)
		s->d[i] = 0;
	for (unsigned i = 0; i < leaf; i++)
		s->d[i] = DIFF_TABLE(i + 1) | TABLE;
	s->d[leaf] = leaf_base(leaf, page) | bits | (leaf == 3 ? TABLE : VALID);
}

uint64_t diff_desc_pa(const struct diff_scen *s, unsigned i)
{
	unsigned idx = (unsigned)(s->va >> (39 - 9 * i)) & 511;
	return DIFF_TABLE(i) + idx * 8ull;
}

uint64_t diff_stub_desc(unsigned i)
{
	if (i < 3)
		return (DIFF_STUB_TABLES + 0x1000ull * (i + 1)) | TABLE;
	return DIFF_STUB_PA | TABLE | AF | SH_INNER | AP1 | AP2 | PXN;
}

static void describe(struct diff_scen *s, const char *family, const char *bit, unsigned level)
{
	char *p = s->what, *end = s->what + sizeof(s->what);
	put(&p, end, family);
	put(&p, end, bit);
	put(&p, end, " L");
	put_num(&p, end, level);
	put(&p, end, s->el0 ? " EL0 " : " EL1 ");
	put(&p, end, access_names[s->access]);
	if (s->pan)
		put(&p, end, " PAN");
	put(&p, end, s->ha ? (s->hd ? " HA HD" : " HA") : " noHA");
}

/* EL1-only leaf: AP 00 (EL1 read/write), executable at both ELs, accessed. */
#define BASE (AF | SH_INNER)

void diff_scenario(unsigned idx, struct diff_scen *s)
{
	unsigned page = idx % DIFF_PAGES;
	s->pan = false;
	s->ha = s->hd = true;
	if (idx < FAM_LEAF) {
		unsigned m = idx % 6, t = idx / 6 % NR_LT, leaf = 1 + idx / 6 / NR_LT;
		s->access = m % 3, s->el0 = m / 3;
		build(s, leaf, page, BASE | AP1);
		s->d[leaf] ^= leaf_toggles[t].bits;
		describe(s, "leaf AP01 ^", leaf_toggles[t].name, leaf);
		return;
	}
	idx -= FAM_LEAF;
	if (idx < FAM_TABLE) {
		unsigned m = idx % 6, t = idx / 6 % NR_TT, at = idx / 6 / NR_TT;
		s->access = m % 3, s->el0 = m / 3;
		build(s, 3, page, BASE | AP1);
		s->d[at] ^= table_toggles[t].bits;
		describe(s, "table ^", table_toggles[t].name, at);
		return;
	}
	idx -= FAM_TABLE;
	if (idx < FAM_HW) {
		unsigned m = idx;
		s->access = m % 2, s->el0 = false;
		unsigned hw = m / 2 % 3;
		s->ha = hw > 0, s->hd = hw > 1;
		bool ap2 = m / 6 % 2, dbm = m / 12 % 2, af = m / 24 % 2;
		build(s, 3, page, SH_INNER | (af ? AF : 0) | (dbm ? DBM : 0) | (ap2 ? AP2 : 0));
		describe(s, af ? (dbm ? "hw AF DBM" : "hw AF") : (dbm ? "hw DBM" : "hw"),
			 ap2 ? " AP2" : "", 3);
		return;
	}
	idx -= FAM_HW;
	unsigned m = idx % FAM_PERM;
	s->access = m % 3;
	s->pan = m / 3 % 2;
	s->el0 = m / 6 % 2;
	unsigned xn = m / 12 % 4, ap = m / 48;
	static const char *const ap_names[] = { "AP00", "AP01", "AP10", "AP11" };
	static const char *const xn_names[] = { "", " UXN", " PXN", " UXN PXN" };
	build(s, 3, page, BASE | (uint64_t)ap << 6 | ((xn & 1) ? UXN : 0) | ((xn & 2) ? PXN : 0));
	describe(s, "perm ", ap_names[ap], 3);
	char *p = s->what;
	while (*p)
		p++;
	put(&p, s->what + sizeof(s->what), xn_names[xn]);
}

uint64_t diff_code_word(uint16_t n)
{
	uint32_t movz = 0xd2800000u | (uint32_t)n << 5;      /* movz x0, #n */
	return (uint64_t)0xd65f03c0u << 32 | movz;            /* ret */
}
