/* SPDX-License-Identifier: MIT */
/* Unmapping through libpt cursors; fragments are released as they come. */
#include "ops.h"

#include "fixture.h"

/* take_next over @len bytes from the cursor until nothing is left; fragments taken in *n. */
PT_MUST_CHECK static enum pt_err take_all(struct pt_cursor_mut *m, const struct pt_env *env, pt_vaddr_t end,
			    uint64_t *n)
{
	for (;;) {
		struct pt_frag f;
		enum pt_err err = pt_cursor_take_next(m, end - pt_cursor_virt_addr(&m->c), &f);
		if (err != PT_OK || f.kind == PT_FRAG_NONE)
			return err;
		pt_frag_release(env, &f);
		(*n)++;
	}
}

void lp_unmap(struct job *j)
{
	struct pt_cursor_mut m;
	uint64_t n = 0;
	enum pt_err err = pt_cursor_mut_new(&m, &j->fx->table, j->va, j->cursor_len);
	if (err == PT_OK) {
		err = take_all(&m, &j->fx->env, j->va + j->len, &n);
		pt_cursor_mut_drop(&m);
	}
	job_note(j, err);
}

/* Take exactly one page at the cursor; PT_ERR_NOT_MAPPED if something else came out. */
PT_MUST_CHECK static enum pt_err take_page(struct pt_cursor_mut *m, const struct pt_env *env, uint64_t size)
{
	struct pt_frag f;
	enum pt_err err = pt_cursor_take_next(m, size, &f);
	if (err != PT_OK)
		return err;
	bool page = f.kind == PT_FRAG_MAPPED && f.len == size;
	pt_frag_release(env, &f);
	return page ? PT_OK : PT_ERR_NOT_MAPPED;
}

void lp_page_unmap(struct job *j)
{
	struct pt_cursor_mut m;
	uint64_t size = bench_page_size(j->level);
	enum pt_err err = pt_cursor_mut_new(&m, &j->fx->table, j->va, j->cursor_len);
	if (err != PT_OK) {
		job_note(j, err);
		return;
	}
	for (uint64_t i = 0; i < j->pages && err == PT_OK; i++)
		err = take_page(&m, &j->fx->env, size);
	pt_cursor_mut_drop(&m);
	job_note(j, err);
}

void lp_cursor_unmap(struct job *j)
{
	struct pt_table *t = &j->fx->table;
	uint64_t size = bench_page_size(j->level);
	enum pt_err err = PT_OK;
	for (uint64_t i = 0; i < j->pages && err == PT_OK; i++) {
		struct pt_cursor_mut m;
		err = pt_cursor_mut_new(&m, t, j->va + i * size, size);
		if (err != PT_OK)
			break;
		err = take_page(&m, &j->fx->env, size);
		pt_cursor_mut_drop(&m);
	}
	job_note(j, err);
}
