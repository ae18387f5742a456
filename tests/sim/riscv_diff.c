/* SPDX-License-Identifier: MIT */
/*
 * The differential's hosted side: every scenario of
 * tests/baremetal/riscv/diff_gen.c walked by sim/riscv_walk.c in its
 * hardware-update mode (Svadu, as QEMU 7.2 sets A and D), on simulated RAM
 * at the kernel's physical addresses. Prints the line the test kernel
 * prints for the same scenario, then "# " and what the scenario varies.
 *   riscv_diff print 3|4    the lines for Sv39 | Sv48
 *   riscv_diff              self-check: hand-derived outcomes of a few families
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_gen.h"
#include <pt/sim/ram.h>
#include <pt/sim/riscv_walk.h>

struct outcome {
	unsigned cause;
	int page;               /* data page reached; -1 none, -2 outside the data pages */
	uint64_t changed;
};

static struct outcome run(struct pt_sim_ram *ram, unsigned levels, unsigned idx, struct diff_scen *s)
{
	static const enum pt_sim_rv_access acc[] = { PT_SIM_RV_LOAD, PT_SIM_RV_STORE, PT_SIM_RV_FETCH };
	struct outcome o = { 0, -1, 0 };
	diff_scenario(levels, idx, s);
	for (unsigned i = 0; i + 1 < levels; i++)
		for (unsigned e = 0; e < 512; e++)
			pt_sim_ram_store64(ram, DIFF_TABLE(levels, i) + e * 8, 0);
	pt_sim_ram_store64(ram, DIFF_TABLE(levels, levels - 1) + 8, 0);
	for (unsigned i = s->leaf; i < levels; i++)
		pt_sim_ram_store64(ram, diff_pte_pa(levels, s, i), s->pte[i]);
	struct pt_sim_rv_xlat x;
	enum pt_sim_rv_exc e = pt_sim_rv_walk(ram, levels, DIFF_TABLE(levels, levels - 1), s->va,
					acc[s->access], s->user, s->sum, s->mxr, PT_SIM_RV_SVADU, &x);
	o.cause = (unsigned)e;
	if (e == PT_SIM_RV_OK) {
		uint64_t off = x.pa - DIFF_DATA - DIFF_OFF;
		o.page = x.pa >= DIFF_DATA + DIFF_OFF && !(off & 0xfff) && off >> 12 < DIFF_PAGES
				 ? (int)(off >> 12) : -2;
	}
	for (unsigned i = s->leaf; i < levels; i++)
		o.changed |= ((pt_sim_ram_load64(ram, diff_pte_pa(levels, s, i)) ^ s->pte[i]) & 0xff)
			     << (8 * i);
	return o;
}

static void print_all(struct pt_sim_ram *ram, unsigned levels)
{
	unsigned n = diff_count(levels);
	for (unsigned idx = 0; idx < n; idx++) {
		struct diff_scen s;
		struct outcome o = run(ram, levels, idx, &s);
		printf("D %u c%u t1 p", idx, o.cause);
		if (o.page >= 0)
			printf("%d", o.page);
		else
			printf(o.page == -1 ? "-" : "?");
		printf(" a%llx # %s\n", (unsigned long long)o.changed, s.what);
	}
}

static int failures;

static void expect(bool ok, unsigned levels, unsigned idx, const char *what, const char *why)
{
	if (ok)
		return;
	printf("FAIL Sv%u scenario %u (%s): %s\n", levels == 3 ? 39 : 48, idx, what, why);
	failures++;
}

/* Outcomes derived by hand from the spec, over whole families. */
static void self_check(struct pt_sim_ram *ram, unsigned levels)
{
	unsigned n = diff_count(levels), ok = 0, faults = 0;
	expect(n >= 200, levels, 0, "count", "fewer than 200 scenarios");
	for (unsigned idx = 0; idx < n; idx++) {
		struct diff_scen s;
		struct outcome o = run(ram, levels, idx, &s);
		if (o.cause == 0)
			ok++;
		else
			faults++;
		unsigned want_cause = s.access == DIFF_FETCH ? 12 : s.access == DIFF_STORE ? 15 : 13;
		if (o.cause)
			expect(o.cause == want_cause, levels, idx, s.what, "fault of another access");
		if (o.cause)
			expect(o.changed == 0, levels, idx, s.what, "a fault changed an entry");
		if (!o.cause)
			expect(!(o.changed & ~(0xc0ull << (8 * s.leaf))), levels, idx, s.what,
			       "a translation changed more than the leaf's A and D");
		if (!o.cause && s.access == DIFF_STORE)
			expect(o.changed & (0x80ull << (8 * s.leaf)) ||
			       (s.pte[s.leaf] & 0x80), levels, idx, s.what, "a store left D clear");
		if (strstr(s.what, "^V ") || strstr(s.what, "^N ") || strstr(s.what, "^b54 ") ||
		    strstr(s.what, "^PBMT3 "))
			expect(o.cause != 0, levels, idx, s.what, "an invalid leaf translated");
		if (strstr(s.what, "leaf RWXAD ^RSW8") || strstr(s.what, "leaf RWXAD ^G"))
			expect(o.cause == 0 && o.page == (int)(idx % DIFF_PAGES), levels, idx, s.what,
			       "a software or G bit changed the translation");
		if (strstr(s.what, "matrix U") && strstr(s.what, "S-mode") && !strstr(s.what, "SUM") &&
		    s.access != DIFF_FETCH)
			expect(o.cause != 0, levels, idx, s.what, "S-mode reached a U page without SUM");
		if (strstr(s.what, "matrix X ") && strstr(s.what, "load") && !strstr(s.what, "MXR"))
			expect(o.cause != 0, levels, idx, s.what, "an X-only page loaded without MXR");
	}
	printf("Sv%u: %u scenarios, %u translate, %u fault\n", levels == 3 ? 39 : 48, n, ok, faults);
	expect(ok >= 50 && faults >= 50, levels, 0, "mix", "too few of one outcome");
}

int main(int argc, char **argv)
{
	struct pt_sim_ram *ram = pt_sim_ram_create(DIFF_BASE + (16ull << 20));
	if (!ram)
		return 2;
	if (argc == 3 && !strcmp(argv[1], "print")) {
		print_all(ram, (unsigned)atoi(argv[2]));
	} else {
		self_check(ram, 3);
		self_check(ram, 4);
	}
	pt_sim_ram_destroy(ram);
	return failures ? 1 : 0;
}
