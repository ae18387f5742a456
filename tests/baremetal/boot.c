/* SPDX-License-Identifier: MIT */
/*
 * kmain: CPU set-up, the boot table adopted by the core, and the run.
 *
 * entry.S built the boot table (1 GiB of RWX 2 MiB pages at the identity,
 * at BM_DMAP and at BM_KBASE, through shared tables). kmain, already in
 * the higher half, drops the identity slot, adopts the table as the core's
 * kernel table (pt_table_adopt_kernel, in place: CR3 keeps its root) and
 * reshapes it through the handle: the image at BM_KBASE with 4 KiB-granular
 * rights (text RX, rodata R, data and bss RW, all global), the direct map
 * of RAM at BM_DMAP (RW, NX, global), nothing else.
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

static void die_on(enum pt_err e, const char *what, uint64_t va)
{
	if (e == PT_OK)
		return;
	kprintf("%s 0x%lx failed: %s\n", what, (unsigned long)va, pt_strerror(e));
	bm_exit(BM_EXIT_FAIL);
}

/* Remove every mapping in [va, end); end 0 is the top of the address space. */
static void unmap_or_die(struct pt_table *kt, uint64_t va, uint64_t end)
{
	struct pt_cursor_mut m;
	struct pt_frag f;
	die_on(pt_cursor_mut_new(&m, kt, va, end - va), "unmapping", va);
	for (;;) {
		uint64_t at = pt_cursor_virt_addr(&m.c);
		if (at - va >= end - va)
			break;
		die_on(pt_cursor_take_next(&m, end - at, &f), "unmapping", at);
		if (f.kind == PT_FRAG_NONE)
			break;
		pt_frag_release(&bm_env, &f);
	}
	pt_cursor_mut_drop(&m);
}

/* Give [va, end) exactly the rights @fl, global, A and D clear. */
static void protect_or_die(struct pt_table *kt, uint64_t va, uint64_t end, uint16_t fl)
{
	struct pt_protect op = { PT_W | PT_X | PT_ACCESSED | PT_DIRTY, fl | PT_GLOBAL, PT_CACHE_WB };
	struct pt_cursor_mut m;
	die_on(pt_cursor_mut_new(&m, kt, va, end - va), "protecting", va);
	for (;;) {
		uint64_t at = pt_cursor_virt_addr(&m.c), sva, slen;
		bool found;
		if (at - va >= end - va)
			break;
		die_on(pt_cursor_protect_next(&m, end - at, op, &sva, &slen, &found), "protecting", at);
		if (!found)
			break;
	}
	pt_cursor_mut_drop(&m);
}

static void adopt_boot_table(struct pt_table *kt)
{
	pt_paddr_t root = read_cr3() & ~0xfffull;
	/* The identity slot: only the 32-bit entry code ran there. */
	((volatile pt_pte_t *)bm_virt(root))[0] = 0;
	write_cr3(root);
	die_on(pt_table_adopt_kernel(kt, &bm_env, root), "adopting the boot table at", root);
	bm_count_adopted(kt);

	uint64_t t = (uint64_t)(uintptr_t)__text_start, r = (uint64_t)(uintptr_t)__rodata_start;
	uint64_t d = (uint64_t)(uintptr_t)__data_start;
	uint64_t end = ((uint64_t)(uintptr_t)__kernel_end + 0xfff) & ~0xfffull;
	unmap_or_die(kt, kt->va_lo, BM_DMAP);
	unmap_or_die(kt, BM_DMAP + BM_RAM_SIZE, t);
	unmap_or_die(kt, end, 0);
	protect_or_die(kt, BM_DMAP, BM_DMAP + BM_RAM_SIZE, PT_RW);
	protect_or_die(kt, t, r, PT_RX);
	protect_or_die(kt, r, d, PT_R);
	protect_or_die(kt, d, end, PT_RW);
	/* Adoption and the changes above left only stale TLB entries: drop them. */
	write_cr3(root);
	bm_drain();
	kprintf("# running on the adopted boot table, root 0x%lx, %lu table frames\n",
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
	adopt_boot_table(&kt);
	int failed = run_scenarios(&kt);
	bm_exit(failed ? BM_EXIT_FAIL : BM_EXIT_PASS);
}
