/* SPDX-License-Identifier: MIT */
/* The version: the header's macros, pt_version() and meson's project version agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pt/pt.h>

static const char *project_version;

static void macros_spell_the_string(void **state)
{
	(void)state;
	char buf[32];
	snprintf(buf, sizeof buf, "%d.%d.%d", PT_VERSION_MAJOR, PT_VERSION_MINOR,
		 PT_VERSION_PATCH);
	assert_string_equal(buf, PT_VERSION_STRING);
}

static void header_matches_project(void **state)
{
	(void)state;
	assert_string_equal(PT_VERSION_STRING, project_version);
}

static void library_matches_header(void **state)
{
	(void)state;
	assert_int_equal(pt_version(), PT_VERSION);
	assert_int_equal(pt_version() >> 16, PT_VERSION_MAJOR);
	assert_int_equal((pt_version() >> 8) & 0xff, PT_VERSION_MINOR);
	assert_int_equal(pt_version() & 0xff, PT_VERSION_PATCH);
}

static void encoding_orders_versions(void **state)
{
	(void)state;
	assert_true(PT_VERSION_ENCODE(0, 2, 0) > PT_VERSION_ENCODE(0, 1, 255));
	assert_true(PT_VERSION_ENCODE(1, 0, 0) > PT_VERSION_ENCODE(0, 255, 255));
	assert_true(PT_VERSION_ENCODE(0, 1, 1) > PT_VERSION_ENCODE(0, 1, 0));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PROJECT_VERSION\n", argv[0]);
		return 2;
	}
	project_version = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(macros_spell_the_string),
		cmocka_unit_test(header_matches_project),
		cmocka_unit_test(library_matches_header),
		cmocka_unit_test(encoding_orders_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
