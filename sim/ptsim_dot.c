/* SPDX-License-Identifier: MIT */
/*
 * `dump --dot`: node trees as a Graphviz digraph. Nodes are named by their
 * frame, so a kernel subtree that several tables share is drawn once. A
 * kernel's empty root children are folded into one box; those of a kernel
 * not named in the command are drawn unexpanded, dashed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ptsim_dot.h"

#define MAX_GROUPS 8

struct kid {
	pt_paddr_t pa;
	unsigned used;
};

/* A kernel half: its root's children and how they are drawn. */
struct kernel_info {
	struct pt_table *k;
	const char *name;
	struct kid *kids;
	unsigned n, empty;
	bool named, shared_drawn, fold_drawn;
};

struct dot {
	struct sim *s;
	FILE *out;
	const struct pt_format *f;
	struct kernel_info kinfo[MAX_TABLES];
	unsigned nk;
	struct kernel_info *ki;     /* of the table being drawn; NULL for an empty table */
	struct pt_sim_table *st;
	bool at_root;
};

static unsigned used_entries(const pt_pte_t *ptes, unsigned nr)
{
	unsigned used = 0;
	for (unsigned i = 0; i < nr; i++)
		used += ptes[i] != 0;
	return used;
}

static void collect_kid(void *ctx, pt_paddr_t pa, pt_level_t level, const pt_pte_t *ptes,
			unsigned nr)
{
	struct kernel_info *ki = ctx;
	if (level + 1u != ki->k->env->fmt->levels)
		return;
	unsigned used = used_entries(ptes, nr);
	ki->kids[ki->n++] = (struct kid){ pa, used };
	ki->empty += used == 0;
}

static const struct kid *find_kid(const struct kernel_info *ki, pt_paddr_t pa)
{
	for (unsigned i = 0; ki && i < ki->n; i++)
		if (ki->kids[i].pa == pa)
			return &ki->kids[i];
	return NULL;
}

static struct kernel_info *kernel_of(struct dot *d, struct pt_sim_table *st)
{
	struct pt_table *k = st->vs.table.kind == PT_TABLE_KERNEL ? &st->vs.table : st->vs.table.kernel;
	if (st->vs.table.kind == PT_TABLE_EMPTY || !k)
		return NULL;
	for (unsigned i = 0; i < d->nk; i++)
		if (d->kinfo[i].k == k)
			return &d->kinfo[i];
	struct kernel_info *ki = &d->kinfo[d->nk++];
	*ki = (struct kernel_info){ .k = k, .name = "?" };
	for (unsigned i = 0; i < MAX_TABLES; i++)
		if (d->s->tables[i].live && &d->s->tables[i].vs.table == k)
			ki->name = d->s->tables[i].name;
	ki->kids = calloc(pt_fmt_nr_entries(d->f), sizeof(*ki->kids));
	if (!ki->kids)
		abort();
	if (pt_table_for_each_node(k, collect_kid, ki) != PT_OK)
		abort();
	return ki;
}

static void put_size(FILE *out, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	unsigned u = 0;
	for (bytes >>= 10; bytes >= 1024 && !(bytes & 1023) && u + 1 < sizeof(units) - 1; u++)
		bytes >>= 10;
	fprintf(out, "%" PRIu64 "%c", bytes, units[u]);
}

struct group {
	struct pt_prop prop;
	bool tracked;
	unsigned count;
};

/* Group the node's leaves by property (the last group takes the rest). */
static unsigned leaf_groups(struct dot *d, pt_level_t level, const pt_pte_t *ptes, unsigned nr,
			    struct group *g)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nr; i++) {
		struct pt_pte_info info = d->f->decode(ptes[i], level);
		if (!ptes[i] || info.kind != PT_PTE_LEAF)
			continue;
		unsigned j = 0;
		while (j < n && !(pt_prop_eq(g[j].prop, info.prop) && g[j].tracked == info.tracked))
			j++;
		if (j == n && n == MAX_GROUPS)
			j = n - 1;
		else if (j == n)
			g[n++] = (struct group){ info.prop, info.tracked, 0 };
		g[j].count++;
	}
	return n;
}

static void put_group(struct dot *d, pt_level_t level, const struct group *g, const char *sep)
{
	fprintf(d->out, "%s%u x ", sep, g->count);
	put_size(d->out, pt_fmt_page_size(d->f, level));
	fprintf(d->out, " ");
	put_prop(d->out, g->prop);
	fprintf(d->out, "%s", g->tracked ? " tracked" : "");
}

static void put_node(struct dot *d, pt_paddr_t pa, pt_level_t level, const pt_pte_t *ptes,
		     unsigned nr, bool root)
{
	struct group g[MAX_GROUPS];
	unsigned ng = leaf_groups(d, level, ptes, nr, g);
	fprintf(d->out, "  n%" PRIx64 " [label=\"", pa);
	if (root)
		fprintf(d->out, "%s (%s)\\n", d->st->name,
			d->st->vs.table.kind == PT_TABLE_USER ? "user" : d->st->vs.table.kind == PT_TABLE_KERNEL
				? "kernel" : "empty");
	fprintf(d->out, "L%u 0x%" PRIx64 "\\n%u/%u used", level, pa, used_entries(ptes, nr), nr);
	for (unsigned i = 0; level == 1 && i < ng; i++)
		put_group(d, level, &g[i], "\\n");
	fprintf(d->out, "\"%s];\n", root ? ", style=filled, fillcolor=lightyellow" : "");
	for (unsigned i = 0; level > 1 && i < ng; i++) {
		fprintf(d->out, "  l%" PRIx64 "_%u [shape=ellipse, style=filled, "
			"fillcolor=mistyrose, label=\"", pa, i);
		put_group(d, level, &g[i], "");
		fprintf(d->out, "\"];\n  n%" PRIx64 " -> l%" PRIx64 "_%u;\n", pa, pa, i);
	}
}

static void put_fold_edge(struct dot *d, pt_paddr_t from)
{
	struct kernel_info *ki = d->ki;
	pt_paddr_t id = pt_table_root_paddr(ki->k);
	if (!ki->fold_drawn)
		fprintf(d->out, "  fold%" PRIx64 " [style=\"dashed,filled\", fillcolor=lightblue, "
			"label=\"%u empty L%u tables\\nkernel half of %s\"];\n", id, ki->empty,
			d->f->levels - 1, ki->name);
	ki->fold_drawn = true;
	fprintf(d->out, "  n%" PRIx64 " -> fold%" PRIx64 " [style=dashed, label=\"x%u\"];\n", from,
		id, ki->empty);
}

/* Edges to the root's children; a kernel's empty children share one folded edge. */
static void put_root_edges(struct dot *d, pt_paddr_t pa, const pt_pte_t *ptes, unsigned nr)
{
	bool folded = false;
	for (unsigned i = 0; i < nr; i++) {
		struct pt_pte_info info = d->f->decode(ptes[i], d->f->levels);
		if (!ptes[i] || info.kind != PT_PTE_TABLE)
			continue;
		bool own = i >= d->st->vs.table.top_lo && i < d->st->vs.table.top_hi;
		const struct kid *kid = d->st->vs.table.kind == PT_TABLE_EMPTY ? NULL : find_kid(d->ki, info.pa);
		if (kid && !kid->used) {
			if (!folded)
				put_fold_edge(d, pa);
			folded = true;
			continue;
		}
		fprintf(d->out, "  n%" PRIx64 " -> n%" PRIx64 "%s;\n", pa, info.pa,
			own ? "" : " [style=dashed]");
	}
}

static void visit(void *ctx, pt_paddr_t pa, pt_level_t level, const pt_pte_t *ptes, unsigned nr)
{
	struct dot *d = ctx;
	bool root = d->at_root;
	d->at_root = false;
	if (root) {
		put_node(d, pa, level, ptes, nr, true);
		put_root_edges(d, pa, ptes, nr);
		return;
	}
	const struct kid *kid = d->st->vs.table.kind == PT_TABLE_KERNEL ? find_kid(d->ki, pa) : NULL;
	if (kid && !kid->used)
		return;
	put_node(d, pa, level, ptes, nr, false);
	for (unsigned i = 0; level > 1 && i < nr; i++) {
		struct pt_pte_info info = d->f->decode(ptes[i], level);
		if (ptes[i] && info.kind == PT_PTE_TABLE)
			fprintf(d->out, "  n%" PRIx64 " -> n%" PRIx64 ";\n", pa, info.pa);
	}
}

/* The used children of a kernel not named in the command: unexpanded, dashed. */
static void put_shared(struct dot *d)
{
	struct kernel_info *ki = d->ki;
	if (!ki || ki->named || ki->shared_drawn)
		return;
	ki->shared_drawn = true;
	for (unsigned i = 0; i < ki->n; i++)
		if (ki->kids[i].used)
			fprintf(d->out, "  n%" PRIx64 " [style=\"dashed,filled\", fillcolor=lightblue, "
				"label=\"L%u 0x%" PRIx64 "\\n%u/%u used\\nshared: kernel half of "
				"%s\"];\n", ki->kids[i].pa, d->f->levels - 1, ki->kids[i].pa,
				ki->kids[i].used, pt_fmt_nr_entries(d->f), ki->name);
}

void ptsim_dot(struct sim *s, struct pt_sim_table **tables, int n)
{
	struct dot d = { .s = s, .out = s->out, .f = s->fmt };
	for (int i = 0; i < n; i++)
		if (tables[i]->vs.table.kind == PT_TABLE_KERNEL)
			kernel_of(&d, tables[i])->named = true;
	fprintf(d.out, "digraph \"ptsim");
	for (int i = 0; i < n; i++)
		fprintf(d.out, " %s", tables[i]->name);
	fprintf(d.out, "\" {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
	for (int i = 0; i < n; i++) {
		d.st = tables[i];
		d.ki = kernel_of(&d, tables[i]);
		d.at_root = true;
		if (pt_table_for_each_node(&tables[i]->vs.table, visit, &d) != PT_OK)
			abort();
		put_shared(&d);
	}
	fprintf(d.out, "}\n");
	for (unsigned i = 0; i < d.nk; i++)
		free(d.kinfo[i].kids);
}
