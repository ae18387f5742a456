/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 TLB glue, against a recording PE: which TLBIs (operation and
 * Xt), barriers and TTBR writes each request and each root load turns into.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <pt/tlb_aarch64.h>

#define MAX_CALLS 1100

enum call_kind { TLBI, BARRIER, TTBR };

struct call {
	enum call_kind kind;
	unsigned op;          /* enum pt_aarch64_tlbi, enum pt_aarch64_barrier, or 1 for TTBR1 */
	uint64_t v;
};

struct pe {
	unsigned n;
	struct call c[MAX_CALLS];
};

static void rec(void *ctx, enum call_kind kind, unsigned op, uint64_t v)
{
	struct pe *p = ctx;
	assert_true(p->n < MAX_CALLS);
	p->c[p->n++] = (struct call){ kind, op, v };
}

static void tlbi(void *ctx, enum pt_aarch64_tlbi op, uint64_t xt)
{
	rec(ctx, TLBI, op, xt);
}

static void barrier(void *ctx, enum pt_aarch64_barrier b)
{
	rec(ctx, BARRIER, b, 0);
}

static void write_ttbr(void *ctx, bool upper, uint64_t v)
{
	rec(ctx, TTBR, upper, v);
}

static unsigned current_cpu(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct pt_aarch64_arch_ops ops = { tlbi, barrier, write_ttbr, current_cpu };

#define KROOT 0x40100000ull
#define EMPTY 0x40101000ull

static struct pt_tlb setup(struct pe *p, struct pt_aarch64_tlb *a, bool asids)
{
	memset(p, 0, sizeof(*p));
	*a = (struct pt_aarch64_tlb){ &ops, p, KROOT, EMPTY, asids };
	return pt_aarch64_tlb(a, NULL);
}

static void expect(const struct pe *p, unsigned i, enum call_kind kind, unsigned op, uint64_t v)
{
	assert_true(i < p->n);
	assert_int_equal(p->c[i].kind, kind);
	assert_int_equal(p->c[i].op, op);
	assert_int_equal(p->c[i].v, v);
}

/* Local: DSB NSHST, the TLBIs, DSB NSH, ISB; broadcast: the IS forms inside DSB ISHST / ISH. */
static void expect_bracket(const struct pe *p, bool is)
{
	assert_true(p->n >= 4);
	expect(p, 0, BARRIER, is ? PT_DSB_ISHST : PT_DSB_NSHST, 0);
	expect(p, p->n - 2, BARRIER, is ? PT_DSB_ISH : PT_DSB_NSH, 0);
	expect(p, p->n - 1, BARRIER, PT_ISB, 0);
	for (unsigned i = 1; i + 2 < p->n; i++) {
		assert_int_equal(p->c[i].kind, TLBI);
		assert_int_equal(p->c[i].op >= PT_TLBI_VAE1IS, is);
	}
}

static void encodings(void **state)
{
	(void)state;
	assert_int_equal(pt_aarch64_ttbr(5, 0x40234000), 5ull << 48 | 0x40234000);
	assert_int_equal(pt_aarch64_ttbr(0xffff, 0xfffffffff000ull), 0xffffull << 48 | 0xfffffffff000ull);
	assert_int_equal(pt_aarch64_tlbi_va(7, 0x0000123456789000ull), 7ull << 48 | 0x123456789ull);
	/* VA[55:12]: a TTBR1 address keeps its top bits up to 55. */
	assert_int_equal(pt_aarch64_tlbi_va(0, 0xffff800000001000ull), 0xff800000001ull);
	assert_int_equal(pt_aarch64_tlbi_asid(0x42), 0x42ull << 48);
}

/* Pages of a user table: VALE1 per page, by its ASID. */
static void pages_last_level(void **state)
{
	(void)state;
	struct pe p;
	struct pt_aarch64_tlb a;
	struct pt_tlb t = setup(&p, &a, true);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 7, 0x400000, 3, false };
	t.ops->flush_local(t.ctx, &q);
	assert_int_equal(p.n, 6);
	expect_bracket(&p, false);
	for (unsigned i = 0; i < 3; i++)
		expect(&p, 1 + i, TLBI, PT_TLBI_VALE1, pt_aarch64_tlbi_va(7, 0x400000 + i * 0x1000ull));
}

/* A detached sub-tree: VALE1 may keep walk-cache entries, so VAE1 (every level). */
static void tables_every_level(void **state)
{
	(void)state;
	struct pe p;
	struct pt_aarch64_tlb a;
	struct pt_tlb t = setup(&p, &a, true);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 3, 0x200000, 2, true };
	t.ops->flush_local(t.ctx, &q);
	assert_int_equal(p.n, 5);
	expect(&p, 1, TLBI, PT_TLBI_VAE1, pt_aarch64_tlbi_va(3, 0x200000));
	expect(&p, 2, TLBI, PT_TLBI_VAE1, pt_aarch64_tlbi_va(3, 0x201000));
}

/* Kernel pages (every ASID): VAALE1, VAAE1 when tables went. */
static void kernel_pages_all_asids(void **state)
{
	(void)state;
	struct pe p;
	struct pt_aarch64_tlb a;
	struct pt_tlb t = setup(&p, &a, true);
	struct pt_flush_req q = { PT_FLUSH_PAGES, PT_ASID_ANY, 0xffff000000010000ull, 1, false };
	t.ops->flush_local(t.ctx, &q);
	expect(&p, 1, TLBI, PT_TLBI_VAALE1, pt_aarch64_tlbi_va(0, 0xffff000000010000ull));
	p.n = 0;
	q.tables = true;
	t.ops->flush_local(t.ctx, &q);
	expect(&p, 1, TLBI, PT_TLBI_VAAE1, pt_aarch64_tlbi_va(0, 0xffff000000010000ull));
	assert_int_equal(p.n, 4);
}

/* The completed invalidation of break-before-make, and send: IS forms; wait adds nothing. */
static void broadcast_forms(void **state)
{
	(void)state;
	struct pe p;
	struct pt_aarch64_tlb a;
	struct pt_tlb t = setup(&p, &a, true);
	assert_non_null(t.ops->flush_broadcast);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 4, 0x600000, 2, false };
	t.ops->flush_broadcast(t.ctx, &q);
	assert_int_equal(p.n, 5);
	expect_bracket(&p, true);
	expect(&p, 1, TLBI, PT_TLBI_VALE1IS, pt_aarch64_tlbi_va(4, 0x600000));
	p.n = 0;
	q.tables = true;
	t.ops->send(t.ctx, 0x6, &q);
	t.ops->wait(t.ctx, 0x6);
	assert_int_equal(p.n, 5);
	expect_bracket(&p, true);
	expect(&p, 2, TLBI, PT_TLBI_VAE1IS, pt_aarch64_tlbi_va(4, 0x601000));
	p.n = 0;
	q.kind = PT_FLUSH_ASID;
	t.ops->send(t.ctx, 0x2, &q);
	expect(&p, 1, TLBI, PT_TLBI_ASIDE1IS, pt_aarch64_tlbi_asid(4));
	p.n = 0;
	q.kind = PT_FLUSH_ALL_GLOBAL;
	t.ops->send(t.ctx, 0x2, &q);
	expect(&p, 1, TLBI, PT_TLBI_VMALLE1IS, 0);
	assert_int_equal(p.n, 4);
}

/* More than PT_AARCH64_MAX_TLBI_PAGES: one ASIDE1, or VMALLE1 for the kernel table. */
static void big_ranges_flush_the_space(void **state)
{
	(void)state;
	struct pe p;
	struct pt_aarch64_tlb a;
	struct pt_tlb t = setup(&p, &a, true);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 9, 0x40000000, PT_AARCH64_MAX_TLBI_PAGES, true };
	t.ops->flush_broadcast(t.ctx, &q);
	assert_int_equal(p.n, PT_AARCH64_MAX_TLBI_PAGES + 3);
	p.n = 0;
	q.nr_pages = 1ull << 18;          /* a 1 GiB block */
	t.ops->flush_broadcast(t.ctx, &q);
	assert_int_equal(p.n, 4);
	expect(&p, 1, TLBI, PT_TLBI_ASIDE1IS, pt_aarch64_tlbi_asid(9));
	p.n = 0;
	q.asid = PT_ASID_ANY;
	t.ops->flush_broadcast(t.ctx, &q);
	expect(&p, 1, TLBI, PT_TLBI_VMALLE1IS, 0);
}

static void asid_and_all(void **state)
{
	(void)state;
	struct pe p;
	struct pt_aarch64_tlb a;
	struct pt_tlb t = setup(&p, &a, true);
	struct pt_flush_req q = { .kind = PT_FLUSH_ASID, .asid = 2 };
	t.ops->flush_local(t.ctx, &q);
	expect(&p, 1, TLBI, PT_TLBI_ASIDE1, 2ull << 48);
	p.n = 0;
	q.kind = PT_FLUSH_ALL;
	t.ops->flush_local(t.ctx, &q);
	expect(&p, 1, TLBI, PT_TLBI_VMALLE1, 0);
	assert_int_equal(p.n, 4);
}

/* The kernel root goes to TTBR1, TTBR0 to the empty table, VMALLE1 with @flush;
 * a user root to TTBR0 with its ASID, ASIDE1 with @flush. */
static void load_root_with_asids(void **state)
{
	(void)state;
	struct pe p;
	struct pt_aarch64_tlb a;
	struct pt_tlb t = setup(&p, &a, true);
	assert_true(t.tagged);
	t.ops->load_root(t.ctx, KROOT, 0, false);
	assert_int_equal(p.n, 3);
	expect(&p, 0, TTBR, 1, KROOT);
	expect(&p, 1, TTBR, 0, EMPTY);
	expect(&p, 2, BARRIER, PT_ISB, 0);
	p.n = 0;
	t.ops->load_root(t.ctx, KROOT, 0, true);
	assert_int_equal(p.n, 7);
	expect(&p, 4, TLBI, PT_TLBI_VMALLE1, 0);
	p.n = 0;
	t.ops->load_root(t.ctx, 0x40400000, 9, false);
	assert_int_equal(p.n, 2);
	expect(&p, 0, TTBR, 0, 9ull << 48 | 0x40400000);
	p.n = 0;
	t.ops->load_root(t.ctx, 0x40500000, 9, true);
	assert_int_equal(p.n, 6);
	expect(&p, 0, TTBR, 0, 9ull << 48 | 0x40500000);
	expect(&p, 1, BARRIER, PT_ISB, 0);
	expect(&p, 2, BARRIER, PT_DSB_NSHST, 0);
	expect(&p, 3, TLBI, PT_TLBI_ASIDE1, 9ull << 48);
	expect(&p, 4, BARRIER, PT_DSB_NSH, 0);
	expect(&p, 5, BARRIER, PT_ISB, 0);
}

/* Without ASIDs every table runs under ASID 0, each load drops ASID 0's entries,
 * and page requests use the all-ASID forms. */
static void no_asids(void **state)
{
	(void)state;
	struct pe p;
	struct pt_aarch64_tlb a;
	struct pt_tlb t = setup(&p, &a, false);
	assert_false(t.tagged);
	t.ops->load_root(t.ctx, 0x40400000, 9, false);
	expect(&p, 0, TTBR, 0, 0x40400000);
	expect(&p, 3, TLBI, PT_TLBI_ASIDE1, 0);
	assert_int_equal(p.n, 6);
	p.n = 0;
	struct pt_flush_req q = { PT_FLUSH_PAGES, 9, 0x1000, 1, false };
	t.ops->flush_local(t.ctx, &q);
	expect(&p, 1, TLBI, PT_TLBI_VAALE1, pt_aarch64_tlbi_va(0, 0x1000));
	p.n = 0;
	q.kind = PT_FLUSH_ASID;
	t.ops->flush_local(t.ctx, &q);
	expect(&p, 1, TLBI, PT_TLBI_VMALLE1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encodings),
		cmocka_unit_test(pages_last_level),
		cmocka_unit_test(tables_every_level),
		cmocka_unit_test(kernel_pages_all_asids),
		cmocka_unit_test(broadcast_forms),
		cmocka_unit_test(big_ranges_flush_the_space),
		cmocka_unit_test(asid_and_all),
		cmocka_unit_test(load_root_with_asids),
		cmocka_unit_test(no_asids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
