/* SPDX-License-Identifier: MIT */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "oracle.h"

uint64_t m_size(const struct pt_format *f, unsigned level)
{
	return (uint64_t)1 << (f->page_shift + f->index_bits * (level - 1));
}

void mt_init(struct mtree *t, const struct pt_format *f, enum pt_table_kind kind)
{
	unsigned half = pt_fmt_nr_entries(f) / (f->split_root ? 1 : 2);
	uint64_t slot = m_size(f, f->levels);
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->kind = kind;
	t->va_size = half * slot;
	t->va_lo = kind == PT_TABLE_KERNEL ? (pt_vaddr_t)0 - t->va_size : 0;
}

void mt_fini(struct mtree *t)
{
	free(t->s);
	t->s = NULL;
	t->n = t->cap = 0;
}

void mt_copy(struct mtree *dst, const struct mtree *src)
{
	struct mslot *keep = dst->s;
	size_t cap = dst->cap;
	if (cap < src->n) {
		free(keep);
		cap = src->n + 64;
		keep = malloc(cap * sizeof(*keep));
		if (!keep)
			abort();
	}
	*dst = *src;
	dst->s = keep;
	dst->cap = cap;
	if (src->n)
		memcpy(dst->s, src->s, src->n * sizeof(*src->s));
}

/* First index whose key is >= (va, level) in (va asc, level desc) order. */
static size_t lower_bound(const struct mtree *t, pt_vaddr_t va, unsigned level)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct mslot *s = &t->s[mid];
		bool less = s->va < va || (s->va == va && s->level > level);
		if (less)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct mslot *mt_find(const struct mtree *t, unsigned level, pt_vaddr_t va)
{
	va &= ~(m_size(t->f, level) - 1);
	size_t i = lower_bound(t, va, level);
	if (i < t->n && t->s[i].va == va && t->s[i].level == level)
		return &t->s[i];
	return NULL;
}

void mt_set(struct mtree *t, unsigned level, pt_vaddr_t va, uint8_t kind, pt_paddr_t pa,
	    struct pt_prop prop, bool tracked)
{
	va &= ~(m_size(t->f, level) - 1);
	struct mslot v = { va, (uint8_t)level, kind, tracked, prop, pa };
	size_t i = lower_bound(t, va, level);
	if (i < t->n && t->s[i].va == va && t->s[i].level == level) {
		t->s[i] = v;
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->s = realloc(t->s, t->cap * sizeof(*t->s));
		if (!t->s)
			abort();
	}
	memmove(&t->s[i + 1], &t->s[i], (t->n - i) * sizeof(*t->s));
	t->s[i] = v;
	t->n++;
}

void mt_append(struct mtree *t, unsigned level, pt_vaddr_t va, uint8_t kind, pt_paddr_t pa,
	       struct pt_prop prop, bool tracked)
{
	struct mslot v = { va & ~(m_size(t->f, level) - 1), (uint8_t)level, kind, tracked, prop, pa };
	if (t->n + t->npend == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->s = realloc(t->s, t->cap * sizeof(*t->s));
		if (!t->s)
			abort();
	}
	t->s[t->n + t->npend++] = v;
}

static int cmp_slot(const void *a, const void *b)
{
	const struct mslot *x = a, *y = b;
	if (x->va != y->va)
		return x->va < y->va ? -1 : 1;
	return (int)y->level - (int)x->level;
}

void mt_flush(struct mtree *t)
{
	if (!t->npend)
		return;
	t->n += t->npend;
	t->npend = 0;
	qsort(t->s, t->n, sizeof(*t->s), cmp_slot);
}

uint64_t mt_remove(struct mtree *t, unsigned level, pt_vaddr_t va)
{
	uint64_t size = m_size(t->f, level), leaves = 0;
	va &= ~(size - 1);
	size_t i = lower_bound(t, va, level), out = i;
	for (; i < t->n && t->s[i].va - va < size; i++) {
		const struct mslot *s = &t->s[i];
		if (s->level > level) {
			t->s[out++] = *s;
			continue;
		}
		if (s->level == 1)
			leaves++;
	}
	memmove(&t->s[out], &t->s[i], (t->n - i) * sizeof(*t->s));
	t->n -= i - out;
	return leaves;
}

size_t mt_node_count(const struct mtree *t, unsigned level, pt_vaddr_t base)
{
	uint64_t span = m_size(t->f, level + 1u);
	size_t nr = 0;
	base &= ~(span - 1);
	for (size_t i = lower_bound(t, base, level + 1u); i < t->n && t->s[i].va - base < span; i++)
		nr += t->s[i].level == level;
	return nr;
}

const struct mslot *mt_leaf_at(const struct mtree *t, pt_vaddr_t va)
{
	for (unsigned l = 1; l <= t->f->max_leaf_level; l++) {
		const struct mslot *s = mt_find(t, l, va);
		if (s && s->kind == PT_PTE_LEAF)
			return s;
	}
	return NULL;
}

size_t mt_tables(const struct mtree *t)
{
	size_t nr = 0;
	for (size_t i = 0; i < t->n; i++)
		nr += t->s[i].kind == PT_PTE_TABLE;
	return nr;
}

void mt_split(struct mtree *t, unsigned level, pt_vaddr_t va)
{
	struct mslot *s = mt_find(t, level, va);
	unsigned nr = pt_fmt_nr_entries(t->f);
	uint64_t sz = m_size(t->f, level - 1u);
	if (!s || s->kind != PT_PTE_LEAF)
		abort();
	size_t i = (size_t)(s - t->s);
	struct mslot leaf = *s;
	if (t->n + nr > t->cap) {
		t->cap = t->n + nr + 256;
		t->s = realloc(t->s, t->cap * sizeof(*t->s));
		if (!t->s)
			abort();
	}
	memmove(&t->s[i + 1 + nr], &t->s[i + 1], (t->n - i - 1) * sizeof(*t->s));
	t->s[i].kind = PT_PTE_TABLE;
	for (unsigned k = 0; k < nr; k++) {
		struct mslot c = { leaf.va + k * sz, (uint8_t)(level - 1u), PT_PTE_LEAF, false,
				   leaf.prop, leaf.pa + k * sz };
		t->s[i + 1 + k] = c;
	}
	t->n += nr;
}
