/* SPDX-License-Identifier: MIT */
/*
 * Regressions found by fuzz_machine. pt_vmspace_fork answered PT_ERR_MAPPED for a
 * child range that held no mapping, only an empty level-1 table (left by
 * pt_vmspace_unmap of an empty range) where the parent has a 2 MiB leaf, and kept
 * what it had copied before; it now detaches such tables first.
 */
#include "vm_fixture.h"

#define HUGE_VA 0x80000000ull

static struct vmf *f;
static struct pt_vmspace p, c;

static int setup(void **state)
{
	(void)state;
	f = vmf_new(1, false);
	vmf_user(f, &p);
	vmf_user(f, &c);
	vmf_run_everywhere(f, &p, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vmf_run_everywhere(f, &f->kernel, 0);
	assert_int_equal(pt_vmspace_destroy(&p), PT_OK);
	assert_int_equal(pt_vmspace_destroy(&c), PT_OK);
	vmf_free(f);
	return 0;
}

/* Four 2 MiB leaves in the parent; the child has only an empty table at the last. */
static void test_fork_over_empty_child_table(void **state)
{
	(void)state;
	pt_paddr_t pa;
	struct pt_item leaf;
	vmf_map_range(&p, HUGE_VA, 64 * VMF_2M, 4 * VMF_2M, PT_RW | PT_USER | PT_ACCESSED);
	/* Unmapping nothing in the child leaves the level-1 table its cursor built. */
	assert_int_equal(pt_vmspace_unmap(&c, HUGE_VA + 4 * VMF_2M - 8 * VMF_PAGE, 8 * VMF_PAGE, NULL,
				     NULL), PT_OK);
	assert_int_equal(pt_vmspace_fork(&p, &c, HUGE_VA + VMF_2M - 8 * VMF_PAGE,
				    3 * VMF_2M + 8 * VMF_PAGE), PT_OK);
	assert_int_equal(pt_table_translate(&c.table, HUGE_VA + 3 * VMF_2M + 5 * VMF_PAGE, &pa, &leaf),
			 PT_OK);
	assert_int_equal(pa, 64 * VMF_2M + 3 * VMF_2M + 5 * VMF_PAGE);
	assert_int_equal(leaf.level, 2);
	vmf_assert_no_poison(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_over_empty_child_table, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
