/* SPDX-License-Identifier: MIT */
/*
 * ptsim's engine: read a scenario line by line (any length), split each line
 * into words ('#' starts a comment), check the word count against the
 * command's usage, run it, and hold it to its outcome. The commands live in
 * ptsim_table.c, ptsim_dump.c, ptsim_expect.c and ptsim_machine.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptsim.h"

static const struct pt_sim_command *const command_sets[] = {
	ptsim_table_cmds, ptsim_dump_cmds, ptsim_expect_cmds, ptsim_machine_cmds,
};
static const char *const set_titles[] = {
	"Tables", "Dumps", "Expectations (a failed one exits 1)", "The simulated x86-64 machine",
};

const struct pt_sim_command *ptsim_find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(command_sets) / sizeof(command_sets[0]); i++)
		for (const struct pt_sim_command *c = command_sets[i]; c->name; c++)
			if (!strcmp(c->name, name))
				return c;
	return NULL;
}

struct arity {
	int min, max;                /* argument counts, the command word not included */
	char words[16][24];          /* the usage's words, "[x]" without brackets */
};

static void usage_arity(const char *usage, struct arity *a)
{
	a->min = a->max = 0;
	for (const char *p = usage; *p;) {
		size_t n = strcspn(p, " ");
		bool optional = *p == '[';
		if (a->max < 16)
			snprintf(a->words[a->max], sizeof(a->words[0]), "%.*s",
				 (int)(n - 2 * optional), p + optional);
		if (n >= 3 && !strncmp(p + n - 3, "...", 3))
			a->max = 1 << 20;
		else
			a->max++;
		a->min += !optional;
		p += n + (p[n] == ' ');
	}
}

static bool check_arity(struct sim *s, const struct pt_sim_command *c)
{
	struct arity a;
	usage_arity(c->usage, &a);
	int given = s->ac - 1;
	const char *sep = *c->usage ? " " : "";
	if (given < a.min)
		return cmd_error(s, "missing argument %d %s (usage: %s%s%s)", given + 1,
				 a.words[given < 16 ? given : 15], c->name, sep, c->usage);
	if (given > a.max)
		return arg_error(s, a.max + 1, "unexpected argument (usage: %s%s%s)", c->name, sep,
				 c->usage);
	return true;
}

static int run_command(struct sim *s, const struct pt_sim_command *c);

/* "expect error ...": the two-word command "expect error" with arguments from "...". */
static int dispatch_two_words(struct sim *s)
{
	char name[64], list[256];
	size_t n = 0, len = strlen(s->av[0]);
	const struct pt_sim_command *c = NULL;
	snprintf(name, sizeof(name), "%s %s", s->av[0], s->ac > 1 ? s->av[1] : "");
	for (size_t i = 0; i < sizeof(command_sets) / sizeof(command_sets[0]); i++)
		for (const struct pt_sim_command *k = command_sets[i]; k->name; k++) {
			if (strncmp(k->name, s->av[0], len) || k->name[len] != ' ')
				continue;
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? "|" : "",
					      k->name + len + 1);
			if (!strcmp(k->name, name))
				c = k;
		}
	if (!n)
		return -2;
	if (s->ac < 2)
		return cmd_error(s, "missing argument 1 (expected %s)", list), -1;
	if (!c)
		return arg_error(s, 1, "expected %s", list), -1;
	char *word = s->av[1];
	s->av[1] = (char *)c->name;
	s->av++;
	s->ac--;
	int rc = run_command(s, c);
	s->av--;
	s->ac++;
	s->av[1] = word;
	return rc;
}

static int run_command(struct sim *s, const struct pt_sim_command *c)
{
	if (!check_arity(s, c))
		return -1;
	if (c->needs_machine && !s->mach)
		return cmd_error(s, "needs the simulated machine ('machine NCPUS' before any table)"),
		       -1;
	return c->fn(s) < 0 ? -1 : 0;
}

int ptsim_dispatch(struct sim *s)
{
	const struct pt_sim_command *c = ptsim_find_command(s->av[0]);
	int rc = c ? run_command(s, c) : dispatch_two_words(s);
	if (rc != -2)
		return rc;
	char word[64];
	fprintf(s->err, "line %u: unknown command '%s' (see ptsim --help)\n", s->line,
		ptsim_shown(s->av[0], word, sizeof(word)));
	return -1;
}

/* The expectation that would make @o intended: "error mapped", "fault 0x4", "fault gp". */
static void expectation_of(const struct pt_sim_outcome *o, char *buf, size_t size)
{
	if (o->kind == OUT_ERR)
		snprintf(buf, size, "error %s", err_name(o->err));
	else if (o->kind == OUT_PF)
		snprintf(buf, size, "fault %#x", o->code);
	else
		snprintf(buf, size, "fault %s", o->kind == OUT_GP ? "gp" : "bus");
}

/* Split @line into s->av (growing @cap); false on a NUL byte. */
static bool split(struct sim *s, char *line, size_t len, size_t *cap)
{
	if (strlen(line) != len)
		return false;
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	s->ac = 0;
	for (char *tok = strtok(line, " \t\r\n\v\f"); tok; tok = strtok(NULL, " \t\r\n\v\f")) {
		if ((size_t)s->ac + 1 >= *cap) {
			char **av = realloc(s->av, (*cap = *cap * 2 + 16) * sizeof(*av));
			if (!av)
				abort();
			s->av = av;
		}
		s->av[s->ac++] = tok;
	}
	return true;
}

static int run_line(struct sim *s)
{
	s->outcome = (struct pt_sim_outcome){ OUT_OK, PT_OK, 0 };
	int rc = ptsim_dispatch(s);
	ptsim_drain(s);
	if (rc < 0)
		return -1;
	if (s->outcome.kind != OUT_OK) {
		char what[160], want[48];
		const struct pt_sim_outcome *o = &s->outcome;
		expectation_of(o, want, sizeof(want));
		if (o->kind == OUT_ERR)
			snprintf(what, sizeof(what), "error %s: %s", err_name(o->err),
				 pt_strerror(o->err));
		else if (o->kind == OUT_PF)
			snprintf(what, sizeof(what), "#PF, error code %#x", o->code);
		else
			snprintf(what, sizeof(what), "%s", o->kind == OUT_GP ? "#GP" : "bus error");
		fail(s, "%s: unexpected %s (if intended: expect %s %s ...)", s->av[0], what, want,
		     s->av[0]);
	}
	return 0;
}

static bool teardown(struct sim *s)
{
	if (s->mach)
		ptsim_machine_quiesce(s);
	/* Users before their kernel table. */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < MAX_TABLES; i++)
			if (s->tables[i].live && (pass || s->tables[i].vs.table.kind != PT_TABLE_KERNEL))
				s->tables[i].live = pt_vmspace_destroy(&s->tables[i].vs) != PT_OK;
	if (!s->ram)
		return true;
	ptsim_drain(s);
	uint64_t left = pt_sim_ram_stats(s->ram).frames_in_use;
	if (s->mach)
		ptsim_machine_destroy(s);
	else
		pt_sim_ram_destroy(s->ram);
	s->ram = NULL;
	if (left)
		fprintf(s->err, "ptsim: %" PRIu64 " frames still in use after teardown\n", left);
	return left == 0;
}

void ptsim_init(struct sim *s, FILE *out, FILE *err)
{
	*s = (struct sim){ .fmt = &pt_format_x86_64_4level, .ram_size = 4ull << 30,
			   .max_ram = PT_RAM_MAX_SIZE, .out = out, .err = err };
}

int ptsim_run(struct sim *s, FILE *in, const char *name)
{
	char *line = NULL;
	size_t size = 0, cap = 0;
	ssize_t len;
	int status = PTSIM_OK;
	while (status == PTSIM_OK && (len = getline(&line, &size, in)) >= 0) {
		s->line++;
		if (!split(s, line, (size_t)len, &cap)) {
			fprintf(s->err, "line %u: a NUL byte (expected a text file)\n", s->line);
			status = PTSIM_INPUT;
		} else if (s->ac && run_line(s) < 0) {
			status = PTSIM_INPUT;
		}
	}
	if (status == PTSIM_OK && ferror(in)) {
		fprintf(s->err, "ptsim: %s: %s\n", name, strerror(errno));
		status = PTSIM_INPUT;
	}
	free(line);
	free(s->av);
	s->av = NULL;
	if (!teardown(s))
		s->failures++;
	if (status == PTSIM_OK && s->failures) {
		fprintf(s->err, "ptsim: %u failure%s\n", s->failures, s->failures > 1 ? "s" : "");
		status = PTSIM_FAILED;
	}
	return status;
}

void ptsim_usage(FILE *out)
{
	fputs("Usage: ptsim [FILE | -]\n"
	      "       ptsim --help | --version\n"
	      "Run a page-table scenario (one command a line, '#' starts a comment) on\n"
	      "simulated RAM and print what each command did. Without FILE, or with -,\n"
	      "read standard input.\n", out);
	for (size_t i = 0; i < sizeof(command_sets) / sizeof(command_sets[0]); i++) {
		fprintf(out, "\n%s:\n", set_titles[i]);
		for (const struct pt_sim_command *c = command_sets[i]; c->name; c++) {
			char head[96];
			snprintf(head, sizeof(head), "%s%s%s", c->name, *c->usage ? " " : "",
				 c->usage);
			if (strlen(head) > 38)
				fprintf(out, "  %s\n  %-38s %s\n", head, "", c->help);
			else
				fprintf(out, "  %-38s %s\n", head, c->help);
		}
	}
	fputs("\nArguments:\n"
	      "  VA PA LEN SIZE N   decimal or 0x hex, optional K, M, G or T suffix; no sign\n"
	      "  LEVEL              1 (4 KiB pages) up to the format's levels; L1 also reads as 1\n"
	      "  PROPS              letters from rwxugad- (read write exec user global accessed\n"
	      "                     dirty), then an optional ,wb|wt|wc|uc|uc-|wp; e.g. rw-u,wc\n"
	      "  CHANGE             +letters and -letters, then an optional cache: +x-w,uc\n"
	      "  ERR                inval range noncanonical unaligned vaddr length mapped level\n"
	      "                     tracked-huge global-user paddr nomem busy not-mapped\n"
	      "  NAME               a table: up to 31 letters, digits, _ . -; unique while live\n"
	      "\nA command that returns an error, an access that faults and a #GP are\n"
	      "failures unless wrapped in 'expect error' or 'expect fault'.\n"
	      "\nExit status:\n"
	      "  0  every command succeeded or failed as expected, every expectation held\n"
	      "  1  a command or an expectation failed (the run goes on; each is reported)\n"
	      "  2  usage or input error: bad option, unreadable file, unknown command, bad\n"
	      "     argument (the run stops at that line)\n"
	      "\nSee ptsim(1).\n", out);
}
