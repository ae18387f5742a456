/* SPDX-License-Identifier: MIT */
/* The self-test of tests/check-symbols.py: a library that leaks two symbols. */
#include <pt/error.h>

/* Exported without the pt_ prefix. */
int leaky_counter;

/* Prefixed, but declared in no installed header. */
int pt_undeclared_leak(void);
int pt_undeclared_leak(void)
{
	return leaky_counter;
}

/* Declared in <pt/error.h>: not an offence. */
const char *pt_strerror(enum pt_err err)
{
	return err == PT_OK ? "ok" : "error";
}
