/* SPDX-License-Identifier: MIT */
/* The machine fuzzer's table operations: activate, map, unmap, protect, recreate. */
#include "machine_input.h"

#include <inttypes.h>

#include "oracle.h"
#include <pt/sim/ram.h>

static void op_activate(struct fm_world *w, struct fz_in *in)
{
	unsigned cpu = in_u8(in) % w->nr_cpus;
	int t = fm_in_table(w, in);
	fm_on(w, cpu);
	fm_expect(w, pt_vmspace_activate_asid(&w->tab[t].vs, w->tab[t].asid), PT_OK, "activate");
	w->active[cpu] = t;
}

static uint16_t map_flags(int t, uint8_t b)
{
	uint16_t fl = PT_R | ((b & 1) ? PT_W : 0) | ((b & 2) ? PT_X : 0);
	if (b & 0x20)
		fl |= PT_ACCESSED | PT_DIRTY;
	if (t == 0)
		return (uint16_t)(fl | ((b & 4) ? PT_GLOBAL : 0));
	return (uint16_t)(fl | PT_USER);
}

/* One 4 KiB page at model page @idx through the open cursor. */
static void map_page(struct fm_world *w, struct pt_cursor_mut *m, int t, unsigned idx,
		     uint16_t flags, bool untracked)
{
	struct fm_page *p = &w->tab[t].pages[idx];
	struct pt_item item = { 0, 1, pt_prop_make(flags, PT_CACHE_WB), !untracked };
	uint32_t fi = 0;
	if (untracked)
		item.pa = FM_UNTRACKED_PA + ((pt_paddr_t)t * FM_PAGES + idx) * PT_PAGE_SIZE;
	else
		item.pa = w->frames[fi = fm_frame_new(w)].pa;
	fm_expect(w, pt_cursor_jump(&m->c, fm_va(w, t, idx)), PT_OK, "jump");
	enum pt_err want = p->kind != FM_NONE ? PT_ERR_MAPPED : PT_OK;
	fm_expect(w, pt_cursor_map(m, &item), want, "map 4K");
	if (want != PT_OK) {
		if (!untracked) {
			pt_sim_ram_put(w->ram, item.pa);
			w->frames[fi].refs = 0;
		}
		return;
	}
	p->kind = untracked ? FM_UNTRACKED : FM_TRACKED;
	p->flags = flags;
	p->frame = fi;
	p->pa = item.pa;
}

/* A 2 MiB untracked leaf over model pages [idx, idx + 512). */
static void map_huge(struct fm_world *w, struct pt_cursor_mut *m, int t, unsigned idx,
		     uint16_t flags)
{
	struct fm_page *p = &w->tab[t].pages[idx];
	pt_paddr_t pa = FM_UNTRACKED_PA + ((pt_paddr_t)t * FM_HUGE + (idx - FM_SMALL) / 512) *
					  (512 * PT_PAGE_SIZE);
	struct pt_item item = { pa, 2, pt_prop_make(flags, PT_CACHE_WB), false };
	bool empty = true;
	for (unsigned i = 0; i < 512; i++)
		empty &= p[i].kind == FM_NONE;
	fm_expect(w, pt_cursor_jump(&m->c, fm_va(w, t, idx)), PT_OK, "jump");
	enum pt_err err = pt_cursor_map(m, &item);
	fz_trace("  map 2M at page %u -> %s", idx, pt_strerror(err));
	/* An empty level-1 table left in the slot also answers PT_ERR_MAPPED. */
	if (err != PT_OK && err != PT_ERR_MAPPED)
		fz_fail("op %u: map 2M returned %s", w->op_no, pt_strerror(err));
	if (err == PT_OK && !empty)
		fz_fail("op %u: map 2M over a mapped slot succeeded", w->op_no);
	for (unsigned i = 0; err == PT_OK && i < 512; i++)
		p[i] = (struct fm_page){ FM_UNTRACKED, flags, 0, pa + i * PT_PAGE_SIZE };
}

static void op_map(struct fm_world *w, struct fz_in *in)
{
	fm_on(w, in_u8(in));
	int t = fm_in_table(w, in);
	unsigned idx = fm_in_page(in), n = fm_in_count(in, idx);
	uint8_t b = in_u8(in);
	uint16_t flags = map_flags(t, b);
	bool huge = (b & 0x10) && idx >= FM_SMALL;
	if (huge) {
		idx -= (idx - FM_SMALL) % 512;
		n = (n + 511) / 512 * 512;
		if (n > FM_PAGES - idx)
			n = FM_PAGES - idx;
	} else if (n > 16) {
		n = 16;
	}
	/* A 2 MiB leaf needs a cursor whose covering node is above level 1. */
	unsigned lo = huge ? FM_SMALL : idx, len = huge ? FM_PAGES - FM_SMALL : n;
	fz_trace("  map table %d pages [%u, %u) flags %#x%s", t, idx, idx + n, flags,
		 huge ? " 2M" : (b & 8) ? " untracked" : "");
	struct pt_cursor_mut m;
	fm_expect(w, pt_cursor_mut_new(&m, &w->tab[t].vs.table, fm_va(w, t, lo), len * PT_PAGE_SIZE),
		  PT_OK, "cursor");
	for (unsigned i = 0; i < n; i += huge ? 512 : 1) {
		if (huge)
			map_huge(w, &m, t, idx + i, flags);
		else
			map_page(w, &m, t, idx + i, flags, b & 8);
	}
	pt_cursor_mut_drop(&m);
}

struct give {
	struct fm_world *w;
	int t;
	unsigned idx, n, given;
};

/* pt_frame_fn: a removed frame comes back after its flush; no CPU may map it. */
static void give_frame(void *ctx, pt_paddr_t pa)
{
	struct give *g = ctx;
	struct fm_world *w = g->w;
	unsigned removed = 0;
	uint32_t refs = 0;
	for (unsigned i = g->idx; i < g->idx + g->n; i++) {
		const struct fm_page *p = &w->tab[g->t].pages[i];
		if (p->kind == FM_TRACKED && w->frames[p->frame].pa == pa) {
			removed++;
			refs = w->frames[p->frame].refs;
		}
	}
	if (!removed)
		fz_fail("op %u: unmap gave back frame %#" PRIx64 ", not one it removed", w->op_no, pa);
	/* A frame shared by fork may still be mapped, at the same address, elsewhere. */
	fm_check_uncached(w, pa, refs == removed, "a frame given back by unmap");
	g->given++;
	pt_sim_ram_put(w->ram, pa);
}

static void op_unmap(struct fm_world *w, struct fz_in *in)
{
	uint8_t b = in_u8(in);
	fm_on(w, b & 0x7fu);
	int t = fm_in_table(w, in);
	unsigned idx = fm_in_page(in), n = fm_in_count(in, idx), tracked = 0;
	struct give g = { w, t, idx, n, 0 };
	bool give = b & 0x80;
	fz_trace("  unmap table %d pages [%u, %u)%s", t, idx, idx + n, give ? " give" : "");
	for (unsigned i = idx; i < idx + n; i++)
		tracked += w->tab[t].pages[i].kind == FM_TRACKED;
	fm_expect(w, pt_vmspace_unmap(&w->tab[t].vs, fm_va(w, t, idx), n * PT_PAGE_SIZE,
				 give ? give_frame : NULL, &g), PT_OK, "unmap");
	/* Frames inside a detached sub-tree are freed with it, not given back. */
	if (g.given > tracked)
		fz_fail("op %u: unmap gave back %u frames, %u were mapped", w->op_no, g.given,
			tracked);
	for (unsigned i = 0; i < n; i++)
		fm_page_clear(w, t, idx + i);
}

static struct pt_protect protect_op(int t, uint8_t b)
{
	struct pt_protect op = { 0, 0, -1 };
	op.clear = (uint16_t)(((b & 1) ? PT_W : 0) | ((b & 2) ? PT_X : 0));
	op.set = (uint16_t)(((b & 4) ? PT_W : 0) | ((b & 8) ? PT_X : 0));
	if (t == 0 && (b & 0x10))
		op.set |= PT_GLOBAL;
	if (t == 0 && (b & 0x20))
		op.clear |= PT_GLOBAL;
	return op;
}

static void op_protect(struct fm_world *w, struct fz_in *in)
{
	fm_on(w, in_u8(in));
	int t = fm_in_table(w, in);
	unsigned idx = fm_in_page(in), n = fm_in_count(in, idx);
	uint8_t b = in_u8(in);
	struct pt_protect op = protect_op(t, b);
	pt_vaddr_t va = fm_va(w, t, idx);
	uint64_t len = n * PT_PAGE_SIZE;
	if (t != 0 && (b & 0x40)) {
		fm_expect(w, pt_vmspace_protect_flush_tlb(&w->tab[t].vs, va, len, op), PT_ERR_INVAL,
			  "protect_flush_tlb on a user table");
		return;
	}
	enum pt_err err = t == 0 ? pt_vmspace_protect_flush_tlb(&w->tab[0].vs, va, len, op)
				 : pt_vmspace_protect(&w->tab[t].vs, va, len, op);
	fm_expect(w, err, PT_OK, "protect");
	for (unsigned i = 0; i < n; i++) {
		struct fm_page *p = &w->tab[t].pages[idx + i];
		if (p->kind != FM_NONE)
			p->flags = (uint16_t)((p->flags & ~op.clear) | op.set);
	}
}

static void op_recreate(struct fm_world *w, struct fz_in *in)
{
	fm_on(w, in_u8(in));
	int t = fm_in_user(w, in);
	uint8_t asid = in_u8(in);
	bool busy = false;
	for (unsigned c = 0; c < w->nr_cpus; c++)
		busy |= w->active[c] == t;
	fm_expect(w, pt_vmspace_destroy(&w->tab[t].vs), busy ? PT_ERR_BUSY : PT_OK, "destroy");
	if (busy)
		return;
	for (unsigned i = 0; i < FM_PAGES; i++)
		fm_page_clear(w, t, i);
	fm_user_create(w, t, asid);
}

void fm_op_tables(struct fm_world *w, struct fz_in *in, uint8_t code)
{
	switch (code) {
	case 0: op_activate(w, in); break;
	case 1: op_map(w, in); break;
	case 2: op_unmap(w, in); break;
	case 3: op_protect(w, in); break;
	default: op_recreate(w, in); break;
	}
}
