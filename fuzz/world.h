/* SPDX-License-Identifier: MIT */
/*
 * One fuzz input's world: a fresh simulated RAM, a kernel table, user tables
 * and shallow copies (handles), their models, and at most one open cursor.
 * Every operation is predicted on the model, run on the real tables and
 * checked by the oracle.
 */
#ifndef PT_FUZZ_WORLD_H
#define PT_FUZZ_WORLD_H

#include "input.h"
#include "mcursor.h"
#include "oracle.h"
#include <pt/sim/reclaim_sync.h>

#define FZ_HANDLES 6
#define FZ_TOUCHED 24
#define FZ_MAX_OPS 64

struct fz_tree {
	struct mtree m;
	bool live;
	unsigned handles;
};

struct fz_handle {
	struct pt_table t;
	int tree;           /* index in trees[], -1: no live handle here */
};

struct fz_world {
	const struct pt_format *f;
	struct pt_sim_ram *ram;
	struct pt_env env;
	struct pt_sync_reclaim reclaim;
	struct fz_tree trees[FZ_HANDLES];
	struct fz_handle h[FZ_HANDLES];
	int kernel;         /* handle of the kernel table, -1 if none */
	int cur_h;          /* handle the cursor is open on, -1 if none */
	bool cur_mut;
	struct pt_cursor_mut cur;
	struct mcur mc;
	bool deferred;      /* a freed fragment may still wait for a grace period */
	pt_vaddr_t touched[FZ_TOUCHED];
	unsigned nr_touched;
	unsigned op_no;
	/* Break-before-make formats: a simulated Arm MMU whose detector watches every
	 * live handle's root, and the TLB interface on it (no CPU ever loads a table). */
	struct pt_sim_arm *arm;
	struct pt_cpus *cpus;
};

/* Format byte % 6 -> format: x86-64 4-level, 5-level, scrambled, RISC-V Sv39, Sv48, AArch64. */
const struct pt_format *fz_format(uint8_t b);
/* A fresh world on @f with a kernel table (handle 0) and a user table (handle 1). */
void fz_world_init(struct fz_world *w, const struct pt_format *f);
/* Drop the cursor, check frame accounting, destroy all handles in @order, check nothing is left. */
void fz_world_fini(struct fz_world *w, struct fz_in *order);
/* Remember @va for the translation checks after every operation. */
void fz_touch(struct fz_world *w, pt_vaddr_t va);
/* With no cursor open: run deferred frees and check the frame accounting. */
void fz_drain_check(struct fz_world *w);
/* Check every live handle against the models: touched pages, and all of @h's nodes in [lo, hi]. */
void fz_check(struct fz_world *w, int h, pt_vaddr_t lo, pt_vaddr_t hi);
/* The model of the tree handle @h shows. */
struct mtree *fz_model(struct fz_world *w, int h);

/* Open a cursor (read-only or mutable, by the input) on handle @h, dropping any open one. */
void fz_op_open(struct fz_world *w, struct fz_in *in, int h);
/* Drop the open cursor, if any. */
void fz_op_drop(struct fz_world *w);
/* pt_cursor_map of an item the input describes (tracked items get a fresh or shared frame). */
void fz_op_map(struct fz_world *w, struct fz_in *in);
/* pt_cursor_map_range of a range the input describes (kept to a few thousand leaves). */
void fz_op_map_range(struct fz_world *w, struct fz_in *in);
/* pt_cursor_take_next once, or (@all) until nothing is left; fragments are released. */
void fz_op_take(struct fz_world *w, struct fz_in *in, bool all);
/* pt_cursor_protect_next once, or (@all) over the rest of the range. */
void fz_op_protect(struct fz_world *w, struct fz_in *in, bool all);
/* pt_cursor_query at the cursor. */
void fz_op_query(struct fz_world *w);
/* pt_cursor_find_next over a length the input picks. */
void fz_op_find(struct fz_world *w, struct fz_in *in);
/* pt_cursor_jump to an address the input picks. */
void fz_op_jump(struct fz_world *w, struct fz_in *in);
/* Run one cursor operation chosen by @code (shared by both targets); @h is for opening. */
void fz_cursor_op(struct fz_world *w, struct fz_in *in, uint8_t code, int h);

/* Before a real operation: snapshot @t if @want is an error, arm the allocation failure. */
void fz_arm(struct fz_world *w, struct pt_table *t, enum pt_err want, uint64_t fail_at,
	    struct osnap *snap);
/* After it: disarm, compare with @want, and unless @partial (NOMEM) demand nothing changed. */
void fz_settle(struct fz_world *w, struct pt_table *t, enum pt_err got, enum pt_err want,
	       bool partial, const struct osnap *snap, const char *what);

/* pt_table_create_user on the kernel (or, to test PT_ERR_INVAL, on a user table). */
void fz_op_create_user(struct fz_world *w, struct fz_in *in);
/* pt_table_shallow_copy of a live handle (PT_ERR_INVAL for the kernel table). */
void fz_op_shallow_copy(struct fz_world *w, struct fz_in *in);
/* pt_table_destroy of a handle the input picks (BUSY, INVAL when already destroyed). */
void fz_op_destroy(struct fz_world *w, struct fz_in *in);

#endif
