/* SPDX-License-Identifier: MIT */
/*
 * Activation and the address space's flush target. A CPU's bit is set in an
 * address space's target before the CPU loads it, so a flusher that changed
 * the table and then reads the target either reaches the CPU or was seen by
 * its walk. It is cleared only when the CPU provably holds no entry of it
 * any more: untagged switches flush, and a tagged id flushed on reuse. The
 * kernel's bit stays: its global entries survive every switch.
 */
#include "flush_site.h"
#include "node.h"

#include <pt/activate.h>

void pt_cpus_init(struct pt_cpus *cpus)
{
	for (unsigned i = 0; i < PT_MAX_CPUS; i++)
		cpus->cpu[i] = (struct pt_cpu_state){ 0 };
	atomic_init(&cpus->online, 0);
	atomic_init(&cpus->id_tickets, 0);
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
 * Make the calling CPU a target of @vs under @asid. Joining the targets and
 * fixing the id is one atomic step, so two CPUs activating a fresh address
 * space at once agree on its id. Only the CPU itself changes its bit.
 */
PT_MUST_CHECK static enum pt_err join_targets(struct pt_vmspace *vs, pt_asid_t asid, pt_cpumask_t bit)
{
	struct pt_flush_target *to = &vs->target;
	uint32_t old = atomic_load(&to->asid);
	if (atomic_load(&to->cpus) & bit)
		return (old & ASID_MASK) == asid ? PT_OK : PT_ERR_INVAL;
	do {
		if (old >= ASID_TARGET && (old & ASID_MASK) != asid)
			return PT_ERR_INVAL;
	} while (!atomic_compare_exchange_weak(&to->asid, &old,
					       ((old & ~ASID_MASK) + ASID_TARGET) | asid));
	atomic_fetch_or(&to->cpus, bit);
	return PT_OK;
}

static void hold(struct pt_vmspace *vs, pt_cpumask_t bit)
{
	atomic_fetch_add(&vs->table.root->handles, 1);
	atomic_fetch_or(&vs->active, bit);
}

/* Drop the CPU's hold on @vs; @flushed: the CPU holds none of its entries. */
static void unhold(struct pt_vmspace *vs, pt_cpumask_t bit, bool flushed)
{
	const struct pt_env *env = vs->table.env;
	atomic_fetch_and(&vs->active, ~bit);
	/* Leave the count first: a CPU that flushed may stay a target a moment
	 * longer, but must not block a new id once it is gone. */
	if (vs->kind != PT_VMSPACE_KERNEL &&
	    (flushed || !flush_site_on(env, PT_SITE_STALE_TARGET))) {
		atomic_fetch_sub(&vs->target.asid, ASID_TARGET);
		atomic_fetch_and(&vs->target.cpus, ~bit);
	}
	/* The address space cannot be destroyed while active: never the last. */
	atomic_fetch_sub(&vs->table.root->handles, 1);
}

static bool live(const struct pt_vmspace *vs)
{
	return vs && vs->table.root && vs->kind != PT_VMSPACE_IOMMU && tlb_present(vs->table.env);
}

enum pt_err pt_vmspace_first_activate_unchecked(struct pt_vmspace *kernel)
{
	if (!live(kernel) || kernel->kind != PT_VMSPACE_KERNEL)
		return PT_ERR_INVAL;
	const struct pt_env *env = kernel->table.env;
	pt_cpumask_t bit;
	struct pt_cpu_state *st = this_cpu(env, &bit);
	const struct pt_tlb *tlb = &env->tlb;
	struct pt_flush_req all = { .kind = PT_FLUSH_ALL_GLOBAL };
	pt_paddr_t root = kernel->table.root->pa;

	if (join_targets(kernel, 0, bit) != PT_OK)
		return PT_ERR_INVAL;
	atomic_fetch_or(&tlb->cpus->online, bit);
	hold(kernel, bit);
	tlb->ops->load_root(tlb->ctx, root, 0, true);
	/* Whatever the boot tables left cached, globals included, is gone. */
	tlb->ops->flush_local(tlb->ctx, &all);
	for (unsigned i = 0; i < PT_MAX_ASIDS; i++)
		st->asid_root[i] = 0;
	st->asid_root[0] = root;
	st->vs = kernel;
	st->root_pa = root;
	st->asid = 0;
	return PT_OK;
}

/* Load @vs under @asid; the caller checked @vs. */
PT_MUST_CHECK static enum pt_err load(struct pt_vmspace *vs, pt_asid_t asid, struct pt_cpu_state *st,
			pt_cpumask_t bit)
{
	const struct pt_env *env = vs->table.env;
	const struct pt_tlb *tlb = &env->tlb;
	enum pt_err err = join_targets(vs, asid, bit);
	if (err != PT_OK)
		return err;

	pt_paddr_t root = vs->table.root->pa;
	/* Reusing an id that holds another table's entries: flush it on load. */
	bool flush = !tlb->tagged || st->asid_root[asid] != root;
	if (tlb->tagged && !flush_site_on(env, PT_SITE_ASID_REUSE))
		flush = false;
	hold(vs, bit);
	tlb->ops->load_root(tlb->ctx, root, asid, flush);

	struct pt_vmspace *old = st->vs;
	pt_paddr_t old_root = st->root_pa;
	pt_asid_t old_asid = st->asid;
	st->asid_root[asid] = root;
	st->vs = vs;
	st->root_pa = root;
	st->asid = asid;
	if (old)
		unhold(old, bit, !tlb->tagged || st->asid_root[old_asid] != old_root);
	return PT_OK;
}

enum pt_err pt_vmspace_activate_asid(struct pt_vmspace *vs, pt_asid_t asid)
{
	if (!live(vs) || asid >= PT_MAX_ASIDS)
		return PT_ERR_INVAL;
	pt_cpumask_t bit;
	struct pt_cpu_state *st = this_cpu(vs->table.env, &bit);
	if (st->vs == vs)
		return pt_vmspace_asid(vs) == asid ? PT_OK : PT_ERR_INVAL;
	return load(vs, asid, st, bit);
}

static unsigned nr_ids(const struct pt_tlb *tlb)
{
	return tlb->nr_asids && tlb->nr_asids < PT_MAX_ASIDS ? tlb->nr_asids : PT_MAX_ASIDS;
}

/*
 * The id for an activation of @vs that no CPU caches: ticket k stands for
 * id 1 + (k - 1) % (n - 1) of generation (k - 1) / (n - 1). @vs keeps its
 * ticket until n - 1 later ones have handed its id out again.
 */
static pt_asid_t alloc_id(struct pt_vmspace *vs, struct pt_cpus *cpus, unsigned n)
{
	if (vs->kind == PT_VMSPACE_KERNEL || n < 2)
		return 0;
	uint64_t mine = atomic_load(&vs->id_ticket);
	uint64_t issued = atomic_load(&cpus->id_tickets);
	if (mine == 0 || issued - mine >= n - 1u) {
		uint64_t fresh = atomic_fetch_add(&cpus->id_tickets, 1) + 1;
		/* Of CPUs renewing at once, one ticket wins; the others take it. */
		if (atomic_compare_exchange_strong(&vs->id_ticket, &mine, fresh))
			mine = fresh;
	}
	return (pt_asid_t)(1 + (mine - 1) % (n - 1u));
}

enum pt_err pt_vmspace_activate(struct pt_vmspace *vs)
{
	if (!live(vs))
		return PT_ERR_INVAL;
	const struct pt_tlb *tlb = &vs->table.env->tlb;
	pt_cpumask_t bit;
	struct pt_cpu_state *st = this_cpu(vs->table.env, &bit);
	if (st->vs == vs)
		return PT_OK;
	for (;;) {
		uint32_t cur = atomic_load(&vs->target.asid);
		/* While a CPU may cache it, its id is fixed. */
		pt_asid_t id = cur >= ASID_TARGET ? (pt_asid_t)(cur & ASID_MASK)
						  : alloc_id(vs, tlb->cpus, nr_ids(tlb));
		/* PT_ERR_INVAL: another CPU fixed another id meanwhile; take that one. */
		if (load(vs, id, st, bit) == PT_OK)
			return PT_OK;
	}
}

void pt_cpu_deactivate(const struct pt_env *env)
{
	pt_cpumask_t bit;
	struct pt_cpu_state *st = this_cpu(env, &bit);
	if (st->vs)
		unhold(st->vs, bit, false);
	st->vs = NULL;
	st->root_pa = 0;
	atomic_fetch_and(&env->tlb.cpus->online, ~bit);
}

struct pt_vmspace *pt_cpu_active_vmspace(const struct pt_env *env, unsigned cpu)
{
	if (!tlb_present(env) || cpu >= PT_MAX_CPUS)
		return NULL;
	return env->tlb.cpus->cpu[cpu].vs;
}
