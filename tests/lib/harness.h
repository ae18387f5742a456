/* SPDX-License-Identifier: MIT */
/* Shared helpers for the unit tests: an environment per format, snapshots, walks. */
#ifndef PT_TEST_HARNESS_H
#define PT_TEST_HARNESS_H

#include <pt/pt.h>

#include <pt/sim/env.h>
#include "format_scrambled.h"
#include <pt/sim/ram.h>

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define KiB (1ull << 10)

struct th {
	const struct pt_format *fmt;
	struct pt_sim_ram *ram;
	struct pt_env env;
};

/* The format named "x86_64_4", "x86_64_5", "riscv_sv39", "riscv_sv48", "aarch64" or "scrambled"; NULL otherwise. */
const struct pt_format *th_format(const char *name);
/* The format the test binary was started for (argv[1]), default x86_64_4. */
extern const struct pt_format *th_fmt;
void th_select_format(int argc, char **argv);

/* A fresh RAM of @ram_size bytes and an environment of th_fmt on it. */
void th_init(struct th *h, uint64_t ram_size);
/* Drain reclamation, assert no frame is left, free the RAM. */
void th_fini(struct th *h);
void th_drain(struct th *h);

/* What "the table did not change" compares: a hash of every reachable frame and the frame count. */
struct th_snap {
	uint64_t hash;
	uint64_t frames;
	uint64_t nodes;
};
struct th_snap th_snapshot(struct th *h, struct pt_table *t);
void th_assert_same(struct th_snap a, struct th_snap b);

/* A fresh data frame with one reference (the caller's). */
pt_paddr_t th_frame(struct th *h);

/* Map [va, va+len) -> pa untracked through one cursor; returns the error. */
PT_MUST_CHECK enum pt_err th_map_range(struct pt_table *t, pt_vaddr_t va, pt_paddr_t pa, uint64_t len,
			 struct pt_prop prop);
/* Unmap [va, va+len) through one cursor, releasing everything taken; returns leaves and tables taken. */
uint64_t th_unmap(struct pt_table *t, pt_vaddr_t va, uint64_t len);
/* Protect [va, va+len) through one cursor; returns the number of slots visited. */
uint64_t th_protect(struct pt_table *t, pt_vaddr_t va, uint64_t len, struct pt_protect op);
/* Assert @va translates to @pa with a leaf of @level (0: any) and flags @flags (if nonzero). */
void th_assert_maps(struct pt_table *t, pt_vaddr_t va, pt_paddr_t pa, pt_level_t level,
		    uint16_t flags);
void th_assert_unmapped(struct pt_table *t, pt_vaddr_t va);

/* The lowest address of the upper half for th_fmt (kernel tables start here). */
pt_vaddr_t th_kernel_base(void);
/* Root slots a kernel table of th_fmt pre-allocates: its half of the root, or all of a split root. */
unsigned th_kernel_slots(void);

#endif
