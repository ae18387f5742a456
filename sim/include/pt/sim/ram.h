/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical RAM: a sparse physical address space backed by chunks
 * allocated on first touch, a frame allocator with per-frame metadata and
 * reference counts, allocation-failure injection and poisoning of freed
 * frames. It implements the physical-memory interface (pt_sim_ram_physmem).
 * Thread-safe.
 */
#ifndef PT_SIM_RAM_H
#define PT_SIM_RAM_H

#include <pt/physmem.h>
#include <pt/types.h>

/* The byte every freed frame is filled with. */
#define PT_RAM_POISON_BYTE 0x6b
#define PT_RAM_POISON_QWORD 0x6b6b6b6b6b6b6b6bull

enum pt_frame_kind {
	PT_FRAME_FREE = 0,
	PT_FRAME_TABLE,   /* a page-table frame */
	PT_FRAME_DATA,    /* a data frame, reference counted */
};

struct pt_sim_ram;

/* The sizes pt_sim_ram_create accepts: multiples of the granule up to the maximum. */
#define PT_RAM_GRANULE ((uint64_t)2 << 20)
#define PT_RAM_MAX_SIZE ((uint64_t)1 << 40)

/* A RAM of @size bytes (a multiple of 2 MiB, at most 1 TiB); NULL if out of host memory. */
struct pt_sim_ram *pt_sim_ram_create(uint64_t size);
/* Free the RAM and everything in it, whatever is still allocated. */
void pt_sim_ram_destroy(struct pt_sim_ram *ram);
uint64_t pt_sim_ram_size(const struct pt_sim_ram *ram);

/* Allocate a zeroed frame of @kind (data frames start with one reference). Freed frames
 * are reused oldest first, once 1024 later ones wait behind them (or the RAM is full). */
PT_MUST_CHECK enum pt_err pt_sim_ram_alloc(struct pt_sim_ram *ram, enum pt_frame_kind kind, pt_paddr_t *pa);
/* Free a table frame (data frames are freed by their last pt_sim_ram_put). */
void pt_sim_ram_free_table(struct pt_sim_ram *ram, pt_paddr_t pa);
/* Take / drop a reference on a data frame (at most 2^29 - 1 at once); the last put
 * frees and poisons it. Both abort on a frame not in use or not a frame's address. */
void pt_sim_ram_get(struct pt_sim_ram *ram, pt_paddr_t pa);
void pt_sim_ram_put(struct pt_sim_ram *ram, pt_paddr_t pa);
/* pt_sim_ram_put on each of @pa[0 .. nr) in turn, queueing the freed frames for
 * reuse a batch at a time. Aborts, as put does, on a double free or a wild address. */
void pt_sim_ram_put_many(struct pt_sim_ram *ram, const pt_paddr_t *pa, uint32_t nr);
uint32_t pt_sim_ram_refcount(struct pt_sim_ram *ram, pt_paddr_t pa);
enum pt_frame_kind pt_sim_ram_kind(struct pt_sim_ram *ram, pt_paddr_t pa);
/* True if the frame holding @pa was freed and is still poisoned (never reused). */
bool pt_sim_ram_is_poisoned(struct pt_sim_ram *ram, pt_paddr_t pa);

/* Host pointer to the 4 KiB frame containing @pa (touching it); NULL past the end.
 * The frame counts as written from then on, so its next allocation zeroes it; take a
 * fresh pointer after each allocation (read and load64 read without marking). */
void *pt_sim_ram_frame_ptr(struct pt_sim_ram *ram, pt_paddr_t pa);
/* Atomic 8-byte accesses at an 8-byte-aligned @pa (used by page walkers). Reads of never-touched memory return 0. */
uint64_t pt_sim_ram_load64(struct pt_sim_ram *ram, pt_paddr_t pa);
void pt_sim_ram_store64(struct pt_sim_ram *ram, pt_paddr_t pa, uint64_t val);
bool pt_sim_ram_cmpxchg64(struct pt_sim_ram *ram, pt_paddr_t pa, uint64_t *expected, uint64_t desired);
/* Byte copies; any alignment, may cross frames. Return false past the end of RAM. */
bool pt_sim_ram_read(struct pt_sim_ram *ram, pt_paddr_t pa, void *buf, size_t len);
bool pt_sim_ram_write(struct pt_sim_ram *ram, pt_paddr_t pa, const void *buf, size_t len);

/*
 * Poison freed frames (the default) or not. Off, a freed frame keeps its
 * contents and pt_sim_ram_is_poisoned stays false: for benchmarks, which
 * measure the core rather than this debugging aid.
 */
void pt_sim_ram_set_poison(struct pt_sim_ram *ram, bool on);

/* Make the @k-th allocation from now fail (1 = the next one); 0 disarms. */
void pt_sim_ram_fail_nth(struct pt_sim_ram *ram, uint64_t k);
/* Allocations attempted so far (successful or failed). */
uint64_t pt_sim_ram_alloc_count(struct pt_sim_ram *ram);

struct pt_sim_ram_stats {
	uint64_t frames_in_use;   /* tables + data */
	uint64_t tables_in_use;
	uint64_t data_in_use;
	uint64_t peak_tables;
	uint64_t host_bytes;      /* host memory backing touched chunks */
};
struct pt_sim_ram_stats pt_sim_ram_stats(struct pt_sim_ram *ram);

/* The physical-memory interface backed by this RAM. */
struct pt_physmem pt_sim_ram_physmem(struct pt_sim_ram *ram);

#endif
