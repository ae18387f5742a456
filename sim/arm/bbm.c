/* SPDX-License-Identifier: MIT */
/*
 * The break-before-make detector (Arm ARM D8.16.1, "Using break-before-make
 * when updating translation table entries"). Each check walks every table
 * reachable from the PEs' TTBRs and the watched roots and compares each
 * descriptor with the last check:
 *  - valid then valid with another output address, kind (table, block,
 *    page), AttrIndx, SH or nG: a violation, however briefly it was cached;
 *  - valid then invalid: broken; every PE is stale for it until it performs
 *    a TLBI that covers it (a last-level-only TLBI does not cover a table
 *    descriptor: its walk-cache entries survive);
 *  - broken then valid and different while a PE is still stale: a
 *    violation (the invalidation did not complete before the make).
 * A descriptor no check saw before (a new table's) is simply recorded.
 */
#include "internal.h"

#include <pt/sim/ram.h>

#define D_VALID (1ull << 0)
#define D_TABLE (1ull << 1)
#define D_NG (1ull << 11)
/* OA, the table/page bit, AttrIndx, SH, nG: what may not change under a live entry. */
#define BBM_FIELDS (PT_SIM_ARM_OA_BITS | D_TABLE | (7ull << 2) | (3ull << 8) | D_NG)

static unsigned slot_of(pt_paddr_t pa)
{
	return (unsigned)((pa >> 3) * 0x9e3779b97f4a7c15ull >> 48) & (PT_SIM_ARM_SHADOW - 1);
}

/* The entry for @pa in @tab (slots of other epochs are free), or a free slot if @add. */
static struct pt_sim_arm_shadow *find(struct pt_sim_arm_shadow *tab, uint32_t epoch, pt_paddr_t pa,
				   bool add)
{
	unsigned mask = PT_SIM_ARM_SHADOW - 1;
	for (unsigned i = slot_of(pa), n = 0; n < PT_SIM_ARM_SHADOW / 2; i = (i + 1) & mask, n++) {
		struct pt_sim_arm_shadow *s = &tab[i];
		if (s->epoch != epoch)
			return add ? s : NULL;
		if (s->desc_pa == pa)
			return s;
	}
	return NULL;
}

/* Hardware reads a descriptor as valid only in these encodings (4 KiB granule). */
static bool valid_at(uint64_t d, unsigned level)
{
	if (!(d & D_VALID))
		return false;
	if (level == 0)
		return d & D_TABLE;
	return level < 3 || (d & D_TABLE);
}

static uint32_t all_pes(const struct pt_sim_arm *m)
{
	return (uint32_t)((1u << m->nr_pes) - 1);
}

static void violation(struct pt_sim_arm *m, const struct pt_sim_arm_shadow *old, uint64_t now,
		      bool after_break)
{
	if (!m->nr_violations++) {
		m->first.desc_pa = old->desc_pa;
		m->first.old_desc = old->desc;
		m->first.new_desc = now;
		m->first.va = old->va;
		m->first.after_break = after_break;
	}
}

struct scan_ctx {
	struct pt_sim_arm *m;
	bool upper;
	uint16_t asid;
};

static void record(struct scan_ctx *c, pt_paddr_t pa, uint64_t d, unsigned level, uint64_t va)
{
	struct pt_sim_arm *m = c->m;
	struct pt_sim_arm_shadow *old = find(m->shadow, m->epoch - 1, pa, false);
	if (old && (old->va != va || old->level != level))
		old = NULL;   /* the frame now holds another table */
	bool valid = valid_at(d, level);
	if (!old && !valid)
		return;
	struct pt_sim_arm_shadow *s = find(m->scan, m->epoch, pa, true);
	if (!s) {
		m->overflow = true;
		return;
	}
	if (s->epoch == m->epoch)
		return;   /* reached twice in one scan (a root two PEs load) */
	m->nr_shadow++;
	if (old)
		*s = *old;
	else
		*s = (struct pt_sim_arm_shadow){ .desc_pa = pa, .desc = d, .level = level, .va = va,
					      .size = pt_sim_arm_span(level) };
	s->epoch = m->epoch;
	bool leaf = level == 3 || !(d & D_TABLE);
	if (!valid) {
		if (!s->broken) {
			s->broken = true;
			s->stale = all_pes(m);
		}
		return;
	}
	if (old && ((s->desc ^ d) & BBM_FIELDS) && (!s->broken || (s->stale && !m->bbm_ignore_stale)))
		violation(m, s, d, s->broken);
	s->broken = false;
	s->stale = 0;
	s->desc = d;
	s->global = c->upper || (leaf && !(d & D_NG));
	s->asid = c->asid;
}

/*
 * Each table also has a record (key: its address + 1) counting the entries
 * the last scan kept for it: a zero descriptor in a table without any is
 * skipped without a lookup, which keeps a scan of many empty tables cheap.
 */
static void scan_table(struct scan_ctx *c, pt_paddr_t table, unsigned level, uint64_t base)
{
	struct pt_sim_arm *m = c->m;
	const uint64_t *ptes = pt_sim_ram_frame_ptr(m->ram, table);
	if (!ptes)
		return;
	struct pt_sim_arm_shadow *had = find(m->shadow, m->epoch - 1, table + 1, false);
	unsigned before = m->nr_shadow;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t d = __atomic_load_n(&ptes[i], __ATOMIC_ACQUIRE);
		uint64_t va = base + (uint64_t)i * pt_sim_arm_span(level);
		pt_paddr_t pa = table + 8ull * i;
		if (!d && (!had || !find(m->shadow, m->epoch - 1, pa, false)))
			continue;
		record(c, pa, d, level, va);
		if (level < 3 && valid_at(d, level) && (d & D_TABLE))
			scan_table(c, d & PT_SIM_ARM_OA_BITS, level + 1, va);
	}
	if (m->nr_shadow == before)
		return;
	struct pt_sim_arm_shadow *t = find(m->scan, m->epoch, table + 1, true);
	if (!t) {
		m->overflow = true;
		return;
	}
	*t = (struct pt_sim_arm_shadow){ .desc_pa = table + 1, .epoch = m->epoch, .level = 4 };
}

static void scan_root(struct pt_sim_arm *m, pt_paddr_t root, bool upper, uint16_t asid)
{
	if (!root)
		return;
	struct scan_ctx c = { m, upper, asid };
	scan_table(&c, root, 0, upper ? 0xffff000000000000ull : 0);
}

unsigned pt_sim_arm_bbm_check(struct pt_sim_arm *m)
{
	if (m->roots_fn)
		m->roots_fn(m, m->roots_ctx);
	m->epoch++;
	m->nr_shadow = 0;
	for (unsigned i = 0; i < m->nr_pes; i++) {
		scan_root(m, m->pe[i].r.ttbr0, false, m->pe[i].r.asid);
		scan_root(m, m->pe[i].r.ttbr1, true, 0);
	}
	for (unsigned i = 0; i < m->nr_roots; i++)
		scan_root(m, m->roots[i].pa, m->roots[i].upper, m->roots[i].asid);
	struct pt_sim_arm_shadow *t = m->shadow;
	m->shadow = m->scan;
	m->scan = t;
	return m->nr_violations;
}

void pt_sim_arm_bbm_tlbi(struct pt_sim_arm *m, unsigned pe, const struct pt_sim_arm_tlbi_op *op)
{
	for (unsigned i = 0; i < PT_SIM_ARM_SHADOW; i++) {
		struct pt_sim_arm_shadow *s = &m->shadow[i];
		if (s->epoch != m->epoch || s->level > 3 || !s->broken || !(s->stale >> pe & 1))
			continue;
		bool leaf = s->level == 3 || !(s->desc & D_TABLE);
		if (pt_sim_arm_tlbi_covers(op, leaf, s->global, s->asid, s->va, s->size))
			s->stale &= ~(1u << pe);
	}
}

void pt_sim_arm_watch_root(struct pt_sim_arm *m, pt_paddr_t root, bool upper, uint16_t asid)
{
	for (unsigned i = 0; i < m->nr_roots; i++)
		if (m->roots[i].pa == root)
			return;
	if (m->nr_roots == PT_SIM_ARM_ROOTS)
		return;
	m->roots[m->nr_roots].pa = root;
	m->roots[m->nr_roots].upper = upper;
	m->roots[m->nr_roots].asid = asid;
	m->nr_roots++;
}
