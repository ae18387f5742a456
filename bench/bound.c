/* SPDX-License-Identifier: MIT */
#include "bound.h"

#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define B_LEVELS 4
#define B_ENTRIES 512u
#define B_FRAME 4096u
#define B_P 0x1ull
#define B_W 0x2ull
#define B_U 0x4ull
#define B_PS 0x80ull
#define B_NX (1ull << 63)
#define B_ADDR 0x000ffffffffff000ull
#define B_TABLE (B_P | B_W | B_U)

struct bound_pool {
	uint64_t *free;          /* PAs of free frames, a stack */
	uint64_t nr_free;
	uint64_t first, count;   /* the pool's frames: [first, first + count) */
	uint32_t *refs;          /* tracked cases: a reference count per data page of the job */
	uint64_t nr_refs;
};

struct bound {
	unsigned char *mem;      /* frame n lives at mem + n * B_FRAME; PA = n * B_FRAME */
	uint64_t nr_frames;
	uint64_t root;
	unsigned nr_pools;
	struct bound_pool pool[BENCH_MAX_THREADS];
};

static inline uint64_t *frame_of(const struct bound *b, uint64_t pa)
{
	return (uint64_t *)(b->mem + (pa & B_ADDR));
}

static inline unsigned b_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & (B_ENTRIES - 1);
}

static inline uint64_t pool_take(struct bound *b, struct bound_pool *p)
{
	if (p->nr_free == 0)
		abort();
	uint64_t pa = p->free[--p->nr_free];
	memset(frame_of(b, pa), 0, B_FRAME);
	return pa;
}

static inline void pool_put(struct bound_pool *p, uint64_t pa)
{
	p->free[p->nr_free++] = pa;
}

struct bound *bound_create(unsigned threads, uint64_t len)
{
	uint64_t per = len / (2 * MiB) + len / GiB + 8;
	struct bound *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->nr_pools = threads;
	b->nr_frames = per * threads + 16;
	b->mem = aligned_alloc(B_FRAME, b->nr_frames * B_FRAME);
	if (!b->mem) {
		free(b);
		return NULL;
	}
	memset(b->mem, 0, b->nr_frames * B_FRAME);   /* pre-fault */
	for (unsigned t = 0; t < threads; t++) {
		struct bound_pool *p = &b->pool[t];
		p->first = t ? 16 + per * t : 0;
		p->count = t ? per : per + 16;
		p->free = malloc(p->count * sizeof(*p->free));
		p->nr_refs = len / B_FRAME;
		p->refs = calloc(p->nr_refs, sizeof(*p->refs));
		if (!p->free || !p->refs)
			abort();
	}
	return b;
}

void bound_destroy(struct bound *b)
{
	if (!b)
		return;
	for (unsigned t = 0; t < b->nr_pools; t++) {
		free(b->pool[t].free);
		free(b->pool[t].refs);
	}
	free(b->mem);
	free(b);
}

/*
 * The entry one level above @level on @va's path (it points at the table
 * holding @va's leaf of @level), creating missing tables if @alloc; NULL if
 * a table is missing and !@alloc.
 */
static inline uint64_t *slot_above(struct bound *b, struct bound_pool *p, uint64_t va,
				   unsigned level, bool alloc)
{
	uint64_t *t = frame_of(b, b->root);
	for (unsigned l = B_LEVELS;; l--) {
		uint64_t *e = &t[b_index(va, l)];
		if (!*e) {
			if (!alloc)
				return NULL;
			*e = pool_take(b, p) | B_TABLE;
		}
		if (l == level + 1)
			return e;
		t = frame_of(b, *e);
	}
}

void bound_reset(struct bound *b, const struct job *jobs, unsigned nr)
{
	for (unsigned t = 0; t < b->nr_pools; t++) {
		struct bound_pool *p = &b->pool[t];
		p->nr_free = 0;
		for (uint64_t i = p->count; i-- > 0;)
			p->free[p->nr_free++] = (p->first + i) * B_FRAME;
	}
	b->root = pool_take(b, &b->pool[0]);
	for (unsigned i = 0; i < nr; i++)
		slot_above(b, &b->pool[0], jobs[i].va, 3, true);
}

uint64_t bound_frames_in_use(const struct bound *b)
{
	uint64_t n = 0;
	for (unsigned t = 0; t < b->nr_pools; t++)
		n += b->pool[t].count - b->pool[t].nr_free;
	return n;
}

bool bound_translate(const struct bound *b, pt_vaddr_t va, pt_paddr_t *pa, struct pt_item *leaf)
{
	const uint64_t *t = frame_of(b, b->root);
	for (unsigned l = B_LEVELS; l >= 1; l--) {
		uint64_t e = t[b_index(va, l)];
		if (!(e & B_P))
			return false;
		if (l == 1 || (l <= 3 && (e & B_PS))) {
			uint64_t size = bench_page_size(l);
			*pa = (e & B_ADDR & ~(size - 1)) + (va & (size - 1));
			leaf->pa = e & B_ADDR & ~(size - 1);
			leaf->level = l;
			leaf->prop = pt_prop_make((uint16_t)(PT_R | ((e & B_W) ? PT_W : 0)), PT_CACHE_WB);
			leaf->tracked = false;
			return true;
		}
		t = frame_of(b, e);
	}
	return false;
}

static inline uint64_t leaf_bits(pt_level_t level)
{
	return B_P | B_W | B_NX | (level > 1 ? B_PS : 0);
}

/* Leaves of @level from @off to the end of the leaf table or of the job. */
static inline uint64_t run_length(const struct job *j, uint64_t off, uint64_t size)
{
	uint64_t room = B_ENTRIES - b_index(j->va + off, j->level);
	uint64_t left = (j->len - off) / size;
	return left < room ? left : room;
}

void bound_bulk_map(struct job *j)
{
	struct bound *b = job_bound(j);
	struct bound_pool *p = &b->pool[j->tid];
	uint64_t size = bench_page_size(j->level);
	for (uint64_t off = 0; off < j->len;) {
		uint64_t *t = frame_of(b, *slot_above(b, p, j->va + off, j->level, true));
		uint64_t *e = &t[b_index(j->va + off, j->level)];
		uint64_t n = run_length(j, off, size);
		uint64_t pte = (j->pa + off) | leaf_bits(j->level);
		for (uint64_t i = 0; i < n; i++, pte += size)
			e[i] = pte;
		off += n * size;
	}
}

/* Walk from the root to @va's leaf slot of @level, building tables, and store @pte. */
__attribute__((noinline)) static void map_one(struct bound *b, struct bound_pool *p,
					       uint64_t va, unsigned level, uint64_t pte)
{
	uint64_t *t = frame_of(b, *slot_above(b, p, va, level, true));
	t[b_index(va, level)] = pte;
}

/* Walk from the root to @va's leaf slot of @level and clear it. */
__attribute__((noinline)) static void unmap_one(struct bound *b, uint64_t va, unsigned level)
{
	uint64_t *e = slot_above(b, NULL, va, level, false);
	if (e)
		frame_of(b, *e)[b_index(va, level)] = 0;
}

void bound_page_map(struct job *j)
{
	struct bound *b = job_bound(j);
	struct bound_pool *p = &b->pool[j->tid];
	uint64_t size = bench_page_size(j->level);
	for (uint64_t off = 0; off < j->len; off += size)
		map_one(b, p, j->va + off, j->level, (j->pa + off) | leaf_bits(j->level));
}

void bound_page_unmap(struct job *j)
{
	struct bound *b = job_bound(j);
	uint64_t size = bench_page_size(j->level);
	for (uint64_t off = 0; off < j->len; off += size)
		unmap_one(b, j->va + off, j->level);
}

void bound_bulk_unmap(struct job *j)
{
	struct bound *b = job_bound(j);
	struct bound_pool *p = &b->pool[j->tid];
	uint64_t size = bench_page_size(j->level);
	for (uint64_t off = 0; off < j->len;) {
		uint64_t *above = slot_above(b, NULL, j->va + off, j->level, false);
		uint64_t n = run_length(j, off, size);
		if (above) {
			uint64_t *e = &frame_of(b, *above)[b_index(j->va + off, j->level)];
			for (uint64_t i = 0; i < n; i++)
				e[i] = 0;
			if (n == B_ENTRIES) {
				pool_put(p, *above & B_ADDR);
				*above = 0;
			}
		}
		off += n * size;
	}
}

void bound_bulk_protect(struct job *j)
{
	struct bound *b = job_bound(j);
	uint64_t size = bench_page_size(j->level);
	for (uint64_t off = 0; off < j->len;) {
		uint64_t *above = slot_above(b, NULL, j->va + off, j->level, false);
		uint64_t n = run_length(j, off, size);
		if (above) {
			uint64_t *e = &frame_of(b, *above)[b_index(j->va + off, j->level)];
			for (uint64_t i = 0; i < n; i++)
				e[i] &= ~B_W;
		}
		off += n * size;
	}
}

void bound_bulk_scan(struct job *j)
{
	struct bound *b = job_bound(j);
	uint64_t size = bench_page_size(j->level);
	uint64_t found = 0;
	for (uint64_t off = 0; off < j->len;) {
		uint64_t *above = slot_above(b, NULL, j->va + off, j->level, false);
		uint64_t n = run_length(j, off, size);
		if (above) {
			const uint64_t *e = &frame_of(b, *above)[b_index(j->va + off, j->level)];
			for (uint64_t i = 0; i < n; i++)
				found += (e[i] & B_P) != 0;
		}
		off += n * size;
	}
	j->counted = found;
}

/* The reference count of the data page a leaf of @j maps. */
static inline uint32_t *page_ref(struct bound_pool *p, const struct job *j, uint64_t pte)
{
	uint64_t n = ((pte & B_ADDR) - j->pa) / B_FRAME;
	if (n >= p->nr_refs)
		abort();
	return &p->refs[n];
}

void bound_bulk_map_tracked(struct job *j)
{
	struct bound_pool *p = &job_bound(j)->pool[j->tid];
	bound_bulk_map(j);
	for (uint64_t i = 0; i < j->pages; i++)
		p->refs[i] = 1;
}

void bound_bulk_unmap_tracked(struct job *j)
{
	struct bound *b = job_bound(j);
	struct bound_pool *p = &b->pool[j->tid];
	for (uint64_t off = 0; off < j->len;) {
		uint64_t *above = slot_above(b, NULL, j->va + off, 1, false);
		uint64_t n = run_length(j, off, B_FRAME);
		if (above) {
			uint64_t *e = &frame_of(b, *above)[b_index(j->va + off, 1)];
			for (uint64_t i = 0; i < n; i++) {
				if (!(e[i] & B_P))
					continue;
				(*page_ref(p, j, e[i]))--;
				e[i] = 0;
			}
			if (n == B_ENTRIES) {
				pool_put(p, *above & B_ADDR);
				*above = 0;
			}
		}
		off += n * B_FRAME;
	}
}
