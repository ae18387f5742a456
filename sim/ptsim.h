/* SPDX-License-Identifier: MIT */
/* ptsim's state and helpers, shared with its machine commands (ptsim_machine.c). */
#ifndef PT_SIM_PTSIM_H
#define PT_SIM_PTSIM_H

#include <pt/pt.h>

#include "ram.h"

#define MAX_TABLES 16
#define MAX_ARGS 8

struct sim_table {
	char name[32];
	struct pt_table t;
	bool live;
};

struct sim {
	const struct pt_format *fmt;
	uint64_t ram_size;
	struct pt_ram *ram;
	struct pt_env env;
	struct sim_table tables[MAX_TABLES];
	unsigned line;
	struct ptsim_machine *mach;   /* the simulated machine, if any */
};

/* Parse a number with K/M/G/T suffixes; false if malformed. */
bool parse_num(const char *s, uint64_t *out);
/* Parse "rwxugad[,cache]"; false if malformed. */
bool parse_prop(const char *s, struct pt_prop *p);
/* Parse a protect change "+x-w,uc"; false if malformed. */
bool parse_change(const char *s, struct pt_protect *op);
/* The live table named @name, or NULL (with a message). */
struct sim_table *find_table(struct sim *s, const char *name);
/* Print "what: error" and return 0. */
int report(struct sim *s, const char *what, enum pt_err err);

/* Run a machine command; -2 if @av[0] is not one, -1 on bad arguments. */
int ptsim_machine_command(struct sim *s, char **av, int ac);
/* Before teardown: every CPU takes its table offline, the thread stays on CPU 0. */
void ptsim_machine_quiesce(struct sim *s);
/* Destroy the machine and its RAM. */
void ptsim_machine_destroy(struct sim *s);

#endif
