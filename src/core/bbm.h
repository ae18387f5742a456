/* SPDX-License-Identifier: MIT */
/* Break-before-make at the places a live entry is replaced (pt/bbm.h). */
#ifndef PT_CORE_BBM_H
#define PT_CORE_BBM_H

#include <pt/bbm.h>

#include "compiler.h"
#include "cursor.h"

#pragma GCC visibility push(hidden)

/*
 * The caller wrote @t's entry for [va, va + size) absent: have every CPU
 * drop what it cached of that range, and return once all have (@tables: the
 * entry was a table entry). No-op when no CPU can cache the table (no TLB
 * interface) or when a test switched @site off.
 */
void pt_bbm_invalidate(const struct pt_table *t, pt_vaddr_t va, uint64_t size, bool tables,
		    enum pt_bbm_site site);

/* Break the live entry at the cursor's slot, completing its invalidation (cold path). */
void pt_bbm_break(struct pt_cursor *c, enum pt_bbm_site site);

/* True if a leaf going from @from to @to must be broken first on @f. */
static inline bool bbm_prop_change(const struct pt_format *f, struct pt_prop from, struct pt_prop to)
{
	return f->bbm && (from.flags & to.flags & PT_R) &&
	       (from.cache != to.cache || ((from.flags ^ to.flags) & f->bbm_flags));
}

/* Replace the live entry at the cursor's slot by @pte, breaking it first if @bbm. */
static inline void cur_replace(struct pt_cursor *c, pt_pte_t pte, bool bbm, enum pt_bbm_site site)
{
	if (pt_unlikely(bbm))
		pt_bbm_break(c, site);
	node_rewrite(c->path[c->level], cur_index(c), pte);
}

#pragma GCC visibility pop
#endif
