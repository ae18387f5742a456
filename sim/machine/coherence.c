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
	struct pt_sim_coherence *out;
	size_t cap;
	bool oom;
};

static const char *const kind_names[PT_SIM_STALE__COUNT] = {
	[PT_SIM_STALE_PA] = "stale-pa",
	[PT_SIM_STALE_UNMAPPED] = "unmapped",
	[PT_SIM_STALE_RIGHTS] = "stale-rights",
	[PT_SIM_STALE_UPGRADE] = "upgrade",
	[PT_SIM_STALE_DIRTY] = "stale-ad",
	[PT_SIM_STALE_PSC_TABLE] = "psc-other-table",
	[PT_SIM_STALE_PSC_UNREACHABLE] = "psc-unreachable",
	[PT_SIM_STALE_PSC_POISONED] = "psc-poisoned",
};

const char *pt_sim_stale_kind_name(enum pt_sim_stale_kind kind)
{
	return (unsigned)kind < PT_SIM_STALE__COUNT ? kind_names[kind] : "?";
}

static void report(struct check *c, struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e,
		   enum pt_sim_stale_kind kind, const struct pt_sim_walk_out *w, bool faulted)
{
	struct pt_sim_coherence *out = c->out;
	if (out->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct pt_sim_stale *v = realloc(out->items, cap * sizeof(*v));
		if (!v) {
			c->oom = true;
			return;
		}
		out->items = v;
		c->cap = cap;
	}
	struct pt_sim_stale *s = &out->items[out->count++];
	memset(s, 0, sizeof(*s));
	s->cpu = cpu->idx;
	s->kind = kind;
	s->harmless = kind == PT_SIM_STALE_UPGRADE || kind == PT_SIM_STALE_DIRTY;
	s->entry = *e;
	s->fresh_pa = faulted ? 0 : w->frame;
	s->fresh_error = faulted ? w->error_code : 0;
	out->by_kind[kind]++;
	if (!s->harmless)
		out->harmful++;
}

static enum pt_sim_walk_rc fresh_walk(struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e,
				   unsigned stop, struct pt_sim_walk_out *w)
{
	struct pt_sim_walk_in in;
	uint64_t cr3 = e->global ? cpu->r.cr3 : cpu->pcid_root[e->pcid];

	memset(&in, 0, sizeof(in));
	memset(w, 0, sizeof(*w));
	in.va = e->va;
	in.mode = PT_SIM_SUPERVISOR;
	in.stop_level = stop;
	pt_sim_cr3_root(cpu, cr3, cpu->r.cr4 & PT_SIM_CR4_PCIDE, &in.root, &in.root_mt);
	return pt_sim_walk(cpu, &in, w);
}

/* The harmless direction: cached rights are a subset of the fresh ones. */
static bool only_weaker(const struct pt_sim_cpu *cpu, bool rw, bool us, bool xd,
			const struct pt_sim_walk_out *w)
{
	bool us_up = !us && w->us && !(cpu->r.cr4 & (PT_SIM_CR4_SMEP | PT_SIM_CR4_SMAP));
	return (rw == w->rw || (!rw && w->rw)) && (xd == w->xd || (xd && !w->xd)) &&
	       (us == w->us || us_up);
}

static void check_tlb(struct check *c, struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e)
{
	struct pt_sim_walk_out w;

	if (fresh_walk(cpu, e, 0, &w) != PT_SIM_WALK_OK) {
		report(c, cpu, e, PT_SIM_STALE_UNMAPPED, &w, true);
		return;
	}
	uint64_t leaf = w.entry_val[w.leaf_level];
	if (w.leaf_level != e->level || w.frame != e->pa) {
		report(c, cpu, e, PT_SIM_STALE_PA, &w, false);
	} else if (e->rw != w.rw || e->us != w.us || e->xd != w.xd || e->pk != w.pk ||
		   e->memtype != w.memtype || (e->global && !w.global)) {
		bool up = only_weaker(cpu, e->rw, e->us, e->xd, &w) && e->pk == w.pk &&
			  e->memtype == w.memtype && !(e->global && !w.global);
		report(c, cpu, e, up ? PT_SIM_STALE_UPGRADE : PT_SIM_STALE_RIGHTS, &w, false);
	} else if (!(leaf & PT_SIM_PTE_A) || (e->dirty && !(leaf & PT_SIM_PTE_D))) {
		report(c, cpu, e, PT_SIM_STALE_DIRTY, &w, false);
	}
}

static void check_psc(struct check *c, struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e)
{
	struct pt_sim_walk_out w;
	struct pt_sim_ram *ram = cpu->m->ram;

	memset(&w, 0, sizeof(w));
	if (pt_sim_ram_is_poisoned(ram, e->pa) || pt_sim_ram_kind(ram, e->pa) == PT_FRAME_DATA) {
		report(c, cpu, e, PT_SIM_STALE_PSC_POISONED, &w, true);
		return;
	}
	if (fresh_walk(cpu, e, e->level, &w) != PT_SIM_WALK_OK) {
		report(c, cpu, e, PT_SIM_STALE_PSC_UNREACHABLE, &w, true);
		return;
	}
	if (w.leaf_level || w.frame != e->pa) {
		report(c, cpu, e, PT_SIM_STALE_PSC_TABLE, &w, false);
		return;
	}
	unsigned l = e->level;
	bool rw = w.cum_rw[l], us = w.cum_us[l], xd = w.cum_xd[l];
	if (e->rw != rw || e->us != us || e->xd != xd || e->memtype != w.next_mt[l]) {
		struct pt_sim_walk_out r = w;
		r.rw = rw;
		r.us = us;
		r.xd = xd;
		bool up = only_weaker(cpu, e->rw, e->us, e->xd, &r) && e->memtype == w.next_mt[l];
		report(c, cpu, e, up ? PT_SIM_STALE_UPGRADE : PT_SIM_STALE_RIGHTS, &w, false);
	}
}

static void check_one(struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e, void *arg)
{
	if (e->psc)
		check_psc(arg, cpu, e);
	else
		check_tlb(arg, cpu, e);
}

bool pt_sim_coherence_check(struct pt_sim_machine *m, int cpu_idx, struct pt_sim_coherence *out)
{
	struct check c = { out, 0, false };

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < m->nr_cpus; i++) {
		if (cpu_idx >= 0 && (unsigned)cpu_idx != i)
			continue;
		struct pt_sim_cpu *cpu = &m->cpus[i];
		pthread_mutex_lock(&cpu->lock);
		pt_sim_cache_foreach(cpu, check_one, &c);
		pthread_mutex_unlock(&cpu->lock);
	}
	return !c.oom;
}

void pt_sim_coherence_free(struct pt_sim_coherence *c)
{
	free(c->items);
	memset(c, 0, sizeof(*c));
}
