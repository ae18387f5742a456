/* SPDX-License-Identifier: MIT */
/*
 * The table dump: runs of contiguous slots with equal level, property and
 * trackedness (or all empty), in address order, as Linux's page-table dump
 * walks them; and the line format of each run.
 */
#include <pt/debug.h>

#include "node.h"

struct line {
	char *buf;
	unsigned len;
};

static void put_char(struct line *l, char ch)
{
	if (l->len + 1 < PT_DUMP_LINE_MAX)
		l->buf[l->len++] = ch;
	l->buf[l->len] = '\0';
}

static void put_str(struct line *l, const char *s)
{
	while (*s)
		put_char(l, *s++);
}

static void put_hex(struct line *l, uint64_t v)
{
	put_str(l, "0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		put_char(l, "0123456789abcdef"[(v >> shift) & 0xf]);
}

static void put_dec(struct line *l, uint64_t v, unsigned width)
{
	char digits[24];
	unsigned n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (width-- > n)
		put_char(l, ' ');
	while (n)
		put_char(l, digits[--n]);
}

/* "4K", "2M", "1G", "512G": the largest unit that divides @bytes. */
static void put_size(struct line *l, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	unsigned u = 0;
	bytes >>= 10;
	while (u + 1 < sizeof(units) - 1 && bytes >= 1024 && !(bytes & 1023)) {
		bytes >>= 10;
		u++;
	}
	put_dec(l, bytes, 8);
	put_char(l, units[u]);
}

static const char *const cache_names[PT_CACHE__COUNT] = {
	"WB", "WT", "WC", "UC", "UC-", "WP",
};

void pt_dump_run_line(const struct pt_dump_run *r, char *buf)
{
	struct line l = { buf, 0 };
	uint16_t fl = r->prop.flags;
	buf[0] = '\0';
	put_hex(&l, r->start);
	put_char(&l, '-');
	if (r->start + r->size == 0)
		put_str(&l, "0x10000000000000000");    /* the top of the address space */
	else
		put_hex(&l, r->start + r->size);
	put_size(&l, r->size);
	put_str(&l, "  L");
	put_dec(&l, r->level, 1);
	if (!r->mapped) {
		put_str(&l, " hole");
		return;
	}
	put_char(&l, ' ');
	put_char(&l, fl & PT_R ? 'r' : '-');
	put_char(&l, fl & PT_W ? 'w' : '-');
	put_char(&l, fl & PT_X ? 'x' : '-');
	put_str(&l, fl & PT_USER ? " usr" : " sys");
	put_str(&l, fl & PT_GLOBAL ? " glb" : "    ");
	put_str(&l, fl & PT_ACCESSED ? " A" : "  ");
	put_str(&l, fl & PT_DIRTY ? "D" : " ");
	put_str(&l, fl & PT_SW0 ? " s0" : "   ");
	put_str(&l, fl & PT_SW1 ? " s1" : "   ");
	put_char(&l, ' ');
	put_str(&l, cache_names[r->prop.cache < PT_CACHE__COUNT ? r->prop.cache : 0]);
	put_str(&l, r->tracked ? " tracked" : "");
}

struct dumper {
	const struct pt_format *f;
	pt_dump_run_fn out;
	void *ctx;
	bool active;
	struct pt_dump_run run;
};

static void flush_run(struct dumper *d)
{
	if (d->active)
		d->out(d->ctx, &d->run);
	d->active = false;
}

static void add_slot(struct dumper *d, const struct pt_dump_run *slot)
{
	struct pt_dump_run *r = &d->run;
	if (d->active && r->start + r->size == slot->start && r->level == slot->level &&
	    r->mapped == slot->mapped && r->own == slot->own && r->tracked == slot->tracked &&
	    pt_prop_eq(r->prop, slot->prop)) {
		r->size += slot->size;
		return;
	}
	flush_run(d);
	d->run = *slot;
	d->active = true;
}

static void dump_node(struct dumper *d, struct pt_node *n, pt_vaddr_t base,
		      unsigned lo, unsigned hi, bool own)
{
	uint64_t size = pt_fmt_page_size(d->f, n->level);
	for (unsigned i = lo; i < hi; i++) {
		pt_pte_t pte = node_load_acquire(n, i);
		pt_vaddr_t va = base + i * size;
		struct pt_dump_run slot = { va, size, n->level, false, false, own, { 0, 0 } };
		struct pt_pte_info info = d->f->decode(pte, n->level);
		if (pte && info.kind == PT_PTE_TABLE) {
			dump_node(d, node_of(n->env, info.pa), va, 0, pt_fmt_nr_entries(d->f), own);
			continue;
		}
		if (pte && info.kind == PT_PTE_LEAF) {
			slot.mapped = true;
			slot.tracked = info.tracked;
			slot.prop = info.prop;
		}
		add_slot(d, &slot);
	}
}

/* The first address of root slot @i: sign-extended where the format asks. */
static pt_vaddr_t root_slot_va(const struct pt_format *f, unsigned i)
{
	pt_vaddr_t va = (pt_vaddr_t)i * pt_fmt_page_size(f, f->levels);
	if (f->va_sign_extend && f->va_bits < 64 && (va >> (f->va_bits - 1)) & 1)
		va |= ~(((pt_vaddr_t)1 << f->va_bits) - 1);
	return va;
}

static void dump_root_slots(struct dumper *d, struct pt_node *root, unsigned lo, unsigned hi,
			    bool own)
{
	uint64_t slot = pt_fmt_page_size(d->f, d->f->levels);
	if (lo < hi)
		dump_node(d, root, root_slot_va(d->f, lo) - (pt_vaddr_t)lo * slot, lo, hi, own);
}

void pt_table_dump_runs(struct pt_table *t, bool whole_root, pt_dump_run_fn fn, void *ctx)
{
	if (!t || !t->root || !fn)
		return;
	const struct pt_reclaim *r = &t->env->reclaim;
	struct dumper d = { .f = t->env->fmt, .out = fn, .ctx = ctx };
	unsigned nr = pt_fmt_nr_entries(d.f);

	r->ops->read_lock(r->ctx);
	if (whole_root)
		dump_root_slots(&d, t->root, 0, t->top_lo, false);
	/* The table's own slots map its window (on a split root: the whole root). */
	uint64_t slot = pt_fmt_page_size(d.f, d.f->levels);
	dump_node(&d, t->root, t->va_lo - (pt_vaddr_t)t->top_lo * slot, t->top_lo, t->top_hi, true);
	if (whole_root)
		dump_root_slots(&d, t->root, t->top_hi, nr, false);
	flush_run(&d);
	r->ops->read_unlock(r->ctx);
}

struct line_sink {
	pt_dump_line_fn out;
	void *ctx;
};

static void put_mapped_run(void *ctx, const struct pt_dump_run *run)
{
	struct line_sink *s = ctx;
	char buf[PT_DUMP_LINE_MAX];
	if (!run->mapped)
		return;
	pt_dump_run_line(run, buf);
	s->out(s->ctx, buf);
}

void pt_table_dump(struct pt_table *t, pt_dump_line_fn out, void *ctx)
{
	if (!out)
		return;
	struct line_sink s = { out, ctx };
	pt_table_dump_runs(t, false, put_mapped_run, &s);
}
