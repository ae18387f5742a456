/* SPDX-License-Identifier: MIT */
/*
 * The VMSAv8-64 stage 1 walk (Arm ARM D8.2-D8.4), 4 KiB granule, lookup
 * levels 0-3, and the permission model of D8.4: AP[2:1], UXN/PXN, the
 * implicit PXN of EL0-writable memory, WXN, PAN, hierarchical APTable/
 * XNTable/PXNTable (unless HPD), the Access flag (fault, or set by hardware
 * with HA) and dirty state by DBM (with HD).
 */
#include "internal.h"

#include <pt/sim/ram.h>

#define D_VALID (1ull << 0)
#define D_TABLE (1ull << 1)
#define D_ATTR(d) ((unsigned)((d) >> 2) & 7)
#define D_AP1 (1ull << 6)
#define D_AP2 (1ull << 7)
#define D_SH(d) ((uint8_t)(((d) >> 8) & 3))
#define D_AF (1ull << 10)
#define D_NG (1ull << 11)
#define D_DBM (1ull << 51)
#define D_PXN (1ull << 53)
#define D_UXN (1ull << 54)
#define T_PXN (1ull << 59)
#define T_UXN (1ull << 60)
#define T_AP0 (1ull << 61)   /* APTable[0]: no EL0 access below */
#define T_AP1 (1ull << 62)   /* APTable[1]: no write below */
#define T_ATTRS PT_SIM_ARM_T_ATTRS
#define OA_BITS PT_SIM_ARM_OA_BITS   /* OA[47:12] (4 KiB granule, no LPA2) */

static struct pt_sim_arm_xlat fault(enum pt_sim_arm_fault f, unsigned level)
{
	struct pt_sim_arm_xlat x = { 0 };
	x.fault = f;
	x.level = level;
	x.fsc = (uint8_t)(f << 2 | level);
	return x;
}

/* VA[63:48] all zero selects TTBR0, all one TTBR1; anything else faults at level 0. */
static int select_range(uint64_t va)
{
	uint64_t top = va >> 48;
	return top == 0 ? 0 : top == 0xffff ? 1 : -1;
}

static unsigned ips(const struct pt_sim_arm_regs *r)
{
	return r->ips_bits ? r->ips_bits : 48;
}

struct perm {
	bool read, write, exec;
	bool dirty_update;         /* the write is allowed only by clearing AP[2] (DBM) */
};

/* D8.4: what @desc allows at EL0 or EL1 after the table attributes @t. */
static struct perm permissions(const struct pt_sim_arm_regs *r, uint64_t desc, uint64_t t, bool el0)
{
	bool ap1 = (desc & D_AP1) && !(t & T_AP0);
	bool ap2 = (desc & D_AP2) || (t & T_AP1);
	/* DBM with HD: a read-only-by-AP[2] leaf is writable, written dirty. */
	bool dbm_rw = r->hd && (desc & D_DBM) && (desc & D_AP2) && !(t & T_AP1);
	bool w_ap = !ap2 || dbm_rw;
	struct perm p = { 0 };
	if (el0) {
		p.read = ap1;
		p.write = ap1 && w_ap;
		p.exec = !(desc & D_UXN) && !(t & T_UXN) && !(r->wxn && p.write);
	} else {
		p.read = true;
		p.write = w_ap;
		/* EL0-writable memory is never executable at EL1 (R_QSFNZ). */
		bool el0_write = ap1 && w_ap;
		p.exec = !(desc & D_PXN) && !(t & T_PXN) && !el0_write && !(r->wxn && p.write);
		/* PAN: EL1 data accesses to EL0-accessible memory fault. */
		if (r->pan && ap1)
			p.read = p.write = false;
	}
	p.dirty_update = p.write && ap2 && dbm_rw;
	return p;
}

static bool allowed(struct perm p, enum pt_sim_arm_access a)
{
	return a == PT_SIM_ARM_READ ? p.read : a == PT_SIM_ARM_WRITE ? p.write : p.exec;
}

/* AF and dirty state by hardware: compare-and-swap; false if the descriptor changed. */
static bool hw_update(struct pt_sim_arm *m, pt_paddr_t pa, uint64_t *desc, uint64_t set, uint64_t clear)
{
	uint64_t want = (*desc | set) & ~clear;
	if (want == *desc)
		return true;
	uint64_t expect = *desc;
	if (!pt_sim_ram_cmpxchg64(m->ram, pa, &expect, want))
		return false;
	*desc = want;
	return true;
}

/* Check the leaf @desc at @level for @access; update AF/dirty if allowed. */
static struct pt_sim_arm_xlat leaf(struct pt_sim_arm *m, const struct pt_sim_arm_regs *r, uint64_t va,
				unsigned level, uint64_t desc, pt_paddr_t desc_pa, uint64_t t,
				enum pt_sim_arm_access access, bool el0, bool update, bool *retry)
{
	uint64_t size = pt_sim_arm_span(level);
	pt_paddr_t oa = desc & OA_BITS & ~(size - 1);
	if (oa >> ips(r))
		return fault(PT_SIM_ARM_ADDR_SIZE, level);
	if (!(desc & D_AF)) {
		if (!r->ha)
			return fault(PT_SIM_ARM_ACCESS_FLAG, level);
		if (update && !hw_update(m, desc_pa, &desc, D_AF, 0)) {
			*retry = true;
			return fault(PT_SIM_ARM_TRANSLATION, level);
		}
		desc |= D_AF;
	}
	struct perm p = permissions(r, desc, t, el0);
	if (!allowed(p, access)) {
		struct pt_sim_arm_xlat x = fault(PT_SIM_ARM_PERMISSION, level);
		x.desc = desc;
		x.desc_pa = desc_pa;
		x.table_attrs = t;
		return x;
	}
	if (access == PT_SIM_ARM_WRITE && p.dirty_update) {
		if (update && !hw_update(m, desc_pa, &desc, 0, D_AP2)) {
			*retry = true;
			return fault(PT_SIM_ARM_TRANSLATION, level);
		}
		desc &= ~D_AP2;
	}
	struct pt_sim_arm_xlat x = { 0 };
	x.fault = PT_SIM_ARM_OK;
	x.level = level;
	x.pa = oa | (va & (size - 1));
	x.attr_index = D_ATTR(desc);
	x.sh = D_SH(desc);
	x.global = !(desc & D_NG) && select_range(va) >= 0;
	x.desc = desc;
	x.desc_pa = desc_pa;
	x.table_attrs = t;
	return x;
}

struct pt_sim_arm_xlat pt_sim_arm_walk_from(struct pt_sim_arm *m, const struct pt_sim_arm_regs *r, uint64_t va,
				      struct pt_sim_arm_walk_state s, enum pt_sim_arm_access access,
				      bool el0, bool update, pt_sim_arm_walk_fn fn, void *ctx)
{
	bool hpd = select_range(va) ? r->hpd1 : r->hpd0;
	for (int tries = 0; tries < 16; tries++) {
		struct pt_sim_arm_walk_state w = s;
		for (;;) {
			unsigned idx = (unsigned)(va >> (12 + 9 * (3 - w.level))) & 511;
			pt_paddr_t desc_pa = w.table + 8ull * idx;
			uint64_t desc = pt_sim_ram_load64(m->ram, desc_pa);
			if (!(desc & D_VALID))
				return fault(PT_SIM_ARM_TRANSLATION, w.level);
			bool bit1 = desc & D_TABLE;
			if (w.level < 3 && bit1) {
				pt_paddr_t next = desc & OA_BITS;
				if (next >> ips(r))
					return fault(PT_SIM_ARM_ADDR_SIZE, w.level);
				if (fn)
					fn(ctx, w.level, va, desc, desc_pa, w.t);
				if (!hpd)
					w.t |= desc & T_ATTRS;
				w.table = next;
				w.level++;
				continue;
			}
			/* A block at level 0 (4 KiB granule) or 0b01 at level 3 is invalid. */
			if (w.level == 0 || (w.level == 3 && !bit1))
				return fault(PT_SIM_ARM_TRANSLATION, w.level);
			bool retry = false;
			struct pt_sim_arm_xlat x = leaf(m, r, va, w.level, desc, desc_pa, w.t, access, el0,
						     update, &retry);
			if (!retry)
				return x;
			break;
		}
	}
	return fault(PT_SIM_ARM_TRANSLATION, s.level);
}

struct pt_sim_arm_xlat pt_sim_arm_walk(struct pt_sim_arm *m, const struct pt_sim_arm_regs *r, uint64_t va,
				 enum pt_sim_arm_access access, bool el0, bool update)
{
	int sel = select_range(va);
	if (sel < 0)
		return fault(PT_SIM_ARM_TRANSLATION, 0);
	pt_paddr_t root = sel ? r->ttbr1 : r->ttbr0;
	if (!root)
		return fault(PT_SIM_ARM_TRANSLATION, 0);
	if (root >> ips(r))
		return fault(PT_SIM_ARM_ADDR_SIZE, 0);
	struct pt_sim_arm_walk_state s = { root, 0, 0 };
	return pt_sim_arm_walk_from(m, r, va, s, access, el0, update, NULL, NULL);
}

struct pt_sim_arm_xlat pt_sim_arm_check_cached(const struct pt_sim_arm_regs *r, uint64_t va, unsigned level,
					 uint64_t desc, uint64_t t, enum pt_sim_arm_access access,
					 bool el0, bool *needs_update)
{
	struct perm p = permissions(r, desc, t, el0);
	*needs_update = false;
	if (!allowed(p, access))
		return fault(PT_SIM_ARM_PERMISSION, level);
	if (access == PT_SIM_ARM_WRITE && p.dirty_update) {
		/* The descriptor in memory must be updated atomically: walk again. */
		*needs_update = true;
		return fault(PT_SIM_ARM_PERMISSION, level);
	}
	uint64_t size = pt_sim_arm_span(level);
	struct pt_sim_arm_xlat x = { 0 };
	x.fault = PT_SIM_ARM_OK;
	x.level = level;
	x.pa = (desc & OA_BITS & ~(size - 1)) | (va & (size - 1));
	x.attr_index = D_ATTR(desc);
	x.sh = D_SH(desc);
	x.global = !(desc & D_NG);
	x.desc = desc;
	x.from_tlb = true;
	return x;
}
