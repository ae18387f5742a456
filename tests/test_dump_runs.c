/* SPDX-License-Identifier: MIT */
/*
 * pt_table_dump_runs: the runs tile the window (or the whole root) in address
 * order, holes included, each maximal; the mapped ones are pt_table_dump's
 * lines; slots outside the table's window are marked not own.
 */
#include <stdio.h>
#include <string.h>

#include "core_util.h"

#define MAX_RUNS 256

static const struct pt_prop RW = { PT_RW, PT_CACHE_WB };

struct runs {
	struct pt_dump_run r[MAX_RUNS];
	unsigned n;
};

static void collect_run(void *ctx, const struct pt_dump_run *run)
{
	struct runs *rs = ctx;
	assert_true(rs->n < MAX_RUNS);
	rs->r[rs->n++] = *run;
}

struct lines {
	char text[MAX_RUNS][PT_DUMP_LINE_MAX];
	unsigned n;
};

static void collect_line(void *ctx, const char *line)
{
	struct lines *l = ctx;
	assert_true(l->n < MAX_RUNS);
	snprintf(l->text[l->n++], PT_DUMP_LINE_MAX, "%s", line);
}

/* Contiguous from @start, each run maximal (its neighbour differs); returns the bytes covered. */
static uint64_t check_tiling(const struct runs *rs, pt_vaddr_t start)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < rs->n; i++) {
		const struct pt_dump_run *r = &rs->r[i];
		assert_true(r->size > 0 && r->size % PT_PAGE_SIZE == 0);
		assert_true(r->level >= 1 && r->level <= th_fmt->levels);
		if (i == 0)
			assert_true(r->start == start);
		else if (rs->r[i - 1].start + rs->r[i - 1].size == r->start) {
			const struct pt_dump_run *p = &rs->r[i - 1];
			assert_false(p->level == r->level && p->mapped == r->mapped &&
				     p->own == r->own && p->tracked == r->tracked &&
				     pt_prop_eq(p->prop, r->prop));
		} else {
			/* Only the non-canonical gap between the halves is skipped. */
			assert_true(th_fmt->va_sign_extend);
		}
		if (!r->mapped)
			assert_true(r->prop.flags == 0 && !r->tracked);
		total += r->size;
	}
	return total;
}

static void runs_tile_the_window(void **state)
{
	(void)state;
	struct th h;
	struct pt_table e;
	struct runs rs = { .n = 0 };
	struct lines dump = { .n = 0 };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_empty(&e, &h.env), PT_OK);
	assert_int_equal(th_map_range(&e, 2 * MiB - 0x2000, 0, 0x3000, RW), PT_OK);
	cu_map_in(&e, 0, 1 * GiB, 4 * MiB, 4 * MiB, 4 * MiB, RW);
	pt_paddr_t frame = th_frame(&h);
	struct pt_item it = cu_item(frame, 1, PT_RW, true);
	cu_map(&e, 8 * MiB, &it);
	pt_table_dump_runs(&e, false, collect_run, &rs);
	assert_true(check_tiling(&rs, e.va_lo) == e.va_size);
	assert_true(rs.r[0].start == 0 && rs.r[0].size == 2 * MiB - 0x2000);
	assert_true(rs.r[0].level == 1 && !rs.r[0].mapped && rs.r[0].own);
	assert_true(rs.r[1].mapped && rs.r[1].size == 0x3000 && rs.r[1].level == 1);
	/* The mapped runs, formatted, are pt_table_dump's lines; holes read "hole". */
	pt_table_dump(&e, collect_line, &dump);
	unsigned mapped = 0;
	for (unsigned i = 0; i < rs.n; i++) {
		char line[PT_DUMP_LINE_MAX];
		pt_dump_run_line(&rs.r[i], line);
		if (!rs.r[i].mapped) {
			assert_non_null(strstr(line, " hole"));
			continue;
		}
		assert_true(mapped < dump.n);
		assert_string_equal(line, dump.text[mapped++]);
	}
	assert_int_equal(mapped, dump.n);
	assert_int_equal(dump.n, 3);
	assert_non_null(strstr(dump.text[2], "tracked"));
	/* Without a mapping: one hole per level at most. */
	assert_true(th_unmap(&e, 0, cu_user_end()) > 0);
	rs.n = 0;
	pt_table_dump_runs(&e, false, collect_run, &rs);
	assert_true(check_tiling(&rs, e.va_lo) == e.va_size);
	for (unsigned i = 0; i < rs.n; i++)
		assert_false(rs.r[i].mapped);
	assert_true(rs.n <= th_fmt->levels);
	assert_int_equal(pt_table_destroy(&e), PT_OK);
	th_fini(&h);
}

static uint64_t root_span(void)
{
	return (uint64_t)pt_fmt_nr_entries(th_fmt) * cu_size(th_fmt->levels);
}

static void whole_root_marks_the_other_half(void **state)
{
	(void)state;
	struct th h;
	struct pt_table k, u;
	struct runs rs = { .n = 0 };
	th_init(&h, 64 * MiB);
	assert_int_equal(pt_table_create_kernel(&k, &h.env), PT_OK);
	assert_int_equal(pt_table_create_user(&u, &k), PT_OK);
	pt_vaddr_t kb = th_kernel_base();
	struct pt_prop glb = { PT_RW | PT_GLOBAL, PT_CACHE_WB };
	assert_int_equal(th_map_range(&k, kb + 0x3000, 0x3000, 0x1000, glb), PT_OK);
	assert_int_equal(th_map_range(&u, 0x1000, 0x1000, 0x1000, RW), PT_OK);
	if (th_fmt->split_root) {
		/* A split root has no other half: the whole root is the table's own window. */
		pt_table_dump_runs(&u, true, collect_run, &rs);
		assert_true(check_tiling(&rs, 0) == u.va_size);
		for (unsigned i = 0; i < rs.n; i++)
			assert_true(rs.r[i].own && (!rs.r[i].mapped || rs.r[i].start == 0x1000));
		rs.n = 0;
		pt_table_dump_runs(&k, true, collect_run, &rs);
		assert_true(check_tiling(&rs, kb) == k.va_size);
		for (unsigned i = 0; i < rs.n; i++)
			assert_true(rs.r[i].own && (!rs.r[i].mapped || rs.r[i].start == kb + 0x3000));
		assert_int_equal(pt_table_destroy(&u), PT_OK);
		assert_int_equal(pt_table_destroy(&k), PT_OK);
		th_fini(&h);
		return;
	}
	/* The user table: its own lower half, then the kernel's, not own. */
	pt_table_dump_runs(&u, true, collect_run, &rs);
	assert_true(check_tiling(&rs, 0) == root_span());
	bool kernel_page = false;
	for (unsigned i = 0; i < rs.n; i++) {
		const struct pt_dump_run *r = &rs.r[i];
		bool in_window = r->start - u.va_lo < u.va_size;
		assert_true(r->own == in_window);
		if (r->mapped && !r->own) {
			assert_true(r->start == kb + 0x3000 && r->size == 0x1000);
			assert_true(r->prop.flags & PT_GLOBAL);
			kernel_page = true;
		}
	}
	assert_true(kernel_page);
	/* Own window only: the kernel page is left out. */
	rs.n = 0;
	pt_table_dump_runs(&u, false, collect_run, &rs);
	assert_true(check_tiling(&rs, 0) == u.va_size);
	/* The kernel table: the lower half is holes, not own. */
	rs.n = 0;
	pt_table_dump_runs(&k, true, collect_run, &rs);
	assert_true(check_tiling(&rs, 0) == root_span());
	for (unsigned i = 0; i < rs.n && rs.r[i].start < kb; i++)
		assert_true(!rs.r[i].own && !rs.r[i].mapped);
	assert_int_equal(pt_table_destroy(&u), PT_OK);
	assert_int_equal(pt_table_destroy(&k), PT_OK);
	th_fini(&h);
}

int main(int argc, char **argv)
{
	th_select_format(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runs_tile_the_window),
		cmocka_unit_test(whole_root_marks_the_other_half),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
