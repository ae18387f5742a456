/* SPDX-License-Identifier: MIT */
/*
 * ptsim's expectations: `expect FORM ...` turns a scenario into a test. A
 * held expectation prints nothing; a failed one is reported with what was
 * found and what was expected, and the run exits 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ptsim.h"

/* Run the command in the words from @first on, as if the line held only them. */
static int run_inner(struct sim *s, int first)
{
	char **av = s->av;
	int ac = s->ac;
	if (!strcmp(av[first], "expect"))
		return arg_error(s, first, "an expectation cannot wrap another"), -1;
	s->av += first;
	s->ac -= first;
	int rc = ptsim_dispatch(s);
	s->av = av;
	s->ac = ac;
	return rc;
}

static void outcome_text(const struct pt_sim_outcome *o, char *buf, size_t size)
{
	char e[128];
	if (o->kind == OUT_OK)
		snprintf(buf, size, "succeeded");
	else if (o->kind == OUT_ERR)
		snprintf(buf, size, "returned %s", err_text(o->err, e, sizeof(e)));
	else if (o->kind == OUT_PF)
		snprintf(buf, size, "faulted with #PF error code %#x", o->code);
	else
		snprintf(buf, size, "raised %s", o->kind == OUT_GP ? "#GP" : "a bus error");
}

static int expect_outcome(struct sim *s, const struct pt_sim_outcome *want, const char *wanted)
{
	if (run_inner(s, 2) < 0)
		return -1;
	struct pt_sim_outcome got = s->outcome;
	s->outcome = (struct pt_sim_outcome){ OUT_OK, PT_OK, 0 };
	if (got.kind == want->kind && got.err == want->err && got.code == want->code)
		return 0;
	char what[160];
	outcome_text(&got, what, sizeof(what));
	fail(s, "%s: %s %s, expected %s", s->av[0], s->av[2], what, wanted);
	return 0;
}

static int expect_error(struct sim *s)
{
	struct pt_sim_outcome want = { OUT_ERR, PT_OK, 0 };
	char wanted[64];
	if (!arg_err(s, 1, &want.err))
		return -1;
	snprintf(wanted, sizeof(wanted), "error %s", err_name(want.err));
	return expect_outcome(s, &want, wanted);
}

static int expect_fault(struct sim *s)
{
	struct pt_sim_outcome want = { OUT_GP, PT_OK, 0 };
	char wanted[64] = "#GP";
	uint64_t code;
	if (!strcmp(s->av[1], "bus")) {
		want.kind = OUT_BUS;
		snprintf(wanted, sizeof(wanted), "a bus error");
	} else if (strcmp(s->av[1], "gp")) {
		if (!arg_range(s, 1, 0, UINT32_MAX, &code))
			return -1;
		want = (struct pt_sim_outcome){ OUT_PF, PT_OK, (unsigned)code };
		snprintf(wanted, sizeof(wanted), "#PF error code %#x", want.code);
	}
	return expect_outcome(s, &want, wanted);
}

/* "0x1000 L1 rw-u,wb": what a walk found, as expect translate writes it. */
static void leaf_text(pt_paddr_t pa, pt_level_t level, struct pt_prop prop, char *buf,
		      size_t size)
{
	char p[32];
	snprintf(buf, size, "0x%" PRIx64 " L%u %s", pa, level, prop_text(prop, p, sizeof(p)));
}

static int expect_translate(struct sim *s)
{
	struct pt_sim_walk w;
	pt_paddr_t want_pa = 0;
	pt_level_t want_level = 0;
	struct pt_prop want_prop = { 0, 0 };
	bool unmapped = s->ac > 3 && !strcmp(s->av[3], "unmapped");
	if (!arg_walk(s, &w))
		return -1;
	if (unmapped && s->ac > 4)
		return arg_error(s, 4, "unexpected argument after 'unmapped'"), -1;
	if (!unmapped && s->ac < 6)
		return cmd_error(s, "missing argument %d %s (usage: expect translate NAME VA "
				 "PA LEVEL PROPS, or NAME VA unmapped)", s->ac,
				 s->ac == 4 ? "LEVEL" : "PROPS"), -1;
	if (!unmapped && (!arg_num(s, 3, &want_pa) || !arg_level(s, 4, &want_level) ||
			  !arg_prop(s, 5, &want_prop)))
		return -1;
	char got[96], wanted[96] = "unmapped", err[80];
	if (unmapped ? w.err == PT_ERR_NOT_MAPPED
		     : w.err == PT_OK && w.pa == want_pa && w.leaf.level == want_level &&
			       pt_prop_eq(w.leaf.prop, want_prop))
		return 0;
	if (w.err != PT_OK)
		snprintf(got, sizeof(got), "returned %s", err_text(w.err, err, sizeof(err)));
	else
		leaf_text(w.pa, w.leaf.level, w.leaf.prop, got, sizeof(got));
	if (!unmapped)
		leaf_text(want_pa, want_level, want_prop, wanted, sizeof(wanted));
	fail(s, "expect translate: %s 0x%" PRIx64 " %s%s, expected %s", w.st->name, w.va,
	     w.err == PT_OK ? "-> " : "", got, wanted);
	return 0;
}

static void check_count(struct sim *s, const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		fail(s, "%s: %s is %" PRIu64 ", expected %" PRIu64, s->av[0], what, got, want);
}

static int expect_stale(struct sim *s)
{
	uint64_t want, want_harmful = 0;
	size_t stale, harmful;
	if (!arg_num(s, 1, &want) || (s->ac > 2 && !arg_num(s, 2, &want_harmful)))
		return -1;
	if (!ptsim_machine_stale(s, &stale, &harmful))
		return cmd_error(s, "the coherence check failed (out of host memory)"), -1;
	check_count(s, "the count of stale TLB entries", stale, want);
	if (s->ac > 2)
		check_count(s, "the count of harmful stale TLB entries", harmful, want_harmful);
	return 0;
}

static int expect_refs(struct sim *s)
{
	struct pt_sim_walk w;
	uint64_t want;
	if (!arg_walk(s, &w) || !arg_num(s, 3, &want))
		return -1;
	char buf[128];
	if (w.err != PT_OK)
		fail(s, "expect refs: %s 0x%" PRIx64 " returned %s", w.st->name, w.va,
		     err_text(w.err, buf, sizeof(buf)));
	else if (!w.leaf.tracked)
		fail(s, "expect refs: %s 0x%" PRIx64 " maps an untracked frame", w.st->name, w.va);
	else
		check_count(s, "the frame's reference count", pt_sim_ram_refcount(s->ram, w.leaf.pa),
			    want);
	return 0;
}

static int expect_frames(struct sim *s)
{
	static const char *const kinds[] = { "tables", "data", "peak-tables", NULL };
	unsigned kind;
	uint64_t want;
	if (!arg_word(s, 1, kinds, &kind) || !arg_num(s, 2, &want))
		return -1;
	ptsim_drain(s);
	struct pt_sim_ram_stats st = s->ram ? pt_sim_ram_stats(s->ram) : (struct pt_sim_ram_stats){ 0 };
	uint64_t got[] = { st.tables_in_use, st.data_in_use, st.peak_tables };
	char what[48];
	snprintf(what, sizeof(what), "the count of %s frames", kinds[kind]);
	check_count(s, what, got[kind], want);
	return 0;
}

static int expect_wx(struct sim *s)
{
	struct pt_sim_table *st = arg_table(s, 1);
	uint64_t want;
	if (!st || !arg_num(s, 2, &want))
		return -1;
	check_count(s, "the count of W+X pages", ptsim_wx_pages(s, st, false), want);
	return 0;
}

const struct pt_sim_command ptsim_expect_cmds[] = {
	{ "expect error", "ERR COMMAND...", "COMMAND must return error ERR", expect_error,
	  false },
	{ "expect fault", "CODE|gp|bus COMMAND...",
	  "COMMAND must raise #PF with CODE, #GP or a bus error", expect_fault,
	  false },
	{ "expect translate", "NAME VA PA|unmapped [LEVEL] [PROPS]",
	  "VA maps to PA in a LEVEL leaf with exactly PROPS", expect_translate, false },
	{ "expect stale", "COUNT [HARMFUL]", "the coherence check finds COUNT stale entries",
	  expect_stale, true },
	{ "expect refs", "NAME VA COUNT", "the frame mapped at VA has COUNT references",
	  expect_refs, false },
	{ "expect frames", "tables|data|peak-tables COUNT", "frames in use (after reclamation)",
	  expect_frames, false },
	{ "expect wx", "NAME COUNT", "NAME maps COUNT 4K pages both writable and executable",
	  expect_wx, false },
	{ NULL, NULL, NULL, NULL, false },
};
