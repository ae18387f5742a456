/* SPDX-License-Identifier: MIT */
#include "vm_fixture.h"

#include <stdlib.h>
#include <string.h>

struct pt_hooks vmf_hooks;

struct vmf *vmf_new(unsigned nr_cpus, bool pcide)
{
	struct vmf *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	struct pt_sim_machine_config cfg = { .nr_cpus = nr_cpus, .ram_size = 128ull << 20 };
	f->m = pt_sim_machine_create(&cfg);
	assert_non_null(f->m);
	f->ram = pt_sim_machine_ram(f->m);
	f->nr_cpus = nr_cpus;
	f->pcide = pcide;
	pt_cpus_init(&f->cpus);
	f->env.fmt = &pt_format_x86_64_4level;
	f->env.mem = pt_sim_ram_physmem(f->ram);
	f->env.reclaim = pt_sim_reclaim_urcu();
	f->env.tlb = pt_sim_tlb_init(&f->stlb, f->m, &f->cpus, pcide);
	f->env.hooks = &vmf_hooks;
	assert_int_equal(pt_vmspace_create_kernel(&f->kernel, &f->env), PT_OK);
	for (unsigned i = nr_cpus; i-- > 0;) {
		f->on = i;
		struct pt_sim_cpu *cpu = pt_sim_cpu_enter(f->m, i);
		assert_non_null(cpu);
		if (pcide)
			assert_int_equal(pt_sim_cpu_write_cr4(cpu, pt_sim_cpu_regs(cpu).cr4 | PT_SIM_CR4_PCIDE),
					 PT_SIM_EXC_NONE);
		assert_int_equal(pt_vmspace_first_activate_unchecked(&f->kernel), PT_OK);
		if (i)
			pt_sim_cpu_leave(cpu);
	}
	return f;
}

void vmf_on(struct vmf *f, unsigned cpu)
{
	if (f->on == cpu && pt_sim_cpu_current())
		return;
	if (pt_sim_cpu_current())
		pt_sim_cpu_leave(pt_sim_cpu_current());
	assert_non_null(pt_sim_cpu_enter(f->m, cpu));
	f->on = cpu;
}

void vmf_free(struct vmf *f)
{
	for (unsigned i = 0; i < f->nr_cpus; i++) {
		vmf_on(f, i);
		pt_cpu_deactivate(&f->env);
	}
	vmf_on(f, 0);
	assert_int_equal(pt_vmspace_destroy(&f->kernel), PT_OK);
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	assert_int_equal(pt_sim_ram_stats(f->ram).frames_in_use, 0);
	pt_sim_cpu_leave(pt_sim_cpu_current());
	pt_sim_machine_destroy(f->m);
	free(f);
}

void vmf_run_everywhere(struct vmf *f, struct pt_vmspace *t, pt_asid_t asid)
{
	for (unsigned i = 0; i < f->nr_cpus; i++) {
		vmf_on(f, i);
		assert_int_equal(pt_vmspace_activate_asid(t, asid), PT_OK);
	}
	vmf_on(f, 0);
}

void vmf_user(struct vmf *f, struct pt_vmspace *t)
{
	assert_int_equal(pt_vmspace_create_user(t, &f->kernel), PT_OK);
}

pt_paddr_t vmf_frame(struct vmf *f)
{
	pt_paddr_t pa;
	assert_int_equal(pt_sim_ram_alloc(f->ram, PT_FRAME_DATA, &pa), PT_OK);
	return pa;
}

void vmf_map_frames(struct vmf *f, struct pt_vmspace *t, pt_vaddr_t va, unsigned n, uint16_t flags,
		    pt_paddr_t *pas)
{
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &t->table, va, n * VMF_PAGE), PT_OK);
	for (unsigned i = 0; i < n; i++) {
		struct pt_item item = { vmf_frame(f), 1, pt_prop_make(flags, PT_CACHE_WB), true };
		if (pas)
			pas[i] = item.pa;
		assert_int_equal(pt_cursor_map(&m, &item), PT_OK);
	}
	pt_cursor_mut_drop(&m);
}

void vmf_map_range(struct pt_vmspace *t, pt_vaddr_t va, pt_paddr_t pa, uint64_t len, uint16_t flags)
{
	struct pt_cursor_mut m;
	assert_int_equal(pt_cursor_mut_new(&m, &t->table, va, len), PT_OK);
	assert_int_equal(pt_cursor_map_range(&m, pa, len, pt_prop_make(flags, PT_CACHE_WB)), PT_OK);
	pt_cursor_mut_drop(&m);
}

enum pt_sim_exc vmf_access(struct vmf *f, unsigned cpu, pt_vaddr_t va, enum pt_sim_access_kind kind,
			enum pt_sim_mode mode, pt_paddr_t *pa)
{
	struct pt_sim_xlat x;
	unsigned back = f->on;
	vmf_on(f, cpu);
	enum pt_sim_exc e = pt_sim_access(pt_sim_cpu_current(), va, kind, mode, &x);
	vmf_on(f, back);
	if (pa)
		*pa = e == PT_SIM_EXC_NONE ? x.pa : 0;
	return e;
}

void vmf_touch_all(struct vmf *f, pt_vaddr_t va, unsigned n, enum pt_sim_mode mode)
{
	for (unsigned c = 0; c < f->nr_cpus; c++)
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(vmf_access(f, c, va + i * VMF_PAGE, PT_SIM_READ, mode, NULL),
					 PT_SIM_EXC_NONE);
}

size_t vmf_harmful(struct vmf *f)
{
	struct pt_sim_coherence c;
	assert_true(pt_sim_coherence_check(f->m, -1, &c));
	size_t n = c.harmful;
	for (size_t i = 0; i < c.count && i < 4; i++)
		if (!c.items[i].harmless && getenv("VMF_VERBOSE"))
			print_message("stale cpu %u %s va %#llx pa %#llx pcid %u lvl %u psc %d\n",
				      c.items[i].cpu, pt_sim_stale_kind_name(c.items[i].kind),
				      (unsigned long long)c.items[i].entry.va,
				      (unsigned long long)c.items[i].entry.pa,
				      c.items[i].entry.pcid, c.items[i].entry.level,
				      c.items[i].entry.psc);
	pt_sim_coherence_free(&c);
	return n;
}

void vmf_assert_no_poison(struct vmf *f)
{
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	for (unsigned c = 0; c < f->nr_cpus; c++) {
		struct pt_sim_cpu *cpu = pt_sim_machine_cpu(f->m, c);
		size_t n = pt_sim_tlb_dump(cpu, NULL, 0);
		struct pt_sim_tlb_entry *e = calloc(n + 1, sizeof(*e));
		assert_non_null(e);
		n = pt_sim_tlb_dump(cpu, e, n);
		for (size_t i = 0; i < n; i++)
			if (pt_sim_ram_is_poisoned(f->ram, e[i].pa) ||
			    pt_sim_ram_is_poisoned(f->ram, e[i].entry_pa))
				fail_msg("cpu %u caches %s va %#llx into freed frame %#llx", c,
					 e[i].psc ? "psc" : "tlb", (unsigned long long)e[i].va,
					 (unsigned long long)e[i].pa);
		free(e);
	}
	assert_int_equal(vmf_harmful(f), 0);
}

void vmf_reset_counters(struct vmf *f)
{
	for (unsigned c = 0; c < f->nr_cpus; c++)
		pt_sim_cpu_reset_counters(pt_sim_machine_cpu(f->m, c));
}

uint64_t vmf_flushes(struct vmf *f, unsigned cpu, enum pt_sim_flush_kind kind)
{
	struct pt_sim_counters cnt;
	pt_sim_cpu_counters(pt_sim_machine_cpu(f->m, cpu), &cnt);
	return cnt.flushes[kind];
}

uint64_t vmf_full_flushes(struct vmf *f, unsigned cpu)
{
	return vmf_flushes(f, cpu, PT_SIM_FLUSH_CR3) + vmf_flushes(f, cpu, PT_SIM_FLUSH_INVPCID1) +
	       vmf_flushes(f, cpu, PT_SIM_FLUSH_INVPCID2) + vmf_flushes(f, cpu, PT_SIM_FLUSH_INVPCID3) +
	       vmf_flushes(f, cpu, PT_SIM_FLUSH_CR4);
}

unsigned vmf_arg_cpus(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 2;
	return n ? n : 2;
}

bool vmf_arg_pcid(int argc, char **argv)
{
	return argc > 2 && !strcmp(argv[2], "pcid");
}
