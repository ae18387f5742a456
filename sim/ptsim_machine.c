/* SPDX-License-Identifier: MIT */
/*
 * ptsim's machine commands: a simulated x86-64 machine under the tables,
 * with CPUs that activate them and TLBs that the flushing operations keep
 * coherent.
 *
 *   machine NCPUS [pcid]        (before any table) N CPUs, CR4.PCIDE if pcid
 *   boot KERNEL                 first activation of the kernel table everywhere
 *   cpu N                       run the following operations on CPU N
 *   cr CPU cr0|cr3|cr4 VALUE    write a control register
 *   activate NAME [PCID]        load a table on the current CPU
 *   access CPU VA r|w|x [user|sup]   one access through the MMU (from CPU)
 *   prefetch CPU                cache every translation with A=1 (moves to CPU)
 *   vunmap NAME VA LEN | vprotect NAME VA LEN CHANGE | kprotect KERNEL VA LEN CHANGE
 *   fork PARENT CHILD VA LEN | cow NAME VA
 *   invlpg VA | invpcid TYPE PCID VA            on the current CPU
 *   tlb CPU | coherence | counters CPU | refs NAME VA | targets NAME
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptsim.h"
#include "env.h"
#include "reclaim_urcu.h"
#include "tlb_sim.h"

struct ptsim_machine {
	struct sim_machine *m;
	struct pt_sim_tlb stlb;
	struct pt_cpus cpus;
};

static struct sim_cpu *on_cpu(struct sim *s, unsigned idx)
{
	struct sim_cpu *cur = sim_cpu_current();
	if (cur && sim_cpu_index(cur) == idx)
		return cur;
	if (idx >= sim_machine_nr_cpus(s->mach->m))
		return NULL;
	if (cur)
		sim_cpu_leave(cur);
	return sim_cpu_enter(s->mach->m, idx);
}

static int cmd_machine(struct sim *s, char **av, int ac)
{
	uint64_t n;
	if (s->ram || s->mach || ac < 2 || !parse_num(av[1], &n) || n == 0 || n > PT_MAX_CPUS)
		return -1;
	if (s->fmt != &pt_format_x86_64_4level && s->fmt != &pt_format_x86_64_5level) {
		fprintf(stderr, "line %u: the simulated machine is x86-64 only\n", s->line);
		return -1;
	}
	bool pcide = ac > 2 && !strcmp(av[2], "pcid");
	struct sim_machine_config cfg = {
		.nr_cpus = (unsigned)n,
		.ram_size = s->ram_size,
		.la57 = s->fmt == &pt_format_x86_64_5level,
	};
	struct ptsim_machine *pm = calloc(1, sizeof(*pm));
	if (!pm || !(pm->m = sim_machine_create(&cfg))) {
		free(pm);
		return -1;
	}
	s->mach = pm;
	s->ram = sim_machine_ram(pm->m);
	pt_cpus_init(&pm->cpus);
	s->env = (struct pt_env){ .fmt = s->fmt, .mem = pt_ram_physmem(s->ram),
				  .reclaim = pt_reclaim_urcu(), .relax = pt_sim_relax };
	s->env.tlb = pt_sim_tlb_init(&pm->stlb, pm->m, &pm->cpus, pcide);
	for (unsigned i = 0; pcide && i < n; i++) {
		struct sim_cpu *cpu = on_cpu(s, i);
		sim_cpu_write_cr4(cpu, sim_cpu_regs(cpu).cr4 | SIM_CR4_PCIDE);
	}
	on_cpu(s, 0);
	printf("machine: %u CPUs%s\n", (unsigned)n, pcide ? ", PCIDs" : "");
	return 0;
}

static int cmd_boot(struct sim *s, char **av, int ac)
{
	struct sim_table *k = ac > 1 ? find_table(s, av[1]) : NULL;
	enum pt_err err = PT_OK;
	if (!k)
		return -1;
	for (unsigned i = sim_machine_nr_cpus(s->mach->m); i-- > 0 && err == PT_OK;) {
		on_cpu(s, i);
		err = pt_table_first_activate_unchecked(&k->t);
	}
	return report(s, "boot", err);
}

static int cmd_cpu(struct sim *s, char **av, int ac)
{
	uint64_t n;
	if (ac < 2 || !parse_num(av[1], &n) || !on_cpu(s, (unsigned)n))
		return -1;
	return 0;
}

static int cmd_cr(struct sim *s, char **av, int ac)
{
	uint64_t n, v;
	if (ac < 4 || !parse_num(av[1], &n) || !parse_num(av[3], &v))
		return -1;
	struct sim_cpu *cpu = on_cpu(s, (unsigned)n);
	enum sim_exc e;
	if (!cpu)
		return -1;
	if (!strcmp(av[2], "cr0"))
		e = sim_cpu_write_cr0(cpu, v);
	else if (!strcmp(av[2], "cr3"))
		e = sim_cpu_write_cr3(cpu, v);
	else if (!strcmp(av[2], "cr4"))
		e = sim_cpu_write_cr4(cpu, v);
	else
		return -1;
	printf("cr: cpu %u %s = %#" PRIx64 ": %s\n", (unsigned)n, av[2], v,
	       e == SIM_EXC_NONE ? "ok" : "#GP");
	return 0;
}

static int cmd_activate(struct sim *s, char **av, int ac)
{
	struct sim_table *st = ac > 1 ? find_table(s, av[1]) : NULL;
	uint64_t pcid = 0;
	if (!st || (ac > 2 && !parse_num(av[2], &pcid)))
		return -1;
	return report(s, "activate", pt_table_activate(&st->t, (pt_asid_t)pcid));
}

static int cmd_access(struct sim *s, char **av, int ac)
{
	uint64_t n, va;
	if (ac < 4 || !parse_num(av[1], &n) || !parse_num(av[2], &va))
		return -1;
	enum sim_access_kind kind = av[3][0] == 'w' ? SIM_WRITE : av[3][0] == 'x' ? SIM_FETCH
										    : SIM_READ;
	enum sim_mode mode = ac > 4 && !strcmp(av[4], "sup") ? SIM_SUPERVISOR : SIM_USER;
	struct sim_cpu *cur = sim_cpu_current();
	struct sim_cpu *cpu = on_cpu(s, (unsigned)n);
	struct sim_xlat x;
	if (!cpu)
		return -1;
	enum sim_exc e = sim_access(cpu, va, kind, mode, &x);
	/* Accesses do not move the thread: operations stay on the "cpu" chosen. */
	if (cur)
		on_cpu(s, sim_cpu_index(cur));
	if (e == SIM_EXC_NONE)
		printf("access: cpu %u %#" PRIx64 " -> %#" PRIx64 "%s\n", (unsigned)n, va, x.pa,
		       x.tlb_hit ? " (tlb)" : "");
	else
		printf("access: cpu %u %#" PRIx64 " -> %s error %#x\n", (unsigned)n, va,
		       e == SIM_EXC_PF ? "#PF" : "fault", e == SIM_EXC_PF ? x.error_code : 0);
	return 0;
}

static int cmd_prefetch(struct sim *s, char **av, int ac)
{
	uint64_t n;
	struct sim_cpu *cpu = ac > 1 && parse_num(av[1], &n) ? on_cpu(s, (unsigned)n) : NULL;
	if (!cpu)
		return -1;
	printf("prefetch: cpu %u cached %zu\n", (unsigned)n, sim_cpu_prefetch(cpu));
	return 0;
}

static int cmd_range_op(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	uint64_t va, len;
	struct pt_protect op;
	if (!st || !parse_num(av[2], &va) || !parse_num(av[3], &len))
		return -1;
	if (!strcmp(av[0], "vunmap"))
		return report(s, av[0], pt_vm_unmap(&st->t, va, len, NULL, NULL));
	if (ac < 5 || !parse_change(av[4], &op))
		return -1;
	if (!strcmp(av[0], "kprotect"))
		return report(s, av[0], pt_table_protect_flush_tlb(&st->t, va, len, op));
	return report(s, av[0], pt_vm_protect(&st->t, va, len, op));
}

static int cmd_fork(struct sim *s, char **av, int ac)
{
	struct sim_table *p = find_table(s, av[1]), *c = find_table(s, av[2]);
	uint64_t va, len;
	if (ac < 5 || !p || !c || !parse_num(av[3], &va) || !parse_num(av[4], &len))
		return -1;
	return report(s, "fork", pt_vm_fork(&p->t, &c->t, va, len));
}

static int cmd_cow(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	uint64_t va;
	pt_paddr_t spare;
	bool used;
	if (ac < 3 || !st || !parse_num(av[2], &va) ||
	    pt_ram_alloc(s->ram, PT_FRAME_DATA, &spare) != PT_OK)
		return -1;
	enum pt_err err = pt_vm_cow_fault(&st->t, va, spare, &used);
	if (!used)
		pt_ram_put(s->ram, spare);
	printf("cow: %s (%s)\n", pt_strerror(err), used ? "copied" : "no copy");
	return 0;
}

static int cmd_inv(struct sim *s, char **av, int ac)
{
	uint64_t a = 0, b = 0, c = 0;
	struct sim_cpu *cpu = sim_cpu_current();
	(void)s;
	if (!cpu || ac < 2 || !parse_num(av[1], &a))
		return -1;
	enum sim_exc e;
	if (!strcmp(av[0], "invlpg")) {
		e = sim_cpu_invlpg(cpu, a);
	} else {
		if (ac < 4 || !parse_num(av[2], &b) || !parse_num(av[3], &c))
			return -1;
		e = sim_cpu_invpcid(cpu, (unsigned)a, b, c);
	}
	printf("%s: cpu %u %s\n", av[0], sim_cpu_index(cpu), e == SIM_EXC_NONE ? "ok" : "#GP");
	return 0;
}

static int cmd_tlb(struct sim *s, char **av, int ac)
{
	uint64_t n;
	struct sim_cpu *cpu = ac > 1 && parse_num(av[1], &n) ? sim_machine_cpu(s->mach->m,
										 (unsigned)n)
							     : NULL;
	if (!cpu)
		return -1;
	size_t total = sim_tlb_dump(cpu, NULL, 0);
	struct sim_tlb_entry *e = calloc(total + 1, sizeof(*e));
	if (!e)
		return -1;
	total = sim_tlb_dump(cpu, e, total);
	printf("tlb: cpu %u, %zu entries\n", (unsigned)n, total);
	for (size_t i = 0; i < total; i++)
		printf("  %s L%u pcid %u %#" PRIx64 " -> %#" PRIx64 " %s%s%s%s\n",
		       e[i].psc ? "psc" : "tlb", e[i].level, e[i].pcid, e[i].va, e[i].pa,
		       e[i].rw ? "w" : "-", e[i].us ? "u" : "-", e[i].xd ? "-" : "x",
		       e[i].global ? " global" : "");
	free(e);
	return 0;
}

static int cmd_coherence(struct sim *s, char **av, int ac)
{
	struct sim_coherence c;
	(void)av;
	(void)ac;
	if (!sim_coherence_check(s->mach->m, -1, &c))
		return -1;
	printf("coherence: %zu stale, %zu harmful\n", c.count, c.harmful);
	for (size_t i = 0; i < c.count; i++)
		printf("  cpu %u %s pcid %u %#" PRIx64 "%s\n", c.items[i].cpu,
		       sim_stale_kind_name(c.items[i].kind), c.items[i].entry.pcid,
		       c.items[i].entry.va, c.items[i].harmless ? " (harmless)" : "");
	sim_coherence_free(&c);
	return 0;
}

static int cmd_counters(struct sim *s, char **av, int ac)
{
	uint64_t n;
	struct sim_counters c;
	struct sim_cpu *cpu = ac > 1 && parse_num(av[1], &n) ? sim_machine_cpu(s->mach->m,
										 (unsigned)n)
							     : NULL;
	if (!cpu)
		return -1;
	sim_cpu_counters(cpu, &c);
	printf("counters: cpu %u invlpg %" PRIu64 " cr3 %" PRIu64 " cr3-noflush %" PRIu64
	       " invpcid0-3 %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 " cr4 %" PRIu64
	       " ipis %" PRIu64 "\n", (unsigned)n, c.flushes[SIM_FLUSH_INVLPG],
	       c.flushes[SIM_FLUSH_CR3], c.flushes[SIM_FLUSH_CR3_NOFLUSH],
	       c.flushes[SIM_FLUSH_INVPCID0], c.flushes[SIM_FLUSH_INVPCID1],
	       c.flushes[SIM_FLUSH_INVPCID2], c.flushes[SIM_FLUSH_INVPCID3],
	       c.flushes[SIM_FLUSH_CR4], c.ipis);
	sim_cpu_reset_counters(cpu);
	return 0;
}

static int cmd_refs(struct sim *s, char **av, int ac)
{
	struct sim_table *st = ac > 2 ? find_table(s, av[1]) : NULL;
	uint64_t va;
	pt_paddr_t pa;
	struct pt_item leaf;
	if (!st || !parse_num(av[2], &va))
		return -1;
	s->env.reclaim.ops->drain(s->env.reclaim.ctx);
	enum pt_err err = pt_table_translate(&st->t, va, &pa, &leaf);
	if (err != PT_OK)
		return report(s, "refs", err);
	printf("refs: %#" PRIx64 " -> frame %#" PRIx64 ": %" PRIu32 "\n", va, leaf.pa,
	       leaf.tracked ? pt_ram_refcount(s->ram, leaf.pa) : 0);
	return 0;
}

static int cmd_targets(struct sim *s, char **av, int ac)
{
	struct sim_table *st = ac > 1 ? find_table(s, av[1]) : NULL;
	if (!st)
		return -1;
	printf("targets: %s active %#" PRIx64 " may cache %#" PRIx64 " (pcid %u)\n", av[1],
	       (uint64_t)atomic_load(&st->t.active), pt_table_targets(&st->t), pt_table_asid(&st->t));
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct sim *s, char **av, int ac);
	int min_args;
	bool needs_machine;
} machine_cmds[] = {
	{ "machine", cmd_machine, 2, false }, { "boot", cmd_boot, 2, true },
	{ "cpu", cmd_cpu, 2, true }, { "cr", cmd_cr, 4, true },
	{ "activate", cmd_activate, 2, true }, { "access", cmd_access, 4, true },
	{ "prefetch", cmd_prefetch, 2, true }, { "vunmap", cmd_range_op, 4, false },
	{ "vprotect", cmd_range_op, 5, false }, { "kprotect", cmd_range_op, 5, false },
	{ "fork", cmd_fork, 5, false }, { "cow", cmd_cow, 3, false },
	{ "invlpg", cmd_inv, 2, true }, { "invpcid", cmd_inv, 4, true },
	{ "tlb", cmd_tlb, 2, true }, { "coherence", cmd_coherence, 1, true },
	{ "counters", cmd_counters, 2, true }, { "refs", cmd_refs, 3, false },
	{ "targets", cmd_targets, 2, false },
};

int ptsim_machine_command(struct sim *s, char **av, int ac)
{
	for (size_t i = 0; i < sizeof(machine_cmds) / sizeof(machine_cmds[0]); i++) {
		if (strcmp(av[0], machine_cmds[i].name))
			continue;
		if (ac < machine_cmds[i].min_args || (machine_cmds[i].needs_machine && !s->mach))
			return -1;
		return machine_cmds[i].fn(s, av, ac) < 0 ? -1 : 0;
	}
	return -2;
}

void ptsim_machine_quiesce(struct sim *s)
{
	for (unsigned i = 0; i < sim_machine_nr_cpus(s->mach->m); i++) {
		on_cpu(s, i);
		if (s->mach->cpus.cpu[i].table)
			pt_cpu_deactivate(&s->env);
	}
	on_cpu(s, 0);
}

void ptsim_machine_destroy(struct sim *s)
{
	struct sim_cpu *cur = sim_cpu_current();
	if (cur)
		sim_cpu_leave(cur);
	sim_machine_destroy(s->mach->m);
	free(s->mach);
	s->mach = NULL;
	s->ram = NULL;
}
