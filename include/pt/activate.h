/* SPDX-License-Identifier: MIT */
/*
 * Activation: loading a table on a CPU. Each CPU holds a reference on the
 * root it runs on and remembers, per address-space id, which root its TLB
 * may still hold entries of. Each table handle knows the CPUs that may cache
 * its translations (pt_table.cpus): where it is active, plus, with tagged
 * address spaces, the CPUs that switched away without flushing its id; those
 * stay shoot-down targets. An id given to another table is flushed first.
 * Every function acts on the calling CPU (pt_tlb_ops.current_cpu) and must
 * not race with another activation on the same CPU.
 */
#ifndef PT_ACTIVATE_H
#define PT_ACTIVATE_H

#include <pt/table.h>

struct pt_cpu_state {
	struct pt_table *table;                /* the active handle, or NULL */
	pt_paddr_t root_pa;                    /* its root */
	pt_asid_t asid;                        /* the id it runs under */
	pt_paddr_t asid_root[PT_MAX_ASIDS];    /* root whose entries each id may hold; 0 none */
};

/* Caller-allocated (the core never allocates); pointed to by pt_tlb.cpus. */
struct pt_cpus {
	struct pt_cpu_state cpu[PT_MAX_CPUS];
	_Atomic pt_cpumask_t online;           /* CPUs that loaded the kernel table */
};

/* Zero @cpus: no CPU online, nothing loaded. */
void pt_cpus_init(struct pt_cpus *cpus);
/*
 * Load the kernel table on the calling CPU for the first time, without
 * releasing whatever it ran before, and flush everything (globals too).
 * Once per CPU. PT_ERR_INVAL: not a kernel table, no TLB interface, or the
 * kernel table runs under an id other than 0 elsewhere.
 */
PT_MUST_CHECK enum pt_err pt_table_first_activate_unchecked(struct pt_table *kernel);
/*
 * Load @t (user or kernel) on the calling CPU under address-space id @asid
 * (0: none). The id is the handle's while any CPU may cache it; of CPUs
 * activating a fresh handle at once with different ids, one wins. Takes a
 * root reference, drops the previous table's. No-op if @t is already loaded.
 * PT_ERR_INVAL: an empty (IOMMU) table, @asid >= PT_MAX_ASIDS, another id
 * than the handle's, or no TLB interface.
 */
PT_MUST_CHECK enum pt_err pt_table_activate(struct pt_table *t, pt_asid_t asid);
/* Take the calling CPU offline: drop its active table's reference (the CPU
 * keeps caching it as a target until the table is destroyed). */
void pt_cpu_deactivate(const struct pt_env *env);
/* The address-space id @t runs under (meaningful while it has targets). */
pt_asid_t pt_table_asid(const struct pt_table *t);
/* The CPUs a shoot-down of @t must reach (online CPUs too for a kernel table). */
pt_cpumask_t pt_table_targets(const struct pt_table *t);
/* The handle active on CPU @cpu, or NULL (inspection only). */
struct pt_table *pt_cpu_active_table(const struct pt_env *env, unsigned cpu);

#endif
