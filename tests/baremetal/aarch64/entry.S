/* SPDX-License-Identifier: MIT */
/*
 * Entry from QEMU (EL1, MMU off, at the kernel's physical address); the
 * exception vectors, probes and EL0.
 *
 * The boot tables: TTBR1 maps BM_DMAP + [0, 4 GiB) with 1 GiB blocks (GiB 0,
 * the UART's, as Device-nGnRnE) and the image's GiB at BM_KBASE; TTBR0 maps
 * the image's GiB at its physical address for the instructions right after
 * SCTLR_EL1.M is set. kmain builds the core's table through them and
 * switches to it.
 *
 * Every exception is expected: from EL1 it must hit an armed probe, which
 * then returns 1; from EL0 it ends user_run. Either way ESR_EL1, FAR_EL1 and
 * ELR_EL1 are recorded in bm_fault.
 */
#define BLOCK_NORMAL 0x701              /* block, AttrIndx 0, SH inner, AF */
#define BLOCK_DEVICE 0x40000000000070dull  /* block, AttrIndx 3, SH inner, AF, UXN */
#define TABLE 0x3
#define GIB(n) ((n) << 30)
#define MAIR 0x0044bbff
/* T0SZ = T1SZ = 16, WB inner/outer, inner shareable, TG0 4K, TG1 4K, IPS 48 bits, AS 16-bit ASID */
#define TCR (16 | 1 << 8 | 1 << 10 | 3 << 12 | 16 << 16 | 1 << 24 | 1 << 26 | 3 << 28 | 2 << 30 \
	     | 5 << 32 | 1 << 36)
#define SCTLR_SET (1 << 0 | 1 << 2 | 1 << 12 | 1 << 23)  /* M, C, I, SPAN */
#define SCTLR_CLEAR (1 << 1 | 1 << 19)                    /* A, WXN */
#define KOFF 0xffffffff80000000 - 0x40000000    /* virtual minus physical, for the image */

	.section .text.entry, "ax"
	.globl _start
_start:
	msr daifset, #0xf
	adrp x0, boot_l0_hi
	adrp x1, boot_l1_dmap
	orr x2, x1, #TABLE
	str x2, [x0, #256 * 8]                  /* BM_DMAP = 0xffff800000000000 */
	ldr x3, =BLOCK_DEVICE
	str x3, [x1]
	ldr x3, =BLOCK_NORMAL + GIB(1)
	str x3, [x1, #8]
	ldr x3, =BLOCK_NORMAL + GIB(2)
	str x3, [x1, #16]
	ldr x3, =BLOCK_NORMAL + GIB(3)
	str x3, [x1, #24]
	adrp x1, boot_l1_k
	orr x2, x1, #TABLE
	str x2, [x0, #511 * 8]                  /* BM_KBASE = 0xffffffff80000000: L0 511, L1 510 */
	ldr x3, =BLOCK_NORMAL + GIB(1)
	str x3, [x1, #510 * 8]
	msr ttbr1_el1, x0
	adrp x0, boot_l0_lo
	adrp x1, boot_l1_lo
	orr x2, x1, #TABLE
	str x2, [x0]
	str x3, [x1, #8]                        /* identity: the image's GiB */
	msr ttbr0_el1, x0
	ldr x0, =MAIR
	msr mair_el1, x0
	ldr x0, =TCR
	msr tcr_el1, x0
	mov x0, #3 << 20                        /* CPACR_EL1.FPEN: no trap on FP (none is used) */
	msr cpacr_el1, x0
	isb
	tlbi vmalle1
	dsb nsh
	mrs x0, sctlr_el1
	ldr x1, =SCTLR_SET
	orr x0, x0, x1
	ldr x1, =SCTLR_CLEAR
	bic x0, x0, x1
	msr sctlr_el1, x0
	isb
	ldr x0, =high_entry
	br x0

	.text
high_entry:
	ldr x0, =bm_stack_top
	mov sp, x0
	ldr x0, =vectors
	msr vbar_el1, x0
	isb
	ldr x0, =__bss_start
	ldr x1, =__bss_end
1:	cmp x0, x1
	b.hs 2f
	str xzr, [x0], #8
	b 1b
2:	bl kmain
3:	wfi
	b 3b

/* Record the exception in bm_fault (x9, x10 scratch; the caller saved them). */
.macro RECORD
	ldr x9, =bm_fault
	ldr x10, [x9]
	add x10, x10, #1
	str x10, [x9]
	mrs x10, esr_el1
	str x10, [x9, #8]
	mrs x10, far_el1
	str x10, [x9, #16]
	mrs x10, elr_el1
	str x10, [x9, #24]
.endm

	.balign 2048
vectors:
	.balign 128
	b unexpected                            /* current EL, SP_EL0: unused */
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b from_el1                              /* current EL, SP_EL1: synchronous */
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b from_el0                              /* lower EL, AArch64: synchronous */
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b unexpected
	.balign 128
	b unexpected

unexpected:
	RECORD
	bl bm_unexpected_trap

/* Probes keep x9-x11 free. */
from_el1:
	RECORD
	ldr x9, =probe_fixup
	ldr x10, [x9]
	cbz x10, unexpected
	msr elr_el1, x10
	mov x0, #1
	eret

from_el0:
	RECORD
	ldr x9, =user_result
	str x0, [x9]
	ldr x9, =user_ctx
	ldp x19, x20, [x9, #0]
	ldp x21, x22, [x9, #16]
	ldp x23, x24, [x9, #32]
	ldp x25, x26, [x9, #48]
	ldp x27, x28, [x9, #64]
	ldp x29, x30, [x9, #80]
	ldr x10, [x9, #96]
	mov sp, x10
	mrs x10, esr_el1
	lsr x10, x10, #26
	cmp x10, #0x15                          /* SVC from AArch64 */
	cset x0, ne
	ret

/* Arm the probe: an exception resumes at the label with x0 = 1. */
.macro ARM label
	adr x9, \label
	ldr x10, =probe_fixup
	str x9, [x10]
.endm
.macro DISARM
	ldr x10, =probe_fixup
	str xzr, [x10]
.endm

	.globl probe_read
probe_read:
	ARM 1f
	ldr x11, [x0]
	str x11, [x1]
	mov x0, #0
1:	DISARM
	ret

	.globl probe_write
probe_write:
	ARM 1f
	str x1, [x0]
	mov x0, #0
1:	DISARM
	ret

	.globl probe_exec
probe_exec:
	stp x29, x30, [sp, #-16]!
	str x1, [sp, #-16]!
	ARM 1f
	blr x0
	ldr x1, [sp]
	str x0, [x1]
	mov x0, #0
1:	DISARM
	add sp, sp, #16
	ldp x29, x30, [sp], #16
	ret

/* user_run(entry, op, va, val): EL0 at @entry with x0..x2 = op, va, val, SP_EL0 0. */
	.globl user_run
user_run:
	ldr x9, =user_ctx
	stp x19, x20, [x9, #0]
	stp x21, x22, [x9, #16]
	stp x23, x24, [x9, #32]
	stp x25, x26, [x9, #48]
	stp x27, x28, [x9, #64]
	stp x29, x30, [x9, #80]
	mov x10, sp
	str x10, [x9, #96]
	msr elr_el1, x0
	msr spsr_el1, xzr                       /* EL0t, interrupts unmasked (none is enabled) */
	mov x0, x1
	mov x1, x2
	mov x2, x3
	eret

/* Copied to a user page: x0 = op (load, store, fetch), x1 = va, x2 = value. */
	.section .rodata
	.balign 4
	.globl user_stub, user_stub_end
user_stub:
	cbz x0, 1f
	cmp x0, #1
	b.eq 2f
	blr x1
	svc #0
1:	ldr x0, [x1]
	svc #0
2:	str x2, [x1]
	mov x0, #0
	svc #0
user_stub_end:

	.data
	.balign 8
	.globl probe_fixup, user_result
probe_fixup: .quad 0
user_result: .quad 0
user_ctx: .zero 112

/* In .data: the bss is cleared while they are live. */
	.balign 4096
boot_l0_hi: .zero 4096
boot_l1_dmap: .zero 4096
boot_l1_k: .zero 4096
boot_l0_lo: .zero 4096
boot_l1_lo: .zero 4096

	.bss
	.balign 16
bm_stack:
	.zero 64 * 1024
	.globl bm_stack_top
bm_stack_top:
