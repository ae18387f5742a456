/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V walk, step by step as the privileged specification's "Virtual
 * Address Translation Process" numbers it (PAGESIZE 4096, PTESIZE 8).
 */
#include <pt/sim/riscv_walk.h>

#include <pt/sim/ram.h>

#define PTE_RESERVED (0x7full << 54)   /* bits 60:54 */
#define PTE_PBMT_MASK (3ull << PT_SIM_RV_PTE_PBMT_SHIFT)
#define PTE_PBMT_RESERVED 3
#define PTE_NONLEAF_RESERVED (PT_SIM_RV_PTE_D | PT_SIM_RV_PTE_A | PT_SIM_RV_PTE_U | PTE_PBMT_MASK)
#define PPN_BITS 44
#define VPN_BITS 9
#define PAGE_SHIFT 12

enum leaf_result { LEAF_OK, LEAF_FAULT, LEAF_RETRY };

static enum pt_sim_rv_exc page_fault(enum pt_sim_rv_access access)
{
	if (access == PT_SIM_RV_FETCH)
		return PT_SIM_RV_FETCH_PAGE_FAULT;
	return access == PT_SIM_RV_STORE ? PT_SIM_RV_STORE_PAGE_FAULT : PT_SIM_RV_LOAD_PAGE_FAULT;
}

/* Bits 63:va_bits must all equal bit va_bits-1. */
static bool canonical(unsigned levels, uint64_t va)
{
	unsigned va_bits = PAGE_SHIFT + VPN_BITS * levels;
	uint64_t top = va >> (va_bits - 1);
	return top == 0 || top == UINT64_MAX >> (va_bits - 1);
}

static unsigned vpn(uint64_t va, unsigned i)
{
	return (unsigned)(va >> (PAGE_SHIFT + VPN_BITS * i)) & ((1u << VPN_BITS) - 1);
}

static uint64_t ppn(uint64_t pte)
{
	return (pte >> PT_SIM_RV_PTE_PPN_SHIFT) & ((1ull << PPN_BITS) - 1);
}

static unsigned pbmt(uint64_t pte)
{
	return (unsigned)((pte & PTE_PBMT_MASK) >> PT_SIM_RV_PTE_PBMT_SHIFT);
}

static bool is_leaf(uint64_t pte)
{
	return pte & (PT_SIM_RV_PTE_R | PT_SIM_RV_PTE_X);
}

/* Step 3: V clear, W without R, or any reserved bit or encoding. */
static bool invalid(uint64_t pte)
{
	if (!(pte & PT_SIM_RV_PTE_V))
		return true;
	if ((pte & PT_SIM_RV_PTE_W) && !(pte & PT_SIM_RV_PTE_R))
		return true;
	if (pte & (PTE_RESERVED | PT_SIM_RV_PTE_N))
		return true;
	if (pbmt(pte) == PTE_PBMT_RESERVED)
		return true;
	return !is_leaf(pte) && (pte & PTE_NONLEAF_RESERVED);
}

/* Step 5: R/W/X and U against the privilege mode, SUM and MXR. */
static bool permitted(uint64_t pte, enum pt_sim_rv_access access, bool user_mode, bool sum,
		      bool mxr)
{
	bool u_page = pte & PT_SIM_RV_PTE_U;
	if (user_mode && !u_page)
		return false;
	if (!user_mode && u_page && (access == PT_SIM_RV_FETCH || !sum))
		return false;
	if (access == PT_SIM_RV_FETCH)
		return pte & PT_SIM_RV_PTE_X;
	if (access == PT_SIM_RV_STORE)
		return pte & PT_SIM_RV_PTE_W;
	return (pte & PT_SIM_RV_PTE_R) || (mxr && (pte & PT_SIM_RV_PTE_X));
}

/* Step 6: a superpage's PPN[i-1:0] must be zero. */
static bool misaligned(uint64_t pte, unsigned i)
{
	return ppn(pte) & ((1ull << (VPN_BITS * i)) - 1);
}

/* Step 7: A, and D for a store, must be set; Svadu sets them if the entry is unchanged. */
static enum leaf_result update_ad(struct pt_sim_ram *ram, pt_paddr_t addr, uint64_t *pte,
				  enum pt_sim_rv_access access, enum pt_sim_rv_ad ad)
{
	uint64_t want = *pte | PT_SIM_RV_PTE_A | (access == PT_SIM_RV_STORE ? PT_SIM_RV_PTE_D : 0);
	if (want == *pte)
		return LEAF_OK;
	if (ad == PT_SIM_RV_AD_AS_SET)
		return LEAF_OK;
	if (ad == PT_SIM_RV_SVADE)
		return LEAF_FAULT;
	if (!pt_sim_ram_cmpxchg64(ram, addr, pte, want))
		return LEAF_RETRY;
	*pte = want;
	return LEAF_OK;
}

static enum leaf_result check_leaf(struct pt_sim_ram *ram, pt_paddr_t addr, uint64_t *pte,
				   unsigned i, enum pt_sim_rv_access access, bool user_mode,
				   bool sum, bool mxr, enum pt_sim_rv_ad ad)
{
	if (!permitted(*pte, access, user_mode, sum, mxr))
		return LEAF_FAULT;
	if (misaligned(*pte, i))
		return LEAF_FAULT;
	return update_ad(ram, addr, pte, access, ad);
}

/* Step 8: PPN[LEVELS-1:i] from the leaf, the rest of the address from @va. */
static void fill_xlat(struct pt_sim_rv_xlat *out, uint64_t pte, pt_paddr_t addr, unsigned i,
		      uint64_t va, bool global)
{
	uint64_t low = (1ull << (PAGE_SHIFT + VPN_BITS * i)) - 1;
	if (!out)
		return;
	out->pa = ((ppn(pte) << PAGE_SHIFT) & ~low) | (va & low);
	out->level = i;
	out->pte = pte;
	out->pte_addr = addr;
	out->pbmt = (enum pt_sim_rv_pbmt)pbmt(pte);
	out->global = global || (pte & PT_SIM_RV_PTE_G);
}

enum pt_sim_rv_exc pt_sim_rv_walk_at(struct pt_sim_ram *ram, unsigned levels, pt_paddr_t table,
			       unsigned level, bool global, uint64_t va, enum pt_sim_rv_access access,
			       bool user_mode, bool sum, bool mxr, enum pt_sim_rv_ad ad,
			       struct pt_sim_rv_xlat *out)
{
	enum pt_sim_rv_exc fault = page_fault(access);
	if ((levels != 3 && levels != 4) || level >= levels || !canonical(levels, va))
		return fault;
	pt_paddr_t a = table;
	unsigned i = level;
	uint64_t ptr[4] = { 0 };
	for (;;) {
		pt_paddr_t addr = a + vpn(va, i) * 8;
		uint64_t pte = pt_sim_ram_load64(ram, addr);
		if (invalid(pte))
			return fault;
		if (!is_leaf(pte)) {
			if (i == 0)
				return fault;
			ptr[i] = pte;
			i--;
			a = ppn(pte) << PAGE_SHIFT;
			global = global || (pte & PT_SIM_RV_PTE_G);
			continue;
		}
		enum leaf_result r = check_leaf(ram, addr, &pte, i, access, user_mode, sum, mxr,
						ad);
		if (r == LEAF_FAULT)
			return fault;
		if (r == LEAF_OK) {
			fill_xlat(out, pte, addr, i, va, global);
			if (out)
				for (unsigned k = 0; k < 4; k++)
					out->ptr[k] = ptr[k];
			return PT_SIM_RV_OK;
		}
	}
}

enum pt_sim_rv_exc pt_sim_rv_walk(struct pt_sim_ram *ram, unsigned levels, pt_paddr_t root, uint64_t va,
			    enum pt_sim_rv_access access, bool user_mode, bool sum, bool mxr,
			    enum pt_sim_rv_ad ad, struct pt_sim_rv_xlat *out)
{
	return pt_sim_rv_walk_at(ram, levels, root, levels - 1, false, va, access, user_mode, sum, mxr,
			      ad, out);
}
