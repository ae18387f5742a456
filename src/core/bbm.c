/* SPDX-License-Identifier: MIT */
/*
 * Break-before-make: the break and its completed invalidation. The make is
 * the caller's store, after pt_bbm_invalidate returned (pt/bbm.h).
 */
#include "bbm.h"

static bool site_on(const struct pt_env *env, enum pt_bbm_site s)
{
	const struct pt_hooks *h = env->hooks;
	return !h || !((atomic_load_explicit(&h->bbm_off, memory_order_relaxed) >> s) & 1u);
}

void pt_bbm_invalidate(const struct pt_table *t, pt_vaddr_t va, uint64_t size, bool tables,
		    enum pt_bbm_site site)
{
	const struct pt_env *env = t->env;
	if (!env->tlb.ops || !env->tlb.cpus || !site_on(env, site))
		return;
	/* The absent entry must be visible before any CPU drops its copy: a
	 * walk after the invalidation then finds nothing to cache. */
	atomic_thread_fence(memory_order_seq_cst);
	struct pt_flush_req req = {
		.kind = PT_FLUSH_PAGES,
		.asid = PT_ASID_ANY,
		.va = va,
		.nr_pages = size / PT_PAGE_SIZE,
		.tables = tables,
	};
	env->tlb.ops->flush_broadcast(env->tlb.ctx, &req);
}

PT_NOINLINE void pt_bbm_break(struct pt_cursor *c, enum pt_bbm_site site)
{
	if (!site_on(c->table->env, site))
		return;
	const struct pt_format *f = cur_fmt(c);
	struct pt_node *n = c->path[c->level];
	uint64_t size = pt_fmt_page_size(f, c->level);
	bool table = node_is_table(n, cur_pte(c));
	node_store(n, cur_index(c), 0);
	pt_bbm_invalidate(c->table, c->va & ~(size - 1), size, table, site);
}
