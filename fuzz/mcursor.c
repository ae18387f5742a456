/* SPDX-License-Identifier: MIT */
#include "mcursor.h"

#include <string.h>

static const struct pt_format *fmt(const struct mcur *c)
{
	return c->t->f;
}

static bool m_alloc(struct malloc_ctx *a)
{
	a->count++;
	return a->fail_at == 0 || a->count != a->fail_at;
}

static unsigned m_index(const struct pt_format *f, pt_vaddr_t va, unsigned level)
{
	return pt_fmt_index(f, va, level);
}

static uint64_t remaining(const struct mcur *c)
{
	return c->size - (c->va - c->start);
}

/* Climb while at the start of a node, as the core's pt_cur_rise does. */
static void rise(struct mcur *c)
{
	while (c->level < c->guard && m_index(fmt(c), c->va, c->level) == 0)
		c->level++;
}

static void move_forward(struct mcur *c)
{
	uint64_t size = m_size(fmt(c), c->level);
	c->va = (c->va & ~(size - 1)) + size;
	rise(c);
}

static void reset(struct mcur *c, pt_vaddr_t va)
{
	c->va = va;
	c->level = c->guard;
}

static struct mslot *here(const struct mcur *c)
{
	return mt_find(c->t, c->level, c->va);
}

PT_MUST_CHECK static enum pt_err check_range(const struct mtree *t, pt_vaddr_t va, uint64_t len)
{
	if (len == 0 || len - 1 > UINT64_MAX - va)
		return PT_ERR_RANGE;
	pt_vaddr_t last = va + (len - 1);
	if (!pt_fmt_canonical(t->f, va) || !pt_fmt_canonical(t->f, last))
		return PT_ERR_NONCANONICAL;
	if (va - t->va_lo >= t->va_size || last - t->va_lo >= t->va_size)
		return PT_ERR_RANGE;
	if ((va | len) & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	return PT_OK;
}

/* The level of the node covering [va, last] in a full tree (the core's cur_target_level). */
static unsigned target_level(const struct pt_format *f, pt_vaddr_t va, pt_vaddr_t last)
{
	unsigned level = f->levels;
	while (level > 1 && m_index(f, va, level) == m_index(f, last, level) &&
	       last - va != m_size(f, level) - 1)
		level--;
	return level;
}

void mc_lower_guard(struct mcur *c)
{
	pt_vaddr_t last = c->start + (c->size - 1);
	unsigned target = target_level(fmt(c), c->start, last);
	for (unsigned l = c->guard; l > target; l--) {
		struct mslot *s = mt_find(c->t, l, c->start);
		if (!s || s->kind != PT_PTE_TABLE)
			return;
	}
	if (c->guard > target)
		c->guard = target;
	if (c->level > c->guard)
		c->level = c->guard;
}

enum pt_err mc_new(struct mcur *c, struct mtree *t, pt_vaddr_t va, uint64_t len,
		   struct malloc_ctx *a)
{
	enum pt_err err = check_range(t, va, len);
	if (err != PT_OK)
		return err;
	/* Down to the lowest existing node covering the range; nothing is allocated. */
	(void)a;
	pt_vaddr_t last = va + (len - 1);
	unsigned level = t->f->levels;
	while (level > 1 && m_index(t->f, va, level) == m_index(t->f, last, level) &&
	       last - va != m_size(t->f, level) - 1) {
		struct mslot *s = mt_find(t, level, va);
		if (!s || s->kind != PT_PTE_TABLE)
			break;
		level--;
	}
	c->t = t;
	c->start = c->va = va;
	c->size = len;
	c->level = c->guard = level;
	return PT_OK;
}

enum pt_err mc_query(struct mcur *c, struct mresult *r)
{
	if (remaining(c) == 0)
		return PT_ERR_VADDR;
	struct mslot *s;
	while ((s = here(c)) && s->kind == PT_PTE_TABLE)
		c->level--;
	memset(&r->q, 0, sizeof(r->q));
	r->q.len = m_size(fmt(c), c->level);
	r->q.va = c->va & ~(r->q.len - 1);
	r->q.mapped = s != NULL;
	if (s) {
		r->q.item.pa = s->pa;
		r->q.item.level = c->level;
		r->q.item.prop = s->prop;
		r->q.item.tracked = s->tracked;
	}
	return PT_OK;
}

enum pt_err mc_jump(struct mcur *c, pt_vaddr_t va)
{
	if (va & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	if (va - c->start >= c->size)
		return PT_ERR_VADDR;
	reset(c, va);
	return PT_OK;
}

PT_MUST_CHECK static enum pt_err check_len(const struct mcur *c, uint64_t len)
{
	if (len & (PT_PAGE_SIZE - 1))
		return PT_ERR_UNALIGNED;
	return len > remaining(c) ? PT_ERR_LENGTH : PT_OK;
}

/* A table slot at the cursor whose child node holds nothing. */
static bool child_empty(const struct mcur *c)
{
	return mt_node_count(c->t, c->level - 1u, c->va) == 0;
}

enum pt_err mc_find_next(struct mcur *c, uint64_t len, struct mresult *r)
{
	enum pt_err err = check_len(c, len);
	if (err != PT_OK)
		return err;
	uint64_t end = (c->va - c->start) + len;
	rise(c);
	r->found = false;
	while (c->va - c->start < end) {
		struct mslot *s = here(c);
		if (s && s->kind == PT_PTE_LEAF) {
			r->found = true;
			r->va = c->va;
			return PT_OK;
		}
		if (s && !child_empty(c))
			c->level--;
		else
			move_forward(c);
	}
	reset(c, c->start + end);
	return PT_OK;
}

enum pt_err mc_next_leaf(struct mcur *c, uint64_t len, struct mresult *r)
{
	enum pt_err err = check_len(c, len);
	if (err != PT_OK)
		return err;
	uint64_t end = (c->va - c->start) + len;
	pt_discard(mc_find_next(c, len, r));
	if (!r->found)
		return PT_OK;
	pt_discard(mc_query(c, r));
	uint64_t next = (c->va & ~(r->q.len - 1)) - c->start + r->q.len;
	if (next > end)
		reset(c, c->start + end);
	else
		move_forward(c);
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

PT_MUST_CHECK static enum pt_err check_pa(const struct pt_format *f, pt_paddr_t pa, uint64_t len)
{
	uint64_t limit = (uint64_t)1 << f->pa_bits;
	if (pa >= limit || len > limit - pa)
		return PT_ERR_PADDR;
	return PT_OK;
}

PT_MUST_CHECK static enum pt_err check_item(const struct mcur *c, const struct pt_item *item)
{
	const struct pt_format *f = fmt(c);
	if (remaining(c) == 0)
		return PT_ERR_VADDR;
	if (item->level < 1 || item->level > mc_top_leaf(c))
		return PT_ERR_LEVEL;
	if (item->tracked && item->level > 1)
		return PT_ERR_TRACKED_HUGE;
	enum pt_err err = check_prop(c->t, item->prop);
	if (err != PT_OK)
		return err;
	uint64_t size = m_size(f, item->level);
	if ((c->va | item->pa) & (size - 1))
		return PT_ERR_UNALIGNED;
	err = check_pa(f, item->pa, size);
	if (err != PT_OK)
		return err;
	return size > remaining(c) ? PT_ERR_LENGTH : PT_OK;
}

enum pt_err mc_map(struct mcur *c, const struct pt_item *item, struct malloc_ctx *a)
{
	enum pt_err err = check_item(c, item);
	if (err != PT_OK)
		return err;
	if (c->level < item->level)
		c->level = item->level;
	struct mslot *s;
	while ((s = here(c)) && c->level > item->level) {
		if (s->kind == PT_PTE_LEAF)
			return PT_ERR_MAPPED;
		c->level--;
	}
	if (s)
		return PT_ERR_MAPPED;
	/* The missing tables are all allocated before any is linked in. */
	for (unsigned l = c->level; l > item->level; l--)
		if (!m_alloc(a))
			return PT_ERR_NOMEM;
	bool built = c->level > item->level;
	for (; c->level > item->level; c->level--)
		mt_set(c->t, c->level, c->va, PT_PTE_TABLE, 0, pt_prop_make(0, PT_CACHE_WB), false);
	mt_set(c->t, c->level, c->va, PT_PTE_LEAF, item->pa, item->prop, item->tracked);
	move_forward(c);
	if (built)
		mc_lower_guard(c);
	return PT_OK;
}
