/* SPDX-License-Identifier: MIT */
/*
 * RISC-V Sv39 and Sv48 entries (privileged spec, "Sv39" / "Sv48"; Svpbmt).
 *
 * A valid entry with R = W = X = 0 points at the next table; any other valid
 * entry is a leaf, at every level (Sv39 1 GiB and Sv48 512 GiB leaves sit in
 * the root). Table entries are V alone: A, D and U are reserved there.
 *
 * Leaves: R, W, X, U, G, A, D are the hardware bits. A leaf without R (the
 * core's "mapped, no access"; W without R is reserved on RISC-V) is stored
 * with V = 0 and NOACCESS, a reserved bit the hardware never reads in an
 * invalid entry. The two RSW bits hold the tracked marker and PT_SW0; there
 * is no room for PT_SW1. Svpbmt gives three memory types: PMA (write-back
 * main memory), NC and IO; WT, WP and UC- have no encoding.
 */
#include <pt/format.h>

#define RV_V (1ull << 0)
#define RV_R (1ull << 1)
#define RV_W (1ull << 2)
#define RV_X (1ull << 3)
#define RV_U (1ull << 4)
#define RV_G (1ull << 5)
#define RV_A (1ull << 6)
#define RV_D (1ull << 7)
#define RV_TRACKED (1ull << 8)     /* RSW: the leaf owns a frame reference */
#define RV_SW0 (1ull << 9)         /* RSW */
#define RV_NOACCESS (1ull << 54)   /* V = 0 entries only: a mapped leaf without R */
#define RV_PBMT_SHIFT 61
#define RV_PBMT_NC (1ull << RV_PBMT_SHIFT)
#define RV_PBMT_IO (2ull << RV_PBMT_SHIFT)
#define RV_PBMT_MASK (3ull << RV_PBMT_SHIFT)

#define RV_PPN_SHIFT 10
#define RV_PPN_MASK 0x003ffffffffffc00ull   /* bits 10-53: PPN, physical bits 12-55 */

/* Address bits of a leaf at @level: the PPN without its level-aligned low part. */
#define RV_LEAF_ADDR(level) (RV_PPN_MASK & ~((1ull << (RV_PPN_SHIFT + 9 * ((level) - 1))) - 1))

/* R, W, X: a valid entry is a table entry iff all three are clear. */
#define RV_TABLE_MASK (RV_V | RV_R | RV_W | RV_X)

static const struct {
	uint16_t flag;
	pt_pte_t bit;
} rv_flags[] = {
	{ PT_W, RV_W }, { PT_X, RV_X }, { PT_USER, RV_U }, { PT_GLOBAL, RV_G },
	{ PT_ACCESSED, RV_A }, { PT_DIRTY, RV_D }, { PT_SW0, RV_SW0 },
};
#define RV_NR_FLAGS (sizeof(rv_flags) / sizeof(rv_flags[0]))

static pt_pte_t addr_bits(pt_paddr_t pa)
{
	return (pa >> 12) << RV_PPN_SHIFT;
}

static pt_pte_t rv_encode_table(pt_paddr_t pa, pt_level_t level)
{
	(void)level;
	return (addr_bits(pa) & RV_PPN_MASK) | RV_V;
}

static pt_pte_t encode_cache(unsigned cache)
{
	if (cache == PT_CACHE_WC)
		return RV_PBMT_NC;
	return cache == PT_CACHE_UC ? RV_PBMT_IO : 0;
}

static pt_pte_t rv_encode_leaf(pt_paddr_t pa, struct pt_prop prop, bool tracked,
			       pt_level_t level)
{
	pt_pte_t v = (addr_bits(pa) & RV_LEAF_ADDR(level)) | encode_cache(prop.cache);
	v |= (prop.flags & PT_R) ? RV_V | RV_R : RV_NOACCESS;
	for (unsigned i = 0; i < RV_NR_FLAGS; i++)
		if (prop.flags & rv_flags[i].flag)
			v |= rv_flags[i].bit;
	if (tracked)
		v |= RV_TRACKED;
	return v;
}

static struct pt_prop decode_prop(pt_pte_t pte)
{
	static const uint8_t policy_of[4] = { PT_CACHE_WB, PT_CACHE_WC, PT_CACHE_UC, PT_CACHE_WB };
	struct pt_prop p = { (pte & RV_R) ? PT_R : 0, policy_of[(pte & RV_PBMT_MASK) >> RV_PBMT_SHIFT] };
	for (unsigned i = 0; i < RV_NR_FLAGS; i++)
		if (pte & rv_flags[i].bit)
			p.flags |= rv_flags[i].flag;
	return p;
}

static struct pt_pte_info rv_decode(pt_pte_t pte, pt_level_t level)
{
	struct pt_pte_info info = { PT_PTE_ABSENT, 0, { 0, 0 }, false };
	if (!(pte & (RV_V | RV_NOACCESS)))
		return info;
	if ((pte & RV_TABLE_MASK) == RV_V) {
		if (level == 1)
			return info;
		info.kind = PT_PTE_TABLE;
		info.pa = ((pte & RV_PPN_MASK) >> RV_PPN_SHIFT) << 12;
		return info;
	}
	info.kind = PT_PTE_LEAF;
	info.pa = ((pte & RV_LEAF_ADDR(level)) >> RV_PPN_SHIFT) << 12;
	info.prop = decode_prop(pte);
	info.tracked = pte & RV_TRACKED;
	return info;
}

#define RV_LEVEL(l) { RV_LEAF_ADDR(l), RV_PPN_MASK, RV_PPN_SHIFT, RV_TRACKED, RV_TABLE_MASK, RV_V }

/* Everything Sv39 and Sv48 share: geometry, property support, the codec. */
#define RV_COMMON                                                                  \
	.index_bits = 9, .page_shift = 12, .va_sign_extend = true, .pa_bits = 56,  \
	.prop_flags = PT_FLAGS_ALL & ~PT_SW1,                                      \
	.prop_caches = 1u << PT_CACHE_WB | 1u << PT_CACHE_WC | 1u << PT_CACHE_UC,  \
	.encode_table = rv_encode_table, .encode_leaf = rv_encode_leaf,            \
	.decode = rv_decode

#define RV_LEVEL1 { RV_LEAF_ADDR(1), 0, RV_PPN_SHIFT, RV_TRACKED, 0, 0 }

const struct pt_format pt_format_riscv_sv39 = {
	RV_COMMON,
	.name = "RISC-V Sv39",
	.levels = 3,
	.max_leaf_level = 3,
	.va_bits = 39,
	.lv = { [1] = RV_LEVEL1, [2] = RV_LEVEL(2), [3] = RV_LEVEL(3) },
};

const struct pt_format pt_format_riscv_sv48 = {
	RV_COMMON,
	.name = "RISC-V Sv48",
	.levels = 4,
	.max_leaf_level = 4,
	.va_bits = 48,
	.lv = { [1] = RV_LEVEL1, [2] = RV_LEVEL(2), [3] = RV_LEVEL(3), [4] = RV_LEVEL(4) },
};
