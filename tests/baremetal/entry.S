/* SPDX-License-Identifier: MIT */
/*
 * PVH entry: QEMU's pvh.bin enters pvh_entry32 in 32-bit protected mode,
 * paging off, %ebx = hvm_start_info. Build a boot table mapping physical
 * 0..1 GiB with 2 MiB pages three times (identity, the direct map at
 * BM_DMAP, the image at BM_KBASE), enter long mode (LA57 first in the
 * 5-level build) and call kmain(start_info) in the higher half, which
 * adopts this table (pt_table_adopt_kernel). One page directory and one
 * PDPT serve every alias; table entries are P|W|U as libpt writes them
 * (the leaves, P|W|PS, decide the rights).
 */
#define KBASE 0xffffffff80000000
#define CR0_PE 0x1
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define CR4_LA57 0x1000
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100

	.section .note.pvh, "a", @note
	.p2align 2
	.long 4                     /* name size */
	.long 8                     /* descriptor size: QEMU reads 8 bytes */
	.long 18                    /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.p2align 2
	.quad pvh_entry32

	.section .boot.rodata, "a"
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff    /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff    /* 0x10: data */
	.quad 0x00af9a000000ffff    /* 0x18: 64-bit code */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .boot.bss, "aw", @nobits
	.p2align 12
boot_pml5:	.skip 4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
boot_stack:	.skip 4096
boot_stack_top:

	.section .boot.text, "ax"
	.code32
	.globl pvh_entry32
pvh_entry32:
	cli
	cld
	mov %ebx, %esi
	lgdt boot_gdt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %esp
	call check_cpu
	call build_boot_tables
	mov %cr4, %eax
	or $CR4_PAE, %eax
#ifdef BM_LA57
	or $CR4_LA57, %eax          /* only possible while paging is off */
	mov %eax, %cr4
	mov $boot_pml5, %eax
#else
	mov %eax, %cr4
	mov $boot_pml4, %eax
#endif
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PE | CR0_WP | CR0_PG), %eax
	mov %eax, %cr0
	ljmp $0x18, $entry64

/* Long mode (and LA57 in the 5-level build) or exit with status 255. */
check_cpu:
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_cpu
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc no_cpu
#ifdef BM_LA57
	mov $7, %eax
	xor %ecx, %ecx
	cpuid
	bt $16, %ecx
	jnc no_cpu
#endif
	ret
no_cpu:
	mov $0x7f, %al
	out %al, $0xf4
2:	hlt
	jmp 2b

build_boot_tables:
	mov $boot_pml5, %edi
	xor %eax, %eax
	mov $(4 * 4096 / 4), %ecx
	rep stosl
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax              /* P W PS */
	mov %eax, boot_pd(, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	mov $(boot_pd + 7), %eax
	mov %eax, boot_pdpt
	mov %eax, boot_pdpt + 510 * 8
	mov $(boot_pdpt + 7), %eax
	mov %eax, boot_pml4
	mov %eax, boot_pml4 + 273 * 8
	mov %eax, boot_pml4 + 511 * 8
	mov $(boot_pml4 + 7), %eax
	mov %eax, boot_pml5
	mov %eax, boot_pml5 + 511 * 8
	ret

	.code64
entry64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	movabs $__bss_start, %rdi
	movabs $__bss_end, %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	rep stosb
	movabs $(bm_stack + 65536), %rsp
	mov %esi, %edi
	movabs $kmain, %rax
	call *%rax
3:	hlt
	jmp 3b

	.section .note.GNU-stack, "", @progbits
