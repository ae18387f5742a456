/* SPDX-License-Identifier: MIT */
/*
 * A RISC-V Sv39/Sv48 page walker written from the privileged specification
 * ("Virtual Address Translation Process", Sv39, Sv48, Svpbmt, Svade/Svadu).
 * It reads raw entries from simulated RAM and decodes them itself, sharing
 * nothing with libpt's codec, so tables built by the core can be checked
 * against what a hart would do with them. Neither Svnapot nor PMP/PMA
 * checks are implemented: the N bit is reserved, and an entry read past the
 * end of RAM reads as zero (an invalid entry) instead of an access fault.
 * Reserved bits (60:54, PBMT 3, N without Svnapot) fault, as step 3 of the
 * spec says, where QEMU 7.2 with menvcfg.PBMTE ignores them: the baremetal
 * differential lists those scenarios (tests/baremetal/riscv/diff-known.txt).
 */
#ifndef PT_SIM_RISCV_WALK_H
#define PT_SIM_RISCV_WALK_H

#include <pt/types.h>

struct pt_sim_ram;

enum pt_sim_rv_access {
	PT_SIM_RV_LOAD,
	PT_SIM_RV_STORE,   /* stores and AMOs */
	PT_SIM_RV_FETCH,
};

/* The outcome of a walk: success, or the exception cause (scause) raised. */
enum pt_sim_rv_exc {
	PT_SIM_RV_OK = 0,
	PT_SIM_RV_FETCH_PAGE_FAULT = 12,
	PT_SIM_RV_LOAD_PAGE_FAULT = 13,
	PT_SIM_RV_STORE_PAGE_FAULT = 15,
};

/* Svpbmt memory types (PTE bits 62:61). */
enum pt_sim_rv_pbmt {
	PT_SIM_RV_PBMT_PMA = 0,
	PT_SIM_RV_PBMT_NC = 1,
	PT_SIM_RV_PBMT_IO = 2,
};

/* Raw PTE bits, as the specification numbers them. */
#define PT_SIM_RV_PTE_V (1ull << 0)
#define PT_SIM_RV_PTE_R (1ull << 1)
#define PT_SIM_RV_PTE_W (1ull << 2)
#define PT_SIM_RV_PTE_X (1ull << 3)
#define PT_SIM_RV_PTE_U (1ull << 4)
#define PT_SIM_RV_PTE_G (1ull << 5)
#define PT_SIM_RV_PTE_A (1ull << 6)
#define PT_SIM_RV_PTE_D (1ull << 7)
#define PT_SIM_RV_PTE_PPN_SHIFT 10
#define PT_SIM_RV_PTE_PBMT_SHIFT 61
#define PT_SIM_RV_PTE_N (1ull << 63)

/* How a walk treats a leaf's A and D bits. */
enum pt_sim_rv_ad {
	PT_SIM_RV_SVADE = 0,      /* A clear, or D clear on a store: page fault */
	PT_SIM_RV_SVADU = 1,      /* set them by compare-and-swap */
	PT_SIM_RV_AD_AS_SET = 2,  /* as if set, writing nothing: what a leaf allows apart from A/D */
};

/* A successful translation. */
struct pt_sim_rv_xlat {
	pt_paddr_t pa;         /* the physical address of the access */
	unsigned level;        /* the spec's i of the leaf: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB */
	uint64_t pte;          /* the leaf as it is in memory after any A/D update */
	pt_paddr_t pte_addr;   /* where the leaf is */
	enum pt_sim_rv_pbmt pbmt; /* the leaf's memory type */
	bool global;           /* G in the leaf or in a pointer above it */
	uint64_t ptr[4];       /* ptr[i]: the pointer entry this walk read at level i, else 0 */
};

/*
 * Translate @va for @access on a hart in U-mode (@user_mode) or S-mode, with
 * @levels 3 (Sv39) or 4 (Sv48; any other value faults every access) and the
 * root table at @root (satp.PPN << 12).
 * @sum and @mxr are sstatus.SUM and sstatus.MXR; a leaf whose A, or D for a
 * store, is clear is handled as @ad says. Returns PT_SIM_RV_OK and fills @out
 * (may be NULL), or the page fault of @access; a fault changes nothing.
 */
enum pt_sim_rv_exc pt_sim_rv_walk(struct pt_sim_ram *ram, unsigned levels, pt_paddr_t root, uint64_t va,
			    enum pt_sim_rv_access access, bool user_mode, bool sum, bool mxr,
			    enum pt_sim_rv_ad ad, struct pt_sim_rv_xlat *out);

/* The same walk from @table, the table of spec level @level, with @global
 * already set by the pointers above it (a hart resuming from a cached entry). */
enum pt_sim_rv_exc pt_sim_rv_walk_at(struct pt_sim_ram *ram, unsigned levels, pt_paddr_t table,
			       unsigned level, bool global, uint64_t va, enum pt_sim_rv_access access,
			       bool user_mode, bool sum, bool mxr, enum pt_sim_rv_ad ad,
			       struct pt_sim_rv_xlat *out);

#endif
