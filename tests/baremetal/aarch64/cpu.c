/* SPDX-License-Identifier: MIT */
/* System registers, barriers and TLBIs; the glue's PE operations. */
#include "bm.h"

struct bm_fault bm_fault;

#define SYSREG_READ(name, reg)                                     \
	uint64_t name(void)                                        \
	{                                                          \
		uint64_t v;                                        \
		__asm__ volatile("mrs %0, " reg : "=r"(v));        \
		return v;                                          \
	}
SYSREG_READ(read_ttbr0, "ttbr0_el1")
SYSREG_READ(read_ttbr1, "ttbr1_el1")
SYSREG_READ(read_tcr, "tcr_el1")
SYSREG_READ(read_mmfr0, "id_aa64mmfr0_el1")
SYSREG_READ(read_mmfr1, "id_aa64mmfr1_el1")

void tlbi_all(void)
{
	if (bm_break_notlbi)
		return;
	__asm__ volatile("dsb ishst; tlbi vmalle1is; dsb ish; isb" : : : "memory");
}

void tlbi_va(uint64_t va)
{
	if (bm_break_notlbi)
		return;
	uint64_t xt = pt_aarch64_tlbi_va(0, va);
	__asm__ volatile("dsb ishst; tlbi vaae1is, %0; dsb ish; isb" : : "r"(xt) : "memory");
}

void write_tcr(uint64_t v)
{
	__asm__ volatile("msr tcr_el1, %0; isb" : : "r"(v) : "memory");
	__asm__ volatile("dsb ishst; tlbi vmalle1is; dsb ish; isb" : : : "memory");
}

/* PSTATE.PAN through its system-register encoding (S3_0_C4_C2_3, bit 22). */
void set_pan(bool on)
{
	uint64_t v = on ? 1ull << 22 : 0;
	__asm__ volatile("msr s3_0_c4_c2_3, %0; isb" : : "r"(v) : "memory");
}

/* After writing code through the direct map: clean to PoU, invalidate the I-cache. */
void sync_icache(void)
{
	__asm__ volatile("dsb ish; ic iallu; dsb ish; isb" : : : "memory");
}

void probe_reset(void)
{
	bm_fault.count = 0;
	bm_fault.esr = bm_fault.far = bm_fault.elr = 0;
}

_Noreturn void bm_unexpected_trap(void);

_Noreturn void bm_unexpected_trap(void)
{
	kprintf("unexpected exception: ESR 0x%lx FAR 0x%lx ELR 0x%lx\n",
		(unsigned long)bm_fault.esr, (unsigned long)bm_fault.far,
		(unsigned long)bm_fault.elr);
	bm_exit(BM_EXIT_EXCEPTION);
}

/* The glue's operations: the instructions, each TLBI counted (and skipped by break=notlbi). */
#define TLBI_XT(op) __asm__ volatile("tlbi " op ", %0" : : "r"(xt) : "memory")
#define TLBI_ALL(op) __asm__ volatile("tlbi " op : : : "memory")

static void do_tlbi(enum pt_aarch64_tlbi op, uint64_t xt)
{
	switch (op) {
	case PT_TLBI_VAE1: TLBI_XT("vae1"); break;
	case PT_TLBI_VALE1: TLBI_XT("vale1"); break;
	case PT_TLBI_VAAE1: TLBI_XT("vaae1"); break;
	case PT_TLBI_VAALE1: TLBI_XT("vaale1"); break;
	case PT_TLBI_ASIDE1: TLBI_XT("aside1"); break;
	case PT_TLBI_VMALLE1: TLBI_ALL("vmalle1"); break;
	case PT_TLBI_VAE1IS: TLBI_XT("vae1is"); break;
	case PT_TLBI_VALE1IS: TLBI_XT("vale1is"); break;
	case PT_TLBI_VAAE1IS: TLBI_XT("vaae1is"); break;
	case PT_TLBI_VAALE1IS: TLBI_XT("vaale1is"); break;
	case PT_TLBI_ASIDE1IS: TLBI_XT("aside1is"); break;
	case PT_TLBI_VMALLE1IS: TLBI_ALL("vmalle1is"); break;
	}
}

static void a64_tlbi(void *ctx, enum pt_aarch64_tlbi op, uint64_t xt)
{
	(void)ctx;
	bm_tlbis.n++;
	bm_tlbis.is += op >= PT_TLBI_VAE1IS;
	bm_tlbis.op = op, bm_tlbis.xt = xt;
	if (bm_break_notlbi || bm_tlbi_hold)
		return;
	do_tlbi(op, xt);
}

static void a64_barrier(void *ctx, enum pt_aarch64_barrier b)
{
	(void)ctx;
	switch (b) {
	case PT_DSB_NSHST: __asm__ volatile("dsb nshst" : : : "memory"); break;
	case PT_DSB_NSH: __asm__ volatile("dsb nsh" : : : "memory"); break;
	case PT_DSB_ISHST: __asm__ volatile("dsb ishst" : : : "memory"); break;
	case PT_DSB_ISH: bm_tlbis.dsb_ish++; __asm__ volatile("dsb ish" : : : "memory"); break;
	case PT_ISB: __asm__ volatile("isb" : : : "memory"); break;
	}
}

static void a64_write_ttbr(void *ctx, bool upper, uint64_t v)
{
	(void)ctx;
	if (upper)
		__asm__ volatile("msr ttbr1_el1, %0" : : "r"(v) : "memory");
	else
		__asm__ volatile("msr ttbr0_el1, %0" : : "r"(v) : "memory");
}

static unsigned a64_current_cpu(void *ctx)
{
	(void)ctx;
	return 0;
}

const struct pt_aarch64_arch_ops bm_arch_ops = {
	a64_tlbi, a64_barrier, a64_write_ttbr, a64_current_cpu,
};
