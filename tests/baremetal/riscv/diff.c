/* SPDX-License-Identifier: MIT */
/*
 * The differential under QEMU: each scenario of diff_gen.c written into
 * raw tables at its fixed physical addresses (the root also holds the
 * kernel half, copied from the core's kernel table, and a user code page in
 * slot 0), one access from S- or U-mode after SFENCE.VMA, and one line:
 *   D <idx> c<scause or 0> t<stval is va: 1> p<data page or -> a<changed entry bits>
 * the same line the hosted walker prints (tests/sim/riscv_diff.c).
 */
#include "bm.h"

#define STUB_VA 0x10000000ull
#define STUB_TABLES (DIFF_BASE + 0x10000)
#define STUB_PA (DIFF_BASE + 0x20000)
#define V 1ull
#define LEAF_URXA 0x5bull       /* V R X U A */
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

static uint64_t pointer(uint64_t pa)
{
	return (pa >> 12) << 10 | V;
}

/* The root: the kernel half, and the user stub page at STUB_VA through slot 0. */
static void setup_root(struct pt_table *kt, unsigned levels)
{
	uint64_t root = DIFF_TABLE(levels, levels - 1);
	zero_page(root);
	volatile uint64_t *k = table(pt_table_root_paddr(kt));
	for (unsigned i = 256; i < 512; i++)
		table(root)[i] = k[i];
	uint64_t at = root;
	for (unsigned i = levels - 1; i > 0; i--) {
		uint64_t next = STUB_TABLES + 0x1000ull * i;
		zero_page(next);
		table(at)[(STUB_VA >> (12 + 9 * i)) & 511] = pointer(next);
		at = next;
	}
	table(at)[(STUB_VA >> 12) & 511] = (STUB_PA >> 12) << 10 | LEAF_URXA;
	uint8_t *dst = bm_virt(STUB_PA);
	for (const char *p = user_stub; p < user_stub_end; p++)
		*dst++ = (uint8_t)*p;
}

static void plant_all(void)
{
	for (unsigned p = 0; p < DIFF_PAGES; p++)
		table(DIFF_DATA + p * 0x1000ull + DIFF_OFF)[0] = diff_code_word(DIFF_MARK | p);
	fence_i();
}

static void write_path(unsigned levels, const struct diff_scen *s)
{
	for (unsigned i = 0; i + 1 < levels; i++)
		zero_page(DIFF_TABLE(levels, i));
	table(DIFF_TABLE(levels, levels - 1))[1] = 0;
	for (unsigned i = s->leaf; i < levels; i++)
		table(diff_pte_pa(levels, s, i))[0] = s->pte[i];
	sfence_vma_all();
}

/* The data page a load value or a fetch result names, or -1. */
static int page_of_value(unsigned access, uint64_t v)
{
	if (access == DIFF_FETCH) {
		uint32_t n = (uint32_t)(v >> 12);
		return (v & 0xfff) == 0 && (n & ~0x1ffu) == DIFF_MARK ? (int)(n & 0x1ff) : -1;
	}
	uint32_t n = (uint32_t)(v >> 12) & 0xfffff;
	return v == diff_code_word(n) && (n & ~0x1ffu) == DIFF_MARK ? (int)(n & 0x1ff) : -1;
}

/* The data page a store reached (restored), or -1. */
static int page_of_store(void)
{
	int found = -1;
	for (unsigned p = 0; p < DIFF_PAGES; p++) {
		volatile uint64_t *w = table(DIFF_DATA + p * 0x1000ull + DIFF_OFF);
		uint64_t want = diff_code_word(DIFF_MARK | p);
		if (*w != want) {
			found = found < 0 ? (int)p : -2;
			*w = want;
		}
	}
	if (found != -1)
		fence_i();
	return found;
}

static int run_access(const struct diff_scen *s, unsigned idx, uint64_t *cause, uint64_t *tval)
{
	uint64_t v = 0, store = STORE_MARK | idx;
	probe_reset();
	if (s->sum)
		sstatus_set(SSTATUS_SUM);
	if (s->mxr)
		sstatus_set(SSTATUS_MXR);
	if (s->user) {
		user_result = 0;
		user_run(STUB_VA, s->access, s->va, store);
		v = user_result;
	} else if (s->access == DIFF_LOAD) {
		probe_read(s->va, &v);
	} else if (s->access == DIFF_STORE) {
		probe_write(s->va, store);
	} else {
		probe_exec(s->va, &v);
	}
	sstatus_clear(SSTATUS_SUM | SSTATUS_MXR);
	*cause = bm_fault.count ? bm_fault.cause : 0;
	*tval = bm_fault.tval;
	if (s->user && *cause == EXC_ECALL_U && bm_fault.count == 1)
		*cause = 0;
	if (*cause)
		return s->access == DIFF_STORE ? page_of_store() : -1;
	return s->access == DIFF_STORE ? page_of_store() : page_of_value(s->access, v);
}

void run_diff(struct pt_table *kt)
{
	unsigned levels = bm_env.fmt->levels, n = diff_count(levels);
	uint64_t kernel_satp = csr_satp();
	setup_root(kt, levels);
	plant_all();
	csr_write_satp(pt_riscv_satp(bm_rv.satp_mode, 0, DIFF_TABLE(levels, levels - 1)));
	sfence_vma_all();
	for (unsigned idx = 0; idx < n; idx++) {
		struct diff_scen s;
		diff_scenario(levels, idx, &s);
		write_path(levels, &s);
		uint64_t cause, tval;
		int page = run_access(&s, idx, &cause, &tval);
		uint64_t changed = 0;
		for (unsigned i = s.leaf; i < levels; i++)
			changed |= ((table(diff_pte_pa(levels, &s, i))[0] ^ s.pte[i]) & 0xff) << (8 * i);
		kprintf("D %u c%lu t%u p", idx, (unsigned long)cause, !cause || tval == s.va);
		if (page >= 0)
			kprintf("%d", page);
		else
			kprintf(page == -1 ? "-" : "?");
		kprintf(" a%lx\n", (unsigned long)changed);
	}
	csr_write_satp(kernel_satp);
	sfence_vma_all();
	kprintf("%u scenarios run\n", n);
}
