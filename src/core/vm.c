/* SPDX-License-Identifier: MIT */
/*
 * Unmap and protect with their flushes. A huge leaf sticking out of the range
 * is split by take_next / protect_next; the leaf they return is then smaller
 * than the slot the cursor queried before, and flushing any page of it drops
 * every entry derived from the old huge translation (INVLPG and INVPCID both
 * act on entries covering the address, whatever their size).
 */
#include "cursor_scan.h"
#include "flush_site.h"
#include "vm_bulk.h"

#include <pt/vm.h>


static uint64_t offset_of(const struct pt_cursor *c)
{
	return c->va - c->start;
}

enum pt_err pt_cursor_unmap(struct pt_cursor_mut *m, struct pt_flusher *f, uint64_t len,
			    uint64_t *nr_frames)
{
	if (!m || !cur_live(&m->c) || !f)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	uint64_t end = offset_of(c) + len, nr = 0;
	enum pt_err err = PT_OK;

	if (len > c->size - offset_of(c))
		return PT_ERR_LENGTH;
	if (len & (PT_PAGE_SIZE - 1))
		err = PT_ERR_UNALIGNED;
	else
		err = pt_vm_unmap_range(c, f, end, &nr);
	pt_flusher_dispatch(f);
	if (nr_frames)
		*nr_frames = nr;
	return err;
}

static void free_spares(struct pt_cursor *c)
{
	while (c->spares) {
		struct pt_node *n = c->spares;
		c->spares = n->defer.priv[0];
		pt_node_free_unpublished(n);
	}
}

/* Whether the slot of @level holding @va lies inside the @len bytes from @lo. */
static bool slot_inside(const struct pt_format *f, pt_vaddr_t va, pt_level_t level, pt_vaddr_t lo,
			uint64_t len)
{
	uint64_t size = pt_fmt_page_size(f, level);
	pt_vaddr_t base = va & ~(size - 1);
	return base - lo < len && size <= len - (base - lo);
}

/*
 * Reserve the tables a split at @va takes: one at each level below the huge
 * leaf holding it whose parent slot sticks out of the range. With @shared,
 * the head's split (at @head) already made those on its path.
 */
PT_MUST_CHECK static enum pt_err reserve_end(struct pt_cursor *c, pt_vaddr_t va, pt_vaddr_t lo, uint64_t len,
			       bool shared, pt_vaddr_t head)
{
	const struct pt_format *f = cur_fmt(c);
	struct pt_query q;
	if (pt_cursor_jump(c, va) != PT_OK || pt_cursor_query(c, &q) != PT_OK || !q.mapped)
		return PT_OK;
	for (pt_level_t l = q.item.level; l > 1 && !slot_inside(f, va, l, lo, len); l--) {
		uint64_t size = pt_fmt_page_size(f, l);
		if (shared && ((va ^ head) & ~(size - 1)) == 0)
			continue;
		struct pt_node *n;
		enum pt_err err = pt_node_alloc(c->table->env, l - 1u, &n);
		if (err != PT_OK)
			return err;
		n->defer.priv[0] = c->spares;
		c->spares = n;
	}
	return PT_OK;
}

/*
 * Only the leaves holding the range's two ends can need a split (at most
 * 2 * (highest leaf level - 1) tables, exactly those the splits will take):
 * allocate them before changing anything, so protect is all or nothing. It
 * keeps no frames: no keeper page.
 */
PT_MUST_CHECK static enum pt_err reserve_splits(struct pt_cursor *c, uint64_t len)
{
	pt_vaddr_t va = c->va, last = va + (len - PT_PAGE_SIZE);
	struct pt_query q;
	bool shared = false;
	enum pt_err err = reserve_end(c, va, va, len, false, va);
	if (err == PT_OK && pt_cursor_query(c, &q) == PT_OK && q.mapped)
		shared = last - q.va < q.len;
	if (err == PT_OK)
		err = reserve_end(c, last, va, len, shared, va);
	pt_discard(pt_cursor_jump(c, va));  /* back to the start of the range */
	if (err != PT_OK)
		free_spares(c);
	return err;
}

PT_MUST_CHECK static enum pt_err protect_sited(struct pt_cursor_mut *m, struct pt_flusher *f, uint64_t len,
				 struct pt_protect op, enum pt_flush_site site)
{
	struct pt_cursor *c = &m->c;
	uint64_t end = offset_of(c) + len;
	enum pt_err err = pt_cur_check_protect(c->table, op);

	if (err == PT_OK)
		err = pt_cur_check_len(c, len);
	if (err == PT_OK && len)
		err = reserve_splits(c, len);
	if (err != PT_OK)
		return err;
	err = pt_vm_protect_range(c, f, end, op, site);
	free_spares(c);
	pt_flusher_dispatch(f);
	return err;
}

enum pt_err pt_cursor_protect(struct pt_cursor_mut *m, struct pt_flusher *f, uint64_t len,
			      struct pt_protect op)
{
	if (!m || !cur_live(&m->c) || !f)
		return PT_ERR_INVAL;
	enum pt_flush_site site = m->c.table->kind == PT_TABLE_KERNEL ? PT_SITE_KERNEL_PROTECT
								       : PT_SITE_PROTECT;
	return protect_sited(m, f, len, op, site);
}
