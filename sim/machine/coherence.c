/* SPDX-License-Identifier: MIT */
/*
 * The coherence check: every cached TLB and PSC entry is compared with a
 * fresh, side-effect-free walk of the current tables. What it lists is what
 * a missing invalidation would let the CPU use; upgrades (a spurious #PF at
 * most) and cleared A/D bits are marked harmless.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include <pt/sim/ram.h>

struct check {
	struct sim_coherence *out;
	size_t cap;
	bool oom;
};

static const char *const kind_names[SIM_STALE__COUNT] = {
	[SIM_STALE_PA] = "stale-pa",
	[SIM_STALE_UNMAPPED] = "unmapped",
	[SIM_STALE_RIGHTS] = "stale-rights",
	[SIM_STALE_UPGRADE] = "upgrade",
	[SIM_STALE_DIRTY] = "stale-ad",
	[SIM_STALE_PSC_TABLE] = "psc-other-table",
	[SIM_STALE_PSC_UNREACHABLE] = "psc-unreachable",
	[SIM_STALE_PSC_POISONED] = "psc-poisoned",
};

const char *sim_stale_kind_name(enum sim_stale_kind kind)
{
	return (unsigned)kind < SIM_STALE__COUNT ? kind_names[kind] : "?";
}

static void report(struct check *c, struct sim_cpu *cpu, const struct sim_tlb_entry *e,
		   enum sim_stale_kind kind, const struct sim_walk_out *w, bool faulted)
{
	struct sim_coherence *out = c->out;
	if (out->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct sim_stale *v = realloc(out->items, cap * sizeof(*v));
		if (!v) {
			c->oom = true;
			return;
		}
		out->items = v;
		c->cap = cap;
	}
	struct sim_stale *s = &out->items[out->count++];
	memset(s, 0, sizeof(*s));
	s->cpu = cpu->idx;
	s->kind = kind;
	s->harmless = kind == SIM_STALE_UPGRADE || kind == SIM_STALE_DIRTY;
	s->entry = *e;
	s->fresh_pa = faulted ? 0 : w->frame;
	s->fresh_error = faulted ? w->error_code : 0;
	out->by_kind[kind]++;
	if (!s->harmless)
		out->harmful++;
}

static enum sim_walk_rc fresh_walk(struct sim_cpu *cpu, const struct sim_tlb_entry *e,
				   unsigned stop, struct sim_walk_out *w)
{
	struct sim_walk_in in;
	uint64_t cr3 = e->global ? cpu->r.cr3 : cpu->pcid_root[e->pcid];

	memset(&in, 0, sizeof(in));
	memset(w, 0, sizeof(*w));
	in.va = e->va;
	in.mode = SIM_SUPERVISOR;
	in.stop_level = stop;
	sim_cr3_root(cpu, cr3, cpu->r.cr4 & SIM_CR4_PCIDE, &in.root, &in.root_mt);
	return sim_walk(cpu, &in, w);
}

/* The harmless direction: cached rights are a subset of the fresh ones. */
static bool only_weaker(const struct sim_cpu *cpu, bool rw, bool us, bool xd,
			const struct sim_walk_out *w)
{
	bool us_up = !us && w->us && !(cpu->r.cr4 & (SIM_CR4_SMEP | SIM_CR4_SMAP));
	return (rw == w->rw || (!rw && w->rw)) && (xd == w->xd || (xd && !w->xd)) &&
	       (us == w->us || us_up);
}

static void check_tlb(struct check *c, struct sim_cpu *cpu, const struct sim_tlb_entry *e)
{
	struct sim_walk_out w;

	if (fresh_walk(cpu, e, 0, &w) != SIM_WALK_OK) {
		report(c, cpu, e, SIM_STALE_UNMAPPED, &w, true);
		return;
	}
	uint64_t leaf = w.entry_val[w.leaf_level];
	if (w.leaf_level != e->level || w.frame != e->pa) {
		report(c, cpu, e, SIM_STALE_PA, &w, false);
	} else if (e->rw != w.rw || e->us != w.us || e->xd != w.xd || e->pk != w.pk ||
		   e->memtype != w.memtype || (e->global && !w.global)) {
		bool up = only_weaker(cpu, e->rw, e->us, e->xd, &w) && e->pk == w.pk &&
			  e->memtype == w.memtype && !(e->global && !w.global);
		report(c, cpu, e, up ? SIM_STALE_UPGRADE : SIM_STALE_RIGHTS, &w, false);
	} else if (!(leaf & SIM_PTE_A) || (e->dirty && !(leaf & SIM_PTE_D))) {
		report(c, cpu, e, SIM_STALE_DIRTY, &w, false);
	}
}

static void check_psc(struct check *c, struct sim_cpu *cpu, const struct sim_tlb_entry *e)
{
	struct sim_walk_out w;
	struct pt_ram *ram = cpu->m->ram;

	memset(&w, 0, sizeof(w));
	if (pt_ram_is_poisoned(ram, e->pa) || pt_ram_kind(ram, e->pa) == PT_FRAME_DATA) {
		report(c, cpu, e, SIM_STALE_PSC_POISONED, &w, true);
		return;
	}
	if (fresh_walk(cpu, e, e->level, &w) != SIM_WALK_OK) {
		report(c, cpu, e, SIM_STALE_PSC_UNREACHABLE, &w, true);
		return;
	}
	if (w.leaf_level || w.frame != e->pa) {
		report(c, cpu, e, SIM_STALE_PSC_TABLE, &w, false);
		return;
	}
	unsigned l = e->level;
	bool rw = w.cum_rw[l], us = w.cum_us[l], xd = w.cum_xd[l];
	if (e->rw != rw || e->us != us || e->xd != xd || e->memtype != w.next_mt[l]) {
		struct sim_walk_out r = w;
		r.rw = rw;
		r.us = us;
		r.xd = xd;
		bool up = only_weaker(cpu, e->rw, e->us, e->xd, &r) && e->memtype == w.next_mt[l];
		report(c, cpu, e, up ? SIM_STALE_UPGRADE : SIM_STALE_RIGHTS, &w, false);
	}
}

static void check_one(struct sim_cpu *cpu, const struct sim_tlb_entry *e, void *arg)
{
	if (e->psc)
		check_psc(arg, cpu, e);
	else
		check_tlb(arg, cpu, e);
}

bool sim_coherence_check(struct sim_machine *m, int cpu_idx, struct sim_coherence *out)
{
	struct check c = { out, 0, false };

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < m->nr_cpus; i++) {
		if (cpu_idx >= 0 && (unsigned)cpu_idx != i)
			continue;
		struct sim_cpu *cpu = &m->cpus[i];
		pthread_mutex_lock(&cpu->lock);
		sim_cache_foreach(cpu, check_one, &c);
		pthread_mutex_unlock(&cpu->lock);
	}
	return !c.oom;
}

void sim_coherence_free(struct sim_coherence *c)
{
	free(c->items);
	memset(c, 0, sizeof(*c));
}
