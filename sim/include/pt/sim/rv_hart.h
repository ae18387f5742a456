/* SPDX-License-Identifier: MIT */
/*
 * Simulated RISC-V harts with the strictest TLB the privileged spec allows
 * ("Supervisor Memory-Management Fence Instruction"): every translation and
 * every non-leaf entry a walk used stays cached, tagged by ASID (or global),
 * until an SFENCE.VMA that must drop it. A satp write drops nothing.
 * SFENCE.VMA with an address drops leaf entries only, so a cached pointer
 * into a detached table survives it; with an ASID it spares global entries.
 * Without Svvptc a hart may also keep what made an access fault: a failed
 * walk is cached as an invalid leaf, and a cached leaf without the right
 * R/W/X/U faults until fenced (a stale A or D only makes it walk again).
 * Walks are sim/riscv_walk.c's, in its hardware A/D update mode.
 *
 * Harts are passive objects driven by one thread: the RISC-V TLB glue over
 * them (pt_sim_rv_tlb) acts on the hart the test selects, and remote fences
 * (SBI-like, or IPIs performed at once) act on the target harts directly.
 */
#ifndef PT_SIM_RV_HART_H
#define PT_SIM_RV_HART_H

#include <pt/tlb_riscv.h>

#include <pt/sim/riscv_walk.h>

struct pt_sim_ram;

struct pt_sim_rv_entry {
	uint16_t asid;
	bool global;
	bool leaf;
	unsigned level;         /* spec level: a leaf maps 2^(12+9*level) bytes */
	uint64_t vpn;           /* va >> (12 + 9 * level) */
	uint64_t pte;           /* 0: a cached fault (a leaf only) */
};

struct pt_sim_rv_hart {
	uint64_t satp;
	struct pt_sim_rv_entry *e;
	size_t n, cap;
	uint64_t fences, full_fences;   /* SFENCE.VMAs performed; those with rs1 = rs2 = x0 */
};

struct pt_sim_rv_machine {
	struct pt_sim_ram *ram;
	unsigned levels;        /* 3 Sv39, 4 Sv48 */
	unsigned nr_harts;
	unsigned cur;           /* the hart the glue acts on */
	struct pt_sim_rv_hart hart[PT_MAX_CPUS];
};

/* @nr_harts harts on @ram with @levels-level paging, satp 0. */
void pt_sim_rv_machine_init(struct pt_sim_rv_machine *m, struct pt_sim_ram *ram, unsigned levels,
			 unsigned nr_harts);
void pt_sim_rv_machine_free(struct pt_sim_rv_machine *m);
/* An access by hart @h at @va; PT_SIM_RV_OK and *pa (may be NULL), or the page fault. */
enum pt_sim_rv_exc pt_sim_rv_access(struct pt_sim_rv_machine *m, unsigned h, uint64_t va,
			      enum pt_sim_rv_access access, bool user_mode, pt_paddr_t *pa);
/* SFENCE.VMA on hart @h (rs1 = x0 unless @has_va, rs2 = x0 unless @has_asid). */
void pt_sim_rv_sfence(struct pt_sim_rv_machine *m, unsigned h, bool has_va, uint64_t va, bool has_asid,
		   uint16_t asid);
/* Cached entries of hart @h under its current satp that memory no longer
 * backs: a leaf granting what a fresh walk does not (or elsewhere), a pointer
 * that differs from the entry in memory. */
size_t pt_sim_rv_harmful(struct pt_sim_rv_machine *m, unsigned h);
/* Whether hart @h caches a translation to, or a pointer into, a poisoned frame. */
bool pt_sim_rv_caches_poison(struct pt_sim_rv_machine *m, unsigned h);

/* The RISC-V glue over @m's harts: remote fences by SBI (@sbi) or by IPIs. */
struct pt_sim_rv_tlb {
	struct pt_sim_rv_machine *m;
	struct pt_riscv_tlb rv;
};
struct pt_tlb pt_sim_rv_tlb_init(struct pt_sim_rv_tlb *st, struct pt_sim_rv_machine *m,
				 struct pt_cpus *cpus, bool sbi);

#endif
