/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V TLB glue: the core's TLB interface written in terms of the
 * architectural operations (a satp write with MODE and ASID, SFENCE.VMA with
 * or without an address and an ASID) and the platform's remote fence.
 *
 * SFENCE.VMA with an address reaches only leaf entries for it, so a page
 * request marked `tables` (a sub-tree was detached) fences the whole address
 * space. The core issues no flush for a new mapping: without Svvptc a hart may
 * keep an invalid entry it read, so a page-fault handler that finds the
 * faulting address mapped calls pt_riscv_tlb_fault_fence and retries.
 *
 * Remote harts are reached either through SBI RFENCE (remote_sfence set:
 * sbi_remote_sfence_vma[_asid] returns after the targets have fenced, so wait
 * does nothing) or through the platform's IPIs (send / wait; the target's
 * handler calls pt_riscv_tlb_flush_local).
 */
#ifndef PT_TLB_RISCV_H
#define PT_TLB_RISCV_H

#include <pt/tlb.h>

#define PT_RISCV_SATP_BARE 0u
#define PT_RISCV_SATP_SV39 8u
#define PT_RISCV_SATP_SV48 9u

/* In pt_riscv_arch_ops.remote_sfence: the whole address space (SBI size -1). */
#define PT_RISCV_SIZE_ALL UINT64_MAX

struct pt_riscv_arch_ops {
	/* csrw satp on the current hart. */
	void (*write_satp)(void *ctx, uint64_t satp);
	/* SFENCE.VMA rs1, rs2 on the current hart: rs1 = x0 unless @has_va,
	 * rs2 = x0 unless @has_asid. */
	void (*sfence_vma)(void *ctx, bool has_va, pt_vaddr_t va, bool has_asid, uint16_t asid);
	/* Platform services: CPU number, and remote delivery by one of the two ways. */
	unsigned (*current_cpu)(void *ctx);
	/* SBI RFENCE on @cpus: [@start, @start + @size) of @asid (PT_ASID_ANY: every
	 * address space, global entries too); synchronous. NULL: use send / wait. */
	void (*remote_sfence)(void *ctx, pt_cpumask_t cpus, pt_vaddr_t start, uint64_t size,
			      pt_asid_t asid);
	void (*send)(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req);
	void (*wait)(void *ctx, pt_cpumask_t cpus);
};

struct pt_riscv_tlb {
	const struct pt_riscv_arch_ops *arch;
	void *ctx;
	unsigned satp_mode;     /* PT_RISCV_SATP_SV39 or _SV48 */
	bool asids;             /* tables run under their ASIDs (ASIDLEN covers PT_MAX_ASIDS) */
};

/* The satp value for @root_pa with @mode and @asid. */
uint64_t pt_riscv_satp(unsigned mode, pt_asid_t asid, pt_paddr_t root_pa);
/* The core's TLB interface over @r (which must outlive it); @cpus per pt_tlb. */
struct pt_tlb pt_riscv_tlb(struct pt_riscv_tlb *r, struct pt_cpus *cpus);
/* Perform @req on the current hart (local flushes and IPI handlers). */
void pt_riscv_tlb_flush_local(struct pt_riscv_tlb *r, const struct pt_flush_req *req);
/* Without Svvptc: fence @va of @asid (PT_ASID_ANY: every one) after a page
 * fault on an address that is mapped now, so the retried access sees it. */
void pt_riscv_tlb_fault_fence(struct pt_riscv_tlb *r, pt_vaddr_t va, pt_asid_t asid);

#endif
