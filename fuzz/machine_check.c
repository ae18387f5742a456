/* SPDX-License-Identifier: MIT */
/* The machine fuzzer's oracle: coherence, poison, frame counts, accesses. */
#include "machine.h"

#include <inttypes.h>
#include <stdlib.h>

#include "oracle.h"
#include <pt/sim/ram.h>

static void check_coherence(struct fm_world *w, const char *what)
{
	struct pt_sim_coherence c;
	if (!pt_sim_coherence_check(w->m, -1, &c))
		abort();
	for (size_t i = 0; i < c.count; i++) {
		const struct pt_sim_stale *s = &c.items[i];
		if (s->harmless)
			continue;
		fz_fail("op %u (%s): cpu %u caches %s %s va %#" PRIx64 " pa %#" PRIx64
			" pcid %u level %u (fresh pa %#" PRIx64 ")", w->op_no, what, s->cpu,
			s->entry.psc ? "psc" : "tlb", pt_sim_stale_kind_name(s->kind), s->entry.va,
			s->entry.pa, s->entry.pcid, s->entry.level, s->fresh_pa);
	}
	pt_sim_coherence_free(&c);
}

static void check_poison(struct fm_world *w, const char *what)
{
	for (unsigned c = 0; c < w->nr_cpus; c++) {
		struct pt_sim_cpu *cpu = pt_sim_machine_cpu(w->m, c);
		size_t n = pt_sim_tlb_dump(cpu, NULL, 0);
		struct pt_sim_tlb_entry *e = calloc(n + 1, sizeof(*e));
		if (!e)
			abort();
		n = pt_sim_tlb_dump(cpu, e, n);
		for (size_t i = 0; i < n; i++)
			if (pt_sim_ram_is_poisoned(w->ram, e[i].pa) ||
			    pt_sim_ram_is_poisoned(w->ram, e[i].entry_pa))
				fz_fail("op %u (%s): cpu %u caches %s va %#" PRIx64
					" into freed frame %#" PRIx64, w->op_no, what, c,
					e[i].psc ? "psc" : "tlb", e[i].va, e[i].pa);
		free(e);
	}
}

/* Abort if some CPU caches a translation to @pa that memory no longer has. */
static void check_stale_to(struct fm_world *w, pt_paddr_t pa, const char *what)
{
	struct pt_sim_coherence c;
	if (!pt_sim_coherence_check(w->m, -1, &c))
		abort();
	for (size_t i = 0; i < c.count; i++) {
		const struct pt_sim_stale *s = &c.items[i];
		if (!s->harmless && !s->entry.psc && s->entry.pa == pa)
			fz_fail("op %u: cpu %u caches %s va %#" PRIx64 " -> %s %#" PRIx64, w->op_no,
				s->cpu, pt_sim_stale_kind_name(s->kind), s->entry.va, what, pa);
	}
	pt_sim_coherence_free(&c);
}

void fm_check_uncached(struct fm_world *w, pt_paddr_t pa, bool last, const char *what)
{
	check_stale_to(w, pa, what);
	for (unsigned c = 0; last && c < w->nr_cpus; c++) {
		struct pt_sim_cpu *cpu = pt_sim_machine_cpu(w->m, c);
		size_t n = pt_sim_tlb_dump(cpu, NULL, 0);
		struct pt_sim_tlb_entry *e = calloc(n + 1, sizeof(*e));
		if (!e)
			abort();
		n = pt_sim_tlb_dump(cpu, e, n);
		for (size_t i = 0; i < n; i++)
			if (!e[i].psc && e[i].pa == pa)
				fz_fail("op %u: cpu %u still maps va %#" PRIx64 " to %s %#" PRIx64,
					w->op_no, c, e[i].va, what, pa);
		free(e);
	}
}

static void check_frames(struct fm_world *w, const char *what)
{
	uint64_t in_use = 0;
	for (unsigned i = 0; i < w->nr_frames; i++) {
		const struct fm_frame *fr = &w->frames[i];
		if (!fr->refs)
			continue;
		in_use++;
		uint32_t got = pt_sim_ram_refcount(w->ram, fr->pa);
		if (got != fr->refs || pt_sim_ram_kind(w->ram, fr->pa) != PT_FRAME_DATA)
			fz_fail("op %u (%s): frame %#" PRIx64 " has %u references, model %u",
				w->op_no, what, fr->pa, got, fr->refs);
	}
	uint64_t data = pt_sim_ram_stats(w->ram).data_in_use;
	if (data != in_use)
		fz_fail("op %u (%s): %" PRIu64 " data frames in use, model %" PRIu64, w->op_no,
			what, data, in_use);
}

void fm_check(struct fm_world *w, const char *what)
{
	w->env.reclaim.ops->drain(w->env.reclaim.ctx);
	check_coherence(w, what);
	check_poison(w, what);
	check_frames(w, what);
}

/* What the model says: true and *pa if the access translates. */
static bool expect(const struct fm_world *w, unsigned cpu, bool kernel, unsigned idx,
		   enum pt_sim_access_kind kind, enum pt_sim_mode mode, pt_paddr_t *pa)
{
	int t = kernel ? 0 : w->active[cpu];
	if (!kernel && t == 0)
		return false;
	const struct fm_page *p = &w->tab[t].pages[idx];
	if (p->kind == FM_NONE || !(p->flags & PT_R))
		return false;
	if ((mode == PT_SIM_USER && !(p->flags & PT_USER)) ||
	    (kind == PT_SIM_WRITE && !(p->flags & PT_W)) || (kind == PT_SIM_FETCH && !(p->flags & PT_X)))
		return false;
	*pa = p->kind == FM_TRACKED ? w->frames[p->frame].pa : p->pa;
	return true;
}

static const char *const kind_name[] = { "read", "write", "fetch" };

void fm_access(struct fm_world *w, unsigned cpu, bool kernel, unsigned idx,
	       enum pt_sim_access_kind kind, enum pt_sim_mode mode)
{
	cpu %= w->nr_cpus;
	pt_vaddr_t va = fm_va(w, kernel ? 0 : 1, idx);
	pt_paddr_t want = 0;
	bool ok = expect(w, cpu, kernel, idx, kind, mode, &want);
	struct pt_sim_xlat x;
	struct pt_sim_cpu *c = fm_on(w, cpu);
	enum pt_sim_exc e = pt_sim_access(c, va, kind, mode, &x);
	/* An upgrade needs no flush: the stale entry may fault once, then it is gone. */
	if (ok && e == PT_SIM_EXC_PF)
		e = pt_sim_access(c, va, kind, mode, &x);
	fz_trace("  access cpu %u %s %s va %#" PRIx64 " -> exc %d pa %#" PRIx64, cpu,
		 kind_name[kind], mode == PT_SIM_USER ? "user" : "kernel", va, (int)e,
		 e == PT_SIM_EXC_NONE ? x.pa : 0);
	if (ok && (e != PT_SIM_EXC_NONE || x.pa != want))
		fz_fail("op %u: cpu %u %s %s of %#" PRIx64 ": exc %d pa %#" PRIx64
			", model pa %#" PRIx64, w->op_no, cpu, mode == PT_SIM_USER ? "user" : "kernel",
			kind_name[kind], va, (int)e, e == PT_SIM_EXC_NONE ? x.pa : 0, want);
	if (!ok && e != PT_SIM_EXC_PF)
		fz_fail("op %u: cpu %u %s %s of %#" PRIx64 ": exc %d pa %#" PRIx64
			", model expects a page fault", w->op_no, cpu,
			mode == PT_SIM_USER ? "user" : "kernel", kind_name[kind], va, (int)e,
			e == PT_SIM_EXC_NONE ? x.pa : 0);
}
