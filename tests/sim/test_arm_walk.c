/* SPDX-License-Identifier: MIT */
/*
 * The simulated Arm MMU (sim/arm/) against descriptors written here bit by
 * bit from the Arm ARM (VMSAv8-64 stage 1, 4 KiB granule): the walk and its
 * fault status codes, permissions, AF and DBM, hierarchical attributes, the
 * TLB and its invalidations, and the break-before-make detector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include <pt/sim/arm_mmu.h>
#include "harness.h"

/* Descriptor bits, as the Arm ARM numbers them. */
#define VALID (1ull << 0)
#define TBL (1ull << 1)            /* table (levels 0-2) or page (level 3) */
#define ATTR(i) ((uint64_t)(i) << 2)
#define AP1 (1ull << 6)            /* EL0 access */
#define AP2 (1ull << 7)            /* read-only */
#define SH_IS (3ull << 8)
#define AF (1ull << 10)
#define NG (1ull << 11)
#define DBM (1ull << 51)
#define PXN (1ull << 53)
#define UXN (1ull << 54)
#define PXN_TABLE (1ull << 59)
#define UXN_TABLE (1ull << 60)
#define AP_TABLE0 (1ull << 61)
#define AP_TABLE1 (1ull << 62)
#define PAGE (VALID | TBL | AF | SH_IS)
#define BLOCK (VALID | AF | SH_IS)

#define R PT_SIM_ARM_READ
#define W PT_SIM_ARM_WRITE
#define X PT_SIM_ARM_FETCH

#define LO_VA 0x0000123456789000ull
#define HI_VA 0xffff812345678000ull

struct rig {
	struct pt_sim_ram *ram;
	struct pt_sim_arm m;
};

static pt_paddr_t table(struct rig *r)
{
	pt_paddr_t pa;
	assert_int_equal(pt_sim_ram_alloc(r->ram, PT_FRAME_TABLE, &pa), PT_OK);
	return pa;
}

static int setup(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	r->ram = pt_sim_ram_create(64 * MiB);
	assert_true(pt_sim_arm_init(&r->m, r->ram, 2));
	r->m.pe[0].r.ttbr0 = r->m.pe[1].r.ttbr0 = table(r);
	r->m.pe[0].r.ttbr1 = r->m.pe[1].r.ttbr1 = table(r);
	r->m.pe[0].r.asid = r->m.pe[1].r.asid = 1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	pt_sim_arm_destroy(&r->m);
	pt_sim_ram_destroy(r->ram);
	free(r);
	return 0;
}

static unsigned idx(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (12 + 9 * (3 - level))) & 511;
}

/* Where @va's descriptor at Arm @level is, adding table descriptors (@tattrs) above it. */
static pt_paddr_t slot_t(struct rig *r, uint64_t va, unsigned level, uint64_t tattrs)
{
	pt_paddr_t t = va >> 63 ? r->m.pe[0].r.ttbr1 : r->m.pe[0].r.ttbr0;
	for (unsigned l = 0; l < level; l++) {
		pt_paddr_t e = t + 8ull * idx(va, l);
		if (!pt_sim_ram_load64(r->ram, e))
			pt_sim_ram_store64(r->ram, e, table(r) | VALID | TBL | tattrs);
		t = pt_sim_ram_load64(r->ram, e) & 0x0000fffffffff000ull;
	}
	return t + 8ull * idx(va, level);
}

static pt_paddr_t slot(struct rig *r, uint64_t va, unsigned level)
{
	return slot_t(r, va, level, 0);
}

static pt_paddr_t set(struct rig *r, uint64_t va, unsigned level, uint64_t desc)
{
	pt_paddr_t e = slot(r, va, level);
	pt_sim_ram_store64(r->ram, e, desc);
	return e;
}

static struct pt_sim_arm_xlat walk(struct rig *r, uint64_t va, enum pt_sim_arm_access a, bool el0)
{
	return pt_sim_arm_walk(&r->m, &r->m.pe[0].r, va, a, el0, true);
}

static void expect_fault(struct rig *r, uint64_t va, enum pt_sim_arm_access a, bool el0,
			 enum pt_sim_arm_fault f, unsigned level)
{
	struct pt_sim_arm_xlat x = walk(r, va, a, el0);
	assert_int_equal(x.fault, f);
	assert_int_equal(x.level, level);
	assert_int_equal(x.fsc, f << 2 | level);
}

static void expect_pa(struct rig *r, uint64_t va, enum pt_sim_arm_access a, bool el0, pt_paddr_t pa)
{
	struct pt_sim_arm_xlat x = walk(r, va, a, el0);
	assert_int_equal(x.fault, PT_SIM_ARM_OK);
	assert_int_equal(x.pa, pa);
}

/* Which of R, W, X succeed at @el0 for @va, as a bit mask. */
static unsigned rights(struct rig *r, uint64_t va, bool el0)
{
	unsigned m = 0;
	for (int a = R; a <= X; a++) {
		struct pt_sim_arm_xlat x = pt_sim_arm_walk(&r->m, &r->m.pe[0].r, va, a, el0, false);
		if (x.fault == PT_SIM_ARM_OK)
			m |= 1u << a;
		else
			assert_int_equal(x.fsc, 0x0f);   /* permission fault, level 3 */
	}
	return m;
}
#define RW_ ((1u << R) | (1u << W))
#define RO_ (1u << R)
#define RX_ ((1u << R) | (1u << X))
#define RWX_ (RW_ | (1u << X))

/* VA[63:48] picks TTBR0 or TTBR1; anything else is a level 0 translation fault. */
static void ranges_and_levels(void **state)
{
	struct rig *r = *state;
	set(r, LO_VA, 3, 0x80000000ull | PAGE);
	set(r, HI_VA, 3, 0x80001000ull | PAGE);
	expect_pa(r, LO_VA + 0x123, R, false, 0x80000123ull);
	expect_pa(r, HI_VA + 0x456, R, false, 0x80001456ull);
	expect_fault(r, LO_VA | 1ull << 48, R, false, PT_SIM_ARM_TRANSLATION, 0);
	expect_fault(r, HI_VA & ~(1ull << 60), R, false, PT_SIM_ARM_TRANSLATION, 0);
	/* An invalid descriptor at each level: FSC 0b0001LL. */
	for (unsigned l = 0; l < 4; l++) {
		uint64_t va = 0x0000400000000000ull + (1ull << (12 + 9 * (3 - l))) * 3;
		pt_paddr_t e = slot(r, va, l);
		pt_sim_ram_store64(r->ram, e, 0x80000000ull | AF);   /* bit 0 clear */
		expect_fault(r, va, R, false, PT_SIM_ARM_TRANSLATION, l);
		pt_sim_ram_store64(r->ram, e, 0);
	}
}

/* Blocks at levels 1 and 2; a block at level 0 and 0b01 at level 3 are invalid. */
static void blocks(void **state)
{
	struct rig *r = *state;
	set(r, 0x40000000ull, 1, 0xc0000000ull | BLOCK);
	expect_pa(r, 0x40000000ull + 0x1234567, R, false, 0xc1234567ull);
	set(r, 0x80200000ull, 2, 0x00400000ull | BLOCK);
	expect_pa(r, 0x80200000ull + 0x12345, R, false, 0x00412345ull);
	struct pt_sim_arm_xlat x = walk(r, 0x80200000ull, R, false);
	assert_int_equal(x.level, 2);
	pt_sim_ram_store64(r->ram, r->m.pe[0].r.ttbr0 + 8 * 5, 0x8000000000ull | BLOCK);
	expect_fault(r, 5ull << 39, R, false, PT_SIM_ARM_TRANSLATION, 0);
	set(r, 0x90000000ull, 3, 0x5000ull | BLOCK);   /* 0b01 at level 3 */
	expect_fault(r, 0x90000000ull, R, false, PT_SIM_ARM_TRANSLATION, 3);
}

/* AP[2:1]: 00 EL1 RW, 01 EL1/EL0 RW, 10 EL1 RO, 11 EL1/EL0 RO (all with UXN and PXN). */
static void access_permissions(void **state)
{
	struct rig *r = *state;
	static const struct {
		uint64_t ap;
		unsigned el1, el0;
	} rows[] = {
		{ 0, RW_, 0 }, { AP1, RW_, RW_ }, { AP2, RO_, 0 }, { AP1 | AP2, RO_, RO_ },
	};
	for (unsigned i = 0; i < 4; i++) {
		uint64_t va = 0x10000000ull + 0x1000ull * i;
		set(r, va, 3, 0x200000ull | PAGE | UXN | PXN | rows[i].ap);
		assert_int_equal(rights(r, va, false), rows[i].el1);
		assert_int_equal(rights(r, va, true), rows[i].el0);
	}
	/* AP[1] = 0 without UXN is execute-only at EL0: why kernel leaves must be UXN. */
	set(r, 0x10008000ull, 3, 0x200000ull | PAGE | PXN);
	assert_int_equal(rights(r, 0x10008000ull, true), 1u << X);
}

/* UXN/PXN; EL0-writable memory is PXN implicitly; WXN makes writable memory XN. */
static void execute_never(void **state)
{
	struct rig *r = *state;
	uint64_t va = 0x20000000ull;
	set(r, va, 3, 0x200000ull | PAGE | AP1 | AP2 | PXN);          /* EL0 RX, EL1 R */
	assert_int_equal(rights(r, va, true), RX_);
	assert_int_equal(rights(r, va, false), RO_);
	set(r, va + 0x1000, 3, 0x200000ull | PAGE | UXN);             /* EL1 RWX */
	assert_int_equal(rights(r, va + 0x1000, false), RWX_);
	assert_int_equal(rights(r, va + 0x1000, true), 0);
	set(r, va + 0x2000, 3, 0x200000ull | PAGE | AP1);             /* EL0 RW, no XN bits */
	assert_int_equal(rights(r, va + 0x2000, false), RW_);        /* implicit PXN */
	assert_int_equal(rights(r, va + 0x2000, true), RWX_);
	r->m.pe[0].r.wxn = true;
	assert_int_equal(rights(r, va + 0x1000, false), RW_);
	assert_int_equal(rights(r, va + 0x2000, true), RW_);
	assert_int_equal(rights(r, va, true), RX_);                   /* read-only: unaffected */
	r->m.pe[0].r.wxn = false;
}

/* PAN: EL1 data accesses to EL0-accessible memory fault; fetches are not data accesses. */
static void privileged_access_never(void **state)
{
	struct rig *r = *state;
	uint64_t va = 0x30000000ull;
	set(r, va, 3, 0x200000ull | PAGE | AP1 | UXN);
	set(r, va + 0x1000, 3, 0x200000ull | PAGE | UXN);
	r->m.pe[0].r.pan = true;
	assert_int_equal(rights(r, va, false), 0);
	assert_int_equal(rights(r, va + 0x1000, false), RWX_);
	assert_int_equal(rights(r, va, true), RW_);
	set(r, va + 0x2000, 3, 0x200000ull | PAGE | AP1 | AP2 | UXN);   /* EL0 RO: EL1 fetch allowed */
	assert_int_equal(rights(r, va + 0x2000, false), 1u << X);
	r->m.pe[0].r.pan = false;
}

/* AF clear: an Access flag fault (FSC 0b0010LL), or with HA set by hardware. */
static void access_flag(void **state)
{
	struct rig *r = *state;
	pt_paddr_t e = set(r, 0x40000000ull, 3, (0x300000ull | PAGE) & ~AF);
	pt_paddr_t b = set(r, 0x40200000ull, 2, (0x400000ull | BLOCK) & ~AF);
	expect_fault(r, 0x40000000ull, R, false, PT_SIM_ARM_ACCESS_FLAG, 3);
	expect_fault(r, 0x40200000ull, W, false, PT_SIM_ARM_ACCESS_FLAG, 2);
	assert_int_equal(pt_sim_ram_load64(r->ram, e) & AF, 0);
	r->m.pe[0].r.ha = true;
	expect_pa(r, 0x40000000ull, R, false, 0x300000ull);
	assert_int_equal(pt_sim_ram_load64(r->ram, e) & AF, AF);
	expect_pa(r, 0x40200008ull, R, false, 0x400008ull);
	assert_int_equal(pt_sim_ram_load64(r->ram, b) & AF, AF);
	r->m.pe[0].r.ha = false;
}

/* DBM: AP[2] = 1 with DBM is writable-clean under HD; the write clears AP[2]. */
static void dirty_bit_modifier(void **state)
{
	struct rig *r = *state;
	uint64_t clean = 0x500000ull | PAGE | AP2 | DBM | UXN | PXN;
	pt_paddr_t e = set(r, 0x50000000ull, 3, clean);
	pt_paddr_t ro = set(r, 0x50001000ull, 3, 0x500000ull | PAGE | AP2 | UXN | PXN);
	expect_fault(r, 0x50000000ull, W, false, PT_SIM_ARM_PERMISSION, 3);   /* HD off */
	r->m.pe[0].r.ha = r->m.pe[0].r.hd = true;
	expect_pa(r, 0x50000000ull, R, false, 0x500000ull);
	assert_int_equal(pt_sim_ram_load64(r->ram, e), clean);                 /* a read leaves it clean */
	expect_pa(r, 0x50000000ull, W, false, 0x500000ull);
	assert_int_equal(pt_sim_ram_load64(r->ram, e), clean & ~AP2);          /* dirty */
	expect_fault(r, 0x50001000ull, W, false, PT_SIM_ARM_PERMISSION, 3);   /* no DBM */
	assert_int_equal(pt_sim_ram_load64(r->ram, ro) & AP2, AP2);
	/* EL0 cannot write an EL1-only page whatever DBM says. */
	pt_sim_ram_store64(r->ram, e, clean);
	expect_fault(r, 0x50000000ull, W, true, PT_SIM_ARM_PERMISSION, 3);
	assert_int_equal(pt_sim_ram_load64(r->ram, e), clean);
	r->m.pe[0].r.ha = r->m.pe[0].r.hd = false;
}

/* APTable, UXNTable, PXNTable restrict everything below; HPD turns them off. */
static void hierarchical_attributes(void **state)
{
	struct rig *r = *state;
	uint64_t leaf = 0x600000ull | PAGE | AP1;   /* EL0 RWX, EL1 RW */
	uint64_t va = 0x0000010000000000ull;
	pt_sim_ram_store64(r->ram, slot_t(r, va, 3, AP_TABLE0), leaf);
	assert_int_equal(rights(r, va, true), 1u << X);   /* execute-only at EL0 */
	assert_int_equal(rights(r, va, false), RWX_);   /* AP[1] masked: no longer EL0-writable */
	va = 0x0000020000000000ull;
	pt_sim_ram_store64(r->ram, slot_t(r, va, 3, AP_TABLE1), leaf | DBM);
	r->m.pe[0].r.hd = r->m.pe[0].r.ha = true;
	assert_int_equal(rights(r, va, true), RX_);     /* DBM cannot undo APTable[1] */
	r->m.pe[0].r.hd = r->m.pe[0].r.ha = false;
	va = 0x0000030000000000ull;
	pt_sim_ram_store64(r->ram, slot_t(r, va, 3, UXN_TABLE), leaf);
	assert_int_equal(rights(r, va, true), RW_);
	va = 0x0000040000000000ull;
	pt_sim_ram_store64(r->ram, slot_t(r, va, 3, PXN_TABLE), 0x600000ull | PAGE | UXN);
	assert_int_equal(rights(r, va, false), RW_);
	r->m.pe[0].r.hpd0 = true;
	assert_int_equal(rights(r, va, false), RWX_);
	assert_int_equal(rights(r, 0x0000010000000000ull, true), RWX_);
	r->m.pe[0].r.hpd0 = false;
}

/* Output or table addresses beyond TCR_EL1.IPS: Address size faults (FSC 0b0000LL). */
static void address_size(void **state)
{
	struct rig *r = *state;
	set(r, 0x70000000ull, 3, 0x0000ff0000000000ull | PAGE);
	expect_pa(r, 0x70000000ull, R, false, 0x0000ff0000000000ull);
	r->m.pe[0].r.ips_bits = 40;
	expect_fault(r, 0x70000000ull, R, false, PT_SIM_ARM_ADDR_SIZE, 3);
	pt_sim_ram_store64(r->ram, r->m.pe[0].r.ttbr0 + 8 * 7, 0x0000010000000000ull | VALID | TBL);
	expect_fault(r, 7ull << 39, R, false, PT_SIM_ARM_ADDR_SIZE, 0);
	r->m.pe[0].r.ips_bits = 0;
}

static struct pt_sim_arm_xlat tr(struct rig *r, unsigned pe, uint64_t va, enum pt_sim_arm_access a)
{
	return pt_sim_arm_translate(&r->m, pe, va, a, false);
}

static void tlbi(struct rig *r, enum pt_sim_arm_tlbi op, uint16_t asid, uint64_t va, bool is)
{
	struct pt_sim_arm_tlbi_op o = { op, asid, va, 0 };
	pt_sim_arm_tlbi(&r->m, 0, o, is);
	pt_sim_arm_dsb(&r->m, 0);
}

/* The TLB keeps a translation after memory changes; nG entries are per ASID. */
static void tlb_keeps_and_asids(void **state)
{
	struct rig *r = *state;
	r->m.bbm_check = false;
	uint64_t va = 0x11000000ull;
	pt_paddr_t e = set(r, va, 3, 0x100000ull | PAGE | NG);
	pt_paddr_t g = set(r, va + 0x1000, 3, 0x200000ull | PAGE);
	assert_int_equal(tr(r, 0, va, R).pa, 0x100000ull);
	assert_int_equal(tr(r, 0, va + 0x1000, R).pa, 0x200000ull);
	pt_sim_ram_store64(r->ram, e, 0x180000ull | PAGE | NG);
	pt_sim_ram_store64(r->ram, g, 0x280000ull | PAGE);
	assert_int_equal(tr(r, 0, va, R).pa, 0x100000ull);            /* stale, legally */
	assert_true(tr(r, 0, va, R).from_tlb);
	r->m.pe[0].r.asid = 2;
	assert_int_equal(tr(r, 0, va, R).pa, 0x180000ull);            /* another ASID walks */
	assert_int_equal(tr(r, 0, va + 0x1000, R).pa, 0x200000ull);   /* global: shared */
	r->m.pe[0].r.asid = 1;
	tlbi(r, PT_SIM_TLBI_ASIDE1, 1, 0, false);
	assert_int_equal(tr(r, 0, va, R).pa, 0x180000ull);
	assert_int_equal(tr(r, 0, va + 0x1000, R).pa, 0x200000ull);   /* ASIDE1 keeps globals */
	tlbi(r, PT_SIM_TLBI_VAE1, 1, va + 0x1000, false);
	assert_int_equal(tr(r, 0, va + 0x1000, R).pa, 0x280000ull);   /* VAE1 drops globals */
	/* A translation fault is never cached. */
	pt_paddr_t f = set(r, va + 0x2000, 3, 0);
	assert_int_equal(tr(r, 0, va + 0x2000, R).fault, PT_SIM_ARM_TRANSLATION);
	pt_sim_ram_store64(r->ram, f, 0x300000ull | PAGE);
	assert_int_equal(tr(r, 0, va + 0x2000, R).pa, 0x300000ull);
}

/* VALE1 drops the leaf but keeps walk-cache entries; VAE1 drops both. */
static void last_level_keeps_walk_cache(void **state)
{
	struct rig *r = *state;
	r->m.bbm_check = false;
	uint64_t va = 0x12000000ull;
	set(r, va, 3, 0x100000ull | PAGE | NG);
	assert_int_equal(tr(r, 0, va, R).pa, 0x100000ull);
	assert_int_equal(pt_sim_arm_tlb_count(&r->m, 0, va, false), 3);   /* levels 0-2 */
	/* Point the level 2 descriptor at another table mapping va elsewhere. */
	pt_paddr_t t2 = table(r);
	pt_sim_ram_store64(r->ram, t2 + 8ull * idx(va, 3), 0x900000ull | PAGE | NG);
	pt_sim_ram_store64(r->ram, slot(r, va, 2), t2 | VALID | TBL);
	tlbi(r, PT_SIM_TLBI_VALE1, 1, va, false);
	assert_int_equal(pt_sim_arm_tlb_count(&r->m, 0, va, true), 0);
	assert_int_equal(pt_sim_arm_tlb_count(&r->m, 0, va, false), 3);
	assert_int_equal(tr(r, 0, va, R).pa, 0x100000ull);   /* the old table, through the walk cache */
	tlbi(r, PT_SIM_TLBI_VAE1, 1, va, false);
	assert_int_equal(pt_sim_arm_tlb_count(&r->m, 0, va, false), 0);
	assert_int_equal(tr(r, 0, va, R).pa, 0x900000ull);
}

/* A block and a page cached for one address: a TLB conflict abort (FSC 0x30). */
static void tlb_conflict(void **state)
{
	struct rig *r = *state;
	r->m.bbm_check = false;
	uint64_t va = 0x13000000ull;
	pt_paddr_t l2 = slot(r, va, 2);
	set(r, va, 3, 0x100000ull | PAGE);
	assert_int_equal(tr(r, 0, va, R).pa, 0x100000ull);
	pt_sim_ram_store64(r->ram, l2, 0x400000ull | BLOCK);   /* table -> block, no break */
	/* The walk cache still leads to the old table, where va + 4K is invalid. */
	assert_int_equal(tr(r, 0, va + 0x1000, R).fsc, 0x07);
	/* Invalidating only the next page leaves the page entry of va. */
	tlbi(r, PT_SIM_TLBI_VAE1, 1, va + 0x1000, false);
	assert_int_equal(tr(r, 0, va + 0x1000, R).pa, 0x401000ull);   /* the block, now cached */
	struct pt_sim_arm_xlat x = tr(r, 0, va, R);
	assert_int_equal(x.fault, PT_SIM_ARM_TLB_CONFLICT);
	assert_int_equal(x.fsc, 0x30);
	tlbi(r, PT_SIM_TLBI_VAE1, 1, va, false);
	assert_int_equal(tr(r, 0, va, R).pa, 0x400000ull);
}

/* A broadcast TLBI is performed on every PE, but only at the issuer's DSB. */
static void broadcast_completes_at_dsb(void **state)
{
	struct rig *r = *state;
	r->m.bbm_check = false;
	uint64_t va = 0x14000000ull;
	pt_paddr_t e = set(r, va, 3, 0x100000ull | PAGE);
	assert_int_equal(tr(r, 0, va, R).pa, 0x100000ull);
	assert_int_equal(tr(r, 1, va, R).pa, 0x100000ull);
	pt_sim_ram_store64(r->ram, e, 0x200000ull | PAGE);
	struct pt_sim_arm_tlbi_op o = { PT_SIM_TLBI_VAAE1, 0, va, 0 };
	pt_sim_arm_tlbi(&r->m, 0, o, true);
	assert_int_equal(tr(r, 1, va, R).pa, 0x100000ull);   /* issued, not complete */
	pt_sim_arm_dsb(&r->m, 1);                               /* another PE's DSB: still not */
	assert_int_equal(tr(r, 1, va, R).pa, 0x100000ull);
	pt_sim_arm_dsb(&r->m, 0);
	assert_int_equal(tr(r, 1, va, R).pa, 0x200000ull);
	assert_int_equal(tr(r, 0, va, R).pa, 0x200000ull);
	/* A local TLBI reaches only its PE. */
	pt_sim_ram_store64(r->ram, e, 0x300000ull | PAGE);
	o.va = va;
	pt_sim_arm_tlbi(&r->m, 0, o, false);
	pt_sim_arm_dsb(&r->m, 0);
	assert_int_equal(tr(r, 0, va, R).pa, 0x300000ull);
	assert_int_equal(tr(r, 1, va, R).pa, 0x200000ull);
}

/* BBM vectors: each valid -> valid change, with and without a completed break. */
static void bbm_rules(void **state)
{
	struct rig *r = *state;
	struct pt_sim_arm *m = &r->m;
	uint64_t va = 0x15000000ull;
	uint64_t page = 0x100000ull | PAGE | NG;
	pt_paddr_t e = set(r, va, 3, page);
	assert_int_equal(pt_sim_arm_bbm_check(m), 0);
	/* Permissions, AF, DBM and software bits may change in place. */
	pt_sim_ram_store64(r->ram, e, (page | AP2 | DBM | UXN | (1ull << 56)) & ~AF);
	assert_int_equal(pt_sim_arm_bbm_check(m), 0);
	/* Output address, AttrIndx, SH, nG may not. */
	static const uint64_t changes[] = { 0x200000ull ^ 0x100000ull, ATTR(3), 1ull << 8, NG };
	unsigned n = 0;
	for (unsigned i = 0; i < 4; i++) {
		pt_sim_ram_store64(r->ram, e, 0);
		tlbi(r, PT_SIM_TLBI_VAE1, 1, va, true);
		pt_sim_ram_store64(r->ram, e, page);
		assert_int_equal(pt_sim_arm_bbm_check(m), n);
		pt_sim_ram_store64(r->ram, e, page ^ changes[i]);
		assert_int_equal(pt_sim_arm_bbm_check(m), ++n);
		assert_false(m->first.after_break);
	}
	/* Break, broadcast TLBI by VA, DSB, make: clean. */
	pt_sim_ram_store64(r->ram, e, 0);
	tlbi(r, PT_SIM_TLBI_VAE1, 1, va, true);
	pt_sim_ram_store64(r->ram, e, page);
	assert_int_equal(pt_sim_arm_bbm_check(m), n);
	pt_sim_ram_store64(r->ram, e, 0);
	tlbi(r, PT_SIM_TLBI_VAE1, 1, va, true);
	pt_sim_ram_store64(r->ram, e, page ^ changes[0]);
	assert_int_equal(pt_sim_arm_bbm_check(m), n);
	/* Break, TLBI issued but no DSB, make: caught. */
	pt_sim_ram_store64(r->ram, e, 0);
	struct pt_sim_arm_tlbi_op o = { PT_SIM_TLBI_VAE1, 1, va, 0 };
	pt_sim_arm_tlbi(m, 0, o, true);
	pt_sim_ram_store64(r->ram, e, page);
	assert_int_equal(pt_sim_arm_bbm_check(m), ++n);
	pt_sim_arm_dsb(m, 0);
	/* Break, a local TLBI only (PE 1 may still hold it), make: caught. */
	pt_sim_ram_store64(r->ram, e, 0);
	tlbi(r, PT_SIM_TLBI_VAE1, 1, va, false);
	pt_sim_ram_store64(r->ram, e, page ^ changes[0]);
	assert_int_equal(pt_sim_arm_bbm_check(m), ++n);
	assert_true(m->first.after_break == false);
	/* Break, a TLBI for another ASID (the leaf is nG), make: caught. */
	pt_sim_ram_store64(r->ram, e, 0);
	tlbi(r, PT_SIM_TLBI_VAE1, 7, va, true);
	pt_sim_ram_store64(r->ram, e, page);
	assert_int_equal(pt_sim_arm_bbm_check(m), ++n);
	/* Break with no TLBI, then make the same descriptor again: allowed. */
	pt_sim_ram_store64(r->ram, e, 0);
	pt_sim_arm_bbm_check(m);
	pt_sim_ram_store64(r->ram, e, page);
	assert_int_equal(pt_sim_arm_bbm_check(m), n);
}

/* Splitting a block: block -> table needs a break; VALE1 does not cover a table descriptor. */
static void bbm_block_and_table(void **state)
{
	struct rig *r = *state;
	struct pt_sim_arm *m = &r->m;
	uint64_t va = 0x16000000ull;
	pt_paddr_t l2 = set(r, va, 2, 0x400000ull | BLOCK);
	pt_sim_arm_bbm_check(m);
	/* A new table, filled before it is linked, is not a change. */
	pt_paddr_t t = table(r);
	for (unsigned i = 0; i < 512; i++)
		pt_sim_ram_store64(r->ram, t + 8 * i, (0x400000ull + 0x1000ull * i) | PAGE);
	pt_sim_ram_store64(r->ram, l2, t | VALID | TBL);      /* no break */
	assert_int_equal(pt_sim_arm_bbm_check(m), 1);
	/* Block back, properly: break, VAAE1 IS over the block, DSB, make. */
	pt_sim_ram_store64(r->ram, l2, 0);
	struct pt_sim_arm_tlbi_op o = { PT_SIM_TLBI_VAAE1, 0, va, 2 * MiB };
	pt_sim_arm_tlbi(m, 0, o, true);
	pt_sim_arm_dsb(m, 0);
	pt_sim_ram_store64(r->ram, l2, 0x400000ull | BLOCK);
	assert_int_equal(pt_sim_arm_bbm_check(m), 1);
	/* Table again the right way, then a table -> block break covered only by VALE1: caught. */
	pt_sim_ram_store64(r->ram, l2, 0);
	pt_sim_arm_tlbi(m, 0, o, true);
	pt_sim_arm_dsb(m, 0);
	pt_sim_ram_store64(r->ram, l2, t | VALID | TBL);
	assert_int_equal(pt_sim_arm_bbm_check(m), 1);
	pt_sim_ram_store64(r->ram, l2, 0);
	o.op = PT_SIM_TLBI_VAALE1;
	pt_sim_arm_tlbi(m, 0, o, true);
	pt_sim_arm_dsb(m, 0);
	pt_sim_ram_store64(r->ram, l2, 0x400000ull | BLOCK);
	assert_int_equal(pt_sim_arm_bbm_check(m), 2);
	assert_true(m->first.desc_pa == l2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ranges_and_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(access_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(execute_never, setup, teardown),
		cmocka_unit_test_setup_teardown(privileged_access_never, setup, teardown),
		cmocka_unit_test_setup_teardown(access_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(dirty_bit_modifier, setup, teardown),
		cmocka_unit_test_setup_teardown(hierarchical_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(address_size, setup, teardown),
		cmocka_unit_test_setup_teardown(tlb_keeps_and_asids, setup, teardown),
		cmocka_unit_test_setup_teardown(last_level_keeps_walk_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(tlb_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(broadcast_completes_at_dsb, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_block_and_table, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
