/* SPDX-License-Identifier: MIT */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

const struct pt_format *th_fmt = &pt_format_x86_64_4level;

const struct pt_format *th_format(const char *name)
{
	if (!strcmp(name, "x86_64_4"))
		return &pt_format_x86_64_4level;
	if (!strcmp(name, "x86_64_5"))
		return &pt_format_x86_64_5level;
	if (!strcmp(name, "riscv_sv39"))
		return &pt_format_riscv_sv39;
	if (!strcmp(name, "riscv_sv48"))
		return &pt_format_riscv_sv48;
	if (!strcmp(name, "aarch64"))
		return &pt_format_aarch64_4k48;
	if (!strcmp(name, "scrambled")) {
		pt_format_scrambled_init();
		return &pt_format_scrambled;
	}
	return NULL;
}

void th_select_format(int argc, char **argv)
{
	pt_format_scrambled_init();
	if (argc > 1 && th_format(argv[1]))
		th_fmt = th_format(argv[1]);
}

void th_init(struct th *h, uint64_t ram_size)
{
	h->fmt = th_fmt;
	h->ram = pt_sim_ram_create(ram_size);
	assert_non_null(h->ram);
	h->env = pt_sim_env(th_fmt, h->ram);
}

void th_drain(struct th *h)
{
	h->env.reclaim.ops->drain(h->env.reclaim.ctx);
}

void th_fini(struct th *h)
{
	th_drain(h);
	assert_int_equal(pt_sim_ram_stats(h->ram).frames_in_use, 0);
	pt_sim_ram_destroy(h->ram);
}

struct hash_ctx {
	uint64_t hash;
	uint64_t nodes;
};

static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 1099511628211ull;
	}
	return h;
}

static void hash_node(void *ctx, pt_paddr_t pa, pt_level_t level, const pt_pte_t *ptes,
		      unsigned nr)
{
	struct hash_ctx *hc = ctx;
	hc->hash = fnv(hc->hash, pa);
	hc->hash = fnv(hc->hash, level);
	for (unsigned i = 0; i < nr; i++)
		hc->hash = fnv(hc->hash, ptes[i]);
	hc->nodes++;
}

struct th_snap th_snapshot(struct th *h, struct pt_table *t)
{
	struct hash_ctx hc = { 14695981039346656037ull, 0 };
	assert_int_equal(pt_table_for_each_node(t, hash_node, &hc), PT_OK);
	struct th_snap s = { hc.hash, pt_sim_ram_stats(h->ram).frames_in_use, hc.nodes };
	return s;
}

void th_assert_same(struct th_snap a, struct th_snap b)
{
	assert_int_equal(a.hash, b.hash);
	assert_int_equal(a.frames, b.frames);
	assert_int_equal(a.nodes, b.nodes);
}

pt_paddr_t th_frame(struct th *h)
{
	pt_paddr_t pa;
	assert_int_equal(pt_sim_ram_alloc(h->ram, PT_FRAME_DATA, &pa), PT_OK);
	return pa;
}

enum pt_err th_map_range(struct pt_table *t, pt_vaddr_t va, pt_paddr_t pa, uint64_t len,
			 struct pt_prop prop)
{
	struct pt_cursor_mut m;
	enum pt_err err = pt_cursor_mut_new(&m, t, va, len);
	if (err != PT_OK)
		return err;
	err = pt_cursor_map_range(&m, pa, len, prop);
	pt_cursor_mut_drop(&m);
	return err;
}

uint64_t th_unmap(struct pt_table *t, pt_vaddr_t va, uint64_t len)
{
	struct pt_cursor_mut m;
	struct pt_frag f;
	uint64_t n = 0;
	assert_int_equal(pt_cursor_mut_new(&m, t, va, len), PT_OK);
	for (;;) {
		uint64_t rest = len - (pt_cursor_virt_addr(&m.c) - va);
		assert_int_equal(pt_cursor_take_next(&m, rest, &f), PT_OK);
		if (f.kind == PT_FRAG_NONE)
			break;
		pt_frag_release(t->env, &f);
		n++;
	}
	pt_cursor_mut_drop(&m);
	return n;
}

uint64_t th_protect(struct pt_table *t, pt_vaddr_t va, uint64_t len, struct pt_protect op)
{
	struct pt_cursor_mut m;
	uint64_t n = 0;
	assert_int_equal(pt_cursor_mut_new(&m, t, va, len), PT_OK);
	for (;;) {
		pt_vaddr_t sva;
		uint64_t slen;
		bool found;
		uint64_t rest = len - (pt_cursor_virt_addr(&m.c) - va);
		assert_int_equal(pt_cursor_protect_next(&m, rest, op, &sva, &slen, &found), PT_OK);
		if (!found)
			break;
		assert_true(sva - va < len && slen <= len - (sva - va));
		n++;
	}
	pt_cursor_mut_drop(&m);
	return n;
}

void th_assert_maps(struct pt_table *t, pt_vaddr_t va, pt_paddr_t pa, pt_level_t level,
		    uint16_t flags)
{
	pt_paddr_t got;
	struct pt_item leaf;
	assert_int_equal(pt_table_translate(t, va, &got, &leaf), PT_OK);
	assert_int_equal(got, pa);
	if (level)
		assert_int_equal(leaf.level, level);
	if (flags)
		assert_int_equal(leaf.prop.flags, flags);
}

void th_assert_unmapped(struct pt_table *t, pt_vaddr_t va)
{
	pt_paddr_t got;
	assert_int_equal(pt_table_translate(t, va, &got, NULL), PT_ERR_NOT_MAPPED);
}

unsigned th_kernel_slots(void)
{
	return pt_fmt_nr_entries(th_fmt) / (th_fmt->split_root ? 1 : 2);
}

pt_vaddr_t th_kernel_base(void)
{
	return ~0ull << (th_fmt->va_bits - 1);
}
