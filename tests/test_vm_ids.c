/* SPDX-License-Identifier: MIT */
/*
 * Address-space ids handed out by pt_vmspace_activate (pt/activate.h) on a
 * simulated machine with fewer PCIDs than address spaces: ids wrap and are
 * shared, every CPU still translates each address space to its own frames,
 * and an address space that no CPU caches takes a fresh id once its old one
 * was handed out again (a new generation).
 */
#include "vm_fixture.h"

#define UVA 0x400000ull
#define NR_VS 10
#define NR_IDS 4 /* ids 0..3: the kernel's 0 and three for user address spaces */

static struct vmf *f;
static struct pt_vmspace vs[NR_VS];
static pt_paddr_t frame[NR_VS];

static void boot(unsigned cpus, bool pcid)
{
	f = vmf_new(cpus, pcid);
	f->env.tlb.nr_asids = NR_IDS;
	for (unsigned i = 0; i < NR_VS; i++) {
		vmf_user(f, &vs[i]);
		vmf_map_frames(f, &vs[i], UVA, 1, VMF_USER_RW, &frame[i]);
	}
}

static void shutdown(void)
{
	vmf_hooks.flush_off = 0;
	vmf_run_everywhere(f, &f->kernel, 0);
	for (unsigned i = 0; i < NR_VS; i++)
		assert_int_equal(pt_vmspace_destroy(&vs[i]), PT_OK);
	vmf_free(f);
}

/* Run @i on @cpu and read UVA there: the frame it translates to, 0 on a fault. */
static pt_paddr_t run_and_read(unsigned cpu, unsigned i)
{
	pt_paddr_t pa;
	vmf_on(f, cpu);
	assert_int_equal(pt_vmspace_activate(&vs[i]), PT_OK);
	pt_asid_t id = pt_vmspace_asid(&vs[i]);
	assert_true(id >= 1 && id < NR_IDS);
	enum pt_sim_exc e = vmf_access(f, cpu, UVA, PT_SIM_READ, PT_SIM_USER, &pa);
	return e == PT_SIM_EXC_NONE ? pa : 0;
}

/* Ten address spaces over three ids, round-robin on two CPUs: each CPU sees
 * each address space's own frame, never one cached under a shared id. */
static void shared_ids_translate_right(void **state)
{
	(void)state;
	boot(2, true);
	unsigned shared = 0;
	for (unsigned round = 0; round < 3; round++)
		for (unsigned i = 0; i < NR_VS; i++)
			for (unsigned cpu = 0; cpu < 2; cpu++) {
				unsigned k = (i + cpu * 3) % NR_VS;
				assert_int_equal(run_and_read(cpu, k), frame[k]);
				assert_int_equal(vmf_harmful(f), 0);
			}
	for (unsigned i = 0; i < NR_VS; i++)
		for (unsigned j = i + 1; j < NR_VS; j++)
			shared += pt_vmspace_asid(&vs[i]) == pt_vmspace_asid(&vs[j]);
	assert_true(shared > 0);

	/* Unmapping one of them reaches the CPU that ran it under an id another now holds. */
	assert_int_equal(run_and_read(1, 0), frame[0]);
	assert_int_equal(run_and_read(1, 3), frame[3]);
	vmf_on(f, 0);
	assert_int_equal(pt_vmspace_unmap(&vs[0], UVA, VMF_PAGE, NULL, NULL), PT_OK);
	assert_int_equal(run_and_read(1, 0), 0);
	assert_int_equal(vmf_harmful(f), 0);
	shutdown();
}

/* The proof the test above can fail: without the flush of a reused id on load,
 * a CPU translates through another address space's entry. */
static void shared_ids_need_the_reuse_flush(void **state)
{
	(void)state;
	boot(1, true);
	vmf_hooks.flush_off = 1u << PT_SITE_ASID_REUSE;
	bool wrong = false;
	for (unsigned i = 0; i < NR_VS && !wrong; i++)
		wrong = run_and_read(0, i) != frame[i];
	assert_true(wrong);
	shutdown();
}

/* Untagged: every switch flushes, so an address space no CPU caches takes a
 * fresh id once its own was handed out again. */
static void stale_generation_takes_fresh_id(void **state)
{
	(void)state;
	boot(1, false);
	/* Tickets 1..5 give ids 1, 2, 3, 1, 2. */
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(run_and_read(0, i), frame[i]);
		assert_int_equal(pt_vmspace_asid(&vs[i]), 1 + i % (NR_IDS - 1));
	}
	/* vs[4] still runs: its id is fixed. vs[0]'s id 1 went to vs[3]: ticket 6, id 3. */
	assert_int_equal(run_and_read(0, 0), frame[0]);
	assert_int_equal(pt_vmspace_asid(&vs[0]), 3);
	/* vs[4] (ticket 5) is still current: it keeps id 2. */
	assert_int_equal(run_and_read(0, 4), frame[4]);
	assert_int_equal(pt_vmspace_asid(&vs[4]), 2);
	/* The kernel keeps id 0; an IOMMU domain is never activated. */
	vmf_run_everywhere(f, &f->kernel, 0);
	assert_int_equal(pt_vmspace_activate(&f->kernel), PT_OK);
	assert_int_equal(pt_vmspace_asid(&f->kernel), 0);
	assert_int_equal(pt_vmspace_activate(NULL), PT_ERR_INVAL);
	shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shared_ids_translate_right),
		cmocka_unit_test(shared_ids_need_the_reuse_flush),
		cmocka_unit_test(stale_generation_takes_fresh_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
