/* SPDX-License-Identifier: MIT */
/* The machine fuzzer's fork, copy-on-write and access operations. */
#include "machine_input.h"

#include <inttypes.h>

#include "oracle.h"
#include <pt/sim/ram.h>

/* The model of a successful fork of pages [idx, idx + n) from @p to @c. */
static void fork_model(struct fm_world *w, int p, int c, unsigned idx, unsigned n)
{
	for (unsigned i = idx; i < idx + n; i++) {
		struct fm_page *pp = &w->tab[p].pages[i];
		w->tab[c].pages[i] = *pp;
		if (pp->kind != FM_TRACKED)
			continue;
		w->frames[pp->frame].refs++;
		pp->flags &= (uint16_t)~PT_W;
		w->tab[c].pages[i].flags = pp->flags;
	}
}

/* Fork pages [idx, idx + n) from @p to @c, allocation @fail_at failing (0: none). */
static void fork_once(struct fm_world *w, int p, int c, unsigned idx, unsigned n,
		      uint64_t fail_at)
{
	enum pt_err want = PT_OK;
	for (unsigned i = idx; i < idx + n; i++)
		if (w->tab[c].pages[i].kind != FM_NONE)
			want = PT_ERR_MAPPED;
	if (p == c)
		want = PT_ERR_INVAL;
	fz_trace("  fork %d -> %d pages [%u, %u), allocation %" PRIu64 " fails", p, c, idx,
		 idx + n, fail_at);
	uint64_t allocs = pt_sim_ram_alloc_count(w->ram);
	pt_sim_ram_fail_nth(w->ram, fail_at);
	enum pt_err got = pt_vmspace_fork(&w->tab[p].vs, &w->tab[c].vs, fm_va(w, p, idx),
				     n * PT_PAGE_SIZE);
	pt_sim_ram_fail_nth(w->ram, 0);
	/* All or nothing: if the failing allocation was reached (cursor creation
	 * may reach it before the child is checked), both tables stay as the
	 * model has them. */
	if (fail_at && pt_sim_ram_alloc_count(w->ram) - allocs >= fail_at && want != PT_ERR_INVAL)
		want = PT_ERR_NOMEM;
	fm_expect(w, got, want, "fork");
	if (want == PT_OK)
		fork_model(w, p, c, idx, n);
}

/*
 * The CPU byte's bits 5-7, if set, name the allocation that fails. The fork
 * is followed by one in the opposite direction over the same range (the two
 * tables' locks then go in the other order of the pair: issue 12).
 */
static void op_fork(struct fm_world *w, struct fz_in *in)
{
	uint8_t b = in_u8(in);
	fm_on(w, b & 0x1fu);
	int p = fm_in_user(w, in), c = fm_in_user(w, in);
	unsigned idx = fm_in_page(in), n = fm_in_count(in, idx);
	fork_once(w, p, c, idx, n, b >> 5);
	if (p != c) {
		fm_check(w, "fork");
		fork_once(w, c, p, idx, n, 0);
	}
}

PT_MUST_CHECK static enum pt_err cow_want(const struct fm_world *w, const struct fm_page *p, bool *copy)
{
	*copy = false;
	if (p->kind == FM_NONE)
		return PT_ERR_NOT_MAPPED;
	if (p->kind != FM_TRACKED)
		return PT_ERR_INVAL;
	*copy = !(p->flags & PT_W) && w->frames[p->frame].refs > 1;
	return PT_OK;
}

static void op_cow(struct fm_world *w, struct fz_in *in)
{
	fm_on(w, in_u8(in));
	int t = fm_in_user(w, in);
	unsigned idx = fm_in_page(in);
	struct fm_page *p = &w->tab[t].pages[idx];
	bool copy, used;
	enum pt_err want = cow_want(w, p, &copy);
	uint32_t spare = fm_frame_new(w);
	fz_trace("  cow table %d page %u", t, idx);
	fm_expect(w, pt_vmspace_cow_fault(&w->tab[t].vs, fm_va(w, t, idx), w->frames[spare].pa, &used),
		  want, "cow fault");
	if (used != copy)
		fz_fail("op %u: cow fault %s the spare, model %s", w->op_no, used ? "used" : "left",
			copy ? "copies" : "does not");
	if (!used) {
		pt_sim_ram_put(w->ram, w->frames[spare].pa);
		w->frames[spare].refs = 0;
		if (want == PT_OK)
			p->flags |= PT_W;
		return;
	}
	uint64_t tag;
	pt_sim_ram_read(w->ram, w->frames[spare].pa, &tag, sizeof(tag));
	if (tag != w->frames[p->frame].tag)
		fz_fail("op %u: cow copy holds %#" PRIx64 ", model %#" PRIx64, w->op_no, tag,
			w->frames[p->frame].tag);
	w->frames[spare].tag = tag;
	w->frames[p->frame].refs--;
	p->frame = spare;
	p->flags |= PT_W;
}

static void op_access(struct fm_world *w, struct fz_in *in)
{
	unsigned cpu = in_u8(in);
	uint8_t b = in_u8(in);
	unsigned idx = fm_in_page(in);
	unsigned n = 1u + ((b >> 4) & 7u), end = idx < FM_SMALL ? FM_SMALL : FM_PAGES;
	enum pt_sim_mode mode = (b & 8) ? PT_SIM_USER : PT_SIM_SUPERVISOR;
	for (unsigned i = idx; i < idx + n && i < end; i++)
		fm_access(w, cpu, b & 1, i, (enum pt_sim_access_kind)((b >> 1) % 3), mode);
}

/* Read pages on every CPU, user and kernel: fills every TLB. */
static void op_touch(struct fm_world *w, struct fz_in *in)
{
	unsigned idx = fm_in_page(in), n = fm_in_count(in, idx);
	unsigned step = n > 16 ? n / 16 : 1;
	for (unsigned c = 0; c < w->nr_cpus; c++)
		for (unsigned i = idx; i < idx + n; i += step) {
			fm_access(w, c, false, i, PT_SIM_READ, PT_SIM_SUPERVISOR);
			fm_access(w, c, true, i, PT_SIM_READ, PT_SIM_SUPERVISOR);
		}
}

static void op_prefetch(struct fm_world *w, struct fz_in *in)
{
	size_t n = pt_sim_cpu_prefetch(fm_on(w, in_u8(in)));
	fz_trace("  prefetch cpu %d: %zu entries", w->on, n);
}

static const char *const op_names[] = {
	"activate", "map", "unmap", "protect", "recreate", "fork", "cow", "access", "touch",
	"prefetch",
};

void fm_op(struct fm_world *w, struct fz_in *in, uint8_t code)
{
	code %= 10;
	w->op_no++;
	fz_trace("op %u: %s", w->op_no, op_names[code]);
	switch (code) {
	case 5: op_fork(w, in); break;
	case 6: op_cow(w, in); break;
	case 7: op_access(w, in); break;
	case 8: op_touch(w, in); break;
	case 9: op_prefetch(w, in); break;
	default: fm_op_tables(w, in, code); break;
	}
	fm_check(w, op_names[code]);
}
