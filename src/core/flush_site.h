/* SPDX-License-Identifier: MIT */
/* Internals shared by the flusher, activation and the flushing operations. */
#ifndef PT_CORE_FLUSH_SITE_H
#define PT_CORE_FLUSH_SITE_H

#include <stdatomic.h>

#include <pt/activate.h>
#include <pt/flush.h>
#include <pt/vm.h>

#pragma GCC visibility push(hidden)

/* False only when a test disabled flush site @s. */
static inline bool flush_site_on(enum pt_flush_site s)
{
	return !((atomic_load_explicit(&pt_test_flush_off, memory_order_relaxed) >> s) & 1u);
}

static inline bool tlb_present(const struct pt_env *env)
{
	return env->tlb.ops && env->tlb.cpus;
}

/* Shoot down a table's whole address space on @cpus and wait (table destroy). */
void pt_flush_table_on_destroy(struct pt_table *t);

#pragma GCC visibility pop
#endif
