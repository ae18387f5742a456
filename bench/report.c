/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "json.h"
#include "meta.h"

#define SCHEMA "ptbench/1"

static unsigned rows_out;         /* JSON rows printed so far */
static char *skipped_buf;         /* JSON entries of skipped cases */
static size_t skipped_len;
static FILE *skipped;

/* Bytes of table frames per GiB mapped by the case. */
static double table_bytes_per_gib(const struct result *r)
{
	double mapped = (double)r->pages * (double)bench_page_size(r->cd->level);
	return mapped > 0 ? (double)r->table_frames * 4096.0 * (double)GiB / mapped : 0;
}

double result_ratio(const struct result *r)
{
	return r->bound_pps > 0 ? r->pps / r->bound_pps : 0;
}

double result_cpu_ratio(const struct result *r)
{
	return r->bound_cpu_pps > 0 ? r->cpu_pps / r->bound_cpu_pps : 0;
}

double result_wall_over_cpu(const struct result *r)
{
	uint64_t busiest = 0;
	for (unsigned t = 0; t < r->cd->threads; t++)
		if (r->thread_cpu_ns[t] > busiest)
			busiest = r->thread_cpu_ns[t];
	return busiest ? (double)r->median_ns / (double)busiest : 0;
}

/* "bulk" or "per_page": how the bound of @cd walks; NULL for a bound. */
static const char *bound_kind(const struct case_def *cd)
{
	if (!cd->bound)
		return NULL;
	return strncmp(cd->bound, "bound_page_", 11) ? "bulk" : "per_page";
}

/* Why the multi-thread figures of @r measure the host more than libpt; NULL if they need not. */
static const char *host_warning(const struct result *r)
{
	if (r->cd->threads < 2 || r->free_cores >= r->cd->threads)
		return NULL;
	return "fewer free cores than threads: wall time and speed-up measure the host; "
	       "read CPU time and efficiency";
}

void report_begin(const struct bench_opts *o)
{
	rows_out = 0;
	skipped = open_memstream(&skipped_buf, &skipped_len);
	if (!o->json) {
		if (!o->targets_only)
			meta_text(stdout, o);
		return;
	}
	printf("{\"schema\":\"%s\",\"meta\":", SCHEMA);
	meta_json(stdout, o);
	printf(",\n\"rows\":[\n");
}

void report_header(const struct bench_opts *o)
{
	if (o->json)
		return;
	printf("\n== %llu MiB per thread; ratios against the matching lower bound measured in this "
	       "run\n", (unsigned long long)(o->size / MiB));
	printf("%-24s %3s %9s %10s %19s %9s %9s %-18s %6s %6s %5s %6s %8s %4s %s\n", "case", "thr",
	       "pages", "median ms", "min-max ms", "cpu ms", "Mpages/s", "bound", "ratio", "cpu-r",
	       "eff", "tables", "KiB/GiB", "left", "status");
}

/* The keys every row shares, from the name to the bound's figures. */
static void row_head(FILE *f, const char *name, const char *kind, const struct case_def *cd,
		     uint64_t size, uint64_t pages, unsigned repeats, unsigned warmup)
{
	fputc('{', f);
	json_key(f, "name"); json_str(f, name);
	fputc(',', f); json_key(f, "kind"); json_str(f, kind);
	fputc(',', f); json_key(f, "size"); json_u64(f, size);
	fputc(',', f); json_key(f, "threads"); json_u64(f, cd->threads);
	fputc(',', f); json_key(f, "level"); json_u64(f, cd->level);
	fputc(',', f); json_key(f, "page_size"); json_u64(f, bench_page_size(cd->level));
	fputc(',', f); json_key(f, "tracked"); json_bool(f, cd->tracked);
	fputc(',', f); json_key(f, "pages"); json_u64(f, pages);
	fputc(',', f); json_key(f, "repeats"); json_u64(f, repeats);
	fputc(',', f); json_key(f, "warmup"); json_u64(f, warmup);
	fputc(',', f); json_key(f, "bound"); json_str(f, cd->bound);
	fputc(',', f); json_key(f, "bound_kind"); json_str(f, bound_kind(cd));
	fputc(',', f); json_key(f, "single"); json_str(f, cd->single);
}

/* The wall and CPU times of a row; @min and @max may be unknown (growth check). */
static void row_times(FILE *f, uint64_t wall, const uint64_t *minmax, uint64_t cpu,
		      const uint64_t *thread_cpu, unsigned threads, uint64_t pages)
{
	fputc(',', f); json_key(f, "wall_median_ns"); json_u64(f, wall);
	fputc(',', f); json_key(f, "wall_min_ns"); json_num(f, minmax ? (double)minmax[0] : 0, minmax);
	fputc(',', f); json_key(f, "wall_max_ns"); json_num(f, minmax ? (double)minmax[1] : 0, minmax);
	fputc(',', f); json_key(f, "cpu_median_ns"); json_u64(f, cpu);
	fputc(',', f); json_key(f, "thread_cpu_median_ns");
	fputc('[', f);
	for (unsigned t = 0; t < threads; t++)
		fprintf(f, "%s%llu", t ? "," : "", (unsigned long long)thread_cpu[t]);
	fputc(']', f);
	fputc(',', f); json_key(f, "ns_per_page"); json_num(f, (double)wall / (double)pages, pages);
	fputc(',', f); json_key(f, "cpu_ns_per_page"); json_num(f, (double)cpu / (double)pages, pages);
	fputc(',', f); json_key(f, "pages_per_s"); json_num(f, pages * 1e9 / (double)wall, wall);
	fputc(',', f); json_key(f, "pages_per_cpu_s"); json_num(f, pages * 1e9 / (double)cpu, cpu);
}

/* The bound, speed-up and host figures of a case row. */
static void row_figures(FILE *f, const struct result *r)
{
	bool lp = r->cd->bound, multi = r->cd->threads > 1;
	fputc(',', f); json_key(f, "bound_pages_per_s"); json_num(f, r->bound_pps, lp);
	fputc(',', f); json_key(f, "bound_pages_per_cpu_s"); json_num(f, r->bound_cpu_pps, lp);
	fputc(',', f); json_key(f, "ratio_to_bound"); json_num(f, result_ratio(r), lp);
	fputc(',', f); json_key(f, "cpu_ratio_to_bound"); json_num(f, result_cpu_ratio(r), lp);
	fputc(',', f); json_key(f, "speedup"); json_num(f, r->speedup, multi);
	fputc(',', f); json_key(f, "bound_speedup"); json_num(f, r->bound_speedup, multi && lp);
	fputc(',', f); json_key(f, "efficiency"); json_num(f, r->efficiency, multi);
	fputc(',', f); json_key(f, "bound_efficiency");
	json_num(f, r->bound_efficiency, multi && lp);
	fputc(',', f); json_key(f, "wall_over_cpu"); json_num(f, result_wall_over_cpu(r), true);
	fputc(',', f); json_key(f, "free_cores"); json_num(f, r->free_cores, true);
	fputc(',', f); json_key(f, "warning"); json_str(f, host_warning(r));
}

/* The table, status and sample keys that close every row. */
static void row_tail(FILE *f, uint64_t frames, double per_gib, uint64_t left, const char *fail)
{
	fputc(',', f); json_key(f, "table_frames"); json_u64(f, frames);
	fputc(',', f); json_key(f, "table_bytes_per_gib"); json_num(f, per_gib, true);
	fputc(',', f); json_key(f, "frames_after_teardown"); json_u64(f, left);
	fputc(',', f); json_key(f, "ok"); json_bool(f, !fail);
	fputc(',', f); json_key(f, "error"); json_str(f, fail);
}

static void row_samples(FILE *f, const struct sample *s, unsigned n, unsigned threads)
{
	fputc(',', f); json_key(f, "samples");
	fputc('[', f);
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "%s{\"wall_ns\":%llu,\"cpu_ns\":[", i ? "," : "",
			(unsigned long long)s[i].wall_ns);
		for (unsigned t = 0; t < threads; t++)
			fprintf(f, "%s%llu", t ? "," : "", (unsigned long long)s[i].cpu_ns[t]);
		fputs("]}", f);
	}
	fputc(']', f);
}

static void case_json(const struct result *r, const struct bench_opts *o)
{
	const uint64_t minmax[2] = { r->min_ns, r->max_ns };
	printf("%s", rows_out++ ? ",\n" : "");
	row_head(stdout, r->cd->name, r->cd->is_bound ? "bound" : "libpt", r->cd, r->size, r->pages,
		 r->nr_samples, o->warmup);
	row_times(stdout, r->median_ns, minmax, r->cpu_ns, r->thread_cpu_ns, r->cd->threads,
		  r->pages);
	row_figures(stdout, r);
	fputc(',', stdout); json_key(stdout, "growth"); fputs("null", stdout);
	row_tail(stdout, r->table_frames, table_bytes_per_gib(r), r->frames_left, r->fail);
	row_samples(stdout, r->samples, r->nr_samples, r->cd->threads);
	fputc('}', stdout);
}

/* The notes under a multi-thread row: each thread's CPU time, speed-up, warning. */
static void thread_notes(const struct result *r)
{
	printf("    %u threads, CPU ms each:", r->cd->threads);
	for (unsigned t = 0; t < r->cd->threads; t++)
		printf(" %.3f", r->thread_cpu_ns[t] / 1e6);
	printf("; wall/cpu %.2f; speed-up %.2f", result_wall_over_cpu(r), r->speedup);
	if (r->cd->bound)
		printf(" (bound %.2f)", r->bound_speedup);
	printf("; efficiency %.2f", r->efficiency);
	if (r->cd->bound)
		printf(" (bound %.2f)", r->bound_efficiency);
	printf("; free cores %.1f\n", r->free_cores);
	if (host_warning(r))
		printf("    WARNING: %s\n", host_warning(r));
}

static void case_text(const struct result *r)
{
	char range[32], eff[16];
	bool lp = r->cd->bound;
	snprintf(range, sizeof(range), "%.3f-%.3f", r->min_ns / 1e6, r->max_ns / 1e6);
	snprintf(eff, sizeof(eff), r->cd->threads > 1 ? "%.2f" : "-", r->efficiency);
	printf("%-24s %3u %9llu %10.3f %19s %9.3f %9.2f %-18s ", r->cd->name, r->cd->threads,
	       (unsigned long long)r->pages, r->median_ns / 1e6, range, r->cpu_ns / 1e6,
	       r->pps / 1e6, lp ? r->cd->bound + 6 : "-");
	if (lp)
		printf("%6.3f %6.3f", result_ratio(r), result_cpu_ratio(r));
	else
		printf("%6s %6s", "-", "-");
	printf(" %5s %6llu %8.0f %4llu %s\n", eff, (unsigned long long)r->table_frames,
	       table_bytes_per_gib(r) / KiB, (unsigned long long)r->frames_left,
	       r->fail ? r->fail : "ok");
	if (r->cd->threads > 1)
		thread_notes(r);
}

void report_case(const struct result *r, const struct bench_opts *o)
{
	if (o->json)
		case_json(r, o);
	else
		case_text(r);
	fflush(stdout);
}

void report_skip(const struct case_def *cd, const struct bench_opts *o, const char *why)
{
	if (!o->json) {
		printf("%-24s skipped: %s\n", cd->name, why);
		return;
	}
	if (!skipped)
		return;
	fprintf(skipped, "%s{\"name\":", ftell(skipped) ? "," : "");
	json_str(skipped, cd->name);
	fprintf(skipped, ",\"size\":%llu,\"why\":", (unsigned long long)o->size);
	json_str(skipped, why);
	fputc('}', skipped);
}

/* The growth check as a row: its repeats are the cycles, its times per cycle. */
static void cycles_json(const struct cycles_result *cr, const struct bench_opts *o)
{
	static const struct case_def cd = { .name = "cycles_4k", .threads = 1, .level = 1 };
	uint64_t n = cr->cycles ? cr->cycles : 1;
	uint64_t wall = cr->ns / n, cpu = cr->cpu_ns / n;
	struct sample s = { .wall_ns = cr->ns, .cpu_ns = { cr->cpu_ns } };
	printf("%s", rows_out++ ? ",\n" : "");
	row_head(stdout, cd.name, "growth", &cd, o->size, cr->pages, cr->cycles, 0);
	row_times(stdout, wall, NULL, cpu, &cpu, 1, cr->pages);
	printf(",\"bound_pages_per_s\":null,\"bound_pages_per_cpu_s\":null,\"ratio_to_bound\":null,"
	       "\"cpu_ratio_to_bound\":null,\"speedup\":null,\"bound_speedup\":null,"
	       "\"efficiency\":null,\"bound_efficiency\":null,\"wall_over_cpu\":");
	json_num(stdout, cpu ? (double)wall / (double)cpu : 0, true);
	printf(",\"free_cores\":");
	json_num(stdout, host_free_cores(), true);
	printf(",\"warning\":null,\"growth\":{\"cycles\":%u,\"tables_mapped\":%llu,"
	       "\"tables_unmapped\":%llu}",
	       cr->cycles, (unsigned long long)cr->tables_mapped,
	       (unsigned long long)cr->tables_unmapped);
	row_tail(stdout, cr->peak_tables, 0, cr->frames_left, cr->fail);
	row_samples(stdout, &s, 1, 1);
	fputc('}', stdout);
}

void report_cycles(const struct cycles_result *cr, const struct bench_opts *o)
{
	if (o->json) {
		cycles_json(cr, o);
	} else {
		printf("\n%u map_range/unmap cycles of %llu pages: %.3f ms each (cpu %.3f); table "
		       "frames: peak %llu, mapped %llu, unmapped %llu (never more); left after "
		       "teardown %llu: %s\n",
		       cr->cycles, (unsigned long long)cr->pages,
		       cr->cycles ? cr->ns / 1e6 / cr->cycles : 0,
		       cr->cycles ? cr->cpu_ns / 1e6 / cr->cycles : 0,
		       (unsigned long long)cr->peak_tables, (unsigned long long)cr->tables_mapped,
		       (unsigned long long)cr->tables_unmapped, (unsigned long long)cr->frames_left,
		       cr->fail ? cr->fail : "ok");
	}
	fflush(stdout);
}

void report_end(const struct bench_opts *o, const char *targets_json)
{
	if (skipped)
		fclose(skipped);
	if (o->json)
		printf("\n],\n\"skipped\":[%s],\n\"targets\":[\n%s\n]}\n",
		       skipped_buf ? skipped_buf : "", targets_json ? targets_json : "");
	free(skipped_buf);
	skipped_buf = NULL;
	skipped = NULL;
	fflush(stdout);
}
