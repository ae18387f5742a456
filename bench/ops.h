/* SPDX-License-Identifier: MIT */
/* The libpt side of the cases: job functions driving cursors, and the checks. */
#ifndef PTBENCH_OPS_H
#define PTBENCH_OPS_H

#include "bench.h"

/* map_range over the job's range, on one cursor. */
void lp_map_range(struct job *j);
/* pt_cursor_map of each page in turn, on one cursor over the range. */
void lp_page_map(struct job *j);
/* pt_cursor_map of each page, each on a cursor of its own. */
void lp_cursor_map(struct job *j);
/* Map the range the cheapest way its kind allows (untimed setup for other cases). */
void lp_prepare_map(struct job *j);

/* take_next until nothing is left, on one cursor, releasing each fragment. */
void lp_unmap(struct job *j);
/* take_next of one page at a time, on one cursor. */
void lp_page_unmap(struct job *j);
/* take_next of each page, each on a cursor of its own. */
void lp_cursor_unmap(struct job *j);

/* protect_next (clear W) over the whole range, on one cursor. */
void lp_protect(struct job *j);
/* find_next + query over the whole range, counting leaves into j->counted. */
void lp_scan(struct job *j);

/* Checks on a sample of pages: each returns NULL or what is wrong. */
const char *check_mapped(struct job *j);
const char *check_protected(struct job *j);
const char *check_unmapped(struct job *j);
const char *check_scanned(struct job *j);

#endif
