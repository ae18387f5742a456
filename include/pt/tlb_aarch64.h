/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 TLB glue: the core's TLB interface written in terms of the
 * architectural operations (TLBI of the EL1&0 regime, DSB and ISB, TTBR0_EL1
 * and TTBR1_EL1 writes with an ASID in TTBR0[63:48], TCR_EL1.A1 = 0) that the
 * platform executes. No interrupt is needed to reach another PE: every
 * remote request is a broadcast TLBI ...IS, complete at the issuer's DSB ISH.
 *
 * A request is bracketed as the Arm ARM's "TLB maintenance" sequences
 * (D8.13): DSB ISHST (the table stores reach the walkers) before, DSB ISH
 * (the invalidation completed on every PE) and ISB after; local requests use
 * the non-shareable forms with DSB NSHST / DSB NSH.
 *
 * TLBI VALE1 (last level) may leave walk-cache entries, the table
 * descriptors a walk used, in place: a page request marked `tables` (a
 * sub-tree was detached) uses VAE1 (every level) instead. Kernel tables'
 * pages (PT_ASID_ANY) use the all-ASID forms VAAE1 / VAALE1. A request of
 * more than PT_AARCH64_MAX_TLBI_PAGES pages becomes one ASIDE1 (VMALLE1 for
 * the kernel table), as Linux's MAX_DVM_OPS.
 */
#ifndef PT_TLB_AARCH64_H
#define PT_TLB_AARCH64_H

#include <pt/tlb.h>

#define PT_AARCH64_MAX_TLBI_PAGES 512u

/* The TLBI operations the glue issues; the IS forms broadcast to the inner shareable domain. */
enum pt_aarch64_tlbi {
	PT_TLBI_VAE1, PT_TLBI_VALE1, PT_TLBI_VAAE1, PT_TLBI_VAALE1, PT_TLBI_ASIDE1, PT_TLBI_VMALLE1,
	PT_TLBI_VAE1IS, PT_TLBI_VALE1IS, PT_TLBI_VAAE1IS, PT_TLBI_VAALE1IS, PT_TLBI_ASIDE1IS,
	PT_TLBI_VMALLE1IS,
};
/* The offset from a local form to its broadcast (IS) form. */
#define PT_TLBI_IS (PT_TLBI_VAE1IS - PT_TLBI_VAE1)

enum pt_aarch64_barrier { PT_DSB_NSHST, PT_DSB_NSH, PT_DSB_ISHST, PT_DSB_ISH, PT_ISB };

struct pt_aarch64_arch_ops {
	/* TLBI @op, Xt on the current PE; @xt as pt_aarch64_tlbi_va / _asid build it (0 for VMALLE1). */
	void (*tlbi)(void *ctx, enum pt_aarch64_tlbi op, uint64_t xt);
	/* DSB or ISB on the current PE. */
	void (*barrier)(void *ctx, enum pt_aarch64_barrier b);
	/* MSR TTBR0_EL1 (@upper false) or TTBR1_EL1, @value; the glue issues the ISB. */
	void (*write_ttbr)(void *ctx, bool upper, uint64_t value);
	/* The number of the current PE. */
	unsigned (*current_cpu)(void *ctx);
};

struct pt_aarch64_tlb {
	const struct pt_aarch64_arch_ops *arch;
	void *ctx;
	pt_paddr_t kernel_root;   /* load_root of this root writes TTBR1_EL1, */
	pt_paddr_t reserved_ttbr0; /* and TTBR0_EL1 = this zeroed table (no user mappings) */
	bool asids;               /* TTBR0 carries the table's ASID (8 or 16 bits cover PT_MAX_ASIDS) */
};

/* TTBRn_EL1 for @root_pa (4 KiB aligned) with @asid in bits 63:48 (CnP clear). */
uint64_t pt_aarch64_ttbr(pt_asid_t asid, pt_paddr_t root_pa);
/* The Xt of a TLBI by VA: ASID in 63:48, VA[55:12] in 43:0 (the all-ASID forms ignore the ASID). */
uint64_t pt_aarch64_tlbi_va(pt_asid_t asid, pt_vaddr_t va);
/* The Xt of TLBI ASIDE1: the ASID in 63:48. */
uint64_t pt_aarch64_tlbi_asid(pt_asid_t asid);
/* The core's TLB interface over @a (which must outlive it); @cpus per pt_tlb. */
struct pt_tlb pt_aarch64_tlb(struct pt_aarch64_tlb *a, struct pt_cpus *cpus);
/* Perform @req on the current PE only (non-shareable TLBIs). */
void pt_aarch64_tlb_flush_local(struct pt_aarch64_tlb *a, const struct pt_flush_req *req);
/* Perform @req on every PE and return once it completed (TLBI ...IS; DSB ISH; ISB):
 * the break-before-make invalidation (pt/bbm.h). Waits on no other thread. */
void pt_aarch64_tlb_flush_broadcast(struct pt_aarch64_tlb *a, const struct pt_flush_req *req);

#endif
