/* SPDX-License-Identifier: MIT */
#include "machine.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"
#include <pt/sim/ram.h>

struct pt_sim_cpu *fm_on(struct fm_world *w, unsigned cpu)
{
	cpu %= w->nr_cpus;
	struct pt_sim_cpu *cur = pt_sim_cpu_current();
	if (cur && w->on == (int)cpu)
		return cur;
	if (cur)
		pt_sim_cpu_leave(cur);
	cur = pt_sim_cpu_enter(w->m, cpu);
	if (!cur)
		fz_fail("cannot enter CPU %u", cpu);
	w->on = (int)cpu;
	return cur;
}

pt_vaddr_t fm_va(const struct fm_world *w, int t, unsigned idx)
{
	pt_vaddr_t base = t == 0 ? w->tab[0].vs.table.va_lo : 0;
	if (idx < FM_SMALL)
		return base + FM_SMALL_VA + (pt_vaddr_t)idx * PT_PAGE_SIZE;
	return base + FM_HUGE_VA + (pt_vaddr_t)(idx - FM_SMALL) * PT_PAGE_SIZE;
}

uint32_t fm_frame_new(struct fm_world *w)
{
	if (w->nr_frames == FM_FRAMES)
		fz_fail("out of model frames");
	struct fm_frame *fr = &w->frames[w->nr_frames];
	if (pt_sim_ram_alloc(w->ram, PT_FRAME_DATA, &fr->pa) != PT_OK)
		fz_fail("out of simulated RAM");
	fr->refs = 1;
	fr->tag = 0x5eed000000000000ull | w->nr_frames;
	pt_sim_ram_write(w->ram, fr->pa, &fr->tag, sizeof(fr->tag));
	return w->nr_frames++;
}

void fm_user_create(struct fm_world *w, int t, uint8_t b)
{
	struct fm_table *ft = &w->tab[t];
	if (pt_vmspace_create_user(&ft->vs, &w->tab[0].vs) != PT_OK)
		fz_fail("creating user table %d failed", t);
	ft->live = true;
	ft->asid = w->pcide ? (pt_asid_t)(b % 3) : 0;
	memset(ft->pages, 0, sizeof(ft->pages));
}

void fm_page_clear(struct fm_world *w, int t, unsigned idx)
{
	struct fm_page *p = &w->tab[t].pages[idx];
	if (p->kind == FM_TRACKED)
		w->frames[p->frame].refs--;
	memset(p, 0, sizeof(*p));
}

static void machine_new(struct fm_world *w, bool la57)
{
	struct pt_sim_machine_config cfg = { .nr_cpus = w->nr_cpus, .ram_size = 32ull << 20,
					  .la57 = la57 };
	w->m = pt_sim_machine_create(&cfg);
	if (!w->m)
		abort();
	w->ram = pt_sim_machine_ram(w->m);
	pt_cpus_init(&w->cpus);
	w->env.fmt = la57 ? &pt_format_x86_64_5level : &pt_format_x86_64_4level;
	w->env.mem = pt_sim_ram_physmem(w->ram);
	w->env.reclaim = pt_sim_reclaim_sync(&w->reclaim);
	w->env.tlb = pt_sim_tlb_init(&w->stlb, w->m, &w->cpus, w->pcide);
	w->env.hooks = &w->hooks;
}

void fm_init(struct fm_world *w, uint8_t hdr, uint8_t asids)
{
	memset(w, 0, sizeof(*w));
	fz_verbose = getenv("PT_FUZZ_VERBOSE") != NULL;
	/* Oracle self-test: PT_FUZZ_FLUSH_OFF=<mask of pt_flush_site> skips flushes. */
	const char *off = getenv("PT_FUZZ_FLUSH_OFF");
	w->hooks.flush_off = off ? (uint32_t)strtoul(off, NULL, 0) : 0;
	w->nr_cpus = 1u + (hdr & 3u);
	w->pcide = hdr & 4;
	w->nr_users = 1u + (unsigned)((hdr >> 4) % 3);
	machine_new(w, hdr & 8);
	if (pt_vmspace_create_kernel(&w->tab[0].vs, &w->env) != PT_OK)
		fz_fail("creating the kernel table failed");
	w->tab[0].live = true;
	for (unsigned i = w->nr_cpus; i-- > 0;) {
		struct pt_sim_cpu *cpu = fm_on(w, i);
		if (w->pcide &&
		    pt_sim_cpu_write_cr4(cpu, pt_sim_cpu_regs(cpu).cr4 | PT_SIM_CR4_PCIDE) != PT_SIM_EXC_NONE)
			fz_fail("CR4.PCIDE refused");
		fm_expect(w, pt_vmspace_first_activate_unchecked(&w->tab[0].vs), PT_OK,
			  "first activation");
		w->active[i] = 0;
	}
	for (unsigned t = 1; t <= w->nr_users; t++)
		fm_user_create(w, (int)t, (uint8_t)(asids >> (2 * t)));
	/* Bits 0-1 of the id byte: the flusher's full-flush threshold. */
	static const unsigned threshold[4] = { 0, 1, 4, 64 };
	w->env.tlb.flush_threshold = threshold[asids & 3];
	fz_trace("machine: %u CPUs%s, %u user tables, %s", w->nr_cpus, w->pcide ? " PCID" : "",
		 w->nr_users, hdr & 8 ? "5-level" : "4-level");
}

void fm_fini(struct fm_world *w)
{
	for (unsigned c = 0; c < w->nr_cpus; c++) {
		fm_on(w, c);
		fm_expect(w, pt_vmspace_activate_asid(&w->tab[0].vs, 0), PT_OK, "activate kernel at exit");
		w->active[c] = 0;
	}
	for (unsigned t = 1; t <= w->nr_users; t++) {
		fm_expect(w, pt_vmspace_destroy(&w->tab[t].vs), PT_OK, "destroy at exit");
		w->tab[t].live = false;
		for (unsigned i = 0; i < FM_PAGES; i++)
			fm_page_clear(w, (int)t, i);
	}
	fm_check(w, "user tables destroyed");
	for (unsigned c = 0; c < w->nr_cpus; c++) {
		fm_on(w, c);
		pt_cpu_deactivate(&w->env);
	}
	fm_expect(w, pt_vmspace_destroy(&w->tab[0].vs), PT_OK, "destroy kernel");
	w->env.reclaim.ops->drain(w->env.reclaim.ctx);
	uint64_t left = pt_sim_ram_stats(w->ram).frames_in_use;
	if (left)
		fz_fail("%" PRIu64 " frames in use after teardown", left);
	pt_sim_cpu_leave(pt_sim_cpu_current());
	pt_sim_machine_destroy(w->m);
}

void fm_expect(const struct fm_world *w, enum pt_err got, enum pt_err want, const char *what)
{
	fz_trace("  op %u %s -> %s", w->op_no, what, pt_strerror(got));
	if (got != want)
		fz_fail("op %u: %s returned %s, model expects %s", w->op_no, what, pt_strerror(got),
			pt_strerror(want));
}
