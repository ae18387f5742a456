/* SPDX-License-Identifier: MIT */
/* CSR access and fences. */
#include "bm.h"

struct bm_fault bm_fault;

uint64_t csr_satp(void)
{
	uint64_t v;
	__asm__ volatile("csrr %0, satp" : "=r"(v));
	return v;
}

void csr_write_satp(uint64_t v)
{
	__asm__ volatile("csrw satp, %0" : : "r"(v) : "memory");
}

void sstatus_set(uint64_t bits)
{
	__asm__ volatile("csrs sstatus, %0" : : "r"(bits) : "memory");
}

void sstatus_clear(uint64_t bits)
{
	__asm__ volatile("csrc sstatus, %0" : : "r"(bits) : "memory");
}

void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma" : : : "memory");
}

void sfence_vma_va(uint64_t va)
{
	__asm__ volatile("sfence.vma %0" : : "r"(va) : "memory");
}

void fence_i(void)
{
	__asm__ volatile("fence.i" : : : "memory");
}

void probe_reset(void)
{
	bm_fault.count = 0;
	bm_fault.cause = bm_fault.tval = bm_fault.epc = 0;
}

extern char trap_entry[];
_Noreturn void bm_unexpected_trap(void);

void trap_init(void)
{
	__asm__ volatile("csrw stvec, %0" : : "r"(trap_entry));
}

_Noreturn void bm_unexpected_trap(void)
{
	kprintf("unexpected trap: scause 0x%lx stval 0x%lx sepc 0x%lx\n",
		(unsigned long)bm_fault.cause, (unsigned long)bm_fault.tval,
		(unsigned long)bm_fault.epc);
	bm_exit(BM_EXIT_EXCEPTION);
}
