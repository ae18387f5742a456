/* SPDX-License-Identifier: MIT */
/* Simulated RISC-V harts and their TLBs (rv_hart.h). */
#include <pt/sim/rv_hart.h>

#include <stdio.h>
#include <stdlib.h>

#include <pt/sim/ram.h>

#define SATP_PPN(satp) (((satp) & ((1ull << 44) - 1)) << 12)
#define SATP_ASID(satp) ((uint16_t)((satp) >> 44))
#define PTE_PPN(pte) ((((pte) >> 10) & ((1ull << 44) - 1)) << 12)

static uint64_t vpn_at(uint64_t va, unsigned level)
{
	return va >> (12 + 9 * level);
}

static bool tag_matches(const struct pt_sim_rv_entry *e, uint16_t asid)
{
	return e->global || e->asid == asid;
}

void pt_sim_rv_machine_init(struct pt_sim_rv_machine *m, struct pt_sim_ram *ram, unsigned levels,
			 unsigned nr_harts)
{
	*m = (struct pt_sim_rv_machine){ .ram = ram, .levels = levels, .nr_harts = nr_harts };
}

void pt_sim_rv_machine_free(struct pt_sim_rv_machine *m)
{
	for (unsigned h = 0; h < m->nr_harts; h++)
		free(m->hart[h].e);
}

static void cache(struct pt_sim_rv_hart *hart, struct pt_sim_rv_entry e)
{
	for (size_t i = 0; i < hart->n; i++)
		if (hart->e[i].leaf == e.leaf && hart->e[i].level == e.level &&
		    hart->e[i].vpn == e.vpn && hart->e[i].asid == e.asid &&
		    hart->e[i].pte == e.pte && hart->e[i].global == e.global)
			return;
	if (hart->n == hart->cap) {
		hart->cap = hart->cap ? 2 * hart->cap : 64;
		hart->e = realloc(hart->e, hart->cap * sizeof(*hart->e));
		if (!hart->e) {
			fprintf(stderr, "rv_hart: out of memory\n");
			abort();
		}
	}
	hart->e[hart->n++] = e;
}

/* Whether a cached leaf's R/W/X/U permit the access (an invalid one: nothing). */
static bool leaf_permits(const struct pt_sim_rv_entry *e, enum pt_sim_rv_access access, bool user_mode)
{
	uint64_t pte = e->pte;
	if (user_mode != !!(pte & PT_SIM_RV_PTE_U))
		return false;
	if (access == PT_SIM_RV_FETCH)
		return pte & PT_SIM_RV_PTE_X;
	return pte & (access == PT_SIM_RV_STORE ? PT_SIM_RV_PTE_W : PT_SIM_RV_PTE_R);
}

/* ... and its A, and D for a store, are set: the access needs no walk. */
static bool leaf_allows(const struct pt_sim_rv_entry *e, enum pt_sim_rv_access access, bool user_mode)
{
	if (!(e->pte & PT_SIM_RV_PTE_A) || (access == PT_SIM_RV_STORE && !(e->pte & PT_SIM_RV_PTE_D)))
		return false;
	return leaf_permits(e, access, user_mode);
}

static enum pt_sim_rv_exc fault_of(enum pt_sim_rv_access access)
{
	if (access == PT_SIM_RV_FETCH)
		return PT_SIM_RV_FETCH_PAGE_FAULT;
	return access == PT_SIM_RV_STORE ? PT_SIM_RV_STORE_PAGE_FAULT : PT_SIM_RV_LOAD_PAGE_FAULT;
}

static pt_paddr_t leaf_pa(const struct pt_sim_rv_entry *e, uint64_t va)
{
	uint64_t low = (1ull << (12 + 9 * e->level)) - 1;
	return (PTE_PPN(e->pte) & ~low) | (va & low);
}

/* The deepest cached pointer on @va's path: where a walk may resume. */
static const struct pt_sim_rv_entry *deepest_pointer(const struct pt_sim_rv_hart *hart, uint64_t va,
						  uint16_t asid)
{
	const struct pt_sim_rv_entry *best = NULL;
	for (size_t i = 0; i < hart->n; i++) {
		const struct pt_sim_rv_entry *e = &hart->e[i];
		if (!e->leaf && tag_matches(e, asid) && e->vpn == vpn_at(va, e->level) &&
		    (!best || e->level < best->level))
			best = e;
	}
	return best;
}

static void cache_walk(struct pt_sim_rv_hart *hart, uint16_t asid, uint64_t va,
		       const struct pt_sim_rv_xlat *x, bool global_above, unsigned top)
{
	bool global = global_above;
	for (unsigned i = top; i > x->level; i--) {
		if (!x->ptr[i])
			continue;
		global = global || (x->ptr[i] & PT_SIM_RV_PTE_G);
		cache(hart, (struct pt_sim_rv_entry){ asid, global, false, i, vpn_at(va, i), x->ptr[i] });
	}
	cache(hart, (struct pt_sim_rv_entry){ asid, x->global, true, x->level, vpn_at(va, x->level),
					   x->pte });
}

enum pt_sim_rv_exc pt_sim_rv_access(struct pt_sim_rv_machine *m, unsigned h, uint64_t va,
			      enum pt_sim_rv_access access, bool user_mode, pt_paddr_t *pa)
{
	struct pt_sim_rv_hart *hart = &m->hart[h];
	uint16_t asid = SATP_ASID(hart->satp);
	for (size_t i = 0; i < hart->n; i++) {
		const struct pt_sim_rv_entry *e = &hart->e[i];
		if (!e->leaf || !tag_matches(e, asid) || e->vpn != vpn_at(va, e->level))
			continue;
		/* Without Svvptc a hart may fault on what it cached: an entry
		 * that was invalid, or had fewer rights, until SFENCE.VMA. */
		if (!leaf_permits(e, access, user_mode))
			return fault_of(access);
		if (leaf_allows(e, access, user_mode)) {
			if (pa)
				*pa = leaf_pa(e, va);
			return PT_SIM_RV_OK;
		}
	}
	/* A miss, or a cached leaf whose A or D must be set: walk memory, from
	 * the deepest cached pointer if there is one. A fault is cached too. */
	const struct pt_sim_rv_entry *p = deepest_pointer(hart, va, asid);
	pt_paddr_t table = p ? PTE_PPN(p->pte) : SATP_PPN(hart->satp);
	unsigned top = p ? p->level - 1 : m->levels - 1;
	struct pt_sim_rv_xlat x;
	enum pt_sim_rv_exc exc = pt_sim_rv_walk_at(m->ram, m->levels, table, top, p && p->global, va,
					     access, user_mode, false, false, PT_SIM_RV_SVADU, &x);
	if (exc != PT_SIM_RV_OK) {
		cache(hart, (struct pt_sim_rv_entry){ asid, false, true, 0, vpn_at(va, 0), 0 });
		return exc;
	}
	cache_walk(hart, asid, va, &x, p && p->global, top);
	if (pa)
		*pa = x.pa;
	return PT_SIM_RV_OK;
}

/* Whether SFENCE.VMA with these operands must drop @e. */
static bool fence_drops(const struct pt_sim_rv_entry *e, bool has_va, uint64_t va, bool has_asid,
			uint16_t asid)
{
	if (has_asid && (e->global || e->asid != asid))
		return false;
	if (has_va)
		return e->leaf && e->vpn == vpn_at(va, e->level);
	return true;
}

void pt_sim_rv_sfence(struct pt_sim_rv_machine *m, unsigned h, bool has_va, uint64_t va, bool has_asid,
		   uint16_t asid)
{
	struct pt_sim_rv_hart *hart = &m->hart[h];
	size_t k = 0;
	for (size_t i = 0; i < hart->n; i++)
		if (!fence_drops(&hart->e[i], has_va, va, has_asid, asid))
			hart->e[k++] = hart->e[i];
	hart->n = k;
	hart->fences++;
	if (!has_va && !has_asid)
		hart->full_fences++;
}

/* The entry at @level on @va's path in memory, or 0 if the path ends above it. */
static uint64_t memory_entry(struct pt_sim_rv_machine *m, uint64_t satp, uint64_t va, unsigned level)
{
	pt_paddr_t table = SATP_PPN(satp);
	for (unsigned i = m->levels - 1;; i--) {
		uint64_t pte = pt_sim_ram_load64(m->ram, table + ((va >> (12 + 9 * i)) & 511) * 8);
		if (i == level)
			return pte;
		if (!(pte & PT_SIM_RV_PTE_V) || (pte & (PT_SIM_RV_PTE_R | PT_SIM_RV_PTE_X)))
			return 0;
		table = PTE_PPN(pte);
	}
}

static bool leaf_harmful(struct pt_sim_rv_machine *m, const struct pt_sim_rv_hart *hart,
			 const struct pt_sim_rv_entry *e)
{
	static const enum pt_sim_rv_access kinds[] = { PT_SIM_RV_LOAD, PT_SIM_RV_STORE, PT_SIM_RV_FETCH };
	uint64_t va = e->vpn << (12 + 9 * e->level);
	bool user = e->pte & PT_SIM_RV_PTE_U;
	for (unsigned k = 0; k < 3; k++) {
		if (!leaf_allows(e, kinds[k], user))
			continue;
		struct pt_sim_rv_xlat x;
		if (pt_sim_rv_walk(m->ram, m->levels, SATP_PPN(hart->satp), va, kinds[k], user, false,
				false, PT_SIM_RV_AD_AS_SET, &x) != PT_SIM_RV_OK ||
		    x.pa != leaf_pa(e, va) || x.level != e->level)
			return true;
	}
	return false;
}

size_t pt_sim_rv_harmful(struct pt_sim_rv_machine *m, unsigned h)
{
	const struct pt_sim_rv_hart *hart = &m->hart[h];
	uint16_t asid = SATP_ASID(hart->satp);
	size_t n = 0;
	for (size_t i = 0; i < hart->n; i++) {
		const struct pt_sim_rv_entry *e = &hart->e[i];
		if (!tag_matches(e, asid) || !e->pte)
			continue;
		if (e->leaf ? leaf_harmful(m, hart, e)
			    : memory_entry(m, hart->satp, e->vpn << (12 + 9 * e->level), e->level) != e->pte)
			n++;
	}
	return n;
}

bool pt_sim_rv_caches_poison(struct pt_sim_rv_machine *m, unsigned h)
{
	const struct pt_sim_rv_hart *hart = &m->hart[h];
	for (size_t i = 0; i < hart->n; i++)
		if (hart->e[i].pte && pt_sim_ram_is_poisoned(m->ram, PTE_PPN(hart->e[i].pte)))
			return true;
	return false;
}

/* The glue's hart operations, on the hart the machine has selected. */
static void op_write_satp(void *ctx, uint64_t v)
{
	struct pt_sim_rv_machine *m = ((struct pt_sim_rv_tlb *)ctx)->m;
	m->hart[m->cur].satp = v;
}

static void op_sfence(void *ctx, bool has_va, pt_vaddr_t va, bool has_asid, uint16_t asid)
{
	struct pt_sim_rv_machine *m = ((struct pt_sim_rv_tlb *)ctx)->m;
	pt_sim_rv_sfence(m, m->cur, has_va, va, has_asid, asid);
}

static unsigned op_current_cpu(void *ctx)
{
	return ((struct pt_sim_rv_tlb *)ctx)->m->cur;
}

/* SBI RFENCE as OpenSBI performs it: page by page, or everything. */
static void op_remote_sfence(void *ctx, pt_cpumask_t cpus, pt_vaddr_t start, uint64_t size,
			     pt_asid_t asid)
{
	struct pt_sim_rv_machine *m = ((struct pt_sim_rv_tlb *)ctx)->m;
	bool has_asid = asid != PT_ASID_ANY;
	for (unsigned h = 0; h < m->nr_harts; h++) {
		if (!(cpus >> h & 1))
			continue;
		if (size == PT_RISCV_SIZE_ALL) {
			pt_sim_rv_sfence(m, h, false, 0, has_asid, asid);
			continue;
		}
		for (uint64_t off = 0; off < size; off += 0x1000)
			pt_sim_rv_sfence(m, h, true, start + off, has_asid, asid);
	}
}

/* IPIs, handled at once: each target performs the request as its handler would. */
static void op_send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	struct pt_sim_rv_tlb *st = ctx;
	struct pt_sim_rv_machine *m = st->m;
	unsigned self = m->cur;
	for (unsigned h = 0; h < m->nr_harts; h++) {
		if (!(cpus >> h & 1))
			continue;
		m->cur = h;
		pt_riscv_tlb_flush_local(&st->rv, req);
	}
	m->cur = self;
}

static void op_wait(void *ctx, pt_cpumask_t cpus)
{
	(void)ctx, (void)cpus;
}

static const struct pt_riscv_arch_ops sbi_ops = {
	op_write_satp, op_sfence, op_current_cpu, op_remote_sfence, NULL, NULL,
};
static const struct pt_riscv_arch_ops ipi_ops = {
	op_write_satp, op_sfence, op_current_cpu, NULL, op_send, op_wait,
};

struct pt_tlb pt_sim_rv_tlb_init(struct pt_sim_rv_tlb *st, struct pt_sim_rv_machine *m,
				 struct pt_cpus *cpus, bool sbi)
{
	st->m = m;
	st->rv = (struct pt_riscv_tlb){ sbi ? &sbi_ops : &ipi_ops, st,
		m->levels == 4 ? PT_RISCV_SATP_SV48 : PT_RISCV_SATP_SV39, true };
	return pt_riscv_tlb(&st->rv, cpus);
}
