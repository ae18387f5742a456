/* SPDX-License-Identifier: MIT */
/* The fuzzers' oracle: compare a real table with the model, snapshots, reports. */
#ifndef PT_FUZZ_ORACLE_H
#define PT_FUZZ_ORACLE_H

#include <pt/pt.h>

#include "model.h"
#include <pt/sim/ram.h>

/* Report a divergence from the model and abort (libFuzzer records the input). */
_Noreturn void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print progress detail to stderr when PT_FUZZ_VERBOSE is set. */
void fz_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool fz_verbose;

/* What "a failed operation changed nothing" compares. */
struct osnap {
	uint64_t hash;      /* every entry of every reachable node, and its frame */
	uint64_t nodes;
	uint64_t frames;    /* frames in use in the whole RAM */
};

/* Snapshot of @t's own half and of the RAM's frame count. */
struct osnap oc_snapshot(struct pt_table *t, struct pt_sim_ram *ram);
/* Abort unless @a and @b are equal; @what names the failed operation. */
void oc_same(struct osnap a, struct osnap b, const char *what);
/*
 * Read @t back by a software walk of its raw entries and abort unless every
 * node intersecting [lo, hi] holds exactly the model's entries.
 */
void oc_walk(struct pt_table *t, struct pt_sim_ram *ram, const struct mtree *m, pt_vaddr_t lo,
	     pt_vaddr_t hi);
/* Abort unless pt_table_translate of @va in @t agrees with @m. */
void oc_translate(struct pt_table *t, const struct mtree *m, pt_vaddr_t va);
/* RISC-V formats: abort unless a hart's walk of @va (loads, stores, fetches)
 * agrees with @m (oracle_riscv.c). */
void oc_hart_walk(struct pt_table *t, struct pt_sim_ram *ram, const struct mtree *m, pt_vaddr_t va);
/* AArch64: abort unless the simulated Arm MMU's walk of @va (reads, writes, fetches
 * at EL0 and EL1) agrees with @m (oracle_aarch64.c). */
void oc_arm_walk(struct pt_table *t, struct pt_sim_ram *ram, const struct mtree *m, pt_vaddr_t va);

#endif
