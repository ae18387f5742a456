/* SPDX-License-Identifier: MIT */
/*
 * Entry from OpenSBI (S-mode, a0 = hart id, a1 = device tree, satp = 0) at
 * the kernel's physical address; the trap vector, probes and user mode.
 *
 * The boot table is one Sv39 root of 1 GiB leaves: the image's GiB at its
 * physical address (for the instructions right after the satp write) and at
 * BM_KBASE, and physical [0, 4 GiB) at BM_DMAP. kmain builds the core's
 * table through it and switches to that.
 *
 * Every trap is expected: from S-mode it must hit an armed probe, which
 * then returns 1; from U-mode it ends user_run. Either way scause, stval
 * and sepc are recorded in bm_fault.
 */
#define LEAF 0xcf                       /* V R W X A D */
#define GIB_PPN(gib) ((gib) << 18)       /* the PPN of physical (gib) GiB */
#define SSTATUS_SPP 0x100

	.section .text.entry, "ax"
	.globl _start
_start:
	la t0, boot_root
	srli t0, t0, 12
	li t1, 8                         /* Sv39 */
	slli t1, t1, 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	ld t0, .Lhigh
	jr t0
	.balign 8
.Lhigh:
	.quad high_entry

	.text
high_entry:
	la sp, bm_stack_top
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:	call kmain
3:	wfi
	j 3b

	.balign 4
	.globl trap_entry
trap_entry:
	csrw sscratch, t0
	la t0, trap_save
	sd t1, 0(t0)
	sd t2, 8(t0)
	la t1, bm_fault
	ld t2, 0(t1)
	addi t2, t2, 1
	sd t2, 0(t1)
	csrr t2, scause
	sd t2, 8(t1)
	csrr t2, stval
	sd t2, 16(t1)
	csrr t2, sepc
	sd t2, 24(t1)
	csrr t2, sstatus
	andi t2, t2, SSTATUS_SPP
	beqz t2, .Lfrom_user
	la t1, probe_fixup
	ld t2, 0(t1)
	beqz t2, .Lunexpected
	csrw sepc, t2
	li a0, 1
	ld t1, 0(t0)
	ld t2, 8(t0)
	csrr t0, sscratch
	sret
.Lunexpected:
	call bm_unexpected_trap
.Lfrom_user:
	la t2, user_result
	sd a0, 0(t2)
	la t1, user_ctx
	ld ra, 0(t1)
	ld sp, 8(t1)
	ld s0, 16(t1)
	ld s1, 24(t1)
	ld s2, 32(t1)
	ld s3, 40(t1)
	ld s4, 48(t1)
	ld s5, 56(t1)
	ld s6, 64(t1)
	ld s7, 72(t1)
	ld s8, 80(t1)
	ld s9, 88(t1)
	ld s10, 96(t1)
	ld s11, 104(t1)
	csrr t2, scause
	addi t2, t2, -8                  /* environment call from U-mode */
	snez a0, t2
	ret

/* Arm the probe: a trap resumes at the label in t0 with a0 = 1. */
.macro ARM label
	la t0, \label
	la t1, probe_fixup
	sd t0, 0(t1)
.endm
.macro DISARM
	la t1, probe_fixup
	sd zero, 0(t1)
.endm

	.globl probe_read
probe_read:
	ARM 1f
	ld t2, 0(a0)
	sd t2, 0(a1)
	li a0, 0
1:	DISARM
	ret

	.globl probe_write
probe_write:
	ARM 1f
	sd a1, 0(a0)
	li a0, 0
1:	DISARM
	ret

	.globl probe_exec
probe_exec:
	addi sp, sp, -16
	sd ra, 0(sp)
	sd a1, 8(sp)
	ARM 1f
	jalr a0
	ld a1, 8(sp)
	sd a0, 0(a1)
	li a0, 0
1:	DISARM
	ld ra, 0(sp)
	addi sp, sp, 16
	ret

	.globl user_run
user_run:
	la t0, user_ctx
	sd ra, 0(t0)
	sd sp, 8(t0)
	sd s0, 16(t0)
	sd s1, 24(t0)
	sd s2, 32(t0)
	sd s3, 40(t0)
	sd s4, 48(t0)
	sd s5, 56(t0)
	sd s6, 64(t0)
	sd s7, 72(t0)
	sd s8, 80(t0)
	sd s9, 88(t0)
	sd s10, 96(t0)
	sd s11, 104(t0)
	csrw sepc, a0
	li t1, SSTATUS_SPP
	csrc sstatus, t1
	mv a0, a1
	mv a1, a2
	mv a2, a3
	sret

/* Copied to a user page: a0 = op (load, store, fetch), a1 = va, a2 = value. */
	.section .rodata
	.balign 4
	.globl user_stub, user_stub_end
user_stub:
	beqz a0, 1f
	addi t0, a0, -1
	beqz t0, 2f
	jalr a1
	ecall
1:	ld a0, 0(a1)
	ecall
2:	sd a2, 0(a1)
	li a0, 0
	ecall
user_stub_end:

	.data
	.balign 4096
boot_root:
	.zero 2 * 8
	.quad (GIB_PPN(2) << 10) | LEAF          /* [2]: the image, identity */
	.zero (352 - 3) * 8
	.quad (GIB_PPN(0) << 10) | LEAF          /* [352]: BM_DMAP + [0, 1 GiB) */
	.quad (GIB_PPN(1) << 10) | LEAF
	.quad (GIB_PPN(2) << 10) | LEAF
	.quad (GIB_PPN(3) << 10) | LEAF
	.zero (510 - 356) * 8
	.quad (GIB_PPN(2) << 10) | LEAF          /* [510]: BM_KBASE */
	.zero 8

	.balign 8
	.globl probe_fixup, user_result
probe_fixup: .quad 0
user_result: .quad 0
trap_save: .zero 16
user_ctx: .zero 112

	.bss
	.balign 16
bm_stack:
	.zero 64 * 1024
	.globl bm_stack_top
bm_stack_top:
