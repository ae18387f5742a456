/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V walker (sim/riscv_walk.c) against entries written here bit by
 * bit from the privileged specification. Every test runs once per mode.
 */
#include "riscv_rig.h"

struct rig {
	struct pt_sim_ram *ram;
	unsigned levels;
	pt_paddr_t root;
};

static pt_paddr_t rig_table(struct rig *r)
{
	pt_paddr_t pa;
	assert_int_equal(pt_sim_ram_alloc(r->ram, PT_FRAME_TABLE, &pa), PT_OK);
	return pa;
}

static void rig_init(struct rig *r, void **state)
{
	const struct variant *v = *state;
	r->ram = pt_sim_ram_create(64 * MiB);
	assert_non_null(r->ram);
	r->levels = v->levels;
	r->root = rig_table(r);
}

static void rig_fini(struct rig *r)
{
	pt_sim_ram_destroy(r->ram);
}

/* Where @va's entry at level @i is, adding pointer entries (V alone) above it. */
static pt_paddr_t rig_slot(struct rig *r, uint64_t va, unsigned i)
{
	pt_paddr_t a = r->root;
	for (unsigned l = r->levels - 1; l > i; l--) {
		pt_paddr_t e = a + vpn(va, l) * 8;
		if (!pt_sim_ram_load64(r->ram, e))
			pt_sim_ram_store64(r->ram, e, pte_make(rig_table(r), PTE_V));
		a = pte_addr(pt_sim_ram_load64(r->ram, e));
	}
	return a + vpn(va, i) * 8;
}

static pt_paddr_t rig_set(struct rig *r, uint64_t va, unsigned i, uint64_t pte)
{
	pt_paddr_t e = rig_slot(r, va, i);
	pt_sim_ram_store64(r->ram, e, pte);
	return e;
}

static uint64_t rig_get(struct rig *r, uint64_t va, unsigned i)
{
	return pt_sim_ram_load64(r->ram, rig_slot(r, va, i));
}

static enum pt_sim_rv_exc rig_walk(struct rig *r, uint64_t va, enum pt_sim_rv_access a, bool user,
				bool sum, bool mxr, bool hw_ad, struct pt_sim_rv_xlat *x)
{
	return pt_sim_rv_walk(r->ram, r->levels, r->root, va, a, user, sum, mxr, hw_ad, x);
}

/* Every S-mode access to @va succeeds without A/D updates and reaches @pa. */
static void expect_ok(struct rig *r, uint64_t va, pt_paddr_t pa, unsigned level)
{
	for (int a = LOAD; a <= FETCH; a++) {
		struct pt_sim_rv_xlat x;
		assert_int_equal(rig_walk(r, va, a, false, false, false, false, &x), PT_SIM_RV_OK);
		assert_int_equal(x.pa, pa);
		assert_int_equal(x.level, level);
	}
}

/*
 * Every access to @va faults in both modes, even with Svadu, and no entry on
 * its path from the root down to level @leaf changes.
 */
static void expect_faults(struct rig *r, uint64_t va, unsigned leaf)
{
	uint64_t before[4];
	for (unsigned l = leaf; l < r->levels; l++)
		before[l] = rig_get(r, va, l);
	for (int a = LOAD; a <= FETCH; a++)
		for (int user = 0; user < 2; user++)
			assert_int_equal(rig_walk(r, va, a, user, true, true, true, NULL), cause(a));
	for (unsigned l = leaf; l < r->levels; l++)
		assert_int_equal(rig_get(r, va, l), before[l]);
}

/* A rig with @va's leaf at level @i: LEAF_ALL, PA with top and low PPN bits set. */
static uint64_t rig_with_leaf(struct rig *r, void **state, unsigned i, pt_paddr_t *pa)
{
	const struct variant *v = *state;
	rig_init(r, state);
	*pa = (1ull << 55) | 5 * span(i);
	rig_set(r, v->lo_va, i, pte_make(*pa, LEAF_ALL));
	*pa |= v->lo_va & (span(i) - 1);
	expect_ok(r, v->lo_va, *pa, i);
	return v->lo_va;
}

/* With @va's entry at level @i replaced by @pte, every access faults; then restored. */
static void expect_entry_faults(struct rig *r, uint64_t va, unsigned i, uint64_t pte,
				pt_paddr_t pa, unsigned leaf)
{
	pt_paddr_t e = rig_slot(r, va, i);
	uint64_t old = pt_sim_ram_load64(r->ram, e);
	pt_sim_ram_store64(r->ram, e, pte);
	expect_faults(r, va, leaf);
	pt_sim_ram_store64(r->ram, e, old);
	expect_ok(r, va, pa, leaf);
}

/* With @va's entry at level @i replaced by @pte, the translation is unchanged. */
static void expect_entry_ok(struct rig *r, uint64_t va, unsigned i, uint64_t pte, pt_paddr_t pa,
			    unsigned leaf)
{
	pt_paddr_t e = rig_slot(r, va, i);
	uint64_t old = pt_sim_ram_load64(r->ram, e);
	pt_sim_ram_store64(r->ram, e, pte);
	expect_ok(r, va, pa, leaf);
	pt_sim_ram_store64(r->ram, e, old);
}

/* Leaves at every level in both halves, with a neighbour one slot up mapping elsewhere. */
static void vectors_translate(void **state)
{
	const struct variant *v = *state;
	for (unsigned i = 0; i < v->levels; i++) {
		const uint64_t vas[2] = { v->lo_va, v->hi_va };
		for (unsigned h = 0; h < 2; h++) {
			struct rig r;
			uint64_t va = vas[h], base = va & ~(span(i) - 1);
			pt_paddr_t pa = (1ull << 55) | 3 * span(i);
			rig_init(&r, state);
			pt_paddr_t e = rig_set(&r, base, i, pte_make(pa, LEAF_ALL));
			rig_set(&r, base + span(i), i, pte_make(pa + 4 * span(i), LEAF_ALL));
			struct pt_sim_rv_xlat x;
			assert_int_equal(rig_walk(&r, va + 0x7f8, LOAD, false, false, false, false, &x),
					 PT_SIM_RV_OK);
			assert_int_equal(x.pa, pa + (va & (span(i) - 1)) + 0x7f8);
			assert_int_equal(x.level, i);
			assert_int_equal(x.pte, pte_make(pa, LEAF_ALL));
			assert_int_equal(x.pte_addr, e);
			assert_int_equal(x.pbmt, PT_SIM_RV_PBMT_PMA);
			assert_false(x.global);
			expect_ok(&r, base, pa, i);
			expect_ok(&r, base + span(i) - 1, pa + span(i) - 1, i);
			expect_ok(&r, base + span(i) + 0x10, pa + 4 * span(i) + 0x10, i);
			rig_fini(&r);
		}
	}
}

/* With @va's entry at level @i ORed with G, the translation is global. */
static void expect_global_from(struct rig *r, uint64_t va, unsigned i)
{
	pt_paddr_t e = rig_slot(r, va, i);
	uint64_t old = pt_sim_ram_load64(r->ram, e);
	struct pt_sim_rv_xlat x;
	assert_int_equal(rig_walk(r, va, LOAD, false, false, false, false, &x), PT_SIM_RV_OK);
	assert_false(x.global);
	pt_sim_ram_store64(r->ram, e, old | PTE_G);
	assert_int_equal(rig_walk(r, va, LOAD, false, false, false, false, &x), PT_SIM_RV_OK);
	assert_true(x.global);
	pt_sim_ram_store64(r->ram, e, old);
}

/* PBMT NC and IO are returned, RSW is ignored, G is legal on pointers and makes what is below global. */
static void vectors_ignored_and_pbmt(void **state)
{
	const struct variant *v = *state;
	for (unsigned i = 0; i < v->levels; i++) {
		struct rig r;
		pt_paddr_t pa;
		uint64_t va = rig_with_leaf(&r, state, i, &pa);
		uint64_t leaf = rig_get(&r, va, i);
		for (unsigned t = 1; t <= 2; t++) {
			struct pt_sim_rv_xlat x;
			rig_set(&r, va, i, leaf | PTE_PBMT(t));
			assert_int_equal(rig_walk(&r, va, LOAD, false, false, false, false, &x),
					 PT_SIM_RV_OK);
			assert_int_equal(x.pbmt, t);
			assert_int_equal(x.pa, pa);
		}
		rig_set(&r, va, i, leaf);
		expect_entry_ok(&r, va, i, leaf | PTE_RSW | PTE_G, pa, i);
		for (unsigned l = i + 1; l < v->levels; l++)
			expect_entry_ok(&r, va, l, rig_get(&r, va, l) | PTE_RSW | PTE_G, pa, i);
		for (unsigned l = i; l < v->levels; l++)
			expect_global_from(&r, va, l);
		rig_fini(&r);
	}
}

static void vectors_noncanonical(void **state)
{
	const struct variant *v = *state;
	unsigned va_bits = 12 + 9 * v->levels;
	uint64_t upper = ~0ull << (va_bits - 1);
	struct rig r;
	rig_init(&r, state);
	/* Same indices as mapped addresses: only the canonical check can fault these. */
	rig_set(&r, v->lo_va, 0, pte_make(0x5000, LEAF_ALL));
	rig_set(&r, v->lo_va | upper, 0, pte_make(0x6000, LEAF_ALL));
	expect_ok(&r, v->lo_va, 0x5000, 0);
	expect_ok(&r, v->lo_va | upper, 0x6000, 0);
	expect_faults(&r, v->lo_va | 1ull << 63, 0);
	expect_faults(&r, v->lo_va | 1ull << va_bits, 0);
	expect_faults(&r, v->lo_va | 1ull << (va_bits - 1), 0);
	expect_faults(&r, (v->lo_va | upper) & ~(1ull << va_bits), 0);
	expect_faults(&r, (v->lo_va | upper) & ~(1ull << 63), 0);
	rig_fini(&r);
}

/* V = 0 anywhere; R = 0 with W = 1 in a leaf or a pointer. */
static void vectors_invalid(void **state)
{
	const struct variant *v = *state;
	for (unsigned i = 0; i < v->levels; i++) {
		struct rig r;
		pt_paddr_t pa;
		uint64_t va = rig_with_leaf(&r, state, i, &pa);
		uint64_t leaf = rig_get(&r, va, i);
		expect_entry_faults(&r, va, i, leaf & ~PTE_V, pa, i);
		expect_entry_faults(&r, va, i, leaf & ~PTE_R, pa, i);
		expect_entry_faults(&r, va, i, leaf & ~(PTE_R | PTE_X), pa, i);
		for (unsigned l = i + 1; l < v->levels; l++) {
			uint64_t ptr = rig_get(&r, va, l);
			expect_entry_faults(&r, va, l, ptr & ~PTE_V, pa, i);
			expect_entry_faults(&r, va, l, ptr | PTE_W, pa, i);
		}
		rig_fini(&r);
	}
}

/* Bits 60:54 and N anywhere, PBMT 3 anywhere, D/A/U and any PBMT in a pointer. */
static void vectors_reserved(void **state)
{
	const struct variant *v = *state;
	for (unsigned i = 0; i < v->levels; i++) {
		struct rig r;
		pt_paddr_t pa;
		uint64_t va = rig_with_leaf(&r, state, i, &pa);
		for (unsigned l = i; l < v->levels; l++) {
			uint64_t e = rig_get(&r, va, l);
			for (unsigned b = 54; b <= 60; b++)
				expect_entry_faults(&r, va, l, e | 1ull << b, pa, i);
			expect_entry_faults(&r, va, l, e | PTE_N, pa, i);
			expect_entry_faults(&r, va, l, e | PTE_PBMT(3), pa, i);
			if (l == i)
				continue;
			expect_entry_faults(&r, va, l, e | PTE_D, pa, i);
			expect_entry_faults(&r, va, l, e | PTE_A, pa, i);
			expect_entry_faults(&r, va, l, e | PTE_U, pa, i);
			expect_entry_faults(&r, va, l, e | PTE_PBMT(1), pa, i);
			expect_entry_faults(&r, va, l, e | PTE_PBMT(2), pa, i);
		}
		rig_fini(&r);
	}
}

/* A superpage with any PPN bit below its level set; the lowest and highest bit of each field. */
static void vectors_misaligned_superpage(void **state)
{
	const struct variant *v = *state;
	for (unsigned i = 1; i < v->levels; i++) {
		struct rig r;
		pt_paddr_t pa;
		uint64_t va = rig_with_leaf(&r, state, i, &pa);
		uint64_t leaf = rig_get(&r, va, i);
		for (unsigned j = 0; j < i; j++) {
			expect_entry_faults(&r, va, i, leaf | 1ull << (10 + 9 * j), pa, i);
			expect_entry_faults(&r, va, i, leaf | 1ull << (10 + 9 * j + 8), pa, i);
		}
		rig_fini(&r);
	}
}

/* A pointer at level 0, even to a frame whose entry would be a valid leaf. */
static void vectors_pointer_at_level0(void **state)
{
	struct rig r;
	pt_paddr_t pa;
	uint64_t va = rig_with_leaf(&r, state, 0, &pa);
	pt_paddr_t t = rig_table(&r);
	for (unsigned k = 0; k < 512; k++)
		pt_sim_ram_store64(r.ram, t + 8 * k, pte_make(0x7000, LEAF_ALL));
	expect_entry_faults(&r, va, 0, pte_make(t, PTE_V), pa, 0);
	expect_entry_faults(&r, va, 0, pte_make(t, PTE_V | PTE_G), pa, 0);
	rig_fini(&r);
}

struct perm_case {
	uint64_t bits;       /* with V, A, D */
	bool user, sum, mxr;
	unsigned allowed;    /* ALLOW() of each access that succeeds */
};

static const struct perm_case perm_cases[] = {
	{ PTE_R, false, false, false, ALLOW(LOAD) },
	{ PTE_R | PTE_W, false, false, false, ALLOW(LOAD) | ALLOW(STORE) },
	{ PTE_X, false, false, false, ALLOW(FETCH) },
	{ PTE_X, false, false, true, ALLOW(LOAD) | ALLOW(FETCH) },
	{ PTE_R | PTE_X, false, false, false, ALLOW(LOAD) | ALLOW(FETCH) },
	{ PTE_R | PTE_W | PTE_X, false, false, false, ALLOW_ALL },
	{ PTE_R | PTE_W | PTE_X, false, true, true, ALLOW_ALL },
	{ PTE_R | PTE_W | PTE_X | PTE_U, false, false, false, 0 },
	{ PTE_R | PTE_W | PTE_X | PTE_U, false, false, true, 0 },
	{ PTE_R | PTE_W | PTE_X | PTE_U, false, true, false, ALLOW(LOAD) | ALLOW(STORE) },
	{ PTE_X | PTE_U, false, true, false, 0 },
	{ PTE_X | PTE_U, false, true, true, ALLOW(LOAD) },
	{ PTE_R | PTE_W | PTE_X, true, false, false, 0 },
	{ PTE_R | PTE_W | PTE_X, true, true, true, 0 },
	{ PTE_R | PTE_W | PTE_X | PTE_U, true, false, false, ALLOW_ALL },
	{ PTE_R | PTE_U, true, false, false, ALLOW(LOAD) },
	{ PTE_R | PTE_W | PTE_U, true, true, false, ALLOW(LOAD) | ALLOW(STORE) },
	{ PTE_X | PTE_U, true, false, false, ALLOW(FETCH) },
	{ PTE_X | PTE_U, true, false, true, ALLOW(LOAD) | ALLOW(FETCH) },
	{ PTE_R | PTE_X | PTE_U, true, false, false, ALLOW(LOAD) | ALLOW(FETCH) },
};

static void vectors_permissions(void **state)
{
	const struct variant *v = *state;
	for (unsigned i = 0; i < v->levels; i++) {
		for (size_t c = 0; c < sizeof(perm_cases) / sizeof(perm_cases[0]); c++) {
			const struct perm_case *pc = &perm_cases[c];
			struct rig r;
			pt_paddr_t pa;
			uint64_t va = rig_with_leaf(&r, state, i, &pa);
			uint64_t leaf = pte_make(pa & ~(span(i) - 1), pc->bits | PTE_V | PTE_A | PTE_D);
			rig_set(&r, va, i, leaf);
			for (int a = LOAD; a <= FETCH; a++) {
				struct pt_sim_rv_xlat x;
				enum pt_sim_rv_exc got = rig_walk(&r, va, a, pc->user, pc->sum, pc->mxr, true,
							       &x);
				if (!(pc->allowed & ALLOW(a))) {
					assert_int_equal(got, cause(a));
					continue;
				}
				assert_int_equal(got, PT_SIM_RV_OK);
				assert_int_equal(x.pa, pa);
			}
			assert_int_equal(rig_get(&r, va, i), leaf);
			rig_fini(&r);
		}
	}
}

/* Svade: A clear faults every access, D clear faults stores; nothing is written. */
static void vectors_svade(void **state)
{
	const struct variant *v = *state;
	for (unsigned i = 0; i < v->levels; i++) {
		struct rig r;
		pt_paddr_t pa;
		uint64_t va = rig_with_leaf(&r, state, i, &pa);
		uint64_t leaf = rig_get(&r, va, i);
		rig_set(&r, va, i, leaf & ~PTE_A);
		for (int a = LOAD; a <= FETCH; a++)
			assert_int_equal(rig_walk(&r, va, a, false, false, false, false, NULL), cause(a));
		assert_int_equal(rig_get(&r, va, i), leaf & ~PTE_A);
		rig_set(&r, va, i, leaf & ~PTE_D);
		assert_int_equal(rig_walk(&r, va, STORE, false, false, false, false, NULL), CAUSE_STORE);
		assert_int_equal(rig_walk(&r, va, LOAD, false, false, false, false, NULL), PT_SIM_RV_OK);
		assert_int_equal(rig_walk(&r, va, FETCH, false, false, false, false, NULL), PT_SIM_RV_OK);
		assert_int_equal(rig_get(&r, va, i), leaf & ~PTE_D);
		rig_fini(&r);
	}
}

/* Svadu: loads and fetches set A, stores A and D, in the leaf only; faults set nothing. */
static void vectors_svadu(void **state)
{
	const struct variant *v = *state;
	for (unsigned i = 0; i < v->levels; i++) {
		for (int a = LOAD; a <= FETCH; a++) {
			struct rig r;
			struct pt_sim_rv_xlat x;
			pt_paddr_t pa;
			uint64_t va = rig_with_leaf(&r, state, i, &pa);
			uint64_t leaf = rig_get(&r, va, i) & ~(PTE_A | PTE_D);
			uint64_t set = PTE_A | (a == STORE ? PTE_D : 0);
			uint64_t ptrs[4];
			for (unsigned l = i + 1; l < v->levels; l++)
				ptrs[l] = rig_get(&r, va, l);
			rig_set(&r, va, i, leaf | PTE_U);
			assert_int_equal(rig_walk(&r, va, a, false, false, false, true, NULL), cause(a));
			assert_int_equal(rig_get(&r, va, i), leaf | PTE_U);
			rig_set(&r, va, i, leaf);
			assert_int_equal(rig_walk(&r, va, a, false, false, false, true, &x), PT_SIM_RV_OK);
			assert_int_equal(x.pa, pa);
			assert_int_equal(x.pte, leaf | set);
			assert_int_equal(rig_get(&r, va, i), leaf | set);
			for (unsigned l = i + 1; l < v->levels; l++)
				assert_int_equal(rig_get(&r, va, l), ptrs[l]);
			if (i > 0) {
				rig_set(&r, va, i, leaf | 1ull << 10);
				expect_faults(&r, va, i);
			}
			rig_fini(&r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(vectors_translate),
		BOTH(vectors_ignored_and_pbmt),
		BOTH(vectors_noncanonical),
		BOTH(vectors_invalid),
		BOTH(vectors_reserved),
		BOTH(vectors_misaligned_superpage),
		BOTH(vectors_pointer_at_level0),
		BOTH(vectors_permissions),
		BOTH(vectors_svade),
		BOTH(vectors_svadu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
