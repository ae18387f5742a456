/* SPDX-License-Identifier: MIT */
/* Row bookkeeping, the kernel's own page walk, TLB flushes and the run. */
#include "scen.h"

void scen_bad(struct scen *s, const char *why)
{
	if (!s->row_bad)
		s->why = why;
	s->row_bad = true;
}

void scen_end(struct scen *s, const char *name)
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

void scen_skip(struct scen *s, const char *name, const char *reason)
{
	s->n++;
	s->passed++;
	kprintf("ok %u %s # SKIP %s\n", s->n, name, reason);
}

uint64_t raw_walk(unsigned levels, uint64_t va, unsigned *level)
{
	uint64_t table = read_cr3() & X_ADDR;
	for (unsigned lv = levels;; lv--) {
		unsigned idx = (unsigned)(va >> (12 + 9 * (lv - 1))) & 511;
		uint64_t pte = ((const volatile uint64_t *)bm_virt(table))[idx];
		*level = lv;
		if (lv == 1 || (lv <= 3 && (pte & X_PS)))
			return pte;
		if (!(pte & X_P)) {
			*level = 0;
			return pte;
		}
		table = pte & X_ADDR;
	}
}

void check_fault(struct scen *s, unsigned vec, uint64_t err, uint64_t cr2)
{
	const struct bm_fault *f = &bm_fault;
	if (!vec && !f->count)
		return;
	if (vec && f->count == 1 && f->vector == vec && (vec != 14 || (f->err == err && f->cr2 == cr2)))
		return;
	kprintf("# fault: %u taken, vector %u err 0x%lx cr2 0x%lx; want %s vector %u err 0x%lx "
		"cr2 0x%lx\n", f->count, f->vector, (unsigned long)f->err, (unsigned long)f->cr2,
		vec ? "one," : "none", vec, (unsigned long)err, (unsigned long)cr2);
	scen_bad(s, vec ? "not the expected fault" : "unexpected fault");
}

/*
 * A cursor over the naturally aligned @window holding @va, standing at @va.
 * The cursor's guard is the lowest node covering its range, and a leaf can
 * only be mapped in a node below the guard's level or at it: a 2 MiB leaf
 * needs a range wider than its own slot, so map opens the next level's slot.
 */
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

enum pt_err scen_map(struct pt_table *t, uint64_t va, const struct pt_item *it)
{
	struct pt_cursor_mut m;
	uint64_t window = pt_fmt_page_size(t->env->fmt, it->level + (it->level > 1));
	enum pt_err e = open_window(&m, t, va, window);
	if (e != PT_OK)
		return e;
	e = pt_cursor_map(&m, it);
	pt_cursor_mut_drop(&m);
	return e;
}

enum pt_err scen_take(struct pt_table *t, uint64_t va, uint64_t len, struct pt_frag *f)
{
	struct pt_cursor_mut m;
	enum pt_err e = open_window(&m, t, va, 1ull << 30);
	if (e != PT_OK)
		return e;
	e = pt_cursor_take_next(&m, len, f);
	pt_cursor_mut_drop(&m);
	return e;
}

/* INVLPG every page of a small range; a CR4.PGE toggle (globals too) for a large one. */
void bm_flush(uint64_t va, uint64_t len)
{
	if (bm_break_noflush)
		return;
	if (len > 512 * PT_PAGE_SIZE) {
		uint64_t cr4 = read_cr4();
		write_cr4(cr4 & ~(1ull << 7));
		write_cr4(cr4);
		return;
	}
	for (uint64_t off = 0; off < len; off += PT_PAGE_SIZE)
		invlpg(va + off);
}

int run_scenarios(struct pt_table *kt)
{
	uint32_t r[4];
	cpuid(0x80000001u, 0, r);
	struct scen s = { .kt = kt, .levels = bm_env.fmt->levels, .gbpages = r[3] >> 26 & 1 };
	kprintf("# 1 GiB pages: %s\n", s.gbpages ? "yes" : "no");
	scen_table(&s);
	scen_extra(&s);
	kprintf("%u passed, %u failed\n", s.passed, s.failed);
	return s.failed != 0;
}
