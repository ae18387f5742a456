/* SPDX-License-Identifier: MIT */
/* Internal structures of the simulated machine, shared by its files only. */
#ifndef PT_SIM_MACHINE_INTERNAL_H
#define PT_SIM_MACHINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <pt/sim/machine/machine.h>

#pragma GCC visibility push(hidden)

#define PT_SIM_NR_PCIDS 4096
#define PT_SIM_CACHE_BUCKETS 4096
#define PT_SIM_ADDR_BITS_MAX 52
#define PT_SIM_PK_MASK (0xfull << PT_SIM_PTE_PK_SHIFT)

/* One cached entry in a per-CPU hash chain. */
struct pt_sim_cache_node {
	struct pt_sim_tlb_entry e;
	struct pt_sim_cache_node *next;
};

/* TLB and PSC entries of one CPU, hashed by (psc, level, region). */
struct pt_sim_cache {
	struct pt_sim_cache_node **buckets;
	size_t nr_tlb, nr_psc;
};

struct pt_sim_ipi {
	pt_sim_ipi_fn fn;
	void *arg;
	struct pt_sim_ipi *next;
};

struct pt_sim_cpu {
	struct pt_sim_machine *m;
	unsigned idx;
	pthread_mutex_t lock;       /* regs, cache, counters, rng, pcid_root */
	struct pt_sim_regs r;
	uint64_t *pcid_root;        /* CR3 (without PCID) last loaded per PCID */
	struct pt_sim_cache cache;
	struct pt_sim_counters cnt;
	uint64_t rng;
	pthread_mutex_t ipi_lock;   /* held by whoever runs this CPU's handlers */
	pthread_mutex_t qlock;      /* the queue */
	struct pt_sim_ipi *qhead, *qtail;
	_Atomic uint64_t posted, done;
	_Atomic bool entered;
};

struct pt_sim_machine {
	struct pt_sim_machine_config cfg;
	struct pt_sim_ram *ram;
	bool own_ram;
	unsigned nr_cpus;
	struct pt_sim_cpu *cpus;
	uint64_t addr_mask;         /* entry bits M-1:12 */
	uint64_t rsvd_addr;         /* entry bits 51:M */
	_Atomic uint64_t epoch;
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;
	uint64_t gen;               /* under wait_lock: bumped on every IPI event */
	pthread_mutex_t snap_lock;
	pt_sim_walk_hook_fn hook;
	void *hook_arg;
};

/* ---- walk_x86_64.c ---- */

enum pt_sim_walk_rc { PT_SIM_WALK_OK = 0, PT_SIM_WALK_FAULT, PT_SIM_WALK_RESTART };

struct pt_sim_walk_in {
	pt_vaddr_t va;
	enum pt_sim_access_kind kind;
	enum pt_sim_mode mode;
	pt_paddr_t root;            /* root table */
	uint8_t root_mt;            /* memory type used to read it */
	unsigned stop_level;        /* stop after this non-leaf level (0: walk to the leaf) */
	bool use_psc, update_ad, check_perms;
};

struct pt_sim_walk_out {
	uint32_t error_code;        /* on PT_SIM_WALK_FAULT */
	unsigned top;               /* first level read from memory */
	unsigned psc_level;         /* level of the PSC entry started from (0: none) */
	unsigned leaf_level;
	pt_paddr_t frame;           /* page base, or next table at stop_level */
	bool rw, us, xd, global, dirty;
	uint8_t pk, memtype;
	pt_paddr_t entry_pa[6];
	uint64_t entry_val[6];      /* after any A/D update this walk made */
	uint8_t table_mt[6];
	bool cum_rw[6], cum_us[6], cum_xd[6];
	uint8_t next_mt[6];         /* memory type of the table each entry points to */
	unsigned restarts;
};

bool pt_sim_canonical(const struct pt_sim_cpu *cpu, pt_vaddr_t va);
unsigned pt_sim_top_level(const struct pt_sim_cpu *cpu);
/* Size of the region one entry of @level maps. */
static inline uint64_t pt_sim_level_size(unsigned level)
{
	return 1ull << (12 + 9 * (level - 1));
}
uint64_t pt_sim_rsvd_mask(const struct pt_sim_cpu *cpu, unsigned level, uint64_t e);
bool pt_sim_is_leaf(unsigned level, uint64_t e);
uint8_t pt_sim_pat_memtype(const struct pt_sim_cpu *cpu, unsigned idx);
/* Memory type of the table an entry points at (its PCD/PWT). */
uint8_t pt_sim_table_memtype(const struct pt_sim_cpu *cpu, uint64_t e);
/* Memory type and frame of a leaf entry at @level. */
uint8_t pt_sim_leaf_memtype(const struct pt_sim_cpu *cpu, unsigned level, uint64_t e);
pt_paddr_t pt_sim_leaf_frame(const struct pt_sim_cpu *cpu, unsigned level, uint64_t e);
/* @va made canonical by sign extension for the current paging mode. */
pt_vaddr_t pt_sim_canonicalize(const struct pt_sim_cpu *cpu, pt_vaddr_t va);
/* Error-code bits of the access itself (W, U, I/D). */
uint32_t pt_sim_access_code(const struct pt_sim_cpu *cpu, enum pt_sim_access_kind kind,
			 enum pt_sim_mode mode);
/* 0 if the rights allow the access now, else the fault's P (and PK) bits. */
uint32_t pt_sim_perm_check(const struct pt_sim_cpu *cpu, bool rw, bool us, bool xd, uint8_t pk,
			enum pt_sim_access_kind kind, enum pt_sim_mode mode);
/* One full walk with restarts; cpu->lock held. */
enum pt_sim_walk_rc pt_sim_walk(struct pt_sim_cpu *cpu, const struct pt_sim_walk_in *in,
			  struct pt_sim_walk_out *out);
/* The root and its memory type for the current CR3. */
void pt_sim_current_root(const struct pt_sim_cpu *cpu, pt_paddr_t *root, uint8_t *mt);
void pt_sim_cr3_root(const struct pt_sim_cpu *cpu, uint64_t cr3, bool pcide, pt_paddr_t *root,
		  uint8_t *mt);

/* ---- tlb.c ---- */

bool pt_sim_cache_init(struct pt_sim_cache *c);
void pt_sim_cache_fini(struct pt_sim_cache *c);
/* Insert unless an identical entry is cached; evicts in capacity mode. */
void pt_sim_cache_insert(struct pt_sim_cpu *cpu, struct pt_sim_tlb_entry *e);
/* Fill from a successful walk of @va under @pcid. */
void pt_sim_cache_fill(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid,
		    const struct pt_sim_walk_out *w);
/* Pick the TLB entry for @va usable under @pcid by the pick policy; NULL on a
 * miss. *@ambiguous says whether several different entries matched. */
struct pt_sim_cache_node *pt_sim_cache_pick_tlb(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid,
					  bool *ambiguous);
/* The longest-prefix PSC entry for @va under @pcid, or NULL. */
struct pt_sim_cache_node *pt_sim_cache_pick_psc(struct pt_sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid);
typedef bool (*pt_sim_cache_pred)(const struct pt_sim_tlb_entry *e, const void *arg);
/* Remove every entry @pred accepts; returns how many. */
size_t pt_sim_cache_remove_if(struct pt_sim_cpu *cpu, pt_sim_cache_pred pred, const void *arg);
void pt_sim_cache_remove(struct pt_sim_cpu *cpu, struct pt_sim_cache_node *node);
/* Call @fn on every entry. */
void pt_sim_cache_foreach(struct pt_sim_cpu *cpu,
		       void (*fn)(struct pt_sim_cpu *cpu, const struct pt_sim_tlb_entry *e, void *arg),
		       void *arg);
bool pt_sim_entry_covers(const struct pt_sim_tlb_entry *e, pt_vaddr_t va);
uint64_t pt_sim_rng_next(struct pt_sim_cpu *cpu);

/* ---- invalidate.c ---- */

/* The minimum invalidations of §5.2; cpu->lock held. */
void pt_sim_inv_page(struct pt_sim_cpu *cpu, pt_vaddr_t va);
void pt_sim_inv_pf(struct pt_sim_cpu *cpu, pt_vaddr_t va);
void pt_sim_inv_pcid(struct pt_sim_cpu *cpu, uint16_t pcid);
void pt_sim_inv_all(struct pt_sim_cpu *cpu, bool globals);
void pt_sim_inv_pcid_addr(struct pt_sim_cpu *cpu, uint16_t pcid, pt_vaddr_t va);
void pt_sim_inv_tagged(struct pt_sim_cpu *cpu, uint16_t pcid);

/* ---- ipi.c ---- */

/* Run @cpu's queued handlers unless another thread is running them. */
void pt_sim_ipi_drain(struct pt_sim_cpu *cpu);
void pt_sim_ipi_fini(struct pt_sim_cpu *cpu);
void pt_sim_machine_kick(struct pt_sim_machine *m);

/* ---- snapshot.c ---- */

/* Cache what uses entry @pa (old value) on @cpu; cpu->lock held. */
void pt_sim_snapshot_entry(struct pt_sim_cpu *cpu, pt_paddr_t pa);

uint16_t pt_sim_cpu_pcid_locked(const struct pt_sim_cpu *cpu);

#pragma GCC visibility pop
#endif
