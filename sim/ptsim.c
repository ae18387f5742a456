/* SPDX-License-Identifier: MIT */
/*
 * ptsim: run a scenario of page-table operations on simulated RAM and print
 * what each one did. One command per line; '#' starts a comment.
 *
 *   format x86_64_4|x86_64_5|riscv_sv39|riscv_sv48   (before any table; default x86_64_4)
 *   ram SIZE                          (before any table; default 4G)
 *   kernel NAME | user NAME KERNEL | empty NAME | copy NAME SRC
 *   map NAME VA PA LEVEL PROPS [tracked]      one item; tracked allocates a frame
 *   map_range NAME VA PA LEN PROPS
 *   unmap NAME VA LEN | protect NAME VA LEN CHANGE
 *   query NAME VA | translate NAME VA | dump NAME | destroy NAME | stats
 *
 * PROPS: letters r w x u(ser) g(lobal) a(ccessed) d(irty), then an optional
 * ",wb" ",wt" ",wc" ",uc" ",uc-" ",wp". CHANGE: "+x", "-w", "+rw-x,uc"...
 * Numbers take K/M/G/T suffixes and 0x prefixes. Commands for a simulated
 * machine (CPUs, activation, flushing operations, fork) are in ptsim_machine.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pt/pt.h>

#include "env.h"
#include "ptsim.h"
#include "ram.h"

static const char *const cache_names[PT_CACHE__COUNT] = { "wb", "wt", "wc", "uc", "uc-", "wp" };

bool parse_num(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	uint64_t v = strtoull(s, &end, 0);
	unsigned shift = 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (errno || *end || end == s || (shift && v >> (64 - shift)))
		return false;
	*out = v << shift;
	return true;
}

static bool parse_cache(const char *s, uint8_t *cache)
{
	for (unsigned i = 0; i < PT_CACHE__COUNT; i++)
		if (!strcmp(s, cache_names[i])) {
			*cache = (uint8_t)i;
			return true;
		}
	return false;
}

static uint16_t flag_of(char ch)
{
	switch (ch) {
	case 'r': return PT_R;
	case 'w': return PT_W;
	case 'x': return PT_X;
	case 'u': return PT_USER;
	case 'g': return PT_GLOBAL;
	case 'a': return PT_ACCESSED;
	case 'd': return PT_DIRTY;
	default: return 0;
	}
}

bool parse_prop(const char *s, struct pt_prop *p)
{
	p->flags = 0;
	p->cache = PT_CACHE_WB;
	for (; *s && *s != ','; s++) {
		if (!flag_of(*s) && *s != '-')
			return false;
		p->flags |= flag_of(*s);
	}
	return *s != ',' || parse_cache(s + 1, &p->cache);
}

bool parse_change(const char *s, struct pt_protect *op)
{
	bool add = true;
	*op = (struct pt_protect){ 0, 0, -1 };
	for (; *s && *s != ','; s++) {
		if (*s == '+' || *s == '-') {
			add = *s == '+';
			continue;
		}
		if (!flag_of(*s))
			return false;
		if (add)
			op->set |= flag_of(*s);
		else
			op->clear |= flag_of(*s);
	}
	uint8_t cache;
	if (*s == ',' && !parse_cache(s + 1, &cache))
		return false;
	if (*s == ',')
		op->cache = (int8_t)cache;
	return true;
}

static void put_prop(struct pt_prop p)
{
	printf("%c%c%c%s%s%s%s,%s", p.flags & PT_R ? 'r' : '-', p.flags & PT_W ? 'w' : '-',
	       p.flags & PT_X ? 'x' : '-', p.flags & PT_USER ? "u" : "", p.flags & PT_GLOBAL ? "g" : "",
	       p.flags & PT_ACCESSED ? "a" : "", p.flags & PT_DIRTY ? "d" : "",
	       cache_names[p.cache < PT_CACHE__COUNT ? p.cache : 0]);
}

struct sim_table *find_table(struct sim *s, const char *name)
{
	for (unsigned i = 0; i < MAX_TABLES; i++)
		if (s->tables[i].live && !strcmp(s->tables[i].name, name))
			return &s->tables[i];
	fprintf(stderr, "line %u: no table named %s\n", s->line, name);
	return NULL;
}

static struct sim_table *new_table(struct sim *s, const char *name)
{
	if (!s->ram) {
		s->ram = pt_ram_create(s->ram_size);
		if (!s->ram) {
			fprintf(stderr, "cannot create %" PRIu64 " bytes of RAM\n", s->ram_size);
			return NULL;
		}
		s->env = pt_sim_env(s->fmt, s->ram);
	}
	for (unsigned i = 0; i < MAX_TABLES; i++)
		if (!s->tables[i].live) {
			snprintf(s->tables[i].name, sizeof(s->tables[i].name), "%s", name);
			return &s->tables[i];
		}
	fprintf(stderr, "line %u: too many tables\n", s->line);
	return NULL;
}

int report(struct sim *s, const char *what, enum pt_err err)
{
	printf("%s: %s\n", what, pt_strerror(err));
	(void)s;
	return 0;
}

static int cmd_create(struct sim *s, char **av, int ac)
{
	struct sim_table *st = new_table(s, av[1]);
	enum pt_err err = PT_ERR_INVAL;
	if (!st)
		return -1;
	if (!strcmp(av[0], "kernel")) {
		err = pt_table_create_kernel(&st->t, &s->env);
	} else if (!strcmp(av[0], "empty")) {
		err = pt_table_create_empty(&st->t, &s->env);
	} else {
		struct sim_table *src = ac > 2 ? find_table(s, av[2]) : NULL;
		if (!src)
			return -1;
		err = !strcmp(av[0], "user") ? pt_table_create_user(&st->t, &src->t)
					     : pt_table_shallow_copy(&st->t, &src->t);
	}
	st->live = err == PT_OK;
	printf("%s %s: %s", av[0], av[1], pt_strerror(err));
	if (err == PT_OK)
		printf(" (root 0x%" PRIx64 ")", pt_table_root_paddr(&st->t));
	printf("\n");
	return 0;
}

static int cmd_map(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	struct pt_item item = { 0 };
	uint64_t va, pa, level;
	if (!st || !parse_num(av[2], &va) || !parse_num(av[3], &pa) || !parse_num(av[4], &level) ||
	    !parse_prop(av[5], &item.prop))
		return -1;
	item.level = (pt_level_t)level;
	item.pa = pa;
	item.tracked = ac > 6 && !strcmp(av[6], "tracked");
	if (item.tracked && pt_ram_alloc(s->ram, PT_FRAME_DATA, &item.pa) != PT_OK)
		return report(s, "map", PT_ERR_NOMEM);

	struct pt_cursor_mut m;
	uint64_t size = pt_fmt_page_size(s->fmt, item.level < 1 ? 1 : item.level);
	enum pt_err err = pt_cursor_mut_new(&m, &st->t, va & ~(2 * size - 1), 2 * size);
	if (err == PT_OK) {
		err = pt_cursor_jump(&m.c, va);
		if (err == PT_OK)
			err = pt_cursor_map(&m, &item);
		pt_cursor_mut_drop(&m);
	}
	if (err != PT_OK && item.tracked)
		pt_ram_put(s->ram, item.pa);
	printf("map 0x%" PRIx64 " -> 0x%" PRIx64 " L%u: %s\n", va, item.pa, item.level,
	       pt_strerror(err));
	return 0;
}

static int cmd_map_range(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	uint64_t va, pa, len;
	struct pt_prop prop;
	(void)ac;
	if (!st || !parse_num(av[2], &va) || !parse_num(av[3], &pa) || !parse_num(av[4], &len) ||
	    !parse_prop(av[5], &prop))
		return -1;
	struct pt_cursor_mut m;
	enum pt_err err = pt_cursor_mut_new(&m, &st->t, va, len);
	if (err == PT_OK) {
		err = pt_cursor_map_range(&m, pa, len, prop);
		pt_cursor_mut_drop(&m);
	}
	return report(s, "map_range", err);
}

static int cmd_unmap(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	uint64_t va, len, leaves = 0, tables = 0;
	(void)ac;
	if (!st || !parse_num(av[2], &va) || !parse_num(av[3], &len))
		return -1;
	struct pt_cursor_mut m;
	struct pt_frag f;
	enum pt_err err = pt_cursor_mut_new(&m, &st->t, va, len);
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
	printf("unmap: %s (%" PRIu64 " leaves, %" PRIu64 " tables)\n", pt_strerror(err), leaves,
	       tables);
	return 0;
}

static int cmd_protect(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	uint64_t va, len, n = 0;
	struct pt_protect op;
	(void)ac;
	if (!st || !parse_num(av[2], &va) || !parse_num(av[3], &len) || !parse_change(av[4], &op))
		return -1;
	struct pt_cursor_mut m;
	enum pt_err err = pt_cursor_mut_new(&m, &st->t, va, len);
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
	printf("protect: %s (%" PRIu64 " slots)\n", pt_strerror(err), n);
	return 0;
}

static int cmd_query(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	uint64_t va;
	(void)ac;
	if (!st || !parse_num(av[2], &va))
		return -1;
	struct pt_cursor c;
	struct pt_query q;
	enum pt_err err = pt_cursor_new(&c, &st->t, va & ~(PT_PAGE_SIZE - 1), PT_PAGE_SIZE);
	if (err == PT_OK) {
		err = pt_cursor_query(&c, &q);
		pt_cursor_drop(&c);
	}
	if (err != PT_OK)
		return report(s, "query", err);
	printf("query 0x%" PRIx64 ": slot 0x%" PRIx64 "+0x%" PRIx64 " ", va, q.va, q.len);
	if (!q.mapped) {
		printf("absent\n");
		return 0;
	}
	printf("-> 0x%" PRIx64 " L%u ", q.item.pa, q.item.level);
	put_prop(q.item.prop);
	printf("%s\n", q.item.tracked ? " tracked" : "");
	return 0;
}

static int cmd_translate(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	uint64_t va;
	pt_paddr_t pa;
	struct pt_item leaf;
	(void)ac;
	if (!st || !parse_num(av[2], &va))
		return -1;
	enum pt_err err = pt_table_translate(&st->t, va, &pa, &leaf);
	if (err != PT_OK)
		return report(s, "translate", err);
	printf("translate 0x%" PRIx64 " -> 0x%" PRIx64 " L%u ", va, pa, leaf.level);
	put_prop(leaf.prop);
	printf("\n");
	return 0;
}

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("  %s\n", line);
}

static int cmd_dump(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	(void)ac;
	if (!st)
		return -1;
	printf("dump %s:\n", av[1]);
	pt_table_dump(&st->t, print_line, NULL);
	return 0;
}

static int cmd_destroy(struct sim *s, char **av, int ac)
{
	struct sim_table *st = find_table(s, av[1]);
	(void)ac;
	if (!st)
		return -1;
	enum pt_err err = pt_table_destroy(&st->t);
	if (err == PT_OK)
		st->live = false;
	return report(s, "destroy", err);
}

static int cmd_stats(struct sim *s, char **av, int ac)
{
	(void)av;
	(void)ac;
	if (s->ram)
		s->env.reclaim.ops->drain(s->env.reclaim.ctx);
	struct pt_ram_stats st = s->ram ? pt_ram_stats(s->ram) : (struct pt_ram_stats){ 0 };
	printf("stats: %" PRIu64 " table frames, %" PRIu64 " data frames, peak %" PRIu64
	       " table frames\n", st.tables_in_use, st.data_in_use, st.peak_tables);
	return 0;
}

static int cmd_setup(struct sim *s, char **av, int ac)
{
	(void)ac;
	if (s->ram) {
		fprintf(stderr, "line %u: %s must come before any table\n", s->line, av[0]);
		return -1;
	}
	if (!strcmp(av[0], "ram"))
		return parse_num(av[1], &s->ram_size) ? 0 : -1;
	if (!strcmp(av[1], "x86_64_4"))
		s->fmt = &pt_format_x86_64_4level;
	else if (!strcmp(av[1], "x86_64_5"))
		s->fmt = &pt_format_x86_64_5level;
	else if (!strcmp(av[1], "riscv_sv39"))
		s->fmt = &pt_format_riscv_sv39;
	else if (!strcmp(av[1], "riscv_sv48"))
		s->fmt = &pt_format_riscv_sv48;
	else
		return -1;
	return 0;
}

static const struct {
	const char *name;
	int min_args;
	int (*fn)(struct sim *s, char **av, int ac);
} commands[] = {
	{ "format", 2, cmd_setup }, { "ram", 2, cmd_setup },
	{ "kernel", 2, cmd_create }, { "empty", 2, cmd_create },
	{ "user", 3, cmd_create }, { "copy", 3, cmd_create },
	{ "map", 6, cmd_map }, { "map_range", 6, cmd_map_range },
	{ "unmap", 4, cmd_unmap }, { "protect", 5, cmd_protect },
	{ "query", 3, cmd_query }, { "translate", 3, cmd_translate },
	{ "dump", 2, cmd_dump }, { "destroy", 2, cmd_destroy },
	{ "stats", 1, cmd_stats },
};

static int run_line(struct sim *s, char *line)
{
	char *av[MAX_ARGS];
	int ac = 0;
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	for (char *tok = strtok(line, " \t\r\n"); tok && ac < MAX_ARGS; tok = strtok(NULL, " \t\r\n"))
		av[ac++] = tok;
	if (ac == 0)
		return 0;
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(av[0], commands[i].name))
			continue;
		if (ac < commands[i].min_args || commands[i].fn(s, av, ac) < 0) {
			fprintf(stderr, "line %u: bad arguments to %s\n", s->line, av[0]);
			return -1;
		}
		return 0;
	}
	int rc = ptsim_machine_command(s, av, ac);
	if (rc == -1)
		fprintf(stderr, "line %u: bad arguments to %s\n", s->line, av[0]);
	if (rc != -2)
		return rc;
	fprintf(stderr, "line %u: unknown command %s\n", s->line, av[0]);
	return -1;
}

static bool teardown(struct sim *s)
{
	if (s->mach)
		ptsim_machine_quiesce(s);
	/* Users before their kernel table. */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < MAX_TABLES; i++)
			if (s->tables[i].live && (pass || s->tables[i].t.kind != PT_TABLE_KERNEL))
				s->tables[i].live = pt_table_destroy(&s->tables[i].t) != PT_OK;
	if (!s->ram)
		return true;
	s->env.reclaim.ops->drain(s->env.reclaim.ctx);
	uint64_t left = pt_ram_stats(s->ram).frames_in_use;
	if (s->mach)
		ptsim_machine_destroy(s);
	else
		pt_ram_destroy(s->ram);
	if (left)
		fprintf(stderr, "ptsim: %" PRIu64 " frames still in use after teardown\n", left);
	return left == 0;
}

int main(int argc, char **argv)
{
	struct sim s = { .fmt = &pt_format_x86_64_4level, .ram_size = 4ull << 30 };
	FILE *in = stdin;
	char line[512];
	int status = 0;
	if (argc > 1 && strcmp(argv[1], "-") && !(in = fopen(argv[1], "r"))) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), in)) {
		s.line++;
		if (run_line(&s, line) < 0) {
			status = 1;
			break;
		}
	}
	if (in != stdin)
		fclose(in);
	if (!teardown(&s))
		status = 1;
	return status;
}
