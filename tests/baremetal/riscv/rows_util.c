/* SPDX-License-Identifier: MIT */
/* Row bookkeeping, the kernel's own page walk, and the run. */
#include "rows.h"

void row_bad(struct rows *s, const char *why)
{
	if (!s->row_bad)
		s->why = why;
	s->row_bad = true;
}

void row_end(struct rows *s, const char *name)
{
	s->n++;
	if (s->row_bad) {
		s->failed++;
		kprintf("not ok %u %s: %s\n", s->n, name, s->why);
	} else {
		s->passed++;
		kprintf("ok %u %s\n", s->n, name);
	}
	s->row_bad = false;
}

void row_skip(struct rows *s, const char *name, const char *reason)
{
	s->n++;
	s->passed++;
	kprintf("ok %u %s # SKIP %s\n", s->n, name, reason);
}

uint64_t raw_walk(unsigned levels, uint64_t va, unsigned *level)
{
	uint64_t table = (csr_satp() & ((1ull << 44) - 1)) << 12;
	for (unsigned lv = levels;; lv--) {
		unsigned idx = (unsigned)(va >> (12 + 9 * (lv - 1))) & 511;
		uint64_t pte = ((const volatile uint64_t *)bm_virt(table))[idx];
		*level = lv;
		if (!(pte & X_V)) {
			*level = 0;
			return pte;
		}
		if ((pte & (X_R | X_W | X_X)) || lv == 1)
			return pte;
		table = (pte >> X_PPN_SHIFT & ((1ull << 44) - 1)) << 12;
	}
}

void check_trap(struct rows *s, uint64_t cause, uint64_t va)
{
	const struct bm_fault *f = &bm_fault;
	if (!cause && !f->count)
		return;
	if (cause && f->count == 1 && f->cause == cause && f->tval == va)
		return;
	kprintf("# trap: %lu taken, scause %lu stval 0x%lx; want %s scause %lu stval 0x%lx\n",
		(unsigned long)f->count, (unsigned long)f->cause, (unsigned long)f->tval,
		cause ? "one," : "none", (unsigned long)cause, (unsigned long)va);
	row_bad(s, cause ? "not the expected page fault" : "unexpected trap");
}

/* A cursor over the naturally aligned @window holding @va, standing at @va
 * (a leaf is mapped in a node below the cursor's guard or at it). */
PT_MUST_CHECK static enum pt_err open_window(struct pt_cursor_mut *m, struct pt_table *t, uint64_t va,
			       uint64_t window)
{
	enum pt_err e = pt_cursor_mut_new(m, t, va & ~(window - 1), window);
	if (e != PT_OK)
		return e;
	e = pt_cursor_jump(&m->c, va);
	if (e != PT_OK)
		pt_cursor_mut_drop(m);
	return e;
}

enum pt_err row_map(struct pt_table *t, uint64_t va, const struct pt_item *it)
{
	struct pt_cursor_mut m;
	const struct pt_format *fmt = t->env->fmt;
	uint64_t window = it->level < fmt->levels ? pt_fmt_page_size(fmt, it->level + 1)
						  : 2 * pt_fmt_page_size(fmt, it->level);
	enum pt_err e = open_window(&m, t, va, window);
	if (e != PT_OK)
		return e;
	e = pt_cursor_map(&m, it);
	pt_cursor_mut_drop(&m);
	return e;
}

enum pt_err row_take(struct pt_table *t, uint64_t va, uint64_t len, struct pt_frag *f)
{
	struct pt_cursor_mut m;
	enum pt_err e = open_window(&m, t, va, 1ull << 30);
	if (e != PT_OK)
		return e;
	e = pt_cursor_take_next(&m, len, f);
	pt_cursor_mut_drop(&m);
	return e;
}

pt_paddr_t marked_frame(uint64_t mark)
{
	pt_paddr_t pa = bm_data_frame();
	*(volatile uint64_t *)bm_virt(pa) = mark;
	return pa;
}

void expect_read(struct rows *s, uint64_t va, uint64_t want, const char *why)
{
	uint64_t got = 0;
	probe_reset();
	if (probe_read(va, &got) || got != want) {
		kprintf("# read 0x%lx: 0x%lx, want 0x%lx\n", (unsigned long)va, (unsigned long)got,
			(unsigned long)want);
		row_bad(s, why);
	}
}

int run_rows(struct pt_vmspace *kvs, bool pbmt)
{
	struct rows s = { .kvs = kvs, .kt = &kvs->table, .levels = bm_env.fmt->levels, .pbmt = pbmt };
	rows_table(&s);
	rows_extra(&s);
	rows_user(&s);
	kprintf("%u passed, %u failed\n", s.passed, s.failed);
	return s.failed != 0;
}
