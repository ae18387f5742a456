/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU cache of the strictest legal TLB (§5.3): TLB and PSC entries in
 * one hash keyed by (kind, level, region), a multiset in which stale copies
 * live beside fresh ones, a pick policy for several candidates, and optional
 * random eviction at a capacity. Callers hold cpu->lock.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool pt_sim_cache_init(struct pt_sim_cache *c)
{
	c->buckets = calloc(PT_SIM_CACHE_BUCKETS, sizeof(*c->buckets));
	c->nr_tlb = c->nr_psc = 0;
	return c->buckets != NULL;
}

void pt_sim_cache_fini(struct pt_sim_cache *c)
{
	if (!c->buckets)
		return;
	for (size_t i = 0; i < PT_SIM_CACHE_BUCKETS; i++) {
		struct pt_sim_cache_node *n = c->buckets[i];
		while (n) {
			struct pt_sim_cache_node *next = n->next;
			free(n);
			n = next;
		}
	}
	free(c->buckets);
	c->buckets = NULL;
}

uint64_t pt_sim_rng_next(struct pt_sim_cpu *cpu)
{
	uint64_t x = cpu->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	cpu->rng = x;
	return x;
}

static size_t bucket_of(bool psc, unsigned level, pt_vaddr_t va)
{
	uint64_t region = va >> (12 + 9 * (level - 1));
	uint64_t h = (region * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)level << 1 | psc);
	h ^= h >> 29;
	return (size_t)(h * 0xBF58476D1CE4E5B9ull >> 40) % PT_SIM_CACHE_BUCKETS;
}

bool pt_sim_entry_covers(const struct pt_sim_tlb_entry *e, pt_vaddr_t va)
{
	return (va & ~(pt_sim_level_size(e->level) - 1)) == e->va;
}

static bool same_translation(const struct pt_sim_tlb_entry *a, const struct pt_sim_tlb_entry *b)
{
	return a->psc == b->psc && a->global == b->global && a->level == b->level &&
	       a->pcid == b->pcid && a->va == b->va && a->pa == b->pa && a->rw == b->rw &&
	       a->us == b->us && a->xd == b->xd && a->dirty == b->dirty && a->pk == b->pk &&
	       a->memtype == b->memtype;
}

static void unlink_node(struct pt_sim_cpu *cpu, struct pt_sim_cache_node **link)
{
	struct pt_sim_cache_node *n = *link;
	*link = n->next;
	if (n->e.psc)
		cpu->cache.nr_psc--;
	else
		cpu->cache.nr_tlb--;
	free(n);
}

static void evict_random(struct pt_sim_cpu *cpu)
{
	struct pt_sim_cache *c = &cpu->cache;
	if (c->nr_tlb + c->nr_psc == 0)
		return;
	for (;;) {
		size_t b = (size_t)(pt_sim_rng_next(cpu) % PT_SIM_CACHE_BUCKETS);
		if (!c->buckets[b])
			continue;
		size_t len = 0;
		for (struct pt_sim_cache_node *n = c->buckets[b]; n; n = n->next)
			len++;
		size_t k = (size_t)(pt_sim_rng_next(cpu) % len);
		struct pt_sim_cache_node **link = &c->buckets[b];
		while (k--)
			link = &(*link)->next;
		unlink_node(cpu, link);
		cpu->cnt.flushes[PT_SIM_FLUSH_EVICT]++;
		return;
	}
}

void pt_sim_cache_insert(struct pt_sim_cpu *cpu, struct pt_sim_tlb_entry *e)
{
	struct pt_sim_cache *c = &cpu->cache;
	size_t b = bucket_of(e->psc, e->level, e->va);

	for (struct pt_sim_cache_node *n = c->buckets[b]; n; n = n->next)
		if (same_translation(&n->e, e))
			return;
	size_t cap = cpu->m->cfg.tlb_capacity;
	while (cap && c->nr_tlb + c->nr_psc >= cap)
		evict_random(cpu);
	struct pt_sim_cache_node *n = malloc(sizeof(*n));
	if (!n)
		return;         /* dropping an entry is always legal */
	e->epoch = atomic_fetch_add(&cpu->m->epoch, 1) + 1;
	n->e = *e;
	n->next = c->buckets[b];
	c->buckets[b] = n;
	if (e->psc)
		c->nr_psc++;
	else
		c->nr_tlb++;
}

void pt_sim_cache_fill(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid,
		    const struct pt_sim_walk_out *w)
{
	struct pt_sim_tlb_entry e;
	unsigned leaf = w->leaf_level;

	for (unsigned l = w->top; l > leaf; l--) {
		memset(&e, 0, sizeof(e));
		e.psc = true;
		e.level = (uint8_t)l;
		e.pcid = pcid;
		e.va = va & ~(pt_sim_level_size(l) - 1);
		e.pa = w->entry_val[l] & cpu->m->addr_mask;
		e.rw = w->cum_rw[l];
		e.us = w->cum_us[l];
		e.xd = w->cum_xd[l];
		e.memtype = w->next_mt[l];
		e.entry_pa = w->entry_pa[l];
		e.entry_val = w->entry_val[l];
		pt_sim_cache_insert(cpu, &e);
	}
	memset(&e, 0, sizeof(e));
	e.global = w->global;
	e.level = (uint8_t)leaf;
	e.pcid = pcid;
	e.va = va & ~(pt_sim_level_size(leaf) - 1);
	e.pa = w->frame;
	e.rw = w->rw;
	e.us = w->us;
	e.xd = w->xd;
	e.dirty = w->dirty;
	e.pk = w->pk;
	e.memtype = w->memtype;
	e.entry_pa = w->entry_pa[leaf];
	e.entry_val = w->entry_val[leaf];
	pt_sim_cache_insert(cpu, &e);
}

/* Candidates of one lookup, in no particular order. */
struct candidates {
	struct pt_sim_cache_node *n[64];
	size_t count;
};

static void collect(struct pt_sim_cpu *cpu, bool psc, unsigned level, pt_vaddr_t va,
		    uint16_t pcid, struct candidates *cs)
{
	size_t b = bucket_of(psc, level, va);
	for (struct pt_sim_cache_node *n = cpu->cache.buckets[b]; n; n = n->next) {
		const struct pt_sim_tlb_entry *e = &n->e;
		if (e->psc != psc || e->level != level || !pt_sim_entry_covers(e, va))
			continue;
		if (e->pcid != pcid && !(e->global && !psc))
			continue;
		if (cs->count < sizeof(cs->n) / sizeof(cs->n[0]))
			cs->n[cs->count++] = n;
	}
}

static struct pt_sim_cache_node *pick(struct pt_sim_cpu *cpu, const struct candidates *cs)
{
	if (cs->count == 0)
		return NULL;
	struct pt_sim_cache_node *best = cs->n[0];
	switch (cpu->m->cfg.pick) {
	case PT_SIM_PICK_RANDOM:
		return cs->n[pt_sim_rng_next(cpu) % cs->count];
	case PT_SIM_PICK_NEWEST:
		for (size_t i = 1; i < cs->count; i++)
			if (cs->n[i]->e.epoch > best->e.epoch)
				best = cs->n[i];
		return best;
	case PT_SIM_PICK_OLDEST:
	case PT_SIM_PICK_DIVERGE:
	default:
		for (size_t i = 1; i < cs->count; i++)
			if (cs->n[i]->e.epoch < best->e.epoch)
				best = cs->n[i];
		return best;
	}
}

static bool differ(const struct pt_sim_tlb_entry *a, const struct pt_sim_tlb_entry *b)
{
	return a->level != b->level || a->pa != b->pa || a->rw != b->rw || a->us != b->us ||
	       a->xd != b->xd || a->pk != b->pk || a->memtype != b->memtype;
}

/* DIVERGE: the oldest candidate that disagrees with memory, if any does. */
static struct pt_sim_cache_node *pick_stale(struct pt_sim_cpu *cpu, pt_vaddr_t va,
					 const struct candidates *cs, struct pt_sim_cache_node *dflt)
{
	struct pt_sim_walk_in in;
	struct pt_sim_walk_out w;
	struct pt_sim_cache_node *best = NULL;

	memset(&in, 0, sizeof(in));
	in.va = va;
	in.mode = PT_SIM_SUPERVISOR;
	pt_sim_current_root(cpu, &in.root, &in.root_mt);
	bool mapped = pt_sim_walk(cpu, &in, &w) == PT_SIM_WALK_OK;
	for (size_t i = 0; i < cs->count; i++) {
		const struct pt_sim_tlb_entry *e = &cs->n[i]->e;
		bool stale = !mapped || e->level != w.leaf_level || e->pa != w.frame ||
			     e->rw != w.rw || e->us != w.us || e->xd != w.xd;
		if (stale && (!best || e->epoch < best->e.epoch))
			best = cs->n[i];
	}
	return best ? best : dflt;
}

struct pt_sim_cache_node *pt_sim_cache_pick_tlb(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid,
					  bool *ambiguous)
{
	struct candidates cs;
	cs.count = 0;
	for (unsigned l = 1; l <= 3; l++)
		collect(cpu, false, l, va, pcid, &cs);
	struct pt_sim_cache_node *n = pick(cpu, &cs);
	*ambiguous = false;
	for (size_t i = 0; n && i < cs.count; i++)
		if (differ(&cs.n[i]->e, &n->e))
			*ambiguous = true;
	if (*ambiguous && cpu->m->cfg.pick == PT_SIM_PICK_DIVERGE)
		n = pick_stale(cpu, va, &cs, n);
	return n;
}

struct pt_sim_cache_node *pt_sim_cache_pick_psc(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid)
{
	unsigned top = pt_sim_top_level(cpu);
	for (unsigned l = 2; l <= top; l++) {
		struct candidates cs;
		cs.count = 0;
		collect(cpu, true, l, va, pcid, &cs);
		if (cs.count)
			return pick(cpu, &cs);
	}
	return NULL;
}

size_t pt_sim_cache_remove_if(struct pt_sim_cpu *cpu, pt_sim_cache_pred pred, const void *arg)
{
	size_t removed = 0;
	for (size_t b = 0; b < PT_SIM_CACHE_BUCKETS; b++) {
		struct pt_sim_cache_node **link = &cpu->cache.buckets[b];
		while (*link) {
			if (pred(&(*link)->e, arg)) {
				unlink_node(cpu, link);
				removed++;
			} else {
				link = &(*link)->next;
			}
		}
	}
	return removed;
}

void pt_sim_cache_remove(struct pt_sim_cpu *cpu, struct pt_sim_cache_node *node)
{
	size_t b = bucket_of(node->e.psc, node->e.level, node->e.va);
	for (struct pt_sim_cache_node **link = &cpu->cache.buckets[b]; *link; link = &(*link)->next)
		if (*link == node) {
			unlink_node(cpu, link);
			return;
		}
}

void pt_sim_cache_foreach(struct pt_sim_cpu *cpu,
		       void (*fn)(struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e, void *arg),
		       void *arg)
{
	for (size_t b = 0; b < PT_SIM_CACHE_BUCKETS; b++)
		for (struct pt_sim_cache_node *n = cpu->cache.buckets[b]; n; n = n->next)
			fn(cpu, &n->e, arg);
}

/* ---- inspection (tlb.h) ---- */

struct dump_ctx {
	struct pt_sim_tlb_entry *out;
	size_t max, count;
	bool filter;
	pt_vaddr_t va;
	uint16_t pcid;
};

static void dump_one(struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e, void *arg)
{
	struct dump_ctx *d = arg;
	(void)cpu;
	if (d->filter && (e->psc || !pt_sim_entry_covers(e, d->va) ||
			  (e->pcid != d->pcid && !e->global)))
		return;
	if (d->count < d->max)
		d->out[d->count] = *e;
	d->count++;
}

static int by_epoch(const void *a, const void *b)
{
	const struct pt_sim_tlb_entry *x = a, *y = b;
	return (x->epoch > y->epoch) - (x->epoch < y->epoch);
}

static void count_one(struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e, void *arg)
{
	(void)cpu;
	(void)e;
	(*(size_t *)arg)++;
}

/* Collect everything matching into a scratch array, sort it, keep the oldest. */
static size_t dump(struct pt_sim_cpu *cpu, struct dump_ctx *d)
{
	struct pt_sim_tlb_entry *out = d->out;
	size_t max = d->max, total = 0;

	pthread_mutex_lock(&cpu->lock);
	pt_sim_cache_foreach(cpu, count_one, &total);
	d->out = malloc((total ? total : 1) * sizeof(*d->out));
	d->max = d->out ? total : 0;
	pt_sim_cache_foreach(cpu, dump_one, d);
	pthread_mutex_unlock(&cpu->lock);
	size_t n = d->count < d->max ? d->count : d->max;
	if (n)
		qsort(d->out, n, sizeof(*d->out), by_epoch);
	if (d->out && out && max)
		memcpy(out, d->out, (n < max ? n : max) * sizeof(*out));
	free(d->out);
	return d->count;
}

size_t pt_sim_tlb_dump(struct pt_sim_cpu *cpu, struct pt_sim_tlb_entry *out, size_t max)
{
	struct dump_ctx d = { out, max, 0, false, 0, 0 };
	return dump(cpu, &d);
}

size_t pt_sim_tlb_lookup(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid,
		      struct pt_sim_tlb_entry *out, size_t max)
{
	struct dump_ctx d = { out, max, 0, true, va, pcid };
	return dump(cpu, &d);
}

size_t pt_sim_tlb_count(struct pt_sim_cpu *cpu, bool psc)
{
	pthread_mutex_lock(&cpu->lock);
	size_t n = psc ? cpu->cache.nr_psc : cpu->cache.nr_tlb;
	pthread_mutex_unlock(&cpu->lock);
	return n;
}
