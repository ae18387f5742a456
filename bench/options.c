/* SPDX-License-Identifier: MIT */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"

static const char help_text[] =
	"usage: ptbench [OPTION]...\n"
	"Time libpt's map, unmap, protect and scan against a lower-bound page-table loop run\n"
	"the same way in the same process; ratios are libpt's pages/s over the bound's.\n"
	"Each case is timed by wall clock (CLOCK_MONOTONIC) and by each thread's CPU clock.\n"
	"\n"
	"What to run:\n"
	"  --size BYTES[K|M|G]  bytes per thread, a multiple of 2 MiB up to 256 GiB (default 1G)\n"
	"  --size-gib N         the same in GiB\n"
	"  --sweep[=MIN-MAX]    run every size from MIN to MAX, doubling (default 256M-16G);\n"
	"                       cases that would need more host memory than --mem-limit are\n"
	"                       skipped at that size (tracked cases need one frame per page)\n"
	"  --case NAME          run only NAME and the cases it is compared with (--list);\n"
	"                       cycles_4k names the growth check\n"
	"  --repeats N          measured repeats per case, the median is reported\n"
	"                       (default 5; 3 with --sweep)\n"
	"  --warmup N           unmeasured repeats before them (default 1)\n"
	"  --cycles N           map_range/unmap cycles of the table-growth check (default 1000;\n"
	"                       0 skips it)\n"
	"  --smoke              a quick correctness run: 8 MiB, 1 repeat, no warm-up (the\n"
	"                       meson test 'bench' suite runs this; it never checks a ratio)\n"
	"  --mem-limit BYTES    host memory a case may use (default half of MemAvailable)\n"
	"\n"
	"How libpt runs:\n"
	"  --urcu               defer frees through liburcu's call_rcu, as pt_sim_env does;\n"
	"                       by default a list drained at the end of each timed region\n"
	"                       (liburcu's batching delay costs ~20 ms per drain whatever\n"
	"                       was freed, see bench/reclaim.h)\n"
	"  --poison             let the simulated RAM poison freed frames (slower; catches\n"
	"                       use after free)\n"
	"\n"
	"Output:\n"
	"  --json               one JSON document: schema, run metadata, one row per case (all\n"
	"                       rows share one set of keys), raw samples, targets (README)\n"
	"  --check              exit 3 if a target ptbench measures is missed; instruction\n"
	"                       targets are left to scripts/bench-callgrind --check\n"
	"  --targets            print the targets (with --json as JSON) and exit\n"
	"  --list               print the case names, each with the bound it is compared with\n"
	"  -h, --help           print this help and exit\n"
	"\n"
	"Exit status: 0 ok; 1 a case failed to run, translated wrongly or leaked; 2 bad usage;\n"
	"3 (--check only) every case ran correctly but a measured target was missed.\n";

static void usage(const char *why)
{
	fprintf(stderr, "ptbench: %s (see ptbench --help)\n", why);
	exit(2);
}

/* A size like 4096, 64M or 2G. */
static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);
	if (end == s)
		usage("bad size");
	if (*end == 'K' || *end == 'k')
		v *= KiB;
	else if (*end == 'M' || *end == 'm')
		v *= MiB;
	else if (*end == 'G' || *end == 'g')
		v *= GiB;
	else if (*end)
		usage("bad size");
	return v;
}

/* MIN-MAX of --sweep. */
static void parse_sweep(const char *s, struct bench_opts *o)
{
	char buf[64];
	const char *dash = strchr(s, '-');
	o->sweep = true;
	if (!dash || (size_t)(dash - s) >= sizeof(buf))
		usage("--sweep wants MIN-MAX, e.g. --sweep=64M-256M");
	snprintf(buf, sizeof(buf), "%.*s", (int)(dash - s), s);
	o->sweep_min = parse_size(buf);
	o->sweep_max = parse_size(dash + 1);
}

static unsigned parse_uint(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (end == s || *end || v > 1000000000ul)
		usage("bad number");
	return (unsigned)v;
}

/* Half of MemAvailable, or 4 GiB if /proc/meminfo says nothing. */
static uint64_t default_mem_limit(void)
{
	char line[128];
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib ? kib * KiB / 2 : 4 * GiB;
}

static void list_cases(void)
{
	for (unsigned c = 0; c < bench_nr_cases; c++)
		printf("%-26s %s\n", bench_cases[c].name,
		       bench_cases[c].bound ? bench_cases[c].bound : "-");
	printf("%-26s %s\n", "cycles_4k", "-");
	exit(0);
}

/* One option without a value; false if @a is not one. */
static bool flag(const char *a, struct bench_opts *o)
{
	if (!strcmp(a, "--json"))
		o->json = true;
	else if (!strcmp(a, "--urcu"))
		o->urcu = true;
	else if (!strcmp(a, "--poison"))
		o->poison = true;
	else if (!strcmp(a, "--check"))
		o->check = true;
	else if (!strcmp(a, "--targets"))
		o->targets_only = true;
	else if (!strcmp(a, "--smoke"))
		o->smoke = true;
	else if (!strcmp(a, "--list"))
		list_cases();
	else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		exit(fputs(help_text, stdout) < 0);
	else if (!strncmp(a, "--sweep=", 8))
		parse_sweep(a + 8, o);
	else
		return false;
	return true;
}

/* One option with the value @v; false if @a is not one. */
static bool valued(const char *a, const char *v, struct bench_opts *o)
{
	if (!strcmp(a, "--size"))
		o->size = parse_size(v);
	else if (!strcmp(a, "--size-gib"))
		o->size = (uint64_t)parse_uint(v) * GiB;
	else if (!strcmp(a, "--repeats"))
		o->repeats = parse_uint(v);
	else if (!strcmp(a, "--warmup"))
		o->warmup = parse_uint(v);
	else if (!strcmp(a, "--cycles"))
		o->cycles = parse_uint(v);
	else if (!strcmp(a, "--case"))
		o->only = v;
	else if (!strcmp(a, "--mem-limit"))
		o->mem_limit = parse_size(v);
	else
		return false;
	return true;
}

static bool size_ok(uint64_t size)
{
	return size >= 2 * MiB && size % (2 * MiB) == 0 && size <= 256 * GiB;
}

/* The defaults --smoke and --sweep change, unless given. */
static void apply_modes(struct bench_opts *o, bool repeats_set, bool warmup_set)
{
	if (o->smoke) {
		o->size = 8 * MiB;
		o->repeats = repeats_set ? o->repeats : 1;
		o->warmup = warmup_set ? o->warmup : 0;
	}
	if (o->sweep && !repeats_set)
		o->repeats = 3;
	if (o->sweep)
		o->size = o->sweep_min;
	if (!o->mem_limit)
		o->mem_limit = default_mem_limit();
}

void parse_args(int argc, char **argv, struct bench_opts *o)
{
	bool repeats_set = false, warmup_set = false;
	*o = (struct bench_opts){ .size = GiB, .repeats = 5, .warmup = 1, .cycles = 1000,
				  .argc = argc, .argv = argv };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--sweep")) {
			parse_sweep(v && v[0] >= '0' && v[0] <= '9' ? argv[++i] : "256M-16G", o);
		} else if (flag(a, o)) {
			continue;
		} else if (!v || a[0] != '-' || !valued(a, v, o)) {
			fprintf(stderr, "ptbench: unknown option or missing value: %s\n", a);
			usage("bad usage");
		} else {
			repeats_set |= !strcmp(a, "--repeats");
			warmup_set |= !strcmp(a, "--warmup");
			i++;
		}
	}
	apply_modes(o, repeats_set, warmup_set);
	if (!size_ok(o->size) || (o->sweep && (!size_ok(o->sweep_max) || o->sweep_max < o->sweep_min)))
		usage("sizes must be multiples of 2 MiB up to 256 GiB, MIN <= MAX");
	if (o->repeats == 0)
		usage("repeats must be at least 1");
}
