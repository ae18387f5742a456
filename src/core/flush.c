/* SPDX-License-Identifier: MIT */
/*
 * The flusher. Frames waiting for their flush are listed in keeper pages: a
 * table frame borrowed from the platform holds their addresses, its metadata
 * slot links keepers and carries the deferral record, so the core needs no
 * allocator of its own. Detached tables link through their own deferral
 * record, unused until they are freed. After sync, each keeper is deferred by
 * a grace period and then drops its frames.
 */
#include "flush_site.h"
#include "frames.h"
#include "node.h"

#define KEEP_SLOTS (PT_PAGE_SIZE / sizeof(pt_paddr_t))

struct keeper {
	struct pt_defer defer;
	const struct pt_env *env;
	pt_paddr_t pa;
	pt_paddr_t next;
	uint32_t nr;
};

_Static_assert(sizeof(struct keeper) <= PT_TABLE_META_SIZE, "keeper metadata too large");

static const struct pt_env *fl_env(const struct pt_flusher *f)
{
	return f->env;
}

static struct keeper *keeper_of(const struct pt_env *env, pt_paddr_t pa)
{
	return env->mem.ops->table_meta(env->mem.ctx, pa);
}

static pt_paddr_t *keeper_slots(const struct pt_env *env, pt_paddr_t pa)
{
	return env->mem.ops->phys_to_virt(env->mem.ctx, pa);
}

pt_asid_t pt_flush_target_asid(const struct pt_flush_target *to)
{
	return (pt_asid_t)(atomic_load(&to->asid) & 0xffffu);
}

void pt_flusher_init(struct pt_flusher *f, const struct pt_env *env, struct pt_flush_target *to)
{
	*f = (struct pt_flusher){ .env = env, .to = to };
	f->threshold = env->tlb.flush_threshold ? env->tlb.flush_threshold
						: PT_FLUSH_THRESHOLD_DEFAULT;
}

void pt_flusher_issue_all(struct pt_flusher *f)
{
	f->all = true;
	f->nr_ranges = 0;
}

void pt_flusher_issue(struct pt_flusher *f, pt_vaddr_t va, uint64_t len)
{
	uint64_t nr = len >> PT_PAGE_SHIFT;
	if (f->all || nr == 0)
		return;
	f->pages += nr;
	if (f->pages >= f->threshold) {
		pt_flusher_issue_all(f);
		return;
	}
	if (f->nr_ranges) {
		/* Unmap and protect walk upwards: extend the last range. */
		struct pt_flush_range *last = &f->ranges[f->nr_ranges - 1];
		if (last->va + (last->nr_pages << PT_PAGE_SHIFT) == va) {
			last->nr_pages += nr;
			return;
		}
	}
	if (f->nr_ranges == PT_FLUSHER_RANGES) {
		pt_flusher_issue_all(f);
		return;
	}
	f->ranges[f->nr_ranges].va = va;
	f->ranges[f->nr_ranges].nr_pages = nr;
	f->nr_ranges++;
}

/* Start a keeper page: a reserved spare if there is one, else a new frame. */
PT_MUST_CHECK static enum pt_err keeper_push(struct pt_flusher *f)
{
	const struct pt_env *env = fl_env(f);
	pt_paddr_t pa = f->spare;
	if (pa) {
		f->spare = keeper_of(env, pa)->next;
	} else {
		enum pt_err err = env->mem.ops->table_alloc(env->mem.ctx, &pa);
		if (err != PT_OK)
			return err;
	}
	struct keeper *k = keeper_of(env, pa);
	*k = (struct keeper){ .env = env, .pa = pa, .next = f->keep };
	f->keep = pa;
	return PT_OK;
}

enum pt_err pt_flusher_reserve(struct pt_flusher *f, uint64_t n)
{
	if (!f || !f->env)
		return PT_ERR_INVAL;
	const struct pt_env *env = fl_env(f);
	uint64_t room = f->keep ? KEEP_SLOTS - keeper_of(env, f->keep)->nr : 0;
	for (pt_paddr_t s = f->spare; s && room < n; s = keeper_of(env, s)->next)
		room += KEEP_SLOTS;
	while (room < n) {
		pt_paddr_t pa;
		enum pt_err err = env->mem.ops->table_alloc(env->mem.ctx, &pa);
		if (err != PT_OK)
			return err;
		keeper_of(env, pa)->next = f->spare;
		f->spare = pa;
		room += KEEP_SLOTS;
	}
	return PT_OK;
}

/* Give back the spare keeper pages nothing used (never published: no grace period). */
static void free_spares(struct pt_flusher *f)
{
	const struct pt_env *env = fl_env(f);
	while (f->spare) {
		pt_paddr_t pa = f->spare;
		f->spare = keeper_of(env, pa)->next;
		env->mem.ops->table_free(env->mem.ctx, pa);
	}
}

enum pt_err pt_flusher_keep_frame(struct pt_flusher *f, pt_paddr_t pa)
{
	if (!f || !f->env)
		return PT_ERR_INVAL;
	const struct pt_env *env = fl_env(f);
	if (!f->keep || keeper_of(env, f->keep)->nr == KEEP_SLOTS) {
		enum pt_err err = keeper_push(f);
		if (err != PT_OK)
			return err;
	}
	struct keeper *k = keeper_of(env, f->keep);
	keeper_slots(env, f->keep)[k->nr++] = pa;
	return PT_OK;
}

void pt_flusher_keep_table(struct pt_flusher *f, struct pt_node *table)
{
	f->tables = true;
	table->defer.priv[0] = f->keep_tables;
	f->keep_tables = table;
}

static bool has_undispatched(const struct pt_flusher *f)
{
	return f->all || f->nr_ranges || f->keep || f->keep_tables;
}

/* The requests of the batch for id @asid; a full flush of a global target includes globals. */
static unsigned build_reqs(const struct pt_flusher *f, pt_asid_t asid, struct pt_flush_req *reqs)
{
	bool global = f->to->global;
	if (f->all) {
		reqs[0] = (struct pt_flush_req){
			.kind = global ? PT_FLUSH_ALL_GLOBAL : PT_FLUSH_ASID,
			.asid = asid,
		};
		return 1;
	}
	for (unsigned i = 0; i < f->nr_ranges; i++)
		reqs[i] = (struct pt_flush_req){
			.kind = PT_FLUSH_PAGES,
			.asid = global ? PT_ASID_ANY : asid,
			.va = f->ranges[i].va,
			.nr_pages = f->ranges[i].nr_pages,
			.tables = f->tables,
		};
	return f->nr_ranges;
}

/* An IOMMU domain: one synchronous device invalidation per request, no CPU. */
static void send_dev(struct pt_flusher *f)
{
	struct pt_flush_req reqs[PT_FLUSHER_RANGES];
	atomic_thread_fence(memory_order_seq_cst);
	unsigned nr = build_reqs(f, 0, reqs);
	for (unsigned i = 0; i < nr; i++)
		f->to->dev_flush(f->to->dev_ctx, &reqs[i]);
	f->nr_dispatched += nr;
}

static void send_reqs(struct pt_flusher *f)
{
	const struct pt_env *env = fl_env(f);
	const struct pt_tlb *tlb = &env->tlb;
	struct pt_flush_req reqs[PT_FLUSHER_RANGES];
	if (!(f->all || f->nr_ranges))
		return;
	if (f->to->dev_flush) {
		send_dev(f);
		return;
	}
	if (!tlb_present(env))
		return;

	/* The PTE stores must be visible before the target set is read: an
	 * activation sets its bit before it walks the table. The id is read
	 * after the set: a CPU seen there claimed the id before setting its bit. */
	atomic_thread_fence(memory_order_seq_cst);
	pt_cpumask_t targets = atomic_load(&f->to->cpus);
	unsigned nr = build_reqs(f, pt_flush_target_asid(f->to), reqs);
	pt_cpumask_t self = (pt_cpumask_t)1 << tlb->ops->current_cpu(tlb->ctx);
	pt_cpumask_t remote = targets & ~self;
	if (!flush_site_on(env, PT_SITE_REMOTE))
		remote = 0;
	for (unsigned i = 0; i < nr; i++) {
		if (remote)
			tlb->ops->send(tlb->ctx, remote, &reqs[i]);
		if (targets & self)
			tlb->ops->flush_local(tlb->ctx, &reqs[i]);
	}
	f->nr_dispatched += nr;
	f->unsynced |= remote;
}

void pt_flusher_dispatch(struct pt_flusher *f)
{
	send_reqs(f);
	/* Move what was kept to the dispatched lists. */
	while (f->keep) {
		struct keeper *k = keeper_of(fl_env(f), f->keep);
		pt_paddr_t next = k->next;
		k->next = f->sent;
		f->sent = f->keep;
		f->keep = next;
	}
	while (f->keep_tables) {
		struct pt_node *n = f->keep_tables;
		f->keep_tables = n->defer.priv[0];
		n->defer.priv[0] = f->sent_tables;
		f->sent_tables = n;
	}
	f->all = false;
	f->tables = false;
	f->nr_ranges = 0;
	f->pages = 0;
}

/* After the grace period: nobody can reach the frames through a TLB or a walk. */
static void keeper_release(struct pt_defer *d)
{
	struct keeper *k = (struct keeper *)d;
	const struct pt_env *env = k->env;
	pt_paddr_t *slots = keeper_slots(env, k->pa);
	/* Runs of kept frames between the slots given back early (0). */
	for (uint32_t i = 0; i < k->nr;) {
		uint32_t run = i;
		while (run < k->nr && slots[run])
			run++;
		if (run > i)
			pt_put_frames(&env->mem, &slots[i], run - i);
		i = run + 1;
	}
	env->mem.ops->table_free(env->mem.ctx, k->pa);
}

static void release_sent(struct pt_flusher *f)
{
	const struct pt_env *env = fl_env(f);
	const struct pt_reclaim *r = &env->reclaim;
	while (f->sent) {
		struct keeper *k = keeper_of(env, f->sent);
		pt_paddr_t *slots = keeper_slots(env, f->sent);
		f->sent = k->next;
		if (f->give) {
			for (uint32_t i = 0; i < k->nr; i++) {
				f->give(f->give_ctx, slots[i]);
				slots[i] = 0;
			}
		}
		k->defer.fn = keeper_release;
		r->ops->defer(r->ctx, &k->defer);
	}
	while (f->sent_tables) {
		struct pt_node *n = f->sent_tables;
		f->sent_tables = n->defer.priv[0];
		pt_node_free_deferred(n);
	}
}

void pt_flusher_sync(struct pt_flusher *f)
{
	const struct pt_tlb *tlb = &fl_env(f)->tlb;
	if (f->unsynced)
		tlb->ops->wait(tlb->ctx, f->unsynced);
	f->unsynced = 0;
	release_sent(f);
	free_spares(f);
}

void pt_flusher_drop(struct pt_flusher *f)
{
	const struct pt_hooks *h = fl_env(f)->hooks;
	if (has_undispatched(f)) {
		if (h && h->flusher_leak)
			h->flusher_leak(f);
#ifndef NDEBUG
		else
			__builtin_trap();
#endif
		pt_flusher_dispatch(f);
	}
	pt_flusher_sync(f);
}
