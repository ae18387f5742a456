/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the test_core_*.c suites (header-only, on top of harness.h). */
#ifndef PT_TEST_CORE_UTIL_H
#define PT_TEST_CORE_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "harness.h"

/* One past the last user (lower-half) address of th_fmt. */
static inline pt_vaddr_t cu_user_end(void)
{
	return 1ull << (th_fmt->va_bits - 1);
}

/* One past the highest physical address th_fmt can encode. */
static inline pt_paddr_t cu_pa_limit(void)
{
	return 1ull << th_fmt->pa_bits;
}

/* A wide range from 0 for these tests: one x86 root slot, or the whole user half if smaller. */
static inline uint64_t cu_wide(void)
{
	return cu_user_end() < 512 * GiB ? cu_user_end() : 512 * GiB;
}

/* Every property th_fmt can hold, flag-major; returns how many. */
static inline unsigned cu_props(struct pt_prop *out)
{
	unsigned n = 0;
	for (unsigned flags = 0; flags <= PT_FLAGS_ALL; flags++)
		for (unsigned cache = 0; cache < PT_CACHE__COUNT; cache++) {
			struct pt_prop p = pt_prop_make((uint16_t)flags, (enum pt_cache)cache);
			if (pt_fmt_prop_ok(th_fmt, p))
				out[n++] = p;
		}
	return n;
}

/* RW, user, a software bit and a cache policy other than WB: SW1 and WT where
 * th_fmt holds them, else SW0 and WC. */
static inline struct pt_prop cu_rich_prop(void)
{
	struct pt_prop p = pt_prop_make(PT_RW | PT_USER | PT_SW1, PT_CACHE_WT);
	if (!pt_fmt_prop_ok(th_fmt, p))
		p = pt_prop_make(PT_RW | PT_USER | PT_SW0, PT_CACHE_WC);
	return p;
}

static inline uint64_t cu_size(pt_level_t level)
{
	return pt_fmt_page_size(th_fmt, level);
}

static inline struct pt_item cu_item(pt_paddr_t pa, pt_level_t level, uint16_t flags,
				     bool tracked)
{
	struct pt_item it = { pa, level, { flags, PT_CACHE_WB }, tracked };
	return it;
}

/* Map one item through a cursor covering exactly its page; asserts success. */
static inline void cu_map(struct pt_table *t, pt_vaddr_t va, const struct pt_item *it)
{
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, t, va, cu_size(it->level)), PT_OK);
	assert_int_equal(pt_cursor_map(&m, it), PT_OK);
	pt_cursor_mut_drop(&m);
}

/*
 * map_range [va, va + len) -> pa through a cursor on the wider [win, win + win_len):
 * a cursor on exactly one 2M or 1G slot stands in the node below that slot, so
 * it cannot place a leaf of that size.
 */
static inline void cu_map_in(struct pt_table *t, pt_vaddr_t win, uint64_t win_len, pt_vaddr_t va,
			     pt_paddr_t pa, uint64_t len, struct pt_prop prop)
{
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, t, win, win_len), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, va), PT_OK);
	assert_int_equal(pt_cursor_map_range(&m, pa, len, prop), PT_OK);
	pt_cursor_mut_drop(&m);
}

/* Leaves of @level (0: any) that start inside [va, va + len), found with a read cursor. */
static inline uint64_t cu_count_leaves(struct pt_table *t, pt_vaddr_t va, uint64_t len,
				       pt_level_t level)
{
	struct pt_cursor c;
	uint64_t n = 0;
	assert_int_equal(pt_cursor_new(&c, t, va, len), PT_OK);
	for (;;) {
		pt_vaddr_t found;
		bool ok;
		uint64_t rest = len - (pt_cursor_virt_addr(&c) - va);
		assert_int_equal(pt_cursor_find_next(&c, rest, &found, &ok), PT_OK);
		if (!ok)
			break;
		struct pt_query q;
		assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
		assert_true(q.mapped);
		if (!level || q.item.level == level)
			n++;
		pt_vaddr_t next = q.va + q.len;
		if (next - va >= len)
			break;
		assert_int_equal(pt_cursor_jump(&c, next), PT_OK);
	}
	pt_cursor_drop(&c);
	return n;
}

#endif
