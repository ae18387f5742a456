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

uint64_t raw_walk(uint64_t va, unsigned *level)
{
	uint64_t table = ((va >> 48) ? read_ttbr1() : read_ttbr0()) & X_OA_MASK;
	for (unsigned lv = 0;; lv++) {
		unsigned idx = (unsigned)(va >> (39 - 9 * lv)) & 511;
		uint64_t d = ((const volatile uint64_t *)bm_virt(table))[idx];
		*level = lv;
		if (!(d & X_VALID)) {
			*level = 4;
			return d;
		}
		if (!(d & X_PAGE) || lv == 3)
			return d;
		table = d & X_OA_MASK;
	}
}

void check_fault(struct rows *s, unsigned ec, unsigned fsc, uint64_t va, bool store)
{
	const struct bm_fault *f = &bm_fault;
	if (!fsc && !f->count)
		return;
	bool wnr_ok = (ec != EC_DABT_CUR && ec != EC_DABT_LOW) || !(f->esr & ESR_WNR) == !store;
	if (fsc && f->count == 1 && ESR_EC(f->esr) == ec && ESR_FSC(f->esr) == fsc && f->far == va &&
	    wnr_ok)
		return;
	kprintf("# exceptions: %lu taken, ESR 0x%lx FAR 0x%lx; want %s EC 0x%x FSC 0x%x FAR 0x%lx%s\n",
		(unsigned long)f->count, (unsigned long)f->esr, (unsigned long)f->far,
		fsc ? "one," : "none", ec, fsc, (unsigned long)va, store ? " WnR" : "");
	row_bad(s, fsc ? "not the expected abort" : "unexpected abort");
}

/* A cursor over the naturally aligned @window holding @va, standing at @va. */
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
	uint64_t window = pt_fmt_page_size(fmt, it->level + 1);
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

int run_rows(struct pt_vmspace *kvs)
{
	struct rows s = { .kvs = kvs, .kt = &kvs->table, .hafdbs = (read_mmfr1() & 0xf) >= 2, .tcr = read_tcr() };
	rows_table(&s);
	rows_user(&s);
	write_tcr(s.tcr);
	kprintf("%u passed, %u failed\n", s.passed, s.failed);
	return s.failed != 0;
}
