/* SPDX-License-Identifier: MIT */
/* Internals shared by the flusher and the operations that issue flushes. */
#ifndef PT_CORE_FLUSH_SITE_H
#define PT_CORE_FLUSH_SITE_H

#include <stdatomic.h>

#include <pt/flush.h>

#pragma GCC visibility push(hidden)

/* False only when a test switched flush site @s off (pt/hooks.h). */
static inline bool flush_site_on(const struct pt_env *env, enum pt_flush_site s)
{
	const struct pt_hooks *h = env->hooks;
	return !h || !((atomic_load_explicit(&h->flush_off, memory_order_relaxed) >> s) & 1u);
}

static inline bool tlb_present(const struct pt_env *env)
{
	return env->tlb.ops && env->tlb.cpus;
}

#pragma GCC visibility pop
#endif
