/* SPDX-License-Identifier: MIT */
/*
 * The lower bound: the same 4-level layout of 512-entry tables as x86-64,
 * built by the simplest loops that can build it. Table frames come from a
 * pre-faulted pool (one per thread, no locking) and are zeroed when taken.
 * "Bulk" descends once per leaf table and stores consecutive pa | attributes
 * in an inlined loop; "per page" walks from the root for every page in an
 * out-of-line call. Unmap stores zero into the same entries; bulk unmap also
 * unhooks each emptied leaf table and returns its frame to the pool. The
 * tracked bound also drops a reference count (an array per job) per page.
 */
#ifndef PTBENCH_BOUND_H
#define PTBENCH_BOUND_H

#include "bench.h"

struct bound;

/* Pools for @threads jobs of @len bytes each; NULL if out of host memory. */
struct bound *bound_create(unsigned threads, uint64_t len);
/* Free the pools. */
void bound_destroy(struct bound *b);
/* Start a repeat: refill the pools, take a root and build the level-3 node over each job. */
void bound_reset(struct bound *b, const struct job *jobs, unsigned nr);
/* Table frames currently taken from the pools. */
uint64_t bound_frames_in_use(const struct bound *b);
/* Walk like hardware: false if @va is unmapped, else its PA and leaf. */
bool bound_translate(const struct bound *b, pt_vaddr_t va, pt_paddr_t *pa, struct pt_item *leaf);

/* Job functions (see case_def): map, unmap, write-protect, count leaves. */
void bound_bulk_map(struct job *j);
void bound_page_map(struct job *j);
void bound_bulk_unmap(struct job *j);
void bound_page_unmap(struct job *j);
void bound_bulk_protect(struct job *j);
void bound_bulk_scan(struct job *j);
/* Tracked 4 KiB pages: bulk map setting each page's reference count to 1, and bulk
 * unmap storing 0 and dropping the count of every present leaf (the tracked bound). */
void bound_bulk_map_tracked(struct job *j);
void bound_bulk_unmap_tracked(struct job *j);
/* The bound struct of a job's fixture. */
struct bound *job_bound(const struct job *j);

#endif
