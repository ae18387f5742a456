/* SPDX-License-Identifier: MIT */
/*
 * AArch64 VMSAv8-64 stage 1, 4 KiB granule, 48-bit VA (TxSZ = 16), EL1&0
 * regime with two roots: TTBR0_EL1 holds a user table, TTBR1_EL1 the kernel
 * (split_root). libpt level L is Arm's lookup level 4 - L: libpt 4 is Arm
 * level 0 (table entries only), 3 and 2 hold 1 GiB and 2 MiB blocks, 1 holds
 * pages. Output addresses are 48 bits, OA[47:12] in bits 47:12; FEAT_LPA2
 * (OA[51:50] in bits 9:8, a fifth level) would be another struct pt_format
 * with its own masks and levels: nothing here assumes 48 bits elsewhere.
 *
 * Descriptors: bits 1:0 = 0b11 is a table at Arm levels 0-2 and a page at
 * level 3; 0b01 is a block at levels 1-2 (reserved elsewhere, decoded as
 * absent). Table entries carry no APTable/XNTable/PXNTable restriction: the
 * leaves decide the rights.
 *
 * Leaves: AP[2] (bit 7) read-only, AP[1] (bit 6) EL0 access; UXN/PXN: a user
 * leaf is never executable at EL1 (PXN) and X is !UXN, a kernel leaf is UXN
 * and X is !PXN; AF (bit 10) is PT_ACCESSED; nG (bit 11) is !PT_GLOBAL; SH
 * (bits 9:8) is inner shareable. Dirty state is the hardware's (FEAT_HAFDBS,
 * DBM bit 51): W without DIRTY is writable-clean, AP[2] = 1 with DBM = 1;
 * W with DIRTY is AP[2] = 0 with DBM = 1; without W, DBM = 0 and AP[2] = 1,
 * so a protect that clears W clears DBM too. DIRTY without W (a read-only
 * page the kernel still owes a write-back) is the software bit 58, as
 * Linux's PTE_DIRTY. Software bits 55-57: tracked, PT_SW0, PT_SW1.
 * A leaf without R (mapped, no access) is the same descriptor with bit 0
 * clear and the marker bit 63 set; the MMU ignores every bit of it.
 *
 * Cache policies are AttrIndx (bits 4:2) into this MAIR_EL1 layout
 * (PT_AARCH64_MAIR = 0x0044bbff):
 *   Attr0 0xff Normal, inner/outer write-back non-transient, R/W-allocate: WB
 *   Attr1 0xbb Normal, inner/outer write-through non-transient, R/W-allocate: WT
 *   Attr2 0x44 Normal, inner/outer non-cacheable: WC
 *   Attr3 0x00 Device-nGnRnE: UC
 * UC- and WP are x86 notions (an MTRR override, write-protect) with no
 * attribute of their own here, so they are not held.
 */
#include <pt/format.h>

#define A64_VALID (1ull << 0)
#define A64_TABLE_PAGE (1ull << 1)      /* table at levels 0-2, page at level 3 */
#define A64_ATTR_SHIFT 2
#define A64_ATTR_MASK (7ull << A64_ATTR_SHIFT)
#define A64_AP_EL0 (1ull << 6)          /* AP[1] */
#define A64_AP_RO (1ull << 7)           /* AP[2] */
#define A64_SH_INNER (3ull << 8)
#define A64_AF (1ull << 10)
#define A64_NG (1ull << 11)
#define A64_DBM (1ull << 51)
#define A64_PXN (1ull << 53)
#define A64_UXN (1ull << 54)
#define A64_TRACKED (1ull << 55)        /* software: the leaf owns a frame reference */
#define A64_SW0 (1ull << 56)
#define A64_SW1 (1ull << 57)
#define A64_RO_DIRTY (1ull << 58)       /* software: dirty, not writable */
#define A64_NOACCESS (1ull << 63)       /* invalid descriptors only: a leaf without R */

#define A64_OA_MASK 0x0000fffffffff000ull
#define A64_LEAF_ADDR(level) (A64_OA_MASK & ~((1ull << (12 + 9 * ((level) - 1))) - 1))

static const uint8_t attr_index_of[PT_CACHE__COUNT] = {
	[PT_CACHE_WB] = 0, [PT_CACHE_WT] = 1, [PT_CACHE_WC] = 2, [PT_CACHE_UC] = 3,
};

static const uint8_t policy_of[8] = {
	PT_CACHE_WB, PT_CACHE_WT, PT_CACHE_WC, PT_CACHE_UC,
	PT_CACHE_UC, PT_CACHE_UC, PT_CACHE_UC, PT_CACHE_UC,
};

static pt_pte_t a64_encode_table(pt_paddr_t pa, pt_level_t level)
{
	(void)level;
	return (pa & A64_OA_MASK) | A64_TABLE_PAGE | A64_VALID;
}

static pt_pte_t encode_rights(uint16_t flags)
{
	pt_pte_t v = 0;
	if (flags & PT_USER)
		v |= A64_AP_EL0 | A64_PXN | ((flags & PT_X) ? 0 : A64_UXN);
	else
		v |= A64_UXN | ((flags & PT_X) ? 0 : A64_PXN);
	if (flags & PT_W)
		v |= A64_DBM | ((flags & PT_DIRTY) ? 0 : A64_AP_RO);
	else
		v |= A64_AP_RO | ((flags & PT_DIRTY) ? A64_RO_DIRTY : 0);
	return v;
}

static pt_pte_t a64_encode_leaf(pt_paddr_t pa, struct pt_prop prop, bool tracked,
				pt_level_t level)
{
	uint16_t fl = prop.flags;
	pt_pte_t v = (pa & A64_LEAF_ADDR(level)) | encode_rights(fl) | A64_SH_INNER;
	v |= (pt_pte_t)attr_index_of[prop.cache] << A64_ATTR_SHIFT;
	v |= (level == 1 ? A64_TABLE_PAGE : 0) | ((fl & PT_R) ? A64_VALID : A64_NOACCESS);
	v |= (fl & PT_ACCESSED) ? A64_AF : 0;
	v |= (fl & PT_GLOBAL) ? 0 : A64_NG;
	v |= (fl & PT_SW0) ? A64_SW0 : 0;
	v |= (fl & PT_SW1) ? A64_SW1 : 0;
	return v | (tracked ? A64_TRACKED : 0);
}

static uint16_t decode_flags(pt_pte_t pte)
{
	bool user = pte & A64_AP_EL0;
	uint16_t fl = (pte & A64_VALID) ? PT_R : 0;
	fl |= user ? PT_USER : 0;
	fl |= !(pte & (user ? A64_UXN : A64_PXN)) ? PT_X : 0;
	/* Writable: DBM (clean or dirty) or AP[2] clear; dirty: AP[2] clear or the software bit. */
	fl |= (pte & A64_DBM) || !(pte & A64_AP_RO) ? PT_W : 0;
	fl |= !(pte & A64_AP_RO) || (pte & A64_RO_DIRTY) ? PT_DIRTY : 0;
	fl |= (pte & A64_AF) ? PT_ACCESSED : 0;
	fl |= (pte & A64_NG) ? 0 : PT_GLOBAL;
	fl |= (pte & A64_SW0) ? PT_SW0 : 0;
	fl |= (pte & A64_SW1) ? PT_SW1 : 0;
	return fl;
}

static struct pt_pte_info a64_decode(pt_pte_t pte, pt_level_t level)
{
	struct pt_pte_info info = { PT_PTE_ABSENT, 0, { 0, 0 }, false };
	bool valid = pte & A64_VALID;
	if (!valid && !(pte & A64_NOACCESS))
		return info;
	bool bit1 = pte & A64_TABLE_PAGE;
	if (valid && level > 1 && bit1) {
		info.kind = PT_PTE_TABLE;
		info.pa = pte & A64_OA_MASK;
		return info;
	}
	/* A block above Arm level 1, or 0b01 at level 3, is reserved: it faults. */
	if (level > 3 || bit1 != (level == 1))
		return info;
	info.kind = PT_PTE_LEAF;
	info.pa = pte & A64_LEAF_ADDR(level);
	info.prop = pt_prop_make(decode_flags(pte),
				 (enum pt_cache)policy_of[(pte & A64_ATTR_MASK) >> A64_ATTR_SHIFT]);
	info.tracked = pte & A64_TRACKED;
	return info;
}

#define A64_TABLE_BITS (A64_VALID | A64_TABLE_PAGE)
#define A64_LEVEL(l) { A64_LEAF_ADDR(l), A64_OA_MASK, 12, A64_TRACKED, A64_TABLE_BITS, A64_TABLE_BITS }

const struct pt_format pt_format_aarch64_4k48 = {
	.name = "AArch64 4K 48-bit",
	.levels = 4,
	.index_bits = 9,
	.page_shift = 12,
	.max_leaf_level = 3,
	/* 48 bits per root; bit 48 (the sign) picks TTBR0 or TTBR1. */
	.va_bits = 49,
	.va_sign_extend = true,
	.split_root = true,
	/* D8.16.1: OA, block size, memory type and shareability, and nG. */
	.bbm = true,
	.bbm_flags = PT_GLOBAL,
	.pa_bits = 48,
	.prop_flags = PT_FLAGS_ALL,
	.prop_caches = 1u << PT_CACHE_WB | 1u << PT_CACHE_WT | 1u << PT_CACHE_WC | 1u << PT_CACHE_UC,
	.lv = {
		[1] = { A64_LEAF_ADDR(1), 0, 12, A64_TRACKED, 0, 0 },
		[2] = A64_LEVEL(2),
		[3] = A64_LEVEL(3),
		[4] = { 0, A64_OA_MASK, 12, A64_TRACKED, A64_TABLE_BITS, A64_TABLE_BITS },
	},
	.encode_table = a64_encode_table,
	.encode_leaf = a64_encode_leaf,
	.decode = a64_decode,
};
