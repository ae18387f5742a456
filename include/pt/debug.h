/* SPDX-License-Identifier: MIT */
/*
 * Inspection without a cursor: a software page walk, a visit of every node
 * and a dump in the manner of Linux's /sys/kernel/debug/page_tables. They
 * take no lock: run them when no cursor changes the table, or accept a
 * snapshot that may mix before and after.
 */
#ifndef PT_DEBUG_H
#define PT_DEBUG_H

#include <pt/cursor.h>

/* Translate @va like a hardware walker would. PT_ERR_INVAL (NULL or destroyed
 * @t, NULL @pa), PT_ERR_NONCANONICAL, PT_ERR_NOT_MAPPED. */
PT_MUST_CHECK enum pt_err pt_table_translate(struct pt_table *t, pt_vaddr_t va, pt_paddr_t *pa,
			       struct pt_item *leaf);

/* Called for each node: its frame, level and entries. */
typedef void (*pt_node_visit_fn)(void *ctx, pt_paddr_t pa, pt_level_t level,
				 const pt_pte_t *ptes, unsigned nr);
/* Visit the root and every node below it in the table's own half, in pre-order.
 * PT_ERR_INVAL: NULL or destroyed @t, NULL @fn. */
PT_MUST_CHECK enum pt_err pt_table_for_each_node(struct pt_table *t, pt_node_visit_fn fn, void *ctx);

/*
 * A run of the dump: contiguous slots of one level that are all empty (a
 * hole) or all leaves with equal property and trackedness.
 */
struct pt_dump_run {
	pt_vaddr_t start;
	uint64_t size;          /* start + size wraps to 0 for a run ending at the top */
	pt_level_t level;
	bool mapped;            /* false: a hole (prop and tracked are zero) */
	bool tracked;
	bool own;               /* in the table's own window, not the other half of its root */
	struct pt_prop prop;
};
/* Receives one run. */
typedef void (*pt_dump_run_fn)(void *ctx, const struct pt_dump_run *run);
/*
 * Every run of the table's own window in address order, holes included; with
 * @whole_root also the root's other slots (a user table's shared kernel half).
 * Nothing for a NULL or destroyed @t.
 */
void pt_table_dump_runs(struct pt_table *t, bool whole_root, pt_dump_run_fn fn, void *ctx);

#define PT_DUMP_LINE_MAX 160
/* Format @run as a pt_table_dump line into @buf (PT_DUMP_LINE_MAX bytes); a hole ends "hole". */
void pt_dump_run_line(const struct pt_dump_run *run, char *buf);

/* Receives one line of dump output, without a newline. */
typedef void (*pt_dump_line_fn)(void *ctx, const char *line);
/*
 * One line per mapped run of the table's own window (holes left out):
 * "0x<start>-0x<end>  <size>  L<level>  <rights> <flags> <cache>".
 * Prints nothing for a NULL or destroyed @t.
 */
void pt_table_dump(struct pt_table *t, pt_dump_line_fn out, void *ctx);

#endif
