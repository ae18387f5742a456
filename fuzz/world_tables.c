/* SPDX-License-Identifier: MIT */
/* Table operations of the shared-kernel target: users, shallow copies, destruction. */
#include "world.h"

static int free_handle(const struct fz_world *w)
{
	for (int g = 0; g < FZ_HANDLES; g++)
		if (w->h[g].tree < 0)
			return g;
	return -1;
}

static int free_tree(const struct fz_world *w)
{
	for (int i = 0; i < FZ_HANDLES; i++)
		if (!w->trees[i].live)
			return i;
	return -1;
}

static int live_handle(const struct fz_world *w, uint8_t b, bool user_only)
{
	for (int k = 0; k < FZ_HANDLES; k++) {
		int g = (b + k) % FZ_HANDLES;
		if (w->h[g].tree >= 0 && !(user_only && g == w->kernel))
			return g;
	}
	return -1;
}

static void check_err(enum pt_err got, enum pt_err want, const char *what)
{
	if (got != want)
		fz_fail("%s: %s, model %s", what, pt_strerror(got), pt_strerror(want));
}

void fz_op_create_user(struct fz_world *w, struct fz_in *in)
{
	uint8_t b = in_u8(in);
	uint64_t fail_at = in_fail_at(in);
	int g = free_handle(w), tr = free_tree(w);
	if (w->kernel < 0 || g < 0 || tr < 0)
		return;
	int src = (b & 0x80) ? live_handle(w, b, true) : w->kernel;
	if (src < 0)
		src = w->kernel;
	enum pt_err want = src != w->kernel ? PT_ERR_INVAL : fail_at == 1 ? PT_ERR_NOMEM : PT_OK;
	uint64_t frames = pt_sim_ram_stats(w->ram).frames_in_use;
	pt_sim_ram_fail_nth(w->ram, fail_at);
	enum pt_err got = pt_table_create_user(&w->h[g].t, &w->h[src].t);
	pt_sim_ram_fail_nth(w->ram, 0);
	check_err(got, want, "create_user");
	if (got != PT_OK) {
		if (pt_sim_ram_stats(w->ram).frames_in_use != frames)
			fz_fail("failed create_user leaked a frame");
		return;
	}
	mt_init(&w->trees[tr].m, w->f, PT_TABLE_USER);
	w->trees[tr].live = true;
	w->trees[tr].handles = 1;
	w->h[g].tree = tr;
	fz_check(w, g, 0, UINT64_MAX);
}

void fz_op_shallow_copy(struct fz_world *w, struct fz_in *in)
{
	int src = live_handle(w, in_u8(in), false), dst = free_handle(w);
	if (src < 0 || dst < 0)
		return;
	enum pt_err want = src == w->kernel ? PT_ERR_INVAL : PT_OK;
	check_err(pt_table_shallow_copy(&w->h[dst].t, &w->h[src].t), want, "shallow_copy");
	if (want != PT_OK)
		return;
	w->h[dst].tree = w->h[src].tree;
	w->trees[w->h[src].tree].handles++;
	fz_check(w, dst, 0, UINT64_MAX);
}

static bool users_alive(const struct fz_world *w)
{
	for (int i = 0; i < FZ_HANDLES; i++)
		if (w->trees[i].live && w->trees[i].m.kind == PT_TABLE_USER)
			return true;
	return false;
}

/* Destroy handle @g (dropping the cursor first); returns the result. */
PT_MUST_CHECK static enum pt_err destroy_handle(struct fz_world *w, int g)
{
	if (w->cur_h >= 0)
		fz_op_drop(w);
	int tr = w->h[g].tree;
	enum pt_err want = tr < 0 ? PT_ERR_INVAL
			   : g == w->kernel && users_alive(w) ? PT_ERR_BUSY : PT_OK;
	enum pt_err got = pt_table_destroy(&w->h[g].t);
	check_err(got, want, "destroy");
	if (got != PT_OK)
		return got;
	w->h[g].tree = -1;
	if (g == w->kernel)
		w->kernel = -1;
	if (--w->trees[tr].handles == 0) {
		w->trees[tr].live = false;
		mt_fini(&w->trees[tr].m);
		w->deferred = true;
	}
	fz_check(w, -1, 0, 0);
	fz_drain_check(w);
	return got;
}

void fz_op_destroy(struct fz_world *w, struct fz_in *in)
{
	uint8_t b = in_u8(in);
	int g = (b & 0x80) ? b % FZ_HANDLES : live_handle(w, b, false);
	if (g < 0)
		return;
	if (destroy_handle(w, g) == PT_ERR_BUSY) {
		g = live_handle(w, b, true);
		if (g >= 0)
			pt_discard(destroy_handle(w, g));  /* BUSY again is a valid outcome */
	}
}
