/* SPDX-License-Identifier: MIT */
#ifndef PT_CORE_CURSOR_SCAN_H
#define PT_CORE_CURSOR_SCAN_H

#include "cursor.h"

#pragma GCC visibility push(hidden)

enum scan_stop { SCAN_END, SCAN_LEAF, SCAN_TABLE };

/*
 * Advance to the next leaf wholly inside [va, start + end) (offsets from the
 * range start), or with @tables to a wholly covered detachable child table.
 * PT_ERR_NOMEM if a split failed (the table is unchanged).
 */
/* Check a protect operation against @t: PT_ERR_INVAL, PT_ERR_GLOBAL_USER. */
PT_MUST_CHECK enum pt_err pt_cur_check_protect(const struct pt_table *t, struct pt_protect op);

PT_MUST_CHECK enum pt_err pt_cur_scan(struct pt_cursor *c, uint64_t end, bool tables, enum scan_stop *stop);

#pragma GCC visibility pop
#endif
