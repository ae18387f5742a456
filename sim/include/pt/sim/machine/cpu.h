/* SPDX-License-Identifier: MIT */
/*
 * A simulated x86-64 CPU: control registers with their architectural checks
 * and TLB effects, memory accesses through the MMU, and counters.
 *
 * Unless said otherwise, a function taking a CPU must be called by the thread
 * that entered it (pt_sim_cpu_enter) or by an interrupt handler running on it.
 * Each one takes the CPU's internal lock, so other threads may inspect the CPU
 * (dump, coherence check, counters) at the same time.
 */
#ifndef PT_SIM_MACHINE_CPU_H
#define PT_SIM_MACHINE_CPU_H

#include <pt/types.h>

struct pt_sim_cpu;

/* Paging-entry bits (IA-32e). */
#define PT_SIM_PTE_P        (1ull << 0)
#define PT_SIM_PTE_RW       (1ull << 1)
#define PT_SIM_PTE_US       (1ull << 2)
#define PT_SIM_PTE_PWT      (1ull << 3)
#define PT_SIM_PTE_PCD      (1ull << 4)
#define PT_SIM_PTE_A        (1ull << 5)
#define PT_SIM_PTE_D        (1ull << 6)
#define PT_SIM_PTE_PS       (1ull << 7)
#define PT_SIM_PTE_PAT_4K   (1ull << 7)
#define PT_SIM_PTE_G        (1ull << 8)
#define PT_SIM_PTE_PAT_LARGE (1ull << 12)
#define PT_SIM_PTE_XD       (1ull << 63)
#define PT_SIM_PTE_PK_SHIFT 59

/* Control-register and MSR bits the machine models. */
#define PT_SIM_CR0_PE    (1ull << 0)
#define PT_SIM_CR0_WP    (1ull << 16)
#define PT_SIM_CR0_NW    (1ull << 29)
#define PT_SIM_CR0_CD    (1ull << 30)
#define PT_SIM_CR0_PG    (1ull << 31)
#define PT_SIM_CR3_PWT   (1ull << 3)
#define PT_SIM_CR3_PCD   (1ull << 4)
#define PT_SIM_CR3_NOFLUSH (1ull << 63)
#define PT_SIM_CR4_PSE   (1ull << 4)
#define PT_SIM_CR4_PAE   (1ull << 5)
#define PT_SIM_CR4_PGE   (1ull << 7)
#define PT_SIM_CR4_LA57  (1ull << 12)
#define PT_SIM_CR4_PCIDE (1ull << 17)
#define PT_SIM_CR4_SMEP  (1ull << 20)
#define PT_SIM_CR4_SMAP  (1ull << 21)
#define PT_SIM_CR4_PKE   (1ull << 22)
#define PT_SIM_CR4_PKS   (1ull << 24)
#define PT_SIM_EFER_LME  (1ull << 8)
#define PT_SIM_EFER_LMA  (1ull << 10)
#define PT_SIM_EFER_NXE  (1ull << 11)
#define PT_SIM_PAT_DEFAULT 0x0007040600070406ull

/* #PF error-code bits. */
#define PT_SIM_PF_P    0x01u
#define PT_SIM_PF_W    0x02u
#define PT_SIM_PF_U    0x04u
#define PT_SIM_PF_RSVD 0x08u
#define PT_SIM_PF_ID   0x10u
#define PT_SIM_PF_PK   0x20u

enum pt_sim_exc {
	PT_SIM_EXC_NONE = 0,
	PT_SIM_EXC_PF,     /* page fault: error code in the result, CR2 written */
	PT_SIM_EXC_GP,     /* general protection, error code 0 */
	PT_SIM_EXC_BUS,    /* the physical address lies outside simulated RAM */
};

enum pt_sim_access_kind { PT_SIM_READ = 0, PT_SIM_WRITE, PT_SIM_FETCH };

enum pt_sim_mode {
	PT_SIM_USER = 0,       /* CPL 3, explicit */
	PT_SIM_SUPERVISOR,     /* CPL < 3, explicit */
	PT_SIM_IMPLICIT,       /* implicit supervisor access (GDT, IDT, TSS), any CPL */
};

/* Memory types, valued as their IA32_PAT encodings. */
enum pt_sim_memtype {
	PT_SIM_MT_UC = 0, PT_SIM_MT_WC = 1, PT_SIM_MT_WT = 4, PT_SIM_MT_WP = 5,
	PT_SIM_MT_WB = 6, PT_SIM_MT_UC_MINUS = 7,
};

/* The result of one translation. */
struct pt_sim_xlat {
	enum pt_sim_exc exc;
	uint32_t error_code;        /* #PF only */
	pt_paddr_t pa;
	uint8_t memtype;            /* enum pt_sim_memtype of the page */
	uint8_t level;              /* 1: 4 KiB, 2: 2 MiB, 3: 1 GiB */
	bool tlb_hit;
	bool ambiguous;             /* several different cached translations matched */
	/* Memory type used to read the paging structure at each level (index =
	 * level; 0xff = not read from memory by this access). */
	uint8_t table_memtype[6];
};

struct pt_sim_regs {
	uint64_t cr0, cr2, cr3, cr4, efer, pkru, pkrs, pat;
	unsigned cpl;
	bool ac;                    /* EFLAGS.AC */
};

enum pt_sim_flush_kind {
	PT_SIM_FLUSH_INVLPG = 0,
	PT_SIM_FLUSH_CR3,              /* MOV CR3 that flushed */
	PT_SIM_FLUSH_CR3_NOFLUSH,      /* MOV CR3 with bit 63 (PCIDE=1) */
	PT_SIM_FLUSH_INVPCID0, PT_SIM_FLUSH_INVPCID1, PT_SIM_FLUSH_INVPCID2, PT_SIM_FLUSH_INVPCID3,
	PT_SIM_FLUSH_CR4,              /* a CR4 write with a TLB effect */
	PT_SIM_FLUSH_CR0,              /* a CR0 write with a TLB effect */
	PT_SIM_FLUSH_PF,               /* the invalidation done by a #PF */
	PT_SIM_FLUSH_EVICT,            /* capacity-mode evictions */
	PT_SIM_FLUSH__COUNT
};

struct pt_sim_counters {
	uint64_t accesses, walks, walk_restarts;
	uint64_t tlb_hits, tlb_misses, psc_hits, ambiguous;
	uint64_t flushes[PT_SIM_FLUSH__COUNT];
	uint64_t pf, gp;
	uint64_t pf_by_code[64];    /* indexed by error code bits 5:0 */
	uint64_t ipis;
	uint64_t snapshots;         /* translations cached by snapshot or prefetch */
};

/* The CPU's number within its machine. */
unsigned pt_sim_cpu_index(const struct pt_sim_cpu *cpu);
/* A copy of the CPU's registers. Any thread. */
struct pt_sim_regs pt_sim_cpu_regs(struct pt_sim_cpu *cpu);
/* The current PCID (0 when CR4.PCIDE=0). */
uint16_t pt_sim_cpu_pcid(struct pt_sim_cpu *cpu);

/* MOV to CR0/CR4, WRMSR EFER/PAT: PT_SIM_EXC_GP on an illegal value (nothing
 * changes), else PT_SIM_EXC_NONE with the TLB effects of §5.2 applied. */
enum pt_sim_exc pt_sim_cpu_write_cr0(struct pt_sim_cpu *cpu, uint64_t val);
enum pt_sim_exc pt_sim_cpu_write_cr4(struct pt_sim_cpu *cpu, uint64_t val);
enum pt_sim_exc pt_sim_cpu_write_efer(struct pt_sim_cpu *cpu, uint64_t val);
enum pt_sim_exc pt_sim_cpu_write_pat(struct pt_sim_cpu *cpu, uint64_t val);
/* MOV to CR3. With PCIDE=1, bit 63 of @val means "do not flush" and is not
 * stored; with PCIDE=0 it is reserved (#GP). */
enum pt_sim_exc pt_sim_cpu_write_cr3(struct pt_sim_cpu *cpu, uint64_t val);
/* WRPKRU / WRMSR IA32_PKRS: no TLB effect. */
void pt_sim_cpu_write_pkru(struct pt_sim_cpu *cpu, uint32_t val);
void pt_sim_cpu_write_pkrs(struct pt_sim_cpu *cpu, uint32_t val);
/* Set CPL (0..3) and EFLAGS.AC; CR2 may be set for tests. */
void pt_sim_cpu_set_cpl(struct pt_sim_cpu *cpu, unsigned cpl);
void pt_sim_cpu_set_ac(struct pt_sim_cpu *cpu, bool ac);
void pt_sim_cpu_set_cr2(struct pt_sim_cpu *cpu, uint64_t cr2);

/* INVLPG: a no-op for a non-canonical @va; PT_SIM_EXC_GP if CPL > 0. */
enum pt_sim_exc pt_sim_cpu_invlpg(struct pt_sim_cpu *cpu, pt_vaddr_t va);
/* INVPCID @type (0..3) with descriptor {@desc_pcid (first quadword), @va}:
 * PT_SIM_EXC_GP on CPL > 0, type > 3, bits 63:12 of @desc_pcid, a
 * non-canonical @va for type 0, or PCID != 0 for types 0/1 when PCIDE=0. */
enum pt_sim_exc pt_sim_cpu_invpcid(struct pt_sim_cpu *cpu, unsigned type, uint64_t desc_pcid,
			     pt_vaddr_t va);

/* Translate @va for one access, as the MMU does: TLB, paging-structure
 * caches, walk, A/D updates, #PF (CR2 written) or #GP (non-canonical). */
enum pt_sim_exc pt_sim_access(struct pt_sim_cpu *cpu, pt_vaddr_t va, enum pt_sim_access_kind kind,
			enum pt_sim_mode mode, struct pt_sim_xlat *out);
/* Load or store @size (1, 2, 4, 8) bytes at @va, little-endian; the access may
 * cross a page. Every page is translated before any byte moves; on a fault
 * @out (optional) says which, with CR2 the first byte of the faulting page. */
enum pt_sim_exc pt_sim_load(struct pt_sim_cpu *cpu, pt_vaddr_t va, unsigned size,
		      enum pt_sim_access_kind kind, enum pt_sim_mode mode, uint64_t *val,
		      struct pt_sim_xlat *out);
enum pt_sim_exc pt_sim_store(struct pt_sim_cpu *cpu, pt_vaddr_t va, unsigned size, uint64_t val,
		       enum pt_sim_mode mode, struct pt_sim_xlat *out);

/* A copy of the CPU's counters; any thread. pt_sim_cpu_reset_counters zeroes them. */
void pt_sim_cpu_counters(struct pt_sim_cpu *cpu, struct pt_sim_counters *out);
void pt_sim_cpu_reset_counters(struct pt_sim_cpu *cpu);

#endif
