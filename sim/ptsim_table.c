/* SPDX-License-Identifier: MIT */
/* ptsim's table commands: set-up, creation, the cursor operations, lookups. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ptsim.h"

static const char *const format_names[] = { "x86_64_4", "x86_64_5", "riscv_sv39",
					     "riscv_sv48", NULL };

static const struct pt_format *const formats[] = {
	&pt_format_x86_64_4level, &pt_format_x86_64_5level, &pt_format_riscv_sv39,
	&pt_format_riscv_sv48,
};

const char *ptsim_format_name(const struct pt_format *f)
{
	for (unsigned i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i] == f)
			return format_names[i];
	return "?";
}

static bool before_tables(struct sim *s)
{
	if (s->ram || s->mach)
		return cmd_error(s, "must come before any table or machine");
	return true;
}

static int cmd_format(struct sim *s)
{
	unsigned f;
	if (!before_tables(s) || !arg_word(s, 1, format_names, &f))
		return -1;
	s->fmt = formats[f];
	return 0;
}

/* Refused here, not when the first table needs the RAM: the error is this line's. */
static int cmd_ram(struct sim *s)
{
	uint64_t size;
	if (!before_tables(s) || !arg_num(s, 1, &size))
		return -1;
	bool tera = s->max_ram % (1ull << 40) == 0;
	if (size == 0 || size % PT_RAM_GRANULE || size > s->max_ram)
		return arg_error(s, 1, "cannot simulate that much RAM (expected a multiple of 2M "
				 "from 2M to %" PRIu64 "%c)", s->max_ram >> (tera ? 40 : 20),
				 tera ? 'T' : 'M'), -1;
	struct pt_sim_ram *probe = pt_sim_ram_create(size);
	if (!probe)
		return arg_error(s, 1, "cannot simulate that much RAM: out of host memory"), -1;
	pt_sim_ram_destroy(probe);
	s->ram_size = size;
	return 0;
}

/* An empty table is an IOMMU domain: no IOTLB is modelled, its flushes are only counted. */
static void iotlb_flush(void *ctx, const struct pt_flush_req *req)
{
	(void)req;
	((struct sim *)ctx)->nr_iotlb_flushes++;
}

static int cmd_create(struct sim *s)
{
	const char *kind = s->av[0];
	struct pt_sim_table *st = new_table(s, 1), *src = NULL;
	if (!st || (s->ac > 2 && !(src = arg_table(s, 2))))
		return -1;
	enum pt_err err;
	if (!strcmp(kind, "kernel"))
		err = pt_vmspace_create_kernel(&st->vs, &s->env);
	else if (!strcmp(kind, "empty"))
		err = pt_vmspace_create_iommu(&st->vs, &s->env, iotlb_flush, s);
	else if (!strcmp(kind, "user"))
		err = pt_vmspace_create_user(&st->vs, &src->vs);
	else
		err = pt_vmspace_create_shared(&st->vs, &src->vs);
	char buf[128];
	st->live = err == PT_OK;
	set_err(s, err);
	fprintf(s->out, "%s %s: %s", kind, st->name, err_text(err, buf, sizeof(buf)));
	if (err == PT_OK)
		fprintf(s->out, " (root 0x%" PRIx64 ")", pt_table_root_paddr(&st->vs.table));
	fprintf(s->out, "\n");
	return 0;
}

PT_MUST_CHECK static enum pt_err map_item(struct sim *s, struct pt_sim_table *st, pt_vaddr_t va,
			    struct pt_item *item)
{
	struct pt_cursor_mut m;
	uint64_t size = pt_fmt_page_size(s->fmt, item->level);
	enum pt_err err = pt_cursor_mut_new(&m, &st->vs.table, va & ~(2 * size - 1), 2 * size);
	if (err != PT_OK)
		return err;
	err = pt_cursor_jump(&m.c, va);
	if (err == PT_OK)
		err = pt_cursor_map(&m, item);
	pt_cursor_mut_drop(&m);
	return err;
}

static int cmd_map(struct sim *s)
{
	static const char *const tracked[] = { "tracked", NULL };
	struct pt_sim_table *st = arg_table(s, 1);
	struct pt_item item = { 0 };
	uint64_t va, pa;
	unsigned w;
	if (!st || !arg_num(s, 2, &va) || !arg_num(s, 3, &pa) || !arg_level(s, 4, &item.level) ||
	    !arg_prop(s, 5, &item.prop) || (s->ac > 6 && !arg_word(s, 6, tracked, &w)))
		return -1;
	item.pa = pa;
	item.tracked = s->ac > 6;
	if (item.tracked && pt_sim_ram_alloc(s->ram, PT_FRAME_DATA, &item.pa) != PT_OK)
		return report(s, "map", PT_ERR_NOMEM);
	enum pt_err err = map_item(s, st, va, &item);
	if (err != PT_OK && item.tracked)
		pt_sim_ram_put(s->ram, item.pa);
	char buf[128];
	set_err(s, err);
	fprintf(s->out, "map 0x%" PRIx64 " -> 0x%" PRIx64 " L%u: %s\n", va, item.pa, item.level,
		err_text(err, buf, sizeof(buf)));
	return 0;
}

static int cmd_map_range(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	uint64_t va, pa, len;
	struct pt_prop prop;
	if (!st || !arg_num(s, 2, &va) || !arg_num(s, 3, &pa) || !arg_num(s, 4, &len) ||
	    !arg_prop(s, 5, &prop))
		return -1;
	struct pt_cursor_mut m;
	enum pt_err err = pt_cursor_mut_new(&m, &st->vs.table, va, len);
	if (err == PT_OK) {
		err = pt_cursor_map_range(&m, pa, len, prop);
		pt_cursor_mut_drop(&m);
	}
	return report(s, "map_range", err);
}

static int cmd_unmap(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	uint64_t va, len, leaves = 0, tables = 0;
	if (!st || !arg_num(s, 2, &va) || !arg_num(s, 3, &len))
		return -1;
	struct pt_cursor_mut m;
	struct pt_frag f;
	enum pt_err err = pt_cursor_mut_new(&m, &st->vs.table, va, len);
	bool opened = err == PT_OK;
	while (err == PT_OK) {
		err = pt_cursor_take_next(&m, len - (pt_cursor_virt_addr(&m.c) - va), &f);
		if (err != PT_OK || f.kind == PT_FRAG_NONE)
			break;
		if (f.kind == PT_FRAG_TABLE)
			tables++;
		else
			leaves++;
		pt_frag_release(&s->env, &f);
	}
	if (opened)
		pt_cursor_mut_drop(&m);
	char buf[128];
	set_err(s, err);
	fprintf(s->out, "unmap: %s (%" PRIu64 " leaves, %" PRIu64 " tables)\n",
		err_text(err, buf, sizeof(buf)), leaves, tables);
	return 0;
}

static int cmd_protect(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	uint64_t va, len, n = 0;
	struct pt_protect op;
	if (!st || !arg_num(s, 2, &va) || !arg_num(s, 3, &len) || !arg_change(s, 4, &op))
		return -1;
	struct pt_cursor_mut m;
	enum pt_err err = pt_cursor_mut_new(&m, &st->vs.table, va, len);
	bool opened = err == PT_OK, found = true;
	while (err == PT_OK && found) {
		pt_vaddr_t sva;
		uint64_t slen;
		err = pt_cursor_protect_next(&m, len - (pt_cursor_virt_addr(&m.c) - va), op, &sva,
					     &slen, &found);
		n += found && err == PT_OK;
	}
	if (opened)
		pt_cursor_mut_drop(&m);
	char buf[128];
	set_err(s, err);
	fprintf(s->out, "protect: %s (%" PRIu64 " slots)\n", err_text(err, buf, sizeof(buf)), n);
	return 0;
}

static int cmd_query(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	uint64_t va;
	if (!st || !arg_num(s, 2, &va))
		return -1;
	struct pt_cursor c;
	struct pt_query q;
	enum pt_err err = pt_cursor_new(&c, &st->vs.table, va & ~(PT_PAGE_SIZE - 1), PT_PAGE_SIZE);
	if (err == PT_OK) {
		err = pt_cursor_query(&c, &q);
		pt_cursor_drop(&c);
	}
	if (err != PT_OK)
		return report(s, "query", err);
	fprintf(s->out, "query 0x%" PRIx64 ": slot 0x%" PRIx64 "+0x%" PRIx64 " ", va, q.va, q.len);
	if (!q.mapped) {
		fprintf(s->out, "absent\n");
		return 0;
	}
	fprintf(s->out, "-> 0x%" PRIx64 " L%u ", q.item.pa, q.item.level);
	put_prop(s->out, q.item.prop);
	fprintf(s->out, "%s\n", q.item.tracked ? " tracked" : "");
	return 0;
}

static int cmd_translate(struct sim *s)
{
	struct pt_sim_walk w;
	if (!arg_walk(s, &w))
		return -1;
	if (w.err != PT_OK)
		return report(s, "translate", w.err);
	fprintf(s->out, "translate 0x%" PRIx64 " -> 0x%" PRIx64 " L%u ", w.va, w.pa, w.leaf.level);
	put_prop(s->out, w.leaf.prop);
	fprintf(s->out, "\n");
	return 0;
}

static int cmd_destroy(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	if (!st)
		return -1;
	enum pt_err err = pt_vmspace_destroy(&st->vs);
	if (err == PT_OK)
		st->live = false;
	return report(s, "destroy", err);
}

static int cmd_stats(struct sim *s)
{
	ptsim_drain(s);
	struct pt_sim_ram_stats st = s->ram ? pt_sim_ram_stats(s->ram) : (struct pt_sim_ram_stats){ 0 };
	fprintf(s->out, "stats: %" PRIu64 " table frames, %" PRIu64 " data frames, peak %" PRIu64
		" table frames\n", st.tables_in_use, st.data_in_use, st.peak_tables);
	return 0;
}

const struct pt_sim_command ptsim_table_cmds[] = {
	{ "format", "x86_64_4|x86_64_5|riscv_sv39|riscv_sv48",
	  "the MMU format (before any table)", cmd_format, false },
	{ "ram", "SIZE", "2M to 1T (before any table; default 4G)", cmd_ram,
	  false },
	{ "kernel", "NAME", "create a kernel table (its upper half is shared)", cmd_create, false },
	{ "user", "NAME KERNEL", "create a user table sharing KERNEL's half", cmd_create, false },
	{ "empty", "NAME", "create an empty (IOMMU) table over the lower half", cmd_create,
	  false },
	{ "copy", "NAME SRC", "a second handle to SRC's tree", cmd_create, false },
	{ "map", "NAME VA PA LEVEL PROPS [tracked]",
	  "map one page; tracked: a new data frame", cmd_map, false },
	{ "map_range", "NAME VA PA LEN PROPS", "map a range with the largest pages that fit",
	  cmd_map_range, false },
	{ "unmap", "NAME VA LEN", "unmap a range, splitting huge pages", cmd_unmap, false },
	{ "protect", "NAME VA LEN CHANGE", "change the properties of a range", cmd_protect,
	  false },
	{ "query", "NAME VA", "the slot holding VA (cursor query)", cmd_query, false },
	{ "translate", "NAME VA", "a software walk of VA", cmd_translate, false },
	{ "destroy", "NAME", "drop the table handle", cmd_destroy, false },
	{ "stats", "", "table and data frames in use, peak table frames", cmd_stats, false },
	{ NULL, NULL, NULL, NULL, false },
};
