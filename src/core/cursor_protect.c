/* SPDX-License-Identifier: MIT */
/* Changing properties: protect_next rewrites one leaf at a time. */
#include "cursor_scan.h"
#include "bbm.h"

enum pt_err cur_check_protect(const struct pt_table *t, struct pt_protect op)
{
	const struct pt_format *f = t->env->fmt;
	/* -1 keeps the cache policy; any other negative value is malformed. */
	if ((op.clear & ~PT_FLAGS_ALL) || (op.set & ~f->prop_flags) || op.cache < -1)
		return PT_ERR_INVAL;
	if (op.cache >= 0 && !pt_fmt_prop_ok(f, pt_prop_make(0, (enum pt_cache)op.cache)))
		return PT_ERR_INVAL;
	if ((op.set & PT_GLOBAL) && t->kind == PT_TABLE_USER)
		return PT_ERR_GLOBAL_USER;
	return PT_OK;
}

/* The rewrite on a break-before-make format: broken first if the change needs it. */
static PT_NOINLINE void rewrite_bbm(struct pt_cursor *c, struct pt_pte_info info,
				    struct pt_prop prop)
{
	const struct pt_format *f = cur_fmt(c);
	pt_pte_t pte = f->encode_leaf(info.pa, prop, info.tracked, c->level);
	if (bbm_prop_change(f, info.prop, prop))
		bbm_break(c, PT_BBM_PROTECT);
	node_rewrite(c->path[c->level], cur_index(c), pte);
}

enum pt_err pt_cursor_protect_next(struct pt_cursor_mut *m, uint64_t len, struct pt_protect op,
				   pt_vaddr_t *va_out, uint64_t *len_out, bool *found)
{
	if (!m || !m->c.table || !va_out || !len_out || !found)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	const struct pt_format *f = cur_fmt(c);
	enum pt_err err = cur_check_protect(c->table, op);
	if (err == PT_OK)
		err = cur_check_len(c, len);
	if (err != PT_OK)
		return err;

	enum scan_stop stop;
	err = cur_scan(c, (c->va - c->start) + len, false, &stop);
	if (err != PT_OK)
		return err;
	*found = stop == SCAN_LEAF;
	if (!*found)
		return PT_OK;

	struct pt_node *n = c->path[c->level];
	unsigned idx = cur_index(c);
	struct pt_pte_info info = f->decode(node_load(n, idx), c->level);
	struct pt_prop prop = pt_protect_apply(op, info.prop);
	if (pt_unlikely(f->bbm) && !pt_prop_eq(prop, info.prop))
		rewrite_bbm(c, info, prop);
	else if (!pt_prop_eq(prop, info.prop))
		node_rewrite(n, idx, f->encode_leaf(info.pa, prop, info.tracked, c->level));
	*va_out = c->va;
	*len_out = pt_fmt_page_size(f, c->level);
	cur_move_forward(c);
	return PT_OK;
}
