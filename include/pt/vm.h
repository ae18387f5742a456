/* SPDX-License-Identifier: MIT */
/*
 * Cursor operations that issue their own TLB flushes into a flusher: unmap
 * and protect of the cursor's range. Each issues exactly the flushes its
 * changes need and dispatches them; the caller drops the cursor, then syncs.
 * The address-space forms (pt/vmspace.h) do all three. A NULL or destroyed
 * cursor or a NULL flusher is PT_ERR_INVAL.
 */
#ifndef PT_VM_H
#define PT_VM_H

#include <pt/cursor.h>
#include <pt/flush.h>

/*
 * Remove every mapping in [va, va + len) of the cursor's range, issuing a
 * flush for each with its frame or sub-tree attached, then dispatch.
 * *nr_frames (optional) counts the tracked frames removed.
 * PT_ERR_UNALIGNED, PT_ERR_LENGTH, PT_ERR_NOMEM (a split or a keeper page:
 * what was removed before is flushed; the rest is still mapped).
 */
PT_MUST_CHECK enum pt_err pt_cursor_unmap(struct pt_cursor_mut *m, struct pt_flusher *f, uint64_t len,
			    uint64_t *nr_frames);
/* Apply @op to [va, va + len), flushing every changed or split leaf, then
 * dispatch. All or nothing: @op is checked first (PT_ERR_INVAL,
 * PT_ERR_GLOBAL_USER, even over a hole), then the length (PT_ERR_UNALIGNED,
 * PT_ERR_LENGTH), then the tables splitting the range's two ends would take
 * are reserved (PT_ERR_NOMEM: nothing changed). */
PT_MUST_CHECK enum pt_err pt_cursor_protect(struct pt_cursor_mut *m, struct pt_flusher *f, uint64_t len,
			      struct pt_protect op);

#endif
