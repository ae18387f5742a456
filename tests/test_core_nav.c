/* SPDX-License-Identifier: MIT */
/* Navigation (query, jump, find_next around the barrier) and the table dump. */
#include <stdio.h>
#include <string.h>

#include "core_util.h"

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

/* find_next ends exactly at the barrier even when the slot there extends beyond it. */
static void find_next_stops_at_barrier(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor c;
	pt_vaddr_t found;
	bool ok;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB, 0, 0x1000, RW), PT_OK);
	cu_map_in(&e, 0, 1 * GiB, 8 * MiB, 8 * MiB, 2 * MiB, RW);
	/* Absent slots on both sides of the range. */
	assert_int_equal(pt_cursor_new(&c, &e, 2 * MiB - 0x1000, 0x2000), PT_OK);
	assert_int_equal(pt_cursor_find_next(&c, 0x2000, &found, &ok), PT_OK);
	assert_false(ok);
	assert_int_equal(pt_cursor_virt_addr(&c), 2 * MiB + 0x1000);
	pt_cursor_drop(&c);
	/* The range ends in the middle of a 2M leaf: found at the range start. */
	assert_int_equal(pt_cursor_new(&c, &e, 8 * MiB + 0x3000, 0x2000), PT_OK);
	assert_int_equal(pt_cursor_find_next(&c, 0x2000, &found, &ok), PT_OK);
	assert_true(ok);
	assert_int_equal(found, 8 * MiB + 0x3000);
	struct pt_query q;
	assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
	assert_int_equal(q.va, 8 * MiB);
	assert_int_equal(q.len, 2 * MiB);
	pt_cursor_drop(&c);
	/* A range ending right before the huge leaf; and one just before the 4K page. */
	assert_int_equal(pt_cursor_new(&c, &e, 4 * MiB + 0x1000, 4 * MiB - 0x1000), PT_OK);
	assert_int_equal(pt_cursor_find_next(&c, 4 * MiB - 0x1000, &found, &ok), PT_OK);
	assert_false(ok);
	assert_int_equal(pt_cursor_virt_addr(&c), 8 * MiB);
	assert_int_equal(pt_cursor_query(&c, &q), PT_ERR_VADDR);
	pt_cursor_drop(&c);
	assert_int_equal(pt_cursor_new(&c, &e, 0, 4 * MiB + 0x1000), PT_OK);
	assert_int_equal(pt_cursor_find_next(&c, 4 * MiB, &found, &ok), PT_OK);
	assert_false(ok);
	assert_int_equal(pt_cursor_virt_addr(&c), 4 * MiB);
	assert_int_equal(pt_cursor_find_next(&c, 0x1000, &found, &ok), PT_OK);
	assert_true(ok);
	assert_int_equal(found, 4 * MiB);
	pt_cursor_drop(&c);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* The reference's navigation scenario: jump to the end fails, back to the start works. */
static void jump_end_back_and_huge_middle(void **state)
{
	(void)state;
	struct th h;
	struct pt_table u, k;
	struct pt_cursor_mut m;
	struct pt_query q;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	assert_int_equal(pt_cursor_mut_new(&m, &u, 0, 4 * MiB), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 2 * MiB), PT_OK);
	struct pt_item huge = cu_item(6 * MiB, 2, PT_RW | PT_USER, false);
	assert_int_equal(pt_cursor_map(&m, &huge), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 4 * MiB);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_ERR_VADDR);
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB), PT_ERR_VADDR);
	assert_int_equal(pt_cursor_jump(&m.c, 0), PT_OK);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_false(q.mapped);
	assert_int_equal(q.va, 0);
	assert_int_equal(q.len, 2 * MiB);
	assert_int_equal(pt_cursor_jump(&m.c, 3 * MiB + 0x5000), PT_OK);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_true(q.mapped);
	assert_int_equal(q.va, 2 * MiB);
	assert_int_equal(q.len, 2 * MiB);
	assert_int_equal(q.item.pa, 6 * MiB);
	assert_int_equal(q.item.level, 2);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 3 * MiB + 0x5000);   /* query does not move */
	pt_cursor_mut_drop(&m);
	/* A cursor sitting at its end on the guard level can jump back. */
	assert_int_equal(pt_cursor_mut_new(&m, &u, 2 * MiB - 0x1000, 0x1000), PT_OK);
	struct pt_item page = cu_item(0x9000, 1, PT_RW | PT_USER, false);
	assert_int_equal(pt_cursor_map(&m, &page), PT_OK);
	assert_int_equal(pt_cursor_virt_addr(&m.c), 2 * MiB);
	assert_int_equal(pt_cursor_jump(&m.c, 2 * MiB - 0x1000), PT_OK);
	assert_int_equal(pt_cursor_query(&m.c, &q), PT_OK);
	assert_true(q.mapped);
	assert_int_equal(q.item.pa, 0x9000);
	pt_cursor_mut_drop(&m);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

/* find_next walks mappings in order, skipping absent slots and empty tables. */
static void find_next_in_order(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor c;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	static const pt_vaddr_t pages[] = { 0x7000, 3 * MiB, 1 * GiB + 0x2000, 5 * GiB };
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(th_map_range(&e, pages[i], pages[i], 0x1000, RW), PT_OK);
	/* 1 TiB, or the user half if smaller (Sv39). */
	uint64_t top = cu_user_end() < 1024 * GiB ? cu_user_end() : 1024 * GiB;
	assert_int_equal(pt_cursor_new(&c, &e, top / 2 + 88 * GiB, 0x1000), PT_OK); /* empty tables */
	pt_cursor_drop(&c);
	assert_int_equal(pt_cursor_new(&c, &e, 0, top), PT_OK);
	for (unsigned i = 0; i < 4; i++) {
		pt_vaddr_t found;
		bool ok;
		uint64_t rest = top - pt_cursor_virt_addr(&c);
		assert_int_equal(pt_cursor_find_next(&c, rest, &found, &ok), PT_OK);
		assert_true(ok);
		assert_int_equal(found, pages[i]);
		assert_int_equal(pt_cursor_virt_addr(&c), pages[i]);
		assert_int_equal(pt_cursor_jump(&c, found + 0x1000), PT_OK);
	}
	pt_vaddr_t found;
	bool ok;
	assert_int_equal(pt_cursor_find_next(&c, top - (5 * GiB + 0x1000), &found, &ok), PT_OK);
	assert_false(ok);
	assert_int_equal(pt_cursor_virt_addr(&c), top);
	pt_cursor_drop(&c);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* What find_next, query and a jump past the slot report, one leaf after another. */
static unsigned collect_reference(struct pt_table *t, pt_vaddr_t va, uint64_t len,
				  struct pt_found *out, unsigned max)
{
	struct pt_cursor c;
	unsigned n = 0;
	assert_int_equal(pt_cursor_new(&c, t, va, len), PT_OK);
	for (;;) {
		pt_vaddr_t found;
		bool ok;
		struct pt_query q;
		assert_int_equal(pt_cursor_find_next(&c, va + len - pt_cursor_virt_addr(&c), &found, &ok),
				 PT_OK);
		if (!ok)
			break;
		assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
		assert_true(n < max);
		pt_vaddr_t past = q.va + q.len - va >= len ? va + len : q.va + q.len;
		out[n++] = (struct pt_found){ true, q.va, q.len, q.item, past };
		if (q.va + q.len - va >= len)
			break;
		assert_int_equal(pt_cursor_jump(&c, q.va + q.len), PT_OK);
	}
	pt_cursor_drop(&c);
	return n;
}

/* next_leaf is find_next + query + jump in one call, whatever the leaf sizes and properties. */
static void next_leaf_matches_find_query(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	static const struct pt_prop RO = { PT_R, PT_CACHE_WB };
	static const struct pt_prop UC = { PT_RW, PT_CACHE_UC };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 2 * MiB, 6 * MiB, 2 * MiB, RW), PT_OK);     /* huge */
	assert_int_equal(th_map_range(&e, 4 * MiB + 0x1000, 0x10000, 0x5000, RW), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB + 0x6000, 0x30000, 0x3000, RO), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB + 0x9000, 0x40000, 0x2000, RW), PT_OK);
	assert_int_equal(th_map_range(&e, 6 * MiB - 0x1000, 0x50000, 0x2000, UC), PT_OK); /* two tables */
	assert_int_equal(th_map_range(&e, 1 * GiB, 8 * MiB, 2 * MiB, RO), PT_OK);
	/* Last: the table's shared template is RW's, so next_leaf reads those pages from its cache. */
	assert_int_equal(th_map_range(&e, 5 * MiB, 0x60000, 0x3000, RW), PT_OK);

	/* From the middle of the huge leaf to the middle of the last one. */
	pt_vaddr_t va = 3 * MiB;
	uint64_t len = 1 * GiB + 1 * MiB - va;
	struct pt_found want[32], got;
	unsigned n = collect_reference(&e, va, len, want, 32);
	assert_int_equal(n, 17);

	struct pt_cursor c;
	assert_int_equal(pt_cursor_new(&c, &e, va, len), PT_OK);
	assert_int_equal(pt_cursor_next_leaf(NULL, 0x1000, &got), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_next_leaf(&c, 0x1000, NULL), PT_ERR_INVAL);
	assert_int_equal(pt_cursor_next_leaf(&c, 0x800, &got), PT_ERR_UNALIGNED);
	assert_int_equal(pt_cursor_next_leaf(&c, len + 0x1000, &got), PT_ERR_LENGTH);
	assert_int_equal(pt_cursor_virt_addr(&c), va);
	for (unsigned i = 0; i < n; i++) {
		uint64_t rest = va + len - pt_cursor_virt_addr(&c);
		assert_int_equal(pt_cursor_next_leaf(&c, rest, &got), PT_OK);
		assert_true(got.found);
		assert_int_equal(got.va, want[i].va);
		assert_int_equal(got.len, want[i].len);
		assert_int_equal(got.item.pa, want[i].item.pa);
		assert_int_equal(got.item.level, want[i].item.level);
		assert_true(pt_prop_eq(got.item.prop, want[i].item.prop));
		assert_int_equal(got.item.tracked, want[i].item.tracked);
		pt_vaddr_t past = got.va + got.len - va > len ? va + len : got.va + got.len;
		assert_int_equal(pt_cursor_virt_addr(&c), past);
		assert_int_equal(got.next, past);
		assert_int_equal(got.next, want[i].next);
	}
	assert_int_equal(pt_cursor_next_leaf(&c, 0, &got), PT_OK);
	assert_false(got.found);
	assert_int_equal(pt_cursor_virt_addr(&c), va + len);
	assert_int_equal(got.next, va + len);
	pt_cursor_drop(&c);

	/* A range inside one base page's table, starting on a mapped page. */
	assert_int_equal(pt_cursor_new(&c, &e, 4 * MiB + 0x2000, 0x2000), PT_OK);
	assert_int_equal(pt_cursor_next_leaf(&c, 0x2000, &got), PT_OK);
	assert_true(got.found && got.va == 4 * MiB + 0x2000 && got.item.pa == 0x11000);
	assert_int_equal(pt_cursor_next_leaf(&c, 0x1000, &got), PT_OK);
	assert_true(got.found && got.va == 4 * MiB + 0x3000 && got.item.pa == 0x12000);
	assert_int_equal(got.next, 4 * MiB + 0x4000);
	assert_int_equal(pt_cursor_next_leaf(&c, 0, &got), PT_OK);
	assert_false(got.found);
	assert_int_equal(got.next, 4 * MiB + 0x4000);
	pt_cursor_drop(&c);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* next_leaf's inline part reads the leaf table the cursor stands in, not the one it last scanned. */
static void next_leaf_follows_other_moves(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct pt_cursor c;
	struct pt_found got;
	struct pt_query q;
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB, 0x100000, 0x8000, RW), PT_OK);
	assert_int_equal(th_map_range(&e, 8 * MiB, 0x200000, 0x8000, RW), PT_OK);
	pt_vaddr_t end = 10 * MiB;
	assert_int_equal(pt_cursor_new(&c, &e, 4 * MiB, end - 4 * MiB), PT_OK);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pt_cursor_next_leaf(&c, end - pt_cursor_virt_addr(&c), &got), PT_OK);
		assert_true(got.found);
		assert_int_equal(got.item.pa, 0x100000 + i * 0x1000);
	}
	/* query, not next_leaf, takes the cursor down into the other leaf table. */
	assert_int_equal(pt_cursor_jump(&c, 8 * MiB + 0x1000), PT_OK);
	assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
	assert_true(q.mapped && q.item.pa == 0x201000);
	for (unsigned i = 1; i < 3; i++) {
		assert_int_equal(pt_cursor_next_leaf(&c, end - pt_cursor_virt_addr(&c), &got), PT_OK);
		assert_true(got.found);
		assert_int_equal(got.va, 8 * MiB + i * 0x1000);
		assert_int_equal(got.item.pa, 0x200000 + i * 0x1000);
	}
	assert_int_equal(pt_cursor_jump(&c, 4 * MiB + 0x5000), PT_OK);
	assert_int_equal(pt_cursor_query(&c, &q), PT_OK);
	assert_int_equal(pt_cursor_next_leaf(&c, end - pt_cursor_virt_addr(&c), &got), PT_OK);
	assert_true(got.found && got.va == 4 * MiB + 0x5000 && got.item.pa == 0x105000);
	pt_cursor_drop(&c);

	/* A cursor inside one leaf table: an entry its own map wrote is read live. */
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &e, 4 * MiB, 0x10000), PT_OK);
	assert_int_equal(pt_cursor_next_leaf(&m.c, 0x10000, &got), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB + 0x8000), PT_OK);
	struct pt_item it = { 0x300000, 1, RW, false };
	assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	assert_int_equal(pt_cursor_jump(&m.c, 4 * MiB + 0x7000), PT_OK);
	assert_int_equal(pt_cursor_next_leaf(&m.c, 0x9000, &got), PT_OK);
	assert_true(got.found && got.item.pa == 0x107000);
	assert_int_equal(pt_cursor_next_leaf(&m.c, 0x8000, &got), PT_OK);
	assert_true(got.found && got.va == 4 * MiB + 0x8000 && got.item.pa == 0x300000);
	assert_int_equal(pt_cursor_next_leaf(&m.c, 0x7000, &got), PT_OK);
	assert_false(got.found);
	assert_int_equal(got.next, 4 * MiB + 0x10000);
	pt_cursor_mut_drop(&m);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* The leaf of @list (from collect_reference) holding @va; fails if none does. */
static const struct pt_found *leaf_at(const struct pt_found *list, unsigned n, pt_vaddr_t va)
{
	for (unsigned i = 0; i < n; i++)
		if (va - list[i].va < list[i].len)
			return &list[i];
	fail_msg("no leaf at %#llx", (unsigned long long)va);
	return NULL;
}

/*
 * The bulk protect over runs of several properties, holes, a base page
 * left alone and a huge leaf the range's end splits: every leaf inside ends
 * with the operation applied, every one outside as it was.
 */
static void bulk_protect_mixed_runs(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	static const struct pt_prop RO = { PT_R, PT_CACHE_WB };
	static const struct pt_prop UC = { PT_RW, PT_CACHE_UC };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB, 0x100000, 0x8000, RW), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB + 0xa000, 0x200000, 0x3000, RO), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB + 0x10000, 0x300000, 0x4000, UC), PT_OK);
	assert_int_equal(th_map_range(&e, 4 * MiB + 0x14000, 0x400000, 0x2000, RW), PT_OK);
	assert_int_equal(th_map_range(&e, 6 * MiB, 8 * MiB, 2 * MiB, RW), PT_OK);
	struct pt_found before[64], after[1024];
	unsigned nb = collect_reference(&e, 4 * MiB, 4 * MiB, before, 64);
	assert_int_equal(nb, 8 + 3 + 4 + 2 + 1);

	struct pt_protect op = { PT_W, 0, -1 };
	pt_vaddr_t lo = 4 * MiB + 0x1000, hi = 7 * MiB;
	struct pt_flush_target none = { 0 };
	struct pt_flusher fl;
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &e, lo, hi - lo), PT_OK);
	pt_flusher_init(&fl, &h.env, &none);
	assert_int_equal(pt_cursor_protect(&m, &fl, hi - lo, op), PT_OK);
	pt_cursor_mut_drop(&m);
	pt_flusher_sync(&fl);
	unsigned na = collect_reference(&e, 4 * MiB, 4 * MiB, after, 1024);
	assert_int_equal(na, 8 + 3 + 4 + 2 + 512);   /* the 2 MiB leaf split into base pages */
	for (unsigned i = 0; i < na; i++) {
		const struct pt_found *old = leaf_at(before, nb, after[i].va);
		bool inside = after[i].va >= lo && after[i].va + after[i].len <= hi;
		struct pt_prop want = inside ? pt_protect_apply(op, old->item.prop) : old->item.prop;
		assert_true(pt_prop_eq(after[i].item.prop, want));
		assert_int_equal(after[i].item.pa, old->item.pa + (after[i].va - old->va));
		assert_false(after[i].va < hi && after[i].va + after[i].len > hi);
	}
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

#define MAX_LINES 16

struct lines {
	unsigned n;
	char text[MAX_LINES][160];
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	assert_true(l->n < MAX_LINES);
	assert_true(strlen(line) < sizeof(l->text[0]));
	strcpy(l->text[l->n++], line);
}

/* @line with every run of spaces collapsed to one. */
static void squeeze(const char *line, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = line; *p && n + 1 < size; p++)
		if (*p != ' ' || (n && out[n - 1] != ' '))
			out[n++] = *p;
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* "0x<start>-0x<end>  <size>  L<level>  <rights> <flags> <cache>", spacing aside. */
static void check_line(const char *line, pt_vaddr_t start, pt_vaddr_t end, const char *size,
		       unsigned level, const char *rights, const char *rest)
{
	char want[200], got[200];
	snprintf(want, sizeof(want), "0x%016llx-0x%016llx %s L%u %s %s",
		 (unsigned long long)start, (unsigned long long)end, size, level, rights, rest);
	squeeze(line, got, sizeof(got));
	assert_string_equal(got, want);
}

static void dump_known_layout(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct lines out = { 0 };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	pt_table_dump(&e, collect, &out);
	assert_int_equal(out.n, 0);
	/* Three 4K pages across a table boundary, two 2M leaves, one 1G leaf, a UC page. */
	assert_int_equal(th_map_range(&e, 2 * MiB - 0x2000, 0, 0x3000, RW), PT_OK);
	cu_map_in(&e, 0, 1 * GiB, 4 * MiB, 4 * MiB, 4 * MiB, RW);
	assert_int_equal(th_map_range(&e, 1 * GiB, 1 * GiB, 2 * GiB, RW), PT_OK);
	struct pt_protect x = { PT_W, PT_X | PT_USER | PT_ACCESSED | PT_DIRTY, -1 };
	assert_int_equal(th_protect(&e, 2 * GiB, 1 * GiB, x), 1);
	bool sw1 = th_fmt->prop_flags & PT_SW1;
	struct pt_prop uc = { PT_R | PT_SW0 | (sw1 ? PT_SW1 : 0), PT_CACHE_UC };
	assert_int_equal(th_map_range(&e, 8 * GiB, 0x5000, 0x1000, uc), PT_OK);
	pt_paddr_t frame = th_frame(&h);
	struct pt_item it = cu_item(frame, 1, PT_RW, true);
	cu_map(&e, 8 * GiB + 0x1000, &it);
	pt_table_dump(&e, collect, &out);
	assert_int_equal(out.n, 6);
	check_line(out.text[0], 2 * MiB - 0x2000, 2 * MiB + 0x1000, "12K", 1, "rw-", "sys WB");
	check_line(out.text[1], 4 * MiB, 8 * MiB, "4M", 2, "rw-", "sys WB");
	check_line(out.text[2], 1 * GiB, 2 * GiB, "1G", 3, "rw-", "sys WB");
	check_line(out.text[3], 2 * GiB, 3 * GiB, "1G", 3, "r-x", "usr AD WB");
	check_line(out.text[4], 8 * GiB, 8 * GiB + 0x1000, "4K", 1, "r--",
		   sw1 ? "sys s0 s1 UC" : "sys s0 UC");
	check_line(out.text[5], 8 * GiB + 0x1000, 8 * GiB + 0x2000, "4K", 1, "rw-", "sys WB tracked");
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

/* Runs break at a level change and at trackedness; sizes pick the largest exact unit. */
static void dump_runs_and_sizes(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct lines out = { 0 };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	/* 513 4K pages then, adjacent, a 2M leaf with the same property. */
	assert_int_equal(th_map_range(&e, 2 * MiB - 0x1000, 0x1000, 2 * MiB + 0x1000, RW), PT_OK);
	cu_map_in(&e, 0, 1 * GiB, 4 * MiB, 4 * MiB, 2 * MiB, RW);
	/* An untracked and a tracked page with equal property, adjacent. */
	assert_int_equal(th_map_range(&e, 8 * MiB, 0x1000, 0x1000, RW), PT_OK);
	pt_paddr_t frame = th_frame(&h);
	struct pt_item it = cu_item(frame, 1, PT_RW, true);
	cu_map(&e, 8 * MiB + 0x1000, &it);
	/* 1T (Sv39: the upper half of user space) of the largest leaves that fit,
	 * across several tables' worth of slots. */
	uint64_t span = cu_user_end() / 2 < 1024 * GiB ? cu_user_end() / 2 : 1024 * GiB;
	pt_level_t top = h.fmt->max_leaf_level;
	while (cu_size(top) > span / 2)
		top--;
	assert_int_equal(th_map_range(&e, span, 0, span, RW), PT_OK);
	pt_table_dump(&e, collect, &out);
	assert_int_equal(out.n, 5);
	check_line(out.text[0], 2 * MiB - 0x1000, 4 * MiB, "2052K", 1, "rw-", "sys WB");
	check_line(out.text[1], 4 * MiB, 6 * MiB, "2M", 2, "rw-", "sys WB");
	check_line(out.text[2], 8 * MiB, 8 * MiB + 0x1000, "4K", 1, "rw-", "sys WB");
	check_line(out.text[3], 8 * MiB + 0x1000, 8 * MiB + 0x2000, "4K", 1, "rw-",
		   "sys WB tracked");
	char size[16];
	if (span % (1024 * GiB) == 0)
		snprintf(size, sizeof(size), "%lluT", (unsigned long long)(span / (1024 * GiB)));
	else
		snprintf(size, sizeof(size), "%lluG", (unsigned long long)(span / GiB));
	check_line(out.text[4], span, 2 * span, size, top, "rw-", "sys WB");
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static void dump_kernel_half(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u;
	struct lines out = { 0 };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	pt_vaddr_t kb = th_kernel_base();
	struct pt_prop glb = { PT_RW | PT_GLOBAL, PT_CACHE_WC };
	assert_int_equal(th_map_range(&k, kb + 0x3000, 0x3000, 0x2000, glb), PT_OK);
	assert_int_equal(th_map_range(&k, 0ull - 0x3000, 0x1000, 0x2000, glb), PT_OK);
	assert_int_equal(th_map_range(&u, 0x1000, 0x1000, 0x1000, RW), PT_OK);
	pt_table_dump(&k, collect, &out);
	assert_int_equal(out.n, 2);
	check_line(out.text[0], kb + 0x3000, kb + 0x5000, "8K", 1, "rw-", "sys glb WC");
	check_line(out.text[1], 0ull - 0x3000, 0ull - 0x1000, "8K", 1, "rw-", "sys glb WC");
	/* A user table dumps its own half only. */
	out.n = 0;
	pt_table_dump(&u, collect, &out);
	assert_int_equal(out.n, 1);
	check_line(out.text[0], 0x1000, 0x2000, "4K", 1, "rw-", "sys WB");
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find_next_stops_at_barrier),
		cmocka_unit_test(jump_end_back_and_huge_middle),
		cmocka_unit_test(find_next_in_order),
		cmocka_unit_test(next_leaf_matches_find_query),
		cmocka_unit_test(next_leaf_follows_other_moves),
		cmocka_unit_test(bulk_protect_mixed_runs),
		cmocka_unit_test(dump_known_layout),
		cmocka_unit_test(dump_runs_and_sizes),
		cmocka_unit_test(dump_kernel_half),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
