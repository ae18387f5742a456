/* SPDX-License-Identifier: MIT */
#include "oracle.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

bool fz_verbose;

void fz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "pt-fuzz: model divergence: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void fz_trace(const char *fmt, ...)
{
	if (!fz_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static void hash_node(void *ctx, pt_paddr_t pa, pt_level_t level, const pt_pte_t *ptes,
		      unsigned nr)
{
	struct osnap *s = ctx;
	s->hash = mix(s->hash, pa ^ level);
	for (unsigned i = 0; i < nr; i++)
		if (ptes[i])
			s->hash = mix(s->hash, ptes[i] ^ i);
	s->nodes++;
}

struct osnap oc_snapshot(struct pt_table *t, struct pt_sim_ram *ram)
{
	struct osnap s = { 1, 0, 0 };
	if (pt_table_for_each_node(t, hash_node, &s) != PT_OK)
		abort();
	s.frames = pt_sim_ram_stats(ram).frames_in_use;
	return s;
}

void oc_same(struct osnap a, struct osnap b, const char *what)
{
	if (a.hash != b.hash || a.nodes != b.nodes || a.frames != b.frames)
		fz_fail("failed %s changed the table: nodes %" PRIu64 " -> %" PRIu64
			", frames %" PRIu64 " -> %" PRIu64 ", hash %s", what, a.nodes, b.nodes,
			a.frames, b.frames, a.hash == b.hash ? "same" : "differs");
}

struct walk {
	struct pt_sim_ram *ram;
	const struct mtree *m;
	const struct pt_format *f;
	pt_vaddr_t lo, hi;
};

static void check_entry(const struct walk *w, pt_pte_t pte, unsigned level, pt_vaddr_t va,
			struct pt_pte_info *info)
{
	*info = w->f->decode(pte, level);
	const struct mslot *s = mt_find(w->m, level, va);
	if (info->kind == PT_PTE_ABSENT)
		fz_fail("L%u 0x%" PRIx64 ": nonzero entry %#" PRIx64 " decodes absent", level, va, pte);
	if (!s || s->kind != info->kind)
		fz_fail("L%u 0x%" PRIx64 ": table holds a %s, model a %s", level, va,
			info->kind == PT_PTE_LEAF ? "leaf" : "table",
			!s ? "hole" : s->kind == PT_PTE_LEAF ? "leaf" : "table");
	if (info->kind == PT_PTE_TABLE) {
		if (pt_sim_ram_kind(w->ram, info->pa) != PT_FRAME_TABLE)
			fz_fail("L%u 0x%" PRIx64 ": child %#" PRIx64 " is no table frame", level, va,
				info->pa);
		return;
	}
	if (info->pa != s->pa || !pt_prop_eq(info->prop, s->prop) || info->tracked != s->tracked)
		fz_fail("L%u 0x%" PRIx64 ": leaf pa %#" PRIx64 " flags %#x cache %u tracked %d, "
			"model pa %#" PRIx64 " flags %#x cache %u tracked %d", level, va, info->pa,
			info->prop.flags, info->prop.cache, info->tracked, s->pa, s->prop.flags,
			s->prop.cache, s->tracked);
	if (s->tracked && pt_sim_ram_kind(w->ram, s->pa) != PT_FRAME_DATA)
		fz_fail("L%u 0x%" PRIx64 ": tracked leaf on a freed frame", level, va);
}

static void walk_node(const struct walk *w, pt_paddr_t pa, unsigned level, pt_vaddr_t base,
		      unsigned lo, unsigned hi)
{
	const pt_pte_t *ptes = pt_sim_ram_frame_ptr(w->ram, pa);
	uint64_t size = m_size(w->f, level);
	size_t count = 0;
	if (!ptes || pt_sim_ram_kind(w->ram, pa) != PT_FRAME_TABLE)
		fz_fail("node %#" PRIx64 " at L%u is no table frame", pa, level);
	for (unsigned i = lo; i < hi; i++) {
		if (!ptes[i])
			continue;
		pt_vaddr_t va = base + i * size;
		struct pt_pte_info info;
		count++;
		check_entry(w, ptes[i], level, va, &info);
		if (info.kind == PT_PTE_TABLE && va <= w->hi && va + (size - 1) >= w->lo)
			walk_node(w, info.pa, level - 1u, va, 0, pt_fmt_nr_entries(w->f));
	}
	size_t want = mt_node_count(w->m, level, level == w->f->levels ? w->m->va_lo : base);
	if (count != want)
		fz_fail("node L%u 0x%" PRIx64 ": %zu entries, model %zu", level, base, count, want);
}

void oc_walk(struct pt_table *t, struct pt_sim_ram *ram, const struct mtree *m, pt_vaddr_t lo,
	     pt_vaddr_t hi)
{
	struct walk w = { ram, m, m->f, lo, hi };
	/* The root's slot top_lo maps the model's first address (a split root's
	 * kernel slot 0 too); addresses wrap past the top like the VA space. */
	uint64_t slot = m_size(m->f, m->f->levels);
	walk_node(&w, pt_table_root_paddr(t), m->f->levels, m->va_lo - (pt_vaddr_t)t->top_lo * slot,
		  t->top_lo, t->top_hi);
}

void oc_translate(struct pt_table *t, const struct mtree *m, pt_vaddr_t va)
{
	pt_paddr_t pa = 0;
	struct pt_item leaf;
	enum pt_err err = pt_table_translate(t, va, &pa, &leaf);
	const struct mslot *s = mt_leaf_at(m, va);
	if (!s) {
		if (err != PT_ERR_NOT_MAPPED)
			fz_fail("translate 0x%" PRIx64 ": %s, model: not mapped", va, pt_strerror(err));
		return;
	}
	if (err != PT_OK || pa != s->pa + (va - s->va) || leaf.level != s->level ||
	    !pt_prop_eq(leaf.prop, s->prop) || leaf.tracked != s->tracked)
		fz_fail("translate 0x%" PRIx64 ": %s pa %#" PRIx64 ", model pa %#" PRIx64 " L%u", va,
			pt_strerror(err), pa, s->pa + (va - s->va), s->level);
}
