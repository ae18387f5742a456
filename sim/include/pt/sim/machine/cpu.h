/* SPDX-License-Identifier: MIT */
/*
 * A simulated x86-64 CPU: control registers with their architectural checks
 * and TLB effects, memory accesses through the MMU, and counters.
 *
 * Unless said otherwise, a function taking a CPU must be called by the thread
 * that entered it (sim_cpu_enter) or by an interrupt handler running on it.
 * Each one takes the CPU's internal lock, so other threads may inspect the CPU
 * (dump, coherence check, counters) at the same time.
 */
#ifndef SIM_MACHINE_CPU_H
#define SIM_MACHINE_CPU_H

#include <pt/types.h>

struct sim_cpu;

/* Paging-entry bits (IA-32e). */
#define SIM_PTE_P        (1ull << 0)
#define SIM_PTE_RW       (1ull << 1)
#define SIM_PTE_US       (1ull << 2)
#define SIM_PTE_PWT      (1ull << 3)
#define SIM_PTE_PCD      (1ull << 4)
#define SIM_PTE_A        (1ull << 5)
#define SIM_PTE_D        (1ull << 6)
#define SIM_PTE_PS       (1ull << 7)
#define SIM_PTE_PAT_4K   (1ull << 7)
#define SIM_PTE_G        (1ull << 8)
#define SIM_PTE_PAT_LARGE (1ull << 12)
#define SIM_PTE_XD       (1ull << 63)
#define SIM_PTE_PK_SHIFT 59

/* Control-register and MSR bits the machine models. */
#define SIM_CR0_PE    (1ull << 0)
#define SIM_CR0_WP    (1ull << 16)
#define SIM_CR0_NW    (1ull << 29)
#define SIM_CR0_CD    (1ull << 30)
#define SIM_CR0_PG    (1ull << 31)
#define SIM_CR3_PWT   (1ull << 3)
#define SIM_CR3_PCD   (1ull << 4)
#define SIM_CR3_NOFLUSH (1ull << 63)
#define SIM_CR4_PSE   (1ull << 4)
#define SIM_CR4_PAE   (1ull << 5)
#define SIM_CR4_PGE   (1ull << 7)
#define SIM_CR4_LA57  (1ull << 12)
#define SIM_CR4_PCIDE (1ull << 17)
#define SIM_CR4_SMEP  (1ull << 20)
#define SIM_CR4_SMAP  (1ull << 21)
#define SIM_CR4_PKE   (1ull << 22)
#define SIM_CR4_PKS   (1ull << 24)
#define SIM_EFER_LME  (1ull << 8)
#define SIM_EFER_LMA  (1ull << 10)
#define SIM_EFER_NXE  (1ull << 11)
#define SIM_PAT_DEFAULT 0x0007040600070406ull

/* #PF error-code bits. */
#define SIM_PF_P    0x01u
#define SIM_PF_W    0x02u
#define SIM_PF_U    0x04u
#define SIM_PF_RSVD 0x08u
#define SIM_PF_ID   0x10u
#define SIM_PF_PK   0x20u

enum sim_exc {
	SIM_EXC_NONE = 0,
	SIM_EXC_PF,     /* page fault: error code in the result, CR2 written */
	SIM_EXC_GP,     /* general protection, error code 0 */
	SIM_EXC_BUS,    /* the physical address lies outside simulated RAM */
};

enum sim_access_kind { SIM_READ = 0, SIM_WRITE, SIM_FETCH };

enum sim_mode {
	SIM_USER = 0,       /* CPL 3, explicit */
	SIM_SUPERVISOR,     /* CPL < 3, explicit */
	SIM_IMPLICIT,       /* implicit supervisor access (GDT, IDT, TSS), any CPL */
};

/* Memory types, valued as their IA32_PAT encodings. */
enum sim_memtype {
	SIM_MT_UC = 0, SIM_MT_WC = 1, SIM_MT_WT = 4, SIM_MT_WP = 5,
	SIM_MT_WB = 6, SIM_MT_UC_MINUS = 7,
};

/* The result of one translation. */
struct sim_xlat {
	enum sim_exc exc;
	uint32_t error_code;        /* #PF only */
	pt_paddr_t pa;
	uint8_t memtype;            /* enum sim_memtype of the page */
	uint8_t level;              /* 1: 4 KiB, 2: 2 MiB, 3: 1 GiB */
	bool tlb_hit;
	bool ambiguous;             /* several different cached translations matched */
	/* Memory type used to read the paging structure at each level (index =
	 * level; 0xff = not read from memory by this access). */
	uint8_t table_memtype[6];
};

struct sim_regs {
	uint64_t cr0, cr2, cr3, cr4, efer, pkru, pkrs, pat;
	unsigned cpl;
	bool ac;                    /* EFLAGS.AC */
};

enum sim_flush_kind {
	SIM_FLUSH_INVLPG = 0,
	SIM_FLUSH_CR3,              /* MOV CR3 that flushed */
	SIM_FLUSH_CR3_NOFLUSH,      /* MOV CR3 with bit 63 (PCIDE=1) */
	SIM_FLUSH_INVPCID0, SIM_FLUSH_INVPCID1, SIM_FLUSH_INVPCID2, SIM_FLUSH_INVPCID3,
	SIM_FLUSH_CR4,              /* a CR4 write with a TLB effect */
	SIM_FLUSH_CR0,              /* a CR0 write with a TLB effect */
	SIM_FLUSH_PF,               /* the invalidation done by a #PF */
	SIM_FLUSH_EVICT,            /* capacity-mode evictions */
	SIM_FLUSH__COUNT
};

struct sim_counters {
	uint64_t accesses, walks, walk_restarts;
	uint64_t tlb_hits, tlb_misses, psc_hits, ambiguous;
	uint64_t flushes[SIM_FLUSH__COUNT];
	uint64_t pf, gp;
	uint64_t pf_by_code[64];    /* indexed by error code bits 5:0 */
	uint64_t ipis;
	uint64_t snapshots;         /* translations cached by snapshot or prefetch */
};

/* The CPU's number within its machine. */
unsigned sim_cpu_index(const struct sim_cpu *cpu);
/* A copy of the CPU's registers. Any thread. */
struct sim_regs sim_cpu_regs(struct sim_cpu *cpu);
/* The current PCID (0 when CR4.PCIDE=0). */
uint16_t sim_cpu_pcid(struct sim_cpu *cpu);

/* MOV to CR0/CR4, WRMSR EFER/PAT: SIM_EXC_GP on an illegal value (nothing
 * changes), else SIM_EXC_NONE with the TLB effects of §5.2 applied. */
enum sim_exc sim_cpu_write_cr0(struct sim_cpu *cpu, uint64_t val);
enum sim_exc sim_cpu_write_cr4(struct sim_cpu *cpu, uint64_t val);
enum sim_exc sim_cpu_write_efer(struct sim_cpu *cpu, uint64_t val);
enum sim_exc sim_cpu_write_pat(struct sim_cpu *cpu, uint64_t val);
/* MOV to CR3. With PCIDE=1, bit 63 of @val means "do not flush" and is not
 * stored; with PCIDE=0 it is reserved (#GP). */
enum sim_exc sim_cpu_write_cr3(struct sim_cpu *cpu, uint64_t val);
/* WRPKRU / WRMSR IA32_PKRS: no TLB effect. */
void sim_cpu_write_pkru(struct sim_cpu *cpu, uint32_t val);
void sim_cpu_write_pkrs(struct sim_cpu *cpu, uint32_t val);
/* Set CPL (0..3) and EFLAGS.AC; CR2 may be set for tests. */
void sim_cpu_set_cpl(struct sim_cpu *cpu, unsigned cpl);
void sim_cpu_set_ac(struct sim_cpu *cpu, bool ac);
void sim_cpu_set_cr2(struct sim_cpu *cpu, uint64_t cr2);

/* INVLPG: a no-op for a non-canonical @va; SIM_EXC_GP if CPL > 0. */
enum sim_exc sim_cpu_invlpg(struct sim_cpu *cpu, pt_vaddr_t va);
/* INVPCID @type (0..3) with descriptor {@desc_pcid (first quadword), @va}:
 * SIM_EXC_GP on CPL > 0, type > 3, bits 63:12 of @desc_pcid, a
 * non-canonical @va for type 0, or PCID != 0 for types 0/1 when PCIDE=0. */
enum sim_exc sim_cpu_invpcid(struct sim_cpu *cpu, unsigned type, uint64_t desc_pcid,
			     pt_vaddr_t va);

/* Translate @va for one access, as the MMU does: TLB, paging-structure
 * caches, walk, A/D updates, #PF (CR2 written) or #GP (non-canonical). */
enum sim_exc sim_access(struct sim_cpu *cpu, pt_vaddr_t va, enum sim_access_kind kind,
			enum sim_mode mode, struct sim_xlat *out);
/* Load or store @size (1, 2, 4, 8) bytes at @va, little-endian; the access may
 * cross a page. Every page is translated before any byte moves; on a fault
 * @out (optional) says which, with CR2 the first byte of the faulting page. */
enum sim_exc sim_load(struct sim_cpu *cpu, pt_vaddr_t va, unsigned size,
		      enum sim_access_kind kind, enum sim_mode mode, uint64_t *val,
		      struct sim_xlat *out);
enum sim_exc sim_store(struct sim_cpu *cpu, pt_vaddr_t va, unsigned size, uint64_t val,
		       enum sim_mode mode, struct sim_xlat *out);

/* A copy of the CPU's counters; any thread. sim_cpu_reset_counters zeroes them. */
void sim_cpu_counters(struct sim_cpu *cpu, struct sim_counters *out);
void sim_cpu_reset_counters(struct sim_cpu *cpu);

#endif
