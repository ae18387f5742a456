/* SPDX-License-Identifier: MIT */
/*
 * Rows that do not fit the table: the kernel image's own rights, a stale
 * translation kept until SFENCE.VMA, the core's flushes through the glue
 * (a protect, a detached table, an SBI remote fence), MXR on an X-only leaf
 * written by hand, and a non-canonical address. Expected values by hand.
 */
#include "rows.h"

#define RE (TB + (4ull << 30))   /* a 1 GiB slot of its own */
#define MARK(n) (0xfeed0000cafe0000ull | (n))

extern char __rodata_start[];
void kmain(uint64_t hartid, uint64_t fdt_pa);

PT_MUST_CHECK static enum pt_err map_frame(struct pt_table *t, uint64_t va, pt_paddr_t pa, uint16_t fl)
{
	struct pt_item it = { pa, 1, pt_prop_make(fl, PT_CACHE_WB), true };
	enum pt_err e = row_map(t, va, &it);
	bm_flush(va, PT_PAGE_SIZE);
	return e;
}

static void row_kernel_image(struct rows *s)
{
	uint64_t text = (uint64_t)(uintptr_t)kmain, ro = (uint64_t)(uintptr_t)__rodata_start;
	uint64_t v;
	probe_reset();
	probe_write(text, 0);
	check_trap(s, EXC_STORE_PF, text);
	row_end(s, "kernel text (core-mapped RX): store faults");
	probe_reset();
	probe_exec(ro, &v);
	check_trap(s, EXC_FETCH_PF, ro);
	row_end(s, "kernel rodata (core-mapped R): fetch faults");
}

/* Map @a at @va, read it (the translation is cached), swap in @b without a
 * fence and without touching satp (QEMU flushes on a satp change). */
static void swap_unfenced(struct rows *s, uint64_t va, pt_paddr_t a, pt_paddr_t b,
			  struct pt_frag *f)
{
	if (map_frame(s->kt, va, a, PT_RW) != PT_OK)
		row_bad(s, "map failed");
	expect_read(s, va, *(volatile uint64_t *)bm_virt(a), "first frame not read");
	if (row_take(s->kt, va, PT_PAGE_SIZE, f) != PT_OK || f->item.pa != a)
		row_bad(s, "take_next failed");
	struct pt_item it = { b, 1, pt_prop_make(PT_RW, PT_CACHE_WB), true };
	if (row_map(s->kt, va, &it) != PT_OK)
		row_bad(s, "remap failed");
}

/* TCG's soft TLB keeps a replaced translation until SFENCE.VMA: the premise of
 * the "break=noflush" boot, and the reason every row fences. */
static void row_stale_tlb(struct rows *s)
{
	uint64_t va = TB + 0x17000;
	struct pt_frag f;
	swap_unfenced(s, va, marked_frame(MARK(1)), marked_frame(MARK(2)), &f);
	if (!bm_break_noflush)
		expect_read(s, va, MARK(1), "translation dropped without SFENCE.VMA");
	bm_flush(va, PT_PAGE_SIZE);
	expect_read(s, va, MARK(2), "new frame not read after SFENCE.VMA");
	pt_frag_release(&bm_env, &f);
	row_end(s, "tlb: old translation kept until SFENCE.VMA va (TCG)");
}

/* The same, fenced by the glue's remote path: an SBI remote fence to this hart. */
static void row_sbi_fence(struct rows *s)
{
	uint64_t va = TB + 0x19000;
	struct pt_frag f;
	swap_unfenced(s, va, marked_frame(MARK(3)), marked_frame(MARK(4)), &f);
	expect_read(s, va, MARK(3), "translation dropped without a fence");
	struct pt_flush_req req = { PT_FLUSH_PAGES, PT_ASID_ANY, va, 1, false };
	unsigned before = bm_fences.remote;
	bm_env.tlb.ops->send(bm_env.tlb.ctx, 1, &req);
	bm_env.tlb.ops->wait(bm_env.tlb.ctx, 1);
	if (bm_fences.remote != before + 1)
		row_bad(s, "the glue did not call the SBI remote fence once");
	expect_read(s, va, MARK(4), "new frame not read after the SBI remote fence");
	pt_frag_release(&bm_env, &f);
	row_end(s, "tlb: the glue's SBI remote fence (to this hart) drops it");
}

/* pt_vmspace_protect_flush_tlb: the core's flush reaches the hart through the glue. */
static void row_glue_protect(struct rows *s)
{
	uint64_t va = TB + 0x1a000;
	pt_paddr_t pa = marked_frame(MARK(5));
	if (map_frame(s->kt, va, pa, PT_RW) != PT_OK)
		row_bad(s, "map failed");
	probe_reset();
	if (probe_write(va, MARK(6)))
		row_bad(s, "first store faulted");
	bm_fences = (struct bm_fences){ 0 };
	struct pt_protect ro = { PT_W, 0, -1 };
	if (pt_vmspace_protect_flush_tlb(s->kvs, va, PT_PAGE_SIZE, ro) != PT_OK)
		row_bad(s, "protect_flush_tlb failed");
	if (bm_fences.n != 1 || !bm_fences.has_va || bm_fences.va != va || bm_fences.has_asid)
		row_bad(s, "not one SFENCE.VMA va, x0 (kernel pages: every address space)");
	probe_reset();
	probe_write(va, MARK(7));
	check_trap(s, EXC_STORE_PF, va);
	row_end(s, "protect_flush_tlb rw->ro: the glue's SFENCE.VMA va, x0; the store faults");
}

/* A detached table: the glue fences the whole address space, not the pages. */
static void row_glue_tables(struct rows *s)
{
	static const uint64_t off[3] = { 0, 0x1000, 0x1ff000 };
	unsigned long t0 = bm_tables_in_use();
	for (int i = 0; i < 3; i++) {
		if (map_frame(s->kt, RE + off[i], marked_frame(MARK(10 + i)), PT_RW) != PT_OK)
			row_bad(s, "map failed");
		expect_read(s, RE + off[i], MARK(10 + i), "mapped frame not read");
	}
	unsigned long t1 = bm_tables_in_use();
	bm_fences = (struct bm_fences){ 0 };
	uint64_t frames = 0;
	struct pt_cursor_mut m;
	struct pt_flusher fl;
	/* A cursor wider than the table: it cannot detach the node it is locked on. */
	if (pt_cursor_mut_new(&m, s->kt, RE, 1ull << 30) != PT_OK) {
		row_bad(s, "cursor failed");
	} else {
		pt_vmspace_flusher_init(&fl, s->kvs);
		if (pt_cursor_unmap(&m, &fl, 2ull << 20, &frames) != PT_OK || frames != 3)
			row_bad(s, "unmap did not remove three frames");
		pt_cursor_mut_drop(&m);
		pt_flusher_drop(&fl);
	}
	if (bm_fences.n != 1 || bm_fences.has_va || bm_fences.has_asid) {
		kprintf("# %u fences, last: va %d 0x%lx asid %d %u\n", bm_fences.n, bm_fences.has_va,
			(unsigned long)bm_fences.va, bm_fences.has_asid, bm_fences.asid);
		row_bad(s, "not one SFENCE.VMA x0, x0 for the detached table");
	}
	probe_reset();
	probe_read(RE + 0x1000, &(uint64_t){ 0 });
	check_trap(s, EXC_LOAD_PF, RE + 0x1000);
	bm_drain();
	if (t1 == t0 || bm_tables_in_use() != t1 - 1)
		row_bad(s, "the detached level-1 table was not freed");
	row_end(s, "unmap 2m range: table detached, SFENCE.VMA x0, x0, freed after");
}

/* MXR: an X-only leaf (no R) is readable only with sstatus.MXR. The core cannot
 * encode one (it stores a leaf without R invalid), so it is written by hand. */
static void row_mxr(struct rows *s)
{
	uint64_t va = TB + 0x1b000;
	pt_paddr_t pa = marked_frame(MARK(20));
	if (map_frame(s->kt, va, pa, PT_RX) != PT_OK)
		row_bad(s, "map failed");
	unsigned level;
	raw_walk(s->levels, va, &level);
	volatile uint64_t *leaf = NULL;
	uint64_t table = (csr_satp() & ((1ull << 44) - 1)) << 12;
	for (unsigned lv = s->levels; lv >= 1 && !leaf; lv--) {
		volatile uint64_t *e = (volatile uint64_t *)bm_virt(table) +
				       ((va >> (12 + 9 * (lv - 1))) & 511);
		if (lv == level)
			leaf = e;
		table = (*e >> X_PPN_SHIFT & ((1ull << 44) - 1)) << 12;
	}
	if (!leaf || level != 1) {
		row_bad(s, "no level-1 leaf");
		row_end(s, "mxr: x-only leaf");
		return;
	}
	*leaf &= ~X_R;
	sfence_vma_va(va);
	probe_reset();
	probe_read(va, &(uint64_t){ 0 });
	check_trap(s, EXC_LOAD_PF, va);
	sstatus_set(SSTATUS_MXR);
	expect_read(s, va, MARK(20), "MXR: x-only leaf not readable");
	sstatus_clear(SSTATUS_MXR);
	*leaf |= X_R;
	sfence_vma_va(va);
	row_end(s, "mxr: x-only leaf (by hand) loads only with sstatus.MXR");
}

/* Without Svvptc a hart may cache an invalid entry: the fault handler fences. */
static void row_fault_fence(struct rows *s)
{
	uint64_t va = TB + 0x1c000;
	probe_reset();
	probe_read(va, &(uint64_t){ 0 });
	check_trap(s, EXC_LOAD_PF, va);
	struct pt_item it = { marked_frame(MARK(21)), 1, pt_prop_make(PT_RW, PT_CACHE_WB), true };
	if (row_map(s->kt, va, &it) != PT_OK)
		row_bad(s, "map failed");
	bm_fences = (struct bm_fences){ 0 };
	pt_riscv_tlb_fault_fence(&bm_rv, va + 0x123, PT_ASID_ANY);
	if (bm_fences.n != 1 || !bm_fences.has_va || bm_fences.va != va)
		row_bad(s, "the fault fence is not SFENCE.VMA on the page");
	expect_read(s, va, MARK(21), "retried load did not see the new mapping");
	row_end(s, "fault on a new mapping: pt_riscv_tlb_fault_fence, the retry loads");
}

static void row_noncanonical(struct rows *s)
{
	uint64_t va = s->levels == 4 ? 0x0000800000000000ull : 0x0000004000000000ull;
	pt_paddr_t pa;
	probe_reset();
	probe_read(va, &(uint64_t){ 0 });
	check_trap(s, EXC_LOAD_PF, va);
	if (pt_table_translate(s->kt, va, &pa, NULL) != PT_ERR_NONCANONICAL)
		row_bad(s, "the core does not call it non-canonical");
	row_end(s, "non-canonical address: load page fault, core says non-canonical");
}

void rows_extra(struct rows *s)
{
	row_kernel_image(s);
	row_stale_tlb(s);
	row_sbi_fence(s);
	row_glue_protect(s);
	row_glue_tables(s);
	row_mxr(s);
	row_fault_fence(s);
	row_noncanonical(s);
}
