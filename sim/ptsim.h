/* SPDX-License-Identifier: MIT */
/*
 * ptsim's engine, shared by its command files, its main program and the
 * scenario-parser fuzz target. A scenario is read line by line; each command
 * checks its arguments first (an input error stops the run, exit 2), then
 * runs and records its outcome: a libpt error or a CPU exception is a
 * failure (exit 1) unless an `expect error` / `expect fault` wraps it.
 */
#ifndef PT_SIM_PTSIM_H
#define PT_SIM_PTSIM_H

#include <stdio.h>

#include <pt/pt.h>

#include <pt/sim/ram.h>
#include <pt/sim/reclaim_sync.h>

#define MAX_TABLES 16
#define MAX_NAME 31

enum { PTSIM_OK = 0, PTSIM_FAILED = 1, PTSIM_INPUT = 2 };

struct pt_sim_table {
	char name[MAX_NAME + 1];
	struct pt_vmspace vs;        /* its table: vs.table */
	unsigned line;               /* where it was created */
	bool live;
};

/* What a command did: success, a libpt error, or an exception on a CPU. */
struct pt_sim_outcome {
	enum { OUT_OK, OUT_ERR, OUT_PF, OUT_GP, OUT_BUS } kind;
	enum pt_err err;
	unsigned code;               /* #PF error code */
};

struct sim {
	const struct pt_format *fmt;
	uint64_t ram_size;
	uint64_t max_ram;            /* the largest `ram` accepted */
	uint64_t nr_iotlb_flushes;   /* flushes of empty tables (IOMMU domains) */
	struct pt_sim_ram *ram;
	struct pt_env env;
	/* Deferred frees run at the end of each command: outputs do not depend on timing. */
	struct pt_sync_reclaim reclaim;
	struct pt_sim_table tables[MAX_TABLES];
	FILE *out, *err;
	unsigned line;
	char **av;                   /* the current command's words */
	int ac;
	struct pt_sim_outcome outcome;  /* of the current command */
	unsigned failures;
	struct ptsim_machine *mach;  /* the simulated machine, if any */
};

/* One command: its words and arguments (usage), help, and runner (-1: input error). */
struct pt_sim_command {
	const char *name;
	const char *usage;           /* "NAME VA [tracked]"; "[..]" optional, "X..." repeats */
	const char *help;
	int (*fn)(struct sim *s);
	bool needs_machine;
};

/* The command tables of each file, ending with a NULL name. */
extern const struct pt_sim_command ptsim_table_cmds[];
extern const struct pt_sim_command ptsim_dump_cmds[];
extern const struct pt_sim_command ptsim_expect_cmds[];
extern const struct pt_sim_command ptsim_machine_cmds[];

/* Set up @s with default settings, writing to @out and @err. */
void ptsim_init(struct sim *s, FILE *out, FILE *err);
/* Run the scenario read from @in; then tear down. PTSIM_OK, PTSIM_FAILED or PTSIM_INPUT. */
int ptsim_run(struct sim *s, FILE *in, const char *name);
/* Print the usage text (commands with their arguments, exit codes). */
void ptsim_usage(FILE *out);
/* The command named @name, or NULL. */
const struct pt_sim_command *ptsim_find_command(const char *name);
/* Run the command in s->av (argument checks, then the runner); -1 on an input error. */
int ptsim_dispatch(struct sim *s);

/* @word as a message shows it: at most 40 bytes, others as "...", non-printing as \xNN. */
const char *ptsim_shown(const char *word, char *buf, size_t size);
/* Report an input error about argument @i ("line N: CMD: argument I 'X': ..."); returns false. */
bool arg_error(struct sim *s, int i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Report an input error about the command as a whole; returns false. */
bool cmd_error(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a failed command or expectation ("line N: ..."); counts it. */
void fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Argument parsers: argument @i into @out, or an input error (false). */
bool arg_num(struct sim *s, int i, uint64_t *out);
bool arg_range(struct sim *s, int i, uint64_t lo, uint64_t hi, uint64_t *out);
bool arg_level(struct sim *s, int i, pt_level_t *out);
bool arg_prop(struct sim *s, int i, struct pt_prop *p);
bool arg_change(struct sim *s, int i, struct pt_protect *op);
bool arg_word(struct sim *s, int i, const char *const *words, unsigned *out);
bool arg_err(struct sim *s, int i, enum pt_err *out);
/* The live table named by argument @i, or an input error (NULL). */
struct pt_sim_table *arg_table(struct sim *s, int i);
/* A software walk: the address, and what pt_table_translate found there. */
struct pt_sim_walk {
	struct pt_sim_table *st;
	uint64_t va;
	pt_paddr_t pa;
	struct pt_item leaf;
	enum pt_err err;
};
/* Walk the table of argument 1 at the address of argument 2 (deferred frees run first). */
bool arg_walk(struct sim *s, struct pt_sim_walk *w);
/* A fresh table slot named by argument @i (not live; RAM created on first use). */
struct pt_sim_table *new_table(struct sim *s, int i);

/* A property as "rw-u,wb" (the syntax map takes), in @buf. */
const char *prop_text(struct pt_prop p, char *buf, size_t size);
/* Print a property as prop_text writes it. */
void put_prop(FILE *out, struct pt_prop p);
/* The short name of @err ("mapped"), as `expect error` takes it. */
const char *err_name(enum pt_err err);
/* Record a libpt result as the command's outcome (PT_OK records nothing). */
void set_err(struct sim *s, enum pt_err err);
/* "success", or "<description> [<name>]" in @buf. */
const char *err_text(enum pt_err err, char *buf, size_t size);
/* Record @err and print "what: <err_text>"; returns 0. */
int report(struct sim *s, const char *what, enum pt_err err);
/* Drain deferred frees, so frame counts are final. */
void ptsim_drain(struct sim *s);

extern const char *const ptsim_cache_names[PT_CACHE__COUNT];
/* The `format` command's name of @f. */
const char *ptsim_format_name(const struct pt_format *f);
/* The 4 KiB pages of @st mapped both writable and executable; @print lists their runs. */
uint64_t ptsim_wx_pages(struct sim *s, struct pt_sim_table *st, bool print);

/* Before teardown: every CPU takes its table offline, the thread stays on CPU 0. */
void ptsim_machine_quiesce(struct sim *s);
/* Destroy the machine and its RAM. */
void ptsim_machine_destroy(struct sim *s);
/* The coherence check's counts (stale, harmful); false without a machine. */
bool ptsim_machine_stale(struct sim *s, size_t *stale, size_t *harmful);

#endif
