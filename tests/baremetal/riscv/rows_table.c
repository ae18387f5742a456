/* SPDX-License-Identifier: MIT */
/*
 * The row table: each row changes the kernel table through a cursor, fences
 * the affected pages (SFENCE.VMA), makes one S-mode access and compares what
 * the hart did with what the row says by hand: the trap (scause, stval),
 * the memory the access reached (a marker planted at the expected physical
 * address through the direct map), then the leaf as the core reports it
 * (level, address, flags including the A/D bits the hart set, memory type)
 * and as the kernel's own walk of satp reads it (raw V R W X U G A D PBMT).
 */
#include "rows.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define RA 0ull             /* 4 KiB pages */
#define RC (RA + M2)        /* 4 KiB pages with each memory type */
#define RB G1               /* 2 MiB leaves */
#define RG (2 * G1)         /* 1 GiB leaves (Sv48: the kernel table may hold them) */
#define RD (3 * G1)         /* map_range */
#define HUGE BM_HUGE_PA

enum op { NOP, MAP, MAP_RANGE, PROTECT, TAKE };
enum acc { NONE, READ, WRITE, EXEC };

struct row {
	const char *name;
	enum op op;
	uint64_t va, len;       /* offsets from TB; len: MAP_RANGE, PROTECT, TAKE */
	int frame;              /* MAP: a data frame slot (tracked, level 1), else pa/level */
	uint64_t pa;
	unsigned level;
	uint16_t flags;
	uint8_t cache;
	struct pt_protect prot;
	unsigned needs;         /* 1: PBMT leaves work; 2: 1 GiB leaves in the kernel table */
	enum acc acc;
	uint64_t at;            /* offset from TB of the access and of the checks */
	/* Expected, written by hand. */
	uint64_t x_cause;       /* 0: no trap; 12, 13, 15: page faults */
	int x_frame;            /* the access reaches slot x_frame at offset x_pa, */
	uint64_t x_pa;          /* or (x_frame 0) physical x_pa; both 0: unchecked */
	unsigned x_level;
	uint16_t x_set, x_clear;
	uint8_t x_cache;        /* policy + 1; 0: unchecked */
	uint64_t x_raw_set, x_raw_clear;
};

#define NR_SLOTS 16
#define C(p) ((uint8_t)((p) + 1))
#define PROT(c, s) { (uint16_t)(c), (uint16_t)(s), -1 }
#define RECACHE(p) { 0, 0, (int8_t)(p) }
#define ACC PT_ACCESSED
#define DIRTY PT_DIRTY
#define LPF EXC_LOAD_PF
#define SPF EXC_STORE_PF
#define FPF EXC_FETCH_PF
#define P0 PROT(0, 0)

static const struct row rows[] = {
	{ "4k rw leaf: read sets A", MAP, RA, 0, 1, 0, 1, PT_RW, 0, P0, 0, READ, RA + 0x10,
	  0, 1, 0x10, 1, PT_RW | ACC, DIRTY | PT_X | PT_USER, C(PT_CACHE_WB),
	  X_V | X_R | X_W | X_A, X_D | X_X | X_U | X_G | X_PBMT_NC | X_PBMT_IO },
	{ "4k rw leaf: write sets D", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, WRITE, RA + 0x18,
	  0, 1, 0x18, 1, PT_RW | ACC | DIRTY, 0, 0, X_A | X_D, 0 },
	{ "4k ro leaf: read", MAP, RA + K4, 0, 2, 0, 1, PT_R, 0, P0, 0, READ, RA + K4,
	  0, 2, 0, 1, PT_R | ACC, PT_W | DIRTY, 0, X_V | X_R | X_A, X_W | X_D },
	{ "4k ro leaf: write faults (scause 15)", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, WRITE,
	  RA + K4 + 8, SPF, 2, 8, 1, PT_R, PT_W | DIRTY, 0, 0, X_W | X_D },
	{ "4k rw leaf without X: fetch faults (scause 12)", MAP, RA + 2 * K4, 0, 3, 0, 1, PT_RW, 0,
	  P0, 0, EXEC, RA + 2 * K4, FPF, 3, 0, 1, PT_RW, PT_X, 0, 0, X_X },
	{ "4k rx leaf: fetch runs, sets A", MAP, RA + 3 * K4, 0, 4, 0, 1, PT_RX, 0, P0, 0, EXEC,
	  RA + 3 * K4 + 0x40, 0, 4, 0x40, 1, PT_RX | ACC, PT_W, 0, X_X | X_A, X_W | X_D },
	{ "unmapped: load faults (scause 13)", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, READ, RA + 4 * K4,
	  LPF, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "unmapped: store faults (scause 15)", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, WRITE,
	  RA + 4 * K4 + 8, SPF, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "unmapped: fetch faults (scause 12)", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, EXEC,
	  RA + 4 * K4, FPF, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "no-access leaf (stored with V clear): load faults", MAP, RA + 5 * K4, 0, 5, 0, 1, 0, 0,
	  P0, 0, READ, RA + 5 * K4, LPF, 5, 0, 1, 0, PT_RWX, 0, 0, X_V | X_R },
	{ "no-access leaf: store faults", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, WRITE, RA + 5 * K4, SPF,
	  5, 0, 1, 0, PT_RWX, 0, 0, X_V },
	{ "x-only leaf (the format stores it invalid): fetch faults", MAP, RA + 7 * K4, 0, 13, 0, 1,
	  PT_X, 0, P0, 0, EXEC, RA + 7 * K4, FPF, 13, 0, 1, PT_X, PT_R, 0, 0, X_V },
	{ "protect ro->rw: write succeeds", PROTECT, RA + K4, K4, 0, 0, 0, 0, 0, PROT(0, PT_W), 0,
	  WRITE, RA + K4 + 8, 0, 2, 8, 1, PT_RW | ACC | DIRTY, 0, 0, X_W | X_D, 0 },
	{ "protect rw->ro: write faults", PROTECT, RA, K4, 0, 0, 0, 0, 0, PROT(PT_W, 0), 0, WRITE,
	  RA + 0x20, SPF, 1, 0x20, 1, PT_R, PT_W, 0, 0, X_W },
	{ "protect x->nx: fetch faults", PROTECT, RA + 3 * K4, K4, 0, 0, 0, 0, 0, PROT(PT_X, 0), 0,
	  EXEC, RA + 3 * K4 + 0x40, FPF, 4, 0x40, 1, PT_R, PT_X, 0, 0, X_X },
	{ "protect clears A/D, read sets A only", PROTECT, RA + K4, K4, 0, 0, 0, 0, 0,
	  PROT(ACC | DIRTY, 0), 0, READ, RA + K4 + 0x30, 0, 2, 0x30, 1, PT_RW | ACC, DIRTY, 0, X_A,
	  X_D },
	{ "protect no-access->r: read works", PROTECT, RA + 5 * K4, K4, 0, 0, 0, 0, 0,
	  PROT(0, PT_R), 0, READ, RA + 5 * K4 + 8, 0, 5, 8, 1, PT_R | ACC, PT_W, 0, X_V | X_R, 0 },
	{ "global leaf: G bit", MAP, RA + 6 * K4, 0, 6, 0, 1, PT_RW | PT_GLOBAL, 0, P0, 0, READ,
	  RA + 6 * K4, 0, 6, 0, 1, PT_GLOBAL | ACC, 0, 0, X_G, 0 },
	{ "take 4k: frame back, load faults", TAKE, RA, K4, 1, 0, 1, 0, 0, P0, 0, READ, RA + 0x10,
	  LPF, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "svpbmt pma: PBMT 0", MAP, RC, 0, 7, 0, 1, PT_RW, PT_CACHE_WB, P0, 0, READ, RC, 0, 7, 0,
	  1, ACC, 0, C(PT_CACHE_WB), X_V, X_PBMT_NC | X_PBMT_IO },
	{ "svpbmt nc: PBMT 1, access works", MAP, RC + K4, 0, 8, 0, 1, PT_RW, PT_CACHE_WC, P0, 1,
	  WRITE, RC + K4, 0, 8, 0, 1, ACC | DIRTY, 0, C(PT_CACHE_WC), X_PBMT_NC, X_PBMT_IO },
	{ "svpbmt io: PBMT 2, access works", MAP, RC + 2 * K4, 0, 9, 0, 1, PT_RW, PT_CACHE_UC, P0, 1,
	  READ, RC + 2 * K4, 0, 9, 0, 1, ACC, 0, C(PT_CACHE_UC), X_PBMT_IO, X_PBMT_NC },
	{ "protect pma->nc: PBMT 1", PROTECT, RC, K4, 0, 0, 0, 0, 0, RECACHE(PT_CACHE_WC), 1, READ,
	  RC + 8, 0, 7, 8, 1, ACC, 0, C(PT_CACHE_WC), X_PBMT_NC, X_PBMT_IO },
	{ "2m leaf: read", MAP, RB, 0, 0, HUGE, 2, PT_RW, 0, P0, 0, READ, RB + 0x123458, 0, 0,
	  HUGE + 0x123458, 2, PT_RW | ACC, DIRTY, C(PT_CACHE_WB), X_R | X_W | X_A, X_D },
	{ "2m leaf: write sets D", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, WRITE, RB + 0x1ff000, 0, 0,
	  HUGE + 0x1ff000, 2, ACC | DIRTY, 0, 0, X_D, 0 },
	{ "2m split by take: taken 4k page faults", TAKE, RB + 0x3000, K4, 0, HUGE + 0x3000, 1, 0,
	  0, P0, 0, READ, RB + 0x3000, LPF, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "2m split by take: left neighbour", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, READ, RB + 0x2ff8,
	  0, 0, HUGE + 0x2ff8, 1, PT_RW | ACC, 0, C(PT_CACHE_WB), X_R | X_W, 0 },
	{ "2m split by take: right neighbour", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, READ, RB + 0x4000,
	  0, 0, HUGE + 0x4000, 1, PT_RW | ACC, 0, 0, X_R | X_W, 0 },
	{ "2m split by take: last page", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, WRITE, RB + 0x1ff100, 0,
	  0, HUGE + 0x1ff100, 1, PT_RW | ACC | DIRTY, 0, 0, X_D, 0 },
	{ "2m leaf ro", MAP, RB + M2, 0, 0, HUGE + M2, 2, PT_R, 0, P0, 0, READ, RB + M2 + 0x800, 0,
	  0, HUGE + M2 + 0x800, 2, PT_R | ACC, PT_W, 0, X_R, X_W },
	{ "2m split by protect: the page made rw takes a store", PROTECT, RB + M2 + 0x5000, K4, 0,
	  0, 0, 0, 0, PROT(0, PT_W), 0, WRITE, RB + M2 + 0x5010, 0, 0, HUGE + M2 + 0x5010, 1,
	  PT_RW | ACC | DIRTY, 0, 0, X_W | X_D, 0 },
	{ "2m split by protect: its neighbour stays ro", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, WRITE,
	  RB + M2 + 0x6000, SPF, 0, HUGE + M2 + 0x6000, 1, PT_R, PT_W, 0, 0, X_W },
	{ "1g leaf: read", MAP, RG, 0, 0, BM_RAM_BASE, 3, PT_R, 0, P0, 2, READ,
	  RG + 104 * 0x100000ull + 0x40, 0, 0, BM_RAM_BASE + 104 * 0x100000ull + 0x40, 3,
	  PT_R | ACC, PT_W | DIRTY, C(PT_CACHE_WB), X_R | X_A, X_W | X_D },
	{ "1g leaf: write faults", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 2, WRITE,
	  RG + 104 * 0x100000ull + 0x48, SPF, 0, BM_RAM_BASE + 104 * 0x100000ull + 0x48, 3, PT_R,
	  DIRTY, 0, 0, X_D },
	{ "map_range: 4k head", MAP_RANGE, RD + M2 - 2 * K4, M2 + 4 * K4, 0,
	  HUGE + 2 * M2 - 2 * K4, 0, PT_RW, PT_CACHE_WB, P0, 0, READ, RD + M2 - 2 * K4, 0, 0,
	  HUGE + 2 * M2 - 2 * K4, 1, PT_RW | ACC, 0, C(PT_CACHE_WB), X_V, 0 },
	{ "map_range: 2m middle", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, READ, RD + M2 + 0x5008, 0, 0,
	  HUGE + 2 * M2 + 0x5008, 2, PT_RW | ACC, 0, 0, X_V, 0 },
	{ "map_range: 4k tail", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, WRITE, RD + 2 * M2 + K4 + 8, 0, 0,
	  HUGE + 3 * M2 + K4 + 8, 1, PT_RW | ACC | DIRTY, 0, 0, X_D, 0 },
	{ "map_range: past the end faults", NOP, 0, 0, 0, 0, 0, 0, 0, P0, 0, READ,
	  RD + 2 * M2 + 2 * K4, LPF, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static pt_paddr_t slots[NR_SLOTS + 1];
static unsigned row_no;

static pt_paddr_t slot_pa(int slot)
{
	if (!slots[slot])
		slots[slot] = bm_data_frame();
	return slots[slot];
}

PT_MUST_CHECK static enum pt_err do_op(struct rows *s, const struct row *r)
{
	struct pt_item it = { r->frame ? slot_pa(r->frame) : r->pa, r->frame ? 1 : r->level,
			      pt_prop_make(r->flags, (enum pt_cache)r->cache), r->frame != 0 };
	struct pt_cursor_mut m;
	enum pt_err e;
	if (r->op == MAP) {
		e = row_map(s->kt, TB + r->va, &it);
		bm_flush(TB + r->va, pt_fmt_page_size(bm_env.fmt, it.level));
		return e;
	}
	e = pt_cursor_mut_new(&m, s->kt, TB + r->va, r->len);
	if (e != PT_OK)
		return e;
	if (r->op == MAP_RANGE) {
		e = pt_cursor_map_range(&m, r->pa, r->len, it.prop);
	} else {
		pt_vaddr_t va = 0;
		uint64_t len = 0;
		bool found = false;
		e = pt_cursor_protect_next(&m, r->len, r->prot, &va, &len, &found);
		if (e == PT_OK && !found)
			row_bad(s, "protect_next found nothing");
	}
	pt_cursor_mut_drop(&m);
	bm_flush(TB + r->va, r->len);
	return e;
}

/* TAKE: the removed leaf must be the one the row names; its reference comes back. */
PT_MUST_CHECK static enum pt_err do_take(struct rows *s, const struct row *r)
{
	struct pt_frag f;
	enum pt_err e = row_take(s->kt, TB + r->va, r->len, &f);
	if (e != PT_OK)
		return e;
	bm_flush(f.va, f.len);
	pt_paddr_t want = r->frame ? slot_pa(r->frame) : r->pa;
	if (f.kind != PT_FRAG_MAPPED || f.item.pa != want || f.item.level != r->level ||
	    f.item.tracked != (r->frame != 0)) {
		kprintf("# take: kind %d pa 0x%lx level %u, want pa 0x%lx level %u\n", f.kind,
			(unsigned long)f.item.pa, f.item.level, (unsigned long)want, r->level);
		row_bad(s, "take_next removed the wrong leaf");
	}
	if (r->frame && bm_refcount(want) != 1)
		row_bad(s, "taken frame's reference count is not 1");
	pt_frag_release(&bm_env, &f);
	if (r->frame) {
		slots[r->frame] = 0;
		if (bm_refcount(want) != 0)
			row_bad(s, "taken frame not freed by its last put");
	}
	return PT_OK;
}

static pt_paddr_t expected_pa(const struct row *r)
{
	if (r->x_frame)
		return slots[r->x_frame] ? slots[r->x_frame] + r->x_pa : 0;
	return r->x_pa;
}

/* Plant a marker (or "lui a0, n; ret" for a fetch) at @pa; returns what to expect. */
static uint64_t plant(const struct row *r, pt_paddr_t pa)
{
	uint64_t marker = 0x5eed000000000000ull | (uint64_t)row_no << 32 | (pa & 0xffffffffu);
	volatile uint64_t *p = bm_virt(pa);
	if (r->acc != EXEC) {
		*p = marker;
		return marker;
	}
	uint32_t n = 0x40000u | row_no;
	*p = diff_code_word(n);
	fence_i();
	return (uint64_t)n << 12;
}

static void check_access(struct rows *s, const struct row *r)
{
	pt_paddr_t pa = expected_pa(r);
	uint64_t want = pa ? plant(r, pa) : 0, got = 0, wval = ~want;
	uint64_t va = TB + r->at;
	int faulted;
	probe_reset();
	if (r->acc == READ)
		faulted = probe_read(va, &got);
	else if (r->acc == WRITE)
		faulted = probe_write(va, wval);
	else
		faulted = probe_exec(va, &got);
	check_trap(s, r->x_cause, va);
	if (faulted != (r->x_cause != 0) || !pa)
		return;
	if (r->acc == WRITE)
		got = *(volatile uint64_t *)bm_virt(pa), want = faulted ? want : wval;
	if (!faulted && got != want) {
		kprintf("# value 0x%lx, want 0x%lx (pa 0x%lx)\n", (unsigned long)got,
			(unsigned long)want, (unsigned long)pa);
		row_bad(s, "the access reached other memory");
	} else if (faulted && r->acc == WRITE && got != want) {
		row_bad(s, "a faulting store changed memory");
	}
}

static void check_core(struct rows *s, const struct row *r)
{
	pt_paddr_t pa = 0;
	struct pt_item leaf;
	enum pt_err e = pt_table_translate(s->kt, TB + r->at, &pa, &leaf);
	if (!r->x_level) {
		if (e != PT_ERR_NOT_MAPPED)
			row_bad(s, "the core still translates the address");
		return;
	}
	if (e != PT_OK) {
		row_bad(s, "the core does not translate the address");
		return;
	}
	pt_paddr_t want = expected_pa(r);
	if (leaf.level != r->x_level)
		row_bad(s, "the core reports another leaf level");
	if (want && pa != want)
		row_bad(s, "the core translates to another physical address");
	if ((leaf.prop.flags & r->x_set) != r->x_set || (leaf.prop.flags & r->x_clear)) {
		kprintf("# core flags 0x%x, want set 0x%x clear 0x%x\n", leaf.prop.flags, r->x_set,
			r->x_clear);
		row_bad(s, "the core reports other flags");
	}
	if (r->x_cache && leaf.prop.cache != r->x_cache - 1)
		row_bad(s, "the core reports another memory type");
}

static void check_raw(struct rows *s, const struct row *r)
{
	unsigned level;
	uint64_t pte = raw_walk(s->levels, TB + r->at, &level);
	if (!r->x_raw_set && !r->x_raw_clear)
		return;
	if ((pte & r->x_raw_set) != r->x_raw_set || (pte & r->x_raw_clear)) {
		kprintf("# entry 0x%lx at level %u, want set 0x%lx clear 0x%lx\n", (unsigned long)pte,
			level, (unsigned long)r->x_raw_set, (unsigned long)r->x_raw_clear);
		row_bad(s, "the entry holds other bits");
	}
}

static void run_row(struct rows *s, const struct row *r)
{
	/* The suite boots with -cpu rv64,svpbmt=on: a PBMT leaf that faults is a failure. */
	if ((r->needs & 1) && !s->pbmt) {
		row_bad(s, "PBMT leaves fault: no Svpbmt, or menvcfg.PBMTE clear");
		row_end(s, r->name);
		return;
	}
	if ((r->needs & 2) && s->levels < 4) {
		row_skip(s, r->name, "Sv39: a 1 GiB leaf is a root leaf, refused in a kernel table");
		return;
	}
	row_no++;
	enum pt_err e = r->op == TAKE ? do_take(s, r) : r->op == NOP ? PT_OK : do_op(s, r);
	if (e != PT_OK) {
		kprintf("# %s\n", pt_strerror(e));
		row_bad(s, "the cursor operation failed");
	} else {
		check_access(s, r);
		check_core(s, r);
		check_raw(s, r);
	}
	row_end(s, r->name);
}

void rows_table(struct rows *s)
{
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(s, &rows[i]);
}
