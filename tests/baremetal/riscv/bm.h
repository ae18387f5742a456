/* SPDX-License-Identifier: MIT */
/* The RISC-V test kernel: layout constants and the interfaces between its files. */
#ifndef BM_H
#define BM_H

#include <stdbool.h>
#include <stdint.h>

#include <pt/pt.h>
#include <pt/tlb_riscv.h>

#include "diff_gen.h"

/* QEMU virt: RAM at 2 GiB, OpenSBI in its first 2 MiB, the kernel loaded after it. */
#define BM_RAM_BASE 0x80000000ull
#define BM_RAM_SIZE (128ull << 20)
/* The image runs at BM_KBASE + (physical - BM_RAM_BASE) (-mcmodel=medany, linked high). */
#define BM_KBASE 0xffffffff80000000ull
#define BM_KPHYS(va) ((va) - BM_KBASE + BM_RAM_BASE)
/* Every physical address below 4 GiB is at BM_DMAP + pa (RAM and the MMIO pages). */
#define BM_DMAP 0xffffffd800000000ull
/* Frames the allocator hands out: [end of the image rounded to 2 MiB, BM_POOL_END). */
#define BM_POOL_END (BM_RAM_BASE + (96ull << 20))
/* Huge-page targets: [BM_HUGE_PA, BM_DIFF_PA). */
#define BM_HUGE_PA BM_POOL_END
/* The differential's fixed tables and data (diff.h): the last 16 MiB. */
#define BM_DIFF_PA (BM_RAM_BASE + (112ull << 20))

#define BM_UART_PA 0x10000000ull
#define BM_TEST_PA 0x100000ull       /* sifive_test: exit */

/* QEMU exit statuses, as the x86 kernel's. */
#define BM_EXIT_PASS 33
#define BM_EXIT_FAIL 35
#define BM_EXIT_EXCEPTION 253

/* scause values. */
#define EXC_FETCH_PF 12
#define EXC_LOAD_PF 13
#define EXC_STORE_PF 15
#define EXC_ECALL_U 8

#define SSTATUS_SUM (1ull << 18)
#define SSTATUS_MXR (1ull << 19)

/* common/platform.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void platform_init(const struct pt_format *fmt);
extern struct pt_env bm_env;
void *bm_virt(pt_paddr_t pa);
pt_paddr_t bm_data_frame(void);
uint32_t bm_refcount(pt_paddr_t pa);
unsigned long bm_tables_in_use(void);
/* Count the boot-built frames of an adopted table as table frames in use. */
void bm_count_adopted(struct pt_table *kt);
void bm_drain(void);

/* console.c: the virt machine's 16550 and sifive_test, through the direct map. */
void kputc(char c);
_Noreturn void bm_exit(unsigned code);
/* common/kprintf.c */
void kputs(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cpu.c: CSRs and fences. */
uint64_t csr_satp(void);
void csr_write_satp(uint64_t v);
void sstatus_set(uint64_t bits);
void sstatus_clear(uint64_t bits);
void sfence_vma_all(void);
void sfence_vma_va(uint64_t va);
void fence_i(void);
void trap_init(void);

/* entry.S: traps. A probe that faults records it and returns 1. */
struct bm_fault {
	uint64_t count;           /* traps recorded since the last probe_reset */
	uint64_t cause, tval, epc;
};
extern struct bm_fault bm_fault;
void probe_reset(void);
int probe_read(uint64_t va, uint64_t *out);
int probe_write(uint64_t va, uint64_t val);
/* Call the code at @va (it returns a value in a0). */
int probe_exec(uint64_t va, uint64_t *out);
/* Run the user code at @entry in U-mode with a0..a2 = @op, @va, @val: 0 when it
 * reached its ecall (its a0 in user_result), 1 if it trapped otherwise. */
int user_run(uint64_t entry, uint64_t op, uint64_t va, uint64_t val);
extern uint64_t user_result;
extern const char user_stub[], user_stub_end[];
enum { OP_LOAD, OP_STORE, OP_FETCH };

/* boot.c */
extern bool bm_break_noflush;        /* "break=noflush": every SFENCE.VMA skipped */
extern struct pt_riscv_tlb bm_rv;    /* the TLB glue in use */
/* Operands of the SFENCE.VMAs the glue issued since the last reset. */
struct bm_fences {
	unsigned n;
	bool has_va, has_asid;
	uint64_t va;
	uint16_t asid;
	unsigned remote;                 /* SBI remote fences */
};
extern struct bm_fences bm_fences;
/* SFENCE.VMA @va (len <= 512 pages) page by page, or everything. */
void bm_flush(uint64_t va, uint64_t len);

/* rows: the run; returns the number of failed rows. */
int run_rows(struct pt_vmspace *kvs, bool pbmt);
/* diff.c: the differential's scenarios under this hart; prints one line each. */
void run_diff(struct pt_table *kt);

#endif
