/* SPDX-License-Identifier: MIT */
/*
 * ptsim's argument parsers. Each names the argument it rejects and says what
 * was expected; nothing is guessed: numbers are decimal or 0x hex (no octal,
 * no sign), must fit in 64 bits, and a word must be one of those listed.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pt/sim/env.h>
#include "ptsim.h"

#define NUM_EXPECTED "expected decimal or 0x hex, with an optional K, M, G or T suffix"
#define PROP_EXPECTED "expected letters from rwxugad-, then an optional ,wb|wt|wc|uc|uc-|wp"
#define CHANGE_EXPECTED \
	"expected +letters and -letters from rwxugad, then an optional ,wb|wt|wc|uc|uc-|wp"

const char *const ptsim_cache_names[PT_CACHE__COUNT] = { "wb", "wt", "wc", "uc", "uc-", "wp" };

static const char *const err_names[PT_ERR__COUNT] = {
	[PT_OK] = "ok", [PT_ERR_INVAL] = "inval", [PT_ERR_RANGE] = "range",
	[PT_ERR_NONCANONICAL] = "noncanonical", [PT_ERR_UNALIGNED] = "unaligned",
	[PT_ERR_VADDR] = "vaddr", [PT_ERR_LENGTH] = "length", [PT_ERR_MAPPED] = "mapped",
	[PT_ERR_LEVEL] = "level", [PT_ERR_TRACKED_HUGE] = "tracked-huge",
	[PT_ERR_GLOBAL_USER] = "global-user", [PT_ERR_PADDR] = "paddr", [PT_ERR_NOMEM] = "nomem",
	[PT_ERR_BUSY] = "busy", [PT_ERR_NOT_MAPPED] = "not-mapped",
};

const char *err_name(enum pt_err err)
{
	return (unsigned)err < PT_ERR__COUNT && err_names[err] ? err_names[err] : "unknown";
}

/* @s as shown in a message: at most 40 bytes, non-printing bytes as \xNN. */
const char *ptsim_shown(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	for (; *s && n + 8 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		if (n >= 40) {
			n += (size_t)snprintf(buf + n, size - n, "...");
			break;
		}
		if (isprint(ch) && ch != '\'')
			buf[n++] = (char)ch;
		else
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", ch);
	}
	buf[n] = '\0';
	return buf;
}

bool arg_error(struct sim *s, int i, const char *fmt, ...)
{
	char cmd[64], word[64], msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(s->err, "line %u: %s: argument %d '%s': %s\n", s->line,
		ptsim_shown(s->av[0], cmd, sizeof(cmd)), i, ptsim_shown(s->av[i], word, sizeof(word)), msg);
	return false;
}

bool cmd_error(struct sim *s, const char *fmt, ...)
{
	char word[64], msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(s->err, "line %u: %s: %s\n", s->line, ptsim_shown(s->av[0], word, sizeof(word)), msg);
	return false;
}

void fail(struct sim *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(s->err, "line %u: %s\n", s->line, msg);
	s->failures++;
}

static int digit_value(char ch, unsigned base)
{
	int v = ch >= '0' && ch <= '9' ? ch - '0'
	      : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	      : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : 99;
	return v < (int)base ? v : -1;
}

static unsigned suffix_shift(char ch)
{
	switch (ch) {
	case 'K': case 'k': return 10;
	case 'M': case 'm': return 20;
	case 'G': case 'g': return 30;
	case 'T': case 't': return 40;
	default: return 0;
	}
}

bool arg_num(struct sim *s, int i, uint64_t *out)
{
	const char *p = s->av[i];
	unsigned base = 10;
	uint64_t v = 0;
	bool overflow = false;
	if (*p == '-')
		return arg_error(s, i, "negative numbers are not allowed (" NUM_EXPECTED ")");
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	const char *digits = p;
	for (int d; (d = digit_value(*p, base)) >= 0; p++) {
		overflow |= v > (UINT64_MAX - (uint64_t)d) / base;
		v = v * base + (uint64_t)d;
	}
	unsigned shift = p > digits && p[0] && !p[1] ? suffix_shift(*p) : 0;
	if (p == digits || (*p && !shift))
		return arg_error(s, i, "not a number (" NUM_EXPECTED ")");
	if (overflow || (shift && v >> (64 - shift)))
		return arg_error(s, i, "does not fit in 64 bits");
	*out = v << shift;
	return true;
}

bool arg_range(struct sim *s, int i, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!arg_num(s, i, out))
		return false;
	if (*out < lo || *out > hi)
		return arg_error(s, i, "out of range (expected %" PRIu64 " to %" PRIu64 ")", lo, hi);
	return true;
}

bool arg_level(struct sim *s, int i, pt_level_t *out)
{
	const char *p = s->av[i];
	unsigned n = s->fmt->levels, v = 0;
	p += *p == 'L';
	if (*p >= '1' && *p <= '9' && !p[1])
		v = (unsigned)(*p - '0');
	if (v < 1 || v > n)
		return arg_error(s, i, "not a level (expected 1 to %u, or L1 to L%u)", n, n);
	*out = (pt_level_t)v;
	return true;
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

static bool parse_cache(struct sim *s, int i, const char *name, const char *expected,
			uint8_t *cache)
{
	for (unsigned c = 0; c < PT_CACHE__COUNT; c++)
		if (!strcmp(name, ptsim_cache_names[c])) {
			*cache = (uint8_t)c;
			return true;
		}
	char word[64];
	return arg_error(s, i, "unknown cache mode '%s' (%s)", ptsim_shown(name, word, sizeof(word)),
			 expected);
}

bool arg_prop(struct sim *s, int i, struct pt_prop *p)
{
	const char *c = s->av[i];
	p->flags = 0;
	p->cache = PT_CACHE_WB;
	for (; *c && *c != ','; c++) {
		if (!flag_of(*c) && *c != '-')
			return arg_error(s, i, "unknown property '%c' (" PROP_EXPECTED ")", *c);
		p->flags |= flag_of(*c);
	}
	return *c != ',' || parse_cache(s, i, c + 1, PROP_EXPECTED, &p->cache);
}

bool arg_change(struct sim *s, int i, struct pt_protect *op)
{
	const char *c = s->av[i];
	bool add = true;
	*op = (struct pt_protect){ 0, 0, -1 };
	for (; *c && *c != ','; c++) {
		if (*c == '+' || *c == '-') {
			add = *c == '+';
			continue;
		}
		if (!flag_of(*c))
			return arg_error(s, i, "unknown property '%c' (" CHANGE_EXPECTED ")", *c);
		if (add)
			op->set |= flag_of(*c);
		else
			op->clear |= flag_of(*c);
	}
	uint8_t cache;
	if (*c == ',' && !parse_cache(s, i, c + 1, CHANGE_EXPECTED, &cache))
		return false;
	if (*c == ',')
		op->cache = (int8_t)cache;
	return true;
}

bool arg_word(struct sim *s, int i, const char *const *words, unsigned *out)
{
	char list[256];
	size_t n = 0;
	for (unsigned w = 0; words[w]; w++) {
		if (!strcmp(s->av[i], words[w])) {
			*out = w;
			return true;
		}
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", w ? "|" : "", words[w]);
	}
	return arg_error(s, i, "expected %s", list);
}

bool arg_err(struct sim *s, int i, enum pt_err *out)
{
	for (unsigned e = 1; e < PT_ERR__COUNT; e++)
		if (err_names[e] && !strcmp(s->av[i], err_names[e])) {
			*out = (enum pt_err)e;
			return true;
		}
	return arg_error(s, i, "unknown error name (expected one of those ptsim --help lists)");
}

static struct pt_sim_table *live_table(struct sim *s, const char *name)
{
	for (unsigned i = 0; i < MAX_TABLES; i++)
		if (s->tables[i].live && !strcmp(s->tables[i].name, name))
			return &s->tables[i];
	return NULL;
}

struct pt_sim_table *arg_table(struct sim *s, int i)
{
	struct pt_sim_table *st = live_table(s, s->av[i]);
	if (!st)
		arg_error(s, i, "no table of that name");
	return st;
}

bool arg_walk(struct sim *s, struct pt_sim_walk *w)
{
	if (!(w->st = arg_table(s, 1)) || !arg_num(s, 2, &w->va))
		return false;
	ptsim_drain(s);
	w->err = pt_table_translate(&w->st->vs.table, w->va, &w->pa, &w->leaf);
	return true;
}

static bool valid_name(const char *p)
{
	if (!isalnum((unsigned char)*p) && *p != '_')
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	return true;
}

static bool ensure_ram(struct sim *s)
{
	if (s->ram)
		return true;
	s->ram = pt_sim_ram_create(s->ram_size);
	if (!s->ram)
		return cmd_error(s, "cannot create %" PRIu64 " bytes of simulated RAM", s->ram_size);
	s->env = pt_sim_env(s->fmt, s->ram);
	s->env.reclaim = pt_sim_reclaim_sync(&s->reclaim);
	return true;
}

struct pt_sim_table *new_table(struct sim *s, int i)
{
	const char *name = s->av[i];
	struct pt_sim_table *old = live_table(s, name);
	if (strlen(name) > MAX_NAME || !valid_name(name)) {
		arg_error(s, i, "not a table name (expected at most %d letters, digits, _ . -)",
			  MAX_NAME);
		return NULL;
	}
	if (old) {
		arg_error(s, i, "a table of that name exists (created on line %u)", old->line);
		return NULL;
	}
	for (unsigned t = 0; t < MAX_TABLES; t++) {
		struct pt_sim_table *st = &s->tables[t];
		if (st->live)
			continue;
		if (!ensure_ram(s))
			return NULL;
		snprintf(st->name, sizeof(st->name), "%s", name);
		st->line = s->line;
		return st;
	}
	arg_error(s, i, "too many tables (at most %d live at once)", MAX_TABLES);
	return NULL;
}

const char *prop_text(struct pt_prop p, char *buf, size_t size)
{
	snprintf(buf, size, "%c%c%c%s%s%s%s,%s", p.flags & PT_R ? 'r' : '-',
		 p.flags & PT_W ? 'w' : '-', p.flags & PT_X ? 'x' : '-',
		 p.flags & PT_USER ? "u" : "", p.flags & PT_GLOBAL ? "g" : "",
		 p.flags & PT_ACCESSED ? "a" : "", p.flags & PT_DIRTY ? "d" : "",
		 ptsim_cache_names[p.cache < PT_CACHE__COUNT ? p.cache : 0]);
	return buf;
}

void put_prop(FILE *out, struct pt_prop p)
{
	char buf[32];
	fputs(prop_text(p, buf, sizeof(buf)), out);
}

void set_err(struct sim *s, enum pt_err err)
{
	if (err != PT_OK)
		s->outcome = (struct pt_sim_outcome){ OUT_ERR, err, 0 };
}

const char *err_text(enum pt_err err, char *buf, size_t size)
{
	if (err == PT_OK)
		return "success";
	snprintf(buf, size, "%s [%s]", pt_strerror(err), err_name(err));
	return buf;
}

int report(struct sim *s, const char *what, enum pt_err err)
{
	char buf[128];
	set_err(s, err);
	fprintf(s->out, "%s: %s\n", what, err_text(err, buf, sizeof(buf)));
	return 0;
}

void ptsim_drain(struct sim *s)
{
	if (s->ram)
		s->env.reclaim.ops->drain(s->env.reclaim.ctx);
}
