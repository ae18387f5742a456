/* SPDX-License-Identifier: MIT */
/*
 * Higher-half GDT, IDT and the exception dispatcher. A fault on a probe
 * instruction (isr.S, __ex_table) is recorded in bm_fault and resumed at the
 * probe's fixup with RAX = 1, in the style of Linux exception tables. A
 * fetch fault from probe_exec (RIP == CR2, return address on the stack
 * pointing into probe_exec) pops that address and resumes at probe_exec_fix.
 * An exception from ring 3 (user_run in isr.S) returns to the kernel at
 * user_exit. Anything else is reported and ends the run with status 253.
 */
#include "bm.h"

struct bm_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vec, err, rip, cs, rflags, rsp, ss;
};

struct ex_entry {
	uint64_t insn, fixup;
};

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

extern const struct ex_entry __ex_table_start[], __ex_table_end[];
extern const uint64_t isr_table[32];
extern const char probe_exec_ret[], probe_exec_fix[], user_exit[];
extern uint64_t user_kernel_rsp;
void load_gdt(const struct desc_ptr *d);
void exc_dispatch(struct bm_frame *f);

struct bm_fault bm_fault;

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1, ist[7], reserved2;
	uint16_t reserved3, iomap_base;
};

/* Writable: LTR sets the busy bit of the TSS descriptor. */
static uint64_t gdt[7] = {
	0,
	0x00af9a000000ffffull,  /* 0x08: 64-bit code */
	0x00cf92000000ffffull,  /* 0x10: data */
	0x00affa000000ffffull,  /* 0x18: 64-bit code, DPL 3 (selector 0x1b) */
	0x00cff2000000ffffull,  /* 0x20: data, DPL 3 (selector 0x23) */
	0, 0,                   /* 0x28: the TSS (16 bytes) */
};
static struct idt_gate idt[32];
static struct tss64 tss;
/* Exceptions from ring 3 run on this stack (TSS.RSP0). */
static uint8_t ring0_stack[16384] __attribute__((aligned(16)));

/* The result the user code left in RAX when it reached ud2, and where. */
uint64_t user_result, user_ud_rip;

static void tss_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	tss.rsp[0] = (uint64_t)(uintptr_t)(ring0_stack + sizeof(ring0_stack));
	tss.iomap_base = sizeof(tss);
	gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 ((limit >> 16) & 0xf) << 48 | (base >> 24 & 0xff) << 56;
	gdt[6] = base >> 32;
}

void gdt_idt_init(void)
{
	struct desc_ptr g = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	tss_init();
	load_gdt(&g);
	__asm__ volatile("ltr %w0" : : "r"(0x28));
	for (unsigned v = 0; v < 32; v++) {
		uint64_t a = isr_table[v];
		idt[v] = (struct idt_gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16),
					    (uint32_t)(a >> 32), 0 };
	}
	struct desc_ptr i = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(i));
}

void probe_reset(void)
{
	bm_fault = (struct bm_fault){ 0, 0, 0, 0 };
}

static uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static void record(const struct bm_frame *f, uint64_t cr2)
{
	bm_fault.count++;
	bm_fault.vector = (unsigned)f->vec;
	bm_fault.err = f->err;
	bm_fault.cr2 = cr2;
}

static bool fixup_probe(struct bm_frame *f, uint64_t cr2)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == f->rip) {
			record(f, cr2);
			f->rip = e->fixup;
			f->rax = 1;
			return true;
		}
	}
	if (f->vec == 14 && f->rip == cr2 &&
	    *(const uint64_t *)f->rsp == (uint64_t)(uintptr_t)probe_exec_ret) {
		record(f, cr2);
		f->rsp += 8;
		f->rip = (uint64_t)(uintptr_t)probe_exec_fix;
		f->rax = 1;
		return true;
	}
	return false;
}

/* An exception from ring 3: ud2 ends the user code, anything else is recorded. */
static void back_from_user(struct bm_frame *f, uint64_t cr2)
{
	if (f->vec == 6) {
		user_result = f->rax;
		user_ud_rip = f->rip;
		f->rax = 0;
	} else {
		record(f, cr2);
		f->rax = 1;
	}
	f->rip = (uint64_t)(uintptr_t)user_exit;
	f->cs = 0x08;
	f->ss = 0x10;
	f->rsp = user_kernel_rsp;
	f->rflags = 0x2;
}

void exc_dispatch(struct bm_frame *f)
{
	uint64_t cr2 = read_cr2();
	if ((f->cs & 3) == 3) {
		back_from_user(f, cr2);
		return;
	}
	if ((f->vec == 14 || f->vec == 13) && fixup_probe(f, cr2))
		return;
	kprintf("unexpected exception %lu err 0x%lx rip 0x%lx cr2 0x%lx rsp 0x%lx\n",
		(unsigned long)f->vec, (unsigned long)f->err, (unsigned long)f->rip,
		(unsigned long)cr2, (unsigned long)f->rsp);
	bm_exit(BM_EXIT_EXCEPTION);
}
