/* SPDX-License-Identifier: MIT */
/*
 * Exception entry stubs and the access probes. Each stub pushes a dummy
 * error code where the CPU pushes none, then the vector; the common stub
 * saves the general registers (struct bm_frame in idt.c) and calls
 * exc_dispatch, which may rewrite RIP, RSP and RAX before the iretq.
 * A probe instruction listed in __ex_table resumes at its fixup with RAX = 1.
 */
	.text

.macro ISR vec
	.p2align 4
isr_\vec:
.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
.else
	pushq $0
.endif
	pushq $\vec
	jmp isr_common
.endm

.altmacro
.macro ISR_ALL from=0, to=31
	ISR \from
.if \to - \from
	ISR_ALL %(\from + 1), \to
.endif
.endm
	ISR_ALL

isr_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	call exc_dispatch
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

.macro ISR_ADDR vec
	.quad isr_\vec
.endm
.macro ISR_TABLE from=0, to=31
	ISR_ADDR \from
.if \to - \from
	ISR_TABLE %(\from + 1), \to
.endif
.endm
	.section .rodata
	.globl isr_table
	.p2align 3
isr_table:
	ISR_TABLE

.macro EX insn, fixup
	.pushsection __ex_table, "a"
	.p2align 3
	.quad \insn, \fixup
	.popsection
.endm

	.text
/* int probe_read(uint64_t va, uint64_t *out) */
	.globl probe_read
probe_read:
	xor %eax, %eax
1:	mov (%rdi), %rdx
	mov %rdx, (%rsi)
2:	ret
	EX 1b, 2b

/* int probe_write(uint64_t va, uint64_t val) */
	.globl probe_write
probe_write:
	xor %eax, %eax
1:	mov %rsi, (%rdi)
2:	ret
	EX 1b, 2b

/* int probe_exec(uint64_t va, uint64_t *out): call va, store what it returns.
 * A fetch fault is resumed at probe_exec_fix with the return address popped. */
	.globl probe_exec, probe_exec_ret, probe_exec_fix
probe_exec:
	push %rbx
	mov %rsi, %rbx
	call *%rdi
probe_exec_ret:
	mov %rax, (%rbx)
	xor %eax, %eax
probe_exec_fix:
	pop %rbx
	ret

/*
 * int user_run(uint64_t rip, uint64_t rsp, uint64_t op, uint64_t va, uint64_t val):
 * enter ring 3 at @rip with RDI/RSI/RDX = op/va/val. The next exception from
 * ring 3 (ud2 when the user code is done, or a fault) comes back through
 * exc_dispatch to user_exit on this stack, with RAX = 0 or 1.
 */
	.globl user_run, user_exit, user_kernel_rsp
user_run:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, user_kernel_rsp(%rip)
	pushq $0x23
	push %rsi
	pushq $0x2
	pushq $0x1b
	push %rdi
	mov %rdx, %rdi
	mov %rcx, %rsi
	mov %r8, %rdx
	iretq
user_exit:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/*
 * The user code, copied into a user page: op 0 loads from va into RAX, op 1
 * stores val at va, op 2 jumps to va; each ends with ud2 (back to the kernel).
 */
	.globl user_stub, user_stub_end, user_stub_ud_load, user_stub_ud_store
user_stub:
	cmp $1, %rdi
	je 1f
	cmp $2, %rdi
	je 2f
	mov (%rsi), %rax
user_stub_ud_load:
	ud2
1:	mov %rdx, (%rsi)
	xor %eax, %eax
user_stub_ud_store:
	ud2
2:	jmp *%rsi
user_stub_end:

	.data
	.p2align 3
user_kernel_rsp:
	.quad 0
	.text

/* void load_gdt(const void *desc): LGDT, reload CS by lretq and the data segments. */
	.globl load_gdt
load_gdt:
	lgdt (%rdi)
	pushq $0x08
	lea 1f(%rip), %rax
	push %rax
	lretq
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	ret

	.section .note.GNU-stack, "", @progbits
