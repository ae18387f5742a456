/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "cases.h"

/* Bytes of table frames per GiB mapped by the case. */
static double table_bytes_per_gib(const struct result *r)
{
	double mapped = (double)r->pages * (double)bench_page_size(r->cd->level);
	return mapped > 0 ? (double)r->table_frames * 4096.0 * (double)GiB / mapped : 0;
}

static double ratio(const struct result *r)
{
	return r->bound_pps > 0 ? r->pps / r->bound_pps : 1.0;
}

void report_header(const struct bench_opts *o)
{
	if (o->json)
		return;
	printf("ptbench: %llu MiB per thread, %u warm-up + %u repeats, ratios against the "
	       "matching lower bound measured in this run\n\n",
	       (unsigned long long)(o->size / MiB), o->warmup, o->repeats);
	printf("%-24s %3s %9s %10s %21s %9s %-18s %9s %6s %6s %8s %4s %s\n", "case", "thr",
	       "pages", "median ms", "min-max ms", "Mpages/s", "bound", "Mpages/s", "ratio",
	       "tables", "KiB/GiB", "left", "status");
}

/* The JSON line of a case. */
static void case_json(const struct result *r)
{
	printf("{\"name\":\"%s\",\"pages\":%llu,\"threads\":%u,\"level\":%u,\"tracked\":%s,"
	       "\"median_ns\":%llu,\"min_ns\":%llu,\"max_ns\":%llu,\"pages_per_s\":%.0f,"
	       "\"bound\":%s%s%s,\"bound_pages_per_s\":%.0f,\"ratio_to_bound\":%.4f,"
	       "\"table_frames\":%llu,\"table_bytes_per_gib\":%.0f,\"frames_after_teardown\":%llu,",
	       r->cd->name, (unsigned long long)r->pages, r->cd->threads, r->cd->level,
	       r->cd->tracked ? "true" : "false", (unsigned long long)r->median_ns,
	       (unsigned long long)r->min_ns, (unsigned long long)r->max_ns, r->pps,
	       r->cd->bound ? "\"" : "", r->cd->bound ? r->cd->bound : "null",
	       r->cd->bound ? "\"" : "", r->bound_pps > 0 ? r->bound_pps : r->pps, ratio(r),
	       (unsigned long long)r->table_frames, table_bytes_per_gib(r),
	       (unsigned long long)r->frames_left);
	if (r->cd->threads > 1)
		printf("\"speedup\":%.4f,\"bound_speedup\":%.4f,", r->speedup, r->bound_speedup);
	printf("\"ok\":%s,\"error\":%s%s%s}\n", r->fail ? "false" : "true", r->fail ? "\"" : "",
	       r->fail ? r->fail : "null", r->fail ? "\"" : "");
}

void report_case(const struct result *r, const struct bench_opts *o)
{
	if (o->json) {
		case_json(r);
	} else {
		char range[32];
		snprintf(range, sizeof(range), "%.3f-%.3f", r->min_ns / 1e6, r->max_ns / 1e6);
		printf("%-24s %3u %9llu %10.3f %21s %9.2f %-18s %9.2f %6.3f %6llu %8.0f %4llu %s\n",
		       r->cd->name, r->cd->threads, (unsigned long long)r->pages,
		       r->median_ns / 1e6, range, r->pps / 1e6,
		       r->cd->bound ? r->cd->bound + 6 : "-", r->bound_pps / 1e6, ratio(r),
		       (unsigned long long)r->table_frames, table_bytes_per_gib(r) / KiB,
		       (unsigned long long)r->frames_left, r->fail ? r->fail : "ok");
	}
	fflush(stdout);
}

void report_cycles(const struct cycles_result *cr, const struct bench_opts *o)
{
	if (o->json) {
		printf("{\"name\":\"cycles_4k\",\"cycles\":%u,\"pages\":%llu,\"threads\":1,"
		       "\"ns_per_cycle\":%llu,\"table_frames\":%llu,\"tables_mapped\":%llu,"
		       "\"tables_unmapped\":%llu,\"frames_after_teardown\":%llu,\"ok\":%s}\n",
		       cr->cycles, (unsigned long long)cr->pages,
		       (unsigned long long)(cr->cycles ? cr->ns / cr->cycles : 0),
		       (unsigned long long)cr->peak_tables, (unsigned long long)cr->tables_mapped,
		       (unsigned long long)cr->tables_unmapped, (unsigned long long)cr->frames_left,
		       cr->fail ? "false" : "true");
	} else {
		printf("\n%u map_range/unmap cycles of %llu pages: %.3f ms each; table frames: peak %llu, "
		       "mapped %llu, unmapped %llu (never more); left after teardown %llu: %s\n",
		       cr->cycles, (unsigned long long)cr->pages,
		       cr->cycles ? cr->ns / 1e6 / cr->cycles : 0, (unsigned long long)cr->peak_tables,
		       (unsigned long long)cr->tables_mapped, (unsigned long long)cr->tables_unmapped,
		       (unsigned long long)cr->frames_left, cr->fail ? cr->fail : "ok");
	}
	fflush(stdout);
}
