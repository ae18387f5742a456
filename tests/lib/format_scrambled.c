/* SPDX-License-Identifier: MIT */
/*
 * A test-only MMU format that places everything differently at each level:
 * the address field starts at another bit, the attribute bits are rotated,
 * and a level-specific salt bit is set in every entry. A core that reads
 * entry bits itself, or uses an entry at the wrong level, fails its tests
 * on this format.
 */
#include "format_scrambled.h"

enum attr {
	A_TABLE, A_LEAF, A_R, A_W, A_X, A_ACC, A_DIRTY, A_USER, A_GLOBAL,
	A_SW0, A_SW1, A_TRACKED, A_CACHE0, A_CACHE1, A_CACHE2, A__COUNT
};

#define ATTR_BASE 49
#define PA_BITS 40

static pt_pte_t attr_bit(enum attr a, pt_level_t level)
{
	return (pt_pte_t)1 << (ATTR_BASE + (a + 4 * level) % A__COUNT);
}

static unsigned addr_shift(pt_level_t level)
{
	return 12 + 2 * level;
}

static pt_pte_t addr_mask(pt_level_t level, unsigned align_level)
{
	unsigned lo = addr_shift(level) + 9 * (align_level - 1);
	unsigned hi = addr_shift(level) + (PA_BITS - 12);
	return (((pt_pte_t)1 << hi) - 1) & ~(((pt_pte_t)1 << lo) - 1);
}

static pt_pte_t salt(pt_level_t level)
{
	return (pt_pte_t)1 << (level - 1);
}

static pt_pte_t addr_bits(pt_paddr_t pa, pt_level_t level)
{
	return (pa >> 12) << addr_shift(level);
}

static pt_paddr_t addr_of(pt_pte_t pte, pt_level_t level, unsigned align_level)
{
	return ((pte & addr_mask(level, align_level)) >> addr_shift(level)) << 12;
}

static pt_pte_t scr_encode_table(pt_paddr_t pa, pt_level_t level)
{
	return addr_bits(pa, level) | attr_bit(A_TABLE, level) | salt(level);
}

static const struct { uint16_t flag; enum attr a; } flag_map[] = {
	{ PT_R, A_R }, { PT_W, A_W }, { PT_X, A_X }, { PT_ACCESSED, A_ACC },
	{ PT_DIRTY, A_DIRTY }, { PT_USER, A_USER }, { PT_GLOBAL, A_GLOBAL },
	{ PT_SW0, A_SW0 }, { PT_SW1, A_SW1 },
};

static pt_pte_t scr_encode_leaf(pt_paddr_t pa, struct pt_prop prop, bool tracked,
				pt_level_t level)
{
	pt_pte_t v = addr_bits(pa, level) | attr_bit(A_LEAF, level) | salt(level);
	for (unsigned i = 0; i < sizeof(flag_map) / sizeof(flag_map[0]); i++)
		if (prop.flags & flag_map[i].flag)
			v |= attr_bit(flag_map[i].a, level);
	for (unsigned b = 0; b < 3; b++)
		if (prop.cache & (1u << b))
			v |= attr_bit((enum attr)(A_CACHE0 + b), level);
	if (tracked)
		v |= attr_bit(A_TRACKED, level);
	return v;
}

static struct pt_pte_info scr_decode(pt_pte_t pte, pt_level_t level)
{
	struct pt_pte_info info = { PT_PTE_ABSENT, 0, { 0, 0 }, false };
	if (pte & attr_bit(A_TABLE, level)) {
		info.kind = PT_PTE_TABLE;
		info.pa = addr_of(pte, level, 1);
		return info;
	}
	if (!(pte & attr_bit(A_LEAF, level)))
		return info;
	info.kind = PT_PTE_LEAF;
	info.pa = addr_of(pte, level, level);
	for (unsigned i = 0; i < sizeof(flag_map) / sizeof(flag_map[0]); i++)
		if (pte & attr_bit(flag_map[i].a, level))
			info.prop.flags |= flag_map[i].flag;
	for (unsigned b = 0; b < 3; b++)
		if (pte & attr_bit((enum attr)(A_CACHE0 + b), level))
			info.prop.cache |= (uint8_t)(1u << b);
	info.tracked = pte & attr_bit(A_TRACKED, level);
	return info;
}



struct pt_format pt_format_scrambled = {
	.name = "scrambled",
	.levels = 4,
	.index_bits = 9,
	.page_shift = 12,
	.max_leaf_level = 3,
	.va_bits = 48,
	.va_sign_extend = true,
	.pa_bits = PA_BITS,
	.prop_flags = PT_FLAGS_ALL,
	.prop_caches = (1u << PT_CACHE__COUNT) - 1,
	/* Filled by pt_format_scrambled_init: masks are computed, not constant. */
	.encode_table = scr_encode_table,
	.encode_leaf = scr_encode_leaf,
	.decode = scr_decode,
};

void pt_format_scrambled_init(void)
{
	struct pt_format *f = &pt_format_scrambled;
	for (pt_level_t l = 1; l <= f->levels; l++) {
		f->lv[l].leaf_addr_mask = l <= f->max_leaf_level ? addr_mask(l, l) : 0;
		f->lv[l].table_addr_mask = l > 1 ? addr_mask(l, 1) : 0;
		f->lv[l].addr_shift = (uint8_t)addr_shift(l);
		f->lv[l].tracked = attr_bit(A_TRACKED, l);
		f->lv[l].table_mask = l > 1 ? attr_bit(A_TABLE, l) : 0;
		f->lv[l].table_match = f->lv[l].table_mask;
	}
}
