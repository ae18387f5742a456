/* SPDX-License-Identifier: MIT */
/*
 * Machine-level tests: 5-level walks, canonical checks in both modes, CPU
 * independence, interrupts (to CPUs with and without a thread on them),
 * counters, pick and capacity policies, coherence over all CPUs, prefetch.
 */
#include "fixture.h"

#include <pthread.h>
#include <stdatomic.h>

#define VA 0x00007f1234567000ull

static void five_level_walk_sets_a_on_all_levels(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .la57 = true };
	struct fx *f = fx_new(&cfg);
	pt_vaddr_t high = 0x00ab123456789000ull;    /* needs LA57: bits 56:48 = 0xab */
	pt_paddr_t frame = fx_data(f);
	fx_map(f, high, frame, 1, FX_LEAF);
	fx_clear_upper_a(f, high, 1);
	assert_int_equal(fx_idx(high, 5), 0xab);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(f->cpu, high | 0x42, PT_SIM_WRITE, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.pa, frame | 0x42);
	for (unsigned l = 5; l >= 2; l--)
		EXPECT_AD(f, high, l, 1, 0);
	EXPECT_AD(f, high, 1, 1, 1);
	assert_int_equal(x.table_memtype[5], PT_SIM_MT_WB);
	assert_int_equal(pt_sim_tlb_count(f->cpu, true), 4);      /* PML5E, PML4E, PDPTE, PDE */
	/* a 2 MiB and a 1 GiB leaf under the same PML5E */
	fx_map(f, 0x00ab100000000000ull, 0x40000000ull, 3, FX_LEAF);
	fx_map(f, 0x00ab100040000000ull, 0x200000ull, 2, FX_LEAF);
	EXPECT_PA(f, 0x00ab100012345678ull, PT_SIM_READ, PT_SIM_USER, 0x52345678ull);
	EXPECT_PA(f, 0x00ab100040012345ull, PT_SIM_READ, PT_SIM_USER, 0x212345ull);
	/* not present at level 5 */
	EXPECT_PF(f, 0x00f0000000000000ull, PT_SIM_READ, PT_SIM_USER, 0x4);
	fx_free(f);
}

static void canonical_checks_both_modes(void **state)
{
	(void)state;
	static const struct { pt_vaddr_t va; bool ok4, ok5; } cases[] = {
		{ 0x0000000000000000ull, true, true },
		{ 0x00007fffffffffffull, true, true },
		{ 0x0000800000000000ull, false, true },
		{ 0xffff800000000000ull, true, true },
		{ 0xffff7fffffffffffull, false, true },
		{ 0x00ffffffffffffffull, false, true },
		{ 0x0100000000000000ull, false, false },
		{ 0xff00000000000000ull, false, true },
		{ 0xfeffffffffffffffull, false, false },
		{ 0x8000000000000000ull, false, false },
		{ 0xffffffffffffffffull, true, true },
	};
	for (int la57 = 0; la57 <= 1; la57++) {
		struct pt_sim_machine_config cfg = { .la57 = la57 };
		struct fx *f = fx_new(&cfg);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			bool ok = la57 ? cases[i].ok5 : cases[i].ok4;
			pt_sim_cpu_set_cr2(f->cpu, 0x5a5a);
			enum pt_sim_exc exc = pt_sim_access(f->cpu, cases[i].va, PT_SIM_READ, PT_SIM_SUPERVISOR, NULL);
			assert_int_equal(exc, ok ? PT_SIM_EXC_PF : PT_SIM_EXC_GP);
			assert_int_equal(pt_sim_cpu_regs(f->cpu).cr2, ok ? cases[i].va : 0x5a5a);
			/* INVLPG of a non-canonical address is a no-op, not a fault */
			assert_int_equal(pt_sim_cpu_invlpg(f->cpu, cases[i].va), PT_SIM_EXC_NONE);
		}
		fx_free(f);
	}
}

static void cpus_have_independent_tlbs(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .nr_cpus = 4 };
	struct fx *f = fx_new(&cfg);
	pt_paddr_t old = fx_data(f), new = fx_data(f);
	pt_paddr_t leaf = fx_map(f, VA, old, 1, FX_LEAF);
	struct pt_sim_cpu *c1 = pt_sim_machine_cpu(f->m, 1);
	assert_int_equal(pt_sim_cpu_write_cr3(c1, f->root), PT_SIM_EXC_NONE);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	assert_int_equal(pt_sim_tlb_count(c1, false), 0);
	pt_sim_ram_store64(f->ram, leaf, new | FX_LEAF);
	struct pt_sim_xlat x;
	assert_int_equal(pt_sim_access(c1, VA, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
	assert_int_equal(x.pa, new);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	/* INVLPG on CPU 1 leaves CPU 0 stale; the all-CPU check sees only CPU 0 */
	pt_sim_ram_store64(f->ram, leaf, 0);
	assert_int_equal(pt_sim_cpu_invlpg(c1, VA), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_access(c1, VA, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_PF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, old);
	struct pt_sim_coherence c;
	assert_true(pt_sim_coherence_check(f->m, -1, &c));
	assert_int_equal(c.harmful, 1);
	assert_int_equal(c.items[0].cpu, 0);
	pt_sim_coherence_free(&c);
	/* CR2 is per CPU */
	assert_int_equal(pt_sim_cpu_regs(c1).cr2, VA);
	assert_int_equal(pt_sim_cpu_regs(f->cpu).cr2, 0);
	fx_free(f);
}

static void ipi_invlpg(struct pt_sim_cpu *cpu, void *arg)
{
	assert_int_equal(pt_sim_cpu_invlpg(cpu, *(pt_vaddr_t *)arg), PT_SIM_EXC_NONE);
}

static void ipi_record(struct pt_sim_cpu *cpu, void *arg)
{
	atomic_fetch_add((_Atomic unsigned *)arg, 1u << pt_sim_cpu_index(cpu));
}

static void ipi_to_cpu_without_thread(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .nr_cpus = 8 };
	struct fx *f = fx_new(&cfg);
	pt_vaddr_t va = VA;
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	struct pt_sim_cpu *c5 = pt_sim_machine_cpu(f->m, 5);
	assert_int_equal(pt_sim_cpu_write_cr3(c5, f->root), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_access(c5, VA, PT_SIM_READ, PT_SIM_USER, NULL), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_tlb_count(c5, false), 1);
	_Atomic unsigned seen = 0;
	assert_true(pt_sim_cpu_post_ipi(f->m, 5, ipi_invlpg, &va));
	assert_true(pt_sim_cpu_post_ipi(f->m, 5, ipi_record, &seen));
	assert_true(pt_sim_cpu_post_ipi(f->m, 6, ipi_record, &seen));
	assert_int_equal(pt_sim_tlb_count(c5, false), 1);          /* queued, not yet run */
	pt_sim_machine_wait_ipis(f->m, (1u << 5) | (1u << 6));
	assert_int_equal(pt_sim_tlb_count(c5, false), 0);
	assert_int_equal(atomic_load(&seen), (1u << 5) | (1u << 6));
	struct pt_sim_counters k;
	pt_sim_cpu_counters(c5, &k);
	assert_int_equal(k.ipis, 2);
	assert_int_equal(k.flushes[PT_SIM_FLUSH_INVLPG], 1);
	/* an interrupt to our own CPU is handled by our own wait */
	assert_true(pt_sim_cpu_post_ipi(f->m, 0, ipi_record, &seen));
	pt_sim_machine_wait_ipis(f->m, 1);
	assert_int_equal(atomic_load(&seen), (1u << 5) | (1u << 6) | 1u);
	fx_free(f);
}

static void ipi_handled_on_enter(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .nr_cpus = 2 };
	struct fx *f = fx_new(&cfg);
	_Atomic unsigned seen = 0;
	assert_true(pt_sim_cpu_post_ipi(f->m, 1, ipi_record, &seen));
	pt_sim_cpu_leave(f->cpu);
	struct pt_sim_cpu *c1 = pt_sim_cpu_enter(f->m, 1);
	assert_non_null(c1);
	assert_int_equal(atomic_load(&seen), 2);
	assert_null(pt_sim_cpu_enter(f->m, 1));    /* one thread per CPU */
	pt_sim_cpu_leave(c1);
	f->cpu = pt_sim_cpu_enter(f->m, 0);
	fx_free(f);
}

struct worker {
	struct pt_sim_machine *m;
	unsigned idx;
	pt_paddr_t root;
	_Atomic bool *stop;
	_Atomic unsigned *peer_seen;
	bool shoot;                     /* also post to and wait for the other CPU */
	unsigned other;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pt_sim_cpu *cpu = pt_sim_cpu_enter(w->m, w->idx);
	if (!cpu)
		return NULL;
	pt_sim_cpu_write_cr3(cpu, w->root);
	for (unsigned i = 0; !atomic_load(w->stop); i++) {
		pt_sim_access(cpu, VA, PT_SIM_READ, PT_SIM_USER, NULL);
		if (w->shoot && i % 16 == 0) {
			pt_sim_cpu_post_ipi(w->m, w->other, ipi_record, w->peer_seen);
			pt_sim_machine_wait_ipis(w->m, 1ull << w->other);
		}
	}
	pt_sim_cpu_leave(cpu);
	return NULL;
}

static void ipi_to_busy_cpus_and_crossed_shootdowns(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .nr_cpus = 3 };
	struct fx *f = fx_new(&cfg);
	fx_map(f, VA, fx_data(f), 1, FX_LEAF);
	pt_sim_cpu_leave(f->cpu);
	_Atomic bool stop = false;
	_Atomic unsigned seen = 0;
	struct worker w[2] = {
		{ f->m, 1, f->root, &stop, &seen, true, 2 },
		{ f->m, 2, f->root, &stop, &seen, true, 1 },
	};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	for (int round = 0; round < 50; round++) {
		assert_true(pt_sim_cpu_post_ipi(f->m, 1, ipi_record, &seen));
		assert_true(pt_sim_cpu_post_ipi(f->m, 2, ipi_record, &seen));
		pt_sim_machine_wait_ipis(f->m, 6);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pt_sim_machine_wait_ipis(f->m, 6);
	struct pt_sim_counters k1, k2;
	pt_sim_cpu_counters(pt_sim_machine_cpu(f->m, 1), &k1);
	pt_sim_cpu_counters(pt_sim_machine_cpu(f->m, 2), &k2);
	assert_true(k1.ipis >= 50 && k2.ipis >= 50);
	assert_int_equal(atomic_load(&seen), 2 * k1.ipis + 4 * k2.ipis);
	f->cpu = pt_sim_cpu_enter(f->m, 0);
	fx_free(f);
}

static void *enter_all(void *arg)
{
	struct worker *w = arg;
	struct pt_sim_cpu *cpu = pt_sim_cpu_enter(w->m, w->idx);
	if (!cpu)
		return NULL;
	pt_sim_cpu_write_cr3(cpu, w->root);
	pt_sim_access(cpu, VA, PT_SIM_READ, PT_SIM_USER, NULL);
	pt_sim_cpu_leave(cpu);
	return NULL;
}

static void sixty_four_cpus(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .nr_cpus = 64 };
	struct fx *f = fx_new(&cfg);
	fx_map(f, VA, fx_data(f), 1, FX_LEAF);
	static struct worker w[64];
	pthread_t t[64];
	for (unsigned i = 1; i < 64; i++) {
		w[i] = (struct worker){ .m = f->m, .idx = i, .root = f->root };
		assert_int_equal(pthread_create(&t[i], NULL, enter_all, &w[i]), 0);
	}
	for (unsigned i = 1; i < 64; i++)
		pthread_join(t[i], NULL);
	for (unsigned i = 1; i < 64; i++)
		assert_int_equal(pt_sim_tlb_count(pt_sim_machine_cpu(f->m, i), false), 1);
	pt_vaddr_t va = VA;
	for (unsigned i = 0; i < 64; i++)
		assert_true(pt_sim_cpu_post_ipi(f->m, i, ipi_invlpg, &va));
	pt_sim_machine_wait_ipis(f->m, ~0ull);
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(pt_sim_tlb_count(pt_sim_machine_cpu(f->m, i), false), 0);
	fx_free(f);
	cfg.nr_cpus = 65;
	assert_null(pt_sim_machine_create(&cfg));
}

static void counters_count(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame, 1, FX_LEAF);
	pt_sim_cpu_reset_counters(f->cpu);
	EXPECT_OK(f, VA, PT_SIM_READ, PT_SIM_USER);
	EXPECT_OK(f, VA, PT_SIM_READ, PT_SIM_USER);
	EXPECT_OK(f, VA, PT_SIM_WRITE, PT_SIM_USER);     /* D=0 hit: a second walk */
	EXPECT_PF(f, VA + KB4, PT_SIM_READ, PT_SIM_USER, 0x4);
	assert_int_equal(pt_sim_access(f->cpu, 1ull << 62, PT_SIM_READ, PT_SIM_USER, NULL), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA), PT_SIM_EXC_NONE);
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root), PT_SIM_EXC_NONE);
	struct pt_sim_counters k;
	pt_sim_cpu_counters(f->cpu, &k);
	assert_int_equal(k.accesses, 5);
	assert_int_equal(k.walks, 3);
	assert_int_equal(k.tlb_hits, 2);
	assert_int_equal(k.tlb_misses, 2);
	assert_int_equal(k.psc_hits, 2);
	assert_int_equal(k.pf, 1);
	assert_int_equal(k.pf_by_code[0x4], 1);
	assert_int_equal(k.gp, 1);
	assert_int_equal(k.flushes[PT_SIM_FLUSH_INVLPG], 1);
	assert_int_equal(k.flushes[PT_SIM_FLUSH_CR3], 1);
	assert_int_equal(k.flushes[PT_SIM_FLUSH_PF], 1);
	fx_free(f);
}

static void pick_policies(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { 0 };
	struct fx *f = fx_new(&cfg);
	pt_paddr_t f1 = fx_data(f), f2 = fx_data(f);
	fx_map(f, VA, f1, 1, FX_LEAF | PT_SIM_PTE_A | PT_SIM_PTE_D);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, f1);
	fx_set(f, VA, 1, f2 | FX_LEAF | PT_SIM_PTE_A | PT_SIM_PTE_D);
	/* INVLPG of another page drops the PSC; the F4 prefetch re-caches VA */
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA + KB4), PT_SIM_EXC_NONE);
	assert_true(pt_sim_cpu_prefetch(f->cpu) >= 1);
	struct pt_sim_tlb_entry e[4];
	assert_int_equal(pt_sim_tlb_lookup(f->cpu, VA, 0, e, 4), 2);
	assert_int_equal(e[0].pa, f1);          /* dump is oldest first */
	assert_int_equal(e[1].pa, f2);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, f1);
	fx_free(f);
}

/* Memory maps f1 again; the cache holds f1 (oldest) and f2 (newer, stale). */
static void diverge_returns_the_stale_candidate(void **state)
{
	(void)state;
	for (int p = PT_SIM_PICK_OLDEST; p <= PT_SIM_PICK_DIVERGE; p += PT_SIM_PICK_DIVERGE) {
		struct pt_sim_machine_config cfg = { .pick = (enum pt_sim_pick_policy)p };
		struct fx *f = fx_new(&cfg);
		pt_paddr_t f1 = fx_data(f), f2 = fx_data(f);
		fx_map(f, VA, f1, 1, FX_LEAF | PT_SIM_PTE_A | PT_SIM_PTE_D);
		EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_USER, f1);
		fx_set(f, VA, 1, f2 | FX_LEAF | PT_SIM_PTE_A | PT_SIM_PTE_D);
		assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA + KB4), PT_SIM_EXC_NONE);
		pt_sim_cpu_prefetch(f->cpu);
		fx_set(f, VA, 1, f1 | FX_LEAF | PT_SIM_PTE_A | PT_SIM_PTE_D);
		struct pt_sim_xlat x;
		assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
		assert_int_equal(x.pa, p == PT_SIM_PICK_DIVERGE ? f2 : f1);
		assert_int_equal(x.ambiguous, p == PT_SIM_PICK_DIVERGE);
		struct pt_sim_counters k;
		pt_sim_cpu_counters(f->cpu, &k);
		assert_int_equal(k.ambiguous, 1);
		fx_free(f);
	}
}

static void random_pick_is_seeded(void **state)
{
	(void)state;
	pt_paddr_t got[2][8];
	for (int run = 0; run < 2; run++) {
		for (int s = 0; s < 8; s++) {
			struct pt_sim_machine_config cfg = { .pick = PT_SIM_PICK_RANDOM, .seed = (uint64_t)s };
			struct fx *f = fx_new(&cfg);
			pt_paddr_t fr[3];
			for (int i = 0; i < 3; i++)
				fr[i] = fx_data(f);
			for (int i = 0; i < 3; i++) {
				fx_map(f, VA, fr[i], 1, FX_LEAF | PT_SIM_PTE_A | PT_SIM_PTE_D);
				assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA + KB4), PT_SIM_EXC_NONE);
				pt_sim_cpu_prefetch(f->cpu);
			}
			assert_int_equal(fx_tlb_has(f, VA, 0), 3);
			struct pt_sim_xlat x;
			assert_int_equal(pt_sim_access(f->cpu, VA, PT_SIM_READ, PT_SIM_USER, &x), PT_SIM_EXC_NONE);
			got[run][s] = x.pa - fr[0];
			fx_free(f);
		}
	}
	bool varied = false;
	for (int s = 0; s < 8; s++) {
		assert_int_equal(got[0][s], got[1][s]);
		varied |= got[0][s] != got[0][0];
	}
	assert_true(varied);
}

static void capacity_mode_evicts(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .tlb_capacity = 8, .seed = 3 };
	struct fx *f = fx_new(&cfg);
	for (unsigned i = 0; i < 64; i++) {
		pt_paddr_t fr = fx_data(f);
		fx_map(f, VA + i * KB4, fr, 1, FX_LEAF);
		EXPECT_PA(f, VA + i * KB4, PT_SIM_READ, PT_SIM_USER, fr);
		assert_true(pt_sim_tlb_count(f->cpu, false) + pt_sim_tlb_count(f->cpu, true) <= 8);
	}
	struct pt_sim_counters k;
	pt_sim_cpu_counters(f->cpu, &k);
	assert_true(k.flushes[PT_SIM_FLUSH_EVICT] >= 56);
	assert_int_equal(fx_harmful(f), 0);
	fx_free(f);
}

static void coherence_clean_after_correct_sequences(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	for (unsigned i = 0; i < 16; i++) {
		pt_paddr_t fr = fx_data(f);
		fx_map(f, VA + i * KB4, fr, 1, FX_LEAF);
		EXPECT_PA(f, VA + i * KB4, PT_SIM_WRITE, PT_SIM_USER, fr);
	}
	for (unsigned i = 0; i < 16; i += 2) {
		fx_set(f, VA + i * KB4, 1, 0);
		assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA + i * KB4), PT_SIM_EXC_NONE);
	}
	struct pt_sim_coherence c;
	assert_true(pt_sim_coherence_check(f->m, -1, &c));
	assert_int_equal(c.count, 0);
	pt_sim_coherence_free(&c);
	fx_set(f, VA + KB4, 1, 0);
	assert_true(pt_sim_coherence_check(f->m, 0, &c));
	assert_int_equal(c.count, 1);
	assert_string_equal(pt_sim_stale_kind_name(c.items[0].kind), "unmapped");
	assert_int_equal(c.items[0].fresh_error, 0);
	pt_sim_coherence_free(&c);
	fx_free(f);
}

static void paging_off_is_identity(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	uint64_t cr0 = pt_sim_cpu_regs(f->cpu).cr0;
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, cr0 & ~PT_SIM_CR0_PG), PT_SIM_EXC_NONE);
	assert_false(pt_sim_cpu_regs(f->cpu).efer & PT_SIM_EFER_LMA);
	EXPECT_PA(f, 0x123456, PT_SIM_WRITE, PT_SIM_SUPERVISOR, 0x123456);
	/* control-register checks */
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, PT_SIM_CR0_PG), PT_SIM_EXC_GP);   /* PG without PE */
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, 1ull << 40), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_write_pat(f->cpu, 0x0202020202020202ull), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_write_cr4(f->cpu, 1ull << 30), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, cr0), PT_SIM_EXC_NONE);
	fx_cr4_set(f, PT_SIM_CR4_PCIDE);
	assert_int_equal(pt_sim_cpu_write_cr0(f->cpu, cr0 & ~PT_SIM_CR0_PG), PT_SIM_EXC_GP);
	assert_int_equal(pt_sim_cpu_write_efer(f->cpu, 0), PT_SIM_EXC_GP);    /* LME with PG=1 */
	pt_sim_cpu_set_cpl(f->cpu, 3);
	assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA), PT_SIM_EXC_GP);
	fx_free(f);
}

static void loads_and_stores_all_sizes(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	pt_paddr_t a = fx_data(f), b = fx_data(f);
	fx_map(f, VA, a, 1, FX_LEAF);
	fx_map(f, VA + KB4, b, 1, FX_LEAF);
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	for (unsigned s = 0; s < 4; s++) {
		for (unsigned off = 0xff8; off < 0x1000; off++) {
			uint64_t want = 0x0123456789abcdefull >> (64 - 8 * sizes[s]);
			uint64_t got = 0;
			assert_int_equal(pt_sim_store(f->cpu, VA + off, sizes[s], want, PT_SIM_USER, NULL),
					 PT_SIM_EXC_NONE);
			assert_int_equal(pt_sim_load(f->cpu, VA + off, sizes[s], PT_SIM_READ, PT_SIM_USER, &got,
						  NULL), PT_SIM_EXC_NONE);
			assert_int_equal(got, want);
		}
	}
	uint8_t byte;
	assert_true(pt_sim_ram_read(f->ram, b, &byte, 1));
	assert_int_equal(byte, 0xcd);
	EXPECT_AD(f, VA, 1, 1, 1);
	EXPECT_AD(f, VA + KB4, 1, 1, 1);
	uint64_t v;
	assert_int_equal(pt_sim_load(f->cpu, VA, 3, PT_SIM_READ, PT_SIM_USER, &v, NULL), PT_SIM_EXC_GP);
	fx_free(f);
}

struct flipper {
	struct pt_sim_ram *ram;
	pt_paddr_t leaf;
	pt_paddr_t frames[2];
	_Atomic bool stop;
	unsigned bad;
};

/* The "core" side: rewrite the PTE by CAS; between two of its own writes the
 * walker may only have added A (and D to a present entry). */
static void *flip_main(void *arg)
{
	struct flipper *fl = arg;
	uint64_t mine = pt_sim_ram_load64(fl->ram, fl->leaf);
	for (unsigned i = 0; i < 4000; i++) {
		uint64_t next = fl->frames[i & 1] | PT_SIM_PTE_US | PT_SIM_PTE_RW |
				((i % 3) ? PT_SIM_PTE_P : 0);
		uint64_t now = pt_sim_ram_load64(fl->ram, fl->leaf);
		do {
			uint64_t added = now & ~mine;
			if ((now & ~(PT_SIM_PTE_A | PT_SIM_PTE_D)) != (mine & ~(PT_SIM_PTE_A | PT_SIM_PTE_D)) ||
			    (added && !(mine & PT_SIM_PTE_P)))
				fl->bad++;
		} while (!pt_sim_ram_cmpxchg64(fl->ram, fl->leaf, &now, next));
		mine = next;
	}
	atomic_store(&fl->stop, true);
	return NULL;
}

static void concurrent_pte_changes(void **state)
{
	(void)state;
	for (int p = PT_SIM_AD_QEMU; p <= PT_SIM_AD_EXACT; p++) {
		struct pt_sim_machine_config cfg = { .ad_policy = (enum pt_sim_ad_policy)p };
		struct fx *f = fx_new(&cfg);
		struct flipper fl = { .ram = f->ram };
		fl.frames[0] = fx_data(f);
		fl.frames[1] = fx_data(f);
		fl.leaf = fx_map(f, VA, fl.frames[0], 1, FX_LEAF);
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, flip_main, &fl), 0);
		unsigned ok = 0;
		while (!atomic_load(&fl.stop)) {
			struct pt_sim_xlat x;
			assert_int_equal(pt_sim_cpu_invlpg(f->cpu, VA), PT_SIM_EXC_NONE);
			if (pt_sim_access(f->cpu, VA, PT_SIM_WRITE, PT_SIM_USER, &x) == PT_SIM_EXC_NONE) {
				assert_true(x.pa == fl.frames[0] || x.pa == fl.frames[1]);
				ok++;
			} else {
				assert_int_equal(x.error_code, 0x6);
			}
		}
		pthread_join(t, NULL);
		assert_int_equal(fl.bad, 0);
		(void)ok;
		fx_free(f);
	}
}

static void maxphyaddr_configurable(void **state)
{
	(void)state;
	struct pt_sim_machine_config cfg = { .maxphyaddr = 40 };
	struct fx *f = fx_new(&cfg);
	pt_paddr_t frame = fx_data(f);
	fx_map(f, VA, frame | (1ull << 41), 1, FX_LEAF);
	EXPECT_PF(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, 0x9);
	fx_set(f, VA, 1, frame | (1ull << 39) | FX_LEAF);
	EXPECT_PA(f, VA, PT_SIM_READ, PT_SIM_SUPERVISOR, frame | (1ull << 39));
	assert_int_equal(pt_sim_cpu_write_cr3(f->cpu, f->root | (1ull << 40)), PT_SIM_EXC_GP);
	fx_free(f);
	cfg.maxphyaddr = 53;
	assert_null(pt_sim_machine_create(&cfg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(five_level_walk_sets_a_on_all_levels),
		cmocka_unit_test(canonical_checks_both_modes),
		cmocka_unit_test(cpus_have_independent_tlbs),
		cmocka_unit_test(ipi_to_cpu_without_thread),
		cmocka_unit_test(ipi_handled_on_enter),
		cmocka_unit_test(ipi_to_busy_cpus_and_crossed_shootdowns),
		cmocka_unit_test(sixty_four_cpus),
		cmocka_unit_test(counters_count),
		cmocka_unit_test(pick_policies),
		cmocka_unit_test(diverge_returns_the_stale_candidate),
		cmocka_unit_test(random_pick_is_seeded),
		cmocka_unit_test(capacity_mode_evicts),
		cmocka_unit_test(coherence_clean_after_correct_sequences),
		cmocka_unit_test(paging_off_is_identity),
		cmocka_unit_test(loads_and_stores_all_sizes),
		cmocka_unit_test(concurrent_pte_changes),
		cmocka_unit_test(maxphyaddr_configurable),
	};
	return cmocka_run_group_tests_name("machine", tests, NULL, NULL);
}
