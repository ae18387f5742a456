/* SPDX-License-Identifier: MIT */
/*
 * kmain: CPU set-up, the kernel table built by the core, and the run.
 *
 * The boot table from entry.S is only used to build the core's kernel
 * table: the image at BM_KBASE with 4 KiB-granular rights (text RX, rodata
 * R, data and bss RW, all global) and the direct map of RAM at BM_DMAP (RW,
 * NX, global). There is no identity map once CR3 holds the core's root.
 *
 * The command line (QEMU -append) may ask for a deliberately broken run,
 * which must fail: "break=noflush" skips every TLB flush, "break=rw" maps
 * every leaf writable, "break=pat" drops the PWT bit of every leaf.
 */
#include "bm.h"

#define CR4_PGE (1ull << 7)
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11)
#define MSR_PAT 0x277u
/* The IA32_PAT layout the x86-64 format assumes (Linux's). */
#define LINUX_PAT 0x0407050600070106ull

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

extern char __text_start[], __rodata_start[], __data_start[], __kernel_end[];
void kmain(uint32_t start_info);

char bm_stack[64 * 1024] __attribute__((aligned(16)));

bool bm_break_noflush;
static struct pt_format broken_fmt;
static pt_pte_t (*real_encode)(pt_paddr_t, struct pt_prop, bool, pt_level_t);

static pt_pte_t encode_rw(pt_paddr_t pa, struct pt_prop p, bool tracked, pt_level_t level)
{
	return real_encode(pa, p, tracked, level) | 2u;
}

static pt_pte_t encode_pat(pt_paddr_t pa, struct pt_prop p, bool tracked, pt_level_t level)
{
	return real_encode(pa, p, tracked, level) & ~(pt_pte_t)8u;
}

static bool str_has(const char *s, const char *word)
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

static const struct pt_format *pick_format(const struct hvm_start_info *si)
{
#ifdef BM_LA57
	const struct pt_format *real = &pt_format_x86_64_5level;
#else
	const struct pt_format *real = &pt_format_x86_64_4level;
#endif
	const char *cmd = si->cmdline_paddr ? bm_virt(si->cmdline_paddr) : "";
	kprintf("# format %s, command line \"%s\"\n", real->name, cmd);
	bm_break_noflush = str_has(cmd, "break=noflush");
	broken_fmt = *real;
	real_encode = real->encode_leaf;
	if (str_has(cmd, "break=rw"))
		broken_fmt.encode_leaf = encode_rw;
	else if (str_has(cmd, "break=pat"))
		broken_fmt.encode_leaf = encode_pat;
	else
		return real;
	kprintf("# deliberately broken run: this boot must fail\n");
	return &broken_fmt;
}

static void cpu_setup(void)
{
	uint32_t r[4];
	cpuid(0x80000001u, 0, r);
	if (!(r[3] & (1u << 20))) {
		kprintf("no NX\n");
		bm_exit(BM_EXIT_FAIL);
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	wrmsr(MSR_PAT, LINUX_PAT);
	write_cr4(read_cr4() | CR4_PGE);
	kprintf("# CR0 0x%lx CR4 0x%lx EFER 0x%lx PAT 0x%lx\n", (unsigned long)read_cr0(),
		(unsigned long)read_cr4(), (unsigned long)rdmsr(MSR_EFER),
		(unsigned long)rdmsr(MSR_PAT));
}

static void map_or_die(struct pt_table *kt, uint64_t va, uint64_t end, uint64_t pa, uint16_t fl)
{
	struct pt_cursor_mut m;
	enum pt_err e = pt_cursor_mut_new(&m, kt, va, end - va);
	if (e == PT_OK) {
		e = pt_cursor_map_range(&m, pa, end - va, pt_prop_make(fl | PT_GLOBAL, PT_CACHE_WB));
		pt_cursor_mut_drop(&m);
	}
	if (e != PT_OK) {
		kprintf("mapping 0x%lx failed: %s\n", (unsigned long)va, pt_strerror(e));
		bm_exit(BM_EXIT_FAIL);
	}
}

static void build_kernel_table(struct pt_table *kt)
{
	enum pt_err e = pt_table_create_kernel(kt, &bm_env);
	if (e != PT_OK) {
		kprintf("pt_table_create_kernel: %s\n", pt_strerror(e));
		bm_exit(BM_EXIT_FAIL);
	}
	uint64_t t = (uint64_t)(uintptr_t)__text_start, r = (uint64_t)(uintptr_t)__rodata_start;
	uint64_t d = (uint64_t)(uintptr_t)__data_start, end = (uint64_t)(uintptr_t)__kernel_end;
	map_or_die(kt, t, r, t - BM_KBASE, PT_RX);
	map_or_die(kt, r, d, r - BM_KBASE, PT_R);
	map_or_die(kt, d, end, d - BM_KBASE, PT_RW);
	map_or_die(kt, BM_DMAP, BM_DMAP + BM_RAM_SIZE, 0, PT_RW);
	write_cr3(pt_table_root_paddr(kt));
	kprintf("# running on the core's kernel table, root 0x%lx, %lu table frames\n",
		(unsigned long)pt_table_root_paddr(kt), bm_tables_in_use());
}

void kmain(uint32_t start_info)
{
	static struct pt_table kt;
	serial_init();
	gdt_idt_init();
	kprintf("# libpt baremetal test kernel\n");
	cpu_setup();
	platform_init(pick_format(bm_virt(start_info)));
	build_kernel_table(&kt);
	int failed = run_scenarios(&kt);
	bm_exit(failed ? BM_EXIT_FAIL : BM_EXIT_PASS);
}
