/* SPDX-License-Identifier: MIT */
/* Changing properties: protect_next rewrites one leaf (the bulk loop is vm_bulk.c). */
#include "cursor_scan.h"

#include "bbm.h"

enum pt_err pt_cur_check_protect(const struct pt_table *t, struct pt_protect op)
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

void pt_cur_rewrite(struct pt_cursor *c, const struct pt_item *item, struct pt_prop prop)
{
	const struct pt_format *f = cur_fmt(c);
	pt_pte_t pte = f->encode_leaf(item->pa, prop, item->tracked, c->level);
	if (pt_unlikely(bbm_prop_change(f, item->prop, prop)))
		pt_bbm_break(c, PT_BBM_PROTECT);
	node_rewrite(c->path[c->level], cur_index(c), pte);
}

enum pt_err pt_cursor_protect_next(struct pt_cursor_mut *m, uint64_t len, struct pt_protect op,
				   pt_vaddr_t *va_out, uint64_t *len_out, bool *found)
{
	if (!m || !m->c.table || !va_out || !len_out || !found)
		return PT_ERR_INVAL;
	struct pt_cursor *c = &m->c;
	enum pt_err err = pt_cur_check_protect(c->table, op);
	if (err == PT_OK)
		err = pt_cur_check_len(c, len);
	if (err != PT_OK)
		return err;

	struct scan_res r;
	err = pt_cur_scan(c, (c->va - c->start) + len, SCAN_PROTECT, &r);
	if (err != PT_OK)
		return err;
	*found = r.stop == SCAN_LEAF;
	if (!*found)
		return PT_OK;

	struct pt_item item = cur_item(c, cur_pte(c));
	struct pt_prop prop = pt_protect_apply(op, item.prop);
	if (!pt_prop_eq(prop, item.prop))
		pt_cur_rewrite(c, &item, prop);
	*va_out = c->va;
	*len_out = pt_fmt_page_size(cur_fmt(c), c->level);
	pt_cur_move_forward(c);
	return PT_OK;
}
