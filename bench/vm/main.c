/* SPDX-License-Identifier: MIT */
/*
 * ptbench-vm [--smoke] [--repeats N] [--only NAME]: each case and its bound
 * (the same operation, no CPU running the address space) alternate over the
 * repeats; the table gives medians per operation, their ratio, and the
 * flushes and IPIs per operation. --smoke caps ranges at 16 MiB, one repeat:
 * it checks every case runs, translates right and frees everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmb.h"

#define MAX_REPEATS 64
#define SMOKE_LEN (16ull << 20)

struct opts {
	unsigned repeats;
	bool smoke;
	const char *only;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static bool parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .repeats = 5 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			o->smoke = true;
			o->repeats = 1;
		} else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) {
			o->repeats = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			o->only = argv[++i];
		} else {
			fprintf(stderr, "usage: ptbench-vm [--smoke] [--repeats N] [--only NAME]\n");
			return false;
		}
	}
	if (o->repeats == 0 || o->repeats > MAX_REPEATS) {
		fprintf(stderr, "ptbench-vm: --repeats takes 1..%u\n", MAX_REPEATS);
		return false;
	}
	return true;
}

/* Run @c (and its bound) @repeats times; print its row. False if a check failed. */
static bool run_case(struct vmb *b, const struct vmb_case *c, unsigned repeats)
{
	uint64_t ns[MAX_REPEATS], bound[MAX_REPEATS];
	struct vmb_sample s = { 0 }, sb = { 0 };
	for (unsigned r = 0; r < repeats; r++) {
		const char *err = c->run(b, c, c->cpus, &s);
		if (!err)
			err = c->run(b, c, 0, &sb);
		if (err) {
			fprintf(stderr, "ptbench-vm: %s: %s\n", c->name, err);
			return false;
		}
		ns[r] = s.ns / s.ops;
		bound[r] = sb.ns / sb.ops;
	}
	uint64_t mid = median(ns, repeats), mid_bound = median(bound, repeats);
	printf("%-24s %4u %10llu %12llu %12llu %10.2f %10.2f %8.2f\n", c->name, c->cpus,
	       (unsigned long long)(c->len >> 10), (unsigned long long)mid,
	       (unsigned long long)mid_bound, mid_bound ? (double)mid / (double)mid_bound : 0.0,
	       (double)s.flushes / (double)s.ops, (double)s.ipis / (double)s.ops);
	return true;
}

int main(int argc, char **argv)
{
	struct opts o;
	if (!parse(argc, argv, &o))
		return 2;
	struct vmb *b = vmb_new(o.smoke ? 256ull << 20 : (1ull << 30) + (256ull << 20));
	bool ok = true;
	printf("# ptbench-vm: ns per operation, median of %u; bound: the same operation with no "
	       "CPU running the address space (wall clock)\n", o.repeats);
	printf("%-24s %4s %10s %12s %12s %10s %10s %8s\n", "case", "cpus", "KiB", "ns/op",
	       "bound ns/op", "ratio", "flushes/op", "IPIs/op");
	for (unsigned i = 0; i < vmb_nr_cases && ok; i++) {
		struct vmb_case c = vmb_cases[i];
		if (o.only && strcmp(o.only, c.name))
			continue;
		if (o.smoke && c.len > SMOKE_LEN)
			c.len = SMOKE_LEN;
		ok = run_case(b, &c, o.repeats);
	}
	vmb_free(b);
	return ok ? 0 : 1;
}
