/* SPDX-License-Identifier: MIT */
/*
 * Tables the core builds on pt_format_aarch64_4k48, walked by the simulated
 * Arm MMU (sim/arm/) on two PEs with the kernel table in TTBR1 and a user
 * table in TTBR0 under ASID 1: properties as the hardware reads them, and
 * break-before-make at every place the core replaces a live entry. Each
 * place, with its break switched off (test_hooks.bbm_off), is caught by the
 * detector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include <pt/sim/arm_mmu.h>
#include "harness.h"

#define R PT_SIM_ARM_READ
#define W PT_SIM_ARM_WRITE
#define X PT_SIM_ARM_FETCH
#define UVA 0x0000004000000000ull            /* a 512 GiB slot of the user half */
#define KVA 0xffff800000000000ull            /* in the kernel half */

/* Flush and break-before-make sites this test switches off (pt/hooks.h). */
static struct pt_hooks test_hooks;

struct fx {
	struct pt_sim_ram *ram;
	struct pt_sim_arm m;
	struct pt_cpus cpus;
	struct pt_env env;
	struct pt_vmspace k, u;
};

static void on(struct fx *f, unsigned pe)
{
	f->m.cur = pe;
}

static void activate_all(struct fx *f, struct pt_vmspace *t, pt_asid_t asid)
{
	for (unsigned i = 0; i < f->m.nr_pes; i++) {
		on(f, i);
		assert_int_equal(pt_vmspace_activate_asid(t, asid), PT_OK);
	}
	on(f, 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->ram = pt_sim_ram_create(128 * MiB);
	assert_true(pt_sim_arm_init(&f->m, f->ram, 2));
	pt_cpus_init(&f->cpus);
	f->env = pt_sim_env(&pt_format_aarch64_4k48, f->ram);
	f->env.tlb = pt_sim_arm_tlb(&f->m, &f->cpus);
	f->env.hooks = &test_hooks;
	assert_int_equal(pt_vmspace_create_kernel(&f->k, &f->env), PT_OK);
	f->m.kernel_root = pt_table_root_paddr(&f->k.table);
	for (unsigned i = 0; i < f->m.nr_pes; i++) {
		on(f, i);
		assert_int_equal(pt_vmspace_first_activate_unchecked(&f->k), PT_OK);
	}
	assert_int_equal(pt_vmspace_create_user(&f->u, &f->k), PT_OK);
	activate_all(f, &f->u, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	activate_all(f, &f->k, 0);
	assert_int_equal(pt_vmspace_destroy(&f->u), PT_OK);
	for (unsigned i = 0; i < f->m.nr_pes; i++) {
		on(f, i);
		pt_cpu_deactivate(&f->env);
	}
	on(f, 0);
	assert_int_equal(pt_vmspace_destroy(&f->k), PT_OK);
	f->env.reclaim.ops->drain(f->env.reclaim.ctx);
	assert_int_equal(pt_sim_ram_stats(f->ram).frames_in_use, 0);
	assert_false(f->m.overflow);
	test_hooks.bbm_off = 0;
	pt_sim_arm_destroy(&f->m);
	pt_sim_ram_destroy(f->ram);
	free(f);
	return 0;
}

static void map(struct pt_vmspace *t, pt_vaddr_t va, pt_paddr_t pa, uint64_t len, uint16_t flags,
		enum pt_cache cache)
{
	assert_int_equal(th_map_range(&t->table, va, pa, len, pt_prop_make(flags, cache)), PT_OK);
}

static struct pt_sim_arm_xlat tr(struct fx *f, unsigned pe, uint64_t va, enum pt_sim_arm_access a,
			      bool el0)
{
	return pt_sim_arm_translate(&f->m, pe, va, a, el0);
}

/* R, W, X that succeed at @el0 from RAM alone, as a mask; other outcomes are permission faults. */
static unsigned rights(struct fx *f, uint64_t va, bool el0)
{
	unsigned m = 0;
	for (int a = R; a <= X; a++) {
		struct pt_sim_arm_xlat x = pt_sim_arm_walk(&f->m, &f->m.pe[0].r, va, a, el0, false);
		if (x.fault == PT_SIM_ARM_OK)
			m |= 1u << a;
		else
			assert_int_equal(x.fault, PT_SIM_ARM_PERMISSION);
	}
	return m;
}

/* Every property the format holds reads back from the hardware's point of view. */
static void properties_as_hardware_reads_them(void **state)
{
	struct fx *f = *state;
	static const uint8_t mair_index[] = { [PT_CACHE_WB] = 0, [PT_CACHE_WT] = 1,
					      [PT_CACHE_WC] = 2, [PT_CACHE_UC] = 3 };
	static const uint8_t mair_attr[] = { 0xff, 0xbb, 0x44, 0x00 };
	pt_vaddr_t va = UVA;
	for (unsigned flags = 0; flags <= PT_FLAGS_ALL; flags++) {
		if (!(flags & PT_R) || !(flags & PT_ACCESSED) || (flags & PT_GLOBAL))
			continue;
		for (unsigned cache = 0; cache < PT_CACHE__COUNT; cache++) {
			struct pt_prop p = pt_prop_make((uint16_t)flags, (enum pt_cache)cache);
			if (!pt_fmt_prop_ok(f->env.fmt, p))
				continue;
			map(&f->u, va, 0x1000000, 0x1000, (uint16_t)flags, (enum pt_cache)cache);
			struct pt_sim_arm_xlat x = pt_sim_arm_walk(&f->m, &f->m.pe[0].r, va, R, false, false);
			assert_int_equal(x.fault, PT_SIM_ARM_OK);
			assert_int_equal(x.pa, 0x1000000);
			assert_int_equal(x.attr_index, mair_index[cache]);
			assert_int_equal(PT_AARCH64_MAIR >> (8 * x.attr_index) & 0xff, mair_attr[cache]);
			assert_int_equal(x.sh, 3);
			assert_false(x.global);
			bool user = flags & PT_USER, w = flags & PT_W, xx = flags & PT_X;
			/* A clean writable page is writable only through DBM's hardware update. */
			bool wnow = w && (flags & PT_DIRTY);
			unsigned want_el0 = user ? (1u << R) | (wnow ? 1u << W : 0) |
							   (xx && !(f->m.pe[0].r.wxn) ? 1u << X : 0)
						 : 0;
			unsigned want_el1 = (1u << R) | (wnow ? 1u << W : 0) | (xx && !user ? 1u << X : 0);
			assert_int_equal(rights(f, va, true), want_el0);
			assert_int_equal(rights(f, va, false), want_el1);
			f->m.pe[0].r.hd = true;
			assert_int_equal(!!(rights(f, va, false) & (1u << W)), w);
			f->m.pe[0].r.hd = false;
			va += 0x1000;
		}
	}
	/* Kernel pages are global, never executable at EL0 and not reachable at EL0. */
	map(&f->k, KVA, 0x2000000, 0x1000, PT_RWX | PT_ACCESSED | PT_DIRTY | PT_GLOBAL, PT_CACHE_WB);
	struct pt_sim_arm_xlat x = tr(f, 0, KVA, X, false);
	assert_int_equal(x.fault, PT_SIM_ARM_OK);
	assert_true(x.global);
	assert_int_equal(tr(f, 0, KVA, R, true).fsc, 0x0f);
	assert_int_equal(tr(f, 0, KVA, X, true).fsc, 0x0f);
	/* A user page is non-global and PXN; PAN keeps EL1 data accesses out. */
	map(&f->u, UVA + 0x200000, 0x3000000, 0x1000, PT_RWX | PT_USER | PT_ACCESSED | PT_DIRTY,
	    PT_CACHE_WB);
	assert_false(tr(f, 0, UVA + 0x200000, R, true).global);
	assert_int_equal(tr(f, 0, UVA + 0x200000, X, false).fsc, 0x0f);
	f->m.pe[0].r.pan = true;
	assert_int_equal(pt_sim_arm_walk(&f->m, &f->m.pe[0].r, UVA + 0x200000, R, false, false).fsc, 0x0f);
	f->m.pe[0].r.pan = false;
	assert_int_equal(pt_sim_arm_bbm_check(&f->m), 0);
}

/* A leaf without R faults for every access; AF clear faults without HA. */
static void no_access_and_access_flag(void **state)
{
	struct fx *f = *state;
	map(&f->u, UVA, 0x1000000, 0x200000, PT_W | PT_X | PT_USER, PT_CACHE_WB);
	for (int a = R; a <= X; a++) {
		/* translation, level 2: an aligned 2 MiB range is one block */
		assert_int_equal(tr(f, 0, UVA, a, true).fsc, 0x06);
		assert_int_equal(tr(f, 0, UVA, a, false).fsc, 0x06);
	}
	map(&f->u, UVA + 0x40000000, 0x1000000, 0x1000, PT_R | PT_USER, PT_CACHE_WB);
	assert_int_equal(tr(f, 0, UVA + 0x40000000, R, true).fsc, 0x0b);   /* access flag, level 3 */
}

/* Hardware AF and dirty state (HA, HD) read back as PT_ACCESSED and PT_DIRTY. */
static void hardware_af_and_dirty(void **state)
{
	struct fx *f = *state;
	f->m.pe[0].r.ha = f->m.pe[0].r.hd = true;
	map(&f->u, UVA, 0x1000000, 0x2000, PT_RW | PT_USER, PT_CACHE_WB);
	struct pt_item it;
	pt_paddr_t pa;
	assert_int_equal(tr(f, 0, UVA, R, true).fault, PT_SIM_ARM_OK);
	assert_int_equal(pt_table_translate(&f->u.table, UVA, &pa, &it), PT_OK);
	assert_int_equal(it.prop.flags, PT_RW | PT_USER | PT_ACCESSED);
	assert_int_equal(tr(f, 0, UVA, W, true).fault, PT_SIM_ARM_OK);   /* a TLB hit still updates */
	assert_int_equal(pt_table_translate(&f->u.table, UVA, &pa, &it), PT_OK);
	assert_int_equal(it.prop.flags, PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY);
	/* Protect clearing W clears DBM: the next write faults, even from a warm TLB. */
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&f->u, UVA + 0x1000, 0x1000, ro), PT_OK);
	assert_int_equal(tr(f, 0, UVA + 0x1000, W, true).fsc, 0x0f);
	assert_int_equal(pt_table_translate(&f->u.table, UVA + 0x1000, &pa, &it), PT_OK);
	assert_int_equal(it.prop.flags & (PT_W | PT_DIRTY), 0);
	assert_int_equal(pt_sim_arm_bbm_check(&f->m), 0);
}

/* Warm both PEs' TLBs for [va, va + len), page by page. */
static void touch(struct fx *f, struct pt_vmspace *t, pt_vaddr_t va, uint64_t len, bool el0)
{
	(void)t;
	for (uint64_t off = 0; off < len; off += 0x40000)
		for (unsigned pe = 0; pe < f->m.nr_pes; pe++)
			assert_int_equal(tr(f, pe, va + off, R, el0).fault, PT_SIM_ARM_OK);
}

/* Both PEs translate [va, va + len) as the table says (the BBM path left nothing stale). */
static void agree(struct fx *f, struct pt_vmspace *t, pt_vaddr_t va, uint64_t len, bool el0)
{
	for (uint64_t off = 0; off < len; off += 0x40000) {
		pt_paddr_t pa;
		bool mapped = pt_table_translate(&t->table, va + off, &pa, NULL) == PT_OK;
		for (unsigned pe = 0; pe < f->m.nr_pes; pe++) {
			struct pt_sim_arm_xlat x = tr(f, pe, va + off, R, el0);
			assert_int_equal(x.fault == PT_SIM_ARM_OK, mapped);
			if (mapped)
				assert_int_equal(x.pa, pa);
		}
	}
}

/* Run @op once with breaks (no violation), then on a fresh setup with @site's break off (caught). */
typedef void (*site_fn)(struct fx *f);

static void clean_then_caught(void **state, site_fn op, enum pt_bbm_site site)
{
	struct fx *f = *state;
	op(f);
	assert_int_equal(pt_sim_arm_bbm_check(&f->m), 0);
	teardown(state);
	setup(state);
	f = *state;
	test_hooks.bbm_off = 1u << site;
	op(f);
	assert_true(pt_sim_arm_bbm_check(&f->m) > 0);
	test_hooks.bbm_off = 0;
}

/* PT_BBM_SPLIT through protect: a 4 KiB write-protect inside a 2 MiB block. */
static void split_by_protect(struct fx *f)
{
	map(&f->u, UVA, 0x1000000, 0x400000, PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY, PT_CACHE_WB);
	touch(f, &f->u, UVA, 0x400000, true);
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect(&f->u, UVA + 0x5000, 0x1000, ro), PT_OK);
	agree(f, &f->u, UVA, 0x400000, true);
	assert_int_equal(tr(f, 1, UVA + 0x5000, W, true).fsc, 0x0f);
	assert_int_equal(tr(f, 1, UVA + 0x6000, W, true).fault, PT_SIM_ARM_OK);
}

static void bbm_split_protect(void **state)
{
	clean_then_caught(state, split_by_protect, PT_BBM_SPLIT);
}

/* PT_BBM_SPLIT through take_next: unmapping 4 KiB of a 1 GiB kernel block. */
static void split_by_unmap(struct fx *f)
{
	map(&f->k, KVA, 0x40000000, 0x40000000, PT_RW | PT_ACCESSED | PT_DIRTY | PT_GLOBAL, PT_CACHE_WB);
	touch(f, &f->k, KVA, 0x400000, false);
	assert_int_equal(pt_vmspace_unmap(&f->k, KVA + 0x201000, 0x1000, NULL, NULL), PT_OK);
	agree(f, &f->k, KVA, 0x400000, false);
	assert_int_equal(tr(f, 1, KVA + 0x201000, R, false).fsc, 0x07);
	assert_int_equal(tr(f, 1, KVA + 0x202000, R, false).pa, 0x40202000);
}

static void bbm_split_unmap(void **state)
{
	clean_then_caught(state, split_by_unmap, PT_BBM_SPLIT);
}

/* PT_BBM_PROTECT: a live leaf's cache policy changed in place. */
static void recache(struct fx *f)
{
	map(&f->u, UVA, 0x1000000, 0x10000, PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY, PT_CACHE_WB);
	touch(f, &f->u, UVA, 0x10000, true);
	struct pt_protect uc = { .cache = PT_CACHE_UC };
	assert_int_equal(pt_vmspace_protect(&f->u, UVA, 0x10000, uc), PT_OK);
	for (unsigned pe = 0; pe < 2; pe++)
		assert_int_equal(tr(f, pe, UVA + 0x3000, R, true).attr_index, 3);
}

static void bbm_protect_cache(void **state)
{
	clean_then_caught(state, recache, PT_BBM_PROTECT);
}

/* PT_BBM_PROTECT: a live kernel leaf made global (nG cleared). */
static void make_global(struct fx *f)
{
	map(&f->k, KVA, 0x1000000, 0x4000, PT_RW | PT_ACCESSED | PT_DIRTY, PT_CACHE_WB);
	touch(f, &f->k, KVA, 0x4000, false);
	assert_false(tr(f, 1, KVA, R, false).global);
	struct pt_protect g = { .set = PT_GLOBAL, .cache = -1 };
	assert_int_equal(pt_vmspace_protect_flush_tlb(&f->k, KVA, 0x4000, g), PT_OK);
	assert_true(tr(f, 1, KVA, R, false).global);
	/* Write-protecting needs no break: no invalidation before the store. */
	uint64_t before = f->m.nr_tlbi;
	struct pt_protect ro = { .clear = PT_W, .cache = -1 };
	assert_int_equal(pt_vmspace_protect_flush_tlb(&f->k, KVA, 0x1000, ro), PT_OK);
	assert_int_equal(f->m.nr_tlbi - before, f->m.nr_pes);   /* the flusher's one flush */
}

static void bbm_protect_global(void **state)
{
	clean_then_caught(state, make_global, PT_BBM_PROTECT);
}

/* PT_BBM_COW: a copy-on-write fault moving a shared page of the child to a new frame. */
static void cow(struct fx *f)
{
	struct pt_vmspace child;
	assert_int_equal(pt_vmspace_create_user(&child, &f->k), PT_OK);
	pt_paddr_t frame, spare;
	assert_int_equal(pt_sim_ram_alloc(f->ram, PT_FRAME_DATA, &frame), PT_OK);
	assert_int_equal(pt_sim_ram_alloc(f->ram, PT_FRAME_DATA, &spare), PT_OK);
	struct pt_cursor_mut m;
	struct pt_item it = { frame, 1, { PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY, PT_CACHE_WB }, true };
	assert_int_equal(pt_cursor_mut_new(&m, &f->u.table, UVA, 0x1000), PT_OK);
	assert_int_equal(pt_cursor_map(&m, &it), PT_OK);
	pt_cursor_mut_drop(&m);
	assert_int_equal(pt_vmspace_fork(&f->u, &child, UVA, 0x1000), PT_OK);
	activate_all(f, &child, 2);
	touch(f, &child, UVA, 0x1000, true);
	bool used;
	assert_int_equal(pt_vmspace_cow_fault(&child, UVA, spare, &used), PT_OK);
	assert_true(used);
	for (unsigned pe = 0; pe < 2; pe++)
		assert_int_equal(tr(f, pe, UVA, W, true).pa, spare);
	pt_sim_arm_bbm_check(&f->m);
	activate_all(f, &f->u, 1);
	assert_int_equal(pt_vmspace_destroy(&child), PT_OK);
	th_unmap(&f->u.table, UVA, 0x1000);
}

static void bbm_cow(void **state)
{
	clean_then_caught(state, cow, PT_BBM_COW);
}

/* A platform without the completed invalidation cannot hold a BBM format's tables. */
static void bbm_needs_flush_broadcast(void **state)
{
	struct fx *f = *state;
	struct pt_tlb_ops ops = *f->env.tlb.ops;
	ops.flush_broadcast = NULL;
	struct pt_env env = f->env;
	env.tlb.ops = &ops;
	struct pt_vmspace t;
	assert_int_equal(pt_table_create_empty(&t.table, &env), PT_ERR_INVAL);
	assert_int_equal(pt_vmspace_create_kernel(&t, &env), PT_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(properties_as_hardware_reads_them, setup, teardown),
		cmocka_unit_test_setup_teardown(no_access_and_access_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(hardware_af_and_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_split_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_split_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_protect_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_protect_global, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_cow, setup, teardown),
		cmocka_unit_test_setup_teardown(bbm_needs_flush_broadcast, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
