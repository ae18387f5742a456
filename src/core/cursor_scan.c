/* SPDX-License-Identifier: MIT */
/*
 * The one scan behind find_next, next_leaf, take_next, protect_next and the
 * bulk loops: move to the next leaf (for changes: one lying wholly inside
 * the rest of the range, splitting any huge leaf that sticks out of it),
 * and for unmapping stop at a child table lying wholly inside so it can be
 * detached in one piece. Runs of absent entries are skipped as raw words.
 */
#include "cursor_scan.h"

#include "bbm.h"

static bool can_detach(const struct pt_cursor *c)
{
	return !(c->table->kind == PT_TABLE_KERNEL && c->level == cur_fmt(c)->levels);
}

/*
 * How many levels the huge leaf at the cursor must be split through before
 * the slot at the cursor's address lies wholly inside [va, start + end).
 */
static unsigned split_depth(const struct pt_cursor *c, uint64_t end)
{
	const struct pt_format *f = cur_fmt(c);
	unsigned depth = 1;
	for (pt_level_t l = c->level - 1u; l > 1; l--) {
		uint64_t size = pt_fmt_page_size(f, l);
		if (!(c->va & (size - 1)) && end - (c->va - c->start) >= size)
			break;
		depth++;
	}
	return depth;
}

/* A table for a split at @level: one the caller reserved, else a new one. */
PT_MUST_CHECK static enum pt_err split_table(struct pt_cursor *c, pt_level_t level, struct pt_node **out)
{
	for (struct pt_node **p = &c->spares; *p; p = (struct pt_node **)&(*p)->defer.priv[0]) {
		if ((*p)->level != level)
			continue;
		*out = *p;
		*p = (*p)->defer.priv[0];
		return PT_OK;
	}
	return pt_node_alloc(c->table->env, level, out);
}

/*
 * Split the huge leaf at the cursor as deep as needed and descend. Every
 * table is allocated before the first split, so out-of-memory half-way
 * (a 1 GiB leaf split to 2 MiB, the 4 KiB table failing) cannot leave the
 * table changed. The table entry replaces a live leaf: break-before-make
 * where the format requires it.
 */
PT_MUST_CHECK static enum pt_err split_down(struct pt_cursor *c, uint64_t end)
{
	struct pt_node *spare[PT_MAX_LEVELS];
	unsigned depth = split_depth(c, end);
	for (unsigned i = 0; i < depth; i++) {
		enum pt_err err = split_table(c, c->level - 1u - i, &spare[i]);
		if (err == PT_OK)
			continue;
		while (i-- > 0)
			pt_node_free_unpublished(spare[i]);
		return err;
	}
	for (unsigned i = 0; i < depth; i++) {
		pt_pte_t table = pt_node_split(c->path[c->level], cur_index(c), spare[i]);
		cur_replace(c, table, cur_fmt(c)->bbm, PT_BBM_SPLIT);
		pt_cur_descend(c, table);
	}
	return PT_OK;
}

/*
 * Skip the absent entries from the cursor's slot on in its node, up to the
 * node's end or @end, comparing raw words with the absent pattern.
 */
static void skip_absent(struct pt_cursor *c, uint64_t end)
{
	const struct pt_format *f = cur_fmt(c);
	const struct pt_node *n = c->path[c->level];
	uint64_t size = pt_fmt_page_size(f, c->level);
	unsigned i = cur_index(c) + 1, nr = pt_fmt_nr_entries(f);
	pt_vaddr_t next = (c->va & ~(size - 1)) + size;

	while (i < nr && next - c->start < end && node_load(n, i) == 0) {
		i++;
		next += size;
	}
	if (i < nr && next - c->start < end) {
		c->va = next;
		return;
	}
	c->va = next - size;
	cur_step_within(c, end);
}

enum pt_err pt_cur_scan(struct pt_cursor *c, uint64_t end, enum scan_mode mode, struct scan_res *r)
{
	const struct pt_format *f = cur_fmt(c);

	r->split = false;
	pt_cur_rise(c);
	while (c->va - c->start < end) {
		pt_pte_t pte = cur_pte(c);
		if (pte == 0) {
			skip_absent(c, end);
			continue;
		}
		uint64_t size = pt_fmt_page_size(f, c->level);
		bool covered = !(c->va & (size - 1)) && end - (c->va - c->start) >= size;
		if (pt_fmt_is_table(f, pte, c->level)) {
			if (mode == SCAN_TAKE && covered && can_detach(c)) {
				r->stop = SCAN_TABLE;
				return PT_OK;
			}
			if (node_child(c->path[c->level], pte)->nr_children == 0)
				cur_step_within(c, end);
			else
				pt_cur_descend(c, pte);
			continue;
		}
		if (covered || mode == SCAN_FIND) {
			r->stop = SCAN_LEAF;
			return PT_OK;
		}
		enum pt_err err = split_down(c, end);
		if (err != PT_OK)
			return err;
		r->split = true;
	}
	r->stop = SCAN_END;
	pt_cur_reset(c, c->start + end);
	return PT_OK;
}

