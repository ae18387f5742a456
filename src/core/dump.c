/* SPDX-License-Identifier: MIT */
/*
 * The table dump: one line per run of contiguous leaves with equal level,
 * property and trackedness, as Linux's page-table dump prints them.
 */
#include <pt/debug.h>

#include "node.h"

struct line {
	char buf[160];
	unsigned len;
};

static void put_char(struct line *l, char ch)
{
	if (l->len + 1 < sizeof(l->buf))
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

struct run {
	bool active;
	pt_vaddr_t va;
	uint64_t size;
	pt_level_t level;
	struct pt_prop prop;
	bool tracked;
};

struct dumper {
	const struct pt_format *f;
	pt_dump_line_fn out;
	void *ctx;
	struct run run;
};

static void flush_run(struct dumper *d)
{
	struct run *r = &d->run;
	struct line l = { .len = 0 };
	uint16_t fl = r->prop.flags;
	if (!r->active)
		return;
	put_hex(&l, r->va);
	put_char(&l, '-');
	put_hex(&l, r->va + r->size);
	put_size(&l, r->size);
	put_str(&l, "  L");
	put_dec(&l, r->level, 1);
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
	d->out(d->ctx, l.buf);
	r->active = false;
}

static void add_leaf(struct dumper *d, pt_vaddr_t va, pt_level_t level,
		     const struct pt_pte_info *info)
{
	struct run *r = &d->run;
	uint64_t size = pt_fmt_page_size(d->f, level);
	if (r->active && r->va + r->size == va && r->level == level &&
	    pt_prop_eq(r->prop, info->prop) && r->tracked == info->tracked) {
		r->size += size;
		return;
	}
	flush_run(d);
	*r = (struct run){ true, va, size, level, info->prop, info->tracked };
}

static void dump_node(struct dumper *d, struct pt_node *n, pt_vaddr_t base,
		      unsigned lo, unsigned hi)
{
	uint64_t size = pt_fmt_page_size(d->f, n->level);
	for (unsigned i = lo; i < hi; i++) {
		pt_pte_t pte = node_load_acquire(n, i);
		if (!pte)
			continue;
		struct pt_pte_info info = d->f->decode(pte, n->level);
		pt_vaddr_t va = base + i * size;
		if (info.kind == PT_PTE_TABLE)
			dump_node(d, node_of(n->env, info.pa), va, 0, pt_fmt_nr_entries(d->f));
		else
			add_leaf(d, va, n->level, &info);
	}
}

void pt_table_dump(struct pt_table *t, pt_dump_line_fn out, void *ctx)
{
	if (!t || !t->root || !out)
		return;
	const struct pt_reclaim *r = &t->env->reclaim;
	struct dumper d = { .f = t->env->fmt, .out = out, .ctx = ctx };
	uint64_t slot = pt_fmt_page_size(d.f, d.f->levels);

	r->ops->read_lock(r->ctx);
	dump_node(&d, t->root, t->va_lo - (pt_vaddr_t)t->top_lo * slot, t->top_lo, t->top_hi);
	flush_run(&d);
	r->ops->read_unlock(r->ctx);
}
