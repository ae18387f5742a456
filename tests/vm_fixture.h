/* SPDX-License-Identifier: MIT */
/*
 * Fixture for the flushing operations on the simulated machine: N CPUs with
 * the kernel table first-activated on each, the x86 TLB glue over them, and
 * helpers to run tables, touch pages, fill TLBs and check coherence.
 * The test thread stays on one CPU at a time (vmf_on moves it).
 */
#ifndef TESTS_VM_FIXTURE_H
#define TESTS_VM_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pt/pt.h>

#include <pt/sim/ram.h>
#include <pt/sim/reclaim_urcu.h>
#include <pt/sim/tlb_sim.h>
#include <pt/sim/machine/machine.h>

#define VMF_USER_RW (PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY)
#define VMF_PAGE 0x1000ull
#define VMF_2M 0x200000ull
#define VMF_1G 0x40000000ull

struct vmf {
	struct pt_sim_machine *m;
	struct pt_sim_ram *ram;
	struct pt_sim_tlb stlb;
	struct pt_cpus cpus;
	struct pt_env env;
	struct pt_vmspace kernel;
	unsigned nr_cpus;
	bool pcide;
	unsigned on;
};

/* The hooks every fixture environment points to (pt/hooks.h); tests switch flush sites with them. */
extern struct pt_hooks vmf_hooks;

/* A machine of @nr_cpus CPUs (PCIDE set on each if @pcide), kernel table
 * first-activated everywhere, the thread on CPU 0. */
struct vmf *vmf_new(unsigned nr_cpus, bool pcide);
/* Take every CPU offline, destroy the kernel table, drain, assert no frame
 * leaked, destroy the machine. Every user table must be destroyed before. */
void vmf_free(struct vmf *f);
/* Move the test thread to CPU @cpu. */
void vmf_on(struct vmf *f, unsigned cpu);
/* Activate @t with @asid on every CPU (the thread returns to CPU 0). */
void vmf_run_everywhere(struct vmf *f, struct pt_vmspace *t, pt_asid_t asid);
/* A new user address space. */
void vmf_user(struct vmf *f, struct pt_vmspace *t);
/* A fresh data frame with one reference. */
pt_paddr_t vmf_frame(struct vmf *f);
/* Map @n tracked fresh frames from @va with @flags; their addresses in @pas (optional). */
void vmf_map_frames(struct vmf *f, struct pt_vmspace *t, pt_vaddr_t va, unsigned n, uint16_t flags,
		    pt_paddr_t *pas);
/* Map [va, va + len) to pa untracked. */
void vmf_map_range(struct pt_vmspace *t, pt_vaddr_t va, pt_paddr_t pa, uint64_t len, uint16_t flags);
/* Access @va from CPU @cpu; returns the exception, *pa the translation. */
enum pt_sim_exc vmf_access(struct vmf *f, unsigned cpu, pt_vaddr_t va, enum pt_sim_access_kind kind,
			enum pt_sim_mode mode, pt_paddr_t *pa);
/* Read-touch @n pages from @va on every CPU, asserting they translate. */
void vmf_touch_all(struct vmf *f, pt_vaddr_t va, unsigned n, enum pt_sim_mode mode);
/* Harmful stale entries on all CPUs (coherence check). */
size_t vmf_harmful(struct vmf *f);
/* Drain reclamation, then assert no CPU caches a translation to, or a
 * paging-structure entry into, a freed (poisoned) frame. */
void vmf_assert_no_poison(struct vmf *f);
/* Zero every CPU's counters / sum one flush kind over all CPUs. */
void vmf_reset_counters(struct vmf *f);
uint64_t vmf_flushes(struct vmf *f, unsigned cpu, enum pt_sim_flush_kind kind);
/* Full flushes of CPU @cpu: CR3 reloads, INVPCID 1/2/3 and CR4 toggles. */
uint64_t vmf_full_flushes(struct vmf *f, unsigned cpu);
/* nr_cpus from argv[1] ("1", "2", "4"); default 2. */
unsigned vmf_arg_cpus(int argc, char **argv);
/* Whether argv[2] is "pcid". */
bool vmf_arg_pcid(int argc, char **argv);

#endif
