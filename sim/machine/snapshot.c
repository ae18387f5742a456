/* SPDX-License-Identifier: MIT */
/*
 * Speculative caching (§5.3 F4): a CPU may cache any valid translation at any
 * time, so before a paging entry is overwritten each CPU caches the
 * translations that use it, and pt_sim_cpu_prefetch caches everything reachable.
 * Only walks whose entries all have A=1 are cached (no memory side effects).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include <pt/sim/ram.h>

#define TABLE_BUDGET 65536u     /* tables visited per snapshot, against cycles */

struct snap {
	struct pt_sim_cpu *cpu;
	uint16_t pcid;
	size_t added;
	unsigned budget;
	/* the path above the current table, for its PSC entries */
	struct pt_sim_tlb_entry path[6];
	unsigned depth_top;
};

struct rights {
	bool rw, us, xd;
};

static bool usable(const struct pt_sim_cpu *cpu, unsigned level, uint64_t e)
{
	return (e & PT_SIM_PTE_P) && (e & PT_SIM_PTE_A) && !(e & pt_sim_rsvd_mask(cpu, level, e));
}

static struct rights combine(struct rights r, uint64_t e)
{
	r.rw = r.rw && (e & PT_SIM_PTE_RW);
	r.us = r.us && (e & PT_SIM_PTE_US);
	r.xd = r.xd || (e & PT_SIM_PTE_XD);
	return r;
}

static pt_vaddr_t child_va(const struct pt_sim_cpu *cpu, unsigned level, pt_vaddr_t base,
			   unsigned i)
{
	pt_vaddr_t va = base + (uint64_t)i * pt_sim_level_size(level);
	return level == pt_sim_top_level(cpu) ? pt_sim_canonicalize(cpu, va) : va;
}

static void make_psc(struct snap *s, unsigned level, pt_vaddr_t va, pt_paddr_t epa, uint64_t e,
		     struct rights r, struct pt_sim_tlb_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->psc = true;
	out->level = (uint8_t)level;
	out->pcid = s->pcid;
	out->va = va;
	out->pa = e & s->cpu->m->addr_mask;
	out->rw = r.rw;
	out->us = r.us;
	out->xd = r.xd;
	out->memtype = pt_sim_table_memtype(s->cpu, e);
	out->entry_pa = epa;
	out->entry_val = e;
}

static void insert_leaf(struct snap *s, unsigned level, pt_vaddr_t va, pt_paddr_t epa,
			uint64_t e, struct rights r)
{
	struct pt_sim_cpu *cpu = s->cpu;
	struct pt_sim_tlb_entry t;

	memset(&t, 0, sizeof(t));
	t.global = (cpu->r.cr4 & PT_SIM_CR4_PGE) && (e & PT_SIM_PTE_G);
	t.level = (uint8_t)level;
	t.pcid = s->pcid;
	t.va = va;
	t.pa = pt_sim_leaf_frame(cpu, level, e);
	t.rw = r.rw;
	t.us = r.us;
	t.xd = r.xd;
	t.dirty = e & PT_SIM_PTE_D;
	t.pk = (uint8_t)((e >> PT_SIM_PTE_PK_SHIFT) & 0xf);
	t.memtype = pt_sim_leaf_memtype(cpu, level, e);
	t.entry_pa = epa;
	t.entry_val = e;
	pt_sim_cache_insert(cpu, &t);
	s->added++;
}

/* Cache every translation under entry @e (at @level, mapping from @va). */
static void snap_entry(struct snap *s, unsigned level, pt_vaddr_t va, pt_paddr_t epa,
		       uint64_t e, struct rights r)
{
	struct pt_sim_cpu *cpu = s->cpu;
	struct pt_sim_tlb_entry psc;

	if (!usable(cpu, level, e))
		return;
	r = combine(r, e);
	if (pt_sim_is_leaf(level, e)) {
		insert_leaf(s, level, va, epa, e, r);
		return;
	}
	make_psc(s, level, va, epa, e, r, &psc);
	pt_sim_cache_insert(cpu, &psc);
	if (!s->budget)
		return;
	s->budget--;
	pt_paddr_t table = e & cpu->m->addr_mask;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t child = pt_sim_ram_load64(cpu->m->ram, table + 8ull * i);
		if (child & PT_SIM_PTE_P)
			snap_entry(s, level - 1, child_va(cpu, level - 1, va, i), table + 8ull * i,
				   child, r);
	}
}

static void snap_init(struct snap *s, struct pt_sim_cpu *cpu, uint16_t pcid)
{
	memset(s, 0, sizeof(*s));
	s->cpu = cpu;
	s->pcid = pcid;
	s->budget = TABLE_BUDGET;
}

/* Depth-first search from @table (at @level) for the table holding @target. */
static void find_users(struct snap *s, unsigned level, pt_paddr_t table, pt_vaddr_t va,
		       struct rights r, pt_paddr_t target)
{
	struct pt_sim_cpu *cpu = s->cpu;
	pt_paddr_t target_table = target & ~0xfffull;

	if (table == target_table) {
		for (unsigned l = s->depth_top; l > level; l--)
			pt_sim_cache_insert(cpu, &s->path[l]);
		unsigned i = (unsigned)(target & 0xfff) / 8;
		snap_entry(s, level, child_va(cpu, level, va, i), target,
			   pt_sim_ram_load64(cpu->m->ram, target), r);
	}
	if (level == 1 || !s->budget)
		return;
	s->budget--;
	for (unsigned i = 0; i < 512; i++) {
		pt_paddr_t epa = table + 8ull * i;
		uint64_t e = pt_sim_ram_load64(cpu->m->ram, epa);
		if (!usable(cpu, level, e) || pt_sim_is_leaf(level, e))
			continue;
		pt_vaddr_t cva = child_va(cpu, level, va, i);
		struct rights cr = combine(r, e);
		make_psc(s, level, cva, epa, e, cr, &s->path[level]);
		find_users(s, level - 1, e & cpu->m->addr_mask, cva, cr, target);
	}
}

struct psc_users {
	struct pt_sim_tlb_entry *v;
	size_t n, cap;
	pt_paddr_t table;
};

static void collect_psc(struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e, void *arg)
{
	struct psc_users *u = arg;
	(void)cpu;
	if (!e->psc || e->pa != u->table)
		return;
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;
		struct pt_sim_tlb_entry *v = realloc(u->v, cap * sizeof(*v));
		if (!v)
			return;
		u->v = v;
		u->cap = cap;
	}
	u->v[u->n++] = *e;
}

void pt_sim_snapshot_entry(struct pt_sim_cpu *cpu, pt_paddr_t pa)
{
	struct snap s;
	struct rights all = { true, true, false };
	struct psc_users u = { NULL, 0, 0, pa & ~0xfffull };

	if (cpu->r.cr0 & PT_SIM_CR0_PG) {
		pt_paddr_t root;
		uint8_t mt;
		pt_sim_current_root(cpu, &root, &mt);
		snap_init(&s, cpu, pt_sim_cpu_pcid_locked(cpu));
		s.depth_top = pt_sim_top_level(cpu);
		find_users(&s, s.depth_top, root, 0, all, pa);
		cpu->cnt.snapshots += s.added;
	}
	pt_sim_cache_foreach(cpu, collect_psc, &u);
	for (size_t k = 0; k < u.n; k++) {
		const struct pt_sim_tlb_entry *p = &u.v[k];
		struct rights r = { p->rw, p->us, p->xd };
		unsigned level = p->level - 1u;
		unsigned i = (unsigned)(pa & 0xfff) / 8;
		snap_init(&s, cpu, p->pcid);
		snap_entry(&s, level, p->va + (uint64_t)i * pt_sim_level_size(level), pa,
			   pt_sim_ram_load64(cpu->m->ram, pa), r);
		cpu->cnt.snapshots += s.added;
	}
	free(u.v);
}

void pt_sim_machine_pte_store(struct pt_sim_machine *m, pt_paddr_t pa, uint64_t val)
{
	pa &= ~7ull;
	if (!m->cfg.snapshot_before_overwrite) {
		pt_sim_ram_store64(m->ram, pa, val);
		return;
	}
	pthread_mutex_lock(&m->snap_lock);
	if (pt_sim_ram_load64(m->ram, pa) != val) {
		for (unsigned i = 0; i < m->nr_cpus; i++) {
			pthread_mutex_lock(&m->cpus[i].lock);
			pt_sim_snapshot_entry(&m->cpus[i], pa);
			pthread_mutex_unlock(&m->cpus[i].lock);
		}
	}
	pt_sim_ram_store64(m->ram, pa, val);
	pthread_mutex_unlock(&m->snap_lock);
}

size_t pt_sim_cpu_prefetch(struct pt_sim_cpu *cpu)
{
	struct snap s;
	struct rights all = { true, true, false };

	pthread_mutex_lock(&cpu->lock);
	if (!(cpu->r.cr0 & PT_SIM_CR0_PG)) {
		pthread_mutex_unlock(&cpu->lock);
		return 0;
	}
	pt_paddr_t root;
	uint8_t mt;
	unsigned top = pt_sim_top_level(cpu);
	pt_sim_current_root(cpu, &root, &mt);
	snap_init(&s, cpu, pt_sim_cpu_pcid_locked(cpu));
	for (unsigned i = 0; i < 512; i++) {
		pt_paddr_t epa = root + 8ull * i;
		uint64_t e = pt_sim_ram_load64(cpu->m->ram, epa);
		if (e & PT_SIM_PTE_P)
			snap_entry(&s, top, child_va(cpu, top, 0, i), epa, e, all);
	}
	cpu->cnt.snapshots += s.added;
	pthread_mutex_unlock(&cpu->lock);
	return s.added;
}
