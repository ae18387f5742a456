/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 page walker (reference §1-§4): 4- and 5-level walks over raw
 * entries read atomically from simulated RAM, reserved-bit and permission
 * checks, protection keys, and A/D updates by compare-and-swap with restart.
 * It decodes entries itself and shares nothing with the core's codec.
 */
#include "internal.h"
#include <pt/sim/ram.h>

#define RSVD_1G_LEAF 0x3FFFE000ull      /* bits 29:13 */
#define RSVD_2M_LEAF 0x1FE000ull        /* bits 20:13 */
#define AMD_BIT8 (1ull << 8)

unsigned pt_sim_top_level(const struct pt_sim_cpu *cpu)
{
	return (cpu->r.cr4 & PT_SIM_CR4_LA57) ? 5 : 4;
}

bool pt_sim_canonical(const struct pt_sim_cpu *cpu, pt_vaddr_t va)
{
	unsigned bits = pt_sim_top_level(cpu) == 5 ? 57 : 48;
	uint64_t top = va >> (bits - 1);
	return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

pt_vaddr_t pt_sim_canonicalize(const struct pt_sim_cpu *cpu, pt_vaddr_t va)
{
	unsigned shift = pt_sim_top_level(cpu) == 5 ? 7 : 16;
	return (pt_vaddr_t)((int64_t)(va << shift) >> shift);
}

uint64_t pt_sim_rsvd_mask(const struct pt_sim_cpu *cpu, unsigned level, uint64_t e)
{
	const struct pt_sim_machine *m = cpu->m;
	uint64_t mask = m->rsvd_addr;

	if (!(cpu->r.efer & PT_SIM_EFER_NXE))
		mask |= PT_SIM_PTE_XD;
	if (level >= 4) {
		mask |= PT_SIM_PTE_PS;
		if (m->cfg.vendor == PT_SIM_AMD)
			mask |= AMD_BIT8;
	} else if (level == 3 && (e & PT_SIM_PTE_PS)) {
		mask |= m->cfg.no_1g_pages ? PT_SIM_PTE_PS : RSVD_1G_LEAF;
	} else if (level == 2 && (e & PT_SIM_PTE_PS)) {
		mask |= RSVD_2M_LEAF;
	}
	return mask;
}

bool pt_sim_is_leaf(unsigned level, uint64_t e)
{
	return level == 1 || (level <= 3 && (e & PT_SIM_PTE_PS));
}

uint8_t pt_sim_pat_memtype(const struct pt_sim_cpu *cpu, unsigned idx)
{
	return (uint8_t)((cpu->r.pat >> (8 * idx)) & 7);
}

uint8_t pt_sim_table_memtype(const struct pt_sim_cpu *cpu, uint64_t e)
{
	unsigned idx = (unsigned)(((e & PT_SIM_PTE_PCD) ? 2 : 0) | ((e & PT_SIM_PTE_PWT) ? 1 : 0));
	return pt_sim_pat_memtype(cpu, idx);
}

void pt_sim_cr3_root(const struct pt_sim_cpu *cpu, uint64_t cr3, bool pcide, pt_paddr_t *root,
		  uint8_t *mt)
{
	*root = cr3 & cpu->m->addr_mask;
	*mt = pcide ? pt_sim_pat_memtype(cpu, 0) : pt_sim_table_memtype(cpu, cr3);
}

void pt_sim_current_root(const struct pt_sim_cpu *cpu, pt_paddr_t *root, uint8_t *mt)
{
	pt_sim_cr3_root(cpu, cpu->r.cr3, cpu->r.cr4 & PT_SIM_CR4_PCIDE, root, mt);
}

uint32_t pt_sim_access_code(const struct pt_sim_cpu *cpu, enum pt_sim_access_kind kind,
			 enum pt_sim_mode mode)
{
	uint32_t ec = 0;
	if (kind == PT_SIM_WRITE)
		ec |= PT_SIM_PF_W;
	if (mode == PT_SIM_USER)
		ec |= PT_SIM_PF_U;
	if (kind == PT_SIM_FETCH &&
	    ((cpu->r.cr4 & PT_SIM_CR4_SMEP) || (cpu->r.efer & PT_SIM_EFER_NXE)))
		ec |= PT_SIM_PF_ID;
	return ec;
}

static bool pk_denies(const struct pt_sim_cpu *cpu, bool us, uint8_t pk,
		      enum pt_sim_access_kind kind, enum pt_sim_mode mode)
{
	uint64_t pkr;
	if (kind == PT_SIM_FETCH)
		return false;
	if (us && (cpu->r.cr4 & PT_SIM_CR4_PKE))
		pkr = cpu->r.pkru;
	else if (!us && (cpu->r.cr4 & PT_SIM_CR4_PKS))
		pkr = cpu->r.pkrs;
	else
		return false;
	bool ad = (pkr >> (2 * pk)) & 1;
	bool wd = (pkr >> (2 * pk + 1)) & 1;
	bool wp = cpu->r.cr0 & PT_SIM_CR0_WP;
	return ad || (kind == PT_SIM_WRITE && wd && (mode == PT_SIM_USER || wp));
}

static bool smap_blocks(const struct pt_sim_cpu *cpu, enum pt_sim_mode mode)
{
	if (!(cpu->r.cr4 & PT_SIM_CR4_SMAP))
		return false;
	if (mode == PT_SIM_IMPLICIT)
		return !(cpu->m->cfg.qemu_implicit_smap && cpu->r.cpl < 3 && cpu->r.ac);
	return !cpu->r.ac;
}

uint32_t pt_sim_perm_check(const struct pt_sim_cpu *cpu, bool rw, bool us, bool xd, uint8_t pk,
			enum pt_sim_access_kind kind, enum pt_sim_mode mode)
{
	bool nx = xd && (cpu->r.efer & PT_SIM_EFER_NXE);

	if (pk_denies(cpu, us, pk, kind, mode))
		return PT_SIM_PF_P | PT_SIM_PF_PK;
	if (mode == PT_SIM_USER) {
		if (!us || (kind == PT_SIM_WRITE && !rw) || (kind == PT_SIM_FETCH && nx))
			return PT_SIM_PF_P;
		return 0;
	}
	if (kind == PT_SIM_FETCH)
		return ((us && (cpu->r.cr4 & PT_SIM_CR4_SMEP)) || nx) ? PT_SIM_PF_P : 0;
	if (us && smap_blocks(cpu, mode))
		return PT_SIM_PF_P;
	if (kind == PT_SIM_WRITE && !rw && (cpu->r.cr0 & PT_SIM_CR0_WP))
		return PT_SIM_PF_P;
	return 0;
}

struct walk_state {
	unsigned level;
	pt_paddr_t table;
	uint8_t mt;
	bool rw, us, xd;
};

static void walk_start(struct pt_sim_cpu *cpu, const struct pt_sim_walk_in *in,
		       struct pt_sim_walk_out *out, struct walk_state *s)
{
	s->level = pt_sim_top_level(cpu);
	s->table = in->root;
	s->mt = in->root_mt;
	s->rw = s->us = true;
	s->xd = false;
	out->psc_level = 0;
	if (in->use_psc) {
		struct pt_sim_cache_node *n = pt_sim_cache_pick_psc(cpu, in->va, pt_sim_cpu_pcid_locked(cpu));
		if (n) {
			out->psc_level = n->e.level;
			s->level = n->e.level - 1u;
			s->table = n->e.pa;
			s->mt = n->e.memtype;
			s->rw = n->e.rw;
			s->us = n->e.us;
			s->xd = n->e.xd;
			cpu->cnt.psc_hits++;
		}
	}
	out->top = s->level;
}

static unsigned va_index(pt_vaddr_t va, unsigned level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
}

/* Read and check the entry of @s->level; PT_SIM_WALK_OK with *e on success. */
static enum pt_sim_walk_rc read_entry(struct pt_sim_cpu *cpu, const struct pt_sim_walk_in *in,
				   struct pt_sim_walk_out *out, struct walk_state *s, uint64_t *e)
{
	struct pt_sim_machine *m = cpu->m;
	unsigned l = s->level;
	pt_paddr_t pa = s->table + 8ull * va_index(in->va, l);

	*e = pt_sim_ram_load64(m->ram, pa);
	if (m->hook && in->update_ad)
		m->hook(m->hook_arg, cpu, l, pa, *e);
	out->entry_pa[l] = pa;
	out->entry_val[l] = *e;
	out->table_mt[l] = s->mt;
	if (!(*e & PT_SIM_PTE_P)) {
		out->error_code = 0;
		return PT_SIM_WALK_FAULT;
	}
	if (*e & pt_sim_rsvd_mask(cpu, l, *e)) {
		out->error_code = PT_SIM_PF_P | PT_SIM_PF_RSVD;
		return PT_SIM_WALK_FAULT;
	}
	return PT_SIM_WALK_OK;
}

/* Set bits @set in the entry at level @l by CAS against the value read. */
static bool set_bits(struct pt_sim_cpu *cpu, struct pt_sim_walk_out *out, unsigned l, uint64_t set)
{
	uint64_t old = out->entry_val[l];
	if ((old & set) == set)
		return true;
	if (!pt_sim_ram_cmpxchg64(cpu->m->ram, out->entry_pa[l], &old, old | set))
		return false;
	out->entry_val[l] |= set;
	return true;
}

uint8_t pt_sim_leaf_memtype(const struct pt_sim_cpu *cpu, unsigned level, uint64_t e)
{
	unsigned pat = (e & (level == 1 ? PT_SIM_PTE_PAT_4K : PT_SIM_PTE_PAT_LARGE)) ? 4 : 0;
	pat |= (unsigned)(((e & PT_SIM_PTE_PCD) ? 2 : 0) | ((e & PT_SIM_PTE_PWT) ? 1 : 0));
	return pt_sim_pat_memtype(cpu, pat);
}

pt_paddr_t pt_sim_leaf_frame(const struct pt_sim_cpu *cpu, unsigned level, uint64_t e)
{
	return e & cpu->m->addr_mask & ~(pt_sim_level_size(level) - 1);
}

static void leaf_decode(struct pt_sim_cpu *cpu, struct pt_sim_walk_out *out,
			const struct walk_state *s, uint64_t e)
{
	unsigned l = s->level;

	out->leaf_level = l;
	out->frame = pt_sim_leaf_frame(cpu, l, e);
	out->rw = s->rw;
	out->us = s->us;
	out->xd = s->xd;
	out->pk = (uint8_t)((e >> PT_SIM_PTE_PK_SHIFT) & 0xf);
	out->memtype = pt_sim_leaf_memtype(cpu, l, e);
	out->global = (cpu->r.cr4 & PT_SIM_CR4_PGE) && (e & PT_SIM_PTE_G);
}

/* Under the exact policy: set the upper A bits top-down, then the leaf's. */
static enum pt_sim_walk_rc update_ad(struct pt_sim_cpu *cpu, const struct pt_sim_walk_in *in,
				  struct pt_sim_walk_out *out)
{
	unsigned leaf = out->leaf_level;
	if (cpu->m->cfg.ad_policy == PT_SIM_AD_EXACT) {
		for (unsigned l = out->top; l > leaf; l--)
			if (!set_bits(cpu, out, l, PT_SIM_PTE_A))
				return PT_SIM_WALK_RESTART;
	}
	uint64_t set = PT_SIM_PTE_A | (in->kind == PT_SIM_WRITE ? PT_SIM_PTE_D : 0);
	if (!set_bits(cpu, out, leaf, set))
		return PT_SIM_WALK_RESTART;
	return PT_SIM_WALK_OK;
}

static enum pt_sim_walk_rc walk_once(struct pt_sim_cpu *cpu, const struct pt_sim_walk_in *in,
				  struct pt_sim_walk_out *out)
{
	struct walk_state s;
	uint64_t e;

	walk_start(cpu, in, out, &s);
	for (;; s.level--) {
		unsigned l = s.level;
		enum pt_sim_walk_rc rc;
		do {
			rc = read_entry(cpu, in, out, &s, &e);
			if (rc != PT_SIM_WALK_OK)
				return rc;
			if (pt_sim_is_leaf(l, e) || !in->update_ad ||
			    cpu->m->cfg.ad_policy != PT_SIM_AD_QEMU)
				break;
		} while (!set_bits(cpu, out, l, PT_SIM_PTE_A));
		e = out->entry_val[l];
		s.rw = s.rw && (e & PT_SIM_PTE_RW);
		s.us = s.us && (e & PT_SIM_PTE_US);
		s.xd = s.xd || (e & PT_SIM_PTE_XD);
		out->cum_rw[l] = s.rw;
		out->cum_us[l] = s.us;
		out->cum_xd[l] = s.xd;
		if (pt_sim_is_leaf(l, e))
			break;
		s.table = e & cpu->m->addr_mask;
		s.mt = pt_sim_table_memtype(cpu, e);
		out->next_mt[l] = s.mt;
		if (l == in->stop_level) {
			out->leaf_level = 0;
			out->frame = s.table;
			return PT_SIM_WALK_OK;
		}
	}
	leaf_decode(cpu, out, &s, e);
	if (in->stop_level)
		return PT_SIM_WALK_OK;
	if (in->check_perms) {
		uint32_t ec = pt_sim_perm_check(cpu, s.rw, s.us, s.xd, out->pk, in->kind, in->mode);
		if (ec) {
			out->error_code = ec;
			return PT_SIM_WALK_FAULT;
		}
	}
	if (in->update_ad && update_ad(cpu, in, out) != PT_SIM_WALK_OK)
		return PT_SIM_WALK_RESTART;
	out->dirty = out->entry_val[s.level] & PT_SIM_PTE_D;
	return PT_SIM_WALK_OK;
}

enum pt_sim_walk_rc pt_sim_walk(struct pt_sim_cpu *cpu, const struct pt_sim_walk_in *in,
			  struct pt_sim_walk_out *out)
{
	enum pt_sim_walk_rc rc;

	out->restarts = 0;
	for (unsigned l = 0; l < 6; l++)
		out->table_mt[l] = 0xff;
	if (in->update_ad)
		cpu->cnt.walks++;
	while ((rc = walk_once(cpu, in, out)) == PT_SIM_WALK_RESTART) {
		out->restarts++;
		cpu->cnt.walk_restarts++;
	}
	if (rc == PT_SIM_WALK_FAULT)
		out->error_code |= pt_sim_access_code(cpu, in->kind, in->mode);
	return rc;
}
