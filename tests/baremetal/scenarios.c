/* SPDX-License-Identifier: MIT */
/*
 * The scenario table: each row changes the kernel table through a cursor,
 * flushes the affected pages (INVLPG), makes one real access and compares
 * what the CPU did with what the row says by hand: the fault (vector, error
 * code, CR2), the memory the access reached (a marker planted at the
 * expected physical address through the direct map), and afterwards the
 * leaf as the core reports it (level, physical address, flags including the
 * A/D bits the CPU set, cache policy) and as the kernel's own walk of CR3
 * reads it (raw bits: P W U A D PS G NX and PWT/PCD/PAT).
 */
#include "scen.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define RA 0ull             /* 4 KiB pages */
#define RC (RA + M2)        /* 4 KiB pages with each cache policy */
#define RB G1               /* 2 MiB leaves */
#define RG (2 * G1)         /* 1 GiB leaves */
#define RD (6 * G1)         /* map_range */
#define HUGE BM_HUGE_PA     /* physical 96 MiB: huge-page targets */

enum op { NOP, MAP, MAP_RANGE, PROTECT, TAKE };
enum acc { NONE, READ, WRITE, EXEC };

struct row {
	const char *name;
	enum op op;
	uint64_t va, len;       /* offsets from TB; len: MAP_RANGE, PROTECT, TAKE */
	/* MAP: data frame slot (tracked, level 1) or pa/level (untracked);
	 * MAP_RANGE: pa; TAKE: the leaf expected to come out. */
	int frame;              /* 1..NR_SLOTS; 0: none */
	uint64_t pa;
	unsigned level;
	uint16_t flags;         /* MAP, MAP_RANGE */
	uint8_t cache;
	struct pt_protect prot; /* PROTECT */
	bool needs_1g;
	enum acc acc;
	uint64_t at;            /* offset from TB of the access and of the checks */
	/* Expected, written by hand. */
	unsigned x_vec;         /* 0: no fault, 14: #PF */
	uint64_t x_err;
	int x_frame;            /* the access reaches slot x_frame at offset x_pa, */
	uint64_t x_pa;          /* or (x_frame 0) physical x_pa; both 0: unchecked */
	unsigned x_level;       /* leaf level the core reports; 0: not mapped */
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

static const struct row rows[] = {
	{ "4k rw leaf: read", MAP, RA, 0, 1, 0, 1, PT_RW, 0, PROT(0, 0), false, READ, RA + 0x10,
	  0, 0, 1, 0x10, 1, PT_RW | ACC, DIRTY | PT_X | PT_USER, C(PT_CACHE_WB),
	  X_P | X_W | X_A | X_NX, X_D | X_U | X_G | X_PWT | X_PCD | X_PAT4K },
	{ "4k rw leaf: write sets D", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, WRITE, RA + 0x18,
	  0, 0, 1, 0x18, 1, PT_RW | ACC | DIRTY, 0, 0, X_A | X_D, 0 },
	{ "4k ro leaf: read", MAP, RA + K4, 0, 2, 0, 1, PT_R, 0, PROT(0, 0), false, READ, RA + K4,
	  0, 0, 2, 0, 1, PT_R | ACC, PT_W | DIRTY, 0, X_P | X_A, X_W | X_D },
	{ "4k ro leaf: write faults P|W", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, WRITE,
	  RA + K4 + 8, 14, PF_P | PF_W, 2, 8, 1, PT_R, PT_W | DIRTY, 0, 0, X_W | X_D },
	{ "4k nx leaf: fetch faults P|I/D", MAP, RA + 2 * K4, 0, 3, 0, 1, PT_RW, 0, PROT(0, 0), false,
	  EXEC, RA + 2 * K4, 14, PF_P | PF_ID, 3, 0, 1, PT_RW, PT_X, 0, X_NX, 0 },
	{ "4k x leaf: fetch runs", MAP, RA + 3 * K4, 0, 4, 0, 1, PT_RX, 0, PROT(0, 0), false, EXEC,
	  RA + 3 * K4 + 0x40, 0, 0, 4, 0x40, 1, PT_RX | ACC, PT_W, 0, X_P | X_A, X_NX | X_W },
	{ "unmapped: read faults not-present", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, READ,
	  RA + 4 * K4, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "unmapped: write faults W", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, WRITE,
	  RA + 4 * K4 + 8, 14, PF_W, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "unmapped: fetch faults I/D", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, EXEC,
	  RA + 4 * K4, 14, PF_ID, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "no-access leaf: read faults not-present", MAP, RA + 5 * K4, 0, 5, 0, 1, 0, 0, PROT(0, 0),
	  false, READ, RA + 5 * K4, 14, 0, 5, 0, 1, 0, PT_RWX, 0, 0, X_P },
	{ "no-access leaf: write faults W", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, WRITE,
	  RA + 5 * K4, 14, PF_W, 5, 0, 1, 0, PT_RWX, 0, 0, X_P },
	{ "protect ro->rw: write succeeds", PROTECT, RA + K4, K4, 0, 0, 0, 0, 0, PROT(0, PT_W),
	  false, WRITE, RA + K4 + 8, 0, 0, 2, 8, 1, PT_RW | ACC | DIRTY, 0, 0, X_W | X_D, 0 },
	{ "protect rw->ro: write faults P|W", PROTECT, RA, K4, 0, 0, 0, 0, 0, PROT(PT_W, 0), false,
	  WRITE, RA + 0x20, 14, PF_P | PF_W, 1, 0x20, 1, PT_R, PT_W, 0, 0, X_W },
	{ "protect x->nx: fetch faults P|I/D", PROTECT, RA + 3 * K4, K4, 0, 0, 0, 0, 0,
	  PROT(PT_X, 0), false, EXEC, RA + 3 * K4 + 0x40, 14, PF_P | PF_ID, 4, 0x40, 1, PT_R,
	  PT_X, 0, X_NX, 0 },
	{ "protect clears A/D, read sets A only", PROTECT, RA + K4, K4, 0, 0, 0, 0, 0,
	  PROT(ACC | DIRTY, 0), false, READ, RA + K4 + 0x30, 0, 0, 2, 0x30, 1, PT_RW | ACC, DIRTY,
	  0, X_A, X_D },
	{ "protect no-access->r: read works", PROTECT, RA + 5 * K4, K4, 0, 0, 0, 0, 0,
	  PROT(0, PT_R), false, READ, RA + 5 * K4 + 8, 0, 0, 5, 8, 1, PT_R | ACC, PT_W, 0, X_P, 0 },
	{ "global leaf: G bit", MAP, RA + 6 * K4, 0, 6, 0, 1, PT_RW | PT_GLOBAL, 0, PROT(0, 0), false,
	  READ, RA + 6 * K4, 0, 0, 6, 0, 1, PT_GLOBAL | ACC, 0, 0, X_G, 0 },
	{ "take 4k: frame back, read faults", TAKE, RA, K4, 1, 0, 1, 0, 0, PROT(0, 0), false, READ,
	  RA + 0x10, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "cache wb: PAT index 0", MAP, RC, 0, 7, 0, 1, PT_RW, PT_CACHE_WB, PROT(0, 0), false, READ,
	  RC, 0, 0, 7, 0, 1, ACC, 0, C(PT_CACHE_WB), 0, X_PWT | X_PCD | X_PAT4K },
	{ "cache wc: PAT index 1", MAP, RC + K4, 0, 8, 0, 1, PT_RW, PT_CACHE_WC, PROT(0, 0), false,
	  READ, RC + K4, 0, 0, 8, 0, 1, ACC, 0, C(PT_CACHE_WC), X_PWT, X_PCD | X_PAT4K },
	{ "cache uc-: PAT index 2", MAP, RC + 2 * K4, 0, 9, 0, 1, PT_RW, PT_CACHE_UC_MINUS,
	  PROT(0, 0), false, READ, RC + 2 * K4, 0, 0, 9, 0, 1, ACC, 0, C(PT_CACHE_UC_MINUS), X_PCD,
	  X_PWT | X_PAT4K },
	{ "cache uc: PAT index 3", MAP, RC + 3 * K4, 0, 10, 0, 1, PT_RW, PT_CACHE_UC, PROT(0, 0),
	  false, READ, RC + 3 * K4, 0, 0, 10, 0, 1, ACC, 0, C(PT_CACHE_UC), X_PWT | X_PCD, X_PAT4K },
	{ "cache wp: PAT index 5", MAP, RC + 4 * K4, 0, 11, 0, 1, PT_RW, PT_CACHE_WP, PROT(0, 0),
	  false, READ, RC + 4 * K4, 0, 0, 11, 0, 1, ACC, 0, C(PT_CACHE_WP), X_PWT | X_PAT4K, X_PCD },
	{ "cache wt: PAT index 7", MAP, RC + 5 * K4, 0, 12, 0, 1, PT_RW, PT_CACHE_WT, PROT(0, 0),
	  false, READ, RC + 5 * K4, 0, 0, 12, 0, 1, ACC, 0, C(PT_CACHE_WT),
	  X_PWT | X_PCD | X_PAT4K, 0 },
	{ "protect wb->wc: PWT set", PROTECT, RC, K4, 0, 0, 0, 0, 0, RECACHE(PT_CACHE_WC), false,
	  READ, RC + 8, 0, 0, 7, 8, 1, ACC, 0, C(PT_CACHE_WC), X_PWT, X_PCD | X_PAT4K },
	{ "2m leaf: read", MAP, RB, 0, 0, HUGE, 2, PT_RW, 0, PROT(0, 0), false, READ, RB + 0x123458,
	  0, 0, 0, HUGE + 0x123458, 2, PT_RW | ACC, DIRTY, C(PT_CACHE_WB), X_P | X_PS | X_A,
	  X_D | X_PATBIG },
	{ "2m leaf: write sets D", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, WRITE, RB + 0x1ff000,
	  0, 0, 0, HUGE + 0x1ff000, 2, ACC | DIRTY, 0, 0, X_PS | X_D, 0 },
	{ "2m split: taken 4k page faults", TAKE, RB + 0x3000, K4, 0, HUGE + 0x3000, 1, 0, 0,
	  PROT(0, 0), false, READ, RB + 0x3000, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "2m split: left neighbour", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, READ,
	  RB + 0x2ff8, 0, 0, 0, HUGE + 0x2ff8, 1, PT_RW | ACC, 0, C(PT_CACHE_WB), X_P | X_W, 0 },
	{ "2m split: right neighbour", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, READ,
	  RB + 0x4000, 0, 0, 0, HUGE + 0x4000, 1, PT_RW | ACC, 0, 0, X_P | X_W, 0 },
	{ "2m split: last page", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, WRITE, RB + 0x1ff100,
	  0, 0, 0, HUGE + 0x1ff100, 1, PT_RW | ACC | DIRTY, 0, 0, X_D, 0 },
	{ "2m leaf wt: PAT bit 12", MAP, RB + M2, 0, 0, HUGE + M2, 2, PT_R, PT_CACHE_WT, PROT(0, 0),
	  false, READ, RB + M2 + 0x800, 0, 0, 0, HUGE + M2 + 0x800, 2, PT_R | ACC, PT_W,
	  C(PT_CACHE_WT), X_PS | X_PWT | X_PCD | X_PATBIG, X_W },
	{ "1g leaf: read", MAP, RG, 0, 0, 0, 3, PT_R, 0, PROT(0, 0), true, READ,
	  RG + 104 * 0x100000ull + 0x40, 0, 0, 0, 104 * 0x100000ull + 0x40, 3, PT_R | ACC,
	  PT_W | DIRTY, C(PT_CACHE_WB), X_P | X_PS | X_A | X_NX, X_W | X_D | X_PATBIG },
	{ "1g leaf: write faults P|W", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), true, WRITE,
	  RG + 104 * 0x100000ull + 0x48, 14, PF_P | PF_W, 0, 104 * 0x100000ull + 0x48, 3, PT_R,
	  DIRTY, 0, 0, X_D },
	{ "1g leaf uc-: PCD", MAP, RG + G1, 0, 0, 0, 3, PT_RW, PT_CACHE_UC_MINUS, PROT(0, 0), true,
	  WRITE, RG + G1 + 105 * 0x100000ull, 0, 0, 0, 105 * 0x100000ull, 3, PT_RW | ACC | DIRTY,
	  0, C(PT_CACHE_UC_MINUS), X_PS | X_PCD | X_D, X_PWT | X_PATBIG },
	{ "map_range: 4k head", MAP_RANGE, RD + M2 - 2 * K4, M2 + 4 * K4, 0,
	  HUGE + 2 * M2 - 2 * K4, 0, PT_RW, PT_CACHE_WB, PROT(0, 0), false, READ, RD + M2 - 2 * K4,
	  0, 0, 0, HUGE + 2 * M2 - 2 * K4, 1, PT_RW | ACC, 0, C(PT_CACHE_WB), X_P, X_PS },
	{ "map_range: 2m middle", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, READ,
	  RD + M2 + 0x5008, 0, 0, 0, HUGE + 2 * M2 + 0x5008, 2, PT_RW | ACC, 0, 0, X_PS, 0 },
	{ "map_range: 4k tail", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, WRITE,
	  RD + 2 * M2 + K4 + 8, 0, 0, 0, HUGE + 3 * M2 + K4 + 8, 1, PT_RW | ACC | DIRTY, 0, 0, X_D,
	  0 },
	{ "map_range: past the end faults", NOP, 0, 0, 0, 0, 0, 0, 0, PROT(0, 0), false, READ,
	  RD + 2 * M2 + 2 * K4, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static pt_paddr_t slots[NR_SLOTS + 1];
static unsigned row_no;

static pt_paddr_t slot_pa(int slot)
{
	if (!slots[slot])
		slots[slot] = bm_data_frame();
	return slots[slot];
}

PT_MUST_CHECK static enum pt_err do_op(struct scen *s, const struct row *r)
{
	struct pt_item it = { r->frame ? slot_pa(r->frame) : r->pa, r->frame ? 1 : r->level,
			      pt_prop_make(r->flags, (enum pt_cache)r->cache), r->frame != 0 };
	struct pt_cursor_mut m;
	enum pt_err e;
	if (r->op == MAP) {
		e = scen_map(s->kt, TB + r->va, &it);
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
			scen_bad(s, "protect_next found nothing");
	}
	pt_cursor_mut_drop(&m);
	bm_flush(TB + r->va, r->len);
	return e;
}

/* TAKE: the removed leaf must be the one the row names; its reference comes back. */
PT_MUST_CHECK static enum pt_err do_take(struct scen *s, const struct row *r)
{
	struct pt_frag f;
	enum pt_err e = scen_take(s->kt, TB + r->va, r->len, &f);
	if (e != PT_OK)
		return e;
	bm_flush(f.va, f.len);
	pt_paddr_t want = r->frame ? slot_pa(r->frame) : r->pa;
	if (f.kind != PT_FRAG_MAPPED || f.item.pa != want || f.item.level != r->level ||
	    f.item.tracked != (r->frame != 0)) {
		kprintf("# take: kind %d pa 0x%lx level %u, want pa 0x%lx level %u\n", f.kind,
			(unsigned long)f.item.pa, f.item.level, (unsigned long)want, r->level);
		scen_bad(s, "take_next removed the wrong leaf");
	}
	if (r->frame && bm_refcount(want) != 1)
		scen_bad(s, "taken frame's reference count is not 1");
	pt_frag_release(&bm_env, &f);
	if (r->frame) {
		slots[r->frame] = 0;
		if (bm_refcount(want) != 0)
			scen_bad(s, "taken frame not freed by its last put");
	}
	return PT_OK;
}

/* Where the access lands according to the row, or 0 if the row does not say. */
static pt_paddr_t expected_pa(const struct row *r)
{
	if (r->x_frame)
		return slots[r->x_frame] ? slots[r->x_frame] + r->x_pa : 0;
	return r->x_pa;
}

/* Plant a marker (or a "mov $imm, %eax; ret" stub) at @pa; returns what to expect. */
static uint64_t plant(const struct row *r, pt_paddr_t pa)
{
	uint64_t marker = 0x5eed000000000000ull | (uint64_t)row_no << 32 | (pa & 0xffffffffu);
	uint8_t *p = bm_virt(pa);
	if (r->acc != EXEC) {
		*(volatile uint64_t *)p = marker;
		return marker;
	}
	uint32_t imm = (uint32_t)marker;
	p[0] = 0xb8;
	memcpy(p + 1, &imm, 4);
	p[5] = 0xc3;
	return imm;
}

static void check_access(struct scen *s, const struct row *r)
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
	check_fault(s, r->x_vec, r->x_err, va);
	if (faulted != (r->x_vec != 0) || !pa)
		return;
	if (r->acc == WRITE)
		got = *(volatile uint64_t *)bm_virt(pa), want = faulted ? want : wval;
	if (!faulted && got != want) {
		kprintf("# value 0x%lx, want 0x%lx (pa 0x%lx)\n", (unsigned long)got,
			(unsigned long)want, (unsigned long)pa);
		scen_bad(s, "the access reached other memory");
	} else if (faulted && r->acc == WRITE && got != want) {
		scen_bad(s, "a faulting write changed memory");
	}
}

/* The leaf as the core reports it, after the access. */
static void check_core(struct scen *s, const struct row *r)
{
	pt_paddr_t pa = 0;
	struct pt_item leaf;
	enum pt_err e = pt_table_translate(s->kt, TB + r->at, &pa, &leaf);
	if (!r->x_level) {
		if (e != PT_ERR_NOT_MAPPED)
			scen_bad(s, "the core still translates the address");
		return;
	}
	if (e != PT_OK) {
		scen_bad(s, "the core does not translate the address");
		return;
	}
	pt_paddr_t want = expected_pa(r);
	if (leaf.level != r->x_level)
		scen_bad(s, "the core reports another leaf level");
	if (want && pa != want)
		scen_bad(s, "the core translates to another physical address");
	if ((leaf.prop.flags & r->x_set) != r->x_set || (leaf.prop.flags & r->x_clear)) {
		kprintf("# core flags 0x%x, want set 0x%x clear 0x%x\n", leaf.prop.flags, r->x_set,
			r->x_clear);
		scen_bad(s, "the core reports other flags");
	}
	if (r->x_cache && leaf.prop.cache != r->x_cache - 1)
		scen_bad(s, "the core reports another cache policy");
}

/* The leaf entry as the kernel's own walk of CR3 reads it. */
static void check_raw(struct scen *s, const struct row *r)
{
	unsigned level;
	uint64_t pte = raw_walk(s->levels, TB + r->at, &level);
	if (!r->x_raw_set && !r->x_raw_clear)
		return;
	if ((pte & r->x_raw_set) != r->x_raw_set || (pte & r->x_raw_clear)) {
		kprintf("# entry 0x%lx at level %u, want set 0x%lx clear 0x%lx\n", (unsigned long)pte,
			level, (unsigned long)r->x_raw_set, (unsigned long)r->x_raw_clear);
		scen_bad(s, "the entry holds other bits");
	}
}

static void run_row(struct scen *s, const struct row *r)
{
	if (r->needs_1g && !s->gbpages) {
		scen_skip(s, r->name, "no 1 GiB pages (CPUID PDPE1GB)");
		return;
	}
	row_no++;
	enum pt_err e = r->op == TAKE ? do_take(s, r) : r->op == NOP ? PT_OK : do_op(s, r);
	if (e != PT_OK) {
		kprintf("# %s\n", pt_strerror(e));
		scen_bad(s, "the cursor operation failed");
	} else {
		check_access(s, r);
		check_core(s, r);
		check_raw(s, r);
	}
	scen_end(s, r->name);
}

void scen_table(struct scen *s)
{
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(s, &rows[i]);
}
