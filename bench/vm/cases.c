/* SPDX-License-Identifier: MIT */
/*
 * The cases. Each builds a fresh user address space, runs it on @cpus CPUs
 * (none for the bound) with the range's first pages in their TLBs, then
 * times one operation with the thread on CPU 0.
 */
#include "vmb.h"

#include <stdio.h>

#define RW (PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY)
#define TOUCH 16 /* pages each running CPU reads before the operation */
#define COW_FAULTS 512

static struct pt_prop rw(void)
{
	return pt_prop_make(RW, PT_CACHE_WB);
}

static unsigned touched(uint64_t len)
{
	return len / PT_PAGE_SIZE < TOUCH ? (unsigned)(len / PT_PAGE_SIZE) : TOUCH;
}

/* A user address space with [VMB_VA, + len) mapped untracked in 4 KiB pages, run on @cpus. */
static const char *user_mapped(struct vmb *b, struct pt_vmspace *vs, uint64_t len, unsigned cpus)
{
	if (pt_vmspace_create_user(vs, &b->kernel) != PT_OK)
		return "creating the address space";
	/* PA offset by 4 KiB from VA: only 4 KiB leaves fit. */
	if (pt_vmspace_map(vs, VMB_VA, VMB_VA + PT_PAGE_SIZE, len, rw()) != PT_OK)
		return "mapping the range";
	vmb_run_on(b, vs, cpus, VMB_VA, touched(len));
	vmb_reset_counters(b);
	return NULL;
}

static const char *finish(struct vmb *b, struct pt_vmspace *vs, const char *err)
{
	vmb_run_kernel(b);
	if (pt_vmspace_destroy(vs) != PT_OK && !err)
		err = "destroying the address space";
	b->env.reclaim.ops->drain(b->env.reclaim.ctx);
	return err;
}

static bool mapped(struct pt_vmspace *vs, pt_vaddr_t va, struct pt_item *leaf)
{
	pt_paddr_t pa;
	return pt_table_translate(&vs->table, va, &pa, leaf) == PT_OK;
}

static const char *run_unmap(struct vmb *b, const struct vmb_case *c, unsigned cpus,
			     struct vmb_sample *s)
{
	struct pt_vmspace vs;
	struct pt_item leaf;
	const char *err = user_mapped(b, &vs, c->len, cpus);
	if (err)
		return err;
	uint64_t t0 = vmb_now_ns();
	enum pt_err e = pt_vmspace_unmap(&vs, VMB_VA, c->len, NULL, NULL);
	s->ns = vmb_now_ns() - t0;
	s->ops = 1;
	vmb_counters(b, s);
	if (e != PT_OK)
		err = "unmap failed";
	else if (mapped(&vs, VMB_VA + c->len - PT_PAGE_SIZE, &leaf))
		err = "the range's last page is still mapped";
	return finish(b, &vs, err);
}

static const char *run_protect(struct vmb *b, const struct vmb_case *c, unsigned cpus,
			       struct vmb_sample *s)
{
	struct pt_vmspace vs;
	struct pt_item leaf;
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	const char *err = user_mapped(b, &vs, c->len, cpus);
	if (err)
		return err;
	uint64_t t0 = vmb_now_ns();
	enum pt_err e = pt_vmspace_protect(&vs, VMB_VA, c->len, ro);
	s->ns = vmb_now_ns() - t0;
	s->ops = 1;
	vmb_counters(b, s);
	if (e != PT_OK)
		err = "protect failed";
	else if (!mapped(&vs, VMB_VA, &leaf) || (leaf.prop.flags & PT_W))
		err = "the first page is still writable";
	return finish(b, &vs, err);
}

/* A parent with [VMB_VA, + len) in tracked fresh 4 KiB frames, writable. */
static const char *tracked_parent(struct vmb *b, struct pt_vmspace *vs, uint64_t len)
{
	struct pt_cursor_mut m;
	if (pt_vmspace_create_user(vs, &b->kernel) != PT_OK ||
	    pt_cursor_mut_new(&m, &vs->table, VMB_VA, len) != PT_OK)
		return "creating the parent";
	enum pt_err e = PT_OK;
	for (uint64_t off = 0; off < len && e == PT_OK; off += PT_PAGE_SIZE) {
		struct pt_item it = { 0, 1, rw(), true };
		e = pt_sim_ram_alloc(b->ram, PT_FRAME_DATA, &it.pa);
		if (e == PT_OK)
			e = pt_cursor_map(&m, &it);
	}
	pt_cursor_mut_drop(&m);
	return e == PT_OK ? NULL : "mapping the parent's frames";
}

/* Fork: timed once. COW: COW_FAULTS write faults on the parent after it, timed together. */
static const char *fork_or_cow(struct vmb *b, const struct vmb_case *c, unsigned cpus,
			       struct vmb_sample *s, bool cow)
{
	struct pt_vmspace parent, child;
	struct pt_item leaf;
	const char *err = tracked_parent(b, &parent, c->len);
	if (err || pt_vmspace_create_user(&child, &b->kernel) != PT_OK)
		return err ? err : "creating the child";
	vmb_run_on(b, &parent, cpus, VMB_VA, touched(c->len));
	vmb_reset_counters(b);
	uint64_t t0 = vmb_now_ns();
	enum pt_err e = pt_vmspace_fork(&parent, &child, VMB_VA, c->len);
	s->ns = vmb_now_ns() - t0;
	s->ops = 1;
	if (e != PT_OK)
		err = "fork failed";
	uint64_t faults = c->len / PT_PAGE_SIZE < COW_FAULTS ? c->len / PT_PAGE_SIZE : COW_FAULTS;
	uint64_t step = c->len / faults;
	pt_paddr_t spare[COW_FAULTS];
	for (uint64_t i = 0; cow && i < faults && !err; i++)
		if (pt_sim_ram_alloc(b->ram, PT_FRAME_DATA, &spare[i]) != PT_OK)
			err = "spare frames";
	if (cow && !err) {
		vmb_reset_counters(b);
		t0 = vmb_now_ns();
		for (uint64_t i = 0; i < faults && !err; i++) {
			bool used;
			if (pt_vmspace_cow_fault(&parent, VMB_VA + i * step, spare[i], &used) != PT_OK ||
			    !used)
				err = "a COW fault did not copy";
		}
		s->ns = vmb_now_ns() - t0;
		s->ops = faults;
	}
	vmb_counters(b, s);
	if (!err && (!mapped(&child, VMB_VA, &leaf) || (leaf.prop.flags & PT_W)))
		err = "the child's first page is not read-only";
	if (!err && (!mapped(&parent, VMB_VA, &leaf) || !(leaf.prop.flags & PT_W)) && cow)
		err = "the parent's first page is not writable after its fault";
	vmb_run_kernel(b);
	if (pt_vmspace_destroy(&child) != PT_OK)
		err = err ? err : "destroying the child";
	return finish(b, &parent, err);
}

static const char *run_fork(struct vmb *b, const struct vmb_case *c, unsigned cpus,
			    struct vmb_sample *s)
{
	return fork_or_cow(b, c, cpus, s, false);
}

static const char *run_cow(struct vmb *b, const struct vmb_case *c, unsigned cpus,
			   struct vmb_sample *s)
{
	return fork_or_cow(b, c, cpus, s, true);
}

#define P16 (16 * PT_PAGE_SIZE)
#define G1 (1ull << 30)
#define CASES(nm, len, fn)                                                                  \
	{ nm "_1cpu", 1, len, fn }, { nm "_2cpu", 2, len, fn }, { nm "_4cpu", 4, len, fn }, \
	{ nm "_8cpu", 8, len, fn }

const struct vmb_case vmb_cases[] = {
	CASES("unmap_16p", P16, run_unmap),
	CASES("unmap_1g", G1, run_unmap),
	CASES("protect_16p", P16, run_protect),
	CASES("protect_1g", G1, run_protect),
	{ "fork_1g_tracked_2cpu", 2, G1, run_fork },
	{ "cow_after_fork_1g_2cpu", 2, G1, run_cow },
};

const unsigned vmb_nr_cases = sizeof(vmb_cases) / sizeof(vmb_cases[0]);
