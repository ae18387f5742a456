/* SPDX-License-Identifier: MIT */
/*
 * Mapping: one item at the cursor (map), or a physical range with the
 * largest pages alignment allows (map_range).
 *
 * map_range is prepare-then-commit: a read-only pass checks that every
 * target slot is free and counts the tables the range lacks, those tables
 * are allocated up front, and only then a second pass stores the entries,
 * descending once per leaf table and stepping the address into a template.
 * So out-of-memory or an overlap leaves the table exactly as it was.
 */
#include "compiler.h"
#include "cursor.h"
#include "leaf_tmpl.h"

PT_MUST_CHECK static enum pt_err check_prop(const struct pt_table *t, struct pt_prop prop)
{
	if (!pt_fmt_prop_ok(t->env->fmt, prop))
		return PT_ERR_INVAL;
	if ((prop.flags & PT_GLOBAL) && t->kind == PT_TABLE_USER)
		return PT_ERR_GLOBAL_USER;
	return PT_OK;
}

PT_MUST_CHECK static enum pt_err check_pa(const struct pt_format *f, pt_paddr_t pa, uint64_t len)
{
	if (f->pa_bits >= 64)
		return len - 1 > UINT64_MAX - pa ? PT_ERR_PADDR : PT_OK;
	uint64_t limit = (uint64_t)1 << f->pa_bits;
	if (pa >= limit || len > limit - pa)
		return PT_ERR_PADDR;
	return PT_OK;
}

/*
 * The highest leaf level of @c's table: a kernel table's root slots hold its
 * shared tables. A page that fits the cursor's range is never above the
 * guard's level (the guard covers a whole slot of that size), so the table's
 * shape never changes which levels are allowed.
 */
static pt_level_t top_leaf_level(const struct pt_cursor *c)
{
	const struct pt_format *f = cur_fmt(c);
	pt_level_t top = f->max_leaf_level;
	if (c->table->kind == PT_TABLE_KERNEL && top == f->levels)
		top--;
	return top;
}

PT_MUST_CHECK static enum pt_err check_item(const struct pt_cursor *c, const struct pt_item *item)
{
	const struct pt_format *f = cur_fmt(c);
	if (cur_remaining(c) == 0)
		return PT_ERR_VADDR;
	if (item->level < 1 || item->level > top_leaf_level(c))
		return PT_ERR_LEVEL;
	if (item->tracked && item->level > 1)
		return PT_ERR_TRACKED_HUGE;
	enum pt_err err = check_prop(c->table, item->prop);
	if (err != PT_OK)
		return err;
	uint64_t size = pt_fmt_page_size(f, item->level);
	if ((c->va | item->pa) & (size - 1))
		return PT_ERR_UNALIGNED;
	err = check_pa(f, item->pa, size);
	if (err != PT_OK)
		return err;
	return size > cur_remaining(c) ? PT_ERR_LENGTH : PT_OK;
}

static bool leaf_cache_hit(const struct pt_cursor *c, const struct pt_item *item)
{
	return c->leaf_cache.level == item->level && c->leaf_cache.tracked == item->tracked &&
	       pt_prop_eq(c->leaf_cache.prop, item->prop);
}

static inline void leaf_cache_set(struct pt_cursor *c, const struct pt_item *item, pt_pte_t pte)
{
	c->leaf_cache.pte = pte;
	c->leaf_cache.prop = item->prop;
	c->leaf_cache.level = (uint8_t)item->level;
	c->leaf_cache.tracked = item->tracked;
}

/* The leaf at pa 0 for @item (checked), encoded once per property rather than per page. */
static pt_pte_t leaf_template(struct pt_cursor *c, const struct pt_item *item)
{
	if (leaf_cache_hit(c, item))
		return c->leaf_cache.pte;
	pt_pte_t pte = item->level == 1 ? tmpl_get(c->table, cur_fmt(c), item)
					 : cur_fmt(c)->encode_leaf(0, item->prop, item->tracked, item->level);
	leaf_cache_set(c, item, pte);
	return pte;
}

/* A base page for the leaf table the cursor stands in, inside its range and the format's pa. */
static inline bool base_page_fits(const struct pt_cursor *c, const struct pt_item *item)
{
	const struct pt_format *f = cur_fmt(c);
	return !((c->va | item->pa) & (PT_PAGE_SIZE - 1)) && cur_remaining(c) >= PT_PAGE_SIZE &&
	       !(f->pa_bits < 64 && (item->pa >> f->pa_bits));
}

/*
 * Store the fitting base page @item with *@tmpl, its property's checked
 * template, if the slot is free. (Read through a pointer: after the slot.)
 */
static inline bool map_base(struct pt_cursor *c, const struct pt_item *item, const pt_pte_t *tmpl)
{
	const struct pt_format *f = cur_fmt(c);
	struct pt_node *n = c->path[1];
	unsigned last = pt_fmt_nr_entries(f) - 1;
	unsigned idx = (unsigned)(c->va >> PT_PAGE_SHIFT) & last;
	if (node_load(n, idx))
		return false;
	node_set_leaf(n, idx, *tmpl | pt_fmt_addr_bits(f, item->pa, 1), item->tracked);
	c->va += PT_PAGE_SIZE;
	if (idx == last)
		pt_cur_rise(c);
	return true;
}

/*
 * The common case of mapping page after page: a base page into the leaf
 * table the cursor stands in (both at level 1), with the property of the
 * previous call (so the property checks already passed). Anything else,
 * including every error, takes the general path.
 */
static inline bool map_fast(struct pt_cursor *c, const struct pt_item *item)
{
	return leaf_cache_hit(c, item) && base_page_fits(c, item) &&
	       map_base(c, item, &c->leaf_cache.pte);
}

/*
 * Build the missing tables from the cursor's (absent) slot down to @level,
 * all allocated before any is published, so PT_ERR_NOMEM changes nothing.
 * They are locked (ours until the cursor is dropped) and published with
 * one store into the current node.
 */
PT_MUST_CHECK static enum pt_err build_path(struct pt_cursor *c, pt_level_t level)
{
	const struct pt_format *f = cur_fmt(c);
	const struct pt_env *env = c->table->env;
	struct pt_node *fresh[PT_MAX_LEVELS];
	unsigned nr = c->level - level;

	for (unsigned i = 0; i < nr; i++) {
		enum pt_err err = pt_node_alloc(env, c->level - 1u - i, &fresh[i]);
		if (err == PT_OK)
			continue;
		while (i-- > 0)
			pt_node_free_unpublished(fresh[i]);
		return err;
	}
	for (unsigned i = nr; i-- > 0;) {
		struct pt_node *n = fresh[i];
		node_lock(n);
		if (i + 1 < nr)
			node_set_child_fresh(n, pt_fmt_index(f, c->va, n->level),
					     f->encode_table(fresh[i + 1]->pa, n->level));
	}
	struct pt_node *top = c->path[c->level];
	node_set_child(top, cur_index(c), f->encode_table(fresh[0]->pa, top->level));
	for (unsigned i = 0; i < nr; i++)
		c->path[--c->level] = fresh[i];
	return PT_OK;
}

/* Everything map_fast does not handle: checks, descent, allocation. */
PT_MUST_CHECK static enum pt_err map_general(struct pt_cursor *c, const struct pt_item *item);

/*
 * map_fast missed on a base page at level 1: a fresh cursor's first tries
 * the table's shared template, which stands for the property checks. Out
 * of line (and tail-called), so pt_cursor_map stays a leaf function.
 */
static PT_NOINLINE enum pt_err map_slow(struct pt_cursor *c, const struct pt_item *item)
{
	pt_pte_t tmpl = tmpl_lookup(c->table, cur_fmt(c), item);
	if (tmpl && base_page_fits(c, item) && map_base(c, item, &tmpl))
		return PT_OK;
	return map_general(c, item);
}

static PT_NOINLINE enum pt_err map_general(struct pt_cursor *c, const struct pt_item *item)
{
	enum pt_err err = check_item(c, item);
	if (err != PT_OK)
		return err;

	if (c->level < item->level)
		c->level = (uint8_t)item->level;
	pt_pte_t pte;
	while ((pte = cur_pte(c)) && c->level > item->level) {
		if (!node_is_table(c->path[c->level], pte))
			return PT_ERR_MAPPED;
		pt_cur_descend(c, pte);
	}
	if (pte)
		return PT_ERR_MAPPED;
	bool built = c->level > item->level;
	if (built) {
		err = build_path(c, item->level);
		if (err != PT_OK)
			return err;
	}
	struct pt_node *n = c->path[c->level];
	node_set_leaf(n, cur_index(c),
		      leaf_template(c, item) | pt_fmt_addr_bits(cur_fmt(c), item->pa, item->level),
		      item->tracked);
	pt_cur_move_forward(c);
	if (built)
		pt_cur_lower_guard(c);
	return PT_OK;
}

enum pt_err pt_cursor_map(struct pt_cursor_mut *m, const struct pt_item *item)
{
	if (!m || !m->c.table || !item)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	if (pt_unlikely(c->level != 1 || item->level != 1))
		return map_general(c, item);
	if (pt_likely(map_fast(c, item)))
		return PT_OK;
	return map_slow(c, item);
}

enum map_pass { PASS_CHECK, PASS_STORE };

struct map_job {
	const struct pt_format *f;
	const struct pt_env *env;
	struct pt_table *table;
	enum map_pass pass;
	pt_vaddr_t va;
	pt_paddr_t pa;
	uint64_t len;
	pt_level_t max_level;
	struct pt_prop prop;
	uint64_t tables_needed;     /* PASS_CHECK */
	struct pt_node *reserve;    /* PASS_STORE: preallocated tables */
};

static bool leafable(const struct map_job *j, uint64_t off, pt_level_t level)
{
	uint64_t size = pt_fmt_page_size(j->f, level);
	return level <= j->max_level && !((j->va + off) & (size - 1)) &&
	       !((j->pa + off) & (size - 1)) && j->len - off >= size;
}

static struct pt_node *take_reserved(struct map_job *j, pt_level_t level)
{
	struct pt_node *n = j->reserve;
	j->reserve = n->defer.priv[0];
	n->level = (uint8_t)level;       /* pt_node_alloc initialised the rest */
	return n;
}

/* Check or store a run of @nr leaves at slot @idx of @n (NULL: a table yet to exist). */
PT_MUST_CHECK static enum pt_err leaf_run(struct map_job *j, struct pt_node *n, bool fresh, pt_level_t level,
			    unsigned idx, unsigned nr, uint64_t off)
{
	if (!n)
		return PT_OK;
	if (j->pass == PASS_CHECK) {
		if (nr == pt_fmt_nr_entries(j->f) && n->nr_children == 0)
			return PT_OK;
		for (unsigned i = 0; i < nr; i++)
			if (node_load(n, idx + i))
				return PT_ERR_MAPPED;
		return PT_OK;
	}
	struct pt_item item = { 0, level, j->prop, false };
	pt_pte_t pte = (level == 1 ? tmpl_get(j->table, j->f, &item)
				   : j->f->encode_leaf(0, j->prop, false, level)) |
		       pt_fmt_addr_bits(j->f, j->pa + off, level);
	pt_pte_t step = pt_fmt_addr_bits(j->f, pt_fmt_page_size(j->f, level), level);
	/* A table this map_range built is published only after it is filled (the
	 * Release store of its parent entry orders these first): plain stores do. */
	node_set_leaves(n, fresh, idx, nr, pte, step);
	return PT_OK;
}

PT_MUST_CHECK static enum pt_err map_walk(struct map_job *j, struct pt_node *n, bool fresh,
			    pt_level_t level, uint64_t *off);

/* The slot @idx of @n must be descended into: check, count or build the child. */
PT_MUST_CHECK static enum pt_err map_below(struct map_job *j, struct pt_node *n, bool fresh, pt_level_t level,
			     unsigned idx, uint64_t *off)
{
	pt_pte_t pte = n ? node_load(n, idx) : 0;

	if (pte) {
		if (!pt_fmt_is_table(j->f, pte, level))
			return PT_ERR_MAPPED;
		return map_walk(j, node_child(n, pte), false, level - 1u, off);
	}
	if (j->pass == PASS_CHECK) {
		j->tables_needed++;
		return map_walk(j, NULL, false, level - 1u, off);
	}
	struct pt_node *child = take_reserved(j, level - 1u);
	node_lock(child);
	pt_discard(map_walk(j, child, true, level - 1u, off));  /* tables reserved */
	pte = j->f->encode_table(child->pa, level);
	if (fresh)
		node_set_child_fresh(n, idx, pte);
	else
		node_set_child(n, idx, pte);
	return PT_OK;
}

/* Map from *off to the end of the range or of node @n, whichever is first. */
PT_MUST_CHECK static enum pt_err map_walk(struct map_job *j, struct pt_node *n, bool fresh,
			    pt_level_t level, uint64_t *off)
{
	uint64_t size = pt_fmt_page_size(j->f, level);
	unsigned nr_entries = pt_fmt_nr_entries(j->f);

	while (*off < j->len) {
		unsigned idx = pt_fmt_index(j->f, j->va + *off, level);
		enum pt_err err;
		if (leafable(j, *off, level)) {
			uint64_t fit = (j->len - *off) / size;
			unsigned nr = fit < nr_entries - idx ? (unsigned)fit : nr_entries - idx;
			err = leaf_run(j, n, fresh, level, idx, nr, *off);
			*off += (uint64_t)nr * size;
		} else {
			err = map_below(j, n, fresh, level, idx, off);
		}
		if (err != PT_OK)
			return err;
		if (*off < j->len && pt_fmt_index(j->f, j->va + *off, level) == 0)
			break;
	}
	return PT_OK;
}

static void free_reserve(struct map_job *j)
{
	while (j->reserve) {
		struct pt_node *n = j->reserve;
		j->reserve = n->defer.priv[0];
		pt_node_free_unpublished(n);
	}
}

PT_MUST_CHECK static enum pt_err fill_reserve(struct map_job *j)
{
	for (uint64_t i = 0; i < j->tables_needed; i++) {
		struct pt_node *n;
		enum pt_err err = pt_node_alloc(j->env, 1, &n);
		if (err != PT_OK) {
			free_reserve(j);
			return err;
		}
		n->defer.priv[0] = j->reserve;
		j->reserve = n;
	}
	return PT_OK;
}

/*
 * How many tables are missing between the guard and the node covering the
 * cursor's range (a fresh region): every map through this cursor needs them.
 */
static unsigned spine_depth(const struct pt_cursor *c)
{
	const struct pt_format *f = cur_fmt(c);
	unsigned target = c->full_level;
	if (c->guard_level <= target ||
	    node_load(c->path[c->guard_level], pt_fmt_index(f, c->start, c->guard_level)))
		return 0;
	return c->guard_level - target;
}

/*
 * Build the spine of @depth reserved tables below the guard, fill the lowest
 * one (the range's covering node) with the store pass, publish the spine
 * with one store and keep only its lowest node locked (pt_cur_lower_guard).
 */
static void map_spine(struct map_job *j, struct pt_cursor *c, unsigned depth)
{
	const struct pt_format *f = j->f;
	struct pt_node *guard = c->path[c->guard_level], *spine[PT_MAX_LEVELS];
	for (unsigned i = 0; i < depth; i++) {
		spine[i] = take_reserved(j, c->guard_level - 1u - i);
		node_lock(spine[i]);
		if (i)
			node_set_child_fresh(spine[i - 1],
					     pt_fmt_index(f, c->start, spine[i - 1]->level),
					     f->encode_table(spine[i]->pa, spine[i - 1]->level));
	}
	struct pt_node *bottom = spine[depth - 1];
	uint64_t off = 0;
	pt_discard(map_walk(j, bottom, true, bottom->level, &off));  /* tables reserved */
	node_set_child(guard, pt_fmt_index(f, c->start, guard->level),
		       f->encode_table(spine[0]->pa, guard->level));
	node_unlock(guard);
	for (unsigned i = 0; i + 1 < depth; i++)
		node_unlock(spine[i]);
	c->guard_level = bottom->level;
	c->path[bottom->level] = bottom;
}

enum pt_err pt_cursor_map_range(struct pt_cursor_mut *m, pt_paddr_t pa, uint64_t len,
				struct pt_prop prop)
{
	if (!m || !m->c.table)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	const struct pt_format *f = cur_fmt(c);
	enum pt_err err = pt_cur_check_len(c, len);
	if (err == PT_OK && (len == 0 || (pa & (PT_PAGE_SIZE - 1))))
		err = len == 0 ? PT_ERR_RANGE : PT_ERR_UNALIGNED;
	if (err == PT_OK)
		err = check_prop(c->table, prop);
	if (err == PT_OK)
		err = check_pa(f, pa, len);
	if (err != PT_OK)
		return err;

	struct map_job j = {
		.f = f, .env = c->table->env, .table = c->table, .pass = PASS_CHECK,
		.va = c->va, .pa = pa, .len = len, .prop = prop,
		.max_level = top_leaf_level(c),
	};
	struct pt_node *guard = c->path[c->guard_level];
	unsigned spine = spine_depth(c);
	pt_level_t walk_level = spine ? c->guard_level - spine : guard->level;
	uint64_t off = 0;
	err = map_walk(&j, spine ? NULL : guard, false, walk_level, &off);
	j.tables_needed += spine;
	if (err == PT_OK)
		err = fill_reserve(&j);
	if (err != PT_OK)
		return err;
	j.pass = PASS_STORE;
	off = 0;
	if (spine)
		map_spine(&j, c, spine);
	else
		pt_discard(map_walk(&j, guard, false, guard->level, &off));  /* tables reserved */
	pt_cur_reset(c, c->va + len);
	if (j.tables_needed && !spine)
		pt_cur_lower_guard(c);
	return PT_OK;
}
