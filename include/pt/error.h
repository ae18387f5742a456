/* SPDX-License-Identifier: MIT */
/* Error codes. Every libpt call that can fail returns one; PT_OK is zero. */
#ifndef PT_ERROR_H
#define PT_ERROR_H

enum pt_err {
	PT_OK = 0,
	PT_ERR_INVAL,       /* a malformed argument: NULL, unknown flag bits */
	PT_ERR_RANGE,       /* range empty, reversed or outside the table's half */
	PT_ERR_NONCANONICAL,/* an address outside the format's canonical space */
	PT_ERR_UNALIGNED,   /* address or length not aligned to the page size */
	PT_ERR_VADDR,       /* the cursor's address is outside its range */
	PT_ERR_LENGTH,      /* a length that runs past the cursor's range */
	PT_ERR_MAPPED,      /* the slot already holds a mapping or a table */
	PT_ERR_LEVEL,       /* a level the format or the cursor cannot map at */
	PT_ERR_TRACKED_HUGE,/* a tracked frame at a level above 1 */
	PT_ERR_GLOBAL_USER, /* a GLOBAL mapping in a user table */
	PT_ERR_PADDR,       /* a physical address beyond the format's width */
	PT_ERR_NOMEM,       /* a frame allocation failed */
	PT_ERR_BUSY,        /* the object is still in use (e.g. shared kernel half) */
	PT_ERR_NOT_MAPPED,  /* nothing is mapped where a mapping was required */
	PT_ERR__COUNT
};

/*
 * PT_MUST_CHECK marks every function returning enum pt_err: a caller that
 * ignores the result gets a warning (an error under -Werror). GCC ignores a
 * (void) cast for this attribute; to drop a result on purpose (a teardown
 * path that cannot act on it, a test), call pt_discard(result).
 */
#if defined(__GNUC__) || defined(__clang__)
#define PT_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PT_MUST_CHECK
#endif

/* Drop @err on purpose (see PT_MUST_CHECK). */
static inline void pt_discard(enum pt_err err)
{
	(void)err;
}

/* A constant, human-readable description of @err; never NULL. */
const char *pt_strerror(enum pt_err err);

#endif
