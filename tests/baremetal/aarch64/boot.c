/* SPDX-License-Identifier: MIT */
/*
 * kmain: the core's kernel table, the TLB glue, and the run.
 *
 * The kernel table the core builds (TTBR1) maps the image at BM_KBASE with
 * page-granular rights (text RX, rodata R, data and bss RW; global,
 * accessed and dirty, so the kernel runs whatever TCR_EL1.HA/HD a row sets),
 * RAM at BM_DMAP (RW, 2 MiB blocks) and the UART page (Device-nGnRnE). The
 * PE switches to it through the glue (pt_vmspace_first_activate_unchecked: a
 * TTBR1 write, TTBR0 to an empty table, TLBI VMALLE1), leaving the boot
 * tables. TCR_EL1.HA and HD are then set (FEAT_HAFDBS, QEMU's -cpu max).
 *
 * The command line (QEMU -append, from the device tree QEMU puts at the
 * start of RAM) may ask for the differential ("diff") or a deliberately
 * broken run, which must fail: "break=notlbi" skips every TLBI,
 * "break=ap" encodes every leaf with AP[2] clear (read-only leaves
 * writable), "break=uxn" with UXN clear (EL0 may execute every user leaf).
 */
#include "bm.h"
#include "fdt.h"

#define A64_AP_RO (1ull << 7)
#define A64_UXN (1ull << 54)

extern char __text_start[], __rodata_start[], __data_start[], __kernel_end[];
void kmain(void);

bool bm_break_notlbi, bm_tlbi_hold;
struct bm_tlbis bm_tlbis;
struct pt_aarch64_tlb bm_a64;
static struct pt_cpus cpus;
static struct pt_format broken_fmt;
static pt_pte_t (*real_encode)(pt_paddr_t, struct pt_prop, bool, pt_level_t);

static pt_pte_t encode_ap(pt_paddr_t pa, struct pt_prop p, bool tracked, pt_level_t level)
{
	return real_encode(pa, p, tracked, level) & ~(pt_pte_t)A64_AP_RO;
}

static pt_pte_t encode_uxn(pt_paddr_t pa, struct pt_prop p, bool tracked, pt_level_t level)
{
	return real_encode(pa, p, tracked, level) & ~(pt_pte_t)A64_UXN;
}

bool str_has(const char *s, const char *word)
{
	for (; s && *s; s++) {
		const char *a = s, *b = word;
		while (*b && *a == *b)
			a++, b++;
		if (!*b)
			return true;
	}
	return false;
}

static const struct pt_format *pick_format(const char *cmd)
{
	const struct pt_format *real = &pt_format_aarch64_4k48;
	kprintf("# format %s, command line \"%s\"\n", real->name, cmd);
	bm_break_notlbi = str_has(cmd, "break=notlbi");
	broken_fmt = *real;
	real_encode = real->encode_leaf;
	if (str_has(cmd, "break=ap"))
		broken_fmt.encode_leaf = encode_ap;
	else if (str_has(cmd, "break=uxn"))
		broken_fmt.encode_leaf = encode_uxn;
	else if (!bm_break_notlbi)
		return real;
	kprintf("# deliberately broken run: this boot must fail\n");
	return bm_break_notlbi ? real : &broken_fmt;
}

void bm_flush(uint64_t va, uint64_t len)
{
	if (len > 512 * PT_PAGE_SIZE) {
		tlbi_all();
		return;
	}
	for (uint64_t off = 0; off < len; off += PT_PAGE_SIZE)
		tlbi_va(va + off);
}

static void map_or_die(struct pt_table *kt, uint64_t va, uint64_t end, uint64_t pa, uint16_t fl,
		       enum pt_cache cache)
{
	struct pt_cursor_mut m;
	enum pt_err e = pt_cursor_mut_new(&m, kt, va, end - va);
	if (e == PT_OK) {
		e = pt_cursor_map_range(&m, pa, end - va,
					pt_prop_make(fl | PT_GLOBAL | PT_ACCESSED | PT_DIRTY, cache));
		pt_cursor_mut_drop(&m);
	}
	if (e != PT_OK) {
		kprintf("mapping 0x%lx failed: %s\n", (unsigned long)va, pt_strerror(e));
		bm_exit(BM_EXIT_FAIL);
	}
}

static void build_kernel_table(struct pt_vmspace *kvs)
{
	struct pt_table *kt = &kvs->table;
	enum pt_err e = pt_vmspace_create_kernel(kvs, &bm_env);
	if (e != PT_OK) {
		kprintf("pt_table_create_kernel: %s\n", pt_strerror(e));
		bm_exit(BM_EXIT_FAIL);
	}
	uint64_t t = (uint64_t)(uintptr_t)__text_start, r = (uint64_t)(uintptr_t)__rodata_start;
	uint64_t d = (uint64_t)(uintptr_t)__data_start, end = (uint64_t)(uintptr_t)__kernel_end;
	map_or_die(kt, t, r, BM_KPHYS(t), PT_RX, PT_CACHE_WB);
	map_or_die(kt, r, d, BM_KPHYS(r), PT_R, PT_CACHE_WB);
	map_or_die(kt, d, end, BM_KPHYS(d), PT_RW, PT_CACHE_WB);
	map_or_die(kt, BM_DMAP + BM_RAM_BASE, BM_DMAP + BM_RAM_BASE + BM_RAM_SIZE, BM_RAM_BASE, PT_RW,
		   PT_CACHE_WB);
	map_or_die(kt, BM_DMAP + BM_UART_PA, BM_DMAP + BM_UART_PA + PT_PAGE_SIZE, BM_UART_PA, PT_RW,
		   PT_CACHE_UC);
	/* ID_AA64MMFR0_EL1.ASIDBits (7:4): 2 = 16 bits; TCR_EL1.AS is set by entry.S. */
	bool asid16 = (read_mmfr0() >> 4 & 0xf) == 2;
	bm_a64 = (struct pt_aarch64_tlb){ &bm_arch_ops, NULL, pt_table_root_paddr(kt),
		bm_data_frame(), true };
	if (!asid16)
		write_tcr(read_tcr() & ~(1ull << 36));
	pt_cpus_init(&cpus);
	bm_env.tlb = pt_aarch64_tlb(&bm_a64, &cpus);
	e = pt_vmspace_first_activate_unchecked(kvs);
	if (e != PT_OK) {
		kprintf("first activation: %s\n", pt_strerror(e));
		bm_exit(BM_EXIT_FAIL);
	}
	unsigned hafdbs = (unsigned)(read_mmfr1() & 0xf);
	if (hafdbs >= 2)
		write_tcr(read_tcr() | TCR_HA | TCR_HD);
	kprintf("# running on the core's kernel table, TTBR1 0x%lx, %lu table frames, %s ASIDs, "
		"HAFDBS %u\n", (unsigned long)read_ttbr1(), bm_tables_in_use(), asid16 ? "16-bit" : "8-bit",
		hafdbs);
}

void kmain(void)
{
	static struct pt_vmspace kvs;
	kprintf("# libpt AArch64 test kernel, EL1\n");
	const char *cmd = fdt_bootargs((const void *)(uintptr_t)(BM_DMAP + BM_RAM_BASE));
	platform_init(pick_format(cmd));
	build_kernel_table(&kvs);
	if (str_has(cmd, "diff")) {
		run_diff(&kvs.table);
		bm_exit(BM_EXIT_PASS);
	}
	int failed = run_rows(&kvs);
	bm_exit(failed ? BM_EXIT_FAIL : BM_EXIT_PASS);
}
