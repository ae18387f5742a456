/* SPDX-License-Identifier: MIT */
/*
 * A simulated Arm MMU: VMSAv8-64 stage 1 of the EL1&0 regime, 4 KiB granule,
 * T0SZ = T1SZ = 16 (48-bit VA per range), TBI off, written from the Arm ARM
 * (D8 "The AArch64 Virtual Memory System Architecture") and sharing nothing
 * with libpt's codec. It is the oracle for tables built on
 * pt_format_aarch64_4k48.
 *
 * Each PE has TTBR0/TTBR1, an ASID (TCR_EL1.A1 = 0: TTBR0's), TCR_EL1.HA/HD
 * (hardware AF and dirty state), HPD0/HPD1, IPS, SCTLR_EL1.WXN and PSTATE.PAN,
 * and a strictest-legal TLB: every successful walk leaves its leaf and every
 * table entry it used cached until a TLBI removes them; leaves that are nG
 * are tagged by ASID, global leaves and TTBR1 walk entries match every ASID.
 * Translation, address-size and access-flag faults are never cached,
 * translations that fault on permissions are. Two cached leaves that both
 * translate an address are a TLB conflict abort.
 *
 * TLBIs are issued (queued on their targets) and complete at the issuing
 * PE's DSB, as the architecture orders them: the IS forms reach every PE
 * with no interrupt and no help from another thread.
 *
 * The break-before-make detector shadows every descriptor reachable from a
 * PE's TTBRs (and registered roots). At each check, TLBI and walk it flags a
 * live valid descriptor replaced by a valid one of another output address,
 * size or kind (block/page/table), memory attributes (AttrIndx, SH) or nG,
 * unless it was first made invalid and a completed TLBI covering it then
 * reached every PE. Descriptors of a table that was not reachable (one being
 * filled before it is linked) are new, not changed.
 *
 * One thread drives a struct pt_sim_arm at a time (m->cur names the PE it is
 * on); it is not thread-safe.
 */
#ifndef PT_SIM_ARM_MMU_H
#define PT_SIM_ARM_MMU_H

#include <pt/env.h>
#include <pt/types.h>

struct pt_sim_ram;

#define PT_SIM_ARM_MAX_PES 8
#define PT_SIM_ARM_TLB_SIZE 1024
#define PT_SIM_ARM_WALK_SIZE 512
#define PT_SIM_ARM_QUEUE 64
#define PT_SIM_ARM_SHADOW (1u << 15)   /* hash slots: twice the descriptors the detector can follow */
#define PT_SIM_ARM_ROOTS 16

enum pt_sim_arm_access { PT_SIM_ARM_READ, PT_SIM_ARM_WRITE, PT_SIM_ARM_FETCH };

/* The fault status code's type, bits 5:2 of DFSC/IFSC; the level is bits 1:0. */
enum pt_sim_arm_fault {
	PT_SIM_ARM_OK = -1,
	PT_SIM_ARM_ADDR_SIZE = 0x0,
	PT_SIM_ARM_TRANSLATION = 0x1,
	PT_SIM_ARM_ACCESS_FLAG = 0x2,
	PT_SIM_ARM_PERMISSION = 0x3,
	PT_SIM_ARM_TLB_CONFLICT = 0xc,    /* FSC 0x30, no level */
};

/* A translation, or the fault it raised. */
struct pt_sim_arm_xlat {
	enum pt_sim_arm_fault fault;
	unsigned level;          /* Arm lookup level of the fault or of the leaf */
	uint8_t fsc;             /* DFSC/IFSC: fault << 2 | level (0x30 for a conflict) */
	pt_paddr_t pa;
	unsigned attr_index;     /* AttrIndx of the leaf */
	uint8_t sh;              /* SH[1:0] */
	bool global;             /* nG clear */
	bool from_tlb;           /* the leaf came from the TLB */
	uint64_t desc;           /* the leaf as used (after any AF / dirty update) */
	pt_paddr_t desc_pa;
	uint64_t table_attrs;    /* APTable/XNTable/PXNTable gathered above the leaf */
};

struct pt_sim_arm_regs {
	pt_paddr_t ttbr0, ttbr1;   /* table base addresses; 0 = no table (every walk faults) */
	uint16_t asid;             /* TTBR0_EL1.ASID */
	bool ha, hd;               /* TCR_EL1.HA, HD */
	bool hpd0, hpd1;           /* TCR_EL1.HPD0/1: APTable/XNTable/PXNTable ignored */
	uint8_t ips_bits;          /* TCR_EL1.IPS as a width (32..48); 0 = 48 */
	bool wxn;                  /* SCTLR_EL1.WXN */
	bool pan;                  /* PSTATE.PAN */
};

struct pt_sim_arm_tlb_entry {
	bool valid;
	bool leaf;                 /* else a walk-cache entry (a table descriptor) */
	bool global;               /* matches every ASID */
	uint16_t asid;
	unsigned level;            /* Arm level of the descriptor */
	uint64_t va;               /* first address the entry covers */
	uint64_t size;             /* bytes it covers */
	uint64_t desc;
	pt_paddr_t desc_pa;
	uint64_t table_attrs;      /* APTable/XNTable/PXNTable gathered above it */
};

/* TLBI operations (stage 1, EL1). */
enum pt_sim_arm_tlbi {
	PT_SIM_TLBI_VAE1,     /* by VA and ASID: leaves and walk entries, global leaves too */
	PT_SIM_TLBI_VALE1,    /* by VA and ASID, last level only: walk entries kept */
	PT_SIM_TLBI_VAAE1,    /* by VA, every ASID */
	PT_SIM_TLBI_VAALE1,   /* by VA, every ASID, last level only */
	PT_SIM_TLBI_ASIDE1,   /* every non-global entry of an ASID */
	PT_SIM_TLBI_VMALLE1,  /* everything */
};

struct pt_sim_arm_tlbi_op {
	enum pt_sim_arm_tlbi op;
	uint16_t asid;
	uint64_t va;       /* by-VA forms: [va, va + len) (len 0: one page; FEAT_TLBIRANGE) */
	uint64_t len;
};

struct pt_sim_arm_pe {
	struct pt_sim_arm_regs r;
	struct pt_sim_arm_tlb_entry tlb[PT_SIM_ARM_TLB_SIZE];
	struct pt_sim_arm_tlb_entry walk[PT_SIM_ARM_WALK_SIZE];
};

/* A queued TLBI: issued by one PE, performed on @targets by that PE's DSB. */
struct pt_sim_arm_pending {
	struct pt_sim_arm_tlbi_op op;
	unsigned issuer;
	uint32_t targets;
};

struct pt_sim_arm_shadow {
	pt_paddr_t desc_pa;
	uint64_t desc;             /* the value last seen valid */
	unsigned level;
	uint64_t va, size;         /* what it translates */
	bool global;               /* kernel range or an nG-clear leaf: every ASID */
	uint16_t asid;
	bool broken;               /* seen invalid after desc */
	uint32_t stale;            /* broken: PEs that have not completed an invalidation */
	uint32_t epoch;            /* the scan that wrote the slot; other values: free */
};

struct pt_sim_arm_violation {
	pt_paddr_t desc_pa;
	uint64_t old_desc, new_desc;
	uint64_t va;
	bool after_break;          /* invalid in between, but the invalidation was incomplete */
};

struct pt_sim_arm {
	struct pt_sim_ram *ram;
	unsigned nr_pes;
	unsigned cur;              /* the PE the calling thread is on */
	struct pt_sim_arm_pe pe[PT_SIM_ARM_MAX_PES];
	struct pt_sim_arm_pending queue[PT_SIM_ARM_QUEUE];
	unsigned nr_queued;
	pt_paddr_t kernel_root;    /* load_root of this root writes TTBR1 */
	struct {                   /* roots watched besides the TTBRs */
		pt_paddr_t pa;
		bool upper;
		uint16_t asid;
	} roots[PT_SIM_ARM_ROOTS];
	unsigned nr_roots;
	bool bbm_check;            /* run the detector on every walk and TLBI */
	/* Count a make after a break as clean even with no completed TLBI: for
	 * callers that flush outside this MMU's view; direct valid -> valid
	 * changes are still violations. */
	bool bbm_ignore_stale;
	/* Called before each detector scan to refresh the watched roots (NULL: none). */
	void (*roots_fn)(struct pt_sim_arm *m, void *ctx);
	void *roots_ctx;
	struct pt_sim_arm_shadow *shadow, *scan;   /* last scan's descriptors; the one being built */
	unsigned nr_shadow;
	uint32_t epoch;            /* of the last scan (m->shadow); m->scan is epoch + 1 */
	bool overflow;             /* more descriptors than PT_SIM_ARM_SHADOW / 2: checks incomplete */
	unsigned nr_violations;
	struct pt_sim_arm_violation first;
	uint64_t nr_tlbi;          /* TLBIs performed, per target PE */
};

/* @nr_pes PEs on @ram, every register zero (48-bit IPS), detector on. False: no memory. */
bool pt_sim_arm_init(struct pt_sim_arm *m, struct pt_sim_ram *ram, unsigned nr_pes);
void pt_sim_arm_destroy(struct pt_sim_arm *m);

/*
 * Translate @va for @access on PE @pe at EL0 (@el0) or EL1, through its TLB
 * (filling it) and walking the tables in RAM. With HA/HD the walk sets AF
 * and clears AP[2] of a DBM leaf on a write by compare-and-swap.
 */
struct pt_sim_arm_xlat pt_sim_arm_translate(struct pt_sim_arm *m, unsigned pe, uint64_t va,
				      enum pt_sim_arm_access access, bool el0);
/* The same walk from RAM alone: no TLB, no update, no detector (oracles). */
struct pt_sim_arm_xlat pt_sim_arm_walk(struct pt_sim_arm *m, const struct pt_sim_arm_regs *r, uint64_t va,
				 enum pt_sim_arm_access access, bool el0, bool update);

/* Issue a TLBI from @pe: on @pe only, or on every PE with @broadcast (…IS). */
void pt_sim_arm_tlbi(struct pt_sim_arm *m, unsigned pe, struct pt_sim_arm_tlbi_op op, bool broadcast);
/* DSB on @pe: every TLBI it issued is performed on all its targets. */
void pt_sim_arm_dsb(struct pt_sim_arm *m, unsigned pe);
/* Cached entries of @pe (leaves and walk entries) covering @va. */
unsigned pt_sim_arm_tlb_count(const struct pt_sim_arm *m, unsigned pe, uint64_t va, bool leaf);

/* Watch the tables under @root (a TTBR1 root if @upper) besides the PEs' TTBRs; once per root. */
void pt_sim_arm_watch_root(struct pt_sim_arm *m, pt_paddr_t root, bool upper, uint16_t asid);
/* Run the break-before-make detector now; returns violations so far. */
unsigned pt_sim_arm_bbm_check(struct pt_sim_arm *m);

/*
 * The TLB interface of a libpt platform on this MMU: flush_local is a TLBI
 * on the current PE then DSB, send and flush_broadcast the IS forms then
 * DSB (complete at once: no interrupt, so wait has nothing to wait for),
 * load_root writes TTBR1 for m->kernel_root and TTBR0 + ASID otherwise.
 */
struct pt_tlb pt_sim_arm_tlb(struct pt_sim_arm *m, struct pt_cpus *cpus);

#endif
