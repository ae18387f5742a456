/* SPDX-License-Identifier: MIT */
/*
 * The MMU format interface: paging constants and the PTE codec of one
 * architecture mode. The core never reads or writes PTE bits itself; it asks
 * the codec, except on hot paths where it uses the per-level address layout
 * below, which every format must describe exactly.
 *
 * Contract (checked by the round-trip tests of every format):
 *  - the all-zero entry is absent at every level, and tables start zeroed;
 *  - decode(encode_*(x, l), l) == x at every level the entry is legal at;
 *  - a leaf or table entry is affine in the physical address: encoding pa is
 *    encoding 0 OR ((pa >> page_shift) << lv[l].addr_shift), with no overlap;
 *  - lv[l].tracked is a bit the codec sets on tracked leaves and nothing else;
 *  - lv[l].table_mask/table_match tell table entries from leaves exactly as
 *    decode does, for every entry the codec encodes;
 *  - the round trip holds for every property pt_fmt_prop_ok accepts.
 */
#ifndef PT_FORMAT_H
#define PT_FORMAT_H

#include <pt/prop.h>
#include <pt/types.h>

enum pt_pte_kind {
	PT_PTE_ABSENT = 0,
	PT_PTE_TABLE,      /* points at a child table one level down */
	PT_PTE_LEAF,       /* maps a page of the entry's level */
};

/* An entry, decoded. pa is the table's or the page's base address. */
struct pt_pte_info {
	enum pt_pte_kind kind;
	pt_paddr_t pa;
	struct pt_prop prop;   /* leaves only */
	bool tracked;          /* leaves only: the entry owns a frame reference */
};

/* How the physical address sits in an entry of one level. */
struct pt_format_level {
	pt_pte_t leaf_addr_mask;   /* address bits of a leaf at this level */
	pt_pte_t table_addr_mask;  /* address bits of a table entry (0 at level 1) */
	uint8_t addr_shift;        /* entry bit holding physical address bit page_shift */
	pt_pte_t tracked;          /* the tracked-leaf marker bit at this level */
	pt_pte_t table_mask;       /* a non-zero entry is a table entry iff */
	pt_pte_t table_match;      /* (pte & table_mask) == table_match; mask 0: never */
};

struct pt_format {
	const char *name;
	uint8_t levels;            /* number of levels; the root is at this level */
	uint8_t index_bits;        /* log2 of entries per table */
	uint8_t page_shift;        /* log2 of the base page size */
	uint8_t max_leaf_level;    /* highest level whose entries may be leaves */
	uint8_t va_bits;           /* translated virtual-address bits */
	bool va_sign_extend;       /* upper bits must copy bit va_bits-1 */
	/*
	 * Each half of the address space has a root of its own (Arm TTBR0_EL1 for
	 * user tables, TTBR1_EL1 for the kernel): the root indexes va_bits - 1
	 * bits and bit va_bits - 1 picks the root. A table then manages every
	 * slot of its root, and user roots hold no kernel entries.
	 */
	bool split_root;
	/*
	 * Break-before-make (Arm): a live valid entry may not be replaced by a
	 * valid one of another size or output address, another cache policy, or
	 * other bbm_flags. The core writes it absent, has the platform complete
	 * the invalidation on every CPU (pt_tlb_ops.flush_broadcast), then writes
	 * the new entry, all under the cursor's locks.
	 */
	bool bbm;
	uint16_t bbm_flags;
	uint8_t pa_bits;           /* physical-address width the entries can hold */
	uint16_t prop_flags;       /* the enum pt_flag bits a leaf can hold */
	uint8_t prop_caches;       /* the cache policies it can hold: bit (1 << enum pt_cache) */
	struct pt_format_level lv[PT_MAX_LEVELS + 1];   /* indexed by level */

	/* A table entry at @level pointing at the child table at @pa. */
	pt_pte_t (*encode_table)(pt_paddr_t pa, pt_level_t level);
	/* A leaf at @level mapping @pa with @prop; @tracked marks an owned frame. */
	pt_pte_t (*encode_leaf)(pt_paddr_t pa, struct pt_prop prop, bool tracked,
				pt_level_t level);
	/* Decode @pte found at @level. Never fails: unknown bits are ignored. */
	struct pt_pte_info (*decode)(pt_pte_t pte, pt_level_t level);
};

/* The formats libpt ships. */
extern const struct pt_format pt_format_x86_64_4level;
extern const struct pt_format pt_format_x86_64_5level;
extern const struct pt_format pt_format_riscv_sv39;
extern const struct pt_format pt_format_riscv_sv48;
/* VMSAv8-64 stage 1, 4 KiB granule, 48-bit VA per root (src/backend/aarch64.c). */
extern const struct pt_format pt_format_aarch64_4k48;

/* The MAIR_EL1 value pt_format_aarch64_4k48's AttrIndx assumes: WB, WT, NC (WC), Device-nGnRnE (UC). */
#define PT_AARCH64_MAIR 0x0044bbffull

/* True if leaves of @f can hold @prop exactly; the core refuses others (PT_ERR_INVAL). */
static inline bool pt_fmt_prop_ok(const struct pt_format *f, struct pt_prop prop)
{
	return !(prop.flags & ~f->prop_flags) && prop.cache < PT_CACHE__COUNT &&
	       ((f->prop_caches >> prop.cache) & 1);
}

static inline uint64_t pt_fmt_page_size(const struct pt_format *f, pt_level_t level)
{
	return (uint64_t)1 << (f->page_shift + f->index_bits * (level - 1));
}

static inline unsigned pt_fmt_nr_entries(const struct pt_format *f)
{
	return 1u << f->index_bits;
}

static inline unsigned pt_fmt_index(const struct pt_format *f, pt_vaddr_t va,
				    pt_level_t level)
{
	unsigned shift = f->page_shift + f->index_bits * (level - 1);
	return (unsigned)(va >> shift) & (pt_fmt_nr_entries(f) - 1);
}

/* The address bits of an entry at @level for @pa (affine part of the codec). */
static inline pt_pte_t pt_fmt_addr_bits(const struct pt_format *f, pt_paddr_t pa,
					pt_level_t level)
{
	return (pa >> f->page_shift) << f->lv[level].addr_shift;
}

/* The physical address held by a leaf (@leaf) or table entry at @level. */
static inline pt_paddr_t pt_fmt_pte_addr(const struct pt_format *f, pt_pte_t pte,
					 pt_level_t level, bool leaf)
{
	pt_pte_t mask = leaf ? f->lv[level].leaf_addr_mask : f->lv[level].table_addr_mask;
	return ((pte & mask) >> f->lv[level].addr_shift) << f->page_shift;
}

/* True if the non-zero entry @pte at @level is a table entry (decode's PT_PTE_TABLE). */
static inline bool pt_fmt_is_table(const struct pt_format *f, pt_pte_t pte, pt_level_t level)
{
	const struct pt_format_level *lv = &f->lv[level];
	return lv->table_mask && (pte & lv->table_mask) == lv->table_match;
}

/* True if @va is canonical for @f (sign-extended from bit va_bits-1). */
static inline bool pt_fmt_canonical(const struct pt_format *f, pt_vaddr_t va)
{
	if (f->va_bits >= 64)
		return true;
	uint64_t top = va >> (f->va_bits - 1);
	if (!f->va_sign_extend)
		return (va >> f->va_bits) == 0;
	return top == 0 || top == (UINT64_MAX >> (f->va_bits - 1));
}

#endif
