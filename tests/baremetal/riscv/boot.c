/* SPDX-License-Identifier: MIT */
/*
 * kmain: the core's kernel table, the TLB glue, and the run.
 *
 * The kernel table the core builds maps the image at BM_KBASE with
 * page-granular rights (text RX, rodata R, data and bss RW, all global),
 * RAM at BM_DMAP (RW, 2 MiB leaves) and the UART and exit pages. The hart
 * switches to it through the glue (pt_vmspace_first_activate_unchecked: a satp
 * write with the format's mode, then SFENCE.VMA), leaving the boot table.
 *
 * The command line (QEMU -append) may ask for the differential ("diff") or
 * a deliberately broken run, which must fail: "break=noflush" skips every
 * SFENCE.VMA, "break=rw" maps every leaf writable, "break=user" drops U from
 * every leaf.
 */
#include "bm.h"
#include "fdt.h"

#define RV_W (1ull << 2)
#define RV_U (1ull << 4)
#define SBI_RFENCE 0x52464e43ull
#define SBI_REMOTE_SFENCE_VMA 1
#define SBI_REMOTE_SFENCE_VMA_ASID 2

extern char __text_start[], __rodata_start[], __data_start[], __kernel_end[];
void kmain(uint64_t hartid, uint64_t fdt_pa);

bool bm_break_noflush;
struct bm_fences bm_fences;
struct pt_riscv_tlb bm_rv;
static struct pt_cpus cpus;
static struct pt_format broken_fmt;
static pt_pte_t (*real_encode)(pt_paddr_t, struct pt_prop, bool, pt_level_t);

static pt_pte_t encode_rw(pt_paddr_t pa, struct pt_prop p, bool tracked, pt_level_t level)
{
	return real_encode(pa, p, tracked, level) | RV_W;
}

static pt_pte_t encode_nouser(pt_paddr_t pa, struct pt_prop p, bool tracked, pt_level_t level)
{
	return real_encode(pa, p, tracked, level) & ~(pt_pte_t)RV_U;
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

static const struct pt_format *pick_format(const char *cmd)
{
#ifdef BM_SV48
	const struct pt_format *real = &pt_format_riscv_sv48;
#else
	const struct pt_format *real = &pt_format_riscv_sv39;
#endif
	kprintf("# format %s, command line \"%s\"\n", real->name, cmd);
	bm_break_noflush = str_has(cmd, "break=noflush");
	broken_fmt = *real;
	real_encode = real->encode_leaf;
	if (str_has(cmd, "break=rw"))
		broken_fmt.encode_leaf = encode_rw;
	else if (str_has(cmd, "break=user"))
		broken_fmt.encode_leaf = encode_nouser;
	else if (!bm_break_noflush)
		return real;
	kprintf("# deliberately broken run: this boot must fail\n");
	return bm_break_noflush ? real : &broken_fmt;
}

/* The glue's hart operations: the instructions, each SFENCE.VMA recorded. */
static void rv_write_satp(void *ctx, uint64_t v)
{
	(void)ctx;
	csr_write_satp(v);
}

static void rv_sfence(void *ctx, bool has_va, pt_vaddr_t va, bool has_asid, uint16_t asid)
{
	(void)ctx;
	bm_fences.n++;
	bm_fences.has_va = has_va, bm_fences.va = va;
	bm_fences.has_asid = has_asid, bm_fences.asid = asid;
	if (bm_break_noflush)
		return;
	uint64_t a = asid;
	if (has_va && has_asid)
		__asm__ volatile("sfence.vma %0, %1" : : "r"(va), "r"(a) : "memory");
	else if (has_va)
		__asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
	else if (has_asid)
		__asm__ volatile("sfence.vma zero, %0" : : "r"(a) : "memory");
	else
		__asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

static unsigned rv_current_cpu(void *ctx)
{
	(void)ctx;
	return 0;
}

static long sbi_call(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3, uint64_t a4)
{
	register uint64_t r0 __asm__("a0") = a0, r1 __asm__("a1") = a1, r2 __asm__("a2") = a2;
	register uint64_t r3 __asm__("a3") = a3, r4 __asm__("a4") = a4;
	register uint64_t r6 __asm__("a6") = fid, r7 __asm__("a7") = eid;
	__asm__ volatile("ecall"
			 : "+r"(r0), "+r"(r1)
			 : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7)
			 : "memory");
	return (long)r0;
}

/* SBI RFENCE: CPU n is hart n. */
static void rv_remote_sfence(void *ctx, pt_cpumask_t harts, pt_vaddr_t start, uint64_t size,
			     pt_asid_t asid)
{
	(void)ctx;
	bm_fences.remote++;
	if (bm_break_noflush)
		return;
	long err = asid == PT_ASID_ANY
			   ? sbi_call(SBI_RFENCE, SBI_REMOTE_SFENCE_VMA, harts, 0, start, size, 0)
			   : sbi_call(SBI_RFENCE, SBI_REMOTE_SFENCE_VMA_ASID, harts, 0, start, size,
				      asid);
	if (err)
		kprintf("# SBI remote fence: error %ld\n", err);
}

static void rv_send(void *ctx, pt_cpumask_t cpus_, const struct pt_flush_req *req)
{
	(void)ctx, (void)cpus_, (void)req;
}

static const struct pt_riscv_arch_ops rv_ops = {
	.write_satp = rv_write_satp,
	.sfence_vma = rv_sfence,
	.current_cpu = rv_current_cpu,
	.remote_sfence = rv_remote_sfence,
	.send = rv_send,
	.wait = NULL,
};

void bm_flush(uint64_t va, uint64_t len)
{
	if (bm_break_noflush)
		return;
	if (len > 512 * PT_PAGE_SIZE) {
		sfence_vma_all();
		return;
	}
	for (uint64_t off = 0; off < len; off += PT_PAGE_SIZE)
		sfence_vma_va(va + off);
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

/* The number of ASID bits: satp.ASID is WARL, so write ones and read back. */
static unsigned asid_bits(void)
{
	uint64_t old = csr_satp();
	csr_write_satp(old | 0xffffull << 44);
	uint64_t v = csr_satp() >> 44 & 0xffff;
	csr_write_satp(old);
	sfence_vma_all();
	unsigned n = 0;
	while (v & 1)
		n++, v >>= 1;
	return n;
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
	map_or_die(kt, t, r, BM_KPHYS(t), PT_RX);
	map_or_die(kt, r, d, BM_KPHYS(r), PT_R);
	map_or_die(kt, d, end, BM_KPHYS(d), PT_RW);
	map_or_die(kt, BM_DMAP + BM_RAM_BASE, BM_DMAP + BM_RAM_BASE + BM_RAM_SIZE, BM_RAM_BASE, PT_RW);
	map_or_die(kt, BM_DMAP + BM_UART_PA, BM_DMAP + BM_UART_PA + PT_PAGE_SIZE, BM_UART_PA, PT_RW);
	map_or_die(kt, BM_DMAP + BM_TEST_PA, BM_DMAP + BM_TEST_PA + PT_PAGE_SIZE, BM_TEST_PA, PT_RW);
	unsigned bits = asid_bits();
	bm_rv = (struct pt_riscv_tlb){ &rv_ops, NULL,
		bm_env.fmt->levels == 4 ? PT_RISCV_SATP_SV48 : PT_RISCV_SATP_SV39, bits >= 6 };
	pt_cpus_init(&cpus);
	bm_env.tlb = pt_riscv_tlb(&bm_rv, &cpus);
	e = pt_vmspace_first_activate_unchecked(kvs);
	if (e != PT_OK) {
		kprintf("first activation: %s\n", pt_strerror(e));
		bm_exit(BM_EXIT_FAIL);
	}
	kprintf("# running on the core's kernel table, satp 0x%lx, %lu table frames, "
		"%u ASID bits\n", (unsigned long)csr_satp(), bm_tables_in_use(), bits);
}

/* Svpbmt: PBMT bits in a leaf fault unless menvcfg.PBMTE is set (by the firmware). */
static bool pbmt_works(struct pt_vmspace *kvs)
{
	uint64_t va = BM_DMAP + BM_RAM_BASE + BM_RAM_SIZE;
	pt_paddr_t pa = bm_data_frame();
	*(volatile uint64_t *)bm_virt(pa) = 0x9b3d;
	struct pt_cursor_mut m;
	bool ok = false;
	if (pt_cursor_mut_new(&m, &kvs->table, va, PT_PAGE_SIZE) == PT_OK) {
		struct pt_item it = { pa, 1, pt_prop_make(PT_R | PT_GLOBAL, PT_CACHE_WC), true };
		ok = pt_cursor_map(&m, &it) == PT_OK;
		pt_cursor_mut_drop(&m);
	}
	bool mapped = ok;
	uint64_t v = 0;
	probe_reset();
	ok = ok && !probe_read(va, &v) && v == 0x9b3d;
	kprintf("# Svpbmt: a PBMT=NC leaf %s (menvcfg.PBMTE %s)\n", ok ? "reads" : "faults",
		ok ? "set" : "clear, or no Svpbmt");
	if (mapped && pt_vmspace_unmap(kvs, va, PT_PAGE_SIZE, NULL, NULL) != PT_OK) {
		kprintf("pt_vmspace_unmap 0x%lx failed\n", (unsigned long)va);
		bm_exit(BM_EXIT_FAIL);
	}
	bm_drain();
	return ok;
}

void kmain(uint64_t hartid, uint64_t fdt_pa)
{
	static struct pt_vmspace kvs;
	trap_init();
	kprintf("# libpt RISC-V test kernel, hart %lu\n", (unsigned long)hartid);
	const char *cmd = fdt_bootargs((const void *)(uintptr_t)(BM_DMAP + fdt_pa));
	platform_init(pick_format(cmd));
	build_kernel_table(&kvs);
	if (str_has(cmd, "diff")) {
		run_diff(&kvs.table);
		bm_exit(BM_EXIT_PASS);
	}
	int failed = run_rows(&kvs, pbmt_works(&kvs));
	bm_exit(failed ? BM_EXIT_FAIL : BM_EXIT_PASS);
}
