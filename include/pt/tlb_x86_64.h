/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 TLB glue: the core's TLB interface written once in terms of the
 * architectural operations (MOV CR3 with PCID and the no-flush bit, INVLPG,
 * INVPCID, a CR4.PGE toggle). The simulator backs them with simulated CPUs;
 * a kernel with the instructions. The platform also delivers remote requests:
 * its interrupt handler calls pt_x86_tlb_flush_local on the target CPU.
 */
#ifndef PT_TLB_X86_64_H
#define PT_TLB_X86_64_H

#include <pt/tlb.h>

#define PT_X86_CR3_NOFLUSH ((uint64_t)1 << 63)

struct pt_x86_arch_ops {
	/* CR3 of the current CPU (PCID in bits 11:0 when CR4.PCIDE=1). */
	uint64_t (*read_cr3)(void *ctx);
	/* MOV to CR3 on the current CPU. */
	void (*write_cr3)(void *ctx, uint64_t value);
	/* INVLPG @va on the current CPU. */
	void (*invlpg)(void *ctx, pt_vaddr_t va);
	/* INVPCID @type (0..3) with descriptor {@pcid, @va} on the current CPU. */
	void (*invpcid)(void *ctx, unsigned type, uint16_t pcid, pt_vaddr_t va);
	/* Clear and set CR4.PGE again on the current CPU: drops everything. */
	void (*toggle_pge)(void *ctx);
	/* Platform services: CPU number, interrupt delivery and waiting. */
	unsigned (*current_cpu)(void *ctx);
	void (*send)(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req);
	void (*wait)(void *ctx, pt_cpumask_t cpus);
};

struct pt_x86_tlb {
	const struct pt_x86_arch_ops *arch;
	void *ctx;
	bool pcide;                    /* CR4.PCIDE=1 on every CPU */
	bool invpcid;                  /* the INVPCID instruction exists */
	/* Per CPU (written only on that CPU): PCIDs loaded since their last
	 * flush, and PCIDs to flush at their next load (no INVPCID). */
	uint64_t live[PT_MAX_CPUS];
	uint64_t deferred[PT_MAX_CPUS];
};

/* The core's TLB interface over @x (which must outlive it); @cpus per pt_tlb. */
struct pt_tlb pt_x86_tlb(struct pt_x86_tlb *x, struct pt_cpus *cpus);
/* Perform @req on the current CPU (local flushes and remote handlers). */
void pt_x86_tlb_flush_local(struct pt_x86_tlb *x, const struct pt_flush_req *req);

#endif
