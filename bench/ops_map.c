/* SPDX-License-Identifier: MIT */
/* Mapping through libpt cursors. */
#include "ops.h"

#include "fixture.h"

static const struct pt_prop rw = { PT_RW, PT_CACHE_WB };

void lp_map_range(struct job *j)
{
	struct pt_cursor_mut m;
	enum pt_err err = pt_cursor_mut_new(&m, &j->fx->table, j->va, j->cursor_len);
	if (err == PT_OK) {
		err = pt_cursor_map_range(&m, j->pa, j->len, rw);
		pt_cursor_mut_drop(&m);
	}
	job_note(j, err);
}

void lp_page_map(struct job *j)
{
	struct pt_cursor_mut m;
	struct pt_item item = { 0, j->level, rw, j->tracked };
	enum pt_err err = pt_cursor_mut_new(&m, &j->fx->table, j->va, j->cursor_len);
	if (err != PT_OK) {
		job_note(j, err);
		return;
	}
	for (uint64_t i = 0; i < j->pages && err == PT_OK; i++) {
		item.pa = job_page_pa(j, i);
		err = pt_cursor_map(&m, &item);
	}
	pt_cursor_mut_drop(&m);
	job_note(j, err);
}

void lp_cursor_map(struct job *j)
{
	struct pt_table *t = &j->fx->table;
	struct pt_item item = { 0, j->level, rw, j->tracked };
	uint64_t size = bench_page_size(j->level);
	enum pt_err err = PT_OK;
	for (uint64_t i = 0; i < j->pages && err == PT_OK; i++) {
		struct pt_cursor_mut m;
		err = pt_cursor_mut_new(&m, t, j->va + i * size, size);
		if (err != PT_OK)
			break;
		item.pa = job_page_pa(j, i);
		err = pt_cursor_map(&m, &item);
		pt_cursor_mut_drop(&m);
	}
	job_note(j, err);
}

void lp_prepare_map(struct job *j)
{
	if (j->tracked)
		lp_page_map(j);
	else
		lp_map_range(j);
}

/* Write-protect the job's range with the bulk loop (pt_cursor_protect), flushing as it must. */
void lp_protect(struct job *j)
{
	struct pt_cursor_mut m;
	struct pt_flush_target none = { 0 };       /* no CPU runs the table */
	struct pt_flusher f;
	struct pt_protect op = { PT_W, 0, -1 };
	enum pt_err err = pt_cursor_mut_new(&m, &j->fx->table, j->va, j->cursor_len);
	if (err != PT_OK) {
		job_note(j, err);
		return;
	}
	pt_flusher_init(&f, &j->fx->env, &none);
	err = pt_cursor_protect(&m, &f, j->len, op);
	pt_cursor_mut_drop(&m);
	pt_flusher_sync(&f);
	job_note(j, err);
}

/* Count the leaves of the job's range from the cursor on, one next_leaf call each. */
PT_MUST_CHECK static enum pt_err scan_leaves(struct pt_cursor *c, const struct job *j, uint64_t *n)
{
	pt_vaddr_t end = j->va + j->len;
	uint64_t rest = end - pt_cursor_virt_addr(c);
	for (;;) {
		struct pt_found r;
		enum pt_err err = pt_cursor_next_leaf(c, rest, &r);
		if (err != PT_OK || !r.found)
			return err;
		(*n)++;
		rest = end - r.next;
	}
}

void lp_scan(struct job *j)
{
	struct pt_cursor c;
	uint64_t n = 0;
	enum pt_err err = pt_cursor_new(&c, &j->fx->table, j->va, j->cursor_len);
	if (err == PT_OK) {
		err = scan_leaves(&c, j, &n);
		pt_cursor_drop(&c);
	}
	j->counted = n;
	job_note(j, err);
}
