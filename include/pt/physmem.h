/* SPDX-License-Identifier: MIT */
/*
 * The physical-memory interface a platform gives the core: page-table frames,
 * access to them, and references on the data frames that tables map.
 * Every callback may be called concurrently from several threads.
 */
#ifndef PT_PHYSMEM_H
#define PT_PHYSMEM_H

#include <pt/error.h>
#include <pt/types.h>

/* Bytes of metadata the platform keeps per table frame for the core's use. */
#define PT_TABLE_META_SIZE 64

struct pt_physmem_ops {
	/* Allocate a zeroed table frame and zeroed metadata; PT_ERR_NOMEM on failure. */
	enum pt_err (*table_alloc)(void *ctx, pt_paddr_t *pa);
	/* Return a table frame. Only called after every walker is done with it. */
	void (*table_free)(void *ctx, pt_paddr_t pa);
	/* The PT_TABLE_META_SIZE-byte metadata slot of an allocated table frame.
	 * For frames it did not allocate (pt/adopt.h): NULL if there is none. */
	void *(*table_meta)(void *ctx, pt_paddr_t pa);
	/* A pointer through which the core reads and writes the frame at @pa;
	 * for frames it did not allocate: NULL outside physical memory. */
	void *(*phys_to_virt)(void *ctx, pt_paddr_t pa);
	/* Take one more reference on the tracked data frame at @pa. */
	void (*frame_get)(void *ctx, pt_paddr_t pa);
	/* Drop one reference on the tracked data frame at @pa. */
	void (*frame_put)(void *ctx, pt_paddr_t pa);
	/* Optional (NULL: frame_put per frame): drop one reference on each of the
	 * @nr tracked data frames at @pa[0 .. nr), as @nr frame_put calls would.
	 * The core calls it when it releases many frames at once (bulk unmap). */
	void (*frame_put_many)(void *ctx, const pt_paddr_t *pa, uint32_t nr);
	/* References held on the tracked data frame at @pa (copy-on-write); may be NULL. */
	uint32_t (*frame_refcount)(void *ctx, pt_paddr_t pa);
};

struct pt_physmem {
	const struct pt_physmem_ops *ops;
	void *ctx;
};

#endif
