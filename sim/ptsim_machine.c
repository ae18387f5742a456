/* SPDX-License-Identifier: MIT */
/*
 * ptsim's machine commands: a simulated x86-64 machine under the tables,
 * with CPUs that activate them and TLBs that the flushing operations keep
 * coherent. An access that faults and a #GP are the command's outcome.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptsim.h"
#include <pt/sim/env.h>
#include <pt/sim/tlb_sim.h>

struct ptsim_machine {
	struct pt_sim_machine *m;
	struct pt_sim_tlb stlb;
	struct pt_cpus cpus;
};

static struct pt_sim_cpu *on_cpu(struct sim *s, unsigned idx)
{
	struct pt_sim_cpu *cur = pt_sim_cpu_current();
	if (cur && pt_sim_cpu_index(cur) == idx)
		return cur;
	if (cur)
		pt_sim_cpu_leave(cur);
	return pt_sim_cpu_enter(s->mach->m, idx);
}

static bool arg_cpu(struct sim *s, int i, unsigned *out)
{
	uint64_t n;
	unsigned nr = pt_sim_machine_nr_cpus(s->mach->m);
	if (!arg_num(s, i, &n))
		return false;
	if (n >= nr)
		return arg_error(s, i, "no such CPU (expected 0 to %u)", nr - 1);
	*out = (unsigned)n;
	return true;
}

static void set_exc(struct sim *s, enum pt_sim_exc e, unsigned code)
{
	if (e == PT_SIM_EXC_PF)
		s->outcome = (struct pt_sim_outcome){ OUT_PF, PT_OK, code };
	else if (e != PT_SIM_EXC_NONE)
		s->outcome = (struct pt_sim_outcome){ e == PT_SIM_EXC_GP ? OUT_GP : OUT_BUS, PT_OK, 0 };
}

static const char *exc_name(enum pt_sim_exc e)
{
	return e == PT_SIM_EXC_NONE ? "ok" : e == PT_SIM_EXC_GP ? "#GP" : e == PT_SIM_EXC_PF ? "#PF" : "bus error";
}

static int cmd_machine(struct sim *s)
{
	static const char *const pcid_word[] = { "pcid", NULL };
	uint64_t n;
	unsigned w;
	if (s->ram || s->mach)
		return cmd_error(s, "must come before any table, once"), -1;
	if (!arg_range(s, 1, 1, PT_MAX_CPUS, &n) || (s->ac > 2 && !arg_word(s, 2, pcid_word, &w)))
		return -1;
	if (s->fmt != &pt_format_x86_64_4level && s->fmt != &pt_format_x86_64_5level)
		return cmd_error(s, "the simulated machine is x86-64 only (format x86_64_4 or "
				 "x86_64_5)"), -1;
	bool pcide = s->ac > 2;
	struct pt_sim_machine_config cfg = {
		.nr_cpus = (unsigned)n,
		.ram_size = s->ram_size,
		.la57 = s->fmt == &pt_format_x86_64_5level,
	};
	struct ptsim_machine *pm = calloc(1, sizeof(*pm));
	if (!pm || !(pm->m = pt_sim_machine_create(&cfg))) {
		free(pm);
		return cmd_error(s, "cannot create the machine (out of host memory)"), -1;
	}
	s->mach = pm;
	s->ram = pt_sim_machine_ram(pm->m);
	pt_cpus_init(&pm->cpus);
	s->env = (struct pt_env){ .fmt = s->fmt, .mem = pt_sim_ram_physmem(s->ram),
				  .reclaim = pt_sim_reclaim_sync(&s->reclaim), .relax = pt_sim_relax };
	s->env.tlb = pt_sim_tlb_init(&pm->stlb, pm->m, &pm->cpus, pcide);
	for (unsigned i = 0; pcide && i < n; i++) {
		struct pt_sim_cpu *cpu = on_cpu(s, i);
		pt_sim_cpu_write_cr4(cpu, pt_sim_cpu_regs(cpu).cr4 | PT_SIM_CR4_PCIDE);
	}
	on_cpu(s, 0);
	fprintf(s->out, "machine: %u CPUs%s\n", (unsigned)n, pcide ? ", PCIDs" : "");
	return 0;
}

static int cmd_boot(struct sim *s)
{
	struct pt_sim_table *k = arg_table(s, 1);
	enum pt_err err = PT_OK;
	if (!k)
		return -1;
	for (unsigned i = pt_sim_machine_nr_cpus(s->mach->m); i-- > 0 && err == PT_OK;) {
		on_cpu(s, i);
		err = pt_vmspace_first_activate_unchecked(&k->vs);
	}
	return report(s, "boot", err);
}

static int cmd_cpu(struct sim *s)
{
	unsigned n;
	if (!arg_cpu(s, 1, &n))
		return -1;
	on_cpu(s, n);
	return 0;
}

static int cmd_cr(struct sim *s)
{
	static const char *const regs[] = { "cr0", "cr3", "cr4", NULL };
	unsigned n, reg;
	uint64_t v;
	if (!arg_cpu(s, 1, &n) || !arg_word(s, 2, regs, &reg) || !arg_num(s, 3, &v))
		return -1;
	struct pt_sim_cpu *cpu = on_cpu(s, n);
	enum pt_sim_exc e = reg == 0 ? pt_sim_cpu_write_cr0(cpu, v)
		       : reg == 1 ? pt_sim_cpu_write_cr3(cpu, v) : pt_sim_cpu_write_cr4(cpu, v);
	set_exc(s, e, 0);
	fprintf(s->out, "cr: cpu %u %s = %#" PRIx64 ": %s\n", n, regs[reg], v, exc_name(e));
	return 0;
}

static int cmd_activate(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	uint64_t pcid = 0;
	if (!st || (s->ac > 2 && !arg_range(s, 2, 0, UINT16_MAX, &pcid)))
		return -1;
	/* Without a PCID the address space takes the allocator's id (pt/activate.h). */
	if (s->ac <= 2)
		return report(s, "activate", pt_vmspace_activate(&st->vs));
	return report(s, "activate", pt_vmspace_activate_asid(&st->vs, (pt_asid_t)pcid));
}

static int cmd_access(struct sim *s)
{
	static const char *const kinds[] = { "r", "w", "x", NULL };
	static const char *const modes[] = { "user", "sup", NULL };
	static const enum pt_sim_access_kind kind_of[] = { PT_SIM_READ, PT_SIM_WRITE, PT_SIM_FETCH };
	unsigned n, kind, mode = 0;
	uint64_t va;
	if (!arg_cpu(s, 1, &n) || !arg_num(s, 2, &va) || !arg_word(s, 3, kinds, &kind) ||
	    (s->ac > 4 && !arg_word(s, 4, modes, &mode)))
		return -1;
	struct pt_sim_cpu *cur = pt_sim_cpu_current();
	struct pt_sim_cpu *cpu = on_cpu(s, n);
	struct pt_sim_xlat x;
	enum pt_sim_exc e = pt_sim_access(cpu, va, kind_of[kind], mode ? PT_SIM_SUPERVISOR : PT_SIM_USER, &x);
	/* Accesses do not move the thread: operations stay on the "cpu" chosen. */
	if (cur)
		on_cpu(s, pt_sim_cpu_index(cur));
	set_exc(s, e, x.error_code);
	if (e == PT_SIM_EXC_NONE)
		fprintf(s->out, "access: cpu %u %#" PRIx64 " -> %#" PRIx64 "%s\n", n, va, x.pa,
			x.tlb_hit ? " (tlb)" : "");
	else
		fprintf(s->out, "access: cpu %u %#" PRIx64 " -> %s error %#x\n", n, va, exc_name(e),
			e == PT_SIM_EXC_PF ? x.error_code : 0);
	return 0;
}

static int cmd_prefetch(struct sim *s)
{
	unsigned n;
	if (!arg_cpu(s, 1, &n))
		return -1;
	fprintf(s->out, "prefetch: cpu %u cached %zu\n", n, pt_sim_cpu_prefetch(on_cpu(s, n)));
	return 0;
}

static int cmd_range_op(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	uint64_t va, len;
	struct pt_protect op;
	bool unmap = !strcmp(s->av[0], "vunmap");
	if (!st || !arg_num(s, 2, &va) || !arg_num(s, 3, &len) || (!unmap && !arg_change(s, 4, &op)))
		return -1;
	if (unmap)
		return report(s, s->av[0], pt_vmspace_unmap(&st->vs, va, len, NULL, NULL));
	if (!strcmp(s->av[0], "kprotect"))
		return report(s, s->av[0], pt_vmspace_protect_flush_tlb(&st->vs, va, len, op));
	return report(s, s->av[0], pt_vmspace_protect(&st->vs, va, len, op));
}

static int cmd_fork(struct sim *s)
{
	struct pt_sim_table *p = arg_table(s, 1), *c = p ? arg_table(s, 2) : NULL;
	uint64_t va, len;
	if (!c || !arg_num(s, 3, &va) || !arg_num(s, 4, &len))
		return -1;
	if (p == c)
		return arg_error(s, 2, "the child must differ from the parent"), -1;
	return report(s, "fork", pt_vmspace_fork(&p->vs, &c->vs, va, len));
}

static int cmd_cow(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	uint64_t va;
	pt_paddr_t spare;
	bool used = false;
	if (!st || !arg_num(s, 2, &va))
		return -1;
	if (pt_sim_ram_alloc(s->ram, PT_FRAME_DATA, &spare) != PT_OK)
		return report(s, "cow", PT_ERR_NOMEM);
	enum pt_err err = pt_vmspace_cow_fault(&st->vs, va, spare, &used);
	if (!used)
		pt_sim_ram_put(s->ram, spare);
	char buf[128];
	set_err(s, err);
	fprintf(s->out, "cow: %s (%s)\n", err_text(err, buf, sizeof(buf)),
		used ? "copied" : "no copy");
	return 0;
}

static int cmd_inv(struct sim *s)
{
	uint64_t a = 0, b = 0, c = 0;
	struct pt_sim_cpu *cpu = pt_sim_cpu_current();
	bool invlpg = !strcmp(s->av[0], "invlpg");
	if (!arg_num(s, 1, &a) || (!invlpg && (!arg_range(s, 1, 0, UINT32_MAX, &a) ||
					       !arg_num(s, 2, &b) || !arg_num(s, 3, &c))))
		return -1;
	enum pt_sim_exc e = invlpg ? pt_sim_cpu_invlpg(cpu, a) : pt_sim_cpu_invpcid(cpu, (unsigned)a, b, c);
	set_exc(s, e, 0);
	fprintf(s->out, "%s: cpu %u %s\n", s->av[0], pt_sim_cpu_index(cpu), exc_name(e));
	return 0;
}

static int cmd_tlb(struct sim *s)
{
	unsigned n;
	if (!arg_cpu(s, 1, &n))
		return -1;
	struct pt_sim_cpu *cpu = pt_sim_machine_cpu(s->mach->m, n);
	size_t total = pt_sim_tlb_dump(cpu, NULL, 0);
	struct pt_sim_tlb_entry *e = calloc(total + 1, sizeof(*e));
	if (!e)
		return cmd_error(s, "out of host memory"), -1;
	total = pt_sim_tlb_dump(cpu, e, total);
	fprintf(s->out, "tlb: cpu %u, %zu entries\n", n, total);
	for (size_t i = 0; i < total; i++)
		fprintf(s->out, "  %s L%u pcid %u %#" PRIx64 " -> %#" PRIx64 " %s%s%s%s\n",
			e[i].psc ? "psc" : "tlb", e[i].level, e[i].pcid, e[i].va, e[i].pa,
			e[i].rw ? "w" : "-", e[i].us ? "u" : "-", e[i].xd ? "-" : "x",
			e[i].global ? " global" : "");
	free(e);
	return 0;
}

bool ptsim_machine_stale(struct sim *s, size_t *stale, size_t *harmful)
{
	struct pt_sim_coherence c;
	if (!s->mach || !pt_sim_coherence_check(s->mach->m, -1, &c))
		return false;
	*stale = c.count;
	*harmful = c.harmful;
	pt_sim_coherence_free(&c);
	return true;
}

static int cmd_coherence(struct sim *s)
{
	struct pt_sim_coherence c;
	if (!pt_sim_coherence_check(s->mach->m, -1, &c))
		return cmd_error(s, "out of host memory"), -1;
	fprintf(s->out, "coherence: %zu stale, %zu harmful\n", c.count, c.harmful);
	for (size_t i = 0; i < c.count; i++)
		fprintf(s->out, "  cpu %u %s pcid %u %#" PRIx64 "%s\n", c.items[i].cpu,
			pt_sim_stale_kind_name(c.items[i].kind), c.items[i].entry.pcid,
			c.items[i].entry.va, c.items[i].harmless ? " (harmless)" : "");
	pt_sim_coherence_free(&c);
	return 0;
}

static int cmd_counters(struct sim *s)
{
	unsigned n;
	struct pt_sim_counters c;
	if (!arg_cpu(s, 1, &n))
		return -1;
	struct pt_sim_cpu *cpu = pt_sim_machine_cpu(s->mach->m, n);
	pt_sim_cpu_counters(cpu, &c);
	fprintf(s->out, "counters: cpu %u invlpg %" PRIu64 " cr3 %" PRIu64 " cr3-noflush %" PRIu64
		" invpcid0-3 %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 " cr4 %" PRIu64
		" ipis %" PRIu64 "\n", n, c.flushes[PT_SIM_FLUSH_INVLPG], c.flushes[PT_SIM_FLUSH_CR3],
		c.flushes[PT_SIM_FLUSH_CR3_NOFLUSH], c.flushes[PT_SIM_FLUSH_INVPCID0],
		c.flushes[PT_SIM_FLUSH_INVPCID1], c.flushes[PT_SIM_FLUSH_INVPCID2],
		c.flushes[PT_SIM_FLUSH_INVPCID3], c.flushes[PT_SIM_FLUSH_CR4], c.ipis);
	pt_sim_cpu_reset_counters(cpu);
	return 0;
}

static int cmd_refs(struct sim *s)
{
	struct pt_sim_walk w;
	if (!arg_walk(s, &w))
		return -1;
	if (w.err != PT_OK)
		return report(s, "refs", w.err);
	fprintf(s->out, "refs: %#" PRIx64 " -> frame %#" PRIx64 ": %" PRIu32 "\n", w.va, w.leaf.pa,
		w.leaf.tracked ? pt_sim_ram_refcount(s->ram, w.leaf.pa) : 0);
	return 0;
}

static int cmd_targets(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	if (!st)
		return -1;
	fprintf(s->out, "targets: %s active %#" PRIx64 " may cache %#" PRIx64 " (pcid %u)\n",
		st->name, (uint64_t)atomic_load(&st->vs.active), pt_vmspace_targets(&st->vs),
		pt_vmspace_asid(&st->vs));
	return 0;
}

const struct pt_sim_command ptsim_machine_cmds[] = {
	{ "machine", "NCPUS [pcid]", "N CPUs, CR4.PCIDE with pcid (before any table)",
	  cmd_machine, false },
	{ "boot", "KERNEL", "first activation of the kernel table on every CPU", cmd_boot, true },
	{ "cpu", "N", "run the following operations on CPU N", cmd_cpu, true },
	{ "cr", "CPU cr0|cr3|cr4 VALUE", "write a control register", cmd_cr, true },
	{ "activate", "NAME [PCID]", "load a table on the current CPU (no PCID: an allocated id)",
	  cmd_activate, true },
	{ "access", "CPU VA r|w|x [user|sup]", "one access through the MMU (default user)",
	  cmd_access, true },
	{ "prefetch", "CPU", "cache every translation with A=1 (moves to CPU)", cmd_prefetch,
	  true },
	{ "vunmap", "NAME VA LEN", "unmap and shoot down every CPU that may cache it",
	  cmd_range_op, false },
	{ "vprotect", "NAME VA LEN CHANGE", "protect and shoot down", cmd_range_op, false },
	{ "kprotect", "KERNEL VA LEN CHANGE", "protect the kernel half and shoot down",
	  cmd_range_op, false },
	{ "fork", "PARENT CHILD VA LEN", "copy-on-write copy of a range", cmd_fork, false },
	{ "cow", "NAME VA", "resolve a copy-on-write fault at VA", cmd_cow, false },
	{ "invlpg", "VA", "INVLPG on the current CPU", cmd_inv, true },
	{ "invpcid", "TYPE PCID VA", "INVPCID on the current CPU", cmd_inv, true },
	{ "tlb", "CPU", "the CPU's TLB and paging-structure cache entries", cmd_tlb, true },
	{ "coherence", "", "every cached entry a fresh walk disagrees with", cmd_coherence,
	  true },
	{ "counters", "CPU", "flush counters since the last call", cmd_counters, true },
	{ "refs", "NAME VA", "the reference count of the frame mapped at VA", cmd_refs, false },
	{ "targets", "NAME", "CPUs where the table is active or may be cached", cmd_targets,
	  false },
	{ NULL, NULL, NULL, NULL, false },
};

void ptsim_machine_quiesce(struct sim *s)
{
	for (unsigned i = 0; i < pt_sim_machine_nr_cpus(s->mach->m); i++) {
		on_cpu(s, i);
		if (s->mach->cpus.cpu[i].vs)
			pt_cpu_deactivate(&s->env);
	}
	on_cpu(s, 0);
}

void ptsim_machine_destroy(struct sim *s)
{
	struct pt_sim_cpu *cur = pt_sim_cpu_current();
	if (cur)
		pt_sim_cpu_leave(cur);
	pt_sim_machine_destroy(s->mach->m);
	free(s->mach);
	s->mach = NULL;
	s->ram = NULL;
}
