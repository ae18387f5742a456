/* SPDX-License-Identifier: MIT */
/*
 * Memory accesses through a simulated CPU's MMU: canonical check, TLB lookup
 * with the rights evaluated at access time (§5.3 L1-L6), walk on a miss,
 * #PF delivery with its invalidation, and loads/stores of simulated RAM,
 * split across pages when they cross one.
 */
#include <string.h>

#include "internal.h"
#include <pt/sim/ram.h>

static void xlat_init(struct pt_sim_xlat *out)
{
	memset(out, 0, sizeof(*out));
	memset(out->table_memtype, 0xff, sizeof(out->table_memtype));
}

static enum pt_sim_exc deliver_pf(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint32_t ec,
			       struct pt_sim_xlat *out)
{
	pt_sim_inv_pf(cpu, va);
	cpu->r.cr2 = va;
	cpu->cnt.pf++;
	cpu->cnt.pf_by_code[ec & 63]++;
	out->exc = PT_SIM_EXC_PF;
	out->error_code = ec;
	return PT_SIM_EXC_PF;
}

static void from_entry(const struct pt_sim_tlb_entry *e, pt_vaddr_t va, struct pt_sim_xlat *out)
{
	out->pa = e->pa | (va & (pt_sim_level_size(e->level) - 1));
	out->memtype = e->memtype;
	out->level = e->level;
}

static enum pt_sim_exc walk_and_fill(struct pt_sim_cpu *cpu, pt_vaddr_t va,
				  enum pt_sim_access_kind kind, enum pt_sim_mode mode,
				  struct pt_sim_xlat *out)
{
	struct pt_sim_walk_in in;
	struct pt_sim_walk_out w;
	uint16_t pcid = pt_sim_cpu_pcid_locked(cpu);

	memset(&in, 0, sizeof(in));
	in.va = va;
	in.kind = kind;
	in.mode = mode;
	pt_sim_current_root(cpu, &in.root, &in.root_mt);
	in.use_psc = in.update_ad = in.check_perms = true;
	enum pt_sim_walk_rc rc = pt_sim_walk(cpu, &in, &w);
	memcpy(out->table_memtype, w.table_mt, sizeof(out->table_memtype));
	if (rc != PT_SIM_WALK_OK)
		return deliver_pf(cpu, va, w.error_code, out);
	pt_sim_cache_fill(cpu, va, pcid, &w);
	out->pa = w.frame | (va & (pt_sim_level_size(w.leaf_level) - 1));
	out->memtype = w.memtype;
	out->level = (uint8_t)w.leaf_level;
	return PT_SIM_EXC_NONE;
}

/* A TLB hit: rights checked now (L4); a write to a D=0 entry re-walks (L5). */
static enum pt_sim_exc tlb_hit(struct pt_sim_cpu *cpu, struct pt_sim_cache_node *n, pt_vaddr_t va,
			    enum pt_sim_access_kind kind, enum pt_sim_mode mode,
			    struct pt_sim_xlat *out)
{
	const struct pt_sim_tlb_entry *e = &n->e;
	uint32_t ec = pt_sim_perm_check(cpu, e->rw, e->us, e->xd, e->pk, kind, mode);

	cpu->cnt.tlb_hits++;
	out->tlb_hit = true;
	if (ec)
		return deliver_pf(cpu, va, ec | pt_sim_access_code(cpu, kind, mode), out);
	if (kind == PT_SIM_WRITE && !e->dirty) {
		pt_sim_cache_remove(cpu, n);
		out->tlb_hit = false;
		return walk_and_fill(cpu, va, kind, mode, out);
	}
	from_entry(e, va, out);
	return PT_SIM_EXC_NONE;
}

static enum pt_sim_exc translate_locked(struct pt_sim_cpu *cpu, pt_vaddr_t va,
				     enum pt_sim_access_kind kind, enum pt_sim_mode mode,
				     struct pt_sim_xlat *out)
{
	cpu->cnt.accesses++;
	if (!(cpu->r.cr0 & PT_SIM_CR0_PG)) {
		out->pa = va;
		out->memtype = PT_SIM_MT_WB;
		out->level = 1;
		return PT_SIM_EXC_NONE;
	}
	if (!pt_sim_canonical(cpu, va)) {
		cpu->cnt.gp++;
		out->exc = PT_SIM_EXC_GP;
		return PT_SIM_EXC_GP;
	}
	bool ambiguous;
	struct pt_sim_cache_node *n = pt_sim_cache_pick_tlb(cpu, va, pt_sim_cpu_pcid_locked(cpu),
						      &ambiguous);
	if (n) {
		if (ambiguous) {
			cpu->cnt.ambiguous++;
			out->ambiguous = cpu->m->cfg.pick == PT_SIM_PICK_DIVERGE;
		}
		return tlb_hit(cpu, n, va, kind, mode, out);
	}
	cpu->cnt.tlb_misses++;
	return walk_and_fill(cpu, va, kind, mode, out);
}

static void poll_ipis(struct pt_sim_cpu *cpu)
{
	if (atomic_load(&cpu->posted) != atomic_load(&cpu->done))
		pt_sim_ipi_drain(cpu);
}

enum pt_sim_exc pt_sim_access(struct pt_sim_cpu *cpu, pt_vaddr_t va, enum pt_sim_access_kind kind,
			enum pt_sim_mode mode, struct pt_sim_xlat *out)
{
	struct pt_sim_xlat local;
	if (!out)
		out = &local;
	xlat_init(out);
	poll_ipis(cpu);
	pthread_mutex_lock(&cpu->lock);
	enum pt_sim_exc exc = translate_locked(cpu, va, kind, mode, out);
	pthread_mutex_unlock(&cpu->lock);
	return exc;
}

/* Translate the one or two pages of [va, va+size); pa[i] and len[i] per page. */
static enum pt_sim_exc translate_span(struct pt_sim_cpu *cpu, pt_vaddr_t va, unsigned size,
				   enum pt_sim_access_kind kind, enum pt_sim_mode mode,
				   pt_paddr_t pa[2], size_t len[2], struct pt_sim_xlat *out)
{
	size_t first = PT_PAGE_SIZE - (va & (PT_PAGE_SIZE - 1));
	len[0] = size < first ? size : first;
	len[1] = size - len[0];
	enum pt_sim_exc exc = pt_sim_access(cpu, va, kind, mode, out);
	if (exc != PT_SIM_EXC_NONE)
		return exc;
	pa[0] = out->pa;
	if (!len[1])
		return PT_SIM_EXC_NONE;
	exc = pt_sim_access(cpu, va + len[0], kind, mode, out);
	pa[1] = out->pa;
	return exc;
}

static bool size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

enum pt_sim_exc pt_sim_load(struct pt_sim_cpu *cpu, pt_vaddr_t va, unsigned size,
		      enum pt_sim_access_kind kind, enum pt_sim_mode mode, uint64_t *val,
		      struct pt_sim_xlat *out)
{
	struct pt_sim_xlat local;
	pt_paddr_t pa[2];
	size_t len[2];
	uint8_t buf[8] = { 0 };

	if (!out)
		out = &local;
	if (!size_ok(size) || kind == PT_SIM_WRITE)
		return PT_SIM_EXC_GP;
	enum pt_sim_exc exc = translate_span(cpu, va, size, kind, mode, pa, len, out);
	if (exc != PT_SIM_EXC_NONE)
		return exc;
	struct pt_sim_ram *ram = cpu->m->ram;
	if (!pt_sim_ram_read(ram, pa[0], buf, len[0]) ||
	    (len[1] && !pt_sim_ram_read(ram, pa[1], buf + len[0], len[1]))) {
		out->exc = PT_SIM_EXC_BUS;
		return PT_SIM_EXC_BUS;
	}
	uint64_t v = 0;
	for (unsigned i = size; i--;)
		v = v << 8 | buf[i];
	*val = v;
	return PT_SIM_EXC_NONE;
}

enum pt_sim_exc pt_sim_store(struct pt_sim_cpu *cpu, pt_vaddr_t va, unsigned size, uint64_t val,
		       enum pt_sim_mode mode, struct pt_sim_xlat *out)
{
	struct pt_sim_xlat local;
	pt_paddr_t pa[2];
	size_t len[2];
	uint8_t buf[8];

	if (!out)
		out = &local;
	if (!size_ok(size))
		return PT_SIM_EXC_GP;
	enum pt_sim_exc exc = translate_span(cpu, va, size, PT_SIM_WRITE, mode, pa, len, out);
	if (exc != PT_SIM_EXC_NONE)
		return exc;
	for (unsigned i = 0; i < size; i++)
		buf[i] = (uint8_t)(val >> (8 * i));
	struct pt_sim_ram *ram = cpu->m->ram;
	uint64_t end = pt_sim_ram_size(ram);
	if (pa[0] + len[0] > end || (len[1] && pa[1] + len[1] > end) ||
	    !pt_sim_ram_write(ram, pa[0], buf, len[0]) ||
	    (len[1] && !pt_sim_ram_write(ram, pa[1], buf + len[0], len[1]))) {
		out->exc = PT_SIM_EXC_BUS;
		return PT_SIM_EXC_BUS;
	}
	return PT_SIM_EXC_NONE;
}
