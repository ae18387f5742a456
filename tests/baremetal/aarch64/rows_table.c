/* SPDX-License-Identifier: MIT */
/*
 * The EL1 row table: each row changes the kernel table (TTBR1) through a
 * cursor, invalidates the affected pages (TLBI VAAE1IS), sets TCR_EL1.HA/HD
 * as the row says, makes one EL1 access and compares what the PE did with
 * what the row says by hand: the abort (ESR_EL1 class, fault status and
 * level, WnR; FAR_EL1), the memory the access reached (a marker planted at
 * the expected physical address through the direct map), the leaf as the
 * core reports it (level, address, flags including the AF and dirty state
 * the PE set, memory type) and as the kernel's own walk of TTBR1 reads it
 * (raw AP, AF, DBM, PXN/UXN, AttrIndx, block or page), and for splits and
 * memory-type changes the broadcast TLBI of break-before-make.
 * Then a stale translation: a remap with the TLBIs held back still reaches
 * the old frame, and the new one after TLBI VALE1IS.
 */
#include "rows.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define RA 0ull             /* 4 KiB pages */
#define RC (RA + M2)        /* 4 KiB pages with each memory type */
#define RH (RA + 2 * M2)    /* HA / HD rows */
#define RS (RA + 3 * M2)    /* the stale-translation row */
#define RB G1               /* 2 MiB blocks */
#define RG (2 * G1)         /* a 1 GiB block */
#define RD (3 * G1)         /* map_range */
#define HUGE BM_HUGE_PA
#define GOFF (104 * 0x100000ull)   /* into the 1 GiB block: the huge-page targets */

enum op { NOP, MAP, MAP_RANGE, PROTECT, TAKE };
enum acc { READ, WRITE, EXEC };
enum tcr { HAHD, HA_ONLY, NO_HAHD };

struct row {
	const char *name;
	enum op op;
	uint64_t va, len;       /* offsets from TB; len: MAP_RANGE, PROTECT, TAKE */
	int frame;              /* MAP: a data frame slot (tracked, 4 KiB), else pa/level */
	uint64_t pa;
	unsigned level;         /* libpt level: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB */
	uint16_t flags;
	uint8_t cache;
	struct pt_protect prot;
	enum tcr tcr;
	enum acc acc;
	uint64_t at;            /* offset from TB of the access and of the checks */
	/* Expected, written by hand. */
	unsigned x_fsc;         /* 0: no abort */
	int x_frame;            /* the access reaches slot x_frame at offset x_pa, */
	uint64_t x_pa;          /* or (x_frame 0) physical x_pa; both 0: unchecked */
	unsigned x_level;       /* libpt level of the leaf; 0: the core translates nothing */
	uint16_t x_set, x_clear;
	uint8_t x_cache;        /* policy + 1; 0: unchecked */
	uint64_t x_raw_set, x_raw_clear;
	bool x_bbm;             /* the operation issued a broadcast TLBI and DSB ISH */
};

#define NR_SLOTS 16
#define C(p) ((uint8_t)((p) + 1))
#define PROT(c, s) { (uint16_t)(c), (uint16_t)(s), -1 }
#define RECACHE(p) { 0, 0, (int8_t)(p) }
#define ACC PT_ACCESSED
#define DIRTY PT_DIRTY
#define KLEAF (X_VALID | X_AF | X_UXN)

static const struct row rows[] = {
	{ .name = "4k rw leaf: read sets AF (HA)", .op = MAP, .va = RA, .frame = 1, .level = 1,
	  .flags = PT_RW, .acc = READ, .at = RA + 0x10, .x_frame = 1, .x_pa = 0x10, .x_level = 1,
	  .x_set = PT_RW | ACC, .x_clear = DIRTY | PT_X | PT_USER, .x_cache = C(PT_CACHE_WB),
	  .x_raw_set = KLEAF | X_PAGE | X_AP_RO | X_DBM | X_PXN | X_NG,
	  .x_raw_clear = X_AP_EL0 | X_ATTR_MASK },
	{ .name = "4k rw leaf: write clears AP[2] (DBM, HD)", .acc = WRITE, .at = RA + 0x18,
	  .x_frame = 1, .x_pa = 0x18, .x_level = 1, .x_set = PT_RW | ACC | DIRTY,
	  .x_raw_set = X_DBM | X_AF, .x_raw_clear = X_AP_RO },
	{ .name = "4k ro leaf: read", .op = MAP, .va = RA + K4, .frame = 2, .level = 1,
	  .flags = PT_R, .acc = READ, .at = RA + K4, .x_frame = 2, .x_level = 1,
	  .x_set = PT_R | ACC, .x_clear = PT_W | DIRTY, .x_raw_set = X_AP_RO | X_AF,
	  .x_raw_clear = X_DBM },
	{ .name = "4k ro leaf: write faults (permission, level 3, WnR)", .acc = WRITE,
	  .at = RA + K4 + 8, .x_fsc = FSC_PERM(3), .x_frame = 2, .x_pa = 8, .x_level = 1,
	  .x_set = PT_R, .x_clear = PT_W | DIRTY, .x_raw_set = X_AP_RO },
	{ .name = "4k rw leaf without X: fetch faults (permission, level 3: PXN)", .op = MAP,
	  .va = RA + 2 * K4, .frame = 3, .level = 1, .flags = PT_RW, .acc = EXEC,
	  .at = RA + 2 * K4, .x_fsc = FSC_PERM(3), .x_frame = 3, .x_level = 1, .x_set = PT_RW,
	  .x_clear = PT_X, .x_raw_set = X_PXN | X_UXN },
	{ .name = "4k rx leaf: fetch runs, sets AF", .op = MAP, .va = RA + 3 * K4, .frame = 4,
	  .level = 1, .flags = PT_RX, .acc = EXEC, .at = RA + 3 * K4 + 0x40, .x_frame = 4,
	  .x_pa = 0x40, .x_level = 1, .x_set = PT_RX | ACC, .x_clear = PT_W,
	  .x_raw_set = X_AF | X_UXN | X_AP_RO, .x_raw_clear = X_PXN | X_DBM },
	{ .name = "unmapped: load faults (translation, level 3)", .acc = READ, .at = RA + 4 * K4,
	  .x_fsc = FSC_TRANS(3) },
	{ .name = "unmapped: store faults (translation, level 3, WnR)", .acc = WRITE,
	  .at = RA + 4 * K4 + 8, .x_fsc = FSC_TRANS(3) },
	{ .name = "unmapped: fetch faults (instruction abort, translation, level 3)", .acc = EXEC,
	  .at = RA + 4 * K4, .x_fsc = FSC_TRANS(3) },
	{ .name = "unmapped 512 GiB slot: load faults (translation, level 1: the kernel table's "
	  "level-0 slots are all populated)", .acc = READ, .at = 0x8000000000ull + 0x40,
	  .x_fsc = FSC_TRANS(1) },
	{ .name = "unmapped 1 GiB: load faults (translation, level 1)", .acc = READ,
	  .at = 5 * G1 + 0x80, .x_fsc = FSC_TRANS(1) },
	{ .name = "no-access leaf (stored invalid): load faults (translation, level 3)",
	  .op = MAP, .va = RA + 5 * K4, .frame = 5, .level = 1, .acc = READ, .at = RA + 5 * K4,
	  .x_fsc = FSC_TRANS(3), .x_frame = 5, .x_level = 1, .x_clear = PT_RWX,
	  .x_raw_clear = X_VALID },
	{ .name = "protect ro->rw: write succeeds", .op = PROTECT, .va = RA + K4, .len = K4,
	  .prot = PROT(0, PT_W), .acc = WRITE, .at = RA + K4 + 8, .x_frame = 2, .x_pa = 8,
	  .x_level = 1, .x_set = PT_RW | ACC | DIRTY, .x_raw_set = X_DBM, .x_raw_clear = X_AP_RO },
	{ .name = "protect rw->ro: write faults (permission, level 3)", .op = PROTECT, .va = RA,
	  .len = K4, .prot = PROT(PT_W, 0), .acc = WRITE, .at = RA + 0x20, .x_fsc = FSC_PERM(3),
	  .x_frame = 1, .x_pa = 0x20, .x_level = 1, .x_set = PT_R, .x_clear = PT_W,
	  .x_raw_set = X_AP_RO, .x_raw_clear = X_DBM },
	{ .name = "protect x->nx: fetch faults (permission, level 3)", .op = PROTECT,
	  .va = RA + 3 * K4, .len = K4, .prot = PROT(PT_X, 0), .acc = EXEC, .at = RA + 3 * K4 + 0x40,
	  .x_fsc = FSC_PERM(3), .x_frame = 4, .x_pa = 0x40, .x_level = 1, .x_set = PT_R,
	  .x_clear = PT_X, .x_raw_set = X_PXN },
	{ .name = "protect clears AF and dirty; a read sets AF only", .op = PROTECT, .va = RA + K4,
	  .len = K4, .prot = PROT(ACC | DIRTY, 0), .acc = READ, .at = RA + K4 + 0x30, .x_frame = 2,
	  .x_pa = 0x30, .x_level = 1, .x_set = PT_RW | ACC, .x_clear = DIRTY,
	  .x_raw_set = X_AF | X_AP_RO | X_DBM },
	{ .name = "protect no-access->r: read works", .op = PROTECT, .va = RA + 5 * K4, .len = K4,
	  .prot = PROT(0, PT_R), .acc = READ, .at = RA + 5 * K4 + 8, .x_frame = 5, .x_pa = 8,
	  .x_level = 1, .x_set = PT_R | ACC, .x_clear = PT_W, .x_raw_set = X_VALID | X_AF },
	{ .name = "global leaf: nG clear", .op = MAP, .va = RA + 6 * K4, .frame = 6, .level = 1,
	  .flags = PT_RW | PT_GLOBAL, .acc = READ, .at = RA + 6 * K4, .x_frame = 6, .x_level = 1,
	  .x_set = PT_GLOBAL | ACC, .x_raw_clear = X_NG },
	{ .name = "HA clear: a leaf with AF clear faults (access flag, level 3)", .op = MAP,
	  .va = RH, .frame = 7, .level = 1, .flags = PT_R, .tcr = NO_HAHD, .acc = READ, .at = RH,
	  .x_fsc = FSC_AF(3), .x_frame = 7, .x_level = 1, .x_clear = ACC, .x_raw_clear = X_AF },
	{ .name = "HA clear: a leaf mapped accessed reads", .op = MAP, .va = RH + K4, .frame = 8,
	  .level = 1, .flags = PT_R | ACC, .tcr = NO_HAHD, .acc = READ, .at = RH + K4 + 8,
	  .x_frame = 8, .x_pa = 8, .x_level = 1, .x_set = ACC, .x_raw_set = X_AF },
	{ .name = "HA set again: the same leaf's read sets AF", .tcr = HAHD, .acc = READ, .at = RH,
	  .x_frame = 7, .x_level = 1, .x_set = ACC, .x_raw_set = X_AF },
	{ .name = "HD clear: a store to a writable-clean leaf faults (permission, level 3)",
	  .op = MAP, .va = RH + 2 * K4, .frame = 9, .level = 1, .flags = PT_RW | ACC,
	  .tcr = HA_ONLY, .acc = WRITE, .at = RH + 2 * K4 + 0x10, .x_fsc = FSC_PERM(3),
	  .x_frame = 9, .x_pa = 0x10, .x_level = 1, .x_set = PT_W, .x_clear = DIRTY,
	  .x_raw_set = X_AP_RO | X_DBM },
	{ .name = "HD set again: the same store clears AP[2]", .tcr = HAHD, .acc = WRITE,
	  .at = RH + 2 * K4 + 0x10, .x_frame = 9, .x_pa = 0x10, .x_level = 1, .x_set = PT_W | DIRTY,
	  .x_raw_set = X_DBM, .x_raw_clear = X_AP_RO },
	{ .name = "take 4k: frame back, load faults (translation, level 3)", .op = TAKE, .va = RA,
	  .len = K4, .frame = 1, .level = 1, .acc = READ, .at = RA + 0x10, .x_fsc = FSC_TRANS(3) },
	{ .name = "WB leaf: AttrIndx 0", .op = MAP, .va = RC, .frame = 10, .level = 1,
	  .flags = PT_RW, .cache = PT_CACHE_WB, .acc = READ, .at = RC, .x_frame = 10, .x_level = 1,
	  .x_set = ACC, .x_cache = C(PT_CACHE_WB), .x_raw_clear = X_ATTR_MASK },
	{ .name = "WC leaf: AttrIndx 2 (Normal non-cacheable), store works", .op = MAP,
	  .va = RC + K4, .frame = 11, .level = 1, .flags = PT_RW, .cache = PT_CACHE_WC,
	  .acc = WRITE, .at = RC + K4, .x_frame = 11, .x_level = 1, .x_set = ACC | DIRTY,
	  .x_cache = C(PT_CACHE_WC), .x_raw_set = X_ATTR(2), .x_raw_clear = X_ATTR(5) },
	{ .name = "UC leaf: AttrIndx 3 (Device-nGnRnE), load works", .op = MAP, .va = RC + 2 * K4,
	  .frame = 12, .level = 1, .flags = PT_RW, .cache = PT_CACHE_UC, .acc = READ,
	  .at = RC + 2 * K4, .x_frame = 12, .x_level = 1, .x_set = ACC, .x_cache = C(PT_CACHE_UC),
	  .x_raw_set = X_ATTR(3), .x_raw_clear = X_ATTR(4) },
	{ .name = "protect WB->WT under break-before-make: AttrIndx 1", .op = PROTECT, .va = RC,
	  .len = K4, .prot = RECACHE(PT_CACHE_WT), .acc = READ, .at = RC + 8, .x_frame = 10,
	  .x_pa = 8, .x_level = 1, .x_set = ACC, .x_cache = C(PT_CACHE_WT), .x_raw_set = X_ATTR(1),
	  .x_raw_clear = X_ATTR(6), .x_bbm = true },
	{ .name = "2m block: read", .op = MAP, .va = RB, .pa = HUGE, .level = 2, .flags = PT_RW,
	  .acc = READ, .at = RB + 0x123458, .x_pa = HUGE + 0x123458, .x_level = 2,
	  .x_set = PT_RW | ACC, .x_clear = DIRTY, .x_cache = C(PT_CACHE_WB),
	  .x_raw_set = X_VALID | X_AF | X_DBM | X_AP_RO, .x_raw_clear = X_PAGE },
	{ .name = "2m block: write sets dirty", .acc = WRITE, .at = RB + 0x1ff000,
	  .x_pa = HUGE + 0x1ff000, .x_level = 2, .x_set = ACC | DIRTY, .x_raw_clear = X_AP_RO },
	{ .name = "2m split by take (break-before-make): the taken page faults (translation, level 3)",
	  .op = TAKE, .va = RB + 0x3000, .len = K4, .pa = HUGE + 0x3000, .level = 1, .acc = READ,
	  .at = RB + 0x3000, .x_fsc = FSC_TRANS(3), .x_bbm = true },
	{ .name = "2m split by take: left neighbour, a page now", .acc = READ, .at = RB + 0x2ff8,
	  .x_pa = HUGE + 0x2ff8, .x_level = 1, .x_set = PT_RW | ACC, .x_cache = C(PT_CACHE_WB),
	  .x_raw_set = X_PAGE | X_AF },
	{ .name = "2m split by take: right neighbour", .acc = READ, .at = RB + 0x4000,
	  .x_pa = HUGE + 0x4000, .x_level = 1, .x_set = PT_RW | ACC, .x_raw_set = X_PAGE },
	{ .name = "2m split by take: last page takes a store", .acc = WRITE, .at = RB + 0x1ff100,
	  .x_pa = HUGE + 0x1ff100, .x_level = 1, .x_set = PT_RW | ACC | DIRTY,
	  .x_raw_clear = X_AP_RO },
	{ .name = "2m block ro", .op = MAP, .va = RB + M2, .pa = HUGE + M2, .level = 2,
	  .flags = PT_R, .acc = READ, .at = RB + M2 + 0x800, .x_pa = HUGE + M2 + 0x800,
	  .x_level = 2, .x_set = PT_R | ACC, .x_clear = PT_W, .x_raw_set = X_AP_RO,
	  .x_raw_clear = X_PAGE | X_DBM },
	{ .name = "2m ro block: write faults (permission, level 2)", .acc = WRITE,
	  .at = RB + M2 + 0x808, .x_fsc = FSC_PERM(2), .x_pa = HUGE + M2 + 0x808, .x_level = 2 },
	{ .name = "2m split by protect (break-before-make): the page made rw takes a store",
	  .op = PROTECT, .va = RB + M2 + 0x5000, .len = K4, .prot = PROT(0, PT_W), .acc = WRITE,
	  .at = RB + M2 + 0x5010, .x_pa = HUGE + M2 + 0x5010, .x_level = 1,
	  .x_set = PT_RW | ACC | DIRTY, .x_raw_set = X_PAGE | X_DBM, .x_raw_clear = X_AP_RO,
	  .x_bbm = true },
	{ .name = "2m split by protect: its neighbour stays ro (permission, level 3)",
	  .acc = WRITE, .at = RB + M2 + 0x6000, .x_fsc = FSC_PERM(3), .x_pa = HUGE + M2 + 0x6000,
	  .x_level = 1, .x_set = PT_R, .x_clear = PT_W, .x_raw_set = X_AP_RO },
	{ .name = "1g block: read", .op = MAP, .va = RG, .pa = BM_RAM_BASE, .level = 3,
	  .flags = PT_R, .acc = READ, .at = RG + GOFF + 0x40, .x_pa = BM_RAM_BASE + GOFF + 0x40,
	  .x_level = 3, .x_set = PT_R | ACC, .x_clear = PT_W | DIRTY, .x_cache = C(PT_CACHE_WB),
	  .x_raw_set = X_VALID | X_AF | X_AP_RO, .x_raw_clear = X_PAGE | X_DBM },
	{ .name = "1g block: write faults (permission, level 1)", .acc = WRITE,
	  .at = RG + GOFF + 0x48, .x_fsc = FSC_PERM(1), .x_pa = BM_RAM_BASE + GOFF + 0x48,
	  .x_level = 3, .x_set = PT_R, .x_clear = DIRTY },
	{ .name = "1g split by protect (break-before-make): the page made rw takes a store",
	  .op = PROTECT, .va = RG + GOFF + 0x3000, .len = K4, .prot = PROT(0, PT_W), .acc = WRITE,
	  .at = RG + GOFF + 0x3010, .x_pa = BM_RAM_BASE + GOFF + 0x3010, .x_level = 1,
	  .x_set = PT_RW | DIRTY, .x_raw_set = X_PAGE, .x_raw_clear = X_AP_RO, .x_bbm = true },
	{ .name = "1g split: a 2 MiB neighbour stays a ro block (permission, level 2)",
	  .acc = WRITE, .at = RG + GOFF + M2 + 0x10, .x_fsc = FSC_PERM(2),
	  .x_pa = BM_RAM_BASE + GOFF + M2 + 0x10, .x_level = 2, .x_set = PT_R, .x_clear = PT_W,
	  .x_raw_clear = X_PAGE },
	{ .name = "map_range: 4k head", .op = MAP_RANGE, .va = RD + M2 - 2 * K4,
	  .len = M2 + 4 * K4, .pa = HUGE + 2 * M2 - 2 * K4, .flags = PT_RW, .cache = PT_CACHE_WB,
	  .acc = READ, .at = RD + M2 - 2 * K4, .x_pa = HUGE + 2 * M2 - 2 * K4, .x_level = 1,
	  .x_set = PT_RW | ACC, .x_cache = C(PT_CACHE_WB), .x_raw_set = X_PAGE },
	{ .name = "map_range: 2m middle", .acc = READ, .at = RD + M2 + 0x5008,
	  .x_pa = HUGE + 2 * M2 + 0x5008, .x_level = 2, .x_set = PT_RW | ACC,
	  .x_raw_clear = X_PAGE },
	{ .name = "map_range: 4k tail", .acc = WRITE, .at = RD + 2 * M2 + K4 + 8,
	  .x_pa = HUGE + 3 * M2 + K4 + 8, .x_level = 1, .x_set = PT_RW | ACC | DIRTY },
	{ .name = "map_range: past the end faults (translation, level 3)", .acc = READ,
	  .at = RD + 2 * M2 + 2 * K4, .x_fsc = FSC_TRANS(3) },
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
	pt_paddr_t want = r->frame ? slots[r->frame] : r->pa;
	enum pt_err e = row_take(s->kt, TB + r->va, r->len, &f);
	if (e != PT_OK)
		return e;
	bm_flush(TB + r->va, r->len);
	if (f.kind != PT_FRAG_MAPPED || f.item.pa != want || f.item.level != r->level)
		row_bad(s, "take_next returned another leaf");
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

/* Plant a marker (or "movz x0, #n; ret" for a fetch) at @pa; returns what to expect. */
static uint64_t plant(const struct row *r, pt_paddr_t pa)
{
	uint64_t marker = 0x5eed000000000000ull | (uint64_t)row_no << 32 | (pa & 0xffffffffu);
	volatile uint64_t *p = bm_virt(pa);
	if (r->acc != EXEC) {
		*p = marker;
		return marker;
	}
	*p = diff_code_word((uint16_t)(0x4000u | row_no));
	sync_icache();
	return 0x4000u | row_no;
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
	check_fault(s, r->acc == EXEC ? EC_IABT_CUR : EC_DABT_CUR, r->x_fsc, va, r->acc == WRITE);
	if (faulted != (r->x_fsc != 0) || !pa)
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
	uint64_t d = raw_walk(TB + r->at, &level);
	if (!r->x_raw_set && !r->x_raw_clear)
		return;
	if ((d & r->x_raw_set) != r->x_raw_set || (d & r->x_raw_clear)) {
		kprintf("# descriptor 0x%lx at level %u, want set 0x%lx clear 0x%lx\n",
			(unsigned long)d, level, (unsigned long)r->x_raw_set,
			(unsigned long)r->x_raw_clear);
		row_bad(s, "the descriptor holds other bits");
	}
}

static void set_tcr(struct rows *s, enum tcr t)
{
	uint64_t v = s->tcr & ~(TCR_HA | TCR_HD);
	v |= t == HAHD ? TCR_HA | TCR_HD : t == HA_ONLY ? TCR_HA : 0;
	if (v != read_tcr())
		write_tcr(v);
}

static void run_row(struct rows *s, const struct row *r)
{
	/* The suite boots -cpu max: without FEAT_HAFDBS every row's first access would fault. */
	if (!s->hafdbs) {
		row_bad(s, "no FEAT_HAFDBS with dirty state (ID_AA64MMFR1_EL1.HAFDBS < 2)");
		row_end(s, r->name);
		return;
	}
	row_no++;
	set_tcr(s, r->tcr);
	bm_tlbis = (struct bm_tlbis){ 0 };
	enum pt_err e = r->op == TAKE ? do_take(s, r) : r->op == NOP ? PT_OK : do_op(s, r);
	if (r->x_bbm && (!bm_tlbis.is || !bm_tlbis.dsb_ish))
		row_bad(s, "no broadcast TLBI completed by DSB ISH (break-before-make)");
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

/* A remap whose TLBIs are held back still reaches the old frame; TLBI VALE1IS ends it. */
static void stale_row(struct rows *s)
{
	uint64_t va = TB + RS;
	pt_paddr_t a = marked_frame(0xa11ce), b = marked_frame(0xb0b);
	struct pt_item it = { a, 1, pt_prop_make(PT_RW, PT_CACHE_WB), true };
	if (row_map(s->kt, va, &it) != PT_OK)
		row_bad(s, "map failed");
	bm_flush(va, PT_PAGE_SIZE);
	expect_read(s, va, 0xa11ce, "the first frame does not read");
	bm_tlbi_hold = true;
	if (pt_vmspace_unmap(s->kvs, va, PT_PAGE_SIZE, NULL, NULL) != PT_OK)
		row_bad(s, "pt_vmspace_unmap failed");
	it.pa = b;
	if (row_map(s->kt, va, &it) != PT_OK)
		row_bad(s, "remap failed");
	bm_tlbi_hold = false;
	expect_read(s, va, 0xa11ce, "no stale translation: the TLB did not hold the old one");
	row_end(s, "stale translation: a remap with its TLBIs held back still reads the old frame");
	struct pt_flush_req q = { PT_FLUSH_PAGES, PT_ASID_ANY, va, 1, false };
	pt_aarch64_tlb_flush_broadcast(&bm_a64, &q);
	expect_read(s, va, 0xb0b, "the old translation survived TLBI VAALE1IS");
	row_end(s, "stale translation: gone after TLBI VAALE1IS; DSB ISH; the new frame reads");
	if (pt_vmspace_unmap(s->kvs, va, PT_PAGE_SIZE, NULL, NULL) != PT_OK)
		row_bad(s, "pt_vmspace_unmap failed");
	bm_drain();
}

void rows_table(struct rows *s)
{
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(s, &rows[i]);
	stale_row(s);
}
