/* SPDX-License-Identifier: MIT */
/* Scanning cursor operations: take_next, protect_next, query, find_next, next_leaf, jump. */
#include "world.h"

#include <inttypes.h>

static struct pt_table *table(struct fz_world *w)
{
	return &w->h[w->cur_h].t;
}

static uint64_t rest(const struct fz_world *w)
{
	return w->mc.size - (w->mc.va - w->mc.start);
}

static void check_pos(struct fz_world *w, const char *what)
{
	const struct pt_cursor *c = &w->cur.c;
	if (c->va != w->mc.va || c->level != w->mc.level)
		fz_fail("%s: cursor at 0x%" PRIx64 " L%u, model 0x%" PRIx64 " L%u", what, c->va,
			c->level, w->mc.va, w->mc.level);
}

static uint64_t in_scan_len(struct fz_world *w, struct fz_in *in)
{
	uint8_t mode = in_u8(in);
	return mode < 0x80 ? rest(w) : in_len(in, w->f);
}

static void check_frag(const struct pt_frag *got, const struct pt_frag *want)
{
	bool same = got->kind == want->kind;
	if (same && got->kind != PT_FRAG_NONE)
		same = got->va == want->va && got->len == want->len;
	if (same && got->kind == PT_FRAG_MAPPED)
		same = got->item.pa == want->item.pa && got->item.level == want->item.level &&
		       pt_prop_eq(got->item.prop, want->item.prop) &&
		       got->item.tracked == want->item.tracked;
	if (same && got->kind == PT_FRAG_TABLE)
		same = got->nr_frames == want->nr_frames;
	if (!same)
		fz_fail("take_next: frag kind %d va 0x%" PRIx64 " len %#" PRIx64 " pa %#" PRIx64
			" frames %" PRIu64 ", model kind %d va 0x%" PRIx64 " len %#" PRIx64
			" pa %#" PRIx64 " frames %" PRIu64, got->kind, got->va, got->len,
			got->item.pa, got->nr_frames, want->kind, want->va, want->len,
			want->item.pa, want->nr_frames);
}

/* One take_next; false when nothing more was found or it failed. */
static bool take_one(struct fz_world *w, uint64_t len, uint64_t fail_at)
{
	struct malloc_ctx a = { fail_at, 0 };
	struct mresult r;
	struct pt_frag frag;
	enum pt_err want = mc_take_next(&w->mc, len, &r, &a);
	struct osnap snap;
	fz_arm(w, table(w), want, fail_at, &snap);
	enum pt_err got = pt_cursor_take_next(&w->cur, len, &frag);
	fz_settle(w, table(w), got, want, false, &snap, "take_next");
	check_pos(w, "take_next");
	if (got != PT_OK)
		return false;
	check_frag(&frag, &r.frag);
	if (frag.kind == PT_FRAG_NONE)
		return false;
	fz_touch(w, frag.va);
	fz_touch(w, frag.va + frag.len - 1);
	w->deferred |= frag.kind == PT_FRAG_TABLE;
	pt_frag_release(&w->env, &frag);
	return true;
}

void fz_op_take(struct fz_world *w, struct fz_in *in, bool all)
{
	if (w->cur_h < 0 || !w->cur_mut)
		return;
	uint64_t len = in_scan_len(w, in), fail_at = in_fail_at(in);
	if (!all) {
		take_one(w, len, fail_at);
	} else {
		for (unsigned i = 0; i < 4096 && rest(w) && take_one(w, rest(w), i ? 0 : fail_at); i++)
			;
	}
	fz_check(w, w->cur_h, w->cur.c.start, w->cur.c.start + (w->cur.c.size - 1));
}

static bool protect_one(struct fz_world *w, uint64_t len, struct pt_protect op, uint64_t fail_at)
{
	struct malloc_ctx a = { fail_at, 0 };
	struct mresult r = { 0 };
	pt_vaddr_t va = 0;
	uint64_t got_len = 0;
	bool found = false;
	enum pt_err want = mc_protect_next(&w->mc, len, op, &r, &a);
	struct osnap snap;
	fz_arm(w, table(w), want, fail_at, &snap);
	enum pt_err got = pt_cursor_protect_next(&w->cur, len, op, &va, &got_len, &found);
	fz_settle(w, table(w), got, want, false, &snap, "protect_next");
	check_pos(w, "protect_next");
	if (got != PT_OK)
		return false;
	if (found != r.found || (found && (va != r.va || got_len != r.len)))
		fz_fail("protect_next: found %d 0x%" PRIx64 "+%#" PRIx64 ", model %d 0x%" PRIx64
			"+%#" PRIx64, found, va, got_len, r.found, r.va, r.len);
	if (found)
		fz_touch(w, va);
	return found;
}

void fz_op_protect(struct fz_world *w, struct fz_in *in, bool all)
{
	if (w->cur_h < 0 || !w->cur_mut)
		return;
	uint64_t len = in_scan_len(w, in), fail_at = in_fail_at(in);
	struct pt_protect op = in_protect(in);
	if (!all) {
		protect_one(w, len, op, fail_at);
	} else {
		for (unsigned i = 0; i < 4096 && rest(w) && protect_one(w, rest(w), op, i ? 0 : fail_at);
		     i++)
			;
	}
	fz_check(w, w->cur_h, w->cur.c.start, w->cur.c.start + (w->cur.c.size - 1));
}

void fz_op_query(struct fz_world *w)
{
	if (w->cur_h < 0)
		return;
	struct mresult r;
	struct pt_query q;
	enum pt_err want = mc_query(&w->mc, &r);
	struct osnap snap;
	fz_arm(w, table(w), want, 0, &snap);
	enum pt_err got = pt_cursor_query(&w->cur.c, &q);
	fz_settle(w, table(w), got, want, false, &snap, "query");
	check_pos(w, "query");
	if (got != PT_OK)
		return;
	bool same = q.va == r.q.va && q.len == r.q.len && q.mapped == r.q.mapped;
	if (same && q.mapped)
		same = q.item.pa == r.q.item.pa && q.item.level == r.q.item.level &&
		       pt_prop_eq(q.item.prop, r.q.item.prop) && q.item.tracked == r.q.item.tracked;
	if (!same)
		fz_fail("query: 0x%" PRIx64 "+%#" PRIx64 " mapped %d pa %#" PRIx64 ", model 0x%" PRIx64
			"+%#" PRIx64 " mapped %d pa %#" PRIx64, q.va, q.len, q.mapped, q.item.pa,
			r.q.va, r.q.len, r.q.mapped, r.q.item.pa);
	fz_touch(w, q.va);
}

/* One next_leaf; false when nothing was found or it failed. */
static bool next_leaf_one(struct fz_world *w, uint64_t len)
{
	struct mresult r;
	struct pt_found got_r;
	enum pt_err want = mc_next_leaf(&w->mc, len, &r);
	struct osnap snap;
	fz_arm(w, table(w), want, 0, &snap);
	enum pt_err got = pt_cursor_next_leaf(&w->cur.c, len, &got_r);
	fz_settle(w, table(w), got, want, false, &snap, "next_leaf");
	check_pos(w, "next_leaf");
	if (got != PT_OK)
		return false;
	bool same = got_r.found == r.found && got_r.next == w->mc.va;
	if (same && r.found)
		same = got_r.va == r.q.va && got_r.len == r.q.len && got_r.item.pa == r.q.item.pa &&
		       got_r.item.level == r.q.item.level &&
		       pt_prop_eq(got_r.item.prop, r.q.item.prop) &&
		       got_r.item.tracked == r.q.item.tracked;
	if (!same)
		fz_fail("next_leaf: found %d 0x%" PRIx64 "+%#" PRIx64 " pa %#" PRIx64 " next 0x%" PRIx64
			", model %d 0x%" PRIx64 "+%#" PRIx64 " pa %#" PRIx64 " next 0x%" PRIx64,
			got_r.found, got_r.va, got_r.len, got_r.item.pa, got_r.next, r.found, r.q.va,
			r.q.len, r.q.item.pa, w->mc.va);
	if (r.found)
		fz_touch(w, r.q.va);
	return r.found;
}

/* Up to 64 next_leaf calls in a row (the inline part serves all but the first of a table). */
static void next_leaf_run(struct fz_world *w, struct fz_in *in)
{
	unsigned n = in_u8(in) % 64 + 1;
	uint64_t len = in_scan_len(w, in);
	if (!next_leaf_one(w, len))
		return;
	for (unsigned i = 1; i < n && rest(w) && next_leaf_one(w, rest(w)); i++)
		;
}

void fz_op_find(struct fz_world *w, struct fz_in *in)
{
	if (w->cur_h < 0)
		return;
	if (in_u8(in) & 1) {
		next_leaf_run(w, in);
		return;
	}
	uint64_t len = in_scan_len(w, in);
	struct mresult r;
	pt_vaddr_t found = 0;
	bool ok = false;
	enum pt_err want = mc_find_next(&w->mc, len, &r);
	struct osnap snap;
	fz_arm(w, table(w), want, 0, &snap);
	enum pt_err got = pt_cursor_find_next(&w->cur.c, len, &found, &ok);
	fz_settle(w, table(w), got, want, false, &snap, "find_next");
	check_pos(w, "find_next");
	if (got == PT_OK && (ok != r.found || (ok && found != r.va)))
		fz_fail("find_next: %d 0x%" PRIx64 ", model %d 0x%" PRIx64, ok, found, r.found, r.va);
}

void fz_op_jump(struct fz_world *w, struct fz_in *in)
{
	if (w->cur_h < 0)
		return;
	uint8_t mode = in_u8(in);
	pt_vaddr_t va = (mode & 1) ? in_va(in, w->mc.t) : w->mc.start + in_len(in, w->f);
	enum pt_err want = mc_jump(&w->mc, va);
	struct osnap snap;
	fz_arm(w, table(w), want, 0, &snap);
	fz_settle(w, table(w), pt_cursor_jump(&w->cur.c, va), want, false, &snap, "jump");
	check_pos(w, "jump");
}

void fz_cursor_op(struct fz_world *w, struct fz_in *in, uint8_t code, int h)
{
	w->op_no++;
	switch (code % 12) {
	case 0: fz_op_open(w, in, h); break;
	case 1: fz_op_drop(w); fz_drain_check(w); break;
	case 2: case 3: fz_op_map(w, in); break;
	case 4: fz_op_map_range(w, in); break;
	case 5: fz_op_take(w, in, false); break;
	case 6: fz_op_take(w, in, true); break;
	case 7: fz_op_protect(w, in, false); break;
	case 8: fz_op_protect(w, in, true); break;
	case 9: fz_op_query(w); break;
	case 10: fz_op_find(w, in); break;
	default: fz_op_jump(w, in); break;
	}
}
