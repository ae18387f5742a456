/* SPDX-License-Identifier: MIT */
/*
 * Activation and the per-table target set. A CPU's bit is set in a table's
 * target set before the CPU loads it, so a flusher that changed the table
 * and then reads the set either reaches the CPU or was seen by its walk.
 * It is cleared only when the CPU provably holds no entry of the table any
 * more: untagged switches flush, and a tagged id flushed on reuse.
 */
#include "flush_site.h"
#include "node.h"

void pt_cpus_init(struct pt_cpus *cpus)
{
	for (unsigned i = 0; i < PT_MAX_CPUS; i++)
		cpus->cpu[i] = (struct pt_cpu_state){ 0 };
	atomic_init(&cpus->online, 0);
}

static struct pt_cpu_state *this_cpu(const struct pt_env *env, pt_cpumask_t *bit)
{
	const struct pt_tlb *tlb = &env->tlb;
	unsigned idx = tlb->ops->current_cpu(tlb->ctx);
	*bit = (pt_cpumask_t)1 << idx;
	return &tlb->cpus->cpu[idx];
}

#define ASID_MASK 0xffffu
#define ASID_TARGET (ASID_MASK + 1)

/*
 * Make the calling CPU a target of @t under @asid. Joining the targets and
 * fixing the id is one atomic step, so two CPUs activating a fresh table at
 * once agree on its id. Only the CPU itself changes its bit in t->cpus.
 */
PT_MUST_CHECK static enum pt_err join_targets(struct pt_table *t, pt_asid_t asid, pt_cpumask_t bit)
{
	uint32_t old = atomic_load(&t->asid);
	if (atomic_load(&t->cpus) & bit)
		return (old & ASID_MASK) == asid ? PT_OK : PT_ERR_INVAL;
	do {
		if (old >= ASID_TARGET && (old & ASID_MASK) != asid)
			return PT_ERR_INVAL;
	} while (!atomic_compare_exchange_weak(&t->asid, &old,
					       ((old & ~ASID_MASK) + ASID_TARGET) | asid));
	atomic_fetch_or(&t->cpus, bit);
	return PT_OK;
}

static void hold(struct pt_table *t, pt_cpumask_t bit)
{
	atomic_fetch_add(&t->root->handles, 1);
	atomic_fetch_or(&t->active, bit);
}

/* Drop the CPU's hold on @t; @flushed: the CPU holds none of its entries. */
static void unhold(struct pt_table *t, pt_cpumask_t bit, bool flushed)
{
	atomic_fetch_and(&t->active, ~bit);
	/* Leave the count first: a CPU that flushed may stay a target a moment
	 * longer, but must not block a new id once it is gone. */
	if (flushed || !flush_site_on(PT_SITE_STALE_TARGET)) {
		atomic_fetch_sub(&t->asid, ASID_TARGET);
		atomic_fetch_and(&t->cpus, ~bit);
	}
	/* The handle itself cannot be destroyed while active: never the last. */
	atomic_fetch_sub(&t->root->handles, 1);
}

pt_asid_t pt_table_asid(const struct pt_table *t)
{
	return (pt_asid_t)(atomic_load(&t->asid) & ASID_MASK);
}

enum pt_err pt_table_first_activate_unchecked(struct pt_table *kernel)
{
	const struct pt_env *env = kernel ? kernel->env : NULL;
	if (!kernel || !kernel->root || kernel->kind != PT_TABLE_KERNEL || !tlb_present(env))
		return PT_ERR_INVAL;
	pt_cpumask_t bit;
	struct pt_cpu_state *st = this_cpu(env, &bit);
	const struct pt_tlb *tlb = &env->tlb;
	struct pt_flush_req all = { .kind = PT_FLUSH_ALL_GLOBAL };

	if (join_targets(kernel, 0, bit) != PT_OK)
		return PT_ERR_INVAL;
	atomic_fetch_or(&tlb->cpus->online, bit);
	hold(kernel, bit);
	tlb->ops->load_root(tlb->ctx, kernel->root->pa, 0, true);
	/* Whatever the boot tables left cached, globals included, is gone. */
	tlb->ops->flush_local(tlb->ctx, &all);
	for (unsigned i = 0; i < PT_MAX_ASIDS; i++)
		st->asid_root[i] = 0;
	st->asid_root[0] = kernel->root->pa;
	st->table = kernel;
	st->root_pa = kernel->root->pa;
	st->asid = 0;
	return PT_OK;
}

enum pt_err pt_table_activate(struct pt_table *t, pt_asid_t asid)
{
	if (!t || !t->root || t->kind == PT_TABLE_EMPTY || !tlb_present(t->env))
		return PT_ERR_INVAL;
	const struct pt_env *env = t->env;
	const struct pt_tlb *tlb = &env->tlb;
	pt_cpumask_t bit;
	struct pt_cpu_state *st = this_cpu(env, &bit);
	if (asid >= PT_MAX_ASIDS)
		return PT_ERR_INVAL;
	if (st->table == t)
		return pt_table_asid(t) == asid ? PT_OK : PT_ERR_INVAL;
	enum pt_err err = join_targets(t, asid, bit);
	if (err != PT_OK)
		return err;

	pt_paddr_t root = t->root->pa;
	/* Reusing an id that holds another table's entries: flush it on load. */
	bool flush = !tlb->tagged || st->asid_root[asid] != root;
	if (tlb->tagged && !flush_site_on(PT_SITE_ASID_REUSE))
		flush = false;
	hold(t, bit);
	tlb->ops->load_root(tlb->ctx, root, asid, flush);

	struct pt_table *old = st->table;
	pt_paddr_t old_root = st->root_pa;
	pt_asid_t old_asid = st->asid;
	st->asid_root[asid] = root;
	st->table = t;
	st->root_pa = root;
	st->asid = asid;
	if (old)
		unhold(old, bit, !tlb->tagged || st->asid_root[old_asid] != old_root);
	return PT_OK;
}

void pt_cpu_deactivate(const struct pt_env *env)
{
	pt_cpumask_t bit;
	struct pt_cpu_state *st = this_cpu(env, &bit);
	if (st->table)
		unhold(st->table, bit, false);
	st->table = NULL;
	st->root_pa = 0;
	atomic_fetch_and(&env->tlb.cpus->online, ~bit);
}

pt_cpumask_t pt_table_targets(const struct pt_table *t)
{
	pt_cpumask_t cpus = atomic_load(&t->cpus);
	if (t->kind == PT_TABLE_KERNEL && tlb_present(t->env))
		cpus |= atomic_load(&t->env->tlb.cpus->online);
	return cpus;
}

struct pt_table *pt_cpu_active_table(const struct pt_env *env, unsigned cpu)
{
	if (!tlb_present(env) || cpu >= PT_MAX_CPUS)
		return NULL;
	return env->tlb.cpus->cpu[cpu].table;
}
