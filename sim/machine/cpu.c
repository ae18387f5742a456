/* SPDX-License-Identifier: MIT */
/*
 * Control registers of a simulated CPU: the architectural checks of MOV to
 * CR0/CR3/CR4, WRMSR EFER/PAT, INVLPG and INVPCID (#GP), and their TLB
 * effects (reference §1.3, §5.2). IA-32e mode is entered by setting CR0.PG
 * with EFER.LME=1 and CR4.PAE=1; clearing PG leaves it (as compatibility-mode
 * code would), which is the only time LA57 may change.
 */
#include <string.h>

#include "internal.h"

#define CR0_KNOWN (PT_SIM_CR0_PE | (1ull << 1) | (1ull << 2) | (1ull << 3) | (1ull << 4) | \
		   (1ull << 5) | PT_SIM_CR0_WP | (1ull << 18) | PT_SIM_CR0_NW | PT_SIM_CR0_CD | PT_SIM_CR0_PG)
#define CR4_KNOWN (0x1fffull | PT_SIM_CR4_PCIDE | (1ull << 16) | (1ull << 18) | PT_SIM_CR4_SMEP | \
		   PT_SIM_CR4_SMAP | PT_SIM_CR4_PKE | PT_SIM_CR4_PKS)
#define EFER_KNOWN (1ull | PT_SIM_EFER_LME | PT_SIM_EFER_LMA | PT_SIM_EFER_NXE | (0xfull << 12))
#define PCID_MASK 0xfffull

static void lock(struct pt_sim_cpu *cpu)
{
	pthread_mutex_lock(&cpu->lock);
}

static void unlock(struct pt_sim_cpu *cpu)
{
	pthread_mutex_unlock(&cpu->lock);
}

static bool lma(const struct pt_sim_cpu *cpu)
{
	return cpu->r.efer & PT_SIM_EFER_LMA;
}

uint16_t pt_sim_cpu_pcid_locked(const struct pt_sim_cpu *cpu)
{
	return (cpu->r.cr4 & PT_SIM_CR4_PCIDE) ? (uint16_t)(cpu->r.cr3 & PCID_MASK) : 0;
}

unsigned pt_sim_cpu_index(const struct pt_sim_cpu *cpu)
{
	return cpu->idx;
}

struct pt_sim_regs pt_sim_cpu_regs(struct pt_sim_cpu *cpu)
{
	lock(cpu);
	struct pt_sim_regs r = cpu->r;
	unlock(cpu);
	return r;
}

uint16_t pt_sim_cpu_pcid(struct pt_sim_cpu *cpu)
{
	lock(cpu);
	uint16_t pcid = pt_sim_cpu_pcid_locked(cpu);
	unlock(cpu);
	return pcid;
}

static bool cr0_legal(const struct pt_sim_cpu *cpu, uint64_t val)
{
	uint64_t old = cpu->r.cr0;
	if (val & ~CR0_KNOWN)
		return false;
	if ((val & PT_SIM_CR0_PG) && !(val & PT_SIM_CR0_PE))
		return false;
	if ((val & PT_SIM_CR0_NW) && !(val & PT_SIM_CR0_CD))
		return false;
	if ((old & PT_SIM_CR0_PG) && !(val & PT_SIM_CR0_PG) && (cpu->r.cr4 & PT_SIM_CR4_PCIDE))
		return false;
	if (!(old & PT_SIM_CR0_PG) && (val & PT_SIM_CR0_PG) && (cpu->r.efer & PT_SIM_EFER_LME) &&
	    !(cpu->r.cr4 & PT_SIM_CR4_PAE))
		return false;
	return true;
}

enum pt_sim_exc pt_sim_cpu_write_cr0(struct pt_sim_cpu *cpu, uint64_t val)
{
	lock(cpu);
	if (!cr0_legal(cpu, val)) {
		cpu->cnt.gp++;
		unlock(cpu);
		return PT_SIM_EXC_GP;
	}
	uint64_t old = cpu->r.cr0;
	cpu->r.cr0 = val;
	if ((old & PT_SIM_CR0_PG) && !(val & PT_SIM_CR0_PG)) {
		cpu->r.efer &= ~PT_SIM_EFER_LMA;
		pt_sim_inv_all(cpu, true);
		cpu->cnt.flushes[PT_SIM_FLUSH_CR0]++;
	} else if (!(old & PT_SIM_CR0_PG) && (val & PT_SIM_CR0_PG) && (cpu->r.efer & PT_SIM_EFER_LME)) {
		cpu->r.efer |= PT_SIM_EFER_LMA;
	}
	unlock(cpu);
	return PT_SIM_EXC_NONE;
}

static bool cr4_legal(const struct pt_sim_cpu *cpu, uint64_t val)
{
	uint64_t old = cpu->r.cr4, changed = old ^ val;
	if (val & ~CR4_KNOWN)
		return false;
	if ((changed & PT_SIM_CR4_LA57) && lma(cpu))
		return false;
	if (!(val & PT_SIM_CR4_PAE) && lma(cpu))
		return false;
	if ((val & PT_SIM_CR4_PCIDE) && !(old & PT_SIM_CR4_PCIDE) &&
	    (!lma(cpu) || (cpu->r.cr3 & PCID_MASK)))
		return false;
	return true;
}

enum pt_sim_exc pt_sim_cpu_write_cr4(struct pt_sim_cpu *cpu, uint64_t val)
{
	lock(cpu);
	if (!cr4_legal(cpu, val)) {
		cpu->cnt.gp++;
		unlock(cpu);
		return PT_SIM_EXC_GP;
	}
	uint64_t old = cpu->r.cr4, changed = old ^ val;
	uint16_t pcid = pt_sim_cpu_pcid_locked(cpu);
	cpu->r.cr4 = val;
	if ((changed & PT_SIM_CR4_PGE) || ((old & PT_SIM_CR4_PCIDE) && !(val & PT_SIM_CR4_PCIDE))) {
		pt_sim_inv_all(cpu, true);
		cpu->cnt.flushes[PT_SIM_FLUSH_CR4]++;
	} else if ((changed & PT_SIM_CR4_PAE) || ((val & PT_SIM_CR4_SMEP) && !(old & PT_SIM_CR4_SMEP))) {
		pt_sim_inv_tagged(cpu, pcid);
		cpu->cnt.flushes[PT_SIM_FLUSH_CR4]++;
	}
	unlock(cpu);
	return PT_SIM_EXC_NONE;
}

enum pt_sim_exc pt_sim_cpu_write_cr3(struct pt_sim_cpu *cpu, uint64_t val)
{
	lock(cpu);
	bool pcide = cpu->r.cr4 & PT_SIM_CR4_PCIDE;
	bool noflush = pcide && (val & PT_SIM_CR3_NOFLUSH);
	uint64_t v = noflush ? val & ~PT_SIM_CR3_NOFLUSH : val;
	if (v >> cpu->m->cfg.maxphyaddr) {
		cpu->cnt.gp++;
		unlock(cpu);
		return PT_SIM_EXC_GP;
	}
	cpu->r.cr3 = v;
	uint16_t pcid = pt_sim_cpu_pcid_locked(cpu);
	cpu->pcid_root[pcid] = pcide ? v & ~PCID_MASK : v;
	if (noflush) {
		cpu->cnt.flushes[PT_SIM_FLUSH_CR3_NOFLUSH]++;
	} else {
		pt_sim_inv_pcid(cpu, pcid);
		cpu->cnt.flushes[PT_SIM_FLUSH_CR3]++;
	}
	unlock(cpu);
	return PT_SIM_EXC_NONE;
}

enum pt_sim_exc pt_sim_cpu_write_efer(struct pt_sim_cpu *cpu, uint64_t val)
{
	lock(cpu);
	uint64_t old = cpu->r.efer;
	if ((val & ~EFER_KNOWN) ||
	    (((old ^ val) & PT_SIM_EFER_LME) && (cpu->r.cr0 & PT_SIM_CR0_PG))) {
		cpu->cnt.gp++;
		unlock(cpu);
		return PT_SIM_EXC_GP;
	}
	cpu->r.efer = (val & ~PT_SIM_EFER_LMA) | (old & PT_SIM_EFER_LMA);
	unlock(cpu);
	return PT_SIM_EXC_NONE;
}

enum pt_sim_exc pt_sim_cpu_write_pat(struct pt_sim_cpu *cpu, uint64_t val)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (unsigned)(val >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7) {
			lock(cpu);
			cpu->cnt.gp++;
			unlock(cpu);
			return PT_SIM_EXC_GP;
		}
	}
	lock(cpu);
	cpu->r.pat = val;
	unlock(cpu);
	return PT_SIM_EXC_NONE;
}

void pt_sim_cpu_write_pkru(struct pt_sim_cpu *cpu, uint32_t val)
{
	lock(cpu);
	cpu->r.pkru = val;
	unlock(cpu);
}

void pt_sim_cpu_write_pkrs(struct pt_sim_cpu *cpu, uint32_t val)
{
	lock(cpu);
	cpu->r.pkrs = val;
	unlock(cpu);
}

void pt_sim_cpu_set_cpl(struct pt_sim_cpu *cpu, unsigned cpl)
{
	lock(cpu);
	cpu->r.cpl = cpl & 3;
	unlock(cpu);
}

void pt_sim_cpu_set_ac(struct pt_sim_cpu *cpu, bool ac)
{
	lock(cpu);
	cpu->r.ac = ac;
	unlock(cpu);
}

void pt_sim_cpu_set_cr2(struct pt_sim_cpu *cpu, uint64_t cr2)
{
	lock(cpu);
	cpu->r.cr2 = cr2;
	unlock(cpu);
}

enum pt_sim_exc pt_sim_cpu_invlpg(struct pt_sim_cpu *cpu, pt_vaddr_t va)
{
	lock(cpu);
	if (cpu->r.cpl) {
		cpu->cnt.gp++;
		unlock(cpu);
		return PT_SIM_EXC_GP;
	}
	cpu->cnt.flushes[PT_SIM_FLUSH_INVLPG]++;
	if (pt_sim_canonical(cpu, va))
		pt_sim_inv_page(cpu, va);
	unlock(cpu);
	return PT_SIM_EXC_NONE;
}

static bool invpcid_legal(const struct pt_sim_cpu *cpu, unsigned type, uint64_t desc,
			  pt_vaddr_t va)
{
	if (cpu->r.cpl || type > 3 || (desc >> 12))
		return false;
	if (type == 0 && !pt_sim_canonical(cpu, va))
		return false;
	if (type <= 1 && !(cpu->r.cr4 & PT_SIM_CR4_PCIDE) && desc)
		return false;
	return true;
}

enum pt_sim_exc pt_sim_cpu_invpcid(struct pt_sim_cpu *cpu, unsigned type, uint64_t desc_pcid,
			     pt_vaddr_t va)
{
	lock(cpu);
	if (!invpcid_legal(cpu, type, desc_pcid, va)) {
		cpu->cnt.gp++;
		unlock(cpu);
		return PT_SIM_EXC_GP;
	}
	uint16_t pcid = (uint16_t)desc_pcid;
	switch (type) {
	case 0:
		pt_sim_inv_pcid_addr(cpu, pcid, va);
		break;
	case 1:
		pt_sim_inv_pcid(cpu, pcid);
		break;
	default:
		pt_sim_inv_all(cpu, type == 2);
		break;
	}
	cpu->cnt.flushes[PT_SIM_FLUSH_INVPCID0 + type]++;
	unlock(cpu);
	return PT_SIM_EXC_NONE;
}

void pt_sim_cpu_counters(struct pt_sim_cpu *cpu, struct pt_sim_counters *out)
{
	lock(cpu);
	*out = cpu->cnt;
	unlock(cpu);
}

void pt_sim_cpu_reset_counters(struct pt_sim_cpu *cpu)
{
	lock(cpu);
	memset(&cpu->cnt, 0, sizeof(cpu->cnt));
	unlock(cpu);
}
