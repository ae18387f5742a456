/* SPDX-License-Identifier: MIT */
/* Internal structures of the simulated machine, shared by its files only. */
#ifndef SIM_MACHINE_INTERNAL_H
#define SIM_MACHINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <pt/sim/machine/machine.h>

#define SIM_NR_PCIDS 4096
#define SIM_CACHE_BUCKETS 4096
#define SIM_ADDR_BITS_MAX 52
#define SIM_PK_MASK (0xfull << SIM_PTE_PK_SHIFT)

/* One cached entry in a per-CPU hash chain. */
struct sim_cache_node {
	struct sim_tlb_entry e;
	struct sim_cache_node *next;
};

/* TLB and PSC entries of one CPU, hashed by (psc, level, region). */
struct sim_cache {
	struct sim_cache_node **buckets;
	size_t nr_tlb, nr_psc;
};

struct sim_ipi {
	sim_ipi_fn fn;
	void *arg;
	struct sim_ipi *next;
};

struct sim_cpu {
	struct sim_machine *m;
	unsigned idx;
	pthread_mutex_t lock;       /* regs, cache, counters, rng, pcid_root */
	struct sim_regs r;
	uint64_t *pcid_root;        /* CR3 (without PCID) last loaded per PCID */
	struct sim_cache cache;
	struct sim_counters cnt;
	uint64_t rng;
	pthread_mutex_t ipi_lock;   /* held by whoever runs this CPU's handlers */
	pthread_mutex_t qlock;      /* the queue */
	struct sim_ipi *qhead, *qtail;
	_Atomic uint64_t posted, done;
	_Atomic bool entered;
};

struct sim_machine {
	struct sim_machine_config cfg;
	struct pt_ram *ram;
	bool own_ram;
	unsigned nr_cpus;
	struct sim_cpu *cpus;
	uint64_t addr_mask;         /* entry bits M-1:12 */
	uint64_t rsvd_addr;         /* entry bits 51:M */
	_Atomic uint64_t epoch;
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;
	uint64_t gen;               /* under wait_lock: bumped on every IPI event */
	pthread_mutex_t snap_lock;
	sim_walk_hook_fn hook;
	void *hook_arg;
};

/* ---- walk_x86_64.c ---- */

enum sim_walk_rc { SIM_WALK_OK = 0, SIM_WALK_FAULT, SIM_WALK_RESTART };

struct sim_walk_in {
	pt_vaddr_t va;
	enum sim_access_kind kind;
	enum sim_mode mode;
	pt_paddr_t root;            /* root table */
	uint8_t root_mt;            /* memory type used to read it */
	unsigned stop_level;        /* stop after this non-leaf level (0: walk to the leaf) */
	bool use_psc, update_ad, check_perms;
};

struct sim_walk_out {
	uint32_t error_code;        /* on SIM_WALK_FAULT */
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

bool sim_canonical(const struct sim_cpu *cpu, pt_vaddr_t va);
unsigned sim_top_level(const struct sim_cpu *cpu);
/* Size of the region one entry of @level maps. */
static inline uint64_t sim_level_size(unsigned level)
{
	return 1ull << (12 + 9 * (level - 1));
}
uint64_t sim_rsvd_mask(const struct sim_cpu *cpu, unsigned level, uint64_t e);
bool sim_is_leaf(unsigned level, uint64_t e);
uint8_t sim_pat_memtype(const struct sim_cpu *cpu, unsigned idx);
/* Memory type of the table an entry points at (its PCD/PWT). */
uint8_t sim_table_memtype(const struct sim_cpu *cpu, uint64_t e);
/* Memory type and frame of a leaf entry at @level. */
uint8_t sim_leaf_memtype(const struct sim_cpu *cpu, unsigned level, uint64_t e);
pt_paddr_t sim_leaf_frame(const struct sim_cpu *cpu, unsigned level, uint64_t e);
/* @va made canonical by sign extension for the current paging mode. */
pt_vaddr_t sim_canonicalize(const struct sim_cpu *cpu, pt_vaddr_t va);
/* Error-code bits of the access itself (W, U, I/D). */
uint32_t sim_access_code(const struct sim_cpu *cpu, enum sim_access_kind kind,
			 enum sim_mode mode);
/* 0 if the rights allow the access now, else the fault's P (and PK) bits. */
uint32_t sim_perm_check(const struct sim_cpu *cpu, bool rw, bool us, bool xd, uint8_t pk,
			enum sim_access_kind kind, enum sim_mode mode);
/* One full walk with restarts; cpu->lock held. */
enum sim_walk_rc sim_walk(struct sim_cpu *cpu, const struct sim_walk_in *in,
			  struct sim_walk_out *out);
/* The root and its memory type for the current CR3. */
void sim_current_root(const struct sim_cpu *cpu, pt_paddr_t *root, uint8_t *mt);
void sim_cr3_root(const struct sim_cpu *cpu, uint64_t cr3, bool pcide, pt_paddr_t *root,
		  uint8_t *mt);

/* ---- tlb.c ---- */

bool sim_cache_init(struct sim_cache *c);
void sim_cache_fini(struct sim_cache *c);
/* Insert unless an identical entry is cached; evicts in capacity mode. */
void sim_cache_insert(struct sim_cpu *cpu, struct sim_tlb_entry *e);
/* Fill from a successful walk of @va under @pcid. */
void sim_cache_fill(struct sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid,
		    const struct sim_walk_out *w);
/* Pick the TLB entry for @va usable under @pcid by the pick policy; NULL on a
 * miss. *@ambiguous says whether several different entries matched. */
struct sim_cache_node *sim_cache_pick_tlb(struct sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid,
					  bool *ambiguous);
/* The longest-prefix PSC entry for @va under @pcid, or NULL. */
struct sim_cache_node *sim_cache_pick_psc(struct sim_cpu *cpu, pt_vaddr_t va, uint16_t pcid);
typedef bool (*sim_cache_pred)(const struct sim_tlb_entry *e, const void *arg);
/* Remove every entry @pred accepts; returns how many. */
size_t sim_cache_remove_if(struct sim_cpu *cpu, sim_cache_pred pred, const void *arg);
void sim_cache_remove(struct sim_cpu *cpu, struct sim_cache_node *node);
/* Call @fn on every entry. */
void sim_cache_foreach(struct sim_cpu *cpu,
		       void (*fn)(struct sim_cpu *cpu, const struct sim_tlb_entry *e, void *arg),
		       void *arg);
bool sim_entry_covers(const struct sim_tlb_entry *e, pt_vaddr_t va);
uint64_t sim_rng_next(struct sim_cpu *cpu);

/* ---- invalidate.c ---- */

/* The minimum invalidations of §5.2; cpu->lock held. */
void sim_inv_page(struct sim_cpu *cpu, pt_vaddr_t va);
void sim_inv_pf(struct sim_cpu *cpu, pt_vaddr_t va);
void sim_inv_pcid(struct sim_cpu *cpu, uint16_t pcid);
void sim_inv_all(struct sim_cpu *cpu, bool globals);
void sim_inv_pcid_addr(struct sim_cpu *cpu, uint16_t pcid, pt_vaddr_t va);
void sim_inv_tagged(struct sim_cpu *cpu, uint16_t pcid);

/* ---- ipi.c ---- */

/* Run @cpu's queued handlers unless another thread is running them. */
void sim_ipi_drain(struct sim_cpu *cpu);
void sim_ipi_fini(struct sim_cpu *cpu);
void sim_machine_kick(struct sim_machine *m);

/* ---- snapshot.c ---- */

/* Cache what uses entry @pa (old value) on @cpu; cpu->lock held. */
void sim_snapshot_entry(struct sim_cpu *cpu, pt_paddr_t pa);

uint16_t sim_cpu_pcid_locked(const struct sim_cpu *cpu);

#endif
