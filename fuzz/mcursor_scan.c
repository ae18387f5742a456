/* SPDX-License-Identifier: MIT */
/* The model's map_range, take_next and protect_next. */
#include "mcursor.h"

#include <string.h>

static uint64_t remaining(const struct mcur *c)
{
	return c->size - (c->va - c->start);
}

static bool m_alloc(struct malloc_ctx *a)
{
	a->count++;
	return a->fail_at == 0 || a->count != a->fail_at;
}

/* Climb while at the start of a node: scans begin at the largest slot there. */
static void rise(struct mcur *c)
{
	while (c->level < c->guard && pt_fmt_index(c->t->f, c->va, c->level) == 0)
		c->level++;
}

static void move_forward(struct mcur *c)
{
	uint64_t size = m_size(c->t->f, c->level);
	c->va = (c->va & ~(size - 1)) + size;
	rise(c);
}

PT_MUST_CHECK static enum pt_err check_len(const struct mcur *c, uint64_t len)
{
	if (len & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	return len > remaining(c) ? PT_ERR_LENGTH : PT_OK;
}

struct mjob {
	struct mtree *t;
	bool store;
	pt_vaddr_t va;
	pt_paddr_t pa;
	uint64_t len;
	unsigned max_level;
	struct pt_prop prop;
	uint64_t need;
};

static bool leafable(const struct mjob *j, uint64_t off, unsigned level)
{
	uint64_t size = m_size(j->t->f, level);
	return level <= j->max_level && !((j->va + off) & (size - 1)) &&
	       !((j->pa + off) & (size - 1)) && j->len - off >= size;
}

PT_MUST_CHECK static enum pt_err run_leaves(struct mjob *j, bool exists, unsigned level, uint64_t off,
			      uint64_t nr)
{
	uint64_t size = m_size(j->t->f, level);
	for (uint64_t i = 0; exists && i < nr; i++) {
		pt_vaddr_t va = j->va + off + i * size;
		if (!j->store && mt_find(j->t, level, va))
			return PT_ERR_MAPPED;
		if (j->store)
			mt_append(j->t, level, va, PT_PTE_LEAF, j->pa + off + i * size, j->prop, false);
	}
	return PT_OK;
}

PT_MUST_CHECK static enum pt_err mr_walk(struct mjob *j, bool exists, unsigned level, uint64_t *off)
{
	const struct pt_format *f = j->t->f;
	uint64_t size = m_size(f, level);
	unsigned nr_entries = pt_fmt_nr_entries(f);
	while (*off < j->len) {
		unsigned idx = pt_fmt_index(f, j->va + *off, level);
		enum pt_err err;
		if (leafable(j, *off, level)) {
			uint64_t fit = (j->len - *off) / size;
			uint64_t nr = fit < nr_entries - idx ? fit : nr_entries - idx;
			err = run_leaves(j, exists, level, *off, nr);
			*off += nr * size;
		} else {
			struct mslot *s = exists ? mt_find(j->t, level, j->va + *off) : NULL;
			bool child = true;
			if (s && s->kind == PT_PTE_LEAF)
				return PT_ERR_MAPPED;
			if (!s && !j->store) {
				j->need++;
				child = false;
			} else if (!s) {
				mt_append(j->t, level, j->va + *off, PT_PTE_TABLE, 0, j->prop, false);
			}
			err = mr_walk(j, child, level - 1u, off);
		}
		if (err != PT_OK)
			return err;
		if (*off < j->len && pt_fmt_index(f, j->va + *off, level) == 0)
			break;
	}
	return PT_OK;
}

PT_MUST_CHECK static enum pt_err check_prop(const struct mtree *t, struct pt_prop prop)
{
	if ((prop.flags & ~t->f->prop_flags) || prop.cache >= PT_CACHE__COUNT ||
	    !((t->f->prop_caches >> prop.cache) & 1))
		return PT_ERR_INVAL;
	if ((prop.flags & PT_GLOBAL) && t->kind == PT_TABLE_USER)
		return PT_ERR_GLOBAL_USER;
	return PT_OK;
}

PT_MUST_CHECK static enum pt_err check_map_range(const struct mcur *c, pt_paddr_t pa, uint64_t len,
				   struct pt_prop prop)
{
	enum pt_err err = check_len(c, len);
	if (err == PT_OK && (len == 0 || (pa & (PT_PAGE_SIZE - 1))))
		err = len == 0 ? PT_ERR_RANGE : PT_ERR_UNALIGNED;
	if (err == PT_OK)
		err = check_prop(c->t, prop);
	uint64_t limit = (uint64_t)1 << c->t->f->pa_bits;
	if (err == PT_OK && (pa >= limit || len > limit - pa))
		err = PT_ERR_PADDR;
	return err;
}

enum pt_err mc_map_range(struct mcur *c, pt_paddr_t pa, uint64_t len, struct pt_prop prop,
			 struct malloc_ctx *a)
{
	enum pt_err err = check_map_range(c, pa, len, prop);
	if (err != PT_OK)
		return err;
	struct mjob j = { c->t, false, c->va, pa, len, mc_top_leaf(c), prop, 0 };
	uint64_t off = 0;
	err = mr_walk(&j, true, c->guard, &off);
	if (err != PT_OK)
		return err;
	for (uint64_t i = 0; i < j.need; i++)
		if (!m_alloc(a))
			return PT_ERR_NOMEM;
	j.store = true;
	off = 0;
	pt_discard(mr_walk(&j, true, c->guard, &off));  /* checked by the first walk */
	mt_flush(c->t);
	c->va += len;
	c->level = c->guard;
	if (j.need)
		mc_lower_guard(c);
	return PT_OK;
}

enum mstop { M_END, M_LEAF, M_TABLE };

static bool can_detach(const struct mcur *c)
{
	return !(c->t->kind == PT_TABLE_KERNEL && c->level == c->t->f->levels);
}

/* A failed scan changes nothing: undo the splits it made (newest first). */
static void undo_splits(struct mcur *c, const struct mslot *undo, unsigned nr)
{
	while (nr--) {
		mt_remove(c->t, undo[nr].level, undo[nr].va);
		mt_set(c->t, undo[nr].level, undo[nr].va, PT_PTE_LEAF, undo[nr].pa, undo[nr].prop,
		       undo[nr].tracked);
	}
}

PT_MUST_CHECK static enum pt_err scan(struct mcur *c, uint64_t end, bool tables, enum mstop *stop,
			struct malloc_ctx *a)
{
	struct mslot undo[PT_MAX_LEVELS];
	unsigned nr_undo = 0;
	rise(c);
	while (c->va - c->start < end) {
		struct mslot *s = mt_find(c->t, c->level, c->va);
		if (!s) {
			move_forward(c);
			continue;
		}
		uint64_t size = m_size(c->t->f, c->level);
		bool covered = !(c->va & (size - 1)) && end - (c->va - c->start) >= size;
		if (s->kind == PT_PTE_TABLE) {
			if (tables && covered && can_detach(c)) {
				*stop = M_TABLE;
				return PT_OK;
			}
			if (mt_node_count(c->t, c->level - 1u, c->va) == 0)
				move_forward(c);
			else
				c->level--;
			continue;
		}
		if (covered) {
			*stop = M_LEAF;
			return PT_OK;
		}
		if (!m_alloc(a)) {
			undo_splits(c, undo, nr_undo);
			return PT_ERR_NOMEM;
		}
		if (nr_undo < PT_MAX_LEVELS)
			undo[nr_undo++] = *s;
		mt_split(c->t, c->level, c->va);
		c->level--;
	}
	*stop = M_END;
	c->va = c->start + end;
	c->level = c->guard;
	return PT_OK;
}

enum pt_err mc_take_next(struct mcur *c, uint64_t len, struct mresult *r, struct malloc_ctx *a)
{
	enum mstop stop;
	enum pt_err err = check_len(c, len);
	if (err == PT_OK)
		err = scan(c, (c->va - c->start) + len, true, &stop, a);
	if (err != PT_OK)
		return err;
	memset(&r->frag, 0, sizeof(r->frag));
	r->frag.kind = PT_FRAG_NONE;
	if (stop == M_END)
		return PT_OK;
	struct mslot s = *mt_find(c->t, c->level, c->va);
	r->frag.va = c->va;
	r->frag.len = m_size(c->t->f, c->level);
	if (stop == M_LEAF) {
		r->frag.kind = PT_FRAG_MAPPED;
		r->frag.item.pa = s.pa;
		r->frag.item.level = c->level;
		r->frag.item.prop = s.prop;
		r->frag.item.tracked = s.tracked;
		mt_remove(c->t, c->level, c->va);
	} else {
		r->frag.kind = PT_FRAG_TABLE;
		r->frag.nr_frames = mt_remove(c->t, c->level, c->va);
	}
	move_forward(c);
	return PT_OK;
}

enum pt_err mc_protect_next(struct mcur *c, uint64_t len, struct pt_protect op,
			    struct mresult *r, struct malloc_ctx *a)
{
	enum mstop stop;
	enum pt_err err = PT_OK;
	const struct pt_format *f = c->t->f;
	/* The operation is checked before the length (pt/cursor.h). */
	if ((op.clear & ~PT_FLAGS_ALL) || (op.set & ~f->prop_flags) || op.cache < -1 ||
	    op.cache >= PT_CACHE__COUNT || (op.cache >= 0 && !((f->prop_caches >> op.cache) & 1)))
		err = PT_ERR_INVAL;
	if (err == PT_OK && (op.set & PT_GLOBAL) && c->t->kind == PT_TABLE_USER)
		err = PT_ERR_GLOBAL_USER;
	if (err == PT_OK)
		err = check_len(c, len);
	if (err == PT_OK)
		err = scan(c, (c->va - c->start) + len, false, &stop, a);
	if (err != PT_OK)
		return err;
	r->found = stop == M_LEAF;
	if (!r->found)
		return PT_OK;
	struct mslot *s = mt_find(c->t, c->level, c->va);
	s->prop = pt_protect_apply(op, s->prop);
	r->va = c->va;
	r->len = m_size(c->t->f, c->level);
	move_forward(c);
	return PT_OK;
}
