/* SPDX-License-Identifier: MIT */
/* The AArch64 test kernel: layout constants and the interfaces between its files. */
#ifndef BM_H
#define BM_H

#include <stdbool.h>
#include <stdint.h>

#include <pt/pt.h>
#include <pt/tlb_aarch64.h>

#include "diff_gen.h"

/* QEMU virt: RAM at 1 GiB, the device tree at its start, the kernel 2 MiB in. */
#define BM_RAM_BASE 0x40000000ull
#define BM_RAM_SIZE (128ull << 20)
/* The image runs at BM_KBASE + (physical - BM_RAM_BASE), in the TTBR1 half. */
#define BM_KBASE 0xffffffff80000000ull
#define BM_KPHYS(va) ((va) - BM_KBASE + BM_RAM_BASE)
/* Every physical address below 4 GiB is at BM_DMAP + pa (RAM and the UART). */
#define BM_DMAP 0xffff800000000000ull
/* Frames the allocator hands out: [end of the image rounded to 2 MiB, BM_POOL_END). */
#define BM_POOL_END (BM_RAM_BASE + (96ull << 20))
/* Huge-page targets: [BM_HUGE_PA, BM_DIFF_PA). */
#define BM_HUGE_PA BM_POOL_END
/* The differential's fixed tables and data (diff_gen.h): the last 16 MiB. */
#define BM_DIFF_PA (BM_RAM_BASE + (112ull << 20))

#define BM_UART_PA 0x09000000ull     /* PL011 */

/* Exit statuses (semihosting SYS_EXIT), as the other kernels'. */
#define BM_EXIT_PASS 33
#define BM_EXIT_FAIL 35
#define BM_EXIT_EXCEPTION 253

/* ESR_EL1.EC */
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25
#define EC_SVC 0x15
#define ESR_EC(esr) ((unsigned)((esr) >> 26) & 0x3f)
#define ESR_FSC(esr) ((unsigned)(esr) & 0x3f)
#define ESR_WNR (1ull << 6)
/* Fault status codes: type << 2 | level. */
#define FSC_TRANS(l) (0x04u | (l))
#define FSC_AF(l) (0x08u | (l))
#define FSC_PERM(l) (0x0cu | (l))

#define TCR_HA (1ull << 39)
#define TCR_HD (1ull << 40)

/* common/platform.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void platform_init(const struct pt_format *fmt);
extern struct pt_env bm_env;
void *bm_virt(pt_paddr_t pa);
pt_paddr_t bm_data_frame(void);
uint32_t bm_refcount(pt_paddr_t pa);
unsigned long bm_tables_in_use(void);
void bm_drain(void);

/* console.c: the PL011 through the direct map, and semihosting SYS_EXIT. */
void kputc(char c);
_Noreturn void bm_exit(unsigned code);
/* common/kprintf.c */
void kputs(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cpu.c: system registers, barriers, TLBIs. */
uint64_t read_ttbr0(void);
uint64_t read_ttbr1(void);
uint64_t read_tcr(void);
void write_tcr(uint64_t v);    /* then TLBI VMALLE1: TCR fields may be held in the TLB */
uint64_t read_mmfr0(void);
uint64_t read_mmfr1(void);
void set_pan(bool on);
void tlbi_all(void);
void tlbi_va(uint64_t va);     /* VAAE1IS: every level, every ASID */
void sync_icache(void);
extern const struct pt_aarch64_arch_ops bm_arch_ops;

/* entry.S: exceptions. A probe that faults records it and returns 1. */
struct bm_fault {
	uint64_t count;           /* exceptions recorded since the last probe_reset */
	uint64_t esr, far, elr;
};
extern struct bm_fault bm_fault;
void probe_reset(void);
int probe_read(uint64_t va, uint64_t *out);
int probe_write(uint64_t va, uint64_t val);
/* Call the code at @va (it returns a value in x0). */
int probe_exec(uint64_t va, uint64_t *out);
/* Run the user code at @entry at EL0 with x0..x2 = @op, @va, @val: 0 when it
 * reached its SVC (its x0 in user_result), 1 if it took another exception. */
int user_run(uint64_t entry, uint64_t op, uint64_t va, uint64_t val);
extern uint64_t user_result;
extern const char user_stub[], user_stub_end[];
enum { OP_LOAD, OP_STORE, OP_FETCH };

/* boot.c */
extern bool bm_break_notlbi;          /* "break=notlbi": every TLBI skipped */
extern bool bm_tlbi_hold;             /* rows: the glue's TLBIs suppressed for a while */
extern struct pt_aarch64_tlb bm_a64;  /* the TLB glue in use */
/* The TLBIs the glue issued since the last reset. */
struct bm_tlbis {
	unsigned n, is;                   /* all, broadcast (IS) forms */
	enum pt_aarch64_tlbi op;          /* the last */
	uint64_t xt;
	unsigned dsb_ish;                 /* DSB ISH barriers */
};
extern struct bm_tlbis bm_tlbis;
/* TLBI VAAE1IS over @va (len <= 512 pages) page by page, or VMALLE1IS. */
void bm_flush(uint64_t va, uint64_t len);
bool str_has(const char *s, const char *word);

/* rows: the run; returns the number of failed rows. */
int run_rows(struct pt_vmspace *kvs);
/* diff.c: the differential's scenarios on this PE; prints one line each. */
void run_diff(struct pt_table *kt);

#endif
