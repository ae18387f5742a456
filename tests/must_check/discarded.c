/* SPDX-License-Identifier: MIT */
/* Must compile under -Werror: the results of ignored.c, checked or dropped
 * on purpose with pt_discard(). */
#include <pt/pt.h>
#include <pt/sim/ram.h>

void teardown(struct pt_table *t);
void teardown(struct pt_table *t)
{
	pt_discard(pt_table_destroy(t));
}

void cast(struct pt_cursor *c, pt_vaddr_t va);
void cast(struct pt_cursor *c, pt_vaddr_t va)
{
	pt_discard(pt_cursor_jump(c, va));
}

int sim(struct pt_sim_ram *ram, pt_paddr_t *pa);
int sim(struct pt_sim_ram *ram, pt_paddr_t *pa)
{
	return pt_sim_ram_alloc(ram, PT_FRAME_DATA, pa) == PT_OK;
}
