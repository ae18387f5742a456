/* SPDX-License-Identifier: MIT */
/*
 * Break-before-make. On a format with bbm set (Arm), a live valid entry is
 * never replaced by a valid one of another size, output address, cache
 * policy or bbm_flags property. At each such place the core, holding the
 * cursor's locks, writes the entry absent (break), asks the platform for a
 * completed invalidation of the entry's range on every CPU
 * (pt_tlb_ops.flush_broadcast, one PT_FLUSH_PAGES request for every
 * address space, PT_ASID_ANY: a table knows no id, pt/vmspace.h; on Arm
 * TLBI VAAE1IS), and only then writes the new
 * entry (make). The invalidation is the only flush a cursor may complete:
 * on Arm it is TLBI ...IS then DSB ISH, which the hardware delivers to
 * every PE with no interrupt and no wait on another thread, so it cannot
 * deadlock against a CPU spinning on one of the cursor's locks. Other
 * flushes of the operation still go through the flusher as usual.
 *
 * The places (one bit each in pt_hooks.bbm_off, test-only, pt/hooks.h):
 *  - PT_BBM_SPLIT: a huge leaf replaced by a table (take_next, protect_next);
 *  - PT_BBM_PROTECT: protect_next changing a valid leaf's cache policy or a
 *    bbm_flags flag (Arm: nG);
 *  - PT_BBM_COW: a copy-on-write fault moving a page to a new frame (the old
 *    entry is removed, then the new one mapped).
 * During a break a lock-free pt_table_translate may find the range absent,
 * as a CPU may fault on it (and retries once the cursor is gone).
 */
#ifndef PT_BBM_H
#define PT_BBM_H

#include <stdint.h>

enum pt_bbm_site {
	PT_BBM_SPLIT,
	PT_BBM_PROTECT,
	PT_BBM_COW,
	PT_BBM__COUNT
};

#endif
