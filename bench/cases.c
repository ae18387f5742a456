/* SPDX-License-Identifier: MIT */
#include "cases.h"

#include <string.h>

#include "bound.h"
#include "ops.h"

#define BOUND(nm, lv, pam, prep, fn, chk, thr, one)                                      \
	{ .name = "bound_" nm, .single = one, .threads = thr, .level = lv,               \
	  .is_bound = true, .pa_mode = pam, .prepare = prep, .run = fn, .check = chk }
#define LIBPT(nm, bnd, lv, trk, pam, prep, fn, chk, unmaps, thr, one)                    \
	{ .name = nm, .bound = "bound_" bnd, .single = one, .threads = thr, .level = lv,  \
	  .tracked = trk, .drain = unmaps, .big_cursor = lv == 3, .pa_mode = pam,        \
	  .prepare = prep, .run = fn, .check = chk }

const struct case_def bench_cases[] = {
	BOUND("bulk_map_4k", 1, PA_OFF_4K, NULL, bound_bulk_map, check_mapped, 1, NULL),
	BOUND("bulk_map_2m", 2, PA_OFF_2M, NULL, bound_bulk_map, check_mapped, 1, NULL),
	BOUND("bulk_map_1g", 3, PA_ALIGNED, NULL, bound_bulk_map, check_mapped, 1, NULL),
	BOUND("page_map_4k", 1, PA_OFF_4K, NULL, bound_page_map, check_mapped, 1, NULL),
	BOUND("bulk_unmap_4k", 1, PA_OFF_4K, bound_bulk_map, bound_bulk_unmap, check_unmapped, 1, NULL),
	BOUND("bulk_unmap_4k_tracked", 1, PA_OFF_4K, bound_bulk_map_tracked, bound_bulk_unmap_tracked,
	      check_unmapped, 1, NULL),
	BOUND("bulk_unmap_2m", 2, PA_OFF_2M, bound_bulk_map, bound_bulk_unmap, check_unmapped, 1, NULL),
	BOUND("bulk_unmap_1g", 3, PA_ALIGNED, bound_bulk_map, bound_bulk_unmap, check_unmapped, 1, NULL),
	BOUND("page_unmap_4k", 1, PA_OFF_4K, bound_bulk_map, bound_page_unmap, check_unmapped, 1, NULL),
	BOUND("bulk_protect_4k", 1, PA_OFF_4K, bound_bulk_map, bound_bulk_protect, check_protected, 1, NULL),
	BOUND("bulk_scan_4k", 1, PA_OFF_4K, bound_bulk_map, bound_bulk_scan, check_scanned, 1, NULL),
	BOUND("bulk_map_4k_t2", 1, PA_OFF_4K, NULL, bound_bulk_map, check_mapped, 2, "bound_bulk_map_4k"),
	BOUND("bulk_unmap_4k_t2", 1, PA_OFF_4K, bound_bulk_map, bound_bulk_unmap, check_unmapped, 2,
	      "bound_bulk_unmap_4k"),

	LIBPT("map_range_4k", "bulk_map_4k", 1, false, PA_OFF_4K, NULL, lp_map_range, check_mapped, false, 1, NULL),
	LIBPT("map_range_2m", "bulk_map_2m", 2, false, PA_OFF_2M, NULL, lp_map_range, check_mapped, false, 1, NULL),
	LIBPT("map_range_1g", "bulk_map_1g", 3, false, PA_ALIGNED, NULL, lp_map_range, check_mapped, false, 1, NULL),
	LIBPT("page_map_4k", "bulk_map_4k", 1, false, PA_OFF_4K, NULL, lp_page_map, check_mapped, false, 1, NULL),
	LIBPT("page_map_4k_tracked", "bulk_map_4k", 1, true, PA_OFF_4K, NULL, lp_page_map, check_mapped, false, 1, NULL),
	LIBPT("cursor_map_4k", "page_map_4k", 1, false, PA_OFF_4K, NULL, lp_cursor_map, check_mapped, false, 1, NULL),
	LIBPT("cursor_map_4k_tracked", "page_map_4k", 1, true, PA_OFF_4K, NULL, lp_cursor_map, check_mapped, false, 1, NULL),
	LIBPT("unmap_4k", "bulk_unmap_4k", 1, false, PA_OFF_4K, lp_prepare_map, lp_unmap, check_unmapped, true, 1, NULL),
	LIBPT("unmap_4k_tracked", "bulk_unmap_4k_tracked", 1, true, PA_OFF_4K, lp_prepare_map, lp_unmap, check_unmapped, true, 1, NULL),
	LIBPT("unmap_2m", "bulk_unmap_2m", 2, false, PA_OFF_2M, lp_prepare_map, lp_unmap, check_unmapped, true, 1, NULL),
	LIBPT("unmap_1g", "bulk_unmap_1g", 3, false, PA_ALIGNED, lp_prepare_map, lp_unmap, check_unmapped, true, 1, NULL),
	LIBPT("page_unmap_4k", "page_unmap_4k", 1, false, PA_OFF_4K, lp_prepare_map, lp_page_unmap, check_unmapped, true, 1, NULL),
	LIBPT("page_unmap_4k_tracked", "page_unmap_4k", 1, true, PA_OFF_4K, lp_prepare_map, lp_page_unmap, check_unmapped, true, 1, NULL),
	LIBPT("cursor_unmap_4k", "page_unmap_4k", 1, false, PA_OFF_4K, lp_prepare_map, lp_cursor_unmap, check_unmapped, true, 1, NULL),
	LIBPT("cursor_unmap_4k_tracked", "page_unmap_4k", 1, true, PA_OFF_4K, lp_prepare_map, lp_cursor_unmap, check_unmapped, true, 1, NULL),
	LIBPT("protect_4k", "bulk_protect_4k", 1, false, PA_OFF_4K, lp_prepare_map, lp_protect, check_protected, false, 1, NULL),
	LIBPT("protect_4k_tracked", "bulk_protect_4k", 1, true, PA_OFF_4K, lp_prepare_map, lp_protect, check_protected, false, 1, NULL),
	LIBPT("scan_4k", "bulk_scan_4k", 1, false, PA_OFF_4K, lp_prepare_map, lp_scan, check_scanned, false, 1, NULL),
	LIBPT("scan_4k_tracked", "bulk_scan_4k", 1, true, PA_OFF_4K, lp_prepare_map, lp_scan, check_scanned, false, 1, NULL),
	LIBPT("map_range_4k_t2", "bulk_map_4k_t2", 1, false, PA_OFF_4K, NULL, lp_map_range, check_mapped, false, 2,
	      "map_range_4k"),
	LIBPT("page_map_4k_t2", "bulk_map_4k_t2", 1, false, PA_OFF_4K, NULL, lp_page_map, check_mapped, false, 2,
	      "page_map_4k"),
	LIBPT("page_map_4k_tracked_t2", "bulk_map_4k_t2", 1, true, PA_OFF_4K, NULL, lp_page_map, check_mapped, false, 2,
	      "page_map_4k_tracked"),
	LIBPT("unmap_4k_t2", "bulk_unmap_4k_t2", 1, false, PA_OFF_4K, lp_prepare_map, lp_unmap, check_unmapped, true, 2,
	      "unmap_4k"),
};

const unsigned bench_nr_cases = sizeof(bench_cases) / sizeof(bench_cases[0]);

const struct case_def *case_find(const char *name)
{
	for (unsigned i = 0; i < bench_nr_cases; i++)
		if (!strcmp(bench_cases[i].name, name))
			return &bench_cases[i];
	return NULL;
}
