/* SPDX-License-Identifier: MIT */
/*
 * A user table (lower half) sharing the kernel half, loaded into CR3 by hand,
 * and in the 5-level build a mapping above the 48-bit range in both halves.
 */
#include "scen.h"

#define MARK(n) (0xfeed0000beef0000ull | (n))

static pt_paddr_t marked_frame(uint64_t mark)
{
	pt_paddr_t pa = bm_data_frame();
	*(volatile uint64_t *)bm_virt(pa) = mark;
	return pa;
}

static bool read_is(uint64_t va, uint64_t want)
{
	uint64_t got = 0;
	probe_reset();
	return !probe_read(va, &got) && got == want;
}

static bool map_user(struct pt_table *t, uint64_t va, pt_paddr_t pa, uint16_t fl)
{
	struct pt_item it = { pa, 1, pt_prop_make(fl, PT_CACHE_WB), true };
	bool ok = scen_map(t, va, &it) == PT_OK;
	bm_flush(va, PT_PAGE_SIZE);
	return ok;
}

/* On the user table: its own page, an old kernel page, a kernel page mapped now. */
static void on_user_table(struct scen *s, struct pt_table *ut, uint64_t uva, uint64_t kva)
{
	pt_paddr_t kpa = marked_frame(MARK(2));
	write_cr3(pt_table_root_paddr(ut));
	if (!read_is(uva, MARK(1)))
		scen_bad(s, "user page not readable");
	if (!read_is(BM_DMAP + kpa, MARK(2)))
		scen_bad(s, "kernel direct map missing from the user table");
	if (!map_user(s->kt, kva, kpa, PT_R) || !read_is(kva, MARK(2)))
		scen_bad(s, "a kernel mapping added later is not shared");
	unsigned level;
	uint64_t pte = raw_walk(s->levels, uva, &level);
	if (level != 1 || !(pte & X_U) || (pte & X_G))
		scen_bad(s, "user leaf lacks U or has G");
	write_cr3(pt_table_root_paddr(s->kt));
	probe_reset();
	probe_read(uva, &(uint64_t){ 0 });
	check_fault(s, 14, 0, uva);
}

static void row_user_table(struct scen *s)
{
	uint64_t uva = s->levels == 5 ? 0x00fe000000001000ull : 0x00007f0000001000ull;
	unsigned long t0 = bm_tables_in_use();
	struct pt_table ut;
	pt_paddr_t upa = marked_frame(MARK(1));
	if (pt_table_create_user(&ut, s->kt) != PT_OK) {
		scen_bad(s, "pt_table_create_user failed");
		scen_end(s, "user table");
		return;
	}
	if (!map_user(&ut, uva, upa, PT_RW | PT_USER))
		scen_bad(s, "map in the user table failed");
	on_user_table(s, &ut, uva, TB + 0x8000);
	if (pt_table_destroy(&ut) != PT_OK)
		scen_bad(s, "pt_table_destroy failed");
	bm_drain();
	if (bm_tables_in_use() != t0)
		scen_bad(s, "destroy + drain did not free every user-table frame");
	if (bm_refcount(upa) != 0)
		scen_bad(s, "the user frame kept a reference");
	scen_end(s, s->levels == 5 ? "user table: 57-bit user page, shared kernel half"
				   : "user table: own lower half, shared kernel half");
}

/* 5-level: a kernel-half address no 4-level table can hold (PML5 slot 256). */
static void row_la57(struct scen *s)
{
	uint64_t va = 0xff00000000002000ull;
	if (s->levels != 5) {
		scen_skip(s, "la57: kernel page below the 48-bit range", "4-level build");
		return;
	}
	pt_paddr_t pa = marked_frame(MARK(3));
	if (!map_user(s->kt, va, pa, PT_RW) || !read_is(va, MARK(3)))
		scen_bad(s, "57-bit kernel page not readable");
	unsigned level;
	raw_walk(5, va, &level);
	if (level != 1)
		scen_bad(s, "walk through PML5 slot 256 did not reach a level-1 leaf");
	scen_end(s, "la57: kernel page below the 48-bit range");
}

void scen_user(struct scen *s)
{
	row_user_table(s);
	row_la57(s);
}
