/* SPDX-License-Identifier: MIT */
/*
 * ptbench [--size BYTES|--size-gib N] [--repeats N] [--warmup N] [--cycles N]
 *         [--json] [--case NAME] [--smoke] [--urcu] [--poison] [--list]
 * Exit status 1 if any case failed to run, translated wrongly or leaked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "report.h"

static struct result results[64];
static bool failed;

_Static_assert(sizeof(results) / sizeof(results[0]) >= 40, "too few result slots");

static void usage(void)
{
	fprintf(stderr, "usage: ptbench [--size BYTES[K|M|G]|--size-gib N] [--repeats N] "
			"[--warmup N] [--cycles N] [--json] [--case NAME] [--smoke] [--urcu] [--poison] [--list]\n");
	exit(2);
}

/* A size like 4096, 64M or 2G. */
static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);
	if (*end == 'K' || *end == 'k')
		v *= KiB;
	else if (*end == 'M' || *end == 'm')
		v *= MiB;
	else if (*end == 'G' || *end == 'g')
		v *= GiB;
	else if (*end)
		usage();
	return v;
}

/* Parse the command line into @o; print the cases and exit for --list. */
static void parse_args(int argc, char **argv, struct bench_opts *o)
{
	*o = (struct bench_opts){ .size = GiB, .repeats = 5, .warmup = 1, .cycles = 1000 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--json"))
			o->json = true;
		else if (!strcmp(a, "--urcu"))
			o->urcu = true;
		else if (!strcmp(a, "--poison"))
			o->poison = true;
		else if (!strcmp(a, "--smoke"))
			*o = (struct bench_opts){ .size = 8 * MiB, .repeats = 1, .cycles = 1000,
						  .json = o->json, .smoke = true, .only = o->only,
						  .urcu = o->urcu, .poison = o->poison };
		else if (!strcmp(a, "--list"))
			for (unsigned c = 0; c < bench_nr_cases || (exit(0), 0); c++)
				puts(bench_cases[c].name);
		else if (!v)
			usage();
		else if (!strcmp(a, "--size"))
			o->size = parse_size(argv[++i]);
		else if (!strcmp(a, "--size-gib"))
			o->size = strtoull(argv[++i], NULL, 0) * GiB;
		else if (!strcmp(a, "--repeats"))
			o->repeats = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--warmup"))
			o->warmup = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--cycles"))
			o->cycles = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--case"))
			o->only = argv[++i];
		else
			usage();
	}
	if (o->size < 2 * MiB || o->size % (2 * MiB) || o->size > 256 * GiB || o->repeats == 0) {
		fprintf(stderr, "ptbench: size must be a multiple of 2 MiB up to 256 GiB, repeats >= 1\n");
		exit(2);
	}
}

/* Run case @i unless done, after the cases it is compared with; then print it. */
static const struct result *ensure(unsigned i, const struct bench_opts *o)
{
	const struct case_def *cd = &bench_cases[i];
	struct result *r = &results[i];
	if (r->cd)
		return r;
	const struct case_def *bcd = cd->bound ? case_find(cd->bound) : NULL;
	const struct case_def *scd = cd->single ? case_find(cd->single) : NULL;
	const struct result *b = bcd ? ensure((unsigned)(bcd - bench_cases), o) : NULL;
	const struct result *s = scd ? ensure((unsigned)(scd - bench_cases), o) : NULL;
	run_case(cd, o, r);
	if (b)
		r->bound_pps = b->pps;
	if (s && s->pps > 0)
		r->speedup = r->pps / s->pps;
	if (b && b->speedup > 0)
		r->bound_speedup = b->speedup;
	if (cd->is_bound && s && s->pps > 0)
		r->bound_speedup = r->speedup;
	failed |= r->fail != NULL;
	report_case(r, o);
	return r;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct cycles_result cr = { 0 };
	parse_args(argc, argv, &o);
	report_header(&o);
	for (unsigned i = 0; i < bench_nr_cases; i++) {
		if (o.only && strcmp(o.only, bench_cases[i].name))
			continue;
		ensure(i, &o);
	}
	if (o.only && !case_find(o.only) && strcmp(o.only, "cycles_4k")) {
		fprintf(stderr, "ptbench: no case %s (see --list)\n", o.only);
		return 2;
	}
	if (o.cycles && (!o.only || !strcmp(o.only, "cycles_4k"))) {
		run_cycles(&o, &cr);
		failed |= cr.fail != NULL;
		report_cycles(&cr, &o);
	}
	report_targets(results, &cr, &o);
	return failed ? 1 : 0;
}
