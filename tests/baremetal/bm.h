/* SPDX-License-Identifier: MIT */
/* The baremetal test kernel: layout constants and the interfaces between its files. */
#ifndef BM_H
#define BM_H

#include <stdbool.h>
#include <stdint.h>

#include <pt/pt.h>

/* The kernel image runs at KBASE + physical address (-mcmodel=kernel). */
#define BM_KBASE 0xffffffff80000000ull
/* Every RAM frame is also reachable at DMAP + physical address (phys_to_virt). */
#define BM_DMAP 0xffff888000000000ull
/* Guest RAM the kernel uses (QEMU -m 128M), from physical BM_RAM_BASE. */
#define BM_RAM_BASE 0ull
#define BM_RAM_SIZE (128ull << 20)
/* Frames the allocator hands out: [end of the image rounded to 2 MiB, BM_POOL_END). */
#define BM_POOL_END (96ull << 20)
/* Physical memory kept for huge-page targets: [BM_POOL_END, BM_RAM_SIZE). */
#define BM_HUGE_PA BM_POOL_END
/* The physical address of an image address. */
#define BM_KPHYS(va) ((va) - BM_KBASE)

#define BM_EXIT_PASS 0x10     /* QEMU status 33 */
#define BM_EXIT_FAIL 0x11     /* 35 */
#define BM_EXIT_EXCEPTION 0x7e /* 253 */

/* common/platform.c provides the two functions the freestanding core may call. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);

/* serial.c */
void serial_init(void);
void kputc(char c);
/* common/kprintf.c */
void kputs(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void bm_exit(unsigned code);

/* cpu.c: control registers and instructions. */
uint64_t read_cr0(void);
uint64_t read_cr3(void);
uint64_t read_cr4(void);
void write_cr0(uint64_t v);
void write_cr3(uint64_t v);
void write_cr4(uint64_t v);
uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t v);
void invlpg(uint64_t va);
void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);
void outb(uint16_t port, uint8_t v);
uint8_t inb(uint16_t port);

/* idt.c: exceptions; a probe that faults records it and returns 1. */
struct bm_fault {
	unsigned count;           /* faults recorded since the last probe_reset */
	unsigned vector;
	uint64_t err;
	uint64_t cr2;
};
extern struct bm_fault bm_fault;
void gdt_idt_init(void);
void probe_reset(void);
/* isr.S: 0 on success, 1 if the access faulted (recorded in bm_fault). */
int probe_read(uint64_t va, uint64_t *out);
int probe_write(uint64_t va, uint64_t val);
int probe_exec(uint64_t va, uint64_t *out);
/* Run the user code at @rip in ring 3 (isr.S): 0 when it reached ud2 (its RAX
 * in user_result), 1 if it faulted (recorded in bm_fault). */
int user_run(uint64_t rip, uint64_t rsp, uint64_t op, uint64_t va, uint64_t val);
extern uint64_t user_result, user_ud_rip;
/* The position-independent user code user_run enters (copied to a user page),
 * and its ud2 after a load and after a store. */
extern const char user_stub[], user_stub_end[], user_stub_ud_load[], user_stub_ud_store[];

/* common/platform.c */
void platform_init(const struct pt_format *fmt);
extern struct pt_env bm_env;
void *bm_virt(pt_paddr_t pa);
/* A zeroed tracked data frame with one reference, or 0. */
pt_paddr_t bm_data_frame(void);
uint32_t bm_refcount(pt_paddr_t pa);
unsigned long bm_tables_in_use(void);
void bm_drain(void);

/* boot.c / scenarios.c */
extern bool bm_break_noflush;        /* "break=noflush": skip the TLB flushes */
void bm_flush(uint64_t va, uint64_t len);
int run_scenarios(struct pt_table *kt);

#endif
