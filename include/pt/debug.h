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
enum pt_err pt_table_translate(struct pt_table *t, pt_vaddr_t va, pt_paddr_t *pa,
			       struct pt_item *leaf);

/* Called for each node: its frame, level and entries. */
typedef void (*pt_node_visit_fn)(void *ctx, pt_paddr_t pa, pt_level_t level,
				 const pt_pte_t *ptes, unsigned nr);
/* Visit the root and every node below it in the table's own half, in pre-order.
 * PT_ERR_INVAL: NULL or destroyed @t, NULL @fn. */
enum pt_err pt_table_for_each_node(struct pt_table *t, pt_node_visit_fn fn, void *ctx);

/* Receives one line of dump output, without a newline. */
typedef void (*pt_dump_line_fn)(void *ctx, const char *line);
/*
 * One line per run of contiguous leaves of equal level and property:
 * "0x<start>-0x<end>  <size>  L<level>  <rights> <flags> <cache>".
 * Prints nothing for a NULL or destroyed @t.
 */
void pt_table_dump(struct pt_table *t, pt_dump_line_fn out, void *ctx);

#endif
