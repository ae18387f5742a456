/* SPDX-License-Identifier: MIT */
#ifndef PT_CORE_LEAF_TMPL_H
#define PT_CORE_LEAF_TMPL_H

#include "cursor.h"

#pragma GCC visibility push(hidden)

/*
 * The leaf templates of base pages are shared by every cursor of a table in
 * one word, so a fresh cursor need not call the codec: the template of the
 * last property mapped, with the property's key stored in its (zero)
 * address bits. One relaxed word: a racing writer only causes a miss. A
 * word is stored only after the property passed check_prop on this table,
 * so a hit also stands for those checks.
 */
#define TMPL_KEY_BITS 26

static inline pt_pte_t tmpl_key(const struct pt_item *item)
{
	return 1u | (pt_pte_t)item->prop.flags << 1 | (pt_pte_t)item->prop.cache << 17 |
	       (pt_pte_t)item->tracked << 25;
}

/* The shared level-1 template of @t for @item; 0 on a miss. */
static inline pt_pte_t tmpl_lookup(struct pt_table *t, const struct pt_format *f,
				   const struct pt_item *item)
{
	const struct pt_format_level *lv = &f->lv[1];
	pt_pte_t w = atomic_load_explicit(&t->leaf_tmpl, memory_order_relaxed);
	if (((w & lv->leaf_addr_mask) >> lv->addr_shift) != tmpl_key(item))
		return 0;
	return w & ~lv->leaf_addr_mask;
}

/* Share @pte, the checked level-1 leaf at pa 0 for @item, with every cursor of @t. */
static inline void tmpl_store(struct pt_table *t, const struct pt_format *f,
			      const struct pt_item *item, pt_pte_t pte)
{
	const struct pt_format_level *lv = &f->lv[1];
	if ((lv->leaf_addr_mask >> lv->addr_shift) < ((pt_pte_t)1 << TMPL_KEY_BITS) - 1)
		return;
	atomic_store_explicit(&t->leaf_tmpl, pte | tmpl_key(item) << lv->addr_shift,
			      memory_order_relaxed);
}

/* The level-1 leaf at pa 0 for a checked @item: shared template, or encoded and shared. */
static inline pt_pte_t tmpl_get(struct pt_table *t, const struct pt_format *f,
				const struct pt_item *item)
{
	pt_pte_t pte = tmpl_lookup(t, f, item);
	if (!pte) {
		pte = f->encode_leaf(0, item->prop, item->tracked, 1);
		tmpl_store(t, f, item, pte);
	}
	return pte;
}

/*
 * Decode a level-1 leaf made from the shared template without the codec:
 * the codec is affine in the address, so a leaf equal to the template
 * outside its address bits holds the template's property. False: decode it.
 */
static inline bool tmpl_decode(const struct pt_cursor *c, pt_pte_t pte, struct pt_pte_info *info)
{
	const struct pt_format *f = cur_fmt(c);
	const struct pt_format_level *lv = &f->lv[1];
	pt_pte_t w = atomic_load_explicit(&c->table->leaf_tmpl, memory_order_relaxed);
	if (!w || ((pte ^ w) & ~lv->leaf_addr_mask))
		return false;
	pt_pte_t key = (w & lv->leaf_addr_mask) >> lv->addr_shift;
	info->kind = PT_PTE_LEAF;
	info->pa = pt_fmt_pte_addr(f, pte, 1, true);
	info->prop.flags = (uint16_t)(key >> 1);
	info->prop.cache = (uint8_t)(key >> 17);
	info->tracked = (key >> 25) & 1;
	return true;
}

#pragma GCC visibility pop
#endif
