/* SPDX-License-Identifier: MIT */
/* The bulk loops of pt_cursor_protect and pt_cursor_unmap: one pass per table. */
#ifndef PT_CORE_VM_BULK_H
#define PT_CORE_VM_BULK_H

#include <pt/flush.h>

#include "cursor_scan.h"

#pragma GCC visibility push(hidden)

/*
 * Apply @op to every leaf in [va, start + end) of the cursor's range (a
 * checked op; tables for the end splits reserved in c->spares), issuing
 * flushes of changed leaves on @fl when site @site is on and of split
 * unchanged ones when PT_SITE_SPLIT is. PT_ERR_NOMEM (a split): what was
 * done before stays done and flushed.
 */
PT_MUST_CHECK enum pt_err pt_vm_protect_range(struct pt_cursor *c, struct pt_flusher *fl, uint64_t end,
			      struct pt_protect op, enum pt_flush_site site);

/*
 * Remove every mapping in [va, start + end) of the cursor's range: leaves
 * (huge ones sticking out split first) and wholly covered child tables,
 * each flushed on @fl (sites PT_SITE_UNMAP, PT_SITE_UNMAP_TABLE) with its
 * frames or sub-tree kept there. *nr_frames: tracked frames removed.
 * PT_ERR_NOMEM (a split or a keeper page): what was removed stays removed
 * and flushed, the rest mapped.
 */
PT_MUST_CHECK enum pt_err pt_vm_unmap_range(struct pt_cursor *c, struct pt_flusher *fl, uint64_t end,
			    uint64_t *nr_frames);

#pragma GCC visibility pop
#endif
