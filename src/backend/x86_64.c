/* SPDX-License-Identifier: MIT */
/*
 * x86-64 4-level and 5-level (LA57) entries.
 *
 * Leaves: P = readable. A leaf without R is kept as a software mapping with
 * P = 0 and NOACCESS set, so the hardware ignores it but the table still
 * knows it is mapped. At levels 2 and 3 a leaf has PS (bit 7) set, present or
 * not; at level 1 bit 7 is PAT, never a marker. Table entries are P|W|U: the
 * leaves decide the rights.
 *
 * Cache policies assume the Linux IA32_PAT layout
 *   PA0 WB, PA1 WC, PA2 UC-, PA3 UC, PA4 WB, PA5 WP, PA6 UC-, PA7 WT
 * (value 0x0407050600070106), which reaches all six policies. The PAT index
 * is PAT:PCD:PWT, with PAT at bit 7 in 4 KiB entries and bit 12 in 2 MiB and
 * 1 GiB entries.
 */
#include <pt/format.h>

#define X86_P (1ull << 0)
#define X86_W (1ull << 1)
#define X86_U (1ull << 2)
#define X86_PWT (1ull << 3)
#define X86_PCD (1ull << 4)
#define X86_A (1ull << 5)
#define X86_D (1ull << 6)
#define X86_PS (1ull << 7)
#define X86_PAT_4K (1ull << 7)
#define X86_G (1ull << 8)
#define X86_TRACKED (1ull << 9)     /* software: the leaf owns a frame reference */
#define X86_NOACCESS (1ull << 10)   /* software: a mapped leaf without R (P = 0) */
#define X86_PAT_HUGE (1ull << 12)
#define X86_SW0 (1ull << 52)
#define X86_SW1 (1ull << 53)
#define X86_NX (1ull << 63)

#define X86_ADDR_4K 0x000ffffffffff000ull
#define X86_ADDR_2M 0x000fffffffe00000ull
#define X86_ADDR_1G 0x000fffffc0000000ull

/* PAT index (PAT:PCD:PWT) of each policy under the Linux layout. */
static const uint8_t pat_index_of[PT_CACHE__COUNT] = {
	[PT_CACHE_WB] = 0, [PT_CACHE_WC] = 1, [PT_CACHE_UC_MINUS] = 2,
	[PT_CACHE_UC] = 3, [PT_CACHE_WP] = 5, [PT_CACHE_WT] = 7,
};

static const uint8_t policy_of[8] = {
	PT_CACHE_WB, PT_CACHE_WC, PT_CACHE_UC_MINUS, PT_CACHE_UC,
	PT_CACHE_WB, PT_CACHE_WP, PT_CACHE_UC_MINUS, PT_CACHE_WT,
};

static pt_pte_t pat_bit(pt_level_t level)
{
	return level == 1 ? X86_PAT_4K : X86_PAT_HUGE;
}

static pt_pte_t leaf_addr_mask(pt_level_t level)
{
	return level == 1 ? X86_ADDR_4K : level == 2 ? X86_ADDR_2M : X86_ADDR_1G;
}

static pt_pte_t x86_encode_table(pt_paddr_t pa, pt_level_t level)
{
	(void)level;
	return (pa & X86_ADDR_4K) | X86_P | X86_W | X86_U;
}

static pt_pte_t encode_cache(unsigned cache, pt_level_t level)
{
	unsigned idx = pat_index_of[cache < PT_CACHE__COUNT ? cache : PT_CACHE_UC];
	pt_pte_t v = 0;
	if (idx & 1)
		v |= X86_PWT;
	if (idx & 2)
		v |= X86_PCD;
	if (idx & 4)
		v |= pat_bit(level);
	return v;
}

static pt_pte_t x86_encode_leaf(pt_paddr_t pa, struct pt_prop prop, bool tracked,
				pt_level_t level)
{
	pt_pte_t v = (pa & leaf_addr_mask(level)) | encode_cache(prop.cache, level);
	v |= (prop.flags & PT_R) ? X86_P : X86_NOACCESS;
	if (prop.flags & PT_W)
		v |= X86_W;
	if (prop.flags & PT_USER)
		v |= X86_U;
	if (prop.flags & PT_ACCESSED)
		v |= X86_A;
	if (prop.flags & PT_DIRTY)
		v |= X86_D;
	if (prop.flags & PT_GLOBAL)
		v |= X86_G;
	if (!(prop.flags & PT_X))
		v |= X86_NX;
	if (prop.flags & PT_SW0)
		v |= X86_SW0;
	if (prop.flags & PT_SW1)
		v |= X86_SW1;
	if (tracked)
		v |= X86_TRACKED;
	if (level > 1)
		v |= X86_PS;
	return v;
}

/* The flags held in entry bits 0-8 (P W U A D G; PWT, PCD and bit 7 carry none). */
#define LOW_FLAGS(b)                                                               \
	(uint16_t)(((b) & 1) * PT_R | (((b) >> 1) & 1) * PT_W | (((b) >> 2) & 1) * PT_USER |   \
		   (((b) >> 5) & 1) * PT_ACCESSED | (((b) >> 6) & 1) * PT_DIRTY |            \
		   (((b) >> 8) & 1) * PT_GLOBAL)
#define LOW4(b) LOW_FLAGS(b), LOW_FLAGS((b) + 1), LOW_FLAGS((b) + 2), LOW_FLAGS((b) + 3)
#define LOW16(b) LOW4(b), LOW4((b) + 4), LOW4((b) + 8), LOW4((b) + 12)
#define LOW64(b) LOW16(b), LOW16((b) + 16), LOW16((b) + 32), LOW16((b) + 48)
#define LOW256(b) LOW64(b), LOW64((b) + 64), LOW64((b) + 128), LOW64((b) + 192)

static const uint16_t low_flags[512] = { LOW256(0), LOW256(256) };

/* A table lookup: decode sits on the unmap path once per removed leaf. */
static struct pt_prop decode_prop(pt_pte_t pte, pt_level_t level)
{
	struct pt_prop p;
	unsigned pat = (unsigned)((pte >> (level == 1 ? 7 : 12)) & 1);
	p.cache = policy_of[(unsigned)((pte >> 3) & 3) | pat << 2];
	p.flags = (uint16_t)(low_flags[pte & 511] | (~pte >> 63) * PT_X |
			     ((pte >> 52) & 1) * PT_SW0 | ((pte >> 53) & 1) * PT_SW1);
	return p;
}

static struct pt_pte_info x86_decode(pt_pte_t pte, pt_level_t level)
{
	struct pt_pte_info info = { PT_PTE_ABSENT, 0, { 0, 0 }, false };
	bool mapped = pte & (X86_P | X86_NOACCESS);
	if (!mapped)
		return info;
	if (level > 1 && !(pte & X86_PS)) {
		if (!(pte & X86_P))
			return info;
		info.kind = PT_PTE_TABLE;
		info.pa = pte & X86_ADDR_4K;
		return info;
	}
	info.kind = PT_PTE_LEAF;
	info.pa = pte & leaf_addr_mask(level);
	info.prop = decode_prop(pte, level);
	info.tracked = pte & X86_TRACKED;
	return info;
}

/* In a table entry: A (set by the MMU), and the bits the MMU ignores there. */
#define X86_TABLE_IGNORED (X86_A | (1ull << 6) | (7ull << 8) | (1ull << 11) | (0x7ffull << 52))

/* Above level 1, a table entry is present without PS; leaves always have PS. */
#define X86_TABLE_MASK (X86_P | X86_PS)

#define X86_LEVELS_COMMON                                                          \
	[1] = { X86_ADDR_4K, 0, 12, X86_TRACKED, 0, 0 },                           \
	[2] = { X86_ADDR_2M, X86_ADDR_4K, 12, X86_TRACKED, X86_TABLE_MASK, X86_P },\
	[3] = { X86_ADDR_1G, X86_ADDR_4K, 12, X86_TRACKED, X86_TABLE_MASK, X86_P },\
	[4] = { 0, X86_ADDR_4K, 12, X86_TRACKED, X86_TABLE_MASK, X86_P }

const struct pt_format pt_format_x86_64_4level = {
	.name = "x86-64 4-level",
	.levels = 4,
	.index_bits = 9,
	.page_shift = 12,
	.max_leaf_level = 3,
	.va_bits = 48,
	.va_sign_extend = true,
	.pa_bits = 52,
	.prop_flags = PT_FLAGS_ALL,
	.prop_caches = (1u << PT_CACHE__COUNT) - 1,
	.table_ignored = X86_TABLE_IGNORED,
	.lv = { X86_LEVELS_COMMON },
	.encode_table = x86_encode_table,
	.encode_leaf = x86_encode_leaf,
	.decode = x86_decode,
};

const struct pt_format pt_format_x86_64_5level = {
	.name = "x86-64 5-level",
	.levels = 5,
	.index_bits = 9,
	.page_shift = 12,
	.max_leaf_level = 3,
	.va_bits = 57,
	.va_sign_extend = true,
	.pa_bits = 52,
	.prop_flags = PT_FLAGS_ALL,
	.prop_caches = (1u << PT_CACHE__COUNT) - 1,
	.table_ignored = X86_TABLE_IGNORED,
	.lv = { X86_LEVELS_COMMON, [5] = { 0, X86_ADDR_4K, 12, X86_TRACKED, X86_TABLE_MASK, X86_P } },
	.encode_table = x86_encode_table,
	.encode_leaf = x86_encode_leaf,
	.decode = x86_decode,
};
