/* SPDX-License-Identifier: MIT */
/*
 * The differential under QEMU: each scenario of diff_gen.c written into raw
 * tables at its fixed physical addresses under TTBR0 (the root also maps the
 * EL0 stub page through slot 0; the kernel stays in TTBR1), TCR_EL1.HA/HD
 * and PSTATE.PAN as the scenario says, TLBI VMALLE1IS, one access at EL1 or
 * EL0, and one line:
 *   D <idx> f<fault status, 0: none> t<FAR is va: 1> p<data page or -> a<AF, AP[2] changes>
 * the line the hosted walker prints (tests/sim/arm_diff.c). An abort of the
 * wrong class (a data abort for a fetch, or another EL) prints fE<EC>; a
 * translation that reached no data page prints p? (the walker: outside them).
 */
#include "bm.h"

#define AF (1ull << 10)
#define AP2 (1ull << 7)
#define STORE_MARK 0x5354000000000000ull

static volatile uint64_t *table(uint64_t pa)
{
	return bm_virt(pa);
}

static void zero_page(uint64_t pa)
{
	for (unsigned i = 0; i < 512; i++)
		table(pa)[i] = 0;
}

static void setup_stub(void)
{
	zero_page(DIFF_TABLE(0));
	uint64_t at = DIFF_TABLE(0);
	for (unsigned i = 0; i < 4; i++) {
		table(at)[(DIFF_STUB_VA >> (39 - 9 * i)) & 511] = diff_stub_desc(i);
		if (i < 3) {
			at = DIFF_STUB_TABLES + 0x1000ull * (i + 1);
			zero_page(at);
		}
	}
	uint8_t *dst = bm_virt(DIFF_STUB_PA);
	for (const char *p = user_stub; p < user_stub_end; p++)
		*dst++ = (uint8_t)*p;
}

static void plant_all(void)
{
	for (unsigned p = 0; p < DIFF_PAGES; p++)
		table(DIFF_DATA + p * 0x1000ull + DIFF_OFF)[0] = diff_code_word((uint16_t)(DIFF_MARK | p));
	sync_icache();
}

static void write_path(const struct diff_scen *s, uint64_t tcr)
{
	for (unsigned i = 1; i < 4; i++)
		zero_page(DIFF_TABLE(i));
	table(DIFF_TABLE(0))[1] = 0;
	for (unsigned i = 0; i <= s->leaf; i++)
		table(diff_desc_pa(s, i))[0] = s->d[i];
	uint64_t v = tcr & ~(TCR_HA | TCR_HD);
	v |= (s->ha ? TCR_HA : 0) | (s->hd ? TCR_HD : 0);
	write_tcr(v);
}

/* The data page a load value or a fetch result names, or -1. */
static int page_of_value(unsigned access, uint64_t v)
{
	if (access == DIFF_FETCH)
		return (v & ~0x1ffull) == DIFF_MARK ? (int)(v & 0x1ff) : -1;
	uint16_t n = (uint16_t)(v >> 5);
	return v == diff_code_word(n) && (n & ~0x1ffu) == DIFF_MARK ? (int)(n & 0x1ff) : -1;
}

/* The data page a store reached (restored), or -1. */
static int page_of_store(void)
{
	int found = -1;
	for (unsigned p = 0; p < DIFF_PAGES; p++) {
		volatile uint64_t *w = table(DIFF_DATA + p * 0x1000ull + DIFF_OFF);
		uint64_t want = diff_code_word((uint16_t)(DIFF_MARK | p));
		if (*w != want) {
			found = found < 0 ? (int)p : -2;
			*w = want;
		}
	}
	if (found != -1)
		sync_icache();
	return found;
}

static unsigned want_ec(const struct diff_scen *s)
{
	if (s->access == DIFF_FETCH)
		return s->el0 ? EC_IABT_LOW : EC_IABT_CUR;
	return s->el0 ? EC_DABT_LOW : EC_DABT_CUR;
}

static int run_access(const struct diff_scen *s, unsigned idx, unsigned *fsc, bool *far_ok)
{
	uint64_t v = 0, store = STORE_MARK | idx;
	probe_reset();
	if (s->pan)
		set_pan(true);
	if (s->el0) {
		user_result = 0;
		user_run(DIFF_STUB_VA, s->access, s->va, store);
		v = user_result;
	} else if (s->access == DIFF_LOAD) {
		probe_read(s->va, &v);
	} else if (s->access == DIFF_STORE) {
		probe_write(s->va, store);
	} else {
		probe_exec(s->va, &v);
	}
	set_pan(false);
	unsigned ec = ESR_EC(bm_fault.esr);
	bool fault = bm_fault.count && !(s->el0 && ec == EC_SVC && bm_fault.count == 1);
	/* A fetch that translated to memory holding no code of ours: EC 0 (an
	 * unknown instruction) or, at EL0, its SVC after junk returned. */
	if (s->access == DIFF_FETCH && fault && ec == 0)
		return *fsc = 0, *far_ok = true, -2;
	*fsc = fault ? (ec == want_ec(s) ? ESR_FSC(bm_fault.esr) : 0x100u | ec) : 0;
	*far_ok = !fault || bm_fault.far == s->va;
	if (fault)
		return s->access == DIFF_STORE ? page_of_store() : -1;
	/* Translated, but no data page was read or written: somewhere else. */
	int page = s->access == DIFF_STORE ? page_of_store() : page_of_value(s->access, v);
	return page == -1 ? -2 : page;
}

void run_diff(struct pt_table *kt)
{
	(void)kt;
	unsigned n = diff_count();
	uint64_t tcr = read_tcr(), ttbr0 = read_ttbr0();
	setup_stub();
	plant_all();
	__asm__ volatile("msr ttbr0_el1, %0; isb" : : "r"(DIFF_TABLE(0)) : "memory");
	for (unsigned idx = 0; idx < n; idx++) {
		struct diff_scen s;
		diff_scenario(idx, &s);
		write_path(&s, tcr);
		unsigned fsc;
		bool far_ok;
		int page = run_access(&s, idx, &fsc, &far_ok);
		uint64_t changed = (table(diff_desc_pa(&s, s.leaf))[0] ^ s.d[s.leaf]) & (AF | AP2);
		if (fsc >= 0x100)
			kprintf("D %u fE%x t%u p", idx, fsc & 0xff, far_ok);
		else
			kprintf("D %u f%x t%u p", idx, fsc, far_ok);
		if (page >= 0)
			kprintf("%d", page);
		else
			kprintf(page == -1 ? "-" : "?");
		kprintf(" a%lx\n", (unsigned long)changed);
	}
	__asm__ volatile("msr ttbr0_el1, %0; isb" : : "r"(ttbr0) : "memory");
	write_tcr(tcr);
	kprintf("%u scenarios run\n", n);
}
