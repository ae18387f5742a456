/* SPDX-License-Identifier: MIT */
/*
 * The PEs' strictest-legal TLBs: lookup (a second matching leaf is a TLB
 * conflict abort), fill from walks (leaves and walk-cache entries), and TLBI
 * issued to a queue and performed on its targets at the issuer's DSB.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#include <pt/sim/ram.h>

bool pt_sim_arm_init(struct pt_sim_arm *m, struct pt_sim_ram *ram, unsigned nr_pes)
{
	memset(m, 0, sizeof(*m));
	m->ram = ram;
	m->nr_pes = nr_pes < 1 ? 1 : nr_pes > PT_SIM_ARM_MAX_PES ? PT_SIM_ARM_MAX_PES : nr_pes;
	m->bbm_check = true;
	m->epoch = 1;
	m->shadow = calloc(PT_SIM_ARM_SHADOW, sizeof(*m->shadow));
	m->scan = calloc(PT_SIM_ARM_SHADOW, sizeof(*m->scan));
	if (!m->shadow || !m->scan) {
		pt_sim_arm_destroy(m);
		return false;
	}
	return true;
}

void pt_sim_arm_destroy(struct pt_sim_arm *m)
{
	free(m->shadow);
	free(m->scan);
	m->shadow = m->scan = NULL;
}

static int range_of(uint64_t va)
{
	uint64_t top = va >> 48;
	return top == 0 ? 0 : top == 0xffff ? 1 : -1;
}

static bool matches(const struct pt_sim_arm_tlb_entry *e, uint64_t va, uint16_t asid)
{
	return e->valid && va - e->va < e->size && (e->global || e->asid == asid) &&
	       range_of(e->va) == range_of(va);
}

/* Put @e in @tab, replacing an entry from the same descriptor for the same addresses. */
static void insert(struct pt_sim_arm_tlb_entry *tab, unsigned n, const struct pt_sim_arm_tlb_entry *e)
{
	struct pt_sim_arm_tlb_entry *free_slot = NULL;
	for (unsigned i = 0; i < n; i++) {
		struct pt_sim_arm_tlb_entry *t = &tab[i];
		if (t->valid && t->desc_pa == e->desc_pa && t->va == e->va && t->global == e->global &&
		    t->asid == e->asid) {
			*t = *e;
			return;
		}
		if (!t->valid && !free_slot)
			free_slot = t;
	}
	/* Full: a TLB may drop any entry at any time; keep the newest. */
	*(free_slot ? free_slot : &tab[e->va / 4096 % n]) = *e;
}

struct fill {
	struct pt_sim_arm_pe *pe;
	bool upper;
};

static void cache_walk_entry(void *ctx, unsigned level, uint64_t va, uint64_t desc,
			     pt_paddr_t desc_pa, uint64_t t)
{
	struct fill *f = ctx;
	uint64_t size = pt_sim_arm_span(level);
	struct pt_sim_arm_tlb_entry e = {
		.valid = true, .leaf = false, .global = f->upper, .asid = f->upper ? 0 : f->pe->r.asid,
		.level = level, .va = va & ~(size - 1), .size = size, .desc = desc,
		.desc_pa = desc_pa, .table_attrs = t,
	};
	insert(f->pe->walk, PT_SIM_ARM_WALK_SIZE, &e);
}

/* The deepest walk-cache entry for @va, as a place to resume the walk. */
static struct pt_sim_arm_walk_state resume_point(const struct pt_sim_arm_pe *p, uint64_t va, bool upper)
{
	const struct pt_sim_arm_tlb_entry *best = NULL;
	struct pt_sim_arm_walk_state s = { upper ? p->r.ttbr1 : p->r.ttbr0, 0, 0 };
	for (unsigned i = 0; i < PT_SIM_ARM_WALK_SIZE; i++) {
		const struct pt_sim_arm_tlb_entry *w = &p->walk[i];
		if (matches(w, va, p->r.asid) && (!best || w->level > best->level))
			best = w;
	}
	if (!best)
		return s;
	bool hpd = upper ? p->r.hpd1 : p->r.hpd0;
	s.table = best->desc & PT_SIM_ARM_OA_BITS;
	s.level = best->level + 1;
	s.t = best->table_attrs | (hpd ? 0 : best->desc & PT_SIM_ARM_T_ATTRS);
	return s;
}

static struct pt_sim_arm_xlat conflict(void)
{
	struct pt_sim_arm_xlat x = { 0 };
	x.fault = PT_SIM_ARM_TLB_CONFLICT;
	x.fsc = 0x30;
	return x;
}

struct pt_sim_arm_xlat pt_sim_arm_translate(struct pt_sim_arm *m, unsigned pe, uint64_t va,
				      enum pt_sim_arm_access access, bool el0)
{
	struct pt_sim_arm_pe *p = &m->pe[pe];
	if (m->bbm_check)
		pt_sim_arm_bbm_check(m);
	int upper = range_of(va);
	if (upper < 0)
		return pt_sim_arm_walk(m, &p->r, va, access, el0, false);

	const struct pt_sim_arm_tlb_entry *hit = NULL;
	for (unsigned i = 0; i < PT_SIM_ARM_TLB_SIZE; i++) {
		if (!matches(&p->tlb[i], va, p->r.asid))
			continue;
		if (hit)
			return conflict();
		hit = &p->tlb[i];
	}
	if (hit) {
		bool walk_again;
		struct pt_sim_arm_xlat x = pt_sim_arm_check_cached(&p->r, va, hit->level, hit->desc,
							     hit->table_attrs, access, el0, &walk_again);
		if (!walk_again)
			return x;
	}

	struct pt_sim_arm_walk_state s = resume_point(p, va, upper);
	if (!s.table)
		return pt_sim_arm_walk(m, &p->r, va, access, el0, false);
	struct fill f = { p, upper };
	struct pt_sim_arm_xlat x = pt_sim_arm_walk_from(m, &p->r, va, s, access, el0, true,
						  cache_walk_entry, &f);
	if (x.fault == PT_SIM_ARM_OK || x.fault == PT_SIM_ARM_PERMISSION) {
		uint64_t size = pt_sim_arm_span(x.level);
		bool global = !(x.desc & (1ull << 11));
		struct pt_sim_arm_tlb_entry e = {
			.valid = true, .leaf = true, .global = global, .asid = global ? 0 : p->r.asid,
			.level = x.level, .va = va & ~(size - 1), .size = size, .desc = x.desc,
			.desc_pa = x.desc_pa, .table_attrs = x.table_attrs,
		};
		insert(p->tlb, PT_SIM_ARM_TLB_SIZE, &e);
	}
	return x;
}

bool pt_sim_arm_tlbi_covers(const struct pt_sim_arm_tlbi_op *op, bool leaf, bool global, uint16_t asid,
			 uint64_t va, uint64_t size)
{
	uint64_t len = op->len ? op->len : 4096;
	bool by_va = op->va < va + size && va < op->va + len;
	switch (op->op) {
	case PT_SIM_TLBI_VAE1:
		return by_va && (global || asid == op->asid);
	case PT_SIM_TLBI_VALE1:
		return leaf && by_va && (global || asid == op->asid);
	case PT_SIM_TLBI_VAAE1:
		return by_va;
	case PT_SIM_TLBI_VAALE1:
		return leaf && by_va;
	case PT_SIM_TLBI_ASIDE1:
		return !global && asid == op->asid;
	case PT_SIM_TLBI_VMALLE1:
		return true;
	}
	return false;
}

static void perform(struct pt_sim_arm *m, unsigned pe, const struct pt_sim_arm_tlbi_op *op)
{
	struct pt_sim_arm_pe *p = &m->pe[pe];
	for (unsigned i = 0; i < PT_SIM_ARM_TLB_SIZE; i++) {
		struct pt_sim_arm_tlb_entry *e = &p->tlb[i];
		if (e->valid && pt_sim_arm_tlbi_covers(op, true, e->global, e->asid, e->va, e->size))
			e->valid = false;
	}
	for (unsigned i = 0; i < PT_SIM_ARM_WALK_SIZE; i++) {
		struct pt_sim_arm_tlb_entry *e = &p->walk[i];
		if (e->valid && pt_sim_arm_tlbi_covers(op, false, e->global, e->asid, e->va, e->size))
			e->valid = false;
	}
	pt_sim_arm_bbm_tlbi(m, pe, op);
	m->nr_tlbi++;
}

void pt_sim_arm_tlbi(struct pt_sim_arm *m, unsigned pe, struct pt_sim_arm_tlbi_op op, bool broadcast)
{
	/* The detector sees the tables as they are when the TLBI is issued. */
	if (m->bbm_check)
		pt_sim_arm_bbm_check(m);
	if (m->nr_queued == PT_SIM_ARM_QUEUE)
		pt_sim_arm_dsb(m, pe);
	if (m->nr_queued == PT_SIM_ARM_QUEUE) {
		/* Another PE's queue filled it: a TLBI may always complete early. */
		pt_sim_arm_dsb(m, m->queue[0].issuer);
	}
	struct pt_sim_arm_pending *q = &m->queue[m->nr_queued++];
	q->op = op;
	q->issuer = pe;
	q->targets = broadcast ? (uint32_t)((1u << m->nr_pes) - 1) : 1u << pe;
}

void pt_sim_arm_dsb(struct pt_sim_arm *m, unsigned pe)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < m->nr_queued; i++) {
		struct pt_sim_arm_pending q = m->queue[i];
		if (q.issuer != pe) {
			m->queue[kept++] = q;
			continue;
		}
		for (unsigned t = 0; t < m->nr_pes; t++)
			if (q.targets >> t & 1)
				perform(m, t, &q.op);
	}
	m->nr_queued = kept;
}

unsigned pt_sim_arm_tlb_count(const struct pt_sim_arm *m, unsigned pe, uint64_t va, bool leaf)
{
	const struct pt_sim_arm_pe *p = &m->pe[pe];
	const struct pt_sim_arm_tlb_entry *tab = leaf ? p->tlb : p->walk;
	unsigned n = leaf ? PT_SIM_ARM_TLB_SIZE : PT_SIM_ARM_WALK_SIZE, count = 0;
	for (unsigned i = 0; i < n; i++)
		count += tab[i].valid && va - tab[i].va < tab[i].size;
	return count;
}
