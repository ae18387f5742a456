/* SPDX-License-Identifier: MIT */
/*
 * Verification hooks: what a test reaches into the core with, through the
 * environment (pt_env.hooks) rather than globals. The structure is the
 * caller's; the core reads it and bumps its counters. NULL (production): no
 * hook, every flush site on. Not for use outside tests and fuzzers: a hook
 * that switches a flush off makes the core wrong on purpose.
 */
#ifndef PT_HOOKS_H
#define PT_HOOKS_H

#include <pt/types.h>

struct pt_table;
struct pt_flusher;

/* Each place the core issues a flush; a set bit (1 << site) in pt_hooks.flush_off skips it. */
enum pt_flush_site {
	PT_SITE_UNMAP,          /* a removed leaf */
	PT_SITE_UNMAP_TABLE,    /* a detached sub-tree */
	PT_SITE_PROTECT,        /* a changed leaf of a user table */
	PT_SITE_SPLIT,          /* a huge leaf split by protect, nothing changed */
	PT_SITE_KERNEL_PROTECT, /* a changed leaf of the kernel table */
	PT_SITE_FORK,           /* the parent's leaf losing W */
	PT_SITE_COW_COPY,       /* a copy-on-write page moved to a new frame */
	PT_SITE_ASID_REUSE,     /* an address-space id given to another table */
	PT_SITE_STALE_TARGET,   /* a CPU that switched away stays a target */
	PT_SITE_DESTROY,        /* a destroyed address space's id flushed on its targets */
	PT_SITE_REMOTE,         /* dispatch to remote CPUs */
	PT_SITE__COUNT
};

struct pt_hooks {
	/* Flush sites switched off (1 << enum pt_flush_site). */
	_Atomic uint32_t flush_off;
	/* Break-before-make places replaced in one store (1 << enum pt_bbm_site, pt/bbm.h). */
	_Atomic uint32_t bbm_off;
	/* Called instead of trapping when a flusher is dropped with undispatched work. */
	void (*flusher_leak)(struct pt_flusher *f);
	/* Called in cursor creation after the lock-free descent, before locking. */
	void (*before_guard_lock)(struct pt_table *t, void *arg);
	void *arg;
	/* Times cursor creation found its node detached and started again. */
	_Atomic unsigned long stray_retries;
};

#endif
