/* SPDX-License-Identifier: MIT */
/* Codec round trips for every format: every property it holds at every leaf level, table entries, zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "harness.h"

#define NR_FORMATS 6

static const struct pt_format *formats[NR_FORMATS];

static pt_paddr_t sample_pa(const struct pt_format *f, pt_level_t level)
{
	/* The highest level-aligned address the format can hold, with many bits set. */
	uint64_t size = pt_fmt_page_size(f, level);
	pt_paddr_t top = (((uint64_t)1 << f->pa_bits) - 1) & ~(size - 1);
	return top & 0xfffffaaaaaaaaaaaull & ~(size - 1);
}

static void zero_is_absent(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_FORMATS; i++)
		for (pt_level_t l = 1; l <= formats[i]->levels; l++)
			assert_int_equal(formats[i]->decode(0, l).kind, PT_PTE_ABSENT);
}

static void leaf_round_trip(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_FORMATS; i++) {
		const struct pt_format *f = formats[i];
		for (pt_level_t l = 1; l <= f->max_leaf_level; l++) {
			pt_paddr_t pa = sample_pa(f, l);
			for (uint32_t flags = 0; flags <= PT_FLAGS_ALL; flags++)
				for (unsigned cache = 0; cache < PT_CACHE__COUNT; cache++)
					for (int tracked = 0; tracked < 2; tracked++) {
						struct pt_prop p = pt_prop_make((uint16_t)flags, cache);
						if (!pt_fmt_prop_ok(f, p))
							continue;
						pt_pte_t pte = f->encode_leaf(pa, p, tracked, l);
						struct pt_pte_info info = f->decode(pte, l);
						assert_int_equal(info.kind, PT_PTE_LEAF);
						assert_int_equal(info.pa, pa);
						assert_int_equal(info.prop.flags, flags);
						assert_int_equal(info.prop.cache, cache);
						assert_int_equal(info.tracked, tracked);
						assert_int_equal(!!(pte & f->lv[l].tracked), tracked);
						/* Affine in the address: template OR address bits. */
						pt_pte_t tmpl = f->encode_leaf(0, p, tracked, l);
						assert_int_equal(tmpl & pt_fmt_addr_bits(f, pa, l), 0);
						assert_int_equal(tmpl | pt_fmt_addr_bits(f, pa, l), pte);
						assert_int_equal(pt_fmt_pte_addr(f, pte, l, true), pa);
						assert_false(pt_fmt_is_table(f, pte, l));
					}
		}
	}
}

static void table_round_trip(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_FORMATS; i++) {
		const struct pt_format *f = formats[i];
		for (pt_level_t l = 2; l <= f->levels; l++) {
			pt_paddr_t pa = sample_pa(f, 1);
			pt_pte_t pte = f->encode_table(pa, l);
			struct pt_pte_info info = f->decode(pte, l);
			assert_int_equal(info.kind, PT_PTE_TABLE);
			assert_int_equal(info.pa, pa);
			assert_int_equal(pt_fmt_pte_addr(f, pte, l, false), pa);
			assert_true(pt_fmt_is_table(f, pte, l));
			assert_int_equal(f->encode_table(0, l) | pt_fmt_addr_bits(f, pa, l), pte);
		}
	}
}

/* The x86 encoding itself, bit by bit, as the hardware reads it. */
static void x86_bits(void **state)
{
	(void)state;
	const struct pt_format *f = &pt_format_x86_64_4level;
	pt_pte_t pte = f->encode_leaf(0x12345000, pt_prop_make(PT_RW | PT_USER, PT_CACHE_WB), false, 1);
	assert_int_equal(pte, 0x8000000012345007ull);           /* P W U, NX */
	pte = f->encode_leaf(0x40000000, pt_prop_make(PT_RX | PT_GLOBAL, PT_CACHE_WT), false, 3);
	/* PS, G, PAT at bit 12 + PCD + PWT for WT (PAT index 7), executable. */
	assert_int_equal(pte, 0x40000000ull | 0x1 | 0x80 | 0x100 | 0x1000 | 0x10 | 0x8);
	pte = f->encode_leaf(0x1000, pt_prop_make(PT_R, PT_CACHE_WP), false, 1);
	assert_int_equal(pte & 0x98, 0x88);                      /* PAT bit 7 + PWT: index 5 */
	pte = f->encode_leaf(0x200000, pt_prop_make(PT_W, PT_CACHE_WB), false, 2);
	assert_int_equal(pte & 1, 0);                            /* no R: not present */
	assert_int_equal(f->decode(pte, 2).kind, PT_PTE_LEAF);
	assert_int_equal(f->encode_table(0x5000, 4), 0x5007);
}

/* The RISC-V encoding, as the privileged spec and Svpbmt lay it out. */
static void riscv_bits(void **state)
{
	(void)state;
	const struct pt_format *f = &pt_format_riscv_sv39;
	/* V R W U A D, PPN 0x80200 at bit 10. */
	pt_pte_t pte = f->encode_leaf(0x80200000, pt_prop_make(PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY,
							       PT_CACHE_WB), false, 1);
	assert_int_equal(pte, 0x200800d7ull);
	/* A 1 GiB leaf in the root: V R X G, PBMT IO (bit 62). */
	pte = f->encode_leaf(0x40000000, pt_prop_make(PT_RX | PT_GLOBAL, PT_CACHE_UC), false, 3);
	assert_int_equal(pte, 0x400000001000002bull);
	/* PBMT NC (bit 61); RSW bit 8 tracked, bit 9 SW0. */
	pte = f->encode_leaf(0x1000, pt_prop_make(PT_R | PT_SW0, PT_CACHE_WC), true, 1);
	assert_int_equal(pte, 0x2000000000000000ull | 0x400 | 0x300 | 0x3);
	/* No R: V = 0, still a mapping to the table. */
	pte = f->encode_leaf(0x200000, pt_prop_make(PT_W | PT_X, PT_CACHE_WB), false, 2);
	assert_int_equal(pte & 1, 0);
	assert_int_equal(f->decode(pte, 2).kind, PT_PTE_LEAF);
	assert_int_equal(f->decode(pte, 2).prop.flags, PT_W | PT_X);
	/* A table entry is V alone; V with R = W = X = 0 at level 1 is reserved. */
	assert_int_equal(f->encode_table(0x80001000, 3), 0x20000401ull);
	assert_int_equal(f->decode(0x20000401ull, 1).kind, PT_PTE_ABSENT);
	/* Properties without an encoding. */
	assert_false(pt_fmt_prop_ok(f, pt_prop_make(PT_R | PT_SW1, PT_CACHE_WB)));
	assert_false(pt_fmt_prop_ok(f, pt_prop_make(PT_R, PT_CACHE_WT)));
	assert_false(pt_fmt_prop_ok(f, pt_prop_make(PT_R, PT_CACHE_UC_MINUS)));
	assert_true(pt_fmt_prop_ok(&pt_format_riscv_sv48, pt_prop_make(PT_FLAGS_ALL & ~PT_SW1,
									 PT_CACHE_WC)));
	/* Sv48 leaves reach the root: 512 GiB. */
	assert_int_equal(pt_format_riscv_sv48.max_leaf_level, 4);
	assert_int_equal(pt_fmt_page_size(&pt_format_riscv_sv48, 4), 512ull << 30);
}

/* The AArch64 encoding, as VMSAv8-64 lays out stage 1 descriptors (4 KiB granule). */
static void aarch64_bits(void **state)
{
	(void)state;
	const struct pt_format *f = &pt_format_aarch64_4k48;
	/* A page: 0b11, AttrIndx 0, AP = 01 (EL0 RW), SH 11, AF, nG, DBM, PXN. */
	pt_pte_t pte = f->encode_leaf(0x12345000, pt_prop_make(PT_RW | PT_USER | PT_X | PT_ACCESSED |
							       PT_DIRTY, PT_CACHE_WB), false, 1);
	assert_int_equal(pte, 0x0028000012345f43ull);
	/* A 2 MiB kernel block: 0b01, AttrIndx 3 (Device-nGnRnE), AP = 10 (EL1 RO), global,
	 * UXN, executable at EL1 (PXN clear), tracked (bit 55). */
	pte = f->encode_leaf(0x40200000, pt_prop_make(PT_RX | PT_GLOBAL | PT_ACCESSED, PT_CACHE_UC),
			     true, 2);
	assert_int_equal(pte, 0x00c0000040200000ull | 0x1 | 0xc | 0x80 | 0x300 | 0x400);
	/* A 1 GiB block, WT (AttrIndx 1) and WC (AttrIndx 2); kernel non-executable: PXN and UXN. */
	pte = f->encode_leaf(0x80000000, pt_prop_make(PT_R, PT_CACHE_WT), false, 3);
	assert_int_equal(pte, 0x0060000080000000ull | 0x1 | 0x4 | 0x80 | 0x300 | 0x800);
	assert_int_equal(f->encode_leaf(0, pt_prop_make(PT_R, PT_CACHE_WC), false, 1) & 0x1c, 0x8);
	/* SW0, SW1: bits 56, 57. */
	pte = f->encode_leaf(0, pt_prop_make(PT_R | PT_SW0 | PT_SW1, PT_CACHE_WB), false, 1);
	assert_int_equal(pte >> 55 & 0xf, 0x6);
	/* No R: bit 0 clear, marker bit 63, still a mapping. */
	pte = f->encode_leaf(0x200000, pt_prop_make(PT_W | PT_X, PT_CACHE_WB), false, 2);
	assert_int_equal(pte & 1, 0);
	assert_true(pte >> 63);
	assert_int_equal(f->decode(pte, 2).kind, PT_PTE_LEAF);
	assert_int_equal(f->decode(pte, 2).prop.flags, PT_W | PT_X);
	/* Table descriptors are 0b11 with the next-level address and no APTable/XNTable. */
	assert_int_equal(f->encode_table(0x80001000, 4), 0x80001003ull);
	assert_int_equal(f->decode(0x80001003ull, 2).kind, PT_PTE_TABLE);
	/* 0b11 at level 3 is a page; 0b01 there and blocks at level 0 are reserved. */
	assert_int_equal(f->decode(0x80001003ull, 1).kind, PT_PTE_LEAF);
	assert_int_equal(f->decode(0x80001001ull, 1).kind, PT_PTE_ABSENT);
	assert_int_equal(f->decode(0x8000000001ull, 4).kind, PT_PTE_ABSENT);
	/* Held policies; 1 GiB leaves at most; two roots of 48 bits. */
	assert_false(pt_fmt_prop_ok(f, pt_prop_make(PT_R, PT_CACHE_UC_MINUS)));
	assert_false(pt_fmt_prop_ok(f, pt_prop_make(PT_R, PT_CACHE_WP)));
	assert_true(pt_fmt_prop_ok(f, pt_prop_make(PT_FLAGS_ALL, PT_CACHE_WT)));
	assert_int_equal(f->max_leaf_level, 3);
	assert_true(f->split_root);
	assert_true(pt_fmt_canonical(f, 0xffff000000000000ull));
	assert_true(pt_fmt_canonical(f, 0x0000ffffffffffffull));
	assert_false(pt_fmt_canonical(f, 0x0001000000000000ull));
	assert_false(pt_fmt_canonical(f, 0xfffe000000000000ull));
	assert_int_equal(PT_AARCH64_MAIR, 0x0044bbffull);
}

/* Hardware dirty state: writable-clean is AP[2] = 1 with DBM; a protect clearing W clears DBM. */
static void aarch64_dirty_states(void **state)
{
	(void)state;
	const struct pt_format *f = &pt_format_aarch64_4k48;
	const pt_pte_t ap2 = 1ull << 7, dbm = 1ull << 51, swd = 1ull << 58;
	struct {
		uint16_t flags;
		pt_pte_t want;
	} rows[] = {
		{ PT_R | PT_W, ap2 | dbm },          /* writable-clean */
		{ PT_R | PT_W | PT_DIRTY, dbm },     /* writable-dirty */
		{ PT_R, ap2 },                       /* read-only: DBM clear */
		{ PT_R | PT_DIRTY, ap2 | swd },      /* read-only, dirty in software */
	};
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		pt_pte_t pte = f->encode_leaf(0x1000, pt_prop_make(rows[i].flags, PT_CACHE_WB), false, 1);
		assert_int_equal(pte & (ap2 | dbm | swd), rows[i].want);
	}
	/* What the MMU's DBM update does (AP[2] cleared) reads back as dirty. */
	pt_pte_t clean = f->encode_leaf(0x1000, pt_prop_make(PT_RW, PT_CACHE_WB), false, 1);
	assert_int_equal(f->decode(clean & ~ap2, 1).prop.flags, PT_RW | PT_DIRTY);
}

/* Entries do not decode the same at other levels in the scrambled format. */
static void scrambled_levels_differ(void **state)
{
	(void)state;
	const struct pt_format *f = &pt_format_scrambled;
	pt_pte_t leaf = f->encode_leaf(0x40000000, pt_prop_make(PT_RW, PT_CACHE_WB), false, 2);
	assert_int_not_equal(f->encode_leaf(0x40000000, pt_prop_make(PT_RW, PT_CACHE_WB), false, 3),
			     leaf);
	struct pt_pte_info wrong = f->decode(leaf, 3);
	assert_false(wrong.kind == PT_PTE_LEAF && wrong.pa == 0x40000000 &&
		     wrong.prop.flags == PT_RW);
}

int main(void)
{
	pt_format_scrambled_init();
	formats[0] = &pt_format_x86_64_4level;
	formats[1] = &pt_format_x86_64_5level;
	formats[2] = &pt_format_scrambled;
	formats[3] = &pt_format_riscv_sv39;
	formats[4] = &pt_format_riscv_sv48;
	formats[5] = &pt_format_aarch64_4k48;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zero_is_absent),
		cmocka_unit_test(leaf_round_trip),
		cmocka_unit_test(table_round_trip),
		cmocka_unit_test(x86_bits),
		cmocka_unit_test(riscv_bits),
		cmocka_unit_test(aarch64_bits),
		cmocka_unit_test(aarch64_dirty_states),
		cmocka_unit_test(scrambled_levels_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
