/* SPDX-License-Identifier: MIT */
/*
 * Activation: loading an address space (pt/vmspace.h) on a CPU. Each CPU
 * holds a reference on the root it runs on and remembers, per id, which root
 * its TLB may still hold entries of. Each address space knows the CPUs that
 * may cache its translations (its flush target): where it is active, plus,
 * with tagged ids, the CPUs that switched away without flushing its id;
 * those stay shoot-down targets. The kernel address space stays a target of
 * every CPU that loaded it. Every function acts on the calling CPU
 * (pt_tlb_ops.current_cpu) and must not race with another activation on the
 * same CPU.
 *
 * Ids. The kernel runs under id 0. pt_vmspace_activate gives a user address
 * space its id itself: ids 1 .. pt_tlb.nr_asids - 1 are handed out in turn
 * from an allocator in struct pt_cpus (one ticket per allocation; each wrap
 * starts a generation). An address space keeps its id while any CPU may
 * cache it, and while no later generation has handed the id out again;
 * otherwise its next activation takes a fresh one. When ids run out they
 * are shared: two address spaces may hold the same id. Correctness never
 * rests on ids being unique: a CPU loading an id whose entries it last
 * cached for another root flushes that id as it loads (a PCID switch
 * without the no-flush bit). Running out costs those flushes, nothing else.
 * pt_vmspace_activate_asid is the form for callers that manage ids
 * themselves, on the same rule.
 */
#ifndef PT_ACTIVATE_H
#define PT_ACTIVATE_H

#include <pt/vmspace.h>

struct pt_cpu_state {
	struct pt_vmspace *vs;                 /* the active address space, or NULL */
	pt_paddr_t root_pa;                    /* its root */
	pt_asid_t asid;                        /* the id it runs under */
	pt_paddr_t asid_root[PT_MAX_ASIDS];    /* root whose entries each id may hold; 0 none */
};

/* Caller-allocated (the core never allocates); pointed to by pt_tlb.cpus. */
struct pt_cpus {
	struct pt_cpu_state cpu[PT_MAX_CPUS];
	_Atomic pt_cpumask_t online;           /* CPUs that loaded the kernel address space */
	_Atomic uint64_t id_tickets;           /* ids handed out by pt_vmspace_activate */
};

/* Zero @cpus: no CPU online, nothing loaded, no id handed out. */
void pt_cpus_init(struct pt_cpus *cpus);
/*
 * The seed's first_activate_unchecked: load the kernel address space on the
 * calling CPU for the first time, without releasing whatever it ran before,
 * and flush everything (globals too). Once per CPU. PT_ERR_INVAL: not a
 * kernel address space, or no TLB interface.
 */
PT_MUST_CHECK enum pt_err pt_vmspace_first_activate_unchecked(struct pt_vmspace *kernel);
/*
 * The seed's activate: load @vs (user or kernel) on the calling CPU under
 * the id the allocator gives it (above). Takes a root reference, drops the
 * previous address space's. No-op if @vs is already loaded here.
 * PT_ERR_INVAL: an IOMMU domain, or no TLB interface.
 */
PT_MUST_CHECK enum pt_err pt_vmspace_activate(struct pt_vmspace *vs);
/* Load @vs under the caller's id @asid (0: none). PT_ERR_INVAL as above, and
 * for @asid >= PT_MAX_ASIDS or another id than the one CPUs cache @vs under
 * (of CPUs activating a fresh address space at once with different ids, one wins). */
PT_MUST_CHECK enum pt_err pt_vmspace_activate_asid(struct pt_vmspace *vs, pt_asid_t asid);
/* Take the calling CPU offline: drop its active address space's reference
 * (the CPU stays a target of it until it is destroyed). */
void pt_cpu_deactivate(const struct pt_env *env);
/* The address space active on CPU @cpu, or NULL (inspection only). */
struct pt_vmspace *pt_cpu_active_vmspace(const struct pt_env *env, unsigned cpu);

#endif
