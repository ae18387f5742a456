/* SPDX-License-Identifier: MIT */
/*
 * Rows that do not fit the table: the kernel image's own rights, a TLB
 * entry kept until INVLPG, a whole table detached and freed, a user table
 * sharing the kernel half, a non-canonical address, and (5-level) a 57-bit
 * address. Expected values are written here by hand.
 */
#include "scen.h"

#define RE (TB + (4ull << 30))   /* a 1 GiB slot of its own */
#define MARK(n) (0xfeed0000cafe0000ull | (n))

extern char __rodata_start[];
void kmain(uint32_t start_info);

static pt_paddr_t marked_frame(uint64_t mark)
{
	pt_paddr_t pa = bm_data_frame();
	*(volatile uint64_t *)bm_virt(pa) = mark;
	return pa;
}

PT_MUST_CHECK static enum pt_err map_frame(struct pt_table *t, uint64_t va, pt_paddr_t pa, uint16_t fl)
{
	struct pt_item it = { pa, 1, pt_prop_make(fl, PT_CACHE_WB), true };
	enum pt_err e = scen_map(t, va, &it);
	bm_flush(va, PT_PAGE_SIZE);
	return e;
}

static void expect_read(struct scen *s, uint64_t va, uint64_t want, const char *why)
{
	uint64_t got = 0;
	probe_reset();
	if (probe_read(va, &got) || got != want) {
		kprintf("# read 0x%lx: 0x%lx, want 0x%lx\n", (unsigned long)va, (unsigned long)got,
			(unsigned long)want);
		scen_bad(s, why);
	}
}

static void row_kernel_image(struct scen *s)
{
	uint64_t text = (uint64_t)(uintptr_t)kmain, ro = (uint64_t)(uintptr_t)__rodata_start;
	uint64_t v;
	probe_reset();
	probe_write(text, 0);
	check_fault(s, 14, PF_P | PF_W, text);
	scen_end(s, "kernel text (core-mapped RX): write faults P|W");
	probe_reset();
	probe_exec(ro, &v);
	check_fault(s, 14, PF_P | PF_ID, ro);
	scen_end(s, "kernel rodata (core-mapped R): fetch faults P|I/D");
}

/* TCG's soft TLB keeps a replaced translation until INVLPG: the premise of the
 * "break=noflush" boot, and the reason every row flushes. */
static void row_stale_tlb(struct scen *s)
{
	uint64_t va = TB + 0x7000;
	pt_paddr_t a = marked_frame(MARK(1)), b = marked_frame(MARK(2));
	struct pt_frag f;
	if (map_frame(s->kt, va, a, PT_RW) != PT_OK)
		scen_bad(s, "map failed");
	expect_read(s, va, MARK(1), "first frame not read");
	if (scen_take(s->kt, va, PT_PAGE_SIZE, &f) != PT_OK || f.item.pa != a)
		scen_bad(s, "take_next failed");
	struct pt_item it = { b, 1, pt_prop_make(PT_RW, PT_CACHE_WB), true };
	if (scen_map(s->kt, va, &it) != PT_OK)
		scen_bad(s, "remap failed");
	if (!bm_break_noflush)
		expect_read(s, va, MARK(1), "TLB entry dropped without INVLPG");
	bm_flush(va, PT_PAGE_SIZE);
	expect_read(s, va, MARK(2), "new frame not read after INVLPG");
	pt_frag_release(&bm_env, &f);
	scen_end(s, "tlb: old translation kept until INVLPG (TCG)");
}

/* Three frames in one level-1 table; a 2 MiB take detaches the table whole. */
static void row_take_table(struct scen *s)
{
	static const uint64_t off[3] = { 0, 0x1000, 0x1ff000 };
	pt_paddr_t pa[3];
	unsigned long t0 = bm_tables_in_use();
	for (int i = 0; i < 3; i++) {
		pa[i] = marked_frame(MARK(10 + i));
		if (map_frame(s->kt, RE + off[i], pa[i], PT_RW) != PT_OK)
			scen_bad(s, "map failed");
		expect_read(s, RE + off[i], MARK(10 + i), "mapped frame not read");
	}
	if (bm_tables_in_use() != t0 + 2)
		scen_bad(s, "mapping did not add exactly a level-2 and a level-1 table");
	struct pt_frag f;
	if (scen_take(s->kt, RE, 2ull << 20, &f) != PT_OK || f.kind != PT_FRAG_TABLE ||
	    f.nr_frames != 3 || f.va != RE || f.len != 2ull << 20)
		scen_bad(s, "take_next did not detach the level-1 table");
	bm_flush(RE, 2ull << 20);
	probe_reset();
	probe_read(RE + 0x1000, &(uint64_t){ 0 });
	check_fault(s, 14, 0, RE + 0x1000);
	pt_frag_release(&bm_env, &f);
	bm_drain();
	if (bm_tables_in_use() != t0 + 1)
		scen_bad(s, "the detached table was not freed at drain");
	for (int i = 0; i < 3; i++)
		if (bm_refcount(pa[i]) != 0)
			scen_bad(s, "a frame of the detached table kept a reference");
	scen_end(s, "take 2m range: level-1 table detached, freed at drain");
}

static void row_noncanonical(struct scen *s)
{
	uint64_t va = s->levels == 5 ? 0x0100000000000000ull : 0x0000800000000000ull;
	pt_paddr_t pa;
	probe_reset();
	probe_read(va, &(uint64_t){ 0 });
	if (bm_fault.count != 1 || bm_fault.vector != 13)
		scen_bad(s, "no #GP");
	if (pt_table_translate(s->kt, va, &pa, NULL) != PT_ERR_NONCANONICAL)
		scen_bad(s, "the core does not call it non-canonical");
	scen_end(s, "non-canonical address: #GP, core says non-canonical");
}

void scen_extra(struct scen *s)
{
	row_kernel_image(s);
	row_stale_tlb(s);
	row_take_table(s);
	row_noncanonical(s);
	scen_user(s);
	scen_ring3(s);
}
