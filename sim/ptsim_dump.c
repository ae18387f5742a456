/* SPDX-License-Identifier: MIT */
/*
 * ptsim's dumps over pt_table_dump_runs: ptdump-style lines with holes and
 * the two halves marked, the same runs as one JSON line, the W+X check; and
 * the node tree as a Graphviz graph (ptsim_dot.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ptsim.h"
#include "ptsim_dot.h"

static const char *const kind_names[] = { "empty", "kernel", "user" };

struct dump_ctx {
	struct sim *s;
	struct pt_sim_table *st;
	int half;                  /* of the last run: 0 lower, 1 upper, -1 none yet */
	unsigned n;
	bool print;
	uint64_t wx_pages;
};

static int half_of(const struct pt_format *f, pt_vaddr_t va)
{
	return (int)((va >> (f->va_bits - 1)) & 1);
}

/* The name of the table whose kernel half @st shares, or "?". */
static const char *kernel_name(struct sim *s, struct pt_sim_table *st)
{
	for (unsigned i = 0; i < MAX_TABLES; i++)
		if (s->tables[i].live && &s->tables[i].vs.table == st->vs.table.kernel)
			return s->tables[i].name;
	return "?";
}

static void put_marker(struct dump_ctx *d, const struct pt_dump_run *r)
{
	FILE *out = d->s->out;
	if (d->st->vs.table.kind == PT_TABLE_EMPTY) {
		fprintf(out, "  ---[ lower half, empty table ]---\n");
		return;
	}
	fprintf(out, "  ---[ %s half", d->half ? "kernel" : "user");
	if (!r->own && d->st->vs.table.kind == PT_TABLE_USER)
		fprintf(out, ", shared with %s", kernel_name(d->s, d->st));
	else if (!r->own)
		fprintf(out, ", not in a kernel table");
	fprintf(out, " ]---\n");
}

static void text_run(void *ctx, const struct pt_dump_run *r)
{
	struct dump_ctx *d = ctx;
	char line[PT_DUMP_LINE_MAX];
	int half = half_of(d->s->fmt, r->start);
	if (half != d->half) {
		d->half = half;
		put_marker(d, r);
	}
	pt_dump_run_line(r, line);
	fprintf(d->s->out, "  %s\n", line);
}

static void json_run(void *ctx, const struct pt_dump_run *r)
{
	struct dump_ctx *d = ctx;
	FILE *out = d->s->out;
	char end[24] = "0x10000000000000000";    /* the top of the address space */
	if (r->start + r->size)
		snprintf(end, sizeof(end), "0x%" PRIx64, r->start + r->size);
	fprintf(out, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"%s\",\"size\":\"0x%" PRIx64
		"\",\"level\":%u,\"half\":\"%s\",\"own\":%s,\"mapped\":%s", d->n++ ? "," : "",
		r->start, end, r->size, r->level,
		half_of(d->s->fmt, r->start) ? "kernel" : "user", r->own ? "true" : "false",
		r->mapped ? "true" : "false");
	if (r->mapped) {
		fprintf(out, ",\"prop\":\"");
		put_prop(out, r->prop);
		fprintf(out, "\",\"tracked\":%s", r->tracked ? "true" : "false");
	}
	fprintf(out, "}");
}

static bool whole_root(const struct pt_sim_table *st)
{
	return st->vs.table.kind != PT_TABLE_EMPTY;
}

static void dump_text(struct sim *s, struct pt_sim_table *st)
{
	struct dump_ctx d = { s, st, -1, 0, false, 0 };
	fprintf(s->out, "dump %s:\n", st->name);
	pt_table_dump_runs(&st->vs.table, whole_root(st), text_run, &d);
}

static void dump_json(struct sim *s, struct pt_sim_table *st)
{
	struct dump_ctx d = { s, st, -1, 0, false, 0 };
	fprintf(s->out, "{\"table\":\"%s\",\"kind\":\"%s\",\"format\":\"%s\",\"runs\":[", st->name,
		kind_names[st->vs.table.kind], ptsim_format_name(s->fmt));
	pt_table_dump_runs(&st->vs.table, whole_root(st), json_run, &d);
	fprintf(s->out, "]}\n");
}

static int cmd_dump(struct sim *s)
{
	int first = 1;
	bool json = !strcmp(s->av[1], "--json"), dot = !strcmp(s->av[1], "--dot");
	first += json || dot;
	if (s->av[1][0] == '-' && !json && !dot)
		return arg_error(s, 1, "unknown option (expected --json or --dot)"), -1;
	if (first >= s->ac)
		return cmd_error(s, "missing argument %d NAME (usage: dump [--json|--dot] NAME...)",
				 first), -1;
	struct pt_sim_table *tables[MAX_TABLES];
	int n = 0;
	for (int i = first; i < s->ac; i++) {
		if (!(tables[n] = arg_table(s, i)))
			return -1;
		for (int j = 0; j < n; j++)
			if (tables[j] == tables[n])
				return arg_error(s, i, "named twice"), -1;
		if (++n == MAX_TABLES && i + 1 < s->ac)
			return arg_error(s, i + 1, "too many tables"), -1;
	}
	if (dot)
		return ptsim_dot(s, tables, n), 0;
	for (int i = 0; i < n; i++)
		(json ? dump_json : dump_text)(s, tables[i]);
	return 0;
}

static void wx_run(void *ctx, const struct pt_dump_run *r)
{
	struct dump_ctx *d = ctx;
	char line[PT_DUMP_LINE_MAX];
	if (!r->mapped || (r->prop.flags & (PT_W | PT_X)) != (PT_W | PT_X))
		return;
	d->wx_pages += r->size / PT_PAGE_SIZE;
	if (!d->print)
		return;
	pt_dump_run_line(r, line);
	fprintf(d->s->out, "  W+X %s\n", line);
}

uint64_t ptsim_wx_pages(struct sim *s, struct pt_sim_table *st, bool print)
{
	struct dump_ctx d = { s, st, -1, 0, print, 0 };
	pt_table_dump_runs(&st->vs.table, whole_root(st), wx_run, &d);
	return d.wx_pages;
}

/* As Linux's W+X check: every writable and executable leaf; finding one fails. */
static int cmd_check_wx(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	if (!st)
		return -1;
	uint64_t pages = ptsim_wx_pages(s, st, true);
	if (!pages) {
		fprintf(s->out, "check_wx %s: passed, no W+X pages found\n", st->name);
		return 0;
	}
	fprintf(s->out, "check_wx %s: failed, %" PRIu64 " W+X pages found\n", st->name, pages);
	fail(s, "check_wx: %" PRIu64 " W+X pages in %s (use 'expect wx %s %" PRIu64
	     "' if intended)", pages, st->name, st->name, pages);
	return 0;
}

const struct pt_sim_command ptsim_dump_cmds[] = {
	{ "dump", "[--json|--dot] NAME...",
	  "runs of leaves and holes; --json: as one line; --dot: nodes",
	  cmd_dump, false },
	{ "check_wx", "NAME", "list the leaves both writable and executable (fails if any)",
	  cmd_check_wx, false },
	{ NULL, NULL, NULL, NULL, false },
};
