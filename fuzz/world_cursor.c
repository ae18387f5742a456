/* SPDX-License-Identifier: MIT */
/* Cursor operations: predict on the model, run for real, compare, check. */
#include "world.h"

#include <inttypes.h>
#include <string.h>

static struct pt_table *table(struct fz_world *w)
{
	return &w->h[w->cur_h].t;
}

static void check_err(enum pt_err got, enum pt_err want, const char *what)
{
	if (got != want)
		fz_fail("%s: %s, model %s", what, pt_strerror(got), pt_strerror(want));
}

/* Snapshot the table if the model predicts a failure, and arm the injection. */
void fz_arm(struct fz_world *w, struct pt_table *t, enum pt_err want, uint64_t fail_at,
		struct osnap *snap)
{
	if (want != PT_OK)
		*snap = oc_snapshot(t, w->ram);
	pt_sim_ram_fail_nth(w->ram, fail_at);
}

/* Disarm, compare the result, and unless @partial allows it, demand nothing changed. */
void fz_settle(struct fz_world *w, struct pt_table *t, enum pt_err got, enum pt_err want,
		   bool partial, const struct osnap *snap, const char *what)
{
	pt_sim_ram_fail_nth(w->ram, 0);
	check_err(got, want, what);
	fz_trace("op %u %s -> %s", w->op_no, what, pt_strerror(got));
	/* Where a failed operation leaves the cursor is not specified: follow it. */
	if (got != PT_OK && w->cur_h >= 0 && t == &w->h[w->cur_h].t) {
		w->mc.va = w->cur.c.va;
		w->mc.level = w->cur.c.level;
	}
	if (got != PT_OK && !(partial && got == PT_ERR_NOMEM))
		oc_same(*snap, oc_snapshot(t, w->ram), what);
}

static void check_pos(struct fz_world *w, const char *what)
{
	const struct pt_cursor *c = &w->cur.c;
	if (c->va != w->mc.va || c->level != w->mc.level)
		fz_fail("%s: cursor at 0x%" PRIx64 " L%u, model 0x%" PRIx64 " L%u", what, c->va,
			c->level, w->mc.va, w->mc.level);
}

static void check_cursor(struct fz_world *w, const char *what)
{
	check_pos(w, what);
	fz_check(w, w->cur_h, w->cur.c.start, w->cur.c.start + (w->cur.c.size - 1));
}

static uint64_t rest(const struct fz_world *w)
{
	return w->mc.size - (w->mc.va - w->mc.start);
}

void fz_op_open(struct fz_world *w, struct fz_in *in, int h)
{
	if (w->cur_h >= 0)
		fz_op_drop(w);
	if (h < 0 || w->h[h].tree < 0)
		return;
	struct mtree *m = fz_model(w, h);
	struct pt_table *t = &w->h[h].t;
	pt_vaddr_t va = in_va(in, m);
	uint8_t mode = in_u8(in);
	uint64_t len = mode < 0x30 ? (m->va_lo + m->va_size) - va : in_len(in, w->f);
	struct malloc_ctx a = { in_fail_at(in), 0 };
	struct mcur mc;
	struct osnap snap;
	enum pt_err want = mc_new(&mc, m, va, len, &a), got;
	fz_arm(w, t, want, a.fail_at, &snap);
	if (mode & 1)
		got = pt_cursor_mut_new(&w->cur, t, va, len);
	else
		got = pt_cursor_new(&w->cur.c, t, va, len);
	fz_settle(w, t, got, want, false, &snap, "cursor_new");
	fz_touch(w, va);
	if (got != PT_OK) {
		fz_check(w, h, va, va);
		return;
	}
	if (w->reclaim.depth != 1)
		fz_fail("cursor_new: %u read-side sections open", w->reclaim.depth);
	w->cur_h = h;
	w->cur_mut = mode & 1;
	w->mc = mc;
	if (w->cur.c.guard_level != mc.guard)
		fz_fail("cursor_new: guard level %u, model %u", w->cur.c.guard_level, mc.guard);
	fz_touch(w, va + (len - 1));
	check_cursor(w, "cursor_new");
}

void fz_op_drop(struct fz_world *w)
{
	if (w->cur_h < 0)
		return;
	pt_cursor_mut_drop(&w->cur);
	w->cur_h = -1;
	if (w->reclaim.depth)
		fz_fail("cursor_drop left %u read-side sections open", w->reclaim.depth);
}

/* Some tracked leaf of @m (picked by @b), to map its frame a second time. */
static const struct mslot *shared_frame(const struct mtree *m, uint8_t b)
{
	for (size_t k = 0; k < m->n; k++) {
		const struct mslot *s = &m->s[(k + b) % m->n];
		if (s->kind == PT_PTE_LEAF && s->tracked)
			return s;
	}
	return NULL;
}

static struct pt_item in_item(struct fz_world *w, struct fz_in *in)
{
	uint8_t b = in_u8(in);
	struct pt_item item = { 0, b & 3, in_prop(in), (b & 0x10) != 0 };
	if ((b & 0x0c) == 0x0c)
		item.level = b >> 4;
	const struct mslot *again = (b & 0x20) ? shared_frame(w->mc.t, b) : NULL;
	if (item.tracked && again) {
		item.pa = again->pa;    /* a second mapping of one frame: one more reference */
		pt_sim_ram_get(w->ram, item.pa);
	} else if (item.tracked) {
		if (pt_sim_ram_alloc(w->ram, PT_FRAME_DATA, &item.pa) != PT_OK)
			fz_fail("out of data frames");
	} else {
		item.pa = in_pa(in, w->f);
	}
	return item;
}

void fz_op_map(struct fz_world *w, struct fz_in *in)
{
	if (w->cur_h < 0 || !w->cur_mut)
		return;
	struct pt_item item = in_item(w, in);
	struct malloc_ctx a = { in_fail_at(in), 0 };
	struct osnap snap;
	pt_vaddr_t va = w->mc.va;
	enum pt_err want = mc_map(&w->mc, &item, &a);
	fz_arm(w, table(w), want, a.fail_at, &snap);
	enum pt_err got = pt_cursor_map(&w->cur, &item);
	fz_settle(w, table(w), got, want, false, &snap, "map");
	if (got != PT_OK && item.tracked)
		pt_sim_ram_put(w->ram, item.pa);
	fz_touch(w, va);
	check_cursor(w, "map");
}

/* Keep map_range within a few thousand leaves. */
static uint64_t clamp_range(pt_vaddr_t va, pt_paddr_t pa, uint64_t len, uint64_t room)
{
	if (len > room || (len & (PT_PAGE_SIZE - 1)))
		return len;
	uint64_t cap = ((va ^ pa) & ((1ull << 21) - 1)) ? 8ull << 20
		       : ((va ^ pa) & ((1ull << 30) - 1)) ? 4ull << 30 : 1ull << 41;
	return len > cap ? cap : len;
}

void fz_op_map_range(struct fz_world *w, struct fz_in *in)
{
	if (w->cur_h < 0 || !w->cur_mut)
		return;
	pt_paddr_t pa = in_pa(in, w->f);
	uint8_t mode = in_u8(in);
	uint64_t len = mode < 0x40 ? rest(w) : in_len(in, w->f);
	struct pt_prop prop = in_prop(in);
	struct malloc_ctx a = { in_fail_at(in), 0 };
	struct osnap snap;
	pt_vaddr_t va = w->mc.va;
	len = clamp_range(va, pa, len, rest(w));
	enum pt_err want = mc_map_range(&w->mc, pa, len, prop, &a);
	fz_arm(w, table(w), want, a.fail_at, &snap);
	enum pt_err got = pt_cursor_map_range(&w->cur, pa, len, prop);
	fz_settle(w, table(w), got, want, false, &snap, "map_range");
	fz_touch(w, va);
	fz_touch(w, va + len - 1);
	check_cursor(w, "map_range");
}
