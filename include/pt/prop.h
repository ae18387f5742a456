/* SPDX-License-Identifier: MIT */
/* Page properties: access rights, status bits and cache policy of a leaf. */
#ifndef PT_PROP_H
#define PT_PROP_H

#include <stdint.h>

enum pt_flag {
	PT_R = 1u << 0,        /* readable; a leaf without R is mapped but no access */
	PT_W = 1u << 1,
	PT_X = 1u << 2,
	PT_ACCESSED = 1u << 3,
	PT_DIRTY = 1u << 4,
	PT_USER = 1u << 5,     /* accessible from user mode */
	PT_GLOBAL = 1u << 6,   /* survives address-space switches (kernel only) */
	PT_SW0 = 1u << 7,      /* software-available, preserved by the table */
	PT_SW1 = 1u << 8,
	PT_FLAGS_ALL = (1u << 9) - 1,
};

#define PT_RW (PT_R | PT_W)
#define PT_RX (PT_R | PT_X)
#define PT_RWX (PT_R | PT_W | PT_X)

enum pt_cache {
	PT_CACHE_WB = 0,       /* write-back */
	PT_CACHE_WT,           /* write-through */
	PT_CACHE_WC,           /* write-combining */
	PT_CACHE_UC,           /* strong uncacheable */
	PT_CACHE_UC_MINUS,     /* uncacheable, overridable by MTRR WC */
	PT_CACHE_WP,           /* write-protected */
	PT_CACHE__COUNT
};

struct pt_prop {
	uint16_t flags;        /* enum pt_flag bits */
	uint8_t cache;         /* enum pt_cache */
};

static inline struct pt_prop pt_prop_make(uint16_t flags, enum pt_cache cache)
{
	struct pt_prop p = { flags, (uint8_t)cache };
	return p;
}

static inline int pt_prop_eq(struct pt_prop a, struct pt_prop b)
{
	return a.flags == b.flags && a.cache == b.cache;
}

/* A property change applied by protect: clear, then set, then maybe recache. */
struct pt_protect {
	uint16_t clear;        /* flags to remove */
	uint16_t set;          /* flags to add */
	int8_t cache;          /* new enum pt_cache, or -1 to keep the old one */
};

static inline struct pt_prop pt_protect_apply(struct pt_protect op, struct pt_prop p)
{
	p.flags = (uint16_t)((p.flags & ~op.clear) | op.set);
	if (op.cache >= 0)
		p.cache = (uint8_t)op.cache;
	return p;
}

#endif
