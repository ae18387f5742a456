/* SPDX-License-Identifier: MIT */
/*
 * The simulated x86-64 machine: simulated physical RAM and N passive CPUs.
 * A host thread enters a CPU, runs accesses and operations on it, and leaves;
 * several threads may be on different CPUs at once. Each CPU has a queue of
 * inter-processor interrupts, handled when a thread enters it, on each of its
 * accesses, and by threads waiting for them (for CPUs no thread is on).
 *
 * The walker and TLB follow reference/x86-paging-and-tlb.md; they decode raw
 * x86 entries themselves and share nothing with the core's codec.
 */
#ifndef PT_SIM_MACHINE_MACHINE_H
#define PT_SIM_MACHINE_MACHINE_H

#include <pt/tlb.h>
#include <pt/types.h>

#include <pt/sim/machine/cpu.h>
#include <pt/sim/machine/tlb.h>

struct pt_sim_ram;
struct pt_sim_machine;

enum pt_sim_vendor { PT_SIM_INTEL = 0, PT_SIM_AMD };

enum pt_sim_ad_policy {
	PT_SIM_AD_QEMU = 0,    /* upper-level A set while descending, even if a lower level faults */
	PT_SIM_AD_EXACT,       /* no A/D change at all on a faulting access */
};

/* Which of several cached translations for one address a lookup uses. */
enum pt_sim_pick_policy {
	PT_SIM_PICK_OLDEST = 0,
	PT_SIM_PICK_NEWEST,
	PT_SIM_PICK_RANDOM,    /* seeded by pt_sim_machine_config.seed */
	PT_SIM_PICK_DIVERGE,   /* the oldest one memory disagrees with; the access reports it */
};

/* All-zero is the reference's default machine (one CPU, Intel, M=46, 1 GiB
 * pages, QEMU A/D policy, oldest pick, unbounded TLB, 64 MiB of own RAM). */
struct pt_sim_machine_config {
	unsigned nr_cpus;           /* 1..PT_MAX_CPUS; 0 means 1 */
	struct pt_sim_ram *ram;         /* the caller's RAM (kept by the caller), or NULL */
	uint64_t ram_size;          /* size of the machine's own RAM if @ram is NULL; 0 = 64 MiB */
	unsigned maxphyaddr;        /* 0 means 46 */
	bool no_1g_pages;
	enum pt_sim_vendor vendor;
	enum pt_sim_ad_policy ad_policy;
	enum pt_sim_pick_policy pick;
	uint64_t seed;
	size_t tlb_capacity;        /* entries per CPU (TLB + PSC); 0 = unbounded */
	bool snapshot_before_overwrite; /* F4 of §5.3, for pt_sim_machine_pte_store */
	bool qemu_implicit_smap;    /* implicit accesses at CPL<3 with AC=1 skip SMAP */
	bool la57;                  /* CPUs start with 5-level paging */
};

/* A machine; NULL on a bad config or out of host memory. CPUs start in IA-32e
 * mode: CR0 = PE|WP|PG, CR4 = PAE|PGE (+LA57), EFER = LME|LMA|NXE, CR3 = 0,
 * the default PAT, CPL 0. */
struct pt_sim_machine *pt_sim_machine_create(const struct pt_sim_machine_config *cfg);
/* Destroy the machine (its own RAM too). No thread may be on a CPU. */
void pt_sim_machine_destroy(struct pt_sim_machine *m);
struct pt_sim_ram *pt_sim_machine_ram(struct pt_sim_machine *m);
unsigned pt_sim_machine_nr_cpus(const struct pt_sim_machine *m);
/* CPU @idx without entering it (for inspection); NULL if out of range. */
struct pt_sim_cpu *pt_sim_machine_cpu(struct pt_sim_machine *m, unsigned idx);
struct pt_sim_machine *pt_sim_cpu_machine(struct pt_sim_cpu *cpu);

/* Put the calling thread on CPU @idx and handle its pending interrupts.
 * NULL if @idx is out of range, another thread is on it, or the calling
 * thread is already on a CPU. */
struct pt_sim_cpu *pt_sim_cpu_enter(struct pt_sim_machine *m, unsigned idx);
/* Take the calling thread off @cpu. */
void pt_sim_cpu_leave(struct pt_sim_cpu *cpu);
/* The CPU the calling thread is on, or NULL. */
struct pt_sim_cpu *pt_sim_cpu_current(void);

/* An interrupt handler; runs on @cpu (which it may operate on) in some thread. */
typedef void (*pt_sim_ipi_fn)(struct pt_sim_cpu *cpu, void *arg);
/* Queue @fn(@arg) on CPU @target. Any thread; false if out of host memory. */
bool pt_sim_cpu_post_ipi(struct pt_sim_machine *m, unsigned target, pt_sim_ipi_fn fn, void *arg);
/* Wait until every interrupt posted to the CPUs of @cpus before this call has
 * been handled. Handles them itself for CPUs no thread is on, and for the
 * caller's own CPU; sleeps (never spins) for CPUs other threads are on. */
void pt_sim_machine_wait_ipis(struct pt_sim_machine *m, pt_cpumask_t cpus);
/* Handle @cpu's pending interrupts now (the thread must be on it). */
void pt_sim_cpu_handle_ipis(struct pt_sim_cpu *cpu);

/* Store @val into the paging entry at @pa. With snapshot_before_overwrite,
 * every CPU first caches the translations that use the entry's old value
 * (walks with A=1 everywhere, reached from its CR3 or its PSC). Any thread. */
void pt_sim_machine_pte_store(struct pt_sim_machine *m, pt_paddr_t pa, uint64_t val);

/* Test hook called by every walk after reading an entry, before any A/D
 * update of it. It may change RAM (pt_sim_ram_*) but must call no pt_sim_ function. */
typedef void (*pt_sim_walk_hook_fn)(void *arg, struct pt_sim_cpu *cpu, unsigned level,
				 pt_paddr_t entry_pa, uint64_t val);
void pt_sim_machine_set_walk_hook(struct pt_sim_machine *m, pt_sim_walk_hook_fn fn, void *arg);

#endif
