/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V TLB glue, against a recording hart: which SFENCE.VMA operands
 * and satp values each request and each root load turns into, and how
 * remote requests reach the platform (SBI remote fence or IPIs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <pt/tlb_riscv.h>

#define MAX_CALLS 64

enum call_kind { SATP, SFENCE, REMOTE, SEND, WAIT };

struct call {
	enum call_kind kind;
	bool has_va, has_asid;
	uint64_t va, asid, size;   /* asid: the rs2 value or the remote fence's asid */
	pt_cpumask_t cpus;
};

struct hart {
	unsigned n;
	struct call c[MAX_CALLS];
};

static struct call *rec(void *ctx, enum call_kind kind)
{
	struct hart *h = ctx;
	assert_true(h->n < MAX_CALLS);
	struct call *c = &h->c[h->n++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	return c;
}

static void write_satp(void *ctx, uint64_t v)
{
	rec(ctx, SATP)->va = v;
}

static void sfence_vma(void *ctx, bool has_va, pt_vaddr_t va, bool has_asid, uint16_t asid)
{
	struct call *c = rec(ctx, SFENCE);
	c->has_va = has_va, c->va = va, c->has_asid = has_asid, c->asid = asid;
}

static unsigned current_cpu(void *ctx)
{
	(void)ctx;
	return 0;
}

static void remote_sfence(void *ctx, pt_cpumask_t cpus, pt_vaddr_t start, uint64_t size,
			  pt_asid_t asid)
{
	struct call *c = rec(ctx, REMOTE);
	c->cpus = cpus, c->va = start, c->size = size, c->asid = asid;
}

static void send(void *ctx, pt_cpumask_t cpus, const struct pt_flush_req *req)
{
	struct call *c = rec(ctx, SEND);
	c->cpus = cpus, c->va = req->va, c->asid = req->asid;
}

static void wait_for(void *ctx, pt_cpumask_t cpus)
{
	rec(ctx, WAIT)->cpus = cpus;
}

static const struct pt_riscv_arch_ops sbi_ops = {
	write_satp, sfence_vma, current_cpu, remote_sfence, send, wait_for,
};
static const struct pt_riscv_arch_ops ipi_ops = {
	write_satp, sfence_vma, current_cpu, NULL, send, wait_for,
};

static void expect_fence(const struct call *c, bool has_va, uint64_t va, bool has_asid,
			 uint64_t asid)
{
	assert_int_equal(c->kind, SFENCE);
	assert_int_equal(c->has_va, has_va);
	if (has_va)
		assert_int_equal(c->va, va);
	assert_int_equal(c->has_asid, has_asid);
	if (has_asid)
		assert_int_equal(c->asid, asid);
}

static struct pt_tlb setup(struct hart *h, struct pt_riscv_tlb *r, bool asids, bool sbi)
{
	memset(h, 0, sizeof(*h));
	*r = (struct pt_riscv_tlb){ sbi ? &sbi_ops : &ipi_ops, h, PT_RISCV_SATP_SV39, asids };
	return pt_riscv_tlb(r, NULL);
}

static void satp_encoding(void **state)
{
	(void)state;
	assert_int_equal(pt_riscv_satp(PT_RISCV_SATP_SV39, 5, 0x80234000),
			 8ull << 60 | 5ull << 44 | 0x80234);
	assert_int_equal(pt_riscv_satp(PT_RISCV_SATP_SV48, 0xffff, 0xfffffffffff000ull),
			 9ull << 60 | 0xffffull << 44 | 0xfffffffffffull);
}

/* Pages: one SFENCE.VMA va, asid each; a kernel page names no ASID (global entries too). */
static void pages_fence_each_page(void **state)
{
	(void)state;
	struct hart h;
	struct pt_riscv_tlb r;
	struct pt_tlb t = setup(&h, &r, true, true);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 7, 0x400000, 3, false };
	t.ops->flush_local(t.ctx, &q);
	assert_int_equal(h.n, 3);
	for (unsigned i = 0; i < 3; i++)
		expect_fence(&h.c[i], true, 0x400000 + i * 0x1000, true, 7);
	q.asid = PT_ASID_ANY;
	q.nr_pages = 1;
	t.ops->flush_local(t.ctx, &q);
	assert_int_equal(h.n, 4);
	expect_fence(&h.c[3], true, 0x400000, false, 0);
}

/* A detached sub-tree: the page fence misses non-leaf entries, so the whole space. */
static void tables_fence_the_address_space(void **state)
{
	(void)state;
	struct hart h;
	struct pt_riscv_tlb r;
	struct pt_tlb t = setup(&h, &r, true, true);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 3, 0x200000, 512, true };
	t.ops->flush_local(t.ctx, &q);
	assert_int_equal(h.n, 1);
	expect_fence(&h.c[0], false, 0, true, 3);
	q.asid = PT_ASID_ANY;
	t.ops->flush_local(t.ctx, &q);
	assert_int_equal(h.n, 2);
	expect_fence(&h.c[1], false, 0, false, 0);
}

static void asid_and_all(void **state)
{
	(void)state;
	struct hart h;
	struct pt_riscv_tlb r;
	struct pt_tlb t = setup(&h, &r, true, true);
	struct pt_flush_req q = { .kind = PT_FLUSH_ASID, .asid = 0 };
	t.ops->flush_local(t.ctx, &q);
	expect_fence(&h.c[0], false, 0, true, 0);
	q.kind = PT_FLUSH_ALL;
	t.ops->flush_local(t.ctx, &q);
	expect_fence(&h.c[1], false, 0, false, 0);
	q.kind = PT_FLUSH_ALL_GLOBAL;
	t.ops->flush_local(t.ctx, &q);
	expect_fence(&h.c[2], false, 0, false, 0);
	assert_int_equal(h.n, 3);
}

/* Without ASIDs no fence names one, and every root load ends in a full fence. */
static void no_asids(void **state)
{
	(void)state;
	struct hart h;
	struct pt_riscv_tlb r;
	struct pt_tlb t = setup(&h, &r, false, true);
	assert_false(t.tagged);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 9, 0x1000, 1, false };
	t.ops->flush_local(t.ctx, &q);
	expect_fence(&h.c[0], true, 0x1000, false, 0);
	t.ops->load_root(t.ctx, 0x80400000, 9, false);
	assert_int_equal(h.c[1].kind, SATP);
	assert_int_equal(h.c[1].va, 8ull << 60 | 0x80400);
	expect_fence(&h.c[2], false, 0, false, 0);
	assert_int_equal(h.n, 3);
}

static void load_root_with_asids(void **state)
{
	(void)state;
	struct hart h;
	struct pt_riscv_tlb r;
	struct pt_tlb t = setup(&h, &r, true, true);
	assert_true(t.tagged);
	t.ops->load_root(t.ctx, 0x80400000, 9, false);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.c[0].va, 8ull << 60 | 9ull << 44 | 0x80400);
	t.ops->load_root(t.ctx, 0x80500000, 9, true);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.c[1].va, 8ull << 60 | 9ull << 44 | 0x80500);
	expect_fence(&h.c[2], false, 0, true, 9);
}

/* SBI: one synchronous remote fence per request, a range or the whole space; wait is empty. */
static void remote_by_sbi(void **state)
{
	(void)state;
	struct hart h;
	struct pt_riscv_tlb r;
	struct pt_tlb t = setup(&h, &r, true, true);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 4, 0x7000, 2, false };
	t.ops->send(t.ctx, 6, &q);
	q.tables = true;
	t.ops->send(t.ctx, 6, &q);
	struct pt_flush_req all = { .kind = PT_FLUSH_ALL_GLOBAL };
	t.ops->send(t.ctx, 2, &all);
	t.ops->wait(t.ctx, 6);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.c[0].kind, REMOTE);
	assert_int_equal(h.c[0].cpus, 6);
	assert_int_equal(h.c[0].va, 0x7000);
	assert_int_equal(h.c[0].size, 0x2000);
	assert_int_equal(h.c[0].asid, 4);
	assert_int_equal(h.c[1].size, PT_RISCV_SIZE_ALL);
	assert_int_equal(h.c[1].asid, 4);
	assert_int_equal(h.c[2].cpus, 2);
	assert_int_equal(h.c[2].size, PT_RISCV_SIZE_ALL);
	assert_int_equal(h.c[2].asid, PT_ASID_ANY);
}

/* IPIs: the request goes to the platform unchanged, wait waits. */
static void remote_by_ipi(void **state)
{
	(void)state;
	struct hart h;
	struct pt_riscv_tlb r;
	struct pt_tlb t = setup(&h, &r, false, false);
	struct pt_flush_req q = { PT_FLUSH_PAGES, 4, 0x7000, 2, false };
	t.ops->send(t.ctx, 6, &q);
	t.ops->wait(t.ctx, 6);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.c[0].kind, SEND);
	assert_int_equal(h.c[0].va, 0x7000);
	assert_int_equal(h.c[1].kind, WAIT);
	assert_int_equal(h.c[1].cpus, 6);
}

static void fault_fence_is_one_page(void **state)
{
	(void)state;
	struct hart h;
	struct pt_riscv_tlb r;
	setup(&h, &r, true, true);
	pt_riscv_tlb_fault_fence(&r, 0x12345, 2);
	assert_int_equal(h.n, 1);
	expect_fence(&h.c[0], true, 0x12000, true, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(satp_encoding),
		cmocka_unit_test(pages_fence_each_page),
		cmocka_unit_test(tables_fence_the_address_space),
		cmocka_unit_test(asid_and_all),
		cmocka_unit_test(no_asids),
		cmocka_unit_test(load_root_with_asids),
		cmocka_unit_test(remote_by_sbi),
		cmocka_unit_test(remote_by_ipi),
		cmocka_unit_test(fault_fence_is_one_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
