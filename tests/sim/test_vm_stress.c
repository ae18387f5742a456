/* SPDX-License-Identifier: MIT */
/*
 * The address-space layer under load (issue 12): N host threads, each on its
 * own simulated CPU, two user tables A and B run by several CPUs at once.
 * Each thread picks a free region, then maps, unmaps, protects, forks A -> B
 * or B -> A over it, resolves COW faults and accesses it; after each call
 * (each syncs) it checks every page of the region in both tables against a
 * model, the region's entries in every CPU's TLB (coherence check) and its
 * own accesses. Regions share the tables' upper nodes, so forks in opposite
 * directions contend for the same two locks. A watchdog fails the run when
 * no thread makes progress. It runs for at least SECONDS and until at least
 * PT_STRESS_MIN_PAIRS (default 1,000) opposite-direction fork pairs completed,
 * which slow hosts and Valgrind need, and fails if PT_STRESS_MAX_SECONDS
 * (default 150, inside the test's 180 s meson timeout) pass first:
 *   test_vm_stress THREADS [SECONDS [pcid|shared-id]]   (or PT_STRESS_SECONDS; default 10)
 * With "pcid" the CPUs tag their TLBs (A runs under id 1, B under id 2), so a
 * switch flushes nothing and CPUs that left a table stay its targets. With
 * "shared-id" they tag too, but pt_vmspace_activate's allocator has one user
 * id for both (pt_tlb.nr_asids 2): every switch reuses an id another address
 * space holds, concurrently on every CPU.
 * PT_STRESS_STALL sets the watchdog's limit (default 60 s); PT_STRESS_FLUSH_OFF
 * a mask of flush sites to skip (pt/flush.h), to see the checks fail.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../vm_fixture.h"

#define NR_REGIONS 16
#define REGION (4 * 1024 * 1024ull)
#define REGION_BASE REGION
#define SLOTS 64                       /* pages used per region, one every 64 KiB */
#define SLOT_STRIDE (REGION / SLOTS)
#define MAX_THREADS 8

struct page {
	bool mapped, w;
	pt_paddr_t pa;
	uint64_t tag;                  /* the frame's first word */
};

struct region {
	pthread_mutex_t lock;
	struct page pg[2][SLOTS];      /* per table (A, B) */
};

enum op { OP_MAP, OP_UNMAP, OP_PROTECT, OP_FORK_AB, OP_FORK_BA, OP_COW, OP_ACCESS,
	  OP_SWITCH, OP__COUNT };
static const char *const op_names[OP__COUNT] = { "map", "unmap", "protect", "fork A->B",
						 "fork B->A", "cow", "access", "switch" };

static struct vmf *f;
static struct pt_vmspace tab[2];
static struct region reg[NR_REGIONS];
static atomic_bool stop, joined;
static atomic_ulong progress, violations, tag_seq;
static atomic_ulong forks_done[2];    /* completed pt_vmspace_fork calls, by source table */

struct worker {
	pthread_t th;
	unsigned cpu;
	unsigned active;               /* index into tab[] */
	uint64_t rng;
	atomic_int last_op;
	uint64_t ops[OP__COUNT];
	uint64_t fork_mapped;          /* forks refused: the child range held a mapping */
};
static struct worker workers[MAX_THREADS];

static unsigned nr_threads = 2, seconds = 10;
static bool pcid, shared_id;

/* Load table @t on this CPU: the id is the test's, or the allocator's with shared-id. */
PT_MUST_CHECK static enum pt_err run_table(unsigned t)
{
	if (shared_id)
		return pt_vmspace_activate(&tab[t]);
	return pt_vmspace_activate_asid(&tab[t], pcid ? (pt_asid_t)(t + 1) : 0);
}

static uint64_t rnd(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static pt_vaddr_t slot_va(unsigned r, unsigned s)
{
	return REGION_BASE + r * REGION + s * SLOT_STRIDE;
}

#define VIOLATION(...) do { \
	if (atomic_fetch_add(&violations, 1) < 20) { \
		fprintf(stderr, "violation: " __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

/* ---- the operations, each with its model update ---- */

static void do_map(struct worker *w, unsigned r, unsigned t, unsigned lo, unsigned hi)
{
	struct pt_cursor_mut m;
	enum pt_err err = pt_cursor_mut_new(&m, &tab[t].table, slot_va(r, lo),
					    slot_va(r, hi) - slot_va(r, lo));
	if (err != PT_OK) {
		VIOLATION("map cursor %d", err);
		return;
	}
	for (unsigned s = lo; s < hi; s++) {
		struct page *p = &reg[r].pg[t][s];
		if (p->mapped)
			continue;
		struct pt_item item = { vmf_frame(f), 1, pt_prop_make(VMF_USER_RW, PT_CACHE_WB),
					true };
		uint64_t tag = atomic_fetch_add(&tag_seq, 1) + 1;
		pt_sim_ram_store64(f->ram, item.pa, tag);
		err = pt_cursor_jump(&m.c, slot_va(r, s));
		if (err == PT_OK)
			err = pt_cursor_map(&m, &item);
		if (err != PT_OK) {
			VIOLATION("map %#llx: %d", (unsigned long long)slot_va(r, s), err);
			pt_sim_ram_put(f->ram, item.pa);
			continue;
		}
		*p = (struct page){ true, true, item.pa, tag };
	}
	pt_cursor_mut_drop(&m);
	(void)w;
}

static void do_unmap(unsigned r, unsigned t, unsigned lo, unsigned hi)
{
	enum pt_err err = pt_vmspace_unmap(&tab[t], slot_va(r, lo), slot_va(r, hi) - slot_va(r, lo),
				      NULL, NULL);
	if (err != PT_OK)
		VIOLATION("unmap: %d", err);
	for (unsigned s = lo; s < hi; s++)
		reg[r].pg[t][s].mapped = false;
}

static void do_protect(unsigned r, unsigned t, unsigned lo, unsigned hi)
{
	struct pt_protect op = { PT_W, 0, -1 };
	enum pt_err err = pt_vmspace_protect(&tab[t], slot_va(r, lo), slot_va(r, hi) - slot_va(r, lo),
					op);
	if (err != PT_OK)
		VIOLATION("protect: %d", err);
	for (unsigned s = lo; s < hi; s++)
		reg[r].pg[t][s].w = false;
}

static void do_fork(struct worker *w, unsigned r, unsigned from)
{
	unsigned to = !from;
	bool child_mapped = false;
	/* Half the time clear the child first, so copies happen, not only refusals. */
	if (rnd(w) & 1)
		do_unmap(r, to, 0, SLOTS);
	for (unsigned s = 0; s < SLOTS; s++)
		child_mapped |= reg[r].pg[to][s].mapped;
	enum pt_err err = pt_vmspace_fork(&tab[from], &tab[to], REGION_BASE + r * REGION, REGION);
	atomic_fetch_add_explicit(&forks_done[from], 1, memory_order_relaxed);
	if (err != (child_mapped ? PT_ERR_MAPPED : PT_OK)) {
		VIOLATION("fork %u->%u region %u: %d (child mapped %d)", from, to, r, err,
			  child_mapped);
		return;
	}
	if (err == PT_ERR_MAPPED) {
		w->fork_mapped++;
		return;
	}
	for (unsigned s = 0; s < SLOTS; s++) {
		struct page *p = &reg[r].pg[from][s];
		p->w = false;
		reg[r].pg[to][s] = *p;
	}
}

static void do_cow(struct worker *w, unsigned r, unsigned t, unsigned s)
{
	struct page *p = &reg[r].pg[t][s], *o = &reg[r].pg[!t][s];
	pt_paddr_t spare = vmf_frame(f);
	bool used = false;
	enum pt_err err = pt_vmspace_cow_fault(&tab[t], slot_va(r, s), spare, &used);
	if (!used)
		pt_sim_ram_put(f->ram, spare);
	if (!p->mapped) {
		if (err != PT_ERR_NOT_MAPPED)
			VIOLATION("cow on a hole: %d", err);
		return;
	}
	if (err != PT_OK) {
		VIOLATION("cow %#llx: %d", (unsigned long long)slot_va(r, s), err);
		return;
	}
	bool shared = o->mapped && o->pa == p->pa;
	if (!p->w && shared && !used)
		VIOLATION("cow made a shared frame writable at %#llx",
			  (unsigned long long)slot_va(r, s));
	if (used) {
		if (p->w)
			VIOLATION("cow copied a writable page");
		if (pt_sim_ram_load64(f->ram, spare) != p->tag)
			VIOLATION("cow copy lost the contents at %#llx",
				  (unsigned long long)slot_va(r, s));
		p->pa = spare;
	}
	p->w = true;
	(void)w;
}

/* An access on this thread's CPU must agree with the model of the active table. */
static void do_access(struct worker *w, unsigned r, unsigned s, bool write)
{
	struct pt_sim_xlat x;
	const struct page *p = &reg[r].pg[w->active][s];
	enum pt_sim_exc e = pt_sim_access(pt_sim_cpu_current(), slot_va(r, s), write ? PT_SIM_WRITE : PT_SIM_READ,
				    PT_SIM_USER, &x);
	bool ok = p->mapped && (!write || p->w);
	if ((e == PT_SIM_EXC_NONE) != ok)
		VIOLATION("cpu %u %s %#llx: exception %d, model mapped %d w %d", w->cpu,
			  write ? "write" : "read", (unsigned long long)slot_va(r, s), e, p->mapped,
			  p->w);
	else if (ok && x.pa != p->pa)
		VIOLATION("cpu %u %#llx translates to %#llx, model %#llx", w->cpu,
			  (unsigned long long)slot_va(r, s), (unsigned long long)x.pa,
			  (unsigned long long)p->pa);
}

/* ---- the checks after each operation ---- */

static void check_tables(unsigned r)
{
	for (unsigned t = 0; t < 2; t++) {
		for (unsigned s = 0; s < SLOTS; s++) {
			const struct page *p = &reg[r].pg[t][s];
			pt_paddr_t pa;
			struct pt_item leaf;
			enum pt_err err = pt_table_translate(&tab[t].table, slot_va(r, s), &pa, &leaf);
			if (err != (p->mapped ? PT_OK : PT_ERR_NOT_MAPPED))
				VIOLATION("table %u %#llx: %d, model mapped %d", t,
					  (unsigned long long)slot_va(r, s), err, p->mapped);
			else if (p->mapped && (pa != p->pa || !(leaf.prop.flags & PT_W) != !p->w))
				VIOLATION("table %u %#llx: pa %#llx w %d, model %#llx w %d", t,
					  (unsigned long long)slot_va(r, s), (unsigned long long)pa,
					  !!(leaf.prop.flags & PT_W), (unsigned long long)p->pa,
					  p->w);
			else if (p->mapped && pt_sim_ram_refcount(f->ram, p->pa) <
						      1u + (reg[r].pg[!t][s].mapped &&
							    reg[r].pg[!t][s].pa == p->pa))
				VIOLATION("frame %#llx has too few references",
					  (unsigned long long)p->pa);
		}
	}
}

/* No CPU may hold a harmful entry for the region once the call synced. */
static void check_coherence(unsigned r)
{
	struct pt_sim_coherence c;
	pt_vaddr_t lo = REGION_BASE + r * REGION;
	if (!pt_sim_coherence_check(f->m, -1, &c)) {
		VIOLATION("coherence check out of memory");
		return;
	}
	for (size_t i = 0; i < c.count; i++) {
		const struct pt_sim_stale *s = &c.items[i];
		if (s->harmless || s->entry.va - lo >= REGION)
			continue;
		VIOLATION("cpu %u caches %s %s va %#llx pa %#llx (fresh %#llx)", s->cpu,
			  s->entry.psc ? "psc" : "tlb", pt_sim_stale_kind_name(s->kind),
			  (unsigned long long)s->entry.va, (unsigned long long)s->entry.pa,
			  (unsigned long long)s->fresh_pa);
	}
	pt_sim_coherence_free(&c);
}

/* ---- the workers ---- */

/* A region no other thread works on; interrupts are handled while looking. */
static unsigned take_region(struct worker *w)
{
	for (;;) {
		unsigned r = (unsigned)(rnd(w) % NR_REGIONS);
		if (pthread_mutex_trylock(&reg[r].lock) == 0)
			return r;
		pt_sim_cpu_handle_ipis(pt_sim_cpu_current());
		sched_yield();
	}
}

static void one_op(struct worker *w)
{
	/* Forks weigh double: the opposite-direction pair is what must not deadlock. */
	static const enum op mix[] = { OP_MAP, OP_UNMAP, OP_PROTECT, OP_FORK_AB, OP_FORK_AB,
				       OP_FORK_BA, OP_FORK_BA, OP_COW, OP_ACCESS, OP_SWITCH };
	enum op op = mix[rnd(w) % (sizeof(mix) / sizeof(mix[0]))];
	atomic_store(&w->last_op, op);
	if (op == OP_SWITCH) {
		w->active = (unsigned)(rnd(w) & 1);
		if (run_table(w->active) != PT_OK)
			VIOLATION("activate");
		w->ops[op]++;
		return;
	}
	unsigned r = take_region(w), t = (unsigned)(rnd(w) & 1);
	unsigned lo = (unsigned)(rnd(w) % SLOTS), hi = lo + 1 + (unsigned)(rnd(w) % (SLOTS - lo));
	unsigned s = (unsigned)(rnd(w) % SLOTS);
	switch (op) {
	case OP_MAP: do_map(w, r, t, lo, hi); break;
	case OP_UNMAP: do_unmap(r, t, lo, hi); break;
	case OP_PROTECT: do_protect(r, t, lo, hi); break;
	case OP_FORK_AB: do_fork(w, r, 0); break;
	case OP_FORK_BA: do_fork(w, r, 1); break;
	case OP_COW: do_cow(w, r, t, s); break;
	default:
		for (unsigned i = 0; i < 8; i++)
			do_access(w, r, (s + i * 7) % SLOTS, rnd(w) & 1);
		break;
	}
	check_tables(r);
	check_coherence(r);
	do_access(w, r, s, false);
	pthread_mutex_unlock(&reg[r].lock);
	w->ops[op]++;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pt_sim_cpu *cpu = pt_sim_cpu_enter(f->m, w->cpu);
	if (!cpu) {
		VIOLATION("cannot enter cpu %u", w->cpu);
		return NULL;
	}
	w->active = w->cpu & 1;
	if (run_table(w->active) != PT_OK)
		VIOLATION("activate");
	while (!atomic_load(&stop)) {
		one_op(w);
		atomic_fetch_add(&progress, 1);
	}
	pt_sim_cpu_leave(cpu);
	return NULL;
}

static unsigned long fork_pairs(void)
{
	unsigned long ab = atomic_load(&forks_done[0]), ba = atomic_load(&forks_done[1]);
	return ab < ba ? ab : ba;
}

static unsigned env_or(const char *name, unsigned dflt)
{
	const char *v = getenv(name);
	return v && atoi(v) > 0 ? (unsigned)atoi(v) : dflt;
}

/* Fails the run if no operation completes for the stall limit. */
static void *watchdog(void *arg)
{
	unsigned limit = *(unsigned *)arg, idle = 0, nr = pt_sim_machine_nr_cpus(f->m);
	unsigned long seen = atomic_load(&progress);
	while (!atomic_load(&joined)) {
		sleep(1);
		unsigned long now = atomic_load(&progress);
		idle = now == seen ? idle + 1 : 0;
		seen = now;
		if (idle < limit)
			continue;
		fprintf(stderr, "watchdog: no operation completed in %u s; threads are in:", limit);
		for (unsigned i = 0; i < nr; i++)
			fprintf(stderr, " %s", op_names[atomic_load(&workers[i].last_op)]);
		fprintf(stderr, "\n");
		_exit(1);
	}
	return NULL;
}


static void test_stress(void **state)
{
	(void)state;
	unsigned stall = env_or("PT_STRESS_STALL", 60);
	pthread_t dog;
	f = vmf_new(nr_threads, pcid);
	if (shared_id)
		f->env.tlb.nr_asids = 2;
	vmf_user(f, &tab[0]);
	vmf_user(f, &tab[1]);
	for (unsigned r = 0; r < NR_REGIONS; r++)
		pthread_mutex_init(&reg[r].lock, NULL);
	pt_sim_cpu_leave(pt_sim_cpu_current());

	assert_int_equal(pthread_create(&dog, NULL, watchdog, &stall), 0);
	for (unsigned i = 0; i < nr_threads; i++) {
		workers[i].cpu = i;
		workers[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
		assert_int_equal(pthread_create(&workers[i].th, NULL, work, &workers[i]), 0);
	}
	unsigned min_pairs = env_or("PT_STRESS_MIN_PAIRS", 1000);
	unsigned max_seconds = env_or("PT_STRESS_MAX_SECONDS", 150), ran = 0;
	while (ran < max_seconds && (ran < seconds || fork_pairs() < min_pairs)) {
		sleep(1);
		ran++;
	}
	atomic_store(&stop, true);
	for (unsigned i = 0; i < nr_threads; i++)
		pthread_join(workers[i].th, NULL);
	atomic_store(&joined, true);
	pthread_join(dog, NULL);
	/* Quiet now: every page of every region, every CPU's whole TLB. */
	for (unsigned r = 0; r < NR_REGIONS; r++)
		check_tables(r);
	assert_int_equal(vmf_harmful(f), 0);

	uint64_t total[OP__COUNT] = { 0 }, all = 0, refused = 0;
	for (unsigned i = 0; i < nr_threads; i++) {
		for (unsigned o = 0; o < OP__COUNT; o++)
			total[o] += workers[i].ops[o];
		refused += workers[i].fork_mapped;
	}
	for (unsigned o = 0; o < OP__COUNT; o++)
		all += total[o];
	print_message("stress: %u threads x %u s%s: %llu operations, %lu violations\n", nr_threads,
		      ran, shared_id ? " (pcid, one shared id)" : pcid ? " (pcid)" : "",
		      (unsigned long long)all,
		      atomic_load(&violations));
	for (unsigned o = 0; o < OP__COUNT; o++)
		print_message("  %-10s %llu\n", op_names[o], (unsigned long long)total[o]);
	print_message("  forks refused (child mapped): %llu\n", (unsigned long long)refused);

	/* The allocator had one user id: both address spaces hold it. */
	if (shared_id) {
		assert_int_equal(pt_vmspace_asid(&tab[0]), 1);
		assert_int_equal(pt_vmspace_asid(&tab[1]), 1);
	}
	f->on = 0;
	vmf_on(f, 0);
	vmf_run_everywhere(f, &f->kernel, 0);
	for (unsigned t = 0; t < 2; t++)
		assert_int_equal(pt_vmspace_destroy(&tab[t]), PT_OK);
	vmf_assert_no_poison(f);
	vmf_free(f);
	assert_int_equal(atomic_load(&violations), 0);
	/* The opposite-direction pair ran often enough to find a lock-order bug. */
	print_message("  opposite-direction fork pairs: %lu (at least %u wanted)\n", fork_pairs(),
		      min_pairs);
	assert_true(fork_pairs() >= min_pairs);
}

int main(int argc, char **argv)
{
	nr_threads = argc > 1 ? (unsigned)atoi(argv[1]) : 2;
	if (nr_threads < 1 || nr_threads > MAX_THREADS)
		nr_threads = 2;
	seconds = env_or("PT_STRESS_SECONDS", argc > 2 && atoi(argv[2]) > 0 ? (unsigned)atoi(argv[2])
									  : 10);
	shared_id = argc > 3 && !strcmp(argv[3], "shared-id");
	pcid = shared_id || (argc > 3 && !strcmp(argv[3], "pcid"));
	/* A mask of enum pt_flush_site to skip: shows that the checks catch a missing flush. */
	atomic_store(&vmf_hooks.flush_off, env_or("PT_STRESS_FLUSH_OFF", 0));
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_stress) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
