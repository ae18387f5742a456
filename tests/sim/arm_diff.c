/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 differential's hosted side: every scenario of
 * tests/baremetal/aarch64/diff_gen.c walked by sim/arm's walker (with the
 * scenario's TCR_EL1.HA/HD and PAN, updating AF and AP[2] as hardware
 * does), on simulated RAM at the kernel's physical addresses. Prints the
 * line the test kernel prints for the same scenario, then "# " and what the
 * scenario varies.
 *   arm_diff print 0    the lines
 *   arm_diff            self-check: hand-derived outcomes of a few families
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pt/sim/arm_mmu.h>
#include "diff_gen.h"
#include <pt/sim/ram.h>

#define AF (1ull << 10)
#define AP2 (1ull << 7)

struct outcome {
	unsigned fsc;           /* 0: translated */
	int page;               /* data page reached; -1 none, -2 outside the data pages */
	uint64_t changed;
};

static void store_table(struct pt_sim_ram *ram, uint64_t pa)
{
	for (unsigned e = 0; e < 512; e++)
		pt_sim_ram_store64(ram, pa + e * 8, 0);
}

static struct outcome run(struct pt_sim_arm *m, unsigned idx, struct diff_scen *s)
{
	static const enum pt_sim_arm_access acc[] = { PT_SIM_ARM_READ, PT_SIM_ARM_WRITE, PT_SIM_ARM_FETCH };
	struct outcome o = { 0, -1, 0 };
	diff_scenario(idx, s);
	for (unsigned i = 1; i < 4; i++)
		store_table(m->ram, DIFF_TABLE(i));
	pt_sim_ram_store64(m->ram, DIFF_TABLE(0) + 8, 0);
	for (unsigned i = 0; i <= s->leaf; i++)
		pt_sim_ram_store64(m->ram, diff_desc_pa(s, i), s->d[i]);
	struct pt_sim_arm_regs r = { .ttbr0 = DIFF_TABLE(0), .ha = s->ha, .hd = s->hd, .pan = s->pan };
	struct pt_sim_arm_xlat x = pt_sim_arm_walk(m, &r, s->va, acc[s->access], s->el0, true);
	if (x.fault == PT_SIM_ARM_OK) {
		uint64_t off = x.pa - DIFF_DATA - DIFF_OFF;
		o.page = x.pa >= DIFF_DATA + DIFF_OFF && !(off & 0xfff) && off >> 12 < DIFF_PAGES
				 ? (int)(off >> 12) : -2;
	} else {
		o.fsc = x.fsc;
	}
	o.changed = (pt_sim_ram_load64(m->ram, diff_desc_pa(s, s->leaf)) ^ s->d[s->leaf]) & (AF | AP2);
	return o;
}

static void print_all(struct pt_sim_arm *m)
{
	unsigned n = diff_count();
	for (unsigned idx = 0; idx < n; idx++) {
		struct diff_scen s;
		struct outcome o = run(m, idx, &s);
		printf("D %u f%x t1 p", idx, o.fsc);
		if (o.page >= 0)
			printf("%d", o.page);
		else
			printf(o.page == -1 ? "-" : "?");
		printf(" a%llx # %s\n", (unsigned long long)o.changed, s.what);
	}
}

static int failures;

static void expect(bool ok, unsigned idx, const char *what, const char *why)
{
	if (ok)
		return;
	printf("FAIL scenario %u (%s): %s\n", idx, what, why);
	failures++;
}

/* Outcomes derived by hand from the Arm ARM, over whole families. */
static void self_check(struct pt_sim_arm *m)
{
	unsigned n = diff_count(), ok = 0, faults = 0;
	expect(n >= 200, 0, "count", "fewer than 200 scenarios");
	for (unsigned idx = 0; idx < n; idx++) {
		struct diff_scen s;
		struct outcome o = run(m, idx, &s);
		if (o.fsc)
			faults++;
		else
			ok++;
		if (o.fsc)
			expect(!(o.changed & AP2), idx, s.what, "a fault made a leaf writable");
		if (!o.fsc)
			expect(o.page == (int)(idx % DIFF_PAGES) || strstr(s.what, "OA12") ||
			       strstr(s.what, "b1 "), idx, s.what, "a translation reached another page");
		if (strstr(s.what, "leaf AP01 ^V "))
			expect(o.fsc == 0x04u + s.leaf, idx, s.what, "an invalid leaf translated");
		const char *tv = strstr(s.what, "table ^V L");
		if (tv)
			expect(o.fsc == 0x04u + (unsigned)(tv[10] - '0'), idx, s.what,
			       "an invalid table descriptor did not fault at its level");
		if (strstr(s.what, "perm AP00") && s.el0 && s.access != DIFF_FETCH)
			expect(o.fsc == 0x0fu, idx, s.what, "EL0 reached an EL1-only page");
		if (strstr(s.what, "perm AP01") && !s.el0 && s.pan && s.access != DIFF_FETCH)
			expect(o.fsc == 0x0fu, idx, s.what, "EL1 reached a user page with PAN set");
		if (strstr(s.what, "perm AP01") && !s.el0 && s.access == DIFF_FETCH)
			expect(o.fsc == 0x0fu, idx, s.what, "EL1 ran EL0-writable memory");
		if (strstr(s.what, "hw DBM AP2") && strstr(s.what, "HA HD") && s.access == DIFF_STORE)
			expect(!o.fsc && o.changed == (AP2 | AF), idx, s.what,
			       "HD did not clear AP[2] (and HA set AF)");
		if (strstr(s.what, "hw AP2") && s.access == DIFF_STORE)
			expect(o.fsc != 0, idx, s.what, "a read-only leaf without DBM took a store");
		if (!strstr(s.what, "AF") && strstr(s.what, "noHA") && strstr(s.what, "hw"))
			expect(o.fsc == 0x0bu, idx, s.what, "AF clear without HA did not fault");
	}
	printf("%u scenarios, %u translate, %u fault\n", n, ok, faults);
	expect(ok >= 50 && faults >= 50, 0, "mix", "too few of one outcome");
}

int main(int argc, char **argv)
{
	struct pt_sim_ram *ram = pt_sim_ram_create(DIFF_BASE + (16ull << 20));
	static struct pt_sim_arm m;
	if (!ram || !pt_sim_arm_init(&m, ram, 1))
		return 2;
	if (argc == 3 && !strcmp(argv[1], "print"))
		print_all(&m);
	else
		self_check(&m);
	pt_sim_arm_destroy(&m);
	pt_sim_ram_destroy(ram);
	return failures ? 1 : 0;
}
