/* SPDX-License-Identifier: MIT */
/* Must NOT compile under -Werror: each function drops an enum pt_err
 * (tests/check-must-check.py counts one diagnostic per "ignores" line). */
#include <pt/pt.h>
#include <pt/sim/ram.h>

void teardown(struct pt_table *t);
void teardown(struct pt_table *t)
{
	pt_table_destroy(t);                            /* ignores */
}

void cast(struct pt_cursor *c, pt_vaddr_t va);
void cast(struct pt_cursor *c, pt_vaddr_t va)
{
	(void)pt_cursor_jump(c, va);                    /* ignores (gcc: a cast does not discard) */
}

void sim(struct pt_sim_ram *ram, pt_paddr_t *pa);
void sim(struct pt_sim_ram *ram, pt_paddr_t *pa)
{
	pt_sim_ram_alloc(ram, PT_FRAME_DATA, pa);      /* ignores */
}
