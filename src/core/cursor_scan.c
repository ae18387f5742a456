/* SPDX-License-Identifier: MIT */
/*
 * The scan shared by take_next and protect_next: move to the next leaf that
 * lies wholly inside the rest of the range, splitting any huge leaf that
 * sticks out of it, and (for unmapping) stop at a child table lying wholly
 * inside so it can be detached in one piece.
 */
#include "cursor_scan.h"

static bool can_detach(const struct pt_cursor *c)
{
	return !(c->table->kind == PT_TABLE_KERNEL && c->level == cur_fmt(c)->levels);
}

enum pt_err cur_scan(struct pt_cursor *c, uint64_t end, bool tables, enum scan_stop *stop)
{
	const struct pt_format *f = cur_fmt(c);

	while (c->va - c->start < end) {
		pt_pte_t pte = cur_pte(c);
		if (pte == 0) {
			cur_move_forward(c);
			continue;
		}
		uint64_t size = pt_fmt_page_size(f, c->level);
		bool covered = !(c->va & (size - 1)) && end - (c->va - c->start) >= size;
		if (f->decode(pte, c->level).kind == PT_PTE_TABLE) {
			if (tables && covered && can_detach(c)) {
				*stop = SCAN_TABLE;
				return PT_OK;
			}
			if (node_child(c->path[c->level], pte)->nr_children == 0)
				cur_move_forward(c);
			else
				cur_descend(c, pte);
			continue;
		}
		if (covered) {
			*stop = SCAN_LEAF;
			return PT_OK;
		}
		enum pt_err err = node_split(c->path[c->level], cur_index(c));
		if (err != PT_OK)
			return err;
		cur_descend(c, cur_pte(c));
	}
	*stop = SCAN_END;
	cur_reset(c, c->start + end);
	return PT_OK;
}
